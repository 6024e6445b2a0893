//! `srmc build`: every format reviewed as a snapshot, byte-identical output, a fingerprint that
//! follows meaning only, hostile text kept inert, and outputs written whole or not at all.

use crate::common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use srmc::render::{render, Format};

const FORMATS: [(Format, &str); 7] = [
    (Format::Markdown, "md"),
    (Format::Html, "html"),
    (Format::RaciMarkdown, "raci.md"),
    (Format::RaciCsv, "csv"),
    (Format::Json, "json"),
    (Format::Dot, "dot"),
    (Format::DotDetail, "detail.dot"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn srmc() -> Command {
    Command::cargo_bin("srmc").unwrap()
}

fn render_all(path: &Path) -> Vec<(&'static str, String)> {
    let compilation = common::compile(path);
    FORMATS
        .iter()
        .map(|(format, extension)| (*extension, render(&compilation, *format, None).unwrap()))
        .collect()
}

/// Snapshots of every format, for the example fixtures (rendered with their gaps where they have
/// errors) and the complete example.
#[test]
fn every_format_of_the_examples_is_reviewed() {
    // The small examples, and one complete matrix (those on a baseline are as large as it).
    let inputs: Vec<PathBuf> = [
        "tests/fixtures/examples/cloud-controls.srm",
        "tests/fixtures/examples/gaps.srm",
        "tests/fixtures/examples/minimal.srm",
        "tests/fixtures/examples/name-errors.srm",
        "tests/fixtures/examples/one-accountable.srm",
        "tests/fixtures/examples/obligations-customer.srm",
        "tests/fixtures/ok/document_control.srm",
        "matrices/nimbus-saas-and-db.srm",
    ]
    .iter()
    .map(|path| root().join(path))
    .collect();
    for input in inputs {
        let name = input.file_stem().unwrap().to_string_lossy().into_owned();
        for (extension, text) in render_all(&input) {
            // A complete matrix's annex is reviewed a section at a time: a change to one domain
            // shows as that domain's snapshot, not as a diff somewhere in a 200 KB page.
            let sections = match extension {
                _ if name != "nimbus-saas-and-db" => vec![(String::new(), text.as_str())],
                "html" => sections(&text, |line| {
                    ["<header", "<nav", "<section", "<footer"]
                        .iter()
                        .any(|tag| line.starts_with(tag))
                        .then(|| html_section_name(line))
                }),
                "md" | "raci.md" => sections(&text, |line| {
                    (line.starts_with("## ") || line.starts_with("### "))
                        .then(|| slug(line.trim_start_matches('#')))
                }),
                _ => vec![(String::new(), text.as_str())],
            };
            for (section, text) in sections {
                insta::with_settings!({
                    snapshot_suffix => format!("{name}.{extension}{section}"),
                    filters => common::volatile(),
                }, {
                    insta::assert_snapshot!("build", text);
                });
            }
        }
    }
}

/// `text` cut before each line that `starts` names, each piece with a suffix `/NN-name`: the
/// number keeps the snapshots in the document's order, the name says what each holds.
fn sections(text: &str, starts: impl Fn(&str) -> Option<String>) -> Vec<(String, &str)> {
    let mut cuts = vec![(0, "front".to_owned())];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(name) = starts(line) {
            if offset > 0 {
                cuts.push((offset, name));
            }
        }
        offset += line.len();
    }
    let ends = cuts.iter().skip(1).map(|(at, _)| *at).chain([text.len()]);
    cuts.iter()
        .zip(ends)
        .enumerate()
        .map(|(index, ((start, name), end))| (format!("/{index:02}-{name}"), &text[*start..end]))
        .collect()
}

/// The `id` of an HTML section's opening tag, else the tag's name.
fn html_section_name(line: &str) -> String {
    match line.split_once("id=\"") {
        Some((_, rest)) => rest.split('"').next().unwrap_or_default().to_owned(),
        None => line
            .trim_start_matches('<')
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

fn slug(heading: &str) -> String {
    let words: Vec<String> = heading
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join("-")
}

#[test]
fn two_runs_give_identical_bytes() {
    let input = root().join("matrices/nimbus-saas-and-db.srm");
    for (format, _) in FORMATS {
        let name = format!("{format:?}").to_lowercase();
        let args = |out: &Path| {
            let mut command = srmc();
            command
                .arg("build")
                .arg(&input)
                .args(["--format", &clap_name(format)])
                .arg("-o")
                .arg(out);
            command
        };
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        args(&a).assert().success();
        args(&b).assert().success();
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{name}"
        );
    }
}

fn clap_name(format: Format) -> String {
    format.name().to_owned()
}

fn fingerprint_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.srm");
    std::fs::write(&path, text).unwrap();
    let compilation = srmc::compile(&path, Default::default()).unwrap();
    assert_eq!(compilation.errors(), 0, "{text}");
    srmc::published::fingerprint(
        &compilation.checked.as_ref().unwrap().model,
        &compilation.checked.as_ref().unwrap().graph,
    )
}

#[test]
fn the_fingerprint_follows_meaning_not_layout() {
    let base = std::fs::read_to_string(root().join("tests/fixtures/ok/minimal.srm")).unwrap();
    let original = fingerprint_of(&base);
    let same = [
        base.replace("// The smallest", "/* a new comment */\n// The smallest"),
        base.replace("    provider: R A\n", "    provider:   R  A   // spaced\n"),
        base.replace("\n\n", "\n\n\n"),
        base.replace('\n', "\r\n"),
        format!("\u{feff}{base}"),
        // The same duty moved from a matrix-wide block to a service-specific one.
        base.replace("control M-1 {", "control M-1 for store {"),
        // Assignment lines in another order.
        base.replace(
            "    provider: R A\n    customer: I\n",
            "    customer: I\n    provider: R A\n",
        ),
    ];
    for variant in &same {
        assert_eq!(fingerprint_of(variant), original, "changed by:\n{variant}");
    }
    let different = [
        base.replace("Take daily backups", "Take weekly backups"),
        base.replace("    customer: I\n", "    customer: C\n"),
        base.replace("duty backups", "duty backup"),
        base.replace(
            "    customer: I\n  }",
            "    customer: I\n    note \"Restores are tested on a copy\"\n  }",
        ),
        base.replace(
            "{ customer: R A }",
            "{\n    customer: R A\n    evidence \"Export request\"\n  }",
        ),
        base.replace("version   \"1.0.0\"", "version   \"1.0.1\""),
        // The catalog is part of what the annex says.
        base.replace("Backups are taken and restore-tested", "Backups are taken"),
        base.replace(
            "domain ops \"Operations\"",
            "domain ops \"Operations and backup\"",
        ),
    ];
    // Each document-control field of the header is part of what the annex says.
    let different: Vec<String> = different
        .into_iter()
        .chain(
            [
                "agreement \"MSA-1\"",
                "owner \"Security office\"",
                "approver \"CISO\"",
                "classification \"Internal\"",
                "supersedes \"0.9.0\"",
                "review-by 2027-01-15",
                "history \"0.9.0\" 2025-12-01 \"Draft\"",
            ]
            .iter()
            .map(|field| {
                base.replace(
                    "  effective 2026-01-15\n",
                    &format!("  effective 2026-01-15\n  {field}\n"),
                )
            }),
        )
        .collect();
    for variant in &different {
        assert_ne!(
            fingerprint_of(variant),
            original,
            "not changed by:\n{variant}"
        );
    }
}

/// Tag names and attributes our templates write; anything else came from user text.
const TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "section",
    "nav",
    "ol",
    "ul",
    "li",
    "a",
    "p",
    "div",
    "span",
    "article",
    "strong",
    "em",
    "footer",
    "blockquote",
    "pre",
    "br",
    "hr",
    "del",
    "figure",
    "figcaption",
    "svg",
    "rect",
    "text",
];
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "name",
    "content",
    "class",
    "id",
    "href",
    "title",
    "style",
    "colspan",
    // The inline pictures.
    "xmlns",
    "viewbox",
    "width",
    "height",
    "role",
    "aria-label",
    "x",
    "y",
    "fill",
    "stroke",
    "stroke-width",
    "text-anchor",
];

