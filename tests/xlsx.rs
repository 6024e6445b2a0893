//! `srmc build --format xlsx`: the workbook read back with calamine — every sheet, ids and user
//! text as text cells (never a formula, never a number or a date), the same bytes for the same
//! input, refused to a terminal, written whole with `-o`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{Data, Reader};

use crate::common;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn srmc() -> Command {
    Command::cargo_bin("srmc").unwrap()
}

/// The workbook of a matrix, as `build --format xlsx` makes it.
pub(crate) fn workbook_of(path: &Path) -> Vec<u8> {
    let compilation = common::compile(path);
    let mut bytes = Vec::new();
    srmc::render::render_to(&compilation, srmc::render::Format::Xlsx, None, &mut bytes).unwrap();
    bytes
}

fn open(bytes: &[u8]) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap()
}

/// Every sheet as lines of cells separated by ` | `; a cell that is not a string is marked with
/// its type, so that a snapshot shows any id a spreadsheet would read as a number.
fn dump(bytes: &[u8]) -> String {
    let mut workbook = open(bytes);
    let mut out = String::new();
    for name in workbook.sheet_names() {
        out.push_str(&format!("== {name}\n"));
        let range = workbook.worksheet_range(&name).unwrap();
        for row in range.rows() {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Data::String(s) => s.replace('\n', "⏎"),
                    Data::Empty => String::new(),
                    Data::Float(f) => format!("<number {f}>"),
                    Data::Int(i) => format!("<number {i}>"),
                    other => format!("<{other:?}>"),
                })
                .collect();
            out.push_str(cells.join(" | ").trim_end());
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_workbook_of_the_small_examples_is_reviewed() {
    for fixture in [
        "tests/fixtures/examples/minimal.srm",
        "tests/fixtures/examples/gaps.srm",
        "tests/fixtures/ok/baselines_and_inheritance.srm",
    ] {
        let name = Path::new(fixture)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = dump(&workbook_of(&root().join(fixture)));
        insta::with_settings!({ snapshot_suffix => name, filters => common::volatile() }, {
            insta::assert_snapshot!(text);
        });
    }
}

#[test]
fn the_complete_example_has_every_sheet_and_one_row_per_duty() {
    let path = root().join("matrices/nimbus-saas-and-db.srm");
    let bytes = workbook_of(&path);
    let mut workbook = open(&bytes);
    assert_eq!(
        workbook.sheet_names(),
        [
            "Summary",
            "Matrix",
            "Exclusions",
            "Customer responsibilities",
            "Parties",
            "Services",
            "Controls"
        ]
    );
    let json: serde_json::Value = serde_json::from_str(
        &srmc::render::render(&common::compile(&path), srmc::render::Format::Json, None).unwrap(),
    )
    .unwrap();
    let pairs = json["pairs"].as_array().unwrap();
    let rows: usize = pairs
        .iter()
        .map(|p| p["duties"].as_array().unwrap().len().max(1))
        .sum();
    let matrix = workbook.worksheet_range("Matrix").unwrap();
    assert_eq!(matrix.height(), rows + 1, "a header and a row per duty");
    // Ids like 18.2.3 are text, not dates or numbers.
    let control = matrix.rows().skip(1).map(|row| &row[2]).collect::<Vec<_>>();
    assert!(control.iter().all(|c| matches!(c, Data::String(_))));
    assert!(control.iter().any(|c| **c == Data::String("18.2.3".into())));
    let summary = workbook.worksheet_range("Summary").unwrap();
    let fingerprint = summary
        .rows()
        .find(|row| row[0] == Data::String("fingerprint".into()))
        .map(|row| row[1].to_string())
        .unwrap();
    assert_eq!(fingerprint, json["matrix"]["fingerprint"].as_str().unwrap());
    let crm = workbook
        .worksheet_range("Customer responsibilities")
        .unwrap();
    let answers: std::collections::BTreeSet<String> =
        crm.rows().skip(1).map(|row| row[2].to_string()).collect();
    assert!(
        answers.contains("Yes") && answers.contains("Partial"),
        "{answers:?}"
    );
    assert!(answers
        .iter()
        .all(|a| ["Yes", "Partial", "No"].contains(&a.as_str())));
}

#[test]
fn hostile_text_stays_text() {
    let bytes = workbook_of(&root().join("tests/fixtures/hostile/hostile.srm"));
    let text = dump(&bytes);
    assert!(
        text.contains("=cmd|' /C calc'!A0"),
        "the formula-like title is kept as text"
    );
    // No cell of the workbook is a formula.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut entry, &mut xml).unwrap();
        assert!(
            !xml.contains("<f>"),
            "{} holds a formula",
            entry.name().unwrap()
        );
    }
}

