//! The one place that reads user Markdown (notes) and escapes user text for the output formats.
//!
//! User text can come from a counterparty: nothing in it may become live markup in HTML, break
//! a Markdown table, or turn into a spreadsheet formula.

use std::borrow::Cow;

use pulldown_cmark::{html, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

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
pub(crate) fn to_html(markdown: &str) -> String {
    let mut out = String::new();
    html::push_html(&mut out, safe_events(markdown).into_iter());
    out
}

/// Note Markdown → Markdown for the Markdown annex that reads as the note and as nothing else.
///
/// The note is not written back from its events by a general Markdown writer (which would
/// reproduce whatever the events hold, raw HTML turned text included): every piece of text is
/// written escaped ([`TextWriter`]), and only the structure written here on purpose comes out —
/// paragraphs, emphasis, strong and struck-through text, inline code, fenced code blocks,
/// lists, and links to the targets [`to_html`] keeps. Headings become strong paragraphs,
/// quotes their content, tables lines of cells, raw HTML text; no line break of the note is
/// left as a bare carriage return, so the annex's quote prefix holds on every line.
pub(crate) fn to_markdown(markdown: &str) -> String {
    let events = safe_events(markdown);
    let mut writer = NoteWriter::new(tight_lists(&events));
    for event in events {
        writer.event(event);
    }
    writer.out
}

/// For each list of `events`, in the order they start: whether it is tight (pulldown-cmark
/// leaves out the paragraphs of a tight list's items).
fn tight_lists(events: &[Event<'_>]) -> Vec<bool> {
    let mut tight = Vec::new();
    // Open lists (their index in `tight`) and items, innermost last.
    let mut open: Vec<Option<usize>> = Vec::new();
    for event in events {
        match event {
            Event::Start(Tag::List(_)) => {
                open.push(Some(tight.len()));
                tight.push(true);
            }
            Event::Start(Tag::Item) => open.push(None),
            Event::End(TagEnd::List(_) | TagEnd::Item) => {
                open.pop();
            }
            Event::Start(Tag::Paragraph) if open.last() == Some(&None) => {
                if let Some(list) = open.iter().rev().find_map(|entry| *entry) {
                    tight[list] = false;
                }
            }
            _ => {}
        }
    }
    tight
}

/// An open list of a note.
struct List {
    /// The number of the next item; `None` for a bullet list.
    next: Option<u64>,
    tight: bool,
    /// `*` and `)` in place of `-` and `.`: a list right after another one at the same depth
    /// must differ from it, or the two would read as one.
    other_marker: bool,
}

/// An open inline span: what opens and closes it, and whether the opening is written yet (it is
/// written just before the first thing inside it, so that an empty span leaves nothing behind
/// and no delimiter stands alone at the start of a line).
struct Span {
    open: &'static str,
    close: String,
    written: bool,
}

/// A pending line break between two pieces of a paragraph.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Break {
    Soft,
    Hard,
}

/// Writes a note's safe events as Markdown; see [`to_markdown`].
struct NoteWriter {
    out: String,
    tight: Vec<bool>,
    /// Lists started so far (the index of the next one in `tight`).
    lists_seen: usize,
    lists: Vec<List>,
    /// The indentation of the content of each open list item, innermost last.
    indents: Vec<usize>,
    /// The markers of the innermost list items whose first line is not written yet.
    markers: Vec<String>,
    /// Where the last list closed (the depth of lists around it), whether it was ordered and
    /// whether it used the other markers, while nothing else has been written since.
    closed_list: Option<(usize, bool, bool)>,
    /// Whether anything has been written: blocks after the first are separated.
    wrote: bool,
    /// The next block needs a blank line before it, even in a tight list.
    blank: bool,
    /// A paragraph-like block is open: its first line is written.
    leaf: bool,
    spans: Vec<Span>,
    space: bool,
    line_break: Option<Break>,
    text: TextWriter,
    /// The text of an open code block and its language.
    code: Option<(String, String)>,
    /// In a table: the cell about to start is the first of its row, the row the first.
    table: Option<(bool, bool)>,
}

impl NoteWriter {
    fn new(tight: Vec<bool>) -> Self {
        NoteWriter {
            out: String::new(),
            tight,
            lists_seen: 0,
            lists: Vec::new(),
            indents: Vec::new(),
            markers: Vec::new(),
            closed_list: None,
            wrote: false,
            blank: false,
            leaf: false,
            spans: Vec::new(),
            space: false,
            line_break: None,
            text: TextWriter::default(),
            code: None,
            table: None,
        }
    }

    fn event(&mut self, event: Event<'_>) {
        if let Some((code, _)) = &mut self.code {
            match event {
                Event::Text(text) | Event::Code(text) | Event::Html(text) => code.push_str(&text),
                Event::End(TagEnd::CodeBlock) => self.code_block(),
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text)
            | Event::Html(text)
            | Event::InlineHtml(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text)
            | Event::FootnoteReference(text) => self.text(&text),
            Event::Code(code) => self.code_span(&code),
            Event::SoftBreak => self.line_break(Break::Soft),
            Event::HardBreak => self.line_break(Break::Hard),
            Event::Rule => {
                self.end_leaf();
                self.flush();
                self.out.push_str("* * *");
                self.end_leaf();
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Emphasis => self.open_span("*"),
            // Strong text or a strike inside another adds nothing, and nested strikes would
            // write `~~~~`, which can open a code block.
            Tag::Strong => self.open_span("**"),
            Tag::Strikethrough => self.open_span("~~"),
            Tag::Link {
                dest_url, title, ..
            } => {
                let close = link_target(&dest_url, &title);
                self.open_link("[", close);
            }
            Tag::TableCell => match &mut self.table {
                Some((first_cell, _)) if *first_cell => *first_cell = false,
                _ => self.text(" | "),
            },
            Tag::TableHead | Tag::TableRow => {
                if let Some((first_cell, first_row)) = &mut self.table {
                    *first_cell = true;
                    if !std::mem::replace(first_row, false) {
                        self.line_break(Break::Hard);
                    }
                }
            }
            Tag::Superscript | Tag::Subscript | Tag::Image { .. } => {}
            Tag::Table(_) => {
                self.end_leaf();
                self.table = Some((true, true));
            }
            Tag::Heading { .. } => {
                self.end_leaf();
                self.open_span("**");
            }
            Tag::CodeBlock(kind) => {
                self.end_leaf();
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .filter(|word| {
                            word.chars().all(|c| {
                                c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.')
                            })
                        })
                        .unwrap_or("")
                        .to_owned(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((String::new(), language));
            }
            Tag::List(start) => {
                self.end_leaf();
                let depth = self.lists.len();
                let ordered = start.is_some();
                let other_marker = match self.closed_list {
                    Some((closed, kind, other)) if closed == depth && kind == ordered => !other,
                    _ => false,
                };
                // A list is set apart from what comes before it, except at the start of an
                // item of a tight list (an ordered list that does not start at 1 cannot
                // interrupt a paragraph: that one is set apart too).
                if !self.lists.last().is_some_and(|list| list.tight)
                    || self.closed_list.is_some()
                    || start.is_some_and(|n| n != 1)
                {
                    self.blank = true;
                }
                let tight = self.tight.get(self.lists_seen).copied().unwrap_or(false);
                self.lists_seen += 1;
                self.lists.push(List {
                    next: start,
                    tight,
                    other_marker,
                });
            }
            Tag::Item => {
                self.end_leaf();
                let marker = match self.lists.last_mut() {
                    Some(List {
                        next: Some(number),
                        other_marker,
                        ..
                    }) => {
                        let marker = format!("{number}{} ", if *other_marker { ')' } else { '.' });
                        *number += 1;
                        marker
                    }
                    Some(List { other_marker, .. }) => {
                        if *other_marker { "* " } else { "- " }.to_owned()
                    }
                    None => "- ".to_owned(),
                };
                self.indents.push(marker.len());
                self.markers.push(marker);
            }
            Tag::Paragraph
            | Tag::BlockQuote(_)
            | Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => self.end_leaf(),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link => {
                self.close_span();
            }
            TagEnd::Heading(_) => {
                self.close_span();
                self.end_leaf();
            }
            TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Image
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::TableCell
            | TagEnd::CodeBlock => {}
            TagEnd::Table => {
                self.end_leaf();
                self.table = None;
            }
            TagEnd::List(_) => {
                self.end_leaf();
                let list = self.lists.pop();
                self.closed_list =
                    list.map(|list| (self.lists.len(), list.next.is_some(), list.other_marker));
                self.blank = true;
            }
            TagEnd::Item => {
                self.end_leaf();
                self.indents.pop();
                // An item with nothing in it is left out, its number given to the next one.
                if self.markers.pop().is_some() {
                    if let Some(List {
                        next: Some(number), ..
                    }) = self.lists.last_mut()
                    {
                        *number -= 1;
                    }
                }
            }
            TagEnd::Paragraph
            | TagEnd::BlockQuote(_)
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => self.end_leaf(),
        }
    }

    /// Opens a span of emphasis, strong or struck-through text, delimited by `delimiter`.
    fn open_span(&mut self, delimiter: &'static str) {
        let inside = delimiter != "*" && self.spans.iter().any(|span| span.open == delimiter);
        let delimiter = if inside { "" } else { delimiter };
        self.open_link(delimiter, delimiter.to_owned());
    }

    fn open_link(&mut self, open: &'static str, close: String) {
        self.spans.push(Span {
            open,
            close,
            written: false,
        });
    }

    /// Closes the innermost span right after what it holds (a space or a line break after the
    /// last word stays outside); a span that holds nothing leaves nothing.
    fn close_span(&mut self) {
        if let Some(span) = self.spans.pop() {
            if span.written {
                self.out.push_str(&span.close);
                self.text.after_delimiter();
            }
        }
    }

    fn line_break(&mut self, kind: Break) {
        if self.table.is_some() && kind == Break::Soft {
            self.space = self.leaf;
        } else if self.leaf {
            self.line_break = self.line_break.max(Some(kind));
        }
    }

    /// User text: every character that could be read as Markdown is escaped; spaces and line
    /// breaks are written only before what follows them.
    fn text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '\n' | '\r' => self.line_break(Break::Soft),
                ' ' | '\t' => self.space = self.leaf,
                c if c.is_control() => {}
                c => {
                    self.flush();
                    self.text.push(&mut self.out, c);
                }
            }
        }
    }

    /// Inline code between backtick runs longer than any inside it, on one line.
    fn code_span(&mut self, code: &str) {
        let code: String = code
            .chars()
            .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
            .filter(|c| !c.is_control() || *c == '\t')
            .collect();
        if code.is_empty() {
            return;
        }
        self.flush();
        let fence = "`".repeat(longest_run(&code, '`') + 1);
        let pad = code.starts_with('`')
            || code.ends_with('`')
            || (code.starts_with(' ') && code.ends_with(' ') && code.trim() != "");
        let pad = if pad { " " } else { "" };
        self.out
            .push_str(&format!("{fence}{pad}{code}{pad}{fence}"));
        self.text.after_delimiter();
    }

    /// A fenced code block: a fence longer than any backtick run inside, so no line closes it,
    /// each line with the indentation of the list items around it.
    fn code_block(&mut self) {
        let Some((code, language)) = self.code.take() else {
            return;
        };
        let code = code.replace("\r\n", "\n").replace('\r', "\n");
        let fence = "`".repeat(longest_run(&code, '`').max(2) + 1);
        self.flush();
        self.out.push_str(&fence);
        self.out.push_str(&language);
        let indent = " ".repeat(self.indents.iter().sum());
        for line in code.strip_suffix('\n').unwrap_or(&code).split('\n') {
            self.out.push('\n');
            if !line.is_empty() {
                self.out.push_str(&indent);
                self.out.push_str(line);
            }
        }
        self.out.push('\n');
        self.out.push_str(&indent);
        self.out.push_str(&fence);
        self.end_leaf();
    }

    /// Before anything visible: the separation from the block before (a blank line, or a line
    /// break between the items of a tight list) and the line's indentation or list markers, or
    /// the pending space or line break of the paragraph; then the openings of the spans.
    fn flush(&mut self) {
        if !self.leaf {
            if self.wrote {
                self.out.push('\n');
                if self.blank || !self.lists.last().is_some_and(|list| list.tight) {
                    self.out.push('\n');
                }
            }
            self.blank = false;
            self.closed_list = None;
            self.prefix();
            self.wrote = true;
            self.leaf = true;
        } else if let Some(kind) = self.line_break.take() {
            if kind == Break::Hard {
                self.out.push('\\');
            }
            self.out.push('\n');
            self.prefix();
        } else if self.space {
            self.out.push(' ');
        }
        self.space = false;
        self.line_break = None;
        for span in self.spans.iter_mut().filter(|span| !span.written) {
            span.written = true;
            self.out.push_str(span.open);
            if !span.open.is_empty() {
                self.text.after_delimiter();
            }
        }
    }

    /// The start of a line: the indentation of the open list items, the markers of those whose
    /// first line this is.
    fn prefix(&mut self) {
        let outer = self.indents.len() - self.markers.len();
        let indent: usize = self.indents[..outer].iter().sum();
        self.out.push_str(&" ".repeat(indent));
        for marker in self.markers.drain(..) {
            self.out.push_str(&marker);
        }
        self.text = TextWriter::default();
    }

    fn end_leaf(&mut self) {
        self.leaf = false;
        self.space = false;
        self.line_break = None;
    }
}

