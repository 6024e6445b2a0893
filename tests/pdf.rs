//! `build --format pdf`: the annex typeset in-process, its text read back with `pdftotext`
//! (poppler-utils), the same bytes for the same matrix, matrix text shown as text, and a broken
//! template override reported where it breaks.
//!
//! The text checks need `pdftotext`: without it they say why and pass, unless
//! `SRMC_REQUIRE_PDFTOTEXT` is set (as `.ci/run` does, after installing poppler-utils).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::Command as Srmc;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn nimbus() -> PathBuf {
    root().join("matrices/nimbus-saas-and-db.srm")
}

/// The PDF of `matrix` (with `args` after it), built by the binary into `dir`.
fn build_pdf(matrix: &Path, dir: &Path, args: &[&str]) -> Vec<u8> {
    let pdf = dir.join("annex.pdf");
    Srmc::cargo_bin("srmc")
        .unwrap()
        .arg("build")
        .arg(matrix)
        .args(["--format", "pdf", "-o"])
        .arg(&pdf)
        .args(args)
        .assert()
        .success();
    std::fs::read(&pdf).unwrap()
}

/// The text of a PDF, with every run of white space one space (a long title wraps), or `None`
/// when pdftotext is not installed and not required.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("annex.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = match Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(output) => output,
        Err(error) => {
            if std::env::var_os("SRMC_REQUIRE_PDFTOTEXT").is_some() {
                panic!("SRMC_REQUIRE_PDFTOTEXT is set but pdftotext cannot run: {error}");
            }
            eprintln!("skipped: pdftotext is not installed (apt-get install poppler-utils)");
            return None;
        }
    };
    assert!(
        output.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[test]
fn the_nimbus_pdf_shows_its_title_fingerprint_and_every_control() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = build_pdf(&nimbus(), dir.path(), &[]);
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(text) = pdf_text(&pdf) else { return };
    let compilation = common::compile(&nimbus());
    let checked = compilation.checked.as_ref().unwrap();
    let fingerprint = srmc::published::fingerprint(&checked.model, &checked.graph);
    assert!(text.contains(&checked.model.header.title), "no title");
    assert!(text.contains(&fingerprint), "no fingerprint");
    let missing: Vec<&str> = checked
        .model
        .controls
        .iter()
        .map(|control| control.display.as_str())
        .filter(|id| !text.contains(&format!("{id} ")))
        .collect();
    assert!(
        missing.is_empty(),
        "controls missing from the PDF: {missing:?}"
    );
    // The furniture: numbered pages, the running version and short fingerprint, a contents.
    let pages = text.matches("Page ").count();
    assert!(pages > 10, "{pages} page numbers");
    let last = text.rfind("Page ").unwrap();
    let total: String = text[last..]
        .split(" of ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let total_pages: usize = total.parse().unwrap();
    // The compact layout: services with the same duties share one table.
    assert!(total_pages <= 40, "{total_pages} pages");
    assert!(text.contains("Nimbus Claims, Nimbus Managed PostgreSQL"));
    // The document control of the header.
    let document = &checked.model.header.document;
    for field in [
        &document.agreement,
        &document.approver,
        &document.classification,
    ] {
        let field = field
            .as_deref()
            .expect("Nimbus fills in its document control");
        assert!(text.contains(field), "no {field}");
    }
    assert!(text.contains(&format!("Page 1 of {total}")));
    assert!(text.contains(&format!("Page {total} of {total}")));
    assert_eq!(
        text.matches(&format!("fingerprint {}", &fingerprint[..16]))
            .count(),
        total_pages,
        "the short fingerprint is on every page"
    );
    assert!(text.contains("Contents"));
    for section in [
        "Ownership summary",
        "Cloud controls",
        "Exclusions",
        "Sign-off",
    ] {
        assert!(text.contains(section), "no {section}");
    }
    // Party names head the duty columns, with the id below.
    assert!(text.contains("Nimbus Cloud GmbH nimbus"));
}

#[test]
fn the_pdf_carries_the_document_control_and_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let matrix = root().join("tests/fixtures/ok/document_control.srm");
    let pdf = build_pdf(&matrix, dir.path(), &[]);
    let Some(text) = pdf_text(&pdf) else { return };
    let compilation = common::compile(&matrix);
    let document = &compilation.checked.as_ref().unwrap().model.header.document;
    let review_by = document.review_by.as_deref().unwrap();
    assert!(
        text.contains("Review by") && text.contains(review_by),
        "{text}"
    );
    assert!(document.history.len() > 1);
    for entry in &document.history {
        let row = format!("{} {} {}", entry.version, entry.date, entry.summary);
        assert!(text.contains(&row), "no history row `{row}` in {text}");
    }
}

