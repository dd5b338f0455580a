//! What pages share: per locale its UI strings, every guide's and entry's file name,
//! and the code index. Built once per render, read by every page.

use rayon::prelude::*;
use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::Arc;

use crate::error::Result;
use crate::model::{CodeKind, ErrorEntry, Guide, Locale, Section, Site};
use crate::theme::{Theme, Ui};

use super::derived::{kept_or_make, DerivedCache, GuideDerived};
use super::url::file_stem;

pub struct SiteIndex<'a> {
    pub locales: Vec<LocaleIndex<'a>>,
    /// Index into `locales` of the locale the root page sends visitors to.
    pub default_locale: usize,
    /// UI strings for pages outside a locale (root, 404): the default locale's.
    pub root_ui: Ui,
}

/// Folder of each locale's "not translated yet" pages; no guide may take it.
pub const UNTRANSLATED_DIR: &str = "untranslated";

/// A "not translated yet" page of a locale: a guide or entry some other locale has and
/// this one lacks (`<locale>/untranslated/<guide>/index.html` or `…/<id>.html`).
pub struct Untranslated {
    pub slug: String,
    /// `None` for the guide itself.
    pub id: Option<String>,
    /// Output path segments below the locale folder (`untranslated`, guide, file).
    pub segments: [String; 3],
}

pub struct LocaleIndex<'a> {
    pub locale: &'a Locale,
    pub tag: &'a str,
    /// The language's own name (`한국어`), from the theme's UI strings.
    pub name: String,
    pub ui: Ui,
    pub guides: Vec<GuideIndex<'a>>,
    /// Every code of the locale, in index order (`serve` reuses it while no guide's
    /// codes change).
    pub codes: Arc<CodeTable>,
    /// Whether `codes` is the table of the previous render (`serve`): no code appeared or
    /// vanished since, so no code page came or went.
    pub codes_kept: bool,
    /// Pages other locales have and this one lacks, by guide slug then entry id.
    pub untranslated: Arc<UntranslatedTable>,
    by_slug: FxHashMap<&'a str, usize>,
}

/// A locale's "not translated yet" pages, and each page's place by (slug, entry id).
#[derive(Default)]
pub struct UntranslatedTable {
    pages: Vec<Untranslated>,
    by_key: FxHashMap<(String, Option<String>), usize>,
}

impl std::ops::Deref for UntranslatedTable {
    type Target = [Untranslated];
    fn deref(&self) -> &[Untranslated] {
        &self.pages
    }
}

impl UntranslatedTable {
    fn new(pages: Vec<Untranslated>) -> Self {
        let by_key = pages
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.slug.clone(), p.id.clone()), i))
            .collect();
        UntranslatedTable { pages, by_key }
    }
}

/// A locale's guide folder names, in guide order (unique ignoring case).
pub struct GuideNames {
    stems: Vec<String>,
}

impl GuideNames {
    fn new(guides: &[Guide]) -> Self {
        let mut guide_stems = Unique::default();
        // `codes/` holds the code index and `untranslated/` the "not translated yet"
        // pages: no guide may take those folders.
        guide_stems.taken.insert("codes".into());
        guide_stems.taken.insert(UNTRANSLATED_DIR.into());
        let stems = guides
            .iter()
            .map(|g| guide_stems.take(file_stem(&g.slug)))
            .collect();
        GuideNames { stems }
    }
}

pub struct GuideIndex<'a> {
    pub guide: &'a Guide,
    /// Folder name of the guide's pages.
    pub stem: String,
    /// [`Guide::entries`], made from `sections` when first asked for.
    entries: std::sync::OnceLock<Vec<&'a ErrorEntry>>,
    /// Entry file stems and titles (parallel to `entries`), images, `errors.json` part.
    pub derived: Arc<GuideDerived>,
    /// [`Guide::sections_flat`], which `derived.sections` points into; made when a page
    /// of the guide first asks (a `serve` rebuild renders one guide's pages of thousands).
    sections: std::sync::OnceLock<Vec<&'a Section>>,
}

/// A locale's code index: its codes in index order, and each code's place.
pub struct CodeTable {
    codes: Vec<CodeIndex>,
    by_code: FxHashMap<String, usize>,
}

impl std::ops::Deref for CodeTable {
    type Target = [CodeIndex];
    fn deref(&self) -> &[CodeIndex] {
        &self.codes
    }
}

