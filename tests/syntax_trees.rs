//! The syntax tree of every fixture, as reviewed: the agreement tests (tests/parsers.rs) catch
//! the two parsers disagreeing; these catch a fault they share, above all in `syntax/values.rs`,
//! which both call for escapes, text blocks, control-id patterns and the checks of texts.
//!
//! The tree is printed as an outline rather than as its `Debug` form (a tenth of the size): one
//! node a line with its span, values as Rust string literals (so escapes and invisible
//! characters show), an assignment's words read from the text (the tree keeps their places).

use std::fmt::Write as _;

use srmc::source::{FileId, Span};
use srmc::syntax::ast::*;
use srmc::syntax::{parse_by_descent, parse_by_grammar, Parsed};

/// The longest string the parsers take here, as in tests/parsers.rs.
const LIMIT: usize = 4096;

#[test]
fn every_fixture_parses_to_the_reviewed_tree() {
    insta::glob!("fixtures/**/*.srm", |path| {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let grammar = parse_by_grammar(FileId(0), &text, LIMIT);
        let descent = parse_by_descent(FileId(0), &text, LIMIT);
        let by = match &descent {
            Some(descent) => {
                assert_eq!(
                    descent.tree,
                    grammar.tree,
                    "{}: the trees differ",
                    path.display()
                );
                assert_eq!(
                    descent.diagnostics,
                    grammar.diagnostics,
                    "{}: the diagnostics differ",
                    path.display()
                );
                "both parsers"
            }
            None => "the grammar (the descent parser gives up)",
        };
        insta::assert_snapshot!(format!("built by {by}\n{}", outline(&grammar, &text)));
    });
}

/// The tree and the parse's diagnostics, one line each.
fn outline(parsed: &Parsed, text: &str) -> String {
    let mut out = Outline {
        out: String::new(),
        text,
    };
    if !parsed.whole {
        out.line(0, "partial: items after a syntax error are missing");
    }
    for diagnostic in &parsed.diagnostics {
        let (code, span) = (diagnostic.code, diagnostic.span);
        out.line(0, format!("{code}{} {}", at(span), diagnostic.message));
    }
    for item in &parsed.tree.items {
        out.item(item);
    }
    for comment in &parsed.tree.comments {
        out.line(0, format!("comment{} {:?}", at(comment.span), comment.text));
    }
    out.out
}

fn at(span: Span) -> String {
    format!(" @{}..{}", span.start, span.end)
}

fn quoted(value: &Spanned<String>) -> String {
    format!("{:?}", value.value)
}

