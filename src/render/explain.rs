//! `srmc explain FILE --service S --control C`: why the matrix says what it says about one pair —
//! every duty with its level and place, what precedence replaced, the exclusion, the findings.

use std::fmt::Write;

use serde::Serialize;

use super::json::Assignments;
use crate::analyze::model::{Level, Origin, ReplacedBy};
use crate::source::Span;
use crate::{Checked, Compilation};

#[derive(Serialize)]
struct Place {
    file: String,
    line: usize,
}

#[derive(Serialize)]
struct DutyOrigin {
    id: String,
    title: String,
    level: Level,
    /// The baseline it comes from, for a baseline duty.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<String>,
    source: Place,
    assignments: Assignments<String>,
    /// Each hop down the `runs-on` chain an inherited duty came through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inherited: Vec<Hop>,
}

#[derive(Serialize)]
struct Hop {
    from: String,
    duty: String,
    level: Level,
    /// The upstream that publishes the duty, when `from` is an upstream's service: its level
    /// there is the upstream's business, and not published.
    #[serde(skip_serializing_if = "Option::is_none")]
    upstream: Option<String>,
    source: Place,
}

#[derive(Serialize)]
struct ReplacedDuty {
    id: String,
    level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<String>,
    source: Place,
    /// "duty" or "exclusion".
    by: &'static str,
    by_source: Place,
}

#[derive(Serialize)]
struct ExclusionOrigin {
    justification: String,
    level: Level,
    source: Place,
}

#[derive(Serialize)]
struct PairExplanation {
    service: String,
    control: String,
    title: String,
    ownership: &'static str,
    exclusion: Option<ExclusionOrigin>,
    duties: Vec<DutyOrigin>,
    replaced: Vec<ReplacedDuty>,
    notes: Vec<String>,
    findings: Vec<String>,
}

/// Where the upstream writes a duty of one of its services that stands here (`from`): the
/// upstream's file and line, which are not among this compilation's sources.
fn upstream_place(
    model: &crate::analyze::model::Model,
    from: usize,
    control: usize,
    duty: &str,
) -> Option<Place> {
    let link = model.services[from].upstream.as_ref()?;
    let published = model.upstreams[link.upstream].published.as_ref()?;
    let control = &model.controls[control];
    let pair = published.pairs.iter().find(|p| {
        *p.service == *link.service && (*p.control == *control.display || *p.control == *control.id)
    })?;
    let source = pair.duties.iter().find(|d| d.id == duty)?.source.as_ref()?;
    Some(Place {
        file: source.file.to_string(),
        line: source.line,
    })
}

/// The explanation of one pair, as text or JSON; `Err` names what was not found.
pub(crate) fn explain_pair(
    compilation: &Compilation,
    service: &str,
    control: &str,
    json: bool,
) -> Result<String, String> {
    let Some(Checked { model, graph }) = &compilation.checked else {
        return Err("the matrix could not be compiled".to_owned());
    };
    if let Some((upstream, service)) = service.split_once('.') {
        return explain_obligations(compilation, model, upstream, service, control, json);
    }
    if !model.services.iter().any(|s| s.id == service) {
        let known: Vec<&str> = model.services.iter().map(|s| s.id.as_str()).collect();
        return Err(format!(
            "no service `{service}`; the services are: {}",
            known.join(", ")
        ));
    }
    let Some(index) = model.find_pair(service, control) else {
        return Err(format!(
            "no control `{control}` in the catalogs of this matrix"
        ));
    };
    let place = |span: Span| Place {
        file: compilation.sources.get(span.file).name.clone(),
        line: compilation.sources.line_col(span).line,
    };
    let pair = &model.pairs[index];
    let control_def = &model.controls[pair.control];
    let explanation = PairExplanation {
        service: service.to_owned(),
        control: control_def.display.clone(),
        title: control_def.title.clone(),
        ownership: graph.ownership[index].as_str(),
        exclusion: pair.exclusion.map(|e| {
            let exclusion = &model.exclusions[e];
            ExclusionOrigin {
                justification: exclusion.justification.clone(),
                level: exclusion.level,
                source: place(exclusion.span),
            }
        }),
        duties: graph
            .pair_duties(index)
            .map(|(node, duty)| {
                let def = &model.duties[duty];
                let mut inherited = Vec::new();
                let mut origin = def.origin;
                while let Origin::Inherited { from, duty, .. } = origin {
                    let source = &model.duties[duty];
                    inherited.push(Hop {
                        from: model.services[from].id.clone(),
                        duty: source.id.clone(),
                        level: source.level,
                        upstream: match source.origin {
                            Origin::Upstream(u) => Some(model.upstreams[u].id.clone()),
                            _ => None,
                        },
                        source: upstream_place(model, from, pair.control, &source.id)
                            .unwrap_or_else(|| place(source.head)),
                    });
                    origin = source.origin;
                }
                DutyOrigin {
                    id: def.id.clone(),
                    title: def.title.clone(),
                    level: def.level,
                    baseline: match def.origin {
                        Origin::Baseline(b) => Some(model.baselines[b].id.clone()),
                        _ => None,
                    },
                    inherited,
                    source: place(def.head),
                    assignments: Assignments(
                        graph
                            .assignments(node)
                            .into_iter()
                            .map(|(party, raci)| {
                                (model.parties[party].id.clone(), raci.to_string())
                            })
                            .collect(),
                    ),
                }
            })
            .collect(),
        replaced: pair
            .replaced
            .iter()
            .map(|replaced| {
                let def = &model.duties[replaced.duty];
                let (by, by_span) = match replaced.by {
                    ReplacedBy::Duty(other) => ("duty", model.duties[other].head),
                    ReplacedBy::Exclusion(e) => ("exclusion", model.exclusions[e].span),
                    ReplacedBy::Replace(span) => ("`replace` block", span),
                    ReplacedBy::Inherit(i) => ("`inherit`", model.inherits[i].span),
                };
                ReplacedDuty {
                    id: def.id.clone(),
                    level: def.level,
                    baseline: match def.origin {
                        Origin::Baseline(b) => Some(model.baselines[b].id.clone()),
                        _ => None,
                    },
                    source: place(def.head),
                    by,
                    by_source: place(by_span),
                }
            })
            .collect(),
        notes: pair.notes.clone(),
        findings: pair_findings(compilation, service, &control_def.display),
    };
    if json {
        return Ok(json_text(&explanation));
    }
    Ok(human(&explanation))
}

