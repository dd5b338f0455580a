//! Raw HTML inside guides: tags in table cells are balanced the way a browser would
//! (GitHub shows `<ol>` cells that never close), and problems are reported; `<a name>`
//! anchors are found and rewritten to `<a id>` (`name` on `<a>` is obsolete HTML).

use std::sync::LazyLock;

use regex::Regex;

use crate::model::HtmlIssueKind;

static ANCHOR_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<a\s+(?:[^>]*?\s)?(?:name|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>"#)
        .unwrap()
});
static A_NAME_ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)(<a\s+(?:[^>]*?\s)?)name(\s*=)"#).unwrap());
static URL_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<(a|img)\s[^>]*?\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).unwrap()
});

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
/// Elements whose end tag HTML lets an author leave out.
const OPTIONAL_END: &[&str] = &["li", "p", "dt", "dd", "tr", "td", "th", "option"];
const LISTS: &[&str] = &["ol", "ul"];

/// A tag problem at a byte offset of the scanned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagIssue {
    pub tag: String,
    pub kind: HtmlIssueKind,
    pub offset: usize,
    pub len: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Balanced {
    pub html: String,
    pub issues: Vec<TagIssue>,
}

/// The byte ranges of the tags of `html`: `<`, an optional `/`, a letter, then anything
/// up to the first `>` outside quotes, where a quote runs to the next one of its kind; no
/// `<` outside quotes. What the regex
/// `<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^<>"']|"[^"]*"|'[^']*')*?)(/?)>` finds, scanned by
/// hand: the regex was most of the time spent balancing cells.
fn tags(html: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let b = html.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(at) = memchr::memchr(b'<', b.get(from..)?) {
            let start = from + at;
            match tag_end(b, start) {
                Some(end) => {
                    from = end;
                    return Some(start..end);
                }
                None => from = start + 1,
            }
        }
        None
    })
}

/// Where the tag starting at `b[start]` (a `<`) ends, if one does.
fn tag_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if b.get(i) == Some(&b'/') {
        i += 1;
    }
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    loop {
        match *b.get(i)? {
            b'>' => return Some(i + 1),
            b'<' => return None,
            q @ (b'"' | b'\'') => i += 2 + memchr::memchr(q, b.get(i + 1..)?)?,
            _ => i += 1,
        }
    }
}

