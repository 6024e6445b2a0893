//! A property test of the Markdown outputs (the annex with its partials, the RACI tables and the
//! diff): whatever Markdown or HTML the user text holds (titles, names, notes, justifications),
//! a Markdown renderer reads it as text. Each output is parsed with pulldown-cmark, every
//! extension on, and must have no raw HTML, no image, no link to anything but http, https,
//! mailto or `#`, no code block outside a note's quote, no heading but those the templates
//! write, and tables that keep their columns.

use std::path::Path;

use proptest::prelude::*;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use srmc::render::{render, Format};

/// Pieces of hostile text: HTML blocks and tags, line breaks of every kind, fences, links and
/// images to other schemes, reference definitions, autolinks, headings, quotes, table pipes,
/// entities and the punctuation of every Markdown extension.
const FRAGMENTS: &[&str] = &[
    "<div>",
    "\n<div>\n",
    "<div>\r```",
    "</div>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<a href=\"javascript:alert(3)\">x</a>",
    "<!-- comment -->",
    "<?php x ?>",
    "<![CDATA[x]]>",
    "<!DOCTYPE html>",
    "<b\nonclick=\"x()\">",
    "\r",
    "\n",
    "\r\n",
    "\n\n",
    "\t",
    "    indented",
    "```",
    "~~~",
    "`",
    "``",
    "`<b>`",
    "[Sign](javascript:alert(1))",
    "[ok](https://example.com)",
    "[m](mailto:a@example.com)",
    "[f](#frag)",
    "[v](vbscript:msgbox)",
    "[e](<javascript:alert(4)>)",
    "![x](https://tracker.example/p.png)",
    "![x](http://tracker.example/q.png)",
    "![](http://tracker.example/r.png)",
    "[r]",
    "[r][]",
    "\n[r]: javascript:alert(5)\n",
    "\n[Sign-off]: https://evil.example\n",
    "<http://evil.example>",
    "<javascript:alert(6)>",
    "<a@example.com>",
    "www.example.com",
    "javascript:alert(7)",
    "# Sign-off",
    "\n# Parties\n",
    "## Services",
    "\n===\n",
    "\n---\n",
    "***",
    "> quote",
    "\n> quote\n",
    "| a | b |",
    "\n|---|---|\n",
    "&lt;script&gt;",
    "&#x6A;avascript:",
    "&amp;",
    "&",
    "<",
    ">",
    "*",
    "**",
    "_",
    "~~",
    "- item",
    "\n- item\n",
    "\n1. one\n",
    "1)",
    "+",
    "\\",
    "[^1]",
    "\n[^1]: foot\n",
    "$x$",
    "$$",
    "^sup^",
    "{#id .cls}",
    "[[wiki]]",
    "[ ] task",
    ": definition",
    "\"",
    "'",
    ":",
    "[",
    "]",
    "(",
    ")",
    "word",
    " ",
    "é",
];

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 1..6).prop_map(|parts| parts.concat())
}

