//! The one view model every rendering reads: built once from the resolved model, the graph and
//! the findings, serialisable, in the order the documents show things.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde::Serialize;

use super::markdown;
use crate::analyze::model::{Model, Obligation, Origin, PartyKind, ServiceModel};
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::graph::{Ownership, ResponsibilityGraph};
use crate::source::Sources;

#[derive(Debug, Serialize)]
pub(crate) struct View {
    pub generator: String,
    pub matrix: MatrixView,
    pub parties: Vec<PartyView>,
    pub services: Vec<ServiceView>,
    /// Sub-service organisations (`subservice`), outside the matrix's own scope.
    pub subservices: Vec<SubserviceView>,
    /// The ownership words in the order they are tried, with their labels: the summary's columns.
    pub ownership_words: Vec<OwnershipCell>,
    pub summary: Vec<DomainSummary>,
    pub summary_total: Vec<usize>,
    /// The seven cloud controls (`CLD.*`) of the catalogs, with each service's ownership.
    pub cloud_controls: Vec<CloudControlRow>,
    /// Per domain and service in scope: pairs per ownership word, in [`Ownership::ALL`] order.
    #[serde(skip)]
    pub heat: Vec<Vec<[usize; Ownership::ALL.len()]>>,
    /// How many of the duties shown come from the matrix, a baseline or a sub-service.
    pub duty_origins: OriginCounts,
    pub domains: Vec<DomainView>,
    pub exclusions: Vec<ExclusionView>,
    /// What each upstream puts on us, and who of ours answers for it.
    pub upstreams: Vec<UpstreamView>,
    /// Errors and warnings: only ever present in a build with `--allow-gaps`.
    pub findings: Vec<FindingView>,
    pub gap_count: usize,
    /// (domain, position in it) of each control in catalog order: the order of JSON and CSV.
    #[serde(skip)]
    pub catalog_order: Vec<(usize, usize)>,
}

#[derive(Debug, Serialize)]
pub(crate) struct MatrixView {
    /// For a party's extract: the party (or team) it is for.
    pub extract_for: Option<String>,
    pub title: String,
    pub version: String,
    pub effective: String,
    pub scope: Option<String>,
    pub catalogs: Vec<String>,
    pub fingerprint: String,
    /// Its first 16 digits, for the running footer of each printed page.
    pub short_fingerprint: String,
    #[serde(flatten)]
    pub document: crate::analyze::model::DocumentControl,
}

