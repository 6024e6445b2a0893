//! The command line as a user meets it: exit statuses, formats, flags and hostile input.

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

fn srmc() -> Command {
    let mut command = Command::cargo_bin("srmc").unwrap();
    command
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(60));
    command
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn clean_matrix_exits_0() {
    srmc()
        .args(["check", &fixture("ok/minimal.srm")])
        .assert()
        .code(0)
        .stdout("no problems found\n");
}

#[test]
fn errors_exit_1_with_every_finding_and_a_summary() {
    srmc()
        .args(["check", &fixture("err/e203_both_sides.srm")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[E203]"))
        .stdout(predicate::str::ends_with("2 errors, 0 warnings\n"));
}

#[test]
fn warnings_pass_unless_denied() {
    let file = fixture("err/w302_idle_party.srm");
    srmc().args(["check", &file]).assert().code(0);
    srmc()
        .args(["check", &file, "--deny-warnings"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("warning[W302]"));
}

#[test]
fn json_has_the_spec_shape() {
    let output = srmc()
        .args([
            "check",
            &fixture("err/e201_unowned.srm"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let first = &json["diagnostics"][0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "code", "severity", "message", "file", "line", "column", "service", "control",
    ] {
        assert!(keys.contains(&key), "missing {key} in {first}");
    }
    assert_eq!(first["code"], "E201");
    assert_eq!(first["service"], "app");
    assert_eq!(first["control"], "T-2");
    assert_eq!(
        json["summary"],
        serde_json::json!({"errors": 1, "warnings": 0})
    );
}

#[test]
fn output_has_no_colour_when_not_a_terminal_or_with_no_color() {
    for no_color in [None, Some("1")] {
        let mut command = srmc();
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        command
            .args(["check", &fixture("err/e203_both_sides.srm")])
            .assert()
            .stdout(predicate::str::contains("\u{1b}[").not());
    }
}

#[test]
fn a_missing_file_or_a_directory_exits_2() {
    srmc()
        .args(["check", "no/such/matrix.srm"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read `no/such/matrix.srm`: no such file",
        ));
    srmc()
        .args(["check", &fixture("ok")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}

#[test]
fn usage_errors_exit_2() {
    srmc().args(["check"]).assert().code(2);
    srmc()
        .args(["check", &fixture("ok/minimal.srm"), "--format", "yaml"])
        .assert()
        .code(2);
}

#[test]
fn explain_prints_every_code() {
    for code in srmc::codes::Code::ALL {
        srmc()
            .args(["explain", &code.as_str().to_lowercase()])
            .assert()
            .code(0)
            .stdout(predicate::str::starts_with(format!("{code} (")))
            .stdout(predicate::str::contains(code.summary()));
    }
    srmc()
        .args(["explain", "E999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a diagnostic code"));
}

#[test]
fn catalog_lists_and_describes_the_builtin() {
    srmc()
        .args(["catalog"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("iso27017").and(predicate::str::contains("121 controls")));
    let output = srmc().args(["catalog", "iso27017"]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("CLD.6.3.1"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("  ")).count(), 121);
    srmc().args(["catalog", "nist"]).assert().code(2);
}

#[test]
fn lowered_limits_are_reported_not_exceeded() {
    srmc()
        .args(["check", &fixture("ok/precedence.srm"), "--max-files", "1"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[E003]"));
    srmc()
        .args([
            "check",
            &fixture("ok/minimal.srm"),
            "--max-file-bytes",
            "100",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("more than the limit of 100 bytes"));
}

/// Hostile input: each case ends with a clear diagnostic, quickly, and no panic.
#[test]
fn hostile_input_gets_a_diagnostic_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let header = "matrix \"m\" {\n  version \"1\"\n  effective 2026-01-01\n  catalog iso27017\n}\n";
    // (file, content, a code it must report, exit status)
    let cases: Vec<(&str, Vec<u8>, &str, i32)> = vec![
        ("deep.srm", "{".repeat(100_000).into_bytes(), "E001", 1),
        (
            "deep-in-block.srm",
            format!("{header}control 5.1.1 {}", "{".repeat(100_000)).into_bytes(),
            "E001",
            1,
        ),
        (
            "long-string.srm",
            format!("{header}party a provider \"{}\"\n", "x".repeat(10 << 20)).into_bytes(),
            "E003",
            1,
        ),
        (
            "long-unterminated.srm",
            format!("{header}party a provider \"{}\n", "y".repeat(10 << 20)).into_bytes(),
            "E001",
            1,
        ),
        (
            "binary.srm",
            (0u8..=255).cycle().take(4096).collect(),
            "E002",
            1,
        ),
        ("latin1.srm", b"matrix \"caf\xe9\" {}\n".to_vec(), "E002", 1),
        ("empty.srm", Vec::new(), "E001", 1),
    ];
    for (name, bytes, code, exit) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let started = Instant::now();
        let output = srmc()
            .args(["check", "--format", "json"])
            .arg(&path)
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(output.status.code(), Some(exit), "{name}: {stderr}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let codes: Vec<&str> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&code), "{name}: {codes:?}");
        // A generous bound for a debug build on a loaded machine: it only catches hangs.
        assert!(elapsed < Duration::from_secs(20), "{name} took {elapsed:?}");
    }
}

/// The human form of a finding on a 10 MB line shows a window of it, not the whole line.
#[test]
fn long_lines_are_cut_in_excerpts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.srm");
    let text = format!("party a provider \"{}\" {}\n", "x".repeat(1 << 20), "oops");
    std::fs::write(&path, text).unwrap();
    let output = srmc().arg("check").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        output.stdout.len() < 4000,
        "{} bytes of output",
        output.stdout.len()
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("found `oops`"), "{stdout}");
    assert!(stdout.contains(":1:1048597]"), "{stdout}");
}

#[test]
fn explain_a_pair_shows_every_duty_and_what_it_replaced() {
    let output = srmc()
        .args(["explain", &fixture("ok/precedence.srm")])
        .args(["--service", "vault", "--control", "CLD.9.5.2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let text = text.replace(env!("CARGO_MANIFEST_DIR"), "");
    insta::assert_snapshot!(text);

    let output = srmc()
        .args(["explain", &fixture("ok/precedence.srm")])
        .args([
            "--service",
            "vault",
            "--control",
            "CLD.9.5.2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ownership"], "customer");
    assert_eq!(json["duties"][0]["level"], "service-specific");
    assert_eq!(json["replaced"][0]["level"], "matrix-wide");
    assert_eq!(json["replaced"][0]["by"], "duty");

    srmc()
        .args(["explain", &fixture("ok/precedence.srm")])
        .args(["--service", "nowhere", "--control", "CLD.9.5.2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no service `nowhere`"));
}

#[test]
fn explain_shows_baselines_and_inheritance_hops() {
    for (service, control) in [
        ("analytics", "C-1"),
        ("analytics", "C-4"),
        ("analytics", "C-3"),
    ] {
        let output = srmc()
            .args(["explain", &fixture("ok/baselines_and_inheritance.srm")])
            .args(["--service", service, "--control", control])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        let text = String::from_utf8(output.stdout)
            .unwrap()
            .replace(env!("CARGO_MANIFEST_DIR"), "");
        insta::with_settings!({ snapshot_suffix => format!("{service}-{control}") }, {
            insta::assert_snapshot!("explain_baselines", text);
        });
    }
}

#[test]
fn fmt_lays_files_out_and_check_reports_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.srm");
    let messy = "matrix \"m\" {\nversion \"1\"   \n\n\n  effective 2026-01-01\n      catalog iso27017\n}\n// kept\nparty a provider \"A\"";
    std::fs::write(&path, messy).unwrap();
    srmc()
        .args(["fmt", "--check"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("not formatted"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), messy);
    srmc().arg("fmt").arg(&path).assert().code(0);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "matrix \"m\" {\n  version \"1\"\n\n  effective 2026-01-01\n  catalog iso27017\n}\n// kept\nparty a provider \"A\"\n"
    );
    srmc().args(["fmt", "--check"]).arg(&path).assert().code(0);

    // A file that does not parse is reported and left alone.
    let broken = dir.path().join("broken.srm");
    std::fs::write(&broken, "party a provider\n").unwrap();
    srmc()
        .arg("fmt")
        .arg(&broken)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error[E001]"));
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "party a provider\n"
    );
}

/// Everything we ship is already formatted.
#[test]
fn shipped_matrices_are_formatted() {
    let root = env!("CARGO_MANIFEST_DIR");
    for dir in [
        "matrices",
        "matrices/baselines",
        "matrices/catalogs",
        "tests/fixtures/ok",
    ] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "srm") {
                srmc().args(["fmt", "--check"]).arg(&path).assert().code(0);
            }
        }
    }
}

/// A huge input is refused from its size, before any of it is read.
#[test]
fn a_one_gigabyte_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.srm");
    // Sparse: it takes no disk space, and reading it would take seconds.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let started = Instant::now();
    srmc()
        .arg("check")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("more than the limit"));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn fmt_keeps_a_byte_order_mark_and_reports_latin1_as_e002() {
    let dir = tempfile::tempdir().unwrap();
    let with_bom = dir.path().join("bom.srm");
    std::fs::write(&with_bom, "\u{feff}party a   provider \"A\"  \n\n\n").unwrap();
    srmc().arg("fmt").arg(&with_bom).assert().code(0);
    assert_eq!(
        std::fs::read_to_string(&with_bom).unwrap(),
        "\u{feff}party a   provider \"A\"\n"
    );
    let latin1 = dir.path().join("latin1.srm");
    std::fs::write(&latin1, b"party a provider \"caf\xe9\"\n").unwrap();
    srmc()
        .arg("fmt")
        .arg(&latin1)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error[E002]"))
        .stderr(predicate::str::contains("latin1.srm:1:"));
    assert_eq!(
        std::fs::read(&latin1).unwrap(),
        b"party a provider \"caf\xe9\"\n"
    );
}

#[test]
fn fmt_reads_standard_input_with_a_dash() {
    srmc()
        .args(["fmt", "-"])
        .write_stdin("party a provider \"A\"   \n\n\nparty b customer \"B\"")
        .assert()
        .code(0)
        .stdout("party a provider \"A\"\n\nparty b customer \"B\"\n");
    srmc()
        .args(["fmt", "--check", "-"])
        .write_stdin("party a provider \"A\"   \n")
        .assert()
        .code(1)
        .stdout("<stdin>: not formatted\n");
}

#[test]
fn fmt_goes_on_after_a_file_it_cannot_format() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.srm");
    std::fs::write(&broken, "party a provider\n").unwrap();
    let messy = dir.path().join("messy.srm");
    std::fs::write(&messy, "party a provider \"A\"   \n").unwrap();
    srmc()
        .arg("fmt")
        .arg(dir.path().join("missing.srm"))
        .arg(&broken)
        .arg(&messy)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.srm"))
        .stderr(predicate::str::contains("does not parse"));
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "party a provider \"A\"\n"
    );
}

#[cfg(unix)]
#[test]
fn fmt_formats_the_target_of_a_link_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.srm");
    std::fs::write(&target, "party a provider \"A\"   \n").unwrap();
    let link = dir.path().join("link.srm");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    srmc().arg("fmt").arg(&link).assert().code(0);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "party a provider \"A\"\n"
    );
}

/// `-o` onto a device writes to the device: renaming over it would replace `/dev/null` with a
/// regular file (as root), and `/dev/full` must fail, not "succeed".
#[cfg(unix)]
#[test]
fn output_to_a_device_is_written_straight() {
    use std::os::unix::fs::FileTypeExt;
    srmc()
        .args([
            "build",
            &fixture("ok/minimal.srm"),
            "--format",
            "json",
            "-o",
        ])
        .arg("/dev/null")
        .assert()
        .code(0);
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    if std::path::Path::new("/dev/full").exists() {
        srmc()
            .args([
                "build",
                &fixture("ok/minimal.srm"),
                "--format",
                "json",
                "-o",
            ])
            .arg("/dev/full")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("/dev/full"));
    }
}

