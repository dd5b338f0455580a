//! The rebuild loop's state: the last good site (model, theme and every rendered file, in
//! memory) and the changes that have not made it into a good build yet.
//!
//! A guide edit re-parses that guide, swaps it into the model, runs the checks and
//! re-renders only the pages that can show it: its own pages (in every locale, for the
//! language switcher and "this entry in other languages"), its locale's home, code index,
//! the code pages that list it, `errors.json` and search index. When the checks find
//! errors, the model is put back as it was, so the previous good site stays served, and
//! the change is kept: the next save of any file rebuilds it again.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;
use rustc_hash::FxHashSet;

use crate::diag::{self, Diagnostic};
use crate::error::{Error, Result};
use crate::model::{Guide, Pos, Site};
use crate::parse::Vocabulary;
use crate::render::{
    DerivedCache, Job, OutputFile, RenderOptions, Renderer, Templates, UNTRANSLATED_DIR,
};
use crate::search::PartCache;
use crate::source::{self, LoadOptions};
use crate::theme::Theme;
use crate::timing::Clock;

use super::change::Plan;

/// File contents, shared with whoever serves them.
pub type Bytes = Arc<[u8]>;

#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Only these locales (all when empty).
    pub locales: Vec<String>,
    pub minify: bool,
    /// Clean every guide's HTML after loading it (see [`crate::sanitize`]).
    pub sanitize: bool,
    pub deny_warnings: bool,
    /// After a guide edit, leave the locale's search index for [`Session::finish_search`]
    /// (`serve`: pages reload first, the index follows when no change waits).
    pub defer_search: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            locales: Vec::new(),
            minify: true,
            sanitize: false,
            deny_warnings: false,
            defer_search: false,
        }
    }
}

/// How much a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Loaded and rendered the whole site.
    Full,
    /// Rendered every page again, parsed nothing.
    Render,
    /// Re-parsed this many guides and rendered the pages that show them.
    Guides(usize),
    /// Rebuilt the search indexes a guide edit left for later.
    Search,
}

/// What a good rebuild did.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    pub scope: Scope,
    /// Output paths whose bytes changed or that are new.
    pub changed: Vec<String>,
    /// Output paths no longer produced.
    pub removed: Vec<String>,
    /// Pages and files rendered (changed or not).
    pub rendered: usize,
    /// Warnings and notes (errors make a [`Failed`] instead).
    pub diagnostics: Vec<Diagnostic>,
    pub elapsed: Duration,
    /// Time spent in each phase, for `-v` and the benchmark.
    pub phases: Vec<(&'static str, Duration)>,
}

/// A rebuild that did not replace the site: what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// The findings, errors first in file order; empty when the failure is not about the
    /// guides (a template error, an unreadable theme).
    pub diagnostics: Vec<Diagnostic>,
    /// One line saying what failed.
    pub message: String,
}

pub type Outcome = std::result::Result<Rebuilt, Failed>;

struct Good {
    site: Site,
    theme: Theme,
    /// The theme's compiled templates, until the theme changes.
    templates: Arc<Templates>,
    /// Loader findings (front matter warnings…) by guide path, and those of site.yaml.
    load_diags: HashMap<PathBuf, Vec<Diagnostic>>,
    config_diags: Vec<Diagnostic>,
    /// Check findings of each guide (before the severity policy), by guide path.
    findings: HashMap<PathBuf, Vec<Diagnostic>>,
    /// Translation findings, by guide slug.
    l10n: BTreeMap<String, Vec<Diagnostic>>,
    /// The links of each guide that may lead to another guide.
    local_links: LocalLinks,
    /// What the renderer derived from each guide; dropped for the guides re-read.
    derived: DerivedCache,
    files: BTreeMap<String, Bytes>,
}

/// What a rebuild made: changed paths, removed paths, files rendered, findings.
type Parts = (Vec<String>, Vec<String>, usize, Vec<Diagnostic>);

/// The incremental rebuild state of one site.
pub struct Session {
    root: PathBuf,
    opts: SessionOptions,
    good: Option<Good>,
    /// Changes not yet in a good build.
    pending: Plan,
    /// Locales whose search index is behind their pages (`defer_search`).
    search_due: BTreeSet<String>,
    /// Search index parts of unchanged guides, kept between rebuilds.
    search_parts: PartCache,
}

