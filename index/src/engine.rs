//! [`SearchIndex`]: the stories as a tantivy index held in memory.
//!
//! **Schema.** `title`, `summary` and `body` are text, analysed by
//! `crate::analyzer` (`fishing` finds `fish`, `café` finds `cafe`), with
//! positions for phrases, and stored for snippets; `slug`, `category` and
//! `author` are stored only; `published_at` (Unix seconds) is a fast field.
//!
//! **Ranking** is `crate::ranking`'s: BM25 over the three text fields
//! with title ×3, summary ×2, body ×1, every word required (in any of
//! them), times a mild recency factor.
//!
//! **Scheduling.** A story scheduled for later is in the index from its
//! import, and every query skips stories with `published_at > now` (in the
//! ranking collector and in the count), so it appears by itself when its
//! time comes, without a rebuild. Withdrawn
//! stories are never in the index: it is rebuilt from the table whenever a
//! story is withdrawn or restored (docs/site.md, "Search").
//!
//! **Shipping.** [`SearchIndex::to_bundle`] packs the index's files (after a
//! merge into one segment) into one tar archive; [`SearchIndex::from_bundle`]
//! serves them from that archive in memory, without copying them
//! (`crate::bundle`). Nothing touches the file system, so a Lambda needs
//! no `/tmp` space.

use std::collections::BTreeMap;
use std::path::PathBuf;

use broadsheet::domain::search::{Highlighted, SearchHit, SearchResults};
use broadsheet::domain::{Article, Category, Slug};
use tantivy::collector::{Count, FilterCollector};
use tantivy::directory::{OwnedBytes, RamDirectory};
use tantivy::query::{Query, QueryParser};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{
    Directory, DocAddress, Index, IndexReader, IndexSettings, ReloadPolicy, Score, TantivyDocument, doc,
};
use time::OffsetDateTime;

use crate::analyzer::{self, ANALYZER};
use crate::bundle::{self, BundleDirectory};
use crate::query;
use crate::ranking::{PUBLISHED_AT, Ranked};

/// Weights of the text fields in the BM25 score.
const TITLE_BOOST: Score = 3.0;
const SUMMARY_BOOST: Score = 2.0;
/// The stored text (for snippets) is most of the archive a search function
/// downloads at cold start: zstd at level 3 makes it 36 % smaller than
/// tantivy's default lz4 (29.0 against 45.3 MB on the 20,000-story corpus)
/// for no measurable query time; higher levels and larger blocks save
/// little more, and a larger block is more to decompress per hit.
const DOC_STORE_ZSTD_LEVEL: i32 = 3;
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
        published_at: b.add_i64_field(PUBLISHED_AT, FAST | STORED),
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

