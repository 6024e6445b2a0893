//! `srmc verify ANNEX MATRIX`: 0 when the annex is of the matrix, 1 when not (both shown), 2
//! when the annex carries no fingerprint; in every annex format, and never fooled by a marker
//! that matrix text quotes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn nimbus() -> PathBuf {
    root().join("matrices/nimbus-saas-and-db.srm")
}

/// The annex formats `verify` reads, with the file extension each gets.
const FORMATS: [(&str, &str); 4] = [
    ("pdf", "pdf"),
    ("html", "html"),
    ("markdown", "md"),
    ("json", "json"),
];

fn build(matrix: &Path, format: &str, out: &Path, args: &[&str]) {
    Command::cargo_bin("srmc")
        .unwrap()
        .arg("build")
        .arg(matrix)
        .args(["--format", format, "-o"])
        .arg(out)
        .args(args)
        .assert()
        .success();
}

/// Exit code and standard output and error of `srmc verify`, with the paths of `dir` and the
/// crate shown relative to them.
fn verify(annex: &Path, matrix: &Path, dir: &Path) -> (i32, String) {
    let output = Command::cargo_bin("srmc")
        .unwrap()
        .arg("verify")
        .arg(annex)
        .arg(matrix)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
    .replace(&dir.display().to_string(), "[dir]")
    .replace(root().to_str().unwrap(), "[root]");
    (output.status.code().unwrap(), text)
}

fn snapshot(name: &str, outcome: &(i32, String)) {
    insta::with_settings!({ filters => crate::common::volatile() }, {
        insta::assert_snapshot!(name, format!("exit {}\n{}", outcome.0, outcome.1));
    });
}

#[test]
fn an_annex_is_verified_against_its_matrix_and_not_against_another() {
    let dir = tempfile::tempdir().unwrap();
    let other = root().join("matrices/iaas-compute.srm");
    for (format, extension) in FORMATS {
        let annex = dir.path().join(format!("annex.{extension}"));
        build(&nimbus(), format, &annex, &[]);
        let same = verify(&annex, &nimbus(), dir.path());
        assert_eq!(same.0, 0, "{format}: {}", same.1);
        let different = verify(&annex, &other, dir.path());
        assert_eq!(different.0, 1, "{format}: {}", different.1);
        assert!(same.1.contains(&format!("({} annex)", kind_name(format))));
        if format == "pdf" {
            snapshot("verify_same", &same);
            snapshot("verify_other", &different);
        }
    }
}

fn kind_name(format: &str) -> &'static str {
    match format {
        "pdf" => "PDF",
        "html" => "HTML",
        "markdown" => "Markdown",
        _ => "JSON",
    }
}

#[test]
fn a_changed_matrix_or_a_tampered_annex_fails() {
    let dir = tempfile::tempdir().unwrap();
    let annex = dir.path().join("annex.html");
    build(&nimbus(), "html", &annex, &[]);
    // The matrix changes after the annex was signed: a duty gets another accountable party.
    let source = std::fs::read_to_string(nimbus()).unwrap();
    let changed = source.replacen("version   \"1.0.0\"", "version   \"1.0.1\"", 1);
    assert_ne!(changed, source);
    let matrix = dir.path().join("nimbus.srm");
    std::fs::write(&matrix, changed).unwrap();
    // The version is part of what the fingerprint covers.
    assert_eq!(verify(&annex, &matrix, dir.path()).0, 1);

    // Someone edits the fingerprint in the annex to another matrix's.
    let other = dir.path().join("other.json");
    build(
        &root().join("matrices/iaas-compute.srm"),
        "json",
        &other,
        &[],
    );
    let other_fingerprint = srmc::verify::read_mark(&std::fs::read(&other).unwrap())
        .unwrap()
        .fingerprint;
    let html = std::fs::read_to_string(&annex).unwrap();
    let ours = srmc::verify::read_mark(html.as_bytes())
        .unwrap()
        .fingerprint;
    std::fs::write(&annex, html.replace(&ours, &other_fingerprint)).unwrap();
    let tampered = verify(&annex, &nimbus(), dir.path());
    assert_eq!(tampered.0, 1);
    assert!(tampered.1.contains(&other_fingerprint) && tampered.1.contains(&ours));
}

#[test]
fn a_marker_quoted_by_a_note_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fake = "f".repeat(64);
    let source =
        std::fs::read_to_string(root().join("tests/fixtures/examples/minimal.srm")).unwrap();
    // Every format's marker, in a note and in the title.
    let markers = format!(
        "<meta name=\\\"srmc-fingerprint\\\" content=\\\"{fake}\\\"> <!-- srmc-fingerprint: {fake} --> srmc-fingerprint:{fake}"
    );
    let hostile = source
        .replacen("matrix \"", &format!("matrix \"{markers} "), 1)
        .replacen("duty ", &format!("note \"{markers}\"\n  duty "), 1);
    assert!(
        hostile.contains("note \""),
        "the fixture has a duty to put a note beside"
    );
    let matrix = dir.path().join("hostile.srm");
    std::fs::write(&matrix, hostile).unwrap();
    for (format, extension) in FORMATS {
        let annex = dir.path().join(format!("annex.{extension}"));
        build(&matrix, format, &annex, &[]);
        let outcome = verify(&annex, &matrix, dir.path());
        assert_eq!(outcome.0, 0, "{format}: {}", outcome.1);
        assert!(!outcome.1.contains(&fake), "{format}: {}", outcome.1);
    }
}

#[test]
fn an_extract_is_verified_as_one() {
    let dir = tempfile::tempdir().unwrap();
    for (format, extension) in FORMATS {
        let annex = dir.path().join(format!("meridian.{extension}"));
        build(&nimbus(), format, &annex, &["--party", "meridian"]);
        let outcome = verify(&annex, &nimbus(), dir.path());
        assert_eq!(outcome.0, 0, "{format}: {}", outcome.1);
        assert!(
            outcome.1.contains("It is an extract for `meridian`"),
            "{format}: {}",
            outcome.1
        );
        if format == "pdf" {
            snapshot("verify_extract", &outcome);
        }
    }
}

#[test]
fn an_annex_without_a_fingerprint_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8]); 6] = [
        ("plain.md", b"# An annex someone wrote by hand\n"),
        (
            "no-meta.html",
            b"<!DOCTYPE html>\n<html><head><title>x</title></head><body></body></html>\n",
        ),
        ("no-fingerprint.json", b"{\"matrix\": {\"title\": \"x\"}}\n"),
        ("broken.json", b"{\"matrix\": \n"),
        ("broken.pdf", b"%PDF-1.7\nnot really\n"),
        ("binary.bin", &[0xff, 0xfe, 0x00, 0x01]),
    ];
    let mut report = String::new();
    for (name, bytes) in cases {
        let annex = dir.path().join(name);
        std::fs::write(&annex, bytes).unwrap();
        let (code, text) = verify(&annex, &nimbus(), dir.path());
        assert_eq!(code, 2, "{name}: {text}");
        report.push_str(&text);
    }
    let (code, text) = verify(&dir.path().join("missing.pdf"), &nimbus(), dir.path());
    assert_eq!(code, 2);
    report.push_str(&text);
    snapshot("verify_no_fingerprint", &(2, report));
}
