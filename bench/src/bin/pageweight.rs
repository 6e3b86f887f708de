//! `bench-pageweight`: HTML bytes of each page type, as the handlers render
//! them (the same bytes `broadsheet serve` and a Lambda send), for the
//! page-weight budgets: front page ≤ 30 KB, an article with 10 comments
//! ≤ 30 KB (KB = 1,000 bytes, the stricter reading).
//!
//! ```sh
//! cargo run --release -p broadsheet-bench --bin bench-pageweight
//! ```

use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ReadBatch, ReadCounter, TrendingAggregator};
use broadsheet_article::ArticleApp;
use broadsheet_bench::content::{self, MANY_COMMENTS_SLUG, NO_COMMENTS_SLUG, SOME_COMMENTS_SLUG};
use broadsheet_bench::events::Event;
use broadsheet_listing::ListingApp;
use broadsheet_login::LoginApp;
use lambda_http::{Body, Response};

const BUDGET_BYTES: usize = 30_000;

fn bytes(resp: &Response<Body>) -> usize {
    assert_eq!(resp.status(), 200, "every measured page renders");
    resp.body().len()
}

#[tokio::main]
async fn main() {
    let out_path = std::env::args().nth(1);
    let store: MemoryStore = content::seeded_store().await;
    let site = content::site();
    let listing = ListingApp::new(store.clone(), site.clone());
    let article = ArticleApp::new(store.clone(), site.clone());
    let login = LoginApp::new(store.clone(), site.clone());
    let reader = content::log_in(&store, "weigher", "Page Weigher").await;
    let logged_in = [reader.cookie.as_str()];

    let front = Event::load("listing-front.json");
    let article_at = |slug: &str| Event::load("article.json").with_path(&format!("/articles/{slug}"));
    let signup_form = Event::load("login-signup-form.json");
    // The HTML bytes of `event`'s page, from the function that serves it.
    let listing_page =
        async |event: Event| bytes(&broadsheet_listing::handle(&listing, event.request()).await);
    let article_page =
        async |event: Event| bytes(&broadsheet_article::handle(&article, event.request()).await);
    let login_page = async |event: Event| bytes(&broadsheet_login::handle(&login, event.request()).await);
    let mut rows: Vec<(&str, usize, bool)> = vec![
        ("front page `/` (20 stories)", listing_page(front.clone()).await, true),
        ("front page `/`, logged in", listing_page(front.clone().with_cookies(&logged_in)).await, false),
        (
            "category page `/category/technology`",
            listing_page(front.clone().with_path("/category/technology")).await,
            false,
        ),
        ("article, 0 comments", article_page(article_at(NO_COMMENTS_SLUG)).await, false),
        ("article, 10 comments", article_page(article_at(SOME_COMMENTS_SLUG)).await, true),
        (
            "article, 10 comments, logged in (comment form)",
            article_page(article_at(SOME_COMMENTS_SLUG).with_cookies(&logged_in)).await,
            false,
        ),
        ("article, 50 comments (a full page)", article_page(article_at(MANY_COMMENTS_SLUG)).await, false),
        ("login page `/login`", login_page(signup_form.clone().with_path("/login")).await, false),
        ("sign-up page `/signup`", login_page(signup_form).await, false),
    ];
    // #TrendingNews with the articles above read, as the beacon would count them.
    let reads = [NO_COMMENTS_SLUG, SOME_COMMENTS_SLUG, MANY_COMMENTS_SLUG]
        .into_iter()
        .map(|s| (broadsheet::domain::Slug::parse(s).expect("a sample slug"), 1))
        .collect();
    let now = time::OffsetDateTime::now_utc();
    store.add_reads(&ReadBatch::new(now - time::Duration::minutes(1), reads)).await.expect("count reads");
    store.refresh_trending(now).await.expect("rank");
    let trending_bytes = listing_page(front.clone().with_path("/trending")).await;
    rows.push(("#TrendingNews `/trending`", trending_bytes, false));

    let mut table = String::from(
        "Page weight: HTML bytes as rendered by the handlers (uncompressed), sample content, comments 30–435 characters\n\n\
         | page | HTML bytes | budget |\n|---|--:|:-:|\n",
    );
    for (page, n, budgeted) in rows {
        let budget = match (budgeted, n <= BUDGET_BYTES) {
            (false, _) => "—".to_owned(),
            (true, true) => "≤ 30 KB: met".to_owned(),
            (true, false) => "≤ 30 KB: OVER".to_owned(),
        };
        table.push_str(&format!("| {page} | {n} | {budget} |\n"));
    }
    println!("{table}");
    if let Some(path) = out_path {
        std::fs::write(&path, &table).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    }
}