/// The searchable stories, in memory.
pub struct SearchIndex {
    index: Index,
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
        let zstd = Compressor::Zstd(ZstdCompressor { compression_level: Some(DOC_STORE_ZSTD_LEVEL) });
        Self::build_with(articles, zstd)
    }

    fn build_with<'a>(
        articles: impl IntoIterator<Item = &'a Article>,
        docstore_compression: Compressor,
    ) -> Result<SearchIndex, IndexError> {
        let (schema, fields) = schema();
        let directory = RamDirectory::create();
        let settings = IndexSettings { docstore_compression, ..IndexSettings::default() };
        let index = Index::create(directory.clone(), schema, settings)?;
        analyzer::register(&index);
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
        Self::open(index, fields)
    }

    fn open(index: Index, fields: Fields) -> Result<SearchIndex, IndexError> {
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut parser = QueryParser::for_index(&index, vec![fields.title, fields.summary, fields.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, TITLE_BOOST);
        parser.set_field_boost(fields.summary, SUMMARY_BOOST);
        Ok(SearchIndex { index, reader, fields, parser })
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
        let directory = self.index.directory();
        let mut files = vec![PathBuf::from("meta.json")];
        for meta in self.index.searchable_segment_metas()? {
            let mut segment: Vec<PathBuf> = meta.list_files().into_iter().collect();
            segment.sort();
            files.extend(segment.into_iter().filter(|f| directory.exists(f).unwrap_or(false)));
        }
        Ok(files)
    }

    /// The index as one tar archive of its files.
    pub fn to_bundle(&self) -> Result<Vec<u8>, IndexError> {
        let directory = self.index.directory();
        let files = self.files()?.into_iter().map(|path| {
            let data = directory.atomic_read(&path).map_err(|e| IndexError::Engine(e.into()))?;
            Ok((path, data))
        });
        bundle::pack(files.collect::<Result<Vec<_>, IndexError>>()?)
    }

    /// Opens an archive [`SearchIndex::to_bundle`] made, serving its files
    /// from `bytes` itself. An entry that is not a plain file name is refused.
    pub fn from_bundle(bytes: Vec<u8>) -> Result<SearchIndex, IndexError> {
        let directory = BundleDirectory::open(OwnedBytes::new(bytes))?;
        let index = Index::open(directory)?;
        analyzer::register(&index);
        let fields = fields_of(&index.schema())?;
        Self::open(index, fields)
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
        let searcher = self.reader.searcher();
        let top = searcher.search(&*matching, &Ranked { now, wanted: offset + limit.max(1) })?;
        // Counting needs no scores, so it is a pass over the postings alone.
        let published = move |at: i64| at <= now;
        let total =
            searcher.search(&*matching, &FilterCollector::new(PUBLISHED_AT.into(), published, Count))?;
        let body = snippets(&searcher, &*matching, self.fields.body)?;
        let summary = snippets(&searcher, &*matching, self.fields.summary)?;
        let hits = top
            .into_iter()
            .skip(offset)
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

/// The snippet generator for `field`: tantivy's, given the query's terms in
/// that field (weighted as `SnippetGenerator::create` weighs them: rarer
/// terms count more) and the analyzer that skips the words that cannot match
/// (`analyzer::for_snippets`).
fn snippets(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    field: Field,
) -> Result<SnippetGenerator, IndexError> {
    let mut terms = Vec::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field {
            terms.push(term.clone());
        }
    });
    let mut weights = BTreeMap::new();
    for term in terms {
        let Some(text) = term.value().as_str().map(str::to_owned) else { continue };
        let docs = searcher.doc_freq(&term)?;
        if docs > 0 {
            weights.insert(text, 1.0 / (1.0 + docs as Score));
        }
    }
    let initials: Vec<u8> = weights.keys().filter_map(|t| t.as_bytes().first().copied()).collect();
    Ok(SnippetGenerator::new(weights, analyzer::for_snippets(initials), field, SNIPPET_CHARS))
}

#[cfg(test)]
mod tests {
    use broadsheet::domain::ArticleSummary;
    use tantivy::collector::TopDocs;

    use super::*;
    use crate::ranking::recency;

    const WORDS: [&str; 12] = [
        "harbour", "ferry", "council", "river", "market", "school", "storm", "bridge", "night", "rail",
        "festival", "budget",
    ];

