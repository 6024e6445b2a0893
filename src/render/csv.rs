//! `build --format raci-csv`: one row per service × control × duty (a pair without duties gets
//! one row, so that nothing in scope is missing), then one per obligation an upstream puts on us
//! (`UPSTREAM.SERVICE`, ownership `obligation taken` or `obligation open`, our take-up's
//! letters); the last column says where each duty comes from (`matrix`, `baseline ID`,
//! `inherited SERVICE`, `upstream`); RFC 4180, safe to open in a spreadsheet.

use super::markdown::{csv_safe, to_plain};
use super::view::View;
use std::borrow::Cow;
use std::io::Write;

pub fn write(view: &View, out: &mut dyn Write) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut header: Vec<String> = [
        "service",
        "model",
        "domain",
        "control",
        "control title",
        "duty",
        "duty title",
        "ownership",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    // Party ids could equal a fixed column name (`note`): the suffix keeps headers unique.
    header.extend(view.parties.iter().map(|p| format!("{} (RACI)", p.id)));
    header.extend([
        "note".to_owned(),
        "evidence".to_owned(),
        "origin".to_owned(),
    ]);
    write_row(&mut writer, &header)?;

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
            write_row(&mut writer, &row)?;
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
            write_row(&mut writer, &row)?;
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
            write_row(&mut writer, &row)?;
        }
    }
    writer.flush()
}

/// Each row is written as soon as it is made: a large matrix has hundreds of thousands.
fn write_row<W: Write>(writer: &mut csv::Writer<W>, row: &[String]) -> std::io::Result<()> {
    for cell in row {
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
