//! Completion from where the cursor stands: the block it is in (by the braces before it, as
//! the formatter finds them) and the words before it on its line.

use lsp_types::{CompletionItem, CompletionItemKind};

use crate::analyze::model::{Model, PartyKind};
use crate::syntax::lexical::unclosed_brace;

/// The statements each block takes, as the grammar lists them.
const CATALOG_ITEMS: [&str; 2] = ["domain", "control"];
const BLOCK_ITEMS: [&str; 2] = ["duty", "note"];
const DUTY_ITEMS: [&str; 2] = ["evidence", "note"];
const BASELINE_ITEMS: [&str; 2] = ["control", "exclude"];
const PARTY_KINDS: [&str; 3] = ["provider", "customer", "partner"];
const MODELS: [&str; 3] = ["iaas", "paas", "saas"];
const LETTERS: [(&str, &str); 4] = [
    ("R", "responsible: does the work"),
    ("A", "accountable: answers for it (one per duty)"),
    ("C", "consulted before"),
    ("I", "informed after"),
];

fn item(label: &str, kind: CompletionItemKind, detail: Option<&str>) -> CompletionItem {
    CompletionItem {
        label: label.to_owned(),
        kind: Some(kind),
        detail: detail.map(str::to_owned),
        ..Default::default()
    }
}

fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words
        .iter()
        .map(|word| item(word, CompletionItemKind::KEYWORD, None))
        .collect()
}

/// What may be written at `offset` of `text`; `model` is the matrix as last compiled.
pub(super) fn complete(text: &str, offset: usize, model: Option<&Model>) -> Vec<CompletionItem> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |at| at + 1);
    let before = &text[line_start..offset];
    // The word being typed is left for the editor to filter by.
    let typed = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
        .map_or(0, |at| at + 1);
    let head = before[..typed].trim();
    let words: Vec<&str> = head.split_whitespace().collect();
    let block = unclosed_brace(text, 0, line_start).map(|brace| {
        let start = text[..brace].rfind(['\n', '\r']).map_or(0, |at| at + 1);
        text[start..brace].split_whitespace().next().unwrap_or("")
    });
    let first = words.first().copied().unwrap_or("");
    let last = words.last().copied().unwrap_or("");
    match block {
        None => match first {
            "" => keywords(&crate::syntax::ITEM_KEYWORDS),
            "control" | "exclude" | "inherit" => after_controls(&words, model),
            "party" if words.len() == 2 => keywords(&PARTY_KINDS),
            "team" if last == "of" => parties(model, None),
            _ => Vec::new(),
        },
        Some("matrix") => match first {
            "" => keywords(&crate::syntax::MATRIX_FIELDS),
            "catalog" => catalogs(model),
            _ => Vec::new(),
        },
        Some("service") => match first {
            "" => keywords(&crate::syntax::SERVICE_FIELDS),
            "model" => keywords(&MODELS),
            "provider" => parties(model, Some(PartyKind::Provider)),
            "customer" => parties(model, Some(PartyKind::Customer)),
            "use" => baselines(model),
            "runs-on" => services(model),
            _ => Vec::new(),
        },
        Some("catalog") => match first {
            "" => keywords(&CATALOG_ITEMS),
            "control" if last == "in" => domains(model),
            "control" if last == "reach" || last.ends_with(',') => keywords(&MODELS),
            _ => Vec::new(),
        },
        Some("baseline") => match first {
            "" => keywords(&BASELINE_ITEMS),
            "control" | "exclude" => after_controls(&words, model),
            _ => Vec::new(),
        },
        Some("control") => match first {
            "" => keywords(&BLOCK_ITEMS),
            _ => Vec::new(),
        },
        Some("duty") if head.contains(':') => letters(),
        Some("duty") if first.is_empty() => {
            let mut out = parties(model, None);
            out.extend(["provider", "customer"].map(|role| {
                item(
                    role,
                    CompletionItemKind::KEYWORD,
                    Some("role keyword: each service's own"),
                )
            }));
            out.extend(keywords(&DUTY_ITEMS));
            out
        }
        _ => Vec::new(),
    }
}

