//! Sparse linear algebra shared by all flows: a fixed sparsity pattern refilled with new values
//! every step, and an SPD solver that analyses that pattern once (symbolic Cholesky, AMD
//! ordering) and only refactors numerically afterwards.

pub mod implicit;
pub mod matvec;
pub mod memory;
pub mod ordering;
pub mod pattern;
pub mod spd;

pub use implicit::ImplicitSystem;
pub use matvec::{sym_matvec, NodalValue};
pub use pattern::Pattern;
pub use spd::{SpdError, SpdSolver};
