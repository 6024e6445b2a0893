//! Every file srmc reads or writes goes through here, under one set of rules.
//!
//! - Inputs are regular files (or standard input, named `-`), read within a byte limit: a FIFO
//!   would block forever and `/dev/zero` never ends.
//! - Outputs are whole or absent: a regular file (or a missing path) is replaced through a
//!   temporary file and a rename; a character device or a FIFO (`/dev/null`, `/dev/stdout`, a
//!   pipe) is written straight, since renaming over it would replace the device; a symbolic link
//!   is followed and its target replaced; missing directories on the way are made. A replaced
//!   file keeps its owner and permissions, but never a setuid or setgid bit.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The name that stands for standard input or output.
pub(crate) const STDIO: &str = "-";

/// Why an input could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// Over the byte limit; the size, when it was known before reading.
    TooLarge {
        size: Option<u64>,
        limit: u64,
    },
    /// A directory, a FIFO, a device: what it is.
    NotRegular {
        what: &'static str,
        directory: bool,
    },
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge {
                size: Some(size),
                limit,
            } => write!(
                f,
                "it is {size} bytes, more than the limit of {limit} bytes"
            ),
            ReadError::TooLarge { size: None, limit } => {
                write!(f, "it is more than the limit of {limit} bytes")
            }
            ReadError::NotRegular {
                what,
                directory: true,
            } => write!(f, "it is {what}; give the path of a `.srm` file"),
            ReadError::NotRegular { what, .. } => write!(
                f,
                "it is {what}; srmc reads only regular files (give `-` for standard input)"
            ),
            ReadError::Io(reason) => f.write_str(reason),
        }
    }
}

/// A short reason for an I/O error, without the OS error number.
pub(crate) fn io_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
        _ => error.to_string(),
    }
}

/// What kind of file stands at a path (links followed).
fn describe_special(file_type: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Reads a regular file, at most `limit` bytes (a file that grows after its size was checked is
/// still bounded).
pub(crate) fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let metadata = fs::metadata(path).map_err(|error| ReadError::Io(io_reason(&error)))?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular {
            what: describe_special(metadata.file_type()),
            directory: metadata.is_dir(),
        });
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            size: Some(metadata.len()),
            limit,
        });
    }
    let file = fs::File::open(path).map_err(|error| ReadError::Io(io_reason(&error)))?;
    // Room for the whole file at once: growing by doubling held up to twice its size.
    read_bounded(file, limit, metadata.len())
}

/// Reads standard input, at most `limit` bytes.
pub(crate) fn read_stdin(limit: u64) -> Result<Vec<u8>, ReadError> {
    read_bounded(io::stdin().lock(), limit, 0)
}

fn read_bounded(reader: impl Read, limit: u64, expected: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(expected.min(limit) as usize + 1);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| ReadError::Io(io_reason(&error)))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: None, limit });
    }
    Ok(bytes)
}

/// Text that is not UTF-8: the valid text before the first bad byte, and where that byte is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotUtf8 {
    pub valid: String,
    pub at: usize,
}

/// Whether `bytes` begin with a UTF-8 byte-order mark.
pub(crate) fn has_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xEF\xBB\xBF")
}

/// Decodes UTF-8; a leading byte-order mark is dropped, as editors on some systems write one.
pub(crate) fn decode(mut bytes: Vec<u8>) -> Result<String, NotUtf8> {
    if has_bom(&bytes) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        let bytes = error.into_bytes();
        NotUtf8 {
            valid: String::from_utf8_lossy(&bytes[..at]).into_owned(),
            at,
        }
    })
}

/// Where output goes once links are followed.
enum Target {
    /// A regular file, or nothing yet: replaced through a temporary file and a rename.
    Replace(PathBuf),
    /// A character device or a FIFO: written straight.
    Stream(PathBuf),
}

/// Follows symbolic links (a dangling one too: its target is created) to where output goes.
fn target(path: &Path) -> io::Result<Target> {
    let mut current = path.to_path_buf();
    // As many hops as the kernel allows.
    for _ in 0..40 {
        let metadata = match fs::symlink_metadata(&current) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Target::Replace(current))
            }
            Err(error) => return Err(error),
            Ok(metadata) => metadata,
        };
        let file_type = metadata.file_type();
        if file_type.is_symlink() {
            let link = fs::read_link(&current)?;
            current = match current.parent() {
                Some(dir) => dir.join(link),
                None => link,
            };
            continue;
        }
        if file_type.is_file() {
            return Ok(Target::Replace(current));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_char_device() || file_type.is_fifo() {
                return Ok(Target::Stream(current));
            }
        }
        return Err(io::Error::other(format!(
            "it is {}; srmc writes regular files, character devices and FIFOs",
            describe_special(file_type)
        )));
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Writes `text` to `path`, whole or not at all (see the module's rules).
pub(crate) fn write_whole(path: &Path, text: &str) -> io::Result<()> {
    write_with(path, |out| out.write_all(text.as_bytes()))
}

/// [`write_whole`] for output made as it is written: `write` gets a buffered writer. A regular
/// file only changes if `write` succeeds; a device or FIFO gets what was written until it failed.
pub(crate) fn write_with<T, E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    match target(path)? {
        Target::Stream(device) => {
            let file = fs::OpenOptions::new().write(true).open(&device)?;
            let mut buffered = io::BufWriter::with_capacity(1 << 16, file);
            let value = write(&mut buffered)?;
            buffered.flush()?;
            Ok(value)
        }
        Target::Replace(file) => replace(&file, write),
    }
}

