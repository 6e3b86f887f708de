//! Error pages, in the site layout so a reader who hits one can carry on.

use maud::{Markup, html};

use super::{PageMeta, layout};
use crate::config::Site;
use crate::viewer::Viewer;

/// An error page: `heading` and `message` are what the reader is told (the
/// caller chooses them; internal causes belong in the log, not here). The
/// page has no canonical URL and asks search engines not to index it.
pub fn error_page(site: &Site, viewer: &Viewer, status: u16, heading: &str, message: &str) -> Markup {
    let meta = PageMeta { title: heading, description: message, canonical_path: "" };
    let main = html! {
        p.status { "Error " (status) }
        h1 { (heading) }
        p { (message) }
        p { a href="/" { "Go to the front page" } }
    };
    layout(site, viewer, &meta, html! { meta name="robots" content="noindex"; }, main)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::test_support::*;

    #[test]
    fn error_page_is_in_the_layout_and_escaped() {
        let html = error_page(&site(), &reader_viewer("ann"), 404, HOSTILE, HOSTILE).into_string();
        assert_escaped(&html);
        assert!(html.contains(r#"<p class="status">Error 404</p>"#));
        assert!(html.contains("<h1>&lt;script&gt;"));
        assert!(html.contains(r#"<a href="/">Go to the front page</a>"#));
        assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
        assert!(html.contains(r#"<nav aria-label="Sections">"#));
        assert!(html.contains("Signed in as"));
        assert!(!html.contains(r#"rel="canonical""#));
    }
}
