//! Stage 1: text → syntax tree. The pest grammar in `grammar/srm.pest` defines the language. A
//! well-formed file is parsed by the hand-written descent parser ([`descent`]), which builds the
//! same tree much faster; any other file goes through pest, whose parse tree this module turns
//! into [`ast`] nodes with spans, reporting every syntax error (E001) in the user's words.

pub mod ast;
mod descent;
mod values;

pub use values::dedent;

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser as _;

use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};
use ast::*;
use values::Values;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/srm.pest"]
struct SrmParser;

/// Most syntax errors one file reports; past them the rest of the file is not read.
const MAX_SYNTAX_ERRORS: usize = 50;

/// Parses one file. After a syntax error the parser starts again at the next top-level item (a
/// line that starts with a top-level keyword), so one run reports the syntax errors of every
/// item; the tree then holds the items that parsed, and the diagnostics say it is partial.
pub fn parse(file: FileId, text: &str) -> (Option<File>, Vec<Diagnostic>) {
    parse_with_limit(file, text, usize::MAX)
}

/// [`parse`], reporting E003 for a string or text block longer than `max_string_bytes`.
pub fn parse_with_limit(
    file: FileId,
    text: &str,
    max_string_bytes: usize,
) -> (Option<File>, Vec<Diagnostic>) {
    match parse_by_descent(file, text, max_string_bytes) {
        Some((tree, diagnostics)) => (Some(tree), diagnostics),
        None => parse_by_grammar(file, text, max_string_bytes),
    }
}

/// The fast path alone: the tree of a file the grammar accepts, `None` for any other file.
/// Public so that tests and the fuzz target can hold it to [`parse_by_grammar`].
#[doc(hidden)]
pub fn parse_by_descent(
    file: FileId,
    text: &str,
    max_string_bytes: usize,
) -> Option<(File, Vec<Diagnostic>)> {
    let mut values = Values::new(file, max_string_bytes);
    let (items, comments) = descent::parse(text, &mut values)?;
    let tree = File {
        id: file,
        items,
        comments,
    };
    Some((tree, values.diagnostics))
}

/// Whether the pest grammar accepts the whole of `text`.
#[doc(hidden)]
pub fn grammar_accepts(text: &str) -> bool {
    SrmParser::parse(Rule::file, text).is_ok()
}

/// The pest grammar alone, with error recovery: what [`parse`] falls back to when the fast path
/// gives up.
#[doc(hidden)]
pub fn parse_by_grammar(
    file: FileId,
    text: &str,
    max_string_bytes: usize,
) -> (Option<File>, Vec<Diagnostic>) {
    let mut builder = Builder {
        file,
        offset: 0,
        comments: Vec::new(),
        values: Values::new(file, max_string_bytes),
    };
    let mut items = Vec::new();
    let mut start = 0;
    let mut errors = Vec::new();
    loop {
        match SrmParser::parse(Rule::file, &text[start..]) {
            Ok(mut pairs) => {
                builder.offset = start;
                items.extend(builder.file(pairs.next().expect("the file rule yields one pair")));
                break;
            }
            Err(error) => {
                let at = start + error_position(&error);
                errors.push(syntax_error(file, text, at, &error.variant));
                // Keep the items before the broken one.
                let item_start = item_boundaries(text, start).take_while(|&b| b <= at).last();
                if let Some(end) = item_start.filter(|&end| end > start) {
                    builder.salvage(text, start, end, &mut items);
                }
                // An item keyword at the very place of the error (a block left open above it)
                // starts the next attempt; otherwise the next item after it does.
                let restart = if at > start && item_boundaries(text, at).next() == Some(at) {
                    Some(at)
                } else {
                    item_boundaries(text, at + 1).next()
                };
                match restart {
                    Some(next) if errors.len() < MAX_SYNTAX_ERRORS => start = next,
                    _ => break,
                }
            }
        }
    }
    // Document order, as the descent parser gives them; the builder meets them rule by rule.
    builder.comments.sort_by_key(|comment| comment.span.start);
    let tree = File {
        id: file,
        items,
        comments: builder.comments,
    };
    errors.extend(builder.values.diagnostics);
    (Some(tree), errors)
}

