//! Headless Chromium for the browser tests (`tests/browser.rs`), driven over
//! WebDriver with [`fantoccini`], plus the two checkers that run beside it:
//! axe-core (inside the page) and the Nu HTML Checker (on the JRE).
//!
//! ## Where the tools are
//!
//! `scripts/browser-tools.sh` installs all of them. Each is looked up at a
//! known place, and an environment variable overrides it:
//!
//! | tool | variable | default |
//! |---|---|---|
//! | chromedriver | `BROADSHEET_CHROMEDRIVER` | `chromedriver` on `PATH` (Debian: `/usr/bin/chromedriver`) |
//! | Chromium | `BROADSHEET_CHROMIUM` | `chromium` on `PATH` (Debian: `/usr/bin/chromium`) |
//! | Java | `BROADSHEET_JAVA` | `$JAVA_HOME/bin/java`, else `java` on `PATH` |
//! | Nu HTML Checker | `BROADSHEET_VNU_JAR` | `.tools/node/node_modules/vnu-jar/build/dist/vnu.jar` |
//! | axe-core | `BROADSHEET_AXE_JS` | `.tools/node/node_modules/axe-core/axe.min.js` |
//!
//! A missing tool fails the test with a message saying how to install it:
//! browser tests never skip silently.
//!
//! ## One browser per test
//!
//! [`Chrome::start`] starts a private chromedriver on a free loopback port
//! (the OS picks it: bind port 0, read it, pass it with `--port`), and one
//! headless Chromium session with a fresh `--user-data-dir`. [`Chrome::quit`]
//! ends the session and stops the driver; if the test panics first, `Drop`
//! does the same synchronously (a raw `DELETE /session/{id}`, then the
//! driver's whole process group is killed), so no Chromium outlives its test.
//!
//! Screenshots go to `target/screenshots/{test}/NN-{step}.png` (full page,
//! the directory emptied when the test starts); chromedriver's warnings to
//! `chromedriver.log` and its console output to `chromedriver.out` beside them.

#![allow(clippy::unwrap_used)] // test support: a failed unwrap is a failed test

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// The Chromium flags every session gets. Besides the obvious ones:
/// `--disable-background-networking`, `--disable-component-update`,
/// `--disable-sync` and `--disable-quic` keep the browser from talking to
/// anything but the test site; `--disable-dev-shm-usage` because containers
/// often have a 64 MB `/dev/shm`, too small for Chromium; `--hide-scrollbars`
/// so a page's width is the viewport's, as on a phone, and screenshots show
/// the page, not the scrollbar.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--lang=en-GB",
];

/// The repository root (the `tests` crate's parent directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `target/{sub}` in the repository, created.
pub fn artifacts_dir(sub: &str) -> PathBuf {
    let dir = repo_root().join("target").join(sub);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

const INSTALL_HINT: &str = "install the browser-test tools with `bash scripts/browser-tools.sh`";

/// A tool from `var`, else the first existing candidate; panics with how to
/// get it otherwise.
fn tool(what: &str, var: &str, candidates: &[PathBuf]) -> PathBuf {
    if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{what}: {var}={} does not exist ({INSTALL_HINT}, or fix {var})",
            path.display()
        );
        return path;
    }
    candidates.iter().find(|p| p.is_file()).cloned().unwrap_or_else(|| {
        let tried: Vec<_> = candidates.iter().map(|p| p.display().to_string()).collect();
        panic!("{what} not found (looked at {}): {INSTALL_HINT}, or set {var}", tried.join(", "))
    })
}

/// `name` in each `PATH` directory.
fn on_path(name: &str) -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect())
        .unwrap_or_default()
}

fn node_module(path: &str) -> PathBuf {
    repo_root().join(".tools/node/node_modules").join(path)
}

pub fn chromedriver_path() -> PathBuf {
    let mut c = on_path("chromedriver");
    c.push("/usr/bin/chromedriver".into());
    c.push("/usr/lib/chromium/chromedriver".into());
    tool("chromedriver", "BROADSHEET_CHROMEDRIVER", &c)
}

pub fn chromium_path() -> PathBuf {
    let mut c = on_path("chromium");
    c.extend(on_path("chromium-browser"));
    c.push("/usr/bin/chromium".into());
    tool("Chromium", "BROADSHEET_CHROMIUM", &c)
}

