//! Exact values: cotangents, angles, areas and Voronoi corners of known triangles, Kahan's Heron
//! on a needle, and the cotan Laplacian of a right-triangle grid against the grid's 5-point one.

use crate::max_abs;
use geoflow::geometry as g;
use geoflow::grid::Grid2;
use geoflow::linalg::sym_matvec;
use geoflow::mesh::shapes::square;
use geoflow::mesh::TriMesh;
use std::f64::consts::PI;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

fn triangle(p: [[f64; 3]; 3]) -> TriMesh {
    TriMesh::new(p.to_vec(), vec![[0, 1, 2]])
}

#[test]
fn right_triangle_3_4_5() {
    // Right angle at corner 0; legs 4 (along x) and 3 (along y), tilted out of a coordinate plane
    // by a rotation about x so that nothing is trivially exact.
    let (c, s) = (0.6, 0.8);
    let m = triangle([[0.0; 3], [4.0, 0.0, 0.0], [0.0, 3.0 * c, 3.0 * s]]);
    let l = g::face_edge_lengths(&m)[0];
    assert!(close(l[0], 5.0, 1e-15) && close(l[1], 3.0, 1e-15) && close(l[2], 4.0, 1e-15));
    let expected_cot = [0.0, 4.0 / 3.0, 0.75];
    for cot in [
        g::corner_cotans(&m)[0],
        g::corner_cotans_from_lengths(&[l])[0],
    ] {
        for k in 0..3 {
            assert!((cot[k] - expected_cot[k]).abs() < 1e-15, "cot {cot:?}");
        }
    }
    let expected_angle = [PI / 2.0, (3.0f64 / 4.0).atan(), (4.0f64 / 3.0).atan()];
    for a in [
        g::corner_angles(&m)[0],
        g::corner_angles_from_lengths(&[l])[0],
    ] {
        for k in 0..3 {
            assert!(close(a[k], expected_angle[k], 1e-15), "angles {a:?}");
        }
    }
    assert!(close(g::face_areas(&m)[0], 6.0, 1e-15));
    assert!(close(
        g::triangle_area_from_lengths([3.0, 4.0, 5.0]),
        6.0,
        1e-16
    ));
    assert!(close(g::total_area(&m), 6.0, 1e-15));
    // Right angle: the circumcentre is the hypotenuse midpoint; the right corner gets A/2.
    let v = g::corner_voronoi_areas(&m)[0];
    for (a, e) in v.iter().zip([3.0, 1.5, 1.5]) {
        assert!(close(*a, e, 1e-14), "Voronoi corners {v:?}");
    }
    let n = g::face_normals(&m)[0];
    assert!(close(n[0], 0.0, 1e-16) && close(n[1], -s, 1e-15) && close(n[2], c, 1e-15));
}

#[test]
fn equilateral_triangle() {
    let m = triangle([[0.0; 3], [2.0, 0.0, 0.0], [1.0, 3f64.sqrt(), 0.0]]);
    let area = 3f64.sqrt();
    for cot in g::corner_cotans(&m)[0] {
        assert!(close(cot, 1.0 / 3f64.sqrt(), 1e-15));
    }
    for a in g::corner_angles(&m)[0] {
        assert!(close(a, PI / 3.0, 1e-15));
    }
    for a in g::corner_voronoi_areas(&m)[0] {
        assert!(close(a, area / 3.0, 1e-15));
    }
    assert!(close(g::triangle_area_from_lengths([2.0; 3]), area, 1e-15));
    // Stiffness of the equilateral element: diagonal 1/√3, off-diagonal −1/(2√3).
    let (pairs, e) = g::cotan_laplacian(&m);
    assert_eq!(pairs.len(), 6);
    for k in 0..3 {
        assert!(close(e[k], 1.0 / 3f64.sqrt(), 1e-15));
        assert!(close(e[3 + k], -0.5 / 3f64.sqrt(), 1e-15));
    }
}

#[test]
fn obtuse_triangle_uses_the_mixed_area() {
    // Obtuse at corner 2 = (1, 1): the corner areas are A/4, A/4, A/2 with A = 2.
    let m = triangle([[0.0; 3], [4.0, 0.0, 0.0], [1.0, 1.0, 0.0]]);
    let cot = g::corner_cotans(&m)[0];
    assert!(close(cot[2], -0.5, 1e-15) && close(cot[0], 1.0, 1e-15) && close(cot[1], 3.0, 1e-15));
    let v = g::corner_voronoi_areas(&m)[0];
    for (a, e) in v.iter().zip([0.5, 0.5, 1.0]) {
        assert!(close(*a, e, 1e-15), "{v:?}");
    }
    let b = g::corner_barycentric_areas(&g::face_areas(&m))[0];
    assert!(b.iter().all(|&a| close(a, 2.0 / 3.0, 1e-15)));
}

