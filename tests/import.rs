//! `srmc import`: srmc's own workbook and CSV come back as the matrix they were built from, a
//! foreign layout comes in through its mapping, every row is imported or reported with its
//! sheet and row, and bad spreadsheets are refused with a clear message.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::common;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn srmc() -> Command {
    Command::cargo_bin("srmc").unwrap()
}

fn fingerprint(compilation: &srmc::Compilation) -> String {
    let checked = compilation.checked.as_ref().expect("a model");
    srmc::published::fingerprint(&checked.model, &checked.graph)
}

fn import_file(path: &Path, map: Option<&str>) -> srmc::import::Outcome {
    let options = srmc::import::Options {
        map: map.map(str::to_owned),
        ..Default::default()
    };
    srmc::import::import(path, &options).unwrap()
}

/// Writes `text` as `name` in `dir` and compiles it.
fn compile_text(dir: &Path, name: &str, text: &str) -> srmc::Compilation {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    srmc::compile(&path, Default::default()).unwrap()
}

fn matrices() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["matrices", "tests/fixtures/ok"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "srm") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// build → import → check: the same fingerprint, or the import says why not. Which matrices
/// come back exactly is a snapshot: a change there is a change in what srmc promises.
#[test]
fn every_shipped_matrix_round_trips_through_its_workbook_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut summary = String::new();
    for path in matrices() {
        let original = common::compile(&path);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let workbook = dir.path().join(format!("{name}.xlsx"));
        std::fs::write(&workbook, crate::xlsx::workbook_of(&path)).unwrap();
        let outcome = import_file(&workbook, None);
        let again = compile_text(dir.path(), &format!("{name}.srm"), &outcome.srm);
        let exact = fingerprint(&again) == fingerprint(&original);
        if outcome.reports.is_empty() {
            assert!(
                exact,
                "{name}: no report, yet another fingerprint:\n{}",
                outcome.srm
            );
            assert_eq!(
                again.errors(),
                original.errors(),
                "{name}: the import checks as the original does"
            );
        }
        let first = outcome
            .reports
            .first()
            .map_or(String::new(), |r| format!(": {}: {}", r.at, r.message));
        summary.push_str(&format!(
            "{}: {}, {} reported{first}\n",
            common::relative(&path).display(),
            if exact { "same fingerprint" } else { "differs" },
            outcome.reports.len()
        ));
    }
    insta::assert_snapshot!(summary);
}

#[test]
fn the_imported_complete_example_is_formatted_and_names_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = root().join("matrices/iaas-compute.srm");
    let workbook = dir.path().join("iaas-compute.xlsx");
    std::fs::write(&workbook, crate::xlsx::workbook_of(&path)).unwrap();
    let outcome = import_file(&workbook, None);
    assert_eq!(srmc::format::format_source(&outcome.srm), outcome.srm);
    assert!(outcome
        .srm
        .contains("// iaas-compute.xlsx, sheet `Matrix`, row 2\n"));
    let head: String = outcome.srm.lines().take(40).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(head);
}

#[test]
fn srmc_csv_comes_back_with_the_same_ownership_plain_or_for_excel() {
    let dir = tempfile::tempdir().unwrap();
    let path = root().join("matrices/nimbus-saas-and-db.srm");
    let original = common::compile(&path);
    let mut srm = Vec::new();
    for (name, excel) in [("plain", false), ("excel", true)] {
        let mut bytes = Vec::new();
        srmc::render::render_for_excel_to(
            &original,
            srmc::render::Format::RaciCsv,
            None,
            None,
            excel,
            &mut bytes,
        )
        .unwrap();
        // One name in two directories: the comments name the file and its sheet.
        std::fs::create_dir(dir.path().join(name)).unwrap();
        let csv = dir.path().join(name).join("nimbus.csv");
        std::fs::write(&csv, bytes).unwrap();
        let outcome = import_file(&csv, None);
        // A CSV does not say what kind of party one that is never accountable is.
        assert!(
            outcome
                .reports
                .iter()
                .all(|r| r.message.contains("the kind of party `auditco`")),
            "{:?}",
            outcome.reports
        );
        srm.push(outcome.srm);
    }
    assert_eq!(srm[0], srm[1], "--excel's guards come off");
    let again = compile_text(dir.path(), "again.srm", &srm[0]);
    let human = srmc::diagnostics::render_human(&again.diagnostics, &again.sources, false);
    assert_eq!(again.errors(), 0, "{human}");
    let ownership = |c: &srmc::Compilation| -> Vec<(String, String, String, usize)> {
        let checked = c.checked.as_ref().unwrap();
        let published = srmc::published::Published::of(&checked.model, &checked.graph, None, &[]);
        published
            .pairs
            .iter()
            .map(|p| {
                (
                    p.service.to_string(),
                    p.control.to_string(),
                    p.ownership.to_string(),
                    p.duties.len(),
                )
            })
            .collect()
    };
    assert_eq!(ownership(&again), ownership(&original));
}

