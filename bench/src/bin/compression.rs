//! `bench-compression`: what compressing a page at the origin costs and
//! saves, at every Brotli quality and gzip level, beside the cost of
//! rendering the same page (its handler, measured in the same run) — the
//! figures the site's levels were chosen by (BENCHMARKS.md, "Compression").
//!
//! ```sh
//! cargo run --release -p broadsheet-bench --bin bench-compression [OUT.md]
//! ```

use std::time::{Duration, Instant};

use broadsheet::http::compress::{BROTLI_QUALITY, GZIP_LEVEL, brotli_at, gzip_at};
use broadsheet::store::memory::MemoryStore;
use broadsheet_article::ArticleApp;
use broadsheet_bench::content::{self, SOME_COMMENTS_SLUG};
use broadsheet_bench::events::Event;
use broadsheet_listing::ListingApp;

/// Runs per figure; the median is printed.
const RUNS: usize = 201;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut out = 0;
    let samples = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            out = std::hint::black_box(f());
            started.elapsed()
        })
        .collect();
    (median(samples), out)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main]
async fn main() {
    let out_path = std::env::args().nth(1);
    let store: MemoryStore = content::seeded_store().await;
    let site = content::site();
    let listing = ListingApp::new(store.clone(), site.clone());
    let article = ArticleApp::new(store.clone(), site.clone());
    let front = Event::load("listing-front.json");
    let story = Event::load("article.json").with_path(&format!("/articles/{SOME_COMMENTS_SLUG}"));

    let mut table = String::from(
        "Compression at the origin: bytes and median time to compress each page (201 runs), \
         beside the median time to render it (its handler, memory store)\n\n\
         | page | coding | bytes | compress | render | compress ÷ render |\n|---|---|--:|--:|--:|--:|\n",
    );
    for (name, page) in [("front page (20 stories)", &front), ("article, 10 comments", &story)] {
        let render = |_: ()| async {
            // Uncompressed: the fixtures accept gzip and Brotli, as browsers do.
            let mut req = page.request();
            req.headers_mut().remove("accept-encoding");
            let resp = if std::ptr::eq(page, &front) {
                broadsheet_listing::handle(&listing, req).await
            } else {
                broadsheet_article::handle(&article, req).await
            };
            resp.body().to_vec()
        };
        let html = render(()).await;
        let mut samples = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            std::hint::black_box(render(()).await);
            samples.push(started.elapsed());
        }
        let rendered = median(samples);
        table.push_str(&format!("| {name} | identity | {} | — | {} | — |\n", html.len(), us(rendered)));
        let mut row = |coding: String, chosen: bool, (took, bytes): (Duration, usize)| {
            let mark = if chosen { " **(used)**" } else { "" };
            table.push_str(&format!(
                "| {name} | {coding}{mark} | {bytes} | {} | {} | {:.2} |\n",
                us(took),
                us(rendered),
                took.as_secs_f64() / rendered.as_secs_f64()
            ));
        };
        for q in [1, 3, 4, 5, 6, 8, 11] {
            row(format!("br q{q}"), q == BROTLI_QUALITY, time(|| brotli_at(&html, q).len()));
        }
        for level in [1, 6, 9] {
            row(format!("gzip {level}"), level == GZIP_LEVEL, time(|| gzip_at(&html, level).len()));
        }
    }
    print!("{table}");
    if let Some(path) = out_path {
        std::fs::write(path, &table).expect("write the table");
    }
}
