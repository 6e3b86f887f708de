//! The whole site on a free loopback port, as a reader's browser would meet it.

use std::path::Path;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use broadsheet::config::{Site, SiteOrigin};
use broadsheet::store::dynamo::DynamoStore;
use broadsheet::store::memory::MemoryStore;
use broadsheet_cli::cli::SAMPLE_CONTENT;
use broadsheet_cli::serve::{self, Apps, SiteStore};
pub use broadsheet_testkit::Backend;
use broadsheet_testkit::faults::FaultProxy;

/// A running site; the server stops when this is dropped.
#[derive(Debug)]
pub struct TestSite {
    pub base: String,
    pub client: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
    trending: Aggregator,
}

/// Runs the site's #TrendingNews aggregation on demand: what the schedule
/// does once a minute when deployed, and `broadsheet serve` in the background.
struct Aggregator(Box<dyn Fn() -> futures::future::BoxFuture<'static, ()> + Send + Sync>);

impl std::fmt::Debug for Aggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Aggregator")
    }
}

impl Aggregator {
    fn of<S: SiteStore>(apps: &Arc<Apps<S>>) -> Aggregator {
        let apps = apps.clone();
        Aggregator(Box::new(move || {
            let apps = apps.clone();
            Box::pin(async move {
                // The settling time is for flushes still in flight in other
                // environments; here the one tally was just flushed.
                let now = time::OffsetDateTime::now_utc() + broadsheet::store::trending::SETTLE;
                serve::refresh_trending(&apps, now).await.expect("refresh #TrendingNews");
            })
        }))
    }
}

impl Drop for TestSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A reader's browser, as the read beacon sees it.
pub const READER_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// The public origin the test sites claim; deliberately not their real address,
/// so tests can see that links come from configuration, not from `Host`.
pub const TEST_ORIGIN: &str = "https://news.example.test";

impl TestSite {
    /// Starts the site on `backend`, seeded with the sample content.
    pub async fn start(backend: Backend) -> TestSite {
        match backend {
            Backend::Memory => Self::start_with(MemoryStore::new()).await,
            Backend::Dynamo => Self::start_with(broadsheet_testkit::dynamo::fresh_store().await).await,
        }
    }

    /// Starts the site on `store`, seeded with the sample content.
    pub async fn start_with<S: SiteStore + broadsheet::store::ArticleWriter>(store: S) -> TestSite {
        broadsheet_cli::import::import_dir(&store, Path::new(SAMPLE_CONTENT))
            .await
            .expect("sample content imports");
        Self::start_unseeded(store).await
    }

    /// Starts the site on `backend`, seeded with the sample content, with its
    /// own address as its origin (`http://127.0.0.1:PORT`) instead of
    /// [`TEST_ORIGIN`]: for a real browser, whose `Origin` header on every
    /// form POST must equal the site's origin or the POST is refused (`403`).
    /// The listener is bound first, so the origin can name its port.
    pub async fn start_at_own_origin(backend: Backend) -> TestSite {
        match backend {
            Backend::Memory => Self::own_origin_with(MemoryStore::new()).await,
            Backend::Dynamo => Self::own_origin_with(broadsheet_testkit::dynamo::fresh_store().await).await,
        }
    }

    /// As [`TestSite::start_at_own_origin`], on `store` (keep a clone to
    /// act on the site's data from the test, e.g. to grant a role).
    pub async fn own_origin_with<S: SiteStore + broadsheet::store::ArticleWriter>(store: S) -> TestSite {
        broadsheet_cli::import::import_dir(&store, Path::new(SAMPLE_CONTENT))
            .await
            .expect("sample content imports");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let base = format!("http://{addr}");
        let site = Site::new(SiteOrigin::parse(&base).expect("valid origin"));
        let apps = Arc::new(Apps::new(store, site));
        let trending = Aggregator::of(&apps);
        let server = tokio::spawn(async move {
            if let Err(e) = serve::serve(listener, apps).await {
                eprintln!("test site stopped: {e}");
            }
        });
        TestSite { base, client: Self::http_client(), server, trending }
    }

    fn http_client() -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client")
    }

    /// Starts the site on `store` as it is.
    pub async fn start_unseeded<S: SiteStore>(store: S) -> TestSite {
        let site = Site::new(SiteOrigin::parse(TEST_ORIGIN).expect("valid origin"));
        Self::start_site(store, site).await
    }

    /// Starts the site on the memory store, seeded with the sample content,
    /// as it runs behind its CDN: only requests carrying `secret` in
    /// `x-origin-verify` are served.
    pub async fn behind_cdn(secret: &str) -> TestSite {
        let store = MemoryStore::new();
        broadsheet_cli::import::import_dir(&store, Path::new(SAMPLE_CONTENT))
            .await
            .expect("sample content imports");
        let secret = broadsheet::config::OriginSecret::parse(secret).expect("a valid test secret");
        let site = Site::new(SiteOrigin::parse(TEST_ORIGIN).expect("valid origin")).behind_cdn(secret);
        Self::start_site(store, site).await
    }

    async fn start_site<S: SiteStore>(store: S, site: Site) -> TestSite {
        let apps = Arc::new(Apps::new(store, site));
        let trending = Aggregator::of(&apps);
        let (addr, server) = serve::spawn(apps).await.expect("bind 127.0.0.1:0");
        TestSite { base: format!("http://{addr}"), client: Self::http_client(), server, trending }
    }

    /// What a reader's browser does once it has the article page at
    /// `article_path`: loads the page's read beacon (as a desktop Firefox:
    /// the beacon does not count crawlers, headless browsers included).
    pub async fn load_beacon(&self, article_path: &str) {
        let url = self.url(&broadsheet::views::read_beacon_path(article_path));
        let resp = self.client.get(url).header("user-agent", READER_USER_AGENT).send().await.expect("beacon");
        assert_eq!(resp.status(), 200, "the beacon of {article_path}");
        assert_eq!(resp.headers()["cache-control"], "private, no-store", "the beacon is never cached");
    }

    /// Flushes the reads the beacon counted and ranks #TrendingNews now.
    pub async fn refresh_trending(&self) {
        (self.trending.0)().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET `path`, returning the response.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request reaches the test server")
    }

    /// GET `path` and return (status, body).
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let resp = self.get(path).await;
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }
}

/// The whole site on DynamoDB, reaching the test server only through a
/// [`FaultProxy`] that a test switches between passing through and failing.
/// The site's client is set up as production's ([`client_at`]); the table is
/// fresh and seeded with the sample content.
///
/// [`client_at`]: broadsheet_testkit::dynamo::client_at
#[derive(Debug)]
pub struct FaultySite {
    pub site: TestSite,
    pub proxy: FaultProxy,
    /// The same table, straight to the test server and past the proxy: for
    /// setting up and for checking what a fault left in the table.
    pub direct: DynamoStore,
    /// The client behind [`FaultySite::direct`].
    pub direct_client: Client,
    pub table: String,
}

impl FaultySite {
    pub async fn start() -> FaultySite {
        let (direct_client, table) = broadsheet_testkit::dynamo::fresh_table().await;
        let direct = DynamoStore::new(direct_client.clone(), table.clone());
        broadsheet_cli::import::import_dir(&direct, Path::new(SAMPLE_CONTENT))
            .await
            .expect("sample content imports");
        let proxy = FaultProxy::start(&broadsheet_testkit::dynamo::endpoint()).await;
        let client = broadsheet_testkit::dynamo::client_at(proxy.endpoint()).await;
        let site = TestSite::start_unseeded(DynamoStore::new(client, table.clone())).await;
        FaultySite { site, proxy, direct, direct_client, table }
    }
}
