//! The `.pvd` time series: a ParaView collection file listing each frame file with its time.
//!
//! The whole `.pvd` is rewritten (temporary file + rename) after every frame, so a run that
//! stops at any point leaves a collection that opens and lists exactly the frames written so
//! far. Times are written with full round-trip precision (Rust's shortest representation that
//! parses back to the same `f64`).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::io::atomic::write_atomically;
use crate::io::vtk::escape;
use crate::{Error, Result};

/// A `.pvd` collection being built frame by frame.
#[derive(Clone, Debug)]
pub struct PvdSeries {
    path: PathBuf,
    entries: Vec<(f64, String)>,
}

impl PvdSeries {
    /// A series that will be written to `path` (e.g. `run/flow.pvd`). Writes nothing yet; the
    /// file appears with the first [`push`](Self::push).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            entries: Vec::new(),
        }
    }

    /// The path of the `.pvd` file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Add the frame `file` (relative to the `.pvd`'s directory, e.g. `frames/flow_0001.vts`)
    /// at `time`, then rewrite the whole `.pvd` atomically.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] if `time` is not finite; [`Error::Io`] if the file cannot be written.
    /// On error the entry is not kept, so [`entries`](Self::entries) always matches the file.
    pub fn push(&mut self, time: f64, file: &str) -> Result<()> {
        if !time.is_finite() {
            return Err(Error::Usage(format!(
                "{}: frame `{file}` has non-finite time {time}",
                self.path.display()
            )));
        }
        self.entries.push((time, file.to_owned()));
        let result = write_atomically(&self.path, |w| write_pvd(w, &self.entries));
        if result.is_err() {
            self.entries.pop();
        }
        result
    }

    /// The `(time, file)` entries pushed so far, in order.
    pub fn entries(&self) -> &[(f64, String)] {
        &self.entries
    }

    /// A series this module wrote earlier, read back to go on with it (a resumed run).
    pub fn read(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let attr = |d: &str, name: &str| -> Option<String> {
            let start = d.find(&format!("{name}=\""))? + name.len() + 2;
            Some(unescape(&d[start..start + d[start..].find('"')?]))
        };
        let entries = text
            .split("<DataSet")
            .skip(1)
            .map(|d| {
                let time = attr(d, "timestep").and_then(|t| t.parse().ok());
                match (time, attr(d, "file")) {
                    (Some(t), Some(f)) => Ok((t, f)),
                    _ => Err(Error::Usage(format!(
                        "{}: a DataSet without a timestep or file",
                        path.display()
                    ))),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { path, entries })
    }

    /// Keep the entries for which `keep` holds (and rewrite the file when that drops some).
    pub fn retain(&mut self, keep: impl Fn(f64, &str) -> bool) -> Result<()> {
        let before = self.entries.len();
        self.entries.retain(|(t, f)| keep(*t, f));
        if self.entries.len() == before {
            return Ok(());
        }
        write_atomically(&self.path, |w| write_pvd(w, &self.entries))
    }
}

/// The inverse of [`escape`].
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn write_pvd<W: Write>(w: &mut W, entries: &[(f64, String)]) -> std::io::Result<()> {
    writeln!(w, "<?xml version=\"1.0\"?>")?;
    writeln!(
        w,
        "<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">"
    )?;
    writeln!(w, "  <Collection>")?;
    for (time, file) in entries {
        // `{:?}` is the shortest decimal that parses back to the same f64 (e.g. `0.1`, `1e-7`).
        writeln!(
            w,
            "    <DataSet timestep=\"{time:?}\" group=\"\" part=\"0\" file=\"{}\"/>",
            escape(file)
        )?;
    }
    writeln!(w, "  </Collection>")?;
    writeln!(w, "</VTKFile>")?;
    Ok(())
}
