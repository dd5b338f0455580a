//! One function per page kind: build the page's context, render its template.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::model::Block;

use super::context::*;
use super::index::{code_group, collapse, collapse_short, plain, shorten, GuideIndex, LocaleIndex};
use super::links::{escape_attr, img_srcs, rewrite_hrefs, rewrite_imgs, ImgRewrite, Rewrite};
use super::url::{encode, href};
use super::{Job, OutputFile, Renderer};

/// Titles in links (pager, lists) are cut to this many characters.
const LINK_TITLE: usize = 90;

/// A page of a locale, to find its counterpart in another locale.
#[derive(Clone, Copy)]
enum PageRef<'s> {
    Home,
    Guide(&'s str),
    Entry(&'s str, &'s str),
    Codes,
    Code(&'s str),
    Search,
}

pub(super) fn render(r: &Renderer<'_>, job: Job) -> Result<OutputFile> {
    match job {
        Job::Root => root(r),
        Job::NotFound => not_found(r),
        Job::Sitemap => sitemap(r),
        Job::Home { locale } => home(r, locale),
        Job::Guide { locale, guide } => guide_page(r, locale, guide),
        Job::Entry {
            locale,
            guide,
            entry,
        } => entry_page(r, locale, guide, entry),
        Job::Codes { locale } => codes_page(r, locale),
        Job::Code { locale, code } => code_page(r, locale, code),
        Job::Search { locale } => search_page(r, locale),
        Job::Untranslated { locale, page } => untranslated_page(r, locale, page),
    }
}

fn loc<'r, 'a>(r: &'r Renderer<'a>, li: usize) -> Result<&'r LocaleIndex<'a>> {
    r.index
        .locales
        .get(li)
        .ok_or_else(|| Error::Usage(format!("no locale #{li}")))
}

/// Output path segments of a page of locale `li`, or `None` when that locale lacks it.
fn path_of(r: &Renderer<'_>, li: usize, page: PageRef<'_>) -> Option<Vec<String>> {
    let l = r.index.locales.get(li)?;
    let tag = l.tag.to_owned();
    Some(match page {
        PageRef::Home => vec![tag, "index.html".into()],
        PageRef::Codes => vec![tag, "codes".into(), "index.html".into()],
        PageRef::Search => vec![tag, "search.html".into()],
        PageRef::Code(normalized) => {
            let c = &l.codes[l.code_index(normalized)?];
            vec![tag, "codes".into(), format!("{}.html", c.stem)]
        }
        PageRef::Guide(slug) => {
            let g = &l.guides[l.guide_index(slug)?];
            vec![tag, g.stem.clone(), "index.html".into()]
        }
        PageRef::Entry(slug, id) => {
            let g = &l.guides[l.guide_index(slug)?];
            let e = g.entry_index(id)?;
            vec![
                tag,
                g.stem.clone(),
                format!("{}.html", g.derived.entry_stems[e]),
            ]
        }
    })
}

/// Output path segments of the "not translated yet" page of locale `li` for a guide or
/// entry it lacks.
fn untranslated_path_of(r: &Renderer<'_>, li: usize, page: PageRef<'_>) -> Option<Vec<String>> {
    let l = r.index.locales.get(li)?;
    let pi = match page {
        PageRef::Guide(slug) => l.untranslated_index(slug, None)?,
        PageRef::Entry(slug, id) => l.untranslated_index(slug, Some(id))?,
        _ => return None,
    };
    let mut segs = vec![l.tag.to_owned()];
    segs.extend(l.untranslated[pi].segments.iter().cloned());
    Some(segs)
}

/// Where locale `li` shows `page`: the page itself; else its "not translated yet" page;
/// else (entries of a guide the locale lacks, codes it does not have) the nearest page
/// up; else its home. The flag is true for the page itself.
fn counterpart(r: &Renderer<'_>, li: usize, page: PageRef<'_>) -> (Vec<String>, bool) {
    if let Some(segs) = path_of(r, li, page) {
        return (segs, true);
    }
    let mut tries = vec![page];
    match page {
        PageRef::Entry(slug, _) => tries.push(PageRef::Guide(slug)),
        PageRef::Code(_) => tries.push(PageRef::Codes),
        _ => {}
    }
    let segs = tries
        .into_iter()
        .find_map(|p| untranslated_path_of(r, li, p).or_else(|| path_of(r, li, p)))
        .unwrap_or_else(|| {
            let tag = r.index.locales.get(li).map_or("", |l| l.tag);
            vec![tag.to_owned(), "index.html".into()]
        });
    (segs, false)
}

fn href_of(depth: usize, segments: &[String]) -> String {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    href(depth, &s)
}

/// The page's counterpart in every built locale (see [`counterpart`]).
fn locale_links(
    r: &Renderer<'_>,
    current: Option<usize>,
    depth: usize,
    page: PageRef<'_>,
) -> Vec<LocaleLink> {
    (0..r.index.locales.len())
        .map(|li| {
            let l = &r.index.locales[li];
            let (segs, translated) = counterpart(r, li, page);
            LocaleLink {
                tag: l.tag.to_owned(),
                name: l.name.clone(),
                href: href_of(depth, &segs),
                current: current == Some(li),
                translated,
            }
        })
        .collect()
}

/// The page a machine-translated page was translated from: the same page in the default
/// locale, else in the first other locale whose guide is not machine translated itself.
fn mt_source(r: &Renderer<'_>, li: usize, depth: usize, page: PageRef<'_>) -> Option<LocaleLink> {
    let slug = match page {
        PageRef::Guide(s) | PageRef::Entry(s, _) => s,
        _ => return None,
    };
    others_default_first(r, li).into_iter().find_map(|oi| {
        let l = &r.index.locales[oi];
        let g = l.locale.guide(slug)?;
        if g.front_matter.machine_translated && oi != r.index.default_locale {
            return None;
        }
        let segs = path_of(r, oi, page)?;
        Some(LocaleLink {
            tag: l.tag.to_owned(),
            name: l.name.clone(),
            href: href_of(depth, &segs),
            current: false,
            translated: true,
        })
    })
}

/// Every locale but `li`, the default locale first.
fn others_default_first(r: &Renderer<'_>, li: usize) -> Vec<usize> {
    let d = r.index.default_locale;
    let n = r.index.locales.len();
    std::iter::once(d)
        .chain((0..n).filter(|&i| i != d))
        .filter(|&i| i != li && i < n)
        .collect()
}

/// `ms.date` as the locale writes it: the UI string `date_format` (chrono's strftime
/// syntax); ISO 8601 when that is missing or malformed.
pub(super) fn date_view(date: chrono::NaiveDate, ui: &crate::theme::Ui) -> DateView {
    use std::fmt::Write as _;
    let iso = date.format("%Y-%m-%d").to_string();
    let text = ui
        .get("date_format")
        .and_then(|f| {
            let items: Vec<chrono::format::Item> = chrono::format::StrftimeItems::new(f).collect();
            if items
                .iter()
                .any(|i| matches!(i, chrono::format::Item::Error))
            {
                return None;
            }
            let mut out = String::new();
            write!(out, "{}", date.format_with_items(items.into_iter())).ok()?;
            Some(out)
        })
        .unwrap_or_else(|| iso.clone());
    DateView { iso, text }
}

fn canonical(r: &Renderer<'_>, segments: &[String]) -> Option<String> {
    let base = r.site.config.base_url.as_deref()?;
    let path: Vec<String> = segments.iter().map(|s| encode(s)).collect();
    Some(format!("{}/{}", base.trim_end_matches('/'), path.join("/")))
}

struct CommonArgs<'s> {
    kind: &'static str,
    locale: Option<usize>,
    depth: usize,
    title: String,
    description: Option<String>,
    page: PageRef<'s>,
    path: Vec<String>,
    /// The guide the page shows (guide and error pages): its date and MT flag.
    guide: Option<&'s crate::model::Guide>,
    /// False on error pages, whose [`Place`] their guide's [`GuideShared`] holds.
    with_place: bool,
}

