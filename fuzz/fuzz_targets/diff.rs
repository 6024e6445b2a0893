#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // Two versions, split at the first 0xFF (which no UTF-8 text holds).
    let at = data.iter().position(|&b| b == 0xFF).unwrap_or(data.len() / 2);
    let (old, new) = (&data[..at], data.get(at + 1..).unwrap_or_default());
    let old = common::compile("old.srm", old);
    let new = common::compile("new.srm", new);
    if let Some(diff) = srmc::diff::diff(&old, "old", &new, "new") {
        let _ = srmc::render::diff::json(&diff);
        srmc::render::diff::markdown(&diff, None).expect("built-in templates render");
        srmc::render::diff::html(&diff, None).expect("built-in templates render");
    }
    if let Some(same) = srmc::diff::diff(&new, "new", &new, "new") {
        assert!(same.is_empty(), "a matrix differs from itself: {:?}", same.changes);
    }
});
