//! Names → indices, patterns → controls, blocks → pairs, precedence → the duties of each pair.

use std::collections::HashMap;

mod precedence;
mod runs_on;
use runs_on::RunsOn;
mod sink;
use sink::{Findings, Sink, Unreported};
mod takeup;
mod upstream_services;

use super::load::Loaded;
use super::model::*;
use crate::catalog;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Sources, Span};
use crate::syntax::ast;

/// Builds the model. With errors in the input the model is still built as far as it goes, so
/// that the checks can report what else is wrong; `None` only when there is no matrix header.
///
/// When some file was not parsed whole ([`Loaded::whole`]), items are missing: then the
/// findings that a missing item could cause (unknown names, a missing header) are left out.
/// Consumes the syntax trees: each duty's texts move into the model, and each control block's
/// duties are dropped once resolved, so a large matrix never holds both in full. (Baselines are
/// small; a written baseline is copied, as the built-in ones are loaded.)
pub fn resolve(
    loaded: Loaded,
    sources: &mut Sources,
    limits: super::Limits,
    chain: &super::Chain,
) -> (Option<Model>, Vec<Diagnostic>) {
    let mut resolver = Resolver {
        findings: Findings {
            diagnostics: Vec::new(),
            whole: loaded.whole,
        },
        limits,
        chain: chain.clone(),
    };
    let model = resolver.resolve(loaded, sources);
    (model, resolver.findings.diagnostics)
}

struct Resolver {
    findings: Findings,
    /// What an upstream matrix is compiled with: the same limits.
    limits: super::Limits,
    /// The matrices being compiled, this one last: an upstream that names one again is a cycle.
    chain: super::Chain,
}

/// A control block with its names resolved.
struct Block {
    span: Span,
    controls: Vec<ControlIdx>,
    /// `None`: every service (matrix-wide).
    services: Option<Vec<ServiceIdx>>,
    level: Level,
    /// The baseline it is written in.
    baseline: Option<usize>,
    /// `control … replace`: drops every lower-level duty of its pairs.
    replace: bool,
    duties: std::ops::Range<DutyIdx>,
    notes: Vec<String>,
}

/// Where a duty is written, for [`Resolver::duty`].
struct DutyPlace<'o> {
    /// The written id, or the duty's position in its block.
    id: String,
    block: usize,
    level: Level,
    /// For a duty in a block for an upstream service: the upstream's party ids, which the duty
    /// may name without declaring them (and its title may be left out).
    outside: Option<&'o HashMap<String, usize>>,
}

/// An `inherit` statement with its names resolved.
struct Inheritance {
    controls: Vec<ControlIdx>,
    services: Vec<ServiceIdx>,
    /// Index into [`Model::inherits`].
    def: usize,
}

/// An exclusion with its names resolved.
struct Exclusion {
    controls: Vec<ControlIdx>,
    services: Option<Vec<ServiceIdx>>,
}

