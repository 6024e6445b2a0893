//! Lowering the control blocks, duties, exclusions and `inherit` statements to the model: their
//! names resolved, each duty's letters read, each one placed at its level for precedence.

use std::collections::HashMap;

use super::names::control_list;
use super::runs_on::RunsOn;
use super::sink::Unreported;
use super::{closest, did_you_mean, Block, DutyPlace, Exclusion, Inheritance, Names, Resolver};
use crate::analyze::model::*;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::source::{Sources, Span};
use crate::syntax::ast;

impl Resolver {
    /// E109 for a `for` inside a baseline (on a control block or an exclusion, `what`).
    pub(super) fn for_in_baseline(
        &mut self,
        baseline: &ast::Name,
        services: Option<&[ast::Name]>,
        what: &str,
    ) {
        let Some(first) = services.and_then(<[ast::Name]>::first) else {
            return;
        };
        self.error(
            Diagnostic::new(
                Code::E109,
                first.span,
                format!("baseline `{}` names services", baseline.value),
            )
            .label("`for` in a baseline")
            .help(format!("a baseline applies to the services that `use` it: leave out `for`, and write service-specific {what} in the matrix")),
        );
    }

    /// Resolves a control block; `baseline` gives the level, users and index of the baseline it
    /// is written in.
    pub(super) fn block(
        &mut self,
        index: usize,
        block: &mut ast::ControlBlock,
        baseline: Option<(Level, Vec<ServiceIdx>, usize)>,
        sources: &Sources,
        model: &mut Model,
        names: &mut Names,
    ) -> Block {
        let builtin = baseline
            .as_ref()
            .is_some_and(|(_, _, b)| model.baselines[*b].builtin);
        let (controls, _) = if builtin {
            control_list(&block.controls, model, names, &mut Unreported)
        } else {
            self.control_list(&block.controls, model, names)
        };
        let (level, services, origin) = match baseline {
            Some((level, users, baseline)) => (level, Some(users), Origin::Baseline(baseline)),
            None => (
                if block.services.is_some() {
                    Level::ServiceSpecific
                } else {
                    Level::MatrixWide
                },
                block
                    .services
                    .as_ref()
                    .map(|list| self.service_list(list, names).0),
                Origin::Written,
            ),
        };
        let first_duty = model.duties.len();
        let mut ids: HashMap<String, Span> = HashMap::new();
        for (position, duty) in std::mem::take(&mut block.duties).into_iter().enumerate() {
            let id = duty
                .id
                .as_ref()
                .map_or_else(|| (position + 1).to_string(), |id| id.value.clone());
            let id_span = duty.head();
            if let Some(first) = ids.insert(id.clone(), id_span) {
                self.error(
                    Diagnostic::new(
                        Code::E104,
                        id_span,
                        format!("duty id `{id}` is used twice in this control block"),
                    )
                    .label("second duty with this id")
                    .related(first, "first duty with this id")
                    .help("duty ids identify duties across versions of the matrix; give each duty of a block its own id"),
                );
            }
            let place = DutyPlace {
                id,
                block: index,
                level,
                outside: None,
            };
            let mut duty = self.duty(duty, place, sources, names);
            duty.origin = origin;
            if matches!(origin, Origin::Baseline(_)) {
                for assignment in &duty.assignments {
                    if let PartyRef::Party(party) = assignment.party {
                        self.error(
                            Diagnostic::new(
                                Code::E109,
                                assignment.span,
                                format!(
                                    "party `{}` is named in a baseline",
                                    model.parties[party].id
                                ),
                            )
                            .label("a party id")
                            .help("a baseline serves many services: write the role keywords `provider` and `customer`, which each service resolves to its own parties"),
                        );
                    }
                }
            }
            model.duties.push(duty);
        }
        Block {
            span: block.span,
            controls,
            services,
            level,
            baseline: match origin {
                Origin::Baseline(baseline) => Some(baseline),
                _ => None,
            },
            replace: block.replace,
            duties: first_duty..model.duties.len(),
            notes: std::mem::take(&mut block.notes)
                .into_iter()
                .map(|note| note.value)
                .collect(),
        }
    }

