//! Looking names up: control references and patterns to controls, service names to services,
//! and the "did you mean" hint for a name that is not there.

use super::sink::Sink;
use super::{Names, Resolver};
use crate::analyze::model::*;
use crate::catalog;
use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast;

/// The closest of `candidates` to a misspelt `name`, for a "did you mean" hint: one that differs
/// only in case if there is one, else the most similar. Bounded, since names come from the
/// input: only the first characters are compared, candidates of a very different length are
/// skipped, and no more than a fixed number are tried, so a hint costs the same for a 1 MB name
/// as for a short one.
pub(super) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    const COMPARED: usize = 64;
    const TRIED: usize = 2000;
    let prefix = |text: &'a str| -> &'a str {
        let end = crate::source::ceil_char_boundary(text, COMPARED.min(text.len()));
        &text[..end]
    };
    let name_len = name.chars().count().min(COMPARED);
    let name_prefix = &name[..crate::source::ceil_char_boundary(name, COMPARED.min(name.len()))];
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates.take(TRIED) {
        if candidate.len() == name.len() && candidate.eq_ignore_ascii_case(name) {
            return Some(candidate);
        }
        let len = candidate.chars().count().min(COMPARED);
        if len.abs_diff(name_len) * 2 > name_len.max(len) {
            continue;
        }
        let score = strsim::jaro_winkler(name_prefix, prefix(candidate));
        if score > 0.8 && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

pub(super) fn did_you_mean(found: Option<&str>, otherwise: impl Into<String>) -> String {
    match found {
        Some(name) => format!("did you mean `{name}`?"),
        None => otherwise.into(),
    }
}

/// Resolves a control list, reporting unresolved entries to `sink` and leaving them out; the
/// flag says whether every entry resolved.
pub(super) fn control_list(
    refs: &[ast::ControlRef],
    model: &Model,
    names: &mut Names,
    sink: &mut dyn Sink,
) -> (Vec<ControlIdx>, bool) {
    let mut controls = Vec::new();
    let mut complete = true;
    for control in refs {
        let catalog = match &control.catalog {
            None => None,
            Some(name) => match names.catalogs.get(&name.value) {
                Some(&index) => Some(index),
                None => {
                    let listed = names.defined_catalogs.contains(&name.value)
                        || catalog::builtin(&name.value).is_some();
                    let (message, hint) = if listed {
                        (
                            format!("catalog `{}` is not named in the matrix header", name.value),
                            format!("add it to the header: `catalog {}`", name.value),
                        )
                    } else {
                        (
                            format!("unknown catalog `{}`", name.value),
                            did_you_mean(
                                closest(&name.value, names.catalogs.keys().map(String::as_str)),
                                "qualify control ids with a catalog the header names",
                            ),
                        )
                    };
                    sink.whole_matrix_error(
                        Diagnostic::new(Code::E105, name.span, message)
                            .label("not a header catalog")
                            .help(hint),
                    );
                    complete = false;
                    continue;
                }
            },
        };
        if control.pattern {
            let key = (catalog, control.id.clone());
            let matched = names.patterns.entry(key).or_insert_with(|| {
                model
                    .controls
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        catalog.is_none_or(|k| c.catalog == k) && c.id.starts_with(&control.id)
                    })
                    .map(|(index, _)| index)
                    .collect()
            });
            if matched.is_empty() {
                sink.whole_matrix_error(
                    Diagnostic::new(
                        Code::E103,
                        control.span,
                        format!("pattern `{}` matches no control", control.display()),
                    )
                    .label("matches nothing")
                    .help("a pattern matches the ids that start with the text before `*` in the header's catalogs; `9.*` does not match `CLD.9.5.1`"),
                );
                complete = false;
            }
            controls.extend_from_slice(matched);
            continue;
        }
        let candidates: Vec<ControlIdx> = names
            .controls
            .get(&control.id)
            .map(|found| {
                found
                    .iter()
                    .copied()
                    .filter(|&i| catalog.is_none_or(|k| model.controls[i].catalog == k))
                    .collect()
            })
            .unwrap_or_default();
        match candidates[..] {
            [one] => controls.push(one),
            [] => {
                let known = model.controls.iter().map(|c| c.id.as_str());
                let hint = did_you_mean(
                    closest(&control.id, known),
                    "control ids come from the catalogs named in the header; `srmc catalog ID` lists a built-in catalog",
                );
                sink.whole_matrix_error(
                    Diagnostic::new(
                        Code::E103,
                        control.span,
                        format!("unknown control `{}`", control.display()),
                    )
                    .label("not in the header's catalogs")
                    .help(hint),
                );
                complete = false;
            }
            _ => {
                let qualified: Vec<String> = candidates
                    .iter()
                    .map(|&i| format!("`{}`", model.controls[i].display))
                    .collect();
                sink.error(
                    Diagnostic::new(
                        Code::E108,
                        control.span,
                        format!(
                            "control id `{}` is in {} catalogs",
                            control.id,
                            candidates.len()
                        ),
                    )
                    .label("ambiguous")
                    .help(format!("qualify it: {}", qualified.join(" or "))),
                );
                complete = false;
            }
        }
    }
    controls.sort_unstable();
    controls.dedup();
    (controls, complete)
}

impl Resolver {
    /// Resolves a control list; unresolved entries are reported and left out.
    pub(super) fn control_list(
        &mut self,
        refs: &[ast::ControlRef],
        model: &Model,
        names: &mut Names,
    ) -> (Vec<ControlIdx>, bool) {
        control_list(refs, model, names, &mut self.findings)
    }

    pub(super) fn service_list(
        &mut self,
        list: &[ast::Name],
        names: &Names,
    ) -> (Vec<ServiceIdx>, bool) {
        let mut services = Vec::new();
        let mut complete = true;
        for name in list {
            match names.services.get(name.value.as_str()) {
                Some(&index) => services.push(index),
                None => {
                    let hint = did_you_mean(
                        closest(&name.value, names.services.keys().copied()),
                        "`for` takes the ids of services declared with `service`",
                    );
                    self.whole_matrix_error(
                        Diagnostic::new(
                            Code::E102,
                            name.span,
                            format!("unknown service `{}`", name.value),
                        )
                        .label("no such service")
                        .help(hint),
                    );
                    complete = false;
                }
            }
        }
        services.sort_unstable();
        services.dedup();
        (services, complete)
    }
}
