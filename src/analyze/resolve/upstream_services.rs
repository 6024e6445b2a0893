//! An upstream's services where a sub-service may stand (`runs-on`, `inherit … from`): each one
//! named so becomes a sub-service of this matrix whose pairs hold the duties its provider is
//! accountable for in the upstream. From there `runs-on`, `inherit`, precedence and E206–E208
//! treat it as they treat a sub-service written here: one code path for both.

use std::collections::HashMap;

use super::takeup::UpstreamName;
use super::{Block, Names, Resolver};
use crate::analyze::model::*;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast;

/// Per upstream id, the services that `runs-on` lists and `inherit … from` name there: what an
/// upstream keeps of its duties besides our obligations.
pub(super) fn named(
    services: &[&ast::Service],
    inherits: &[&ast::Inherit],
) -> HashMap<String, Vec<String>> {
    let runs_on = services
        .iter()
        .flat_map(|s| &s.fields)
        .filter_map(|field| match field {
            ast::ServiceField::RunsOn(list) => Some(list),
            _ => None,
        })
        .flatten();
    let from = inherits.iter().map(|inherit| &inherit.from);
    let mut named: HashMap<String, Vec<String>> = HashMap::new();
    for name in runs_on.chain(from) {
        if let Some((upstream, service)) = name.value.split_once('.') {
            let list = named.entry(upstream.to_owned()).or_default();
            if !list.iter().any(|s| s == service) {
                list.push(service.to_owned());
            }
        }
    }
    named
}

impl Resolver {
    /// Resolves each upstream service that `runs-on` lists (adding it to the service's
    /// `runs-on`) or an `inherit` takes from, so that `inherit` finds it.
    pub(super) fn upstream_services(
        &mut self,
        runs_on: &[(ServiceIdx, ast::Name)],
        inherits: &[&ast::Inherit],
        model: &mut Model,
        names: &mut Names,
        blocks: &mut Vec<Block>,
    ) {
        for (service, name) in runs_on {
            let Some(below) = self.upstream_service(name, model, names, blocks) else {
                continue;
            };
            let list = &mut model.services[*service].runs_on;
            list.push(below);
            list.sort_unstable();
            list.dedup();
        }
        for inherit in inherits {
            if inherit.from.value.contains('.') {
                self.upstream_service(&inherit.from, model, names, blocks);
            }
        }
    }

