//! Mean curvature flow of graph surfaces `z = u(x, y)` on a regular grid, in two forms:
//!
//! * geometric (`graph-mcf`): `u_t = Q div(∇u / Q)`, the surface moves with normal velocity equal to
//!   its mean curvature `H = div(∇u / Q)`;
//! * area gradient (`graph-area`): `u_t = div(∇u / Q)`, the L² gradient flow of the area,
//!
//! with `Q = sqrt(1 + |∇u|²)` and Dirichlet data `u = g(x, y, t)` on the boundary of the box.
//!
//! # Energy
//! The discrete area is the area of the piecewise-linear graph, averaged over the two ways of
//! splitting each cell into triangles (see [`crate::grid`]):
//! `A_h(u) = Σ_cells Σ_corners (hx hy / 4) Q(g_corner)`, with `g_corner` the one-sided gradient on
//! the corner triangle. It is the `energy` column of `energy.csv`.
//!
//! # Scheme
//! Linearly implicit: `Q` is frozen at the previous step, as in the scheme of Deckelnick & Dziuk
//! (*Error estimates for a semi-implicit fully discrete finite element scheme for the mean curvature
//! flow of graphs*, Interfaces Free Bound. 2, 2000). With `a = 1/Q(∇u^n)` per corner triangle, the
//! weighted stiffness `K_a` (5-point stencil, [`crate::grid::Grid2::edge_weights`]) and the lumped
//! mass `m`, each step solves for the free (interior) nodes
//!
//! `D (u^{n+1} − u^n) / dt + K_a u^{n+1} = 0`,  `u^{n+1} = g(t^{n+1})` on the boundary,
//!
//! with `D = diag(m_i / Q_i)` for the geometric form (`1/Q_i` the mean of `1/Q` over the four corner
//! triangles at node `i`) and `D = diag(m_i)` for the area form. The matrix `D + dt K_a` is
//! symmetric positive definite with a fixed 5-point pattern: one numeric Cholesky per step.
//!
//! # Why the area cannot increase
//! For any vectors `p, q`: `p·(p − q)/Q(q) ≥ Q(p) − Q(q) + |p − q|²/(2 Q(q))`, because
//! `|p|² − p·q + 1 + |q|² = (Q(p)² + Q(q)²)/2 + |p − q|²/2 ≥ Q(p) Q(q) + |p − q|²/2`.
//! Testing the scheme with `δ = u^{n+1} − u^n` (zero on the boundary when `g` does not depend on
//! time) and applying this at every corner triangle gives
//! `A_h(u^{n+1}) + Σ D_i δ_i²/dt + ½ Σ (hx hy/4) |∇δ|²/Q^n ≤ A_h(u^n)` for every `dt > 0`.
//!
//! Both forms are second order in space; the time discretization is first order, so `dt ~ h²`
//! keeps the overall error `O(h²)`.

use super::{Cells, Field, Flow, Frame, StepError};
use crate::expr::Expr;
use crate::grid::{EdgeWeights, Grid2};
use crate::linalg::{Pattern, SpdError, SpdSolver};
use rayon::prelude::*;

/// Which of the two graph flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphForm {
    /// `u_t = Q div(∇u/Q)` (mean curvature flow).
    Geometric,
    /// `u_t = div(∇u/Q)` (area gradient flow).
    Area,
}

/// The state of a graph flow: nodal heights on the whole grid, boundary included.
#[derive(Clone, Debug)]
pub struct GraphState {
    pub u: Vec<f64>,
}

const NONE: usize = usize::MAX;

/// Mean curvature flow of a graph on a grid; see the module docs.
pub struct GraphMcf {
    grid: Grid2,
    form: GraphForm,
    /// Dirichlet data `g(x, y, t)`; `None` keeps the initial boundary values.
    boundary: Option<Expr>,
    exact: Option<Expr>,
    mass: Vec<f64>,
    /// Node index → free-unknown index, or `NONE` on the boundary.
    free_index: Vec<usize>,
    free_nodes: Vec<usize>,
    solver: SpdSolver,
    /// Three matrix entries per free node: diagonal, east, north (a missing neighbour repeats the
    /// diagonal with value 0).
    entries: Vec<f64>,
    rhs: Vec<f64>,
    /// Boundary values at the new time level.
    next: Vec<f64>,
}

fn q(g: [f64; 2]) -> f64 {
    (1.0 + g[0] * g[0] + g[1] * g[1]).sqrt()
}

