//! `bench-spike`: the day a story breaks. Many readers arrive at once on one
//! article (and the front page), first through a real HTTP cache configured
//! as the CDN is (nginx's `proxy_cache`: docs/edge.md), then straight at the
//! origin, in one run; each on a fresh table on the DynamoDB stand-in (moto).
//!
//! The origin is the local server's code (`broadsheet_cli::serve`, the same
//! handlers as every function) in this process, so that its work can be
//! counted rather than estimated: pages rendered and other origin requests
//! (from the edge's one log line per request), DynamoDB requests by kind and
//! the most writes any one item took in a second (an SDK interceptor), and
//! the reads #TrendingNews counted (the aggregator run once the spike ends)
//! against the article views served.
//!
//! ```sh
//! bash scripts/with-moto.sh cargo run --release -p broadsheet-bench --bin bench-spike -- [--readers 64] [--seconds 20] [--out OUT.md]
//! ```
//! (`scripts/bench.sh` runs it as the step `spike`; it needs `nginx` on PATH
//! or in /usr/sbin.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broadsheet::config::{OriginSecret, Site, SiteOrigin};
use broadsheet::domain::TRENDING_SIZE;
use broadsheet::store::TrendingReader;
use broadsheet::store::dynamo::{DynamoStore, RequestCounter};
use broadsheet_cli::cli::SAMPLE_CONTENT;
use broadsheet_cli::serve::{self, Apps};
use clap::Parser;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::SubscriberExt as _;

const SECRET: &str = "spike-benchmark-origin-secret-0123456789";
/// What a desktop browser sends (the beacon does not count crawlers).
const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

#[derive(Debug, Parser)]
struct Args {
    /// Readers reading at once.
    #[arg(long, default_value_t = 64)]
    readers: usize,
    /// Readers at once on the path without the cache: every view is then a
    /// render and DynamoDB reads, and moto (one Python process, not DynamoDB)
    /// answers a few hundred requests a second, so the crowd there is smaller;
    /// the figures are per 1,000 views either way.
    #[arg(long, default_value_t = 8)]
    direct_readers: usize,
    /// How long the spike lasts, per path.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Where to write the table (Markdown).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Requests the origin answered, by route pattern, from the edge's log line.
#[derive(Clone, Default)]
struct OriginLog(Arc<Mutex<BTreeMap<String, u64>>>);

struct RouteField(Option<String>, bool);

impl Visit for RouteField {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "route" => self.0 = Some(format!("{value:?}")),
            "message" => self.1 = format!("{value:?}") == "request",
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for OriginLog {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut fields = RouteField(None, false);
        event.record(&mut fields);
        if let RouteField(Some(route), true) = fields {
            *self.0.lock().expect("origin log").entry(route).or_insert(0) += 1;
        }
    }
}

impl OriginLog {
    fn take(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.0.lock().expect("origin log"))
    }
}

/// What the readers saw.
#[derive(Default)]
struct Seen {
    article_views: AtomicU64,
    article_bytes: AtomicU64,
    front_views: AtomicU64,
    front_bytes: AtomicU64,
    errors: AtomicU64,
}

/// One path's figures.
struct Run {
    name: &'static str,
    seconds: u64,
    article_views: u64,
    front_views: u64,
    errors: u64,
    article_bytes: f64,
    front_bytes: f64,
    rendered: u64,
    other_origin: u64,
    dynamo: BTreeMap<String, usize>,
    busiest: Option<(String, usize)>,
    counted: u64,
}

const READS: [&str; 4] = ["GetItem", "Query", "BatchGetItem", "Scan"];
const WRITES: [&str; 5] = ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"];

impl Run {
    fn views(&self) -> f64 {
        (self.article_views + self.front_views).max(1) as f64
    }
    fn per_1000(&self, n: f64) -> f64 {
        n * 1000.0 / self.views()
    }
    fn sum(&self, kinds: &[&str]) -> f64 {
        kinds.iter().map(|k| *self.dynamo.get(*k).unwrap_or(&0) as f64).sum()
    }
}

