//! `srmc diff`: every change kind reviewed in all three formats, no change where the meaning is
//! the same, mirrored results, Git revisions with imports, `--exit-code`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use predicates::prelude::*;
use srmc::diff::{diff, Change, Diff};
use srmc::render;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn diff_of(old: &Path, new: &Path) -> Diff {
    let (a, b) = (common::compile(old), common::compile(new));
    let name = |p: &Path| common::relative(p).display().to_string();
    diff(&a, &name(old), &b, &name(new)).expect("both sides compile to a model")
}

#[test]
fn every_change_kind_in_every_format() {
    let v1 = root().join("tests/fixtures/diff/v1.srm");
    let v2 = root().join("tests/fixtures/diff/v2.srm");
    let changes = diff_of(&v1, &v2);
    let kinds: std::collections::BTreeSet<&str> =
        changes.changes.iter().map(|c| c.kind.as_str()).collect();
    let expected = [
        "metadata",
        "party-added",
        "party-removed",
        "party-renamed",
        "party-changed",
        "service-added",
        "service-removed",
        "service-changed",
        "pair-added",
        "pair-removed",
        "excluded",
        "re-included",
        "justification",
        "ownership",
        "duty-added",
        "duty-removed",
        "duty-reworded",
        "assignment",
        "control-note",
        "control-changed",
        "finding-introduced",
        "finding-resolved",
    ];
    for kind in expected {
        assert!(kinds.contains(kind), "no `{kind}` change in {kinds:?}");
    }
    // Ownership moves come first.
    assert_eq!(changes.changes[0].kind.as_str(), "ownership");
    insta::assert_snapshot!("diff.json", render::diff::json(&changes));
    insta::assert_snapshot!("diff.md", render::diff::markdown(&changes, None).unwrap());
    insta::assert_snapshot!("diff.html", render::diff::html(&changes, None).unwrap());
}

fn every_matrix() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for dir in [
        "matrices",
        "tests/fixtures/ok",
        "tests/fixtures/examples",
        "tests/fixtures/diff",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "srm") {
                paths.push(path);
            }
        }
    }
    paths
}

#[test]
fn a_matrix_has_no_change_against_itself() {
    for path in every_matrix() {
        let same = diff_of(&path, &path);
        assert!(same.is_empty(), "{}: {:?}", path.display(), same.changes);
    }
}

/// What identifies a change, with its values.
type Key = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

fn key_with(
    change: &Change,
    kind: &str,
    from: Option<&serde_json::Value>,
    to: Option<&serde_json::Value>,
) -> Key {
    let text =
        |v: Option<&serde_json::Value>| v.map_or("null".to_owned(), serde_json::Value::to_string);
    (
        kind.to_owned(),
        change.service.clone(),
        change.control.clone(),
        change.duty.clone().or(change.party.clone()),
        text(from),
        text(to),
    )
}

fn key(change: &Change) -> Key {
    key_with(
        change,
        change.kind.as_str(),
        change.from.as_ref(),
        change.to.as_ref(),
    )
}

/// The change that `diff(b, a)` reports for a change of `diff(a, b)`.
fn mirror(change: &Change) -> Key {
    let kind = match change.kind.as_str() {
        "party-added" => "party-removed",
        "party-removed" => "party-added",
        "service-added" => "service-removed",
        "service-removed" => "service-added",
        "pair-added" => "pair-removed",
        "pair-removed" => "pair-added",
        "excluded" => "re-included",
        "re-included" => "excluded",
        "duty-added" => "duty-removed",
        "duty-removed" => "duty-added",
        "finding-introduced" => "finding-resolved",
        "finding-resolved" => "finding-introduced",
        "obligation-added" => "obligation-removed",
        "obligation-removed" => "obligation-added",
        "obligation-taken" => "obligation-opened",
        "obligation-opened" => "obligation-taken",
        "upstream-added" => "upstream-removed",
        "upstream-removed" => "upstream-added",
        // Its `from` and `to` swap, as every kind's do.
        "reordered" => "reordered",
        same => same,
    };
    key_with(change, kind, change.to.as_ref(), change.from.as_ref())
}

