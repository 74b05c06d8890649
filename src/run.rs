//! From a validated scenario to a running flow: build the discretization, the initial state and the
//! time control, then drive it with the given observers.

use crate::discretization::{Discretization, GridDomain};
use crate::error::{Error, Result};
use crate::flows::graph_mcf::{GraphForm, GraphMcf, GraphState};
use crate::grid::Grid2;
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
    }
}

/// Build the graph flow of a scenario and its initial state.
pub fn graph_flow(s: &Scenario) -> Result<(GraphMcf<GridDomain>, GraphState)> {
    let c = s.compile(&format!("scenario `{}`", s.name))?;
    let grid = Grid2::new(s.grid.nx, s.grid.ny, s.grid.x, s.grid.y);
    let form = match s.flow {
        FlowKind::GraphMcf => GraphForm::Geometric,
        FlowKind::GraphArea => GraphForm::Area,
    };
    let flow = GraphMcf::new(GridDomain::new(grid), form, c.boundary, c.exact).map_err(|e| {
        Error::Numerical {
            step: 0,
            time: s.time.t0,
            msg: e.to_string(),
        }
    })?;
    let state = flow.initial_state(&c.initial, s.time.t0);
    if let Some(k) = state.u.iter().position(|v| !v.is_finite()) {
        let [x, y, _] = flow.domain().point(k);
        let key = if flow.domain().boundary()[k] && s.boundary.is_some() {
            "boundary.u"
        } else {
            "initial.u"
        };
        return Err(Error::Config {
            origin: format!("scenario `{}`", s.name),
            key: key.into(),
            msg: format!(
                "is {} at (x, y) = ({x}, {y}), t = {}",
                state.u[k], s.time.t0
            ),
        });
    }
    Ok((flow, state))
}

/// Run a scenario to its end, reporting to `observers`.
pub fn simulate(s: &Scenario, observers: &mut [&mut dyn Observer]) -> Result<Finished<GraphState>> {
    let (mut flow, state) = graph_flow(s)?;
    time::run(&mut flow, state, &control(s), observers)
}
