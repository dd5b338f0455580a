//! Rendering: the model → every output file of the site, in memory.
//!
//! [`Renderer`] prepares what pages share (per-locale UI strings, file names, the code
//! index), lists the [`Job`]s, and renders any one of them; [`render_site`] renders all of
//! them across threads. Writing to disk is `output`'s business.

pub mod context;
mod derived;
mod index;
pub mod links;
mod pages;
mod tera_context;
#[cfg(test)]
mod tests;
pub mod url;

use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::Site;
use crate::theme::Theme;

pub use derived::DerivedCache;
pub use index::{LocaleIndex, SiteIndex, UNTRANSLATED_DIR};

/// `--no-minify` and `--sanitize`, shared by `build`, `bundle`, `serve` and `watch`.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct RenderArgs {
    /// Leave the HTML as rendered, without minifying it (for reading and diffing).
    #[arg(long)]
    pub no_minify: bool,
    /// Clean the guides' HTML: remove scripts, `on…` handlers, `javascript:` and `data:`
    /// URLs, iframes, objects and styles (for sites built from untrusted contributions).
    #[arg(long)]
    pub sanitize: bool,
}

impl RenderArgs {
    pub fn minify(&self) -> bool {
        !self.no_minify
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Minify HTML (minify-html, configured to keep the output valid HTML).
    pub minify: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { minify: true }
    }
}

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// What a build produced, for the closing line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderStats {
    pub locales: usize,
    /// Guides, counted once per locale.
    pub guides: usize,
    pub error_pages: usize,
    pub code_pages: usize,
    /// Every file written, assets included.
    pub files: usize,
    pub bytes: u64,
}

/// One piece of work: a page or generated file. Indices point into `Site::locales`,
/// `Locale::guides`, the guide's entries and the locale's code index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Root,
    NotFound,
    Sitemap,
    Home {
        locale: usize,
    },
    Guide {
        locale: usize,
        guide: usize,
    },
    Entry {
        locale: usize,
        guide: usize,
        entry: usize,
    },
    Codes {
        locale: usize,
    },
    Code {
        locale: usize,
        code: usize,
    },
    /// The locale's search page (`search.html`); its index comes with [`Renderer::assets`].
    Search {
        locale: usize,
    },
    /// A "not translated yet" page (`LocaleIndex::untranslated[page]`).
    Untranslated {
        locale: usize,
        page: usize,
    },
}

/// A theme's compiled templates; compiled once per theme (and kept across rebuilds by
/// `serve`).
pub struct Templates {
    tera: tera::Tera,
    /// The templates minified once, when minifying and every template survives it intact
    /// (see [`Theme::minified_tera`]); pages are then not minified whole.
    tera_min: Option<tera::Tera>,
}

impl Templates {
    /// Fails on a template error, naming the template file and line.
    pub fn compile(theme: &Theme, opts: RenderOptions) -> Result<Self> {
        let tera = theme.tera()?;
        let tera_min = if opts.minify {
            theme.minified_tera()?
        } else {
            None
        };
        Ok(Templates { tera, tera_min })
    }
}

pub struct Renderer<'a> {
    site: &'a Site,
    theme: &'a Theme,
    templates: Arc<Templates>,
    index: SiteIndex<'a>,
    opts: RenderOptions,
    /// Images the guides show, by output path → file under the site root; gathered on
    /// first use (a `serve` rebuild finds a guide's images among its own).
    images: std::sync::OnceLock<std::collections::BTreeMap<String, std::path::PathBuf>>,
    /// What every error page of a guide shows alike, by locale and guide; made by the
    /// first of them to be rendered.
    guide_shared: Vec<Vec<std::sync::OnceLock<context::GuideShared>>>,
    /// Tells this renderer's per-thread copies from an earlier one's.
    id: u64,
}

impl<'a> Renderer<'a> {
    /// Compiles the theme's templates and indexes the site. Fails on a template error,
    /// naming the template file and line.
    pub fn new(site: &'a Site, theme: &'a Theme, opts: RenderOptions) -> Result<Self> {
        let templates = Arc::new(Templates::compile(theme, opts)?);
        Self::with_templates(site, theme, templates, opts)
    }

    /// [`Renderer::new`] with templates compiled earlier from the same theme and options.
    pub fn with_templates(
        site: &'a Site,
        theme: &'a Theme,
        templates: Arc<Templates>,
        opts: RenderOptions,
    ) -> Result<Self> {
        Self::with_cache(site, theme, templates, opts, None)
    }

