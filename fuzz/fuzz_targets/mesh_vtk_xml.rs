#![no_main]
//! The VtkXml reader, and the repair path, on arbitrary bytes.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::let_vtkio_panics_be_caught();
    common::read_all_ways(geoflow::io::mesh::MeshFormat::VtkXml, data);
});
