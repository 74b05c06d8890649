//! Identities of the cotan Laplacian that hold on every mesh: constants in the kernel, symmetry,
//! `uᵀ L u = ∫ |∇u_h|² ≥ 0`, scale invariance, and agreement of the intrinsic (`_from_lengths`)
//! variants with the extrinsic ones.

use crate::{max_abs, mean_edge_length, perturbed, polycube_genus2, Rng};
use geoflow::geometry as g;
use geoflow::linalg::{sym_matvec, Pattern};
use geoflow::mesh::shapes::{disk, icosphere, torus};
use geoflow::mesh::TriMesh;
use nalgebra::Vector3;

/// Meshes with obtuse triangles, boundaries and several topologies.
fn meshes() -> Vec<(&'static str, TriMesh)> {
    let sphere = icosphere(3, 1.0);
    let h = mean_edge_length(&sphere);
    let t = torus(24, 12, 1.0, 0.4);
    let ht = mean_edge_length(&t);
    let d = disk(6, 1.0);
    let hd = mean_edge_length(&d);
    vec![
        ("icosphere", sphere.clone()),
        ("perturbed icosphere", perturbed(&sphere, 0.3 * h, 1)),
        ("perturbed torus", perturbed(&t, 0.3 * ht, 2)),
        (
            "perturbed genus-2 polycube",
            perturbed(&polycube_genus2(), 0.15, 3),
        ),
        ("perturbed disk", perturbed(&d, 0.3 * hd, 4)),
    ]
}

#[test]
fn test_meshes_have_obtuse_triangles() {
    for (name, m) in meshes().iter().skip(1) {
        let obtuse = g::corner_cotans(m)
            .iter()
            .flatten()
            .filter(|&&c| c < 0.0)
            .count();
        assert!(
            obtuse > 0,
            "{name}: no obtuse angle, the tests below would be too easy"
        );
    }
}

#[test]
fn constants_are_in_the_kernel() {
    for (name, m) in meshes() {
        let (pairs, values) = g::cotan_laplacian(&m);
        let ones = vec![1.0; m.vertices()];
        let mut y = vec![0.0; m.vertices()];
        sym_matvec(&pairs, &values, &ones, &mut y);
        let scale = max_abs(&values);
        assert!(
            max_abs(&y) <= 1e-12 * scale,
            "{name}: |L 1| = {:e}",
            max_abs(&y)
        );
    }
}

/// `y = L u` summed face by face from the formula, `y_i = Σ_j ½ (cot α_ij + cot β_ij) (u_i − u_j)`
/// with `½ cot θ_k` along edge `k` of each face: a reference computed without any layout.
fn face_by_face(m: &TriMesh, cot: &[[f64; 3]], u: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; u.len()];
    for (f, c) in m.faces.iter().zip(cot) {
        for k in 0..3 {
            let (i, j) = (f[(k + 1) % 3], f[(k + 2) % 3]);
            let w = 0.5 * c[k];
            y[i] += w * (u[i] - u[j]);
            y[j] += w * (u[j] - u[i]);
        }
    }
    y
}

#[test]
fn the_assembled_laplacian_is_the_face_by_face_sum_and_is_symmetric() {
    let mut rng = Rng::new(10);
    for (name, m) in meshes() {
        let n = m.vertices();
        let cot = g::corner_cotans(&m);
        let (pairs, values) = g::cotan_laplacian(&m);
        // One entry per vertex and per edge: no pair repeats, nothing left to merge.
        let layout = g::EdgeLayout::of_mesh(&m);
        assert_eq!(pairs.len(), n + layout.edges().len(), "{name}");
        assert_eq!(
            Pattern::new(n, &pairs).nnz(),
            pairs.len(),
            "{name}: same sparsity"
        );
        let (u, v) = (rng.vec(n), rng.vec(n));
        let (mut lu, mut lv) = (vec![0.0; n], vec![0.0; n]);
        sym_matvec(&pairs, &values, &u, &mut lu);
        sym_matvec(&pairs, &values, &v, &mut lv);
        let reference = face_by_face(&m, &cot, &u);
        let diff: Vec<f64> = lu.iter().zip(&reference).map(|(a, b)| a - b).collect();
        assert!(
            max_abs(&diff) <= 1e-12 * max_abs(&reference),
            "{name}: assembled vs face by face: {:e}",
            max_abs(&diff)
        );
        // Symmetry: uᵀ L v = vᵀ L u.
        let (a, b) = (crate::dot(&u, &lv), crate::dot(&v, &lu));
        let scale = crate::dot(&u, &u).sqrt() * crate::dot(&lv, &lv).sqrt();
        assert!(
            (a - b).abs() <= 1e-12 * scale,
            "{name}: uᵀLv = {a}, vᵀLu = {b}"
        );
        // 3-vector version = three scalar applications.
        let x: Vec<[f64; 3]> = (0..n).map(|i| [u[i], v[i], u[i] - v[i]]).collect();
        let mut lx = vec![[0.0; 3]; n];
        sym_matvec(&pairs, &values, &x, &mut lx);
        for i in 0..n {
            assert!((lx[i][0] - lu[i]).abs() <= 1e-13 * max_abs(&lu));
            assert!((lx[i][1] - lv[i]).abs() <= 1e-13 * max_abs(&lv));
        }
    }
}

