//! `srmc init`: a starting matrix that checks clean. Each service takes the built-in baseline
//! of its model, and the seven cloud controls ISO/IEC 27017 adds are written out as duties of
//! that service, copied from the baseline, so that the author reviews the split where it is
//! most often negotiated instead of inheriting it unseen.

use crate::analyze::model::ServiceModel;
use crate::catalog;
use crate::source::Sources;
use crate::syntax::ast;

/// One service of the new matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceSpec {
    pub id: String,
    pub name: String,
    pub model: ServiceModel,
}

impl ServiceSpec {
    /// `NAME:MODEL`, as `--service` takes it (`claims:saas`, `"Nimbus Claims:saas"`).
    pub(crate) fn parse(spec: &str) -> Result<ServiceSpec, String> {
        let Some((name, model)) = spec.rsplit_once(':') else {
            return Err(format!(
                "`{spec}` is not NAME:MODEL; write e.g. `claims:saas` (models: iaas, paas, saas)"
            ));
        };
        let name = name.trim();
        let model = model.trim();
        let Some(model) = ServiceModel::parse(&model.to_ascii_lowercase()) else {
            return Err(format!(
                "`{model}` in `{spec}` is not a service model; use iaas, paas or saas"
            ));
        };
        if name.is_empty() {
            return Err(format!(
                "`{spec}` has no service name before the `:`; write e.g. `claims:saas`"
            ));
        }
        Ok(ServiceSpec {
            id: identifier(name, "service"),
            name: name.to_owned(),
            model,
        })
    }
}

/// What `srmc init` writes, before ids are made unique.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub title: String,
    pub provider: String,
    pub customer: String,
    pub services: Vec<ServiceSpec>,
    /// `YYYY-MM-DD`.
    pub effective: String,
}

pub(crate) const DEFAULT_TITLE: &str = "Shared responsibility matrix";
pub(crate) const DEFAULT_PROVIDER: &str = "Provider";
pub(crate) const DEFAULT_CUSTOMER: &str = "Customer";
pub(crate) const DEFAULT_SERVICE: &str = "app:saas";

/// An identifier of the language (`[a-z][a-z0-9_-]*`) made from a display name: its first
/// word, lowercased, other characters dropped; `fallback` when nothing is left.
pub(crate) fn identifier(name: &str, fallback: &str) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if (c == '-' || c == '_' || c.is_whitespace()) && !id.is_empty() {
            if c.is_whitespace() {
                break;
            }
            id.push(c);
        }
    }
    let id = id.trim_end_matches(['-', '_']).to_owned();
    match id.chars().next() {
        Some(first) if first.is_ascii_lowercase() => id,
        Some(_) => format!("{fallback}-{id}"),
        None => fallback.to_owned(),
    }
}

/// A party id from a name: [`identifier`], with the role keywords, which cannot be ids, made
/// the sides' usual short names.
fn party_identifier(name: &str, fallback: &str) -> String {
    match identifier(name, fallback).as_str() {
        "provider" => "csp".to_owned(),
        "customer" => "csc".to_owned(),
        id => id.to_owned(),
    }
}

