//! `srmc fmt`: one layout for every `.srm` file — two spaces per block level, no trailing
//! spaces, at most one blank line in a row, none just inside a block, one newline at the end.
//!
//! The formatter works on lines (ended as the grammar ends them: `\n`, `\r\n` or a lone `\r`),
//! so comments stay exactly where they are written, and it leaves the inside of text blocks and
//! block comments alone but for their CRLFs, which become line feeds, so no value changes. Alignment inside a
//! line (`version   "1.0"`) is the author's and is kept. The caller checks that the formatted
//! text parses to the same tree before writing it ([`says_the_same`]).

use crate::syntax::ast::File;
use crate::syntax::lexical::{scan_braces, State};
use crate::syntax::meaning::{SameMeaning, Texts};

/// Whether two parses of a file say the same thing: the same items, spans aside and the words of
/// assignments read from the texts ([`SameMeaning`]), and the same comments (their trailing
/// spaces and line breaks aside, which `fmt` tidies).
pub fn says_the_same(before: &File, before_text: &str, after: &File, after_text: &str) -> bool {
    let texts = Texts {
        left: before_text,
        right: after_text,
    };
    before.items.same_meaning(&after.items, texts)
        && before
            .comments
            .iter()
            .map(|c| line_feeds(c.text.trim_end()))
            .eq(after.comments.iter().map(|c| line_feeds(c.text.trim_end())))
}

/// `text` with each CRLF a line feed, as `fmt` writes the inside of block comments and text
/// blocks — except a CRLF right after a CR: `\r\r\n` made `\r\n` would be a CRLF again.
fn line_feeds(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\r\n") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (line, ending) in lines(text) {
        out.push_str(line);
        push_ending(&mut out, ending);
    }
    std::borrow::Cow::Owned(out)
}

/// The lines of `text` as the grammar ends them — at `\n`, `\r\n` or a lone `\r` — each with
/// its line break (`""` for a last line without one).
fn lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let from = start;
        let Some(end) = bytes[from..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map(|at| from + at)
        else {
            start = bytes.len();
            return Some((&text[from..], ""));
        };
        let length = if bytes[end..].starts_with(b"\r\n") {
            2
        } else {
            1
        };
        start = end + length;
        Some((&text[from..end], &text[end..start]))
    })
}

/// A line break inside a block comment or a text block: a CRLF becomes a line feed (unless a CR
/// is just before it, with which a line feed would make a CRLF again), a lone CR stays (in a
/// text block it is part of the text), a line feed stays, and the end of the text adds nothing.
fn push_ending(out: &mut String, ending: &str) {
    match ending {
        "\r\n" if out.ends_with('\r') => out.push_str("\r\n"),
        "\r\n" | "\n" => out.push('\n'),
        "\r" => out.push('\r'),
        _ => {}
    }
}

/// Formats one file's text.
///
/// It goes line by line, lines ending as the grammar ends them. A line that starts outside
/// comments and text blocks is indented by depth, and loses its trailing spaces unless it ends
/// inside a block comment or a text block that it opens; its line break becomes a line feed. A
/// line that starts inside one is kept as it is, and its line break is kept by
/// `push_ending`'s rule, so that formatting twice changes nothing.
pub fn format_source(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut depth: usize = 0;
    let mut state = State::Code;
    let mut blank_run = 0;
    let mut last_opened_block = false;
    for (raw, ending) in lines(text) {
        if state != State::Code {
            // Inside a text block or a block comment: kept byte for byte.
            out.push_str(raw);
            let (next_state, opens, closes) = scan(raw, state);
            state = next_state;
            depth = (depth + opens).saturating_sub(closes);
            blank_run = 0;
            last_opened_block = false;
            if state == State::Code {
                out.push('\n');
            } else {
                push_ending(&mut out, ending);
            }
            continue;
        }
        let line = raw.trim_start();
        if line.trim_end().is_empty() {
            blank_run += 1;
            continue;
        }
        let (next_state, opens, closes) = scan(line, State::Code);
        // Trailing spaces of a line that ends inside a comment or a text block are theirs.
        let line = if next_state == State::Code {
            line.trim_end()
        } else {
            line
        };
        let closes_first = line.starts_with('}');
        let level = if closes_first {
            depth.saturating_sub(1)
        } else {
            depth
        };
        // Blank lines: at most one, and none right after `{` or right before `}`.
        if blank_run > 0 && !out.is_empty() && !last_opened_block && !closes_first {
            out.push('\n');
        }
        blank_run = 0;
        for _ in 0..level {
            out.push_str("  ");
        }
        out.push_str(line);
        if next_state == State::Code {
            out.push('\n');
        } else {
            push_ending(&mut out, ending);
        }
        depth = (depth + opens).saturating_sub(closes);
        last_opened_block = opens > closes;
        state = next_state;
    }
    out
}

