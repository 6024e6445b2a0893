//! W302: every declared party holds a letter somewhere.

use crate::analyze::model::{Model, PartyKind, PartyRef};
use crate::codes::Code;
use crate::diagnostics::Diagnostic;

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut assigned = vec![false; model.parties.len()];
    for takeup in &model.takeups {
        for assignment in &model.duties[takeup.duty].assignments {
            if let PartyRef::Party(party) = assignment.party {
                assigned[party] = true;
            }
        }
    }
    for pair in &model.pairs {
        // Duties dropped by precedence still count: the party is in the matrix as written.
        let written = pair
            .duties
            .iter()
            .copied()
            .chain(pair.replaced.iter().map(|replaced| replaced.duty));
        for duty in written {
            for (party, _) in model.assignments(pair.service, duty) {
                assigned[party] = true;
            }
        }
    }
    // Where a service has no provider or no customer (reported), its role keywords named nobody:
    // the parties of that kind may be assigned through them, and W302 would only mislead.
    let unresolved = |kind: PartyKind| {
        model
            .services
            .iter()
            .filter(|s| s.upstream.is_none())
            .any(|s| match kind {
                PartyKind::Provider => s.provider.is_none(),
                PartyKind::Customer => s.customer.is_none(),
                PartyKind::Partner => false,
            })
    };
    // A party counts as assigned when one of its teams is.
    for party in 0..model.parties.len() {
        if let (true, Some(of)) = (assigned[party], model.parties[party].team_of) {
            assigned[of] = true;
        }
    }
    model
        .parties
        .iter()
        .zip(assigned)
        // An upstream's party is not declared here: nothing to remove.
        .filter(|(party, assigned)| {
            !assigned && party.upstream.is_none() && !unresolved(party.kind)
        })
        .map(|(party, _)| {
            Diagnostic::new(
                Code::W302,
                party.span,
                format!("party `{}` is declared but never assigned", party.id),
            )
            .label("holds no RACI letter")
            .help("assign it in a duty (even `I` for a party that is only informed), or remove it")
        })
        .collect()
}
