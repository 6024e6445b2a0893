//! Go to definition and find references.

use std::path::Path;

use lsp_types::{Location, Position, Range};

use super::documents::{Documents, Encoding, Lines};
use super::index::{Kind, Occurrence};
use crate::source::Sources;

/// Where what `occurrence` names is defined: the defining name, or for a path the file.
pub(super) fn definition(
    sources: &Sources,
    occurrences: &[Occurrence],
    occurrence: &Occurrence,
    documents: &Documents,
    encoding: Encoding,
) -> Vec<Location> {
    if occurrence.kind == Kind::File {
        let from = sources.get(occurrence.span.file).path.as_deref();
        let dir = from.and_then(Path::parent).unwrap_or(Path::new("/"));
        let target = dir.join(&occurrence.name);
        let Ok(target) = std::fs::canonicalize(target) else {
            return Vec::new();
        };
        let start = Range::new(Position::new(0, 0), Position::new(0, 0));
        return documents
            .uri_for(&target)
            .map(|uri| Location::new(uri, start))
            .into_iter()
            .collect();
    }
    let found = occurrences
        .iter()
        .filter(|o| o.defines && o.kind == occurrence.kind && o.name == occurrence.name);
    locations(sources, found, documents, encoding)
}

/// Every place a party or a service is named, its definition too when `with_definition`.
pub(super) fn references(
    sources: &Sources,
    occurrences: &[Occurrence],
    occurrence: &Occurrence,
    with_definition: bool,
    documents: &Documents,
    encoding: Encoding,
) -> Vec<Location> {
    let found = occurrences.iter().filter(|o| {
        o.kind == occurrence.kind && o.name == occurrence.name && (with_definition || !o.defines)
    });
    locations(sources, found, documents, encoding)
}

fn locations<'a>(
    sources: &Sources,
    found: impl Iterator<Item = &'a Occurrence>,
    documents: &Documents,
    encoding: Encoding,
) -> Vec<Location> {
    let mut lines: Vec<(crate::source::FileId, Lines)> = Vec::new();
    let mut out = Vec::new();
    for occurrence in found {
        let file = occurrence.span.file;
        let Some(uri) = sources
            .get(file)
            .path
            .as_deref()
            .and_then(|p| documents.uri_for(p))
        else {
            continue;
        };
        let index = match lines.iter().position(|(id, _)| *id == file) {
            Some(index) => index,
            None => {
                lines.push((file, Lines::new(&sources.get(file).text, encoding)));
                lines.len() - 1
            }
        };
        let range = lines[index]
            .1
            .range(occurrence.span.start as usize, occurrence.span.end as usize);
        out.push(Location::new(uri, range));
    }
    out
}
