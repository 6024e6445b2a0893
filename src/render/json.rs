//! `build --format json`: what the matrix publishes ([`Published`]), with where each duty is
//! written and the findings; docs/language.md ("JSON output") and `schemas/build.schema.json`
//! describe it.

use std::io::Write;

use crate::published::Published;
use crate::{Checked, Compilation};

/// Writes the JSON rendering, with the fingerprint `fingerprint`; `extract` limits it to what
/// concerns one party (see [`Published::extract`]).
pub(crate) fn write(
    checked: &Checked,
    compilation: &Compilation,
    fingerprint: &str,
    extract: Option<usize>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let (model, graph, sources) = (&checked.model, &checked.graph, &compilation.sources);
    match extract {
        // Pair by pair, never the whole document at once: a large matrix's JSON runs to tens of
        // megabytes.
        None => {
            let mut published =
                crate::published::streamed(model, graph, Some(sources), &compilation.diagnostics);
            published.matrix.fingerprint = fingerprint.into();
            serde_json::to_writer_pretty(&mut *out, &published)?;
        }
        Some(party) => {
            let mut published =
                Published::of(model, graph, Some(sources), &compilation.diagnostics);
            published.extract(model, party);
            published.matrix.fingerprint = fingerprint.into();
            serde_json::to_writer_pretty(&mut *out, &published)?;
        }
    }
    out.write_all(b"\n")
}

/// `{"party id": "RA", …}` in the order the assignments were written: the shape of assignments
/// in the JSON srmc writes where the order is the author's (`explain`, `catalog`).
pub(crate) struct Assignments<T>(pub Vec<(T, T)>);

impl<T: AsRef<str>> serde::Serialize for Assignments<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (party, letters) in &self.0 {
            map.serialize_entry(party.as_ref(), letters.as_ref())?;
        }
        map.end()
    }
}
