//! The real binary: exit codes, messages, `lookup`, `export`, and bad input.

use crate::common;

use std::path::Path;

use common::{errbook, stderr, stdout};

/// A site with one ko-KR guide holding `bytes`.
fn site_with(bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = dir.path().join("source").join("ko-KR");
    std::fs::create_dir_all(&loc).expect("mkdir");
    std::fs::write(
        dir.path().join("source/site.yaml"),
        "title: T\ndefault_locale: ko-KR\n",
    )
    .expect("write");
    std::fs::write(loc.join("bad.md"), bytes).expect("write");
    dir
}

/// Bad input: exit 1, one clear line naming `file:line`, never a panic.
fn assert_bad(bytes: &[u8], line: usize, name: &str) {
    let site = site_with(bytes);
    let out = errbook(site.path(), &["export"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let want = format!("source/ko-KR/bad.md:{line}:");
    let first = err.lines().next().unwrap_or_default();
    assert!(first.starts_with(&want), "expected `{want}` in `{first}`");
    assert!(first.contains(name), "expected `{name}` in `{first}`");
    assert!(stdout(&out).is_empty(), "no JSON when the input has errors");
}

#[test]
fn broken_yaml() {
    assert_bad(
        b"---\ntitle: ok\ndescription: [unclosed\n---\n# H\n",
        4,
        "front-matter-syntax",
    );
}

#[test]
fn yaml_tabs() {
    assert_bad(
        b"---\ntitle: ok\n\tindented: x\n---\n# H\n",
        3,
        "front-matter-syntax",
    );
}

#[test]
fn unterminated_front_matter() {
    assert_bad(
        b"---\ntitle: ok\n# H\n\ntext\n",
        1,
        "front-matter-unterminated",
    );
}

#[test]
fn no_title_at_all() {
    assert_bad(
        b"Just some text, no heading.\n",
        1,
        "front-matter-missing-title",
    );
}

#[test]
fn invalid_utf8() {
    assert_bad(
        b"# Title\n\nline two\nbad \xff byte\n",
        4,
        "source-encoding",
    );
}

#[test]
fn empty_file() {
    assert_bad(b"", 1, "source-empty");
    assert_bad(b"  \n\n", 1, "source-empty");
}

#[test]
fn h1_without_front_matter_loads() {
    let site = site_with("\u{feff}# 제목만 있는 가이드\r\n\r\n## 섹션\r\n\r\n| 작업 | 오류 메시지 | 해결 방법 |\r\n|---|---|---|\r\n| 백업 | 실패 (ID: 1234) | 다시 시도 |\r\n".as_bytes());
    let out = errbook(site.path(), &["export"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let guide = &json["locales"][0]["guides"][0];
    assert_eq!(guide["title"], "제목만 있는 가이드");
    // One entry in its section: the id is the section's anchor (a Hangul slug).
    assert_eq!(guide["entries"][0]["id"], "섹션");
    assert_eq!(guide["entries"][0]["codes"][0]["normalized"], "1234");
    assert_eq!(guide["entries"][0]["line"], 7);
}

#[test]
fn locale_mismatch_is_a_warning_not_a_crash() {
    let site = site_with(b"---\ntitle: T\nms.contentlocale: ja-JP\n---\n# T\n");
    let out = errbook(site.path(), &["export"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("source/ko-KR/bad.md:3:1: warning[front-matter-locale]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn lookup_hex_code_prints_the_policy_change_entry() {
    let site = common::default_site();
    let out = errbook(site.path(), &["lookup", "0x29834", "--locale", "ko-KR"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Operation:  정책 변경"), "{text}");
    assert!(
        text.contains("Cause:\n    이 오류는 보안 설정이 활성화된 경우"),
        "{text}"
    );
    assert!(
        text.contains("Resolution:\n    정책 관련 업데이트를 계속하려면"),
        "{text}"
    );
    assert!(
        text.contains("source/ko-KR/backup-azure-mabs-troubleshoot.md:89"),
        "{text}"
    );
}

#[test]
fn lookup_by_label_and_words() {
    let site = common::default_site();
    let out = errbook(site.path(), &["lookup", "ID:", "4024", "--locale", "en-US"]);
    assert!(stdout(&out).contains("id: 4024"), "{}", stdout(&out));
    let out = errbook(site.path(), &["lookup", "보안", "PIN", "--locale", "ko-KR"]);
    assert!(
        stdout(&out).contains("id: change-passphrase-1"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn lookup_nothing_found_exits_1_with_one_line() {
    let site = common::default_site();
    let out = errbook(site.path(), &["lookup", "0xdeadbeef"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).trim(), "nothing found for `0xdeadbeef`");
}

#[test]
fn export_json_has_the_contract_fields() {
    let site = common::default_site();
    let out = errbook(site.path(), &["export", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let tags: Vec<&str> = json["locales"]
        .as_array()
        .expect("locales")
        .iter()
        .filter_map(|l| l["tag"].as_str())
        .collect();
    assert_eq!(tags, ["en-US", "ko-KR"]);
    let g = &json["locales"][1]["guides"][0];
    assert_eq!(g["path"], "source/ko-KR/backup-azure-mabs-troubleshoot.md");
    for key in [
        "slug",
        "title",
        "description",
        "checklist",
        "sections",
        "entries",
    ] {
        assert!(!g[key].is_null(), "{key}");
    }
    let e = &g["entries"][0];
    for key in [
        "id",
        "section",
        "row",
        "line",
        "message",
        "resolution",
        "resolution_html",
        "codes",
        "variants",
    ] {
        assert!(!e[key].is_null(), "{key}");
    }
    assert!(e.get("operation").is_some() && e.get("cause").is_some());
}

#[test]
fn missing_source_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = errbook(dir.path(), &["export"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no `source` folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_locale_is_a_usage_error() {
    let site = common::default_site();
    let out = errbook(site.path(), &["export", "--locale", "fr-FR"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(Path::new(&stderr(&out)).to_string_lossy().contains("fr-FR"));
}
