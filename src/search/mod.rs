//! Client-side search: one index per locale, written as `search-index.js`.
//!
//! The index is analyzed with elasticlunr-rs through [`lang::ErrbookLanguage`], so term
//! frequencies, document frequencies and field lengths are elasticlunr's, and written in
//! a compact form ([`compact`]): elasticlunr.js stores a character trie with an object
//! per character, which for Hangul bigrams is several times the Markdown it indexes.
//! `themes/default/static/search.js` reads the compact form and scores it the way
//! elasticlunr.js does (tf · field-length norm, quantized to 5%, · idf · field boost).
//! See docs/search.md.

mod compact;
pub mod lang;
pub mod tokenize;

pub use crate::percent::encode_segment;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use crate::model::{ErrorEntry, Guide, Locale, RichText, Section};

pub use compact::{IndexData, IndexPart};
pub use lang::{analyze, ErrbookLanguage};

/// The browser client, to be copied to `output/assets/search.js` by the build step.
pub const SEARCH_JS: &str = include_str!("../../themes/default/static/search.js");

/// Name of a locale's index script, relative to the locale folder.
pub const INDEX_FILE: &str = "search-index.js";

/// Fields of a document, in index order, with their boosts. Codes dominate; the message
/// (the page title) next; operation and section; cause and resolution last.
pub const FIELDS: [(&str, f64); 6] = [
    ("c", 10.0), // codes
    ("m", 4.0),  // message (an entry) or title (a guide)
    ("o", 2.0),  // operation
    ("s", 2.0),  // section title (an entry) or description (a guide)
    ("x", 1.0),  // cause
    ("r", 1.0),  // resolution (an entry) or intro and checklist (a guide)
];

/// Characters kept of a result title and of a result snippet.
const TITLE_CHARS: usize = 120;
const SNIPPET_CHARS: usize = 80;

/// Above this many bytes an index is split into shards loaded on demand.
pub const SHARD_THRESHOLD: usize = 2 * 1024 * 1024;

/// One document as the index sees it: searchable field texts and what a result shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchDoc {
    /// Index of the guide in the locale.
    pub guide: usize,
    /// The entry id, empty for a guide.
    pub id: String,
    /// Empty for a guide (results show the guide's title).
    pub title: String,
    /// Title of the entry's section, empty for a guide.
    pub section: String,
    pub snippet: String,
    /// Normalized codes, for the exact-code rule.
    pub codes: Vec<String>,
    /// Text of each field of [`FIELDS`], in order.
    pub fields: [String; 6],
}

/// A locale's search index, ready to be written.
#[derive(Debug, Clone)]
pub struct SearchIndex {
    pub locale: String,
    pub data: IndexData,
}

/// A file of the index: a name relative to the locale folder and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub name: String,
    pub content: String,
}

/// Builds the index of one locale: a document per error entry and one per guide.
///
/// Guides are analyzed a batch at a time across threads while the previous batch is
/// merged, and each part is dropped once merged: holding every part until the merge
/// was most of a build's peak memory (1.1 GB of 2.2 at 2,000 guides per locale).
pub fn build_locale_index(locale: &Locale) -> SearchIndex {
    use rayon::prelude::*;
    const BATCH: usize = 64;
    let mut merger = compact::Merger::default();
    let mut pending: Vec<IndexPart> = Vec::new();
    for (b, batch) in locale.guides.chunks(BATCH).enumerate() {
        let merge = || pending.iter().for_each(|p| merger.add(p));
        let analyze = || {
            (batch.par_iter().enumerate())
                .map(|(i, guide)| guide_part(&locale.tag, b * BATCH + i, guide))
                .collect::<Vec<_>>()
        };
        pending = rayon::join(merge, analyze).1;
    }
    pending.iter().for_each(|p| merger.add(p));
    SearchIndex {
        locale: locale.tag.clone(),
        data: merger.finish(&locale.tag, guide_infos(locale)),
    }
}

/// Index parts of guides kept between rebuilds (`serve`, `watch`): a guide whose search
/// documents did not change is not analyzed again, so updating an index after an edit
/// costs one guide's analysis plus the merge.
/// (locale, guide slug); the value holds a hash of the guide's source text and its part.
/// A part depends on the guide alone (the merge sets its position), and a guide's model
/// on its source and `site.yaml`, on whose change the cache is cleared
/// ([`PartCache::clear`]): hashing the source spares building every guide's documents
/// to find the one that changed.
type PartKey = (String, String);

#[derive(Default)]
pub struct PartCache {
    parts: std::sync::Mutex<HashMap<PartKey, (u64, Arc<IndexPart>)>>,
}

impl PartCache {
    /// Forgets every part (the site's configuration changed, and with it maybe how
    /// guides read).
    pub fn clear(&self) {
        if let Ok(mut m) = self.parts.lock() {
            m.clear();
        }
    }

    /// [`build_locale_index`], reusing the parts of unchanged guides.
    pub fn locale_index(&self, locale: &Locale) -> SearchIndex {
        self.locale_index_until(locale, &|| false)
            .unwrap_or_else(|| build_locale_index(locale))
    }

