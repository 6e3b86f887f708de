//! A small cookie-keeping client that behaves like a browser without
//! JavaScript: it follows nothing by itself, keeps cookies (including `Secure`
//! ones, which a real browser also sends to `127.0.0.1`), and reads forms.

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::header::HeaderMap;
use scraper::{Html, Selector};

use crate::site::TestSite;

/// One response the test browser fetched, read whole.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Fetched {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The value of the first `<input name=…>` (e.g. a hidden field) on the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let sel = Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
        self.html().select(&sel).next().and_then(|e| e.value().attr("value")).map(str::to_owned)
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    }

    /// The `Set-Cookie` header for `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().into_iter().find(|c| c.starts_with(&format!("{name}=")))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A reader's browser pointed at a [`TestSite`].
#[derive(Debug)]
pub struct Browser<'a> {
    site: &'a TestSite,
    jar: Mutex<BTreeMap<String, String>>,
    extra: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(site: &'a TestSite) -> Self {
        Browser { site, jar: Mutex::default(), extra: Vec::new() }
    }

    /// A browser that adds `header: value` to every request (e.g. `Origin`).
    /// Another browser on the same site with this browser's cookies and
    /// headers plus one more (a conditional request, another encoding).
    pub fn clone_with_header(&self, name: &str, value: &str) -> Self {
        let jar = self.jar.lock().expect("jar").clone();
        let mut extra = self.extra.clone();
        extra.push((name.to_owned(), value.to_owned()));
        Browser { site: self.site, jar: Mutex::new(jar), extra }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.extra.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().expect("jar").get(name).cloned()
    }

    /// Sets (or with `None` removes) a cookie by hand, e.g. to replay an old session.
    pub fn set_cookie(&self, name: &str, value: Option<&str>) {
        let mut jar = self.jar.lock().expect("jar");
        match value {
            Some(v) => jar.insert(name.to_owned(), v.to_owned()),
            None => jar.remove(name),
        };
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.jar.lock().expect("jar");
        (!jar.is_empty()).then(|| jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Fetched {
        let mut req = req;
        if let Some(c) = self.cookie_header() {
            req = req.header("cookie", c);
        }
        for (k, v) in &self.extra {
            req = req.header(k, v);
        }
        let resp = req.send().await.expect("request reaches the test server");
        let page = Fetched {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.text().await.expect("body"),
        };
        let mut jar = self.jar.lock().expect("jar");
        for c in page.set_cookies() {
            let pair = c.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else { continue };
            let expired = c.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        page
    }

    pub async fn get(&self, path: &str) -> Fetched {
        self.send(self.site.client.get(self.site.url(path))).await
    }

    /// POSTs `fields` as `application/x-www-form-urlencoded`.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Fetched {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.post_raw(path, "application/x-www-form-urlencoded", body).await
    }

    /// POSTs a raw body with a content type (for malformed-input tests).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Fetched {
        let req = self.site.client.post(self.site.url(path)).header("content-type", content_type).body(body);
        self.send(req).await
    }

    /// Signs up through the real form (GET for the token, then POST).
    pub async fn sign_up(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        return_to: &str,
    ) -> Fetched {
        let fields = [("username", username), ("display_name", display_name), ("password", password)];
        self.fill_in("/signup", return_to, &fields).await
    }

    /// Logs in through the real form.
    pub async fn log_in(&self, username: &str, password: &str, return_to: &str) -> Fetched {
        self.fill_in("/login", return_to, &[("username", username), ("password", password)]).await
    }

    /// Opens the account form at `path` with `?return_to=`, as a reader
    /// arriving from a page would, and posts it back with its own hidden
    /// fields (the CSRF token, the `return_to` it kept) and `fields`.
    async fn fill_in(&self, path: &str, return_to: &str, fields: &[(&str, &str)]) -> Fetched {
        let form = self.get(&format!("{path}?return_to={}", encode(return_to))).await;
        assert_eq!(form.status, 200, "the form at {path}");
        let csrf = form.field("csrf_token").expect("csrf field");
        let rt = form.field("return_to").expect("return_to field");
        let hidden = [("csrf_token", csrf.as_str()), ("return_to", rt.as_str())];
        self.post(path, &[&hidden[..], fields].concat()).await
    }

    /// Logs out with the token of the logout form on `/`.
    pub async fn log_out(&self) -> Fetched {
        let home = self.get("/").await;
        let csrf = home.field("csrf_token").expect("logout form on the page");
        self.post("/logout", &[("csrf_token", &csrf)]).await
    }
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The article slugs a listing page's cards link to, in page order.
pub fn card_slugs(html: &Html) -> Vec<String> {
    let cards = Selector::parse("main article h2 a").expect("valid selector");
    html.select(&cards)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| h.strip_prefix("/articles/"))
        .map(str::to_owned)
        .collect()
}
