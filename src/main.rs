//! The `errbook` command line: parses arguments, runs the library, prints, picks the
//! exit code (0 ok, 1 the input has errors, 2 usage or I/O failure).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use errbook::diag::{Diagnostic, Severity};
use errbook::source::{self, LoadOptions, Loaded};

// A build allocates and frees millions of small strings across threads; glibc's malloc
// spent ~17% of a 2,000-guide build in its own bookkeeping.
#[global_allocator]
static GLOBAL: errbook::alloc::MiMalloc = errbook::alloc::MiMalloc;

/// Turns localized Markdown troubleshooting guides into a static, searchable site.
///
/// Guides live in `source/<locale>/*.md` (YAML front matter, tables of errors);
/// `source/site.yaml` configures the site. See README.md.
#[derive(Debug, Parser)]
#[command(name = "errbook", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Global {
    /// The site's root folder (holding `source/`).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    root: PathBuf,
    /// Where the site is written (default `output`; `bundles` for `bundle`), relative to
    /// the root unless absolute.
    #[arg(long, global = true, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Only these locales (e.g. `--locale ko-KR --locale en-US`).
    #[arg(long = "locale", global = true, value_name = "TAG")]
    locales: Vec<String>,
    /// Show notes as well as warnings and errors.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into `--out` (default `output/`), after checking the guides.
    ///
    /// Errors stop the build and leave the published site as it was; warnings are
    /// printed. The new site replaces the old one in one step at the end.
    Build {
        #[command(flatten)]
        args: errbook::build::BuildArgs,
        /// `--deny warnings`: fail on warnings too.
        #[arg(long, value_enum, value_name = "WHAT")]
        deny: Vec<errbook::check::Deny>,
    },
    /// Write a starter site (or, with `--theme`, a copy of the default theme to edit).
    Init(errbook::init::InitArgs),
    /// Check the guides: links, tables, front matter, translations (exit 1 on errors).
    Check(errbook::check::CheckArgs),
    /// Print the error model (guides, sections, entries, codes) as JSON.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
    },
    /// Reports about the site; `report translations`: aligned, missing and extra entries
    /// per locale and guide, stale and machine-translated guides (exit 0).
    Report(errbook::translations::ReportArgs),
    /// Write one self-contained zip per locale (`<site>-<locale>.zip`, into `bundles/`).
    ///
    /// Each zip holds the locale's pages, the shared assets, its search index and a root
    /// `index.html`; it works from `file://` after unzipping. The same input gives the
    /// same bytes.
    Bundle {
        #[command(flatten)]
        args: errbook::bundle::BundleArgs,
        /// `--deny warnings`: fail on warnings too.
        #[arg(long, value_enum, value_name = "WHAT")]
        deny: Vec<errbook::check::Deny>,
    },
    /// Build, serve the site on http://127.0.0.1:3000/ and rebuild on every change, with
    /// live reload in the browser. Nothing is written to `--out`.
    #[cfg(feature = "serve")]
    Serve(errbook::serve::ServeArgs),
    /// Rebuild into `--out` on every change, each time replacing the site atomically.
    Watch(errbook::watch::WatchArgs),
    /// Find entries by error code (`0x29834`, `ID: 4024`) or by words; print them.
    Lookup {
        /// A code or some words of a message.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
}

/// How a command ended, when it did not fail outright.
enum Outcome {
    Ok,
    InputErrors,
}

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages, and where the kernel has free ones each
    // fault clears 2 MB, mostly for strings freed soon after: half the system time of a
    // 2,000-guide build after another program had used and freed memory (11 → 5.5 s,
    // −15% wall). Failing (an old kernel) changes nothing but speed.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let cli = Cli::parse();
    match run(&cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::InputErrors) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            match e.downcast_ref::<errbook::Error>() {
                Some(errbook::Error::Input(_)) => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
    }
}

fn min_severity(global: &Global) -> Severity {
    if global.quiet {
        Severity::Error
    } else if global.verbose > 0 {
        Severity::Note
    } else {
        Severity::Warning
    }
}

fn print_diagnostics(global: &Global, diags: &[Diagnostic]) {
    let min = min_severity(global);
    let mut err = std::io::stderr().lock();
    for d in diags.iter().filter(|d| d.severity >= min) {
        let _ = writeln!(err, "{}", d.one_line());
    }
}

/// Loads the site and prints what loading found; `Err` when nothing could be loaded.
fn load(global: &Global) -> anyhow::Result<Loaded> {
    let opts = LoadOptions {
        locales: global.locales.clone(),
    };
    let loaded = source::load_site_with(&global.root, &opts)
        .with_context(|| format!("loading the site in {}", global.root.display()))?;
    print_diagnostics(global, &loaded.diagnostics);
    Ok(loaded)
}

