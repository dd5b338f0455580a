//! What a changed path means for the site: a pure function, table-tested, so that the
//! watcher (thin I/O around it) never has to decide anything itself.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::source::{is_locale_tag, CONFIG_FILE, SOURCE_DIR};

/// What one changed path asks of the next rebuild.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// A guide was written, created, deleted or renamed: re-parse that guide only.
    /// `path` is relative to the site root (`source/ko-KR/a.md`).
    Guide { locale: String, path: PathBuf },
    /// A file of the theme in use: re-render everything, re-parse nothing.
    Theme,
    /// An image or other file under `source/` that pages may show: re-render everything.
    Asset,
    /// `source/site.yaml`, a locale folder appearing or vanishing, an included partial:
    /// load and render the whole site again.
    Site,
    /// Nothing errbook reads: output, VCS, editor droppings, other themes.
    Ignore,
}

/// Editor and OS droppings: swap files, backups, vim's `4913` probe, emacs lock files.
pub fn is_editor_temp(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name == "4913"
        || name.starts_with(".#")
        || name.starts_with('#') && name.ends_with('#')
        || name.ends_with('~')
        || [
            ".swp",
            ".swx",
            ".swo",
            ".bck",
            ".tmp",
            ".bak",
            ".crdownload",
        ]
        .iter()
        .any(|ext| lower.ends_with(ext))
        || name == ".DS_Store"
        || name == "Thumbs.db"
}

/// Classifies `path` (as reported by the file watcher: absolute, or relative to the
/// working folder) for the site whose canonical root is `root`, built with theme
/// `theme`, limited to `locales` when not empty. `is_dir` says whether the path is a
/// folder now (a deleted folder is told by the deletions of its files).
pub fn classify(root: &Path, path: &Path, is_dir: bool, theme: &str, locales: &[String]) -> Change {
    let Ok(rel) = path.strip_prefix(root) else {
        return Change::Ignore;
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => match s.to_str() {
                Some(s) => parts.push(s),
                // errbook only reads UTF-8 names.
                None => return Change::Ignore,
            },
            Component::CurDir => {}
            _ => return Change::Ignore,
        }
    }
    let Some(name) = parts.last() else {
        return Change::Ignore;
    };
    if is_editor_temp(name) {
        return Change::Ignore;
    }
    match parts.as_slice() {
        [SOURCE_DIR] => Change::Site,
        [SOURCE_DIR, file] if *file == CONFIG_FILE => Change::Site,
        [SOURCE_DIR, rest @ ..] => classify_source(rest, is_dir, locales),
        ["themes"] => Change::Theme,
        ["themes", name, ..] if *name != theme => Change::Ignore,
        ["themes", _] => Change::Theme,
        ["themes", _, rest @ ..] if rest.iter().any(|p| p.starts_with('.')) => Change::Ignore,
        ["themes", ..] => Change::Theme,
        _ => Change::Ignore,
    }
}

fn classify_source(rest: &[&str], is_dir: bool, locales: &[String]) -> Change {
    // Hidden files and folders (`.git`, `.obsidian`) are never read.
    if rest.iter().any(|p| p.starts_with('.')) {
        return Change::Ignore;
    }
    let Some((first, inner)) = rest.split_first() else {
        return Change::Ignore;
    };
    if !is_locale_tag(first) {
        // `source/media/…`: images shared by the locales; top-level files
        // (`NOTICE.md`) are not guides.
        return if inner.is_empty() || is_dir {
            Change::Ignore
        } else {
            Change::Asset
        };
    }
    if !locales.is_empty() && !locales.iter().any(|l| l.eq_ignore_ascii_case(first)) {
        return Change::Ignore;
    }
    let Some(file) = inner.last() else {
        // The locale folder itself appeared or vanished.
        return Change::Site;
    };
    if inner[..inner.len() - 1].contains(&"includes") {
        // A DocFX partial: any guide may include it.
        return Change::Site;
    }
    if is_dir {
        // A subfolder created or renamed with its guides inside.
        return Change::Site;
    }
    let is_md = Path::new(file)
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("md"));
    if is_md {
        let mut path = PathBuf::from(SOURCE_DIR);
        path.push(first);
        for p in inner {
            path.push(p);
        }
        return Change::Guide {
            locale: (*first).to_owned(),
            path,
        };
    }
    // An image beside the guides; files without an extension are editors' temp files
    // (sed's `sedXXXXXX`, vim's `4913`).
    if Path::new(file).extension().is_none() {
        Change::Ignore
    } else {
        Change::Asset
    }
}

/// What a batch of changes asks for, merged: the widest scope wins, and guide changes
/// are kept as a set so that a file saved many times is re-parsed once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Load and render everything again.
    pub site: bool,
    /// Render everything again (theme or asset change) without re-parsing.
    pub render: bool,
    /// Guides to re-parse: (locale, path relative to the root).
    pub guides: BTreeSet<(String, PathBuf)>,
}

impl Plan {
    pub fn full() -> Plan {
        Plan {
            site: true,
            ..Plan::default()
        }
    }

    pub fn add(&mut self, change: Change) {
        match change {
            Change::Guide { locale, path } => {
                self.guides.insert((locale, path));
            }
            Change::Theme | Change::Asset => self.render = true,
            Change::Site => self.site = true,
            Change::Ignore => {}
        }
    }

