//! Publishing the rendered site: atomically, and only where errbook may write.
//!
//! Everything is written into a staging folder beside the target (same parent, so the
//! final rename does not cross file systems), the `.errbook-output` marker first; then
//! the staging folder and the old output swap names in one step (Linux), or, where that
//! cannot be done, the old output is renamed away and the staging folder renamed into
//! place; the old site is deleted, its marker last. A build that fails or is killed
//! leaves the earlier site or the new one, never a mix; its leftovers are removed by the
//! next build, which also puts the old site back if a kill fell between the two renames.
//! A build whose every file is already published, and nothing else, changes nothing:
//! the staging folder is dropped and the published site stays as it was.

use std::borrow::Cow;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::diag::display_path;
use crate::error::{Error, Result};
use crate::render::OutputFile;

/// The file that marks a folder as errbook's to replace.
pub const MARKER: &str = ".errbook-output";

const MARKER_TEXT: &str =
    "This folder was written by errbook. The next `errbook build` deletes and \
replaces everything in it.\n";

/// What the output holds: each file's path, length and hash, so the next build can tell
/// an unchanged page without reading the published one.
pub const MANIFEST: &str = ".errbook-manifest";
const MANIFEST_HEADER: &str = "errbook-manifest 1";

const STAGING: &str = ".errbook-staging-";
const TRASH: &str = ".errbook-trash-";

/// Leftovers of another process are removed only once they are this old, where we cannot
/// tell whether that process still runs.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// Why errbook will not write into a folder. Checked before anything is written.
pub fn check_target(root: &Path, out: &Path) -> Result<()> {
    let root_c = root
        .canonicalize()
        .map_err(|e| Error::io("open the site root", root, e))?;
    let out_c = resolve(out)?;
    let shown = display_path(out);
    let refuse = |why: String| {
        Err(Error::Usage(format!(
            "refusing to write the site into {shown}: {why}"
        )))
    };
    if out_c == root_c {
        return refuse("it is the site root itself; use a folder such as `output`".into());
    }
    if root_c.starts_with(&out_c) {
        return refuse("it contains the site root, whose sources would be deleted".into());
    }
    for protected in [crate::source::SOURCE_DIR, "themes"] {
        if out_c.starts_with(root_c.join(protected)) {
            return refuse(format!(
                "it is inside `{protected}/`, which holds the site's own files"
            ));
        }
    }
    match std::fs::metadata(&out_c) {
        Ok(m) if !m.is_dir() => refuse("it exists and is not a folder".into()),
        Ok(_) => {
            if out_c.join(MARKER).is_file() {
                return Ok(());
            }
            let mut entries = std::fs::read_dir(&out_c)
                .map_err(|e| Error::io("list the output folder", out, e))?;
            if entries.next().is_some() {
                return refuse(format!(
                    "it is not empty and has no `{MARKER}` file, so errbook did not make it; \
                     pick another --out or empty it first"
                ));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("inspect the output folder", out, e)),
    }
}

/// The real location of `out`: its longest existing ancestor canonicalized (symlinks
/// resolved, so an `output` symlink to a share publishes onto the share), the rest
/// appended.
fn resolve(out: &Path) -> Result<PathBuf> {
    let abs =
        std::path::absolute(out).map_err(|e| Error::io("resolve the output folder", out, e))?;
    let mut existing = abs.as_path();
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut p = c;
            for part in rest.iter().rev() {
                p.push(part);
            }
            return Ok(normalize(&p));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return Ok(normalize(&abs)),
        }
    }
}

/// Removes `.` and folds `..` lexically (only in the part that does not exist yet).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes one file of the new site: `std::fs::write`, or in tests a stand-in that fails
/// the way a full disk does.
pub type WriteFile<'a> = dyn Fn(&Path, &[u8]) -> std::io::Result<()> + Sync + 'a;

/// Writes `files` as the new content of `out`, atomically (see the module comment).
///
/// A file whose bytes equal those already published is hard-linked from the current
/// output instead of written again: a rebuild creates files only for what changed (their
/// modification times tell a sync tool what to copy), which is also much faster than
/// writing every file anew; a rebuild that changes nothing leaves the output untouched.
pub fn publish(root: &Path, out: &Path, files: &[OutputFile]) -> Result<()> {
    publish_with(root, out, files, &write_file)
}

/// [`publish`] writing each file with `write`.
pub fn publish_with(
    root: &Path,
    out: &Path,
    files: &[OutputFile],
    write: &WriteFile<'_>,
) -> Result<()> {
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    publish_files(root, out, &files, Reuse::IfSame, write)
}

/// How files are written outside tests.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// A file made piece by piece: hands each piece to the sink it is given.
pub type MakePieces<'a> = dyn Fn(&mut dyn FnMut(&[u8])) + 'a;

/// Hands each piece of `make` to `each`; returns the file's length and hash.
fn hash_pieces(make: &MakePieces<'_>, each: &mut dyn FnMut(&[u8])) -> (u64, u64) {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut len = 0u64;
    make(&mut |piece| {
        hasher.update(piece);
        len += piece.len() as u64;
        each(piece);
    });
    (len, hasher.digest())
}

