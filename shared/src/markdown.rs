//! Markdown → sanitised HTML, run once when an article is imported.
//!
//! Article bodies are written in Markdown by the newsroom and rendered here by
//! `broadsheet import`; the stored HTML is what the article page emits
//! unescaped (as [`SanitizedHtml`]). Rendering at import time keeps the
//! Markdown parser and the sanitiser off the request path and out of the
//! Lambda binaries' hot code.
//!
//! Two stages, so that neither has to be trusted alone:
//!
//! 1. [pulldown-cmark] parses CommonMark plus tables, strikethrough and smart
//!    punctuation (curly quotes and dashes, as a newspaper prints them). The
//!    event stream is adjusted before rendering:
//!    * headings are clamped to `<h2>`–`<h4>`: the page's `<h1>` is the
//!      article title, so `# x` becomes `<h2>` and `#####`/`######` become
//!      `<h4>`, keeping the document outline valid;
//!    * images are replaced by their alt text: the site loads nothing from
//!      another origin and serves no image files of its own, so there is no
//!      `src` that could be allowed.
//! 2. [ammonia] cleans the result — including any raw HTML the author
//!    wrote — against a small allow-list (see [`render`]). Anything not on it
//!    goes: `<script>` and `<style>` with their content, `<iframe>`,
//!    `<img>`, every `on*=` handler, `style`, `class` and `id` attributes,
//!    and any URL whose scheme is not `http`, `https` or `mailto`.
//!
//! Footnotes are deliberately *not* enabled: pulldown-cmark renders them with
//! `id` attributes and `#name` links chosen by the author, which could clash
//! with the page's own anchors (`#comments`, `#main`), and ids are not on the
//! allow-list. Table column alignment is dropped for the same reason as every
//! other inline style: the site's CSS, not the content, decides layout.
//!
//! [pulldown-cmark]: https://docs.rs/pulldown-cmark
//! [ammonia]: https://docs.rs/ammonia

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::domain::SanitizedHtml;

/// The Markdown extensions article bodies may use.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// Elements an article body may contain after sanitising.
const ALLOWED_TAGS: &[&str] = &[
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

/// Elements removed together with everything inside them (rather than
/// unwrapped to their text), because their content is code or markup, not
/// prose a reader should see.
const REMOVED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "noscript", "noembed", "noframes", "object", "template", "textarea",
    "title", "xmp", "svg", "math",
];

/// URL schemes a link may use. Everything else (`javascript:`, `data:`,
/// `vbscript:`, `file:`, …) loses its `href`.
const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// `rel` on every link: content links are editorial references, not
/// endorsements (`nofollow`), and the destination learns neither the page that
/// sent the reader nor gets a handle on it (`noopener noreferrer`).
pub const LINK_REL: &str = "noopener noreferrer nofollow";

/// Relative URLs are kept only when they stay on this site: an absolute path
/// (`/articles/x`) or a fragment (`#comments`). Protocol-relative `//host`
/// and `/\host` (which browsers read as `//host`) are dropped, as are
/// document-relative paths, whose meaning would depend on the page's URL.
fn keep_relative_url(url: &str) -> Option<Cow<'_, str>> {
    let local_path = url.starts_with('/') && !url.starts_with("//") && !url.contains('\\');
    let fragment = url.starts_with('#');
    (local_path || fragment).then_some(Cow::Borrowed(url))
}

/// The sanitiser, configured once: building it allocates the allow-lists.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .generic_attribute_prefixes(HashSet::new())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("ol", HashSet::from(["start"])),
        ]))
        .tag_attribute_values(HashMap::new())
        .set_tag_attribute_values(HashMap::new())
        .allowed_classes(HashMap::new())
        .url_schemes(ALLOWED_SCHEMES.iter().copied().collect())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(keep_relative_url)))
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .id_prefix(None);
    b
});

/// Clamps a heading to the levels a body may use (`h2`–`h4`).
fn clamp_heading(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 | HeadingLevel::H2 => HeadingLevel::H2,
        HeadingLevel::H3 => HeadingLevel::H3,
        HeadingLevel::H4 | HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H4,
    }
}

/// Renders an article body to HTML that is safe to emit unescaped.
///
/// Allow-list after sanitising: `h2`–`h4`, `p`, `br`, `hr`, `em`, `strong`,
/// `del`, `code`, `pre`, `blockquote`, `ul`, `ol[start]`, `li`,
/// `a[href|title]`, `table`, `thead`, `tbody`, `tr`, `th`, `td`. Links keep an
/// `href` only if it is `http:`, `https:`, `mailto:`, a site path (`/…`) or a
/// fragment (`#…`), and every link gets `rel="noopener noreferrer nofollow"`.
/// See the module docs for why.
pub fn render(markdown: &str) -> SanitizedHtml {
    let events = Parser::new_ext(markdown, options()).filter_map(|event| match event {
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            Some(Event::Start(Tag::Heading { level: clamp_heading(level), id, classes, attrs }))
        }
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(clamp_heading(level)))),
        // The alt text between these two events is kept as ordinary text.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    SanitizedHtml::from_sanitized(SANITIZER.clean(&html).to_string())
}

