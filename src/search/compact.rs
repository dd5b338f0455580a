//! The compact index format read by `search.js`, and its sharding.
//!
//! ```text
//! { v: 2, locale, stem: bool, fields: ["c","m",…], boost: [10,4,…], n: <documents>,
//!   guides:   [[slug, title]…],
//!   codes:    { normalized code: [document…] },
//!   sections: [section title…],
//!   docs:     [[guide, id ("" for the guide), title, section (index in sections), snippet]…],
//!   terms:    "<front-coded terms and postings>" }
//! ```
//! Terms are front-coded in one string ([`front_code`]): `0abc P|2d Q|` is `abc` then
//! `abd`. Postings are groups, each a header character U+0100 + class · 6 + field, then
//! the group's documents, delta-coded, as [`varint`]s (digits of base 45 from a
//! 90-character ASCII alphabet, the last digit from the lower half, so no separator is
//! needed). The class is a document's weight for the term in that field,
//! `sqrt(count / field length)` (what elasticlunr's tf and field-length norm multiply
//! to), quantized: `class = min(round(ln(length / count) / ln 1.1), 84)`, weight
//! `1.1^(-class/2)` (5% steps); headers are thus U+0100–U+02FF.
//! Storing the weight class in the postings spares every document's field lengths, which
//! scoring needs for each matching document and which a sharded head had to carry whole.
//!
//! A sharded index keeps `v … n` in `search-index.js`, with `guides: []`, `codes: {}`,
//! `sections: []`, `docs: []`, `terms: ""` and `shards: {terms: [[first term, count]…],
//! docs: [first document…]}`. Term shards cut the terms, sorted in UTF-16 order (the
//! order of JavaScript's `<`), into ranges of about the same bytes; a term larger than half
//! a shard gets a shard of its own. `search-index.t<k>.js` holds `{terms, codes}` for
//! the terms and codes from its first term to the next shard's; a prefix's expansions
//! are in the shard of the prefix and the following shards that start with it.
//! `search-index.d<k>.js` holds `{first, gfirst, guides, sections, docs}`: documents
//! from `first` on, with the guides they name from `gfirst` on and their own section
//! table. A shard script stores itself in `errbookSearchShards["<locale>/t<k>"]` (or
//! `module.exports` under Node).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use elasticlunr::Language as _;
use serde::Serialize;

use super::lang::ErrbookLanguage;
use super::{IndexFile, SearchDoc, FIELDS, INDEX_FILE};

pub const FORMAT_VERSION: u32 = 2;

/// A guide as results show it.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideInfo {
    pub slug: String,
    pub title: String,
}

impl Serialize for GuideInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.slug, &self.title).serialize(s)
    }
}

/// A document as stored: what a result shows, plus its field lengths (written into the
/// postings as weight classes, not stored as such).
#[derive(Debug, Clone, PartialEq)]
pub struct DocRow {
    pub guide: usize,
    pub id: String,
    pub title: String,
    pub section: String,
    pub snippet: String,
    pub lengths: Vec<usize>,
}

/// A locale's index in the compact format.
#[derive(Debug, Clone)]
pub struct IndexData {
    pub v: u32,
    pub locale: String,
    pub stem: bool,
    pub fields: Vec<String>,
    pub boost: Vec<f64>,
    pub n: usize,
    pub guides: Vec<GuideInfo>,
    /// Normalized code → documents carrying it, for the exact-code rule.
    pub codes: BTreeMap<String, Vec<usize>>,
    pub docs: Vec<DocRow>,
    /// Term → postings (encoded, see the module comment); written front-coded.
    pub terms: BTreeMap<String, String>,
}

/// Terms in sorted order as one string: per term, the number of characters it shares
/// with the previous term (one base-36 digit, at most 35), the rest of the term, a
/// space, its postings, and `|`. Tokens never hold a space or `|`, postings neither.
pub fn front_code<'a>(terms: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = String::new();
    let mut prev: Vec<char> = Vec::new();
    for (term, postings) in terms {
        let chars: Vec<char> = term.chars().collect();
        let shared = prev
            .iter()
            .zip(&chars)
            .take_while(|(a, b)| a == b)
            .count()
            .min(35);
        out.push(DIGITS[shared] as char);
        out.extend(&chars[shared..]);
        out.push(' ');
        out.push_str(postings);
        out.push('|');
        prev = chars;
    }
    out
}