#[test]
fn the_same_matrix_gives_the_same_bytes_and_stdout_is_not_a_terminal_here() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("tests/fixtures/ok/baselines_in_order.srm");
    let a: PathBuf = dir.path().join("a.xlsx");
    let b: PathBuf = dir.path().join("b.xlsx");
    for out in [&a, &b] {
        srmc()
            .arg("build")
            .arg(&input)
            .args(["--format", "xlsx", "-o"])
            .arg(out)
            .assert()
            .success();
    }
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert_eq!(a, b, "two builds are byte-identical");
    let piped = srmc()
        .arg("build")
        .arg(&input)
        .args(["--format", "xlsx"])
        .assert()
        .success();
    assert_eq!(piped.get_output().stdout, a, "a pipe gets the same bytes");
}

#[test]
fn a_text_longer_than_a_cell_holds_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let matrix = dir.path().join("long.srm");
    let note = "word ".repeat(8000);
    std::fs::write(
        &matrix,
        format!(
            "matrix \"Long\" {{\n  version \"1\"\n  effective 2026-01-01\n  catalog k\n}}\n\
             catalog k \"K\" {{\n  domain d \"D\"\n  control K-1 \"One\" in d\n}}\n\
             party p provider \"P\"\nparty c customer \"C\"\n\
             service s \"S\" {{\n  model saas\n  provider p\n}}\n\
             control K-1 {{\n  duty run \"Run\" {{\n    provider: R A\n    note \"{note}\"\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("long.xlsx");
    let assert = srmc()
        .arg("build")
        .arg(&matrix)
        .args(["--format", "xlsx", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("more than the 32767 a spreadsheet cell holds"),
        "{stderr}"
    );
    assert!(!out.exists(), "no half-written workbook");
}

#[test]
fn excel_csv_has_a_bom_and_ids_excel_cannot_turn_into_dates() {
    let input = root().join("matrices/nimbus-saas-and-db.srm");
    let assert = srmc()
        .arg("build")
        .arg(&input)
        .args(["--format", "raci-csv", "--excel"])
        .assert()
        .success();
    let bytes = &assert.get_output().stdout;
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFservice,"),
        "a byte-order mark first"
    );
    let text = String::from_utf8_lossy(bytes);
    assert!(
        text.contains(r#","=""18.2.3""","#),
        "the id is Excel's text formula"
    );
    let plain = srmc()
        .arg("build")
        .arg(&input)
        .args(["--format", "raci-csv"])
        .assert()
        .success();
    let plain = String::from_utf8_lossy(&plain.get_output().stdout).into_owned();
    assert!(plain.contains(",18.2.3,") && !plain.starts_with('\u{feff}'));
    srmc()
        .arg("build")
        .arg(&input)
        .args(["--format", "json", "--excel"])
        .assert()
        .code(2)
        .stdout(predicates::str::contains(
            "--excel shapes the raci-csv format only",
        ));
}

/// The text of one part of the workbook's zip archive.
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut entry, &mut xml).unwrap();
    xml
}

/// What a reviewer works with besides the cells: the Matrix sheet's frozen header and id
/// columns, its filter over every row, its widths, the list on the letter cells, and the heat
/// map's colours on the Summary.
#[test]
fn the_matrix_sheet_keeps_its_panes_filter_widths_and_letter_lists() {
    let bytes = workbook_of(&root().join("matrices/nimbus-saas-and-db.srm"));
    let mut workbook = open(&bytes);
    let matrix = workbook.worksheet_range("Matrix").unwrap();
    let (rows, columns) = (matrix.height(), matrix.width());
    let parties = matrix
        .rows()
        .next()
        .unwrap()
        .iter()
        .filter(|cell| cell.to_string().ends_with(" (RACI)"))
        .count();
    assert!(parties >= 2 && rows > 100, "{parties} parties, {rows} rows");
    let letter = |column: usize| (b'A' + column as u8) as char;
    let xml = part(&bytes, "xl/worksheets/sheet2.xml");
    for expected in [
        r#"<pane xSplit="3" ySplit="1" topLeftCell="D2" activePane="bottomRight" state="frozen"/>"#
            .to_owned(),
        format!(r#"<autoFilter ref="A1:{}{rows}"/>"#, letter(columns - 1)),
        format!(r#"sqref="H2:{}{rows}""#, letter(7 + parties - 1)),
        r#"<col min="7" max="7" width="48.7109375" style="#.to_owned(),
    ] {
        assert!(xml.contains(&expected), "the Matrix sheet lacks {expected}");
    }
    // A duty's title wraps in its cell.
    let style = xml
        .split(r#"<c r="G2" s=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|index| index.parse::<usize>().ok())
        .expect("the first duty's title has a style");
    let styles = part(&bytes, "xl/styles.xml");
    let cell_formats = styles.split("<cellXfs").nth(1).unwrap();
    let format = cell_formats.split("<xf ").nth(style + 1).unwrap();
    assert!(
        format
            .split("</xf>")
            .next()
            .unwrap()
            .contains(r#"wrapText="1""#),
        "{format}"
    );
    assert!(xml.contains(r#"<formula1>"R,A,C,I,RA,"#));
    let summary = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        summary.contains(r#"<conditionalFormatting"#) && summary.contains(r#"beginsWith"#),
        "the heat map has its colours"
    );
    assert!(part(&bytes, "xl/workbook.xml").contains("_xlnm._FilterDatabase"));
}