/// A plain-text summary of an article: the text of its first paragraph with
/// whitespace collapsed, cut at a word boundary and ended with "…" when it is
/// longer than `max_chars` characters (the "…" counts).
///
/// Used when an article's front matter has no `summary`: listing cards, feeds
/// and the meta description need a sentence or two, and the opening paragraph
/// of a news story is written to be exactly that. Markup is dropped (link text
/// and code are kept as text; raw HTML is dropped). If the body has no
/// paragraph with text, the text of the whole body is used instead.
pub fn summary_from(markdown: &str, max_chars: usize) -> String {
    let first = first_paragraph_text(markdown);
    let text = if first.is_empty() { all_text(markdown) } else { first };
    truncate_at_word(&text, max_chars)
}

/// The words a reader reads in an article body: whitespace-separated runs
/// of its text (headings, lists, quotes, tables and code included; markup and
/// raw HTML tags not), for the reading time cards and articles show.
pub fn word_count(markdown: &str) -> u32 {
    u32::try_from(all_text(markdown).split_whitespace().count()).unwrap_or(u32::MAX)
}

/// Collapsed text of the first paragraph that has any, or "".
fn first_paragraph_text(markdown: &str) -> String {
    let mut in_paragraph = false;
    let mut text = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => {
                in_paragraph = true;
                text.clear();
            }
            Event::End(TagEnd::Paragraph) => {
                in_paragraph = false;
                let collapsed = collapse_whitespace(&text);
                if !collapsed.is_empty() {
                    return collapsed;
                }
            }
            event if in_paragraph => push_text(&mut text, event),
            _ => {}
        }
    }
    String::new()
}

/// Collapsed text of the whole document (blocks separated by spaces).
fn all_text(markdown: &str) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::End(_) => text.push(' '),
            event => push_text(&mut text, event),
        }
    }
    collapse_whitespace(&text)
}

