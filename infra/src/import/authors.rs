//! Author files: `authors/{slug}.md` in the imported directory.
//!
//! ```text
//! ---
//! name: Mara Quill                         # as the author page shows it
//! bio: Covers the harbour and the islands. # optional, plain text
//! ---
//! ```
//!
//! The file's name is the author page's address, and it must be the address
//! the name's bylines link to (derived from the name as a slug is derived
//! from a title), or no byline would ever reach the page. There is no body:
//! the bio is the front matter's `bio`.

use broadsheet::domain::{Author, NewAuthor, Slug, author_slug};
use serde::Deserialize;

use super::{ImportError, MAX_AUTHOR_CHARS, Problem, single_line, split_front_matter, strip_locations};

/// Longest bio, in characters: a line or two under the author's name.
pub const MAX_BIO_CHARS: usize = 600;

/// The directory of author files, relative to the imported directory.
pub const AUTHORS_DIR: &str = "authors";

/// An author file's fields; anything else is an error (a typo is not ignored).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorFrontMatter {
    name: String,
    bio: Option<String>,
}

/// Whether the file at `source` (relative to the imported directory, `/`
/// separated) is an author file rather than an article.
pub fn is_author_file(source: &str) -> bool {
    in_authors_dir(source).is_some()
}

/// `source` without the leading `authors/`, if it is there.
fn in_authors_dir(source: &str) -> Option<&str> {
    source.strip_prefix(AUTHORS_DIR)?.strip_prefix('/')
}

/// Parses and validates one author file; `file` names it in errors and
/// `source` is its path relative to the imported directory.
pub fn parse_author(file: &str, source: &str, text: &str) -> Result<NewAuthor, ImportError> {
    let err = |line: usize, problem: Problem| ImportError::new(file, line, problem);
    let field_err = |line: usize, field: &'static str, message: String| {
        ImportError::new(file, line, Problem::Field { field, message })
    };
    let Some(stem) = in_authors_dir(source).and_then(|s| s.strip_suffix(".md")) else {
        return Err(err(
            1,
            Problem::AuthorFileName { message: "an author file is authors/{address}.md".into() },
        ));
    };
    let slug = Slug::parse(stem).map_err(|e| {
        let message = format!("the file name is the author page's address, and {e}");
        err(1, Problem::AuthorFileName { message })
    })?;
    let split = split_front_matter(text).map_err(|problem| err(1, problem))?;
    let fm: AuthorFrontMatter = serde_norway::from_str(split.yaml).map_err(|source| {
        let line = source.location().map_or(2, |l| l.line() + 1);
        err(line, Problem::Yaml { message: strip_locations(&source.to_string()), source })
    })?;
    let name_line = split.field_line("name");
    let name = single_line(&fm.name, MAX_AUTHOR_CHARS).map_err(|m| field_err(name_line, "name", m))?;
    match author_slug(&name) {
        Some(derived) if derived == slug => {}
        Some(derived) => {
            let message = format!(
                "bylines \"{name}\" link to /authors/{derived}, so this file must be named {derived}.md"
            );
            return Err(field_err(name_line, "name", message));
        }
        None => {
            let message = "needs an ASCII letter or digit, from which bylines' links are made".to_owned();
            return Err(field_err(name_line, "name", message));
        }
    }
    let bio = match fm.bio.as_deref() {
        None => None,
        Some(bio) => {
            let line = split.field_line("bio");
            let bio = bio.split_whitespace().collect::<Vec<_>>().join(" ");
            let chars = bio.chars().count();
            if chars == 0 {
                return Err(field_err(line, "bio", "must not be empty; leave the field out".to_owned()));
            }
            if chars > MAX_BIO_CHARS {
                let msg = format!("must be at most {MAX_BIO_CHARS} characters (it has {chars})");
                return Err(field_err(line, "bio", msg));
            }
            Some(bio)
        }
    };
    if !split.body.trim().is_empty() {
        return Err(err(split.body_line, Problem::AuthorBody));
    }
    Ok(NewAuthor { author: Author { slug, name, bio }, source: source.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str, text: &str) -> Result<NewAuthor, String> {
        parse_author(source, source, text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_good_file() {
        let a = parse("authors/mara-quill.md", "---\nname: Mara Quill\nbio: Covers  the\n  harbour.\n---\n")
            .unwrap();
        assert_eq!(a.author.slug.as_str(), "mara-quill");
        assert_eq!(a.author.name, "Mara Quill");
        assert_eq!(a.author.bio.as_deref(), Some("Covers the harbour."));
        assert_eq!(a.source, "authors/mara-quill.md");
        let no_bio = parse("authors/mara-quill.md", "---\nname: Mara Quill\n---\n").unwrap();
        assert_eq!(no_bio.author.bio, None);
    }

    #[test]
    fn every_bad_file_names_its_line() {
        let cases = [
            (
                "authors/mara-quill.md",
                "---\nname: Mara Quill\nemail: m@x\n---\n",
                "authors/mara-quill.md:3: front matter: unknown field `email`",
            ),
            (
                "authors/mara.md",
                "---\nname: Mara Quill\n---\n",
                "authors/mara.md:2: name: bylines \"Mara Quill\" link to /authors/mara-quill, so this file must be named mara-quill.md",
            ),
            (
                "authors/Mara.md",
                "---\nname: Mara\n---\n",
                "authors/Mara.md:1: the file name is the author page's address",
            ),
            (
                "authors/x.md",
                "---\nname: 李雷\n---\n",
                "authors/x.md:2: name: needs an ASCII letter or digit",
            ),
            ("authors/x.md", "---\nname: X\nbio: ''\n---\n", "authors/x.md:3: bio: must not be empty"),
            ("authors/x.md", "---\nname: X\n---\nA body.\n", "authors/x.md:4: an author file has no body"),
            ("authors/x.md", "---\nbio: B\n---\n", "authors/x.md:2: front matter: missing field `name`"),
        ];
        for (source, text, want) in cases {
            let got = parse(source, text).unwrap_err();
            assert!(got.starts_with(want), "{source}: got {got:?}, want {want:?}");
        }
        let long = format!("---\nname: X\nbio: {}\n---\n", "b".repeat(MAX_BIO_CHARS + 1));
        assert!(parse("authors/x.md", &long).unwrap_err().contains("at most 600 characters"));
    }
}
