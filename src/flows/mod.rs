//! The flows. Each file holds one flow's whole discretization next to the energy it decreases.
//!
//! A flow never prints and never touches files: it advances a state by one time step and
//! reports its energy, diagnostics and frames; the driver in [`crate::time`] does the rest.
//!
//! # Adding a flow
//! 1. `src/flows/<flow>.rs`: the PDE and the energy in the module docs with the paper the scheme
//!    comes from, the state type, the flow struct and `impl Flow`. Build on the shared pieces:
//!    [`crate::discretization`] (a grid or a triangulation behind one trait),
//!    [`crate::geometry`] (cotan Laplacian, masses, curvatures, layouts),
//!    [`crate::linalg::ImplicitSystem`] (a fixed pattern analysed once, Dirichlet elimination)
//!    and, for a linearly implicit step, the `assemble` / `factorize` / `solve` phases the
//!    other flows expose.
//! 2. `src/flows/<flow>/setup.rs`: its keys as a serde type (`deny_unknown_fields`; every
//!    choice an enum, every expression an [`crate::expr::Formula`]) and
//!    `setup(spec, input, t0, …) -> Result<(Flow, State)>`: the checks that need the domain,
//!    then the flow and its initial state on the loaded [`crate::domain::Input`].
//! 3. One variant in [`crate::scenario::FlowSpec`] (its serde name is the `flow = "..."` of
//!    scenario files) and one match arm in `run::setup` calling the set-up.
//! 4. A built-in scenario in `scenarios/` with its line in [`crate::scenario::BUILTIN`], tests
//!    in `tests/flows/` and `tests/convergence/`, and its golden record
//!    (`GEOFLOW_BLESS=1 cargo test --release --test cli golden`).

pub mod conformal;
pub mod discrete_ricci;
pub mod frame;
pub mod graph_mcf;
pub mod harmonic_map;
pub mod ricci;
pub mod surface_mcf;
pub mod target;

pub use frame::{Cells, Field, Frame};

use crate::linalg::SpdError;

/// Why a single time step failed. The driver adds the step number and time.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Solver(#[from] SpdError),
    #[error("{0} became non-finite")]
    NonFinite(&'static str),
    #[error("the surface collapsed: {0}")]
    Collapse(String),
    /// A singularity the flow detected and the scenario asked to stop at (e.g. a blow-up).
    #[error("{0}")]
    Singular(String),
}

/// The phases of a linearly implicit step: one sparse SPD system per step on a pattern fixed
/// for the run (its symbolic analysis done once, at set-up). A flow's [`Flow::step`] is
/// `assemble`, `factorize`, `solve`, then its own finish (projection, rescaling, checks); the
/// benches time the phases of every flow alike.
pub trait ImplicitStep: Flow {
    /// Assemble the system of the step from `s` at time `t` to `t + dt`: matrix values and
    /// right-hand side (the pattern never changes).
    fn assemble(&mut self, s: &Self::State, t: f64, dt: f64);
    /// Numeric Cholesky factorization of the assembled matrix.
    fn factorize(&mut self) -> Result<(), SpdError>;
    /// Solve with the factorization; the solution stays in the flow for the step to finish.
    fn solve(&mut self) -> Result<(), SpdError>;
    /// Number of unknowns of the system.
    fn unknowns(&self) -> usize;
}

/// A checkpoint that does not hold what this flow saved (another flow's, or damaged), or that
/// the flow cannot take up again.
#[derive(Debug, thiserror::Error)]
#[error("the checkpoint does not fit this flow: {0}")]
pub struct BadCheckpoint(pub String);

impl From<postcard::Error> for BadCheckpoint {
    fn from(e: postcard::Error) -> Self {
        BadCheckpoint(e.to_string())
    }
}

/// A gradient flow discretized in time by steps of size `dt`.
pub trait Flow {
    /// The state; serializable exactly, so that a run resumed from a checkpoint repeats the
    /// uninterrupted run bit for bit.
    type State: Clone + serde::Serialize + serde::de::DeserializeOwned;

    /// The energy the flow decreases, in the same discretization as [`Flow::step`].
    fn energy(&self, s: &Self::State) -> f64;

    /// Advance from time `t` to `t + dt`. `s` is left untouched, so a step can be rejected.
    fn step(&mut self, s: &Self::State, t: f64, dt: f64) -> Result<Self::State, StepError>;

    /// Named scalars logged every step (errors against an exact solution, constraint errors, ...).
    fn diagnostics(&self, s: &Self::State, t: f64) -> Vec<(&'static str, f64)>;

    /// Max-norm distance between two states (for steady-state detection: `|Δu|/dt < tol`).
    fn distance(&self, a: &Self::State, b: &Self::State) -> f64;

    /// Geometry and fields for output.
    fn frame(&self, s: &Self::State, t: f64) -> Frame;

    /// Whether the state is a fixed point the flow itself recognizes (e.g. a curvature
    /// tolerance reached); the driver then stops as at a steady state.
    fn converged(&self, _s: &Self::State) -> bool {
        false
    }

    /// For a flow that has a tolerance of its own ([`Flow::converged`]): `None` if `s` reached
    /// it, else why not (what is missing, where, and what to try). The driver fails a run that
    /// stops at its step or time limit on a state the flow says is not converged.
    fn not_converged(&self, _s: &Self::State) -> Option<String> {
        None
    }

    /// Whether a singularity the flow detects ([`StepError::Collapse`], [`StepError::Singular`])
    /// ends the run cleanly at the last valid state instead of failing it.
    fn stops_at_singularities(&self) -> bool {
        false
    }

    /// What the flow carries from one step to the next besides the state (a detector's memory,
    /// a factorization being reused), saved in checkpoints; nothing by default.
    fn save(&self) -> Vec<u8> {
        Vec::new()
    }

    /// Take back what [`Flow::save`] saved, for a run resumed from state `s`.
    fn restore(&mut self, _s: &mut Self::State, _saved: &[u8]) -> Result<(), BadCheckpoint> {
        Ok(())
    }

    /// Notable events of the last step (e.g. a detected blow-up), to be logged; drained.
    fn take_events(&mut self) -> Vec<String> {
        Vec::new()
    }
}
