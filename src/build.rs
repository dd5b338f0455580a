//! `errbook build`: load → render (in parallel, each page written into a staging folder
//! as it is rendered) → publish atomically.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diag::{Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::output::Staging;
use crate::render::{OutputFile, RenderOptions, RenderStats, Renderer};
use crate::source::{self, LoadOptions};
use crate::theme::Theme;
use crate::timing::Clock;

/// Arguments of `errbook build` beyond the global ones (`--root`, `--out`, `--locale`,
/// `-q`), for `main.rs` to flatten into its subcommand.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub render: crate::render::RenderArgs,
}

impl BuildArgs {
    /// Options for [`build`] from these arguments and the global ones.
    pub fn options(
        &self,
        out: impl Into<PathBuf>,
        locales: Vec<String>,
        quiet: bool,
    ) -> BuildOptions {
        BuildOptions {
            out: out.into(),
            locales,
            minify: self.render.minify(),
            sanitize: self.render.sanitize,
            quiet,
            deny_warnings: false,
            exits_after: false,
        }
    }
}

/// Where `build` and `watch` write when `--out` is not given, relative to the root.
pub const DEFAULT_OUT: &str = "output";

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The output folder; a relative path is taken from the site root.
    pub out: PathBuf,
    /// Only these locales (all when empty).
    pub locales: Vec<String>,
    pub minify: bool,
    /// Clean every guide's HTML before rendering (see [`crate::sanitize`]).
    pub sanitize: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Warnings fail the build like errors.
    pub deny_warnings: bool,
    /// The process exits right after the build (the `build` command): the model is left
    /// for the system to reclaim at exit instead of being freed string by string (a
    /// million strings at 2,000 guides, ~0.3 s). Leave it off where the process goes on.
    pub exits_after: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            out: PathBuf::from(DEFAULT_OUT),
            locales: Vec::new(),
            minify: true,
            sanitize: false,
            quiet: false,
            deny_warnings: false,
            exits_after: false,
        }
    }
}

/// What a successful build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub stats: RenderStats,
    /// Where the site was published.
    pub out: PathBuf,
    pub elapsed: Duration,
    /// Wall time of each phase (load, check, render, search, publish), for `-v`.
    pub phases: Vec<(&'static str, Duration)>,
    /// Warnings and notes found while loading (errors fail the build instead).
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for BuildReport {
    /// `built 2 locales, 2 guides, 54 error pages in 0.12 s`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.stats;
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "built {}, {}, {} in {:.2} s",
            plural(s.locales, "locale", "locales"),
            plural(s.guides, "guide", "guides"),
            plural(s.error_pages, "error page", "error pages"),
            self.elapsed.as_secs_f64()
        )
    }
}

/// Where `out` lands for the site at `root`: relative paths are taken from the root.
pub fn output_dir(root: &Path, out: &Path) -> PathBuf {
    root.join(out)
}

/// Builds the site at `root`. Nothing is written when loading finds errors (the earlier
/// output stays as it was); those come back as [`Error::Input`].
pub fn build(root: &Path, opts: &BuildOptions) -> Result<BuildReport> {
    let mut clock = Clock::new();
    let out = output_dir(root, &opts.out);
    // Refuse a bad --out before spending any time.
    crate::output::check_target(root, &out)?;

    // The staging folder is made (and the published site's manifest read) while the
    // guides load; a build that stops before publishing removes it again.
    let (loaded, staging) = std::thread::scope(|s| {
        let staging = s.spawn(|| crate::output::stage(root, &out));
        let loaded = source::load_site_with(
            root,
            &LoadOptions {
                locales: opts.locales.clone(),
            },
        );
        let staging = staging
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (loaded, staging)
    });
    let loaded = loaded?;
    let staging = staging?;
    clock.lap("load");
    // The same checks as `errbook check`, with the same severity policy.
    let mut site = loaded.site;
    let mut found = loaded.diagnostics;
    found.extend(crate::check::raw_findings(&site));
    let diagnostics = crate::check::apply_policy(&site.config, opts.deny_warnings, found);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(Error::Input(diagnostics));
    }
    clock.lap("check");
    site.drop_check_views();
    // After the checks, so findings point at what the author wrote.
    if opts.sanitize {
        crate::sanitize::sanitize_site(&mut site);
    }
    let theme = Theme::load(root, &site.config.theme)?;
    let stats = render_all(&site, &theme, opts, &staging, &mut clock)?;
    // Freeing the model (a million small strings at 2,000 guides) takes longer than
    // publishing, which is mostly the kernel's work: do both at once, or leave it to the
    // system when the process is about to exit.
    std::thread::scope(|s| {
        if opts.exits_after {
            std::mem::forget(site);
        } else {
            s.spawn(move || drop(site));
        }
        staging.finish()
    })?;
    clock.lap("publish");
    Ok(BuildReport {
        stats,
        out,
        elapsed: clock.start.elapsed(),
        phases: clock.phases,
        diagnostics,
    })
}

