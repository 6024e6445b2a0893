//! `check --format sarif`: the findings as a SARIF 2.1.0 log, the format code-scanning services
//! (GitHub's among them) read. One rule per diagnostic code, one result per diagnostic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{Sources, Span};

/// The schema the log names; code-scanning services read the version from `version`.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where a reader of an alert learns about the tool: the crate's homepage or repository when the
/// manifest names one.
fn information_uri() -> &'static str {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
        .unwrap_or("https://crates.io/crates/srmc")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<R: Serialize> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<R>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<R: Serialize> {
    tool: Tool,
    /// Made one by one as they are written: a log of 30,000 findings runs to 40 MB.
    results: R,
    /// Our columns count characters, not UTF-16 units.
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

fn text(text: impl Into<String>) -> Text {
    Text { text: text.into() }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Properties::is_empty")]
    properties: Properties<'a>,
}

/// The key is versioned, so that a change in what is hashed starts new alerts instead of
/// matching old ones wrongly.
#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "srmcFinding/v1")]
    finding: String,
}

#[derive(Serialize)]
struct Properties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    control: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duty: Option<&'a str>,
}

impl Properties<'_> {
    fn is_empty(&self) -> bool {
        self.service.is_none() && self.control.is_none() && self.duty.is_none()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The SARIF log of `diagnostics`, as `srmc check --format sarif` prints it.
pub fn render<'a>(diagnostics: &'a [Diagnostic], sources: &'a Sources) -> String {
    let rules = Code::ALL
        .iter()
        .map(|&code| Rule {
            id: code.as_str(),
            short_description: text(code.summary()),
            full_description: text(code.explanation()),
            help: text(code.explanation()),
            default_configuration: Configuration {
                level: level(code.severity()),
            },
        })
        .collect();
    let rule_index: HashMap<Code, usize> = Code::ALL
        .iter()
        .enumerate()
        .map(|(index, &code)| (code, index))
        .collect();
    let uris: Vec<(String, Option<&'static str>)> = sources.iter().map(artifact_uri).collect();
    let location = |span: Span, label: Option<&str>, id| {
        let (uri, uri_base_id) = &uris[span.file.0 as usize];
        Location {
            id,
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri.clone(),
                    uri_base_id: *uri_base_id,
                },
                region: region(sources, span),
            },
            message: label.map(text),
        }
    };
    let result = |diagnostic: &'a Diagnostic| {
        let related_locations = diagnostic
            .related
            .iter()
            .enumerate()
            .map(|(index, related)| location(related.span, Some(&related.text), Some(index + 1)))
            .collect();
        let mut message = diagnostic.full_message();
        if let Some(help) = &diagnostic.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let pair = diagnostic.pair.as_ref();
        SarifResult {
            rule_id: diagnostic.code.as_str(),
            rule_index: rule_index[&diagnostic.code],
            level: level(diagnostic.severity()),
            message: text(message),
            locations: [location(diagnostic.span, diagnostic.label.as_deref(), None)],
            related_locations,
            partial_fingerprints: Fingerprints {
                finding: fingerprint(diagnostic, sources),
            },
            properties: Properties {
                service: pair.map(|p| p.service.as_str()),
                control: pair.map(|p| p.control.as_str()),
                duty: diagnostic.duty.as_deref(),
            },
        }
    };
    let results = crate::published::Streamed(|| diagnostics.iter().map(result));
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "srmc",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    // One line: a log is read by programs, and 30,000 findings pretty-printed are a third
    // larger and slower to write. About 700 bytes a result, made in place.
    let mut text = Vec::with_capacity(4096 + diagnostics.len() * 800);
    serde_json::to_writer(&mut text, &log).expect("a SARIF log serializes");
    text.push(b'\n');
    String::from_utf8(text).expect("serde_json writes UTF-8")
}

/// What identifies a finding across runs: its code and what it is about (service, control,
/// duty), never where it is — an edit above it moves its line, not the alert. A finding about
/// no pair (a name that does not resolve) is told apart by its file and its message.
fn fingerprint(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: &str| {
        hasher.update(value.len().to_le_bytes());
        hasher.update(value.as_bytes());
    };
    field(diagnostic.code.as_str());
    match &diagnostic.pair {
        Some(pair) => {
            field(&pair.service);
            field(&pair.control);
            field(diagnostic.duty.as_deref().unwrap_or(""));
        }
        None => {
            field(&sources.get(diagnostic.span.file).name);
            field(&diagnostic.message);
            field(diagnostic.duty.as_deref().unwrap_or(""));
        }
    }
    crate::published::hex(&hasher.finalize()[..16])
}

fn region(sources: &Sources, span: Span) -> Region {
    let file = sources.get(span.file);
    let start = file.line_col(span.start as usize);
    let end = file.line_col(span.end as usize);
    // An empty span (the end of a file) still covers one column: SARIF wants end after start.
    let end_column = if (end.line, end.column) == (start.line, start.column) {
        start.column + 1
    } else {
        end.column
    };
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column,
    }
}

/// A file's URI: relative to the root of the Git work tree the file is in (what a
/// code-scanning service resolves against its checkout), else the path as given.
fn artifact_uri(file: &crate::source::SourceFile) -> (String, Option<&'static str>) {
    if let Some(relative) = file.path.as_deref().and_then(in_work_tree) {
        return (relative_uri(&relative), Some("%SRCROOT%"));
    }
    let named = Path::new(&file.name);
    if named.is_absolute() {
        (format!("file://{}", encode(&file.name)), None)
    } else {
        (relative_uri(named), Some("%SRCROOT%"))
    }
}

/// `path` (canonical) relative to the top of the Git work tree that holds it.
fn in_work_tree(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .and_then(|root| path.strip_prefix(root).ok())
        .map(Path::to_path_buf)
}

fn relative_uri(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|part| match part {
            std::path::Component::Normal(name) => Some(encode(&name.to_string_lossy())),
            std::path::Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// Percent-encodes all but RFC 3986's unreserved characters and `/`.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
