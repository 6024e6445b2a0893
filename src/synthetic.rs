//! Synthetic matrices of a chosen size, for benchmarks and timing (`examples/synthetic.rs`,
//! `benches/`). Controls are the 121 of the built-in `iso27017` catalog.

use std::fmt::Write as _;

/// The cloud controls on VMs and virtual networks, out of a SaaS customer's reach (W304): the
/// provider answers for them alone in every synthetic service.
const PROVIDER_ONLY: [&str; 2] = ["CLD.9.5.2", "CLD.13.1.4"];

/// The ids of the built-in `iso27017` catalog, in its order.
fn iso27017_controls() -> Vec<String> {
    let mut sources = crate::source::Sources::new();
    let (_, catalog) = crate::catalog::builtin("iso27017")
        .expect("built-in catalog")
        .load(&mut sources);
    catalog.controls.into_iter().map(|c| c.id.value).collect()
}

/// A matrix of `services` services × 121 controls × `duties` duties per pair. Every control has
/// a matrix-wide block; a `share` (0.0–1.0) of the (service, control) pairs also gets its own
/// service-specific block that replaces it (1.0: every pair written out).
pub fn matrix(services: usize, duties: usize, share: f64) -> String {
    let controls = iso27017_controls();
    let controls: Vec<&str> = controls.iter().map(String::as_str).collect();

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
        let provider_only = PROVIDER_ONLY.contains(&control);
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
    out
}

/// A customer's matrix on `upstreams` provider matrices of `services` services each (each a
/// [`matrix`] of 3 duties per pair, every pair written out): the provider's odd duties are the
/// customer's to answer for, and the customer takes each of them up with a team of its own.
/// Returns the customer's matrix, which names the upstreams `vendorN.srm`, and the text of one
/// upstream (every upstream file holds the same).
pub fn customer(upstreams: usize, services: usize) -> (String, String) {
    let vendor = matrix(services, 3, 1.0);
    let controls = iso27017_controls();
    let controls: Vec<&str> = controls
        .iter()
        .map(String::as_str)
        .filter(|id| !PROVIDER_ONLY.contains(id))
        .collect();
    let mut out = String::new();
    out.push_str(
        "matrix \"Synthetic customer\" {\n  version   \"1.0.0\"\n  effective 2026-12-01\n  catalog   iso27017\n}\n\n",
    );
    for u in 0..upstreams {
        let _ = writeln!(out, "upstream v{u} \"vendor{u}.srm\" as csc");
    }
    out.push_str("\nparty csc customer \"Customer plc\"\nteam ops \"Operations\" of csc\nteam ciso \"Office of the CISO\" of csc\n\n");
    let services: Vec<String> = (0..services).map(|s| format!("svc{s}")).collect();
    for u in 0..upstreams {
        let targets: Vec<String> = services.iter().map(|s| format!("v{u}.{s}")).collect();
        let _ = writeln!(
            out,
            "control {} for {} {{\n  duty d1 {{\n    ops: R A\n    ciso: I\n  }}\n}}",
            controls.join(", "),
            targets.join(", ")
        );
    }
    (out, vendor)
}
