//! Edges, boundary loops, components, genus, orientability and vertex renumbering.

use crate::mesh;
use geoflow::mesh::shapes::{disk, icosphere, square, torus};
use geoflow::mesh::topology::*;
use geoflow::mesh::TriMesh;

#[test]
fn edges_of_two_triangles() {
    // 3 --- 2
    // |   / |
    // | /   |
    // 0 --- 1
    let m = mesh(
        &[
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.0, 1.0, 0.0],
        ],
        &[[0, 1, 2], [0, 2, 3]],
    );
    let e = edges(&m).unwrap();
    assert_eq!(e.vertices, vec![[0, 1], [0, 2], [0, 3], [1, 2], [2, 3]]);
    assert_eq!(
        e.faces,
        vec![
            [0, NO_FACE],
            [0, 1],
            [1, NO_FACE],
            [0, NO_FACE],
            [1, NO_FACE]
        ]
    );
    // Edge opposite corner k: face 0 = [0, 1, 2] -> (1,2), (2,0), (0,1).
    assert_eq!(e.face_edges, vec![[3, 1, 0], [4, 2, 1]]);
    assert_eq!(e.len(), 5);
    assert!(e.is_boundary(0) && !e.is_boundary(1));
    assert_eq!(euler_characteristic(&m, &e), 1);
    assert_eq!(boundary_loops(&m, &e), vec![vec![0, 1, 2, 3]]);
    assert_eq!(genus(&m, &e), Some(0));
    assert_eq!(vertex_fan_counts(&m, &e), vec![1, 1, 1, 1]);
}

#[test]
fn face_edges_are_consistent() {
    let m = torus(7, 5, 2.0, 0.5);
    let e = edges(&m).unwrap();
    for (f, face) in m.faces.iter().enumerate() {
        for k in 0..3 {
            let ed = e.face_edges[f][k];
            let (a, b) = (face[(k + 1) % 3], face[(k + 2) % 3]);
            assert_eq!(e.vertices[ed], [a.min(b), a.max(b)]);
            assert!(e.faces[ed].contains(&f));
        }
    }
    assert!(e.vertices.windows(2).all(|w| w[0] < w[1]));
    assert!(e.faces.iter().all(|f| f[0] < f[1]));
}

#[test]
fn boundary_loops_follow_the_faces() {
    // A square with a square hole (an annulus): outer loop counter-clockwise, inner clockwise.
    let m = square(3, [0.0, 3.0], [0.0, 3.0]);
    let mut holed = m.clone();
    holed
        .faces
        .retain(|f| !f.iter().all(|&v| [5, 6, 9, 10].contains(&v)));
    assert_eq!(holed.faces.len(), m.faces.len() - 2);
    let e = edges(&holed).unwrap();
    let loops = boundary_loops(&holed, &e);
    assert_eq!(loops.len(), 2);
    assert_eq!(loops[0], vec![0, 1, 2, 3, 7, 11, 15, 14, 13, 12, 8, 4]);
    // The hole 5-6-10-9 runs clockwise (the surface on its left).
    let mut inner = loops[1].clone();
    let r = inner.iter().position(|&v| v == 5).unwrap();
    inner.rotate_left(r);
    assert_eq!(inner, vec![5, 9, 10, 6]);
    assert_eq!(euler_characteristic(&holed, &e), 0);
    assert_eq!(genus(&holed, &e), Some(0));
}

#[test]
fn closed_meshes_have_no_boundary() {
    let m = icosphere(2, 1.0);
    let e = edges(&m).unwrap();
    assert!(boundary_loops(&m, &e).is_empty());
    assert!((0..e.len()).all(|i| !e.is_boundary(i)));
}

#[test]
fn components_and_genus_of_disjoint_union() {
    let a = icosphere(1, 1.0);
    let b = torus(8, 6, 3.0, 1.0);
    let mut m = a.clone();
    let off = m.vertices();
    m.positions
        .extend(b.positions.iter().map(|p| [p[0] + 10.0, p[1], p[2]]));
    m.faces.extend(b.faces.iter().map(|f| f.map(|v| v + off)));
    assert_eq!(validate(&m), Ok(()));
    assert_eq!(components(&m), 2);
    let e = edges(&m).unwrap();
    assert_eq!(euler_characteristic(&m, &e), 2);
    assert_eq!(genus(&m, &e), None);
    assert_eq!(components(&disk(3, 1.0)), 1);
    assert_eq!(components(&TriMesh::default()), 0);
}

#[test]
fn genus_of_tori_and_a_double_torus() {
    for (n, m_) in [(3, 3), (5, 4), (20, 10)] {
        let t = torus(n, m_, 1.0, 0.3);
        let e = edges(&t).unwrap();
        assert_eq!(genus(&t, &e), Some(1));
    }
    // Connected sum of two tori: drop a face from each and join the triangular holes by a band.
    let mut a = torus(8, 6, 1.0, 0.3);
    a.faces.remove(0);
    let b = torus(8, 6, 1.0, 0.3);
    let off = a.vertices();
    a.positions
        .extend(b.positions.iter().map(|p| [p[0] + 5.0, p[1], p[2]]));
    a.faces
        .extend(b.faces[1..].iter().map(|f| f.map(|v| v + off)));
    let e = edges(&a).unwrap();
    let loops = boundary_loops(&a, &e);
    assert_eq!(loops.len(), 2);
    let (la, lb) = (&loops[0], &loops[1]);
    for i in 0..3 {
        // The band traverses each hole edge against the hole's own direction.
        let (a0, a1) = (la[i], la[(i + 1) % 3]);
        let (b0, b1) = (lb[(3 - i) % 3], lb[(5 - i) % 3]);
        a.faces.push([a1, a0, b0]);
        a.faces.push([a1, b0, b1]);
    }
    assert_eq!(validate(&a), Ok(()));
    let e = edges(&a).unwrap();
    assert_eq!(components(&a), 1);
    assert!(boundary_loops(&a, &e).is_empty());
    assert_eq!(euler_characteristic(&a, &e), -2);
    assert_eq!(genus(&a, &e), Some(2));
}