/// Times phases of a rebuild.
impl Session {
    pub fn new(root: impl Into<PathBuf>, opts: SessionOptions) -> Session {
        Session {
            root: root.into(),
            opts,
            good: None,
            pending: Plan::full(),
            search_due: BTreeSet::new(),
            search_parts: PartCache::default(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every file of the last good site, by output path.
    pub fn files(&self) -> Option<&BTreeMap<String, Bytes>> {
        self.good.as_ref().map(|g| &g.files)
    }

    /// The theme name of the last good site (`default` before the first one).
    pub fn theme_name(&self) -> &str {
        self.good
            .as_ref()
            .map_or("default", |g| g.site.config.theme.as_str())
    }

    /// Whether changes wait for a good build (the last rebuild failed).
    pub fn is_broken(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Rebuilds what `plan` (plus whatever failed before) asks for. `Err` only for
    /// failures that are not about the site's content (I/O on the root, usage).
    pub fn rebuild(&mut self, plan: &Plan) -> Result<Outcome> {
        let mut plan_all = self.pending.clone();
        plan_all.merge(plan);
        let outcome = match &self.good {
            None => self.full(),
            Some(_) if plan_all.site => self.full(),
            // A guide of a locale the model does not have yet: only a full load places it.
            Some(g)
                if plan_all
                    .guides
                    .iter()
                    .any(|(tag, _)| !g.site.locales.iter().any(|l| &l.tag == tag)) =>
            {
                self.full()
            }
            Some(_) if plan_all.render => self.rerender(&plan_all),
            Some(_) => self.guides(&plan_all),
        };
        let outcome = match outcome {
            Ok(o) => Ok(o),
            Err(Error::Input(diags)) => Err(failed(diags)),
            Err(e @ (Error::Template { .. } | Error::Io { .. })) => Err(Failed {
                diagnostics: Vec::new(),
                message: e.to_string(),
            }),
            Err(e) => return Err(e),
        };
        self.pending = match &outcome {
            Ok(_) => Plan::default(),
            Err(_) => plan_all,
        };
        Ok(outcome)
    }

    /// Whether a search index waits for [`Session::finish_search`].
    pub fn search_due(&self) -> bool {
        !self.search_due.is_empty()
    }

    /// Builds the search indexes that guide edits left behind (see
    /// [`SessionOptions::defer_search`]). `None`, with the indexes still due, when
    /// `cancel` said to stop.
    pub fn finish_search(&mut self, cancel: &(dyn Fn() -> bool + Sync)) -> Option<Rebuilt> {
        let mut clock = Clock::new();
        let due = std::mem::take(&mut self.search_due);
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        let mut rendered = 0;
        let opts = self.render_options();
        let mut warnings = Vec::new();
        if let Some(good) = self.good.as_mut() {
            let locales: Vec<&crate::model::Locale> = good
                .site
                .locales
                .iter()
                .filter(|l| due.contains(&l.tag))
                .collect();
            let indexes: Option<Vec<crate::search::SearchIndex>> = locales
                .par_iter()
                .map(|l| self.search_parts.locale_index_until(l, cancel))
                .collect();
            let Some(indexes) = indexes else {
                self.search_due = due;
                return None;
            };
            let mut files: Vec<OutputFile> =
                indexes.par_iter().flat_map_iter(index_files).collect();
            // `errors.json`, the home and the code index waited with the index (see
            // `render_guides`).
            files.extend(
                locales
                    .iter()
                    .map(|l| crate::render::errors_json(&good.site, l, &good.derived)),
            );
            match listings(good, &due, opts) {
                Ok(pages) => files.extend(pages),
                // The edit's pages rendered with these templates a moment ago; should the
                // listings fail all the same, they stay as they were, and the author is told.
                Err(e) => warnings.push(Diagnostic::warning(
                    "render-listing",
                    crate::theme::THEMES_DIR,
                    Pos { line: 1, col: 1 },
                    format!("the home and code index were not updated: {e}"),
                )),
            }
            rendered = files.len();
            let new: HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
            for f in files {
                if good.files.get(&f.path).is_none_or(|o| o[..] != f.bytes[..]) {
                    changed.push(f.path.clone());
                    good.files.insert(f.path, Bytes::from(f.bytes));
                }
            }
            let stale: Vec<String> = good
                .files
                .keys()
                .filter(|p| !new.contains(*p) && due.iter().any(|t| is_search_file(p, t)))
                .cloned()
                .collect();
            for p in stale {
                good.files.remove(&p);
                removed.push(p);
            }
        }
        clock.lap("search");
        Some(finish(
            clock,
            Scope::Search,
            changed,
            removed,
            rendered,
            warnings,
        ))
    }

    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            locales: self.opts.locales.clone(),
        }
    }

    fn full(&mut self) -> Result<Rebuilt> {
        let mut clock = Clock::new();
        // Guides may read differently under a new `site.yaml` though their text is the same.
        self.search_parts.clear();
        let loaded = source::load_site_with(&self.root, &self.load_options())?;
        let mut site = loaded.site;
        let mut load_diags: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
        let mut config_diags = Vec::new();
        let guide_paths: HashSet<&Path> = site
            .locales
            .iter()
            .flat_map(|l| l.guides.iter().map(|g| g.path.as_path()))
            .collect();
        for d in loaded.diagnostics {
            if guide_paths.contains(d.file.as_path()) {
                load_diags.entry(d.file.clone()).or_default().push(d);
            } else {
                config_diags.push(d);
            }
        }
        clock.lap("load");
        let findings = all_findings(&site);
        let l10n = crate::check::l10n::by_slug(&site);
        let diagnostics = self.check(&site, &load_diags, &config_diags, &findings, &l10n)?;
        clock.lap("check");
        if self.opts.sanitize {
            crate::sanitize::sanitize_site(&mut site);
        }
        let theme = Theme::load(&self.root, &site.config.theme)?;
        let templates = Arc::new(Templates::compile(&theme, self.render_options())?);
        let derived = DerivedCache::default();
        let renderer = Renderer::with_cache(
            &site,
            &theme,
            templates.clone(),
            self.render_options(),
            Some(&derived),
        )?;
        let jobs = renderer.jobs();
        let mut files = render_jobs(&renderer, &jobs)?;
        files.extend(renderer.assets()?);
        clock.lap("render");
        drop(renderer);
        self.search_due.clear();
        let old = self.good.take().map(|g| g.files).unwrap_or_default();
        let (new, changed, removed) = replace_all(&old, files);
        let rendered = new.len();
        self.good = Some(Good {
            // Before `site` moves in.
            local_links: LocalLinks::new(&site),
            site,
            theme,
            templates,
            load_diags,
            config_diags,
            findings,
            l10n,
            derived,
            files: new,
        });
        clock.lap("diff");
        Ok(finish(
            clock,
            Scope::Full,
            changed,
            removed,
            rendered,
            diagnostics,
        ))
    }

    fn render_options(&self) -> RenderOptions {
        RenderOptions {
            minify: self.opts.minify,
        }
    }

    /// Every finding of the site, with the severity policy applied; `Err(Input)` when
    /// there are errors.
    fn check(
        &self,
        site: &Site,
        load_diags: &HashMap<PathBuf, Vec<Diagnostic>>,
        config_diags: &[Diagnostic],
        findings: &HashMap<PathBuf, Vec<Diagnostic>>,
        l10n: &BTreeMap<String, Vec<Diagnostic>>,
    ) -> Result<Vec<Diagnostic>> {
        let mut found: Vec<Diagnostic> = config_diags.to_vec();
        // Findings and translation findings come without the rules that are off.
        let on = |d: &&Diagnostic| !crate::check::is_off(&site.config, d.name);
        found.extend(load_diags.values().flatten().filter(on).cloned());
        found.extend(findings.values().flatten().cloned());
        found.extend(l10n.values().flatten().cloned());
        let diags = crate::check::apply_policy(&site.config, self.opts.deny_warnings, found);
        if diag::has_errors(&diags) {
            return Err(Error::Input(diags));
        }
        Ok(diags)
    }

    /// A theme or image change: parse nothing, render everything (templates may have
    /// changed any page). Pending guide edits are applied first.
    fn rerender(&mut self, plan: &Plan) -> Result<Rebuilt> {
        let mut clock = Clock::new();
        let Some(mut good) = self.good.take() else {
            return self.full();
        };
        let result = self.rerender_in(&mut good, plan, &mut clock);
        self.good = Some(good);
        if result.is_ok() {
            self.search_due.clear();
        }
        let (changed, removed, rendered, diagnostics) = result?;
        Ok(finish(
            clock,
            Scope::Render,
            changed,
            removed,
            rendered,
            diagnostics,
        ))
    }

    fn rerender_in(&self, good: &mut Good, plan: &Plan, clock: &mut Clock) -> Result<Parts> {
        let (applied, diagnostics) = self.apply_and_check(good, plan, clock)?;
        let theme = match Theme::load(&self.root, &good.site.config.theme) {
            Ok(t) => t,
            Err(e) => return Err(applied.roll_back(good, e)),
        };
        // Images may have come or gone: derive every guide again.
        good.derived.clear();
        let rendered = (|| {
            let templates = Arc::new(Templates::compile(&theme, self.render_options())?);
            let renderer = Renderer::with_cache(
                &good.site,
                &theme,
                templates.clone(),
                self.render_options(),
                Some(&good.derived),
            )?;
            let jobs = renderer.jobs();
            let mut files = render_jobs(&renderer, &jobs)?;
            files.extend(renderer.assets()?);
            Ok::<_, Error>((files, templates))
        })();
        let (files, templates) = match rendered {
            Ok(f) => f,
            Err(e) => return Err(applied.roll_back(good, e)),
        };
        clock.lap("render");
        good.theme = theme;
        good.templates = templates;
        let (new, changed, removed) = replace_all(&good.files, files);
        let n = new.len();
        good.files = new;
        clock.lap("diff");
        Ok((changed, removed, n, diagnostics))
    }

    /// Guide edits only.
    fn guides(&mut self, plan: &Plan) -> Result<Rebuilt> {
        let mut clock = Clock::new();
        let Some(mut good) = self.good.take() else {
            return self.full();
        };
        let mut deferred = Vec::new();
        let result = self.guides_in(&mut good, plan, &mut clock, &mut deferred);
        self.good = Some(good);
        if result.is_ok() {
            self.search_due.extend(deferred);
        }
        let (changed, removed, rendered, diagnostics) = result?;
        Ok(finish(
            clock,
            Scope::Guides(plan.guides.len()),
            changed,
            removed,
            rendered,
            diagnostics,
        ))
    }

    fn guides_in(
        &self,
        good: &mut Good,
        plan: &Plan,
        clock: &mut Clock,
        deferred: &mut Vec<String>,
    ) -> Result<Parts> {
        let (applied, diagnostics) = self.apply_and_check(good, plan, clock)?;
        let result = Renderer::with_cache(
            &good.site,
            &good.theme,
            good.templates.clone(),
            self.render_options(),
            Some(&good.derived),
        )
        .and_then(|renderer| {
            clock.lap("index");
            render_guides(
                &renderer,
                &applied.undo,
                &good.files,
                self.opts.defer_search,
                &self.search_parts,
                clock,
            )
        });
        let mut update = match result {
            Ok(u) => u,
            Err(e) => return Err(applied.roll_back(good, e)),
        };
        clock.lap("render");
        deferred.extend(std::mem::take(&mut update.deferred));
        let mut changed = Vec::new();
        let rendered = update.files.len();
        for f in update.files {
            let same = good
                .files
                .get(&f.path)
                .is_some_and(|old| old[..] == f.bytes[..]);
            if !same {
                changed.push(f.path.clone());
                good.files.insert(f.path, Bytes::from(f.bytes));
            }
        }
        let mut removed = Vec::new();
        for p in update.removed {
            if good.files.remove(&p).is_some() {
                removed.push(p);
            }
        }
        changed.sort();
        removed.sort();
        clock.lap("diff");
        Ok((changed, removed, rendered, diagnostics))
    }

    /// Re-reads the guides of `plan` into the model; returns how to put it back.
    /// Swaps in the planned guides and runs the checks; on errors the swap is undone.
    fn apply_and_check(
        &self,
        good: &mut Good,
        plan: &Plan,
        clock: &mut Clock,
    ) -> Result<(Applied, Vec<Diagnostic>)> {
        let undo = self.apply_guides(good, plan)?;
        clock.lap("load");
        let old_findings = refresh_findings(good, &undo);
        let old_l10n = refresh_l10n(good, &undo);
        let applied = Applied {
            undo,
            old_findings,
            old_l10n,
        };
        let checked = self.check(
            &good.site,
            &good.load_diags,
            &good.config_diags,
            &good.findings,
            &good.l10n,
        );
        clock.lap("check");
        match checked {
            Ok(d) => Ok((applied, d)),
            Err(e) => Err(applied.roll_back(good, e)),
        }
    }

    fn apply_guides(&self, good: &mut Good, plan: &Plan) -> Result<Undo> {
        let mut undo = Undo::default();
        for (tag, rel) in &plan.guides {
            let Some(li) = good.site.locales.iter().position(|l| &l.tag == tag) else {
                // `rebuild` loads the whole site when a locale appears; nothing to do here.
                continue;
            };
            good.derived.forget(rel);
            let abs = self.root.join(rel);
            let (guide, diags) = match std::fs::read(&abs) {
                Ok(bytes) => {
                    let vocab = Vocabulary::for_locale(tag, &good.site.config.vocabulary);
                    source::load_guide(Some(&self.root), rel, tag, &bytes, &vocab)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, Vec::new()),
                Err(e) => (
                    None,
                    vec![Diagnostic::error(
                        "source-read",
                        rel,
                        Pos { line: 1, col: 1 },
                        format!("cannot read the file: {e}"),
                    )],
                ),
            };
            let guides = &mut good.site.locales[li].guides;
            let old_pos = guides.iter().position(|g| &g.path == rel);
            let old = old_pos.map(|i| guides.remove(i));
            let mut slugs: Vec<String> = old.iter().map(|g| g.slug.clone()).collect();
            let mut diags = diags;
            if let Some(mut g) = guide {
                // Two files whose names differ only by case would share a folder.
                let lower = g.slug.to_lowercase();
                let clash = guides.iter().find(|o| {
                    o.slug
                        .chars()
                        .flat_map(char::to_lowercase)
                        .eq(lower.chars())
                });
                if let Some(first) = clash {
                    diags.push(
                        Diagnostic::error(
                            "source-duplicate-slug",
                            rel,
                            Pos { line: 1, col: 1 },
                            format!(
                                "guide `{}` has the same name as {} (names are compared ignoring case)",
                                g.slug,
                                diag::display_path(&first.path)
                            ),
                        )
                        .with_hint(
                            "rename one of the files: both would be written to the same folder",
                        ),
                    );
                } else {
                    if !slugs.contains(&g.slug) {
                        slugs.push(g.slug.clone());
                    }
                    g.path = rel.clone();
                    if self.opts.sanitize {
                        crate::sanitize::sanitize_guide(&mut g);
                    }
                    let at = guides
                        .binary_search_by(|o| o.slug.cmp(&g.slug))
                        .unwrap_or_else(|i| i);
                    guides.insert(at, g);
                }
            }
            undo.swap_diags(good, rel, diags);
            good.local_links.relink(&good.site, li, rel);
            let now = good.site.locales[li].guides.iter().any(|g| &g.path == rel);
            undo.structural |= old.is_some() != now;
            undo.changes.push(Swapped {
                locale: li,
                path: rel.clone(),
                old,
                slugs,
            });
        }
        Ok(undo)
    }
}

/// Check findings of every guide, by path.
fn all_findings(site: &Site) -> HashMap<PathBuf, Vec<Diagnostic>> {
    let pairs: Vec<(&str, &Guide)> = site
        .locales
        .iter()
        .flat_map(|l| l.guides.iter().map(move |g| (l.tag.as_str(), g)))
        .collect();
    crate::check::guide_findings(site, &pairs)
}

/// Guides swapped into the good site, with what undoes the swap.
struct Applied {
    undo: Undo,
    old_findings: Vec<(PathBuf, Vec<Diagnostic>)>,
    /// Translation findings before, by the slugs the swap touched.
    old_l10n: Vec<(String, Option<Vec<Diagnostic>>)>,
}

impl Applied {
    /// Puts the earlier guides and findings back; passes `e` on.
    fn roll_back(self, good: &mut Good, e: Error) -> Error {
        restore_findings(good, &self.undo, self.old_findings);
        for (slug, old) in self.old_l10n {
            match old {
                Some(d) => good.l10n.insert(slug, d),
                None => good.l10n.remove(&slug),
            };
        }
        // The renderer may have derived the guides that are being put back, and kept
        // listings made from them.
        for s in &self.undo.changes {
            good.derived.forget(&s.path);
        }
        good.derived.forget_listings();
        self.undo.revert(good);
        e
    }
}

/// Re-checks the translations of the slugs the swap touched; returns what they replaced.
fn refresh_l10n(good: &mut Good, undo: &Undo) -> Vec<(String, Option<Vec<Diagnostic>>)> {
    let slugs: BTreeSet<&str> = undo
        .changes
        .iter()
        .flat_map(|s| s.slugs.iter().map(String::as_str))
        .collect();
    let mut old = Vec::new();
    for slug in slugs {
        let found = crate::check::l10n::check_slug(&good.site, slug);
        let prev = if found.is_empty() {
            good.l10n.remove(slug)
        } else {
            good.l10n.insert(slug.to_owned(), found)
        };
        old.push((slug.to_owned(), prev));
    }
    old
}

/// Re-checks the swapped guides and every guide that links to one of them (a link's
/// anchor may have appeared or vanished). Returns the replaced findings, to put back
/// if the rebuild fails.
fn refresh_findings(good: &mut Good, undo: &Undo) -> Vec<(PathBuf, Vec<Diagnostic>)> {
    let slugs: Vec<&str> = undo
        .changes
        .iter()
        .flat_map(|s| s.slugs.iter().map(String::as_str))
        .collect();
    let site = &good.site;
    // Built once: `str::contains` sets up a searcher per call, for every link of the site.
    let finders: Vec<memchr::memmem::Finder<'_>> = slugs
        .iter()
        .map(|s| memchr::memmem::Finder::new(s.as_bytes()))
        .collect();
    // The swapped guides (by any slug they had) and the guides linking to them.
    let swapped = (undo.changes.iter()).flat_map(|s| {
        s.slugs
            .iter()
            .map(move |slug| (s.locale, slug.as_str(), &*s.path))
    });
    let linking = good.local_links.to(&finders);
    let mut todo: Vec<(&str, &Guide)> = (swapped.chain(linking))
        .filter_map(|(li, slug, path)| {
            let l = &site.locales[li];
            let gi = l
                .guides
                .binary_search_by(|g| g.slug.as_str().cmp(slug))
                .ok()?;
            Some((l.tag.as_str(), &l.guides[gi])).filter(|(_, g)| g.path == path)
        })
        .collect();
    todo.sort_by(|a, b| (a.0, &a.1.path).cmp(&(b.0, &b.1.path)));
    todo.dedup_by(|a, b| a.0 == b.0 && a.1.path == b.1.path);
    let changed: HashSet<&Path> = undo.changes.iter().map(|s| s.path.as_path()).collect();
    let fresh = crate::check::guide_findings(site, &todo);
    let mut old = Vec::new();
    // Guides that no longer parse or were deleted lose their findings.
    for p in &changed {
        if let Some(f) = good.findings.remove(*p) {
            old.push((p.to_path_buf(), f));
        }
    }
    for (p, f) in fresh {
        if let Some(prev) = good.findings.insert(p.clone(), f) {
            if !changed.contains(p.as_path()) {
                old.push((p, prev));
            }
        }
    }
    old
}

/// The links of each guide that may lead to another guide, by guide path: the URLs of a
/// guide's other links, one per line. Looking through every link of the site for the
/// edited guides' slugs was a tenth of a rebuild at 2,000 guides, most of it reaching
/// each link's URL in memory.
#[derive(Default)]
struct LocalLinks(rustc_hash::FxHashMap<PathBuf, Linking>);

/// A guide's place, and the URLs of its links that may lead to another guide.
struct Linking {
    locale: usize,
    slug: String,
    urls: String,
}

impl LocalLinks {
    fn new(site: &Site) -> Self {
        let mut links = LocalLinks::default();
        for (li, l) in site.locales.iter().enumerate() {
            for g in &l.guides {
                links.add(li, g);
            }
        }
        links
    }

    fn add(&mut self, locale: usize, g: &Guide) {
        // A web link is one that no guide's edit can break or mend.
        let urls: Vec<&str> = (g.links.iter())
            .map(|l| l.url.as_str())
            .filter(|u| crate::check::links::classify(u) != crate::check::links::Target::External)
            .collect();
        if !urls.is_empty() {
            let linking = Linking {
                locale,
                slug: g.slug.clone(),
                urls: urls.join("\n"),
            };
            self.0.insert(g.path.clone(), linking);
        }
    }

    /// After the guide file `path` of locale `li` was swapped in or out.
    fn relink(&mut self, site: &Site, li: usize, path: &Path) {
        self.0.remove(path);
        if let Some(g) = site.locales[li].guides.iter().find(|g| g.path == path) {
            self.add(li, g);
        }
    }

    /// Guides (locale, slug, path) with a link whose URL holds one of the texts `finders`
    /// look for.
    fn to<'s>(
        &'s self,
        finders: &'s [memchr::memmem::Finder<'_>],
    ) -> impl Iterator<Item = (usize, &'s str, &'s Path)> + 's {
        (self.0.iter())
            .filter(|(_, l)| finders.iter().any(|f| f.find(l.urls.as_bytes()).is_some()))
            .map(|(p, l)| (l.locale, l.slug.as_str(), p.as_path()))
    }
}

