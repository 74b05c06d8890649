//! The cotan Laplacian and lumped mass of the intrinsic Delaunay triangulation
//! (`[mesh] laplacian = "intrinsic-delaunay"`; Bobenko–Springborn 2007) on meshes whose own
//! triangles have negative cotan weights: every off-diagonal entry `≤ 0`, `L 1 = 0`, the total
//! mass is the mesh's area, the angle defects are the mesh's, and an implicit heat step keeps
//! the discrete maximum principle that the mesh's own Laplacian breaks.

use geoflow::discretization::{Discretization, Laplacian, MeshDomain};
use geoflow::geometry as g;
use geoflow::linalg::{sym_matvec, Pattern, SpdSolver};
use geoflow::mesh::intrinsic::Intrinsic;
use geoflow::mesh::{shapes, topology, TriMesh};

/// Meshes with obtuse triangles whose opposite angles sum to more than `π` on some edges.
fn meshes() -> Vec<(&'static str, TriMesh)> {
    vec![
        ("bumpy sphere", shapes::bumpy_sphere(3, 0.3, 5.0)),
        ("flat ellipsoid", shapes::ellipsoid(3, [3.0, 1.0, 0.2])),
    ]
}

/// The Laplacian `(pairs, entries)` and lumped mass of a domain.
fn operator(domain: &MeshDomain) -> (Vec<(usize, usize)>, Vec<f64>) {
    let pairs = domain.stiffness_pairs();
    let mut entries = vec![0.0; pairs.len()];
    domain.laplacian_entries(&mut entries);
    (pairs, entries)
}

/// `u` after one implicit heat step `(M + dt L) u = M u0`.
fn heat_step(domain: &MeshDomain, u0: &[f64], dt: f64) -> Vec<f64> {
    let (pairs, stiffness) = operator(domain);
    let n = domain.nodes();
    let mut entries = vec![0.0; pairs.len()];
    g::lumped_mass_entries(domain.lumped_mass(), &mut entries);
    entries
        .iter_mut()
        .zip(&stiffness)
        .for_each(|(e, s)| *e += dt * s);
    let mut solver = SpdSolver::new(Pattern::new(n, &pairs)).unwrap();
    solver.factor(&entries).unwrap();
    let mut u: Vec<f64> = u0
        .iter()
        .zip(domain.lumped_mass())
        .map(|(u, m)| u * m)
        .collect();
    solver.solve_in_place(&mut u).unwrap();
    u
}

#[test]
fn intrinsic_delaunay_laplacian_has_non_negative_weights_and_the_same_area_and_curvature() {
    for (name, mesh) in meshes() {
        let n = mesh.vertices();
        let area = g::total_area(&mesh);
        let input = MeshDomain::surface(mesh.clone());
        let (pairs, entries) = operator(&input);
        let negative = g::edge_weights(&pairs, &entries)
            .iter()
            .filter(|(_, w)| *w < 0.0)
            .count();
        assert!(
            negative > 0,
            "{name}: the test needs negative cotan weights"
        );
        assert!(input.negative_weight_warning("x").is_some());

        let id = MeshDomain::surface_with(mesh.clone(), Laplacian::IntrinsicDelaunay).unwrap();
        assert_eq!(id.laplacian(), Laplacian::IntrinsicDelaunay);
        assert_eq!(id.negative_weight_warning("x"), None, "{name}");
        let (pairs, entries) = operator(&id);
        let scale = entries[..n].iter().fold(0.0f64, |m, v| m.max(v.abs()));
        // Every entry off the diagonal (each edge, and the sum over edges with the same ends).
        for (&(i, j), &v) in pairs.iter().zip(&entries) {
            assert!(i == j || v <= 1e-13 * scale, "{name}: L_{i}{j} = {v}");
        }
        let weights = g::edge_weights(&pairs, &entries);
        assert!(weights.iter().all(|(_, w)| *w >= -1e-13 * scale), "{name}");
        // Rows sum to zero.
        let mut l1 = vec![0.0; n];
        sym_matvec(&pairs, &entries, &vec![1.0; n], &mut l1);
        let row = l1.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(row < 1e-12 * scale, "{name}: |L 1| = {row:e}");
        // The lumped mass adds up to the mesh's area.
        let mass: f64 = id.lumped_mass().iter().sum();
        assert!(
            (mass - area).abs() < 1e-12 * area,
            "{name}: {mass} vs {area}"
        );
        assert!(id.lumped_mass().iter().all(|&m| m > 0.0));
        // The angle defects of the intrinsic triangulation are the mesh's.
        let edges = topology::edges(&mesh).unwrap();
        let mut tri =
            Intrinsic::euclidean(&mesh.faces, &edges, &g::face_edge_lengths(&mesh)).unwrap();
        let zero = vec![0.0; n];
        let flips = tri.flip_to_delaunay(&zero).unwrap();
        tri.check(1e-9).unwrap();
        assert!(tri.blocked(&zero).is_empty());
        let boundary = vec![false; n];
        let k0 = g::vertex_angle_defects(&mesh);
        let k1 =
            g::vertex_angle_defects_from_lengths(&tri.faces, n, &tri.lengths(&zero), &boundary);
        let dk = k0
            .iter()
            .zip(&k1)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(dk < 1e-9, "{name}: angle defects move by {dk:e}");
        eprintln!(
            "{name}: {n} vertices, {negative} of {} edges with a negative cotan weight, {flips} \
             flips; |ΔK0| {dk:.1e}, |L 1| {row:.1e}",
            weights.len()
        );
    }
}

/// `(M + dt L)⁻¹ M` is a stochastic matrix when `L` is an M-matrix: an implicit heat step never
/// leaves `[min u0, max u0]`, for every `dt`. The mesh's own Laplacian overshoots.
#[test]
fn an_implicit_heat_step_keeps_the_maximum_principle_on_the_intrinsic_delaunay_laplacian() {
    for (name, mesh) in meshes() {
        let n = mesh.vertices();
        // A spike at the vertex with the most negative weight next to it, and large steps.
        let input = MeshDomain::surface(mesh.clone());
        let (pairs, entries) = operator(&input);
        let (&(i, _), _) = pairs
            .iter()
            .zip(&entries)
            .filter(|((i, j), _)| i != j)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        let mut u0 = vec![0.0; n];
        u0[i] = 1.0;
        let id = MeshDomain::surface_with(mesh, Laplacian::IntrinsicDelaunay).unwrap();
        let area: f64 = id.lumped_mass().iter().sum();
        let mut undershoot_input = 0.0f64;
        for dt in [1e-4, 1e-3, 1e-2, 1e-1].map(|s| s * area) {
            let u = heat_step(&id, &u0, dt);
            let lo = u.iter().fold(f64::INFINITY, |m, &v| m.min(v));
            let hi = u.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            assert!(
                lo >= -1e-14 && hi <= 1.0 + 1e-14,
                "{name}, dt {dt}: [{lo}, {hi}]"
            );
            let u = heat_step(&input, &u0, dt);
            undershoot_input = u.iter().fold(undershoot_input, |m, &v| m.min(v));
        }
        eprintln!("{name}: the mesh's own Laplacian reaches u = {undershoot_input:.3e} < 0");
        assert!(undershoot_input < 0.0, "{name}");
    }
}
