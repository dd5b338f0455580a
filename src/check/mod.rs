//! `errbook check`: finds what is wrong in a loaded site before readers do.
//!
//! Each family of checks lives in its own module and returns raw findings at their
//! default severity; [`apply_policy`] then applies the `severity:` overrides of
//! `site.yaml` and `--deny warnings`. [`run`] is the whole command (load, check,
//! format) for `main.rs`, which only prints what it returns.
//!
//! Every diagnostic name is listed in [`RULES`] and documented in `docs/diagnostics.md`.

pub mod external;
pub mod frontmatter;
pub mod l10n;
pub mod links;
pub mod model;
pub mod report;
pub mod tables;

use std::path::Path;
use std::time::Duration;

use crate::config::SiteConfig;
use crate::diag::{self, Diagnostic, Severity};
use crate::error::Result;
use crate::model::{Guide, Pos, Site};
use crate::source::{self, LoadOptions};
use crate::text::LineIndex;

pub use external::ExternalOptions;
pub use report::Format;

/// A diagnostic name, its default severity (`None`: off unless `site.yaml` turns it on)
/// and a one-line summary.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    pub default: Option<Severity>,
    pub summary: &'static str,
}

const fn rule(name: &'static str, default: Option<Severity>, summary: &'static str) -> Rule {
    Rule {
        name,
        default,
        summary,
    }
}

const E: Option<Severity> = Some(Severity::Error);
const W: Option<Severity> = Some(Severity::Warning);
const N: Option<Severity> = Some(Severity::Note);

/// Every diagnostic errbook reports, loading and checking alike.
pub const RULES: &[Rule] = &[
    rule(
        "config-syntax",
        E,
        "site.yaml is not valid YAML or has a wrong value",
    ),
    rule(
        "config-unknown-key",
        E,
        "site.yaml has a key errbook does not know",
    ),
    rule("source-read", E, "a guide file cannot be read"),
    rule("source-encoding", E, "a guide file is not UTF-8"),
    rule("source-empty", E, "a guide file is empty"),
    rule("source-nul-byte", W, "a guide holds NUL bytes"),
    rule(
        "source-symlink",
        W,
        "a symbolic link under source/ (not followed)",
    ),
    rule("source-duplicate-slug", E, "two guides differ only by case"),
    rule(
        "front-matter-syntax",
        E,
        "the front matter is not valid YAML",
    ),
    rule(
        "front-matter-unterminated",
        E,
        "the front matter is never closed",
    ),
    rule(
        "front-matter-missing-title",
        E,
        "no `title` and no `# heading`",
    ),
    rule(
        "front-matter-locale",
        W,
        "`ms.contentlocale` differs from the locale folder",
    ),
    rule(
        "front-matter-date",
        W,
        "`ms.date` or `ms.lasthandoff` is not a date",
    ),
    rule(
        "link-broken-anchor",
        E,
        "a `#anchor` that the target guide does not have",
    ),
    rule(
        "link-outside-site",
        W,
        "a link to a `.md` or site path that is not a guide of the site",
    ),
    rule(
        "link-other-locale",
        W,
        "a link to a guide of another locale",
    ),
    rule(
        "link-missing-asset",
        E,
        "an image or file next to the guide that does not exist",
    ),
    rule(
        "link-malformed-url",
        E,
        "a URL that cannot work (empty, spaces, no host, a Windows path)",
    ),
    rule("link-javascript", E, "a `javascript:` URL"),
    rule(
        "link-xref",
        W,
        "an `xref:` cross-reference errbook cannot resolve",
    ),
    rule(
        "include-missing",
        E,
        "an `[!INCLUDE]` of a file that does not exist",
    ),
    rule(
        "include-outside-root",
        E,
        "an `[!INCLUDE]` that leaves the site root",
    ),
    rule("include-cycle", E, "an `[!INCLUDE]` that includes itself"),
    rule(
        "markdown-unknown-extension",
        W,
        "DocFX syntax errbook does not render (shown as text)",
    ),
    rule(
        "link-external-broken",
        E,
        "an http(s) link answered 4xx/5xx (`--external`)",
    ),
    rule(
        "link-external-unreachable",
        W,
        "an http(s) link timed out or could not connect (`--external`)",
    ),
    rule(
        "link-external-anchor",
        W,
        "an external HTML page lacks the `#anchor` linked to (`--external`)",
    ),
    rule(
        "table-column-count",
        E,
        "a row has more or fewer cells than its header",
    ),
    rule(
        "table-unclosed-html",
        W,
        "an HTML element opened in a cell is never closed",
    ),
    rule(
        "table-stray-html",
        W,
        "an HTML end tag in a cell closes nothing",
    ),
    rule(
        "table-unknown-header",
        W,
        "an error table has a header errbook cannot map to a role",
    ),
    rule(
        "table-unrecognized",
        N,
        "a table whose headers map to no error role (kept as prose)",
    ),
    rule(
        "table-missing-resolution",
        W,
        "an error entry has no resolution",
    ),
    rule(
        "table-trailing-pipe",
        None,
        "a table row without its trailing `|` (style)",
    ),
    rule(
        "model-duplicate-anchor",
        E,
        "two `<a name>` anchors with the same name in one guide",
    ),
    rule(
        "model-duplicate-id",
        W,
        "an entry's id is already taken in its guide",
    ),
    rule(
        "model-duplicate-code",
        W,
        "one code is used by two different entries of a guide",
    ),
    rule(
        "l10n-missing-guide",
        W,
        "a guide of the default locale is not translated",
    ),
    rule(
        "l10n-extra-guide",
        W,
        "a translated guide has no source in the default locale",
    ),
    rule(
        "l10n-missing-entry",
        W,
        "an entry of the source guide is missing in the translation",
    ),
    rule(
        "l10n-extra-entry",
        W,
        "the translation has an entry the source guide lacks",
    ),
    rule(
        "l10n-anchor-mismatch",
        W,
        "section anchors differ between source and translation",
    ),
    rule(
        "l10n-stale",
        W,
        "the source guide's `ms.date` is newer than the translation's",
    ),
];

