//! `REV:PATH` arguments: a matrix as it was at a Git revision, with its imports and upstreams at
//! the same revision.
//!
//! Only the files the loader will read are taken out of Git: the matrix, the files it imports
//! and the upstreams it names (and theirs), found by parsing each file as the loader does, in
//! the order it does, with the same [`Limits`]. A file the limits refuse is not read: an empty
//! file of its size stands in for it, so that the loader refuses it with the same diagnostic it
//! gives on disk. Nothing else under the matrix's directory is read, however large.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::analyze::Limits;
use crate::syntax::ast::Item;

/// The files of a revision, copied out of Git into a temporary directory.
pub(crate) struct Checkout {
    // Removed when the checkout is dropped.
    _dir: tempfile::TempDir,
    /// The matrix file inside the copy.
    pub root: PathBuf,
}

/// For `REV:PATH` (PATH relative to the current directory, as the user sees it; in a bare
/// repository, to the top of the tree), copies the files the matrix at PATH reads at REV and
/// returns where the matrix now is. `None` when `spec` names a file on disk or has no `:`.
pub(crate) fn checkout(spec: &str, limits: Limits) -> Result<Option<Checkout>, String> {
    if Path::new(spec).exists() {
        return Ok(None);
    }
    let Some((rev, path)) = spec.split_once(':') else {
        return Ok(None);
    };
    // Empty in a bare repository (and inside `.git`): PATH is then relative to the top.
    let prefix = git(&["rev-parse", "--show-prefix"]).map_err(|error| {
        format!("`{spec}` is not a file, and not REV:PATH inside a Git repository ({error})")
    })?;
    let full = normalize(&Path::new(prefix.trim_end_matches('\n')).join(path))
        .ok_or_else(|| format!("`{path}` leaves the Git repository"))?;
    let dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = full
        .file_name()
        .map(PathBuf::from)
        .ok_or_else(|| format!("`{spec}` names no file"))?;
    // The revision goes after `--end-of-options`, so that one spelt like an option (`--output=x`)
    // is only ever a revision; every later command gets the tree's object id.
    let tree = git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        &format!("{rev}^{{tree}}"),
    ])
    .map_err(|_| {
        format!("cannot read `{spec}` from Git: `{rev}` is not a revision of this repository")
    })?;
    let tree = tree.trim();
    let blobs =
        list(tree, &dir).map_err(|error| format!("cannot read `{spec}` from Git: {error}"))?;
    if !blobs.contains_key(&name) {
        return Err(format!(
            "`{}` does not exist at revision `{rev}` (or is not a regular file)",
            full.display()
        ));
    }
    let copy = tempfile::tempdir()
        .map_err(|error| format!("cannot make a temporary directory: {error}"))?;
    let mut reader = Reader {
        blobs: &blobs,
        objects: Objects::spawn()?,
        copy: copy.path(),
        limits,
        written: HashMap::new(),
        references: HashMap::new(),
        units: HashSet::new(),
        pending: Vec::new(),
    };
    reader
        .read_all(&name)
        .map_err(|error| format!("cannot read `{spec}` from Git: {error}"))?;
    Ok(Some(Checkout {
        root: copy.path().join(&name),
        _dir: copy,
    }))
}

/// A regular file of the tree: its object id and size (`None` when its object is missing from
/// the repository, and cannot be read).
struct Blob {
    hash: String,
    size: Option<u64>,
}

/// Every regular file under `dir` (relative to the top of the tree) in `tree`, by its path
/// relative to `dir`. Links are left out (they could point anywhere) and so are submodules
/// (other repositories); sizes come with the listing, so nothing is read yet.
fn list(tree: &str, dir: &Path) -> Result<HashMap<PathBuf, Blob>, String> {
    let dir_arg = format!("{}/", dir.display());
    let mut args = vec![
        "--literal-pathspecs",
        "ls-tree",
        "--full-tree",
        "-r",
        "-l",
        "-z",
        tree,
    ];
    if !dir.as_os_str().is_empty() {
        args.extend(["--", &dir_arg]);
    }
    let listing = git(&args)?;
    let mut blobs = HashMap::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split_whitespace();
        let (mode, kind, hash, size) = (fields.next(), fields.next(), fields.next(), fields.next());
        if kind != Some("blob") || mode == Some("120000") {
            continue;
        }
        let Some(hash) = hash else {
            continue;
        };
        let size = size.and_then(|s| s.parse().ok());
        let relative = Path::new(path).strip_prefix(dir).ok().and_then(normalize);
        if let Some(relative) = relative {
            let hash = hash.to_owned();
            blobs.insert(relative, Blob { hash, size });
        }
    }
    Ok(blobs)
}

