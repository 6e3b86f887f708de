//! The login and sign-up pages.
//!
//! Both forms re-show what the reader typed (never the password) with each
//! message next to its field, linked by `aria-describedby` so a screen reader
//! announces it with the field.

use maud::{Markup, html};

use super::{PageMeta, layout};
use crate::config::Site;
use crate::viewer::Viewer;

/// The values and messages of a login or sign-up form being shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthForm<'a> {
    /// The CSRF token for the hidden field (the same value is in the `__Host-bs_csrf` cookie).
    pub csrf_token: &'a str,
    /// The validated local path to go back to after success.
    pub return_to: &'a str,
    pub username: &'a str,
    /// Sign-up only.
    pub display_name: &'a str,
    /// A message about the whole form (e.g. "Incorrect username or password.").
    pub form_error: Option<&'a str>,
    pub username_error: Option<&'a str>,
    pub display_name_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
}

/// `GET /login`, and `POST /login` re-shown after a failure.
pub fn login_page(site: &Site, viewer: &Viewer, form: &AuthForm<'_>) -> Markup {
    let fields = html! {
        (field("username", "Username", "text", form.username, "username", form.username_error, None))
        (field("password", "Password", "password", "", "current-password", form.password_error, None))
    };
    auth_page(site, viewer, form, &LOG_IN, fields)
}

/// `GET /signup`, and `POST /signup` re-shown with its errors.
pub fn signup_page(site: &Site, viewer: &Viewer, form: &AuthForm<'_>) -> Markup {
    let fields = html! {
        (field("username", "Username", "text", form.username, "username", form.username_error,
            Some("3–32 characters: letters, digits, _ and -.")))
        (field("display_name", "Display name", "text", form.display_name, "nickname", form.display_name_error,
            Some("Shown with your comments, up to 50 characters.")))
        (field("password", "Password", "password", "", "new-password", form.password_error,
            Some("8–128 characters; common passwords are refused.")))
    };
    auth_page(site, viewer, form, &SIGN_UP, fields)
}

/// The words of one of the two account pages; everything else about them
/// (the layout, `noindex`, the hidden fields, the form's message, the way
/// to the other page) is [`auth_page`]'s, so the two cannot drift apart.
struct AuthPage {
    /// Title, description and path; the form posts to the page's own path.
    meta: PageMeta<'static>,
    heading: &'static str,
    submit: &'static str,
    /// The line under the form that offers the other page: its words, the
    /// other page's path, and the link's text.
    other: (&'static str, &'static str, &'static str),
}

const LOG_IN: AuthPage = AuthPage {
    meta: PageMeta {
        title: "Log in",
        description: "Log in to Broadsheet to join the conversation.",
        canonical_path: "/login",
    },
    heading: "Log in",
    submit: "Log in",
    other: ("New to Broadsheet? ", "/signup", "Create an account"),
};

const SIGN_UP: AuthPage = AuthPage {
    meta: PageMeta {
        title: "Sign up",
        description: "Create a Broadsheet account to comment on stories.",
        canonical_path: "/signup",
    },
    heading: "Create an account",
    submit: "Create account",
    other: ("Already have an account? ", "/login", "Log in"),
};

/// An account page: `page`'s words around `fields`, and a link to the other
/// page that carries the same `return_to`, so a reader who picks the other
/// form still ends up where they were going.
fn auth_page(site: &Site, viewer: &Viewer, form: &AuthForm<'_>, page: &AuthPage, fields: Markup) -> Markup {
    let (other_words, other_path, other_link) = page.other;
    let other = format!("{other_path}?return_to={}", super::encode(form.return_to));
    let main = html! {
        section.auth aria-labelledby="auth-heading" {
            h1 #auth-heading { (page.heading) }
            (form_error(form.form_error))
            form method="post" action=(page.meta.canonical_path) novalidate {
                (hidden(form))
                (fields)
                p { button type="submit" { (page.submit) } }
            }
            p { (other_words) a href=(other) { (other_link) } }
        }
    };
    layout(site, viewer, &page.meta, html! { meta name="robots" content="noindex"; }, main)
}

fn hidden(form: &AuthForm<'_>) -> Markup {
    html! {
        input type="hidden" name="csrf_token" value=(form.csrf_token);
        input type="hidden" name="return_to" value=(form.return_to);
    }
}

fn form_error(message: Option<&str>) -> Markup {
    html! { @if let Some(m) = message { p.error #form-error role="alert" { (m) } } }
}

/// One labelled input with its hint and error. Passwords are never given a value.
fn field(
    name: &str,
    label: &str,
    kind: &str,
    value: &str,
    autocomplete: &str,
    error: Option<&str>,
    hint: Option<&str>,
) -> Markup {
    let id = format!("f-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let mut described = Vec::new();
    if hint.is_some() {
        described.push(hint_id.as_str());
    }
    if error.is_some() {
        described.push(error_id.as_str());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    html! {
        p.field {
            label for=(id) { (label) }
            @if let Some(h) = hint { span.hint #(hint_id) { (h) } }
            @if let Some(e) = error { span.error #(error_id) { (e) } }
            input #(id) type=(kind) name=(name) value=[(kind != "password").then_some(value)]
                autocomplete=(autocomplete) required aria-describedby=[described]
                aria-invalid=[error.map(|_| "true")];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteOrigin;

    fn site() -> Site {
        Site::new(SiteOrigin::parse("https://news.example.com").unwrap())
    }

    #[test]
    fn login_form_keeps_username_never_password_and_escapes() {
        let form = AuthForm {
            csrf_token: "tok",
            return_to: "/articles/a#comments",
            username: "<b>\"alice",
            form_error: Some("Incorrect username or password."),
            ..AuthForm::default()
        };
        let html = login_page(&site(), &Viewer::Anonymous, &form).into_string();
        assert!(html.contains(r#"value="&lt;b&gt;&quot;alice""#));
        assert!(html.contains(r#"name="csrf_token" value="tok""#));
        assert!(html.contains(r#"name="return_to" value="/articles/a#comments""#));
        assert!(html.contains("Incorrect username or password."));
        assert!(!html.contains(r#"type="password" name="password" value"#));
        assert!(html.contains(r#"<label for="f-username">"#) && html.contains(r#"<label for="f-password">"#));
        assert!(html.contains("/signup?return_to=%2Farticles%2Fa%23comments"));
    }

    #[test]
    fn signup_errors_sit_next_to_their_fields() {
        let form = AuthForm {
            username: "al",
            display_name: "Al",
            username_error: Some("too short"),
            password_error: Some("too common"),
            ..AuthForm::default()
        };
        let html = signup_page(&site(), &Viewer::Anonymous, &form).into_string();
        assert!(html.contains(r#"id="f-username-error">too short"#));
        assert!(html.contains(r#"aria-describedby="f-username-hint f-username-error""#));
        assert!(html.contains(r#"id="f-password-error">too common"#));
        assert!(html.contains(r#"name="display_name" value="Al""#));
        assert_eq!(html.matches("aria-invalid=\"true\"").count(), 2);
    }
}
