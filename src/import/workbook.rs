//! srmc's own workbook (`build --format xlsx`, src/render/xlsx.rs) read back: the header from
//! Summary, the catalogs of the matrix's own from Controls, Parties, Services, one block per pair
//! of Matrix, and Exclusions. Duties a baseline gives come back through the service's `use`;
//! [`reproduce`] compiles the result and checks its fingerprint against the one the workbook
//! states, so a round trip that is not exact is reported, never assumed.

use std::collections::HashMap;

use super::table::Sheet;
use super::{
    Block, CatalogDef, ControlDef, DutyDef, ExclusionDef, Imported, PartyDef, Place, ServiceDef,
};
use crate::render::xlsx;

pub(crate) fn is_srmc_workbook(sheets: &[Sheet]) -> bool {
    [xlsx::SUMMARY, xlsx::MATRIX, xlsx::PARTIES, xlsx::SERVICES]
        .iter()
        .all(|name| sheets.iter().any(|s| s.name == *name))
}

fn sheet<'s>(sheets: &'s [Sheet], name: &str) -> Result<&'s Sheet, String> {
    sheets.iter().find(|s| s.name == name).ok_or_else(|| {
        format!("the workbook has no sheet `{name}`, which srmc's own workbooks have")
    })
}

/// The columns of a sheet by header name (row 1).
fn columns(sheet: &Sheet) -> HashMap<&str, usize> {
    sheet
        .rows
        .first()
        .map(|header| {
            header
                .iter()
                .enumerate()
                .map(|(index, cell)| (cell.text.as_str(), index))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads one data row's named cells.
struct Row<'s> {
    sheet: &'s Sheet,
    columns: &'s HashMap<&'s str, usize>,
    index: usize,
}

impl<'s> Row<'s> {
    fn get(&self, column: &str) -> &'s str {
        self.columns
            .get(column)
            .map_or("", |&c| self.sheet.at(self.index, c))
    }

    fn place(&self) -> Place {
        Place {
            sheet: self.sheet.name.clone(),
            row: self.index + 1,
        }
    }
}

fn rows<'s>(
    sheet: &'s Sheet,
    columns: &'s HashMap<&'s str, usize>,
) -> impl Iterator<Item = Row<'s>> + 's {
    (1..sheet.rows.len())
        .map(move |index| Row {
            sheet,
            columns,
            index,
        })
        .filter(|row| row.sheet.rows[row.index].iter().any(|c| !c.text.is_empty()))
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_owned).collect()
    }
}

fn notes(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(xlsx::NOTE_SEPARATOR)
            .map(str::to_owned)
            .collect()
    }
}

