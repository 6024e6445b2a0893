//! The command line (docs/language.md, "Command line"). Exit status: 0 success, 1 findings, 2 could not run.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analyze::Limits;
use crate::catalog;
use crate::codes::Code;
use crate::diagnostics;
use crate::render::{self, Format};

#[derive(Parser, Debug)]
#[command(
    name = "srmc",
    version,
    about = "The shared-responsibility matrix compiler: checks who owns every cloud security control",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a matrix: every control owned by nobody or by both sides, every mistake in the file
    Check(CheckArgs),
    /// Render a checked matrix: contract annex (Markdown, HTML), RACI tables, JSON, Graphviz
    Build(BuildArgs),
    /// Show what changed in meaning between two versions of a matrix (files or Git `REV:PATH`)
    Diff(DiffArgs),
    /// Check that an annex (PDF, HTML, Markdown or JSON) was built from a matrix: exit 0 when its
    /// fingerprint is the matrix's, 1 when not, 2 when the annex carries none
    Verify(VerifyArgs),
    /// Make a `.srm` matrix of a spreadsheet (.csv, .xlsx, .xlsm, .ods): srmc's own xlsx and
    /// raci-csv as they are, any other layout through a mapping file
    Import(ImportArgs),
    /// Lay `.srm` files out one way: indentation, blank lines, trailing spaces (comments kept)
    Fmt {
        /// The files to format, in place; `-` reads standard input and writes standard output
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 if a file is not formatted
        #[arg(long)]
        check: bool,
        /// Largest file, in bytes
        #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
        max_file_bytes: u64,
    },
    /// Explain a diagnostic code (`srmc explain E203`), or one pair of a matrix
    /// (`srmc explain FILE --service ID --control ID`)
    Explain(ExplainArgs),
    /// List the built-in catalogs and baselines, or show one: a catalog's controls, a
    /// baseline's duties per control
    Catalog {
        /// A catalog id such as iso27017, or a baseline id such as std-saas
        id: Option<String>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
    },
    /// Print a completion script for a shell (`srmc completions bash > /etc/bash_completion.d/srmc`)
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (`srmc man > srmc.1`)
    Man,
    /// Write a starting matrix that checks clean (asks on a terminal for what flags leave out)
    Init(InitArgs),
    /// Run the language server on standard input and output (for editors)
    Lsp {
        /// Accepted for editors that pass it; standard input and output is the only transport
        #[arg(long)]
        stdio: bool,
        /// Largest file, in bytes: smaller than the other commands', since every keystroke
        /// compiles the file again (a paste past it is one diagnostic)
        #[arg(long, value_name = "BYTES", default_value_t = crate::lsp::MAX_FILE_BYTES)]
        max_file_bytes: u64,
    },
    /// Preview the HTML annex on 127.0.0.1, rendered again and reloaded on every change
    Serve(ServeArgs),
}

/// `srmc init`'s arguments.
#[derive(Args, Debug)]
struct InitArgs {
    /// The matrix's title
    #[arg(long)]
    title: Option<String>,
    /// The provider's name (its id is made from the first word)
    #[arg(long, value_name = "NAME")]
    provider: Option<String>,
    /// The customer's name
    #[arg(long, value_name = "NAME")]
    customer: Option<String>,
    /// A service, as `NAME:MODEL` with MODEL one of iaas, paas, saas; repeat for more
    #[arg(long = "service", value_name = "NAME:MODEL", value_parser = crate::init::ServiceSpec::parse)]
    services: Vec<crate::init::ServiceSpec>,
    /// Where to write; `-` for standard output. An existing file is never overwritten.
    #[arg(short, long, value_name = "PATH", default_value = "matrix.srm")]
    output: PathBuf,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// The root `.srm` file
    file: PathBuf,
    /// The port on 127.0.0.1; 0 takes any free one (the address is printed)
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// What the page shows: the HTML annex
    #[arg(long, value_enum, default_value_t = PreviewFormat::Html)]
    format: PreviewFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PreviewFormat {
    Html,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The root `.srm` file; imports are read relative to it
    file: PathBuf,
    #[arg(long, value_enum, default_value_t = CheckReport::Human)]
    format: CheckReport,
    /// Exit 1 on warnings too
    #[arg(long)]
    deny_warnings: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The old version: a file, or `REV:PATH` read from Git (e.g. `main:matrix.srm`)
    old: String,
    /// The new version: a file, or `REV:PATH`
    new: String,
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    format: DiffFormat,
    /// Exit 1 when there is any change, 0 when there is none (errors exit 2)
    #[arg(long)]
    exit_code: bool,
    /// Where to write; `-` or nothing for standard output. Written whole or not at all.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// A directory whose templates (`diff.md.hbs`, `diff.html.hbs`) replace the built-in ones
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Markdown,
    Json,
    Html,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// A code such as E203, or a matrix file with --service and --control; nothing lists every
    /// code
    target: Option<String>,
    /// The service of the pair to explain
    #[arg(long, requires = "control")]
    service: Option<String>,
    /// The control of the pair to explain
    #[arg(long, requires = "service")]
    control: Option<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args, Debug)]
