//! Unit-level checks of name resolution, precedence, role keywords, patterns and imports, each
//! on a matrix written for the one rule it tests.

use std::path::Path;

use srmc::analyze::Limits;
use srmc::Compilation;

const HEADER: &str = r#"matrix "Test" {
  version   "1"
  effective 2026-01-01
  catalog   t
}
catalog t "T" {
  domain d "D"
  control T-1 "One" in d
  control T-2 "Two" in d
  control TX-1 "Other prefix" in d
}
party csp provider "CSP"
party alpha customer "Alpha"
party beta customer "Beta"
service a "A" {
  model saas
  provider csp
  customer alpha
}
service b "B" {
  model iaas
  provider csp
  customer beta
}
"#;

/// Writes `files` (name, text) into a fresh directory and compiles the first.
fn compile_files(files: &[(&str, &str)]) -> (tempfile::TempDir, Compilation) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let compilation = srmc::compile(&dir.path().join(files[0].0), Limits::default()).unwrap();
    (dir, compilation)
}

fn compile(body: &str) -> Compilation {
    compile_files(&[("m.srm", &format!("{HEADER}{body}"))]).1
}

fn codes(compilation: &Compilation) -> Vec<&'static str> {
    compilation
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

/// `(duty id, party=letters …)` of every duty that holds for a pair, and its ownership word.
fn pair(compilation: &Compilation, service: &str, control: &str) -> (String, Vec<String>) {
    let model = &compilation.checked.as_ref().unwrap().model;
    let graph = &compilation.checked.as_ref().unwrap().graph;
    let index = model.find_pair(service, control).unwrap();
    let duties = graph
        .pair_duties(index)
        .map(|(node, duty)| {
            let letters: Vec<String> = graph
                .assignments(node)
                .into_iter()
                .map(|(party, raci)| format!("{}={raci}", model.parties[party].id))
                .collect();
            format!("{} {}", model.duties[duty].id, letters.join(" "))
        })
        .collect();
    (graph.ownership[index].to_string(), duties)
}

#[test]
fn service_specific_duty_replaces_the_matrix_wide_one_with_its_id_only() {
    let compilation = compile(
        r#"
control T-1, T-2, TX-1 {
  duty run "Run" { provider: R A }
  duty watch "Watch" { customer: R A }
}
control T-1 for b {
  duty run "Customer runs it here" { customer: R A }
}
"#,
    );
    assert_eq!(codes(&compilation), Vec::<&str>::new());
    assert_eq!(
        pair(&compilation, "a", "T-1"),
        (
            "shared".into(),
            vec!["run csp=RA".into(), "watch alpha=RA".into()]
        )
    );
    assert_eq!(
        pair(&compilation, "b", "T-1"),
        (
            "customer".into(),
            vec!["watch beta=RA".into(), "run beta=RA".into()]
        )
    );
}

#[test]
fn exclusions_follow_levels() {
    let compilation = compile(
        r#"
control T-1, T-2, TX-1 {
  duty run "Run" { provider: R A }
}
exclude T-1 "Not offered anywhere"
control T-1 for a {
  duty special "Offered to A after all" { customer: R A }
}
exclude T-2 for b "Not offered to B"
"#,
    );
    // E402 for both services: a matrix-wide exclusion and a matrix-wide duty contradict each
    // other even where a service-specific duty then decides. `beta` holds no letter (W302).
    assert_eq!(codes(&compilation), ["W302", "E402", "E402"]);
    // A service-specific duty overrides a matrix-wide exclusion: the pair is in scope again and
    // its matrix-wide duties hold beside the new one.
    assert_eq!(
        pair(&compilation, "a", "T-1"),
        (
            "shared".into(),
            vec!["run csp=RA".into(), "special alpha=RA".into()]
        )
    );
    // A service-specific exclusion drops matrix-wide duties.
    assert_eq!(pair(&compilation, "b", "T-2"), ("excluded".into(), vec![]));
    // Matrix-wide exclusion and matrix-wide duty: E402 for each pair, still excluded.
    let (ownership, _) = pair(&compilation, "b", "T-1");
    assert_eq!(ownership, "excluded");
}

#[test]
fn role_keywords_resolve_per_service() {
    let compilation = compile(
        r#"
control T-1, T-2, TX-1 {
  duty use "Use it" {
    customer: R A
    provider: I
  }
}
"#,
    );
    assert_eq!(codes(&compilation), Vec::<&str>::new());
    assert_eq!(pair(&compilation, "a", "T-2").1, ["use alpha=RA csp=I"]);
    assert_eq!(pair(&compilation, "b", "T-2").1, ["use beta=RA csp=I"]);
}

