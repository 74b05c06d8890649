//! One implicit step of `surface-mcf` on unit icospheres (default levels 6, 7, 8: 40,962,
//! 163,842 and 655,362 vertices), split into assembly (cotans, Voronoi mass, entries), numeric
//! factorization (symbolic analysis reused) and the solves for x, y, z.
//!
//! `cargo bench --bench surface_mcf_step [-- 6 7 8]`; each figure is the median of repeats.

use geoflow::flows::surface_mcf::{SurfaceMcf, SurfaceOptions, SurfaceState};
use geoflow::flows::ImplicitStep;
use geoflow::mesh::shapes::icosphere;
mod common;

use common::phases;
use std::time::Instant;

fn main() {
    let levels: Vec<u32> = common::sizes_from_args(&[6, 7, 8]);
    println!(
        "threads: {}  (seconds, median of repeats)",
        rayon::current_num_threads()
    );
    println!(
        "{:>9} | {:>8} {:>8} {:>8} {:>8} {:>8} | {:>9}",
        "vertices", "symbolic", "assemble", "factor", "solve", "step", "assembly%"
    );
    for level in levels {
        let reps = if level >= 8 { 3 } else { 5 };
        let mesh = icosphere(level, 1.0);
        let t = Instant::now();
        let mut flow = SurfaceMcf::new(&mesh, SurfaceOptions::default()).unwrap();
        let symbolic = t.elapsed().as_secs_f64();
        let s = SurfaceState { mesh: mesh.clone() };
        let dt = 1e-3;
        let p = phases(&mut flow, &s, dt, reps);
        println!(
            "{:>9} | {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} | {:>8.1}%",
            flow.unknowns(),
            symbolic,
            p.assemble,
            p.factor,
            p.solve,
            p.step,
            100.0 * p.assemble / p.step
        );
    }
}
