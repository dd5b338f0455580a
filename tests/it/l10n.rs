//! Localized sites and offline bundles (issue 7): the language switcher and "not
//! translated yet" pages, the translation report, reproducible bundles that link nowhere
//! outside themselves, and entry ids aligned across the corpus's locales.

use crate::common;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use errbook::build::{build, BuildOptions};
use errbook::bundle::{bundle, BundleOptions};
use errbook::source::load_site;
use errbook::translations::{report, GuideStatus};

fn l10n_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &common::fixture("l10n").join("source"),
        &dir.path().join("source"),
    );
    dir
}

use common::{as_files, assert_no_broken_links, read_tree};

fn page<'t>(tree: &'t BTreeMap<String, Vec<u8>>, path: &str) -> std::borrow::Cow<'t, str> {
    String::from_utf8_lossy(tree.get(path).unwrap_or_else(|| panic!("no page {path}")))
}

fn built(site: &Path) -> BTreeMap<String, Vec<u8>> {
    let opts = BuildOptions {
        minify: false,
        quiet: true,
        ..BuildOptions::default()
    };
    build(site, &opts).expect("builds");
    read_tree(&site.join("output"))
}

#[test]
fn missing_guide_and_entry_get_a_notice_page_that_is_linked() {
    let site = l10n_site();
    let tree = built(site.path());
    assert_no_broken_links(&as_files(&tree));

    // ko-KR lacks the guide `restore-errors`: its notice page exists, points at the
    // default locale's (en-US) guide, and every en-US/ja-JP page of that guide links to it.
    let guide_notice = "ko-KR/untranslated/restore-errors/index.html";
    let html = page(&tree, guide_notice);
    assert!(html.contains("아직 번역되지 않았습니다"), "{html}");
    assert!(html.contains(r#"href="../../../en-US/restore-errors/index.html""#));
    for from in [
        "en-US/restore-errors/index.html",
        "ja-JP/restore-errors/index.html",
    ] {
        assert!(
            page(&tree, from)
                .contains(r#"href="../../ko-KR/untranslated/restore-errors/index.html""#),
            "{from} links to the notice"
        );
    }
    // …and its entry too, from the entry's pages.
    let entry_notice = "ko-KR/untranslated/restore-errors/restore-failed.html";
    assert!(page(&tree, entry_notice).contains("../../../en-US/restore-errors/restore-failed.html"));
    assert!(page(&tree, "en-US/restore-errors/restore-failed.html")
        .contains("../../ko-KR/untranslated/restore-errors/restore-failed.html"));

    // ko-KR has the guide `agent-errors` but lacks the entry `clock-skew`.
    let html = page(&tree, "ko-KR/untranslated/agent-errors/clock-skew.html");
    assert!(html.contains(r#"href="../../../en-US/agent-errors/clock-skew.html""#));
    assert!(
        html.contains(r#"href="../../../ko-KR/agent-errors/index.html""#),
        "back to its own guide"
    );
    let en = page(&tree, "en-US/agent-errors/clock-skew.html");
    assert!(en.contains(r#"href="../../ko-KR/untranslated/agent-errors/clock-skew.html""#));
    // hreflang alternates only for real counterparts.
    assert!(en.contains(
        r#"<link rel="alternate" hreflang="ja-JP" href="../../ja-JP/agent-errors/clock-skew.html">"#
    ));
    assert!(!en.contains(r#"<link rel="alternate" hreflang="ko-KR""#));
    // Entries that exist everywhere link to each other.
    let ko = page(&tree, "ko-KR/agent-errors/vault-expired.html");
    assert!(ko.contains(r#"<link rel="alternate" hreflang="en-US" href="../../en-US/agent-errors/vault-expired.html">"#));
    assert!(ko.contains(r#"<link rel="alternate" hreflang="ja-JP" href="../../ja-JP/agent-errors/vault-expired.html">"#));
    // Home, code index and search pages switch to the same page.
    for p in ["index.html", "codes/index.html", "search.html"] {
        let html = page(&tree, &format!("ko-KR/{p}"));
        let depth = p.matches('/').count() + 1;
        let want = format!(r#"href="{}en-US/{p}""#, "../".repeat(depth));
        assert!(html.contains(&want), "ko-KR/{p}: {want}");
    }
    // No notice pages where nothing is missing.
    assert!(!tree.keys().any(|k| k.starts_with("en-US/untranslated/")));
    assert!(!tree.keys().any(|k| k.starts_with("ja-JP/untranslated/")));
}

#[test]
fn machine_translation_notice_and_dates_per_locale() {
    let site = l10n_site();
    let tree = built(site.path());
    let ja = page(&tree, "ja-JP/agent-errors/clock-skew.html");
    assert!(ja.contains("このページは機械翻訳されています。"), "{ja}");
    assert!(ja.contains(r#"<a href="../../en-US/agent-errors/clock-skew.html" hreflang="en-US">原文を読む (English)</a>"#));
    assert!(ja.contains(r#"<time datetime="2024-03-01">更新日: 2024年3月1日</time>"#));
    let en = page(&tree, "en-US/agent-errors/index.html");
    assert!(!en.contains("notice-mt"));
    assert!(en.contains("Updated March 1, 2024"));
    let ko = page(&tree, "ko-KR/agent-errors/index.html");
    assert!(ko.contains("2024년 1월 15일"));
}

#[test]
fn report_lists_the_missing_guide_and_entry() {
    let site = l10n_site();
    let loaded = load_site(site.path()).expect("load");
    let r = report(&loaded.site);
    assert_eq!(r.source_locale, "en-US");
    let ko = r.locales.iter().find(|l| l.tag == "ko-KR").expect("ko-KR");
    let guide = |slug: &str| ko.guides.iter().find(|g| g.slug == slug).expect(slug);
    assert_eq!(guide("restore-errors").status, GuideStatus::Missing);
    assert_eq!(guide("agent-errors").missing, ["clock-skew"]);
    assert_eq!(guide("agent-errors").aligned, ["vault-expired"]);
    assert!(guide("agent-errors").stale.is_some());
    let ja = r.locales.iter().find(|l| l.tag == "ja-JP").expect("ja-JP");
    assert_eq!(ja.machine_translated_share, 1.0);
    assert!(ja
        .guides
        .iter()
        .all(|g| g.missing.is_empty() && g.extra.is_empty()));

    // The command: Markdown by default, JSON on request, exit 0 either way.
    let md = common::errbook(site.path(), &["report", "translations"]);
    assert!(md.status.success(), "{}", common::stderr(&md));
    let text = common::stdout(&md);
    assert!(
        text.contains("| restore-errors | missing | 0/1 | 1 | 0 |"),
        "{text}"
    );
    assert!(
        text.contains("- `agent-errors` missing: `clock-skew`"),
        "{text}"
    );
    let json = common::errbook(site.path(), &["report", "translations", "--format", "json"]);
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_str(&common::stdout(&json)).expect("json");
    assert_eq!(v["source_locale"], "en-US");
}

#[test]
fn default_site_all_27_entries_aligned() {
    let loaded = load_site(&common::repo()).expect("load");
    let r = report(&loaded.site);
    assert_eq!(r.source_locale, "ko-KR");
    let en = r.locales.iter().find(|l| l.tag == "en-US").expect("en-US");
    let [g] = en.guides.as_slice() else {
        panic!("one guide: {:?}", en.guides);
    };
    assert_eq!(g.status, GuideStatus::Translated);
    assert_eq!(g.aligned.len(), 27);
    assert!(g.missing.is_empty() && g.extra.is_empty(), "{g:?}");
}

fn unzip(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let file = std::fs::File::open(path).expect("open zip");
    let mut archive = zip::ZipArchive::new(file).expect("zip");
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).expect("read entry");
        out.insert(f.name().to_owned(), bytes);
    }
    out
}

#[test]
fn bundles_are_byte_identical_and_self_contained() {
    let site = common::default_site();
    let opts = BundleOptions::default();
    let first = bundle(site.path(), &opts).expect("bundle");
    let names: Vec<String> = first
        .bundles
        .iter()
        .map(|b| {
            b.path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "azure-backup-server-en-US.zip",
            "azure-backup-server-ko-KR.zip"
        ]
    );
    let bytes: Vec<Vec<u8>> = first
        .bundles
        .iter()
        .map(|b| std::fs::read(&b.path).expect("read"))
        .collect();
    // Later timestamps on the sources change nothing.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = bundle(site.path(), &opts).expect("bundle again");
    for (b, before) in second.bundles.iter().zip(&bytes) {
        assert!(
            std::fs::read(&b.path).expect("read") == *before,
            "{} differs",
            b.path.display()
        );
    }

    let ko_bundle = first
        .bundles
        .iter()
        .find(|b| b.locale == "ko-KR")
        .expect("ko-KR bundle");
    let ko = unzip(&ko_bundle.path);
    for f in [
        "index.html",
        "assets/style.css",
        "assets/search.js",
        "ko-KR/index.html",
        "ko-KR/search-index.js",
        "ko-KR/backup-azure-mabs-troubleshoot/0x29834.html",
    ] {
        assert!(ko.contains_key(f), "bundle lacks {f}");
    }
    assert!(
        !ko.keys().any(|k| k.starts_with("en-US/")),
        "only its locale"
    );
    assert!(
        String::from_utf8_lossy(&ko["index.html"]).contains("ko-KR/index.html"),
        "the root page opens the locale"
    );
    let names: Vec<&String> = ko.keys().collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries sorted");
    assert_no_broken_links(&as_files(&ko));
    // Nothing points out of the bundle, not even as a link that would still resolve.
    for (path, bytes) in ko.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        assert!(!html.contains("en-US/"), "{path} links to another locale");
    }
}

#[test]
fn bundle_cli_with_locale_and_out() {
    let site = l10n_site();
    let o = common::errbook(
        site.path(),
        &["bundle", "--locale", "ja-JP", "--out", "dist", "-q"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let zip = site
        .path()
        .join("dist")
        .join("agent-troubleshooting-ja-JP.zip");
    assert!(zip.is_file());
    let files = unzip(&zip);
    // The MT notice stays, without a link to a page the bundle does not hold.
    let html = String::from_utf8_lossy(&files["ja-JP/agent-errors/clock-skew.html"]).into_owned();
    assert!(html.contains("このページは機械翻訳されています。"));
    assert_no_broken_links(&as_files(&files));
    let bad = common::errbook(site.path(), &["bundle", "--locale", "fr-FR"]);
    assert_eq!(bad.status.code(), Some(2));
}

// ---- The corpus: ids of the mars and system-state guides across locales -------------

fn corpus_ids(locale: &str, slug: &str) -> Vec<String> {
    static SITE: std::sync::OnceLock<errbook::model::Site> = std::sync::OnceLock::new();
    let site = SITE.get_or_init(|| load_site(&common::fixture("corpus")).expect("corpus").site);
    site.locale(locale)
        .and_then(|l| l.guide(slug))
        .unwrap_or_else(|| panic!("{locale}/{slug}"))
        .entries()
        .iter()
        .map(|e| e.id.clone())
        .collect()
}

#[test]
fn corpus_mars_ids_agree_where_the_tables_agree() {
    let slug = "backup-azure-mars-troubleshoot";
    let ko = corpus_ids("ko-KR", slug);
    let ja = corpus_ids("ja-JP", slug);
    let en = corpus_ids("en-US", slug);
    assert_eq!(ko, ja);
    assert_eq!(
        ko,
        [
            "invalid-vault-credentials-provided-1",
            "invalid-vault-credentials-provided-2",
            "invalid-vault-credentials-provided-3",
            "unable-to-download-vault-credential-file",
            "the-microsoft-azure-recovery-service-agent-was-unable-to-connect-to-microsoft-azure-backup",
            "failed-to-set-the-encryption-key-for-secure-backups",
            "the-activation-did-not-complete-successfully",
            "encryption-passphrase-not-correctly-configured",
            "salchecksumstoreinitializationfailed",
            "salvhdinitializationerror",
            "sallowdiskspace",
            "salbitmaperror",
        ]
    );
    // Every ko/ja id is an en-US id, in the same order.
    let common_en: Vec<&String> = en.iter().filter(|id| ko.contains(id)).collect();
    assert_eq!(common_en, ko.iter().collect::<Vec<_>>());
    // The en-US text is a later revision: these six entries (three sections and the
    // nested `Error code | Reasons | Recommendations` table) are not in the translations.
    let en_only: Vec<&str> = en
        .iter()
        .filter(|id| !ko.contains(id))
        .map(String::as_str)
        .collect();
    assert_eq!(
        en_only,
        [
            "the-specified-vault-credential-file-cannot-be-used-as-it-is-not-downloaded-from-the-vault-associated-with-this-server",
            "0x80070570",
            "0x80070002",
            "0x80070005",
            "0x8007018b",
            "resource-not-provisioned-in-service-stamp",
        ]
    );
}

#[test]
fn corpus_system_state_ids_agree_in_three_locales() {
    let slug = "backup-azure-system-state-troubleshoot";
    let want = [
        "vss-writer-timeout-error",
        "insufficient-disk-space-to-grow-shadow-copies",
        "efi-partition-locked",
    ];
    for l in ["en-US", "ko-KR", "ja-JP"] {
        assert_eq!(corpus_ids(l, slug), want, "{l}");
    }
}
