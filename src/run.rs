//! From a validated scenario to a running flow: build the discretization, the initial state and the
//! time control, then drive it with the given observers.

use crate::discretization::{Discretization, GridDomain, MeshDomain};
use crate::error::{Error, Result};
use crate::flows::graph_mcf::{GraphForm, GraphMcf, GraphState};
use crate::flows::harmonic_map::{HarmonicMap, MapState};
use crate::flows::surface_mcf::{
    LaplacianChoice, Normalize, SurfaceMcf, SurfaceOptions, SurfaceState,
};
use crate::grid::Grid2;
use crate::mesh::TriMesh;
use crate::scenario::{FlowKind, Scenario};
use crate::time::{self, Control, Finished, Observer};

/// The time control a scenario asks for.
pub fn control(s: &Scenario) -> Control {
    Control {
        t0: s.time.t0,
        dt: s.time.dt,
        t_end: s.time.t_end,
        steps: s.time.steps,
        tol: s.time.tol,
        every: s.output.every,
        stop_on_collapse: s
            .surface
            .as_ref()
            .is_some_and(|sf| sf.on_collapse == "stop"),
    }
}

fn numerical(s: &Scenario, e: impl std::fmt::Display) -> Error {
    Error::Numerical {
        step: 0,
        time: s.time.t0,
        msg: e.to_string(),
    }
}

/// Build the graph flow of a scenario on a given discretization, and its initial state.
pub fn graph_flow<D: Discretization>(s: &Scenario, domain: D) -> Result<(GraphMcf<D>, GraphState)> {
    let c = s.compile(&format!("scenario `{}`", s.name))?;
    let form = match s.flow {
        FlowKind::GraphArea => GraphForm::Area,
        _ => GraphForm::Geometric,
    };
    let flow = GraphMcf::new(domain, form, c.boundary, c.exact).map_err(|e| numerical(s, e))?;
    let initial = c.initial.expect("validated: graph flows have [initial]");
    let state = flow.initial_state(&initial, s.time.t0);
    if let Some(k) = state.u.iter().position(|v| !v.is_finite()) {
        let [x, y, z] = flow.domain().point(k);
        let key = if flow.domain().boundary()[k] && s.boundary.is_some() {
            "boundary.u"
        } else {
            "initial.u"
        };
        return Err(Error::Config {
            origin: format!("scenario `{}`", s.name),
            key: key.into(),
            msg: format!(
                "is {} at (x, y, z) = ({x}, {y}, {z}), t = {}",
                state.u[k], s.time.t0
            ),
        });
    }
    Ok((flow, state))
}

/// The harmonic map flow of a scenario on a planar discretization, and the initial state: the
/// initial expressions (and, on the boundary, the Dirichlet data) normalized at the nodes.
pub fn harmonic_flow<D: Discretization>(
    s: &Scenario,
    domain: D,
) -> Result<(HarmonicMap<D>, MapState)> {
    let c = s.compile(&format!("scenario `{}`", s.name))?;
    let dim = c.initial_map.len();
    let spec = s.harmonic.clone().unwrap_or_default();
    let bnd = domain.boundary().to_vec();
    let mut u = Vec::with_capacity(domain.nodes());
    for (k, &on_boundary) in bnd.iter().enumerate() {
        let [x, y, z] = domain.point(k);
        let (key, exprs) = match &c.boundary_map {
            Some(b) if on_boundary => ("boundary.u", b),
            _ => ("initial.u", &c.initial_map),
        };
        let mut v = [0.0; 3];
        for (vc, e) in v.iter_mut().zip(exprs) {
            *vc = e.eval(&[x, y, z, s.time.t0]);
        }
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        if !(n.is_finite() && n > 1e-12) {
            return Err(Error::Config {
                origin: format!("scenario `{}`", s.name),
                key: key.into(),
                msg: format!("has length {n} at (x, y, z) = ({x}, {y}, {z}); a map into the sphere needs a non-zero finite vector"),
            });
        }
        u.push(v.map(|c| c / n));
    }
    let flow = HarmonicMap::new(domain, dim, spec.theta, c.boundary_map.is_some())
        .map_err(|e| numerical(s, e))?
        .with_exact(c.exact_map);
    Ok((flow, MapState { u }))
}