/// The closest of `candidates` to a misspelt `name`, for a "did you mean" hint: one that differs
/// only in case if there is one, else the most similar. Bounded, since names come from the
/// input: only the first characters are compared, candidates of a very different length are
/// skipped, and no more than a fixed number are tried, so a hint costs the same for a 1 MB name
/// as for a short one.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    const COMPARED: usize = 64;
    const TRIED: usize = 2000;
    let prefix = |text: &'a str| -> &'a str {
        let end = crate::source::ceil_char_boundary(text, COMPARED.min(text.len()));
        &text[..end]
    };
    let name_len = name.chars().count().min(COMPARED);
    let name_prefix = &name[..crate::source::ceil_char_boundary(name, COMPARED.min(name.len()))];
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates.take(TRIED) {
        if candidate.len() == name.len() && candidate.eq_ignore_ascii_case(name) {
            return Some(candidate);
        }
        let len = candidate.chars().count().min(COMPARED);
        if len.abs_diff(name_len) * 2 > name_len.max(len) {
            continue;
        }
        let score = strsim::jaro_winkler(name_prefix, prefix(candidate));
        if score > 0.8 && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The words a service model may be.
const MODELS: [&str; 3] = ["iaas", "paas", "saas"];

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

/// Resolves a control list, reporting unresolved entries to `sink` and leaving them out; the
/// flag says whether every entry resolved.
fn control_list(
    refs: &[ast::ControlRef],
    model: &Model,
    names: &mut Names,
    sink: &mut dyn Sink,
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
                            format!("catalog `{}` is not named in the matrix header", name.value),
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
                    sink.whole_matrix_error(
                        Diagnostic::new(Code::E105, name.span, message)
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
                sink.whole_matrix_error(
                    Diagnostic::new(
                        Code::E103,
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
                sink.whole_matrix_error(
                    Diagnostic::new(
                        Code::E103,
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
                sink.error(
                    Diagnostic::new(
                        Code::E108,
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

struct Names<'a> {
    parties: HashMap<&'a str, PartyIdx>,
    services: HashMap<&'a str, ServiceIdx>,
    /// Bare control id → every header-catalog control with it.
    controls: HashMap<String, Vec<ControlIdx>>,
    catalogs: HashMap<String, usize>,
    /// Every catalog defined anywhere (named by the header or not).
    defined_catalogs: Vec<String>,
    patterns: HashMap<(Option<usize>, String), Vec<ControlIdx>>,
    /// `upstream.service` → the service that stands for it here, once something names it.
    upstream_services: HashMap<String, ServiceIdx>,
}

impl Resolver {
    /// See [`Sink::error`].
    fn error(&mut self, diagnostic: Diagnostic) {
        self.findings.error(diagnostic);
    }

    /// See [`Sink::whole_matrix_error`].
    fn whole_matrix_error(&mut self, diagnostic: Diagnostic) {
        self.findings.whole_matrix_error(diagnostic);
    }

    /// E109 unless `date` is a day of the calendar.
    fn calendar_date(&mut self, date: &ast::Spanned<String>) {
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

    /// E109 for a `for` inside a baseline (on a control block or an exclusion, `what`).
    fn for_in_baseline(
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

    fn duplicate(&mut self, what: &str, name: &ast::Name, first: Span) {
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

    fn resolve(&mut self, loaded: Loaded, sources: &mut Sources) -> Option<Model> {
        let mut headers = Vec::new();
        let mut parties = Vec::new();
        let mut services = Vec::new();
        let mut catalogs = Vec::new();
        let mut blocks = Vec::new();
        let mut exclusions = Vec::new();
        let mut baselines = Vec::new();
        let mut inherits = Vec::new();
        let mut teams = Vec::new();
        let mut upstreams = Vec::new();
        let Loaded {
            mut files,
            order,
            root_dir,
            ..
        } = loaded;
        let root = files.first()?.id;
        // The items in import order, each borrowed once: control blocks mutably, the rest not.
        let mut slots: Vec<Vec<Option<&mut ast::Item>>> = files
            .iter_mut()
            .map(|file| file.items.iter_mut().map(Some).collect())
            .collect();
        for (file, item) in order {
            let Some(item) = slots[file][item].take() else {
                continue;
            };
            match item {
                ast::Item::Matrix(header) => headers.push(&*header),
                ast::Item::Party(party) => parties.push(&*party),
                ast::Item::Service(service) => services.push(&*service),
                ast::Item::Catalog(catalog) => catalogs.push(&*catalog),
                ast::Item::Control(block) => blocks.push(block),
                ast::Item::Exclusion(exclusion) => exclusions.push(&*exclusion),
                ast::Item::Baseline(baseline) => baselines.push(&*baseline),
                ast::Item::Inherit(inherit) => inherits.push(&*inherit),
                ast::Item::Team(team) => teams.push(&*team),
                ast::Item::Upstream(upstream) => upstreams.push(&*upstream),
                ast::Item::Import(_) => {}
            }
        }

        let header = self.header(root, &headers, sources)?;

        let mut names = Names {
            parties: HashMap::new(),
            services: HashMap::new(),
            controls: HashMap::new(),
            catalogs: HashMap::new(),
            defined_catalogs: catalogs.iter().map(|c| c.id.value.clone()).collect(),
            patterns: HashMap::new(),
            upstream_services: HashMap::new(),
        };
        let (model_catalogs, domains, controls) =
            self.catalogs(&header, &catalogs, sources, &mut names);
        let parties = self.parties(&parties, &teams, &mut names);
        let (mut baseline_asts, baseline_defs) = self.baselines(&baselines, &services, sources);
        let inheritable = upstream_services::named(&services, &inherits);
        let (mut services, upstream_runs_on) =
            self.services(&services, &parties, &baseline_defs, &mut names);
        self.runs_on(&mut services);

        let mut header_model = header.model;
        header_model.catalogs = model_catalogs.iter().map(|c| c.id.clone()).collect();
        let mut model = Model {
            header: header_model,
            parties,
            services,
            catalogs: model_catalogs,
            domains,
            controls,
            // Sized up front: on a large matrix, growing by doubling held twice the room.
            duties: Vec::with_capacity(
                blocks
                    .iter()
                    .map(|block| &**block)
                    .chain(baseline_asts.iter().flat_map(|b| &b.blocks))
                    .map(|block| block.duties.len())
                    .sum(),
            ),
            exclusions: Vec::new(),
            baselines: baseline_defs,
            inherits: Vec::new(),
            pairs: Vec::new(),
            clashes: Vec::new(),
            upstreams: Vec::new(),
            takeups: Vec::new(),
            obligations: Vec::new(),
        };
        let mut resolved_blocks: Vec<Block> = Vec::new();
        let mut resolved_exclusions: Vec<Exclusion> = Vec::new();
        for (index, baseline) in baseline_asts.iter_mut().enumerate() {
            let users: Vec<ServiceIdx> = (0..model.services.len())
                .filter(|&s| model.services[s].uses.contains(&index))
                .collect();
            for block in &mut baseline.blocks {
                self.for_in_baseline(&baseline.id, block.services.as_deref(), "duties");
                let at = resolved_blocks.len();
                let resolved = self.block(
                    at,
                    block,
                    Some((Level::Baseline, users.clone(), index)),
                    sources,
                    &mut model,
                    &mut names,
                );
                resolved_blocks.push(resolved);
            }
            for exclusion in &baseline.exclusions {
                self.for_in_baseline(&baseline.id, exclusion.services.as_deref(), "exclusions");
                let resolved = self.exclusion(
                    exclusion,
                    Some((Level::Baseline, &users, index)),
                    &mut model,
                    &mut names,
                );
                resolved_exclusions.push(resolved);
            }
        }
        model.upstreams =
            self.upstreams(&upstreams, &inheritable, &model, &names, sources, &root_dir);
        self.upstream_services(
            &upstream_runs_on,
            &inherits,
            &mut model,
            &mut names,
            &mut resolved_blocks,
        );
        for block in &mut blocks {
            if block
                .services
                .as_ref()
                .is_some_and(|list| list.iter().any(|s| s.value.contains('.')))
            {
                self.takeup_block(block, sources, &mut model, &names);
                continue;
            }
            let at = resolved_blocks.len();
            let resolved = self.block(at, block, None, sources, &mut model, &mut names);
            resolved_blocks.push(resolved);
        }
        for exclusion in &exclusions {
            let resolved = self.exclusion(exclusion, None, &mut model, &mut names);
            resolved_exclusions.push(resolved);
        }
        let mut runs_on = RunsOn::new(&model);
        let inheritances: Vec<Inheritance> = inherits
            .iter()
            .filter_map(|inherit| self.inherit(inherit, &mut model, &mut names, &mut runs_on))
            .collect();
        self.same_party_twice(&resolved_blocks, &model);
        precedence::decide_pairs(
            &resolved_blocks,
            &resolved_exclusions,
            &inheritances,
            &runs_on,
            &mut model,
        );
        model.obligations = takeup::obligations(&model);
        Some(model)
    }

    /// The baselines written in the matrix and the built-in ones its services use, in that order.
    fn baselines(
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
    fn runs_on(&mut self, services: &mut [Service]) {
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
                            let parsed = ServiceModel::parse(&model.value);
                            if parsed.is_none() {
                                self.error(
                                    Diagnostic::new(
                                        Code::E109,
                                        model.span,
                                        format!("`{}` is not a service model", model.value),
                                    )
                                    .label("unknown model")
                                    .help(did_you_mean(
                                        closest(&model.value, MODELS.into_iter()),
                                        "`reach` lists service models: `iaas`, `paas`, `saas`",
                                    )),
                                );
                            }
                            parsed
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
    fn parties<'a>(
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
    fn services<'a>(
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
                        model = ServiceModel::parse(&word.value);
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
                                    "the service model is `iaas`, `paas` or `saas`",
                                )),
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

    /// Resolves a control list; unresolved entries are reported and left out.
    fn control_list(
        &mut self,
        refs: &[ast::ControlRef],
        model: &Model,
        names: &mut Names,
    ) -> (Vec<ControlIdx>, bool) {
        control_list(refs, model, names, &mut self.findings)
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
                            Code::E102,
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

    /// Resolves a control block; `baseline` gives the level, users and index of the baseline it
    /// is written in.
    fn block(
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

    fn inherit(
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

    fn duty(
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
    fn exclusion(
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
    fn same_party_twice(&mut self, blocks: &[Block], model: &Model) {
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