/// The UI strings of a page of `locale`, or of a page outside the locales.
fn ui_of<'a>(r: &'a Renderer<'_>, locale: Option<usize>) -> &'a crate::theme::Ui {
    match locale.and_then(|li| r.index.locales.get(li)) {
        Some(l) => &l.ui,
        None => &r.index.root_ui,
    }
}

fn common<'a>(r: &'a Renderer<'_>, a: CommonArgs<'_>) -> Common<'a> {
    Common {
        place: a
            .with_place
            .then(|| place(r, a.kind, a.locale, a.depth, a.guide)),
        title: a.title,
        description: a.description,
        redirect: None,
        canonical: canonical(r, &a.path),
        locales: locale_links(r, a.locale, a.depth, a.page),
        machine_translated: match (a.guide, a.locale) {
            (Some(g), Some(li)) if g.front_matter.machine_translated => Some(MachineTranslated {
                source: mt_source(r, li, a.depth, a.page),
            }),
            _ => None,
        },
        ui: ui_of(r, a.locale),
    }
}

/// The fields of a page's [`Place`]: its kind, and where it is (locale, folder depth,
/// guide).
fn place<'a>(
    r: &'a Renderer<'_>,
    kind: &'static str,
    locale: Option<usize>,
    depth: usize,
    guide: Option<&crate::model::Guide>,
) -> Place<'a> {
    let (lang, home, codes, search) = match locale.and_then(|li| r.index.locales.get(li)) {
        Some(l) => (
            l.tag,
            href(depth, &[l.tag, "index.html"]),
            Some(href(depth, &[l.tag, "codes", "index.html"])),
            Some(SearchLinks {
                index: href(depth, &[l.tag, "search-index.js"]),
                page: href(depth, &[l.tag, "search.html"]),
            }),
        ),
        None => {
            let lang = r
                .index
                .locales
                .get(r.index.default_locale)
                .map_or(r.site.config.default_locale.as_str(), |l| l.tag);
            (lang, href(depth, &["index.html"]), None, None)
        }
    };
    Place {
        kind,
        lang,
        site_title: &r.site.config.title,
        assets: format!("{}assets/", super::url::up(depth)),
        home,
        codes,
        search,
        updated: guide
            .and_then(|g| g.front_matter.date)
            .map(|d| date_view(d, ui_of(r, locale))),
    }
}

