//! Every generated shape: valid, the right size and topology, outward (or `+z`) orientation.

use crate::{normal_and_centroid, signed_volume};
use geoflow::mesh::info::mesh_info;
use geoflow::mesh::shapes::*;
use geoflow::mesh::topology::{
    boundary_loops, components, edges, euler_characteristic, genus, validate,
};
use geoflow::mesh::TriMesh;
use nalgebra::Vector3;
use std::f64::consts::PI;

/// Topology summary `(χ, boundary loops, genus)`, after checking validity and connectedness.
fn topo(m: &TriMesh) -> (i64, usize, Option<i64>) {
    validate(m).unwrap_or_else(|d| panic!("invalid mesh: {d}"));
    assert_eq!(components(m), 1);
    let e = edges(m).unwrap();
    (
        euler_characteristic(m, &e),
        boundary_loops(m, &e).len(),
        genus(m, &e),
    )
}

/// Every face normal has positive dot product with `outward(centroid)`.
fn assert_normals(m: &TriMesh, outward: impl Fn([f64; 3]) -> [f64; 3]) {
    for f in 0..m.faces.len() {
        let (n, g) = normal_and_centroid(m, f);
        let o = outward(g);
        assert!(
            n.dot(&Vector3::from(o)) > 0.0,
            "face {f} points the wrong way"
        );
    }
}

fn min_angle(m: &TriMesh) -> f64 {
    mesh_info(m).min_angle_deg
}

#[test]
fn icosphere_sizes_topology_orientation() {
    for level in 0..=5u32 {
        let m = icosphere(level, 2.0);
        let p = 4usize.pow(level);
        assert_eq!(m.vertices(), 10 * p + 2);
        assert_eq!(m.faces.len(), 20 * p);
        assert_eq!(edges(&m).unwrap().len(), 30 * p);
        assert_eq!(topo(&m), (2, 0, Some(0)));
        assert!(m
            .positions
            .iter()
            .all(|&q| (Vector3::from(q).norm() - 2.0).abs() < 1e-12));
        assert_normals(&m, |g| g);
        assert!(min_angle(&m) > 50.0, "level {level}: {}", min_angle(&m));
    }
}

#[test]
fn icosphere_volume_converges() {
    let exact = 4.0 / 3.0 * PI * 8.0;
    let errors: Vec<f64> = (1..=5)
        .map(|l| (signed_volume(&icosphere(l, 2.0)) - exact) / exact)
        .collect();
    // Inscribed: the volume is too small, by O(h²).
    assert!(errors.iter().all(|&e| e < 0.0));
    assert!(errors[4].abs() < 0.01, "{errors:?}");
    for w in errors.windows(2) {
        let ratio = w[0] / w[1];
        assert!(ratio > 3.5 && ratio < 4.5, "{errors:?}");
    }
}

#[test]
fn icosphere_level_8() {
    let t = std::time::Instant::now();
    let m = icosphere(8, 1.0);
    let elapsed = t.elapsed();
    eprintln!("icosphere(8): {} vertices in {elapsed:?}", m.vertices());
    assert_eq!(m.vertices(), 655_362);
    assert_eq!(m.faces.len(), 1_310_720);
    let t = std::time::Instant::now();
    let e = edges(&m).unwrap();
    eprintln!("edges of icosphere(8): {:?}", t.elapsed());
    assert_eq!(e.len(), 1_966_080);
    assert_eq!(euler_characteristic(&m, &e), 2);
    // Level 8 refines level 3: the coarse vertices are kept, in order.
    let coarse = icosphere(3, 1.0);
    assert_eq!(&m.positions[..coarse.vertices()], &coarse.positions[..]);
}

#[test]
fn uv_sphere_sizes_topology_orientation() {
    for (n_lat, n_lon) in [(2, 3), (3, 4), (16, 32), (7, 5)] {
        let m = uv_sphere(n_lat, n_lon, 1.5);
        assert_eq!(m.vertices(), 2 + (n_lat - 1) * n_lon);
        assert_eq!(m.faces.len(), 2 * n_lon * (n_lat - 1));
        assert_eq!(topo(&m), (2, 0, Some(0)));
        assert_normals(&m, |g| g);
        assert!(signed_volume(&m) > 0.0);
    }
    let v = signed_volume(&uv_sphere(64, 128, 1.0));
    assert!((v / (4.0 / 3.0 * PI) - 1.0).abs() < 0.005, "{v}");
}

