//! `errbook serve`: the rebuild loop of [`crate::watch`], with the site served from
//! memory over HTTP and pushed to browsers.
//!
//! The served files are the last good build, held in memory (the published `output/` is
//! never touched). Pages get a live-reload script on the way out; a Server-Sent Events
//! stream tells them to reload after a good rebuild, or shows the diagnostics of a bad
//! one over the last good page. See docs/serve.md.

pub mod http;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::watch::{
    self, Failed, FailureMemo, Inbox, Note, Session, SessionOptions, SourceWatcher,
};

/// Arguments of `errbook serve` beyond the global ones.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on; the next free one is taken when it is in use; 0 picks any.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Address to listen on. The default is reachable from this computer only; another
    /// address exposes the preview to the network.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_name = "ADDR")]
    pub bind: IpAddr,
    /// Host names (besides localhost and IP addresses) the server answers to, when it is
    /// reached by name through --bind.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Scan for changes instead of relying on file-system events (network shares).
    #[arg(long)]
    pub poll: bool,
    #[command(flatten)]
    pub render: crate::render::RenderArgs,
}

/// How many further ports are tried when the asked one is taken.
const PORT_TRIES: u16 = 20;

/// What the server reads: the last good files, the current failure, the generation
/// (bumped by each good rebuild).
struct Served {
    files: HashMap<String, watch::Bytes>,
    /// Output folders (`ko-KR`, `ko-KR/guide`), to redirect `/ko-KR` to `/ko-KR/`.
    dirs: std::collections::HashSet<String>,
    generation: u64,
    errors: Option<ErrorsMsg>,
}

struct Shared {
    served: RwLock<Served>,
    /// Taken at shutdown, which ends every event stream.
    events: std::sync::Mutex<Option<broadcast::Sender<(String, String)>>>,
    bound: SocketAddr,
    allow_hosts: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct ErrorsMsg {
    message: String,
    diagnostics: Vec<DiagMsg>,
}

#[derive(Debug, Clone, Serialize)]
struct DiagMsg {
    location: String,
    file: String,
    line: usize,
    col: usize,
    severity: String,
    name: &'static str,
    message: String,
    hint: Option<String>,
}

impl ErrorsMsg {
    fn new(f: &Failed) -> Self {
        ErrorsMsg {
            message: f.message.clone(),
            diagnostics: f.diagnostics.iter().map(DiagMsg::new).collect(),
        }
    }
}

impl DiagMsg {
    fn new(d: &Diagnostic) -> Self {
        DiagMsg {
            location: d.location(),
            file: crate::diag::display_path(&d.file),
            line: d.pos.line,
            col: d.pos.col,
            severity: d.severity.to_string(),
            name: d.name,
            message: d.message.clone(),
            hint: d.hint.clone(),
        }
    }
}

impl Shared {
    fn send(&self, name: &str, data: String) {
        if let Ok(tx) = self.events.lock() {
            if let Some(tx) = tx.as_ref() {
                let _ = tx.send((name.to_owned(), data));
            }
        }
    }
}

/// Runs `errbook serve` until the inbox is stopped (Ctrl-C).
pub fn run_serve(
    root: &Path,
    opts: SessionOptions,
    args: &ServeArgs,
    inbox: Inbox,
    report: &mut dyn FnMut(Note<'_>),
) -> Result<()> {
    let root = watch::canonical_root(root)?;
    let locales = opts.locales.clone();
    let mut session = Session::new(
        &root,
        SessionOptions {
            defer_search: true,
            ..opts
        },
    );
    let mut watcher = SourceWatcher::new(&root, args.poll, inbox)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("errbook-serve")
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the HTTP server: {e}")))?;
    let listener = runtime.block_on(bind(args.bind, args.port))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::Usage(format!("cannot read the server address: {e}")))?;
    let (events, _) = broadcast::channel(64);
    let shared = Arc::new(Shared {
        served: RwLock::new(Served {
            files: HashMap::new(),
            dirs: Default::default(),
            // Differs across restarts, so open pages reload when the server comes back.
            generation: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_millis() as u64),
            errors: None,
        }),
        events: std::sync::Mutex::new(Some(events)),
        bound,
        allow_hosts: args.allow_hosts.clone(),
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(shared.clone());
    let server = runtime.spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });

