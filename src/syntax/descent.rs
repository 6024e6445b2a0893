//! The fast path of stage 1: a hand-written recursive-descent parser for the grammar in
//! `grammar/srm.pest`.
//!
//! From every file the grammar accepts it builds the very tree the pest parser builds — same
//! nodes, same spans, same comments — and at the first thing the grammar would not accept it
//! gives up (`None`): the pest parser then reads the file again and reports every syntax error
//! in the user's words. Well-formed files are the common case, and pest's per-rule overhead
//! and token queue were most of the time and memory of `srmc check` on a large matrix
//! (BENCHMARKS.md). `tests/parsers.rs`, the property tests and the `parse` fuzz target hold the
//! two parsers to the same trees.
//!
//! The grammar skips spaces, tabs and comments between any two tokens, so every token here
//! starts with [`Descent::skip`]. pest keeps the skipped text inside a rule when the rule ends
//! with an optional part that is absent; spans follow it there (`exclusion`, `control_def`).
//! Each optional part starts with a keyword that nothing after it can start with, so deciding
//! on it by its keyword never needs to undo a step.

use super::ast::*;
use super::values::Values;
use crate::source::{FileId, Span};

/// The items and comments of `text`, or `None` if the grammar would not accept it.
pub(super) fn parse(text: &str, values: &mut Values) -> Option<(Vec<Item>, Vec<Comment>)> {
    let mut descent = Descent {
        source: text,
        bytes: text.as_bytes(),
        pos: 0,
        file: values.file,
        comments: Vec::new(),
        values,
    };
    let items = descent.file()?;
    Some((items, descent.comments))
}

struct Descent<'t, 'v> {
    source: &'t str,
    bytes: &'t [u8],
    pos: usize,
    file: FileId,
    comments: Vec<Comment>,
    values: &'v mut Values,
}

/// The characters of a name after its first (`ident` in the grammar), and the ones a keyword may
/// not be followed by.
fn is_ident_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

fn is_control_id_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-')
}