    /// [`Renderer::with_templates`] taking what each guide alone gives from `cache`
    /// (see [`DerivedCache`]).
    pub fn with_cache(
        site: &'a Site,
        theme: &'a Theme,
        templates: Arc<Templates>,
        opts: RenderOptions,
        cache: Option<&DerivedCache>,
    ) -> Result<Self> {
        let index = SiteIndex::new(site, theme, cache)?;
        let guide_shared = index
            .locales
            .iter()
            .map(|l| l.guides.iter().map(|_| Default::default()).collect())
            .collect();
        Ok(Renderer {
            site,
            theme,
            templates,
            index,
            opts,
            images: std::sync::OnceLock::new(),
            guide_shared,
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        })
    }

    pub fn index(&self) -> &SiteIndex<'a> {
        &self.index
    }

    /// Every page and generated file, in a stable order.
    pub fn jobs(&self) -> Vec<Job> {
        self.jobs_with_guides(|_, _| true)
    }

    /// [`Renderer::jobs`] with the pages of only the guides `(locale, guide)` that
    /// `keep` accepts (a rebuild after an edit lists 80 jobs, not every page).
    pub fn jobs_with_guides(&self, keep: impl Fn(usize, usize) -> bool) -> Vec<Job> {
        let mut jobs = vec![Job::Root, Job::NotFound];
        if self.site.config.base_url.is_some() {
            jobs.push(Job::Sitemap);
        }
        for (li, loc) in self.index.locales.iter().enumerate() {
            jobs.push(Job::Home { locale: li });
            jobs.push(Job::Codes { locale: li });
            jobs.push(Job::Search { locale: li });
            for (gi, g) in loc.guides.iter().enumerate() {
                if !keep(li, gi) {
                    continue;
                }
                jobs.push(Job::Guide {
                    locale: li,
                    guide: gi,
                });
                for ei in 0..g.entry_count() {
                    jobs.push(Job::Entry {
                        locale: li,
                        guide: gi,
                        entry: ei,
                    });
                }
            }
            for ci in 0..loc.codes.len() {
                jobs.push(Job::Code {
                    locale: li,
                    code: ci,
                });
            }
            for pi in 0..loc.untranslated.len() {
                jobs.push(Job::Untranslated {
                    locale: li,
                    page: pi,
                });
            }
        }
        jobs
    }

    /// Renders one job into its file (minified when asked).
    pub fn render(&self, job: Job) -> Result<OutputFile> {
        let file = pages::render(self, job)?;
        if self.opts.minify && self.templates.tera_min.is_none() && file.path.ends_with(".html") {
            return Ok(OutputFile {
                bytes: minify(&file.bytes),
                path: file.path,
            });
        }
        Ok(file)
    }

    /// Files that are not pages: the theme's static files under `assets/`, the images the
    /// guides show (beside their locale's pages), and each locale's `errors.json` and
    /// search index (`<locale>/search-index.js`, sharded when large).
    pub fn assets(&self) -> Result<Vec<OutputFile>> {
        let mut files = self.static_files()?;
        files.extend((0..self.index.locales.len()).map(|li| self.errors_json(li)));
        files.extend(
            (self.locales().par_iter())
                .flat_map_iter(|l| search_files(l))
                .collect::<Vec<_>>(),
        );
        Ok(files)
    }

    /// [`Self::assets`] without `errors.json` and the search indexes: the theme's static
    /// files and the guides' images.
    pub fn static_files(&self) -> Result<Vec<OutputFile>> {
        let mut files: Vec<OutputFile> = self
            .theme
            .assets()
            .map(|(rel, f)| OutputFile {
                path: format!("assets/{rel}"),
                bytes: f.bytes.to_vec(),
            })
            .collect();
        for (path, source) in self.images() {
            let bytes = std::fs::read(source).map_err(|e| Error::io("read image", source, e))?;
            files.push(OutputFile {
                path: path.clone(),
                bytes,
            });
        }
        Ok(files)
    }

    /// `<locale>/errors.json` of locale `li`, from the JSON each guide's derived part
    /// keeps (`serve` reuses it for the guides that did not change).
    pub fn errors_json(&self, li: usize) -> OutputFile {
        let l = &self.index.locales[li];
        let parts: Vec<&str> = (l.guides.iter()).map(|g| g.derived.json(g.guide)).collect();
        errors_json_file(l.tag, &parts)
    }

    /// The locales rendered, in order.
    pub fn locales(&self) -> Vec<&'a crate::model::Locale> {
        self.index.locales.iter().map(|l| l.locale).collect()
    }

    /// Every image the guides show, by output path → file under the site root.
    fn images(&self) -> &std::collections::BTreeMap<String, std::path::PathBuf> {
        self.images.get_or_init(|| {
            (self.index.locales.iter())
                .flat_map(|l| &l.guides)
                .flat_map(|g| g.derived.images.iter().cloned())
                .collect()
        })
    }

    /// What the error pages of guide `gi` of locale `li` share, made by `make` once.
    fn guide_shared(
        &self,
        li: usize,
        gi: usize,
        make: impl FnOnce() -> Result<context::GuideShared>,
    ) -> Result<&context::GuideShared> {
        // The index and this table are built from the same locales and guides.
        let cell = &self.guide_shared[li][gi];
        if let Some(shared) = cell.get() {
            return Ok(shared);
        }
        let made = make()?;
        Ok(cell.get_or_init(|| made))
    }

    fn render_template<T: context::Page>(&self, template: &str, page: &T) -> Result<Vec<u8>> {
        let mut ctx = page.shared().cloned().unwrap_or_default();
        tera_context::add_fields(&mut ctx, page, template)?;
        ctx.insert_value("ui", self.thread_ui(page.common().ui));
        let t = &self.templates;
        let tera = t.tera_min.as_ref().unwrap_or(&t.tera);
        // Rendered straight into bytes: `Tera::render` would check the bytes are UTF-8
        // again to make a String, which pages never need. Most pages are 4–8 KB.
        let mut page = Vec::with_capacity(8 * 1024);
        match tera.render_to(template, &ctx, &mut page) {
            Ok(()) => Ok(page),
            // Report lines of the template as written, not of its minified form.
            Err(e) => Err(self.theme.template_error(
                &t.tera.render(template, &ctx).err().unwrap_or(e),
                Some(template),
            )),
        }
    }

    /// The UI strings `ui` converted for Tera, this thread's own copy. Tera clones a
    /// value (an `Arc`) at every lookup and drops it after: on one copy shared by all
    /// threads, each `{{ ui.… }}` of every page made the threads fight over its counts.
    fn thread_ui(&self, ui: &crate::theme::Ui) -> tera::Value {
        thread_local! {
            /// By renderer and `Ui` address: the renderer's copies.
            static COPIES: std::cell::RefCell<(u64, Vec<(usize, tera::Value)>)> =
                const { std::cell::RefCell::new((0, Vec::new())) };
        }
        let at = std::ptr::from_ref(ui) as usize;
        COPIES.with_borrow_mut(|(id, copies)| {
            if *id != self.id {
                *id = self.id;
                copies.clear();
            }
            match copies.iter().find(|(a, _)| *a == at) {
                Some((_, v)) => v.clone(),
                None => {
                    let v = tera::Value::from_serializable(ui);
                    copies.push((at, v.clone()));
                    v
                }
            }
        })
    }

    /// A fragment of guide HTML, minified when the templates were (pages are then put
    /// together from minified parts instead of being minified whole).
    fn fragment<'h>(&self, html: std::borrow::Cow<'h, str>) -> std::borrow::Cow<'h, str> {
        if self.templates.tera_min.is_none() {
            return html;
        }
        match minify_simple(&html) {
            Some(std::borrow::Cow::Borrowed(_)) => return html,
            Some(std::borrow::Cow::Owned(min)) => return std::borrow::Cow::Owned(min),
            None => {}
        }
        // A fragment may close what an earlier one opened (a list an error table cuts
        // in two); the minifier would drop those end tags, which the page needs.
        if closes_outer(html.as_bytes()) {
            return html;
        }
        // A guide's page and its error pages show the same fragments and are rendered
        // one after the other: each was minified twice, 3% of a build's instructions.
        thread_local! {
            /// Fragments this thread minified lately, by their HTML: the newest and, once
            /// that is full, the generation before.
            static MINIFIED: std::cell::RefCell<[rustc_hash::FxHashMap<String, String>; 2]> =
                std::cell::RefCell::new(Default::default());
        }
        /// Far more than the fragments of one guide, little memory.
        const KEEP: usize = 512;
        let known = |[new, old]: &[rustc_hash::FxHashMap<String, String>; 2]| {
            new.get(html.as_ref())
                .or_else(|| old.get(html.as_ref()))
                .cloned()
        };
        if let Some(min) = MINIFIED.with_borrow(known) {
            return std::borrow::Cow::Owned(min);
        }
        let min = minify(html.as_bytes());
        match String::from_utf8(min) {
            Ok(s) => {
                MINIFIED.with_borrow_mut(|[new, old]| {
                    if new.len() >= KEEP {
                        *old = std::mem::take(new);
                    }
                    new.insert(html.to_string(), s.clone());
                });
                std::borrow::Cow::Owned(s)
            }
            Err(_) => html,
        }
    }
}

