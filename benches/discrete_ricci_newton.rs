//! A Newton solve of `discrete-ricci` (flattening a hemisphere, `u = 0` on the boundary, flat
//! inside, to `max |K − K̂| < 1e-10`) on hemispheres of levels 6, 7, 8 (41,977, 167,398 and
//! 668,568 vertices), each repeat a cold run as a user's: the set-up with its symbolic analysis,
//! the Newton solve from `u = 0` (default Newton, which reuses a factorization while the error
//! drops a hundredfold per step), the number of iterations, the whole (`total`, medians; what
//! the Python peer's `total_s` measures), and beside it one numeric factorization + solve of
//! the Hessian.
//!
//! `cargo bench --bench discrete_ricci_newton [-- 6 7 8]`. Write the same meshes for the Python
//! peer with `geoflow mesh generate hemisphere --level N -o hemisphere_N.obj`.

use geoflow::flows::discrete_ricci::{DiscreteRicci, Method, MetricState};
use geoflow::flows::Flow;
use geoflow::linalg::ImplicitSystem;
use geoflow::mesh::shapes::hemisphere;
mod common;

use common::{median, time};
use std::time::Instant;

fn main() {
    let levels: Vec<u32> = common::sizes_from_args(&[6, 7, 8]);
    println!(
        "threads: {}  (seconds; solve = median of repeats from u = 0)",
        rayon::current_num_threads()
    );
    println!(
        "{:>9} | {:>8} {:>8} {:>8} {:>6} {:>10} | {:>9} {:>9}",
        "vertices", "symbolic", "solve", "total", "iters", "curv. err", "factor", "f. solve"
    );
    for level in levels {
        let mesh = hemisphere(level, 1.0);
        let n = mesh.vertices();
        let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, n);
        // Each repeat is a whole cold run, as a user's: set-up, then Newton from u = 0.
        let reps = if level >= 8 { 3 } else { 5 };
        let (mut setups, mut totals) = (vec![], vec![]);
        let mut run = || {
            let t = Instant::now();
            let mut flow = DiscreteRicci::new(
                mesh.clone(),
                vec![0.0; n],
                boundary.clone(),
                Method::Newton,
                1e-10,
            )
            .unwrap();
            setups.push(t.elapsed().as_secs_f64());
            let mut s = MetricState::new(vec![0.0; n]);
            let mut iterations = 0;
            while !flow.converged(&s) {
                s = flow.step(&s, 0.0, 1.0).unwrap();
                iterations += 1;
                assert!(iterations < 30, "no convergence");
            }
            totals.push(t.elapsed().as_secs_f64());
            (flow, s, iterations)
        };
        // Each run's memory is freed before the next starts, as between two processes.
        for _ in 1..reps {
            drop(run());
        }
        let (flow, last, iterations) = run();
        let (symbolic, total) = (median(setups), median(totals));
        let solve = total - symbolic;
        let lengths = flow.lengths(last.u()).unwrap();
        let error = flow.curvature_error(&flow.curvature_of(&lengths));
        // The floor of one iteration: factor + solve of the Hessian alone.
        let h = flow.hessian(&lengths);
        let mut system =
            ImplicitSystem::with_points(n, flow.hessian_pairs(), &boundary, &flow.mesh().positions)
                .unwrap();
        let zeros = vec![0.0; n];
        let factor = time(reps, || system.factor(&zeros, 1.0, &h).unwrap());
        let ones = vec![1.0; n];
        let solve_floor = time(reps, || {
            system.solve(&ones, &zeros).unwrap();
        });
        println!(
            "{n:>9} | {symbolic:>8.3} {solve:>8.3} {:>8.3} {iterations:>6} {error:>10.2e} | {factor:>9.3} {solve_floor:>9.3}",
            total
        );
    }
}
