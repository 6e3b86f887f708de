//! `bench-search`: search's figures (BENCHMARKS.md, "Search").
//!
//! On the sample content and on a generated corpus ([`broadsheet_bench::corpus`],
//! 20,000 articles by default):
//!
//! * **handler median** of `GET /search` for a one-word, a three-word and a
//!   phrase query — the search function's whole edge and handler, in
//!   process, on a memory store, the index in memory — beside the listing
//!   function's front page on the same store (the reference, same run);
//! * **queries not seen before**: the median of 40 different words asked
//!   once each, so their hits' stored text is mostly not in tantivy's block
//!   cache (the repeated queries above find it there);
//! * **import**: the corpus's files parsed, rendered, sanitised and stored
//!   (`broadsheet import`'s work, into the memory store: a DynamoDB import's
//!   time is the table's write throughput), then the index built from the
//!   stored articles and packed (what `--index-bucket` adds);
//! * **index size**: the archive (the S3 object) and the memory the
//!   loaded index holds (the archive itself, which it is served from, and
//!   what opening it and one query add).
//!
//! Cold start with the index loaded from S3 is `bench-coldstart`'s.
//!
//! ```sh
//! cargo build --release -p broadsheet-bench --bin bench-search
//! target/release/bench-search --out target/bench/search.md
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use broadsheet::config::{Site, SiteOrigin};
use broadsheet::store::ArticleWriter;
use broadsheet::store::memory::MemoryStore;
use broadsheet_index::{LiveIndex, SearchIndex};
use broadsheet_listing::ListingApp;
use clap::Parser;
use lambda_http::{Body, Request};

#[derive(Debug, Parser)]
#[command(about = "Search handler medians, index size and import time, on the sample and a generated corpus")]
struct Args {
    /// Articles in the generated corpus.
    #[arg(long, default_value_t = 20_000)]
    articles: usize,
    /// Timed requests per query (after 20 untimed).
    #[arg(long, default_value_t = 300)]
    runs: usize,
    /// Also write the Markdown here.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The queries timed: (label, query string as sent).
const QUERIES: [(&str, &str); 3] = [
    ("one word: harbour", "q=harbour"),
    ("three words: harbour ferry council", "q=harbour+ferry+council"),
    ("phrase: \"port aldous\"", "q=%22port+aldous%22"),
];

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let site = Site::new(SiteOrigin::parse("https://news.example.com")?);
    let mut md = String::new();

    let sample = MemoryStore::new();
    broadsheet_cli::import::import_dir(&sample, std::path::Path::new(broadsheet_cli::cli::SAMPLE_CONTENT))
        .await?;
    let sample_index = SearchIndex::build(&sample.searchable_articles().await?)?;
    let sample_bytes = sample_index.to_bundle()?.len();

