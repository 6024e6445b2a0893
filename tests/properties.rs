//! Property tests over random well-formed matrices and random mutations of them: no panic,
//! deterministic checks and renderings, no change against itself, an owner for an unowned
//! pair removes exactly its E201, and `fmt` is idempotent and keeps the tree. Bounded to run in
//! seconds.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use srmc::diagnostics::render_json;
use srmc::render::{render, Format};

use crate::common;

/// A random matrix: its own catalog, parties of every kind, services, duties with random
/// letters, `for` blocks and exclusions.
#[derive(Debug, Clone)]
struct Spec {
    controls: usize,
    services: usize,
    blocks: Vec<Block>,
    exclusions: Vec<(usize, Option<usize>)>,
}

#[derive(Debug, Clone)]
struct Block {
    control: usize,
    service: Option<usize>,
    duties: Vec<Vec<(usize, u8)>>,
}

const PARTIES: [(&str, &str); 4] = [
    ("csp", "provider"),
    ("csc", "customer"),
    ("sub", "provider"),
    ("aud", "partner"),
];

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..6, 1usize..4).prop_flat_map(|(controls, services)| {
        let duty = prop::collection::vec((0usize..PARTIES.len(), 1u8..16), 1..4);
        let block = (
            0..controls,
            prop::option::of(0..services),
            prop::collection::vec(duty, 1..3),
        )
            .prop_map(|(control, service, duties)| Block {
                control,
                service,
                duties,
            });
        (
            prop::collection::vec(block, 0..8),
            prop::collection::vec((0..controls, prop::option::of(0..services)), 0..3),
        )
            .prop_map(move |(blocks, exclusions)| Spec {
                controls,
                services,
                blocks,
                exclusions,
            })
    })
}

fn letters(bits: u8) -> String {
    let mut out = Vec::new();
    for (bit, letter) in [(1, "R"), (2, "A"), (4, "C"), (8, "I")] {
        if bits & bit != 0 {
            out.push(letter);
        }
    }
    out.join(" ")
}

fn write(spec: &Spec) -> String {
    let mut text = String::from(
        "matrix \"Random\" {\n  version \"1\"\n  effective 2026-01-01\n  catalog r\n}\n\ncatalog r \"R\" {\n  domain d \"D\"\n",
    );
    for c in 0..spec.controls {
        text.push_str(&format!("  control R-{c} \"Control {c}\" in d\n"));
    }
    text.push_str("}\n\n");
    for (id, kind) in PARTIES {
        text.push_str(&format!("party {id} {kind} \"{id}\"\n"));
    }
    for s in 0..spec.services {
        text.push_str(&format!(
            "\nservice s{s} \"S{s}\" {{\n  model saas\n  provider csp\n}}\n"
        ));
    }
    for block in &spec.blocks {
        let target = block
            .service
            .map_or(String::new(), |s| format!(" for s{s}"));
        text.push_str(&format!("\ncontrol R-{}{target} {{\n", block.control));
        for (index, duty) in block.duties.iter().enumerate() {
            text.push_str(&format!("  duty d{index} \"Duty {index}\" {{\n"));
            let mut seen = BTreeSet::new();
            for (party, bits) in duty {
                if seen.insert(*party) {
                    text.push_str(&format!("    {}: {}\n", PARTIES[*party].0, letters(*bits)));
                }
            }
            text.push_str("  }\n");
        }
        text.push_str("}\n");
    }
    for (control, service) in &spec.exclusions {
        let target = service.map_or(String::new(), |s| format!(" for s{s}"));
        text.push_str(&format!(
            "\nexclude R-{control}{target} \"Not applicable\"\n"
        ));
    }
    text
}

fn compile_text(dir: &Path, name: &str, text: &str) -> srmc::Compilation {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    srmc::compile(&path, Default::default()).expect("a written file is readable")
}

