//! One tangent-plane step of `harmonic-map` into S², split into assembly (tangent bases, block
//! entries, right-hand side), numeric factorization (symbolic analysis reused) and solve, beside
//! the floor: one numeric factorization + solve of the plain scalar system `M + dt L` on the same
//! mesh (the map's system has two unknowns per node).
//!
//! Cases: a 512² grid with Dirichlet data, and the Gauss map of the unit icosphere of level 7
//! (163,842 vertices). `cargo bench --bench harmonic_map_step [-- grid sphere]`; each figure is
//! the median of repeats.

use geoflow::discretization::{Discretization, GridDomain, MeshDomain};
use geoflow::flows::harmonic_map::{HarmonicMap, MapOptions, MapState};
use geoflow::flows::target::Target;
use geoflow::flows::ImplicitStep;
use geoflow::grid::Grid2;
use geoflow::mesh::shapes::icosphere;
use nalgebra::Vector3;
mod common;

use common::{phases, scalar_floor};
use std::time::Instant;

fn bench<D: Discretization>(
    label: &str,
    domain: D,
    u: Vec<[f64; 3]>,
    dirichlet: bool,
    reps: usize,
) {
    let dt = 1e-3;
    let floor = scalar_floor(&domain, dirichlet, dt, reps);
    let t = Instant::now();
    let options = MapOptions {
        dirichlet,
        ..MapOptions::default()
    };
    let mut flow = HarmonicMap::new(domain, Target::Sphere { components: 3 }, options).unwrap();
    let symbolic = t.elapsed().as_secs_f64();
    let s = MapState { u };
    let p = phases(&mut flow, &s, dt, reps);

    eprintln!(
        "{label}: factor nnz {} (map) vs {} (scalar), ratio {:.2}",
        flow.factor_nnz(),
        floor.factor_nnz,
        flow.factor_nnz() as f64 / floor.factor_nnz as f64
    );
    let ms = |s: f64| s * 1e3;
    println!(
        "{label:>8} {:>9} | {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} | {:>9} {:>9.1} {:>9.1} {:>9.1} | {:>6.2}",
        flow.unknowns(),
        ms(symbolic),
        ms(p.assemble),
        ms(p.factor),
        ms(p.solve),
        ms(p.step),
        floor.unknowns,
        ms(floor.symbolic),
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
        "{:>8} {:>9} | {:>9} {:>9} {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} {:>9} | {:>6}",
        "case",
        "unknowns",
        "symbolic",
        "assemble",
        "factor",
        "solve",
        "step",
        "floor n",
        "fl. sym",
        "fl. fac",
        "fl. sol",
        "ratio"
    );
    if want("grid") {
        let n = 512;
        let domain = GridDomain::new(Grid2::new(n, n, [-1.0, 1.0], [-1.0, 1.0]));
        // The disk map u_1 of the harmonic-disk scenario, perturbed.
        let u = (0..domain.nodes())
            .map(|k| {
                let [x, y, _] = domain.point(k);
                let r2 = x * x + y * y;
                Vector3::new(2.0 * x + 0.3 * (1.0 - r2), 2.0 * y, 1.0 - r2 + 0.5 * x)
                    .normalize()
                    .into()
            })
            .collect();
        bench("512^2", domain, u, true, 5);
    }
    if want("sphere") {
        let mesh = icosphere(7, 1.0);
        let normals = geoflow::geometry::vertex_normals(&mesh);
        bench("sphere", MeshDomain::surface(mesh), normals, false, 5);
    }
}
