//! One linearly implicit step of `ricci`, split into assembly (diagonal `m e^{2u}`, right-hand
//! side, boundary data), numeric factorization (symbolic analysis reused) and solve, beside the
//! floor: one numeric factorization + solve of the plain `M + dt L` on the same mesh.
//!
//! Cases: a 1024² grid (the cigar soliton's data) and the normalized flow on the unit icosphere
//! of level 8 (655,362 vertices). `cargo bench --bench ricci_step [-- grid sphere]`; each figure
//! is the median of repeats.

use geoflow::discretization::{Discretization, GridDomain, MeshDomain};
use geoflow::expr::Formula;
use geoflow::flows::ricci::{ConformalData, Ricci, RicciState};
use geoflow::flows::ImplicitStep;
use geoflow::grid::Grid2;
use geoflow::mesh::shapes::icosphere;
mod common;

use common::{phases, scalar_floor};
use std::time::Instant;

fn bench<D: Discretization>(
    label: &str,
    domain: D,
    k0: Vec<f64>,
    chi: f64,
    normalized: bool,
    u0: Vec<f64>,
) {
    let (dt, reps) = (1e-3, 3);
    let floor = scalar_floor(&domain, true, dt, reps);
    let t = Instant::now();
    let mut flow = Ricci::new(domain, k0, chi, normalized, None, &u0).unwrap();
    let symbolic = t.elapsed().as_secs_f64();
    let s = RicciState { u: u0 };
    let p = phases(&mut flow, &s, dt, reps);

    let ms = |s: f64| s * 1e3;
    println!(
        "{label:>8} {:>9} | {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} | {:>9.1} {:>9.1} | {:>6.3}",
        flow.unknowns(),
        ms(symbolic),
        ms(p.assemble),
        ms(p.factor),
        ms(p.solve),
        ms(p.step),
        ms(floor.factor),
        ms(floor.solve),
        p.step / (floor.factor + floor.solve)
    );
}

fn main() {
    let want = common::wanted_cases();
    println!(
        "threads: {}  (milliseconds, median of repeats; ratio = step / (floor factor + solve))",
        rayon::current_num_threads()
    );
    println!(
        "{:>8} {:>9} | {:>9} {:>9} {:>9} {:>9} {:>9} | {:>9} {:>9} | {:>6}",
        "case",
        "unknowns",
        "symbolic",
        "assemble",
        "factor",
        "solve",
        "step",
        "fl. fac",
        "fl. sol",
        "ratio"
    );
    if want("grid") {
        let n = 1024;
        let domain = GridDomain::new(Grid2::new(n, n, [-2.0, 2.0], [-2.0, 2.0]));
        let v = ConformalData {
            expr: Formula::parse("1/(1 + x^2 + y^2)").unwrap(),
            is_v: true,
        };
        let u0 = (0..domain.nodes())
            .map(|i| v.u(domain.point(i), 0.0))
            .collect();
        let mut k0 = vec![0.0; domain.nodes()];
        for c in [0, n - 1, n * (n - 1), n * n - 1] {
            k0[c] = std::f64::consts::FRAC_PI_2;
        }
        bench("1024^2", domain, k0, 1.0, false, u0);
    }
    if want("sphere") {
        let mesh = icosphere(8, 1.0);
        let k0 = geoflow::geometry::vertex_angle_defects(&mesh);
        // A non-constant conformal factor, so the step does real work.
        let u0 = mesh.positions.iter().map(|p| 0.3 * p[0] * p[1]).collect();
        bench("sphere", MeshDomain::surface(mesh), k0, 2.0, true, u0);
    }
}
