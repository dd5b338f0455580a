//! Markdown → error model. One pass over pulldown-cmark's events (with offsets) finds
//! headings, sections, the checklist, tables and links; error tables become entries;
//! a last step gives every entry its stable id.

pub mod cell;
pub mod codes;
pub mod docfx;
pub mod html;
pub mod slug;
pub mod vocab;

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::diag::Diagnostic;
use crate::frontmatter::FrontMatter;
use crate::model::{
    Anchor, AnchorKind, Block, Code, ErrorEntry, ErrorRowHtml, ErrorTableHtml, Guide, HtmlIssue,
    Link, Pos, RichText, Role, Section, Table, TableCell, TableRow, Variant,
};
use crate::text::LineIndex;
use cell::{matching_end, Ev};
use slug::Slugger;
pub use vocab::Vocabulary;

const MAX_ISSUES_PER_CELL: usize = 8;

/// A table cell's events and its byte range.
type CellEvents<'a> = (Vec<Ev<'a>>, Range<usize>);

/// What the parser needs to know about one guide file.
pub struct GuideSource<'a> {
    /// Path relative to the site root, for diagnostics and the model.
    pub path: &'a Path,
    pub slug: String,
    /// The whole file text, BOM removed.
    pub text: &'a str,
    /// Byte offset where the body starts (after the front matter).
    pub body_start: usize,
    pub front_matter: FrontMatter,
    pub vocab: &'a Vocabulary,
    /// The locale tag (for localized callout titles).
    pub locale: &'a str,
    /// The site root on disk, where includes are read from (`None`: includes unresolved).
    pub root: Option<&'a Path>,
    /// Files that include this one, outermost first (to detect include cycles).
    pub included_from: &'a [PathBuf],
}

pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_GFM
}

/// A section while the guide is read; turned into the `Section` tree at the end.
struct SectionDraft<'a> {
    anchor: String,
    explicit: bool,
    title: String,
    level: u8,
    pos: Pos,
    prose: String,
    entries: Vec<EntryDraft>,
    code: Option<Code>,
    /// A `**Error message**: …` paragraph of the section, for tables without a message column.
    message: Option<RichText>,
    /// The section's own content (as rendered), for sections that are an error themselves.
    body: Vec<Event<'a>>,
}

struct EntryDraft {
    entry: ErrorEntry,
    /// Where its row HTML lives: (block index, row index), to fill the id in later.
    row_html: Option<(usize, usize)>,
}

struct GuideParser<'s, 'a> {
    src: &'s GuideSource<'a>,
    /// DocFX constructs already reported as unknown in this guide.
    unknown_reported: BTreeSet<String>,
    lines: LineIndex,
    diags: Vec<Diagnostic>,
    slugger: Slugger,
    h1: Option<String>,
    intro_events: Vec<Ev<'a>>,
    sections: Vec<SectionDraft<'a>>,
    body: Vec<Block>,
    /// Events waiting to be rendered into the current HTML block.
    pending: Vec<Event<'a>>,
    anchors: Vec<Anchor>,
    links: Vec<Link>,
    tables: Vec<Table>,
    checklist: Option<Vec<RichText>>,
}

/// Parses one guide into the model. Never fails: what is odd becomes a diagnostic.
pub fn parse_guide(src: &GuideSource<'_>) -> (Guide, Vec<Diagnostic>) {
    let body = &src.text[src.body_start..];
    let events = merge_text(
        Parser::new_ext(body, markdown_options())
            .into_offset_iter()
            .map(|(e, r)| (e, r.start + src.body_start..r.end + src.body_start)),
        // Room for the events of any guide seen (one per 13–35 bytes), so the list is not
        // copied while it grows: untouched room costs nothing, and each copy of a large
        // list made the kernel clear fresh pages.
        body.len() / 8,
    );
    let mut p = GuideParser {
        src,
        unknown_reported: BTreeSet::new(),
        lines: LineIndex::new(src.text),
        diags: Vec::new(),
        slugger: Slugger::default(),
        h1: None,
        intro_events: Vec::new(),
        sections: Vec::new(),
        body: Vec::new(),
        pending: Vec::new(),
        anchors: Vec::new(),
        links: Vec::new(),
        tables: Vec::new(),
        checklist: None,
    };
    p.collect_links_and_anchors(&events);
    p.walk(&events);
    p.finish()
}

impl<'s, 'a> GuideParser<'s, 'a> {
    fn pos(&self, offset: usize) -> Pos {
        self.lines.pos(self.src.text, offset)
    }

