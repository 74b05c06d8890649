//! Harmonic map heat flow into the unit sphere `S^k ⊂ R^{k+1}` (k = 1, 2) over a planar
//! domain: `u_t = Δu + |∇u|² u`, the L² gradient flow of the Dirichlet energy
//! `E(u) = ½ ∫ |∇u|²` under the constraint `|u| = 1`.
//!
//! # Scheme
//! The tangent-plane scheme (Alouges 1997, *A new algorithm for computing liquid crystal
//! stable configurations: the harmonic mapping case*, SIAM J. Numer. Anal. 34; Bartels 2005,
//! *Stability and convergence of finite-element approximation schemes for harmonic maps*, SIAM
//! J. Numer. Anal. 43): find `v` with `v_i · u^n_i = 0` at every node such that
//!
//! `(v, w)_h + θ dt (∇v, ∇w) = −(∇u^n, ∇w)` for all such `w`,
//!
//! then `u^{n+1}_i = (u^n_i + dt v_i) / |u^n_i + dt v_i|`. Each node's tangent plane has an
//! orthonormal basis `t_1, …, t_k`, so `v_i = Σ_a α_{ia} t_a(i)` and each step is one SPD solve
//! for the `k` coefficients per free node, on a pattern fixed for the run:
//! `A_{(i,a),(j,b)} = M_i δ_ij δ_ab + θ dt L_ij t_a(i)·t_b(j)`.
//!
//! With `θ ≥ ½` the step before normalization does not increase the energy; normalization does
//! not either when the mesh is weakly acute (all off-diagonal `L_ij ≤ 0`, e.g. the grid).
//! Dirichlet nodes keep their values (`v = 0` there).

use super::{Field, Flow, Frame, StepError};
use crate::discretization::{apply_entries, Discretization};
use crate::linalg::{ImplicitSystem, SpdError};

/// A map into the unit sphere: one unit vector (of `dim` = 2 or 3 components) per node.
#[derive(Clone, Debug)]
pub struct MapState {
    pub u: Vec<[f64; 3]>,
}

/// Harmonic map heat flow into `S^1` (`dim = 2`, third component zero) or `S^2` (`dim = 3`).
pub struct HarmonicMap<D: Discretization> {
    domain: D,
    dim: usize,
    theta: f64,
    pairs: Vec<(usize, usize)>,
    k: Vec<f64>,
    system: ImplicitSystem,
    /// For every node-pair entry, the entries of the tangent system it expands into.
    block_pairs: Vec<(usize, usize)>,
    /// A known solution `u(x, y, z, t)` per component, for error diagnostics.
    exact: Option<Vec<crate::expr::Expr>>,
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// An orthonormal basis of the tangent plane of the sphere at `u` (`dim - 1` vectors).
fn tangent_basis(u: [f64; 3], dim: usize) -> [[f64; 3]; 2] {
    if dim == 2 {
        return [[-u[1], u[0], 0.0], [0.0; 3]];
    }
    // The coordinate axis least aligned with u, made orthogonal to it.
    let m = (0..3)
        .min_by(|&a, &b| u[a].abs().total_cmp(&u[b].abs()))
        .unwrap();
    let mut e = [0.0; 3];
    e[m] = 1.0;
    let d = dot(e, u);
    let t1 = [e[0] - d * u[0], e[1] - d * u[1], e[2] - d * u[2]];
    let n = dot(t1, t1).sqrt();
    let t1 = t1.map(|x| x / n);
    let t2 = [
        u[1] * t1[2] - u[2] * t1[1],
        u[2] * t1[0] - u[0] * t1[2],
        u[0] * t1[1] - u[1] * t1[0],
    ];
    [t1, t2]
}

impl<D: Discretization> HarmonicMap<D> {
    /// Set up the flow; Dirichlet data on the domain's boundary if `dirichlet`, natural
    /// boundary conditions otherwise. `theta` in `[1/2, 1]`.
    pub fn new(domain: D, dim: usize, theta: f64, dirichlet: bool) -> Result<Self, SpdError> {
        assert!(dim == 2 || dim == 3, "targets S^1 and S^2");
        let kdim = dim - 1;
        let pairs = domain.stiffness_pairs();
        let mut k = vec![0.0; pairs.len()];
        domain.stiffness_entries(&vec![1.0; domain.quadrature_weights().len()], &mut k);
        let mut block_pairs = Vec::new();
        for &(i, j) in &pairs {
            for a in 0..kdim {
                for b in 0..kdim {
                    if i != j || a == b {
                        block_pairs.push((kdim * i + a, kdim * j + b));
                    }
                }
            }
        }
        let fixed: Vec<bool> = domain
            .boundary()
            .iter()
            .flat_map(|&b| std::iter::repeat_n(dirichlet && b, kdim))
            .collect();
        let system = ImplicitSystem::new(kdim * domain.nodes(), &block_pairs, &fixed)?;
        Ok(HarmonicMap {
            domain,
            dim,
            theta,
            pairs,
            k,
            system,
            block_pairs,
            exact: None,
        })
    }

