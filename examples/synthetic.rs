//! Writes a synthetic matrix of a chosen size to stdout, for timing srmc at scale.
//!
//! ```sh
//! cargo run --release --example synthetic -- 100 3 1.0 > /tmp/big.srm
//! ```
//! Arguments: services (default 100), duties per pair (3), share of (service, control) pairs
//! that get their own service-specific block replacing the matrix-wide duties (0.0–1.0, default
//! 1.0: every pair written out). Controls are the 121 of the built-in `iso27017` catalog.

use std::fmt::Write as _;
use std::io::Write as _;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let services: usize = args.first().map_or(100, |a| a.parse().expect("services"));
    let duties: usize = args
        .get(1)
        .map_or(3, |a| a.parse().expect("duties per pair"));
    let share: f64 = args
        .get(2)
        .map_or(1.0, |a| a.parse().expect("override share"));

    let mut sources = srmc::source::Sources::new();
    let (_, catalog) = srmc::catalog::builtin("iso27017")
        .expect("built-in catalog")
        .load(&mut sources);
    let controls: Vec<&str> = catalog
        .controls
        .iter()
        .map(|c| c.id.value.as_str())
        .collect();

    let mut out = String::new();
    out.push_str(
        "matrix \"Synthetic matrix\" {\n  version   \"1.0.0\"\n  effective 2026-12-01\n  catalog   iso27017\n}\n\n",
    );
    out.push_str("party csp provider \"Provider Ltd\"\nparty csc customer \"Customer plc\"\nparty audit partner \"Audit LLP\"\n\n");
    for s in 0..services {
        let _ = writeln!(
            out,
            "service svc{s} \"Service {s}\" {{\n  model    {}\n  provider csp\n  region   \"eu-west-1\"\n}}\n",
            ["iaas", "paas", "saas"][s % 3]
        );
    }
    let duty_block = |out: &mut String, control: &str, who: &str| {
        // The cloud controls on VMs and virtual networks are out of a SaaS customer's reach
        // (W304): the provider answers for them in every service here.
        let provider_only = matches!(control, "CLD.9.5.2" | "CLD.13.1.4");
        for d in 0..duties {
            let accountable = if d % 2 == 0 || provider_only {
                "provider"
            } else {
                "customer"
            };
            let other = if accountable == "provider" {
                "customer"
            } else {
                "provider"
            };
            let _ = writeln!(
                out,
                "  duty d{d} \"{who} duty {d} for {control}\" {{\n    {accountable}: R A\n    {other}: C\n    audit: I\n    note \"Synthetic note {d}\"\n  }}"
            );
        }
    };
    for control in &controls {
        let _ = writeln!(out, "control {control} {{");
        duty_block(&mut out, control, "Matrix-wide");
        out.push_str("}\n");
    }
    // A simple deterministic spread of overrides over the pairs.
    let total = services * controls.len();
    let overrides = (share * total as f64).round() as usize;
    for pair in 0..overrides {
        let pair = pair * total / overrides.max(1);
        let (service, control) = (pair / controls.len(), controls[pair % controls.len()]);
        let _ = writeln!(out, "control {control} for svc{service} {{");
        duty_block(&mut out, control, "Service-specific");
        out.push_str("}\n");
    }
    std::io::stdout()
        .write_all(out.as_bytes())
        .expect("write stdout");
}
