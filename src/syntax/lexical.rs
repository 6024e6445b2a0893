//! What can be told about a text without parsing it: where its braces are, outside strings,
//! text blocks and comments. The formatter indents by it; syntax errors find by it the block a
//! missing `}` leaves open.

/// Where a scan of the text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Code,
    TextBlock,
    BlockComment,
}

/// Scans `text` from `state`, calling `on_brace(offset, opens)` for each `{` and `}` outside
/// strings, text blocks and comments; returns the state at the end. A line comment or a string
/// ends at the end of its line.
pub(crate) fn scan_braces(
    text: &str,
    mut state: State,
    mut on_brace: impl FnMut(usize, bool),
) -> State {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match state {
            State::TextBlock => {
                if bytes[i..].starts_with(b"\"\"\"") {
                    state = State::Code;
                    i += 3;
                } else {
                    i += 1;
                }
            }
            State::BlockComment => {
                if bytes[i..].starts_with(b"*/") {
                    state = State::Code;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            State::Code => match bytes[i] {
                b'/' if bytes[i..].starts_with(b"//") => {
                    while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') {
                        i += 1;
                    }
                }
                b'/' if bytes[i..].starts_with(b"/*") => {
                    state = State::BlockComment;
                    i += 2;
                }
                b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                    state = State::TextBlock;
                    i += 3;
                }
                b'"' => {
                    // A one-line string: skip to its closing quote or the end of its line.
                    i += 1;
                    while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n' | b'\r') {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'{' => {
                    on_brace(i, true);
                    i += 1;
                }
                b'}' => {
                    on_brace(i, false);
                    i += 1;
                }
                _ => i += 1,
            },
        }
    }
    state
}

/// The innermost `{` of `text[from..to]` that no `}` closes before `to`.
pub(crate) fn unclosed_brace(text: &str, from: usize, to: usize) -> Option<usize> {
    let mut open = Vec::new();
    scan_braces(&text[from..to], State::Code, |at, opens| {
        if opens {
            open.push(from + at);
        } else {
            open.pop();
        }
    });
    open.pop()
}

/// The `{` that a missing `}` most likely belongs to, reading the indentation as a person would:
/// a `}` that begins its line closes the open block whose first line is indented as far, and a
/// block opened inside that one and not closed is the one left open. Where the indentation says
/// nothing (no such `}`), the innermost unclosed `{`, as [`unclosed_brace`].
pub(super) fn likely_unclosed_brace(text: &str, from: usize, to: usize) -> Option<usize> {
    let slice = &text[from..to];
    // Each `{` with the indentation of its line; braces come in order, so the start of the
    // current line is found by scanning only the text since the previous brace.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut left_open = None;
    let (mut line_start, mut scanned) = (0, 0);
    scan_braces(slice, State::Code, |at, opens| {
        if let Some(newline) = slice[scanned..at].rfind('\n') {
            line_start = scanned + newline + 1;
        }
        scanned = at;
        let line = &slice[line_start..];
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if opens {
            open.push((from + at, indent));
            return;
        }
        let begins_line = line_start + indent == at;
        match open.iter().rposition(|&(_, opener)| opener == indent) {
            Some(owner) if begins_line && owner + 1 < open.len() => {
                left_open = open.last().map(|&(brace, _)| brace);
                open.truncate(owner);
            }
            _ => {
                open.pop();
            }
        }
    });
    // A block opened after the one the indentation gave up on, and still open, is the later
    // mistake and the nearer one to where pest stopped.
    left_open.max(open.last().map(|&(brace, _)| brace))
}

#[cfg(test)]
mod tests {
    use super::{likely_unclosed_brace, unclosed_brace};

    /// The line (up to the brace) of the `{` each reading blames.
    fn brace_line(text: &str, brace: Option<usize>) -> Option<&str> {
        brace.map(|at| text[..at].rsplit('\n').next().unwrap().trim())
    }

    fn by_indentation(text: &str) -> Option<&str> {
        brace_line(text, likely_unclosed_brace(text, 0, text.len()))
    }

    fn by_counting(text: &str) -> Option<&str> {
        brace_line(text, unclosed_brace(text, 0, text.len()))
    }

    #[test]
    fn a_closing_brace_belongs_to_the_block_indented_as_far() {
        // The duty's `}` is missing: the `}` in the first column closes the control block.
        let text = "control T-1 {\n  duty d \"D\" {\n    provider: R A\n}\n";
        assert_eq!(by_indentation(text), Some("duty d \"D\""));
        // Counting alone blames the control block.
        assert_eq!(by_counting(text), Some("control T-1"));
    }

    #[test]
    fn a_block_opened_later_and_never_closed_is_the_one_blamed() {
        // `d`'s `}` is out of line, and `e` has none at all.
        let text = "control T {\n  duty d \"D\" {\n    provider: R A\n}\n  duty e \"E\" {\n    provider: R A\n";
        assert_eq!(by_indentation(text), Some("duty e \"E\""));
    }

    #[test]
    fn without_a_hint_from_indentation_the_innermost_open_block() {
        // The control's `}` is missing; the duty's is where it belongs.
        let closed_duty = "control T-1 {\n  duty d \"D\" {\n    provider: R A\n  }\n";
        // A one-line duty, and a file with no indentation at all.
        let one_line = "control T-1 {\n  duty d \"D\" { provider: R A }\n";
        let flat = "control T-1 {\nduty d \"D\" {\nprovider: R A\n}\n";
        for text in [closed_duty, one_line, flat] {
            assert_eq!(by_indentation(text), Some("control T-1"), "{text}");
        }
    }
}
