//! Stage 6: what changed in meaning between two compiled versions of a matrix.
//!
//! Both sides are compared as resolved models, pair by pair and duty by duty (duties matched by
//! service, control and duty id), so moving a duty between blocks or levels, moving blocks,
//! reformatting and editing comments change nothing. What the annex shows in order — the
//! parties, the services, a pair's control notes — is compared in order too (`reordered`).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::analyze::model::{Model, Origin};
use crate::codes::Code;
use crate::graph::ResponsibilityGraph;
use crate::published::fingerprint;
use crate::Compilation;

/// How important a change is: the order reports show them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Importance {
    /// A pair's ownership word changed.
    Ownership,
    /// A finding appeared or went away.
    Gap,
    /// Scope: pairs in or out of scope, exclusions.
    Scope,
    /// Parties and services.
    Parties,
    /// Duties added or removed, letters changed.
    Duties,
    /// Titles, notes and evidence reworded.
    Wording,
    /// Header fields.
    Metadata,
}

/// One word-level edit of a reworded text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordEdit {
    /// `equal`, `delete` or `insert`.
    pub op: &'static str,
    pub text: String,
}

/// What a change is, in the words `--format json` writes (README: "Reviewing a new version").
macro_rules! change_kinds {
    ($($variant:ident = $name:literal),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ChangeKind {
            $($variant),*
        }

        impl ChangeKind {
            /// Every kind, in the order the README's table lists them.
            pub const ALL: &'static [ChangeKind] = &[$(ChangeKind::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ChangeKind::$variant => $name),*
                }
            }
        }
    };
}

change_kinds! {
    Ownership = "ownership",
    FindingIntroduced = "finding-introduced",
    FindingResolved = "finding-resolved",
    Excluded = "excluded",
    ReIncluded = "re-included",
    Justification = "justification",
    PairAdded = "pair-added",
    PairRemoved = "pair-removed",
    DutyAdded = "duty-added",
    DutyRemoved = "duty-removed",
    DutyReworded = "duty-reworded",
    DutyOriginChanged = "duty-origin-changed",
    Assignment = "assignment",
    ControlNote = "control-note",
    Reordered = "reordered",
    ControlChanged = "control-changed",
    PartyAdded = "party-added",
    PartyRemoved = "party-removed",
    PartyRenamed = "party-renamed",
    PartyChanged = "party-changed",
    ServiceAdded = "service-added",
    ServiceRemoved = "service-removed",
    ServiceChanged = "service-changed",
    Metadata = "metadata",
    UpstreamAdded = "upstream-added",
    UpstreamRemoved = "upstream-removed",
    UpstreamChanged = "upstream-changed",
    ObligationAdded = "obligation-added",
    ObligationRemoved = "obligation-removed",
    ObligationTaken = "obligation-taken",
    ObligationOpened = "obligation-opened",
}

impl Serialize for ChangeKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<WordEdit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// The domain title of the control, for grouping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub importance: Importance,
    /// Catalog position of the control, then service position (for a stable order).
    #[serde(skip)]
    order: (usize, usize),
}

impl Change {
    fn new(kind: ChangeKind, importance: Importance) -> Self {
        Change {
            kind,
            service: None,
            control: None,
            duty: None,
            party: None,
            field: None,
            from: None,
            to: None,
            words: None,
            code: None,
            domain: None,
            importance,
            order: (usize::MAX, usize::MAX),
        }
    }

    fn values(mut self, from: impl Into<Value>, to: impl Into<Value>) -> Self {
        self.from = Some(from.into());
        self.to = Some(to.into());
        self
    }