#[test]
fn the_same_matrix_gives_the_same_bytes_with_the_fingerprint_in_the_keywords() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let one = build_pdf(&nimbus(), first.path(), &[]);
    let two = build_pdf(&nimbus(), second.path(), &[]);
    assert!(one == two, "two builds of one matrix differ");
    let mark = srmc::verify::read_mark(&one).unwrap();
    let compilation = common::compile(&nimbus());
    let checked = compilation.checked.as_ref().unwrap();
    assert_eq!(
        mark.fingerprint,
        srmc::published::fingerprint(&checked.model, &checked.graph)
    );
    assert_eq!(mark.extract_for, None);
}

#[test]
fn a_pdf_goes_to_a_pipe_whole() {
    let output = Srmc::cargo_bin("srmc")
        .unwrap()
        .arg("build")
        .arg(root().join("tests/fixtures/examples/minimal.srm"))
        .args(["--format", "pdf"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(output.stdout.starts_with(b"%PDF-"));
    assert!(output.stdout.ends_with(b"%%EOF") || output.stdout.ends_with(b"%%EOF\n"));
}

/// Text that typst would read as markup, code, math or a file access if it were pasted into the
/// template: it must come out as the same characters.
const TYPST_HOSTILE: &[&str] = &[
    "#set page(width: 2cm)",
    "#read(\"/etc/passwd\")",
    "*not bold* _not emphasis_",
    "$x^2$ and ] [ brackets",
    "@not-a-ref <not-a-label>",
    "back\\slash // not a comment",
];

#[test]
fn matrix_text_is_text_in_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let [page, read, bold, math, refs, slash] = TYPST_HOSTILE else {
        unreachable!()
    };
    let quote = |text: &str| text.replace('\\', "\\\\").replace('"', "\\\"");
    let matrix = format!(
        r#"matrix "{page}" {{
  version   "{read}"
  effective 2026-01-01
  catalog   h
}}

catalog h "{bold}" {{
  domain d "{math}"
  control H-1 "{refs}" in d
}}

party csp provider "{slash}"
party csc customer "Customer"

service app "App" {{
  model    saas
  provider csp
  customer csc
}}

control H-1 {{
  duty run "{bold}" {{
    provider: R A
    customer: C
    evidence "{read}", "{math}"
    note "{slash}"
  }}
}}
"#,
        page = quote(page),
        read = quote(read),
        bold = quote(bold),
        math = quote(math),
        refs = quote(refs),
        slash = quote(slash),
    );
    let path = dir.path().join("typst.srm");
    std::fs::write(&path, matrix).unwrap();
    let pdf = build_pdf(&path, dir.path(), &[]);
    if let Some(text) = pdf_text(&pdf) {
        for hostile in TYPST_HOSTILE {
            assert!(
                text.contains(hostile),
                "`{hostile}` is not shown as written"
            );
        }
        assert!(!text.contains("root:"), "a file was read");
    }

    let hostile = root().join("tests/fixtures/hostile/hostile.srm");
    let pdf = build_pdf(&hostile, dir.path(), &["--allow-gaps"]);
    if let Some(text) = pdf_text(&pdf) {
        for shown in [
            "<script>alert('title')</script> | =HYPERLINK(\"http://evil\")",
            "version 1.0 <b onmouseover=alert(1)>",
            "=SUM(A1:A9) | <a href=\"javascript:alert(8)\">x</a>",
            "+Provider <script>x</script>",
        ] {
            assert!(text.contains(shown), "`{shown}` is not shown as written");
        }
    }
}

#[test]
fn a_broken_template_override_says_where_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("annex.typ"),
        "#let data = json(\"data.json\")\n= #data.matrix.title\n#data.matrix.no_such_field\n#read(\"/etc/passwd\")\n",
    )
    .unwrap();
    let pdf = dir.path().join("annex.pdf");
    let output = Srmc::cargo_bin("srmc")
        .unwrap()
        .arg("build")
        .arg(nimbus())
        .args(["--format", "pdf", "-o"])
        .arg(&pdf)
        .arg("--templates")
        .arg(&templates)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(!pdf.exists(), "a failed build wrote {}", pdf.display());
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stderr));

    // A working override is used (and still carries srmc's keywords).
    std::fs::write(
        templates.join("annex.typ"),
        "#let data = json(\"data.json\")\n#set document(keywords: (\"srmc-fingerprint:0000\",))\n= #data.matrix.title\n",
    )
    .unwrap();
    Srmc::cargo_bin("srmc")
        .unwrap()
        .arg("build")
        .arg(nimbus())
        .args(["--format", "pdf", "-o"])
        .arg(&pdf)
        .arg("--templates")
        .arg(&templates)
        .assert()
        .success();
    let bytes = std::fs::read(&pdf).unwrap();
    let mark = srmc::verify::read_mark(&bytes).unwrap();
    assert_ne!(mark.fingerprint, "0000");
    if let Some(text) = pdf_text(&bytes) {
        assert_eq!(
            text,
            "Nimbus Claims and Nimbus Managed PostgreSQL — Shared Responsibility Matrix"
        );
    }
}
