//! W304: the customer side is responsible for a control its service model keeps out of the
//! customer's reach (the catalog's `reach` lists the models in which the customer can act).

use super::pair_names;
use crate::analyze::model::{Model, Raci, Side};
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::graph::ResponsibilityGraph;

pub(super) fn check(model: &Model, graph: &ResponsibilityGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (index, pair) in model.pairs.iter().enumerate() {
        let control = &model.controls[pair.control];
        let service = &model.services[pair.service];
        let (Some(reach), Some(service_model)) = (&control.reach, service.model) else {
            continue;
        };
        if !pair.in_scope || reach.contains(&service_model) {
            continue;
        }
        for (node, duty) in graph.pair_duties(index) {
            let customer_does_it = graph.assignments(node).into_iter().any(|(party, letters)| {
                letters.contains(Raci::R) && model.side(pair.service, party) == Side::Csc
            });
            if !customer_does_it {
                continue;
            }
            let def = &model.duties[duty];
            let (service_id, control_id) = pair_names(model, index);
            let models: Vec<&str> = reach.iter().map(|m| m.as_str()).collect();
            diagnostics.push(
                Diagnostic::new(
                    Code::W304,
                    def.head,
                    format!(
                        "duty `{}` makes the customer side responsible, but in {} the customer cannot act on {control_id}",
                        def.id,
                        service_model.as_str()
                    ),
                )
                .label("customer holds `R` out of reach")
                .help(format!(
                    "the catalog gives the customer reach over {control_id} only in {}; make the provider responsible, or check the service's model",
                    models.join(", ")
                ))
                .pair(service_id, control_id)
                .duty(&def.id),
            );
        }
    }
    diagnostics
}
