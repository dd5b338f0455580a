//! `--external`: http(s) links checked for real.
//!
//! Bounded: at most `jobs` requests in flight, at most `per_host` to one host, each
//! with a timeout and one retry (for timeouts, connection failures, 429 and 5xx);
//! redirects are followed. Results are cached in `.errbook-cache/` under the site root
//! for a day, so a second run sends nothing. A link's `#fragment` is looked up among the
//! page's `id`/`name` attributes when the page is HTML.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::links::{classify, percent_decode, Target};
use crate::diag::{Diagnostic, Severity};
use crate::model::{Guide, Link, Site};

/// The cache folder, under the site root (git-ignored).
pub const CACHE_DIR: &str = ".errbook-cache";
const CACHE_FILE: &str = "external-links.json";

#[derive(Debug, Clone)]
pub struct ExternalOptions {
    /// Requests in flight at once.
    pub jobs: usize,
    /// Requests in flight at once to one host (`host:port`).
    pub per_host: usize,
    /// Whole-request timeout (connect, send, receive).
    pub timeout: Duration,
    /// Pause before the one retry.
    pub retry_delay: Duration,
    /// Where results are cached; `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// How long a cached result is trusted.
    pub cache_ttl: Duration,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Use `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` (and `NO_PROXY`) from the environment.
    pub env_proxy: bool,
    /// Largest page body read when looking for an anchor.
    pub max_body: u64,
}

impl Default for ExternalOptions {
    fn default() -> Self {
        ExternalOptions {
            jobs: 8,
            per_host: 2,
            timeout: Duration::from_secs(15),
            retry_delay: Duration::from_millis(500),
            cache_dir: None,
            cache_ttl: Duration::from_secs(24 * 60 * 60),
            progress: false,
            env_proxy: true,
            max_body: 8 * 1024 * 1024,
        }
    }
}

/// What one URL (without its fragment) answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Final HTTP status after redirects; `None` when no answer came.
    pub status: Option<u16>,
    /// Why no answer came (timeout, connection refused, DNS, TLS).
    pub error: Option<String>,
    /// The URL after redirects, when it differs.
    pub final_url: Option<String>,
    pub is_html: bool,
    /// `id`/`name` values of the page, when it was read for an anchor.
    pub anchors: Option<Vec<String>>,
    /// Unix seconds.
    pub checked_at: u64,
}

impl Outcome {
    fn transient(&self) -> bool {
        match self.status {
            None => true,
            Some(s) => s == 429 || s >= 500,
        }
    }
}

/// One URL to fetch and whether its body is needed (a link to it has a fragment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub url: String,
    pub need_anchors: bool,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `host:port` of an http(s) URL, for the per-host limit.
pub fn host_of(url: &str) -> String {
    let after = url.split_once("//").map_or(url, |(_, a)| a);
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit('@')
        .next()
        .unwrap_or(authority)
        .to_ascii_lowercase()
}

/// Splits a URL into (without fragment, fragment).
fn split_fragment(url: &str) -> (String, Option<String>) {
    let url = url.trim();
    let url = if url.starts_with("//") {
        format!("https:{url}")
    } else {
        url.to_owned()
    };
    match url.split_once('#') {
        Some((u, f)) => (u.to_owned(), Some(f.to_owned())),
        None => (url, None),
    }
}

/// Where a URL is used: the guide, the link, the link's fragment.
type Uses<'s> = Vec<(&'s Guide, &'s Link, Option<String>)>;