/// A Möbius strip: `n` quads around a circle, the last one glued with a half twist.
fn moebius(n: usize) -> TriMesh {
    let mut positions = Vec::new();
    for i in 0..n {
        let u = std::f64::consts::TAU * i as f64 / n as f64;
        for s in [-0.3, 0.3] {
            let r = 1.0 + s * (u / 2.0).cos();
            positions.push([r * u.cos(), r * u.sin(), s * (u / 2.0).sin()]);
        }
    }
    let mut faces = Vec::new();
    for i in 0..n {
        let (a, b) = (2 * i, 2 * i + 1);
        let (c, d) = if i + 1 < n {
            (2 * i + 2, 2 * i + 3)
        } else {
            (1, 0) // half twist
        };
        faces.push([a, c, d]);
        faces.push([a, d, b]);
    }
    TriMesh::new(positions, faces)
}

#[test]
fn moebius_strip_is_not_orientable() {
    let m = moebius(12);
    let e = edges(&m).unwrap();
    assert!(!is_orientable(&m, &e));
    assert!(!is_consistently_oriented(&m, &e));
    assert!(matches!(
        validate(&m),
        Err(MeshDefect::InconsistentOrientation { .. })
    ));
    assert_eq!(euler_characteristic(&m, &e), 0);
    assert_eq!(boundary_loops(&m, &e).len(), 1);
    assert_eq!(boundary_loops(&m, &e)[0].len(), 24);
    assert_eq!(genus(&m, &e), None);
}

#[test]
fn flipped_face_is_orientable_but_inconsistent() {
    let mut m = icosphere(1, 1.0);
    m.faces[7].swap(1, 2);
    let e = edges(&m).unwrap();
    assert!(is_orientable(&m, &e));
    assert!(!is_consistently_oriented(&m, &e));
    let conflict = orientation_conflict(&m, &e).unwrap();
    assert!(matches!(
        conflict,
        MeshDefect::InconsistentOrientation { face_b: 7, .. }
            | MeshDefect::InconsistentOrientation { face_a: 7, .. }
    ));
    assert_eq!(genus(&m, &e), Some(0));
}

#[test]
fn unreferenced_vertices_are_removed_and_faces_renumbered() {
    let p: Vec<[f64; 3]> = (0..7).map(|i| [i as f64, (i * i) as f64, 0.0]).collect();
    let mut m = mesh(&p, &[[1, 3, 4], [3, 6, 4]]);
    assert_eq!(unreferenced_vertices(&m), vec![0, 2, 5]);
    assert_eq!(referenced_vertex_count(&m), 4);
    let before: Vec<[[f64; 3]; 3]> = m.faces.iter().map(|f| f.map(|v| m.positions[v])).collect();
    assert_eq!(remove_unreferenced(&mut m), 3);
    assert_eq!(m.positions, vec![p[1], p[3], p[4], p[6]]);
    assert_eq!(m.faces, vec![[0, 1, 2], [1, 3, 2]]);
    let after: Vec<[[f64; 3]; 3]> = m.faces.iter().map(|f| f.map(|v| m.positions[v])).collect();
    assert_eq!(before, after);
    assert!(unreferenced_vertices(&m).is_empty());
    assert_eq!(remove_unreferenced(&mut m), 0);
    // Unreferenced vertices do not make a mesh invalid, nor change χ.
    let mut s = square(2, [0.0, 1.0], [0.0, 1.0]);
    s.positions.push([5.0, 5.0, 5.0]);
    assert_eq!(validate(&s), Ok(()));
    let e = edges(&s).unwrap();
    assert_eq!(euler_characteristic(&s, &e), 1);
}

#[test]
fn fan_counts() {
    let ico = icosphere(1, 1.0);
    let e = edges(&ico).unwrap();
    assert!(vertex_fan_counts(&ico, &e).iter().all(|&c| c == 1));
    let mut bow = mesh(
        &[
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [-1.0, 0.0, 0.0],
            [0.0, -1.0, 0.0],
            [9.0, 9.0, 9.0],
        ],
        &[[0, 1, 2], [0, 3, 4]],
    );
    let e = edges(&bow).unwrap();
    assert_eq!(vertex_fan_counts(&bow, &e), vec![2, 1, 1, 1, 1, 0]);
    assert_eq!(genus(&bow, &e), None);
    // Both fans' boundaries pass through vertex 0: the walk finds two loops.
    assert_eq!(boundary_loops(&bow, &e).len(), 2);
    bow.faces.push([0, 2, 3]);
    let e = edges(&bow).unwrap();
    assert_eq!(vertex_fan_counts(&bow, &e)[0], 1);
}

#[test]
fn bounding_box_and_degenerate_faces() {
    let m = square(2, [-1.0, 3.0], [2.0, 4.0]);
    assert_eq!(bounding_box(&m), [[-1.0, 2.0, 0.0], [3.0, 4.0, 0.0]]);
    assert!(degenerate_faces(&m).is_empty());
    assert_eq!(bounding_box(&TriMesh::default()), [[0.0; 3]; 2]);
}
