//! Stage 3: the responsibility graph, and the ownership word of every pair read off it.
//!
//! Nodes are parties, services, controls, domains and the duties that hold for each pair after
//! precedence; edges are service → duty, duty → control, duty → party (with its RACI letters)
//! and control → domain. Checks and renderers ask the graph who is accountable for what.

use std::fmt;
use std::ops::Range;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;

use crate::analyze::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Party(PartyIdx),
    Service(ServiceIdx),
    Control(ControlIdx),
    Domain(DomainIdx),
    /// A duty as it holds for one pair.
    Duty {
        pair: usize,
        duty: DutyIdx,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Service → duty.
    Provides,
    /// Duty → control.
    Covers,
    /// Duty → party.
    Assigned(Raci),
    /// Control → domain.
    InDomain,
}

/// Who owns a pair (docs/language.md, "Ownership"), in the order the words are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    Excluded,
    Conflict,
    Unowned,
    Inherited,
    Partner,
    Shared,
    Provider,
    Customer,
}

impl Ownership {
    pub const ALL: [Ownership; 8] = [
        Ownership::Excluded,
        Ownership::Conflict,
        Ownership::Unowned,
        Ownership::Inherited,
        Ownership::Partner,
        Ownership::Shared,
        Ownership::Provider,
        Ownership::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::Excluded => "excluded",
            Ownership::Conflict => "conflict",
            Ownership::Unowned => "unowned",
            Ownership::Inherited => "inherited",
            Ownership::Partner => "partner",
            Ownership::Shared => "shared",
            Ownership::Provider => "provider",
            Ownership::Customer => "customer",
        }
    }
}

impl fmt::Display for Ownership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The accountable and responsible parties of one duty for one pair, by side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accountability {
    /// The accountable parties: the CSP side's, then the CSC side's, then partners. One short
    /// list, not three: a large matrix has one of these per duty and pair.
    accountable: Box<[PartyIdx]>,
    /// Where the CSC side's parties start, and the partners'.
    csc_from: u32,
    partners_from: u32,
    pub responsible: bool,
}

impl Accountability {
    pub fn csp(&self) -> &[PartyIdx] {
        &self.accountable[..self.csc_from as usize]
    }

    pub fn csc(&self) -> &[PartyIdx] {
        &self.accountable[self.csc_from as usize..self.partners_from as usize]
    }

    pub fn partners(&self) -> &[PartyIdx] {
        &self.accountable[self.partners_from as usize..]
    }

    pub fn is_owned(&self) -> bool {
        !self.accountable.is_empty()
    }

    /// Every accountable party: the CSP side's, then the CSC side's, then partners.
    pub fn accountable(&self) -> &[PartyIdx] {
        &self.accountable
    }

    /// E203: accountable parties on both sides.
    pub fn both_sides(&self) -> bool {
        !self.csp().is_empty() && !self.csc().is_empty()
    }

    /// E204: more than one accountable party where E203 does not already apply. One `A` per
    /// duty: partners and a second party of the same side count alike.
    pub fn several_accountable(&self) -> bool {
        !self.both_sides() && self.accountable.len() > 1
    }

    pub fn is_conflict(&self) -> bool {
        self.accountable.len() > 1
    }
}

pub struct ResponsibilityGraph {
    pub graph: DiGraph<Node, Edge>,
    pub party_nodes: Vec<NodeIndex>,
    pub service_nodes: Vec<NodeIndex>,
    pub control_nodes: Vec<NodeIndex>,
    pub domain_nodes: Vec<NodeIndex>,
    /// The duty nodes of each pair, which are added contiguously.
    pair_duties: Vec<Range<u32>>,
    /// Per duty node (offset from the first duty node).
    accountability: Vec<Accountability>,
    first_duty_node: u32,
    /// Per pair, in [`Model::pairs`] order.
    pub ownership: Vec<Ownership>,
}

impl ResponsibilityGraph {
    pub fn build(model: &Model) -> Self {
        let duty_count: usize = model.pairs.iter().map(|p| p.duties.len()).sum();
        let node_count = model.parties.len()
            + model.services.len()
            + model.controls.len()
            + model.domains.len()
            + duty_count;
        let mut graph = DiGraph::with_capacity(node_count, duty_count * 4 + model.controls.len());
        let party_nodes: Vec<_> = (0..model.parties.len())
            .map(|p| graph.add_node(Node::Party(p)))
            .collect();
        let service_nodes: Vec<_> = (0..model.services.len())
            .map(|s| graph.add_node(Node::Service(s)))
            .collect();
        let domain_nodes: Vec<_> = (0..model.domains.len())
            .map(|d| graph.add_node(Node::Domain(d)))
            .collect();
        let control_nodes: Vec<_> = model
            .controls
            .iter()
            .enumerate()
            .map(|(index, control)| {
                let node = graph.add_node(Node::Control(index));
                graph.add_edge(node, domain_nodes[control.domain], Edge::InDomain);
                node
            })
            .collect();
        let first_duty_node = graph.node_count() as u32;
        let mut pair_duties = Vec::with_capacity(model.pairs.len());
        for (index, pair) in model.pairs.iter().enumerate() {
            let start = graph.node_count() as u32;
            for &duty in &pair.duties {
                let node = graph.add_node(Node::Duty { pair: index, duty });
                graph.add_edge(service_nodes[pair.service], node, Edge::Provides);
                graph.add_edge(node, control_nodes[pair.control], Edge::Covers);
                for (party, letters) in model.assignments(pair.service, duty) {
                    graph.add_edge(node, party_nodes[party], Edge::Assigned(letters));
                }
            }
            pair_duties.push(start..graph.node_count() as u32);
        }
        let mut built = ResponsibilityGraph {
            graph,
            party_nodes,
            service_nodes,
            control_nodes,
            domain_nodes,
            pair_duties,
            accountability: Vec::with_capacity(duty_count),
            first_duty_node,
            ownership: Vec::with_capacity(model.pairs.len()),
        };
        built.accountability = (first_duty_node..built.graph.node_count() as u32)
            .map(|node| built.read_accountability(model, NodeIndex::new(node as usize)))
            .collect();
        built.ownership = (0..model.pairs.len())
            .map(|pair| built.decide_ownership(model, pair))
            .collect();
        built
    }

