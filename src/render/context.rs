//! What templates see: one `Serialize` struct per page kind, plus the parts they share.
//! Field names are the theme's API (documented in docs/themes.md): add, never rename.

use std::borrow::Cow;

use serde::Serialize;

use crate::theme::Ui;

/// Fields every page has.
#[derive(Debug, Serialize)]
pub struct Common<'a> {
    /// Where the page is. `None` on error pages: theirs is alike for all of a guide's
    /// and converted for Tera once ([`GuideShared`]).
    #[serde(flatten)]
    pub place: Option<Place<'a>>,
    pub title: String,
    pub description: Option<String>,
    /// When set, the page sends the visitor on (meta refresh) to this href.
    pub redirect: Option<String>,
    /// Absolute URL of the page, only when `base_url` is set.
    pub canonical: Option<String>,
    /// Every built locale, pointing at this page's counterpart, or at that locale's
    /// "not translated yet" page when it lacks the guide or entry.
    pub locales: Vec<LocaleLink>,
    /// Set when the guide's front matter says `ms.translationtype: MT`.
    pub machine_translated: Option<MachineTranslated>,
    /// The locale's UI strings; templates see them as `ui`, converted once per locale
    /// and rendering thread (`Renderer::render_template` puts them in).
    #[serde(skip)]
    pub ui: &'a Ui,
}

/// The fields of [`Common`] that follow from the page's kind, locale, folder and guide
/// alone.
#[derive(Debug, Serialize)]
pub struct Place<'a> {
    /// `root`, `home`, `guide`, `entry`, `codes`, `code` or `404`.
    pub kind: &'static str,
    /// The page's language (`<html lang>`).
    pub lang: &'a str,
    pub site_title: &'a str,
    /// The way to `output/assets/`, ending in `/`.
    pub assets: String,
    /// The locale home (or the root page outside a locale).
    pub home: String,
    /// The locale's code index, when the page belongs to a locale.
    pub codes: Option<String>,
    /// The locale's search index and search page, when the page belongs to a locale.
    pub search: Option<SearchLinks>,
    /// The guide's `ms.date`, on guide and error pages.
    pub updated: Option<DateView>,
}

/// A page's context: its own fields, on top of parts converted for Tera once and shared
/// by many pages (the UI strings; on error pages their guide's [`GuideShared`]).
pub trait Page: Serialize {
    fn common(&self) -> &Common<'_>;

    /// Context entries this page shares with others, already converted.
    fn shared(&self) -> Option<&tera::Context> {
        None
    }
}

macro_rules! page {
    ($($t:ident),*) => {$(
        impl Page for $t<'_> {
            fn common(&self) -> &Common<'_> {
                &self.common
            }
        }
    )*};
}
page!(
    RootPage,
    HomePage,
    GuidePage,
    CodesPage,
    CodePage,
    UntranslatedPage
);

impl Page for EntryPage<'_> {
    fn common(&self) -> &Common<'_> {
        &self.common
    }

    fn shared(&self) -> Option<&tera::Context> {
        Some(&self.shared.context)
    }
}

/// What every error page of a guide shows alike, converted for Tera once per guide.
#[derive(Debug)]
pub struct GuideShared {
    /// `guide` ([`GuideInfo`] as seen from the guide's folder), `checklist` (the guide's
    /// "basic troubleshooting" items, as HTML) and the fields of [`Place`].
    pub context: tera::Context,
}

/// A date, as `<time datetime>` wants it and as the locale writes it (`date_format`).
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// `2019-07-05`.
    pub iso: String,
    /// `July 5, 2019`, `2019년 7월 5일`, `2019年7月5日`.
    pub text: String,
}

/// The machine-translation notice: where the source-language page is, when it is built.
#[derive(Debug, Clone, Serialize)]
pub struct MachineTranslated {
    pub source: Option<LocaleLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchLinks {
    /// `search-index.js` of the locale (for `data-index`).
    pub index: String,
    /// `search.html` of the locale (the form's `action`).
    pub page: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocaleLink {
    pub tag: String,
    pub name: String,
    pub href: String,
    pub current: bool,
    /// False when `href` is a "not translated yet" page (or a page further up).
    pub translated: bool,
}

#[derive(Debug, Serialize)]
pub struct RootPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
}

#[derive(Debug, Serialize)]
pub struct HomePage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub guides: Vec<GuideSummary>,
    /// Number of distinct codes in the locale.
    pub code_count: usize,
}

#[derive(Debug, Serialize)]
pub struct GuideSummary {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub href: String,
    /// Number of error entries.
    pub entries: usize,
}