fn human(e: &PairExplanation) -> String {
    let at = |p: &Place| format!("{}:{}", p.file, p.line);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "service `{}`, control {} — {}",
        e.service, e.control, e.title
    );
    let _ = writeln!(out, "ownership: {}", e.ownership);
    if let Some(exclusion) = &e.exclusion {
        let _ = writeln!(
            out,
            "excluded ({}) at {}: {}",
            exclusion.level.describe(),
            at(&exclusion.source),
            exclusion.justification
        );
    }
    if e.duties.is_empty() {
        let _ = writeln!(out, "no duty holds for this pair");
    } else {
        let _ = writeln!(out, "duties that hold:");
        for duty in &e.duties {
            let letters: Vec<String> = duty
                .assignments
                .0
                .iter()
                .map(|(p, l)| format!("{p}={l}"))
                .collect();
            let level = match &duty.baseline {
                Some(baseline) => format!("baseline {baseline}"),
                None if !duty.inherited.is_empty() => "inherited".to_owned(),
                None => duty.level.describe().to_owned(),
            };
            let _ = writeln!(
                out,
                "  {} ({level}) at {}: {}\n    {}",
                duty.id,
                at(&duty.source),
                letters.join(" "),
                duty.title
            );
            for hop in &duty.inherited {
                let level = match &hop.upstream {
                    Some(upstream) => format!("published by upstream `{upstream}`"),
                    None => hop.level.describe().to_owned(),
                };
                let _ = writeln!(
                    out,
                    "    inherited from `{}`: duty {} ({level}) at {}",
                    hop.from,
                    hop.duty,
                    at(&hop.source)
                );
            }
        }
    }
    if !e.replaced.is_empty() {
        let _ = writeln!(out, "set aside by precedence:");
        for replaced in &e.replaced {
            let level = match &replaced.baseline {
                Some(baseline) => format!("baseline {baseline}"),
                None => replaced.level.describe().to_owned(),
            };
            let _ = writeln!(
                out,
                "  {} ({level}) at {}: replaced by the {} at {}",
                replaced.id,
                at(&replaced.source),
                replaced.by,
                at(&replaced.by_source)
            );
        }
    }
    for note in &e.notes {
        let _ = writeln!(out, "note: {}", note.replace('\n', "\n      "));
    }
    for finding in &e.findings {
        let _ = writeln!(out, "{finding}");
    }
    // Titles and notes are the matrix author's text, printed to a terminal.
    crate::source::printable(&out).into_owned()
}

#[derive(Serialize)]
struct UpstreamPair {
    service: String,
    control: String,
    upstream: String,
    fingerprint: String,
    /// What the upstream puts on us there, each with its take-up.
    obligations: Vec<ExplainedObligation>,
    /// Duties written for the pair that take up nothing (E212).
    unmatched: Vec<TakeUpDuty>,
    findings: Vec<String>,
}

#[derive(Serialize)]
struct ExplainedObligation {
    duty: String,
    title: String,
    /// Our letters in the upstream duty.
    letters: String,
    /// Where the upstream writes it.
    source: Option<Place>,
    taken_by: Option<TakeUpDuty>,
}

#[derive(Serialize)]
struct TakeUpDuty {
    id: String,
    source: Place,
    assignments: Assignments<String>,
}

