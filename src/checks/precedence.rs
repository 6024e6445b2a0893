//! E205, E402: precedence rules that the analyzer found broken for a pair.

use super::pair_names;
use crate::analyze::model::{Clash, Model};
use crate::codes::Code;
use crate::diagnostics::Diagnostic;

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    model
        .clashes
        .iter()
        .filter(|clash| match **clash {
            Clash::DuplicateDuty { pair, .. } | Clash::ExcludedWithDuties { pair, .. } => {
                model.pairs[pair].in_scope
            }
        })
        .map(|clash| match *clash {
            Clash::DuplicateDuty {
                pair,
                first,
                second,
            } => {
                let (service, control) = pair_names(model, pair);
                let duty = &model.duties[second];
                Diagnostic::new(
                    Code::E205,
                    duty.head,
                    format!(
                        "duty id `{}` is defined twice for this pair at the {} level",
                        duty.id,
                        duty.level.describe()
                    ),
                )
                .label("second duty with this id")
                .related(model.duties[first].head, "first duty with this id")
                .help(if duty.id.chars().all(|c| c.is_ascii_digit()) {
                    "these duties have no id, so each is numbered by its place in its block; give them ids (`duty backups \"…\"`) so that blocks cannot collide"
                } else {
                    "duty ids must be unique per service and control at one level: rename one, or merge the two blocks"
                })
                .pair(service, control)
                .duty(&duty.id)
            }
            Clash::ExcludedWithDuties {
                pair,
                exclusion,
                duty,
            } => {
                let (service, control) = pair_names(model, pair);
                let exclusion = &model.exclusions[exclusion];
                Diagnostic::new(
                    Code::E402,
                    exclusion.span,
                    format!(
                        "excluded and given duty `{}` at the same ({}) level",
                        model.duties[duty].id,
                        exclusion.level.describe()
                    ),
                )
                .label("this exclusion")
                .related(model.duties[duty].head, "duty at the same level")
                .help("either the control applies (remove the exclusion) or it does not (remove the duty); a service-specific block overrides a matrix-wide exclusion")
                .pair(service, control)
                .duty(&model.duties[duty].id)
            }
        })
        .collect()
}