impl<'t> Descent<'t, '_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at(&self, prefix: &[u8]) -> bool {
        self.bytes[self.pos..].starts_with(prefix)
    }

    /// Where the run of bytes from `from` that `belongs` accepts ends.
    fn run_end(&self, from: usize, belongs: impl Fn(u8) -> bool) -> usize {
        from + self.bytes[from..]
            .iter()
            .position(|&b| !belongs(b))
            .unwrap_or(self.bytes.len() - from)
    }

    fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// Spaces, tabs and comments. An unclosed block comment is left where it is, for the next
    /// token to fail on.
    fn skip(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'/') if self.at(b"//") => {
                    let start = self.pos;
                    self.pos = self.run_end(start, |b| b != b'\n' && b != b'\r');
                    self.comment(start);
                }
                Some(b'/') if self.at(b"/*") => {
                    let Some(close) = self.source[self.pos + 2..].find("*/") else {
                        return;
                    };
                    let start = self.pos;
                    self.pos += 2 + close + 2;
                    self.comment(start);
                }
                _ => return,
            }
        }
    }

    fn comment(&mut self, start: usize) {
        self.comments.push(Comment {
            span: self.span(start, self.pos),
            text: self.source[start..self.pos].to_owned(),
        });
    }

    /// One line break: LF, CRLF or a lone CR.
    fn newline(&mut self) -> bool {
        match self.peek() {
            Some(b'\n') => self.pos += 1,
            Some(b'\r') => self.pos += if self.at(b"\r\n") { 2 } else { 1 },
            _ => return false,
        }
        true
    }

    fn punctuation(&mut self, byte: u8) -> Option<()> {
        self.skip();
        (self.peek() == Some(byte)).then(|| self.pos += 1)
    }

    /// The word at the cursor (after skipping), without taking it: what decides which statement
    /// or optional part comes next.
    fn next_word(&mut self) -> &'t str {
        self.skip();
        &self.source[self.pos..self.run_end(self.pos, is_ident_char)]
    }

    /// Takes `keyword` if it is the next word; returns where it starts.
    fn keyword(&mut self, keyword: &'static str) -> Option<usize> {
        self.one_of(&[keyword]).map(|(_, start)| start)
    }

    /// Takes the next word, which must be one of `keywords`.
    fn one_of(&mut self, keywords: &[&'static str]) -> Option<(&'static str, usize)> {
        let word = self.next_word();
        let keyword = keywords.iter().find(|&&k| k == word)?;
        let start = self.pos;
        self.pos += keyword.len();
        Some((keyword, start))
    }

    /// `ident`: a lower-case ASCII letter, then letters, digits, `_` and `-`.
    fn ident(&mut self) -> Option<Name> {
        let word = self.next_word();
        if !word.as_bytes().first()?.is_ascii_lowercase() {
            return None;
        }
        let start = self.pos;
        self.pos += word.len();
        Some(Name::new(word.to_owned(), self.span(start, self.pos)))
    }

    /// A `"…"` string; escapes must be well formed, as the grammar requires.
    fn string(&mut self) -> Option<Spanned<String>> {
        self.skip();
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos;
        let mut at = start + 1;
        loop {
            match *self.bytes.get(at)? {
                b'"' => break,
                b'\n' | b'\r' => return None,
                b'\\' => at = self.escape_end(at + 1)?,
                _ => at += 1,
            }
        }
        self.pos = at + 1;
        let body = &self.source[start + 1..at];
        Some(self.values.string(body, self.span(start, self.pos)))
    }

    /// Where the escape whose letter is at `at` ends: `\" \\ \n \t` or `\u{` 1 to 6 hex digits `}`.
    fn escape_end(&self, at: usize) -> Option<usize> {
        match *self.bytes.get(at)? {
            b'"' | b'\\' | b'n' | b't' => Some(at + 1),
            b'u' if self.bytes.get(at + 1) == Some(&b'{') => {
                let digits_start = at + 2;
                let digits = self.bytes[digits_start..]
                    .iter()
                    .take(6)
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                let close = digits_start + digits;
                (digits > 0 && self.bytes.get(close) == Some(&b'}')).then_some(close + 1)
            }
            _ => None,
        }
    }

    /// `text`: a `"""` text block or a string.
    fn text(&mut self) -> Option<Spanned<String>> {
        self.skip();
        if !self.at(b"\"\"\"") {
            return self.string();
        }
        let start = self.pos;
        let close = self.source[start + 3..].find("\"\"\"")?;
        let body = &self.source[start + 3..start + 3 + close];
        self.pos = start + 3 + close + 3;
        Some(self.values.text_block(body, self.span(start, self.pos)))
    }

    /// `YYYY-MM-DD`, as written.
    fn date(&mut self) -> Option<Name> {
        self.skip();
        let start = self.pos;
        for (i, expected_digit) in [true, true, true, true, false, true, true, false, true, true]
            .into_iter()
            .enumerate()
        {
            let byte = *self.bytes.get(start + i)?;
            let fits = if expected_digit {
                byte.is_ascii_digit()
            } else {
                byte == b'-'
            };
            if !fits {
                return None;
            }
        }
        self.pos = start + 10;
        Some(Name::new(
            self.source[start..self.pos].to_owned(),
            self.span(start, self.pos),
        ))
    }

    /// `item ~ ("," ~ item)*`, ending where pest's rule ends: after the spaces and comments that
    /// follow a lone item, right after the last of several (pest undoes the skip of a repetition
    /// that finds no comma, but not the one that comes before the repetition).
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut items = vec![item(self)?];
        self.skip();
        while self.peek() == Some(b',') {
            self.pos += 1;
            items.push(item(self)?);
            let (pos, comments) = (self.pos, self.comments.len());
            self.skip();
            if self.peek() != Some(b',') {
                self.pos = pos;
                self.comments.truncate(comments);
            }
        }
        Some(items)
    }

    fn names(&mut self) -> Option<Vec<Name>> {
        self.list(Self::ident)
    }

    /// `service_ref`: a service id, or `upstream.service`.
    fn service_ref(&mut self) -> Option<Name> {
        let mut name = self.ident()?;
        if self.peek() == Some(b'.')
            && self
                .bytes
                .get(self.pos + 1)
                .is_some_and(u8::is_ascii_lowercase)
        {
            let end = self.run_end(self.pos + 1, is_ident_char);
            name.value = self.source[name.span.start as usize..end].to_owned();
            name.span = self.span(name.span.start as usize, end);
            self.pos = end;
        }
        Some(name)
    }

    fn services(&mut self) -> Option<Vec<Name>> {
        self.list(Self::service_ref)
    }

    fn strings(&mut self) -> Option<Vec<Spanned<String>>> {
        self.list(Self::string)
    }

    /// A control id, a catalog-qualified id (`iso27017::9.4.1`) or a pattern (`11.*`).
    fn control_ref(&mut self) -> Option<ControlRef> {
        self.skip();
        let start = self.pos;
        let mut catalog = None;
        if self.peek().is_some_and(|b| b.is_ascii_lowercase()) {
            let name_end = self.run_end(start, is_ident_char);
            if self.bytes[name_end..].starts_with(b"::") {
                catalog = Some(Name::new(
                    self.source[start..name_end].to_owned(),
                    self.span(start, name_end),
                ));
                self.pos = name_end + 2;
            }
        }
        let id = self.control_id_text()?;
        let pattern = self.peek() == Some(b'*');
        if pattern {
            self.pos += 1;
        }
        let span = self.span(start, self.pos);
        Some(
            self.values
                .control_ref(span, catalog, id.to_owned(), pattern),
        )
    }

    /// `control_id`, without skipping first: an ASCII letter or digit, then letters, digits,
    /// `.`, `_` and `-`.
    fn control_id_text(&mut self) -> Option<&'t str> {
        let start = self.pos;
        if !self.peek()?.is_ascii_alphanumeric() {
            return None;
        }
        self.pos = self.run_end(start + 1, is_control_id_char);
        Some(&self.source[start..self.pos])
    }

    /// `for SERVICES`, if it comes next.
    #[expect(
        clippy::option_option,
        reason = "the outer `None` is the descent parser giving up, as in every method here"
    )]
    fn for_clause(&mut self) -> Option<Option<Vec<Name>>> {
        match self.keyword("for") {
            Some(_) => self.services().map(Some),
            None => Some(None),
        }
    }

    /// `{`, statements each ended by a line break or by the `}` on their line, blank lines, `}`.
    fn block<T>(&mut self, mut statement: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.punctuation(b'{')?;
        let mut statements = Vec::new();
        loop {
            self.skip();
            if self.newline() {
                continue;
            }
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Some(statements);
            }
            statements.push(statement(self)?);
            self.skip();
            if !self.newline() && self.peek() != Some(b'}') {
                return None;
            }
        }
    }

    fn file(&mut self) -> Option<Vec<Item>> {
        let mut items = Vec::new();
        loop {
            self.skip();
            if self.newline() {
                continue;
            }
            if self.at_end() {
                return Some(items);
            }
            items.push(self.item()?);
            self.skip();
            if !self.newline() && !self.at_end() {
                return None;
            }
        }
    }

    fn item(&mut self) -> Option<Item> {
        let (keyword, start) = self.one_of(&super::ITEM_KEYWORDS)?;
        Some(match keyword {
            "matrix" => Item::Matrix(self.matrix(start)?),
            "import" => {
                let path = self.string()?;
                Item::Import(Import {
                    span: self.span(start, self.pos),
                    path,
                })
            }
            "party" => {
                let id = self.ident()?;
                let kind = self.ident()?;
                let name = self.string()?;
                Item::Party(Party {
                    span: self.span(start, self.pos),
                    id,
                    kind,
                    name,
                })
            }
            "team" => {
                let id = self.ident()?;
                let name = self.string()?;
                self.keyword("of")?;
                let party = self.ident()?;
                Item::Team(Team {
                    span: self.span(start, self.pos),
                    id,
                    name,
                    party,
                })
            }
            "upstream" => Item::Upstream(self.upstream(start)?),
            "service" => Item::Service(self.service(start)?),
            "catalog" => Item::Catalog(self.catalog(start)?),
            "control" => Item::Control(self.control_block(start)?),
            "exclude" => Item::Exclusion(self.exclusion(start)?),
            "baseline" => Item::Baseline(self.baseline(start)?),
            _ => Item::Inherit(self.inherit(start)?),
        })
    }

    fn matrix(&mut self, start: usize) -> Option<MatrixHeader> {
        let title = self.string()?;
        let fields = self.block(|p| {
            let (keyword, _) = p.one_of(&super::MATRIX_FIELDS)?;
            let document = DocumentField::ALL
                .into_iter()
                .find(|field| field.keyword() == keyword);
            Some(match keyword {
                "version" => MatrixField::Version(p.string()?),
                "effective" => MatrixField::Effective(p.date()?),
                "catalog" => MatrixField::Catalogs(p.names()?),
                "scope" => MatrixField::Scope(p.string()?),
                "review-by" => MatrixField::ReviewBy(p.date()?),
                "history" => MatrixField::History {
                    version: p.string()?,
                    date: p.date()?,
                    summary: p.string()?,
                },
                _ => MatrixField::Document(document?, p.string()?),
            })
        })?;
        Some(MatrixHeader {
            span: self.span(start, self.pos),
            title,
            fields,
        })
    }

    fn service(&mut self, start: usize) -> Option<Service> {
        const FIELDS: [&str; 7] = super::SERVICE_FIELDS;
        let id = self.ident()?;
        let name = self.string()?;
        let fields = self.block(|p| {
            let (keyword, at) = p.one_of(&FIELDS)?;
            Some(match keyword {
                "model" => ServiceField::Model(p.ident()?),
                "provider" => ServiceField::Provider(p.ident()?),
                "customer" => ServiceField::Customer(p.ident()?),
                "region" => ServiceField::Regions(p.strings()?),
                "use" => ServiceField::Use(p.names()?),
                "runs-on" => ServiceField::RunsOn(p.services()?),
                _ => ServiceField::Subservice(p.span(at, p.pos)),
            })
        })?;
        Some(Service {
            span: self.span(start, self.pos),
            id,
            name,
            fields,
        })
    }

    fn catalog(&mut self, start: usize) -> Option<Catalog> {
        let id = self.ident()?;
        let title = self.string()?;
        let mut domains = Vec::new();
        let mut controls = Vec::new();
        self.block(|p| {
            let (keyword, at) = p.one_of(&["domain", "control"])?;
            if keyword == "domain" {
                let id = p.ident()?;
                let title = p.string()?;
                domains.push(DomainDef {
                    span: p.span(at, p.pos),
                    id,
                    title,
                });
                return Some(());
            }
            p.skip();
            let id_start = p.pos;
            let id = Name::new(p.control_id_text()?.to_owned(), p.span(id_start, p.pos));
            let title = p.string()?;
            p.keyword("in")?;
            let domain = p.ident()?;
            // The rule ends with the optional `reach`; without it, its span takes in the spaces
            // and comments after the domain.
            p.skip();
            let reach = match p.keyword("reach") {
                Some(_) => Some(p.names()?),
                None => None,
            };
            controls.push(ControlDef {
                span: p.span(at, p.pos),
                id,
                title,
                domain,
                reach,
            });
            Some(())
        })?;
        Some(Catalog {
            span: self.span(start, self.pos),
            id,
            title,
            domains,
            controls,
        })
    }

    fn control_block(&mut self, start: usize) -> Option<ControlBlock> {
        let controls = self.list(Self::control_ref)?;
        let services = self.for_clause()?;
        let replace = self.keyword("replace").is_some();
        let mut notes = Vec::new();
        let mut duties = Vec::new();
        self.block(|p| {
            let (keyword, at) = p.one_of(&["duty", "note"])?;
            if keyword == "note" {
                notes.push(p.text()?);
            } else {
                duties.push(p.duty(at)?);
            }
            Some(())
        })?;
        duties.shrink_to_fit();
        Some(ControlBlock {
            span: self.span(start, self.pos),
            controls,
            services,
            replace,
            notes,
            duties,
        })
    }

    fn duty(&mut self, start: usize) -> Option<Duty> {
        self.skip();
        let id = match self.peek() {
            Some(b'"' | b'{') => None,
            _ => Some(self.ident()?),
        };
        self.skip();
        let title = match self.peek() {
            Some(b'"') => Some(self.string()?),
            _ => None,
        };
        let mut assignments = Vec::new();
        let mut evidence = Vec::new();
        let mut notes = Vec::new();
        self.block(|p| {
            let word = p.next_word();
            let word_start = p.pos;
            p.pos += word.len();
            p.skip();
            // The grammar tries an assignment first: `evidence: R` assigns to a party named
            // `evidence`.
            if p.peek() == Some(b':') && word.as_bytes().first()?.is_ascii_lowercase() {
                p.pos += 1;
                let party = p.span(word_start, word_start + word.len());
                assignments.push(p.assignment(word_start, party)?);
                return Some(());
            }
            match word {
                "evidence" => evidence.extend(p.strings()?),
                "note" => notes.push(p.text()?),
                _ => return None,
            }
            Some(())
        })?;
        assignments.shrink_to_fit();
        evidence.shrink_to_fit();
        notes.shrink_to_fit();
        Some(Duty {
            span: self.span(start, self.pos),
            id,
            title,
            assignments,
            evidence,
            notes,
        })
    }

    /// The words after `party:`: letters or not, the analyzer judges them.
    fn assignment(&mut self, start: usize, party: Span) -> Option<Assignment> {
        let mut letters = Vec::new();
        loop {
            let word = self.next_word();
            if word.is_empty() {
                break;
            }
            let word_start = self.pos;
            self.pos += word.len();
            letters.push(self.span(word_start, self.pos));
        }
        // Exact sizes: a large matrix has hundreds of thousands of these short lists.
        letters.shrink_to_fit();
        let end = letters.last()?.end as usize;
        Some(Assignment {
            span: self.span(start, end),
            party,
            letters,
        })
    }

    fn exclusion(&mut self, start: usize) -> Option<Exclusion> {
        let controls = self.list(Self::control_ref)?;
        let services = self.for_clause()?;
        self.skip();
        let justification = match self.peek() {
            Some(b'"') => Some(self.string()?),
            _ => None,
        };
        // Without a justification the rule ends with absent optional parts, and its span takes
        // in what was skipped before them.
        Some(Exclusion {
            span: self.span(start, self.pos),
            controls,
            services,
            justification,
        })
    }

    fn baseline(&mut self, start: usize) -> Option<Baseline> {
        let id = self.ident()?;
        let title = self.string()?;
        let mut blocks = Vec::new();
        let mut exclusions = Vec::new();
        self.block(|p| {
            let (keyword, at) = p.one_of(&["control", "exclude"])?;
            if keyword == "control" {
                blocks.push(p.control_block(at)?);
            } else {
                exclusions.push(p.exclusion(at)?);
            }
            Some(())
        })?;
        Some(Baseline {
            span: self.span(start, self.pos),
            id,
            title,
            blocks,
            exclusions,
        })
    }

    fn upstream(&mut self, start: usize) -> Option<Upstream> {
        let id = self.ident()?;
        let path = self.string()?;
        self.keyword("as")?;
        let party = self.ident()?;
        // The rule ends with the optional `pin`; without it, its span takes in the spaces and
        // comments after the party.
        self.skip();
        let pin = match self.keyword("pin") {
            Some(_) => {
                self.skip();
                if self.peek() == Some(b'"') {
                    Some(self.string()?)
                } else {
                    let start = self.pos;
                    let end = self.run_end(start, |b| b.is_ascii_hexdigit());
                    if end == start || self.bytes.get(end).copied().is_some_and(is_ident_char) {
                        return None;
                    }
                    self.pos = end;
                    Some(Spanned::new(
                        self.source[start..end].to_owned(),
                        self.span(start, end),
                    ))
                }
            }
            None => None,
        };
        Some(Upstream {
            span: self.span(start, self.pos),
            id,
            path,
            party,
            pin,
        })
    }

    fn inherit(&mut self, start: usize) -> Option<Inherit> {
        let controls = self.list(Self::control_ref)?;
        self.keyword("for")?;
        let services = self.services()?;
        self.keyword("from")?;
        let from = self.service_ref()?;
        Some(Inherit {
            span: self.span(start, self.pos),
            controls,
            services,
            from,
        })
    }
}
