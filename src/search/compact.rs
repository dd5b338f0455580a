//! The compact index format read by `search.js`, and its sharding.
//!
//! ```text
//! { v: 1, locale, stem: bool, fields: ["c","m",…], boost: [10,4,…], n: <documents>,
//!   guides: [[slug, title]…],
//!   codes:  { normalized code: [document…] },
//!   docs:   [[guide, id ("" for the guide), title, section title, snippet, [field lengths…]]…],
//!   terms:  "<front-coded terms and postings>" }
//! ```
//! Terms are front-coded in one string ([`front_code`]): `0abc M1|2d R4|` is `abc` then
//! `abd`. Postings: an uppercase field letter starts a field's list; the list is base-36
//! document numbers, delta-coded, separated by `,`; `*n` (base 36) after a number is the
//! term count when it is not 1 (elasticlunr's tf is `sqrt(count)`).
//! Example: `M3,aR3*2,c` = field m: docs 3 and 13; field r: doc 3 twice, doc 15.
//!
//! A sharded index keeps `v … guides` in `search-index.js`, with `codes: {}`,
//! `docs: []`, `terms: ""`, `shards: {terms: T, docs: D}` and `lens` (every document's
//! field lengths, base 36, `,` between fields and ` ` between documents, as scoring needs
//! them for every matching document). Shard files: `search-index.t<k>.js` holds
//! `{terms, codes}` for the terms and codes whose first code point mod T is k (a
//! prefix's expansions share a shard); `search-index.d<k>.js` holds `{first, docs}`,
//! documents k·D … k·D+D-1. A shard script stores itself in
//! `errbookSearchShards["<locale>/t<k>"]` (or `module.exports` under Node).

use std::collections::BTreeMap;

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use elasticlunr::Language as _;
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::lang::ErrbookLanguage;
use super::{IndexFile, SearchDoc, FIELDS, INDEX_FILE};

pub const FORMAT_VERSION: u32 = 1;

/// `(document, count)` pairs of one term in one field.
type Postings = Vec<(usize, u64)>;

/// A guide as results show it.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideInfo {
    pub slug: String,
    pub title: String,
}

impl Serialize for GuideInfo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.slug, &self.title).serialize(s)
    }
}

/// A document as stored: what a result shows plus its field lengths.
#[derive(Debug, Clone, PartialEq)]
pub struct DocRow {
    pub guide: usize,
    pub id: String,
    pub title: String,
    pub section: String,
    pub snippet: String,
    pub lengths: Vec<usize>,
}

impl Serialize for DocRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(6))?;
        seq.serialize_element(&self.guide)?;
        seq.serialize_element(&self.id)?;
        seq.serialize_element(&self.title)?;
        seq.serialize_element(&self.section)?;
        seq.serialize_element(&self.snippet)?;
        seq.serialize_element(&self.lengths)?;
        seq.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Shards {
    pub terms: usize,
    pub docs: usize,
}

/// A locale's index in the compact format.
#[derive(Debug, Clone, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shards: Option<Shards>,
    /// Field lengths of every document, in a sharded head only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lens: Option<String>,
    pub docs: Vec<DocRow>,
    /// Term → postings; written front-coded (see [`front_code`]).
    #[serde(serialize_with = "serialize_terms")]
    pub terms: BTreeMap<String, String>,
}

