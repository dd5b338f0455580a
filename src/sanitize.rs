//! `--sanitize`: cleans the HTML of every guide with ammonia, for sites built from
//! contributions nobody vetted.
//!
//! Raw HTML in a guide is normally the author's and passes through. With `--sanitize`
//! every HTML string of the model is cleaned after parsing and before rendering: what
//! guides legitimately use stays (tables, lists, `<br>`, anchors, images, callouts,
//! `<details>`, code), while scripts, `on…` handlers, `<iframe>`/`<object>`/`<embed>`/
//! `<style>` and URLs with a scheme other than the usual web ones (`javascript:`,
//! `data:`, `vbscript:` …) are removed. Relative links and anchors are kept as written,
//! so links between guides still work. Plain-text fields (titles, the search index) are
//! never HTML and need no cleaning: templates and the search script escape them.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use rayon::prelude::*;

use crate::model::{Block, ErrorEntry, Guide, RichText, Section, Site};

/// The cleaner: ammonia's defaults (a conservative set of tags, only `http`, `https`,
/// `mailto`… URLs, comments stripped) widened by what the parser and the theme emit.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags(["input"])
        // Anchors (`<a id>`, heading ids, footnotes), callout and layout classes.
        .add_generic_attributes(["id", "class"])
        .add_tag_attributes("a", ["name"])
        .add_tag_attributes("img", ["loading"])
        .add_tag_attributes("div", ["role"])
        .add_tag_attributes("details", ["open"])
        // Column alignment of Markdown tables, restricted to `text-align` below.
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .filter_style_properties(HashSet::from(["text-align"]))
        // Task-list checkboxes: nothing else of a form, and never editable.
        .add_tag_attributes("input", ["checked", "disabled"])
        .add_tag_attribute_values("input", "type", ["checkbox"])
        // Only one forced value per tag: ammonia adds several in hash order, and the
        // output must be the same on every build.
        .set_tag_attribute_value("input", "disabled", "")
        // Their content is code or an embedded document, never text for the reader.
        .add_clean_content_tags(["iframe", "object", "embed", "noscript", "template"])
        // The rendered pages add their own link attributes; keep the author's links as
        // they are (no `rel`), so the output differs only where something was removed.
        .link_rel(None);
    b
});

/// The HTML fragment with everything that could run script removed.
pub fn clean_html(html: &str) -> Cow<'_, str> {
    // Without `<` there is no tag, so no attribute or script either: most cells are
    // plain text, and ammonia's parse is the costly part of a sanitized build.
    if !html.contains('<') {
        return Cow::Borrowed(html);
    }
    Cow::Owned(CLEANER.clean(html).to_string())
}

fn clean_in_place(html: &mut String) {
    if let Cow::Owned(cleaned) = clean_html(html) {
        *html = cleaned;
    }
}

fn clean_rich(t: &mut RichText) {
    clean_in_place(&mut t.html);
}

fn clean_entry(e: &mut ErrorEntry) {
    for t in [&mut e.operation, &mut e.cause].into_iter().flatten() {
        clean_rich(t);
    }
    clean_rich(&mut e.message);
    clean_rich(&mut e.resolution);
    for v in &mut e.variants {
        clean_rich(&mut v.message);
        clean_rich(&mut v.resolution);
    }
}

fn clean_sections(sections: &mut [Section]) {
    for s in sections {
        s.entries.iter_mut().for_each(clean_entry);
        clean_sections(&mut s.children);
    }
}

/// Cleans every HTML string of one guide: the body (HTML blocks, error-table headers and
/// cells), the intro, the checklist and every entry's fields.
pub fn sanitize_guide(g: &mut Guide) {
    clean_rich(&mut g.intro);
    g.checklist.iter_mut().for_each(clean_rich);
    for block in &mut g.body {
        match block {
            Block::Html { html } => clean_in_place(html),
            Block::ErrorTable(t) => {
                t.headers.iter_mut().for_each(clean_in_place);
                for row in &mut t.rows {
                    row.cells.iter_mut().for_each(clean_in_place);
                }
            }
        }
    }
    clean_sections(&mut g.sections);
}

