//! The error model of the default site and of every guide in the corpus.

use crate::common;

use errbook::model::{CodeKind, Guide, Site};
use errbook::source::load_site;

const SLUG: &str = "backup-azure-mabs-troubleshoot";

fn default_site() -> Site {
    let loaded = load_site(&common::repo()).expect("load the default site");
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    loaded.site
}

fn guide<'a>(site: &'a Site, locale: &str, slug: &str) -> &'a Guide {
    site.locale(locale)
        .and_then(|l| l.guide(slug))
        .unwrap_or_else(|| panic!("no guide {locale}/{slug}"))
}

#[test]
fn reference_guide_has_27_entries_aligned_with_english() {
    let site = default_site();
    let ko = guide(&site, "ko-KR", SLUG);
    let en = guide(&site, "en-US", SLUG);
    let (ko_e, en_e) = (ko.entries(), en.entries());
    assert_eq!(ko_e.len(), 27);
    assert_eq!(en_e.len(), 27);
    for (k, e) in ko_e.iter().zip(&en_e) {
        assert_eq!((&k.id, &k.section, k.row), (&e.id, &e.section, e.row));
    }
    assert_eq!(ko.checklist.len(), 8);
    assert_eq!(en.checklist.len(), 8);
    assert_eq!(ko.title, "Azure Backup Server 문제 해결");
}

#[test]
fn online_recovery_point_entry_has_three_variants() {
    let site = default_site();
    for locale in ["ko-KR", "en-US"] {
        let g = guide(&site, locale, SLUG);
        let sec = g
            .section("online-recovery-point-creation-failed")
            .expect("section");
        assert_eq!(sec.entries.len(), 1);
        let e = &sec.entries[0];
        assert_eq!(e.variants.len(), 3, "{locale}");
        assert!(e
            .variants
            .iter()
            .all(|v| !v.message.text.is_empty() && !v.resolution.text.is_empty()));
    }
    let ko = guide(&site, "ko-KR", SLUG)
        .section("online-recovery-point-creation-failed")
        .expect("section");
    assert!(ko.entries[0].variants[1]
        .message
        .text
        .contains("OBEngine 서비스에 연결할 수 없습니다"));
}

#[test]
fn exactly_the_13_codes() {
    let expected = [
        "CBPServerRegisteredVaultDontMatchWithCurrent",
        "100110",
        "FileFaultFault",
        "33621",
        "100050",
        "4024",
        "0x29834",
        "120002",
        "2013",
        "CBPSourceSnapshotFailedReplicaMissingOrInvalid",
        "CBPSourceSnapshotFailedReplicaMetadataInvalid",
        "CBPSourceSnapshotFailedReplicaInconsistent",
        "CBPSourceSnapshotFailedReplicaCloningIssue",
    ];
    let site = default_site();
    for locale in ["ko-KR", "en-US"] {
        let codes: Vec<String> = guide(&site, locale, SLUG)
            .entries()
            .iter()
            .flat_map(|e| e.codes.iter().map(|c| c.value.clone()))
            .collect();
        assert_eq!(codes, expected, "{locale}");
    }
    let kinds: Vec<CodeKind> = guide(&site, "ko-KR", SLUG)
        .entries()
        .iter()
        .flat_map(|e| e.codes.iter().map(|c| c.kind))
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == CodeKind::Hex).count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == CodeKind::Numeric).count(), 6);
}

/// Lines read off the files by hand: every row of every error table.
const KO_LINES: [usize; 27] = [
    35, 41, 47, 53, 59, 65, 71, 72, 78, 79, 80, 86, 87, 88, 89, 95, 96, 97, 98, 99, 105, 106, 112,
    122, 128, 134, 140,
];
const EN_LINES: [usize; 27] = [
    30, 36, 42, 48, 54, 60, 66, 67, 73, 74, 75, 81, 82, 83, 84, 90, 91, 92, 93, 94, 100, 101, 107,
    117, 123, 129, 135,
];

