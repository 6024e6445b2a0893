//! Names → indices, patterns → controls, blocks → pairs, precedence → the duties of each pair.

use std::collections::HashMap;

use super::load::Loaded;
use super::model::*;
use crate::catalog;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Sources, Span};
use crate::syntax::ast;

/// Builds the model. With errors in the input the model is still built as far as it goes, so
/// that the checks can report what else is wrong; `None` only when there is no matrix header.
///
/// `complete` is false when some file had syntax errors, so that items are missing: then the
/// findings that a missing item could cause (unknown names, a missing header) are left out.
pub fn resolve(
    loaded: &Loaded,
    sources: &mut Sources,
    complete: bool,
) -> (Option<Model>, Vec<Diagnostic>) {
    let mut resolver = Resolver {
        diagnostics: Vec::new(),
        complete,
    };
    let model = resolver.resolve(loaded, sources);
    (model, resolver.diagnostics)
}

struct Resolver {
    diagnostics: Vec<Diagnostic>,
    complete: bool,
}

/// A control block with its names resolved.
struct Block {
    controls: Vec<ControlIdx>,
    /// `None`: every service (matrix-wide).
    services: Option<Vec<ServiceIdx>>,
    level: Level,
    duties: std::ops::Range<DutyIdx>,
    notes: Vec<String>,
}

/// An exclusion with its names resolved.
struct Exclusion {
    controls: Vec<ControlIdx>,
    services: Option<Vec<ServiceIdx>>,
}

/// The closest of `candidates` to a misspelt `name`, for a "did you mean" hint.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

fn did_you_mean(found: Option<&str>, otherwise: impl Into<String>) -> String {
    match found {
        Some(name) => format!("did you mean `{name}`?"),
        None => otherwise.into(),
    }
}

/// A calendar date `YYYY-MM-DD` (the grammar has already checked the shape).
fn is_calendar_date(text: &str) -> bool {
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

struct Names<'a> {
    parties: HashMap<&'a str, PartyIdx>,
    services: HashMap<&'a str, ServiceIdx>,
    /// Bare control id → every header-catalog control with it.
    controls: HashMap<String, Vec<ControlIdx>>,
    catalogs: HashMap<String, usize>,
    /// Every catalog defined anywhere (named by the header or not).
    defined_catalogs: Vec<String>,
    patterns: HashMap<(Option<usize>, String), Vec<ControlIdx>>,
}

impl Resolver {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// A finding that only holds if every item of the matrix was read: unknown names, a missing
    /// or incomplete header, a service whose customer cannot be inferred.
    fn whole_matrix_error(&mut self, diagnostic: Diagnostic) {
        if self.complete {
            self.diagnostics.push(diagnostic);
        }
    }

    fn duplicate(&mut self, what: &str, name: &ast::Name, first: Span) {
        self.error(
            Diagnostic::new(
                "E104",
                name.span,
                format!("{what} `{}` is defined twice", name.value),
            )
            .label("second definition")
            .related(first, "first defined here")
            .help(format!("rename one of them or remove the second {what}")),
        );
    }