/// A FIFO never ends (nobody writes to it): as the root file or as an import it is refused, not
/// read.
#[cfg(unix)]
#[test]
fn a_fifo_is_refused_as_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.srm");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    srmc()
        .arg("check")
        .arg(&fifo)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("FIFO"));
    let root = dir.path().join("m.srm");
    std::fs::write(&root, "import \"pipe.srm\"\n").unwrap();
    srmc()
        .arg("check")
        .arg(&root)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[E106]"))
        .stdout(predicate::str::contains("FIFO"));
    srmc()
        .args(["fmt", "--check"])
        .arg(&fifo)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("FIFO"));
}

#[test]
fn check_reads_standard_input_with_a_dash() {
    let text = std::fs::read_to_string(fixture("ok/minimal.srm")).unwrap();
    srmc()
        .args(["check", "-"])
        .write_stdin(text)
        .assert()
        .code(0)
        .stdout("no problems found\n");
}

#[test]
fn explain_alone_lists_every_code_and_explains_one_in_json() {
    let output = srmc().arg("explain").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    for code in srmc::codes::Code::ALL {
        assert!(
            text.lines()
                .any(|line| line.starts_with(code.as_str()) && line.contains(code.summary())),
            "{code} missing from:\n{text}"
        );
    }
    let json = json_of(srmc().args(["explain", "--format", "json"]));
    assert_eq!(
        json["codes"].as_array().unwrap().len(),
        srmc::codes::Code::ALL.len()
    );
    let one = json_of(srmc().args(["explain", "w302", "--format", "json"]));
    assert_eq!(one["code"], "W302");
    assert_eq!(one["severity"], "warning");
    assert!(one["explanation"].as_str().unwrap().len() > 100);
}

