//! `REV:PATH` arguments: a matrix as it was at a Git revision, with its imports at the same
//! revision.

use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The files of a revision, copied out of Git into a temporary directory.
pub struct Checkout {
    // Removed when the checkout is dropped.
    _dir: tempfile::TempDir,
    /// The matrix file inside the copy.
    pub root: PathBuf,
}

/// For `REV:PATH` (PATH relative to the current directory, as the user sees it), copies the
/// files under the directory of PATH at REV — the directory its imports may read — and returns
/// where the matrix now is. `None` when `spec` names a file on disk or has no `:`.
pub fn checkout(spec: &str) -> Result<Option<Checkout>, String> {
    if Path::new(spec).exists() {
        return Ok(None);
    }
    let Some((rev, path)) = spec.split_once(':') else {
        return Ok(None);
    };
    let prefix = git(&["rev-parse", "--show-prefix"]).map_err(|error| {
        format!("`{spec}` is not a file, and not REV:PATH inside a Git repository ({error})")
    })?;
    let full = normalize(&Path::new(prefix.trim()).join(path))
        .ok_or_else(|| format!("`{path}` leaves the Git repository"))?;
    let dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
    let tree = if dir.as_os_str().is_empty() {
        ".".to_owned()
    } else {
        dir.display().to_string()
    };
    let copy = tempfile::tempdir()
        .map_err(|error| format!("cannot make a temporary directory: {error}"))?;
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let top = top.trim();
    // Blobs are read as they are stored: `git archive` would apply `export-ignore` and
    // `export-subst` from .gitattributes and so change what the matrix says.
    let listing = git(&["-C", top, "ls-tree", "-r", "-z", rev, "--", &tree])
        .map_err(|error| format!("cannot read `{spec}` from Git: {error}"))?;
    let mut blobs: Vec<(String, PathBuf)> = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split_whitespace();
        let (mode, kind, hash) = (fields.next(), fields.next(), fields.next());
        // Regular files only: links could point anywhere, and submodules are other repositories.
        if kind != Some("blob") || mode == Some("120000") {
            continue;
        }
        if let (Some(hash), Some(relative)) = (hash, normalize(Path::new(path))) {
            blobs.push((hash.to_owned(), relative));
        }
    }
    let mut batch = Command::new("git")
        .args(["-C", top, "cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run git: {error}"))?;
    let mut stdin = batch.stdin.take().expect("piped");
    let hashes: String = blobs.iter().map(|(hash, _)| format!("{hash}\n")).collect();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(hashes.as_bytes())
    });
    let output = batch
        .wait_with_output()
        .map_err(|error| format!("git cat-file failed: {error}"))?;
    writer
        .join()
        .map_err(|_| "git cat-file: writer thread failed".to_owned())?
        .map_err(|error| format!("git cat-file: {error}"))?;
    let mut data = &output.stdout[..];
    for (_, relative) in &blobs {
        // Each object is `HASH blob SIZE\n`, the bytes, then `\n`.
        let header_end = data
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("git cat-file: truncated output")?;
        let header = String::from_utf8_lossy(&data[..header_end]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("git cat-file: unexpected `{header}`"))?;
        let body = data
            .get(header_end + 1..header_end + 1 + size)
            .ok_or("git cat-file: truncated output")?;
        let target = copy.path().join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|error| error.to_string())?;
        }
        std::fs::write(&target, body).map_err(|error| error.to_string())?;
        data = data.get(header_end + 2 + size..).unwrap_or_default();
    }
    let root = copy.path().join(&full);
    if !root.is_file() {
        return Err(format!(
            "`{}` does not exist at revision `{rev}`",
            full.display()
        ));
    }
    Ok(Some(Checkout { _dir: copy, root }))
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
