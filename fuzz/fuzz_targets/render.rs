#![no_main]

use libfuzzer_sys::fuzz_target;
use srmc::render::{render, render_to, Format, RenderError, NO_PDF};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let compilation = common::compile("render.srm", data);
    if compilation.checked.is_some() {
        for format in Format::ALL.into_iter().chain([Format::DotDetail]) {
            if !format.is_binary() {
                render(&compilation, format, None).expect("built-in templates render");
                continue;
            }
            // Bytes are written to a writer; `render` refuses them by design.
            match render_to(&compilation, format, None, &mut Vec::new()) {
                Ok(_) => {}
                // The fuzz crate takes srmc without its default features: no typesetter.
                Err(RenderError::Rendering(message)) if format == Format::Pdf && message == NO_PDF => {}
                Err(error) => panic!("{} does not render: {error}", format.name()),
            }
        }
    }
});
