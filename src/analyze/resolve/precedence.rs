//! Precedence: for every pair, the blocks, exclusions and inheritances that cover it, each at
//! its rank (the baselines of a `use` in order, matrix-wide, service-specific); a duty id replaces
//! the same id below it, `replace` and `inherit` drop what is below them, the highest exclusion
//! drops the duties below it and gives way to any above it. Sub-services are decided first, so
//! that what is inherited from them is final.

use std::collections::HashMap;

use super::runs_on::RunsOn;
use super::{Block, Exclusion, Inheritance};
use crate::analyze::model::*;

/// Decides every pair's duties: the blocks, exclusions and inheritances that cover it, then
/// precedence. Sub-services go first, so that what is inherited from them is final.
pub(super) fn decide_pairs(
    blocks: &[Block],
    exclusions: &[Exclusion],
    inheritances: &[Inheritance],
    runs_on: &RunsOn,
    model: &mut Model,
) {
    let services = model.services.len();
    let controls = model.controls.len();
    let mut block_buckets: Vec<Vec<u32>> = vec![Vec::new(); services * controls];
    let mut exclusion_buckets: Vec<Vec<u32>> = vec![Vec::new(); services * controls];
    let mut inherit_buckets: Vec<Option<u32>> = vec![None; services * controls];
    // Matrix-wide means every service of the matrix: sub-services are outside its scope.
    let matrix_services: Vec<ServiceIdx> = (0..services)
        .filter(|&s| !model.services[s].subservice)
        .collect();
    for (index, block) in blocks.iter().enumerate() {
        for &service in block.services.as_deref().unwrap_or(&matrix_services) {
            for &control in &block.controls {
                block_buckets[service * controls + control].push(index as u32);
            }
        }
    }
    for (index, exclusion) in exclusions.iter().enumerate() {
        for &service in exclusion.services.as_deref().unwrap_or(&matrix_services) {
            for &control in &exclusion.controls {
                exclusion_buckets[service * controls + control].push(index as u32);
            }
        }
    }
    let mut inherited_pairs = vec![false; services * controls];
    for (index, inheritance) in inheritances.iter().enumerate() {
        let from = model.inherits[inheritance.def].from;
        for &service in &inheritance.services {
            for &control in &inheritance.controls {
                // A later `inherit` for the same pair wins, as a later line would.
                inherit_buckets[service * controls + control] = Some(index as u32);
                inherited_pairs[from * controls + control] = true;
            }
        }
    }

    let order = runs_on.bottom_up();
    let mut pairs: Vec<Option<Pair>> = (0..services * controls).map(|_| None).collect();
    // Inherited duties, made once per inheritance and sub-service duty.
    let mut made: HashMap<(usize, DutyIdx), DutyIdx> = HashMap::new();
    let mut entries: Vec<DutyIdx> = Vec::new();
    // The pair's duties by id, then rank: what replacement and E205 and E402 look up.
    let mut ranked: Vec<(Rank, DutyIdx)> = Vec::new();
    for service in order {
        for control in 0..controls {
            let index = service * controls + control;
            entries.clear();
            // The rank below which a `replace` block or an `inherit` drops everything.
            let mut replace_at: Option<(Rank, ReplacedBy)> = None;
            for &block in &block_buckets[index] {
                let block = &blocks[block as usize];
                entries.extend(block.duties.clone());
                let rank = model.rank(block.level, block.baseline, service);
                if block.replace && replace_at.is_none_or(|(at, _)| rank > at) {
                    replace_at = Some((rank, ReplacedBy::Replace(block.span)));
                }
            }
            let inherit = inherit_buckets[index].map(|i| &inheritances[i as usize]);
            if let Some(inheritance) = inherit {
                let def = inheritance.def;
                let from = model.inherits[def].from;
                let rank = model.rank(Level::ServiceSpecific, None, service);
                replace_at = Some((rank, ReplacedBy::Inherit(def)));
                let source = pairs[from * controls + control]
                    .as_ref()
                    .map(|p| p.duties.clone())
                    .unwrap_or_default();
                for duty in source {
                    if !accountable_is_provider(model, from, duty) {
                        continue;
                    }
                    let inherited = *made
                        .entry((def, duty))
                        .or_insert_with(|| inherited_duty(model, def, from, duty));
                    entries.push(inherited);
                }
            }
            let mut pair = Pair {
                service,
                control,
                duties: Vec::new(),
                exclusion: None,
                notes: Vec::new(),
                replaced: Vec::new(),
                inherit: inherit.map(|i| i.def),
                // An upstream's pairs were checked where it was compiled; here they are only
                // what `inherit` copies.
                in_scope: model.services[service].upstream.is_none()
                    && (!model.services[service].subservice || inherited_pairs[index]),
            };
            ranked.clear();
            ranked.extend(
                entries
                    .iter()
                    .map(|&duty| (model.duty_rank(duty, service), duty)),
            );
            let id = |duty: DutyIdx| model.duties[duty].id.as_str();
            ranked.sort_unstable_by(|a, b| id(a.1).cmp(id(b.1)).then(a.cmp(b)));
            duplicates(index, &ranked, model);

            // A duty id replaces the same id from a lower rank; `replace` and `inherit` drop
            // every lower-ranked duty.
            for &duty in &entries {
                let rank = model.duty_rank(duty, service);
                if let Some((at, by)) = replace_at {
                    if rank < at {
                        pair.replaced.push(Replaced { duty, by });
                        continue;
                    }
                }
                let own = model.duties[duty].id.as_str();
                let id = |duty: DutyIdx| model.duties[duty].id.as_str();
                let start = ranked.partition_point(|&(_, other)| id(other) < own);
                let higher = ranked[start..]
                    .iter()
                    .take_while(|&&(_, other)| id(other) == own)
                    .filter(|(other, _)| *other > rank)
                    .map(|&(_, other)| other)
                    .last();
                match higher {
                    Some(by) => pair.replaced.push(Replaced {
                        duty,
                        by: ReplacedBy::Duty(by),
                    }),
                    None => pair.duties.push(duty),
                }
            }

            // An exclusion and a duty of one rank contradict each other as written, whatever
            // a higher rank or a replacement then decides: one E402 for the pair.
            let clash = exclusion_buckets[index].iter().find_map(|&exclusion| {
                let exclusion = exclusion as ExclusionIdx;
                let rank = model.exclusion_rank(exclusion, service);
                ranked
                    .iter()
                    .find(|(duty_rank, _)| *duty_rank == rank)
                    .map(|&(_, duty)| (exclusion, duty))
            });
            if let Some((exclusion, duty)) = clash {
                model.clashes.push(Clash::ExcludedWithDuties {
                    pair: index,
                    exclusion,
                    duty,
                });
            }
            // The exclusion of the highest rank drops every duty below it and is itself
            // overridden by any duty above it.
            let exclusion = exclusion_buckets[index]
                .iter()
                .map(|&e| e as ExclusionIdx)
                .max_by_key(|&e| (model.exclusion_rank(e, service), std::cmp::Reverse(e)));
            let exclusion_rank = exclusion.map(|e| model.exclusion_rank(e, service));
            if let (Some(exclusion), Some(at)) = (exclusion, exclusion_rank) {
                let (kept, dropped): (Vec<DutyIdx>, Vec<DutyIdx>) = pair
                    .duties
                    .iter()
                    .partition(|&&duty| model.duty_rank(duty, service) >= at);
                pair.duties = kept;
                pair.replaced
                    .extend(dropped.into_iter().map(|duty| Replaced {
                        duty,
                        by: ReplacedBy::Exclusion(exclusion),
                    }));
                let overridden = pair
                    .duties
                    .iter()
                    .any(|&duty| model.duty_rank(duty, service) > at);
                if !overridden {
                    pair.exclusion = Some(exclusion);
                    if pair.in_scope {
                        model.exclusions[exclusion].effective = true;
                    }
                }
            }
            let floor = exclusion_rank.max(replace_at.map(|(at, _)| at));
            for &block in &block_buckets[index] {
                let block = &blocks[block as usize];
                let rank = model.rank(block.level, block.baseline, service);
                if floor.is_none_or(|at| rank >= at) {
                    pair.notes.extend(block.notes.iter().cloned());
                }
            }
            pairs[index] = Some(pair);
        }
    }
    model.pairs = pairs
        .into_iter()
        .map(|pair| pair.expect("every pair is decided"))
        .collect();
}