/// Puts back the findings [`refresh_findings`] replaced.
fn restore_findings(good: &mut Good, undo: &Undo, old: Vec<(PathBuf, Vec<Diagnostic>)>) {
    for s in &undo.changes {
        good.findings.remove(&s.path);
    }
    good.findings.extend(old);
}

/// A guide swapped into the model, with what was there before.
struct Swapped {
    locale: usize,
    path: PathBuf,
    old: Option<Guide>,
    /// Slugs before and after (pages of both are re-rendered or removed).
    slugs: Vec<String>,
}

#[derive(Default)]
struct Undo {
    changes: Vec<Swapped>,
    old_diags: Vec<(PathBuf, Option<Vec<Diagnostic>>)>,
    /// A guide appeared, vanished or changed its slug: every page may link to it.
    structural: bool,
}

impl Undo {
    fn swap_diags(&mut self, good: &mut Good, rel: &Path, diags: Vec<Diagnostic>) {
        let prev = if diags.is_empty() {
            good.load_diags.remove(rel)
        } else {
            good.load_diags.insert(rel.to_path_buf(), diags)
        };
        self.old_diags.push((rel.to_path_buf(), prev));
    }

    /// Puts the model back as it was before [`Session::apply_guides`].
    fn revert(self, good: &mut Good) {
        for s in self.changes.into_iter().rev() {
            let guides = &mut good.site.locales[s.locale].guides;
            guides.retain(|g| g.path != s.path);
            if let Some(g) = s.old {
                let at = guides
                    .binary_search_by(|o| o.slug.cmp(&g.slug))
                    .unwrap_or_else(|i| i);
                guides.insert(at, g);
            }
            good.local_links.relink(&good.site, s.locale, &s.path);
        }
        for (path, prev) in self.old_diags.into_iter().rev() {
            match prev {
                Some(d) => {
                    good.load_diags.insert(path, d);
                }
                None => {
                    good.load_diags.remove(&path);
                }
            }
        }
    }
}

