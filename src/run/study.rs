//! Convergence studies of a scenario with an `[exact]` solution: run it on refined grids or
//! meshes (`h, h/2, h/4, …`, time step `dt / 2^(dt_order·k)`) and collect the errors at the final
//! time ([`crate::convergence`] computes the orders and prints the tables).

use crate::convergence::Level;
use crate::error::{Error, Result};
use crate::scenario::{DomainSpec, Scenario, ShapeKind};

/// The scenario at refinement level `k`.
pub fn refine(s: &Scenario, k: u32) -> Scenario {
    let mut r = s.clone();
    let f = 1usize << k;
    match &mut r.domain {
        DomainSpec::Grid(g) => {
            g.nx = (g.nx - 1) * f + 1;
            g.ny = (g.ny - 1) * f + 1;
        }
        DomainSpec::Mesh(m) => match m.generate {
            Some(ShapeKind::Disk) => m.rings = Some(m.rings.unwrap_or(16) * f),
            Some(ShapeKind::Square) => m.n = Some(m.n.unwrap_or(32) * f),
            Some(ShapeKind::Icosphere | ShapeKind::Hemisphere | ShapeKind::Ellipsoid) => {
                m.level = Some(m.level.unwrap_or(4) + k)
            }
            _ => {}
        },
    }
    r.time.dt = s.time.dt / (f as f64).powf(s.convergence.dt_order);
    r.time.steps = s
        .time
        .steps
        .map(|n| n * f.pow(s.convergence.dt_order as u32));
    r
}

fn refinable(k: ShapeKind) -> bool {
    use ShapeKind::*;
    matches!(k, Disk | Square | Icosphere | Hemisphere | Ellipsoid)
}

/// Run `levels` refinements of a scenario that has an `[exact]` solution;.
pub fn study(s: &Scenario, levels: u32) -> Result<Vec<Level>> {
    if !s.flow.has("exact") {
        return Err(Error::Usage(format!(
            "scenario `{}` has no [exact] solution to measure errors against",
            s.name
        )));
    }
    if levels == 0 {
        return Err(Error::Usage("--levels must be at least 1".into()));
    }
    if let DomainSpec::Mesh(m) = &s.domain {
        if !matches!(m.generate, Some(k) if refinable(k)) {
            return Err(Error::Usage(format!(
                "scenario `{}`: convergence studies refine a [grid] or a generated disk, square, icosphere, hemisphere or ellipsoid",
                s.name
            )));
        }
    }
    let mut out = Vec::new();
    for k in 0..levels {
        let r = refine(s, k);
        let start = std::time::Instant::now();
        let fin = super::simulate(&r, &mut [])?;
        let get = |name: &str| {
            fin.last
                .diagnostics
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        };
        let (size, nodes, h) = match &r.domain {
            DomainSpec::Grid(g) => (
                format!("{}x{}", g.nx, g.ny),
                g.nx * g.ny,
                (g.x[1] - g.x[0]) / (g.nx - 1) as f64,
            ),
            DomainSpec::Mesh(m) => {
                let mesh = m.build(None)?.0;
                let area = crate::geometry::total_area(&mesh);
                let h = (area / mesh.faces.len() as f64 * 4.0 / 3f64.sqrt()).sqrt();
                (format!("{} vertices", mesh.vertices()), mesh.vertices(), h)
            }
        };
        out.push(Level {
            size,
            nodes,
            h,
            dt: r.time.dt,
            steps: fin.last.step,
            error_l2: get("error_l2").unwrap_or(f64::NAN),
            error_linf: get("error_linf").unwrap_or(f64::NAN),
            error_h1: get("error_h1").unwrap_or(f64::NAN),
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    Ok(out)
}
