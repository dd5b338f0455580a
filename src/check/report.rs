//! Formatting findings: rustc-like text (codespan-reporting), JSON lines, GitHub
//! workflow annotations, and the summary line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

use crate::diag::{display_path, Diagnostic, Severity};
use crate::model::Site;
use crate::text::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-like, with the source line and the span marked (stderr).
    Human,
    /// One JSON object per line (JSON Lines) on stdout.
    Json,
    /// GitHub Actions workflow annotations on stdout.
    Github,
}

/// Source texts by path: guides from the loaded site, other files (site.yaml, guides
/// that failed to load) read from disk on demand.
pub struct Sources {
    texts: HashMap<PathBuf, String>,
    root: PathBuf,
}

impl Sources {
    pub fn new(root: &Path, site: &Site) -> Self {
        let texts = site
            .locales
            .iter()
            .flat_map(|l| l.guides.iter())
            .map(|g| (g.path.clone(), g.source.clone()))
            .collect();
        Sources {
            texts,
            root: root.to_path_buf(),
        }
    }

    /// Sources read from disk on demand (when no loaded site is at hand).
    pub fn from_disk(root: &Path) -> Self {
        Sources {
            texts: HashMap::new(),
            root: root.to_path_buf(),
        }
    }

    fn text(&mut self, file: &Path) -> Option<&str> {
        if !self.texts.contains_key(file) {
            let bytes = std::fs::read(self.root.join(file)).ok()?;
            let text = String::from_utf8(bytes).ok()?;
            let text = text
                .strip_prefix('\u{feff}')
                .map(str::to_owned)
                .unwrap_or(text);
            self.texts.insert(file.to_path_buf(), text);
        }
        self.texts.get(file).map(String::as_str)
    }
}

/// Byte range of a diagnostic's span in its file, clamped to its line.
fn span(text: &str, d: &Diagnostic) -> Option<std::ops::Range<usize>> {
    let idx = LineIndex::new(text);
    let start = super::offset_of(text, &idx, d.pos)?;
    let line = idx.line_text(text, d.pos.line);
    let line_end = idx.line_start(d.pos.line)? + line.len();
    let end = text
        .get(start..line_end)?
        .char_indices()
        .nth(d.len.max(1))
        .map_or(line_end, |(i, _)| start + i);
    Some(start..end.max(start))
}

/// One source line for a report, cut to a window around the span when it is long:
/// table rows in guides run to thousands of characters.
struct Excerpt {
    name: String,
    text: String,
    line: usize,
    /// Characters cut from the start of the line, less the `…` put there instead.
    col_shift: usize,
}

/// Characters of context kept before the span in a long line, and the window's width.
const BEFORE: usize = 40;
const WIDTH: usize = 110;

impl Excerpt {
    /// The excerpt of the line holding `range` (bytes of `text`), and the range in it.
    fn new(
        name: String,
        text: &str,
        d: &Diagnostic,
        range: std::ops::Range<usize>,
    ) -> (Self, std::ops::Range<usize>) {
        let idx = LineIndex::new(text);
        let line_start = idx.line_start(d.pos.line).unwrap_or(0);
        let line = idx.line_text(text, d.pos.line);
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        let char_at = |byte: usize| {
            chars
                .iter()
                .position(|(b, _)| *b >= byte)
                .unwrap_or(chars.len())
        };
        let (s_char, e_char) = (
            char_at(range.start - line_start),
            char_at(range.end - line_start),
        );
        let (from, to) = if chars.len() <= WIDTH {
            (0, chars.len())
        } else {
            let from = s_char.saturating_sub(BEFORE);
            (from, (from + WIDTH).max(e_char + 10).min(chars.len()))
        };
        let byte_of = |c: usize| chars.get(c).map_or(line.len(), |(b, _)| *b);
        let mut excerpt = String::new();
        if from > 0 {
            excerpt.push('…');
        }
        let prefix = excerpt.len();
        excerpt.push_str(&line[byte_of(from)..byte_of(to)]);
        if to < chars.len() {
            excerpt.push('…');
        }
        let start = prefix + byte_of(s_char) - byte_of(from);
        let end = prefix + byte_of(e_char.min(to)) - byte_of(from);
        let col_shift = from.saturating_sub(usize::from(from > 0));
        (
            Excerpt {
                name,
                text: excerpt,
                line: d.pos.line,
                col_shift,
            },
            start..end.max(start),
        )
    }
}

impl<'a> Files<'a> for Excerpt {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.name)
    }
    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.text)
    }
    fn line_index(&'a self, (): (), _byte: usize) -> Result<usize, files::Error> {
        Ok(0)
    }
    fn line_number(&'a self, (): (), _line: usize) -> Result<usize, files::Error> {
        Ok(self.line)
    }
    fn column_number(&'a self, (): (), _line: usize, byte: usize) -> Result<usize, files::Error> {
        let upto = self.text.get(..byte.min(self.text.len())).unwrap_or("");
        Ok(upto.chars().count() + 1 + self.col_shift)
    }
    fn line_range(&'a self, (): (), _line: usize) -> Result<std::ops::Range<usize>, files::Error> {
        Ok(0..self.text.len())
    }
}