struct Update {
    files: Vec<OutputFile>,
    removed: Vec<String>,
    /// Locales whose search index was left for later.
    deferred: Vec<String>,
}

/// A locale's search index files, by output path.
fn search_files(cache: &PartCache, l: &crate::model::Locale) -> Vec<OutputFile> {
    index_files(&cache.locale_index(l))
}

fn index_files(index: &crate::search::SearchIndex) -> Vec<OutputFile> {
    index
        .files()
        .into_iter()
        .map(|f| OutputFile {
            path: format!("{}/{}", index.locale, f.name),
            bytes: f.content.into_bytes(),
        })
        .collect()
}

/// `ko-KR/search-index.js` and its shards.
fn is_search_file(path: &str, tag: &str) -> bool {
    path.strip_prefix(tag)
        .and_then(|r| r.strip_prefix('/'))
        .is_some_and(|r| r.starts_with("search-index") && r.ends_with(".js"))
}

/// The home and code index of the locales tagged `due`.
fn listings(good: &Good, due: &BTreeSet<String>, opts: RenderOptions) -> Result<Vec<OutputFile>> {
    let renderer = Renderer::with_cache(
        &good.site,
        &good.theme,
        good.templates.clone(),
        opts,
        Some(&good.derived),
    )?;
    let jobs: Vec<Job> = (renderer.index().locales.iter().enumerate())
        .filter(|(_, l)| due.contains(l.tag))
        .flat_map(|(li, _)| [Job::Home { locale: li }, Job::Codes { locale: li }])
        .collect();
    render_jobs(&renderer, &jobs)
}

