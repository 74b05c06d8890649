//! Mean curvature flow of graph surfaces `z = u(x, y)` over a planar domain, on a regular grid or a
//! triangulation (any [`Discretization`]), in two forms:
//!
//! * geometric (`graph-mcf`): `u_t = Q div(∇u / Q)`, the surface moves with normal velocity equal to
//!   its mean curvature `H = div(∇u / Q)`;
//! * area gradient (`graph-area`): `u_t = div(∇u / Q)`, the L² gradient flow of the area,
//!
//! with `Q = sqrt(1 + |∇u|²)` and Dirichlet data `u = g(x, y, t)` on the boundary of the box.
//!
//! # Energy
//! The discrete area `A_h(u) = Σ_q w_q Q(g_q)` over the quadrature points of the discretization:
//! on a triangulation the area of the piecewise-linear graph (one point per triangle); on the grid
//! the area of the piecewise-linear graph averaged over the two ways of splitting each cell into
//! triangles (four corner triangles per cell, see [`crate::grid`]). It is the `energy` column of
//! `energy.csv`.
//!
//! # Scheme
//! Linearly implicit: `Q` is frozen at the previous step, as in the scheme of Deckelnick & Dziuk
//! (*Error estimates for a semi-implicit fully discrete finite element scheme for the mean curvature
//! flow of graphs*, Interfaces Free Bound. 2, 2000). With `a = 1/Q(∇u^n)` per corner triangle, the
//! weighted stiffness `K_a` (the 5-point stencil of [`crate::grid::Grid2::edge_weights`] on the
//! grid, the P1 stiffness on a triangulation) and the lumped mass `m`, each step solves for the
//! free (interior) nodes
//!
//! `D (u^{n+1} − u^n) / dt + K_a u^{n+1} = 0`,  `u^{n+1} = g(t^{n+1})` on the boundary,
//!
//! with `D = diag(m_i / Q_i)` for the geometric form (`1/Q_i` the discretization's nodal mean of
//! `1/Q`) and `D = diag(m_i)` for the area form. The matrix `D + dt K_a` is symmetric positive
//! definite with a fixed pattern ([`ImplicitSystem`]): one numeric Cholesky per step.
//!
//! # Why the area cannot increase
//! For any vectors `p, q`: `p·(p − q)/Q(q) ≥ Q(p) − Q(q) + |p − q|²/(2 Q(q))`, because
//! `|p|² − p·q + 1 + |q|² = (Q(p)² + Q(q)²)/2 + |p − q|²/2 ≥ Q(p) Q(q) + |p − q|²/2`.
//! Testing the scheme with `δ = u^{n+1} − u^n` (zero on the boundary when `g` does not depend on
//! time) and applying this at every quadrature point gives
//! `A_h(u^{n+1}) + Σ D_i δ_i²/dt + ½ Σ_q w_q |∇δ_q|²/Q_q^n ≤ A_h(u^n)` for every `dt > 0`, on any
//! grid or triangulation (no angle condition is needed: the gradient is exact per triangle).
//!
//! Both forms are second order in space; the time discretization is first order, so `dt ~ h²`
//! keeps the overall error `O(h²)`.

pub mod setup;

use super::{Field, Flow, Frame, ImplicitStep, StepError};
use crate::discretization::{h1_error, nodal_errors, Discretization};
use crate::expr::Expr;
use crate::linalg::{sym_matvec, ImplicitSystem, SpdError};
use rayon::prelude::*;

/// Which of the two graph flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphForm {
    /// `u_t = Q div(∇u/Q)` (mean curvature flow).
    Geometric,
    /// `u_t = div(∇u/Q)` (area gradient flow).
    Area,
}

/// The state of a graph flow: nodal heights, boundary included.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct GraphState {
    pub u: Vec<f64>,
}

/// Mean curvature flow of a graph; see the module docs.
pub struct GraphMcf<D: Discretization> {
    domain: D,
    form: GraphForm,
    /// Dirichlet data `g(x, y, z, t)`; `None` keeps the initial boundary values.
    boundary: Option<Expr>,
    exact: Option<Expr>,
    pairs: Vec<(usize, usize)>,
    system: ImplicitSystem,
    /// Stiffness entries, diagonal, right-hand side and new boundary values of the assembled step.
    k: Vec<f64>,
    d: Vec<f64>,
    b: Vec<f64>,
    g: Vec<f64>,
    dt: f64,
    /// The solution of the last solve.
    solution: Vec<f64>,
}

