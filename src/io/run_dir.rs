//! The run directory and the observers that fill it:
//!
//! ```text
//! <out>/<name>.pvd        the time series ParaView opens (rewritten after every frame)
//! <out>/<name>_<s>.pvd    further series of the same snapshots (e.g. `_image`: a map's image)
//! <out>/frames/*.vts|vtu  one VTK XML file per frame, TimeValue/Energy/Step in FieldData
//! <out>/events.log        singular events the flow reported (e.g. a blow-up), one per line
//! <out>/energy.csv        step,time,dt,energy,rate[,diagnostics...], one row per step
//! <out>/energy.png|svg    energy (and errors) against time
//! <out>/config.toml       the resolved scenario and the geoflow version
//! <out>/status            `running`, then `completed: …`, `stopped at step k …: …`,
//!                         `interrupted at step k …` or `failed at step k (t = …): …`
//! <out>/.geoflow.lock     held (advisory lock) while a run writes into the directory
//! ```
//!
//! Every file is written whole under a temporary name and renamed (`crate::io::atomic`); a
//! frame is written before the `.pvd` that lists it, so the series never names a missing or
//! partial frame.

use crate::error::{Error, Result};
use crate::flows::Frame;
use crate::io::atomic::write_atomically;
#[cfg(feature = "plot")]
use crate::io::plot;
use crate::io::{pvd::PvdSeries, vtk};
use crate::time::{Observer, Outcome, StepRecord, Stop};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Files a previous geoflow run leaves in its directory (and that a new run replaces).
const RUN_FILES: [&str; 7] = [
    "energy.csv",
    "events.log",
    "energy.png",
    "energy.svg",
    "config.toml",
    "status",
    CHECKPOINT,
];

/// The checkpoint of the last frame (see [`crate::time::resume`]).
pub const CHECKPOINT: &str = "checkpoint.bin";

/// The advisory lock file of a run directory.
const LOCK: &str = ".geoflow.lock";

/// Whether `name` is a file a geoflow run writes: its outputs, the lock, or a temporary file
/// of an atomic write (`.<name>.<pid>.<n>.tmp…`) left by a run that was killed.
fn ours(name: &str) -> bool {
    RUN_FILES.contains(&name)
        || name == "frames"
        || name == LOCK
        || name.ends_with(".pvd")
        || is_temporary(name)
}

fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp")
}

/// A run directory held by one run: an advisory lock on `<dir>/.geoflow.lock`, released when
/// this is dropped (or the process ends, however it ends).
#[derive(Debug)]
pub struct RunDir {
    _lock: fs::File,
    /// What preparing the directory cleaned up (leftovers of a killed run), to be reported.
    pub notes: Vec<String>,
}

/// Prepare `dir` for a run: create it, or clear a previous geoflow run out of it, and lock it
/// so that a second run into it is refused while this one lasts. A non-empty directory that is
/// not a geoflow run is refused rather than mixed with; temporary files a killed run left are
/// removed and reported.
pub fn prepare(dir: &Path) -> Result<RunDir> {
    let mut notes = Vec::new();
    if dir.exists() {
        let entries: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        let name = |p: &PathBuf| {
            p.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string()
        };
        if entries.iter().any(|p| !ours(&name(p))) && !dir.join("config.toml").exists() {
            return Err(Error::Usage(format!(
                "{}: exists, is not empty and holds no geoflow run (no config.toml); choose another --out",
                dir.display()
            )));
        }
        let lock = lock(dir)?;
        let temporary = entries.iter().filter(|p| is_temporary(&name(p))).count();
        if temporary > 0 {
            notes.push(format!(
                "removed {temporary} temporary file(s) an interrupted run left in {}",
                dir.display()
            ));
        }
        // The series first: from then on nothing lists a frame, so the directory stays valid
        // (an empty run) whenever this is cut short.
        let mut ours_first: Vec<&PathBuf> = entries
            .iter()
            .filter(|p| ours(&name(p)) && name(p) != LOCK)
            .collect();
        ours_first.sort_by_key(|p| !name(p).ends_with(".pvd"));
        for p in ours_first {
            let r = if p.is_dir() {
                fs::remove_dir_all(p)
            } else {
                fs::remove_file(p)
            };
            r.map_err(|e| Error::io(p, e))?;
        }
        fs::create_dir_all(dir.join("frames")).map_err(|e| Error::io(dir, e))?;
        return Ok(RunDir { _lock: lock, notes });
    }
    fs::create_dir_all(dir.join("frames")).map_err(|e| Error::io(dir, e))?;
    Ok(RunDir {
        _lock: lock(dir)?,
        notes,
    })
}