/// A locale's search index files (`<locale>/search-index.js`, sharded when large).
pub fn search_files(locale: &crate::model::Locale) -> Vec<OutputFile> {
    (crate::search::build_locale_index(locale)
        .files()
        .into_iter())
    .map(|f| OutputFile {
        path: format!("{}/{}", locale.tag, f.name),
        bytes: f.content.into_bytes(),
    })
    .collect()
}

/// `<locale>/errors.json` of a locale, made from the model alone (a build makes it while
/// the pages render), handed to `sink` piece by piece: guides are serialized a batch at
/// a time across threads, and neither the file (94 MB at 2,000 Korean guides) nor every
/// guide's part is held, so it adds little to the pages' memory.
/// The pieces make what [`Renderer::errors_json`] makes whole; the file goes to
/// [`errors_json_path`].
pub fn locale_errors_json(locale: &crate::model::Locale, sink: &mut dyn FnMut(&[u8])) {
    let batches = locale.guides.chunks(64).flat_map(|batch| {
        batch
            .par_iter()
            .map(crate::export::guide_json)
            .collect::<Vec<_>>()
    });
    crate::export::locale_json_pieces(&locale.tag, batches, &mut |piece| sink(piece.as_bytes()));
    sink(b"\n");
}

/// Where a locale's `errors.json` goes.
pub fn errors_json_path(tag: &str) -> String {
    format!("{tag}/errors.json")
}