    fn resolve(&mut self, loaded: &Loaded, sources: &mut Sources) -> Option<Model> {
        let mut headers = Vec::new();
        let mut parties = Vec::new();
        let mut services = Vec::new();
        let mut catalogs = Vec::new();
        let mut blocks = Vec::new();
        let mut exclusions = Vec::new();
        for (_, item) in loaded.items() {
            match item {
                ast::Item::Matrix(header) => headers.push(header),
                ast::Item::Party(party) => parties.push(party),
                ast::Item::Service(service) => services.push(service),
                ast::Item::Catalog(catalog) => catalogs.push(catalog),
                ast::Item::Control(block) => blocks.push(block),
                ast::Item::Exclusion(exclusion) => exclusions.push(exclusion),
                ast::Item::Import(_) => {}
            }
        }

        let root = loaded.files.first()?;
        let header = self.header(root.id, &headers, sources)?;

        let mut names = Names {
            parties: HashMap::new(),
            services: HashMap::new(),
            controls: HashMap::new(),
            catalogs: HashMap::new(),
            defined_catalogs: catalogs.iter().map(|c| c.id.value.clone()).collect(),
            patterns: HashMap::new(),
        };
        let (model_catalogs, domains, controls) =
            self.catalogs(&header, &catalogs, sources, &mut names);
        let parties = self.parties(&parties, &mut names);
        let services = self.services(&services, &parties, &mut names);

        let mut header_model = header.model;
        header_model.catalogs = model_catalogs.iter().map(|c| c.id.clone()).collect();
        let mut model = Model {
            header: header_model,
            parties,
            services,
            catalogs: model_catalogs,
            domains,
            controls,
            duties: Vec::new(),
            exclusions: Vec::new(),
            pairs: Vec::new(),
            clashes: Vec::new(),
        };
        let blocks: Vec<Block> = blocks
            .iter()
            .enumerate()
            .map(|(index, block)| self.block(index, block, &mut model, &mut names))
            .collect();
        let resolved_exclusions: Vec<Exclusion> = exclusions
            .iter()
            .map(|exclusion| self.exclusion(exclusion, &mut model, &mut names))
            .collect();
        self.role_keywords(&blocks, &model);
        self.pairs(&blocks, &resolved_exclusions, &mut model);
        Some(model)
    }