fn serialize_terms<S: Serializer>(
    terms: &BTreeMap<String, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&front_code(
        terms.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
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
    /// (term, field, document, count), sorted.
    terms: Vec<(String, u8, usize, u64)>,
}

/// Analyzes the documents of one guide.
pub fn build_part(locale: &str, docs: &[SearchDoc]) -> IndexPart {
    let lang = ErrbookLanguage::for_locale(locale);
    let pipeline = lang.make_pipeline();
    let mut part = IndexPart::default();
    let mut counts: HashMap<String, u64> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        let mut lengths = Vec::with_capacity(FIELDS.len());
        for (f, text) in d.fields.iter().enumerate() {
            let tokens = pipeline.run(lang.tokenize(text));
            lengths.push(tokens.len());
            for t in tokens {
                *counts.entry(t).or_insert(0) += 1;
            }
            part.terms
                .extend(counts.drain().map(|(t, c)| (t, f as u8, i, c)));
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
    part.terms.sort_unstable();
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
    // Terms by first appearance (a hash map, sorted once at the end: a tree map compared
    // strings for each of millions of postings).
    let mut slots: FxHashMap<&str, usize> = FxHashMap::default();
    let mut postings: Vec<(&str, Vec<(usize, Postings)>)> = Vec::new();
    let mut codes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut rows = Vec::with_capacity(parts.iter().map(|p| p.rows.len()).sum());
    for (g, part) in parts.iter().enumerate() {
        if cancel() {
            break;
        }
        let offset = rows.len();
        rows.extend(part.rows.iter().map(|r| DocRow {
            guide: g,
            ..r.clone()
        }));
        for (code, doc) in &part.codes {
            codes.entry(code.clone()).or_default().push(offset + doc);
        }
        for (term, field, doc, count) in &part.terms {
            let at = *slots.entry(term.as_str()).or_insert_with(|| {
                postings.push((term.as_str(), Vec::new()));
                postings.len() - 1
            });
            let fields = &mut postings[at].1;
            let f = usize::from(*field);
            // Parts come in document order and their terms sorted by field, so each
            // list stays sorted by document and the fields by index.
            let slot = match fields.iter().position(|(x, _)| *x == f) {
                Some(k) => k,
                None => {
                    let k = fields.partition_point(|(x, _)| *x < f);
                    fields.insert(k, (f, Vec::new()));
                    k
                }
            };
            fields[slot].1.push((offset + doc, *count));
        }
    }
    postings.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let terms = postings
        .into_iter()
        .map(|(term, fields)| (term.to_owned(), encode_postings(&fields)))
        .collect();
    IndexData {
        v: FORMAT_VERSION,
        locale: locale.to_string(),
        stem: super::lang::stems(locale),
        fields: FIELDS.iter().map(|(f, _)| f.to_string()).collect(),
        boost: FIELDS.iter().map(|(_, b)| *b).collect(),
        n: rows.len(),
        guides,
        codes,
        shards: None,
        lens: None,
        docs: rows,
        terms,
    }
}

fn base36(mut n: u64, out: &mut String) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = DIGITS[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| b as char));
}

fn encode_postings(fields: &[(usize, Postings)]) -> String {
    let mut out = String::new();
    for (f, list) in fields {
        let letter = FIELDS[*f].0.to_ascii_uppercase();
        out.push_str(&letter);
        let mut prev = 0;
        for (k, &(doc, count)) in list.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            base36((doc - prev) as u64, &mut out);
            prev = doc;
            if count > 1 {
                out.push('*');
                base36(count, &mut out);
            }
        }
    }
    out
}

const PROLOGUE: &str =
    "(function(g,x){if(typeof module==='object'&&module.exports)module.exports=x;";

/// The unsharded index as a script: assigns `errbookSearchIndex`, or `module.exports`
/// under Node.
pub fn script(data: &IndexData) -> String {
    let json = serde_json::to_string(data).unwrap_or_default();
    format!("{PROLOGUE}else g.errbookSearchIndex=x;}})(typeof window!=='undefined'?window:globalThis,{json});\n")
}

fn shard_script(key: &str, json: &str) -> String {
    let key = serde_json::to_string(key).unwrap_or_default();
    format!(
        "{PROLOGUE}else (g.errbookSearchShards=g.errbookSearchShards||{{}})[{key}]=x;}})(typeof window!=='undefined'?window:globalThis,{json});\n"
    )
}

/// Shard of a term: its first code point modulo the shard count.
pub fn term_shard(term: &str, shards: usize) -> usize {
    term.chars()
        .next()
        .map_or(0, |c| c as usize % shards.max(1))
}

