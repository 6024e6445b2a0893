//! `srmc serve`: the preview page, its event stream, 404 for everything else, a clean stop on
//! Ctrl-C — and, with Debian's `chromium`, a real browser that reloads on an edit (ignored by
//! `cargo test`, run by `.ci/run`, as tests/browser.rs is).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MATRIX: &str = include_str!("fixtures/ok/minimal.srm");

struct Preview {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
    file: PathBuf,
}

impl Preview {
    fn start() -> Preview {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("matrix.srm");
        std::fs::write(&file, MATRIX).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_srmc"))
            .args(["serve", "--port", "0"])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        // The rest of standard error is read when the server stops.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
            assert!(rest.contains("stopped") || rest.is_empty(), "{rest}");
        });
        Preview {
            child,
            port,
            _dir: dir,
            file,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    }

    /// `GET path`: the status code and the body.
    fn get(&self, path: &str) -> (u16, String) {
        let mut stream = self.connect();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response[9..12].parse().unwrap();
        let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        (status, body.to_owned())
    }

    fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(&self.file).unwrap();
        assert!(text.contains(from));
        std::fs::write(&self.file, text.replacen(from, to, 1)).unwrap();
    }

    /// Ctrl-C, and the exit status.
    fn interrupt(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "srmc serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads from `stream` until `wanted` has come, or panics after `within`.
fn read_until(stream: &mut TcpStream, wanted: &str, within: Duration) -> String {
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buffer = [0; 4096];
    while !String::from_utf8_lossy(&seen).contains(wanted) {
        assert!(
            started.elapsed() < within,
            "no {wanted:?} within {within:?}: {}",
            String::from_utf8_lossy(&seen)
        );
        stream
            .set_read_timeout(Some(
                within
                    .saturating_sub(started.elapsed())
                    .max(Duration::from_millis(1)),
            ))
            .unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => panic!("the stream ended: {}", String::from_utf8_lossy(&seen)),
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
            Err(_) => {}
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[test]
fn the_preview_reloads_on_an_edit_and_serves_nothing_else() {
    let preview = Preview::start();
    let (status, page) = preview.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Minimal</h1>"), "{page}");
    assert!(page.contains("new EventSource(\"/events\")"));
    assert!(
        !page.contains("srmc-findings"),
        "a clean matrix has no findings"
    );

    for path in [
        "/matrix.srm",
        "/../matrix.srm",
        "/%2e%2e/etc/passwd",
        "/etc/passwd",
        "/index.html",
        "/?file=matrix.srm",
    ] {
        assert_eq!(preview.get(path).0, 404, "{path}");
    }

    let mut events = preview.connect();
    write!(
        events,
        "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let head = read_until(&mut events, "retry: 500\n\n", Duration::from_secs(5));
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(head.contains("Content-Type: text/event-stream\r\n"));

    // A duty loses its accountable party: within 2 s the stream says reload, and the page has
    // the finding on top.
    preview.edit(
        "provider: R A\n    customer: I",
        "provider: R\n    customer: I",
    );
    read_until(&mut events, "event: reload\n", Duration::from_secs(2));
    let (_, page) = preview.get("/");
    let findings = page.find("srmc-findings").expect("findings on the page");
    assert!(
        findings < page.find("<header>").unwrap(),
        "findings come first"
    );
    assert!(page.contains("error[E202]"), "{page}");
    assert!(page.contains("<title>⚠ 1 finding — Minimal"));

    // A file that no longer parses still has a page: its findings and the script.
    preview.edit("duty backups", "duty backups {{");
    read_until(&mut events, "event: reload\n", Duration::from_secs(2));
    let (status, page) = preview.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("error[E001]"), "{page}");
    assert!(page.contains("new EventSource"));

    assert!(preview.interrupt().success());
}

#[test]
fn the_built_annex_has_no_script() {
    let output = Command::new(env!("CARGO_BIN_EXE_srmc"))
        .args(["build", "--format", "html"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok/minimal.srm"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let html = String::from_utf8(output.stdout).unwrap();
    assert!(!html.to_ascii_lowercase().contains("<script"));
}

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|path| Path::new(path).exists())
}

/// The titles of the pages a browser with remote debugging on `port` has open.
fn page_titles(port: u16) -> Vec<String> {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return Vec::new();
    };
    let _ = write!(
        stream,
        "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    // Chromium keeps the connection open: read the head, then as many bytes as it announces.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return Vec::new();
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return Vec::new();
    }
    let targets: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    targets
        .as_array()
        .into_iter()
        .flatten()
        .filter(|target| target["type"] == "page")
        .filter_map(|target| target["title"].as_str().map(str::to_owned))
        .collect()
}

#[test]
#[ignore = "needs chromium; .ci/run runs it with --include-ignored"]
fn a_browser_sees_the_new_finding_within_two_seconds() {
    let Some(browser) = chromium() else {
        if std::env::var_os("SRMC_REQUIRE_CHROMIUM").is_some() {
            panic!("SRMC_REQUIRE_CHROMIUM is set but no chromium is installed");
        }
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
    let preview = Preview::start();
    let profile = tempfile::tempdir().unwrap();
    let mut chromium = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("http://127.0.0.1:{}/", preview.port))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill<'a>(&'a mut Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _chromium = Kill(&mut chromium);
    // Chromium writes the port it chose into the profile.
    let started = Instant::now();
    let port = loop {
        let written = std::fs::read_to_string(profile.path().join("DevToolsActivePort"));
        if let Some(port) = written
            .ok()
            .and_then(|text| text.lines().next().and_then(|l| l.parse::<u16>().ok()))
        {
            break port;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "chromium did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let wait_for = |wanted: &str, within: Duration| {
        let started = Instant::now();
        loop {
            let titles = page_titles(port);
            if titles.iter().any(|title| title.starts_with(wanted)) {
                return;
            }
            assert!(
                started.elapsed() < within,
                "no page titled {wanted:?} within {within:?}: {titles:?}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    };
    wait_for("Minimal", Duration::from_secs(60));
    // Let the page open its event stream before the edit.
    std::thread::sleep(Duration::from_millis(500));
    preview.edit(
        "provider: R A\n    customer: I",
        "provider: R\n    customer: I",
    );
    wait_for("⚠ 1 finding — Minimal", Duration::from_secs(2));
}
