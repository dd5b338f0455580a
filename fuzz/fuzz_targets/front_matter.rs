//! Front matter alone: splitting it from the body and reading its YAML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(split) = errbook::frontmatter::split(text) else {
        return;
    };
    assert!(
        split.body_start <= text.len(),
        "body starts inside the text"
    );
    assert!(
        text.is_char_boundary(split.body_start),
        "body starts on a char boundary"
    );
    if let Some(yaml) = split.yaml {
        let _ = errbook::frontmatter::parse(yaml, split.yaml_line);
    }
});
