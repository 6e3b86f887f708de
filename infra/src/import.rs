//! `broadsheet import`: Markdown files with YAML front matter → articles.
//!
//! An article file looks like this:
//!
//! ```text
//! ---
//! title: Harbour Board Approves Night Ferry
//! category: news-analysis          # one of the twelve category slugs
//! author: Mara Quill
//! published_at: 2026-11-26T09:00:00Z   # RFC 3339
//! slug: night-ferry                # optional; else derived from the title
//! summary: One sentence for cards. # optional; else the first paragraph
//! correction: The ferry runs from March, not May.   # optional: a dated note above the story
//! status: unpublished              # optional: published (the default) or unpublished
//! ---
//! The body, in Markdown.
//! ```
//!
//! The import is **all-or-nothing**: every file is read, parsed and validated
//! before anything is written, and if any file is bad the import reports every
//! problem (each as `file:line: field: message`) and writes nothing. A
//! half-imported directory would leave the site with some stories of a batch
//! and not others, and the operator would have to work out which.
//!
//! It is **idempotent**: articles are keyed by slug and written with
//! [`ArticleWriter::put_article`], which reports an unchanged article as
//! [`PutOutcome::Unchanged`], so running the same import twice changes
//! nothing (no new `updated_at` either) and a run interrupted by a storage
//! failure can simply be repeated. A changed file updates its article, which
//! then shows "Updated {time}".
//!
//! **An article is its slug, and a slug belongs to one file** (the file's
//! path relative to the imported directory, stored as the article's
//! `source`). A file whose slug an article imported from another file already
//! has is refused (`path:line: slug: already used by OTHER-FILE`) before
//! anything is written: two files silently taking turns to overwrite one story
//! would be worse than either. Renaming a story's file is therefore not a way
//! to rename it; an explicit `slug:` is.
//!
//! Rendering happens here, once: the body is turned into sanitised HTML by
//! [`broadsheet::markdown::render`], so the Lambdas never parse Markdown.

mod authors;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use broadsheet::domain::timefmt::parse_rfc3339;
use broadsheet::domain::{Category, NewArticle, NewAuthor, Slug, author_slug};
use broadsheet::markdown;
use broadsheet::store::{ArticleWriter, PutOutcome, StoreError};
use serde::Deserialize;
use time::UtcOffset;

/// Longest title, in characters (after trimming).
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest author name, in characters (after trimming).
pub const MAX_AUTHOR_CHARS: usize = 100;
/// Longest `summary` a file may give, in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;
/// Longest `correction` note, in characters: a correction says what was wrong
/// and what is right in a sentence or two.
pub const MAX_CORRECTION_CHARS: usize = 600;
/// Length of the summary derived from the first paragraph when the front
/// matter has none: about two lines on a listing card, and within the
/// length search engines show of a meta description.
pub const DERIVED_SUMMARY_CHARS: usize = 200;
/// Largest rendered body. A DynamoDB item holds at most 400 KB; this leaves
/// room for the other attributes, so an oversized article is refused here
/// with its file name rather than by the table halfway through an import.
pub const MAX_BODY_HTML_BYTES: usize = 256 * 1024;

/// The front-matter fields, as written. Unknown fields are rejected so that a
/// typo (`sumary:`) is an error rather than silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    category: String,
    author: String,
    published_at: String,
    slug: Option<String>,
    summary: Option<String>,
    correction: Option<String>,
    status: Option<String>,
}

/// One problem with one file, pointing at the line to fix.
///
/// Displays as `path:line: message`, the form editors and terminals turn into
/// a link to the line.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {problem}")]
pub struct ImportError {
    file: String,
    line: usize,
    problem: Problem,
}

impl ImportError {
    fn new(file: &str, line: usize, problem: Problem) -> Self {
        ImportError { file: file.to_owned(), line, problem }
    }

    /// The file, as named to [`parse_article`] (by [`import_dir`]: its path).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line in the whole file (front matter included).
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

/// What is wrong with a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The file does not start with a `---` line.
    #[error("expected YAML front matter: the first line must be `---`")]
    NoFrontMatter,
    /// There is an opening `---` but no closing one.
    #[error("front matter is not closed: add a `---` line after it")]
    UnclosedFrontMatter,
    /// The front matter is not valid YAML or does not have the expected
    /// fields. `message` is the parser's message without its location (which
    /// counts lines from the start of the front matter, not of the file).
    #[error("front matter: {message}")]
    Yaml {
        message: String,
        #[source]
        source: serde_norway::Error,
    },
    /// A field is present but its value is not acceptable.
    #[error("{field}: {message}")]
    Field { field: &'static str, message: String },
    /// Nothing but whitespace after the front matter.
    #[error("the article has no body after the front matter")]
    EmptyBody,
    /// The body renders to more HTML than fits in one stored article.
    #[error("body: renders to {bytes} bytes of HTML; at most {max} fit in one article", max = MAX_BODY_HTML_BYTES)]
    BodyTooLarge { bytes: usize },
    /// The file is not UTF-8 text.
    #[error("not valid UTF-8 text")]
    NotUtf8,
    /// Another file of the same import has the same slug.
    #[error("slug: `{slug}` is also the slug of {other_file}")]
    DuplicateSlug { slug: Slug, other_file: String },
    /// An author file's path is not `authors/{address}.md` with a valid address.
    #[error("{message}")]
    AuthorFileName { message: String },
    /// An author file has text after its front matter.
    #[error("an author file has no body: put the bio in the `bio` field")]
    AuthorBody,
    /// The stored article with this slug was imported from another file.
    #[error("slug: already used by {other_file}")]
    SlugTaken { other_file: String },
}

/// Why [`import_dir`] imported nothing, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The directory or a file in it could not be read; nothing was written.
    #[error("cannot read {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The store could not be asked which files its articles came from;
    /// nothing was written.
    #[error("cannot check the existing articles; nothing was imported")]
    Check {
        #[source]
        source: StoreError,
    },
    /// The directory holds no `*.md` file: almost certainly the wrong directory.
    #[error("no *.md files under {}", .dir.display())]
    NoArticles { dir: PathBuf },
    /// At least one file is bad; every problem found is listed and nothing
    /// was written.
    #[error("{}", InvalidList(.errors))]
    Invalid { errors: Vec<ImportError> },
    /// Writing failed after `written` of `total` articles were stored. The
    /// import is idempotent, so running it again finishes the job.
    #[error(
        "storing article `{slug}` failed after {written} of {total} articles were written; \
         running the import again is safe"
    )]
    Store {
        slug: Slug,
        written: usize,
        total: usize,
        #[source]
        source: StoreError,
    },
    /// Writing an author file failed (after every article was written).
    #[error(
        "storing author `{slug}` failed after every article was written; running the import again is safe"
    )]
    StoreAuthor {
        slug: Slug,
        #[source]
        source: StoreError,
    },
}

