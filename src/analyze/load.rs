//! Reading the root file and everything it imports, each file once, confined to the root
//! file's directory.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::codes::Code;
use crate::diagnostics::Diagnostic;
use crate::files::{self, io_reason, ReadError};
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
    /// The root file's directory, which imports and upstreams may not leave.
    pub root_dir: PathBuf,
}

struct Loader<'a> {
    sources: &'a mut Sources,
    diagnostics: Vec<Diagnostic>,
    limits: Limits,
    root_dir: PathBuf,
    total_bytes: u64,
    files: Vec<ast::File>,
    order: Vec<(usize, usize)>,
    /// Every file read, by canonical path: each is loaded once, however many files import it.
    loaded: HashSet<PathBuf>,
    overlay: Overlay<'a>,
    /// The files whose imports are being read, outermost first, to find cycles.
    open: Vec<Open>,
    /// The canonical paths of `open`, to find a cycle without walking it.
    open_paths: HashSet<PathBuf>,
    whole: bool,
}

/// A file whose items are being read: imports expand in place, so the reading of a file stops
/// at each import until the imported file is read.
struct Open {
    file: usize,
    id: FileId,
    canonical: PathBuf,
    next_item: usize,
}

/// Loads `root` and its imports (`-` reads the root file from standard input; its imports are
/// then relative to the current directory). `shown` is the name diagnostics give the root file
/// (imports are named relative to it). Problems inside files are diagnostics; a root file that
/// cannot be read at all is a [`FatalError`].
pub fn load(
    root: &Path,
    shown: &str,
    sources: &mut Sources,
    limits: Limits,
) -> Result<(Loaded, Vec<Diagnostic>), FatalError> {
    load_overlaid(root, shown, sources, limits, &|_| None)
}

/// Texts that stand in for files on disk, by canonical path: an editor's unsaved buffers.
pub type Overlay<'a> = &'a dyn Fn(&Path) -> Option<String>;

/// [`load`], reading each file from `overlay` where it has the file (the root too, which then
/// need not exist on disk: an editor may hold a file deleted under it).
pub fn load_overlaid(
    root: &Path,
    shown: &str,
    sources: &mut Sources,
    limits: Limits,
    overlay: Overlay,
) -> Result<(Loaded, Vec<Diagnostic>), FatalError> {
    let cannot_read =
        |reason: &dyn std::fmt::Display| FatalError(format!("cannot read `{shown}`: {reason}"));
    let too_large = |reason: ReadError| match reason {
        ReadError::TooLarge { .. } => cannot_read(&format!(
            "{reason} for one file (raise it with --max-file-bytes)"
        )),
        _ => cannot_read(&reason),
    };
    let (canonical, bytes) = if let Some(text) = overlay(root) {
        if text.len() as u64 > limits.max_file_bytes {
            return Err(too_large(ReadError::TooLarge {
                size: Some(text.len() as u64),
                limit: limits.max_file_bytes,
            }));
        }
        let canonical = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        (canonical, text.into_bytes())
    } else if root.as_os_str() == files::STDIO {
        let here = std::env::current_dir()
            .and_then(fs::canonicalize)
            .map_err(|error| cannot_read(&io_reason(&error)))?;
        let bytes = files::read_stdin(limits.max_file_bytes).map_err(too_large)?;
        (here.join("<stdin>"), bytes)
    } else {
        let canonical = fs::canonicalize(root).map_err(|error| cannot_read(&io_reason(&error)))?;
        let bytes = files::read_regular(&canonical, limits.max_file_bytes).map_err(too_large)?;
        (canonical, bytes)
    };
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
        loaded: HashSet::new(),
        overlay,
        open: Vec::new(),
        open_paths: HashSet::new(),
        whole: true,
    };
    let on_disk = root.as_os_str() != files::STDIO;
    loader.open_file(shown.to_owned(), canonical, on_disk, bytes);
    loader.read_open_files();
    let loaded = Loaded {
        files: loader.files,
        order: loader.order,
        whole: loader.whole,
        root_dir: loader.root_dir,
    };
    Ok((loaded, loader.diagnostics))
}