fn example(name: &str) -> PathBuf {
    root().join("matrices/import").join(name)
}

fn example_map() -> String {
    std::fs::read_to_string(example("legacy-crm.map.toml")).unwrap()
}

/// The example CSV saved as a workbook, as its owner's spreadsheet would: the family cells
/// merged, the rest as typed.
fn example_as_xlsx(path: &Path) {
    let text = std::fs::read_to_string(example("legacy-crm.csv")).unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("legacy-crm").unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    for (row, record) in records.iter().enumerate() {
        for (column, cell) in record.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(row as u32, column as u16, cell).unwrap();
            }
        }
    }
    // Access Control spans rows 4 to 6 (0-based 3 to 5).
    let format = rust_xlsxwriter::Format::new();
    sheet
        .merge_range(3, 0, 5, 0, "Access Control", &format)
        .unwrap();
    workbook.save(path).unwrap();
}

#[test]
fn the_example_in_a_foreign_layout_imports_through_its_map_and_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme-widgets.srm");
    srmc()
        .arg("import")
        .arg(example("legacy-crm.csv"))
        .arg("--map")
        .arg(example("legacy-crm.map.toml"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let srm = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!(srm);
    let compilation = srmc::compile(&out, Default::default()).unwrap();
    assert!(
        compilation.diagnostics.is_empty(),
        "{:?}",
        compilation.diagnostics
    );

    let xlsx = dir.path().join("legacy-crm.xlsx");
    example_as_xlsx(&xlsx);
    let from_xlsx = import_file(&xlsx, Some(&example_map()));
    assert!(from_xlsx.reports.is_empty(), "{:?}", from_xlsx.reports);
    assert_eq!(
        from_xlsx.srm.replace("legacy-crm.xlsx", "legacy-crm.csv"),
        srm,
        "the workbook and the CSV give the same matrix"
    );

    // legacy-crm.ods is the same sheet as LibreOffice Calc saves it: the family a merged cell
    // over covered cells, empty cells and rows repeated to the edge of the sheet.
    let from_ods = import_file(&example("legacy-crm.ods"), Some(&example_map()));
    assert!(from_ods.reports.is_empty(), "{:?}", from_ods.reports);
    assert_eq!(
        from_ods.srm.replace("legacy-crm.ods", "legacy-crm.csv"),
        srm,
        "the OpenDocument spreadsheet and the CSV give the same matrix"
    );
}

#[test]
fn init_map_guesses_a_mapping_from_the_header_row() {
    let assert = srmc()
        .arg("import")
        .arg(example("legacy-crm.csv"))
        .arg("--init-map")
        .assert()
        .success();
    let map = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!(map.replace(&root().display().to_string(), "ROOT"));
    srmc::import::mapped::Map::parse(&map).expect("the guess is a valid mapping");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SMALL_MAP: &str = r#"
[matrix]
title = "T"
effective = "2026-01-01"
catalog = "iso27017"
[columns]
control = "Control"
responsibility = "Owner"
duty_title = "Duty"
notes = "Notes"
"#;

#[test]
fn every_row_that_cannot_come_in_is_reported_with_its_sheet_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "problems.csv",
        "Control,Owner,Duty,Notes\n\
         9.2.1,CSP,Register users,\n\
         99.9.9,CSP,Not a control,\n\
         9.2.2,Perhaps,Who knows,\n\
         9.2.3,,Nobody,\n\
         9.2.4,customer,\"Quote \"\" brace } and \"\"\"\"\"\" kept\",\"=HYPERLINK(\"\"x\"\")\"\n",
    );
    let map = write(dir.path(), "map.toml", SMALL_MAP);
    let out = dir.path().join("out.srm");
    let assert = srmc()
        .arg("import")
        .arg(&csv)
        .arg("--map")
        .arg(&map)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr)
        .replace(&dir.path().display().to_string(), "DIR");
    insta::assert_snapshot!(stderr);
    let srm = std::fs::read_to_string(&out).unwrap();
    assert!(srm.contains("// problems.csv, sheet `problems`, row 3: unknown control `99.9.9`"));
    // Hostile text stays one string: the duty's title is exactly the cell.
    let compilation = srmc::compile(&out, Default::default()).unwrap();
    let model = &compilation.checked.as_ref().unwrap().model;
    assert!(model
        .duties
        .iter()
        .any(|d| d.title == "Quote \" brace } and \"\"\" kept"));
    assert!(model
        .duties
        .iter()
        .any(|d| d.notes.iter().any(|n| n == "=HYPERLINK(\"x\")")));
}

