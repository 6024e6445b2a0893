//! The contract annex (HTML and Markdown), written section by section: the front matter
//! (`annex.EXT.hbs`), then each domain (`annex-domain.EXT.hbs`, rendered with that domain's data
//! only), then the closing sections (`annex-end.EXT.hbs`). A rendering holds one domain at a
//! time, never the whole annex, and each of the three templates can be overridden on its own.
//!
//! A domain section is compact: one overview table (a row per control, a column per service,
//! each cell the pair's ownership and who is accountable), then per control the duties, the
//! services whose duties for it are identical sharing one table.

use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;

use handlebars::Handlebars;
use serde::Serialize;

use super::view::{
    DomainMaker, DomainView, DutyOrigin, NoteView, OwnershipCell, PairView, PartyView, ServiceView,
    View,
};
use super::RenderError;
use crate::graph::Ownership;

/// Services per overview table: more columns would not fit an A4 page.
const SERVICES_PER_OVERVIEW: usize = 4;

/// Which annex: the templates' extension and how messages of ours are written in it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Html,
    Markdown,
}

impl Kind {
    fn template(self, part: &str) -> String {
        let ext = match self {
            Kind::Html => "html",
            Kind::Markdown => "md",
        };
        format!("{part}.{ext}.hbs")
    }
}

/// The data of the front matter and of the closing sections: the view without its domains'
/// content, with what the annex adds to it.
#[derive(Serialize)]
struct Front<'a> {
    #[serde(flatten)]
    view: &'a View,
    /// The heat map as inline SVG (HTML only).
    heat_map_svg: String,
    /// The same as a table: per domain, one cell of text per service.
    heat_rows: Vec<HeatRow<'a>>,
    /// The cloud-control panel as inline SVG (HTML only).
    cloud_svg: String,
    /// The sections in the order the document has them, for the Markdown table of contents.
    contents: Vec<Entry>,
}

#[derive(Serialize)]
struct HeatRow<'a> {
    title: &'a str,
    anchor: &'a str,
    cells: Vec<String>,
}

#[derive(Serialize)]
struct Entry {
    title: String,
    /// Where a Markdown renderer that makes ids from headings (GitHub, GitLab, pandoc's gfm)
    /// puts the heading.
    slug: String,
    /// A domain: listed one level down, under "Responsibilities".
    nested: bool,
}

#[derive(Serialize)]
struct DomainSection<'a> {
    id: &'a str,
    title: &'a str,
    anchor: &'a str,
    /// The overview's tables, each for at most [`SERVICES_PER_OVERVIEW`] services.
    overview: Vec<Overview<'a>>,
    /// The parties holding a letter in one of the domain's duties: the columns of its duty
    /// table in HTML.
    columns: Vec<&'a PartyView>,
    /// `1 + columns`: what a row spanning the duty table spans.
    span: usize,
    controls: Vec<ControlSection<'a>>,
}

#[derive(Serialize)]
struct Overview<'a> {
    services: Vec<&'a ServiceView>,
    rows: Vec<OverviewRow<'a>>,
}

#[derive(Serialize)]
struct OverviewRow<'a> {
    id: &'a str,
    title: &'a str,
    anchor: &'a str,
    cells: Vec<OverviewCell<'a>>,
}

#[derive(Serialize)]
struct OverviewCell<'a> {
    ownership: &'a OwnershipCell,
    /// The names of the parties holding `A` in the pair's duties.
    accountable: String,
    /// Left out of a party's extract.
    omitted: bool,
}

#[derive(Serialize)]
struct ControlSection<'a> {
    id: &'a str,
    title: &'a str,
    anchor: &'a str,
    groups: Vec<PairGroup<'a>>,
}

/// Pairs of one control whose content is the same, shown once.
#[derive(Serialize)]
struct PairGroup<'a> {
    /// The services' names, joined: "Nimbus Claims, Nimbus Managed PostgreSQL".
    services: String,
    ownership: &'a OwnershipCell,
    inherited_from: Option<&'a str>,
    exclusion: Option<&'a str>,
    findings: &'a [String],
    notes: &'a [Rc<NoteView>],
    /// Only the parties that hold a letter in one of the duties.
    columns: Vec<&'a PartyView>,
    duties: Vec<DutyRow<'a>>,
}

#[derive(Serialize)]
struct DutyRow<'a> {
    reference: &'a str,
    title: &'a str,
    notes: &'a [Rc<NoteView>],
    /// In [`PairGroup::columns`] order.
    letters: Vec<&'a str>,
    /// In [`DomainSection::columns`] order.
    domain_letters: Vec<&'a str>,
    evidence: &'a [String],
    /// Absent for a duty written in the matrix itself.
    origin: Option<&'a DutyOrigin>,
}

