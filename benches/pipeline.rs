//! Each stage and each rendering at three sizes of a synthetic matrix (services × 121 controls ×
//! 3 duties per pair, every pair written as its own service-specific block).
//!
//! `cargo bench --bench pipeline`; BENCHMARKS.md has the figures and the end-to-end recipe.

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::Bencher;
use srmc::render::{render, Format};

// What the `srmc` binary allocates with, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [10, 30, 100];

/// The matrix of each size, written once per run (analysis reads files).
fn matrix(services: usize) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temporary directory").keep());
    let path = dir.join(format!("m{services}.srm"));
    if !path.exists() {
        std::fs::write(&path, srmc::synthetic::matrix(services, 3, 1.0)).expect("write");
    }
    path
}

fn compiled(services: usize) -> srmc::Compilation {
    let compilation = srmc::compile(&matrix(services), Default::default()).expect("compiles");
    assert_eq!(compilation.errors(), 0);
    compilation
}

/// The parser every well-formed file takes (hand-written descent).
#[divan::bench(args = SIZES)]
fn parse(bencher: Bencher, services: usize) {
    let text = std::fs::read_to_string(matrix(services)).expect("read");
    bencher.bench(|| srmc::syntax::parse(srmc::source::FileId(0), &text));
}

/// The pest grammar on the same file: what a file with a syntax error costs to parse, and what
/// every file cost before the descent parser.
#[divan::bench(args = SIZES)]
fn parse_by_grammar(bencher: Bencher, services: usize) {
    let text = std::fs::read_to_string(matrix(services)).expect("read");
    bencher.bench(|| srmc::syntax::parse_by_grammar(srmc::source::FileId(0), &text, usize::MAX));
}

/// The pest grammar only recognising the file, no syntax tree built: the least a parser on
/// pest alone would cost.
#[divan::bench(args = SIZES)]
fn recognise_by_grammar(bencher: Bencher, services: usize) {
    let text = std::fs::read_to_string(matrix(services)).expect("read");
    bencher.bench(|| srmc::syntax::grammar_accepts(&text));
}

/// Load, parse, resolve, graph and checks: what `srmc check` does.
#[divan::bench(args = SIZES)]
fn check(bencher: Bencher, services: usize) {
    let path = matrix(services);
    bencher.bench(|| srmc::compile(&path, Default::default()).expect("compiles"));
}

#[divan::bench(args = SIZES)]
fn analyze(bencher: Bencher, services: usize) {
    let path = matrix(services);
    bencher
        .with_inputs(|| {
            let mut sources = srmc::source::Sources::new();
            let (loaded, _) = srmc::analyze::load(&path, "m.srm", &mut sources, Default::default())
                .expect("loads");
            (loaded, sources)
        })
        .bench_local_values(|(loaded, mut sources)| {
            srmc::analyze::resolve(
                loaded,
                &mut sources,
                Default::default(),
                &Default::default(),
            )
        });
}

#[divan::bench(args = SIZES)]
fn graph_and_checks(bencher: Bencher, services: usize) {
    let compilation = compiled(services);
    let model = &compilation.checked.as_ref().expect("model").model;
    bencher.bench(|| {
        let graph = srmc::graph::ResponsibilityGraph::build(model);
        srmc::checks::run(model, &graph, true)
    });
}

fn bench_format(bencher: Bencher, services: usize, format: Format) {
    let compilation = compiled(services);
    bencher.bench(|| render(&compilation, format, None).expect("renders"));
}

#[divan::bench(args = SIZES)]
fn render_html(bencher: Bencher, services: usize) {
    bench_format(bencher, services, Format::Html);
}

#[divan::bench(args = SIZES)]
fn render_markdown(bencher: Bencher, services: usize) {
    bench_format(bencher, services, Format::Markdown);
}

#[divan::bench(args = SIZES)]
fn render_csv(bencher: Bencher, services: usize) {
    bench_format(bencher, services, Format::RaciCsv);
}

#[divan::bench(args = SIZES)]
fn render_json(bencher: Bencher, services: usize) {
    bench_format(bencher, services, Format::Json);
}

fn workbook(compilation: &srmc::Compilation) -> Vec<u8> {
    let mut bytes = Vec::new();
    srmc::render::render_to(compilation, Format::Xlsx, None, &mut bytes).expect("renders");
    bytes
}

#[divan::bench(args = SIZES)]
fn render_xlsx(bencher: Bencher, services: usize) {
    let compilation = compiled(services);
    bencher.bench(|| workbook(&compilation));
}

/// `srmc import` of the workbook `render_xlsx` makes, compiled twice to check its fingerprint.
#[divan::bench(args = SIZES)]
fn import_xlsx(bencher: Bencher, services: usize) {
    let path = matrix(services).with_extension("xlsx");
    std::fs::write(&path, workbook(&compiled(services))).expect("write");
    bencher.bench(|| srmc::import::import(&path, &Default::default()).expect("imports"));
}

