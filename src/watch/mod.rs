//! `errbook watch` and the rebuild loop `serve` shares: watch the sources, classify each
//! change ([`change::classify`], pure), rebuild what it touches ([`session::Session`]),
//! and hand the result on (publish to `--out` here; push to browsers in `serve`).
//!
//! Nothing here prints: what happened is reported through a [`Note`] callback.

pub mod change;
pub mod fs;
pub mod session;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

pub use change::{classify, Change, Plan};
pub use fs::{channel, Inbox, SourceWatcher, Stopper};
pub use session::{Bytes, Failed, Outcome, Rebuilt, Scope, Session, SessionOptions};

/// Arguments of `errbook watch` beyond the global ones.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WatchArgs {
    /// Scan for changes instead of relying on file-system events (network shares, some
    /// containers and VMs, where events do not arrive).
    #[arg(long)]
    pub poll: bool,
    #[command(flatten)]
    pub render: crate::render::RenderArgs,
}

/// What the loop reports, for the caller to print.
#[derive(Debug)]
pub enum Note<'a> {
    /// `serve` listens at `url` (after the first build).
    Serving { url: &'a str },
    /// The first build is done (or failed) and the loop is watching `root`.
    Watching { root: &'a Path },
    /// A good rebuild; `published` is where `watch` wrote it.
    Rebuilt {
        rebuilt: &'a Rebuilt,
        published: Option<&'a Path>,
    },
    /// A rebuild that kept the previous site. `repeat` is true when the findings are
    /// exactly those reported last time.
    Failed { failed: &'a Failed, repeat: bool },
}

/// The site root as file events name it.
pub fn canonical_root(root: &Path) -> Result<PathBuf> {
    root.canonicalize()
        .map_err(|e| Error::io("open the site root", root, e))
}

/// How long the sources must be quiet before a deferred search index is built.
pub const SEARCH_QUIET: std::time::Duration = std::time::Duration::from_millis(250);

/// Runs the rebuild loop: waits for changes, rebuilds, calls `on` with the outcome.
/// Returns when the inbox is stopped. The first build is made before waiting.
pub fn run_loop(
    session: &mut Session,
    watcher: &mut SourceWatcher,
    locales: &[String],
    on: &mut dyn FnMut(&Session, Outcome),
) -> Result<()> {
    let first = session.rebuild(&Plan::full())?;
    on(session, first);
    loop {
        // Deferred search indexes are built once the sources have been quiet for a
        // moment (saves come in bursts), and given up, to be redone later, as soon as
        // a change arrives.
        if session.search_due() {
            let arrived = watcher.arrivals_from_now();
            if !watcher.wait_pending(SEARCH_QUIET) {
                let cancel = || arrived.load(std::sync::atomic::Ordering::SeqCst);
                if let Some(r) = session.finish_search(&cancel) {
                    on(session, Ok(r));
                }
            }
        }
        let Some(batch) = watcher.next_batch() else {
            break;
        };
        let plan = if batch.rescan {
            Plan::full()
        } else {
            Plan::from_paths(
                session.root(),
                batch.paths.iter().map(|(p, d)| (p.as_path(), *d)),
                session.theme_name(),
                locales,
            )
        };
        if plan.is_empty() {
            continue;
        }
        let outcome = session.rebuild(&plan)?;
        on(session, outcome);
    }
    Ok(())
}

/// Remembers the last failure so that the same findings are reported once.
#[derive(Default)]
pub struct FailureMemo(Option<Failed>);

impl FailureMemo {
    /// Whether `f` repeats the last failure; remembers it.
    pub fn repeat(&mut self, f: &Failed) -> bool {
        let same = self.0.as_ref() == Some(f);
        self.0 = Some(f.clone());
        same
    }
    /// Forgets the last failure; whether there was one.
    pub fn clear(&mut self) -> bool {
        self.0.take().is_some()
    }
}

/// `errbook watch`: rebuilds into `out` on every change, each time publishing the whole
/// site atomically (unchanged files are hard-linked, not rewritten). Returns on Stop.
pub fn run_watch(
    root: &Path,
    out: &Path,
    opts: SessionOptions,
    args: &WatchArgs,
    inbox: Inbox,
    report: &mut dyn FnMut(Note<'_>),
) -> Result<()> {
    let root = canonical_root(root)?;
    let out = crate::build::output_dir(&root, out);
    crate::output::check_target(&root, &out)?;
    let locales = opts.locales.clone();
    let mut session = Session::new(&root, opts);
    let mut watcher = SourceWatcher::new(&root, args.poll, inbox)?;
    let mut published: BTreeMap<String, Bytes> = BTreeMap::new();
    let mut memo = FailureMemo::default();
    let mut announced = false;
    run_loop(
        &mut session,
        &mut watcher,
        &locales,
        &mut |session, outcome| {
            match outcome {
                Ok(rebuilt) => {
                    memo.clear();
                    let files = session.files().cloned().unwrap_or_default();
                    let needs_publish =
                        !rebuilt.changed.is_empty() || !rebuilt.removed.is_empty() || !announced;
                    let result = if needs_publish {
                        publish(&root, &out, &files, &published)
                    } else {
                        Ok(())
                    };
                    match result {
                        Ok(()) => {
                            published = files;
                            report(Note::Rebuilt {
                                rebuilt: &rebuilt,
                                published: Some(&out),
                            });
                        }
                        Err(e) => {
                            published.clear();
                            let failed = Failed {
                                diagnostics: Vec::new(),
                                message: format!("publishing failed: {e}"),
                            };
                            let repeat = memo.repeat(&failed);
                            report(Note::Failed {
                                failed: &failed,
                                repeat,
                            });
                        }
                    }
                }
                Err(failed) => {
                    let repeat = memo.repeat(&failed);
                    report(Note::Failed {
                        failed: &failed,
                        repeat,
                    });
                }
            }
            if !announced {
                announced = true;
                report(Note::Watching { root: &root });
            }
        },
    )
}

/// Publishes `files`, linking those whose bytes are the ones published last time.
fn publish(
    root: &Path,
    out: &Path,
    files: &BTreeMap<String, Bytes>,
    last: &BTreeMap<String, Bytes>,
) -> Result<()> {
    let list: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), &b[..])).collect();
    let unchanged =
        |p: &str| matches!((files.get(p), last.get(p)), (Some(a), Some(b)) if Arc::ptr_eq(a, b));
    crate::output::publish_reusing(root, out, &list, &unchanged)
}
