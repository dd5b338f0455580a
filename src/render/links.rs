//! Links in rendered HTML: rewriting them for the page they land on, and checking that
//! every relative link of the output resolves to a file (and anchor) of the output.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::OutputFile;

static HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
});

/// What to do with one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    Keep,
    To(String),
    /// The target is not part of the site: the `href` becomes `data-source-href`, so
    /// the text stays, marked, and no link is broken.
    Unlink,
}

/// Calls `map` on every quoted `href` value of an HTML fragment (entities decoded) and
/// applies what it says.
pub fn rewrite_hrefs<'h>(html: &'h str, map: impl Fn(&str) -> Rewrite) -> Cow<'h, str> {
    let mut changed = false;
    let out = HREF.replace_all(html, |caps: &regex::Captures<'_>| {
        let raw = caps
            .get(2)
            .or_else(|| caps.get(3))
            .map_or("", |m| m.as_str());
        let value = decode_entities(raw);
        match map(&value) {
            Rewrite::To(new) => {
                changed = true;
                format!("{}\"{}\"", &caps[1], escape_attr(&new))
            }
            Rewrite::Unlink => {
                changed = true;
                format!(" data-source-href=\"{}\"", escape_attr(&value))
            }
            Rewrite::Keep => caps[0].to_owned(),
        }
    });
    if changed {
        Cow::Owned(out.into_owned())
    } else {
        Cow::Borrowed(html)
    }
}

static IMG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)<img\b[^>]*>"#).expect("valid regex"));

/// What to do with one `<img>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImgRewrite {
    Keep,
    /// Point `src` here.
    Src(String),
    /// Put this HTML in place of the whole tag.
    Replace(String),
}

/// Calls `map(src, alt)` on every `<img>` of an HTML fragment and applies what it says.
pub fn rewrite_imgs<'h>(html: &'h str, map: impl Fn(&str, &str) -> ImgRewrite) -> Cow<'h, str> {
    if !crate::text::contains_ascii_ci(html, "<img") {
        return Cow::Borrowed(html);
    }
    let mut changed = false;
    let out = IMG.replace_all(html, |caps: &regex::Captures<'_>| {
        let tag = &caps[0];
        let attrs = tags(tag)
            .into_iter()
            .next()
            .map(|t| t.attrs)
            .unwrap_or_default();
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.as_str())
        };
        match map(get("src"), get("alt")) {
            ImgRewrite::Keep => tag.to_owned(),
            ImgRewrite::Src(src) => {
                changed = true;
                let rest: String = attrs
                    .iter()
                    .filter(|(k, _)| k != "src")
                    .map(|(k, v)| format!(" {k}=\"{}\"", escape_attr(v)))
                    .collect();
                format!("<img src=\"{}\"{rest}>", escape_attr(&src))
            }
            ImgRewrite::Replace(html) => {
                changed = true;
                html
            }
        }
    });
    if changed {
        Cow::Owned(out.into_owned())
    } else {
        Cow::Borrowed(html)
    }
}

/// The `src` of every `<img>` of an HTML fragment.
pub fn img_srcs(html: &str) -> Vec<String> {
    IMG.find_iter(html)
        .flat_map(|m| tags(m.as_str()))
        .filter_map(|t| {
            t.attrs
                .into_iter()
                .find(|(k, _)| k == "src")
                .map(|(_, v)| v)
        })
        .collect()
}

/// Escapes text for an attribute value or element content.
pub fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

pub use crate::percent::decode as percent_decode;

/// A link of the output that does not work from `file://`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The page holding the link.
    pub page: String,
    pub attr: &'static str,
    pub url: String,
    pub reason: &'static str,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}=\"{}\": {}",
            self.page, self.attr, self.url, self.reason
        )
    }
}

static TAG: LazyLock<Regex> = LazyLock::new(|| {
    // A start tag and its attributes; values quoted either way or bare (minified).
    Regex::new(r#"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*/?>"#)
        .expect("valid regex")
});
static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#)
        .expect("valid regex")
});

struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

