//! The mesh summary: values on known shapes, and no panic on broken input.

use crate::mesh;
use geoflow::mesh::info::mesh_info;
use geoflow::mesh::shapes::{disk, icosphere, torus};
use geoflow::mesh::topology::MeshDefect;
use geoflow::mesh::TriMesh;
use std::f64::consts::PI;

#[test]
fn icosphere_info() {
    let info = mesh_info(&icosphere(3, 1.0));
    assert_eq!(info.vertices, 642);
    assert_eq!(info.unreferenced_vertices, 0);
    assert_eq!(info.edges, 1920);
    assert_eq!(info.faces, 1280);
    assert_eq!(info.degenerate_faces, 0);
    assert_eq!(info.components, 1);
    assert_eq!(info.boundary_loops, Some(0));
    assert_eq!(info.euler_characteristic, 2);
    assert_eq!(info.genus, Some(0));
    assert!(info.closed && info.oriented);
    assert_eq!(info.manifold, Ok(()));
    assert_eq!(info.valid, Ok(()));
    assert!(info.min_angle_deg > 50.0 && info.max_angle_deg < 75.0);
    assert!((info.area / (4.0 * PI) - 1.0).abs() < 0.02);
    assert!((info.volume.unwrap() / (4.0 / 3.0 * PI) - 1.0).abs() < 0.03);
    for d in 0..3 {
        assert!(info.bbox[0][d] >= -1.0 - 1e-12 && info.bbox[1][d] <= 1.0 + 1e-12);
    }
    let text = info.to_string();
    for needle in [
        "vertices              642 (0 unreferenced)",
        "edges                 1920",
        "faces                 1280 (0 degenerate)",
        "boundary loops        0 (closed)",
        "Euler characteristic  2",
        "genus                 0",
        "manifold              yes",
        "consistently oriented yes",
        "volume                4.",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
}

#[test]
fn open_and_toroidal_info() {
    let info = mesh_info(&disk(4, 1.0));
    assert_eq!(info.boundary_loops, Some(1));
    assert!(!info.closed && info.volume.is_none());
    assert_eq!(info.euler_characteristic, 1);
    assert!(info.to_string().contains("n/a (not closed and oriented)"));
    let info = mesh_info(&torus(12, 8, 1.0, 0.3));
    assert_eq!((info.euler_characteristic, info.genus), (0, Some(1)));
}

#[test]
fn broken_meshes_are_reported_not_panicked_on() {
    let p = [
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [1.0, 1.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.5, 0.5, 1.0],
    ];
    // Non-manifold edge (0, 2).
    let info = mesh_info(&mesh(&p, &[[0, 1, 2], [0, 2, 3], [2, 0, 4]]));
    assert_eq!(info.edges, 7);
    assert_eq!(info.boundary_loops, None);
    assert!(!info.closed && !info.oriented && info.genus.is_none());
    let err = info.manifold.clone().unwrap_err();
    assert_eq!(
        err,
        MeshDefect::NonManifoldEdge {
            a: 0,
            b: 2,
            faces: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "edge (0, 2) is shared by 3 faces (non-manifold)"
    );
    assert!(info
        .to_string()
        .contains("manifold              no: edge (0, 2)"));
    // Bowtie vertex.
    let info = mesh_info(&mesh(&p, &[[0, 1, 4], [2, 3, 4]]));
    assert_eq!(
        info.manifold,
        Err(MeshDefect::NonManifoldVertex { vertex: 4 })
    );
    assert_eq!(info.boundary_loops, Some(2));
    // Out-of-range index, repeated vertex, NaN position, empty mesh, degenerate face.
    let info = mesh_info(&mesh(&p, &[[0, 1, 2], [0, 2, 17]]));
    assert!(info.manifold.is_err() && info.valid.is_err());
    assert!((info.area - 0.5).abs() < 1e-15);
    let _ = mesh_info(&mesh(&p, &[[0, 1, 1], [0, 2, 3]])).to_string();
    let mut q = p;
    q[1][0] = f64::NAN;
    let info = mesh_info(&mesh(&q, &[[0, 1, 2]]));
    assert_eq!(info.valid, Err(MeshDefect::NonFinite { vertex: 1 }));
    let _ = info.to_string();
    let info = mesh_info(&TriMesh::default());
    assert!(info.min_angle_deg.is_nan());
    assert!(info.to_string().contains("corner angles         n/a"));
    let info = mesh_info(&mesh(&p, &[[0, 1, 2], [0, 2, 0]]));
    assert!(info.valid.is_err());
    let info = mesh_info(&mesh(
        &[[0.0; 3], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]],
        &[[0, 1, 2]],
    ));
    assert_eq!(info.degenerate_faces, 1);
    assert!(matches!(
        info.valid,
        Err(MeshDefect::DegenerateFace { face: 0, .. })
    ));
}