pub fn rule_of(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}

/// What `check_site` should do beyond the offline checks.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// `--deny warnings`: warnings become errors.
    pub deny_warnings: bool,
    /// `--external`: check http(s) links for real.
    pub external: Option<ExternalOptions>,
}

/// Runs every check over a loaded site and applies the severity policy.
pub fn check_site(site: &Site, opts: &CheckOptions) -> Vec<Diagnostic> {
    let mut found = raw_findings(site);
    if let Some(ext) = &opts.external {
        found.extend(external::check_site(site, ext));
    }
    apply_policy(&site.config, opts.deny_warnings, found)
}

/// Offline findings at their default severities (no policy applied).
pub fn raw_findings(site: &Site) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let paths = links::GuidePaths::new(site);
    let guides: Vec<(&str, &Guide)> = site
        .locales
        .iter()
        .flat_map(|l| l.guides.iter().map(move |g| (l.tag.as_str(), g)))
        .collect();
    // The translation checks compare locales one slug at a time, on one thread: beside
    // the per-guide checks rather than after them.
    let (mut found, l10n): (Vec<Diagnostic>, _) = rayon::join(
        || {
            guides
                .par_iter()
                .flat_map_iter(|(tag, guide)| findings_with(site, &paths, tag, guide))
                .collect()
        },
        || l10n::check_site(site),
    );
    found.extend(l10n);
    found
}

/// The offline findings of some guides (everything but the translation checks, which
/// compare locales), by guide path, without the rules that are off. They depend on each
/// guide and on the guides it links to.
///
/// `serve` keeps these per guide and gathers them again on every rebuild: findings of
/// rules that are off (notes, mostly) were most of them, only to be dropped by
/// [`apply_policy`].
pub fn guide_findings(
    site: &Site,
    guides: &[(&str, &Guide)],
) -> std::collections::HashMap<std::path::PathBuf, Vec<Diagnostic>> {
    use rayon::prelude::*;
    // One path map for all of them: it lists every guide of the site.
    let paths = links::GuidePaths::new(site);
    guides
        .par_iter()
        .map(|(tag, g)| {
            let mut found = findings_with(site, &paths, tag, g);
            found.retain(|d| !is_off(&site.config, d.name));
            (g.path.clone(), found)
        })
        .collect()
}