impl GraphMcf {
    /// Set up the flow: fixed pattern and its symbolic factorization. Needs `nx, ny >= 3`.
    pub fn new(
        grid: Grid2,
        form: GraphForm,
        boundary: Option<Expr>,
        exact: Option<Expr>,
    ) -> Result<Self, SpdError> {
        let n = grid.nodes();
        let mut free_index = vec![NONE; n];
        let mut free_nodes = Vec::new();
        for (k, fi) in free_index.iter_mut().enumerate() {
            if !grid.is_boundary(k) {
                *fi = free_nodes.len();
                free_nodes.push(k);
            }
        }
        let mut pairs = Vec::with_capacity(3 * free_nodes.len());
        for (f, &k) in free_nodes.iter().enumerate() {
            pairs.push((f, f));
            for nb in [k + 1, k + grid.nx] {
                let g = free_index[nb];
                pairs.push(if g == NONE { (f, f) } else { (f, g) });
            }
        }
        let solver = SpdSolver::new(Pattern::new(free_nodes.len(), &pairs))?;
        Ok(GraphMcf {
            mass: grid.lumped_mass(),
            entries: vec![0.0; pairs.len()],
            rhs: vec![0.0; free_nodes.len()],
            next: Vec::new(),
            grid,
            form,
            boundary,
            exact,
            free_index,
            free_nodes,
            solver,
        })
    }

    pub fn grid(&self) -> &Grid2 {
        &self.grid
    }

    /// Number of unknowns of each linear solve.
    pub fn unknowns(&self) -> usize {
        self.free_nodes.len()
    }

    /// Sample an expression in `(x, y, t)` at every node.
    pub fn sample(&self, e: &Expr, t: f64) -> Vec<f64> {
        (0..self.grid.nodes())
            .into_par_iter()
            .with_min_len(4096)
            .map(|k| {
                let [x, y] = self.grid.coord(k);
                e.eval(&[x, y, t])
            })
            .collect()
    }

    /// The initial state: `u0` everywhere, overwritten on the boundary by the Dirichlet data at `t0`.
    pub fn initial_state(&self, u0: &Expr, t0: f64) -> GraphState {
        let mut u = self.sample(u0, t0);
        if let Some(g) = &self.boundary {
            for (k, uk) in u.iter_mut().enumerate() {
                if self.grid.is_boundary(k) {
                    let [x, y] = self.grid.coord(k);
                    *uk = g.eval(&[x, y, t0]);
                }
            }
        }
        GraphState { u }
    }

    /// `1/Q` on every corner triangle.
    fn corner_inv_q(&self, u: &[f64]) -> Vec<[f64; 4]> {
        (0..self.grid.cells())
            .into_par_iter()
            .with_min_len(1024)
            .map(|c| self.grid.corner_gradients(u, c).map(|g| 1.0 / q(g)))
            .collect()
    }

    /// `1/Q_i` at every node: the mean of `1/Q` over the corner triangles with their right angle at
    /// the node (all four at interior nodes).
    fn node_inv_q(&self, a: &[[f64; 4]]) -> Vec<f64> {
        let (nx, ny) = (self.grid.nx, self.grid.ny);
        let cell = |i: usize, j: usize| i + (nx - 1) * j;
        (0..self.grid.nodes())
            .into_par_iter()
            .with_min_len(4096)
            .map(|k| {
                let (i, j) = (k % nx, k / nx);
                let (mut s, mut cnt) = (0.0, 0.0);
                if i < nx - 1 && j < ny - 1 {
                    s += a[cell(i, j)][0];
                    cnt += 1.0;
                }
                if i > 0 && j < ny - 1 {
                    s += a[cell(i - 1, j)][1];
                    cnt += 1.0;
                }
                if i < nx - 1 && j > 0 {
                    s += a[cell(i, j - 1)][2];
                    cnt += 1.0;
                }
                if i > 0 && j > 0 {
                    s += a[cell(i - 1, j - 1)][3];
                    cnt += 1.0;
                }
                s / cnt
            })
            .collect()
    }

