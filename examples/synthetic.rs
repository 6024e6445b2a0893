//! Writes a synthetic matrix of a chosen size to stdout, for timing srmc at scale.
//!
//! ```sh
//! cargo run --release --example synthetic -- 100 3 1.0 > /tmp/big.srm
//! ```
//! Arguments: services (default 100), duties per pair (3), share of (service, control) pairs
//! that get their own service-specific block replacing the matrix-wide duties (0.0–1.0, default
//! 1.0: every pair written out). Controls are the 121 of the built-in `iso27017` catalog.
//!
//! `cargo run --release --example synthetic -- customer DIR 20 10` writes a customer matrix on
//! 20 upstream matrices of 10 services each into DIR.

use std::io::Write as _;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `customer DIR UPSTREAMS SERVICES`: a customer matrix on that many upstream matrices,
    // written into DIR (customer.srm, vendor0.srm, …).
    if args.first().map(String::as_str) == Some("customer") {
        let dir = std::path::Path::new(args.get(1).expect("a directory"));
        let upstreams: usize = args.get(2).map_or(20, |a| a.parse().expect("upstreams"));
        let services: usize = args.get(3).map_or(10, |a| a.parse().expect("services"));
        let (customer, vendor) = srmc::synthetic::customer(upstreams, services);
        std::fs::create_dir_all(dir).expect("make the directory");
        for u in 0..upstreams {
            std::fs::write(dir.join(format!("vendor{u}.srm")), &vendor).expect("write");
        }
        std::fs::write(dir.join("customer.srm"), customer).expect("write");
        return;
    }
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
