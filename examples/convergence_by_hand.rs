//! A convergence study written by hand: mean curvature flow of a graph, the grim reaper
//! `u = t − ln cos x` (a translating solution), on grids of spacing `h, h/2, h/4, h/8` with
//! `dt ∝ h²`; the L² error at `T` against the exact solution and the experimental order
//! `log(e_k / e_{k+1}) / log 2`, which tends to 2.
//!
//! ```sh
//! cargo run --release --example convergence_by_hand
//! ```

use geoflow::discretization::GridDomain;
use geoflow::expr::{Formula, Xyzt};
use geoflow::flows::graph_mcf::{GraphForm, GraphMcf};
use geoflow::flows::Flow;
use geoflow::grid::Grid2;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let exact: Formula<Xyzt> = Formula::parse("t - ln(cos(x))")?;
    let t_end = 0.1;
    let mut previous: Option<f64> = None;
    println!("{:>9} {:>10} {:>12} {:>6}", "grid", "dt", "L2 error", "EOC");
    for k in 0..4 {
        let n = 8 * (1 << k) + 1;
        let grid = Grid2::new(n, n, [-1.2, 1.2], [-0.9, 0.9]);
        let steps = 25 * (1 << (2 * k));
        let dt = t_end / steps as f64;
        // Dirichlet data and the error columns both come from the exact solution.
        let mut flow = GraphMcf::new(
            GridDomain::new(grid),
            GraphForm::Geometric,
            Some((*exact).clone()),
            Some((*exact).clone()),
        )?;
        let mut state = flow.initial_state(&exact, 0.0);
        for step in 0..steps {
            state = flow.step(&state, step as f64 * dt, dt)?;
        }
        let d = flow.diagnostics(&state, t_end);
        let error = d
            .iter()
            .find(|(n, _)| *n == "error_l2")
            .expect("an exact solution")
            .1;
        let eoc = previous.map_or("-".to_string(), |p| format!("{:.2}", (p / error).log2()));
        println!(
            "{:>9} {dt:>10.3e} {error:>12.4e} {eoc:>6}",
            format!("{n}x{n}")
        );
        previous = Some(error);
    }
    Ok(())
}
