#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = srmc::syntax::parse(srmc::source::FileId(0), &text);
    let _ = srmc::format::format_source(&text);
});
