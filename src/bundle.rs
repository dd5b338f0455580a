//! `errbook bundle`: one self-contained zip per locale, for reading offline.
//!
//! Each bundle is the site rendered with that locale alone: its pages, the shared assets,
//! its search index and a root `index.html` that opens the locale's home. With one locale
//! there is nothing to switch to, so no page links out of the bundle; the rest of the
//! output already works from `file://`.
//!
//! Bundles are reproducible, so they can be diffed and signed: entries are sorted by
//! path, every entry has the same timestamp (1980-01-01 00:00, the earliest a zip can
//! hold), permissions 0644 and deflate level 6, and no extra fields.

use std::io::{Cursor, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diag::{Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::model::Site;
use crate::render::{OutputFile, RenderOptions};
use crate::source::{self, LoadOptions};
use crate::theme::Theme;

/// Arguments of `errbook bundle` beyond the global ones (`--root`, `--out`, `--locale`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub render: crate::render::RenderArgs,
}

/// Where bundles go when `--out` is not given, relative to the site root.
pub const DEFAULT_OUT: &str = "bundles";

#[derive(Debug, Clone)]
pub struct BundleOptions {
    /// The folder the zips are written to; relative paths are taken from the site root.
    pub out: PathBuf,
    /// Only these locales (all when empty).
    pub locales: Vec<String>,
    pub minify: bool,
    /// Clean every guide's HTML before rendering (see [`crate::sanitize`]).
    pub sanitize: bool,
    /// Show a progress bar on a terminal when bundling takes a while.
    pub progress: bool,
    /// Warnings fail like errors.
    pub deny_warnings: bool,
}

impl Default for BundleOptions {
    fn default() -> Self {
        BundleOptions {
            out: PathBuf::from(DEFAULT_OUT),
            locales: Vec::new(),
            minify: true,
            sanitize: false,
            progress: false,
            deny_warnings: false,
        }
    }
}

/// One zip written.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub locale: String,
    pub path: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone)]
pub struct BundleReport {
    pub bundles: Vec<Bundle>,
    pub elapsed: Duration,
    /// Warnings and notes found while loading and checking.
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for BundleReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in &self.bundles {
            writeln!(
                f,
                "{}: {} files, {} bytes",
                b.path.display(),
                b.files,
                b.bytes
            )?;
        }
        write!(
            f,
            "bundled {} locale{} in {:.2} s",
            self.bundles.len(),
            if self.bundles.len() == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64()
        )
    }
}

/// The site's name in bundle file names: the site title as an ASCII slug
/// (`Azure Backup Server 문제 해결` → `azure-backup-server`), else the root folder's name
/// the same way, else `site`.
pub fn site_name(site: &Site) -> String {
    let title = ascii_slug(&site.config.title);
    if !title.is_empty() {
        return title;
    }
    let folder = site
        .root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| ascii_slug(&n.to_string_lossy())))
        .unwrap_or_default();
    if folder.is_empty() {
        "site".into()
    } else {
        folder
    }
}

/// Lowercase ASCII letters and digits; every other run of characters becomes one `-`.
fn ascii_slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The site reduced to one locale, as a bundle renders it: no other locales to link to,
/// no `base_url` (a bundle has no canonical address and no sitemap).
pub fn single_locale(site: &Site, tag: &str) -> Site {
    let mut one = site.clone();
    one.locales.retain(|l| l.tag == tag);
    one.config.base_url = None;
    one
}

/// Every file of the bundle of one locale, sorted by path.
pub fn bundle_files(
    site: &Site,
    theme: &Theme,
    tag: &str,
    minify: bool,
) -> Result<Vec<OutputFile>> {
    let one = single_locale(site, tag);
    let (files, _) = crate::render::render_site(&one, theme, RenderOptions { minify })?;
    Ok(files)
}