struct BuildArgs {
    /// The root `.srm` file
    file: PathBuf,
    #[arg(long, value_parser = format_parser())]
    format: Format,
    /// Where to write; `-` or nothing for standard output. Written whole or not at all.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// With raci-csv: a byte-order mark and ids kept from date conversion, for Excel to open by
    /// double-click
    #[arg(long)]
    excel: bool,
    /// Render even with errors: every gap and conflict is listed first and marked where it is
    #[arg(long)]
    allow_gaps: bool,
    /// A directory whose templates (by file name, e.g. `annex.html.hbs`) replace the built-in ones
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Only what concerns this party or team: the pairs where it holds a letter, and in them
    /// only those duties (the customer responsibility matrix to hand one party)
    #[arg(long, value_name = "ID")]
    party: Option<String>,
    /// With `--format dot`: every duty and party, not the services → domains overview
    #[arg(long)]
    detail: bool,
    /// Largest output, in bytes: a larger rendering is refused and nothing is written
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024 * 1024)]
    max_output_bytes: u64,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// The annex: a file written by `srmc build` (`--format pdf`, `html`, `markdown` or `json`)
    annex: PathBuf,
    /// The root `.srm` file of the matrix it should be of
    matrix: PathBuf,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// The spreadsheet
    file: PathBuf,
    /// Where to write the matrix (with --init-map, the mapping); `-` or nothing for standard
    /// output. Written whole or not at all.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// A mapping file (TOML) that says which column holds what
    #[arg(long, value_name = "FILE", conflicts_with = "init_map")]
    map: Option<PathBuf>,
    /// Write a starting mapping guessed from the header row instead of importing
    #[arg(long)]
    init_map: bool,
    /// With --init-map: the sheet to guess from (the first one by default)
    #[arg(long, value_name = "NAME", requires = "init_map")]
    sheet: Option<String>,
    /// Most rows in one sheet
    #[arg(long, value_name = "N", default_value_t = crate::import::Bounds::default().max_rows)]
    max_rows: usize,
    /// Largest spreadsheet file, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = crate::import::Bounds::default().max_file_bytes)]
    max_file_bytes: u64,
}

#[derive(Args, Debug)]
struct LimitArgs {
    /// Largest input file, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
    max_file_bytes: u64,
    /// Largest sum of the root file and all its imports, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_total_bytes)]
    max_total_bytes: u64,
    /// Most files in one matrix, the root file included
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_files)]
    max_files: usize,
    /// Longest string or text block, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_string_bytes)]
    max_string_bytes: usize,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_bytes,
            max_total_bytes: self.max_total_bytes,
            max_files: self.max_files,
            max_string_bytes: self.max_string_bytes,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
}

/// `check`'s formats: [`CheckFormat`]'s, and SARIF for code-scanning services.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CheckReport {
    Human,
    Json,
    /// SARIF 2.1.0
    Sarif,
}

/// `--format` of `build`: the names of [`Format`], with clap's list of them in errors and help.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Format::ALL.map(Format::name)).map(|name| {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == name)
            .expect("a possible value")
    })
}