/// Where in its input a pest error is.
fn error_position(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        InputLocation::Pos(at) | InputLocation::Span((at, _)) => at,
    }
}

/// Offsets (from `from` on) of the lines that start, in their first column, with a keyword that
/// begins a top-level item.
fn item_boundaries(text: &str, from: usize) -> impl Iterator<Item = usize> + '_ {
    const KEYWORDS: [&str; 9] = [
        "matrix ",
        "import ",
        "party ",
        "service ",
        "catalog ",
        "control ",
        "exclude ",
        "baseline ",
        "inherit ",
    ];
    // Bytes, not chars: `from` may fall inside a character.
    let bytes = text.as_bytes();
    let from = from.min(bytes.len());
    let first = if from == 0 || bytes[from - 1] == b'\n' {
        Some(from)
    } else {
        None
    };
    first
        .into_iter()
        .chain(
            bytes[from..]
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(move |(i, _)| from + i + 1),
        )
        .filter(move |&line| KEYWORDS.iter().any(|k| text[line..].starts_with(k)))
}

fn syntax_error(file: FileId, text: &str, at: usize, variant: &ErrorVariant<Rule>) -> Diagnostic {
    let found = found_at(text, at);
    let span = Span::new(file, at, at + found.len());
    let at_end = text[at.min(text.len())..].trim().is_empty();
    let (message, label) = match variant {
        ErrorVariant::ParsingError { positives, .. } => {
            // At the start of a line another blank line is always possible: not worth saying.
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let starts_line = text[line_start..at].trim().is_empty();
            let mut rules: Vec<Rule> = positives
                .iter()
                .copied()
                .filter(|rule| !matches!(rule, Rule::COMMENT | Rule::WHITESPACE))
                .filter(|rule| !(starts_line && *rule == Rule::eol))
                .collect();
            // Words first, then closing brace, end of line and end of file.
            rules.sort_by_key(|rule| match rule {
                Rule::rbrace => 1,
                Rule::eol => 2,
                Rule::EOI => 3,
                _ => 0,
            });
            let mut phrases: Vec<&str> = Vec::new();
            for phrase in rules.into_iter().map(expected_phrase) {
                if !phrases.contains(&phrase) {
                    phrases.push(phrase);
                }
            }
            let expected = join_alternatives(&phrases);
            let found_words = if at_end {
                "the end of the file".to_owned()
            } else {
                describe_found(&found)
            };
            if expected.is_empty() {
                (
                    format!("unexpected {found_words}"),
                    "not expected here".to_owned(),
                )
            } else {
                (
                    format!("expected {expected}, found {found_words}"),
                    format!("expected {expected}"),
                )
            }
        }
        ErrorVariant::CustomError { message } => (message.clone(), "here".to_owned()),
    };
    if let Some(diagnostic) = unclosed_or_malformed(file, text, at) {
        return diagnostic;
    }
    let hint = if at_end {
        "a block is still open at the end of the file: close it with `}`".to_owned()
    } else {
        syntax_hint(&found)
    };
    Diagnostic::new(Code::E001, span, message)
        .label(label)
        .help(hint)
}