/// What makes two pairs of a control the same to a reader of the annex.
#[derive(PartialEq, Eq, Hash)]
struct GroupKey<'a> {
    ownership: &'static str,
    inherited_from: Option<&'a str>,
    exclusion: Option<&'a str>,
    findings: &'a [String],
    notes: Vec<&'a str>,
    duties: Vec<DutyKey<'a>>,
}

#[derive(PartialEq, Eq, Hash)]
struct DutyKey<'a> {
    id: &'a str,
    title: &'a str,
    letters: &'a [String],
    evidence: &'a [String],
    notes: Vec<&'a str>,
    origin: (&'static str, &'a str),
}

impl<'a> GroupKey<'a> {
    fn of(pair: &'a PairView) -> Self {
        let notes = |notes: &'a [Rc<NoteView>]| notes.iter().map(|n| n.raw.as_str()).collect();
        GroupKey {
            ownership: pair.ownership.word,
            inherited_from: pair.inherited_from.as_deref(),
            exclusion: pair.exclusion.as_deref(),
            findings: &pair.findings,
            notes: notes(&pair.notes),
            duties: pair
                .duties
                .iter()
                .map(|d| DutyKey {
                    id: &d.id,
                    title: &d.title,
                    letters: &d.letters,
                    evidence: &d.evidence,
                    notes: notes(&d.notes),
                    origin: (d.origin.kind, &d.origin.from),
                })
                .collect(),
        }
    }
}

/// Writes the annex of `view` (an outline: its domains still empty) into `out`, filling and
/// rendering one domain at a time.
pub(crate) fn write(
    mut view: View,
    mut maker: DomainMaker<'_>,
    kind: Kind,
    registry: &Handlebars<'_>,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let front = Front {
        heat_map_svg: if kind == Kind::Html {
            heat_map_svg(&view)
        } else {
            String::new()
        },
        heat_rows: heat_rows(&view),
        cloud_svg: if kind == Kind::Html {
            cloud_svg(&view)
        } else {
            String::new()
        },
        contents: contents(&view),
        view: &view,
    };
    render(registry, &kind.template("annex"), &front, out)?;
    drop(front);

    let mut domains = std::mem::take(&mut view.domains);
    for (index, domain) in domains.iter_mut().enumerate() {
        if domain.omitted {
            continue;
        }
        maker.fill(domain, index);
        let section = section(&view, domain);
        render(registry, &kind.template("annex-domain"), &section, out)?;
        drop(section);
        // Freed before the next domain is made.
        domain.controls = Vec::new();
    }
    view.domains = domains;

    let end = Front {
        heat_map_svg: String::new(),
        heat_rows: Vec::new(),
        cloud_svg: String::new(),
        contents: Vec::new(),
        view: &view,
    };
    render(registry, &kind.template("annex-end"), &end, out)
}

/// The whole annex as one JSON document, for the PDF: typst lays the document out at once, so
/// it gets every domain, each in the compact form the HTML has (overview tables, grouped
/// duties), and the pictures as SVG.
#[cfg(feature = "pdf")]
pub(crate) fn whole_json(
    mut view: View,
    mut maker: DomainMaker<'_>,
) -> serde_json::Result<Vec<u8>> {
    for (index, domain) in view.domains.iter_mut().enumerate() {
        if !domain.omitted {
            maker.fill(domain, index);
        }
    }
    #[derive(Serialize)]
    struct Whole<'a> {
        #[serde(flatten)]
        front: Front<'a>,
        sections: Vec<DomainSection<'a>>,
    }
    let whole = Whole {
        sections: view
            .domains
            .iter()
            .filter(|domain| !domain.omitted)
            .map(|domain| section(&view, domain))
            .collect(),
        front: Front {
            heat_map_svg: heat_map_svg(&view),
            heat_rows: heat_rows(&view),
            cloud_svg: cloud_svg(&view),
            contents: Vec::new(),
            view: &view,
        },
    };
    serde_json::to_vec(&whole)
}

fn render(
    registry: &Handlebars<'_>,
    name: &str,
    data: &impl Serialize,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    registry
        .render_to_write(name, data, &mut *out)
        .map_err(|error| match error.reason() {
            handlebars::RenderErrorReason::IOError(io) => {
                RenderError::Write(std::io::Error::new(io.kind(), io.to_string()))
            }
            _ => RenderError::Rendering(format!("template `{name}`: {error}")),
        })
}

