//! E201: every control in scope for a service is owned or excluded.

use super::pair_names;
use crate::analyze::model::Model;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::graph::ResponsibilityGraph;

pub(super) fn check(model: &Model, graph: &ResponsibilityGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (index, pair) in model.pairs.iter().enumerate() {
        // An inherited pair with nothing to inherit is E206, not E201; a service whose `use`
        // names an unknown baseline misses that baseline's duties, which E209 reports.
        let decided = pair.exclusion.is_some()
            || pair.inherit.is_some()
            || model.services[pair.service].use_failed;
        if !pair.in_scope || decided || graph.pair_duties(index).next().is_some() {
            continue;
        }
        let (service, control) = pair_names(model, index);
        diagnostics.push(
            Diagnostic::new(
                Code::E201,
                model.services[pair.service].span,
                "owned by nobody: no duty and no exclusion",
            )
            .label("in scope for this service, owned by nobody")
            .help(format!(
                "give it a duty with one accountable party (`control {control} for {service} {{ duty ID \"…\" {{ provider: R A }} }}`), or exclude it with a justification (`exclude {control} for {service} \"why\"`)"
            ))
            .pair(service, control),
        );
    }
    diagnostics
}
