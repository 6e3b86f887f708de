//! How text becomes terms: the one analyzer every text field, every query
//! and every snippet uses.
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

/// Registers [`analyzer`] with `index` under [`ANALYZER`].
pub(crate) fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}

/// Word → Snowball English stem, for every process's searches.
static STEMS: LazyLock<RwLock<HashMap<Box<str>, Box<str>>>> = LazyLock::new(RwLock::default);

/// The stem of `word` (lower-case, ASCII-folded), written into `out`.
fn stem_into(stemmer: &rust_stemmers::Stemmer, word: &str, out: &mut String) {
    out.clear();
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

    fn terms(text: &str) -> Vec<String> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn words_are_folded_and_stemmed() {
        assert_eq!(terms("Fishing CAFÉS, fished!"), ["fish", "cafe", "fish"]);
        assert_eq!(terms("x".repeat(41).as_str()), Vec::<String>::new(), "a 41-byte run is not a word");
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