/// One guide's share of a locale index: its documents (numbered from 0 within the
/// guide) with their field lengths, codes and term counts. Built with elasticlunr's
/// analysis (our [`ErrbookLanguage`]: its tokenizer, then its pipeline) and counted the
/// way elasticlunr's `Index::add_doc` counts; parts are merged in guide order
/// ([`merge`]), so a rebuild analyzes only the guides that changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexPart {
    rows: Vec<DocRow>,
    /// (normalized code, document)
    codes: Vec<(String, usize)>,
    /// The guide's distinct terms, by first appearance.
    words: Vec<String>,
    /// (index in `words`, field, weight class, document), in document order: each
    /// term's postings come by document, so that sorted by field (stably) they stay
    /// sorted by document within each field.
    postings: Vec<(u32, u8, u8, u32)>,
}

/// Analyzes the documents of one guide.
pub fn build_part(locale: &str, docs: &[SearchDoc]) -> IndexPart {
    let lang = ErrbookLanguage::for_locale(locale);
    let pipeline = lang.make_pipeline();
    let mut part = IndexPart::default();
    // Terms are numbered as they come, so counting and sorting compare numbers, not
    // strings.
    let mut ids: FxHashMap<String, u32> = FxHashMap::default();
    // The pipeline works token by token, so each distinct token goes through it once:
    // its term's number, or `None` when the pipeline drops it (a stop word).
    let mut seen: FxHashMap<String, Option<u32>> = FxHashMap::default();
    // A field's count of each term, by term number, and the terms it has counted (a
    // hash map per field cost more than the counting).
    let mut counts: Vec<u64> = Vec::new();
    let mut counted: Vec<u32> = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let mut lengths = Vec::with_capacity(FIELDS.len());
        for (f, text) in d.fields.iter().enumerate() {
            let mut length = 0;
            super::tokenize::each_token(text, &mut |token| {
                let id = match seen.get(token) {
                    Some(id) => *id,
                    None => {
                        let term = pipeline.run(vec![token.to_owned()]).pop();
                        let id = term.map(|t| {
                            let next = ids.len() as u32;
                            *ids.entry(t).or_insert(next)
                        });
                        seen.insert(token.to_owned(), id);
                        id
                    }
                };
                if let Some(id) = id {
                    length += 1;
                    let at = id as usize;
                    if at >= counts.len() {
                        counts.resize(at + 1, 0);
                    }
                    if counts[at] == 0 {
                        counted.push(id);
                    }
                    counts[at] += 1;
                }
            });
            lengths.push(length);
            part.postings.extend(counted.drain(..).map(|id| {
                let count = std::mem::take(&mut counts[id as usize]);
                let class = weight_class(count, length).min(MAX_CLASS) as u8;
                (id, f as u8, class, i as u32)
            }));
        }
        for c in &d.codes {
            if !part.codes.iter().any(|(code, doc)| code == c && *doc == i) {
                part.codes.push((c.clone(), i));
            }
        }
        part.rows.push(DocRow {
            guide: d.guide,
            section: d.section.clone(),
            id: d.id.clone(),
            title: d.title.clone(),
            snippet: d.snippet.clone(),
            lengths,
        });
    }
    part.words = vec![String::new(); ids.len()];
    for (word, id) in ids {
        part.words[id as usize] = word;
    }
    part
}

/// The locale index of its guides' parts, in guide order (`parts[g]` is guide `g`'s).
pub fn merge(locale: &str, guides: Vec<GuideInfo>, parts: &[&IndexPart]) -> IndexData {
    merge_until(locale, guides, parts, &|| false)
}

/// [`merge`] that stops early once `cancel` says so; the result is then incomplete and
/// the caller, seeing `cancel()`, drops it.
pub fn merge_until(
    locale: &str,
    guides: Vec<GuideInfo>,
    parts: &[&IndexPart],
    cancel: &dyn Fn() -> bool,
) -> IndexData {
    let mut merger = Merger::default();
    for part in parts {
        if cancel() {
            break;
        }
        merger.add(part);
    }
    merger.finish(locale, guides)
}