    fn field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

/// One side of a diff.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub source: String,
    pub title: String,
    pub version: String,
    pub effective: String,
    pub fingerprint: String,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub from: Version,
    pub to: Version,
    pub changes: Vec<Change>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

fn version(source: &str, model: &Model, graph: &ResponsibilityGraph, c: &Compilation) -> Version {
    Version {
        source: source.to_owned(),
        title: model.header.title.clone(),
        version: model.header.version.clone(),
        effective: model.header.effective.clone(),
        fingerprint: fingerprint(model, graph),
        errors: c.errors(),
        warnings: c.warnings(),
    }
}

/// Most words (of both sides together) that the stretch between a text's unchanged beginning and
/// end may hold for a word-level diff. The diff takes time that grows with the square of that
/// stretch when the text is rewritten throughout (about 0.3 s at this size); above it the stretch
/// is shown as one deletion and one insertion. The same input always gives the same report.
pub const WORD_DIFF_LIMIT: usize = 5_000;

/// A text as the word diff sees it: runs of whitespace and runs of anything else.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut space = None;
    for (at, c) in text.char_indices() {
        let is_space = c.is_whitespace();
        if space.is_some_and(|s| s != is_space) {
            out.push(&text[start..at]);
            start = at;
        }
        space = Some(is_space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Word-level edits from `old` to `new`. Neighbouring deletions and insertions are joined across
/// the spaces between them, so that a reworded phrase reads as one edit. Past
/// [`WORD_DIFF_LIMIT`] the changed stretch is one deletion and one insertion.
pub fn words(old: &str, new: &str) -> Vec<WordEdit> {
    use similar::ChangeTag;
    let (old, new) = (tokens(old), tokens(new));
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_middle, new_middle) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    let changed_words = old_middle
        .iter()
        .chain(new_middle)
        .filter(|token| !token.trim().is_empty())
        .count();
    let mut steps: Vec<(ChangeTag, &str)> = old[..prefix]
        .iter()
        .map(|&token| (ChangeTag::Equal, token))
        .collect();
    if changed_words > WORD_DIFF_LIMIT {
        steps.extend(old_middle.iter().map(|&token| (ChangeTag::Delete, token)));
        steps.extend(new_middle.iter().map(|&token| (ChangeTag::Insert, token)));
    } else {
        let diff = similar::TextDiff::configure().diff_slices(old_middle, new_middle);
        steps.extend(
            diff.iter_all_changes()
                .map(|change| (change.tag(), change.value())),
        );
    }
    steps.extend(
        old[old.len() - suffix..]
            .iter()
            .map(|&token| (ChangeTag::Equal, token)),
    );

    let mut edits: Vec<WordEdit> = Vec::new();
    let (mut deleted, mut inserted) = (String::new(), String::new());
    let flush = |edits: &mut Vec<WordEdit>, deleted: &mut String, inserted: &mut String| {
        for (op, text) in [("delete", deleted), ("insert", inserted)] {
            if !text.is_empty() {
                edits.push(WordEdit {
                    op,
                    text: std::mem::take(text),
                });
            }
        }
    };
    for (tag, value) in steps {
        match tag {
            ChangeTag::Delete => deleted.push_str(value),
            ChangeTag::Insert => inserted.push_str(value),
            ChangeTag::Equal
                if value.trim().is_empty() && !(deleted.is_empty() && inserted.is_empty()) =>
            {
                deleted.push_str(value);
                inserted.push_str(value);
            }
            ChangeTag::Equal => {
                flush(&mut edits, &mut deleted, &mut inserted);
                match edits.last_mut() {
                    Some(last) if last.op == "equal" => last.text.push_str(value),
                    _ => edits.push(WordEdit {
                        op: "equal",
                        text: value.to_owned(),
                    }),
                }
            }
        }
    }
    flush(&mut edits, &mut deleted, &mut inserted);
    edits
}

/// The word diffs of one run, each pair of texts computed once: a matrix-wide duty reworded
/// shows the same edit for every service.
#[derive(Default)]
struct WordDiffs {
    done: HashMap<String, HashMap<String, Vec<WordEdit>>>,
}

impl WordDiffs {
    fn of(&mut self, old: &str, new: &str) -> Vec<WordEdit> {
        if let Some(edits) = self.done.get(old).and_then(|by_new| by_new.get(new)) {
            return edits.clone();
        }
        let edits = words(old, new);
        self.done
            .entry(old.to_owned())
            .or_default()
            .insert(new.to_owned(), edits.clone());
        edits
    }
}

/// What a duty says for one pair, by party id.
struct DutyFacts<'a> {
    id: &'a str,
    title: &'a str,
    notes: String,
    evidence: String,
    /// `matrix`, `baseline BASELINE` or `inherited SERVICE`.
    origin: String,
    letters: BTreeMap<&'a str, String>,
}

fn duty_facts<'a>(
    model: &'a Model,
    graph: &ResponsibilityGraph,
    pair: usize,
) -> Vec<DutyFacts<'a>> {
    graph
        .pair_duties(pair)
        .map(|(node, duty)| {
            let def = &model.duties[duty];
            DutyFacts {
                id: &def.id,
                title: &def.title,
                notes: def.notes.join("\n\n"),
                evidence: def.evidence.join("; "),
                origin: match def.origin {
                    Origin::Written => "matrix".to_owned(),
                    Origin::Baseline(b) => format!("baseline {}", model.baselines[b].id),
                    Origin::Inherited { from, .. } => {
                        format!("inherited {}", model.services[from].id)
                    }
                    Origin::Upstream(upstream) => {
                        format!("upstream {}", model.upstreams[upstream].id)
                    }
                },
                letters: graph
                    .assignments(node)
                    .into_iter()
                    .map(|(party, raci)| (model.parties[party].id.as_str(), raci.to_string()))
                    .collect(),
            }
        })
        .collect()
}

