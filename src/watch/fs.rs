//! File-system events, debounced, as batches of changed paths.
//!
//! Editors save in many ways (write in place; write a temp file and rename it over;
//! delete and create; vim's `4913` probe), each a burst of raw events. The debouncer
//! (notify-debouncer-full) merges a burst into one event per file, following renames by
//! file id, so one save is one rebuild. Native events do not arrive on network file
//! systems (SMB, NFS) and in some containers: `--poll` scans instead.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use notify_debouncer_full::notify::event::{EventKind, ModifyKind};
use notify_debouncer_full::notify::{self, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    new_debouncer_opt, DebounceEventResult, Debouncer, FileIdMap, RecommendedCache,
};

use crate::error::{Error, Result};

/// How long a file must be quiet before its events are delivered. Atomic saves complete
/// within microseconds; a few milliseconds merge them without delaying the reload.
pub const DEBOUNCE: Duration = Duration::from_millis(8);
/// How often `--poll` scans the watched folders.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// A message to the rebuild loop.
pub enum Msg {
    Fs(DebounceEventResult),
    /// Ctrl-C or the caller: finish the current rebuild and return.
    Stop,
}

/// Stops a running loop from another thread (a Ctrl-C handler).
#[derive(Clone)]
pub struct Stopper(Post);

impl Stopper {
    pub fn stop(&self) {
        self.0.send(Msg::Stop);
    }
}

/// The sending end of the loop's messages. Each message also raises a flag that long
/// work can poll to give way to the change (see [`SourceWatcher::arrivals_from_now`]).
#[derive(Clone)]
struct Post {
    tx: mpsc::Sender<Msg>,
    arrived: Arc<AtomicBool>,
}

impl Post {
    fn send(&self, msg: Msg) {
        let _ = self.tx.send(msg);
        self.arrived.store(true, Ordering::SeqCst);
    }
}

/// The receiving end of the loop's messages.
pub struct Inbox {
    post: Post,
    rx: mpsc::Receiver<Msg>,
}

/// A stopper and the inbox it stops.
pub fn channel() -> (Stopper, Inbox) {
    let (tx, rx) = mpsc::channel();
    let post = Post {
        tx,
        arrived: Arc::new(AtomicBool::new(false)),
    };
    (Stopper(post.clone()), Inbox { post, rx })
}

enum AnyDebouncer {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, FileIdMap>),
}

impl AnyDebouncer {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            AnyDebouncer::Native(d) => d.watch(path, mode),
            AnyDebouncer::Poll(d) => d.watch(path, mode),
        }
    }
    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        match self {
            AnyDebouncer::Native(d) => d.unwatch(path),
            AnyDebouncer::Poll(d) => d.unwatch(path),
        }
    }
}

/// A batch of changes: the paths, or `rescan` when events were lost.
#[derive(Debug, Default)]
pub struct Batch {
    /// Changed paths, each with whether it is a folder now.
    pub paths: Vec<(PathBuf, bool)>,
    pub rescan: bool,
}

/// Watches `source/` and `themes/` of a site (and the root itself, without recursing,
/// so that a `themes/` folder created later is seen). `output/`, `target/` and `.git/`
/// are never watched.
pub struct SourceWatcher {
    root: PathBuf,
    debouncer: AnyDebouncer,
    inbox: Inbox,
    watching_themes: bool,
    /// A message taken by [`SourceWatcher::wait_pending`], handed out next.
    stash: Option<Msg>,
}

