//! The resolved model: every name bound, every pattern expanded, every pair's duties decided by
//! precedence. The graph, the checks and the renderers read this and nothing of the syntax.

use std::fmt;

use serde::Serialize;

use crate::source::Span;

pub type PartyIdx = usize;
pub type ServiceIdx = usize;
pub type ControlIdx = usize;
pub type DomainIdx = usize;
pub type DutyIdx = usize;
pub type ExclusionIdx = usize;

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub header: Header,
    pub parties: Vec<Party>,
    pub services: Vec<Service>,
    /// The catalogs the header names, in its order.
    pub catalogs: Vec<Catalog>,
    pub domains: Vec<Domain>,
    /// Every control in scope: catalog order within header order.
    pub controls: Vec<Control>,
    /// Every duty as written, once, however many pairs it applies to.
    pub duties: Vec<DutyDef>,
    pub exclusions: Vec<ExclusionDef>,
    /// The baselines the services use (built-in ones only when used), and unused written ones.
    pub baselines: Vec<BaselineDef>,
    /// Every `inherit` statement.
    pub inherits: Vec<InheritDef>,
    /// One per (service, control), service-major: see [`Model::pair_index`].
    pub pairs: Vec<Pair>,
    /// Rule breaks found while deciding precedence, for the checks to report.
    pub clashes: Vec<Clash>,
    /// The upstream matrices, in the order they are declared.
    pub upstreams: Vec<UpstreamDef>,
    /// The duties written in blocks for upstream services.
    pub takeups: Vec<TakeUp>,
    /// What the upstreams put on this matrix, each with the duty that takes it up.
    pub obligations: Vec<Obligation>,
}

/// `upstream ID "PATH" as PARTY [pin HEX]`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamDef {
    pub span: Span,
    pub id: String,
    /// The party of this matrix that stands for us in the upstream (`None`: not declared).
    pub party: Option<PartyIdx>,
    /// The `as` id as written.
    pub party_id: String,
    pub pin: Option<String>,
    /// What the upstream publishes; `None` when it does not load or does not check clean (E211).
    pub published: Option<crate::published::Published<'static>>,
}

impl UpstreamDef {
    /// The id a take-up's assignment names, as the upstream names it: a party of ours, one of
    /// the upstream's (`provider` for its provider), or the `as` party for `customer`.
    pub fn party_name<'a>(&'a self, model: &'a Model, party: PartyRef) -> &'a str {
        match party {
            PartyRef::Party(p) => &model.parties[p].id,
            PartyRef::Outside(p) => self
                .published
                .as_ref()
                .and_then(|published| published.parties.get(p))
                .map_or("", |p| &*p.id),
            PartyRef::Provider => "provider",
            PartyRef::Customer => &self.party_id,
            PartyRef::Unresolved => "",
        }
    }
}

/// A duty written in a control block for an upstream service (`control K-1 for kestrel.mail`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeUp {
    pub upstream: usize,
    /// The service's id in the upstream.
    pub service: String,
    /// The control's id as the upstream shows it.
    pub control: String,
    pub duty: DutyIdx,
}

impl TakeUp {
    /// `upstream.service`, as this matrix names the service.
    pub fn service_ref(&self, model: &Model) -> String {
        format!("{}.{}", model.upstreams[self.upstream].id, self.service)
    }
}

/// A duty of an upstream pair in scope there in which the `as` party holds `R` or `A`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub upstream: usize,
    pub service: String,
    pub control: String,
    pub duty: String,
    pub title: String,
    /// Our letters in the upstream duty.
    pub letters: String,
    /// Where the upstream writes it.
    pub source: Option<(String, usize)>,
    /// The take-up, an index into [`Model::takeups`].
    pub taken_by: Option<usize>,
}

impl Model {
    pub fn pair_index(&self, service: ServiceIdx, control: ControlIdx) -> usize {
        service * self.controls.len() + control
    }

    /// The index of the pair of a service id and a control id (bare or as displayed).
    pub fn find_pair(&self, service: &str, control: &str) -> Option<usize> {
        let service = self.services.iter().position(|s| s.id == service)?;
        let control = self
            .controls
            .iter()
            .position(|c| c.display == control || c.id == control)?;
        Some(self.pair_index(service, control))
    }

