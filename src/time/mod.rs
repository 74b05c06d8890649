//! The time-stepping driver: owns state, time and step size, runs a [`Flow`] until its stop rule,
//! checks every step for numerical faults, and tells its [`Observer`]s what happened.
//!
//! The last step is shortened so a run ends exactly at `t_end`; frames fall on steps
//! `0, every, 2*every, …` and always on the last step.

use crate::error::{Error, Result};
use crate::flows::{Flow, Frame, StepError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A request from outside to end a run between two steps: a signal handler stores the signal
/// number (non-zero), the driver reads it after every step.
pub type Interrupt = Arc<AtomicUsize>;

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
    /// Set from outside (a signal) to end the run cleanly after the step in progress.
    pub interrupt: Option<Interrupt>,
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
    /// The [`Control::interrupt`] was set (to this signal number).
    Interrupted(i32),
}

impl Stop {
    /// Whether the run did what it was asked: reached its end, its step count or a steady state.
    pub fn completed(&self) -> bool {
        matches!(self, Stop::EndTime | Stop::Steps | Stop::SteadyState)
    }
}

/// How a run ended, as its observers are told.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// It stopped by a rule of its own (see [`Stop`]).
    Stopped(&'a Stop),
    /// It stopped at its end time or step limit on a state the flow does not accept (a
    /// tolerance not reached): the flow's message.
    NotConverged(&'a str),
    /// A numerical fault in the step to `step` at time `time`.
    Failed {
        step: usize,
        time: f64,
        msg: &'a str,
    },
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
    /// Called once at the end, whatever the outcome; `last` is the last valid state.
    fn finish(&mut self, _last: &StepRecord, _outcome: Outcome) -> Result<()> {
        Ok(())
    }
    /// An event the flow reported during the step that led to `rec`.
    fn event(&mut self, _rec: &StepRecord, _msg: &str) -> Result<()> {
        Ok(())
    }
    /// Whether to be handed a checkpoint with every frame (serializing one costs a copy of
    /// the state, so only observers that keep them ask).
    fn wants_checkpoints(&self) -> bool {
        false
    }
    /// A checkpoint of the state of the frame just written (after [`Observer::frame`]):
    /// [`resume`] continues the run from it.
    fn checkpoint(&mut self, _rec: &StepRecord, _bytes: &[u8]) -> Result<()> {
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
/// is not converged ([`Flow::not_converged`]), with the flow's message. When
/// [`Control::interrupt`] is set, the run ends after the step in progress, with its last state
/// as a frame, as [`Stop::Interrupted`]. With every frame, observers that ask for them get a
/// checkpoint ([`resume`] continues from it).
pub fn run<F: Flow>(
    flow: &mut F,
    state: F::State,
    control: &Control,
    observers: &mut [&mut dyn Observer],
) -> Result<Finished<F::State>> {
    let rec = record(flow, &state, 0, control.t0, 0.0, 0.0);
    let at = At {
        state,
        rec,
        frames: 0,
    };
    drive(flow, at, false, control, observers)
}

/// Continue a run from a checkpoint an earlier run under the same scenario wrote (see
/// [`Observer::checkpoint`]); `control` may end it later than the first run did. The step that
/// was checkpointed is not reported again (its row and frame exist), and the steps after it
/// repeat those of an uninterrupted run bit for bit.
pub fn resume<F: Flow>(
    flow: &mut F,
    checkpoint: &[u8],
    control: &Control,
    observers: &mut [&mut dyn Observer],
) -> Result<Finished<F::State>> {
    let c = Checkpoint::<F::State>::decode(checkpoint)?;
    let mut state = c.state;
    flow.restore(&mut state, &c.flow)
        .map_err(|e| Error::Usage(format!("cannot resume: {e}")))?;
    let rec = record(flow, &state, c.step, c.time, c.dt, c.rate);
    let at = At {
        state,
        rec,
        frames: c.frames,
    };
    drive(flow, at, true, control, observers)
}

/// A checkpoint: the state reached at a step, with what the driver and the flow need to go on
/// exactly as if they had not stopped.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Checkpoint<S> {
    pub step: usize,
    pub time: f64,
    /// The step size and rate that led to this state (the rate decides a steady state).
    pub dt: f64,
    pub rate: f64,
    /// Frames written up to and including this one.
    pub frames: usize,
    pub state: S,
    /// What [`Flow::save`] returned.
    pub flow: Vec<u8>,
}

/// The first bytes of a checkpoint file (a format version in the last one).
const CHECKPOINT_MAGIC: &[u8] = b"geoflow-checkpoint-1\n";

impl<S: serde::Serialize> Checkpoint<S> {
    /// The checkpoint as bytes (exact: `f64` bit patterns).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = CHECKPOINT_MAGIC.to_vec();
        bytes.extend(postcard::to_stdvec(self).expect("a checkpoint serializes"));
        bytes
    }
}

impl<S: serde::de::DeserializeOwned> Checkpoint<S> {
    /// A checkpoint from [`Checkpoint::encode`]'s bytes, or why they are not one.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let body = bytes.strip_prefix(CHECKPOINT_MAGIC).ok_or_else(|| {
            Error::Usage("cannot resume: not a geoflow checkpoint (or of another version)".into())
        })?;
        postcard::from_bytes(body).map_err(|e| {
            Error::Usage(format!(
                "cannot resume: the checkpoint does not fit this scenario's flow ({e})"
            ))
        })
    }
}