/// Balances the tags of an HTML fragment: stray end tags are dropped, unclosed elements
/// are closed, `</br>` becomes `<br>`, and content put straight into a list (outside any
/// `<li>`) is wrapped in an unmarked `<li class="eb-cont">` so the output stays valid.
/// An `<ol>` opened directly inside an `<ol>` is taken for the `</ol>` the author meant.
pub fn balance(html: &str) -> Balanced {
    // Most cells hold no tag at all: nothing to balance, no regex to run.
    if !html.contains('<') {
        return Balanced {
            html: html.to_owned(),
            issues: Vec::new(),
        };
    }
    let mut out = String::with_capacity(html.len() + 16);
    let mut issues = Vec::new();
    // Open elements: name, offset, whether we opened it implicitly.
    let mut stack: Vec<(String, usize, bool)> = Vec::new();
    let mut last = 0;

    let in_bare_list = |stack: &[(String, usize, bool)]| {
        stack
            .last()
            .is_some_and(|(n, _, _)| LISTS.contains(&n.as_str()))
    };
    let open_cont = |out: &mut String, stack: &mut Vec<(String, usize, bool)>, at: usize| {
        out.push_str("<li class=\"eb-cont\">");
        stack.push(("li".into(), at, true));
    };

    for all in tags(html) {
        let tag = &html[all.clone()];
        let closing = tag.starts_with("</");
        let name_start = if closing { 2 } else { 1 };
        let name_len = tag[name_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(tag.len() - name_start);
        // A tag ends at its first `>` outside quotes, so a `/` right before it is the
        // tag's own.
        let self_closing = tag.ends_with("/>");
        let text = &html[last..all.start];
        if !text.trim().is_empty() && in_bare_list(&stack) {
            open_cont(&mut out, &mut stack, all.start);
        }
        out.push_str(text);
        last = all.end;
        let raw_name = &tag[name_start..name_start + name_len];
        // Void elements (most tags in cells are `<br>`) need no name of their own.
        if let Some(&void) = VOID.iter().find(|v| v.eq_ignore_ascii_case(raw_name)) {
            if in_bare_list(&stack) {
                open_cont(&mut out, &mut stack, all.start);
            }
            // `</br>` is read as `<br>` by browsers (and GitHub).
            if closing && void == "br" {
                out.push_str("<br>");
            } else if !closing {
                out.push_str(tag);
            }
            continue;
        }
        let name = raw_name.to_ascii_lowercase();
        if !closing {
            if self_closing {
                out.push_str(tag);
                continue;
            }
            if name == "li" {
                if let Some(top) = stack.last() {
                    if top.0 == "li" {
                        out.push_str("</li>");
                        stack.pop();
                    }
                }
                if !in_bare_list(&stack) {
                    out.push_str("<ul>");
                    stack.push(("ul".into(), all.start, true));
                }
            } else if LISTS.contains(&name.as_str()) {
                // A list right inside a list, after a closed item: the author meant `</ol>`.
                if let Some((top, _, _)) = stack.last() {
                    if *top == name {
                        issues.push(TagIssue {
                            tag: name.clone(),
                            kind: HtmlIssueKind::Unclosed,
                            offset: all.start,
                            len: all.len(),
                        });
                        out.push_str(&format!("</{name}>"));
                        stack.pop();
                        continue;
                    }
                }
                if in_bare_list(&stack) {
                    open_cont(&mut out, &mut stack, all.start);
                }
            } else if in_bare_list(&stack) {
                open_cont(&mut out, &mut stack, all.start);
            }
            out.push_str(tag);
            stack.push((name, all.start, false));
            continue;
        }
        // An end tag: close up to the matching element, or drop it.
        match stack.iter().rposition(|(n, _, _)| *n == name) {
            Some(k) => {
                while stack.len() > k + 1 {
                    let open = stack.pop().unwrap_or_default();
                    close_element(open, &mut out, &mut issues);
                }
                stack.pop();
                out.push_str(tag);
            }
            None => issues.push(TagIssue {
                tag: name,
                kind: HtmlIssueKind::Stray,
                offset: all.start,
                len: all.len(),
            }),
        }
    }
    let rest = &html[last..];
    if !rest.trim().is_empty() && in_bare_list(&stack) {
        open_cont(&mut out, &mut stack, last);
    }
    out.push_str(rest);
    while let Some(open) = stack.pop() {
        close_element(open, &mut out, &mut issues);
    }
    issues.sort_by_key(|i| i.offset);
    Balanced { html: out, issues }
}

/// The text with every `<` that Markdown does not read as a tag replaced by `_` (same
/// length, so offsets stay valid): `\<` escapes, `<` inside code spans, and autolinks
/// (`<https://…>`, `<user@host>`). Used before [`balance`] on a cell's source.
pub fn mask_non_tags(md: &str) -> String {
    let bytes = md.as_bytes();
    let mut out = md.as_bytes().to_vec();
    let mut i = 0;
    let mut code_ticks = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if code_ticks == 0 => {
                if bytes.get(i + 1) == Some(&b'<') {
                    out[i + 1] = b'_';
                }
                i += 2;
                continue;
            }
            b'`' => {
                let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                if code_ticks == 0 {
                    // A code span only when a closing run of the same length follows.
                    let closes = md[i + run..].find(&"`".repeat(run)[..]).is_some();
                    if closes {
                        code_ticks = run;
                    }
                } else if run == code_ticks {
                    code_ticks = 0;
                }
                i += run;
                continue;
            }
            b'<' => {
                let rest = &md[i + 1..];
                let word = rest
                    .split(|c: char| c == '>' || c.is_whitespace())
                    .next()
                    .unwrap_or("");
                let autolink = rest.contains('>')
                    && (word.contains("://") || word.contains('@') || word.starts_with("mailto:"));
                if code_ticks > 0 || autolink {
                    out[i] = b'_';
                }
            }
            _ => {}
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| md.to_owned())
}

/// Closes an element the author left open, reporting it unless HTML lets its end tag
/// be left out (or errbook opened it).
fn close_element(
    (name, at, implicit): (String, usize, bool),
    out: &mut String,
    issues: &mut Vec<TagIssue>,
) {
    if !implicit && !OPTIONAL_END.contains(&name.as_str()) {
        issues.push(TagIssue {
            len: name.len() + 2,
            tag: name.clone(),
            kind: HtmlIssueKind::Unclosed,
            offset: at,
        });
    }
    out.push_str(&format!("</{name}>"));
}

/// Anchor names declared by `<a name="…">` or `<a id="…">` in raw HTML.
pub fn anchor_names(html: &str) -> Vec<(usize, String)> {
    // Most raw HTML in a guide is `<br>`: no `<a`, no regex search.
    if !crate::text::contains_ascii_ci(html, "<a") {
        return Vec::new();
    }
    ANCHOR_NAME
        .captures_iter(html)
        .filter_map(|c| {
            let at = c.get(0)?.start();
            let v = c.get(1).or(c.get(2)).or(c.get(3))?.as_str().trim();
            (!v.is_empty()).then(|| (at, v.to_owned()))
        })
        .collect()
}

/// `<a name=` → `<a id=`. A fragment without `name` (nearly every one) comes back as it
/// is, without the regex's capture search.
pub fn rewrite_anchor_names(html: String) -> String {
    if !crate::text::contains_ascii_ci(&html, "name") {
        return html;
    }
    match A_NAME_ATTR.replace_all(&html, "${1}id${2}") {
        std::borrow::Cow::Borrowed(_) => html,
        std::borrow::Cow::Owned(o) => o,
    }
}