/// Scans one line from `state`: the state at its end, and the braces it opens and closes.
fn scan(line: &str, state: State) -> (State, usize, usize) {
    let (mut opens, mut closes) = (0, 0);
    let state = scan_braces(line, state, |_, open| {
        if open {
            opens += 1;
        } else {
            closes += 1;
        }
    });
    (state, opens, closes)
}

#[cfg(test)]
mod tests {
    use super::{format_source, says_the_same};
    use crate::source::FileId;
    use crate::syntax::parse;

    /// The tree keeps only the places of an assignment's words: a change of them must still count.
    #[test]
    fn a_change_of_assignments_or_comments_is_a_change_of_meaning() {
        let before = "control X {\n  duty a \"A\" { // why\n    provider: R A\n  }\n}\n";
        let tree = |text: &str| parse(FileId(0), text).tree;
        let same = |after: &str| says_the_same(&tree(before), before, &tree(after), after);
        assert!(same(
            "control X {\n duty a \"A\" {   // why\n provider:   R  A\n }\n}\n"
        ));
        assert!(!same(
            "control X {\n  duty a \"A\" { // why\n    provider: C I\n  }\n}\n"
        ));
        assert!(!same(
            "control X {\n  duty a \"A\" { // why\n    customer: R A\n  }\n}\n"
        ));
        assert!(!same(
            "control X {\n  duty a \"A\" { // who\n    provider: R A\n  }\n}\n"
        ));
        assert!(!same(
            "control X {\n  duty a \"B\" { // why\n    provider: R A\n  }\n}\n"
        ));
    }

    #[test]
    fn indents_by_depth_and_tidies_blank_lines() {
        let messy = "control X {\n\n\n      duty a \"A\" {   \n provider: R A\n\n}\n\n\n\n}\n\n\nparty p provider \"P\"";
        assert_eq!(
            format_source(messy),
            "control X {\n  duty a \"A\" {\n    provider: R A\n  }\n}\n\nparty p provider \"P\"\n"
        );
    }

    #[test]
    fn keeps_text_blocks_comments_and_strings_as_written() {
        let text = "control X {\n    note \"\"\"\n        keep { this\n      }  \n        \"\"\"\n  /* a {\n     comment } */\n  duty a \"a } { b\" { // }\n    provider: R A\n  }\n}\n";
        let formatted = format_source(text);
        assert!(formatted.contains("        keep { this\n      }  \n        \"\"\"\n"));
        assert!(formatted.contains("  /* a {\n     comment } */\n"));
        assert!(formatted.contains("  duty a \"a } { b\" { // }\n    provider: R A\n  }\n}\n"));
    }

    #[test]
    fn formatting_twice_changes_nothing() {
        let once = format_source("matrix \"m\" {\r\nversion \"1\"\r\n}\r\n");
        assert_eq!(once, "matrix \"m\" {\n  version \"1\"\n}\n");
        assert_eq!(format_source(&once), once);
    }

    /// Formats `text`, which must parse, and checks that the result says the same and formats
    /// to itself.
    fn formats_faithfully(text: &str) -> String {
        let before = parse(FileId(0), text);
        assert!(before.whole, "{text:?}");
        let once = format_source(text);
        let after = parse(FileId(0), &once);
        assert!(after.whole, "{once:?}");
        assert!(
            says_the_same(&before.tree, text, &after.tree, &once),
            "{text:?} → {once:?}"
        );
        assert_eq!(format_source(&once), once, "{text:?}");
        once
    }

    #[test]
    fn a_block_comment_keeps_the_spaces_that_end_its_lines() {
        let header = "/* Copyright 2026 Acme Cloud Ltd \n   Licensed under the MIT licence.  \n*/\nparty a provider \"A\"\n";
        assert_eq!(formats_faithfully(header), header);
        // A lone CR ends a line comment, and the block comment after it keeps its spaces too.
        assert_eq!(
            formats_faithfully("// c\r/* open \n */ party a provider \"A\"\r"),
            "// c\n/* open \n */ party a provider \"A\"\n"
        );
    }

    #[test]
    fn line_breaks_inside_text_blocks_and_comments_settle_at_once() {
        let text = "control X {\r\n  note \"\"\"\r\n    a\r\r\n    b\r\n    lone\rcr\r\n    \"\"\"\r\n  /* x\r\r\n y */\r\n}\r\n";
        assert_eq!(
            formats_faithfully(text),
            "control X {\n  note \"\"\"\n    a\r\r\n    b\n    lone\rcr\n    \"\"\"\n  /* x\r\r\n y */\n}\n"
        );
    }
}