/// A change of order of the items both sides have (`parties`, `services`), with both lists of
/// ids: the annex lists them in order, and the fingerprint hashes them in order.
fn reordered(field: &'static str, old: &[&str], new: &[&str], changes: &mut Vec<Change>) {
    let (in_old, in_new): (
        std::collections::HashSet<&str>,
        std::collections::HashSet<&str>,
    ) = (old.iter().copied().collect(), new.iter().copied().collect());
    let kept_old = old.iter().filter(|id| in_new.contains(*id));
    let kept_new = new.iter().filter(|id| in_old.contains(*id));
    if !kept_old.eq(kept_new) {
        let mut change = Change::new(ChangeKind::Reordered, Importance::Wording)
            .field(field)
            .values(old.to_vec(), new.to_vec());
        change.order = (0, 0);
        changes.push(change);
    }
}

/// Position of each item by its id, to match the two sides.
fn by_id<T>(items: &[T], id: impl Fn(&T) -> &str) -> HashMap<&str, usize> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| (id(item), index))
        .collect()
}

/// Compares two compilations. `None` when either has no model at all (no header).
pub fn diff(old: &Compilation, old_name: &str, new: &Compilation, new_name: &str) -> Option<Diff> {
    let crate::Checked {
        model: old_model,
        graph: old_graph,
    } = old.checked.as_ref()?;
    let crate::Checked {
        model: new_model,
        graph: new_graph,
    } = new.checked.as_ref()?;
    let mut changes = Vec::new();
    metadata(old_model, new_model, &mut changes);
    parties(old_model, new_model, &mut changes);
    services(old_model, new_model, &mut changes);
    controls(old_model, new_model, &mut changes);
    let mut words = WordDiffs::default();
    pairs(
        old_model,
        old_graph,
        new_model,
        new_graph,
        &mut words,
        &mut changes,
    );
    upstreams(old_model, new_model, &mut changes);
    findings(old, new, new_model, &mut changes);
    changes.sort_by_key(|c| (c.importance, c.order));
    Some(Diff {
        from: version(old_name, old_model, old_graph, old),
        to: version(new_name, new_model, new_graph, new),
        changes,
    })
}

