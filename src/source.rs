//! Loading a site: `source/site.yaml`, then every `source/<locale>/**/*.md`, decoded,
//! split from its front matter and parsed (in parallel) into the model.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::diag::{self, Diagnostic};
use crate::error::{Error, Result};
use crate::frontmatter;
use crate::model::{Guide, Locale, Pos, Site};
use crate::parse::{self, GuideSource, Vocabulary};
use crate::text::LineIndex;

/// A loaded site and everything found wrong while loading it.
#[derive(Debug)]
pub struct Loaded {
    pub site: Site,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        diag::has_errors(&self.diagnostics)
    }
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Only these locales (case-insensitive); all when empty.
    pub locales: Vec<String>,
}

pub const SOURCE_DIR: &str = "source";
pub const CONFIG_FILE: &str = "site.yaml";

/// Loads every locale of the site under `root`.
pub fn load_site(root: &Path) -> Result<Loaded> {
    load_site_with(root, &LoadOptions::default())
}

/// A folder name that looks like a BCP 47 tag (`ko-KR`, `en`, `zh-Hans-CN`).
pub fn is_locale_tag(name: &str) -> bool {
    let mut parts = name.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

pub fn load_site_with(root: &Path, opts: &LoadOptions) -> Result<Loaded> {
    let source = root.join(SOURCE_DIR);
    if !source.is_dir() {
        return Err(Error::Usage(format!(
            "no `{SOURCE_DIR}` folder in {}: is this an errbook site? (`errbook init` makes one)",
            root.display()
        )));
    }
    let mut diagnostics = Vec::new();
    let config_path = source.join(CONFIG_FILE);
    let rel_config = Path::new(SOURCE_DIR).join(CONFIG_FILE);
    let config = if config_path.is_file() {
        let text = std::fs::read_to_string(&config_path)
            .map_err(|e| Error::io("reading", &config_path, e))?;
        let (config, diags) = SiteConfig::parse(&text, &rel_config);
        diagnostics.extend(diags);
        config
    } else {
        SiteConfig::default()
    };

    let mut locale_dirs: Vec<(String, PathBuf)> = std::fs::read_dir(&source)
        .map_err(|e| Error::io("listing", &source, e))?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_owned();
            is_locale_tag(&name).then(|| (name, entry.path()))
        })
        .filter(|(name, _)| {
            opts.locales.is_empty() || opts.locales.iter().any(|l| l.eq_ignore_ascii_case(name))
        })
        .collect();
    locale_dirs.sort();

    // Locales side by side, so that one's serial steps (listing its folder, the last
    // guides of its parse) overlap the other's work.
    let loaded: Vec<_> = (locale_dirs.into_par_iter())
        .map(|(tag, dir)| (load_locale(root, &tag, &dir, &config), tag))
        .collect();
    let mut locales = Vec::new();
    for (result, tag) in loaded {
        // The first failing locale in tag order, as when they loaded one by one.
        let (guides, diags) = result?;
        diagnostics.extend(diags);
        locales.push(Locale { tag, guides });
    }
    // A tag asked for on the command line that has no folder is a usage error.
    for want in &opts.locales {
        if !locales.iter().any(|l| l.tag.eq_ignore_ascii_case(want)) {
            return Err(Error::Usage(format!(
                "no locale `{want}`: there is no folder {}",
                source.join(want).display()
            )));
        }
    }
    diag::sort(&mut diagnostics);
    Ok(Loaded {
        site: Site {
            root: root.to_path_buf(),
            config,
            locales,
        },
        diagnostics,
    })
}

/// Markdown files of one locale folder, sorted, and notes on what was passed over.
/// Hidden folders and `includes` folders (DocFX partials) are not guides; symbolic links
/// are never followed (a link may lead outside the root, or into a loop).
fn guide_files(root: &Path, dir: &Path) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with('.') || n == "includes")
        });
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir);
                diags.push(
                    Diagnostic::error(
                        "source-read",
                        path.strip_prefix(root).unwrap_or(path),
                        Pos { line: 1, col: 1 },
                        format!("cannot list this folder: {e}"),
                    )
                    .with_hint("check the folder's permissions"),
                );
                continue;
            }
        };
        let is_md = entry
            .path()
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("md"));
        if entry.path_is_symlink() {
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            diags.push(
                Diagnostic::warning(
                    "source-symlink",
                    rel,
                    Pos { line: 1, col: 1 },
                    "symbolic link not followed: errbook reads only real files inside the site",
                )
                .with_hint("copy the file into the site instead of linking to it"),
            );
        } else if entry.file_type().is_file() && is_md {
            files.push(entry.into_path());
        }
    }
    files.sort();
    (files, diags)
}