    /// The duty nodes of one pair, with the duty each stands for.
    pub fn pair_duties(&self, pair: usize) -> impl Iterator<Item = (NodeIndex, DutyIdx)> + '_ {
        let range = self.pair_duties[pair].clone();
        range.map(move |node| {
            let node = NodeIndex::new(node as usize);
            match self.graph[node] {
                Node::Duty { duty, .. } => (node, duty),
                other => unreachable!("pair range holds {other:?}"),
            }
        })
    }

    pub fn accountability(&self, duty_node: NodeIndex) -> &Accountability {
        &self.accountability[duty_node.index() - self.first_duty_node as usize]
    }

    /// The parties of a duty node with their letters, in the order they were written.
    pub fn assignments(&self, duty_node: NodeIndex) -> Vec<(PartyIdx, Raci)> {
        let mut assigned: Vec<(PartyIdx, Raci)> = self
            .graph
            .edges_directed(duty_node, Direction::Outgoing)
            .filter_map(|edge| match (edge.weight(), self.graph[edge.target()]) {
                (Edge::Assigned(letters), Node::Party(party)) => Some((party, *letters)),
                _ => None,
            })
            .collect();
        // petgraph lists the newest edge first.
        assigned.reverse();
        assigned
    }

    fn read_accountability(&self, model: &Model, duty_node: NodeIndex) -> Accountability {
        let Node::Duty { pair, .. } = self.graph[duty_node] else {
            unreachable!("duty nodes are contiguous")
        };
        let service = model.pairs[pair].service;
        let mut responsible = false;
        let mut accountable: Vec<(u8, PartyIdx)> = Vec::new();
        for (party, letters) in self.assignments(duty_node) {
            responsible |= letters.contains(Raci::R);
            if letters.contains(Raci::A) {
                let order = match model.side(service, party) {
                    Side::Csp => 0,
                    Side::Csc => 1,
                    Side::Neither => 2,
                };
                accountable.push((order, party));
            }
        }
        // Stable: within a side, parties stay in the order they were written.
        accountable.sort_by_key(|&(order, _)| order);
        let first = |order: u8| {
            accountable
                .iter()
                .position(|&(o, _)| o >= order)
                .unwrap_or(accountable.len()) as u32
        };
        Accountability {
            csc_from: first(1),
            partners_from: first(2),
            accountable: accountable.iter().map(|&(_, party)| party).collect(),
            responsible,
        }
    }

    fn decide_ownership(&self, model: &Model, pair: usize) -> Ownership {
        let Pair {
            service, control, ..
        } = model.pairs[pair];
        // An upstream's pair has the word the upstream gives it: this matrix holds only the
        // duties `inherit` may copy, not the upstream's exclusions and other duties.
        if let Some(link) = &model.services[service].upstream {
            let word = link.ownership.get(control).map_or("", String::as_str);
            return Ownership::ALL
                .into_iter()
                .find(|o| o.as_str() == word)
                .unwrap_or(Ownership::Unowned);
        }
        if model.pairs[pair].exclusion.is_some() {
            return Ownership::Excluded;
        }
        let mut owned = false;
        let mut partner = false;
        let mut csp = false;
        let mut csc = false;
        let mut all_inherited = true;
        for (node, duty) in self.pair_duties(pair) {
            let facts = self.accountability(node);
            if facts.is_conflict() {
                return Ownership::Conflict;
            }
            if facts.is_owned() && !matches!(model.duties[duty].origin, Origin::Inherited { .. }) {
                all_inherited = false;
            }
            owned |= facts.is_owned();
            partner |= !facts.partners().is_empty();
            csp |= !facts.csp().is_empty();
            csc |= !facts.csc().is_empty();
        }
        match (owned, partner, csp, csc) {
            (false, ..) => Ownership::Unowned,
            _ if all_inherited => Ownership::Inherited,
            (true, true, ..) => Ownership::Partner,
            (true, false, true, true) => Ownership::Shared,
            (true, false, true, false) => Ownership::Provider,
            _ => Ownership::Customer,
        }
    }
}
