//! Front matter checks beyond what loading reports (YAML syntax, a missing title and
//! the locale are load diagnostics): values that are present but unreadable.

use crate::diag::Diagnostic;
use crate::model::{Guide, Pos};
use crate::text::LineIndex;

/// `front-matter-date`: an `ms.date` or `ms.lasthandoff` that is not a date.
pub fn check_guide(guide: &Guide) -> Vec<Diagnostic> {
    let idx = LineIndex::new(&guide.source);
    guide
        .front_matter
        .invalid
        .iter()
        .map(|(key, value)| {
            let line = guide.front_matter.key_lines.get(key).copied().unwrap_or(1);
            let text = idx.line_text(&guide.source, line);
            // Point at the value: after `key:` and its spaces, quotes included.
            let (col, len) = match text.split_once(':') {
                Some((k, v)) => {
                    let lead = v.len() - v.trim_start().len();
                    (
                        k.chars().count() + 1 + v[..lead].chars().count() + 1,
                        v.trim().chars().count(),
                    )
                }
                None => (1, 1),
            };
            Diagnostic::warning(
                "front-matter-date",
                &guide.path,
                Pos { line, col },
                format!("`{key}` is not a date: `{value}`"),
            )
            .with_len(len)
            .with_hint("write the date as MM/DD/YYYY (DocFX) or YYYY-MM-DD")
        })
        .collect()
}
