//! What a matrix says, as `srmc build --format json` publishes it, and the fingerprint of that.
//!
//! [`Published`] is the build JSON read back (an upstream matrix arrives as one, whether written
//! in `.srm` or handed over as JSON), and its serialisation with the places, the findings and
//! the fingerprint left out is the **canonical form** the fingerprint hashes. So a fingerprint
//! can always be recomputed from a published JSON document — a claimed one is never trusted —
//! and it covers exactly what the document says: header, parties and teams, services with their
//! sub-services and `runs-on`, the catalog's controls, every pair with its ownership, exclusion,
//! notes and duties, and the upstreams with their obligations. Order is meaning where a reader
//! sees it (parties, services, controls, pairs, duties, notes); the order of a duty's assignment
//! lines is not, so assignments are hashed sorted by party.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::analyze::model::{self, Model};
use crate::diagnostics::Diagnostic;
use crate::graph::ResponsibilityGraph;
use crate::source::Sources;

/// Text borrowed from a compiled model, or owned when read from a document.
pub type Text<'a> = Cow<'a, str>;

thread_local! {
    /// Set while the canonical form is written: places, findings and the claimed fingerprint
    /// are left out of it.
    static CANONICAL: Cell<bool> = const { Cell::new(false) };
}

fn canonical<T>(_: &T) -> bool {
    CANONICAL.with(Cell::get)
}

#[expect(
    clippy::ref_option,
    reason = "serde's `skip_serializing_if` passes the field by reference"
)]
fn canonical_or_none<T>(value: &Option<T>) -> bool {
    value.is_none() || canonical(value)
}

