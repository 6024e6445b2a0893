//! `build --format xlsx`: the matrix as a workbook for the people who live in spreadsheets —
//! Summary (header, fingerprint, ownership heat map), Matrix (one row per service × control ×
//! duty), Exclusions, Customer responsibilities (the FedRAMP CRM shape), Parties, Services,
//! Controls, and Findings when the build has errors.
//!
//! Every piece of user text is written as a string cell, so nothing a matrix says is ever run as
//! a formula. The workbook is also what `srmc import` reads back (src/import/workbook.rs): the
//! sheet names, the Summary labels and the column headers here are that reader's contract.

use std::io::Write;

use rust_xlsxwriter::{
    Color, ConditionalFormatText, ConditionalFormatTextRule, DataValidation, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::view::View;
use super::RenderError;
use crate::analyze::model::Model;

/// What a cell holds at most (Excel refuses longer strings).
pub(crate) const MAX_CELL_CHARS: usize = 32_767;
/// The rows of one sheet, the header included.
pub(crate) const MAX_ROWS: usize = 1_048_576;

pub(crate) const SUMMARY: &str = "Summary";
pub(crate) const MATRIX: &str = "Matrix";
pub(crate) const EXCLUSIONS: &str = "Exclusions";
pub(crate) const CUSTOMER: &str = "Customer responsibilities";
pub(crate) const PARTIES: &str = "Parties";
pub(crate) const SERVICES: &str = "Services";
pub(crate) const CONTROLS: &str = "Controls";
pub(crate) const FINDINGS: &str = "Findings";

/// The fixed columns of the Matrix sheet, before one `ID (RACI)` column per party and team.
pub(crate) const MATRIX_LEAD: [&str; 7] = [
    "service",
    "domain",
    "control",
    "control title",
    "ownership",
    "duty",
    "duty title",
];
/// The fixed columns after the parties'.
pub(crate) const MATRIX_TAIL: [&str; 5] = [
    "evidence",
    "duty notes",
    "control notes",
    "origin",
    "source",
];
/// Between two notes of one cell: a note is Markdown, in which a line of its own holding only
/// this is vanishingly rare (and `srmc import` splits on it).
pub(crate) const NOTE_SEPARATOR: &str = "\n\n~~~~~~~~\n\n";

/// The letters a RACI cell may hold, in srmc's order (R, A, C, I): the data validation list.
const LETTER_CHOICES: [&str; 15] = [
    "R", "A", "C", "I", "RA", "RC", "RI", "AC", "AI", "CI", "RAC", "RAI", "RCI", "ACI", "RACI",
];

pub(crate) fn write(view: &View, model: &Model, out: &mut dyn Write) -> Result<(), RenderError> {
    let bytes = workbook(view, model).map_err(|error| match error {
        WorkbookError::Xlsx(error) => {
            RenderError::Rendering(format!("cannot make the workbook: {error}"))
        }
        WorkbookError::Refused(message) => RenderError::Rendering(message),
    })?;
    out.write_all(&bytes)?;
    Ok(())
}

enum WorkbookError {
    Xlsx(XlsxError),
    /// What the matrix says does not fit in a workbook.
    Refused(String),
}

impl From<XlsxError> for WorkbookError {
    fn from(error: XlsxError) -> Self {
        WorkbookError::Xlsx(error)
    }
}

/// A cell's text, refused rather than cut when a spreadsheet cannot hold it.
fn fits<'t>(text: &'t str, what: &dyn Fn() -> String) -> Result<&'t str, WorkbookError> {
    // Excel counts UTF-16 units; a char is at most two.
    if text.len() > MAX_CELL_CHARS && text.encode_utf16().count() > MAX_CELL_CHARS {
        return Err(WorkbookError::Refused(format!(
            "{} is {} characters long, more than the {MAX_CELL_CHARS} a spreadsheet cell holds; \
             shorten it, or build another format",
            what(),
            text.encode_utf16().count()
        )));
    }
    Ok(text)
}

struct Styles {
    header: Format,
    text: Format,
    wrapped: Format,
    label: Format,
}

fn styles() -> Styles {
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDE4EE))
        .set_border_bottom(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    Styles {
        header,
        text: Format::new().set_align(FormatAlign::Top),
        wrapped: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        label: Format::new().set_bold(),
    }
}

