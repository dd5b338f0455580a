//! Rendering a small hand-made site: every page is there, every link resolves.

use std::path::PathBuf;

use crate::config::SiteConfig;
use crate::frontmatter::FrontMatter;
use crate::model::*;
use crate::theme::Theme;

use super::links::broken_links;
use super::{render_site, OutputFile, RenderOptions};

fn rt(text: &str, html: &str) -> RichText {
    RichText {
        text: text.into(),
        html: html.into(),
    }
}

fn code(value: &str, kind: CodeKind) -> Code {
    Code {
        raw: value.into(),
        kind,
        normalized: value.to_lowercase(),
        value: value.into(),
    }
}

fn entry(id: &str, section: &str, row: usize, message: &str, codes: Vec<Code>) -> ErrorEntry {
    ErrorEntry {
        id: id.into(),
        section: section.into(),
        row,
        pos: Pos {
            line: 10 + row,
            col: 1,
        },
        explicit_anchor: None,
        operation: Some(rt("Backup", "Backup")),
        message: rt(
            message,
            &format!(
                "<p>{}</p>",
                message.replace('<', "&lt;").replace('>', "&gt;")
            ),
        ),
        codes,
        variants: vec![],
        cause: Some(rt(
            "cause",
            "<p>See <a href=\"#vault\">vault</a> and <a href=\"other.md#basic\">other</a>.</p>",
        )),
        resolution: rt("fix it", "<ol><li>fix it</li></ol>"),
        severity: None,
        steps: vec!["fix it".into()],
        links: vec![],
    }
}

fn section(anchor: &str, title: &str, entries: Vec<ErrorEntry>) -> Section {
    Section {
        anchor: anchor.into(),
        explicit_anchor: true,
        title: title.into(),
        level: 2,
        pos: Pos { line: 5, col: 1 },
        prose: String::new(),
        entries,
        children: vec![],
    }
}

fn row(id: &str, row_anchor: bool) -> ErrorRowHtml {
    ErrorRowHtml {
        entry_id: id.into(),
        row_anchor,
        cells: vec![
            "Backup".into(),
            format!("<p>{id}</p>"),
            "fix <a href=\"#basic\">it</a>".into(),
        ],
    }
}

fn guide(slug: &str, title: &str, two_sections: bool) -> Guide {
    let mut sections = vec![section(
        "vault",
        "Vault",
        vec![entry(
            "vault",
            "vault",
            1,
            "Invalid vault <credentials>",
            vec![code("100110", CodeKind::Numeric)],
        )],
    )];
    let mut body = vec![
        Block::Html { html: "<p>Intro</p>\n<h2 id=\"basic\">Basic</h2>\n<ul><li>check</li></ul>\n<h2 id=\"vault\">Vault</h2>".into() },
        Block::ErrorTable(ErrorTableHtml {
            headers: vec!["Operation".into(), "Error <b>details</b>".into(), "Resolution".into()],
            rows: vec![row("vault", false)],
        }),
    ];
    if two_sections {
        sections.push(section(
            "replica",
            "Replica",
            vec![
                entry(
                    "replica-1",
                    "replica",
                    1,
                    "Replica is inconsistent",
                    vec![code("0x29834", CodeKind::Hex)],
                ),
                entry(
                    "복제본-2",
                    "replica",
                    2,
                    "Replica failed",
                    vec![
                        code("0x29834", CodeKind::Hex),
                        code("FileFaultFault", CodeKind::Symbolic),
                    ],
                ),
            ],
        ));
        body.push(Block::Html {
            html: "<h2 id=\"replica\">Replica</h2>".into(),
        });
        body.push(Block::ErrorTable(ErrorTableHtml {
            headers: vec![
                "Operation".into(),
                "Error details".into(),
                "Resolution".into(),
            ],
            rows: vec![row("replica-1", true), row("복제본-2", true)],
        }));
    }
    Guide {
        slug: slug.into(),
        path: PathBuf::from(format!("source/x/{slug}.md")),
        front_matter: FrontMatter::default(),
        title: title.into(),
        h1: Some(title.into()),
        description: Some("About backups".into()),
        intro: rt("Intro", "<p>Intro</p>"),
        checklist: vec![rt("check", "check <a href=\"#basic\">basic</a>")],
        sections,
        body,
        anchors: vec![],
        links: vec![],
        tables: vec![],
        source: String::new(),
        body_line: 1,
    }
}

