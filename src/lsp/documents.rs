//! The files the editor has open, the addresses it names them by, and the translation between
//! its positions (line and character) and the compiler's byte offsets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

/// How the editor counts characters in a line: UTF-16 units by default, bytes when both sides
/// agree on it at initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// Where each line of a text starts, lines ended as the grammar ends them (`\n`, `\r\n`, `\r`).
pub(super) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    encoding: Encoding,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str, encoding: Encoding) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &byte) in bytes.iter().enumerate() {
            match byte {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        Lines {
            text,
            starts,
            encoding,
        }
    }

    pub(super) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let prefix = &self.text[start..end];
        let character = match self.encoding {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    pub(super) fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of a position; a position past the end of its line is the line's end.
    pub(super) fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |&next| next);
        let line = &self.text[start..end];
        let line = line.trim_end_matches(['\n', '\r']);
        let wanted = position.character as usize;
        let mut counted = 0;
        for (at, c) in line.char_indices() {
            if counted >= wanted {
                return start + at;
            }
            counted += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + line.len()
    }

    pub(super) fn end(&self) -> Position {
        self.position(self.text.len())
    }
}

/// One open file.
pub(super) struct Document {
    pub uri: Uri,
    /// Its path on disk (canonical where the file exists): what the compiler knows it by.
    pub path: PathBuf,
    pub text: String,
}

#[derive(Default)]
pub(super) struct Documents {
    by_uri: HashMap<String, Document>,
}

impl Documents {
    /// Opens or replaces a document; `None` for an address that is not a file.
    pub(super) fn set(&mut self, uri: Uri, text: String) -> Option<()> {
        let path = path_of(&uri)?;
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        // The compiler drops a byte-order mark; so does the copy it reads, so that offsets agree.
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        };
        self.by_uri
            .insert(uri.as_str().to_owned(), Document { uri, path, text });
        Some(())
    }

    pub(super) fn close(&mut self, uri: &Uri) {
        self.by_uri.remove(uri.as_str());
    }

    pub(super) fn get(&self, uri: &Uri) -> Option<&Document> {
        self.by_uri.get(uri.as_str())
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Document> {
        self.by_uri.values()
    }

    /// The editor's text of the file at `path`, if it has it open.
    pub(super) fn text_at(&self, path: &Path) -> Option<String> {
        self.by_uri
            .values()
            .find(|document| document.path == path)
            .map(|document| document.text.clone())
    }
}

impl Documents {
    /// The address of a path: the editor's own for a file it has open (it may spell addresses
    /// differently), else one made from the path.
    pub(super) fn uri_for(&self, path: &Path) -> Option<Uri> {
        self.by_uri
            .values()
            .find(|document| document.path == path)
            .map(|document| document.uri.clone())
            .or_else(|| uri_of(path))
    }
}

/// The path a `file:` address names, its percent-escapes decoded.
pub(super) fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host is a path here.
    let path = match rest.strip_prefix("localhost") {
        Some(path) => path,
        None => rest,
    };
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&high), Some(&low)) if hex(high).is_some() && hex(low).is_some() => {
                decoded.push((hex(high)? * 16 + hex(low)?) as u8);
                i += 3;
            }
            (byte, ..) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(decoded)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(decoded).ok().map(PathBuf::from)
    }
}

/// The `file:` address of a path, every byte outside the unreserved set escaped.
pub(super) fn uri_of(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for &byte in path.to_string_lossy().as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                text.push(byte as char);
            }
            _ => text.push_str(&format!("%{byte:02X}")),
        }
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_or_bytes() {
        let text = "ab\r\n€x\ry\n";
        let lines = Lines::new(text, Encoding::Utf16);
        assert_eq!(lines.position(7), Position::new(1, 1)); // after €
        assert_eq!(lines.offset(Position::new(1, 1)), 7);
        assert_eq!(lines.position(9), Position::new(2, 0)); // a lone CR ends a line
        assert_eq!(lines.offset(Position::new(0, 99)), 2);
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
        let bytes = Lines::new(text, Encoding::Utf8);
        assert_eq!(bytes.position(7), Position::new(1, 3));
    }

    #[test]
    fn addresses_and_paths_round_trip() {
        let path = Path::new("/tmp/a dir/ü#1.srm");
        let uri = uri_of(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/%C3%BC%231.srm");
        assert_eq!(path_of(&uri).unwrap(), path);
        assert_eq!(path_of(&"untitled:Untitled-1".parse().unwrap()), None);
    }
}