/// rustc-like report of each diagnostic, coloured with ANSI codes when `color`.
pub fn human(diags: &[&Diagnostic], sources: &mut Sources, color: bool) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let severity = match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Note => CsSeverity::Note,
        };
        let mut cs = CsDiagnostic::new(severity)
            .with_code(d.name)
            .with_message(&d.message);
        if let Some(h) = &d.hint {
            cs = cs.with_notes(vec![format!("help: {h}")]);
        }
        let excerpt = sources
            .text(&d.file)
            .and_then(|t| span(t, d).map(|range| Excerpt::new(display_path(&d.file), t, d, range)));
        let rendered = match excerpt {
            Some((file, range)) => {
                cs = cs.with_labels(vec![Label::primary((), range)]);
                let mut w = Vec::new();
                emit(&config, &file, &cs, color, &mut w);
                String::from_utf8_lossy(&w).into_owned()
            }
            None => {
                // No source to quote: the one-line form plus the hint.
                let mut s = d.one_line();
                s.push('\n');
                if let Some(h) = &d.hint {
                    s.push_str(&format!("  = help: {h}\n"));
                }
                s.push('\n');
                s
            }
        };
        out.push_str(&rendered);
    }
    out
}

/// Renders one codespan diagnostic into `w`, through a fresh colour writer.
fn emit(
    config: &term::Config,
    file: &Excerpt,
    cs: &CsDiagnostic<()>,
    color: bool,
    w: &mut Vec<u8>,
) {
    let result = if color {
        let mut writer = termcolor::Ansi::new(Vec::new());
        let r = term::emit(&mut writer, config, file, cs);
        w.extend(writer.into_inner());
        r
    } else {
        let mut writer = termcolor::NoColor::new(Vec::new());
        let r = term::emit(&mut writer, config, file, cs);
        w.extend(writer.into_inner());
        r
    };
    if result.is_err() {
        w.clear();
    }
}

/// One finding as JSON (a line of `--format json`). Fields may be added, never renamed.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct JsonFinding {
    pub name: String,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub col: usize,
    /// Length of the marked span, in characters.
    pub len: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The source line quoted, when the file could be read.
    pub source_line: Option<String>,
}

/// JSON Lines: one object per finding, one finding per line.
pub fn json_lines(diags: &[&Diagnostic], sources: &mut Sources) -> String {
    let mut out = String::new();
    for d in diags {
        let source_line = sources.text(&d.file).map(|t| {
            let idx = LineIndex::new(t);
            idx.line_text(t, d.pos.line).to_owned()
        });
        let f = JsonFinding {
            name: d.name.to_owned(),
            severity: d.severity,
            file: display_path(&d.file),
            line: d.pos.line,
            col: d.pos.col,
            len: d.len,
            message: d.message.clone(),
            hint: d.hint.clone(),
            source_line,
        };
        if let Ok(s) = serde_json::to_string(&f) {
            out.push_str(&s);
            out.push('\n');
        }
    }
    out
}

/// `::error file=…,line=…,col=…,endColumn=…,title=…::message` per finding.
pub fn github(diags: &[&Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = d.message.clone();
        if let Some(h) = &d.hint {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{kind} file={},line={},col={},endColumn={},title={}::{}\n",
            gh_property(&display_path(&d.file)),
            d.pos.line,
            d.pos.col,
            d.pos.col + d.len,
            gh_property(&format!("errbook {}", d.name)),
            gh_data(&message)
        ));
    }
    out
}

fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `2 errors, 5 warnings` (notes counted when there are some; `no problems` if none).
pub fn summary(diags: &[Diagnostic]) -> String {
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let (e, w, n) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    if e + w + n == 0 {
        return "no problems found".into();
    }
    let mut s = format!("{}, {}", plural(e, "error"), plural(w, "warning"));
    if n > 0 {
        s.push_str(&format!(", {}", plural(n, "note")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Pos;

    #[test]
    fn github_escapes() {
        let d = Diagnostic::error(
            "x-y",
            "a,b:c.md",
            Pos { line: 2, col: 3 },
            "50% bad\nreally",
        );
        assert_eq!(
            github(&[&d]),
            "::error file=a%2Cb%3Ac.md,line=2,col=3,endColumn=4,title=errbook x-y::50%25 bad%0Areally\n"
        );
    }

    #[test]
    fn summary_counts() {
        let e = Diagnostic::error("a", "f", Pos { line: 1, col: 1 }, "m");
        let w = Diagnostic::warning("a", "f", Pos { line: 1, col: 1 }, "m");
        assert_eq!(summary(&[e.clone(), e, w]), "2 errors, 1 warning");
        assert_eq!(summary(&[]), "no problems found");
    }
}

#[cfg(test)]
mod excerpt_tests {
    use super::*;
    use crate::model::Pos;

    #[test]
    fn long_lines_are_cut_around_the_span_and_keep_their_true_column() {
        let line = format!(
            "| {} | [x](nope.md) | {} |",
            "가".repeat(300),
            "b".repeat(300)
        );
        let text = format!("# T\n\n{line}\n");
        let col = line
            .find("[x]")
            .map_or(0, |b| line[..b].chars().count() + 1);
        let d = Diagnostic::warning(
            "link-outside-site",
            "source/en-US/g.md",
            Pos { line: 3, col },
            "m",
        )
        .with_len(12);
        let mut sources = Sources::from_disk(Path::new("/nonexistent"));
        sources
            .texts
            .insert(PathBuf::from("source/en-US/g.md"), text);
        let out = human(&[&d], &mut sources, false);
        assert!(out.contains(&format!("source/en-US/g.md:3:{col}")), "{out}");
        assert!(out.contains("…가가가"), "{out}");
        assert!(out.contains("[x](nope.md)"), "{out}");
        let longest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(longest < 140, "lines stay short: {longest}\n{out}");
    }
}
