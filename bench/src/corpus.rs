//! The generated corpus the search benchmarks run on: `n` Markdown article
//! files, deterministic for a seed.
//!
//! **How it is made.** The vocabulary is every distinct word (letters only,
//! 3 or more, lower-cased) of the sample content's bodies, sorted, so that
//! queries about the sample's subjects (`harbour`, `ferry`, `council`) hit
//! the corpus as they hit the site. Words are drawn with `rand`'s `StdRng`
//! seeded with [`SEED`], skewed towards the front of a shuffled copy of the
//! vocabulary (index = ⌊V·u²⌋ for uniform u), so some words are common and
//! most are rare, as in text. Each article: a title of 5–9 words, a summary
//! of 20–30, a body of 4–8 paragraphs of 40–90 words (about 400 words, the
//! sample's median), one of the twelve categories in turn, one of 40
//! authors, published two hours apart going back from 2026-11-01, all in the
//! past.

use std::fmt::Write as _;
use std::path::Path;

use broadsheet::domain::Category;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use time::macros::datetime;

/// The corpus's seed: the same files every run.
pub const SEED: u64 = 20_000;

/// The vocabulary: the sample content's body words.
pub fn vocabulary() -> Vec<String> {
    let mut words = std::collections::BTreeSet::new();
    let mut dirs = vec![Path::new(broadsheet_cli::cli::SAMPLE_CONTENT).to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let body = text.splitn(3, "---").nth(2).unwrap_or_default();
                for w in body.split(|c: char| !c.is_ascii_alphabetic()) {
                    if w.len() >= 3 {
                        words.insert(w.to_ascii_lowercase());
                    }
                }
            }
        }
    }
    words.into_iter().collect()
}

/// Writes `n` article files into `dir` (which must exist), as
/// `{category}/story-{i}.md`.
pub fn write(dir: &Path, n: usize) -> std::io::Result<()> {
    let mut vocabulary = vocabulary();
    let mut rng = StdRng::seed_from_u64(SEED);
    vocabulary.shuffle(&mut rng);
    let authors: Vec<String> = (0..40).map(|i| format!("Reporter {i:02}")).collect();
    let newest = datetime!(2026-11-01 08:00 UTC);
    for c in Category::ALL {
        std::fs::create_dir_all(dir.join(c.slug()))?;
    }
    for i in 0..n {
        let words = |count: usize, rng: &mut StdRng| -> Vec<String> {
            (0..count)
                .map(|_| {
                    let u: f64 = rng.r#gen();
                    vocabulary[((vocabulary.len() as f64) * u * u) as usize % vocabulary.len()].clone()
                })
                .collect()
        };
        let n_title = rng.gen_range(5..=9);
        let title: Vec<String> = words(n_title, &mut rng)
            .into_iter()
            .map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
            })
            .collect();
        let n_summary = rng.gen_range(20..=30);
        let summary = words(n_summary, &mut rng).join(" ");
        let category = Category::ALL[i % Category::ALL.len()];
        let published = newest - time::Duration::hours(2 * i as i64);
        let mut file = String::new();
        let _ = writeln!(file, "---");
        let _ = writeln!(file, "title: \"{}\"", title.join(" "));
        let _ = writeln!(file, "slug: story-{i:05}");
        let _ = writeln!(file, "category: {}", category.slug());
        let _ = writeln!(file, "author: {}", authors[i % authors.len()]);
        let _ = writeln!(file, "published_at: {}", broadsheet::domain::timefmt::rfc3339(published));
        let _ = writeln!(file, "summary: \"{summary}.\"");
        let _ = writeln!(file, "---");
        for _ in 0..rng.gen_range(4..=8) {
            let n_para = rng.gen_range(40..=90);
            let _ = writeln!(file, "{}.\n", words(n_para, &mut rng).join(" "));
        }
        std::fs::write(dir.join(category.slug()).join(format!("story-{i:05}.md")), file)?;
    }
    Ok(())
}
