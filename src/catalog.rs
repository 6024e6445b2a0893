//! The built-in catalogs and baselines. They are written in `.srm` (`matrices/catalogs/`,
//! `matrices/baselines/`), compiled into the binary, and read through the same parser as a
//! user's own.

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::render::json::Assignments;
use crate::source::{FileId, SourceFile, Sources};
use crate::syntax::{self, ast};

pub struct BuiltinCatalog {
    pub id: &'static str,
    pub text: &'static str,
}

pub const BUILTIN: &[BuiltinCatalog] = &[BuiltinCatalog {
    id: "iso27017",
    text: include_str!("../matrices/catalogs/iso27017.srm"),
}];

pub fn builtin(id: &str) -> Option<&'static BuiltinCatalog> {
    BUILTIN.iter().find(|catalog| catalog.id == id)
}

/// A built-in baseline (docs/language.md, "Baselines"), written in `.srm` in `matrices/baselines/`.
pub struct BuiltinBaseline {
    pub id: &'static str,
    pub text: &'static str,
}

pub const BASELINES: &[BuiltinBaseline] = &[
    BuiltinBaseline {
        id: "std-iaas",
        text: include_str!("../matrices/baselines/std-iaas.srm"),
    },
    BuiltinBaseline {
        id: "std-paas",
        text: include_str!("../matrices/baselines/std-paas.srm"),
    },
    BuiltinBaseline {
        id: "std-saas",
        text: include_str!("../matrices/baselines/std-saas.srm"),
    },
];

pub fn builtin_baseline(id: &str) -> Option<&'static BuiltinBaseline> {
    BASELINES.iter().find(|baseline| baseline.id == id)
}

/// Adds an embedded file to `sources` (as `<builtin>/ID.srm`), parses it and picks out its item.
fn load_builtin<T>(
    id: &str,
    text: &'static str,
    sources: &mut Sources,
    pick: impl Fn(ast::Item) -> Option<T>,
) -> (FileId, T) {
    let file = sources.add(SourceFile::new(
        format!("<builtin>/{id}.srm"),
        None,
        text.to_owned(),
    ));
    let parsed = syntax::parse(file, text);
    let diagnostics = parsed.diagnostics;
    match parsed.tree.items.into_iter().find_map(pick) {
        Some(item) if diagnostics.is_empty() => (file, item),
        // The embedded files are checked by the test suite; this is a build defect.
        _ => panic!(
            "built-in {id} does not parse: {:?}",
            diagnostics
                .iter()
                .map(Diagnostic::full_message)
                .collect::<Vec<_>>()
        ),
    }
}

impl BuiltinBaseline {
    /// Adds the baseline's file to `sources` (as `<builtin>/ID.srm`) and parses it.
    pub fn load(&self, sources: &mut Sources) -> ast::Baseline {
        let (_, baseline) = load_builtin(self.id, self.text, sources, |item| match item {
            ast::Item::Baseline(baseline) if baseline.id.value == self.id => Some(baseline),
            _ => None,
        });
        baseline
    }
}

impl BuiltinCatalog {
    /// Adds the catalog's file to `sources` (as `<builtin>/ID.srm`) and parses it.
    pub fn load(&self, sources: &mut Sources) -> (FileId, ast::Catalog) {
        load_builtin(self.id, self.text, sources, |item| match item {
            ast::Item::Catalog(catalog) if catalog.id.value == self.id => Some(catalog),
            _ => None,
        })
    }
}

/// One built-in catalog or baseline, as `srmc catalog` shows it.
#[derive(Serialize)]
struct Listed {
    id: &'static str,
    kind: &'static str,
    title: String,
    /// Controls (a catalog) or control blocks (a baseline).
    size: usize,
}

fn listing() -> Vec<Listed> {
    let catalogs = BUILTIN.iter().map(|builtin| {
        let (_, catalog) = builtin.load(&mut Sources::new());
        Listed {
            id: builtin.id,
            kind: "catalog",
            title: catalog.title.value,
            size: catalog.controls.len(),
        }
    });
    let baselines = BASELINES.iter().map(|builtin| {
        let baseline = builtin.load(&mut Sources::new());
        Listed {
            id: builtin.id,
            kind: "baseline",
            title: baseline.title.value,
            size: baseline.blocks.len(),
        }
    });
    catalogs.chain(baselines).collect()
}

/// `srmc catalog`: the built-in catalogs and baselines, one per line (or as JSON).
pub fn list(json: bool) -> String {
    let listed = listing();
    if json {
        return to_json(&serde_json::json!({ "builtin": listed }));
    }
    let mut out = String::new();
    for item in &listed {
        let size = match item.kind {
            "catalog" => {
                let (_, catalog) = builtin(item.id).expect("listed").load(&mut Sources::new());
                format!(
                    "{} controls in {} domains",
                    item.size,
                    catalog.domains.len()
                )
            }
            _ => format!("{} control blocks", item.size),
        };
        out.push_str(&format!(
            "{:<9} {:<12} {} ({size})\n",
            item.kind, item.id, item.title
        ));
    }
    out.push_str(
        "\n`srmc catalog ID` shows one: a catalog's controls, a baseline's duties per control.\n",
    );
    out
}

fn to_json(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a catalog serializes");
    text.push('\n');
    text
}

#[derive(Serialize)]
struct CatalogView {
    id: String,
    title: String,
    domains: Vec<DomainView>,
}