/// The errors whose cause lies before the place pest stopped at: an unclosed text block, string
/// or block comment, and a bad escape sequence in a string.
fn unclosed_or_malformed(file: FileId, text: &str, at: usize) -> Option<Diagnostic> {
    let rest = &text[at..];
    // A text block that never closes fails at its third quote, after `""` parsed as a string.
    // Bytes: `at - 2` may fall inside a character (found by fuzzing).
    let block_start = [at, at.saturating_sub(2)]
        .into_iter()
        .find(|&start| text.as_bytes()[start..].starts_with(b"\"\"\""));
    if let Some(start) = block_start {
        if !text[start + 3..].contains("\"\"\"") {
            return Some(
                Diagnostic::new(
                    Code::E001,
                    Span::new(file, start, start + 3),
                    "this text block is never closed",
                )
                .label("text block starts here")
                .help("end it with `\"\"\"` on a line of its own"),
            );
        }
    }
    if rest.starts_with("/*") && !rest[2..].contains("*/") {
        return Some(
            Diagnostic::new(
                Code::E001,
                Span::new(file, at, at + 2),
                "this block comment is never closed",
            )
            .label("comment starts here")
            .help("end it with `*/`; block comments do not nest"),
        );
    }
    if !rest.starts_with('"') {
        return None;
    }
    if !string_closes_on_its_line(&rest[1..]) {
        return Some(
            Diagnostic::new(Code::E001, Span::new(file, at, at + 1), "this string is not closed on its line")
                .label("string starts here")
                .help("close it with `\"` before the end of the line; a text of several lines is a `\"\"\"` text block"),
        );
    }
    let (offset, escape) = bad_escape(&rest[1..])?;
    let start = at + 1 + offset;
    Some(
        Diagnostic::new(
            Code::E001,
            Span::new(file, start, start + escape.len()),
            format!("`{escape}` is not an escape sequence"),
        )
        .label("unknown escape")
        .help(
            "strings know `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}` with 1 to 6 hexadecimal digits",
        ),
    )
}

