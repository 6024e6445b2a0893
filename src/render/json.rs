//! `build --format json`: the stable shape of docs/language.md ("JSON output"), keys in a fixed order.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::io::Write;

use super::view::{PairView, ServiceView, View};
use super::Streamed;
use crate::diagnostics::{to_json, JsonDiagnostic};
use crate::Compilation;

#[derive(Serialize)]
struct Output<'a, P> {
    matrix: Matrix<'a>,
    parties: Vec<Party<'a>>,
    services: Vec<Service<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subservices: Vec<Service<'a>>,
    /// Every pair in catalog order, serialised one by one.
    pairs: P,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Matrix<'a> {
    title: &'a str,
    version: &'a str,
    /// `null` only in a matrix rendered with `--allow-gaps` whose header lacks it.
    effective: Option<&'a str>,
    catalogs: &'a [String],
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

#[derive(Serialize)]
struct Party<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct Service<'a> {
    id: &'a str,
    name: &'a str,
    model: &'a str,
    provider: Option<&'a str>,
    customer: Option<&'a str>,
    regions: &'a [String],
}

#[derive(Serialize)]
struct Pair<'a> {
    service: &'a str,
    control: &'a str,
    domain: &'a str,
    ownership: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    exclusion: Option<&'a str>,
    /// The sub-service organisation the pair inherits from.
    #[serde(skip_serializing_if = "Option::is_none")]
    inherited_from: Option<&'a str>,
    duties: Vec<Duty<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: Vec<&'a str>,
}

#[derive(Serialize)]
struct Duty<'a> {
    id: &'a str,
    title: &'a str,
    assignments: Assignments<&'a str>,
    source: Source<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    evidence: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: Vec<&'a str>,
}

/// `{"party id": "RA", …}` in the order the assignments were written: the one shape of
/// assignments in every JSON srmc writes.
pub(crate) struct Assignments<T>(pub Vec<(T, T)>);

impl<T: AsRef<str>> Serialize for Assignments<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (party, letters) in &self.0 {
            map.serialize_entry(party.as_ref(), letters.as_ref())?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct Source<'a> {
    file: &'a str,
    line: usize,
}

fn service(s: &ServiceView) -> Service<'_> {
    Service {
        id: &s.id,
        name: &s.name,
        model: s.model,
        provider: s.provider.as_deref(),
        customer: s.customer.as_deref(),
        regions: &s.regions,
    }
}

/// Writes the JSON rendering; the pairs and their duties are serialised as they are read from the
/// view, not gathered first.
pub fn write(view: &View, compilation: &Compilation, out: &mut dyn Write) -> std::io::Result<()> {
    let output = Output {
        matrix: Matrix {
            title: &view.matrix.title,
            version: &view.matrix.version,
            effective: Some(view.matrix.effective.as_str()).filter(|e| !e.is_empty()),
            catalogs: &view.matrix.catalogs,
            fingerprint: &view.matrix.fingerprint,
            scope: view.matrix.scope.as_deref(),
        },
        parties: view
            .parties
            .iter()
            .map(|p| Party {
                id: &p.id,
                name: &p.name,
                kind: p.kind,
            })
            .collect(),
        subservices: view
            .subservices
            .iter()
            .map(|s| service(&s.service))
            .collect(),
        services: view.services.iter().map(service).collect(),
        pairs: Streamed(|| view.pairs_in_order().map(|(_, _, _, p)| pair(view, p))),
        diagnostics: compilation
            .diagnostics
            .iter()
            .map(|d| to_json(d, &compilation.sources))
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    out.write_all(b"\n")
}

/// One pair of the view, as JSON shows it.
fn pair<'a>(view: &'a View, pair: &'a PairView) -> Pair<'a> {
    Pair {
        service: &pair.service,
        control: &pair.control,
        domain: &pair.domain,
        ownership: pair.ownership.word,
        exclusion: pair.exclusion.as_deref(),
        inherited_from: pair.inherited_from.as_deref(),
        duties: pair
            .duties
            .iter()
            .map(|duty| Duty {
                id: &duty.id,
                title: &duty.title,
                assignments: Assignments(
                    view.parties
                        .iter()
                        .zip(&duty.letters)
                        .filter(|(_, letters)| !letters.is_empty())
                        .map(|(party, letters)| (party.id.as_str(), letters.as_str()))
                        .collect(),
                ),
                source: Source {
                    file: &duty.file,
                    line: duty.line,
                },
                evidence: &duty.evidence,
                notes: duty.notes.iter().map(|n| n.raw.as_str()).collect(),
            })
            .collect(),
        notes: pair.notes.iter().map(|n| n.raw.as_str()).collect(),
    }
}
