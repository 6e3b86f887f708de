//! Fixtures for the view tests: hostile strings everywhere a user or an
//! importer could put text.

use time::OffsetDateTime;

use crate::auth::{CsrfToken, DisplayName, Username};
use crate::config::{Site, SiteOrigin};
use crate::domain::{Article, ArticleSummary, Category, Comment, CommentId, SanitizedHtml, Slug};
use crate::viewer::{Reader, Viewer};

/// The reader's CSRF token in [`reader_viewer`]'s forms.
pub const CSRF: &str = "Pq4Wr7Ty2Ui9Op3As6Df1Gh8Jk5Lz0Xc2Vb7Nm4Qw1E";

/// A title that tries to break out of every context it is rendered in.
pub const HOSTILE: &str = r#"<script>alert("x")</script> & 'q' </title>"#;

pub fn site() -> Site {
    Site::new(SiteOrigin::parse("https://news.example").unwrap())
}

pub fn reader_viewer(username: &str) -> Viewer {
    Viewer::Reader(Reader {
        username: Username::parse(username).unwrap(),
        display_name: DisplayName::parse(r#"<Alice> & "co""#).unwrap(),
        csrf_token: CsrfToken::parse(CSRF).unwrap(),
        moderator: false,
    })
}

pub fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

pub fn summary(slug: &str, comment_count: u64) -> ArticleSummary {
    ArticleSummary {
        slug: Slug::parse(slug).unwrap(),
        title: format!("Title {HOSTILE}"),
        category: Category::NewsAnalysis,
        author: format!("Author {HOSTILE}"),
        published_at: at(1_790_000_000),
        summary: format!("Summary {HOSTILE}"),
        comment_count,
        words: 450,
        updated_at: None,
    }
}

pub fn article(slug: &str, comment_count: u64) -> Article {
    Article {
        summary: summary(slug, comment_count),
        body_html: SanitizedHtml::from_sanitized("<p>Body <em>sanitised</em></p>".to_owned()),
        correction: None,
        unpublished: false,
    }
}

pub fn comment(author: &str, body: &str, unix: i64) -> Comment {
    Comment {
        id: CommentId::new_at(at(unix)),
        author: Username::parse(author).unwrap(),
        author_name: format!("{author} {HOSTILE}"),
        body: body.to_owned(),
        created_at: at(unix),
        parent: None,
        edited_at: None,
        held: false,
        removed: None,
        replies: 0,
    }
}

/// Asserts that no hostile markup got through unescaped.
pub fn assert_escaped(html: &str) {
    assert!(!html.contains("<script>alert"), "unescaped script in output");
    assert!(!html.contains("</title> "), "unescaped </title> in output");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'q'"));
}
