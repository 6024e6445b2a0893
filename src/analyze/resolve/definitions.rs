//! The definitions, bound to names: the header, the catalogs and their controls, the parties
//! and teams, the services with their models, baselines and `runs-on`. Each name defined twice,
//! each value out of range is reported here; what is left fills [`Names`] for the blocks.

use std::collections::HashMap;

use super::{closest, did_you_mean, Names, ResolvedHeader, Resolver};
use crate::analyze::model::*;
use crate::catalog;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Sources, Span};
use crate::syntax::ast;

/// The words a service model may be.
const MODELS: [&str; 3] = ["iaas", "paas", "saas"];

impl Resolver {
    /// A word that should be a service model: E109 with a hint (or `otherwise`) if it is not.
    fn service_model(&mut self, word: &ast::Name, otherwise: &str) -> Option<ServiceModel> {
        let model = ServiceModel::parse(&word.value);
        if model.is_none() {
            self.error(
                Diagnostic::new(
                    Code::E109,
                    word.span,
                    format!("`{}` is not a service model", word.value),
                )
                .label("unknown model")
                .help(did_you_mean(
                    closest(&word.value, MODELS.into_iter()),
                    otherwise,
                )),
            );
        }
        model
    }

    /// E109 unless `date` is a day of the calendar.
    pub(super) fn calendar_date(&mut self, date: &ast::Spanned<String>) {
        if !is_calendar_date(&date.value) {
            self.error(
                Diagnostic::new(
                    Code::E109,
                    date.span,
                    format!("`{}` is not a calendar date", date.value),
                )
                .label("no such day")
                .help("dates are YYYY-MM-DD and must exist in the calendar"),
            );
        }
    }

    pub(super) fn duplicate(&mut self, what: &str, name: &ast::Name, first: Span) {
        self.error(
            Diagnostic::new(
                Code::E104,
                name.span,
                format!("{what} `{}` is defined twice", name.value),
            )
            .label("second definition")
            .related(first, "first defined here")
            .help(format!("rename one of them or remove the second {what}")),
        );
    }

    /// The baselines written in the matrix and the built-in ones its services use, in that order.
    pub(super) fn baselines(
        &mut self,
        written: &[&ast::Baseline],
        services: &[&ast::Service],
        sources: &mut Sources,
    ) -> (Vec<ast::Baseline>, Vec<BaselineDef>) {
        let mut asts: Vec<ast::Baseline> = Vec::new();
        let mut defs: Vec<BaselineDef> = Vec::new();
        for baseline in written {
            if catalog::builtin_baseline(&baseline.id.value).is_some() {
                self.error(
                    Diagnostic::new(
                        Code::E104,
                        baseline.id.span,
                        format!("baseline `{}` is built in", baseline.id.value),
                    )
                    .label("redefines a built-in baseline")
                    .help("give your baseline another id, and `use` both if you want both"),
                );
                continue;
            }
            if let Some(first) = defs.iter().find(|d| d.id == baseline.id.value) {
                self.duplicate("baseline", &baseline.id, first.span);
                continue;
            }
            defs.push(BaselineDef {
                span: baseline.id.span,
                id: baseline.id.value.clone(),
                title: baseline.title.value.clone(),
                builtin: false,
            });
            asts.push((*baseline).clone());
        }
        let used = services
            .iter()
            .flat_map(|s| &s.fields)
            .filter_map(|f| match f {
                ast::ServiceField::Use(names) => Some(names),
                _ => None,
            });
        for name in used.flatten() {
            if defs.iter().any(|d| d.id == name.value) {
                continue;
            }
            if let Some(builtin) = catalog::builtin_baseline(&name.value) {
                let baseline = builtin.load(sources);
                defs.push(BaselineDef {
                    span: baseline.id.span,
                    id: baseline.id.value.clone(),
                    title: baseline.title.value.clone(),
                    builtin: true,
                });
                asts.push(baseline);
            }
        }
        (asts, defs)
    }

