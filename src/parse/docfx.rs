//! DocFX-flavoured Markdown as learn.microsoft.com writes it: alerts (`> [!NOTE]`),
//! `[!INCLUDE [title](path)]`, `:::image … :::`, `> [!div class="…"]`, `xref:` links.
//! What errbook does not know stays visible text and is reported once per kind.

use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use pulldown_cmark::BlockQuoteKind;
use regex::Regex;

use crate::percent::decode as percent_decode;

static ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"([A-Za-z][\w-]*)\s*=\s*"([^"]*)""#).unwrap());
static BANG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[!([A-Za-z][A-Za-z0-9_-]*)").unwrap());
static COLONS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*:::+\s*([A-Za-z][\w-]*)").unwrap());

/// The localized title of an alert.
pub fn alert_label(locale: &str, kind: BlockQuoteKind) -> &'static str {
    let ko = locale.to_ascii_lowercase().starts_with("ko");
    let ja = locale.to_ascii_lowercase().starts_with("ja");
    match (kind, ko, ja) {
        (BlockQuoteKind::Note, true, _) => "참고",
        (BlockQuoteKind::Tip, true, _) => "팁",
        (BlockQuoteKind::Important, true, _) => "중요",
        (BlockQuoteKind::Warning, true, _) => "경고",
        (BlockQuoteKind::Caution, true, _) => "주의",
        (BlockQuoteKind::Note, _, true) => "注意",
        (BlockQuoteKind::Tip, _, true) => "ヒント",
        (BlockQuoteKind::Important, _, true) => "重要",
        (BlockQuoteKind::Warning, _, true) => "警告",
        (BlockQuoteKind::Caution, _, true) => "注意事項",
        (BlockQuoteKind::Note, ..) => "Note",
        (BlockQuoteKind::Tip, ..) => "Tip",
        (BlockQuoteKind::Important, ..) => "Important",
        (BlockQuoteKind::Warning, ..) => "Warning",
        (BlockQuoteKind::Caution, ..) => "Caution",
    }
}

pub fn alert_class(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Important => "important",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "caution",
    }
}

/// The opening HTML of an alert callout.
pub fn alert_open(locale: &str, kind: BlockQuoteKind) -> String {
    format!(
        "<div class=\"callout callout-{}\" role=\"note\"><p class=\"callout-title\">{}</p>\n",
        alert_class(kind),
        alert_label(locale, kind)
    )
}

/// `:::image type="content" source="…" alt-text="…":::` (optionally with a long
/// description closed by `:::image-end:::`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub source: String,
    pub alt: String,
    pub long: Option<String>,
}

pub fn image_directive(text: &str) -> Option<Image> {
    let t = text.trim_start();
    let rest = t.strip_prefix(":::image")?;
    if rest.starts_with("-end") {
        return None;
    }
    let head_end = rest.find(":::")?;
    let head = &rest[..head_end];
    let mut source = None;
    let mut alt = String::new();
    for c in ATTR.captures_iter(head) {
        match &c[1] {
            "source" => source = Some(c[2].to_owned()),
            "alt-text" => alt = c[2].to_owned(),
            _ => {}
        }
    }
    let after = &rest[head_end + 3..];
    let long = after
        .find(":::image-end:::")
        .map(|end| after[..end].trim().to_owned())
        .filter(|s| !s.is_empty());
    Some(Image {
        source: source?,
        alt,
        long,
    })
}

/// `[!div class="nextstepaction"]` → `nextstepaction`.
pub fn div_class(text: &str) -> Option<String> {
    let t = text.trim();
    let rest = t.strip_prefix("[!div")?.trim_start();
    let inner = rest.strip_suffix(']')?;
    ATTR.captures_iter(inner)
        .find(|c| &c[1] == "class")
        .map(|c| c[2].to_owned())
}

/// DocFX constructs in text that errbook leaves as they are: `[!VIDEO`, `:::zone` …
pub fn unknown_extensions(text: &str) -> Vec<String> {
    let mut kinds = Vec::new();
    for c in BANG.captures_iter(text) {
        let k = c[1].to_ascii_uppercase();
        if !matches!(
            k.as_str(),
            "NOTE" | "TIP" | "IMPORTANT" | "WARNING" | "CAUTION" | "INCLUDE" | "DIV"
        ) {
            kinds.push(format!("[!{k}]"));
        }
    }
    for c in COLONS.captures_iter(text) {
        let k = c[1].to_ascii_lowercase();
        if !matches!(k.as_str(), "image" | "image-end") {
            kinds.push(format!(":::{k}"));
        }
    }
    kinds
}

/// Why an include could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncludeError {
    OutsideRoot,
    Missing(PathBuf),
    Cycle,
}

/// Resolves an include's path against the including file (both relative to the site
/// root), without touching the disk: `..` that climbs above the root is refused.
pub fn resolve_relative(including: &Path, target: &str) -> Result<PathBuf, IncludeError> {
    let target = target.split(['#', '?']).next().unwrap_or("");
    let target = percent_decode(target);
    let base = including.parent().unwrap_or(Path::new(""));
    let mut out = PathBuf::new();
    let joined = if target.starts_with('/') || target.starts_with('\\') {
        PathBuf::from(target.trim_start_matches(['/', '\\']))
    } else {
        base.join(target.replace('\\', "/"))
    };
    for c in joined.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err(IncludeError::OutsideRoot);
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(IncludeError::OutsideRoot),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        let i = image_directive(
            r#":::image type="content" source="media/a b.png" alt-text="A screen":::"#,
        )
        .expect("image");
        assert_eq!(
            (i.source.as_str(), i.alt.as_str(), i.long),
            ("media/a b.png", "A screen", None)
        );
        let i = image_directive(
            ":::image type=\"complex\" source=\"x.png\" alt-text=\"X\":::\n   The long text.\n:::image-end:::",
        )
        .expect("image");
        assert_eq!(i.long.as_deref(), Some("The long text."));
        assert_eq!(image_directive(":::image-end:::"), None);
    }

    #[test]
    fn divs_and_unknown() {
        assert_eq!(
            div_class(r#"[!div class="nextstepaction"]"#).as_deref(),
            Some("nextstepaction")
        );
        assert_eq!(
            unknown_extensions("see [!VIDEO https://x] and [!NOTE]"),
            vec!["[!VIDEO]"]
        );
        assert_eq!(
            unknown_extensions("::: zone pivot=\"a\"\n:::image x"),
            vec![":::zone"]
        );
    }

    #[test]
    fn include_paths_stay_in_the_root() {
        let g = Path::new("source/en-US/guide.md");
        assert_eq!(
            resolve_relative(g, "../includes/x.md"),
            Ok(PathBuf::from("source/includes/x.md"))
        );
        assert_eq!(
            resolve_relative(g, "includes/a%20b.md"),
            Ok(PathBuf::from("source/en-US/includes/a b.md"))
        );
        assert_eq!(
            resolve_relative(g, "../../../etc/passwd"),
            Err(IncludeError::OutsideRoot)
        );
        assert_eq!(
            resolve_relative(g, "/etc/passwd").ok(),
            Some(PathBuf::from("etc/passwd"))
        );
    }
}
