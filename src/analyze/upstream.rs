//! Loading an upstream matrix: a root `.srm` file compiled on its own (its imports confined to
//! its own directory), or the JSON `srmc build --format json` wrote, whose fingerprint is
//! recomputed from its content and compared with the one it claims.

use std::path::{Path, PathBuf};

use super::Limits;
use crate::files;
use crate::published::Published;

/// Why an upstream gives this matrix nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// It does not load: missing, outside the root directory, not a matrix, too large (E211).
    Unreadable(String),
    /// It names, through its own upstreams, a matrix that is being compiled (E107).
    Cycle(Vec<PathBuf>),
    /// It loads but does not check clean (E211, with its first error).
    Errors { count: usize, first: String },
}

/// The matrices being compiled, outermost first: an upstream that names one of them again is a
/// cycle.
#[derive(Debug, Clone, Default)]
pub struct Chain(pub Vec<PathBuf>);

/// Loads the upstream at `path` (relative to `from_dir`, confined to `root_dir`). Of its pairs
/// only the duties that give `ours` (the `as` party) `R` or `A` are kept, the obligations, and
/// of the `inheritable` services (which the loading matrix runs on) what `inherit` copies: its
/// fingerprint is computed, and a customer with many large upstreams holds no more.
#[allow(clippy::too_many_arguments)]
pub(crate) fn load(
    written: &str,
    from_dir: &Path,
    root_dir: &Path,
    shown: &str,
    ours: &str,
    inheritable: &[&str],
    limits: Limits,
    chain: &Chain,
) -> Result<Published<'static>, Refusal> {
    let unreadable = |reason: String| Refusal::Unreadable(reason);
    let relative = Path::new(written);
    if relative.is_absolute() {
        return Err(unreadable(
            "the path is absolute; upstream paths are relative to the file that names them"
                .to_owned(),
        ));
    }
    let canonical = std::fs::canonicalize(from_dir.join(relative))
        .map_err(|error| unreadable(files::io_reason(&error)))?;
    if !canonical.starts_with(root_dir) {
        return Err(unreadable(
            "it is outside the root file's directory (symbolic links included)".to_owned(),
        ));
    }
    if chain.0.contains(&canonical) {
        let mut cycle = chain.0.clone();
        cycle.push(canonical);
        return Err(Refusal::Cycle(cycle));
    }
    let is_json = canonical
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
    let published = if is_json {
        let mut published = from_json(&canonical, limits)?;
        published.keep_duties_of(ours, inheritable);
        published
    } else {
        from_matrix(&canonical, shown, ours, inheritable, limits, chain)?
    };
    let errors: Vec<_> = published.errors().collect();
    if let Some(first) = errors.first() {
        return Err(Refusal::Errors {
            count: errors.len(),
            first: format!(
                "{}:{}: {}[{}] {}",
                first.file, first.line, first.severity, first.code, first.message
            ),
        });
    }
    Ok(published)
}

fn from_json(path: &Path, limits: Limits) -> Result<Published<'static>, Refusal> {
    let bytes = files::read_regular(path, limits.max_file_bytes)
        .map_err(|reason| Refusal::Unreadable(reason.to_string()))?;
    let mut published: Published<'static> = serde_json::from_slice(&bytes).map_err(|error| {
        Refusal::Unreadable(format!(
            "it is not the JSON `srmc build --format json` writes ({error})"
        ))
    })?;
    let recomputed = published.fingerprint();
    if published.matrix.fingerprint != recomputed {
        return Err(Refusal::Unreadable(format!(
            "its fingerprint `{}` is not the fingerprint of its content (`{recomputed}`): it was changed after it was built",
            published.matrix.fingerprint
        )));
    }
    published.matrix.fingerprint = recomputed.into();
    Ok(published)
}

fn from_matrix(
    path: &Path,
    shown: &str,
    ours: &str,
    inheritable: &[&str],
    limits: Limits,
    chain: &Chain,
) -> Result<Published<'static>, Refusal> {
    let mut inner = chain.clone();
    inner.0.push(path.to_path_buf());
    let compilation = crate::compile_in_chain(path, shown, limits, &inner)
        .map_err(|error| Refusal::Unreadable(error.0))?;
    let Some(checked) = &compilation.checked else {
        let first = compilation.diagnostics.first().map_or_else(
            || "no matrix header".to_owned(),
            super::super::diagnostics::Diagnostic::full_message,
        );
        return Err(Refusal::Unreadable(format!("it is not a matrix: {first}")));
    };
    let mut published = Published::of(
        &checked.model,
        &checked.graph,
        Some(&compilation.sources),
        &compilation.diagnostics,
    );
    published.matrix.fingerprint = published.fingerprint().into();
    published.keep_duties_of(ours, inheritable);
    Ok(published.into_owned())
}
