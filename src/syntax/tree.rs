//! pest's parse tree → [`ast`](super::ast) nodes with spans.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::*;
use super::recovery::{error_position, item_boundaries};
use super::values::Values;
use super::{Rule, SrmParser};
use crate::source::{FileId, Span};

pub(super) struct Builder {
    file: FileId,
    /// Where the text being built starts in the file (after a syntax error, parsing resumes
    /// part-way through).
    pub(super) offset: usize,
    pub(super) comments: Vec<Comment>,
    pub(super) values: Values,
}

/// Punctuation and comments are in the parse tree only so that errors can name them.
fn is_noise(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::eol | Rule::lbrace | Rule::rbrace | Rule::colon | Rule::comma | Rule::EOI
    )
}

impl Builder {
    pub(super) fn new(file: FileId, values: Values) -> Self {
        Builder {
            file,
            offset: 0,
            comments: Vec::new(),
            values,
        }
    }

    /// Builds the items of `text[start..end]`, or of the longest run of whole items at its start
    /// that parses (a block left open swallows the items after it).
    pub(super) fn salvage(
        &mut self,
        text: &str,
        start: usize,
        mut end: usize,
        items: &mut Vec<Item>,
    ) {
        for _ in 0..8 {
            match SrmParser::parse(Rule::file, &text[start..end]) {
                Ok(mut pairs) => {
                    self.offset = start;
                    items.extend(self.file(pairs.next().expect("one pair")));
                    return;
                }
                Err(error) => {
                    let at = start + error_position(&error);
                    match item_boundaries(text, start)
                        .take_while(|&b| b < at.min(end))
                        .last()
                    {
                        Some(earlier) if earlier > start => end = earlier,
                        _ => return,
                    }
                }
            }
        }
    }

    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        Span::new(
            self.file,
            self.offset + span.start(),
            self.offset + span.end(),
        )
    }

    /// The meaningful children of `pair`; comments go to the file's comment list.
    fn children<'i>(&mut self, pair: Pair<'i, Rule>) -> Vec<Pair<'i, Rule>> {
        let mut children = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::COMMENT => {
                    let span = self.span(&child);
                    self.comments.push(Comment {
                        span,
                        text: child.as_str().to_owned(),
                    });
                }
                rule if is_noise(rule) => {}
                _ => children.push(child),
            }
        }
        children
    }

    pub(super) fn file(&mut self, root: Pair<'_, Rule>) -> Vec<Item> {
        let children = self.children(root);
        children.into_iter().map(|item| self.item(item)).collect()
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Item {
        match pair.as_rule() {
            Rule::matrix => Item::Matrix(self.matrix(pair)),
            Rule::import => {
                let span = self.span(&pair);
                let [_, path] = self.take::<2>(pair);
                Item::Import(Import {
                    span,
                    path: self.string(path),
                })
            }
            Rule::party => {
                let span = self.span(&pair);
                let [_, id, kind, name] = self.take::<4>(pair);
                Item::Party(Party {
                    span,
                    id: self.name(&id),
                    kind: self.name(&kind),
                    name: self.string(name),
                })
            }
            Rule::team => {
                let span = self.span(&pair);
                let [_, id, name, _, party] = self.take::<5>(pair);
                Item::Team(Team {
                    span,
                    id: self.name(&id),
                    name: self.string(name),
                    party: self.name(&party),
                })
            }
            Rule::upstream => {
                let span = self.span(&pair);
                let mut children = self.children(pair).into_iter().skip(1);
                let id = self.name(&children.next().expect("upstream id"));
                let path = self.string(children.next().expect("upstream path"));
                let party = self.name(&children.nth(1).expect("upstream party"));
                let pin = children.next().map(|clause| {
                    let [_, value] = self.take::<2>(clause);
                    match value.as_rule() {
                        Rule::string => self.string(value),
                        _ => Spanned::new(value.as_str().to_owned(), self.span(&value)),
                    }
                });
                Item::Upstream(Upstream {
                    span,
                    id,
                    path,
                    party,
                    pin,
                })
            }
            Rule::service => Item::Service(self.service(pair)),
            Rule::catalog => Item::Catalog(self.catalog(pair)),
            Rule::control_block => Item::Control(self.control_block(pair)),
            Rule::exclusion => Item::Exclusion(self.exclusion(pair)),
            Rule::baseline => Item::Baseline(self.baseline(pair)),
            Rule::inherit => {
                let span = self.span(&pair);
                let [_, controls, services, _, from] = self.take::<5>(pair);
                Item::Inherit(Inherit {
                    span,
                    controls: self.control_list(controls),
                    services: self.for_clause(services),
                    from: self.name(&from),
                })
            }
            rule => unreachable!("the grammar allows no {rule:?} at the top level"),
        }
    }

    /// The children of a rule whose shape the grammar fixes.
    fn take<'i, const N: usize>(&mut self, pair: Pair<'i, Rule>) -> [Pair<'i, Rule>; N] {
        let children = self.children(pair);
        children
            .try_into()
            .unwrap_or_else(|found: Vec<_>| panic!("grammar shape: {N} children, got {found:?}"))
    }

    fn name(&self, pair: &Pair<'_, Rule>) -> Name {
        Spanned::new(pair.as_str().to_owned(), self.span(pair))
    }

    fn names(&mut self, pair: Pair<'_, Rule>) -> Vec<Name> {
        let children = self.children(pair);
        children.into_iter().map(|p| self.name(&p)).collect()
    }

    fn matrix(&mut self, pair: Pair<'_, Rule>) -> MatrixHeader {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter().skip(1);
        let title = self.string(children.next().expect("matrix title"));
        let fields = children
            .map(|field| {
                let rule = field.as_rule();
                if rule == Rule::history_field {
                    let [_, version, date, summary] = self.take::<4>(field);
                    return MatrixField::History {
                        version: self.string(version),
                        date: self.name(&date),
                        summary: self.string(summary),
                    };
                }
                let [_, value] = self.take::<2>(field);
                let document = match rule {
                    Rule::agreement_field => Some(DocumentField::Agreement),
                    Rule::owner_field => Some(DocumentField::Owner),
                    Rule::approver_field => Some(DocumentField::Approver),
                    Rule::classification_field => Some(DocumentField::Classification),
                    Rule::supersedes_field => Some(DocumentField::Supersedes),
                    _ => None,
                };
                if let Some(document) = document {
                    return MatrixField::Document(document, self.string(value));
                }
                match rule {
                    Rule::version_field => MatrixField::Version(self.string(value)),
                    Rule::effective_field => MatrixField::Effective(self.name(&value)),
                    Rule::catalogs_field => MatrixField::Catalogs(self.names(value)),
                    Rule::scope_field => MatrixField::Scope(self.string(value)),
                    Rule::review_by_field => MatrixField::ReviewBy(self.name(&value)),
                    rule => unreachable!("matrix field {rule:?}"),
                }
            })
            .collect();
        MatrixHeader {
            span,
            title,
            fields,
        }
    }

    fn service(&mut self, pair: Pair<'_, Rule>) -> Service {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter().skip(1);
        let id = self.name(&children.next().expect("service id"));
        let name = self.string(children.next().expect("service name"));
        let fields = children
            .map(|field| {
                let rule = field.as_rule();
                if rule == Rule::subservice_flag {
                    return ServiceField::Subservice(self.span(&field));
                }
                let [_, value] = self.take::<2>(field);
                match rule {
                    Rule::use_field => ServiceField::Use(self.names(value)),
                    Rule::runs_on_field => ServiceField::RunsOn(self.names(value)),
                    Rule::model_field => ServiceField::Model(self.name(&value)),
                    Rule::provider_field => ServiceField::Provider(self.name(&value)),
                    Rule::customer_field => ServiceField::Customer(self.name(&value)),
                    Rule::region_field => ServiceField::Regions(self.strings(value)),
                    rule => unreachable!("service field {rule:?}"),
                }
            })
            .collect();
        Service {
            span,
            id,
            name,
            fields,
        }
    }

    fn catalog(&mut self, pair: Pair<'_, Rule>) -> Catalog {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter().skip(1);
        let id = self.name(&children.next().expect("catalog id"));
        let title = self.string(children.next().expect("catalog title"));
        let mut domains = Vec::new();
        let mut controls = Vec::new();
        for item in children {
            let item_span = self.span(&item);
            match item.as_rule() {
                Rule::domain_def => {
                    let [_, id, title] = self.take::<3>(item);
                    domains.push(DomainDef {
                        span: item_span,
                        id: self.name(&id),
                        title: self.string(title),
                    });
                }
                Rule::control_def => {
                    let mut parts = self.children(item).into_iter().skip(1);
                    let id = self.name(&parts.next().expect("control id"));
                    let title = self.string(parts.next().expect("control title"));
                    let domain = self.name(&parts.nth(1).expect("control domain"));
                    let reach = parts.next().map(|reach| {
                        let [_, models] = self.take::<2>(reach);
                        self.names(models)
                    });
                    controls.push(ControlDef {
                        span: item_span,
                        id,
                        title,
                        domain,
                        reach,
                    });
                }
                rule => unreachable!("catalog item {rule:?}"),
            }
        }
        Catalog {
            span,
            id,
            title,
            domains,
            controls,
        }
    }

    fn control_list(&mut self, pair: Pair<'_, Rule>) -> Vec<ControlRef> {
        let children = self.children(pair);
        children.into_iter().map(|c| self.control_ref(c)).collect()
    }

    fn control_ref(&mut self, pair: Pair<'_, Rule>) -> ControlRef {
        let span = self.span(&pair);
        let pattern = pair.as_rule() == Rule::control_pattern;
        let mut catalog = None;
        let mut id = String::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::catalog_qualifier => {
                    let ident = part.into_inner().next().expect("qualifier name");
                    catalog = Some(self.name(&ident));
                }
                Rule::control_id => id = part.as_str().to_owned(),
                rule => unreachable!("control ref part {rule:?}"),
            }
        }
        self.values.control_ref(span, catalog, id, pattern)
    }

    fn for_clause(&mut self, pair: Pair<'_, Rule>) -> Vec<Name> {
        let [_, list] = self.take::<2>(pair);
        self.names(list)
    }

    fn control_block(&mut self, pair: Pair<'_, Rule>) -> ControlBlock {
        let span = self.span(&pair);
        let mut block = ControlBlock {
            span,
            controls: Vec::new(),
            services: None,
            replace: false,
            notes: Vec::new(),
            duties: Vec::new(),
        };
        for child in self.children(pair).into_iter().skip(1) {
            match child.as_rule() {
                Rule::control_list => block.controls = self.control_list(child),
                Rule::for_clause => block.services = Some(self.for_clause(child)),
                Rule::replace_flag => block.replace = true,
                Rule::note_field => block.notes.push(self.note(child)),
                Rule::duty => {
                    let duty = self.duty(child);
                    block.duties.push(duty);
                }
                rule => unreachable!("control block part {rule:?}"),
            }
        }
        block
    }

    fn duty(&mut self, pair: Pair<'_, Rule>) -> Duty {
        let span = self.span(&pair);
        let mut id = None;
        let mut title = None;
        let mut assignments = Vec::new();
        let mut evidence = Vec::new();
        let mut notes = Vec::new();
        for child in self.children(pair).into_iter().skip(1) {
            match child.as_rule() {
                Rule::ident => id = Some(self.name(&child)),
                Rule::string => title = Some(self.string(child)),
                Rule::assignment => {
                    let assignment_span = self.span(&child);
                    let mut parts = self.children(child).into_iter();
                    let party = self.span(&parts.next().expect("assignment party"));
                    let letters = parts.map(|word| self.span(&word)).collect();
                    assignments.push(Assignment {
                        span: assignment_span,
                        party,
                        letters,
                    });
                }
                Rule::evidence_field => {
                    let [_, list] = self.take::<2>(child);
                    evidence.extend(self.strings(list));
                }
                Rule::note_field => notes.push(self.note(child)),
                rule => unreachable!("duty part {rule:?}"),
            }
        }
        Duty {
            span,
            id,
            title,
            assignments,
            evidence,
            notes,
        }
    }

    fn note(&mut self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let [_, text] = self.take::<2>(pair);
        match text.as_rule() {
            Rule::text_block => {
                let span = self.span(&text);
                let inner = text.into_inner().next().expect("text block body");
                self.values.text_block(inner.as_str(), span)
            }
            _ => self.string(text),
        }
    }

    fn baseline(&mut self, pair: Pair<'_, Rule>) -> Baseline {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter().skip(1);
        let id = self.name(&children.next().expect("baseline id"));
        let title = self.string(children.next().expect("baseline title"));
        let mut baseline = Baseline {
            span,
            id,
            title,
            blocks: Vec::new(),
            exclusions: Vec::new(),
        };
        for item in children {
            match item.as_rule() {
                Rule::control_block => baseline.blocks.push(self.control_block(item)),
                Rule::exclusion => baseline.exclusions.push(self.exclusion(item)),
                rule => unreachable!("baseline item {rule:?}"),
            }
        }
        baseline
    }

    fn exclusion(&mut self, pair: Pair<'_, Rule>) -> Exclusion {
        let span = self.span(&pair);
        let mut exclusion = Exclusion {
            span,
            controls: Vec::new(),
            services: None,
            justification: None,
        };
        for child in self.children(pair).into_iter().skip(1) {
            match child.as_rule() {
                Rule::control_list => exclusion.controls = self.control_list(child),
                Rule::for_clause => exclusion.services = Some(self.for_clause(child)),
                Rule::string => exclusion.justification = Some(self.string(child)),
                rule => unreachable!("exclusion part {rule:?}"),
            }
        }
        exclusion
    }

    fn strings(&mut self, pair: Pair<'_, Rule>) -> Vec<Spanned<String>> {
        let children = self.children(pair);
        children.into_iter().map(|s| self.string(s)).collect()
    }

    /// A quoted string with its escapes resolved.
    fn string(&mut self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().expect("string body").as_str();
        self.values.string(raw, span)
    }
}
