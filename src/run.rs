//! From a scenario to a running flow: load the domain, let the flow set itself up from its keys
//! (each flow's `setup` module), then drive it with the time loop. One match arm per flow.

mod study;

pub use study::{refine, study};

use crate::domain::Input;
use crate::error::Result;
use crate::flows::graph_mcf::GraphForm;
use crate::flows::{discrete_ricci, graph_mcf, harmonic_map, ricci, surface_mcf, Flow};
use crate::grid::Grid2;
use crate::mesh::TriMesh;
use crate::scenario::{DomainSpec, FlowSpec, Scenario};
use crate::time::{self, Control, Finished, Observer};

/// A flow set up with its initial state, ready to run from it or from a checkpoint.
trait Job {
    fn run(
        self: Box<Self>,
        checkpoint: Option<&[u8]>,
        control: &Control,
        observers: &mut [&mut dyn Observer],
    ) -> Result<Finished<()>>;
}

impl<F: Flow> Job for (F, F::State) {
    fn run(
        self: Box<Self>,
        checkpoint: Option<&[u8]>,
        control: &Control,
        observers: &mut [&mut dyn Observer],
    ) -> Result<Finished<()>> {
        let (mut flow, state) = *self;
        let f = match checkpoint {
            None => time::run(&mut flow, state, control, observers)?,
            Some(bytes) => time::resume(&mut flow, bytes, control, observers)?,
        };
        Ok(Finished {
            state: (),
            last: f.last,
            stop: f.stop,
        })
    }
}

/// A scenario whose domain is loaded and whose flow is set up: everything checked, nothing run.
pub struct Prepared {
    job: Box<dyn Job>,
    control: Control,
}

impl Prepared {
    /// End the run cleanly after the step in progress once `interrupt` is set (a signal).
    pub fn with_interrupt(mut self, interrupt: crate::time::Interrupt) -> Self {
        self.control.interrupt = Some(interrupt);
        self
    }

    /// Run to the end, reporting to `observers`.
    pub fn run(self, observers: &mut [&mut dyn Observer]) -> Result<Finished<()>> {
        self.job.run(None, &self.control, observers)
    }

    /// Go on from a checkpoint of an earlier run of the same scenario ([`time::resume`]).
    pub fn resume(
        self,
        checkpoint: &[u8],
        observers: &mut [&mut dyn Observer],
    ) -> Result<Finished<()>> {
        self.job.run(Some(checkpoint), &self.control, observers)
    }
}

/// Load the scenario's domain and set its flow up. Warnings (benign repairs while reading a
/// mesh, a mesh with negative cotan weights) go to `warn`. Errors name the key at fault.
pub fn prepare(s: &Scenario, warn: &mut dyn FnMut(&str)) -> Result<Prepared> {
    Ok(Prepared {
        job: setup(s, warn).map_err(|e| e.in_scenario(&s.name))?,
        control: s.control(),
    })
}

/// The dispatch: each flow's set-up from its keys and the loaded domain.
fn setup(s: &Scenario, warn: &mut dyn FnMut(&str)) -> Result<Box<dyn Job>> {
    let t0 = s.time.t0;
    Ok(match &s.flow {
        FlowSpec::GraphMcf(spec) => {
            let input = load(s, None, warn)?;
            Box::new(graph_mcf::setup::setup(
                spec,
                GraphForm::Geometric,
                input,
                t0,
            )?)
        }
        FlowSpec::GraphArea(spec) => {
            let input = load(s, None, warn)?;
            Box::new(graph_mcf::setup::setup(spec, GraphForm::Area, input, t0)?)
        }
        FlowSpec::SurfaceMcf(spec) => {
            let input = load(s, None, warn)?;
            Box::new(surface_mcf::setup::setup(spec, input, warn)?)
        }
        FlowSpec::HarmonicMap(spec) => {
            let input = load(s, spec.initial_field(), warn)?;
            Box::new(harmonic_map::setup::setup(spec, input, t0, warn)?)
        }
        FlowSpec::Ricci(spec) => {
            let input = load(s, None, warn)?;
            Box::new(ricci::setup::setup(spec, input, t0, warn)?)
        }
        FlowSpec::DiscreteRicci(spec) => {
            let input = load(s, None, warn)?;
            Box::new(discrete_ricci::setup::setup(spec, input, t0, warn)?)
        }
    })
}

/// Run a scenario to its end, reporting to `observers` ([`prepare`], then [`Prepared::run`]).
pub fn simulate(s: &Scenario, observers: &mut [&mut dyn Observer]) -> Result<Finished<()>> {
    prepare(s, &mut |_| {})?.run(observers)
}

/// The scenario's domain: its grid, or its mesh (read or generated) with, when a flow reads
/// one, the point arrays of the mesh file.
fn load(s: &Scenario, field: Option<&str>, warn: &mut dyn FnMut(&str)) -> Result<Input> {
    match &s.domain {
        DomainSpec::Grid(g) => {
            // A grid's arrays (positions, masses, quadrature, the stiffness pattern and its
            // values, the state) take about 256 bytes a node before any factorization.
            let nodes = g.nx as f64 * g.ny as f64;
            crate::linalg::memory::check(|| format!("a {} x {} grid", g.nx, g.ny), 256.0 * nodes)
                .map_err(|e| crate::Error::Usage(e.to_string()))?;
            Ok(Input::Grid(Grid2::new(g.nx, g.ny, g.x, g.y)))
        }
        DomainSpec::Mesh(m) => {
            let base = s.base_dir.as_deref();
            let (mesh, fields, warnings) = match field {
                Some(_) => m.build_with_fields(base)?,
                None => {
                    let (mesh, warnings) = m.build(base)?;
                    (mesh, Vec::new(), warnings)
                }
            };
            for w in &warnings {
                warn(w);
            }
            Ok(Input::Mesh {
                mesh,
                fields,
                laplacian: m.laplacian,
            })
        }
    }
}

/// The scenario's mesh, read or generated (an error for a grid scenario).
pub fn scenario_mesh(s: &Scenario, warn: &mut dyn FnMut(&str)) -> Result<TriMesh> {
    match load(s, None, warn)? {
        Input::Mesh { mesh, .. } => Ok(mesh),
        Input::Grid(_) => Err(crate::Error::Usage(format!(
            "scenario `{}` has no [mesh]",
            s.name
        ))),
    }
}