/// Prints diagnostics the way `errbook check` does (source line, span, hint).
fn print_report(global: &Global, diags: &[Diagnostic]) {
    use std::io::IsTerminal as _;
    let min = min_severity(global);
    let shown: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity >= min).collect();
    if shown.is_empty() {
        return;
    }
    let mut sources = errbook::check::report::Sources::from_disk(&global.root);
    let text = errbook::check::report::human(&shown, &mut sources, std::io::stderr().is_terminal());
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Ends a command that checks the input before writing: warnings and the closing line on
/// success; on input errors, the findings and what was left untouched.
fn finish(
    g: &Global,
    result: errbook::Result<(Vec<Diagnostic>, String)>,
    untouched: &str,
) -> anyhow::Result<Outcome> {
    match result {
        Ok((diagnostics, closing)) => {
            print_report(g, &diagnostics);
            if !g.quiet {
                eprintln!("{closing}");
            }
            Ok(Outcome::Ok)
        }
        Err(errbook::Error::Input(diags)) => {
            print_report(g, &diags);
            eprintln!(
                "error: {}; {untouched}",
                errbook::check::report::summary(&diags)
            );
            Ok(Outcome::InputErrors)
        }
        Err(e) => Err(e.into()),
    }
}

/// Prints what the rebuild loop reports (serve and watch).
struct LoopPrinter<'g> {
    global: &'g Global,
    #[cfg_attr(not(feature = "serve"), allow(dead_code))]
    open: bool,
    last_warnings: Vec<Diagnostic>,
}

impl LoopPrinter<'_> {
    fn note(&mut self, note: errbook::watch::Note<'_>) {
        use errbook::watch::{Note, Scope};
        let g = self.global;
        match note {
            Note::Serving { url } => {
                eprintln!("serving {url} (Ctrl-C to stop)");
                #[cfg(feature = "serve")]
                if self.open {
                    if let Err(e) = errbook::serve::open_browser(url) {
                        eprintln!("warning: cannot open a browser: {e}");
                    }
                }
            }
            Note::Watching { root } => {
                if !g.quiet {
                    eprintln!(
                        "watching {} for changes",
                        root.join(errbook::source::SOURCE_DIR).display()
                    );
                }
            }
            Note::Rebuilt { rebuilt, published } => {
                let warnings: Vec<Diagnostic> = rebuilt.diagnostics.clone();
                let search_only = matches!(rebuilt.scope, Scope::Search);
                if !search_only && warnings != self.last_warnings {
                    print_report(g, &warnings);
                    self.last_warnings = warnings;
                }
                if g.quiet {
                    return;
                }
                let what = match rebuilt.scope {
                    Scope::Full => "built the site".to_owned(),
                    Scope::Render => "rendered the site again".to_owned(),
                    Scope::Guides(1) => "rebuilt 1 guide".to_owned(),
                    Scope::Guides(n) => format!("rebuilt {n} guides"),
                    Scope::Search => "updated the search index".to_owned(),
                };
                let mut line = format!(
                    "{what} in {} ms: {} of {} files changed",
                    rebuilt.elapsed.as_millis(),
                    rebuilt.changed.len() + rebuilt.removed.len(),
                    rebuilt.rendered
                );
                if let Some(out) = published {
                    line.push_str(&format!(", published to {}", out.display()));
                }
                if g.verbose > 0 {
                    let phases = errbook::timing::describe(&rebuilt.phases);
                    line.push_str(&format!(" ({phases})"));
                }
                eprintln!("{line}");
            }
            Note::Failed { failed, repeat } => {
                if repeat {
                    return;
                }
                self.last_warnings.clear();
                print_report(g, &failed.diagnostics);
                eprintln!(
                    "error: {}; still showing the last good build",
                    failed.message
                );
            }
        }
    }
}

/// A Ctrl-C handler that stops the rebuild loop, so that it ends between two rebuilds.
fn stop_on_ctrl_c() -> anyhow::Result<errbook::watch::Inbox> {
    let (stopper, inbox) = errbook::watch::channel();
    ctrlc::set_handler(move || stopper.stop()).context("installing the Ctrl-C handler")?;
    Ok(inbox)
}

fn session_options(
    g: &Global,
    render: errbook::render::RenderArgs,
) -> errbook::watch::SessionOptions {
    errbook::watch::SessionOptions {
        locales: g.locales.clone(),
        minify: render.minify(),
        sanitize: render.sanitize,
        deny_warnings: false,
        defer_search: false,
    }
}

