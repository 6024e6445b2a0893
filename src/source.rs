//! Source files, spans into them and line/column lookup.

use std::fmt;
use std::path::PathBuf;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
///
/// Spans compare by place, so two syntax trees are equal only where they are written the same
/// way; whether two trees *say* the same thing, whatever their layout, is
/// [`crate::syntax::meaning::SameMeaning`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The position as a plain value, for sorting and grouping by place.
    pub fn key(&self) -> (FileId, u32, u32) {
        (self.file, self.start, self.end)
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}..{}", self.file.0, self.start, self.end)
    }
}

/// One loaded source file.
pub struct SourceFile {
    /// The name shown in diagnostics: the path as given on the command line, joined with the
    /// import paths, or `<builtin>/NAME.srm` for embedded files.
    pub name: String,
    /// The canonical path on disk; `None` for embedded files.
    pub path: Option<PathBuf>,
    pub text: String,
    /// Where each line starts; made the first time a line is asked for (a clean check of a large
    /// matrix never asks).
    line_starts: std::sync::OnceLock<Vec<u32>>,
    /// The file as a terminal may be shown it ([`SourceFile::shown`]); `None` when it is the
    /// file itself.
    shown: std::sync::OnceLock<Option<Box<Shown>>>,
}

/// A file with its control characters made visible, and where its offsets went.
struct Shown {
    file: SourceFile,
    /// For each character replaced, its offset in the file and how many bytes longer the text
    /// is after it.
    shifts: Vec<(u32, u32)>,
}

/// What a character looks like where text goes to a terminal: `None` for most, which show as
/// they are. Control characters (ESC, BEL, NUL, …) could move the cursor, clear lines or retitle
/// the window — print a "no problems found" over the findings — and bidirectional controls
/// could reorder what is shown (Trojan Source): C0 controls show as their Unicode control
/// pictures (ESC as ␛), the others as `<U+202E>`. Tabs and line feeds stay.
fn visible(c: char) -> Option<String> {
    match c {
        '\t' | '\n' => None,
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).map(String::from),
        '\u{7f}' => Some("\u{2421}".to_owned()),
        c if c.is_control() || crate::syntax::is_invisible(c) => {
            Some(format!("<U+{:04X}>", c as u32))
        }
        _ => None,
    }
}

/// `text` with every character `visible` replaces replaced: what a message, label or file
/// name may show on a terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| visible(c).is_some()) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match visible(c) {
            Some(shown) => out.push_str(&shown),
            None => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(name: String, path: Option<PathBuf>, text: String) -> Self {
        SourceFile {
            name,
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
            shown: std::sync::OnceLock::new(),
        }
    }

    /// The file as excerpts show it: its control characters visible ([`printable`]), lone
    /// carriage returns as the line breaks they are (the line numbers stay), its name printable
    /// too. The file itself when nothing needs it; offsets go through [`SourceFile::shown_offset`].
    pub fn shown(&self) -> &SourceFile {
        self.shown_view().map_or(self, |shown| &shown.file)
    }

    /// Where `offset` of the file is in [`SourceFile::shown`].
    pub fn shown_offset(&self, offset: usize) -> usize {
        let Some(shown) = self.shown_view() else {
            return offset;
        };
        let before = shown
            .shifts
            .partition_point(|&(at, _)| (at as usize) < offset);
        offset
            + before
                .checked_sub(1)
                .map_or(0, |i| shown.shifts[i].1 as usize)
    }

    fn shown_view(&self) -> Option<&Shown> {
        self.shown
            .get_or_init(|| {
                let bytes = self.text.as_bytes();
                let lone_cr = |at: usize| bytes[at] == b'\r' && bytes.get(at + 1) != Some(&b'\n');
                let needs = |(at, c): (usize, char)| {
                    (c == '\r' && lone_cr(at)) || (c != '\r' && visible(c).is_some())
                };
                let name = printable(&self.name);
                if !self.text.char_indices().any(needs)
                    && matches!(name, std::borrow::Cow::Borrowed(_))
                {
                    return None;
                }
                let mut text = String::with_capacity(self.text.len() + 64);
                let mut shifts = Vec::new();
                let mut extra = 0u32;
                for (at, c) in self.text.char_indices() {
                    match (c, visible(c)) {
                        // A lone CR ends a line: shown as the line feed a terminal understands.
                        ('\r', _) if lone_cr(at) => text.push('\n'),
                        ('\r', _) | (_, None) => text.push(c),
                        (_, Some(shown)) => {
                            text.push_str(&shown);
                            extra += (shown.len() - c.len_utf8()) as u32;
                            shifts.push((at as u32, extra));
                        }
                    }
                }
                let file = SourceFile::new(name.into_owned(), None, text);
                Some(Box::new(Shown { file, shifts }))
            })
            .as_deref()
    }

    /// Offsets (spans are `u32`) where lines start. Lines end as the grammar ends them: `\n`,
    /// `\r\n` or a lone `\r`.
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let bytes = self.text.as_bytes();
            std::iter::once(0)
                .chain(bytes.iter().enumerate().filter_map(|(i, &b)| match b {
                    b'\n' => Some(i as u32 + 1),
                    b'\r' if bytes.get(i + 1) != Some(&b'\n') => Some(i as u32 + 1),
                    _ => None,
                }))
                .collect()
        })
    }

    /// The offset where line `line` (0-based) starts.
    fn line_start(&self, line: usize) -> usize {
        self.line_starts()[line] as usize
    }

    /// 0-based index of the line holding `offset`.
    fn line_index(&self, offset: usize) -> usize {
        match self.line_starts().binary_search(&(offset as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    fn line_bounds(&self, line: usize) -> (usize, usize) {
        let start = self.line_start(line);
        let mut end = self
            .line_starts()
            .get(line + 1)
            .map_or(self.text.len(), |&next| next as usize);
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        (start, end)
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_start(line);
        let column = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count()
            + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The first character boundary at or after `offset` (at most the end of the text).
pub(crate) fn ceil_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// Longest stretch of one line that an excerpt shows; longer lines are cut around the span.
pub const EXCERPT_WIDTH: usize = 160;

impl SourceCode for SourceFile {
    /// Unlike miette's implementation for `str`, this one finds lines through the line index
    /// (a file with thousands of findings stays linear) and cuts very long lines down to a
    /// window around the span, so that a 10 MB line never ends up in a terminal.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = self.line_index(start);
        if context_lines_before == 0 && context_lines_after == 0 {
            let at = self.line_col(start);
            let end = ceil_char_boundary(&self.text, end.min(start + EXCERPT_WIDTH));
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[start..end],
                (start, end - start).into(),
                at.line - 1,
                at.column - 1,
                1,
            )));
        }
        let last_line = self.line_index(end.saturating_sub(1).max(start));
        let from_line = first_line.saturating_sub(context_lines_before);
        let to_line = (last_line + context_lines_after).min(self.line_starts().len() - 1);
        let too_wide = (from_line..=to_line).any(|line| {
            let (a, b) = self.line_bounds(line);
            b - a > EXCERPT_WIDTH
        });
        if too_wide {
            // Only the line of the span, and only the part of it around the span.
            let (line_start, line_end) = self.line_bounds(first_line);
            let from = floor_char_boundary(
                &self.text,
                start.saturating_sub(EXCERPT_WIDTH / 3).max(line_start),
            );
            let to = ceil_char_boundary(&self.text, (from + EXCERPT_WIDTH).min(line_end));
            let column = self.line_col(from).column - 1;
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[from..to],
                (from, to - from).into(),
                first_line,
                column,
                1,
            )));
        }
        let from = self.line_start(from_line);
        let (_, to) = self.line_bounds(to_line);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[from..to],
            (from, to - from).into(),
            from_line,
            0,
            to_line - from_line + 1,
        )))
    }
}