    /// `runs-on` between services: E207 for a cycle.
    pub(super) fn runs_on(&mut self, services: &mut [Service]) {
        let mut graph = petgraph::graphmap::DiGraphMap::<usize, ()>::new();
        for (index, service) in services.iter().enumerate() {
            graph.add_node(index);
            for &target in &service.runs_on {
                graph.add_edge(index, target, ());
            }
        }
        for component in petgraph::algo::tarjan_scc(&graph) {
            let cyclic = component.len() > 1 || graph.contains_edge(component[0], component[0]);
            if !cyclic {
                continue;
            }
            let mut members = component.clone();
            members.sort_unstable();
            let names: Vec<String> = members
                .iter()
                .map(|&m| format!("`{}`", services[m].id))
                .collect();
            let first = &services[members[0]];
            self.error(
                Diagnostic::new(
                    Code::E207,
                    first.span,
                    format!("`runs-on` cycle between {}", names.join(", ")),
                )
                .label("runs on itself through the others")
                .help("a service runs on the services below it; remove one `runs-on` so the chain ends"),
            );
            // Drop the cycle so that inheritance can still be ordered.
            for &member in &members {
                services[member].runs_on.retain(|t| !members.contains(t));
            }
        }
    }

    pub(super) fn header(
        &mut self,
        root: FileId,
        headers: &[&ast::MatrixHeader],
        sources: &Sources,
    ) -> Option<ResolvedHeader> {
        let Some((first, others)) = headers.split_first() else {
            let at = Span::new(root, 0, 0);
            let empty = sources.get(root).text.trim().is_empty();
            let message = if empty {
                "the file is empty: a matrix needs a `matrix` header"
            } else {
                "no `matrix` header: every matrix has exactly one"
            };
            self.whole_matrix_error(
                Diagnostic::new(Code::E001, at, message)
                    .label("header expected")
                    .help("start the file with\n  matrix \"Title\" {\n    version   \"1.0.0\"\n    effective 2026-01-01\n    catalog   iso27017\n  }"),
            );
            return None;
        };
        if first.span.file != root {
            self.whole_matrix_error(
                Diagnostic::new(
                    Code::E001,
                    first.span,
                    "the `matrix` header is in an imported file",
                )
                .label("header outside the root file")
                .help(format!(
                    "move it into `{}`, the file given on the command line: a matrix is compiled from the file that holds its header",
                    sources.get(root).name
                )),
            );
        }
        for other in others {
            self.error(
                Diagnostic::new(Code::E104, other.span, "a second `matrix` header")
                    .label("second header")
                    .related(first.span, "first header")
                    .help("a compiled matrix has exactly one header; imported files hold parties, services, catalogs and control blocks only"),
            );
        }
        let mut version = None;
        let mut effective = None;
        let mut catalog_names: Option<&Vec<ast::Name>> = None;
        let mut scope = None;
        let mut document = DocumentControl::default();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for field in &first.fields {
            let span = match field {
                ast::MatrixField::Version(v)
                | ast::MatrixField::Scope(v)
                | ast::MatrixField::Document(_, v)
                | ast::MatrixField::ReviewBy(v)
                | ast::MatrixField::Effective(v) => v.span,
                ast::MatrixField::Catalogs(list) => list[0].span,
                ast::MatrixField::History { version, .. } => version.span,
            };
            if let ast::MatrixField::History {
                version,
                date,
                summary,
            } = field
            {
                // One line per earlier version: the only header field given more than once.
                self.calendar_date(date);
                document.history.push(HistoryEntry {
                    version: version.value.clone(),
                    date: date.value.clone(),
                    summary: summary.value.clone(),
                });
                continue;
            }
            if let Some(earlier) = seen.insert(field.keyword(), span) {
                self.error(
                    Diagnostic::new(
                        Code::E104,
                        span,
                        format!("`{}` is given twice in the header", field.keyword()),
                    )
                    .label("second value")
                    .related(earlier, "first value")
                    .help(if field.keyword() == "catalog" {
                        "keep one; list several catalogs on one line, separated by commas"
                    } else {
                        "keep one; only `history` lines may be repeated, one per earlier version"
                    }),
                );
                continue;
            }
            match field {
                ast::MatrixField::Version(v) => version = Some(v.value.clone()),
                ast::MatrixField::Scope(v) => scope = Some(v.value.clone()),
                ast::MatrixField::Effective(date) => {
                    self.calendar_date(date);
                    effective = Some(date.value.clone());
                }
                ast::MatrixField::Catalogs(list) => catalog_names = Some(list),
                ast::MatrixField::Document(which, v) => {
                    let slot = match which {
                        ast::DocumentField::Agreement => &mut document.agreement,
                        ast::DocumentField::Owner => &mut document.owner,
                        ast::DocumentField::Approver => &mut document.approver,
                        ast::DocumentField::Classification => &mut document.classification,
                        ast::DocumentField::Supersedes => &mut document.supersedes,
                    };
                    *slot = Some(v.value.clone());
                }
                ast::MatrixField::ReviewBy(date) => {
                    self.calendar_date(date);
                    document.review_by = Some(date.value.clone());
                }
                ast::MatrixField::History { .. } => {}
            }
        }
        for (keyword, example) in [
            ("version", "version \"1.0.0\""),
            ("effective", "effective 2026-01-01"),
            ("catalog", "catalog iso27017"),
        ] {
            if !seen.contains_key(keyword) {
                self.whole_matrix_error(
                    Diagnostic::new(
                        Code::E001,
                        first.title.span,
                        format!("the matrix header has no `{keyword}`"),
                    )
                    .label(format!("`{keyword}` missing in this header"))
                    .help(format!("add a line `{example}` to the header")),
                );
            }
        }
        Some(ResolvedHeader {
            model: Header {
                span: first.span,
                title: first.title.value.clone(),
                version: version.unwrap_or_default(),
                effective: effective.unwrap_or_default(),
                scope,
                catalogs: Vec::new(),
                document,
            },
            catalogs: catalog_names.cloned().unwrap_or_default(),
        })
    }