#[test]
fn an_omitted_customer_is_the_only_customer_party() {
    let text = r#"matrix "m" {
  version "1"
  effective 2026-01-01
  catalog t
}
catalog t "T" {
  domain d "D"
  control T-1 "One" in d
}
party csp provider "CSP"
party only customer "The only customer"
service s "S" {
  model paas
  provider csp
}
control T-1 {
  duty use "Use" {
    customer: R A
    provider: I
  }
}
"#;
    let (_, compilation) = compile_files(&[("m.srm", text)]);
    assert_eq!(codes(&compilation), Vec::<&str>::new());
    assert_eq!(pair(&compilation, "s", "T-1").1, ["use only=RA csp=I"]);
}

#[test]
fn patterns_match_prefixes_after_a_dot_or_dash_only() {
    let compilation = compile(
        r#"
control T-* {
  duty run "Run" { provider: R A }
}
exclude TX-* "Other prefix is out of scope"
"#,
    );
    assert_eq!(codes(&compilation), ["W302", "W302"]);
    assert_eq!(pair(&compilation, "a", "T-2").0, "provider");
    assert_eq!(pair(&compilation, "a", "TX-1").0, "excluded");
}

#[test]
fn iso_patterns_keep_cloud_controls_apart() {
    let text = r#"matrix "m" {
  version "1"
  effective 2026-01-01
  catalog iso27017
}
party csp provider "CSP"
party c customer "C"
service s "S" {
  model saas
  provider csp
}
exclude 5.*, 6.*, 7.*, 8.*, 9.*, 10.*, 11.*, 12.*, 13.*, 14.*, 15.*, 16.*, 17.*, 18.* "Elsewhere"
control CLD.* {
  duty agree "Agree the split" {
    provider: R A
    customer: C
  }
}
"#;
    let (_, compilation) = compile_files(&[("m.srm", text)]);
    assert_eq!(codes(&compilation), Vec::<&str>::new());
    let graph = &compilation.checked.as_ref().unwrap().graph;
    let provider = graph
        .ownership
        .iter()
        .filter(|o| o.as_str() == "provider")
        .count();
    assert_eq!(provider, 7, "`9.*` must not have excluded CLD.9.5.x");
}

#[test]
fn imports_are_loaded_once_and_confined() {
    let root = r#"matrix "m" {
  version "1"
  effective 2026-01-01
  catalog t
}
import "parts/a.srm"
import "parts/b.srm"
service s "S" {
  model saas
  provider csp
}
control T-1 {
  duty run "Run" {
    provider: R A
    customer: I
  }
}
"#;
    let shared = "party csp provider \"CSP\"\nparty c customer \"C\"\n";
    let catalog = "catalog t \"T\" {\n  domain d \"D\"\n  control T-1 \"One\" in d\n}\n";
    let (_, compilation) = compile_files(&[
        ("m.srm", root),
        (
            "parts/a.srm",
            "import \"shared.srm\"\nimport \"../catalog.srm\"\n",
        ),
        ("parts/b.srm", "import \"shared.srm\"\n"),
        ("parts/shared.srm", shared),
        ("catalog.srm", catalog),
    ]);
    // shared.srm is imported twice but read once: no duplicate parties.
    assert_eq!(codes(&compilation), Vec::<&str>::new());

    let (_, cycle) = compile_files(&[
        ("m.srm", "import \"x.srm\"\n"),
        ("x.srm", "import \"y.srm\"\n"),
        ("y.srm", "import \"x.srm\"\n"),
    ]);
    assert!(codes(&cycle).contains(&"E107"), "{:?}", codes(&cycle));
}

#[cfg(unix)]
#[test]
fn a_symlink_cannot_lead_an_import_out_of_the_root() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.srm"),
        "party x provider \"X\"\n",
    )
    .unwrap();
    let (dir, _) = compile_files(&[("m.srm", "")]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.srm"),
        dir.path().join("link.srm"),
    )
    .unwrap();
    std::fs::write(dir.path().join("m.srm"), "import \"link.srm\"\n").unwrap();
    let compilation = srmc::compile(&dir.path().join("m.srm"), Limits::default()).unwrap();
    let codes = codes(&compilation);
    assert!(codes.contains(&"E106"), "{codes:?}");
    assert!(Path::new(&compilation.sources.get(srmc::source::FileId(0)).name).ends_with("m.srm"));
}
