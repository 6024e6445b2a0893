//! The bounds of an `.ods` file, checked before calamine reads it.
//!
//! calamine cannot read an OpenDocument spreadsheet cell by cell as it reads an xlsx: opening
//! one parses all of `content.xml` at once into a dense range per sheet, every repeated row and
//! cell copied out in full. Repetition is how ODS stores a sheet (`table:number-rows-repeated`,
//! `table:number-columns-repeated`, `<text:s text:c="…"/>` for spaces), so a few hundred
//! bytes, well inside the bound on the unpacked size, can ask calamine for gigabytes. Here
//! `content.xml` is read event by event as calamine 0.38 reads it (`src/ods.rs` there: the
//! same elements, in the same places), keeping nothing but counts, and the file is refused
//! when what calamine would build passes the bounds an xlsx is read within: a filled row past
//! `--max-rows`, a sheet whose range holds more than the most cells, or more text in all than
//! the archive may unpack to. Where calamine would stop with an error, so does the count, and
//! calamine's error is the one reported; where calamine would wait for ever (a `content.xml`
//! that ends inside a sheet or inside a cell's comment: its loops read the end of the file
//! again and again), the file is refused here.

use std::io::{BufReader, Cursor};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::table::{too_many_rows, Bounds};

pub(super) fn check(shown: &str, bytes: &[u8], bounds: Bounds) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("`{shown}` is not a spreadsheet srmc can read: {e}"))?;
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(());
    };
    let mut reader = Reader::from_reader(BufReader::new(content));
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut scan = Scan {
        reader,
        buf: Vec::new(),
        shown,
        bounds,
        text: 0,
    };
    match scan.content() {
        Ok(()) | Err(Stop::Calamine) => Ok(()),
        Err(Stop::Refused(message)) => Err(message),
    }
}

enum Stop {
    /// calamine stops here too, with an error of its own.
    Calamine,
    Refused(String),
}

struct Scan<'s, R> {
    reader: Reader<R>,
    buf: Vec<u8>,
    shown: &'s str,
    bounds: Bounds,
    /// Bytes of text calamine would hold so far, repeats included.
    text: u64,
}

/// What a row holds: the columns of its filled cells, and its text, repeats included.
struct Row {
    filled: Option<(u64, u64)>,
    text: u64,
}

