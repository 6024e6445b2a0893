//! What ships in `matrices/`: the example matrices check clean, and the built-in catalog holds
//! exactly the ids that spec §6 lists, in its order.

mod common;

use std::path::Path;

/// The ids of LANGUAGE.md §6, ranges expanded (`6.1.1–6.1.5`).
fn spec_ids() -> Vec<String> {
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/LANGUAGE.md"),
    )
    .expect("the spec is beside the project");
    let section = spec
        .split("## 6.")
        .nth(1)
        .and_then(|rest| rest.split("## 7.").next())
        .expect("section 6");
    let mut ids = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("- ")) {
        let (_, list) = line.split_once(": ").expect("`- N: ids`");
        for item in list
            .replace("**", "")
            .split([',', ' '])
            .filter(|s| !s.is_empty())
        {
            match item.split_once('–') {
                Some((from, to)) => {
                    let (stem, first) = from.rsplit_once('.').unwrap();
                    let last = to.rsplit_once('.').unwrap().1;
                    let (first, last): (u32, u32) = (first.parse().unwrap(), last.parse().unwrap());
                    ids.extend((first..=last).map(|n| format!("{stem}.{n}")));
                }
                None => ids.push(item.to_owned()),
            }
        }
    }
    ids
}

#[test]
fn builtin_catalog_has_exactly_the_spec_ids_in_order() {
    let expected = spec_ids();
    assert_eq!(expected.len(), 121, "the spec lists 121 ids");
    let mut sources = srmc::source::Sources::new();
    let (_, catalog) = srmc::catalog::builtin("iso27017")
        .unwrap()
        .load(&mut sources);
    let ids: Vec<&str> = catalog
        .controls
        .iter()
        .map(|c| c.id.value.as_str())
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(catalog.domains.len(), 14);
    // Each control sits in the domain of its clause number.
    for control in &catalog.controls {
        let clause = control
            .id
            .value
            .trim_start_matches("CLD.")
            .split('.')
            .next()
            .unwrap();
        let domain = catalog
            .domains
            .iter()
            .find(|d| d.id.value == control.domain.value)
            .unwrap();
        assert!(
            domain.title.value.starts_with(&format!("{clause} ")),
            "{} is in {}",
            control.id.value,
            domain.title.value
        );
    }
    let mut titles: Vec<&str> = catalog
        .controls
        .iter()
        .map(|c| c.title.value.as_str())
        .collect();
    assert!(titles.iter().all(|t| !t.trim().is_empty()));
    titles.sort_unstable();
    titles.dedup();
    assert_eq!(titles.len(), 121, "every title is different");
}

#[test]
fn shipped_matrices_check_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "srm") {
            continue;
        }
        let compilation = common::compile(&path);
        let human =
            srmc::diagnostics::render_human(&compilation.diagnostics, &compilation.sources, false);
        assert!(
            compilation.diagnostics.is_empty(),
            "{}:\n{human}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 2);
}

/// The complete example covers every iso27017 control of both services with duties or a
/// specific exclusion, and its seven CLD controls are owned, not excluded.
#[test]
fn complete_example_covers_all_121_controls() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices/nimbus-saas-and-db.srm");
    let compilation = common::compile(&path);
    let model = compilation.model.as_ref().unwrap();
    let graph = compilation.graph.as_ref().unwrap();
    assert_eq!(model.controls.len(), 121);
    assert_eq!(model.services.len(), 2);
    let kinds: Vec<_> = model.parties.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(kinds, ["provider", "customer", "partner"]);
    for (index, pair) in model.pairs.iter().enumerate() {
        let control = &model.controls[pair.control];
        let ownership = graph.ownership[index].as_str();
        if control.id.starts_with("CLD.") {
            assert!(
                matches!(ownership, "provider" | "customer" | "shared"),
                "{} is {ownership}",
                control.id
            );
        }
        if let Some(exclusion) = pair.exclusion {
            let justification = &model.exclusions[exclusion].justification;
            assert!(justification.len() > 40, "{}: {justification}", control.id);
        }
    }
    let excluded = graph
        .ownership
        .iter()
        .filter(|o| o.as_str() == "excluded")
        .count();
    assert!(
        excluded <= 10,
        "{excluded} excluded pairs: exclusions are kept to a few"
    );
}

/// Each built-in baseline gives every iso27017 control an owner for its model: three services
/// that only `use` them check clean, warnings included.
#[test]
fn builtin_baselines_cover_every_control() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/baselines/three_services.srm");
    let compilation = common::compile(&path);
    let human =
        srmc::diagnostics::render_human(&compilation.diagnostics, &compilation.sources, false);
    assert!(compilation.diagnostics.is_empty(), "{human}");
    let model = compilation.model.as_ref().unwrap();
    let graph = compilation.graph.as_ref().unwrap();
    assert_eq!(model.pairs.len(), 3 * 121);
    for (index, pair) in model.pairs.iter().enumerate() {
        let owned = graph
            .pair_duties(index)
            .any(|(node, _)| graph.accountability(node).is_owned());
        assert!(
            owned,
            "{} / {} has no accountable duty",
            model.services[pair.service].id, model.controls[pair.control].id
        );
    }
    for builtin in srmc::catalog::BASELINES {
        assert!(model
            .baselines
            .iter()
            .any(|b| b.id == builtin.id && b.builtin));
    }
}

/// Over every clean matrix we ship or test with: adding `use` of a built-in baseline to every
/// service never adds an error (it only adds duties below what the matrix says).
#[test]
fn using_a_baseline_never_adds_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["matrices", "tests/fixtures/ok", "../shared/spec/examples"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "srm") {
                files.push(path);
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut tried = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("\n  use ") || text.contains("import ") {
            continue;
        }
        let before = common::compile(&path);
        if before.errors() > 0 {
            continue;
        }
        for baseline in srmc::catalog::BASELINES {
            let with_use: String = text
                .lines()
                .map(|line| {
                    if line.starts_with("service ") && line.ends_with('{') {
                        format!("{line}\n  use {}\n", baseline.id)
                    } else {
                        format!("{line}\n")
                    }
                })
                .collect();
            let copy = dir.path().join(path.file_name().unwrap());
            std::fs::write(&copy, with_use).unwrap();
            let after = srmc::compile(&copy, Default::default()).unwrap();
            let human = srmc::diagnostics::render_human(&after.diagnostics, &after.sources, false);
            assert_eq!(
                after.errors(),
                0,
                "{} with {}:\n{human}",
                path.display(),
                baseline.id
            );
            tried += 1;
        }
    }
    assert!(tried >= 9, "only {tried} combinations tried");
}
