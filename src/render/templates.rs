//! The handlebars templates: compiled into the binary from `output-templates/`, each replaceable
//! by a file of the same name in the directory given with `--templates`.

use std::path::Path;

use handlebars::{
    handlebars_helper, Context, Handlebars, Helper, HelperResult, Output, RenderContext,
};

use super::markdown;

pub struct Template {
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
pub const BUILTIN: &[Template] = builtin!(
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
pub enum Escape {
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
pub fn registry(escape: Escape, dir: Option<&Path>) -> Result<Handlebars<'static>, String> {
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
    for template in BUILTIN {
        let text = match dir {
            Some(dir) => {
                read_override(dir, template.name)?.unwrap_or_else(|| template.text.to_owned())
            }
            None => template.text.to_owned(),
        };
        let result = match partial_name(template.name) {
            Some(partial) => registry.register_partial(partial, text),
            None => registry.register_template_string(template.name, text),
        };
        result.map_err(|error| format!("template `{}`: {error}", template.name))?;
    }
    Ok(registry)
}

/// Reads `dir/name` if it is there; only these names are ever read from the directory.
fn read_override(dir: &Path, name: &str) -> Result<Option<String>, String> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Err(_) => Ok(None),
        Ok(meta) if meta.file_type().is_file() => std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|error| format!("cannot read template `{}`: {error}", path.display())),
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
    fn dot_strings_are_escaped_and_keep_their_words_apart() {
        assert_eq!(dot_of("-Auditor\tTabbed"), "\"-Auditor Tabbed\"");
        assert_eq!(
            dot_of("a \"quoted\" \\ b\nc\u{0}d"),
            "\"a \\\"quoted\\\" \\\\ b\\ncd\""
        );
    }
}