pub(crate) fn import(sheets: &[Sheet]) -> Result<Imported, String> {
    let mut imported = Imported::default();
    let summary = sheet(sheets, xlsx::SUMMARY)?;
    let mut fields: HashMap<&str, (usize, &str)> = HashMap::new();
    for (index, row) in summary.rows.iter().enumerate() {
        if let (Some(label), Some(value)) = (row.first(), row.get(1)) {
            fields
                .entry(label.text.as_str())
                .or_insert((index, value.text.as_str()));
        }
    }
    let field = |name: &str| fields.get(name).map_or("", |(_, v)| *v).to_owned();
    imported.header.title = field("title");
    imported.header.version = field("version");
    imported.header.effective = field("effective");
    imported.header.catalogs = list(&field("catalogs"));
    imported.header.scope = fields.get("scope").map(|(_, v)| (*v).to_owned());
    for keyword in crate::analyze::model::DocumentControl::KEYWORDS {
        if let Some((_, value)) = fields.get(keyword) {
            imported
                .header
                .document
                .push((keyword, (*value).to_owned()));
        }
    }
    imported.header.history = summary
        .rows
        .iter()
        .filter(|row| row.first().is_some_and(|c| c.text == "history"))
        .map(|row| {
            let cell = |i: usize| row.get(i).map_or_else(String::new, |c| c.text.clone());
            (cell(1), cell(2), cell(3))
        })
        .collect();
    if let Some((row, fingerprint)) = fields.get("fingerprint") {
        imported.claimed_fingerprint = Some((
            Place {
                sheet: summary.name.clone(),
                row: row + 1,
            },
            (*fingerprint).to_owned(),
        ));
    }
    if let Some((row, party)) = fields.get("extract for") {
        imported.report(
            Place {
                sheet: summary.name.clone(),
                row: row + 1,
            },
            format!("the workbook is `{party}`'s extract, not the whole matrix: only its pairs come back"),
        );
    }

    if let Ok(controls) = sheet(sheets, xlsx::CONTROLS) {
        let columns = columns(controls);
        for row in rows(controls, &columns) {
            if row.get("built in") == "yes" {
                continue;
            }
            let id = row.get("catalog");
            let position = match imported.catalogs.iter().position(|c| c.id == id) {
                Some(position) => position,
                None => {
                    imported.catalogs.push(CatalogDef {
                        id: id.to_owned(),
                        title: row.get("catalog title").to_owned(),
                        ..CatalogDef::default()
                    });
                    imported.catalogs.len() - 1
                }
            };
            let catalog = &mut imported.catalogs[position];
            let domain = row.get("domain");
            if !catalog.domains.iter().any(|(d, _)| d == domain) {
                catalog
                    .domains
                    .push((domain.to_owned(), row.get("domain title").to_owned()));
            }
            catalog.controls.push(ControlDef {
                id: row.get("control").to_owned(),
                title: row.get("control title").to_owned(),
                domain: domain.to_owned(),
                reach: row.get("reach").to_owned(),
            });
        }
    }

    let parties = sheet(sheets, xlsx::PARTIES)?;
    let columns = self::columns(parties);
    for row in rows(parties, &columns) {
        let team_of = Some(row.get("team of")).filter(|t| !t.is_empty());
        imported.parties.push(PartyDef {
            id: row.get("id").to_owned(),
            name: row.get("name").to_owned(),
            kind: row.get("kind").to_owned(),
            team_of: team_of.map(str::to_owned),
        });
    }

    let services = sheet(sheets, xlsx::SERVICES)?;
    let columns = self::columns(services);
    for row in rows(services, &columns) {
        for baseline in list(row.get("use")) {
            if crate::catalog::builtin_baseline(&baseline).is_none() {
                imported.report(
                    row.place(),
                    format!(
                        "service `{}` uses baseline `{baseline}`, which its matrix defines: the \
                         workbook shows what the baseline gives, not the baseline; copy its \
                         definition into the imported file",
                        row.get("id")
                    ),
                );
            }
        }
        imported.services.push(ServiceDef {
            id: row.get("id").to_owned(),
            name: row.get("name").to_owned(),
            model: row.get("model").to_owned(),
            provider: row.get("provider").to_owned(),
            customer: Some(row.get("customer"))
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            regions: lines(row.get("regions")),
            uses: list(row.get("use")),
            runs_on: list(row.get("runs on")),
            subservice: row.get("subservice") == "yes",
        });
    }

    matrix(sheet(sheets, xlsx::MATRIX)?, &mut imported);

    if let Ok(exclusions) = sheet(sheets, xlsx::EXCLUSIONS) {
        let columns = self::columns(exclusions);
        for row in rows(exclusions, &columns) {
            // A baseline's exclusion comes back with the baseline's `use`.
            if row.get("level") == "baseline" {
                continue;
            }
            let (service, justification) = (row.get("service"), row.get("justification"));
            let control = row.get("control").to_owned();
            match imported
                .exclusions
                .iter_mut()
                .find(|e| e.service == service && e.justification == justification)
            {
                Some(exclusion) => exclusion.controls.push(control),
                None => imported.exclusions.push(ExclusionDef {
                    at: row.place(),
                    service: service.to_owned(),
                    controls: vec![control],
                    justification: justification.to_owned(),
                }),
            }
        }
    }
    Ok(imported)
}

