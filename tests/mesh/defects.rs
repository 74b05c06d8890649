//! Every `MeshDefect` variant, triggered by a small hand-made mesh, with its exact message.

use crate::mesh;
use geoflow::mesh::topology::{edges, validate, MeshDefect};

/// Four points of a unit square in `z = 0`, plus a fifth above its centre.
const P: [[f64; 3]; 5] = [
    [0.0, 0.0, 0.0],
    [1.0, 0.0, 0.0],
    [1.0, 1.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.5, 0.5, 1.0],
];

fn check(m: &geoflow::mesh::TriMesh, want: MeshDefect, message: &str) {
    let got = validate(m).unwrap_err();
    assert_eq!(got, want);
    assert_eq!(got.to_string(), message);
}

#[test]
fn valid_square_passes() {
    assert_eq!(validate(&mesh(&P, &[[0, 1, 2], [0, 2, 3]])), Ok(()));
}

#[test]
fn index_out_of_range() {
    let m = mesh(&P, &[[0, 1, 2], [0, 2, 3], [3, 9, 0]]);
    check(
        &m,
        MeshDefect::IndexOutOfRange {
            face: 2,
            index: 9,
            vertices: 5,
        },
        "face 2: vertex index 9 is out of range (the mesh has 5 vertices)",
    );
    assert!(matches!(
        edges(&m),
        Err(MeshDefect::IndexOutOfRange { face: 2, .. })
    ));
}

#[test]
fn repeated_vertex() {
    let m = mesh(&P, &[[0, 1, 2], [0, 2, 3], [1, 2, 3], [4, 3, 3]]);
    check(
        &m,
        MeshDefect::RepeatedVertex { face: 3, vertex: 3 },
        "face 3: vertex 3 used twice",
    );
    assert!(matches!(
        edges(&m),
        Err(MeshDefect::RepeatedVertex { face: 3, .. })
    ));
}

#[test]
fn degenerate_face() {
    // Vertex 5 is the midpoint of 0-1: face 1 has zero area.
    let mut p = P.to_vec();
    p.push([0.5, 0.0, 0.0]);
    let m = mesh(&p, &[[0, 1, 2], [0, 5, 1]]);
    check(
        &m,
        MeshDefect::DegenerateFace { face: 1, area: 0.0 },
        "face 1: degenerate (area 0e0)",
    );
    // A tiny but relatively non-negligible face is fine: area 1e-10 vs diagonal² 3.
    p[5] = [0.5, 2e-10, 0.0];
    assert_eq!(validate(&mesh(&p, &[[0, 1, 5]])), Ok(()));
    // Below 1e-14 × diagonal² it is degenerate.
    p[5] = [0.5, 1e-15, 0.0];
    assert!(matches!(
        validate(&mesh(&p, &[[0, 1, 2], [0, 1, 5]])),
        Err(MeshDefect::DegenerateFace { face: 1, .. })
    ));
}

#[test]
fn non_manifold_edge() {
    // Edge (0, 2) is used by three faces.
    let m = mesh(&P, &[[0, 1, 2], [0, 2, 3], [2, 0, 4]]);
    check(
        &m,
        MeshDefect::NonManifoldEdge {
            a: 0,
            b: 2,
            faces: 3,
        },
        "edge (0, 2) is shared by 3 faces (non-manifold)",
    );
    assert_eq!(edges(&m).unwrap_err(), validate(&m).unwrap_err());
}

#[test]
fn non_manifold_vertex() {
    // Two triangles touching only at vertex 4 (a bowtie).
    let p = [
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [-1.0, 0.0, 0.0],
        [0.0, -1.0, 0.0],
    ];
    let m = mesh(&p, &[[1, 2, 0], [3, 4, 0]]);
    check(
        &m,
        MeshDefect::NonManifoldVertex { vertex: 0 },
        "vertex 0: its faces form more than one fan (non-manifold)",
    );
    // Two tetrahedra sharing a vertex: every edge manifold, vertex 3 is not.
    let q = [
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [1.0, 0.0, 2.0],
        [0.0, 1.0, 2.0],
        [0.0, 0.0, 2.0],
    ];
    let tets = mesh(
        &q,
        &[
            [0, 2, 1],
            [0, 1, 3],
            [1, 2, 3],
            [2, 0, 3],
            [6, 4, 5],
            [6, 3, 4],
            [4, 3, 5],
            [5, 3, 6],
        ],
    );
    check(
        &tets,
        MeshDefect::NonManifoldVertex { vertex: 3 },
        "vertex 3: its faces form more than one fan (non-manifold)",
    );
}

