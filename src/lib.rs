//! geoflow: geometric gradient flows with sparse implicit time stepping.

pub mod error;
pub mod flows;
pub mod io;

pub use error::{Error, Result};
pub mod cli;
pub mod convergence;
pub mod discretization;
pub mod expr;
pub mod geometry;
pub mod grid;
pub mod linalg;
pub mod mesh;
pub mod run;
pub mod scenario;
pub mod time;