fn q(g: [f64; 2]) -> f64 {
    (1.0 + g[0] * g[0] + g[1] * g[1]).sqrt()
}

impl<D: Discretization> GraphMcf<D> {
    /// Set up the flow: fixed pattern and its symbolic factorization.
    pub fn new(
        domain: D,
        form: GraphForm,
        boundary: Option<Expr>,
        exact: Option<Expr>,
    ) -> Result<Self, SpdError> {
        let pairs = domain.stiffness_pairs();
        let system = ImplicitSystem::new(domain.nodes(), &pairs, domain.boundary())?;
        Ok(GraphMcf {
            k: vec![0.0; pairs.len()],
            d: Vec::new(),
            b: Vec::new(),
            g: Vec::new(),
            dt: 0.0,
            solution: Vec::new(),
            domain,
            form,
            boundary,
            exact,
            pairs,
            system,
        })
    }

    pub fn domain(&self) -> &D {
        &self.domain
    }

    /// Sample an expression in `(x, y, z, t)` at every node.
    pub fn sample(&self, e: &Expr, t: f64) -> Vec<f64> {
        (0..self.domain.nodes())
            .into_par_iter()
            .with_min_len(4096)
            .map(|k| {
                let [x, y, z] = self.domain.point(k);
                e.eval(&[x, y, z, t])
            })
            .collect()
    }

    /// `u` with its boundary values replaced by the Dirichlet data at time `t`.
    fn with_boundary_values(&self, u: &[f64], t: f64) -> Vec<f64> {
        let bnd = self.domain.boundary();
        match &self.boundary {
            Some(g) => u
                .par_iter()
                .enumerate()
                .with_min_len(4096)
                .map(|(k, &uk)| {
                    if bnd[k] {
                        let [x, y, z] = self.domain.point(k);
                        g.eval(&[x, y, z, t])
                    } else {
                        uk
                    }
                })
                .collect(),
            None => u.to_vec(),
        }
    }

    /// The initial state: `u0` everywhere, overwritten on the boundary by the Dirichlet data at `t0`.
    pub fn initial_state(&self, u0: &Expr, t0: f64) -> GraphState {
        GraphState {
            u: self.with_boundary_values(&self.sample(u0, t0), t0),
        }
    }

    /// `1/Q` at every quadrature point.
    fn inv_q(&self, u: &[f64]) -> Vec<f64> {
        self.domain
            .gradients(u)
            .par_iter()
            .with_min_len(4096)
            .map(|&g| 1.0 / q(g))
            .collect()
    }

    /// Mean curvature `H = div(∇u/Q)` at the nodes, `H_i = −(K_{1/Q} u)_i / m_i`. Boundary nodes,
    /// where the stencil is incomplete, take the mean of their interior neighbours (or, lacking
    /// those, of their already filled boundary neighbours).
    pub fn mean_curvature(&self, u: &[f64]) -> Vec<f64> {
        let n = self.domain.nodes();
        let mut k = vec![0.0; self.pairs.len()];
        self.domain.stiffness_entries(&self.inv_q(u), &mut k);
        let mut ku = vec![0.0; n];
        sym_matvec(&self.pairs, &k, u, &mut ku);
        let bnd = self.domain.boundary();
        let mass = self.domain.lumped_mass();
        let mut h: Vec<f64> = (0..n).map(|i| -ku[i] / mass[i]).collect();
        let mut filled: Vec<bool> = bnd.iter().map(|b| !b).collect();
        for _pass in 0..2 {
            let (mut sum, mut cnt) = (vec![0.0; n], vec![0usize; n]);
            for &(i, j) in &self.pairs {
                if i == j {
                    continue;
                }
                for (a, b) in [(i, j), (j, i)] {
                    if !filled[a] && filled[b] {
                        sum[a] += h[b];
                        cnt[a] += 1;
                    }
                }
            }
            for i in 0..n {
                if !filled[i] && cnt[i] > 0 {
                    // Each neighbour pair appears once per off-diagonal stiffness entry.
                    h[i] = sum[i] / cnt[i] as f64;
                    filled[i] = true;
                }
            }
        }
        h
    }

    fn area(&self, u: &[f64]) -> f64 {
        let g = self.domain.gradients(u);
        let w = self.domain.quadrature_weights();
        g.par_iter()
            .zip(w)
            .with_min_len(4096)
            .map(|(&g, w)| w * q(g))
            .sum()
    }
}

