//! [`SearchIndex`]: the stories as a tantivy index held in memory.
//!
//! **Schema.** `title`, `summary` and `body` are text, tokenized into runs
//! of letters and digits, lower-cased, folded to ASCII (`café` finds `cafe`),
//! stemmed for English (`fishing` finds `fish`), with positions for phrases,
//! and stored for snippets; `slug`, `category` and `author` are stored only;
//! `published_at` (Unix seconds) is a fast field.
//!
//! **Ranking.** BM25 over the three text fields with title ×3, summary ×2,
//! body ×1; every word must match (in any of them). The score is then
//! multiplied by `1 + 0.2 × 0.5^(age / 90 days)`: a story published today
//! gains at most 20 % over an old one, so recency breaks near-ties but
//! never outranks a much better match.
//!
//! **Scheduling.** A story scheduled for later is in the index from its
//! import, and every query is filtered on `published_at <= now`, so it
//! appears by itself when its time comes, without a rebuild. Withdrawn
//! stories are never in the index: it is rebuilt from the table whenever a
//! story is withdrawn or restored (docs/site.md, "Search").
//!
//! **Shipping.** [`SearchIndex::to_bundle`] packs the index's files (after a
//! merge into one segment) into one tar archive; [`SearchIndex::from_bundle`]
//! unpacks one into memory. Nothing touches the file system, so a Lambda
//! needs no `/tmp` space.

use std::io::Read;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use broadsheet::domain::search::{Highlighted, SearchHit, SearchResults};
use broadsheet::domain::{Article, Category, Slug};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::RamDirectory;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::{
    Directory, DocAddress, Index, IndexReader, IndexSettings, ReloadPolicy, Score, SegmentReader,
    TantivyDocument, Term, doc,
};
use time::OffsetDateTime;

use crate::query;

