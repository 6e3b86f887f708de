//! Placeholder: views are being written.
