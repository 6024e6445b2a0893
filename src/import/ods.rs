//! The bounds of an `.ods` file, checked before calamine reads it.
//!
//! calamine cannot read an OpenDocument spreadsheet cell by cell as it reads an xlsx: opening
//! one parses all of `content.xml` at once into a dense range per sheet, every repeated row and
//! cell copied out in full. Repetition is how ODS stores a sheet (`table:number-rows-repeated`,
//! `table:number-columns-repeated`, `<text:s text:c="…"/>` for spaces), so a few hundred
//! bytes, well inside the bound on the unpacked size, can ask calamine for gigabytes. Here
//! `content.xml` is read event by event, keeping nothing but counts, and the file is refused
//! when what calamine would build passes the bounds an xlsx is read within: a filled row past
//! `--max-rows`, a sheet whose range holds more than the most cells, or more text in all than
//! the archive may unpack to.

use std::io::{BufReader, Cursor};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::table::{too_many_rows, Bounds};

/// A sheet so far: its rows counted with their repeats, and the range of its filled cells.
struct Table {
    name: String,
    next_row: u64,
    /// The first and last filled rows, the first and last filled columns.
    range: Option<(u64, u64, u64, u64)>,
}

/// A row so far: its cells counted with their repeats.
struct Row {
    repeats: u64,
    next_column: u64,
    filled: Option<(u64, u64)>,
    text: u64,
}

/// A cell so far.
struct Cell {
    repeats: u64,
    filled: bool,
    text: u64,
}

pub fn check(shown: &str, bytes: &[u8], bounds: Bounds) -> Result<(), String> {
    let broken = |error: &dyn std::fmt::Display| {
        format!("`{shown}` is not a spreadsheet srmc can read: {error}")
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| broken(&e))?;
    // Without its content calamine refuses the file, and says so.
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(());
    };
    let mut reader = Reader::from_reader(BufReader::new(content));
    // As calamine reads it.
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut text: u64 = 0;
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    let mut cell: Option<Cell> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| broken(&format!("content.xml: {e}")))?;
        let (start, closed) = match &event {
            Event::Start(start) => (Some(start), false),
            Event::Empty(start) => (Some(start), true),
            _ => (None, false),
        };
        if let Some(start) = start {
            match start.name().as_ref() {
                "table:table" => {
                    let name = attribute(start, "table:name")
                        .map(|n| n.into_owned())
                        .unwrap_or_default();
                    table = Some(Table {
                        name,
                        next_row: 0,
                        range: None,
                    });
                    row = None;
                }
                "table:table-row" if table.is_some() => {
                    row = Some(Row {
                        repeats: count(start, "table:number-rows-repeated", shown)?,
                        next_column: 0,
                        filled: None,
                        text: 0,
                    });
                }
                "table:table-cell" | "table:covered-table-cell" if row.is_some() => {
                    let mut new = Cell {
                        repeats: count(start, "table:number-columns-repeated", shown)?,
                        filled: false,
                        text: 0,
                    };
                    // What calamine takes a cell's value from; a value type alone may be an
                    // empty cell, but counting it as filled only errs on the safe side.
                    for attribute in start.attributes().with_checks(false).flatten() {
                        if matches!(
                            attribute.key.as_ref(),
                            "office:value-type"
                                | "office:value"
                                | "office:string-value"
                                | "office:date-value"
                                | "office:time-value"
                                | "office:boolean-value"
                                | "table:formula"
                        ) {
                            new.filled = true;
                            new.text += attribute.value.len() as u64;
                        }
                    }
                    cell = Some(new);
                }
                "text:s" => {
                    if let Some(cell) = &mut cell {
                        cell.text = cell.text.saturating_add(count(start, "text:c", shown)?);
                    }
                }
                _ => {}
            }
        }
        // Raw text is never shorter than what it decodes to.
        let more = match &event {
            Event::Text(t) => t.len(),
            Event::CData(t) => t.len(),
            Event::GeneralRef(r) => r.len() + 2,
            _ => 0,
        };
        if let Some(cell) = &mut cell {
            cell.text = cell.text.saturating_add(more as u64);
        }
        let end = match &event {
            Event::End(end) => Some(end.name().as_ref().to_owned()),
            _ if closed => start.map(|s| s.name().as_ref().to_owned()),
            _ => None,
        };
        match end.as_deref() {
            Some("table:table-cell" | "table:covered-table-cell") => {
                if let (Some(row), Some(cell)) = (&mut row, cell.take()) {
                    let first = row.next_column;
                    row.next_column = row.next_column.saturating_add(cell.repeats);
                    if cell.filled {
                        let last = row.next_column - 1;
                        row.filled = Some(row.filled.map_or((first, last), |(a, _)| (a, last)));
                    }
                    row.text = row
                        .text
                        .saturating_add(cell.text.saturating_mul(cell.repeats));
                }
            }
            Some("table:table-row") => {
                if let (Some(table), Some(row)) = (&mut table, row.take()) {
                    finish_row(table, &row, shown, bounds)?;
                    text = text.saturating_add(row.text.saturating_mul(row.repeats));
                    if text > bounds.max_unpacked_bytes {
                        return Err(format!(
                            "`{shown}`, sheet `{}`: its repeated cells hold more than {} bytes \
                             of text, the limit of what a spreadsheet may unpack to; srmc \
                             refuses it",
                            crate::source::printable(&table.name),
                            bounds.max_unpacked_bytes
                        ));
                    }
                }
            }
            Some("table:table") => table = None,
            _ => {}
        }
        if matches!(event, Event::Eof) {
            return Ok(());
        }
        buf.clear();
    }
}

/// Counts a finished row into its sheet, refusing it past the bounds.
fn finish_row(table: &mut Table, row: &Row, shown: &str, bounds: Bounds) -> Result<(), String> {
    let first_row = table.next_row;
    table.next_row = table.next_row.saturating_add(row.repeats);
    let Some((first_column, last_column)) = row.filled else {
        return Ok(());
    };
    let last_row = table.next_row - 1;
    let (top, _, left, right) =
        table
            .range
            .unwrap_or((first_row, last_row, first_column, last_column));
    let range = (
        top,
        last_row,
        left.min(first_column),
        right.max(last_column),
    );
    table.range = Some(range);
    if last_row >= bounds.max_rows as u64 {
        return Err(too_many_rows(shown, bounds.max_rows));
    }
    let cells = (range.1 - range.0 + 1).saturating_mul(range.3 - range.2 + 1);
    if cells > bounds.max_cells as u64 {
        return Err(format!(
            "`{shown}`, sheet `{}`: its repeated rows and cells make a range of more than {} \
             cells; srmc refuses it",
            crate::source::printable(&table.name),
            bounds.max_cells
        ));
    }
    Ok(())
}

fn attribute<'a>(start: &'a BytesStart, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    start
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value)
}

/// A repeat count (1 when absent).
fn count(start: &BytesStart, key: &str, shown: &str) -> Result<u64, String> {
    let Some(value) = attribute(start, key) else {
        return Ok(1);
    };
    value.trim().parse::<u64>().map_err(|_| {
        format!(
            "`{shown}` is not a spreadsheet srmc can read: `{key}` is `{}`, not a count",
            crate::source::printable(&value)
        )
    })
}