/// One posting as merged: (field, weight class, document); 8 bytes, as there are
/// millions of them.
type Posting = (u8, u8, u32);

/// A locale index put together part by part, in guide order, so that a build can drop
/// each part once added (the parts of 2,000 guides held at once were most of a build's
/// peak memory).
#[derive(Default)]
pub struct Merger {
    /// Term → its slot in `postings`, by first appearance (a hash map, sorted once at
    /// the end: a tree map compared strings for each of millions of postings).
    slots: FxHashMap<Box<str>, u32>,
    /// Postings of each term slot, documents ascending within a field.
    postings: Vec<Vec<Posting>>,
    codes: BTreeMap<String, Vec<usize>>,
    rows: Vec<DocRow>,
    guides: usize,
}

impl Merger {
    /// Adds the next guide's part.
    pub fn add(&mut self, part: &IndexPart) {
        let g = self.guides;
        self.guides += 1;
        let offset = self.rows.len();
        self.rows.extend(part.rows.iter().map(|r| DocRow {
            guide: g,
            ..r.clone()
        }));
        for (code, doc) in &part.codes {
            self.codes
                .entry(code.clone())
                .or_default()
                .push(offset + doc);
        }
        // Each of the guide's terms is looked up once, not once per posting.
        let slots: Vec<u32> = (part.words.iter())
            .map(|word| match self.slots.get(word.as_str()) {
                Some(&at) => at,
                None => {
                    let at = self.postings.len() as u32;
                    self.slots.insert(word.as_str().into(), at);
                    self.postings.push(Vec::new());
                    at
                }
            })
            .collect();
        for &(word, field, class, doc) in &part.postings {
            let at = slots[word as usize] as usize;
            // Parts come in document order, and so do their postings.
            self.postings[at].push((field, class, offset as u32 + doc));
        }
    }

    /// The index of the parts added, their postings encoded across threads.
    pub fn finish(self, locale: &str, guides: Vec<GuideInfo>) -> IndexData {
        use rayon::prelude::*;
        let Merger {
            slots,
            mut postings,
            codes,
            rows,
            ..
        } = self;
        let mut lists: Vec<(Box<str>, Vec<Posting>)> = slots
            .into_iter()
            .map(|(term, at)| (term, std::mem::take(&mut postings[at as usize])))
            .collect();
        drop(postings);
        let terms: Vec<(String, String)> = lists
            .par_iter_mut()
            .map(|(term, list)| {
                // Stable: documents stay ascending within each field.
                list.sort_by_key(|p| p.0);
                (term.to_string(), encode_postings(list))
            })
            .collect();
        drop(lists);
        IndexData {
            v: FORMAT_VERSION,
            locale: locale.to_string(),
            stem: super::lang::stems(locale),
            fields: FIELDS.iter().map(|(f, _)| f.to_string()).collect(),
            boost: FIELDS.iter().map(|(_, b)| *b).collect(),
            n: rows.len(),
            guides,
            codes,
            docs: rows,
            terms: terms.into_iter().collect(),
        }
    }
}

/// The 90 digit characters of [`varint`]: printable ASCII from `#` on, without `\` and
/// `|` (JSON escapes the one, the term string separates with the other). Values below
/// [`HALF`] end a number, the others continue it.
const ALPHABET: &[u8; 90] =
    b"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{}~";
const HALF: u64 = 45;

/// A number as base-45 digits, most significant first; every digit but the last comes
/// from the upper half of [`ALPHABET`], so numbers follow each other without separators.
/// Below 45 a number is one character, below 2,025 two.
pub fn varint(n: u64, out: &mut String) {
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    let mut n = n;
    let mut last = true;
    loop {
        i -= 1;
        let digit = n % HALF + if last { 0 } else { HALF };
        buf[i] = ALPHABET[digit as usize];
        last = false;
        n /= HALF;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| b as char));
}

/// A document's weight class for a term in a field: `round(ln(length / count) / ln 1.1)`,
/// so the weight `sqrt(count / length)` is `1.1^(-class/2)` to within 2.5%.
pub fn weight_class(count: u64, length: usize) -> u64 {
    let ratio = length.max(1) as f64 / count.max(1) as f64;
    (ratio.max(1.0).ln() / 1.1f64.ln()).round() as u64
}