fn load_locale(
    root: &Path,
    tag: &str,
    dir: &Path,
    config: &SiteConfig,
) -> Result<(Vec<Guide>, Vec<Diagnostic>)> {
    let vocab = Vocabulary::for_locale(tag, &config.vocabulary);
    let (files, walk_diags) = guide_files(root, dir);
    let results: Vec<(Option<Guide>, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
            match std::fs::read(path) {
                Ok(bytes) => load_guide(Some(root), &rel, tag, &bytes, &vocab),
                Err(e) => (
                    None,
                    vec![Diagnostic::error(
                        "source-read",
                        rel,
                        Pos { line: 1, col: 1 },
                        format!("cannot read the file: {e}"),
                    )],
                ),
            }
        })
        .collect();
    let mut guides = Vec::new();
    let mut diags = walk_diags;
    for (g, d) in results {
        guides.extend(g);
        diags.extend(d);
    }
    // Slugs that differ only by case (Windows shares) or by Unicode normalization (macOS:
    // NFC and NFD spellings of one Hangul name) collide: an error, not an overwrite.
    let key = |slug: &str| -> String {
        use unicode_normalization::UnicodeNormalization;
        slug.nfc().collect::<String>().to_lowercase()
    };
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    guides.retain(|g| match seen.get(&key(&g.slug)) {
        Some(first) => {
            diags.push(
                Diagnostic::error(
                    "source-duplicate-slug",
                    &g.path,
                    Pos { line: 1, col: 1 },
                    format!(
                        "guide `{}` has the same name as {} (names are compared ignoring case)",
                        g.slug,
                        diag::display_path(first)
                    ),
                )
                .with_hint("rename one of the files: both would be written to the same folder"),
            );
            false
        }
        None => {
            seen.insert(key(&g.slug), g.path.clone());
            true
        }
    });
    guides.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok((guides, diags))
}

/// Decodes and parses one guide. `rel` is the path relative to the site root.
pub fn load_guide(
    root: Option<&Path>,
    rel: &Path,
    locale: &str,
    bytes: &[u8],
    vocab: &Vocabulary,
) -> (Option<Guide>, Vec<Diagnostic>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let prefix = std::str::from_utf8(valid).unwrap_or_default();
            let pos = LineIndex::new(prefix).pos(prefix, prefix.len());
            return (
                None,
                vec![Diagnostic::error(
                    "source-encoding",
                    rel,
                    pos,
                    format!(
                        "the file is not valid UTF-8 (invalid byte at offset {})",
                        e.valid_up_to()
                    ),
                )
                .with_hint("save the file as UTF-8")],
            );
        }
    };
    let mut nul_diag = None;
    if let Some(at) = text.find('\0') {
        let pos = LineIndex::new(text).pos(text, at);
        nul_diag = Some(
            Diagnostic::warning(
                "source-nul-byte",
                rel,
                pos,
                "the file contains NUL bytes; they are shown as \u{FFFD}",
            )
            .with_hint("the file may be binary or saved in UTF-16; save it as UTF-8"),
        );
    }
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .is_empty()
    {
        return (
            None,
            vec![Diagnostic::error(
                "source-empty",
                rel,
                Pos { line: 1, col: 1 },
                "the file is empty",
            )
            .with_hint("a guide needs a `title` in its front matter or a `# heading`")],
        );
    }
    let fm_error = |e: frontmatter::FrontMatterError, hint: Option<&str>| {
        let pos = Pos {
            line: e.line,
            col: e.col.max(1),
        };
        let mut d = Diagnostic::error(e.name, rel, pos, e.message);
        d.hint = hint.map(str::to_owned);
        (None, vec![d])
    };
    let split = match frontmatter::split(text) {
        Ok(s) => s,
        Err(e) => {
            return fm_error(
                e,
                Some("close the front matter with a line holding only `---`"),
            )
        }
    };
    let front_matter = match split.yaml.map(|y| frontmatter::parse(y, split.yaml_line)) {
        Some(Ok(fm)) => fm,
        Some(Err(e)) => return fm_error(e, None),
        None => frontmatter::FrontMatter::default(),
    };
    let mut diags: Vec<Diagnostic> = nul_diag.into_iter().collect();
    if let Some(declared) = &front_matter.content_locale {
        if !declared.trim().eq_ignore_ascii_case(locale) {
            let line = front_matter
                .key_lines
                .get("ms.contentlocale")
                .or_else(|| front_matter.key_lines.get("ms.locale"))
                .copied()
                .unwrap_or(1);
            diags.push(
                Diagnostic::warning(
                    "front-matter-locale",
                    rel,
                    Pos { line, col: 1 },
                    format!("front matter says locale `{declared}` but the file is in the `{locale}` folder"),
                )
                .with_hint("move the file to the right locale folder or fix `ms.contentlocale`"),
            );
        }
    }
    // The slug names the guide's output folder: made file-system safe here, once.
    let slug = crate::names::file_stem(rel.file_stem().and_then(|s| s.to_str()).unwrap_or("guide"));
    let src = GuideSource {
        path: rel,
        slug,
        text,
        body_start: split.body_start,
        front_matter,
        vocab,
        locale,
        root,
        included_from: &[],
    };
    let (guide, parse_diags) = parse::parse_guide(&src);
    diags.extend(parse_diags);
    if guide.front_matter.title.is_none() && guide.h1.is_none() {
        diags.push(
            Diagnostic::error(
                "front-matter-missing-title",
                rel,
                Pos { line: 1, col: 1 },
                "the guide has no title: neither a `title` in its front matter nor a `# heading`",
            )
            .with_hint("add `title: …` to the front matter"),
        );
        return (None, diags);
    }
    (Some(guide), diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags() {
        for ok in ["ko-KR", "en-US", "ja-JP", "en", "zh-Hans-CN"] {
            assert!(is_locale_tag(ok), "{ok}");
        }
        for bad in ["media", "includes", "_assets", "k", "ko_KR"] {
            assert!(!is_locale_tag(bad), "{bad}");
        }
    }
}
