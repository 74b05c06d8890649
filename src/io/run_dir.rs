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
//! <out>/status            `running`, then `completed ...` or `failed: ...`
//! ```

use crate::error::{Error, Result};
use crate::flows::Frame;
use crate::io::atomic::write_atomically;
#[cfg(feature = "plot")]
use crate::io::plot;
use crate::io::{pvd::PvdSeries, vtk};
use crate::time::{Observer, StepRecord};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Files a previous geoflow run leaves in its directory (and that a new run replaces).
const RUN_FILES: [&str; 6] = [
    "energy.csv",
    "events.log",
    "energy.png",
    "energy.svg",
    "config.toml",
    "status",
];

/// Prepare `dir` for a run: create it, or clear a previous geoflow run out of it. A non-empty
/// directory that is not a geoflow run is refused rather than mixed with.
pub fn prepare(dir: &Path) -> Result<()> {
    if dir.exists() {
        let entries: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        let ours = |p: &PathBuf| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            RUN_FILES.contains(&name) || name == "frames" || name.ends_with(".pvd")
        };
        if !entries.is_empty() && !dir.join("config.toml").exists() {
            return Err(Error::Usage(format!(
                "{}: exists, is not empty and holds no geoflow run (no config.toml); choose another --out",
                dir.display()
            )));
        }
        for p in entries.iter().filter(|p| ours(p)) {
            let r = if p.is_dir() {
                fs::remove_dir_all(p)
            } else {
                fs::remove_file(p)
            };
            r.map_err(|e| Error::io(p, e))?;
        }
    }
    fs::create_dir_all(dir.join("frames")).map_err(|e| Error::io(dir, e))
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
    series: Vec<(&'static str, PvdSeries)>,
    csv: Option<BufWriter<fs::File>>,
    columns: Vec<&'static str>,
    history: Vec<StepRecord>,
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

    /// Number of frames written so far.
    pub fn frames(&self) -> usize {
        self.pvd.entries().len()
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
                    *c,
                    self.history.iter().map(|r| r.diagnostics[i].1).collect(),
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
            self.columns = rec.diagnostics.iter().map(|(n, _)| *n).collect();
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
        self.history.push(rec.clone());
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
                    self.series.push((suffix, PvdSeries::new(pvd)));
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

    fn event(&mut self, rec: &StepRecord, msg: &str) -> Result<()> {
        let path = self.dir.join("events.log");
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        writeln!(f, "step {}, t = {:e}: {msg}", rec.step, rec.time).map_err(|e| Error::io(&path, e))
    }

    fn finish(&mut self, last: &StepRecord, failure: Option<&str>) -> Result<()> {
        if let Some(w) = self.csv.as_mut() {
            w.flush()
                .map_err(|e| Error::io(self.dir.join("energy.csv"), e))?;
        }
        #[cfg(feature = "plot")]
        self.write_plot()?;
        let status = match failure {
            None => format!(
                "completed: {} steps, t = {:e}, {} frames\n",
                last.step,
                last.time,
                self.frames()
            ),
            Some(msg) => format!(
                "failed at step {} (t = {:e}): {msg}\nthe {} frames listed in the .pvd are valid\n",
                last.step + 1,
                last.time,
                self.frames()
            ),
        };
        write_text(&self.dir.join("status"), &status)
    }
}