/// The readers: each, until `until`, reads the article (and loads its beacon,
/// as a browser loads the page's images) four times in five, else the front
/// page, accepting gzip and Brotli like a browser.
async fn spike(base: &str, article: &str, readers: usize, until: Instant) -> Arc<Seen> {
    let seen = Arc::new(Seen::default());
    let client = reqwest::Client::builder().pool_max_idle_per_host(readers).build().expect("client");
    let mut tasks = Vec::new();
    for reader in 0..readers {
        let (client, seen, base, article) =
            (client.clone(), seen.clone(), base.to_owned(), article.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut i = reader;
            while Instant::now() < until {
                i += 1;
                let front = i % 5 == 0;
                let path = if front { "/".to_owned() } else { article.clone() };
                let get = client
                    .get(format!("{base}{path}"))
                    .header("accept-encoding", "gzip, deflate, br")
                    .header("user-agent", BROWSER);
                let Ok(resp) = get.send().await else {
                    seen.errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let status = resp.status().as_u16();
                let headers: usize = resp.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
                let body = resp.bytes().await.map(|b| b.len()).unwrap_or(0);
                if status != 200 {
                    seen.errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let wire = (headers + body + 17) as u64; // + the status line
                if front {
                    seen.front_views.fetch_add(1, Ordering::Relaxed);
                    seen.front_bytes.fetch_add(wire, Ordering::Relaxed);
                } else {
                    seen.article_views.fetch_add(1, Ordering::Relaxed);
                    seen.article_bytes.fetch_add(wire, Ordering::Relaxed);
                    let beacon = client.get(format!("{base}{article}/read")).header("user-agent", BROWSER);
                    if beacon.send().await.map(|r| r.status().as_u16()).unwrap_or(0) != 200 {
                        seen.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    seen
}

/// nginx configured as the CDN's cache policy: the cache key is the path, the
/// query strings pages read and the session cookie (and the coding, which
/// CloudFront normalises to br/gzip/none); TTLs from the origin's
/// `Cache-Control` (`s-maxage`, `stale-while-revalidate`, `stale-if-error`);
/// `Vary` ignored as CloudFront does; the beacon never cached; the origin
/// secret and the viewer address added on the way in.
fn nginx_conf(dir: &Path, listen: u16, origin: u16) -> String {
    let d = dir.display();
    let pass = format!(
        "proxy_pass http://127.0.0.1:{origin};\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      \
         proxy_set_header x-origin-verify {SECRET};\n      proxy_set_header CloudFront-Viewer-Address $remote_addr:$remote_port;"
    );
    format!(
        r#"worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  proxy_cache_path {d}/cache levels=1:2 keys_zone=edge:10m max_size=200m inactive=10m use_temp_path=off;
  upstream origin {{ server 127.0.0.1:{origin}; keepalive 64; }}
  map $http_cookie $session {{ default ""; "~__Host-bs_session=(?<s>[^;]+)" $s; }}
  map $http_accept_encoding $coding {{ default ""; "~br" br; "~gzip" gzip; }}
  server {{
    listen 127.0.0.1:{listen};
    location ~ ^/articles/[^/]+/read$ {{
      {pass}
      proxy_cache off;
    }}
    location / {{
      {pass}
      proxy_cache edge;
      proxy_cache_key "$request_method|$uri|$arg_after|$arg_comments_after|$arg_done|$arg_q|$arg_reported|$arg_return_to|$session|$coding";
      proxy_cache_methods GET HEAD;
      proxy_ignore_headers Vary;
      proxy_cache_lock on;
      proxy_cache_background_update on;
      proxy_cache_revalidate on;
      proxy_cache_use_stale updating error timeout http_500 http_502 http_503 http_504;
    }}
  }}
}}
"#
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("nginx"))
}

struct Nginx(Child);

impl Drop for Nginx {
    /// A fast shutdown (`SIGTERM`), which the master passes on to its
    /// workers; `SIGKILL` (`Child::kill`) would leave the workers running.
    fn drop(&mut self) {
        let stopped = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        if !stopped.is_ok_and(|s| s.success()) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// nginx in `dir` in front of the origin, with its cache (`cached`) or as a
/// plain pass-through: both paths reach the origin as the CDN does (the
/// origin secret, the viewer address), so they differ in the cache alone.
async fn start_nginx(dir: &Path, origin: u16, cached: bool) -> (Nginx, u16) {
    for sub in ["cache", "body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(dir.join(sub)).expect("nginx's directories");
    }
    let listen = free_port();
    let mut conf = nginx_conf(dir, listen, origin);
    if !cached {
        conf = conf.replace("proxy_cache edge;", "proxy_cache off;");
    }
    std::fs::write(dir.join("nginx.conf"), conf).expect("write nginx.conf");
    let child = Command::new(nginx_binary())
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx starts (apt-get install nginx)");
    let nginx = Nginx(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", listen)).await.is_ok() {
            return (nginx, listen);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nginx did not start; see {}", dir.join("error.log").display());
}

async fn one_path(name: &'static str, cached: bool, args: &Args, log: &OriginLog) -> Run {
    let counter = RequestCounter::with_item_writes();
    let client = broadsheet_testkit::dynamo::test_client(Some(counter.clone())).await;
    let table = broadsheet_testkit::dynamo::unique_table_name();
    broadsheet::store::dynamo::create_table(&client, &table).await.expect("create the table on moto");
    let store = DynamoStore::new(client, table);
    broadsheet_cli::import::import_dir(&store, Path::new(SAMPLE_CONTENT)).await.expect("sample content");
    let site = Site::new(SiteOrigin::parse("https://news.example.test").expect("origin"))
        .behind_cdn(OriginSecret::parse(SECRET).expect("secret"));
    let apps = Arc::new(Apps::new(store.clone(), site));
    let (origin, server) = serve::spawn(apps.clone()).await.expect("bind the origin");
    let dir = tempfile::tempdir().expect("a temp dir for nginx");
    let (nginx, port) = start_nginx(dir.path(), origin.port(), cached).await;
    let base = format!("http://127.0.0.1:{port}");
    let readers = if cached { args.readers } else { args.direct_readers };
    let article = "/articles/what-the-floods-cost-the-vell-valley-and-who-will-pay";
    counter.reset();
    log.take();
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let seen = spike(&base, article, readers, until).await;
    // The aggregator's next run, and its cost, belong to the spike.
    // moto answers slowly right after a crowd: give the aggregator a few tries.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let now = time::OffsetDateTime::now_utc() + broadsheet::store::trending::SETTLE;
    let mut tries = 0;
    while let Err(e) = serve::refresh_trending(&apps, now).await {
        tries += 1;
        assert!(tries < 5, "aggregate the reads: {e}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let ranking = store.trending(TRENDING_SIZE).await.expect("read #TrendingNews");
    let counted = ranking.iter().find(|t| article.ends_with(t.article.slug.as_str())).map_or(0, |t| t.reads);
    drop(nginx);
    server.abort();
    let origin_log = log.take();
    let rendered = origin_log.iter().filter(|(r, _)| !r.ends_with("/read")).map(|(_, n)| n).sum();
    let other_origin = origin_log.iter().filter(|(r, _)| r.ends_with("/read")).map(|(_, n)| n).sum();
    let views = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let per = |bytes: &AtomicU64, n: &AtomicU64| views(bytes) as f64 / views(n).max(1) as f64;
    Run {
        name,
        seconds: args.seconds,
        article_views: views(&seen.article_views),
        front_views: views(&seen.front_views),
        errors: views(&seen.errors),
        article_bytes: per(&seen.article_bytes, &seen.article_views),
        front_bytes: per(&seen.front_bytes, &seen.front_views),
        rendered,
        other_origin,
        dynamo: counter.snapshot(),
        busiest: counter.busiest_item_second(),
        counted,
    }
}

/// AWS list prices used for the cost rows (us-east-1 / North America and
/// Europe edge, on-demand, before free tiers), as of 2026-12-01.
struct Prices;

impl Prices {
    const DATE: &'static str = "2026-12-01";
    /// CloudFront: HTTPS requests, per 10,000.
    const CF_REQUESTS_PER_10K: f64 = 0.01;
    /// CloudFront: data out to the internet, first 10 TB, per GB.
    const CF_PER_GB: f64 = 0.085;
    /// API Gateway HTTP API, per million requests (first 300 million).
    const API_PER_M: f64 = 1.00;
    /// Lambda: per million requests.
    const LAMBDA_PER_M: f64 = 0.20;
    /// Lambda arm64: per GB-second.
    const LAMBDA_PER_GB_S: f64 = 0.000_013_333_4;
    /// Assumed billed duration and memory of one origin request (a page
    /// with its DynamoDB round trip; the beacon is far less).
    const LAMBDA_MS: f64 = 20.0;
    const LAMBDA_GB: f64 = 0.128;
    /// DynamoDB on-demand: per million read / write request units (each
    /// request counted as one unit: the items are under 4 KB / 1 KB).
    const DDB_READ_PER_M: f64 = 0.125;
    const DDB_WRITE_PER_M: f64 = 0.625;
}

/// Dollars per million views.
fn cost(run: &Run, cdn: bool) -> (f64, f64, f64, f64) {
    let m = 1_000_000.0 / run.views();
    let origin_requests = (run.rendered + run.other_origin) as f64 * m;
    let wire_gb =
        (run.article_bytes * run.article_views as f64 + run.front_bytes * run.front_views as f64) * m / 1e9;
    let edge = if cdn {
        // Every view and every beacon is a CloudFront request.
        let requests = (run.article_views * 2 + run.front_views) as f64 * m;
        requests / 10_000.0 * Prices::CF_REQUESTS_PER_10K + wire_gb * Prices::CF_PER_GB
    } else {
        0.0
    };
    let origin = origin_requests / 1e6 * (Prices::API_PER_M + Prices::LAMBDA_PER_M)
        + origin_requests * Prices::LAMBDA_MS / 1000.0 * Prices::LAMBDA_GB * Prices::LAMBDA_PER_GB_S;
    let dynamo = run.sum(&READS) * m / 1e6 * Prices::DDB_READ_PER_M
        + run.sum(&WRITES) * m / 1e6 * Prices::DDB_WRITE_PER_M;
    (edge, origin, dynamo, edge + origin + dynamo)
}

fn table(args: &Args, runs: &[Run]) -> String {
    let mut t = format!(
        "Spike: {} readers (through the cache) and {} (straight to the origin) for {} s each on one article \
         (4 views in 5, each loading its read beacon) and the front page; sample content, DynamoDB on moto, \
         origin = the functions' code in-process\n\n| per 1,000 views | {} | {} |\n|---|--:|--:|\n",
        args.readers, args.direct_readers, args.seconds, runs[0].name, runs[1].name
    );
    let mut row = |label: &str, f: &dyn Fn(&Run) -> String| {
        t.push_str(&format!("| {label} | {} | {} |\n", f(&runs[0]), f(&runs[1])));
    };
    row("views served (article + front page)", &|r| format!("{} + {}", r.article_views, r.front_views));
    row("failed requests", &|r| r.errors.to_string());
    row("pages rendered at the origin (in all)", &|r| {
        format!("{:.2} ({})", r.per_1000(r.rendered as f64), r.rendered)
    });
    row("… per 1,000 article views", &|r| {
        format!("{:.2}", r.rendered as f64 * 1000.0 / r.article_views.max(1) as f64)
    });
    row("other origin requests: the read beacon", &|r| format!("{:.1}", r.per_1000(r.other_origin as f64)));
    row("DynamoDB reads (aggregator included)", &|r| format!("{:.2}", r.per_1000(r.sum(&READS))));
    row("DynamoDB writes (aggregator included)", &|r| format!("{:.2}", r.per_1000(r.sum(&WRITES))));
    row("most writes to one item in one second (counted)", &|r| {
        r.busiest.as_ref().map_or("0".to_owned(), |(item, n)| format!("{n} (`{item}`)"))
    });
    row("… the previous design: one write per article view to one item", &|r| {
        format!("{:.0} a second (`TRENDING#{{hour}}`)", r.article_views as f64 / r.seconds.max(1) as f64)
    });
    row("bytes on the wire per article view", &|r| format!("{:.0}", r.article_bytes));
    row("bytes on the wire per front-page view", &|r| format!("{:.0}", r.front_bytes));
    row("article views counted / served", &|r| {
        format!(
            "{} / {} ({:+.2} %)",
            r.counted,
            r.article_views,
            (r.counted as f64 / r.article_views.max(1) as f64 - 1.0) * 100.0
        )
    });
    let mut costs = String::from("\n| $ per million views | ");
    costs.push_str(&format!("{} | {} |\n|---|--:|--:|\n", runs[0].name, runs[1].name));
    let c0 = cost(&runs[0], true);
    let c1 = cost(&runs[1], false);
    for (label, a, b) in [
        ("CloudFront (requests + data out)", c0.0, c1.0),
        ("API Gateway + Lambda (origin requests)", c0.1, c1.1),
        ("DynamoDB (on-demand)", c0.2, c1.2),
        ("total", c0.3, c1.3),
    ] {
        costs.push_str(&format!("| {label} | {a:.3} | {b:.3} |\n"));
    }
    t.push_str(&costs);
    t.push_str(&format!(
        "\nPrices ({}, us-east-1, on demand, no free tier): CloudFront ${} per 10,000 HTTPS requests and ${}/GB out; \
         HTTP API ${}/M requests; Lambda ${}/M requests and ${}/GB-s (arm64), assuming {} ms at {} MB per origin request; \
         DynamoDB ${}/M read and ${}/M write request units, one unit per request. Without the CDN, data out of API Gateway \
         is billed at EC2 rates (not counted here).\n",
        Prices::DATE,
        Prices::CF_REQUESTS_PER_10K,
        Prices::CF_PER_GB,
        Prices::API_PER_M,
        Prices::LAMBDA_PER_M,
        Prices::LAMBDA_PER_GB_S,
        Prices::LAMBDA_MS,
        Prices::LAMBDA_GB * 1000.0,
        Prices::DDB_READ_PER_M,
        Prices::DDB_WRITE_PER_M,
    ));
    t
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let log = OriginLog::default();
    let subscriber = tracing_subscriber::registry().with(log.clone());
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
    let cached = one_path("through the cache (CDN policy)", true, &args, &log).await;
    let direct = one_path("straight to the origin", false, &args, &log).await;
    let out = table(&args, &[cached, direct]);
    print!("{out}");
    if let Some(path) = &args.out {
        std::fs::write(path, &out).expect("write the table");
    }
}
