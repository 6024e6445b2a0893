//! W303: an exclusion that decides no pair. (E401 is reported where exclusions are resolved.)

use crate::analyze::model::Model;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    model
        .exclusions
        .iter()
        .filter(|exclusion| !exclusion.effective && !exclusion.names_unresolved)
        .map(|exclusion| {
            Diagnostic::new(Code::W303, exclusion.span, "exclusion covers no in-scope pair")
                .label("excludes nothing")
                .help("every pair it names is already excluded by an earlier exclusion or given duties at a higher level; remove it, or correct its controls or services")
        })
        .collect()
}
