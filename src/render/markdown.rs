//! The one place that reads user Markdown (notes) and escapes user text for the output formats.
//!
//! User text can come from a counterparty: nothing in it may become live markup in HTML, break
//! a Markdown table, or turn into a spreadsheet formula.

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        // A relative link, or a fragment: no scheme to abuse.
        None => true,
        Some((scheme, _))
            if scheme.contains('/') || scheme.contains('#') || scheme.contains('?') =>
        {
            true
        }
        Some((scheme, _)) => matches!(scheme, "http" | "https" | "mailto"),
    }
}

/// Note Markdown → HTML. Raw HTML in the note is shown as text, and links and images whose
/// scheme is not http, https or mailto are dropped (their text is kept).
pub fn to_html(markdown: &str) -> String {
    // One entry per open link or image: whether it was dropped, so its end is dropped too.
    let mut open: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { ref dest_url, .. } | Tag::Image { ref dest_url, .. }) => {
            let dropped = !safe_url(dest_url);
            open.push(dropped);
            (!dropped).then_some(event)
        }
        Event::End(TagEnd::Link | TagEnd::Image) => {
            let dropped = open.pop().unwrap_or(false);
            (!dropped).then_some(event)
        }
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// Note Markdown → plain text on one line, for CSV cells and one-line summaries.
pub fn to_plain(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => {
                out.push_str(&text)
            }
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => out.push(' '),
            Event::End(TagEnd::Item) => out.push_str("; "),
            Event::End(TagEnd::TableCell) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// User text placed in a Markdown table cell: one line, no `|` that ends the cell, no HTML, no
/// Markdown that could turn into a link or an image.
pub fn escape_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// User text placed in running Markdown (titles, headings): the same escaping as a cell.
pub fn escape_inline(text: &str) -> String {
    escape_cell(text)
}

/// Note Markdown placed as a block in Markdown output: kept as Markdown, but raw HTML is shown as
/// text and link schemes other than http, https and mailto are disarmed.
pub fn sanitize_block(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        let mut line = line.replace('<', "&lt;").replace('>', "&gt;");
        for scheme in ["javascript:", "vbscript:", "data:", "file:"] {
            line = replace_ignore_case(&line, scheme, "blocked-");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn replace_ignore_case(text: &str, needle: &str, with: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices(needle) {
        out.push_str(&text[last..at]);
        out.push_str(with);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// A CSV cell that a spreadsheet will not run as a formula.
pub fn csv_safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_becomes_text() {
        let html = to_html("Hello <script>alert(1)</script> and <b onclick=\"x()\">bold</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn unsafe_links_lose_their_target() {
        let html = to_html("[click](javascript:alert(1)) [ok](https://example.com) [m](mailto:a@b.c) ![x](vbscript:y)");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.to_lowercase().contains("vbscript:"), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
        assert!(html.contains("click"), "{html}");
    }

    #[test]
    fn cells_stay_one_cell() {
        let cell = escape_cell("a | b\nc <img src=x onerror=y> [l](javascript:z)");
        assert!(!cell.contains('\n'));
        assert!(!cell.contains("<img"));
        assert_eq!(cell.matches('|').count(), cell.matches("\\|").count());
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(csv_safe("=1+1"), "'=1+1");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("-2"), "'-2");
        assert_eq!(csv_safe("plain"), "plain");
    }

    #[test]
    fn plain_text_flattens_markdown() {
        assert_eq!(
            to_plain("**Bold** and\n`code`\n\n- one\n- two"),
            "Bold and code one; two;"
        );
    }
}