/// `P` holds the pairs: a list when read back or built whole, a [`Streamed`] sequence when a
/// large matrix is only written (hashed or rendered as JSON) pair by pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de>"))]
pub struct Published<'a, P = Vec<Pair<'a>>> {
    pub matrix: Header<'a>,
    pub parties: Vec<Party<'a>>,
    pub services: Vec<Service<'a>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subservices: Vec<Service<'a>>,
    /// The controls of the header's catalogs, in catalog order.
    #[serde(default)]
    pub controls: Vec<Control<'a>>,
    pub pairs: P,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstreams: Vec<Upstream<'a>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<Obligation<'a>>,
    /// Not part of what the matrix says.
    #[serde(default, skip_serializing_if = "canonical")]
    pub diagnostics: Vec<Finding<'a>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header<'a> {
    pub title: Text<'a>,
    pub version: Text<'a>,
    pub effective: Option<Text<'a>>,
    pub catalogs: Vec<Text<'a>>,
    /// As claimed by the document; the canonical form leaves it out.
    #[serde(default, skip_serializing_if = "canonical")]
    pub fingerprint: Text<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Text<'a>>,
    /// For a party's extract: the party or team it is for. The fingerprint is then the whole
    /// matrix's, which the extract's content does not reproduce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract_for: Option<Text<'a>>,
    /// Document control: the agreement annexed, who owns and approves the matrix, its
    /// classification, the version it supersedes, when it is to be reviewed, its history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_by: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<History<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History<'a> {
    pub version: Text<'a>,
    pub date: Text<'a>,
    pub summary: Text<'a>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Party<'a> {
    pub id: Text<'a>,
    pub name: Text<'a>,
    pub kind: Text<'a>,
    /// For a team: the party it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_of: Option<Text<'a>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service<'a> {
    pub id: Text<'a>,
    pub name: Text<'a>,
    pub model: Text<'a>,
    pub provider: Option<Text<'a>>,
    pub customer: Option<Text<'a>>,
    #[serde(default)]
    pub regions: Vec<Text<'a>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs_on: Vec<Text<'a>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control<'a> {
    pub id: Text<'a>,
    pub title: Text<'a>,
    pub domain: Text<'a>,
    pub domain_title: Text<'a>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair<'a> {
    pub service: Text<'a>,
    pub control: Text<'a>,
    pub domain: Text<'a>,
    pub ownership: Text<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusion: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<Text<'a>>,
    pub duties: Vec<Duty<'a>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Text<'a>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duty<'a> {
    pub id: Text<'a>,
    pub title: Text<'a>,
    /// Party<'a> id → letters (sorted by party: the order of assignment lines means nothing).
    pub assignments: BTreeMap<Text<'a>, Text<'a>>,
    /// Where it is written; not part of what it says.
    #[serde(default, skip_serializing_if = "canonical_or_none")]
    pub source: Option<Source<'a>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Text<'a>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Text<'a>>,
    /// Where the duty's text comes from, when not from the matrix itself: the annex shows it,
    /// so it is part of what the matrix says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin<'a> {
    /// `baseline` or `inherited`.
    pub kind: Text<'a>,
    /// The baseline's id, or the id of the sub-service inherited from.
    pub from: Text<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source<'a> {
    pub file: Text<'a>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upstream<'a> {
    pub id: Text<'a>,
    /// The party that stands for this matrix in the upstream.
    #[serde(rename = "as")]
    pub party: Text<'a>,
    pub fingerprint: Text<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<Text<'a>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Obligation<'a> {
    pub upstream: Text<'a>,
    /// `upstream.service`.
    pub service: Text<'a>,
    pub control: Text<'a>,
    pub duty: Text<'a>,
    pub title: Text<'a>,
    /// Our letters in the upstream's duty.
    pub letters: Text<'a>,
    /// `taken` or `open`.
    pub status: Text<'a>,
    /// The duty of this matrix that takes it up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_by: Option<Duty<'a>>,
}

/// A finding of the published matrix, as its JSON lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding<'a> {
    pub code: Text<'a>,
    pub severity: Text<'a>,
    pub message: Text<'a>,
    #[serde(default)]
    pub file: Text<'a>,
    #[serde(default)]
    pub line: usize,
    #[serde(default)]
    pub column: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text<'a>>,
}

impl<P: Serialize> Published<'_, P> {
    /// The fingerprint of what the document says, computed from its content.
    pub fn fingerprint(&self) -> String {
        let mut hasher = std::io::BufWriter::with_capacity(1 << 16, HashWriter(Sha256::new()));
        CANONICAL.with(|flag| flag.set(true));
        let written = serde_json::to_writer(&mut hasher, self);
        CANONICAL.with(|flag| flag.set(false));
        written.expect("a published matrix serializes");
        let Ok(hasher) = hasher.into_inner() else {
            unreachable!("hashing never fails to write")
        };
        hex(&hasher.0.finalize())
    }
}

/// Bytes as lower-case hexadecimal, two digits each: how srmc writes every digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

impl<'a> Published<'a> {
    /// Keeps only what concerns `party` (of `model`) or its teams: the pairs where one of them
    /// holds a letter, and in them only those duties; no exclusions, no control notes; the
    /// obligations whose take-up names one of them.
    pub fn extract(&mut self, model: &Model, party: usize) {
        let ours: Vec<&str> = (0..model.parties.len())
            .filter(|&p| is_or_belongs_to(model, p, party))
            .map(|p| model.parties[p].id.as_str())
            .collect();
        let concerns = |duty: &Duty| duty.assignments.keys().any(|k| ours.contains(&&**k));
        for pair in &mut self.pairs {
            pair.duties.retain(|duty| concerns(duty));
            pair.notes.clear();
            pair.exclusion = None;
        }
        self.pairs.retain(|pair| !pair.duties.is_empty());
        self.obligations
            .retain(|o| o.taken_by.as_ref().is_some_and(&concerns));
        self.matrix.extract_for = Some(Cow::Owned(model.parties[party].id.clone()));
    }

    /// Keeps of the pairs only the duties in which `party` holds `R` or `A`, without their
    /// notes and evidence: what an upstream's obligations are read from. Of the services in
    /// `inheritable` (which the loading matrix runs on or inherits from) every pair stays, with
    /// its ownership, and so do the duties their provider is accountable for, notes and evidence
    /// included: what `inherit` copies.
    pub fn keep_duties_of(&mut self, party: &str, inheritable: &[&str]) {
        let providers: BTreeMap<&str, &str> = self
            .services
            .iter()
            .filter(|s| inheritable.contains(&&*s.id))
            .filter_map(|s| Some((&*s.id, &**s.provider.as_ref()?)))
            .collect();
        let mut kept: Vec<bool> = Vec::with_capacity(self.pairs.len());
        for pair in &mut self.pairs {
            let inheritable = inheritable.contains(&&*pair.service);
            let provider = providers.get(&*pair.service).copied();
            let provided = |duty: &Duty| {
                provider.is_some_and(|p| {
                    duty.assignments
                        .get(p)
                        .is_some_and(|letters| letters.contains('A'))
                })
            };
            pair.duties.retain(|duty| {
                provided(duty)
                    || duty
                        .assignments
                        .get(party)
                        .is_some_and(|letters| letters.contains(['R', 'A']))
            });
            for duty in &mut pair.duties {
                if !provided(duty) {
                    duty.notes = Vec::new();
                    duty.evidence = Vec::new();
                }
            }
            pair.notes = Vec::new();
            kept.push(inheritable || !pair.duties.is_empty());
        }
        let mut kept = kept.into_iter();
        self.pairs.retain(|_| kept.next().unwrap_or(false));
    }

    /// The same, owning its texts.
    pub fn into_owned(self) -> Published<'static> {
        self.owned()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding<'a>> {
        self.diagnostics.iter().filter(|d| d.severity == "error")
    }
}

impl<'a> Published<'a> {
    /// What a compiled matrix publishes, borrowing its texts. `places` adds where each duty is
    /// written (the JSON rendering shows it; the fingerprint does not need it), `diagnostics`
    /// the findings.
    pub fn of(
        model: &'a Model,
        graph: &'a ResponsibilityGraph,
        places: Option<&'a Sources>,
        diagnostics: &[Diagnostic],
    ) -> Self {
        let pairs = pairs(model, graph, places).collect();
        Published::with_pairs(model, places, diagnostics, pairs)
    }
}

/// Every pair of the matrix's own services, in service order, then catalog order.
fn pairs<'a>(
    model: &'a Model,
    graph: &'a ResponsibilityGraph,
    places: Option<&'a Sources>,
) -> impl Iterator<Item = Pair<'a>> + 'a {
    let text = |s: &'a str| Cow::Borrowed(s);
    let duty = move |node, duty: usize| {
        let def = &model.duties[duty];
        Duty {
            id: text(&def.id),
            title: text(&def.title),
            assignments: graph
                .assignments(node)
                .into_iter()
                .map(|(party, raci)| (text(&model.parties[party].id), Cow::Owned(raci.to_string())))
                .collect(),
            source: places.map(|sources| {
                let at = sources.line_col(def.head);
                Source {
                    file: text(&sources.get(def.head.file).name),
                    line: at.line,
                }
            }),
            evidence: def.evidence.iter().map(|e| text(e)).collect(),
            notes: def.notes.iter().map(|n| text(n)).collect(),
            origin: Origin::of(def.origin, model),
        }
    };
    (0..model.services.len())
        .filter(|&s| !model.services[s].subservice)
        .flat_map(|s| (0..model.controls.len()).map(move |c| (s, c)))
        .map(move |(s, c)| {
            let index = model.pair_index(s, c);
            let pair = &model.pairs[index];
            let control = &model.controls[c];
            Pair {
                service: text(&model.services[s].id),
                control: text(&control.display),
                domain: text(&model.domains[control.domain].id),
                ownership: text(graph.ownership[index].as_str()),
                exclusion: pair
                    .exclusion
                    .map(|e| text(&model.exclusions[e].justification)),
                inherited_from: pair
                    .inherit
                    .map(|i| text(&model.services[model.inherits[i].from].name)),
                duties: graph
                    .pair_duties(index)
                    .map(|(node, d)| duty(node, d))
                    .collect(),
                notes: pair.notes.iter().map(|n| text(n)).collect(),
            }
        })
}

/// A sequence serialised item by item as an iterator makes them, never gathered: the pairs of
/// a large matrix, hashed or written.
pub struct Streamed<F>(pub F);

impl<F, I> Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

impl<'a, P> Published<'a, P> {
    /// What a compiled matrix publishes, with `pairs` as its pairs.
    fn with_pairs(
        model: &'a Model,
        places: Option<&'a Sources>,
        diagnostics: &[Diagnostic],
        pairs: P,
    ) -> Self {
        let text = |s: &'a str| Cow::Borrowed(s);
        let party_id = |p: Option<usize>| p.map(|p| text(&model.parties[p].id));
        let service = |s: &'a crate::analyze::model::Service| Service {
            id: text(&s.id),
            name: text(&s.name),
            model: text(s.model.map_or("", |m| m.as_str())),
            provider: party_id(s.provider),
            customer: party_id(s.customer),
            regions: s.regions.iter().map(|r| text(r)).collect(),
            runs_on: s
                .runs_on
                .iter()
                .map(|&below| text(&model.services[below].id))
                .collect(),
        };
        let matrix_services: Vec<usize> = (0..model.services.len())
            .filter(|&s| !model.services[s].subservice)
            .collect();
        Published {
            matrix: Header {
                title: text(&model.header.title),
                version: text(&model.header.version),
                effective: Some(text(&model.header.effective)).filter(|e| !e.is_empty()),
                catalogs: model.header.catalogs.iter().map(|c| text(c)).collect(),
                fingerprint: Cow::Borrowed(""),
                scope: model.header.scope.as_deref().map(text),
                extract_for: None,
                agreement: model.header.document.agreement.as_deref().map(text),
                owner: model.header.document.owner.as_deref().map(text),
                approver: model.header.document.approver.as_deref().map(text),
                classification: model.header.document.classification.as_deref().map(text),
                supersedes: model.header.document.supersedes.as_deref().map(text),
                review_by: model.header.document.review_by.as_deref().map(text),
                history: model
                    .header
                    .document
                    .history
                    .iter()
                    .map(|h| History {
                        version: text(&h.version),
                        date: text(&h.date),
                        summary: text(&h.summary),
                    })
                    .collect(),
            },
            parties: model
                .parties
                .iter()
                .map(|p| Party {
                    id: text(&p.id),
                    name: text(&p.name),
                    kind: text(p.kind.as_str()),
                    team_of: p.team_of.map(|t| text(&model.parties[t].id)),
                })
                .collect(),
            services: matrix_services
                .iter()
                .map(|&s| service(&model.services[s]))
                .collect(),
            subservices: model
                .services
                .iter()
                .filter(|s| s.subservice)
                .map(service)
                .collect(),
            controls: model
                .controls
                .iter()
                .map(|c| Control {
                    id: text(&c.display),
                    title: text(&c.title),
                    domain: text(&model.domains[c.domain].id),
                    domain_title: text(&model.domains[c.domain].title),
                })
                .collect(),
            pairs,
            upstreams: model
                .upstreams
                .iter()
                .map(|u| Upstream {
                    id: text(&u.id),
                    party: text(&u.party_id),
                    fingerprint: u
                        .published
                        .as_ref()
                        .map_or(Cow::Borrowed(""), |p| Cow::Borrowed(&*p.matrix.fingerprint)),
                    pin: u.pin.as_deref().map(text),
                })
                .collect(),
            obligations: model
                .obligations
                .iter()
                .map(|o| {
                    let upstream = &model.upstreams[o.upstream];
                    let taken_by = o.taken_by.map(|t| {
                        let def = &model.duties[model.takeups[t].duty];
                        Duty {
                            id: text(&def.id),
                            // A take-up's title is the upstream's unless it gives one.
                            title: if def.title.is_empty() {
                                text(&o.title)
                            } else {
                                text(&def.title)
                            },
                            assignments: takeup_assignments(model, upstream, def),
                            source: places.map(|sources| {
                                let at = sources.line_col(def.head);
                                Source {
                                    file: text(&sources.get(def.head.file).name),
                                    line: at.line,
                                }
                            }),
                            evidence: def.evidence.iter().map(|e| text(e)).collect(),
                            notes: def.notes.iter().map(|n| text(n)).collect(),
                            origin: None,
                        }
                    });
                    Obligation {
                        upstream: text(&upstream.id),
                        service: Cow::Owned(format!("{}.{}", upstream.id, o.service)),
                        control: text(&o.control),
                        duty: text(&o.duty),
                        title: text(&o.title),
                        letters: text(&o.letters),
                        status: Cow::Borrowed(if taken_by.is_some() { "taken" } else { "open" }),
                        taken_by,
                    }
                })
                .collect(),
            diagnostics: places.map_or_else(Vec::new, |sources| {
                diagnostics.iter().map(|d| finding(d, sources)).collect()
            }),
        }
    }
}