/// Open the directory of an earlier run to go on with it (`--resume`): lock it, remove the
/// temporary files a killed run left, keep everything else.
pub fn reopen(dir: &Path) -> Result<RunDir> {
    if !dir.join("config.toml").exists() {
        return Err(Error::Usage(format!(
            "{}: holds no geoflow run to resume (no config.toml)",
            dir.display()
        )));
    }
    let lock = lock(dir)?;
    let mut notes = Vec::new();
    for d in [dir.to_path_buf(), dir.join("frames")] {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for p in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_temporary(name) {
                fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
                notes.push(format!(
                    "removed {}, left by an interrupted run",
                    p.display()
                ));
            }
        }
    }
    Ok(RunDir { _lock: lock, notes })
}

/// Take the advisory lock of `dir`, or say that another run holds it.
fn lock(dir: &Path) -> Result<fs::File> {
    let path = dir.join(LOCK);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::io(
            dir,
            std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                "another geoflow run is writing into this directory; wait for it to end or \
                 choose another --out",
            ),
        )),
        Err(fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

/// Write a small text file atomically.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    write_atomically(path, |w| w.write_all(text.as_bytes()))
}

/// The observer that writes frames, the `.pvd`, `energy.csv`, the plot and the status file.
pub struct RunWriter {
    dir: PathBuf,
    name: String,
    pvd: PvdSeries,
    /// The further series of [`Frame::series`], by name.
    series: Vec<(String, PvdSeries)>,
    csv: Option<BufWriter<fs::File>>,
    /// The diagnostics columns of `energy.csv`, and every row so far (for the plot).
    columns: Vec<String>,
    history: Vec<Row>,
}

/// One row of `energy.csv`, as the plot needs it.
struct Row {
    step: usize,
    time: f64,
    energy: f64,
    diagnostics: Vec<f64>,
}