/// Weight classes above this share its weight (a field 3,000 times longer than the
/// term's count, which a guide's text does not reach), so that every group header is in
/// U+0100–U+02FF: two bytes in UTF-8, and no combining mark that a normalizing editor or
/// tool could fold into the character before it.
const MAX_CLASS: u64 = 84;

/// The character opening a group of postings: U+0100 + class · fields + field. One
/// character of two bytes, where an ASCII marker and a number took three.
fn group_header(class: u64, field: usize) -> char {
    let key = class.min(MAX_CLASS) * FIELDS.len() as u64 + field as u64;
    char::from_u32(0x100 + key as u32).unwrap_or('\u{100}')
}

/// A term's postings, `(field, class, document)` sorted by field then document: per
/// field, groups of documents by weight class (ascending), each a [`group_header`] then
/// the documents, delta-coded [`varint`]s.
fn encode_postings(list: &[Posting]) -> String {
    let mut out = String::new();
    let mut groups: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for same_field in list.chunk_by(|a, b| a.0 == b.0) {
        let f = usize::from(same_field[0].0);
        for &(_, class, doc) in same_field {
            groups
                .entry(u64::from(class))
                .or_default()
                .push(doc as usize);
        }
        for (class, docs) in std::mem::take(&mut groups) {
            out.push(group_header(class, f));
            let mut prev = 0;
            for doc in docs {
                varint((doc - prev) as u64, &mut out);
                prev = doc;
            }
        }
    }
    out
}

const PROLOGUE: &str =
    "(function(g,x){if(typeof module==='object'&&module.exports)module.exports=x;";

/// A row as written: section titles become indexes into a table.
type RowOut<'a> = (usize, &'a str, &'a str, usize, &'a str);

/// Section titles of some rows, each once (sections repeat for every entry of a
/// section), and the rows referring to them.
fn rows_out(rows: &[DocRow]) -> (Vec<&str>, Vec<RowOut<'_>>) {
    let mut table: Vec<&str> = Vec::new();
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    let out = rows
        .iter()
        .map(|r| {
            let s = *seen.entry(r.section.as_str()).or_insert_with(|| {
                table.push(r.section.as_str());
                table.len() - 1
            });
            (
                r.guide,
                r.id.as_str(),
                r.title.as_str(),
                s,
                r.snippet.as_str(),
            )
        })
        .collect();
    (table, out)
}

#[derive(Serialize)]
struct Script<'a> {
    v: u32,
    locale: &'a str,
    stem: bool,
    fields: &'a [String],
    boost: &'a [f64],
    n: usize,
    guides: &'a [GuideInfo],
    codes: &'a BTreeMap<String, Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shards: Option<ShardMap<'a>>,
    sections: Vec<&'a str>,
    docs: Vec<RowOut<'a>>,
    terms: String,
}

#[derive(Serialize)]
struct ShardMap<'a> {
    /// First term and number of terms of each term shard.
    terms: Vec<(&'a str, usize)>,
    /// First document of each document shard.
    docs: Vec<usize>,
}

/// No codes: what a sharded head holds (its codes are in the term shards).
static NO_CODES: BTreeMap<String, Vec<usize>> = BTreeMap::new();

impl<'a> Script<'a> {
    /// The index's metadata, without guides, codes, documents or terms.
    fn meta(data: &'a IndexData) -> Self {
        Script {
            v: data.v,
            locale: &data.locale,
            stem: data.stem,
            fields: &data.fields,
            boost: &data.boost,
            n: data.n,
            guides: &[],
            codes: &NO_CODES,
            shards: None,
            sections: Vec::new(),
            docs: Vec::new(),
            terms: String::new(),
        }
    }
}

fn whole(data: &IndexData) -> Script<'_> {
    let (sections, docs) = rows_out(&data.docs);
    Script {
        guides: &data.guides,
        codes: &data.codes,
        sections,
        docs,
        terms: front_code(data.terms.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        ..Script::meta(data)
    }
}

fn wrap(json: &str) -> String {
    format!("{PROLOGUE}else g.errbookSearchIndex=x;}})(typeof window!=='undefined'?window:globalThis,{json});\n")
}

