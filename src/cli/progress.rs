//! A progress bar for runs longer than a second, on a terminal only.

use geoflow::error::Result;
use geoflow::time::{Observer, Outcome, StepRecord};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Shows steps, time and energy on stderr once a run has taken more than a second.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
    enabled: bool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
            started: Instant::now(),
            shown: false,
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Observer for Progress {
    fn start(&mut self, planned_steps: usize) -> Result<()> {
        self.bar.set_length(planned_steps as u64);
        self.bar.set_style(
            ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos}/{len} steps  {msg}  [{elapsed} < {eta}]",
            )
            .expect("valid template"),
        );
        self.started = Instant::now();
        Ok(())
    }

    fn step(&mut self, rec: &StepRecord) -> Result<()> {
        if self.enabled && !self.shown && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        if self.shown {
            self.bar.set_position(rec.step as u64);
            self.bar
                .set_message(format!("t = {:.4e}  energy = {:.8e}", rec.time, rec.energy));
        }
        Ok(())
    }

    /// Events go to the terminal whether or not the bar is shown.
    fn event(&mut self, rec: &StepRecord, msg: &str) -> Result<()> {
        self.bar
            .suspend(|| eprintln!("step {}, t = {:e}: {msg}", rec.step, rec.time));
        Ok(())
    }

    fn finish(&mut self, _last: &StepRecord, _outcome: Outcome) -> Result<()> {
        self.bar.finish_and_clear();
        Ok(())
    }
}
