//! `errbook build` on the default site: the pages the issue asks for, links that work from
//! `file://`, atomic publishing, refusals and theme errors.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use errbook::build::{build, BuildOptions};
use errbook::render::links::broken_links;
use errbook::render::OutputFile;

fn opts(minify: bool) -> BuildOptions {
    BuildOptions { minify, quiet: true, ..BuildOptions::default() }
}

/// Every file under `dir`, by `/`-separated relative path.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("prefix");
            let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            (rel.join("/"), std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

fn as_files(tree: &BTreeMap<String, Vec<u8>>) -> Vec<OutputFile> {
    tree.iter().map(|(p, b)| OutputFile { path: p.clone(), bytes: b.clone() }).collect()
}

#[test]
fn default_site_builds_every_page_and_every_link_resolves() {
    let site = common::default_site();
    let minify = std::env::var_os("ERRBOOK_NO_MINIFY").is_none();
    let report = build(site.path(), &opts(minify)).expect("builds");
    let out = site.path().join("output");
    let tree = read_tree(&out);
    assert_eq!(report.stats.locales, 2, "{report}");
    for tag in ["ko-KR", "en-US"] {
        let in_locale = |p: &str| tree.keys().filter(|k| k.starts_with(&format!("{tag}/{p}"))).count();
        let guide = "backup-azure-mabs-troubleshoot";
        let error_pages = tree
            .keys()
            .filter(|k| k.starts_with(&format!("{tag}/{guide}/")) && !k.ends_with("/index.html"))
            .count();
        assert_eq!(error_pages, 27, "{tag}: error pages");
        assert!(tree.contains_key(&format!("{tag}/{guide}/index.html")), "{tag}: guide page");
        assert!(tree.contains_key(&format!("{tag}/index.html")), "{tag}: locale home");
        assert!(tree.contains_key(&format!("{tag}/codes/index.html")), "{tag}: code index");
        assert_eq!(in_locale("codes/") - 1, 13, "{tag}: code pages");
        assert!(tree.contains_key(&format!("{tag}/errors.json")));
    }
    for f in ["index.html", "404.html", ".errbook-output", "assets/style.css", "assets/errbook.js"] {
        assert!(tree.contains_key(f), "{f}");
    }
    assert!(!tree.contains_key("sitemap.xml"), "no base_url, no sitemap");
    assert_eq!(report.stats.error_pages, 54);
    let broken = broken_links(&as_files(&tree));
    assert!(broken.is_empty(), "{} broken links:\n{}", broken.len(), broken.iter().map(|b| b.to_string()).collect::<Vec<_>>().join("\n"));
    if let Ok(dump) = std::env::var("ERRBOOK_DUMP") {
        common::copy_dir(&out, &PathBuf::from(dump));
    }
}