#[test]
fn every_entry_line_is_its_row() {
    let site = default_site();
    for (locale, lines) in [("ko-KR", KO_LINES), ("en-US", EN_LINES)] {
        let g = guide(&site, locale, SLUG);
        let got: Vec<usize> = g.entries().iter().map(|e| e.pos.line).collect();
        assert_eq!(got, lines, "{locale}");
        for e in g.entries() {
            let line = g.source.lines().nth(e.pos.line - 1).expect("line exists");
            assert!(
                line.contains('|') && !line.contains("---") && !line.starts_with("-- "),
                "{line}"
            );
            // The row's text holds the start of the entry's message or operation.
            let probe: String = e
                .operation
                .as_ref()
                .map_or(&e.message.text, |o| &o.text)
                .chars()
                .take(6)
                .collect();
            assert!(
                line.contains(probe.trim()),
                "{locale}:{} `{probe}` not in `{line}`",
                e.pos.line
            );
        }
    }
}

#[test]
fn policy_change_entry_fields() {
    let site = default_site();
    let e = guide(&site, "ko-KR", SLUG)
        .entry("0x29834")
        .expect("entry 0x29834")
        .clone();
    assert_eq!(e.operation.map(|o| o.text).as_deref(), Some("정책 변경"));
    assert!(e
        .cause
        .expect("cause")
        .text
        .starts_with("이 오류는 보안 설정이 활성화된 경우"));
    assert!(e
        .resolution
        .text
        .starts_with("정책 관련 업데이트를 계속하려면"));
    assert_eq!(e.section, "configuring-protection-group");
    assert_eq!(e.row, 4);
}

#[test]
fn steps_from_lists_and_numbered_lines() {
    let site = default_site();
    let g = guide(&site, "ko-KR", SLUG);
    let vm = g
        .entry("online-recovery-point-creation-jobs-for-vmware-vm-fail")
        .expect("entry");
    assert_eq!(vm.steps.len(), 4);
    let missing = g
        .entry("cbpsourcesnapshotfailedreplicamissingorinvalid")
        .expect("entry");
    assert_eq!(
        missing.steps,
        [
            "디스크 복구 지점 만들기",
            "데이터 원본에 대한 일관성 확인 실행",
            "datasource 보호를 중지 한 다음이 데이터 원본에 대한 보호를 다시 구성 합니다."
        ]
    );
}

#[test]
fn export_snapshot_of_the_reference_guide() {
    let site = default_site();
    let ko = site.locale("ko-KR").expect("ko-KR");
    insta::assert_snapshot!(errbook::export::locale_json_pretty(ko));
}

// ---- Every guide of the corpus -------------------------------------------------

fn corpus() -> &'static Site {
    static SITE: std::sync::OnceLock<Site> = std::sync::OnceLock::new();
    SITE.get_or_init(|| {
        let loaded = load_site(&common::fixture("corpus")).expect("load corpus");
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        loaded.site
    })
}

/// (entries, checklist items, error tables, prose tables), counted by reading each file.
fn assert_counts(
    locale: &str,
    slug: &str,
    entries: usize,
    checklist: usize,
    error_tables: usize,
    prose_tables: usize,
) {
    let g = guide(corpus(), locale, slug);
    assert_eq!(g.entries().len(), entries, "entries of {locale}/{slug}");
    assert_eq!(g.checklist.len(), checklist, "checklist of {locale}/{slug}");
    let errs = g.tables.iter().filter(|t| t.is_error_table).count();
    assert_eq!(errs, error_tables, "error tables of {locale}/{slug}");
    assert_eq!(
        g.tables.len() - errs,
        prose_tables,
        "prose tables of {locale}/{slug}"
    );
    // Prose tables never become entries: every entry lies on an error table's row.
    let error_rows: Vec<usize> = g
        .tables
        .iter()
        .filter(|t| t.is_error_table)
        .flat_map(|t| t.rows.iter().map(|r| r.pos.line))
        .collect();
    let headings: Vec<usize> = g.sections_flat().iter().map(|s| s.pos.line).collect();
    for e in g.entries() {
        assert!(
            error_rows.contains(&e.pos.line) || (headings.contains(&e.pos.line) && e.row == 1),
            "{locale}/{slug}:{} is neither an error row nor an error section",
            e.pos.line
        );
    }
}