/// `--out`, or where `build` and `watch` write by default.
fn site_out(g: &Global) -> PathBuf {
    g.out
        .clone()
        .unwrap_or_else(|| PathBuf::from(errbook::build::DEFAULT_OUT))
}

fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    let g = &cli.global;
    match &cli.command {
        #[cfg(feature = "serve")]
        Command::Serve(args) => {
            let inbox = stop_on_ctrl_c()?;
            let mut printer = LoopPrinter {
                global: g,
                open: args.open,
                last_warnings: Vec::new(),
            };
            errbook::serve::run_serve(
                &g.root,
                session_options(g, args.render),
                args,
                inbox,
                &mut |n| printer.note(n),
            )?;
            Ok(Outcome::Ok)
        }
        Command::Watch(args) => {
            let inbox = stop_on_ctrl_c()?;
            let mut printer = LoopPrinter {
                global: g,
                open: false,
                last_warnings: Vec::new(),
            };
            errbook::watch::run_watch(
                &g.root,
                &site_out(g),
                session_options(g, args.render),
                args,
                inbox,
                &mut |n| printer.note(n),
            )?;
            Ok(Outcome::Ok)
        }
        Command::Build { args, deny } => {
            let out = site_out(g);
            let mut opts = args.options(out, g.locales.clone(), g.quiet);
            opts.deny_warnings = deny.contains(&errbook::check::Deny::Warnings);
            opts.exits_after = true;
            let result = errbook::build::build(&g.root, &opts).map(|r| {
                let mut closing = r.to_string();
                if g.verbose > 0 {
                    closing.push_str(&format!(" ({})", errbook::timing::describe(&r.phases)));
                }
                (r.diagnostics.clone(), closing)
            });
            finish(g, result, "the published site was not changed")
        }
        Command::Report(args) => {
            let errbook::translations::ReportKind::Translations { format } = args.what;
            let loaded = load(g)?;
            let report = errbook::translations::report(&loaded.site);
            let text = match format {
                errbook::translations::ReportFormat::Md => report.to_markdown(),
                errbook::translations::ReportFormat::Json => report.to_json() + "\n",
            };
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .context("writing to stdout")?;
            Ok(Outcome::Ok)
        }
        Command::Bundle { args, deny } => {
            let opts = errbook::bundle::BundleOptions {
                out: g
                    .out
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(errbook::bundle::DEFAULT_OUT)),
                locales: g.locales.clone(),
                minify: args.render.minify(),
                sanitize: args.render.sanitize,
                progress: !g.quiet,
                deny_warnings: deny.contains(&errbook::check::Deny::Warnings),
            };
            let result = errbook::bundle::bundle(&g.root, &opts)
                .map(|r| (r.diagnostics.clone(), r.to_string()));
            finish(g, result, "no bundle was written")
        }
        Command::Init(args) => {
            let report = args.run(&g.root)?;
            if !g.quiet {
                eprintln!("{report}");
            }
            Ok(Outcome::Ok)
        }
        Command::Check(args) => {
            use std::io::IsTerminal as _;
            let tty = std::io::stderr().is_terminal();
            let rep = errbook::check::Reporting {
                color: tty,
                progress: tty,
                min_severity: min_severity(g),
            };
            let run = errbook::check::run(&g.root, &g.locales, args, &rep)?;
            std::io::stdout()
                .lock()
                .write_all(run.stdout.as_bytes())
                .context("writing to stdout")?;
            let _ = std::io::stderr().lock().write_all(run.stderr.as_bytes());
            Ok(if run.exit_code == 0 {
                Outcome::Ok
            } else {
                Outcome::InputErrors
            })
        }
        Command::Export {
            format: ExportFormat::Json,
        } => {
            let loaded = load(g)?;
            if loaded.has_errors() {
                return Ok(Outcome::InputErrors);
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", errbook::export::to_json(&loaded.site))
                .context("writing to stdout")?;
            Ok(Outcome::Ok)
        }
        Command::Lookup { query } => {
            let loaded = load(g)?;
            let query = query.join(" ");
            let hits = errbook::lookup::lookup(&loaded.site, &query);
            if hits.is_empty() {
                eprintln!("nothing found for `{query}`");
                return Ok(Outcome::InputErrors);
            }
            let mut out = std::io::stdout().lock();
            for (i, hit) in hits.iter().enumerate() {
                if i > 0 {
                    writeln!(out).context("writing to stdout")?;
                }
                write!(out, "{}", errbook::lookup::format_hit(hit)).context("writing to stdout")?;
            }
            Ok(if loaded.has_errors() {
                Outcome::InputErrors
            } else {
                Outcome::Ok
            })
        }
    }
}