/// The unsharded index as a script: assigns `errbookSearchIndex`, or `module.exports`
/// under Node.
pub fn script(data: &IndexData) -> String {
    wrap(&serde_json::to_string(&whole(data)).unwrap_or_default())
}

fn shard_script(key: &str, json: &str) -> String {
    let key = serde_json::to_string(key).unwrap_or_default();
    format!(
        "{PROLOGUE}else (g.errbookSearchShards=g.errbookSearchShards||{{}})[{key}]=x;}})(typeof window!=='undefined'?window:globalThis,{json});\n"
    )
}

/// JavaScript's string order (UTF-16 code units), which the client's shard lookup and
/// prefix expansion use; it differs from Rust's for characters above U+FFFF.
fn js_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// `search-index.js`, plus shard scripts when the whole script exceeds `threshold`
/// bytes. A query loads the head, a term shard per query token (more for a prefix
/// whose expansions continue into the next shards) and a document shard per result
/// shown, so shards are small: terms about `threshold / 32` bytes, documents
/// `threshold / 64`.
pub fn files(data: &IndexData, threshold: usize) -> Vec<IndexFile> {
    // The postings alone (each term adds at least a digit, a space and a `|`) tell a
    // large index without writing it whole (tens of MB at thousands of guides).
    let postings: usize = data.terms.values().map(|p| p.len() + 3).sum();
    if postings <= threshold {
        let whole_script = script(data);
        if whole_script.len() <= threshold {
            return vec![IndexFile {
                name: INDEX_FILE.into(),
                content: whole_script,
            }];
        }
    }
    let term_target = (threshold / 32).max(1);
    let doc_target = (threshold / 64).max(1);

    // Term ranges.
    let mut sorted: Vec<(&str, &str)> = data
        .terms
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort_by(|a, b| js_cmp(a.0, b.0));
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, (term, postings)) in sorted.iter().enumerate() {
        let size = term.len() + postings.len() + 3;
        // A large term alone: a query for a rarer neighbour should not load it.
        if size > term_target / 2 && i > start {
            ranges.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += size;
        if bytes >= term_target || size > term_target / 2 {
            ranges.push(start..i + 1);
            start = i + 1;
            bytes = 0;
        }
    }
    if start < sorted.len() || ranges.is_empty() {
        ranges.push(start..sorted.len());
    }
    // First term of each shard; the first shard starts at "" so every string has one.
    let firsts: Vec<&str> = ranges
        .iter()
        .enumerate()
        .map(|(k, r)| if k == 0 { "" } else { sorted[r.start].0 })
        .collect();
    let shard_of = |s: &str| {
        firsts
            .partition_point(|f| js_cmp(f, s) != std::cmp::Ordering::Greater)
            .saturating_sub(1)
    };
    let mut codes: Vec<BTreeMap<&str, &Vec<usize>>> = vec![BTreeMap::new(); ranges.len()];
    for (code, docs) in &data.codes {
        codes[shard_of(code)].insert(code.as_str(), docs);
    }
    let mut files = Vec::new();
    for (k, range) in ranges.iter().enumerate() {
        let json = serde_json::to_string(&serde_json::json!({
            "terms": front_code(sorted[range.clone()].iter().copied()),
            "codes": codes[k],
        }))
        .unwrap_or_default();
        files.push(IndexFile {
            name: format!("search-index.t{k}.js"),
            content: shard_script(&format!("{}/t{k}", data.locale), &json),
        });
    }

    // Document ranges.
    let mut doc_firsts = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    let mut doc_ranges = Vec::new();
    for (i, d) in data.docs.iter().enumerate() {
        bytes += d.id.len() + d.title.len() + d.snippet.len() + d.section.len() / 4 + 16;
        if bytes >= doc_target || i + 1 == data.docs.len() {
            doc_ranges.push(start..i + 1);
            start = i + 1;
            bytes = 0;
        }
    }
    for (k, range) in doc_ranges.into_iter().enumerate() {
        let rows = &data.docs[range.clone()];
        let gfirst = rows.first().map_or(0, |r| r.guide);
        let glast = rows.last().map_or(0, |r| r.guide);
        let (sections, docs) = rows_out(rows);
        let json = serde_json::to_string(&serde_json::json!({
            "first": range.start,
            "gfirst": gfirst,
            "guides": data.guides.get(gfirst..=glast).unwrap_or(&[]),
            "sections": sections,
            "docs": docs,
        }))
        .unwrap_or_default();
        doc_firsts.push(range.start);
        files.push(IndexFile {
            name: format!("search-index.d{k}.js"),
            content: shard_script(&format!("{}/d{k}", data.locale), &json),
        });
    }

    let head = Script {
        shards: Some(ShardMap {
            terms: firsts
                .iter()
                .zip(&ranges)
                .map(|(f, r)| (*f, r.len()))
                .collect(),
            docs: doc_firsts,
        }),
        ..Script::meta(data)
    };
    files.insert(
        0,
        IndexFile {
            name: INDEX_FILE.into(),
            content: wrap(&serde_json::to_string(&head).unwrap_or_default()),
        },
    );
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Postings and field lengths as elasticlunr-rs's own `Index` records them (from its
    /// JSON: a character trie of `{docs: {ref: {tf: sqrt(count)}}}` and `docInfo`).
    fn elasticlunr_reference(
        locale: &str,
        docs: &[SearchDoc],
    ) -> (BTreeMap<String, String>, Vec<Vec<usize>>) {
        let names: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
        let mut index =
            elasticlunr::IndexBuilder::with_language(Box::new(ErrbookLanguage::for_locale(locale)))
                .save_docs(false)
                .add_fields(&names)
                .build();
        for (i, d) in docs.iter().enumerate() {
            index.add_doc(&i.to_string(), d.fields.iter());
        }
        let json: Value = serde_json::from_str(&index.to_json()).expect("json");
        fn walk(node: &Value, term: &mut String, out: &mut BTreeMap<String, Vec<(usize, u64)>>) {
            let Some(obj) = node.as_object() else { return };
            for (key, child) in obj {
                match key.as_str() {
                    "docs" => {
                        let docs = child.as_object().expect("docs");
                        if docs.is_empty() {
                            continue;
                        }
                        let list = out.entry(term.clone()).or_default();
                        for (doc, tf) in docs {
                            let tf = tf["tf"].as_f64().expect("tf");
                            list.push((doc.parse().expect("ref"), (tf * tf).round() as u64));
                        }
                    }
                    "df" => {}
                    _ => {
                        term.push_str(key);
                        walk(child, term, out);
                        term.truncate(term.len() - key.len());
                    }
                }
            }
        }
        // (field, document, count) per term.
        let mut postings: BTreeMap<String, Vec<(u8, u32, u64)>> = BTreeMap::new();
        for (f, name) in names.iter().enumerate() {
            let mut per_term = BTreeMap::new();
            walk(
                &json["index"][name]["root"],
                &mut String::new(),
                &mut per_term,
            );
            for (term, mut list) in per_term {
                list.sort_unstable();
                let term = postings.entry(term).or_default();
                term.extend(list.into_iter().map(|(d, c)| (f as u8, d as u32, c)));
            }
        }
        let info = &json["documentStore"]["docInfo"];
        let lengths: Vec<Vec<usize>> = (0..docs.len())
            .map(|i| {
                names
                    .iter()
                    .map(|f| info[i.to_string()][f].as_u64().unwrap_or(0) as usize)
                    .collect()
            })
            .collect();
        let class = |f: u8, doc: u32, count: u64| {
            let length = lengths[doc as usize][usize::from(f)];
            weight_class(count, length).min(MAX_CLASS) as u8
        };
        let terms = postings
            .into_iter()
            .map(|(t, list)| {
                let list: Vec<Posting> = (list.into_iter())
                    .map(|(f, doc, count)| (f, class(f, doc, count), doc))
                    .collect();
                (t, encode_postings(&list))
            })
            .collect();
        (terms, lengths)
    }

    /// Parts merged give exactly what one elasticlunr index of all documents holds.
    #[test]
    fn merged_parts_equal_one_elasticlunr_index() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let site = crate::source::load_site(root).expect("default site").site;
        for locale in &site.locales {
            let per_guide: Vec<Vec<SearchDoc>> = locale
                .guides
                .iter()
                .enumerate()
                .map(|(g, guide)| super::super::guide_docs(g, guide))
                .collect();
            // Two copies of each guide, so merging has to offset documents.
            let per_guide: Vec<Vec<SearchDoc>> =
                per_guide.iter().chain(&per_guide).cloned().collect();
            let parts: Vec<IndexPart> = per_guide
                .iter()
                .map(|docs| build_part(&locale.tag, docs))
                .collect();
            let guides = vec![
                GuideInfo {
                    slug: "a".into(),
                    title: "A".into()
                };
                parts.len()
            ];
            let data = merge(&locale.tag, guides, &parts.iter().collect::<Vec<_>>());
            let all: Vec<SearchDoc> = per_guide.into_iter().flatten().collect();
            let (terms, lengths) = elasticlunr_reference(&locale.tag, &all);
            assert!(terms.len() > 100, "{}", terms.len());
            assert_eq!(data.terms, terms, "{}", locale.tag);
            let ours: Vec<Vec<usize>> = data.docs.iter().map(|d| d.lengths.clone()).collect();
            assert_eq!(ours, lengths);
            assert_eq!(data.n, all.len());
        }
    }

    #[test]
    fn postings_are_grouped_by_weight_class_and_delta_coded() {
        // Field m (1): docs 3 and 13, lengths 1 and 4: classes 0 and 15. Field r (5):
        // doc 3 twice in 2 tokens (class 0), doc 15 once in 1 (class 0).
        let class = |count: u64, length: usize| weight_class(count, length) as u8;
        let p = encode_postings(&[
            (1, class(1, 1), 3),
            (1, class(1, 4), 13),
            (5, class(2, 2), 3),
            (5, class(1, 1), 15),
        ]);
        // A header U+0100 + class·6 + field (1, 91, 5), then deltas (`&` = 3, `0` = 13,
        // `/` = 12).
        assert_eq!(p, "\u{101}&\u{15b}0\u{105}&/");
        assert_eq!(weight_class(1, 4), 15);
        assert_eq!(weight_class(2, 2), 0);
        assert_eq!(group_header(weight_class(1, 1_000_000), 5), '\u{2fd}');
    }

    /// What a first query loads stays small however large the site: the head holds
    /// no per-document data, and shards stay near their target (a term larger than half
    /// a shard alone).
    #[test]
    fn shards_and_head_stay_small() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let site = crate::source::load_site(root).expect("default site").site;
        let locale = site.locale("ko-KR").expect("ko-KR");
        let docs: Vec<SearchDoc> = super::super::guide_docs(0, &locale.guides[0]);
        let part = build_part(&locale.tag, &docs);
        let threshold = 64 * 1024;
        let head_of = |copies: usize| {
            let guides = vec![
                GuideInfo {
                    slug: "g".into(),
                    title: "G".into()
                };
                copies
            ];
            let data = merge(&locale.tag, guides, &vec![&part; copies]);
            let files = files(&data, threshold);
            let max_term = data
                .terms
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .max()
                .unwrap_or(0);
            for f in &files[1..] {
                let limit = if f.name.contains(".t") {
                    threshold / 32 + max_term
                } else {
                    threshold / 64 + 1024
                };
                assert!(
                    f.content.len() < limit + 512,
                    "{} {}",
                    f.name,
                    f.content.len()
                );
            }
            (files.len(), files[0].content.len())
        };
        let (few_files, few) = head_of(20);
        let (many_files, many) = head_of(80);
        assert!(many_files > 2 * few_files, "{few_files} {many_files}");
        // Four times the documents: the head grows by shard entries only.
        assert!(many < few + 40 * (many_files - few_files), "{few} {many}");
    }

    #[test]
    fn terms_are_front_coded() {
        let terms = [("abc", "M1"), ("abd", "R4"), ("b", "C0")];
        assert_eq!(front_code(terms.into_iter()), "0abc M1|2d R4|0b C0|");
    }

    #[test]
    fn varints_need_no_separator() {
        let mut s = String::new();
        for n in [0, 44, 45, 2024, 2025, 1_000_000] {
            varint(n, &mut s);
        }
        // 1 + 1 + 2 + 2 + 3 + 4 characters, none of them a JSON escape or `|`.
        assert_eq!(s.chars().count(), 13, "{s}");
        assert!(!s.contains(['\\', '"', '|', ' ']), "{s}");
        assert!(s.starts_with("#OQ#"), "{s}");
    }
}