/// Writes the pieces of `make` to a new file at `path`; returns the file's length and
/// hash, taken on the way.
fn write_pieces(path: &Path, make: &MakePieces<'_>) -> std::io::Result<(u64, u64)> {
    use std::io::Write as _;
    let mut file = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    let mut failed = None;
    let known = hash_pieces(make, &mut |piece| {
        if failed.is_none() {
            failed = file.write_all(piece).err();
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    file.into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    Ok(known)
}

/// Which files of the current output a new one may reuse.
enum Reuse<'a> {
    /// Those the caller knows to be unchanged.
    Known(&'a (dyn Fn(&str) -> bool + Sync)),
    /// Those whose bytes turn out to be the same.
    IfSame,
}

/// [`publish`] for a rebuild: files for which `unchanged` says their bytes are those
/// already published are hard-linked from the current output instead of written again,
/// so their modification times stay and a sync tool sees only what changed. Where a
/// link cannot be made (another file system, no such file), the bytes are written.
pub fn publish_reusing(
    root: &Path,
    out: &Path,
    files: &[(&str, &[u8])],
    unchanged: &(dyn Fn(&str) -> bool + Sync),
) -> Result<()> {
    publish_files(root, out, files, Reuse::Known(unchanged), &write_file)
}

fn publish_files(
    root: &Path,
    out: &Path,
    files: &[(&str, &[u8])],
    reuse: Reuse<'_>,
    write: &WriteFile<'_>,
) -> Result<()> {
    let staging = Staging::begin(root, out, reuse, write)?;
    files
        .par_iter()
        .try_for_each(|(rel, bytes)| staging.put(rel, bytes))?;
    staging.finish()
}

/// A new site being written into a staging folder beside the output, file by file from
/// any thread (so a build need not hold every page in memory), then swapped into place
/// by [`Staging::finish`]. Dropped unfinished (an error), its folder is removed.
pub struct Staging<'w> {
    target: PathBuf,
    staging: PathBuf,
    trash: PathBuf,
    reuse: Reuse<'w>,
    write: &'w WriteFile<'w>,
    /// The published site's manifest, when it has a readable one.
    old: Option<Manifest>,
    /// Each file put so far.
    new: Mutex<Vec<Put>>,
    /// Whether files of the published site can be hard-linked into the staging folder
    /// (not on some file shares); tried once, on the published marker.
    links_work: bool,
    /// Whether there is a published site (its marker) to reuse files of: a first build
    /// then asks nothing of the target per file.
    published: bool,
    /// Folders of the staging tree made so far, by `/`-separated path (hashing a `Path`
    /// goes component by component, once per file put).
    dirs: Mutex<FxHashSet<String>>,
    finished: bool,
}

/// A file of the new site: its path, length and hash, and whether the published file
/// has those bytes (it is then linked into the staging folder at the end, where links
/// work, or left in place when the whole site is unchanged).
struct Put {
    rel: String,
    len: u64,
    hash: u64,
    reused: bool,
}

/// [`MANIFEST`] as read back: files by path, and when it was written.
struct Manifest {
    written: SystemTime,
    files: FxHashMap<String, (u64, u64)>,
}

impl Manifest {
    /// `None` when the folder has none, or one errbook cannot read (then files are
    /// compared byte by byte).
    fn read(dir: &Path) -> Option<Manifest> {
        let path = dir.join(MANIFEST);
        let written = std::fs::metadata(&path).ok()?.modified().ok()?;
        let text = std::fs::read_to_string(&path).ok()?;
        let mut lines = text.lines();
        if lines.next()? != MANIFEST_HEADER {
            return None;
        }
        let mut files = FxHashMap::default();
        for line in lines {
            let mut parts = line.splitn(3, ' ');
            let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
            let len = parts.next()?.parse().ok()?;
            files.insert(parts.next()?.to_owned(), (len, hash));
        }
        Some(Manifest { written, files })
    }

    /// Whether the published file `old` still holds what the manifest says, going by
    /// its length and modification time: one changed by hand after the manifest was
    /// written is not trusted.
    fn vouches_for(&self, old: &Path, len: u64) -> bool {
        std::fs::symlink_metadata(old).is_ok_and(|m| {
            m.is_file() && m.len() == len && m.modified().is_ok_and(|t| t <= self.written)
        })
    }
}

fn manifest_text(files: &[Put]) -> String {
    let mut lines: Vec<(&str, u64, u64)> = files
        .iter()
        .map(|f| (f.rel.as_str(), f.len, f.hash))
        .collect();
    lines.sort_unstable();
    let mut text = String::with_capacity(files.len() * 64);
    text.push_str(MANIFEST_HEADER);
    text.push('\n');
    for (path, len, hash) in lines {
        use std::fmt::Write as _;
        let _ = writeln!(text, "{hash:016x} {len} {path}");
    }
    text
}

impl<'w> Staging<'w> {
    /// Checks the target ([`check_target`]), removes what killed runs left, and makes
    /// the staging folder with its marker.
    fn begin(root: &Path, out: &Path, reuse: Reuse<'w>, write: &'w WriteFile<'w>) -> Result<Self> {
        check_target(root, out)?;
        let target = resolve(out)?;
        let (parent, name) = match (target.parent(), target.file_name()) {
            (Some(p), Some(n)) => (p.to_path_buf(), n.to_os_string()),
            _ => {
                return Err(Error::Usage(format!(
                    "cannot publish into {}",
                    display_path(out)
                )))
            }
        };
        std::fs::create_dir_all(&parent)
            .map_err(|e| Error::io("create the output's parent folder", &parent, e))?;
        clean_leftovers(&parent, &name);

        // Unique within this process too: `serve` may rebuild while a build is finishing.
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let tag = format!(
            "{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let mut staging = Staging {
            staging: parent.join(with_suffix(&name, STAGING, &tag)),
            trash: parent.join(with_suffix(&name, TRASH, &tag)),
            old: Manifest::read(&target),
            target,
            reuse,
            write,
            new: Mutex::new(Vec::new()),
            links_work: false,
            published: false,
            dirs: Mutex::new(FxHashSet::default()),
            finished: false,
        };
        let dir = &staging.staging;
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|e| Error::io("remove an old staging folder", dir, e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create the staging folder", dir, e))?;
        // The marker goes first: a staging folder left by a killed build is recognisably ours.
        let marker = dir.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| Error::io("write", &marker, e))?;
        staging.published = staging.target.join(MARKER).is_file();
        if staging.published {
            let probe = staging.staging.join(".errbook-link-probe");
            staging.links_work = std::fs::hard_link(staging.target.join(MARKER), &probe).is_ok();
            let _ = std::fs::remove_file(&probe);
        }
        Ok(staging)
    }

    /// Writes one file of the new site (`rel` is `/`-separated), or reuses the published
    /// one when its bytes are unchanged.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let len = bytes.len() as u64;
        let hash = xxhash_rust::xxh3::xxh3_64(bytes);
        self.place(
            rel,
            (len, hash),
            |old| same_bytes(old, bytes),
            || Cow::Borrowed(bytes),
        )
    }

    /// [`put`](Self::put) for a large file made piece by piece: `make` hands its pieces
    /// to a sink. Over a published site it runs once to hash the file and, unless the
    /// published file has those bytes, once more to write it; with nothing published
    /// (a first build) it runs once, writing as it goes. The file is never held whole.
    /// Returns the file's length.
    pub fn put_streamed(&self, rel: &str, make: &MakePieces<'_>) -> Result<u64> {
        let rel_path = relative_path(rel)?;
        let known = self.published.then(|| hash_pieces(make, &mut |_| {}));
        // Without a manifest, comparing with the published file would need it whole.
        let reused = known.is_some_and(|k| self.reusable(rel, &rel_path, k, |_| false));
        let (len, hash) = match known {
            Some(k) if reused && self.links_work => k,
            _ => {
                let p = self.staging_path(rel, &rel_path)?;
                write_pieces(&p, make).map_err(|e| Error::io("write", &p, e))?
            }
        };
        self.note(rel, len, hash, reused);
        Ok(len)
    }

    /// Reuses the published `rel` when its bytes are those of `(len, hash)`, else writes
    /// `bytes()`; `same_bytes` compares with a published file the manifest does not know.
    /// A reused file is only noted here: [`finish`](Self::finish) links it, or, when the
    /// whole site turns out unchanged, leaves the published site as it is.
    fn place<'b>(
        &self,
        rel: &str,
        (len, hash): (u64, u64),
        same_bytes: impl FnOnce(&Path) -> bool,
        bytes: impl FnOnce() -> Cow<'b, [u8]>,
    ) -> Result<()> {
        let rel_path = relative_path(rel)?;
        let reused = self.reusable(rel, &rel_path, (len, hash), same_bytes);
        // Where links do not work, an unchanged file is written while its bytes are at
        // hand, as a changed one is.
        if !(reused && self.links_work) {
            let p = self.staging_path(rel, &rel_path)?;
            (self.write)(&p, &bytes()).map_err(|e| Error::io("write", &p, e))?;
        }
        self.note(rel, len, hash, reused);
        Ok(())
    }

    /// Whether the published `rel` has the bytes of `(len, hash)`.
    fn reusable(
        &self,
        rel: &str,
        rel_path: &Path,
        (len, hash): (u64, u64),
        same_bytes: impl FnOnce(&Path) -> bool,
    ) -> bool {
        let old = || self.target.join(rel_path);
        self.published
            && match (&self.reuse, &self.old) {
                (Reuse::Known(unchanged), _) => unchanged(rel),
                (Reuse::IfSame, Some(m)) => {
                    m.files.get(rel) == Some(&(len, hash)) && m.vouches_for(&old(), len)
                }
                (Reuse::IfSame, None) => same_bytes(&old()),
            }
    }

    /// Records a file of the new site for the manifest and [`finish`](Self::finish).
    fn note(&self, rel: &str, len: u64, hash: u64, reused: bool) {
        let mut new = self.new.lock().unwrap_or_else(|e| e.into_inner());
        new.push(Put {
            rel: rel.to_owned(),
            len,
            hash,
            reused,
        });
    }

    /// Where `rel` (`rel_path` as a path) goes in the staging tree, its folder made.
    fn staging_path(&self, rel: &str, rel_path: &Path) -> Result<PathBuf> {
        let p = self.staging.join(rel_path);
        if let (Some((rel_dir, _)), Some(dir)) = (rel.rsplit_once('/'), p.parent()) {
            self.make_dir(rel_dir, dir)?;
        }
        Ok(p)
    }

    /// Links a reused file of the published site into the staging tree, or copies it
    /// where this link fails though others work: its bytes are those the new site needs.
    fn link_reused(&self, rel: &str) -> Result<()> {
        let rel_path = relative_path(rel)?;
        let p = self.staging_path(rel, &rel_path)?;
        let old = self.target.join(&rel_path);
        if std::fs::hard_link(&old, &p).is_err() {
            std::fs::copy(&old, &p).map_err(|e| {
                Error::io("copy the unchanged file from the published site", &old, e)
            })?;
        }
        Ok(())
    }

    /// Whether the new site is exactly the published one: every file reused, none
    /// written, and the published folder holding nothing else (not even a folder).
    fn same_as_published(&self, files: &[Put]) -> bool {
        let Some(old) = &self.old else {
            return false;
        };
        if files.iter().any(|f| !f.reused) || files.len() != old.files.len() {
            return false;
        }
        let mut dirs: FxHashSet<&str> = FxHashSet::default();
        for f in files {
            let mut rel = f.rel.as_str();
            while let Some((dir, _)) = rel.rsplit_once('/') {
                if !dirs.insert(dir) {
                    break;
                }
                rel = dir;
            }
        }
        // The marker and the manifest besides the site's own files.
        count_entries(&self.target).is_ok_and(|(f, d)| f == files.len() + 2 && d == dirs.len())
    }

    /// Makes folder `dir` of the staging tree (`rel_dir` under the output) unless made.
    fn make_dir(&self, rel_dir: &str, dir: &Path) -> Result<()> {
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        if dirs.contains(rel_dir) {
            return Ok(());
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))?;
        dirs.insert(rel_dir.to_owned());
        Ok(())
    }

    /// Puts the new site in place of the old one, which is then deleted; when nothing
    /// changed, the published site is left as it is (no file is touched, so a sync tool
    /// or a file share sees no change) and the staging folder removed.
    pub fn finish(mut self) -> Result<()> {
        let files = std::mem::take(&mut *self.new.lock().unwrap_or_else(|e| e.into_inner()));
        if self.same_as_published(&files) {
            self.finished = true;
            let _ = remove_ours(&self.staging);
            return Ok(());
        }
        files
            .par_iter()
            .filter(|f| f.reused && self.links_work)
            .try_for_each(|f| self.link_reused(&f.rel))?;
        let manifest = self.staging.join(MANIFEST);
        (self.write)(&manifest, manifest_text(&files).as_bytes())
            .map_err(|e| Error::io("write", &manifest, e))?;
        let result = swap(&self.staging, &self.target, &self.trash);
        self.finished = result.is_ok();
        result
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: the next build removes what is left.
            let _ = remove_ours(&self.staging);
        }
    }
}

