//! `srmc serve`: the HTML annex of a matrix on 127.0.0.1, rendered again whenever the matrix
//! or a file it imports changes, with the findings at the top while there are any. The page
//! reloads itself through server-sent events (`/events`); that one script is the preview's
//! alone: `srmc build` writes the annex without it. Nothing but `/` and `/events` is served.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::analyze::Limits;
use crate::render::{self, Format};

/// The page as last rendered, and how many times it has been.
struct Page {
    html: String,
    version: u64,
    /// The files the last compilation read: a change to any of them renders again.
    inputs: Vec<PathBuf>,
}

struct Shared {
    page: Mutex<Page>,
    changed: Condvar,
}

/// How long an event stream waits for a change before it sends a comment, which tells a
/// browser that went away (the write fails) from one still listening.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Most event streams open at once: each holds a thread.
const MOST_STREAMS: usize = 64;

/// The script the preview page alone carries: reload when the server says the page changed.
const RELOAD_SCRIPT: &str = r#"<script>
new EventSource("/events").addEventListener("reload", function () { location.reload(); });
</script>
"#;

/// Serves the HTML annex of `file` on 127.0.0.1:`port` until interrupted.
pub(crate) fn run(file: &Path, port: u16) -> ExitCode {
    let fail = |message: String| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    };
    let root = match std::fs::canonicalize(file) {
        Ok(root) if root.is_file() => root,
        Ok(_) => return fail(format!("`{}` is not a file", file.display())),
        Err(error) => {
            return fail(format!(
                "cannot read `{}`: {}",
                file.display(),
                crate::files::io_reason(&error)
            ))
        }
    };
    let dir = root.parent().unwrap_or(Path::new("/")).to_path_buf();
    let server = match tiny_http::Server::http(("127.0.0.1", port)) {
        Ok(server) => Arc::new(server),
        Err(error) => return fail(format!("cannot listen on 127.0.0.1:{port}: {error}")),
    };
    let shown = file.display().to_string();
    let (html, inputs) = render_page(&root, &shown);
    let shared = Arc::new(Shared {
        page: Mutex::new(Page {
            html,
            version: 0,
            inputs,
        }),
        changed: Condvar::new(),
    });
    let _watcher = match watch(&dir, &root, &shown, Arc::clone(&shared)) {
        Ok(watcher) => watcher,
        Err(error) => return fail(format!("cannot watch `{}`: {error}", dir.display())),
    };
    let stopping = Arc::clone(&server);
    if let Err(error) = ctrlc::set_handler(move || stopping.unblock()) {
        return fail(format!("cannot catch Ctrl-C: {error}"));
    }
    let port = server
        .server_addr()
        .to_ip()
        .map_or(port, |address| address.port());
    eprintln!("serving {shown} at http://127.0.0.1:{port}/ (Ctrl-C stops)");
    let streams = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for request in server.incoming_requests() {
        let shared = Arc::clone(&shared);
        let streams = Arc::clone(&streams);
        // An event stream holds its request for as long as the page is open.
        std::thread::spawn(move || answer(request, &shared, &streams));
    }
    eprintln!("stopped");
    ExitCode::SUCCESS
}

fn answer(request: tiny_http::Request, shared: &Shared, streams: &std::sync::atomic::AtomicUsize) {
    use std::sync::atomic::Ordering;
    let html = header("Content-Type", "text/html; charset=utf-8");
    let get = *request.method() == tiny_http::Method::Get;
    let _ = match request.url() {
        "/" if get => {
            let page = shared.page.lock().expect("the page lock").html.clone();
            request.respond(tiny_http::Response::from_string(page).with_header(html))
        }
        "/events" if get => {
            if streams.fetch_add(1, Ordering::SeqCst) >= MOST_STREAMS {
                streams.fetch_sub(1, Ordering::SeqCst);
                let busy = tiny_http::Response::from_string("too many open previews")
                    .with_status_code(503);
                let _ = request.respond(busy);
                return;
            }
            let seen = shared.page.lock().expect("the page lock").version;
            // Straight onto the connection: tiny_http buffers a body of unknown length in 8 KB
            // chunks, and an event must reach the browser when it happens.
            let mut writer = request.into_writer();
            let outcome = stream_events(&mut *writer, shared, seen);
            streams.fetch_sub(1, Ordering::SeqCst);
            outcome
        }
        _ => request.respond(
            tiny_http::Response::from_string("not found: this preview serves `/` only\n")
                .with_status_code(404),
        ),
    };
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

/// `/events`: the response head, then an event each time the page is rendered again, and a
/// comment when nothing happened for a while (a browser that went away fails the write).
fn stream_events(
    out: &mut dyn std::io::Write,
    shared: &Shared,
    mut seen: u64,
) -> std::io::Result<()> {
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nretry: 500\n\n",
    )?;
    out.flush()?;
    loop {
        let message = {
            let page = shared.page.lock().expect("the page lock");
            let (page, _) = shared
                .changed
                .wait_timeout_while(page, KEEP_ALIVE, |page| page.version == seen)
                .expect("the page lock");
            if page.version == seen {
                ": still here\n\n".to_owned()
            } else {
                seen = page.version;
                format!("event: reload\ndata: {seen}\n\n")
            }
        };
        out.write_all(message.as_bytes())?;
        out.flush()?;
    }
}

