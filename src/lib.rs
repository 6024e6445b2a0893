//! srmc, the shared-responsibility matrix compiler.
//!
//! The stages, each with one product: [`syntax`] (text → syntax tree), [`analyze`] (trees →
//! resolved model), [`graph`] (model → responsibility graph with the ownership of every pair),
//! [`checks`] (model and graph → findings), [`render`] (all of it → documents). [`compile`] runs
//! the stages up to the checks.

pub mod analyze;
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod codes;
pub mod diagnostics;
pub mod diff;
pub(crate) mod files;
pub mod format;
pub(crate) mod git;
pub mod graph;
pub mod import;
pub(crate) mod init;
pub mod lsp;
pub mod published;
pub mod render;
pub(crate) mod serve;
pub mod source;
pub mod syntax;
pub mod synthetic;
pub mod verify;

use std::path::Path;

use analyze::model::Model;
use analyze::{FatalError, Limits};
use diagnostics::Diagnostic;
use graph::ResponsibilityGraph;
use source::Sources;

/// Everything one compilation produced.
pub struct Compilation {
    pub sources: Sources,
    /// `None` when the input has no matrix header. With syntax errors it holds the items that
    /// parsed.
    pub checked: Option<Checked>,
    /// Every problem found, causes before their consequences, each group in reading order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A resolved model and the responsibility graph built from it.
pub struct Checked {
    pub model: Model,
    pub graph: ResponsibilityGraph,
}

impl Compilation {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Compiles the matrix whose root file is `path`, with everything it imports.
pub fn compile(path: &Path, limits: Limits) -> Result<Compilation, FatalError> {
    compile_named(path, &path.display().to_string(), limits)
}

/// Like [`compile`], with the root file shown as `name` (a file read from a Git revision is
/// shown as `REV:PATH`, not as the temporary file it was copied to).
pub fn compile_named(path: &Path, name: &str, limits: Limits) -> Result<Compilation, FatalError> {
    let root = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    compile_in_chain(path, name, limits, &analyze::Chain(vec![root]))
}

/// [`compile_named`] for a matrix that `chain` (the matrices being compiled, this one last)
/// reaches through upstreams.
pub fn compile_in_chain(
    path: &Path,
    name: &str,
    limits: Limits,
    chain: &analyze::Chain,
) -> Result<Compilation, FatalError> {
    compile_overlaid(path, name, limits, chain, &|_| None)
}

/// [`compile_in_chain`] with files read from `overlay` where it has them (an editor's buffers).
pub fn compile_overlaid(
    path: &Path,
    name: &str,
    limits: Limits,
    chain: &analyze::Chain,
    overlay: analyze::Overlay,
) -> Result<Compilation, FatalError> {
    let mut sources = Sources::new();
    let (loaded, mut diagnostics) =
        analyze::load_overlaid(path, name, &mut sources, limits, overlay)?;
    // After a syntax error the files hold only the items that parsed: the checks that need the
    // whole matrix (unknown names, unowned controls, unused parties) would report what the
    // broken items may well define, so they wait until every file parses.
    let complete = loaded.whole;
    let (model, resolve_diagnostics) = analyze::resolve(loaded, &mut sources, limits, chain);
    diagnostics.extend(resolve_diagnostics);
    let checked = model.map(|model| {
        let graph = ResponsibilityGraph::build(&model);
        diagnostics.extend(checks::run(&model, &graph, complete));
        Checked { model, graph }
    });
    diagnostics::sort(&mut diagnostics);
    Ok(Compilation {
        sources,
        checked,
        diagnostics,
    })
}
