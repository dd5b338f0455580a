//! DocFX-flavoured Markdown: alerts, includes, images, div directives, xref links,
//! error sections and unknown extensions.

use crate::common;

use errbook::model::{Block, Guide};
use errbook::source::load_site;

fn load() -> (errbook::model::Site, Vec<errbook::diag::Diagnostic>) {
    let loaded = load_site(&common::fixture("docfx")).expect("load");
    (loaded.site, loaded.diagnostics)
}

fn html(g: &Guide) -> String {
    g.body
        .iter()
        .map(|b| match b {
            Block::Html { html } => html.clone(),
            Block::ErrorTable(_) => String::new(),
        })
        .collect()
}

#[test]
fn alerts_become_localized_callouts() {
    let (site, _) = load();
    let en = html(
        site.locale("en-US")
            .and_then(|l| l.guide("features"))
            .expect("guide"),
    );
    assert!(
        en.contains(
            r#"<div class="callout callout-note" role="note"><p class="callout-title">Note</p>"#
        ),
        "{en}"
    );
    assert!(en.contains("callout-warning"));
    assert!(!en.contains("[!NOTE]") && !en.contains("blockquote"));
    let ko = html(
        site.locale("ko-KR")
            .and_then(|l| l.guide("features"))
            .expect("guide"),
    );
    assert!(ko.contains(r#"<p class="callout-title">팁</p>"#), "{ko}");
}

#[test]
fn includes_are_inlined_and_problems_reported() {
    let (site, diags) = load();
    let g = site
        .locale("en-US")
        .and_then(|l| l.guide("features"))
        .expect("guide");
    let h = html(g);
    assert!(h.contains("<li>Open the console.</li>"), "{h:?}");
    assert!(!h.contains("[!INCLUDE"), "{h}");
    let names: Vec<(&str, usize)> = diags.iter().map(|d| (d.name, d.pos.line)).collect();
    assert!(names.contains(&("include-missing", 16)), "{names:?}");
    assert!(names.contains(&("include-outside-root", 18)), "{names:?}");
    // steps.md → loop.md → steps.md: the cycle is caught, named in the included file.
    let cycle = diags
        .iter()
        .find(|d| d.name == "include-cycle")
        .expect("cycle reported");
    assert_eq!(
        errbook::diag::display_path(&cycle.file),
        "source/en-US/includes/loop.md"
    );
    let missing = diags
        .iter()
        .find(|d| d.name == "include-missing")
        .expect("missing");
    assert!(
        missing.message.contains("source/en-US/includes/nope.md"),
        "{}",
        missing.message
    );
    assert!(h.contains("eb-missing-include"), "a visible placeholder");
}

#[test]
fn images_divs_xrefs_and_unknown_extensions() {
    let (site, diags) = load();
    let g = site
        .locale("en-US")
        .and_then(|l| l.guide("features"))
        .expect("guide");
    let h = html(g);
    assert!(
        h.contains(r#"<img src="media/screen.png" alt="The settings screen""#),
        "{h}"
    );
    assert!(!h.contains(":::image"));
    assert!(g
        .links
        .iter()
        .any(|l| l.is_image && l.url == "media/screen.png"));
    assert!(
        h.contains(r#"<div class="nextstepaction">"#) && !h.contains("[!div"),
        "{h}"
    );
    assert!(h.contains("the API") && !h.contains("xref:"), "{h}");
    let xref = diags
        .iter()
        .find(|d| d.name == "link-xref")
        .expect("xref warning");
    assert!(xref.message.contains("Microsoft.Azure.Backup"));
    let unknown: Vec<&str> = diags
        .iter()
        .filter(|d| d.name == "markdown-unknown-extension")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(unknown[0].contains("[!VIDEO]"));
    assert!(h.contains("[!VIDEO"), "unknown syntax stays visible");
}

#[test]
fn error_and_code_sections_become_entries() {
    let (site, _) = load();
    let g = site
        .locale("en-US")
        .and_then(|l| l.guide("features"))
        .expect("guide");
    let e = g.entries();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].id, "error-replica-is-inconsistent");
    assert_eq!(e[0].message.text, "Replica is inconsistent");
    assert_eq!(e[1].id, "usererrorsqlpodoesnotexist");
    assert_eq!(e[1].codes[0].value, "UserErrorSQLPODoesNotExist");
    assert!(e[1].resolution.text.contains("does not exist any more"));
}
