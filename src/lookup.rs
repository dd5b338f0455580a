//! `errbook lookup`: find entries by code or by words, for the terminal.

use std::fmt::Write as _;

use crate::model::{ErrorEntry, Guide, Site};
use crate::parse::codes;

/// One matching entry.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    pub locale: &'a str,
    pub guide: &'a Guide,
    pub entry: &'a ErrorEntry,
    /// True when the query named one of the entry's codes exactly.
    pub exact_code: bool,
}

fn normalize(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc().collect::<String>().to_lowercase()
}

/// The codes a query names: `0x29834`, `ID: 4024`, `4024`, `FileFaultFault`.
fn query_codes(query: &str) -> Vec<String> {
    let mut out: Vec<String> = codes::extract_from_code_field(query)
        .into_iter()
        .map(|c| c.normalized)
        .collect();
    let q = normalize(query.trim());
    if !q.contains(char::is_whitespace) {
        out.push(q);
    }
    out
}

fn haystack(e: &ErrorEntry) -> String {
    let mut s = String::new();
    for part in [
        e.operation.as_ref().map(|o| o.text.as_str()),
        Some(e.message.text.as_str()),
        e.cause.as_ref().map(|c| c.text.as_str()),
        Some(e.resolution.text.as_str()),
    ]
    .into_iter()
    .flatten()
    {
        s.push_str(part);
        s.push('\n');
    }
    for c in &e.codes {
        s.push_str(&c.raw);
        s.push(' ');
    }
    normalize(&s)
}

/// Entries whose codes match the query exactly come first; then entries containing
/// every word of the query.
pub fn lookup<'a>(site: &'a Site, query: &str) -> Vec<Hit<'a>> {
    let wanted = query_codes(query);
    let words: Vec<String> = normalize(query)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut hits = Vec::new();
    for locale in &site.locales {
        for guide in &locale.guides {
            for entry in guide.entries() {
                let exact_code = entry.codes.iter().any(|c| wanted.contains(&c.normalized));
                let text_match = !words.is_empty() && {
                    let hay = haystack(entry);
                    words.iter().all(|w| hay.contains(w.as_str()))
                };
                if exact_code || text_match {
                    hits.push(Hit {
                        locale: &locale.tag,
                        guide,
                        entry,
                        exact_code,
                    });
                }
            }
        }
    }
    hits.sort_by_key(|h| !h.exact_code);
    hits
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A hit as plain text for the terminal.
pub fn format_hit(hit: &Hit<'_>) -> String {
    let e = hit.entry;
    let g = hit.guide;
    let section = g
        .section(&e.section)
        .map_or(e.section.as_str(), |s| s.title.as_str());
    let mut s = String::new();
    let _ = writeln!(s, "{} › {} [{}]", g.title, section, hit.locale);
    let _ = writeln!(
        s,
        "  {}:{}  id: {}",
        crate::diag::display_path(&g.path),
        e.pos.line,
        e.id
    );
    if let Some(op) = &e.operation {
        let _ = writeln!(s, "  Operation:  {}", op.text.replace('\n', " "));
    }
    let _ = writeln!(s, "  Message:    {}", e.message.text.replace('\n', " "));
    if !e.codes.is_empty() {
        let codes: Vec<String> = e.codes.iter().map(|c| c.value.clone()).collect();
        let _ = writeln!(s, "  Codes:      {}", codes.join(", "));
    }
    if let Some(c) = &e.cause {
        let _ = writeln!(s, "  Cause:\n{}", indent(&c.text, "    "));
    }
    if e.variants.is_empty() {
        let _ = writeln!(s, "  Resolution:\n{}", indent(&e.resolution.text, "    "));
    } else {
        for (i, v) in e.variants.iter().enumerate() {
            let _ = writeln!(s, "  Case {}: {}", i + 1, v.message.text.replace('\n', " "));
            let _ = writeln!(s, "{}", indent(&v.resolution.text, "    "));
        }
    }
    s
}