impl CodeTable {
    fn new(guides: &[GuideIndex<'_>]) -> Self {
        let mut codes: BTreeMap<String, CodeIndex> = BTreeMap::new();
        for (gi, g) in guides.iter().enumerate() {
            for (ei, e) in g.entries().iter().enumerate() {
                for c in &e.codes {
                    if c.normalized.is_empty() {
                        continue;
                    }
                    // Most codes are seen before: look up before cloning a key.
                    let code = match codes.get_mut(&c.normalized) {
                        Some(code) => code,
                        None => codes
                            .entry(c.normalized.clone())
                            .or_insert_with(|| CodeIndex {
                                normalized: c.normalized.clone(),
                                value: if c.value.is_empty() {
                                    c.normalized.clone()
                                } else {
                                    c.value.clone()
                                },
                                kind: c.kind,
                                stem: String::new(),
                                entries: Vec::new(),
                            }),
                    };
                    if !code.entries.contains(&(gi, ei)) {
                        code.entries.push((gi, ei));
                    }
                }
            }
        }
        let mut code_stems = Unique::default();
        let mut codes: Vec<CodeIndex> = codes.into_values().collect();
        codes.sort_by_cached_key(|c| code_key(&c.normalized));
        for c in &mut codes {
            c.stem = code_stems.take(file_stem(&c.normalized));
        }
        let by_code = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.normalized.clone(), i))
            .collect();
        CodeTable { codes, by_code }
    }
}