/// The analyzer every text field uses, registered under this name.
const ANALYZER: &str = "broadsheet_en";
/// Weights of the text fields in the BM25 score.
const TITLE_BOOST: Score = 3.0;
const SUMMARY_BOOST: Score = 2.0;
/// The recency bonus: at most this fraction of the score, halving every
/// [`RECENCY_HALF_LIFE_DAYS`].
const RECENCY_WEIGHT: f64 = 0.2;
const RECENCY_HALF_LIFE_DAYS: f64 = 90.0;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;
/// The indexing budget: tantivy's writer needs at least 15 MB per thread.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// Why an index could not be built, loaded or searched.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search engine: {0}")]
    Engine(#[from] tantivy::TantivyError),
    #[error("index archive: {0}")]
    Archive(#[from] std::io::Error),
    #[error("index archive: unexpected entry {0:?}")]
    Entry(PathBuf),
    #[error("stored document: {0}")]
    Document(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    slug: Field,
    title: Field,
    summary: Field,
    body: Field,
    category: Field,
    author: Field,
    published_at: Field,
}

const PUBLISHED_AT: &str = "published_at";

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        slug: b.add_text_field("slug", STORED),
        title: b.add_text_field("title", text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        body: b.add_text_field("body", text),
        category: b.add_text_field("category", STORED),
        author: b.add_text_field("author", STORED),
        published_at: b.add_i64_field(PUBLISHED_AT, INDEXED | FAST | STORED),
    };
    (b.build(), fields)
}

fn fields_of(schema: &Schema) -> Result<Fields, IndexError> {
    Ok(Fields {
        slug: schema.get_field("slug")?,
        title: schema.get_field("title")?,
        summary: schema.get_field("summary")?,
        body: schema.get_field("body")?,
        category: schema.get_field("category")?,
        author: schema.get_field("author")?,
        published_at: schema.get_field(PUBLISHED_AT)?,
    })
}

fn register_analyzer(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build();
    index.tokenizers().register(ANALYZER, analyzer);
}

/// The searchable stories, in memory.
pub struct SearchIndex {
    index: Index,
    directory: RamDirectory,
    reader: IndexReader,
    fields: Fields,
    parser: QueryParser,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("stories", &self.len()).finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Indexes `articles` (withdrawn ones are left out; scheduled ones are
    /// kept, hidden by every query until their time) into one segment.
    pub fn build<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Result<SearchIndex, IndexError> {
        let (schema, fields) = schema();
        let directory = RamDirectory::create();
        let index = Index::create(directory.clone(), schema, IndexSettings::default())?;
        register_analyzer(&index);
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, WRITER_MEMORY)?;
        for a in articles.into_iter().filter(|a| !a.unpublished) {
            let s = &a.summary;
            writer.add_document(doc!(
                fields.slug => s.slug.as_str(),
                fields.title => s.title.as_str(),
                fields.summary => s.summary.as_str(),
                fields.body => a.body_html.text(),
                fields.category => s.category.slug(),
                fields.author => s.author.as_str(),
                fields.published_at => s.published_at.unix_timestamp(),
            ))?;
        }
        writer.commit()?;
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        Self::open(index, directory, fields)
    }

    fn open(index: Index, directory: RamDirectory, fields: Fields) -> Result<SearchIndex, IndexError> {
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut parser = QueryParser::for_index(&index, vec![fields.title, fields.summary, fields.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, TITLE_BOOST);
        parser.set_field_boost(fields.summary, SUMMARY_BOOST);
        Ok(SearchIndex { index, directory, reader, fields, parser })
    }

    /// Stories in the index (scheduled ones included).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The files of the index (its segments and `meta.json`).
    fn files(&self) -> Result<Vec<PathBuf>, IndexError> {
        let mut files = vec![PathBuf::from("meta.json")];
        for meta in self.index.searchable_segment_metas()? {
            let mut segment: Vec<PathBuf> = meta.list_files().into_iter().collect();
            segment.sort();
            files.extend(segment.into_iter().filter(|f| self.directory.exists(f).unwrap_or(false)));
        }
        Ok(files)
    }

    /// The index as one tar archive of its files.
    pub fn to_bundle(&self) -> Result<Vec<u8>, IndexError> {
        let mut tar = tar::Builder::new(Vec::new());
        for path in self.files()? {
            let data = self.directory.atomic_read(&path).map_err(|e| IndexError::Engine(e.into()))?;
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, &path, data.as_slice())?;
        }
        Ok(tar.into_inner()?)
    }

    /// Opens an archive [`SearchIndex::to_bundle`] made, in memory. An
    /// entry that is not a plain file name is refused.
    pub fn from_bundle(bytes: &[u8]) -> Result<SearchIndex, IndexError> {
        let directory = RamDirectory::create();
        let mut archive = tar::Archive::new(bytes);
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = entry.path()?.into_owned();
            let plain = path.components().count() == 1 && path.file_name().is_some();
            if !plain || !entry.header().entry_type().is_file() {
                return Err(IndexError::Entry(path));
            }
            let mut data = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
            entry.read_to_end(&mut data)?;
            directory.atomic_write(Path::new(&path), &data).map_err(IndexError::Archive)?;
        }
        let index = Index::open(directory.clone())?;
        register_analyzer(&index);
        let fields = fields_of(&index.schema())?;
        Self::open(index, directory, fields)
    }

    /// One page of the stories published by `as_of` that match `text`,
    /// best first, skipping `offset`. Text with no words matches nothing.
    pub fn search(
        &self,
        text: &str,
        offset: usize,
        limit: usize,
        as_of: OffsetDateTime,
    ) -> Result<SearchResults, IndexError> {
        let engine_text = query::to_engine(&query::parse(text));
        if engine_text.is_empty() {
            return Ok(SearchResults::default());
        }
        // Only letters, digits, spaces and balanced quotes reach the
        // parser, which cannot fail on them; if it ever did, nothing matches.
        let Ok(matching) = self.parser.parse_query(&engine_text) else { return Ok(SearchResults::default()) };
        let now = as_of.unix_timestamp();
        let published = RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(Term::from_field_i64(self.fields.published_at, now)),
        );
        let query = BooleanQuery::new(vec![
            (Occur::Must, matching.box_clone()),
            (Occur::Must, Box::new(ConstScoreQuery::new(Box::new(published), 0.0))),
        ]);
        let ranked = TopDocs::with_limit(limit.max(1)).and_offset(offset).tweak_score(
            move |segment: &SegmentReader| {
                let times = segment.fast_fields().i64(PUBLISHED_AT).ok().map(|c| c.first_or_default_col(now));
                move |doc, score: Score| {
                    let at = times.as_ref().map_or(now, |c| c.get_val(doc));
                    score * recency(now - at)
                }
            },
        );
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(&query, &(ranked, Count))?;
        let body = snippets(&searcher, &*matching, self.fields.body)?;
        let summary = snippets(&searcher, &*matching, self.fields.summary)?;
        let hits = top
            .into_iter()
            .map(|(_, address)| self.hit(&searcher, address, &body, &summary))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchResults { hits, total })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        body: &SnippetGenerator,
        summary: &SnippetGenerator,
    ) -> Result<SearchHit, IndexError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field, name: &'static str| {
            doc.get_first(field).and_then(|v| v.as_str()).map(str::to_owned).ok_or(IndexError::Document(name))
        };
        let slug = Slug::parse(&text(self.fields.slug, "slug")?).map_err(|_| IndexError::Document("slug"))?;
        let category = Category::from_slug(&text(self.fields.category, "category")?)
            .ok_or(IndexError::Document("category"))?;
        let published_at = doc
            .get_first(self.fields.published_at)
            .and_then(|v| v.as_i64())
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .ok_or(IndexError::Document("published_at"))?;
        // The body's best passage; else the summary's, marked if it matched.
        let mut snippet = body.snippet_from_doc(&doc);
        if snippet.highlighted().is_empty() {
            snippet = summary.snippet_from_doc(&doc);
        }
        let snippet = if snippet.fragment().is_empty() {
            Highlighted::new(text(self.fields.summary, "summary")?, [])
        } else {
            Highlighted::new(snippet.fragment().to_owned(), snippet.highlighted().iter().cloned())
        };
        Ok(SearchHit {
            slug,
            title: text(self.fields.title, "title")?,
            category,
            author: text(self.fields.author, "author")?,
            published_at,
            snippet,
        })
    }
}

