#![no_main]
//! The Obj reader, and the repair path, on arbitrary bytes.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::read_all_ways(geoflow::io::mesh::MeshFormat::Obj, data);
});
