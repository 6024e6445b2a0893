//! `srmc lsp` driven over pipes as an editor drives it: initialize, open, the diagnostics it
//! publishes, hover, definition, references, completion, symbols, formatting, quick fixes, a
//! change, and a clean shutdown — and hostile input that must not end it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const MATRIX: &str = r#"matrix "Editor test" {
  version   "1.0.0"
  effective 2026-01-15
  catalog   mini
}

import "parties.srm"

catalog mini "Two controls" {
  domain ops "Operations"
  control M-1 "Backups are taken and restore-tested" in ops
  control M-2 "Customer data is exported on request" in ops
}

service store "Acme Object Store" {
  model    paas
  provider acme
  customer globex
}

control M-1 {
  duty backups "Take daily backups and test a restore every quarter" {
    provider: R A
    globex: I
  }
}

control M-2 for store {
  duty request "Request the export before the contract ends" { customer: R A }
  duty deliver "Deliver the export within 30 days" { acme: R A }
}
"#;

const PARTIES: &str = r#"party acme   provider "Acme Cloud Ltd"
party globex customer "Globex Corporation"
"#;

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start(envs: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_srmc"))
            .arg("lsp")
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(value) = line.strip_prefix("Content-Length: ") {
                    length = value.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.expect("a Content-Length header")];
            stdout.read_exact(&mut body).unwrap();
            if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        let mut server = Server {
            child,
            stdin,
            messages,
            next_id: 0,
        };
        let capabilities = server.request("initialize", json!({ "capabilities": {} }));
        assert_eq!(
            capabilities["result"]["capabilities"]["positionEncoding"],
            "utf-16"
        );
        server.notify("initialized", json!({}));
        server
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let mut message = json!({ "jsonrpc": "2.0", "method": method });
        message["params"] = params;
        self.send(&message);
    }

    /// Sends a request and returns its response; notifications that come first are dropped.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        message["params"] = params;
        self.send(&message);
        loop {
            let message = self.next(Duration::from_secs(30)).expect("a response");
            if message["id"] == id {
                return message;
            }
        }
    }

    fn next(&self, timeout: Duration) -> Option<Value> {
        self.messages.recv_timeout(timeout).ok()
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&self, uri: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(message) = self.next(deadline.saturating_duration_since(Instant::now())) {
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
        panic!("no diagnostics published for {uri}");
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "srm", "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    fn at(&mut self, method: &str, uri: &str, (line, character): (u32, u32)) -> Value {
        self.request(
            method,
            json!({
                "textDocument": { "uri": uri },
                "position": { "line": line, "character": character },
            }),
        )
    }

    /// The line of each place `find references` gives, the definition included.
    fn reference_lines(&mut self, uri: &str, (line, character): (u32, u32)) -> Vec<u64> {
        let references = self.request(
            "textDocument/references",
            json!({
                "textDocument": { "uri": uri },
                "position": { "line": line, "character": character },
                "context": { "includeDeclaration": true },
            }),
        );
        references["result"]
            .as_array()
            .expect("references")
            .iter()
            .map(|location| location["range"]["start"]["line"].as_u64().unwrap())
            .collect()
    }

    /// Shuts down as an editor does and returns the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response["result"], Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A directory with the matrix and its parties file on disk, canonical (as the server names
/// files).
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(root.join("matrix.srm"), MATRIX).unwrap();
    std::fs::write(root.join("parties.srm"), PARTIES).unwrap();
    (dir, root)
}

/// Line and character of the first `needle` in `text`, `shift` characters into it.
fn position_of(text: &str, needle: &str, shift: u32) -> (u32, u32) {
    let offset = text.find(needle).expect("the needle is in the text");
    let line = text[..offset].matches('\n').count() as u32;
    let start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    (
        line,
        text[start..offset].encode_utf16().count() as u32 + shift,
    )
}

