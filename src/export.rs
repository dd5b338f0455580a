//! The machine-readable model: `errbook export --format json` and
//! `output/<locale>/errors.json`. A public contract: fields may be added, never renamed.

use serde::Serialize;

use crate::diag::display_path;
use crate::model::{CodeKind, ErrorEntry, Guide, Locale, Site};

#[derive(Debug, Serialize)]
pub struct Export<'a> {
    pub locales: Vec<LocaleOut<'a>>,
}

#[derive(Debug, Serialize)]
pub struct LocaleOut<'a> {
    pub tag: &'a str,
    pub guides: Vec<GuideOut<'a>>,
}

#[derive(Debug, Serialize)]
pub struct GuideOut<'a> {
    pub slug: &'a str,
    /// `/`-separated, relative to the site root.
    pub path: String,
    pub title: &'a str,
    pub description: Option<&'a str>,
    /// `ms.date` as `YYYY-MM-DD`.
    pub date: Option<String>,
    pub machine_translated: bool,
    pub checklist: Vec<&'a str>,
    pub sections: Vec<SectionOut<'a>>,
    pub entries: Vec<EntryOut<'a>>,
}

#[derive(Debug, Serialize)]
pub struct SectionOut<'a> {
    pub anchor: &'a str,
    pub title: &'a str,
    pub level: u8,
    pub line: usize,
}

#[derive(Debug, Serialize)]
pub struct EntryOut<'a> {
    pub id: &'a str,
    pub section: &'a str,
    pub row: usize,
    pub line: usize,
    pub operation: Option<&'a str>,
    pub message: &'a str,
    pub message_html: &'a str,
    pub cause: Option<&'a str>,
    pub cause_html: Option<&'a str>,
    pub resolution: &'a str,
    pub resolution_html: &'a str,
    pub severity: Option<&'a str>,
    pub steps: &'a [String],
    pub codes: Vec<CodeOut<'a>>,
    pub variants: Vec<VariantOut<'a>>,
}

#[derive(Debug, Serialize)]
pub struct CodeOut<'a> {
    pub raw: &'a str,
    pub normalized: &'a str,
    pub kind: CodeKind,
}

#[derive(Debug, Serialize)]
pub struct VariantOut<'a> {
    pub message: &'a str,
    pub resolution: &'a str,
}

pub fn entry(e: &ErrorEntry) -> EntryOut<'_> {
    EntryOut {
        id: &e.id,
        section: &e.section,
        row: e.row,
        line: e.pos.line,
        operation: e.operation.as_ref().map(|o| o.text.as_str()),
        message: &e.message.text,
        message_html: &e.message.html,
        cause: e.cause.as_ref().map(|c| c.text.as_str()),
        cause_html: e.cause.as_ref().map(|c| c.html.as_str()),
        resolution: &e.resolution.text,
        resolution_html: &e.resolution.html,
        severity: e.severity.as_deref(),
        steps: &e.steps,
        codes: e
            .codes
            .iter()
            .map(|c| CodeOut {
                raw: &c.raw,
                normalized: &c.normalized,
                kind: c.kind,
            })
            .collect(),
        variants: e
            .variants
            .iter()
            .map(|v| VariantOut {
                message: &v.message.text,
                resolution: &v.resolution.text,
            })
            .collect(),
    }
}

pub fn guide(g: &Guide) -> GuideOut<'_> {
    GuideOut {
        slug: &g.slug,
        path: display_path(&g.path),
        title: &g.title,
        description: g.description.as_deref(),
        date: g
            .front_matter
            .date
            .map(|d| d.format("%Y-%m-%d").to_string()),
        machine_translated: g.front_matter.machine_translated,
        checklist: g.checklist.iter().map(|c| c.text.as_str()).collect(),
        sections: g
            .sections_flat()
            .into_iter()
            .map(|s| SectionOut {
                anchor: &s.anchor,
                title: &s.title,
                level: s.level,
                line: s.pos.line,
            })
            .collect(),
        entries: g.entries().into_iter().map(entry).collect(),
    }
}

pub fn locale(l: &Locale) -> LocaleOut<'_> {
    LocaleOut {
        tag: &l.tag,
        guides: l.guides.iter().map(guide).collect(),
    }
}

pub fn site(s: &Site) -> Export<'_> {
    Export {
        locales: s.locales.iter().map(locale).collect(),
    }
}

/// Pretty JSON of the whole site (or of the locales it was loaded with).
pub fn to_json(s: &Site) -> String {
    serde_json::to_string_pretty(&site(s)).unwrap_or_default()
}

/// JSON of one locale, as `output/<locale>/errors.json` holds it.
pub fn locale_json(l: &Locale) -> String {
    serde_json::to_string(&Export {
        locales: vec![locale(l)],
    })
    .unwrap_or_default()
}

/// [`locale_json`] put together from each guide's JSON (`serde_json::to_string` of
/// [`guide`]), so that guides can be serialized once and reused.
pub fn locale_json_of<S: AsRef<str>>(tag: &str, guides: &[S]) -> String {
    // Sized once: at thousands of guides this is tens of MB.
    let len = guides.iter().map(|g| g.as_ref().len() + 1).sum::<usize>() + 64;
    let mut out = String::with_capacity(len);
    locale_json_pieces(tag, guides.iter(), &mut |piece| out.push_str(piece));
    out
}

/// [`locale_json_of`] handed to `sink` piece by piece, the guides' JSON as `guides`
/// yields it: a large locale's file need not be held whole.
pub fn locale_json_pieces<S: AsRef<str>>(
    tag: &str,
    guides: impl Iterator<Item = S>,
    sink: &mut dyn FnMut(&str),
) {
    sink("{\"locales\":[{\"tag\":");
    sink(&serde_json::to_string(tag).unwrap_or_default());
    sink(",\"guides\":[");
    for (i, g) in guides.enumerate() {
        if i > 0 {
            sink(",");
        }
        sink(g.as_ref());
    }
    sink("]}]}");
}

/// A guide's object in `errors.json`.
pub fn guide_json(g: &Guide) -> String {
    serde_json::to_string(&guide(g)).unwrap_or_default()
}

/// Pretty JSON of one locale (the same shape, for reading and snapshots).
pub fn locale_json_pretty(l: &Locale) -> String {
    serde_json::to_string_pretty(&Export {
        locales: vec![locale(l)],
    })
    .unwrap_or_default()
}
