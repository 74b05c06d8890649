//! From a validated scenario to a running flow: build the discretization, the initial state and the
//! time control, then drive it with the given observers.

use crate::discretization::{Discretization, GridDomain, MeshDomain};
use crate::error::{Error, Result};
use crate::flows::discrete_ricci::{DiscreteRicci, Method, MetricState};
use crate::flows::graph_mcf::{GraphForm, GraphMcf, GraphState};
use crate::flows::harmonic_map::{HarmonicMap, MapOptions, MapState};
use crate::flows::ricci::{Ricci, RicciState};
use crate::flows::surface_mcf::{
    LaplacianChoice, Normalize, SurfaceMcf, SurfaceOptions, SurfaceState,
};
use crate::flows::target::Target;
use crate::grid::Grid2;
use crate::io::mesh::PointField;
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
            .is_some_and(|sf| sf.on_collapse == "stop")
            || s.harmonic.as_ref().is_some_and(|h| h.on_blowup == "stop"),
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

/// The target manifold a scenario names (the unit sphere of its dimension by default).
pub fn target(s: &Scenario, components: usize) -> Target {
    match &s.target {
        Some(t) if t.kind == "torus" => Target::Torus {
            major: t.major_radius.expect("validated"),
            minor: t.minor_radius.expect("validated"),
        },
        _ => Target::Sphere { components },
    }
}