#[test]
fn a_file_that_is_not_a_spreadsheet_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("renamed.xlsx");
    std::fs::write(&binary, b"\x7fELF\x02\x01\x01\0not a workbook").unwrap();
    srmc()
        .arg("import")
        .arg(&binary)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a spreadsheet"));
    let fake = dir.path().join("broken.xlsx");
    std::fs::write(&fake, b"PK\x03\x04 and then nothing of a zip").unwrap();
    srmc()
        .arg("import")
        .arg(&fake)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a spreadsheet"));
    let unknown = write(dir.path(), "cells.csv", "a,b,c\n1,2,3\n");
    srmc()
        .arg("import")
        .arg(&unknown)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--init-map"));
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.xlsx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    srmc()
        .arg("import")
        .arg(&bomb)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("as zip bombs do"));
    // The whole archive is bounded too.
    let error = srmc::import::table::read(
        &bomb,
        srmc::import::Bounds {
            max_unpacked_bytes: 1 << 20,
            ..Default::default()
        },
    )
    .err()
    .unwrap();
    assert!(
        error.contains("zip bombs") || error.contains("unpacks to"),
        "{error}"
    );
}

#[test]
fn too_many_rows_are_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Control,Owner\n");
    for _ in 0..150 {
        text.push_str("9.2.1,CSP\n");
    }
    let csv = write(dir.path(), "long.csv", &text);
    let map = write(dir.path(), "map.toml", SMALL_MAP);
    let out = dir.path().join("out.srm");
    srmc()
        .arg("import")
        .arg(&csv)
        .arg("--map")
        .arg(&map)
        .args(["--max-rows", "100", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "more than 100 rows in one sheet; raise --max-rows",
        ));
    assert!(!out.exists());
}

#[test]
fn formulas_give_their_saved_value_and_dates_in_id_columns_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("formulas.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in ["Control", "Owner", "Duty", "Notes"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    // A formula whose saved value is the id: the value is read, the formula never run.
    let formula = rust_xlsxwriter::Formula::new("=CONCAT(\"9.2\",\".1\")").set_result("9.2.1");
    sheet.write_formula(1, 0, formula).unwrap();
    sheet.write_string(1, 1, "CSP").unwrap();
    sheet.write_string(1, 2, "Register users").unwrap();
    // An id a spreadsheet turned into a date.
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 9, 2).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_datetime_with_format(2, 0, &date, &format)
        .unwrap();
    sheet.write_string(2, 1, "CSP").unwrap();
    workbook.save(&path).unwrap();
    let outcome = import_file(&path, Some(SMALL_MAP));
    assert!(
        outcome.srm.contains("control 9.2.1 for service"),
        "{}",
        outcome.srm
    );
    assert_eq!(outcome.reports.len(), 1, "{:?}", outcome.reports);
    let report = &outcome.reports[0];
    assert_eq!((report.at.sheet.as_str(), report.at.row), ("Sheet1", 3));
    assert!(
        report.message.contains("is a date (`2026-09-02`)"),
        "{}",
        report.message
    );
}

#[test]
fn a_bad_mapping_file_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "a.csv", "Control,Owner\n9.2.1,CSP\n");
    for (map, expected) in [
        ("[columns]\ncontrol = \"Ctrl\"\n", "no column `Ctrl`"),
        (
            "[columns]\ncontroll = \"Control\"\n",
            "unknown field `controll`",
        ),
        ("[vocabulary]\nX = \"maybe\"\n", "a word maps to provider"),
    ] {
        let map_path = write(dir.path(), "map.toml", map);
        srmc()
            .arg("import")
            .arg(&csv)
            .arg("--map")
            .arg(&map_path)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(expected));
    }
}