/// A take-up's letters by party id; role keywords and the upstream's own parties are named as the
/// upstream names them.
fn takeup_assignments<'a>(
    model: &'a Model,
    upstream: &'a crate::analyze::model::UpstreamDef,
    def: &'a crate::analyze::model::DutyDef,
) -> BTreeMap<Text<'a>, Text<'a>> {
    def.assignments
        .iter()
        .filter(|a| a.party != crate::analyze::model::PartyRef::Unresolved)
        .map(|a| {
            (
                Cow::Borrowed(upstream.party_name(model, a.party)),
                Cow::Owned(a.letters.to_string()),
            )
        })
        .collect()
}

fn finding<'a>(diagnostic: &Diagnostic, sources: &'a Sources) -> Finding<'a> {
    let at = sources.line_col(diagnostic.span);
    Finding {
        code: Cow::Borrowed(diagnostic.code.as_str()),
        severity: Cow::Borrowed(diagnostic.severity().as_str()),
        message: Cow::Owned(diagnostic.full_message()),
        file: Cow::Borrowed(&sources.get(diagnostic.span.file).name),
        line: at.line,
        column: at.column,
        service: diagnostic
            .pair
            .as_ref()
            .map(|p| Cow::Owned(p.service.clone())),
        control: diagnostic
            .pair
            .as_ref()
            .map(|p| Cow::Owned(p.control.clone())),
        help: diagnostic.help.as_ref().map(|h| Cow::Owned(h.clone())),
    }
}

