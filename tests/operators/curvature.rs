//! Curvatures: discrete Gauss–Bonnet on closed and open meshes of several genera, signs on a
//! torus, and the convergence of mean and Gaussian curvature on icospheres.

use crate::{compensated_sum, mean_edge_length, perturbed, polycube_genus2};
use geoflow::geometry as g;
use geoflow::mesh::shapes::{catenoid_band, disk, hemisphere, icosphere, torus};
use geoflow::mesh::topology;
use geoflow::mesh::TriMesh;
use nalgebra::Vector3;
use std::f64::consts::TAU;

#[test]
fn angle_defects_sum_to_two_pi_chi() {
    let s = icosphere(3, 1.0);
    let t = torus(40, 20, 1.0, 0.4);
    let d = disk(8, 1.0);
    let cases: Vec<(&str, TriMesh, i64)> = vec![
        (
            "icosphere",
            perturbed(&s, 0.3 * mean_edge_length(&s), 31),
            2,
        ),
        ("torus", perturbed(&t, 0.3 * mean_edge_length(&t), 32), 0),
        (
            "genus-2 polycube",
            perturbed(&polycube_genus2(), 0.2, 33),
            -2,
        ),
        ("disk", perturbed(&d, 0.3 * mean_edge_length(&d), 34), 1),
        ("hemisphere", hemisphere(3, 1.0), 1),
        ("catenoid band", catenoid_band(40, 12, 1.0, 2.0), 0),
    ];
    for (name, m, chi) in cases {
        let edges = topology::edges(&m).unwrap();
        assert_eq!(topology::euler_characteristic(&m, &edges), chi, "{name}: χ");
        let defects = g::vertex_angle_defects(&m);
        let total = compensated_sum(defects.iter().copied());
        let err = total - TAU * chi as f64;
        eprintln!(
            "Gauss-Bonnet {name:>16}: V = {:5}, chi = {chi:2}, sum defects - 2 pi chi = {err:+.1e}",
            m.vertices()
        );
        assert!(
            err.abs() < 1e-12,
            "{name}: Σ δ = {total}, 2πχ = {}",
            TAU * chi as f64
        );
        // The intrinsic variant satisfies it too.
        let n = m.vertices();
        let l = g::face_edge_lengths(&m);
        let b = g::vertex_boundary_mask(&m.faces, n);
        let total = compensated_sum(g::vertex_angle_defects_from_lengths(&m.faces, n, &l, &b));
        assert!(
            (total - TAU * chi as f64).abs() < 1e-12,
            "{name}: from lengths Σ δ = {total}"
        );
    }
}

/// On the torus `((R + r cos v) cos u, (R + r cos v) sin u, r sin v)` with outward normals,
/// `κ₁ = 1/r`, `κ₂ = cos v / (R + r cos v)`: with `r > R/2` the inner equator has `H < 0`.
#[test]
fn torus_curvature_signs_and_values() {
    let (big_r, r, nu, nv) = (1.0, 0.6, 160, 80);
    let m = torus(nu, nv, big_r, r);
    let h = g::vertex_mean_curvature(&m);
    let k = g::vertex_gaussian_curvature(&m);
    let (mut eh, mut ek) = (0.0f64, 0.0f64);
    for j in 0..nv {
        let v = TAU * j as f64 / nv as f64;
        let k2 = v.cos() / (big_r + r * v.cos());
        let (h_exact, k_exact) = (0.5 * (1.0 / r + k2), k2 / r);
        for i in 0..nu {
            eh = eh.max((h[i + nu * j] - h_exact).abs());
            ek = ek.max((k[i + nu * j] - k_exact).abs());
        }
    }
    eprintln!("torus R = {big_r}, r = {r}, {nu} x {nv}: max |H - H_exact| = {eh:.2e}, max |K - K_exact| = {ek:.2e}");
    assert!(
        h[0] > 0.0 && h[nu * nv / 2] < 0.0,
        "H outer {} inner {}",
        h[0],
        h[nu * nv / 2]
    );
    assert!(
        k[0] > 0.0 && k[nu * nv / 2] < 0.0,
        "K outer {} inner {}",
        k[0],
        k[nu * nv / 2]
    );
    assert!(
        eh < 1e-2 && ek < 1e-2,
        "torus curvature errors {eh:e} {ek:e}"
    );
}

struct Level {
    level: u32,
    h: f64,
    h_max: f64,
    h_mean: f64,
    hn_max: f64,
    k_max: f64,
    k_mean: f64,
    bary_max: f64,
}

fn eoc(rows: &[Level], e: impl Fn(&Level) -> f64) -> Vec<f64> {
    rows.windows(2)
        .map(|w| (e(&w[0]) / e(&w[1])).ln() / (w[0].h / w[1].h).ln())
        .collect()
}

