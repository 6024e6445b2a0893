#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let compilation = common::compile("check.srm", data);
    let _ = srmc::diagnostics::render_json(&compilation.diagnostics, &compilation.sources);
    let _ = srmc::diagnostics::render_human(&compilation.diagnostics, &compilation.sources, false);
});