#[test]
fn torus_sizes_topology_orientation() {
    for (n, m_) in [(3, 3), (48, 24), (10, 4)] {
        let m = torus(n, m_, 1.0, 0.4);
        assert_eq!(m.vertices(), n * m_);
        assert_eq!(m.faces.len(), 2 * n * m_);
        assert_eq!(topo(&m), (0, 0, Some(1)));
        assert!(signed_volume(&m) > 0.0);
    }
    let m = torus(96, 48, 1.0, 0.4);
    // Outward: away from the tube's centre circle.
    assert_normals(&m, |g| {
        let rho = (g[0] * g[0] + g[1] * g[1]).sqrt();
        [g[0] - g[0] / rho, g[1] - g[1] / rho, g[2]]
    });
    let exact = 2.0 * PI * PI * 1.0 * 0.4 * 0.4;
    assert!((signed_volume(&m) / exact - 1.0).abs() < 0.005);
}

#[test]
fn ellipsoid_sizes_topology_volume() {
    let m = ellipsoid(5, [1.0, 0.8, 0.6]);
    assert_eq!(m.vertices(), 10 * 4usize.pow(5) + 2);
    assert_eq!(topo(&m), (2, 0, Some(0)));
    let exact = 4.0 / 3.0 * PI * 1.0 * 0.8 * 0.6;
    assert!((signed_volume(&m) / exact - 1.0).abs() < 0.01);
    for p in &m.positions {
        let q = (p[0] / 1.0).powi(2) + (p[1] / 0.8).powi(2) + (p[2] / 0.6).powi(2);
        assert!((q - 1.0).abs() < 1e-12);
    }
}

#[test]
fn bumpy_sphere_sizes_topology_radii() {
    for (amp, freq) in [(0.15, 4.0), (0.3, 1.0), (-0.5, 2.5), (0.0, 3.0)] {
        let m = bumpy_sphere(4, amp, freq);
        assert_eq!(m.vertices(), 10 * 4usize.pow(4) + 2);
        assert_eq!(topo(&m), (2, 0, Some(0)));
        assert!(signed_volume(&m) > 0.0);
        let radii: Vec<f64> = m
            .positions
            .iter()
            .map(|&p| Vector3::from(p).norm())
            .collect();
        assert!(radii
            .iter()
            .all(|&r| r >= 1.0 - amp.abs() - 1e-12 && r <= 1.0 + amp.abs() + 1e-12));
        if amp != 0.0 {
            let spread = radii.iter().cloned().fold(0.0, f64::max)
                - radii.iter().cloned().fold(f64::INFINITY, f64::min);
            assert!(spread > amp.abs(), "bumps too small: {spread}");
        }
    }
}

#[test]
fn dumbbell_topology_neck_quality() {
    let mut prev = 0;
    for level in 0..=4 {
        let m = dumbbell(level);
        assert_eq!(topo(&m), (2, 0, Some(0)));
        assert!(m.vertices() > 3 * prev, "level {level}: {}", m.vertices());
        prev = m.vertices();
        assert!(signed_volume(&m) > 0.0);
        assert_normals(&m, |g| [g[0], g[1], 0.0]);
        let angle = min_angle(&m);
        assert!(
            level == 0 || angle > 30.0,
            "level {level}: min angle {angle}"
        );
        // The neck: radius 0.2 at z = 0, lobes of radius about 0.866.
        let neck = m
            .positions
            .iter()
            .filter(|p| p[2].abs() < 1e-9)
            .map(|p| p[0].hypot(p[1]))
            .fold(f64::INFINITY, f64::min);
        assert!((neck - DUMBBELL_NECK).abs() < 1e-9, "neck {neck}");
        let widest = m
            .positions
            .iter()
            .map(|p| p[0].hypot(p[1]))
            .fold(0.0, f64::max);
        assert!(widest > 0.75 && widest < 0.87, "{widest}");
    }
    eprintln!("dumbbell(4): {} vertices", prev);
}

#[test]
fn disk_sizes_topology_orientation() {
    for n in [1usize, 2, 5, 16] {
        let m = disk(n, 2.0);
        assert_eq!(m.vertices(), 1 + 3 * n * (n + 1));
        assert_eq!(m.faces.len(), 6 * n * n);
        assert_eq!(topo(&m), (1, 1, Some(0)));
        assert_normals(&m, |_| [0.0, 0.0, 1.0]);
        let e = edges(&m).unwrap();
        let loops = boundary_loops(&m, &e);
        assert_eq!(loops[0].len(), 6 * n);
        for &v in &loops[0] {
            let p = m.positions[v];
            assert!((p[0].hypot(p[1]) - 2.0).abs() < 1e-12 && p[2] == 0.0);
        }
        // Counter-clockwise boundary, seen from +z.
        assert!(polygon_area(&m, &loops[0]) > 0.0);
        assert!(min_angle(&m) > 40.0, "{}", min_angle(&m));
    }
    let area = mesh_info(&disk(32, 1.0)).area;
    assert!((area / PI - 1.0).abs() < 0.002, "{area}");
}

