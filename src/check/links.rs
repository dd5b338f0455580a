//! Link checks that need no network: anchors inside the guide, links to other guides
//! (file and anchor), assets next to the guide, malformed and `javascript:` URLs.
//! http(s) links are checked for real by `external` when asked.

use rustc_hash::FxHashMap;
use std::path::{Component, Path, PathBuf};

use crate::diag::{display_path, Diagnostic};
use crate::model::{Guide, Link, Site};

/// What a link destination is, before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// `#anchor` in the same guide (the fragment, not yet percent-decoded).
    SamePage(&'a str),
    /// `http://…`, `https://…` or `//host/…`.
    External,
    /// `mailto:`, `tel:` and other schemes errbook does not check.
    OtherScheme,
    /// `/path`: relative to a web site root errbook does not publish.
    SiteRoot(&'a str),
    /// A path relative to the guide file, and its fragment.
    Relative {
        path: &'a str,
        fragment: Option<&'a str>,
    },
    /// A URL that cannot work; the reason.
    Malformed(&'static str),
    JavaScript,
}

/// Classifies a link destination. Pure, so it is tested with a table.
pub fn classify(url: &str) -> Target<'_> {
    let u = url.trim();
    if u.is_empty() {
        return Target::Malformed("the link has an empty destination");
    }
    let lower = u.to_ascii_lowercase();
    let squeezed: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    if squeezed.starts_with("javascript:") {
        return Target::JavaScript;
    }
    if let Some(frag) = u.strip_prefix('#') {
        return Target::SamePage(frag);
    }
    if lower.starts_with("http://") || lower.starts_with("https://") || u.starts_with("//") {
        let after = u.split_once("//").map_or("", |(_, a)| a);
        let host = after.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() {
            return Target::Malformed("the URL has no host");
        }
        if u.chars().any(char::is_whitespace) {
            return Target::Malformed("the URL contains spaces");
        }
        let host_only = host.rsplit('@').next().unwrap_or(host);
        let bare = host_only
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or("");
        let name = if host_only.starts_with('[') {
            bare
        } else {
            host_only.split(':').next().unwrap_or("")
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'))
        {
            return Target::Malformed("the URL's host name is not valid");
        }
        return Target::External;
    }
    if lower.starts_with("http:") || lower.starts_with("https:") {
        return Target::Malformed("an http(s) URL needs `//` after the scheme");
    }
    if has_scheme(u) {
        // `C:\…` or `c:/…` is a Windows path, not a URL.
        if u.len() >= 2 && u.as_bytes()[1] == b':' && u.as_bytes()[0].is_ascii_alphabetic() {
            return Target::Malformed("a Windows path is not a URL");
        }
        return Target::OtherScheme;
    }
    if u.starts_with('\\') || u.contains('\\') {
        return Target::Malformed("a URL uses `/`, not `\\`");
    }
    if let Some(p) = u.strip_prefix('/') {
        return Target::SiteRoot(p);
    }
    let (path, fragment) = match u.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (u, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() {
        // `?x#y`: the same page.
        return Target::SamePage(fragment.unwrap_or(""));
    }
    Target::Relative { path, fragment }
}

fn has_scheme(u: &str) -> bool {
    match u.find(':') {
        Some(i) if i > 0 => {
            let s = &u[..i];
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !s.contains('/')
        }
        _ => false,
    }
}

pub use crate::percent::decode as percent_decode;

/// `a/b/../c` → `a/c`, without touching the disk. `None` when it climbs above the start.
fn normalize(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

/// Where a link sits and how long its source text is: from `[` (or `<a`/`<img`) to the
/// end of the destination, when it can be found on the link's line.
pub(crate) fn link_len(guide: &Guide, link: &Link) -> usize {
    let rest = super::rest_of_line(guide, link.pos);
    match rest.find(link.url.as_str()) {
        Some(at) if !link.url.is_empty() => {
            let end = at + link.url.len();
            let close = usize::from(rest[end..].starts_with([')', '"', '\'']));
            rest[..end].chars().count() + close
        }
        _ => 1,
    }
}

fn finding(
    name: &'static str,
    guide: &Guide,
    link: &Link,
    severity: crate::diag::Severity,
    message: String,
    hint: &str,
) -> Diagnostic {
    Diagnostic::new(name, severity, &guide.path, link.pos, message)
        .with_len(link_len(guide, link))
        .with_hint(hint)
}

/// Whether `name` is an anchor of the guide; `Err(suggestion)` when only the case differs.
fn has_anchor(guide: &Guide, name: &str) -> Result<(), Option<String>> {
    if name.is_empty() || guide.anchors.iter().any(|a| a.name == name) {
        return Ok(());
    }
    Err(guide
        .anchors
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
        .map(|a| a.name.clone()))
}

fn anchor_hint(suggestion: Option<String>) -> String {
    match suggestion {
        Some(s) => format!("anchors are case-sensitive: did you mean `#{s}`?"),
        None => {
            "link to a heading's `<a name>`, its slug or an entry id; `errbook export` lists them"
                .into()
        }
    }
}

/// Every guide of the site by its path (relative to `source/`), with its locale: links
/// between guides are resolved through it.
pub struct GuidePaths<'a>(FxHashMap<ByName<'a>, (&'a str, &'a Guide)>);

impl<'a> GuidePaths<'a> {
    pub fn new(site: &'a Site) -> Self {
        let n = site.locales.iter().map(|l| l.guides.len()).sum();
        let mut map = FxHashMap::with_capacity_and_hasher(n, Default::default());
        for l in &site.locales {
            for g in &l.guides {
                // The first locale holding a path wins, as a scan in site order would.
                map.entry(ByName(g.path.as_path()))
                    .or_insert((l.tag.as_str(), g));
            }
        }
        GuidePaths(map)
    }
}

/// A path compared as paths compare, hashed by its file name only: hashing whole paths
/// (component by component) was most of building the map, which `serve` does per edit.
/// Equal paths have equal file names, so equal keys hash alike.
#[derive(PartialEq, Eq)]
struct ByName<'a>(&'a Path);

impl std::hash::Hash for ByName<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.file_name().hash(state);
    }
}

