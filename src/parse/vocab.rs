//! Header and label vocabulary: which table headers and bold cell labels mean which
//! role, per locale. Built in for ko-KR, en-US and ja-JP; `site.yaml` extends it.

use std::collections::{BTreeMap, HashMap};

use unicode_normalization::UnicodeNormalization;

use crate::model::Role;

use Role::*;

/// Table headers, by locale.
const HEADERS: &[(&str, Role, &[&str])] = &[
    (
        "ko-KR",
        Operation,
        &["작업", "작업(Operation)", "연산", "작업 (Operation)"],
    ),
    (
        "ko-KR",
        Details,
        &["오류 세부 정보", "오류", "오류 세부 사항"],
    ),
    ("ko-KR", Message, &["오류 메시지", "증상"]),
    ("ko-KR", Code, &["오류 코드"]),
    ("ko-KR", Severity, &["심각도"]),
    ("ko-KR", Cause, &["원인", "가능한 원인", "이유"]),
    (
        "ko-KR",
        Resolution,
        &[
            "해결 방법",
            "권장 작업",
            "해상도",
            "해결 방법(Workaround)",
            "권장 조치",
            "해결책",
            "권장 사항",
        ],
    ),
    ("en-US", Operation, &["Operation"]),
    ("en-US", Details, &["Error details", "Error"]),
    ("en-US", Message, &["Error message", "Symptom", "Symptoms"]),
    ("en-US", Code, &["Error code"]),
    ("en-US", Severity, &["Severity", "Level"]),
    (
        "en-US",
        Cause,
        &[
            "Cause",
            "Causes",
            "Possible cause",
            "Possible causes",
            "Reason",
            "Reasons",
        ],
    ),
    (
        "en-US",
        Resolution,
        &[
            "Resolution",
            "Workaround",
            "Recommended action",
            "Recommended actions",
            "Recommendation",
            "Recommendations",
            "Solution",
            "Fix",
        ],
    ),
    ("ja-JP", Operation, &["操作", "処理"]),
    ("ja-JP", Details, &["エラーの詳細", "エラー", "エラー詳細"]),
    (
        "ja-JP",
        Message,
        &["エラー メッセージ", "エラーメッセージ", "症状"],
    ),
    ("ja-JP", Code, &["エラー コード", "エラーコード"]),
    ("ja-JP", Severity, &["重大度"]),
    ("ja-JP", Cause, &["原因", "考えられる原因", "理由"]),
    (
        "ja-JP",
        Resolution,
        &[
            "解決策",
            "推奨される操作",
            "推奨アクション",
            "回避策",
            "解決方法",
            "推奨事項",
            "対処法",
        ],
    ),
];

/// Bold labels inside cells, by locale.
const LABELS: &[(&str, Role, &[&str])] = &[
    ("ko-KR", Code, &["오류 코드"]),
    ("ko-KR", Message, &["오류 메시지", "증상"]),
    ("ko-KR", Cause, &["원인", "가능한 원인", "이유"]),
    (
        "ko-KR",
        Resolution,
        &["해결 방법", "권장 작업", "권장 조치", "해상도", "해결책"],
    ),
    ("en-US", Code, &["Error code"]),
    ("en-US", Message, &["Error message", "Symptom"]),
    (
        "en-US",
        Cause,
        &[
            "Cause",
            "Possible cause",
            "Possible causes",
            "Reason",
            "Reasons",
        ],
    ),
    (
        "en-US",
        Resolution,
        &[
            "Resolution",
            "Workaround",
            "Recommended action",
            "Recommended actions",
            "Recommendation",
            "Recommendations",
        ],
    ),
    ("ja-JP", Code, &["エラー コード", "エラーコード"]),
    (
        "ja-JP",
        Message,
        &["エラー メッセージ", "エラーメッセージ", "症状"],
    ),
    ("ja-JP", Cause, &["原因", "考えられる原因", "理由"]),
    (
        "ja-JP",
        Resolution,
        &[
            "解決策",
            "推奨される操作",
            "推奨アクション",
            "回避策",
            "対処法",
        ],
    ),
];

/// Titles of the "basic troubleshooting" section whose list is the guide's checklist.
const CHECKLIST_TITLES: &[&str] = &[
    "basic troubleshooting",
    "기본 문제 해결",
    "基本的なトラブルシューティング",
    "基本的なトラブルシューティングの手順",
];

