//! Syntax errors in the user's words: what was expected, what was found, and a hint at the
//! cause where it lies before the place pest stopped at.

use pest::error::ErrorVariant;

use super::lexical::likely_unclosed_brace;
use super::recovery::{item_start_before, starts_item};
use super::Rule;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};

pub(super) fn syntax_error(
    file: FileId,
    text: &str,
    at: usize,
    variant: &ErrorVariant<Rule>,
) -> Diagnostic {
    let found = found_at(text, at);
    let span = Span::new(file, at, at + found.len());
    let at_end = text[at.min(text.len())..].trim().is_empty();
    let expects_close = matches!(variant, ErrorVariant::ParsingError { positives, .. } if positives.contains(&Rule::rbrace));
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
    let expects_letters = matches!(variant, ErrorVariant::ParsingError { positives, .. }
        if positives.contains(&Rule::letters) || positives.contains(&Rule::bad_letters));
    if found == ":" && expects_letters {
        if let Some(diagnostic) = second_assignment(file, text, at) {
            return diagnostic;
        }
    }
    // A `}` expected where the next item begins (or the file ends): the cause is the block left
    // open above, and that is where the error is reported.
    if expects_close && (at_end || starts_item(text, at)) {
        let item = item_start_before(text, at);
        if let Some(open) = likely_unclosed_brace(text, item, at) {
            let next = if at_end {
                "the file ends here".to_owned()
            } else {
                format!("`{found}` starts the next item here")
            };
            return Diagnostic::new(
                Code::E001,
                Span::new(file, open, open + 1),
                "this block is never closed",
            )
            .label("this `{` has no `}`")
            .related(span, next)
            .help("close the block with `}` on a line of its own before the next item");
        }
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

/// A text block or block comment opened at (or just before) a syntax error and never closed:
/// the rest of the file is inside it, so there is no next item to start again at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OpenToTheEnd {
    /// Where its `"""` starts.
    TextBlock(usize),
    /// Where its `/*` starts.
    Comment(usize),
}

pub(super) fn open_to_the_end(text: &str, at: usize) -> Option<OpenToTheEnd> {
    // A text block that never closes fails at its third quote, after `""` parsed as a string.
    // Bytes: `at - 2` may fall inside a character (found by fuzzing).
    let block_start = [at, at.saturating_sub(2)]
        .into_iter()
        .find(|&start| text.as_bytes()[start..].starts_with(b"\"\"\""));
    if let Some(start) = block_start {
        if !text[start + 3..].contains("\"\"\"") {
            return Some(OpenToTheEnd::TextBlock(start));
        }
    }
    let rest = &text.as_bytes()[at..];
    (rest.starts_with(b"/*") && !text[at + 2..].contains("*/")).then_some(OpenToTheEnd::Comment(at))
}

/// The errors whose cause lies before the place pest stopped at: an unclosed text block, string
/// or block comment, and a bad escape sequence in a string.
fn unclosed_or_malformed(file: FileId, text: &str, at: usize) -> Option<Diagnostic> {
    match open_to_the_end(text, at) {
        Some(OpenToTheEnd::TextBlock(start)) => {
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
        Some(OpenToTheEnd::Comment(start)) => {
            return Some(
                Diagnostic::new(
                    Code::E001,
                    Span::new(file, start, start + 2),
                    "this block comment is never closed",
                )
                .label("comment starts here")
                .help("end it with `*/`; block comments do not nest"),
            );
        }
        None => {}
    }
    let rest = &text[at..];
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

/// `provider: R A customer: I`: the letters of the first assignment run into the party of a
/// second, and pest stops at its colon (where it expects more letters). The cause is the party's
/// name, so that is what is shown.
fn second_assignment(file: FileId, text: &str, colon: usize) -> Option<Diagnostic> {
    let line_start = text[..colon].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let before = text[line_start..colon].trim_end();
    // The name is ASCII, so counting bytes from the end stays on character boundaries.
    let name_length = before
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        .count();
    let name_start = before.len() - name_length;
    let (first, name) = before.split_at(name_start);
    if name.is_empty() || !first.contains(':') || !first.ends_with([' ', '\t']) {
        return None;
    }
    let start = line_start + name_start;
    Some(
        Diagnostic::new(
            Code::E001,
            Span::new(file, start, start + name.len()),
            format!("two statements on one line: `{name}:` starts a second assignment"),
        )
        .label("a second assignment")
        .help(format!(
            "put `{name}: …` on a line of its own; a statement ends at the end of its line"
        )),
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
        "“" | "”" | "„" | "‟" | "«" | "»" | "‘" | "’" | "‚" | "‹" | "›" => format!(
            "`{found}` is a typographic quote (word processors put them in): strings take straight double quotes, `\"like this\"`"
        ),
        word if word.starts_with(|c: char| c.is_ascii_uppercase())
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) =>
        {
            format!(
                "names and keyword values are written in lower case: did you mean `{}`?",
                word.to_ascii_lowercase()
            )
        }
        _ => "see docs/language.md, or `srmc explain E001`".to_owned(),
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
        Rule::service_ref | Rule::service_list => {
            "a service id (`analytics`, or `upstream.service` for an upstream's)"
        }
        Rule::kw_team | Rule::team => "`team`",
        Rule::kw_of => "`of`",
        Rule::kw_upstream | Rule::upstream => "`upstream`",
        Rule::kw_as => "`as`",
        Rule::kw_pin | Rule::pin_clause => "`pin`",
        Rule::pin_hex => "a fingerprint prefix (hexadecimal digits)",
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
        Rule::kw_agreement | Rule::agreement_field => "`agreement`",
        Rule::kw_owner | Rule::owner_field => "`owner`",
        Rule::kw_approver | Rule::approver_field => "`approver`",
        Rule::kw_classification | Rule::classification_field => "`classification`",
        Rule::kw_supersedes | Rule::supersedes_field => "`supersedes`",
        Rule::kw_review_by | Rule::review_by_field => "`review-by`",
        Rule::kw_history | Rule::history_field => "`history`",
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

#[cfg(test)]
mod tests {
    use super::second_assignment;
    use crate::source::FileId;

    fn second(text: &str) -> Option<String> {
        let colon = text.rfind(':').unwrap();
        second_assignment(FileId(0), text, colon).map(|d| d.message)
    }

    #[test]
    fn a_second_assignment_is_named_by_its_party() {
        assert_eq!(
            second("    provider: R A customer: I").as_deref(),
            Some("two statements on one line: `customer:` starts a second assignment")
        );
        // A character of several bytes just before the name: not a second assignment, and no
        // slice inside the character (which once panicked).
        assert_eq!(second("    provider: R A €customer: I"), None);
        // The line is the one the colon is on, whatever ends the one before.
        assert!(second("party a\r    provider: R A customer: I").is_some());
        assert!(second("x: R\r  customer: I").is_none());
    }
}
