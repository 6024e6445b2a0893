//! The handlebars templates: compiled into the binary from `output-templates/`, each replaceable
//! by a file of the same name in the directory given with `--templates`.

use std::path::Path;
use std::sync::OnceLock;

use handlebars::{
    handlebars_helper, Context, Handlebars, Helper, HelperResult, Output, RenderContext,
};

use super::markdown;

pub(crate) struct Template {
    pub name: &'static str,
    pub text: &'static str,
}

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(Template { name: $name, text: include_str!(concat!("../../output-templates/", $name)) }),*]
    };
}

/// Every template; names starting with `_` are partials, used as `{{> name}}` without the `_`
/// and the `.hbs` (`_style.css.hbs` is `{{> style.css}}`).
pub(crate) const BUILTIN: &[Template] = builtin!(
    "annex.md.hbs",
    "annex-domain.md.hbs",
    "annex-end.md.hbs",
    "annex.html.hbs",
    "annex-domain.html.hbs",
    "annex-end.html.hbs",
    "raci.md.hbs",
    "graph.dot.hbs",
    "graph-detail.dot.hbs",
    "diff.md.hbs",
    "diff.html.hbs",
    "_style.css.hbs",
    "_duty-table.md.hbs",
);

/// How a template's `{{value}}` is escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    Html,
    /// Markdown and DOT templates escape explicitly, through the helpers.
    None,
}

// Running text (titles, headings) is escaped as a table cell is: one line, no markup.
handlebars_helper!(md: |text: str| markdown::escape_cell(text));
handlebars_helper!(cell: |text: str| markdown::escape_cell(text));
handlebars_helper!(quote: |text: str| markdown::quote(text));
// A message of ours (a finding): its `code` spans rendered, the rest text.
handlebars_helper!(message: |text: str| markdown::message_cell(text));
handlebars_helper!(message_html: |text: str| markdown::message_html(text));
handlebars_helper!(dot: |text: str| {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            // A tab separates words: dropping it would join them.
            '\t' => out.push(' '),
            // Graphviz rejects NUL and has no use for other control characters.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
});
// Text inside a CSS string of a `<style>` element: nothing in it can end the string or the
// element (`\22 ` for `"`, `\3c ` for `<`, …); line breaks and control characters become
// spaces.
handlebars_helper!(css: |text: str| {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '\'' | '\\' | '<' | '>' | '&' => out.push_str(&format!("\\{:x} ", c as u32)),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
});
handlebars_helper!(join: |items: array| {
    items.iter().map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned)).collect::<Vec<_>>().join(", ")
});

/// `(concat a b …)`: the parameters as one string.
fn concat(
    helper: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    for param in helper.params() {
        match param.value() {
            serde_json::Value::String(text) => out.write(text)?,
            serde_json::Value::Null => {}
            other => out.write(&other.to_string())?,
        }
    }
    Ok(())
}

fn partial_name(file: &str) -> Option<&str> {
    file.strip_prefix('_')?.strip_suffix(".hbs")
}

/// A registry with every template, in strict mode (a template that names a missing field fails),
/// the overrides of `dir` read in place of the built-in ones of the same name.
pub(crate) fn registry(escape: Escape, dir: Option<&Path>) -> Result<Handlebars<'static>, String> {
    if dir.is_some() {
        return compile(escape, dir);
    }
    // The built-in templates compile to the same registry every time, and compiling them costs
    // more than rendering a small matrix (handlebars finds each token's line from the start of
    // its template): once per process and escape, then cloned.
    static BUILT_IN: [OnceLock<Handlebars<'static>>; 2] = [OnceLock::new(), OnceLock::new()];
    let compiled = &BUILT_IN[usize::from(escape == Escape::Html)];
    if let Some(registry) = compiled.get() {
        return Ok(registry.clone());
    }
    let registry = compile(escape, None)?;
    Ok(compiled.get_or_init(|| registry).clone())
}

fn compile(escape: Escape, dir: Option<&Path>) -> Result<Handlebars<'static>, String> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    if escape == Escape::None {
        registry.register_escape_fn(handlebars::no_escape);
    }
    registry.register_helper("md", Box::new(md));
    registry.register_helper("cell", Box::new(cell));
    registry.register_helper("quote", Box::new(quote));
    registry.register_helper("message", Box::new(message));
    registry.register_helper("message_html", Box::new(message_html));
    registry.register_helper("dot", Box::new(dot));
    registry.register_helper("join", Box::new(join));
    registry.register_helper("css", Box::new(css));
    registry.register_helper("concat", Box::new(concat));
    let mut texts = Vec::with_capacity(BUILTIN.len());
    for template in BUILTIN {
        let text = match dir {
            Some(dir) => {
                read_override(dir, template.name)?.unwrap_or_else(|| template.text.to_owned())
            }
            None => template.text.to_owned(),
        };
        texts.push((template.name, text));
    }
    // handlebars follows partials by recursion: partials that call each other would overflow
    // the stack instead of failing.
    if let Some(cycle) = partial_cycle(&texts)? {
        return Err(format!(
            "the templates' partials call each other in a cycle: {}",
            cycle.join(" → ")
        ));
    }
    for (name, text) in texts {
        let result = match partial_name(name) {
            Some(partial) => registry.register_partial(partial, text),
            None => registry.register_template_string(name, text),
        };
        result.map_err(|error| format!("template `{name}`: {error}"))?;
    }
    Ok(registry)
}

