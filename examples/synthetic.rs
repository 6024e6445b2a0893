//! Writes a synthetic matrix of a chosen size to stdout, for timing srmc at scale.
//!
//! ```sh
//! cargo run --release --example synthetic -- 100 3 1.0 > /tmp/big.srm
//! ```
//! Arguments: services (default 100), duties per pair (3), share of (service, control) pairs
//! that get their own service-specific block replacing the matrix-wide duties (0.0–1.0, default
//! 1.0: every pair written out). Controls are the 121 of the built-in `iso27017` catalog.

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
    std::io::stdout()
        .write_all(srmc::synthetic::matrix(services, duties, share).as_bytes())
        .expect("write stdout");
}
