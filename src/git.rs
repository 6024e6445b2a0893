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
/// directory of PATH at REV — the directory its imports may read — and returns where the matrix
/// now is. `None` when `spec` names a file on disk or has no `:`.
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
    let mut archive = Command::new("git")
        .args([
            "-C",
            top.trim(),
            "archive",
            "--format=tar",
            rev,
            "--",
            &tree,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run git: {error}"))?;
    let archive_out = archive.stdout.take().expect("piped");
    let untar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(copy.path())
        .stdin(archive_out)
        .stderr(Stdio::piped())
        .output()
        .map_err(|error| format!("cannot run tar: {error}"))?;
    let archived = archive
        .wait_with_output()
        .map_err(|error| format!("git archive failed: {error}"))?;
    if !archived.status.success() {
        return Err(format!(
            "cannot read `{spec}` from Git: {}",
            String::from_utf8_lossy(&archived.stderr).trim()
        ));
    }
    if !untar.status.success() {
        return Err(format!(
            "cannot unpack `{spec}`: {}",
            String::from_utf8_lossy(&untar.stderr).trim()
        ));
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