    let url = format!("http://{}/", display_addr(bound));
    let mut memo = FailureMemo::default();
    let mut announced = false;
    let result = watch::run_loop(
        &mut session,
        &mut watcher,
        &locales,
        &mut |session, outcome| {
            match outcome {
                Ok(rebuilt) if rebuilt.scope == watch::Scope::Search => {
                    // The edited pages reloaded already; the listings that waited with
                    // the index (home, code index) reload only where they are open.
                    let generation = update(&shared, session, &rebuilt, false);
                    let pages: Vec<&String> = rebuilt
                        .changed
                        .iter()
                        .filter(|p| p.ends_with(".html"))
                        .collect();
                    if !pages.is_empty() {
                        let msg = serde_json::json!({
                            "generation": generation,
                            "pages": pages,
                        });
                        shared.send("changed", msg.to_string());
                    }
                    report(Note::Rebuilt {
                        rebuilt: &rebuilt,
                        published: None,
                    });
                }
                Ok(rebuilt) => {
                    // Nothing to show (a save of the same text), unless an overlay must go.
                    let was_broken = memo.clear();
                    let nothing = rebuilt.changed.is_empty() && rebuilt.removed.is_empty();
                    if !nothing || was_broken || !announced {
                        let generation = update(&shared, session, &rebuilt, true);
                        let msg = serde_json::json!({
                            "generation": generation,
                            "changed": rebuilt.changed.iter().take(50).collect::<Vec<_>>(),
                        });
                        shared.send("reload", msg.to_string());
                    }
                    report(Note::Rebuilt {
                        rebuilt: &rebuilt,
                        published: None,
                    });
                }
                Err(failed) => {
                    let repeat = memo.repeat(&failed);
                    let msg = ErrorsMsg::new(&failed);
                    let text = serde_json::to_string(&msg).unwrap_or_default();
                    if let Ok(mut s) = shared.served.write() {
                        s.errors = Some(msg);
                    }
                    shared.send("errors", text);
                    report(Note::Failed {
                        failed: &failed,
                        repeat,
                    });
                }
            }
            if !announced {
                announced = true;
                report(Note::Serving { url: &url });
                report(Note::Watching {
                    root: session.root(),
                });
            }
        },
    );
    // Ends the event streams (their sender goes), then the server.
    if let Ok(mut tx) = shared.events.lock() {
        tx.take();
    }
    let _ = stop_tx.send(());
    runtime.block_on(async {
        let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    });
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

/// Opens `url` in the default browser; errors are the caller's to report.
pub fn open_browser(url: &str) -> std::io::Result<()> {
    let mut cmd = if cfg!(target_os = "windows") {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
}

fn display_addr(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("127.0.0.1:{}", addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("[::1]:{}", addr.port()),
        _ => addr.to_string(),
    }
}

async fn bind(ip: IpAddr, port: u16) -> Result<tokio::net::TcpListener> {
    let tries = if port == 0 { 0 } else { PORT_TRIES };
    let mut last = None;
    for i in 0..=tries {
        let Some(p) = port.checked_add(i) else { break };
        match tokio::net::TcpListener::bind(SocketAddr::new(ip, p)).await {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => {
                return Err(Error::Usage(format!("cannot listen on {ip}:{p}: {e}")));
            }
        }
    }
    Err(Error::Usage(format!(
        "cannot listen on {ip}: ports {port} to {} are in use{}",
        port.saturating_add(tries),
        last.map(|e| format!(" ({e})")).unwrap_or_default()
    )))
}

/// Applies a good rebuild to what is served; returns the new generation.
fn update(shared: &Shared, session: &Session, rebuilt: &watch::Rebuilt, bump: bool) -> u64 {
    let Ok(mut s) = shared.served.write() else {
        return 0;
    };
    if bump {
        s.errors = None;
    }
    if let Some(files) = session.files() {
        for p in &rebuilt.removed {
            s.files.remove(p);
        }
        for p in &rebuilt.changed {
            if let Some(b) = files.get(p) {
                s.files.insert(p.clone(), b.clone());
            }
        }
        if !rebuilt.removed.is_empty()
            || rebuilt.changed.iter().any(|p| !s.dirs.contains(parent(p)))
        {
            let mut dirs = std::collections::HashSet::new();
            for p in files.keys() {
                let mut d = parent(p);
                while !d.is_empty() && dirs.insert(d.to_owned()) {
                    d = parent(d);
                }
            }
            s.dirs = dirs;
        }
    }
    if bump {
        s.generation += 1;
    }
    s.generation
}

fn parent(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !http::host_allowed(host, shared.bound, &shared.allow_hosts) {
        return plain(
            StatusCode::FORBIDDEN,
            "errbook serve answers only requests for localhost (see --allow-host)",
        );
    }
    if method != Method::GET && method != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    match uri.path() {
        http::EVENTS_PATH => return events(&shared).into_response(),
        http::SCRIPT_PATH => {
            return file_response(StatusCode::OK, "live.js", http::LIVE_JS.as_bytes().to_vec())
        }
        _ => {}
    }
    let Ok(served) = shared.served.read() else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server state unavailable",
        );
    };
    let target = http::resolve(uri.path(), &|d| served.dirs.contains(d));
    match target {
        Err(http::Refused) => plain(StatusCode::BAD_REQUEST, "bad path"),
        Ok(http::Target::Redirect(to)) => {
            let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Ok(http::Target::File(path)) => match served.files.get(&path) {
            Some(bytes) => page(StatusCode::OK, &path, bytes, served.generation),
            None => match served.files.get("404.html") {
                Some(b) => page(StatusCode::NOT_FOUND, "404.html", b, served.generation),
                // No good build yet: a page that waits for one.
                None if served.files.is_empty() => page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "building.html",
                    b"<!doctype html><title>errbook</title><body><p>The site has not built yet.</p></body>",
                    served.generation,
                ),
                None => plain(StatusCode::NOT_FOUND, "not found"),
            },
        },
    }
}

