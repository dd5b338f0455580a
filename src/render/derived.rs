//! What the renderer derives from one guide alone: its entries' file stems and titles,
//! its sorted entry ids, the images it shows and its part of `errors.json`.
//!
//! A build computes these once per guide. `serve` and `watch` keep them between
//! rebuilds in a [`DerivedCache`], so that a rebuild after one edit derives one guide,
//! not the whole site: the session forgets the guides it re-reads, and everything on a
//! theme, image or `site.yaml` change.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{Block, Guide};

use super::index::{entry_title, CodeTable, Fingerprint, GuideNames, Unique, UntranslatedTable};
use super::url::file_stem;

pub struct GuideDerived {
    /// File stem of each entry's page, in [`Guide::entries`] order.
    pub entry_stems: Vec<String>,
    /// Plain-text title of each entry, in the same order.
    pub titles: Vec<String>,
    /// The guide's path as diagnostics show it (error pages name their source line).
    pub shown_path: String,
    /// Entry ids, sorted, without repeats (locales compare these).
    pub ids: Vec<String>,
    /// Entry id → position of its first entry.
    pub by_id: FxHashMap<String, usize>,
    /// Section anchor → position in [`Guide::sections_flat`] (the last of equal anchors).
    pub sections: FxHashMap<String, usize>,
    /// Entry ids that some table row carries as its `id`.
    pub row_ids: FxHashSet<String>,
    /// Images the guide shows that exist: output path → file under the site root.
    pub images: Vec<(String, PathBuf)>,
    /// Hash of every entry's codes with the entry's position: the locale's code index is
    /// kept while the sequence of these is unchanged (hashing every code of the site per
    /// edit was a third of a `serve` rebuild at 2,000 guides).
    pub codes_hash: u64,
    /// Hash of `ids`: "not translated yet" pages are kept while these are unchanged.
    pub ids_hash: u64,
    /// The guide's object in `errors.json`, made on first use.
    json: OnceLock<String>,
}

impl GuideDerived {
    pub fn new(site_root: &Path, guide: &Guide) -> GuideDerived {
        let entries = guide.entries();
        let mut stems = Unique::default();
        let entry_stems = entries
            .iter()
            .map(|e| stems.take(file_stem(&e.id)))
            .collect();
        let titles = entries.iter().map(|e| entry_title(e)).collect();
        let mut ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut by_id = FxHashMap::default();
        for (i, e) in entries.iter().enumerate() {
            by_id.entry(e.id.clone()).or_insert(i);
        }
        let sections = guide
            .sections_flat()
            .iter()
            .enumerate()
            .map(|(i, s)| (s.anchor.clone(), i))
            .collect();
        let row_ids = guide
            .body
            .iter()
            .filter_map(|b| match b {
                Block::ErrorTable(t) => Some(t.rows.iter().map(|r| r.entry_id.clone())),
                Block::Html { .. } => None,
            })
            .flatten()
            .collect();
        let mut codes = Fingerprint::default();
        for (ei, e) in entries.iter().enumerate() {
            for c in &e.codes {
                codes.number(ei as u64);
                codes.text(&c.normalized);
                codes.text(&c.value);
                codes.number(c.kind as u64);
            }
        }
        let mut id_list = Fingerprint::default();
        ids.iter().for_each(|id| id_list.text(id));
        GuideDerived {
            entry_stems,
            titles,
            shown_path: crate::diag::display_path(&guide.path),
            codes_hash: codes.finish(),
            ids_hash: id_list.finish(),
            ids,
            by_id,
            sections,
            row_ids,
            images: super::pages::guide_images(site_root, guide),
            json: OnceLock::new(),
        }
    }

    /// The guide as `errors.json` lists it.
    pub fn json(&self, guide: &Guide) -> &str {
        self.json.get_or_init(|| crate::export::guide_json(guide))
    }
}

/// [`GuideDerived`] by guide file and locale, kept between rebuilds.
#[derive(Default)]
pub struct DerivedCache {
    // By path first: looked up without building a key, forgotten by path in one step.
    // Keyed by the path's bytes: a guide is looked up by its own `path`, which the
    // session also forgets it by (hashing paths component by component was most of a
    // lookup).
    map: Mutex<FxHashMap<OsString, ByTag>>,
    /// Each locale's code index, made from the codes of its guides.
    pub(super) codes: Kept<CodeTable>,
    /// Each locale's guide folder names, made from its slugs.
    pub(super) names: Kept<GuideNames>,
    /// Every locale's "not translated yet" pages (one entry, key ""), made from every
    /// guide's slug and entry ids.
    pub(super) untranslated: Kept<Vec<Arc<UntranslatedTable>>>,
}

