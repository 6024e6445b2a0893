//! The one place that reads user Markdown (notes) and escapes user text for the output formats.
//!
//! User text can come from a counterparty: nothing in it may become live markup in HTML, break
//! a Markdown table, or turn into a spreadsheet formula.

use std::borrow::Cow;

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Links may go to the web or to an e-mail address, or to a place in the same document.
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:", "#"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// The events of a note with everything unsafe taken out: raw HTML becomes text, links to
/// anything but http, https, mailto or a fragment lose their target (their text stays), and
/// images become their alt text (an annex loads nothing from outside). Every format renders
/// notes from these events, so they all show the same text.
fn safe_events(markdown: &str) -> Vec<Event<'_>> {
    // One entry per open link or image: whether it was dropped, so its end is dropped too.
    let mut open: Vec<bool> = Vec::new();
    Parser::new_ext(markdown, options())
        .filter_map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
            Event::Start(Tag::Image { .. }) => {
                open.push(true);
                None
            }
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                let dropped = !safe_url(dest_url);
                open.push(dropped);
                (!dropped).then_some(event)
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                let dropped = open.pop().unwrap_or(false);
                (!dropped).then_some(event)
            }
            other => Some(other),
        })
        .collect()
}

/// Note Markdown → safe HTML.
pub fn to_html(markdown: &str) -> String {
    let mut out = String::new();
    html::push_html(&mut out, safe_events(markdown).into_iter());
    out
}

/// Note Markdown → safe Markdown, for the Markdown annex: the same events as the HTML annex,
/// written back as Markdown. Text that looked like HTML is escaped so that no renderer reads it
/// as a tag.
pub fn to_markdown(markdown: &str) -> String {
    let events = safe_events(markdown)
        .into_iter()
        .flat_map(|event| match event {
            // `<` and `>` of a text are written as entities, which no renderer reads as a tag.
            Event::Text(text) if text.contains(['<', '>']) => {
                let mut pieces = Vec::new();
                let mut rest: &str = &text;
                while let Some(at) = rest.find(['<', '>']) {
                    if at > 0 {
                        pieces.push(Event::Text(rest[..at].to_owned().into()));
                    }
                    let entity = if rest.as_bytes()[at] == b'<' {
                        "&lt;"
                    } else {
                        "&gt;"
                    };
                    pieces.push(Event::InlineHtml(entity.into()));
                    rest = &rest[at + 1..];
                }
                if !rest.is_empty() {
                    pieces.push(Event::Text(rest.to_owned().into()));
                }
                pieces
            }
            other => vec![other],
        });
    let mut out = String::new();
    match pulldown_cmark_to_cmark::cmark(events, &mut out) {
        Ok(_) => out,
        // Writing into a String cannot fail; keep the text readable if the writer ever does.
        Err(_) => escape_cell(markdown),
    }
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

/// A CSV cell that a spreadsheet will not run as a formula.
pub fn csv_safe(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
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
    fn encoded_schemes_do_not_slip_through() {
        let note = "[c](jav&#x61;script:alert(1)) [f](javascript\\:alert(2)) [h](ftp://x/) [r]\n\n[r]: jav&#x61;script:alert(3)\n\n![t](https://tracker.example/p.png) ![u](//tracker.example/q.png)";
        for out in [to_html(note), to_markdown(note)] {
            let lower = out.to_lowercase();
            assert!(!lower.contains("javascript"), "{out}");
            assert!(!lower.contains("ftp:"), "{out}");
            assert!(!lower.contains("tracker"), "{out}");
        }
    }

    #[test]
    fn markdown_notes_keep_their_text() {
        let note =
            "Metadata: retained 30 days. `a < b` and <b>bold</b>\r## Not a heading of the annex";
        let out = to_markdown(note);
        assert!(out.contains("Metadata: retained 30 days."), "{out}");
        assert!(out.contains("`a < b`"), "{out}");
        assert!(!out.contains("<b>"), "{out}");
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
