//! Shared by the targets: compile bytes as a matrix file.

use std::path::PathBuf;
use std::sync::OnceLock;

/// One directory for the whole run: a file per input would be slower than srmc itself.
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory").keep())
}

pub fn compile(name: &str, bytes: &[u8]) -> srmc::Compilation {
    let path = dir().join(name);
    std::fs::write(&path, bytes).expect("writing the input");
    srmc::compile(&path, Default::default()).expect("a file just written is readable")
}