/// Heading prefixes that mark a section as one error (`## Error: Replica is inconsistent`).
const ERROR_PREFIXES: &[&str] = &[
    "Error:",
    "Error：",
    "오류:",
    "오류：",
    "エラー:",
    "エラー：",
];

/// The message of an error heading: its text after `Error:`/`오류:`/`エラー:`.
pub fn strip_error_prefix(title: &str) -> Option<&str> {
    let t = title.trim();
    ERROR_PREFIXES.iter().find_map(|p| {
        t.get(..p.len())
            .filter(|head| head.eq_ignore_ascii_case(p))
            .map(|_| t[p.len()..].trim())
            .filter(|rest| !rest.is_empty())
    })
}

/// NFKC, lowercase, whitespace collapsed, trailing colon removed.
pub fn normalize(s: &str) -> String {
    // Most labels and headers are NFKC already: the quick check spares recomposing them.
    let s = match crate::text::is_nfkc(s) {
        true => s.to_lowercase(),
        false => s.nfkc().collect::<String>().to_lowercase(),
    };
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.trim_end_matches([':', '：']).trim().to_owned()
}

/// The vocabulary for one locale: its own words first, then every other locale's
/// (translated guides often leave a header untranslated).
#[derive(Debug, Clone)]
pub struct Vocabulary {
    headers: HashMap<String, Role>,
    labels: HashMap<String, Role>,
}

impl Vocabulary {
    pub fn for_locale(locale: &str, extra: &BTreeMap<String, BTreeMap<Role, Vec<String>>>) -> Self {
        let mut headers = HashMap::new();
        let mut labels = HashMap::new();
        // Later inserts win: other locales first, then this locale, then site.yaml.
        let ordered = |table: &'static [(&'static str, Role, &'static [&'static str])]| {
            let (mine, others): (Vec<_>, Vec<_>) = table
                .iter()
                .partition(|(l, _, _)| l.eq_ignore_ascii_case(locale));
            others.into_iter().chain(mine)
        };
        for (_, role, words) in ordered(HEADERS) {
            for w in words.iter() {
                headers.insert(normalize(w), role);
            }
        }
        for (_, role, words) in ordered(LABELS) {
            for w in words.iter() {
                labels.insert(normalize(w), role);
            }
        }
        for (loc, roles) in extra {
            if !loc.eq_ignore_ascii_case(locale) && loc != "*" {
                continue;
            }
            for (role, words) in roles {
                for w in words {
                    headers.insert(normalize(w), *role);
                    labels.insert(normalize(w), *role);
                }
            }
        }
        Vocabulary { headers, labels }
    }

    /// The role of a header cell. `작업(Operation)` is also tried without its parenthesis.
    pub fn header_role(&self, header: &str) -> Option<Role> {
        let n = normalize(header);
        if let Some(r) = self.headers.get(&n) {
            return Some(*r);
        }
        let base = n.split(['(', '（']).next().unwrap_or("").trim();
        self.headers.get(base).copied()
    }

    pub fn label_role(&self, label: &str) -> Option<Role> {
        self.labels.get(&normalize(label)).copied()
    }

    pub fn is_checklist_title(title: &str, anchor: &str) -> bool {
        anchor == "basic-troubleshooting" || CHECKLIST_TITLES.contains(&normalize(title).as_str())
    }
}