/// A second guide whose entry has no codes, so code pages stay specific.
fn other() -> Guide {
    let mut g = guide("other", "Other", false);
    g.sections[0].entries[0].codes.clear();
    g
}

pub(crate) fn sample_site() -> Site {
    let config = SiteConfig {
        title: "Test site".into(),
        default_locale: "ko-KR".into(),
        ..SiteConfig::default()
    };
    Site {
        root: PathBuf::from("."),
        config,
        locales: vec![
            Locale {
                tag: "en-US".into(),
                guides: vec![guide("백업", "Backup", false), other()],
            },
            Locale {
                tag: "ko-KR".into(),
                guides: vec![guide("백업", "백업 문제 해결", true), other()],
            },
        ],
    }
}

fn render(site: &Site, minify: bool) -> Vec<OutputFile> {
    render_site(site, &Theme::builtin(), RenderOptions { minify })
        .expect("renders")
        .0
}

fn page<'f>(files: &'f [OutputFile], path: &str) -> &'f str {
    let f = files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"));
    std::str::from_utf8(&f.bytes).expect("utf-8")
}

#[test]
fn renders_every_page_with_working_links() {
    for minify in [false, true] {
        let files = render(&sample_site(), minify);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        for want in [
            "index.html",
            "404.html",
            "assets/style.css",
            "assets/errbook.js",
            "ko-KR/index.html",
            "ko-KR/백업/index.html",
            "ko-KR/백업/vault.html",
            "ko-KR/백업/replica-1.html",
            "ko-KR/백업/복제본-2.html",
            "ko-KR/codes/index.html",
            "ko-KR/codes/0x29834.html",
            "ko-KR/codes/100110.html",
            "ko-KR/codes/filefaultfault.html",
            "ko-KR/errors.json",
            "en-US/백업/vault.html",
        ] {
            assert!(paths.contains(&want), "missing {want} in {paths:?}");
        }
        assert!(
            !paths.contains(&"sitemap.xml"),
            "no sitemap without base_url"
        );
        let broken = broken_links(&files);
        assert!(broken.is_empty(), "minify={minify}: {:#?}", broken);
    }
}