/// One sheet written row after row.
struct Sheet<'w> {
    sheet: &'w mut Worksheet,
    row: u32,
}

impl Sheet<'_> {
    fn header(&mut self, cells: &[&str], styles: &Styles) -> Result<(), WorkbookError> {
        for (column, cell) in cells.iter().enumerate() {
            self.sheet
                .write_string_with_format(self.row, column as u16, *cell, &styles.header)?;
        }
        self.row += 1;
        Ok(())
    }

    /// A row of body cells, in the format of their columns (see [`new_sheet`]).
    fn row(&mut self, cells: &[&str]) -> Result<(), WorkbookError> {
        if self.row as usize >= MAX_ROWS {
            return Err(WorkbookError::Refused(format!(
                "the matrix needs more than the {MAX_ROWS} rows a worksheet holds; build another format"
            )));
        }
        for (column, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                self.sheet.write_string(self.row, column as u16, *cell)?;
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Frozen header (and `columns` id columns), an autofilter over what was written.
    fn finish(&mut self, columns: u16, width: u16) -> Result<(), WorkbookError> {
        self.sheet.set_freeze_panes(1, columns)?;
        if width > 0 {
            self.sheet
                .autofilter(0, 0, self.row.saturating_sub(1).max(1), width - 1)?;
        }
        Ok(())
    }
}

/// A sheet whose columns have these widths and, when `body` is given, that format for every
/// cell not written with one of its own.
fn new_sheet<'w>(
    workbook: &'w mut Workbook,
    name: &str,
    widths: &[f64],
    body: Option<&Format>,
) -> Result<Sheet<'w>, WorkbookError> {
    // Every sheet is written row after row, so each can go to a temporary file a row at a
    // time instead of being held whole until the save (the 36,300-duty matrix cost 170 MB so).
    // "Low" rather than "constant" memory keeps the shared string table: the same service,
    // domain and control titles on thousands of rows are stored once, and the file is what
    // Excel itself writes. Panes, widths, the filter, lists and colours are written around the
    // rows when the workbook is saved, so they may be set at any time.
    let sheet = workbook.add_worksheet_with_low_memory()?;
    sheet.set_name(name)?;
    for (column, width) in widths.iter().enumerate() {
        sheet.set_column_width(column as u16, *width)?;
        // rust_xlsxwriter looks a cell's own format up by hashing it whole: once per cell, that
        // was a quarter of the time of the 36,300-duty matrix. A column's format is looked up
        // once, and a cell without a format of its own is written with it.
        if let Some(body) = body {
            sheet.set_column_format(column as u16, body)?;
        }
    }
    Ok(Sheet { sheet, row: 0 })
}

