//! Everything that touches files: VTK XML frames, the PVD time series, the energy log and plot,
//! and the run directory. Whole files are put in place through `io::atomic` (temporary sibling,
//! then rename).

pub(crate) mod atomic;
pub mod mesh;
#[cfg(feature = "plot")]
pub mod plot;
pub mod pvd;
pub mod run_dir;
pub mod vtk;
