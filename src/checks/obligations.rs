//! E210, E212, E214, and the accountability rules for the duties that take obligations up:
//! every obligation an upstream puts on us is taken up by a duty of ours, every such duty takes
//! one up, and one party of our side answers for it. (E211, E213 and W306 are found where the
//! upstreams are loaded and their services named.)

use std::collections::HashSet;

use crate::analyze::model::{Model, PartyRef, Raci, TakeUp};
use crate::codes::Code;
use crate::diagnostics::Diagnostic;

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for obligation in model.obligations.iter().filter(|o| o.taken_by.is_none()) {
        let upstream = &model.upstreams[obligation.upstream];
        let service = format!("{}.{}", upstream.id, obligation.service);
        let written = obligation
            .source
            .as_ref()
            .map_or_else(String::new, |(file, line)| format!(" ({file}:{line})"));
        diagnostics.push(
            Diagnostic::new(
                Code::E210,
                upstream.span,
                format!(
                    "obligation `{}` is not taken up: `{}` gives `{}` {} in “{}”{written}, and no duty of this matrix answers for it",
                    obligation.duty, upstream.id, upstream.party_id, obligation.letters, obligation.title
                ),
            )
            .label("this upstream puts it on us")
            .help(format!(
                "take it up with a duty of the same id, accountable to `{}` or one of its teams: `control {} for {service} {{ duty {} {{ TEAM: R A }} }}`",
                upstream.party_id, obligation.control, obligation.duty
            ))
            .pair(&service, &obligation.control)
            .duty(&obligation.duty),
        );
    }
    let taken: HashSet<usize> = model
        .obligations
        .iter()
        .filter_map(|o| o.taken_by)
        .collect();
    for (index, takeup) in model.takeups.iter().enumerate() {
        let def = &model.duties[takeup.duty];
        let service = takeup.service_ref(model);
        let upstream = &model.upstreams[takeup.upstream];
        if !taken.contains(&index) && !takes_up_a_later_copy(model, index, takeup) {
            diagnostics.push(
                Diagnostic::new(
                    Code::E212,
                    def.head,
                    format!(
                        "duty `{}` takes up nothing: `{}` gives `{}` no duty `{}` with R or A for this service and control",
                        def.id, upstream.id, upstream.party_id, def.id
                    ),
                )
                .label("no such obligation")
                .help("use the duty id the upstream uses (`srmc build UPSTREAM --format json` lists its duties); a duty where we hold only C or I is no obligation")
                .pair(&service, &takeup.control)
                .duty(&def.id),
            );
        }
        diagnostics.extend(accountability(model, takeup, &service));
    }
    diagnostics
}

/// The same duty is listed once per service and control it takes up; an E212 goes with the
/// copy that takes up nothing, but only if no obligation is taken up by an equal take-up (one
/// id twice in a block is E104, not E212).
fn takes_up_a_later_copy(model: &Model, index: usize, takeup: &TakeUp) -> bool {
    model.takeups[..index].iter().any(|other| {
        other.upstream == takeup.upstream
            && other.service == takeup.service
            && other.control == takeup.control
            && model.duties[other.duty].id == model.duties[takeup.duty].id
    })
}

/// A take-up is checked like any duty (E202, E203, E204, W301), and its `A` must be on our side
/// (E214).
fn accountability(model: &Model, takeup: &TakeUp, service: &str) -> Vec<Diagnostic> {
    let def = &model.duties[takeup.duty];
    if def.incomplete {
        return Vec::new();
    }
    let upstream = &model.upstreams[takeup.upstream];
    let ours = |party: usize| {
        Some(party) == upstream.party || model.parties[party].team_of == upstream.party
    };
    let mut accountable: Vec<(String, bool)> = Vec::new();
    let mut responsible = false;
    for assignment in &def.assignments {
        responsible |= assignment.letters.contains(Raci::R);
        if !assignment.letters.contains(Raci::A) {
            continue;
        }
        let (name, on_our_side) = match assignment.party {
            PartyRef::Party(party) => (model.parties[party].id.clone(), ours(party)),
            PartyRef::Outside(party) => {
                let published = upstream.published.as_ref();
                let id = published
                    .and_then(|p| p.parties.get(party))
                    .map_or_else(String::new, |p| p.id.to_string());
                let ours = upstream.party_id == id;
                (id, ours)
            }
            PartyRef::Provider => ("provider".to_owned(), false),
            PartyRef::Customer => ("customer".to_owned(), upstream.party.is_some()),
            PartyRef::Unresolved => continue,
        };
        accountable.push((name, on_our_side));
    }
    let at = |code, message: String, label: &str, help: &str| {
        Diagnostic::new(code, def.head, message)
            .label(label)
            .help(help)
            .pair(service, &takeup.control)
            .duty(&def.id)
    };
    let mut diagnostics = Vec::new();
    let names = |list: &[(String, bool)]| {
        list.iter()
            .map(|(name, _)| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match accountable.as_slice() {
        [] => diagnostics.push(at(
            Code::E202,
            format!("duty `{}` has no accountable party", def.id),
            "nobody holds `A`",
            "give `A` to the party that stands for us upstream, or to one of its teams",
        )),
        [_] => {}
        several => {
            let both =
                several.iter().any(|(_, ours)| *ours) && several.iter().any(|(_, ours)| !ours);
            let (code, what) = if both {
                (Code::E203, "accountable on both sides")
            } else {
                (Code::E204, "accountable to more than one party")
            };
            diagnostics.push(at(
                code,
                format!("duty `{}` is {what}: {}", def.id, names(several)),
                "more than one `A`",
                "one party answers for a duty: keep `A` on one of ours",
            ));
        }
    }
    let outside: Vec<(String, bool)> = accountable
        .iter()
        .filter(|(_, ours)| !ours)
        .cloned()
        .collect();
    if !outside.is_empty() && upstream.party.is_some() {
        diagnostics.push(at(
            Code::E214,
            format!(
                "duty `{}` takes up an obligation of `{}` but is accountable to {}, outside our side",
                def.id,
                upstream.id,
                names(&outside)
            ),
            "`A` outside our side",
            &format!(
                "the upstream puts the duty on `{}`: give `A` to it or to one of its teams",
                upstream.party_id
            ),
        ));
    }
    if !responsible {
        diagnostics.push(at(
            Code::W301,
            format!("duty `{}` has no responsible party", def.id),
            "nobody holds `R`",
            "give the party that does the work the letter `R`",
        ));
    }
    diagnostics
}