fn workbook(view: &View, model: &Model) -> Result<Vec<u8>, WorkbookError> {
    let mut workbook = Workbook::new();
    // Excel's own level: at the default (6) compressing took a third of the time of the
    // 36,300-duty matrix, for a file 8 % smaller (2.05 MB, not 2.21).
    workbook.set_zip_compression_level(3);
    let styles = styles();
    // The same input gives the same bytes: the creation time is the matrix's effective date.
    let created = ExcelDateTime::parse_from_str(&view.matrix.effective)
        .or_else(|_| ExcelDateTime::from_ymd(2000, 1, 1))?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&view.matrix.title)
            .set_comment(format!("fingerprint {}", view.matrix.fingerprint))
            .set_author(&view.generator)
            .set_creation_datetime(&created),
    );
    summary(&mut workbook, view, &styles)?;
    matrix(&mut workbook, view, &styles)?;
    exclusions(&mut workbook, view, model, &styles)?;
    customer_responsibilities(&mut workbook, view, &styles)?;
    parties(&mut workbook, view, &styles)?;
    services(&mut workbook, model, &styles)?;
    controls(&mut workbook, model, &styles)?;
    if !view.findings.is_empty() {
        findings(&mut workbook, view, &styles)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The colour of each ownership word in the heat map and its legend.
fn ownership_colour(word: &str) -> Color {
    Color::RGB(match word {
        "provider" => 0xC6DBEF,
        "customer" => 0xC7E9C0,
        "shared" => 0xFDD0A2,
        "partner" => 0xDADAEB,
        "inherited" => 0xD9D9D9,
        "excluded" => 0xF0F0F0,
        _ => 0xFC9272, // conflict, unowned: the gaps
    })
}

fn summary(workbook: &mut Workbook, view: &View, styles: &Styles) -> Result<(), WorkbookError> {
    let mut sheet = new_sheet(workbook, SUMMARY, &[26.0, 18.0], None)?;
    let matrix = &view.matrix;
    let catalogs = matrix.catalogs.join(", ");
    let mut fields: Vec<(&str, &str)> = vec![
        ("title", &matrix.title),
        ("version", &matrix.version),
        ("effective", &matrix.effective),
        ("catalogs", &catalogs),
        ("fingerprint", &matrix.fingerprint),
        ("generator", &view.generator),
    ];
    if let Some(scope) = &matrix.scope {
        fields.insert(3, ("scope", scope));
    }
    if let Some(party) = &matrix.extract_for {
        fields.push(("extract for", party));
    }
    // Document control, by the header's own keywords (import reads them back by these labels).
    let document = &matrix.document;
    for (label, value) in document.fields() {
        if let Some(value) = value {
            fields.push((label, value));
        }
    }
    for (label, value) in fields {
        sheet
            .sheet
            .write_string_with_format(sheet.row, 0, label, &styles.label)?;
        let value = fits(value, &|| format!("the matrix's {label}"))?;
        sheet.sheet.write_string(sheet.row, 1, value)?;
        sheet.row += 1;
    }
    // One row per earlier version: version, date, summary.
    for entry in &document.history {
        sheet
            .sheet
            .write_string_with_format(sheet.row, 0, "history", &styles.label)?;
        for (column, value) in [&entry.version, &entry.date, &entry.summary]
            .into_iter()
            .enumerate()
        {
            let value = fits(value, &|| "a history line of the header".to_owned())?;
            sheet
                .sheet
                .write_string(sheet.row, column as u16 + 1, value)?;
        }
        sheet.row += 1;
    }
    sheet.row += 1;

    // The heat map: per domain and service, the ownership most of its pairs have (a gap wins,
    // so that no gap hides in a mostly-owned domain).
    let first = sheet.row;
    sheet
        .sheet
        .write_string_with_format(first, 0, "ownership by domain", &styles.header)?;
    for (column, service) in view.services.iter().enumerate() {
        sheet.sheet.write_string_with_format(
            first,
            column as u16 + 1,
            &service.id,
            &styles.header,
        )?;
        sheet.sheet.set_column_width(column as u16 + 1, 18.0)?;
    }
    let mut counts: Vec<Vec<Vec<usize>>> =
        vec![vec![vec![0; view.ownership_words.len()]; view.services.len()]; view.domains.len()];
    let mut domain_of = std::collections::HashMap::new();
    for (index, domain) in view.domains.iter().enumerate() {
        domain_of.insert(domain.id.as_str(), index);
    }
    for (column, _) in view.services.iter().enumerate() {
        for (_, domain, _, pair) in view.pairs_of(column) {
            let word = view
                .ownership_words
                .iter()
                .position(|w| w.word == pair.ownership.word)
                .unwrap_or(0);
            counts[domain_of[domain.id.as_str()]][column][word] += 1;
        }
    }
    let mut row = first + 1;
    for (index, domain) in view.domains.iter().enumerate() {
        if domain.omitted {
            continue;
        }
        let title = format!("{} {}", domain.id, domain.title);
        sheet
            .sheet
            .write_string(row, 0, fits(&title, &|| "a domain title".to_owned())?)?;
        for (column, words) in counts[index].iter().enumerate() {
            let gap = view
                .ownership_words
                .iter()
                .zip(words)
                .find(|(w, n)| w.gap && **n > 0);
            let most = view
                .ownership_words
                .iter()
                .zip(words)
                .filter(|(_, n)| **n > 0)
                .max_by_key(|(_, n)| **n);
            if let Some((word, _)) = gap.or(most) {
                sheet
                    .sheet
                    .write_string(row, column as u16 + 1, word.word)?;
            }
        }
        row += 1;
    }
    if row > first + 1 && !view.services.is_empty() {
        for word in &view.ownership_words {
            let colour = Format::new().set_background_color(ownership_colour(word.word));
            let rule = ConditionalFormatText::new()
                .set_rule(ConditionalFormatTextRule::BeginsWith(word.word.to_owned()))
                .set_format(colour);
            sheet.sheet.add_conditional_format(
                first + 1,
                1,
                row - 1,
                view.services.len() as u16,
                &rule,
            )?;
        }
    }
    row += 1;
    sheet
        .sheet
        .write_string_with_format(row, 0, "ownership", &styles.header)?;
    sheet
        .sheet
        .write_string_with_format(row, 1, "pairs", &styles.header)?;
    sheet
        .sheet
        .write_string_with_format(row, 2, "meaning", &styles.header)?;
    row += 1;
    for (word, total) in view.ownership_words.iter().zip(&view.summary_total) {
        let colour = Format::new().set_background_color(ownership_colour(word.word));
        sheet
            .sheet
            .write_string_with_format(row, 0, word.word, &colour)?;
        sheet.sheet.write_number(row, 1, *total as f64)?;
        sheet.sheet.write_string(row, 2, word.label)?;
        row += 1;
    }
    let duties: usize = view
        .pairs_in_order()
        .map(|(_, _, _, pair)| pair.duties.len())
        .sum();
    sheet
        .sheet
        .write_string_with_format(row, 0, "duties", &styles.label)?;
    sheet.sheet.write_number(row, 1, duties as f64)?;
    Ok(())
}

fn matrix(workbook: &mut Workbook, view: &View, styles: &Styles) -> Result<(), WorkbookError> {
    let parties = view.parties.len();
    let mut widths: Vec<f64> = vec![14.0, 24.0, 12.0, 36.0, 12.0, 18.0, 48.0];
    widths.extend(std::iter::repeat_n(9.0, parties));
    widths.extend([36.0, 40.0, 40.0, 18.0, 28.0]);
    let mut sheet = new_sheet(workbook, MATRIX, &widths, Some(&styles.wrapped))?;
    let party_headers: Vec<String> = view
        .parties
        .iter()
        .map(|p| format!("{} (RACI)", p.id))
        .collect();
    let mut header: Vec<&str> = MATRIX_LEAD.to_vec();
    header.extend(party_headers.iter().map(String::as_str));
    header.extend(MATRIX_TAIL);
    sheet.header(&header, styles)?;

    let mut cells: Vec<String> = Vec::with_capacity(header.len());
    for (service, domain, control, pair) in view.pairs_in_order() {
        let control_notes = join_notes(pair.notes.iter().map(|n| n.raw.as_str()));
        let base = |cells: &mut Vec<String>| {
            cells.clear();
            cells.extend([
                service.id.clone(),
                domain.title.clone(),
                control.id.clone(),
                control.title.clone(),
                pair.ownership.word.to_owned(),
            ]);
        };
        if pair.duties.is_empty() {
            base(&mut cells);
            cells.extend(std::iter::repeat_n(String::new(), 2 + parties));
            cells.extend([String::new(), String::new(), control_notes.clone()]);
            write_checked(&mut sheet, &cells, &header)?;
            continue;
        }
        for duty in &pair.duties {
            base(&mut cells);
            cells.extend([duty.id.clone(), duty.title.clone()]);
            cells.extend(duty.letters.iter().cloned());
            let origin = match duty.origin.kind {
                "matrix" => "matrix".to_owned(),
                kind => format!("{kind} {}", duty.origin.from),
            };
            cells.extend([
                duty.evidence.join("\n"),
                join_notes(duty.notes.iter().map(|n| n.raw.as_str())),
                control_notes.clone(),
                origin,
                format!("{}:{}", duty.file, duty.line),
            ]);
            write_checked(&mut sheet, &cells, &header)?;
        }
    }
    for upstream in &view.upstreams {
        for obligation in &upstream.obligations {
            cells.clear();
            cells.extend([
                obligation.service.clone(),
                obligation.domain_title.clone(),
                obligation.control.clone(),
                obligation.control_title.clone(),
                if obligation.taken {
                    "obligation taken"
                } else {
                    "obligation open"
                }
                .to_owned(),
                obligation.duty.clone(),
                obligation.title.clone(),
            ]);
            cells.extend(obligation.letters_by_party.iter().cloned());
            cells.extend([
                obligation.evidence.join("\n"),
                String::new(),
                String::new(),
                format!("upstream {}", upstream.id),
                String::new(),
            ]);
            write_checked(&mut sheet, &cells, &header)?;
        }
    }
    let width = header.len() as u16;
    // Only what a reviewer edits is offered a list: the letter cells.
    if parties > 0 && sheet.row > 1 {
        let letters = DataValidation::new()
            .allow_list_strings(&LETTER_CHOICES)?
            .ignore_blank(true);
        let first = MATRIX_LEAD.len() as u16;
        sheet.sheet.add_data_validation(
            1,
            first,
            sheet.row - 1,
            first + parties as u16 - 1,
            &letters,
        )?;
    }
    // Service, control and duty stay in view while scrolling.
    sheet.finish(3, width)
}

fn write_checked(
    sheet: &mut Sheet,
    cells: &[String],
    header: &[&str],
) -> Result<(), WorkbookError> {
    let row = sheet.row;
    let refs: Vec<&str> = cells
        .iter()
        .zip(header)
        .map(|(cell, column)| fits(cell, &|| format!("the `{column}` cell of row {}", row + 1)))
        .collect::<Result<_, _>>()?;
    sheet.row(&refs)
}

fn join_notes<'n>(notes: impl Iterator<Item = &'n str>) -> String {
    notes.collect::<Vec<_>>().join(NOTE_SEPARATOR)
}

