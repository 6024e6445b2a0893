//! `runs-on` between services as a graph: the order in which precedence decides services, and
//! which services an `inherit` reaches.

use petgraph::algo::{has_path_connecting, toposort, DfsSpace};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Visitable;

use crate::analyze::model::{Model, ServiceIdx};

/// An edge from each service to each service it runs on; node `i` is service `i`.
pub(super) struct RunsOn {
    graph: DiGraph<(), ()>,
    /// Reused by every reachability question.
    space: DfsSpace<NodeIndex, <DiGraph<(), ()> as Visitable>::Map>,
}

impl RunsOn {
    /// Made once E207 has removed every cycle and every upstream's service named here stands
    /// as a service of the model.
    pub(super) fn new(model: &Model) -> Self {
        let edges = model.services.iter().map(|s| s.runs_on.len()).sum();
        let mut graph = DiGraph::with_capacity(model.services.len(), edges);
        for _ in &model.services {
            graph.add_node(());
        }
        for (index, service) in model.services.iter().enumerate() {
            for &below in &service.runs_on {
                graph.add_edge(NodeIndex::new(index), NodeIndex::new(below), ());
            }
        }
        let space = DfsSpace::new(&graph);
        RunsOn { graph, space }
    }

    /// Whether `from` is below `service` through `runs-on` (a service is not below itself).
    pub(super) fn reaches(&mut self, service: ServiceIdx, from: ServiceIdx) -> bool {
        service != from
            && has_path_connecting(
                &self.graph,
                NodeIndex::new(service),
                NodeIndex::new(from),
                Some(&mut self.space),
            )
    }

    /// Every service, each after the services it runs on, so that what a service inherits from
    /// one below it is decided first. Depth-first from each service in the order declared, the
    /// services it runs on in the order written (petgraph lists a node's newest edge first, and
    /// its depth-first search takes the last listed first): the order of the inherited duties
    /// made, and so of the model's duties, follows it.
    pub(super) fn bottom_up(&self) -> Vec<ServiceIdx> {
        let mut order = toposort(&self.graph, None).expect("E207 removed every `runs-on` cycle");
        order.reverse();
        order.into_iter().map(NodeIndex::index).collect()
    }
}
