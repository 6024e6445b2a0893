//! The built-in catalogs and baselines. They are written in `.srm` (`matrices/catalogs/`,
//! `matrices/baselines/`), compiled into the binary, and read through the same parser as a
//! user's own.

use crate::diagnostics::Diagnostic;
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

/// `srmc catalog`: the built-in catalogs, one per line.
pub fn list() -> String {
    let mut out = String::new();
    for builtin in BUILTIN {
        let (_, catalog) = builtin.load(&mut Sources::new());
        out.push_str(&format!(
            "{:<12} {} ({} controls in {} domains)\n",
            builtin.id,
            catalog.title.value,
            catalog.controls.len(),
            catalog.domains.len()
        ));
    }
    out
}

/// `srmc catalog ID`: every domain and control with its title.
pub fn describe(id: &str) -> Option<String> {
    let (_, catalog) = builtin(id)?.load(&mut Sources::new());
    let width = catalog
        .controls
        .iter()
        .map(|c| c.id.value.len())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{} — {}\n{} controls in {} domains\n",
        catalog.id.value,
        catalog.title.value,
        catalog.controls.len(),
        catalog.domains.len()
    );
    for domain in &catalog.domains {
        out.push_str(&format!("\n{} ({})\n", domain.title.value, domain.id.value));
        for control in catalog
            .controls
            .iter()
            .filter(|c| c.domain.value == domain.id.value)
        {
            out.push_str(&format!(
                "  {:<width$}  {}\n",
                control.id.value, control.title.value
            ));
        }
    }
    Some(out)
}