#[test]
fn corpus_en_mabs() {
    assert_counts("en-US", "backup-azure-mabs-troubleshoot", 27, 8, 16, 0);
}

#[test]
fn corpus_ko_mabs() {
    assert_counts("ko-KR", "backup-azure-mabs-troubleshoot", 27, 8, 16, 0);
}

#[test]
fn corpus_ko_mabs_latest() {
    assert_counts(
        "ko-KR",
        "backup-azure-mabs-troubleshoot.latest",
        27,
        8,
        16,
        0,
    );
}

#[test]
fn corpus_en_mars() {
    // 13 tables, 18 rows: the `Cause | Recommended actions` table under "Invalid vault
    // credentials provided" gives one entry per cause (3), the nested
    // `Error code | Reasons | Recommendations` table 4.
    assert_counts("en-US", "backup-azure-mars-troubleshoot", 18, 14, 13, 0);
    let g = guide(corpus(), "en-US", "backup-azure-mars-troubleshoot");
    let codes: Vec<String> = g
        .entries()
        .iter()
        .flat_map(|e| e.codes.iter().map(|c| c.normalized.clone()))
        .collect();
    for c in [
        "0x80070570",
        "0x80070002",
        "0x80070003",
        "0x8007018b",
        "34513",
        "salbitmaperror",
    ] {
        assert!(codes.contains(&c.to_owned()), "{c}");
    }
}

#[test]
fn corpus_ko_mars() {
    assert_counts("ko-KR", "backup-azure-mars-troubleshoot", 12, 13, 10, 0);
}

#[test]
fn corpus_ja_mars() {
    assert_counts("ja-JP", "backup-azure-mars-troubleshoot", 12, 13, 10, 0);
}

#[test]
fn corpus_system_state() {
    // One `Service Name | Startup Type` table (5 rows, prose) and three
    // `Symptom | Cause | Resolution` tables of one row each, in every locale.
    for locale in ["en-US", "ko-KR", "ja-JP"] {
        assert_counts(
            locale,
            "backup-azure-system-state-troubleshoot",
            3,
            13,
            3,
            1,
        );
        let g = guide(corpus(), locale, "backup-azure-system-state-troubleshoot");
        let prose = g
            .tables
            .iter()
            .find(|t| !t.is_error_table)
            .expect("prose table");
        assert_eq!(prose.rows.len(), 5);
    }
}

#[test]
fn corpus_scdpm_error_sections_are_entries() {
    // No tables: each of the six `## Error: …` sections is one entry, in every locale,
    // with the same ids (ko-KR/ja-JP carry `<a name>` anchors equal to the English slugs).
    for locale in ["en-US", "ko-KR", "ja-JP"] {
        assert_counts(locale, "backup-azure-scdpm-troubleshooting", 6, 0, 0, 0);
    }
    let ids = |l: &str| -> Vec<String> {
        guide(corpus(), l, "backup-azure-scdpm-troubleshooting")
            .entries()
            .iter()
            .map(|e| e.id.clone())
            .collect()
    };
    assert_eq!(ids("en-US"), ids("ko-KR"));
    assert_eq!(ids("en-US"), ids("ja-JP"));
    let g = guide(corpus(), "en-US", "backup-azure-scdpm-troubleshooting");
    let e = g.entry("error-replica-is-inconsistent").expect("entry");
    assert_eq!(e.message.text, "Replica is inconsistent");
    assert!(e
        .resolution
        .text
        .contains("run the consistency check manually"));
    assert_eq!(e.pos.line, 14);
}

#[test]
fn corpus_ids_align_across_locales() {
    let ids = |locale: &str| -> Vec<String> {
        guide(corpus(), locale, "backup-azure-system-state-troubleshoot")
            .entries()
            .iter()
            .map(|e| e.id.clone())
            .collect()
    };
    assert_eq!(ids("en-US"), ids("ko-KR"));
    assert_eq!(ids("en-US"), ids("ja-JP"));
}