impl<D: Discretization> ImplicitStep for GraphMcf<D> {
    /// Assemble `D + dt K_a`, the right-hand side `D u^n` and the boundary values at `t + dt`.
    fn assemble(&mut self, s: &GraphState, t: f64, dt: f64) {
        let u = &s.u;
        let a = self.inv_q(u);
        self.domain.stiffness_entries(&a, &mut self.k);
        let mass = self.domain.lumped_mass();
        self.d = match self.form {
            GraphForm::Geometric => {
                let mean = self.domain.nodal_mean(&a);
                mass.par_iter()
                    .zip(&mean)
                    .with_min_len(4096)
                    .map(|(m, a)| m * a)
                    .collect()
            }
            GraphForm::Area => mass.to_vec(),
        };
        self.b = self
            .d
            .par_iter()
            .zip(u)
            .with_min_len(4096)
            .map(|(d, u)| d * u)
            .collect();
        self.g = match &self.boundary {
            Some(g) if g.depends_on("t") => self.with_boundary_values(u, t + dt),
            _ => u.to_vec(),
        };
        self.dt = dt;
    }

    /// Numeric Cholesky factorization of the assembled matrix (symbolic analysis reused).
    fn factorize(&mut self) -> Result<(), SpdError> {
        self.system.factor(&self.d, self.dt, &self.k)
    }

    /// Solve with the current factorization for the new nodal values.
    fn solve(&mut self) -> Result<(), SpdError> {
        self.solution = self.system.solve(&self.b, &self.g)?;
        Ok(())
    }

    fn unknowns(&self) -> usize {
        self.system.unknowns()
    }
}

impl<D: Discretization> Flow for GraphMcf<D> {
    type State = GraphState;

    fn energy(&self, s: &GraphState) -> f64 {
        self.area(&s.u)
    }

    fn step(&mut self, s: &GraphState, t: f64, dt: f64) -> Result<GraphState, StepError> {
        self.assemble(s, t, dt);
        self.factorize()?;
        self.solve()?;
        let u = std::mem::take(&mut self.solution);
        if u.iter().any(|v| !v.is_finite()) {
            return Err(StepError::NonFinite("u"));
        }
        Ok(GraphState { u })
    }

    /// With an exact solution: `error_linf`, `error_l2` (lumped-mass weighted) of the nodal
    /// values and `error_h1`, the L² norm of `∇u_h − ∇u` at the quadrature points (the exact
    /// gradient by central differences of the expression, step 1e-6 of the domain's size).
    fn diagnostics(&self, s: &GraphState, t: f64) -> Vec<(&'static str, f64)> {
        let Some(exact) = &self.exact else {
            return Vec::new();
        };
        let exact = |[x, y, z]: [f64; 3]| exact.eval(&[x, y, z, t]);
        let e = nodal_errors(&self.domain, &s.u, exact);
        vec![
            ("error_linf", e.linf),
            ("error_l2", e.l2),
            ("error_h1", h1_error(&self.domain, &s.u, exact)),
        ]
    }

    fn distance(&self, a: &GraphState, b: &GraphState) -> f64 {
        a.u.iter()
            .zip(&b.u)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    fn frame(&self, s: &GraphState, t: f64) -> Frame {
        let u = &s.u;
        let points = (0..self.domain.nodes())
            .map(|k| {
                let [x, y, _] = self.domain.point(k);
                [x, y, u[k]]
            })
            .collect();
        let h = self.mean_curvature(u);
        let velocity = match self.form {
            GraphForm::Geometric => h.clone(),
            GraphForm::Area => {
                let inv_q = self.domain.nodal_mean(&self.inv_q(u));
                h.iter().zip(&inv_q).map(|(h, iq)| h * iq).collect()
            }
        };
        let mut point_data = vec![
            ("u", Field::Scalar(u.clone())),
            ("normal_velocity", Field::Scalar(velocity)),
            ("mean_curvature", Field::Scalar(h)),
        ];
        if let Some(exact) = &self.exact {
            let ue = self.sample(exact, t);
            let err = u.iter().zip(&ue).map(|(a, b)| a - b).collect();
            point_data.push(("u_exact", Field::Scalar(ue)));
            point_data.push(("error", Field::Scalar(err)));
        }
        Frame {
            points,
            cells: self.domain.cells(),
            point_data,
            cell_data: Vec::new(),
            series: Vec::new(),
        }
    }
}
