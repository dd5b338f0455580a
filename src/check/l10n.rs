//! Translation checks, when a site has several locales: every locale is compared with
//! the default one (`default_locale` in site.yaml), guide by guide, entry by entry.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::diag::Diagnostic;
use crate::model::{Guide, Locale, Pos, Site};

/// How a translated guide compares with its source guide, entry by entry (ids are the
/// same in every locale, see docs/model.md). The checks below and `errbook report
/// translations` both read this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuideComparison {
    /// Ids in both, in source order.
    pub aligned: Vec<String>,
    /// Ids of the source the translation lacks, in source order.
    pub missing: Vec<String>,
    /// Ids of the translation the source lacks, in translation order.
    pub extra: Vec<String>,
    /// Set when the translation's `ms.date` is older than the source's.
    pub stale: Option<Stale>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stale {
    pub translation: NaiveDate,
    pub source: NaiveDate,
}

/// Compares a translation with its source guide.
pub fn compare(src: &Guide, tr: &Guide) -> GuideComparison {
    let s_entries = src.entries();
    let t_entries = tr.entries();
    let s_ids: HashSet<&str> = s_entries.iter().map(|e| e.id.as_str()).collect();
    let t_ids: HashSet<&str> = t_entries.iter().map(|e| e.id.as_str()).collect();
    let mut seen = HashSet::new();
    let mut aligned = Vec::new();
    let mut missing = Vec::new();
    for e in &s_entries {
        if !seen.insert(e.id.as_str()) {
            continue;
        }
        if t_ids.contains(e.id.as_str()) {
            aligned.push(e.id.clone());
        } else {
            missing.push(e.id.clone());
        }
    }
    let mut seen = HashSet::new();
    let extra = t_entries
        .iter()
        .filter(|e| !s_ids.contains(e.id.as_str()) && seen.insert(e.id.as_str()))
        .map(|e| e.id.clone())
        .collect();
    let stale = match (src.front_matter.date, tr.front_matter.date) {
        (Some(source), Some(translation)) if source > translation => Some(Stale {
            translation,
            source,
        }),
        _ => None,
    };
    GuideComparison {
        aligned,
        missing,
        extra,
        stale,
    }
}

pub fn check_site(site: &Site) -> Vec<Diagnostic> {
    by_slug(site).into_values().flatten().collect()
}

/// The translation findings of the site, by guide slug (they depend only on the guides
/// of that slug in each locale, so a rebuild redoes only the slugs it touched).
pub fn by_slug(site: &Site) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut out = BTreeMap::new();
    let Some(source) = source_locale(site) else {
        return out;
    };
    let tables: Vec<HashMap<&str, &Guide>> = site
        .locales
        .iter()
        .map(|l| l.guides.iter().map(|g| (g.slug.as_str(), g)).collect())
        .collect();
    let slugs: BTreeSet<&str> = tables.iter().flat_map(|t| t.keys().copied()).collect();
    for slug in slugs {
        let found = slug_findings(site, source, |li| tables[li].get(slug).copied());
        if !found.is_empty() {
            out.insert(slug.to_owned(), found);
        }
    }
    out
}

/// The translation findings about the guides named `slug`.
pub fn check_slug(site: &Site, slug: &str) -> Vec<Diagnostic> {
    match source_locale(site) {
        Some(source) => slug_findings(site, source, |li| site.locales[li].guide(slug)),
        None => Vec::new(),
    }
}

/// The default locale, when there is something to compare it with.
fn source_locale(site: &Site) -> Option<&Locale> {
    if site.locales.len() < 2 {
        return None;
    }
    site.locale(&site.config.default_locale)
}

fn slug_findings<'s>(
    site: &'s Site,
    source: &Locale,
    guide_in: impl Fn(usize) -> Option<&'s Guide>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut src = None;
    let mut translations = Vec::new();
    for (li, l) in site.locales.iter().enumerate() {
        if l.tag == source.tag {
            src = guide_in(li);
        } else {
            translations.push((l, guide_in(li)));
        }
    }
    for (tr, t) in translations {
        match (src, t) {
            (Some(g), Some(t)) => out.extend(compare_guide(&source.tag, g, t)),
            (Some(g), None) => out.push(
                Diagnostic::warning(
                    "l10n-missing-guide",
                    &g.path,
                    Pos { line: 1, col: 1 },
                    format!("`{}` has no {} translation", g.slug, tr.tag),
                )
                .with_hint(format!("add source/{}/{}.md", tr.tag, g.slug)),
            ),
            (None, Some(t)) => out.push(
                Diagnostic::warning(
                    "l10n-extra-guide",
                    &t.path,
                    Pos { line: 1, col: 1 },
                    format!(
                        "`{}` has no source guide in the default locale {}",
                        t.slug, source.tag
                    ),
                )
                .with_hint("name the file like its source guide, or add the source guide"),
            ),
            (None, None) => {}
        }
    }
    // Kept per slug by `serve` (see `guide_findings`).
    out.retain(|d| !super::is_off(&site.config, d.name));
    out
}

