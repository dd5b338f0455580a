//! Acceptance of issue 4: the real ko-KR index of the default site, written as
//! `search-index.js`, loaded into Node with the real `search.js`; every query of
//! `tests/fixtures/search/queries.tsv` (a copy of ../shared/search/queries.tsv) must find
//! its expected entry in the top 5, with a mean reciprocal rank of at least 0.9.

use crate::common;

use std::collections::BTreeMap;
use std::process::Command;

use errbook::model::Site;

fn node_available() -> bool {
    let ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: `node` is not installed, the search queries are not run");
    }
    ok
}

/// Runs `node` with these arguments, prints what it printed, and fails the test when it
/// exits non-zero.
fn run_node(args: &[&std::ffi::OsStr]) {
    let out = Command::new("node").args(args).output().expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "node failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Query {
    locale: String,
    guide: String,
    query: String,
    /// `section-anchor/row` alternatives.
    expected: Vec<String>,
    what: String,
}

fn queries() -> Vec<Query> {
    let text = std::fs::read_to_string(common::fixture("search/queries.tsv")).expect("queries.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 4, "bad line in queries.tsv: {l}");
            Query {
                locale: f[0].into(),
                guide: f[1].into(),
                query: f[2].into(),
                expected: f[3].split(';').map(|s| s.trim().to_string()).collect(),
                what: f.get(4).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

/// `section/row` → entry id, per guide of a locale.
fn ids(site: &Site, locale: &str) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for g in &site.locale(locale).expect("locale").guides {
        for e in g.entries() {
            out.insert(
                (g.slug.clone(), format!("{}/{}", e.section, e.row)),
                e.id.clone(),
            );
        }
    }
    out
}

#[test]
fn queries_find_their_entries_in_node() {
    if !node_available() {
        return;
    }
    let site_dir = common::default_site();
    let loaded = errbook::source::load_site(site_dir.path()).expect("load default site");
    let site = loaded.site;
    let queries = queries();
    let out = tempfile::tempdir().expect("tempdir");

    let mut js_queries = Vec::new();
    for locale in queries
        .iter()
        .map(|q| q.locale.clone())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let index = errbook::search::build_locale_index(site.locale(&locale).expect("locale"));
        let dir = out.path().join(&locale);
        std::fs::create_dir_all(&dir).expect("mkdir");
        for f in index.files() {
            std::fs::write(dir.join(&f.name), &f.content).expect("write index");
        }
        let ids = ids(&site, &locale);
        for q in queries.iter().filter(|q| q.locale == locale) {
            let expected: Vec<String> = q
                .expected
                .iter()
                .map(|e| {
                    ids.get(&(q.guide.clone(), e.clone()))
                        .unwrap_or_else(|| panic!("no entry {e} in {}/{}", q.locale, q.guide))
                        .clone()
                })
                .collect();
            js_queries.push(serde_json::json!({
                "index": dir.join(errbook::search::INDEX_FILE),
                "query": q.query, "expected": expected, "guide": q.guide, "what": q.what,
            }));
        }
    }
    let spec = out.path().join("queries.json");
    std::fs::write(&spec, serde_json::to_string(&js_queries).expect("json")).expect("write");
    let js = common::repo().join("themes/default/static/search.js");
    let script = r#"
const s = require(process.argv[1]);
const qs = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
let rr = 0, missing = 0;
const times = [];
for (const q of qs) {
  const index = require(q.index);
  s.search(index, 'warm up');
  const t0 = process.hrtime.bigint();
  const res = s.search(index, q.query, 10);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  let rank = 0;
  res.forEach((r, i) => {
    const slug = r.url.split('/')[0];
    if (!rank && r.kind === 'entry' && q.expected.includes(r.id) && slug === encodeURIComponent(q.guide)) rank = i + 1;
  });
  if (!rank || rank > 5) missing++;
  rr += rank ? 1 / rank : 0;
  const top = res.slice(0, 3).map(r => r.id + ' ' + r.score.toFixed(2)).join(' | ');
  console.log(String(rank || '-').padStart(2) + '  ' + q.query.padEnd(45) + ' ' + q.what.padEnd(36) + ' top: ' + top);
}
times.sort((a, b) => a - b);
const mrr = rr / qs.length;
console.log('MRR ' + mrr.toFixed(3) + ', ' + missing + ' not in top 5, query time median ' +
  times[Math.floor(times.length / 2)].toFixed(2) + ' ms, max ' + times[times.length - 1].toFixed(2) + ' ms');
if (missing || mrr < 0.9) process.exit(1);
"#;
    run_node(&["-e".as_ref(), script.as_ref(), js.as_ref(), spec.as_ref()]);
}

/// Index bytes beside the Markdown bytes of each locale of the default site. Set
/// `ERRBOOK_SEARCH_OUT=dir` to keep the written indexes, `ERRBOOK_SEARCH_SITE=root` to
/// measure another site instead.
#[test]
fn index_size_per_locale() {
    let site_dir = common::default_site();
    let root = std::env::var_os("ERRBOOK_SEARCH_SITE")
        .map_or_else(|| site_dir.path().to_path_buf(), std::path::PathBuf::from);
    let site = errbook::source::load_site(&root).expect("load").site;
    let keep = std::env::var_os("ERRBOOK_SEARCH_OUT").map(std::path::PathBuf::from);
    for locale in &site.locales {
        let markdown: u64 = locale
            .guides
            .iter()
            .map(|g| std::fs::metadata(root.join(&g.path)).map_or(0, |m| m.len()))
            .sum();
        let index = errbook::search::build_locale_index(locale);
        let files = index.files();
        let bytes: usize = files.iter().map(|f| f.content.len()).sum();
        let terms = index.data.terms.len();
        println!(
            "{}: index {bytes} bytes in {} file(s), Markdown {markdown} bytes ({:.2}×), {} documents, {terms} terms",
            locale.tag,
            files.len(),
            bytes as f64 / markdown.max(1) as f64,
            index.data.n
        );
        assert!(index.data.n > locale.guides.len(), "entries are indexed");
        let started = std::time::Instant::now();
        let _ = errbook::search::build_locale_index(locale);
        println!("  built in {:?} (debug build)", started.elapsed());
        if let Some(dir) = &keep {
            let dir = dir.join(&locale.tag);
            std::fs::create_dir_all(&dir).expect("mkdir");
            for f in &files {
                std::fs::write(dir.join(&f.name), &f.content).expect("write");
            }
        }
    }
}

/// A sharded index (forced with a tiny threshold) loaded shard by shard, the way the
/// browser does it, ranks exactly like the whole index.
#[test]
fn sharded_index_ranks_like_the_whole_one() {
    if !node_available() {
        return;
    }
    let site_dir = common::default_site();
    let site = errbook::source::load_site(site_dir.path())
        .expect("load")
        .site;
    let locale = site.locale("ko-KR").expect("ko-KR");
    let index = errbook::search::build_locale_index(locale);
    let out = tempfile::tempdir().expect("tempdir");
    let (whole, sharded) = (out.path().join("whole"), out.path().join("sharded"));
    for (dir, files) in [
        (&whole, index.files()),
        (&sharded, index.files_with_threshold(8 * 1024)),
    ] {
        std::fs::create_dir_all(dir).expect("mkdir");
        for f in files {
            std::fs::write(dir.join(&f.name), &f.content).expect("write");
        }
    }
    let shard_count = std::fs::read_dir(&sharded).expect("ls").count();
    assert!(
        shard_count > 3,
        "the tiny threshold shards the index ({shard_count} files)"
    );
    let queries: Vec<String> = queries().into_iter().map(|q| q.query).collect();
    let spec = out.path().join("q.json");
    std::fs::write(&spec, serde_json::to_string(&queries).expect("json")).expect("write");
    let js = common::repo().join("themes/default/static/search.js");
    let script = r#"
const s = require(process.argv[1]);
const path = require('path');
const [whole, sharded, spec] = process.argv.slice(2);
const qs = JSON.parse(require('fs').readFileSync(spec, 'utf8'));
const full = require(path.join(whole, 'search-index.js'));
const head = require(path.join(sharded, 'search-index.js'));
if (head.terms !== '' || head.docs.length) throw new Error('head holds no terms or docs');
let loaded = 0, bad = 0;
const load = names => names.forEach(n => {
  s.addShard(head, n, require(path.join(sharded, 'search-index.' + n + '.js'))); loaded++;
});
for (const q of qs) {
  load(s.neededShards(head, q));
  let r = s.search(head, q, 10);
  load(s.neededDocShards(head, r.map(x => x.doc)));
  r = s.search(head, q, 10);
  const a = JSON.stringify(r), b = JSON.stringify(s.search(full, q, 10));
  if (a !== b) { bad++; console.log('differs: ' + q + '\n  ' + a + '\n  ' + b); }
}
console.log(qs.length + ' queries, ' + loaded + ' shard loads, ' + bad + ' differ');
process.exit(bad ? 1 : 0);
"#;
    run_node(&[
        "-e".as_ref(),
        script.as_ref(),
        js.as_ref(),
        whole.as_ref(),
        sharded.as_ref(),
        spec.as_ref(),
    ]);
}

/// The browser half of search.js on a fake DOM (tests/fixtures/search/ui_smoke.js):
/// text-node rendering of hostile index text, keyboard, search page.
#[test]
fn browser_ui_smoke_test() {
    if !node_available() {
        return;
    }
    run_node(&[
        common::fixture("search/ui_smoke.js").as_ref(),
        common::repo()
            .join("themes/default/static/search.js")
            .as_ref(),
    ]);
}

#[test]
fn search_js_never_parses_html() {
    let js = errbook::search::SEARCH_JS;
    for banned in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "fetch(",
    ] {
        assert!(!js.contains(banned), "search.js uses {banned}");
    }
}