/// `<locale>/errors.json` of a locale, from what the cache derived of each guide (`serve`
/// updates it with the search index, after the pages).
pub fn errors_json(site: &Site, locale: &crate::model::Locale, cache: &DerivedCache) -> OutputFile {
    let derived = cache.get_all(&site.root, &locale.tag, &locale.guides);
    let parts: Vec<&str> = (derived.iter().zip(&locale.guides))
        .map(|(d, g)| d.json(g))
        .collect();
    errors_json_file(&locale.tag, &parts)
}

/// `<tag>/errors.json` from the JSON of each guide, in order.
fn errors_json_file<S: AsRef<str>>(tag: &str, guides: &[S]) -> OutputFile {
    let mut json = crate::export::locale_json_of(tag, guides);
    json.push('\n');
    OutputFile {
        path: errors_json_path(tag),
        bytes: json.into_bytes(),
    }
}

/// What minify-html makes of the commonest fragments, without running it: text with
/// single spaces and no entity or line break, tags without attributes of a few inline
/// and list elements, properly nested, no space beside a list tag. minify-html gives
/// those back as they are, but for `<br/>` and `<br />`, which become `<br>`. `None` for
/// any other fragment; borrowed when it is minimal already (most error messages are
/// plain text; most fixes, text and `<br>` or a list). A test compares this with
/// minify-html on every short combination of such pieces.
fn minify_simple(html: &str) -> Option<std::borrow::Cow<'_, str>> {
    const INLINE: [&[u8]; 5] = [b"b", b"code", b"em", b"i", b"strong"];
    const LIST: [&[u8]; 3] = [b"li", b"ol", b"ul"];
    let b = html.as_bytes();
    if b.first().is_some_and(u8::is_ascii_whitespace)
        || b.last().is_some_and(u8::is_ascii_whitespace)
    {
        return None;
    }
    let mut open: Vec<&[u8]> = Vec::new();
    // Made at the first long `<br />`, with `html[..copied]` in it.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'&' | b'\n' | b'\r' | b'\t' | 0x0c => return None,
            // minify-html drops a space that is all the text between two tags.
            b' ' if matches!(b.get(i + 1), Some(b' ' | b'<')) && i > 0 && b[i - 1] == b'>' => {
                return None
            }
            b' ' if b.get(i + 1) == Some(&b' ') => return None,
            b'<' => {
                let is_end = b.get(i + 1) == Some(&b'/');
                let name_at = i + 1 + usize::from(is_end);
                let len = (b[name_at..].iter())
                    .take_while(|c| c.is_ascii_lowercase())
                    .count();
                let (name, after) = (&b[name_at..name_at + len], name_at + len);
                let close = match &b[after..] {
                    [b'>', ..] => after + 1,
                    [b'/', b'>', ..] if name == b"br" && !is_end => after + 2,
                    [b' ', b'/', b'>', ..] if name == b"br" && !is_end => after + 3,
                    _ => return None,
                };
                let is_list = LIST.contains(&name);
                if is_list && (i > 0 && b[i - 1] == b' ' || b.get(close) == Some(&b' ')) {
                    return None;
                }
                if name == b"br" {
                    if is_end {
                        return None;
                    }
                    if close - i > 4 {
                        let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
                        o.push_str(&html[copied..i]);
                        o.push_str("<br>");
                        copied = close;
                    }
                } else if !is_list && !INLINE.contains(&name) {
                    return None;
                } else if !is_end {
                    // A list item only right inside a list, a list never inside inline
                    // elements: elsewhere the parser closes elements the source did not.
                    let parent = open.last().copied();
                    let list_parent = matches!(parent, Some(b"ol" | b"ul"));
                    if (name == b"li") != list_parent
                        || (is_list && parent.is_some_and(|p| INLINE.contains(&p)))
                    {
                        return None;
                    }
                    open.push(name);
                    if open.len() > MAX_MINIFY_DEPTH {
                        return None;
                    }
                } else if open.pop() != Some(name) {
                    return None;
                }
                i = close;
            }
            _ => i += 1,
        }
    }
    if !open.is_empty() {
        return None;
    }
    Some(match out {
        Some(mut o) => {
            o.push_str(&html[copied..]);
            std::borrow::Cow::Owned(o)
        }
        None => std::borrow::Cow::Borrowed(html),
    })
}

