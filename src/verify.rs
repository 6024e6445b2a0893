//! `srmc verify ANNEX MATRIX`: the fingerprint an annex carries, read from the one place each
//! format keeps it — never searched for in the text, where a note could hold a fake one.
//!
//! - PDF: the keyword `srmc-fingerprint:HEX` of the document information (`/Keywords`).
//! - HTML: `<meta name="srmc-fingerprint" content="HEX">` in `<head>` (matrix text there is
//!   escaped, so no `<meta` can come from it).
//! - Markdown: the first line, `<!-- srmc-fingerprint: HEX -->`.
//! - JSON: the top-level `matrix.fingerprint`.
//!
//! An extract (`build --party`) carries the whole matrix's fingerprint and names its party:
//! the PDF keyword `srmc-extract-for:ID`, `<meta name="srmc-extract-for" content="ID">`, the
//! Markdown second line `<!-- srmc-extract-for: ID -->`, JSON `matrix.extract_for`.

use std::fmt;

/// The largest annex `verify` reads: the annex of a very large matrix runs to hundreds of
/// megabytes, and anything beyond this is not one.
pub const ANNEX_LIMIT: u64 = 2 << 30;

/// What an annex says it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub kind: AnnexKind,
    pub fingerprint: String,
    /// The party of an extract.
    pub extract_for: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnexKind {
    Pdf,
    Html,
    Markdown,
    Json,
}

impl AnnexKind {
    pub fn name(self) -> &'static str {
        match self {
            AnnexKind::Pdf => "PDF",
            AnnexKind::Html => "HTML",
            AnnexKind::Markdown => "Markdown",
            AnnexKind::Json => "JSON",
        }
    }
}

/// Why an annex gives no fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMark(pub String);

impl fmt::Display for NoMark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const HTML_FINGERPRINT: &str = "<meta name=\"srmc-fingerprint\" content=\"";
const HTML_EXTRACT: &str = "<meta name=\"srmc-extract-for\" content=\"";
const MARKDOWN_FINGERPRINT: (&str, &str) = ("<!-- srmc-fingerprint: ", " -->");
const MARKDOWN_EXTRACT: (&str, &str) = ("<!-- srmc-extract-for: ", " -->");
/// The keyword of a PDF annex's metadata (`/Keywords` of the document information and the XMP
/// `pdf:Keywords`) that holds the fingerprint: `--format pdf` writes it, `verify` reads it.
pub const PDF_FINGERPRINT: &str = "srmc-fingerprint:";
/// The keyword that names the party of an extract.
pub const PDF_EXTRACT: &str = "srmc-extract-for:";

/// Reads the mark of an annex in any of the four formats, told apart by their first bytes.
pub fn read_mark(bytes: &[u8]) -> Result<Mark, NoMark> {
    if bytes.starts_with(b"%PDF-") {
        return read_pdf(bytes);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| NoMark("it is neither a PDF nor UTF-8 text".to_owned()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = text.trim_start();
    if start.starts_with('{') {
        read_json(text)
    } else if text.starts_with(MARKDOWN_FINGERPRINT.0) {
        read_markdown(text)
    } else if start
        .get(..15)
        .is_some_and(|s| s.eq_ignore_ascii_case("<!doctype html>"))
        || start
            .get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("<html"))
    {
        read_html(text)
    } else {
        Err(NoMark(format!(
            "it carries no fingerprint: it is not a PDF, HTML or JSON annex, and its first line is not `{}HEX{}` (the first line of a Markdown annex srmc writes)",
            MARKDOWN_FINGERPRINT.0, MARKDOWN_FINGERPRINT.1
        )))
    }
}

/// A fingerprint as srmc writes it: 64 lowercase hexadecimal digits.
fn checked_fingerprint(kind: AnnexKind, value: &str) -> Result<String, NoMark> {
    if value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(value.to_owned())
    } else {
        Err(NoMark(format!(
            "its {} fingerprint `{}` is not one srmc writes (64 lowercase hexadecimal digits)",
            kind.name(),
            crate::source::printable(value)
        )))
    }
}

fn read_json(text: &str) -> Result<Mark, NoMark> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|error| NoMark(format!("it is not valid JSON: {error}")))?;
    let matrix = value.get("matrix");
    let fingerprint = matrix
        .and_then(|m| m.get("fingerprint"))
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            NoMark(
                "it carries no fingerprint: the JSON has no string `matrix.fingerprint`".to_owned(),
            )
        })?;
    Ok(Mark {
        kind: AnnexKind::Json,
        fingerprint: checked_fingerprint(AnnexKind::Json, fingerprint)?,
        extract_for: matrix
            .and_then(|m| m.get("extract_for"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
    })
}

/// `line` between `affixes`, if it is one.
fn between<'a>(line: &'a str, (prefix, suffix): (&str, &str)) -> Option<&'a str> {
    line.trim_end_matches('\r')
        .strip_prefix(prefix)?
        .strip_suffix(suffix)
}