    /// Assemble `D + dt K_a` and the right-hand side for the step `t → t + dt` from `u = u^n`.
    pub fn assemble(&mut self, u: &[f64], t: f64, dt: f64) {
        let grid = &self.grid;
        let (nx, t_new) = (grid.nx, t + dt);
        let a = self.corner_inv_q(u);
        let w = grid.edge_weights(&a);
        let inv_q = match self.form {
            GraphForm::Geometric => Some(self.node_inv_q(&a)),
            GraphForm::Area => None,
        };
        // New boundary values (only the boundary entries of `next` are read).
        self.next = match &self.boundary {
            Some(g) if g.depends_on("t") => u
                .par_iter()
                .enumerate()
                .with_min_len(4096)
                .map(|(k, &uk)| {
                    if grid.is_boundary(k) {
                        let [x, y] = grid.coord(k);
                        g.eval(&[x, y, t_new])
                    } else {
                        uk
                    }
                })
                .collect(),
            _ => u.to_vec(),
        };
        let (next, mass, free_index) = (&self.next, &self.mass, &self.free_index);
        let EdgeWeights { wx, wy } = &w;
        self.entries
            .par_chunks_mut(3)
            .zip(self.rhs.par_iter_mut())
            .zip(self.free_nodes.par_iter())
            .with_min_len(1024)
            .for_each(|((e, r), &k)| {
                let (i, j) = (k % nx, k / nx);
                // (weight, neighbour) for west, east, south, north.
                let nbs = [
                    (wx[i - 1 + (nx - 1) * j], k - 1),
                    (wx[i + (nx - 1) * j], k + 1),
                    (wy[k - nx], k - nx),
                    (wy[k], k + nx),
                ];
                let d = mass[k] * inv_q.as_ref().map_or(1.0, |v| v[k]);
                let mut diag = d;
                let mut b = d * u[k];
                for &(wt, l) in &nbs {
                    diag += dt * wt;
                    if free_index[l] == NONE {
                        b += dt * wt * next[l];
                    }
                }
                e[0] = diag;
                e[1] = if free_index[k + 1] == NONE {
                    0.0
                } else {
                    -dt * nbs[1].0
                };
                e[2] = if free_index[k + nx] == NONE {
                    0.0
                } else {
                    -dt * nbs[3].0
                };
                *r = b;
            });
    }

    /// Numeric Cholesky factorization of the assembled matrix (symbolic analysis reused).
    pub fn factorize(&mut self) -> Result<(), SpdError> {
        self.solver.factor(&self.entries)
    }

    /// Solve with the current factorization and return the new nodal values (the right-hand side
    /// is consumed: call [`GraphMcf::assemble`] again before the next solve).
    pub fn solve(&mut self) -> Result<Vec<f64>, SpdError> {
        self.solver.solve_in_place(&mut self.rhs)?;
        let mut u = self.next.clone();
        for (f, &k) in self.free_nodes.iter().enumerate() {
            u[k] = self.rhs[f];
        }
        Ok(u)
    }

    /// Mean curvature `H = div(∇u/Q)` at the nodes, `H_i = −(K_{1/Q} u)_i / m_i`; boundary nodes
    /// (where the stencil is incomplete) take the value of the nearest interior node.
    pub fn mean_curvature(&self, u: &[f64]) -> Vec<f64> {
        let g = &self.grid;
        let w = g.edge_weights(&self.corner_inv_q(u));
        let ku = g.apply_stiffness(&w, u);
        (0..g.nodes())
            .map(|k| {
                let (i, j) = (k % g.nx, k / g.nx);
                let inner = g.index(i.clamp(1, g.nx - 2), j.clamp(1, g.ny - 2));
                -ku[inner] / self.mass[inner]
            })
            .collect()
    }

    fn area(&self, u: &[f64]) -> f64 {
        self.grid.integrate_gradient_density(u, q)
    }
}

impl Flow for GraphMcf {
    type State = GraphState;

    fn energy(&self, s: &GraphState) -> f64 {
        self.area(&s.u)
    }

    fn step(&mut self, s: &GraphState, t: f64, dt: f64) -> Result<GraphState, StepError> {
        self.assemble(&s.u, t, dt);
        self.factorize()?;
        let u = self.solve()?;
        if u.iter().any(|v| !v.is_finite()) {
            return Err(StepError::NonFinite("u"));
        }
        Ok(GraphState { u })
    }

    fn diagnostics(&self, s: &GraphState, t: f64) -> Vec<(&'static str, f64)> {
        let Some(exact) = &self.exact else {
            return Vec::new();
        };
        let ue = self.sample(exact, t);
        let (mut linf, mut l2) = (0.0f64, 0.0);
        for ((u, ue), m) in s.u.iter().zip(&ue).zip(&self.mass) {
            let e = u - ue;
            linf = linf.max(e.abs());
            l2 += m * e * e;
        }
        vec![("error_linf", linf), ("error_l2", l2.sqrt())]
    }

    fn distance(&self, a: &GraphState, b: &GraphState) -> f64 {
        a.u.iter()
            .zip(&b.u)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    fn frame(&self, s: &GraphState, t: f64) -> Frame {
        let g = &self.grid;
        let u = &s.u;
        let points = (0..g.nodes())
            .map(|k| {
                let [x, y] = g.coord(k);
                [x, y, u[k]]
            })
            .collect();
        let h = self.mean_curvature(u);
        let velocity = match self.form {
            GraphForm::Geometric => h.clone(),
            GraphForm::Area => {
                let inv_q = self.node_inv_q(&self.corner_inv_q(u));
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
            cells: Cells::Structured { nx: g.nx, ny: g.ny },
            point_data,
            cell_data: Vec::new(),
        }
    }
}
