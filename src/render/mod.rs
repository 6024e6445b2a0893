//! Stage 5: renderings of a checked matrix. Every format reads the one `View` (`view.rs`); the
//! document formats go through the handlebars templates of `output-templates/`.

pub(crate) mod annex;
pub(crate) mod csv;
pub mod diff;
pub(crate) mod explain;
pub(crate) mod json;
pub(crate) mod markdown;
pub mod oscal;
#[cfg(feature = "pdf")]
pub(crate) mod pdf;
pub mod sarif;
pub(crate) mod templates;
pub(crate) mod view;
pub(crate) mod xlsx;

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::Compilation;
use templates::Escape;
use view::{DutyView, MatrixView, PartyView, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    RaciMarkdown,
    RaciCsv,
    Json,
    Dot,
    /// `dot --detail`: every duty and party (not a `--format` name of its own).
    DotDetail,
    OscalSsp,
    Xlsx,
    /// The annex as a PDF (cargo feature `pdf`).
    Pdf,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 9] = [
        Format::Markdown,
        Format::Html,
        Format::RaciMarkdown,
        Format::RaciCsv,
        Format::Json,
        Format::Dot,
        Format::OscalSsp,
        Format::Xlsx,
        Format::Pdf,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::RaciMarkdown => "raci-markdown",
            Format::RaciCsv => "raci-csv",
            Format::Json => "json",
            Format::Dot | Format::DotDetail => "dot",
            Format::OscalSsp => "oscal-ssp",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    /// Bytes, not text: never printed on a terminal, never a `String`.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Xlsx | Format::Pdf)
    }
}

/// One row of a per-service RACI table: a duty, or a pair without duties.
#[derive(Serialize)]
struct RaciRow<'a> {
    service: &'a str,
    control: &'a str,
    duty: Option<&'a DutyView>,
    exclusion: Option<&'a str>,
    ownership: &'static str,
    gap: bool,
    letters: Vec<&'a str>,
    edges: Vec<Edge<'a>>,
}

#[derive(Serialize)]
struct Edge<'a> {
    party: &'a str,
    letters: &'a str,
}

#[derive(Serialize)]
struct RaciService<'a> {
    id: &'a str,
    name: &'a str,
    model_label: &'a str,
    /// The parties holding a letter in one of the service's duties: the table's columns (a
    /// column per party of the matrix would grow the output as parties × pairs).
    columns: Vec<&'a PartyView>,
    rows: Vec<RaciRow<'a>>,
}

/// The view regrouped by service, for the RACI tables and the graph.
#[derive(Serialize)]
struct RaciView<'a> {
    matrix: &'a MatrixView,
    parties: &'a [PartyView],
    services: Vec<RaciService<'a>>,
}

impl<'a> RaciView<'a> {
    fn new(view: &'a View) -> Self {
        let mut services: Vec<RaciService> = view
            .services
            .iter()
            .map(|s| RaciService {
                id: &s.id,
                name: &s.name,
                model_label: s.model_label,
                columns: Vec::new(),
                rows: Vec::new(),
            })
            .collect();
        for (index, (service, _, control, pair)) in (0..view.services.len())
            .flat_map(|index| view.pairs_of(index).map(move |pair| (index, pair)))
        {
            let rows = &mut services[index].rows;
            let row = |duty: Option<&'a DutyView>| RaciRow {
                service: &service.id,
                control: &control.id,
                duty,
                exclusion: pair.exclusion.as_deref(),
                ownership: pair.ownership.label,
                gap: pair.ownership.gap,
                letters: duty.map_or_else(
                    || vec![""; view.parties.len()],
                    |d| d.letters.iter().map(String::as_str).collect(),
                ),
                edges: duty.map_or_else(Vec::new, |d| {
                    view.parties
                        .iter()
                        .zip(&d.letters)
                        .filter(|(_, l)| !l.is_empty())
                        .map(|(p, l)| Edge {
                            party: &p.id,
                            letters: l,
                        })
                        .collect()
                }),
            };
            if pair.duties.is_empty() {
                rows.push(row(None));
            } else {
                rows.extend(pair.duties.iter().map(|d| row(Some(d))));
            }
        }
        for service in &mut services {
            let used: Vec<usize> = (0..view.parties.len())
                .filter(|&p| service.rows.iter().any(|r| !r.letters[p].is_empty()))
                .collect();
            for row in &mut service.rows {
                row.letters = used.iter().map(|&p| row.letters[p]).collect();
            }
            service.columns = used.iter().map(|&p| &view.parties[p]).collect();
        }
        RaciView {
            matrix: &view.matrix,
            parties: &view.parties,
            services,
        }
    }
}

