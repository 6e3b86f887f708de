//! `bench-pageweight`: HTML bytes of each page type, as the handlers render
//! them (the same bytes `broadsheet serve` and a Lambda send), for the
//! page-weight budgets: front page ≤ 30 KB, an article with 10 comments
//! ≤ 30 KB (KB = 1,000 bytes, the stricter reading).
//!
//! ```sh
//! cargo run --release -p broadsheet-bench --bin bench-pageweight
//! ```

use broadsheet::store::memory::MemoryStore;
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
    let page = |path: &str| Event::load("article.json").with_path(path);
    let mut rows: Vec<(&str, usize, bool)> = vec![
        (
            "front page `/` (20 stories)",
            bytes(&broadsheet_listing::handle(&listing, front.request()).await),
            true,
        ),
        (
            "front page `/`, logged in",
            bytes(
                &broadsheet_listing::handle(&listing, front.clone().with_cookies(&logged_in).request()).await,
            ),
            false,
        ),
        (
            "category page `/category/technology`",
            bytes(
                &broadsheet_listing::handle(
                    &listing,
                    front.clone().with_path("/category/technology").request(),
                )
                .await,
            ),
            false,
        ),
        (
            "article, 0 comments",
            bytes(
                &broadsheet_article::handle(
                    &article,
                    page(&format!("/articles/{NO_COMMENTS_SLUG}")).request(),
                )
                .await,
            ),
            false,
        ),
        (
            "article, 10 comments",
            bytes(
                &broadsheet_article::handle(
                    &article,
                    page(&format!("/articles/{SOME_COMMENTS_SLUG}")).request(),
                )
                .await,
            ),
            true,
        ),
        (
            "article, 10 comments, logged in (comment form)",
            bytes(
                &broadsheet_article::handle(
                    &article,
                    page(&format!("/articles/{SOME_COMMENTS_SLUG}")).with_cookies(&logged_in).request(),
                )
                .await,
            ),
            false,
        ),
        (
            "article, 50 comments (a full page)",
            bytes(
                &broadsheet_article::handle(
                    &article,
                    page(&format!("/articles/{MANY_COMMENTS_SLUG}")).request(),
                )
                .await,
            ),
            false,
        ),
        (
            "login page `/login`",
            bytes(
                &broadsheet_login::handle(
                    &login,
                    Event::load("login-signup-form.json").with_path("/login").request(),
                )
                .await,
            ),
            false,
        ),
        (
            "sign-up page `/signup`",
            bytes(&broadsheet_login::handle(&login, Event::load("login-signup-form.json").request()).await),
            false,
        ),
    ];
    // #TrendingNews after the article views above have been counted, so it lists them.
    article.handler.flush_reads().await;
    let trending = front.clone().with_path("/trending").request();
    let trending_bytes = bytes(&broadsheet_listing::handle(&listing, trending).await);
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
