//! The two parsers of stage 1 must agree: the hand-written descent parser (the fast path) builds
//! exactly the tree — nodes, spans, comments — and the diagnostics that the pest grammar builds,
//! for every file the grammar accepts, and gives up on every file it rejects.
//!
//! Checked on every `.srm` file in the repository, and on many small
//! edits of each (a character inserted or deleted where it most often breaks or bends the
//! grammar).

use std::path::{Path, PathBuf};

use srmc::source::FileId;
use srmc::syntax::parse_by_descent;

use crate::common;
use common::assert_parsers_agree;

fn srm_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut folders = vec![root.join("matrices"), root.join("tests/fixtures")];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "srm") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn both_parsers_build_the_same_tree_from_every_shipped_and_test_file() {
    let files = srm_files();
    assert!(files.len() > 50, "found only {} .srm files", files.len());
    let mut accepted = 0;
    for path in &files {
        let text = std::fs::read(path).expect("readable");
        let text = String::from_utf8_lossy(&text);
        assert_parsers_agree(&text, &path.display().to_string());
        accepted += usize::from(parse_by_descent(FileId(0), &text, 4096).is_some());
    }
    // Most of them are well formed: the fast path is what they take.
    assert!(accepted * 2 > files.len(), "{accepted} of {}", files.len());
}

#[test]
fn both_parsers_agree_on_small_edits_of_every_file() {
    const EDITS: [&str; 16] = [
        "{", "}", "\"", "\n", "\r", " ", "/", "*", ":", ",", "a", "R", "\\", "\"\"\"", "//", "-",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = move |bound: usize| {
        // A fixed linear congruential sequence: the same edits on every run.
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % bound.max(1)
    };
    for path in srm_files() {
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("readable")).into_owned();
        if text.len() > 20_000 {
            continue;
        }
        for _ in 0..24 {
            let mut at = next(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let edit = EDITS[next(EDITS.len())];
            let inserted = format!("{}{edit}{}", &text[..at], &text[at..]);
            assert_parsers_agree(&inserted, &format!("{} + {edit:?} at {at}", path.display()));
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let deleted = format!("{}{}", &text[..at], &text[end..]);
            assert_parsers_agree(&deleted, &format!("{} - byte at {at}", path.display()));
        }
    }
}

#[test]
fn spans_and_comments_follow_the_grammar_in_corner_cases() {
    for text in [
        // An exclusion without justification takes in the rest of its line, comment included.
        "exclude 9.1 for a   // why\n",
        "exclude 9.1, 9.2 \"because\" /* c */\n",
        "catalog c \"C\" {\n  domain d \"D\"\n  control 1.1 \"T\" in d   // x\n  control 1.2 \"T\" in d reach iaas, paas  \n}\n",
        "control 9.* , c::9.1 for a,b replace { duty x \"t\" { provider: R  A  /* m */ } }",
        "control 9* { duty \"t\" {\n evidence: R\n note: A\n evidence \"e\", \"f\"\n note \"\"\"\n   body\n   \"\"\"\n }\n}\n",
        "matrix \"m\" {\r\n  version \"1\" // v\r\n\r\n  effective 2026-01-01\r  catalog a, b\n  scope \"s\\u{e9}\\u{D800}\"}",
        "service s \"S\" { subservice }\nservice t \"T\" {\n runs-on s\n use b1 , b2\n region \"a\", \"b\"\n}",
        "catalog c \"C\" {\n  control 1.2 \"T\" in d reach iaas /* one */\n}\n",
        "exclude 9.1 , 9.2 for a , b // two\nexclude 9.3 for a /* one */\n",
        "inherit 9.1 for a from s\nbaseline b \"B\" {\n control 1.1 { }\n exclude 2.*\n}\n",
        "/* a\nb */ party a provider \"A\"\n\n\n// end",
        "party a provider \"\u{202E}x\u{7}\"\n",
    ] {
        assert!(
            parse_by_descent(FileId(0), text, 4096).is_some(),
            "the descent parser should accept\n{text}"
        );
        assert_parsers_agree(text, text);
    }
}