/// Diagnostics as a reviewer reads them: place, severity, code, message.
fn summarize(diagnostics: &[Value]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}-{}:{} sev {} {} {}{}",
                d["range"]["start"]["line"],
                d["range"]["start"]["character"],
                d["range"]["end"]["line"],
                d["range"]["end"]["character"],
                d["severity"],
                d["code"].as_str().unwrap_or("-"),
                d["message"].as_str().unwrap(),
                match d["relatedInformation"].as_array() {
                    Some(related) => format!(
                        " | related: {}",
                        related
                            .iter()
                            .map(|r| format!(
                                "{}@{}",
                                r["message"].as_str().unwrap(),
                                r["location"]["range"]["start"]["line"]
                            ))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    None => String::new(),
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn an_editor_session() {
    let (_dir, root) = workspace();
    let matrix = uri(&root.join("matrix.srm"));
    let mut server = Server::start(&[]);

    // A typo in a party id: E101 with its hint, and a quick fix from the hint.
    let broken = MATRIX.replace("globex: I", "globx: I");
    server.open(&matrix, &broken);
    let diagnostics = server.diagnostics_for(&matrix);
    insta::assert_snapshot!("typo_diagnostics", summarize(&diagnostics));
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "E101" && d["severity"] == 1)
        .expect("an E101")
        .clone();
    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": matrix },
            "range": unknown["range"],
            "context": { "diagnostics": [unknown] },
        }),
    );
    let action = &actions["result"][0];
    assert_eq!(action["title"], "Change to `globex`");
    let edit = &action["edit"]["changes"][&matrix][0];
    assert_eq!(edit["newText"], "globex");
    assert_eq!(edit["range"], unknown["range"]);

    // Hover over a control id: its title, and per service the owner and who is accountable.
    let hover = server.at(
        "textDocument/hover",
        &matrix,
        position_of(&broken, "control M-2 for", 9),
    );
    insta::assert_snapshot!(
        "hover_control",
        hover["result"]["contents"]["value"].as_str().unwrap()
    );
    let hover = server.at(
        "textDocument/hover",
        &matrix,
        position_of(&broken, "acme: R A", 1),
    );
    assert_eq!(
        hover["result"]["contents"]["value"],
        "**party `acme`** — Acme Cloud Ltd\n\nprovider, CSP side"
    );
    let hover = server.at(
        "textDocument/hover",
        &matrix,
        position_of(&broken, "provider: R A", 2),
    );
    assert_eq!(
        hover["result"]["contents"]["value"],
        "**`provider`** — the provider of each service:\n- store → acme"
    );

    // Definition of a party used here and defined in the imported file.
    let definition = server.at(
        "textDocument/definition",
        &matrix,
        position_of(&broken, "provider acme", 10),
    );
    let parties = uri(&root.join("parties.srm"));
    assert_eq!(definition["result"][0]["uri"], parties);
    assert_eq!(
        definition["result"][0]["range"],
        json!({ "start": { "line": 0, "character": 6 }, "end": { "line": 0, "character": 10 } })
    );
    // The import's path goes to the file.
    let definition = server.at(
        "textDocument/definition",
        &matrix,
        position_of(&broken, "parties.srm", 2),
    );
    assert_eq!(definition["result"][0]["uri"], parties);
    // References of a service: its definition and the block for it.
    let lines = server.reference_lines(&matrix, position_of(&broken, "service store", 9));
    assert_eq!(lines, [14, 27]);

    // Completion: control ids with their titles after `control`, letters after a colon.
    let mut text = broken.clone();
    text.push_str("control \n");
    server.change(&matrix, 2, &text);
    let completion = server.at(
        "textDocument/completion",
        &matrix,
        position_of(&text, "control \n", 8),
    );
    let items: Vec<String> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| format!("{} ({})", item["label"], item["detail"]))
        .collect();
    assert_eq!(
        items,
        [
            "\"M-1\" (\"Backups are taken and restore-tested\")",
            "\"M-2\" (\"Customer data is exported on request\")"
        ]
    );
    let completion = server.at(
        "textDocument/completion",
        &matrix,
        position_of(&text, "provider: R A", 10),
    );
    let letters: Vec<&Value> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| &item["label"])
        .collect();
    assert_eq!(
        letters,
        [&json!("R"), &json!("A"), &json!("C"), &json!("I")]
    );

    // The outline.
    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": matrix } }),
    );
    let names: Vec<String> = symbols["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|symbol| symbol["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "Editor test",
            "import parties.srm",
            "mini",
            "store",
            "control M-1",
            "control M-2 for store"
        ]
    );

    // The fix typed in: the diagnostics clear.
    server.change(&matrix, 3, MATRIX);
    let mut diagnostics = server.diagnostics_for(&matrix);
    // The edit before (a half-typed `control`) may publish first.
    while !diagnostics.is_empty() {
        diagnostics = server.diagnostics_for(&matrix);
    }

    // Formatting through `srmc fmt`'s code.
    let messy = MATRIX.replace("  model    paas", "      model    paas");
    server.change(&matrix, 4, &messy);
    let edits = server.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": matrix }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits["result"][0]["newText"], MATRIX);

    assert!(server.stop().success());
}

#[test]
fn problems_of_an_imported_file_are_published_on_that_file() {
    let (_dir, root) = workspace();
    std::fs::write(
        root.join("parties.srm"),
        PARTIES.replace("customer \"Globex", "custmer \"Globex"),
    )
    .unwrap();
    let matrix = uri(&root.join("matrix.srm"));
    let parties = uri(&root.join("parties.srm"));
    let mut server = Server::start(&[]);
    server.open(&matrix, MATRIX);
    // Both files are published, in the order of their addresses.
    let on_matrix = server.diagnostics_for(&matrix);
    let on_parties = server.diagnostics_for(&parties);
    assert!(
        on_parties.iter().any(|d| d["code"] == "E109"),
        "{on_parties:?}"
    );
    assert!(on_matrix.iter().all(|d| d["code"] != "E109"));
    // The imported file opened and fixed in the editor, unsaved: the matrix checks with it.
    server.open(&parties, PARTIES);
    let mut cleared = server.diagnostics_for(&parties);
    while !cleared.is_empty() {
        cleared = server.diagnostics_for(&parties);
    }
    assert!(server.stop().success());
}

