//! How text becomes terms: the one analyzer every text field and every query
//! uses, and its twin for snippets ([`for_snippets`]), which gives the same
//! terms for every word that can match the query and skips the rest.
//!
//! Runs of letters and digits, words over 40 bytes dropped, lower-cased,
//! folded to ASCII (`café` finds `cafe`), then stemmed for English
//! (`fishing` finds `fish`) by the Snowball stemmer.
//!
//! **Why a stem cache.** Snippets re-analyse each hit's stored text at query
//! time, and the stemmer was most of a search's time: a page of 20 stories of
//! ~400 words is ~8,600 words to stem, ~8 ms. A news site's vocabulary is
//! small and repeats (a few tens of thousands of words), so the stems are
//! remembered process-wide: a word is stemmed once, then looked up. The
//! cache is bounded ([`STEM_CACHE_WORDS`]); past it, new words are stemmed
//! each time, as before. Cached or not, a word's stem is the Snowball stem,
//! so the index, the queries and the snippets always agree.
//!
//! **Why a snippet analyzer.** With the stems cached, lower-casing and
//! folding every word of 20 bodies was still most of a query; most words
//! cannot match because they begin with a letter no query term begins with.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter,
    TokenStream, Tokenizer,
};

/// The analyzer's name in an index's tokenizer manager (stored in the
/// schema, so a loaded index finds it by name).
pub(crate) const ANALYZER: &str = "broadsheet_en";

/// Longest word indexed, in bytes: longer runs are not words a reader types.
const LONGEST_WORD: usize = 40;

/// Most distinct words whose stems are remembered (~60 bytes each: a few
/// MB at most).
pub(crate) const STEM_CACHE_WORDS: usize = 100_000;

/// The analyzer.
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(CachedEnglishStemmer)
        .build()
}

/// [`analyzer`] for snippets of a query whose terms begin with the bytes
/// `initials`: a word that cannot become one of those terms is passed on
/// empty, so it is not lower-cased, folded or stemmed.
///
/// **Why it is exact.** A word whose first character is an ASCII letter or
/// digit keeps it, lower-cased, through every step: lower-casing, folding
/// (ASCII is left as it is) and the Snowball English stemmer, which only
/// rewrites endings (`cached_stems_keep_the_first_letter` checks every word
/// of the sample content). So if that character, lower-cased, begins none of
/// the terms, the word's term is none of them, and an empty token matches
/// nothing either. Words beginning with anything else go through whole. The
/// snippet keeps the word's place (its offsets), so the passages and marks
/// are the same as with [`analyzer`]: a test compares them.
pub(crate) fn for_snippets(initials: Vec<u8>) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(InitialGate { initials: initials.into() })
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(CachedEnglishStemmer)
        .build()
}

/// Empties every token whose first byte is ASCII and, lower-cased, not one
/// of `initials` (see [`for_snippets`]).
#[derive(Debug, Clone)]
struct InitialGate {
    initials: std::sync::Arc<[u8]>,
}

impl TokenFilter for InitialGate {
    type Tokenizer<T: Tokenizer> = InitialGateFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> InitialGateFilter<T> {
        InitialGateFilter { inner, initials: self.initials }
    }
}

#[derive(Clone)]
struct InitialGateFilter<T> {
    inner: T,
    initials: std::sync::Arc<[u8]>,
}

impl<T: Tokenizer> Tokenizer for InitialGateFilter<T> {
    type TokenStream<'a> = InitialGateStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        InitialGateStream { tail: self.inner.token_stream(text), initials: &self.initials }
    }
}

struct InitialGateStream<'a, T> {
    tail: T,
    initials: &'a [u8],
}

impl<T: TokenStream> TokenStream for InitialGateStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(&first) = token.text.as_bytes().first()
            && first.is_ascii()
            && !self.initials.contains(&first.to_ascii_lowercase())
        {
            token.text.clear();
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Registers [`analyzer`] with `index` under [`ANALYZER`].
pub(crate) fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}

