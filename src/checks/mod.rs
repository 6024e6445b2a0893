//! Stage 4: the checks, one module per family. Each reads the model and the graph and returns
//! its diagnostics; none changes anything.

mod accountability;
mod coverage;
mod exclusions;
mod inheritance;
mod obligations;
mod parties;
mod precedence;
mod reach;

use crate::analyze::model::Model;
use crate::diagnostics::Diagnostic;
use crate::graph::ResponsibilityGraph;

/// Runs every family. With `complete` false (some item did not parse) the families that judge
/// the matrix as a whole are left out: a control, an assignment or an exclusion may be in the
/// item that is missing.
pub fn run(model: &Model, graph: &ResponsibilityGraph, complete: bool) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    diagnostics.extend(accountability::check(model, graph));
    diagnostics.extend(precedence::check(model));
    diagnostics.extend(inheritance::check(model, graph));
    diagnostics.extend(reach::check(model, graph));
    diagnostics.extend(obligations::check(model));
    if complete {
        diagnostics.extend(coverage::check(model, graph));
        diagnostics.extend(exclusions::check(model));
        diagnostics.extend(parties::check(model));
    }
    diagnostics
}

/// `(service id, control display id)` of a pair, as diagnostics carry them.
fn pair_names(model: &Model, pair: usize) -> (&str, &str) {
    let pair = &model.pairs[pair];
    (
        &model.services[pair.service].id,
        &model.controls[pair.control].display,
    )
}

/// Party ids as a readable list: "`a`, `b` and `c`".
fn party_list(model: &Model, parties: &[usize]) -> String {
    let names: Vec<String> = parties
        .iter()
        .map(|&p| format!("`{}`", model.parties[p].id))
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