fn assert_inert_html(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_lowercase();
    for (at, _) in lower.match_indices('<') {
        let tag = &lower[at + 1..];
        if tag.starts_with('/') || tag.starts_with('!') {
            continue;
        }
        let end = tag.find('>').expect("tags close");
        let inside = &tag[..end];
        let mut words = inside.split_whitespace();
        let name = words.next().unwrap_or("");
        assert!(TAGS.contains(&name), "tag <{inside}> comes from user text");
        for attribute in inside[name.len()..].split('"').step_by(2) {
            let attribute = attribute.trim().trim_end_matches('=');
            if !attribute.is_empty() {
                assert!(
                    ATTRIBUTES.contains(&attribute),
                    "attribute `{attribute}` in <{inside}>"
                );
            }
        }
        if name == "a" {
            let href = inside.split("href=\"").nth(1).unwrap_or("");
            assert!(
                ["http:", "https:", "mailto:", "#"]
                    .iter()
                    .any(|ok| href.starts_with(ok)),
                "link <{inside}>"
            );
        }
    }
    assert!(!lower.contains("href=\"javascript"), "a javascript: link");
    assert!(!lower.contains("<script"));
}

fn assert_inert_markdown(markdown: &str) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    for event in Parser::new_ext(markdown, Options::all()) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => panic!("raw HTML {html:?}"),
            Event::Start(Tag::Image { dest_url, .. }) => panic!("an image of {dest_url}"),
            Event::Start(Tag::Link { dest_url, .. }) => assert!(
                ["http:", "https:", "mailto:", "#"]
                    .iter()
                    .any(|ok| dest_url.starts_with(ok)),
                "a link to {dest_url}"
            ),
            _ => {}
        }
    }
}