    pub(super) fn catalogs(
        &mut self,
        header: &ResolvedHeader,
        defined: &[&ast::Catalog],
        sources: &mut Sources,
        names: &mut Names,
    ) -> (Vec<Catalog>, Vec<Domain>, Vec<Control>) {
        let mut by_id: HashMap<&str, &ast::Catalog> = HashMap::new();
        for catalog in defined {
            if catalog::builtin(&catalog.id.value).is_some() {
                self.error(
                    Diagnostic::new(
                        Code::E104,
                        catalog.id.span,
                        format!("catalog `{}` is built in", catalog.id.value),
                    )
                    .label("redefines a built-in catalog")
                    .help(
                        "give your own catalog another id; `srmc catalog` lists the built-in ones",
                    ),
                );
                continue;
            }
            if let Some(first) = by_id.insert(&catalog.id.value, catalog) {
                self.duplicate("catalog", &catalog.id, first.id.span);
            }
        }

        let mut builtins = Vec::new();
        let mut catalogs = Vec::new();
        let mut domains = Vec::new();
        let mut controls: Vec<Control> = Vec::new();
        for name in &header.catalogs {
            if names.catalogs.contains_key(&name.value) {
                self.error(
                    Diagnostic::new(
                        Code::E104,
                        name.span,
                        format!("catalog `{}` is listed twice", name.value),
                    )
                    .label("listed again")
                    .help("list each catalog once"),
                );
                continue;
            }
            let (definition, builtin) = match by_id.get(name.value.as_str()) {
                Some(definition) => (*definition, false),
                None => match catalog::builtin(&name.value) {
                    Some(builtin) => {
                        let (_, definition) = builtin.load(sources);
                        builtins.push(definition);
                        (builtins.last().expect("just pushed"), true)
                    }
                    None => {
                        let known = catalog::BUILTIN
                            .iter()
                            .map(|b| b.id)
                            .chain(by_id.keys().copied());
                        let hint = did_you_mean(
                            closest(&name.value, known),
                            "declare it with `catalog ID \"Title\" { … }` or use a built-in one (`srmc catalog` lists them)",
                        );
                        self.whole_matrix_error(
                            Diagnostic::new(
                                Code::E105,
                                name.span,
                                format!("unknown catalog `{}`", name.value),
                            )
                            .label("no such catalog")
                            .help(hint),
                        );
                        continue;
                    }
                },
            };
            let catalog_index = catalogs.len();
            names.catalogs.insert(name.value.clone(), catalog_index);
            catalogs.push(Catalog {
                span: definition.span,
                id: definition.id.value.clone(),
                title: definition.title.value.clone(),
                builtin,
            });
            let mut domain_ids: HashMap<&str, (DomainIdx, Span)> = HashMap::new();
            for domain in &definition.domains {
                if let Some((_, first)) = domain_ids.get(domain.id.value.as_str()) {
                    self.duplicate("domain", &domain.id, *first);
                    continue;
                }
                domain_ids.insert(&domain.id.value, (domains.len(), domain.id.span));
                domains.push(Domain {
                    catalog: catalog_index,
                    id: domain.id.value.clone(),
                    title: domain.title.value.clone(),
                });
            }
            let mut control_ids: HashMap<&str, Span> = HashMap::new();
            for control in &definition.controls {
                if let Some(first) = control_ids.insert(&control.id.value, control.id.span) {
                    self.duplicate("control", &control.id, first);
                    continue;
                }
                let Some(&(domain, _)) = domain_ids.get(control.domain.value.as_str()) else {
                    let hint = did_you_mean(
                        closest(&control.domain.value, domain_ids.keys().copied()),
                        format!(
                            "declare it in the catalog first: `domain {} \"Title\"`",
                            control.domain.value
                        ),
                    );
                    self.error(
                        Diagnostic::new(
                            Code::E109,
                            control.domain.span,
                            format!(
                                "catalog `{}` declares no domain `{}`",
                                definition.id.value, control.domain.value
                            ),
                        )
                        .label("unknown domain")
                        .help(hint),
                    );
                    continue;
                };
                let reach = control.reach.as_ref().map(|models| {
                    models
                        .iter()
                        .filter_map(|model| {
                            self.service_model(
                                model,
                                "`reach` lists service models: `iaas`, `paas`, `saas`",
                            )
                        })
                        .collect()
                });
                names
                    .controls
                    .entry(control.id.value.clone())
                    .or_default()
                    .push(controls.len());
                controls.push(Control {
                    span: control.span,
                    catalog: catalog_index,
                    domain,
                    id: control.id.value.clone(),
                    display: control.id.value.clone(),
                    title: control.title.value.clone(),
                    reach,
                });
            }
        }
        for indices in names.controls.values() {
            if indices.len() > 1 {
                for &index in indices {
                    let control = &mut controls[index];
                    control.display = format!("{}::{}", catalogs[control.catalog].id, control.id);
                }
            }
        }
        (catalogs, domains, controls)
    }