/// Starts publishing a new site into `out` file by file ([`Staging::put`]); a file whose
/// bytes equal those already published is hard-linked rather than written (see
/// [`publish`]).
pub fn stage(root: &Path, out: &Path) -> Result<Staging<'static>> {
    Staging::begin(root, out, Reuse::IfSame, &write_file)
}

fn with_suffix(name: &OsString, kind: &str, tag: &str) -> OsString {
    let mut s = name.clone();
    s.push(kind);
    s.push(tag);
    s
}

/// Whether the file at `path` holds exactly `bytes` (false when it cannot be read).
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// A `/`-separated output path as a relative `PathBuf`; anything that could escape the
/// output folder is refused.
fn relative_path(path: &str) -> Result<PathBuf> {
    let mut p = PathBuf::new();
    for seg in path.split('/') {
        let bad = seg.is_empty() || seg == "." || seg == ".." || seg.contains(['\\', ':', '\0']);
        if bad {
            return Err(Error::Usage(format!(
                "refusing to write an output file named `{path}`"
            )));
        }
        p.push(seg);
    }
    Ok(p)
}

fn swap(staging: &Path, target: &Path, trash: &Path) -> Result<()> {
    if std::fs::symlink_metadata(target).is_err() {
        return std::fs::rename(staging, target)
            .map_err(|e| Error::io("move the new site into place at", target, e));
    }
    // One step leaves no moment without a site at `target` for a kill to fall into.
    if exchange(staging, target).is_ok() {
        // `staging` now holds the old site; a failure only leaves it for the next build.
        let _ = remove_ours(staging);
        return Ok(());
    }
    std::fs::rename(target, trash)
        .map_err(|e| Error::io("move the old site aside from", target, e))?;
    if let Err(e) = std::fs::rename(staging, target) {
        // Put the earlier site back: a failed build must leave it as it was.
        let _ = std::fs::rename(trash, target);
        return Err(Error::io("move the new site into place at", target, e));
    }
    // A failure here only leaves a trash folder, which the next build removes.
    let _ = remove_ours(trash);
    Ok(())
}

