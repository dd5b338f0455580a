//! `errbook init`: a starter site, or the default theme copied out for editing.
//! Neither ever overwrites a file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::theme::DEFAULT_FILES;

/// Arguments of `errbook init`, for `main.rs` to use as the subcommand's arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct InitArgs {
    /// Folder of the new site [default: the --root folder]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Copy the built-in theme to `themes/default/` for editing (existing files are kept)
    /// instead of writing a starter site.
    #[arg(long)]
    pub theme: bool,
}

impl InitArgs {
    /// Runs `init` as asked, in `dir` or else `root`.
    pub fn run(&self, root: &Path) -> Result<InitReport> {
        let dir = self.dir.as_deref().unwrap_or(root);
        if self.theme {
            init_theme(dir)
        } else {
            init_site(dir)
        }
    }
}

/// What `init` did, by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitReport {
    pub written: Vec<PathBuf>,
    /// Files that existed already and were left as they were.
    pub kept: Vec<PathBuf>,
}

impl std::fmt::Display for InitReport {
    /// One line per file: `wrote …` or `kept … (exists)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.written {
            writeln!(f, "wrote {}", crate::diag::display_path(p))?;
        }
        for p in &self.kept {
            writeln!(f, "kept  {} (exists)", crate::diag::display_path(p))?;
        }
        write!(
            f,
            "{} file(s) written, {} kept",
            self.written.len(),
            self.kept.len()
        )
    }
}

const STARTER: &[(&str, &str)] = &[
    ("source/site.yaml", include_str!("site.yaml")),
    ("source/ko-KR/getting-started.md", include_str!("ko-KR.md")),
    ("source/en-US/getting-started.md", include_str!("en-US.md")),
    (".gitignore", "/output\n/output.errbook-*\n"),
];

/// Writes a starter site (site.yaml and one small guide per locale) into `dir`. Refuses
/// when `dir` already holds a site.
pub fn init_site(dir: &Path) -> Result<InitReport> {
    let config = dir.join("source").join("site.yaml");
    if config.exists() {
        return Err(Error::Usage(format!(
            "{} exists: there is a site here already (`errbook init --theme` copies the theme out)",
            crate::diag::display_path(&config)
        )));
    }
    write_new(dir, STARTER.iter().map(|(p, t)| (*p, t.as_bytes())))
}

/// Copies the built-in theme to `dir/themes/default/`, keeping any file already there.
pub fn init_theme(dir: &Path) -> Result<InitReport> {
    let files: Vec<(String, &[u8])> = DEFAULT_FILES
        .iter()
        .map(|(p, b)| (format!("themes/default/{p}"), *b))
        .collect();
    write_new(dir, files.iter().map(|(p, b)| (p.as_str(), *b)))
}

fn write_new<'a>(
    dir: &Path,
    files: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<InitReport> {
    let mut report = InitReport::default();
    for (rel, bytes) in files {
        let path = rel.split('/').fold(dir.to_path_buf(), |p, seg| p.join(seg));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
        }
        // `create_new` so that a file appearing meanwhile is not overwritten either.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(bytes)
                    .map_err(|e| Error::io("write", &path, e))?;
                report.written.push(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => report.kept.push(path),
            Err(e) => return Err(Error::io("create", &path, e)),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_site_builds_without_diagnostics() {
        let dir = tempfile::tempdir().expect("tempdir");
        let report = init_site(dir.path()).expect("init");
        assert_eq!(report.written.len(), STARTER.len());
        assert!(init_site(dir.path()).is_err(), "a second init refuses");
        let loaded = crate::source::load_site(dir.path()).expect("loads");
        assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
        for l in &loaded.site.locales {
            let entries = l.guides[0].entries();
            assert_eq!(entries.len(), 3, "{}", l.tag);
            assert!(entries.iter().all(|e| !e.codes.is_empty()), "{}", l.tag);
        }
        let opts = crate::build::BuildOptions {
            quiet: true,
            ..Default::default()
        };
        let built = crate::build::build(dir.path(), &opts).expect("builds");
        assert_eq!(built.stats.error_pages, 6);
    }

    #[test]
    fn theme_copy_keeps_existing_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mine = dir.path().join("themes/default/static/style.css");
        std::fs::create_dir_all(mine.parent().expect("parent")).expect("mkdir");
        std::fs::write(&mine, "/* mine */").expect("write");
        let report = init_theme(dir.path()).expect("init --theme");
        assert_eq!(report.kept, vec![mine.clone()]);
        assert_eq!(report.written.len(), DEFAULT_FILES.len() - 1);
        assert_eq!(std::fs::read_to_string(&mine).expect("read"), "/* mine */");
        // The copied theme is the built-in one: it loads and compiles.
        crate::theme::Theme::load(dir.path(), "default")
            .expect("load")
            .tera()
            .expect("compiles");
    }
}