pub fn java_path() -> PathBuf {
    let mut c: Vec<PathBuf> =
        std::env::var_os("JAVA_HOME").map(|h| PathBuf::from(h).join("bin/java")).into_iter().collect();
    c.extend(on_path("java"));
    tool("Java (for the Nu HTML Checker)", "BROADSHEET_JAVA", &c)
}

pub fn vnu_jar_path() -> PathBuf {
    tool("The Nu HTML Checker (vnu.jar)", "BROADSHEET_VNU_JAR", &[node_module("vnu-jar/build/dist/vnu.jar")])
}

pub fn axe_js_path() -> PathBuf {
    tool("axe-core (axe.min.js)", "BROADSHEET_AXE_JS", &[node_module("axe-core/axe.min.js")])
}

/// axe-core's source, read once per test binary.
fn axe_source() -> &'static str {
    static AXE: OnceLock<String> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = axe_js_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    })
}

/// A loopback port nobody is listening on right now.
fn free_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// One chromedriver and one headless Chromium session on it.
#[derive(Debug)]
pub struct Chrome {
    client: Client,
    driver: Driver,
    session: String,
    shots: PathBuf,
    step: AtomicUsize,
    http: reqwest::Client,
}

/// The chromedriver process and what must go when it does. Dropping it
/// (also while a failed test unwinds) ends the session if one is still open,
/// stops the driver's whole process group and removes the browser profile.
#[derive(Debug)]
struct Driver {
    child: Child,
    port: u16,
    /// Set while a session is open.
    session: Option<String>,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            // The test failed before `quit`: end the session the simple way,
            // so chromedriver closes Chromium itself.
            end_session(self.port, &session);
        }
        kill_group(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Chrome {
    /// Starts chromedriver and a Chromium session; `name` names the
    /// screenshot directory (`target/screenshots/{name}`).
    pub async fn start(name: &str) -> Chrome {
        let driver_bin = chromedriver_path();
        let chromium = chromium_path();
        axe_source(); // fail now, not halfway through, if axe is missing
        let shots = artifacts_dir("screenshots").join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshot dir");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("http client");

        let profile =
            std::env::temp_dir().join(format!("broadsheet-chromium-{:016x}", rand::random::<u64>()));
        // The port can be taken between our probe and chromedriver's bind; try again then.
        let (child, port) = (0..3)
            .find_map(|_| {
                let port = free_port();
                let out = std::fs::File::create(shots.join("chromedriver.out")).expect("driver output");
                let mut child = Command::new(&driver_bin)
                    .arg(format!("--port={port}"))
                    // Warnings and errors only: at INFO it logs every payload
                    // (axe's source, every screenshot), megabytes a test.
                    .arg("--log-level=WARNING")
                    .arg(format!("--log-path={}", shots.join("chromedriver.log").display()))
                    .stdin(Stdio::null())
                    .stdout(out.try_clone().expect("driver output"))
                    .stderr(out)
                    // Its own process group, so the driver and every browser
                    // process it starts can be stopped together.
                    .process_group(0)
                    .spawn()
                    .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_bin.display()));
                let deadline = Instant::now() + Duration::from_secs(20);
                while Instant::now() < deadline {
                    if let Ok(Some(_)) = child.try_wait() {
                        return None; // exited: most likely the port was taken
                    }
                    if driver_ready(port) {
                        return Some((child, port));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                kill_group(&mut child);
                None
            })
            .unwrap_or_else(|| {
                panic!(
                    "chromedriver ({}) did not start; see {}/chromedriver.{{out,log}}",
                    driver_bin.display(),
                    shots.display()
                )
            });
        let mut driver = Driver { child, port, session: None, profile };
        let profile = &driver.profile;
        std::fs::create_dir_all(profile).expect("profile dir");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push("--window-size=1280,900".to_owned());
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object"),
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "Chromium ({}) did not start under chromedriver: {e}; see {}/chromedriver.log",
                    chromium.display(),
                    shots.display()
                )
            });
        let session = client.session_id().await.ok().flatten().expect("a WebDriver session id");
        driver.session = Some(session.clone());
        let chrome = Chrome { client, driver, session, shots, step: AtomicUsize::new(0), http };
        chrome.viewport(1280, 900).await;
        chrome
    }

    /// The WebDriver client, for anything the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Ends the session (Chromium exits) and stops chromedriver.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        self.driver.session = None;
        // Dropping the driver stops it and removes the profile.
    }

    /// Sends a Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let url = format!("http://127.0.0.1:{}/session/{}/goog/cdp/execute", self.driver.port, self.session);
        let body = json!({ "cmd": cmd, "params": params }).to_string();
        let resp = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        let status = resp.status();
        let text = resp.text().await.unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        assert!(status.is_success(), "CDP {cmd} failed ({status}): {text}");
        let mut v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("CDP {cmd}: {e}: {text}"));
        v["value"].take()
    }

    /// Sets the viewport to `width`×`height` CSS pixels; widths under 600 are
    /// emulated as a phone (`mobile`: the viewport meta tag applies).
    pub async fn viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 }),
        )
        .await;
        let inner = self.js("return [window.innerWidth, window.innerHeight]", vec![]).await;
        assert_eq!(inner[0], json!(width), "viewport width after emulation: {inner}");
    }

    /// `prefers-color-scheme` for the page (`"light"` or `"dark"`).
    pub async fn color_scheme(&self, scheme: &str) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        )
        .await;
    }

    /// Runs `script` (a function body: `return …`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The URL the browser shows.
    pub async fn url(&self) -> PageUrl {
        let u = self.client.current_url().await.expect("current url");
        PageUrl {
            path: u.path().to_owned(),
            query: u.query().map(str::to_owned),
            fragment: u.fragment().map(str::to_owned),
        }
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Runs `action` (a click, a submit, a key press) and waits until the page
    /// it leads to has loaded.
    pub async fn and_wait_for_load<F: std::future::Future<Output = ()>>(&self, action: F) {
        self.js("window.__broadsheetOldPage = true; return null", vec![]).await;
        action.await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let state = self
                .client
                .execute("return window.__broadsheetOldPage === true ? 'old' : document.readyState", vec![])
                .await;
            if matches!(&state, Ok(Value::String(s)) if s == "complete") {
                return;
            }
            assert!(Instant::now() < deadline, "no new page loaded within 30 s (last: {state:?})");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Clicks the first element matching `css` and waits for the next page.
    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.and_wait_for_load(async move { el.click().await.unwrap_or_else(|e| panic!("click {e}")) }).await;
    }

    /// Clicks the first element matching `css` that changes the page in
    /// place, loading nothing (a `<summary>` opening its `<details>`).
    pub async fn click_in_page(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The first element matching `css`; panics, naming the URL, when there is none.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => el,
            Err(e) => {
                let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
                panic!("no element `{css}` on {url}: {e}")
            }
        }
    }

    /// Types `text` into the field matching `css` (cleared first), as a reader would.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Presses one key (e.g. [`fantoccini::key::Key::Tab`]) on whatever has focus.
    pub async fn press(&self, key: fantoccini::key::Key) {
        use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
        let k: char = key.into();
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
        self.client.perform_actions(actions).await.unwrap_or_else(|e| panic!("key press: {e}"));
    }

    /// A full-page PNG of what the reader sees now, kept as
    /// `target/screenshots/{test}/NN-{step}.png`; returns its path.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        let n = self.step.fetch_add(1, Ordering::Relaxed) + 1;
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        let size = &metrics["cssContentSize"];
        let (w, h) = (size["width"].as_f64().unwrap_or(1280.0), size["height"].as_f64().unwrap_or(900.0));
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": w.ceil(), "height": h.ceil().min(16_000.0), "scale": 1 },
                }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("screenshot is base64");
        let path = self.shots.join(format!("{n:02}-{step}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Runs axe-core in the page (injected through WebDriver: the page's CSP
    /// forbids page scripts, not the driver's) with the WCAG 2.0/2.1 A and AA
    /// rules and axe's best practices, and returns every violation.
    pub async fn axe(&self) -> Vec<AxeViolation> {
        self.axe_report().await.violations
    }

    /// Like [`Chrome::axe`], with what axe could not decide ("needs review")
    /// and how many rules passed.
    pub async fn axe_report(&self) -> AxeReport {
        let present = self.js("return typeof window.axe === 'object'", vec![]).await;
        if present != json!(true) {
            self.js(&format!("{}\n;return typeof window.axe", axe_source()), vec![]).await;
        }
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, {
                runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
                resultTypes: ['violations', 'incomplete'],
            }).then(r => {
                const list = vs => vs.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, tags: v.tags,
                    nodes: v.nodes.map(n => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
                }));
                done({ ok: { violations: list(r.violations), incomplete: list(r.incomplete), passes: r.passes.length } });
            }, e => done({ error: String(e && e.stack || e) }));
        "#;
        let result =
            self.client.execute_async(script, vec![]).await.unwrap_or_else(|e| panic!("axe.run: {e}"));
        if let Some(err) = result.get("error") {
            panic!("axe.run failed in the page: {err}");
        }
        serde_json::from_value(result["ok"].clone()).expect("axe results")
    }
}

