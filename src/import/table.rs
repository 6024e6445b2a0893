//! Reading a spreadsheet into sheets of text cells, within bounds: a CSV with the csv crate, an
//! `.xlsx`, `.xlsm` or `.ods` with calamine after its zip directory was checked (a zip bomb is
//! refused before anything is unpacked) and, for an `.ods`, what its repeated rows and cells
//! would unpack to (src/import/ods.rs). Formula cells give the value the spreadsheet saved with
//! them; nothing is ever evaluated.

use std::path::Path;

use calamine::{Data, Reader};

/// The bounds of one import.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Largest spreadsheet file, in bytes.
    pub max_file_bytes: u64,
    /// Most bytes its zip archive may unpack to, all parts together.
    pub max_unpacked_bytes: u64,
    /// Most rows in one sheet.
    pub max_rows: usize,
    /// Most cells in one sheet.
    pub max_cells: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_file_bytes: 64 << 20,
            max_unpacked_bytes: 256 << 20,
            max_rows: 200_000,
            max_cells: 5_000_000,
        }
    }
}

/// What a cell held, as far as the import cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    /// A date or time: never what an id column should hold (a spreadsheet turned `9.2` into a
    /// date).
    Date,
    /// `#REF!`, `#N/A`, …: a formula whose saved value is an error.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub kind: Kind,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            kind: Kind::Text,
        }
    }
}

pub struct Sheet {
    pub name: String,
    /// Row by row from the sheet's first row (row 1), each as long as it was written.
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// The text of a cell, empty where there is none (0-based row and column).
    pub fn at(&self, row: usize, column: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|cells| cells.get(column))
            .map_or("", |cell| cell.text.as_str())
    }

    pub fn cell(&self, row: usize, column: usize) -> Option<&Cell> {
        self.rows.get(row).and_then(|cells| cells.get(column))
    }
}

/// The layout families a file can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Workbook,
}

/// Reads every sheet of the spreadsheet at `path` (a CSV is one sheet, named after the file).
pub fn read(path: &Path, bounds: Bounds) -> Result<(FileKind, Vec<Sheet>), String> {
    let shown = path.display();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let bytes = crate::files::read_regular(path, bounds.max_file_bytes)
        .map_err(|reason| format!("cannot read `{shown}`: {reason}"))?;
    let zip = bytes.starts_with(b"PK\x03\x04");
    match extension.as_str() {
        "csv" | "txt" if !zip => Ok((FileKind::Csv, vec![read_csv(path, bytes, bounds)?])),
        "xlsx" | "xlsm" | "ods" if zip => Ok((FileKind::Workbook, read_workbook(path, bytes, bounds)?)),
        "xlsx" | "xlsm" | "ods" => Err(format!(
            "`{shown}` is not a spreadsheet: a .{extension} file is a zip archive, and this one is not"
        )),
        "csv" | "txt" => Err(format!(
            "`{shown}` is a zip archive, not CSV text; is it a workbook with the wrong name?"
        )),
        _ => Err(format!(
            "`{shown}`: srmc imports .csv, .xlsx, .xlsm and .ods files; name the file after what it is"
        )),
    }
}

fn read_csv(path: &Path, bytes: Vec<u8>, bounds: Bounds) -> Result<Sheet, String> {
    let shown = path.display();
    let text = crate::files::decode(bytes).map_err(|not_utf8| {
        format!(
            "`{shown}` is not UTF-8 text (byte {}); save it as \"CSV UTF-8\"",
            not_utf8.at + 1
        )
    })?;
    if text.contains('\0') {
        return Err(format!(
            "`{shown}` is not a spreadsheet: it holds NUL bytes, as binary files do"
        ));
    }
    // Excel in many European locales separates with `;`.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells = 0usize;
    for record in reader.records() {
        let record = record.map_err(|error| format!("`{shown}` is not valid CSV: {error}"))?;
        if rows.len() >= bounds.max_rows {
            return Err(too_many_rows(&shown.to_string(), bounds.max_rows));
        }
        cells += record.len();
        if cells > bounds.max_cells {
            return Err(too_many_cells(&shown.to_string(), bounds.max_cells));
        }
        rows.push(record.iter().map(Cell::text).collect());
    }
    let name = path
        .file_stem()
        .map_or_else(|| "csv".to_owned(), |s| s.to_string_lossy().into_owned());
    Ok(Sheet { name, rows })
}

pub(super) fn too_many_rows(file: &str, max: usize) -> String {
    format!(
        "`{file}` has more than {max} rows in one sheet; raise --max-rows if that many are meant"
    )
}

fn too_many_cells(file: &str, max: usize) -> String {
    format!("`{file}` has more than {max} cells in one sheet; srmc refuses it")
}