    /// The party an assignment names, for one service (role keywords resolve per service).
    pub fn resolve(&self, service: ServiceIdx, party: PartyRef) -> Option<PartyIdx> {
        match party {
            PartyRef::Party(index) => Some(index),
            PartyRef::Provider => self.services[service].provider,
            PartyRef::Customer => self.services[service].customer,
            PartyRef::Unresolved | PartyRef::Outside(_) => None,
        }
    }

    /// The parties of one duty for one service, with their letters. A party named twice (by id
    /// and by role keyword) appears once with the letters of both.
    pub fn assignments(&self, service: ServiceIdx, duty: DutyIdx) -> Vec<(PartyIdx, Raci)> {
        let mut resolved: Vec<(PartyIdx, Raci)> = Vec::new();
        for assignment in &self.duties[duty].assignments {
            let Some(party) = self.resolve(service, assignment.party) else {
                continue;
            };
            match resolved.iter_mut().find(|(p, _)| *p == party) {
                Some((_, letters)) => *letters = letters.union(assignment.letters),
                None => resolved.push((party, assignment.letters)),
            }
        }
        resolved
    }

    /// Which side a party is on for one service: the service's own provider and customer first,
    /// then the party's kind.
    pub fn side(&self, service: ServiceIdx, party: PartyIdx) -> Side {
        // A team stands on its party's side.
        let party = self.parties[party].team_of.unwrap_or(party);
        let service = &self.services[service];
        if service.customer == Some(party) {
            Side::Csc
        } else if service.provider == Some(party) {
            Side::Csp
        } else {
            match self.parties[party].kind {
                PartyKind::Provider => Side::Csp,
                PartyKind::Customer => Side::Csc,
                PartyKind::Partner => Side::Neither,
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub span: Span,
    pub title: String,
    pub version: String,
    pub effective: String,
    pub scope: Option<String>,
    pub catalogs: Vec<String>,
    pub document: DocumentControl,
}

/// What the annex says about itself as a contract document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DocumentControl {
    /// The agreement the matrix is an annex of.
    pub agreement: Option<String>,
    pub owner: Option<String>,
    pub approver: Option<String>,
    pub classification: Option<String>,
    /// The version this one replaces.
    pub supersedes: Option<String>,
    pub review_by: Option<String>,
    /// Earlier versions, as the header lists them.
    pub history: Vec<HistoryEntry>,
}

impl DocumentControl {
    /// The header's one-string document-control keywords, in the order `srmc fmt` keeps them.
    pub const KEYWORDS: [&'static str; 6] = [
        "agreement",
        "owner",
        "approver",
        "classification",
        "supersedes",
        "review-by",
    ];

    /// Each one-string field under its header keyword, in [`Self::KEYWORDS`] order: what every
    /// rendering that lists the document control (workbook, OSCAL) writes.
    pub fn fields(&self) -> [(&'static str, Option<&str>); 6] {
        let values = [
            &self.agreement,
            &self.owner,
            &self.approver,
            &self.classification,
            &self.supersedes,
            &self.review_by,
        ];
        std::array::from_fn(|i| (Self::KEYWORDS[i], values[i].as_deref()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub version: String,
    pub date: String,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartyKind {
    Provider,
    Customer,
    Partner,
}

impl PartyKind {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "provider" => Some(PartyKind::Provider),
            "customer" => Some(PartyKind::Customer),
            "partner" => Some(PartyKind::Partner),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Provider => "provider",
            PartyKind::Customer => "customer",
            PartyKind::Partner => "partner",
        }
    }
}

/// Side of the shared-responsibility boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Cloud service provider.
    Csp,
    /// Cloud service customer.
    Csc,
    /// A partner: on neither side.
    Neither,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub span: Span,
    pub id: String,
    pub name: String,
    /// A team has the kind of its party.
    pub kind: PartyKind,
    /// For a team (`team ID "Name" of PARTY`): its party.
    pub team_of: Option<PartyIdx>,
    /// A party of an upstream (its index) that this matrix does not declare: the provider of an
    /// upstream service something here runs on, named as the upstream names it.
    pub upstream: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceModel {
    Iaas,
    Paas,
    Saas,
}

impl ServiceModel {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "iaas" => Some(ServiceModel::Iaas),
            "paas" => Some(ServiceModel::Paas),
            "saas" => Some(ServiceModel::Saas),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceModel::Iaas => "iaas",
            ServiceModel::Paas => "paas",
            ServiceModel::Saas => "saas",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub span: Span,
    pub id: String,
    pub name: String,
    /// `None` only in a model with errors.
    pub model: Option<ServiceModel>,
    pub provider: Option<PartyIdx>,
    pub customer: Option<PartyIdx>,
    pub regions: Vec<String>,
    /// Baselines applied, in `use` order.
    pub uses: Vec<usize>,
    /// The services this one runs on (`runs-on`).
    pub runs_on: Vec<ServiceIdx>,
    /// A sub-service organisation: outside the matrix's own scope.
    pub subservice: bool,
    /// A baseline its `use` names does not exist (E209): its pairs miss what that baseline would
    /// have given them, so they are not reported as unowned.
    pub use_failed: bool,
    /// A service of an upstream (`nimbus.claims`) that something here runs on or inherits from:
    /// it stands in this matrix as a sub-service does, with the upstream's duties as its own.
    pub upstream: Option<UpstreamService>,
}

/// What an upstream service brings into this matrix besides its duties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamService {
    /// Index into [`Model::upstreams`].
    pub upstream: usize,
    /// The service's id in the upstream.
    pub service: String,
    /// The ownership word the upstream gives each of this matrix's controls (`""` where it has
    /// no such control); empty when the upstream does not load (E211). The upstream decided it
    /// with its own exclusions and parties, which this matrix does not hold.
    pub ownership: Vec<String>,
}

impl Service {
    /// A service of an upstream that does not load (E211): nothing can be said of its pairs.
    pub fn is_unavailable_upstream(&self, model: &Model) -> bool {
        self.upstream
            .as_ref()
            .is_some_and(|u| model.upstreams[u.upstream].published.is_none())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub span: Span,
    pub id: String,
    pub title: String,
    pub builtin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub catalog: usize,
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub span: Span,
    pub catalog: usize,
    pub domain: DomainIdx,
    pub id: String,
    /// The id as the matrix must write it: qualified (`gx::GX-01`) when two header catalogs
    /// both have the bare id.
    pub display: String,
    pub title: String,
    /// The service models in which the customer side can act on it; `None`: every model.
    pub reach: Option<Vec<ServiceModel>>,
}

/// Precedence levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Baseline,
    MatrixWide,
    ServiceSpecific,
}

impl Level {
    pub fn describe(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::MatrixWide => "matrix-wide",
            Level::ServiceSpecific => "service-specific",
        }
    }
}

/// Where a duty or an exclusion stands in precedence for one service, lowest first: its level,
/// and for a baseline the place of that baseline in the service's `use` (each baseline of a
/// `use` is a level of its own, in the order written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rank {
    pub level: Level,
    pub position: usize,
}

impl Model {
    /// The rank of something at `level`, from `baseline` if it is written in one, for `service`.
    pub fn rank(&self, level: Level, baseline: Option<usize>, service: ServiceIdx) -> Rank {
        let position = baseline
            .and_then(|b| {
                self.services[service]
                    .uses
                    .iter()
                    .position(|&used| used == b)
            })
            .unwrap_or(0);
        Rank { level, position }
    }

    pub fn duty_rank(&self, duty: DutyIdx, service: ServiceIdx) -> Rank {
        let def = &self.duties[duty];
        let baseline = match def.origin {
            Origin::Baseline(baseline) => Some(baseline),
            _ => None,
        };
        self.rank(def.level, baseline, service)
    }

    pub fn exclusion_rank(&self, exclusion: ExclusionIdx, service: ServiceIdx) -> Rank {
        let def = &self.exclusions[exclusion];
        self.rank(def.level, def.baseline, service)
    }
}

/// Where a duty comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A control block of the matrix.
    Written,
    /// A control block of a baseline.
    Baseline(usize),
    /// A duty an upstream (its index) publishes for one of its services, brought in for
    /// `inherit` to copy; never in this matrix's scope.
    Upstream(usize),
    /// Made by `inherit` from a duty of a sub-service's pair.
    Inherited {
        inherit: usize,
        from: ServiceIdx,
        duty: DutyIdx,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineDef {
    pub span: Span,
    pub id: String,
    pub title: String,
    pub builtin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InheritDef {
    pub span: Span,
    /// The sub-service inherited from.
    pub from: ServiceIdx,
}

/// A set of RACI letters.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Raci(u8);

impl Raci {
    pub const R: Raci = Raci(1);
    pub const A: Raci = Raci(2);
    pub const C: Raci = Raci(4);
    pub const I: Raci = Raci(8);
    const ORDER: [(Raci, char); 4] = [
        (Raci::R, 'R'),
        (Raci::A, 'A'),
        (Raci::C, 'C'),
        (Raci::I, 'I'),
    ];

    pub fn from_letter(letter: char) -> Option<Raci> {
        Raci::ORDER
            .iter()
            .find(|(_, c)| *c == letter)
            .map(|(raci, _)| *raci)
    }

    pub fn union(self, other: Raci) -> Raci {
        Raci(self.0 | other.0)
    }

    pub fn contains(self, other: Raci) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Letters in `RACI` order, as the JSON form and the tables show them.
impl fmt::Display for Raci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (raci, letter) in Raci::ORDER {
            if self.contains(raci) {
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Raci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Raci({self})")
    }
}

/// Who an assignment line names, before the service is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyRef {
    Party(PartyIdx),
    /// The role keyword `provider`: the provider of each service.
    Provider,
    /// The role keyword `customer`: the customer of each service.
    Customer,
    /// A name that resolves to no party (already reported).
    Unresolved,
    /// In a duty for an upstream service: a party of the upstream that this matrix does not
    /// declare (index into its published parties).
    Outside(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentDef {
    pub span: Span,
    pub party: PartyRef,
    pub letters: Raci,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyDef {
    pub span: Span,
    /// The duty's id, or its title when it has no id: where findings about it point.
    pub head: Span,
    /// The written id, or the duty's position in its block (`1`, `2`, …).
    pub id: String,
    /// Index of the control block it is written in, in reading order.
    pub block: usize,
    pub title: String,
    pub level: Level,
    pub assignments: Vec<AssignmentDef>,
    pub evidence: Vec<String>,
    pub notes: Vec<String>,
    /// Some assignment names a party that does not exist: the accountability checks leave this
    /// duty alone rather than pile findings on the one already reported.
    pub incomplete: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionDef {
    pub span: Span,
    pub level: Level,
    /// The baseline it is written in.
    pub baseline: Option<usize>,
    /// Empty when the justification is missing (E401).
    pub justification: String,
    /// Whether the exclusion decides at least one pair in scope (else W303).
    pub effective: bool,
    /// A control or service it names does not resolve (reported): W303 would only repeat that.
    pub names_unresolved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub service: ServiceIdx,
    pub control: ControlIdx,
    /// The duties that hold after precedence, in the order they were written.
    pub duties: Vec<DutyIdx>,
    /// The exclusion that decides the pair, when no duty of a higher level overrides it.
    pub exclusion: Option<ExclusionIdx>,
    /// Notes written directly in the control blocks that apply to this pair.
    pub notes: Vec<String>,
    /// Duties of lower levels that precedence dropped, and why.
    pub replaced: Vec<Replaced>,
    /// The `inherit` statement that decides the pair, if any.
    pub inherit: Option<usize>,
    /// Whether checks and renderings look at the pair: every pair of a service, and the pairs
    /// of a sub-service that something inherits.
    pub in_scope: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    pub duty: DutyIdx,
    pub by: ReplacedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacedBy {
    /// A duty of a higher level with the same id.
    Duty(DutyIdx),
    /// An exclusion of a higher level.
    Exclusion(ExclusionIdx),
    /// A `control … replace` block (its place).
    Replace(Span),
    /// An `inherit` statement.
    Inherit(usize),
}

/// A precedence rule broken for one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    /// E205: `second` has the same id and level as `first` for this pair.
    DuplicateDuty {
        pair: usize,
        first: DutyIdx,
        second: DutyIdx,
    },
    /// E402: the pair is excluded and given duties at the same level.
    ExcludedWithDuties {
        pair: usize,
        exclusion: ExclusionIdx,
        duty: DutyIdx,
    },
}
