//! Stage 1: text → syntax tree. The pest grammar in `grammar/srm.pest` defines the language. A
//! well-formed file is parsed by the hand-written descent parser (`descent`), which builds the
//! same tree much faster; any other file goes through pest (`recovery`), whose parse tree
//! `tree` turns into [`ast`] nodes with spans, reporting every syntax error (E001) in the
//! user's words (`messages`).

pub mod ast;
mod descent;
pub(crate) mod lexical;
pub mod meaning;
mod messages;
mod recovery;
mod tree;
mod values;

pub use recovery::parse_by_grammar;
pub use values::dedent;
pub(crate) use values::is_invisible;

use pest::Parser as _;

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use ast::*;
use values::Values;

/// The keywords that begin a top-level item: what the descent parser dispatches on and where
/// error recovery starts again. (The grammar's `item` rule lists the same.)
pub(crate) const ITEM_KEYWORDS: [&str; 11] = [
    "matrix", "import", "party", "team", "service", "catalog", "control", "exclude", "baseline",
    "inherit", "upstream",
];

/// The statements of a service block, in the grammar's order (`service_field`).
/// A string literal holding `text` as it is: quotes, backslashes, line breaks and tabs escaped,
/// control and invisible characters written as `\u{…}` so that a reader of the file sees them.
/// What `srmc init` and `srmc import` write.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_invisible(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The keywords of the matrix header's fields, in the order the grammar tries them (the
/// descent parser and editor completion read this list).
pub(crate) const MATRIX_FIELDS: [&str; 11] = [
    "version",
    "effective",
    "catalog",
    "scope",
    "agreement",
    "owner",
    "approver",
    "classification",
    "supersedes",
    "review-by",
    "history",
];

pub(crate) const SERVICE_FIELDS: [&str; 7] = [
    "model",
    "provider",
    "customer",
    "region",
    "use",
    "runs-on",
    "subservice",
];

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/srm.pest"]
struct SrmParser;

/// One file's syntax tree and what parsing it found.
#[derive(Debug)]
pub struct Parsed {
    pub tree: File,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether every item of the file is in the tree. After a syntax error the tree holds only
    /// the items that parsed, and the checks that judge the matrix as a whole must wait: a
    /// missing item may define what they would report as missing. (A value that parsed but is
    /// wrong, such as a bad pattern, leaves the tree whole.)
    pub whole: bool,
}

/// Parses one file. After a syntax error the parser starts again at the next top-level item (a
/// line that starts with a top-level keyword), so one run reports the syntax errors of every
/// item; the tree then holds the items that parsed and is not [`Parsed::whole`].
pub fn parse(file: FileId, text: &str) -> Parsed {
    parse_with_limit(file, text, usize::MAX)
}

/// [`parse`], reporting E003 for a string or text block longer than `max_string_bytes`.
pub fn parse_with_limit(file: FileId, text: &str, max_string_bytes: usize) -> Parsed {
    parse_by_descent(file, text, max_string_bytes)
        .unwrap_or_else(|| parse_by_grammar(file, text, max_string_bytes))
}

/// The fast path alone: the tree of a file the grammar accepts, `None` for any other file.
/// Public so that tests and the fuzz target can hold it to [`parse_by_grammar`].
#[doc(hidden)]
pub fn parse_by_descent(file: FileId, text: &str, max_string_bytes: usize) -> Option<Parsed> {
    let mut values = Values::new(file, max_string_bytes);
    let (items, comments) = descent::parse(text, &mut values)?;
    let tree = File {
        id: file,
        items,
        comments,
    };
    Some(Parsed {
        tree,
        diagnostics: values.diagnostics,
        whole: true,
    })
}

/// Whether the pest grammar accepts the whole of `text`.
#[doc(hidden)]
pub fn grammar_accepts(text: &str) -> bool {
    SrmParser::parse(Rule::file, text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::model::DocumentControl;
    use crate::codes::Code;

    /// The model's document-control fields are written as header fields: a keyword added to
    /// one list and not the other would be a field no matrix can set.
    #[test]
    fn every_document_control_field_is_a_header_field() {
        for keyword in DocumentControl::KEYWORDS {
            assert!(
                MATRIX_FIELDS.contains(&keyword),
                "`{keyword}` is not in MATRIX_FIELDS"
            );
            let value = if keyword == "review-by" {
                "2027-01-01"
            } else {
                "\"x\""
            };
            let text = format!(
                "matrix \"M\" {{\n  version \"1\"\n  effective 2026-01-01\n  {keyword} {value}\n}}\n"
            );
            let parsed = parse(FileId(0), &text);
            assert!(
                parsed.diagnostics.is_empty(),
                "{keyword}: {:?}",
                parsed.diagnostics
            );
        }
    }

    /// Found by `cargo fuzz run parse`: an error two bytes after the start of a character.
    #[test]
    fn errors_next_to_multibyte_characters_do_not_panic() {
        for text in [
            "// €\nihe must",
            "€\nx",
            "party a provider \"€\"x",
            "€€\n\"\"\"€",
            "control x {\n  duty d \"€\" { provider: R A €customer: I }\n}\n",
            "control x {\n  duty d \"D\" {\n    provider: R A\n  €\n}\n",
        ] {
            let parsed = parse(FileId(0), text);
            assert!(!parsed.whole, "{text}");
            assert!(
                parsed.diagnostics.iter().any(|d| d.code == Code::E001),
                "{text}"
            );
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
        let parsed = parse(
            FileId(0),
            "party a provider \"Tab\\there \\\"quoted\\\" \\u{e9}\\\\\"\n",
        );
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let Item::Party(party) = &parsed.tree.items[0] else {
            panic!("expected a party")
        };
        assert_eq!(party.name.value, "Tab\there \"quoted\" é\\");
    }

    #[test]
    fn a_carriage_return_is_refused_in_one_line_strings_only() {
        let codes = |text: &str| -> Vec<Code> {
            parse(FileId(0), text)
                .diagnostics
                .iter()
                .map(|d| d.code)
                .collect()
        };
        assert_eq!(codes("party a provider \"A\\u{d}B\"\n"), [Code::E109]);
        assert_eq!(codes("party a provider \"A\\u{D}\\nB\"\n"), [Code::E109]);
        assert_eq!(codes("party a provider \"A\\nB\"\n"), []);
        assert_eq!(
            codes("control K-1 {\n  note \"\"\"\n    a\rb\r\n    c\n    \"\"\"\n}\n"),
            []
        );
    }

    #[test]
    fn comments_are_kept() {
        let parsed = parse(FileId(0), "// first\nparty a provider \"A\" /* inline */\n");
        let texts: Vec<_> = parsed.tree.comments.into_iter().map(|c| c.text).collect();
        assert_eq!(texts, ["// first", "/* inline */"]);
    }

    #[test]
    fn syntax_errors_name_what_was_expected_in_words() {
        let diagnostics = parse(FileId(0), "matrix \"m\" {\n  verison \"1\"\n}\n").diagnostics;
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(
            diagnostics[0].message,
            "expected `version`, `effective`, `catalog`, `scope`, `agreement`, `owner`, \
             `approver`, `classification`, `supersedes`, `review-by`, `history` or `}`, found \
             `verison`"
        );
    }
}
