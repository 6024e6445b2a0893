//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fmt::Write;
use std::path::{Path, PathBuf};

use srmc::analyze::model::ReplacedBy;
use srmc::analyze::Limits;
use srmc::Compilation;

/// A path relative to the crate root, so that snapshots do not depend on where the checkout is.
pub(crate) fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_path_buf()
}

pub(crate) fn compile(path: &Path) -> Compilation {
    srmc::compile(&relative(path), Limits::default()).expect("fixture is readable")
}

/// Every pair with its ownership, the duties that hold (id, level, place) and what precedence
/// dropped: what a reviewer needs to see to trust the resolution.
pub(crate) fn pair_table(compilation: &Compilation) -> String {
    let model = &compilation.checked.as_ref().expect("a model").model;
    let graph = &compilation.checked.as_ref().expect("a graph").graph;
    let place = |span: srmc::source::Span| {
        let at = compilation.sources.line_col(span);
        format!("{}:{}", compilation.sources.get(span.file).name, at.line)
    };
    let mut out = String::new();
    // Runs of pairs of one service that only one exclusion decides are shown as one line.
    let mut run: Option<(usize, usize, usize, usize)> = None; // service, exclusion, first, last
    let flush = |out: &mut String, run: &mut Option<(usize, usize, usize, usize)>| {
        if let Some((service, exclusion, first, last)) = run.take() {
            let exclusion = &model.exclusions[exclusion];
            let _ = writeln!(
                out,
                "{} / {}{}: excluded ({}) at {}: {}",
                model.services[service].id,
                model.controls[first].display,
                if last > first {
                    format!(
                        " to {} ({} pairs)",
                        model.controls[last].display,
                        last - first + 1
                    )
                } else {
                    String::new()
                },
                exclusion.level.describe(),
                place(exclusion.span),
                exclusion.justification
            );
        }
    };
    for (index, pair) in model.pairs.iter().enumerate() {
        let service = &model.services[pair.service].id;
        let control = &model.controls[pair.control].display;
        if let (Some(exclusion), true, true, true) = (
            pair.exclusion,
            pair.duties.is_empty(),
            pair.replaced.is_empty(),
            pair.notes.is_empty(),
        ) {
            match &mut run {
                Some((s, e, _, last)) if *s == pair.service && *e == exclusion => {
                    *last = pair.control;
                }
                _ => {
                    flush(&mut out, &mut run);
                    run = Some((pair.service, exclusion, pair.control, 1));
                }
            }
            continue;
        }
        flush(&mut out, &mut run);
        if !pair.in_scope {
            continue;
        }
        let _ = writeln!(out, "{service} / {control}: {}", graph.ownership[index]);
        if let Some(inherit) = pair.inherit {
            let from = model.inherits[inherit].from;
            let _ = writeln!(out, "  inherits from {}", model.services[from].id);
        }
        if let Some(exclusion) = pair.exclusion {
            let exclusion = &model.exclusions[exclusion];
            let _ = writeln!(
                out,
                "  excluded ({}) at {}: {}",
                exclusion.level.describe(),
                place(exclusion.span),
                exclusion.justification
            );
        }
        for (node, duty) in graph.pair_duties(index) {
            let def = &model.duties[duty];
            let letters: Vec<String> = graph
                .assignments(node)
                .into_iter()
                .map(|(party, raci)| format!("{}={raci}", model.parties[party].id))
                .collect();
            let _ = writeln!(
                out,
                "  duty {} ({}) at {}: {}",
                def.id,
                def.level.describe(),
                place(def.head),
                letters.join(" ")
            );
        }
        for replaced in &pair.replaced {
            let by = match replaced.by {
                ReplacedBy::Duty(duty) => format!("duty at {}", place(model.duties[duty].head)),
                ReplacedBy::Exclusion(e) => {
                    format!("exclusion at {}", place(model.exclusions[e].span))
                }
                ReplacedBy::Replace(span) => format!("`replace` block at {}", place(span)),
                ReplacedBy::Inherit(i) => format!("`inherit` at {}", place(model.inherits[i].span)),
            };
            let _ = writeln!(
                out,
                "  replaced {} at {} by {by}",
                model.duties[replaced.duty].id,
                place(model.duties[replaced.duty].head)
            );
        }
        for note in &pair.notes {
            let _ = writeln!(out, "  note: {note}");
        }
    }
    flush(&mut out, &mut run);
    out
}

/// The two parsers of stage 1 agree on `text`: the descent parser builds exactly the tree and the
/// diagnostics of the pest grammar for a file the grammar accepts, and gives up on any other.
/// `what` names the input in a failure.
pub(crate) fn assert_parsers_agree(text: &str, what: &str) {
    let limit = 4096;
    let grammar = srmc::syntax::parse_by_grammar(srmc::source::FileId(0), text, limit);
    let rejected_by_grammar = !srmc::syntax::grammar_accepts(text);
    match srmc::syntax::parse_by_descent(srmc::source::FileId(0), text, limit) {
        Some(descent) => {
            assert!(
                !rejected_by_grammar,
                "{what}: the descent parser accepts what the grammar rejects: {:?}\n{text}",
                grammar.diagnostics
            );
            assert!(
                grammar.whole,
                "{what}: the grammar accepts a file it calls partial"
            );
            // Spans are compared too: each node covers the same tokens in both.
            assert_eq!(
                descent.tree, grammar.tree,
                "{what}: the trees differ\n{text}"
            );
            assert_eq!(
                descent.diagnostics, grammar.diagnostics,
                "{what}: the diagnostics differ\n{text}"
            );
        }
        None => assert!(
            rejected_by_grammar,
            "{what}: the descent parser gives up on a file the grammar accepts\n{text}"
        ),
    }
}

/// What changes from release to release without a change in meaning: the generator's version,
/// and fingerprints (any change to what a matrix publishes changes them; their own tests in
/// tests/build.rs hold them to the meaning). Snapshots show them as placeholders.
pub(crate) fn volatile() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\b[0-9a-f]{64}\b", "[fingerprint]"),
        // The printed pages' footer shows the first 16 digits.
        (
            r"Fingerprint [0-9a-f]{16}\b",
            "Fingerprint [short fingerprint]",
        ),
        (r"srmc \d+\.\d+\.\d+", "srmc [version]"),
    ]
}

/// The Markdown annex after its leading marker comments (`<!-- srmc-fingerprint: HEX -->` and,
/// for an extract, `<!-- srmc-extract-for: ID -->`), which `srmc verify` reads; panics when the
/// markers are missing or carry anything but a fingerprint and an id, so that a test of the
/// rest may treat every other piece of HTML as a leak.
pub(crate) fn after_markers(markdown: &str) -> &str {
    let mut rest = markdown;
    for (keyword, required) in [("srmc-fingerprint", true), ("srmc-extract-for", false)] {
        let prefix = format!("<!-- {keyword}: ");
        let Some(tail) = rest.strip_prefix(prefix.as_str()) else {
            assert!(!required, "the annex does not open with {prefix:?}");
            continue;
        };
        let (value, after) = tail.split_once(" -->\n").expect("a marker ends its line");
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        assert!(
            !value.is_empty() && value.chars().all(allowed),
            "a marker holds {value:?}"
        );
        rest = after;
    }
    rest
}
