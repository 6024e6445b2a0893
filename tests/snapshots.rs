//! Snapshot tests over `tests/fixtures`: `ok/` matrices check clean and their resolved pairs are
//! reviewed; `err/` matrices fail, and their human and JSON diagnostics are reviewed.

use crate::common;

use srmc::diagnostics::{render_human, render_json};

#[test]
fn ok_fixtures_check_clean_and_resolve_as_reviewed() {
    insta::glob!("fixtures/ok/*.srm", |path| {
        let compilation = common::compile(path);
        let human = render_human(&compilation.diagnostics, &compilation.sources, false);
        assert!(
            compilation.diagnostics.is_empty(),
            "{} should check clean:\n{human}",
            path.display()
        );
        insta::assert_snapshot!(common::pair_table(&compilation));
    });
}

#[test]
fn err_fixtures_report_every_problem() {
    insta::glob!("fixtures/err/*.srm", |path| {
        let compilation = common::compile(path);
        assert!(
            !compilation.diagnostics.is_empty(),
            "{} should have diagnostics",
            path.display()
        );
        let human = render_human(&compilation.diagnostics, &compilation.sources, false);
        let json = render_json(&compilation.diagnostics, &compilation.sources);
        insta::assert_snapshot!(format!("{human}\n----- json -----\n{json}"));
    });
}

/// The fixture names say which code each one is for: every code the compiler can report today
/// has at least one fixture that reports it.
#[test]
fn every_diagnostic_code_has_a_failing_fixture() {
    let mut seen = std::collections::BTreeSet::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/err");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "srm") {
            for diagnostic in common::compile(&path).diagnostics {
                seen.insert(diagnostic.code);
            }
        }
    }
    // E003 needs a lowered limit: `tests/cli.rs` covers it.
    let missing: Vec<_> = srmc::codes::Code::ALL
        .iter()
        .filter(|code| **code != srmc::codes::Code::E003 && !seen.contains(*code))
        .collect();
    assert!(missing.is_empty(), "no failing fixture reports {missing:?}");
}
