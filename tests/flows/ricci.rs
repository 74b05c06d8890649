use crate::Record;
use geoflow::scenario::Scenario;
use geoflow::time::StepRecord;
use std::f64::consts::PI;

fn diag(rec: &StepRecord, name: &str) -> f64 {
    rec.diagnostics
        .iter()
        .find(|d| d.0 == name)
        .unwrap_or_else(|| panic!("no diagnostic {name}"))
        .1
}

fn simulate(name: &str, set: &[&str]) -> Vec<StepRecord> {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let s = Scenario::load(Some(name), &set).unwrap();
    let mut rec = Record::default();
    geoflow::run::simulate(&s, &mut [&mut rec]).unwrap();
    rec.0
}

/// Σ K^int = 2πχ (χ from the mesh's topology) at every step, and the energy never rises.
fn assert_gauss_bonnet_and_energy(name: &str, steps: &[StepRecord]) {
    for r in steps {
        let d = diag(r, "gauss_bonnet_defect");
        assert!(
            d.abs() < 1e-10,
            "{name}: Gauss–Bonnet defect {d:e} at t = {}",
            r.time
        );
    }
    for w in steps.windows(2) {
        assert!(
            w[1].energy <= w[0].energy + 1e-12,
            "{name}: energy rose {} -> {} at t = {}",
            w[0].energy,
            w[1].energy,
            w[1].time
        );
    }
}

#[test]
fn unnormalized_sphere_shrinks_by_the_area_law_at_second_order_in_h() {
    // dA/dt = −4πχ = −8π. The semi-discrete scheme keeps it exactly (Σ K^int = 4π); the time
    // step errs by O(dt), so with dt ~ h² the mean rate converges at order 2 in h.
    let mut errors = Vec::new();
    for (level, dt) in [(2, 8e-3), (3, 2e-3), (4, 5e-4)] {
        let steps = simulate(
            "ricci-sphere",
            &[
                &format!("mesh.level={level}"),
                &format!("time.dt={dt}"),
                "output.every=100000",
            ],
        );
        assert_gauss_bonnet_and_energy("ricci-sphere", &steps);
        let (first, last) = (&steps[0], steps.last().unwrap());
        let rate = (diag(last, "area") - diag(first, "area")) / (last.time - first.time);
        errors.push((rate + 8.0 * PI).abs());
    }
    let order: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    eprintln!("|dA/dt + 8 pi| = {errors:?}, EOC {order:?}");
    assert!(order.iter().all(|&r| r > 1.9 && r < 2.2), "{order:?}");
}

#[test]
fn normalized_flow_rounds_an_ellipsoid_exponentially_keeping_area_and_gauss_bonnet() {
    let steps = simulate("ricci-ellipsoid", &[]);
    assert_gauss_bonnet_and_energy("ricci-ellipsoid", &steps);
    let a0 = diag(&steps[0], "area");
    for r in &steps {
        assert!(
            (diag(r, "area") - a0).abs() < 1e-12 * a0,
            "area at t = {}",
            r.time
        );
    }
    // The spread max K − min K falls by the same factor over every unit of time: exponential
    // decay, to 1e-9 of its start by t = 4.
    let at = |t: f64| {
        diag(
            steps.iter().find(|r| r.time >= t - 1e-9).unwrap(),
            "curvature_spread",
        )
    };
    let factors: Vec<f64> = [1.0, 2.0, 3.0]
        .iter()
        .map(|&t| at(t + 1.0) / at(t))
        .collect();
    eprintln!(
        "spread {:e} -> {:e}, factor per unit time {factors:?}",
        at(0.0),
        at(4.0)
    );
    assert!(at(4.0) < 1e-9 * at(0.0));
    for f in &factors {
        assert!((f / factors[0] - 1.0).abs() < 0.05, "{factors:?}");
    }
    // The limit is the round metric of the same area: K = 4π / A everywhere.
    let last = steps.last().unwrap();
    assert!((diag(last, "k_max") - 4.0 * PI / a0).abs() < 1e-8);
}

#[test]
fn normalized_flow_of_the_bumpy_sphere_also_uniformizes() {
    let steps = simulate(
        "ricci-ellipsoid",
        &["mesh.generate=bumpy-sphere", "mesh.level=3"],
    );
    assert_gauss_bonnet_and_energy("bumpy sphere", &steps);
    let (first, last) = (&steps[0], steps.last().unwrap());
    assert!(diag(last, "curvature_spread") < 1e-6 * diag(first, "curvature_spread"));
}

#[test]
fn normalized_flow_of_a_torus_drives_the_curvature_to_zero_everywhere() {
    let steps = simulate("ricci-torus", &[]);
    assert_gauss_bonnet_and_energy("ricci-torus", &steps);
    let (first, last) = (&steps[0], steps.last().unwrap());
    let kmax = |r: &StepRecord| diag(r, "k_max").abs().max(diag(r, "k_min").abs());
    eprintln!("torus max |K|: {:e} -> {:e}", kmax(first), kmax(last));
    assert!(kmax(first) > 1.0);
    assert!(kmax(last) < 1e-8, "{}", kmax(last));
    // χ = 0: the total curvature is zero at every step.
    assert!(steps
        .iter()
        .all(|r| diag(r, "total_curvature").abs() < 1e-10));
}