/// Path, query and fragment of the browser's current URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUrl {
    pub path: String,
    pub query: Option<String>,
    pub fragment: Option<String>,
}

/// What one axe-core run found.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AxeReport {
    pub violations: Vec<AxeViolation>,
    /// Rules axe could not decide by itself (e.g. contrast over an image).
    pub incomplete: Vec<AxeViolation>,
    /// How many rules passed.
    pub passes: usize,
}

/// One axe-core rule that failed, with the elements that failed it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AxeViolation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    pub tags: Vec<String>,
    pub nodes: Vec<AxeNode>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct AxeNode {
    pub target: String,
    pub html: String,
    pub summary: Option<String>,
}

impl std::fmt::Display for AxeViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} ({}): {}", self.id, self.impact.as_deref().unwrap_or("?"), self.help)?;
        for n in &self.nodes {
            writeln!(f, "    at {}: {}", n.target, n.html)?;
            if let Some(s) = &n.summary {
                writeln!(f, "       {}", s.replace('\n', "\n       "))?;
            }
        }
        Ok(())
    }
}

/// `GET /status` answers `ready: true`.
fn driver_ready(port: u16) -> bool {
    http_raw(port, "GET", "/status", Duration::from_millis(500))
        .is_some_and(|body| body.contains("\"ready\":true"))
}

