//! A guide file, bytes as read from disk → front matter + Markdown → the model, then
//! the checker and `--sanitize` on it. The first byte picks the locale (each has its own
//! header vocabulary).
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use errbook::model::{Locale, Site};
use errbook::parse::Vocabulary;
use libfuzzer_sys::fuzz_target;

const LOCALES: [&str; 3] = ["en-US", "ko-KR", "ja-JP"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let locale = LOCALES[usize::from(pick) % LOCALES.len()];
    let vocab = Vocabulary::for_locale(locale, &BTreeMap::new());
    let rel = Path::new("source").join(locale).join("g.md");
    let (guide, diags) = errbook::source::load_guide(None, &rel, locale, bytes, &vocab);
    let Some(mut guide) = guide else {
        assert!(!diags.is_empty(), "a guide that does not load says why");
        return;
    };
    let mut ids: Vec<String> = guide
        .entries()
        .iter()
        .map(|e| e.id.to_lowercase())
        .collect();
    assert!(ids.iter().all(|i| !i.is_empty()), "empty entry id");
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "entry ids are unique ignoring case");

    let site = Site {
        root: Path::new(".").to_path_buf(),
        config: Default::default(),
        locales: vec![Locale {
            tag: locale.to_owned(),
            guides: vec![guide.clone()],
        }],
    };
    let _ = errbook::check::raw_findings(&site);

    errbook::sanitize::sanitize_guide(&mut guide);
    let json = serde_json::to_string(&guide.body)
        .unwrap_or_default()
        .to_ascii_lowercase();
    for tag in ["<script", "<iframe", "<style", "<object", "<embed"] {
        assert!(!json.contains(tag), "{tag} left after sanitizing");
    }
});
