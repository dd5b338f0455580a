//! Bad input never panics, never hangs: every case ends with exit 0 (maybe with a
//! warning) or exit 1 with a diagnostic naming the file and line. Small cases are
//! fixtures in `tests/fixtures/bad/`; large or platform-dependent ones are generated here.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `errbook build` (the whole pipeline, minifying as by default) with a time limit.
fn build(root: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_errbook"))
        .arg("--root")
        .arg(root)
        .arg("build")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start errbook");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("errbook hung on {}", root.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Expect {
    exit: i32,
    /// A diagnostic that must be reported: (name, file under the root, line).
    diag: Option<(&'static str, &'static str, usize)>,
}

fn ok() -> Expect {
    Expect {
        exit: 0,
        diag: None,
    }
}
fn warns(name: &'static str, file: &'static str, line: usize) -> Expect {
    Expect {
        exit: 0,
        diag: Some((name, file, line)),
    }
}
fn fails(name: &'static str, file: &'static str, line: usize) -> Expect {
    Expect {
        exit: 1,
        diag: Some((name, file, line)),
    }
}

fn assert_outcome(case: &str, root: &Path, want: Expect) -> Output {
    let out = build(root);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{case}: panicked\n{err}");
    assert!(!err.contains("panicked"), "{case}: panicked\n{err}");
    assert_eq!(
        out.status.code(),
        Some(want.exit),
        "{case}: exit code\n{err}"
    );
    if let Some((name, file, line)) = want.diag {
        let at = format!("{file}:{line}:");
        assert!(
            err.lines().any(|l| l.contains(&format!("[{name}]")))
                && (err.contains(&format!("─ {at}")) || err.contains(&at)),
            "{case}: expected {name} at {at}\n{err}"
        );
    }
    out
}

/// A temp site with a copy of `tests/fixtures/bad/<case>`.
fn fixture_site(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixture("bad").join(case), dir.path());
    dir
}

/// A temp site with the given files (paths under `source/`).
fn site(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("source");
    std::fs::create_dir_all(source.join("en-US")).expect("mkdir");
    std::fs::write(
        source.join("site.yaml"),
        "title: Bad input\ndefault_locale: en-US\n",
    )
    .expect("write");
    for (path, bytes) in files {
        let p = source.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    }
    dir
}

fn errors_json(root: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(root.join("output/en-US/errors.json")).expect("errors.json");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn fixtures_with_their_expected_outcomes() {
    let cases: Vec<(&str, Expect)> = vec![
        (
            "invalid-utf8",
            fails("source-encoding", "source/en-US/g.md", 3),
        ),
        ("bom", ok()),
        ("crlf", ok()),
        ("mixed-eol", ok()),
        ("empty", fails("source-empty", "source/en-US/g.md", 1)),
        (
            "unterminated",
            fails("front-matter-unterminated", "source/en-US/g.md", 1),
        ),
        (
            "alias-bomb",
            fails("front-matter-syntax", "source/en-US/g.md", 2),
        ),
        (
            "yaml-tabs",
            fails("front-matter-syntax", "source/en-US/g.md", 3),
        ),
        ("nul", warns("source-nul-byte", "source/en-US/g.md", 3)),
        ("names", ok()),
    ];
    for (case, want) in cases {
        let dir = fixture_site(case);
        assert_outcome(case, dir.path(), want);
    }
}

#[test]
fn line_endings_and_bom_keep_lines_right() {
    for case in ["crlf", "mixed-eol"] {
        let dir = fixture_site(case);
        assert_outcome(case, dir.path(), ok());
        let json = errors_json(dir.path());
        let lines: Vec<u64> = json["locales"][0]["guides"][0]["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["line"].as_u64())
            .collect();
        assert_eq!(lines, [10, 11], "{case}");
    }
    let dir = fixture_site("bom");
    assert_outcome("bom", dir.path(), ok());
    assert_eq!(
        errors_json(dir.path())["locales"][0]["guides"][0]["title"],
        "With BOM"
    );
}

#[test]
fn file_names_with_spaces_and_hangul() {
    let dir = fixture_site("names");
    assert_outcome("names", dir.path(), ok());
    let out = dir.path().join("output/en-US");
    assert!(out.join("with-spaces/index.html").is_file());
    assert!(out.join("한글-가이드/index.html").is_file());
}

#[test]
fn huge_and_deep_inputs() {
    let mut wide = String::from("# Wide\n\n## S\n\n|");
    wide.push_str(
        &["Error message"]
            .iter()
            .chain(["Resolution"; 499].iter())
            .copied()
            .collect::<Vec<_>>()
            .join("|"),
    );
    wide.push_str("|\n|");
    wide.push_str(&vec!["---"; 500].join("|"));
    wide.push_str("|\n|");
    wide.push_str(&vec!["ID: 1234 x"; 500].join("|"));
    wide.push_str("|\n");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "long-line",
            format!("# Long\n\n{}\n", "word ".repeat(1_000_000)).into_bytes(),
        ),
        (
            "deep-lists",
            format!("# Deep\n\n{}x\n", "- ".repeat(10_000)).into_bytes(),
        ),
        (
            "deep-quotes",
            format!("# Deep\n\n{} x\n", ">".repeat(10_000)).into_bytes(),
        ),
        ("wide-table", wide.into_bytes()),
        (
            "big-cell",
            format!(
                "# Big\n\n## S\n\n| Error message | Resolution |\n|---|---|\n| {} | fix |\n",
                "<ol><li>x ".repeat(100_000)
            )
            .into_bytes(),
        ),
        (
            "html-bomb",
            format!("# T\n\n{}\n", "<div>".repeat(100_000)).into_bytes(),
        ),
    ];
    for (case, bytes) in cases {
        let dir = site(&[("en-US/g.md", bytes)]);
        let out = build(dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{case}: {:?}\n{err}",
            out.status
        );
        assert!(!err.contains("panicked"), "{case}\n{err}");
    }
}