/// Renders the pages that can show the swapped guides (see the module comment).
fn render_guides(
    renderer: &Renderer<'_>,
    undo: &Undo,
    old_files: &BTreeMap<String, Bytes>,
    defer_search: bool,
    search_parts: &PartCache,
    clock: &mut Clock,
) -> Result<Update> {
    if undo.structural {
        let mut files = render_jobs(renderer, &renderer.jobs())?;
        files.extend(renderer.assets()?);
        let new: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let removed = old_files
            .keys()
            .filter(|p| !new.contains(p.as_str()))
            .cloned()
            .collect();
        return Ok(Update {
            files,
            removed,
            deferred: Vec::new(),
        });
    }
    let index = renderer.index();
    let changed_locales: BTreeSet<usize> = undo.changes.iter().map(|s| s.locale).collect();
    let slugs: HashSet<&str> = undo
        .changes
        .iter()
        .flat_map(|s| s.slugs.iter().map(String::as_str))
        .collect();
    let is_changed_slug = |li: usize, gi: usize| {
        index.locales[li]
            .guides
            .get(gi)
            .is_some_and(|g| slugs.contains(g.guide.slug.as_str()))
    };
    // Codes that appeared in or vanished from a changed locale: the language switcher of
    // that code's page in the other locales points elsewhere now.
    // Those that vanished take their pages with them.
    let mut toggled: HashSet<String> = HashSet::new();
    let mut gone_code_pages: HashSet<&String> = HashSet::new();
    for &li in &changed_locales {
        let l = &index.locales[li];
        if l.codes_kept {
            // The same codes as the published pages: none came or went.
            continue;
        }
        let prefix = format!("{}/codes/", l.tag);
        let before: HashMap<&str, &String> = under(old_files, &prefix)
            .filter_map(|p| Some((p.strip_prefix(prefix.as_str())?.strip_suffix(".html")?, p)))
            .filter(|(stem, _)| *stem != "index" && !stem.contains('/'))
            .collect();
        let after: HashSet<&str> = l.codes.iter().map(|c| c.stem.as_str()).collect();
        for (stem, path) in &before {
            if !after.contains(stem) {
                toggled.insert((*stem).to_owned());
                gone_code_pages.insert(path);
            }
        }
        toggled.extend(
            after
                .iter()
                .filter(|s| !before.contains_key(*s))
                .map(|s| (*s).to_owned()),
        );
    }
    // Code pages that list an entry of a changed guide, before or after the edit.
    let mut code_pages: FxHashSet<(usize, usize)> = FxHashSet::default();
    for s in &undo.changes {
        let l = &index.locales[s.locale];
        let now = (s.slugs.iter())
            .filter_map(|slug| l.guide_index(slug))
            .map(|gi| &l.guides[gi])
            .filter(|g| g.guide.path == s.path)
            .flat_map(|g| g.entries().iter().copied());
        let before = s.old.iter().flat_map(|g| g.entries());
        for e in now.chain(before) {
            code_pages.extend(
                (e.codes.iter())
                    .filter_map(|c| l.code_index(&c.normalized))
                    .map(|ci| (s.locale, ci)),
            );
        }
    }
    let selected: Vec<Job> = renderer
        .jobs_with_guides(is_changed_slug)
        .into_iter()
        .filter(|job| match *job {
            Job::Root | Job::NotFound | Job::Sitemap => true,
            // The locale's listings wait like its search index: at 2,000 guides the home
            // and the code index (every code) took most of an edit's rebuild.
            Job::Home { locale } | Job::Codes { locale } => {
                !defer_search && changed_locales.contains(&locale)
            }
            Job::Search { locale } => changed_locales.contains(&locale),
            // Listed for the changed slugs only, in every locale: the language switcher
            // and "in other languages" link here.
            Job::Guide { .. } | Job::Entry { .. } => true,
            // Pages of a guide or entry that another locale has: they follow its edits.
            Job::Untranslated { locale, page } => index.locales[locale]
                .untranslated
                .get(page)
                .is_some_and(|p| slugs.contains(p.slug.as_str())),
            // Pages of codes a changed guide lists or listed; and, in every locale,
            // of codes that appeared or vanished somewhere (new pages, or the language
            // switcher points elsewhere now).
            Job::Code { locale, code } => {
                code_pages.contains(&(locale, code))
                    || (!toggled.is_empty()
                        && toggled.contains(&index.locales[locale].codes[code].stem))
            }
        })
        .collect();
    clock.lap("select");
    let mut files = render_jobs(renderer, &selected)?;
    clock.lap("pages");
    // Search indexes of the changed locales, unless left for later.
    let deferred: Vec<String> = if defer_search {
        changed_locales
            .iter()
            .map(|&li| index.locales[li].tag.to_owned())
            .collect()
    } else {
        let search: Vec<OutputFile> = index
            .locales
            .par_iter()
            .enumerate()
            .filter(|(li, _)| changed_locales.contains(li))
            .flat_map_iter(|(_, l)| search_files(search_parts, l.locale))
            .collect();
        files.extend(search);
        // `errors.json`, like the search index, may wait for a quiet moment.
        files.extend(changed_locales.iter().map(|&li| renderer.errors_json(li)));
        Vec::new()
    };
    clock.lap("search");

    // Files that may have stopped existing: pages of the changed guides, code pages and
    // search shards of the changed locales.
    let new: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut prefixes: Vec<String> = Vec::new();
    for l in &index.locales {
        for g in &l.guides {
            if slugs.contains(g.guide.slug.as_str()) {
                prefixes.push(format!("{}/{}/", l.tag, g.stem));
            }
        }
    }
    // Every "not translated yet" page the new model has, rendered this time or not.
    let untranslated: HashSet<String> = index
        .locales
        .iter()
        .flat_map(|l| {
            l.untranslated
                .iter()
                .map(move |u| format!("{}/{}", l.tag, u.segments.join("/")))
        })
        .collect();
    // Only files under these folders can go away (the filter below says which).
    let mut candidates: BTreeSet<&String> = BTreeSet::new();
    for pre in &prefixes {
        candidates.extend(under(old_files, pre));
    }
    candidates.extend(gone_code_pages.iter().copied());
    for l in &index.locales {
        candidates.extend(under(old_files, &format!("{}/{UNTRANSLATED_DIR}/", l.tag)));
    }
    for &li in &changed_locales {
        let tag = index.locales[li].tag;
        candidates.extend(under(old_files, &format!("{tag}/search-index")));
    }
    let removed = candidates
        .into_iter()
        .filter(|p| !new.contains(p.as_str()))
        .filter(|p| {
            let untranslated_gone = index.locales.iter().any(|l| {
                p.strip_prefix(l.tag)
                    .and_then(|r| r.strip_prefix('/'))
                    .and_then(|r| r.strip_prefix(UNTRANSLATED_DIR))
                    .is_some_and(|r| r.starts_with('/'))
            }) && !untranslated.contains(p.as_str());
            let in_guide = prefixes
                .iter()
                .any(|pre| p.starts_with(pre.as_str()) && p.ends_with(".html"));
            let locale_file = changed_locales.iter().any(|&li| {
                let tag = index.locales[li].tag;
                p.strip_prefix(tag)
                    .and_then(|r| r.strip_prefix('/'))
                    .is_some_and(|r| {
                        gone_code_pages.contains(p)
                            || (!defer_search
                                && r.starts_with("search-index")
                                && r.ends_with(".js"))
                    })
            });
            in_guide || locale_file || untranslated_gone
        })
        .cloned()
        .collect();
    Ok(Update {
        files,
        removed,
        deferred,
    })
}

