//! What the renderer derives from one guide alone: its entries' file stems and titles,
//! its sorted entry ids, the images it shows and its part of `errors.json`.
//!
//! A build computes these once per guide. `serve` and `watch` keep them between
//! rebuilds in a [`DerivedCache`], so that a rebuild after one edit derives one guide,
//! not the whole site: the session forgets the guides it re-reads, and everything on a
//! theme, image or `site.yaml` change.

use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::{FxHashMap, FxHashSet};
use xxhash_rust::xxh3::Xxh3;

use crate::model::{Block, Guide};

use super::index::{entry_title, CodeTable, GuideNames, Unique, UntranslatedTable};
use super::url::file_stem;

pub struct GuideDerived {
    /// File stem of each entry's page, in [`Guide::entries`] order.
    pub entry_stems: Vec<String>,
    /// Plain-text title of each entry, in the same order.
    pub titles: Vec<String>,
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
        let codes_hash = {
            let mut h = Xxh3::new();
            for (ei, e) in entries.iter().enumerate() {
                for c in &e.codes {
                    (ei, &c.normalized, &c.value, c.kind).hash(&mut h);
                }
            }
            h.finish()
        };
        let ids_hash = {
            let mut h = Xxh3::new();
            ids.hash(&mut h);
            h.finish()
        };
        GuideDerived {
            entry_stems,
            titles,
            codes_hash,
            ids_hash,
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
        self.json
            .get_or_init(|| serde_json::to_string(&crate::export::guide(guide)).unwrap_or_default())
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
    /// Each locale's code index, with the fingerprint of the codes it was made from.
    codes: Mutex<FxHashMap<String, (u64, Arc<CodeTable>)>>,
    /// Each locale's guide folder names, with the fingerprint of the slugs they came from.
    names: Mutex<FxHashMap<String, (u64, Arc<GuideNames>)>>,
    /// Every locale's "not translated yet" pages, with the fingerprint of every guide's
    /// slug and entry ids they came from.
    untranslated: Mutex<Option<(u64, Untranslated)>>,
}

/// Each locale's "not translated yet" pages, in locale order.
pub(super) type Untranslated = Arc<[Arc<UntranslatedTable>]>;

/// A poisoned lock still holds a consistent map: each update is one insert or clear.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What one guide file gave, per locale that has it.
type ByTag = Vec<(String, Arc<GuideDerived>)>;

impl DerivedCache {
    /// The cached entry of `guide`, derived now when there is none.
    pub fn get(&self, site_root: &Path, tag: &str, guide: &Guide) -> Arc<GuideDerived> {
        let found = cached(&self.lock(), tag, guide);
        found.unwrap_or_else(|| self.derive(site_root, tag, guide))
    }

    /// [`DerivedCache::get`] for every guide of a locale, in order: the cached ones under
    /// one lock, the others derived in parallel (a lock per guide made the threads wait
    /// on each other).
    pub fn get_all(&self, site_root: &Path, tag: &str, guides: &[Guide]) -> Vec<Arc<GuideDerived>> {
        use rayon::prelude::*;
        let found: Vec<Option<Arc<GuideDerived>>> = {
            let map = self.lock();
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
        let mut map = self.lock();
        let by_tag = map.entry(guide.path.as_os_str().to_owned()).or_default();
        by_tag.retain(|(t, _)| t != tag);
        by_tag.push((tag.to_owned(), d.clone()));
        d
    }

    /// Drops what was derived from the guide file `path` (in any locale).
    pub fn forget(&self, path: &Path) {
        self.lock().remove(path.as_os_str());
    }

    pub fn clear(&self) {
        lock(&self.map).clear();
        self.forget_listings();
    }

    /// Drops the listings kept by fingerprint (code indexes, guide names, "not translated
    /// yet" pages): a rolled-back rebuild may have made them from guides that were put
    /// back, while the published code pages still follow the earlier ones.
    pub fn forget_listings(&self) {
        lock(&self.codes).clear();
        lock(&self.names).clear();
        *lock(&self.untranslated) = None;
    }

    /// The code index of locale `tag`, when it was made from codes with this fingerprint.
    pub(super) fn code_table(&self, tag: &str, fingerprint: u64) -> Option<Arc<CodeTable>> {
        kept(&lock(&self.codes), tag, fingerprint)
    }

    pub(super) fn put_code_table(&self, tag: &str, fingerprint: u64, table: Arc<CodeTable>) {
        lock(&self.codes).insert(tag.to_owned(), (fingerprint, table));
    }

    /// The guide folder names of locale `tag`, when made from slugs with this fingerprint.
    pub(super) fn guide_names(&self, tag: &str, fingerprint: u64) -> Option<Arc<GuideNames>> {
        kept(&lock(&self.names), tag, fingerprint)
    }

    pub(super) fn put_guide_names(&self, tag: &str, fingerprint: u64, names: Arc<GuideNames>) {
        lock(&self.names).insert(tag.to_owned(), (fingerprint, names));
    }

    /// Every locale's "not translated yet" pages, when made with this fingerprint.
    pub(super) fn untranslated(&self, fingerprint: u64) -> Option<Untranslated> {
        lock(&self.untranslated)
            .as_ref()
            .filter(|(f, _)| *f == fingerprint)
            .map(|(_, t)| t.clone())
    }

    pub(super) fn put_untranslated(&self, fingerprint: u64, t: Untranslated) {
        *lock(&self.untranslated) = Some((fingerprint, t));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<OsString, ByTag>> {
        lock(&self.map)
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

/// What a locale's map holds for `tag`, when it was made with this fingerprint.
fn kept<T>(map: &FxHashMap<String, (u64, Arc<T>)>, tag: &str, fingerprint: u64) -> Option<Arc<T>> {
    map.get(tag)
        .filter(|(f, _)| *f == fingerprint)
        .map(|(_, t)| t.clone())
}
