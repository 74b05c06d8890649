use crate::Record;
use geoflow::discretization::{Discretization, GridDomain};
use geoflow::flows::harmonic_map::{HarmonicMap, MapState};
use geoflow::flows::Flow;
use geoflow::grid::Grid2;
use geoflow::time::{run, Control};
use std::f64::consts::PI;

/// φ(x, y, t) = e^{-2t} sin x sin y solves φ_t = Δφ on [0, π]², so u = (cos φ, sin φ, 0) solves
/// the harmonic map heat flow into the great circle (and into S²), with u = (1, 0, 0) on the
/// boundary.
fn phi(p: [f64; 3], t: f64) -> f64 {
    (-2.0 * t).exp() * p[0].sin() * p[1].sin()
}

fn great_circle(n: usize, dim: usize, dt: f64, t_end: f64) -> f64 {
    let domain = GridDomain::new(Grid2::new(n, n, [0.0, PI], [0.0, PI]));
    let u0: Vec<[f64; 3]> = (0..domain.nodes())
        .map(|k| {
            let f = phi(domain.point(k), 0.0);
            [f.cos(), f.sin(), 0.0]
        })
        .collect();
    let mut flow = HarmonicMap::new(domain, dim, 1.0, true).unwrap();
    let control = Control {
        t0: 0.0,
        dt,
        t_end: Some(t_end),
        steps: None,
        tol: None,
        every: usize::MAX,
        stop_on_collapse: false,
    };
    let mut rec = Record::default();
    let fin = run(&mut flow, MapState { u: u0 }, &control, &mut [&mut rec]).unwrap();
    // The energy never increases and the constraint holds to rounding.
    assert!(rec
        .0
        .windows(2)
        .all(|w| w[1].energy <= w[0].energy * (1.0 + 1e-14)));
    assert!(flow.constraint_error(&fin.state) < 1e-14);
    let d = flow.domain();
    (0..d.nodes())
        .map(|k| {
            let f = phi(d.point(k), t_end);
            let u = fin.state.u[k];
            ((u[0] - f.cos()).powi(2) + (u[1] - f.sin()).powi(2) + u[2].powi(2)).sqrt()
        })
        .fold(0.0, f64::max)
}

#[test]
fn maps_into_a_great_circle_converge_at_second_order_with_dt_like_h_squared() {
    for dim in [2, 3] {
        let errors: Vec<f64> = [(9, 0.04), (17, 0.01), (33, 0.0025)]
            .iter()
            .map(|&(n, dt)| great_circle(n, dim, dt, 0.2))
            .collect();
        let eoc: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
        eprintln!("S^{}: max errors {errors:?}, EOC {eoc:?}", dim - 1);
        assert!(eoc.iter().all(|&r| r > 1.8), "S^{}: EOC {eoc:?}", dim - 1);
    }
}

#[test]
fn the_dirichlet_energy_never_increases_even_for_huge_steps() {
    // A map into S² far from harmonic, free boundary, dt 1000 times the explicit limit.
    let domain = GridDomain::new(Grid2::new(21, 21, [-1.0, 1.0], [-1.0, 1.0]));
    let u0: Vec<[f64; 3]> = (0..domain.nodes())
        .map(|k| {
            let [x, y, _] = domain.point(k);
            let v = [(3.0 * x).sin(), (2.0 * y).cos(), x * y + 0.3];
            let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
            v.map(|c| c / n)
        })
        .collect();
    let mut flow = HarmonicMap::new(domain, 3, 1.0, false).unwrap();
    let mut s = MapState { u: u0 };
    let mut e = flow.energy(&s);
    let e0 = e;
    for _ in 0..30 {
        s = flow.step(&s, 0.0, 1.0).unwrap();
        let e1 = flow.energy(&s);
        assert!(e1 <= e + 1e-14 * e0, "energy rose: {e} -> {e1}");
        e = e1;
    }
    assert!(
        e < 0.01 * e0,
        "free boundary: the map tends to a constant, E {e0} -> {e}"
    );
    assert!(flow.constraint_error(&s) < 1e-14);
}

#[test]
fn a_perturbed_disk_map_flows_to_the_harmonic_map_with_energy_2_pi_at_second_order() {
    // u(x) = (2x, 1 - |x|²)/(1 + |x|²) on the unit disk is harmonic with energy 4π/(1 + 1) = 2π.
    // From a perturbed start with its boundary data the flow must reach it (steady state), the
    // energy decreasing on the way; the limit's energy and the map converge at order 2 in h.
    use geoflow::scenario::Scenario;
    use geoflow::time::Stop;
    let mut energy_errors = Vec::new();
    let mut map_errors = Vec::new();
    for rings in [4, 8, 16] {
        let s = Scenario::load(Some("harmonic-disk"), &[format!("mesh.rings={rings}")]).unwrap();
        let mut rec = Record::default();
        let fin = geoflow::run::simulate(&s, &mut [&mut rec]).unwrap();
        assert_eq!(fin.stop, Stop::SteadyState);
        assert!(rec
            .0
            .windows(2)
            .all(|w| w[1].energy <= w[0].energy * (1.0 + 1e-14)));
        energy_errors.push((fin.last.energy - 2.0 * PI).abs());
        map_errors.push(
            fin.last
                .diagnostics
                .iter()
                .find(|d| d.0 == "error_l2")
                .unwrap()
                .1,
        );
    }
    let order = |e: &[f64]| -> Vec<f64> { e.windows(2).map(|w| (w[0] / w[1]).log2()).collect() };
    eprintln!(
        "energy errors {energy_errors:?} EOC {:?}; L2 errors {map_errors:?} EOC {:?}",
        order(&energy_errors),
        order(&map_errors)
    );
    assert!(
        *order(&energy_errors).last().unwrap() > 1.9,
        "{energy_errors:?}"
    );
    assert!(*order(&map_errors).last().unwrap() > 1.9, "{map_errors:?}");
}
