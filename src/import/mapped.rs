//! Layouts described by a mapping file (`--map map.toml`, README "Importing a spreadsheet"):
//! which sheet, which header row, which column holds what, the words used for marks, and how
//! control ids are written. srmc's own `raci-csv` is one such layout, built in
//! ([`Map::raci_csv`]). `--init-map` guesses a mapping from a header row ([`guess`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::table::{Kind, Sheet};
use super::{
    is_control_id, is_identifier, slug, spaced_letters, Block, CatalogDef, ControlDef, DutyDef,
    ExclusionDef, Imported, PartyDef, Place, ServiceDef,
};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Map {
    /// The sheet to read; the first one when not given.
    pub sheet: Option<String>,
    /// The header row, counted from 1.
    pub header_row: Option<usize>,
    /// Or: the header row is the first of the sheet's first 100 rows with a cell that says this.
    pub header_contains: Option<String>,
    /// Columns whose empty cells take the value of the cell above (merged cells read that way).
    #[serde(default)]
    pub forward_fill: Vec<String>,
    #[serde(default)]
    pub matrix: MatrixMap,
    #[serde(default)]
    pub columns: Columns,
    /// One column of RACI letters per party: `[parties.acme] column = "Acme", kind = "provider"`.
    #[serde(default)]
    pub parties: BTreeMap<String, PartyColumn>,
    /// More words for marks, each to `provider`, `customer`, `shared`, `partner`, `excluded` or
    /// `none`; they add to (and may override) the built-in words.
    #[serde(default)]
    pub vocabulary: BTreeMap<String, String>,
    #[serde(default)]
    pub control_ids: ControlIds,
    /// srmc's own raci-csv: `CONTROL/DUTY` references, `ID (RACI)` columns, the ownership column.
    #[serde(skip)]
    raci_csv: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixMap {
    pub title: Option<String>,
    pub version: Option<String>,
    pub effective: Option<String>,
    pub scope: Option<String>,
    /// A built-in catalog (`iso27017`) the control ids must be in, or the id of a catalog the
    /// import declares from the sheet's controls (`imported` by default).
    pub catalog: Option<String>,
    pub catalog_title: Option<String>,
    /// The service when the sheet has no service column.
    pub service: Option<String>,
    pub service_name: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub provider_name: Option<String>,
    pub customer: Option<String>,
    pub customer_name: Option<String>,
    pub partner: Option<String>,
    pub partner_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    pub control: Option<String>,
    pub control_title: Option<String>,
    pub domain: Option<String>,
    pub service: Option<String>,
    pub duty: Option<String>,
    pub duty_title: Option<String>,
    /// One column whose word says who owns the row (`CSP`, `Shared`, `Customer`, …).
    pub responsibility: Option<String>,
    /// Mark columns: a mark (`X`, `Yes`, …) there gives the row to that side.
    pub provider: Option<String>,
    pub customer: Option<String>,
    pub shared: Option<String>,
    pub partner: Option<String>,
    pub notes: Option<String>,
    pub evidence: Option<String>,
    pub justification: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyColumn {
    pub column: String,
    pub kind: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlIds {
    /// `upper`, `lower` or `keep`.
    #[serde(default = "keep")]
    pub case: String,
    /// `AC-01` → `AC-1`, `A.05.1` → `A.5.1`.
    #[serde(default)]
    pub strip_leading_zeros: bool,
    /// What to do with `AC-2(1)` and `AC-01(a)`: `dot` (`AC-2.1`), `drop` (`AC-2`) or `keep`
    /// (then such an id is reported: `(` cannot be in a control id).
    #[serde(default = "dot")]
    pub enhancements: String,
}

fn keep() -> String {
    "keep".to_owned()
}

fn dot() -> String {
    "dot".to_owned()
}

impl Default for ControlIds {
    fn default() -> Self {
        ControlIds {
            case: keep(),
            strip_leading_zeros: false,
            enhancements: dot(),
        }
    }
}

impl ControlIds {
    pub fn normalise(&self, raw: &str) -> String {
        let mut id: String = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(open) = id.find('(') {
            let (base, rest) = id.split_at(open);
            let parts: Vec<&str> = rest.split(['(', ')']).filter(|p| !p.is_empty()).collect();
            id = match self.enhancements.as_str() {
                "drop" => base.to_owned(),
                "dot" => std::iter::once(base)
                    .chain(parts)
                    .collect::<Vec<_>>()
                    .join("."),
                _ => id.clone(),
            };
        }
        if self.strip_leading_zeros {
            // A zero that starts a run of digits and is followed by another digit goes.
            let chars: Vec<char> = id.chars().collect();
            id = chars
                .iter()
                .enumerate()
                .filter(|&(i, &c)| {
                    let starts_run = i == 0 || !chars[i - 1].is_ascii_digit() || {
                        // Inside a run, only zeros that follow the run's leading zeros go.
                        chars[..i]
                            .iter()
                            .rev()
                            .take_while(|p| p.is_ascii_digit())
                            .all(|p| *p == '0')
                    };
                    let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
                    !(c == '0' && starts_run && next_digit)
                })
                .map(|(_, c)| *c)
                .collect();
        }
        match self.case.as_str() {
            "upper" => id.to_ascii_uppercase(),
            "lower" => id.to_ascii_lowercase(),
            _ => id,
        }
    }
}

/// Who a mark gives a row to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Provider,
    Customer,
    Shared,
    Partner,
    Excluded,
    None,
}

fn side_of(word: &str) -> Option<Side> {
    Some(match word {
        "provider" => Side::Provider,
        "customer" => Side::Customer,
        "shared" => Side::Shared,
        "partner" => Side::Partner,
        "excluded" => Side::Excluded,
        "none" => Side::None,
        _ => return None,
    })
}

/// The words spreadsheets commonly use, lower-cased. In a mark column a "yes" word gives the row
/// to the column's side; in the responsibility column the word itself says the side.
const BUILTIN_WORDS: &[(&str, &str)] = &[
    ("x", "yes"),
    ("yes", "yes"),
    ("y", "yes"),
    ("true", "yes"),
    ("1", "yes"),
    ("✓", "yes"),
    ("✔", "yes"),
    ("no", "none"),
    ("n", "none"),
    ("false", "none"),
    ("0", "none"),
    ("-", "none"),
    ("csp", "provider"),
    ("provider", "provider"),
    ("service provider", "provider"),
    ("csp-owned", "provider"),
    ("provider-owned", "provider"),
    ("service provider corporate", "provider"),
    ("service provider system specific", "provider"),
    ("inherited", "provider"),
    ("csc", "customer"),
    ("customer", "customer"),
    ("customer-owned", "customer"),
    ("csc-owned", "customer"),
    ("customer responsibility", "customer"),
    ("configured by customer", "customer"),
    ("provided by customer", "customer"),
    ("tenant", "customer"),
    ("shared", "shared"),
    ("shared csp and csc", "shared"),
    ("shared responsibility", "shared"),
    ("hybrid", "shared"),
    ("both", "shared"),
    ("partner", "partner"),
    ("third party", "partner"),
    ("n/a", "excluded"),
    ("na", "excluded"),
    ("not applicable", "excluded"),
    ("excluded", "excluded"),
];

impl Map {
    pub fn parse(text: &str) -> Result<Map, String> {
        let map: Map =
            toml::from_str(text).map_err(|error| format!("the mapping file: {error}"))?;
        for (word, side) in &map.vocabulary {
            if side != "yes" && side_of(side).is_none() {
                return Err(format!(
                    "the mapping file: `{word}` = `{side}` in [vocabulary]: a word maps to \
                     provider, customer, shared, partner, excluded, none or yes"
                ));
            }
        }
        Ok(map)
    }

    /// srmc's own `build --format raci-csv`.
    pub fn raci_csv() -> Map {
        Map {
            header_row: Some(1),
            columns: Columns {
                control: Some("control".to_owned()),
                control_title: Some("control title".to_owned()),
                domain: Some("domain".to_owned()),
                service: Some("service".to_owned()),
                duty: Some("duty".to_owned()),
                duty_title: Some("duty title".to_owned()),
                notes: Some("note".to_owned()),
                evidence: Some("evidence".to_owned()),
                ..Columns::default()
            },
            raci_csv: true,
            ..Map::default()
        }
    }

    fn word(&self, text: &str) -> Option<&str> {
        let lower = text.trim().to_lowercase();
        if let Some((_, side)) = self
            .vocabulary
            .iter()
            .find(|(w, _)| w.to_lowercase() == lower)
        {
            return Some(side.as_str());
        }
        BUILTIN_WORDS
            .iter()
            .find(|(w, _)| *w == lower)
            .map(|(_, s)| *s)
    }
}

/// The header of srmc's own raci-csv.
pub fn is_raci_csv(sheets: &[Sheet]) -> bool {
    let Some(header) = sheets.first().and_then(|s| s.rows.first()) else {
        return false;
    };
    let texts: Vec<&str> = header
        .iter()
        .map(|c| c.text.trim_start_matches('\u{feff}'))
        .collect();
    texts.starts_with(&crate::render::csv::LEAD_COLUMNS)
}

/// A cell of a CSV srmc wrote: the `'` that kept a spreadsheet from running it, and the
/// `="…"` of `--excel`, taken off.
fn unguard(text: &str) -> &str {
    if let Some(inner) = text.strip_prefix("=\"").and_then(|t| t.strip_suffix('"')) {
        return inner;
    }
    match text.strip_prefix('\'') {
        Some(rest)
            if rest.trim_start().starts_with(['=', '+', '-', '@'])
                || rest.starts_with(['\t', '\r']) =>
        {
            rest
        }
        _ => text,
    }
}

fn find_column(header: &[String], name: &str) -> Option<usize> {
    let wanted = name.trim().to_lowercase();
    header
        .iter()
        .position(|h| h.trim().to_lowercase() == wanted)
}

/// Reads the sheet the map names into a matrix.
pub fn import(sheets: &[Sheet], map: &Map, source: &str) -> Result<Imported, String> {
    let sheet = match &map.sheet {
        Some(name) => sheets.iter().find(|s| &s.name == name).ok_or_else(|| {
            let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
            format!(
                "`{source}` has no sheet `{name}`; its sheets are: {}",
                names.join(", ")
            )
        })?,
        None => sheets
            .first()
            .ok_or_else(|| format!("`{source}` has no sheet"))?,
    };
    let header_index = match (&map.header_row, &map.header_contains) {
        (Some(row), _) => row
            .checked_sub(1)
            .ok_or("the mapping file: header_row counts from 1")?,
        (None, Some(wanted)) => (0..sheet.rows.len().min(100))
            .find(|&r| {
                sheet.rows[r]
                    .iter()
                    .any(|c| c.text.trim().eq_ignore_ascii_case(wanted.trim()))
            })
            .ok_or_else(|| {
                format!(
                    "sheet `{}`: no row of the first 100 has a cell `{wanted}` (header_contains)",
                    sheet.name
                )
            })?,
        (None, None) => 0,
    };
    let header: Vec<String> = sheet
        .rows
        .get(header_index)
        .map(|cells| {
            cells
                .iter()
                .map(|c| c.text.trim_start_matches('\u{feff}').to_owned())
                .collect()
        })
        .unwrap_or_default();
    let column = |name: &Option<String>, what: &str| -> Result<Option<usize>, String> {
        match name {
            None => Ok(None),
            Some(name) => find_column(&header, name).map(Some).ok_or_else(|| {
                format!(
                    "sheet `{}`, row {}: no column `{name}` (the {what} column of the mapping); the columns are: {}",
                    sheet.name,
                    header_index + 1,
                    header.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>().join(", ")
                )
            }),
        }
    };
    let c = &map.columns;
    let col = Cols {
        control: column(&c.control, "control")?
            .ok_or("the mapping file names no control column ([columns] control = \"…\")")?,
        control_title: column(&c.control_title, "control_title")?,
        domain: column(&c.domain, "domain")?,
        service: column(&c.service, "service")?,
        duty: column(&c.duty, "duty")?,
        duty_title: column(&c.duty_title, "duty_title")?,
        responsibility: column(&c.responsibility, "responsibility")?,
        provider: column(&c.provider, "provider")?,
        customer: column(&c.customer, "customer")?,
        shared: column(&c.shared, "shared")?,
        partner: column(&c.partner, "partner")?,
        notes: column(&c.notes, "notes")?,
        evidence: column(&c.evidence, "evidence")?,
        justification: column(&c.justification, "justification")?,
        model: if map.raci_csv {
            find_column(&header, "model")
        } else {
            None
        },
        ownership: if map.raci_csv {
            find_column(&header, "ownership")
        } else {
            None
        },
    };
    let mut party_columns: Vec<(String, String, usize)> = Vec::new(); // id, kind, column
    for (id, party) in &map.parties {
        let index = column(&Some(party.column.clone()), &format!("parties.{id}"))?.expect("named");
        party_columns.push((id.clone(), party.kind.clone(), index));
    }
    if map.raci_csv {
        for (index, name) in header.iter().enumerate() {
            if let Some(id) = name.strip_suffix(" (RACI)") {
                party_columns.push((id.to_owned(), String::new(), index));
            }
        }
    }
    let fill: Vec<usize> = map
        .forward_fill
        .iter()
        .map(|name| column(&Some(name.clone()), "forward_fill").map(|c| c.expect("named")))
        .collect::<Result<_, _>>()?;

    let m = &map.matrix;
    // Without a catalog named, ids that are all a built-in catalog's are that catalog's.
    let catalog_id = m.catalog.clone().unwrap_or_else(|| {
        let ids: Vec<String> = (header_index + 1..sheet.rows.len())
            .map(|row| {
                map.control_ids
                    .normalise(unguard(sheet.at(row, col.control).trim()))
            })
            .filter(|id| !id.is_empty())
            .collect();
        crate::catalog::BUILTIN
            .iter()
            .find(|catalog| {
                let known = builtin_controls(catalog.text);
                !ids.is_empty() && ids.iter().all(|id| known.contains(id))
            })
            .map_or_else(|| "imported".to_owned(), |catalog| catalog.id.to_owned())
    });
    let builtin = crate::catalog::builtin(&catalog_id).map(|c| builtin_controls(c.text));
    let provider = m.provider.clone().unwrap_or_else(|| "csp".to_owned());
    let customer = m.customer.clone().unwrap_or_else(|| "csc".to_owned());
    let partner = m
        .partner
        .clone()
        .unwrap_or_else(|| "partner-org".to_owned());
    let default_service = m.service.clone().unwrap_or_else(|| "service".to_owned());

    let mut imported = Imported::default();
    let mut state = State::default();
    let mut previous: HashMap<usize, String> = HashMap::new();
    let mut any_raci_letters = false;
    // Rows in which each party holds an `A`, by the pair's ownership: provider, customer,
    // partner, shared.
    let mut inferred: HashMap<String, (usize, usize, usize, usize)> = HashMap::new();

    for index in header_index + 1..sheet.rows.len() {
        let row = &sheet.rows[index];
        if row.iter().all(|c| c.text.trim().is_empty()) {
            continue;
        }
        let at = Place {
            sheet: sheet.name.clone(),
            row: index + 1,
        };
        let get = |previous: &HashMap<usize, String>, column: Option<usize>| -> String {
            let Some(column) = column else {
                return String::new();
            };
            let text = sheet.at(index, column).trim();
            let text = if map.raci_csv { unguard(text) } else { text };
            if text.is_empty() {
                if let Some(filled) = previous.get(&column) {
                    return filled.clone();
                }
            }
            text.to_owned()
        };
        for &f in &fill {
            let text = sheet.at(index, f).trim();
            if !text.is_empty() {
                previous.insert(f, text.to_owned());
            }
        }
        // Ids a spreadsheet turned into dates or errors are reported, not guessed back.
        let mut broken = None;
        for (column, what) in [
            (Some(col.control), "control id"),
            (col.service, "service"),
            (col.duty, "duty id"),
        ] {
            if let Some(cell) = column.and_then(|c| sheet.cell(index, c)) {
                match cell.kind {
                    Kind::Date => broken = Some(format!(
                        "the {what} is a date (`{}`): the spreadsheet turned an id into a date; format the column as text and type the id again",
                        cell.text
                    )),
                    Kind::Error => broken = Some(format!("the {what} cell holds the error `{}`", cell.text)),
                    _ => {}
                }
            }
        }
        if let Some(message) = broken {
            imported.report(at, message);
            continue;
        }
        let ownership = get(&previous, col.ownership);
        if ownership.starts_with("obligation ") {
            imported.report(at, "an upstream's obligation: an upstream and its take-ups are not imported; name the upstream and take the obligation up by hand");
            continue;
        }
        let raw_control = get(&previous, Some(col.control));
        if raw_control.is_empty() {
            imported.report(at, "no control id in this row");
            continue;
        }
        let control = map.control_ids.normalise(&raw_control);
        if !is_control_id(&control) {
            imported.report(at, format!("`{raw_control}` is not a control id srmc can write (letters, digits, `.`, `_` and `-`); set [control_ids] in the mapping"));
            continue;
        }
        if let Some(known) = &builtin {
            if !known.iter().any(|k| k == &control) {
                imported.report(
                    at,
                    format!(
                        "unknown control `{control}`: catalog `{catalog_id}` has no such control"
                    ),
                );
                continue;
            }
        }
        let service_text = if col.service.is_some() {
            get(&previous, col.service)
        } else {
            default_service.clone()
        };
        let service_text = if service_text.is_empty() {
            default_service.clone()
        } else {
            service_text
        };
        let service = if is_identifier(&service_text) {
            service_text.clone()
        } else {
            slug(&service_text, "service")
        };
        state.service(
            &mut imported,
            &service,
            &service_text,
            get(&previous, col.model),
            m,
        );
        if builtin.is_none() {
            let domain_title = get(&previous, col.domain);
            let title = get(&previous, col.control_title);
            state.control(&catalog_id, m, &control, &title, &domain_title);
        }
        let title = {
            let duty_title = get(&previous, col.duty_title);
            if !duty_title.is_empty() {
                duty_title
            } else {
                let control_title = get(&previous, col.control_title);
                if control_title.is_empty() {
                    format!("Duty for {control}")
                } else {
                    control_title
                }
            }
        };
        let notes: Vec<String> = Some(get(&previous, col.notes))
            .filter(|n| !n.is_empty())
            .into_iter()
            .collect();
        let evidence: Vec<String> = get(&previous, col.evidence)
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        // Text a matrix may not hold (E109) is reported, as `srmc check` would.
        let texts = [
            &title,
            &get(&previous, col.notes),
            &get(&previous, col.evidence),
            &get(&previous, col.justification),
            &service_text,
        ];
        if let Some(text) = texts
            .iter()
            .find(|t| t.chars().any(|c| c.is_control() && c != '\n' && c != '\t'))
        {
            imported.report(
                at,
                format!(
                    "the text `{}` holds control characters, which a matrix may not",
                    crate::source::printable(text)
                ),
            );
            continue;
        }
        let duty_cell = get(&previous, col.duty);
        let duty_cell = if map.raci_csv {
            duty_cell
                .rsplit_once('/')
                .map_or(duty_cell.clone(), |(_, d)| d.to_owned())
        } else {
            duty_cell
        };
        let base_id = if duty_cell.is_empty() {
            None
        } else if is_identifier(&duty_cell)
            || (map.raci_csv && duty_cell.chars().all(|c| c.is_ascii_digit()))
        {
            Some(duty_cell.clone())
        } else {
            Some(slug(&duty_cell, "duty"))
        };

        // What the row says about who does it.
        let mut duties: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let mut excluded = false;
        if !party_columns.is_empty() {
            let mut assignments = Vec::new();
            let mut bad = None;
            for (id, _, column) in &party_columns {
                let text = sheet.at(index, *column).trim();
                if text.is_empty() {
                    continue;
                }
                let letters = spaced_letters(text);
                if letters
                    .split(' ')
                    .any(|l| !matches!(l, "R" | "A" | "C" | "I"))
                {
                    bad = Some(format!(
                        "ambiguous marks: `{text}` under `{}` is not RACI letters",
                        header[*column]
                    ));
                    break;
                }
                if letters.contains('A') {
                    let vote = inferred.entry(id.clone()).or_default();
                    match ownership.as_str() {
                        "provider" => vote.0 += 1,
                        "customer" => vote.1 += 1,
                        "partner" => vote.2 += 1,
                        "shared" => vote.3 += 1,
                        _ => {}
                    }
                }
                assignments.push((id.clone(), letters));
            }
            if let Some(message) = bad {
                imported.report(at, message);
                continue;
            }
            if assignments.is_empty() {
                if ownership == "excluded" || !get(&previous, col.justification).is_empty() {
                    excluded = true;
                } else if ownership.is_empty() || map.raci_csv {
                    imported.report(
                        at,
                        format!(
                            "empty ownership: no letters for `{control}` (ownership `{ownership}`)"
                        ),
                    );
                    continue;
                } else {
                    imported.report(at, "empty ownership: no party has letters in this row");
                    continue;
                }
            } else {
                any_raci_letters = true;
                duties.push((
                    base_id.clone().unwrap_or_else(|| format!("r{}", index + 1)),
                    assignments,
                ));
            }
        } else {
            let mut sides: Vec<Side> = Vec::new();
            let mut bad = None;
            for (column, side) in [
                (col.provider, Side::Provider),
                (col.customer, Side::Customer),
                (col.shared, Side::Shared),
                (col.partner, Side::Partner),
            ] {
                let text = get(&previous, column);
                if text.is_empty() {
                    continue;
                }
                match map.word(&text) {
                    Some("yes") => sides.push(side),
                    Some("none") => {}
                    Some(word) => sides.push(side_of(word).unwrap_or(side)),
                    None => bad = Some(format!("ambiguous marks: `{text}` under `{}` is not a word the mapping knows; add it to [vocabulary]", header[column.expect("read")])),
                }
            }
            let responsibility = get(&previous, col.responsibility);
            if !responsibility.is_empty() {
                match map.word(&responsibility).and_then(side_of) {
                    Some(Side::None) => {}
                    Some(side) => sides.push(side),
                    None => bad = Some(format!("ambiguous marks: `{responsibility}` is not a word the mapping knows; add it to [vocabulary]")),
                }
            }
            if let Some(message) = bad {
                imported.report(at, message);
                continue;
            }
            sides.sort_by_key(|s| *s as u8);
            sides.dedup();
            let side = match sides.as_slice() {
                [] if !get(&previous, col.justification).is_empty() => Side::Excluded,
                [] => {
                    imported.report(
                        at,
                        format!("empty ownership: nothing marks who owns `{control}`"),
                    );
                    continue;
                }
                [one] => *one,
                [Side::Provider, Side::Customer | Side::Shared]
                | [Side::Provider, Side::Customer, Side::Shared]
                | [Side::Customer, Side::Shared] => Side::Shared,
                _ => {
                    imported.report(
                        at,
                        format!("ambiguous marks: the row is marked {sides:?} at once"),
                    );
                    continue;
                }
            };
            let id = |prefix: &str| match &base_id {
                Some(base) if side != Side::Shared => base.clone(),
                Some(base) => format!("{base}-{prefix}"),
                None => format!("{prefix}-r{}", index + 1),
            };
            let ra = |party: &str| vec![(party.to_owned(), "R A".to_owned())];
            match side {
                Side::Provider => duties.push((id("csp"), ra(&provider))),
                Side::Customer => duties.push((id("csc"), ra(&customer))),
                Side::Shared => {
                    duties.push((id("csp"), ra(&provider)));
                    duties.push((id("csc"), ra(&customer)));
                }
                Side::Partner => {
                    state.partner = true;
                    duties.push((id("partner"), ra(&partner)));
                }
                Side::Excluded => excluded = true,
                Side::None => unreachable!("none is no side"),
            }
        }
        if excluded {
            let justification = get(&previous, col.justification);
            let justification = if justification.is_empty() {
                if map.raci_csv {
                    get(&previous, col.notes)
                } else {
                    String::new()
                }
            } else {
                justification
            };
            let justification = if justification.trim().is_empty() {
                format!("Marked not applicable in {source}, {at}")
            } else {
                justification
            };
            match imported
                .exclusions
                .iter_mut()
                .find(|e| e.service == service && e.justification == justification)
            {
                Some(exclusion) => {
                    if !exclusion.controls.contains(&control) {
                        exclusion.controls.push(control.clone());
                    }
                }
                None => imported.exclusions.push(ExclusionDef {
                    at,
                    service: service.clone(),
                    controls: vec![control.clone()],
                    justification,
                }),
            }
            continue;
        }
        let key = (service.clone(), control.clone());
        let block = match state.blocks.get(&key) {
            Some(&b) => b,
            None => {
                imported.blocks.push(Block {
                    at: at.clone(),
                    service: service.clone(),
                    control: control.clone(),
                    replace: false,
                    notes: Vec::new(),
                    duties: Vec::new(),
                });
                state.blocks.insert(key, imported.blocks.len() - 1);
                imported.blocks.len() - 1
            }
        };
        let block = &mut imported.blocks[block];
        for (mut id, assignments) in duties {
            if block.duties.iter().any(|d| d.id == id) {
                id = format!("{id}-r{}", index + 1);
            }
            block.duties.push(DutyDef {
                at: at.clone(),
                id,
                title: title.clone(),
                assignments,
                evidence: evidence.clone(),
                notes: notes.clone(),
            });
        }
    }

    // The header, the catalog and the parties, from the mapping or as placeholders.
    let placeholder = m.title.is_none() || m.effective.is_none();
    imported.header = super::Header {
        title: m
            .title
            .clone()
            .unwrap_or_else(|| format!("Matrix imported from {source}")),
        version: m.version.clone().unwrap_or_else(|| "0.1.0".to_owned()),
        effective: m
            .effective
            .clone()
            .unwrap_or_else(|| "2000-01-01".to_owned()),
        catalogs: vec![catalog_id.clone()],
        scope: m.scope.clone(),
        ..Default::default()
    };
    if placeholder {
        imported.preamble.push(
            "The spreadsheet gives no title or effective date: set them in the header below."
                .to_owned(),
        );
    }
    if builtin.is_none() {
        let mut catalog = state.catalog;
        catalog.id = catalog_id.clone();
        catalog.title = m
            .catalog_title
            .clone()
            .unwrap_or_else(|| format!("Controls of {source}"));
        imported.catalogs.push(catalog);
    }
    if party_columns.is_empty() {
        imported.parties.push(PartyDef {
            id: provider.clone(),
            name: m
                .provider_name
                .clone()
                .unwrap_or_else(|| "The cloud service provider".to_owned()),
            kind: "provider".to_owned(),
            team_of: None,
        });
        imported.parties.push(PartyDef {
            id: customer.clone(),
            name: m
                .customer_name
                .clone()
                .unwrap_or_else(|| "The cloud service customer".to_owned()),
            kind: "customer".to_owned(),
            team_of: None,
        });
        if state.partner {
            imported.parties.push(PartyDef {
                id: partner,
                name: m
                    .partner_name
                    .clone()
                    .unwrap_or_else(|| "The partner".to_owned()),
                kind: "partner".to_owned(),
                team_of: None,
            });
        }
    } else {
        let header_place = Place {
            sheet: sheet.name.clone(),
            row: header_index + 1,
        };
        // A party accountable only in shared pairs is on the other side of the known provider.
        let some_provider = inferred.values().any(|(p, c, x, _)| p > c && p >= x);
        for (id, kind, _) in &party_columns {
            let kind = if kind.is_empty() {
                let (p, c, x, shared) = inferred.get(id).copied().unwrap_or_default();
                if p >= c && p >= x && p > 0 {
                    "provider"
                } else if c > x {
                    "customer"
                } else if x > 0 {
                    "partner"
                } else if shared > 0 {
                    if some_provider {
                        "customer"
                    } else {
                        "provider"
                    }
                } else {
                    imported.report(header_place.clone(), format!("the kind of party `{id}` cannot be told from the rows (it is never the one accountable): written as a partner; correct it"));
                    "partner"
                }
            } else {
                kind.as_str()
            };
            let name = map
                .parties
                .get(id)
                .and_then(|p| p.name.clone())
                .unwrap_or_else(|| id.clone());
            imported.parties.push(PartyDef {
                id: id.clone(),
                name,
                kind: kind.to_owned(),
                team_of: None,
            });
        }
        if !any_raci_letters {
            imported.report(header_place, "no row gives any party letters");
        }
    }
    let provider_id = imported
        .parties
        .iter()
        .find(|p| p.kind == "provider")
        .map(|p| p.id.clone());
    let customer_count = imported
        .parties
        .iter()
        .filter(|p| p.kind == "customer")
        .count();
    let customer_id = imported
        .parties
        .iter()
        .find(|p| p.kind == "customer")
        .map(|p| p.id.clone());
    imported.services = state.services;
    for service in &mut imported.services {
        service.provider = provider_id.clone().unwrap_or_default();
        if customer_count > 1 {
            service.customer = customer_id.clone();
        }
    }
    Ok(imported)
}

struct Cols {
    control: usize,
    control_title: Option<usize>,
    domain: Option<usize>,
    service: Option<usize>,
    duty: Option<usize>,
    duty_title: Option<usize>,
    responsibility: Option<usize>,
    provider: Option<usize>,
    customer: Option<usize>,
    shared: Option<usize>,
    partner: Option<usize>,
    notes: Option<usize>,
    evidence: Option<usize>,
    justification: Option<usize>,
    model: Option<usize>,
    ownership: Option<usize>,
}

#[derive(Default)]
struct State {
    services: Vec<ServiceDef>,
    catalog: CatalogDef,
    blocks: HashMap<(String, String), usize>,
    controls: HashSet<String>,
    partner: bool,
}

impl State {
    fn service(&mut self, _: &mut Imported, id: &str, name: &str, model: String, m: &MatrixMap) {
        if self.services.iter().any(|s| s.id == id) {
            return;
        }
        let name = if name == id {
            m.service_name.clone().unwrap_or_else(|| name.to_owned())
        } else {
            name.to_owned()
        };
        let model = if model.is_empty() {
            m.model.clone().unwrap_or_else(|| "saas".to_owned())
        } else {
            model
        };
        self.services.push(ServiceDef {
            id: id.to_owned(),
            name,
            model,
            ..ServiceDef::default()
        });
    }

    fn control(
        &mut self,
        _catalog: &str,
        _m: &MatrixMap,
        control: &str,
        title: &str,
        domain_title: &str,
    ) {
        if !self.controls.insert(control.to_owned()) {
            return;
        }
        let domain_title = if domain_title.is_empty() {
            "Controls"
        } else {
            domain_title
        };
        let domain = match self.catalog.domains.iter().find(|(_, t)| t == domain_title) {
            Some((id, _)) => id.clone(),
            None => {
                let mut id = slug(domain_title, "domain");
                while self.catalog.domains.iter().any(|(d, _)| *d == id) {
                    id.push_str("-2");
                }
                self.catalog
                    .domains
                    .push((id.clone(), domain_title.to_owned()));
                id
            }
        };
        let title = if title.is_empty() {
            format!("Control {control}")
        } else {
            title.to_owned()
        };
        self.catalog.controls.push(ControlDef {
            id: control.to_owned(),
            title,
            domain,
            reach: String::new(),
        });
    }
}

/// The control ids a built-in catalog defines (`control ID "Title" in DOMAIN` lines).
fn builtin_controls(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("control "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// `--init-map`: a mapping guessed from the header row of the first sheet (or the one named),
/// every guess a line to check.
pub fn guess(sheets: &[Sheet], sheet_name: Option<&str>, source: &str) -> Result<String, String> {
    let sheet = match sheet_name {
        Some(name) => sheets
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("`{source}` has no sheet `{name}`"))?,
        None => sheets
            .first()
            .ok_or_else(|| format!("`{source}` has no sheet"))?,
    };
    // The header row: the first of the first 50 with three or more text cells.
    let header_index = (0..sheet.rows.len().min(50))
        .find(|&r| {
            sheet.rows[r]
                .iter()
                .filter(|c| c.kind == Kind::Text && !c.text.trim().is_empty())
                .count()
                >= 3
        })
        .ok_or_else(|| {
            format!(
                "sheet `{}`: no row of the first 50 looks like a header (three or more names)",
                sheet.name
            )
        })?;
    let header: Vec<&str> = sheet.rows[header_index]
        .iter()
        .map(|c| c.text.trim())
        .collect();
    const GUESSES: &[(&str, &[&str])] = &[
        (
            "control",
            &[
                "control id",
                "control",
                "control number",
                "requirement id",
                "id",
                "ref",
                "reference",
            ],
        ),
        (
            "control_title",
            &[
                "control name",
                "control title",
                "title",
                "requirement",
                "control description",
            ],
        ),
        (
            "domain",
            &["family", "domain", "category", "control family", "section"],
        ),
        ("service", &["service", "system", "product", "offering"]),
        ("duty", &["duty id", "duty"]),
        (
            "duty_title",
            &[
                "responsibility description",
                "customer responsibility",
                "duty title",
                "description",
                "activity",
            ],
        ),
        (
            "provider",
            &["csp", "provider", "service provider", "cloud provider"],
        ),
        ("customer", &["csc", "customer", "tenant", "consumer"]),
        ("shared", &["shared"]),
        ("partner", &["partner", "third party"]),
        (
            "notes",
            &[
                "notes",
                "note",
                "comments",
                "comment",
                "remarks",
                "implementation",
            ],
        ),
        // After notes: "Responsibility Notes" is notes.
        (
            "responsibility",
            &[
                "responsibility",
                "ownership",
                "owner",
                "responsible party",
                "can be inherited from csp",
                "implementation status",
            ],
        ),
        ("evidence", &["evidence", "artifacts", "artefacts", "proof"]),
        (
            "justification",
            &["justification", "rationale", "reason", "exclusion reason"],
        ),
    ];
    let mut taken: Vec<usize> = Vec::new();
    let mut lines = Vec::new();
    for (field, names) in GUESSES {
        let found = names
            .iter()
            .find_map(|name| {
                header
                    .iter()
                    .enumerate()
                    .find(|(i, h)| !taken.contains(i) && h.to_lowercase() == *name)
            })
            .or_else(|| {
                names.iter().find_map(|name| {
                    header.iter().enumerate().find(|(i, h)| {
                        !taken.contains(i) && name.len() > 3 && h.to_lowercase().contains(name)
                    })
                })
            });
        match found {
            Some((index, name)) => {
                taken.push(index);
                lines.push(format!("{field} = {}", toml_string(name)));
            }
            None => lines.push(format!("# {field} = \"…\"")),
        }
    }
    let mut out = String::new();
    out.push_str(&format!(
        "# A mapping for `srmc import {source} --map THIS-FILE`, guessed from the header row.\n\
         # Check every line; README \"Importing a spreadsheet\" says what each one means.\n\n\
         sheet = {}\nheader_row = {}\n# forward_fill = [\"…\"]   # columns whose merged cells span several rows\n\n",
        toml_string(&sheet.name),
        header_index + 1
    ));
    out.push_str(
        "[matrix]\ntitle = \"…\"\nversion = \"1.0.0\"\neffective = \"2026-01-01\"\n\
         catalog = \"imported\"        # or iso27017, when the ids are its controls\n\
         model = \"saas\"\nprovider = \"csp\"\nprovider_name = \"…\"\ncustomer = \"csc\"\ncustomer_name = \"…\"\n\n[columns]\n",
    );
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    let unused: Vec<&str> = header
        .iter()
        .enumerate()
        .filter(|(i, h)| !taken.contains(i) && !h.is_empty())
        .map(|(_, h)| *h)
        .collect();
    if !unused.is_empty() {
        out.push_str(&format!(
            "# Columns not mapped: {}\n",
            unused
                .iter()
                .map(|h| toml_string(h))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push_str(
        "\n[vocabulary]\n# \"Service Provider Corporate\" = \"provider\"   # more words for marks\n\n\
         [control_ids]\ncase = \"keep\"                 # upper, lower or keep\nstrip_leading_zeros = false    # AC-01 -> AC-1\n\
         enhancements = \"dot\"           # AC-2(1) -> AC-2.1; or drop, keep\n",
    );
    Ok(out)
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_are_normalised() {
        let ids = ControlIds {
            case: "upper".to_owned(),
            strip_leading_zeros: true,
            enhancements: "dot".to_owned(),
        };
        assert_eq!(ids.normalise("ac-01(a)"), "AC-1.A");
        assert_eq!(ids.normalise("AC-2 (1)"), "AC-2.1");
        assert_eq!(ids.normalise("A.05.10"), "A.5.10");
        assert_eq!(ids.normalise("10.1"), "10.1");
        let drop = ControlIds {
            enhancements: "drop".to_owned(),
            ..ControlIds::default()
        };
        assert_eq!(drop.normalise("AC-2(1)"), "AC-2");
    }

    #[test]
    fn guards_of_srmc_csv_come_off() {
        assert_eq!(unguard("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unguard("=\"18.2.3\""), "18.2.3");
        assert_eq!(unguard("'quoted"), "'quoted");
    }
}