impl<R: std::io::BufRead> Scan<'_, R> {
    fn next(&mut self) -> Result<Event<'static>, Stop> {
        self.buf.clear();
        self.reader
            .read_event_into(&mut self.buf)
            .map(Event::into_owned)
            .map_err(|_| Stop::Calamine)
    }

    fn content(&mut self) -> Result<(), Stop> {
        loop {
            match self.next()? {
                Event::Start(start) if start.name().as_ref() == "table:table" => {
                    if let Some(name) = attribute(&start, "table:name") {
                        self.table(&name)?;
                    }
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    fn table(&mut self, name: &str) -> Result<(), Stop> {
        let mut next_row: u64 = 0;
        // The first and last filled rows and columns.
        let mut range: Option<(u64, u64, u64, u64)> = None;
        loop {
            match self.next()? {
                Event::Start(start) if start.name().as_ref() == "table:table-row" => {
                    let repeats = self.count(&start, "table:number-rows-repeated")?;
                    let row = self.row()?;
                    let first_row = next_row;
                    next_row = next_row.saturating_add(repeats);
                    if let Some((left, right)) = row.filled {
                        let last_row = next_row - 1;
                        let (top, _, was_left, was_right) =
                            range.unwrap_or((first_row, last_row, left, right));
                        let now = (top, last_row, was_left.min(left), was_right.max(right));
                        range = Some(now);
                        if last_row >= self.bounds.max_rows as u64 {
                            return Err(Stop::Refused(too_many_rows(
                                self.shown,
                                self.bounds.max_rows,
                            )));
                        }
                        let cells = (now.1 - now.0 + 1).saturating_mul(now.3 - now.2 + 1);
                        if cells > self.bounds.max_cells as u64 {
                            return Err(Stop::Refused(format!(
                                "`{}`, sheet `{}`: its repeated rows and cells make a range \
                                 of more than {} cells; srmc refuses it",
                                self.shown,
                                crate::source::printable(name),
                                self.bounds.max_cells
                            )));
                        }
                    }
                    self.text = self.text.saturating_add(row.text.saturating_mul(repeats));
                    if self.text > self.bounds.max_unpacked_bytes {
                        return Err(Stop::Refused(format!(
                            "`{}`, sheet `{}`: its repeated cells hold more than {} bytes of \
                             text, the limit of what a spreadsheet may unpack to; srmc refuses it",
                            self.shown,
                            crate::source::printable(name),
                            self.bounds.max_unpacked_bytes
                        )));
                    }
                }
                Event::End(end) if end.name().as_ref() == "table:table" => return Ok(()),
                Event::Eof => {
                    return Err(
                        self.cut_short(&format!("sheet `{}`", crate::source::printable(name)))
                    )
                }
                _ => {}
            }
        }
    }

    fn row(&mut self) -> Result<Row, Stop> {
        let mut row = Row {
            filled: None,
            text: 0,
        };
        let mut next_column: u64 = 0;
        loop {
            match self.next()? {
                Event::Start(start)
                    if matches!(
                        start.name().as_ref(),
                        "table:table-cell" | "table:covered-table-cell"
                    ) =>
                {
                    let repeats = self.count(&start, "table:number-columns-repeated")?;
                    let (filled, text) = self.cell(&start)?;
                    let first = next_column;
                    next_column = next_column.saturating_add(repeats);
                    if filled {
                        let last = next_column - 1;
                        row.filled = Some(row.filled.map_or((first, last), |(f, _)| (f, last)));
                    }
                    row.text = row.text.saturating_add(text.saturating_mul(repeats));
                }
                Event::End(end) if end.name().as_ref() == "table:table-row" => return Ok(row),
                // Anything else in a row is an error to calamine.
                _ => return Err(Stop::Calamine),
            }
        }
    }

    /// Whether calamine keeps a value for the cell, and how much text it holds (its value and
    /// formula; raw text is never shorter than what it decodes to).
    fn cell(&mut self, start: &BytesStart) -> Result<(bool, u64), Stop> {
        let (mut value, mut string, mut error, mut formula) = (false, false, false, false);
        // Whether the value calamine takes is an empty `office:string-value`.
        let mut empty_string = false;
        let mut text: u64 = 0;
        for attribute in start.attributes().with_checks(false).flatten() {
            let length = attribute.value.len() as u64;
            match attribute.key.as_ref() {
                "office:value"
                | "office:string-value"
                | "office:date-value"
                | "office:time-value"
                | "office:boolean-value"
                    if !value =>
                {
                    value = true;
                    empty_string = attribute.key.as_ref() == "office:string-value" && length == 0;
                    text += length;
                }
                "office:value-type" if !value => string = attribute.value == "string",
                "calcext:value-type" => error = attribute.value == "error",
                "table:formula" => {
                    formula = length > 0;
                    text += length;
                }
                _ => {}
            }
        }
        if !(!value && string || error && empty_string) {
            // calamine skips the element's content.
            let name = start.name().as_ref().to_owned();
            self.buf.clear();
            self.reader
                .read_to_end_into(quick_xml::name::QName(&name), &mut self.buf)
                .map_err(|_| Stop::Calamine)?;
            return Ok((value || formula, text));
        }
        // The content is the value, up to the first end of a cell.
        loop {
            match self.next()? {
                Event::Text(t) => text += t.len() as u64,
                Event::CData(t) => text += t.len() as u64,
                Event::GeneralRef(r) => text += r.len() as u64 + 2,
                Event::Start(start) => match start.name().as_ref() {
                    "text:s" => text = text.saturating_add(self.count(&start, "text:c")?),
                    "text:p" | "text:tab" | "text:line-break" => text += 1,
                    // calamine skips a comment to its end, cells' ends inside it included.
                    "office:annotation" => loop {
                        match self.next()? {
                            Event::End(end) if end.name().as_ref() == "office:annotation" => {
                                break;
                            }
                            Event::Eof => return Err(self.cut_short("a cell's comment")),
                            _ => {}
                        }
                    },
                    _ => {}
                },
                Event::End(end)
                    if matches!(
                        end.name().as_ref(),
                        "table:table-cell" | "table:covered-table-cell"
                    ) =>
                {
                    return Ok((true, text));
                }
                Event::Eof => return Err(Stop::Calamine),
                _ => {}
            }
        }
    }

    fn cut_short(&self, inside: &str) -> Stop {
        Stop::Refused(format!(
            "`{}` is not a spreadsheet srmc can read: its content.xml ends inside {inside}",
            self.shown
        ))
    }

    /// A repeat count (1 when absent); calamine refuses what is not a number.
    fn count(&self, start: &BytesStart, key: &str) -> Result<u64, Stop> {
        let Some(value) = attribute(start, key) else {
            return Ok(1);
        };
        value.parse::<u64>().map_err(|_| {
            Stop::Refused(format!(
                "`{}` is not a spreadsheet srmc can read: `{key}` is `{}`, not a count",
                self.shown,
                crate::source::printable(&value)
            ))
        })
    }
}

fn attribute(start: &BytesStart, key: &str) -> Option<String> {
    start
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.into_owned())
}