/// Watches the matrix's directory and renders again when one of the last inputs changes.
fn watch(
    dir: &Path,
    root: &Path,
    shown: &str,
    shared: Arc<Shared>,
) -> notify::Result<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender)?;
    watcher.watch(dir, notify::RecursiveMode::Recursive)?;
    let root = root.to_path_buf();
    let shown = shown.to_owned();
    std::thread::spawn(move || {
        while let Ok(event) = events.recv() {
            if !concerns_inputs(&event, &shared) {
                continue;
            }
            // An editor's save is several events (write, rename, attributes): take them as one.
            std::thread::sleep(Duration::from_millis(30));
            while events.try_recv().is_ok() {}
            let (html, inputs) = render_page(&root, &shown);
            let mut page = shared.page.lock().expect("the page lock");
            page.html = html;
            page.inputs = inputs;
            page.version += 1;
            shared.changed.notify_all();
        }
    });
    Ok(watcher)
}

fn concerns_inputs(event: &notify::Result<notify::Event>, shared: &Shared) -> bool {
    let Ok(event) = event else {
        return false;
    };
    if event.kind.is_access() {
        return false;
    }
    let page = shared.page.lock().expect("the page lock");
    event.paths.iter().any(|path| {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        page.inputs.contains(&path)
    })
}

/// The preview page of the matrix at `root` and the files it read. The findings come first;
/// the annex follows when there is a matrix to render, gaps and conflicts marked in it.
fn render_page(root: &Path, shown: &str) -> (String, Vec<PathBuf>) {
    let compilation = match crate::compile_named(root, shown, Limits::default()) {
        Ok(compilation) => compilation,
        Err(error) => {
            return (
                bare_page(&findings_section(&error.0)),
                vec![root.to_path_buf()],
            )
        }
    };
    let inputs = compilation
        .sources
        .iter()
        .filter_map(|file| file.path.clone())
        .collect();
    let findings = (!compilation.diagnostics.is_empty()).then(|| {
        findings_section(&crate::diagnostics::render_human(
            &compilation.diagnostics,
            &compilation.sources,
            false,
        ))
    });
    let annex = compilation
        .checked
        .as_ref()
        .map(|_| render::render_document(&compilation, Format::Html, None, None));
    let page = match annex {
        Some(Ok(document)) => {
            let with_findings = match &findings {
                // The tab's title says so too, for a preview open behind the editor.
                Some(findings) => document
                    .text
                    .replacen(
                        "<title>",
                        &format!("<title>{} — ", count(compilation.diagnostics.len())),
                        1,
                    )
                    .replacen("<body>\n", &format!("<body>\n{findings}"), 1),
                None => document.text,
            };
            with_findings.replacen("</body>", &format!("{RELOAD_SCRIPT}</body>"), 1)
        }
        Some(Err(error)) => bare_page(&findings_section(&error)),
        None => bare_page(&findings.unwrap_or_default()),
    };
    (page, inputs)
}

fn count(findings: usize) -> String {
    match findings {
        1 => "⚠ 1 finding".to_owned(),
        n => format!("⚠ {n} findings"),
    }
}

fn findings_section(text: &str) -> String {
    format!(
        "<section id=\"srmc-findings\" style=\"border:2px solid #a0281c;padding:.5rem 1rem;margin:1rem 0\">\n<h2>Findings</h2>\n<pre>{}</pre>\n</section>\n",
        handlebars::html_escape(text)
    )
}

/// A page for a matrix that cannot be rendered: its findings and the reload script.
fn bare_page(findings: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>⚠ srmc preview</title></head>\n<body>\n{findings}{RELOAD_SCRIPT}</body>\n</html>\n"
    )
}
