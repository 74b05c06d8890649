//! The scenario keys of `discrete-ricci` and the set-up of the flow from them: the target
//! curvatures (flat inside, the boundary's turning angles, cones), the Dirichlet vertices, the
//! initial scale factors, and the choice of the genus-0 sphere map.
//!
//! ```toml
//! [initial]                 # optional: u (or v = e^{2u}), default 0
//! u = "0"
//! [boundary]                # optional, boundary = "dirichlet" only: u on the boundary (default 0)
//! u = "0"
//! [discrete_ricci]          # optional; these are the defaults
//! method = "newton"         # "exact-newton" (a factorization every step), "flow" (implicit
//!                           #   steps of size time.dt)
//! tol = 1e-10               # stop when max |K − K̂| is below this
//! boundary = "dirichlet"    # "free" (boundary keeps its initial u), "circle" (turning angles
//!                           #   2π/n), "polygon" (straight sides between `corners`)
//! cones = [[12, 270.0]]     # interior vertex, cone angle in degrees (360 is flat)
//! corners = [[0, 90.0]]     # polygon only: boundary vertex, interior angle in degrees
//! flips = true              # each metric on its intrinsic Delaunay triangulation (Ptolemy
//!                           #   flips on a Δ-complex: always converges); false: the input's
//!                           #   own triangles (the classical scheme, which may have no solution)
//! puncture = 17             # closed genus-0 meshes: the vertex sent to the north pole (default:
//!                           #   the vertex of largest area, independent of the numbering)
//! layout = true             # false: frames without the uv vector and the _layout series
//! ```

use super::{DiscreteRicci, Method, MetricState};
use crate::domain::Input;
use crate::error::{Error, Result};
use crate::flows::conformal::ConformalData;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// What the boundary of a disk does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BoundaryCondition {
    /// `u` given (`[boundary]`, default 0).
    Dirichlet,
    /// Boundary angles not prescribed: the boundary keeps its `[initial]` u (default 0: the
    /// boundary lengths kept; Jin, Kim, Luo, Gu 2008).
    Free,
    /// Equal turning angles `2π / n`, `u` free.
    Circle,
    /// Straight between the `corners`, `u` free.
    Polygon,
}

/// `[discrete_ricci]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscreteRicciOptions {
    pub method: Method,
    /// Stop when `max |K − K̂|` falls below this.
    pub tol: f64,
    pub boundary: BoundaryCondition,
    /// Cone points `[vertex, cone angle in degrees]` (interior vertices; 360 is flat).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cones: Vec<(usize, f64)>,
    /// With `boundary = "polygon"`: corners `[vertex, interior angle in degrees]` (boundary
    /// vertices; 180 is straight). Four 90° corners make a rectangle.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corners: Vec<(usize, f64)>,
    /// Take each metric on its Delaunay triangulation, reached by Ptolemy edge flips.
    pub flips: bool,
    /// For a closed genus-0 mesh: the vertex that becomes the north pole of the sphere map
    /// (default: [`super::choose_puncture`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub puncture: Option<usize>,
    /// Write the layout (the `uv` point vector and the `_layout` series) with every frame.
    pub layout: bool,
}

impl Default for DiscreteRicciOptions {
    fn default() -> Self {
        DiscreteRicciOptions {
            method: Method::Newton,
            tol: 1e-10,
            boundary: BoundaryCondition::Dirichlet,
            cones: Vec::new(),
            corners: Vec::new(),
            flips: true,
            puncture: None,
            layout: true,
        }
    }
}

/// The keys of `discrete-ricci`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscreteRicciSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<ConformalData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<ConformalData>,
    #[serde(default)]
    pub discrete_ricci: DiscreteRicciOptions,
}

impl DiscreteRicciSpec {
    /// The checks that need no mesh.
    fn check(&self) -> Result<()> {
        let d = &self.discrete_ricci;
        if !(d.tol.is_finite() && d.tol > 0.0) {
            return Err(Error::config(
                "discrete_ricci.tol",
                format!("must be positive, got {}", d.tol),
            ));
        }
        if let Some((v, a)) = d.cones.iter().find(|(_, a)| !(a.is_finite() && *a > 0.0)) {
            return Err(Error::config(
                "discrete_ricci.cones",
                format!("vertex {v}: the cone angle must be positive (degrees), got {a}"),
            ));
        }
        if !d.corners.is_empty() && d.boundary != BoundaryCondition::Polygon {
            return Err(Error::config(
                "discrete_ricci.corners",
                format!(
                    "corners apply to boundary = \"polygon\" only (boundary is \"{}\")",
                    format!("{:?}", d.boundary).to_lowercase()
                ),
            ));
        }
        if let Some((v, a)) = d
            .corners
            .iter()
            .find(|(_, a)| !(a.is_finite() && *a > 0.0 && *a < 360.0))
        {
            return Err(Error::config(
                "discrete_ricci.corners",
                format!("vertex {v}: the corner angle must lie in (0, 360) degrees, got {a}"),
            ));
        }
        if d.boundary == BoundaryCondition::Free && self.boundary.is_some() {
            return Err(Error::config(
                "boundary",
                "boundary = \"free\" keeps the initial u on the boundary; give it in [initial], \
                 or use boundary = \"dirichlet\" with [boundary] u",
            ));
        }
        Ok(())
    }
}

