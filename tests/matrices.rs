//! What ships in `matrices/`: the example matrices check clean, and the built-in catalog holds
//! exactly the ids the language fixes for it, in its order.

use crate::common;

use std::path::Path;

/// The 121 ids the language standard fixes for `iso27017`, in its order, by domain (clause):
/// ranges such as `6.1.1–6.1.5` are expanded.
const ISO27017_IDS: &[&str] = &[
    "5.1.1 5.1.2",
    "6.1.1–6.1.5 6.2.1 6.2.2 CLD.6.3.1",
    "7.1.1 7.1.2 7.2.1–7.2.3 7.3.1",
    "8.1.1–8.1.4 CLD.8.1.5 8.2.1–8.2.3 8.3.1–8.3.3",
    "9.1.1 9.1.2 9.2.1–9.2.6 9.3.1 9.4.1–9.4.5 CLD.9.5.1 CLD.9.5.2",
    "10.1.1 10.1.2",
    "11.1.1–11.1.6 11.2.1–11.2.9",
    "12.1.1–12.1.4 CLD.12.1.5 12.2.1 12.3.1 12.4.1–12.4.4 CLD.12.4.5 12.5.1 12.6.1 12.6.2 12.7.1",
    "13.1.1–13.1.3 CLD.13.1.4 13.2.1–13.2.4",
    "14.1.1–14.1.3 14.2.1–14.2.9 14.3.1",
    "15.1.1–15.1.3 15.2.1 15.2.2",
    "16.1.1–16.1.7",
    "17.1.1–17.1.3 17.2.1",
    "18.1.1–18.1.5 18.2.1–18.2.3",
];

fn spec_ids() -> Vec<String> {
    let mut ids = Vec::new();
    for item in ISO27017_IDS.iter().flat_map(|domain| domain.split(' ')) {
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
    // `upstream/` holds the published matrices the examples name as upstreams.
    let entries = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("upstream")).unwrap());
    for entry in entries {
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
    assert!(checked >= 6, "{checked}");
}

/// The complete example covers every iso27017 control of both services with duties or a
/// specific exclusion, and its seven CLD controls are owned, not excluded.
#[test]
fn complete_example_covers_all_121_controls() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices/nimbus-saas-and-db.srm");
    let compilation = common::compile(&path);
    let model = &compilation.checked.as_ref().unwrap().model;
    let graph = &compilation.checked.as_ref().unwrap().graph;
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
    let model = &compilation.checked.as_ref().unwrap().model;
    let graph = &compilation.checked.as_ref().unwrap().graph;
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
    for dir in ["matrices", "tests/fixtures/ok", "tests/fixtures/examples"] {
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
        if text.contains("\n  use ") || text.contains("import ") || text.contains("\nupstream ") {
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

/// The customer's side of the Nimbus example takes up every obligation Nimbus puts on it;
/// removing one take-up gives exactly one E210, naming the upstream service, control and duty.
#[test]
fn every_nimbus_obligation_is_taken_up_and_one_missing_is_one_e210() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices");
    let ours = common::compile(&root.join("meridian-our-side.srm"));
    assert!(ours.diagnostics.is_empty());
    let model = &ours.checked.as_ref().unwrap().model;
    assert!(model.obligations.len() > 200, "{}", model.obligations.len());
    assert!(model.obligations.iter().all(|o| o.taken_by.is_some()));

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root.join("nimbus-saas-and-db.srm"),
        dir.path().join("nimbus-saas-and-db.srm"),
    )
    .unwrap();
    let text = std::fs::read_to_string(root.join("meridian-our-side.srm")).unwrap();
    let start = text
        .find("  duty claims-timeout")
        .expect("the take-up of 11.2.8");
    let end = start + text[start..].find("\n  }\n").unwrap() + 4;
    let without = format!("{}{}", &text[..start], &text[end..]);
    let path = dir.path().join("meridian-our-side.srm");
    std::fs::write(&path, without).unwrap();
    let compilation = srmc::compile(&path, Default::default()).unwrap();
    let codes: Vec<(&str, Option<&srmc::diagnostics::PairRef>)> = compilation
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.pair.as_ref()))
        .collect();
    assert_eq!(codes.len(), 1, "{codes:?}");
    let (code, pair) = codes[0];
    assert_eq!(code, "E210");
    let pair = pair.unwrap();
    assert_eq!(
        (pair.service.as_str(), pair.control.as_str()),
        ("nimbus.claims", "11.2.8")
    );
    assert!(compilation.diagnostics[0]
        .message
        .contains("`claims-timeout`"));
}

/// The PeopleGrid example on Stratus's published matrix: the data-centre controls come from
/// Stratus (inherited: Stratus R, PeopleGrid A, Lindqvist I), every Stratus obligation is taken
/// up, and a rewording in Stratus's matrix reaches our annex: a new fingerprint, and W306
/// against the pin and nothing else.
#[test]
fn the_saas_on_a_published_iaas_inherits_its_data_centres() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices");
    let text = std::fs::read_to_string(root.join("saas-on-published-iaas.srm")).unwrap();
    assert!(
        !text.contains("party stratus"),
        "Stratus needs no declaration"
    );
    let ours = common::compile(&root.join("saas-on-published-iaas.srm"));
    assert!(ours.diagnostics.is_empty());
    let checked = ours.checked.as_ref().unwrap();
    let (model, graph) = (&checked.model, &checked.graph);
    assert!(model.obligations.len() > 100, "{}", model.obligations.len());
    assert!(model.obligations.iter().all(|o| o.taken_by.is_some()));
    let letters = |pair: usize| -> Vec<String> {
        graph
            .pair_duties(pair)
            .flat_map(|(node, _)| graph.assignments(node))
            .map(|(party, raci)| format!("{}={raci}", model.parties[party].id))
            .collect()
    };
    for control in ["11.1.1", "11.2.4", "CLD.13.1.4"] {
        let pair = model.find_pair("hr", control).unwrap();
        assert_eq!(graph.ownership[pair].as_str(), "inherited", "{control}");
        assert_eq!(
            letters(pair),
            ["stratus=R", "peoplegrid=A", "lindqvist=I"],
            "{control}"
        );
    }
    // Shared in Stratus's matrix: not inherited, the std-saas split stays.
    let workplace = model.find_pair("hr", "11.2.8").unwrap();
    assert!(model.pairs[workplace].inherit.is_none());

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("upstream")).unwrap();
    let upstream = std::fs::read_to_string(root.join("upstream/stratus-compute.srm")).unwrap();
    let reworded = upstream.replace("footage for 180 days", "footage for 90 days");
    assert_ne!(upstream, reworded);
    std::fs::write(dir.path().join("upstream/stratus-compute.srm"), reworded).unwrap();
    std::fs::write(dir.path().join("saas-on-published-iaas.srm"), &text).unwrap();
    let after = srmc::compile(
        &dir.path().join("saas-on-published-iaas.srm"),
        Default::default(),
    )
    .unwrap();
    let codes: Vec<&str> = after.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["W306"]);
    let fingerprint = |c: &srmc::Compilation| {
        let checked = c.checked.as_ref().unwrap();
        srmc::published::fingerprint(&checked.model, &checked.graph)
    };
    assert_ne!(fingerprint(&ours), fingerprint(&after));
}