/// Icospheres of radius `r`, levels 2..=6: relative errors of `H` (vs `1/r`), `|Hn|` and `K`
/// (vs `1/r²`), max and mean over the vertices, and the orders in `h` (mean edge length).
#[test]
fn curvature_converges_on_icospheres() {
    let r = 2.0;
    let rows: Vec<Level> = (2..=6)
        .map(|level| {
            let m = icosphere(level, r);
            let n = m.vertices() as f64;
            let h = g::vertex_mean_curvature(&m);
            let hn = g::mean_curvature_normal(&m);
            let k = g::vertex_gaussian_curvature(&m);
            let eh: Vec<f64> = h.iter().map(|h| (h * r - 1.0).abs()).collect();
            let ehn: Vec<f64> = hn
                .iter()
                .map(|&v| (Vector3::from(v).norm() * r - 1.0).abs())
                .collect();
            let ek: Vec<f64> = k.iter().map(|k| (k * r * r - 1.0).abs()).collect();
            // For contrast: |L X| / (2 m_i) with the barycentric instead of the Voronoi mass.
            let (pairs, l) = g::cotan_laplacian(&m);
            let mut lx = vec![[0.0; 3]; m.vertices()];
            geoflow::linalg::sym_matvec(&pairs, &l, &m.positions, &mut lx);
            let bary = g::vertex_lumped_mass_barycentric(&m);
            let bary_max = lx
                .iter()
                .zip(&bary)
                .map(|(&v, a)| (Vector3::from(v).norm() / (2.0 * a) * r - 1.0).abs())
                .fold(0.0, f64::max);
            Level {
                level,
                h: mean_edge_length(&m) / r,
                h_max: eh.iter().fold(0.0, |a, &b| a.max(b)),
                h_mean: eh.iter().sum::<f64>() / n,
                hn_max: ehn.iter().fold(0.0, |a, &b| a.max(b)),
                k_max: ek.iter().fold(0.0, |a, &b| a.max(b)),
                k_mean: ek.iter().sum::<f64>() / n,
                bary_max,
            }
        })
        .collect();
    eprintln!("icosphere r = {r}: relative errors |H r - 1|, ||Hn| r - 1|, |K r^2 - 1|");
    eprintln!("level      h/r   H max     H mean    |Hn| max  K max     K mean    |Hn| max, barycentric mass");
    for l in &rows {
        eprintln!(
            "{:5} {:8.2e}  {:8.2e}  {:8.2e}  {:8.2e}  {:8.2e}  {:8.2e}  {:8.2e}",
            l.level, l.h, l.h_max, l.h_mean, l.hn_max, l.k_max, l.k_mean, l.bary_max
        );
    }
    let fmt = |v: Vec<f64>| {
        v.iter()
            .map(|x| format!("{x:5.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    eprintln!("EOC H max   {}", fmt(eoc(&rows, |l| l.h_max)));
    eprintln!("EOC H mean  {}", fmt(eoc(&rows, |l| l.h_mean)));
    eprintln!("EOC |Hn|max {}", fmt(eoc(&rows, |l| l.hn_max)));
    eprintln!("EOC K max   {}", fmt(eoc(&rows, |l| l.k_max)));
    eprintln!("EOC K mean  {}", fmt(eoc(&rows, |l| l.k_mean)));

    // Theory for these meshes. Every vertex lies on the sphere and no triangle is obtuse, so the
    // radial part of (L X)_i / (2 A_i) is exactly 1/r (x_i·(x_i − x_j) = |x_i − x_j|²/2 turns the
    // cotan sum into the Voronoi area); what remains is the tangential part of Hn and the tilt of
    // the angle-weighted normal, both O(h²) because the subdivision is smooth away from the 12
    // valence-5 vertices and 5-fold symmetric at them. The same local symmetry (valence-6
    // patches that are parallelograms up to O(h²), Xu 2006; symmetric valence-5 fans) makes the
    // angle defect / Voronoi area O(h²) pointwise here. On general meshes neither converges in the
    // max norm (Borrelli–Cazals–Morvan 2003 for K; Hildebrandt–Polthier–Wardetzky 2006 for H):
    // only weak/integrated forms do, so these asserts are specific to icospheres.
    for (label, rates) in [
        ("H max", eoc(&rows, |l| l.h_max)),
        ("H mean", eoc(&rows, |l| l.h_mean)),
        ("|Hn| max", eoc(&rows, |l| l.hn_max)),
        ("K max", eoc(&rows, |l| l.k_max)),
        ("K mean", eoc(&rows, |l| l.k_mean)),
    ] {
        let finest = *rates.last().unwrap();
        assert!(
            finest > 1.9,
            "{label}: EOC on the finest pair {finest:.3} (all {rates:?})"
        );
        assert!(rates.iter().all(|&q| q > 1.8), "{label}: EOCs {rates:?}");
    }
    let last = rows.last().unwrap();
    assert!(last.h_max < 1e-6 && last.k_max < 2e-4, "level 6 errors");
    // With the barycentric mass |Hn| does not converge pointwise (≈ 15 % max error at every
    // level): the reason the curvatures divide by the Voronoi area.
    assert!(
        rows.iter().all(|l| l.bary_max > 0.1),
        "barycentric |Hn| unexpectedly converged"
    );
}