/// Every file of one compilation, the embedded ones included.
#[derive(Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file, in [`FileId`] order.
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    pub fn find_path(&self, path: &std::path::Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|file| file.path.as_deref() == Some(path))
            .map(|index| FileId(index as u32))
    }

    pub fn line_col(&self, span: Span) -> LineCol {
        self.get(span.file).line_col(span.start as usize)
    }

    /// The text a span covers.
    pub fn text(&self, span: Span) -> &str {
        &self.get(span.file).text[span.start as usize..span.end as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_ending_counts() {
        let file = SourceFile::new("t".into(), None, "a\nb\r\nc\rd".into());
        let at = |offset| {
            let at = file.line_col(offset);
            (at.line, at.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(2), (2, 1));
        assert_eq!(at(5), (3, 1));
        assert_eq!(at(7), (4, 1));
        assert_eq!(file.line_bounds(1), (2, 3));
    }

    #[test]
    fn control_characters_are_shown_as_pictures_and_offsets_follow() {
        let file = SourceFile::new(
            "a\u{1b}.srm".into(),
            None,
            "x\u{1b}[2Ky\r\nz\rw \u{202e}v\u{85}u".into(),
        );
        let shown = file.shown();
        assert_eq!(shown.name, "a␛.srm");
        assert_eq!(shown.text, "x␛[2Ky\r\nz\nw <U+202E>v<U+0085>u");
        for (offset, c) in file.text.char_indices() {
            let at = file.shown_offset(offset);
            let lone_cr = c == '\r' && !file.text[offset..].starts_with("\r\n");
            let expected = super::visible(c).filter(|_| c != '\r').unwrap_or_else(|| {
                if lone_cr {
                    "\n".into()
                } else {
                    c.to_string()
                }
            });
            assert!(shown.text[at..].starts_with(&expected), "{offset} {c:?}");
            // The lines are the file's.
            assert_eq!(
                shown.line_col(at).line,
                file.line_col(offset).line,
                "{offset} {c:?}"
            );
        }
        assert_eq!(file.shown_offset(file.text.len()), shown.text.len());
        assert_eq!(
            printable("bell\u{7} cr\r nul\u{0}\ttab\nline"),
            "bell␇ cr␍ nul␀\ttab\nline"
        );

        let plain = SourceFile::new("p.srm".into(), None, "a\tb\r\nc".into());
        assert!(std::ptr::eq(plain.shown(), &plain));
        assert_eq!(plain.shown_offset(4), 4);
    }
}
