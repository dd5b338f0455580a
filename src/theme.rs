//! Themes: the built-in default theme, compiled into the binary, and a site's
//! `themes/<name>/` folder, which overrides it file by file.
//!
//! A theme is a set of files by relative path: Tera templates (`*.html` at the top),
//! static assets (`static/…`, published under `assets/`) and UI strings
//! (`i18n/<locale>.yaml`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

macro_rules! builtin {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/", $path)) as &[u8])),*]
    };
}

/// Every file of the default theme, by path relative to `themes/default/`.
pub const DEFAULT_FILES: &[(&str, &[u8])] = builtin![
    "base.html",
    "root.html",
    "home.html",
    "guide.html",
    "entry.html",
    "codes.html",
    "code.html",
    "404.html",
    "search.html",
    "untranslated.html",
    "static/style.css",
    "static/errbook.js",
    "static/favicon.svg",
    "static/search.js",
    "i18n/en-US.yaml",
    "i18n/ko-KR.yaml",
    "i18n/ja-JP.yaml",
];

/// The locale whose UI strings fill the gaps of every other locale.
pub const FALLBACK_LOCALE: &str = "en-US";

#[derive(Debug, Clone)]
pub struct ThemeFile {
    pub bytes: Cow<'static, [u8]>,
    /// The file it came from, `None` for the built-in theme.
    pub origin: Option<PathBuf>,
}

impl ThemeFile {
    /// Where the file came from, for messages.
    pub fn describe(&self, rel: &str) -> String {
        match &self.origin {
            Some(p) => crate::diag::display_path(p),
            None => format!("themes/default/{rel} (built in)"),
        }
    }
}

/// A resolved theme: the default files with the site's overrides applied.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    /// By relative path with `/` separators.
    pub files: BTreeMap<String, ThemeFile>,
}

/// UI strings of one locale, by key (`skip_link`, `search_label`, …).
/// The folder of the site root that holds themes.
pub const THEMES_DIR: &str = "themes";

pub type Ui = BTreeMap<String, String>;

impl Theme {
    /// The built-in theme alone.
    pub fn builtin() -> Theme {
        let files = DEFAULT_FILES
            .iter()
            .map(|(rel, bytes)| {
                let file = ThemeFile {
                    bytes: Cow::Borrowed(*bytes),
                    origin: None,
                };
                ((*rel).to_owned(), file)
            })
            .collect();
        Theme {
            name: "default".into(),
            files,
        }
    }