/// Checks the zip directory before anything is unpacked: the parts may not unpack to more than
/// the bound, nor claim a ratio no spreadsheet has (what zip bombs do).
fn check_archive(shown: &str, bytes: &[u8], bounds: Bounds) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|error| {
        format!("`{shown}` is not a spreadsheet: its zip archive is broken ({error})")
    })?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| format!("`{shown}` is not a spreadsheet: {error}"))?;
        total = total.saturating_add(entry.size());
        // XML packs well, but not a thousandfold.
        if entry.size() > (1 << 20) && entry.size() / entry.compressed_size().max(1) > 1000 {
            return Err(format!(
                "`{shown}` is refused: its part `{}` unpacks to {} bytes from {}, as zip bombs do",
                crate::source::printable(&entry.name().unwrap_or_default()),
                entry.size(),
                entry.compressed_size()
            ));
        }
    }
    let too_big = |total: u64| {
        format!(
            "`{shown}` is refused: it unpacks to {total} bytes or more, more than the limit of {}",
            bounds.max_unpacked_bytes
        )
    };
    if total > bounds.max_unpacked_bytes {
        return Err(too_big(total));
    }
    // The sizes a directory states may lie: what the parts really unpack to is counted too,
    // never more than the limit of it.
    let mut unpacked: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index(index)
            .map_err(|error| format!("`{shown}` is not a spreadsheet: {error}"))?;
        let left = bounds.max_unpacked_bytes - unpacked;
        let read = std::io::copy(
            &mut std::io::Read::take(entry, left + 1),
            &mut std::io::sink(),
        )
        .map_err(|error| format!("`{shown}` is not a spreadsheet: {error}"))?;
        unpacked += read;
        if unpacked > bounds.max_unpacked_bytes {
            return Err(too_big(unpacked));
        }
    }
    Ok(())
}

fn read_workbook(path: &Path, bytes: Vec<u8>, bounds: Bounds) -> Result<Vec<Sheet>, String> {
    let shown = path.display().to_string();
    check_archive(&shown, &bytes, bounds)?;
    let cursor = std::io::Cursor::new(bytes);
    let ods = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ods"));
    let broken = |error: &dyn std::fmt::Display| {
        format!("`{shown}` is not a spreadsheet srmc can read: {error}")
    };
    if ods {
        // calamine reads an ODS whole when it opens it (see src/import/ods.rs): it is measured
        // first, and only within the bounds handed over.
        super::ods::check(&shown, cursor.get_ref(), bounds)?;
        let mut workbook: calamine::Ods<_> =
            calamine::open_workbook_from_rs(cursor).map_err(|e| broken(&e))?;
        let mut sheets = Vec::new();
        for name in workbook.sheet_names() {
            let range = workbook
                .worksheet_range(&name)
                .map_err(|error| format!("`{shown}`, sheet `{name}`: {error}"))?;
            let mut sheet = Sheet {
                name,
                rows: Vec::new(),
            };
            let mut cells = 0;
            for (row, column, data) in range.used_cells() {
                place(
                    &mut sheet,
                    &mut cells,
                    row,
                    column,
                    cell_of(data),
                    &shown,
                    bounds,
                )?;
            }
            sheets.push(sheet);
        }
        return Ok(sheets);
    }
    // Cells are read one by one, never as calamine's dense range: two cells at opposite
    // corners of a sheet would make that range 17 billion cells.
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(cursor).map_err(|e| broken(&e))?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let mut reader = workbook
            .worksheet_cells_reader(&name)
            .map_err(|error| format!("`{shown}`, sheet `{name}`: {error}"))?;
        let mut sheet = Sheet {
            name: name.clone(),
            rows: Vec::new(),
        };
        let mut cells = 0;
        while let Some(cell) = reader
            .next_cell()
            .map_err(|error| format!("`{shown}`, sheet `{name}`: {error}"))?
        {
            let (row, column) = cell.get_position();
            let data = Data::from(cell.get_value().clone());
            if data == Data::Empty {
                continue;
            }
            place(
                &mut sheet,
                &mut cells,
                row as usize,
                column as usize,
                cell_of(&data),
                &shown,
                bounds,
            )?;
        }
        sheets.push(sheet);
    }
    Ok(sheets)
}

/// Puts a cell in its place, within the bounds: rows up to `max_rows`, and at most `max_cells`
/// cells counting the empty ones before a cell in its row.
fn place(
    sheet: &mut Sheet,
    cells: &mut usize,
    row: usize,
    column: usize,
    cell: Cell,
    shown: &str,
    bounds: Bounds,
) -> Result<(), String> {
    if cell.text.is_empty() {
        return Ok(());
    }
    if row >= bounds.max_rows {
        return Err(too_many_rows(shown, bounds.max_rows));
    }
    if sheet.rows.len() <= row {
        sheet.rows.resize_with(row + 1, Vec::new);
    }
    let cells_of_row = &mut sheet.rows[row];
    if cells_of_row.len() <= column {
        *cells += column + 1 - cells_of_row.len();
        if *cells > bounds.max_cells {
            return Err(too_many_cells(shown, bounds.max_cells));
        }
        cells_of_row.resize(column + 1, Cell::text(""));
    }
    cells_of_row[column] = cell;
    Ok(())
}

fn cell_of(data: &Data) -> Cell {
    let (text, kind) = match data {
        Data::Empty => (String::new(), Kind::Text),
        Data::String(s) => (s.clone(), Kind::Text),
        Data::Int(i) => (i.to_string(), Kind::Number),
        Data::Float(f) => (number(*f), Kind::Number),
        Data::Bool(b) => ((if *b { "TRUE" } else { "FALSE" }).to_owned(), Kind::Text),
        Data::DateTime(when) => (date(when.as_f64()), Kind::Date),
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), Kind::Date),
        Data::Error(error) => (error.to_string(), Kind::Error),
    };
    Cell { text, kind }
}

/// A number as a spreadsheet shows it by default: `3` for 3.0, `9.2` for 9.2.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// A date serial (days since 1899-12-30) as `YYYY-MM-DD`.
fn date(serial: f64) -> String {
    let days = serial.floor() as i64 - 25_569; // to days since 1970-01-01
                                               // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_serials_become_iso_dates() {
        assert_eq!(date(45_658.0), "2025-01-01");
        assert_eq!(date(25_569.0), "1970-01-01");
        assert_eq!(number(9.2), "9.2");
        assert_eq!(number(3.0), "3");
    }
}
