//! The system every implicit gradient-flow step solves:
//!
//! `(D + dt K) u = D u_old + f` on the free nodes, `u = g` on the fixed (Dirichlet) nodes,
//!
//! with `D` diagonal positive (a lumped, possibly weighted, mass) and `K` symmetric positive
//! semi-definite (a weighted Laplacian) given as entries over *all* nodes. Fixed nodes are
//! eliminated (their columns move to the right-hand side), so the reduced matrix stays SPD; its
//! pattern is built and analysed once, and each step only refills values and refactors.

use super::{Pattern, SpdError, SpdSolver};
use rayon::prelude::*;

const FIXED: usize = usize::MAX;

/// Where a full-matrix entry goes after eliminating the fixed nodes.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// Into the reduced matrix (entry index in the reduced entry list, after the diagonal).
    Free,
    /// Row `free` of the right-hand side gets `−dt K g_node`.
    Couple { free: usize, node: usize },
    /// Both nodes fixed.
    Drop,
}

/// `(D + dt K)` reduced to the free nodes, factored with a reused symbolic analysis.
pub struct ImplicitSystem {
    free_index: Vec<usize>,
    free_nodes: Vec<usize>,
    /// Full entry index of every reduced off-diagonal entry, in order.
    free_entries: Vec<usize>,
    couplings: Vec<(usize, usize, usize)>,
    solver: SpdSolver,
    entries: Vec<f64>,
    coupling_values: Vec<f64>,
}

impl ImplicitSystem {
    /// Set up for `n` nodes, the entry pairs of `K` (either triangle, duplicates summed) and the
    /// fixed-node mask. Analyses the reduced pattern once.
    pub fn new(n: usize, pairs: &[(usize, usize)], fixed: &[bool]) -> Result<Self, SpdError> {
        Self::build(n, pairs, fixed, None)
    }

    /// [`ImplicitSystem::new`] for nodes with positions (`points[k]` for node `k`): the reduced
    /// system is ordered geometrically ([`SpdSolver::with_points`]).
    pub fn with_points(
        n: usize,
        pairs: &[(usize, usize)],
        fixed: &[bool],
        points: &[[f64; 3]],
    ) -> Result<Self, SpdError> {
        Self::build(n, pairs, fixed, Some(points))
    }

    fn build(
        n: usize,
        pairs: &[(usize, usize)],
        fixed: &[bool],
        points: Option<&[[f64; 3]]>,
    ) -> Result<Self, SpdError> {
        assert_eq!(fixed.len(), n);
        let mut free_index = vec![FIXED; n];
        let mut free_nodes = Vec::new();
        for (k, fi) in free_index.iter_mut().enumerate() {
            if !fixed[k] {
                *fi = free_nodes.len();
                free_nodes.push(k);
            }
        }
        let nf = free_nodes.len();
        if nf == 0 {
            return Err(SpdError::NoUnknowns);
        }
        let mut reduced: Vec<(usize, usize)> = (0..nf).map(|f| (f, f)).collect();
        let mut free_entries = Vec::new();
        let mut couplings = Vec::new();
        for (e, &(i, j)) in pairs.iter().enumerate() {
            let target = match (free_index[i], free_index[j]) {
                (FIXED, FIXED) => Target::Drop,
                (fi, FIXED) => Target::Couple { free: fi, node: j },
                (FIXED, fj) => Target::Couple { free: fj, node: i },
                _ => Target::Free,
            };
            match target {
                Target::Free => {
                    reduced.push((free_index[i], free_index[j]));
                    free_entries.push(e);
                }
                Target::Couple { free, node } => couplings.push((free, node, e)),
                Target::Drop => {}
            }
        }
        let pattern = Pattern::new(nf, &reduced);
        let solver = match points {
            Some(p) => {
                let free_points: Vec<[f64; 3]> = free_nodes.iter().map(|&k| p[k]).collect();
                SpdSolver::with_points(pattern, &free_points)?
            }
            None => SpdSolver::new(pattern)?,
        };
        Ok(ImplicitSystem {
            entries: vec![0.0; reduced.len()],
            coupling_values: vec![0.0; couplings.len()],
            free_index,
            free_nodes,
            free_entries,
            couplings,
            solver,
        })
    }