    /// The parties, each followed by its teams (renderings show a team under its party).
    pub(super) fn parties<'a>(
        &mut self,
        defined: &[&'a ast::Party],
        teams: &[&'a ast::Team],
        names: &mut Names<'a>,
    ) -> Vec<Party> {
        let mut parties = Vec::new();
        for party in defined {
            if matches!(party.id.value.as_str(), "provider" | "customer") {
                self.error(
                    Diagnostic::new(
                        Code::E109,
                        party.id.span,
                        format!("`{}` is a role keyword and cannot be a party id", party.id.value),
                    )
                    .label("role keyword")
                    .help("name the party after the organisation, e.g. `party acme provider \"Acme Cloud Ltd\"`"),
                );
                continue;
            }
            let Some(kind) = PartyKind::parse(&party.kind.value) else {
                self.error(
                    Diagnostic::new(
                        Code::E109,
                        party.kind.span,
                        format!("`{}` is not a party kind", party.kind.value),
                    )
                    .label("unknown kind")
                    .help(did_you_mean(
                        closest(&party.kind.value, ["provider", "customer", "partner"].into_iter()),
                        "a party is a `provider` (CSP side), a `customer` (CSC side) or a `partner` (auditor, broker, integrator; on neither side)",
                    )),
                );
                continue;
            };
            if let Some(&first) = names.parties.get(party.id.value.as_str()) {
                let first_span: Span = parties.get(first).map_or(party.id.span, |p: &Party| p.span);
                self.duplicate("party", &party.id, first_span);
                continue;
            }
            names.parties.insert(&party.id.value, parties.len());
            parties.push(Party {
                span: party.id.span,
                id: party.id.value.clone(),
                name: party.name.value.clone(),
                kind,
                team_of: None,
                upstream: None,
            });
        }
        let declared = parties.len();
        for team in teams {
            if let Some(&first) = names.parties.get(team.id.value.as_str()) {
                let first_span = parties[first].span;
                self.duplicate("party or team", &team.id, first_span);
                continue;
            }
            let Some(&of) = names.parties.get(team.party.value.as_str()) else {
                let hint = did_you_mean(
                    closest(&team.party.value, names.parties.keys().copied()),
                    "a team belongs to a party declared with `party`",
                );
                self.whole_matrix_error(
                    Diagnostic::new(
                        Code::E101,
                        team.party.span,
                        format!("unknown party `{}`", team.party.value),
                    )
                    .label("no such party")
                    .help(hint),
                );
                continue;
            };
            if parties[of].team_of.is_some() {
                self.error(
                    Diagnostic::new(
                        Code::E109,
                        team.party.span,
                        format!("`{}` is a team; a team belongs to a party", team.party.value),
                    )
                    .label("a team")
                    .help("name the party the teams belong to: `team iam \"Identity team\" of globex`"),
                );
                continue;
            }
            names.parties.insert(&team.id.value, parties.len());
            parties.push(Party {
                span: team.id.span,
                id: team.id.value.clone(),
                name: team.name.value.clone(),
                kind: parties[of].kind,
                team_of: Some(of),
                upstream: None,
            });
        }
        // Each party, then its teams.
        let mut order: Vec<PartyIdx> = Vec::with_capacity(parties.len());
        for party in 0..declared {
            order.push(party);
            order.extend((declared..parties.len()).filter(|&t| parties[t].team_of == Some(party)));
        }
        let mut place = vec![0; parties.len()];
        for (new, &old) in order.iter().enumerate() {
            place[old] = new;
        }
        let mut grouped: Vec<Party> = order.iter().map(|&old| parties[old].clone()).collect();
        for party in &mut grouped {
            party.team_of = party.team_of.map(|of| place[of]);
        }
        for index in names.parties.values_mut() {
            *index = place[*index];
        }
        grouped
    }

    pub(super) fn party_of_kind(
        &mut self,
        name: &ast::Name,
        kind: PartyKind,
        role: &str,
        parties: &[Party],
        names: &Names,
    ) -> Option<PartyIdx> {
        let Some(&index) = names.parties.get(name.value.as_str()) else {
            let hint = did_you_mean(
                closest(&name.value, names.parties.keys().copied()),
                format!(
                    "declare it: `party {} {} \"Name\"`",
                    name.value,
                    kind.as_str()
                ),
            );
            self.whole_matrix_error(
                Diagnostic::new(
                    Code::E101,
                    name.span,
                    format!("unknown party `{}`", name.value),
                )
                .label("no such party")
                .help(hint),
            );
            return None;
        };
        if parties[index].team_of.is_some() {
            self.error(
                Diagnostic::new(
                    Code::E109,
                    name.span,
                    format!("`{}` is a team and cannot be a service's {role}", name.value),
                )
                .label("a team")
                .related(parties[index].span, "declared here")
                .help("a service's provider and customer are parties; their teams hold letters in duties"),
            );
            return None;
        }
        if parties[index].kind != kind {
            self.error(
                Diagnostic::new(
                    Code::E109,
                    name.span,
                    format!(
                        "`{}` is a {} party and cannot be a service's {role}",
                        name.value,
                        parties[index].kind.as_str()
                    ),
                )
                .label(format!("not a {}", kind.as_str()))
                .related(parties[index].span, "declared here")
                .help(format!(
                    "a service's {role} is a party of kind `{}`",
                    kind.as_str()
                )),
            );
            return None;
        }
        Some(index)
    }

    /// The services, and each `runs-on` name of an upstream's service (`nimbus.claims`) with
    /// the service that names it: those are resolved once the upstreams are loaded.
    pub(super) fn services<'a>(
        &mut self,
        defined: &[&'a ast::Service],
        parties: &[Party],
        baselines: &[BaselineDef],
        names: &mut Names<'a>,
    ) -> (Vec<Service>, Vec<(ServiceIdx, ast::Name)>) {
        let customers: Vec<PartyIdx> = (0..parties.len())
            .filter(|&p| parties[p].kind == PartyKind::Customer)
            .collect();
        let mut services = Vec::new();
        for service in defined {
            if let Some(&first) = names.services.get(service.id.value.as_str()) {
                let first_span = services
                    .get(first)
                    .map_or(service.id.span, |s: &Service| s.span);
                self.duplicate("service", &service.id, first_span);
                continue;
            }
            let mut model = None;
            let mut provider = None;
            let mut customer = None;
            let mut regions = Vec::new();
            let mut uses = Vec::new();
            let mut use_names: Vec<Span> = Vec::new();
            let mut use_failed = false;
            let subservice = service
                .fields
                .iter()
                .any(|f| matches!(f, ast::ServiceField::Subservice(_)));
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for field in &service.fields {
                let span = match field {
                    ast::ServiceField::Model(n)
                    | ast::ServiceField::Provider(n)
                    | ast::ServiceField::Customer(n) => n.span,
                    ast::ServiceField::Regions(list)
                    | ast::ServiceField::Use(list)
                    | ast::ServiceField::RunsOn(list) => list[0].span,
                    ast::ServiceField::Subservice(span) => *span,
                };
                if let Some(first) = seen.insert(field.keyword(), span) {
                    self.error(
                        Diagnostic::new(
                            Code::E104,
                            span,
                            format!(
                                "`{}` is given twice for service `{}`",
                                field.keyword(),
                                service.id.value
                            ),
                        )
                        .label("second value")
                        .related(first, "first value")
                        .help("keep one; list several regions on one line, separated by commas"),
                    );
                    continue;
                }
                match field {
                    ast::ServiceField::Model(word) => {
                        model = self
                            .service_model(word, "the service model is `iaas`, `paas` or `saas`");
                    }
                    ast::ServiceField::Provider(name) => {
                        provider = self.party_of_kind(
                            name,
                            PartyKind::Provider,
                            "provider",
                            parties,
                            names,
                        );
                    }
                    ast::ServiceField::Customer(name) => {
                        // A sub-service's customer is the service built on it: often a
                        // provider party.
                        let is_provider = names
                            .parties
                            .get(name.value.as_str())
                            .is_some_and(|&p| parties[p].kind == PartyKind::Provider);
                        let kind = if subservice && is_provider {
                            PartyKind::Provider
                        } else {
                            PartyKind::Customer
                        };
                        customer = self.party_of_kind(name, kind, "customer", parties, names);
                    }
                    ast::ServiceField::Regions(list) => {
                        regions = list.iter().map(|r| r.value.clone()).collect();
                    }
                    ast::ServiceField::Use(list) => {
                        for name in list {
                            match baselines.iter().position(|b| b.id == name.value) {
                                Some(index) if !uses.contains(&index) => {
                                    uses.push(index);
                                    use_names.push(name.span);
                                }
                                Some(index) => {
                                    let first = uses
                                        .iter()
                                        .position(|&u| u == index)
                                        .map(|at| use_names[at]);
                                    let mut diagnostic = Diagnostic::new(
                                        Code::E104,
                                        name.span,
                                        format!(
                                            "baseline `{}` is named twice in this `use`",
                                            name.value
                                        ),
                                    )
                                    .label("named again")
                                    .help("each baseline of a `use` is one level, set by its first place; remove the repeat");
                                    if let Some(first) = first {
                                        diagnostic = diagnostic.related(first, "first named here");
                                    }
                                    self.error(diagnostic);
                                }
                                None => {
                                    use_failed = true;
                                    let known = baselines
                                        .iter()
                                        .map(|b| b.id.as_str())
                                        .chain(catalog::BASELINES.iter().map(|b| b.id));
                                    let hint = did_you_mean(
                                        closest(&name.value, known),
                                        "declare it with `baseline ID \"Title\" { … }`, or use a built-in one: std-iaas, std-paas, std-saas",
                                    );
                                    self.whole_matrix_error(
                                        Diagnostic::new(
                                            Code::E209,
                                            name.span,
                                            format!("unknown baseline `{}`", name.value),
                                        )
                                        .label("no such baseline")
                                        .help(hint),
                                    );
                                }
                            }
                        }
                    }
                    // Resolved once every service is known.
                    ast::ServiceField::RunsOn(_) | ast::ServiceField::Subservice(_) => {}
                }
            }
            for (keyword, example) in [("model", "model saas"), ("provider", "provider acme")] {
                if !seen.contains_key(keyword) {
                    self.error(
                        Diagnostic::new(
                            Code::E109,
                            service.id.span,
                            format!("service `{}` has no `{keyword}`", service.id.value),
                        )
                        .label(format!("`{keyword}` missing"))
                        .help(format!("add a line `{example}` to the service")),
                    );
                }
            }
            if !seen.contains_key("customer") {
                match customers[..] {
                    [only] => customer = Some(only),
                    _ => self.whole_matrix_error(
                        Diagnostic::new(
                            Code::E109,
                            service.id.span,
                            format!(
                                "service `{}` names no customer, and the matrix declares {} customer parties",
                                service.id.value,
                                customers.len()
                            ),
                        )
                        .label("`customer` missing")
                        .help("a service may leave out `customer` only when exactly one customer party is declared; add `customer PARTY`"),
                    ),
                }
            }
            names.services.insert(&service.id.value, services.len());
            services.push(Service {
                span: service.id.span,
                id: service.id.value.clone(),
                name: service.name.value.clone(),
                model,
                provider,
                customer,
                regions,
                uses,
                runs_on: Vec::new(),
                subservice,
                use_failed,
                upstream: None,
            });
        }
        let mut upstream_runs_on = Vec::new();
        for service in defined {
            let Some(&index) = names.services.get(service.id.value.as_str()) else {
                continue;
            };
            if services[index].span.key() != service.id.span.key() {
                continue;
            }
            for field in &service.fields {
                if let ast::ServiceField::RunsOn(list) = field {
                    let (upstream, local): (Vec<&ast::Name>, Vec<&ast::Name>) =
                        list.iter().partition(|name| name.value.contains('.'));
                    let local: Vec<ast::Name> = local.into_iter().cloned().collect();
                    let (targets, _) = self.service_list(&local, names);
                    services[index].runs_on = targets;
                    upstream_runs_on.extend(upstream.into_iter().map(|name| (index, name.clone())));
                }
            }
        }
        (services, upstream_runs_on)
    }
}

/// A calendar date `YYYY-MM-DD` (the grammar has already checked the shape).
pub(super) fn is_calendar_date(text: &str) -> bool {
    let mut parts = text.split('-').map(|part| part.parse::<u32>().ok());
    let (Some(Some(year)), Some(Some(month)), Some(Some(day))) =
        (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::is_calendar_date;

    #[test]
    fn calendar_dates() {
        assert!(is_calendar_date("2024-02-29"));
        assert!(!is_calendar_date("2026-02-29"));
        assert!(!is_calendar_date("2026-02-30"));
        assert!(!is_calendar_date("2026-13-01"));
        assert!(!is_calendar_date("2026-04-31"));
        assert!(is_calendar_date("2000-02-29"));
        assert!(!is_calendar_date("1900-02-29"));
    }
}