/// A one-line string, every character that needs it written as an escape.
fn string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\u{d}"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A `"""` text block holding `text` as it is (raw carriage returns and all).
fn block(text: &str) -> String {
    format!("\"\"\"\n{}\n\"\"\"", text.replace("\"\"\"", "\"\" \""))
}

#[derive(Debug, Clone)]
struct Texts {
    /// Titles, names, scope, evidence, justifications.
    strings: Vec<String>,
    /// Notes, each in a one-line string or a text block.
    notes: Vec<(String, bool)>,
}

fn texts() -> impl Strategy<Value = Texts> {
    (
        prop::collection::vec(hostile(), 16),
        prop::collection::vec((hostile(), any::<bool>()), 3),
    )
        .prop_map(|(strings, notes)| Texts { strings, notes })
}

fn matrix(t: &Texts) -> String {
    let s = |i: usize| string(&t.strings[i]);
    let note = |i: usize| {
        let (text, in_block) = &t.notes[i];
        if *in_block {
            block(text)
        } else {
            string(text)
        }
    };
    format!(
        r#"matrix {title} {{
  version   {version}
  effective 2026-01-01
  catalog   h
  scope     {scope}
}}

catalog h {catalog} {{
  domain d {domain_d}
  domain e {domain_e}
  control H-1 {h1} in d
  control H._2_.x {h2} in e
  control H-3 "Third" in e
}}

party csp provider {csp}
party csc customer {csc}

service app {app} {{
  model    saas
  provider csp
  customer csc
  region   {region}
}}

control H-1 {{
  note {note0}
  duty run {run} {{
    provider: R A
    customer: C
    evidence {evidence}
    note {note1}
  }}
}}

control H._2_.x {{
  duty keep {keep} {{
    customer: R A
  }}
  note {note2}
}}

exclude H-3 {justification}
"#,
        title = s(0),
        version = s(1),
        scope = s(2),
        catalog = s(3),
        domain_d = s(4),
        domain_e = s(5),
        h1 = s(6),
        h2 = s(7),
        csp = s(8),
        csc = s(9),
        app = s(10),
        region = s(11),
        run = s(12),
        evidence = s(13),
        keep = s(14),
        justification = s(15),
        note0 = note(0),
        note1 = note(1),
        note2 = note(2),
    )
}

/// Text as a heading shows it: what `md` makes of it, with white space collapsed.
fn shown(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn strict() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_SUPERSCRIPT
        | Options::ENABLE_SUBSCRIPT
        | Options::ENABLE_WIKILINKS
}

fn safe_destination(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["http://", "https://", "mailto:", "#"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// Checks one Markdown document and returns its headings (level, text), in order. `footer`: the
/// document ends with the templates' "Generated by" line, outside any quote.
fn inert(markdown: &str, footer: bool) -> Result<Vec<(usize, String)>, TestCaseError> {
    let mut headings = Vec::new();
    let mut heading: Option<(usize, String)> = None;
    let mut quotes = 0usize;
    let mut last_top_paragraph = String::new();
    let mut paragraph: Option<String> = None;
    for event in Parser::new_ext(markdown, strict()) {
        match &event {
            Event::Html(html) | Event::InlineHtml(html) => {
                prop_assert!(
                    matches!(html.as_ref(), "&lt;" | "&gt;" | "&amp;"),
                    "raw HTML {html:?} in\n{markdown}"
                );
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                prop_assert!(false, "an image of {dest_url:?} in\n{markdown}");
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                prop_assert!(
                    safe_destination(dest_url),
                    "a link to {dest_url:?} in\n{markdown}"
                );
            }
            Event::Start(Tag::CodeBlock(_)) => {
                prop_assert!(quotes > 0, "a code block outside a note in\n{markdown}");
            }
            Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::FootnoteReference(_)
            | Event::TaskListMarker(_)
            | Event::Start(
                Tag::MetadataBlock(_)
                | Tag::FootnoteDefinition(_)
                | Tag::DefinitionList
                | Tag::Superscript
                | Tag::Subscript,
            ) => prop_assert!(false, "{event:?} from user text in\n{markdown}"),
            Event::Start(Tag::BlockQuote(_)) => quotes += 1,
            Event::End(TagEnd::BlockQuote(_)) => quotes -= 1,
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                prop_assert!(
                    id.is_none() && classes.is_empty() && attrs.is_empty(),
                    "heading attributes from user text in\n{markdown}"
                );
                heading = Some((*level as usize, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let (level, text) = heading.take().expect("headings close");
                headings.push((level, shown(&text)));
            }
            Event::Start(Tag::Paragraph) if quotes == 0 => paragraph = Some(String::new()),
            Event::End(TagEnd::Paragraph) if quotes == 0 => {
                last_top_paragraph = paragraph.take().unwrap_or_default();
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, heading)) = &mut heading {
                    heading.push_str(text);
                }
                if let Some(paragraph) = &mut paragraph {
                    paragraph.push_str(text);
                }
            }
            _ => {}
        }
    }
    prop_assert!(
        !footer || last_top_paragraph.starts_with("Generated by srmc"),
        "the document does not end with its own line in\n{markdown}"
    );
    // Table rows keep their column count.
    let mut columns = None;
    for line in markdown.lines() {
        if line.starts_with('|') {
            let cells = line
                .replace("\\\\", "")
                .replace("\\|", "")
                .matches('|')
                .count();
            if line.starts_with("|---") || line.starts_with("|-") || columns.is_none() {
                columns = Some(cells);
            }
            prop_assert_eq!(Some(cells), columns, "row breaks its table: {}", line);
        } else {
            columns = None;
        }
    }
    Ok(headings)
}

fn compile(dir: &Path, name: &str, text: &str) -> srmc::Compilation {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    srmc::compile(&path, Default::default()).expect("a written file is readable")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn markdown_outputs_keep_user_text_as_text(old in texts(), new in texts()) {
        let dir = tempfile::tempdir().unwrap();
        let text = matrix(&new);
        let compilation = compile(dir.path(), "new.srm", &text);
        prop_assume!(compilation.checked.is_some());
        let t = |i: usize| shown(&new.strings[i]);

        let annex = render(&compilation, Format::Markdown, None).unwrap();
        let mut expected = vec![(1, t(0))];
        if compilation.errors() > 0 {
            expected.push((2, "⚠ Gaps and conflicts: this matrix is not ready to sign".into()));
        }
        for heading in ["Contents", "Parties", "Services", "Ownership summary", "Responsibilities"] {
            expected.push((2, heading.into()));
        }
        expected.extend([
            (3, t(4)),
            (4, shown(&format!("H-1 — {}", new.strings[6]))),
            (3, t(5)),
            (4, shown(&format!("H._2_.x — {}", new.strings[7]))),
            (4, "H-3 — Third".into()),
            (2, "Exclusions".into()),
            (2, "Sign-off".into()),
        ]);
        prop_assert_eq!(inert(crate::common::after_markers(&annex), true)?, expected, "{}", annex);

        let raci = render(&compilation, Format::RaciMarkdown, None).unwrap();
        let raci_expected = vec![
            (1, shown(&format!("RACI — {}", new.strings[0]))),
            (2, shown(&format!("{} (app, SaaS)", new.strings[10]))),
        ];
        prop_assert_eq!(inert(&raci, false)?, raci_expected, "{}", raci);

        let before = compile(dir.path(), "old.srm", &matrix(&old));
        if let Some(diff) = srmc::diff::diff(&before, "old.srm", &compilation, "new.srm") {
            let markdown = srmc::render::diff::markdown(&diff, None).unwrap();
            let headings = inert(&markdown, true)?;
            let domains: Vec<String> = [&old.strings[4], &old.strings[5], &new.strings[4], &new.strings[5]]
                .iter()
                .map(|d| shown(d))
                .collect();
            prop_assert_eq!(&headings[0], &(1, shown(&format!("Changes to {}", new.strings[0]))), "{}", markdown);
            for (level, text) in &headings[1..] {
                match level {
                    2 => prop_assert!(
                        ["Ownership moves", "Gaps and findings", "Scope and exclusions", "Parties and services", "Duties and assignments", "Wording", "Matrix header"].contains(&text.as_str()),
                        "heading {text:?} in\n{markdown}"
                    ),
                    3 => prop_assert!(domains.contains(text), "heading {text:?} in\n{markdown}"),
                    _ => prop_assert!(false, "heading {text:?} in\n{markdown}"),
                }
            }
        }
    }
}