/// Signed area of a vertex loop projected on the xy plane.
fn polygon_area(m: &TriMesh, lp: &[usize]) -> f64 {
    (0..lp.len())
        .map(|i| {
            let (p, q) = (m.positions[lp[i]], m.positions[lp[(i + 1) % lp.len()]]);
            0.5 * (p[0] * q[1] - p[1] * q[0])
        })
        .sum()
}

#[test]
fn square_sizes_topology_orientation() {
    for n in [1usize, 2, 7, 32] {
        let m = square(n, [-1.0, 2.0], [0.5, 1.5]);
        assert_eq!(m.vertices(), (n + 1) * (n + 1));
        assert_eq!(m.faces.len(), 2 * n * n);
        assert_eq!(topo(&m), (1, 1, Some(0)));
        assert_normals(&m, |_| [0.0, 0.0, 1.0]);
        let e = edges(&m).unwrap();
        let lp = &boundary_loops(&m, &e)[0];
        assert_eq!(lp.len(), 4 * n);
        assert!((polygon_area(&m, lp) - 3.0).abs() < 1e-12);
        assert!((mesh_info(&m).area - 3.0).abs() < 1e-12);
    }
    // Right isoceles triangles on a square domain.
    let info = mesh_info(&square(4, [0.0, 1.0], [0.0, 1.0]));
    assert!((info.min_angle_deg - 45.0).abs() < 1e-9 && (info.max_angle_deg - 90.0).abs() < 1e-9);
}

#[test]
fn hemisphere_sizes_topology_orientation() {
    assert_eq!(hemisphere(0, 1.0).vertices(), 15);
    for level in 0..=5 {
        let m = hemisphere(level, 3.0);
        assert_eq!(topo(&m), (1, 1, Some(0)));
        assert_normals(&m, |g| g);
        let e = edges(&m).unwrap();
        let lp = &boundary_loops(&m, &e)[0];
        // Boundary count: F = 2V − B − 2 for a disk.
        assert_eq!(m.faces.len(), 2 * m.vertices() - lp.len() - 2);
        for &v in lp {
            let p = m.positions[v];
            assert!(p[2] == 0.0 && (p[0].hypot(p[1]) - 3.0).abs() < 1e-12);
        }
        for p in &m.positions {
            assert!((Vector3::from(*p).norm() - 3.0).abs() < 1e-12);
            assert!(p[2] >= 0.0);
        }
        // Outward normals on the upper half: the boundary runs counter-clockwise from above.
        assert!(polygon_area(&m, lp) > 0.0);
        assert!(min_angle(&m) > 40.0, "level {level}: {}", min_angle(&m));
    }
    let area = mesh_info(&hemisphere(5, 1.0)).area;
    assert!((area / (2.0 * PI) - 1.0).abs() < 0.002, "{area}");
}

#[test]
fn catenoid_band_sizes_topology_orientation() {
    for (n, h) in [(3usize, 1usize), (48, 16), (20, 3)] {
        let m = catenoid_band(n, h, 1.0, 1.5);
        assert_eq!(m.vertices(), n * (h + 1));
        assert_eq!(m.faces.len(), 2 * n * h);
        assert_eq!(topo(&m), (0, 2, Some(0)));
        assert_normals(&m, |g| [g[0], g[1], 0.0]);
        let e = edges(&m).unwrap();
        let loops = boundary_loops(&m, &e);
        for lp in &loops {
            assert_eq!(lp.len(), n);
            let z = m.positions[lp[0]][2];
            assert!(lp.iter().all(|&v| m.positions[v][2] == z) && (z.abs() - 0.75).abs() < 1e-12);
        }
        // The surface to the left: the bottom circle runs counter-clockwise seen from +z, the top
        // one clockwise.
        let (bottom, top) = if m.positions[loops[0][0]][2] < 0.0 {
            (&loops[0], &loops[1])
        } else {
            (&loops[1], &loops[0])
        };
        assert!(polygon_area(&m, bottom) > 0.0 && polygon_area(&m, top) < 0.0);
        for p in &m.positions {
            assert!((p[0].hypot(p[1]) - (p[2]).cosh()).abs() < 1e-12);
        }
    }
}
