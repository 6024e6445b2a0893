//! E202, E203, E204, W301: each duty has exactly one accountable party, on one side, and
//! someone who does the work. Role keywords resolve per service, so one matrix-wide duty is
//! checked for every pair it holds for.

use super::{pair_names, party_list};
use crate::analyze::model::Model;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::graph::ResponsibilityGraph;

pub(super) fn check(model: &Model, graph: &ResponsibilityGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for index in 0..model.pairs.len() {
        if !model.pairs[index].in_scope {
            continue;
        }
        let (service, control) = pair_names(model, index);
        for (node, duty) in graph.pair_duties(index) {
            let def = &model.duties[duty];
            let service_index = model.pairs[index].service;
            // A duty with a party that does not resolve is reported where it is written.
            let unresolved = def
                .assignments
                .iter()
                .any(|a| model.resolve(service_index, a.party).is_none());
            if def.incomplete || unresolved {
                continue;
            }
            let facts = graph.accountability(node);
            if !facts.is_owned() {
                diagnostics.push(
                    Diagnostic::new(
                        Code::E202,
                        def.head,
                        format!("duty `{}` has no accountable party", def.id),
                    )
                    .label("nobody holds `A`")
                    .help("give exactly one party the letter `A`: the one that answers for the duty, e.g. `provider: R A`")
                    .pair(service, control)
                    .duty(&def.id),
                );
            }
            if facts.both_sides() {
                diagnostics.push(
                    Diagnostic::new(
                        Code::E203,
                        def.head,
                        format!(
                            "duty `{}` is accountable on both sides: {} on the provider side, {} on the customer side",
                            def.id,
                            party_list(model, facts.csp()),
                            party_list(model, facts.csc())
                        ),
                    )
                    .label("claimed by both parties")
                    .help("keep `A` on the side that answers for the duty; if each side answers for a part of it, split it into two duties")
                    .pair(service, control)
                    .duty(&def.id),
                );
            }
            if facts.several_accountable() {
                let parties = facts.accountable();
                let sides = if !facts.partners().is_empty() {
                    "a partner among them"
                } else if facts.csp().len() > 1 {
                    "all on the provider side"
                } else {
                    "all on the customer side"
                };
                diagnostics.push(
                    Diagnostic::new(
                        Code::E204,
                        def.head,
                        format!(
                            "duty `{}` has {} accountable parties ({sides}): {}",
                            def.id,
                            parties.len(),
                            party_list(model, parties)
                        ),
                    )
                    .label("more than one `A`")
                    .help("one party answers for a duty: keep `A` on one of them and make the others `R` or `C` (an auditor that signs off is `C`)")
                    .pair(service, control)
                    .duty(&def.id),
                );
            }
            if !facts.responsible {
                diagnostics.push(
                    Diagnostic::new(
                        Code::W301,
                        def.head,
                        format!("duty `{}` has no responsible party", def.id),
                    )
                    .label("nobody holds `R`")
                    .help("give the party that does the work the letter `R` (often the accountable one: `R A`)")
                    .pair(service, control)
                    .duty(&def.id),
                );
            }
        }
    }
    diagnostics
}