fn replace<T, E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // `-o out/annex.html` makes `out/`, as a generator of documents is expected to.
    fs::create_dir_all(dir)?;
    let existing = fs::metadata(path).ok();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".srmc-").suffix(".tmp");
    builder.permissions(permissions(existing.as_ref()));
    let mut file = builder.tempfile_in(dir)?;
    let mut buffered = io::BufWriter::with_capacity(1 << 16, file.as_file_mut());
    let value = write(&mut buffered)?;
    buffered.flush()?;
    drop(buffered);
    if let Some(existing) = &existing {
        keep_owner(file.as_file(), existing);
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(value)
}

/// A replaced file keeps its permissions without setuid and setgid; a new one is readable by
/// all, like any new file (the temporary file itself starts private).
#[cfg(unix)]
fn permissions(existing: Option<&fs::Metadata>) -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    let mode = existing.map_or(0o644, |metadata| metadata.permissions().mode() & 0o1777);
    fs::Permissions::from_mode(mode)
}

#[cfg(not(unix))]
fn permissions(existing: Option<&fs::Metadata>) -> fs::Permissions {
    match existing {
        Some(metadata) => metadata.permissions(),
        None => tempfile::tempfile()
            .and_then(|f| f.metadata())
            .map(|m| m.permissions())
            .expect("a temporary file"),
    }
}

/// The new file gets the old one's owner and group where the process may give them (as root);
/// otherwise it is the writer's, as any file the writer makes.
#[cfg(unix)]
fn keep_owner(file: &fs::File, existing: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let _ = std::os::unix::fs::fchown(file, Some(existing.uid()), Some(existing.gid()));
}

#[cfg(not(unix))]
fn keep_owner(_: &fs::File, _: &fs::Metadata) {}

/// A writer that refuses to grow past `limit` bytes: a rendering whose size runs away (thousands
/// of parties times thousands of pairs) fails cleanly instead of filling the disk, and through
/// [`write_with`] leaves nothing half-written.
pub(crate) struct Bounded<'a> {
    inner: &'a mut dyn Write,
    written: u64,
    limit: u64,
}

impl<'a> Bounded<'a> {
    pub(crate) fn new(inner: &'a mut dyn Write, limit: u64) -> Self {
        Bounded {
            inner,
            written: 0,
            limit,
        }
    }
}

impl Write for Bounded<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written + buf.len() as u64 > self.limit {
            return Err(io::Error::other(format!(
                "the output would be larger than {} bytes (raise the limit with --max-output-bytes)",
                self.limit
            )));
        }
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reports_the_first_invalid_byte_and_drops_a_bom() {
        assert_eq!(decode(b"\xEF\xBB\xBFok".to_vec()), Ok("ok".to_owned()));
        assert_eq!(
            decode(b"ab\xFFcd".to_vec()),
            Err(NotUtf8 {
                valid: "ab".to_owned(),
                at: 2
            })
        );
    }

    #[test]
    fn reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, [b'x'; 100]).unwrap();
        assert!(read_regular(&path, 100).is_ok());
        let error = read_regular(&path, 99).unwrap_err();
        assert!(
            matches!(error, ReadError::TooLarge { limit: 99, .. }),
            "{error}"
        );
        let error = read_regular(dir.path(), 1000).unwrap_err();
        assert!(error.to_string().contains("directory"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_as_inputs_and_written_straight_as_outputs() {
        let error = read_regular(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(error.to_string().contains("character device"), "{error}");
        write_whole(Path::new("/dev/null"), "discarded").unwrap();
        assert!(!fs::metadata("/dev/null").unwrap().file_type().is_file());
        if Path::new("/dev/full").exists() {
            assert!(write_whole(Path::new("/dev/full"), "no room").is_err());
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_its_target_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.srm");
        fs::write(&target, "old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o4755)).unwrap();
        let link = dir.path().join("link.srm");
        std::os::unix::fs::symlink("target.srm", &link).unwrap();
        write_whole(&link, "new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        let mode = fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o755, "setuid dropped, the rest kept");
        // A dangling link: its target is made.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("made.srm", &dangling).unwrap();
        write_whole(&dangling, "made").unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("made.srm")).unwrap(),
            "made"
        );
    }
}