/// Displays the problems of an invalid import, one per line.
struct InvalidList<'a>(&'a [ImportError]);

impl fmt::Display for InvalidList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} {}; nothing was imported:", if n == 1 { "problem" } else { "problems" })?;
        for e in self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

/// What an import did, by [`PutOutcome`]: articles, and author files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub authors: AuthorsReport,
}

/// What an import did with author files, by [`PutOutcome`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthorsReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl ImportReport {
    /// Articles written (or found unchanged) in all.
    pub fn total(&self) -> usize {
        self.created + self.updated + self.unchanged
    }

    fn count(&mut self, outcome: PutOutcome) {
        tally(outcome, [&mut self.created, &mut self.updated, &mut self.unchanged]);
    }
}

impl AuthorsReport {
    /// Author files written (or found unchanged) in all.
    pub fn total(&self) -> usize {
        self.created + self.updated + self.unchanged
    }
}

fn tally(outcome: PutOutcome, [created, updated, unchanged]: [&mut usize; 3]) {
    match outcome {
        PutOutcome::Created => *created += 1,
        PutOutcome::Updated => *updated += 1,
        PutOutcome::Unchanged => *unchanged += 1,
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total();
        write!(
            f,
            "{total} {}: {} created, {} updated, {} unchanged",
            if total == 1 { "article" } else { "articles" },
            self.created,
            self.updated,
            self.unchanged
        )?;
        let a = &self.authors;
        if a.total() > 0 {
            let noun = if a.total() == 1 { "author" } else { "authors" };
            write!(
                f,
                "; {} {noun}: {} created, {} updated, {} unchanged",
                a.total(),
                a.created,
                a.updated,
                a.unchanged
            )?;
        }
        Ok(())
    }
}

/// A parsed file, plus where its slug came from (for duplicate-slug errors).
struct Parsed {
    article: NewArticle,
    slug_line: usize,
}

/// Parses and validates one article file.
///
/// `file_name` is used only in errors. Every error carries the 1-based line
/// in the whole file: YAML errors where the parser found them, field errors
/// at the field's line, a missing closing `---` at line 1, an empty body at
/// the line after the front matter.
pub fn parse_article(file_name: &str, text: &str) -> Result<NewArticle, ImportError> {
    parse(file_name, text).map(|p| p.article)
}