/// Everything [`CodeTable::new`] reads: each code of each entry, with its place (each
/// guide's codes were hashed once, when the guide was derived).
fn codes_fingerprint(guides: &[GuideIndex<'_>]) -> u64 {
    let mut f = Fingerprint::default();
    for g in guides {
        f.number(g.derived.codes_hash);
    }
    f.finish()
}

/// Everything [`GuideNames::new`] reads: the slugs, in order.
fn names_fingerprint(guides: &[Guide]) -> u64 {
    let mut f = Fingerprint::default();
    for g in guides {
        f.text(&g.slug);
    }
    f.finish()
}

/// Everything [`untranslated_pages`] reads: each locale's slugs and entry ids.
fn untranslated_fingerprint(locales: &[LocaleIndex<'_>]) -> u64 {
    let mut f = Fingerprint::default();
    for l in locales {
        f.text(l.tag);
        f.number(l.guides.len() as u64);
        for g in &l.guides {
            f.text(&g.guide.slug);
            f.number(g.derived.ids_hash);
        }
    }
    f.finish()
}

/// A hash of a sequence of numbers and texts, written into one buffer and hashed in one
/// call (a streaming hasher fed thousands of small writes cost more than the buffer).
#[derive(Default)]
pub(super) struct Fingerprint(Vec<u8>);

impl Fingerprint {
    pub(super) fn number(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    /// Length first, so that no two sequences of texts write the same bytes.
    pub(super) fn text(&mut self, s: &str) {
        self.number(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    pub(super) fn finish(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&self.0)
    }
}

pub struct CodeIndex {
    pub normalized: String,
    /// As written, without label, at its first occurrence.
    pub value: String,
    pub kind: CodeKind,
    pub stem: String,
    /// (guide, entry) pairs, in document order, without repeats.
    pub entries: Vec<(usize, usize)>,
}

impl<'a> SiteIndex<'a> {
    /// Indexes the site; what each guide alone gives is taken from `cache` when there
    /// is one (serve and watch keep it between rebuilds).
    pub fn new(site: &'a Site, theme: &Theme, cache: Option<&DerivedCache>) -> Result<Self> {
        // Locales side by side: each has serial steps (guide names, the code table), which
        // left a thread idle when the locales were indexed one after the other.
        let made: Vec<Result<LocaleIndex>> = (site.locales.par_iter())
            .map(|locale| LocaleIndex::new(site, locale, theme, cache))
            .collect();
        // The first failing locale in order, as when they were indexed one by one.
        let mut locales = made.into_iter().collect::<Result<Vec<_>>>()?;
        let (tables, _) = kept_or_make(
            cache.map(|c| &c.untranslated),
            "",
            || untranslated_fingerprint(&locales),
            || {
                (0..locales.len())
                    .map(|li| Arc::new(UntranslatedTable::new(untranslated_pages(&locales, li))))
                    .collect()
            },
        );
        for (l, t) in locales.iter_mut().zip(tables.iter()) {
            l.untranslated = t.clone();
        }
        let default_locale = locales
            .iter()
            .position(|l| l.tag.eq_ignore_ascii_case(&site.config.default_locale))
            .unwrap_or(0);
        let root_ui = match locales.get(default_locale) {
            Some(l) => l.ui.clone(),
            None => theme.ui(&site.config.default_locale)?,
        };
        Ok(SiteIndex {
            locales,
            default_locale,
            root_ui,
        })
    }
}

impl<'a> LocaleIndex<'a> {
    fn new(
        site: &Site,
        locale: &'a Locale,
        theme: &Theme,
        cache: Option<&DerivedCache>,
    ) -> Result<Self> {
        let ui = theme.ui(&locale.tag)?;
        let name = ui
            .get("language_name")
            .cloned()
            .unwrap_or_else(|| locale.tag.clone());
        let (names, _) = kept_or_make(
            cache.map(|c| &c.names),
            &locale.tag,
            || names_fingerprint(&locale.guides),
            || GuideNames::new(&locale.guides),
        );
        let derived: Vec<Arc<GuideDerived>> = match cache {
            Some(c) => c.get_all(&site.root, &locale.tag, &locale.guides),
            None => (locale.guides.par_iter())
                .map(|g| Arc::new(GuideDerived::new(&site.root, g)))
                .collect(),
        };
        let guides: Vec<GuideIndex> = (locale.guides.iter())
            .zip(names.stems.iter().cloned())
            .zip(derived)
            .map(|((g, stem), derived)| GuideIndex::new(g, stem, derived))
            .collect();
        let by_slug = guides
            .iter()
            .enumerate()
            .map(|(i, g)| (g.guide.slug.as_str(), i))
            .collect();

        let (table, codes_kept) = kept_or_make(
            cache.map(|c| &c.codes),
            &locale.tag,
            || codes_fingerprint(&guides),
            || {
                // Each guide's entry list across threads first; the table is made on one.
                guides.par_iter().for_each(|g| {
                    g.entries();
                });
                CodeTable::new(&guides)
            },
        );
        Ok(LocaleIndex {
            locale,
            tag: &locale.tag,
            name,
            ui,
            guides,
            codes: table,
            codes_kept,
            untranslated: Arc::default(),
            by_slug,
        })
    }

    pub fn guide_index(&self, slug: &str) -> Option<usize> {
        self.by_slug.get(slug).copied()
    }

    pub fn code_index(&self, normalized: &str) -> Option<usize> {
        self.codes.by_code.get(normalized).copied()
    }

    /// The "not translated yet" page for a guide (`id` `None`) or entry this locale lacks.
    pub fn untranslated_index(&self, slug: &str, id: Option<&str>) -> Option<usize> {
        self.untranslated
            .by_key
            .get(&(slug.to_owned(), id.map(str::to_owned)))
            .copied()
    }
}

/// Every guide and entry that some other locale has and locale `li` lacks, sorted by
/// guide slug then entry id, with file names unique in the `untranslated/` folder.
fn untranslated_pages(locales: &[LocaleIndex<'_>], li: usize) -> Vec<Untranslated> {
    let Some(me) = locales.get(li) else {
        return Vec::new();
    };
    // slug → (the locale lacks the whole guide, entry ids it lacks)
    let mut missing: BTreeMap<&str, (bool, std::collections::BTreeSet<&str>)> = BTreeMap::new();
    for (oi, other) in locales.iter().enumerate() {
        if oi == li {
            continue;
        }
        for g in &other.guides {
            let mine = me
                .guide_index(&g.guide.slug)
                .map(|i| &me.guides[i].derived.ids);
            // The usual case, a complete translation: the same ids on both sides.
            if mine == Some(&g.derived.ids) {
                continue;
            }
            let slot = missing
                .entry(g.guide.slug.as_str())
                .or_insert_with(|| (mine.is_none(), Default::default()));
            for id in &g.derived.ids {
                if mine.is_none_or(|ids| ids.binary_search(id).is_err()) {
                    slot.1.insert(id.as_str());
                }
            }
        }
    }
    let mut guide_stems = Unique::default();
    let mut out = Vec::new();
    for (slug, (whole, ids)) in missing {
        if !whole && ids.is_empty() {
            continue;
        }
        let gstem = guide_stems.take(file_stem(slug));
        if whole {
            out.push(Untranslated {
                slug: slug.to_owned(),
                id: None,
                segments: [
                    UNTRANSLATED_DIR.to_owned(),
                    gstem.clone(),
                    "index.html".to_owned(),
                ],
            });
        }
        let mut stems = Unique::default();
        for id in ids {
            out.push(Untranslated {
                slug: slug.to_owned(),
                id: Some(id.to_owned()),
                segments: [
                    UNTRANSLATED_DIR.to_owned(),
                    gstem.clone(),
                    format!("{}.html", stems.take(file_stem(id))),
                ],
            });
        }
    }
    out
}

impl<'a> GuideIndex<'a> {
    fn new(guide: &'a Guide, stem: String, derived: Arc<GuideDerived>) -> Self {
        GuideIndex {
            guide,
            stem,
            entries: std::sync::OnceLock::new(),
            derived,
            sections: std::sync::OnceLock::new(),
        }
    }

    /// The guide's entries, in document order.
    pub fn entries(&self) -> &[&'a ErrorEntry] {
        self.entries.get_or_init(|| {
            (self.sections().iter())
                .flat_map(|s| s.entries.iter())
                .collect()
        })
    }

    /// [`Guide::sections_flat`], walked once.
    fn sections(&self) -> &[&'a Section] {
        let guide = self.guide;
        self.sections.get_or_init(|| guide.sections_flat())
    }

    /// How many entries the guide has, without listing them.
    pub fn entry_count(&self) -> usize {
        self.derived.entry_stems.len()
    }

    /// The first entry with this id.
    pub fn entry_index(&self, id: &str) -> Option<usize> {
        self.derived.by_id.get(id).copied()
    }

    /// The section with this anchor (the last, when several share it).
    pub fn section(&self, anchor: &str) -> Option<&'a Section> {
        let i = *self.derived.sections.get(anchor)?;
        self.sections().get(i).copied()
    }

    /// Whether some table row carries this entry id as its `id`.
    pub fn has_row_id(&self, id: &str) -> bool {
        self.derived.row_ids.contains(id)
    }
}

/// Hands out names that differ case-insensitively (Windows and macOS file systems fold
/// case), suffixing `-2`, `-3`… on a clash.
#[derive(Default)]
pub(super) struct Unique {
    taken: FxHashSet<String>,
}

impl Unique {
    pub(super) fn take(&mut self, stem: String) -> String {
        let mut candidate = stem.clone();
        let mut n = 1;
        while !self.taken.insert(candidate.to_lowercase()) {
            n += 1;
            candidate = format!("{stem}-{n}");
        }
        candidate
    }
}

/// Codes in index order: symbolic A–Z first (case-insensitive), then numbers by value,
/// then hex. A sort key that allocates: sort with `sort_by_cached_key`.
fn code_key(s: &str) -> (u8, u128, String) {
    let first = s.chars().next().unwrap_or(' ');
    if let Some(hex) = s.strip_prefix("0x") {
        (
            2,
            u128::from_str_radix(hex, 16).unwrap_or(u128::MAX),
            s.to_owned(),
        )
    } else if first.is_ascii_digit() {
        (1, s.parse::<u128>().unwrap_or(u128::MAX), s.to_owned())
    } else {
        (0, 0, s.to_lowercase())
    }
}

/// The index group of a code: (`key` for ids, label).
pub fn code_group(normalized: &str) -> (String, String) {
    match normalized.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => (
            c.to_ascii_lowercase().to_string(),
            c.to_ascii_uppercase().to_string(),
        ),
        Some(c) if c.is_ascii_digit() => ("0-9".into(), "0–9".into()),
        _ => ("other".into(), "#".into()),
    }
}

/// An entry's title: its message as one line of plain text, else its first code, else
/// its id.
pub fn entry_title(e: &ErrorEntry) -> String {
    let text = collapse(&e.message.text);
    if !text.is_empty() {
        return text;
    }
    e.codes
        .first()
        .map(|c| c.value.clone())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| e.id.clone())
}

/// Whitespace runs become one space; ends trimmed.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text of an HTML fragment: tags dropped, common entities decoded, whitespace
/// collapsed. Enough for labels and titles; never used to sanitize.
pub fn plain(html: &str) -> String {
    let text = without_tags(html);
    // Entities decoded and whitespace collapsed in one pass. No entity's replacement
    // starts another, so this is what replacing each entity in turn would give.
    const ENTITIES: [(&str, char); 6] = [
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#39;", '\''),
        ("&nbsp;", ' '),
        ("&amp;", '&'),
    ];
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        let (c, len) = match c {
            '&' => ENTITIES
                .iter()
                .find(|(name, _)| rest.starts_with(name))
                .map_or(('&', 1), |&(name, c)| (c, name.len())),
            c => (c, c.len_utf8()),
        };
        rest = &rest[len..];
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// `html` with each tag replaced by a space.
fn without_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// [`shorten`] of [`collapse`] in one pass, collapsing only as much of a long text as is
/// shown (every error page's description: counting each word's characters again was
/// 1.4% of a build).
pub fn collapse_short(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(4 * max + 4));
    let (mut chars, mut space) = (0, false);
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if chars + 1 + usize::from(space) > max {
            // Longer than `max` collapsed: its first `max - 1` characters and `…`, as
            // `shorten` cuts. `out` holds `max - 1` or `max` of them here.
            while chars > max.saturating_sub(1) {
                out.pop();
                chars -= 1;
            }
            out.truncate(out.trim_end().len());
            out.push('…');
            return out;
        }
        if space {
            out.push(' ');
            chars += 1;
            space = false;
        }
        out.push(c);
        chars += 1;
    }
    out
}

/// At most `max` characters, with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_owned();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decodes_as_replacing_each_entity_in_turn_would() {
        // What `plain` did before it decoded in one pass.
        fn in_turn(html: &str) -> String {
            let text = without_tags(html)
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&nbsp;", " ")
                .replace("&amp;", "&");
            collapse(&text)
        }
        for html in [
            "",
            "   ",
            "&",
            "&amp;lt;",
            "&&lt;&gt",
            "&amp;amp; &nbsp;&nbsp;x&nbsp;",
            "a &l<b>t; b",
            "<p> 원인: </p>\n<ul><li>&quot;백업&quot; &#39;실패&#39;</li></ul>",
            "x\u{a0}y\u{3000}z",
            "&nbsp;<br>&nbsp;",
            "1 &lt; 2 &amp;&amp; 3 &gt; 2",
            "<a href=\"x\">링크</a>&",
        ] {
            assert_eq!(plain(html), in_turn(html), "{html:?}");
        }
    }

    #[test]
    fn collapse_short_is_shorten_of_collapse() {
        let long = "첫 줄  설명\n\n 둘째   줄 ".repeat(30);
        for text in [
            "",
            "  a  b ",
            "짧은 글",
            long.as_str(),
            "a ".repeat(80).as_str(),
            "ab cd",
            "ab  cd\u{3000}ef ",
            "\u{a0}\tx",
        ] {
            for max in (0..12).chain([80, 160, 1000]) {
                assert_eq!(
                    collapse_short(text, max),
                    shorten(&collapse(text), max),
                    "{text:?} {max}"
                );
            }
        }
    }

    #[test]
    fn codes_sort_symbolic_then_numbers_then_hex() {
        let mut codes = vec![
            "0x29834",
            "100110",
            "filefaultfault",
            "33621",
            "cbpserver",
            "0x07ee",
        ];
        codes.sort_by_cached_key(|c| code_key(c));
        assert_eq!(
            codes,
            [
                "cbpserver",
                "filefaultfault",
                "33621",
                "100110",
                "0x07ee",
                "0x29834"
            ]
        );
    }

    #[test]
    fn groups() {
        assert_eq!(code_group("filefault"), ("f".into(), "F".into()));
        assert_eq!(code_group("0x29834"), ("0-9".into(), "0–9".into()));
        assert_eq!(code_group("가"), ("other".into(), "#".into()));
    }

    #[test]
    fn plain_text_of_html() {
        assert_eq!(
            plain("<b>오류</b>&nbsp;세부 &amp; 정보<br>"),
            "오류 세부 & 정보"
        );
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }

    #[test]
    fn unique_names_fold_case() {
        let mut u = Unique::default();
        assert_eq!(u.take("a".into()), "a");
        assert_eq!(u.take("A".into()), "A-2");
        assert_eq!(u.take("a".into()), "a-3");
    }
}