fn exclusions(
    workbook: &mut Workbook,
    view: &View,
    model: &Model,
    styles: &Styles,
) -> Result<(), WorkbookError> {
    let mut sheet = new_sheet(
        workbook,
        EXCLUSIONS,
        &[12.0, 14.0, 60.0, 16.0, 28.0],
        Some(&styles.wrapped),
    )?;
    let header = ["control", "service", "justification", "level", "source"];
    sheet.header(&header, styles)?;
    if view.matrix.extract_for.is_none() {
        let sources: std::collections::HashMap<&str, &str> = view
            .exclusions
            .iter()
            .map(|e| (e.justification.as_str(), e.source.as_str()))
            .collect();
        for (service_index, service) in model.services.iter().enumerate() {
            if service.subservice {
                continue;
            }
            for (control_index, control) in model.controls.iter().enumerate() {
                let pair = &model.pairs[model.pair_index(service_index, control_index)];
                let (Some(exclusion), true) = (pair.exclusion, pair.duties.is_empty()) else {
                    continue;
                };
                let exclusion = &model.exclusions[exclusion];
                let source = sources
                    .get(exclusion.justification.as_str())
                    .copied()
                    .unwrap_or("");
                let cells = [
                    control.display.as_str(),
                    service.id.as_str(),
                    fits(&exclusion.justification, &|| "a justification".to_owned())?,
                    exclusion.level.describe(),
                    source,
                ];
                sheet.row(&cells)?;
            }
        }
    }
    sheet.finish(0, header.len() as u16)
}

