//! errbook: localized Markdown troubleshooting guides → a static, searchable site.
//!
//! The pipeline, one way: `config` + `source` (walk, decode, front matter) → `parse`
//! (pulldown-cmark → `model`) → `check` → `render` + `search` → `output`.
//! The library never prints; `main.rs` does.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod alloc;
pub mod build;
pub mod bundle;
pub mod check;
pub mod config;
pub mod diag;
pub mod error;
pub mod frontmatter;
pub mod init;
pub mod model;
pub mod names;
pub mod output;
pub mod render;
pub mod sanitize;
pub mod search;
pub mod text;
pub mod theme;
pub mod timing;
pub mod translations;

pub use error::{Error, Result};
pub mod export;
pub mod lookup;
pub mod parse;
pub mod percent;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
pub mod watch;
