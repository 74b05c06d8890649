//! Ricci flow of a surface in conformal form. For a metric `g = e^{2u} g0`, Ricci flow
//! `∂t g = −2K g` is the scalar equation
//!
//! `u_t = −K`,  `K = e^{−2u} (K0 − Δ0 u)`,
//!
//! with `K0` and `Δ0` the Gaussian curvature and Laplace–Beltrami operator of the background
//! metric `g0` (Hamilton 1988, *The Ricci flow on surfaces*; Chow 1991). On a flat domain, with
//! `v = e^{2u}`, it is `v_t = Δ log v`. The normalized flow `u_t = K̄ − K`, `K̄ = 2πχ/A`, keeps the
//! area `A = ∫ e^{2u} dA0` and drives the curvature to a constant.
//!
//! # Discretization
//! P1 finite elements (on a grid: the four-corner finite differences) with lumped mass `m_i`,
//! stiffness `L` (the cotan Laplacian of the background mesh, or with `[mesh] laplacian =
//! "intrinsic-delaunay"` that of its intrinsic Delaunay triangulation and its barycentric mass:
//! every edge weight non-negative, so `diag(m e^{2u}) + dt L` is an M-matrix; Bobenko,
//! Springborn 2007, *A discrete Laplace–Beltrami operator for simplicial surfaces*, DCG 38) and
//! integrated background curvature `K0_i`: angle defects `2π − Σθ` inside and turning angles
//! `π − Σθ` on the boundary (a planar grid: `π/2` at its corners), the same on both
//! triangulations (the flips keep the flat metric and its cone angles). Testing `u_t e^{2u} = −(K0 − Δ0 u)` with the hat
//! functions, the integrated curvature of the metric `e^{2u} g0` at node `i` is
//! `K_i^int = K0_i + (L u)_i`, and `Σ_i K_i^int = Σ_i K0_i = 2πχ` for every `u` since `L 1 = 0`:
//! discrete Gauss–Bonnet holds exactly at every step. Pointwise `K_i = K_i^int / (m_i e^{2u_i})`,
//! and `A = Σ m_i e^{2u_i}`.
//!
//! Each step is one SPD solve on the fixed pattern of `L` (symbolic analysis once per run):
//!
//! `diag(m e^{2u^n}) (u^{n+1} − u^n)/dt + L u^{n+1} = −K0 + K̄^n m e^{2u^n}`
//!
//! (the last term only for the normalized flow, `K̄^n = Σ K0 / A^n`). Boundary nodes carry
//! Dirichlet data. The normalized flow then adds the constant `½ log(A0/A)` to `u`, so the
//! area stays `A0` to rounding; constants change neither `K^int` nor the energy below.
//!
//! # Energy
//! The normalized flow is the gradient flow, in the metric `∫ e^{2u} φ ψ dA0`, of the
//! Liouville-type functional
//!
//! `E(u) = ½ ∫ |∇0 u|² dA0 + ∫ K0 u dA0 − πχ log(A(u)/A0)`
//!
//! (`δE = ∫ (K − K̄) e^{2u} δu dA0`, so `dE/dt = −∫ (K − K̄)² dA ≤ 0`); the unnormalized flow is
//! that of `E` without the log term. Discretely `E_h = ½ uᵀLu + K0ᵀu − πχ log(A_h/A0)`. The step
//! above is a convex–concave splitting of `E_h` (Eyre 1998): the convex part `½ uᵀLu + K0ᵀu`
//! implicit, the concave `−πχ log A` (χ > 0) explicit, so `E_h` never increases, for every
//! `dt`, when `χ ≥ 0` and the boundary data do not move. The energy column is `E_h`.

pub use super::conformal::ConformalData;
use super::{Cells, Field, Flow, Frame, ImplicitStep, StepError};
use crate::discretization::{nodal_errors, Discretization};
use crate::linalg::{sym_matvec, ImplicitSystem, SpdError};
use rayon::prelude::*;

pub mod setup;

/// The conformal factor `u` at every node (`g = e^{2u} g0`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RicciState {
    pub u: Vec<f64>,
}

/// The linear system of one step (see [`ImplicitStep::assemble`]) and, once solved, the new
/// conformal factor.
struct RicciSystem {
    d: Vec<f64>,
    b: Vec<f64>,
    g: Vec<f64>,
    dt: f64,
    u: Vec<f64>,
}

/// Ricci flow of the conformal factor; see the module docs.
pub struct Ricci<D: Discretization> {
    domain: D,
    normalized: bool,
    pairs: Vec<(usize, usize)>,
    k: Vec<f64>,
    /// Integrated background curvature per node; sums to `2πχ`.
    k0: Vec<f64>,
    /// `2πχ` from the topology (for the Gauss–Bonnet column).
    two_pi_chi: f64,
    area0: f64,
    system: ImplicitSystem,
    boundary: Option<ConformalData>,
    exact: Option<ConformalData>,
    /// The system of the step being taken.
    step_system: Option<RicciSystem>,
}

