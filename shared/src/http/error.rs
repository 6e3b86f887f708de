//! [`AppError`]: every way a request can fail, as the HTTP outcome it becomes.
//!
//! Handlers return `Result<_, AppError>` and use `?`; [`Responder::error`]
//! (the one place) logs the internal cause with the request id and renders the
//! public page or JSON. Internals never reach the client.
//!
//! [`Responder::error`]: super::Responder::error

use lambda_http::http::StatusCode;

use crate::store::StoreError;

/// A request's failure, named by what the client should be told.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// The page existed and was withdrawn on purpose (an unpublished article).
    #[error("gone")]
    Gone,
    /// The action needs a logged-in reader: `303` to the login page, which
    /// brings the reader back to `return_to` (a local path) afterwards.
    #[error("login required")]
    LoginRequired { return_to: String },
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<&'static str> },
    /// Malformed request: the message is safe to show.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// Refused (CSRF, not yours): the message is safe to show.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// Storage failed after the SDK's retries.
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
    /// A bug or corrupt data: logged in full, shown as a bare 500.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => AppError::Unavailable(e),
            StoreError::Corrupt(_) => AppError::Internal(Box::new(e)),
        }
    }
}

/// Seconds a client should wait after a `503`.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone => StatusCode::GONE,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The heading and sentence shown to the reader.
    pub fn public_text(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => ("Page not found", "We could not find the page you asked for."),
            AppError::Gone => {
                ("Story withdrawn", "This story has been withdrawn and is no longer available.")
            }
            AppError::LoginRequired { .. } => ("Please log in", "You need to log in to do that."),
            AppError::MethodNotAllowed { .. } => {
                ("Method not allowed", "This address does not accept that kind of request.")
            }
            AppError::BadRequest(msg) => ("Bad request", msg),
            AppError::Forbidden(msg) => ("Forbidden", msg),
            AppError::PayloadTooLarge => ("Request too large", "The request body is larger than 64 KiB."),
            AppError::TooManyRequests { .. } => {
                ("Too many requests", "You are going a little fast. Please wait a moment and try again.")
            }
            AppError::Unavailable(_) => (
                "Temporarily unavailable",
                "We are having trouble reaching our storage. Please try again shortly.",
            ),
            AppError::Internal(_) => ("Something went wrong", "An unexpected error occurred on our side."),
        }
    }

    /// `Retry-After` seconds, for the statuses that carry one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            AppError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        }
    }

    /// Whether this is our fault (logged at error level with its cause chain).
    pub fn is_server_fault(&self) -> bool {
        self.status().is_server_error()
    }
}

/// `err` and its sources, joined with `: ` — for logs only.
pub fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        out.push_str(": ");
        out.push_str(&e.to_string());
        cur = e.source();
    }
    out
}
