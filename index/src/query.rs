//! What a reader's text means to the engine.
//!
//! The syntax is deliberately small: words, and phrases in double quotes.
//! Every story must contain every word (or phrase). Every other character —
//! `*`, `:`, `+`, `-`, parentheses, an unbalanced quote — separates words, so
//! `title:ferry` is the two words `title` and `ferry`, and `AND`, `OR`,
//! `NOT` are words like any other. The result is rewritten into tantivy's
//! query language using only letters, digits, spaces and balanced quotes, so
//! nothing a reader types can reach the engine's own operators or make a
//! query fail.

/// One part of a query: a word, or the words of a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Word(String),
    Phrase(Vec<String>),
}

/// Words are runs of letters and digits (the same rule as the index's
/// tokenizer, so a query word is never split differently from the text).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// The parts of `text`: quoted stretches are phrases (an unclosed quote
/// runs to the end), the rest words.
pub fn parse(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for (i, stretch) in text.split('"').enumerate() {
        let ws = words(stretch);
        if i % 2 == 1 && ws.len() > 1 {
            parts.push(Part::Phrase(ws));
        } else {
            parts.extend(ws.into_iter().map(Part::Word));
        }
    }
    parts
}

/// The parts in tantivy's query language: lower-case words and quoted
/// phrases of lower-case words, nothing else. Empty when the text has no
/// words at all.
pub fn to_engine(parts: &[Part]) -> String {
    let rendered: Vec<String> = parts
        .iter()
        .map(|p| match p {
            Part::Word(w) => w.clone(),
            Part::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
        })
        .collect();
    rendered.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(text: &str) -> String {
        to_engine(&parse(text))
    }

    #[test]
    fn words_and_phrases() {
        assert_eq!(engine("Harbour ferry"), "harbour ferry");
        assert_eq!(engine("\"night ferry\" harbour"), "\"night ferry\" harbour");
        assert_eq!(engine("\"ferry\""), "ferry", "a one-word phrase is a word");
        assert_eq!(engine("\"night ferry"), "\"night ferry\"", "an unclosed quote runs to the end");
        assert_eq!(engine("Café Zürich 2026"), "café zürich 2026");
    }

    #[test]
    fn operators_are_words_or_separators() {
        assert_eq!(engine("title:ferry"), "title ferry");
        assert_eq!(engine("ferry AND NOT harbour OR x"), "ferry and not harbour or x");
        assert_eq!(engine("fish* (chips"), "fish chips");
        assert_eq!(engine("+a -b ^2 ~1 [c TO d] {e} a\\b 'f' <g>"), "a b 2 1 c to d e a b f g");
        for nothing in ["", "*", "\"\"", "(", ")", ":", "\"", "***", "-"] {
            assert_eq!(engine(nothing), "", "{nothing:?}");
        }
    }
}