#[test]
fn diff_both_ways_mirror_each_other() {
    let v1 = root().join("tests/fixtures/diff/v1.srm");
    let v2 = root().join("tests/fixtures/diff/v2.srm");
    let mut forward: Vec<_> = diff_of(&v1, &v2).changes.iter().map(mirror).collect();
    let mut backward: Vec<_> = diff_of(&v2, &v1).changes.iter().map(key).collect();
    // A party added with a kind is removed with a name only; compare the rest.
    forward.sort();
    backward.sort();
    assert_eq!(forward, backward);
}

#[test]
fn exit_code_says_whether_anything_changed() {
    let v1 = root().join("tests/fixtures/diff/v1.srm");
    let v2 = root().join("tests/fixtures/diff/v2.srm");
    let srmc = || Command::cargo_bin("srmc").unwrap();
    srmc()
        .arg("diff")
        .arg(&v1)
        .arg(&v1)
        .arg("--exit-code")
        .assert()
        .code(0);
    srmc()
        .arg("diff")
        .arg(&v1)
        .arg(&v2)
        .arg("--exit-code")
        .assert()
        .code(1);
    srmc().arg("diff").arg(&v1).arg(&v2).assert().code(0);
    srmc()
        .arg("diff")
        .arg(&v1)
        .arg("no/such.srm")
        .arg("--exit-code")
        .assert()
        .code(2);
}

fn git(dir: &Path, args: &[&str]) {
    let status = Process::new("git")
        .args([
            "-c",
            "user.name=srmc",
            "-c",
            "user.email=srmc@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn git_revisions_are_read_with_their_imports() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("contracts")).unwrap();
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/ok/minimal.srm")).unwrap();
    let (head, parties) = minimal.split_at(minimal.find("party acme").unwrap());
    let (parties, rest) = parties.split_at(parties.find("service store").unwrap());
    std::fs::write(
        repo.join("contracts/matrix.srm"),
        format!("{head}import \"parts/parties.srm\"\n\n{rest}"),
    )
    .unwrap();
    std::fs::create_dir(repo.join("contracts/parts")).unwrap();
    std::fs::write(repo.join("contracts/parts/parties.srm"), parties).unwrap();
    // What `git archive` would leave out must still be read.
    std::fs::write(
        repo.join("contracts/.gitattributes"),
        "parts export-ignore\n",
    )
    .unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "v1"]);
    // The change is in the imported file only.
    std::fs::write(
        repo.join("contracts/parts/parties.srm"),
        parties.replace("Globex Corporation", "Globex Corporation AG"),
    )
    .unwrap();

    let output = Command::cargo_bin("srmc")
        .unwrap()
        .current_dir(repo.join("contracts"))
        .args([
            "diff",
            "HEAD:matrix.srm",
            "matrix.srm",
            "--format",
            "json",
            "--exit-code",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["from"]["source"], "HEAD:matrix.srm");
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["kind"], "party-renamed");
    assert_eq!(changes[0]["to"], "Globex Corporation AG");

    Command::cargo_bin("srmc")
        .unwrap()
        .current_dir(repo)
        .args([
            "diff",
            "HEAD:contracts/matrix.srm",
            "HEAD:contracts/matrix.srm",
            "--exit-code",
        ])
        .assert()
        .code(0);
    Command::cargo_bin("srmc")
        .unwrap()
        .current_dir(repo)
        .args([
            "diff",
            "nosuchrev:contracts/matrix.srm",
            "contracts/matrix.srm",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nosuchrev"));
}

/// A take-up added, a pin changed, a service made a sub-service and given a `runs-on`: each
/// shows in the diff, and changes the fingerprint.
#[test]
fn obligations_upstreams_and_sub_services_show_in_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/err/vendors/heron.srm"),
        dir.path().join("heron.srm"),
    )
    .unwrap();
    let before =
        std::fs::read_to_string(root().join("tests/fixtures/examples/obligations-customer.srm"))
            .unwrap()
            .replace("\"obligations-vendor.srm\"", "\"heron.srm\"");
    let after = before.replace("as alder", "as alder pin \"0123456789abcdef\"")
        + "\ncontrol F-2 for heron.files {\n  duty admin-review { ops: R A }\n}\n";
    let (a, b) = (dir.path().join("a.srm"), dir.path().join("b.srm"));
    std::fs::write(&a, &before).unwrap();
    std::fs::write(&b, &after).unwrap();
    let changes = diff_of(&a, &b);
    let kinds: Vec<(&str, Option<&str>)> = changes
        .changes
        .iter()
        .map(|c| (c.kind.as_str(), c.field))
        .collect();
    assert!(kinds.contains(&("obligation-taken", None)), "{kinds:?}");
    assert!(
        kinds.contains(&("upstream-changed", Some("pin"))),
        "{kinds:?}"
    );
    assert_ne!(changes.from.fingerprint, changes.to.fingerprint);
    let back = diff_of(&b, &a);
    let mut there: Vec<Key> = changes.changes.iter().map(mirror).collect();
    let mut here: Vec<Key> = back.changes.iter().map(key).collect();
    there.sort();
    here.sort();
    assert_eq!(there, here);

    // A service turned into a sub-service leaves the annex's scope: the diff says so.
    let base = std::fs::read_to_string(root().join("tests/fixtures/ok/minimal.srm")).unwrap();
    let sub = base.replace("  provider acme\n}", "  provider acme\n  subservice\n}");
    assert_ne!(base, sub);
    let (c, d) = (dir.path().join("c.srm"), dir.path().join("d.srm"));
    std::fs::write(&c, &base).unwrap();
    std::fs::write(&d, &sub).unwrap();
    let changes = diff_of(&c, &d);
    assert!(
        changes
            .changes
            .iter()
            .any(|c| c.kind.as_str() == "service-changed" && c.field == Some("subservice")),
        "{:?}",
        changes.changes
    );
    assert_ne!(changes.from.fingerprint, changes.to.fingerprint);
}

