//! Diagnostics: what every stage reports, and their human and JSON forms.
//!
//! Syntax errors, name errors and ownership findings are all the same [`Diagnostic`], so that
//! one run can report every problem at once and each looks the same to the user.

use std::collections::BTreeMap;
use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use serde::Serialize;

use crate::codes::Code;
use crate::source::{printable, Sources, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The (service, control) pair a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PairRef {
    pub service: String,
    pub control: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    /// What is wrong, without the pair: the pair is in `pair`, so one duty's findings across
    /// services can be grouped.
    pub message: String,
    pub span: Span,
    pub label: Option<String>,
    /// Further places, each with what it shows.
    pub related: Vec<Label>,
    pub help: Option<String>,
    pub pair: Option<PairRef>,
    /// The duty a finding is about, for keys that must outlive line numbers (SARIF's
    /// fingerprints).
    pub duty: Option<String>,
}

/// Longest message, label or help a diagnostic carries: a 10 MB name quoted in a message must
/// not make a 10 MB message.
const TEXT_LIMIT: usize = 480;

fn clip(text: String) -> String {
    if text.len() <= TEXT_LIMIT {
        return text;
    }
    let mut end = TEXT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: clip(message.into()),
            span,
            label: None,
            related: Vec::new(),
            help: None,
            pair: None,
            duty: None,
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.label = Some(clip(text.into()));
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(clip(text.into()));
        self
    }

    pub fn related(mut self, span: Span, text: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            text: clip(text.into()),
        });
        self
    }

    pub fn pair(mut self, service: &str, control: &str) -> Self {
        self.pair = Some(PairRef {
            service: clip(service.to_owned()),
            control: clip(control.to_owned()),
        });
        self
    }

    pub fn duty(mut self, id: &str) -> Self {
        self.duty = Some(clip(id.to_owned()));
        self
    }

    /// The message with the pair in front, as the JSON form and one-line summaries show it.
    pub fn full_message(&self) -> String {
        match &self.pair {
            Some(pair) => format!(
                "service `{}`, control {}: {}",
                pair.service, pair.control, self.message
            ),
            None => self.message.clone(),
        }
    }
}

/// Sorts into the order users read them: causes before their consequences
/// ([`Code::is_consequence`]), each by file, then position, then code. Findings at one place
/// keep the order they were made in (service order, then catalog order).
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.code.is_consequence(), d.span.key(), d.code));
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

pub fn summarize(diagnostics: &[Diagnostic]) -> Summary {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    Summary {
        errors,
        warnings: diagnostics.len() - errors,
    }
}

/// One diagnostic as `check --format json` gives it; `help` is an addition of ours.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
}

pub fn to_json<'a>(diagnostic: &'a Diagnostic, sources: &'a Sources) -> JsonDiagnostic<'a> {
    let at = sources.line_col(diagnostic.span);
    JsonDiagnostic {
        code: diagnostic.code,
        severity: diagnostic.severity(),
        message: diagnostic.full_message(),
        file: &sources.get(diagnostic.span.file).name,
        line: at.line,
        column: at.column,
        service: diagnostic.pair.as_ref().map(|p| p.service.as_str()),
        control: diagnostic.pair.as_ref().map(|p| p.control.as_str()),
        help: diagnostic.help.as_deref(),
    }
}

/// `srmc check --format json`: `{"diagnostics": [...], "summary": {...}}`.
pub fn render_json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    #[derive(Serialize)]
    struct Output<'a> {
        diagnostics: Vec<JsonDiagnostic<'a>>,
        summary: Summary,
    }
    let output = Output {
        diagnostics: diagnostics.iter().map(|d| to_json(d, sources)).collect(),
        summary: summarize(diagnostics),
    };
    let mut text = serde_json::to_string_pretty(&output).expect("diagnostics serialize");
    text.push('\n');
    text
}

/// How many pairs one grouped finding lists by name before it only counts the rest: enough for
/// every control of a catalog the size of iso27017.
const PAIRS_SHOWN: usize = 150;