fn parse(file: &str, text: &str) -> Result<Parsed, ImportError> {
    let err = |line: usize, problem: Problem| ImportError::new(file, line, problem);
    let field_err = |line: usize, field: &'static str, message: String| {
        ImportError::new(file, line, Problem::Field { field, message })
    };

    let split = split_front_matter(text).map_err(|problem| err(1, problem))?;
    let field_line = |field: &str| split.field_line(field);

    let fm: FrontMatter = serde_norway::from_str(split.yaml).map_err(|source| {
        // The YAML starts on the file's line 2 (after the opening `---`).
        let line = source.location().map_or(2, |l| l.line() + 1);
        err(line, Problem::Yaml { message: strip_locations(&source.to_string()), source })
    })?;

    let title =
        single_line(&fm.title, MAX_TITLE_CHARS).map_err(|m| field_err(field_line("title"), "title", m))?;
    let category = fm
        .category
        .trim()
        .parse::<Category>()
        .map_err(|e| field_err(field_line("category"), "category", e.to_string()))?;
    let author = single_line(&fm.author, MAX_AUTHOR_CHARS)
        .map_err(|m| field_err(field_line("author"), "author", m))?;
    if author_slug(&author).is_none() {
        let msg = "needs an ASCII letter or digit, from which the author page's address is made".to_owned();
        return Err(field_err(field_line("author"), "author", msg));
    }
    let published_at = parse_rfc3339(fm.published_at.trim()).map_err(|_| {
        field_err(
            field_line("published_at"),
            "published_at",
            "expected RFC 3339 date-time such as 2026-11-26T09:00:00Z".to_owned(),
        )
    })?;
    // Stored and compared in UTC; the range keeps timestamps non-negative
    // and four-digit, which listing keys and cursors rely on.
    let published_at = published_at
        .checked_to_offset(UtcOffset::UTC)
        .filter(|t| (1970..=9999).contains(&t.year()))
        .ok_or_else(|| {
            field_err(
                field_line("published_at"),
                "published_at",
                "the year (in UTC) must be between 1970 and 9999".to_owned(),
            )
        })?;

    let (slug, slug_line) = match fm.slug.as_deref() {
        Some(s) => {
            let line = field_line("slug");
            (Slug::parse(s.trim()).map_err(|e| field_err(line, "slug", e.to_string()))?, line)
        }
        None => {
            let line = field_line("title");
            let slug = Slug::from_title(&title).map_err(|_| {
                field_err(
                    line,
                    "title",
                    "no slug can be derived from this title (it needs ASCII letters or digits); \
                     add a `slug` field"
                        .to_owned(),
                )
            })?;
            (slug, line)
        }
    };

    if split.body.trim().is_empty() {
        return Err(err(split.body_line, Problem::EmptyBody));
    }
    let body_html = markdown::render(split.body);
    if body_html.as_str().len() > MAX_BODY_HTML_BYTES {
        return Err(err(split.body_line, Problem::BodyTooLarge { bytes: body_html.as_str().len() }));
    }

    let summary = match fm.summary.as_deref() {
        Some(s) => {
            let line = field_line("summary");
            let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
            let chars = s.chars().count();
            if chars == 0 {
                let msg = "must not be empty; leave the field out to use the first paragraph";
                return Err(field_err(line, "summary", msg.to_owned()));
            }
            if chars > MAX_SUMMARY_CHARS {
                let msg = format!("must be at most {MAX_SUMMARY_CHARS} characters (it has {chars})");
                return Err(field_err(line, "summary", msg));
            }
            s
        }
        None => markdown::summary_from(split.body, DERIVED_SUMMARY_CHARS),
    };

    let unpublished = match fm.status.as_deref().map(str::trim) {
        None | Some("published") => false,
        Some("unpublished") => true,
        Some(other) => {
            let msg = format!("expected `published` or `unpublished`, not {other:?}");
            return Err(field_err(field_line("status"), "status", msg));
        }
    };
    // Unpublishing a story nobody has seen yet is almost certainly a mistake
    // (the scheduling or the withdrawal is wrong); say so rather than guess.
    if unpublished && published_at > time::OffsetDateTime::now_utc() {
        let msg = "an article scheduled for the future cannot be unpublished: remove the `status` \
                   line to keep it scheduled, or set `published_at` to when it first appeared"
            .to_owned();
        return Err(field_err(field_line("status"), "status", msg));
    }

    let correction = match fm.correction.as_deref() {
        None => None,
        Some(c) => {
            let line = field_line("correction");
            let c = c.split_whitespace().collect::<Vec<_>>().join(" ");
            let chars = c.chars().count();
            if chars == 0 {
                let msg = "must not be empty; leave the field out when there is nothing to correct";
                return Err(field_err(line, "correction", msg.to_owned()));
            }
            if chars > MAX_CORRECTION_CHARS {
                let msg = format!("must be at most {MAX_CORRECTION_CHARS} characters (it has {chars})");
                return Err(field_err(line, "correction", msg));
            }
            Some(c)
        }
    };

    Ok(Parsed {
        article: NewArticle {
            slug,
            title,
            category,
            author,
            published_at,
            summary,
            body_html,
            words: markdown::word_count(split.body),
            correction,
            source: file.to_owned(),
            unpublished,
        },
        slug_line,
    })
}

/// A file cut into its front matter and body.
struct Split<'a> {
    /// The YAML between the `---` lines.
    yaml: &'a str,
    /// The Markdown after the closing `---` line.
    body: &'a str,
    /// The file's line number of the body's first line.
    body_line: usize,
}

impl Split<'_> {
    /// The line of a top-level `field:` key in the front matter. Falls back
    /// to the first front-matter line for YAML written unusually (flow
    /// mappings, quoted keys), where the key cannot be found by its text.
    fn field_line(&self, field: &str) -> usize {
        self.yaml
            .lines()
            .position(|line| line.strip_prefix(field).is_some_and(|rest| rest.trim_start().starts_with(':')))
            .map_or(2, |i| i + 2)
    }
}

fn split_front_matter(text: &str) -> Result<Split<'_>, Problem> {
    // A byte-order mark is invisible in editors; do not make it an error.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("---") {
        return Err(Problem::NoFrontMatter);
    }
    let yaml_start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = yaml_start;
    for (i, line) in lines.enumerate() {
        if line.trim_end() == "---" {
            let closing_line = i + 2; // 1-based, after the opening line
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                body: &text[offset + line.len()..],
                body_line: closing_line + 1,
            });
        }
        offset += line.len();
    }
    Err(Problem::UnclosedFrontMatter)
}

/// Validates a one-line text field: trimmed, non-empty, at most `max` characters.
fn single_line(value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    let chars = value.chars().count();
    if chars == 0 {
        return Err("must not be empty".to_owned());
    }
    if chars > max {
        return Err(format!("must be at most {max} characters (it has {chars})"));
    }
    if value.chars().any(char::is_control) {
        return Err("must be a single line of text".to_owned());
    }
    Ok(value.to_owned())
}