/// After `control`, `exclude` or `inherit`: controls, then services after `for` and `from`.
fn after_controls(words: &[&str], model: Option<&Model>) -> Vec<CompletionItem> {
    if words.iter().any(|w| matches!(*w, "for" | "from")) {
        return services(model);
    }
    let Some(model) = model else {
        return Vec::new();
    };
    model
        .controls
        .iter()
        .map(|control| {
            item(
                &control.display,
                CompletionItemKind::CONSTANT,
                Some(&control.title),
            )
        })
        .collect()
}

fn letters() -> Vec<CompletionItem> {
    LETTERS
        .iter()
        .map(|(letter, meaning)| item(letter, CompletionItemKind::ENUM_MEMBER, Some(meaning)))
        .collect()
}

fn parties(model: Option<&Model>, kind: Option<PartyKind>) -> Vec<CompletionItem> {
    let Some(model) = model else {
        return Vec::new();
    };
    model
        .parties
        .iter()
        .filter(|party| kind.is_none_or(|kind| party.kind == kind && party.team_of.is_none()))
        .map(|party| item(&party.id, CompletionItemKind::VARIABLE, Some(&party.name)))
        .collect()
}

fn services(model: Option<&Model>) -> Vec<CompletionItem> {
    let Some(model) = model else {
        return Vec::new();
    };
    model
        .services
        .iter()
        .map(|service| item(&service.id, CompletionItemKind::MODULE, Some(&service.name)))
        .collect()
}

fn baselines(model: Option<&Model>) -> Vec<CompletionItem> {
    let builtin = crate::catalog::BASELINES
        .iter()
        .map(|b| (b.id, "built-in baseline"));
    let declared = model.into_iter().flat_map(|model| &model.baselines);
    builtin_and_declared(builtin, declared.map(|b| (b.id.as_str(), b.title.as_str())))
}

fn catalogs(model: Option<&Model>) -> Vec<CompletionItem> {
    let builtin = crate::catalog::BUILTIN
        .iter()
        .map(|c| (c.id, "built-in catalog"));
    let declared = model.into_iter().flat_map(|model| &model.catalogs);
    builtin_and_declared(builtin, declared.map(|c| (c.id.as_str(), c.title.as_str())))
}

/// The built-in ones, then those the matrix declares that are not built in: (id, detail).
fn builtin_and_declared<'a>(
    builtin: impl Iterator<Item = (&'a str, &'a str)>,
    declared: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = Vec::new();
    for (id, detail) in builtin.chain(declared) {
        if !out.iter().any(|known| known.label == id) {
            out.push(item(id, CompletionItemKind::CLASS, Some(detail)));
        }
    }
    out
}

fn domains(model: Option<&Model>) -> Vec<CompletionItem> {
    let Some(model) = model else {
        return Vec::new();
    };
    model
        .domains
        .iter()
        .map(|domain| item(&domain.id, CompletionItemKind::ENUM, Some(&domain.title)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        let offset = text.find('|').unwrap();
        let text = text.replace('|', "");
        complete(&text, offset, None)
            .into_iter()
            .map(|item| item.label)
            .collect()
    }

    #[test]
    fn keywords_where_the_grammar_expects_them() {
        assert!(labels("|").contains(&"service".to_owned()));
        assert_eq!(labels("service a \"A\" {\n  model |\n}"), MODELS);
        assert_eq!(labels("service a \"A\" {\n  |\n}")[0], "model");
        assert_eq!(labels("party x |"), PARTY_KINDS);
        let letters = labels("control 1 {\n  duty d \"D\" {\n    provider: R |\n  }\n}");
        assert_eq!(letters, ["R", "A", "C", "I"]);
        let duty = labels("control 1 {\n  duty d \"D\" {\n    |\n  }\n}");
        assert!(duty.contains(&"provider".to_owned()) && duty.contains(&"evidence".to_owned()));
        // Inside a string or a comment the braces do not count.
        assert_eq!(
            labels("matrix \"{\" {\n  |\n}"),
            crate::syntax::MATRIX_FIELDS
        );
    }
}