/// The human form: every diagnostic with its source excerpt, labels and help, then a summary
/// line. Findings that differ only in their pair (one duty breaking a rule for several services,
/// one service leaving many controls unowned) are shown once, with the pairs listed.
pub fn render_human(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(1);

    let mut groups: BTreeMap<_, Vec<&Diagnostic>> = BTreeMap::new();
    let mut order = Vec::new();
    for diagnostic in diagnostics {
        let key = (
            diagnostic.code,
            diagnostic.span.key(),
            diagnostic.message.as_str(),
        );
        let members = groups.entry(key).or_default();
        if members.is_empty() {
            order.push(key);
        }
        members.push(diagnostic);
    }

    let mut out = String::new();
    for key in order {
        let members = &groups[&key];
        let view = MietteView::new(members, sources);
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &view);
        out.push('\n');
    }
    let summary = summarize(diagnostics);
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}

pub fn summary_line(summary: Summary) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (summary.errors, summary.warnings) {
        (0, 0) => "no problems found".to_owned(),
        (errors, warnings) => format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}

/// One (group of) diagnostic(s) in the shape miette renders.
struct MietteView<'a> {
    first: &'a Diagnostic,
    sources: &'a Sources,
    message: String,
    help: Option<String>,
}

impl<'a> MietteView<'a> {
    fn new(members: &[&'a Diagnostic], sources: &'a Sources) -> Self {
        let first = members[0];
        let text = match members {
            [single] => single.full_message(),
            _ => format!("{} ({} pairs)", first.message, members.len()),
        };
        // The code goes into the message line, as compilers print it: `error[E203]: …`.
        let message = format!("{}[{}]: {text}", first.severity(), first.code);
        let mut notes = Vec::new();
        if members.len() > 1 {
            let pairs: Vec<&PairRef> = members.iter().filter_map(|d| d.pair.as_ref()).collect();
            let one_service = pairs.windows(2).all(|w| w[0].service == w[1].service);
            let mut listed: Vec<String> = pairs
                .iter()
                .take(PAIRS_SHOWN)
                .map(|p| {
                    if one_service {
                        p.control.clone()
                    } else {
                        format!("{} / {}", p.service, p.control)
                    }
                })
                .collect();
            if pairs.len() > PAIRS_SHOWN {
                listed.push(format!("and {} more", pairs.len() - PAIRS_SHOWN));
            }
            let heading = match (one_service, pairs.first()) {
                (true, Some(first)) => format!("controls of service `{}`", first.service),
                _ => "pairs (service / control)".to_owned(),
            };
            notes.push(format!("{heading}: {}", listed.join(", ")));
        }
        // miette shows one file per diagnostic; places in other files are named in the help.
        for related in &first.related {
            if related.span.file != first.span.file {
                let at = sources.line_col(related.span);
                notes.push(format!(
                    "{}: {}:{}:{}",
                    related.text,
                    sources.get(related.span.file).name,
                    at.line,
                    at.column
                ));
            }
        }
        if let Some(help) = &first.help {
            notes.push(help.clone());
        }
        let help = (!notes.is_empty()).then(|| printable(&notes.join("\n")).into_owned());
        MietteView {
            first,
            sources,
            message: printable(&message).into_owned(),
            help,
        }
    }

    fn labeled(&self, span: Span, text: Option<&str>, primary: bool) -> LabeledSpan {
        // A label over a huge span (a 10 MB string) is cut to what an excerpt can show.
        let len = span.len().min(crate::source::EXCERPT_WIDTH / 2);
        let start = span.start as usize;
        let file = self.sources.get(span.file);
        let end = crate::source::ceil_char_boundary(&file.text, start + len);
        // Places in the file as the excerpt shows it, control characters made visible.
        let (start, end) = (file.shown_offset(start), file.shown_offset(end));
        let inner: miette::SourceSpan = (start, end - start).into();
        let text = text.map(|text| printable(text).into_owned());
        if primary {
            LabeledSpan::new_primary_with_span(text, inner)
        } else {
            LabeledSpan::new_with_span(text, inner)
        }
    }
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.first.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.sources.get(self.first.span.file).shown())
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let first = self.first;
        let mut labels = vec![self.labeled(first.span, first.label.as_deref(), true)];
        labels.extend(
            first
                .related
                .iter()
                .filter(|related| related.span.file == first.span.file)
                .map(|related| self.labeled(related.span, Some(&related.text), false)),
        );
        Some(Box::new(labels.into_iter()))
    }
}