impl SourceWatcher {
    /// `root` should be canonical: event paths are reported under it.
    pub fn new(root: &Path, poll: bool, inbox: Inbox) -> Result<SourceWatcher> {
        let post = inbox.post.clone();
        let handler = move |res: DebounceEventResult| post.send(Msg::Fs(res));
        let err = |e: notify::Error| Error::Usage(format!("cannot watch {}: {e}", root.display()));
        let debouncer = if poll {
            let config = notify::Config::default()
                .with_poll_interval(POLL_INTERVAL)
                .with_compare_contents(false);
            AnyDebouncer::Poll(
                new_debouncer_opt::<_, PollWatcher, FileIdMap>(
                    DEBOUNCE,
                    None,
                    handler,
                    FileIdMap::new(),
                    config,
                )
                .map_err(err)?,
            )
        } else {
            AnyDebouncer::Native(
                new_debouncer_opt::<_, RecommendedWatcher, RecommendedCache>(
                    DEBOUNCE,
                    None,
                    handler,
                    RecommendedCache::new(),
                    notify::Config::default(),
                )
                .map_err(err)?,
            )
        };
        let mut w = SourceWatcher {
            root: root.to_path_buf(),
            debouncer,
            inbox,
            watching_themes: false,
            stash: None,
        };
        w.debouncer
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(err)?;
        w.debouncer
            .watch(
                &root.join(crate::source::SOURCE_DIR),
                RecursiveMode::Recursive,
            )
            .map_err(err)?;
        w.watch_themes();
        Ok(w)
    }

    fn watch_themes(&mut self) {
        let themes = self.root.join("themes");
        if themes.is_dir() {
            self.watching_themes = self
                .debouncer
                .watch(&themes, RecursiveMode::Recursive)
                .is_ok();
        }
    }

    /// Waits for the next batch of changes; `None` once stopped. Everything already
    /// queued is merged into one batch, so a burst of saves is one rebuild.
    pub fn next_batch(&mut self) -> Option<Batch> {
        let first = match self.stash.take() {
            Some(m) => m,
            None => self.inbox.rx.recv().ok()?,
        };
        let mut batch = Batch::default();
        if !self.absorb(first, &mut batch) {
            return None;
        }
        while let Ok(msg) = self.inbox.rx.try_recv() {
            if !self.absorb(msg, &mut batch) {
                return None;
            }
        }
        self.rewatch(&batch);
        Some(batch)
    }

    /// A flag raised by every message from now on (a change or Stop): work that the
    /// next change would make stale polls it to stop early.
    pub fn arrivals_from_now(&self) -> Arc<AtomicBool> {
        self.inbox.post.arrived.store(false, Ordering::SeqCst);
        self.inbox.post.arrived.clone()
    }

    /// Whether a message (a change or Stop) arrives within `timeout`.
    pub fn wait_pending(&mut self, timeout: Duration) -> bool {
        if self.stash.is_some() {
            return true;
        }
        match self.inbox.rx.recv_timeout(timeout) {
            Ok(m) => {
                self.stash = Some(m);
                true
            }
            Err(_) => false,
        }
    }

    /// Adds a message to a batch; `false` on Stop.
    fn absorb(&mut self, msg: Msg, batch: &mut Batch) -> bool {
        match msg {
            Msg::Stop => false,
            Msg::Fs(Ok(events)) => {
                for ev in events {
                    batch.rescan |= ev.need_rescan();
                    // Reads (errbook's own included) change nothing.
                    if matches!(ev.event.kind, EventKind::Access(_)) {
                        continue;
                    }
                    let metadata_only =
                        matches!(ev.event.kind, EventKind::Modify(ModifyKind::Metadata(_)));
                    for p in &ev.event.paths {
                        let is_dir = p.is_dir();
                        // A folder's times change whenever its files do: the files tell.
                        if metadata_only && is_dir {
                            continue;
                        }
                        batch.paths.push((p.clone(), is_dir));
                    }
                }
                true
            }
            Msg::Fs(Err(_)) => {
                // Lost events (queue overflow, a watched folder vanished): read everything.
                batch.rescan = true;
                true
            }
        }
    }

    /// Folders that were replaced (a `git checkout` recreating `source/`) or created
    /// (`themes/`) are watched again.
    fn rewatch(&mut self, batch: &Batch) {
        let source = self.root.join(crate::source::SOURCE_DIR);
        let themes = self.root.join("themes");
        if batch.paths.iter().any(|(p, _)| *p == source) || batch.rescan {
            let _ = self.debouncer.unwatch(&source);
            let _ = self.debouncer.watch(&source, RecursiveMode::Recursive);
        }
        if batch.paths.iter().any(|(p, _)| *p == themes) || (batch.rescan && !self.watching_themes)
        {
            if self.watching_themes {
                let _ = self.debouncer.unwatch(&themes);
            }
            self.watch_themes();
        }
    }
}