    /// The service that stands here for `upstream.service`, made the first time it is named.
    fn upstream_service(
        &mut self,
        name: &ast::Name,
        model: &mut Model,
        names: &mut Names,
        blocks: &mut Vec<Block>,
    ) -> Option<ServiceIdx> {
        if let Some(&index) = names.upstream_services.get(&name.value) {
            return Some(index);
        }
        let (upstream, service) = match self.upstream_name(name, model) {
            // Of an upstream that does not load (E211) nothing is known: a service without
            // pairs stands for it, so that `runs-on` and `inherit` raise nothing more.
            UpstreamName::Found { upstream, service }
            | UpstreamName::Unavailable { upstream, service } => (upstream, service),
            UpstreamName::Unknown => return None,
        };
        let index = model.services.len();
        let def = &model.upstreams[upstream];
        let mut stand_in = Service {
            span: def.span,
            id: name.value.clone(),
            name: name.value.clone(),
            model: None,
            provider: None,
            customer: None,
            regions: Vec::new(),
            uses: Vec::new(),
            runs_on: Vec::new(),
            subservice: true,
            use_failed: false,
            upstream: Some(UpstreamService {
                upstream,
                service: service.clone(),
                ownership: Vec::new(),
            }),
        };
        let span = def.span;
        // Taken out while its duties are copied into the model, and put back.
        if let Some(published) = model.upstreams[upstream].published.take() {
            let there = published
                .services
                .iter()
                .find(|s| *s.id == *service)
                .expect("upstream_name found it");
            stand_in.name = there.name.to_string();
            stand_in.model = ServiceModel::parse(&there.model);
            stand_in.regions = there
                .regions
                .iter()
                .map(std::string::ToString::to_string)
                .collect();
            let provider_id = there.provider.as_deref();
            stand_in.provider =
                provider_id.and_then(|id| upstream_party(upstream, id, &published, model, names));
            if let Some(team) = stand_in
                .provider
                .filter(|&p| model.parties[p].team_of.is_some())
            {
                // A team is never a provider: the id means one thing here, another there.
                self.error(
                    Diagnostic::new(
                        Code::E109,
                        name.span,
                        format!(
                            "the provider of `{}` is `{}` in the upstream, and `{}` is a team here",
                            name.value, model.parties[team].id, model.parties[team].id
                        ),
                    )
                    .label("provider id taken by a team")
                    .help("rename the team: the upstream's provider keeps the id the upstream gives it"),
                );
                stand_in.provider = None;
            }
            // The customer there is normally the `as` party; any other is none of ours.
            stand_in.customer = there
                .customer
                .as_deref()
                .and_then(|id| names.parties.get(id).copied());
            let mut ownership = vec![String::new(); model.controls.len()];
            for pair in published.pairs.iter().filter(|p| *p.service == *service) {
                let Some(control) = model
                    .controls
                    .iter()
                    .position(|c| *c.display == *pair.control)
                    .or_else(|| model.controls.iter().position(|c| *c.id == *pair.control))
                else {
                    continue;
                };
                ownership[control] = pair.ownership.to_string();
                let first = model.duties.len();
                for duty in &pair.duties {
                    // What `inherit` may copy: the duties the provider is accountable for.
                    let provided = provider_id
                        .is_some_and(|p| duty.assignments.get(p).is_some_and(|l| l.contains('A')));
                    if !provided {
                        continue;
                    }
                    let assignments = duty
                        .assignments
                        .iter()
                        .map(|(party, letters)| AssignmentDef {
                            span,
                            party: match names.parties.get(&**party) {
                                _ if Some(&**party) == provider_id => stand_in
                                    .provider
                                    .map_or(PartyRef::Unresolved, PartyRef::Party),
                                Some(&ours) => PartyRef::Party(ours),
                                // Only `inherit` reads these duties, and only for who is
                                // accountable: the upstream's other parties stay outside.
                                None => PartyRef::Outside(
                                    published
                                        .parties
                                        .iter()
                                        .position(|q| q.id == *party)
                                        .unwrap_or(0),
                                ),
                            },
                            letters: letters
                                .chars()
                                .filter_map(Raci::from_letter)
                                .fold(Raci::default(), Raci::union),
                        })
                        .collect();
                    model.duties.push(DutyDef {
                        span,
                        head: span,
                        id: duty.id.to_string(),
                        block: blocks.len(),
                        title: duty.title.to_string(),
                        level: Level::ServiceSpecific,
                        assignments,
                        evidence: duty
                            .evidence
                            .iter()
                            .map(std::string::ToString::to_string)
                            .collect(),
                        notes: duty
                            .notes
                            .iter()
                            .map(std::string::ToString::to_string)
                            .collect(),
                        incomplete: false,
                        origin: Origin::Upstream(upstream),
                    });
                }
                if model.duties.len() > first {
                    blocks.push(Block {
                        span,
                        controls: vec![control],
                        services: Some(vec![index]),
                        level: Level::ServiceSpecific,
                        baseline: None,
                        replace: false,
                        duties: first..model.duties.len(),
                        notes: Vec::new(),
                    });
                }
            }
            if let Some(link) = &mut stand_in.upstream {
                link.ownership = ownership;
            }
            model.upstreams[upstream].published = Some(published);
        }
        model.services.push(stand_in);
        names.upstream_services.insert(name.value.clone(), index);
        Some(index)
    }
}

/// The party of this matrix that stands for `id`, the provider of a service of `upstream`: the
/// party declared here with that id, else the upstream's party, added once under the id and the
/// name the upstream gives it (renderings name it as the upstream does).
fn upstream_party(
    upstream: usize,
    id: &str,
    published: &crate::published::Published,
    model: &mut Model,
    names: &Names,
) -> Option<PartyIdx> {
    if let Some(&ours) = names.parties.get(id) {
        return Some(ours);
    }
    if let Some(added) = model
        .parties
        .iter()
        .position(|p| p.upstream.is_some() && p.id == id)
    {
        return Some(added);
    }
    let there = published.parties.iter().find(|p| p.id == id)?;
    let party = Party {
        span: model.upstreams[upstream].span,
        id: id.to_owned(),
        name: there.name.to_string(),
        kind: PartyKind::parse(&there.kind).unwrap_or(PartyKind::Partner),
        team_of: None,
        upstream: Some(upstream),
    };
    model.parties.push(party);
    Some(model.parties.len() - 1)
}