impl<D: Discretization> Ricci<D> {
    /// Set up on a domain with integrated background curvature `k0` and Euler characteristic
    /// `chi`; boundary nodes are Dirichlet nodes (`boundary` data, or their initial values).
    /// The area `A0` the normalized flow keeps is that of `u0`.
    pub fn new(
        domain: D,
        k0: Vec<f64>,
        chi: f64,
        normalized: bool,
        boundary: Option<ConformalData>,
        u0: &[f64],
    ) -> Result<Self, SpdError> {
        let pairs = domain.stiffness_pairs();
        let mut k = vec![0.0; pairs.len()];
        domain.laplacian_entries(&mut k);
        let system = ImplicitSystem::new(domain.nodes(), &pairs, domain.boundary())?;
        let mut flow = Ricci {
            domain,
            normalized,
            pairs,
            k,
            k0,
            two_pi_chi: 2.0 * std::f64::consts::PI * chi,
            area0: 0.0,
            system,
            boundary,
            exact: None,
            step_system: None,
        };
        flow.area0 = flow.area(u0);
        Ok(flow)
    }

    /// Also report `error_linf` and `error_l2` (mass weighted) of `u` or `v`, as `exact` gives.
    pub fn with_exact(mut self, exact: Option<ConformalData>) -> Self {
        self.exact = exact;
        self
    }

    pub fn domain(&self) -> &D {
        &self.domain
    }

    /// The initial state: `u0` at the nodes, the boundary data at `t0` on the boundary.
    pub fn initial_state(&self, u0: &ConformalData, t0: f64) -> RicciState {
        let bnd = self.domain.boundary();
        let u = (0..self.domain.nodes())
            .map(|i| match &self.boundary {
                Some(b) if bnd[i] => b.u(self.domain.point(i), t0),
                _ => u0.u(self.domain.point(i), t0),
            })
            .collect();
        RicciState { u }
    }

    /// `A = Σ m_i e^{2u_i}`.
    pub fn area(&self, u: &[f64]) -> f64 {
        u.iter()
            .zip(self.domain.lumped_mass())
            .map(|(u, m)| m * (2.0 * u).exp())
            .sum()
    }

    /// `L u`, the stiffness of the domain applied to `u`.
    fn laplacian(&self, u: &[f64]) -> Vec<f64> {
        let mut lu = vec![0.0; u.len()];
        sym_matvec(&self.pairs, &self.k, u, &mut lu);
        lu
    }

    /// Integrated curvature `K0_i + (L u)_i` of the metric `e^{2u} g0` at every node.
    pub fn integrated_curvature(&self, u: &[f64]) -> Vec<f64> {
        let lu = self.laplacian(u);
        lu.iter().zip(&self.k0).map(|(l, k0)| k0 + l).collect()
    }

    /// Pointwise curvature `K_i = K_i^int / (m_i e^{2u_i})` (on boundary nodes: the geodesic
    /// curvature per area).
    pub fn curvature(&self, u: &[f64]) -> Vec<f64> {
        self.pointwise(u, &self.integrated_curvature(u))
    }

    /// `K_i^int / (m_i e^{2u_i})`.
    fn pointwise(&self, u: &[f64], kint: &[f64]) -> Vec<f64> {
        kint.iter()
            .zip(u)
            .zip(self.domain.lumped_mass())
            .map(|((k, u), m)| k / (m * (2.0 * u).exp()))
            .collect()
    }

    /// The linear system of a step from `s` at time `t`: the diagonal `m e^{2u}`, the right-hand
    /// side and the Dirichlet values at `t + dt`.
    fn step_system(&self, s: &RicciState, t: f64, dt: f64) -> RicciSystem {
        let mass = self.domain.lumped_mass();
        let d: Vec<f64> =
            s.u.par_iter()
                .zip(mass)
                .map(|(u, m)| m * (2.0 * u).exp())
                .collect();
        let kbar = if self.normalized {
            self.k0.iter().sum::<f64>() / d.iter().sum::<f64>()
        } else {
            0.0
        };
        let b: Vec<f64> = d
            .par_iter()
            .zip(&s.u)
            .zip(&self.k0)
            .map(|((d, u), k0)| d * u - dt * k0 + dt * kbar * d)
            .collect();
        let g: Vec<f64> = match &self.boundary {
            Some(data) => (0..s.u.len())
                .map(|i| {
                    if self.domain.boundary()[i] {
                        data.u(self.domain.point(i), t + dt)
                    } else {
                        0.0
                    }
                })
                .collect(),
            None => s.u.clone(),
        };
        RicciSystem {
            d,
            b,
            g,
            dt,
            u: Vec::new(),
        }
    }