/// Removes the parser's ` at line N column M` notes, whose numbers count from
/// the start of the front matter; the error's own line counts from the file's.
fn strip_locations(message: &str) -> String {
    const MARK: &str = " at line ";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i]);
        let after = &rest[i + MARK.len()..];
        let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let line_len = digits(after);
        let tail = &after[line_len..];
        match tail.strip_prefix(" column ") {
            Some(col) if line_len > 0 && digits(col) > 0 => rest = &col[digits(col)..],
            _ => {
                // Not a location after all: keep the text.
                out.push_str(MARK);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Imports every `*.md` file under `dir` (recursively) into `store`.
///
/// All files are parsed and validated first, in path order; if any is bad
/// (including two files with one slug) nothing is written and every problem
/// is returned in [`ImportFailure::Invalid`]. Then the articles are written
/// one by one in path order.
///
/// Hidden files and directories (`.git`, editor swap files) are skipped, and
/// symbolic links to directories are not followed, so a link cycle cannot make
/// the walk endless. Files are read synchronously: this is a one-off operator
/// command over a few hundred small files, never a request path.
pub async fn import_dir<S: ArticleWriter>(store: &S, dir: &Path) -> Result<ImportReport, ImportFailure> {
    let files = markdown_files(dir)?;
    if files.is_empty() {
        return Err(ImportFailure::NoArticles { dir: dir.to_owned() });
    }
    let ParsedTree { articles: parsed, authors } = parse_files(dir, &files)?;
    check_sources(store, &parsed).await?;

    // One time for the whole import: every article it updates shows the same
    // "Updated" time.
    let now = time::OffsetDateTime::now_utc();
    let mut report = ImportReport::default();
    let articles: Vec<NewArticle> = parsed.into_iter().map(|(_, p)| p.article).collect();
    let outcomes = store.put_articles(&articles, now).await.map_err(|failure| {
        // `written == total`: every article was stored, not every "More in" list.
        match articles.get(failure.written).or(articles.last()) {
            Some(article) => ImportFailure::Store {
                slug: article.slug.clone(),
                written: failure.written,
                total: articles.len(),
                source: failure.source,
            },
            // An empty batch writes nothing, so cannot fail; were it to, say so.
            None => ImportFailure::Check { source: failure.source },
        }
    })?;
    for (article, outcome) in articles.iter().zip(outcomes) {
        tracing::debug!(slug = %article.slug, ?outcome, "imported");
        report.count(outcome);
    }
    for author in &authors {
        let outcome = store
            .put_author(author)
            .await
            .map_err(|source| ImportFailure::StoreAuthor { slug: author.author.slug.clone(), source })?;
        let a = &mut report.authors;
        tally(outcome, [&mut a.created, &mut a.updated, &mut a.unchanged]);
    }
    Ok(report)
}

/// Refuses every file whose slug a stored article imported from another file
/// already has (one consistent read per file: import is not a hot path).
async fn check_sources<S: ArticleWriter>(
    store: &S,
    parsed: &[(String, Parsed)],
) -> Result<(), ImportFailure> {
    let mut errors = Vec::new();
    for (name, Parsed { article, slug_line }) in parsed {
        let stored =
            store.article_source(&article.slug).await.map_err(|source| ImportFailure::Check { source })?;
        if let Some(other_file) = stored.filter(|other| *other != article.source) {
            errors.push(ImportError::new(name, *slug_line, Problem::SlugTaken { other_file }));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ImportFailure::Invalid { errors }) }
}

/// `path` relative to the imported directory, with `/` separators whatever
/// the platform: what an article records as its source, so the same tree
/// imported from another checkout or machine is the same files.
fn source_name(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Every file of an import, parsed: the articles (with the names errors
/// use) and the author files.
struct ParsedTree {
    articles: Vec<(String, Parsed)>,
    authors: Vec<NewAuthor>,
}

/// Reads and parses every file (articles, and author files under
/// `authors/`), collecting every problem.
fn parse_files(dir: &Path, files: &[PathBuf]) -> Result<ParsedTree, ImportFailure> {
    let mut errors = Vec::new();
    let mut articles = Vec::with_capacity(files.len());
    let mut authors = Vec::new();
    let mut seen: HashMap<Slug, String> = HashMap::new();
    for path in files {
        let name = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|source| ImportFailure::Read { path: path.clone(), source })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
                errors.push(ImportError::new(&name, line, Problem::NotUtf8));
                continue;
            }
        };
        let source = source_name(dir, path);
        if authors::is_author_file(&source) {
            match authors::parse_author(&name, &source, &text) {
                Ok(author) => authors.push(author),
                Err(e) => errors.push(e),
            }
            continue;
        }
        match parse(&name, &text) {
            Ok(mut parsed) => {
                parsed.article.source = source;
                let slug = parsed.article.slug.clone();
                if let Some(other_file) = seen.get(&slug) {
                    let problem = Problem::DuplicateSlug { slug, other_file: other_file.clone() };
                    errors.push(ImportError::new(&name, parsed.slug_line, problem));
                } else {
                    seen.insert(slug, name.clone());
                    articles.push((name, parsed));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(ParsedTree { articles, authors })
    } else {
        Err(ImportFailure::Invalid { errors })
    }
}

/// Every `*.md` file under `dir`, sorted by path so that imports (and their
/// error lists) are deterministic.
fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, ImportFailure> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    let read_err = |path: &Path| {
        let path = path.to_owned();
        move |source| ImportFailure::Read { path, source }
    };
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).map_err(read_err(&current))? {
            let entry = entry.map_err(read_err(&current))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let file_type = entry.file_type().map_err(read_err(&path))?;
            let is_file = if file_type.is_symlink() {
                // Follow links to files only (see `import_dir`).
                std::fs::metadata(&path).map_err(read_err(&path))?.is_file()
            } else {
                file_type.is_file()
            };
            if file_type.is_dir() {
                pending.push(path);
            } else if is_file && path.extension().is_some_and(|ext| ext == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use broadsheet::store::memory::MemoryStore;

    use super::*;

    /// Records the order of writes and can fail on one slug: what the
    /// in-memory store cannot show. Every other test uses `MemoryStore`.
    #[derive(Debug, Default)]
    struct Recorder {
        puts: Mutex<Vec<Slug>>,
        fail_on: Option<Slug>,
    }

    impl ArticleWriter for Recorder {
        async fn put_article(
            &self,
            article: &NewArticle,
            _now: time::OffsetDateTime,
        ) -> Result<PutOutcome, StoreError> {
            if self.fail_on.as_ref() == Some(&article.slug) {
                return Err(StoreError::Unavailable("throttled".into()));
            }
            self.puts.lock().unwrap().push(article.slug.clone());
            Ok(PutOutcome::Created)
        }

        async fn article_source(&self, _slug: &Slug) -> Result<Option<String>, StoreError> {
            Ok(None)
        }

        async fn set_published(
            &self,
            _slug: &Slug,
            _published: bool,
            _now: time::OffsetDateTime,
        ) -> Result<Option<bool>, StoreError> {
            Ok(None)
        }

        async fn put_author(
            &self,
            _author: &broadsheet::domain::NewAuthor,
        ) -> Result<PutOutcome, StoreError> {
            Ok(PutOutcome::Created)
        }

        async fn has_articles(&self) -> Result<bool, StoreError> {
            Ok(!self.puts.lock().unwrap().is_empty())
        }

        async fn searchable_articles(&self) -> Result<Vec<broadsheet::domain::Article>, StoreError> {
            Ok(Vec::new())
        }
    }

    const GOOD: &str = "\
---
title: '  Harbour Board Approves Night Ferry  '
category: news-analysis
author: Mara Quill
published_at: 2026-11-26T09:00:00+01:00
---

The *night ferry* from Lowmere will run from March.

## What changes

More text with a [link](https://example.com/ferry).
";

    fn field(title: &str, category: &str, published_at: &str, extra: &str) -> String {
        format!(
            "---\ntitle: {title}\ncategory: {category}\nauthor: Ana Pell\npublished_at: {published_at}\n{extra}---\nBody text.\n"
        )
    }

    fn err(text: &str) -> ImportError {
        parse_article("content/sports/foo.md", text).expect_err("should be rejected")
    }

    #[test]
    fn parses_a_good_file() {
        let a = parse_article("good.md", GOOD).unwrap();
        assert_eq!(a.title, "Harbour Board Approves Night Ferry");
        assert_eq!(a.slug.as_str(), "harbour-board-approves-night-ferry");
        assert_eq!(a.category, Category::NewsAnalysis);
        assert_eq!(a.author, "Mara Quill");
        assert_eq!(broadsheet::domain::timefmt::rfc3339(a.published_at), "2026-11-26T08:00:00Z");
        assert_eq!(a.summary, "The night ferry from Lowmere will run from March.");
        assert!(a.body_html.as_str().contains("<h2>What changes</h2>"), "{}", a.body_html.as_str());
        assert!(a.body_html.as_str().contains("rel=\"noopener noreferrer nofollow\""));
    }

    #[test]
    fn explicit_slug_and_summary_win() {
        let text = field(
            "Anything",
            "sports",
            "2026-11-01T10:00:00Z",
            "slug: my-slug\nsummary: >\n  Folded   summary\n  over lines.\n",
        );
        let a = parse_article("x.md", &text).unwrap();
        assert_eq!(a.slug.as_str(), "my-slug");
        assert_eq!(a.summary, "Folded summary over lines.");
    }

    #[test]
    fn accepts_crlf_and_a_byte_order_mark() {
        let text = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
        let a = parse_article("crlf.md", &text).unwrap();
        assert_eq!(a.title, "Harbour Board Approves Night Ferry");
        assert_eq!(a.summary, "The night ferry from Lowmere will run from March.");
    }

    #[test]
    fn display_names_file_line_and_field() {
        let e = err(&field("T", "sports", "26/11/2026", ""));
        assert_eq!(
            e.to_string(),
            "content/sports/foo.md:5: published_at: expected RFC 3339 date-time such as 2026-11-26T09:00:00Z"
        );
        assert_eq!((e.file(), e.line()), ("content/sports/foo.md", 5));
    }

    #[test]
    fn bad_fields_point_at_their_line() {
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        let cases: Vec<(String, usize, &str)> = vec![
            (field("''", "sports", "2026-11-01T10:00:00Z", ""), 2, "title: must not be empty"),
            (field("'   '", "sports", "2026-11-01T10:00:00Z", ""), 2, "title: must not be empty"),
            (field(&long, "sports", "2026-11-01T10:00:00Z", ""), 2, "title: must be at most 200 characters"),
            (field("\"a\\nb\"", "sports", "2026-11-01T10:00:00Z", ""), 2, "title: must be a single line"),
            (field("¿¿??", "sports", "2026-11-01T10:00:00Z", ""), 2, "title: no slug can be derived"),
            (field("T", "weather", "2026-11-01T10:00:00Z", ""), 3, "category: unknown category \"weather\""),
            (field("T", "Sports", "2026-11-01T10:00:00Z", ""), 3, "category: unknown category"),
            (field("T", "sports", "2026-11-01", ""), 5, "published_at: expected RFC 3339"),
            (field("T", "sports", "1969-12-31T23:59:59Z", ""), 5, "published_at: the year (in UTC) must be"),
            (
                field("T", "sports", "1970-01-01T00:30:00+01:00", ""),
                5,
                "published_at: the year (in UTC) must be",
            ),
            (
                field("T", "sports", "2026-11-01T10:00:00Z", "slug: Not A Slug\n"),
                6,
                "slug: a slug may contain",
            ),
            (field("T", "sports", "2026-11-01T10:00:00Z", "slug: ''\n"), 6, "slug: a slug cannot be empty"),
            (field("T", "sports", "2026-11-01T10:00:00Z", "summary: ''\n"), 6, "summary: must not be empty"),
            (
                field("T", "sports", "2026-11-01T10:00:00Z", &format!("summary: {}\n", "y".repeat(301))),
                6,
                "summary: must be at most 300 characters (it has 301)",
            ),
        ];
        for (text, line, message) in cases {
            let e = err(&text);
            assert_eq!(e.line(), line, "{e}");
            assert!(e.to_string().starts_with(&format!("content/sports/foo.md:{line}: {message}")), "{e}");
        }
    }

    #[test]
    fn empty_author_points_at_its_line() {
        let text = "---\ntitle: T\ncategory: blog\n\n# a comment\nauthor: ' '\npublished_at: 2026-11-01T10:00:00Z\n---\nx\n";
        let e = err(text);
        assert_eq!(e.to_string(), "content/sports/foo.md:6: author: must not be empty");
    }

    #[test]
    fn unknown_field_is_rejected_at_its_line() {
        let e = err(&field("T", "sports", "2026-11-01T10:00:00Z", "sumary: typo\n"));
        assert_eq!(e.line(), 6, "{e}");
        let text = e.to_string();
        assert!(text.contains("unknown field `sumary`"), "{text}");
        assert!(!text.contains("column"), "location notes are stripped: {text}");
        assert!(matches!(e.problem(), Problem::Yaml { .. }));
    }

    #[test]
    fn missing_field_and_wrong_type_are_yaml_errors() {
        let e = err("---\ntitle: T\ncategory: sports\npublished_at: 2026-11-01T10:00:00Z\n---\nx\n");
        assert!(e.to_string().contains("missing field `author`"), "{e}");
        let e = err(&field("[a, b]", "sports", "2026-11-01T10:00:00Z", ""));
        assert_eq!(e.line(), 2, "{e}");
        assert!(e.to_string().contains("title: invalid type: sequence"), "{e}");
    }

    #[test]
    fn yaml_syntax_errors_are_offset_by_the_opening_line() {
        let e = err(
            "---\ntitle: T\ncategory: sports\n  author: x: y\npublished_at: 2026-11-01T10:00:00Z\n---\nx\n",
        );
        assert_eq!(e.line(), 4, "{e}");
        assert!(!e.to_string().contains("column"), "{e}");
    }

    #[test]
    fn missing_or_unclosed_front_matter_is_line_1() {
        let e = err("# Just Markdown\n\nNo front matter.\n");
        assert_eq!(e.line(), 1);
        assert!(matches!(e.problem(), Problem::NoFrontMatter), "{e}");
        let e = err("---\ntitle: T\ncategory: sports\n\nBody but no closing line.\n");
        assert_eq!(
            e.to_string(),
            "content/sports/foo.md:1: front matter is not closed: add a `---` line after it"
        );
        assert!(matches!(err("").problem(), Problem::NoFrontMatter));
    }

    #[test]
    fn empty_body_points_after_the_front_matter() {
        let text = field("T", "sports", "2026-11-01T10:00:00Z", "").replace("Body text.\n", "\n   \n");
        let e = err(&text);
        assert_eq!(e.line(), 7, "{e}");
        assert!(matches!(e.problem(), Problem::EmptyBody));
        let no_newline = "---\ntitle: T\ncategory: blog\nauthor: A\npublished_at: 2026-11-01T10:00:00Z\n---";
        assert_eq!(err(no_newline).line(), 7);
    }

    #[test]
    fn oversized_body_is_rejected() {
        let big = field("T", "sports", "2026-11-01T10:00:00Z", "")
            .replace("Body text.", &"word ".repeat(MAX_BODY_HTML_BYTES / 5 + 10));
        let e = err(&big);
        assert!(matches!(e.problem(), Problem::BodyTooLarge { .. }), "{e}");
        assert_eq!(e.line(), 7);
    }

    #[test]
    fn strip_locations_keeps_other_text() {
        assert_eq!(strip_locations("bad at line 3 column 1, while x at line 1 column 8"), "bad, while x");
        assert_eq!(strip_locations("look at line up"), "look at line up");
        assert_eq!(strip_locations("plain"), "plain");
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn article(title: &str, minute: u32) -> String {
        field(title, "technology", &format!("2026-11-01T10:{minute:02}:00Z"), "")
    }

    /// A tree of three articles, Alpha, Bravo and Charlie, one of them in a
    /// nested folder, written out of path order.
    fn three_articles() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "technology/b.md", &article("Bravo", 1));
        write(dir.path(), "sports/nested/a.md", &article("Alpha", 2));
        write(dir.path(), "technology/c.md", &article("Charlie", 3));
        dir
    }

    #[tokio::test]
    async fn imports_a_tree_and_reimport_is_unchanged() {
        let dir = three_articles();
        write(dir.path(), "notes.txt", "not markdown");
        write(dir.path(), ".drafts/hidden.md", "not even front matter");
        write(dir.path(), "technology/.swap.md", "not even front matter");

        let store = MemoryStore::new();
        let report = import_dir(&store, dir.path()).await.unwrap();
        assert_eq!(
            report,
            ImportReport { created: 3, updated: 0, unchanged: 0, authors: AuthorsReport::default() }
        );
        assert_eq!(report.to_string(), "3 articles: 3 created, 0 updated, 0 unchanged");

        let again = import_dir(&store, dir.path()).await.unwrap();
        assert_eq!(again.to_string(), "3 articles: 0 created, 0 updated, 3 unchanged");

        write(dir.path(), "technology/c.md", &article("Charlie", 4));
        let changed = import_dir(&store, dir.path()).await.unwrap();
        assert_eq!(
            changed,
            ImportReport { created: 0, updated: 1, unchanged: 2, authors: AuthorsReport::default() }
        );
    }

    #[tokio::test]
    async fn writes_in_path_order() {
        let dir = three_articles();
        write(dir.path(), "a.md", &article("Zulu", 4));
        let store = Recorder::default();
        import_dir(&store, dir.path()).await.unwrap();
        let order: Vec<_> = store.puts.lock().unwrap().iter().map(|s| s.to_string()).collect();
        assert_eq!(order, ["zulu", "alpha", "bravo", "charlie"]);
    }

    #[tokio::test]
    async fn one_bad_file_writes_nothing_and_every_error_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.md", &article("Alpha", 1));
        write(dir.path(), "b.md", &field("Bravo", "tech", "2026-11-01T10:00:00Z", ""));
        write(dir.path(), "c.md", &article("Charlie", 3));
        write(dir.path(), "d.md", "no front matter\n");
        std::fs::write(dir.path().join("e.md"), b"---\ntitle: \xff\n").unwrap();

        let store = MemoryStore::new();
        let failure = import_dir(&store, dir.path()).await.unwrap_err();
        let ImportFailure::Invalid { errors } = &failure else { panic!("{failure}") };
        let lines: Vec<_> = errors.iter().map(|e| (e.file().rsplit('/').next().unwrap(), e.line())).collect();
        assert_eq!(lines, [("b.md", 3), ("d.md", 1), ("e.md", 2)]);
        let shown = failure.to_string();
        assert!(shown.starts_with("3 problems; nothing was imported:\n  "), "{shown}");
        assert!(shown.contains("b.md:3: category: unknown category \"tech\""), "{shown}");
        assert!(shown.contains("e.md:2: not valid UTF-8 text"), "{shown}");
        assert!(!store.has_articles().await.unwrap(), "nothing may be written");
    }

    #[tokio::test]
    async fn duplicate_slugs_name_both_files() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "blog/one.md", &article("Same Title", 1));
        write(dir.path(), "technology/two.md", &article("Same  title!", 2));
        let store = MemoryStore::new();
        let failure = import_dir(&store, dir.path()).await.unwrap_err();
        let ImportFailure::Invalid { errors } = &failure else { panic!("{failure}") };
        assert_eq!(errors.len(), 1);
        let one = dir.path().join("blog/one.md").display().to_string();
        let two = dir.path().join("technology/two.md").display().to_string();
        assert_eq!(errors[0].to_string(), format!("{two}:2: slug: `same-title` is also the slug of {one}"));
        assert!(!store.has_articles().await.unwrap());
    }

    #[tokio::test]
    async fn empty_and_missing_directories_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "README.txt", "nothing here");
        let store = MemoryStore::new();
        assert!(matches!(import_dir(&store, dir.path()).await, Err(ImportFailure::NoArticles { .. })));
        let missing = dir.path().join("nope");
        let failure = import_dir(&store, &missing).await.unwrap_err();
        assert!(matches!(&failure, ImportFailure::Read { path, .. } if *path == missing), "{failure}");
        assert!(std::error::Error::source(&failure).is_some());
    }

    #[tokio::test]
    async fn storage_failure_keeps_its_source_and_says_how_far_it_got() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.md", &article("Alpha", 1));
        write(dir.path(), "b.md", &article("Bravo", 2));
        let store = Recorder { fail_on: Some(Slug::parse("bravo").unwrap()), ..Recorder::default() };
        let failure = import_dir(&store, dir.path()).await.unwrap_err();
        assert_eq!(
            failure.to_string(),
            "storing article `bravo` failed after 1 of 2 articles were written; running the import again is safe"
        );
        let source = std::error::Error::source(&failure).unwrap();
        assert!(matches!(source.downcast_ref::<StoreError>(), Some(StoreError::Unavailable(_))));
    }

    #[tokio::test]
    async fn a_slug_belongs_to_the_file_that_first_imported_it() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "world/ferry.md", &article("Night Ferry", 1));
        let store = MemoryStore::new();
        import_dir(&store, dir.path()).await.unwrap();
        let slug = Slug::parse("night-ferry").unwrap();
        assert_eq!(store.article_source(&slug).await.unwrap().as_deref(), Some("world/ferry.md"));

        // A second file with the same (derived) slug, imported on its own later.
        let other = tempfile::tempdir().unwrap();
        write(other.path(), "blog/copy.md", &field("Night Ferry", "blog", "2026-11-02T10:00:00Z", ""));
        write(other.path(), "blog/fine.md", &article("Something Else", 2));
        let failure = import_dir(&store, other.path()).await.unwrap_err();
        let ImportFailure::Invalid { errors } = &failure else { panic!("{failure}") };
        let copy = other.path().join("blog/copy.md").display().to_string();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].to_string(), format!("{copy}:2: slug: already used by world/ferry.md"));
        assert!(matches!(errors[0].problem(), Problem::SlugTaken { .. }));
        let front = broadsheet::store::ArticleLister::list_articles(
            &store,
            None,
            None,
            10,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
        assert_eq!(front.items.len(), 1, "nothing written, not even the good file");
        assert_eq!(front.items[0].category, Category::Technology, "the story is untouched");

        // An explicit slug is how the second file becomes a story of its own.
        write(
            other.path(),
            "blog/copy.md",
            &field("Night Ferry", "blog", "2026-11-02T10:00:00Z", "slug: night-ferry-blog\n"),
        );
        let report = import_dir(&store, other.path()).await.unwrap();
        assert_eq!(report.created, 2);
    }

    #[tokio::test]
    async fn author_files_import_with_the_articles_and_a_bad_one_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.md", &article("Alpha", 1));
        write(dir.path(), "authors/ada-lovelace.md", "---\nname: Ada Lovelace\nbio: Writes.\n---\n");
        let store = MemoryStore::new();
        let report = import_dir(&store, dir.path()).await.unwrap();
        assert_eq!(report.created, 1);
        assert_eq!(report.authors, AuthorsReport { created: 1, updated: 0, unchanged: 0 });
        assert!(report.to_string().ends_with("; 1 author: 1 created, 0 updated, 0 unchanged"), "{report}");
        let again = import_dir(&store, dir.path()).await.unwrap();
        assert_eq!(again.authors.unchanged, 1);

        // A bad author file (an unknown field) is reported with its line, and
        // nothing of the import is written: not the changed article either.
        write(dir.path(), "a.md", &article("Alpha changed", 1));
        write(dir.path(), "authors/ada-lovelace.md", "---\nname: Ada Lovelace\ntwitter: '@ada'\n---\n");
        let ImportFailure::Invalid { errors } = import_dir(&store, dir.path()).await.unwrap_err() else {
            panic!("expected Invalid");
        };
        assert_eq!(errors.len(), 1);
        let e = errors[0].to_string();
        assert!(e.contains("authors/ada-lovelace.md:3: front matter: unknown field `twitter`"), "{e}");
        let slug = Slug::parse("alpha").unwrap();
        let page = broadsheet::store::ArticleReader::article_page(&store, &slug, None, 1).await.unwrap();
        assert_eq!(page.unwrap().article.summary.title, "Alpha", "the article file's change is not written");

        // A byline no author page address can be made from is refused at its line.
        let e = err(
            &field("T", "sports", "2026-11-01T10:00:00Z", "").replace("author: Ana Pell", "author: 李雷")
        );
        assert!(
            e.to_string().ends_with(
                "author: needs an ASCII letter or digit, from which the author page's address is made"
            ),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_changed_file_updates_and_records_its_correction() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.md", &article("Alpha", 1));
        let store = MemoryStore::new();
        import_dir(&store, dir.path()).await.unwrap();
        let slug = Slug::parse("alpha").unwrap();
        let read = || async {
            broadsheet::store::ArticleReader::article_page(&store, &slug, None, 1)
                .await
                .unwrap()
                .unwrap()
                .article
        };
        assert_eq!(read().await.summary.updated_at, None);
        assert_eq!(import_dir(&store, dir.path()).await.unwrap().unchanged, 1);
        assert_eq!(read().await.summary.updated_at, None, "an unchanged file changes nothing");

        let corrected = field(
            "Alpha",
            "technology",
            "2026-11-01T10:01:00Z",
            "correction: >\n  An earlier version\n  named the wrong town.\n",
        );
        write(dir.path(), "a.md", &corrected);
        let before = time::OffsetDateTime::now_utc();
        assert_eq!(import_dir(&store, dir.path()).await.unwrap().updated, 1);
        let a = read().await;
        let updated = a.summary.updated_at.expect("updated");
        assert!(updated >= before);
        let correction = a.correction.expect("a correction");
        assert_eq!(correction.text, "An earlier version named the wrong town.");
        assert_eq!(correction.at, updated, "dated by the import that added it");
    }

    #[test]
    fn status_is_published_or_unpublished_and_never_for_a_scheduled_story() {
        let ok =
            parse_article("x.md", &field("T", "sports", "2026-11-01T10:00:00Z", "status: unpublished\n"));
        assert!(ok.unwrap().unpublished);
        let ok = parse_article("x.md", &field("T", "sports", "2026-11-01T10:00:00Z", "status: published\n"));
        assert!(!ok.unwrap().unpublished);
        let e = err(&field("T", "sports", "2026-11-01T10:00:00Z", "status: draft\n"));
        assert_eq!(
            e.to_string(),
            "content/sports/foo.md:6: status: expected `published` or `unpublished`, not \"draft\""
        );
        let e = err(&field("T", "sports", "2999-01-01T00:00:00Z", "status: unpublished\n"));
        assert!(
            e.to_string().starts_with(
                "content/sports/foo.md:6: status: an article scheduled for the future cannot be unpublished"
            ),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_bad_status_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.md", &article("Alpha", 1));
        write(dir.path(), "b.md", &field("Bravo", "sports", "2999-01-01T00:00:00Z", "status: unpublished\n"));
        let store = MemoryStore::new();
        let failure = import_dir(&store, dir.path()).await.unwrap_err();
        assert!(failure.to_string().contains("b.md:6: status: "), "{failure}");
        assert!(!store.has_articles().await.unwrap());
    }

    #[test]
    fn bad_corrections_point_at_their_line() {
        let e = err(&field("T", "sports", "2026-11-01T10:00:00Z", "correction: '  '\n"));
        assert_eq!(
            e.to_string(),
            "content/sports/foo.md:6: correction: must not be empty; leave the field out when there is nothing to correct"
        );
        let long = format!("correction: {}\n", "z".repeat(MAX_CORRECTION_CHARS + 1));
        let e = err(&field("T", "sports", "2026-11-01T10:00:00Z", &long));
        assert!(e.to_string().starts_with("content/sports/foo.md:6: correction: must be at most 600"), "{e}");
    }

    #[test]
    fn report_uses_the_singular_for_one() {
        let r = ImportReport { created: 0, updated: 1, unchanged: 0, authors: AuthorsReport::default() };
        assert_eq!(r.to_string(), "1 article: 0 created, 1 updated, 0 unchanged");
    }
}