/// A matrix of `services` services sharing one matrix-wide duty whose note is `note`.
fn matrix_with_note(services: usize, note: &str) -> String {
    let mut text = String::from(
        "matrix \"Notes\" {\n  version \"1\"\n  effective 2026-01-01\n  catalog mini\n}\n\n\
         catalog mini \"C\" {\n  domain ops \"Ops\"\n  control M-1 \"One\" in ops\n}\n\n\
         party acme provider \"Acme\"\nparty globex customer \"Globex\"\n",
    );
    for s in 0..services {
        text.push_str(&format!(
            "\nservice s{s} \"S{s}\" {{\n  model paas\n  provider acme\n}}\n"
        ));
    }
    text.push_str(&format!(
        "\ncontrol M-1 {{\n  duty d \"D\" {{\n    provider: R A\n    customer: I\n    note \"\"\"\n{note}\n    \"\"\"\n  }}\n}}\n"
    ));
    text
}

fn diff_json_within(dir: &Path, old: &str, new: &str, seconds: u64) -> serde_json::Value {
    let (a, b) = (dir.join("a.srm"), dir.join("b.srm"));
    std::fs::write(&a, old).unwrap();
    std::fs::write(&b, new).unwrap();
    let output = Command::cargo_bin("srmc")
        .unwrap()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .args(["--format", "json"])
        .timeout(std::time::Duration::from_secs(seconds))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "not done within {seconds} s: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A note rewritten throughout: a word diff takes time that grows with the square of its
/// length. Each distinct rewording is diffed once however many pairs show it, and a long one
/// is shown whole (one deletion, one insertion) rather than diffed for minutes.
#[test]
fn long_rewordings_are_diffed_once_and_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    // Every `keep`-th word is on both sides (none for 0).
    let note = |word: &str, n: usize, keep: usize| -> String {
        (0..n)
            .map(|i| {
                if keep > 0 && i % keep == 0 {
                    format!("same{i}")
                } else {
                    format!("{word}{i}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Below the bound: word by word, the same edits for each of 200 services.
    let json = diff_json_within(
        dir.path(),
        &matrix_with_note(200, &note("old", 2_400, 10)),
        &matrix_with_note(200, &note("new", 2_400, 10)),
        20,
    );
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 200);
    assert!(changes.iter().all(|c| c["words"] == changes[0]["words"]));
    assert!(changes[0]["words"].as_array().unwrap().len() > 2);
    // Above it: the old text deleted, the new one inserted.
    let (old, new) = (note("old", 60_000, 0), note("new", 60_000, 0));
    let json = diff_json_within(
        dir.path(),
        &matrix_with_note(1, &old),
        &matrix_with_note(1, &new),
        20,
    );
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes[0]["words"],
        serde_json::json!([{"op": "delete", "text": old}, {"op": "insert", "text": new}])
    );
}

fn git_output(dir: &Path, args: &[&str]) -> String {
    let output = Process::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Removes the object of `path` at HEAD from the repository: reading it would fail.
fn lose_object(repo: &Path, path: &str) {
    let hash = git_output(repo, &["rev-parse", &format!("HEAD:{path}")]);
    std::fs::remove_file(repo.join(".git/objects").join(&hash[..2]).join(&hash[2..])).unwrap();
}

fn srmc_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("srmc")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap()
}

/// `REV:PATH` reads from Git the matrix and what it imports, within the limits, and nothing
/// else: a large file beside it is never read (its object is gone here, and reading it would
/// fail), and an import the limits refuse is refused as the file on disk is.
#[test]
fn a_revision_is_read_as_far_as_the_loader_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/ok/minimal.srm")).unwrap();
    let (head, rest) = minimal.split_at(minimal.find("party acme").unwrap());
    std::fs::write(
        repo.join("m.srm"),
        format!("{head}import \"parts/a.srm\"\nimport \"parts/b.srm\"\n{rest}"),
    )
    .unwrap();
    std::fs::create_dir(repo.join("parts")).unwrap();
    std::fs::write(repo.join("parts/a.srm"), "// a\n".repeat(50)).unwrap();
    std::fs::write(repo.join("parts/b.srm"), "// b\n".repeat(400)).unwrap();
    std::fs::write(repo.join("data.bin"), vec![7u8; 1 << 20]).unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "v1"]);
    lose_object(repo, "data.bin");

    // Within the limits: everything the matrix reads is there, and the same as on disk.
    let output = srmc_in(repo, &["diff", "HEAD:m.srm", "m.srm", "--exit-code"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // b.srm (2,000 bytes) is over what is left of --max-total-bytes, then over
    // --max-file-bytes: refused, with the finding it gets on disk.
    let matrix = std::fs::metadata(repo.join("m.srm")).unwrap().len();
    let total = (matrix + 250 + 1000).to_string();
    for limit in [
        ["--max-total-bytes", total.as_str()],
        ["--max-file-bytes", "1500"],
    ] {
        let args = [
            &["diff", "HEAD:m.srm", "m.srm", "--format", "json"][..],
            &limit,
        ]
        .concat();
        let output = srmc_in(repo, &args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["changes"], serde_json::json!([]), "{json}");
        assert_eq!(json["from"]["errors"], 1, "{json}");
        assert_eq!(json["to"]["errors"], 1, "{json}");
    }
}

/// A revision is only ever a revision; a bare repository is read from its top; standard input
/// is one side at most, and `/dev/stdin` on a pipe is read as `-`.
#[test]
fn revisions_bare_repositories_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("work");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/ok/minimal.srm")).unwrap();
    std::fs::create_dir(repo.join("contracts")).unwrap();
    std::fs::write(repo.join("contracts/matrix.srm"), &minimal).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v1"]);

    // (`--` ends srmc's own options.)
    let output = srmc_in(
        &repo,
        &[
            "diff",
            "--",
            "--output=x:contracts/matrix.srm",
            "contracts/matrix.srm",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`--output=x` is not a revision"),
        "{stderr}"
    );
    assert!(!repo.join("x").exists());

    let bare = dir.path().join("bare.git");
    git(dir.path(), &["clone", "-q", "--bare", "work", "bare.git"]);
    let output = srmc_in(
        &bare,
        &[
            "diff",
            "HEAD:contracts/matrix.srm",
            "HEAD:contracts/matrix.srm",
            "--exit-code",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // An upstream is read at the revision too (in a directory of its own, under the matrix's).
    let examples = root().join("tests/fixtures/examples");
    std::fs::create_dir(repo.join("contracts/vendor")).unwrap();
    let customer = std::fs::read_to_string(examples.join("obligations-customer.srm"))
        .unwrap()
        .replace("\"obligations-vendor.srm\"", "\"vendor/heron.srm\"");
    std::fs::write(repo.join("contracts/customer.srm"), customer).unwrap();
    std::fs::copy(
        examples.join("obligations-vendor.srm"),
        repo.join("contracts/vendor/heron.srm"),
    )
    .unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v2"]);
    let output = srmc_in(
        &repo.join("contracts"),
        &[
            "diff",
            "HEAD:customer.srm",
            "customer.srm",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["changes"], serde_json::json!([]), "{json}");
    assert_eq!(json["from"]["fingerprint"], json["to"]["fingerprint"]);
    assert_eq!(json["from"]["errors"], json["to"]["errors"]);

    let file = repo.join("contracts/matrix.srm");
    let file = file.to_str().unwrap();
    for side in ["-", "/dev/stdin"] {
        Command::cargo_bin("srmc")
            .unwrap()
            .args(["diff", side, file, "--exit-code"])
            .write_stdin(minimal.clone())
            .assert()
            .code(0);
    }
    Command::cargo_bin("srmc")
        .unwrap()
        .args(["diff", "-", "/dev/stdin"])
        .write_stdin(minimal.clone())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "standard input holds one version only",
        ));
}

/// The annex lists parties, services and a pair's control notes in order, and the fingerprint
/// hashes them in order: a change of order is a change (`reordered`), not a rewording.
#[test]
fn a_change_of_order_shows_in_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/ok/minimal.srm")).unwrap();
    let vault = "service vault \"Acme Vault\" {\n  model paas\n  provider acme\n}\n";
    let before = minimal
        .replace(
            "control M-1 {\n",
            "control M-1 {\n  note \"First.\"\n  note \"Second.\"\n",
        )
        .replace("control M-1 {", &format!("{vault}\ncontrol M-1 {{"));
    let acme = "party acme   provider \"Acme Cloud Ltd\"\n";
    let globex = "party globex customer \"Globex Corporation\"\n";
    let store =
        before[before.find("service store").unwrap()..before.find(vault).unwrap()].to_owned();
    let after = before
        .replace(&format!("{acme}{globex}"), &format!("{globex}{acme}"))
        .replace(&format!("{store}{vault}"), &format!("{vault}\n{store}"))
        .replace(
            "  note \"First.\"\n  note \"Second.\"\n",
            "  note \"Second.\"\n  note \"First.\"\n",
        );
    assert_ne!(before, after);
    let (a, b) = (dir.path().join("a.srm"), dir.path().join("b.srm"));
    std::fs::write(&a, &before).unwrap();
    std::fs::write(&b, &after).unwrap();
    let changes = diff_of(&a, &b);
    assert_ne!(changes.from.fingerprint, changes.to.fingerprint);
    // Kind, field, service, from, to.
    type Seen<'a> = (&'a str, Option<&'a str>, Option<&'a str>, String, String);
    let seen: Vec<Seen> = changes
        .changes
        .iter()
        .map(|c| {
            let text = |v: &Option<serde_json::Value>| v.as_ref().unwrap().to_string();
            (
                c.kind.as_str(),
                c.field,
                c.service.as_deref(),
                text(&c.from),
                text(&c.to),
            )
        })
        .collect();
    let notes = |first: &str, second: &str| format!("[\"{first}\",\"{second}\"]");
    assert_eq!(
        seen,
        [
            (
                "reordered",
                Some("parties"),
                None,
                notes("acme", "globex"),
                notes("globex", "acme")
            ),
            (
                "reordered",
                Some("services"),
                None,
                notes("store", "vault"),
                notes("vault", "store")
            ),
            // In the order of the services on the new side.
            (
                "reordered",
                Some("notes"),
                Some("vault"),
                notes("First.", "Second."),
                notes("Second.", "First.")
            ),
            (
                "reordered",
                Some("notes"),
                Some("store"),
                notes("First.", "Second."),
                notes("Second.", "First.")
            ),
        ]
    );
    let mut there: Vec<Key> = changes.changes.iter().map(mirror).collect();
    let mut here: Vec<Key> = diff_of(&b, &a).changes.iter().map(key).collect();
    there.sort();
    here.sort();
    assert_eq!(there, here);
    let markdown = render::diff::markdown(&changes, None).unwrap();
    for what in [
        "order of parties changed",
        "order of services changed",
        "control notes reordered",
    ] {
        assert!(markdown.contains(what), "no `{what}` in\n{markdown}");
    }
}

/// The same duty text, once a baseline's default and once written in the matrix: the annex marks
/// the two differently, so the diff and the fingerprint tell them apart.
#[test]
fn a_baseline_duty_written_into_the_matrix_changes_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    let before =
        std::fs::read_to_string(root().join("tests/fixtures/ok/baselines_and_inheritance.srm"))
            .unwrap();
    let after = format!(
        "{before}\ncontrol C-2 for analytics {{\n  duty patch-os \"Patch the guest operating system within 14 days\" {{\n    provider: R A\n  }}\n}}\n"
    );
    let (old, new) = (dir.path().join("old.srm"), dir.path().join("new.srm"));
    std::fs::write(&old, before).unwrap();
    std::fs::write(&new, after).unwrap();
    let changes = diff_of(&old, &new);
    let moved: Vec<_> = changes
        .changes
        .iter()
        .map(|c| {
            (
                c.kind.as_str(),
                c.duty.as_deref(),
                c.from.clone(),
                c.to.clone(),
            )
        })
        .collect();
    assert_eq!(
        moved,
        [(
            "duty-origin-changed",
            Some("patch-os"),
            Some(serde_json::json!("baseline house")),
            Some(serde_json::json!("matrix"))
        )]
    );
    let fingerprint = |path: &Path| {
        render::render_document(&common::compile(path), render::Format::Json, None, None)
            .unwrap()
            .fingerprint
    };
    assert_ne!(fingerprint(&old), fingerprint(&new));
}

