#![no_main]

use libfuzzer_sys::fuzz_target;
use srmc::render::{render, Format};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let compilation = common::compile("render.srm", data);
    if compilation.checked.is_some() {
        for format in Format::ALL {
            render(&compilation, format, None).expect("built-in templates render");
        }
    }
});