fn metadata(old: &Model, new: &Model, changes: &mut Vec<Change>) {
    let (a, b) = (&old.header, &new.header);
    let (x, y) = (&a.document, &b.document);
    let history = |h: &[crate::analyze::model::HistoryEntry]| -> Value {
        h.iter()
            .map(|e| format!("{} ({}): {}", e.version, e.date, e.summary))
            .collect::<Vec<_>>()
            .into()
    };
    let fields: [(&'static str, Value, Value); 12] = [
        ("title", a.title.clone().into(), b.title.clone().into()),
        (
            "version",
            a.version.clone().into(),
            b.version.clone().into(),
        ),
        (
            "effective",
            a.effective.clone().into(),
            b.effective.clone().into(),
        ),
        ("scope", a.scope.clone().into(), b.scope.clone().into()),
        (
            "catalogs",
            a.catalogs.clone().into(),
            b.catalogs.clone().into(),
        ),
        (
            "agreement",
            x.agreement.clone().into(),
            y.agreement.clone().into(),
        ),
        ("owner", x.owner.clone().into(), y.owner.clone().into()),
        (
            "approver",
            x.approver.clone().into(),
            y.approver.clone().into(),
        ),
        (
            "classification",
            x.classification.clone().into(),
            y.classification.clone().into(),
        ),
        (
            "supersedes",
            x.supersedes.clone().into(),
            y.supersedes.clone().into(),
        ),
        (
            "review-by",
            x.review_by.clone().into(),
            y.review_by.clone().into(),
        ),
        ("history", history(&x.history), history(&y.history)),
    ];
    for (field, from, to) in fields {
        if from != to {
            changes.push(
                Change::new(ChangeKind::Metadata, Importance::Metadata)
                    .field(field)
                    .values(from, to),
            );
        }
    }
}

fn parties(old: &Model, new: &Model, changes: &mut Vec<Change>) {
    reordered(
        "parties",
        &old.parties
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        &new.parties
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        changes,
    );
    let new_by_id = by_id(&new.parties, |p| &p.id);
    let old_by_id = by_id(&old.parties, |p| &p.id);
    for (index, party) in old.parties.iter().enumerate() {
        let at = |c: Change| {
            let mut c = c;
            c.party = Some(party.id.clone());
            c.order = (0, index);
            c
        };
        match new_by_id.get(party.id.as_str()) {
            None => changes.push(at(Change::new(
                ChangeKind::PartyRemoved,
                Importance::Parties,
            )
            .values(party.name.clone(), Value::Null))),
            Some(&other) => {
                let other = &new.parties[other];
                if other.name != party.name {
                    changes.push(at(Change::new(
                        ChangeKind::PartyRenamed,
                        Importance::Parties,
                    )
                    .values(party.name.clone(), other.name.clone())));
                }
                if other.kind != party.kind {
                    changes.push(at(Change::new(
                        ChangeKind::PartyChanged,
                        Importance::Parties,
                    )
                    .field("kind")
                    .values(party.kind.as_str(), other.kind.as_str())));
                }
            }
        }
    }
    for (index, party) in new.parties.iter().enumerate() {
        if !old_by_id.contains_key(party.id.as_str()) {
            let mut change = Change::new(ChangeKind::PartyAdded, Importance::Parties)
                .values(Value::Null, party.name.clone());
            change.party = Some(party.id.clone());
            change.field = Some(party.kind.as_str());
            change.order = (0, index);
            changes.push(change);
        }
    }
}

fn services(old: &Model, new: &Model, changes: &mut Vec<Change>) {
    let describe = |model: &Model, s: &crate::analyze::model::Service| {
        let party = |p: Option<usize>| p.map(|p| model.parties[p].id.clone());
        [
            ("name", Value::from(s.name.clone())),
            (
                "model",
                s.model
                    .map(super::analyze::model::ServiceModel::as_str)
                    .into(),
            ),
            ("provider", party(s.provider).into()),
            ("customer", party(s.customer).into()),
            ("regions", s.regions.clone().into()),
            ("subservice", s.subservice.into()),
            (
                "runs-on",
                s.runs_on
                    .iter()
                    .map(|&below| model.services[below].id.clone())
                    .collect::<Vec<_>>()
                    .into(),
            ),
        ]
    };
    reordered(
        "services",
        &old.services
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        &new.services
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        changes,
    );
    let new_by_id = by_id(&new.services, |s| &s.id);
    let old_by_id = by_id(&old.services, |s| &s.id);
    for (index, service) in old.services.iter().enumerate() {
        let base = |c: Change| {
            let mut c = c;
            c.service = Some(service.id.clone());
            c.order = (1, index);
            c
        };
        match new_by_id.get(service.id.as_str()) {
            None => changes.push(base(
                Change::new(ChangeKind::ServiceRemoved, Importance::Parties)
                    .values(service.name.clone(), Value::Null),
            )),
            Some(&other) => {
                let before = describe(old, service);
                let after = describe(new, &new.services[other]);
                for ((field, from), (_, to)) in before.into_iter().zip(after) {
                    if from != to {
                        changes.push(base(
                            Change::new(ChangeKind::ServiceChanged, Importance::Parties)
                                .field(field)
                                .values(from, to),
                        ));
                    }
                }
            }
        }
    }
    for (index, service) in new.services.iter().enumerate() {
        if !old_by_id.contains_key(service.id.as_str()) {
            let mut change = Change::new(ChangeKind::ServiceAdded, Importance::Parties)
                .values(Value::Null, service.name.clone());
            change.service = Some(service.id.clone());
            change.order = (1, index);
            changes.push(change);
        }
    }
}

/// Controls of a catalog retitled or moved to another domain (once per control, not per pair).
fn controls(old: &Model, new: &Model, changes: &mut Vec<Change>) {
    let old_by_id = by_id(&old.controls, |c| &c.display);
    for (index, control) in new.controls.iter().enumerate() {
        let Some(&before) = old_by_id.get(control.display.as_str()) else {
            continue;
        };
        let before = &old.controls[before];
        let (was, is) = (
            &old.domains[before.domain].title,
            &new.domains[control.domain].title,
        );
        for (field, from, to) in [
            ("title", &before.title, &control.title),
            ("domain", was, is),
        ] {
            if from != to {
                let mut change = Change::new(ChangeKind::ControlChanged, Importance::Wording)
                    .field(field)
                    .values(from.clone(), to.clone());
                change.control = Some(control.display.clone());
                change.domain = Some(is.clone());
                change.order = (index, usize::MAX);
                changes.push(change);
            }
        }
    }
}

fn pairs(
    old: &Model,
    old_graph: &ResponsibilityGraph,
    new: &Model,
    new_graph: &ResponsibilityGraph,
    words: &mut WordDiffs,
    changes: &mut Vec<Change>,
) {
    let old_services = by_id(&old.services, |s| &s.id);
    let old_controls = by_id(&old.controls, |c| &c.display);
    let new_controls = by_id(&new.controls, |c| &c.display);
    fn justification(model: &Model, pair: usize) -> Option<&str> {
        model.pairs[pair]
            .exclusion
            .map(|e| model.exclusions[e].justification.as_str())
    }

    for (new_index, pair) in new.pairs.iter().enumerate() {
        let service = &new.services[pair.service];
        let control = &new.controls[pair.control];
        let at = |c: Change| {
            let mut c = c;
            c.service = Some(service.id.clone());
            c.control = Some(control.display.clone());
            c.domain = Some(new.domains[control.domain].title.clone());
            c.order = (pair.control, pair.service);
            c
        };
        // A new service's pairs are all new: the service-added change says it once.
        let Some(&old_service) = old_services.get(service.id.as_str()) else {
            continue;
        };
        let Some(&old_control) = old_controls.get(control.display.as_str()) else {
            changes.push(at(Change::new(ChangeKind::PairAdded, Importance::Scope)
                .values(Value::Null, new_graph.ownership[new_index].as_str())));
            continue;
        };
        let old_index = old.pair_index(old_service, old_control);
        let (was, is) = (
            old_graph.ownership[old_index],
            new_graph.ownership[new_index],
        );
        match (justification(old, old_index), justification(new, new_index)) {
            (None, Some(why)) => {
                changes
                    .push(at(Change::new(ChangeKind::Excluded, Importance::Scope)
                        .values(Value::Null, why)));
            }
            (Some(why), None) => {
                changes
                    .push(at(Change::new(ChangeKind::ReIncluded, Importance::Scope)
                        .values(why, Value::Null)));
            }
            (Some(a), Some(b)) if a != b => {
                let mut change =
                    at(Change::new(ChangeKind::Justification, Importance::Wording).values(a, b));
                change.words = Some(words.of(a, b));
                changes.push(change);
            }
            _ => {}
        }
        if was != is {
            changes.push(at(Change::new(
                ChangeKind::Ownership,
                Importance::Ownership,
            )
            .values(was.as_str(), is.as_str())));
        }
        compare_duties(
            &duty_facts(old, old_graph, old_index),
            &duty_facts(new, new_graph, new_index),
            &at,
            words,
            changes,
        );
        // The same notes in another order: the annex shows them in order.
        let (old_list, new_list) = (&old.pairs[old_index].notes, &pair.notes);
        if old_list != new_list && sorted(old_list) == sorted(new_list) {
            changes.push(at(Change::new(ChangeKind::Reordered, Importance::Wording)
                .field("notes")
                .values(old_list.clone(), new_list.clone())));
        } else if old_list != new_list {
            let (old_notes, new_notes) = (old_list.join("\n\n"), new_list.join("\n\n"));
            let mut change = at(Change::new(ChangeKind::ControlNote, Importance::Wording)
                .values(old_notes.clone(), new_notes.clone()));
            change.words = Some(words.of(&old_notes, &new_notes));
            changes.push(change);
        }
    }
    // Pairs whose control left the catalogs, for services on both sides.
    for (old_index, pair) in old.pairs.iter().enumerate() {
        let service = &old.services[pair.service];
        let control = &old.controls[pair.control];
        let service_kept = new.services.iter().any(|s| s.id == service.id);
        if service_kept && !new_controls.contains_key(control.display.as_str()) {
            let mut change = Change::new(ChangeKind::PairRemoved, Importance::Scope)
                .values(old_graph.ownership[old_index].as_str(), Value::Null);
            change.service = Some(service.id.clone());
            change.control = Some(control.display.clone());
            change.domain = Some(old.domains[control.domain].title.clone());
            change.order = (usize::MAX - 1, pair.service);
            changes.push(change);
        }
    }
}

fn sorted(texts: &[String]) -> Vec<&str> {
    let mut texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    texts.sort_unstable();
    texts
}

/// Upstreams added, removed or changed (their fingerprint, the party that stands for us, the
/// pin), and the obligations they put on us: added, removed, taken up or opened again.
fn upstreams(old: &Model, new: &Model, changes: &mut Vec<Change>) {
    let described = |model: &Model, index: usize| {
        let upstream = &model.upstreams[index];
        let fingerprint = upstream
            .published
            .as_ref()
            .map(|p| p.matrix.fingerprint.to_string());
        [
            ("fingerprint", Value::from(fingerprint)),
            ("as", Value::from(upstream.party_id.clone())),
            ("pin", Value::from(upstream.pin.clone())),
        ]
    };
    let old_by_id = by_id(&old.upstreams, |u| &u.id);
    let new_by_id = by_id(&new.upstreams, |u| &u.id);
    for (index, upstream) in old.upstreams.iter().enumerate() {
        let mut change = match new_by_id.get(upstream.id.as_str()) {
            None => Change::new(ChangeKind::UpstreamRemoved, Importance::Parties)
                .values(upstream.party_id.clone(), Value::Null),
            Some(&other) => {
                for ((field, from), (_, to)) in
                    described(old, index).into_iter().zip(described(new, other))
                {
                    if from != to {
                        let mut change =
                            Change::new(ChangeKind::UpstreamChanged, Importance::Parties)
                                .field(field)
                                .values(from, to);
                        change.party = Some(upstream.id.clone());
                        change.order = (2, index);
                        changes.push(change);
                    }
                }
                continue;
            }
        };
        change.party = Some(upstream.id.clone());
        change.order = (2, index);
        changes.push(change);
    }
    for (index, upstream) in new.upstreams.iter().enumerate() {
        if !old_by_id.contains_key(upstream.id.as_str()) {
            let mut change = Change::new(ChangeKind::UpstreamAdded, Importance::Parties)
                .values(Value::Null, upstream.party_id.clone());
            change.party = Some(upstream.id.clone());
            change.order = (2, index);
            changes.push(change);
        }
    }
    type Key<'a> = (&'a str, &'a str, &'a str, &'a str);
    fn keyed(model: &Model) -> HashMap<Key<'_>, (&crate::analyze::model::Obligation, usize)> {
        model
            .obligations
            .iter()
            .enumerate()
            .map(|(index, o)| {
                let upstream = model.upstreams[o.upstream].id.as_str();
                let key = (
                    upstream,
                    o.service.as_str(),
                    o.control.as_str(),
                    o.duty.as_str(),
                );
                (key, (o, index))
            })
            .collect()
    }
    let (before, after) = (keyed(old), keyed(new));
    let at = |model: &Model, o: &crate::analyze::model::Obligation, index: usize, kind| {
        let mut change = Change::new(kind, Importance::Duties);
        change.service = Some(format!("{}.{}", model.upstreams[o.upstream].id, o.service));
        change.control = Some(o.control.clone());
        change.duty = Some(o.duty.clone());
        change.order = (
            usize::MAX - 2,
            index * 2 + usize::from(kind != ChangeKind::ObligationRemoved),
        );
        change
    };
    let status = |o: &crate::analyze::model::Obligation| {
        if o.taken_by.is_some() {
            "taken"
        } else {
            "open"
        }
    };
    // In the order the obligations are listed, for a stable report.
    for (index, o) in old.obligations.iter().enumerate() {
        let key = (
            old.upstreams[o.upstream].id.as_str(),
            o.service.as_str(),
            o.control.as_str(),
            o.duty.as_str(),
        );
        match after.get(&key) {
            None => changes.push(
                at(old, o, index, ChangeKind::ObligationRemoved)
                    .values(o.title.clone(), Value::Null),
            ),
            Some(&(now, now_index)) if status(now) != status(o) => {
                let kind = if now.taken_by.is_some() {
                    ChangeKind::ObligationTaken
                } else {
                    ChangeKind::ObligationOpened
                };
                changes.push(at(new, now, now_index, kind).values(status(o), status(now)));
            }
            Some(_) => {}
        }
    }
    for (index, o) in new.obligations.iter().enumerate() {
        let key = (
            new.upstreams[o.upstream].id.as_str(),
            o.service.as_str(),
            o.control.as_str(),
            o.duty.as_str(),
        );
        if !before.contains_key(&key) {
            changes.push(
                at(new, o, index, ChangeKind::ObligationAdded).values(Value::Null, o.title.clone()),
            );
        }
    }
}