/// The zip of `files`, byte for byte the same for the same files.
pub fn zip_bytes(files: &[OutputFile], mut on_file: impl FnMut()) -> Result<Vec<u8>> {
    let mut sorted: Vec<&OutputFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let zip_err = |e: zip::result::ZipError| Error::Usage(format!("writing the zip: {e}"));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for f in sorted {
        zip.start_file(f.path.as_str(), options).map_err(zip_err)?;
        zip.write_all(&f.bytes)
            .map_err(|e| Error::Usage(format!("writing {} into the zip: {e}", f.path)))?;
        on_file();
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

/// Loads and checks the site at `root` (as `errbook build` does: errors stop it), then
/// writes `<out>/<site>-<locale>.zip` for every locale asked for.
pub fn bundle(root: &Path, opts: &BundleOptions) -> Result<BundleReport> {
    let start = Instant::now();
    let loaded = source::load_site_with(root, &LoadOptions::default())?;
    let mut site = loaded.site;
    let mut found = loaded.diagnostics;
    found.extend(crate::check::raw_findings(&site));
    let diagnostics = crate::check::apply_policy(&site.config, opts.deny_warnings, found);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(Error::Input(diagnostics));
    }
    if opts.sanitize {
        crate::sanitize::sanitize_site(&mut site);
    }
    let tags = selected_locales(&site, &opts.locales)?;
    let theme = Theme::load(root, &site.config.theme)?;
    let out = root.join(&opts.out);
    std::fs::create_dir_all(&out).map_err(|e| Error::io("create the bundle folder", &out, e))?;
    let name = site_name(&site);

    let mut rendered = Vec::new();
    for tag in &tags {
        rendered.push((tag.clone(), bundle_files(&site, &theme, tag, opts.minify)?));
    }
    let total: usize = rendered.iter().map(|(_, f)| f.len()).sum();
    let bar = progress_bar(total as u64);
    let mut bundles = Vec::new();
    for (tag, files) in rendered {
        let bytes = zip_bytes(&files, || {
            bar.inc(1);
            if start.elapsed() > Duration::from_secs(1) && bar.is_hidden() {
                reveal(&bar, opts.progress && std::io::stderr().is_terminal());
            }
        })?;
        let path = out.join(format!("{name}-{tag}.zip"));
        write_atomically(&path, &bytes)?;
        bundles.push(Bundle {
            locale: tag,
            path,
            files: files.len(),
            bytes: bytes.len() as u64,
        });
    }
    bar.finish_and_clear();
    Ok(BundleReport {
        bundles,
        elapsed: start.elapsed(),
        diagnostics,
    })
}

/// The locales to bundle: those asked for (each must exist), else all, in site order.
fn selected_locales(site: &Site, asked: &[String]) -> Result<Vec<String>> {
    if asked.is_empty() {
        return Ok(site.locales.iter().map(|l| l.tag.clone()).collect());
    }
    asked
        .iter()
        .map(|a| {
            site.locale(a).map(|l| l.tag.clone()).ok_or_else(|| {
                let known: Vec<&str> = site.locales.iter().map(|l| l.tag.as_str()).collect();
                Error::Usage(format!(
                    "no locale `{a}` in source/ (the site has {})",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

/// A bar drawn nowhere until [`reveal`]: quick bundles print only their closing lines.
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::hidden(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} files {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

fn reveal(bar: &indicatif::ProgressBar, enabled: bool) {
    if enabled {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
}

/// Writes beside the target and renames: a reader never sees half a zip.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| Error::io("write the bundle", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("move the bundle into place", path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names() {
        assert_eq!(
            ascii_slug("Azure Backup Server 문제 해결"),
            "azure-backup-server"
        );
        assert_eq!(ascii_slug("  My KB: v2!"), "my-kb-v2");
        assert_eq!(ascii_slug("문제 해결"), "");
    }

    #[test]
    fn zips_are_reproducible_and_sorted() {
        let files = vec![
            OutputFile {
                path: "b/index.html".into(),
                bytes: b"<p>b</p>".to_vec(),
            },
            OutputFile {
                path: "a.txt".into(),
                bytes: b"a".repeat(1000),
            },
        ];
        let one = zip_bytes(&files, || {}).expect("zip");
        let mut reversed = files.clone();
        reversed.reverse();
        let two = zip_bytes(&reversed, || {}).expect("zip");
        assert_eq!(one, two);
        let mut archive = zip::ZipArchive::new(Cursor::new(one)).expect("read back");
        assert_eq!(archive.len(), 2);
        let first = archive.by_index(0).expect("entry");
        assert_eq!(first.name(), "a.txt");
        assert_eq!(first.unix_mode(), Some(0o100644));
    }
}
