#![no_main]
//! The Off reader, and the repair path, on arbitrary bytes.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::read_all_ways(geoflow::io::mesh::MeshFormat::Off, data);
});