/// The Matrix sheet: consecutive rows of one service and control are one pair.
fn matrix(matrix: &Sheet, imported: &mut Imported) {
    let columns = columns(matrix);
    let parties: Vec<(usize, String)> = columns
        .iter()
        .filter_map(|(name, &index)| {
            name.strip_suffix(" (RACI)")
                .map(|party| (index, party.to_owned()))
        })
        .collect();
    let mut parties = parties;
    parties.sort();
    for row in rows(matrix, &columns) {
        let (service, control) = (row.get("service"), row.get("control"));
        let origin = row.get("origin");
        let duty = row.get("duty");
        if let Some(upstream) = origin.strip_prefix("upstream ") {
            imported.report(
                row.place(),
                format!(
                    "an obligation of upstream `{upstream}` ({service}, {control}/{duty}): an \
                     upstream and its take-ups are not imported; name the upstream and take the \
                     obligation up by hand"
                ),
            );
            continue;
        }
        if duty.is_empty() {
            // An excluded pair (its exclusion is read from Exclusions) or an unowned one; its
            // control notes are still the matrix's.
            let notes = notes(row.get("control notes"));
            if !notes.is_empty() {
                let block = block_for(imported, &row, service, control);
                block.notes = notes;
            }
            continue;
        }
        if let Some(baseline) = origin.strip_prefix("baseline ") {
            let _ = baseline;
            imported
                .baseline_duties
                .entry((service.to_owned(), control.to_owned()))
                .or_insert_with(|| (row.place(), Vec::new()))
                .1
                .push(duty.to_owned());
            let notes = notes(row.get("control notes"));
            if !notes.is_empty() {
                block_for(imported, &row, service, control).notes = notes;
            }
            continue;
        }
        if let Some(from) = origin.strip_prefix("inherited ") {
            imported.report(
                row.place(),
                format!(
                    "duty `{duty}` of {service} / {control} is inherited from `{from}` (a \
                     sub-service, or an upstream's service), whose own duties the workbook does \
                     not hold: declare it (`subservice`, or `upstream` and `runs-on`) and its \
                     `inherit` by hand"
                ),
            );
            continue;
        }
        let assignments = parties
            .iter()
            .filter_map(|(index, party)| {
                let letters = row.sheet.at(row.index, *index);
                (!letters.is_empty()).then(|| (party.clone(), super::spaced_letters(letters)))
            })
            .collect();
        let duty = DutyDef {
            at: row.place(),
            id: duty.to_owned(),
            title: row.get("duty title").to_owned(),
            assignments,
            evidence: lines(row.get("evidence")),
            notes: notes(row.get("duty notes")),
        };
        let control_notes = notes(row.get("control notes"));
        let block = block_for(imported, &row, service, control);
        block.notes = control_notes;
        block.duties.push(duty);
    }
}

/// The block of the pair the row is about: the last one, when the rows before were the same
/// pair's.
fn block_for<'i>(
    imported: &'i mut Imported,
    row: &Row,
    service: &str,
    control: &str,
) -> &'i mut Block {
    let same = imported
        .blocks
        .last()
        .is_some_and(|b| b.service == service && b.control == control);
    if !same {
        imported.blocks.push(Block {
            at: row.place(),
            service: service.to_owned(),
            control: control.to_owned(),
            replace: false,
            notes: Vec::new(),
            duties: Vec::new(),
        });
    }
    imported.blocks.last_mut().expect("just pushed")
}

