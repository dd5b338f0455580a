//! A full disk while publishing (issue 10): the build fails cleanly, exit code 2 and a
//! message naming the file, with the old site byte for byte intact and no staging folder
//! left. On a small tmpfs where the test may mount one (root); the same failure injected
//! through the output layer always.
#![cfg(unix)]

use crate::common;
use crate::corpus;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{build_ok, errbook, leftovers, read_tree, stderr};

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` where mounting is not possible (not root, no `mount`, a container that
    /// forbids it).
    fn mount(at: &Path, bytes: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).expect("mkdir mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={}k", bytes.div_ceil(1024)))
            .arg("tmpfs")
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Bytes a tree takes on tmpfs: each file whole pages.
fn pages(dir: &Path) -> u64 {
    read_tree(dir)
        .values()
        .map(|b| (b.len() as u64).div_ceil(4096).max(1) * 4096)
        .sum()
}

#[test]
fn a_full_disk_fails_the_build_and_keeps_the_old_site() {
    // The old site: the default one. The new one: a generated site several times larger.
    let small = common::default_site();
    let big = tempfile::tempdir().expect("tempdir");
    corpus::write_site(big.path(), 6, &["ko-KR".into(), "en-US".into()], 3)
        .expect("generate the site");
    // Sizes measured off the small disk, to size the small one.
    build_ok(small.path());
    build_ok(big.path());
    let (old_size, new_size) = (
        pages(&small.path().join("output")),
        pages(&big.path().join("output")),
    );
    assert!(new_size > 2 * old_size, "{new_size} vs {old_size}");

    let mnt = tempfile::tempdir().expect("tempdir");
    let Some(disk) = Tmpfs::mount(&mnt.path().join("disk"), old_size + new_size / 2) else {
        eprintln!(
            "skipped: cannot mount a tmpfs here (needs root); \
             write_errors_fail_the_publish_and_keep_the_old_site covers the same path"
        );
        return;
    };
    let out = disk.0.join("output");
    let out_arg = out.to_str().expect("UTF-8 temp path");
    let first = errbook(small.path(), &["-q", "build", "--out", out_arg]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = read_tree(&out);

    let failed = errbook(big.path(), &["-q", "build", "--out", out_arg]);
    let msg = stderr(&failed);
    assert_eq!(
        failed.status.code(),
        Some(2),
        "an I/O failure exits 2: {msg}"
    );
    assert!(msg.contains("No space left"), "{msg}");
    assert!(
        msg.contains(&format!("{out_arg}.errbook-staging-")),
        "the message names the file: {msg}"
    );
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(read_tree(&out) == before, "the old site changed");
    assert_eq!(leftovers(&disk.0), Vec::<String>::new());
}

#[test]
fn write_errors_fail_the_publish_and_keep_the_old_site() {
    // The same failure injected through the output layer: works without root.
    let site = common::default_site();
    let root = site.path();
    build_ok(root);
    let out = root.join("output");
    let before = read_tree(&out);

    std::fs::write(
        root.join("source/en-US/extra.md"),
        "---\ntitle: Extra\n---\n# Extra\n\nA new guide.\n",
    )
    .expect("write a guide");
    let loaded = errbook::source::load_site(root).expect("load");
    let theme = errbook::theme::Theme::load(root, &loaded.site.config.theme).expect("theme");
    let (files, _) = errbook::render::render_site(
        &loaded.site,
        &theme,
        errbook::render::RenderOptions { minify: true },
    )
    .expect("render");
    // Files whose bytes are already published are linked, not written: only the changed
    // ones (the new guide's pages, the home page, the index…) reach `write`. The disk
    // fills up after the first of them.
    let written = std::sync::atomic::AtomicUsize::new(0);
    let full_disk = |path: &Path, bytes: &[u8]| {
        if written.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 1 {
            // ENOSPC, as the kernel reports a full disk.
            return Err(std::io::Error::from_raw_os_error(28));
        }
        std::fs::write(path, bytes)
    };
    let err = errbook::output::publish_with(root, &out, &files, &full_disk)
        .expect_err("the publish fails");
    let msg = err.to_string();
    assert!(
        written.into_inner() >= 2,
        "a write failed after one succeeded"
    );
    assert!(matches!(err, errbook::Error::Io { .. }), "{msg}");
    assert!(msg.contains("No space left"), "{msg}");
    assert!(
        msg.contains("output.errbook-staging-"),
        "names the file: {msg}"
    );
    assert!(read_tree(&out) == before, "the old site changed");
    assert_eq!(leftovers(root), Vec::<String>::new());
}