#[test]
fn pages_say_what_they_should() {
    let files = render(&sample_site(), false);
    let root = page(&files, "index.html");
    assert!(
        root.contains(r#"<meta http-equiv="refresh" content="0; url=ko-KR/index.html">"#),
        "{root}"
    );
    assert!(root.contains(r#"<html lang="ko-KR">"#));

    let e = page(&files, "ko-KR/백업/vault.html");
    assert!(e.contains(r#"<html lang="ko-KR">"#));
    assert!(
        e.contains("<h1>Invalid vault &lt;credentials&gt;</h1>"),
        "title escaped: {e}"
    );
    assert!(
        e.contains(r#"href="index.html#vault""#),
        "back to the row, and #vault rewritten"
    );
    assert!(
        e.contains(r#"href="../other/index.html#basic""#),
        "other.md links to the guide page"
    );
    assert!(e.contains(r#"data-copy="100110""#));
    assert!(
        e.contains("시작하기 전에"),
        "checklist under 'before you start'"
    );
    assert!(
        e.contains(r#"href="../../en-US/%EB%B0%B1%EC%97%85/vault.html""#),
        "same entry in en-US"
    );
    assert!(e.contains(r#"rel="next" href="replica-1.html""#));

    let g = page(&files, "ko-KR/백업/index.html");
    assert!(g.contains(r#"<tr id="복제본-2">"#), "row ids");
    assert!(
        !g.contains(r#"<tr id="vault">"#),
        "no duplicate id when the heading has it"
    );
    assert!(
        g.contains(r#"href="%EB%B3%B5%EC%A0%9C%EB%B3%B8-2.html""#),
        "percent-encoded hrefs"
    );

    let many = page(&files, "ko-KR/codes/0x29834.html");
    assert!(
        !many.contains("http-equiv"),
        "several entries: a list, no redirect"
    );
    let one = page(&files, "ko-KR/codes/100110.html");
    assert!(
        one.contains(r#"content="0; url=../%EB%B0%B1%EC%97%85/vault.html""#),
        "{one}"
    );

    let home = page(&files, "ko-KR/index.html");
    assert!(home.contains(r#"<form class="search""#));
    assert!(home.contains("오류 3개"), "entry counts: {home}");
}

#[test]
fn minified_pages_keep_what_validity_needs() {
    let files = render(&sample_site(), true);
    let e = page(&files, "ko-KR/백업/vault.html");
    assert!(
        e.to_ascii_lowercase()
            .starts_with("<!doctype html><html lang=\"ko-kr\"><head>"),
        "{}",
        &e[..80]
    );
    assert!(e.contains("</li>") && e.contains("</body></html>"), "{e}");
}

#[test]
fn sitemap_and_canonical_only_with_base_url() {
    let mut site = sample_site();
    site.config.base_url = Some("https://intra.example/kb/".into());
    let files = render(&site, false);
    let sitemap = page(&files, "sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://intra.example/kb/ko-KR/%EB%B0%B1%EC%97%85/vault.html</loc>")
    );
    assert!(
        !sitemap.contains("codes/100110.html"),
        "redirect pages stay out"
    );
    let e = page(&files, "ko-KR/백업/vault.html");
    assert!(e.contains(r#"<link rel="canonical" href="https://intra.example/kb/ko-KR/%EB%B0%B1%EC%97%85/vault.html">"#));
    assert!(broken_links(&files).is_empty());
}

#[test]
fn broken_override_names_template_and_line_at_render_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = dir.path().join("themes").join("mine");
    std::fs::create_dir_all(&t).expect("mkdir");
    std::fs::write(t.join("code.html"), "{% extends \"base.html\" %}\n{% block main %}\n{{ no_such_thing.x }}\n{% endblock main %}\n")
        .expect("write");
    let theme = Theme::load(dir.path(), "mine").expect("load");
    let err = render_site(&sample_site(), &theme, RenderOptions::default()).expect_err("fails");
    let msg = err.to_string();
    assert!(msg.contains("themes/mine/code.html:3:"), "{msg}");
}

#[test]
fn images_are_published_linked_or_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let media = dir.path().join("source/ko-KR/media");
    std::fs::create_dir_all(&media).expect("mkdir");
    std::fs::write(media.join("a b.png"), b"PNG").expect("write");
    let mut site = sample_site();
    site.root = dir.path().to_path_buf();
    for l in &mut site.locales {
        for g in &mut l.guides {
            g.path = PathBuf::from(format!("source/{}/{}.md", l.tag, g.slug));
            g.body.push(Block::Html {
                html: "<p><img src=\"./media/a%20b.png\" alt=\"shot\"> <img src=\"https://e.example/x.png\" alt=\"remote\"> \
                       <img src=\"media/gone.png\" alt=\"gone\"> <a href=\"/abs/path\">abs</a></p>"
                    .into(),
            });
        }
    }
    let files = render(&site, false);
    let image = files
        .iter()
        .find(|f| f.path == "ko-KR/media/a b.png")
        .expect("image published");
    assert_eq!(image.bytes, b"PNG");
    let g = page(&files, "ko-KR/백업/index.html");
    assert!(
        g.contains(r#"<img src="../../ko-KR/media/a%20b.png" alt="shot">"#),
        "{g}"
    );
    assert!(g.contains(r#"<a class="external-image" href="https://e.example/x.png">remote</a>"#));
    assert!(g.contains(r#"<span class="missing-image">gone</span>"#));
    assert!(g.contains(r#"<a data-source-href="/abs/path">abs</a>"#));
    let en = page(&files, "en-US/백업/index.html");
    assert!(
        en.contains(r#"<span class="missing-image">shot</span>"#),
        "en-US has no media folder"
    );
    assert!(
        broken_links(&files).is_empty(),
        "{:#?}",
        broken_links(&files)
    );
}

#[test]
fn deeply_nested_html_is_left_unminified_instead_of_overflowing() {
    let deep = "<ul><li>".repeat(20_000) + "x";
    // On a small stack, as rayon's worker threads have.
    let out = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || super::minify(deep.as_bytes()))
        .expect("spawn")
        .join()
        .expect("no overflow");
    assert_eq!(out.len(), 20_000 * 8 + 1);
    assert_eq!(super::minify(b"<p> a  <br> b </p>"), b"<p>a <br> b</p>");
}

#[test]
fn fragments_closing_outer_elements_are_detected() {
    assert!(super::closes_outer(b"<li>a</li></ul>"));
    assert!(!super::closes_outer(b"<p>a<ul><li>b</li></ul></p>"));
    assert!(!super::closes_outer(b"a <br> b"));
}

#[test]
fn errors_json_put_together_from_guides_equals_the_export() {
    let site = sample_site();
    let files = render(&site, false);
    for l in &site.locales {
        let path = format!("{}/errors.json", l.tag);
        let json = files.iter().find(|f| f.path == path).expect("errors.json");
        let expected = format!("{}\n", crate::export::locale_json(l));
        assert_eq!(String::from_utf8_lossy(&json.bytes), expected);
    }
    // What a build streams, a batch of guides at a time, is the same file; with more
    // guides than one batch holds.
    let mut big = site.locales[0].clone();
    let one = big.guides.clone();
    while big.guides.len() < 150 {
        big.guides.extend(one.iter().cloned());
    }
    let mut streamed = Vec::new();
    super::locale_errors_json(&big, &mut |piece| streamed.extend_from_slice(piece));
    let expected = format!("{}\n", crate::export::locale_json(&big));
    assert_eq!(String::from_utf8_lossy(&streamed), expected);
}

#[test]
fn a_cached_render_equals_a_fresh_one() {
    let site = sample_site();
    let theme = crate::theme::Theme::builtin();
    let opts = RenderOptions { minify: false };
    let templates =
        std::sync::Arc::new(super::Templates::compile(&theme, opts).expect("templates"));
    let cache = super::DerivedCache::default();
    let all = |cache: Option<&super::DerivedCache>| {
        let r = super::Renderer::with_cache(&site, &theme, templates.clone(), opts, cache)
            .expect("renderer");
        r.jobs()
            .into_iter()
            .map(|j| r.render(j).expect("render"))
            .map(|f| (f.path, f.bytes))
            .collect::<Vec<_>>()
    };
    let fresh = all(None);
    assert_eq!(all(Some(&cache)), fresh);
    // The second time every guide comes from the cache.
    assert_eq!(all(Some(&cache)), fresh);
}

#[test]
fn fragments_passed_over_by_the_minifier_are_what_it_would_give_back() {
    let min = |s: &str| String::from_utf8(super::minify(s.as_bytes())).unwrap();
    let check = |html: &str| match super::minify_simple(html) {
        None => false,
        Some(answer) => {
            assert_eq!(answer, min(html), "{html:?}");
            true
        }
    };
    // Fragments of real guides.
    for html in [
        "자격 증명 모음을(를) 찾을 수 없습니다. (0x27b04)",
        "Error \"quoted\" > 'single' = ok; (ID: 4024) …",
        "エラー ID: 33621、再試行してください。",
        "a/b?c=d#e",
        "Restart the service. <br> Check the event log.",
        "<strong>원인:</strong><br/>연결하지 못했습니다<br/><strong>권장 작업:</strong><br/>\
         <ol><li>다시 시도합니다.</li><li>지원에 문의합니다.</li></ol>",
        "Set <code>RefsEnableInlineTrim</code> to <b>1</b>. <br />Restart.",
    ] {
        assert!(check(html), "{html:?} should be passed over");
    }
    // Every sequence of up to three of these pieces, and of up to four of the commonest:
    // wherever the shortcut answers, minify-html answers the same.
    let common = [
        "a",
        " ",
        "<br>",
        "<br/>",
        "<strong>",
        "</strong>",
        "<code>",
        "</code>",
        "<ol>",
        "</ol>",
        "<li>",
        "</li>",
        "<b>",
        "</b>",
    ];
    let rarer = [
        "오류",
        "  ",
        ">",
        "\"q'",
        "\u{a0}",
        "\u{b}",
        "\n",
        "&amp;",
        "<br />",
        "</br>",
        "<BR>",
        "<ul>",
        "</ul>",
        "<p>",
        "<a href=\"x\">",
        "</a>",
    ];
    let pieces: Vec<&str> = common.iter().chain(&rarer).copied().collect();
    let mut answered = 0;
    let mut seqs = |set: &[&str], n: usize| {
        for html in crate::text::sequences(set, n) {
            answered += usize::from(check(&html));
        }
    };
    for n in 1..=3 {
        seqs(&pieces, n);
    }
    seqs(&common, 4);
    seqs(
        &[
            "a", " ", "<br>", "<b>", "</b>", "<ol>", "</ol>", "<li>", "</li>",
        ],
        5,
    );
    // Most sequences are not well nested; enough are for the comparison to mean something.
    assert!(answered > 1_500, "only {answered} passed over");
    // What the minifier would change is never passed over.
    for html in [
        " lead",
        "trail ",
        "two  spaces",
        "a\nb",
        "&amp;",
        "<a href=\"x\">x</a>",
        "<ol> <li>x</li></ol>",
        "</li></ol>",
        "<strong>x",
    ] {
        assert!(super::minify_simple(html).is_none(), "{html:?}");
    }
}