/// `id`, or `id-2`, `id-3`, … when it is taken.
fn unique(id: &str, taken: &mut Vec<String>) -> String {
    let mut candidate = id.to_owned();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{id}-{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

use crate::syntax::string_literal as quote;

fn baseline_id(model: ServiceModel) -> &'static str {
    match model {
        ServiceModel::Iaas => "std-iaas",
        ServiceModel::Paas => "std-paas",
        ServiceModel::Saas => "std-saas",
    }
}

/// The control blocks of a built-in baseline for the cloud controls (`CLD.*`), as written there.
fn cloud_blocks(model: ServiceModel) -> Vec<String> {
    let builtin = catalog::builtin_baseline(baseline_id(model)).expect("a built-in baseline");
    let baseline = builtin.load(&mut Sources::new());
    baseline
        .blocks
        .iter()
        .filter(|block| {
            block
                .controls
                .iter()
                .all(|control| control.id.starts_with("CLD."))
        })
        .map(|block| block_text(builtin.text, block))
        .collect()
}

/// A baseline's block as top-level text: one level of indentation less.
fn block_text(text: &str, block: &ast::ControlBlock) -> String {
    let written = &text[block.span.start as usize..block.span.end as usize];
    written
        .lines()
        .map(|line| line.strip_prefix("  ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The matrix `srmc init` writes for `plan`.
pub(crate) fn render(plan: &Plan) -> String {
    let mut taken = Vec::new();
    let provider = unique(&party_identifier(&plan.provider, "provider"), &mut taken);
    let customer = unique(&party_identifier(&plan.customer, "customer"), &mut taken);
    let mut out = String::new();
    out.push_str(
        "// Made by `srmc init`. Every service takes the built-in baseline of its model (see\n\
         // `srmc catalog std-saas` and the others); what follows it for each service is the\n\
         // split of the seven cloud controls, copied from that baseline for you to confirm.\n\
         // Edit any duty the contract words differently, then run `srmc check` on this file.\n\n",
    );
    out.push_str(&format!("matrix {} {{\n", quote(&plan.title)));
    out.push_str("  version   \"0.1.0\"\n");
    out.push_str(&format!("  effective {}\n", plan.effective));
    out.push_str("  catalog   iso27017\n}\n\n");
    out.push_str("// REVIEW: the parties' legal names as the contract writes them.\n");
    out.push_str(&format!(
        "party {provider} provider {}\n",
        quote(&plan.provider)
    ));
    out.push_str(&format!(
        "party {customer} customer {}\n",
        quote(&plan.customer)
    ));
    let mut service_ids = Vec::new();
    for service in &plan.services {
        let id = unique(&service.id, &mut taken);
        out.push_str(&format!(
            "\n// REVIEW: the regions the service runs in (`region \"…\"`), if the contract names them.\n\
             service {id} {} {{\n  model    {}\n  provider {provider}\n  customer {customer}\n  use      {}\n}}\n",
            quote(&service.name),
            service.model.as_str(),
            baseline_id(service.model),
        ));
        service_ids.push(id);
    }
    for (service, id) in plan.services.iter().zip(&service_ids) {
        out.push_str(&format!(
            "\n// ── Cloud controls of `{id}` ──\n\
             // REVIEW: each duty below is {}'s as it stands; a duty here with the same id\n\
             // replaces the baseline's for `{id}` only. Change who holds which letter where the\n\
             // contract says otherwise, and add evidence the customer can ask for.\n",
            baseline_id(service.model),
        ));
        for block in cloud_blocks(service.model) {
            let (head, body) = block.split_once(" {").expect("a block has a body");
            out.push('\n');
            out.push_str(&format!("{head} for {id} {{{body}\n"));
        }
    }
    out
}

/// What `srmc init` was given on the command line: what is `None` (or empty) is asked on a
/// terminal, else defaulted.
#[derive(Debug)]
pub(crate) struct Given {
    pub title: Option<String>,
    pub provider: Option<String>,
    pub customer: Option<String>,
    pub services: Vec<ServiceSpec>,
    /// Where to write; `-` for standard output.
    pub output: std::path::PathBuf,
}

/// Asks on the terminal for one answer, `default` when the answer is empty.
fn ask(question: &str, default: &str) -> std::io::Result<String> {
    use std::io::{BufRead, Write};
    let mut stderr = std::io::stderr().lock();
    write!(stderr, "{question} [{default}]: ")?;
    stderr.flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "standard input closed before every question was answered",
        ));
    }
    let answer = line.trim();
    Ok(if answer.is_empty() { default } else { answer }.to_owned())
}

/// The plan from the flags, the terminal asked for what they leave out when `interactive`.
fn plan(args: Given, interactive: bool) -> Result<Plan, String> {
    let asked = |given: Option<String>, question: &str, default: &str| match given {
        Some(value) => Ok(value),
        None if interactive => ask(question, default).map_err(|error| error.to_string()),
        None => Ok(default.to_owned()),
    };
    let title = asked(args.title, "Title of the matrix", DEFAULT_TITLE)?;
    let provider = asked(
        args.provider,
        "Provider (the cloud service's seller)",
        DEFAULT_PROVIDER,
    )?;
    let customer = asked(
        args.customer,
        "Customer (who buys the service)",
        DEFAULT_CUSTOMER,
    )?;
    let mut services = args.services;
    while services.is_empty() {
        let answer = asked(
            None,
            "Services, as NAME:MODEL separated by commas (models: iaas, paas, saas)",
            DEFAULT_SERVICE,
        )?;
        match answer.split(',').map(ServiceSpec::parse).collect() {
            Ok(parsed) => services = parsed,
            Err(error) if interactive => eprintln!("{error}"),
            Err(error) => return Err(error),
        }
    }
    Ok(Plan {
        title,
        provider,
        customer,
        services,
        effective: today(),
    })
}

pub(crate) fn run(args: Given) -> std::process::ExitCode {
    use std::io::IsTerminal;
    let fail = |message: String| {
        eprintln!("error: {message}");
        std::process::ExitCode::from(2)
    };
    let output = args.output.clone();
    let to_stdout = output.as_os_str() == crate::files::STDIO;
    // Checked before any question is asked: an answer given for nothing wastes the user's time.
    if !to_stdout && std::fs::symlink_metadata(&output).is_ok() {
        return fail(format!(
            "`{}` exists; srmc init never overwrites a file: choose another path with -o",
            output.display()
        ));
    }
    let plan = match plan(args, std::io::stdin().is_terminal()) {
        Ok(plan) => plan,
        Err(error) => return fail(error),
    };
    let text = render(&plan);
    if to_stdout {
        print!("{text}");
        return std::process::ExitCode::SUCCESS;
    }
    match crate::files::write_whole(&output, &text) {
        Ok(()) => {
            eprintln!(
                "wrote {}; review the lines marked REVIEW, then run `srmc check {}`",
                output.display(),
                output.display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => fail(format!(
            "cannot write `{}`: {}",
            output.display(),
            crate::files::io_reason(&error)
        )),
    }
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_788), (2026, 12, 1));
    }

    #[test]
    fn identifiers_are_what_the_grammar_accepts() {
        assert_eq!(identifier("Nimbus Cloud GmbH", "provider"), "nimbus");
        assert_eq!(identifier("3D Print Co", "service"), "service-3d");
        assert_eq!(identifier("Ünïcode", "customer"), "ncode");
        assert_eq!(identifier("!!!", "customer"), "customer");
        assert_eq!(identifier("claims-db", "service"), "claims-db");
    }
}
