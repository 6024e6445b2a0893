//! `check --format sarif`: a SARIF 2.1.0 log that the official schema accepts, with one rule per
//! code and alerts that keep their fingerprint when lines move.
//!
//! The schema comes from the npm package `@microsoft/jest-sarif` (`lib/schemas/sarif-2.1.0-rtm.5.json`);
//! `.ci/run` unpacks it and sets `SRMC_SARIF_SCHEMA` to its path and `SRMC_REQUIRE_SARIF=1`.
//! Without it the schema test says why and passes, unless `SRMC_REQUIRE_SARIF` is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use srmc::codes::Code;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `srmc check FILE --format sarif`, run from `dir`, with its exit status.
fn sarif_in(dir: &Path, file: &Path) -> (Option<i32>, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_srmc"))
        .current_dir(dir)
        .arg("check")
        .arg(file)
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let log = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{}: not JSON ({error}): {}",
            file.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code(), log)
}

fn sarif(relative: &str) -> (Option<i32>, Value) {
    sarif_in(&root(), Path::new(relative))
}

fn fixtures() -> Vec<String> {
    let mut files: Vec<String> = ["tests/fixtures/err", "tests/fixtures/ok"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root().join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "srm"))
        .map(|path| {
            path.strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    files.push("tests/fixtures/hostile/hostile.srm".to_owned());
    files.push("tests/fixtures/examples/gaps.srm".to_owned());
    files
}

#[test]
fn every_fixture_gives_a_log_the_sarif_schema_accepts() {
    let schema = std::env::var_os("SRMC_SARIF_SCHEMA")
        .map(PathBuf::from)
        .filter(|path| path.exists());
    let Some(schema) = schema else {
        if std::env::var_os("SRMC_REQUIRE_SARIF").is_some() {
            panic!("SRMC_REQUIRE_SARIF is set but SRMC_SARIF_SCHEMA names no file");
        }
        eprintln!(
            "skipped: no SARIF schema (npm pack @microsoft/jest-sarif@1.0.0-beta.0, unpack it, and set SRMC_SARIF_SCHEMA to its lib/schemas/sarif-2.1.0-rtm.5.json)"
        );
        return;
    };
    // The schema's pattern for `run.language` ends in a stray `]`, a literal in ECMAScript
    // regexes and an error in Rust's: escaped, it means what it meant.
    let text = std::fs::read_to_string(schema).unwrap();
    let stray = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(
        text.contains(stray),
        "the schema is the one this test knows"
    );
    let text = text.replace(stray, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut broken = sarif("tests/fixtures/examples/gaps.srm").1;
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken), "the schema checks levels");
    let mut results = 0;
    for file in fixtures() {
        let (_, log) = sarif(&file);
        results += log["runs"][0]["results"].as_array().unwrap().len();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .take(5)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}");
    }
    assert!(results > 100, "the fixtures hold findings of every kind");
}

#[test]
fn the_driver_has_a_rule_per_code() {
    let (status, log) = sarif("tests/fixtures/examples/minimal.srm");
    assert_eq!(status, Some(0));
    assert_eq!(log["version"], "2.1.0");
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "srmc");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Code::ALL.len());
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["id"], code.as_str());
        assert_eq!(rule["shortDescription"]["text"], code.summary());
        assert_eq!(rule["fullDescription"]["text"], code.explanation());
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            code.severity().as_str()
        );
    }
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
}

/// The results of a log without the rules (the same in every log).
fn results(log: &Value) -> String {
    serde_json::to_string_pretty(&log["runs"][0]["results"]).unwrap()
}

#[test]
fn findings_with_their_places_labels_and_help() {
    for file in [
        "tests/fixtures/err/e203_both_sides.srm",
        "tests/fixtures/err/e205_same_duty_id_twice.srm",
        "tests/fixtures/err/e101_unknown_party.srm",
    ] {
        let (status, log) = sarif(file);
        assert_eq!(status, Some(1), "{file} has errors");
        let name = Path::new(file).file_stem().unwrap().to_string_lossy();
        insta::assert_snapshot!(format!("results_{name}"), results(&log));
    }
}

#[test]
fn fingerprints_outlive_moved_lines_and_tell_findings_apart() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("tests/fixtures/examples/gaps.srm")).unwrap();
    let file = dir.path().join("gaps.srm");
    std::fs::write(&file, &text).unwrap();
    let (_, before) = sarif_in(dir.path(), Path::new("gaps.srm"));
    std::fs::write(&file, format!("// a comment\n\n{text}")).unwrap();
    let (_, after) = sarif_in(dir.path(), Path::new("gaps.srm"));
    let keyed = |log: &Value| -> Vec<(String, u64)> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["srmcFinding/v1"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let (before, after) = (keyed(&before), keyed(&after));
    assert!(!before.is_empty());
    assert_eq!(before.len(), after.len());
    for ((key, line), (key_after, line_after)) in before.iter().zip(&after) {
        assert_eq!(key, key_after, "same finding, same fingerprint");
        assert_eq!(line + 2, *line_after, "two lines further down");
    }
    let mut keys: Vec<&String> = before.iter().map(|(key, _)| key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys.len(),
        before.len(),
        "no two findings share a fingerprint"
    );
}

#[test]
fn locations_are_relative_to_the_repository_root() {
    // Run from a sub-directory: the URI is still the path from the top of the work tree.
    let (_, log) = sarif_in(
        &root().join("tests"),
        Path::new("fixtures/err/e203_both_sides.srm"),
    );
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "tests/fixtures/err/e203_both_sides.srm"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
}