/// The FedRAMP customer responsibility matrix's shape: per service and control, whether the
/// customer can inherit it from the provider, and what is left to the customer.
fn customer_responsibilities(
    workbook: &mut Workbook,
    view: &View,
    styles: &Styles,
) -> Result<(), WorkbookError> {
    let mut sheet = new_sheet(
        workbook,
        CUSTOMER,
        &[14.0, 12.0, 16.0, 70.0],
        Some(&styles.wrapped),
    )?;
    let header = [
        "Service",
        "Control ID",
        "Can Be Inherited from CSP",
        "Customer responsibility",
    ];
    sheet.header(&header, styles)?;
    let customer_side: Vec<bool> = view.parties.iter().map(|p| p.side == "CSC").collect();
    for (service, _, control, pair) in view.pairs_in_order() {
        if pair.exclusion.is_some() && pair.duties.is_empty() {
            continue;
        }
        let acts = |letters: &[String]| {
            letters
                .iter()
                .zip(&customer_side)
                .any(|(l, csc)| *csc && (l.contains('R') || l.contains('A')))
        };
        let theirs: Vec<&str> = pair
            .duties
            .iter()
            .filter(|d| acts(&d.letters))
            .map(|d| d.title.as_str())
            .collect();
        let inherited = if theirs.is_empty() {
            "Yes"
        } else if theirs.len() == pair.duties.len() {
            "No"
        } else {
            "Partial"
        };
        let text = theirs.join("\n");
        let cells = [
            service.id.as_str(),
            control.id.as_str(),
            inherited,
            fits(&text, &|| "a customer responsibility".to_owned())?,
        ];
        sheet.row(&cells)?;
    }
    sheet.finish(2, header.len() as u16)
}

