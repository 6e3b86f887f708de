//! Whether an article's summary is worth showing above its body.
//!
//! A summary left out of the front matter is the body's first paragraph
//! (`crate::markdown::summary_from`), and a writer may also paste the
//! opening sentence into `summary:`. Shown as a standfirst, such a summary
//! makes the reader read the same words twice. So the article page shows it
//! only when the body does not already begin with it.
//!
//! The comparison is made on the stored, sanitised HTML rather than at import
//! so that articles already in the table are shown right without being
//! imported again. That HTML came out of the sanitiser, whose serialiser
//! escapes `<` in text, so every `<` opens a tag; it is a few microseconds of
//! string work on a page that is already in memory.

/// Whether the text of the first paragraph of `body_html` begins with
/// `summary` (whitespace collapsed; a trailing "…" — the mark of a summary cut
/// from a longer paragraph — ignored).
pub(super) fn body_begins_with(body_html: &str, summary: &str) -> bool {
    let summary = collapse(summary.trim_end().trim_end_matches('…'));
    if summary.is_empty() {
        return true;
    }
    match first_paragraph_text(body_html) {
        Some(text) => collapse(&text).starts_with(&summary),
        None => false,
    }
}

/// The reader-visible text of the first `<p>` element that has any, entities
/// decoded (the few the sanitiser's serialiser writes).
fn first_paragraph_text(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(start) = find_open_p(rest) {
        let inner = &rest[start..];
        let end = inner.find("</p>").unwrap_or(inner.len());
        let text = decode(&strip_tags(&inner[..end]));
        if !text.trim().is_empty() {
            return Some(text);
        }
        rest = &inner[end..];
    }
    None
}

/// The reader-visible text of a whole sanitised body: tags dropped, a
/// space before every closing tag and line break, entities decoded.
pub(super) fn plain_text(html: &str) -> String {
    decode(&strip_tags(&html.replace("</", " </").replace("<br", " <br")))
}

/// The byte offset just after the next `<p>` or `<p …>` opening tag.
fn find_open_p(html: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = html[from..].find("<p") {
        let at = from + i + 2;
        match html[at..].chars().next() {
            Some('>') => return Some(at + 1),
            Some(c) if c.is_ascii_whitespace() => return html[at..].find('>').map(|j| at + j + 1),
            _ => from = at,
        }
    }
    None
}

/// Drops tags, keeping text. Attribute values may hold `>`, so quotes are
/// tracked inside a tag.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut quote = None;
    for c in html.chars() {
        match (in_tag, quote, c) {
            (false, _, '<') => in_tag = true,
            (false, _, c) => out.push(c),
            (true, None, '"' | '\'') => quote = Some(c),
            (true, Some(q), c) if c == q => quote = None,
            (true, None, '>') => in_tag = false,
            (true, _, _) => {}
        }
    }
    out
}

/// Decodes the entities the sanitiser's serialiser writes in text.
fn decode(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", "\u{a0}").replace("&amp;", "&")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_words_apart() {
        let text = plain_text(
            "<h2>Tides</h2><p>Fish &amp; <em>chips</em><br>at &lt;noon&gt;</p><ul><li>a</li><li>b</li></ul>",
        );
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            ["Tides", "Fish", "&", "chips", "at", "<noon>", "a", "b"]
        );
    }

    #[test]
    fn the_first_paragraph_itself_is_not_a_standfirst() {
        let body = "<p>The <em>night ferry</em> from\nLowmere &amp; Vell.</p><p>More.</p>";
        assert!(body_begins_with(body, "The night ferry from Lowmere & Vell."));
        assert!(body_begins_with(body, "The night ferry from…"), "a cut summary");
        assert!(!body_begins_with(body, "Ferries return to Lowmere."));
        assert!(!body_begins_with(body, "More."), "only the first paragraph counts");
    }

    #[test]
    fn headings_empty_paragraphs_and_attributes_are_skipped() {
        let body = r#"<h2>Heading</h2><p> </p><p>See <a href="https://x.example/?a>b" rel="nofollow">the x</a> now.</p>"#;
        assert!(body_begins_with(body, "See the x now."));
        assert!(!body_begins_with(body, "Heading"));
        assert!(!body_begins_with("<pre>code</pre>", "code"), "no paragraph: show the summary");
        assert!(!body_begins_with("<pre><code>x</code></pre><p>y</p>", "x"));
    }

    #[test]
    fn escaped_angle_brackets_are_text() {
        assert!(body_begins_with("<p>a &lt;b&gt; c</p>", "a <b> c"));
    }
}
