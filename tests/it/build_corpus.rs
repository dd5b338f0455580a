//! The whole corpus (en-US, ko-KR, ja-JP; DocFX-flavoured Markdown as learn.microsoft.com
//! writes it) builds into a site with no DocFX syntax left raw (issue 8).

use crate::common;

use errbook::build::{build, BuildOptions};

#[test]
fn corpus_builds_with_callouts_and_no_raw_docfx() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixture("corpus"), dir.path());
    let report = build(
        dir.path(),
        &BuildOptions {
            quiet: true,
            ..BuildOptions::default()
        },
    )
    .expect("the corpus builds (missing images and includes are warnings in its site.yaml)");
    assert_eq!(report.stats.locales, 3);
    let out = dir.path().join("output");

    let mut pages = 0;
    for entry in walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(|e| e.ok())
    {
        if entry.path().extension().is_some_and(|x| x == "html") {
            pages += 1;
            let html = std::fs::read_to_string(entry.path()).expect("read");
            for raw in [
                "[!NOTE]",
                "[!TIP]",
                "[!IMPORTANT]",
                "[!WARNING]",
                "[!CAUTION]",
                "[!INCLUDE",
                ":::image",
            ] {
                assert!(
                    !html.contains(raw),
                    "{raw} left in {}",
                    entry.path().display()
                );
            }
        }
    }
    // 12 guides, 159 error pages, code pages and homes in three locales.
    assert!(pages > 200, "{pages} pages");

    // Every alert of every guide page is a callout: 1 in mars, 1 in scdpm and 2 in
    // system-state, in each of the three locales (NOTES.md counts them).
    let mut callouts = 0;
    for locale in ["en-US", "ko-KR", "ja-JP"] {
        for guide in [
            "backup-azure-mars-troubleshoot",
            "backup-azure-scdpm-troubleshooting",
            "backup-azure-system-state-troubleshoot",
        ] {
            let html = std::fs::read_to_string(out.join(locale).join(guide).join("index.html"))
                .expect("guide page");
            callouts += html.matches("callout callout-").count();
        }
    }
    assert_eq!(callouts, 12);
    let ko =
        std::fs::read_to_string(out.join("ko-KR/backup-azure-scdpm-troubleshooting/index.html"))
            .expect("page");
    assert!(
        ko.contains("callout-important") && ko.contains(">중요<"),
        "localized label"
    );

    let files = common::as_files(&common::read_tree(&out));
    common::assert_no_broken_links(&files);
}
