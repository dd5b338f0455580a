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

use elasticlunr::IndexBuilder;
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::Value;

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

/// Builds the elasticlunr index of the documents and compacts it.
pub fn build(locale: &str, guides: Vec<GuideInfo>, docs: &[SearchDoc]) -> IndexData {
    let names: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
    let mut index = IndexBuilder::with_language(Box::new(ErrbookLanguage::for_locale(locale)))
        .save_docs(false)
        .add_fields(&names)
        .build();
    for (i, d) in docs.iter().enumerate() {
        index.add_doc(&i.to_string(), d.fields.iter());
    }
    // Tokens are at most `MAX_TOKEN` characters, so the trie stays far below
    // serde_json's nesting limit: this parse of our own output cannot fail.
    let json: Value =
        serde_json::from_str(&index.to_json()).expect("elasticlunr JSON is bounded and valid");

    let mut postings: BTreeMap<String, Vec<(usize, Postings)>> = BTreeMap::new();
    for (f, name) in names.iter().enumerate() {
        let mut per_term = BTreeMap::new();
        if let Some(root) = json.pointer(&format!("/index/{name}/root")) {
            walk(root, &mut String::new(), &mut per_term);
        }
        for (term, mut list) in per_term {
            list.sort_unstable();
            postings.entry(term).or_default().push((f, list));
        }
    }
    let terms = postings
        .into_iter()
        .map(|(term, fields)| (term, encode_postings(&fields)))
        .collect();

    let info = json.pointer("/documentStore/docInfo");
    let rows = docs
        .iter()
        .enumerate()
        .map(|(i, d)| DocRow {
            guide: d.guide,
            section: d.section.clone(),
            id: d.id.clone(),
            title: d.title.clone(),
            snippet: d.snippet.clone(),
            lengths: names
                .iter()
                .map(|f| {
                    info.and_then(|v| v.get(i.to_string()))
                        .and_then(|v| v.get(*f))
                        .and_then(Value::as_u64)
                        .map_or(0, |n| n as usize)
                })
                .collect(),
        })
        .collect();

    let mut codes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        for c in &d.codes {
            let list = codes.entry(c.clone()).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
    }

    IndexData {
        v: FORMAT_VERSION,
        locale: locale.to_string(),
        stem: super::lang::stems(locale),
        fields: names.iter().map(|s| s.to_string()).collect(),
        boost: FIELDS.iter().map(|(_, b)| *b).collect(),
        n: docs.len(),
        guides,
        codes,
        shards: None,
        lens: None,
        docs: rows,
        terms,
    }
}

/// Collects `term → [(doc, count)]` from an elasticlunr trie node.
fn walk(node: &Value, term: &mut String, out: &mut BTreeMap<String, Postings>) {
    let Some(obj) = node.as_object() else { return };
    for (key, child) in obj {
        match key.as_str() {
            "docs" => {
                let Some(docs) = child.as_object().filter(|d| !d.is_empty()) else {
                    continue;
                };
                let list = out.entry(term.clone()).or_default();
                for (doc, tf) in docs {
                    let (Ok(doc), Some(tf)) = (doc.parse(), tf.get("tf").and_then(Value::as_f64))
                    else {
                        continue;
                    };
                    // elasticlunr stores sqrt(count); the count is a small integer.
                    list.push((doc, (tf * tf).round().max(1.0) as u64));
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
