//! The tokenizer table shared by the Rust and the JavaScript tokenizers
//! (`tests/fixtures/tokenizer_cases.json`), checked on both sides, plus a parity check
//! of both tokenizers over the default site's guides.
//!
//! `ERRBOOK_BLESS=1 cargo test --test it search_tokenizer` rewrites the expected tokens
//! from the Rust tokenizer (review the diff!).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> PathBuf {
    root().join("tests/fixtures/tokenizer_cases.json")
}

fn read_cases() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture()).expect("read tokenizer_cases.json");
    serde_json::from_str(&text).expect("tokenizer_cases.json is JSON")
}

/// `node`, or `None` with the reason printed (the JS half is skipped then).
pub fn node() -> Option<&'static str> {
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => Some("node"),
        _ => {
            println!("skipped: `node` is not installed, the JavaScript side is not checked");
            None
        }
    }
}

#[test]
fn rust_tokenizer_matches_the_table() {
    let cases = read_cases();
    if std::env::var_os("ERRBOOK_BLESS").is_some() {
        let blessed: Vec<Value> = cases
            .iter()
            .map(|c| {
                let text = c["text"].as_str().unwrap_or_default();
                let locale = c["locale"].as_str().unwrap_or_default();
                json!({"text": text, "locale": locale,
                       "tokens": errbook::search::analyze(text, locale)})
            })
            .collect();
        let out = serde_json::to_string_pretty(&blessed).expect("serialize") + "\n";
        std::fs::write(fixture(), out).expect("write fixture");
        return;
    }
    let mut failures = Vec::new();
    for c in &cases {
        let text = c["text"].as_str().expect("text");
        let locale = c["locale"].as_str().expect("locale");
        let expected: Vec<String> =
            serde_json::from_value(c["tokens"].clone()).expect("tokens is a list of strings");
        let got = errbook::search::analyze(text, locale);
        assert!(
            got.iter().all(|t| !t.is_empty()),
            "empty token for {text:?}"
        );
        if got != expected {
            failures.push(format!(
                "{text:?} ({locale})\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn run_node(script: &str, args: &[&Path]) -> String {
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .args(args)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "node failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn js_tokenizer_matches_the_table() {
    if node().is_none() {
        return;
    }
    let js = root().join("themes/default/static/search.js");
    let script = r#"
const s = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
let bad = 0;
for (const c of cases) {
  const got = s.tokenize(c.text, c.locale);
  if (JSON.stringify(got) !== JSON.stringify(c.tokens)) {
    bad++;
    console.log(JSON.stringify(c.text) + ' (' + c.locale + ')\n  expected ' +
      JSON.stringify(c.tokens) + '\n  got      ' + JSON.stringify(got));
  }
}
console.log(bad + ' mismatches of ' + cases.length);
process.exit(bad ? 1 : 0);
"#;
    let out = run_node(script, &[&js, &fixture()]);
    print!("{out}");
}

/// Every line of the default site's guides tokenizes alike on both sides.
#[test]
fn js_and_rust_agree_on_the_default_site() {
    if node().is_none() {
        return;
    }
    let mut lines = Vec::new();
    for (locale, file) in [
        ("ko-KR", "source/ko-KR/backup-azure-mabs-troubleshoot.md"),
        ("en-US", "source/en-US/backup-azure-mabs-troubleshoot.md"),
    ] {
        let text = std::fs::read_to_string(root().join(file)).expect("read guide");
        for line in text.lines() {
            lines.push(json!({"text": line, "locale": locale,
                              "tokens": errbook::search::analyze(line, locale)}));
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = dir.path().join("lines.json");
    std::fs::write(&cases, serde_json::to_string(&lines).expect("json")).expect("write");
    let js = root().join("themes/default/static/search.js");
    let script = r#"
const s = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
let bad = 0, tokens = 0;
for (const c of cases) {
  const got = s.tokenize(c.text, c.locale);
  tokens += got.length;
  if (JSON.stringify(got) !== JSON.stringify(c.tokens)) {
    if (++bad <= 5) console.log(JSON.stringify(c.text).slice(0, 200) + '\n  rust ' +
      JSON.stringify(c.tokens) + '\n  js   ' + JSON.stringify(got));
  }
}
console.log(cases.length + ' lines, ' + tokens + ' tokens, ' + bad + ' mismatching lines');
process.exit(bad ? 1 : 0);
"#;
    let out = run_node(script, &[&js, &cases]);
    print!("{out}");
}