fn section<'a>(view: &'a View, domain: &'a DomainView) -> DomainSection<'a> {
    let controls: Vec<_> = domain.controls.iter().filter(|c| !c.omitted).collect();
    let overview = view
        .services
        .chunks(SERVICES_PER_OVERVIEW)
        .enumerate()
        .map(|(chunk, services)| {
            let first = chunk * SERVICES_PER_OVERVIEW;
            Overview {
                services: services.iter().collect(),
                rows: controls
                    .iter()
                    .map(|control| OverviewRow {
                        id: &control.id,
                        title: &control.title,
                        anchor: &control.anchor,
                        cells: control.pairs[first..first + services.len()]
                            .iter()
                            .map(|pair| OverviewCell {
                                ownership: &pair.ownership,
                                accountable: accountable(view, pair),
                                omitted: pair.omitted,
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    let shown = || {
        controls
            .iter()
            .flat_map(|c| c.pairs.iter().filter(|p| !p.omitted))
            .flat_map(|p| &p.duties)
    };
    let used: Vec<usize> = (0..view.parties.len())
        .filter(|&p| shown().any(|d| !d.letters[p].is_empty()))
        .collect();
    let controls = controls
        .into_iter()
        .map(|control| ControlSection {
            id: &control.id,
            title: &control.title,
            anchor: &control.anchor,
            groups: groups(view, &control.pairs, &used),
        })
        .collect();
    DomainSection {
        id: &domain.id,
        title: &domain.title,
        anchor: &domain.anchor,
        overview,
        span: 1 + used.len(),
        columns: used.iter().map(|&p| &view.parties[p]).collect(),
        controls,
    }
}

/// The pairs of one control, those with the same content together, in the order their first
/// service comes.
fn groups<'a>(
    view: &'a View,
    pairs: &'a [PairView],
    domain_columns: &[usize],
) -> Vec<PairGroup<'a>> {
    let mut index: HashMap<GroupKey<'a>, usize> = HashMap::new();
    let mut members: Vec<Vec<&'a PairView>> = Vec::new();
    for pair in pairs.iter().filter(|p| !p.omitted) {
        let next = members.len();
        let at = *index.entry(GroupKey::of(pair)).or_insert(next);
        if at == next {
            members.push(Vec::new());
        }
        members[at].push(pair);
    }
    members
        .into_iter()
        .map(|pairs| {
            let first = pairs[0];
            let used: Vec<usize> = (0..view.parties.len())
                .filter(|&p| first.duties.iter().any(|d| !d.letters[p].is_empty()))
                .collect();
            PairGroup {
                services: pairs
                    .iter()
                    .map(|p| p.service_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                ownership: &first.ownership,
                inherited_from: first.inherited_from.as_deref(),
                exclusion: first.exclusion.as_deref(),
                findings: &first.findings,
                notes: &first.notes,
                columns: used.iter().map(|&p| &view.parties[p]).collect(),
                duties: first
                    .duties
                    .iter()
                    .map(|d| DutyRow {
                        reference: &d.reference,
                        title: &d.title,
                        notes: &d.notes,
                        letters: used.iter().map(|&p| d.letters[p].as_str()).collect(),
                        domain_letters: domain_columns
                            .iter()
                            .map(|&p| d.letters[p].as_str())
                            .collect(),
                        evidence: &d.evidence,
                        origin: (!d.origin.is_written()).then_some(&d.origin),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The names of the parties holding `A` in a pair's duties, in party order.
fn accountable(view: &View, pair: &PairView) -> String {
    view.parties
        .iter()
        .enumerate()
        .filter(|(p, _)| pair.duties.iter().any(|d| d.letters[*p].contains('A')))
        .map(|(_, party)| party.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The heading ids a GitHub-style renderer gives: lower case, letters, digits, `-` and `_`
/// kept, spaces to `-`, the rest dropped; a repeated id gets `-1`, `-2`, ….
fn contents(view: &View) -> Vec<Entry> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut entry = |title: &str, nested: bool| {
        let base: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let count = seen.entry(base.clone()).or_insert(0);
        let slug = if *count == 0 {
            base.clone()
        } else {
            format!("{base}-{count}")
        };
        *count += 1;
        Entry {
            title: title.to_owned(),
            slug,
            nested,
        }
    };
    // The document's own headings, in order, claim their ids first.
    let _ = entry(&view.matrix.title, false);
    if !view.findings.is_empty() {
        let _ = entry(
            "⚠ Gaps and conflicts: this matrix is not ready to sign",
            false,
        );
    }
    let _ = entry("Contents", false);
    let mut list = vec![entry("Parties", false), entry("Services", false)];
    if !view.subservices.is_empty() {
        list.push(entry("Sub-service organisations", false));
    }
    list.push(entry("Ownership summary", false));
    list.push(entry("Responsibilities", false));
    for domain in view.domains.iter().filter(|d| !d.omitted) {
        list.push(entry(&domain.title, true));
    }
    if !view.exclusions.is_empty() {
        list.push(entry("Exclusions", false));
    }
    if !view.upstreams.is_empty() {
        list.push(entry("Obligations from providers", false));
    }
    list.push(entry("Sign-off", false));
    list
}

/// Short names of the ownership words, for a heat-map cell's text.
fn abbreviation(word: Ownership) -> &'static str {
    match word {
        Ownership::Excluded => "excl.",
        Ownership::Conflict => "CONFLICT",
        Ownership::Unowned => "UNOWNED",
        Ownership::Inherited => "inh.",
        Ownership::Partner => "partner",
        Ownership::Shared => "shared",
        Ownership::Provider => "CSP",
        Ownership::Customer => "CSC",
    }
}

fn heat_rows(view: &View) -> Vec<HeatRow<'_>> {
    view.summary
        .iter()
        .zip(&view.heat)
        .filter(|(summary, _)| summary.counts.iter().any(|&n| n > 0))
        .map(|(summary, cells)| HeatRow {
            title: &summary.title,
            anchor: &summary.anchor,
            cells: cells.iter().map(|counts| mix(counts)).collect(),
        })
        .collect()
}

/// Pairs per ownership word as a short text: "12 shared · 2 CSP", the gaps marked ⚠, "—" for
/// none.
pub(super) fn mix(counts: &[usize]) -> String {
    let parts: Vec<String> = Ownership::ALL
        .iter()
        .zip(counts)
        .filter(|(_, &n)| n > 0)
        .map(|(word, n)| match word {
            Ownership::Conflict | Ownership::Unowned => {
                format!("⚠ {n} {}", abbreviation(*word))
            }
            _ => format!("{n} {}", abbreviation(*word)),
        })
        .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(" · ")
    }
}

/// The fill of each ownership word in the pictures: the annex's palette, with the two gaps loud.
pub(super) fn colour(word: Ownership) -> &'static str {
    match word {
        Ownership::Excluded => "#d9dde3",
        Ownership::Conflict => "#d62828",
        Ownership::Unowned => "#f77f00",
        Ownership::Inherited => "#7cc8c0",
        Ownership::Partner => "#b79ce6",
        Ownership::Shared => "#7fa7e8",
        Ownership::Provider => "#7cc48a",
        Ownership::Customer => "#efd167",
    }
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// At most `chars` characters of `text`, with an ellipsis when cut (SVG text does not wrap).
fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

const LABEL_WIDTH: usize = 230;
const CELL_WIDTH: usize = 104;
const ROW_HEIGHT: usize = 22;
const HEAD_HEIGHT: usize = 34;

/// Column heads: each service's id, its name as the tooltip.
fn svg_heads(svg: &mut String, services: &[ServiceView]) {
    for (column, service) in services.iter().enumerate() {
        let x = LABEL_WIDTH + column * CELL_WIDTH + CELL_WIDTH / 2;
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" class=\"head\"><title>{}</title>{}</text>",
            HEAD_HEIGHT - 10,
            xml(&service.name),
            xml(&clip(&service.id, 14)),
        ));
    }
}

fn svg_open(width: usize, height: usize, label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" role=\"img\" aria-label=\"{}\" class=\"picture\">\
<style>text{{font:11px Helvetica,Arial,sans-serif;fill:#1d2330}}.head{{font-weight:600}}.loud{{font-weight:700;fill:#fff}}.muted{{fill:#8a93a3}}</style>",
        xml(label)
    )
}

/// The legend under a picture: a swatch and a label per ownership word.
fn svg_legend(svg: &mut String, y: usize, words: &[Ownership]) {
    for (i, word) in words.iter().enumerate() {
        let x = (i % 4) * 170;
        let y = y + (i / 4) * 18;
        let cell: OwnershipCell = (*word).into();
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"></rect><text x=\"{}\" y=\"{}\">{}</text>",
            y,
            colour(*word),
            x + 17,
            y + 10,
            cell.label
        ));
    }
}

/// Domains × services, each cell split in proportion to the ownership of its pairs; a cell
/// with a conflict or an unowned pair carries a loud mark and its count.
fn heat_map_svg(view: &View) -> String {
    let rows: Vec<(usize, &super::view::DomainSummary)> = view
        .summary
        .iter()
        .enumerate()
        .filter(|(_, s)| s.counts.iter().any(|&n| n > 0))
        .collect();
    if rows.is_empty() || view.services.is_empty() {
        return String::new();
    }
    let width = LABEL_WIDTH + view.services.len() * CELL_WIDTH;
    let legend_rows = Ownership::ALL.len().div_ceil(4);
    let height = HEAD_HEIGHT + rows.len() * ROW_HEIGHT + 12 + legend_rows * 18;
    let mut svg = svg_open(
        width.max(4 * 170),
        height,
        "Ownership of each domain's controls, per service",
    );
    svg_heads(&mut svg, &view.services);
    for (row, (domain, summary)) in rows.iter().enumerate() {
        let y = HEAD_HEIGHT + row * ROW_HEIGHT;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\"><title>{}</title>{}</text>",
            y + 15,
            xml(&summary.title),
            xml(&clip(&summary.title, 36))
        ));
        for (column, counts) in view.heat[*domain].iter().enumerate() {
            let x0 = LABEL_WIDTH + column * CELL_WIDTH;
            let inner = CELL_WIDTH - 6;
            let total: usize = counts.iter().sum();
            if total == 0 {
                svg.push_str(&format!(
                    "<rect x=\"{x0}\" y=\"{}\" width=\"{inner}\" height=\"{}\" fill=\"#f4f6f9\"></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"muted\">—</text>",
                    y + 2,
                    ROW_HEIGHT - 4,
                    x0 + inner / 2,
                    y + 15
                ));
                continue;
            }
            let mut x = x0 as f64;
            let mut tooltip = Vec::new();
            for (word, &n) in Ownership::ALL.iter().zip(counts) {
                if n == 0 {
                    continue;
                }
                let w = inner as f64 * n as f64 / total as f64;
                svg.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"></rect>",
                    y + 2,
                    ROW_HEIGHT - 4,
                    colour(*word)
                ));
                x += w;
                let cell: OwnershipCell = (*word).into();
                tooltip.push(format!("{n} {}", cell.label));
            }
            let gaps = counts[index_of(Ownership::Conflict)] + counts[index_of(Ownership::Unowned)];
            let service = &view.services[column];
            svg.push_str(&format!(
                "<title>{}: {}</title>",
                xml(&service.name),
                xml(&tooltip.join(", "))
            ));
            if gaps > 0 {
                svg.push_str(&format!(
                    "<rect x=\"{x0}\" y=\"{}\" width=\"{inner}\" height=\"{}\" fill=\"none\" stroke=\"#8b0000\" stroke-width=\"2\"></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"loud\">⚠ {gaps}</text>",
                    y + 2,
                    ROW_HEIGHT - 4,
                    x0 + inner / 2,
                    y + 15
                ));
            }
        }
    }
    svg_legend(
        &mut svg,
        HEAD_HEIGHT + rows.len() * ROW_HEIGHT + 12,
        &Ownership::ALL,
    );
    svg.push_str("</svg>");
    svg
}

fn index_of(word: Ownership) -> usize {
    Ownership::ALL
        .iter()
        .position(|w| *w == word)
        .expect("every word is listed")
}

/// The cloud controls × services, each cell in its ownership's colour with its label.
fn cloud_svg(view: &View) -> String {
    if view.cloud_controls.is_empty() || view.services.is_empty() {
        return String::new();
    }
    let width = LABEL_WIDTH + view.services.len() * CELL_WIDTH;
    let height = HEAD_HEIGHT + view.cloud_controls.len() * ROW_HEIGHT;
    let mut svg = svg_open(
        width,
        height,
        "Ownership of the cloud controls, per service",
    );
    svg_heads(&mut svg, &view.services);
    for (row, control) in view.cloud_controls.iter().enumerate() {
        let y = HEAD_HEIGHT + row * ROW_HEIGHT;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\"><title>{}</title>{} {}</text>",
            y + 15,
            xml(&control.title),
            xml(&control.id),
            xml(&clip(&control.title, 26))
        ));
        for (column, cell) in control.cells.iter().enumerate() {
            let x0 = LABEL_WIDTH + column * CELL_WIDTH;
            let word = Ownership::ALL
                .iter()
                .find(|w| w.as_str() == cell.word)
                .copied()
                .unwrap_or(Ownership::Unowned);
            svg.push_str(&format!(
                "<rect x=\"{x0}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\"{}>{}{}</text>",
                y + 2,
                CELL_WIDTH - 6,
                ROW_HEIGHT - 4,
                colour(word),
                x0 + (CELL_WIDTH - 6) / 2,
                y + 15,
                if cell.gap { " class=\"loud\"" } else { "" },
                if cell.gap { "⚠ " } else { "" },
                abbreviation(word)
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}