fn file(path: Vec<String>, bytes: Vec<u8>) -> OutputFile {
    OutputFile {
        path: path.join("/"),
        bytes,
    }
}

fn root(r: &Renderer<'_>) -> Result<OutputFile> {
    let path = vec!["index.html".to_owned()];
    let mut common = common(
        r,
        CommonArgs {
            kind: "root",
            locale: None,
            depth: 0,
            title: r.site.config.title.clone(),
            description: None,
            page: PageRef::Home,
            path: path.clone(),
            guide: None,
            with_place: true,
        },
    );
    common.canonical = None;
    common.redirect = common
        .locales
        .get(r.index.default_locale)
        .map(|l| l.href.clone());
    let bytes = r.render_template("root.html", &RootPage { common })?;
    Ok(file(path, bytes))
}

fn not_found(r: &Renderer<'_>) -> Result<OutputFile> {
    let path = vec!["404.html".to_owned()];
    let title = r
        .index
        .root_ui
        .get("not_found_title")
        .cloned()
        .unwrap_or_default();
    let mut common = common(
        r,
        CommonArgs {
            kind: "404",
            locale: None,
            depth: 0,
            title,
            description: None,
            page: PageRef::Home,
            path: path.clone(),
            guide: None,
            with_place: true,
        },
    );
    common.canonical = None;
    let bytes = r.render_template("404.html", &RootPage { common })?;
    Ok(file(path, bytes))
}

fn home(r: &Renderer<'_>, li: usize) -> Result<OutputFile> {
    let l = loc(r, li)?;
    let path = vec![l.tag.to_owned(), "index.html".into()];
    let common = common(
        r,
        CommonArgs {
            kind: "home",
            locale: Some(li),
            depth: 1,
            title: r.site.config.title.clone(),
            description: None,
            page: PageRef::Home,
            path: path.clone(),
            guide: None,
            with_place: true,
        },
    );
    let guides = l
        .guides
        .iter()
        .map(|g| GuideSummary {
            slug: g.guide.slug.clone(),
            title: g.guide.title.clone(),
            description: g.guide.description.clone(),
            href: href(0, &[&g.stem, "index.html"]),
            entries: g.entry_count(),
        })
        .collect();
    let bytes = r.render_template(
        "home.html",
        &HomePage {
            common,
            guides,
            code_count: l.codes.len(),
        },
    )?;
    Ok(file(path, bytes))
}

