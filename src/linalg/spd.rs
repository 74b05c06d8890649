//! Sparse symmetric positive definite solves with faer's supernodal Cholesky.
//!
//! The symbolic factorization (AMD ordering, elimination tree, supernodes) depends only on the
//! [`Pattern`]; it is computed once in [`SpdSolver::new`]. Each time step then refills values
//! ([`SpdSolver::factor`]) and runs only the numeric factorization, followed by cheap solves.

use super::Pattern;
use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::{Llt, SymbolicLlt};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMat};
use faer::{MatMut, Side};

/// Why a factorization or solve failed.
#[derive(Debug, thiserror::Error)]
pub enum SpdError {
    #[error("symbolic analysis failed: {0}")]
    Symbolic(String),
    #[error("Cholesky factorization failed: the matrix is not positive definite ({0})")]
    NotPositiveDefinite(String),
    #[error("matrix values are not finite (entry {0})")]
    NonFinite(usize),
    #[error("solve called before a successful factorization")]
    NotFactored,
}

/// A sparse SPD solver bound to one sparsity pattern.
pub struct SpdSolver {
    pattern: Pattern,
    symbolic_pattern: SymbolicSparseColMat<usize>,
    symbolic: SymbolicLlt<usize>,
    values: Vec<f64>,
    llt: Option<Llt<usize, f64>>,
}

impl SpdSolver {
    /// Analyse the pattern once (ordering and symbolic factorization).
    pub fn new(pattern: Pattern) -> Result<Self, SpdError> {
        let n = pattern.n();
        let symbolic_pattern = SymbolicSparseColMat::new_checked(
            n,
            n,
            pattern.col_ptr().to_vec(),
            None,
            pattern.row_idx().to_vec(),
        );
        let symbolic = SymbolicLlt::try_new(symbolic_pattern.as_ref(), Side::Upper)
            .map_err(|e| SpdError::Symbolic(format!("{e:?}")))?;
        let values = vec![0.0; pattern.nnz()];
        Ok(SpdSolver {
            pattern,
            symbolic_pattern,
            symbolic,
            values,
            llt: None,
        })
    }

    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// The CSC values (upper triangle) of the matrix last given to [`SpdSolver::refill`].
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Copy new entry values (in the pattern's entry order) into the matrix.
    pub fn refill(&mut self, entry_values: &[f64]) -> Result<(), SpdError> {
        self.llt = None;
        self.pattern.fill(entry_values, &mut self.values);
        if let Some(k) = self.values.iter().position(|v| !v.is_finite()) {
            return Err(SpdError::NonFinite(k));
        }
        Ok(())
    }

    /// Numeric Cholesky factorization of the current values, reusing the symbolic analysis.
    pub fn factorize(&mut self) -> Result<(), SpdError> {
        self.llt = None;
        let mat = SparseColMatRef::new(self.symbolic_pattern.as_ref(), &self.values);
        let llt = Llt::try_new_with_symbolic(self.symbolic.clone(), mat, Side::Upper)
            .map_err(|e| SpdError::NotPositiveDefinite(format!("{e:?}")))?;
        self.llt = Some(llt);
        Ok(())
    }

    /// [`SpdSolver::refill`] then [`SpdSolver::factorize`].
    pub fn factor(&mut self, entry_values: &[f64]) -> Result<(), SpdError> {
        self.refill(entry_values)?;
        self.factorize()
    }

    /// Solve `A x = b` in place (`rhs` holds `b` on entry and `x` on exit).
    pub fn solve_in_place(&self, rhs: &mut [f64]) -> Result<(), SpdError> {
        let llt = self.llt.as_ref().ok_or(SpdError::NotFactored)?;
        let n = rhs.len();
        let mat = MatMut::from_column_major_slice_mut(rhs, n, 1);
        llt.solve_in_place(mat);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1-D Dirichlet Laplacian plus identity: tridiagonal, SPD.
    #[test]
    fn solves_tridiagonal_and_reuses_symbolic() {
        let n = 50;
        let mut pairs = Vec::new();
        for i in 0..n {
            pairs.push((i, i));
            if i + 1 < n {
                pairs.push((i + 1, i)); // lower triangle on purpose: mirrored
            }
        }
        let mut solver = SpdSolver::new(Pattern::new(n, &pairs)).unwrap();
        for shift in [1.0, 0.5, 2.0] {
            let vals: Vec<f64> = pairs
                .iter()
                .map(|&(i, j)| if i == j { 2.0 + shift } else { -1.0 })
                .collect();
            solver.factor(&vals).unwrap();
            let x_true: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).sin()).collect();
            let mut b = vec![0.0; n];
            solver
                .pattern()
                .sym_matvec(solver.values(), &x_true, &mut b);
            solver.solve_in_place(&mut b).unwrap();
            let err = b
                .iter()
                .zip(&x_true)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(err < 1e-13, "err {err}");
        }
    }

    #[test]
    fn duplicates_are_summed_and_indefinite_is_reported() {
        let pairs = [(0, 0), (0, 0), (1, 1), (0, 1)];
        let mut solver = SpdSolver::new(Pattern::new(2, &pairs)).unwrap();
        assert_eq!(solver.pattern().nnz(), 3);
        solver.factor(&[1.0, 1.0, 2.0, 1.0]).unwrap(); // [[2,1],[1,2]]
        let mut b = [3.0, 3.0];
        solver.solve_in_place(&mut b).unwrap();
        assert!((b[0] - 1.0).abs() < 1e-14 && (b[1] - 1.0).abs() < 1e-14);
        let e = solver.factor(&[1.0, 0.0, 1.0, 5.0]).unwrap_err();
        assert!(matches!(e, SpdError::NotPositiveDefinite(_)), "{e}");
        assert!(matches!(
            solver.factor(&[f64::NAN, 0.0, 1.0, 0.0]),
            Err(SpdError::NonFinite(0))
        ));
    }
}