/// Swaps the names of two folders atomically, where the system can.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    Ok(renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)?)
}

/// Swaps the names of two folders atomically, where the system can.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Deletes a folder errbook made, its marker last: a deletion cut short (a kill) leaves a
/// folder that still says it is ours, so the next build can finish the job.
fn remove_ours(dir: &Path) -> std::io::Result<()> {
    let entries: Vec<std::fs::DirEntry> =
        std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries
        .par_iter()
        .filter(|e| e.file_name() != MARKER)
        .try_for_each(remove_entry)?;
    std::fs::remove_dir_all(dir)
}

/// How many files and folders `dir` holds, at any depth, folders read across threads.
fn count_entries(dir: &Path) -> std::io::Result<(usize, usize)> {
    let entries: Vec<std::fs::DirEntry> =
        std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries
        .par_iter()
        .map(|e| match e.file_type()?.is_dir() {
            true => count_entries(&e.path()).map(|(f, d)| (f, d + 1)),
            false => Ok((1, 0)),
        })
        .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))
}

/// Removes a file, or a folder with all it holds, folders across threads (a site has
/// hundreds of thousands of files; one thread deleting them was most of a rebuild's
/// publishing).
fn remove_entry(entry: &std::fs::DirEntry) -> std::io::Result<()> {
    if !entry.file_type()?.is_dir() {
        return std::fs::remove_file(entry.path());
    }
    let dir = entry.path();
    let entries: Vec<std::fs::DirEntry> =
        std::fs::read_dir(&dir)?.collect::<std::io::Result<_>>()?;
    entries.par_iter().try_for_each(remove_entry)?;
    std::fs::remove_dir(&dir)
}

