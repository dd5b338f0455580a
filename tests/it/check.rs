//! `errbook check`: one fixture per diagnostic (name, severity, line, column), a
//! snapshot of the human report, the JSON report read back, and the real binary on
//! the default site.

use std::path::{Path, PathBuf};

use errbook::check::report::JsonFinding;
use errbook::check::{self, CheckArgs, Deny, Format, Reporting};
use errbook::diag::Severity;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name)
}

fn args(format: Format) -> CheckArgs {
    CheckArgs {
        format,
        deny: Vec::new(),
        external: false,
        jobs: 8,
        per_host: 2,
        timeout: 15,
        no_cache: true,
    }
}

const ALL: Reporting = Reporting {
    color: false,
    progress: false,
    min_severity: Severity::Note,
};

fn run(name: &str, a: &CheckArgs) -> check::CheckRun {
    check::run(&fixture(name), &[], a, &ALL).expect("check runs")
}

#[test]
fn a_fixture_per_diagnostic() {
    use Severity::{Error, Note, Warning};
    // (fixture = diagnostic name, severity, file under source/, line, column)
    let cases: &[(&str, Severity, &str, usize, usize)] = &[
        ("config-unknown-key", Error, "site.yaml", 3, 1),
        ("config-syntax", Error, "site.yaml", 4, 1),
        ("source-empty", Error, "en-US/g.md", 1, 1),
        ("source-encoding", Error, "en-US/g.md", 4, 6),
        ("source-duplicate-slug", Error, "en-US/g.md", 1, 1),
        ("source-nul-byte", Warning, "en-US/g.md", 6, 4),
        ("source-symlink", Warning, "en-US/outside.md", 1, 1),
        ("front-matter-date", Warning, "en-US/g.md", 3, 10),
        ("front-matter-locale", Warning, "en-US/g.md", 3, 1),
        ("front-matter-syntax", Error, "en-US/g.md", 4, 1),
        ("front-matter-unterminated", Error, "en-US/g.md", 1, 1),
        ("front-matter-missing-title", Error, "en-US/g.md", 1, 1),
        ("link-broken-anchor", Error, "en-US/g.md", 9, 29),
        ("link-outside-site", Warning, "en-US/g.md", 7, 13),
        ("link-other-locale", Warning, "en-US/g.md", 7, 6),
        ("link-missing-asset", Error, "en-US/g.md", 7, 1),
        ("link-malformed-url", Error, "en-US/g.md", 7, 7),
        ("link-javascript", Error, "en-US/g.md", 7, 8),
        ("table-column-count", Error, "en-US/g.md", 11, 1),
        ("table-unclosed-html", Warning, "en-US/g.md", 11, 50),
        ("table-stray-html", Warning, "en-US/g.md", 11, 26),
        ("table-unknown-header", Warning, "en-US/g.md", 9, 31),
        ("table-unrecognized", Note, "en-US/g.md", 9, 1),
        ("table-missing-resolution", Warning, "en-US/g.md", 11, 1),
        ("table-trailing-pipe", Note, "en-US/g.md", 11, 24),
        ("model-duplicate-anchor", Error, "en-US/g.md", 11, 4),
        ("model-duplicate-id", Warning, "en-US/g.md", 12, 1),
        ("model-duplicate-code", Warning, "en-US/g.md", 12, 1),
        ("l10n-missing-guide", Warning, "en-US/other.md", 1, 1),
        ("l10n-extra-guide", Warning, "ko-KR/g-old.md", 1, 1),
        ("l10n-missing-entry", Warning, "ko-KR/g.md", 7, 1),
        ("l10n-extra-entry", Warning, "ko-KR/g.md", 13, 1),
        ("l10n-anchor-mismatch", Warning, "ko-KR/g.md", 14, 1),
        ("l10n-stale", Warning, "ko-KR/g.md", 3, 1),
        ("link-xref", Warning, "en-US/g.md", 7, 5),
        ("include-missing", Error, "en-US/g.md", 7, 11),
        ("include-outside-root", Error, "en-US/g.md", 7, 11),
        ("include-cycle", Error, "en-US/g.md", 7, 11),
        ("markdown-unknown-extension", Warning, "en-US/g.md", 7, 3),
    ];
    for &(name, severity, file, line, col) in cases {
        assert!(
            check::rule_of(name).is_some(),
            "{name} is not in check::RULES"
        );
        let r = run(name, &args(Format::Human));
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("{name}: not reported; got {:?}", r.diagnostics));
        assert_eq!(d.severity, severity, "{name}: severity");
        assert_eq!(d.file, Path::new("source").join(file), "{name}: file");
        assert_eq!((d.pos.line, d.pos.col), (line, col), "{name}: line:col");
        assert!(d.hint.is_some(), "{name}: every finding has a hint");
        let want_exit = u8::from(r.diagnostics.iter().any(|d| d.severity == Error));
        assert_eq!(r.exit_code, want_exit, "{name}: exit code");
    }
}