/// The step, time and frame count a checkpoint was taken at, read without knowing its flow.
pub fn checkpoint_position(bytes: &[u8]) -> Result<(usize, f64, usize)> {
    #[derive(serde::Deserialize)]
    struct Head {
        step: usize,
        time: f64,
        _dt: f64,
        _rate: f64,
        frames: usize,
    }
    let body = bytes.strip_prefix(CHECKPOINT_MAGIC).ok_or_else(|| {
        Error::Usage("cannot resume: not a geoflow checkpoint (or of another version)".into())
    })?;
    let (h, _): (Head, _) = postcard::take_from_bytes(body)
        .map_err(|e| Error::Usage(format!("cannot resume: a damaged checkpoint ({e})")))?;
    Ok((h.step, h.time, h.frames))
}

/// Where the loop stands: the state, its record, and the frames written so far.
struct At<S> {
    state: S,
    rec: StepRecord,
    frames: usize,
}

/// The time loop from `at`; `resumed`: its record and frame were written by an earlier run.
fn drive<F: Flow>(
    flow: &mut F,
    at: At<F::State>,
    resumed: bool,
    control: &Control,
    observers: &mut [&mut dyn Observer],
) -> Result<Finished<F::State>> {
    let planned = control.planned_steps();
    for o in observers.iter_mut() {
        o.start(planned)?;
    }
    let checkpoints = observers.iter().any(|o| o.wants_checkpoints());
    let At {
        mut state,
        mut rec,
        mut frames,
    } = at;
    let mut t = rec.time;
    let mut step = rec.step;
    let fail = |observers: &mut [&mut dyn Observer],
                rec: &StepRecord,
                step: usize,
                time: f64,
                msg: String| {
        for o in observers.iter_mut() {
            let _ = o.finish(
                rec,
                Outcome::Failed {
                    step,
                    time,
                    msg: &msg,
                },
            );
        }
        Error::Numerical { step, time, msg }
    };
    if let Err(msg) = check_finite(&rec) {
        let msg = if resumed {
            format!("resumed state: {msg}")
        } else {
            format!("initial state: {msg}")
        };
        return Err(fail(observers, &rec, step, t, msg));
    }
    let frame_due = |step: usize, last: bool| last || step.is_multiple_of(control.every.max(1));
    // A frame of the state, then (for observers that keep them) its checkpoint.
    let emit_frame = |flow: &F,
                      state: &F::State,
                      rec: &StepRecord,
                      frames: &mut usize,
                      observers: &mut [&mut dyn Observer]|
     -> Result<()> {
        let frame = flow.frame(state, rec.time);
        for o in observers.iter_mut() {
            o.frame(rec, &frame)?;
        }
        *frames += 1;
        if checkpoints {
            let bytes = Checkpoint {
                step: rec.step,
                time: rec.time,
                dt: rec.dt,
                rate: rec.rate,
                frames: *frames,
                state,
                flow: flow.save(),
            }
            .encode();
            for o in observers.iter_mut().filter(|o| o.wants_checkpoints()) {
                o.checkpoint(rec, &bytes)?;
            }
        }
        Ok(())
    };
    // A resumed run's first record and frame were written by the run it continues.
    let mut written = resumed;
    let stop = loop {
        let at_end =
            control.t_end.is_some_and(|te| t >= te) || control.steps.is_some_and(|n| step >= n);
        let steady =
            (step > 0 && control.tol.is_some_and(|tol| rec.rate < tol)) || flow.converged(&state);
        let interrupted = control
            .interrupt
            .as_ref()
            .map(|i| i.load(Ordering::Relaxed) as i32)
            .filter(|&signal| signal != 0);
        let last = at_end || steady || interrupted.is_some();
        if !std::mem::take(&mut written) {
            for o in observers.iter_mut() {
                o.step(&rec)?;
            }
            if frame_due(step, last) {
                emit_frame(flow, &state, &rec, &mut frames, observers)?;
            }
        }
        if last {
            break if steady {
                Stop::SteadyState
            } else if control.t_end.is_some_and(|te| t >= te) {
                Stop::EndTime
            } else if at_end {
                Stop::Steps
            } else {
                Stop::Interrupted(interrupted.unwrap_or_default())
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
                    emit_frame(flow, &state, &rec, &mut frames, observers)?;
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
                let _ = o.finish(&rec, Outcome::NotConverged(&msg));
            }
            return Err(Error::Numerical { step, time: t, msg });
        }
    }
    for o in observers.iter_mut() {
        o.finish(&rec, Outcome::Stopped(&stop))?;
    }
    Ok(Finished {
        state,
        last: rec,
        stop,
    })
}