    fn chi_term(&self, u: &[f64]) -> f64 {
        if self.normalized {
            0.5 * self.k0.iter().sum::<f64>() * (self.area(u) / self.area0).ln()
        } else {
            0.0
        }
    }
}

impl<D: Discretization> ImplicitStep for Ricci<D> {
    fn assemble(&mut self, s: &RicciState, t: f64, dt: f64) {
        self.step_system = Some(self.step_system(s, t, dt));
    }

    /// Numeric factorization of `diag(m e^{2u}) + dt L` (the symbolic analysis is reused).
    fn factorize(&mut self) -> Result<(), SpdError> {
        let sys = self.step_system.as_ref().ok_or(SpdError::NotFactored)?;
        self.system.factor(&sys.d, sys.dt, &self.k)
    }

    /// The new conformal factor (before the area normalization).
    fn solve(&mut self) -> Result<(), SpdError> {
        let sys = self.step_system.as_mut().ok_or(SpdError::NotFactored)?;
        sys.u = self.system.solve(&sys.b, &sys.g)?;
        Ok(())
    }

    fn unknowns(&self) -> usize {
        self.system.unknowns()
    }
}

impl<D: Discretization> Flow for Ricci<D> {
    type State = RicciState;

    /// `E_h = ½ uᵀLu + K0ᵀu − πχ log(A/A0)` (no log term unnormalized).
    fn energy(&self, s: &RicciState) -> f64 {
        let lu = self.laplacian(&s.u);
        let quad: f64 = s.u.iter().zip(&lu).map(|(u, l)| u * l).sum();
        let lin: f64 = s.u.iter().zip(&self.k0).map(|(u, k)| u * k).sum();
        0.5 * quad + lin - self.chi_term(&s.u)
    }

    fn step(&mut self, s: &RicciState, t: f64, dt: f64) -> Result<RicciState, StepError> {
        self.assemble(s, t, dt);
        self.factorize()?;
        self.solve()?;
        let mut u = self.step_system.take().expect("assembled").u;
        if self.normalized {
            let shift = 0.5 * (self.area0 / self.area(&u)).ln();
            u.iter_mut().for_each(|x| *x += shift);
        }
        if u.iter().any(|x| !x.is_finite()) {
            return Err(StepError::NonFinite("u"));
        }
        Ok(RicciState { u })
    }

    /// `area`, `total_curvature` (`Σ K^int`), `gauss_bonnet_defect` (that minus `2πχ` of the
    /// mesh), `curvature_spread`, `k_min`, `k_max` (interior nodes); with an exact solution
    /// `error_linf`, `error_l2` of `u` or `v`.
    fn diagnostics(&self, s: &RicciState, t: f64) -> Vec<(&'static str, f64)> {
        let kint = self.integrated_curvature(&s.u);
        let total: f64 = kint.iter().sum();
        let k = self.pointwise(&s.u, &kint);
        let interior = k
            .iter()
            .zip(self.domain.boundary())
            .filter(|(_, &b)| !b)
            .map(|(k, _)| *k);
        let (lo, hi) = interior.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), k| {
            (lo.min(k), hi.max(k))
        });
        let mut d = vec![
            ("area", self.area(&s.u)),
            ("total_curvature", total),
            ("gauss_bonnet_defect", total - self.two_pi_chi),
            ("curvature_spread", hi - lo),
            ("k_min", lo),
            ("k_max", hi),
        ];
        if let Some(exact) = &self.exact {
            let h: Vec<f64> = if exact.is_v {
                s.u.iter().map(|u| (2.0 * u).exp()).collect()
            } else {
                s.u.clone()
            };
            let e = nodal_errors(&self.domain, &h, |[x, y, z]| exact.expr.eval(&[x, y, z, t]));
            d.push(("error_linf", e.linf));
            d.push(("error_l2", e.l2));
        }
        d
    }

    fn distance(&self, a: &RicciState, b: &RicciState) -> f64 {
        a.u.iter()
            .zip(&b.u)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    /// Point data `u`, `conformal_factor` (`e^{2u}`) and `K`. Planar domains are drawn as the
    /// graph of `v = e^{2u}`; surfaces keep their background positions.
    fn frame(&self, s: &RicciState, _t: f64) -> Frame {
        let v: Vec<f64> = s.u.iter().map(|u| (2.0 * u).exp()).collect();
        let planar = self.domain.planar();
        let points = (0..self.domain.nodes())
            .map(|i| {
                let p = self.domain.point(i);
                if planar {
                    [p[0], p[1], v[i]]
                } else {
                    p
                }
            })
            .collect();
        let cells: Cells = self.domain.cells();
        Frame {
            points,
            cells,
            point_data: vec![
                ("u", Field::Scalar(s.u.clone())),
                ("conformal_factor", Field::Scalar(v)),
                ("K", Field::Scalar(self.curvature(&s.u))),
            ],
            cell_data: Vec::new(),
            series: Vec::new(),
        }
    }
}