/// Word → Snowball English stem, for every process's searches.
static STEMS: LazyLock<RwLock<HashMap<Box<str>, Box<str>>>> = LazyLock::new(RwLock::default);

/// The stem of `word` (lower-case, ASCII-folded), written into `out`.
fn stem_into(stemmer: &rust_stemmers::Stemmer, word: &str, out: &mut String) {
    out.clear();
    if word.is_empty() {
        return;
    }
    if let Ok(stems) = STEMS.read()
        && let Some(stem) = stems.get(word)
    {
        out.push_str(stem);
        return;
    }
    out.push_str(&stemmer.stem(word));
    if let Ok(mut stems) = STEMS.write()
        && stems.len() < STEM_CACHE_WORDS
    {
        stems.insert(word.into(), out.as_str().into());
    }
}

/// Tantivy's English `Stemmer` filter, remembering its stems in [`STEMS`].
#[derive(Debug, Clone, Copy)]
struct CachedEnglishStemmer;

impl TokenFilter for CachedEnglishStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter { inner }
    }
}

#[derive(Clone)]
struct CachedStemmerFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English),
            buffer: String::new(),
        }
    }
}

struct CachedStemmerStream<T> {
    tail: T,
    stemmer: rust_stemmers::Stemmer,
    buffer: String,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        stem_into(&self.stemmer, &token.text, &mut self.buffer);
        std::mem::swap(&mut token.text, &mut self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token texts `analyzer` makes of `text`.
    fn tokens(mut analyzer: TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    fn terms(text: &str) -> Vec<String> {
        tokens(analyzer(), text)
    }

    #[test]
    fn words_are_folded_and_stemmed() {
        assert_eq!(terms("Fishing CAFÉS, fished!"), ["fish", "cafe", "fish"]);
        assert_eq!(terms("x".repeat(41).as_str()), Vec::<String>::new(), "a 41-byte run is not a word");
    }

    /// The property [`for_snippets`] relies on, for every word of the sample
    /// content and a few the stemmer rewrites most.
    #[test]
    fn cached_stems_keep_the_first_letter() {
        let content = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/content");
        let mut dirs = vec![std::path::PathBuf::from(content)];
        let mut words =
            vec!["dying".to_owned(), "skies".into(), "ying".into(), "yearly".into(), "ies".into()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    words.extend(terms_unstemmed(&std::fs::read_to_string(&path).unwrap_or_default()));
                }
            }
        }
        assert!(words.len() > 10_000, "the sample content was read ({} words)", words.len());
        let mut analyzer = analyzer();
        for word in words {
            let stemmed = analyzer.token_stream(&word).next().map(|t| t.text.clone()).unwrap_or_default();
            assert_eq!(stemmed.as_bytes().first(), word.as_bytes().first(), "{word} → {stemmed}");
        }
    }

    /// Lower-cased, folded words, as the stemmer receives them.
    fn terms_unstemmed(text: &str) -> Vec<String> {
        let unstemmed = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        tokens(unstemmed, text)
    }

    #[test]
    fn the_gate_empties_only_words_that_cannot_match() {
        let gated = tokens(for_snippets(b"fh".to_vec()), "Fishing in the Harbour, café 2026");
        assert_eq!(gated, ["fish", "", "", "harbour", "", ""]);
    }

    /// Twice over, so the second pass reads every stem from the cache: the
    /// cached stems are the stemmer's own.
    #[test]
    fn cached_stems_are_the_snowball_stems() {
        let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
        let words = ["harbours", "running", "generously", "skies", "dying", "news", "ferries", "2026"];
        for _ in 0..2 {
            for word in words {
                let mut out = String::from("left over");
                stem_into(&stemmer, word, &mut out);
                assert_eq!(out, stemmer.stem(word), "{word}");
            }
        }
    }
}
