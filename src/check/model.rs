//! Model checks: anchors and ids that collide, codes shared by different entries.

use std::collections::HashMap;

use crate::diag::Diagnostic;
use crate::model::{AnchorKind, Guide};

pub fn check_guide(guide: &Guide) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Author-written anchors: a second `<a name="x">` makes `#x` ambiguous.
    let mut first: HashMap<&str, usize> = HashMap::new();
    for a in guide
        .anchors
        .iter()
        .filter(|a| a.kind == AnchorKind::Explicit)
    {
        match first.get(a.name.as_str()) {
            Some(line) => out.push(
                Diagnostic::error(
                    "model-duplicate-anchor",
                    &guide.path,
                    a.pos,
                    format!("anchor `{}` is already defined at line {line}", a.name),
                )
                .with_len(super::tag_len(guide, a.pos))
                .with_hint("give each `<a name>` a unique name: links to it go to the first one"),
            ),
            None => {
                first.insert(&a.name, a.pos.line);
            }
        }
    }
    // Entry ids: a row's own `<a name>` already taken, or an id equal to another anchor.
    let section_anchors: HashMap<String, usize> = guide
        .anchors
        .iter()
        .filter(|a| a.kind != AnchorKind::Entry)
        .map(|a| (a.name.to_lowercase(), a.pos.line))
        .collect();
    for e in guide.entries() {
        if let Some(wanted) = &e.explicit_anchor {
            if *wanted != e.id {
                out.push(
                    Diagnostic::warning(
                        "model-duplicate-id",
                        &guide.path,
                        e.pos,
                        format!(
                            "this row's anchor `{wanted}` is already an id in this guide; the entry gets `{}` instead",
                            e.id
                        ),
                    )
                    .with_len(super::row_head_len(guide, e.pos))
                    .with_hint("rename the row's `<a name>` so its error page keeps a stable URL"),
                );
            }
        }
        let is_row_anchor = guide
            .anchors
            .iter()
            .any(|a| a.kind == AnchorKind::Entry && a.name == e.id);
        if is_row_anchor {
            if let Some(line) = section_anchors.get(&e.id.to_lowercase()) {
                out.push(
                    Diagnostic::warning(
                        "model-duplicate-id",
                        &guide.path,
                        e.pos,
                        format!("entry id `{}` is also the anchor at line {line}", e.id),
                    )
                    .with_hint("add an `<a name>` to the row, or rename the heading anchor"),
                );
            }
        }
    }
    // One code, two different entries: a lookup by that code is ambiguous.
    let mut by_code: HashMap<&str, (&str, usize, &str)> = HashMap::new();
    for e in guide.entries() {
        for c in &e.codes {
            match by_code.get(c.normalized.as_str()) {
                Some((id, line, msg)) if *id != e.id && *msg != e.message.text => out.push(
                    Diagnostic::warning(
                        "model-duplicate-code",
                        &guide.path,
                        e.pos,
                        format!(
                            "code `{}` is also used by entry `{id}` (line {line})",
                            c.value
                        ),
                    )
                    .with_len(super::row_head_len(guide, e.pos))
                    .with_hint("a code should lead to one entry: merge the rows, or fix the code"),
                ),
                Some(_) => {}
                None => {
                    by_code.insert(&c.normalized, (&e.id, e.pos.line, &e.message.text));
                }
            }
        }
    }
    out
}
