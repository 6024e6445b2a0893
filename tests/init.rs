//! `srmc init`: the starting matrix checks clean for every service model, is laid out as `fmt`
//! lays it out, and never replaces a file.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use srmc::analyze::Limits;

fn srmc() -> Command {
    let mut command = Command::cargo_bin("srmc").unwrap();
    command.timeout(Duration::from_secs(60));
    command
}

/// Runs `srmc init ARGS -o DIR/matrix.srm` with nothing on standard input (not a terminal:
/// nothing is asked) and returns the file written.
fn init(dir: &Path, args: &[&str]) -> String {
    let path = dir.join("matrix.srm");
    srmc()
        .arg("init")
        .args(args)
        .arg("-o")
        .arg(&path)
        .write_stdin("")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("review the lines marked REVIEW"));
    std::fs::read_to_string(path).unwrap()
}

fn assert_checks_clean(dir: &Path, text: &str) -> srmc::Compilation {
    let compilation = srmc::compile(&dir.join("matrix.srm"), Limits::default()).unwrap();
    let messages: Vec<String> = compilation
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.full_message()))
        .collect();
    assert!(messages.is_empty(), "{messages:#?}\n{text}");
    assert_eq!(srmc::format::format_source(text), text, "not fmt-stable");
    compilation
}

#[test]
fn every_model_checks_clean_and_is_formatted() {
    for model in ["iaas", "paas", "saas"] {
        let dir = tempfile::tempdir().unwrap();
        let text = init(
            dir.path(),
            &["--service", &format!("Core Platform:{model}")],
        );
        let compilation = assert_checks_clean(dir.path(), &text);
        let model_of = &compilation.checked.unwrap().model;
        assert_eq!(model_of.services[0].id, "core");
        assert_eq!(
            model_of.services[0]
                .model
                .map(srmc::analyze::model::ServiceModel::as_str),
            Some(model)
        );
        // The seven cloud controls are written out for the service, each in a block of its own.
        assert_eq!(text.matches("\ncontrol CLD.").count(), 7, "{model}");
        assert_eq!(text.matches(" for core {").count(), 7, "{model}");
        assert!(text.contains(&format!("use      std-{model}")));
    }
}

#[test]
fn several_services_and_names_that_need_escaping() {
    let dir = tempfile::tempdir().unwrap();
    let text = init(
        dir.path(),
        &[
            "--title",
            r#"The "Big" \ Deal"#,
            "--provider",
            "Acme Cloud Ltd",
            "--customer",
            "Acme Corp",
            "--service",
            "mail:saas",
            "--service",
            "Mail:paas",
        ],
    );
    let compilation = assert_checks_clean(dir.path(), &text);
    let model = compilation.checked.unwrap().model;
    assert_eq!(model.header.title, r#"The "Big" \ Deal"#);
    // Ids made from names that clash are made unique, the names kept as given.
    let parties: Vec<(&str, &str)> = model
        .parties
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        parties,
        [("acme", "Acme Cloud Ltd"), ("acme-2", "Acme Corp")]
    );
    let services: Vec<&str> = model.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(services, ["mail", "mail-2"]);
    assert_eq!(text.matches("\ncontrol CLD.").count(), 14);
}

#[test]
fn the_default_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let text = init(dir.path(), &[]);
    assert_checks_clean(dir.path(), &text);
    insta::with_settings!({filters => vec![(r"effective \d{4}-\d{2}-\d{2}", "effective [today]")]}, {
        insta::assert_snapshot!(text);
    });
}

#[test]
fn never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("matrix.srm");
    std::fs::write(&path, "mine").unwrap();
    srmc()
        .args(["init", "-o"])
        .arg(&path)
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("never overwrites"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
}

#[test]
fn a_bad_service_says_what_to_write() {
    for (spec, says) in [
        ("claims", "is not NAME:MODEL"),
        (
            "claims:cloud",
            "is not a service model; use iaas, paas or saas",
        ),
        (":saas", "has no service name"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        srmc()
            .args(["init", "--service", spec, "-o"])
            .arg(dir.path().join("m.srm"))
            .write_stdin("")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
        assert!(!dir.path().join("m.srm").exists());
    }
}

#[test]
fn standard_output_gets_the_matrix() {
    srmc()
        .args(["init", "--service", "x:iaas", "-o", "-"])
        .write_stdin("")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("// Made by `srmc init`"))
        .stdout(predicate::str::contains("use      std-iaas"));
}

/// On a terminal `init` asks for what the flags leave out, takes Enter as the default and asks
/// again after a wrong answer. The terminal is util-linux's `script`; without it this says why
/// and passes.
#[test]
fn on_a_terminal_it_asks() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script (util-linux) to give srmc a terminal");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("matrix.srm");
    let command = format!(
        "{} init --customer 'Globex Corp' -o '{}'",
        env!("CARGO_BIN_EXE_srmc"),
        path.display()
    );
    std::process::Command::new("/usr/bin/script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            // Title, provider (Enter: the default), a wrong service, then two right ones.
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"Asked Matrix\n\nshop\nshop:saas, vm:iaas\n")?;
            child.wait()
        })
        .unwrap();
    let text = std::fs::read_to_string(&path).expect("the matrix was written");
    let compilation = assert_checks_clean(dir.path(), &text);
    let model = compilation.checked.unwrap().model;
    assert_eq!(model.header.title, "Asked Matrix");
    let parties: Vec<&str> = model.parties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(parties, ["Provider", "Globex Corp"]);
    let services: Vec<&str> = model.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(services, ["shop", "vm"]);
}
