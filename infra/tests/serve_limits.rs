//! `broadsheet serve` against hostile clients: a connection flood, descriptor
//! exhaustion, slow headers, slow bodies, idle keep-alive connections and
//! oversized bodies. The server must stay up and keep answering.
//!
//! Every server listens on `127.0.0.1:0`. Timeouts are configured short
//! (a second) where a test waits for one; every bound the tests assert is
//! many times longer than what they wait for, so a loaded machine is slower
//! but not flaky.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use broadsheet::config::{Site, SiteOrigin};
use broadsheet::store::memory::MemoryStore;
use broadsheet_cli::cli::SAMPLE_CONTENT;
use broadsheet_cli::serve::{self, Apps, ServeLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep, timeout};

/// Generous bound for anything a test waits for.
const PATIENCE: Duration = Duration::from_secs(60);

/// The whole site (memory store, sample content) on a free loopback port,
/// in this process, with `limits`.
async fn start(limits: ServeLimits) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let store = MemoryStore::new();
    broadsheet_cli::import::import_dir(&store, Path::new(SAMPLE_CONTENT))
        .await
        .expect("sample content imports");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    let site = Site::new(SiteOrigin::parse("https://news.example.test").expect("valid origin"));
    let apps = Arc::new(Apps::new(store, site));
    let server = tokio::spawn(async move {
        if let Err(e) = serve::serve_with(listener, apps, limits).await {
            eprintln!("server stopped: {e}");
        }
    });
    (addr, server)
}

/// One-second header and body timeouts, the other limits as shipped.
fn quick() -> ServeLimits {
    ServeLimits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        ..ServeLimits::default()
    }
}

/// Sends `request` on a new connection and reads until the server closes it;
/// the status code and the whole answer. Retries the connect until
/// [`PATIENCE`] runs out (a server past its connection cap lets new
/// connections wait).
async fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let attempt = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request).await.expect("send the request");
        let mut answer = Vec::new();
        // A reset after the answer (the server closed with request bytes
        // unread) still leaves the answer read.
        let _ = stream.read_to_end(&mut answer).await;
        answer
    };
    let answer = timeout(PATIENCE, attempt).await.expect("the server answered in time");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {:?}", text.get(..text.len().min(200))));
    (status, text)
}

async fn get_front_page(addr: SocketAddr) -> u16 {
    exchange(addr, b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.0
}

/// How a dribbling client's connection ended.
#[derive(Debug)]
struct Dribbled {
    /// Bytes of the request sent before the server closed the connection.
    sent: usize,
    /// Whether the server closed it before the whole request was sent.
    cut_off: bool,
    /// What the server said before closing, if anything.
    answer: String,
}

/// Sends `request` one byte every `every`, until the server closes the
/// connection or the whole request is sent; gives up after [`PATIENCE`].
async fn dribble(addr: SocketAddr, request: Vec<u8>, every: Duration) -> Dribbled {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    let deadline = Instant::now() + PATIENCE;
    let mut sent = 0;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        tokio::select! {
            read = rd.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            () = sleep(every) => {
                if sent == request.len() || Instant::now() > deadline {
                    break;
                }
                if wr.write_all(&request[sent..=sent]).await.is_err() {
                    break;
                }
                sent += 1;
            }
        }
    }
    Dribbled {
        sent,
        cut_off: sent < request.len() && Instant::now() <= deadline,
        answer: String::from_utf8_lossy(&answer).into_owned(),
    }
}

/// A request head far longer than a slow client can send before
/// [`PATIENCE`] runs out at one byte per 250 ms.
fn long_head() -> Vec<u8> {
    let padding = "a".repeat(400);
    format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Padding: {padding}\r\n\r\n").into_bytes()
}

#[tokio::test]
async fn slow_headers_are_cut_off_while_normal_requests_are_served() {
    // More slow clients than connection slots: they cannot hold the server.
    let limits = ServeLimits { max_connections: 4, ..quick() };
    let (addr, _server) = start(limits).await;
    let slow: Vec<_> =
        (0..8).map(|_| tokio::spawn(dribble(addr, long_head(), Duration::from_millis(250)))).collect();
    sleep(Duration::from_millis(500)).await;
    assert_eq!(get_front_page(addr).await, 200, "a normal request is answered meanwhile");
    for client in slow {
        let ended = timeout(PATIENCE * 2, client).await.expect("dribbler ends").expect("dribbler task");
        assert!(ended.cut_off, "a client sending its headers a byte at a time was not cut off: {ended:?}");
        assert!(ended.sent > 0, "the slow client never got to send: {ended:?}");
        assert!(ended.answer.is_empty() || ended.answer.starts_with("HTTP/1.1 408"), "{ended:?}");
    }
    assert_eq!(get_front_page(addr).await, 200);
}