fn markdown_headings(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut headings = Vec::new();
    let mut open = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => open = Some(String::new()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(heading) = &mut open {
                    heading.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => headings.extend(open.take()),
            _ => {}
        }
    }
    headings
}

#[test]
fn hostile_text_stays_text() {
    let outputs = render_all(&root().join("tests/fixtures/hostile/hostile.srm"));
    let output = |ext: &str| &outputs.iter().find(|(e, _)| *e == ext).unwrap().1;

    assert_inert_html(output("html"));

    // Markdown: no raw HTML, no image, no link but to the web, and the annex's own headings.
    assert_inert_markdown(common::after_markers(output("md")));
    assert_inert_markdown(output("raci.md"));
    let headings = markdown_headings(output("md"));
    for heading in [
        "Parties",
        "Services",
        "Responsibilities",
        "Exclusions",
        "Sign-off",
    ] {
        assert!(
            headings.iter().any(|h| h == heading),
            "{heading}: {headings:?}"
        );
    }

    // Markdown tables keep their column count on every row.
    for text in [output("md"), output("raci.md")] {
        let mut columns = None;
        for line in text.lines() {
            if line.starts_with('|') {
                let cells = line.replace("\\|", "").matches('|').count();
                if line.starts_with("|---") || line.starts_with("| Duty") || columns.is_none() {
                    columns = Some(cells);
                }
                assert_eq!(Some(cells), columns, "row breaks its table: {line}");
            } else {
                columns = None;
            }
            assert!(!line.contains("<script"), "{line}");
        }
    }

    // No CSV cell starts a formula, not even after white space or in fullwidth forms.
    let formula = [
        '=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ];
    let mut reader = csv::Reader::from_reader(output("csv").as_bytes());
    for record in reader.records() {
        for cell in &record.unwrap() {
            assert!(
                !cell.starts_with(['\t', '\r']) && !cell.trim_start().starts_with(formula),
                "formula cell {cell:?}"
            );
        }
    }
    insta::with_settings!({ filters => common::volatile() }, {
        insta::assert_snapshot!("hostile.html", output("html"));
        insta::assert_snapshot!("hostile.md", output("md"));
    });
}

/// A clean matrix with only warnings gets no "not ready to sign" banner.
#[test]
fn warnings_alone_raise_no_banner() {
    let compilation = common::compile(&root().join("tests/fixtures/err/w302_idle_party.srm"));
    assert!(compilation.errors() == 0 && compilation.warnings() > 0);
    for format in [Format::Markdown, Format::Html] {
        let text = render(&compilation, format, None).unwrap();
        assert!(!text.contains("not ready to sign"), "{format:?}");
    }
}

#[test]
fn gaps_are_refused_unless_allowed_and_then_marked() {
    let gaps = root().join("tests/fixtures/examples/gaps.srm");
    srmc()
        .arg("build")
        .arg(&gaps)
        .args(["--format", "html"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("error[E203]").and(predicate::str::contains("--allow-gaps")),
        );
    srmc()
        .arg("build")
        .arg(&gaps)
        .args(["--format", "markdown", "--allow-gaps"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## ⚠ Gaps and conflicts"))
        .stdout(predicate::str::contains("**⚠ UNOWNED**"))
        .stdout(predicate::str::contains("**⚠ CONFLICT**"));
}

#[test]
fn a_failed_build_leaves_an_existing_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annex.html");
    std::fs::write(&out, "signed version").unwrap();
    srmc()
        .arg("build")
        .arg(root().join("tests/fixtures/examples/gaps.srm"))
        .args(["--format", "html", "-o"])
        .arg(&out)
        .assert()
        .code(1);
    // A broken template override fails too, after the matrix checked clean and after part of
    // the annex has been streamed into the temporary file.
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("annex.html.hbs"),
        "<h1>{{matrix.title}}</h1>\n{{#each domains}}<h2>{{title}}</h2>\n{{/each}}{{matrix.no_such_field}}",
    )
    .unwrap();
    srmc()
        .arg("build")
        .arg(root().join("tests/fixtures/ok/minimal.srm"))
        .args(["--format", "html", "-o"])
        .arg(&out)
        .arg("--templates")
        .arg(&templates)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no_such_field"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "signed version");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 2, "no temporary file is left behind");
}

#[test]
fn the_output_is_never_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("m.srm");
    std::fs::copy(root().join("tests/fixtures/ok/minimal.srm"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    srmc()
        .arg("build")
        .arg(&input)
        .args(["--format", "markdown", "-o"])
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is an input"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn template_overrides_are_not_read_through_links() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.hbs"), "{{matrix.title}} leaked").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.hbs"),
        dir.path().join("annex.md.hbs"),
    )
    .unwrap();
    srmc()
        .arg("build")
        .arg(root().join("tests/fixtures/ok/minimal.srm"))
        .args(["--format", "markdown", "--templates"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("links are not followed"));
}

#[test]
fn templates_can_be_overridden_by_name() {
    // The annex is three templates: the front matter, one domain (rendered once per domain
    // with that domain's data), the closing sections.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("annex.md.hbs"),
        "Annex for {{matrix.title}}: {{#each parties}}{{id}} {{/each}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("annex-domain.md.hbs"),
        "- {{title}}:{{#each controls}} {{id}}{{/each}}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("annex-end.md.hbs"), "{{generator}}\n").unwrap();
    srmc()
        .arg("build")
        .arg(root().join("tests/fixtures/ok/minimal.srm"))
        .args(["--format", "markdown", "--templates"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(format!(
            "Annex for Minimal: acme globex \n- Operations: M-1 M-2\nsrmc {}\n",
            env!("CARGO_PKG_VERSION")
        ));
}

#[test]
fn json_matches_the_shipped_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/build.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    for input in [
        "tests/fixtures/examples/cloud-controls.srm",
        "tests/fixtures/examples/gaps.srm",
        "matrices/nimbus-saas-and-db.srm",
        "tests/fixtures/hostile/hostile.srm",
        "tests/fixtures/ok/baselines_and_inheritance.srm",
        "tests/fixtures/ok/document_control.srm",
    ] {
        let compilation = common::compile(&root().join(input));
        let json: serde_json::Value =
            serde_json::from_str(&render(&compilation, Format::Json, None).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{input}: {errors:?}");
        // The schema has teeth: an unknown ownership word is rejected.
        let mut broken = json.clone();
        broken["pairs"][0]["ownership"] = "nobody".into();
        assert!(!validator.is_valid(&broken), "{input}");
    }
}

/// The fingerprint can be recomputed from the published JSON alone (an upstream handed over as
/// JSON is checked this way), and any change of what the JSON says changes it.
#[test]
fn the_fingerprint_is_recomputed_from_the_published_json() {
    for input in [
        "tests/fixtures/examples/cloud-controls.srm",
        "tests/fixtures/examples/obligations-customer.srm",
        "tests/fixtures/ok/baselines_and_inheritance.srm",
        "tests/fixtures/hostile/hostile.srm",
        "matrices/nimbus-saas-and-db.srm",
    ] {
        let compilation = common::compile(&root().join(input));
        let json = render(&compilation, Format::Json, None).unwrap();
        let published: srmc::published::Published = serde_json::from_str(&json).unwrap();
        assert_eq!(
            published.fingerprint(),
            published.matrix.fingerprint,
            "{input}"
        );
        let mut changed = published.clone();
        changed.matrix.title = "Another title".into();
        assert_ne!(
            changed.fingerprint(),
            published.matrix.fingerprint,
            "{input}"
        );
    }
}

/// `--party`: only the pairs where the party (or a team of it) holds a letter, and in them only
/// those duties; nothing of any other duty appears; the fingerprint is marked as the whole
/// matrix's.
#[test]
fn a_party_extract_holds_only_what_concerns_the_party() {
    let nimbus = root().join("matrices/nimbus-saas-and-db.srm");
    let output = srmc()
        .arg("build")
        .arg(&nimbus)
        .args(["--format", "json", "--party", "auditco"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["matrix"]["extract_for"], "auditco");
    let pairs = json["pairs"].as_array().unwrap();
    assert!(!pairs.is_empty());
    let mut kept = std::collections::BTreeSet::new();
    for pair in pairs {
        assert!(
            pair.get("exclusion").is_none() && pair.get("notes").is_none(),
            "{pair}"
        );
        for duty in pair["duties"].as_array().unwrap() {
            assert!(duty["assignments"].get("auditco").is_some(), "{duty}");
            kept.insert(duty["title"].as_str().unwrap().to_owned());
        }
    }
    // Titles of the duties auditco has no letter in appear nowhere in the Markdown extract.
    let whole = common::compile(&nimbus);
    let whole_json: serde_json::Value =
        serde_json::from_str(&render(&whole, Format::Json, None).unwrap()).unwrap();
    let others: Vec<String> = whole_json["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["duties"].as_array().unwrap().clone())
        .filter(|d| d["assignments"].get("auditco").is_none())
        .map(|d| d["title"].as_str().unwrap().to_owned())
        .filter(|title| !kept.contains(title))
        .collect();
    assert!(!others.is_empty());
    let markdown = srmc()
        .arg("build")
        .arg(&nimbus)
        .args(["--format", "markdown", "--party", "auditco"])
        .output()
        .unwrap();
    let markdown = String::from_utf8(markdown.stdout).unwrap();
    assert!(
        markdown.contains("- Extract: for `auditco` only"),
        "{markdown}"
    );
    for title in &others {
        assert!(!markdown.contains(title.as_str()), "{title}");
    }
    srmc()
        .arg("build")
        .arg(&nimbus)
        .args(["--format", "markdown", "--party", "nobody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no party or team `nobody`"));
}

/// Ids that differ only in punctuation or case get anchors of their own, and every link of the
/// HTML annex goes to an id of it.
#[test]
fn html_ids_are_unique_and_every_link_has_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.srm");
    std::fs::write(
        &path,
        r#"matrix "Anchors" {
  version   "1"
  effective 2026-01-01
  catalog   k
}

catalog k "K" {
  domain d-1 "First"
  domain d_1 "Second"
  control A.1 "One" in d-1
  control A-1 "Two" in d-1
  control a-1 "Three" in d_1
  control A-1-2 "Four" in d_1
}

party csp provider "P"
party csc customer "C"

service s-1 "S one" {
  model    saas
  provider csp
}

service s_1 "S two" {
  model    saas
  provider csp
}

control A.1, A-1, a-1, A-1-2 {
  duty run "Run" { csp: R A }
}
"#,
    )
    .unwrap();
    let compilation = srmc::compile(&path, Default::default()).unwrap();
    assert_eq!(compilation.errors(), 0);
    let html = render(&compilation, Format::Html, None).unwrap();
    let attribute = |name: &str| -> Vec<String> {
        html.split(&format!(" {name}=\""))
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
            .collect()
    };
    let ids = attribute("id");
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in {ids:?}");
    for id in [
        "control-a-1",
        "control-a-1-2",
        "control-a-1-3",
        "control-a-1-2-2",
    ] {
        assert!(unique.contains(&id.to_owned()), "{id} in {ids:?}");
    }
    for href in attribute("href") {
        let target = href.strip_prefix('#').expect("links stay in the page");
        assert!(unique.contains(&target.to_owned()), "#{target} in {ids:?}");
    }
}

/// Partials that call each other would overflow handlebars' stack: refused with their names
/// before anything is rendered.
#[test]
fn template_partial_cycles_and_huge_templates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("_duty-table.md.hbs"), "{{> style.css}}").unwrap();
    std::fs::write(
        dir.path().join("_style.css.hbs"),
        "{{#> duty-table.md}}{{/duty-table.md}}",
    )
    .unwrap();
    srmc()
        .arg("build")
        .arg(root().join("tests/fixtures/ok/minimal.srm"))
        .args(["--format", "markdown", "--templates"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "partials call each other in a cycle: duty-table.md → style.css → duty-table.md",
        ));
    let big = tempfile::tempdir().unwrap();
    std::fs::write(big.path().join("annex.md.hbs"), "x".repeat(2 * 1024 * 1024)).unwrap();
    srmc()
        .arg("build")
        .arg(root().join("tests/fixtures/ok/minimal.srm"))
        .args(["--format", "markdown", "--templates"])
        .arg(big.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "more than the limit of 1048576 bytes",
        ));
}

/// An output over `--max-output-bytes` is refused, and nothing is left at the `-o` path.
#[test]
fn an_output_over_the_limit_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annex.html");
    let nimbus = root().join("matrices/nimbus-saas-and-db.srm");
    srmc()
        .arg("build")
        .arg(&nimbus)
        .args(["--format", "html", "--max-output-bytes", "50000", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the output would be larger than 50000 bytes (raise the limit with --max-output-bytes)",
        ));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a temporary file is left"
    );
    srmc()
        .arg("build")
        .arg(&nimbus)
        .args(["--format", "markdown", "--max-output-bytes", "50000"])
        .assert()
        .code(2)
        .stdout("");
}
