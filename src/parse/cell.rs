//! Inline content of table cells: plain text, HTML, and the split of a cell into
//! labelled fields (`**Cause:** … **Recommended action:** …`).

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::html;
use super::vocab::Vocabulary;
use crate::model::{RichText, Role};

pub type Ev<'a> = (Event<'a>, Range<usize>);

/// Index of the event that closes the `Start` at `i`.
pub fn matching_end(events: &[Ev<'_>], i: usize) -> usize {
    let mut depth = 0usize;
    for (j, (e, _)) in events.iter().enumerate().skip(i) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

/// Whether `html` is an end tag, and its name in lowercase (borrowed unless it had
/// capitals: this runs for every tag of every cell).
fn tag_name(html: &str) -> Option<(bool, std::borrow::Cow<'_, str>)> {
    let t = html.trim();
    let inner = t.strip_prefix('<')?;
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    // ASCII alphanumerics only, so the cut falls between characters.
    let len = inner.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let name = &inner[..len];
    if name.is_empty() {
        return None;
    }
    let name = match name.bytes().any(|b| b.is_ascii_uppercase()) {
        true => std::borrow::Cow::Owned(name.to_ascii_lowercase()),
        false => std::borrow::Cow::Borrowed(name),
    };
    Some((closing, name))
}

/// Tags that only format text; dropped from plain text.
const FORMATTING_TAGS: &[&str] = &[
    "a",
    "b",
    "i",
    "em",
    "strong",
    "code",
    "span",
    "sup",
    "sub",
    "kbd",
    "u",
    "s",
    "del",
    "ins",
    "mark",
    "small",
    "abbr",
    "cite",
    "q",
    "var",
    "samp",
    "table",
    "thead",
    "tbody",
    "th",
    "td",
    "center",
    "font",
    "nobr",
    "wbr",
    "details",
    "summary",
    "section",
    "blockquote",
    "pre",
    "hr",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
];

/// Plain text: breaks and list items become new lines (items start with `- `),
/// spaces are collapsed, empty lines dropped.
pub fn plain_text(events: &[Ev<'_>]) -> String {
    // Sized for the text and a separator per other event, so it rarely grows.
    let size = (events.iter())
        .map(|(e, _)| match e {
            Event::Text(t) | Event::Code(t) => t.len(),
            _ => 3,
        })
        .sum();
    let mut raw = String::with_capacity(size);
    for (e, _) in events {
        match e {
            Event::Text(t) | Event::Code(t) => raw.push_str(t),
            Event::SoftBreak => raw.push(' '),
            Event::HardBreak => raw.push('\n'),
            Event::Html(h) | Event::InlineHtml(h) => match tag_name(h) {
                Some((false, n)) if n == "li" => raw.push_str("\n- "),
                Some((_, n))
                    if matches!(n.as_ref(), "br" | "p" | "ol" | "ul" | "li" | "div" | "tr") =>
                {
                    raw.push('\n')
                }
                Some((_, n)) if FORMATTING_TAGS.contains(&n.as_ref()) => {}
                // Anything else (`<img onerror=…>`, `<script>`) is kept as the literal text
                // the author wrote: plain text must never lose what a reader should see, and
                // consumers (search snippets, the terminal) show it as text, never as HTML.
                Some(_) => raw.push_str(h.trim()),
                None => {}
            },
            Event::Start(Tag::Item) => raw.push_str("\n- "),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::TableRow,
            ) => raw.push('\n'),
            Event::End(TagEnd::TableCell) => raw.push(' '),
            _ => {}
        }
    }
    collapse_lines(&raw)
}

/// Each line's whitespace collapsed to single spaces; lines left empty (or a lone `-`,
/// an empty list item) dropped. One pass into one string: this runs for every cell.
fn collapse_lines(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let start = out.len();
        if start > 0 {
            out.push('\n');
        }
        let body = out.len();
        for (i, word) in line.split_whitespace().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
        if out.len() == body || &out[body..] == "-" {
            out.truncate(start);
        }
    }
    out
}

/// HTML of inline events, with tags balanced and `<a name>` rewritten.
pub fn inline_html(events: &[Ev<'_>]) -> String {
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events.iter().map(|(e, _)| e.clone()));
    html::rewrite_anchor_names(html::balance(out.trim()).html)
}

pub fn rich(events: &[Ev<'_>]) -> RichText {
    RichText {
        text: plain_text(events),
        html: inline_html(events),
    }
}

/// Ordered steps: the `<li>` items of a fragment, else its numbered lines.
pub fn steps(text: &str) -> Vec<String> {
    let items: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .map(str::to_owned)
        .collect();
    if !items.is_empty() {
        return items;
    }
    text.lines()
        .filter_map(|l| {
            let digits = l.chars().take_while(char::is_ascii_digit).count();
            let rest = &l[digits..];
            (digits > 0 && digits < 3)
                .then(|| rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")))
                .flatten()
                .map(|s| s.trim().to_owned())
        })
        .collect()
}

/// A run of a cell's content under one label (or under none: the cell's own role).
#[derive(Debug, Clone)]
pub struct Segment<'a> {
    pub role: Role,
    pub labelled: bool,
    pub events: Vec<Ev<'a>>,
}

fn is_blank(e: &Event<'_>) -> bool {
    match e {
        Event::Text(t) => t.trim().is_empty(),
        Event::SoftBreak | Event::HardBreak => true,
        Event::Html(h) | Event::InlineHtml(h) => {
            matches!(tag_name(h), Some((_, n)) if n == "br")
        }
        _ => false,
    }
}

fn trim_blank(mut events: Vec<Ev<'_>>) -> Vec<Ev<'_>> {
    while events.first().is_some_and(|(e, _)| is_blank(e)) {
        events.remove(0);
    }
    while events.last().is_some_and(|(e, _)| is_blank(e)) {
        events.pop();
    }
    events
}

/// A plain `Label:` at the start of a text (`Recommended action: <br> …`).
fn plain_label(text: &str, vocab: &Vocabulary) -> Option<(Role, usize)> {
    let at = text.find([':', '：'])?;
    let label = &text[..at];
    if label.chars().count() > 30 {
        return None;
    }
    let role = vocab.label_role(label)?;
    let colon_len = text[at..].chars().next().map_or(1, char::len_utf8);
    Some((role, at + colon_len))
}

/// Splits a cell into segments at its labels. Text before the first label takes
/// `default_role`.
pub fn split_labels<'a>(
    events: &[Ev<'a>],
    default_role: Role,
    vocab: &Vocabulary,
) -> Vec<Segment<'a>> {
    let mut segments = Vec::new();
    let mut cur = Segment {
        role: default_role,
        labelled: false,
        events: Vec::new(),
    };
    let mut at_start = true;
    // A `:` right after a bold label (`**Cause**: text`) belongs to the label.
    let mut strip_colon = false;
    let mut i = 0;
    while i < events.len() {
        let (e, r) = &events[i];
        if let Event::Start(Tag::Strong) = e {
            let j = matching_end(events, i);
            let inner = plain_text(&events[i + 1..j]);
            if let Some(role) = (inner.chars().count() <= 40)
                .then(|| vocab.label_role(&inner))
                .flatten()
            {
                let next = Segment {
                    role,
                    labelled: true,
                    events: Vec::new(),
                };
                segments.push(std::mem::replace(&mut cur, next));
                i = j + 1;
                strip_colon = true;
                at_start = false;
                continue;
            }
        }
        if let (true, Event::Text(t)) = (at_start, e) {
            if let Some((role, len)) = plain_label(t, vocab) {
                let next = Segment {
                    role,
                    labelled: true,
                    events: Vec::new(),
                };
                segments.push(std::mem::replace(&mut cur, next));
                let rest = t[len..].trim_start();
                if !rest.is_empty() {
                    cur.events
                        .push((Event::Text(rest.to_owned().into()), r.clone()));
                }
                i += 1;
                at_start = false;
                continue;
            }
        }
        let mut ev = e.clone();
        if strip_colon {
            if let Event::Text(t) = &ev {
                if let Some(rest) = t.trim_start().strip_prefix([':', '\u{ff1a}']) {
                    ev = Event::Text(CowStr::from(rest.trim_start().to_owned()));
                }
            }
            strip_colon = false;
        }
        if !is_blank(&ev) {
            at_start = false;
        }
        cur.events.push((ev, r.clone()));
        i += 1;
    }
    segments.push(cur);
    segments
        .into_iter()
        .map(|s| Segment {
            events: trim_blank(s.events),
            ..s
        })
        .filter(|s| !s.events.is_empty())
        .collect()
}
