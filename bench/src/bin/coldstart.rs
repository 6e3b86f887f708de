//! `bench-coldstart`: the cold-start harness.
//!
//! Starts each function's release binary as Lambda would — a fresh process
//! with the Lambda environment, `AWS_LAMBDA_RUNTIME_API` pointing at the
//! emulator in `broadsheet_bench::runtime_api`, DynamoDB at a local endpoint
//! (moto) — hands it one real API Gateway v2 event, and records:
//!
//! * **init**: process start (just before `spawn`) → its first `/next` poll;
//! * **first response**: event handed out → response posted;
//! * **peak RSS**: `VmHWM` from `/proc/PID/status`, read after the response
//!   and before the process is killed.
//!
//! Every scenario runs `--runs` times (medians reported) after one
//! discarded warm-up run, round-robin so that drift on the machine hits all
//! scenarios alike, beside `bench-hello` (the reference) built in the same
//! run. The search function loads the index of a generated corpus
//! (`broadsheet_bench::corpus`, 20,000 stories) from a bucket on moto's S3,
//! which the harness publishes first. Run it through `scripts/with-moto.sh`
//! (or give `--endpoint`):
//!
//! ```sh
//! cargo build --release --workspace --bins
//! bash scripts/with-moto.sh target/release/bench-coldstart --runs 10
//! ```

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use broadsheet::auth::{DisplayName, Password, SessionToken, Username, hash_password};
use broadsheet::domain::{COMMENTS_PAGE_SIZE, LISTING_PAGE_SIZE};
use broadsheet::store::dynamo::{self, DynamoStore};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleLister, ArticleReader, ArticleWriter, Sessions, User, Users};
use broadsheet_bench::content;
use broadsheet_bench::events::{Event, form};
use broadsheet_bench::runtime_api::RuntimeApi;
use broadsheet_index::{IndexBucket, SearchIndex};
use clap::Parser;
use time::OffsetDateTime;

/// The site origin the functions are started with. Not the fixtures'
/// `news.example.com`: a function refuses a placeholder origin at start-up
/// (docs/deploy.md), so the POST events are re-addressed from this origin
/// ([`Event::with_origin`]). `.test` is reserved for testing (RFC 6761).
const FUNCTION_ORIGIN: &str = "https://news.broadsheet.test";

/// Budget: a function's init + first response, as a multiple of hello-world's.
const TIME_BUDGET_RATIO: f64 = 3.0;
/// The search function's target: init (loading its index from S3) + first
/// response within 300 ms.
const SEARCH_BUDGET_MS: f64 = 300.0;
/// Budget: peak RSS, 32 MB (decimal megabytes, the stricter reading).
const RSS_BUDGET_BYTES: u64 = 32_000_000;

#[derive(Debug, Parser)]
#[command(about = "Cold start of each function's release binary against a hello-world Lambda")]
struct Args {
    /// DynamoDB endpoint (moto); `scripts/with-moto.sh` exports it.
    #[arg(long, env = "BROADSHEET_TEST_DYNAMODB_ENDPOINT")]
    endpoint: String,
    /// Where the release binaries are.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release"))]
    bin_dir: PathBuf,
    /// Measured runs per scenario (after one discarded warm-up run).
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Also write the Markdown table here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Extra environment for the functions, `NAME=VALUE` (experiments, e.g.
    /// `--env SSL_CERT_FILE=…`); repeatable.
    #[arg(long = "env", value_parser = parse_env)]
    extra_env: Vec<(String, String)>,
    /// Articles in the generated corpus whose search index the search
    /// function loads from moto's S3 (`broadsheet_bench::corpus`).
    #[arg(long, default_value_t = 20_000)]
    search_articles: usize,
    /// Only these scenarios besides the reference (by binary name, e.g.
    /// `--only broadsheet-search`); repeatable. Default: every one.
    #[arg(long)]
    only: Vec<String>,
    /// Where the functions' own logs go.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench/coldstart-logs"))]
    logs: PathBuf,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))
}

/// One function binary and the event it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Hello,
    Front,
    Article,
    LoginForm,
    LoginPost,
    CommentPost,
    Search,
}

impl Scenario {
    const ALL: [Scenario; 7] = [
        Scenario::Hello,
        Scenario::Front,
        Scenario::Article,
        Scenario::LoginForm,
        Scenario::LoginPost,
        Scenario::CommentPost,
        Scenario::Search,
    ];

