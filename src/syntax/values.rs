//! What both parsers do with a token once they have recognised it: resolve escapes, dedent
//! text blocks, and check texts and control-id patterns. One place, so that the two parsers
//! cannot disagree on a value or a diagnostic.

use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};

use super::ast::{ControlRef, Name, Spanned};

pub(super) struct Values {
    pub file: FileId,
    pub max_string_bytes: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl Values {
    pub(super) fn new(file: FileId, max_string_bytes: usize) -> Self {
        Values {
            file,
            max_string_bytes,
            diagnostics: Vec::new(),
        }
    }

    /// A quoted string with its escapes resolved.
    /// `raw` is the text between the quotes, which the parser has checked for well-formed escapes.
    pub(super) fn string(&mut self, raw: &str, span: Span) -> Spanned<String> {
        let body_start = span.start as usize + 1;
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((_, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'u')) => {
                    let start = chars.offset();
                    let digits: String = chars
                        .by_ref()
                        .map(|(_, c)| c)
                        .skip(1)
                        .take_while(|c| *c != '}')
                        .collect();
                    match u32::from_str_radix(&digits, 16)
                        .ok()
                        .and_then(char::from_u32)
                    {
                        Some(decoded) => value.push(decoded),
                        None => {
                            let at = body_start + start - 2;
                            self.diagnostics.push(
                                Diagnostic::new(
                                    Code::E001,
                                    Span::new(self.file, at, at + digits.len() + 4),
                                    format!("`\\u{{{digits}}}` is not a Unicode character"),
                                )
                                .label("invalid escape")
                                .help("a `\\u{…}` escape takes the hexadecimal code of a Unicode scalar value (not a surrogate, at most 10FFFF)"),
                            );
                        }
                    }
                }
                Some((_, other)) => value.push(other),
                None => {}
            }
        }
        self.check_text(&value, span, false);
        Spanned::new(value, span)
    }

    /// A `"""` text block; `body` is the text between the quotes.
    pub(super) fn text_block(&mut self, body: &str, span: Span) -> Spanned<String> {
        let value = dedent(body);
        self.check_text(&value, span, true);
        Spanned::new(value, span)
    }

    /// A control id or pattern as written in a list; `*` may only follow a dot or a dash.
    pub(super) fn control_ref(
        &mut self,
        span: Span,
        catalog: Option<Name>,
        id: String,
        pattern: bool,
    ) -> ControlRef {
        if pattern && !(id.ends_with('.') || id.ends_with('-')) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E001,
                    span,
                    format!("`{id}*` is not a control-id pattern"),
                )
                .label("`*` must follow a dot or a dash")
                .help(format!(
                    "write `{id}.*` or `{id}-*` to match every control whose id starts with it"
                )),
            );
        }
        ControlRef {
            span,
            catalog,
            id,
            pattern,
        }
    }

    /// Checks every string and text block: its length, control characters, and characters that
    /// change how text reads without showing (bidi overrides, zero-width characters).
    /// `block`: a text block, whose lines may end in a carriage return.
    fn check_text(&mut self, value: &str, span: Span, block: bool) {
        if value.len() > self.max_string_bytes {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E003,
                    Span::new(span.file, span.start as usize, span.start as usize + 1),
                    format!(
                        "a text of {} bytes, more than the limit of {} bytes",
                        value.len(),
                        self.max_string_bytes
                    ),
                )
                .label("text starts here")
                .help("shorten it (a matrix is no place for a document); the limit is set with --max-string-bytes"),
            );
        }
        self.reject_control_characters(value, span, block);
        if let Some(c) = value.chars().find(|c| is_invisible(*c)) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::W305,
                    span,
                    format!(
                        "text holds U+{:04X}, which changes how it reads without showing",
                        c as u32
                    ),
                )
                .label("invisible character")
                .help("bidirectional overrides, zero-width characters, fillers and tag characters can make a contract say one thing on screen and another in the file; remove them"),
            );
        }
    }

    /// Text goes into contracts, terminals, spreadsheets and Graphviz: control characters (other
    /// than line breaks and tabs) have no place in it and some of them break those formats. A
    /// line break in a one-line string is `\n`; a carriage return (`\u{d}`) there is refused,
    /// since Markdown, CSV and terminals read it as a line break of their own.
    fn reject_control_characters(&mut self, value: &str, span: Span, block: bool) {
        if let Some(c) = value
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t') && !(block && *c == '\r'))
        {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E109,
                    span,
                    format!("text holds the control character U+{:04X}", c as u32),
                )
                .label("control character")
                .help("remove it; write line breaks as `\\n` or use a `\"\"\"` text block"),
            );
        }
    }
}

/// Bidirectional controls and zero-width characters (Trojan Source, CVE-2021-42574), the
/// Mongolian vowel separator, the Hangul fillers (which show as nothing, yet are letters) and
/// the tag characters (invisible, and able to carry a hidden text).
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// The body of a `"""` text block without the common indentation of its lines, and without the
/// line breaks right after the opening and right before the closing quotes.
pub fn dedent(body: &str) -> String {
    let mut lines: Vec<&str> = body
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect();
    let first_inline = if lines.len() > 1 && lines[0].trim().is_empty() {
        lines.remove(0);
        None
    } else {
        Some(lines.remove(0).trim())
    };
    if lines.last().is_some_and(|line| line.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> = first_inline.into_iter().collect();
    out.extend(lines.iter().map(|line| {
        if line.trim().is_empty() {
            ""
        } else {
            line[indent..].trim_end()
        }
    }));
    out.join("\n")
}