pub fn check_guide(
    site: &Site,
    paths: &GuidePaths<'_>,
    locale: &str,
    guide: &Guide,
) -> Vec<Diagnostic> {
    use crate::diag::Severity::{Error, Warning};
    let mut out = Vec::new();
    let guide_dir = guide.path.parent().unwrap_or(Path::new(""));
    for link in &guide.links {
        match classify(&link.url) {
            Target::SamePage(frag) => {
                let name = percent_decode(frag);
                if let Err(s) = has_anchor(guide, &name) {
                    out.push(finding(
                        "link-broken-anchor",
                        guide,
                        link,
                        Error,
                        format!("no anchor `#{name}` in this guide"),
                        &anchor_hint(s),
                    ));
                }
            }
            Target::JavaScript => out.push(finding(
                "link-javascript",
                guide,
                link,
                Error,
                "`javascript:` URLs are not allowed in guides".into(),
                "link to a page or an anchor instead",
            )),
            Target::Malformed(why) => out.push(finding(
                "link-malformed-url",
                guide,
                link,
                Error,
                format!("malformed URL `{}`: {why}", link.url),
                "write an absolute http(s) URL or a path relative to the guide",
            )),
            Target::External | Target::OtherScheme => {}
            Target::SiteRoot(_) => out.push(finding(
                "link-outside-site",
                guide,
                link,
                Warning,
                format!(
                    "`{}` is relative to a web site root, not to this site",
                    link.url
                ),
                "use a path relative to the guide, or the page's full https:// URL",
            )),
            Target::Relative { path, fragment } => {
                let decoded = percent_decode(path);
                let Some(target) = normalize(&guide_dir.join(&decoded)) else {
                    out.push(finding(
                        "link-outside-site",
                        guide,
                        link,
                        Warning,
                        format!("`{}` points above the site's root", link.url),
                        "link to a guide of the site or an absolute https:// URL",
                    ));
                    continue;
                };
                let is_md = Path::new(&decoded)
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("md"));
                if is_md {
                    out.extend(check_guide_link(
                        paths, locale, guide, link, &target, fragment,
                    ));
                } else if !site.root.join(&target).exists() {
                    out.push(finding(
                        "link-missing-asset",
                        guide,
                        link,
                        Error,
                        format!(
                            "{} `{}` does not exist ({})",
                            if link.is_image { "image" } else { "file" },
                            link.url,
                            display_path(&target)
                        ),
                        "add the file next to the guide, or fix the path (it is relative to the guide file)",
                    ));
                }
            }
        }
    }
    out
}