fn compare_duties(
    old: &[DutyFacts],
    new: &[DutyFacts],
    at: &dyn Fn(Change) -> Change,
    words: &mut WordDiffs,
    changes: &mut Vec<Change>,
) {
    // The duties kept on both sides, in another order: the annex lists them in order.
    let (old_ids, new_ids): (Vec<&str>, Vec<&str>) = (
        old.iter().map(|d| d.id).collect(),
        new.iter().map(|d| d.id).collect(),
    );
    let kept_old: Vec<&str> = old_ids
        .iter()
        .copied()
        .filter(|id| new_ids.contains(id))
        .collect();
    let kept_new: Vec<&str> = new_ids
        .iter()
        .copied()
        .filter(|id| old_ids.contains(id))
        .collect();
    if kept_old != kept_new {
        changes.push(at(Change::new(ChangeKind::Reordered, Importance::Wording)
            .field("duties")
            .values(old_ids.clone(), new_ids.clone())));
    }
    // A pair can hold one id twice (E205): the n-th duty with an id matches the n-th.
    let nth = |duties: &[DutyFacts], index: usize| {
        duties[..index]
            .iter()
            .filter(|d| d.id == duties[index].id)
            .count()
    };
    let find = |duties: &[DutyFacts], id: &str, n: usize| {
        duties
            .iter()
            .enumerate()
            .filter(|(_, d)| d.id == id)
            .nth(n)
            .map(|(index, _)| index)
    };
    for (index, duty) in old.iter().enumerate() {
        if find(new, duty.id, nth(old, index)).is_none() {
            let mut change = at(Change::new(ChangeKind::DutyRemoved, Importance::Duties)
                .values(duty.title, Value::Null));
            change.duty = Some(duty.id.to_owned());
            changes.push(change);
        }
    }
    for (index, duty) in new.iter().enumerate() {
        let Some(before) = find(old, duty.id, nth(new, index)).map(|i| &old[i]) else {
            let mut change = at(Change::new(ChangeKind::DutyAdded, Importance::Duties)
                .values(Value::Null, duty.title));
            change.duty = Some(duty.id.to_owned());
            changes.push(change);
            continue;
        };
        for (field, from, to) in [
            ("title", before.title, duty.title),
            ("note", before.notes.as_str(), duty.notes.as_str()),
            ("evidence", before.evidence.as_str(), duty.evidence.as_str()),
        ] {
            if from != to {
                let mut change = at(Change::new(ChangeKind::DutyReworded, Importance::Wording)
                    .field(field)
                    .values(from, to));
                change.duty = Some(duty.id.to_owned());
                change.words = Some(words.of(from, to));
                changes.push(change);
            }
        }
        if before.origin != duty.origin {
            // The same text, now negotiated in the matrix or now a baseline's default: a
            // reviewer reads the two differently.
            let mut change = at(
                Change::new(ChangeKind::DutyOriginChanged, Importance::Wording)
                    .field("origin")
                    .values(before.origin.as_str(), duty.origin.as_str()),
            );
            change.duty = Some(duty.id.to_owned());
            changes.push(change);
        }
        let parties: std::collections::BTreeSet<&str> = before
            .letters
            .keys()
            .chain(duty.letters.keys())
            .copied()
            .collect();
        for party in parties {
            let from = before.letters.get(party).cloned().unwrap_or_default();
            let to = duty.letters.get(party).cloned().unwrap_or_default();
            if from != to {
                let mut change =
                    at(Change::new(ChangeKind::Assignment, Importance::Duties).values(from, to));
                change.duty = Some(duty.id.to_owned());
                change.party = Some(party.to_owned());
                changes.push(change);
            }
        }
    }
}