#[test]
fn cells_at_opposite_corners_of_a_sheet_are_refused_not_unpacked_into_a_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corners.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "Control").unwrap();
    sheet.write_string(1_048_575, 16_383, "far away").unwrap();
    workbook.save(&path).unwrap();
    srmc()
        .arg("import")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "more than 200000 rows in one sheet",
        ));
}

const ODS_CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Sheet1">"#;

/// An OpenDocument spreadsheet of one sheet whose rows are `rows` (content.xml's XML).
fn ods(dir: &Path, name: &str, rows: &str) -> PathBuf {
    let content = format!(
        "{ODS_CONTENT}{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    );
    ods_of_content(dir, name, &content)
}

fn ods_of_content(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let packed = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", packed).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#,
    )
    .unwrap();
    zip.start_file("content.xml", packed).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

fn text_cell(text: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

/// calamine unpacks every repeated row and cell of an ODS when it opens it; srmc measures the
/// repeats first, so a file of a few hundred bytes cannot make it build billions of cells or
/// strings.
#[test]
fn an_ods_is_measured_before_its_repeated_rows_and_cells_are_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    let header = format!(
        "<table:table-row>{}</table:table-row>",
        ["Control", "Owner", "Duty", "Notes"]
            .map(text_cell)
            .concat()
    );
    let row = format!(
        "<table:table-row>{}</table:table-row>",
        ["9.2.1", "CSP", "Register users"].map(text_cell).concat()
    );

    // A filled row repeated across the sheet, each cell across all its columns: 3 billion cells.
    let cells = ods(
        dir.path(),
        "cells.ods",
        &format!(
            r#"{header}<table:table-row table:number-rows-repeated="190000"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#
        ),
    );
    assert!(std::fs::metadata(&cells).unwrap().len() < 2_000);
    srmc()
        .arg("import")
        .arg(&cells)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "sheet `Sheet1`: its repeated rows and cells make a range of more than 5000000 cells",
        ));

    // A cell of ten million spaces, in 30 bytes of XML.
    let spaces = ods(
        dir.path(),
        "spaces.ods",
        &format!(
            r#"{header}<table:table-row><table:table-cell office:value-type="string"><text:p>9.2.1<text:s text:c="10000000"/></text:p></table:table-cell></table:table-row>"#
        ),
    );
    let error = srmc::import::table::read(
        &spaces,
        srmc::import::Bounds {
            max_unpacked_bytes: 1 << 20,
            ..Default::default()
        },
    )
    .err()
    .expect("refused");
    assert!(
        error.contains("its repeated cells hold more than 1048576 bytes of text"),
        "{error}"
    );

    // --max-rows holds for an ODS as for any spreadsheet; rows repeated count one by one.
    let long = ods(
        dir.path(),
        "long.ods",
        &format!(
            r#"{header}<table:table-row table:number-rows-repeated="150">{}{}</table:table-row>"#,
            text_cell("9.2.1"),
            text_cell("CSP")
        ),
    );
    let map = write(dir.path(), "map.toml", SMALL_MAP);
    srmc()
        .arg("import")
        .arg(&long)
        .arg("--map")
        .arg(&map)
        .args(["--max-rows", "100"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "more than 100 rows in one sheet; raise --max-rows",
        ));
    // Within the bounds the same file imports, as a small one does.
    let small = ods(dir.path(), "small.ods", &format!("{header}{row}"));
    let outcome = import_file(&small, Some(SMALL_MAP));
    assert!(
        outcome.srm.contains("control 9.2.1 for service"),
        "{}",
        outcome.srm
    );
    // A count that is not one is refused, not guessed at.
    let bad = ods(
        dir.path(),
        "bad.ods",
        &format!(
            r#"{header}<table:table-row table:number-rows-repeated="many">{}</table:table-row>"#,
            text_cell("x")
        ),
    );
    srmc()
        .arg("import")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`table:number-rows-repeated` is `many`, not a count",
        ));
    // A file cut short inside a sheet, or inside a cell's comment: calamine would read its end
    // for ever.
    for (name, cut) in [
        ("cut.ods", format!("{ODS_CONTENT}{header}{row}")),
        (
            "comment.ods",
            format!(
                r#"{ODS_CONTENT}{header}<table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p>unfinished"#
            ),
        ),
    ] {
        let path = ods_of_content(dir.path(), name, &cut);
        srmc()
            .arg("import")
            .arg(&path)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("its content.xml ends inside"));
    }
}