impl RunWriter {
    /// Start writing into a prepared directory; `name` names the `.pvd` and the frames.
    pub fn new(dir: &Path, name: &str) -> Result<RunWriter> {
        write_text(&dir.join("status"), "running\n")?;
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            pvd: PvdSeries::new(dir.join(format!("{name}.pvd"))),
            series: Vec::new(),
            csv: None,
            columns: Vec::new(),
            history: Vec::new(),
        })
    }

    /// Go on writing a run that stopped at its checkpoint of step `step`, after `frames`
    /// frames: what was written after the checkpoint (rows, events, frames of a run that went
    /// on or was killed) is dropped, so the files read as if the run had stopped there.
    pub fn resume(dir: &Path, name: &str, step: usize, frames: usize) -> Result<RunWriter> {
        // The series: the first `frames` frames (files `…_NNNNNN.ext`, numbered by frame).
        let index = |file: &str| -> Option<usize> {
            let stem = Path::new(file).file_stem()?.to_str()?;
            stem.rsplit('_').next()?.parse().ok()
        };
        let mut pvd = PvdSeries::read(dir.join(format!("{name}.pvd")))?;
        pvd.retain(|_, f| index(f).is_some_and(|i| i < frames))?;
        let mut series = Vec::new();
        let mut listed: Vec<String> = pvd.entries().iter().map(|(_, f)| f.clone()).collect();
        let prefix = format!("{name}_");
        for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let file = entry.map_err(|e| Error::io(dir, e))?.file_name();
            let file = file.to_string_lossy();
            let Some(suffix) = file
                .strip_prefix(&prefix)
                .and_then(|f| f.strip_suffix(".pvd"))
            else {
                continue;
            };
            let mut s = PvdSeries::read(dir.join(file.as_ref()))?;
            s.retain(|_, f| index(f).is_some_and(|i| i < frames))?;
            listed.extend(s.entries().iter().map(|(_, f)| f.clone()));
            series.push((suffix.to_string(), s));
        }
        let frames_dir = dir.join("frames");
        for entry in fs::read_dir(&frames_dir).map_err(|e| Error::io(&frames_dir, e))? {
            let path = entry.map_err(|e| Error::io(&frames_dir, e))?.path();
            let rel = format!(
                "frames/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            if !listed.contains(&rel) {
                fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        // energy.csv and events.log up to the checkpoint's step.
        let step_of = |line: &str, prefix: &str| -> Option<usize> {
            line.strip_prefix(prefix)?
                .split([',', ' '])
                .next()?
                .parse()
                .ok()
        };
        let csv_path = dir.join("energy.csv");
        let text = fs::read_to_string(&csv_path).map_err(|e| Error::io(&csv_path, e))?;
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default().to_string();
        let kept: Vec<&str> = lines
            .filter(|l| step_of(l, "").is_some_and(|s| s <= step))
            .collect();
        let columns: Vec<String> = header.split(',').skip(5).map(String::from).collect();
        let history = kept
            .iter()
            .map(|l| {
                let v: Vec<f64> = l
                    .split(',')
                    .map(|x| x.parse().unwrap_or(f64::NAN))
                    .collect();
                Row {
                    step: v[0] as usize,
                    time: v[1],
                    energy: v[3],
                    diagnostics: v[5..].to_vec(),
                }
            })
            .collect();
        let mut csv_text = header + "\n";
        for l in &kept {
            csv_text += l;
            csv_text.push('\n');
        }
        write_text(&csv_path, &csv_text)?;
        let events = dir.join("events.log");
        if events.exists() {
            let text = fs::read_to_string(&events).map_err(|e| Error::io(&events, e))?;
            // The report a run ends with when it stops short of its tolerance is not true of
            // the run that goes on: it goes too.
            let kept: String = text
                .lines()
                .filter(|l| step_of(l, "step ").is_some_and(|s| s <= step))
                .filter(|l| !(step_of(l, "step ") == Some(step) && l.contains(": not converged: ")))
                .map(|l| format!("{l}\n"))
                .collect();
            write_text(&events, &kept)?;
        }
        let csv = fs::OpenOptions::new()
            .append(true)
            .open(&csv_path)
            .map_err(|e| Error::io(&csv_path, e))?;
        write_text(
            &dir.join("status"),
            &format!("running (resumed at step {step})\n"),
        )?;
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            pvd,
            series,
            csv: Some(BufWriter::new(csv)),
            columns,
            history,
        })
    }

    /// Number of frames written so far.
    pub fn frames(&self) -> usize {
        self.pvd.entries().len()
    }

    /// Record in `status` that the run was abandoned after its last recorded step (a bug caught
    /// at the top), best effort: the files written so far stay valid.
    pub fn abandon(&mut self, msg: &str) {
        let (step, time) = self
            .history
            .last()
            .map_or((0, 0.0), |r| (r.step + 1, r.time));
        if let Some(w) = self.csv.as_mut() {
            let _ = w.flush();
        }
        let _ = write_text(
            &self.dir.join("status"),
            &format!(
                "failed at step {step} (after t = {time:e}): {msg}\nthe {} frames listed in the .pvd are valid\n",
                self.frames()
            ),
        );
    }

    /// Path of the `.pvd`.
    pub fn pvd_path(&self) -> &Path {
        self.pvd.path()
    }

    /// `energy.png` and `energy.svg` (not written without the `plot` feature).
    #[cfg(feature = "plot")]
    fn write_plot(&self) -> Result<()> {
        let time: Vec<f64> = self.history.iter().map(|r| r.time).collect();
        let energy: Vec<f64> = self.history.iter().map(|r| r.energy).collect();
        let errors: Vec<(&str, Vec<f64>)> = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.starts_with("error"))
            .map(|(i, c)| {
                (
                    c.as_str(),
                    self.history.iter().map(|r| r.diagnostics[i]).collect(),
                )
            })
            .collect();
        let errors: Vec<(&str, &[f64])> = errors.iter().map(|(c, v)| (*c, v.as_slice())).collect();
        plot::write_energy_plot(
            &self.dir.join("energy"),
            &time,
            &[("energy", &energy)],
            &errors,
        )
    }
}

