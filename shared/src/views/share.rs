//! "Share This Post On": plain links to each network's share endpoint.
//!
//! Plain links instead of the networks' widgets: no third-party script runs,
//! nothing is loaded from another origin, and nobody is told who read what
//! until the reader chooses to share.

use maud::{Markup, html};

use super::encode;
use crate::domain::ArticleSummary;

/// The share block for an article whose canonical URL is `url`.
pub(super) fn share_block(article: &ArticleSummary, url: &str) -> Markup {
    let (u, t) = (encode(url), encode(&article.title));
    let links = [
        ("X", format!("https://x.com/intent/post?url={u}&text={t}")),
        ("Facebook", format!("https://www.facebook.com/sharer/sharer.php?u={u}")),
        ("LinkedIn", format!("https://www.linkedin.com/sharing/share-offsite/?url={u}")),
        ("WhatsApp", format!("https://wa.me/?text={t}%20{u}")),
        ("Reddit", format!("https://www.reddit.com/submit?url={u}&title={t}")),
        ("E-mail", format!("mailto:?subject={t}&body={u}")),
    ];
    html! {
        section.share aria-labelledby="share-heading" {
            h2 #share-heading { "Share This Post On" }
            ul {
                @for (name, href) in &links {
                    li { a href=(href) rel="noopener noreferrer" { (name) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::test_support::*;

    #[test]
    fn six_links_each_carry_the_encoded_canonical_url() {
        let a = summary("rust-on-lambda", 0);
        let html = share_block(&a, "https://news.example/articles/rust-on-lambda").into_string();
        assert!(html.contains(r#"<section class="share" aria-labelledby="share-heading">"#));
        assert!(html.contains(r#"<h2 id="share-heading">Share This Post On</h2>"#));
        let encoded = "https%3A%2F%2Fnews.example%2Farticles%2Frust-on-lambda";
        assert_eq!(html.matches(encoded).count(), 6);
        assert_eq!(html.matches(r#"rel="noopener noreferrer""#).count(), 6);
        for prefix in [
            "https://x.com/intent/post?url=",
            "https://www.facebook.com/sharer/sharer.php?u=",
            "https://www.linkedin.com/sharing/share-offsite/?url=",
            "https://wa.me/?text=",
            "https://www.reddit.com/submit?url=",
            "mailto:?subject=",
        ] {
            assert!(html.contains(&format!(r#"<a href="{prefix}"#)), "{prefix}");
        }
        // The title is percent-encoded, then maud escapes the `&` between parameters.
        assert!(
            html.contains("&amp;text=Title%20%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%20%26%20%27q%27")
        );
        assert!(!html.contains("<script"));
        assert!(!html.contains("target="));
    }
}
