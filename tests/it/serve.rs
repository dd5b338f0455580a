//! `errbook serve` and `errbook watch` end to end: the real binary on an ephemeral
//! loopback port against a temp copy of the default site. Edits go through the file
//! system, reloads are read from the Server-Sent Events stream, pages are fetched over
//! HTTP with a minimal client. Every wait is bounded.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const GUIDE: &str = "source/ko-KR/backup-azure-mabs-troubleshoot.md";
const PAGE: &str = "/ko-KR/backup-azure-mabs-troubleshoot/index.html";
const TITLE_LINE: &str = "title: Azure Backup Server 문제 해결";
/// Debug builds on a busy 2-core machine: generous, but bounded.
const WAIT: Duration = Duration::from_secs(90);

/// A running `errbook serve` or `errbook watch`, killed on drop.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(root: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_errbook"))
            .arg("--root")
            .arg(root)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start errbook");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle`; returns it.
    fn wait_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?} within {WAIT:?}; stderr so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Lines printed so far (without waiting).
    fn drain(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.clone()
    }

    fn port(&mut self) -> u16 {
        let line = self.wait_line("serving http://127.0.0.1:");
        let rest = line
            .split("http://127.0.0.1:")
            .nth(1)
            .expect("url in the line");
        rest.split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port")
    }

    #[cfg(unix)]
    fn interrupt(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill");
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "errbook did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    body: String,
}

/// A one-shot HTTP/1.1 GET on loopback with an explicit Host header.
fn get_with_host(port: u16, path: &str, host: &str) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    Response {
        status,
        body: body.to_owned(),
    }
}

fn get(port: u16, path: &str) -> Response {
    get_with_host(port, path, &format!("127.0.0.1:{port}"))
}

/// The live-reload event stream, read line by line.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(port: u16) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        write!(
            s,
            "GET /__errbook/events HTTP/1.1\r\nHost: localhost:{port}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .expect("send");
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        let mut ev = Events {
            reader: BufReader::new(s),
        };
        let (name, _) = ev.next(WAIT).expect("hello event");
        assert_eq!(name, "hello");
        ev
    }

    /// The next event (name, data), or `None` when none came within `wait`. Chunked
    /// framing lines (hex sizes) are skipped: only `event:` and `data:` lines count.
    fn next(&mut self, wait: Duration) -> Option<(String, String)> {
        let deadline = Instant::now() + wait;
        let mut name = None;
        let mut data = String::new();
        loop {
            if Instant::now() > deadline {
                return None;
            }
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue
                }
                Err(e) => panic!("event stream: {e}"),
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(n) = line.strip_prefix("event:") {
                name = Some(n.trim().to_owned());
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.trim_start());
            } else if line.is_empty() {
                if let Some(n) = name.take() {
                    return Some((n, std::mem::take(&mut data)));
                }
            }
        }
    }

    /// Waits for an event named `want`, skipping others.
    fn expect(&mut self, want: &str) -> String {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some((name, data)) = self.next(deadline - Instant::now()) {
                if name == want {
                    return data;
                }
            }
        }
        panic!("no `{want}` event within {WAIT:?}");
    }
}

fn set_title(root: &Path, title: &str) {
    let path = root.join(GUIDE);
    let text = std::fs::read_to_string(&path).expect("read guide");
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("title:") {
            out.push_str(title);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    std::fs::write(&path, out).expect("write guide");
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.contains(".errbook-staging")
                || name.contains(".errbook-trash")
                || name.ends_with(".tmp")
        })
        .collect()
}