    /// [`PartCache::locale_index`] that gives up (`None`) as soon as `cancel` says so:
    /// `serve` drops a search update when an edit arrives, and redoes it when idle.
    pub fn locale_index_until(
        &self,
        locale: &Locale,
        cancel: &(dyn Fn() -> bool + Sync),
    ) -> Option<SearchIndex> {
        use rayon::prelude::*;
        let parts: Vec<Arc<IndexPart>> = locale
            .guides
            .par_iter()
            .enumerate()
            .map(|(g, guide)| {
                if cancel() {
                    return None;
                }
                let hash = xxhash_rust::xxh3::xxh3_64(guide.source.as_bytes());
                let key = (locale.tag.clone(), guide.slug.clone());
                let cached = self.parts.lock().ok().and_then(|m| {
                    m.get(&key)
                        .filter(|(h, _)| *h == hash)
                        .map(|(_, p)| p.clone())
                });
                Some(cached.unwrap_or_else(|| {
                    let docs = guide_docs(g, guide);
                    let part = Arc::new(compact::build_part(&locale.tag, &docs));
                    if let Ok(mut m) = self.parts.lock() {
                        m.insert(key, (hash, part.clone()));
                    }
                    part
                }))
            })
            .collect::<Option<_>>()?;
        // Forget guides that are gone.
        if let Ok(mut m) = self.parts.lock() {
            let slugs: HashSet<&str> = locale.guides.iter().map(|g| g.slug.as_str()).collect();
            m.retain(|(tag, slug), _| tag != &locale.tag || slugs.contains(slug.as_str()));
        }
        let parts: Vec<&IndexPart> = parts.iter().map(|p| p.as_ref()).collect();
        let index = SearchIndex {
            locale: locale.tag.clone(),
            data: compact::merge_until(&locale.tag, guide_infos(locale), &parts, cancel),
        };
        (!cancel()).then_some(index)
    }
}

/// One guide's share of its locale's index (see [`IndexPart`]); `g` is its position.
pub fn guide_part(locale_tag: &str, g: usize, guide: &Guide) -> IndexPart {
    compact::build_part(locale_tag, &guide_docs(g, guide))
}

/// The locale's index from the parts of its guides, in the locale's guide order.
pub fn merge_locale_index(locale: &Locale, parts: &[&IndexPart]) -> SearchIndex {
    SearchIndex {
        locale: locale.tag.clone(),
        data: compact::merge(&locale.tag, guide_infos(locale), parts),
    }
}

fn guide_infos(locale: &Locale) -> Vec<compact::GuideInfo> {
    locale
        .guides
        .iter()
        .map(|guide| compact::GuideInfo {
            slug: guide.slug.clone(),
            title: guide.title.clone(),
        })
        .collect()
}

/// The documents of one guide: the guide itself, then its entries in order.
fn guide_docs(g: usize, guide: &Guide) -> Vec<SearchDoc> {
    let mut docs = vec![guide_doc(g, guide)];
    for section in guide.sections_flat() {
        for entry in &section.entries {
            docs.push(entry_doc(g, section, entry));
        }
    }
    docs
}

impl SearchIndex {
    /// The whole index as one script (no sharding).
    pub fn to_script(&self) -> String {
        compact::script(&self.data)
    }

    /// The files to write into the locale folder: `search-index.js`, plus shard scripts
    /// when the index is larger than [`SHARD_THRESHOLD`].
    pub fn files(&self) -> Vec<IndexFile> {
        self.files_with_threshold(SHARD_THRESHOLD)
    }

    /// [`Self::files`] with another sharding threshold (tests use a tiny one).
    pub fn files_with_threshold(&self, threshold: usize) -> Vec<IndexFile> {
        compact::files(&self.data, threshold)
    }
}

fn guide_doc(g: usize, guide: &Guide) -> SearchDoc {
    let mut title = guide.title.clone();
    if let Some(h1) = guide.h1.as_deref().filter(|h| *h != guide.title) {
        title = format!("{title} {h1}");
    }
    let description = guide.description.clone().unwrap_or_default();
    let mut body = guide.intro.text.clone();
    for item in &guide.checklist {
        body.push('\n');
        body.push_str(&item.text);
    }
    let snippet = if description.trim().is_empty() {
        &body
    } else {
        &description
    };
    SearchDoc {
        guide: g,
        id: String::new(),
        title: String::new(),
        section: String::new(),
        snippet: clip(snippet, SNIPPET_CHARS),
        codes: Vec::new(),
        fields: [
            String::new(),
            title,
            String::new(),
            description,
            String::new(),
            body,
        ],
    }
}

