//! Authors: the people behind bylines, and their pages.
//!
//! A byline is the `author` text of an article's front matter. The author's
//! page address is derived from it the way an article's slug is derived from
//! its title ([`Slug::from_title`]), so "Jane Doe" writes at
//! `/authors/jane-doe` with no registry to keep in step. An optional author
//! file (`authors/{slug}.md`, imported with the articles) adds the name as
//! the author wants it shown and a short bio.

use super::{ArticleSummary, Slug};

/// What the author page shows above the stories: from the author's file, or
/// (without one) the byline of their newest story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub slug: Slug,
    pub name: String,
    /// Plain text, escaped wherever shown.
    pub bio: Option<String>,
}

/// An author file as `broadsheet import` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuthor {
    pub author: Author,
    /// The file, relative to the imported directory.
    pub source: String,
}

/// The address of a byline's author page: `None` when the byline has no
/// ASCII letter or digit to derive one from (the import refuses such
/// bylines; an article stored before authors had pages may still have one).
pub fn author_slug(byline: &str) -> Option<Slug> {
    Slug::from_title(byline).ok()
}

impl ArticleSummary {
    /// The address of this article's author page (see [`author_slug`]).
    pub fn author_slug(&self) -> Option<Slug> {
        author_slug(&self.author)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_map_to_addresses_like_titles_do() {
        assert_eq!(author_slug("Jane Doe").unwrap().as_str(), "jane-doe");
        assert_eq!(author_slug("  Jane   DOE ").unwrap().as_str(), "jane-doe");
        assert_eq!(author_slug("Ana María O'Neil").unwrap().as_str(), "ana-mar-a-o-neil");
        assert_eq!(author_slug("李雷"), None);
    }
}
