//! The time-stepping driver: owns state, time and step size, runs a [`Flow`] until its stop rule,
//! checks every step for numerical faults, and tells its [`Observer`]s what happened.
//!
//! The last step is shortened so a run ends exactly at `t_end`; frames fall on steps
//! `0, every, 2*every, …` and always on the last step.

use crate::error::{Error, Result};
use crate::flows::{Flow, Frame, StepError};

/// When to stop and how often to write frames.
#[derive(Clone, Debug)]
pub struct Control {
    pub t0: f64,
    pub dt: f64,
    /// Stop at this time (the last step is shortened to land on it).
    pub t_end: Option<f64>,
    /// Stop after this many steps.
    pub steps: Option<usize>,
    /// Stop early at a steady state: `max |u^{n+1} − u^n| / dt < tol`.
    pub tol: Option<f64>,
    /// Frame every this many steps (the first and last are always written).
    pub every: usize,
}

impl Control {
    /// Number of steps the run will take if no steady state stops it earlier.
    pub fn planned_steps(&self) -> usize {
        let by_time = self
            .t_end
            .map(|te| ((te - self.t0) / self.dt - 1e-9).ceil().max(0.0) as usize);
        match (by_time, self.steps) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => 0,
        }
    }
}

/// What the driver reports after every step (and for the initial state, step 0).
#[derive(Clone, Debug)]
pub struct StepRecord {
    pub step: usize,
    pub time: f64,
    /// The step size that led to this state (0 for the initial state).
    pub dt: f64,
    pub energy: f64,
    /// `max |u^{n+1} − u^n| / dt` (0 for the initial state).
    pub rate: f64,
    pub diagnostics: Vec<(&'static str, f64)>,
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    EndTime,
    Steps,
    SteadyState,
    /// The next step would have collapsed the surface, or the flow hit a singularity it reports
    /// (a blow-up), and the control asked to stop, not fail.
    Collapse(String),
}

/// Something that watches a run: the energy log, the frame writer, the progress bar.
pub trait Observer {
    /// Called once before the first step with the number of planned steps.
    fn start(&mut self, _planned_steps: usize) -> Result<()> {
        Ok(())
    }
    /// Called for the initial state and after every accepted step.
    fn step(&mut self, _rec: &StepRecord) -> Result<()> {
        Ok(())
    }
    /// Called on frame steps, after [`Observer::step`].
    fn frame(&mut self, _rec: &StepRecord, _frame: &Frame) -> Result<()> {
        Ok(())
    }
    /// Called once at the end, successful or not (`failure` holds the error message).
    fn finish(&mut self, _last: &StepRecord, _failure: Option<&str>) -> Result<()> {
        Ok(())
    }
    /// An event the flow reported during the step that led to `rec`.
    fn event(&mut self, _rec: &StepRecord, _msg: &str) -> Result<()> {
        Ok(())
    }
}

/// The result of a completed run.
pub struct Finished<S> {
    pub state: S,
    pub last: StepRecord,
    pub stop: Stop,
}

fn record<F: Flow>(
    flow: &F,
    s: &F::State,
    step: usize,
    time: f64,
    dt: f64,
    rate: f64,
) -> StepRecord {
    StepRecord {
        step,
        time,
        dt,
        energy: flow.energy(s),
        rate,
        diagnostics: flow.diagnostics(s, time),
    }
}

fn check_finite(rec: &StepRecord) -> std::result::Result<(), String> {
    if !rec.energy.is_finite() {
        return Err("the energy became non-finite".into());
    }
    if let Some((name, v)) = rec.diagnostics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(format!("{name} became non-finite ({v})"));
    }
    Ok(())
}

