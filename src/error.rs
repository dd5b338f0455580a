//! Library errors. Input problems are `Diagnostic`s; these are failures to do the work.

use std::path::PathBuf;

use crate::diag::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{op} {}: {source}", crate::diag::display_path(path))]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The input has errors; each is a diagnostic.
    #[error("{} error(s) in the input", .0.iter().filter(|d| d.severity == crate::diag::Severity::Error).count())]
    Input(Vec<Diagnostic>),
    #[error("{0}")]
    Usage(String),
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
}

impl Error {
    pub fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