    fn header(
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
                Diagnostic::new("E001", at, message)
                    .label("header expected")
                    .help("start the file with\n  matrix \"Title\" {\n    version   \"1.0.0\"\n    effective 2026-01-01\n    catalog   iso27017\n  }"),
            );
            return None;
        };
        if first.span.file != root {
            self.whole_matrix_error(
                Diagnostic::new(
                    "E001",
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
                Diagnostic::new("E104", other.span, "a second `matrix` header")
                    .label("second header")
                    .related(first.span, "first header")
                    .help("a compiled matrix has exactly one header; imported files hold parties, services, catalogs and control blocks only"),
            );
        }
        let mut version = None;
        let mut effective = None;
        let mut catalog_names: Option<&Vec<ast::Name>> = None;
        let mut scope = None;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for field in &first.fields {
            let span = match field {
                ast::MatrixField::Version(v) | ast::MatrixField::Scope(v) => v.span,
                ast::MatrixField::Effective(v) => v.span,
                ast::MatrixField::Catalogs(list) => list[0].span,
            };
            if let Some(earlier) = seen.insert(field.keyword(), span) {
                self.error(
                    Diagnostic::new(
                        "E104",
                        span,
                        format!("`{}` is given twice in the header", field.keyword()),
                    )
                    .label("second value")
                    .related(earlier, "first value")
                    .help("keep one; list several catalogs on one line, separated by commas"),
                );
                continue;
            }
            match field {
                ast::MatrixField::Version(v) => version = Some(v.value.clone()),
                ast::MatrixField::Scope(v) => scope = Some(v.value.clone()),
                ast::MatrixField::Effective(date) => {
                    if !is_calendar_date(&date.value) {
                        self.error(
                            Diagnostic::new(
                                "E109",
                                date.span,
                                format!("`{}` is not a calendar date", date.value),
                            )
                            .label("no such day")
                            .help("dates are YYYY-MM-DD and must exist in the calendar"),
                        );
                    }
                    effective = Some(date.value.clone());
                }
                ast::MatrixField::Catalogs(list) => catalog_names = Some(list),
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
                        "E001",
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
            },
            catalogs: catalog_names.cloned().unwrap_or_default(),
        })
    }

    fn catalogs(
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
                        "E104",
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
                        "E104",
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
                                "E105",
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
                            "E109",
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

    fn parties<'a>(&mut self, defined: &[&'a ast::Party], names: &mut Names<'a>) -> Vec<Party> {
        let mut parties = Vec::new();
        for party in defined {
            if matches!(party.id.value.as_str(), "provider" | "customer") {
                self.error(
                    Diagnostic::new(
                        "E109",
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
                        "E109",
                        party.kind.span,
                        format!("`{}` is not a party kind", party.kind.value),
                    )
                    .label("unknown kind")
                    .help("a party is a `provider` (CSP side), a `customer` (CSC side) or a `partner` (auditor, broker, integrator; on neither side)"),
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
            });
        }
        parties
    }

    fn party_of_kind(
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
                Diagnostic::new("E101", name.span, format!("unknown party `{}`", name.value))
                    .label("no such party")
                    .help(hint),
            );
            return None;
        };
        if parties[index].kind != kind {
            self.error(
                Diagnostic::new(
                    "E109",
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

    fn services<'a>(
        &mut self,
        defined: &[&'a ast::Service],
        parties: &[Party],
        names: &mut Names<'a>,
    ) -> Vec<Service> {
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
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for field in &service.fields {
                let span = match field {
                    ast::ServiceField::Model(n)
                    | ast::ServiceField::Provider(n)
                    | ast::ServiceField::Customer(n) => n.span,
                    ast::ServiceField::Regions(list) => list[0].span,
                };
                if let Some(first) = seen.insert(field.keyword(), span) {
                    self.error(
                        Diagnostic::new(
                            "E104",
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
                        model = ServiceModel::parse(&word.value);
                        if model.is_none() {
                            self.error(
                                Diagnostic::new(
                                    "E109",
                                    word.span,
                                    format!("`{}` is not a service model", word.value),
                                )
                                .label("unknown model")
                                .help("the service model is `iaas`, `paas` or `saas`"),
                            );
                        }
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
                        customer = self.party_of_kind(
                            name,
                            PartyKind::Customer,
                            "customer",
                            parties,
                            names,
                        );
                    }
                    ast::ServiceField::Regions(list) => {
                        regions = list.iter().map(|r| r.value.clone()).collect();
                    }
                }
            }
            for (keyword, example) in [("model", "model saas"), ("provider", "provider acme")] {
                if !seen.contains_key(keyword) {
                    self.error(
                        Diagnostic::new(
                            "E109",
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
                            "E109",
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
            });
        }
        services
    }

    /// Resolves a control list; unresolved entries are reported and left out.
    fn control_list(
        &mut self,
        refs: &[ast::ControlRef],
        model: &Model,
        names: &mut Names,
    ) -> (Vec<ControlIdx>, bool) {
        let mut controls = Vec::new();
        let mut complete = true;
        for control in refs {
            let catalog = match &control.catalog {
                None => None,
                Some(name) => match names.catalogs.get(&name.value) {
                    Some(&index) => Some(index),
                    None => {
                        let listed = names.defined_catalogs.contains(&name.value)
                            || catalog::builtin(&name.value).is_some();
                        let (message, hint) = if listed {
                            (
                                format!(
                                    "catalog `{}` is not named in the matrix header",
                                    name.value
                                ),
                                format!("add it to the header: `catalog {}`", name.value),
                            )
                        } else {
                            (
                                format!("unknown catalog `{}`", name.value),
                                did_you_mean(
                                    closest(&name.value, names.catalogs.keys().map(String::as_str)),
                                    "qualify control ids with a catalog the header names",
                                ),
                            )
                        };
                        self.whole_matrix_error(
                            Diagnostic::new("E105", name.span, message)
                                .label("not a header catalog")
                                .help(hint),
                        );
                        complete = false;
                        continue;
                    }
                },
            };
            if control.pattern {
                let key = (catalog, control.id.clone());
                let matched = names.patterns.entry(key).or_insert_with(|| {
                    model
                        .controls
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| {
                            catalog.is_none_or(|k| c.catalog == k) && c.id.starts_with(&control.id)
                        })
                        .map(|(index, _)| index)
                        .collect()
                });
                if matched.is_empty() {
                    self.whole_matrix_error(
                        Diagnostic::new(
                            "E103",
                            control.span,
                            format!("pattern `{}` matches no control", control.display()),
                        )
                        .label("matches nothing")
                        .help("a pattern matches the ids that start with the text before `*` in the header's catalogs; `9.*` does not match `CLD.9.5.1`"),
                    );
                    complete = false;
                }
                controls.extend_from_slice(matched);
                continue;
            }
            let candidates: Vec<ControlIdx> = names
                .controls
                .get(&control.id)
                .map(|found| {
                    found
                        .iter()
                        .copied()
                        .filter(|&i| catalog.is_none_or(|k| model.controls[i].catalog == k))
                        .collect()
                })
                .unwrap_or_default();
            match candidates[..] {
                [one] => controls.push(one),
                [] => {
                    let known = model.controls.iter().map(|c| c.id.as_str());
                    let hint = did_you_mean(
                        closest(&control.id, known),
                        "control ids come from the catalogs named in the header; `srmc catalog ID` lists a built-in catalog",
                    );
                    self.whole_matrix_error(
                        Diagnostic::new(
                            "E103",
                            control.span,
                            format!("unknown control `{}`", control.display()),
                        )
                        .label("not in the header's catalogs")
                        .help(hint),
                    );
                    complete = false;
                }
                _ => {
                    let qualified: Vec<String> = candidates
                        .iter()
                        .map(|&i| format!("`{}`", model.controls[i].display))
                        .collect();
                    self.error(
                        Diagnostic::new(
                            "E108",
                            control.span,
                            format!(
                                "control id `{}` is in {} catalogs",
                                control.id,
                                candidates.len()
                            ),
                        )
                        .label("ambiguous")
                        .help(format!("qualify it: {}", qualified.join(" or "))),
                    );
                    complete = false;
                }
            }
        }
        controls.sort_unstable();
        controls.dedup();
        (controls, complete)
    }

    fn service_list(&mut self, list: &[ast::Name], names: &Names) -> (Vec<ServiceIdx>, bool) {
        let mut services = Vec::new();
        let mut complete = true;
        for name in list {
            match names.services.get(name.value.as_str()) {
                Some(&index) => services.push(index),
                None => {
                    let hint = did_you_mean(
                        closest(&name.value, names.services.keys().copied()),
                        "`for` takes the ids of services declared with `service`",
                    );
                    self.whole_matrix_error(
                        Diagnostic::new(
                            "E102",
                            name.span,
                            format!("unknown service `{}`", name.value),
                        )
                        .label("no such service")
                        .help(hint),
                    );
                    complete = false;
                }
            }
        }
        services.sort_unstable();
        services.dedup();
        (services, complete)
    }

    fn block(
        &mut self,
        index: usize,
        block: &ast::ControlBlock,
        model: &mut Model,
        names: &mut Names,
    ) -> Block {
        let (controls, _) = self.control_list(&block.controls, model, names);
        let services = block
            .services
            .as_ref()
            .map(|list| self.service_list(list, names).0);
        let level = if block.services.is_some() {
            Level::ServiceSpecific
        } else {
            Level::MatrixWide
        };
        let first_duty = model.duties.len();
        let mut ids: HashMap<String, Span> = HashMap::new();
        for (position, duty) in block.duties.iter().enumerate() {
            let id = duty
                .id
                .as_ref()
                .map_or_else(|| (position + 1).to_string(), |id| id.value.clone());
            let id_span = duty.id.as_ref().map_or(duty.title.span, |id| id.span);
            if let Some(first) = ids.insert(id.clone(), id_span) {
                self.error(
                    Diagnostic::new(
                        "E104",
                        id_span,
                        format!("duty id `{id}` is used twice in this control block"),
                    )
                    .label("second duty with this id")
                    .related(first, "first duty with this id")
                    .help("duty ids identify duties across versions of the matrix; give each duty of a block its own id"),
                );
            }
            let duty = self.duty(duty, id, index, level, names);
            model.duties.push(duty);
        }
        Block {
            controls,
            services,
            level,
            duties: first_duty..model.duties.len(),
            notes: block.notes.iter().map(|n| n.value.clone()).collect(),
        }
    }

    fn duty(
        &mut self,
        duty: &ast::Duty,
        id: String,
        block: usize,
        level: Level,
        names: &Names,
    ) -> DutyDef {
        let mut assignments: Vec<AssignmentDef> = Vec::new();
        let mut incomplete = false;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for assignment in &duty.assignments {
            let name = &assignment.party;
            if let Some(first) = seen.insert(&name.value, name.span) {
                self.error(
                    Diagnostic::new(
                        "E109",
                        name.span,
                        format!("`{}` is listed twice in this duty", name.value),
                    )
                    .label("listed again")
                    .related(first, "first listed here")
                    .help("write all of a party's letters on one line: `acme: R A`"),
                );
                continue;
            }
            let party = match name.value.as_str() {
                "provider" => PartyRef::Provider,
                "customer" => PartyRef::Customer,
                other => match names.parties.get(other) {
                    Some(&index) => PartyRef::Party(index),
                    None => {
                        let hint = did_you_mean(
                            closest(other, names.parties.keys().copied()),
                            format!(
                                "declare it with `party {other} provider|customer|partner \"Name\"`, or use the role keywords `provider` and `customer`"
                            ),
                        );
                        self.whole_matrix_error(
                            Diagnostic::new("E101", name.span, format!("unknown party `{other}`"))
                                .label("no such party")
                                .help(hint),
                        );
                        incomplete = true;
                        PartyRef::Unresolved
                    }
                },
            };
            let mut letters = Raci::default();
            for word in &assignment.letters {
                let mut valid = Raci::default();
                for letter in word.value.chars() {
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
                            "E109",
                            word.span,
                            format!("`{}` is not a RACI letter", word.value),
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
        DutyDef {
            span: duty.span,
            head: duty.id.as_ref().map_or(duty.title.span, |id| id.span),
            id,
            block,
            title: duty.title.value.clone(),
            level,
            assignments,
            evidence: duty.evidence.iter().map(|e| e.value.clone()).collect(),
            notes: duty.notes.iter().map(|n| n.value.clone()).collect(),
            incomplete,
        }
    }

    fn exclusion(
        &mut self,
        exclusion: &ast::Exclusion,
        model: &mut Model,
        names: &mut Names,
    ) -> Exclusion {
        let (controls, controls_complete) = self.control_list(&exclusion.controls, model, names);
        let (services, services_complete) = match &exclusion.services {
            Some(list) => {
                let (services, complete) = self.service_list(list, names);
                (Some(services), complete)
            }
            None => (None, true),
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
                Diagnostic::new("E401", span, "exclusion without a justification")
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
            level: if exclusion.services.is_some() {
                Level::ServiceSpecific
            } else {
                Level::MatrixWide
            },
            justification,
            // An exclusion with unresolved names is already reported; W303 would only repeat it.
            effective: !(controls_complete && services_complete),
        });
        Exclusion { controls, services }
    }

    /// E109 for a duty that names one party twice once role keywords are resolved (`provider`
    /// and the provider's id), once per duty and service. A role that resolves to nobody needs
    /// no finding here: the service without a provider or customer is already reported.
    fn role_keywords(&mut self, blocks: &[Block], model: &Model) {
        let all_services: Vec<ServiceIdx> = (0..model.services.len()).collect();
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
                                    "E109",
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

    /// Decides every pair's duties: the blocks and exclusions that cover it, then precedence.
    fn pairs(&mut self, blocks: &[Block], exclusions: &[Exclusion], model: &mut Model) {
        let services = model.services.len();
        let controls = model.controls.len();
        let mut block_buckets: Vec<Vec<u32>> = vec![Vec::new(); services * controls];
        let mut exclusion_buckets: Vec<Vec<u32>> = vec![Vec::new(); services * controls];
        let all_services: Vec<ServiceIdx> = (0..services).collect();
        for (index, block) in blocks.iter().enumerate() {
            for &service in block.services.as_deref().unwrap_or(&all_services) {
                for &control in &block.controls {
                    block_buckets[service * controls + control].push(index as u32);
                }
            }
        }
        for (index, exclusion) in exclusions.iter().enumerate() {
            for &service in exclusion.services.as_deref().unwrap_or(&all_services) {
                for &control in &exclusion.controls {
                    exclusion_buckets[service * controls + control].push(index as u32);
                }
            }
        }

        let mut pairs = Vec::with_capacity(services * controls);
        let mut entries: Vec<DutyIdx> = Vec::new();
        for service in 0..services {
            for control in 0..controls {
                let index = pairs.len();
                entries.clear();
                let mut notes = Vec::new();
                for &block in &block_buckets[index] {
                    entries.extend(blocks[block as usize].duties.clone());
                }
                let mut pair = Pair {
                    service,
                    control,
                    duties: Vec::new(),
                    exclusion: None,
                    notes: Vec::new(),
                    replaced: Vec::new(),
                };
                self.duplicates(index, &entries, model);

                // A service-specific duty replaces the matrix-wide one with the same id.
                let mut specific: Vec<(&str, DutyIdx)> = entries
                    .iter()
                    .filter(|&&duty| model.duties[duty].level == Level::ServiceSpecific)
                    .map(|&duty| (model.duties[duty].id.as_str(), duty))
                    .collect();
                specific.sort_unstable();
                for &duty in &entries {
                    let def = &model.duties[duty];
                    let replacement = if def.level == Level::MatrixWide {
                        specific
                            .binary_search_by(|(id, _)| (*id).cmp(def.id.as_str()))
                            .ok()
                            .map(|at| specific[at].1)
                    } else {
                        None
                    };
                    match replacement {
                        Some(by) => pair.replaced.push(Replaced {
                            duty,
                            by: ReplacedBy::Duty(by),
                        }),
                        None => pair.duties.push(duty),
                    }
                }

                // An exclusion and a duty at one level contradict each other, whatever a higher
                // level then decides.
                for &exclusion in &exclusion_buckets[index] {
                    let exclusion = exclusion as ExclusionIdx;
                    let level = model.exclusions[exclusion].level;
                    let first_at_level = exclusion_buckets[index]
                        .iter()
                        .map(|&e| e as ExclusionIdx)
                        .find(|&e| model.exclusions[e].level == level);
                    if first_at_level != Some(exclusion) {
                        continue;
                    }
                    for &duty in &pair.duties {
                        if model.duties[duty].level == level {
                            model.clashes.push(Clash::ExcludedWithDuties {
                                pair: index,
                                exclusion,
                                duty,
                            });
                        }
                    }
                }
                // The exclusion of the highest level drops every duty below it and is itself
                // overridden by any duty above it.
                let exclusion = exclusion_buckets[index]
                    .iter()
                    .map(|&e| e as ExclusionIdx)
                    .max_by_key(|&e| (model.exclusions[e].level, std::cmp::Reverse(e)));
                let exclusion_level = exclusion.map(|e| model.exclusions[e].level);
                if let (Some(exclusion), Some(level)) = (exclusion, exclusion_level) {
                    let (kept, dropped): (Vec<DutyIdx>, Vec<DutyIdx>) = pair
                        .duties
                        .iter()
                        .partition(|&&duty| model.duties[duty].level >= level);
                    pair.duties = kept;
                    pair.replaced
                        .extend(dropped.into_iter().map(|duty| Replaced {
                            duty,
                            by: ReplacedBy::Exclusion(exclusion),
                        }));
                    let overridden = pair
                        .duties
                        .iter()
                        .any(|&duty| model.duties[duty].level > level);
                    if !overridden {
                        pair.exclusion = Some(exclusion);
                        model.exclusions[exclusion].effective = true;
                    }
                }
                for &block in &block_buckets[index] {
                    let block = &blocks[block as usize];
                    if exclusion_level.is_none_or(|level| block.level >= level) {
                        notes.extend(block.notes.iter().cloned());
                    }
                }
                pair.notes = notes;
                pairs.push(pair);
            }
        }
        model.pairs = pairs;
    }

    /// E205: two duties with one id at one level for one pair.
    fn duplicates(&mut self, pair: usize, entries: &[DutyIdx], model: &mut Model) {
        if entries.len() < 2 {
            return;
        }
        let mut keyed: Vec<(Level, &str, DutyIdx)> = entries
            .iter()
            .map(|&duty| {
                (
                    model.duties[duty].level,
                    model.duties[duty].id.as_str(),
                    duty,
                )
            })
            .collect();
        keyed.sort_unstable();
        let clashes: Vec<Clash> = keyed
            .windows(2)
            .filter(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1)
            // Twice in one block is already E104.
            .filter(|w| model.duties[w[0].2].block != model.duties[w[1].2].block)
            .map(|w| Clash::DuplicateDuty {
                pair,
                first: w[0].2,
                second: w[1].2,
            })
            .collect();
        model.clashes.extend(clashes);
    }
}

struct ResolvedHeader {
    model: Header,
    catalogs: Vec<ast::Name>,
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