    fn binary(self) -> &'static str {
        match self {
            Scenario::Hello => "bench-hello",
            Scenario::Front => "broadsheet-listing",
            Scenario::Article => "broadsheet-article",
            Scenario::LoginForm | Scenario::LoginPost => "broadsheet-login",
            Scenario::CommentPost => "broadsheet-comment",
            Scenario::Search => "broadsheet-search",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Scenario::Hello => "hello-world `lambda_http` (reference): GET /",
            Scenario::Front => "listing: GET /",
            Scenario::Article => "article: GET /articles/{slug}",
            Scenario::LoginForm => "login: GET /login",
            Scenario::LoginPost => "login: POST /login (Argon2id verify)",
            Scenario::CommentPost => "comment: POST /articles/{slug}/comments",
            Scenario::Search => "search: GET /search?q=harbour (loads the generated corpus's index from S3)",
        }
    }

    /// The status a correct run answers with; anything else means the
    /// harness timed the wrong code path, and it stops.
    fn expected_status(self) -> u64 {
        match self {
            Scenario::LoginPost | Scenario::CommentPost => 303,
            _ => 200,
        }
    }

    async fn event(self, store: &DynamoStore, run: usize) -> Event {
        match self {
            Scenario::Hello | Scenario::Front => Event::load("listing-front.json"),
            Scenario::Article => Event::load("article.json"),
            Scenario::LoginForm => Event::load("login-signup-form.json").with_path("/login"),
            Scenario::LoginPost => Event::load("login-post.json").with_origin(FUNCTION_ORIGIN),
            Scenario::Search => Event::load("search-one-word.json"),
            Scenario::CommentPost => {
                // A reader of their own per run: the limit is 5 comments a minute each.
                let reader = content::log_in(store, &format!("cold_{run:03}"), "Cold Start").await;
                let body = form(&[
                    ("csrf_token", &reader.csrf),
                    ("idempotency_key", &content::idempotency_key()),
                    ("body", "First!"),
                ]);
                Event::load("comment-post.json")
                    .with_origin(FUNCTION_ORIGIN)
                    .with_cookies(&[&reader.cookie])
                    .with_form(&body)
            }
        }
    }
}

/// One measured cold start.
#[derive(Debug, Clone, Copy)]
struct Sample {
    init: Duration,
    first_response: Duration,
    total: Duration,
    /// CPU time of all the process's threads until the response: the
    /// function's own work, whatever the DynamoDB endpoint's latency.
    cpu: Duration,
    peak_rss_kib: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.logs)?;
    let table = format!("bench-coldstart-{}", OffsetDateTime::now_utc().unix_timestamp());
    let store = seed(&args.endpoint, &table).await?;
    let index_bytes = seed_index(&args.endpoint, &table, args.search_articles).await?;
    let api = RuntimeApi::start().await?;
    eprintln!("coldstart: runtime API on {}, table {table} at {}", api.address(), args.endpoint);

    let mut samples: BTreeMap<usize, Vec<Sample>> = BTreeMap::new();
    let chosen = |s: Scenario| {
        s == Scenario::Hello || args.only.is_empty() || args.only.iter().any(|o| o == s.binary())
    };
    for round in 0..=args.runs {
        for (i, scenario) in Scenario::ALL.into_iter().enumerate().filter(|(_, s)| chosen(*s)) {
            let event = scenario.event(&store, round * Scenario::ALL.len() + i).await;
            let sample = cold_start(&args, &api, &table, scenario, event).await?;
            if round > 0 {
                samples.entry(i).or_default().push(sample);
            }
        }
        eprintln!(
            "coldstart: round {round}/{} done{}",
            args.runs,
            if round == 0 { " (warm-up)" } else { "" }
        );
    }

    let mut table_md = report(&args, &samples);
    table_md.push_str(&format!(
        "\nThe search function's index: {} generated stories, a {:.1} MB object on moto's S3 (loopback), \
         downloaded and opened during init.\n",
        args.search_articles,
        index_bytes as f64 / 1e6
    ));
    table_md.push_str(&endpoint_latency(&store, args.runs).await?);
    println!("{table_md}");
    if let Some(out) = &args.out {
        std::fs::write(out, &table_md)?;
    }
    Ok(())
}

