//! Geometric gradient flows with sparse implicit time stepping.
//!
//! geoflow evolves shapes, maps and metrics by steepest descent of an energy. Each flow lives in
//! one file of [`flows`], next to the energy it decreases and the paper its scheme comes from:
//!
//! | flow | equation | energy | scheme |
//! |---|---|---|---|
//! | [`flows::graph_mcf`] | `u_t = Q div(∇u/Q)` or `u_t = div(∇u/Q)`, `Q = sqrt(1 + |∇u|²)` | area of the graph | linearly implicit, `Q` lagged (Deckelnick–Dziuk 2000) |
//! | [`flows::surface_mcf`] | `x_t = Δ_S x = −2H n` | area | `(M + dt L) X' = M X`, `L` current (Desbrun et al. 1999) or frozen (Kazhdan et al. 2012) |
//! | [`flows::harmonic_map`] | `u_t = (Δu)^T`, `u` into S¹, S² or a torus | Dirichlet energy | tangent-plane scheme (Alouges 1997, Bartels 2005) |
//! | [`flows::ricci`] | `u_t = −K` (or `K̄ − K`), `g = e^{2u} g0` | a Liouville-type functional | convex–concave splitting (Eyre 1998) |
//! | [`flows::discrete_ricci`] | `du_i/dt = K̂_i − K_i`, `ℓ_ij = e^{(u_i+u_j)/2} ℓ⁰_ij` | convex energy (Springborn–Schröder–Pinkall 2008) | Newton or implicit steps |
//!
//! A flow implements [`flows::Flow`]: `energy`, `step` (the state is left untouched, so a step
//! can be rejected), `diagnostics`, `frame`. The driver [`time::run`] owns time and step size,
//! checks every step for numerical faults and tells its [`time::Observer`]s (the run directory
//! writer of [`io::run_dir`], a progress bar) what happened. Scenario files ([`scenario`]) name a
//! flow with its keys; [`run::prepare`] sets it up and [`run::Prepared::run`] drives it.
//!
//! # Conventions
//! - **The Laplacian `L` is the weak, positive semi-definite operator** `uᵀLv = ∫ ∇u·∇v`
//!   (`L_ij = −½(cot α_ij + cot β_ij)`, `L 1 = 0`), so every implicit system is `M + dt L`,
//!   symmetric positive definite. (libigl's `cotmatrix` is `−L`.)
//! - **Mass** is lumped, a `Vec<f64>` per node (barycentric or mixed Voronoi areas).
//! - **Faces** are counter-clockwise, outward on closed surfaces; per-face data `[f64; 3]` is
//!   indexed by corner, and "edge `k`" is the edge opposite corner `k`.
//! - **Mean curvature** `H = (κ₁ + κ₂)/2` with respect to the outward normal: a sphere of radius
//!   `r` has `H = 1/r` and shrinks under mean curvature flow as `r² = r₀² − 4t`.
//! - **Gaussian curvature** is the angle defect; `Σ_i (2π − Σθ) = 2πχ` exactly.
//! - Positions are plain `[f64; 3]` in meshes and frames; [`geometry`] states the rest.
//!
//! # Example: a flow on a mesh, no files
//! ```
//! use geoflow::flows::surface_mcf::{SurfaceMcf, SurfaceOptions, SurfaceState};
//! use geoflow::flows::Flow;
//! use geoflow::mesh::shapes::icosphere;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mesh = icosphere(4, 1.0);
//! let mut flow = SurfaceMcf::new(&mesh, SurfaceOptions::default())?;
//! let mut state = SurfaceState { mesh };
//! let dt = 1e-3;
//! let mut area = vec![flow.energy(&state)];
//! for n in 0..20 {
//!     state = flow.step(&state, n as f64 * dt, dt)?;
//!     area.push(flow.energy(&state));
//! }
//! // The area decreases at every step, and the sphere shrinks as r² = 1 − 4t.
//! assert!(area.windows(2).all(|a| a[1] < a[0]));
//! let r2 = area[20] / (4.0 * std::f64::consts::PI);
//! assert!((r2 - (1.0 - 4.0 * 20.0 * dt)).abs() < 1e-2);
//! # Ok(())
//! # }
//! ```
//!
//! A scenario file does the same with frames for ParaView: `geoflow run shrinking-sphere`, or
//! [`scenario::Scenario::load`] and [`run::simulate`] from code. The `examples/` folder has a
//! surface flow from a mesh file and a convergence study written by hand.
//!
//! # Features
//! `cli` (default) builds the `geoflow` program (clap, indicatif) and `plot` (plotters) the
//! energy plots of a run directory; with `default-features = false` the crate is the numerical
//! library alone.
//!
//! # References
//! Each flow's module cites its scheme. The discretization throughout: U. Pinkall,
//! K. Polthier, *Computing discrete minimal surfaces and their conjugates* (1993); M. Meyer,
//! M. Desbrun, P. Schröder, A. H. Barr, *Discrete differential-geometry operators for
//! triangulated 2-manifolds* (2003); G. Dziuk, *An algorithm for evolutionary surfaces* (1990).

pub mod convergence;
pub mod discretization;
pub mod domain;
pub mod error;
pub mod expr;
pub mod flows;
pub mod geometry;
pub mod grid;
pub mod io;
pub mod linalg;
pub mod mesh;
pub mod run;
pub mod scenario;
pub mod time;

pub use error::{Error, Result};