    /// Adds every change of `other` (changes not yet in a good build carry over).
    pub fn merge(&mut self, other: &Plan) {
        self.site |= other.site;
        self.render |= other.render;
        self.guides.extend(other.guides.iter().cloned());
    }

    pub fn is_empty(&self) -> bool {
        !self.site && !self.render && self.guides.is_empty()
    }

    /// Builds a plan from paths, classifying each.
    pub fn from_paths<'p>(
        root: &Path,
        paths: impl IntoIterator<Item = (&'p Path, bool)>,
        theme: &str,
        locales: &[String],
    ) -> Plan {
        let mut plan = Plan::default();
        for (p, is_dir) in paths {
            plan.add(classify(root, p, is_dir, theme, locales));
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guide(locale: &str, rel: &str) -> Change {
        Change::Guide {
            locale: locale.into(),
            path: rel.split('/').collect(),
        }
    }

    #[test]
    fn classify_table() {
        let root = Path::new("/site");
        let cases: Vec<(&str, bool, Change)> = vec![
            // Guides: edits, new files, deletes, renames all name the file.
            (
                "source/ko-KR/a.md",
                false,
                guide("ko-KR", "source/ko-KR/a.md"),
            ),
            (
                "source/en-US/sub/b.MD",
                false,
                guide("en-US", "source/en-US/sub/b.MD"),
            ),
            // Configuration and structure.
            ("source/site.yaml", false, Change::Site),
            ("source", true, Change::Site),
            ("source/ja-JP", true, Change::Site),
            ("source/ko-KR/new-folder", true, Change::Site),
            // sed -i's temp file; a deleted folder (its files' deletions tell).
            ("source/ko-KR/sedAbC123", false, Change::Ignore),
            ("source/media", true, Change::Ignore),
            ("source/ko-KR/includes/part.md", false, Change::Site),
            // Images.
            ("source/ko-KR/media/a.png", false, Change::Asset),
            ("source/media/a.png", false, Change::Asset),
            ("source/NOTICE.md", false, Change::Ignore),
            // The theme in use, not another one.
            ("themes/default/guide.html", false, Change::Theme),
            ("themes/default/static/style.css", false, Change::Theme),
            ("themes/default", true, Change::Theme),
            ("themes", true, Change::Theme),
            ("themes/other/guide.html", false, Change::Ignore),
            ("themes/default/.hidden/x.html", false, Change::Ignore),
            // Output, VCS, build folders.
            ("output/ko-KR/index.html", false, Change::Ignore),
            (
                "output.errbook-staging-1-0/index.html",
                false,
                Change::Ignore,
            ),
            (".git/index", false, Change::Ignore),
            ("target/debug/errbook", false, Change::Ignore),
            ("source/.git/HEAD", false, Change::Ignore),
            ("source/ko-KR/.obsidian/x.md", false, Change::Ignore),
            // Editor droppings.
            ("source/ko-KR/.a.md.swp", false, Change::Ignore),
            ("source/ko-KR/a.md.swx", false, Change::Ignore),
            ("source/ko-KR/a.md~", false, Change::Ignore),
            ("source/ko-KR/4913", false, Change::Ignore),
            ("source/ko-KR/.#a.md", false, Change::Ignore),
            ("source/ko-KR/#a.md#", false, Change::Ignore),
            ("source/ko-KR/a.md.bck", false, Change::Ignore),
            ("source/ko-KR/a.md.tmp", false, Change::Ignore),
            ("source/ko-KR/a.TMP", false, Change::Ignore),
            ("themes/default/guide.html~", false, Change::Ignore),
            ("source/site.yaml.swp", false, Change::Ignore),
        ];
        for (rel, is_dir, want) in cases {
            let path = rel.split('/').fold(root.to_path_buf(), |p, s| p.join(s));
            assert_eq!(classify(root, &path, is_dir, "default", &[]), want, "{rel}");
        }
        // Outside the root.
        assert_eq!(
            classify(
                root,
                Path::new("/elsewhere/source/ko-KR/a.md"),
                false,
                "default",
                &[]
            ),
            Change::Ignore
        );
    }

    #[test]
    fn locale_filter() {
        let root = Path::new("/site");
        let only = ["ko-kr".to_owned()];
        let p = |rel: &str| rel.split('/').fold(root.to_path_buf(), |p, s| p.join(s));
        assert_eq!(
            classify(root, &p("source/en-US/a.md"), false, "default", &only),
            Change::Ignore
        );
        assert_eq!(
            classify(root, &p("source/ko-KR/a.md"), false, "default", &only),
            guide("ko-KR", "source/ko-KR/a.md")
        );
    }

    #[test]
    fn plans_merge_and_dedupe() {
        let root = Path::new("/site");
        let a = root.join("source").join("ko-KR").join("a.md");
        let tmp = root.join("source").join("ko-KR").join(".a.md.swp");
        let paths = [
            (a.as_path(), false),
            (a.as_path(), false),
            (tmp.as_path(), false),
        ];
        let plan = Plan::from_paths(root, paths, "default", &[]);
        assert_eq!(plan.guides.len(), 1);
        assert!(!plan.site && !plan.render);
        let mut wide = Plan::default();
        wide.add(Change::Theme);
        wide.merge(&plan);
        assert!(wide.render && wide.guides.len() == 1);
        assert!(Plan::default().is_empty());
        assert!(!Plan::full().is_empty());
    }
}