    let dir = std::env::temp_dir().join(format!("bench-search-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let t = Instant::now();
    broadsheet_bench::corpus::write(&dir, args.articles)?;
    let generate = t.elapsed();
    let files_bytes = dir_bytes(&dir);
    let corpus = MemoryStore::new();
    let t = Instant::now();
    let report = broadsheet_cli::import::import_dir(&corpus, &dir).await;
    let import = t.elapsed();
    std::fs::remove_dir_all(&dir)?;
    report?;
    let t = Instant::now();
    let articles = corpus.searchable_articles().await?;
    let built = SearchIndex::build(&articles)?;
    let build = t.elapsed();
    let t = Instant::now();
    let bundle = built.to_bundle()?;
    let pack = t.elapsed();
    drop((built, articles));
    // The loaded index is served from the archive itself: its memory is the
    // archive plus what opening it and one query add.
    let archive_bytes = bundle.len();
    // For the row of queries not asked before, which opens an index of its own.
    let spare = bundle.clone();
    let rss_before = rss_kib();
    let t = Instant::now();
    let loaded = SearchIndex::from_bundle(bundle)?;
    let open = t.elapsed();
    loaded.search("harbour", 0, 20, time::OffsetDateTime::now_utc())?;
    let rss_after = rss_kib();

    md.push_str(&format!(
        "Search on {} generated articles (seed {}, `bench/src/corpus.rs`; {:.1} MB of Markdown, written in {:.1} s)\n\n\
         | step | time |\n|---|--:|\n\
         | import: parse, render, sanitise, store (memory store) | {:.1} s |\n\
         | index: build from the stored articles (one segment) | {:.1} s |\n\
         | index: pack the archive | {:.0} ms |\n\
         | index: open the archive in memory (cold-start work besides the download) | {:.0} ms |\n\n\
         | index | sample content ({} stories) | generated ({} stories) |\n|---|--:|--:|\n\
         | archive (the S3 object) | {:.2} MB | {:.1} MB |\n\
         | memory the loaded index holds (the archive it is served from + what opening and one query add) | — | {:.1} MB |\n\n",
        args.articles,
        broadsheet_bench::corpus::SEED,
        files_bytes as f64 / 1e6,
        generate.as_secs_f64(),
        import.as_secs_f64(),
        build.as_secs_f64(),
        ms(pack),
        ms(open),
        sample_index.len(),
        loaded.len(),
        sample_bytes as f64 / 1e6,
        archive_bytes as f64 / 1e6,
        (archive_bytes as f64 + rss_after.saturating_sub(rss_before) as f64 * 1024.0) / 1e6,
    ));

    md.push_str(&format!(
        "Handler medians of {} requests each (in process, memory store, release build)\n\n\
         | request | sample content (µs) | {} generated (µs) |\n|---|--:|--:|\n",
        args.runs, args.articles
    ));
    let mut rows: Vec<(String, Vec<f64>)> = Vec::new();
    for (store, index) in [(sample, sample_index), (corpus, loaded)] {
        let search = broadsheet_search::app(store.clone(), site.clone(), Arc::new(LiveIndex::fixed(index)));
        let listing = ListingApp::new(store, site.clone());
        let mut col = Vec::new();
        for (_, q) in QUERIES {
            col.push(
                median_us(args.runs, || async {
                    let resp = broadsheet_search::handle(&search, get(&format!("/search?{q}"))).await;
                    check(resp, "<mark>")
                })
                .await?,
            );
        }
        col.push(
            median_us(args.runs, || async {
                check(broadsheet_listing::handle(&listing, get("/")).await, "card")
            })
            .await?,
        );
        for (i, v) in col.into_iter().enumerate() {
            if rows.len() <= i {
                let label = QUERIES.get(i).map_or("reference: listing GET / (20 cards)", |q| q.0);
                rows.push((label.to_owned(), Vec::new()));
            }
            rows[i].1.push(v);
        }
    }
    for (label, v) in rows {
        md.push_str(&format!("| {label} | {:.0} | {:.0} |\n", v[0], v[1]));
    }
    let (median, found) = distinct_queries(spare, &site).await?;
    md.push_str(&format!(
        "\nQueries a warm function has not seen: {DISTINCT} different words spread over the corpus's \
         vocabulary, each asked once of an index opened afresh and asked one other query first (so \
         its hits' document-store blocks are mostly not cached): median {median:.0} µs \
         ({found} of {DISTINCT} found stories).\n"
    ));
    println!("{md}");
    if let Some(out) = &args.out {
        std::fs::write(out, &md)?;
    }
    Ok(())
}

/// Words asked in the distinct-queries row.
const DISTINCT: usize = 40;

/// The handler median over [`DISTINCT`] words spread over the corpus's
/// vocabulary, each asked once, in turn, of one index opened afresh from
/// `bundle` and warmed by one other query (not timed); and how many found
/// anything.
async fn distinct_queries(bundle: Vec<u8>, site: &Site) -> Result<(f64, usize), Error> {
    let index = SearchIndex::from_bundle(bundle)?;
    let search = broadsheet_search::app(MemoryStore::new(), site.clone(), Arc::new(LiveIndex::fixed(index)));
    check(broadsheet_search::handle(&search, get("/search?q=harbour")).await, "<mark>")?;
    let vocabulary = broadsheet_bench::corpus::vocabulary();
    let step = (vocabulary.len() / DISTINCT).max(1);
    let mut times = Vec::with_capacity(DISTINCT);
    let mut found = 0;
    for word in vocabulary.iter().step_by(step).take(DISTINCT) {
        let t = Instant::now();
        let resp = broadsheet_search::handle(&search, get(&format!("/search?q={word}"))).await;
        times.push(t.elapsed().as_secs_f64() * 1e6);
        if resp.status() != 200 {
            return Err(format!("{word}: answered {}", resp.status()).into());
        }
        found += usize::from(!String::from_utf8_lossy(resp.body().as_ref()).contains("No stories match"));
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], found))
}

fn get(uri: &str) -> Request {
    lambda_http::http::Request::builder().uri(uri).body(Body::Empty).unwrap_or_default()
}

/// The response must be a 200 holding `marker` (results, cards): else the
/// benchmark timed the wrong path.
fn check(resp: lambda_http::Response<Body>, marker: &str) -> Result<(), Error> {
    let body = String::from_utf8_lossy(resp.body().as_ref()).into_owned();
    if resp.status() != 200 || !body.contains(marker) {
        return Err(format!("answered {} without {marker:?}", resp.status()).into());
    }
    Ok(())
}

async fn median_us<F, Fut>(runs: usize, f: F) -> Result<f64, Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    for _ in 0..20 {
        f().await?;
    }
    let mut xs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        xs.push(t.elapsed().as_secs_f64() * 1e6);
    }
    xs.sort_by(f64::total_cmp);
    Ok(xs[xs.len() / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// This process's resident set (`VmRSS`, KiB).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                total += e.metadata().map_or(0, |m| m.len());
            }
        }
    }
    total
}
