//! E206: what a service inherits from a sub-service must be owned there by the sub-service's
//! provider. (E207 and E208 are found where `runs-on` and `inherit` are resolved.)

use super::pair_names;
use crate::analyze::model::{Model, Origin};
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::graph::{Ownership, ResponsibilityGraph};

pub(super) fn check(model: &Model, graph: &ResponsibilityGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (index, pair) in model.pairs.iter().enumerate() {
        let Some(inherit) = pair.inherit else {
            continue;
        };
        if !pair.in_scope {
            continue;
        }
        let inherit = &model.inherits[inherit];
        // An upstream that does not load (E211) tells nothing of what it would give.
        if model.services[inherit.from].is_unavailable_upstream(model) {
            continue;
        }
        let source = model.pair_index(inherit.from, pair.control);
        let there = graph.ownership[source];
        // The rule is about the `inherit`: whatever duties of its own the pair has, something
        // must come down from the sub-service's provider.
        let inherited_something = graph
            .pair_duties(index)
            .any(|(_, duty)| matches!(model.duties[duty].origin, Origin::Inherited { .. }));
        if matches!(there, Ownership::Provider | Ownership::Inherited) && inherited_something {
            continue;
        }
        let sub = &model.services[inherit.from];
        let (service, control) = pair_names(model, index);
        let (what, related) = match &sub.upstream {
            Some(_) => ("upstream service", "the upstream it is published in"),
            None => ("sub-service", "the sub-service"),
        };
        diagnostics.push(
            Diagnostic::new(
                Code::E206,
                inherit.span,
                format!(
                    "inherits {control} from `{}`, where it is {there}, not owned by the {what}'s provider",
                    sub.id
                ),
            )
            .label("nothing to inherit for this control")
            .related(sub.span, related)
            .help(format!(
                "only a control that `{}`'s provider is accountable for can be inherited; give `{service}` its own duties for {control} instead",
                sub.id
            ))
            .pair(service, control),
        );
    }
    diagnostics
}
