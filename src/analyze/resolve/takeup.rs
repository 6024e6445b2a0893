//! Upstream matrices: loading each one, the blocks of duties written for their services, and the
//! obligations they put on this matrix, each matched with the duty that takes it up.

use std::collections::HashMap;
use std::path::Path;

use super::{closest, did_you_mean, DutyPlace, Names, Resolver};
use crate::analyze::load::join_display;
use crate::analyze::model::*;
use crate::analyze::upstream::{self, Refusal};
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::published::Published;
use crate::source::Sources;
use crate::syntax::ast;

/// What an `upstream.service` name resolves to.
pub(super) enum UpstreamName {
    Found {
        upstream: usize,
        service: String,
    },
    /// The upstream does not load (E211, reported at its `upstream` line).
    Unavailable {
        upstream: usize,
        service: String,
    },
    /// Reported (E213).
    Unknown,
}

/// Fewest hexadecimal digits a `pin` may have.
const PIN_DIGITS: usize = 12;

/// The stack of a thread that loads upstreams: that of a main thread.
const UPSTREAM_STACK: usize = 8 << 20;

/// An `upstream` line whose names check, ready to load.
struct Planned<'a> {
    upstream: &'a ast::Upstream,
    party: Option<PartyIdx>,
    pin: Option<String>,
    from_dir: std::path::PathBuf,
    shown: String,
    services: Vec<String>,
}

impl Resolver {
    /// Each `upstream`: its names checked, its matrix loaded and checked against its `pin`.
    /// `inheritable` names, per upstream id, the services something here runs on or inherits
    /// from.
    pub(super) fn upstreams(
        &mut self,
        written: &[&ast::Upstream],
        inheritable: &HashMap<String, Vec<String>>,
        model: &Model,
        names: &Names,
        sources: &Sources,
        root_dir: &Path,
    ) -> Vec<UpstreamDef> {
        // Checked one by one (what is wrong with an `upstream` line is reported in order), then
        // loaded side by side: each upstream compiles on its own, and a customer of twenty
        // providers would otherwise wait for them one after another.
        let mut planned: Vec<Planned> = Vec::new();
        for upstream in written {
            let id = &upstream.id;
            let taken = names.parties.contains_key(id.value.as_str())
                || names.services.contains_key(id.value.as_str())
                || model.baselines.iter().any(|b| b.id == id.value);
            if let Some(first) = planned.iter().find(|p| p.upstream.id.value == id.value) {
                let first = first.upstream.id.span;
                self.duplicate("upstream", id, first);
                continue;
            }
            if taken {
                self.error(
                    Diagnostic::new(
                        Code::E104,
                        id.span,
                        format!("`{}` is already the id of a party, team, service or baseline", id.value),
                    )
                    .label("id taken")
                    .help("an upstream's id names its services (`ID.service`): give it an id of its own"),
                );
                continue;
            }
            let party = self.upstream_party(upstream, model, names);
            let pin = upstream.pin.as_ref().and_then(|pin| {
                let digits = pin.value.trim();
                let hex = digits.len() >= PIN_DIGITS && digits.chars().all(|c| c.is_ascii_hexdigit());
                if !hex {
                    self.error(
                        Diagnostic::new(
                            Code::E109,
                            pin.span,
                            format!("`{digits}` is not a fingerprint prefix"),
                        )
                        .label(format!("at least {PIN_DIGITS} hexadecimal digits expected"))
                        .help("copy the start of the upstream's fingerprint, as `srmc build --format json` or the annex shows it"),
                    );
                }
                hex.then(|| digits.to_ascii_lowercase())
            });
            let naming = sources.get(upstream.span.file);
            let from_dir = naming
                .path
                .as_deref()
                .and_then(Path::parent)
                .unwrap_or(root_dir)
                .to_path_buf();
            let shown = join_display(&naming.name, &upstream.path.value);
            let services = inheritable.get(&id.value).cloned().unwrap_or_default();
            planned.push(Planned {
                upstream,
                party,
                pin,
                from_dir,
                shown,
                services,
            });
        }
        let loaded = self.load_all(&planned, root_dir);
        let mut defs: Vec<UpstreamDef> = Vec::new();
        for (plan, loaded) in planned.into_iter().zip(loaded) {
            let upstream = plan.upstream;
            let published = match loaded {
                Ok(published) => {
                    self.check_pin(upstream, plan.pin.as_deref(), &published);
                    Some(published)
                }
                Err(refusal) => {
                    self.refused(upstream, &plan.shown, refusal, root_dir);
                    None
                }
            };
            defs.push(UpstreamDef {
                span: upstream.id.span,
                id: upstream.id.value.clone(),
                party: plan.party,
                party_id: upstream.party.value.clone(),
                pin: plan.pin,
                published,
            });
        }
        defs
    }

