//! `srmc import`: a spreadsheet in, a `.srm` matrix out — before stage 1, the way a user's
//! existing matrix enters srmc.
//!
//! [`table`] reads the file into sheets of text cells within bounds; a layout turns those into
//! an [`Imported`] matrix: `workbook` for srmc's own `build --format xlsx`, [`mapped`] for
//! `build --format raci-csv` and any other layout through a mapping file. [`Imported::to_srm`]
//! writes it, one block per pair with a comment naming the sheet and row it came from, and
//! srmc's formatter lays it out. Every row is imported or reported with its sheet, its row and
//! why; nothing is dropped silently.

pub mod mapped;
mod ods;
pub mod table;
pub(crate) mod workbook;

use std::fmt::Write as _;
use std::path::Path;

pub use table::Bounds;

/// Where a piece of the matrix came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub sheet: String,
    /// 1-based, as the spreadsheet numbers its rows.
    pub row: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet `{}`, row {}", self.sheet, self.row)
    }
}

/// A row that was not imported, or not as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub at: Place,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Header {
    pub title: String,
    pub version: String,
    pub effective: String,
    pub catalogs: Vec<String>,
    pub scope: Option<String>,
    /// Document control, keyword → value, in the header's order.
    pub document: Vec<(&'static str, String)>,
    /// (version, date, summary) per earlier version.
    pub history: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct CatalogDef {
    pub id: String,
    pub title: String,
    /// (id, title), in order.
    pub domains: Vec<(String, String)>,
    pub controls: Vec<ControlDef>,
}

#[derive(Debug, Clone)]
pub struct ControlDef {
    pub id: String,
    pub title: String,
    pub domain: String,
    /// `iaas, paas`, or empty.
    pub reach: String,
}

#[derive(Debug, Clone)]
pub struct PartyDef {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub team_of: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceDef {
    pub id: String,
    pub name: String,
    pub model: String,
    pub provider: String,
    pub customer: Option<String>,
    pub regions: Vec<String>,
    pub uses: Vec<String>,
    pub runs_on: Vec<String>,
    pub subservice: bool,
}

/// What one service says about one control.
#[derive(Debug, Clone)]
pub struct Block {
    pub at: Place,
    pub service: String,
    pub control: String,
    /// Drops what the service's baselines give the pair.
    pub replace: bool,
    pub notes: Vec<String>,
    pub duties: Vec<DutyDef>,
}

#[derive(Debug, Clone)]
pub struct DutyDef {
    pub at: Place,
    pub id: String,
    pub title: String,
    /// (party id, letters such as `R A`), in column order.
    pub assignments: Vec<(String, String)>,
    pub evidence: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ExclusionDef {
    pub at: Place,
    pub service: String,
    pub controls: Vec<String>,
    pub justification: String,
}

/// A matrix read from a spreadsheet, ready to be written as `.srm`.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub header: Header,
    /// Said at the top of the output: what the spreadsheet did not give (a placeholder header).
    pub preamble: Vec<String>,
    pub catalogs: Vec<CatalogDef>,
    pub parties: Vec<PartyDef>,
    pub services: Vec<ServiceDef>,
    pub blocks: Vec<Block>,
    pub exclusions: Vec<ExclusionDef>,
    pub reports: Vec<Report>,
    /// The fingerprint the spreadsheet says its matrix has (srmc's own workbook).
    pub claimed_fingerprint: Option<(Place, String)>,
    /// Per (service, control), the ids of the duties the workbook shows from a baseline: those
    /// come from the service's `use`, not from a block.
    pub baseline_duties: std::collections::BTreeMap<(String, String), (Place, Vec<String>)>,
}

/// What `srmc import` did.
pub struct Outcome {
    pub srm: String,
    pub reports: Vec<Report>,
    pub rows: usize,
}

/// The options of one import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub bounds: Bounds,
    /// The mapping file's text, for a layout srmc does not know.
    pub map: Option<String>,
}

/// Reads `path` and makes a matrix of it. `Err` is a file that could not be read at all.
pub fn import(path: &Path, options: &Options) -> Result<Outcome, String> {
    let (kind, sheets) = table::read(path, options.bounds)?;
    let shown = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let imported = match (&options.map, kind) {
        (Some(map), _) => {
            let map = mapped::Map::parse(map)?;
            mapped::import(&sheets, &map, &shown)?
        }
        (None, table::FileKind::Workbook) if workbook::is_srmc_workbook(&sheets) => {
            workbook::import(&sheets)?
        }
        (None, _) if mapped::is_raci_csv(&sheets) => {
            mapped::import(&sheets, &mapped::Map::raci_csv(), &shown)?
        }
        (None, _) => {
            return Err(format!(
                "`{shown}` is not in a layout srmc knows (its own xlsx or raci-csv); describe its \
                 columns in a mapping file: `srmc import {shown} --init-map -o map.toml` writes one to \
                 start from, then `--map map.toml`"
            ))
        }
    };
    let rows = sheets.iter().map(|s| s.rows.len()).sum();
    let imported = workbook::reproduce(imported)?;
    let srm = crate::format::format_source(&imported.to_srm(&shown));
    let mut reports = imported.reports;
    reports.sort_by(|a, b| (&a.at.sheet, a.at.row).cmp(&(&b.at.sheet, b.at.row)));
    Ok(Outcome { srm, reports, rows })
}

/// A string literal of `.srm` (the one writer, [`crate::syntax::string_literal`]).
pub use crate::syntax::string_literal as quote;

/// Text fit for a `//` comment: one line, no control characters.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Letters as an assignment line writes them: `RA` → `R A`.
pub fn spaced_letters(letters: &str) -> String {
    let mut out = String::new();
    for c in letters
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '/')
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

impl Imported {
    pub fn report(&mut self, at: Place, message: impl Into<String>) {
        self.reports.push(Report {
            at,
            message: message.into(),
        });
    }

    /// The matrix as `.srm` text (laid out by the caller with srmc's formatter).
    pub fn to_srm(&self, source: &str) -> String {
        let mut out = String::new();
        let source = comment_text(source);
        let _ = writeln!(out, "// Imported by `srmc import` from {source}.");
        for line in &self.preamble {
            let _ = writeln!(out, "// {}", comment_text(line));
        }
        let header = &self.header;
        let _ = writeln!(out, "matrix {} {{", quote(&header.title));
        let _ = writeln!(out, "version {}", quote(&header.version));
        let _ = writeln!(out, "effective {}", header.effective);
        let _ = writeln!(out, "catalog {}", header.catalogs.join(", "));
        if let Some(scope) = &header.scope {
            let _ = writeln!(out, "scope {}", quote(scope));
        }
        for (keyword, value) in &header.document {
            // `review-by` is a date, the others strings.
            if *keyword == "review-by" {
                let _ = writeln!(out, "{keyword} {value}");
            } else {
                let _ = writeln!(out, "{keyword} {}", quote(value));
            }
        }
        for (version, date, summary) in &header.history {
            let _ = writeln!(out, "history {} {date} {}", quote(version), quote(summary));
        }
        out.push_str("}\n");
        for catalog in &self.catalogs {
            let _ = writeln!(out, "\ncatalog {} {} {{", catalog.id, quote(&catalog.title));
            for (id, title) in &catalog.domains {
                let _ = writeln!(out, "domain {id} {}", quote(title));
            }
            for control in &catalog.controls {
                let _ = write!(
                    out,
                    "control {} {} in {}",
                    control.id,
                    quote(&control.title),
                    control.domain
                );
                if !control.reach.is_empty() {
                    let _ = write!(out, " reach {}", control.reach);
                }
                out.push('\n');
            }
            out.push_str("}\n");
        }
        if !self.parties.is_empty() {
            out.push('\n');
        }
        for party in &self.parties {
            match &party.team_of {
                Some(of) => {
                    let _ = writeln!(out, "team {} {} of {of}", party.id, quote(&party.name));
                }
                None => {
                    let _ = writeln!(
                        out,
                        "party {} {} {}",
                        party.id,
                        party.kind,
                        quote(&party.name)
                    );
                }
            }
        }
        for service in &self.services {
            let _ = writeln!(out, "\nservice {} {} {{", service.id, quote(&service.name));
            if !service.model.is_empty() {
                let _ = writeln!(out, "model {}", service.model);
            }
            if !service.provider.is_empty() {
                let _ = writeln!(out, "provider {}", service.provider);
            }
            if let Some(customer) = &service.customer {
                let _ = writeln!(out, "customer {customer}");
            }
            if !service.regions.is_empty() {
                let regions: Vec<String> = service.regions.iter().map(|r| quote(r)).collect();
                let _ = writeln!(out, "region {}", regions.join(", "));
            }
            if !service.uses.is_empty() {
                let _ = writeln!(out, "use {}", service.uses.join(", "));
            }
            if !service.runs_on.is_empty() {
                let _ = writeln!(out, "runs-on {}", service.runs_on.join(", "));
            }
            if service.subservice {
                out.push_str("subservice\n");
            }
            out.push_str("}\n");
        }
        for block in &self.blocks {
            let _ = writeln!(
                out,
                "\n// {source}, {}",
                comment_text(&block.at.to_string())
            );
            let replace = if block.replace { " replace" } else { "" };
            let _ = writeln!(
                out,
                "control {} for {}{replace} {{",
                block.control, block.service
            );
            for note in &block.notes {
                let _ = writeln!(out, "note {}", quote(note));
            }
            for duty in &block.duties {
                if duty.at.row != block.at.row {
                    let _ = writeln!(out, "// {}", comment_text(&duty.at.to_string()));
                }
                let _ = writeln!(out, "duty {} {} {{", duty.id, quote(&duty.title));
                for (party, letters) in &duty.assignments {
                    let _ = writeln!(out, "{party}: {letters}");
                }
                for evidence in &duty.evidence {
                    let _ = writeln!(out, "evidence {}", quote(evidence));
                }
                for note in &duty.notes {
                    let _ = writeln!(out, "note {}", quote(note));
                }
                out.push_str("}\n");
            }
            out.push_str("}\n");
        }
        if !self.exclusions.is_empty() {
            out.push('\n');
        }
        for exclusion in &self.exclusions {
            let _ = writeln!(
                out,
                "// {source}, {}",
                comment_text(&exclusion.at.to_string())
            );
            let _ = writeln!(
                out,
                "exclude {} for {} {}",
                exclusion.controls.join(", "),
                exclusion.service,
                quote(&exclusion.justification)
            );
        }
        if !self.reports.is_empty() {
            let _ = writeln!(out, "\n// Rows not imported as they stand:");
            let mut reports: Vec<&Report> = self.reports.iter().collect();
            reports.sort_by(|a, b| (&a.at.sheet, a.at.row).cmp(&(&b.at.sheet, b.at.row)));
            for report in reports {
                let _ = writeln!(
                    out,
                    "// {source}, {}: {}",
                    comment_text(&report.at.to_string()),
                    comment_text(&report.message)
                );
            }
        }
        out
    }
}

/// An identifier of `.srm` made from free text: `Customer Data (EU)` → `customer-data-eu`.
pub fn slug(text: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    match out.chars().next() {
        Some(c) if c.is_ascii_lowercase() => out,
        Some(_) => format!("{fallback}-{out}"),
        None => fallback.to_owned(),
    }
}

/// Whether `text` is a `.srm` identifier.
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `text` is a `.srm` control id.
pub fn is_control_id(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_every_character() {
        assert_eq!(quote("a \"b\" \\ c\nd"), r#""a \"b\" \\ c\nd""#);
        assert_eq!(spaced_letters("RA"), "R A");
        assert_eq!(spaced_letters("r, a"), "R A");
        assert_eq!(slug("Customer Data (EU)", "x"), "customer-data-eu");
        assert_eq!(slug("9 Access", "domain"), "domain-9-access");
    }
}