#[test]
fn names_that_collide_on_windows_and_macos() {
    // Case only.
    let dir = site(&[
        ("en-US/Guide.md", b"# A\n".to_vec()),
        ("en-US/guide.md", b"# B\n".to_vec()),
    ]);
    assert_outcome(
        "case",
        dir.path(),
        fails("source-duplicate-slug", "source/en-US/guide.md", 1),
    );
    // NFC and NFD spellings of the same Hangul name.
    let nfc = "가이드.md";
    let nfd: String = {
        use unicode_normalization::UnicodeNormalization;
        nfc.nfd().collect()
    };
    assert_ne!(nfc, nfd);
    let dir = site(&[
        (&format!("en-US/{nfc}"), b"# A\n".to_vec()),
        (&format!("en-US/{nfd}"), b"# B\n".to_vec()),
    ]);
    let out = build(dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("[source-duplicate-slug]"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed() {
    let dir = site(&[("en-US/g.md", b"# G\n".to_vec())]);
    let src = dir.path().join("source/en-US");
    // A loop, and a link leaving the root.
    std::os::unix::fs::symlink(&src, src.join("loop")).expect("symlink");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("secret.md"),
        "# Secret outside the site\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(outside.path().join("secret.md"), src.join("secret.md"))
        .expect("symlink");
    assert_outcome(
        "symlinks",
        dir.path(),
        warns("source-symlink", "source/en-US/secret.md", 1),
    );
    assert!(
        !dir.path().join("output/en-US/secret").exists(),
        "the link was followed"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = site(&[
        ("en-US/g.md", b"# G\n".to_vec()),
        ("en-US/locked.md", b"# L\n".to_vec()),
    ]);
    let locked = dir.path().join("source/en-US/locked.md");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&locked).is_ok() {
        eprintln!("skipped: running as root, a mode-000 file is still readable");
        return;
    }
    assert_outcome(
        "unreadable",
        dir.path(),
        fails("source-read", "source/en-US/locked.md", 1),
    );
}

#[test]
fn file_deleted_while_the_build_runs() {
    let files: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| {
            let body = format!(
                "# Guide {i}\n\n## S\n\n| Operation | Error message | Resolution |\n|---|---|---|\n{}",
                "| Backup | Failed | Retry |\n".repeat(30)
            );
            (format!("en-US/g{i:03}.md"), body.into_bytes())
        })
        .collect();
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    let dir = site(&refs);
    let root = dir.path().to_path_buf();
    let child = Command::new(env!("CARGO_BIN_EXE_errbook"))
        .arg("--root")
        .arg(&root)
        .args(["-q", "build"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    std::thread::sleep(Duration::from_millis(30));
    for i in (0..300).step_by(7) {
        let _ = std::fs::remove_file(root.join(format!("source/en-US/g{i:03}.md")));
    }
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}\n{err}",
        out.status
    );
    assert!(!err.contains("panicked"), "{err}");
    if out.status.code() == Some(1) {
        assert!(err.contains("[source-read]"), "{err}");
    }
}