/// The surface flow of a scenario on its mesh, and the initial state.
pub fn surface_flow(s: &Scenario, mesh: TriMesh) -> Result<(SurfaceMcf, SurfaceState)> {
    let spec = s.surface.clone().unwrap_or_default();
    let options = SurfaceOptions {
        laplacian: if spec.laplacian == "frozen" {
            LaplacianChoice::Frozen
        } else {
            LaplacianChoice::Current
        },
        fixed_boundary: spec.boundary == "fixed",
        normalize: match spec.normalize.as_str() {
            "area" => Normalize::Area,
            "volume" => Normalize::Volume,
            _ => Normalize::None,
        },
        min_angle_deg: spec.min_angle,
        min_relative_area: spec.min_relative_area,
    };
    let flow = SurfaceMcf::new(&mesh, options).map_err(|e| numerical(s, e))?;
    if spec.normalize == "volume" && !flow.closed() {
        return Err(Error::Config {
            origin: format!("scenario `{}`", s.name),
            key: "surface.normalize".into(),
            msg: "`volume` needs a closed surface; this mesh has a boundary".into(),
        });
    }
    Ok((flow, SurfaceState { mesh }))
}

/// Load or generate the scenario's mesh; warnings (benign repairs) go to `warn`.
pub fn scenario_mesh(s: &Scenario, warn: &mut dyn FnMut(&str)) -> Result<TriMesh> {
    let m = s
        .mesh
        .as_ref()
        .ok_or_else(|| Error::Usage(format!("scenario `{}` has no [mesh]", s.name)))?;
    let (mesh, warnings) = m.build(s.base_dir.as_deref())?;
    for w in &warnings {
        warn(w);
    }
    Ok(mesh)
}

fn strip<S>(f: Finished<S>) -> Finished<()> {
    Finished {
        state: (),
        last: f.last,
        stop: f.stop,
    }
}

/// Run a scenario to its end, reporting to `observers`.
pub fn simulate(s: &Scenario, observers: &mut [&mut dyn Observer]) -> Result<Finished<()>> {
    simulate_with_warnings(s, observers, &mut |_| {})
}

/// [`simulate`], passing mesh-reading warnings to `warn`.
pub fn simulate_with_warnings(
    s: &Scenario,
    observers: &mut [&mut dyn Observer],
    warn: &mut dyn FnMut(&str),
) -> Result<Finished<()>> {
    let control = control(s);
    if s.flow == FlowKind::HarmonicMap {
        return match &s.grid {
            Some(g) => {
                let grid = GridDomain::new(Grid2::new(g.nx, g.ny, g.x, g.y));
                let (mut flow, state) = harmonic_flow(s, grid)?;
                time::run(&mut flow, state, &control, observers).map(strip)
            }
            None => {
                let domain =
                    MeshDomain::new(scenario_mesh(s, warn)?).map_err(|msg| Error::Config {
                        origin: format!("scenario `{}`", s.name),
                        key: "mesh".into(),
                        msg,
                    })?;
                let (mut flow, state) = harmonic_flow(s, domain)?;
                time::run(&mut flow, state, &control, observers).map(strip)
            }
        };
    }
    if s.flow == FlowKind::SurfaceMcf {
        let (mut flow, state) = surface_flow(s, scenario_mesh(s, warn)?)?;
        return time::run(&mut flow, state, &control, observers).map(strip);
    }
    if let Some(g) = &s.grid {
        let grid = GridDomain::new(Grid2::new(g.nx, g.ny, g.x, g.y));
        let (mut flow, state) = graph_flow(s, grid)?;
        return time::run(&mut flow, state, &control, observers).map(strip);
    }
    let domain = MeshDomain::new(scenario_mesh(s, warn)?).map_err(|msg| Error::Config {
        origin: format!("scenario `{}`", s.name),
        key: "mesh".into(),
        msg,
    })?;
    let (mut flow, state) = graph_flow(s, domain)?;
    time::run(&mut flow, state, &control, observers).map(strip)
}