/// Minifies HTML so that it stays valid for the Nu HTML Checker: closing tags and the
/// `<html>`/`<head>` opening tags are kept (`<html lang>` must survive), the doctype
/// is left alone, and no non-compliant shortcuts are taken.
pub fn minify(html: &[u8]) -> Vec<u8> {
    static CFG: std::sync::LazyLock<minify_html::Cfg> =
        std::sync::LazyLock::new(|| minify_cfg(false));
    // minify-html recurses once per nesting level; 10,000 nested lists from a hostile
    // guide would overflow a thread's stack. Such HTML is left as it is.
    if nesting_depth(html) > MAX_MINIFY_DEPTH {
        return html.to_vec();
    }
    minify_html::minify(html, &CFG)
}

/// The tags of `html` in order: whether it is an end tag, its name (empty for `</>`),
/// and what follows the name. A scan, not a parser: enough to count elements.
fn tags(html: &[u8]) -> impl Iterator<Item = (bool, &[u8], &[u8])> {
    let mut i = 0;
    std::iter::from_fn(move || loop {
        let at = html[i..].iter().position(|&b| b == b'<')?;
        i += at + 1;
        let (is_end, rest) = match html[i..].first() {
            Some(b'/') => (true, &html[i + 1..]),
            Some(c) if c.is_ascii_alphabetic() => (false, &html[i..]),
            _ => continue,
        };
        let len = rest
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        return Some((is_end, &rest[..len], &rest[len..]));
    })
}

/// Whether `html` has more end tags than start tags of some element: it closes
/// elements opened outside it.
fn closes_outer(html: &[u8]) -> bool {
    use std::borrow::Cow;
    // Tag names are borrowed unless they need lowercasing (fragments are many and small).
    let mut balance: rustc_hash::FxHashMap<Cow<'_, [u8]>, i64> = Default::default();
    for (is_end, name, _) in tags(html) {
        let name = if name.iter().any(u8::is_ascii_uppercase) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        *balance.entry(name).or_insert(0) += if is_end { -1 } else { 1 };
    }
    balance.values().any(|&n| n < 0)
}

/// Deeper HTML is not minified (see [`minify`]).
const MAX_MINIFY_DEPTH: usize = 512;