fn guide_info(g: &GuideIndex<'_>, depth_from_guide_dir: usize) -> GuideInfo {
    GuideInfo {
        slug: g.guide.slug.clone(),
        title: g.guide.title.clone(),
        h1: g.guide.h1.clone().unwrap_or_else(|| g.guide.title.clone()),
        href: if depth_from_guide_dir == 0 {
            "index.html".into()
        } else {
            href(1, &[&g.stem, "index.html"])
        },
    }
}

fn guide_page(r: &Renderer<'_>, li: usize, gi: usize) -> Result<OutputFile> {
    let l = loc(r, li)?;
    let g = &l.guides[gi];
    let path = vec![l.tag.to_owned(), g.stem.clone(), "index.html".into()];
    let common = common(
        r,
        CommonArgs {
            kind: "guide",
            locale: Some(li),
            depth: 2,
            title: g.guide.title.clone(),
            description: g.guide.description.clone(),
            page: PageRef::Guide(&g.guide.slug),
            path: path.clone(),
            guide: Some(g.guide),
            with_place: true,
        },
    );
    let mut body = Vec::with_capacity(g.guide.body.len());
    for block in &g.guide.body {
        body.push(match block {
            Block::Html { html } => BlockView::Html {
                html: localize(r, l, g, html, false),
            },
            Block::ErrorTable(t) => {
                let headers: Vec<HeaderView> = t
                    .headers
                    .iter()
                    .map(|h| HeaderView {
                        html: r.fragment(Cow::Borrowed(h)),
                        text: plain(h),
                    })
                    .collect();
                let rows = t
                    .rows
                    .iter()
                    .map(|row| {
                        let ei = g.entry_index(&row.entry_id);
                        RowView {
                            id: row.row_anchor.then_some(row.entry_id.as_str()),
                            href: match ei {
                                Some(ei) => {
                                    href(0, &[&format!("{}.html", g.derived.entry_stems[ei])])
                                }
                                None => format!("#{}", encode(&row.entry_id)),
                            },
                            title: ei.map_or_else(
                                || row.entry_id.clone(),
                                |ei| shorten(&g.derived.titles[ei], LINK_TITLE),
                            ),
                            cells: row
                                .cells
                                .iter()
                                .enumerate()
                                .map(|(i, c)| CellView {
                                    html: localize(r, l, g, c, false),
                                    label: headers
                                        .get(i)
                                        .map(|h| h.text.clone())
                                        .unwrap_or_default(),
                                })
                                .collect(),
                        }
                    })
                    .collect();
                BlockView::Table { headers, rows }
            }
        });
    }
    let sections = g.guide.sections_flat();
    let toc = if sections.len() >= 3 {
        sections
            .iter()
            .filter(|s| s.level <= 3)
            .map(|s| TocItem {
                title: collapse(&s.title),
                href: format!("#{}", encode(&s.anchor)),
                level: s.level,
                entries: s.entries.len(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = GuidePage {
        common,
        guide: guide_info(g, 0),
        toc,
        body,
    };
    let bytes = r.render_template("guide.html", &page)?;
    Ok(file(path, bytes))
}

fn entry_page(r: &Renderer<'_>, li: usize, gi: usize, ei: usize) -> Result<OutputFile> {
    let l = loc(r, li)?;
    let g = &l.guides[gi];
    let e = g.entries()[ei];
    let path = vec![
        l.tag.to_owned(),
        g.stem.clone(),
        format!("{}.html", g.derived.entry_stems[ei]),
    ];
    let common = common(
        r,
        CommonArgs {
            kind: "entry",
            locale: Some(li),
            depth: 2,
            title: g.derived.titles[ei].clone(),
            description: Some(collapse_short(&e.resolution.text, 160)).filter(|d| !d.is_empty()),
            page: PageRef::Entry(&g.guide.slug, &e.id),
            path: path.clone(),
            guide: Some(g.guide),
            with_place: false,
        },
    );
    let section = g.section(&e.section);
    let section_href = format!("index.html#{}", encode(&e.section));
    let row_href = if g.has_row_id(&e.id) || section.is_some_and(|s| s.anchor == e.id) {
        format!("index.html#{}", encode(&e.id))
    } else {
        section_href.clone()
    };
    let codes = e
        .codes
        .iter()
        .map(|c| CodeView {
            value: if c.value.is_empty() {
                c.normalized.clone()
            } else {
                c.value.clone()
            },
            raw: c.raw.clone(),
            normalized: c.normalized.clone(),
            kind: c.kind,
            href: match l.code_index(&c.normalized) {
                Some(ci) => href(1, &["codes", &format!("{}.html", l.codes[ci].stem)]),
                None => href(1, &["codes", "index.html"]),
            },
        })
        .collect();
    let entry = EntryView {
        id: &e.id,
        title: g.derived.titles[ei].clone(),
        message_html: localize(r, l, g, &e.message.html, true),
        message_is_title: plain(&e.message.html) == g.derived.titles[ei],
        operation_html: rich(&e.operation).map(|h| localize(r, l, g, h, true)),
        cause_html: rich(&e.cause).map(|h| localize(r, l, g, h, true)),
        resolution_html: localize(r, l, g, &e.resolution.html, true),
        steps: &e.steps,
        variants: e
            .variants
            .iter()
            .map(|v| VariantView {
                message_html: localize(r, l, g, &v.message.html, true),
                resolution_html: localize(r, l, g, &v.resolution.html, true),
            })
            .collect(),
        codes,
        section_title: section.map(|s| s.title.as_str()),
        section_href,
        row_href,
        source: format!("{}:{}", g.derived.shown_path, e.pos.line),
    };
    let nav = |i: usize| NavLink {
        href: href(0, &[&format!("{}.html", g.derived.entry_stems[i])]),
        title: shorten(&g.derived.titles[i], LINK_TITLE),
    };
    let translations = (0..r.index.locales.len())
        .filter(|&other| other != li)
        .filter_map(|other| {
            let ol = &r.index.locales[other];
            let og = &ol.guides[ol.guide_index(&g.guide.slug)?];
            let oe = og.entry_index(&e.id)?;
            Some(Translation {
                tag: ol.tag.to_owned(),
                name: ol.name.clone(),
                title: shorten(&og.derived.titles[oe], LINK_TITLE),
                href: href(
                    2,
                    &[
                        ol.tag,
                        &og.stem,
                        &format!("{}.html", og.derived.entry_stems[oe]),
                    ],
                ),
            })
        })
        .collect();
    let page = EntryPage {
        common,
        shared: r.guide_shared(li, gi, || {
            let checklist: Vec<_> = (g.guide.checklist.iter())
                .map(|c| localize(r, l, g, &c.html, true))
                .collect();
            let mut context = tera::Context::new();
            context.insert("guide", &guide_info(g, 0));
            context.insert("checklist", &checklist);
            let place = place(r, "entry", Some(li), 2, Some(g.guide));
            super::tera_context::add_fields(&mut context, &place, "entry.html")?;
            Ok(GuideShared { context })
        })?,
        entry,
        prev: ei.checked_sub(1).map(nav),
        next: (ei + 1 < g.entry_count()).then(|| nav(ei + 1)),
        translations,
    };
    let bytes = r.render_template("entry.html", &page)?;
    Ok(file(path, bytes))
}

fn code_summary(l: &LocaleIndex<'_>, ci: usize, from_codes_dir: bool) -> CodeSummary {
    let c = &l.codes[ci];
    let entries = c
        .entries
        .iter()
        .map(|&(gi, ei)| {
            let g = &l.guides[gi];
            EntryLink {
                id: g.entries()[ei].id.clone(),
                title: shorten(&g.derived.titles[ei], LINK_TITLE),
                guide_title: g.guide.title.clone(),
                href: href(
                    1,
                    &[&g.stem, &format!("{}.html", g.derived.entry_stems[ei])],
                ),
            }
        })
        .collect();
    let own = format!("{}.html", c.stem);
    CodeSummary {
        value: c.value.clone(),
        normalized: c.normalized.clone(),
        kind: c.kind,
        href: if from_codes_dir {
            href(0, &[&own])
        } else {
            href(0, &["codes", &own])
        },
        entries,
    }
}

fn codes_page(r: &Renderer<'_>, li: usize) -> Result<OutputFile> {
    let l = loc(r, li)?;
    let path = vec![l.tag.to_owned(), "codes".into(), "index.html".into()];
    let title = l.ui.get("code_index").cloned().unwrap_or_default();
    let common = common(
        r,
        CommonArgs {
            kind: "codes",
            locale: Some(li),
            depth: 2,
            title,
            description: None,
            page: PageRef::Codes,
            path: path.clone(),
            guide: None,
            with_place: true,
        },
    );
    let mut groups: Vec<CodeGroup> = Vec::new();
    for ci in 0..l.codes.len() {
        let (key, label) = code_group(&l.codes[ci].normalized);
        let summary = code_summary(l, ci, true);
        match groups.last_mut() {
            Some(g) if g.key == key => g.codes.push(summary),
            _ => groups.push(CodeGroup {
                key,
                label,
                codes: vec![summary],
            }),
        }
    }
    let bytes = r.render_template("codes.html", &CodesPage { common, groups })?;
    Ok(file(path, bytes))
}

fn code_page(r: &Renderer<'_>, li: usize, ci: usize) -> Result<OutputFile> {
    let l = loc(r, li)?;
    let c = &l.codes[ci];
    let path = vec![l.tag.to_owned(), "codes".into(), format!("{}.html", c.stem)];
    let mut common = common(
        r,
        CommonArgs {
            kind: "code",
            locale: Some(li),
            depth: 2,
            title: c.value.clone(),
            description: None,
            page: PageRef::Code(&c.normalized),
            path: path.clone(),
            guide: None,
            with_place: true,
        },
    );
    let code = code_summary(l, ci, true);
    if let [only] = code.entries.as_slice() {
        common.redirect = Some(only.href.clone());
        common.canonical = None;
    }
    let bytes = r.render_template("code.html", &CodePage { common, code })?;
    Ok(file(path, bytes))
}

fn search_page(r: &Renderer<'_>, li: usize) -> Result<OutputFile> {
    let l = loc(r, li)?;
    let path = vec![l.tag.to_owned(), "search.html".into()];
    let title = l.ui.get("search_title").cloned().unwrap_or_default();
    let common = common(
        r,
        CommonArgs {
            kind: "search",
            locale: Some(li),
            depth: 1,
            title,
            description: None,
            page: PageRef::Search,
            path: path.clone(),
            guide: None,
            with_place: true,
        },
    );
    let bytes = r.render_template("search.html", &RootPage { common })?;
    Ok(file(path, bytes))
}

fn untranslated_page(r: &Renderer<'_>, li: usize, pi: usize) -> Result<OutputFile> {
    let l = loc(r, li)?;
    let u = l
        .untranslated
        .get(pi)
        .ok_or_else(|| Error::Usage(format!("no untranslated page #{pi}")))?;
    let mut path = vec![l.tag.to_owned()];
    path.extend(u.segments.iter().cloned());
    let depth = path.len() - 1;
    let page = match &u.id {
        Some(id) => PageRef::Entry(&u.slug, id),
        None => PageRef::Guide(&u.slug),
    };
    let title = l.ui.get("untranslated_title").cloned().unwrap_or_default();
    let mut common = common(
        r,
        CommonArgs {
            kind: "untranslated",
            locale: Some(li),
            depth,
            title,
            description: None,
            page,
            path: path.clone(),
            guide: None,
            with_place: true,
        },
    );
    // Not worth indexing: the page only points elsewhere.
    common.canonical = None;
    let available: Vec<Translation> = others_default_first(r, li)
        .into_iter()
        .filter_map(|oi| {
            let ol = &r.index.locales[oi];
            let og = &ol.guides[ol.guide_index(&u.slug)?];
            let (title, segs) = match &u.id {
                Some(id) => {
                    let oe = og.entry_index(id)?;
                    (
                        og.derived.titles[oe].clone(),
                        vec![
                            ol.tag,
                            &og.stem,
                            &format!("{}.html", og.derived.entry_stems[oe]),
                        ]
                        .into_iter()
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                    )
                }
                None => (
                    og.guide.title.clone(),
                    vec![ol.tag.to_owned(), og.stem.clone(), "index.html".into()],
                ),
            };
            Some(Translation {
                tag: ol.tag.to_owned(),
                name: ol.name.clone(),
                title: shorten(&title, LINK_TITLE),
                href: href_of(depth, &segs),
            })
        })
        .collect();
    let own_guide = match &u.id {
        Some(_) => l.guide_index(&u.slug).map(|gi| &l.guides[gi]),
        None => None,
    };
    let ctx = UntranslatedPage {
        common,
        slug: u.slug.clone(),
        id: u.id.clone(),
        source: available.first().map(|t| Translation {
            tag: t.tag.clone(),
            name: t.name.clone(),
            title: t.title.clone(),
            href: t.href.clone(),
        }),
        available,
        guide_href: own_guide.map(|g| href(depth, &[l.tag, &g.stem, "index.html"])),
        guide_title: own_guide.map(|g| g.guide.title.clone()),
    };
    let bytes = r.render_template("untranslated.html", &ctx)?;
    Ok(file(path, bytes))
}

fn sitemap(r: &Renderer<'_>) -> Result<OutputFile> {
    let mut urls = Vec::new();
    for li in 0..r.index.locales.len() {
        let l = &r.index.locales[li];
        let mut pages = vec![PageRef::Home, PageRef::Codes];
        for g in &l.guides {
            pages.push(PageRef::Guide(&g.guide.slug));
            for e in g.entries() {
                pages.push(PageRef::Entry(&g.guide.slug, &e.id));
            }
        }
        for c in l.codes.iter() {
            // Pages that only send the visitor on are not worth indexing.
            if c.entries.len() > 1 {
                pages.push(PageRef::Code(&c.normalized));
            }
        }
        for p in pages {
            if let Some(url) = path_of(r, li, p).and_then(|segs| canonical(r, &segs)) {
                urls.push(url);
            }
        }
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for u in urls {
        let u = u
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        xml.push_str(&format!("<url><loc>{u}</loc></url>\n"));
    }
    xml.push_str("</urlset>\n");
    Ok(file(vec!["sitemap.xml".into()], xml.into_bytes()))
}

/// The HTML of an optional field, `None` when absent or blank.
fn rich(t: &Option<crate::model::RichText>) -> Option<&str> {
    t.as_ref()
        .filter(|t| !t.is_empty())
        .map(|t| t.html.as_str())
}

/// Guide content as seen from a page in the guide's folder: links to another guide's
/// Markdown file (`other.md#a`) go to that guide's page, or stop being links when the
/// site has no such guide (the checker reports those); on an error page a bare `#anchor`
/// goes to the anchor in the guide page.
/// A fragment of guide HTML as a page shows it: links and images made local
/// ([`localize_links`]), then minified when the build minifies (pages are not minified
/// whole: their templates were, once).
fn localize<'h>(
    r: &Renderer<'_>,
    l: &LocaleIndex<'_>,
    g: &GuideIndex<'_>,
    html: &'h str,
    on_entry_page: bool,
) -> Cow<'h, str> {
    r.fragment(localize_links(r, l, g, html, on_entry_page))
}

fn localize_links<'h>(
    r: &Renderer<'_>,
    l: &LocaleIndex<'_>,
    g: &GuideIndex<'_>,
    html: &'h str,
    on_entry_page: bool,
) -> Cow<'h, str> {
    let html = local_images(r, g, html);
    if !html.contains("href") {
        return html;
    }
    let out = rewrite_hrefs(&html, |url| {
        if url.starts_with('#') {
            return match on_entry_page {
                true => Rewrite::To(format!("index.html{url}")),
                false => Rewrite::Keep,
            };
        }
        if url.contains(':') {
            return Rewrite::Keep;
        }
        if url.starts_with('/') {
            // Root-relative links of the original web site: nothing to point at here.
            return Rewrite::Unlink;
        }
        let (path, frag) = match url.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (url, None),
        };
        let path = path.split('?').next().unwrap_or(path);
        let Some(file) = path.strip_suffix(".md") else {
            return Rewrite::Keep;
        };
        let slug = file.trim_start_matches("./");
        let found = (!slug.contains('/'))
            .then(|| l.guide_index(&super::links::percent_decode(slug)))
            .flatten();
        let Some(gi) = found else {
            return Rewrite::Unlink;
        };
        let mut out = href(1, &[&l.guides[gi].stem, "index.html"]);
        if let Some(f) = frag {
            out.push('#');
            out.push_str(f);
        }
        Rewrite::To(out)
    });
    match out {
        Cow::Owned(o) => Cow::Owned(o),
        Cow::Borrowed(_) => html,
    }
}

