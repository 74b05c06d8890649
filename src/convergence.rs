//! Convergence tables: the errors of a run at refinement levels `h, h/2, h/4, …` (see
//! [`crate::run::study`], which runs them) and the experimental order of convergence
//! `EOC_k = log(e_{k-1}/e_k) / log(h_{k-1}/h_k)`.

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
