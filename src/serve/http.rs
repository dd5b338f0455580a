//! The HTTP side of `serve`: which requests are answered (Host check), which file a URL
//! names (no way out of the site), and the live-reload script injected into pages.
//! The two decisions are pure functions with table tests; the handler is thin.

use std::net::{IpAddr, SocketAddr};

/// Where the injected script and the event stream live; no site file can be named so
/// (`__errbook` is not a locale tag or guide folder errbook writes).
pub const EVENTS_PATH: &str = "/__errbook/events";
pub const SCRIPT_PATH: &str = "/__errbook/live.js";

/// The live-reload client: an EventSource that reloads the page, or shows the build's
/// diagnostics over it.
pub const LIVE_JS: &str = include_str!("live.js");

/// What a request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file of the site, by output path (`ko-KR/index.html`).
    File(String),
    /// A folder named without its trailing slash: redirect so relative links resolve.
    Redirect(String),
}

/// Why a path is refused (400): it tries to leave the site or is not a plain path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// Maps a request path (as sent, percent-encoded, without the query) to a site file.
/// Segments `.` and `..` (also encoded), backslashes, NUL, drive letters (`C:`) and
/// empty segments (`//etc`) are refused, before or after decoding. `is_dir` tells
/// whether an output folder exists (`ko-KR` → redirect to `ko-KR/`).
pub fn resolve(raw: &str, is_dir: &dyn Fn(&str) -> bool) -> Result<Target, Refused> {
    let path = raw.split(['?', '#']).next().unwrap_or(raw);
    let Some(rest) = path.strip_prefix('/') else {
        return Err(Refused);
    };
    let decoded = percent_decode(rest).ok_or(Refused)?;
    if decoded.is_empty() {
        return Ok(Target::File("index.html".into()));
    }
    let trailing = decoded.ends_with('/');
    let body = decoded.strip_suffix('/').unwrap_or(&decoded);
    let mut segs = Vec::new();
    for seg in body.split('/') {
        let bad = seg.is_empty()
            || seg == "."
            || seg == ".."
            || seg.contains(['\\', '\0', ':'])
            || seg.chars().any(char::is_control);
        if bad {
            return Err(Refused);
        }
        segs.push(seg);
    }
    let joined = segs.join("/");
    if trailing {
        return Ok(Target::File(format!("{joined}/index.html")));
    }
    if is_dir(&joined) {
        return Ok(Target::Redirect(format!("{}/", path)));
    }
    Ok(Target::File(joined))
}

/// `%XX` decoding to UTF-8; `None` for malformed escapes or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether a request's `Host` header names this server: `localhost`, a loopback
/// address, the bound address, or a name given with `--allow-host`. Other names are
/// refused, so a web page whose domain was rebound to 127.0.0.1 (DNS rebinding) cannot
/// read the site. When bound to all interfaces, any IP address is accepted (names still
/// need `--allow-host`).
pub fn host_allowed(host: Option<&str>, bound: SocketAddr, allow: &[String]) -> bool {
    let Some(host) = host.map(str::trim).filter(|h| !h.is_empty()) else {
        return false;
    };
    let name = strip_port(host);
    let lower = name.to_ascii_lowercase();
    if lower == "localhost" || allow.iter().any(|a| a.eq_ignore_ascii_case(&lower)) {
        return true;
    }
    let ip_text = lower.trim_start_matches('[').trim_end_matches(']');
    let Ok(ip) = ip_text.parse::<IpAddr>() else {
        return false;
    };
    ip.is_loopback() || ip == bound.ip() || bound.ip().is_unspecified()
}

/// `host:port` → `host`, `[::1]:80` → `[::1]`, `::1` stays.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The page with the live-reload script added before `</body>` (or at the end).
/// `generation` lets the script tell whether it missed a rebuild while loading.
pub fn inject(html: &[u8], generation: u64) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" data-generation=\"{generation}\"></script>");
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

/// Content type by extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let is_dir = |p: &str| p == "ko-KR" || p == "ko-KR/가이드";
        let file = |p: &str| Ok(Target::File(p.into()));
        let cases: Vec<(&str, Result<Target, Refused>)> = vec![
            ("/", file("index.html")),
            ("/index.html", file("index.html")),
            ("/ko-KR/", file("ko-KR/index.html")),
            ("/ko-KR", Ok(Target::Redirect("/ko-KR/".into()))),
            ("/ko-KR/a.html?x=1", file("ko-KR/a.html")),
            (
                "/ko-KR/%EA%B0%80%EC%9D%B4%EB%93%9C/",
                file("ko-KR/가이드/index.html"),
            ),
            ("/assets/style.css", file("assets/style.css")),
            // Ways out of the site.
            ("/../etc/passwd", Err(Refused)),
            ("/ko-KR/../../etc/passwd", Err(Refused)),
            ("/%2e%2e/etc/passwd", Err(Refused)),
            ("/%2E%2E/etc/passwd", Err(Refused)),
            ("/..%2fetc%2fpasswd", Err(Refused)),
            ("/..%2Fsource/site.yaml", Err(Refused)),
            ("/ko-KR/%2e%2e%2f%2e%2e%2fsource", Err(Refused)),
            ("//etc/passwd", Err(Refused)),
            ("/%2fetc/passwd", Err(Refused)),
            ("/C:/Windows/win.ini", Err(Refused)),
            ("/..\\..\\source\\site.yaml", Err(Refused)),
            ("/%5c..%5csource", Err(Refused)),
            ("/a/./b", Err(Refused)),
            ("/a%00.html", Err(Refused)),
            ("/%zz", Err(Refused)),
            ("/%ff", Err(Refused)),
            ("relative", Err(Refused)),
            ("http://evil/x", Err(Refused)),
        ];
        for (raw, want) in cases {
            assert_eq!(resolve(raw, &is_dir), want, "{raw}");
        }
    }

    #[test]
    fn hosts() {
        let local: SocketAddr = "127.0.0.1:3000".parse().expect("addr");
        let all: SocketAddr = "0.0.0.0:3000".parse().expect("addr");
        let lan: SocketAddr = "192.168.1.5:3000".parse().expect("addr");
        let allow = vec!["kb.intranet".to_owned()];
        let cases: Vec<(Option<&str>, SocketAddr, bool)> = vec![
            (Some("127.0.0.1:3000"), local, true),
            (Some("localhost:3000"), local, true),
            (Some("LOCALHOST"), local, true),
            (Some("[::1]:3000"), local, true),
            (Some("127.0.0.2"), local, true),
            (Some("evil.example:3000"), local, false),
            (Some("localhost.evil.example"), local, false),
            (Some("127.0.0.1.nip.io"), local, false),
            (Some(""), local, false),
            (None, local, false),
            (Some("kb.intranet:3000"), local, true),
            (Some("192.168.1.5:3000"), lan, true),
            (Some("192.168.1.9:3000"), lan, false),
            (Some("10.0.0.7:3000"), all, true),
            (Some("evil.example"), all, false),
        ];
        for (host, bound, want) in cases {
            assert_eq!(
                host_allowed(host, bound, &allow),
                want,
                "{host:?} on {bound}"
            );
        }
    }

    #[test]
    fn script_goes_before_the_closing_body() {
        let out = inject(b"<html><body><p>x</p></body></html>", 7);
        let s = String::from_utf8(out).expect("utf8");
        assert!(
            s.ends_with("data-generation=\"7\"></script></body></html>"),
            "{s}"
        );
        let bare = String::from_utf8(inject(b"<p>x", 1)).expect("utf8");
        assert!(bare.starts_with("<p>x<script"), "{bare}");
    }
}
