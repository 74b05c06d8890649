//! geoflow: geometric gradient flows with sparse implicit time stepping.

pub mod error;
pub mod flows;
pub mod io;

pub use error::{Error, Result};