#[test]
fn every_rule_has_a_fixture_or_is_external() {
    for rule in check::RULES {
        let has_fixture = fixture(rule.name).is_dir();
        let external = rule.name.starts_with("link-external-");
        let load_only = rule.name == "source-read";
        assert!(
            has_fixture || external || load_only,
            "{} has no fixture",
            rule.name
        );
    }
}

#[test]
fn severity_overrides_and_deny_warnings() {
    // table-trailing-pipe is off by default: its fixture turns it on in site.yaml.
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture("table-trailing-pipe"), dir.path());
    std::fs::write(
        dir.path().join("source/site.yaml"),
        "title: x\ndefault_locale: en-US\nseverity:\n  table-missing-resolution: error\n",
    )
    .expect("write");
    let r = check::run(dir.path(), &[], &args(Format::Human), &ALL).expect("check");
    assert!(r
        .diagnostics
        .iter()
        .all(|d| d.name != "table-trailing-pipe"));

    let r = run("link-outside-site", &args(Format::Human));
    assert_eq!(r.exit_code, 0, "a warning alone exits 0");
    let mut deny = args(Format::Human);
    deny.deny = vec![Deny::Warnings];
    let r = run("link-outside-site", &deny);
    assert_eq!(r.exit_code, 1);
    assert_eq!(r.diagnostics[0].severity, Severity::Error);
}

#[test]
fn human_report_of_a_multi_problem_guide() {
    let r = run("multi", &args(Format::Human));
    assert_eq!(r.exit_code, 1);
    assert!(r.stdout.is_empty());
    insta::assert_snapshot!("multi_human", r.stderr);
}

#[test]
fn json_lines_read_back() {
    let r = run("multi", &args(Format::Json));
    let found: Vec<JsonFinding> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(found.len(), r.diagnostics.len());
    let ol = found
        .iter()
        .find(|f| f.name == "table-unclosed-html")
        .expect("unclosed <ol>");
    assert_eq!(
        (ol.file.as_str(), ol.line, ol.col, ol.len),
        ("source/en-US/g.md", 13, 56, 4)
    );
    assert_eq!(ol.severity, Severity::Warning);
    assert!(ol
        .source_line
        .as_deref()
        .is_some_and(|l| l.contains("<ol>")));
    assert!(r.stderr.starts_with("4 errors, 4 warnings"), "{}", r.stderr);
}

#[test]
fn github_annotations() {
    let r = run("multi", &args(Format::Github));
    let first = r.stdout.lines().next().expect("annotations");
    assert!(
        first.starts_with("::warning file=source/en-US/g.md,line=3,col=10,"),
        "{first}"
    );
    assert!(r.stdout.contains("::error file=source/en-US/g.md,line=9,col=5,endColumn=20,title=errbook link-broken-anchor::"));
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.expect("walk");
        let rel = e.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// The real binary on the repository's default site.
#[test]
fn cli_on_the_default_site() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("source"),
        &dir.path().join("source"),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_errbook"))
        .args(["check", "--format", "json", "--root"])
        .arg(dir.path())
        .output()
        .expect("run errbook");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Vec<JsonFinding> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let at = |name: &str, line: usize| {
        found
            .iter()
            .filter(|f| {
                f.name == name
                    && f.file == "source/ko-KR/backup-azure-mabs-troubleshoot.md"
                    && f.line == line
            })
            .map(|f| f.col)
            .collect::<Vec<_>>()
    };
    // `…</li><ol>|`: the `<ol>` meant as `</ol>` at the end of line 47.
    assert_eq!(at("table-unclosed-html", 47), [710]);
    // `**권장 작업:**<ol><li>…` never closed.
    assert_eq!(at("table-unclosed-html", 112), [98]);
    // `[url](backup-configure-vault.md#…)` and `[IP 주소](backup-configure-vault.md#…)`.
    assert_eq!(at("link-outside-site", 79), [471, 529]);

    // The human format goes to stderr with the summary; usage errors exit 2.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_errbook"))
        .args(["check", "--root"])
        .arg(dir.path())
        .output()
        .expect("run errbook");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning[table-unclosed-html]"), "{err}");
    assert!(err.trim_end().ends_with("0 errors, 8 warnings"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_errbook"))
        .args(["check", "--format", "xml"])
        .output()
        .expect("run errbook");
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_errbook"))
        .args(["check", "--root"])
        .arg(dir.path().join("nowhere"))
        .output()
        .expect("run errbook");
    assert_eq!(out.status.code(), Some(2));
}
