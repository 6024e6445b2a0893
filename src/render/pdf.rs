//! `--format pdf`: the annex typeset by typst in-process from `output-templates/annex.typ`.
//!
//! The world typst sees holds two files and nothing else: the template as `/annex.typ` and the
//! view as `/data.json`, which the template reads with `json("data.json")`. Matrix text never
//! becomes typst markup (hostile text stays text). No package, no system font, no network: the
//! fonts are the ones `typst-assets` bundles, and "today" is the matrix's effective date, so the
//! same matrix gives the same bytes.

use std::path::Path;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use super::view::{DomainMaker, View};
use crate::verify::{PDF_EXTRACT, PDF_FINGERPRINT};

/// The template's name, in the binary and in a `--templates` directory.
pub(crate) const TEMPLATE: &str = "annex.typ";
const BUILTIN_TEMPLATE: &str = include_str!("../../output-templates/annex.typ");

/// The bundled fonts, parsed once per process.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

struct AnnexWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("a valid virtual path"),
    )
    .intern()
}

impl World for AnnexWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.data_id {
            Err(FileError::NotSource)
        } else {
            Err(not_there(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(not_there(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_there(id: FileId) -> FileError {
    FileError::Other(Some(
        format!(
            "{:?}: the annex template can read only `data.json` (no other file, no package)",
            id.vpath()
        )
        .into(),
    ))
}

/// `YYYY-MM-DD`, the form of `effective`.
fn date(text: &str) -> Option<Datetime> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Datetime::from_ymd(year, month, day)
}

/// The template: the override in `templates_dir` if there is one, else the built-in one.
fn template(templates_dir: Option<&Path>) -> Result<String, String> {
    match templates_dir {
        Some(dir) => Ok(super::templates::read_override(dir, TEMPLATE)?
            .unwrap_or_else(|| BUILTIN_TEMPLATE.to_owned())),
        None => Ok(BUILTIN_TEMPLATE.to_owned()),
    }
}

/// The annex of `view` (an outline, as [`View::outline`] makes it) as PDF bytes.
pub(crate) fn render(
    view: View,
    maker: DomainMaker<'_>,
    templates_dir: Option<&Path>,
) -> Result<Vec<u8>, String> {
    let fingerprint = view.matrix.fingerprint.clone();
    let extract_for = view.matrix.extract_for.clone();
    let today = date(&view.matrix.effective);
    let data = super::annex::whole_json(view, maker)
        .map_err(|error| format!("cannot serialise the annex data: {error}"))?;
    let main = Source::new(file_id(&format!("/{TEMPLATE}")), template(templates_dir)?);
    let world = AnnexWorld {
        main,
        data_id: file_id("/data.json"),
        data: Bytes::new(data),
        today,
    };
    let mut document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| describe(&world, &errors))?;
    // The keywords are srmc's, whatever the template sets: `verify` trusts them.
    let info = document.info_mut();
    info.keywords = std::iter::once(format!("{PDF_FINGERPRINT}{fingerprint}"))
        .chain(extract_for.map(|party| format!("{PDF_EXTRACT}{party}")))
        .map(Into::into)
        .collect();
    let options = typst_pdf::PdfOptions {
        // A stable document id: the same matrix makes the same file.
        ident: typst::foundations::Smart::Custom(format!("srmc-{fingerprint}")),
        creator: typst::foundations::Smart::Custom(Some(format!(
            "srmc {}",
            env!("CARGO_PKG_VERSION")
        ))),
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| describe(&world, &errors))
}

/// Typst's errors as `annex.typ:LINE:COLUMN: message` lines with their hints: what a user who
/// overrode the template needs to fix it.
fn describe(world: &AnnexWorld, errors: &[SourceDiagnostic]) -> String {
    let mut out = String::from("the PDF template failed:");
    for error in errors {
        let place = error
            .span
            .id()
            .filter(|id| *id == world.main.id())
            .and_then(|_| world.range(error.span))
            .and_then(|range| world.main.lines().byte_to_line_column(range.start))
            .map_or_else(String::new, |(line, column)| {
                format!("{TEMPLATE}:{}:{}: ", line + 1, column + 1)
            });
        out.push_str(&format!("\n  {place}{}", error.message));
        for hint in &error.hints {
            out.push_str(&format!("\n    hint: {}", hint.v));
        }
    }
    out
}