/// Every http(s) link of the site, grouped by URL without fragment.
fn external_links(site: &Site) -> Vec<(String, Uses<'_>)> {
    let mut by_url: HashMap<String, Uses<'_>> = HashMap::new();
    for g in site.locales.iter().flat_map(|l| l.guides.iter()) {
        for link in &g.links {
            if classify(&link.url) == Target::External {
                let (u, frag) = split_fragment(&link.url);
                by_url.entry(u).or_default().push((g, link, frag));
            }
        }
    }
    let mut v: Vec<_> = by_url.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Checks every http(s) link of the site; findings at their default severities.
pub fn check_site(site: &Site, opts: &ExternalOptions) -> Vec<Diagnostic> {
    let links = external_links(site);
    let requests: Vec<Request> = links
        .iter()
        .map(|(url, uses)| Request {
            url: url.clone(),
            need_anchors: uses.iter().any(|(_, _, f)| wants_anchor(f.as_deref())),
        })
        .collect();
    let outcomes = fetch_all(&requests, opts);
    let mut out = Vec::new();
    for (url, uses) in &links {
        let Some(o) = outcomes.get(url) else { continue };
        for (guide, link, frag) in uses {
            if let Some(d) = judge(guide, link, frag.as_deref(), o) {
                out.push(d);
            }
        }
    }
    out
}

/// Text fragments (`#:~:text=`) and empty fragments name no element.
fn wants_anchor(frag: Option<&str>) -> bool {
    frag.is_some_and(|f| !f.is_empty() && !f.starts_with(":~:") && !f.starts_with('!'))
}

fn judge(guide: &Guide, link: &Link, frag: Option<&str>, o: &Outcome) -> Option<Diagnostic> {
    let len = super::links::link_len(guide, link);
    let d = |name, sev, msg: String, hint: &str| {
        Some(
            Diagnostic::new(name, sev, &guide.path, link.pos, msg)
                .with_len(len)
                .with_hint(hint),
        )
    };
    match o.status {
        None => d(
            "link-external-unreachable",
            Severity::Warning,
            format!(
                "`{}` could not be reached: {}",
                link.url,
                o.error.as_deref().unwrap_or("no answer")
            ),
            "check the address; if the site is only down for now, run again later",
        ),
        Some(s) if s >= 400 => d(
            "link-external-broken",
            Severity::Error,
            format!("`{}` answered HTTP {s}", link.url),
            "fix or remove the link; look for the page's new address",
        ),
        Some(_) => {
            let f = frag.filter(|f| wants_anchor(Some(f)))?;
            let anchors = o.anchors.as_ref().filter(|_| o.is_html)?;
            let name = percent_decode(f);
            if anchors.iter().any(|a| *a == name || *a == f) {
                return None;
            }
            d(
                "link-external-anchor",
                Severity::Warning,
                format!("the page `{}` has no anchor `#{name}`", link.url),
                "the page may have been reorganised: link to an anchor it has, or to the page",
            )
        }
    }
}

#[derive(Default)]
struct Queue {
    pending: VecDeque<usize>,
    active: HashMap<String, usize>,
}

/// Fetches every request (cache first), bounded by `jobs` and `per_host`.
pub fn fetch_all(requests: &[Request], opts: &ExternalOptions) -> HashMap<String, Outcome> {
    let mut cache = opts
        .cache_dir
        .as_deref()
        .map(load_cache)
        .unwrap_or_default();
    let fresh_after = now().saturating_sub(opts.cache_ttl.as_secs());
    let mut results: HashMap<String, Outcome> = HashMap::new();
    let mut todo = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        match cache.get(&r.url) {
            Some(o)
                if o.checked_at >= fresh_after
                    && (!r.need_anchors || o.anchors.is_some() || !o.is_html) =>
            {
                results.insert(r.url.clone(), o.clone());
            }
            _ => todo.push(i),
        }
    }
    let hosts: Vec<String> = requests.iter().map(|r| host_of(&r.url)).collect();
    let agent = agent(opts);
    let bar = progress_bar(opts.progress, todo.len());
    let state = Mutex::new(Queue {
        pending: todo.iter().copied().collect(),
        active: HashMap::new(),
    });
    let changed = Condvar::new();
    let done: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let per_host = opts.per_host.max(1);
    let workers = opts.jobs.max(1).min(todo.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some(i) = next_job(&state, &changed, &hosts, per_host) else {
                    return;
                };
                let outcome = fetch_with_retry(&agent, &requests[i], opts);
                if let Ok(mut q) = state.lock() {
                    if let Some(n) = q.active.get_mut(&hosts[i]) {
                        *n = n.saturating_sub(1);
                    }
                }
                changed.notify_all();
                if let Ok(mut d) = done.lock() {
                    d.push((i, outcome));
                }
                if let Some(b) = &bar {
                    b.inc(1);
                }
            });
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    for (i, o) in done.into_inner().unwrap_or_default() {
        if !o.transient() {
            cache.insert(requests[i].url.clone(), o.clone());
        }
        results.insert(requests[i].url.clone(), o);
    }
    if let Some(dir) = &opts.cache_dir {
        cache.retain(|_, o| o.checked_at >= fresh_after);
        // A cache that cannot be written only costs a slower next run.
        let _ = save_cache(dir, &cache);
    }
    results
}