#[derive(Debug, Serialize)]
pub(crate) struct PartyView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    /// For a team: the id of its party.
    pub team_of: Option<String>,
    /// "CSP", "CSC" or "partner".
    pub side: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct ServiceView {
    pub id: String,
    pub name: String,
    pub model: &'static str,
    pub model_label: &'static str,
    pub provider: Option<String>,
    pub provider_name: Option<String>,
    pub customer: Option<String>,
    pub customer_name: Option<String>,
    pub regions: Vec<String>,
    pub anchor: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct SubserviceView {
    #[serde(flatten)]
    pub service: ServiceView,
    /// The names of the services that run on it.
    pub used_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct OwnershipCell {
    pub word: &'static str,
    pub label: &'static str,
    pub gap: bool,
}

impl From<Ownership> for OwnershipCell {
    fn from(ownership: Ownership) -> Self {
        OwnershipCell {
            word: ownership.as_str(),
            label: match ownership {
                Ownership::Excluded => "Excluded",
                Ownership::Conflict => "CONFLICT",
                Ownership::Unowned => "UNOWNED",
                Ownership::Inherited => "Inherited",
                Ownership::Partner => "Partner",
                Ownership::Shared => "Shared",
                Ownership::Provider => "Provider (CSP)",
                Ownership::Customer => "Customer (CSC)",
            },
            gap: matches!(ownership, Ownership::Conflict | Ownership::Unowned),
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct OriginCounts {
    pub total: usize,
    pub matrix: usize,
    /// Baseline text that no one wrote into this matrix: the part a reviewer has not seen
    /// negotiated.
    pub baseline: usize,
    pub inherited: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct DomainSummary {
    pub id: String,
    pub title: String,
    pub anchor: String,
    /// Pairs per ownership word, in [`View::ownership_words`] order.
    pub counts: Vec<usize>,
}

#[derive(Debug, Serialize)]
pub(crate) struct CloudControlRow {
    pub id: String,
    pub title: String,
    pub anchor: String,
    pub cells: Vec<OwnershipCell>,
}

#[derive(Debug, Serialize)]
pub(crate) struct DomainView {
    pub id: String,
    pub title: String,
    pub anchor: String,
    /// Every control of it is left out of a party's extract.
    pub omitted: bool,
    pub controls: Vec<ControlView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ControlView {
    pub id: String,
    pub title: String,
    pub anchor: String,
    /// Every pair of it is left out of a party's extract (or the matrix has no service).
    pub omitted: bool,
    /// One per service, in service order.
    pub pairs: Vec<PairView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PairView {
    /// The sub-service organisation whose duties the pair inherits.
    pub inherited_from: Option<String>,
    pub service: String,
    pub service_name: String,
    pub control: String,
    pub domain: String,
    pub ownership: OwnershipCell,
    pub exclusion: Option<String>,
    pub notes: Vec<Rc<NoteView>>,
    pub duties: Vec<DutyView>,
    /// Messages of the findings about this pair (only with `--allow-gaps`).
    pub findings: Vec<String>,
    /// Left out of a party's extract: nothing of it concerns the party.
    pub omitted: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct DutyView {
    /// `CONTROL/DUTY`, stable across versions of the matrix.
    pub reference: String,
    pub id: String,
    pub title: String,
    /// Letters per party, in [`View::parties`] order ("" for none).
    pub letters: Vec<String>,
    pub evidence: Vec<String>,
    pub notes: Vec<Rc<NoteView>>,
    /// The file the duty is written in (shared: one per file, not one per duty).
    pub file: Rc<str>,
    pub line: usize,
    /// Where the duty's text comes from: a reviewer reads baseline and inherited text
    /// differently from what the parties negotiated in the matrix.
    pub origin: DutyOrigin,
}

/// Where a duty comes from, for the reader of a rendering.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DutyOrigin {
    /// `matrix`, `baseline` or `inherited`.
    pub kind: &'static str,
    /// The baseline id, or the name of the sub-service inherited from; empty for `matrix`.
    pub from: String,
}

impl DutyOrigin {
    fn of(origin: Origin, model: &Model) -> Self {
        let (kind, from) = match origin {
            Origin::Written => ("matrix", String::new()),
            Origin::Baseline(baseline) => ("baseline", model.baselines[baseline].id.clone()),
            Origin::Inherited { from, .. } => ("inherited", model.services[from].name.clone()),
            Origin::Upstream(upstream) => ("upstream", model.upstreams[upstream].id.clone()),
        };
        DutyOrigin { kind, from }
    }

    /// Written in the matrix itself: negotiated text, not a default.
    pub(crate) fn is_written(&self) -> bool {
        self.kind == "matrix"
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct NoteView {
    /// As written, for JSON.
    #[serde(skip)]
    pub raw: String,
    /// Markdown with raw HTML and unsafe link schemes disarmed.
    pub markdown: String,
    /// Safe HTML.
    pub html: String,
    /// One line of plain text.
    pub plain: String,
}

/// A matrix-wide duty's notes are the same for every service: each note is read once, and its
/// view shared.
#[derive(Default)]
struct NoteCache<'a> {
    seen: HashMap<&'a str, Rc<NoteView>>,
}

impl<'a> NoteCache<'a> {
    fn view(&mut self, markdown: &'a str) -> Rc<NoteView> {
        Rc::clone(
            self.seen
                .entry(markdown)
                .or_insert_with(|| Rc::new(NoteView::new(markdown))),
        )
    }
}

impl NoteView {
    fn new(markdown: &str) -> Self {
        NoteView {
            raw: markdown.to_owned(),
            markdown: markdown::to_markdown(markdown),
            html: markdown::to_html(markdown),
            plain: markdown::to_plain(markdown),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct ExclusionView {
    pub justification: String,
    pub controls: Vec<String>,
    pub services: Vec<String>,
    pub pairs: usize,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct UpstreamView {
    pub id: String,
    pub title: String,
    pub fingerprint: String,
    pub pin: Option<String>,
    /// The party that stands for us there.
    pub party: String,
    pub taken: usize,
    pub total: usize,
    pub obligations: Vec<ObligationView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ObligationView {
    /// `upstream.service`.
    pub service: String,
    pub control: String,
    pub duty: String,
    pub title: String,
    /// Our letters in the upstream's duty.
    pub letters: String,
    pub taken: bool,
    /// Who of ours holds `A` in the take-up (empty while open).
    pub accountable: String,
    /// Every party of ours in the take-up, with its letters (`ops: RA, ciso: I`).
    pub assignments: String,
    /// The take-up's letters per party, in [`View::parties`] order ("" for none).
    pub letters_by_party: Vec<String>,
    pub evidence: Vec<String>,
    /// The control's title and domain as the upstream's catalog gives them.
    pub control_title: String,
    pub domain_title: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct FindingView {
    pub code: Code,
    pub severity: &'static str,
    pub message: String,
    pub location: String,
}

/// In a party's extract, the obligations whose take-up names the party or one of its teams.
fn concerns_takeup(model: &Model, extract: Option<usize>) -> impl Fn(&Obligation) -> bool + '_ {
    move |obligation: &Obligation| {
        let Some(of) = extract else {
            return true;
        };
        obligation.taken_by.is_some_and(|t| {
            model.duties[model.takeups[t].duty]
                .assignments
                .iter()
                .any(|a| match a.party {
                    crate::analyze::model::PartyRef::Party(p) => {
                        crate::published::is_or_belongs_to(model, p, of)
                    }
                    _ => false,
                })
        })
    }
}

/// The HTML ids and URL fragments of a document, each given once.
#[derive(Default)]
struct Anchors {
    used: HashSet<String>,
}

impl Anchors {
    /// `prefix-slug`, the slug being `id` in lower case with a dash for anything but a letter or
    /// a digit; ids that differ only there (`A.1` and `A-1`, `s-1` and `s_1`, `K-1` and `k-1`)
    /// would share it, so the second one and those after it get `-2`, `-3`, … (in the order
    /// the document lists them), whatever anchor that makes is not taken yet.
    fn anchor(&mut self, prefix: &str, id: &str) -> String {
        let slug: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let base = format!("{prefix}-{slug}");
        let mut anchor = base.clone();
        let mut n = 1;
        while !self.used.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        anchor
    }
}

fn side_label(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Provider => "CSP",
        PartyKind::Customer => "CSC",
        PartyKind::Partner => "partner",
    }
}

fn model_label(model: Option<ServiceModel>) -> (&'static str, &'static str) {
    match model {
        Some(ServiceModel::Iaas) => ("iaas", "IaaS"),
        Some(ServiceModel::Paas) => ("paas", "PaaS"),
        Some(ServiceModel::Saas) => ("saas", "SaaS"),
        None => ("", "unknown"),
    }
}

impl View {
    /// The view of the whole matrix, or with `extract` of what concerns one party (or team):
    /// the pairs where it or one of its teams holds a letter, and in them only those duties.
    pub(crate) fn build(
        model: &Model,
        graph: &ResponsibilityGraph,
        diagnostics: &[Diagnostic],
        sources: &Sources,
        extract: Option<usize>,
    ) -> View {
        let (mut view, mut maker) = View::outline(model, graph, diagnostics, sources, extract);
        for (index, domain) in view.domains.iter_mut().enumerate() {
            maker.fill(domain, index);
        }
        view
    }

    /// The view without its domains' controls (each domain has its title, anchor and whether
    /// it is omitted), and what makes them one domain at a time: a document written section by
    /// section holds one domain, not the whole matrix.
    pub(crate) fn outline<'a>(
        model: &'a Model,
        graph: &'a ResponsibilityGraph,
        diagnostics: &[Diagnostic],
        sources: &'a Sources,
        extract: Option<usize>,
    ) -> (View, DomainMaker<'a>) {
        let concerns = |node| {
            extract.is_none_or(|of| {
                graph
                    .assignments(node)
                    .iter()
                    .any(|&(party, _)| crate::published::is_or_belongs_to(model, party, of))
            })
        };
        let file_names: Vec<Rc<str>> = sources
            .iter()
            .map(|file| Rc::from(file.name.as_str()))
            .collect();
        let place = |span: crate::source::Span| {
            let at = sources.line_col(span);
            (Rc::clone(&file_names[span.file.0 as usize]), at.line)
        };
        let parties: Vec<PartyView> = model
            .parties
            .iter()
            .map(|party| PartyView {
                id: party.id.clone(),
                name: party.name.clone(),
                kind: party.kind.as_str(),
                team_of: party.team_of.map(|of| model.parties[of].id.clone()),
                side: side_label(party.kind),
            })
            .collect();
        // Sub-service organisations are listed apart: their pairs are not the matrix's scope.
        let in_scope: Vec<usize> = (0..model.services.len())
            .filter(|&s| !model.services[s].subservice)
            .collect();
        let mut anchors = Anchors::default();
        let service_anchors: Vec<String> = model
            .services
            .iter()
            .map(|service| anchors.anchor("service", &service.id))
            .collect();
        let domain_anchors: Vec<String> = model
            .domains
            .iter()
            .map(|domain| anchors.anchor("domain", &domain.id))
            .collect();
        let service_view = |index: usize| {
            let service = &model.services[index];
            let (model_word, label) = model_label(service.model);
            let party = |p: Option<usize>| p.map(|p| &model.parties[p]);
            ServiceView {
                id: service.id.clone(),
                name: service.name.clone(),
                model: model_word,
                model_label: label,
                provider: party(service.provider).map(|p| p.id.clone()),
                provider_name: party(service.provider).map(|p| p.name.clone()),
                customer: party(service.customer).map(|p| p.id.clone()),
                customer_name: party(service.customer).map(|p| p.name.clone()),
                regions: service.regions.clone(),
                anchor: service_anchors[index].clone(),
            }
        };
        let services: Vec<ServiceView> = in_scope.iter().map(|&s| service_view(s)).collect();
        let subservices: Vec<SubserviceView> = model
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.subservice)
            .map(|(index, _)| SubserviceView {
                service: service_view(index),
                used_by: model
                    .services
                    .iter()
                    .filter(|s| s.runs_on.contains(&index))
                    .map(|s| s.name.clone())
                    .collect(),
            })
            .collect();

        let mut pair_findings: HashMap<String, HashMap<String, Vec<String>>> = HashMap::new();
        for diagnostic in diagnostics {
            if let Some(pair) = &diagnostic.pair {
                pair_findings
                    .entry(pair.service.clone())
                    .or_default()
                    .entry(pair.control.clone())
                    .or_default()
                    .push(format!("{}: {}", diagnostic.code, diagnostic.message));
            }
        }

        let word_index = |o: Ownership| Ownership::ALL.iter().position(|w| *w == o).unwrap_or(0);
        let mut summary: Vec<DomainSummary> = model
            .domains
            .iter()
            .zip(&domain_anchors)
            .map(|(domain, anchor)| DomainSummary {
                id: domain.id.clone(),
                title: domain.title.clone(),
                anchor: anchor.clone(),
                counts: vec![0; Ownership::ALL.len()],
            })
            .collect();
        let mut summary_total = vec![0; Ownership::ALL.len()];
        let mut domains: Vec<DomainView> = model
            .domains
            .iter()
            .zip(domain_anchors)
            .map(|(domain, anchor)| DomainView {
                id: domain.id.clone(),
                title: domain.title.clone(),
                anchor,
                // Until one of its controls is shown.
                omitted: true,
                controls: Vec::new(),
            })
            .collect();
        let mut controls_of = vec![Vec::new(); model.domains.len()];
        let mut cloud_controls = Vec::new();
        let mut catalog_order = Vec::with_capacity(model.controls.len());
        let mut control_anchors = Vec::with_capacity(model.controls.len());
        let mut heat = vec![vec![[0; Ownership::ALL.len()]; in_scope.len()]; model.domains.len()];
        let mut duty_origins = OriginCounts::default();
        for (control_index, control) in model.controls.iter().enumerate() {
            catalog_order.push((control.domain, controls_of[control.domain].len()));
            controls_of[control.domain].push(control_index);
            for (position, &service_index) in in_scope.iter().enumerate() {
                let index = model.pair_index(service_index, control_index);
                let omitted =
                    extract.is_some() && !graph.pair_duties(index).any(|(node, _)| concerns(node));
                if !omitted {
                    let word = word_index(graph.ownership[index]);
                    summary[control.domain].counts[word] += 1;
                    summary_total[word] += 1;
                    heat[control.domain][position][word] += 1;
                    domains[control.domain].omitted = false;
                }
                for (_, duty) in graph.pair_duties(index).filter(|&(node, _)| concerns(node)) {
                    duty_origins.total += 1;
                    match model.duties[duty].origin {
                        Origin::Written => duty_origins.matrix += 1,
                        Origin::Baseline(_) => duty_origins.baseline += 1,
                        Origin::Inherited { .. } | Origin::Upstream(_) => {
                            duty_origins.inherited += 1;
                        }
                    }
                }
            }
            let control_anchor = anchors.anchor("control", &control.display);
            if control.id.starts_with("CLD.") && extract.is_none() {
                cloud_controls.push(CloudControlRow {
                    id: control.display.clone(),
                    title: control.title.clone(),
                    anchor: control_anchor.clone(),
                    cells: in_scope
                        .iter()
                        .map(|&s| graph.ownership[model.pair_index(s, control_index)].into())
                        .collect(),
                });
            }
            control_anchors.push(control_anchor);
        }
        let maker = DomainMaker {
            model,
            graph,
            extract,
            file_names: file_names.clone(),
            sources,
            in_scope,
            control_anchors,
            controls_of,
            pair_findings,
            notes: NoteCache::default(),
        };

        let exclusions = if extract.is_some() {
            Vec::new()
        } else {
            Self::exclusions(model, &place)
        };
        // The findings section says the matrix is not ready to sign: only errors make it so
        // (and `build` renders errors only with `--allow-gaps`).
        let has_errors = diagnostics
            .iter()
            .any(super::super::diagnostics::Diagnostic::is_error);
        let findings: Vec<FindingView> = diagnostics
            .iter()
            .filter(|_| has_errors)
            .map(|d| {
                let at = sources.line_col(d.span);
                FindingView {
                    code: d.code,
                    severity: d.severity().as_str(),
                    message: d.full_message(),
                    location: format!(
                        "{}:{}:{}",
                        sources.get(d.span.file).name,
                        at.line,
                        at.column
                    ),
                }
            })
            .collect();
        let upstreams = Self::upstreams(model, &concerns_takeup(model, extract));
        let gap_count = summary_total[word_index(Ownership::Conflict)]
            + summary_total[word_index(Ownership::Unowned)];
        let fingerprint = crate::published::fingerprint(model, graph);
        let view = View {
            generator: format!("srmc {}", env!("CARGO_PKG_VERSION")),
            matrix: MatrixView {
                extract_for: extract.map(|p| model.parties[p].id.clone()),
                title: model.header.title.clone(),
                version: model.header.version.clone(),
                effective: model.header.effective.clone(),
                scope: model.header.scope.clone(),
                catalogs: model.header.catalogs.clone(),
                short_fingerprint: fingerprint.chars().take(16).collect(),
                fingerprint,
                document: model.header.document.clone(),
            },
            parties,
            services,
            subservices,
            ownership_words: Ownership::ALL.iter().map(|o| (*o).into()).collect(),
            summary,
            summary_total,
            cloud_controls,
            heat,
            duty_origins,
            domains,
            exclusions,
            upstreams,
            findings,
            gap_count,
            catalog_order,
        };
        (view, maker)
    }

    /// Every pair in catalog order within service order, as the spec orders them, with its
    /// service, domain and control.
    pub(crate) fn pairs_in_order(
        &self,
    ) -> impl Iterator<Item = (&ServiceView, &DomainView, &ControlView, &PairView)> {
        (0..self.services.len()).flat_map(move |index| self.pairs_of(index))
    }

    /// The pairs of the service at `index` of [`View::services`], in catalog order.
    pub(crate) fn pairs_of(
        &self,
        index: usize,
    ) -> impl Iterator<Item = (&ServiceView, &DomainView, &ControlView, &PairView)> {
        let service = &self.services[index];
        self.catalog_order
            .iter()
            .map(move |&(domain, position)| {
                let domain = &self.domains[domain];
                let control = &domain.controls[position];
                (service, domain, control, &control.pairs[index])
            })
            .filter(|(_, _, _, pair)| !pair.omitted)
    }

    /// Each upstream with its obligations (those `keep` keeps), in the order the upstream lists
    /// them.
    fn upstreams(model: &Model, keep: &dyn Fn(&Obligation) -> bool) -> Vec<UpstreamView> {
        use crate::analyze::model::PartyRef;
        model
            .upstreams
            .iter()
            .enumerate()
            .filter_map(|(index, upstream)| {
                let published = upstream.published.as_ref()?;
                let obligations: Vec<ObligationView> = model
                    .obligations
                    .iter()
                    .filter(|o| o.upstream == index && keep(o))
                    .map(|o| {
                        let takeup = o.taken_by.map(|t| &model.duties[model.takeups[t].duty]);
                        let named = |party| upstream.party_name(model, party).to_owned();
                        let mut letters_by_party = vec![String::new(); model.parties.len()];
                        for assignment in takeup.iter().flat_map(|def| &def.assignments) {
                            if let PartyRef::Party(p) = assignment.party {
                                letters_by_party[p] = assignment.letters.to_string();
                            }
                        }
                        let control = published.controls.iter().find(|c| c.id == o.control);
                        let (accountable, assignments, evidence) = match takeup {
                            Some(def) => (
                                def.assignments
                                    .iter()
                                    .filter(|a| a.letters.contains(crate::analyze::model::Raci::A))
                                    .map(|a| named(a.party))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                def.assignments
                                    .iter()
                                    .map(|a| format!("{}: {}", named(a.party), a.letters))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                def.evidence.clone(),
                            ),
                            None => (String::new(), String::new(), Vec::new()),
                        };
                        ObligationView {
                            service: format!("{}.{}", upstream.id, o.service),
                            control: o.control.clone(),
                            duty: o.duty.clone(),
                            title: o.title.clone(),
                            letters: o.letters.clone(),
                            taken: takeup.is_some(),
                            accountable,
                            assignments,
                            letters_by_party,
                            evidence,
                            control_title: control
                                .map_or_else(String::new, |c| c.title.to_string()),
                            domain_title: control
                                .map_or_else(String::new, |c| c.domain_title.to_string()),
                        }
                    })
                    .collect();
                Some(UpstreamView {
                    id: upstream.id.clone(),
                    title: published.matrix.title.to_string(),
                    fingerprint: published.matrix.fingerprint.to_string(),
                    pin: upstream.pin.clone(),
                    party: upstream.party_id.clone(),
                    taken: obligations.iter().filter(|o| o.taken).count(),
                    total: obligations.len(),
                    obligations,
                })
            })
            .collect()
    }

    /// Each exclusion with the controls and services of the pairs it decides.
    fn exclusions(
        model: &Model,
        place: &dyn Fn(crate::source::Span) -> (Rc<str>, usize),
    ) -> Vec<ExclusionView> {
        let mut decided: Vec<(Vec<bool>, Vec<bool>, usize)> = vec![
            (
                vec![false; model.controls.len()],
                vec![false; model.services.len()],
                0
            );
            model.exclusions.len()
        ];
        for pair in model
            .pairs
            .iter()
            .filter(|p| !model.services[p.service].subservice)
        {
            if let Some(exclusion) = pair.exclusion {
                let entry = &mut decided[exclusion];
                entry.0[pair.control] = true;
                entry.1[pair.service] = true;
                entry.2 += 1;
            }
        }
        model
            .exclusions
            .iter()
            .zip(decided)
            .filter(|(_, (_, _, pairs))| *pairs > 0)
            .map(|(exclusion, (controls, services, pairs))| ExclusionView {
                justification: exclusion.justification.clone(),
                controls: controls
                    .iter()
                    .enumerate()
                    .filter(|(_, on)| **on)
                    .map(|(c, _)| model.controls[c].display.clone())
                    .collect(),
                services: services
                    .iter()
                    .enumerate()
                    .filter(|(_, on)| **on)
                    .map(|(s, _)| model.services[s].id.clone())
                    .collect(),
                pairs,
                source: {
                    let (file, line) = place(exclusion.span);
                    format!("{file}:{line}")
                },
            })
            .collect()
    }
}

/// Makes the controls of one domain of the view (see [`View::outline`]).
pub(crate) struct DomainMaker<'a> {
    model: &'a Model,
    graph: &'a ResponsibilityGraph,
    extract: Option<usize>,
    sources: &'a Sources,
    file_names: Vec<Rc<str>>,
    /// The services whose pairs are shown (sub-service organisations are not).
    in_scope: Vec<usize>,
    control_anchors: Vec<String>,
    /// The controls of each domain, in catalog order.
    controls_of: Vec<Vec<usize>>,
    /// Messages of the findings about a pair, by service id and control.
    pair_findings: HashMap<String, HashMap<String, Vec<String>>>,
    notes: NoteCache<'a>,
}

impl DomainMaker<'_> {
    /// Gives `domain` (the outline's domain at `index`) its controls and their pairs.
    pub(crate) fn fill(&mut self, domain: &mut DomainView, index: usize) {
        let (model, graph, extract) = (self.model, self.graph, self.extract);
        let concerns = |node| {
            extract.is_none_or(|of| {
                graph
                    .assignments(node)
                    .iter()
                    .any(|&(party, _)| crate::published::is_or_belongs_to(model, party, of))
            })
        };
        let controls = std::mem::take(&mut self.controls_of[index]);
        domain.controls.reserve(controls.len());
        for control_index in controls {
            let control = &model.controls[control_index];
            let mut pairs = Vec::with_capacity(self.in_scope.len());
            for position in 0..self.in_scope.len() {
                let service_index = self.in_scope[position];
                let service = &model.services[service_index];
                let pair_index = model.pair_index(service_index, control_index);
                let pair = &model.pairs[pair_index];
                let omitted = extract.is_some()
                    && !graph
                        .pair_duties(pair_index)
                        .any(|(node, _)| concerns(node));
                let duties = graph
                    .pair_duties(pair_index)
                    .filter(|&(node, _)| concerns(node))
                    .map(|(node, duty)| {
                        let def = &model.duties[duty];
                        let mut letters = vec![String::new(); model.parties.len()];
                        for (party, raci) in graph.assignments(node) {
                            letters[party] = raci.to_string();
                        }
                        let at = self.sources.line_col(def.head);
                        DutyView {
                            reference: format!("{}/{}", control.display, def.id),
                            id: def.id.clone(),
                            title: def.title.clone(),
                            letters,
                            evidence: def.evidence.clone(),
                            notes: def.notes.iter().map(|n| self.notes.view(n)).collect(),
                            file: Rc::clone(&self.file_names[def.head.file.0 as usize]),
                            line: at.line,
                            origin: DutyOrigin::of(def.origin, model),
                        }
                    })
                    .collect();
                let findings = self
                    .pair_findings
                    .get_mut(service.id.as_str())
                    .and_then(|of_service| of_service.remove(control.display.as_str()))
                    .unwrap_or_default();
                pairs.push(PairView {
                    inherited_from: pair
                        .inherit
                        .map(|i| model.services[model.inherits[i].from].name.clone()),
                    service: service.id.clone(),
                    service_name: service.name.clone(),
                    control: control.display.clone(),
                    domain: model.domains[control.domain].id.clone(),
                    ownership: graph.ownership[pair_index].into(),
                    exclusion: pair
                        .exclusion
                        .filter(|_| extract.is_none())
                        .map(|e| model.exclusions[e].justification.clone()),
                    // A control's notes are the matrix's, not about one party's duties.
                    notes: if extract.is_some() {
                        Vec::new()
                    } else {
                        pair.notes.iter().map(|n| self.notes.view(n)).collect()
                    },
                    omitted,
                    duties,
                    findings,
                });
            }
            domain.controls.push(ControlView {
                id: control.display.clone(),
                title: control.title.clone(),
                anchor: std::mem::take(&mut self.control_anchors[control_index]),
                omitted: pairs.iter().all(|p| p.omitted),
                pairs,
            });
        }
    }
}
