//! `docs/language.md` is the language reference: every `.srm` example in it must say what the
//! page says it does. A block whose first line is `// raises: E201, W302` is a complete matrix
//! that reports at least those codes; `// checks clean` one that reports nothing; `// file: PATH`
//! a file the next checked block of the same section reads (an import, an upstream); any other
//! block must parse.

use std::collections::BTreeSet;
use std::path::Path;

use srmc::analyze::Limits;

struct Example {
    section: String,
    line: usize,
    text: String,
}

fn examples() -> Vec<Example> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md");
    let page = std::fs::read_to_string(path).expect("docs/language.md");
    let mut examples = Vec::new();
    let mut section = String::new();
    let mut open: Option<(usize, String)> = None;
    for (number, line) in page.lines().enumerate() {
        match &mut open {
            Some((start, text)) => {
                if line.trim_start().starts_with("```") {
                    examples.push(Example {
                        section: section.clone(),
                        line: *start,
                        text: std::mem::take(text),
                    });
                    open = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            None if line.starts_with("```srm") => open = Some((number + 2, String::new())),
            None if line.starts_with('#') => {
                section = line.trim_start_matches('#').trim().to_owned();
            }
            None => {}
        }
    }
    assert!(open.is_none(), "a code block is never closed");
    examples
}

/// What an example's first line asks of it.
enum Claim {
    Raises(BTreeSet<String>),
    Clean,
    File(String),
    Parses,
}

fn claim(text: &str) -> Claim {
    let first = text.lines().next().unwrap_or_default().trim();
    if let Some(codes) = first.strip_prefix("// raises:") {
        Claim::Raises(codes.split(',').map(|c| c.trim().to_owned()).collect())
    } else if first == "// checks clean" {
        Claim::Clean
    } else if let Some(path) = first.strip_prefix("// file:") {
        Claim::File(path.trim().to_owned())
    } else {
        Claim::Parses
    }
}

/// Checks one example; `Err` says how it differs from what the page claims.
fn check(example: &Example, files: &[(String, String)]) -> Result<(), String> {
    match claim(&example.text) {
        Claim::File(_) => Ok(()),
        Claim::Parses => {
            let parsed = srmc::syntax::parse(srmc::source::FileId(0), &example.text);
            let errors: Vec<String> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(srmc::diagnostics::Diagnostic::full_message)
                .collect();
            if parsed.whole && errors.is_empty() {
                Ok(())
            } else {
                Err(format!("does not parse: {errors:?}"))
            }
        }
        claim @ (Claim::Raises(_) | Claim::Clean) => {
            let dir = tempfile::tempdir().unwrap();
            for (path, text) in files {
                let target = dir.path().join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, text).unwrap();
            }
            let main = dir.path().join("main.srm");
            std::fs::write(&main, &example.text).unwrap();
            let compilation = srmc::compile(&main, Limits::default()).unwrap();
            let got: BTreeSet<String> = compilation
                .diagnostics
                .iter()
                .map(|d| d.code.as_str().to_owned())
                .collect();
            let ok = match &claim {
                Claim::Raises(codes) => codes.is_subset(&got),
                _ => got.is_empty(),
            };
            if ok {
                Ok(())
            } else {
                let human = srmc::diagnostics::render_human(
                    &compilation.diagnostics,
                    &compilation.sources,
                    false,
                );
                Err(format!("reports {got:?}\n{human}"))
            }
        }
    }
}

#[test]
fn every_example_of_the_language_reference_does_what_the_page_says() {
    let examples = examples();
    assert!(examples.len() > 40, "only {} examples", examples.len());
    let mut failures = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut section = String::new();
    for example in &examples {
        if example.section != section {
            section.clone_from(&example.section);
            files.clear();
        }
        if let Claim::File(path) = claim(&example.text) {
            files.push((path, example.text.clone()));
        }
        if let Err(why) = check(example, &files) {
            failures.push(format!(
                "docs/language.md:{} ({}): {why}",
                example.line, example.section
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every code the compiler has is in the reference, with a section of its own.
#[test]
fn the_reference_explains_every_code() {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md"))
            .unwrap();
    for code in srmc::codes::Code::ALL {
        assert!(
            page.contains(&format!("\n### {code}\n")),
            "docs/language.md has no section for {code}"
        );
    }
}

/// The README's table of codes is the table of `srmc explain`: same codes, order, severities and
/// summaries.
#[test]
fn the_readme_lists_every_code_as_explain_does() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .filter(|line| {
            let code = line.get(2..6).unwrap_or_default();
            line.starts_with("| ")
                && code.starts_with(['E', 'W'])
                && code[1..].chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    let expected: Vec<String> = srmc::codes::Code::ALL
        .iter()
        .map(|code| format!("| {code} | {} | {} |", code.severity(), code.summary()))
        .collect();
    assert_eq!(
        rows,
        expected,
        "the README's table should read:\n{}",
        expected.join("\n")
    );
}
