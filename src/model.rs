//! The error model: site → locales → guides → sections → error entries.
//!
//! Every later stage (check, render, search, export) reads these types; nothing
//! downstream passes string maps around. Source positions are kept on everything a
//! diagnostic may need to point at.

use std::path::PathBuf;

use serde::Serialize;

use crate::config::SiteConfig;
use crate::frontmatter::FrontMatter;

/// A 1-based line and column (columns count characters, as rustc does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// The whole site: its configuration and every locale found under `source/`.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    #[serde(skip)]
    pub root: PathBuf,
    pub config: SiteConfig,
    pub locales: Vec<Locale>,
}

impl Site {
    /// Frees what only the checks read: each guide's source text, tables, anchors and
    /// links (entries keep theirs). A build calls this once the checks are done; the
    /// pages and the search index are made from the rest. At 2,000 guides per locale
    /// these are about a third of the model.
    pub fn drop_check_views(&mut self) {
        use rayon::prelude::*;
        // Across threads: hundreds of thousands of allocations to free.
        for l in &mut self.locales {
            l.guides.par_iter_mut().for_each(|g| {
                g.source = String::new();
                g.tables = Vec::new();
                g.anchors = Vec::new();
                g.links = Vec::new();
            });
        }
    }

    pub fn locale(&self, tag: &str) -> Option<&Locale> {
        self.locales
            .iter()
            .find(|l| l.tag.eq_ignore_ascii_case(tag))
    }