/// `](target "title")`: the target and title escaped so that they read back as they are (the
/// target has no space, no control character and no unescaped parenthesis, so it ends where
/// it should).
fn link_target(url: &str, title: &str) -> String {
    let mut out = String::from("](");
    for c in url.trim().chars() {
        match c {
            '<' | '>' | '\\' | '&' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_whitespace() || c.is_control() => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    if !title.trim().is_empty() {
        out.push_str(" \"");
        for c in title.chars() {
            match c {
                c if c.is_whitespace() => out.push(' '),
                c if c.is_control() => {}
                c if c.is_ascii_punctuation() => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push(')');
    out
}

/// The length of the longest run of `c` in `text`.
fn longest_run(text: &str, c: char) -> usize {
    text.split(|other| other != c)
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Writes user text one character at a time so that no Markdown renderer reads anything in it
/// but text: the characters that mean something anywhere in a line (emphasis, code, links,
/// images, HTML, entities, tables, math, the extensions' `^` and `{}`) are escaped wherever
/// they are, those that mean something only at the start of a line (lists, headings, setext
/// underlines, definitions, ordered-list numbers) where a line starts. `<`, `>` and `&` are
/// entities.
#[derive(Default)]
struct TextWriter {
    /// Something has been written on the line since its indentation or markers.
    started: bool,
    /// What has been written on the line is all digits (`1.` would start a list).
    digits: bool,
}

impl TextWriter {
    fn push(&mut self, out: &mut String, c: char) {
        let line_start = !self.started;
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '!' | '~' | '^' | '$' | '|' | '{' | '}' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' | '=' | ':' if line_start => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if self.digits => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        self.digits = c.is_ascii_digit() && (line_start || self.digits);
        self.started = true;
    }

    /// After a delimiter the line has started, and does not start with a number.
    fn after_delimiter(&mut self) {
        self.started = true;
        self.digits = false;
    }
}

/// Markdown as a quote: `> ` before every line, whatever ends the line (a carriage return
/// alone too, which Markdown reads as a line break).
pub(crate) fn quote(markdown: &str) -> String {
    markdown
        .split("\r\n")
        .flat_map(|part| part.split(['\r', '\n']))
        .map(|line| format!("> {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A message of ours (a finding) as the inline pieces it is made of: text, and the `code`
/// spans that quote ids and names. Anything else a quoted name holds stays text.
fn message_pieces(markdown: &str) -> Vec<(bool, String)> {
    let mut pieces: Vec<(bool, String)> = Vec::new();
    for event in Parser::new_ext(markdown, Options::empty()) {
        let (code, text) = match event {
            Event::Code(text) => (true, text.into_string()),
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                (false, text.into_string())
            }
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => {
                (false, " ".to_owned())
            }
            _ => continue,
        };
        match pieces.last_mut() {
            Some((false, last)) if !code => last.push_str(&text),
            _ => pieces.push((code, text)),
        }
    }
    if let Some((false, last)) = pieces.last_mut() {
        last.truncate(last.trim_end().len());
    }
    pieces
}

/// A message of ours as inline HTML: its code spans as `<code>`, everything else escaped text.
pub(crate) fn message_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() + 16);
    for (code, text) in message_pieces(markdown) {
        if code {
            out.push_str("<code>");
        }
        for c in text.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        }
        if code {
            out.push_str("</code>");
        }
    }
    out
}

/// A message of ours for a Markdown table cell or list item: its code spans kept as code
/// spans (fenced by more backticks than they hold, `|` escaped as a table needs even there),
/// everything else as [`escape_cell`] writes it.
pub(crate) fn message_cell(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() + 16);
    for (code, text) in message_pieces(markdown) {
        if !code {
            out.push_str(&escape_cell(&text));
            continue;
        }
        let content: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .replace('|', "\\|");
        let fence = "`".repeat(longest_run(&content, '`') + 1);
        // A space inside the fence keeps a backtick at either end from joining it.
        let pad = if content.starts_with('`') || content.ends_with('`') {
            " "
        } else {
            ""
        };
        out.push_str(&format!("{fence}{pad}{content}{pad}{fence}"));
    }
    out
}

/// Note Markdown → plain text on one line, for CSV cells and one-line summaries.
pub(crate) fn to_plain(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => {
                out.push_str(&text);
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::TableCell) => out.push(' '),
            Event::End(TagEnd::Item) => out.push_str("; "),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// User text placed in a Markdown table cell or inside a line (a heading, a list item): one
/// line, no `|` that ends the cell, no HTML, and nothing any Markdown renderer's inline syntax
/// reads (emphasis, code, links, images, strikethrough, math, `^` and heading attributes).
pub(crate) fn escape_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '^' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A CSV cell that a spreadsheet will not run as a formula: one that starts with `=`, `+`, `-`
/// or `@` (or their fullwidth and small forms, which an input method types and some spreadsheets
/// read as the ASCII ones), also after white space, or with a tab or a carriage return, gets a
/// `'` in front.
pub(crate) fn csv_safe(text: &str) -> Cow<'_, str> {
    let formula = |c: char| {
        matches!(
            c,
            '=' | '+'
                | '-'
                | '@'
                | '\u{FF1D}' // ＝
                | '\u{FF0B}' // ＋
                | '\u{FF0D}' // －
                | '\u{FF20}' // ＠
                | '\u{FE66}' // ﹦
                | '\u{FE62}' // ﹢
                | '\u{FE63}' // ﹣
                | '\u{FE6B}' // ﹫
        )
    };
    let starts_a_formula = text.starts_with(['\t', '\r'])
        || text
            .trim_start_matches(char::is_whitespace)
            .starts_with(formula);
    if starts_a_formula {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
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

    /// What a Markdown renderer makes of a note in the annex: quoted, between two headings.
    fn rendered(note: &str) -> Vec<Event<'static>> {
        let annex = format!(
            "## Before\n\n{}\n\n## Sign-off\n",
            quote(&to_markdown(note))
        );
        Parser::new_ext(&annex, options())
            .map(Event::into_static)
            .collect()
    }

    fn headings(events: &[Event<'_>]) -> usize {
        events
            .iter()
            .filter(|e| matches!(e, Event::Start(Tag::Heading { .. })))
            .count()
    }

    fn live(events: &[Event<'_>]) -> Vec<String> {
        events
            .iter()
            .filter_map(|event| match event {
                Event::Html(html) | Event::InlineHtml(html) => Some(format!("html {html}")),
                Event::Start(Tag::Image { dest_url, .. }) => Some(format!("image {dest_url}")),
                Event::Start(Tag::Link { dest_url, .. }) if !safe_url(dest_url) => {
                    Some(format!("link {dest_url}"))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_html_block_in_a_note_stays_text() {
        let note = "<div>\n[Sign](javascript:alert(1))\n![x](https://tracker.example/p.png)\n<a href=\"javascript:alert(2)\">y</a>";
        let events = rendered(note);
        assert_eq!(live(&events), Vec::<String>::new(), "{}", to_markdown(note));
        let text: String = events
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        assert!(text.contains("<div>"), "{text}");
        assert!(text.contains("[Sign](javascript:alert(1))"), "{text}");
    }

    #[test]
    fn a_carriage_return_does_not_leave_the_quote() {
        for note in [
            "<div>\r```",
            "text\r## Heading\r> quote\r",
            "a\r\r```\rcode",
            "a\r---",
            "`x\ry`\r    indented",
        ] {
            let out = to_markdown(note);
            assert!(!out.contains('\r'), "{out:?}");
            let events = rendered(note);
            assert_eq!(headings(&events), 2, "{note:?} gives {out:?}");
            // A code block, if the note has one, stays in the quote.
            let mut quotes = 0;
            for event in &events {
                match event {
                    Event::Start(Tag::BlockQuote(_)) => quotes += 1,
                    Event::End(TagEnd::BlockQuote(_)) => quotes -= 1,
                    Event::Start(Tag::CodeBlock(_)) => assert!(quotes > 0, "{out:?}"),
                    _ => {}
                }
            }
        }
        assert_eq!(quote("a\rb\r\nc\nd"), "> a\n> b\n> c\n> d");
    }

    #[test]
    fn code_blocks_show_their_text_as_written() {
        let note = "`````html\n<b>a</b> &lt; b\n````\n`````";
        let out = to_markdown(note);
        let code: String = rendered(note)
            .iter()
            .skip_while(|e| !matches!(e, Event::Start(Tag::CodeBlock(_))))
            .take_while(|e| !matches!(e, Event::End(TagEnd::CodeBlock)))
            .filter_map(|e| match e {
                Event::Text(t) => Some(t.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(code, "<b>a</b> &lt; b\n````\n", "{out}");
        // Inline code too, whatever backticks it holds.
        assert_eq!(to_markdown("`` a ` &lt; ``"), "``a ` &lt;``");
    }

    #[test]
    fn the_structure_of_a_note_is_kept() {
        let note = "A **bold** and *em* ~~old~~ [link](https://example.com/a_(b)).\n\n- one\n- two\n  1. nested\n\n3. three\n\n# Heading";
        assert_eq!(
            to_markdown(note),
            "A **bold** and *em* ~~old~~ [link](https://example.com/a_\\(b\\)).\n\n- one\n- two\n  1. nested\n\n3. three\n\n**Heading**"
        );
        // Text that looks like structure is escaped where it would be read as such.
        assert_eq!(
            to_markdown("<p>\n1. # - = : | * _ ` ~ ^ $ {x} [l](u) ! &amp; end.\n- x\n</p>"),
            "&lt;p&gt;\n1\\. \\# - = : \\| \\* \\_ \\` \\~ \\^ \\$ \\{x\\} \\[l\\](u) \\! &amp;amp; end.\n\\- x\n&lt;/p&gt;"
        );
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
        for formula in [
            "\u{FF1D}1+1",
            "\u{FF0B}1",
            "\u{FF0D}1",
            "\u{FF20}SUM(A1)",
            " =1+1",
            "\t =1+1",
            "  @SUM(A1)",
            "\u{3000}\u{FF1D}1",
            "\u{A0}+1",
            "\n-1",
        ] {
            assert_eq!(csv_safe(formula), format!("'{formula}"), "{formula:?}");
        }
        assert_eq!(csv_safe(" plain = fine"), " plain = fine");
    }

    #[test]
    fn plain_text_flattens_markdown() {
        assert_eq!(
            to_plain("**Bold** and\n`code`\n\n- one\n- two"),
            "Bold and code one; two;"
        );
    }
}