/// Creates the table, imports the sample content, and adds the account the
/// `login-post.json` fixture logs in as.
async fn seed(endpoint: &str, table: &str) -> Result<DynamoStore, Box<dyn std::error::Error>> {
    let client = dynamo::client(dynamo::Region::new("us-east-1"), Some(endpoint)).await;
    dynamo::ensure_table(&client, table).await?;
    let store = DynamoStore::new(client, table);
    broadsheet_cli::import::import_dir(&store, std::path::Path::new(broadsheet_cli::cli::SAMPLE_CONTENT))
        .await?;
    let password = Password::parse("correct horse battery".to_owned())?;
    let user = User {
        username: Username::parse("fixture_reader")?,
        display_name: DisplayName::parse("Fixture Reader")?,
        password_hash: hash_password(&password)?,
        created_at: OffsetDateTime::now_utc(),
        moderator: false,
        suspended_until: None,
    };
    store.create_user(&user).await?;
    Ok(store)
}

/// Creates the index bucket (named as the table) on moto's S3 and publishes
/// the generated corpus's search index there; returns the object's size.
async fn seed_index(
    endpoint: &str,
    bucket: &str,
    articles: usize,
) -> Result<usize, Box<dyn std::error::Error>> {
    let config = dynamo::loader(dynamo::Region::new("us-east-1"), Some(endpoint)).load().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build(),
    );
    s3.create_bucket().bucket(bucket).send().await?;
    let dir = std::env::temp_dir().join(format!("bench-coldstart-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    broadsheet_bench::corpus::write(&dir, articles)?;
    let store = MemoryStore::new();
    let imported = broadsheet_cli::import::import_dir(&store, &dir).await;
    std::fs::remove_dir_all(&dir)?;
    imported?;
    let index = SearchIndex::build(&store.searchable_articles().await?)?;
    let bucket = IndexBucket::from_config(&config, true, bucket);
    Ok(bucket.publish(&index).await?)
}

async fn cold_start(
    args: &Args,
    api: &RuntimeApi,
    table: &str,
    scenario: Scenario,
    event: Event,
) -> Result<Sample, Box<dyn std::error::Error>> {
    let binary = args.bin_dir.join(scenario.binary());
    if !binary.is_file() {
        return Err(format!(
            "{} is missing: run `cargo build --release --workspace --bins`",
            binary.display()
        )
        .into());
    }
    let log = File::options()
        .create(true)
        .append(true)
        .open(args.logs.join(format!("{}.log", scenario.binary())))?;
    api.arm(event.json());
    let endpoint = args.endpoint.as_str();
    let name = scenario.binary();
    let started = Instant::now();
    let mut child = tokio::process::Command::new(&binary)
        // What Lambda's provided.al2023 runtime sets, and nothing from this shell.
        .env_clear()
        .envs([
            ("AWS_LAMBDA_RUNTIME_API", api.address().as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", name),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/26/[$LATEST]bench"),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023"),
            ("_HANDLER", "bootstrap"),
            ("LAMBDA_TASK_ROOT", "/var/task"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_SESSION_TOKEN", "test"),
            ("AWS_ENDPOINT_URL", endpoint),
            ("TZ", ":UTC"),
            ("LANG", "en_US.UTF-8"),
            ("PATH", "/usr/local/bin:/usr/bin:/bin"),
            ("RUST_LOG", "info"),
            ("BROADSHEET_TABLE", table),
            ("BROADSHEET_SITE_ORIGIN", FUNCTION_ORIGIN),
            // The search function's; the table's name serves as the bucket's.
            ("BROADSHEET_INDEX_BUCKET", table),
        ])
        .envs(args.extra_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let outcome = api.wait(Duration::from_secs(30)).await;
    let peak_rss_kib = child.id().and_then(peak_rss_kib).unwrap_or(0);
    let cpu = child.id().map(cpu_time).unwrap_or_default();
    child.kill().await?;
    let invocation = outcome.map_err(|e| format!("{}: {e}", scenario.label()))?;
    let status = serde_json::from_str::<serde_json::Value>(&invocation.body)
        .ok()
        .and_then(|v| v["statusCode"].as_u64())
        .unwrap_or(0);
    if status != scenario.expected_status() {
        return Err(format!(
            "{}: answered {status}, expected {} (response: {:.300})",
            scenario.label(),
            scenario.expected_status(),
            invocation.body
        )
        .into());
    }
    Ok(Sample {
        init: invocation.first_poll.duration_since(started),
        first_response: invocation.responded.duration_since(invocation.delivered),
        total: invocation.responded.duration_since(started),
        cpu,
        peak_rss_kib,
    })
}

/// How long the endpoint itself takes for the requests the functions make
/// on their first event, timed from this process (medians of `runs`): the
/// part of "init + first response" that is the endpoint's, not the
/// function's.
async fn endpoint_latency(store: &DynamoStore, runs: usize) -> Result<String, Box<dyn std::error::Error>> {
    let slug = content::slug(content::MANY_COMMENTS_SLUG);
    let (mut get, mut listing, mut article) = (Vec::new(), Vec::new(), Vec::new());
    let nobody = SessionToken::generate().hash();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        store.find_session(&nobody, OffsetDateTime::now_utc()).await?;
        get.push(ms(t.elapsed()));
        let t = Instant::now();
        store.list_articles(None, None, LISTING_PAGE_SIZE, time::OffsetDateTime::now_utc()).await?;
        listing.push(ms(t.elapsed()));
        let t = Instant::now();
        store.article_page(&slug, None, COMMENTS_PAGE_SIZE).await?;
        article.push(ms(t.elapsed()));
    }
    Ok(format!(
        "\nThe endpoint's own latency (this harness's client, medians): GetItem {:.1} ms \
         (the warm-up call in every function's init, a session lookup); Query of the front page's GSI {:.1} ms; \
         Query of an article and its comments {:.1} ms.\n",
        median(get),
        median(listing),
        median(article)
    ))
}

/// `VmHWM` (the resident set's high-water mark, KiB) of a live process.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) of every thread of a live process, from the
/// first field of `/proc/PID/task/TID/schedstat` (nanoseconds on a CPU).
fn cpu_time(pid: u32) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Duration::ZERO };
    let ns: u64 = tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(ns)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(args: &Args, samples: &BTreeMap<usize, Vec<Sample>>) -> String {
    let med = |i: usize, f: &dyn Fn(&Sample) -> f64| {
        median(samples.get(&i).map_or_else(Vec::new, |s| s.iter().map(f).collect()))
    };
    let hello_total = med(0, &|s| ms(s.total));
    let hello_cpu = med(0, &|s| ms(s.cpu));
    let mut out = format!(
        "Cold start, medians of {} runs each (after one warm-up run), release binaries, x86_64, DynamoDB = moto on loopback\n\n\
         | function: first event | init (ms) | first response (ms) | init + first response (ms) | × hello-world | budget ≤ {TIME_BUDGET_RATIO}× | CPU time (ms) | × hello-world | peak RSS (MiB) | budget ≤ 32 MB |\n\
         |---|--:|--:|--:|--:|:-:|--:|--:|--:|:-:|\n",
        args.runs
    );
    for (i, scenario) in Scenario::ALL.into_iter().enumerate() {
        if !samples.contains_key(&i) {
            continue;
        }
        let (init, first, total) =
            (med(i, &|s| ms(s.init)), med(i, &|s| ms(s.first_response)), med(i, &|s| ms(s.total)));
        let rss_kib = med(i, &|s| s.peak_rss_kib as f64);
        let cpu = med(i, &|s| ms(s.cpu));
        let ratio = total / hello_total;
        let time_ok = if scenario == Scenario::Hello {
            "reference"
        } else if scenario == Scenario::Search {
            // Search's own target: 300 ms including loading its index.
            if total <= SEARCH_BUDGET_MS { "met (≤ 300 ms)" } else { "OVER 300 ms" }
        } else if ratio <= TIME_BUDGET_RATIO {
            "met"
        } else {
            "OVER"
        };
        let rss_ok = if scenario == Scenario::Search {
            "n/a: the index is in memory (512 MB function)"
        } else if rss_kib * 1024.0 <= RSS_BUDGET_BYTES as f64 {
            "met"
        } else {
            "OVER"
        };
        out.push_str(&format!(
            "| {} | {init:.1} | {first:.1} | {total:.1} | {ratio:.1}× | {time_ok} | {cpu:.1} | {:.1}× | {:.1} | {rss_ok} |\n",
            scenario.label(),
            cpu / hello_cpu,
            rss_kib / 1024.0
        ));
    }
    out
}