    /// The default locale if present, else the first one.
    pub fn default_locale(&self) -> Option<&Locale> {
        self.locale(&self.config.default_locale)
            .or_else(|| self.locales.first())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Locale {
    /// BCP 47 tag, taken from the folder name (`ko-KR`).
    pub tag: String,
    pub guides: Vec<Guide>,
}

impl Locale {
    pub fn guide(&self, slug: &str) -> Option<&Guide> {
        self.guides.iter().find(|g| g.slug == slug)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Guide {
    /// File stem, the guide's URL segment.
    pub slug: String,
    /// Path relative to the site root (`source/ko-KR/x.md`).
    pub path: PathBuf,
    pub front_matter: FrontMatter,
    /// Front matter `title`, else the H1.
    pub title: String,
    /// The H1 text, when there is one.
    pub h1: Option<String>,
    pub description: Option<String>,
    /// Prose between the H1 and the first section.
    pub intro: RichText,
    /// The "basic troubleshooting" list, when the guide has one.
    pub checklist: Vec<RichText>,
    pub sections: Vec<Section>,
    /// The body after the H1, in order: HTML blocks and error tables. Error tables are
    /// kept apart so a theme can render each row with a link to its error page.
    pub body: Vec<Block>,
    /// Every anchor a link may target: `<a name>`/`<a id>`, heading slugs, entry ids.
    pub anchors: Vec<Anchor>,
    /// Every link and image in the body, with its position.
    pub links: Vec<Link>,
    /// Every table, error table or not, as the checker needs it.
    pub tables: Vec<Table>,
    /// The source text (BOM removed), for diagnostics that quote a line.
    #[serde(skip)]
    pub source: String,
    /// Line of the first body line (after the front matter).
    pub body_line: usize,
}

impl Guide {
    /// Sections in document order, depth first.
    pub fn sections_flat(&self) -> Vec<&Section> {
        fn walk<'a>(s: &'a [Section], out: &mut Vec<&'a Section>) {
            for sec in s {
                out.push(sec);
                walk(&sec.children, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.sections, &mut out);
        out
    }

    /// Every entry in document order.
    pub fn entries(&self) -> Vec<&ErrorEntry> {
        self.sections_flat()
            .into_iter()
            .flat_map(|s| s.entries.iter())
            .collect()
    }

    pub fn entry(&self, id: &str) -> Option<&ErrorEntry> {
        self.entries().into_iter().find(|e| e.id == id)
    }

    pub fn section(&self, anchor: &str) -> Option<&Section> {
        self.sections_flat()
            .into_iter()
            .find(|s| s.anchor == anchor)
    }
}

/// A piece of the guide body.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Block {
    /// Rendered HTML (headings carry `id`s; `<a name>` became `<a id>`).
    Html { html: String },
    /// An error table: header cells and rows as balanced HTML.
    ErrorTable(ErrorTableHtml),
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorTableHtml {
    pub headers: Vec<String>,
    pub rows: Vec<ErrorRowHtml>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorRowHtml {
    /// Id of the entry this row became.
    pub entry_id: String,
    /// False when the heading already carries this id (a one-entry section).
    pub row_anchor: bool,
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub anchor: String,
    /// True when the anchor came from `<a name>` in the heading, false for a slug.
    pub explicit_anchor: bool,
    pub title: String,
    pub level: u8,
    pub pos: Pos,
    /// Prose of the section outside its error tables (plain text).
    pub prose: String,
    pub entries: Vec<ErrorEntry>,
    pub children: Vec<Section>,
}

/// A fragment of guide content, as plain text and as HTML.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RichText {
    pub text: String,
    pub html: String,
}

impl RichText {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.html.trim().is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    /// Stable id, the same in every locale (see `parse::ids`).
    pub id: String,
    /// Anchor of the section the entry belongs to.
    pub section: String,
    /// 1-based row within its section.
    pub row: usize,
    pub pos: Pos,
    /// An explicit `<a name>` found in the row.
    pub explicit_anchor: Option<String>,
    pub operation: Option<RichText>,
    pub message: RichText,
    pub codes: Vec<Code>,
    pub variants: Vec<Variant>,
    pub cause: Option<RichText>,
    pub resolution: RichText,
    /// The row's severity column, when the table has one (`Error`, `Warning`, …).
    pub severity: Option<String>,
    /// Ordered steps found in the resolution (list items or numbered lines).
    pub steps: Vec<String>,
    pub links: Vec<Link>,
}

/// One message/resolution pair when a cell holds several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub message: RichText,
    pub resolution: RichText,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Code {
    /// The text as written, with its label (`ID: 100050`).
    pub raw: String,
    pub kind: CodeKind,
    /// Lowercase, label removed (`100050`, `0x29834`, `filefaultfault`).
    pub normalized: String,
    /// The code as written without its label (`FileFaultFault`).
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeKind {
    Numeric,
    Hex,
    Symbolic,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub url: String,
    pub text: String,
    pub pos: Pos,
    pub is_image: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anchor {
    pub name: String,
    pub pos: Pos,
    pub kind: AnchorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnchorKind {
    /// `<a name="…">` or `<a id="…">` written by the author.
    Explicit,
    /// GitHub-style slug of a heading.
    HeadingSlug,
    /// An entry id (also an `id` on the entry's row in the guide page).
    Entry,
}

/// The role a table column plays in an error table.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Operation,
    /// A cell that may hold a message, codes and labelled fields.
    Details,
    Message,
    Code,
    Cause,
    Resolution,
    /// A severity column (`Severity`, `심각도`, `重大度`).
    Severity,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub pos: Pos,
    pub headers: Vec<String>,
    /// The role of each header, `None` when the vocabulary does not know it.
    pub roles: Vec<Option<Role>>,
    /// True when the headers map to error roles and rows became entries.
    pub is_error_table: bool,
    /// Whether the header line starts with `|`.
    pub header_leading_pipe: bool,
    /// Position of each header cell (same order as `headers`).
    pub header_pos: Vec<Pos>,
    pub rows: Vec<TableRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableRow {
    pub pos: Pos,
    pub cells: Vec<TableCell>,
    /// Number of cells written in the source (before padding to the header width).
    pub source_cells: usize,
    pub trailing_pipe: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCell {
    pub pos: Pos,
    pub text: String,
    /// Problems with raw HTML inside the cell (unclosed or stray tags).
    pub html_issues: Vec<HtmlIssue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HtmlIssue {
    pub tag: String,
    pub kind: HtmlIssueKind,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HtmlIssueKind {
    Unclosed,
    Stray,
}
