//! The outline, formatting through `srmc fmt`'s code, and quick fixes for the compiler's
//! "did you mean" hints.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, DocumentSymbol, Range, SymbolKind, TextEdit,
    Uri, WorkspaceEdit,
};

use super::documents::Lines;
use crate::source::{FileId, Span};
use crate::syntax::{self, ast};

fn symbol(
    lines: &Lines,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    whole: Span,
    selection: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    #[allow(deprecated)] // `deprecated` is a field every constructor must fill.
    DocumentSymbol {
        name: if name.is_empty() {
            "…".to_owned()
        } else {
            name
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: lines.range(whole.start as usize, whole.end as usize),
        selection_range: lines.range(selection.start as usize, selection.end as usize),
        children: (!children.is_empty()).then_some(children),
    }
}

fn control_list(controls: &[ast::ControlRef], services: Option<&Vec<ast::Name>>) -> String {
    let controls: Vec<String> = controls.iter().map(ast::ControlRef::display).collect();
    let mut name = controls.join(", ");
    if let Some(services) = services {
        let services: Vec<&str> = services.iter().map(|s| s.value.as_str()).collect();
        name.push_str(&format!(" for {}", services.join(", ")));
    }
    name
}

fn block_symbol(lines: &Lines, block: &ast::ControlBlock) -> DocumentSymbol {
    let duties = block
        .duties
        .iter()
        .map(|duty| {
            let id = duty.id.as_ref().map(|id| id.value.clone());
            let title = duty.title.as_ref().map(|t| t.value.clone());
            let (name, detail) = match (id, title) {
                (Some(id), title) => (id, title),
                (None, title) => (title.unwrap_or_default(), None),
            };
            symbol(
                lines,
                name,
                detail,
                SymbolKind::FIELD,
                duty.span,
                duty.head(),
                Vec::new(),
            )
        })
        .collect();
    let head = block.controls.first().map_or(block.span, |c| c.span);
    symbol(
        lines,
        format!(
            "control {}",
            control_list(&block.controls, block.services.as_ref())
        ),
        None,
        SymbolKind::OBJECT,
        block.span,
        head,
        duties,
    )
}

fn exclusion_symbol(lines: &Lines, exclusion: &ast::Exclusion) -> DocumentSymbol {
    let head = exclusion
        .controls
        .first()
        .map_or(exclusion.span, |c| c.span);
    symbol(
        lines,
        format!(
            "exclude {}",
            control_list(&exclusion.controls, exclusion.services.as_ref())
        ),
        exclusion.justification.as_ref().map(|j| j.value.clone()),
        SymbolKind::NULL,
        exclusion.span,
        head,
        Vec::new(),
    )
}

/// The outline of one file.
pub(super) fn outline(text: &str, lines: &Lines) -> Vec<DocumentSymbol> {
    let parsed = syntax::parse(FileId(0), text);
    let named = |name: &ast::Name| (name.value.clone(), name.span);
    parsed
        .tree
        .items
        .iter()
        .map(|item| match item {
            ast::Item::Matrix(header) => symbol(
                lines,
                header.title.value.clone(),
                Some("matrix".to_owned()),
                SymbolKind::FILE,
                header.span,
                header.title.span,
                Vec::new(),
            ),
            ast::Item::Import(import) => symbol(
                lines,
                format!("import {}", import.path.value),
                None,
                SymbolKind::FILE,
                import.span,
                import.path.span,
                Vec::new(),
            ),
            ast::Item::Party(party) => {
                let (name, at) = named(&party.id);
                let detail = format!("{} — {}", party.kind.value, party.name.value);
                symbol(
                    lines,
                    name,
                    Some(detail),
                    SymbolKind::CONSTANT,
                    party.span,
                    at,
                    Vec::new(),
                )
            }
            ast::Item::Team(team) => {
                let (name, at) = named(&team.id);
                let detail = format!("team of {} — {}", team.party.value, team.name.value);
                symbol(
                    lines,
                    name,
                    Some(detail),
                    SymbolKind::CONSTANT,
                    team.span,
                    at,
                    Vec::new(),
                )
            }
            ast::Item::Upstream(upstream) => {
                let (name, at) = named(&upstream.id);
                let detail = Some(format!("upstream {}", upstream.path.value));
                symbol(
                    lines,
                    name,
                    detail,
                    SymbolKind::PACKAGE,
                    upstream.span,
                    at,
                    Vec::new(),
                )
            }
            ast::Item::Service(service) => {
                let (name, at) = named(&service.id);
                let detail = Some(service.name.value.clone());
                symbol(
                    lines,
                    name,
                    detail,
                    SymbolKind::MODULE,
                    service.span,
                    at,
                    Vec::new(),
                )
            }
            ast::Item::Catalog(catalog) => {
                let (name, at) = named(&catalog.id);
                let controls = catalog
                    .controls
                    .iter()
                    .map(|control| {
                        let (name, at) = named(&control.id);
                        let detail = Some(control.title.value.clone());
                        symbol(
                            lines,
                            name,
                            detail,
                            SymbolKind::CONSTANT,
                            control.span,
                            at,
                            Vec::new(),
                        )
                    })
                    .collect();
                let detail = Some(catalog.title.value.clone());
                symbol(
                    lines,
                    name,
                    detail,
                    SymbolKind::NAMESPACE,
                    catalog.span,
                    at,
                    controls,
                )
            }
            ast::Item::Control(block) => block_symbol(lines, block),
            ast::Item::Exclusion(exclusion) => exclusion_symbol(lines, exclusion),
            ast::Item::Baseline(baseline) => {
                let (name, at) = named(&baseline.id);
                let mut children: Vec<DocumentSymbol> = baseline
                    .blocks
                    .iter()
                    .map(|b| block_symbol(lines, b))
                    .collect();
                children.extend(
                    baseline
                        .exclusions
                        .iter()
                        .map(|e| exclusion_symbol(lines, e)),
                );
                let detail = Some(baseline.title.value.clone());
                symbol(
                    lines,
                    name,
                    detail,
                    SymbolKind::CLASS,
                    baseline.span,
                    at,
                    children,
                )
            }
            ast::Item::Inherit(inherit) => {
                let services: Vec<&str> =
                    inherit.services.iter().map(|s| s.value.as_str()).collect();
                let name = format!(
                    "inherit {} for {} from {}",
                    control_list(&inherit.controls, None),
                    services.join(", "),
                    inherit.from.value
                );
                symbol(
                    lines,
                    name,
                    None,
                    SymbolKind::EVENT,
                    inherit.span,
                    inherit.from.span,
                    Vec::new(),
                )
            }
        })
        .collect()
}

/// The edit that lays the file out as `srmc fmt` does; none for a file that does not parse or
/// is already formatted, and none if formatting would change what it says.
pub(super) fn format(text: &str, lines: &Lines) -> Option<Vec<TextEdit>> {
    let parsed = syntax::parse(FileId(0), text);
    if !parsed.whole {
        return None;
    }
    let formatted = crate::format::format_source(text);
    if formatted == text {
        return Some(Vec::new());
    }
    let again = syntax::parse(FileId(0), &formatted);
    if !(again.whole && crate::format::says_the_same(&parsed.tree, text, &again.tree, &formatted)) {
        return None;
    }
    let whole = Range::new(lines.position(0), lines.end());
    Some(vec![TextEdit::new(whole, formatted)])
}

/// A quick fix for each diagnostic that carries a "did you mean" replacement.
// lsp-types keys a workspace edit by `Uri`, whose parsed parts are cached in cells; nothing here
// changes a key once it is in the map.
#[allow(clippy::mutable_key_type)]
pub(super) fn quick_fixes(
    uri: &Uri,
    diagnostics: &[lsp_types::Diagnostic],
) -> Vec<CodeActionOrCommand> {
    diagnostics
        .iter()
        .filter_map(|diagnostic| {
            let replacement = diagnostic.data.as_ref()?.get("replace")?.as_str()?;
            let edit = TextEdit::new(diagnostic.range, replacement.to_owned());
            let changes = HashMap::from([(uri.clone(), vec![edit])]);
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Change to `{replacement}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            }))
        })
        .collect()
}
