//! A real browser prints the HTML annex of the complete example to a PDF.
//!
//! Needs Debian's `chromium`, so `cargo test` leaves it out (`#[ignore]`); `.ci/run` installs the
//! browser and runs it with `--include-ignored`. Without a browser it says why and passes, unless
//! `SRMC_REQUIRE_CHROMIUM` is set (as `.ci/run` does): then a missing browser is a failure.

use std::path::Path;
use std::process::Command;

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|path| Path::new(path).exists())
}

#[test]
#[ignore = "needs chromium; .ci/run runs it with --include-ignored"]
fn the_html_annex_prints_to_a_pdf() {
    let Some(browser) = chromium() else {
        if std::env::var_os("SRMC_REQUIRE_CHROMIUM").is_some() {
            panic!("SRMC_REQUIRE_CHROMIUM is set but no chromium is installed");
        }
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("annex.html");
    let pdf = dir.path().join("annex.pdf");
    let status = Command::new(env!("CARGO_BIN_EXE_srmc"))
        .arg("build")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices/nimbus-saas-and-db.srm"))
        .args(["--format", "html", "-o"])
        .arg(&html)
        .status()
        .unwrap();
    assert!(status.success());
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed: {stderr}");
    // This machine has no system bus: chromium's D-Bus complaints are about the machine, not
    // the page. Any other error (a page that fails to load, a broken resource) is ours.
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains(":ERROR:") && !line.contains(":ERROR:dbus/"))
        .collect();
    assert!(
        errors.is_empty(),
        "the browser reported errors: {errors:#?}"
    );
    let bytes = std::fs::read(&pdf).expect("a PDF was written");
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    // The pages as text (poppler's pdftotext; `.ci/run` installs poppler-utils with chromium).
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    // Two services with every control of the catalog, on at most 40 A4 pages (81 before the
    // compact layout).
    assert!((14..=40).contains(&pages.len()), "{} pages", pages.len());
    let compiled = srmc::compile(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices/nimbus-saas-and-db.srm"),
        Default::default(),
    )
    .unwrap();
    let fingerprint =
        srmc::render::render_document(&compiled, srmc::render::Format::Json, None, None)
            .unwrap()
            .fingerprint;
    // Every page can be cited on its own: its number of the whole, the title, the version and
    // the short fingerprint.
    for (index, page) in pages.iter().enumerate() {
        let number = format!("Page {} of {}", index + 1, pages.len());
        assert!(
            page.contains(&number),
            "no `{number}` on page {}",
            index + 1
        );
        assert!(
            page.contains(&fingerprint[..16]),
            "no fingerprint on page {}",
            index + 1
        );
        assert!(
            page.contains("Version 1.0.0"),
            "no version on page {}",
            index + 1
        );
        assert!(
            page.contains("Nimbus Claims and Nimbus Managed"),
            "no title on page {}",
            index + 1
        );
    }
}
