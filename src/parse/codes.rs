//! Error codes in cell text: numeric IDs behind a label, hex literals, symbolic codes.
//!
//! Codes are only taken where a reader would see a code: behind `ID`/`오류 ID:`/`Error
//! code`…, hex literals, `ErrorCode-X`, the value of an error-code label, or a heading
//! that is a code itself. A bare number (a port, a count, a version, a year) or a bare
//! CamelCase word (`ChangeTracking`, `OBEngine`) is never a code.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Code, CodeKind};

static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\b(?:https?|ftp)://\S+").unwrap());
static HEX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\b0x[0-9a-f]{4,16}\b").unwrap());
static LABELLED_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\b(?:error\s+)?id\b|오류\s*id\b|\berror\s+code\b|エラー\s*id\b|エラー\s*コード|오류\s*코드)\s*[:：]?\s*(\d{3,10})\b",
    )
    .unwrap()
});
static ERRORCODE_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bErrorCode\s*-\s*([A-Za-z][A-Za-z0-9_]{2,})").unwrap());
static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z0-9_]*").unwrap());
static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{3,10}").unwrap());

/// True for identifiers shaped like symbolic error codes: CamelCase with at least two
/// capitals and a lowercase letter, e.g. `FileFaultFault`, `CBPSourceSnapshotFailed…`.
pub fn is_symbolic_code(word: &str) -> bool {
    let upper = word.chars().filter(char::is_ascii_uppercase).count();
    let lower = word.chars().filter(char::is_ascii_lowercase).count();
    word.len() >= 6
        && word.starts_with(|c: char| c.is_ascii_uppercase())
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && upper >= 2
        && lower >= 1
        && !matches!(word, "ErrorCode" | "ErrorId" | "ErrorID")
}

/// A number that is part of a larger number (`2.0.9052`, `65,000`) is not a code.
fn standalone_number(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let mut after = text[end..].chars();
    let (a1, a2) = (after.next(), after.next());
    let joined_before = matches!(before, Some(c) if c.is_ascii_digit() || c == '.' || c == ',');
    let joined_after = matches!((a1, a2), (Some('.' | ','), Some(d)) if d.is_ascii_digit())
        || matches!(a1, Some(c) if c.is_ascii_alphanumeric() || c == '%');
    !joined_before && !joined_after
}

fn code(raw: &str, value: &str, kind: CodeKind) -> Code {
    Code {
        raw: raw.trim().to_owned(),
        kind,
        normalized: value.to_lowercase(),
        value: value.to_owned(),
    }
}

/// Blanks out URLs so that digits inside them are never taken for codes.
fn without_urls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("://") {
        return std::borrow::Cow::Borrowed(text);
    }
    URL.replace_all(text, |c: &regex::Captures| " ".repeat(c[0].len()))
}

/// Whether the text has `n` ASCII digits in a row: what every labelled number needs.
/// Checked first because the regexes' Unicode word boundaries make them slow on the
/// Korean and Japanese text of most cells.
fn has_digit_run(text: &str, n: usize) -> bool {
    let mut run = 0;
    text.bytes().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run >= n
    })
}