/// A link to `other.md#anchor`: a guide of the site in the same locale, with that anchor.
fn check_guide_link(
    paths: &GuidePaths<'_>,
    locale: &str,
    guide: &Guide,
    link: &Link,
    target: &Path,
    fragment: Option<&str>,
) -> Option<Diagnostic> {
    use crate::diag::Severity::{Error, Warning};
    let found = paths.0.get(&ByName(target)).copied();
    let Some((target_locale, target_guide)) = found else {
        return Some(finding(
            "link-outside-site",
            guide,
            link,
            Warning,
            format!(
                "`{}` is not a guide of this site ({} does not exist)",
                link.url,
                display_path(target)
            ),
            "add the guide to the site, or link to the published page with an https:// URL",
        ));
    };
    if !target_locale.eq_ignore_ascii_case(locale) {
        return Some(finding(
            "link-other-locale",
            guide,
            link,
            Warning,
            format!(
                "`{}` links from a {locale} guide to a {target_locale} guide",
                link.url
            ),
            "link to the guide of the same locale",
        ));
    }
    let name = percent_decode(fragment?);
    has_anchor(target_guide, &name).err().map(|s| {
        finding(
            "link-broken-anchor",
            guide,
            link,
            Error,
            format!(
                "no anchor `#{name}` in {}",
                display_path(&target_guide.path)
            ),
            &anchor_hint(s),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_destinations() {
        let cases: &[(&str, Target<'_>)] = &[
            ("#x", Target::SamePage("x")),
            ("https://a.example/p#f", Target::External),
            ("//cdn.example/x.png", Target::External),
            ("mailto:x@y.z", Target::OtherScheme),
            ("/azure/backup/x", Target::SiteRoot("azure/backup/x")),
            (
                "other.md#a",
                Target::Relative {
                    path: "other.md",
                    fragment: Some("a"),
                },
            ),
            (
                "./media/x.png?raw=1",
                Target::Relative {
                    path: "./media/x.png",
                    fragment: None,
                },
            ),
            ("", Target::Malformed("the link has an empty destination")),
            ("https://", Target::Malformed("the URL has no host")),
            (
                "http:/x.example",
                Target::Malformed("an http(s) URL needs `//` after the scheme"),
            ),
            (
                "C:\\Program Files\\x",
                Target::Malformed("a Windows path is not a URL"),
            ),
            (
                "media\\x.png",
                Target::Malformed("a URL uses `/`, not `\\`"),
            ),
            (
                "https://exa mple.com",
                Target::Malformed("the URL contains spaces"),
            ),
            ("JavaScript:alert(1)", Target::JavaScript),
            (" java\tscript:alert(1)", Target::JavaScript),
        ];
        for (url, want) in cases {
            assert_eq!(&classify(url), want, "{url}");
        }
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%20b%"), "a b%");
        assert_eq!(percent_decode("%ED%95%9C"), "한");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(
            normalize(Path::new("source/ko-KR/./a/../b.md")),
            Some(PathBuf::from("source/ko-KR/b.md"))
        );
        assert_eq!(normalize(Path::new("../x")), None);
    }
}