/// Whether `party` is `of`, or one of its teams.
pub fn is_or_belongs_to(model: &Model, party: usize, of: usize) -> bool {
    party == of || model.parties[party].team_of == Some(of)
}

/// The fingerprint of a compiled matrix: the hash of the canonical form of what it publishes.
pub fn fingerprint(model: &Model, graph: &ResponsibilityGraph) -> String {
    streamed(model, graph, None, &[]).fingerprint()
}

/// [`Published::of`] with its pairs made one by one as they are written, never held together.
pub fn streamed<'a>(
    model: &'a Model,
    graph: &'a ResponsibilityGraph,
    places: Option<&'a Sources>,
    diagnostics: &[Diagnostic],
) -> Published<'a, impl Serialize + 'a> {
    Published::with_pairs(
        model,
        places,
        diagnostics,
        Streamed(move || pairs(model, graph, places)),
    )
}

/// The hash as an `io::Write`, so the canonical form is hashed as it is written: on a large
/// matrix it runs to tens of megabytes.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Texts borrowed from a compiled model made owned: an upstream outlives its compilation.
trait Owned {
    type Out;
    fn owned(self) -> Self::Out;
}

impl Owned for Text<'_> {
    type Out = Text<'static>;
    fn owned(self) -> Text<'static> {
        Cow::Owned(self.into_owned())
    }
}

