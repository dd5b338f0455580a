//! `build --sanitize` on the hostile fixture (issue 10): raw HTML passes through without
//! the flag; with it, no error page keeps a script of the guide, an `on…` handler or a
//! `javascript:`/`data:` URL, and every link of the site still resolves.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{as_files, assert_no_broken_links, errbook, read_tree, start_tags, stderr};

type Tags = Vec<(String, Vec<(String, String)>)>;

/// The error pages of a build (`<locale>/<guide>/<id>.html`) and the guide pages, parsed.
fn pages(out: &Path) -> BTreeMap<String, Tags> {
    read_tree(out)
        .into_iter()
        .filter(|(p, _)| p.matches('/').count() == 2 && p.ends_with(".html"))
        .filter(|(p, _)| !p.contains("/codes/"))
        .map(|(p, b)| (p, start_tags(&String::from_utf8_lossy(&b))))
        .collect()
}

fn scripts(tags: &Tags) -> Vec<&(String, Vec<(String, String)>)> {
    tags.iter().filter(|(n, _)| n == "script").collect()
}

/// The theme's own scripts: external files it ships in `assets/`.
fn is_theme_script(attrs: &[(String, String)]) -> bool {
    attrs
        .iter()
        .any(|(a, v)| a == "src" && v.contains("assets/") && v.ends_with(".js"))
}

fn handlers(tags: &Tags) -> Vec<String> {
    tags.iter()
        .flat_map(|(n, attrs)| attrs.iter().map(move |(a, v)| (n, a, v)))
        .filter(|(_, a, _)| a.starts_with("on"))
        .map(|(n, a, v)| format!("<{n} {a}={v}>"))
        .collect()
}

fn script_urls(tags: &Tags) -> Vec<String> {
    const URL_ATTRS: [&str; 7] = [
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "poster",
        "xlink:href",
    ];
    tags.iter()
        .flat_map(|(n, attrs)| attrs.iter().map(move |(a, v)| (n, a, v)))
        .filter(|(_, a, _)| URL_ATTRS.contains(&a.as_str()))
        .filter(|(_, _, v)| {
            // Browsers ignore whitespace and control characters inside a scheme.
            let squeezed: String = v
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase()
                .replace("&#x09;", "");
            ["javascript:", "vbscript:", "data:"]
                .iter()
                .any(|s| squeezed.starts_with(s))
        })
        .map(|(n, a, v)| format!("<{n} {a}={v}>"))
        .collect()
}

fn embedded(tags: &Tags) -> Vec<&str> {
    tags.iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| matches!(*n, "iframe" | "object" | "embed" | "style" | "svg"))
        .collect()
}

#[test]
fn sanitize_strips_scripts_handlers_and_script_urls_from_every_error_page() {
    let site = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &common::fixture("xss").join("source"),
        &site.path().join("source"),
    );
    let plain = errbook(site.path(), &["-q", "build", "--out", "plain"]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    let clean = errbook(
        site.path(),
        &["-q", "build", "--sanitize", "--out", "clean"],
    );
    assert!(clean.status.success(), "{}", stderr(&clean));

    let raw = pages(&site.path().join("plain"));
    let sanitized = pages(&site.path().join("clean"));
    assert_eq!(
        raw.keys().collect::<Vec<_>>(),
        sanitized.keys().collect::<Vec<_>>(),
        "the same pages"
    );
    assert!(
        sanitized.len() >= 9,
        "the fixture's error and guide pages: {:?}",
        sanitized.keys()
    );

    // Without the flag the author's HTML passes through (so this test can fail).
    let all_raw: Tags = raw.values().flatten().cloned().collect();
    assert!(
        !handlers(&all_raw).is_empty(),
        "no handler got through unsanitized"
    );
    assert!(!script_urls(&all_raw).is_empty());
    assert!(scripts(&all_raw).iter().any(|(_, a)| !is_theme_script(a)));

    for (path, tags) in &sanitized {
        let theme_scripts: Vec<_> = scripts(&raw[path])
            .into_iter()
            .filter(|(_, a)| is_theme_script(a))
            .collect();
        assert_eq!(
            scripts(tags),
            theme_scripts,
            "{path}: scripts other than the theme's"
        );
        assert_eq!(
            handlers(tags),
            Vec::<String>::new(),
            "{path}: event handlers"
        );
        assert_eq!(
            script_urls(tags),
            Vec::<String>::new(),
            "{path}: script URLs"
        );
        assert_eq!(
            embedded(tags),
            Vec::<&str>::new(),
            "{path}: embedded content"
        );
    }

    // What guides legitimately use stays: the text, the table, links between guides.
    let page = |p: &str| {
        String::from_utf8_lossy(&std::fs::read(site.path().join("clean").join(p)).expect("read"))
            .into_owned()
    };
    let guide = page("en-US/handlers/index.html");
    assert!(
        guide.contains("A block with a handler."),
        "callout text kept"
    );
    assert!(guide.contains("<table"), "error table kept");
    assert!(
        guide.contains("../hostile/index.html#injected-messages"),
        "a link to another guide still goes to its page"
    );
    assert!(
        guide.contains("Octopus <b>bold</b> handler"),
        "harmless markup kept"
    );
    assert!(page("en-US/handlers/7101.html").contains("Octopus bold handler"));
    assert_no_broken_links(&as_files(&read_tree(&site.path().join("clean"))));
}

#[test]
fn bundles_are_sanitized_too() {
    let site = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &common::fixture("xss").join("source"),
        &site.path().join("source"),
    );
    let handlers_in = |args: &[&str]| -> Vec<String> {
        let out = errbook(site.path(), args);
        assert!(out.status.success(), "{}", stderr(&out));
        let zip = std::fs::read_dir(site.path().join("bundles"))
            .expect("bundles")
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with("-en-US.zip"))
            .expect("the en-US bundle")
            .path();
        let mut archive =
            zip::ZipArchive::new(std::fs::File::open(&zip).expect("open")).expect("zip");
        let mut found = Vec::new();
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).expect("entry");
            if !f.name().ends_with(".html") {
                continue;
            }
            let mut html = String::new();
            std::io::Read::read_to_string(&mut f, &mut html).expect("read");
            found.extend(handlers(&start_tags(&html)));
        }
        found
    };
    assert!(
        !handlers_in(&["-q", "bundle"]).is_empty(),
        "the fixture has handlers"
    );
    assert_eq!(
        handlers_in(&["-q", "bundle", "--sanitize"]),
        Vec::<String>::new()
    );
}
