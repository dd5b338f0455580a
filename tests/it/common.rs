//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(name)
}

/// Copies a folder tree (files only, no symlinks followed).
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// A temp site holding a copy of the repository's default `source/`.
pub fn default_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("source"), &dir.path().join("source"));
    dir
}

/// Runs the real binary.
pub fn errbook(root: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_errbook"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("run errbook")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, by `/`-separated relative path.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("prefix");
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            (rel.join("/"), std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// A tree read by [`read_tree`] as output files, for the link checker.
pub fn as_files(tree: &BTreeMap<String, Vec<u8>>) -> Vec<errbook::render::OutputFile> {
    tree.iter()
        .map(|(p, b)| errbook::render::OutputFile {
            path: p.clone(),
            bytes: b.clone(),
        })
        .collect()
}

/// Fails with the list of links in `files` that do not resolve to a file of the output.
pub fn assert_no_broken_links(files: &[errbook::render::OutputFile]) {
    let broken = errbook::render::links::broken_links(files);
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The start tags of an HTML page with their attributes (names lowercased, values as
/// written), read the way a browser tokenizes: a quoted value is consumed whole, so a
/// `<` inside it never starts a tag, and the text of `<script>`, `<style>`, `<title>` and
/// `<textarea>` (never markup, so a minifier may leave `<` in it) is skipped.
pub fn start_tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let b = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        let name_end = (i + 1..b.len())
            .find(|&j| b[j].is_ascii_whitespace() || b[j] == b'>' || b[j] == b'/')
            .unwrap_or(b.len());
        let name = html[i + 1..name_end].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut j = name_end;
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                break;
            }
            let start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>') {
                j += 1;
            }
            let attr = html[start..j].to_ascii_lowercase();
            let mut value = String::new();
            if b.get(j) == Some(&b'=') {
                j += 1;
                match b.get(j) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let end = html[j + 1..].find(q as char).map_or(b.len(), |e| j + 1 + e);
                        value = html[j + 1..end].to_owned();
                        j = (end + 1).min(b.len());
                    }
                    _ => {
                        let end = (j..b.len())
                            .find(|&k| b[k].is_ascii_whitespace() || b[k] == b'>')
                            .unwrap_or(b.len());
                        value = html[j..end].to_owned();
                        j = end;
                    }
                }
            }
            attrs.push((attr, value));
        }
        if matches!(name.as_str(), "script" | "style" | "title" | "textarea") {
            let close = format!("</{name}");
            j = html[j..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(b.len(), |e| j + e);
        }
        tags.push((name, attrs));
        i = j.max(i + 1);
    }
    tags
}

/// Names in `root` that are leftovers of a publish (`output.errbook-staging-…`, `…-trash-…`).
pub fn leftovers(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .expect("list the site root")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".errbook-staging-") || n.contains(".errbook-trash-"))
        .collect()
}

/// Builds the site at `root` into `output`, failing the test on any error; how long it took.
pub fn build_ok(root: &Path) -> std::time::Duration {
    let start = std::time::Instant::now();
    let out = errbook(root, &["-q", "build"]);
    assert!(out.status.success(), "build failed: {}", stderr(&out));
    start.elapsed()
}