impl Observer for RunWriter {
    fn step(&mut self, rec: &StepRecord) -> Result<()> {
        let path = self.dir.join("energy.csv");
        if self.csv.is_none() {
            let f = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut w = BufWriter::new(f);
            self.columns = rec.diagnostics.iter().map(|(n, _)| n.to_string()).collect();
            let mut header = String::from("step,time,dt,energy,rate");
            for c in &self.columns {
                header.push(',');
                header.push_str(c);
            }
            writeln!(w, "{header}").map_err(|e| Error::io(&path, e))?;
            self.csv = Some(w);
        }
        let w = self.csv.as_mut().expect("opened above");
        let mut line = format!(
            "{},{:e},{:e},{:e},{:e}",
            rec.step, rec.time, rec.dt, rec.energy, rec.rate
        );
        for (_, v) in &rec.diagnostics {
            line.push_str(&format!(",{v:e}"));
        }
        writeln!(w, "{line}").map_err(|e| Error::io(&path, e))?;
        self.history.push(Row {
            step: rec.step,
            time: rec.time,
            energy: rec.energy,
            diagnostics: rec.diagnostics.iter().map(|(_, v)| *v).collect(),
        });
        Ok(())
    }

    fn frame(&mut self, rec: &StepRecord, frame: &Frame) -> Result<()> {
        let fields = [
            ("TimeValue", rec.time),
            ("Energy", rec.energy),
            ("Step", rec.step as f64),
        ];
        let index = self.frames();
        for (suffix, view) in &frame.series {
            let pos = match self.series.iter().position(|(s, _)| s == suffix) {
                Some(p) => p,
                None => {
                    let pvd = self.dir.join(format!("{}_{suffix}.pvd", self.name));
                    self.series.push((suffix.to_string(), PvdSeries::new(pvd)));
                    self.series.len() - 1
                }
            };
            let file = format!(
                "frames/{}_{suffix}_{index:06}.{}",
                self.name,
                view.extension()
            );
            vtk::write_frame(&self.dir.join(&file), view, &fields)?;
            self.series[pos].1.push(rec.time, &file)?;
        }
        let file = format!("frames/{}_{index:06}.{}", self.name, frame.extension());
        vtk::write_frame(&self.dir.join(&file), frame, &fields)?;
        self.pvd.push(rec.time, &file)?;
        if let Some(w) = self.csv.as_mut() {
            w.flush()
                .map_err(|e| Error::io(self.dir.join("energy.csv"), e))?;
        }
        Ok(())
    }

    fn wants_checkpoints(&self) -> bool {
        true
    }

    /// `checkpoint.bin`, after the frame files and the `.pvd`s that list them: a checkpoint
    /// never refers to a frame that is not there.
    fn checkpoint(&mut self, _rec: &StepRecord, bytes: &[u8]) -> Result<()> {
        write_atomically(&self.dir.join(CHECKPOINT), |w| w.write_all(bytes))
    }

    fn event(&mut self, rec: &StepRecord, msg: &str) -> Result<()> {
        let path = self.dir.join("events.log");
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        writeln!(f, "step {}, t = {:e}: {msg}", rec.step, rec.time).map_err(|e| Error::io(&path, e))
    }

    fn finish(&mut self, last: &StepRecord, outcome: Outcome) -> Result<()> {
        if let Some(w) = self.csv.as_mut() {
            w.flush()
                .map_err(|e| Error::io(self.dir.join("energy.csv"), e))?;
        }
        #[cfg(feature = "plot")]
        self.write_plot()?;
        let frames = self.frames();
        let status = match outcome {
            Outcome::Stopped(stop) if stop.completed() => format!(
                "completed: {} steps, t = {:e}, {frames} frames\n",
                last.step, last.time,
            ),
            Outcome::Stopped(Stop::Interrupted(signal)) => format!(
                "interrupted at step {} (t = {:e}) by {}; {frames} frames\n",
                last.step,
                last.time,
                signal_name(*signal)
            ),
            Outcome::Stopped(stop) => format!(
                "stopped at step {} (t = {:e}): {}; {frames} frames\n",
                last.step,
                last.time,
                match stop {
                    Stop::Collapse(msg) => msg.as_str(),
                    _ => "",
                }
            ),
            Outcome::NotConverged(msg) => format!(
                "{msg}\n(stopped at step {} (t = {:e}); the {frames} frames listed in the .pvd \
                 are valid)\n",
                last.step, last.time
            ),
            Outcome::Failed { step, time, msg } => format!(
                "failed at step {step} (t = {time:e}): {msg}\nthe {frames} frames listed in the .pvd are valid\n"
            ),
        };
        write_text(&self.dir.join("status"), &status)
    }
}

/// `SIGINT`, `SIGTERM`, or `signal N`.
pub fn signal_name(signal: i32) -> String {
    match signal {
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}
