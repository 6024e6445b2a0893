//! `srmc diff` renderings: JSON as computed, Markdown and HTML through the templates, grouped by
//! importance (ownership moves first) and by domain.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::markdown::escape_cell;
use super::templates::{self, Escape};
use crate::codes::Code;
use crate::diff::{Change, ChangeKind, Diff, Importance, Version, WordEdit};

#[derive(Serialize)]
struct DiffView<'a> {
    generator: String,
    from: &'a Version,
    to: &'a Version,
    total: usize,
    summary: Vec<Count>,
    notices: Vec<String>,
    sections: Vec<Section>,
}

#[derive(Serialize)]
struct Count {
    label: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct Section {
    title: &'static str,
    anchor: &'static str,
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    domain: Option<String>,
    changes: Vec<ChangeView>,
}

#[derive(Serialize)]
struct ChangeView {
    kind: &'static str,
    /// What changed, in words: "ownership", "duty added", "letters of `acme`".
    what: String,
    /// Service / control / duty the change is about.
    subject: String,
    before: String,
    after: String,
    /// A word-level rendering of a rewording, already escaped for each format.
    words_md: Option<String>,
    words_html: Option<String>,
    gap_before: bool,
    gap_after: bool,
}

fn section_title(importance: Importance) -> (&'static str, &'static str) {
    match importance {
        Importance::Ownership => ("Ownership moves", "ownership"),
        Importance::Gap => ("Gaps and findings", "gaps"),
        Importance::Scope => ("Scope and exclusions", "scope"),
        Importance::Parties => ("Parties and services", "parties"),
        Importance::Duties => ("Duties and assignments", "duties"),
        Importance::Wording => ("Wording", "wording"),
        Importance::Metadata => ("Matrix header", "metadata"),
    }
}

fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

fn what(change: &Change) -> String {
    let field = change.field.unwrap_or("");
    match change.kind {
        ChangeKind::Ownership => "ownership".to_owned(),
        ChangeKind::FindingIntroduced => {
            format!("new finding {}", change.code.map_or("", Code::as_str))
        }
        ChangeKind::FindingResolved => {
            format!("resolved finding {}", change.code.map_or("", Code::as_str))
        }
        ChangeKind::Excluded => "excluded".to_owned(),
        ChangeKind::ReIncluded => "back in scope".to_owned(),
        ChangeKind::Justification => "justification reworded".to_owned(),
        ChangeKind::PairAdded => "newly in scope".to_owned(),
        ChangeKind::PairRemoved => "out of the catalogs".to_owned(),
        ChangeKind::DutyAdded => "duty added".to_owned(),
        ChangeKind::DutyRemoved => "duty removed".to_owned(),
        ChangeKind::DutyReworded => format!("duty {field} reworded"),
        ChangeKind::DutyOriginChanged => "duty's origin changed".to_owned(),
        ChangeKind::Assignment => format!("letters of `{}`", change.party.as_deref().unwrap_or("")),
        ChangeKind::ControlNote => "control note reworded".to_owned(),
        ChangeKind::Reordered if field == "notes" => "control notes reordered".to_owned(),
        ChangeKind::Reordered => format!("order of {field} changed"),
        ChangeKind::ControlChanged => format!("control {field} changed"),
        ChangeKind::PartyAdded => format!("{field} party added"),
        ChangeKind::PartyRemoved => "party removed".to_owned(),
        ChangeKind::PartyRenamed => "party renamed".to_owned(),
        ChangeKind::PartyChanged | ChangeKind::ServiceChanged | ChangeKind::Metadata => {
            format!("{field} changed")
        }
        ChangeKind::ServiceAdded => "service added".to_owned(),
        ChangeKind::ServiceRemoved => "service removed".to_owned(),
        ChangeKind::UpstreamAdded => "upstream added".to_owned(),
        ChangeKind::UpstreamRemoved => "upstream removed".to_owned(),
        ChangeKind::UpstreamChanged => format!("upstream {field} changed"),
        ChangeKind::ObligationAdded => "new obligation from the upstream".to_owned(),
        ChangeKind::ObligationRemoved => "obligation dropped by the upstream".to_owned(),
        ChangeKind::ObligationTaken => "obligation taken up".to_owned(),
        ChangeKind::ObligationOpened => "obligation no longer taken up".to_owned(),
    }
}

fn subject(change: &Change) -> String {
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(change.service.as_deref());
    parts.extend(change.control.as_deref());
    parts.extend(change.duty.as_deref());
    if parts.is_empty() {
        parts.extend(change.party.as_deref());
    }
    if parts.is_empty() {
        return "matrix".to_owned();
    }
    parts.join(" / ")
}

fn words_md(edits: &[WordEdit]) -> String {
    let mut out = String::new();
    for (index, edit) in edits.iter().enumerate() {
        let replaced =
            edit.op == "delete" && edits.get(index + 1).is_some_and(|next| next.op == "insert");
        let gap = if replaced { " " } else { "" };
        let text = escape_cell(&edit.text);
        // Markdown emphasis must hug its text: spaces stay outside the markers.
        let inner = text.trim();
        let marker = match edit.op {
            "delete" if !inner.is_empty() => "~~",
            "insert" if !inner.is_empty() => "**",
            _ => {
                out.push_str(&text);
                continue;
            }
        };
        let start = text.len() - text.trim_start().len();
        let end = text.trim_end().len();
        let _ = write!(
            out,
            "{}{marker}{inner}{marker}{}{gap}",
            &text[..start],
            &text[end..]
        );
    }
    out
}

fn words_html(edits: &[WordEdit]) -> String {
    let escape = |s: &str| handlebars::html_escape(s);
    edits
        .iter()
        .map(|edit| match edit.op {
            "delete" => format!("<del>{}</del>", escape(&edit.text)),
            "insert" => format!("<ins>{}</ins>", escape(&edit.text)),
            _ => escape(&edit.text),
        })
        .collect()
}

fn view(diff: &Diff) -> DiffView<'_> {
    let mut sections: Vec<Section> = Vec::new();
    let mut summary: Vec<Count> = Vec::new();
    for change in &diff.changes {
        let (title, anchor) = section_title(change.importance);
        if sections.last().is_none_or(|s| s.title != title) {
            sections.push(Section {
                title,
                anchor,
                groups: Vec::new(),
            });
            summary.push(Count {
                label: title,
                count: 0,
            });
        }
        summary.last_mut().expect("pushed above").count += 1;
        let section = sections.last_mut().expect("pushed above");
        if section
            .groups
            .last()
            .is_none_or(|g| g.domain != change.domain)
        {
            section.groups.push(Group {
                domain: change.domain.clone(),
                changes: Vec::new(),
            });
        }
        let (before, after) = (text(change.from.as_ref()), text(change.to.as_ref()));
        let is_gap = |word: &str| {
            change.kind == ChangeKind::Ownership && matches!(word, "unowned" | "conflict")
        };
        section
            .groups
            .last_mut()
            .expect("pushed above")
            .changes
            .push(ChangeView {
                kind: change.kind.as_str(),
                what: what(change),
                subject: subject(change),
                gap_before: is_gap(&before),
                gap_after: is_gap(&after),
                before,
                after,
                words_md: change.words.as_deref().map(words_md),
                words_html: change.words.as_deref().map(words_html),
            });
    }
    let mut notices = Vec::new();
    for (side, version) in [("old", &diff.from), ("new", &diff.to)] {
        if version.errors > 0 {
            notices.push(format!(
                "The {side} version (`{}`) has {} error(s); it is compared as far as it compiles, and its findings are listed as findings.",
                version.source, version.errors
            ));
        }
    }
    DiffView {
        generator: format!("srmc {}", env!("CARGO_PKG_VERSION")),
        from: &diff.from,
        to: &diff.to,
        total: diff.changes.len(),
        summary,
        notices,
        sections,
    }
}

pub fn json(diff: &Diff) -> String {
    let mut text = serde_json::to_string_pretty(diff).expect("the diff serializes");
    text.push('\n');
    text
}

pub fn markdown(diff: &Diff, templates_dir: Option<&Path>) -> Result<String, String> {
    let registry = templates::registry(Escape::None, templates_dir)?;
    registry
        .render("diff.md.hbs", &view(diff))
        .map_err(|error| format!("template `diff.md.hbs`: {error}"))
}

pub fn html(diff: &Diff, templates_dir: Option<&Path>) -> Result<String, String> {
    let registry = templates::registry(Escape::Html, templates_dir)?;
    registry
        .render("diff.html.hbs", &view(diff))
        .map_err(|error| format!("template `diff.html.hbs`: {error}"))
}