    pub(super) fn inherit(
        &mut self,
        inherit: &ast::Inherit,
        model: &mut Model,
        names: &mut Names,
        runs_on: &mut RunsOn,
    ) -> Option<Inheritance> {
        let (controls, _) = self.control_list(&inherit.controls, model, names);
        let (services, _) = self.service_list(&inherit.services, names);
        let from = if inherit.from.value.contains('.') {
            // Resolved (or reported, E213) with the upstreams.
            *names.upstream_services.get(&inherit.from.value)?
        } else {
            let (from, _) = self.service_list(std::slice::from_ref(&inherit.from), names);
            *from.first()?
        };
        let mut reachable = Vec::new();
        for service in services {
            if runs_on.reaches(service, from) {
                reachable.push(service);
            } else {
                self.error(
                    Diagnostic::new(
                        Code::E208,
                        inherit.from.span,
                        format!(
                            "service `{}` does not run on `{}`",
                            model.services[service].id, model.services[from].id
                        ),
                    )
                    .label("not reachable through `runs-on`")
                    .related(model.services[service].span, "the inheriting service")
                    .help(format!(
                        "add `runs-on {}` to service `{}` (or to a service it runs on)",
                        model.services[from].id, model.services[service].id
                    )),
                );
            }
        }
        model.inherits.push(InheritDef {
            span: inherit.span,
            from,
        });
        Some(Inheritance {
            controls,
            services: reachable,
            def: model.inherits.len() - 1,
        })
    }

    pub(super) fn duty(
        &mut self,
        duty: ast::Duty,
        place: DutyPlace,
        sources: &Sources,
        names: &Names,
    ) -> DutyDef {
        let DutyPlace {
            id,
            block,
            level,
            outside,
        } = place;
        let untitled_allowed = outside.is_some();
        let mut assignments: Vec<AssignmentDef> = Vec::with_capacity(duty.assignments.len());
        let mut incomplete = false;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for assignment in &duty.assignments {
            let (name, name_span) = (sources.text(assignment.party), assignment.party);
            if let Some(first) = seen.insert(name, name_span) {
                self.error(
                    Diagnostic::new(
                        Code::E109,
                        name_span,
                        format!("`{name}` is listed twice in this duty"),
                    )
                    .label("listed again")
                    .related(first, "first listed here")
                    .help("write all of a party's letters on one line: `acme: R A`"),
                );
                continue;
            }
            let party = match name {
                "provider" => PartyRef::Provider,
                "customer" => PartyRef::Customer,
                other => match names.parties.get(other) {
                    Some(&index) => PartyRef::Party(index),
                    None if outside.is_some_and(|o| o.contains_key(other)) => {
                        PartyRef::Outside(outside.and_then(|o| o.get(other)).copied().unwrap_or(0))
                    }
                    None => {
                        let hint = did_you_mean(
                            closest(other, names.parties.keys().copied()),
                            format!(
                                "declare it with `party {other} provider|customer|partner \"Name\"`, or use the role keywords `provider` and `customer`"
                            ),
                        );
                        self.whole_matrix_error(
                            Diagnostic::new(
                                Code::E101,
                                name_span,
                                format!("unknown party `{other}`"),
                            )
                            .label("no such party")
                            .help(hint),
                        );
                        incomplete = true;
                        PartyRef::Unresolved
                    }
                },
            };
            let mut letters = Raci::default();
            for &place in &assignment.letters {
                let word = sources.text(place);
                let mut valid = Raci::default();
                for letter in word.chars() {
                    match Raci::from_letter(letter) {
                        Some(raci) => valid = valid.union(raci),
                        None => {
                            valid = Raci::default();
                            break;
                        }
                    }
                }
                if valid.is_empty() {
                    self.error(
                        Diagnostic::new(
                            Code::E109,
                            place,
                            format!("`{word}` is not a RACI letter"),
                        )
                        .label("expected R, A, C or I")
                        .help("R responsible (does the work), A accountable (answers for it; one per duty), C consulted, I informed"),
                    );
                    incomplete = true;
                }
                letters = letters.union(valid);
            }
            assignments.push(AssignmentDef {
                span: assignment.span,
                party,
                letters,
            });
        }
        let head = duty.head();
        let title = match duty.title {
            Some(title) => title.value,
            None if untitled_allowed => String::new(),
            None => {
                self.error(
                    Diagnostic::new(Code::E109, head, format!("duty `{id}` has no title"))
                        .label("title missing")
                        .help("give the duty a title in quotes after its id: `duty backups \"Back up the tenant every night\" { … }`; only a duty that takes up an upstream's obligation may leave it out"),
                );
                String::new()
            }
        };
        DutyDef {
            span: duty.span,
            head,
            id,
            block,
            title,
            level,
            assignments,
            evidence: duty.evidence.into_iter().map(|e| e.value).collect(),
            notes: duty.notes.into_iter().map(|n| n.value).collect(),
            incomplete,
            origin: Origin::Written,
        }
    }