/// The discrete Ricci flow on the scenario's mesh and its initial state. A closed genus-0 mesh
/// without cones is mapped to the round sphere ([`DiscreteRicci::punctured_sphere`]); other
/// meshes get the targets of their boundary condition and cones, checked against Gauss–Bonnet.
/// `warn` is told of boundary settings on a closed mesh, which have no effect.
pub fn setup(
    spec: &DiscreteRicciSpec,
    input: Input,
    t0: f64,
    warn: &mut dyn FnMut(&str),
) -> Result<(DiscreteRicci, MetricState)> {
    spec.check()?;
    let d = &spec.discrete_ricci;
    let Input::Mesh { mesh, .. } = input else {
        return Err(Error::config("mesh", "discrete-ricci runs on a [mesh]"));
    };
    let n = mesh.vertices();
    let on_boundary = crate::geometry::vertex_boundary_mask(&mesh.faces, n);
    let closed = !on_boundary.iter().any(|&b| b);
    if closed {
        if spec.boundary.is_some() {
            warn("[boundary] has no effect: the mesh is closed (it has no boundary vertices)");
        }
        if d.boundary != BoundaryCondition::Dirichlet {
            warn(&format!(
                "discrete_ricci.boundary = \"{}\" has no effect: the mesh is closed",
                format!("{:?}", d.boundary).to_lowercase()
            ));
        }
    }
    let edges =
        crate::mesh::topology::edges(&mesh).map_err(|e| Error::config("mesh", e.to_string()))?;
    if closed
        && d.cones.is_empty()
        && crate::mesh::topology::euler_characteristic(&mesh, &edges) == 2
    {
        let pole = match d.puncture {
            Some(v) if v >= n => {
                return Err(Error::config(
                    "discrete_ricci.puncture",
                    format!("vertex {v} does not exist (the mesh has {n} vertices)"),
                ))
            }
            Some(v) => v,
            None => super::choose_puncture(&mesh),
        };
        let (flow, state) = DiscreteRicci::punctured_sphere_at(mesh, pole, d.method, d.tol)
            .map_err(|e| Error::config("discrete_ricci", e.to_string()))?;
        let flow = if d.flips {
            flow.with_flips()
                .map_err(|e| Error::config("discrete_ricci.flips", e.to_string()))?
        } else {
            flow
        };
        return Ok((flow.with_layout(d.layout), state));
    }
    if let Some(v) = d.puncture {
        return Err(Error::config(
            "discrete_ricci.puncture",
            format!(
                "vertex {v}: a puncture applies to closed genus-0 meshes without cones (the \
                 sphere map); this mesh is not one"
            ),
        ));
    }
    // Boundary targets: K̂ = π − (interior angle sum); "polygon" is straight (K̂ = 0) but at
    // its corners. "dirichlet" and "free" hold the boundary u (from [boundary], or [initial]).
    let mut target = vec![0.0; n];
    let dirichlet = matches!(
        d.boundary,
        BoundaryCondition::Dirichlet | BoundaryCondition::Free
    );
    if d.boundary == BoundaryCondition::Circle {
        let nb = on_boundary.iter().filter(|&&b| b).count();
        for (t, &b) in target.iter_mut().zip(&on_boundary) {
            if b {
                *t = 2.0 * PI / nb as f64;
            }
        }
    }
    for &(v, degrees) in &d.corners {
        if v >= n || !on_boundary[v] {
            return Err(Error::config(
                "discrete_ricci.corners",
                format!("vertex {v} is not a boundary vertex of the mesh ({n} vertices)"),
            ));
        }
        target[v] = PI - degrees.to_radians();
    }
    for &(v, degrees) in &d.cones {
        if v >= n || on_boundary[v] {
            return Err(Error::config(
                "discrete_ricci.cones",
                format!("vertex {v} is not an interior vertex of the mesh ({n} vertices)"),
            ));
        }
        target[v] = 2.0 * PI - degrees.to_radians();
    }
    let mut u = vec![0.0; n];
    for (i, &b) in on_boundary.iter().enumerate() {
        let p = mesh.positions[i];
        let (table, data) = match (&spec.boundary, &spec.initial) {
            (Some(bd), _) if b && dirichlet => ("boundary", Some(bd)),
            (_, Some(init)) => ("initial", Some(init)),
            _ => ("initial", None),
        };
        if let Some(data) = data {
            u[i] = data.u(p, t0);
            if !u[i].is_finite() {
                return Err(Error::config(
                    table,
                    format!(
                        "gives u = {} at vertex {i} ({}, {}, {})",
                        u[i], p[0], p[1], p[2]
                    ),
                ));
            }
        }
    }
    let fixed: Vec<bool> = on_boundary.iter().map(|&b| b && dirichlet).collect();
    let mut flow = DiscreteRicci::new(mesh, target, fixed, d.method, d.tol)
        .map_err(|e| Error::config("discrete_ricci", e.to_string()))?;
    if d.flips {
        flow = flow
            .with_flips()
            .map_err(|e| Error::config("discrete_ricci.flips", e.to_string()))?;
    }
    flow = flow.with_layout(d.layout);
    let state = MetricState::new(u);
    if let Err(e) = flow.check_metric(state.u()) {
        return Err(Error::config(
            "initial",
            format!("the initial metric is not valid: {e}"),
        ));
    }
    Ok((flow, state))
}