#[divan::bench(args = SIZES)]
fn render_oscal_ssp(bencher: Bencher, services: usize) {
    bench_format(bencher, services, Format::OscalSsp);
}

/// `check --format sarif` of a matrix where no duty has an `R`: one W301 per duty.
#[divan::bench(args = SIZES)]
fn sarif(bencher: Bencher, services: usize) {
    let path = matrix(services).with_extension("no-r.srm");
    if !path.exists() {
        let text = std::fs::read_to_string(matrix(services)).expect("read");
        std::fs::write(&path, text.replace(": R A\n", ": A\n")).expect("write");
    }
    let compilation = srmc::compile(&path, Default::default()).expect("compiles");
    assert!(compilation.warnings() >= services * 121 * 2);
    bencher.bench(|| srmc::render::sarif::render(&compilation.diagnostics, &compilation.sources));
}

#[divan::bench(args = SIZES)]
fn diff(bencher: Bencher, services: usize) {
    let old = compiled(services);
    let new = compiled(services);
    bencher.bench(|| srmc::diff::diff(&old, "old", &new, "new").expect("diffs"));
}

/// A customer matrix on 20 upstream matrices of 10 services each (72,600 upstream duties, 23,800
/// obligations, all taken up): every upstream compiled on its own, then the take-ups checked.
#[divan::bench]
fn check_with_20_upstreams(bencher: Bencher) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (customer, vendor) = srmc::synthetic::customer(20, 10);
    for u in 0..20 {
        std::fs::write(dir.path().join(format!("vendor{u}.srm")), &vendor).expect("write");
    }
    let path = dir.path().join("customer.srm");
    std::fs::write(&path, customer).expect("write");
    bencher.bench(|| {
        let compilation = srmc::compile(&path, Default::default()).expect("compiles");
        assert_eq!(compilation.errors(), 0);
        compilation
    });
}

/// The language server on the Nimbus example: a document opened in a session, as an editor
/// leaves it, and the position of `needle` in it.
fn lsp_session(text: &str) -> (srmc::lsp::Session, String) {
    let path = std::fs::canonicalize(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices/nimbus-saas-and-db.srm"),
    )
    .expect("the example");
    let uri = format!("file://{}", path.display());
    let mut session =
        srmc::lsp::Session::new(srmc::lsp::Encoding::Utf16, srmc::analyze::Limits::default());
    session.notified(lsp_server::Notification::new(
        "textDocument/didOpen".to_owned(),
        serde_json::json!({ "textDocument": { "uri": uri, "languageId": "srm", "version": 1, "text": text } }),
    ));
    (session, uri)
}

fn nimbus() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("matrices/nimbus-saas-and-db.srm"),
    )
    .expect("the example")
}

fn position_request(method: &str, uri: &str, text: &str, needle: &str) -> lsp_server::Request {
    let offset = text.find(needle).expect("the needle") + needle.len();
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    let character = text[start..offset].encode_utf16().count();
    lsp_server::Request::new(
        1.into(),
        method.to_owned(),
        serde_json::json!({
            "textDocument": { "uri": uri },
            "position": { "line": line, "character": character },
        }),
    )
}

/// A keystroke in the Nimbus example: compile it again and make its diagnostics.
#[divan::bench]
fn lsp_change_nimbus(bencher: Bencher) {
    let text = nimbus();
    let (mut session, uri) = lsp_session(&text);
    let edited = text.replacen("customer: I", "customer: C", 1);
    let mut version = 1;
    bencher.bench_local(|| {
        version += 1;
        let text = if version % 2 == 0 { &edited } else { &text };
        session.notified(lsp_server::Notification::new(
            "textDocument/didChange".to_owned(),
            serde_json::json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }],
            }),
        ))
    });
}

/// The first hover after a change (which indexes the names of the files), over a control id:
/// its title and the pair's owner per service.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn lsp_hover_nimbus(bencher: Bencher) {
    let text = nimbus();
    let (_, uri) = lsp_session(&text);
    let request = position_request("textDocument/hover", &uri, &text, "control 6.1");
    bencher
        .with_inputs(|| lsp_session(&text).0)
        .bench_local_refs(|session| session.answer(request.clone()));
}

/// Completion after `control`: every control of the catalog with its title.
#[divan::bench]
fn lsp_completion_nimbus(bencher: Bencher) {
    let text = nimbus() + "\ncontrol ";
    let (session, uri) = lsp_session(&text);
    let request = position_request("textDocument/completion", &uri, &text, "\ncontrol ");
    bencher.bench_local(|| session.answer(request.clone()));
}