#[test]
fn inconsistent_orientation() {
    let m = mesh(&P, &[[0, 1, 2], [1, 4, 2], [0, 2, 4], [0, 4, 1]]);
    // Face 0 goes 1 -> 2, face 1 goes 2 -> 1: fine. Face 0 goes 2 -> 0 and face 2 goes 0 -> 2:
    // fine. Face 0 goes 0 -> 1, face 3 goes 1 -> 0: fine. Face 1 goes 1 -> 4, face 3 goes 4 -> 1:
    // fine; face 1 goes 4 -> 2 and face 2 goes 2 -> 4: fine. A closed tetrahedron.
    assert_eq!(validate(&m), Ok(()));
    // Flip face 2: it now goes 0 -> 4 -> 2, i.e. 4 -> 2 like face 1, and 2 -> 0 like face 0.
    let flipped = mesh(&P, &[[0, 1, 2], [1, 4, 2], [0, 4, 2], [0, 4, 1]]);
    check(
        &flipped,
        MeshDefect::InconsistentOrientation {
            face_a: 0,
            face_b: 2,
            a: 2,
            b: 0,
        },
        "faces 0 and 2 both traverse edge 2 -> 0 (inconsistent orientation)",
    );
}

#[test]
fn non_finite() {
    let mut p = P.to_vec();
    p[3][1] = f64::NAN;
    p[4][2] = f64::INFINITY;
    check(
        &mesh(&p, &[[0, 1, 2]]),
        MeshDefect::NonFinite { vertex: 3 },
        "vertex 3: non-finite coordinate",
    );
}

#[test]
fn checks_run_in_the_documented_order() {
    // Every defect at once: the non-finite position wins, then the index, then the repeat, ...
    let mut p = P.to_vec();
    p.push([0.5, 0.0, 0.0]); // 5: on edge 0-1
    let faces = [
        [0, 1, 2], // 0
        [0, 2, 3], // 1
        [2, 0, 4], // 2: third face on (0, 2)
        [0, 5, 1], // 3: degenerate
        [1, 1, 3], // 4: repeated
        [0, 7, 1], // 5: out of range
    ];
    let mut m = mesh(&p, &faces);
    m.positions[4][0] = f64::NAN;
    assert!(matches!(
        validate(&m),
        Err(MeshDefect::NonFinite { vertex: 4 })
    ));
    m.positions[4][0] = 0.5;
    assert!(matches!(
        validate(&m),
        Err(MeshDefect::IndexOutOfRange { face: 5, .. })
    ));
    m.faces.pop();
    assert!(matches!(
        validate(&m),
        Err(MeshDefect::RepeatedVertex { face: 4, .. })
    ));
    m.faces.pop();
    assert!(matches!(
        validate(&m),
        Err(MeshDefect::DegenerateFace { face: 3, .. })
    ));
    m.faces.pop();
    assert!(matches!(
        validate(&m),
        Err(MeshDefect::NonManifoldEdge { a: 0, b: 2, .. })
    ));
}

#[test]
fn lowest_index_is_reported() {
    let m = mesh(&P, &[[0, 1, 2], [3, 3, 1], [2, 2, 0]]);
    assert_eq!(
        validate(&m),
        Err(MeshDefect::RepeatedVertex { face: 1, vertex: 3 })
    );
    let m = mesh(&P, &[[0, 1, 2], [0, 8, 1], [0, 6, 1]]);
    assert!(matches!(
        validate(&m),
        Err(MeshDefect::IndexOutOfRange {
            face: 1,
            index: 8,
            ..
        })
    ));
}