    /// Number of unknowns (free nodes).
    pub fn unknowns(&self) -> usize {
        self.free_nodes.len()
    }

    /// Number of stored values of the Cholesky factor (a measure of fill).
    pub fn factor_nnz(&self) -> usize {
        self.solver.factor_nnz()
    }

    /// Whether node `k` is free.
    pub fn is_free(&self, k: usize) -> bool {
        self.free_index[k] != FIXED
    }

    /// Refill `D + dt K` from the per-node diagonal `d` and the entries `k` (same order as the
    /// pairs given to [`ImplicitSystem::new`]) and factor it numerically.
    pub fn factor(&mut self, d: &[f64], dt: f64, k: &[f64]) -> Result<(), SpdError> {
        let nf = self.free_nodes.len();
        let (diag, off) = self.entries.split_at_mut(nf);
        diag.par_iter_mut()
            .zip(self.free_nodes.par_iter())
            .with_min_len(4096)
            .for_each(|(v, &node)| *v = d[node]);
        off.par_iter_mut()
            .zip(self.free_entries.par_iter())
            .with_min_len(4096)
            .for_each(|(v, &e)| *v = dt * k[e]);
        for (v, &(_, _, e)) in self.coupling_values.iter_mut().zip(&self.couplings) {
            *v = dt * k[e];
        }
        self.solver.factor(&self.entries)
    }

    /// Solve for the new values, given the per-node right-hand side `b` (read at free nodes: it
    /// holds `D u_old + f`) and the per-node Dirichlet values `g` (read at fixed nodes, copied
    /// into the result).
    pub fn solve(&self, b: &[f64], g: &[f64]) -> Result<Vec<f64>, SpdError> {
        Ok(self.solve_columns(&[b], &[g])?.remove(0))
    }

    /// [`ImplicitSystem::solve`] for several right-hand sides at once (one pass through the
    /// factor for all columns).
    pub fn solve_columns(&self, b: &[&[f64]], g: &[&[f64]]) -> Result<Vec<Vec<f64>>, SpdError> {
        assert_eq!(b.len(), g.len());
        let nf = self.free_nodes.len();
        let mut rhs = vec![0.0; nf * b.len()];
        for (c, (b, g)) in b.iter().zip(g).enumerate() {
            let col = &mut rhs[c * nf..(c + 1) * nf];
            for (r, &k) in col.iter_mut().zip(&self.free_nodes) {
                *r = b[k];
            }
            for (&(free, node, _), &v) in self.couplings.iter().zip(&self.coupling_values) {
                col[free] -= v * g[node];
            }
        }
        self.solver.solve_in_place(&mut rhs)?;
        Ok(g.iter()
            .enumerate()
            .map(|(c, g)| {
                let mut u = g.to_vec();
                for (f, &k) in self.free_nodes.iter().enumerate() {
                    u[k] = rhs[c * nf + f];
                }
                u
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1-D: -u'' = 0 on [0, 1] with u(0) = 1, u(1) = 3 and D = 0+: the solution is linear.
    #[test]
    fn eliminates_dirichlet_nodes() {
        let n = 11;
        let mut pairs = Vec::new();
        let mut k = Vec::new();
        for i in 0..n - 1 {
            pairs.extend([(i, i), (i + 1, i + 1), (i, i + 1)]);
            k.extend([1.0, 1.0, -1.0]);
        }
        let mut fixed = vec![false; n];
        fixed[0] = true;
        fixed[n - 1] = true;
        let mut sys = ImplicitSystem::new(n, &pairs, &fixed).unwrap();
        assert_eq!(sys.unknowns(), n - 2);
        sys.factor(&vec![1e-14; n], 1.0, &k).unwrap();
        let mut g = vec![0.0; n];
        g[0] = 1.0;
        g[n - 1] = 3.0;
        let u = sys.solve(&vec![0.0; n], &g).unwrap();
        for (i, v) in u.iter().enumerate() {
            assert!(
                (v - (1.0 + 2.0 * i as f64 / (n - 1) as f64)).abs() < 1e-10,
                "{i}: {v}"
            );
        }
    }
}
