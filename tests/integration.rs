//! Every integration test, in one binary (one link instead of one per file): each module is
//! one concern, `common` holds what they share.

mod common;

mod browser;
mod build;
mod cli;
mod diff;
mod docs;
mod import;
mod init;
mod lsp;
mod markdown_inert;
mod matrices;
mod oscal;
mod parsers;
// The typesetter is a default feature; the tests of what it writes need it.
#[cfg(feature = "pdf")]
mod pdf;
mod properties;
mod resolution;
mod sarif;
mod serve;
mod snapshots;
mod spec_examples;
mod syntax_trees;
#[cfg(feature = "pdf")]
mod verify;
mod xlsx;