    /// The theme `name` for the site at `root`: the built-in files, overridden by those of
    /// `root/themes/<name>/`. A theme other than `default` must exist.
    pub fn load(root: &Path, name: &str) -> Result<Theme> {
        let mut theme = Theme::builtin();
        theme.name = name.to_owned();
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::Usage(format!(
                "theme name `{name}` in site.yaml must be a folder name under themes/"
            )));
        }
        let dir = root.join(THEMES_DIR).join(name);
        if !dir.is_dir() {
            if name == "default" {
                return Ok(theme);
            }
            return Err(Error::Usage(format!(
                "theme `{name}` (site.yaml) not found: no folder {}",
                crate::diag::display_path(&dir)
            )));
        }
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(&dir).to_path_buf();
                Error::io("read theme folder", path, e.into())
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&dir) else {
                continue;
            };
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            // Editor and OS droppings (`.DS_Store`, `.swp`) are not part of a theme.
            if parts.iter().any(|p| p.starts_with('.')) {
                continue;
            }
            let bytes = std::fs::read(entry.path())
                .map_err(|e| Error::io("read theme file", entry.path(), e))?;
            let origin = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_path_buf();
            theme.files.insert(
                parts.join("/"),
                ThemeFile {
                    bytes: Cow::Owned(bytes),
                    origin: Some(origin),
                },
            );
        }
        Ok(theme)
    }

    fn text(&self, rel: &str) -> Result<&str> {
        let file = self
            .files
            .get(rel)
            .ok_or_else(|| Error::Usage(format!("theme `{}` has no file {rel}", self.name)))?;
        std::str::from_utf8(&file.bytes).map_err(|e| Error::Template {
            name: file.describe(rel),
            message: format!("not valid UTF-8: {e}"),
        })
    }

    /// Tera templates: the `.html` files at the top of the theme.
    pub fn templates(&self) -> impl Iterator<Item = (&str, &ThemeFile)> {
        self.files
            .iter()
            .filter(|(rel, _)| !rel.contains('/') && rel.ends_with(".html"))
            .map(|(rel, f)| (rel.as_str(), f))
    }

    /// Static assets: `static/<path>` → published as `assets/<path>`.
    pub fn assets(&self) -> impl Iterator<Item = (&str, &ThemeFile)> {
        self.files
            .iter()
            .filter_map(|(rel, f)| rel.strip_prefix("static/").map(|p| (p, f)))
    }

    /// A Tera instance with every template of the theme. A syntax error names the
    /// template file and line.
    pub fn tera(&self) -> Result<tera::Tera> {
        let mut sources = Vec::new();
        for (rel, _) in self.templates() {
            sources.push((rel, self.text(rel)?));
        }
        let mut tera = tera::Tera::new();
        tera.add_raw_templates(sources)
            .map_err(|e| self.template_error(&e, None))?;
        Ok(tera)
    }

    /// The templates minified once (minify-html keeping Tera's syntax), so that pages
    /// made of them and of minified fragments need no minifying of their own. `None`
    /// when any template does not survive minifying intact (a `{% if %}` inside a tag,
    /// which the minifier would take apart): pages are then minified whole.
    pub fn minified_tera(&self) -> Result<Option<tera::Tera>> {
        let mut sources = Vec::new();
        for (rel, _) in self.templates() {
            let text = self.text(rel)?;
            let min = crate::render::minify_template(text);
            match min {
                Some(min) => sources.push((rel, min)),
                None => return Ok(None),
            }
        }
        let mut tera = tera::Tera::new();
        if tera.add_raw_templates(sources).is_err() {
            return Ok(None);
        }
        Ok(Some(tera))
    }

    /// A Tera error as an [`Error::Template`] naming the theme file, line and column.
    pub fn template_error(&self, err: &tera::Error, rendering: Option<&str>) -> Error {
        let report = match err.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
            _ => None,
        };
        let (tpl, location, message) = match report {
            Some(r) if !r.filename().is_empty() => {
                let span = r.span();
                (
                    r.filename().to_owned(),
                    format!(":{}:{}", span.start_line, span.start_col + 1),
                    r.message().to_owned(),
                )
            }
            _ => {
                let mut message = err.to_string();
                let mut source = std::error::Error::source(err);
                while let Some(s) = source {
                    message.push_str(": ");
                    message.push_str(&s.to_string());
                    source = s.source();
                }
                (rendering.unwrap_or("").to_owned(), String::new(), message)
            }
        };
        let name = match self.files.get(&tpl) {
            Some(f) => format!("{}{location}", f.describe(&tpl)),
            None if tpl.is_empty() => format!("theme `{}`", self.name),
            None => format!("{tpl}{location}"),
        };
        let message = match rendering {
            Some(page) if page != tpl => format!("{message} (rendering {page})"),
            _ => message,
        };
        Error::Template { name, message }
    }

    /// UI strings for `locale`: the fallback locale's, overridden by the locale's own file
    /// (`i18n/ko-KR.yaml`, else one for the same language, e.g. `i18n/ko.yaml`).
    pub fn ui(&self, locale: &str) -> Result<Ui> {
        let mut ui = self.ui_file(FALLBACK_LOCALE)?.unwrap_or_default();
        // A locale without strings of its own is still not "English".
        ui.remove("language_name");
        let lang = locale.split(['-', '_']).next().unwrap_or(locale);
        let own = match self.ui_file(locale)? {
            Some(u) => Some(u),
            None => self.ui_file(lang)?,
        };
        if let Some(own) = own {
            ui.extend(own);
        }
        ui.entry("language_name".into())
            .or_insert_with(|| locale.to_owned());
        Ok(ui)
    }

    fn ui_file(&self, tag: &str) -> Result<Option<Ui>> {
        let rel = self
            .files
            .keys()
            .find(|k| {
                k.strip_prefix("i18n/")
                    .and_then(|f| f.strip_suffix(".yaml"))
                    .is_some_and(|t| t.eq_ignore_ascii_case(tag))
            })
            .cloned();
        let Some(rel) = rel else { return Ok(None) };
        let text = self.text(&rel)?;
        serde_yaml::from_str::<Ui>(text)
            .map(Some)
            .map_err(|e| Error::Template {
                name: match e.location() {
                    Some(l) => format!(
                        "{}:{}:{}",
                        self.files[&rel].describe(&rel),
                        l.line(),
                        l.column()
                    ),
                    None => self.files[&rel].describe(&rel),
                },
                message: format!("UI strings must be `key: text` lines: {e}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_theme_file_is_compiled_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                let rel = e.path().strip_prefix(&dir).ok()?;
                Some(crate::diag::display_path(rel))
            })
            .collect();
        on_disk.sort();
        let mut built_in: Vec<String> =
            DEFAULT_FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
        built_in.sort();
        assert_eq!(on_disk, built_in, "add new theme files to DEFAULT_FILES");
    }

    #[test]
    fn builtin_templates_compile() {
        Theme::builtin().tera().expect("built-in templates compile");
    }

    /// Every default template survives minifying intact, so builds never minify whole
    /// pages.
    #[test]
    fn builtin_templates_minify() {
        let theme = Theme::builtin();
        for (rel, _) in theme.templates() {
            let text = theme.text(rel).expect("text");
            let min = crate::render::minify_template(text)
                .unwrap_or_else(|| panic!("{rel} does not minify intact"));
            assert!(min.len() < text.len(), "{rel}");
        }
        assert!(theme.minified_tera().expect("tera").is_some());
    }

    #[test]
    fn a_statement_inside_a_tag_is_not_minified() {
        let src = "<tr{% if id %} id=\"{{ id }}\"{% endif %}>\n  <td>{{ x }}</td></tr>";
        assert_eq!(crate::render::minify_template(src), None);
        // An element opened in both branches: the minifier loses closing tags after it.
        let twice = "<p>{% if a %}<a href=\"{{ h }}\">{% else %}<a class=x href=\"{{ h }}\">{% endif %}x</a></p></body></html>";
        assert_eq!(crate::render::minify_template(twice), None);
        let ok =
            "{% if id %}<tr id=\"{{ id }}\">{% else %}<tr>{% endif %}\n  <td>{{ x }}</td></tr>";
        assert_eq!(
            crate::render::minify_template(ok).as_deref(),
            Some("{% if id %}<tr id=\"{{ id }}\">{% else %}<tr>{% endif %} <td>{{ x }}</td></tr>")
        );
    }

    #[test]
    fn ui_strings_fall_back_to_english() {
        let theme = Theme::builtin();
        let en = theme.ui("en-US").expect("en-US");
        for tag in ["ko-KR", "ja-JP", "fr-FR"] {
            let ui = theme.ui(tag).expect(tag);
            let missing: Vec<&String> = en.keys().filter(|k| !ui.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{tag}: {missing:?}");
        }
        assert_eq!(theme.ui("fr-FR").expect("fr")["language_name"], "fr-FR");
        assert_eq!(theme.ui("ko-KR").expect("ko")["language_name"], "한국어");
        // Each built-in translation says everything the English one says.
        for tag in ["ko-KR", "ja-JP"] {
            let own = theme.ui_file(tag).expect("read").expect("exists");
            let missing: Vec<&String> = en.keys().filter(|k| !own.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{tag} lacks {missing:?}");
        }
    }

    #[test]
    fn override_with_syntax_error_names_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let theme_dir = dir.path().join("themes").join("custom");
        std::fs::create_dir_all(&theme_dir).expect("mkdir");
        std::fs::write(
            theme_dir.join("entry.html"),
            "line one\n{% if x %}\nno end\n",
        )
        .expect("write");
        let theme = Theme::load(dir.path(), "custom").expect("load");
        let err = theme.tera().expect_err("syntax error");
        let msg = err.to_string();
        assert!(msg.contains("themes/custom/entry.html:"), "{msg}");
    }

    #[test]
    fn missing_theme_is_an_error_but_default_is_built_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Theme::load(dir.path(), "default").is_ok());
        assert!(Theme::load(dir.path(), "nope").is_err());
        assert!(Theme::load(dir.path(), "../x").is_err());
    }
}