#[derive(Serialize)]
struct DomainView {
    id: String,
    title: String,
    controls: Vec<ControlView>,
}

#[derive(Serialize)]
struct ControlView {
    id: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reach: Option<Vec<String>>,
}

fn catalog_view(catalog: &ast::Catalog) -> CatalogView {
    CatalogView {
        id: catalog.id.value.clone(),
        title: catalog.title.value.clone(),
        domains: catalog
            .domains
            .iter()
            .map(|domain| DomainView {
                id: domain.id.value.clone(),
                title: domain.title.value.clone(),
                controls: catalog
                    .controls
                    .iter()
                    .filter(|c| c.domain.value == domain.id.value)
                    .map(|c| ControlView {
                        id: c.id.value.clone(),
                        title: c.title.value.clone(),
                        reach: c
                            .reach
                            .as_ref()
                            .map(|models| models.iter().map(|m| m.value.clone()).collect()),
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct BaselineView {
    id: String,
    title: String,
    /// Every control of the catalog the baseline is written for, in its order, with what the
    /// baseline gives it.
    controls: Vec<BaselineControl>,
}

#[derive(Serialize)]
struct BaselineControl {
    id: String,
    title: String,
    duties: Vec<BaselineDuty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exclusion: Option<String>,
}

#[derive(Serialize)]
struct BaselineDuty {
    id: String,
    title: String,
    /// Role keyword → letters, as written (`{"provider": "RA"}`).
    assignments: Assignments<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<String>,
}

/// Whether a control list of a baseline names `id` (the built-in baselines are written for
/// `iso27017`, whose ids are unqualified).
fn names(refs: &[ast::ControlRef], id: &str) -> bool {
    refs.iter().any(|r| {
        if r.pattern {
            id.starts_with(&r.id)
        } else {
            r.id == id
        }
    })
}

fn baseline_view(builtin: &BuiltinBaseline) -> BaselineView {
    let mut sources = Sources::new();
    let baseline = builtin.load(&mut sources);
    let (_, catalog) = BUILTIN[0].load(&mut sources);
    let controls = catalog
        .controls
        .iter()
        .map(|control| {
            let id = control.id.value.as_str();
            let duties = baseline
                .blocks
                .iter()
                .filter(|block| names(&block.controls, id))
                .flat_map(|block| block.duties.iter().enumerate())
                .map(|(position, duty)| BaselineDuty {
                    id: duty
                        .id
                        .as_ref()
                        .map_or_else(|| (position + 1).to_string(), |id| id.value.clone()),
                    title: duty
                        .title
                        .as_ref()
                        .map_or_else(String::new, |t| t.value.clone()),
                    assignments: Assignments(
                        duty.assignments
                            .iter()
                            .map(|a| {
                                let letters: Vec<&str> =
                                    a.letters.iter().map(|&l| sources.text(l)).collect();
                                (sources.text(a.party).to_owned(), letters.concat())
                            })
                            .collect(),
                    ),
                    evidence: duty.evidence.iter().map(|e| e.value.clone()).collect(),
                })
                .collect();
            let exclusion = baseline
                .exclusions
                .iter()
                .find(|e| names(&e.controls, id))
                .map(|e| {
                    e.justification
                        .as_ref()
                        .map_or_else(String::new, |j| j.value.clone())
                });
            BaselineControl {
                id: id.to_owned(),
                title: control.title.value.clone(),
                duties,
                exclusion,
            }
        })
        .collect();
    BaselineView {
        id: baseline.id.value,
        title: baseline.title.value,
        controls,
    }
}

/// `srmc catalog ID`: a catalog's domains and controls, or a baseline's duties per control;
/// `None` when there is no built-in of that id.
pub fn describe(id: &str, json: bool) -> Option<String> {
    if let Some(builtin) = builtin(id) {
        let (_, catalog) = builtin.load(&mut Sources::new());
        let view = catalog_view(&catalog);
        if json {
            return Some(to_json(&view));
        }
        let width = catalog
            .controls
            .iter()
            .map(|c| c.id.value.len())
            .max()
            .unwrap_or(0);
        let mut out = format!(
            "{} — {}\n{} controls in {} domains\n",
            view.id,
            view.title,
            catalog.controls.len(),
            view.domains.len()
        );
        for domain in &view.domains {
            out.push_str(&format!("\n{} ({})\n", domain.title, domain.id));
            for control in &domain.controls {
                out.push_str(&format!("  {:<width$}  {}\n", control.id, control.title));
            }
        }
        return Some(out);
    }
    let view = baseline_view(builtin_baseline(id)?);
    if json {
        return Some(to_json(&view));
    }
    let mut out = format!(
        "{} — {}\nwhat `use {}` gives a service, control by control (role keywords resolve per service)\n",
        view.id, view.title, view.id
    );
    for control in &view.controls {
        out.push_str(&format!("\n{}  {}\n", control.id, control.title));
        if let Some(why) = &control.exclusion {
            out.push_str(&format!("  excluded: {why}\n"));
        }
        for duty in &control.duties {
            let letters: Vec<String> = duty
                .assignments
                .0
                .iter()
                .map(|(party, letters)| format!("{party}: {letters}"))
                .collect();
            out.push_str(&format!(
                "  {} — {} [{}]\n",
                duty.id,
                duty.title,
                letters.join(", ")
            ));
            for evidence in &duty.evidence {
                out.push_str(&format!("      evidence: {evidence}\n"));
            }
        }
    }
    Some(out)
}
