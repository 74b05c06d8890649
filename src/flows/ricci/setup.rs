//! The scenario keys of `ricci` and the set-up of the flow from them:
//!
//! ```toml
//! [initial]                 # the conformal factor u in x, y, z, t (= t0) ...
//! u = "0"
//! # v = "1/(1 + x^2 + y^2)" # ... or v = e^{2u}
//! [boundary]                # optional: Dirichlet data for u (or v), may depend on t; boundary
//! v = "..."                 #   nodes always carry Dirichlet data (without it, their initial u)
//! [exact]                   # optional: an exact u or v (error columns)
//! v = "..."
//! [ricci]
//! normalized = false        # true: u_t = K̄ − K on a closed surface mesh, the area kept
//! ```
//!
//! On a mesh, `[mesh] laplacian = "intrinsic-delaunay"` takes the stiffness and lumped mass from
//! the intrinsic Delaunay triangulation ([`Laplacian`](crate::discretization::Laplacian)).

use super::{ConformalData, Ricci, RicciState};
use crate::discretization::{Discretization, GridDomain, MeshDomain};
use crate::domain::{Domain, Input};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What negative cotan weights do to the Ricci flow (the warning of
/// [`MeshDomain::negative_weight_warning`]).
pub const NEGATIVE_WEIGHTS: &str = "the implicit step has no discrete maximum principle, and \
     the normalized flow can take much longer to reach constant curvature";

/// `[ricci]`.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RicciOptions {
    /// The normalized flow `u_t = K̄ − K` (closed meshes), keeping the area.
    pub normalized: bool,
}

/// The keys of `ricci`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RicciSpec {
    pub initial: ConformalData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<ConformalData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<ConformalData>,
    #[serde(default)]
    pub ricci: RicciOptions,
}

/// The Ricci flow and its initial state on a grid (a flat rectangle: turning angle π/2 at its
/// four corners, χ = 1) or a surface mesh (background curvature: the angle defects, which the
/// intrinsic Delaunay triangulation of `[mesh] laplacian` shares; χ from the topology).
/// `warn` is told of `[boundary]` data on a closed mesh, which have no effect, and of negative
/// cotan weights.
pub fn setup(
    spec: &RicciSpec,
    input: Input,
    t0: f64,
    warn: &mut dyn FnMut(&str),
) -> Result<(Ricci<Domain>, RicciState)> {
    let normalized = spec.ricci.normalized;
    let (domain, k0, chi) = match input {
        Input::Grid(_) if normalized => {
            return Err(Error::config(
                "ricci.normalized",
                "the normalized flow needs a closed surface [mesh]",
            ))
        }
        Input::Grid(grid) => {
            let mut k0 = vec![0.0; grid.nodes()];
            let (nx, ny) = (grid.nx, grid.ny);
            for k in [0, nx - 1, nx * (ny - 1), nx * ny - 1] {
                k0[k] = std::f64::consts::FRAC_PI_2;
            }
            (Domain::Grid(GridDomain::new(grid)), k0, 1.0)
        }
        Input::Mesh {
            mesh, laplacian, ..
        } => {
            let k0 = crate::geometry::vertex_angle_defects(&mesh);
            let edges = crate::mesh::topology::edges(&mesh)
                .map_err(|e| Error::config("mesh", e.to_string()))?;
            let chi = crate::mesh::topology::euler_characteristic(&mesh, &edges) as f64;
            let domain = MeshDomain::surface_with(mesh, laplacian)
                .map_err(|e| Error::config("mesh.laplacian", e.to_string()))?;
            if let Some(w) = domain.negative_weight_warning(NEGATIVE_WEIGHTS) {
                warn(&w);
            }
            (Domain::Mesh(domain), k0, chi)
        }
    };
    if normalized && domain.boundary().iter().any(|&b| b) {
        return Err(Error::config(
            "ricci.normalized",
            "the normalized flow needs a closed surface; this mesh has a boundary",
        ));
    }
    // The initial state, checked before anything is factored.
    let bnd = domain.boundary();
    if spec.boundary.is_some() && !bnd.iter().any(|&b| b) {
        warn("[boundary] has no effect: the mesh is closed (it has no boundary vertices)");
    }
    let mut u0 = Vec::with_capacity(domain.nodes());
    for (i, &on_boundary) in bnd.iter().enumerate() {
        let p = domain.point(i);
        let (table, data) = match &spec.boundary {
            Some(b) if on_boundary => ("boundary", b),
            _ => ("initial", &spec.initial),
        };
        let u = data.u(p, t0);
        if !u.is_finite() {
            let hint = if data.is_v {
                " (v must be positive)"
            } else {
                ""
            };
            return Err(Error::config(
                data.key(table),
                format!(
                    "gives u = {u} at (x, y, z) = ({}, {}, {}), t = {t0}{hint}",
                    p[0], p[1], p[2]
                ),
            ));
        }
        u0.push(u);
    }
    let flow = Ricci::new(domain, k0, chi, normalized, spec.boundary.clone(), &u0)?
        .with_exact(spec.exact.clone());
    Ok((flow, RicciState { u: u0 }))
}
