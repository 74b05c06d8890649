//! Tests of mesh file input and output (`geoflow::io::mesh`): every format read from small
//! hand-written files, round trips bit for bit, the corpus of broken files with their exact
//! errors, and property tests that no reader panics on random or mutated input.

#[path = "mesh_io/broken.rs"]
mod broken;
#[path = "mesh_io/fields.rs"]
mod fields;
#[path = "mesh_io/formats.rs"]
mod formats;
#[path = "mesh_io/fuzz.rs"]
mod fuzz;
#[path = "mesh_io/input.rs"]
mod input;
#[path = "mesh_io/roundtrip.rs"]
mod roundtrip;

use std::path::{Path, PathBuf};

use geoflow::io::mesh::read_mesh;
use geoflow::mesh::TriMesh;
use nalgebra::Vector3;

/// `tests/mesh_io/data/<name>`: valid sample files.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/mesh_io/data")
        .join(name)
}

/// Write `bytes` to `dir/name` and return the path.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Read a mesh that must be valid.
pub fn read_ok(path: &Path) -> (TriMesh, Vec<String>) {
    read_mesh(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The error message of reading a mesh that must be invalid.
pub fn read_err(path: &Path) -> String {
    match read_mesh(path) {
        Ok((m, w)) => panic!(
            "{}: read {} vertices, {} faces ({w:?}), expected an error",
            path.display(),
            m.positions.len(),
            m.faces.len()
        ),
        Err(e) => e.to_string(),
    }
}

/// The unit tetrahedron with outward faces.
pub fn tetra() -> TriMesh {
    TriMesh::new(
        vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ],
        vec![[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]],
    )
}

/// Faces as sets of rotations-normalised triples (smallest index first, winding kept), sorted,
/// so meshes that differ only in face order and starting corner compare equal.
pub fn canonical_faces(faces: &[[usize; 3]]) -> Vec<[usize; 3]> {
    let mut out: Vec<[usize; 3]> = faces
        .iter()
        .map(|&[a, b, c]| {
            if a < b && a < c {
                [a, b, c]
            } else if b < a && b < c {
                [b, c, a]
            } else {
                [c, a, b]
            }
        })
        .collect();
    out.sort();
    out
}

/// Bitwise equality of positions.
pub fn assert_positions_bits_eq(got: &[[f64; 3]], want: &[[f64; 3]]) {
    assert_eq!(got.len(), want.len(), "vertex count");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        for d in 0..3 {
            assert_eq!(
                g[d].to_bits(),
                w[d].to_bits(),
                "vertex {k} coordinate {d}: got {:?}, want {:?}",
                g[d],
                w[d]
            );
        }
    }
}

/// Area vector (half the cross product) of a triangle.
pub fn area_vector(p: [[f64; 3]; 3]) -> Vector3<f64> {
    let [a, b, c] = p.map(Vector3::from);
    0.5 * (b - a).cross(&(c - a))
}