    /// Resolves an exclusion; `baseline` gives the level, users and index of the baseline it is
    /// in.
    pub(super) fn exclusion(
        &mut self,
        exclusion: &ast::Exclusion,
        baseline: Option<(Level, &[ServiceIdx], usize)>,
        model: &mut Model,
        names: &mut Names,
    ) -> Exclusion {
        let (controls, controls_complete) = self.control_list(&exclusion.controls, model, names);
        let (services, services_complete) = match (&baseline, &exclusion.services) {
            (Some((_, users, _)), _) => (Some(users.to_vec()), true),
            (None, Some(list)) => {
                let (services, complete) = self.service_list(list, names);
                (Some(services), complete)
            }
            (None, None) => (None, true),
        };
        let justification = exclusion
            .justification
            .as_ref()
            .map(|j| j.value.trim().to_owned())
            .unwrap_or_default();
        if justification.is_empty() {
            let span = exclusion
                .justification
                .as_ref()
                .map_or(exclusion.span, |j| j.span);
            self.error(
                Diagnostic::new(Code::E401, span, "exclusion without a justification")
                    .label(if exclusion.justification.is_some() {
                        "empty justification"
                    } else {
                        "justification missing"
                    })
                    .help("say why the controls do not apply, as a Statement of Applicability would: `exclude 11.1.1 for app \"Physical security is the IaaS provider's; see its ISO 27001 certificate\"`"),
            );
        }
        model.exclusions.push(ExclusionDef {
            span: exclusion.span,
            level: match (&baseline, &exclusion.services) {
                (Some((level, _, _)), _) => *level,
                (None, Some(_)) => Level::ServiceSpecific,
                (None, None) => Level::MatrixWide,
            },
            baseline: baseline.as_ref().map(|(_, _, index)| *index),
            justification,
            effective: false,
            names_unresolved: !(controls_complete && services_complete),
        });
        Exclusion { controls, services }
    }

    /// E109 for a duty that names one party twice once role keywords are resolved (`provider`
    /// and the provider's id), once per duty and service. A role that resolves to nobody needs
    /// no finding here: the service without a provider or customer is already reported.
    pub(super) fn same_party_twice(&mut self, blocks: &[Block], model: &Model) {
        // A matrix-wide block never reaches a sub-service, so it can raise nothing for one.
        let all_services: Vec<ServiceIdx> = (0..model.services.len())
            .filter(|&s| !model.services[s].subservice)
            .collect();
        for block in blocks {
            if block.controls.is_empty() {
                continue;
            }
            for duty in block.duties.clone() {
                let assignments = &model.duties[duty].assignments;
                let has_role = assignments
                    .iter()
                    .any(|a| matches!(a.party, PartyRef::Customer | PartyRef::Provider));
                if !has_role || assignments.len() < 2 {
                    continue;
                }
                for &service in block.services.as_deref().unwrap_or(&all_services) {
                    let mut seen: Vec<(PartyIdx, &AssignmentDef)> = Vec::new();
                    for assignment in assignments {
                        let Some(party) = model.resolve(service, assignment.party) else {
                            continue;
                        };
                        if let Some((_, first)) = seen.iter().find(|(p, _)| *p == party) {
                            self.error(
                                Diagnostic::new(
                                    Code::E109,
                                    assignment.span,
                                    format!(
                                        "for service `{}` this line and an earlier one both name `{}`",
                                        model.services[service].id, model.parties[party].id
                                    ),
                                )
                                .label("same party again")
                                .related(first.span, "first named here")
                                .help("a party appears once per duty: the role keywords `provider` and `customer` stand for the service's own parties"),
                            );
                        } else {
                            seen.push((party, assignment));
                        }
                    }
                }
            }
        }
    }
}