/// What a file read as `.srm` names: its imports and its upstreams, as paths relative to the
/// matrix's directory (`None` where the path leaves it: the loader refuses those).
#[derive(Default, Clone)]
struct References {
    imports: Vec<Option<PathBuf>>,
    upstreams: Vec<Option<PathBuf>>,
}

/// How a file of the copy was written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    /// Its content.
    Read,
    /// An empty file of its size, for a file the limits refuse.
    Placeholder,
}

/// Copies files out of Git as the loader asks for them.
struct Reader<'a> {
    blobs: &'a HashMap<PathBuf, Blob>,
    objects: Objects,
    copy: &'a Path,
    limits: Limits,
    written: HashMap<PathBuf, Written>,
    /// What each file read names, once parsed.
    references: HashMap<PathBuf, References>,
    /// The `.srm` upstreams compiled (each compiles on its own, with limits of its own).
    units: HashSet<PathBuf>,
    pending: Vec<PathBuf>,
}

impl Reader<'_> {
    /// The matrix at `root`, then every `.srm` upstream reached from it, each as a compilation of
    /// its own.
    fn read_all(&mut self, root: &Path) -> Result<(), String> {
        self.pending.push(root.to_path_buf());
        while let Some(unit) = self.pending.pop() {
            if self.units.insert(unit.clone()) {
                self.read_unit(&unit)?;
            }
        }
        Ok(())
    }

    /// One compilation, as the loader reads it (`analyze::load`): the root file, then each
    /// import where it stands, depth first, each file once, within the limits.
    fn read_unit(&mut self, root: &Path) -> Result<(), String> {
        let Some(size) = self.size(root)? else {
            return Ok(());
        };
        if size > self.limits.max_file_bytes {
            // The loader refuses the root file itself.
            return self.placeholder(root);
        }
        let mut total = size;
        let mut parsed_files = 0usize;
        let mut loaded: HashSet<PathBuf> = HashSet::from([root.to_path_buf()]);
        let Some(references) = self.read(root)? else {
            return Ok(());
        };
        parsed_files += 1;
        // The files whose imports are being read, with the next import of each.
        let mut open: Vec<(PathBuf, References, usize)> = vec![(root.to_path_buf(), references, 0)];
        while let Some((_, references, next)) = open.last_mut() {
            let Some(import) = references.imports.get(*next).cloned() else {
                let (_, references, _) = open.pop().expect("a file is open");
                self.upstreams(&references)?;
                continue;
            };
            *next += 1;
            let Some(import) = import else { continue };
            let Some(size) = self.size(&import)? else {
                continue;
            };
            if open.iter().any(|(path, ..)| *path == import) || loaded.contains(&import) {
                continue;
            }
            let remaining = self.limits.max_total_bytes.saturating_sub(total);
            if parsed_files + 1 > self.limits.max_files
                || size > self.limits.max_file_bytes.min(remaining)
            {
                self.placeholder(&import)?;
                continue;
            }
            total += size;
            loaded.insert(import.clone());
            if let Some(references) = self.read(&import)? {
                parsed_files += 1;
                open.push((import, references, 0));
            }
        }
        Ok(())
    }

    /// The upstreams a file names: a `.json` one is read whole (within `--max-file-bytes`), a
    /// `.srm` one is a compilation of its own, read later.
    fn upstreams(&mut self, references: &References) -> Result<(), String> {
        for upstream in references.upstreams.iter().flatten() {
            let Some(size) = self.size(upstream)? else {
                continue;
            };
            let is_json = upstream
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
            if !is_json {
                self.pending.push(upstream.clone());
            } else if size > self.limits.max_file_bytes {
                self.placeholder(upstream)?;
            } else {
                self.copy_out(upstream)?;
            }
        }
        Ok(())
    }

    /// Copies `path` out of Git and parses it as the loader will: what it names, or `None` if it
    /// is not UTF-8 (the loader reads no further).
    fn read(&mut self, path: &Path) -> Result<Option<References>, String> {
        if let Some(references) = self.references.get(path) {
            return Ok(Some(references.clone()));
        }
        let Some(bytes) = self.copy_out(path)? else {
            return Ok(None);
        };
        let Ok(text) = crate::files::decode(bytes) else {
            return Ok(None);
        };
        let parsed = crate::syntax::parse(crate::source::FileId(0), &text);
        let dir = path.parent().unwrap_or(Path::new(""));
        let resolve = |written: &str| {
            let written = Path::new(written);
            (!written.is_absolute())
                .then(|| normalize(&dir.join(written)))
                .flatten()
        };
        let mut references = References::default();
        for item in &parsed.tree.items {
            match item {
                Item::Import(import) => references.imports.push(resolve(&import.path.value)),
                Item::Upstream(upstream) => {
                    references.upstreams.push(resolve(&upstream.path.value));
                }
                _ => {}
            }
        }
        self.references
            .insert(path.to_path_buf(), references.clone());
        Ok(Some(references))
    }

    /// Writes the content of `path` into the copy (once) and returns it; `None` if it was
    /// written before.
    fn copy_out(&mut self, path: &Path) -> Result<Option<Vec<u8>>, String> {
        if self.written.get(path) == Some(&Written::Read) {
            return Ok(None);
        }
        let blob = &self.blobs[path];
        let bytes = self
            .objects
            .read(&blob.hash, blob.size.unwrap_or_default())?;
        let target = self.target(path)?;
        std::fs::write(&target, &bytes).map_err(|error| error.to_string())?;
        self.written.insert(path.to_path_buf(), Written::Read);
        Ok(Some(bytes))
    }

    /// An empty file of the size of `path`, unless its content is there already.
    fn placeholder(&mut self, path: &Path) -> Result<(), String> {
        if self.written.contains_key(path) {
            return Ok(());
        }
        let target = self.target(path)?;
        let file = std::fs::File::create(&target).map_err(|error| error.to_string())?;
        // Sparse: it takes no room, and the loader only looks at its size.
        file.set_len(self.blobs[path].size.unwrap_or_default())
            .map_err(|error| error.to_string())?;
        self.written
            .insert(path.to_path_buf(), Written::Placeholder);
        Ok(())
    }

    /// The size of the file at `path`; `None` if there is none (the loader reports it missing).
    fn size(&self, path: &Path) -> Result<Option<u64>, String> {
        match self.blobs.get(path) {
            None => Ok(None),
            Some(Blob { size: None, .. }) => Err(format!(
                "the object of `{}` is missing from the repository",
                path.display()
            )),
            Some(Blob { size, .. }) => Ok(*size),
        }
    }

    fn target(&self, path: &Path) -> Result<PathBuf, String> {
        let target = self.copy.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|error| error.to_string())?;
        }
        Ok(target)
    }
}