    /// `n` stories of words drawn from [`WORDS`] (a fixed sequence, skewed so
    /// some words are common), published a day and a half apart back from
    /// `now`; the first five are scheduled after `now`.
    fn stories(n: usize, now: OffsetDateTime) -> Vec<Article> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut words = |count: usize| {
            let picked: Vec<&str> = (0..count)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let u = (state % 1000) as f64 / 1000.0;
                    WORDS[((u * u) * WORDS.len() as f64) as usize]
                })
                .collect();
            picked.join(" ")
        };
        (0..n)
            .map(|i| {
                let at = now - time::Duration::hours(36 * i as i64 - 36 * 5);
                Article {
                    summary: ArticleSummary {
                        slug: Slug::parse(&format!("story-{i:03}")).unwrap_or_else(|_| unreachable!()),
                        title: words(4 + i % 4),
                        category: Category::ALL[i % Category::ALL.len()],
                        author: "Test Writer".into(),
                        published_at: at,
                        summary: words(10 + i % 7),
                        comment_count: 0,
                        words: 0,
                        updated_at: None,
                    },
                    body_html: broadsheet::markdown::render(&words(30 + i % 50)),
                    correction: None,
                    unpublished: false,
                }
            })
            .collect()
    }

    /// Every matching story scored (BM25 × recency, as [`Ranked`] scores),
    /// the scheduled ones dropped, best first, ties to the earlier.
    fn every_match_ranked(index: &SearchIndex, text: &str, now: OffsetDateTime) -> Vec<String> {
        let matching = index
            .parser
            .parse_query(&query::to_engine(&query::parse(text)))
            .unwrap_or_else(|_| unreachable!());
        let now = now.unix_timestamp();
        let searcher = index.reader.searcher();
        let all =
            TopDocs::with_limit(index.len() as usize).tweak_score(move |segment: &tantivy::SegmentReader| {
                let times = segment.fast_fields().i64(PUBLISHED_AT).map(|c| c.first_or_default_col(i64::MAX));
                move |doc, score: Score| match &times {
                    Ok(times) if times.get_val(doc) <= now => score * recency(now - times.get_val(doc)),
                    _ => Score::NEG_INFINITY,
                }
            });
        let mut scored = searcher.search(&*matching, &all).unwrap_or_default();
        scored.retain(|(score, _)| score.is_finite());
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).unwrap_or_default();
                doc.get_first(index.fields.slug).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
            })
            .collect()
    }

    /// The snippets through the gated analyzer are the ones tantivy's own
    /// generator (with the index's analyzer) picks: same passage, same marks.
    #[test]
    fn snippets_are_the_libraries_own() {
        let now = OffsetDateTime::now_utc();
        let index = SearchIndex::build(&stories(200, now)).unwrap_or_else(|e| panic!("{e}"));
        let searcher = index.reader.searcher();
        for text in ["harbour", "storm bridge", "\"harbour ferry\" budget", "rail festivals nights"] {
            let matching = index
                .parser
                .parse_query(&query::to_engine(&query::parse(text)))
                .unwrap_or_else(|_| unreachable!());
            for field in [index.fields.body, index.fields.summary] {
                let ours = snippets(&searcher, &*matching, field).unwrap_or_else(|e| panic!("{e}"));
                let mut theirs =
                    SnippetGenerator::create(&searcher, &*matching, field).unwrap_or_else(|e| panic!("{e}"));
                theirs.set_max_num_chars(SNIPPET_CHARS);
                let mut marked = 0;
                for doc in 0..searcher.num_docs() as u32 {
                    let doc: TantivyDocument =
                        searcher.doc(DocAddress::new(0, doc)).unwrap_or_else(|e| panic!("{e}"));
                    let (a, b) = (ours.snippet_from_doc(&doc), theirs.snippet_from_doc(&doc));
                    assert_eq!((a.fragment(), a.highlighted()), (b.fragment(), b.highlighted()), "{text:?}");
                    marked += usize::from(!a.highlighted().is_empty());
                }
                assert!(marked > 10, "{text:?}: only {marked} snippets with marks");
            }
        }
    }

    /// An archive published before the document store was zstd-compressed
    /// (tantivy's lz4) still opens and answers: the compressor is read from
    /// the archive's `meta.json`.
    #[test]
    fn an_lz4_archive_still_opens() {
        let now = OffsetDateTime::now_utc();
        let old =
            SearchIndex::build_with(&stories(50, now), Compressor::Lz4).unwrap_or_else(|e| panic!("{e}"));
        let bundle = old.to_bundle().unwrap_or_else(|e| panic!("{e}"));
        let loaded = SearchIndex::from_bundle(bundle).unwrap_or_else(|e| panic!("{e}"));
        let found = loaded.search("harbour", 0, 20, now).unwrap_or_else(|e| panic!("{e}"));
        assert!(!found.hits.is_empty() && found.hits.iter().all(|h| !h.snippet.text().is_empty()));
    }

    /// The pruned pages are exactly the pages scoring every match gives, and
    /// the count is every published match.
    #[test]
    fn pages_are_those_of_scoring_every_match() {
        let now = OffsetDateTime::now_utc();
        let index = SearchIndex::build(&stories(400, now)).unwrap_or_else(|e| panic!("{e}"));
        for text in ["harbour", "storm bridge", "harbour ferry council", "\"harbour ferry\"", "budget"] {
            let expected = every_match_ranked(&index, text, now);
            assert!(expected.len() > 20, "{text}: too few matches ({}) to test paging", expected.len());
            for offset in [0, 20, 40] {
                let page = index.search(text, offset, 20, now).unwrap_or_else(|e| panic!("{e}"));
                let slugs: Vec<String> = page.hits.iter().map(|h| h.slug.as_str().to_owned()).collect();
                let want: Vec<String> = expected.iter().skip(offset).take(20).cloned().collect();
                assert_eq!(slugs, want, "{text:?} from {offset}");
                assert_eq!(page.total, expected.len(), "{text:?}");
            }
        }
    }
}
