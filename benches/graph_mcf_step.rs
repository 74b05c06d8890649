//! One implicit step of `graph-mcf` on n×n grids, split into assembly, numeric factorization and
//! solve, beside the floor: one numeric factorization + solve of the plain 5-point Laplacian on
//! the same unknowns (the symbolic analysis, done once per run, is timed separately).
//!
//! `cargo bench --bench graph_mcf_step [-- 256 512 1024]`; each figure is the median of repeats.

use geoflow::discretization::GridDomain;
use geoflow::expr::{Expr, Variables};
use geoflow::flows::graph_mcf::{GraphForm, GraphMcf};
use geoflow::flows::ImplicitStep;
use geoflow::grid::Grid2;
use geoflow::linalg::{Pattern, SpdSolver};
mod common;

use common::{phases, time};
use std::time::Instant;

fn laplacian(n: usize) -> (Pattern, Vec<f64>) {
    let m = n - 2;
    let mut pairs = Vec::new();
    let mut vals = Vec::new();
    for j in 0..m {
        for i in 0..m {
            let k = i + m * j;
            pairs.push((k, k));
            vals.push(4.0);
            if i + 1 < m {
                pairs.push((k, k + 1));
                vals.push(-1.0);
            }
            if j + 1 < m {
                pairs.push((k, k + m));
                vals.push(-1.0);
            }
        }
    }
    (Pattern::new(m * m, &pairs), vals)
}

fn main() {
    let sizes: Vec<usize> = common::sizes_from_args(&[256, 512, 1024]);
    println!(
        "threads: {}  (times in ms, median of repeats)",
        rayon::current_num_threads()
    );
    println!(
        "{:>6} {:>9} | {:>9} {:>9} {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>6}",
        "grid",
        "unknowns",
        "symbolic",
        "assemble",
        "factor",
        "solve",
        "step",
        "floor sym",
        "floor fac",
        "floor sol",
        "ratio"
    );
    for n in sizes {
        let reps = if n >= 1024 { 3 } else { 7 };
        let grid = Grid2::new(n, n, [-1.0, 1.0], [-1.0, 1.0]);
        let vars = geoflow::expr::Xyzt::NAMES;
        let u0 = Expr::parse("0.5*sin(pi*x)*cos(pi*y/2)", vars).unwrap();
        let g = Expr::parse("0", vars).unwrap();
        let t = Instant::now();
        let mut flow =
            GraphMcf::new(GridDomain::new(grid), GraphForm::Geometric, Some(g), None).unwrap();
        let symbolic = t.elapsed().as_secs_f64();
        let s = flow.initial_state(&u0, 0.0);
        let dt = 1e-4;
        let p = phases(&mut flow, &s, dt, reps);

        let (pattern, vals) = laplacian(n);
        let t = Instant::now();
        let mut lap = SpdSolver::new(pattern).unwrap();
        let floor_symbolic = t.elapsed().as_secs_f64();
        let floor_factor = time(reps, || lap.factor(&vals).unwrap());
        let mut b = vec![1.0; (n - 2) * (n - 2)];
        let floor_solve = time(reps, || lap.solve_in_place(&mut b).unwrap());
        let floor = floor_factor + floor_solve;
        let ms = |s: f64| s * 1e3;
        println!(
            "{:>6} {:>9} | {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} | {:>9.1} {:>9.1} {:>9.1} | {:>6.3}",
            format!("{n}^2"),
            flow.unknowns(),
            ms(symbolic),
            ms(p.assemble),
            ms(p.factor),
            ms(p.solve),
            ms(p.step),
            ms(floor_symbolic),
            ms(floor_factor),
            ms(floor_solve),
            p.step / floor
        );
    }
}