/// `git cat-file --batch`, asked for one object at a time.
struct Objects {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Objects {
    fn spawn() -> Result<Self, String> {
        let mut child = Command::new("git")
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot run git: {error}"))?;
        let input = child.stdin.take();
        let output = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Objects {
            child,
            input,
            output,
        })
    }

    /// The content of the blob `hash`, which the listing says has `size` bytes.
    fn read(&mut self, hash: &str, size: u64) -> Result<Vec<u8>, String> {
        let failed = |error: std::io::Error| format!("git cat-file: {error}");
        let input = self.input.as_mut().expect("open until dropped");
        writeln!(input, "{hash}").map_err(failed)?;
        input.flush().map_err(failed)?;
        // `HASH blob SIZE\n`, the bytes, then `\n`; `HASH missing\n` for an object not there.
        let mut header = String::new();
        self.output.read_line(&mut header).map_err(failed)?;
        let header = header.trim_end();
        let told: Option<u64> = header
            .strip_prefix(hash)
            .and_then(|rest| rest.strip_prefix(" blob "))
            .and_then(|n| n.parse().ok());
        if told != Some(size) {
            return Err(format!(
                "git cat-file: `{header}` for blob {hash} of {size} bytes"
            ));
        }
        let mut bytes = vec![0; size as usize];
        self.output.read_exact(&mut bytes).map_err(failed)?;
        let mut newline = [0u8];
        self.output.read_exact(&mut newline).map_err(failed)?;
        Ok(bytes)
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        // End of input ends `git cat-file`.
        drop(self.input.take());
        let _ = self.child.wait();
    }
}

fn git(args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// `a/./b/../c` → `a/c`; `None` if it climbs above its start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}
