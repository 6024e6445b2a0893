//! Reading the root file and everything it imports, each file once, confined to the root
//! file's directory.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, SourceFile, Sources, Span};
use crate::syntax::{self, ast};

/// Bounds on what one compilation reads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file, in bytes.
    pub max_file_bytes: u64,
    /// Largest sum of all files, in bytes.
    pub max_total_bytes: u64,
    /// Most files, the root included.
    pub max_files: usize,
    /// Longest string or text block, in bytes.
    pub max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 << 20,
            max_total_bytes: 64 << 20,
            max_files: 1000,
            max_string_bytes: 1 << 20,
        }
    }
}

/// Why a compilation could not even start (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FatalError(pub String);

impl std::fmt::Display for FatalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The parsed files, and the order of their items with every import expanded in place.
pub struct Loaded {
    pub files: Vec<ast::File>,
    /// (index into `files`, index into that file's items).
    pub order: Vec<(usize, usize)>,
    /// Whether every file was read and parsed whole (see [`syntax::Parsed::whole`]): only then
    /// can the checks that judge the matrix as a whole run.
    pub whole: bool,
}

struct Loader<'a> {
    sources: &'a mut Sources,
    diagnostics: Vec<Diagnostic>,
    limits: Limits,
    root_dir: PathBuf,
    total_bytes: u64,
    files: Vec<ast::File>,
    order: Vec<(usize, usize)>,
    /// Canonical paths of the files being loaded, outermost first, to find cycles.
    stack: Vec<PathBuf>,
    whole: bool,
}

/// Loads `root` and its imports. `shown` is the name diagnostics give the root file (imports are
/// named relative to it). Problems inside files are diagnostics; a root file that cannot be read
/// at all is a [`FatalError`].
pub fn load(
    root: &Path,
    shown: &str,
    sources: &mut Sources,
    limits: Limits,
) -> Result<(Loaded, Vec<Diagnostic>), FatalError> {
    let metadata = fs::metadata(root)
        .map_err(|error| FatalError(format!("cannot read `{shown}`: {}", io_reason(&error))))?;
    if metadata.is_dir() {
        return Err(FatalError(format!(
            "`{shown}` is a directory; give the path of a `.srm` file"
        )));
    }
    if metadata.len() > limits.max_file_bytes {
        return Err(FatalError(format!(
            "`{shown}` is {} bytes, more than the limit of {} bytes for one file \
             (raise it with --max-file-bytes)",
            metadata.len(),
            limits.max_file_bytes
        )));
    }
    let canonical = fs::canonicalize(root)
        .map_err(|error| FatalError(format!("cannot read `{shown}`: {}", io_reason(&error))))?;
    let root_dir = canonical
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let mut loader = Loader {
        sources,
        diagnostics: Vec::new(),
        limits,
        root_dir,
        total_bytes: 0,
        files: Vec::new(),
        order: Vec::new(),
        stack: Vec::new(),
        whole: true,
    };
    let text = read_limited(&canonical, limits.max_file_bytes)
        .map_err(|error| FatalError(format!("cannot read `{shown}`: {error}")))?;
    loader.load_text(shown.to_owned(), canonical, text);
    let loaded = Loaded {
        files: loader.files,
        order: loader.order,
        whole: loader.whole,
    };
    Ok((loaded, loader.diagnostics))
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// Reads at most `limit` bytes: a file that grows after its size was checked is still bounded.
fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = fs::File::open(path).map_err(|error| io_reason(&error))?;
    // Room for the whole file at once: growing by doubling held up to twice its size.
    let size = file
        .metadata()
        .map_or(0, |metadata| metadata.len())
        .min(limit);
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| io_reason(&error))?;
    if bytes.len() as u64 > limit {
        return Err(format!("more than the limit of {limit} bytes for one file"));
    }
    Ok(bytes)
}