impl Owned for usize {
    type Out = usize;
    fn owned(self) -> usize {
        self
    }
}

impl<T: Owned> Owned for Option<T> {
    type Out = Option<T::Out>;
    fn owned(self) -> Self::Out {
        self.map(Owned::owned)
    }
}

impl<T: Owned> Owned for Vec<T> {
    type Out = Vec<T::Out>;
    fn owned(self) -> Self::Out {
        self.into_iter().map(Owned::owned).collect()
    }
}

impl<'a> Origin<'a> {
    fn of(origin: model::Origin, model: &'a Model) -> Option<Self> {
        let (kind, from) = match origin {
            // An upstream's own duties are never among this matrix's pairs.
            model::Origin::Written | model::Origin::Upstream(_) => return None,
            model::Origin::Baseline(baseline) => ("baseline", &model.baselines[baseline].id),
            model::Origin::Inherited { from, .. } => ("inherited", &model.services[from].id),
        };
        Some(Origin {
            kind: Cow::Borrowed(kind),
            from: Cow::Borrowed(from),
        })
    }
}

impl Owned for BTreeMap<Text<'_>, Text<'_>> {
    type Out = BTreeMap<Text<'static>, Text<'static>>;
    fn owned(self) -> Self::Out {
        self.into_iter()
            .map(|(k, v)| (k.owned(), v.owned()))
            .collect()
    }
}

macro_rules! owned {
    ($($name:ident { $($field:ident),* $(,)? })*) => {
        $(impl Owned for $name<'_> {
            type Out = $name<'static>;
            fn owned(self) -> $name<'static> {
                $name { $($field: self.$field.owned()),* }
            }
        })*
    };
}

owned! {
    Published { matrix, parties, services, subservices, controls, pairs, upstreams, obligations, diagnostics }
    Header { title, version, effective, catalogs, fingerprint, scope, extract_for, agreement, owner, approver, classification, supersedes, review_by, history }
    History { version, date, summary }
    Party { id, name, kind, team_of }
    Service { id, name, model, provider, customer, regions, runs_on }
    Control { id, title, domain, domain_title }
    Pair { service, control, domain, ownership, exclusion, inherited_from, duties, notes }
    Duty { id, title, assignments, source, evidence, notes, origin }
    Origin { kind, from }
    Source { file, line }
    Upstream { id, party, fingerprint, pin }
    Obligation { upstream, service, control, duty, title, letters, status, taken_by }
    Finding { code, severity, message, file, line, column, service, control, help }
}
