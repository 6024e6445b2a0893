//! Compiling what the editor has open, and the compiler's diagnostics as the editor shows
//! them: one per finding with its code, the labels as related places, the help as a hint.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range, Uri,
};

use super::documents::{Documents, Encoding, Lines};
use super::index::Occurrence;
use crate::analyze::Limits;
use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{FileId, Sources};
use crate::Compilation;

/// One compilation of a root file with the editor's buffers standing in for files on disk.
pub(super) struct Analysis {
    /// The file compiled; `Err` holds why it could not be (too large, unreadable).
    pub root: PathBuf,
    pub compilation: Result<Compilation, String>,
    /// Whether the root has a `matrix` header: a file without one is part of a matrix, and its
    /// missing header is no finding of the user's.
    pub is_matrix: bool,
    /// Every name written in the compilation's files, made when first asked for.
    occurrences: OnceCell<Vec<Occurrence>>,
}

impl Analysis {
    pub(super) fn new(root: &Path, documents: &Documents, limits: Limits) -> Self {
        let text = documents.text_at(root);
        let is_matrix = text.as_deref().is_some_and(has_header);
        let overlay = |path: &Path| documents.text_at(path);
        let name = root.display().to_string();
        let chain = crate::analyze::Chain(vec![root.to_path_buf()]);
        let compilation =
            crate::compile_overlaid(root, &name, limits, &chain, &overlay).map_err(|error| error.0);
        Analysis {
            root: root.to_path_buf(),
            compilation,
            is_matrix,
            occurrences: OnceCell::new(),
        }
    }

    /// The compilation and the id it gives `path`, if it read that file.
    pub(super) fn file(&self, path: &Path) -> Option<(&Compilation, FileId)> {
        let compilation = self.compilation.as_ref().ok()?;
        let file = compilation.sources.find_path(path)?;
        Some((compilation, file))
    }

    pub(super) fn occurrences(&self) -> &[Occurrence] {
        self.occurrences.get_or_init(|| match &self.compilation {
            Ok(compilation) => super::index::occurrences(&compilation.sources),
            Err(_) => Vec::new(),
        })
    }
}

/// Whether a text has a `matrix` header line (the parser's verdict is not needed: a header
/// with a typo in it still makes the file a matrix).
fn has_header(text: &str) -> bool {
    text.lines().any(|line| {
        line.strip_prefix("matrix")
            .is_some_and(|rest| rest.starts_with([' ', '\t', '"']))
    })
}

/// Compiles every open matrix, and every other open file that none of them imports.
pub(super) fn analyze(documents: &Documents, limits: Limits) -> Vec<Analysis> {
    let mut analyses: Vec<Analysis> = Vec::new();
    let mut roots: Vec<&Path> = documents
        .iter()
        .filter(|document| has_header(&document.text))
        .map(|document| document.path.as_path())
        .collect();
    roots.sort();
    for root in roots {
        analyses.push(Analysis::new(root, documents, limits));
    }
    let mut parts: Vec<&Path> = documents
        .iter()
        .map(|document| document.path.as_path())
        .filter(|path| {
            !analyses
                .iter()
                .any(|analysis| analysis.file(path).is_some() || analysis.root == *path)
        })
        .collect();
    parts.sort();
    for part in parts {
        analyses.push(Analysis::new(part, documents, limits));
    }
    analyses
}

