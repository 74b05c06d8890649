//! The flows. Each file holds one flow's whole discretization next to the energy it decreases.

pub mod frame;

pub use frame::{Cells, Field, Frame};