/// The harmonic map flow of a scenario on a discretization, and the initial state: the initial
/// expressions or mesh-file array `initial` (and, on the boundary, the Dirichlet data) projected
/// onto the target at the nodes. `normals` are the unit normals of a surface domain
/// (`(0, 0, 1)` when `None`).
pub fn harmonic_flow<D: Discretization>(
    s: &Scenario,
    domain: D,
    normals: Option<&[[f64; 3]]>,
    initial: Option<&PointField>,
) -> Result<(HarmonicMap<D>, MapState)> {
    let c = s.compile(&format!("scenario `{}`", s.name))?;
    let components = initial.map_or(c.initial_map.len(), |f| f.components);
    let config = |key: &str, msg: String| Error::Config {
        origin: format!("scenario `{}`", s.name),
        key: key.into(),
        msg,
    };
    if let Some(b) = &c.boundary_map {
        if b.len() != components {
            return Err(config(
                "boundary.u",
                format!(
                    "has {} components, the initial map has {components}",
                    b.len()
                ),
            ));
        }
    }
    let torus = s.target.as_ref().is_some_and(|t| t.kind == "torus");
    if !(components == 3 || (components == 2 && !torus)) {
        return Err(config(
            "initial",
            format!(
                "the initial map has {components} components; the target needs 3 (or 2 for S^1)"
            ),
        ));
    }
    let spec = s.harmonic.clone().unwrap_or_default();
    let target = target(s, components);
    if spec.center == "mobius" && !target.is_s2() {
        return Err(config(
            "harmonic.center",
            "Möbius centering applies to maps into S² (three components, target sphere)".into(),
        ));
    }
    let bnd = domain.boundary().to_vec();
    let mut u = Vec::with_capacity(domain.nodes());
    for (k, &on_boundary) in bnd.iter().enumerate() {
        let [x, y, z] = domain.point(k);
        let [nx, ny, nz] = normals.map_or([0.0, 0.0, 1.0], |n| n[k]);
        let mut v = [0.0; 3];
        let key = match (&c.boundary_map, initial) {
            (Some(b), _) if on_boundary => {
                for (vc, e) in v.iter_mut().zip(b) {
                    *vc = e.eval(&[x, y, z, s.time.t0, nx, ny, nz]);
                }
                "boundary.u"
            }
            (_, Some(f)) => {
                v[..components].copy_from_slice(f.at(k));
                "initial.field"
            }
            _ => {
                for (vc, e) in v.iter_mut().zip(&c.initial_map) {
                    *vc = e.eval(&[x, y, z, s.time.t0, nx, ny, nz]);
                }
                "initial.u"
            }
        };
        let p = target.project(v);
        if !(v.iter().all(|c| c.is_finite()) && v != [0.0; 3] && p.iter().all(|c| c.is_finite())) {
            return Err(config(
                key,
                format!(
                    "is ({}, {}, {}) at vertex {k}, (x, y, z) = ({x}, {y}, {z}); a map into the target needs finite, non-zero vectors",
                    v[0], v[1], v[2]
                ),
            ));
        }
        u.push(p);
    }
    let options = MapOptions {
        theta: spec.theta,
        dirichlet: c.boundary_map.is_some(),
        project: spec.project,
        center: spec.center == "mobius",
        stop_on_blowup: spec.on_blowup == "stop",
    };
    let flow = HarmonicMap::new(domain, target, options)
        .map_err(|e| numerical(s, e))?
        .with_exact(c.exact_map);
    if options.center {
        crate::geometry::mobius_center(&mut u, flow.domain().lumped_mass())
            .map_err(|e| numerical(s, e))?;
    }
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

/// The Ricci flow of a scenario on a discretization with integrated background curvature `k0`
/// and Euler characteristic `chi`, and its initial state.
pub fn ricci_flow<D: Discretization>(
    s: &Scenario,
    domain: D,
    k0: Vec<f64>,
    chi: f64,
) -> Result<(Ricci<D>, RicciState)> {
    let c = s.compile(&format!("scenario `{}`", s.name))?;
    let [initial, boundary, exact] = c.conformal;
    let initial = initial.expect("validated: ricci has [initial]");
    let normalized = s.ricci.as_ref().is_some_and(|r| r.normalized);
    if normalized && domain.boundary().iter().any(|&b| b) {
        return Err(Error::Config {
            origin: format!("scenario `{}`", s.name),
            key: "ricci.normalized".into(),
            msg: "the normalized flow needs a closed surface; this mesh has a boundary".into(),
        });
    }
    // The initial state, checked before anything is factored.
    let bnd = domain.boundary();
    let mut u0 = Vec::with_capacity(domain.nodes());
    for (i, &on_boundary) in bnd.iter().enumerate() {
        let p = domain.point(i);
        let (key, data) = match &boundary {
            Some(b) if on_boundary => ("boundary", b),
            _ => ("initial", &initial),
        };
        let u = data.u(p, s.time.t0);
        if !u.is_finite() {
            return Err(Error::Config {
                origin: format!("scenario `{}`", s.name),
                key: format!("{key}.{}", if data.is_v { "v" } else { "u" }),
                msg: format!(
                    "gives u = {u} at (x, y, z) = ({}, {}, {}), t = {}{}",
                    p[0],
                    p[1],
                    p[2],
                    s.time.t0,
                    if data.is_v {
                        " (v must be positive)"
                    } else {
                        ""
                    }
                ),
            });
        }
        u0.push(u);
    }
    let flow = Ricci::new(domain, k0, chi, normalized, boundary, &u0)
        .map_err(|e| numerical(s, e))?
        .with_exact(exact);
    Ok((flow, RicciState { u: u0 }))
}

/// The discrete Ricci flow of a scenario on its mesh, and the initial state.
pub fn discrete_ricci_flow(s: &Scenario, mesh: TriMesh) -> Result<(DiscreteRicci, MetricState)> {
    let c = s.compile(&format!("scenario `{}`", s.name))?;
    let [initial, boundary, _] = c.conformal;
    let spec = s.discrete_ricci.clone().unwrap_or_default();
    let config = |key: &str, msg: String| Error::Config {
        origin: format!("scenario `{}`", s.name),
        key: key.into(),
        msg,
    };
    let n = mesh.vertices();
    let on_boundary = crate::geometry::vertex_boundary_mask(&mesh.faces, n);
    let method = match spec.method.as_str() {
        "flow" => Method::Flow,
        "exact-newton" => Method::ExactNewton,
        _ => Method::Newton,
    };
    // A closed genus-0 mesh without cones: the uniformization to the round sphere.
    let closed = !on_boundary.iter().any(|&b| b);
    let edges = crate::mesh::topology::edges(&mesh).map_err(|e| numerical(s, e))?;
    if closed
        && spec.cones.is_empty()
        && crate::mesh::topology::euler_characteristic(&mesh, &edges) == 2
    {
        let (flow, state) = DiscreteRicci::punctured_sphere(mesh, method, spec.tol)
            .map_err(|e| config("discrete_ricci", e.to_string()))?;
        let flow = if spec.flips {
            flow.with_flips()
                .map_err(|e| config("discrete_ricci.flips", e.to_string()))?
        } else {
            flow
        };
        return Ok((flow.with_layout(spec.layout), state));
    }
    // Boundary targets: K̂ = π − (interior angle sum); "polygon" is straight (K̂ = 0) but at
    // its corners. "dirichlet" and "free" hold the boundary u (from [boundary], or [initial]).
    let mut target = vec![0.0; n];
    let dirichlet = spec.boundary == "dirichlet" || spec.boundary == "free";
    if spec.boundary == "circle" {
        let nb = on_boundary.iter().filter(|&&b| b).count();
        for (t, &b) in target.iter_mut().zip(&on_boundary) {
            if b {
                *t = 2.0 * std::f64::consts::PI / nb as f64;
            }
        }
    }
    for &(v, degrees) in &spec.corners {
        if v >= n || !on_boundary[v] {
            return Err(config(
                "discrete_ricci.corners",
                format!("vertex {v} is not a boundary vertex of the mesh ({n} vertices)"),
            ));
        }
        target[v] = std::f64::consts::PI - degrees.to_radians();
    }
    for &(v, degrees) in &spec.cones {
        if v >= n || on_boundary[v] {
            return Err(config(
                "discrete_ricci.cones",
                format!("vertex {v} is not an interior vertex of the mesh ({n} vertices)"),
            ));
        }
        target[v] = 2.0 * std::f64::consts::PI - degrees.to_radians();
    }
    let mut u = vec![0.0; n];
    for (i, &b) in on_boundary.iter().enumerate() {
        let p = mesh.positions[i];
        let (key, data) = match (&boundary, &initial) {
            (Some(bd), _) if b && dirichlet => ("boundary", Some(bd)),
            (_, Some(init)) => ("initial", Some(init)),
            _ => ("initial", None),
        };
        if let Some(d) = data {
            u[i] = d.u(p, s.time.t0);
            if !u[i].is_finite() {
                return Err(config(
                    key,
                    format!(
                        "gives u = {} at vertex {i} ({}, {}, {})",
                        u[i], p[0], p[1], p[2]
                    ),
                ));
            }
        }
    }
    let fixed: Vec<bool> = on_boundary.iter().map(|&b| b && dirichlet).collect();
    let mut flow = DiscreteRicci::new(mesh, target, fixed, method, spec.tol)
        .map_err(|e| config("discrete_ricci", e.to_string()))?;
    if spec.flips {
        flow = flow
            .with_flips()
            .map_err(|e| config("discrete_ricci.flips", e.to_string()))?;
    }
    flow = flow.with_layout(spec.layout);
    let state = MetricState::new(u);
    if let Err(msg) = flow.check_metric(state.u()) {
        return Err(config(
            "initial",
            format!("the initial metric is not valid: {msg}"),
        ));
    }
    Ok((flow, state))
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

/// [`scenario_mesh`], also returning the point arrays stored in the mesh file.
pub fn scenario_mesh_with_fields(
    s: &Scenario,
    warn: &mut dyn FnMut(&str),
) -> Result<(TriMesh, Vec<PointField>)> {
    let m = s
        .mesh
        .as_ref()
        .ok_or_else(|| Error::Usage(format!("scenario `{}` has no [mesh]", s.name)))?;
    let (mesh, fields, warnings) = m.build_with_fields(s.base_dir.as_deref())?;
    for w in &warnings {
        warn(w);
    }
    Ok((mesh, fields))
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
                let (mut flow, state) = harmonic_flow(s, grid, None, None)?;
                time::run(&mut flow, state, &control, observers).map(strip)
            }
            None => {
                let field = s.compile(&format!("scenario `{}`", s.name))?.initial_field;
                // Only a run that uses a stored array reads (and checks) the file's arrays.
                let (mesh, fields) = match field {
                    Some(_) => scenario_mesh_with_fields(s, warn)?,
                    None => (scenario_mesh(s, warn)?, Vec::new()),
                };
                let initial = match field {
                    None => None,
                    Some(name) => {
                        Some(fields.iter().find(|f| f.name == name).ok_or_else(|| {
                            let have: Vec<String> = fields
                                .iter()
                                .map(|f| format!("{} ({} components)", f.name, f.components))
                                .collect();
                            Error::Config {
                                origin: format!("scenario `{}`", s.name),
                                key: "initial.field".into(),
                                msg: format!(
                                    "the mesh file has no point array `{name}`; it has: {}",
                                    if have.is_empty() {
                                        "none".to_string()
                                    } else {
                                        have.join(", ")
                                    }
                                ),
                            }
                        })?)
                    }
                };
                let normals = crate::geometry::vertex_normals(&mesh);
                let domain = MeshDomain::surface(mesh);
                let (mut flow, state) = harmonic_flow(s, domain, Some(&normals), initial)?;
                if let Some(w) = flow.acuteness_warning() {
                    warn(&w);
                }
                time::run(&mut flow, state, &control, observers).map(strip)
            }
        };
    }
    if s.flow == FlowKind::DiscreteRicci {
        let (mut flow, state) = discrete_ricci_flow(s, scenario_mesh(s, warn)?)?;
        return time::run(&mut flow, state, &control, observers).map(strip);
    }
    if s.flow == FlowKind::Ricci {
        return match &s.grid {
            Some(g) => {
                let grid = Grid2::new(g.nx, g.ny, g.x, g.y);
                // A flat rectangle: turning angle π/2 at the four corners, χ = 1.
                let mut k0 = vec![0.0; grid.nodes()];
                for k in [0, g.nx - 1, g.nx * (g.ny - 1), g.nx * g.ny - 1] {
                    k0[k] = std::f64::consts::FRAC_PI_2;
                }
                let (mut flow, state) = ricci_flow(s, GridDomain::new(grid), k0, 1.0)?;
                time::run(&mut flow, state, &control, observers).map(strip)
            }
            None => {
                let mesh = scenario_mesh(s, warn)?;
                let k0 = crate::geometry::vertex_angle_defects(&mesh);
                let edges = crate::mesh::topology::edges(&mesh).map_err(|e| numerical(s, e))?;
                let chi = crate::mesh::topology::euler_characteristic(&mesh, &edges) as f64;
                let (mut flow, state) = ricci_flow(s, MeshDomain::surface(mesh), k0, chi)?;
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