impl Loader<'_> {
    fn load_text(&mut self, name: String, canonical: PathBuf, bytes: Vec<u8>) {
        self.total_bytes += bytes.len() as u64;
        let (text, invalid_at) = decode(bytes);
        let file = self
            .sources
            .add(SourceFile::new(name, Some(canonical.clone()), text));
        if let Some(at) = invalid_at {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E002,
                    Span::new(file, at, at),
                    "the file is not UTF-8 text",
                )
                .label("this byte is not valid UTF-8")
                .help("save the file as UTF-8; if it is a spreadsheet or a binary file, export the matrix as `.srm` text"),
            );
            self.whole = false;
            return;
        }
        let parsed = syntax::parse_with_limit(
            file,
            &self.sources.get(file).text,
            self.limits.max_string_bytes,
        );
        self.diagnostics.extend(parsed.diagnostics);
        self.whole &= parsed.whole;
        let tree = parsed.tree;
        let index = self.files.len();
        let imports: Vec<(usize, ast::Import)> = tree
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                ast::Item::Import(import) => Some((i, import.clone())),
                _ => None,
            })
            .collect();
        let item_count = tree.items.len();
        self.files.push(tree);
        self.stack.push(canonical.clone());
        let mut next_import = imports.into_iter().peekable();
        for item in 0..item_count {
            match next_import.next_if(|(i, _)| *i == item) {
                Some((_, import)) => self.import(file, &canonical, &import),
                None => self.order.push((index, item)),
            }
        }
        self.stack.pop();
    }

    fn import(&mut self, from: FileId, from_path: &Path, import: &ast::Import) {
        let written = &import.path.value;
        let span = import.path.span;
        let relative = Path::new(written);
        if relative.is_absolute() {
            self.diagnostics.push(
                Diagnostic::new(Code::E106, span, format!("import `{written}` is an absolute path"))
                    .label("absolute path")
                    .help("import paths are relative to the importing file and stay inside the root file's directory"),
            );
            return;
        }
        let dir = from_path.parent().unwrap_or(Path::new("/"));
        let target = dir.join(relative);
        let canonical = match fs::canonicalize(&target) {
            Ok(path) => path,
            Err(error) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E106,
                        span,
                        format!("cannot import `{written}`: {}", io_reason(&error)),
                    )
                    .label("not found")
                    .help(format!(
                        "the path is relative to the importing file's directory, `{}`",
                        display_dir(&self.sources.get(from).name)
                    )),
                );
                return;
            }
        };
        if !canonical.starts_with(&self.root_dir) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E106,
                    span,
                    format!("import `{written}` leaves the root directory"),
                )
                .label("outside the root directory")
                .help("a matrix may only import files in the directory of the file given on the command line, or below it (symbolic links included)"),
            );
            return;
        }
        if let Some(position) = self.stack.iter().position(|p| *p == canonical) {
            let chain: Vec<String> = self.stack[position..]
                .iter()
                .chain(std::iter::once(&canonical))
                .map(|p| {
                    p.strip_prefix(&self.root_dir)
                        .unwrap_or(p)
                        .display()
                        .to_string()
                })
                .collect();
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E107,
                    span,
                    format!("import cycle: {}", chain.join(" → ")),
                )
                .label("this import closes the cycle")
                .help("move what both files need into a third file that imports neither"),
            );
            return;
        }
        if self.sources.find_path(&canonical).is_some() {
            // Each file is loaded once; a second import of it adds nothing.
            return;
        }
        if fs::metadata(&canonical).is_ok_and(|m| m.is_dir()) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E106,
                    span,
                    format!("import `{written}` is a directory"),
                )
                .label("a directory")
                .help("import a `.srm` file"),
            );
            return;
        }
        if self.files.len() + 1 > self.limits.max_files {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E003,
                    span,
                    format!("more than {} files imported", self.limits.max_files),
                )
                .label("one import too many")
                .help("raise the limit with --max-files"),
            );
            return;
        }
        let remaining = self.limits.max_total_bytes.saturating_sub(self.total_bytes);
        let bytes = match read_limited(&canonical, self.limits.max_file_bytes.min(remaining)) {
            Ok(bytes) => bytes,
            Err(reason) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E003,
                        span,
                        format!("cannot import `{written}`: {reason}"),
                    )
                    .label("too large")
                    .help("raise the limits with --max-file-bytes and --max-total-bytes"),
                );
                return;
            }
        };
        let name = join_display(&self.sources.get(from).name, written);
        self.load_text(name, canonical, bytes);
    }
}

/// Decodes UTF-8 (a leading byte-order mark is dropped); on invalid bytes, gives the text up to
/// them and where they start.
fn decode(mut bytes: Vec<u8>) -> (String, Option<usize>) {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let text = String::from_utf8_lossy(&bytes[..at]).into_owned();
            (text, Some(at))
        }
    }
}

fn display_dir(name: &str) -> String {
    match Path::new(name).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.display().to_string(),
        _ => ".".to_owned(),
    }
}

/// The name an imported file is shown by: the importer's name with the import path joined on
/// and `.`/`..` folded away.
fn join_display(from: &str, import: &str) -> String {
    let joined = Path::new(from)
        .parent()
        .unwrap_or(Path::new(""))
        .join(import);
    let mut parts: Vec<Component> = Vec::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if parts
                    .last()
                    .is_some_and(|last| matches!(last, Component::Normal(_))) =>
            {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect::<PathBuf>().display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_fold_dots() {
        assert_eq!(
            join_display("m/root.srm", "./common/p.srm"),
            "m/common/p.srm"
        );
        assert_eq!(join_display("m/a/x.srm", "../b.srm"), "m/b.srm");
        assert_eq!(join_display("root.srm", "p.srm"), "p.srm");
    }

    #[test]
    fn decode_reports_the_first_invalid_byte_and_drops_a_bom() {
        assert_eq!(decode(b"\xEF\xBB\xBFok".to_vec()), ("ok".to_owned(), None));
        assert_eq!(decode(b"ab\xFFcd".to_vec()), ("ab".to_owned(), Some(2)));
    }
}