/// Codes in prose: labelled numbers, hex literals, `ErrorCode-X`. In document order.
pub fn extract(text: &str) -> Vec<Code> {
    let text = without_urls(text);
    let mut found: Vec<(usize, Code)> = Vec::new();
    // Each kind needs something cheap to find: a hex literal `0x`, a number three
    // digits long, `ErrorCode`; each regex only runs where its own check passes.
    if text.contains("0x") || text.contains("0X") {
        for m in HEX.find_iter(&text) {
            found.push((m.start(), code(m.as_str(), m.as_str(), CodeKind::Hex)));
        }
    }
    if has_digit_run(&text, 3) {
        for c in LABELLED_NUMBER.captures_iter(&text) {
            let (Some(all), Some(num)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if standalone_number(&text, num.start(), num.end()) {
                found.push((
                    all.start(),
                    code(all.as_str(), num.as_str(), CodeKind::Numeric),
                ));
            }
        }
    }
    if text.contains("ErrorCode") {
        for c in ERRORCODE_PREFIX.captures_iter(&text) {
            let (Some(all), Some(sym)) = (c.get(0), c.get(1)) else {
                continue;
            };
            found.push((
                all.start(),
                code(all.as_str(), sym.as_str(), CodeKind::Symbolic),
            ));
        }
    }
    sorted_unique(found)
}

/// Codes in the value of an error-code label (`**Error code**: X/Vault error: 100110`):
/// symbolic identifiers, hex literals and the last standalone number, plus anything
/// `extract` finds.
pub fn extract_from_code_field(text: &str) -> Vec<Code> {
    let clean = without_urls(text);
    let mut found: Vec<(usize, Code)> = Vec::new();
    for m in WORD.find_iter(&clean) {
        if is_symbolic_code(m.as_str()) {
            found.push((m.start(), code(m.as_str(), m.as_str(), CodeKind::Symbolic)));
        }
    }
    let last_number = NUMBER
        .find_iter(&clean)
        .filter(|m| standalone_number(&clean, m.start(), m.end()))
        .filter(|m| !clean[..m.start()].to_ascii_lowercase().ends_with("0x"))
        .last();
    if let Some(m) = last_number {
        found.push((m.start(), code(m.as_str(), m.as_str(), CodeKind::Numeric)));
    }
    found.extend(extract(text).into_iter().map(|c| {
        let at = clean.find(&c.raw).unwrap_or(usize::MAX);
        (at, c)
    }));
    sorted_unique(found)
}

/// A heading that is a symbolic code itself (`### CBPSourceSnapshotFailedReplicaInconsistent`).
pub fn heading_code(title: &str) -> Option<Code> {
    let t = title.trim();
    is_symbolic_code(t).then(|| code(t, t, CodeKind::Symbolic))
}

fn sorted_unique(mut found: Vec<(usize, Code)>) -> Vec<Code> {
    found.sort_by_key(|(at, _)| *at);
    let mut out: Vec<Code> = Vec::new();
    for (_, c) in found {
        if !out.iter().any(|o| o.normalized == c.normalized) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(codes: &[Code]) -> Vec<(&str, CodeKind)> {
        codes.iter().map(|c| (c.value.as_str(), c.kind)).collect()
    }

    #[test]
    fn each_kind_passes_the_quick_check() {
        // Hex literals of letters only, and `ErrorCode-X` without any digit, still count.
        for (text, want) in [
            ("실패 (0xabcd)", ("0xabcd", CodeKind::Hex)),
            ("FAILED 0XBEEF.", ("0XBEEF", CodeKind::Hex)),
            ("ErrorCode-DiskFull", ("DiskFull", CodeKind::Symbolic)),
            ("오류 코드 123", ("123", CodeKind::Numeric)),
        ] {
            assert_eq!(values(&extract(text)), [want], "{text}");
        }
        assert!(extract("포트 80, 버전 2.0, https://example.com/0xabcd/12345").is_empty());
    }

    #[test]
    fn id_in_parentheses() {
        let c = extract("모든 변경 사항은 롤백되었습니다. (ID: 4024)");
        assert_eq!(values(&c), [("4024", CodeKind::Numeric)]);
        assert_eq!(c[0].raw, "ID: 4024");
        assert_eq!(c[0].normalized, "4024");
    }

    #[test]
    fn errorcode_prefix_and_id_without_colon() {
        let c = extract("VMware에서 오류가 발생했습니다. ErrorCode-FileFaultFault (ID 33621)");
        assert_eq!(
            values(&c),
            [
                ("FileFaultFault", CodeKind::Symbolic),
                ("33621", CodeKind::Numeric)
            ]
        );
        assert_eq!(c[0].normalized, "filefaultfault");
    }

    #[test]
    fn errorcode_with_spaced_dash() {
        let c = extract("information. ErrorCode - FileFaultFault (ID 33621)");
        assert_eq!(c[0].value, "FileFaultFault");
        assert_eq!(c[0].raw, "ErrorCode - FileFaultFault");
    }

    #[test]
    fn korean_error_id_label() {
        assert_eq!(
            values(&extract("오류 ID: 2013")),
            [("2013", CodeKind::Numeric)]
        );
        assert_eq!(
            values(&extract("Error ID: 2013")),
            [("2013", CodeKind::Numeric)]
        );
        assert_eq!(
            values(&extract("작업이 실패했습니다. ID: 120002")),
            [("120002", CodeKind::Numeric)]
        );
    }

    #[test]
    fn hex_in_brackets() {
        let c = extract("내부 서비스 오류 [0x29834]로 인해 현재 작업이 실패했습니다.");
        assert_eq!(values(&c), [("0x29834", CodeKind::Hex)]);
    }

    #[test]
    fn not_codes() {
        for text in [
            "Microsoft Azure Backup Server 버전 2.0.9052 및 업데이트 1",
            "SMTP 서버(포트 587)로 사용하도록",
            "\\windows\\temp에 있는 파일 수가 65,000개를 초과하는지",
            "보존 기간은 7일, 4주, 3개월, 2019년, 5~10% 볼륨",
            "see https://go.microsoft.com/fwlink/?linkid=229525&clcid=0x409 and http://x/ID:12345",
            "DPM이 ChangeTracking 정보를 가져오는 동안 OBEngine 서비스",
            "version ID 2.0.9052",
        ] {
            assert_eq!(extract(text), vec![], "{text}");
        }
    }

    #[test]
    fn code_field_takes_symbol_and_last_number() {
        let c = extract_from_code_field(
            "CBPServerRegisteredVaultDontMatchWithCurrent/자격 증명 모음 자격 증명 오류: 100110",
        );
        assert_eq!(
            values(&c),
            [
                (
                    "CBPServerRegisteredVaultDontMatchWithCurrent",
                    CodeKind::Symbolic
                ),
                ("100110", CodeKind::Numeric)
            ]
        );
    }

    #[test]
    fn headings() {
        assert_eq!(
            heading_code("CBPSourceSnapshotFailedReplicaCloningIssue").map(|c| c.normalized),
            Some("cbpsourcesnapshotfailedreplicacloningissue".into())
        );
        assert_eq!(
            heading_code("SalLowDiskSpace").map(|c| c.kind),
            Some(CodeKind::Symbolic)
        );
        for t in [
            "Backup",
            "Common issues",
            "Prerequisites",
            "OBEngine Service",
            "BMR",
        ] {
            assert_eq!(heading_code(t), None, "{t}");
        }
    }
}
