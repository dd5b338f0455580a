//! The error-code extractor: codes in running text, in a code column, in a heading.
#![no_main]

use errbook::parse::codes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for c in codes::extract(text)
        .into_iter()
        .chain(codes::extract_from_code_field(text))
    {
        assert!(!c.normalized.is_empty(), "empty code from {text:?}");
        assert_eq!(c.normalized, c.normalized.to_lowercase());
    }
    let _ = codes::heading_code(text);
});