/// Colour only for a terminal, and never with `NO_COLOR` set.
fn use_color(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn print(text: &str) -> ExitCode {
    print_bytes(text.as_bytes())
}

fn print_bytes(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`srmc check … | head`) is not an error worth a message.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => fail(&format!("cannot write the output: {error}")),
    }
}

/// Whether the arguments ask for JSON: then even a failure to run is a JSON object on standard
/// output, so that a script reading it always has one to read.
fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.windows(2)
        .any(|pair| pair[0] == "--format" && pair[1] == "json")
        || args.iter().any(|arg| arg == "--format=json")
}

pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) if wants_json(&args) && error.use_stderr() => {
            // clap's message up to its usage lines, on one line.
            let message = error.to_string();
            let words: Vec<&str> = message
                .lines()
                .take_while(|line| !line.trim().is_empty())
                .map(str::trim)
                .collect();
            return fail_json(words.join(" ").trim_start_matches("error: "));
        }
        Err(error) => error.exit(),
    };
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Build(args) => build(args),
        Command::Diff(args) => diff(args),
        Command::Verify(args) => verify(&args),
        Command::Import(args) => import(args),
        Command::Fmt {
            files,
            check,
            max_file_bytes,
        } => fmt(&files, check, max_file_bytes),
        Command::Explain(args) => explain(&args),
        Command::Catalog { id, format } => {
            let json = format == CheckFormat::Json;
            match id {
                None => print(&catalog::list(json)),
                Some(id) => match catalog::describe(&id, json) {
                    Some(text) => print(&text),
                    None => fail_as(
                        json,
                        &format!(
                            "no built-in catalog or baseline `{id}`; `srmc catalog` lists them"
                        ),
                    ),
                },
            }
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command, "srmc", &mut out);
            print(&String::from_utf8_lossy(&out))
        }
        Command::Init(InitArgs {
            title,
            provider,
            customer,
            services,
            output,
        }) => crate::init::run(crate::init::Given {
            title,
            provider,
            customer,
            services,
            output,
        }),
        Command::Serve(ServeArgs {
            file,
            port,
            // The one format there is.
            format: PreviewFormat::Html,
        }) => crate::serve::run(&file, port),
        Command::Lsp {
            stdio: _,
            max_file_bytes,
        } => crate::lsp::run(Limits {
            max_file_bytes,
            ..Limits::default()
        }),
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            match clap_mangen::Man::new(command).render(&mut out) {
                Ok(()) => print(&String::from_utf8_lossy(&out)),
                Err(error) => fail(&format!("cannot render the manual page: {error}")),
            }
        }
    }
}

/// A failure to run, as JSON on standard output (exit 2).
fn fail_json(message: &str) -> ExitCode {
    let _ = print(&json_text(&serde_json::json!({ "error": message })));
    ExitCode::from(2)
}

fn fail_as(json: bool, message: &str) -> ExitCode {
    if json {
        fail_json(message)
    } else {
        fail(message)
    }
}

fn json_text(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON serializes");
    text.push('\n');
    text
}

fn explain_code(code: Code, json: bool) -> String {
    if json {
        return json_text(&code_json(code, true));
    }
    format!(
        "{code} ({}): {}\n\n{}\n",
        code.severity(),
        code.summary(),
        code.explanation()
    )
}

#[derive(serde::Serialize)]
struct CodeJson {
    code: Code,
    severity: crate::diagnostics::Severity,
    summary: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'static str>,
}

fn code_json(code: Code, explanation: bool) -> CodeJson {
    CodeJson {
        code,
        severity: code.severity(),
        summary: code.summary(),
        explanation: explanation.then(|| code.explanation()),
    }
}

/// `srmc explain` alone: every code with its severity and summary.
fn list_codes(json: bool) -> String {
    if json {
        let codes: Vec<CodeJson> = Code::ALL
            .iter()
            .map(|&code| code_json(code, false))
            .collect();
        return json_text(&serde_json::json!({ "codes": codes }));
    }
    let mut out = String::new();
    for code in Code::ALL {
        out.push_str(&format!(
            "{code}  {:<7}  {}\n",
            code.severity().as_str(),
            code.summary()
        ));
    }
    out.push_str("\n`srmc explain CODE` tells what one means and how to fix it.\n");
    out
}

