//! Every name written in a matrix's files, where it is and what it names: what hover, go to
//! definition and find references look things up in. Read from the syntax trees, which keep the
//! place of every name (the resolved model keeps only the items' places).

use crate::source::{FileId, Sources, Span};
use crate::syntax::{self, ast};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A party or a team.
    Party,
    /// `provider` or `customer` in an assignment: each service's own party.
    Role,
    Service,
    Catalog,
    Domain,
    Control,
    Baseline,
    Upstream,
    /// The service part of `upstream.service`; the name is the whole of it.
    UpstreamService,
    /// The path of an `import` or of an `upstream`.
    File,
}

#[derive(Debug, Clone)]
pub(super) struct Occurrence {
    pub span: Span,
    pub kind: Kind,
    /// As written (a control pattern with its `*`, a path as written).
    pub name: String,
    /// Whether this is where the name is defined.
    pub defines: bool,
}

/// The occurrences in every file of `sources` that is on disk (the built-in files are not
/// places an editor can go to).
pub(super) fn occurrences(sources: &Sources) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for (index, file) in sources.iter().enumerate() {
        if file.path.is_none() {
            continue;
        }
        let id = FileId(index as u32);
        let parsed = syntax::parse(id, &file.text);
        Collector {
            text: &file.text,
            out: &mut out,
        }
        .file(&parsed.tree);
    }
    out
}

/// The occurrence at `offset` of file `file`, the innermost if several hold it.
pub(super) fn at(occurrences: &[Occurrence], file: FileId, offset: usize) -> Option<&Occurrence> {
    occurrences
        .iter()
        .filter(|o| {
            o.span.file == file && o.span.start as usize <= offset && offset <= o.span.end as usize
        })
        .min_by_key(|o| o.span.len())
}

struct Collector<'a> {
    text: &'a str,
    out: &'a mut Vec<Occurrence>,
}

impl Collector<'_> {
    fn push(&mut self, span: Span, kind: Kind, name: &str, defines: bool) {
        self.out.push(Occurrence {
            span,
            kind,
            name: name.to_owned(),
            defines,
        });
    }

    fn name(&mut self, name: &ast::Name, kind: Kind, defines: bool) {
        self.push(name.span, kind, &name.value, defines);
    }

    fn file(&mut self, file: &ast::File) {
        for item in &file.items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &ast::Item) {
        match item {
            ast::Item::Matrix(header) => {
                for field in &header.fields {
                    if let ast::MatrixField::Catalogs(names) = field {
                        for name in names {
                            self.name(name, Kind::Catalog, false);
                        }
                    }
                }
            }
            ast::Item::Import(import) => self.name(&import.path, Kind::File, false),
            ast::Item::Party(party) => self.name(&party.id, Kind::Party, true),
            ast::Item::Team(team) => {
                self.name(&team.id, Kind::Party, true);
                self.name(&team.party, Kind::Party, false);
            }
            ast::Item::Upstream(upstream) => {
                self.name(&upstream.id, Kind::Upstream, true);
                self.name(&upstream.path, Kind::File, false);
            }
            ast::Item::Service(service) => {
                self.name(&service.id, Kind::Service, true);
                for field in &service.fields {
                    match field {
                        ast::ServiceField::Provider(party) | ast::ServiceField::Customer(party) => {
                            self.name(party, Kind::Party, false);
                        }
                        ast::ServiceField::Use(baselines) => {
                            for baseline in baselines {
                                self.name(baseline, Kind::Baseline, false);
                            }
                        }
                        ast::ServiceField::RunsOn(services) => {
                            for service in services {
                                self.service(service);
                            }
                        }
                        _ => {}
                    }
                }
            }
            ast::Item::Catalog(catalog) => {
                self.name(&catalog.id, Kind::Catalog, true);
                for domain in &catalog.domains {
                    self.name(&domain.id, Kind::Domain, true);
                }
                for control in &catalog.controls {
                    self.name(&control.id, Kind::Control, true);
                    self.name(&control.domain, Kind::Domain, false);
                }
            }
            ast::Item::Control(block) => self.block(block),
            ast::Item::Exclusion(exclusion) => self.exclusion(exclusion),
            ast::Item::Baseline(baseline) => {
                self.name(&baseline.id, Kind::Baseline, true);
                for block in &baseline.blocks {
                    self.block(block);
                }
                for exclusion in &baseline.exclusions {
                    self.exclusion(exclusion);
                }
            }
            ast::Item::Inherit(inherit) => {
                self.controls(&inherit.controls);
                for service in &inherit.services {
                    self.service(service);
                }
                self.service(&inherit.from);
            }
        }
    }

    /// A service of this matrix, or `upstream.service` of an upstream one.
    fn service(&mut self, service: &ast::Name) {
        match service.value.split_once('.') {
            Some((upstream, _)) => {
                let span = Span {
                    end: service.span.start + upstream.len() as u32,
                    ..service.span
                };
                self.push(span, Kind::Upstream, upstream, false);
                let span = Span {
                    start: span.end + 1,
                    ..service.span
                };
                self.push(span, Kind::UpstreamService, &service.value, false);
            }
            None => self.name(service, Kind::Service, false),
        }
    }

    fn controls(&mut self, controls: &[ast::ControlRef]) {
        for control in controls {
            if let Some(catalog) = &control.catalog {
                self.name(catalog, Kind::Catalog, false);
            }
            let span = match &control.catalog {
                // The id alone: the qualifier is an occurrence of the catalog.
                Some(catalog) => Span {
                    start: catalog.span.end + 2,
                    ..control.span
                },
                None => control.span,
            };
            let name = if control.pattern {
                format!("{}*", control.id)
            } else {
                control.id.clone()
            };
            self.push(span, Kind::Control, &name, false);
        }
    }

    fn block(&mut self, block: &ast::ControlBlock) {
        self.controls(&block.controls);
        for service in block.services.iter().flatten() {
            self.service(service);
        }
        for duty in &block.duties {
            for assignment in &duty.assignments {
                let span = assignment.party;
                let text = self.text;
                let word = &text[span.start as usize..span.end as usize];
                let kind = match word {
                    "provider" | "customer" => Kind::Role,
                    _ => Kind::Party,
                };
                self.push(span, kind, word, false);
            }
        }
    }

    fn exclusion(&mut self, exclusion: &ast::Exclusion) {
        self.controls(&exclusion.controls);
        for service in exclusion.services.iter().flatten() {
            self.service(service);
        }
    }
}
