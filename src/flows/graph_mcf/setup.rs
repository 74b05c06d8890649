//! The scenario keys of `graph-mcf` and `graph-area` and the set-up of the flow from them:
//!
//! ```toml
//! [initial]
//! u = "0.5*sin(pi*x)*cos(pi*y/2)"   # the initial height, in x, y, z (= 0 on grids), t (= t0)
//! [boundary]                        # optional Dirichlet data g(x, y, t); without it the
//! u = "0"                           #   initial boundary values stay fixed
//! [exact]                           # optional exact solution: error columns and fields
//! u = "..."
//! ```

use super::{GraphForm, GraphMcf, GraphState};
use crate::discretization::{Discretization, GridDomain, MeshDomain};
use crate::domain::{Domain, Input};
use crate::error::{Error, Result};
use crate::expr::{Formula, Xyzt};
use serde::{Deserialize, Serialize};

/// A scalar field given by one expression in `x, y, z, t` (`[initial]`, `[boundary]`, `[exact]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalarData {
    pub u: Formula<Xyzt>,
}

/// The keys of a graph flow.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphSpec {
    pub initial: ScalarData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<ScalarData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<ScalarData>,
}

/// The graph flow of `form` on a grid or a planar triangulation (z = 0), and its initial state:
/// `[initial] u` at `t0`, overwritten on the boundary by the Dirichlet data.
pub fn setup(
    spec: &GraphSpec,
    form: GraphForm,
    input: Input,
    t0: f64,
) -> Result<(GraphMcf<Domain>, GraphState)> {
    let domain = match input {
        Input::Grid(grid) => Domain::Grid(GridDomain::new(grid)),
        Input::Mesh { mesh, .. } => {
            Domain::Mesh(MeshDomain::new(mesh).map_err(|e| Error::config("mesh", e.to_string()))?)
        }
    };
    let expr = |d: &Option<ScalarData>| d.as_ref().map(|d| (*d.u).clone());
    let flow = GraphMcf::new(domain, form, expr(&spec.boundary), expr(&spec.exact))?;
    let state = flow.initial_state(&spec.initial.u, t0);
    if let Some(k) = state.u.iter().position(|v| !v.is_finite()) {
        let [x, y, z] = flow.domain().point(k);
        let key = if flow.domain().boundary()[k] && spec.boundary.is_some() {
            "boundary.u"
        } else {
            "initial.u"
        };
        return Err(Error::config(
            key,
            format!("is {} at (x, y, z) = ({x}, {y}, {z}), t = {t0}", state.u[k]),
        ));
    }
    Ok((flow, state))
}