fn json_of(command: &mut Command) -> serde_json::Value {
    let output = command.output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A script that asks for JSON gets a JSON object on standard output even when the command
/// cannot run at all (exit 2).
#[test]
fn json_commands_answer_in_json_when_they_cannot_run() {
    let missing = "no/such.srm";
    let commands: Vec<Vec<&str>> = vec![
        vec!["check", missing, "--format", "json"],
        vec!["build", missing, "--format", "json"],
        vec!["diff", missing, missing, "--format", "json"],
        vec![
            "explain",
            missing,
            "--service",
            "s",
            "--control",
            "c",
            "--format",
            "json",
        ],
        vec!["explain", "E999", "--format", "json"],
        vec!["catalog", "nist", "--format", "json"],
        vec!["check", "--format", "json"],
    ];
    for args in commands {
        let output = srmc().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {:?}", output.stdout));
        assert!(
            json["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{args:?}: {json}"
        );
    }
    // `check` keeps the keys of its ordinary answer.
    let json = json_of(srmc().args(["check", missing, "--format", "json"]));
    assert_eq!(json["summary"]["errors"], 0);
    assert!(json["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn catalog_shows_baselines_and_speaks_json() {
    srmc()
        .arg("catalog")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("std-iaas"))
        .stdout(predicate::str::contains("std-saas"));
    let catalog = json_of(srmc().args(["catalog", "iso27017", "--format", "json"]));
    let controls: usize = catalog["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["controls"].as_array().unwrap().len())
        .sum();
    assert_eq!(controls, 121);
    // What `use std-saas` puts in an annex: every control, each with its duties.
    let baseline = json_of(srmc().args(["catalog", "std-saas", "--format", "json"]));
    let controls = baseline["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 121);
    for control in controls {
        assert!(
            !control["duties"].as_array().unwrap().is_empty() || control["exclusion"].is_string(),
            "{control}"
        );
    }
    let first = &controls[0]["duties"][0];
    assert_eq!(first["assignments"]["provider"], "RA");
    let text = srmc().args(["catalog", "std-paas"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("CLD.9.5.2"), "{text}");
}

#[test]
fn diff_writes_its_report_with_o() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("changes.md");
    let (v1, v2) = (fixture("diff/v1.srm"), fixture("diff/v2.srm"));
    srmc()
        .args(["diff", &v1, &v2, "-o"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(report.contains("ownership"), "{report}");
    srmc()
        .args(["diff", &v1, &v2, "-o", &v2])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is an input"));
}

#[test]
fn explain_a_pair_in_json_writes_assignments_as_build_does() {
    let json = json_of(srmc().args(["explain", &fixture("ok/minimal.srm")]).args([
        "--service",
        "store",
        "--control",
        "M-1",
        "--format",
        "json",
    ]));
    assert_eq!(
        json["duties"][0]["assignments"],
        serde_json::json!({"acme": "RA", "globex": "I"})
    );
}

#[test]
fn completions_and_a_manual_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = srmc().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(
            script.contains("explain") && script.contains("catalog"),
            "{shell}"
        );
    }
    srmc()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".TH srmc 1"))
        .stdout(predicate::str::contains("completions"));
}

/// `explain` of an upstream service's pair: the upstream's duty with its place, and our take-up.
#[test]
fn explain_shows_an_obligation_and_its_take_up() {
    let output = srmc()
        .args(["explain", &fixture("err/e212_takes_up_nothing.srm")])
        .args(["--service", "heron.files", "--control", "F-1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("obligation restore-drill (RA for `alder`) at "),
        "{text}"
    );
    assert!(text.contains("/err/vendors/heron.srm:29"), "{text}");
    assert!(
        text.contains("e212_takes_up_nothing.srm:14: alder=RA"),
        "{text}"
    );
    assert!(text.contains("duty backup at"), "{text}");
    let json = json_of(
        srmc()
            .args(["explain", &fixture("err/e210_obligation_not_taken_up.srm")])
            .args([
                "--service",
                "heron.files",
                "--control",
                "F-2",
                "--format",
                "json",
            ]),
    );
    assert_eq!(json["obligations"][0]["duty"], "admin-review");
    assert!(json["obligations"][0]["taken_by"].is_null());
}

/// Comments, names and imported file names may hold ESC, BEL, NUL and CR: the human output shows
/// them as control pictures, so a file cannot retitle the terminal or clear the findings and
/// print "no problems found" over them; a bidirectional override in a comment is a W305.
#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let minimal = std::fs::read_to_string(fixture("ok/minimal.srm")).unwrap();
    let at = minimal.find("party acme").unwrap();
    let hostile = format!(
        "{}import \"\u{1b}[31mred\u{7}.srm\"\n{}",
        &minimal[..at],
        minimal[at..]
            .replace(
                "\"Globex Corporation\"",
                "\"Globex Corporation\" // \u{1b}]0;pwned\u{7} \u{0}"
            )
            .replace(
                "party globex customer",
                "// before a lone CR\r// after it\nparty globex \u{1b}[2K\u{1b}[1Acustomerx"
            )
    );
    let path = dir.path().join("hostile\u{1b}[8m.srm");
    std::fs::write(&path, hostile).unwrap();
    let output = srmc()
        .env("NO_COLOR", "1")
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let shown = String::from_utf8(output.stdout).unwrap();
    let raw: Vec<char> = shown
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(raw.is_empty(), "{raw:?} in\n{shown}");
    // The lone CR ends a line, in the excerpt as in the line numbers (the JSON's), and the
    // caret still points at the unknown name after the pictures.
    let json = json_of(srmc().arg("check").arg(&path).args(["--format", "json"]));
    let line = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E001")
        .unwrap()["line"]
        .as_u64()
        .unwrap();
    for visible in [
        "`␛[31mred␇.srm`".to_owned(),
        "hostile␛[8m.srm".to_owned(),
        format!("{} │ // after it\n", line - 1),
        format!(
            "{line} │ party globex ␛[2K␛[1Acustomerx \"Globex Corporation\" // ␛]0;pwned␇ ␀\n    ·              ┬"
        ),
    ] {
        assert!(shown.contains(&visible), "no `{visible}` in\n{shown}");
    }

    std::fs::write(
        &path,
        minimal.replace("// The smallest", "// \u{202e} } \u{2066} The smallest"),
    )
    .unwrap();
    let json = json_of(srmc().arg("check").arg(&path).args(["--format", "json"]));
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{json}");
    assert_eq!(diagnostics[0]["code"], "W305");
    assert_eq!(diagnostics[0]["line"], 1);
    assert_eq!(diagnostics[0]["column"], 4);
}

#[test]
fn dot_detail_draws_every_duty_and_goes_with_dot_only() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok/minimal.srm");
    let overview = srmc()
        .arg("build")
        .arg(&file)
        .args(["--format", "dot"])
        .output()
        .unwrap();
    let overview = String::from_utf8(overview.stdout).unwrap();
    assert!(
        overview.contains("\"service:store\" -> \"domain:ops\""),
        "{overview}"
    );
    assert!(!overview.contains("M-1/backups"), "{overview}");
    let detail = srmc()
        .arg("build")
        .arg(&file)
        .args(["--format", "dot", "--detail"])
        .output()
        .unwrap();
    let detail = String::from_utf8(detail.stdout).unwrap();
    assert!(detail.contains("M-1/backups"), "{detail}");
    srmc()
        .arg("build")
        .arg(&file)
        .args(["--format", "json", "--detail"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--detail goes with --format dot"));
}

/// `explain` prints the matrix author's text to a terminal: a bidirectional control in a title
/// shows as its code point, never reorders the line.
#[test]
fn explain_shows_control_characters_of_user_text_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok/minimal.srm"),
    )
    .unwrap()
    .replace("Take daily backups", "Take daily \u{202e}backups");
    let file = dir.path().join("m.srm");
    std::fs::write(&file, text).unwrap();
    let output = srmc()
        .arg("explain")
        .arg(&file)
        .args(["--service", "store", "--control", "M-1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Take daily <U+202E>backups"), "{stdout}");
    assert!(!stdout.contains('\u{202e}'), "{stdout}");
}

/// An upstream service's duties inherited here: Hyperscale (named as its own matrix names it)
/// holds R, Acme A and Globex I; the JSON says where each came from, the annex lists Hyperscale
/// among the parties, and `explain` follows the hop to the upstream's file and line.
#[test]
fn duties_inherited_from_an_upstream_service() {
    let file = fixture("ok/inherit_from_upstream.srm");
    let json = json_of(srmc().args(["build", &file, "--format", "json", "-o", "-"]));
    let pair = json["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["service"] == "analytics" && p["control"] == "DC-1")
        .unwrap();
    let duty = &pair["duties"][0];
    assert_eq!(duty["id"], "guarding");
    assert_eq!(duty["assignments"]["hyper"], "R");
    assert_eq!(duty["assignments"]["acme"], "A");
    assert_eq!(duty["assignments"]["globex"], "I");
    assert_eq!(duty["evidence"][0], "ISO/IEC 27001 certificate");
    assert_eq!(duty["origin"]["kind"], "inherited");
    assert_eq!(duty["origin"]["from"], "hyper.compute");
    assert_eq!(pair["ownership"], "inherited");
    let hyper = json["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "hyper")
        .unwrap();
    assert_eq!(hyper["name"], "Hyperscale Cloud Inc.");
    assert_eq!(json["subservices"][0]["id"], "hyper.compute");

    let output = srmc()
        .args(["build", &file, "--format", "markdown", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let annex = String::from_utf8(output.stdout).unwrap();
    assert!(annex.contains("Hyperscale Cloud Inc."), "{annex}");

    let output = srmc()
        .args([
            "explain",
            &file,
            "--service",
            "analytics",
            "--control",
            "DC-3",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(
            "inherited from `hyper.compute`: duty host-isolation (published by upstream `hyper`)"
        ),
        "{text}"
    );
    assert!(text.contains("parts/hyper-iaas.srm:40"), "{text}");
}
