//! Table checks: shape (cell counts, trailing pipes), raw HTML balance inside cells,
//! headers errbook cannot map to error roles, entries without a resolution.

use crate::diag::{Diagnostic, Severity};
use crate::model::{Guide, HtmlIssueKind, Pos, Table};
use crate::text::LineIndex;

pub fn check_guide(guide: &Guide) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let idx = LineIndex::new(&guide.source);
    for table in &guide.tables {
        out.extend(headers(guide, table));
        for row in &table.rows {
            let want = table.headers.len();
            if row.source_cells != want {
                let line = idx.line_text(&guide.source, row.pos.line);
                out.push(
                    Diagnostic::error(
                        "table-column-count",
                        &guide.path,
                        row.pos,
                        format!(
                            "this row has {} cell{}, its header has {want}",
                            row.source_cells,
                            if row.source_cells == 1 { "" } else { "s" }
                        ),
                    )
                    .with_len(
                        line.trim_end()
                            .chars()
                            .count()
                            .saturating_sub(row.pos.col.saturating_sub(1)),
                    )
                    .with_hint(if row.source_cells > want {
                        "cells past the header's width are dropped: escape a `|` inside a cell as `\\|`"
                    } else {
                        "missing cells are shown empty: add the missing `|` separators"
                    }),
                );
            }
            if !row.trailing_pipe {
                let line = idx.line_text(&guide.source, row.pos.line).trim_end();
                let col = line.chars().count().max(1);
                out.push(
                    Diagnostic::new(
                        "table-trailing-pipe",
                        Severity::Note,
                        &guide.path,
                        Pos {
                            line: row.pos.line,
                            col,
                        },
                        "table row does not end with `|`",
                    )
                    .with_hint("end every table row with `|` for consistent tables"),
                );
            }
            for cell in &row.cells {
                for issue in &cell.html_issues {
                    let len = super::tag_len(guide, issue.pos);
                    out.push(match issue.kind {
                        HtmlIssueKind::Unclosed => Diagnostic::warning(
                            "table-unclosed-html",
                            &guide.path,
                            issue.pos,
                            format!("`<{}>` is never closed in this cell", issue.tag),
                        )
                        .with_len(len)
                        .with_hint(format!(
                            "close it with `</{0}>` (an `<{0}>` written where `</{0}>` was meant counts as unclosed); errbook closes it at the end of the cell",
                            issue.tag
                        )),
                        HtmlIssueKind::Stray => Diagnostic::warning(
                            "table-stray-html",
                            &guide.path,
                            issue.pos,
                            format!("`</{}>` closes nothing in this cell", issue.tag),
                        )
                        .with_len(len)
                        .with_hint("remove it, or add the opening tag it was meant to close; errbook drops it"),
                    });
                }
            }
        }
    }
    for entry in guide.entries() {
        let has_resolution =
            !entry.resolution.is_empty() || entry.variants.iter().any(|v| !v.resolution.is_empty());
        if !has_resolution {
            out.push(
                Diagnostic::warning(
                    "table-missing-resolution",
                    &guide.path,
                    entry.pos,
                    format!("entry `{}` has no resolution", entry.id),
                )
                .with_len(super::row_head_len(guide, entry.pos))
                .with_hint("fill the resolution column, or label the fix with **Resolution**/**해결 방법** in the cell"),
            );
        }
    }
    out
}

fn headers(guide: &Guide, table: &Table) -> Vec<Diagnostic> {
    let at = |i: usize| table.header_pos.get(i).copied().unwrap_or(table.pos);
    if !table.is_error_table {
        return vec![Diagnostic::new(
            "table-unrecognized",
            Severity::Note,
            &guide.path,
            table.pos,
            format!(
                "table ({}) is not an error table: it is kept as prose",
                table.headers.join(" | ")
            ),
        )
        .with_len(table.headers.first().map_or(1, |h| h.chars().count()))
        .with_hint("an error table needs a message or details column and a resolution or cause column; add header words to `vocabulary:` in site.yaml")];
    }
    table
        .roles
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| {
            let h = table.headers.get(i).map_or("", String::as_str);
            Diagnostic::warning(
                "table-unknown-header",
                &guide.path,
                at(i),
                format!("header `{h}` maps to no error role: its cells are left out of the entries"),
            )
            .with_len(h.chars().count())
            .with_hint("add the word to `vocabulary:` in site.yaml (operation, details, message, code, cause or resolution)")
        })
        .collect()
}