#[test]
fn edit_reload_break_overlay_fix() {
    let site = common::default_site();
    let root = site.path();
    let mut srv = Running::start(root, &["serve", "--port", "0"]);
    let port = srv.port();
    let first = get(port, PAGE);
    assert_eq!(first.status, 200);
    assert!(first.body.contains("/__errbook/live.js"), "script injected");

    // An edit: a reload message, then the changed page.
    let mut events = Events::open(port);
    set_title(root, "title: 첫 번째 편집 FIRST-EDIT");
    let reload = events.expect("reload");
    assert!(
        reload.contains("backup-azure-mabs-troubleshoot"),
        "{reload}"
    );
    let page = get(port, PAGE);
    assert!(page.body.contains("FIRST-EDIT"), "the served page changed");

    // Broken front matter: an error naming the file and line; the old page stays.
    set_title(root, "title: [unclosed BROKEN");
    let errors = events.expect("errors");
    assert!(errors.contains(GUIDE), "{errors}");
    // The title's line, or the next one where the YAML parser noticed.
    assert!(
        errors.contains("\"line\":2") || errors.contains("\"line\":3"),
        "{errors}"
    );
    assert!(errors.contains("front-matter-syntax"), "{errors}");
    let page = get(port, PAGE);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("FIRST-EDIT"),
        "the last good page is served"
    );
    assert!(!page.body.contains("BROKEN"));
    srv.wait_line("still showing the last good build");

    // A new connection is told about the errors at once (the overlay on a fresh load).
    let mut late = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        late,
        "GET /__errbook/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .expect("send");
    let mut late = Events {
        reader: BufReader::new(late),
    };
    late.reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let (name, hello) = late.next(WAIT).expect("hello");
    assert_eq!(name, "hello");
    assert!(hello.contains("front-matter-syntax"), "{hello}");

    // The fix: a reload, and the new page.
    set_title(root, "title: 고침 FIXED-AGAIN");
    events.expect("reload");
    let page = get(port, PAGE);
    assert!(
        page.body.contains("FIXED-AGAIN"),
        "the fixed page is served"
    );

    // The diagnostics were printed once for the broken change.
    let printed = srv.drain();
    let times = printed
        .iter()
        .filter(|l| l.contains("error[front-matter-syntax]"))
        .count();
    assert_eq!(times, 1, "{printed:#?}");
}

/// The edited guide's pages reload at once; the locale's home and code index follow
/// with the search index, announced as `changed` (open copies of them reload).
#[test]
fn listings_follow_the_edit_as_changed_pages() {
    let site = common::default_site();
    let root = site.path();
    let mut srv = Running::start(root, &["serve", "--port", "0"]);
    let port = srv.port();
    let mut events = Events::open(port);
    set_title(root, "title: 목록 LISTING-EDIT");
    let reload = events.expect("reload");
    assert!(!reload.contains("\"ko-KR/index.html\""), "{reload}");
    let changed = events.expect("changed");
    assert!(changed.contains("\"ko-KR/index.html\""), "{changed}");
    assert!(changed.contains("\"ko-KR/codes/index.html\""), "{changed}");
    assert!(get(port, "/ko-KR/index.html").body.contains("LISTING-EDIT"));
    assert!(get(port, PAGE).body.contains("LISTING-EDIT"));
}

