//! Property tests: arbitrary input never panics the loader/parser, the code extractor
//! or the tokenizer; the tokenizer is deterministic and never yields an empty token.

use std::collections::BTreeMap;
use std::path::Path;

use errbook::parse::{codes, Vocabulary};
use errbook::search::tokenize::tokenize;
use proptest::prelude::*;

/// Markdown-ish text: the characters and constructs guides are made of, in any order.
fn markdownish() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("|".to_owned()),
        Just(" | ".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("---\n".to_owned()),
        Just("-- | --\n".to_owned()),
        Just("## ".to_owned()),
        Just("### ".to_owned()),
        Just("# ".to_owned()),
        Just("- ".to_owned()),
        Just("1. ".to_owned()),
        Just("> ".to_owned()),
        Just("> [!NOTE]\n".to_owned()),
        Just("**".to_owned()),
        Just("**오류 코드**: ".to_owned()),
        Just("**Cause:**".to_owned()),
        Just("<br>".to_owned()),
        Just("</br>".to_owned()),
        Just("<ol>".to_owned()),
        Just("<li>".to_owned()),
        Just("</li>".to_owned()),
        Just("</ol>".to_owned()),
        Just("<a name=\"x\"></a>".to_owned()),
        Just("[link](other.md#a)".to_owned()),
        Just("[!INCLUDE [t](inc.md)]".to_owned()),
        Just(":::image type=\"content\" source=\"a.png\" alt-text=\"a\":::".to_owned()),
        Just("| Operation | Error details | Resolution |\n| --- | --- | --- |\n".to_owned()),
        Just("| 작업 | 오류 메시지 | 해결 방법 |\n|---|---|---|\n".to_owned()),
        Just("(ID: 4024)".to_owned()),
        Just("ErrorCode-FileFaultFault".to_owned()),
        Just("[0x29834]".to_owned()),
        Just("`code|span`".to_owned()),
        Just("\\|".to_owned()),
        "[a-zA-Z0-9 가-힣ぁ-んァ-ン一-龯.,:;!?()\\[\\]{}<>\"'`*_~#=+/\\\\-]{0,12}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn loader_and_parser_never_panic(body in markdownish(), front in prop::bool::ANY) {
        let text = if front { format!("---\ntitle: T\n---\n{body}") } else { body };
        let vocab = Vocabulary::for_locale("ko-KR", &BTreeMap::new());
        let (guide, diags) = errbook::source::load_guide(
            None, Path::new("source/ko-KR/g.md"), "ko-KR", text.as_bytes(), &vocab);
        if let Some(g) = guide {
            // Ids are unique (ignoring case) and never empty.
            let mut ids: Vec<String> = g.entries().iter().map(|e| e.id.to_lowercase()).collect();
            prop_assert!(ids.iter().all(|i| !i.is_empty()));
            let n = ids.len();
            ids.sort();
            ids.dedup();
            prop_assert_eq!(ids.len(), n);
            for e in g.entries() {
                prop_assert!(e.pos.line >= 1 && e.pos.line <= text.split_inclusive(['\n', '\r']).count().max(1));
            }
        } else {
            prop_assert!(!diags.is_empty(), "a guide that does not load says why");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let vocab = Vocabulary::for_locale("en-US", &BTreeMap::new());
        let _ = errbook::source::load_guide(None, Path::new("source/en-US/g.md"), "en-US", &bytes, &vocab);
    }

    #[test]
    fn code_extraction_never_panics(text in "\\PC{0,200}") {
        for c in codes::extract(&text).into_iter().chain(codes::extract_from_code_field(&text)) {
            prop_assert!(!c.normalized.is_empty());
            prop_assert_eq!(c.normalized.clone(), c.normalized.to_lowercase());
        }
        let _ = codes::heading_code(&text);
    }

    #[test]
    fn tokenizer_is_deterministic_and_never_yields_empty_tokens(text in "\\PC{0,200}") {
        let a = tokenize(&text);
        let b = tokenize(&text);
        prop_assert_eq!(&a, &b);
        prop_assert!(a.iter().all(|t| !t.is_empty()));
    }
}