/// The paths of `files` that start with `prefix`, without scanning the others.
fn under<'m>(
    files: &'m BTreeMap<String, Bytes>,
    prefix: &str,
) -> impl Iterator<Item = &'m String> + use<'m> {
    let prefix = prefix.to_owned();
    files
        .range::<str, _>((
            std::ops::Bound::Included(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .map(|(k, _)| k)
        .take_while(move |k| k.starts_with(prefix.as_str()))
}

fn render_jobs(renderer: &Renderer<'_>, jobs: &[Job]) -> Result<Vec<OutputFile>> {
    jobs.par_iter().map(|job| renderer.render(*job)).collect()
}

/// The new file map from a complete render: files whose bytes did not change keep their
/// old shared buffer (so callers can tell them unchanged by pointer), with the paths that
/// changed and those that went away.
fn replace_all(
    old: &BTreeMap<String, Bytes>,
    files: Vec<OutputFile>,
) -> (BTreeMap<String, Bytes>, Vec<String>, Vec<String>) {
    let mut changed = Vec::new();
    let new: BTreeMap<String, Bytes> = files
        .into_iter()
        .map(|f| match old.get(&f.path) {
            Some(o) if o[..] == f.bytes[..] => (f.path, o.clone()),
            _ => {
                changed.push(f.path.clone());
                (f.path, Bytes::from(f.bytes))
            }
        })
        .collect();
    let removed = old
        .keys()
        .filter(|p| !new.contains_key(*p))
        .cloned()
        .collect();
    changed.sort();
    (new, changed, removed)
}

fn finish(
    clock: Clock,
    scope: Scope,
    changed: Vec<String>,
    removed: Vec<String>,
    rendered: usize,
    diagnostics: Vec<Diagnostic>,
) -> Rebuilt {
    Rebuilt {
        scope,
        changed,
        removed,
        rendered,
        diagnostics,
        elapsed: clock.start.elapsed(),
        phases: clock.phases,
    }
}

fn failed(diagnostics: Vec<Diagnostic>) -> Failed {
    // Only the errors: warnings of a broken state (a translation that lost its source
    // guide while that guide does not parse) are noise until it builds again.
    let message = crate::check::report::summary(&diagnostics);
    let diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .collect();
    Failed {
        message,
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = "source/ko-KR/backup-azure-mabs-troubleshoot.md";

    fn site() -> tempfile::TempDir {
        site_from("source")
    }

    /// A temp copy of `<crate>/<rel>` as the site's `source/`.
    fn site_from(rel: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.expect("walk");
            let rel = entry.path().strip_prefix(&from).expect("prefix");
            let to = dir.path().join("source").join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &to).expect("copy");
            }
        }
        dir
    }

    fn guide_plan() -> Plan {
        plan_for("ko-KR", GUIDE)
    }

    /// A plan for the guide file `rel` (`/`-separated) of `locale`.
    fn plan_for(locale: &str, rel: &str) -> Plan {
        let mut plan = Plan::default();
        plan.add(super::super::Change::Guide {
            locale: locale.into(),
            path: rel.split('/').collect(),
        });
        plan
    }

    /// Writes a copy of the reference guide as `rel`, its title prefixed; returns the
    /// reference guide's text.
    fn copy_reference_guide(root: &Path, rel: &str, title_prefix: &str) -> String {
        let text = std::fs::read_to_string(root.join(GUIDE)).expect("read");
        let copy = text.replacen("title: ", &format!("title: {title_prefix}"), 1);
        std::fs::write(root.join(rel), copy).expect("write");
        text
    }

    fn opts() -> SessionOptions {
        SessionOptions {
            minify: false,
            ..SessionOptions::default()
        }
    }

    /// A temp copy of the default site, a session that built it, and the reference
    /// guide's text.
    fn built(opts: SessionOptions) -> (tempfile::TempDir, Session, String) {
        let dir = site();
        let mut s = Session::new(dir.path(), opts);
        s.rebuild(&Plan::full()).expect("io").expect("first build");
        let text = std::fs::read_to_string(dir.path().join(GUIDE)).expect("read");
        (dir, s, text)
    }

    /// The reference guide's table row with the code 0x29834.
    fn row_with_code(text: &str) -> String {
        text.lines()
            .find(|l| l.contains("0x29834"))
            .expect("a row with a code")
            .to_owned()
    }

    /// The incremental result must be exactly what a full build makes of the new sources.
    #[test]
    fn incremental_equals_full() {
        let (dir, mut s, text) = built(opts());
        let root = dir.path();
        let path = root.join(GUIDE);
        // A new title, and one table row fewer (its error page and codes go away).
        let row = row_with_code(&text);
        let edited = text
            .replacen(
                "title: Azure Backup Server",
                "title: 편집된 Azure Backup Server",
                1,
            )
            .replacen(&format!("{row}\n"), "", 1);
        std::fs::write(&path, edited).expect("write");
        let r = s.rebuild(&guide_plan()).expect("io").expect("rebuild");
        assert_eq!(r.scope, Scope::Guides(1));
        assert!(!r.changed.is_empty());
        assert!(
            r.removed.iter().any(|p| p.contains("0x29834")),
            "{:?}",
            r.removed
        );
        assert_same_as_full(&s, root);
    }

    /// A deferred search update stops when told to, stays due, and catches up later.
    #[test]
    fn a_cancelled_search_update_stays_due_and_catches_up() {
        let (dir, mut s, text) = built(SessionOptions {
            defer_search: true,
            ..opts()
        });
        let root = dir.path();
        let path = root.join(GUIDE);
        std::fs::write(&path, text.replacen("0x29834", "0x2983f", 1)).expect("write");
        s.rebuild(&guide_plan()).expect("io").expect("rebuild");
        assert!(s.search_due());
        let index = "ko-KR/search-index.js";
        let before = s.files().and_then(|f| f.get(index)).cloned();

        assert!(s.finish_search(&|| true).is_none(), "a cancelled update");
        assert!(s.search_due(), "still due after a cancel");
        assert_eq!(s.files().and_then(|f| f.get(index)).cloned(), before);

        let r = s.finish_search(&|| false).expect("an update");
        assert!(!s.search_due());
        assert!(r
            .changed
            .iter()
            .any(|p| p.starts_with("ko-KR/search-index")));
        assert_same_as_full(&s, root);
    }

    /// `serve`: the edited guide's pages come first; its locale's home and code index
    /// follow with the search index.
    #[test]
    fn listings_follow_with_the_search_index() {
        let (dir, mut s, text) = built(SessionOptions {
            defer_search: true,
            ..opts()
        });
        let root = dir.path();
        let path = root.join(GUIDE);
        let title = text
            .lines()
            .find(|l| l.starts_with("title:"))
            .expect("a title")
            .to_owned();
        std::fs::write(&path, text.replacen(&title, "title: LISTED-LATER", 1)).expect("write");
        let r = s.rebuild(&guide_plan()).expect("io").expect("rebuild");
        let listings = ["ko-KR/index.html", "ko-KR/codes/index.html"];
        assert!(
            r.changed.iter().any(|p| p.ends_with("/index.html")),
            "{:?}",
            r.changed
        );
        assert!(!r.changed.iter().any(|p| listings.contains(&p.as_str())));
        let home = |s: &Session| {
            String::from_utf8_lossy(&s.files().expect("files")["ko-KR/index.html"]).into_owned()
        };
        assert!(!home(&s).contains("LISTED-LATER"));

        let r = s.finish_search(&|| false).expect("an update");
        for page in listings {
            assert!(
                r.changed.iter().any(|p| p == page),
                "{page}: {:?}",
                r.changed
            );
        }
        assert!(home(&s).contains("LISTED-LATER"));
        assert_same_as_full(&s, root);
    }

    fn assert_same_as_full(s: &Session, root: &Path) {
        let mut fresh = Session::new(root, opts());
        fresh.rebuild(&Plan::full()).expect("io").expect("full");
        let a = s.files().expect("files");
        let b = fresh.files().expect("files");
        let keys_a: Vec<&String> = a.keys().collect();
        let keys_b: Vec<&String> = b.keys().collect();
        assert_eq!(keys_a, keys_b);
        for (p, bytes) in b {
            assert!(a[p][..] == bytes[..], "{p} differs from a full build");
        }
    }

    /// `serve --sanitize`/`watch --sanitize`: a guide re-read after an edit is cleaned
    /// like one read by the first build.
    #[test]
    fn sanitized_edits_stay_sanitized() {
        let sanitizing = SessionOptions {
            sanitize: true,
            ..opts()
        };
        let (dir, mut s, text) = built(sanitizing.clone());
        let root = dir.path();
        let path = root.join(GUIDE);
        let row = row_with_code(&text);
        // Bold text is kept and only its handler dropped (plain text never has it).
        let hostile = row.replacen("0x29834", "0x29834 <b onclick=alert(1)>bold</b>", 1);
        std::fs::write(&path, text.replacen(&row, &hostile, 1)).expect("write");
        s.rebuild(&guide_plan()).expect("io").expect("rebuild");
        let guide_page = |s: &Session| {
            s.files()
                .expect("files")
                .iter()
                .find(|(p, _)| p.ends_with("ko-KR/backup-azure-mabs-troubleshoot/index.html"))
                .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
                .expect("guide page")
        };
        let page = guide_page(&s);
        assert!(page.contains("<b>bold</b>"), "the edit was rendered");
        assert!(!page.contains("onclick"), "the edit was sanitized");
        let mut unsanitized = Session::new(root, opts());
        unsanitized
            .rebuild(&Plan::full())
            .expect("io")
            .expect("full");
        assert!(
            guide_page(&unsanitized).contains("<b onclick=alert(1)>bold</b>"),
            "without --sanitize the handler passes through"
        );
        let mut fresh = Session::new(root, sanitizing);
        fresh.rebuild(&Plan::full()).expect("io").expect("full");
        let files = s.files().expect("files");
        assert!(
            fresh
                .files()
                .expect("files")
                .iter()
                .all(|(p, b)| files.get(p) == Some(b)),
            "the incremental result equals a full sanitized build"
        );
    }

    #[test]
    fn new_and_deleted_guides_equal_full() {
        let dir = site();
        let root = dir.path();
        let mut s = Session::new(root, opts());
        s.rebuild(&Plan::full()).expect("io").expect("first build");
        let new_rel = "source/ko-KR/second-guide.md";
        copy_reference_guide(root, new_rel, "두 번째 ");
        let plan = plan_for("ko-KR", new_rel);
        s.rebuild(&plan).expect("io").expect("added");
        assert!(s
            .files()
            .expect("files")
            .contains_key("ko-KR/second-guide/index.html"));
        assert_same_as_full(&s, root);
        std::fs::remove_file(root.join(new_rel)).expect("delete");
        let r = s.rebuild(&plan).expect("io").expect("deleted");
        assert!(r
            .removed
            .contains(&"ko-KR/second-guide/index.html".to_owned()));
        assert_same_as_full(&s, root);
    }

    /// A code that one guide drops and another still lists keeps its page, which must
    /// stop listing the first guide's entry.
    #[test]
    fn a_code_page_follows_a_guide_that_drops_the_code() {
        let dir = site();
        let root = dir.path();
        let text = copy_reference_guide(root, "source/ko-KR/second-guide.md", "둘째 ");
        let mut s = Session::new(root, opts());
        s.rebuild(&Plan::full()).expect("io").expect("first build");
        let page = "ko-KR/codes/0x29834.html";
        let listed = |s: &Session| {
            let bytes = &s.files().expect("files")[page];
            String::from_utf8_lossy(bytes)
                .matches("backup-azure-mabs-troubleshoot/")
                .count()
        };
        assert!(listed(&s) > 0, "the code page lists the reference guide");

        let row = row_with_code(&text);
        std::fs::write(root.join(GUIDE), text.replacen(&format!("{row}\n"), "", 1)).expect("write");
        let r = s.rebuild(&guide_plan()).expect("io").expect("rebuild");
        assert!(r.changed.contains(&page.to_owned()), "{:?}", r.changed);
        assert_eq!(listed(&s), 0, "the code page still lists the dropped entry");
        assert_same_as_full(&s, root);
    }

    /// An edit that removes an anchor another guide links to breaks that guide; once the
    /// other guide stops linking there, the same edit builds.
    #[test]
    fn guides_that_link_to_an_edited_guide_are_checked_again() {
        let dir = site();
        let root = dir.path();
        let linker = "source/ko-KR/linker.md";
        let link = "[복제본](backup-azure-mabs-troubleshoot.md#replica-is-inconsistent)";
        let linker_text = format!(
            "---\ntitle: 링크\n---\n# 링크\n\n{link} 및 [웹](https://example.com/replica-is-inconsistent)\n"
        );
        std::fs::write(root.join(linker), &linker_text).expect("write");
        let mut s = Session::new(root, opts());
        s.rebuild(&Plan::full()).expect("io").expect("first build");
        let text = std::fs::read_to_string(root.join(GUIDE)).expect("read");
        let renamed = text.replacen(
            "<a name=\"replica-is-inconsistent\">",
            "<a name=\"replica-renamed\">",
            1,
        );
        std::fs::write(root.join(GUIDE), &renamed).expect("write");
        let failed = s
            .rebuild(&guide_plan())
            .expect("io")
            .expect_err("broken link");
        assert!(
            failed
                .diagnostics
                .iter()
                .any(|d| d.name == "link-broken-anchor" && d.file == Path::new(linker)),
            "{:?}",
            failed.diagnostics
        );
        // Back as it was: builds; the rolled-back edit left the link index as it was.
        std::fs::write(root.join(GUIDE), &text).expect("write");
        s.rebuild(&guide_plan()).expect("io").expect("restored");

        let mut plan = guide_plan();
        plan.merge(&plan_for("ko-KR", linker));
        std::fs::write(root.join(linker), linker_text.replace(link, "복제본")).expect("write");
        s.rebuild(&plan).expect("io").expect("link removed");
        std::fs::write(root.join(GUIDE), &renamed).expect("write");
        s.rebuild(&guide_plan())
            .expect("io")
            .expect("nothing links there now");
        assert_same_as_full(&s, root);
    }

    /// An entry added to one locale gives the others a "not translated yet" page; removed,
    /// the page goes away again.
    #[test]
    fn untranslated_pages_follow_edits_in_other_locales() {
        let dir = site_from("tests/fixtures/l10n/source");
        let root = dir.path();
        let mut s = Session::new(root, opts());
        s.rebuild(&Plan::full()).expect("io").expect("first build");
        let rel = "source/en-US/agent-errors.md";
        let text = std::fs::read_to_string(root.join(rel)).expect("read");
        let added = text.replace(
            "| <a name=\"clock-skew\">",
            "| <a name=\"brand-new\"></a>A brand new failure (0x7777) | Retry. |\n| <a name=\"clock-skew\">",
        );
        assert_ne!(added, text);
        std::fs::write(root.join(rel), &added).expect("write");
        let plan = plan_for("en-US", rel);
        let r = s.rebuild(&plan).expect("io").expect("added");
        assert!(
            r.changed
                .iter()
                .any(|p| p.starts_with("ko-KR/untranslated/") && p.contains("brand-new")),
            "{:?}",
            r.changed
        );
        assert_same_as_full(&s, root);
        std::fs::write(root.join(rel), &text).expect("write");
        let r = s.rebuild(&plan).expect("io").expect("removed");
        assert!(
            r.removed.iter().any(|p| p.contains("brand-new")),
            "{:?}",
            r.removed
        );
        assert_same_as_full(&s, root);
    }

    #[test]
    fn a_broken_edit_keeps_the_site_and_is_retried() {
        let (dir, mut s, text) = built(opts());
        let root = dir.path();
        let before = s.files().expect("files").clone();
        let path = root.join(GUIDE);
        std::fs::write(&path, text.replacen("title: ", "title: [broken ", 1)).expect("write");
        let failed = s.rebuild(&guide_plan()).expect("io").expect_err("broken");
        assert!(failed
            .diagnostics
            .iter()
            .all(|d| d.severity == crate::diag::Severity::Error));
        assert!(failed
            .diagnostics
            .iter()
            .any(|d| d.file == Path::new(GUIDE)));
        assert!(s.is_broken());
        assert_eq!(s.files().expect("files").len(), before.len());
        // The fix arrives with an unrelated change: the pending guide is rebuilt too.
        std::fs::write(&path, text.replacen("title: ", "title: FIXED ", 1)).expect("write");
        let r = s.rebuild(&Plan::default()).expect("io").expect("fixed");
        assert!(!s.is_broken());
        assert!(r.changed.iter().any(|p| p.starts_with("ko-KR/")));
        let page = &s.files().expect("files")["ko-KR/backup-azure-mabs-troubleshoot/index.html"];
        assert!(String::from_utf8_lossy(page).contains("FIXED"));
    }
}
