//! What every mesh target does with its input: read it as a mesh (with and without fields,
//! welding or not), and take `geoflow mesh repair`'s path (the unvalidated reader, then the
//! repair, whose result must be valid).

use std::path::Path;

use geoflow::io::mesh::{parse_mesh_opts, parse_mesh_unvalidated, MeshFormat, ReadOptions};
use geoflow::mesh::repair::{repair, RepairOptions};

pub fn read_all_ways(format: MeshFormat, data: &[u8]) {
    let path = Path::new("fuzz");
    for weld in [false, true] {
        for fields in [false, true] {
            let _ = parse_mesh_opts(path, format, data, ReadOptions { weld, fields });
        }
    }
    if let Ok((mesh, _)) = parse_mesh_unvalidated(path, format, data) {
        if mesh.faces.len() <= 100_000 {
            for weld_tolerance in [0.0, 0.01] {
                if let Ok((out, _)) = repair(&mesh, &RepairOptions { weld_tolerance }) {
                    assert_eq!(geoflow::mesh::topology::validate(&out), Ok(()));
                }
            }
        }
    }
}

/// vtkio panics on some malformed files and geoflow's reader catches that (`catch_unwind`, an
/// error), but libFuzzer's panic hook aborts first: let panics raised inside vtkio through to the
/// catch, and abort on every other.
#[allow(dead_code)] // used by the VTK XML target only
pub fn let_vtkio_panics_be_caught() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("vtkio")) {
                abort(info);
            }
        }));
    });
}