/// `Σ_f w_f A_f |∇u_f|²` with the P1 gradient `∇u = Σ_k u_k (n̂ × e_k) / (2A)` (e_k the edge
/// opposite corner k, counter-clockwise): computed without any cotangent.
fn dirichlet_energy(m: &TriMesh, w: &[f64], u: &[f64]) -> f64 {
    m.faces
        .iter()
        .zip(w)
        .map(|(f, &w)| {
            let x = f.map(|i| Vector3::from(m.positions[i]));
            let a2 = (x[1] - x[0]).cross(&(x[2] - x[0]));
            let n = a2.normalize();
            let twice_area = a2.norm();
            let mut grad = Vector3::zeros();
            for k in 0..3 {
                let e = x[(k + 2) % 3] - x[(k + 1) % 3];
                grad += n.cross(&e) * (u[f[k]] / twice_area);
            }
            w * 0.5 * twice_area * grad.dot(&grad)
        })
        .sum()
}

#[test]
fn quadratic_form_is_the_dirichlet_energy_and_nonnegative() {
    let mut rng = Rng::new(11);
    for (name, m) in meshes() {
        let n = m.vertices();
        let (pairs, values) = g::cotan_laplacian(&m);
        let cot = g::corner_cotans(&m);
        let weights: Vec<f64> = (0..m.faces.len()).map(|_| 1.5 + rng.uniform()).collect();
        let mut weighted = vec![0.0; pairs.len()];
        g::EdgeLayout::of_mesh(&m).laplacian_entries_weighted(&cot, &weights, &mut weighted);
        let ones = vec![1.0; m.faces.len()];
        let mut y = vec![0.0; n];
        for trial in 0..20 {
            let u = rng.vec(n);
            sym_matvec(&pairs, &values, &u, &mut y);
            let q = crate::dot(&u, &y);
            let e = dirichlet_energy(&m, &ones, &u);
            assert!(q >= 0.0, "{name}: uᵀLu = {q} < 0 (trial {trial})");
            assert!(
                (q - e).abs() <= 1e-12 * e,
                "{name}: uᵀLu = {q}, ∫|∇u|² = {e}"
            );
            sym_matvec(&pairs, &weighted, &u, &mut y);
            let (q, e) = (crate::dot(&u, &y), dirichlet_energy(&m, &weights, &u));
            assert!((q - e).abs() <= 1e-12 * e, "{name}: weighted {q} vs {e}");
        }
    }
}

#[test]
fn the_layout_is_the_vertices_then_the_edges() {
    let m = TriMesh::new(vec![[0.0; 3]; 10], vec![[4, 7, 9], [1, 2, 3]]);
    let edges = geoflow::mesh::topology::edges(&m).unwrap();
    let pairs = g::EdgeLayout::of_mesh(&m).pairs();
    assert_eq!(pairs.len(), 10 + 6);
    assert!(pairs[..10].iter().enumerate().all(|(i, &p)| p == (i, i)));
    assert_eq!(
        &pairs[10..],
        &[(1, 2), (1, 3), (2, 3), (4, 7), (4, 9), (7, 9)]
    );
    // Edge k of a face is the one opposite corner k.
    assert_eq!(edges.face_edges, [[5, 4, 3], [2, 1, 0]]);
    // Consistent mass and lumped mass share the layout (one triangle, area 12).
    let one = TriMesh::new(vec![[0.0; 3]; 3], vec![[0, 1, 2]]);
    let mut e = vec![0.0; 6];
    g::EdgeLayout::of_mesh(&one).consistent_mass_entries(&[12.0], &mut e);
    assert_eq!(e, [2.0, 2.0, 2.0, 1.0, 1.0, 1.0]);
    g::lumped_mass_entries(&[1.0, 2.0, 3.0], &mut e);
    assert_eq!(e, [1.0, 2.0, 3.0, 0.0, 0.0, 0.0]);
}

fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    max_abs(&d) / max_abs(b)
}

fn scaled(m: &TriMesh, s: f64) -> TriMesh {
    TriMesh::new(
        m.positions.iter().map(|p| p.map(|x| s * x)).collect(),
        m.faces.clone(),
    )
}

#[test]
fn laplacian_is_scale_invariant_and_masses_scale_quadratically() {
    for (name, m) in meshes() {
        let (_, l1) = g::cotan_laplacian(&m);
        let (_, c1) = g::consistent_mass(&m);
        let v1 = g::vertex_lumped_mass_voronoi(&m);
        let b1 = g::vertex_lumped_mass_barycentric(&m);
        let k1 = g::vertex_angle_defects(&m);
        for s in [1e-8, 1e8] {
            let ms = scaled(&m, s);
            let (_, ls) = g::cotan_laplacian(&ms);
            assert!(rel_diff(&ls, &l1) < 1e-12, "{name}, s = {s}: L changed");
            let s2 = s * s;
            let (_, cs) = g::consistent_mass(&ms);
            let cs: Vec<f64> = cs.iter().map(|x| x / s2).collect();
            assert!(
                rel_diff(&cs, &c1) < 1e-12,
                "{name}, s = {s}: consistent mass"
            );
            let vs: Vec<f64> = g::vertex_lumped_mass_voronoi(&ms)
                .iter()
                .map(|x| x / s2)
                .collect();
            assert!(rel_diff(&vs, &v1) < 1e-12, "{name}, s = {s}: Voronoi mass");
            let bs: Vec<f64> = g::vertex_lumped_mass_barycentric(&ms)
                .iter()
                .map(|x| x / s2)
                .collect();
            assert!(
                rel_diff(&bs, &b1) < 1e-12,
                "{name}, s = {s}: barycentric mass"
            );
            assert!(
                rel_diff(&g::vertex_angle_defects(&ms), &k1) < 1e-9,
                "{name}: defects"
            );
        }
    }
}

#[test]
fn from_lengths_variants_agree_with_positions() {
    for (name, m) in meshes() {
        let n = m.vertices();
        let l = g::face_edge_lengths(&m);
        let flat = |v: Vec<[f64; 3]>| v.into_iter().flatten().collect::<Vec<f64>>();
        let pairs = [
            ("areas", g::face_areas_from_lengths(&l), g::face_areas(&m)),
            (
                "cotans",
                flat(g::corner_cotans_from_lengths(&l)),
                flat(g::corner_cotans(&m)),
            ),
            (
                "angles",
                flat(g::corner_angles_from_lengths(&l)),
                flat(g::corner_angles(&m)),
            ),
            (
                "Voronoi corners",
                flat(g::corner_voronoi_areas_from_lengths(&l)),
                flat(g::corner_voronoi_areas(&m)),
            ),
            (
                "Voronoi mass",
                g::vertex_lumped_mass_voronoi_from_lengths(&m.faces, n, &l),
                g::vertex_lumped_mass_voronoi(&m),
            ),
        ];
        for (what, a, b) in pairs {
            assert!(
                rel_diff(&a, &b) < 1e-12,
                "{name}: {what} from lengths: {:e}",
                rel_diff(&a, &b)
            );
        }
        let boundary = g::vertex_boundary_mask(&m.faces, n);
        let d = g::vertex_angle_defects_from_lengths(&m.faces, n, &l, &boundary);
        let e = g::vertex_angle_defects(&m);
        let diff: Vec<f64> = d.iter().zip(&e).map(|(a, b)| a - b).collect();
        assert!(max_abs(&diff) < 1e-12, "{name}: defects from lengths");
    }
}