fn read_markdown(text: &str) -> Result<Mark, NoMark> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let fingerprint = between(first, MARKDOWN_FINGERPRINT).ok_or_else(|| {
        NoMark(format!(
            "its first line is not `{}HEX{}`",
            MARKDOWN_FINGERPRINT.0, MARKDOWN_FINGERPRINT.1
        ))
    })?;
    Ok(Mark {
        kind: AnnexKind::Markdown,
        fingerprint: checked_fingerprint(AnnexKind::Markdown, fingerprint)?,
        extract_for: lines
            .next()
            .and_then(|line| between(line, MARKDOWN_EXTRACT))
            .map(str::to_owned),
    })
}

/// The `content` of the one `<meta>` of `head` that starts with `opening`.
fn meta_content<'a>(head: &'a str, opening: &str) -> Result<Option<&'a str>, NoMark> {
    let mut found = head.match_indices(opening).map(|(at, _)| {
        let rest = &head[at + opening.len()..];
        rest.split_once('"').map(|(value, _)| value)
    });
    let first = found.next();
    if found.next().is_some() {
        return Err(NoMark(format!(
            "its <head> holds more than one `{opening}…\">`, so it says no one thing"
        )));
    }
    Ok(first.flatten())
}

fn read_html(text: &str) -> Result<Mark, NoMark> {
    // Only the head: the body holds matrix text, which may quote a marker.
    let head = match text.find("</head>") {
        Some(end) => &text[..end],
        None => {
            return Err(NoMark(
                "it carries no fingerprint: the HTML has no `</head>`".to_owned(),
            ))
        }
    };
    let fingerprint = meta_content(head, HTML_FINGERPRINT)?.ok_or_else(|| {
        NoMark(format!(
            "it carries no fingerprint: its <head> has no `{HTML_FINGERPRINT}HEX\">`"
        ))
    })?;
    Ok(Mark {
        kind: AnnexKind::Html,
        fingerprint: checked_fingerprint(AnnexKind::Html, fingerprint)?,
        extract_for: meta_content(head, HTML_EXTRACT)?.map(str::to_owned),
    })
}

#[cfg(feature = "pdf")]
fn read_pdf(bytes: &[u8]) -> Result<Mark, NoMark> {
    let document = lopdf::Document::load_mem(bytes)
        .map_err(|error| NoMark(format!("it is not a PDF that can be read: {error}")))?;
    let keywords = document
        .trailer
        .get(b"Info")
        .and_then(|info| document.dereference(info))
        .and_then(|(_, info)| info.as_dict())
        .and_then(|info| info.get(b"Keywords"))
        .and_then(|keywords| keywords.as_str())
        .map(text_string)
        .map_err(|_| {
            NoMark(
                "it carries no fingerprint: the PDF's document information has no keywords"
                    .to_owned(),
            )
        })?;
    let keyword = |prefix: &str| {
        keywords
            .split([',', ';', ' ', '\n', '\r', '\t'])
            .filter_map(|word| word.strip_prefix(prefix))
            .collect::<Vec<_>>()
    };
    let fingerprint = match keyword(PDF_FINGERPRINT).as_slice() {
        [] => {
            return Err(NoMark(format!(
                "it carries no fingerprint: the PDF's keywords hold no `{PDF_FINGERPRINT}HEX`"
            )))
        }
        [one] => checked_fingerprint(AnnexKind::Pdf, one)?,
        _ => {
            return Err(NoMark(format!(
                "the PDF's keywords hold more than one `{PDF_FINGERPRINT}`, so it says no one thing"
            )))
        }
    };
    Ok(Mark {
        kind: AnnexKind::Pdf,
        fingerprint,
        extract_for: keyword(PDF_EXTRACT)
            .first()
            .map(|party| (*party).to_owned()),
    })
}

#[cfg(not(feature = "pdf"))]
fn read_pdf(_: &[u8]) -> Result<Mark, NoMark> {
    Err(NoMark(format!(
        "it is a PDF, and {}",
        crate::render::NO_PDF
    )))
}

/// A PDF text string: UTF-16BE after its byte-order mark, else PDFDocEncoding (which agrees
/// with Latin-1 wherever a fingerprint or an id can be written).
#[cfg(feature = "pdf")]
fn text_string(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xfe, 0xff]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn markdown_marks_are_read_from_the_first_lines_only() {
        let annex =
            format!("<!-- srmc-fingerprint: {HEX} -->\r\n<!-- srmc-extract-for: ops -->\n# T\n");
        let mark = read_mark(annex.as_bytes()).unwrap();
        assert_eq!(mark.fingerprint, HEX);
        assert_eq!(mark.extract_for.as_deref(), Some("ops"));
        let quoted = format!("# T\n<!-- srmc-fingerprint: {HEX} -->\n");
        assert!(read_mark(quoted.as_bytes()).is_err());
    }

    #[test]
    fn an_html_marker_in_the_body_is_not_read() {
        let body_only = format!(
            "<!DOCTYPE html><html><head><title>x</title></head><body><meta name=\"srmc-fingerprint\" content=\"{HEX}\"></body></html>"
        );
        let error = read_mark(body_only.as_bytes()).unwrap_err();
        assert!(error.0.contains("no fingerprint"), "{error}");
    }

    #[test]
    fn a_fingerprint_must_look_like_one() {
        let annex = "<!-- srmc-fingerprint: ABC -->\n";
        assert!(read_mark(annex.as_bytes())
            .unwrap_err()
            .0
            .contains("64 lowercase"));
    }
}