/// Removes staging and trash folders of earlier runs that were killed: those of processes
/// that no longer run, or, where that cannot be told, old ones. When the output itself is
/// missing because a run was killed between moving the old site aside and moving the
/// new one in, the old site is put back first.
fn clean_leftovers(parent: &Path, name: &OsString) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let target = parent.join(name);
    let name = name.to_string_lossy();
    let mut trash = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(rest) = file_name.strip_prefix(name.as_ref()) else {
            continue;
        };
        let (tag, is_trash) = match (rest.strip_prefix(STAGING), rest.strip_prefix(TRASH)) {
            (Some(tag), _) => (tag, false),
            (None, Some(tag)) => (tag, true),
            (None, None) => continue,
        };
        let Some(pid) = tag.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let dead = match process_alive(pid) {
            Some(alive) => !alive,
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > STALE_AFTER),
        };
        if !dead {
            continue;
        }
        let path = entry.path();
        // Only folders errbook made hold the marker. One without it is deleted only when
        // empty (a run killed before it wrote the marker): nothing of anyone's is lost.
        if !path.join(MARKER).is_file() {
            let _ = std::fs::remove_dir(&path);
        } else if is_trash {
            trash.push(path);
        } else {
            let _ = remove_ours(&path);
        }
    }
    if std::fs::symlink_metadata(&target).is_err() {
        if let Some(old) = trash.pop() {
            let _ = std::fs::rename(&old, &target);
        }
    }
    for path in trash {
        let _ = remove_ours(&path);
    }
}

