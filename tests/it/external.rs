//! `--external` against a tiny HTTP server this test starts on 127.0.0.1 (ephemeral
//! port): 200, 404, redirect, timeout, missing anchor, the cache, and 1,000 links with
//! the concurrency bounds respected. No traffic goes anywhere else.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use errbook::check::external::{self, ExternalOptions};
use errbook::diag::Severity;

#[derive(Default)]
struct Stats {
    active: AtomicUsize,
    max_active: AtomicUsize,
    hits: Mutex<HashMap<String, usize>>,
    stop: AtomicBool,
}

struct Server {
    port: u16,
    stats: Arc<Stats>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stats = Arc::new(Stats::default());
        let s = Arc::clone(&stats);
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let s = Arc::clone(&s);
                std::thread::spawn(move || handle(conn, &s));
            }
        });
        Server {
            port,
            stats,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn hits(&self, path: &str) -> usize {
        self.stats
            .hits
            .lock()
            .map(|h| h.get(path).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stats.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One request per connection (`Connection: close`), so open connections = requests in
/// flight; the maximum is recorded.
fn handle(conn: TcpStream, s: &Stats) {
    let now = s.active.fetch_add(1, Ordering::SeqCst) + 1;
    s.max_active.fetch_max(now, Ordering::SeqCst);
    let mut reader = BufReader::new(&conn);
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_owned();
    if let Ok(mut h) = s.hits.lock() {
        *h.entry(path.clone()).or_default() += 1;
    }
    let html = "text/html; charset=utf-8";
    let (status, ctype, extra, body): (&str, &str, String, String) = match path.as_str() {
        "/ok" => (
            "200 OK",
            html,
            String::new(),
            "<h1 id=\"top\">ok</h1>".into(),
        ),
        "/page" => (
            "200 OK",
            html,
            String::new(),
            "<html><body><h2 id=\"here\">Here</h2><a name=\"also\"></a></body></html>".into(),
        ),
        "/missing" => ("404 Not Found", html, String::new(), "gone".into()),
        "/redirect" => (
            "301 Moved Permanently",
            html,
            "Location: /page\r\n".into(),
            String::new(),
        ),
        "/slow" => {
            std::thread::sleep(Duration::from_millis(1500));
            ("200 OK", html, String::new(), "late".into())
        }
        p if p.starts_with("/n/") => {
            std::thread::sleep(Duration::from_millis(5));
            ("200 OK", "text/plain", String::new(), "n".into())
        }
        _ => ("404 Not Found", "text/plain", String::new(), String::new()),
    };
    // Counted out before the answer leaves, so a client that already has its answer
    // is never still counted: the maximum can only under-count, never over-count.
    s.active.fetch_sub(1, Ordering::SeqCst);
    let mut w = &conn;
    let _ = write!(
        w,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = w.flush();
}

fn site_with(dir: &Path, body: &str) -> errbook::model::Site {
    let src = dir.join("source/en-US");
    std::fs::create_dir_all(&src).expect("mkdir");
    std::fs::write(
        dir.join("source/site.yaml"),
        "title: t\ndefault_locale: en-US\n",
    )
    .expect("write");
    std::fs::write(
        src.join("g.md"),
        format!("---\ntitle: T\n---\n# T\n\n{body}"),
    )
    .expect("write");
    errbook::source::load_site(dir).expect("load").site
}

fn opts(cache: Option<&Path>) -> ExternalOptions {
    ExternalOptions {
        jobs: 8,
        per_host: 4,
        timeout: Duration::from_millis(500),
        retry_delay: Duration::from_millis(10),
        cache_dir: cache.map(Path::to_path_buf),
        env_proxy: false,
        ..ExternalOptions::default()
    }
}

#[test]
fn each_case_is_reported() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let body = format!(
        "[ok]({})\n\n[gone]({})\n\n[moved]({})\n\n[anchor]({})\n\n[slow]({})\n\n[fine]({})\n",
        server.url("/ok"),
        server.url("/missing"),
        server.url("/redirect#here"),
        server.url("/page#nope"),
        server.url("/slow"),
        server.url("/page#also"),
    );
    let site = site_with(dir.path(), &body);
    let cache = dir.path().join(external::CACHE_DIR);
    let found = external::check_site(&site, &opts(Some(&cache)));
    let got: Vec<(&str, Severity, usize, usize)> = found
        .iter()
        .map(|d| (d.name, d.severity, d.pos.line, d.pos.col))
        .collect();
    assert_eq!(
        got,
        [
            ("link-external-broken", Severity::Error, 8, 1),
            ("link-external-anchor", Severity::Warning, 12, 1),
            ("link-external-unreachable", Severity::Warning, 14, 1),
        ],
        "{found:#?}"
    );
    assert!(found[0].message.contains("404"));
    assert!(
        found[2].message.contains("timed out"),
        "{}",
        found[2].message
    );
    // The redirect was followed to /page; the timeout was retried once.
    assert_eq!(server.hits("/redirect"), 1);
    assert_eq!(server.hits("/slow"), 2);
    assert!(cache.join("external-links.json").is_file());
    assert!(cache.join(".gitignore").is_file());

    // A second run answers from the cache: only the timed-out URL is asked again.
    let page_hits = server.hits("/page");
    let again = external::check_site(&site, &opts(Some(&cache)));
    assert_eq!(again.len(), 3);
    assert_eq!(server.hits("/ok"), 1);
    assert_eq!(server.hits("/missing"), 1);
    assert_eq!(server.hits("/page"), page_hits);
    assert_eq!(server.hits("/slow"), 4);
}

fn many_links(server: &Server, n: usize) -> String {
    (0..n)
        .map(|i| format!("[{i}]({})\n", server.url(&format!("/n/{i}"))))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_thousand_links_within_the_per_host_bound() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let site = site_with(dir.path(), &many_links(&server, 1000));
    let o = ExternalOptions {
        jobs: 16,
        per_host: 4,
        ..opts(None)
    };
    let found = external::check_site(&site, &o);
    assert!(found.is_empty(), "{found:?}");
    let total: usize = server
        .stats
        .hits
        .lock()
        .map(|h| h.values().sum())
        .unwrap_or(0);
    assert_eq!(total, 1000);
    let max = server.stats.max_active.load(Ordering::SeqCst);
    assert!(max <= 4, "{max} requests in flight to one host, limit 4");
    assert!(max >= 2, "requests ran one at a time ({max})");
}

#[test]
fn the_global_bound_holds_too() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let site = site_with(dir.path(), &many_links(&server, 200));
    let o = ExternalOptions {
        jobs: 3,
        per_host: 10,
        ..opts(None)
    };
    assert!(external::check_site(&site, &o).is_empty());
    let max = server.stats.max_active.load(Ordering::SeqCst);
    assert!((2..=3).contains(&max), "{max} in flight, limit 3");
}