fn page(status: StatusCode, path: &str, bytes: &[u8], generation: u64) -> Response {
    let body = if path.ends_with(".html") {
        http::inject(bytes, generation)
    } else {
        bytes.to_vec()
    };
    file_response(status, path, body)
}

fn file_response(status: StatusCode, path: &str, body: Vec<u8>) -> Response {
    let mut r = (status, Body::from(body)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(http::content_type(path)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = (status, text).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The event stream: `hello` (generation and current errors), then `reload` and `errors`
/// as they happen. It ends when the server stops.
fn events(shared: &Arc<Shared>) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    let rx = match shared.events.lock() {
        Ok(tx) => tx.as_ref().map(broadcast::Sender::subscribe),
        Err(_) => None,
    };
    let hello = match shared.served.read() {
        Ok(s) => serde_json::json!({ "generation": s.generation, "errors": s.errors }),
        Err(_) => serde_json::json!({ "generation": 0 }),
    };
    let first = stream::once(async move {
        Ok::<_, Infallible>(Event::default().event("hello").data(hello.to_string()))
    });
    let rest = stream::unfold(rx, |rx| async move {
        let mut rx = rx?;
        let event = match rx.recv().await {
            Ok((name, data)) => Event::default().event(name).data(data),
            // Too far behind: a reload catches up.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                Event::default().event("reload").data("{}")
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(event), Some(rx)))
    });
    Sse::new(first.chain(rest)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