fn names(list: &[Name]) -> String {
    list.iter()
        .map(|name| name.value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each reference as its parts, so that a pattern or a catalog split in the wrong place shows:
/// `gx::"GX-" pattern` is `gx::GX-*`, `"11.*"` an id with a star in it.
fn controls(list: &[ControlRef]) -> String {
    list.iter()
        .map(|control| {
            let catalog = control
                .catalog
                .as_ref()
                .map_or(String::new(), |catalog| format!("{}::", catalog.value));
            let pattern = if control.pattern { " pattern" } else { "" };
            format!("{catalog}{:?}{pattern}{}", control.id, at(control.span))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

struct Outline<'a> {
    out: String,
    text: &'a str,
}

impl Outline<'_> {
    fn line(&mut self, depth: usize, line: impl AsRef<str>) {
        let _ = writeln!(
            self.out,
            "{:width$}{}",
            "",
            line.as_ref(),
            width = depth * 2
        );
    }

    fn words(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }

    fn item(&mut self, item: &Item) {
        // Each arm names every field, so that a field added to the tree must be printed here.
        match item {
            Item::Matrix(MatrixHeader {
                span,
                title,
                fields,
            }) => {
                self.line(0, format!("matrix{} {}", at(*span), quoted(title)));
                for field in fields {
                    let keyword = field.keyword();
                    let value = match field {
                        MatrixField::Version(v)
                        | MatrixField::Effective(v)
                        | MatrixField::Scope(v)
                        | MatrixField::Document(_, v)
                        | MatrixField::ReviewBy(v) => quoted(v),
                        MatrixField::Catalogs(list) => names(list),
                        MatrixField::History {
                            version,
                            date,
                            summary,
                        } => format!("{} {} {}", quoted(version), quoted(date), quoted(summary)),
                    };
                    self.line(1, format!("{keyword} {value}"));
                }
            }
            Item::Import(Import { span, path }) => {
                self.line(0, format!("import{} {}", at(*span), quoted(path)));
            }
            Item::Party(Party {
                span,
                id,
                kind,
                name,
            }) => {
                let line = format!(
                    "party{} {} {} {}",
                    at(*span),
                    id.value,
                    kind.value,
                    quoted(name)
                );
                self.line(0, line);
            }
            Item::Team(Team {
                span,
                id,
                name,
                party,
            }) => {
                let line = format!(
                    "team{} {} {} of {}",
                    at(*span),
                    id.value,
                    quoted(name),
                    party.value
                );
                self.line(0, line);
            }
            Item::Upstream(Upstream {
                span,
                id,
                path,
                party,
                pin,
            }) => {
                let pin = pin.as_ref().map(|p| format!(" pin {}", quoted(p)));
                let line = format!(
                    "upstream{} {} {} as {}{}",
                    at(*span),
                    id.value,
                    quoted(path),
                    party.value,
                    pin.unwrap_or_default()
                );
                self.line(0, line);
            }
            Item::Service(Service {
                span,
                id,
                name,
                fields,
            }) => {
                self.line(
                    0,
                    format!("service{} {} {}", at(*span), id.value, quoted(name)),
                );
                for field in fields {
                    let keyword = field.keyword();
                    let value = match field {
                        ServiceField::Model(name)
                        | ServiceField::Provider(name)
                        | ServiceField::Customer(name) => name.value.clone(),
                        ServiceField::Regions(list) => {
                            list.iter().map(quoted).collect::<Vec<_>>().join(", ")
                        }
                        ServiceField::Use(list) | ServiceField::RunsOn(list) => names(list),
                        ServiceField::Subservice(span) => at(*span).trim_start().to_string(),
                    };
                    self.line(1, format!("{keyword} {value}"));
                }
            }
            Item::Catalog(Catalog {
                span,
                id,
                title,
                domains,
                controls,
            }) => {
                self.line(
                    0,
                    format!("catalog{} {} {}", at(*span), id.value, quoted(title)),
                );
                for DomainDef { span, id, title } in domains {
                    self.line(
                        1,
                        format!("domain{} {} {}", at(*span), id.value, quoted(title)),
                    );
                }
                for ControlDef {
                    span,
                    id,
                    title,
                    domain,
                    reach,
                } in controls
                {
                    let reach = reach.as_ref().map(|r| format!(" reach {}", names(r)));
                    let line = format!(
                        "control{} {} {} in {}{}",
                        at(*span),
                        id.value,
                        quoted(title),
                        domain.value,
                        reach.unwrap_or_default()
                    );
                    self.line(1, line);
                }
            }
            Item::Control(block) => self.block(0, block),
            Item::Exclusion(exclusion) => self.exclusion(0, exclusion),
            Item::Baseline(Baseline {
                span,
                id,
                title,
                blocks,
                exclusions,
            }) => {
                self.line(
                    0,
                    format!("baseline{} {} {}", at(*span), id.value, quoted(title)),
                );
                for block in blocks {
                    self.block(1, block);
                }
                for exclusion in exclusions {
                    self.exclusion(1, exclusion);
                }
            }
            Item::Inherit(Inherit {
                span,
                controls: list,
                services,
                from,
            }) => {
                let line = format!(
                    "inherit{} {} for {} from {}",
                    at(*span),
                    controls(list),
                    names(services),
                    from.value
                );
                self.line(0, line);
            }
        }
    }

    fn block(&mut self, depth: usize, block: &ControlBlock) {
        let ControlBlock {
            span,
            controls: list,
            services,
            replace,
            notes,
            duties,
        } = block;
        let services = services.as_ref().map(|s| format!(" for {}", names(s)));
        let replace = if *replace { " replace" } else { "" };
        let line = format!(
            "control{} {}{}{replace}",
            at(*span),
            controls(list),
            services.unwrap_or_default()
        );
        self.line(depth, line);
        for note in notes {
            self.line(depth + 1, format!("note {}", quoted(note)));
        }
        for Duty {
            span,
            id,
            title,
            assignments,
            evidence,
            notes,
        } in duties
        {
            let id = id.as_ref().map(|id| format!(" {}", id.value));
            let title = title.as_ref().map(|t| format!(" {}", quoted(t)));
            let line = format!(
                "duty{}{}{}",
                at(*span),
                id.unwrap_or_default(),
                title.unwrap_or_default()
            );
            self.line(depth + 1, line);
            for Assignment {
                span,
                party,
                letters,
            } in assignments
            {
                let letters: Vec<&str> = letters.iter().map(|&l| self.words(l)).collect();
                let line = format!("{}:{} {}", self.words(*party), at(*span), letters.join(" "));
                self.line(depth + 2, line);
            }
            for item in evidence {
                self.line(depth + 2, format!("evidence {}", quoted(item)));
            }
            for note in notes {
                self.line(depth + 2, format!("note {}", quoted(note)));
            }
        }
    }

    fn exclusion(&mut self, depth: usize, exclusion: &Exclusion) {
        let Exclusion {
            span,
            controls: list,
            services,
            justification,
        } = exclusion;
        let services = services.as_ref().map(|s| format!(" for {}", names(s)));
        let justification = justification.as_ref().map(|j| format!(" {}", quoted(j)));
        let line = format!(
            "exclude{} {}{}{}",
            at(*span),
            controls(list),
            services.unwrap_or_default(),
            justification.unwrap_or_default()
        );
        self.line(depth, line);
    }
}