    /// Also report `error_linf` and `error_l2` (lumped-mass weighted) against `exact`.
    pub fn with_exact(mut self, exact: Option<Vec<crate::expr::Expr>>) -> Self {
        self.exact = exact;
        self
    }

    pub fn domain(&self) -> &D {
        &self.domain
    }

    fn laplacian(&self, u: &[[f64; 3]]) -> Vec<[f64; 3]> {
        let n = self.domain.nodes();
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|c| {
                let x: Vec<f64> = u.iter().map(|p| p[c]).collect();
                apply_entries(n, &self.pairs, &self.k, &x)
            })
            .collect();
        (0..n)
            .map(|i| [cols[0][i], cols[1][i], cols[2][i]])
            .collect()
    }

    /// `max_i | |u_i| − 1 |`.
    pub fn constraint_error(&self, s: &MapState) -> f64 {
        s.u.iter()
            .map(|p| (dot(*p, *p).sqrt() - 1.0).abs())
            .fold(0.0, f64::max)
    }
}

impl<D: Discretization> Flow for HarmonicMap<D> {
    type State = MapState;

    /// `E(u) = ½ Σ_c u_cᵀ L u_c`.
    fn energy(&self, s: &MapState) -> f64 {
        let lu = self.laplacian(&s.u);
        0.5 * s.u.iter().zip(&lu).map(|(u, l)| dot(*u, *l)).sum::<f64>()
    }

    fn step(&mut self, s: &MapState, _t: f64, dt: f64) -> Result<MapState, StepError> {
        let kdim = self.dim - 1;
        let basis: Vec<[[f64; 3]; 2]> = s.u.iter().map(|&u| tangent_basis(u, self.dim)).collect();
        let mut entries = Vec::with_capacity(self.block_pairs.len());
        for (&(i, j), &l) in self.pairs.iter().zip(&self.k) {
            for a in 0..kdim {
                for b in 0..kdim {
                    if i != j {
                        entries.push(l * dot(basis[i][a], basis[j][b]));
                    } else if a == b {
                        entries.push(l);
                    }
                }
            }
        }
        let mass = self.domain.lumped_mass();
        let d: Vec<f64> = mass
            .iter()
            .flat_map(|&m| std::iter::repeat_n(m, kdim))
            .collect();
        self.system.factor(&d, self.theta * dt, &entries)?;
        let lu = self.laplacian(&s.u);
        let b: Vec<f64> = (0..s.u.len())
            .flat_map(|i| (0..kdim).map(move |a| (i, a)))
            .map(|(i, a)| -dot(lu[i], basis[i][a]))
            .collect();
        let alpha = self.system.solve(&b, &vec![0.0; b.len()])?;
        let u =
            s.u.iter()
                .enumerate()
                .map(|(i, &u)| {
                    let mut w = u;
                    for a in 0..kdim {
                        for (c, wc) in w.iter_mut().enumerate() {
                            *wc += dt * alpha[kdim * i + a] * basis[i][a][c];
                        }
                    }
                    let n = dot(w, w).sqrt();
                    w.map(|x| x / n)
                })
                .collect::<Vec<_>>();
        if u.iter().flatten().any(|v| !v.is_finite()) {
            return Err(StepError::NonFinite("u"));
        }
        Ok(MapState { u })
    }

    fn diagnostics(&self, s: &MapState, t: f64) -> Vec<(&'static str, f64)> {
        let mut d = vec![("constraint_error", self.constraint_error(s))];
        if let Some(exact) = &self.exact {
            let (mut linf, mut l2) = (0.0f64, 0.0);
            for (k, (u, m)) in s.u.iter().zip(self.domain.lumped_mass()).enumerate() {
                let [x, y, z] = self.domain.point(k);
                let e2: f64 = exact
                    .iter()
                    .enumerate()
                    .map(|(c, e)| (u[c] - e.eval(&[x, y, z, t])).powi(2))
                    .sum();
                linf = linf.max(e2.sqrt());
                l2 += m * e2;
            }
            d.push(("error_linf", linf));
            d.push(("error_l2", l2.sqrt()));
        }
        d
    }

    fn distance(&self, a: &MapState, b: &MapState) -> f64 {
        a.u.iter()
            .zip(&b.u)
            .map(|(p, q)| {
                let d = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
                dot(d, d).sqrt()
            })
            .fold(0.0, f64::max)
    }

    fn frame(&self, s: &MapState, _t: f64) -> Frame {
        let points = (0..self.domain.nodes())
            .map(|k| self.domain.point(k))
            .collect();
        let lu = self.laplacian(&s.u);
        let mass = self.domain.lumped_mass();
        let density =
            s.u.iter()
                .zip(&lu)
                .zip(mass)
                .map(|((u, l), m)| 0.5 * dot(*u, *l) / m)
                .collect();
        Frame {
            points,
            cells: self.domain.cells(),
            point_data: vec![
                ("u", Field::Vector(s.u.clone())),
                ("energy_density", Field::Scalar(density)),
            ],
            cell_data: Vec::new(),
        }
    }
}
