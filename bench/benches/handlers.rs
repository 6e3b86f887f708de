//! Handler time, in-process on the memory store, rendering included — each
//! handler beside the hello-world `lambda_http` handler measured in the same
//! run (BENCHMARKS.md).
//!
//! Every iteration is a real API Gateway v2 event from `infra/events/`
//! parsed by `lambda_http` (outside the timed part, identically for the
//! reference) and handed to the function's own `handle`, which routes,
//! reads the store, renders the page and builds the response with its
//! headers and ETag. The article's detached read count runs on the runtime's
//! worker thread, off the timed path, as on Lambda it runs after the
//! response.
//!
//! ```sh
//! cargo bench -p broadsheet-bench --bench handlers
//! ```
//!
//! After criterion's own report, a table prints every median beside the
//! reference's and the budgets: article with 50 comments ≤ 100 µs, front
//! page ≤ 50 µs (medians, on the machine that runs it).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use broadsheet::store::memory::MemoryStore;
use broadsheet_article::ArticleApp;
use broadsheet_bench::content::{self, MANY_COMMENTS_SLUG, NO_COMMENTS_SLUG, Unthrottled};
use broadsheet_bench::events::{Event, form};
use broadsheet_bench::hello::hello;
use broadsheet_comment::CommentApp;
use broadsheet_listing::ListingApp;
use broadsheet_login::LoginApp;
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion};
use lambda_http::{Body, Request, Response};
use tokio::runtime::Runtime;

const GROUP: &str = "handlers";
const REFERENCE: &str = "hello";

/// id, what it measures, budget (median) if any.
const BENCHES: [(&str, &str, Option<f64>); 8] = [
    (REFERENCE, "reference: hello-world `lambda_http` handler", None),
    ("front_page", "listing: front page `GET /` (20 stories)", Some(50_000.0)),
    ("front_page_logged_in", "listing: front page, logged in (session lookup)", None),
    ("category_page", "listing: category page `GET /category/technology`", None),
    ("article_0_comments", "article: `GET /articles/{slug}`, 0 comments", None),
    ("article_50_comments", "article: `GET /articles/{slug}`, 50 comments", Some(100_000.0)),
    ("login_page", "login: `GET /login`", None),
    ("comment_post", "comment: `POST …/comments` (validated, allowance counted, stored, 303)", None),
];

const COMMENT: &str = "Lovely to read something hopeful on a Monday. My grandfather used to see otters at the mill \
     when he was a boy; it has taken thirty years for the river to recover. More of this, please.";

fn handlers(c: &mut Criterion, rt: &Runtime) {
    let site = content::site();
    let store: MemoryStore = rt.block_on(content::seeded_store());
    let listing_app = ListingApp::new(store.clone(), site.clone());
    let article_app = ArticleApp::new(store.clone(), site.clone());
    let login_app = LoginApp::new(store.clone(), site.clone());
    // Its own store, so the comments it posts change no other benchmark's page.
    let comment_store = Unthrottled(rt.block_on(content::seeded_store()));
    let comment_app = CommentApp::new(comment_store.clone(), site);
    let reader = rt.block_on(content::log_in(&store, "bench_reader", "Bench Reader"));
    let poster = rt.block_on(content::log_in(&comment_store.0, "bench_poster", "Bench Poster"));
    // Each function's own `handle`, the one its Lambda runs.
    let listing = |r| broadsheet_listing::handle(&listing_app, r);
    let article = |r| broadsheet_article::handle(&article_app, r);
    let login = |r| broadsheet_login::handle(&login_app, r);
    let comment = |r| broadsheet_comment::handle(&comment_app, r);

    let front = Event::load("listing-front.json");
    let front_logged_in = front.clone().with_cookies(&[&reader.cookie]);
    let category = front.clone().with_path("/category/technology");
    let article_0 = Event::load("article.json").with_path(&format!("/articles/{NO_COMMENTS_SLUG}"));
    let article_50 = Event::load("article.json").with_path(&format!("/articles/{MANY_COMMENTS_SLUG}"));
    let login_page = Event::load("login-signup-form.json").with_path("/login");
    let comment_post = Event::load("comment-post.json").with_cookies(&[&poster.cookie]);
    // A fresh one-time key per post, as every rendered form carries: each
    // iteration stores a new comment rather than finding a duplicate.
    let new_post = || {
        let body = form(&[
            ("csrf_token", &poster.csrf),
            ("idempotency_key", &content::idempotency_key()),
            ("body", COMMENT),
        ]);
        comment_post.clone().with_form(&body).request()
    };

    // The benchmarks must time the intended path, not an error page.
    let status = |resp: Response<Body>| resp.status().as_u16();
    for (what, got, want) in [
        ("front", status(rt.block_on(listing(front.request()))), 200),
        ("front, logged in", status(rt.block_on(listing(front_logged_in.request()))), 200),
        ("category", status(rt.block_on(listing(category.request()))), 200),
        ("article 0", status(rt.block_on(article(article_0.request()))), 200),
        ("article 50", status(rt.block_on(article(article_50.request()))), 200),
        ("login", status(rt.block_on(login(login_page.request()))), 200),
        ("comment", status(rt.block_on(comment(new_post()))), 303),
    ] {
        assert_eq!(got, want, "{what}: unexpected status");
    }
    let logged_in_page = rt.block_on(listing(front_logged_in.request()));
    assert!(
        String::from_utf8_lossy(logged_in_page.body().as_ref()).contains("Signed in as"),
        "the logged-in benchmark must see its session"
    );

    let mut g = c.benchmark_group(GROUP);
    bench(&mut g, rt, REFERENCE, || front.request(), hello);
    bench(&mut g, rt, "front_page", || front.request(), listing);
    bench(&mut g, rt, "front_page_logged_in", || front_logged_in.request(), listing);
    bench(&mut g, rt, "category_page", || category.request(), listing);
    bench(&mut g, rt, "article_0_comments", || article_0.request(), article);
    bench(&mut g, rt, "article_50_comments", || article_50.request(), article);
    bench(&mut g, rt, "login_page", || login_page.request(), login);
    bench(&mut g, rt, "comment_post", new_post, comment);
    g.finish();
}

