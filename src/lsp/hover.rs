//! Hover: what a name stands for in the resolved matrix — a control's title and, per service,
//! who owns the pair; a party's name, kind and side; a baseline's or catalog's title; an
//! upstream, and a service of one as the upstream publishes it.

use std::fmt::Write;

use super::index::{Kind, Occurrence};
use crate::analyze::model::{Model, PartyKind};
use crate::Checked;

/// The Markdown a hover over `occurrence` shows, if the matrix says anything about it.
pub(super) fn describe(checked: &Checked, occurrence: &Occurrence) -> Option<String> {
    let model = &checked.model;
    let name = occurrence.name.as_str();
    match occurrence.kind {
        Kind::Control => control(checked, name),
        Kind::Party => party(model, name),
        Kind::Role => Some(role(model, name)),
        Kind::Service => service(model, name),
        Kind::Baseline => {
            let baseline = model.baselines.iter().find(|b| b.id == name);
            let builtin = crate::catalog::builtin_baseline(name);
            match (baseline, builtin) {
                (Some(baseline), _) => Some(format!(
                    "**baseline `{}`** — {}{}",
                    baseline.id,
                    baseline.title,
                    if baseline.builtin { " (built in)" } else { "" }
                )),
                (None, Some(builtin)) => {
                    let title = builtin.load(&mut crate::source::Sources::new()).title.value;
                    Some(format!("**baseline `{name}`** — {title} (built in)"))
                }
                (None, None) => None,
            }
        }
        Kind::Catalog => {
            let (index, catalog) = model
                .catalogs
                .iter()
                .enumerate()
                .find(|(_, c)| c.id == name)?;
            let controls = model.controls.iter().filter(|c| c.catalog == index).count();
            Some(format!(
                "**catalog `{}`** — {}\n\n{controls} controls in scope",
                catalog.id, catalog.title
            ))
        }
        Kind::Domain => {
            let domain = model.domains.iter().find(|d| d.id == name)?;
            Some(format!("**domain `{}`** — {}", domain.id, domain.title))
        }
        Kind::Upstream => {
            let upstream = model.upstreams.iter().find(|u| u.id == name)?;
            let state = if upstream.published.is_some() {
                "loads and checks clean"
            } else {
                "does not load or does not check clean"
            };
            Some(format!(
                "**upstream `{}`** — we are `{}` there; it {state}",
                upstream.id, upstream.party_id
            ))
        }
        Kind::UpstreamService => upstream_service(model, name),
        Kind::File => None,
    }
}

fn control(checked: &Checked, name: &str) -> Option<String> {
    let model = &checked.model;
    if let Some(prefix) = name.strip_suffix('*') {
        let matched: Vec<&str> = model
            .controls
            .iter()
            .filter(|c| c.id.starts_with(prefix) || c.display.starts_with(prefix))
            .map(|c| c.display.as_str())
            .collect();
        return Some(format!(
            "**pattern `{name}`** — {} controls: {}",
            matched.len(),
            matched.join(", ")
        ));
    }
    let index = model
        .controls
        .iter()
        .position(|c| c.display == name || c.id == name)?;
    let control = &model.controls[index];
    let mut out = format!("**{}** — {}", control.display, control.title);
    let catalog = &model.catalogs[control.catalog];
    let domain = &model.domains[control.domain];
    let _ = write!(
        out,
        "\n\n{} — {}; domain {}",
        catalog.id, catalog.title, domain.title
    );
    if model.services.is_empty() {
        return Some(out);
    }
    out.push_str("\n\n| service | ownership | accountable |\n| --- | --- | --- |\n");
    for (service_index, service) in model.services.iter().enumerate() {
        let pair = model.pair_index(service_index, index);
        let ownership = checked.graph.ownership[pair];
        let mut accountable: Vec<&str> = Vec::new();
        for (node, _) in checked.graph.pair_duties(pair) {
            for &party in checked.graph.accountability(node).accountable() {
                let id = model.parties[party].id.as_str();
                if !accountable.contains(&id) {
                    accountable.push(id);
                }
            }
        }
        let accountable = if accountable.is_empty() {
            "—".to_owned()
        } else {
            accountable.join(", ")
        };
        let _ = writeln!(out, "| {} | {ownership} | {accountable} |", service.id);
    }
    Some(out)
}

fn side_of(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Provider => "CSP side",
        PartyKind::Customer => "CSC side",
        PartyKind::Partner => "on neither side",
    }
}

fn party(model: &Model, name: &str) -> Option<String> {
    let party = model.parties.iter().find(|p| p.id == name)?;
    let what = match party.team_of {
        Some(of) => format!("team of `{}`", model.parties[of].id),
        None => "party".to_owned(),
    };
    Some(format!(
        "**{what} `{}`** — {}\n\n{}, {}",
        party.id,
        party.name,
        party.kind.as_str(),
        side_of(party.kind)
    ))
}

fn role(model: &Model, word: &str) -> String {
    let mut out = format!("**`{word}`** — the {word} of each service:");
    for service in &model.services {
        let party = match word {
            "provider" => service.provider,
            _ => service.customer,
        };
        let party = party.map_or("(none)", |p| model.parties[p].id.as_str());
        let _ = write!(out, "\n- {} → {party}", service.id);
    }
    out
}

/// `upstream.service`, as the upstream publishes it.
fn upstream_service(model: &Model, name: &str) -> Option<String> {
    let (upstream, id) = name.split_once('.')?;
    let upstream = model.upstreams.iter().find(|u| u.id == upstream)?;
    let Some(published) = &upstream.published else {
        return Some(format!(
            "**service `{id}` of upstream `{}`** — the upstream does not load or does not check \
             clean, so nothing is known of it",
            upstream.id
        ));
    };
    let service = published.services.iter().find(|s| *s.id == *id)?;
    Some(format!(
        "**service `{id}` of upstream `{}`** — {}\n\nmodel {}; provider {}; customer {} (the \
         upstream's parties; we are `{}` there)",
        upstream.id,
        service.name,
        service.model,
        service.provider.as_deref().unwrap_or("(none)"),
        service.customer.as_deref().unwrap_or("(none)"),
        upstream.party_id
    ))
}

fn service(model: &Model, name: &str) -> Option<String> {
    let service = model.services.iter().find(|s| s.id == name)?;
    let party = |p: Option<usize>| p.map_or("(none)", |p| model.parties[p].id.as_str());
    let mut out = format!(
        "**service `{}`** — {}\n\nmodel {}; provider {}; customer {}",
        service.id,
        service.name,
        service.model.map_or("(none)", |m| m.as_str()),
        party(service.provider),
        party(service.customer)
    );
    if !service.uses.is_empty() {
        let uses: Vec<&str> = service
            .uses
            .iter()
            .map(|&b| model.baselines[b].id.as_str())
            .collect();
        let _ = write!(out, "; uses {}", uses.join(", "));
    }
    if service.subservice {
        out.push_str("; a sub-service organisation");
    }
    Some(out)
}