/// What lists every guide of a locale, by locale tag, kept while a fingerprint of what it
/// was made from is unchanged.
pub(super) struct Kept<T>(Mutex<FxHashMap<String, (u64, Arc<T>)>>);

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept(Mutex::default())
    }
}

impl<T> Kept<T> {
    /// What is kept for `key` when it was made with `fingerprint`, else `make()`, kept;
    /// and whether it was kept.
    pub(super) fn get_or_make(
        &self,
        key: &str,
        fingerprint: u64,
        make: impl FnOnce() -> T,
    ) -> (Arc<T>, bool) {
        let found = lock(&self.0)
            .get(key)
            .filter(|(f, _)| *f == fingerprint)
            .map(|(_, t)| t.clone());
        if let Some(t) = found {
            return (t, true);
        }
        let t = Arc::new(make());
        lock(&self.0).insert(key.to_owned(), (fingerprint, t.clone()));
        (t, false)
    }

    fn clear(&self) {
        lock(&self.0).clear();
    }
}

/// [`Kept::get_or_make`] when there is a cache, else `make()`.
pub(super) fn kept_or_make<T>(
    kept: Option<&Kept<T>>,
    key: &str,
    fingerprint: impl FnOnce() -> u64,
    make: impl FnOnce() -> T,
) -> (Arc<T>, bool) {
    match kept {
        Some(k) => k.get_or_make(key, fingerprint(), make),
        None => (Arc::new(make()), false),
    }
}

/// A poisoned lock still holds a consistent map: each update is one insert or clear.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What one guide file gave, per locale that has it.
type ByTag = Vec<(String, Arc<GuideDerived>)>;

impl DerivedCache {
    /// The cached entry of every guide of a locale, in order, derived now when there is
    /// none: the cached ones under one lock, the others in parallel (a lock per guide
    /// made the threads wait on each other).
    pub fn get_all(&self, site_root: &Path, tag: &str, guides: &[Guide]) -> Vec<Arc<GuideDerived>> {
        use rayon::prelude::*;
        let found: Vec<Option<Arc<GuideDerived>>> = {
            let map = lock(&self.map);
            guides.iter().map(|g| cached(&map, tag, g)).collect()
        };
        found
            .into_par_iter()
            .zip(guides)
            .map(|(d, g)| d.unwrap_or_else(|| self.derive(site_root, tag, g)))
            .collect()
    }

    /// Derives `guide` (outside the lock) and keeps the result.
    fn derive(&self, site_root: &Path, tag: &str, guide: &Guide) -> Arc<GuideDerived> {
        let d = Arc::new(GuideDerived::new(site_root, guide));
        let mut map = lock(&self.map);
        let by_tag = map.entry(guide.path.as_os_str().to_owned()).or_default();
        by_tag.retain(|(t, _)| t != tag);
        by_tag.push((tag.to_owned(), d.clone()));
        d
    }

    /// Drops what was derived from the guide file `path` (in any locale).
    pub fn forget(&self, path: &Path) {
        lock(&self.map).remove(path.as_os_str());
    }

    pub fn clear(&self) {
        lock(&self.map).clear();
        self.forget_listings();
    }

    /// Drops the listings kept by fingerprint (code indexes, guide names, "not translated
    /// yet" pages): a rolled-back rebuild may have made them from guides that were put
    /// back, while the published code pages still follow the earlier ones.
    pub fn forget_listings(&self) {
        self.codes.clear();
        self.names.clear();
        self.untranslated.clear();
    }
}

/// What the map holds for `guide` in locale `tag`.
fn cached(map: &FxHashMap<OsString, ByTag>, tag: &str, guide: &Guide) -> Option<Arc<GuideDerived>> {
    let by_tag = map.get(guide.path.as_os_str())?;
    by_tag
        .iter()
        .find(|(t, _)| t == tag)
        .map(|(_, d)| d.clone())
}