#[test]
fn two_hundred_quick_saves_end_on_the_last_version() {
    let site = common::default_site();
    let root = site.path();
    let mut srv = Running::start(root, &["serve", "--port", "0"]);
    let port = srv.port();
    let guide = root.join(GUIDE);
    let original = std::fs::read_to_string(&guide).expect("read");
    let tmp = guide.with_file_name(".backup-azure-mabs-troubleshoot.md.tmp");
    let mut last = String::new();
    for i in 0..200 {
        last = format!("SAVE-{i:03}-END");
        let text = original.replacen(TITLE_LINE, &format!("title: {last}"), 1);
        if i % 2 == 0 {
            std::fs::write(&guide, &text).expect("write");
        } else {
            // An editor's atomic save: a temp file renamed over the guide.
            std::fs::write(&tmp, &text).expect("write temp");
            std::fs::rename(&tmp, &guide).expect("rename");
        }
    }
    let deadline = Instant::now() + WAIT;
    loop {
        let page = get(port, PAGE);
        assert_eq!(page.status, 200);
        if page.body.contains(&last) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the served page never showed {last}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Settled: the page stays the last version.
    std::thread::sleep(Duration::from_millis(500));
    assert!(get(port, PAGE).body.contains(&last));
    assert!(
        srv.child.try_wait().expect("wait").is_none(),
        "still running"
    );
    assert_eq!(leftovers(root), Vec::<PathBuf>::new());
}

#[test]
fn only_the_site_and_only_for_localhost() {
    let site = common::default_site();
    let root = site.path();
    std::fs::write(root.join("secret.txt"), "TOP-SECRET").expect("write");
    let mut srv = Running::start(root, &["serve", "--port", "0"]);
    let port = srv.port();
    assert_eq!(get(port, "/").status, 200);
    assert_eq!(get(port, "/index.html").status, 200);
    assert_eq!(
        get(port, "/ko-KR").status,
        301,
        "folders redirect to a slash"
    );
    assert_eq!(get(port, "/ko-KR/").status, 200);
    assert_eq!(get(port, "/ko-KR/no-such-page.html").status, 404);
    for path in [
        "/../secret.txt",
        "/../source/site.yaml",
        "/ko-KR/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fsecret.txt",
        "/ko-KR/..%2F..%2Fsecret.txt",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/C:/Windows/win.ini",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/source/site.yaml",
        "/secret.txt",
    ] {
        let r = get(port, path);
        assert!(
            r.status == 400 || r.status == 404,
            "{path}: status {}",
            r.status
        );
        assert!(!r.body.contains("TOP-SECRET"), "{path}");
        assert!(!r.body.contains("default_locale"), "{path}");
    }
    // DNS rebinding: a page of another origin whose name resolves to 127.0.0.1.
    for host in [
        "evil.example",
        "evil.example:80",
        "localhost.evil.example",
        "",
    ] {
        let r = get_with_host(port, "/index.html", host);
        assert_eq!(r.status, 403, "Host: {host}");
    }
    for host in ["localhost", &format!("localhost:{port}"), "[::1]:1"] {
        assert_eq!(
            get_with_host(port, "/index.html", host).status,
            200,
            "{host}"
        );
    }
    // The published output folder was never written.
    assert!(!root.join("output").exists());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_serve_cleanly() {
    let site = common::default_site();
    let root = site.path();
    let mut srv = Running::start(root, &["serve", "--port", "0"]);
    let port = srv.port();
    let _events = Events::open(port);
    let status = srv.interrupt();
    assert!(status.success(), "{status:?}");
    assert_eq!(leftovers(root), Vec::<PathBuf>::new());
}

#[cfg(unix)]
#[test]
fn watch_publishes_each_change_atomically() {
    let site = common::default_site();
    let root = site.path();
    let out = root.join("output");
    let mut w = Running::start(root, &["watch"]);
    w.wait_line("watching");
    let page = out.join("ko-KR/backup-azure-mabs-troubleshoot/index.html");
    assert!(page.is_file());
    let asset = out.join("assets/style.css");
    let asset_time = std::fs::metadata(&asset)
        .and_then(|m| m.modified())
        .expect("mtime");

    set_title(root, "title: WATCHED-EDIT");
    w.wait_line("rebuilt 1 guide");
    let html = std::fs::read_to_string(&page).expect("read page");
    assert!(html.contains("WATCHED-EDIT"));
    assert!(!html.contains("__errbook"), "no live-reload script on disk");
    assert_eq!(
        std::fs::metadata(&asset)
            .and_then(|m| m.modified())
            .expect("mtime"),
        asset_time,
        "unchanged files are not rewritten"
    );

    set_title(root, "title: [broken");
    w.wait_line("still showing the last good build");
    let html = std::fs::read_to_string(&page).expect("read page");
    assert!(html.contains("WATCHED-EDIT"), "the published site is kept");

    let status = w.interrupt();
    assert!(status.success(), "{status:?}");
    assert_eq!(leftovers(root), Vec::<PathBuf>::new());
    assert!(out.join(".errbook-output").is_file());
}