/// `explain FILE --service UPSTREAM.SERVICE --control C`: each obligation the upstream puts on us
/// for that pair, where the upstream writes it, and the duty of ours that takes it up.
fn explain_obligations(
    compilation: &Compilation,
    model: &crate::analyze::model::Model,
    upstream_id: &str,
    service: &str,
    control: &str,
    json: bool,
) -> Result<String, String> {
    let Some(index) = model.upstreams.iter().position(|u| u.id == upstream_id) else {
        return Err(format!("no upstream `{upstream_id}` in this matrix"));
    };
    let upstream = &model.upstreams[index];
    let Some(published) = &upstream.published else {
        return Err(format!(
            "upstream `{upstream_id}` does not load or does not check clean (E211): `srmc check` says why"
        ));
    };
    if !published.services.iter().any(|s| s.id == service) {
        return Err(format!(
            "upstream `{upstream_id}` has no service `{service}`"
        ));
    }
    let place = |span: Span| Place {
        file: compilation.sources.get(span.file).name.clone(),
        line: compilation.sources.line_col(span).line,
    };
    let takeup_duty = |takeup: usize| {
        let def = &model.duties[model.takeups[takeup].duty];
        let named = |party| upstream.party_name(model, party).to_owned();
        TakeUpDuty {
            id: def.id.clone(),
            source: place(def.head),
            assignments: Assignments(
                def.assignments
                    .iter()
                    .map(|a| (named(a.party), a.letters.to_string()))
                    .collect(),
            ),
        }
    };
    let obligations: Vec<ExplainedObligation> = model
        .obligations
        .iter()
        .filter(|o| o.upstream == index && o.service == service && o.control == control)
        .map(|o| ExplainedObligation {
            duty: o.duty.clone(),
            title: o.title.clone(),
            letters: o.letters.clone(),
            source: o.source.as_ref().map(|(file, line)| Place {
                file: file.clone(),
                line: *line,
            }),
            taken_by: o.taken_by.map(takeup_duty),
        })
        .collect();
    let taken: Vec<usize> = model
        .obligations
        .iter()
        .filter_map(|o| o.taken_by)
        .collect();
    let unmatched = model
        .takeups
        .iter()
        .enumerate()
        .filter(|(t, takeup)| {
            takeup.upstream == index
                && takeup.service == service
                && takeup.control == control
                && !taken.contains(t)
        })
        .map(|(t, _)| takeup_duty(t))
        .collect();
    let service_ref = format!("{upstream_id}.{service}");
    let explanation = UpstreamPair {
        service: service_ref.clone(),
        control: control.to_owned(),
        upstream: upstream_id.to_owned(),
        fingerprint: published.matrix.fingerprint.to_string(),
        obligations,
        unmatched,
        findings: pair_findings(compilation, &service_ref, control),
    };
    if json {
        return Ok(json_text(&explanation));
    }
    let at = |p: &Place| format!("{}:{}", p.file, p.line);
    let letters = |duty: &TakeUpDuty| {
        duty.assignments
            .0
            .iter()
            .map(|(p, l)| format!("{p}={l}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "upstream service `{service_ref}`, control {control} (upstream fingerprint {})",
        explanation.fingerprint
    );
    if explanation.obligations.is_empty() {
        let _ = writeln!(
            out,
            "the upstream puts no duty on `{}` here",
            upstream.party_id
        );
    }
    for obligation in &explanation.obligations {
        let written = obligation
            .source
            .as_ref()
            .map_or_else(String::new, |s| format!(" at {}", at(s)));
        let _ = writeln!(
            out,
            "obligation {} ({} for `{}`){written}\n    {}",
            obligation.duty, obligation.letters, upstream.party_id, obligation.title
        );
        match &obligation.taken_by {
            Some(duty) => {
                let _ = writeln!(out, "  taken up at {}: {}", at(&duty.source), letters(duty));
            }
            None => {
                let _ = writeln!(out, "  not taken up (E210)");
            }
        }
    }
    for duty in &explanation.unmatched {
        let _ = writeln!(
            out,
            "duty {} at {} takes up nothing (E212): {}",
            duty.id,
            at(&duty.source),
            letters(duty)
        );
    }
    if !explanation.findings.is_empty() {
        let _ = writeln!(out, "findings:");
        for finding in &explanation.findings {
            let _ = writeln!(out, "  {finding}");
        }
    }
    Ok(crate::source::printable(&out).into_owned())
}

fn json_text(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("an explanation serializes");
    text.push('\n');
    text
}

/// The findings about one pair, as `explain` lists them.
fn pair_findings(compilation: &Compilation, service: &str, control: &str) -> Vec<String> {
    compilation
        .diagnostics
        .iter()
        .filter(|d| {
            d.pair
                .as_ref()
                .is_some_and(|p| p.service == service && p.control == control)
        })
        .map(|d| format!("{}[{}]: {}", d.severity(), d.code, d.message))
        .collect()
}