    /// Loads every planned upstream, on as many threads as there are processors (each
    /// upstream on one thread, in the order written), and returns the results in that order.
    fn load_all(
        &self,
        planned: &[Planned<'_>],
        root_dir: &Path,
    ) -> Vec<Result<Published<'static>, Refusal>> {
        let load = |plan: &Planned<'_>| {
            let services: Vec<&str> = plan.services.iter().map(String::as_str).collect();
            upstream::load(
                &plan.upstream.path.value,
                &plan.from_dir,
                root_dir,
                &plan.shown,
                &plan.upstream.party.value,
                &services,
                self.limits,
                &self.chain,
            )
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(planned.len());
        if threads <= 1 {
            return planned.iter().map(load).collect();
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut results: Vec<Option<Result<Published<'static>, Refusal>>> =
            (0..planned.len()).map(|_| None).collect();
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    std::thread::Builder::new()
                        // The main thread's stack: an upstream compiles as a root file does.
                        .stack_size(UPSTREAM_STACK)
                        .spawn_scoped(scope, || {
                            let mut done = Vec::new();
                            loop {
                                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some(plan) = planned.get(index) else {
                                    return done;
                                };
                                done.push((index, load(plan)));
                            }
                        })
                })
                .collect();
            for worker in workers {
                let done = match worker {
                    Ok(handle) => handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    // No thread to be had: what is left is loaded here, below.
                    Err(_) => continue,
                };
                for (index, result) in done {
                    results[index] = Some(result);
                }
            }
        });
        results
            .into_iter()
            .zip(planned)
            .map(|(result, plan)| result.unwrap_or_else(|| load(plan)))
            .collect()
    }

    /// The `as` party: one of this matrix's parties (not a team).
    fn upstream_party(
        &mut self,
        upstream: &ast::Upstream,
        model: &Model,
        names: &Names,
    ) -> Option<PartyIdx> {
        let name = &upstream.party;
        let Some(&party) = names.parties.get(name.value.as_str()) else {
            self.whole_matrix_error(
                Diagnostic::new(Code::E101, name.span, format!("unknown party `{}`", name.value))
                    .label("no such party")
                    .help(format!(
                        "declare the party that stands for us in the upstream, with the id it has there: `party {} customer \"Name\"`",
                        name.value
                    )),
            );
            return None;
        };
        if model.parties[party].team_of.is_some() {
            self.error(
                Diagnostic::new(
                    Code::E109,
                    name.span,
                    format!("`{}` is a team; an upstream stands for a party", name.value),
                )
                .label("a team")
                .help("`as` names the party the upstream matrix assigns duties to; its teams take them up"),
            );
            return None;
        }
        Some(party)
    }

    fn check_pin(&mut self, upstream: &ast::Upstream, pin: Option<&str>, published: &Published) {
        let Some(pin) = pin else {
            return;
        };
        let fingerprint = &published.matrix.fingerprint;
        if fingerprint.starts_with(pin) {
            return;
        }
        self.error(
            Diagnostic::new(
                Code::W306,
                upstream.id.span,
                format!(
                    "upstream `{}` has changed since it was pinned: its fingerprint is {fingerprint}",
                    upstream.id.value
                ),
            )
            .label(format!("pinned at {pin}"))
            .help(format!(
                "review what changed with `srmc diff OLD {}` against the version you pinned, then pin the new fingerprint",
                upstream.path.value
            )),
        );
    }

    fn refused(&mut self, upstream: &ast::Upstream, shown: &str, refusal: Refusal, root: &Path) {
        let id = &upstream.id.value;
        let diagnostic = match refusal {
            Refusal::Cycle(chain) => {
                let names: Vec<String> = chain
                    .iter()
                    .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
                    .collect();
                Diagnostic::new(
                    Code::E107,
                    upstream.path.span,
                    format!("upstream cycle: {}", names.join(" → ")),
                )
                .label("this upstream closes the cycle")
                .help("two matrices cannot each be the other's upstream: one of them publishes, the other takes up")
            }
            Refusal::Unreadable(reason) => Diagnostic::new(
                Code::E211,
                upstream.id.span,
                format!("upstream `{id}` (`{shown}`) does not load: {reason}"),
            )
            .label("gives no obligations")
            .help("the path is relative to this file and stays inside the root file's directory; it names a root `.srm` file or the JSON of `srmc build --format json`"),
            Refusal::Errors { count, first } => Diagnostic::new(
                Code::E211,
                upstream.id.span,
                format!(
                    "upstream `{id}` does not check clean: {count} error{}, the first: {first}",
                    if count == 1 { "" } else { "s" }
                ),
            )
            .label("gives no obligations")
            .help(format!("`srmc check {shown}` shows every error; an upstream is taken up only once it checks clean")),
        };
        self.error(diagnostic);
    }

    /// A control block for upstream services: each of its duties takes up (or fails to take up)
    /// an obligation of each service and control it names.
    pub(super) fn takeup_block(
        &mut self,
        block: &mut ast::ControlBlock,
        sources: &Sources,
        model: &mut Model,
        names: &Names,
    ) {
        let services = block.services.clone().unwrap_or_default();
        if let Some(own) = services.iter().find(|s| !s.value.contains('.')) {
            self.error(
                Diagnostic::new(
                    Code::E109,
                    own.span,
                    format!(
                        "`{}` is a service of this matrix, in a block for upstream services",
                        own.value
                    ),
                )
                .label("not an upstream's service")
                .help("control ids of an upstream service are the upstream's: write one block for its services and another for this matrix's"),
            );
            return;
        }
        // The upstreams this block reaches, each with the services it names there.
        let mut targets: Vec<(usize, Vec<String>)> = Vec::new();
        for name in &services {
            // An upstream that does not load (E211) says nothing about its services.
            let UpstreamName::Found { upstream, service } = self.upstream_name(name, model) else {
                continue;
            };
            match targets.iter_mut().find(|(u, _)| *u == upstream) {
                Some((_, list)) => list.push(service),
                None => targets.push((upstream, vec![service])),
            }
        }
        let duties = std::mem::take(&mut block.duties);
        for (upstream, services) in targets {
            let controls = self.upstream_controls(&block.controls, model, upstream);
            let published = model.upstreams[upstream]
                .published
                .as_ref()
                .expect("only loaded upstreams are targets");
            let outside: HashMap<String, usize> = published
                .parties
                .iter()
                .enumerate()
                .map(|(index, party)| (party.id.to_string(), index))
                .collect();
            for (position, duty) in duties.iter().cloned().enumerate() {
                let id = duty
                    .id
                    .as_ref()
                    .map_or_else(|| (position + 1).to_string(), |id| id.value.clone());
                let place = DutyPlace {
                    id,
                    block: usize::MAX,
                    level: Level::ServiceSpecific,
                    outside: Some(&outside),
                };
                let def = self.duty(duty, place, sources, names);
                model.duties.push(def);
                let index = model.duties.len() - 1;
                for service in &services {
                    for control in &controls {
                        model.takeups.push(TakeUp {
                            upstream,
                            service: service.clone(),
                            control: control.clone(),
                            duty: index,
                        });
                    }
                }
            }
        }
    }

    /// What `upstream.service` names: E213 for an unknown upstream or a service it does not
    /// have. An upstream that does not load (E211) has every service, of which nothing is known.
    pub(super) fn upstream_name(&mut self, name: &ast::Name, model: &Model) -> UpstreamName {
        let (upstream_id, service) = name.value.split_once('.').unwrap_or_default();
        let Some(upstream) = model.upstreams.iter().position(|u| u.id == upstream_id) else {
            let hint = did_you_mean(
                closest(upstream_id, model.upstreams.iter().map(|u| u.id.as_str())),
                "declare it: `upstream ID \"PATH\" as PARTY`",
            );
            self.whole_matrix_error(
                Diagnostic::new(
                    Code::E213,
                    name.span,
                    format!("unknown upstream `{upstream_id}`"),
                )
                .label("no such upstream")
                .help(hint),
            );
            return UpstreamName::Unknown;
        };
        let Some(published) = &model.upstreams[upstream].published else {
            return UpstreamName::Unavailable {
                upstream,
                service: service.to_owned(),
            };
        };
        if !published.services.iter().any(|s| s.id == service) {
            let hint = did_you_mean(
                closest(service, published.services.iter().map(|s| &*s.id)),
                format!(
                    "the services of `{upstream_id}` are: {}",
                    published
                        .services
                        .iter()
                        .map(|s| format!("`{upstream_id}.{}`", s.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            self.whole_matrix_error(
                Diagnostic::new(
                    Code::E213,
                    name.span,
                    format!("upstream `{upstream_id}` has no service `{service}`"),
                )
                .label("no such service there")
                .help(hint),
            );
            return UpstreamName::Unknown;
        }
        UpstreamName::Found {
            upstream,
            service: service.to_owned(),
        }
    }

    /// The controls of a block for an upstream's services, resolved in that upstream's catalogs.
    fn upstream_controls(
        &mut self,
        refs: &[ast::ControlRef],
        model: &Model,
        upstream: usize,
    ) -> Vec<String> {
        let def = &model.upstreams[upstream];
        let published = def.published.as_ref().expect("a loaded upstream");
        let mut controls: Vec<String> = Vec::new();
        for control in refs {
            let written = control.display();
            let matched: Vec<&str> = if control.pattern {
                let stem = written.trim_end_matches('*');
                published
                    .controls
                    .iter()
                    .map(|c| &*c.id)
                    .filter(|id| id.starts_with(stem))
                    .collect()
            } else {
                published
                    .controls
                    .iter()
                    .map(|c| &*c.id)
                    .filter(|id| *id == written)
                    .collect()
            };
            if matched.is_empty() {
                let hint = did_you_mean(
                    closest(&written, published.controls.iter().map(|c| &*c.id)),
                    format!(
                        "a block for `{}`'s services names the controls of its catalogs",
                        def.id
                    ),
                );
                self.whole_matrix_error(
                    Diagnostic::new(
                        Code::E103,
                        control.span,
                        format!("upstream `{}` has no control `{written}`", def.id),
                    )
                    .label("not in the upstream's catalogs")
                    .help(hint),
                );
            }
            for id in matched {
                if !controls.iter().any(|c| c == id) {
                    controls.push(id.to_owned());
                }
            }
        }
        controls
    }
}

/// Every obligation of every upstream that loaded: the duties of its in-scope pairs in which the
/// `as` party holds `R` or `A`, each with the take-up of the same service, control and duty id.
pub(super) fn obligations(model: &Model) -> Vec<Obligation> {
    let mut takeups: HashMap<(usize, &str, &str, &str), usize> = HashMap::new();
    for (index, takeup) in model.takeups.iter().enumerate() {
        let key = (
            takeup.upstream,
            takeup.service.as_str(),
            takeup.control.as_str(),
            model.duties[takeup.duty].id.as_str(),
        );
        takeups.entry(key).or_insert(index);
    }
    let mut obligations = Vec::new();
    for (upstream, def) in model.upstreams.iter().enumerate() {
        let Some(published) = &def.published else {
            continue;
        };
        for pair in published.pairs.iter().filter(|p| p.ownership != "excluded") {
            for duty in &pair.duties {
                let Some(letters) = duty.assignments.get(def.party_id.as_str()) else {
                    continue;
                };
                if !letters.contains(['R', 'A']) {
                    continue;
                }
                let key = (upstream, &*pair.service, &*pair.control, &*duty.id);
                obligations.push(Obligation {
                    upstream,
                    service: pair.service.to_string(),
                    control: pair.control.to_string(),
                    duty: duty.id.to_string(),
                    title: duty.title.to_string(),
                    letters: letters.to_string(),
                    source: duty.source.as_ref().map(|s| (s.file.to_string(), s.line)),
                    taken_by: takeups.get(&key).copied(),
                });
            }
        }
    }
    obligations
}