/// Images: files of `source/` are published beside the pages and linked relatively; an
/// image from the network becomes a link to it (pages load nothing from outside the
/// output folder); a missing file leaves its alt text.
fn local_images<'h>(r: &Renderer<'_>, g: &GuideIndex<'_>, html: &'h str) -> Cow<'h, str> {
    let guide = g.guide;
    // The guide's own images first: the site's are gathered only for a miss.
    let published =
        |p: &String| g.derived.images.iter().any(|(o, _)| o == p) || r.images().contains_key(p);
    rewrite_imgs(html, |src, alt| {
        let lower = src.to_ascii_lowercase();
        if lower.starts_with("data:") {
            return ImgRewrite::Keep;
        }
        let label = if alt.trim().is_empty() { src } else { alt };
        if lower.starts_with("http:") || lower.starts_with("https:") {
            return ImgRewrite::Replace(format!(
                "<a class=\"external-image\" href=\"{}\">{}</a>",
                escape_attr(src),
                escape_attr(label)
            ));
        }
        match image_output_path(&guide.path, src).filter(published) {
            Some(path) => {
                let segs: Vec<&str> = path.split('/').collect();
                ImgRewrite::Src(href(2, &segs))
            }
            None => ImgRewrite::Replace(format!(
                "<span class=\"missing-image\">{}</span>",
                escape_attr(label)
            )),
        }
    })
}