fn parties(workbook: &mut Workbook, view: &View, styles: &Styles) -> Result<(), WorkbookError> {
    let mut sheet = new_sheet(
        workbook,
        PARTIES,
        &[14.0, 40.0, 10.0, 12.0, 8.0],
        Some(&styles.text),
    )?;
    let header = ["id", "name", "kind", "team of", "side"];
    sheet.header(&header, styles)?;
    for party in &view.parties {
        let cells = [
            party.id.as_str(),
            fits(&party.name, &|| format!("the name of `{}`", party.id))?,
            party.kind,
            party.team_of.as_deref().unwrap_or(""),
            party.side,
        ];
        sheet.row(&cells)?;
    }
    sheet.finish(1, header.len() as u16)
}

fn services(workbook: &mut Workbook, model: &Model, styles: &Styles) -> Result<(), WorkbookError> {
    let mut sheet = new_sheet(
        workbook,
        SERVICES,
        &[14.0, 36.0, 8.0, 14.0, 14.0, 24.0, 20.0, 16.0, 11.0],
        Some(&styles.wrapped),
    )?;
    let header = [
        "id",
        "name",
        "model",
        "provider",
        "customer",
        "regions",
        "use",
        "runs on",
        "subservice",
    ];
    sheet.header(&header, styles)?;
    for service in &model.services {
        let party = |p: Option<usize>| p.map_or("", |p| model.parties[p].id.as_str());
        let regions = service.regions.join("\n");
        let uses: Vec<&str> = service
            .uses
            .iter()
            .map(|&b| model.baselines[b].id.as_str())
            .collect();
        let runs_on: Vec<&str> = service
            .runs_on
            .iter()
            .map(|&s| model.services[s].id.as_str())
            .collect();
        let (uses, runs_on) = (uses.join(", "), runs_on.join(", "));
        let cells = [
            service.id.as_str(),
            fits(&service.name, &|| format!("the name of `{}`", service.id))?,
            service.model.map_or("", |m| m.as_str()),
            party(service.provider),
            party(service.customer),
            fits(&regions, &|| format!("the regions of `{}`", service.id))?,
            &uses,
            &runs_on,
            if service.subservice { "yes" } else { "" },
        ];
        sheet.row(&cells)?;
    }
    sheet.finish(1, header.len() as u16)
}

/// The catalogs' controls: what a matrix with a catalog of its own needs to be read back.
fn controls(workbook: &mut Workbook, model: &Model, styles: &Styles) -> Result<(), WorkbookError> {
    let mut sheet = new_sheet(
        workbook,
        CONTROLS,
        &[12.0, 30.0, 9.0, 12.0, 30.0, 12.0, 50.0, 12.0],
        Some(&styles.wrapped),
    )?;
    let header = [
        "catalog",
        "catalog title",
        "built in",
        "domain",
        "domain title",
        "control",
        "control title",
        "reach",
    ];
    sheet.header(&header, styles)?;
    for control in &model.controls {
        let catalog = &model.catalogs[control.catalog];
        let domain = &model.domains[control.domain];
        let reach = control.reach.as_ref().map_or_else(String::new, |models| {
            models
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        });
        let cells = [
            catalog.id.as_str(),
            fits(&catalog.title, &|| {
                format!("the title of catalog `{}`", catalog.id)
            })?,
            if catalog.builtin { "yes" } else { "" },
            domain.id.as_str(),
            fits(&domain.title, &|| {
                format!("the title of domain `{}`", domain.id)
            })?,
            control.id.as_str(),
            fits(&control.title, &|| {
                format!("the title of control `{}`", control.id)
            })?,
            &reach,
        ];
        sheet.row(&cells)?;
    }
    sheet.finish(1, header.len() as u16)
}

fn findings(workbook: &mut Workbook, view: &View, styles: &Styles) -> Result<(), WorkbookError> {
    let mut sheet = new_sheet(
        workbook,
        FINDINGS,
        &[8.0, 9.0, 80.0, 30.0],
        Some(&styles.wrapped),
    )?;
    let header = ["code", "severity", "message", "location"];
    sheet.header(&header, styles)?;
    for finding in &view.findings {
        let code = finding.code.to_string();
        let cells = [
            code.as_str(),
            finding.severity,
            fits(&finding.message, &|| "a finding".to_owned())?,
            finding.location.as_str(),
        ];
        sheet.row(&cells)?;
    }
    sheet.finish(0, header.len() as u16)
}
