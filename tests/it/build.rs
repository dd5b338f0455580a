//! `errbook build` on the default site: the pages the issue asks for, links that work from
//! `file://`, atomic publishing, refusals and theme errors.

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use errbook::build::{build, BuildOptions};

fn opts(minify: bool) -> BuildOptions {
    BuildOptions {
        minify,
        quiet: true,
        ..BuildOptions::default()
    }
}

use common::{as_files, read_tree};

#[test]
fn default_site_builds_every_page_and_every_link_resolves() {
    let site = common::default_site();
    let minify = std::env::var_os("ERRBOOK_NO_MINIFY").is_none();
    let report = build(site.path(), &opts(minify)).expect("builds");
    let out = site.path().join("output");
    let tree = read_tree(&out);
    assert_eq!(report.stats.locales, 2, "{report}");
    for tag in ["ko-KR", "en-US"] {
        let in_locale = |p: &str| {
            tree.keys()
                .filter(|k| k.starts_with(&format!("{tag}/{p}")))
                .count()
        };
        let guide = "backup-azure-mabs-troubleshoot";
        let error_pages = tree
            .keys()
            .filter(|k| k.starts_with(&format!("{tag}/{guide}/")) && !k.ends_with("/index.html"))
            .count();
        assert_eq!(error_pages, 27, "{tag}: error pages");
        assert!(
            tree.contains_key(&format!("{tag}/{guide}/index.html")),
            "{tag}: guide page"
        );
        assert!(
            tree.contains_key(&format!("{tag}/index.html")),
            "{tag}: locale home"
        );
        assert!(
            tree.contains_key(&format!("{tag}/codes/index.html")),
            "{tag}: code index"
        );
        assert_eq!(in_locale("codes/") - 1, 13, "{tag}: code pages");
        assert!(tree.contains_key(&format!("{tag}/errors.json")));
    }
    for f in [
        "index.html",
        "404.html",
        ".errbook-output",
        "assets/style.css",
        "assets/errbook.js",
    ] {
        assert!(tree.contains_key(f), "{f}");
    }
    assert!(!tree.contains_key("sitemap.xml"), "no base_url, no sitemap");
    assert_eq!(report.stats.error_pages, 54);
    common::assert_no_broken_links(&as_files(&tree));
    if let Ok(dump) = std::env::var("ERRBOOK_DUMP") {
        common::copy_dir(&out, &PathBuf::from(dump));
    }
}

/// What a build left beside the output folder: staging folders it should have removed.
fn staging_leftovers(root: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(root)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".errbook-"))
        .collect()
}

#[test]
fn a_failed_build_leaves_the_earlier_output_byte_for_byte() {
    let site = common::default_site();
    build(site.path(), &opts(true)).expect("first build");
    let out = site.path().join("output");
    let before = read_tree(&out);
    std::fs::write(
        site.path().join("source/ko-KR/broken.md"),
        "---\ntitle: [unclosed\n---\n# Broken\n",
    )
    .expect("write broken guide");
    let err = build(site.path(), &opts(true)).expect_err("broken front matter fails the build");
    match &err {
        errbook::Error::Input(diags) => {
            assert!(
                diags.iter().any(|d| d.file.ends_with("broken.md")),
                "{diags:#?}"
            )
        }
        other => panic!("expected input errors, got {other}"),
    }
    assert_eq!(read_tree(&out), before, "the earlier site is untouched");
    let leftovers = staging_leftovers(site.path());
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// What a sync tool or a file share sees: a rebuild with nothing changed writes no
/// file (not even the manifest); after one Korean row is edited, only the pages and
/// files that show it are new.
#[test]
fn a_rebuild_writes_only_what_changed() {
    let site = common::default_site();
    build(site.path(), &opts(true)).expect("first build");
    let out = site.path().join("output");
    let times = || -> BTreeMap<String, std::time::SystemTime> {
        walkdir::WalkDir::new(&out)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&out)
                    .expect("inside")
                    .to_string_lossy();
                let time = std::fs::metadata(e.path())
                    .and_then(|m| m.modified())
                    .expect("mtime");
                (rel.replace('\\', "/"), time)
            })
            .collect()
    };
    let before = times();
    build(site.path(), &opts(true)).expect("second build");
    assert_eq!(times(), before, "nothing changed, nothing written");

    let guide = site
        .path()
        .join("source/ko-KR/backup-azure-mabs-troubleshoot.md");
    let text = std::fs::read_to_string(&guide).expect("read");
    let fix = "보호 그룹 마법사의 자동 일관성 검사 옵션이 켜져 있는지 확인합니다.";
    assert_eq!(text.matches(fix).count(), 1);
    std::fs::write(&guide, text.replace(fix, &format!("{fix} (수정됨)"))).expect("edit");
    build(site.path(), &opts(true)).expect("third build");
    let after = times();
    let changed: Vec<&str> = (after.iter())
        .filter(|&(p, t)| before.get(p) != Some(t))
        .map(|(p, _)| p.as_str())
        .collect();
    let dir = "ko-KR/backup-azure-mabs-troubleshoot/";
    assert!(
        changed.contains(&"ko-KR/backup-azure-mabs-troubleshoot/index.html"),
        "{changed:?}"
    );
    let entry_pages = (changed.iter())
        .filter(|p| p.starts_with(dir) && !p.ends_with("/index.html"))
        .count();
    assert_eq!(entry_pages, 1, "{changed:?}");
    assert!(
        changed
            .iter()
            .all(|p| p.starts_with("ko-KR/") || p.starts_with(".errbook-")),
        "{changed:?}"
    );
}