/// The document-control fields of the header are compared one by one.
#[test]
fn document_control_changes_show_in_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    let before =
        std::fs::read_to_string(root().join("tests/fixtures/ok/document_control.srm")).unwrap();
    let after = before
        .replace("\"Confidential\"", "\"Internal\"")
        .replace("review-by      2027-03-01", "review-by      2027-09-01")
        .replace(
            "  history        \"2.1.0\"",
            "  history        \"2.0.1\" 2026-02-01 \"Typo fixed\"\n  history        \"2.1.0\"",
        );
    let (old, new) = (dir.path().join("old.srm"), dir.path().join("new.srm"));
    std::fs::write(&old, before).unwrap();
    std::fs::write(&new, after).unwrap();
    let changes = diff_of(&old, &new);
    let fields: Vec<(&str, Option<&str>)> = changes
        .changes
        .iter()
        .map(|c| (c.kind.as_str(), c.field))
        .collect();
    assert_eq!(
        fields,
        [
            ("metadata", Some("classification")),
            ("metadata", Some("review-by")),
            ("metadata", Some("history")),
        ]
    );
}

/// Two duties of a pair swapped: the annex lists them in the new order, so the diff says so.
#[test]
fn duties_in_another_order_are_a_reordering() {
    let dir = tempfile::tempdir().unwrap();
    let before = std::fs::read_to_string(root().join("tests/fixtures/ok/minimal.srm")).unwrap();
    let request =
        "  duty request \"Request the export before the contract ends\" { customer: R A }\n";
    let deliver = "  duty deliver \"Deliver the export within 30 days\" { provider: R A }\n";
    assert!(before.contains(&format!("{request}{deliver}")));
    let after = before.replace(
        &format!("{request}{deliver}"),
        &format!("{deliver}{request}"),
    );
    let (old, new) = (dir.path().join("old.srm"), dir.path().join("new.srm"));
    std::fs::write(&old, before).unwrap();
    std::fs::write(&new, after).unwrap();
    let changes = diff_of(&old, &new);
    let kinds: Vec<(&str, Option<&str>)> = changes
        .changes
        .iter()
        .map(|c| (c.kind.as_str(), c.field))
        .collect();
    assert_eq!(kinds, [("reordered", Some("duties"))]);
    assert_eq!(
        changes.changes[0].to,
        Some(serde_json::json!(["deliver", "request"]))
    );
}