/// Appends the reader-visible text an inline event carries.
fn push_text(out: &mut String, event: Event<'_>) {
    match event {
        Event::Text(t) | Event::Code(t) => out.push_str(&t),
        Event::SoftBreak | Event::HardBreak => out.push(' '),
        _ => {}
    }
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cuts whitespace-collapsed `text` to at most `max_chars` characters,
/// preferring the last word boundary and ending with "…". A first word longer
/// than the limit is cut inside the word rather than yielding nothing.
fn truncate_at_word(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    if max_chars == 0 {
        return String::new();
    }
    let budget = max_chars - 1; // room for the ellipsis
    let cut = text.char_indices().nth(budget).map_or(text.len(), |(i, _)| i);
    let prefix = &text[..cut];
    let whole_words = if text[cut..].starts_with(' ') {
        prefix
    } else {
        prefix.rfind(' ').map_or(prefix, |i| &prefix[..i])
    };
    // "…" after a comma or an opening bracket reads badly; drop such tails.
    let trimmed = whole_words.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '(' | '[' | '“' | '‘' | '"')
    });
    let kept = if trimmed.is_empty() { prefix.trim_end() } else { trimmed };
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    #[test]
    fn word_count_counts_the_text_not_the_markup() {
        assert_eq!(super::word_count("# Two words\n\nA *third* [and](https://x.example) more.\n"), 6);
        assert_eq!(super::word_count("<span>raw</span>\n\n```\nlet x = 1;\n```\n"), 5);
        assert_eq!(super::word_count(""), 0);
    }

    use super::*;

    fn html(md: &str) -> String {
        render(md).as_str().to_owned()
    }

    #[test]
    fn renders_common_markdown() {
        let out = html("Some *em* and **strong** and ~~gone~~.\n\n- one\n- two\n\n> quoted\n");
        assert!(
            out.contains("<p>Some <em>em</em> and <strong>strong</strong> and <del>gone</del>.</p>"),
            "{out}"
        );
        assert!(out.contains("<ul>\n<li>one</li>\n<li>two</li>\n</ul>"), "{out}");
        assert!(out.contains("<blockquote>\n<p>quoted</p>\n</blockquote>"), "{out}");
    }

    #[test]
    fn uses_smart_punctuation() {
        assert_eq!(html("\"Quoted\" -- it's"), "<p>“Quoted” – it’s</p>\n");
    }

    #[test]
    fn renders_tables_without_inline_style() {
        let out = html("| a | b |\n|:-:|--:|\n| 1 | 2 |\n");
        assert!(out.contains("<table>") && out.contains("<th>a</th>") && out.contains("<td>2</td>"), "{out}");
        assert!(!out.contains("style"), "{out}");
    }

    #[test]
    fn code_blocks_keep_content_but_not_classes() {
        let out = html("```rust\nlet x = 1 < 2;\n```\n");
        assert_eq!(out, "<pre><code>let x = 1 &lt; 2;\n</code></pre>\n");
    }

    #[test]
    fn h1_is_demoted_and_deep_headings_clamped() {
        assert_eq!(html("# Top"), "<h2>Top</h2>\n");
        assert_eq!(html("## Sub"), "<h2>Sub</h2>\n");
        assert_eq!(html("### Third"), "<h3>Third</h3>\n");
        assert_eq!(html("#### Fourth"), "<h4>Fourth</h4>\n");
        assert_eq!(html("###### Sixth"), "<h4>Sixth</h4>\n");
        assert_eq!(html("Setext\n======"), "<h2>Setext</h2>\n");
    }

    #[test]
    fn raw_h1_loses_its_tag_but_keeps_its_text() {
        let out = html("<h1>Raw</h1>\n");
        assert!(!out.contains("<h1"), "{out}");
        assert!(out.contains("Raw"), "{out}");
    }

    #[test]
    fn links_keep_safe_schemes_and_get_rel() {
        let out = html("[site](https://example.com/a?b=1&c=2 \"Title\")");
        assert_eq!(
            out,
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\" title=\"Title\" \
             rel=\"noopener noreferrer nofollow\">site</a></p>\n"
        );
        assert!(html("[x](http://example.org/)").contains("href=\"http://example.org/\""));
        assert!(html("<desk@example.com>").contains("href=\"mailto:desk@example.com\""));
        assert!(html("[x](/articles/other-story)").contains("href=\"/articles/other-story\""));
        assert!(html("[x](#comments)").contains("href=\"#comments\""));
    }

    #[test]
    fn unsafe_and_off_site_relative_urls_are_removed() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](ftp://example.com/file)",
            "[x](//evil.example/)",
            "<a href=\"/\\evil.example\">x</a>",
            "[x](relative/path)",
        ] {
            let out = html(md);
            assert!(!out.contains("href"), "{md} -> {out}");
            assert!(out.contains(">x</a>"), "{md} -> {out}");
        }
    }

    #[test]
    fn script_and_style_are_removed_with_their_content() {
        let out = html("Before\n\n<script>alert('x')</script>\n\n<style>body{display:none}</style>\n\nAfter");
        assert!(!out.contains("script") && !out.contains("alert"), "{out}");
        assert!(!out.contains("style") && !out.contains("display"), "{out}");
        assert!(out.contains("Before") && out.contains("After"), "{out}");
        let inline = html("Text <script>alert(1)</script> more");
        assert!(!inline.contains("alert") && !inline.contains("<script"), "{inline}");
    }

    #[test]
    fn event_handlers_and_style_attributes_are_removed() {
        let out = html(
            "<p onclick=\"evil()\" style=\"color:red\" class=\"x\" id=\"main\">Hi</p>\n\n<a href=\"https://example.com\" onmouseover=\"evil()\">y</a>",
        );
        for bad in ["onclick", "onmouseover", "evil", "style", "color", "class", "id="] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        assert!(out.contains("<p>Hi</p>"), "{out}");
    }

    #[test]
    fn iframes_and_embeds_are_removed() {
        let out = html(
            "<iframe src=\"https://example.com/embed\">fallback</iframe>\n\n<object data=\"x.swf\"></object><embed src=\"x\">",
        );
        for bad in ["iframe", "object", "embed", "example.com", "fallback"] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
    }

    #[test]
    fn images_become_their_alt_text() {
        let out = html("![A harbour at dawn](https://example.com/harbour.jpg)");
        assert_eq!(out, "<p>A harbour at dawn</p>\n");
        let raw = html("<img src=\"/local.png\" alt=\"x\" onerror=\"evil()\">");
        assert!(!raw.contains("<img") && !raw.contains("evil"), "{raw}");
    }

    #[test]
    fn html_comments_are_stripped() {
        assert_eq!(html("A<!-- secret -->B"), "<p>AB</p>\n");
    }

    #[test]
    fn summary_is_first_paragraph_collapsed() {
        let md = "## Heading\n\nThe *first*   paragraph,\nwith a [link](https://example.com) and `code`.\n\nSecond.";
        assert_eq!(summary_from(md, 200), "The first paragraph, with a link and code.");
    }

    #[test]
    fn summary_cuts_at_a_word_boundary() {
        let md = "Alpha beta gamma delta epsilon";
        assert_eq!(summary_from(md, 100), md);
        assert_eq!(summary_from(md, md.chars().count()), md);
        assert_eq!(summary_from(md, 16), "Alpha beta…");
        // The word ends exactly at the budget: kept whole.
        assert_eq!(summary_from(md, 17), "Alpha beta gamma…");
        assert!(summary_from(md, 16).chars().count() <= 16);
    }

    #[test]
    fn summary_drops_dangling_punctuation_and_handles_edge_cases() {
        assert_eq!(summary_from("One, two, three, four", 10), "One, two…");
        assert_eq!(summary_from("Supercalifragilistic", 6), "Super…");
        assert_eq!(summary_from("Long text", 0), "");
        assert_eq!(summary_from("Ünïcödé wörds ärë çöüntëd", 9), "Ünïcödé…");
    }

    #[test]
    fn summary_skips_empty_paragraphs_and_falls_back_to_all_text() {
        assert_eq!(summary_from("![](x.png)\n\nReal text.", 50), "Real text.");
        assert_eq!(summary_from("# Only\n\n- a list\n", 50), "Only a list");
        assert_eq!(summary_from("", 50), "");
    }
}