/// Whether headers with these roles make an error table: something that names the
/// error and something that says what to do about it. A `Cause | Resolution` table
/// lists the causes of the error its section names (one entry per cause).
pub fn is_error_table(roles: &[Option<Role>]) -> bool {
    let has = |r: Role| roles.contains(&Some(r));
    ((has(Details) || has(Message) || has(Code)) && (has(Resolution) || has(Cause)))
        || (has(Cause) && has(Resolution))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_three_locales() {
        let v = Vocabulary::for_locale("ko-KR", &BTreeMap::new());
        assert_eq!(v.header_role("작업"), Some(Operation));
        assert_eq!(v.header_role("작업(Operation)"), Some(Operation));
        assert_eq!(v.header_role("오류 세부 정보"), Some(Details));
        assert_eq!(v.header_role("권장 작업"), Some(Resolution));
        assert_eq!(v.header_role("Workaround"), Some(Resolution));
        assert_eq!(v.header_role("エラー メッセージ"), Some(Message));
        assert_eq!(v.header_role("Service Name"), None);
        assert_eq!(v.label_role("원인:"), Some(Cause));
        assert_eq!(v.label_role("Error Message"), Some(Message));
    }

    /// Every header cell of the corpus's error tables (../shared/corpus, mars,
    /// system-state, mabs), as written, in the locale of its guide.
    #[test]
    fn corpus_headers_per_locale() {
        let cases: &[(&str, &str, Role)] = &[
            ("ja-JP", "エラー メッセージ", Message),
            ("ja-JP", "推奨される操作", Resolution),
            ("ja-JP", "推奨アクション", Resolution),
            ("ja-JP", "考えられる原因", Cause),
            ("ja-JP", "症状", Message),
            ("ja-JP", "原因", Cause),
            ("ja-JP", "解決策", Resolution),
            // Left untranslated in the ja-JP mars tables.
            ("ja-JP", "Error", Details),
            ("ko-KR", "오류", Details),
            ("ko-KR", "가능한 원인", Cause),
            ("ko-KR", "권장 작업", Resolution),
            ("ko-KR", "증상", Message),
            ("ko-KR", "원인", Cause),
            ("ko-KR", "해상도", Resolution),
            ("ko-KR", "오류 메시지", Message),
            ("ko-KR", "작업(Operation)", Operation),
            ("ko-KR", "연산", Operation),
            ("en-US", "Symptom", Message),
            ("en-US", "Cause", Cause),
            ("en-US", "Resolution", Resolution),
            ("en-US", "Error", Details),
            ("en-US", "Possible cause", Cause),
            ("en-US", "Possible causes", Cause),
            ("en-US", "Recommended actions", Resolution),
            ("en-US", "Recommended action", Resolution),
            ("en-US", "Error code", Code),
            ("en-US", "Reasons", Cause),
            ("en-US", "Recommendations", Resolution),
            ("en-US", "Error message", Message),
        ];
        for (locale, header, role) in cases {
            let v = Vocabulary::for_locale(locale, &BTreeMap::new());
            assert_eq!(v.header_role(header), Some(*role), "{locale}: {header}");
        }
        // The prose table of system-state is no error table in any locale.
        for (locale, a, b) in [
            ("en-US", "Service Name", "Startup Type"),
            ("ko-KR", "서비스 이름", "시작 유형"),
            ("ja-JP", "サービス名", "スタートアップの種類"),
        ] {
            let v = Vocabulary::for_locale(locale, &BTreeMap::new());
            let roles = [v.header_role(a), v.header_role(b)];
            assert!(!is_error_table(&roles), "{locale}: {roles:?}");
        }
    }

    /// Bold labels inside cells, with the colon the corpus writes after them.
    #[test]
    fn corpus_labels_per_locale() {
        let cases: &[(&str, &str, Role)] = &[
            ("ko-KR", "원인:", Cause),
            ("ko-KR", "권장 작업:", Resolution),
            ("ko-KR", "오류 메시지", Message),
            ("ko-KR", "해결 방법", Resolution),
            ("ko-KR", "가능한 원인:", Cause),
            ("en-US", "Cause:", Cause),
            ("en-US", "Recommended action:", Resolution),
            ("en-US", "Error Message", Message),
            ("en-US", "Workaround", Resolution),
            ("en-US", "Possible causes:", Cause),
            ("ja-JP", "エラー メッセージ", Message),
            ("ja-JP", "原因:", Cause),
            ("ja-JP", "原因：", Cause),
            ("ja-JP", "推奨アクション:", Resolution),
            ("ja-JP", "考えられる原因", Cause),
        ];
        for (locale, label, role) in cases {
            let v = Vocabulary::for_locale(locale, &BTreeMap::new());
            assert_eq!(v.label_role(label), Some(*role), "{locale}: {label}");
        }
    }

    #[test]
    fn site_yaml_extends() {
        let mut extra = BTreeMap::new();
        extra.insert(
            "ko-KR".to_owned(),
            BTreeMap::from([(Resolution, vec!["조치".to_owned()])]),
        );
        let v = Vocabulary::for_locale("ko-KR", &extra);
        assert_eq!(v.header_role("조치"), Some(Resolution));
        assert_eq!(
            Vocabulary::for_locale("en-US", &extra).header_role("조치"),
            None
        );
    }

    #[test]
    fn error_tables() {
        assert!(is_error_table(&[
            Some(Operation),
            Some(Details),
            Some(Resolution)
        ]));
        assert!(is_error_table(&[Some(Message), Some(Resolution)]));
        assert!(!is_error_table(&[None, None]));
        assert!(!is_error_table(&[Some(Operation), Some(Resolution)]));
        assert!(is_error_table(&[Some(Cause), Some(Resolution)]));
    }
}