/// The first malformed escape in a string body (after the opening quote): its offset and text.
fn bad_escape(body: &str) -> Option<(usize, &str)> {
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\n' | '\r' => return None,
            '\\' => {
                let (j, next) = chars.next()?;
                let end = j + next.len_utf8();
                match next {
                    '"' | '\\' | 'n' | 't' => {}
                    'u' => {
                        let tail = &body[end..];
                        let digits = tail
                            .strip_prefix('{')
                            .and_then(|t| t.find('}').map(|close| &t[..close]));
                        let valid = digits.is_some_and(|d| {
                            (1..=6).contains(&d.len()) && d.chars().all(|c| c.is_ascii_hexdigit())
                        });
                        if !valid {
                            let shown = digits.map_or(end, |d| end + d.len() + 2);
                            return Some((i, &body[i..shown.min(body.len())]));
                        }
                        // Skip the braces and digits.
                        let skip = digits.map_or(0, |d| d.chars().count() + 2);
                        for _ in 0..skip {
                            chars.next();
                        }
                    }
                    _ => return Some((i, &body[i..end])),
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether the rest of a line (after an opening quote) holds an unescaped closing quote.
fn string_closes_on_its_line(rest: &str) -> bool {
    let mut escaped = false;
    for c in rest.chars() {
        match c {
            '\n' | '\r' => return false,
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

/// The token at `at`, as far as a user would call it one word.
fn found_at(text: &str, at: usize) -> String {
    let rest = &text[at.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return String::new();
    };
    if first == '\n' || first == '\r' {
        return String::new();
    }
    if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .take(40)
            .collect()
    } else {
        first.to_string()
    }
}

fn describe_found(found: &str) -> String {
    match found {
        "" => "the end of the line".to_owned(),
        "\"" => "a string".to_owned(),
        "\0" => "a NUL byte (is this a binary file?)".to_owned(),
        word => format!("`{}`", word.escape_debug()),
    }
}

fn syntax_hint(found: &str) -> String {
    match found {
        "" => "a statement ends at the end of its line: put what is missing on the same line"
            .to_owned(),
        "{" => "blocks open with `{` at the end of a line that starts with a keyword such as \
                `service`, `control` or `duty`; blocks do not nest any deeper than `control { duty { } }`"
            .to_owned(),
        ";" => "statements end at the end of the line; `.srm` has no semicolons".to_owned(),
        _ => "see the language tour in the README, or `srmc explain E001`".to_owned(),
    }
}

fn join_alternatives(phrases: &[&str]) -> String {
    match phrases {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What a grammar rule is called in an error message.
fn expected_phrase(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::eol => "the end of the line",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::ident | Rule::ident_list => "a name (lower-case letters, digits, `_` and `-`)",
        Rule::control_id
        | Rule::control_ref
        | Rule::control_pattern
        | Rule::control_list
        | Rule::catalog_qualifier => "a control id such as `9.4.1`, `CLD.6.3.1` or `11.*`",
        Rule::string | Rule::string_inner | Rule::string_list => "a quoted string",
        Rule::text_block | Rule::text_block_inner => "a text block (`\"\"\"`)",
        Rule::date => "a date (YYYY-MM-DD)",
        Rule::letters | Rule::bad_letters => "RACI letters (R, A, C, I)",
        Rule::kw_matrix | Rule::matrix => "`matrix`",
        Rule::kw_version | Rule::version_field => "`version`",
        Rule::kw_effective | Rule::effective_field => "`effective`",
        Rule::kw_catalog | Rule::catalogs_field | Rule::catalog => "`catalog`",
        Rule::kw_scope | Rule::scope_field => "`scope`",
        Rule::kw_party | Rule::party => "`party`",
        Rule::kw_service | Rule::service => "`service`",
        Rule::kw_model | Rule::model_field => "`model`",
        Rule::kw_provider | Rule::provider_field => "`provider`",
        Rule::kw_customer | Rule::customer_field => "`customer`",
        Rule::kw_region | Rule::region_field => "`region`",
        Rule::kw_domain | Rule::domain_def => "`domain`",
        Rule::kw_control | Rule::control_def | Rule::control_block => "`control`",
        Rule::kw_in => "`in`",
        Rule::kw_for | Rule::for_clause => "`for`",
        Rule::kw_duty | Rule::duty => "`duty`",
        Rule::kw_note | Rule::note_field => "`note`",
        Rule::kw_evidence | Rule::evidence_field => "`evidence`",
        Rule::kw_exclude | Rule::exclusion => "`exclude`",
        Rule::kw_import | Rule::import => "`import`",
        Rule::kw_baseline | Rule::baseline => "`baseline`",
        Rule::kw_use | Rule::use_field => "`use`",
        Rule::kw_runs_on | Rule::runs_on_field => "`runs-on`",
        Rule::kw_subservice | Rule::subservice_flag => "`subservice`",
        Rule::kw_inherit | Rule::inherit => "`inherit`",
        Rule::kw_from => "`from`",
        Rule::kw_replace | Rule::replace_flag => "`replace`",
        Rule::kw_reach | Rule::reach_clause => "`reach`",
        Rule::assignment => "an assignment such as `provider: R A`",
        // Silent and structural rules never reach an error on their own.
        _ => "a statement",
    }
}

struct Builder {
    file: FileId,
    /// Where the text being built starts in the file (after a syntax error, parsing resumes
    /// part-way through).
    offset: usize,
    comments: Vec<Comment>,
    values: Values,
}

/// Punctuation and comments are in the parse tree only so that errors can name them.
fn is_noise(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::eol | Rule::lbrace | Rule::rbrace | Rule::colon | Rule::comma | Rule::EOI
    )
}

impl Builder {
    /// Builds the items of `text[start..end]`, or of the longest run of whole items at its start
    /// that parses (a block left open swallows the items after it).
    fn salvage(&mut self, text: &str, start: usize, mut end: usize, items: &mut Vec<Item>) {
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

    fn file(&mut self, root: Pair<'_, Rule>) -> Vec<Item> {
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
                    id: self.name(id),
                    kind: self.name(kind),
                    name: self.string(name),
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
                    from: self.name(from),
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

    fn name(&self, pair: Pair<'_, Rule>) -> Name {
        Spanned::new(pair.as_str().to_owned(), self.span(&pair))
    }

    fn names(&mut self, pair: Pair<'_, Rule>) -> Vec<Name> {
        let children = self.children(pair);
        children.into_iter().map(|p| self.name(p)).collect()
    }

    fn matrix(&mut self, pair: Pair<'_, Rule>) -> MatrixHeader {
        let span = self.span(&pair);
        let mut children = self.children(pair).into_iter().skip(1);
        let title = self.string(children.next().expect("matrix title"));
        let fields = children
            .map(|field| {
                let rule = field.as_rule();
                let [_, value] = self.take::<2>(field);
                match rule {
                    Rule::version_field => MatrixField::Version(self.string(value)),
                    Rule::effective_field => MatrixField::Effective(self.name(value)),
                    Rule::catalogs_field => MatrixField::Catalogs(self.names(value)),
                    Rule::scope_field => MatrixField::Scope(self.string(value)),
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
        let id = self.name(children.next().expect("service id"));
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
                    Rule::model_field => ServiceField::Model(self.name(value)),
                    Rule::provider_field => ServiceField::Provider(self.name(value)),
                    Rule::customer_field => ServiceField::Customer(self.name(value)),
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
        let id = self.name(children.next().expect("catalog id"));
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
                        id: self.name(id),
                        title: self.string(title),
                    });
                }
                Rule::control_def => {
                    let mut parts = self.children(item).into_iter().skip(1);
                    let id = self.name(parts.next().expect("control id"));
                    let title = self.string(parts.next().expect("control title"));
                    let domain = self.name(parts.nth(1).expect("control domain"));
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
                    catalog = Some(self.name(ident));
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
                Rule::ident => id = Some(self.name(child)),
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
            title: title.expect("the grammar requires a duty title"),
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
        let id = self.name(children.next().expect("baseline id"));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `cargo fuzz run parse`: an error two bytes after the start of a character.
    #[test]
    fn errors_next_to_multibyte_characters_do_not_panic() {
        for text in [
            "// €\nihe must",
            "€\nx",
            "party a provider \"€\"x",
            "€€\n\"\"\"€",
        ] {
            let (_, diagnostics) = parse(FileId(0), text);
            assert!(diagnostics.iter().any(|d| d.code == Code::E001), "{text}");
        }
    }

    #[test]
    fn dedent_strips_common_indentation_and_edge_lines() {
        let body = "\n      First line,\n        indented more.\n\n      Last.\n      ";
        assert_eq!(dedent(body), "First line,\n  indented more.\n\nLast.");
    }

    #[test]
    fn dedent_keeps_text_on_the_opening_line() {
        assert_eq!(dedent("Inline note"), "Inline note");
        assert_eq!(dedent("Head\n    tail\n  "), "Head\ntail");
    }

    #[test]
    fn string_escapes_are_resolved() {
        let (tree, diagnostics) = parse(
            FileId(0),
            "party a provider \"Tab\\there \\\"quoted\\\" \\u{e9}\\\\\"\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let Item::Party(party) = &tree.unwrap().items[0] else {
            panic!("expected a party")
        };
        assert_eq!(party.name.value, "Tab\there \"quoted\" é\\");
    }

    #[test]
    fn comments_are_kept() {
        let (tree, _) = parse(FileId(0), "// first\nparty a provider \"A\" /* inline */\n");
        let texts: Vec<_> = tree.unwrap().comments.into_iter().map(|c| c.text).collect();
        assert_eq!(texts, ["// first", "/* inline */"]);
    }

    #[test]
    fn syntax_errors_name_what_was_expected_in_words() {
        let (_, diagnostics) = parse(FileId(0), "matrix \"m\" {\n  verison \"1\"\n}\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(
            diagnostics[0].message,
            "expected `version`, `effective`, `catalog`, `scope` or `}`, found `verison`"
        );
    }
}