/// Compiles the import and makes it say what the workbook says: where a baseline gives a pair
/// duties the workbook does not show (a `replace` or an exclusion set them aside), the pair's
/// block replaces them. Then the fingerprint must be the workbook's, or the import reports why
/// not. A spreadsheet that states no fingerprint is returned as it is.
pub(crate) fn reproduce(mut imported: Imported) -> Result<Imported, String> {
    let Some((claimed_at, claimed)) = imported.claimed_fingerprint.clone() else {
        return Ok(imported);
    };
    let Some(published) = compile_published(&imported)? else {
        imported.report(
            claimed_at,
            "the imported matrix does not compile; `srmc check` on it says why",
        );
        return Ok(imported);
    };
    let own_baselines: Vec<&str> = imported
        .services
        .iter()
        .filter(|s| {
            s.uses
                .iter()
                .any(|b| crate::catalog::builtin_baseline(b).is_none())
        })
        .map(|s| s.id.as_str())
        .collect();
    let own_baselines: Vec<String> = own_baselines.into_iter().map(str::to_owned).collect();
    // Which block is each pair's: looked up once per pair of a matrix of thousands.
    let block_of: HashMap<(&str, &str), usize> = imported
        .blocks
        .iter()
        .enumerate()
        .map(|(index, b)| ((b.service.as_str(), b.control.as_str()), index))
        .collect();
    let block_of: HashMap<(String, String), usize> = block_of
        .into_iter()
        .map(|((s, c), i)| ((s.to_owned(), c.to_owned()), i))
        .collect();
    let mut changed = false;
    for pair in &published.0.pairs {
        // Already reported: the import cannot know what such a baseline gives.
        if own_baselines.iter().any(|s| s == pair.service.as_ref()) {
            continue;
        }
        let from_baseline: Vec<&str> = pair
            .duties
            .iter()
            .filter(|d| d.origin.as_ref().is_some_and(|o| o.kind == "baseline"))
            .map(|d| d.id.as_ref())
            .collect();
        let key = (pair.service.to_string(), pair.control.to_string());
        let shown = imported.baseline_duties.get(&key);
        let shown_ids: Vec<&str> = shown.map_or_else(Vec::new, |(_, ids)| {
            ids.iter().map(String::as_str).collect()
        });
        if from_baseline == shown_ids || pair.exclusion.is_some() {
            continue;
        }
        if shown_ids.is_empty() {
            if let Some(&block) = block_of.get(&key) {
                imported.blocks[block].replace = true;
                changed = true;
            }
            continue;
        }
        let at = shown.map(|(at, _)| at.clone()).expect("ids were shown");
        imported.report(
            at,
            format!(
                "{} / {}: the workbook shows the baseline duties {} where the service's \
                 baselines give {}; a `.srm` cannot keep part of a baseline's duties as baseline \
                 duties, so the import gives the pair what the baselines give",
                key.0,
                key.1,
                shown_ids.join(", "),
                if from_baseline.is_empty() {
                    "none".to_owned()
                } else {
                    from_baseline.join(", ")
                }
            ),
        );
    }
    let published = if changed {
        compile_published(&imported)?
    } else {
        Some(published)
    };
    let fingerprint = published.map(|(_, f)| f).unwrap_or_default();
    if fingerprint != claimed && imported.reports.is_empty() {
        imported.report(
            claimed_at,
            format!(
                "the imported matrix's fingerprint is {fingerprint}, not the workbook's {claimed}: \
                 the workbook was edited, or says something a matrix cannot say the same way"
            ),
        );
    }
    Ok(imported)
}

/// What the imported matrix publishes once compiled, with its fingerprint; `None` when it has no
/// model.
fn compile_published(
    imported: &Imported,
) -> Result<Option<(crate::published::Published<'static>, String)>, String> {
    let dir = tempfile::tempdir()
        .map_err(|error| format!("cannot make a temporary directory: {error}"))?;
    let path = dir.path().join("imported.srm");
    std::fs::write(&path, imported.to_srm("the workbook"))
        .map_err(|error| format!("cannot write a temporary file: {error}"))?;
    let compilation = crate::compile(&path, crate::analyze::Limits::default()).map_err(|e| e.0)?;
    Ok(compilation.checked.as_ref().map(|checked| {
        (
            crate::published::Published::of(&checked.model, &checked.graph, None, &[]).into_owned(),
            crate::published::fingerprint(&checked.model, &checked.graph),
        )
    }))
}