    /// Links, images and explicit anchors anywhere in the body, tables included.
    fn collect_links_and_anchors(&mut self, events: &[Ev<'a>]) {
        for (i, (e, r)) in events.iter().enumerate() {
            match e {
                Event::Start(Tag::Link { dest_url, .. })
                | Event::Start(Tag::Image { dest_url, .. }) => {
                    let j = matching_end(events, i);
                    self.links.push(Link {
                        url: dest_url.to_string(),
                        text: cell::plain_text(&events[i + 1..j]),
                        pos: self.pos(r.start),
                        is_image: matches!(e, Event::Start(Tag::Image { .. })),
                    });
                }
                Event::Html(h) | Event::InlineHtml(h) => {
                    for (at, name) in html::anchor_names(h) {
                        let pos = self.pos(r.start + at);
                        self.slugger.reserve(&name);
                        self.anchors.push(Anchor {
                            name,
                            pos,
                            kind: AnchorKind::Explicit,
                        });
                    }
                    for (at, url, is_image) in html::urls(h) {
                        self.links.push(Link {
                            url,
                            text: String::new(),
                            pos: self.pos(r.start + at),
                            is_image,
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn walk(&mut self, events: &[Ev<'a>]) {
        let mut i = 0;
        while i < events.len() {
            let (e, _) = &events[i];
            match e {
                Event::Start(Tag::Heading { level, .. }) => {
                    let j = matching_end(events, i);
                    self.heading(*level, &events[i..=j]);
                    i = j + 1;
                }
                Event::Start(Tag::Table(_)) => {
                    let j = matching_end(events, i);
                    self.table(&events[i..=j]);
                    i = j + 1;
                }
                Event::Start(Tag::List(_)) if self.wants_checklist() => {
                    let j = matching_end(events, i);
                    self.checklist = Some(list_items(&events[i..=j]));
                    self.content(&events[i..=j]);
                    i = j + 1;
                }
                Event::Start(_) => {
                    // Other blocks (paragraphs, lists, quotes): tables inside them too.
                    let j = matching_end(events, i);
                    self.content(&events[i..=j]);
                    i = j + 1;
                }
                _ => {
                    self.content(&events[i..=i]);
                    i += 1;
                }
            }
        }
        self.flush_html();
    }

    fn wants_checklist(&self) -> bool {
        self.checklist.is_none()
            && self
                .sections
                .last()
                .is_some_and(|s| Vocabulary::is_checklist_title(&s.title, &s.anchor))
    }

    /// Ordinary content: goes to the HTML block, the section's prose or the intro.
    /// A table nested in a list is still read as a table.
    fn content(&mut self, events: &[Ev<'a>]) {
        let before = self.pending.len();
        let mut k = 0;
        // Ends of `> [!div]` quotes, which close a `<div>` instead of a blockquote.
        let mut div_ends: Vec<usize> = Vec::new();
        let mut in_xref = false;
        while k < events.len() {
            let (e, r) = &events[k];
            match e {
                Event::Start(Tag::Table(_)) => {
                    let j = matching_end(events, k);
                    self.table(&events[k..=j]);
                    k = j + 1;
                    continue;
                }
                Event::Start(Tag::BlockQuote(Some(kind))) => {
                    self.pending.push(Event::Html(
                        docfx::alert_open(self.src.locale, *kind).into(),
                    ));
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => {
                    self.pending.push(Event::Html("</div>\n".into()))
                }
                Event::Start(Tag::BlockQuote(None)) => match div_directive(events, k) {
                    Some((class, skip)) => {
                        div_ends.push(matching_end(events, k));
                        self.pending.push(Event::Html(
                            format!("<div class=\"{}\">\n", escape_attr(&class)).into(),
                        ));
                        self.pending.push(Event::Start(Tag::Paragraph));
                        k += skip;
                        continue;
                    }
                    None => self.pending.push(e.clone()),
                },
                Event::End(TagEnd::BlockQuote(None)) if div_ends.last() == Some(&k) => {
                    div_ends.pop();
                    self.pending.push(Event::Html("</div>\n".into()));
                }
                Event::Start(Tag::Paragraph) => {
                    let j = matching_end(events, k);
                    let inner = &events[k + 1..j];
                    if let Some(html_out) = self.paragraph_directive(inner, r.start) {
                        self.pending.push(Event::Html(html_out.into()));
                        k = j + 1;
                        continue;
                    }
                    self.pending.push(e.clone());
                }
                Event::Start(Tag::Link { dest_url, .. }) if self.inline_include_at(events, k) => {
                    // `text [!INCLUDE [title](path)] text`: inline the file's content.
                    let j = matching_end(events, k);
                    if let Some(Event::Text(prev)) = self.pending.last_mut() {
                        let cut = prev.len() - "[!INCLUDE ".len();
                        *prev = prev[..cut].to_owned().into();
                    }
                    let included = self.include(dest_url.as_ref(), r.start);
                    let inline = included
                        .trim()
                        .strip_prefix("<p>")
                        .and_then(|h| h.strip_suffix("</p>"))
                        .filter(|h| !h.contains("<p>"))
                        .map(str::to_owned);
                    self.pending
                        .push(Event::InlineHtml(inline.unwrap_or(included).into()));
                    if let Some((Event::Text(next), _)) = events.get(j + 1) {
                        let rest = next
                            .trim_start()
                            .strip_prefix(']')
                            .unwrap_or(next)
                            .to_owned();
                        self.pending.push(Event::Text(rest.into()));
                        k = j + 2;
                    } else {
                        k = j + 1;
                    }
                    continue;
                }
                Event::Start(Tag::Link { dest_url, .. }) if dest_url.starts_with("xref:") => {
                    let uid = dest_url.trim_start_matches("xref:").to_owned();
                    self.diags.push(
                        Diagnostic::warning(
                            "link-xref",
                            self.src.path,
                            self.pos(r.start),
                            format!("cross-reference `xref:{uid}` cannot be resolved; its text is shown without a link"),
                        )
                        .with_hint("link to the page's URL instead"),
                    );
                    in_xref = true;
                }
                Event::End(TagEnd::Link) if in_xref => in_xref = false,
                Event::Text(t) => {
                    self.report_unknown(t, r.start);
                    self.pending.push(e.clone());
                }
                Event::Html(h) => self.pending.push(Event::Html(
                    html::rewrite_anchor_names(h.to_string()).into(),
                )),
                Event::InlineHtml(h) => self.pending.push(Event::InlineHtml(
                    html::rewrite_anchor_names(h.to_string()).into(),
                )),
                other => self.pending.push(other.clone()),
            }
            k += 1;
        }
        if let Some(s) = self.sections.last_mut() {
            s.body.extend(
                self.pending[before.min(self.pending.len())..]
                    .iter()
                    .cloned(),
            );
        }
        if let Some(Event::Start(Tag::Paragraph)) = events.first().map(|e| &e.0) {
            let inner = &events[1..events.len().saturating_sub(1)];
            let segs = cell::split_labels(inner, Role::Details, self.src.vocab);
            if let (Some(seg), Some(s)) = (segs.first(), self.sections.last_mut()) {
                if seg.labelled && seg.role == Role::Message && s.message.is_none() {
                    s.message = Some(cell::rich(&seg.events));
                }
            }
        }
        let text = cell::plain_text(events);
        match self.sections.last_mut() {
            Some(s) => {
                if !text.is_empty() {
                    if !s.prose.is_empty() {
                        s.prose.push('\n');
                    }
                    s.prose.push_str(&text);
                }
            }
            None => self.intro_events.extend(events.iter().cloned()),
        }
    }

    /// A link that is the target of an inline `[!INCLUDE [title](path)]`.
    fn inline_include_at(&self, events: &[Ev<'a>], k: usize) -> bool {
        let before = matches!(self.pending.last(), Some(Event::Text(t))
            if t.len() >= 10 && t.get(t.len() - 10..).is_some_and(|s| s.eq_ignore_ascii_case("[!INCLUDE ")));
        let j = matching_end(events, k);
        let after = matches!(events.get(j + 1), Some((Event::Text(t), _)) if t.trim_start().starts_with(']'));
        before && after
    }

    /// `:::image …:::` and `[!INCLUDE [title](path)]` paragraphs, as HTML.
    fn paragraph_directive(&mut self, inner: &[Ev<'a>], start: usize) -> Option<String> {
        let text: String = inner
            .iter()
            .map(|(e, _)| match e {
                Event::Text(t) | Event::Code(t) => t.to_string(),
                Event::SoftBreak | Event::HardBreak => "\n".into(),
                _ => String::new(),
            })
            .collect();
        if let Some(img) = docfx::image_directive(&text) {
            self.links.push(Link {
                url: img.source.clone(),
                text: img.alt.clone(),
                pos: self.pos(start),
                is_image: true,
            });
            let mut out = format!(
                "<p class=\"eb-image\"><img src=\"{}\" alt=\"{}\" loading=\"lazy\"></p>\n",
                escape_attr(&img.source),
                escape_attr(&img.alt)
            );
            if let Some(long) = img.long {
                out.push_str(&format!(
                    "<details class=\"eb-image-long\"><summary>{}</summary><p>{}</p></details>\n",
                    escape_attr(&img.alt),
                    escape_attr(&long)
                ));
            }
            return Some(out);
        }
        // `[!INCLUDE [title](path)]`: the text before the link ends with `[!INCLUDE `.
        if let [(Event::Text(pre), _), (Event::Start(Tag::Link { dest_url, .. }), link_range), .., (Event::Text(post), _)] =
            inner
        {
            let pre_t = pre.trim().to_ascii_uppercase();
            if (pre_t == "[!INCLUDE" || pre_t == "[!INCLUDE[") && post.trim() == "]" {
                let target = dest_url.to_string();
                return Some(self.include(&target, link_range.start));
            }
        }
        None
    }

    /// Inlines an included Markdown file, or leaves a visible placeholder and a diagnostic.
    fn include(&mut self, target: &str, at: usize) -> String {
        let pos = self.pos(at);
        let placeholder = |what: &str| {
            format!(
                "<p class=\"eb-missing-include\">[{}: {}]</p>\n",
                what,
                escape_attr(target)
            )
        };
        let rel = match docfx::resolve_relative(self.src.path, target) {
            Ok(p) => p,
            Err(_) => {
                self.diags.push(
                    Diagnostic::error(
                        "include-outside-root",
                        self.src.path,
                        pos,
                        format!("include `{target}` points outside the site root; it is not read"),
                    )
                    .with_hint("keep included files inside the site folder"),
                );
                return placeholder("include outside the site");
            }
        };
        if self.src.included_from.contains(&rel) || rel == self.src.path {
            self.diags.push(
                Diagnostic::error(
                    "include-cycle",
                    self.src.path,
                    pos,
                    format!(
                        "include `{target}` includes itself (through {})",
                        crate::diag::display_path(&rel)
                    ),
                )
                .with_hint("an included file may not include a file that includes it"),
            );
            return placeholder("include cycle");
        }
        let Some(root) = self.src.root else {
            return placeholder("include");
        };
        let full = root.join(&rel);
        // Symbolic links may not lead outside the root either.
        let inside = match (full.canonicalize(), root.canonicalize()) {
            (Ok(f), Ok(r)) => Some(f.starts_with(&r)),
            _ => None,
        };
        let text = match (inside, std::fs::read(&full)) {
            (Some(false), _) => {
                self.diags.push(
                    Diagnostic::error(
                        "include-outside-root",
                        self.src.path,
                        pos,
                        format!(
                            "include `{target}` resolves outside the site root; it is not read"
                        ),
                    )
                    .with_hint("a symbolic link on the path leaves the site folder"),
                );
                return placeholder("include outside the site");
            }
            (_, Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            (_, Err(_)) => {
                self.diags.push(
                    Diagnostic::error(
                        "include-missing",
                        self.src.path,
                        pos,
                        format!(
                            "included file {} does not exist (included as `{target}`)",
                            crate::diag::display_path(&rel)
                        ),
                    )
                    .with_hint("fix the path, relative to the including guide"),
                );
                return placeholder("missing include");
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let body_start = crate::frontmatter::split(text).map_or(0, |s| s.body_start);
        let mut chain = self.src.included_from.to_vec();
        chain.push(self.src.path.to_path_buf());
        let sub = GuideSource {
            path: &rel,
            slug: self.src.slug.clone(),
            text,
            body_start,
            front_matter: FrontMatter::default(),
            vocab: self.src.vocab,
            locale: self.src.locale,
            root: self.src.root,
            included_from: &chain,
        };
        let (guide, diags) = parse_guide(&sub);
        self.diags.extend(diags);
        let mut out = String::new();
        if let Some(h1) = guide.h1 {
            out.push_str(&format!("<p><strong>{}</strong></p>\n", escape_attr(&h1)));
        }
        for block in guide.body {
            match block {
                Block::Html { html } => out.push_str(&html),
                Block::ErrorTable(t) => {
                    let rows: Vec<Vec<String>> = t.rows.into_iter().map(|r| r.cells).collect();
                    out.push_str(&plain_table_html(&t.headers, &rows));
                }
            }
        }
        out
    }

    /// Reports DocFX syntax errbook does not render, once per kind per guide.
    fn report_unknown(&mut self, text: &str, at: usize) {
        if !text.contains("[!") && !text.contains(":::") {
            return;
        }
        for kind in docfx::unknown_extensions(text) {
            if self.unknown_reported.insert(kind.clone()) {
                self.diags.push(
                    Diagnostic::warning(
                        "markdown-unknown-extension",
                        self.src.path,
                        self.pos(at),
                        format!("errbook does not know the DocFX extension `{kind}`; it is shown as text"),
                    )
                    .with_hint("remove it, or replace it with plain Markdown"),
                );
            }
        }
    }

    fn flush_html(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut out = String::new();
        pulldown_cmark::html::push_html(&mut out, self.pending.drain(..));
        self.push_html_block(out);
    }

    fn push_html_block(&mut self, html: String) {
        if let Some(Block::Html { html: last }) = self.body.last_mut() {
            last.push_str(&html);
        } else {
            self.body.push(Block::Html { html });
        }
    }

    fn heading(&mut self, level: HeadingLevel, events: &[Ev<'a>]) {
        let inner = &events[1..events.len() - 1];
        let title = cell::plain_text(inner).replace('\n', " ");
        let start = events[0].1.start;
        let pos = self.pos(start);
        let explicit: Option<String> = inner.iter().find_map(|(e, _)| match e {
            Event::Html(h) | Event::InlineHtml(h) => {
                html::anchor_names(h).into_iter().next().map(|(_, n)| n)
            }
            _ => None,
        });
        let level = level as u8;
        if level == 1 && self.h1.is_none() && self.sections.is_empty() {
            self.h1 = Some(title);
            if let Some(name) = explicit {
                // Already recorded as an explicit anchor; nothing else to do.
                let _ = name;
            }
            return;
        }
        let (anchor, is_explicit) = match explicit {
            Some(a) => (a, true),
            None => {
                let a = self.slugger.unique(&slug::slugify(&title));
                self.anchors.push(Anchor {
                    name: a.clone(),
                    pos,
                    kind: AnchorKind::HeadingSlug,
                });
                (a, false)
            }
        };
        self.flush_html();
        let mut inner_html = String::new();
        pulldown_cmark::html::push_html(&mut inner_html, inner.iter().map(|(e, _)| e.clone()));
        let inner_html = html::strip_empty_anchors(&inner_html);
        self.push_html_block(format!(
            "<h{level} id=\"{}\">{}</h{level}>\n",
            escape_attr(&anchor),
            inner_html.trim()
        ));
        self.sections.push(SectionDraft {
            anchor,
            explicit: is_explicit,
            code: codes::heading_code(&title),
            title,
            level,
            pos,
            prose: String::new(),
            entries: Vec::new(),
            message: None,
            body: Vec::new(),
        });
    }

    fn table(&mut self, events: &[Ev<'a>]) {
        let table_start = events[0].1.start;
        let mut header: Vec<(Vec<Ev<'a>>, usize)> = Vec::new();
        let mut rows: Vec<(Range<usize>, Vec<CellEvents<'a>>)> = Vec::new();
        let mut i = 1;
        while i < events.len() {
            match &events[i].0 {
                Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => {
                    let is_head = matches!(events[i].0, Event::Start(Tag::TableHead));
                    let j = matching_end(events, i);
                    let mut cells = Vec::new();
                    let mut k = i + 1;
                    while k < j {
                        if let Event::Start(Tag::TableCell) = events[k].0 {
                            let m = matching_end(events, k);
                            cells.push((events[k + 1..m].to_vec(), events[k].1.clone()));
                            k = m + 1;
                        } else {
                            k += 1;
                        }
                    }
                    if is_head {
                        header = cells.into_iter().map(|(ev, r)| (ev, r.start)).collect();
                    } else {
                        rows.push((events[i].1.clone(), cells));
                    }
                    i = j + 1;
                }
                _ => i += 1,
            }
        }
        let headers: Vec<String> = header.iter().map(|(ev, _)| cell::plain_text(ev)).collect();
        let roles: Vec<Option<Role>> = headers
            .iter()
            .map(|h| self.src.vocab.header_role(h))
            .collect();
        let is_error_table = vocab::is_error_table(&roles);
        let header_line = self
            .lines
            .line_text(self.src.text, self.pos(table_start).line);

        let mut table = Table {
            pos: self.pos(table_start),
            headers: headers.clone(),
            roles: roles.clone(),
            is_error_table,
            header_leading_pipe: header_line.trim_start().starts_with('|'),
            header_pos: header.iter().map(|(_, at)| self.pos(*at)).collect(),
            rows: Vec::new(),
        };
        let mut row_htmls = Vec::new();
        let mut drafts = Vec::new();
        for (row_range, cells) in &rows {
            let row_pos = self.pos(row_range.start);
            let row_src = self.lines.line_text(self.src.text, row_pos.line);
            // Each cell's text and HTML, made once: the table, the row's HTML and the
            // entry (when a cell is one unlabelled field) all use them.
            let texts: Vec<String> = cells.iter().map(|(ev, _)| cell::plain_text(ev)).collect();
            let cells_html: Vec<String> =
                cells.iter().map(|(ev, _)| cell::inline_html(ev)).collect();
            if is_error_table {
                let entry = self.entry(
                    &roles,
                    cells,
                    (&texts, &cells_html),
                    row_range.start,
                    row_pos,
                );
                drafts.push(entry);
            }
            let mut info_cells = Vec::new();
            for ((_, r), text) in cells.iter().zip(texts) {
                let raw = self.src.text.get(r.clone()).unwrap_or("");
                // A few issues per cell say all there is to say; thousands would cost
                // a column computation each on a possibly huge line.
                let scanned = match raw.contains('<') {
                    true => html::balance(&html::mask_non_tags(raw)).issues,
                    false => Vec::new(),
                };
                let issues = scanned
                    .into_iter()
                    .take(MAX_ISSUES_PER_CELL)
                    .map(|iss| HtmlIssue {
                        tag: iss.tag,
                        kind: iss.kind,
                        pos: self.pos(r.start + iss.offset),
                    })
                    .collect();
                info_cells.push(TableCell {
                    pos: self.pos(r.start),
                    text,
                    html_issues: issues,
                });
            }
            table.rows.push(TableRow {
                pos: row_pos,
                cells: info_cells,
                source_cells: count_source_cells(row_src),
                trailing_pipe: row_src.trim_end().ends_with('|')
                    && !row_src.trim_end().ends_with("\\|"),
            });
            row_htmls.push(cells_html);
        }
        let headers_html: Vec<String> =
            header.iter().map(|(ev, _)| cell::inline_html(ev)).collect();
        self.tables.push(table);

        if !is_error_table {
            let text = cell::plain_text(events);
            if let Some(s) = self.sections.last_mut() {
                if !s.prose.is_empty() {
                    s.prose.push('\n');
                }
                s.prose.push_str(&text);
            }
            let html = plain_table_html(&headers_html, &row_htmls);
            self.pending.push(Event::Html(html.into()));
            return;
        }
        if self.sections.is_empty() {
            // An error table before any heading gets a section of its own.
            self.sections.push(SectionDraft {
                anchor: self.slugger.unique("errors"),
                explicit: false,
                title: self.h1.clone().unwrap_or_default(),
                level: 2,
                pos: self.pos(table_start),
                prose: String::new(),
                entries: Vec::new(),
                code: None,
                message: None,
                body: Vec::new(),
            });
        }
        let section_idx = self.sections.len() - 1;
        self.flush_html();
        let block_idx = self.body.len();
        self.body.push(Block::ErrorTable(ErrorTableHtml {
            headers: headers_html,
            rows: row_htmls
                .into_iter()
                .map(|cells| ErrorRowHtml {
                    entry_id: String::new(),
                    row_anchor: true,
                    cells,
                })
                .collect(),
        }));
        for (row_idx, entry) in drafts.into_iter().enumerate() {
            self.sections[section_idx].entries.push(EntryDraft {
                entry,
                row_html: Some((block_idx, row_idx)),
            });
        }
    }

    /// One error table row → an entry (id assigned later).
    fn entry(
        &mut self,
        roles: &[Option<Role>],
        cells: &[CellEvents<'a>],
        (texts, htmls): (&[String], &[String]),
        start: usize,
        pos: Pos,
    ) -> ErrorEntry {
        let mut operation: Vec<RichText> = Vec::new();
        let mut messages: Vec<(usize, RichText, bool)> = Vec::new();
        let mut causes: Vec<RichText> = Vec::new();
        let mut resolutions: Vec<(usize, RichText, Vec<String>)> = Vec::new();
        let mut found_codes: Vec<Code> = Vec::new();
        let mut code_cells: Vec<RichText> = Vec::new();
        let mut severity: Option<String> = None;
        let mut explicit_anchor = None;
        let mut seq = 0usize;
        let mut end = start;

        for (ci, ((ev, r), role)) in cells.iter().zip(roles).enumerate() {
            end = end.max(r.end);
            for (e, _) in ev {
                if let Event::Html(h) | Event::InlineHtml(h) = e {
                    if let Some((_, name)) = html::anchor_names(h).into_iter().next() {
                        explicit_anchor.get_or_insert(name);
                    }
                }
            }
            let Some(role) = role else { continue };
            let default_role = match role {
                Role::Details => Role::Message,
                r => *r,
            };
            let segments = cell::split_labels(ev, default_role, self.src.vocab);
            // One unlabelled segment holding every event is the cell itself.
            let whole_cell =
                matches!(&segments[..], [s] if !s.labelled && s.events.len() == ev.len());
            for seg in segments {
                seq += 1;
                let rich = match (whole_cell, texts.get(ci), htmls.get(ci)) {
                    (true, Some(text), Some(html)) => RichText {
                        text: text.clone(),
                        html: html.clone(),
                    },
                    _ => cell::rich(&seg.events),
                };
                match seg.role {
                    Role::Operation => {
                        found_codes.extend(codes::extract(&rich.text));
                        operation.push(rich);
                    }
                    Role::Message | Role::Details => {
                        found_codes.extend(codes::extract(&rich.text));
                        messages.push((ci * 1000 + seq, rich, seg.labelled));
                    }
                    Role::Code => {
                        found_codes.extend(codes::extract_from_code_field(&rich.text));
                        code_cells.push(rich);
                    }
                    Role::Cause => causes.push(rich),
                    Role::Severity => {
                        severity.get_or_insert(rich.text);
                    }
                    Role::Resolution => {
                        let steps = cell::steps(&rich.text);
                        resolutions.push((ci * 1000 + seq, rich, steps));
                    }
                }
            }
        }

        // Several labelled message → resolution pairs in one cell are variants.
        let mut variants = Vec::new();
        let labelled_msgs: Vec<&(usize, RichText, bool)> =
            messages.iter().filter(|m| m.2).collect();
        for (k, m) in labelled_msgs.iter().enumerate() {
            let next_msg = labelled_msgs.get(k + 1).map_or(usize::MAX, |n| n.0);
            let cell_of = |key: usize| key / 1000;
            if let Some(res) = resolutions
                .iter()
                .find(|r| r.0 > m.0 && r.0 < next_msg && cell_of(r.0) == cell_of(m.0))
            {
                variants.push(Variant {
                    message: m.1.clone(),
                    resolution: res.1.clone(),
                });
            }
        }
        if variants.len() < 2 {
            variants.clear();
        }

        let message = messages
            .iter()
            .find(|m| !(m.2 && variants.iter().any(|v| v.message == m.1)))
            .or(messages.first())
            .map(|m| m.1.clone())
            .or_else(|| self.sections.last().and_then(|s| s.message.clone()))
            .or_else(|| code_cells.first().cloned())
            .or_else(|| operation.first().cloned())
            .or_else(|| {
                self.sections.last().map(|s| RichText {
                    text: s.title.clone(),
                    html: escape_attr(&s.title),
                })
            })
            .unwrap_or_default();
        if messages.is_empty() {
            if let Some(m) = self.sections.last().and_then(|s| s.message.as_ref()) {
                found_codes.extend(codes::extract(&m.text));
            }
        }
        let resolution = join_rich(resolutions.iter().map(|r| &r.1));
        let steps = resolutions
            .iter()
            .flat_map(|r| r.2.iter().cloned())
            .collect();
        let mut unique_codes: Vec<Code> = Vec::new();
        for c in found_codes {
            if !unique_codes.iter().any(|u| u.normalized == c.normalized) {
                unique_codes.push(c);
            }
        }
        let links = self
            .links
            .iter()
            .filter(|l| {
                let line_start = self.lines.line_start(l.pos.line).unwrap_or(0);
                line_start >= self.lines.line_start(pos.line).unwrap_or(0) && line_start <= end
            })
            .cloned()
            .collect();
        ErrorEntry {
            id: String::new(),
            section: String::new(),
            row: 0,
            pos,
            explicit_anchor,
            operation: operation.into_iter().next(),
            message,
            codes: unique_codes,
            variants,
            cause: (!causes.is_empty()).then(|| join_rich(causes.iter())),
            resolution,
            severity,
            steps,
            links,
        }
    }

    /// A section without tables whose heading names an error (`## Error: …`, `오류: …`, or
    /// a heading that is a code) is one entry: the heading is its message, the section
    /// its resolution.
    fn section_entries(&mut self) {
        let ends: Vec<usize> = self
            .sections
            .iter()
            .skip(1)
            .map(|s| s.pos.line)
            .chain([usize::MAX])
            .collect();
        for (s, end) in self.sections.iter_mut().zip(ends) {
            if !s.entries.is_empty() || s.body.is_empty() {
                continue;
            }
            let message = match (vocab::strip_error_prefix(&s.title), &s.code) {
                (Some(m), _) => m.to_owned(),
                (None, Some(_)) => s.title.clone(),
                (None, None) => continue,
            };
            let evs: Vec<Ev<'a>> = s.body.iter().cloned().map(|e| (e, 0..0)).collect();
            let text = cell::plain_text(&evs);
            let mut html_out = String::new();
            pulldown_cmark::html::push_html(&mut html_out, s.body.iter().cloned());
            let mut found = codes::extract(&message);
            found.extend(s.code.clone());
            let links = self
                .links
                .iter()
                .filter(|l| l.pos.line > s.pos.line && l.pos.line < end)
                .cloned()
                .collect::<Vec<_>>();
            s.entries.push(EntryDraft {
                entry: ErrorEntry {
                    id: String::new(),
                    section: String::new(),
                    row: 0,
                    pos: s.pos,
                    explicit_anchor: None,
                    operation: None,
                    message: RichText {
                        html: escape_attr(&message),
                        text: message,
                    },
                    codes: found,
                    variants: Vec::new(),
                    cause: None,
                    severity: None,
                    steps: cell::steps(&text),
                    resolution: RichText {
                        text,
                        html: html_out,
                    },
                    links,
                },
                row_html: None,
            });
        }
    }

    fn finish(mut self) -> (Guide, Vec<Diagnostic>) {
        self.section_entries();
        // Heading codes belong to the entries of their section.
        for s in &mut self.sections {
            if let Some(code) = &s.code {
                for d in &mut s.entries {
                    if !d
                        .entry
                        .codes
                        .iter()
                        .any(|c| c.normalized == code.normalized)
                    {
                        d.entry.codes.insert(0, code.clone());
                    }
                }
            }
        }
        self.assign_ids();
        let title = self
            .src
            .front_matter
            .title
            .clone()
            .or_else(|| self.h1.clone())
            .unwrap_or_else(|| self.src.slug.clone());
        let intro = cell::rich(&self.intro_events);
        let intro_html = {
            let mut out = String::new();
            pulldown_cmark::html::push_html(
                &mut out,
                self.intro_events.iter().map(|(e, _)| e.clone()),
            );
            html::rewrite_anchor_names(out)
        };
        let guide = Guide {
            slug: self.src.slug.clone(),
            path: self.src.path.to_path_buf(),
            description: self.src.front_matter.description.clone(),
            front_matter: self.src.front_matter.clone(),
            title,
            h1: self.h1,
            intro: RichText {
                text: intro.text,
                html: intro_html,
            },
            checklist: self.checklist.unwrap_or_default(),
            sections: build_tree(self.sections),
            body: self.body,
            anchors: self.anchors,
            links: self.links,
            tables: self.tables,
            source: self.src.text.to_owned(),
            body_line: self.lines.pos(self.src.text, self.src.body_start).line,
        };
        (guide, self.diags)
    }

    /// Stable ids (SPEC.md): an explicit `<a name>` in the row; else the section anchor
    /// when the section has one entry; else the first code when no other entry of the
    /// guide has it; else `<section-anchor>-<row>`. Ids never repeat (case-insensitively,
    /// since guides are published to Windows shares) and never shadow `index`.
    fn assign_ids(&mut self) {
        let mut code_count: HashMap<String, usize> = HashMap::new();
        for s in &self.sections {
            for d in &s.entries {
                for c in &d.entry.codes {
                    *code_count.entry(c.normalized.clone()).or_default() += 1;
                }
            }
        }
        let mut used: std::collections::HashSet<String> =
            ["index".to_owned(), "404".to_owned()].into();
        for s in &mut self.sections {
            let n = s.entries.len();
            for (k, d) in s.entries.iter_mut().enumerate() {
                let row = k + 1;
                // Ids name files (`<id>.html`): every candidate is made file-system safe.
                let fallback = crate::names::file_stem(&format!("{}-{row}", s.anchor));
                let mut candidates: Vec<(String, bool)> = Vec::new();
                if let Some(a) = &d.entry.explicit_anchor {
                    candidates.push((crate::names::file_stem(a), false));
                }
                if n == 1 {
                    candidates.push((crate::names::file_stem(&s.anchor), false));
                }
                if let Some(c) = d.entry.codes.first() {
                    if code_count.get(&c.normalized) == Some(&1) {
                        candidates.push((c.normalized.clone(), true));
                    }
                }
                candidates.push((fallback.clone(), true));
                let (id, row_anchor) = candidates
                    .into_iter()
                    .find(|(c, _)| !c.is_empty() && !used.contains(&c.to_lowercase()))
                    .unwrap_or_else(|| {
                        let id = (2..)
                            .map(|m| format!("{fallback}-{m}"))
                            .find(|c| !used.contains(&c.to_lowercase()))
                            .unwrap_or_default();
                        (id, true)
                    });
                used.insert(id.to_lowercase());
                // The row needs its own `id` unless a heading or the author's anchor has it.
                let row_anchor = row_anchor
                    && id != s.anchor
                    && d.entry.explicit_anchor.as_deref() != Some(id.as_str());
                d.entry.id = id.clone();
                d.entry.section = s.anchor.clone();
                d.entry.row = row;
                if let Some((b, r)) = d.row_html {
                    if let Some(Block::ErrorTable(t)) = self.body.get_mut(b) {
                        if let Some(row_html) = t.rows.get_mut(r) {
                            row_html.entry_id = id.clone();
                            row_html.row_anchor = row_anchor;
                        }
                    }
                }
                if row_anchor {
                    self.anchors.push(Anchor {
                        name: id,
                        pos: d.entry.pos,
                        kind: AnchorKind::Entry,
                    });
                }
            }
        }
    }
}

fn join_rich<'r>(parts: impl Iterator<Item = &'r RichText>) -> RichText {
    let parts: Vec<&RichText> = parts.collect();
    RichText {
        text: parts
            .iter()
            .map(|p| p.text.as_str())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        html: match parts.len() {
            0 => String::new(),
            1 => parts[0].html.clone(),
            _ => parts
                .iter()
                .map(|p| format!("<div class=\"eb-part\">{}</div>", p.html))
                .collect(),
        },
    }
}

/// The items of a list, each as text and HTML.
fn list_items(events: &[Ev<'_>]) -> Vec<RichText> {
    let mut items = Vec::new();
    let mut i = 1;
    while i + 1 < events.len() {
        if let Event::Start(Tag::Item) = events[i].0 {
            let j = matching_end(events, i);
            let inner = &events[i + 1..j];
            let mut html_out = String::new();
            pulldown_cmark::html::push_html(&mut html_out, inner.iter().map(|(e, _)| e.clone()));
            let html_out = html::balance(html_out.trim()).html;
            // A trailing `<br>` is layout noise in a list item.
            let html_out = html_out.trim_end_matches("<br>").trim_end().to_owned();
            items.push(RichText {
                text: cell::plain_text(inner),
                html: html::rewrite_anchor_names(html_out),
            });
            i = j + 1;
        } else {
            i += 1;
        }
    }
    items
}

/// Joins runs of `Text` events (pulldown-cmark splits text at `[`, `!` …), so that
/// `[!INCLUDE …` and `[!div …]` arrive as one piece.
fn merge_text<'a>(events: impl Iterator<Item = Ev<'a>>, capacity: usize) -> Vec<Ev<'a>> {
    let mut out: Vec<Ev<'a>> = Vec::with_capacity(capacity);
    for (e, r) in events {
        if let (Event::Text(t), Some((Event::Text(prev), prev_r))) = (&e, out.last_mut()) {
            let mut joined = prev.to_string();
            joined.push_str(t);
            *prev = joined.into();
            prev_r.end = r.end;
            continue;
        }
        out.push((e, r));
    }
    out
}

/// `> [!div class="x"]` as the first line of a blockquote: its class and how many
/// events to skip (the quote, the paragraph start, the directive text and its line break).
fn div_directive(events: &[Ev<'_>], k: usize) -> Option<(String, usize)> {
    let (Some((Event::Start(Tag::Paragraph), _)), Some((Event::Text(t), _))) =
        (events.get(k + 1), events.get(k + 2))
    else {
        return None;
    };
    let class = docfx::div_class(t)?;
    let mut skip = 3;
    if matches!(
        events.get(k + 3).map(|e| &e.0),
        Some(Event::SoftBreak | Event::HardBreak)
    ) {
        skip += 1;
    }
    Some((class, skip))
}

fn plain_table_html(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table>\n<thead><tr>");
    for h in headers {
        s.push_str(&format!("<th>{h}</th>"));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            s.push_str(&format!("<td>{c}</td>"));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

/// Cells written on a table row line: pipes that are not escaped and not in code spans.
fn count_source_cells(line: &str) -> usize {
    let t = line.trim();
    let mut cells = 1;
    let mut in_code = false;
    let mut prev = '\0';
    for c in t.chars() {
        match c {
            '`' => in_code = !in_code,
            '|' if prev != '\\' && !in_code => cells += 1,
            _ => {}
        }
        prev = c;
    }
    if t.starts_with('|') {
        cells -= 1;
    }
    if t.len() > 1 && t.ends_with('|') && !t.ends_with("\\|") {
        cells -= 1;
    }
    cells
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// Flat sections with levels → a tree.
fn build_tree(flat: Vec<SectionDraft<'_>>) -> Vec<Section> {
    fn convert(d: SectionDraft<'_>) -> Section {
        Section {
            anchor: d.anchor,
            explicit_anchor: d.explicit,
            title: d.title,
            level: d.level,
            pos: d.pos,
            prose: d.prose,
            entries: d.entries.into_iter().map(|e| e.entry).collect(),
            children: Vec::new(),
        }
    }
    let mut roots: Vec<Section> = Vec::new();
    let mut stack: Vec<Section> = Vec::new();
    for d in flat {
        let s = convert(d);
        while let Some(done) = stack.pop_if(|top| top.level >= s.level) {
            attach(&mut stack, &mut roots, done);
        }
        stack.push(s);
    }
    while let Some(done) = stack.pop() {
        attach(&mut stack, &mut roots, done);
    }
    roots
}

fn attach(stack: &mut [Section], roots: &mut Vec<Section>, s: Section) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(s),
        None => roots.push(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    pub(crate) fn parse_str(text: &str, locale: &str) -> Guide {
        let vocab = Vocabulary::for_locale(locale, &BTreeMap::new());
        let split = crate::frontmatter::split(text).expect("front matter");
        let fm = split
            .yaml
            .map(|y| crate::frontmatter::parse(y, split.yaml_line).expect("yaml"))
            .unwrap_or_default();
        let src = GuideSource {
            path: Path::new("source/x/g.md"),
            slug: "g".into(),
            text,
            body_start: split.body_start,
            front_matter: fm,
            vocab: &vocab,
            locale,
            root: None,
            included_from: &[],
        };
        parse_guide(&src).0
    }

    #[test]
    fn source_cells() {
        assert_eq!(count_source_cells("| a | b | c |"), 3);
        assert_eq!(count_source_cells("| a | b | c"), 3);
        assert_eq!(count_source_cells("a | b |"), 2);
        assert_eq!(count_source_cells("a | `x|y` | b"), 3);
        assert_eq!(count_source_cells("a \\| b | c"), 2);
    }

    #[test]
    fn sections_nest_and_entries_get_ids() {
        let g = parse_str(
            "# T\n\n## A\n\n| Operation | Error details | Resolution |\n|---|---|---|\n| op | msg (ID: 1234) | fix |\n| op | other | fix2 |\n\n### SalLowDiskSpace\n\nError message | Recommended action |\n-- | --\nDisk full. | Free space.\n",
            "en-US",
        );
        assert_eq!(g.title, "T");
        assert_eq!(g.sections.len(), 1);
        assert_eq!(g.sections[0].children.len(), 1);
        let e = g.entries();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].id, "1234");
        assert_eq!(e[1].id, "a-2");
        assert_eq!(e[2].id, "sallowdiskspace");
        assert_eq!(e[2].codes[0].value, "SalLowDiskSpace");
        assert_eq!(e[0].pos.line, 7);
        assert_eq!(e[2].message.text, "Disk full.");
    }

    #[test]
    fn non_error_tables_stay_prose() {
        let g = parse_str(
            "# T\n\n## Dependent services\n\n**Service Name** | **Startup Type**\n--- | ---\nRemote Procedure Call (RPC) | Automatic\n",
            "en-US",
        );
        assert!(g.entries().is_empty());
        assert_eq!(g.tables.len(), 1);
        assert!(!g.tables[0].is_error_table);
        assert!(g.sections[0].prose.contains("Remote Procedure Call"));
    }

    #[test]
    fn labels_split_cells_into_fields() {
        let g = parse_str(
            "# T\n\n## X\n\n| Operation | Error details | Workaround |\n| --- | --- | --- |\n| Restore | **Error code**: CBPFooBarBaz/Vault Error: 100110 <br/> <br/>**Error message**: The servers differ | **Cause**: it happens.<br/> <br/>**Workaround** Register both. |\n",
            "en-US",
        );
        let e = g.entries()[0].clone();
        assert_eq!(e.message.text, "The servers differ");
        assert_eq!(
            e.cause.as_ref().map(|c| c.text.as_str()),
            Some("it happens.")
        );
        assert_eq!(e.resolution.text, "Register both.");
        let codes: Vec<&str> = e.codes.iter().map(|c| c.normalized.as_str()).collect();
        assert_eq!(codes, ["cbpfoobarbaz", "100110"]);
        assert_eq!(e.operation.map(|o| o.text), Some("Restore".into()));
    }
}