/// Compiles for a command that exits once it has written its output: the compilation is leaked,
/// not dropped. Freeing a large matrix's model piece by piece took a tenth of `srmc check`'s
/// time, and the process's memory goes back to the system at exit anyway.
fn compile_until_exit(
    path: &std::path::Path,
    name: Option<&str>,
    limits: crate::analyze::Limits,
) -> Result<&'static crate::Compilation, String> {
    let name = name.map_or_else(|| path.display().to_string(), str::to_owned);
    let compilation = crate::compile_named(path, &name, limits).map_err(|error| error.0)?;
    Ok(Box::leak(Box::new(compilation)))
}

fn check(args: &CheckArgs) -> ExitCode {
    let compilation = match compile_until_exit(&args.file, None, args.limits.limits()) {
        Ok(compilation) => compilation,
        Err(error) if args.format == CheckReport::Json => {
            // The shape of a run that found nothing, so that a reader of the spec's keys finds
            // them, and the reason it could not run.
            #[derive(serde::Serialize)]
            struct NotRun {
                diagnostics: [(); 0],
                summary: diagnostics::Summary,
                error: String,
            }
            let _ = print(&json_text(&NotRun {
                diagnostics: [],
                summary: diagnostics::Summary::default(),
                error,
            }));
            return ExitCode::from(2);
        }
        Err(error) => return fail(&error),
    };
    let output = match args.format {
        CheckReport::Json => {
            diagnostics::render_json(&compilation.diagnostics, &compilation.sources)
        }
        CheckReport::Sarif => render::sarif::render(&compilation.diagnostics, &compilation.sources),
        CheckReport::Human => diagnostics::render_human(
            &compilation.diagnostics,
            &compilation.sources,
            use_color(std::io::stdout().is_terminal()),
        ),
    };
    let printed = print(&output);
    if printed != ExitCode::SUCCESS {
        return printed;
    }
    if compilation.errors() > 0 || (args.deny_warnings && compilation.warnings() > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn build(mut args: BuildArgs) -> ExitCode {
    if args.detail {
        if args.format != Format::Dot {
            return fail("--detail goes with --format dot");
        }
        args.format = Format::DotDetail;
    }
    let output = args
        .output
        .filter(|path| path.as_os_str() != crate::files::STDIO);
    // JSON on standard output: a failure to run is JSON too.
    let json = args.format == Format::Json && output.is_none();
    let fail = |message: &str| fail_as(json, message);
    if args.excel && args.format != Format::RaciCsv {
        return fail("--excel shapes the raci-csv format only; give --format raci-csv");
    }
    let compilation = match compile_until_exit(&args.file, None, args.limits.limits()) {
        Ok(compilation) => compilation,
        Err(error) => return fail(&error),
    };
    if let Some(path) = &output {
        if let Some(input) = is_an_input(path, &[&compilation.sources]) {
            return fail(&input);
        }
    }
    let report = |to_stderr: bool| {
        if !compilation.diagnostics.is_empty() && to_stderr {
            eprint_findings(compilation);
        }
    };
    if compilation.checked.is_none() || (compilation.errors() > 0 && !args.allow_gaps) {
        report(true);
        if compilation.checked.is_some() {
            eprintln!(
                "error: the matrix has errors; fix them, or render them marked with --allow-gaps"
            );
        }
        return ExitCode::from(1);
    }
    report(true);
    let templates = args.templates.as_deref();
    let party = args.party.as_deref();
    if args.excel {
        let mut bytes = Vec::new();
        let rendered = render::render_for_excel_to(
            compilation,
            args.format,
            templates,
            party,
            true,
            &mut bytes,
        );
        return match (rendered, output) {
            (Err(error), _) => fail(&error.to_string()),
            (Ok(_), None) => print(&String::from_utf8_lossy(&bytes)),
            (Ok(fingerprint), Some(path)) => {
                match crate::files::write_with(&path, |out| out.write_all(&bytes)) {
                    Ok(()) => {
                        eprintln!("wrote {} (fingerprint {fingerprint})", path.display());
                        ExitCode::SUCCESS
                    }
                    Err(error) => fail(&format!(
                        "cannot write `{}`: {}",
                        path.display(),
                        crate::files::io_reason(&error)
                    )),
                }
            }
        };
    }
    let render = |out: &mut dyn std::io::Write| {
        let mut bounded = crate::files::Bounded::new(out, args.max_output_bytes);
        render::render_part_to(compilation, args.format, templates, party, &mut bounded)
    };
    let Some(path) = output else {
        if args.format.is_binary() {
            return print_binary(compilation, args.format, templates, party);
        }
        // Standard output gets the document whole or not at all: a broken template override
        // or an output over the limit fails before anything is printed.
        let mut text = Vec::new();
        return match render(&mut text) {
            Ok(_) => print_bytes(&text),
            Err(render::RenderError::Write(error)) => fail(&error.to_string()),
            Err(error) => fail(&error.to_string()),
        };
    };
    let written = crate::files::write_with(&path, render);
    match written {
        Ok(fingerprint) => {
            eprintln!("wrote {} (fingerprint {fingerprint})", path.display());
            ExitCode::SUCCESS
        }
        Err(render::RenderError::Rendering(error)) => fail(&error),
        Err(render::RenderError::Write(error)) => {
            fail(&format!("cannot write `{}`: {error}", path.display()))
        }
    }
}

/// A binary rendering on standard output: refused on a terminal, where it would only garble
/// the screen; whole or not at all otherwise (a pipe, a redirection).
fn print_binary(
    compilation: &crate::Compilation,
    format: Format,
    templates: Option<&std::path::Path>,
    party: Option<&str>,
) -> ExitCode {
    if std::io::stdout().is_terminal() {
        return fail(&format!(
            "`--format {}` writes a binary file: give it a path with `-o FILE`, or redirect standard output",
            format.name()
        ));
    }
    let mut bytes = Vec::new();
    if let Err(error) = render::render_part_to(compilation, format, templates, party, &mut bytes) {
        return fail(&error.to_string());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => fail(&format!("cannot write the output: {error}")),
    }
}

/// A compilation's findings on standard error, as `check` prints them.
fn eprint_findings(compilation: &crate::Compilation) {
    eprint!(
        "{}",
        diagnostics::render_human(
            &compilation.diagnostics,
            &compilation.sources,
            use_color(std::io::stderr().is_terminal()),
        )
    );
}

/// `srmc verify`: the annex's fingerprint against the matrix's.
fn verify(args: &VerifyArgs) -> ExitCode {
    let shown =
        |path: &std::path::Path| crate::source::printable(&path.display().to_string()).into_owned();
    let (annex, matrix) = (shown(&args.annex), shown(&args.matrix));
    let bytes = match crate::files::read_regular(&args.annex, crate::verify::ANNEX_LIMIT) {
        Ok(bytes) => bytes,
        Err(reason) => return fail(&format!("cannot read `{annex}`: {reason}")),
    };
    let mark = match crate::verify::read_mark(&bytes) {
        Ok(mark) => mark,
        Err(reason) => return fail(&format!("`{annex}` cannot be verified: {reason}")),
    };
    let compilation = match compile_until_exit(&args.matrix, None, args.limits.limits()) {
        Ok(compilation) => compilation,
        Err(error) => return fail(&error),
    };
    let Some(checked) = &compilation.checked else {
        eprint_findings(compilation);
        return fail(&format!(
            "`{matrix}` could not be compiled, so it has no fingerprint to compare"
        ));
    };
    let fingerprint = crate::published::fingerprint(&checked.model, &checked.graph);
    let extract = match &mark.extract_for {
        Some(party) => format!(
            " It is an extract for `{}`: the fingerprint is the whole matrix's.",
            crate::source::printable(party)
        ),
        None => String::new(),
    };
    if mark.fingerprint == fingerprint {
        let _ = print(&format!(
            "`{annex}` ({} annex) is of `{matrix}`: both have the fingerprint {fingerprint}.{extract}\n",
            mark.kind.name()
        ));
        ExitCode::SUCCESS
    } else {
        let _ = print(&format!(
            "`{annex}` ({} annex) is not of `{matrix}` as it is now: the fingerprints differ.{extract}\n  annex:  {}\n  matrix: {fingerprint}\n",
            mark.kind.name(),
            mark.fingerprint
        ));
        ExitCode::from(1)
    }
}

/// Never overwrite what was read: the matrix is the source of what is written. The message when
/// `path` is one of the inputs.
fn is_an_input(path: &std::path::Path, inputs: &[&crate::source::Sources]) -> Option<String> {
    let target = std::fs::canonicalize(path).ok()?;
    inputs
        .iter()
        .any(|sources| sources.find_path(&target).is_some())
        .then(|| {
            format!(
                "`{}` is an input of this matrix; choose another output path",
                path.display()
            )
        })
}

fn explain(args: &ExplainArgs) -> ExitCode {
    let json = args.format == CheckFormat::Json;
    let Some(target) = &args.target else {
        return print(&list_codes(json));
    };
    let (Some(service), Some(control)) = (&args.service, &args.control) else {
        return match Code::parse(target) {
            Some(code) => print(&explain_code(code, json)),
            None => fail_as(
                json,
                &format!(
                    "`{target}` is not a diagnostic code of srmc (`srmc explain` lists them); to explain a pair, give a file with --service and --control"
                ),
            ),
        };
    };
    let path = std::path::Path::new(target);
    let compilation = match compile_until_exit(path, None, args.limits.limits()) {
        Ok(compilation) => compilation,
        Err(error) => return fail_as(json, &error),
    };
    match render::explain::explain_pair(compilation, service, control, json) {
        Ok(text) => print(&text),
        Err(error) => fail_as(json, &error),
    }
}

fn diff(args: DiffArgs) -> ExitCode {
    let output = args
        .output
        .filter(|path| path.as_os_str() != crate::files::STDIO);
    let json = args.format == DiffFormat::Json && output.is_none();
    // File names and Git's words may hold control characters: a terminal sees them as pictures.
    let fail = |message: &str| match json {
        true => fail_as(true, message),
        false => fail_as(false, &crate::source::printable(message)),
    };
    let limits = args.limits.limits();
    if stdin_side(&args.old) && stdin_side(&args.new) {
        return fail(
            "standard input holds one version only: give the other one as a file, or as `REV:PATH` from Git",
        );
    }
    let load = |spec: &str| -> Result<(&crate::Compilation, Option<crate::git::Checkout>), String> {
        if stdin_side(spec) {
            let compilation = compile_until_exit(
                std::path::Path::new(crate::files::STDIO),
                Some(spec),
                limits,
            )?;
            return Ok((compilation, None));
        }
        // A pipe named by a path (`<(git show …)`) has no place on disk for imports to be read
        // from, and the loader would only find no such file.
        let path = std::path::Path::new(spec);
        if path.exists() && std::fs::canonicalize(path).is_err() {
            return Err(format!(
                "cannot read `{spec}`: it is a pipe, not a file; write that version to a file, pass it as `-` on standard input, or give it as `REV:PATH` from Git"
            ));
        }
        let checkout = crate::git::checkout(spec, limits)?;
        let path = checkout
            .as_ref()
            .map_or_else(|| PathBuf::from(spec), |c| c.root.clone());
        let compilation = compile_until_exit(&path, Some(spec), limits)?;
        Ok((compilation, checkout))
    };
    let (old, _old_checkout) = match load(&args.old) {
        Ok(loaded) => loaded,
        Err(error) => return fail(&error),
    };
    let (new, _new_checkout) = match load(&args.new) {
        Ok(loaded) => loaded,
        Err(error) => return fail(&error),
    };
    let Some(diff) = crate::diff::diff(old, &args.old, new, &args.new) else {
        let side = if old.checked.is_none() {
            &args.old
        } else {
            &args.new
        };
        return fail(&format!(
            "`{side}` has no matrix header to compare; `srmc check {side}` says why"
        ));
    };
    let text = match args.format {
        DiffFormat::Json => Ok(render::diff::json(&diff)),
        DiffFormat::Markdown => render::diff::markdown(&diff, args.templates.as_deref()),
        DiffFormat::Html => render::diff::html(&diff, args.templates.as_deref()),
    };
    let text = match text {
        Ok(text) => text,
        Err(error) => return fail(&error),
    };
    let written = match &output {
        None => print(&text),
        Some(path) => {
            let inputs = [&old.sources, &new.sources];
            if let Some(input) = is_an_input(path, &inputs) {
                return fail(&input);
            }
            match crate::files::write_whole(path, &text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&format!(
                    "cannot write `{}`: {}",
                    path.display(),
                    crate::files::io_reason(&error)
                )),
            }
        }
    };
    if written != ExitCode::SUCCESS {
        return written;
    }
    if args.exit_code && !diff.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn import(args: ImportArgs) -> ExitCode {
    // File names may hold control characters: a terminal sees them as pictures.
    let fail = |message: &str| fail(&crate::source::printable(message));
    let bounds = crate::import::Bounds {
        max_rows: args.max_rows,
        max_file_bytes: args.max_file_bytes,
        ..crate::import::Bounds::default()
    };
    let output = args
        .output
        .filter(|path| path.as_os_str() != crate::files::STDIO);
    if let Some(path) = &output {
        let same = std::fs::canonicalize(path)
            .ok()
            .zip(std::fs::canonicalize(&args.file).ok())
            .is_some_and(|(a, b)| a == b);
        if same {
            return fail(&format!(
                "`{}` is the spreadsheet being imported; choose another output path",
                path.display()
            ));
        }
    }
    let shown = args.file.display().to_string();
    let text = if args.init_map {
        match crate::import::table::read(&args.file, bounds).and_then(|(_, sheets)| {
            crate::import::mapped::guess(&sheets, args.sheet.as_deref(), &shown)
        }) {
            Ok(text) => text,
            Err(error) => return fail(&error),
        }
    } else {
        let map = match &args.map {
            None => None,
            Some(path) => match crate::files::read_regular(path, 1 << 20)
                .map_err(|reason| reason.to_string())
                .and_then(|bytes| {
                    crate::files::decode(bytes).map_err(|_| "it is not UTF-8 text".to_owned())
                }) {
                Ok(text) => Some(text),
                Err(reason) => return fail(&format!("cannot read `{}`: {reason}", path.display())),
            },
        };
        let options = crate::import::Options { bounds, map };
        let outcome = match crate::import::import(&args.file, &options) {
            Ok(outcome) => outcome,
            Err(error) => return fail(&error),
        };
        for report in &outcome.reports {
            eprintln!(
                "{}: {}, {}: {}",
                if report.at.row == 0 {
                    "note"
                } else {
                    "finding"
                },
                crate::source::printable(&shown),
                crate::source::printable(&report.at.to_string()),
                crate::source::printable(&report.message)
            );
        }
        let written = write_text(output.as_deref(), &outcome.srm);
        if written != ExitCode::SUCCESS {
            return written;
        }
        let whereto = output
            .as_ref()
            .map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
        eprintln!(
            "imported `{}` ({} rows read) into {whereto}; {} reported",
            crate::source::printable(&shown),
            outcome.rows,
            outcome.reports.len()
        );
        return if outcome.reports.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    };
    write_text(output.as_deref(), &text)
}

/// Text to a file given with -o (whole or not at all) or to standard output.
fn write_text(output: Option<&Path>, text: &str) -> ExitCode {
    match output {
        None => print(text),
        Some(path) => match crate::files::write_whole(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(&format!(
                "cannot write `{}`: {}",
                path.display(),
                crate::files::io_reason(&error)
            )),
        },
    }
}

/// Whether a side of `diff` is standard input: `-`, or `/dev/stdin` (and its other names) when
/// it is not a file (a pipe, a terminal), which is then read as `-` is.
fn stdin_side(spec: &str) -> bool {
    spec == crate::files::STDIO
        || (matches!(spec, "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0")
            && !std::fs::canonicalize(spec).is_ok_and(|path| path.is_file()))
}

/// What became of one file given to `fmt`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum FmtOutcome {
    Done,
    /// Not formatted (`--check`), or left alone because it is not valid `.srm`: exit 1.
    Findings,
    /// Could not be read or written, or formatting would have changed its meaning: exit 2.
    Failed,
}

/// `srmc fmt`: each file on its own, so one that cannot be formatted leaves the others to be.
fn fmt(files: &[PathBuf], check: bool, max_file_bytes: u64) -> ExitCode {
    let worst = files
        .iter()
        .map(|path| fmt_one(path, check, max_file_bytes))
        .max()
        .unwrap_or(FmtOutcome::Done);
    ExitCode::from(match worst {
        FmtOutcome::Done => 0,
        FmtOutcome::Findings => 1,
        FmtOutcome::Failed => 2,
    })
}

fn fmt_one(path: &std::path::Path, check: bool, max_file_bytes: u64) -> FmtOutcome {
    let stdio = path.as_os_str() == crate::files::STDIO;
    let shown = if stdio {
        "<stdin>".to_owned()
    } else {
        // Printed in messages: control characters in a file name show as pictures.
        crate::source::printable(&path.display().to_string()).into_owned()
    };
    let failed = |message: String| {
        eprintln!("error: {message}");
        FmtOutcome::Failed
    };
    let read = if stdio {
        crate::files::read_stdin(max_file_bytes)
    } else {
        crate::files::read_regular(path, max_file_bytes)
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(reason) => return failed(format!("cannot read `{shown}`: {reason}")),
    };
    // The byte-order mark is kept as it was: `fmt` changes the layout, not the encoding.
    let bom = if crate::files::has_bom(&bytes) {
        "\u{feff}"
    } else {
        ""
    };
    let mut sources = crate::source::Sources::new();
    let report = |sources: &crate::source::Sources, problems: &[crate::diagnostics::Diagnostic]| {
        let color = use_color(std::io::stderr().is_terminal());
        eprint!("{}", diagnostics::render_human(problems, sources, color));
    };
    let text = match crate::files::decode(bytes) {
        Ok(text) => text,
        Err(not_utf8) => {
            let file = sources.add(crate::source::SourceFile::new(
                shown.clone(),
                None,
                not_utf8.valid,
            ));
            report(
                &sources,
                &[crate::analyze::load::not_utf8(file, not_utf8.at)],
            );
            eprintln!("error: `{shown}` was left as it is: it is not UTF-8 text");
            return FmtOutcome::Findings;
        }
    };
    let file = sources.add(crate::source::SourceFile::new(
        shown.clone(),
        None,
        text.clone(),
    ));
    let parsed = crate::syntax::parse(file, &text);
    if !parsed.whole {
        let syntax_errors: Vec<_> = parsed
            .diagnostics
            .into_iter()
            .filter(|d| d.code == Code::E001)
            .collect();
        report(&sources, &syntax_errors);
        eprintln!("error: `{shown}` was left as it is: it does not parse");
        return FmtOutcome::Findings;
    }
    let formatted = crate::format::format_source(&text);
    if formatted != text {
        // The layout may change, the meaning may not: the formatted text must parse to the same
        // tree (spans aside) with the same comments.
        let again = crate::syntax::parse(file, &formatted);
        let same = again.whole
            && crate::format::says_the_same(&parsed.tree, &text, &again.tree, &formatted);
        if !same {
            return failed(format!(
                "formatting `{shown}` would change what it says; it was left as it is (please report this)"
            ));
        }
    }
    let unchanged = formatted == text;
    let output = format!("{bom}{formatted}");
    if stdio {
        if check {
            return if unchanged {
                FmtOutcome::Done
            } else {
                println!("{shown}: not formatted");
                FmtOutcome::Findings
            };
        }
        return match print(&output) {
            code if code == ExitCode::SUCCESS => FmtOutcome::Done,
            _ => FmtOutcome::Failed,
        };
    }
    if unchanged {
        FmtOutcome::Done
    } else if check {
        println!("{shown}: not formatted");
        FmtOutcome::Findings
    } else if let Err(error) = crate::files::write_whole(path, &output) {
        failed(format!(
            "cannot write `{shown}`: {}",
            crate::files::io_reason(&error)
        ))
    } else {
        eprintln!("formatted {shown}");
        FmtOutcome::Done
    }
}