#[test]
fn kahan_heron_is_accurate_on_a_needle() {
    for c in [1e-4f64, 1e-8, 1e-10] {
        // Isoceles needle with sides 1, 1, c: area (c/2)·√(1 − c²/4).
        let exact = 0.5 * c * (1.0 - 0.25 * c * c).sqrt();
        let a = g::triangle_area_from_lengths([1.0, c, 1.0]);
        assert!(
            ((a - exact) / exact).abs() < 1e-15,
            "c = {c}: {a} vs {exact}"
        );
        // The naive formula loses about log10(1/c) digits here.
        let s = 0.5 * (2.0 + c);
        let naive = (s * (s - 1.0) * (s - 1.0) * (s - c)).sqrt();
        eprintln!(
            "needle c = {c:e}: Kahan rel err {:.1e}, naive Heron rel err {:.1e}",
            ((a - exact) / exact).abs(),
            ((naive - exact) / exact).abs()
        );
        // Its angles and cotangents from lengths stay accurate too.
        let th = g::corner_angles_from_lengths(&[[1.0, c, 1.0]])[0];
        let small = 2.0 * (0.5 * c).asin();
        assert!(
            ((th[1] - small) / small).abs() < 2e-15,
            "small angle {} vs {small}",
            th[1]
        );
    }
    assert!(
        g::triangle_area_from_lengths([1.0, 1.0, 3.0]).is_nan(),
        "triangle inequality"
    );
    assert_eq!(g::triangle_area_from_lengths([1.0, 1.0, 2.0]), 0.0);
}

/// On a grid of `hx × hy` cells, each split into two right triangles by parallel diagonals, the
/// cotan weight of every diagonal is 0 (both opposite angles are right) and that of an axis edge
/// is `hy/hx` (x-edges) or `hx/hy` (y-edges), halved on the boundary. So row `i` of `L` at an
/// interior node is exactly `−hx·hy` times the 5-point Laplacian
/// `(u_E − 2u_i + u_W)/hx² + (u_N − 2u_i + u_S)/hy²`, and the boundary rows are its natural
/// (Neumann) closure: `L` equals the grid's unit-coefficient stiffness ([`Grid2::edge_weights`])
/// at every node, and the mixed Voronoi mass equals the grid's lumped mass (`hx·hy` inside,
/// halved on edges, quartered at corners).
#[test]
fn right_triangle_grid_gives_the_five_point_laplacian() {
    let n = 8;
    let (x, y) = ([0.0, 1.5], [-1.0, 0.0]);
    let mesh = square(n, x, y);
    let grid = Grid2::new(n + 1, n + 1, x, y);
    assert_eq!(mesh.vertices(), grid.nodes());
    for k in 0..grid.nodes() {
        let (p, q) = (mesh.positions[k], grid.coord(k));
        assert!((p[0] - q[0]).abs() < 1e-15 && (p[1] - q[1]).abs() < 1e-15);
    }
    let (pairs, l) = g::cotan_laplacian(&mesh);
    let u: Vec<f64> = (0..grid.nodes())
        .map(|k| grid.coord(k))
        .map(|[x, y]| (2.0 * x).sin() * (1.0 + y * y) + x * y)
        .collect();
    let mut lu = vec![0.0; u.len()];
    sym_matvec(&pairs, &l, &u, &mut lu);
    let ku = grid.apply_stiffness(&grid.edge_weights(&vec![[1.0; 4]; grid.cells()]), &u);
    let diff: Vec<f64> = lu.iter().zip(&ku).map(|(a, b)| a - b).collect();
    assert!(
        max_abs(&diff) <= 1e-13 * max_abs(&ku),
        "L vs grid stiffness: {:e}",
        max_abs(&diff)
    );
    let (hx, hy) = (grid.hx(), grid.hy());
    for k in (0..grid.nodes()).filter(|&k| !grid.is_boundary(k)) {
        let lap5 = (u[k + 1] - 2.0 * u[k] + u[k - 1]) / (hx * hx)
            + (u[k + grid.nx] - 2.0 * u[k] + u[k - grid.nx]) / (hy * hy);
        assert!((lu[k] + hx * hy * lap5).abs() < 1e-13, "node {k}");
    }
    let m = g::vertex_lumped_mass_voronoi(&mesh);
    let mg = grid.lumped_mass();
    let diff: Vec<f64> = m.iter().zip(&mg).map(|(a, b)| a - b).collect();
    assert!(max_abs(&diff) < 1e-15, "Voronoi mass vs grid lumped mass");
}

/// The quasi-conformal distortion of an affine map is the ratio of its singular values: 1 for a
/// similarity, 2 for a stretch by 2 along x, `None` for a reflection or a collapse; on the
/// sphere, the orientation is read from `det(d₀, d₁, d₂)`.
#[test]
fn quasi_conformal_distortion_of_affine_maps() {
    use geoflow::geometry::quasi_conformal_distortion as qc;
    let src = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.3, 0.8, 0.0]];
    let rot = |p: [f64; 3]| {
        let (s, c) = 0.7f64.sin_cos();
        [
            2.0 * (c * p[0] - s * p[1]) + 5.0,
            2.0 * (s * p[0] + c * p[1]) - 1.0,
            0.0,
        ]
    };
    let q = qc(src, src.map(rot), false).unwrap();
    assert!((q - 1.0).abs() < 1e-14, "{q}");
    let q = qc(src, src.map(|p| [2.0 * p[0], p[1], 0.0]), false).unwrap();
    assert!((q - 2.0).abs() < 1e-14, "{q}");
    assert_eq!(qc(src, src.map(|p| [p[0], -p[1], 0.0]), false), None);
    assert_eq!(qc(src, src.map(|p| [p[0], 0.0, 0.0]), false), None);
    // A small triangle near the north pole of the unit sphere, counter-clockwise from outside.
    let on = |x: f64, y: f64| {
        let z = (1.0 - x * x - y * y).sqrt();
        [x, y, z]
    };
    let cap = [on(0.0, 0.0), on(0.01, 0.0), on(0.003, 0.008)];
    let q = qc(src, cap, true).unwrap();
    assert!((q - 1.0).abs() < 1e-3, "{q}");
    assert_eq!(qc(src, [cap[0], cap[2], cap[1]], true), None);
}