fn snippets(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    field: Field,
) -> Result<SnippetGenerator, IndexError> {
    let mut generator = SnippetGenerator::create(searcher, query, field)?;
    generator.set_max_num_chars(SNIPPET_CHARS);
    Ok(generator)
}

/// The recency factor for a story `age_seconds` old (a scheduled story
/// cannot be younger than 0).
fn recency(age_seconds: i64) -> Score {
    let days = age_seconds.max(0) as f64 / 86_400.0;
    (1.0 + RECENCY_WEIGHT * 0.5f64.powf(days / RECENCY_HALF_LIFE_DAYS)) as Score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_is_mild_and_fades() {
        assert!((recency(0) - 1.2).abs() < 1e-6);
        assert!((recency(-5) - 1.2).abs() < 1e-6, "scheduled stories get no more");
        assert!((recency(90 * 86_400) - 1.1).abs() < 1e-6);
        assert!(recency(3650 * 86_400) < 1.0001);
    }

    #[test]
    fn an_archive_with_a_path_is_refused() {
        let mut tar = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_cksum();
        tar.append_data(&mut header, "../meta.json", &b"x"[..]).unwrap_or_default();
        let bytes = tar.into_inner().unwrap_or_default();
        assert!(SearchIndex::from_bundle(&bytes).is_err());
    }
}
