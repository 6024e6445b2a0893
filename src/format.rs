//! `srmc fmt`: one layout for every `.srm` file — two spaces per block level, no trailing
//! spaces, at most one blank line in a row, none just inside a block, one newline at the end.
//!
//! The formatter works on lines, so comments stay exactly where they are written, and it leaves
//! the inside of text blocks and block comments alone, so no value changes. Alignment inside a
//! line (`version   "1.0"`) is the author's and is kept. The caller checks that the formatted
//! text parses to the same tree before writing it ([`says_the_same`]).

use crate::syntax::ast::File;
use crate::syntax::lexical::{scan_braces, State};

/// Whether two parses of a file say the same thing: the same items (spans aside), the same
/// assignments (the tree keeps only the places of their words) and the same comments.
pub fn says_the_same(before: &File, before_text: &str, after: &File, after_text: &str) -> bool {
    before.items == after.items
        && before
            .assignment_words(before_text)
            .eq(after.assignment_words(after_text))
        && before
            .comments
            .iter()
            .map(|c| c.text.trim_end())
            .eq(after.comments.iter().map(|c| c.text.trim_end()))
}

/// Formats one file's text.
pub fn format_source(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut depth: usize = 0;
    let mut state = State::Code;
    let mut blank_run = 0;
    let mut last_opened_block = false;
    let lines: Vec<&str> = text.split('\n').collect();
    for (index, raw) in lines.iter().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if index == lines.len() - 1 && raw.is_empty() {
            break;
        }
        if state != State::Code {
            // Inside a text block or a block comment: kept byte for byte.
            out.push_str(raw);
            out.push('\n');
            let (next_state, opens, closes) = scan(raw, state);
            state = next_state;
            depth = (depth + opens).saturating_sub(closes);
            blank_run = 0;
            last_opened_block = false;
            continue;
        }
        let line = raw.trim();
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        let (next_state, opens, closes) = scan(line, State::Code);
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
        out.push_str(line.trim_end());
        out.push('\n');
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
}