/// The next request whose host has room, waiting while every pending host is busy.
fn next_job(
    state: &Mutex<Queue>,
    changed: &Condvar,
    hosts: &[String],
    per_host: usize,
) -> Option<usize> {
    let mut q = state.lock().ok()?;
    loop {
        if q.pending.is_empty() {
            return None;
        }
        let free = q
            .pending
            .iter()
            .position(|&i| q.active.get(&hosts[i]).copied().unwrap_or(0) < per_host);
        if let Some(k) = free {
            let i = q.pending.remove(k)?;
            *q.active.entry(hosts[i].clone()).or_default() += 1;
            return Some(i);
        }
        q = changed.wait(q).ok()?;
    }
}

fn progress_bar(enabled: bool, len: usize) -> Option<indicatif::ProgressBar> {
    if !enabled || len == 0 {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("checking links {bar:30} {pos}/{len} {elapsed}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

fn agent(opts: &ExternalOptions) -> ureq::Agent {
    let mut cfg = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .max_redirects(10)
        .max_idle_connections_per_host(opts.per_host.max(1))
        .user_agent(concat!("errbook-check/", env!("CARGO_PKG_VERSION")));
    if !opts.env_proxy {
        cfg = cfg.proxy(None);
    }
    cfg.build().new_agent()
}

fn fetch_with_retry(agent: &ureq::Agent, r: &Request, opts: &ExternalOptions) -> Outcome {
    let first = fetch(agent, r, opts);
    if !first.transient() {
        return first;
    }
    std::thread::sleep(opts.retry_delay);
    fetch(agent, r, opts)
}

fn fetch(agent: &ureq::Agent, r: &Request, opts: &ExternalOptions) -> Outcome {
    use ureq::ResponseExt as _;
    let mut o = Outcome {
        status: None,
        error: None,
        final_url: None,
        is_html: false,
        anchors: None,
        checked_at: now(),
    };
    match agent
        .get(&r.url)
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .call()
    {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            o.status = Some(status);
            let final_url = resp.get_uri().to_string();
            if final_url != r.url {
                o.final_url = Some(final_url);
            }
            o.is_html = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.to_ascii_lowercase().contains("html"));
            if r.need_anchors && o.is_html && status < 400 {
                match resp
                    .body_mut()
                    .with_config()
                    .limit(opts.max_body)
                    .lossy_utf8(true)
                    .read_to_string()
                {
                    Ok(body) => o.anchors = Some(anchors_of(&body)),
                    Err(e) => {
                        o.status = None;
                        o.error = Some(format!("reading the page: {e}"));
                    }
                }
            }
        }
        Err(ureq::Error::Timeout(t)) => o.error = Some(format!("timed out ({t})")),
        Err(e) => o.error = Some(e.to_string()),
    }
    o
}

/// `id="…"` and `name="…"` values of an HTML page.
pub fn anchors_of(html: &str) -> Vec<String> {
    static ATTR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)[\s"'](?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"#)
            .unwrap_or_else(|_| unreachable!("a valid regex"))
    });
    let set: HashSet<String> = ATTR
        .captures_iter(html)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| m.as_str().to_owned())
        .collect();
    let mut v: Vec<String> = set.into_iter().collect();
    v.sort();
    v
}

fn load_cache(dir: &Path) -> HashMap<String, Outcome> {
    std::fs::read(dir.join(CACHE_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn save_cache(dir: &Path, cache: &HashMap<String, Outcome>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(&ignore, "# errbook's cache: never committed\n*\n")?;
    }
    let sorted: std::collections::BTreeMap<_, _> = cache.iter().collect();
    let json = serde_json::to_vec(&sorted).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!("{CACHE_FILE}.tmp{}", std::process::id()));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, dir.join(CACHE_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_fragments() {
        assert_eq!(
            host_of("https://User@Docs.Example:8443/a?b#c"),
            "docs.example:8443"
        );
        assert_eq!(host_of("http://127.0.0.1:99/x"), "127.0.0.1:99");
        assert_eq!(
            split_fragment("//a.example/p#x"),
            ("https://a.example/p".into(), Some("x".into()))
        );
    }

    #[test]
    fn finds_ids_and_names() {
        let html = r#"<h2 id="verify-internet-access">V</h2><a name='old'></a><div data-id="no" class=x id=bare>"#;
        assert_eq!(anchors_of(html), ["bare", "old", "verify-internet-access"]);
    }
}
