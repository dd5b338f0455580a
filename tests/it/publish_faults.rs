//! A rebuild killed with SIGKILL at random moments (issue 10) leaves exactly the old site
//! or exactly the new one, and the next build leaves no staging or trash folder. (A full
//! disk: `full_disk.rs`.) Alone in its test binary, so no other test slows the builds
//! whose duration it measures.
#![cfg(unix)]

use crate::common;
use crate::corpus;

use std::collections::BTreeMap;
use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{build_ok, leftovers, read_tree};

/// Guides per locale of the killed site. The issue asks for 200, which `.ci/run` sets
/// (`ERRBOOK_FAULT_GUIDES=200`: about 20 s per debug build); a plain debug `cargo test`
/// uses fewer so that local runs stay quick (the publishing code is the same, only there
/// is less to write).
fn guides_per_locale() -> usize {
    std::env::var("ERRBOOK_FAULT_GUIDES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 12 } else { 200 })
}

const TRIALS: usize = 20;

/// One hash of every file under `dir`: relative paths and contents, in path order.
fn tree_hash(dir: &Path) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    for (path, bytes) in read_tree(dir) {
        path.hash(&mut h);
        bytes.hash(&mut h);
    }
    h.finish()
}

/// The two versions of the sources the trials switch between: B adds a section to the
/// first guide (a new error page), removes the last guide (pages disappear) and adds a
/// paragraph to a guide in the middle (a page changes), in every locale.
struct Versions {
    /// Path → contents in A and in B (`None`: the file does not exist in that version).
    files: BTreeMap<PathBuf, (Option<String>, Option<String>)>,
}

impl Versions {
    fn new(root: &Path, guides: usize) -> Versions {
        let mut files = BTreeMap::new();
        for tag in ["ko-KR", "en-US"] {
            let dir = root.join("source").join(tag);
            let first = dir.join("guide-00000.md");
            let a = std::fs::read_to_string(&first).expect("read the first guide");
            let b = format!(
                "{a}\n## Killed publish\n\n| Operation | Error message | Resolution |\n\
                 | --- | --- | --- |\n| Publish | The site was half written (ID: 990001) | Build again. |\n"
            );
            files.insert(first, (Some(a), Some(b)));
            let last = dir.join(format!("guide-{:05}.md", guides - 1));
            let a = std::fs::read_to_string(&last).expect("read the last guide");
            files.insert(last, (Some(a), None));
            let mid = dir.join(format!("guide-{:05}.md", guides / 2));
            let a = std::fs::read_to_string(&mid).expect("read a middle guide");
            let b = format!("{a}\nThis guide changed between the two builds.\n");
            files.insert(mid, (Some(a), Some(b)));
        }
        Versions { files }
    }

    fn switch_to(&self, b: bool) {
        for (path, (va, vb)) in &self.files {
            match if b { vb } else { va } {
                Some(text) => std::fs::write(path, text).expect("write a guide"),
                None => match std::fs::remove_file(path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        panic!("remove {}: {e}", path.display())
                    }
                    _ => {}
                },
            }
        }
    }
}

/// A small deterministic generator for the kill delays; the seed is printed so that a
/// failing run can be repeated (`ERRBOOK_FAULT_SEED`).
fn seed() -> u64 {
    std::env::var("ERRBOOK_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

#[test]
fn a_rebuild_killed_at_any_moment_leaves_the_old_or_the_new_site() {
    let started = Instant::now();
    let guides = guides_per_locale();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    corpus::write_site(root, guides, &["ko-KR".into(), "en-US".into()], 7)
        .expect("generate the site");
    let versions = Versions::new(root, guides);
    let output = root.join("output");

    build_ok(root);
    let hash_a = tree_hash(&output);
    versions.switch_to(true);
    let duration = build_ok(root);
    let hash_b = tree_hash(&output);
    assert_ne!(hash_a, hash_b, "the two versions must give different sites");
    let files = read_tree(&output).len();

    let seed = seed();
    let mut rng = corpus::Rng(seed);
    let (mut unchanged, mut replaced, mut mid_publish) = (0, 0, 0);
    // Which version the output holds, and which the sources are at.
    let mut on_b = true;
    let mut sources_b = true;
    for trial in 0..TRIALS {
        // Rebuild towards the other version, so each trial has an old and a new site.
        sources_b = !on_b;
        versions.switch_to(sources_b);
        let (old, new) = if on_b {
            (hash_b, hash_a)
        } else {
            (hash_a, hash_b)
        };
        // Anywhere from before loading to just after the build would have ended.
        let span = duration.as_micros() as u64 * 11 / 10;
        let delay = Duration::from_micros(rng.next() % span.max(1));
        let before = leftovers(root);
        let mut child = Command::new(env!("CARGO_BIN_EXE_errbook"))
            .arg("--root")
            .arg(root)
            .args(["-q", "build"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start errbook");
        std::thread::sleep(delay);
        // SIGKILL on Unix: no handler runs, nothing is cleaned up.
        let _ = child.kill();
        child.wait().expect("reap errbook");
        assert!(
            output.is_dir(),
            "trial {trial} (seed {seed}): no output folder after a kill at {delay:?}"
        );
        // A new staging or trash folder left behind: the kill fell while publishing.
        if leftovers(root).iter().any(|l| !before.contains(l)) {
            mid_publish += 1;
        }
        let now = tree_hash(&output);
        if now == old {
            unchanged += 1;
        } else if now == new {
            replaced += 1;
            on_b = !on_b;
        } else {
            panic!(
                "trial {trial} (seed {seed}): after a kill at {delay:?} the output is neither \
                 the old site nor the new one"
            );
        }
    }
    // One good build publishes the sources and removes whatever the killed builds left
    // beside the output.
    build_ok(root);
    let expected = if sources_b { hash_b } else { hash_a };
    assert_eq!(
        tree_hash(&output),
        expected,
        "the last build publishes the sources"
    );
    assert_eq!(
        leftovers(root),
        Vec::<String>::new(),
        "leftovers after a good build"
    );
    eprintln!(
        "{TRIALS} kills (seed {seed}) of a {guides}-guide-per-locale build ({files} files, \
         {:.1} s): {unchanged} left the old site, {replaced} the new one, {mid_publish} fell \
         while publishing; {:.1} s in all",
        duration.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