/// The deepest element nesting of `html`, counting start tags that are not void or
/// self-closing against end tags. An estimate (it does not know implied end tags), but
/// never below the real depth of well-formed HTML.
fn nesting_depth(html: &[u8]) -> usize {
    const VOID: [&[u8]; 14] = [
        b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
        b"param", b"source", b"track", b"wbr",
    ];
    let (mut depth, mut max) = (0usize, 0usize);
    for (is_end, name, after) in tags(html) {
        if is_end {
            depth = depth.saturating_sub(1);
            continue;
        }
        let end = after.iter().position(|&b| b == b'>').unwrap_or(after.len());
        let self_closing = end > 0 && after[end - 1] == b'/';
        if !self_closing && !VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// A template minified with its Tera syntax kept, or `None` when the minifier changed
/// what Tera sees: the statements (`{% %}`, `{# #}`) must come out in the same order and
/// the expressions (`{{ }}`) be the same ones (attributes may be reordered).
pub fn minify_template(source: &str) -> Option<String> {
    static CFG: std::sync::LazyLock<minify_html::Cfg> =
        std::sync::LazyLock::new(|| minify_cfg(true));
    let min = String::from_utf8(minify_html::minify(source.as_bytes(), &CFG)).ok()?;
    fn syntax(s: &str) -> (Vec<&str>, Vec<&str>) {
        let (mut statements, mut expressions) = (Vec::new(), Vec::new());
        let mut rest = s;
        while let Some(at) = rest.find('{') {
            let tail = &rest[at..];
            let close = match tail.as_bytes().get(1) {
                Some(b'%') => "%}",
                Some(b'#') => "#}",
                Some(b'{') => "}}",
                _ => {
                    rest = &tail[1..];
                    continue;
                }
            };
            let Some(end) = tail.find(close) else {
                // Unclosed: leave the template to Tera, unminified.
                statements.push(tail);
                break;
            };
            let token = &tail[..end + 2];
            if close == "}}" {
                expressions.push(token);
            } else {
                statements.push(token);
            }
            rest = &tail[end + 2..];
        }
        expressions.sort_unstable();
        (statements, expressions)
    }
    // Closing tags are kept by our settings; one lost means the minifier misread the
    // structure (an element opened in two branches of an `{% if %}`).
    fn end_tags(s: &str) -> Vec<&str> {
        let mut tags: Vec<&str> = s
            .match_indices("</")
            .filter_map(|(at, _)| s[at..].find('>').map(|end| &s[at..at + end]))
            .collect();
        tags.sort_unstable();
        tags
    }
    (syntax(source) == syntax(&min) && end_tags(source) == end_tags(&min)).then_some(min)
}

/// The minifier's settings; `templates` keeps Tera's `{{ }}`, `{% %}` and `{# #}`.
pub fn minify_cfg(templates: bool) -> minify_html::Cfg {
    minify_html::Cfg {
        preserve_brace_template_syntax: templates,
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        keep_comments: false,
        minify_css: false,
        minify_js: false,
        minify_doctype: false,
        allow_noncompliant_unquoted_attribute_values: false,
        allow_optimal_entities: false,
        allow_removing_spaces_between_attributes: false,
        ..minify_html::Cfg::default()
    }
}

/// Everything, rendered across threads: pages, generated files and assets, sorted by path.
pub fn render_site(
    site: &Site,
    theme: &Theme,
    opts: RenderOptions,
) -> Result<(Vec<OutputFile>, RenderStats)> {
    let renderer = Renderer::new(site, theme, opts)?;
    let jobs = renderer.jobs();
    let mut files = jobs
        .par_iter()
        .map(|job| renderer.render(*job))
        .collect::<Result<Vec<_>>>()?;
    files.extend(renderer.assets()?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let bytes = files.iter().map(|f| f.bytes.len() as u64).sum();
    let stats = renderer.stats(&jobs, files.len(), bytes);
    Ok((files, stats))
}

impl Renderer<'_> {
    /// Counts for the closing line, of `jobs` that made `files` files of `bytes` bytes.
    pub fn stats(&self, jobs: &[Job], files: usize, bytes: u64) -> RenderStats {
        RenderStats {
            locales: self.index.locales.len(),
            guides: jobs
                .iter()
                .filter(|j| matches!(j, Job::Guide { .. }))
                .count(),
            error_pages: jobs
                .iter()
                .filter(|j| matches!(j, Job::Entry { .. }))
                .count(),
            code_pages: jobs
                .iter()
                .filter(|j| matches!(j, Job::Code { .. }))
                .count(),
            files,
            bytes,
        }
    }
}