/// What to publish: every file of every analysis (an empty list clears what it had), by address.
pub(super) fn diagnostics(
    analyses: &[Analysis],
    documents: &Documents,
    encoding: Encoding,
) -> HashMap<String, (Uri, Vec<lsp_types::Diagnostic>)> {
    let mut out: HashMap<String, (Uri, Vec<lsp_types::Diagnostic>)> = HashMap::new();
    for analysis in analyses {
        let compilation = match &analysis.compilation {
            Ok(compilation) => compilation,
            Err(reason) => {
                if let Some(uri) = documents.uri_for(&analysis.root) {
                    let diagnostic = lsp_types::Diagnostic {
                        range: Range::default(),
                        severity: Some(DiagnosticSeverity::ERROR),
                        source: Some("srmc".to_owned()),
                        message: reason.clone(),
                        ..Default::default()
                    };
                    out.insert(uri.as_str().to_owned(), (uri, vec![diagnostic]));
                }
                continue;
            }
        };
        let sources = &compilation.sources;
        let mut lines: HashMap<FileId, Lines> = HashMap::new();
        let mut uris: HashMap<FileId, Option<Uri>> = HashMap::new();
        for (index, file) in sources.iter().enumerate() {
            let id = FileId(index as u32);
            let uri = file
                .path
                .as_deref()
                .and_then(|path| documents.uri_for(path));
            if let Some(uri) = &uri {
                out.entry(uri.as_str().to_owned())
                    .or_insert_with(|| (uri.clone(), Vec::new()));
            }
            uris.insert(id, uri);
        }
        for diagnostic in &compilation.diagnostics {
            if !analysis.is_matrix && is_missing_header(diagnostic) {
                continue;
            }
            let Some(Some(uri)) = uris.get(&diagnostic.span.file) else {
                continue;
            };
            let entry = &mut out
                .get_mut(uri.as_str())
                .expect("every file has an entry")
                .1;
            if entry.len() >= MOST_PER_FILE {
                continue;
            }
            let converted = convert(diagnostic, sources, &uris, &mut lines, encoding);
            for one in converted {
                // Two open matrices importing one file report its problems twice.
                if !entry.contains(&one) {
                    entry.push(one);
                }
            }
        }
    }
    out
}

/// Most diagnostics sent for one file (with their hints): a file with thousands of problems is
/// better fixed from the first ones than shown all of them on every keystroke.
const MOST_PER_FILE: usize = 1000;

fn is_missing_header(diagnostic: &Diagnostic) -> bool {
    diagnostic.code == Code::E001 && diagnostic.message.starts_with("no `matrix` header")
}

/// The help's "did you mean `X`?", if it has one: what a quick fix writes instead.
pub(super) fn suggestion(help: &str) -> Option<&str> {
    let rest = help.split("did you mean `").nth(1)?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}

fn convert<'a>(
    diagnostic: &Diagnostic,
    sources: &'a Sources,
    uris: &HashMap<FileId, Option<Uri>>,
    lines: &mut HashMap<FileId, Lines<'a>>,
    encoding: Encoding,
) -> Vec<lsp_types::Diagnostic> {
    let mut range_of = |span: crate::source::Span| {
        lines
            .entry(span.file)
            .or_insert_with(|| Lines::new(&sources.get(span.file).text, encoding))
            .range(span.start as usize, span.end as usize)
    };
    let range = range_of(diagnostic.span);
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .related
        .iter()
        .filter_map(|label| {
            let uri = uris.get(&label.span.file)?.clone()?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range_of(label.span)),
                message: label.text.clone(),
            })
        })
        .collect();
    let code = Some(NumberOrString::String(diagnostic.code.to_string()));
    let data = diagnostic
        .help
        .as_deref()
        .and_then(suggestion)
        .map(|replacement| serde_json::json!({ "replace": replacement }));
    let mut message = diagnostic.full_message();
    if let Some(label) = &diagnostic.label {
        message = format!("{message} ({label})");
    }
    let mut out = vec![lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity() {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: code.clone(),
        source: Some("srmc".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data,
        ..Default::default()
    }];
    if let Some(help) = &diagnostic.help {
        out.push(lsp_types::Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::HINT),
            code,
            source: Some("srmc".to_owned()),
            message: help.clone(),
            ..Default::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggestion_is_the_name_in_the_hint() {
        assert_eq!(suggestion("did you mean `nimbus`?"), Some("nimbus"));
        assert_eq!(
            suggestion("names are lower case: did you mean `model`?"),
            Some("model")
        );
        assert_eq!(suggestion("declare it with `party`"), None);
    }

    #[test]
    fn a_header_makes_a_matrix() {
        assert!(has_header("// x\nmatrix \"T\" {\n}"));
        assert!(!has_header("party a provider \"A\"\n  matrix \"x\""));
        assert!(!has_header("matrixes"));
    }
}