/// Renders every page across threads into `staging`, each written as soon as it is
/// rendered (the site is never held in memory whole); a progress bar appears on a
/// terminal when this takes longer than a second.
fn render_all(
    site: &crate::model::Site,
    theme: &Theme,
    opts: &BuildOptions,
    staging: &Staging<'_>,
    clock: &mut Clock,
) -> Result<RenderStats> {
    let renderer = Renderer::new(
        site,
        theme,
        RenderOptions {
            minify: opts.minify,
        },
    )?;
    let jobs = renderer.jobs();
    let progress = Progress::new(
        jobs.len() as u64,
        !opts.quiet && std::io::stderr().is_terminal(),
        clock.start,
    );
    let files = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let count = |len: u64| {
        files.fetch_add(1, Ordering::Relaxed);
        bytes.fetch_add(len, Ordering::Relaxed);
    };
    let put = |f: OutputFile| {
        staging.put(&f.path, &f.bytes)?;
        count(f.bytes.len() as u64);
        Ok::<(), Error>(())
    };
    // Not `assets()`: errors.json and the search indexes are made below, from the model.
    renderer.static_files()?.into_par_iter().try_for_each(put)?;
    // The locales whose indexes are still to make: none once a page has failed, which
    // ends the build (the indexes are not finished for nothing).
    let failed = AtomicBool::new(false);
    let all = renderer.locales();
    let locales = || (all.iter()).take_while(|_| !failed.load(Ordering::Relaxed));
    // errors.json beside the search indexes: its pieces are joined on one thread, which
    // the index's own serial steps leave room for (and it holds little memory).
    let errors_json = || {
        locales().try_for_each(|l| {
            let path = crate::render::errors_json_path(&l.tag);
            let make = |sink: &mut dyn FnMut(&[u8])| crate::render::locale_errors_json(l, sink);
            count(staging.put_streamed(&path, &make)?);
            Ok::<(), Error>(())
        })
    };
    // One locale at a time (each across threads): two at once held both merges (+250 MB
    // at 2,000 guides per locale).
    let search = || {
        locales().try_for_each(|l| {
            crate::render::search_files(l)
                .into_par_iter()
                .try_for_each(put)
        })
    };
    let pages = || {
        let done = jobs.par_iter().try_for_each(|job| {
            put(renderer.render(*job)?)?;
            progress.inc();
            Ok(())
        });
        failed.store(done.is_err(), Ordering::Relaxed);
        progress.finish();
        done
    };
    // The indexes are made while the pages render: merging a locale's index and joining
    // errors.json are serial steps, and pages keep the other threads busy meanwhile
    // (after the pages, they left a core idle: 4–8% of a build). The cost is the
    // renderer and a locale's index merge held at once (+50 MB at 2,000 guides).
    let (pages, (errors_json, search)) = rayon::join(pages, || rayon::join(errors_json, search));
    pages?;
    errors_json?;
    search?;
    let stats = renderer.stats(&jobs, 0, 0);
    // Freeing what only the pages needed takes a tenth of a second at 2,000 guides, on
    // one thread: a process about to exit leaves it to the system.
    if opts.exits_after {
        std::mem::forget((renderer, jobs));
    }
    clock.lap("render");
    Ok(RenderStats {
        files: files.into_inner(),
        bytes: bytes.into_inner(),
        ..stats
    })
}

/// A progress bar that stays hidden for the first second, so quick builds print nothing
/// but their closing line.
struct Progress {
    bar: indicatif::ProgressBar,
    enabled: bool,
    shown: AtomicBool,
    start: Instant,
}

impl Progress {
    const DELAY: Duration = Duration::from_secs(1);

    fn new(len: u64, enabled: bool, start: Instant) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(len),
            indicatif::ProgressDrawTarget::hidden(),
        );
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} pages {elapsed}")
        {
            bar.set_style(style);
        }
        Progress {
            bar,
            enabled,
            shown: AtomicBool::new(false),
            start,
        }
    }

    fn inc(&self) {
        self.bar.inc(1);
        if self.enabled
            && self.start.elapsed() > Self::DELAY
            && self
                .shown
                .compare_exchange(false, true, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_line() {
        let report = BuildReport {
            stats: RenderStats {
                locales: 2,
                guides: 2,
                error_pages: 54,
                ..RenderStats::default()
            },
            out: PathBuf::from("output"),
            elapsed: Duration::from_millis(123),
            phases: vec![],
            diagnostics: vec![],
        };
        assert_eq!(
            report.to_string(),
            "built 2 locales, 2 guides, 54 error pages in 0.12 s"
        );
        let one = BuildReport {
            stats: RenderStats {
                locales: 1,
                guides: 1,
                error_pages: 1,
                ..RenderStats::default()
            },
            ..report
        };
        assert_eq!(
            one.to_string(),
            "built 1 locale, 1 guide, 1 error page in 0.12 s"
        );
    }
}