/// `search-index.js`, plus shard scripts when the whole script exceeds `threshold`
/// bytes. Shards aim at a quarter of the threshold each.
pub fn files(data: &IndexData, threshold: usize) -> Vec<IndexFile> {
    let whole = script(data);
    if whole.len() <= threshold {
        return vec![IndexFile {
            name: INDEX_FILE.into(),
            content: whole,
        }];
    }
    let target = (threshold / 4).max(1);
    let terms_bytes: usize = data.terms.iter().map(|(k, v)| k.len() + v.len() + 6).sum();
    let docs_bytes = whole.len().saturating_sub(terms_bytes).max(1);
    let t = terms_bytes.div_ceil(target).max(1);
    let per_doc = (target * data.docs.len()).div_ceil(docs_bytes).max(1);

    let mut files = Vec::new();
    let mut term_shards = vec![(BTreeMap::new(), BTreeMap::new()); t];
    for (term, p) in &data.terms {
        term_shards[term_shard(term, t)]
            .0
            .insert(term.as_str(), p.as_str());
    }
    for (code, docs) in &data.codes {
        term_shards[term_shard(code, t)]
            .1
            .insert(code.as_str(), docs);
    }
    for (k, (terms, codes)) in term_shards.iter().enumerate() {
        let json = serde_json::to_string(&serde_json::json!({
            "terms": front_code(terms.iter().map(|(k, v)| (*k, *v))),
            "codes": codes,
        }))
        .unwrap_or_default();
        files.push(IndexFile {
            name: format!("search-index.t{k}.js"),
            content: shard_script(&format!("{}/t{k}", data.locale), &json),
        });
    }
    for (k, chunk) in data.docs.chunks(per_doc).enumerate() {
        let json = serde_json::to_string(&serde_json::json!({
            "first": k * per_doc,
            "docs": chunk,
        }))
        .unwrap_or_default();
        files.push(IndexFile {
            name: format!("search-index.d{k}.js"),
            content: shard_script(&format!("{}/d{k}", data.locale), &json),
        });
    }
    let mut lens = String::new();
    for (i, d) in data.docs.iter().enumerate() {
        if i > 0 {
            lens.push(' ');
        }
        for (f, n) in d.lengths.iter().enumerate() {
            if f > 0 {
                lens.push(',');
            }
            base36(*n as u64, &mut lens);
        }
    }
    let head = IndexData {
        shards: Some(Shards {
            terms: t,
            docs: per_doc,
        }),
        lens: Some(lens),
        codes: BTreeMap::new(),
        docs: Vec::new(),
        terms: BTreeMap::new(),
        ..data.clone()
    };
    files.insert(
        0,
        IndexFile {
            name: INDEX_FILE.into(),
            content: script(&head),
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
        fn walk(node: &Value, term: &mut String, out: &mut BTreeMap<String, Postings>) {
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
        let mut postings: BTreeMap<String, Vec<(usize, Postings)>> = BTreeMap::new();
        for (f, name) in names.iter().enumerate() {
            let mut per_term = BTreeMap::new();
            walk(
                &json["index"][name]["root"],
                &mut String::new(),
                &mut per_term,
            );
            for (term, mut list) in per_term {
                list.sort_unstable();
                postings.entry(term).or_default().push((f, list));
            }
        }
        let terms = postings
            .into_iter()
            .map(|(t, fields)| (t, encode_postings(&fields)))
            .collect();
        let info = &json["documentStore"]["docInfo"];
        let lengths = (0..docs.len())
            .map(|i| {
                names
                    .iter()
                    .map(|f| info[i.to_string()][f].as_u64().unwrap_or(0) as usize)
                    .collect()
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
    fn postings_are_delta_coded_base36() {
        let p = encode_postings(&[(1, vec![(3, 1), (13, 1)]), (5, vec![(3, 2), (15, 1)])]);
        assert_eq!(p, "M3,aR3*2,c");
    }

    #[test]
    fn terms_are_front_coded() {
        let terms = [("abc", "M1"), ("abd", "R4"), ("b", "C0")];
        assert_eq!(front_code(terms.into_iter()), "0abc M1|2d R4|0b C0|");
    }

    #[test]
    fn base36_digits() {
        let mut s = String::new();
        base36(0, &mut s);
        s.push(' ');
        base36(36 * 36 + 35, &mut s);
        assert_eq!(s, "0 10z");
    }
}