/// Where an image a guide refers to is published: its path under `source/`
/// (`source/en-US/media/a.png` → `en-US/media/a.png`). `None` for anything outside
/// `source/`.
pub(super) fn image_output_path(guide_path: &std::path::Path, src: &str) -> Option<String> {
    if src.is_empty() || src.starts_with('/') || src.contains(':') {
        return None;
    }
    let src = src.split(['?', '#']).next().unwrap_or(src);
    let mut parts: Vec<String> = guide_path
        .parent()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for seg in super::links::percent_decode(src).split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s if s.contains(['\\', '\0']) => return None,
            s => parts.push(s.to_owned()),
        }
    }
    match parts.split_first() {
        Some((first, rest)) if first == crate::source::SOURCE_DIR && !rest.is_empty() => {
            Some(rest.join("/"))
        }
        _ => None,
    }
}

/// The image files of `source/` that `guide` shows, by output path.
pub(super) fn guide_images(
    site_root: &std::path::Path,
    guide: &crate::model::Guide,
) -> Vec<(String, std::path::PathBuf)> {
    let mut html: Vec<&str> = Vec::new();
    for b in &guide.body {
        match b {
            Block::Html { html: h } => html.push(h),
            Block::ErrorTable(t) => html.extend(
                t.rows
                    .iter()
                    .flat_map(|r| r.cells.iter().map(String::as_str)),
            ),
        }
    }
    html.into_iter()
        .flat_map(img_srcs)
        .filter_map(|src| {
            let out = image_output_path(&guide.path, &src)?;
            let file = out
                .split('/')
                .fold(site_root.join(crate::source::SOURCE_DIR), |p, s| p.join(s));
            file.is_file().then_some((out, file))
        })
        .collect()
}
