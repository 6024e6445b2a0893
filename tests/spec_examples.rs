//! The example matrices of `tests/fixtures/examples` — one per behaviour the language standard
//! illustrates with an example of its own — behave exactly as their header comments say. The
//! expectations are read from the headers, not copied here.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/examples")
}

#[derive(Debug)]
struct Expectation {
    exit: i32,
    /// `true`: exactly these codes; `false`: at least these, each once.
    exact: bool,
    codes: BTreeMap<String, usize>,
}

/// Reads the `// Expect:` paragraph of an example's header.
fn expectation(text: &str) -> Expectation {
    let header: Vec<&str> = text
        .lines()
        .take_while(|line| line.starts_with("//"))
        .collect();
    let start = header
        .iter()
        .position(|line| line.contains("Expect:"))
        .expect("an `Expect:` line");
    let first = header[start];
    let exit = first
        .split("exits ")
        .nth(1)
        .and_then(|rest| rest[..1].parse().ok())
        .expect("`exits N`");
    let exact = !first.contains("at least");
    let mut codes = BTreeMap::new();
    if !first.contains("no diagnostics") {
        // The listed codes are on the indented comment lines that follow.
        for line in header[start + 1..]
            .iter()
            .take_while(|line| line.starts_with("//   "))
        {
            for word in line.split(|c: char| !c.is_ascii_alphanumeric()) {
                let is_code = word.len() == 4
                    && (word.starts_with('E') || word.starts_with('W'))
                    && word[1..].chars().all(|c| c.is_ascii_digit());
                if is_code {
                    *codes.entry(word.to_owned()).or_default() += 1;
                }
            }
        }
        assert!(!codes.is_empty(), "no codes listed in {first}");
    }
    Expectation { exit, exact, codes }
}

#[test]
fn every_spec_example_behaves_as_its_header_says() {
    let mut checked = 0;
    for entry in std::fs::read_dir(examples_dir()).expect("tests/fixtures/examples exists") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "srm") {
            continue;
        }
        let expected = expectation(&std::fs::read_to_string(&path).unwrap());
        let output = Command::cargo_bin("srmc")
            .unwrap()
            .args(["check", "--format", "json"])
            .arg(&path)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        for diagnostic in json["diagnostics"].as_array().unwrap() {
            *got.entry(diagnostic["code"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(
            output.status.code(),
            Some(expected.exit),
            "{name}: exit status"
        );
        if expected.exact {
            assert_eq!(got, expected.codes, "{name}: diagnostics");
        } else {
            for (code, count) in &expected.codes {
                assert_eq!(got.get(code), Some(count), "{name}: {code} in {got:?}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} examples found");
}

/// `cloud-controls.srm` also states the ownership of its pairs in prose:
/// "CLD.6.3.1 shared, …, CLD.9.5.2 provider for ledger and customer for batch, …".
#[test]
fn cld_example_pairs_have_the_ownership_its_header_states() {
    let path = examples_dir().join("cloud-controls.srm");
    let text = std::fs::read_to_string(&path).unwrap();
    let prose: String = text
        .lines()
        .take_while(|line| line.starts_with("//"))
        .map(|line| line.trim_start_matches('/').trim())
        .collect::<Vec<_>>()
        .join(" ");
    let stated = prose
        .split("Ownership of the pairs:")
        .nth(1)
        .expect("ownership sentence")
        .trim()
        .trim_end_matches('.');

    let compilation = common::compile(&path);
    let model = &compilation.checked.as_ref().unwrap().model;
    let graph = &compilation.checked.as_ref().unwrap().graph;
    let ownership = |service: &str, control: &str| {
        let index = model.find_pair(service, control).unwrap();
        graph.ownership[index].as_str()
    };

    let mut checked = 0;
    for item in stated.split(", ") {
        let (control, rest) = item.split_once(' ').unwrap();
        if rest.contains(" for ") {
            for part in rest.split(" and ") {
                let (word, service) = part.split_once(" for ").unwrap();
                assert_eq!(ownership(service, control), word, "{control} for {service}");
                checked += 1;
            }
        } else {
            for service in &model.services {
                assert_eq!(
                    ownership(&service.id, control),
                    rest,
                    "{control} for {}",
                    service.id
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 14, "the header speaks of 14 pairs");
}

/// `baseline-order.srm`: the later baseline's exclusion sits above the earlier one's duty, so the
/// pair is excluded, by the exclusion of `house-saas`.
#[test]
fn a_later_baseline_excludes_above_an_earlier_ones_duty() {
    let compilation = common::compile(&examples_dir().join("baseline-order.srm"));
    let checked = compilation.checked.as_ref().unwrap();
    let index = checked.model.find_pair("claims", "CLD.9.5.2").unwrap();
    assert_eq!(checked.graph.ownership[index].as_str(), "excluded");
    let pair = &checked.model.pairs[index];
    let exclusion = &checked.model.exclusions[pair.exclusion.unwrap()];
    assert!(exclusion.justification.contains("SaaS customer"));
    // And the baseline duty it overrides is recorded as set aside by it.
    assert!(pair
        .replaced
        .iter()
        .any(|r| matches!(r.by, srmc::analyze::model::ReplacedBy::Exclusion(_))));
}
