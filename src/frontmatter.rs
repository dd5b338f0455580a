//! YAML front matter: splitting it off a guide and reading it into typed fields.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

/// The front matter of a guide. DocFX keys are typed where they have a meaning;
/// every key is also kept as written in `raw`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    /// `ms.date`, parsed (`MM/DD/YYYY` or `YYYY-MM-DD`).
    pub date: Option<NaiveDate>,
    /// `ms.contentlocale` or `ms.locale`.
    pub content_locale: Option<String>,
    /// `ms.translationtype: MT`.
    pub machine_translated: bool,
    /// `ms.lasthandoff`, parsed.
    pub last_handoff: Option<NaiveDate>,
    /// Every key as written.
    pub raw: BTreeMap<String, serde_yaml::Value>,
    /// 1-based line of each key, for diagnostics.
    #[serde(skip)]
    pub key_lines: BTreeMap<String, usize>,
    /// Values that are present but could not be read (key, value), e.g. a bad `ms.date`.
    #[serde(skip)]
    pub invalid: Vec<(String, String)>,
    /// True when the file had a front matter block at all.
    pub present: bool,
}

/// Why the front matter could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterError {
    /// 1-based line in the file.
    pub line: usize,
    pub col: usize,
    pub name: &'static str,
    pub message: String,
}

/// The front matter split off a text: the YAML and where the body starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: Option<&'a str>,
    /// 1-based line of the first YAML line.
    pub yaml_line: usize,
    /// Byte offset of the body.
    pub body_start: usize,
}

fn is_fence(line: &str, closing: bool) -> bool {
    let t = line.trim_end();
    t == "---" || (closing && t == "...")
}

/// Splits `---` front matter off the text. An opening `---` without a closing one is an
/// error pointing at the opening line.
pub fn split(text: &str) -> Result<Split<'_>, FrontMatterError> {
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok(Split {
            yaml: None,
            yaml_line: 1,
            body_start: 0,
        });
    };
    if !is_fence(first, false) {
        return Ok(Split {
            yaml: None,
            yaml_line: 1,
            body_start: 0,
        });
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        if is_fence(line, true) {
            return Ok(Split {
                yaml: Some(&text[yaml_start..offset]),
                yaml_line: 2,
                body_start: offset + line.len(),
            });
        }
        offset += line.len();
    }
    Err(FrontMatterError {
        line: 1,
        col: 1,
        name: "front-matter-unterminated",
        message: "front matter opened with `---` is never closed".into(),
    })
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%m/%d/%Y", "%Y-%m-%d", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

fn scalar_string(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads the YAML of a front matter block. `yaml_line` is the file line of its first line.
pub fn parse(yaml: &str, yaml_line: usize) -> Result<FrontMatter, FrontMatterError> {
    let mut fm = FrontMatter {
        present: true,
        ..FrontMatter::default()
    };
    if yaml.trim().is_empty() {
        return Ok(fm);
    }
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).map_err(|e| {
        let (line, col) = e
            .location()
            .map_or((yaml_line, 1), |l| (yaml_line + l.line() - 1, l.column()));
        FrontMatterError {
            line,
            col,
            name: "front-matter-syntax",
            message: format!(
                "front matter is not valid YAML: {}",
                strip_location(&e.to_string())
            ),
        }
    })?;
    let map = match value {
        serde_yaml::Value::Mapping(m) => m,
        serde_yaml::Value::Null => return Ok(fm),
        _ => {
            return Err(FrontMatterError {
                line: yaml_line,
                col: 1,
                name: "front-matter-syntax",
                message: "front matter must be a YAML mapping of `key: value` lines".into(),
            })
        }
    };
    for (k, v) in map {
        let Some(key) = k.as_str().map(str::to_owned) else {
            continue;
        };
        fm.raw.insert(key, v);
    }
    // Key lines: a key starts a line at column 1.
    for (i, line) in yaml.lines().enumerate() {
        if let Some((k, _)) = line.split_once(':') {
            if !k.starts_with([' ', '\t', '-', '#']) && fm.raw.contains_key(k.trim()) {
                fm.key_lines
                    .entry(k.trim().to_owned())
                    .or_insert(yaml_line + i);
            }
        }
    }
    let get = |k: &str| fm.raw.get(k).and_then(scalar_string);
    fm.title = get("title")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    fm.description = get("description").map(|s| s.trim().to_owned());
    fm.content_locale = get("ms.contentlocale").or_else(|| get("ms.locale"));
    fm.machine_translated =
        get("ms.translationtype").is_some_and(|t| t.trim().eq_ignore_ascii_case("MT"));
    for (key, slot) in [
        ("ms.date", &mut fm.date),
        ("ms.lasthandoff", &mut fm.last_handoff),
    ] {
        if let Some(raw) = fm.raw.get(key).and_then(scalar_string) {
            match parse_date(&raw) {
                Some(d) => *slot = Some(d),
                None => fm.invalid.push((key.to_owned(), raw)),
            }
        }
    }
    Ok(fm)
}

/// serde_yaml appends " at line L column C"; we report the location ourselves.
fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_reads_docfx_keys() {
        let text = "---\ntitle: T\nms.date: 07/05/2019\nms.translationtype: MT\nms.contentlocale: ko-KR\n---\n# H\n";
        let s = split(text).unwrap();
        assert_eq!(&text[s.body_start..], "# H\n");
        let fm = parse(s.yaml.unwrap(), s.yaml_line).unwrap();
        assert_eq!(fm.title.as_deref(), Some("T"));
        assert_eq!(fm.date, NaiveDate::from_ymd_opt(2019, 7, 5));
        assert!(fm.machine_translated);
        assert_eq!(fm.content_locale.as_deref(), Some("ko-KR"));
        assert_eq!(fm.key_lines["ms.date"], 3);
    }

    #[test]
    fn crlf_front_matter() {
        let text = "---\r\ntitle: T\r\n---\r\nbody";
        let s = split(text).unwrap();
        assert_eq!(&text[s.body_start..], "body");
    }

    #[test]
    fn unterminated_is_an_error_at_line_1() {
        let e = split("---\ntitle: x\n# body\n").unwrap_err();
        assert_eq!((e.line, e.name), (1, "front-matter-unterminated"));
    }

    #[test]
    fn yaml_error_has_file_line() {
        let text = "---\ntitle: ok\nbad: [unclosed\n---\n";
        let s = split(text).unwrap();
        let e = parse(s.yaml.unwrap(), s.yaml_line).unwrap_err();
        assert_eq!(e.name, "front-matter-syntax");
        assert!(e.line >= 3, "line {}", e.line);
    }

    #[test]
    fn bad_date_is_kept_as_invalid() {
        let fm = parse("title: x\nms.date: someday\n", 2).unwrap();
        assert_eq!(fm.date, None);
        assert_eq!(
            fm.invalid,
            vec![("ms.date".to_owned(), "someday".to_owned())]
        );
    }
}
