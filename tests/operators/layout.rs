//! Layouts of flat metrics in the plane: a planar mesh is laid out congruently, a flat torus
//! periodically with the modulus of its lattice, and the third corner of a triangle is placed
//! where its lengths say.

use geoflow::geometry::layout::{
    corner_layout, first_triangle, planar_layout, torus_modulus, unfold_triangle, CornerLayout,
};
use geoflow::geometry::{corner_angles_from_lengths, face_edge_lengths};
use geoflow::mesh::shapes::disk;
use geoflow::mesh::topology::edges;
use geoflow::mesh::TriMesh;

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

#[test]
fn a_triangle_is_unfolded_with_its_lengths_and_angle_counter_clockwise() {
    let l = [3.0f64, 4.0, 5.0]; // opposite corners 0, 1, 2: a right angle at corner 2
    let angles = corner_angles_from_lengths(&[l]);
    let [a, b, c] = first_triangle(l, angles[0][0]);
    assert_eq!(a, [0.0, 0.0]);
    assert_eq!(b, [5.0, 0.0]);
    assert!((dist(b, c) - 3.0).abs() < 1e-14 && (dist(a, c) - 4.0).abs() < 1e-14);
    assert!(c[1] > 0.0, "counter-clockwise");
    // From the edge b → c, the third corner a at the angle of corner 1.
    let again = unfold_triangle(b, c, angles[0][1], l[2]);
    assert!(dist(again, a) < 1e-14, "{again:?}");
    let up = unfold_triangle([1.0, 1.0], [3.0, 1.0], 0.5 * std::f64::consts::PI, 2.0);
    assert!(dist(up, [1.0, 3.0]) < 1e-15, "{up:?}");
}

#[test]
fn a_planar_mesh_is_laid_out_congruently_and_unflipped() {
    let mesh = disk(5, 1.0);
    let e = edges(&mesh).unwrap();
    let lengths = face_edge_lengths(&mesh);
    let uv = planar_layout(
        mesh.vertices(),
        &mesh.faces,
        |f, k| e.neighbour(f, k),
        &lengths,
    );
    let flat = TriMesh::new(uv.clone(), mesh.faces.clone());
    for (a, b) in face_edge_lengths(&flat).iter().zip(&lengths) {
        for k in 0..3 {
            assert!((a[k] - b[k]).abs() < 1e-13, "{a:?} vs {b:?}");
        }
    }
    for f in &mesh.faces {
        let [p, q, r] = f.map(|i| uv[i]);
        assert!((q[0] - p[0]) * (r[1] - p[1]) - (r[0] - p[0]) * (q[1] - p[1]) > 0.0);
    }
    // The per-face layout of a flat disk closes up: the edges off the dual spanning tree (one
    // per interior vertex) have two copies in the same place, and every corner sits where the
    // vertex layout put it.
    let CornerLayout {
        corners,
        translations,
    } = corner_layout(&mesh.faces, |f, k| e.neighbour(f, k), &lengths);
    let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, mesh.vertices());
    assert_eq!(translations.len(), boundary.iter().filter(|&&b| !b).count());
    assert!(translations.iter().all(|t| t[0].hypot(t[1]) < 1e-13));
    for (f, c) in mesh.faces.iter().zip(&corners) {
        for k in 0..3 {
            let p = uv[f[k]];
            assert!(dist(c[k], [p[0], p[1]]) < 1e-13);
        }
    }
}

/// An `m × n` periodic grid of the lattice spanned by `w1`, `w2` (cells split along a
/// diagonal): faces, and per-face lengths from the lattice positions.
fn flat_torus(m: usize, n: usize, w1: [f64; 2], w2: [f64; 2]) -> (TriMesh, Vec<[f64; 3]>) {
    let at = |i: usize, j: usize| {
        let (s, t) = (i as f64 / m as f64, j as f64 / n as f64);
        [s * w1[0] + t * w2[0], s * w1[1] + t * w2[1]]
    };
    let id = |i: usize, j: usize| (i % m) + m * (j % n);
    let (mut faces, mut lengths) = (Vec::new(), Vec::new());
    for j in 0..n {
        for i in 0..m {
            let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            for tri in [[0, 1, 2], [0, 2, 3]] {
                let c = tri.map(|k| corners[k]);
                faces.push(c.map(|(a, b)| id(a, b)));
                let p = c.map(|(a, b)| at(a, b));
                lengths.push(std::array::from_fn(|k| {
                    dist(p[(k + 1) % 3], p[(k + 2) % 3])
                }));
            }
        }
    }
    // Positions only serve the edge table.
    let positions = (0..m * n).map(|v| [v as f64, 0.0, 0.0]).collect();
    (TriMesh::new(positions, faces), lengths)
}

#[test]
fn a_flat_torus_is_laid_out_periodically_with_the_modulus_of_its_lattice() {
    // τ = w2/w1 = 0.3 + 1.2i is already reduced; a skewed basis of the same lattice (w2 + w1,
    // scaled and rotated together) has the same reduced modulus.
    for (w1, w2) in [
        ([1.0, 0.0], [0.3, 1.2]),
        ([0.0, 2.0], [-2.4, 2.6]), // 2i·(1, 1.3 + 1.2i)
    ] {
        let (mesh, lengths) = flat_torus(7, 5, w1, w2);
        let e = edges(&mesh).unwrap();
        let CornerLayout {
            corners,
            translations,
        } = corner_layout(&mesh.faces, |f, k| e.neighbour(f, k), &lengths);
        for (c, l) in corners.iter().zip(&lengths) {
            assert!((dist(c[1], c[2]) - l[0]).abs() < 1e-13);
            assert!((dist(c[2], c[0]) - l[1]).abs() < 1e-13);
        }
        // V − E + F = 0 and the tree has F − 1 edges: E − F + 1 = V + 1 edges are cut.
        assert_eq!(translations.len(), mesh.vertices() + 1);
        let [re, im] = torus_modulus(&translations).expect("a lattice");
        assert!(
            (re - 0.3).abs() < 1e-12 && (im - 1.2).abs() < 1e-12,
            "{re} + {im}i"
        );
    }
    assert_eq!(torus_modulus(&[[1.0, 0.0], [2.0, 0.0]]), None, "collinear");
}