fn findings_with(
    site: &Site,
    paths: &links::GuidePaths<'_>,
    locale: &str,
    guide: &Guide,
) -> Vec<Diagnostic> {
    let mut found = frontmatter::check_guide(guide);
    found.extend(links::check_guide(site, paths, locale, guide));
    found.extend(tables::check_guide(guide));
    found.extend(model::check_guide(guide));
    found
}

/// Whether the severity policy drops findings of rule `name` (turned off in
/// `site.yaml`, or off by default).
pub fn is_off(config: &SiteConfig, name: &str) -> bool {
    match config.severity.get(name) {
        Some(level) => level.to_severity().is_none(),
        None => rule_of(name).is_some_and(|r| r.default.is_none()),
    }
}

/// `site.yaml` overrides first, then the built-in default (rules that are off by
/// default are dropped), then `--deny warnings`. Sorted for stable output.
pub fn apply_policy(
    config: &SiteConfig,
    deny_warnings: bool,
    found: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = found
        .into_iter()
        .filter_map(|mut d| {
            let severity = match config.severity.get(d.name) {
                Some(level) => level.to_severity()?,
                None => match rule_of(d.name) {
                    Some(r) => r.default?,
                    None => d.severity,
                },
            };
            if d.hint.is_none() {
                d.hint = default_hint(d.name).map(str::to_owned);
            }
            d.severity = if deny_warnings && severity == Severity::Warning {
                Severity::Error
            } else {
                severity
            };
            Some(d)
        })
        .collect();
    diag::sort(&mut out);
    out.dedup();
    out
}

/// A hint for findings made without one (the loader's YAML errors).
fn default_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "config-syntax" => {
            "fix the YAML of site.yaml at this line; docs/configuration.md lists every key"
        }
        "front-matter-syntax" => {
            "fix the YAML between the `---` lines; quote values holding `:` or `#`"
        }
        "source-read" => "check that the file exists and can be read",
        _ => return None,
    })
}

/// Diagnostic names in `site.yaml`'s `severity:` that errbook does not know.
fn unknown_severity_names(config: &SiteConfig, config_text: Option<&str>) -> Vec<Diagnostic> {
    let file = Path::new(source::SOURCE_DIR).join(source::CONFIG_FILE);
    config
        .severity
        .keys()
        .filter(|k| rule_of(k).is_none())
        .map(|k| {
            let line = config_text
                .and_then(|t| {
                    t.lines()
                        .position(|l| l.trim_start().starts_with(&format!("{k}:")))
                })
                .map_or(1, |i| i + 1);
            let col = config_text
                .and_then(|t| t.lines().nth(line - 1))
                .map_or(1, |l| l.len() - l.trim_start().len() + 1);
            Diagnostic::error(
                "config-unknown-key",
                &file,
                Pos { line, col },
                format!("`severity:` names an unknown diagnostic `{k}`"),
            )
            .with_len(k.chars().count())
            .with_hint("see docs/diagnostics.md for every diagnostic name")
        })
        .collect()
}

/// `--format`, `--deny`, `--external` and friends of `errbook check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Output format: rustc-like text on stderr, JSON lines or GitHub annotations on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// `--deny warnings` turns every warning into an error (and the exit code into 1).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub deny: Vec<Deny>,
    /// Check http(s) links for real (cached for a day in `.errbook-cache/`).
    #[arg(long)]
    pub external: bool,
    /// External checks: requests in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// External checks: requests in flight at once to one host.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub per_host: u16,
    /// External checks: seconds before a request is given up (it is retried once).
    #[arg(long, default_value_t = 15, value_name = "SECS")]
    pub timeout: u64,
    /// External checks: ignore and do not write the on-disk cache.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    Warnings,
}

