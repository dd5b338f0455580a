//! The integration tests, in one binary: each module is one area. One binary links once,
//! which keeps `cargo test` quick and its target folder small on CI machines.

mod common;
#[path = "../../examples/gencorpus/corpus.rs"]
#[allow(dead_code)]
mod corpus;

mod bad_input;
mod build;
mod build_corpus;
mod check;
mod cli;
mod docfx;
mod external;
#[cfg(unix)]
mod full_disk;
mod l10n;
mod model;
mod properties;
#[cfg(unix)]
mod publish_faults;
mod sanitize;
mod search_queries;
mod search_tokenizer;
mod serve;