fn outputs(compilation: &srmc::Compilation) -> Vec<String> {
    let mut out = vec![render_json(&compilation.diagnostics, &compilation.sources)];
    if compilation.checked.is_some() {
        for format in [
            Format::Html,
            Format::Markdown,
            Format::Json,
            Format::RaciCsv,
            Format::Dot,
        ] {
            out.push(render(compilation, format, None).unwrap());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn checks_and_renderings_are_deterministic(spec in spec()) {
        let dir = tempfile::tempdir().unwrap();
        let text = write(&spec);
        common::assert_parsers_agree(&text, "a random matrix");
        let first = compile_text(dir.path(), "a.srm", &text);
        let second = compile_text(dir.path(), "a.srm", &text);
        prop_assert_eq!(outputs(&first), outputs(&second));
        let same = srmc::diff::diff(&first, "a", &second, "a").unwrap();
        prop_assert!(same.is_empty(), "{:?}", same.changes);
    }

    #[test]
    fn an_owner_removes_exactly_its_e201(spec in spec()) {
        let dir = tempfile::tempdir().unwrap();
        let text = write(&spec);
        let before = compile_text(dir.path(), "a.srm", &text);
        let unowned: Vec<(String, String)> = before
            .diagnostics
            .iter()
            .filter(|d| d.code == srmc::codes::Code::E201)
            .filter_map(|d| d.pair.as_ref().map(|p| (p.service.clone(), p.control.clone())))
            .collect();
        prop_assume!(!unowned.is_empty());
        let (service, control) = &unowned[0];
        let fixed = format!(
            "{text}\ncontrol {control} for {service} {{\n  duty owner \"Own it\" {{\n    csp: R A\n  }}\n}}\n"
        );
        let after = compile_text(dir.path(), "b.srm", &fixed);
        let codes = |c: &srmc::Compilation| -> BTreeSet<(String, Option<(String, String)>)> {
            c.diagnostics
                .iter()
                .map(|d| (d.code.as_str().to_owned(), d.pair.as_ref().map(|p| (p.service.clone(), p.control.clone()))))
                .collect()
        };
        let (old, new) = (codes(&before), codes(&after));
        let gone: Vec<_> = old.difference(&new).cloned().collect();
        let appeared: Vec<_> = new.difference(&old).cloned().collect();
        prop_assert!(appeared.is_empty(), "new findings {:?}", appeared);
        let e201_gone: Vec<_> = gone.iter().filter(|(code, _)| code == "E201").collect();
        prop_assert_eq!(e201_gone.len(), 1, "{:?}", gone);
        prop_assert_eq!(
            e201_gone[0].1.clone(),
            Some((service.clone(), control.clone()))
        );
    }

    #[test]
    fn mutated_matrices_never_panic(
        spec in spec(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, any::<prop::sample::Index>()), 1..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = write(&spec).into_bytes();
        const PIECES: [&[u8]; 6] = [b"{", b"}", b"\"", b"\n", b"control ", b"\xff"];
        for (at, kind, piece) in cuts {
            if bytes.is_empty() {
                break;
            }
            let at = at.index(bytes.len());
            match kind {
                0 => {
                    bytes.remove(at);
                }
                1 => {
                    let piece = PIECES[piece.index(PIECES.len())];
                    bytes.splice(at..at, piece.iter().copied());
                }
                2 => bytes.truncate(at),
                _ => {
                    let copy = bytes[at..].iter().take(40).copied().collect::<Vec<_>>();
                    bytes.splice(at..at, copy);
                }
            }
        }
        common::assert_parsers_agree(&String::from_utf8_lossy(&bytes), "a mutated matrix");
        let path = dir.path().join("m.srm");
        std::fs::write(&path, &bytes).unwrap();
        let compilation = srmc::compile(&path, Default::default()).unwrap();
        // Every format renders what compiles, gaps and all.
        let _ = outputs(&compilation);
    }

    /// `fmt` on valid matrices laid out badly: line breaks of every kind (CR, CRLF), tabs,
    /// byte-order marks, comments holding braces and quotes, block comments whose lines end in
    /// spaces (a licence header), text blocks with CRs. Whatever parses whole formats to a text
    /// that formats to itself and says the same.
    #[test]
    fn fmt_is_idempotent_and_keeps_the_tree(
        spec in spec(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>(), any::<prop::sample::Index>()), 1..12),
    ) {
        use srmc::format::{format_source, says_the_same};
        use srmc::source::FileId;
        use srmc::syntax::parse;
        // Pieces for the start of a line, and for its end.
        const STARTS: [&str; 14] = [
            "\t",
            "  ",
            "\u{feff}",
            "\r\n",
            "\r",
            "\n\n",
            "// c { \" } \"\"\" \n",
            "// c\r",
            "/* a { \" } \r\n   b */ \n",
            "/* Copyright 2026 Acme \n   All rights reserved.  \n*/\n",
            "/* x\r\r\n y \r */\r\n",
            "note \"\"\"\r\n    a \r\r\n  { b\r\n\t\"\n    \"\"\"\n",
            "note \"\"\"\n  lone\rcr\n  \"\"\"\r",
            "\t/*\t*/ ",
        ];
        const ENDS: [&str; 9] = [
            "  ",
            "\t",
            "\r",
            " // x { \"",
            " /* y } */",
            " /* open \n */",
            " /* trailing  \r\n */",
            " // c\r",
            "\u{feff}",
        ];
        let mut text = write(&spec);
        for (at, start, piece) in edits {
            let boundaries: Vec<usize> = text
                .match_indices('\n')
                .map(|(i, _)| if start { i + 1 } else { i })
                .collect();
            let at = boundaries[at.index(boundaries.len())];
            let piece = if start {
                STARTS[piece.index(STARTS.len())]
            } else {
                ENDS[piece.index(ENDS.len())]
            };
            text.insert_str(at, piece);
        }
        let parsed = parse(FileId(0), &text);
        if parsed.whole {
            let once = format_source(&text);
            let twice = format_source(&once);
            prop_assert_eq!(&twice, &once, "formatting twice changed {:?}", text);
            let again = parse(FileId(0), &once);
            prop_assert!(again.whole, "{:?} formats to {:?}, which does not parse", text, once);
            prop_assert!(
                says_the_same(&parsed.tree, &text, &again.tree, &once),
                "{:?} formats to {:?}, which says something else",
                text,
                once
            );
        }
    }
}
