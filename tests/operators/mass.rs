//! Masses and whole-surface measures: every mass sums to the total area, the consistent mass
//! has the barycentric lumped mass as row sums, and enclosed volumes are exact where they can be.

use crate::{compensated_sum, max_abs, mean_edge_length, perturbed, polycube_genus2};
use geoflow::geometry as g;
use geoflow::linalg::sym_matvec;
use geoflow::mesh::shapes::{disk, icosphere, torus};
use geoflow::mesh::TriMesh;
use nalgebra::Vector3;
use std::f64::consts::PI;

fn meshes() -> Vec<(&'static str, TriMesh)> {
    let s = icosphere(3, 1.3);
    let t = torus(30, 14, 1.0, 0.35);
    let d = disk(7, 2.0);
    vec![
        (
            "perturbed icosphere",
            perturbed(&s, 0.3 * mean_edge_length(&s), 21),
        ),
        (
            "perturbed torus",
            perturbed(&t, 0.3 * mean_edge_length(&t), 22),
        ),
        ("perturbed polycube", perturbed(&polycube_genus2(), 0.2, 23)),
        (
            "perturbed disk",
            perturbed(&d, 0.3 * mean_edge_length(&d), 24),
        ),
    ]
}

#[test]
fn every_mass_sums_to_the_total_area() {
    for (name, m) in meshes() {
        let area = g::total_area(&m);
        assert!((compensated_sum(g::face_areas(&m)) - area).abs() < 1e-13 * area);
        // One triangle stored: off-diagonal entries count twice in the full matrix.
        let (pairs, consistent) = g::consistent_mass(&m);
        let mut full = 0.0;
        for (&(r, c), &v) in pairs.iter().zip(&consistent) {
            full += if r == c { v } else { 2.0 * v };
        }
        for (what, total) in [
            ("consistent", full),
            (
                "barycentric",
                compensated_sum(g::vertex_lumped_mass_barycentric(&m)),
            ),
            (
                "Voronoi",
                compensated_sum(g::vertex_lumped_mass_voronoi(&m)),
            ),
        ] {
            assert!(
                (total - area).abs() < 1e-13 * area,
                "{name}: {what} mass {total} vs {area}"
            );
        }
        assert!(
            g::vertex_lumped_mass_voronoi(&m).iter().all(|&a| a > 0.0),
            "{name}"
        );
    }
}

#[test]
fn consistent_mass_row_sums_are_the_barycentric_mass() {
    for (name, m) in meshes() {
        let (pairs, values) = g::consistent_mass(&m);
        let mut rows = vec![0.0; m.vertices()];
        sym_matvec(&pairs, &values, &vec![1.0; m.vertices()], &mut rows);
        let b = g::vertex_lumped_mass_barycentric(&m);
        let d: Vec<f64> = rows.iter().zip(&b).map(|(x, y)| x - y).collect();
        assert!(max_abs(&d) < 1e-14 * max_abs(&b), "{name}");
    }
}

#[test]
fn enclosed_volumes() {
    // The polycube is exact in any position (13 unit cubes), and translation-independent.
    let p = polycube_genus2();
    assert!((g::enclosed_volume(&p) - 13.0).abs() < 1e-13);
    let shifted = TriMesh::new(
        p.positions
            .iter()
            .map(|x| [x[0] + 1e3, x[1] - 7.0, x[2] + 0.5])
            .collect(),
        p.faces.clone(),
    );
    assert!((g::enclosed_volume(&shifted) - 13.0).abs() < 1e-10);
    // Inscribed icospheres approach 4π/3 r³ from below, at O(h²): the error quarters per level.
    let errors: Vec<f64> = (2..7)
        .map(|level| 4.0 * PI / 3.0 - g::enclosed_volume(&icosphere(level, 1.0)))
        .collect();
    let shown: Vec<String> = errors.iter().map(|e| format!("{e:.2e}")).collect();
    eprintln!(
        "icosphere volume deficits, levels 2..6: {}",
        shown.join(" ")
    );
    for w in errors.windows(2) {
        assert!(
            w[1] > 0.0 && (3.8..4.2).contains(&(w[0] / w[1])),
            "{shown:?}"
        );
    }
    // A torus of revolution: 2π² R r² (inscribed polygonal tube: slightly less).
    let v = g::enclosed_volume(&torus(200, 100, 1.0, 0.4));
    let exact = 2.0 * PI * PI * 0.16;
    assert!(
        v < exact && (v - exact).abs() < 1e-3 * exact,
        "torus {v} vs {exact}"
    );
}

#[test]
fn vertex_normals_of_a_sphere_are_radial() {
    let m = icosphere(4, 2.0);
    let n = g::vertex_normals(&m);
    let worst = n
        .iter()
        .zip(&m.positions)
        .map(|(&n, &p)| 1.0 - Vector3::from(n).dot(&Vector3::from(p)) / 2.0)
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-4,
        "angle-weighted normal vs radial: 1 − cos = {worst:e}"
    );
    for (nf, f) in g::face_normals(&m).iter().zip(&m.faces) {
        let c: Vector3<f64> = f.iter().map(|&i| Vector3::from(m.positions[i])).sum();
        assert!(
            Vector3::from(*nf).dot(&c) > 0.0,
            "face normal points inward"
        );
    }
}