/// The overview graph of `dot`: services → domains, an edge per service and domain.
#[derive(Serialize)]
struct OverviewGraph<'a> {
    matrix: &'a MatrixView,
    services: &'a [view::ServiceView],
    domains: Vec<&'a view::DomainSummary>,
    edges: Vec<GraphEdge<'a>>,
}

#[derive(Serialize)]
struct GraphEdge<'a> {
    service: &'a str,
    domain: &'a str,
    label: String,
    /// 1 to 6, in proportion to the pairs of the edge against the largest edge.
    penwidth: String,
    colour: &'static str,
    gap: bool,
}

impl<'a> OverviewGraph<'a> {
    fn new(view: &'a View) -> Self {
        use crate::graph::Ownership;
        let largest = view
            .heat
            .iter()
            .flatten()
            .map(|counts| counts.iter().sum::<usize>())
            .max()
            .unwrap_or(0)
            .max(1);
        let gaps = [Ownership::Conflict, Ownership::Unowned]
            .map(|w| Ownership::ALL.iter().position(|o| *o == w).unwrap_or(0));
        let mut edges = Vec::new();
        for (summary, cells) in view.summary.iter().zip(&view.heat) {
            for (service, counts) in view.services.iter().zip(cells) {
                let pairs: usize = counts.iter().sum();
                if pairs == 0 {
                    continue;
                }
                let gap = gaps.iter().any(|&g| counts[g] > 0);
                let dominant = (0..counts.len()).max_by_key(|&w| counts[w]).unwrap_or(0);
                edges.push(GraphEdge {
                    service: &service.id,
                    domain: &summary.id,
                    label: annex::mix(counts),
                    penwidth: format!("{:.1}", 1.0 + 5.0 * pairs as f64 / largest as f64),
                    colour: if gap {
                        "#c0392b"
                    } else {
                        annex::colour(Ownership::ALL[dominant])
                    },
                    gap,
                });
            }
        }
        OverviewGraph {
            matrix: &view.matrix,
            services: &view.services,
            domains: view
                .summary
                .iter()
                .filter(|s| s.counts.iter().any(|&n| n > 0))
                .collect(),
            edges,
        }
    }
}

/// Renders a compiled matrix. Errors are template errors (a broken override).
pub fn render(
    compilation: &Compilation,
    format: Format,
    templates_dir: Option<&Path>,
) -> Result<String, String> {
    render_document(compilation, format, templates_dir, None).map(|document| document.text)
}

/// A rendering with the fingerprint of the matrix it renders.
pub struct Document {
    pub text: String,
    pub fingerprint: String,
}

/// [`render`], keeping the fingerprint the view computed (it is not cheap on a large matrix).
pub fn render_document(
    compilation: &Compilation,
    format: Format,
    templates_dir: Option<&Path>,
    party: Option<&str>,
) -> Result<Document, String> {
    if format.is_binary() {
        return Err(format!(
            "`{}` is a binary format, not text: write it to a file with -o",
            format.name()
        ));
    }
    let mut text = Vec::new();
    let fingerprint = render_part_to(compilation, format, templates_dir, party, &mut text)
        .map_err(|error| error.to_string())?;
    Ok(Document {
        text: String::from_utf8(text).expect("every text rendering is UTF-8"),
        fingerprint,
    })
}

/// Renders into `out` as the document is made, never holding all of it (a large matrix's annex
/// runs to tens of megabytes); returns the fingerprint of the matrix.
pub fn render_to(
    compilation: &Compilation,
    format: Format,
    templates_dir: Option<&Path>,
    out: &mut dyn Write,
) -> Result<String, RenderError> {
    render_part_to(compilation, format, templates_dir, None, out)
}

/// [`render_to`], or with `party` a party's extract: only what concerns that party or team (the
/// pairs where it holds a letter, and in them only those duties). The fingerprint returned and
/// shown is the whole matrix's, marked as the matrix the extract is of.
pub fn render_part_to(
    compilation: &Compilation,
    format: Format,
    templates_dir: Option<&Path>,
    party: Option<&str>,
    out: &mut dyn Write,
) -> Result<String, RenderError> {
    render_for_excel_to(compilation, format, templates_dir, party, false, out)
}