#[test]
fn the_energy_never_rises_even_for_huge_steps() {
    // Convex–concave splitting: unconditionally energy-decreasing for χ ≥ 0.
    for dt in [0.5, 5.0] {
        let steps = simulate(
            "ricci-ellipsoid",
            &[
                &format!("time.dt={dt}"),
                "time.t_end=20",
                "output.every=1000",
            ],
        );
        assert_gauss_bonnet_and_energy("ricci-ellipsoid, huge dt", &steps);
    }
}

/// The normalized flow from `u = 0` on a CGAL mesh to `t = 30` (`dt = 0.02`) with the mesh's own
/// Laplacian and with that of its intrinsic Delaunay triangulation: the step records and the
/// warnings of each.
fn cgal_run(path: &std::path::Path, laplacian: &str) -> (Vec<StepRecord>, Vec<String>) {
    let text = format!(
        "name = \"drift\"\nflow = \"ricci\"\n[mesh]\nfile = \"{}\"\nlaplacian = \"{laplacian}\"\n\
         [ricci]\nnormalized = true\n[initial]\nu = \"0\"\n[time]\ndt = 0.02\nt_end = 30.0\n",
        path.display()
    );
    let s = Scenario::from_toml(&text, "test", &[]).unwrap();
    let mut warnings = Vec::new();
    let mut rec = Record::default();
    geoflow::run::prepare(&s, &mut |w| warnings.push(w.to_string()))
        .unwrap()
        .run(&mut [&mut rec])
        .unwrap();
    (rec.0, warnings)
}

/// The curvature spread at the record nearest `t`.
fn spread_at(steps: &[StepRecord], t: f64) -> f64 {
    let r = steps
        .iter()
        .min_by(|a, b| (a.time - t).abs().total_cmp(&(b.time - t).abs()))
        .unwrap();
    diag(r, "curvature_spread")
}

/// Two genus-0 meshes of CGAL's example data with many obtuse triangles (`spool.off`: 649
/// vertices, 238 of 1941 edges with a negative cotan weight; `hand.off`: 1197 vertices, 578 of
/// 3585). With the mesh's own Laplacian the normalized flow warns, and at `t = 30` its curvature
/// spread is still above 1e-2 (spool: 0.0142 at t = 10, 0.0158 at t = 30; hand: 0.040 at
/// t ≈ 17, back up to 0.061 at t = 30). On the intrinsic Delaunay Laplacian there is no
/// warning, and the flow reaches constant curvature: a spread of about 2e-7 (spool) and 5e-7
/// (hand) from t ≈ 20 on, where it stays.
///
/// Measured beyond this test (t = 200): the rise after a first plateau is the flow leaving a
/// near-uniform state for one of much lower energy, with either Laplacian, not a blow-up. The
/// mesh's own Laplacian gets there too, later: hand by t ≈ 50 (spread 1.6e-7), spool still
/// at 1.3e-3 at t = 200. On CGAL's `retinal.off` (809 of 10923 weights negative) both rise from
/// 0.03 at t ≈ 1 to 0.05–0.06 at t = 30 and settle later, by t ≈ 50 (intrinsic Delaunay, spread
/// 5e-4) and t ≈ 100 (own, 7e-4).
#[test]
fn on_the_intrinsic_delaunay_laplacian_the_normalized_flow_of_obtuse_meshes_settles() {
    let meshes = ["spool.off", "hand.off"];
    let Some(dir) = crate::cgal_meshes(&meshes) else {
        return;
    };
    for name in meshes {
        let path = dir.path().join("data/meshes").join(name);
        let (input, warnings) = cgal_run(&path, "input");
        assert!(
            warnings.iter().any(|w| w.contains("negative cotan weight")
                && w.contains("laplacian = \"intrinsic-delaunay\"")),
            "{name}: {warnings:?}"
        );
        let (id, warnings) = cgal_run(&path, "intrinsic-delaunay");
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        let times = [1.6, 5.0, 10.0, 20.0, 30.0];
        let row = |steps: &[StepRecord]| {
            times
                .iter()
                .map(|&t| format!("{:.3e}", spread_at(steps, t)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        eprintln!(
            "{name}: curvature spread at t = {times:?}\n  input              {}\n  intrinsic \
             Delaunay {}",
            row(&input),
            row(&id)
        );
        // The mesh's own Laplacian: not uniformized at t = 30.
        assert!(spread_at(&input, 30.0) > 1e-2, "{name}");
        // The intrinsic Delaunay one: from t = 20 on at its minimum, to rounding.
        let tail: Vec<f64> = id
            .iter()
            .filter(|r| r.time >= 20.0)
            .map(|r| diag(r, "curvature_spread"))
            .collect();
        let best = id
            .iter()
            .map(|r| diag(r, "curvature_spread"))
            .fold(f64::INFINITY, f64::min);
        let worst = tail.iter().fold(0.0f64, |m, &s| m.max(s));
        assert!(worst < 1e-6, "{name}: spread {worst:e} after t = 20");
        assert!(best > 0.0 && worst < 1e-6 + 10.0 * best, "{name}");
        for r in &id {
            assert!(diag(r, "gauss_bonnet_defect").abs() < 1e-9, "{name}");
        }
    }
}