/// `DELETE /session/{id}`, synchronously (usable from `Drop`).
fn end_session(port: u16, session: &str) {
    let _ = http_raw(port, "DELETE", &format!("/session/{session}"), Duration::from_secs(10));
}

/// A minimal HTTP/1.1 request to chromedriver, without a runtime.
fn http_raw(port: u16, method: &str, path: &str, timeout: Duration) -> Option<String> {
    let mut s = TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), timeout).ok()?;
    s.set_read_timeout(Some(timeout)).ok()?;
    s.set_write_timeout(Some(timeout)).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).ok()?;
    // chromedriver may keep the connection open: read up to Content-Length.
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) if !out.is_empty() => break,
            Err(_) => return None,
        };
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
            });
            if len.is_some_and(|len| body.len() >= len) {
                break;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Stops the driver and everything in its process group (the browser).
fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    for signal in ["-TERM", "-KILL"] {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        let _ = Command::new("kill").args([signal, "--", &group]).stderr(Stdio::null()).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    // Browser processes in the group may outlive the driver by a moment.
    let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
}

/// One message of the Nu HTML Checker.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct VnuMessage {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Option<String>,
    #[serde(rename = "lastLine")]
    pub line: Option<u64>,
    pub message: String,
    pub extract: Option<String>,
}

impl std::fmt::Display for VnuMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = self.url.as_deref().and_then(|u| u.rsplit('/').next()).unwrap_or("?");
        write!(f, "{file}:{}: {}: {}", self.line.unwrap_or(0), self.kind, self.message)?;
        if let Some(x) = &self.extract {
            write!(f, "\n    {}", x.replace('\n', "↵"))?;
        }
        Ok(())
    }
}

/// Checks `pages` (name, HTML) with the Nu HTML Checker in one JVM run and
/// returns its errors. The documents are kept as `target/vnu/{name}.html`.
pub fn validate_html(pages: &[(String, String)]) -> Vec<VnuMessage> {
    let java = java_path();
    let jar = vnu_jar_path();
    let dir = artifacts_dir("vnu");
    let mut files = Vec::new();
    for (name, html) in pages {
        let path = dir.join(format!("{name}.html"));
        std::fs::write(&path, html).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        files.push(path);
    }
    let out = Command::new(&java)
        .args(["-Xss4m", "-jar"])
        .arg(&jar)
        .args(["--errors-only", "--format", "json", "--stdout"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} -jar {}: {e}", java.display(), jar.display()));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the Nu HTML Checker printed no JSON ({e}); exit {:?}; stderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_value(report["messages"].clone()).expect("vnu messages")
}