fn entry_doc(g: usize, section: &Section, e: &ErrorEntry) -> SearchDoc {
    let mut message = e.message.text.clone();
    let mut resolution = e.resolution.text.clone();
    for v in &e.variants {
        append(&mut message, &v.message.text);
        append(&mut resolution, &v.resolution.text);
    }
    let title = [Some(&e.message), e.variants.first().map(|v| &v.message)]
        .into_iter()
        .flatten()
        .map(|m| m.text.trim())
        .find(|t| !t.is_empty())
        .unwrap_or(section.title.as_str());
    let cause = text_of(e.cause.as_ref());
    let snippet = [cause.as_str(), resolution.as_str(), section.prose.as_str()]
        .into_iter()
        .find(|t| !t.trim().is_empty())
        .unwrap_or("");
    let code_values: Vec<&str> = e.codes.iter().map(|c| c.value.as_str()).collect();
    SearchDoc {
        guide: g,
        id: e.id.clone(),
        title: clip(title, TITLE_CHARS),
        section: clip(&section.title, TITLE_CHARS),
        snippet: clip(snippet, SNIPPET_CHARS),
        codes: e.codes.iter().map(|c| c.normalized.clone()).collect(),
        fields: [
            code_values.join(" "),
            message,
            text_of(e.operation.as_ref()),
            section.title.clone(),
            cause,
            resolution,
        ],
    }
}

fn text_of(t: Option<&RichText>) -> String {
    t.map(|t| t.text.clone()).unwrap_or_default()
}

fn append(to: &mut String, text: &str) {
    if !text.trim().is_empty() {
        if !to.is_empty() {
            to.push('\n');
        }
        to.push_str(text);
    }
}

/// Whitespace collapsed, cut to `max` characters with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    // At most `max` characters of up to 4 bytes, and the ellipsis.
    let mut out = String::with_capacity(text.len().min(max * 4 + 3));
    let mut n = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if n > 0 {
            if n + 1 + len > max {
                out.push('…');
                return out;
            }
            out.push(' ');
            n += 1;
        }
        if n + len > max {
            out.extend(word.chars().take(max - n));
            out.push('…');
            return out;
        }
        out.push_str(word);
        n += len;
    }
    out
}

/// URL of an entry page relative to the locale folder.
pub fn entry_url(guide_slug: &str, id: &str) -> String {
    format!("{}/{}.html", encode_segment(guide_slug), encode_segment(id))
}

/// URL of a guide page relative to the locale folder.
pub fn guide_url(guide_slug: &str) -> String {
    format!("{}/index.html", encode_segment(guide_slug))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache gives what a fresh build gives, before and after an edit.
    #[test]
    fn cached_parts_give_the_fresh_index() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut site = crate::source::load_site(root).expect("default site").site;
        let cache = PartCache::default();
        let locale = &mut site.locales[0];
        assert_eq!(
            cache.locale_index(locale).to_script(),
            build_locale_index(locale).to_script()
        );
        let entry = locale.guides[0]
            .sections
            .iter_mut()
            .flat_map(|s| {
                s.entries
                    .iter_mut()
                    .chain(s.children.iter_mut().flat_map(|c| c.entries.iter_mut()))
            })
            .next()
            .expect("an entry");
        entry.message.text = "zzyzx edited message".into();
        // What an edit does to the source, by which the cache knows the guide changed.
        locale.guides[0].source.push_str("\nzzyzx");
        let edited = cache.locale_index(locale).to_script();
        assert!(edited.contains("zzyzx"));
        assert_eq!(edited, build_locale_index(locale).to_script());
    }

    /// A locale of more guides than a batch: analyzed and merged batch by batch, it
    /// equals the merge of every guide's part at once.
    #[test]
    fn batched_build_equals_merging_every_part() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let site = crate::source::load_site(root).expect("default site").site;
        let one = site.locale("en-US").expect("en-US");
        let mut locale = one.clone();
        locale.guides = (0..150)
            .map(|i| {
                let mut g = one.guides[0].clone();
                g.slug = format!("guide-{i:03}");
                g.title = format!("{} {i}", g.title);
                g
            })
            .collect();
        let parts: Vec<IndexPart> = (locale.guides.iter().enumerate())
            .map(|(g, guide)| guide_part(&locale.tag, g, guide))
            .collect();
        let all = merge_locale_index(&locale, &parts.iter().collect::<Vec<_>>());
        let batched = build_locale_index(&locale);
        assert_eq!(batched.data.n, all.data.n);
        assert_eq!(batched.to_script(), all.to_script());
        assert_eq!(
            batched.files_with_threshold(64 * 1024),
            all.files_with_threshold(64 * 1024)
        );
    }

    #[test]
    fn clip_keeps_words_and_marks_the_cut() {
        assert_eq!(clip("  a  b\nc ", 10), "a b c");
        assert_eq!(clip("alpha beta gamma", 11), "alpha beta…");
        assert_eq!(clip("abcdefghij", 4), "abcd…");
    }

    #[test]
    fn urls_encode_non_ascii() {
        assert_eq!(entry_url("guide", "0x29834"), "guide/0x29834.html");
        assert_eq!(
            entry_url("가이드", "a b"),
            "%EA%B0%80%EC%9D%B4%EB%93%9C/a%20b.html"
        );
        assert_eq!(guide_url("g"), "g/index.html");
    }
}