/// Times `handler` on requests made by `setup` (untimed), one per iteration.
fn bench<S, H, F>(g: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, id: &str, mut setup: S, mut handler: H)
where
    S: FnMut() -> Request,
    H: FnMut(Request) -> F,
    F: Future<Output = Response<Body>>,
{
    g.bench_function(id, |b| b.to_async(rt).iter_batched(&mut setup, &mut handler, BatchSize::SmallInput));
}

fn main() {
    let started = SystemTime::now();
    // One worker: the read counts the article handler detaches run there,
    // beside the timed thread, on this 2-core machine.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut c = Criterion::default().configure_from_args();
    handlers(&mut c, &rt);
    c.final_summary();
    summary(started);
}

/// Where criterion keeps its results, found the way criterion finds it.
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    let from_metadata = std::env::var_os("CARGO").and_then(|cargo| {
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .ok()?;
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        Some(PathBuf::from(meta["target_directory"].as_str()?).join("criterion"))
    });
    from_metadata.unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// The median (ns) and its 95 % confidence interval, if this run measured `id`.
fn median_ns(home: &std::path::Path, id: &str, since: SystemTime) -> Option<(f64, f64, f64)> {
    let path = home.join(GROUP).join(id).join("new").join("estimates.json");
    let fresh = std::fs::metadata(&path).and_then(|m| m.modified()).is_ok_and(|t| t >= since);
    if !fresh {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
    let m = &v["median"];
    Some((
        m["point_estimate"].as_f64()?,
        m["confidence_interval"]["lower_bound"].as_f64()?,
        m["confidence_interval"]["upper_bound"].as_f64()?,
    ))
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1_000.0 { format!("{:.1} µs", ns / 1_000.0) } else { format!("{ns:.0} ns") }
}

/// Prints every median beside the reference's and the budgets, and keeps
/// the table in `<criterion home>/broadsheet-handlers.md` for `scripts/bench.sh`.
fn summary(since: SystemTime) {
    let home = criterion_home();
    let since = since - Duration::from_secs(1);
    let Some((reference, _, _)) = median_ns(&home, REFERENCE, since) else {
        println!(
            "(no fresh estimates for the reference: criterion ran in test or list mode, or was filtered)"
        );
        return;
    };
    let mut table = String::from(
        "Handler time in-process (memory store, rendering included), criterion medians [95 % CI]\n\n\
         | handler | median | × hello-world (same run) | budget |\n|---|--:|--:|:-:|\n",
    );
    for (id, what, budget) in BENCHES {
        let Some((median, lo, hi)) = median_ns(&home, id, since) else { continue };
        let verdict = match budget {
            None if id == REFERENCE => "reference".to_owned(),
            None => "—".to_owned(),
            Some(b) if median <= b => format!("≤ {}: met", fmt_ns(b)),
            Some(b) => format!("≤ {}: OVER", fmt_ns(b)),
        };
        table.push_str(&format!(
            "| {what} | {} [{} – {}] | {:.0}× | {verdict} |\n",
            fmt_ns(median),
            fmt_ns(lo),
            fmt_ns(hi),
            median / reference
        ));
    }
    println!("\n{table}");
    let _ = std::fs::create_dir_all(&home);
    let _ = std::fs::write(home.join("broadsheet-handlers.md"), table);
}
