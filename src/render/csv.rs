//! `build --format raci-csv`: one row per service × control × duty (a pair without duties gets
//! one row, so that nothing in scope is missing), then one per obligation an upstream puts on us
//! (`UPSTREAM.SERVICE`, ownership `obligation taken` or `obligation open`, our take-up's
//! letters); the last column says where each duty comes from (`matrix`, `baseline ID`,
//! `inherited SERVICE`, `upstream`); RFC 4180, safe to open in a spreadsheet.

use super::markdown::{csv_safe, to_plain};
use super::view::View;
use std::borrow::Cow;
use std::io::Write;

/// The columns before one `ID (RACI)` column per party (`srmc import` knows the layout by them).
pub(crate) const LEAD_COLUMNS: [&str; 8] = [
    "service",
    "model",
    "domain",
    "control",
    "control title",
    "duty",
    "duty title",
    "ownership",
];

pub(crate) fn write(view: &View, out: &mut dyn Write) -> std::io::Result<()> {
    write_as(view, out, false)
}

/// [`write`] for Excel opening the file by double-click: a UTF-8 byte-order mark (without one
/// Excel reads the bytes as the system's code page, and "—" shows as `â€”`), and every cell that
/// Excel would turn into a number or a date (`18.2.3`, `9.2`, `01`) written as the text
/// formula `="18.2.3"`, which Excel shows as the id itself.
pub(crate) fn write_for_excel(view: &View, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    write_as(view, out, true)
}

fn write_as(view: &View, out: &mut dyn Write, excel: bool) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut header: Vec<String> = LEAD_COLUMNS.iter().map(|h| (*h).to_owned()).collect();
    // Party ids could equal a fixed column name (`note`): the suffix keeps headers unique.
    header.extend(view.parties.iter().map(|p| format!("{} (RACI)", p.id)));
    header.extend([
        "note".to_owned(),
        "evidence".to_owned(),
        "origin".to_owned(),
    ]);
    write_row(&mut writer, excel, &header)?;

    for (service, domain, control, pair) in view.pairs_in_order() {
        let pair_notes: Vec<&str> = pair.notes.iter().map(|n| n.plain.as_str()).collect();
        let base = [
            service.id.clone(),
            service.model.to_owned(),
            domain.title.clone(),
            control.id.clone(),
            control.title.clone(),
        ];
        if pair.duties.is_empty() {
            let mut row = base.to_vec();
            row.extend([String::new(), String::new(), pair.ownership.word.to_owned()]);
            row.extend(view.parties.iter().map(|_| String::new()));
            let note = pair.exclusion.clone().unwrap_or_default();
            row.extend([note, String::new(), String::new()]);
            write_row(&mut writer, excel, &row)?;
            continue;
        }
        for duty in &pair.duties {
            let mut row = base.to_vec();
            row.extend([
                duty.reference.clone(),
                duty.title.clone(),
                pair.ownership.word.to_owned(),
            ]);
            row.extend(duty.letters.iter().cloned());
            let notes: Vec<String> = duty
                .notes
                .iter()
                .map(|n| n.plain.clone())
                .chain(pair_notes.iter().map(|n| (*n).to_owned()))
                .collect();
            let origin = match duty.origin.kind {
                "matrix" => "matrix".to_owned(),
                kind => format!("{kind} {}", duty.origin.from),
            };
            row.extend([notes.join(" "), duty.evidence.join("; "), origin]);
            write_row(&mut writer, excel, &row)?;
        }
    }
    for upstream in &view.upstreams {
        for obligation in &upstream.obligations {
            let mut row = vec![
                obligation.service.clone(),
                String::new(),
                obligation.domain_title.clone(),
                obligation.control.clone(),
                obligation.control_title.clone(),
                format!("{}/{}", obligation.control, obligation.duty),
                obligation.title.clone(),
                if obligation.taken {
                    "obligation taken"
                } else {
                    "obligation open"
                }
                .to_owned(),
            ];
            row.extend(obligation.letters_by_party.iter().cloned());
            row.extend([
                String::new(),
                obligation.evidence.join("; "),
                "upstream".to_owned(),
            ]);
            write_row(&mut writer, excel, &row)?;
        }
    }
    writer.flush()
}

/// Each row is written as soon as it is made: a large matrix has hundreds of thousands.
fn write_row<W: Write>(
    writer: &mut csv::Writer<W>,
    excel: bool,
    row: &[String],
) -> std::io::Result<()> {
    for cell in row {
        if excel && excel_would_convert(cell) {
            writer.write_field(format!("=\"{cell}\"").as_bytes())?;
            continue;
        }
        // Borrowed unless a cell needs changing: a large matrix has millions of cells.
        writer.write_field(csv_safe(&to_plain_cell(cell)).as_bytes())?;
    }
    writer.write_record(None::<&[u8]>)?;
    Ok(())
}

/// Cells are one line: a spreadsheet row per duty.
fn to_plain_cell(cell: &str) -> Cow<'_, str> {
    if cell.contains(['\n', '\r']) {
        Cow::Owned(to_plain(cell))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whether Excel would read the cell as a number or a date and show something else: digits
/// with separators (`18.2.3`, `9.2`, `1-2`, `3/4`, `12:30`), leading zeros, exponents (`1E5`).
/// Only such cells are quoted, and they hold no quote or letter other than an exponent's `E`.
pub(crate) fn excel_would_convert(cell: &str) -> bool {
    cell.starts_with(|c: char| c.is_ascii_digit())
        && cell.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '.' | '-' | '/' | ':' | ',' | ' ' | 'e' | 'E' | '+')
        })
}