/// Run `flow` from `state` under `control`, reporting to `observers`.
///
/// On a numerical fault (failed factorization, non-finite values) the observers' `finish` is
/// called with the message and an [`Error::Numerical`] is returned; whatever they wrote before
/// stays valid. So is a run that reaches its end time or step limit on a state the flow says
/// is not converged ([`Flow::not_converged`]), with the flow's message.
pub fn run<F: Flow>(
    flow: &mut F,
    state: F::State,
    control: &Control,
    observers: &mut [&mut dyn Observer],
) -> Result<Finished<F::State>> {
    let planned = control.planned_steps();
    for o in observers.iter_mut() {
        o.start(planned)?;
    }
    let mut state = state;
    let mut t = control.t0;
    let mut rec = record(flow, &state, 0, t, 0.0, 0.0);
    let fail = |observers: &mut [&mut dyn Observer],
                rec: &StepRecord,
                step: usize,
                time: f64,
                msg: String| {
        for o in observers.iter_mut() {
            let _ = o.finish(rec, Some(&msg));
        }
        Error::Numerical { step, time, msg }
    };
    if let Err(msg) = check_finite(&rec) {
        return Err(fail(observers, &rec, 0, t, format!("initial state: {msg}")));
    }
    let frame_due = |step: usize, last: bool| last || step % control.every.max(1) == 0;
    let mut step = 0;
    let stop = loop {
        let at_end =
            control.t_end.is_some_and(|te| t >= te) || control.steps.is_some_and(|n| step >= n);
        let steady =
            (step > 0 && control.tol.is_some_and(|tol| rec.rate < tol)) || flow.converged(&state);
        let last = at_end || steady;
        for o in observers.iter_mut() {
            o.step(&rec)?;
        }
        if frame_due(step, last) {
            let frame = flow.frame(&state, t);
            for o in observers.iter_mut() {
                o.frame(&rec, &frame)?;
            }
        }
        if last {
            break if steady {
                Stop::SteadyState
            } else if control.t_end.is_some_and(|te| t >= te) {
                Stop::EndTime
            } else {
                Stop::Steps
            };
        }
        let mut t_new = control.t0 + (step + 1) as f64 * control.dt;
        if let Some(te) = control.t_end {
            if t_new >= te - 1e-9 * control.dt {
                t_new = te;
            }
        }
        let dt = t_new - t;
        let next = match flow.step(&state, t, dt) {
            Ok(next) => next,
            Err(e @ (StepError::Collapse(_) | StepError::Singular(_)))
                if flow.stops_at_singularities() =>
            {
                // The current state is the last valid one: make sure it is a frame, then stop.
                if !frame_due(step, false) {
                    let frame = flow.frame(&state, t);
                    for o in observers.iter_mut() {
                        o.frame(&rec, &frame)?;
                    }
                }
                break Stop::Collapse(match e {
                    StepError::Singular(msg) => msg,
                    StepError::Collapse(msg) => {
                        format!("the step to t = {t_new:e} would collapse: {msg}")
                    }
                    e => e.to_string(),
                });
            }
            Err(e) => return Err(fail(observers, &rec, step + 1, t_new, e.to_string())),
        };
        let rate = flow.distance(&state, &next) / dt;
        step += 1;
        t = t_new;
        state = next;
        rec = record(flow, &state, step, t, dt, rate);
        if let Err(msg) = check_finite(&rec) {
            return Err(fail(observers, &rec, step, t, msg));
        }
        for msg in flow.take_events() {
            for o in observers.iter_mut() {
                o.event(&rec, &msg)?;
            }
        }
    };
    // A run that stopped at its limit on a state its flow does not accept is not a success.
    if matches!(stop, Stop::EndTime | Stop::Steps) {
        if let Some(msg) = flow.not_converged(&state) {
            for o in observers.iter_mut() {
                o.event(&rec, &msg)?;
            }
            return Err(fail(observers, &rec, step, t, msg));
        }
    }
    for o in observers.iter_mut() {
        o.finish(&rec, None)?;
    }
    Ok(Finished {
        state,
        last: rec,
        stop,
    })
}
