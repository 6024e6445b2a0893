#![no_main]

use libfuzzer_sys::fuzz_target;
use srmc::source::FileId;
use srmc::syntax::{grammar_accepts, parse_by_descent, parse_by_grammar};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = srmc::syntax::parse(FileId(0), &text);
    let _ = srmc::format::format_source(&text);
    // The fast path and the grammar must agree on what they accept and on what they build.
    let accepted = grammar_accepts(&text);
    match parse_by_descent(FileId(0), &text, usize::MAX) {
        Some(fast) => {
            assert!(accepted, "the descent parser accepts what the grammar rejects");
            let reference = parse_by_grammar(FileId(0), &text, usize::MAX);
            assert!(reference.whole);
            assert_eq!(fast.tree, reference.tree);
            assert_eq!(fast.diagnostics, reference.diagnostics);
        }
        None => assert!(!accepted, "the descent parser gives up on a file the grammar accepts"),
    }
});
