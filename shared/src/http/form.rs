//! Reading and guarding state-changing POSTs: body limits, strict form
//! decoding, CSRF and cross-site checks, and who is asking.

use lambda_http::Request;
use lambda_http::http::header;

use super::{AppError, MAX_BODY_BYTES, Query};
use crate::auth::csrf::{CSRF_COOKIE, CSRF_FIELD};
use crate::auth::{cookie_value, cross_site, tokens_match};
use crate::config::Site;
use crate::store::Session;

/// Rejects bodies over [`MAX_BODY_BYTES`] with `413` — on every route, before
/// anything else looks at the request.
pub fn check_body_size(req: &Request) -> Result<(), AppError> {
    let body: &[u8] = req.body().as_ref();
    if body.len() > MAX_BODY_BYTES { Err(AppError::PayloadTooLarge) } else { Ok(()) }
}

/// The `application/x-www-form-urlencoded` body, decoded strictly: too big
/// `413`, another content type, bad percent-encoding or invalid UTF-8 `400`.
/// Base64 bodies (API Gateway's `isBase64Encoded`) arrive already decoded by
/// `lambda_http`.
pub fn read_form(req: &Request) -> Result<Query, AppError> {
    check_body_size(req)?;
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(AppError::BadRequest("expected a form (application/x-www-form-urlencoded)"));
    }
    let body: &[u8] = req.body().as_ref();
    let text = std::str::from_utf8(body).map_err(|_| AppError::BadRequest("request is not valid UTF-8"))?;
    Query::parse(text)
}

const FORGED: &str =
    "This form has expired or was sent from another site. Go back, reload the page and try again.";

/// Refuses requests a browser marks as cross-site (`Sec-Fetch-Site`, `Origin`).
pub fn require_same_site(req: &Request, site: &Site) -> Result<(), AppError> {
    if cross_site(req.headers(), &site.origin) { Err(AppError::Forbidden(FORGED)) } else { Ok(()) }
}

/// The form a POST carried, if it came from the site itself (`403`
/// otherwise) and decodes strictly (`400`, `413`): the first two checks of
/// every state-changing POST, before its token is looked at.
pub fn site_form(req: &Request, site: &Site) -> Result<Query, AppError> {
    require_same_site(req, site)?;
    read_form(req)
}

/// The double-submit check of anonymous forms (login, sign-up): the hidden
/// field must equal the `__Host-bs_csrf` cookie, compared in constant time.
pub fn require_form_csrf(req: &Request, form: &Query) -> Result<(), AppError> {
    let cookie = cookie_value(req.headers(), CSRF_COOKIE).unwrap_or("");
    if tokens_match(cookie, form.get(CSRF_FIELD).unwrap_or("")) {
        Ok(())
    } else {
        Err(AppError::Forbidden(FORGED))
    }
}

/// The check of a logged-in reader's forms: the hidden field must equal the
/// token stored with the session.
pub fn require_session_csrf(session: &Session, form: &Query) -> Result<(), AppError> {
    if tokens_match(session.csrf_token.as_str(), form.get(CSRF_FIELD).unwrap_or("")) {
        Ok(())
    } else {
        Err(AppError::Forbidden(FORGED))
    }
}