/// Cleans every guide of the site (in parallel: ammonia parses each fragment).
pub fn sanitize_site(site: &mut Site) {
    site.locales
        .iter_mut()
        .flat_map(|l| l.guides.iter_mut())
        .par_bridge()
        .for_each(sanitize_guide);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the hostile fixture has in its HTML and cleaning must remove.
    const HOSTILE: [&str; 5] = [
        "onerror",
        "onclick",
        "onmouseover",
        "javascript:",
        "<script",
    ];

    fn clean(h: &str) -> String {
        clean_html(h).into_owned()
    }

    #[test]
    fn removes_what_runs_script() {
        let cases = [
            ("<img src=x onerror=alert(1)>", r#"<img src="x">"#),
            ("a<script>alert(1)</script>b", "ab"),
            (r#"<a href="javascript:alert(1)">x</a>"#, "<a>x</a>"),
            (r#"<a href=" JaVaScRiPt:alert(1)">x</a>"#, "<a>x</a>"),
            (r#"<a href="java&#x09;script:alert(1)">x</a>"#, "<a>x</a>"),
            (r#"<a href="vbscript:x">x</a>"#, "<a>x</a>"),
            (
                r#"<a href="data:text/html,<script>alert(1)</script>">x</a>"#,
                "<a>x</a>",
            ),
            (
                r#"<img src="data:image/svg+xml,x" alt="d">"#,
                r#"<img alt="d">"#,
            ),
            (r#"<iframe src="https://e.example/"></iframe>t"#, "t"),
            (r#"<object data="x.swf">fallback</object>t"#, "t"),
            (r#"<embed src="x.swf">t"#, "t"),
            ("<style>body{display:none}</style>t", "t"),
            (r#"<p onclick="x()" onmouseover='y'>p</p>"#, "<p>p</p>"),
            (
                r#"<div style="background:url(javascript:x)">d</div>"#,
                "<div>d</div>",
            ),
            (r#"<svg onload="alert(1)"><circle/></svg>t"#, "t"),
            (
                r#"<form action="https://e.example/"><button>b</button></form>"#,
                "b",
            ),
            ("<input type=text value=x>", r#"<input disabled="">"#),
            ("<!-- <script>x</script> -->c", "c"),
        ];
        for (dirty, want) in cases {
            assert_eq!(clean(dirty), want, "{dirty}");
        }
    }

    #[test]
    fn keeps_what_guides_use() {
        let kept = [
            "<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>1<br>2</td></tr></tbody></table>",
            r#"<h2 id="install-fails">Install fails</h2>"#,
            r#"<a id="0x29834"></a>"#,
            r#"<a name="old-anchor"></a>"#,
            r##"<a href="other-guide.md#some-anchor">other</a>"##,
            r##"<a href="#top">top</a>"##,
            r#"<a href="../media/a%20b.png">rel</a>"#,
            r#"<a href="https://learn.example/x?a=1&amp;b=2">web</a>"#,
            r#"<a href="mailto:ops@example.com">mail</a>"#,
            r#"<img src="media/diagram.png" alt="Diagram" loading="lazy">"#,
            r#"<div class="callout callout-note" role="note"><p class="callout-title">Note</p><p>x</p></div>"#,
            r#"<ol start="3"><li>a</li><li class="eb-cont">b</li></ol>"#,
            "<ul><li>a</li></ul>",
            "<pre><code>let x = 1 &lt; 2;</code></pre>",
            "<p><code>x</code> <kbd>Ctrl</kbd> <strong>b</strong> <em>i</em> <del>d</del></p>",
            r#"<details class="eb-image-long"><summary>Alt</summary><p>long</p></details>"#,
            r#"<table><tbody><tr><th style="text-align:center">c</th></tr></tbody></table>"#,
            r#"<input disabled="" type="checkbox" checked="">"#,
            r##"<sup class="footnote-reference"><a href="#1">1</a></sup>"##,
        ];
        for html in kept {
            assert_eq!(clean(html), html, "changed what a guide legitimately uses");
        }
        // pulldown-cmark's column alignment keeps its meaning, spelled the CSS way.
        assert_eq!(
            clean(
                r#"<table><tbody><tr><td style="text-align: right; color: red">1</td></tr></tbody></table>"#
            ),
            r#"<table><tbody><tr><td style="text-align:right">1</td></tr></tbody></table>"#
        );
    }

    #[test]
    fn plain_text_is_not_touched() {
        for text in ["no tags here", "1 &lt; 2 & 3 > 2", ""] {
            assert!(matches!(clean_html(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn every_html_field_of_a_guide_is_cleaned() {
        use std::collections::BTreeMap;
        use std::path::Path;
        let md = "---\ntitle: T\n---\n# T\n\nIntro <img src=x onerror=alert(1)>\n\n\
                  ## Before you start\n\n- Check <b onclick=x>this</b>\n\n\
                  ## Errors\n\n<script>alert('block')</script>\n\n\
                  | Operation <i onmouseover=h>op</i> | Error message | Cause | Resolution |\n\
                  | --- | --- | --- | --- |\n\
                  | Back up <a href=\"javascript:o()\">op</a> | Failed <img src=y onerror=m()> (ID: 1) \
                  | Bad <span onclick=c()>cause</span> | Retry <a href='javascript:r()'>now</a> |\n";
        let vocab = crate::parse::Vocabulary::for_locale("en-US", &BTreeMap::new());
        let (guide, diags) = crate::source::load_guide(
            None,
            Path::new("source/en-US/g.md"),
            "en-US",
            md.as_bytes(),
            &vocab,
        );
        let mut g = guide.unwrap_or_else(|| panic!("guide loads: {diags:?}"));
        let dirty = serde_json::to_string(&g).expect("json");
        for bad in HOSTILE {
            assert!(dirty.contains(bad), "the fixture has {bad} before cleaning");
        }
        sanitize_guide(&mut g);
        // Every HTML field, wherever the model keeps it (`*html*` keys and blocks).
        let model = serde_json::to_value(&g).expect("json");
        let mut html = Vec::new();
        collect_html(&model, false, &mut html);
        assert!(!html.is_empty());
        for h in &html {
            for bad in HOSTILE {
                assert!(!h.contains(bad), "{bad} left in {h}");
            }
        }
        let e = &g.entries()[0];
        assert!(e.message.html.contains("Failed"), "{}", e.message.html);
        assert!(
            e.resolution.html.contains("<a>now</a>"),
            "{}",
            e.resolution.html
        );
    }

    fn collect_html(v: &serde_json::Value, is_html: bool, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if is_html => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect_html(x, is_html, out)),
            serde_json::Value::Object(o) => {
                // `tables` is the checker's plain-text copy of every table.
                for (k, x) in o.iter().filter(|(k, _)| *k != "tables") {
                    let html = is_html || k.contains("html") || k == "headers" || k == "cells";
                    collect_html(x, html, out);
                }
            }
            _ => {}
        }
    }
}
