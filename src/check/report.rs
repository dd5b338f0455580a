//! Formatting findings: rustc-like text (codespan-reporting), JSON lines, GitHub
//! workflow annotations, and the summary line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
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

/// rustc-like report of each diagnostic, coloured with ANSI codes when `color`.
pub fn human(diags: &[&Diagnostic], sources: &mut Sources, color: bool) -> String {
    let config = term::Config::default();
    let mut files = SimpleFiles::new();
    let mut ids: HashMap<PathBuf, usize> = HashMap::new();
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
        let text = sources.text(&d.file).map(str::to_owned);
        let label = text
            .as_deref()
            .and_then(|t| span(t, d).map(|r| (t, r)))
            .map(|(t, range)| {
                let id = *ids
                    .entry(d.file.clone())
                    .or_insert_with(|| files.add(display_path(&d.file), t.to_owned()));
                Label::primary(id, range)
            });
        let rendered = match label {
            Some(l) => {
                cs = cs.with_labels(vec![l]);
                let mut w = Vec::new();
                emit(&config, &files, &cs, color, &mut w);
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
    files: &SimpleFiles<String, String>,
    cs: &CsDiagnostic<usize>,
    color: bool,
    w: &mut Vec<u8>,
) {
    let result = if color {
        let mut writer = termcolor::Ansi::new(Vec::new());
        let r = term::emit(&mut writer, config, files, cs);
        w.extend(writer.into_inner());
        r
    } else {
        let mut writer = termcolor::NoColor::new(Vec::new());
        let r = term::emit(&mut writer, config, files, cs);
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