#[derive(Debug, Serialize)]
pub struct GuidePage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub guide: GuideInfo,
    pub toc: Vec<TocItem>,
    pub body: Vec<BlockView<'a>>,
}

#[derive(Debug, Serialize)]
pub struct GuideInfo {
    pub slug: String,
    pub title: String,
    /// The H1 as written, else the title.
    pub h1: String,
    pub href: String,
}

#[derive(Debug, Serialize)]
pub struct TocItem {
    pub title: String,
    pub href: String,
    pub level: u8,
    pub entries: usize,
}

/// A piece of the guide body; `kind` is `html` or `table`.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum BlockView<'a> {
    Html {
        html: Cow<'a, str>,
    },
    Table {
        headers: Vec<HeaderView<'a>>,
        rows: Vec<RowView<'a>>,
    },
}

#[derive(Debug, Serialize)]
pub struct HeaderView<'a> {
    pub html: Cow<'a, str>,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct RowView<'a> {
    /// The entry id, when the row carries it as its `id` attribute.
    pub id: Option<&'a str>,
    /// The entry's error page.
    pub href: String,
    pub title: String,
    pub cells: Vec<CellView<'a>>,
}

#[derive(Debug, Serialize)]
pub struct CellView<'a> {
    pub html: Cow<'a, str>,
    /// The column header as plain text (shown above the cell on narrow screens).
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct EntryPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    /// Templates see `guide` ([`GuideInfo`]) and `checklist` (the guide's "basic
    /// troubleshooting" items, as HTML), converted once per guide.
    #[serde(skip)]
    pub shared: &'a GuideShared,
    pub entry: EntryView<'a>,
    pub prev: Option<NavLink>,
    pub next: Option<NavLink>,
    /// The same entry in other locales.
    pub translations: Vec<Translation>,
}

#[derive(Debug, Serialize)]
pub struct EntryView<'a> {
    pub id: &'a str,
    /// The message as plain text (the page title).
    pub title: String,
    pub message_html: Cow<'a, str>,
    /// True when the message says no more than the title (the theme may then skip it).
    pub message_is_title: bool,
    pub operation_html: Option<Cow<'a, str>>,
    pub cause_html: Option<Cow<'a, str>>,
    pub resolution_html: Cow<'a, str>,
    pub steps: &'a [String],
    pub variants: Vec<VariantView<'a>>,
    pub codes: Vec<CodeView>,
    pub section_title: Option<&'a str>,
    /// The entry's section in the guide page.
    pub section_href: String,
    /// The entry's row in the guide page (the section when the row has no id).
    pub row_href: String,
    /// `source/ko-KR/guide.md:42`.
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct VariantView<'a> {
    pub message_html: Cow<'a, str>,
    pub resolution_html: Cow<'a, str>,
}

#[derive(Debug, Serialize)]
pub struct CodeView {
    pub value: String,
    pub raw: String,
    pub normalized: String,
    pub kind: crate::model::CodeKind,
    /// The code's page.
    pub href: String,
}

#[derive(Debug, Serialize)]
pub struct NavLink {
    pub href: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct Translation {
    pub tag: String,
    pub name: String,
    pub title: String,
    pub href: String,
}

/// A "not translated yet" page: the guide or entry exists in other locales only.
#[derive(Debug, Serialize)]
pub struct UntranslatedPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    /// The guide's slug and, for an entry, its id.
    pub slug: String,
    pub id: Option<String>,
    /// The version to read instead: the default locale's when it has the page.
    pub source: Option<Translation>,
    /// Every locale that has the page, the source first.
    pub available: Vec<Translation>,
    /// This locale's own page of the guide and its title, when only the entry is missing.
    pub guide_href: Option<String>,
    pub guide_title: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CodesPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub groups: Vec<CodeGroup>,
}

#[derive(Debug, Serialize)]
pub struct CodeGroup {
    /// For ids: `a`…`z`, `0-9`, `other`.
    pub key: String,
    /// Shown: `A`…`Z`, `0–9`, `#`.
    pub label: String,
    pub codes: Vec<CodeSummary>,
}

#[derive(Debug, Serialize)]
pub struct CodeSummary {
    pub value: String,
    pub normalized: String,
    pub kind: crate::model::CodeKind,
    pub href: String,
    pub entries: Vec<EntryLink>,
}

#[derive(Debug, Serialize)]
pub struct EntryLink {
    pub id: String,
    pub title: String,
    pub guide_title: String,
    pub href: String,
}

#[derive(Debug, Serialize)]
pub struct CodePage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub code: CodeSummary,
}