fn start(g: &Guide) -> Pos {
    Pos {
        line: g.body_line.max(1),
        col: 1,
    }
}

fn compare_guide(src_tag: &str, src: &Guide, tr: &Guide) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let cmp = compare(src, tr);
    // Staleness by `ms.date`.
    if let Some(Stale {
        translation: td,
        source: sd,
    }) = cmp.stale
    {
        let line = tr
            .front_matter
            .key_lines
            .get("ms.date")
            .copied()
            .unwrap_or(1);
        out.push(
            Diagnostic::warning(
                "l10n-stale",
                &tr.path,
                Pos { line, col: 1 },
                format!(
                    "the translation is older than its {src_tag} source ({} < {})",
                    td.format("%m/%d/%Y"),
                    sd.format("%m/%d/%Y")
                ),
            )
            .with_len(7)
            .with_hint(format!(
                "update it from {}",
                crate::diag::display_path(&src.path)
            )),
        );
    }
    // Section anchors.
    let s_secs = src.sections_flat();
    let t_secs = tr.sections_flat();
    let s_anchors: HashSet<&str> = s_secs.iter().map(|s| s.anchor.as_str()).collect();
    let t_anchors: HashSet<&str> = t_secs.iter().map(|s| s.anchor.as_str()).collect();
    let common = s_anchors.intersection(&t_anchors).count();
    if common == 0 && !s_anchors.is_empty() && !t_anchors.is_empty() {
        out.push(
            Diagnostic::warning(
                "l10n-anchor-mismatch",
                &tr.path,
                t_secs.first().map_or(start(tr), |s| s.pos),
                format!(
                    "none of the {} section anchors match the {} of {}",
                    t_anchors.len(),
                    s_anchors.len(),
                    crate::diag::display_path(&src.path)
                ),
            )
            .with_hint("give translated headings the source's anchors with `<a name=\"…\"></a>`"),
        );
    } else {
        for (i, s) in s_secs.iter().enumerate() {
            if !t_anchors.contains(s.anchor.as_str()) {
                let pos = t_secs.get(i).map_or(start(tr), |t| t.pos);
                out.push(
                    Diagnostic::warning(
                        "l10n-anchor-mismatch",
                        &tr.path,
                        pos,
                        format!(
                            "section `#{}` of the source (line {}) has no section in the translation",
                            s.anchor, s.pos.line
                        ),
                    )
                    .with_hint("translate the section, or give its heading the source's `<a name>`"),
                );
            }
        }
        for t in &t_secs {
            if !s_anchors.contains(t.anchor.as_str()) {
                out.push(
                    Diagnostic::warning(
                        "l10n-anchor-mismatch",
                        &tr.path,
                        t.pos,
                        format!("section `#{}` is not in the source guide", t.anchor),
                    )
                    .with_hint("use the source heading's anchor with `<a name=\"…\"></a>`"),
                );
            }
        }
    }
    // Entries by id, as `compare` aligned them.
    let t_entries = tr.entries();
    if cmp.aligned.is_empty() && !cmp.missing.is_empty() && !cmp.extra.is_empty() {
        out.push(
            Diagnostic::warning(
                "l10n-missing-entry",
                &tr.path,
                t_entries.first().map_or(start(tr), |e| e.pos),
                format!(
                    "none of the {} entries match the {} entries of the source by id",
                    cmp.extra.len(),
                    cmp.missing.len()
                ),
            )
            .with_hint("entry ids come from `<a name>`, section anchors or codes: align those with the source"),
        );
        return out;
    }
    for id in &cmp.missing {
        let Some(e) = src.entry(id) else { continue };
        let pos = tr.section(&e.section).map_or(start(tr), |s| s.pos);
        out.push(
            Diagnostic::warning(
                "l10n-missing-entry",
                &tr.path,
                pos,
                format!(
                    "entry `{}` of the source (line {}) is missing in the translation",
                    e.id, e.pos.line
                ),
            )
            .with_hint("translate the row; an `<a name>` in the row pins its id"),
        );
    }
    for id in &cmp.extra {
        let Some(e) = t_entries.iter().find(|e| &e.id == id) else {
            continue;
        };
        out.push(
            Diagnostic::warning(
                "l10n-extra-entry",
                &tr.path,
                e.pos,
                format!("entry `{}` is not in the source guide", e.id),
            )
            .with_len(super::row_head_len(tr, e.pos))
            .with_hint("remove the row, or add it to the source; ids must match across locales"),
        );
    }
    out
}
