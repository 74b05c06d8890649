//! Convergence studies: run a scenario with a known solution on refined grids (`h, h/2, h/4, …`,
//! time step `dt / 2^(dt_order·k)`) and measure the experimental order of convergence
//! `EOC_k = log(e_{k-1}/e_k) / log(h_{k-1}/h_k)` of the errors at the final time.

use crate::error::{Error, Result};
use crate::run;
use crate::scenario::Scenario;
use std::fmt::Write;

/// One refinement level of a study.
#[derive(Clone, Debug)]
pub struct Level {
    /// `"65x65"` for a grid, `"4225 vertices"` for a mesh.
    pub size: String,
    /// Number of nodes.
    pub nodes: usize,
    pub h: f64,
    pub dt: f64,
    pub steps: usize,
    pub error_l2: f64,
    pub error_linf: f64,
    pub error_h1: f64,
    pub seconds: f64,
}

/// The scenario at refinement level `k`.
pub fn refine(s: &Scenario, k: u32) -> Scenario {
    let mut r = s.clone();
    let f = 1usize << k;
    if let (Some(g), Some(rg)) = (&s.grid, r.grid.as_mut()) {
        rg.nx = (g.nx - 1) * f + 1;
        rg.ny = (g.ny - 1) * f + 1;
    }
    if let Some(m) = r.mesh.as_mut() {
        use crate::scenario::ShapeKind;
        match m.generate {
            Some(ShapeKind::Disk) => m.rings = Some(m.rings.unwrap_or(16) * f),
            Some(ShapeKind::Square) => m.n = Some(m.n.unwrap_or(32) * f),
            Some(ShapeKind::Icosphere | ShapeKind::Hemisphere | ShapeKind::Ellipsoid) => {
                m.level = Some(m.level.unwrap_or(4) + k)
            }
            _ => {}
        }
    }
    r.time.dt = s.time.dt / (f as f64).powf(s.convergence.dt_order);
    r.time.steps = s
        .time
        .steps
        .map(|n| n * f.pow(s.convergence.dt_order as u32));
    r
}

fn refinable(k: crate::scenario::ShapeKind) -> bool {
    use crate::scenario::ShapeKind::*;
    matches!(k, Disk | Square | Icosphere | Hemisphere | Ellipsoid)
}

/// Run `levels` refinements of a scenario that has an `[exact]` solution.
pub fn study(s: &Scenario, levels: u32) -> Result<Vec<Level>> {
    if s.exact.is_none() {
        return Err(Error::Usage(format!(
            "scenario `{}` has no [exact] solution to measure errors against",
            s.name
        )));
    }
    if levels == 0 {
        return Err(Error::Usage("--levels must be at least 1".into()));
    }
    let mut out = Vec::new();
    for k in 0..levels {
        let r = refine(s, k);
        let start = std::time::Instant::now();
        let fin = run::simulate(&r, &mut [])?;
        let get = |name: &str| {
            fin.last
                .diagnostics
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .unwrap_or(f64::NAN)
        };
        let (size, nodes, h) = match (&r.grid, &r.mesh) {
            (Some(g), _) => (
                format!("{}x{}", g.nx, g.ny),
                g.nx * g.ny,
                (g.x[1] - g.x[0]) / (g.nx - 1) as f64,
            ),
            (None, Some(m)) => {
                if !matches!(m.generate, Some(k) if refinable(k)) {
                    return Err(Error::Usage(format!(
                        "scenario `{}`: convergence studies refine a [grid] or a generated disk, square, icosphere, hemisphere or ellipsoid",
                        s.name
                    )));
                }
                let mesh = m.build(None)?.0;
                let area = crate::geometry::total_area(&mesh);
                let h = (area / mesh.faces.len() as f64 * 4.0 / 3f64.sqrt()).sqrt();
                (format!("{} vertices", mesh.vertices()), mesh.vertices(), h)
            }
            _ => {
                return Err(Error::Usage(format!(
                    "scenario `{}` has neither [grid] nor [mesh]",
                    s.name
                )))
            }
        };
        out.push(Level {
            size,
            nodes,
            h,
            dt: r.time.dt,
            steps: fin.last.step,
            error_l2: get("error_l2"),
            error_linf: get("error_linf"),
            error_h1: get("error_h1"),
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    Ok(out)
}

/// Experimental orders between consecutive levels for the chosen error.
pub fn eoc(levels: &[Level], error: impl Fn(&Level) -> f64) -> Vec<f64> {
    levels
        .windows(2)
        .map(|w| (error(&w[0]) / error(&w[1])).ln() / (w[0].h / w[1].h).ln())
        .collect()
}

/// The study as a table for the terminal.
pub fn table(levels: &[Level]) -> String {
    let rates = [
        eoc(levels, |l| l.error_l2),
        eoc(levels, |l| l.error_linf),
        eoc(levels, |l| l.error_h1),
    ];
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:>5} {:>14} {:>9} {:>9} {:>6} {:>10} {:>5} {:>10} {:>5} {:>10} {:>5} {:>7}",
        "level",
        "size",
        "h",
        "dt",
        "steps",
        "L2 error",
        "EOC",
        "Linf error",
        "EOC",
        "H1 error",
        "EOC",
        "time[s]"
    );
    for (k, l) in levels.iter().enumerate() {
        let r = |i: usize| {
            k.checked_sub(1)
                .map_or("-".to_string(), |j| format!("{:.2}", rates[i][j]))
        };
        let _ = writeln!(
            t,
            "{:>5} {:>14} {:>9.3e} {:>9.3e} {:>6} {:>10.3e} {:>5} {:>10.3e} {:>5} {:>10.3e} {:>5} {:>7.2}",
            k,
            l.size,
            l.h,
            l.dt,
            l.steps,
            l.error_l2,
            r(0),
            l.error_linf,
            r(1),
            l.error_h1,
            r(2),
            l.seconds
        );
    }
    t
}

/// The study as CSV.
pub fn csv(levels: &[Level]) -> String {
    let rates = [
        eoc(levels, |l| l.error_l2),
        eoc(levels, |l| l.error_linf),
        eoc(levels, |l| l.error_h1),
    ];
    let mut t = String::from(
        "level,nodes,h,dt,steps,error_l2,eoc_l2,error_linf,eoc_linf,error_h1,eoc_h1,seconds\n",
    );
    for (k, l) in levels.iter().enumerate() {
        let r = |i: usize| {
            k.checked_sub(1)
                .map_or(String::new(), |j| format!("{:e}", rates[i][j]))
        };
        let _ = writeln!(
            t,
            "{k},{},{:e},{:e},{},{:e},{},{:e},{},{:e},{},{:e}",
            l.nodes,
            l.h,
            l.dt,
            l.steps,
            l.error_l2,
            r(0),
            l.error_linf,
            r(1),
            l.error_h1,
            r(2),
            l.seconds
        );
    }
    t
}