/// How the caller wants the report: colour and progress only on a terminal; notes only
/// with `-v`, and only errors with `-q`.
#[derive(Debug, Clone, Copy)]
pub struct Reporting {
    pub color: bool,
    pub progress: bool,
    pub min_severity: Severity,
}

/// What `errbook check` prints and how it exits (0 ok, 1 errors).
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: u8,
    pub diagnostics: Vec<Diagnostic>,
}

/// The whole `errbook check` command: load the site, check it, format the findings.
/// `Err` only for usage or I/O failures (exit 2).
pub fn run(root: &Path, locales: &[String], args: &CheckArgs, rep: &Reporting) -> Result<CheckRun> {
    let loaded = source::load_site_with(
        root,
        &LoadOptions {
            locales: locales.to_vec(),
        },
    )?;
    let site = &loaded.site;
    let mut found = loaded.diagnostics;
    let config_text =
        std::fs::read_to_string(root.join(source::SOURCE_DIR).join(source::CONFIG_FILE)).ok();
    found.extend(unknown_severity_names(&site.config, config_text.as_deref()));
    found.extend(raw_findings(site));
    if args.external {
        let ext = ExternalOptions {
            jobs: usize::from(args.jobs),
            per_host: usize::from(args.per_host),
            timeout: Duration::from_secs(args.timeout.max(1)),
            cache_dir: (!args.no_cache).then(|| root.join(external::CACHE_DIR)),
            progress: rep.progress,
            ..ExternalOptions::default()
        };
        found.extend(external::check_site(site, &ext));
    }
    let deny = args.deny.contains(&Deny::Warnings);
    let diagnostics = apply_policy(&site.config, deny, found);
    let shown: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity >= rep.min_severity)
        .collect();
    let mut sources = report::Sources::new(root, site);
    let summary = report::summary(&diagnostics);
    let (stdout, stderr) = match args.format {
        Format::Human => (
            String::new(),
            format!(
                "{}{summary}\n",
                report::human(&shown, &mut sources, rep.color)
            ),
        ),
        Format::Json => (
            report::json_lines(&shown, &mut sources),
            format!("{summary}\n"),
        ),
        Format::Github => (report::github(&shown), format!("{summary}\n")),
    };
    Ok(CheckRun {
        stdout,
        stderr,
        exit_code: u8::from(diag::has_errors(&diagnostics)),
        diagnostics,
    })
}

/// Byte offset of a position in a text (columns count characters).
pub(crate) fn offset_of(text: &str, idx: &LineIndex, pos: Pos) -> Option<usize> {
    let start = idx.line_start(pos.line)?;
    let line = idx.line_text(text, pos.line);
    let within: usize = line
        .chars()
        .take(pos.col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    Some(start + within)
}

/// The rest of the line from a position.
pub(crate) fn rest_of_line(guide: &Guide, pos: Pos) -> &str {
    let idx = LineIndex::new(&guide.source);
    let line = idx.line_text(&guide.source, pos.line);
    let skip: usize = line
        .chars()
        .take(pos.col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    line.get(skip..).unwrap_or("")
}

/// Length of a table row's first cell from a row position (`| Disk full |` → 12), so an
/// entry's finding marks the cell that names it; 1 when the line is not a table row.
pub(crate) fn row_head_len(guide: &Guide, pos: Pos) -> usize {
    let rest = rest_of_line(guide, pos);
    let body = rest.strip_prefix('|').unwrap_or(rest);
    match body.find('|') {
        Some(end) => (rest.len() - body.len()) + body[..end].chars().count() + 1,
        None => 1,
    }
}

/// Length in characters of the tag at a position (`<ol>` → 4), 1 if none.
pub(crate) fn tag_len(guide: &Guide, pos: Pos) -> usize {
    let rest = rest_of_line(guide, pos);
    match rest.find('>') {
        Some(end) if rest.starts_with('<') => rest[..=end].chars().count(),
        _ => 1,
    }
}
