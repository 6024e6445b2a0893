//! The pest path with error recovery: after a syntax error, parsing starts again at the next
//! top-level item, so that one run reports the errors of every item — unless a text block or
//! block comment left open holds the rest of the file.

use pest::error::InputLocation;
use pest::Parser as _;

use super::ast::{File, Item};
use super::messages::{open_to_the_end, syntax_error};
use super::tree::Builder;
use super::values::Values;
use super::{Parsed, Rule, SrmParser};
use crate::source::FileId;

/// Most syntax errors one file reports; past them the rest of the file is not read.
const MAX_SYNTAX_ERRORS: usize = 50;

/// The pest grammar alone, with error recovery: what [`parse`] falls back to when the fast path
/// gives up.
#[doc(hidden)]
pub fn parse_by_grammar(file: FileId, text: &str, max_string_bytes: usize) -> Parsed {
    let mut builder = Builder::new(file, Values::new(file, max_string_bytes));
    let mut items: Vec<Item> = Vec::new();
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
                // Keep what comes before the broken item. An error on a line of its own, in
                // the first column, falls between items (or before any): every whole line
                // before it that parses is kept. An indented line continues the item above it
                // (a justification written on the next line, say), so that item is the broken
                // one and only the items before it are kept.
                let line = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
                let continues_above = text[line..].starts_with([' ', '\t']);
                let end = if continues_above {
                    item_boundaries(text, start).take_while(|&b| b <= at).last()
                } else {
                    Some(line)
                };
                if let Some(end) = end.filter(|&end| end > start) {
                    builder.salvage(text, start, end, &mut items);
                }
                if open_to_the_end(text, at).is_some() {
                    break;
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
    let whole = errors.is_empty();
    errors.extend(builder.values.diagnostics);
    Parsed {
        tree,
        diagnostics: errors,
        whole,
    }
}

/// Where in its input a pest error is.
pub(super) fn error_position(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        InputLocation::Pos(at) | InputLocation::Span((at, _)) => at,
    }
}

/// Offsets (from `from` on) of the lines that start, in their first column, with a keyword that
/// begins a top-level item.
pub(super) fn item_boundaries(text: &str, from: usize) -> impl Iterator<Item = usize> + '_ {
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
        .filter(move |&line| starts_item(text, line))
}

/// Whether the line starting at `line` begins a top-level item.
pub(super) fn starts_item(text: &str, line: usize) -> bool {
    let rest = &text.as_bytes()[line..];
    super::ITEM_KEYWORDS
        .iter()
        .any(|k| rest.starts_with(k.as_bytes()) && rest.get(k.len()) == Some(&b' '))
}

/// Where the last top-level item that starts before `at` starts (0 if none does).
pub(super) fn item_start_before(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = at.min(bytes.len());
    while let Some(newline) = bytes[..end].iter().rposition(|&b| b == b'\n') {
        if newline + 1 < at && starts_item(text, newline + 1) {
            return newline + 1;
        }
        end = newline;
    }
    0
}