/// The README's table of change kinds lists every kind `srmc diff` writes, and nothing else.
#[test]
fn the_readme_lists_every_change_kind() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = readme
        .split("| `ownership`")
        .nth(1)
        .map(|rest| format!("| `ownership`{rest}"))
        .expect("the README has the table of change kinds");
    let mut listed = std::collections::BTreeSet::new();
    for line in table.lines().take_while(|l| l.starts_with('|')) {
        let first = line.split('|').nth(1).unwrap_or("");
        // The kinds are the backticked words before any `(field: …)` remark.
        let kinds = first.split('(').next().unwrap_or("");
        for (i, part) in kinds.split('`').enumerate() {
            if i % 2 == 1 {
                listed.insert(part.to_owned());
            }
        }
    }
    let all: std::collections::BTreeSet<String> = srmc::diff::ChangeKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    assert_eq!(listed, all);
}

/// The upstream a service inherits from rewords a duty and hands another one over: the diff of
/// our matrix shows both in our inherited pair, besides the upstream's new fingerprint.
#[test]
fn a_change_upstream_shows_in_the_duties_inherited_from_it() {
    let ok = root().join("tests/fixtures/ok");
    let dir = tempfile::tempdir().unwrap();
    let upstream = std::fs::read_to_string(ok.join("parts/hyper-iaas.srm")).unwrap();
    let changed = upstream
        .replace("keep camera footage for 90 days", "keep camera footage for 30 days")
        .replace(
            "    note \"A yearly penetration test tries to cross tenants.\"\n",
            "  }\n  duty firmware \"Sign and verify host firmware before each boot\" {\n    provider: R A\n",
        );
    assert_ne!(upstream, changed);
    for (side, text) in [("a", &upstream), ("b", &changed)] {
        let parts = dir.path().join(side).join("parts");
        std::fs::create_dir_all(&parts).unwrap();
        std::fs::copy(
            ok.join("parts/dc-catalog.srm"),
            parts.join("dc-catalog.srm"),
        )
        .unwrap();
        std::fs::write(parts.join("hyper-iaas.srm"), text).unwrap();
        std::fs::copy(
            ok.join("inherit_from_upstream.srm"),
            dir.path().join(side).join("matrix.srm"),
        )
        .unwrap();
    }
    let changes = diff_of(
        &dir.path().join("a/matrix.srm"),
        &dir.path().join("b/matrix.srm"),
    );
    let found = |kind: &str, control: &str, duty: &str| {
        changes.changes.iter().any(|c| {
            c.kind.as_str() == kind
                && c.service.as_deref() == Some("analytics")
                && c.control.as_deref() == Some(control)
                && c.duty.as_deref() == Some(duty)
        })
    };
    assert!(
        found("duty-reworded", "DC-1", "guarding"),
        "{:?}",
        changes.changes
    );
    assert!(
        found("duty-added", "DC-3", "firmware"),
        "{:?}",
        changes.changes
    );
    assert!(
        changes
            .changes
            .iter()
            .any(|c| c.kind.as_str() == "upstream-changed" && c.field == Some("fingerprint")),
        "{:?}",
        changes.changes
    );
    assert_ne!(changes.from.fingerprint, changes.to.fingerprint);
}