impl Loader<'_> {
    /// Decodes and parses one file and opens it for reading its items.
    fn open_file(&mut self, name: String, canonical: PathBuf, on_disk: bool, bytes: Vec<u8>) {
        self.total_bytes += bytes.len() as u64;
        self.loaded.insert(canonical.clone());
        let path = on_disk.then(|| canonical.clone());
        let text = match files::decode(bytes) {
            Ok(text) => text,
            Err(bad) => {
                let file = self.sources.add(SourceFile::new(name, path, bad.valid));
                self.diagnostics.push(not_utf8(file, bad.at));
                self.whole = false;
                return;
            }
        };
        let id = self.sources.add(SourceFile::new(name, path, text));
        let parsed =
            syntax::parse_with_limit(id, &self.sources.get(id).text, self.limits.max_string_bytes);
        self.diagnostics.extend(parsed.diagnostics);
        self.diagnostics.extend(invisible_in_comments(&parsed.tree));
        self.whole &= parsed.whole;
        self.files.push(parsed.tree);
        self.open_paths.insert(canonical.clone());
        self.open.push(Open {
            file: self.files.len() - 1,
            id,
            canonical,
            next_item: 0,
        });
    }

    /// Reads the items of the open files in order, each import expanded where it stands. A loop,
    /// not a recursion: a chain of thousands of imports must not exhaust the stack.
    fn read_open_files(&mut self) {
        while let Some(top) = self.open.last_mut() {
            let (file, id, item) = (top.file, top.id, top.next_item);
            let Some(next) = self.files[file].items.get(item) else {
                let done = self.open.pop().expect("a file is open");
                self.open_paths.remove(&done.canonical);
                continue;
            };
            top.next_item += 1;
            match next {
                ast::Item::Import(import) => {
                    let import = import.clone();
                    let from = top.canonical.clone();
                    self.import(id, &from, &import);
                }
                _ => self.order.push((file, item)),
            }
        }
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
        if self.open_paths.contains(&canonical) {
            let position = self
                .open
                .iter()
                .position(|open| open.canonical == canonical)
                .expect("an open path is on the stack");
            let chain: Vec<String> = self.open[position..]
                .iter()
                .map(|open| &open.canonical)
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
        if self.loaded.contains(&canonical) {
            // Each file is loaded once; a second import of it adds nothing.
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
        let limit = self.limits.max_file_bytes.min(remaining);
        let read = match (self.overlay)(&canonical) {
            Some(text) if text.len() as u64 > limit => Err(ReadError::TooLarge {
                size: Some(text.len() as u64),
                limit,
            }),
            Some(text) => Ok(text.into_bytes()),
            None => files::read_regular(&canonical, limit),
        };
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(reason @ ReadError::TooLarge { .. }) => {
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
            Err(reason) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E106,
                        span,
                        format!("cannot import `{written}`: {reason}"),
                    )
                    .label("not a file srmc reads")
                    .help("import a `.srm` file"),
                );
                return;
            }
        };
        let name = join_display(&self.sources.get(from).name, written);
        self.open_file(name, canonical, true, bytes);
    }
}

/// W305 for a comment that holds a bidirectional control or a zero-width character: the
/// parser only checks texts, and a right-to-left override in a comment can make the code after
/// it read differently on screen from what it is (Trojan Source, CVE-2021-42574).
fn invisible_in_comments(file: &ast::File) -> impl Iterator<Item = Diagnostic> + '_ {
    file.comments.iter().filter_map(move |comment| {
        let (at, c) = comment
            .text
            .char_indices()
            .find(|&(_, c)| syntax::is_invisible(c))?;
        let start = comment.span.start as usize + at;
        Some(
            Diagnostic::new(
                Code::W305,
                Span::new(file.id, start, start + c.len_utf8()),
                format!(
                    "a comment holds U+{:04X}, which changes how the code around it reads without showing",
                    c as u32
                ),
            )
            .label("invisible character")
            .help("a bidirectional override in a comment can make the code after it look like something else; remove it from the comment"),
        )
    })
}

/// E002 at the first byte of a file that is not UTF-8.
pub(crate) fn not_utf8(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::new(Code::E002, Span::new(file, at, at), "the file is not UTF-8 text")
        .label("this byte is not valid UTF-8")
        .help("save the file as UTF-8; if it is a spreadsheet or a binary file, export the matrix as `.srm` text")
}

pub(crate) fn display_dir(name: &str) -> String {
    match Path::new(name).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.display().to_string(),
        _ => ".".to_owned(),
    }
}

/// The name an imported file is shown by: the importer's name with the import path joined on
/// and `.`/`..` folded away.
pub(crate) fn join_display(from: &str, import: &str) -> String {
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
}
