//! Placeholder: Markdown rendering is being written.