/// Whether a process runs, where the platform lets us tell cheaply.
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if cfg!(target_os = "linux") && proc.join("self").exists() {
        return Some(proc.join(pid.to_string()).exists());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> Vec<OutputFile> {
        vec![
            OutputFile {
                path: "index.html".into(),
                bytes: text.as_bytes().to_vec(),
            },
            OutputFile {
                path: "ko-KR/가이드/a.html".into(),
                bytes: b"a".to_vec(),
            },
        ]
    }

    /// No staging or trash folder is left beside the output in `parent`.
    fn assert_no_leftovers(parent: &Path) {
        let names: Vec<String> = std::fs::read_dir(parent)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".errbook-")), "{names:?}");
    }

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("source")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("themes/x")).expect("mkdir");
        dir
    }

    #[test]
    fn publishes_replaces_and_drops_stale_files() {
        let dir = site();
        let out = dir.path().join("output");
        publish(dir.path(), &out, &files("one")).expect("first");
        std::fs::write(out.join("stale.html"), "old").expect("write");
        publish(dir.path(), &out, &files("two")).expect("second");
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).expect("read"),
            "two"
        );
        assert!(out.join(MARKER).is_file());
        assert!(out.join("ko-KR/가이드/a.html").is_file());
        assert!(
            !out.join("stale.html").exists(),
            "files no longer produced disappear"
        );
        assert_no_leftovers(dir.path());
    }

    #[test]
    fn unchanged_files_are_linked_not_rewritten() {
        let dir = site();
        let out = dir.path().join("output");
        publish(dir.path(), &out, &files("one")).expect("first");
        let before = std::fs::metadata(out.join("ko-KR/가이드/a.html")).expect("meta");
        let files = [
            ("index.html", b"two".as_slice()),
            ("ko-KR/가이드/a.html", b"a".as_slice()),
        ];
        publish_reusing(dir.path(), &out, &files, &|p| p != "index.html").expect("second");
        assert_eq!(std::fs::read(out.join("index.html")).expect("read"), b"two");
        let after = std::fs::metadata(out.join("ko-KR/가이드/a.html")).expect("meta");
        assert_eq!(
            std::fs::read(out.join("ko-KR/가이드/a.html")).expect("read"),
            b"a"
        );
        assert_eq!(
            before.modified().expect("mtime"),
            after.modified().expect("mtime"),
            "the unchanged file was not written again"
        );
    }

    /// A full build compares: identical files keep their inode and time, changed ones
    /// are new.
    #[cfg(unix)]
    #[test]
    fn a_rebuild_links_identical_files() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = site();
        let out = dir.path().join("output");
        publish(dir.path(), &out, &files("one")).expect("first");
        let meta = |rel: &str| std::fs::metadata(out.join(rel)).expect("meta");
        let (a, index) = (meta("ko-KR/가이드/a.html"), meta("index.html"));
        publish(dir.path(), &out, &files("two")).expect("second");
        assert_eq!(
            meta("ko-KR/가이드/a.html").ino(),
            a.ino(),
            "same bytes: linked"
        );
        assert_ne!(
            meta("index.html").ino(),
            index.ino(),
            "new bytes: a new file"
        );
        assert_eq!(std::fs::read(out.join("index.html")).expect("read"), b"two");
        assert_eq!(
            meta("ko-KR/가이드/a.html").nlink(),
            1,
            "the old site is gone"
        );
    }

    /// Nothing changed: the published folder is the same folder, not a new one swapped
    /// in, its manifest is not rewritten and no staging folder is left.
    #[cfg(unix)]
    #[test]
    fn a_rebuild_that_changes_nothing_leaves_the_output_as_it_was() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = site();
        let out = dir.path().join("output");
        publish(dir.path(), &out, &files("one")).expect("first");
        let meta = |p: &Path| std::fs::metadata(p).expect("meta");
        let (folder, manifest) = (meta(&out), meta(&out.join(MANIFEST)));
        publish(dir.path(), &out, &files("one")).expect("second");
        assert_eq!(meta(&out).ino(), folder.ino(), "the same folder");
        assert_eq!(
            meta(&out.join(MANIFEST)).modified().expect("mtime"),
            manifest.modified().expect("mtime")
        );
        let all = [
            ("index.html", b"one".as_slice()),
            ("ko-KR/가이드/a.html", b"a"),
        ];
        publish_reusing(dir.path(), &out, &all, &|_| true).expect("third");
        assert_eq!(meta(&out).ino(), folder.ino(), "the same folder");
        assert_no_leftovers(dir.path());
    }

    /// A site whose pages are all unchanged is still published anew when the output
    /// holds more than it: a file or folder added by hand, or a page no longer made.
    #[test]
    fn an_unchanged_site_still_drops_what_it_no_longer_holds() {
        let dir = site();
        let out = dir.path().join("output");
        publish(dir.path(), &out, &files("one")).expect("first");
        std::fs::create_dir(out.join("empty")).expect("mkdir");
        publish(dir.path(), &out, &files("one")).expect("second");
        assert!(!out.join("empty").exists());
        std::fs::write(out.join("ko-KR/extra.html"), "x").expect("write");
        publish(dir.path(), &out, &files("one")).expect("third");
        assert!(!out.join("ko-KR/extra.html").exists());
        publish(dir.path(), &out, &files("one")[..1]).expect("fourth");
        assert!(!out.join("ko-KR/가이드/a.html").exists());
        assert_eq!(std::fs::read(out.join("index.html")).expect("read"), b"one");
        let manifest = std::fs::read_to_string(out.join(MANIFEST)).expect("manifest");
        assert_eq!(manifest.lines().count(), 2, "{manifest}");
    }

    /// A file made piece by piece is published like one put whole: the same manifest
    /// line, linked when unchanged, written when its pieces change.
    #[cfg(unix)]
    #[test]
    fn a_streamed_file_is_hashed_linked_and_written_like_a_whole_one() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = site();
        let out = dir.path().join("output");
        let pieces = |parts: &'static [&'static str]| {
            move |sink: &mut dyn FnMut(&[u8])| parts.iter().for_each(|p| sink(p.as_bytes()))
        };
        let publish_streamed = |parts: &'static [&'static str]| {
            let staging = stage(dir.path(), &out).expect("stage");
            let len = staging
                .put_streamed("ko-KR/errors.json", &pieces(parts))
                .expect("put");
            staging.put("index.html", b"x").expect("put");
            staging.finish().expect("finish");
            len
        };
        assert_eq!(publish_streamed(&["{\"a\":", "1}", "\n"]), 8);
        let whole = dir.path().join("whole");
        publish(
            dir.path(),
            &whole,
            &[
                OutputFile {
                    path: "ko-KR/errors.json".into(),
                    bytes: b"{\"a\":1}\n".to_vec(),
                },
                OutputFile {
                    path: "index.html".into(),
                    bytes: b"x".to_vec(),
                },
            ],
        )
        .expect("whole");
        let manifest = |o: &Path| std::fs::read_to_string(o.join(MANIFEST)).expect("manifest");
        assert_eq!(manifest(&out), manifest(&whole));

        let ino = |o: &Path| {
            std::fs::metadata(o.join("ko-KR/errors.json"))
                .expect("meta")
                .ino()
        };
        let first = ino(&out);
        publish_streamed(&["{\"a\"", ":1}\n"]);
        assert_eq!(ino(&out), first, "same bytes in other pieces: linked");
        publish_streamed(&["{\"a\":2}\n"]);
        assert_ne!(ino(&out), first, "new bytes: written");
        assert_eq!(
            std::fs::read(out.join("ko-KR/errors.json")).expect("read"),
            b"{\"a\":2}\n"
        );
    }

    /// A first build makes a streamed file (errors.json) in one pass, written as it is
    /// made; over a published site a first pass hashes it and a second writes it only
    /// when its bytes changed.
    #[test]
    fn a_streamed_file_is_made_once_unless_a_published_site_may_hold_it() {
        let dir = site();
        let out = dir.path().join("output");
        let passes = std::cell::Cell::new(0);
        let publish_streamed = |text: &'static str| {
            passes.set(0);
            let staging = stage(dir.path(), &out).expect("stage");
            let make = |sink: &mut dyn FnMut(&[u8])| {
                passes.set(passes.get() + 1);
                text.as_bytes().chunks(2).for_each(&mut *sink);
            };
            let len = staging
                .put_streamed("ko-KR/errors.json", &make)
                .expect("put");
            assert_eq!(len, text.len() as u64);
            staging.finish().expect("finish");
            let written = std::fs::read_to_string(out.join("ko-KR/errors.json")).expect("read");
            assert_eq!(written, text);
            passes.get()
        };
        assert_eq!(
            publish_streamed("{\"a\":1}"),
            1,
            "first build: written as made"
        );
        assert_eq!(publish_streamed("{\"a\":1}"), 1, "unchanged: only hashed");
        assert_eq!(
            publish_streamed("{\"a\":22}"),
            2,
            "changed: hashed, then written"
        );
        assert_no_leftovers(dir.path());
    }

    /// A streamed file that cannot be written (a full disk: `/dev/full`) is an error,
    /// however far its pieces got.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_streamed_write_on_a_full_disk_fails() {
        let big = vec![b'x'; 300_000];
        let make = |sink: &mut dyn FnMut(&[u8])| {
            sink(b"{");
            sink(&big);
            sink(b"}");
        };
        let err = write_pieces(Path::new("/dev/full"), &make).expect_err("ENOSPC");
        assert_eq!(err.raw_os_error(), Some(28), "{err}");
        let small = |sink: &mut dyn FnMut(&[u8])| sink(b"{}");
        let err = write_pieces(Path::new("/dev/full"), &small).expect_err("on flush");
        assert_eq!(err.raw_os_error(), Some(28), "{err}");
    }

    /// The manifest lets a rebuild skip reading published files, but never vouches for
    /// one changed after it was written.
    #[test]
    fn a_file_changed_by_hand_is_written_again() {
        let dir = site();
        let out = dir.path().join("output");
        publish(dir.path(), &out, &files("one")).expect("first");
        let page = out.join("ko-KR/가이드/a.html");
        // Same length, other bytes, a later time: only the time gives it away.
        std::fs::write(&page, "b").expect("edit");
        let later = std::time::SystemTime::now() + Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&page)
            .and_then(|f| f.set_modified(later))
            .expect("touch");
        publish(dir.path(), &out, &files("one")).expect("second");
        assert_eq!(std::fs::read(&page).expect("read"), b"a");
    }

    #[test]
    fn the_manifest_lists_each_file_and_a_damaged_one_is_not_trusted() {
        let dir = site();
        let out = dir.path().join("output");
        publish(dir.path(), &out, &files("one")).expect("first");
        let text = std::fs::read_to_string(out.join(MANIFEST)).expect("manifest");
        let listed: Vec<&str> = text
            .lines()
            .skip(1)
            .filter_map(|l| l.splitn(3, ' ').nth(2))
            .collect();
        assert_eq!(listed, ["index.html", "ko-KR/가이드/a.html"], "{text}");
        std::fs::write(out.join(MANIFEST), "errbook-manifest 1\nnot a line").expect("damage");
        publish(dir.path(), &out, &files("two")).expect("second");
        assert_eq!(std::fs::read(out.join("index.html")).expect("read"), b"two");
        assert_eq!(
            std::fs::read(out.join("ko-KR/가이드/a.html")).expect("read"),
            b"a"
        );
        let again = std::fs::read_to_string(out.join(MANIFEST)).expect("manifest");
        assert!(again.lines().count() == 3, "rewritten whole: {again}");
    }

    #[test]
    fn refusals() {
        let dir = site();
        let root = dir.path();
        std::fs::create_dir_all(root.join("mine")).expect("mkdir");
        std::fs::write(root.join("mine/notes.txt"), "keep").expect("write");
        std::fs::write(root.join("file"), "x").expect("write");
        let cases: &[(PathBuf, &str)] = &[
            (root.to_path_buf(), "site root itself"),
            (root.join("."), "site root itself"),
            (root.join("output/.."), "site root itself"),
            (
                root.parent().expect("parent").to_path_buf(),
                "contains the site root",
            ),
            (root.join("source"), "inside `source/`"),
            (root.join("source/out"), "inside `source/`"),
            (root.join("themes"), "inside `themes/`"),
            (root.join("mine"), "no `.errbook-output`"),
            (root.join("file"), "not a folder"),
        ];
        for (out, why) in cases {
            let err = publish(root, out, &files("x")).expect_err(why);
            assert!(err.to_string().contains(why), "{}: {err}", out.display());
        }
        assert_eq!(
            std::fs::read_to_string(root.join("mine/notes.txt")).expect("kept"),
            "keep"
        );
        // Empty folders and folders errbook made are fine.
        std::fs::create_dir_all(root.join("empty")).expect("mkdir");
        publish(root, &root.join("empty"), &files("x")).expect("empty folder");
        publish(root, &root.join("empty"), &files("y")).expect("marked folder");
    }

    #[test]
    fn leftovers_of_dead_builds_are_removed() {
        let dir = site();
        let out = dir.path().join("output");
        // A pid that cannot be running (above Linux's pid_max).
        let dead = dir.path().join("output.errbook-staging-4194999-0");
        std::fs::create_dir_all(&dead).expect("mkdir");
        std::fs::write(dead.join(MARKER), "").expect("marker");
        let foreign = dir.path().join("output.errbook-trash-4194999-1");
        std::fs::create_dir_all(&foreign).expect("mkdir");
        std::fs::write(foreign.join("notes.txt"), "keep").expect("write");
        // Killed after creating its staging folder, before writing the marker.
        let empty = dir.path().join("output.errbook-staging-4194999-2");
        std::fs::create_dir_all(&empty).expect("mkdir");
        // Killed while deleting the old site: the marker is deleted last, so it is there.
        let half_deleted = dir.path().join("output.errbook-trash-4194999-3");
        std::fs::create_dir_all(half_deleted.join("en-US")).expect("mkdir");
        std::fs::write(half_deleted.join(MARKER), "").expect("marker");
        publish(dir.path(), &out, &files("x")).expect("publish");
        if process_alive(1).is_some() {
            assert!(!dead.exists(), "leftover removed");
            assert!(!empty.exists(), "empty leftover removed");
            assert!(!half_deleted.exists(), "half-deleted leftover removed");
        }
        assert!(
            foreign.join("notes.txt").exists(),
            "folders without the marker are not ours to delete"
        );
    }

    #[test]
    fn a_kill_between_the_two_renames_loses_no_site() {
        if process_alive(1).is_none() {
            return; // Leftovers are only judged dead by age here.
        }
        let dir = site();
        let out = dir.path().join("output");
        publish(dir.path(), &out, &files("old")).expect("first");
        // What the two-rename swap leaves when killed in between: the old site aside, the
        // new one complete in staging, no `output`.
        let trash = dir.path().join("output.errbook-trash-4194999-0");
        std::fs::rename(&out, &trash).expect("move aside");
        let staging = dir.path().join("output.errbook-staging-4194999-0");
        std::fs::create_dir_all(&staging).expect("mkdir");
        std::fs::write(staging.join(MARKER), MARKER_TEXT).expect("marker");
        clean_leftovers(dir.path(), &OsString::from("output"));
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).expect("old site back"),
            "old"
        );
        assert!(!trash.exists() && !staging.exists());
    }

    #[test]
    fn output_paths_cannot_escape() {
        for bad in ["../x", "a//b", "/abs", "a\\b", "c:x", "."] {
            assert!(relative_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            relative_path("a/b.html").expect("ok"),
            Path::new("a").join("b.html")
        );
    }
}
