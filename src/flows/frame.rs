//! What a flow hands to the writers: geometry plus named point and cell fields.
//!
//! Flows build a [`Frame`] from their state; the driver adds per-frame scalars (time, energy,
//! step) and the `io` layer writes it as VTK XML. All values are `f64` and are written as
//! Float64 so that users can compute errors from the files.

pub use crate::discretization::Cells;

/// A named field on points or cells.
#[derive(Clone, Debug)]
pub enum Field {
    Scalar(Vec<f64>),
    Vector(Vec<[f64; 3]>),
}

impl Field {
    pub fn len(&self) -> usize {
        match self {
            Field::Scalar(v) => v.len(),
            Field::Vector(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One snapshot of a flow, ready to be written.
#[derive(Clone, Debug)]
pub struct Frame {
    pub points: Vec<[f64; 3]>,
    pub cells: Cells,
    pub point_data: Vec<(&'static str, Field)>,
    pub cell_data: Vec<(&'static str, Field)>,
    /// Other views of the same snapshot (e.g. a map's image), each written as its own series
    /// `<run>_<name>.pvd`.
    pub series: Vec<(&'static str, Frame)>,
}

impl Frame {
    /// The file extension VTK expects for this frame's dataset type.
    pub fn extension(&self) -> &'static str {
        match self.cells {
            Cells::Structured { .. } => "vts",
            Cells::Triangles(_) => "vtu",
        }
    }
}