#[test]
fn the_server_survives_hostile_input() {
    let (_dir, root) = workspace();
    let matrix = uri(&root.join("matrix.srm"));
    let mut server = Server::start(&[("SRMC_LSP_TEST_PANIC", "1")]);

    // A panic in one request is answered with an error; the next request is answered.
    let failed = server.request("srmc/panic", json!({}));
    assert_eq!(failed["error"]["code"], -32603);
    server.open(&matrix, MATRIX);
    assert_eq!(server.diagnostics_for(&matrix), Vec::<Value>::new());

    // Every prefix of the file, as if typed: a diagnostic list each time, never a crash.
    for (version, end) in (0..MATRIX.len()).step_by(97).enumerate() {
        let mut end = end;
        while !MATRIX.is_char_boundary(end) {
            end -= 1;
        }
        server.change(&matrix, version as i32 + 2, &MATRIX[..end]);
        let hover = server.at("textDocument/hover", &matrix, (0, 3));
        assert!(hover.get("error").is_none(), "{hover}");
        let completion = server.at("textDocument/completion", &matrix, (20, 4));
        assert!(completion.get("error").is_none(), "{completion}");
    }

    // Binary content.
    server.change(
        &matrix,
        1000,
        "\u{0}\u{1}\u{7f}matrix \u{fffd}\u{0}{{{{\"\"\"",
    );
    let diagnostics = server.diagnostics_for(&matrix);
    assert!(diagnostics.iter().any(|d| d["code"] == "E001"));

    // An import cycle.
    std::fs::write(root.join("a.srm"), "import \"b.srm\"\n").unwrap();
    std::fs::write(root.join("b.srm"), "import \"a.srm\"\n").unwrap();
    server.change(
        &matrix,
        1001,
        &MATRIX.replace("\"parties.srm\"", "\"a.srm\""),
    );
    let cycle = server.diagnostics_for(&uri(&root.join("b.srm")));
    assert!(cycle.iter().any(|d| d["code"] == "E107"), "{cycle:?}");
    // The matrix's own, without the parties it no longer imports, come after.
    let unknown = server.diagnostics_for(&matrix);
    assert!(unknown.iter().any(|d| d["code"] == "E101"));

    // A paste over the limit on one file is one diagnostic, not a stall.
    let huge = MATRIX.repeat((10 << 20) / MATRIX.len());
    let started = Instant::now();
    server.change(&matrix, 1002, &huge);
    let diagnostics = server.diagnostics_for(&matrix);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("more than the limit"));
    assert!(started.elapsed() < Duration::from_secs(20));

    // The file deleted while open: the editor's text still compiles.
    std::fs::remove_file(root.join("matrix.srm")).unwrap();
    server.change(&matrix, 1003, MATRIX);
    assert_eq!(server.diagnostics_for(&matrix), Vec::<Value>::new());
    assert!(server.stop().success());
}

#[test]
fn hover_over_an_upstream_service_shows_what_the_upstream_publishes() {
    let path = std::fs::canonicalize(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices/saas-on-published-iaas.srm"),
    )
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let matrix = uri(&path);
    let mut server = Server::start(&[]);
    server.open(&matrix, &text);
    let written = "  runs-on  stratus.compute";
    let hover = server.at(
        "textDocument/hover",
        &matrix,
        position_of(&text, written, "  runs-on  stratus.".len() as u32 + 2),
    );
    assert_eq!(
        hover["result"]["contents"]["value"],
        "**service `compute` of upstream `stratus`** — Stratus Compute and Storage\n\nmodel \
         iaas; provider stratus; customer peoplegrid (the upstream's parties; we are \
         `peoplegrid` there)"
    );
    // The upstream's own name, before the dot, is the upstream.
    let hover = server.at(
        "textDocument/hover",
        &matrix,
        position_of(&text, written, "  runs-on  ".len() as u32 + 2),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.starts_with("**upstream `stratus`**"), "{value}");
    // Every place the upstream service is named: `runs-on`, `inherit … from`, `control … for`.
    let found = server.reference_lines(
        &matrix,
        position_of(&text, written, "  runs-on  stratus.".len() as u32 + 2),
    );
    let named: Vec<u64> = (0u64..)
        .zip(text.lines())
        .filter(|(_, line)| {
            !line.trim_start().starts_with("//") && line.contains("stratus.compute")
        })
        .map(|(number, _)| number)
        .collect();
    assert!(named.len() > 50, "{named:?}");
    assert_eq!(found, named);
    assert!(server.stop().success());
}