/// Removes `<a name="…"></a>` / `<a id="…"></a>` pairs (a heading carries its id itself).
pub fn strip_empty_anchors(html: &str) -> String {
    static EMPTY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)<a\s+(?:name|id)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)\s*>\s*</a>"#).unwrap()
    });
    EMPTY.replace_all(html, "").into_owned()
}

/// `href`/`src` values of `<a>` and `<img>` tags in raw HTML: (offset, url, is_image).
pub fn urls(html: &str) -> Vec<(usize, String, bool)> {
    // Most raw HTML is `<br>`: an `href` or `src` needs `=`, so most skip the search.
    if !html.contains('=') {
        return Vec::new();
    }
    URL_ATTR
        .captures_iter(html)
        .filter_map(|c| {
            let at = c.get(0)?.start();
            let url = c.get(3).or(c.get(4))?.as_str().to_owned();
            let is_image = c.get(1)?.as_str().eq_ignore_ascii_case("img");
            Some((at, url, is_image))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_what_the_tag_regex_finds() {
        let re = Regex::new(r#"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^<>"']|"[^"]*"|'[^']*')*?)(/?)>"#)
            .unwrap();
        let check = |html: &str| {
            let want: Vec<_> = re.find_iter(html).map(|m| m.range()).collect();
            assert_eq!(tags(html).collect::<Vec<_>>(), want, "{html:?}");
        };
        // Every string of up to 6 of these pieces.
        let pieces = ["<", ">", "/", "a", "-", "\"", "'", " ", "é"];
        for n in 1..=6 {
            crate::text::sequences(&pieces, n)
                .iter()
                .for_each(|s| check(s));
        }
        for html in [
            "<br>",
            "a<br/>b</br>",
            r#"<a href="x>y" title='<'>t</a>"#,
            "<ol><li>one<li>two</ol>",
            "1 < 2 > 0 <3 <b>x</b>",
            r#"<a href="unclosed>x</a><b>y</b>"#,
            "<p\n class=x>모음</p>",
        ] {
            check(html);
        }
    }

    #[test]
    fn balanced_input_is_unchanged() {
        let s = "a<br><ul><li>x</li><li>y</li></ul>";
        let b = balance(s);
        assert_eq!(b.html, s);
        assert!(b.issues.is_empty());
    }

    #[test]
    fn ol_used_as_closer() {
        // The reference guide, line 47: `…</li><ol>|`.
        let b = balance("x<ol><li>a</li><li>b</li><ol>");
        assert_eq!(b.html, "x<ol><li>a</li><li>b</li></ol>");
        assert_eq!(b.issues.len(), 1);
        assert_eq!((b.issues[0].tag.as_str(), b.issues[0].offset), ("ol", 25));
    }

    #[test]
    fn unclosed_list_and_items() {
        // The reference guide, line 112: `<li>` never closed, `<ol>` never closed.
        let b = balance("<ol><li>a</li> <li>b<br><br><li>c<li>d</li><br> note");
        assert_eq!(
            b.html,
            "<ol><li>a</li> <li>b<br><br></li><li>c</li><li>d</li><li class=\"eb-cont\"><br> note</li></ol>"
        );
        assert_eq!(b.issues.len(), 1);
        assert_eq!(b.issues[0].kind, HtmlIssueKind::Unclosed);
        assert_eq!(b.issues[0].offset, 0);
    }

    #[test]
    fn stray_closers_and_br() {
        let b = balance("a</li>b</br>c</ul>");
        assert_eq!(b.html, "ab<br>c");
        assert_eq!(
            b.issues
                .iter()
                .filter(|i| i.kind == HtmlIssueKind::Stray)
                .count(),
            2
        );
    }

    #[test]
    fn text_inside_a_bare_list() {
        let b = balance("<ul><li>a<br></li> 또는 <li>b</li></ul>");
        assert_eq!(
            b.html,
            "<ul><li>a<br></li><li class=\"eb-cont\"> 또는 </li><li>b</li></ul>"
        );
    }

    #[test]
    fn masks_what_markdown_does_not_read_as_tags() {
        let s = r"a \<ServerName> `<b>` <https://x.example> <me@x.example> <ol>";
        let m = mask_non_tags(s);
        assert_eq!(m.len(), s.len());
        assert_eq!(balance(&m).issues.len(), 1);
        assert!(m.ends_with("<ol>"));
    }

    #[test]
    fn anchors() {
        let h = r#"<a name="x"></a>Title <a id='y'>z</a>"#;
        assert_eq!(anchor_names(h), vec![(0, "x".into()), (22, "y".into())]);
        assert_eq!(
            rewrite_anchor_names(h.to_owned()),
            r#"<a id="x"></a>Title <a id='y'>z</a>"#
        );
        assert_eq!(strip_empty_anchors(h), "Title <a id='y'>z</a>");
        // Tag and attribute names in any case; none without an `<a` tag.
        assert_eq!(anchor_names("<br><A ID=z>"), vec![(4, "z".into())]);
        assert_eq!(anchor_names("<br/> name=\"x\" <b id=\"y\">"), vec![]);
    }
}