fn tags(html: &str) -> Vec<Tag> {
    TAG.captures_iter(html)
        .map(|c| Tag {
            name: c[1].to_ascii_lowercase(),
            attrs: ATTR
                .captures_iter(c.get(2).map_or("", |m| m.as_str()))
                .map(|a| {
                    let v = a
                        .get(2)
                        .or(a.get(3))
                        .or(a.get(4))
                        .map_or("", |m| m.as_str());
                    (a[1].to_ascii_lowercase(), decode_entities(v))
                })
                .collect(),
        })
        .collect()
}

/// Elements whose content is text or code, never markup: a minifier may leave `<` in a
/// `<title>`, and `<img src=x>` there is a title, not an image. Only the start tag is kept.
static RAW_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?is)(<title\b[^>]*>).*?</title|(<textarea\b[^>]*>).*?</textarea",
        r"|(<script\b[^>]*>).*?</script|(<style\b[^>]*>).*?</style"
    ))
    .expect("valid regex")
});

fn without_raw_text(html: &str) -> Cow<'_, str> {
    RAW_TEXT.replace_all(html, |c: &regex::Captures<'_>| {
        (1..=4)
            .find_map(|i| c.get(i))
            .map_or_else(String::new, |m| m.as_str().to_owned())
    })
}

/// Every relative `href`/`src` (and meta-refresh target) of every HTML page must name a
/// file of the output, and its `#fragment` an id of that page. Absolute paths (`/x`),
/// directory links (`x/`), and assets from the network are broken by definition: the
/// site must work from `file://` under any sub-path.
pub fn broken_links(files: &[OutputFile]) -> Vec<BrokenLink> {
    let paths: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut ids: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut page_tags: Vec<(&str, Vec<Tag>)> = Vec::new();
    for f in files.iter().filter(|f| f.path.ends_with(".html")) {
        let html = String::from_utf8_lossy(&f.bytes);
        let t = tags(&without_raw_text(&html));
        let page_ids = t
            .iter()
            .flat_map(|t| t.attrs.iter())
            .filter(|(k, _)| k == "id")
            .map(|(_, v)| v.clone())
            .collect();
        ids.insert(&f.path, page_ids);
        page_tags.push((&f.path, t));
    }
    let mut broken = Vec::new();
    for (page, tags) in &page_tags {
        for tag in tags {
            let rel = tag
                .attrs
                .iter()
                .find(|(k, _)| k == "rel")
                .map(|(_, v)| v.as_str());
            for (attr, value) in &tag.attrs {
                let (attr, url): (&'static str, String) = match attr.as_str() {
                    "href" => ("href", value.clone()),
                    "src" => ("src", value.clone()),
                    "content" if tag.name == "meta" => {
                        let lower = value.to_ascii_lowercase();
                        match lower.find("url=") {
                            Some(i) => ("content", value[i + 4..].trim().to_owned()),
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                let mut report = |reason| {
                    broken.push(BrokenLink {
                        page: (*page).to_owned(),
                        attr,
                        url: url.clone(),
                        reason,
                    })
                };
                let lower = url.to_ascii_lowercase();
                let external = lower.starts_with("http:") || lower.starts_with("https:");
                if external {
                    // Links out are fine; loading page parts from the network is not.
                    let is_asset = attr == "src"
                        || (tag.name == "link" && !matches!(rel, Some("canonical" | "alternate")));
                    if is_asset {
                        report("loads an asset from the network");
                    }
                    continue;
                }
                if lower.starts_with("mailto:")
                    || lower.starts_with("tel:")
                    || lower.starts_with("data:")
                {
                    continue;
                }
                if url.starts_with("//") || has_scheme(&lower) {
                    report("unknown scheme or protocol-relative URL");
                    continue;
                }
                if url.starts_with('/') {
                    report("absolute path: breaks under file:// and sub-paths");
                    continue;
                }
                let (path_part, fragment) = match url.split_once('#') {
                    Some((p, f)) => (p, Some(f)),
                    None => (url.as_str(), None),
                };
                let path_part = path_part.split('?').next().unwrap_or("");
                let target = if path_part.is_empty() {
                    Some((*page).to_owned())
                } else if path_part.ends_with('/') {
                    report("links to a folder, not a file");
                    continue;
                } else {
                    resolve(page, &percent_decode(path_part))
                };
                let Some(target) = target else {
                    report("goes above the output folder");
                    continue;
                };
                if !paths.contains(target.as_str()) {
                    report("no such file in the output");
                    continue;
                }
                if let Some(frag) = fragment.filter(|f| !f.is_empty()) {
                    if let Some(target_ids) = ids.get(target.as_str()) {
                        if !target_ids.contains(&percent_decode(frag)) {
                            report("no element with this id");
                        }
                    }
                }
            }
        }
    }
    broken
}

/// `javascript:`, `file:` and the like: anything before the first `/?#` ending in `:`.
fn has_scheme(url: &str) -> bool {
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    url[..end].contains(':')
}

/// Resolves a relative path against the folder of `page`; `None` above the root.
fn resolve(page: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, html: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: html.as_bytes().to_vec(),
        }
    }

    #[test]
    fn images_are_found_whatever_the_case_of_the_tag() {
        for html in [
            "<img src=a.png>",
            "x <IMG SRC=\"a.png\">",
            "<Img alt=\"\" src='a.png'>",
        ] {
            let out = rewrite_imgs(html, |src, _| ImgRewrite::Src(format!("../{src}")));
            assert!(out.contains("src=\"../a.png\""), "{html} → {out}");
        }
        assert!(matches!(
            rewrite_imgs("no images <b>here</b>", |_, _| ImgRewrite::Keep),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn finds_broken_links() {
        let files = vec![
            page(
                "index.html",
                r#"<meta http-equiv=refresh content="0; url=ko-KR/index.html"><a href=ko-KR/index.html>x</a>"#,
            ),
            page(
                "ko-KR/index.html",
                r##"<h2 id="가">x</h2><a href="#%EA%B0%80">ok</a><a href="#missing">no id</a>
                <a href="../index.html">ok</a><a href="/abs.html">abs</a><a href="g/">dir</a>
                <a href='https://example.com/'>out</a><script src="https://cdn/x.js"></script>
                <link rel=stylesheet href="../assets/style.css"><a href="../../up.html">up</a>
                <a href="g/index.html#top">frag</a>"##,
            ),
            page("ko-KR/g/index.html", r#"<p id=top>t</p>"#),
        ];
        let broken: Vec<(String, &str)> = broken_links(&files)
            .into_iter()
            .map(|b| (b.url, b.reason))
            .collect();
        assert_eq!(
            broken,
            vec![
                ("#missing".to_owned(), "no element with this id"),
                (
                    "/abs.html".to_owned(),
                    "absolute path: breaks under file:// and sub-paths"
                ),
                ("g/".to_owned(), "links to a folder, not a file"),
                (
                    "https://cdn/x.js".to_owned(),
                    "loads an asset from the network"
                ),
                (
                    "../assets/style.css".to_owned(),
                    "no such file in the output"
                ),
                ("../../up.html".to_owned(), "goes above the output folder"),
            ]
        );
    }

    #[test]
    fn text_in_a_title_is_not_a_link() {
        let files = vec![page(
            "a.html",
            "<title>Payload <img src=x> here</title><script src=a.html>if (a<b) {}</script>",
        )];
        assert!(
            broken_links(&files).is_empty(),
            "{:?}",
            broken_links(&files)
        );
        let files = vec![page("a.html", "<title>t</title><img src=x>")];
        assert_eq!(
            broken_links(&files).len(),
            1,
            "a real image outside the title"
        );
    }

    #[test]
    fn rewrites_hrefs() {
        let html = r##"<a href="#x">a</a> <a href='other.md#y'>b</a> <img src="#x">"##;
        let out = rewrite_hrefs(html, |u| match u {
            "#x" => Rewrite::To(format!("index.html{u}")),
            _ => Rewrite::Unlink,
        });
        assert_eq!(
            out,
            r##"<a href="index.html#x">a</a> <a data-source-href="other.md#y">b</a> <img src="#x">"##
        );
        assert!(matches!(
            rewrite_hrefs("<p>x</p>", |_| Rewrite::Keep),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn decodes_percent() {
        assert_eq!(percent_decode("%EB%B3%B5a%2"), "복a%2");
        assert_eq!(percent_decode("a%zz"), "a%zz");
    }
}
