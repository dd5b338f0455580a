//! `errbook report translations`: per locale and guide, which entries are aligned with
//! the source (the default locale), which are missing or extra, which translations are
//! older than their source, and how much is machine translated.
//!
//! The comparison itself is `check::l10n::compare`, the one the `l10n-*` checks use; this
//! module only gathers it for every guide and writes it as Markdown or JSON.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use crate::check::l10n::{compare, Stale};
use crate::model::{Guide, Site};

/// Arguments of `errbook report`, for `main.rs` to flatten into its subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub what: ReportKind,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ReportKind {
    /// Per locale and guide: entries aligned, missing and extra; stale translations;
    /// the share machine translated. Exits 0: findings here are information.
    Translations {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown tables.
    Md,
    /// One JSON object (see docs/l10n.md).
    Json,
}

#[derive(Debug, Clone, Serialize)]
pub struct TranslationReport {
    /// The locale translations are compared with (`default_locale`).
    pub source_locale: String,
    pub locales: Vec<LocaleReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocaleReport {
    pub tag: String,
    /// True for the source locale (its guides are compared with nothing).
    pub source: bool,
    pub guides: Vec<GuideReport>,
    /// Guides of this locale whose front matter says `ms.translationtype: MT`.
    pub machine_translated_guides: usize,
    /// Entries of this locale that sit in machine-translated guides.
    pub machine_translated_entries: usize,
    pub entries: usize,
    /// `machine_translated_entries / entries` (0 when the locale has no entries).
    pub machine_translated_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuideStatus {
    /// The guide of the source locale itself.
    Source,
    /// Source and translation both exist.
    Translated,
    /// The source has the guide, this locale does not.
    Missing,
    /// This locale has a guide the source does not.
    Extra,
}

#[derive(Debug, Clone, Serialize)]
pub struct GuideReport {
    pub slug: String,
    pub status: GuideStatus,
    /// Entries of the source guide (0 for an extra guide).
    pub source_entries: usize,
    pub aligned: Vec<String>,
    pub missing: Vec<String>,
    pub extra: Vec<String>,
    pub stale: Option<Stale>,
    pub machine_translated: bool,
}

/// Builds the report for every locale of `site`.
pub fn report(site: &Site) -> TranslationReport {
    let source = site.default_locale();
    let source_tag = source.map_or_else(|| site.config.default_locale.clone(), |l| l.tag.clone());
    let mut locales = Vec::new();
    for locale in &site.locales {
        let is_source = source.is_some_and(|s| s.tag == locale.tag);
        let mut guides = Vec::new();
        let mut slugs: BTreeSet<&str> = locale.guides.iter().map(|g| g.slug.as_str()).collect();
        if let Some(src) = source.filter(|_| !is_source) {
            slugs.extend(src.guides.iter().map(|g| g.slug.as_str()));
        }
        for slug in slugs {
            let mine = locale.guide(slug);
            let theirs = source.filter(|_| !is_source).and_then(|s| s.guide(slug));
            guides.push(guide_report(slug, is_source, mine, theirs));
        }
        let entries_of = |g: &Guide| g.entries().len();
        let entries: usize = locale.guides.iter().map(entries_of).sum();
        let mt: Vec<&Guide> = locale
            .guides
            .iter()
            .filter(|g| g.front_matter.machine_translated)
            .collect();
        let mt_entries: usize = mt.iter().map(|g| entries_of(g)).sum();
        locales.push(LocaleReport {
            tag: locale.tag.clone(),
            source: is_source,
            guides,
            machine_translated_guides: mt.len(),
            machine_translated_entries: mt_entries,
            entries,
            machine_translated_share: if entries == 0 {
                0.0
            } else {
                mt_entries as f64 / entries as f64
            },
        });
    }
    // The source first, then the translations by tag (the model keeps folder order).
    locales.sort_by(|a, b| b.source.cmp(&a.source).then_with(|| a.tag.cmp(&b.tag)));
    TranslationReport {
        source_locale: source_tag,
        locales,
    }
}

fn guide_report(
    slug: &str,
    is_source: bool,
    mine: Option<&Guide>,
    source: Option<&Guide>,
) -> GuideReport {
    let ids = |g: &Guide| -> Vec<String> {
        let mut seen = BTreeSet::new();
        g.entries()
            .into_iter()
            .filter(|e| seen.insert(e.id.as_str()))
            .map(|e| e.id.clone())
            .collect()
    };
    let machine_translated = mine.is_some_and(|g| g.front_matter.machine_translated);
    let base = GuideReport {
        slug: slug.to_owned(),
        status: GuideStatus::Source,
        source_entries: 0,
        aligned: Vec::new(),
        missing: Vec::new(),
        extra: Vec::new(),
        stale: None,
        machine_translated,
    };
    match (mine, source) {
        (Some(g), _) if is_source => GuideReport {
            source_entries: ids(g).len(),
            aligned: ids(g),
            ..base
        },
        (Some(g), Some(src)) => {
            let c = compare(src, g);
            GuideReport {
                status: GuideStatus::Translated,
                source_entries: c.aligned.len() + c.missing.len(),
                aligned: c.aligned,
                missing: c.missing,
                extra: c.extra,
                stale: c.stale,
                ..base
            }
        }
        (None, Some(src)) => GuideReport {
            status: GuideStatus::Missing,
            source_entries: ids(src).len(),
            missing: ids(src),
            ..base
        },
        (Some(g), None) => GuideReport {
            status: GuideStatus::Extra,
            extra: ids(g),
            ..base
        },
        (None, None) => base,
    }
}

impl TranslationReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    /// Markdown: a table per locale, then the ids that are missing or extra.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Translations\n");
        let _ = writeln!(out, "Source locale: {}\n", self.source_locale);
        for l in &self.locales {
            let role = if l.source { " (source)" } else { "" };
            let _ = writeln!(out, "## {}{role}\n", l.tag);
            let _ = writeln!(
                out,
                "| guide | status | aligned | missing | extra | stale | MT |\n|---|---|---|---|---|---|---|"
            );
            for g in &l.guides {
                let status = match g.status {
                    GuideStatus::Source => "source",
                    GuideStatus::Translated => "translated",
                    GuideStatus::Missing => "missing",
                    GuideStatus::Extra => "extra",
                };
                let stale = g.stale.map_or_else(String::new, |s| {
                    format!(
                        "{} < {}",
                        s.translation.format("%Y-%m-%d"),
                        s.source.format("%Y-%m-%d")
                    )
                });
                let _ = writeln!(
                    out,
                    "| {} | {status} | {}/{} | {} | {} | {stale} | {} |",
                    g.slug,
                    g.aligned.len(),
                    g.source_entries,
                    g.missing.len(),
                    g.extra.len(),
                    if g.machine_translated { "yes" } else { "" }
                );
            }
            let _ = writeln!(out);
            for g in &l.guides {
                if !g.missing.is_empty() && g.status != GuideStatus::Missing {
                    let _ = writeln!(out, "- `{}` missing: {}", g.slug, ids_list(&g.missing));
                }
                if g.status == GuideStatus::Missing {
                    let _ = writeln!(
                        out,
                        "- `{}` missing: the whole guide ({} {})",
                        g.slug,
                        g.missing.len(),
                        if g.missing.len() == 1 {
                            "entry"
                        } else {
                            "entries"
                        }
                    );
                }
                if !g.extra.is_empty() {
                    let _ = writeln!(out, "- `{}` extra: {}", g.slug, ids_list(&g.extra));
                }
            }
            let _ = writeln!(
                out,
                "- machine translated: {} of {} guides, {} of {} entries ({:.0} %)\n",
                l.machine_translated_guides,
                l.guides
                    .iter()
                    .filter(|g| g.status != GuideStatus::Missing)
                    .count(),
                l.machine_translated_entries,
                l.entries,
                l.machine_translated_share * 100.0
            );
        }
        out
    }
}

fn ids_list(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
