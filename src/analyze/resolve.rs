//! Names → indices, patterns → controls, blocks → pairs, precedence → the duties of each pair.
//!
//! By concern: [`definitions`] binds what the files define to names, [`names`] looks names up,
//! [`blocks`] lowers blocks, duties, exclusions and `inherit` to the model, [`precedence`]
//! decides each pair, [`runs_on`] orders services, [`takeup`] and [`upstream_services`] bring in
//! upstream matrices. This file holds the entry point, the types they share and the order in
//! which they run.

use std::collections::HashMap;

mod blocks;
mod definitions;
mod names;
use names::{closest, did_you_mean};
mod precedence;
mod runs_on;
use runs_on::RunsOn;
mod sink;
use sink::{Findings, Sink};
mod takeup;
mod upstream_services;

use super::load::Loaded;
use super::model::*;
use crate::diagnostics::Diagnostic;
use crate::source::{Sources, Span};
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
}

struct ResolvedHeader {
    model: Header,
    catalogs: Vec<ast::Name>,
}
