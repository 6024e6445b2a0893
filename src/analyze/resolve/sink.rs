//! Where the resolver's findings go.

use crate::diagnostics::Diagnostic;

/// What receives the findings of a piece of resolution: the matrix's own findings
/// ([`Findings`]), or nobody ([`Unreported`]).
pub(super) trait Sink {
    /// A finding that holds whatever else the matrix says.
    fn error(&mut self, diagnostic: Diagnostic);
    /// A finding that only holds if every item of the matrix was read: unknown names, a missing
    /// or incomplete header, a service whose customer cannot be inferred.
    fn whole_matrix_error(&mut self, diagnostic: Diagnostic);
}

/// The findings of the matrix.
pub(super) struct Findings {
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Whether every item of the matrix was read ([`super::Loaded::whole`]); if not, a name that
    /// does not resolve may be defined by an item that did not parse.
    pub(super) whole: bool,
}

impl Sink for Findings {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn whole_matrix_error(&mut self, diagnostic: Diagnostic) {
        if self.whole {
            self.diagnostics.push(diagnostic);
        }
    }
}

/// Keeps no finding. A built-in baseline's control lists are resolved into it: its ids are for
/// `iso27017`, and a matrix that does not name that catalog simply has none of them in scope.
pub(super) struct Unreported;

impl Sink for Unreported {
    fn error(&mut self, _: Diagnostic) {}

    fn whole_matrix_error(&mut self, _: Diagnostic) {}
}
