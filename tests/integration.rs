//! Every integration test, in one binary (one link instead of one per file): each module is
//! one concern, `common` holds what they share.

mod common;

mod browser;
mod build;
mod cli;
mod diff;
mod docs;
mod import;
mod markdown_inert;
mod matrices;
mod parsers;
mod properties;
mod resolution;
mod snapshots;
mod spec_examples;
mod xlsx;