#[test]
fn a_theme_override_with_a_template_error_names_file_and_line() {
    let site = common::default_site();
    let yaml = site.path().join("source/site.yaml");
    let config = std::fs::read_to_string(&yaml)
        .expect("read")
        .replace("theme: default", "theme: mine");
    std::fs::write(&yaml, config).expect("write");
    let theme = site.path().join("themes/mine");
    std::fs::create_dir_all(&theme).expect("mkdir");
    std::fs::write(
        theme.join("entry.html"),
        "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ entry.title }</h1>\n{% endblock main %}\n",
    )
    .expect("write");
    let err = build(site.path(), &opts(true)).expect_err("template error");
    let msg = err.to_string();
    assert!(msg.contains("themes/mine/entry.html:3:"), "{msg}");
    assert!(!site.path().join("output").exists(), "nothing written");

    // An error found only while rendering names the file and line too.
    std::fs::write(
        theme.join("entry.html"),
        "{% extends \"base.html\" %}\n{% block main %}\n\n{{ entry.no_such_field }}\n{% endblock main %}\n",
    )
    .expect("write");
    let msg = build(site.path(), &opts(true))
        .expect_err("render error")
        .to_string();
    assert!(msg.contains("themes/mine/entry.html:4:"), "{msg}");
    // The search indexes and errors.json are written while pages render: a page that
    // fails must leave none of them behind, published or staged.
    assert!(!site.path().join("output").exists(), "nothing written");
    let leftovers = staging_leftovers(site.path());
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn broken_ui_strings_name_the_first_locales_file_every_time() {
    // Locales are indexed side by side; the error must not depend on which finishes first.
    // (en-US, the fallback every locale reads first, stays valid.)
    let site = common::default_site();
    let src = site.path().join("source");
    common::copy_dir(&src.join("en-US"), &src.join("ja-JP"));
    let i18n = site.path().join("themes/default/i18n");
    std::fs::create_dir_all(&i18n).expect("mkdir");
    for tag in ["ja-JP", "ko-KR"] {
        std::fs::write(i18n.join(format!("{tag}.yaml")), "home: [unclosed\n").expect("write");
    }
    for _ in 0..5 {
        let msg = build(site.path(), &opts(true))
            .expect_err("bad UI strings")
            .to_string();
        assert!(msg.contains("i18n/ja-JP.yaml:"), "{msg}");
        assert!(!site.path().join("output").exists(), "nothing written");
    }
}

#[test]
fn a_theme_override_replaces_one_file() {
    let site = common::default_site();
    let css = site.path().join("themes/default/static/style.css");
    std::fs::create_dir_all(css.parent().expect("parent")).expect("mkdir");
    std::fs::write(&css, "body { color: rebeccapurple }\n").expect("write");
    build(site.path(), &opts(true)).expect("builds");
    let out = site.path().join("output");
    assert_eq!(
        std::fs::read_to_string(out.join("assets/style.css")).expect("css"),
        "body { color: rebeccapurple }\n"
    );
    assert!(
        out.join("assets/errbook.js").is_file(),
        "the other files stay built in"
    );
}

#[test]
fn refuses_to_write_where_it_must_not() {
    let site = common::default_site();
    let root = site.path();
    std::fs::create_dir_all(root.join("docs")).expect("mkdir");
    std::fs::write(root.join("docs/readme.txt"), "mine").expect("write");
    for (out, why) in [
        (PathBuf::from("."), "site root itself"),
        (PathBuf::from(".."), "contains the site root"),
        (PathBuf::from("source"), "inside `source/`"),
        (PathBuf::from("themes/x"), "inside `themes/`"),
        (PathBuf::from("docs"), "no `.errbook-output`"),
    ] {
        let o = BuildOptions {
            out: out.clone(),
            ..opts(true)
        };
        let err = build(root, &o).expect_err(why);
        assert!(err.to_string().contains(why), "{}: {err}", out.display());
    }
    assert_eq!(
        std::fs::read_to_string(root.join("docs/readme.txt")).expect("kept"),
        "mine"
    );
}

#[test]
fn locale_option_limits_the_build() {
    let site = common::default_site();
    let o = BuildOptions {
        locales: vec!["en-us".into()],
        ..opts(true)
    };
    let report = build(site.path(), &o).expect("builds");
    assert_eq!(report.stats.locales, 1);
    let out = site.path().join("output");
    assert!(out.join("en-US/index.html").is_file());
    assert!(!out.join("ko-KR").exists());
    let root = std::fs::read_to_string(out.join("index.html")).expect("root");
    assert!(
        root.contains("url=en-US/index.html"),
        "the only locale is the default: {root}"
    );
    common::assert_no_broken_links(&as_files(&read_tree(&out)));
}

#[test]
fn error_page_snapshot() {
    let site = common::default_site();
    build(site.path(), &opts(false)).expect("builds");
    let page = site
        .path()
        .join("output/en-US/backup-azure-mabs-troubleshoot/0x29834.html");
    insta::assert_snapshot!(std::fs::read_to_string(page).expect("page"));
}