/// [`render_part_to`]; with `excel`, the CSV is made for Excel to open by double-click (see
/// `csv::write_for_excel`).
pub fn render_for_excel_to(
    compilation: &Compilation,
    format: Format,
    templates_dir: Option<&Path>,
    party: Option<&str>,
    excel: bool,
    out: &mut dyn Write,
) -> Result<String, RenderError> {
    let Some(crate::Checked { model, graph }) = &compilation.checked else {
        return Err(RenderError::Rendering(
            "the matrix could not be compiled".to_owned(),
        ));
    };
    let extract = match party {
        None => None,
        Some(id) => Some(
            model
                .parties
                .iter()
                .position(|p| p.id == id)
                .ok_or_else(|| {
                    let known: Vec<&str> = model.parties.iter().map(|p| p.id.as_str()).collect();
                    RenderError::Rendering(format!(
                        "no party or team `{id}` in this matrix; its parties and teams are: {}",
                        known.join(", ")
                    ))
                })?,
        ),
    };
    // The SSP reads the model itself: a view of a large matrix costs more than the whole SSP.
    if format == Format::OscalSsp {
        if party.is_some() {
            return Err(RenderError::Rendering(
                "an OSCAL SSP is of the whole matrix; --party does not apply to oscal-ssp"
                    .to_owned(),
            ));
        }
        let fingerprint = crate::published::fingerprint(model, graph);
        oscal::write(compilation, &fingerprint, out)?;
        return Ok(fingerprint);
    }
    // The annex, in any of its three forms, is made from an outline, a domain at a time.
    if matches!(format, Format::Html | Format::Markdown | Format::Pdf) {
        let (view, maker) = View::outline(
            model,
            graph,
            &compilation.diagnostics,
            &compilation.sources,
            extract,
        );
        let fingerprint = view.matrix.fingerprint.clone();
        let (kind, escape) = match format {
            Format::Pdf => {
                write_pdf(view, maker, templates_dir, out)?;
                return Ok(fingerprint);
            }
            Format::Html => (annex::Kind::Html, Escape::Html),
            _ => (annex::Kind::Markdown, Escape::None),
        };
        let registry =
            templates::registry(escape, templates_dir).map_err(RenderError::Rendering)?;
        annex::write(view, maker, kind, &registry, out)?;
        return Ok(fingerprint);
    }
    let view = View::build(
        model,
        graph,
        &compilation.diagnostics,
        &compilation.sources,
        extract,
    );
    let fingerprint = view.matrix.fingerprint.clone();
    let mut template = |name: &str, data: serde_json::Result<serde_json::Value>| {
        let registry =
            templates::registry(Escape::None, templates_dir).map_err(RenderError::Rendering)?;
        let failed = |error: &dyn std::fmt::Display| {
            RenderError::Rendering(format!("template `{name}`: {error}"))
        };
        let data = handlebars::Context::from(data.map_err(|error| failed(&error))?);
        registry
            .render_with_context_to_write(name, &data, &mut *out)
            .map_err(|error| match error.reason() {
                handlebars::RenderErrorReason::IOError(io) => {
                    RenderError::Write(std::io::Error::new(io.kind(), io.to_string()))
                }
                _ => failed(&error),
            })
    };
    let raci = |view: &View| serde_json::to_value(RaciView::new(view));
    match format {
        Format::Json => json::write(
            compilation.checked.as_ref().expect("checked above"),
            compilation,
            &fingerprint,
            extract,
            out,
        )?,
        Format::RaciCsv if excel => csv::write_for_excel(&view, out)?,
        Format::RaciCsv => csv::write(&view, out)?,
        Format::RaciMarkdown => template("raci.md.hbs", raci(&view))?,
        Format::Dot => template(
            "graph.dot.hbs",
            serde_json::to_value(OverviewGraph::new(&view)),
        )?,
        Format::DotDetail => template("graph-detail.dot.hbs", raci(&view))?,
        Format::Xlsx => xlsx::write(&view, model, out)?,
        Format::Markdown | Format::Html | Format::OscalSsp | Format::Pdf => {
            unreachable!("written above")
        }
    }
    Ok(fingerprint)
}

#[cfg(feature = "pdf")]
fn write_pdf(
    view: View,
    maker: view::DomainMaker<'_>,
    templates_dir: Option<&Path>,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let bytes = pdf::render(view, maker, templates_dir).map_err(RenderError::Rendering)?;
    Ok(out.write_all(&bytes)?)
}

#[cfg(not(feature = "pdf"))]
fn write_pdf(
    _: View,
    _: view::DomainMaker<'_>,
    _: Option<&Path>,
    _: &mut dyn Write,
) -> Result<(), RenderError> {
    Err(RenderError::Rendering(NO_PDF.to_owned()))
}

/// What a build without the `pdf` feature says when asked for a PDF.
pub const NO_PDF: &str =
    "this srmc was built without PDF support (cargo feature `pdf`); rebuild it with the default features";

/// Why a rendering failed.
#[derive(Debug)]
pub enum RenderError {
    /// A template failed (a broken override), or there was no matrix to render.
    Rendering(String),
    /// The output could not be written.
    Write(std::io::Error),
}

impl From<std::io::Error> for RenderError {
    fn from(error: std::io::Error) -> Self {
        RenderError::Write(error)
    }
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderError::Rendering(message) => f.write_str(message),
            RenderError::Write(error) => write!(f, "cannot write the output: {error}"),
        }
    }
}
