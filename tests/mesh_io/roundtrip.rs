//! Write OBJ and PLY, read back: positions bit for bit, faces identical.

use geoflow::io::mesh::{read_mesh, write_mesh};
use geoflow::mesh::TriMesh;
use proptest::prelude::*;

use super::{assert_positions_bits_eq, tetra};

/// A closed octahedron with awkward coordinates: `scale` times values with long mantissas.
/// (Scales beyond about 1e±75 would make face areas under- or overflow in the degenerate-face
/// check, which squares lengths twice.)
fn octahedron(scale: f64, jitter: [f64; 6]) -> TriMesh {
    let mut positions = vec![
        [1.0, 0.0, 0.0],
        [-1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, -1.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 0.0, -1.0],
    ];
    for (p, j) in positions.iter_mut().zip(jitter) {
        for c in p.iter_mut() {
            *c = (*c * (1.0 + j) + j * 0.1) * scale;
        }
    }
    let faces = vec![
        [0, 2, 4],
        [2, 1, 4],
        [1, 3, 4],
        [3, 0, 4],
        [2, 0, 5],
        [1, 2, 5],
        [3, 1, 5],
        [0, 3, 5],
    ];
    TriMesh::new(positions, faces)
}

fn round_trip(mesh: &TriMesh) {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["obj", "ply", "OBJ"] {
        let path = dir.path().join(format!("mesh.{ext}"));
        write_mesh(&path, mesh).unwrap();
        let (back, warnings) = read_mesh(&path).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert!(warnings.is_empty(), "{ext}: {warnings:?}");
        assert_positions_bits_eq(&back.positions, &mesh.positions);
        assert_eq!(back.faces, mesh.faces, "{ext}");
    }
    // Nothing but the written files is left (the temporary files were renamed).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["mesh.OBJ", "mesh.obj", "mesh.ply"]);
}

#[test]
fn round_trip_at_extreme_scales_and_signed_zero() {
    let jitter = [
        0.1,
        1.0 / 3.0,
        -0.2718281828,
        0.0,
        1e-9,
        std::f64::consts::PI / 10.0,
    ];
    for scale in [1e-60, 1e-7, 1.0, 3.0e8, 1e60] {
        round_trip(&octahedron(scale, jitter));
    }
    let mut m = tetra();
    m.positions[0] = [-0.0, 0.0, -0.0];
    round_trip(&m);
}

#[test]
fn writer_refuses_invalid_meshes_and_unknown_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = tetra();
    m.positions[2][1] = f64::NAN;
    let err = write_mesh(&dir.path().join("nan.obj"), &m).unwrap_err();
    assert!(
        err.to_string().contains("vertex 2: non-finite coordinate"),
        "{err}"
    );
    let mut m = tetra();
    m.faces[3][2] = 4;
    let err = write_mesh(&dir.path().join("range.ply"), &m).unwrap_err();
    assert!(
        err.to_string()
            .contains("face 3: vertex index out of range"),
        "{err}"
    );
    let err = write_mesh(&dir.path().join("mesh.stl"), &tetra()).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot write meshes as `.stl`: expected one of .obj .ply"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn writing_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.ply");
    std::fs::write(&path, b"old contents").unwrap();
    write_mesh(&path, &tetra()).unwrap();
    assert_eq!(read_mesh(&path).unwrap().0, tetra());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random coordinates of random magnitude survive both writers bit for bit.
    #[test]
    fn round_trip_random_coordinates(
        jitter in prop::array::uniform6(-0.45f64..0.45),
        exp in -60i32..60,
    ) {
        round_trip(&octahedron(10f64.powi(exp), jitter));
    }
}