/// Findings present on one side only, matched by code, pair and message (not by line).
fn findings(old: &Compilation, new: &Compilation, new_model: &Model, changes: &mut Vec<Change>) {
    type Key<'a> = (Code, Option<(&'a str, &'a str)>, &'a str);
    fn keys(c: &Compilation) -> Vec<Key<'_>> {
        c.diagnostics
            .iter()
            .map(|d| {
                (
                    d.code,
                    d.pair
                        .as_ref()
                        .map(|p| (p.service.as_str(), p.control.as_str())),
                    d.message.as_str(),
                )
            })
            .collect()
    }
    let (before, after) = (keys(old), keys(new));
    let control_order = by_id(&new_model.controls, |c| &c.display);
    let mut counted: HashMap<Key, isize> = HashMap::new();
    for k in &before {
        *counted.entry(*k).or_default() -= 1;
    }
    for k in &after {
        *counted.entry(*k).or_default() += 1;
    }
    let mut emit = |k: &Key, kind: ChangeKind| {
        let mut change = Change::new(kind, Importance::Gap);
        change.code = Some(k.0);
        if let Some((service, control)) = k.1 {
            change.service = Some(service.to_owned());
            change.control = Some(control.to_owned());
            change.order = (control_order.get(control).copied().unwrap_or(usize::MAX), 0);
        }
        let message = Value::from(k.2);
        if kind == ChangeKind::FindingIntroduced {
            change = change.values(Value::Null, message);
        } else {
            change = change.values(message, Value::Null);
        }
        changes.push(change);
    };
    for k in &after {
        if let Some(n) = counted.get_mut(k) {
            if *n > 0 {
                *n -= 1;
                emit(k, ChangeKind::FindingIntroduced);
            }
        }
    }
    for k in &before {
        if let Some(n) = counted.get_mut(k) {
            if *n < 0 {
                *n += 1;
                emit(k, ChangeKind::FindingResolved);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::{words, WordDiffs, WORD_DIFF_LIMIT};

    fn edits(old: &str, new: &str) -> Vec<(&'static str, String)> {
        words(old, new)
            .into_iter()
            .map(|edit| (edit.op, edit.text))
            .collect()
    }

    #[test]
    fn a_long_text_reworded_in_one_place_gets_a_word_diff() {
        let body = (0..4 * WORD_DIFF_LIMIT).fold(String::new(), |mut body, i| {
            let _ = write!(body, "w{i} ");
            body
        });
        let old = format!("{body}keep the old word {body}");
        let new = format!("{body}keep the new word {body}");
        assert_eq!(
            edits(&old, &new),
            [
                ("equal", format!("{body}keep the ")),
                // The space after a changed word goes with it (as `similar` leaves it).
                ("delete", "old ".to_owned()),
                ("insert", "new ".to_owned()),
                ("equal", format!("word {body}")),
            ]
        );
    }

    #[test]
    fn past_the_bound_the_changed_stretch_is_shown_whole() {
        // `n` words on each side, every fifth the same on both (neither the first nor the last).
        let stretch = |word: &str, n: usize| -> String {
            (0..n)
                .map(|i| match i % 5 {
                    2 => format!("s{i}"),
                    _ => format!("{word}{i}"),
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let at = |n: usize| {
            let (old, new) = (stretch("a", n), stretch("b", n));
            let edits = edits(&format!("Start. {old} End."), &format!("Start. {new} End."));
            (old, new, edits)
        };
        let (_, _, within) = at(WORD_DIFF_LIMIT / 2);
        assert!(within.len() > WORD_DIFF_LIMIT / 10, "{}", within.len());
        let (old, new, past) = at(WORD_DIFF_LIMIT / 2 + 1);
        assert_eq!(
            past,
            [
                ("equal", "Start. ".to_owned()),
                ("delete", format!("{old} ")),
                ("insert", format!("{new} ")),
                ("equal", "End.".to_owned()),
            ]
        );
    }

    #[test]
    fn each_pair_of_texts_is_diffed_once() {
        let mut diffs = WordDiffs::default();
        let first = diffs.of("a b c", "a x c");
        assert_eq!(diffs.of("a b c", "a x c"), first);
        diffs.of("a b c", "a y c");
        assert_eq!(diffs.done.len(), 1);
        assert_eq!(diffs.done["a b c"].len(), 2);
    }
}
