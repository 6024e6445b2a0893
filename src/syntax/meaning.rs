//! Whether two syntax trees say the same thing, whatever their layout: `fmt` asks it of a file
//! and its formatted text before writing ([`crate::format::says_the_same`]).
//!
//! `==` on a tree compares spans too, so it tells apart two trees that differ only in where
//! things are written. This comparison leaves out the places of nodes (as ruff's
//! `ComparableExpr` leaves out ranges) and compares the words that the tree keeps only as places
//! (an assignment's party and letters) by their text.

use super::ast::*;
use crate::source::Span;

/// The texts that the two trees were parsed from: spans of the left tree index `left`, spans of
/// the right tree `right`.
#[derive(Clone, Copy)]
pub struct Texts<'a> {
    pub left: &'a str,
    pub right: &'a str,
}

pub trait SameMeaning {
    /// Whether `self` (parsed from `texts.left`) says what `other` (from `texts.right`) says.
    fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool;
}

/// A span that stands for words rather than for a node's place (an assignment's party and
/// letters, the `subservice` keyword): the words it covers.
impl SameMeaning for Span {
    fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool {
        let (left, right) = (
            self.start as usize..self.end as usize,
            other.start as usize..other.end as usize,
        );
        texts.left.get(left) == texts.right.get(right)
    }
}

macro_rules! by_value {
    ($($type:ty),*) => {$(
        impl SameMeaning for $type {
            fn same_meaning(&self, other: &Self, _: Texts<'_>) -> bool {
                self == other
            }
        }
    )*};
}

by_value!(String, bool, DocumentField);

impl<T: SameMeaning> SameMeaning for Option<T> {
    fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.same_meaning(b, texts),
            (None, None) => true,
            _ => false,
        }
    }
}

impl<T: SameMeaning> SameMeaning for Vec<T> {
    fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other)
                .all(|(a, b)| a.same_meaning(b, texts))
    }
}

impl<T: SameMeaning> SameMeaning for Spanned<T> {
    fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool {
        self.value.same_meaning(&other.value, texts)
    }
}

/// Structs compared field by field, their `span` (the node's place) left out. The pattern names
/// every field, so a field added to the tree fails to compile here until it is listed.
macro_rules! by_fields {
    ($($type:ident { $($field:ident),* })*) => {$(
        impl SameMeaning for $type {
            fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool {
                let $type { span: _, $($field),* } = self;
                true $(&& $field.same_meaning(&other.$field, texts))*
            }
        }
    )*};
}

by_fields! {
    MatrixHeader { title, fields }
    Import { path }
    Party { id, kind, name }
    Team { id, name, party }
    Upstream { id, path, party, pin }
    Service { id, name, fields }
    Catalog { id, title, domains, controls }
    DomainDef { id, title }
    ControlDef { id, title, domain, reach }
    ControlRef { catalog, id, pattern }
    ControlBlock { controls, services, replace, notes, duties }
    Duty { id, title, assignments, evidence, notes }
    Assignment { party, letters }
    Exclusion { controls, services, justification }
    Baseline { id, title, blocks, exclusions }
    Inherit { controls, services, from }
}

impl SameMeaning for Item {
    fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool {
        use Item::*;
        match (self, other) {
            (Matrix(a), Matrix(b)) => a.same_meaning(b, texts),
            (Import(a), Import(b)) => a.same_meaning(b, texts),
            (Party(a), Party(b)) => a.same_meaning(b, texts),
            (Service(a), Service(b)) => a.same_meaning(b, texts),
            (Catalog(a), Catalog(b)) => a.same_meaning(b, texts),
            (Control(a), Control(b)) => a.same_meaning(b, texts),
            (Exclusion(a), Exclusion(b)) => a.same_meaning(b, texts),
            (Baseline(a), Baseline(b)) => a.same_meaning(b, texts),
            (Inherit(a), Inherit(b)) => a.same_meaning(b, texts),
            (Team(a), Team(b)) => a.same_meaning(b, texts),
            (Upstream(a), Upstream(b)) => a.same_meaning(b, texts),
            _ => false,
        }
    }
}

impl SameMeaning for MatrixField {
    fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool {
        use MatrixField::*;
        match (self, other) {
            (Version(a), Version(b))
            | (Effective(a), Effective(b))
            | (Scope(a), Scope(b))
            | (ReviewBy(a), ReviewBy(b)) => a.same_meaning(b, texts),
            (Catalogs(a), Catalogs(b)) => a.same_meaning(b, texts),
            (Document(field, a), Document(other_field, b)) => {
                field == other_field && a.same_meaning(b, texts)
            }
            (
                History {
                    version,
                    date,
                    summary,
                },
                History {
                    version: other_version,
                    date: other_date,
                    summary: other_summary,
                },
            ) => {
                version.same_meaning(other_version, texts)
                    && date.same_meaning(other_date, texts)
                    && summary.same_meaning(other_summary, texts)
            }
            _ => false,
        }
    }
}

impl SameMeaning for ServiceField {
    fn same_meaning(&self, other: &Self, texts: Texts<'_>) -> bool {
        use ServiceField::*;
        match (self, other) {
            (Model(a), Model(b)) | (Provider(a), Provider(b)) | (Customer(a), Customer(b)) => {
                a.same_meaning(b, texts)
            }
            (Regions(a), Regions(b)) | (Use(a), Use(b)) | (RunsOn(a), RunsOn(b)) => {
                a.same_meaning(b, texts)
            }
            (Subservice(a), Subservice(b)) => a.same_meaning(b, texts),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SameMeaning, Texts};
    use crate::source::FileId;
    use crate::syntax::parse;

    fn same(left: &str, right: &str) -> bool {
        let (a, b) = (parse(FileId(0), left).tree, parse(FileId(0), right).tree);
        a.items.same_meaning(&b.items, Texts { left, right })
    }

    #[test]
    fn layout_is_not_meaning_but_words_are() {
        let text = "service app \"App\" {\n  provider p\n  subservice\n}\nparty p provider \"P\"\n";
        let spaced =
            "service  app \"App\"  {\n provider   p\n subservice\n}\n\nparty p provider \"P\"";
        assert!(same(text, spaced));
        // Equal in meaning, yet written elsewhere: `==` tells them apart.
        assert_ne!(parse(FileId(0), text).tree, parse(FileId(0), spaced).tree);
        assert!(!same(text, &text.replace("provider p", "provider q")));
        assert!(!same(text, &text.replace("  subservice\n", "")));
        assert!(!same(text, &text.replace("party p provider \"P\"\n", "")));
    }
}
