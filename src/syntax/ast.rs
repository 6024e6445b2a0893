//! The syntax tree of one `.srm` file, as written: nothing is resolved yet.
//!
//! Every node carries its [`Span`], and `==` compares them too: two trees are equal when they
//! are written alike. Two trees that differ only in layout say the same thing
//! ([`super::meaning::SameMeaning`]).

use crate::source::{FileId, Span};

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

pub type Name = Spanned<String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    /// The whole comment, `//` or `/* */` included.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub id: FileId,
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Matrix(MatrixHeader),
    Import(Import),
    Party(Party),
    Service(Service),
    Catalog(Catalog),
    Control(ControlBlock),
    Exclusion(Exclusion),
    Baseline(Baseline),
    Inherit(Inherit),
    Team(Team),
    Upstream(Upstream),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixHeader {
    pub span: Span,
    pub title: Spanned<String>,
    pub fields: Vec<MatrixField>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatrixField {
    Version(Spanned<String>),
    /// The date as written; the analyzer checks that it is a calendar date.
    Effective(Spanned<String>),
    Catalogs(Vec<Name>),
    Scope(Spanned<String>),
    /// `agreement`, `owner`, `approver`, `classification` or `supersedes`.
    Document(DocumentField, Spanned<String>),
    /// The date as written.
    ReviewBy(Spanned<String>),
    History {
        version: Spanned<String>,
        date: Spanned<String>,
        summary: Spanned<String>,
    },
}

/// The header's document-control fields that hold one string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentField {
    Agreement,
    Owner,
    Approver,
    Classification,
    Supersedes,
}

impl DocumentField {
    pub const ALL: [DocumentField; 5] = [
        DocumentField::Agreement,
        DocumentField::Owner,
        DocumentField::Approver,
        DocumentField::Classification,
        DocumentField::Supersedes,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            DocumentField::Agreement => "agreement",
            DocumentField::Owner => "owner",
            DocumentField::Approver => "approver",
            DocumentField::Classification => "classification",
            DocumentField::Supersedes => "supersedes",
        }
    }
}

impl MatrixField {
    pub fn keyword(&self) -> &'static str {
        match self {
            MatrixField::Version(_) => "version",
            MatrixField::Effective(_) => "effective",
            MatrixField::Catalogs(_) => "catalog",
            MatrixField::Scope(_) => "scope",
            MatrixField::Document(field, _) => field.keyword(),
            MatrixField::ReviewBy(_) => "review-by",
            MatrixField::History { .. } => "history",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub span: Span,
    pub path: Spanned<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub span: Span,
    pub id: Name,
    /// `provider`, `customer` or `partner`; anything else is reported by the analyzer.
    pub kind: Name,
    pub name: Spanned<String>,
}

/// `team ID "Name" of PARTY`: a part of a party's organisation, on its side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub span: Span,
    pub id: Name,
    pub name: Spanned<String>,
    pub party: Name,
}

/// `upstream ID "PATH" as PARTY [pin HEX]`: another matrix whose duties on us we take up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub span: Span,
    pub id: Name,
    pub path: Spanned<String>,
    /// The id that stands for us in the upstream matrix.
    pub party: Name,
    /// A prefix of the upstream fingerprint this matrix was reviewed against, as written.
    pub pin: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub span: Span,
    pub id: Name,
    pub name: Spanned<String>,
    pub fields: Vec<ServiceField>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceField {
    Model(Name),
    Provider(Name),
    Customer(Name),
    Regions(Vec<Spanned<String>>),
    /// `use BASELINE, …`: applied in this order.
    Use(Vec<Name>),
    RunsOn(Vec<Name>),
    Subservice(Span),
}

impl ServiceField {
    pub fn keyword(&self) -> &'static str {
        match self {
            ServiceField::Model(_) => "model",
            ServiceField::Provider(_) => "provider",
            ServiceField::Customer(_) => "customer",
            ServiceField::Regions(_) => "region",
            ServiceField::Use(_) => "use",
            ServiceField::RunsOn(_) => "runs-on",
            ServiceField::Subservice(_) => "subservice",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub span: Span,
    pub id: Name,
    pub title: Spanned<String>,
    pub domains: Vec<DomainDef>,
    pub controls: Vec<ControlDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainDef {
    pub span: Span,
    pub id: Name,
    pub title: Spanned<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlDef {
    pub span: Span,
    pub id: Name,
    pub title: Spanned<String>,
    pub domain: Name,
    /// The service models in which the customer side can act on the control; `None`: all.
    pub reach: Option<Vec<Name>>,
}

/// A control id, a catalog-qualified id or a pattern, as written in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlRef {
    pub span: Span,
    pub catalog: Option<Name>,
    /// For a pattern, the part before the `*` (`11.` for `11.*`).
    pub id: String,
    pub pattern: bool,
}

impl ControlRef {
    pub fn display(&self) -> String {
        let star = if self.pattern { "*" } else { "" };
        match &self.catalog {
            Some(catalog) => format!("{}::{}{star}", catalog.value, self.id),
            None => format!("{}{star}", self.id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlBlock {
    pub span: Span,
    pub controls: Vec<ControlRef>,
    /// `None` for a matrix-wide block.
    pub services: Option<Vec<Name>>,
    /// `control … replace { … }`: drops every lower-level duty of its pairs.
    pub replace: bool,
    pub notes: Vec<Spanned<String>>,
    pub duties: Vec<Duty>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duty {
    pub span: Span,
    pub id: Option<Name>,
    /// Left out only by a duty that takes up an upstream's obligation (its title is the
    /// upstream's).
    pub title: Option<Spanned<String>>,
    pub assignments: Vec<Assignment>,
    pub evidence: Vec<Spanned<String>>,
    pub notes: Vec<Spanned<String>>,
}

impl Duty {
    /// Where findings about the duty point: its id, else its title, else its keyword.
    pub fn head(&self) -> Span {
        match (&self.id, &self.title) {
            (Some(id), _) => id.span,
            (None, Some(title)) => title.span,
            (None, None) => Span {
                end: self.span.start + 4,
                ..self.span
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub span: Span,
    /// Where the party id or role keyword (`provider`, `customer`) is written, and where each word
    /// after the colon is: the analyzer reads them there. (Places, not copies: a large matrix has
    /// hundreds of thousands of these short words.)
    pub party: Span,
    pub letters: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub span: Span,
    pub controls: Vec<ControlRef>,
    pub services: Option<Vec<Name>>,
    pub justification: Option<Spanned<String>>,
}

/// `baseline ID "Title" { control blocks and exclusions, without `for` }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub span: Span,
    pub id: Name,
    pub title: Spanned<String>,
    pub blocks: Vec<ControlBlock>,
    pub exclusions: Vec<Exclusion>,
}

/// `inherit CONTROLS for SERVICES from SUB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inherit {
    pub span: Span,
    pub controls: Vec<ControlRef>,
    pub services: Vec<Name>,
    pub from: Name,
}