/// Largest template read from `--templates`: ours are a few kilobytes.
const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// The partials a template calls by name (`{{> name}}`, `{{#> name}}`, with or without `~`); a
/// partial named by an expression (`{{> (lookup …)}}`) cannot be followed and is refused.
fn partials_called(name: &str, text: &str) -> Result<Vec<String>, String> {
    let mut called = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        rest = &rest[at + 2..];
        let tag = rest.trim_start_matches('~').trim_start_matches('#');
        let Some(tag) = tag.strip_prefix('>') else {
            continue;
        };
        let tag = tag.trim_start();
        if tag.starts_with('(') || tag.starts_with('[') {
            return Err(format!(
                "template `{name}`: a partial must be called by its name, not by an expression"
            ));
        }
        let end = tag
            .find(|c: char| c.is_whitespace() || c == '}' || c == '~')
            .unwrap_or(tag.len());
        called.push(tag[..end].to_owned());
    }
    Ok(called)
}

/// A chain of partials that leads back to where it started, if the templates hold one.
fn partial_cycle(texts: &[(&str, String)]) -> Result<Option<Vec<String>>, String> {
    let mut calls: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (name, text) in texts {
        let key = partial_name(name).unwrap_or(name).to_owned();
        calls.insert(key, partials_called(name, text)?);
    }
    // Depth-first over the call graph, colouring nodes: 1 on the current path, 2 done.
    fn visit(
        node: &str,
        calls: &std::collections::HashMap<String, Vec<String>>,
        state: &mut std::collections::HashMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(2) => return None,
            Some(1) => {
                let start = path.iter().position(|p| p == node).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(node.to_owned(), 1);
        path.push(node.to_owned());
        for next in calls.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, calls, state, path) {
                return Some(cycle);
            }
        }
        path.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = std::collections::HashMap::new();
    let mut names: Vec<&String> = calls.keys().collect();
    names.sort();
    for name in names {
        if let Some(cycle) = visit(name, &calls, &mut state, &mut Vec::new()) {
            return Ok(Some(cycle));
        }
    }
    Ok(None)
}

/// Reads `dir/name` if it is there; only these names are ever read from the directory.
pub(crate) fn read_override(dir: &Path, name: &str) -> Result<Option<String>, String> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Err(_) => Ok(None),
        Ok(meta) if meta.file_type().is_file() => {
            let bytes = crate::files::read_regular(&path, MAX_TEMPLATE_BYTES)
                .map_err(|error| format!("cannot read template `{}`: {error}", path.display()))?;
            String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| format!("template `{}` is not UTF-8", path.display()))
        }
        Ok(_) => Err(format!(
            "template `{}` is not a regular file (links are not followed)",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot_of(text: &str) -> String {
        let registry = registry(Escape::None, None).unwrap();
        registry
            .render_template("{{dot text}}", &serde_json::json!({ "text": text }))
            .unwrap()
    }

    #[test]
    fn partials_that_call_each_other_are_refused_with_their_names() {
        let texts = [
            ("annex.md.hbs", "{{> a}}".to_owned()),
            ("_a.hbs", "x {{~> b }}".to_owned()),
            ("_b.hbs", "{{#> a}}{{/a}}".to_owned()),
        ];
        assert_eq!(
            partial_cycle(&texts).unwrap(),
            Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
        );
        let acyclic = [
            ("annex.md.hbs", "{{> a}} {{> b}}".to_owned()),
            ("_a.hbs", "{{> b}}".to_owned()),
            ("_b.hbs", "leaf".to_owned()),
        ];
        assert_eq!(partial_cycle(&acyclic).unwrap(), None);
        let dynamic = [("_a.hbs", "{{> (lookup . \"x\")}}".to_owned())];
        assert!(partial_cycle(&dynamic).is_err());
        // The built-in templates hold no cycle.
        let builtin: Vec<(&str, String)> = BUILTIN
            .iter()
            .map(|t| (t.name, t.text.to_owned()))
            .collect();
        assert_eq!(partial_cycle(&builtin).unwrap(), None);
    }

    #[test]
    fn dot_strings_are_escaped_and_keep_their_words_apart() {
        assert_eq!(dot_of("-Auditor\tTabbed"), "\"-Auditor Tabbed\"");
        assert_eq!(
            dot_of("a \"quoted\" \\ b\nc\u{0}d"),
            "\"a \\\"quoted\\\" \\\\ b\\ncd\""
        );
    }
}
