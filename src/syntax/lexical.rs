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