/// E205: two duties with one id at one rank for one pair. `ranked` is sorted by id, then rank.
fn duplicates(pair: usize, ranked: &[(Rank, DutyIdx)], model: &mut Model) {
    let duties = &model.duties;
    let clashes: Vec<Clash> = ranked
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && duties[w[0].1].id == duties[w[1].1].id)
        // Twice in one block is already E104.
        .filter(|w| duties[w[0].1].block != duties[w[1].1].block)
        .map(|w| Clash::DuplicateDuty {
            pair,
            first: w[0].1,
            second: w[1].1,
        })
        .collect();
    model.clashes.extend(clashes);
}

/// Whether the accountable party of `duty`, for service `from`, is that service's provider.
fn accountable_is_provider(model: &Model, from: ServiceIdx, duty: DutyIdx) -> bool {
    let provider = model.services[from].provider;
    let accountable: Vec<PartyIdx> = model
        .assignments(from, duty)
        .into_iter()
        .filter(|(_, letters)| letters.contains(Raci::A))
        .map(|(party, _)| party)
        .collect();
    provider.is_some() && accountable.len() == 1 && Some(accountable[0]) == provider
}

/// The duty `inherit` gives a pair for one duty of the sub-service: `R` for the sub-service's
/// provider, `A` for the service's provider, `I` for the service's customer.
fn inherited_duty(model: &mut Model, inherit: usize, from: ServiceIdx, duty: DutyIdx) -> DutyIdx {
    let source = &model.duties[duty];
    let span = model.inherits[inherit].span;
    let sub_provider = model.services[from]
        .provider
        .map_or(PartyRef::Unresolved, PartyRef::Party);
    let def = DutyDef {
        span,
        head: span,
        id: source.id.clone(),
        block: usize::MAX - inherit,
        title: source.title.clone(),
        level: Level::ServiceSpecific,
        assignments: vec![
            AssignmentDef {
                span,
                party: sub_provider,
                letters: Raci::R,
            },
            AssignmentDef {
                span,
                party: PartyRef::Provider,
                letters: Raci::A,
            },
            AssignmentDef {
                span,
                party: PartyRef::Customer,
                letters: Raci::I,
            },
        ],
        evidence: source.evidence.clone(),
        notes: source.notes.clone(),
        incomplete: false,
        origin: Origin::Inherited {
            inherit,
            from,
            duty,
        },
    };
    model.duties.push(def);
    model.duties.len() - 1
}
