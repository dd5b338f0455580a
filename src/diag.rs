//! Diagnostics: every finding has a stable name, a severity, a position and a hint.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::Pos;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Shown only when asked for (`-v`); never fails anything.
    Note,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable name, e.g. `front-matter-syntax`, `link-broken-anchor`.
    pub name: &'static str,
    pub severity: Severity,
    /// Path relative to the site root where possible.
    pub file: PathBuf,
    pub pos: Pos,
    /// Length of the marked span in characters (at least 1).
    pub len: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(
        name: &'static str,
        severity: Severity,
        file: impl Into<PathBuf>,
        pos: Pos,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            name,
            severity,
            file: file.into(),
            pos,
            len: 1,
            message: message.into(),
            hint: None,
        }
    }

    pub fn error(
        name: &'static str,
        file: impl Into<PathBuf>,
        pos: Pos,
        msg: impl Into<String>,
    ) -> Self {
        Self::new(name, Severity::Error, file, pos, msg)
    }

    pub fn warning(
        name: &'static str,
        file: impl Into<PathBuf>,
        pos: Pos,
        msg: impl Into<String>,
    ) -> Self {
        Self::new(name, Severity::Warning, file, pos, msg)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_len(mut self, len: usize) -> Self {
        self.len = len.max(1);
        self
    }

    /// `file:line:col`, with `/` separators whatever the platform, as editors expect.
    pub fn location(&self) -> String {
        format!(
            "{}:{}:{}",
            display_path(&self.file),
            self.pos.line,
            self.pos.col
        )
    }

    /// One line: `file:line:col: error[name]: message`.
    pub fn one_line(&self) -> String {
        format!(
            "{}: {}[{}]: {}",
            self.location(),
            self.severity,
            self.name,
            self.message
        )
    }
}

/// A path for messages and JSON: components joined by `/`. A root or a drive or share
/// prefix is kept as it is (`/srv/x`, `C:/x`, `\\server\share/x`), not doubled.
pub fn display_path(p: &Path) -> String {
    let mut out = String::new();
    // After a prefix or the root, the next part follows without another `/`.
    let mut joined = true;
    for c in p.components() {
        match c {
            Component::Prefix(prefix) => out.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::RootDir => out.push('/'),
            part => {
                if !joined {
                    out.push('/');
                }
                out.push_str(&part.as_os_str().to_string_lossy());
                joined = false;
                continue;
            }
        }
        joined = true;
    }
    out
}

/// Diagnostics sorted for stable output: file, line, column, name.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (&a.file, a.pos, a.name).cmp(&(&b.file, b.pos, b.name)));
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_paths() {
        assert_eq!(
            display_path(Path::new("source/ko-KR/a.md")),
            "source/ko-KR/a.md"
        );
        assert_eq!(
            display_path(&Path::new("source").join("a.md")),
            "source/a.md"
        );
        assert_eq!(
            display_path(Path::new("/srv/site/output")),
            "/srv/site/output"
        );
        assert_eq!(display_path(Path::new("/")), "/");
        assert_eq!(display_path(Path::new("./a/../b")), "./a/../b");
    }
}