#[tokio::test]
async fn a_slow_body_is_cut_off() {
    let (addr, _server) = start(quick()).await;
    let body = "a".repeat(1000);
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // The head at once, then the body a byte at a time.
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    wr.write_all(head.as_bytes()).await.expect("send the head");
    let trickle = tokio::spawn(async move {
        for byte in body.as_bytes().chunks(1) {
            sleep(Duration::from_millis(250)).await;
            if wr.write_all(byte).await.is_err() {
                return;
            }
        }
    });
    let mut answer = Vec::new();
    let read = timeout(PATIENCE, rd.read_to_end(&mut answer)).await;
    trickle.abort();
    assert!(read.is_ok(), "the server was still waiting for the body after {PATIENCE:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(get_front_page(addr).await, 200);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (addr, _server) = start(quick()).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("send");
    // The answer, then nothing: the server must not keep the idle connection.
    let mut answer = Vec::new();
    let read = timeout(PATIENCE, stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "an idle keep-alive connection was still open after {PATIENCE:?}");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_body_declared_far_too_large_gets_the_413_page_at_once() {
    let (addr, _server) = start(ServeLimits::default()).await;
    // Six megabytes announced, none sent: the server must answer without
    // waiting for (or making room for) them.
    let request = b"POST /signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 6291456\r\nConnection: close\r\n\r\n";
    let answer = timeout(Duration::from_secs(20), exchange(addr, request)).await;
    let (status, text) = answer.expect("the server waited for a body it would refuse anyway");
    assert_eq!(status, 413);
    assert!(text.contains("Request too large"), "the site's 413 page: {text}");
}

#[tokio::test]
async fn a_body_a_little_over_the_limit_gets_the_413_page() {
    let (addr, _server) = start(ServeLimits::default()).await;
    let body = "a=".repeat(40_000);
    let request = format!(
        "POST /signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, text) = exchange(addr, request.as_bytes()).await;
    assert_eq!(status, 413);
    assert!(text.contains("Request too large"), "the site's 413 page: {text}");
}

/// `broadsheet serve` itself, in a child process with a lowered limit on
/// open files: what a connection flood does to the real binary.
#[cfg(target_os = "linux")]
mod process {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::sync::Mutex;

    use tokio::task::JoinSet;

    use super::*;

    struct Server {
        child: Child,
        addr: SocketAddr,
        /// Everything the server has logged so far.
        log: Arc<Mutex<String>>,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Server {
        /// Starts `broadsheet serve --addr 127.0.0.1:0` with at most `nofile`
        /// open files, and waits until it listens.
        async fn start(nofile: u32) -> Server {
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(format!("ulimit -n {nofile} && exec \"$0\" serve --addr 127.0.0.1:0"))
                .arg(env!("CARGO_BIN_EXE_broadsheet"))
                .env("RUST_LOG", "info")
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start broadsheet serve");
            let log = Arc::new(Mutex::new(String::new()));
            let outputs: [Box<dyn std::io::Read + Send>; 2] = [
                Box::new(child.stdout.take().expect("stdout")),
                Box::new(child.stderr.take().expect("stderr")),
            ];
            for output in outputs {
                let log = log.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(output).lines().map_while(Result::ok) {
                        let mut log = log.lock().expect("log");
                        log.push_str(&line);
                        log.push('\n');
                    }
                });
            }
            let mut server = Server { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)), log };
            let deadline = Instant::now() + PATIENCE * 2;
            loop {
                let listening =
                    server.log().split("serving on http://").nth(1).and_then(|rest| {
                        rest.split('/').next().and_then(|addr| addr.parse::<SocketAddr>().ok())
                    });
                if let Some(addr) = listening {
                    server.addr = addr;
                    return server;
                }
                server.assert_running("while starting");
                assert!(Instant::now() < deadline, "the server did not start:\n{}", server.log());
                sleep(Duration::from_millis(50)).await;
            }
        }

        fn log(&self) -> String {
            self.log.lock().expect("log").clone()
        }

        fn assert_running(&mut self, when: &str) {
            if let Some(status) = self.child.try_wait().expect("child status") {
                panic!("the server exited ({status}) {when}; its log:\n{}", self.log());
            }
        }
    }

    /// Opens up to `n` connections to `addr` at once and keeps those that
    /// connect within a few seconds (past the server's cap and the kernel's
    /// backlog, the rest wait; this process may run out of descriptors too).
    async fn flood(addr: SocketAddr, n: usize) -> Vec<TcpStream> {
        let mut connecting = JoinSet::new();
        for _ in 0..n {
            connecting.spawn(timeout(Duration::from_secs(5), TcpStream::connect(addr)));
        }
        let mut held = Vec::new();
        while let Some(done) = connecting.join_next().await {
            if let Ok(Ok(Ok(stream))) = done {
                held.push(stream);
            }
        }
        held
    }

    #[tokio::test]
    async fn a_connection_flood_does_not_stop_the_server() {
        // Room for the connection cap and what the server needs besides,
        // but not for every connection of the flood: without the cap the
        // server would run out of descriptors.
        let mut server = Server::start(1024).await;
        let held = flood(server.addr, 2000).await;
        let cap = ServeLimits::default().max_connections;
        assert!(held.len() > cap, "the flood opened only {} connections", held.len());
        sleep(Duration::from_millis(500)).await;
        server.assert_running("under the flood");
        drop(held);
        assert_eq!(get_front_page(server.addr).await, 200);
        server.assert_running("after the flood");
        let log = server.log();
        assert!(!log.contains("accept failed"), "the cap should have kept descriptors free:\n{log}");
    }

    #[tokio::test]
    async fn running_out_of_file_descriptors_does_not_stop_the_server() {
        // Far fewer descriptors than connections allowed: accept() fails
        // with EMFILE while the flood is held.
        let mut server = Server::start(64).await;
        let held = flood(server.addr, 300).await;
        let deadline = Instant::now() + PATIENCE;
        while server.log().matches("accept failed").count() < 3 {
            server.assert_running("once accept() failed");
            assert!(Instant::now() < deadline, "accept() never failed:\n{}", server.log());
            sleep(Duration::from_millis(50)).await;
        }
        server.assert_running("while out of descriptors");
        drop(held);
        assert_eq!(get_front_page(server.addr).await, 200);
        server.assert_running("after the flood");
    }
}
