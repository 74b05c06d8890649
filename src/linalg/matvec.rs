//! The one sparse product of the crate: `y = A x` for a symmetric matrix given as a list of
//! entries, the form every operator is assembled in (the vertex-edge layout of
//! [`crate::geometry`], the grid stencils of [`crate::discretization`]) and that
//! [`Pattern::new`](super::Pattern::new) and [`ImplicitSystem`](super::ImplicitSystem) take.
//!
//! It works on the entry list directly rather than on a [`Pattern`](super::Pattern)'s CSC
//! values: every caller already holds `(pairs, values)` (a flow keeps them for its implicit
//! system, which never exposes `K` in CSC), so no pattern is built or filled just to multiply,
//! and in the vertex-edge layout the list has no duplicates, so it is as short as the CSC upper
//! triangle.

/// Values a matrix multiplies node by node: scalars, and 3-vectors (positions, maps into `R³`)
/// component by component.
pub trait NodalValue: Copy {
    /// The zero value.
    const ZERO: Self;
    /// `self += a x`.
    fn add_scaled(&mut self, a: f64, x: &Self);
}

impl NodalValue for f64 {
    const ZERO: f64 = 0.0;
    #[inline]
    fn add_scaled(&mut self, a: f64, x: &f64) {
        *self += a * x;
    }
}

impl NodalValue for [f64; 3] {
    const ZERO: [f64; 3] = [0.0; 3];
    #[inline]
    fn add_scaled(&mut self, a: f64, x: &[f64; 3]) {
        for (s, x) in self.iter_mut().zip(x) {
            *s += a * x;
        }
    }
}

/// `y = A x` for the symmetric `n × n` matrix `A` (`n = y.len()`) with the value `vals[k]` at
/// `pairs[k] = (i, j)`, either triangle, duplicates summed:
/// `A_ij = A_ji = Σ_{k : pairs[k] ∈ {(i, j), (j, i)}} vals[k]` — the matrix that
/// [`Pattern::new`](super::Pattern::new) and [`Pattern::fill`](super::Pattern::fill) store. So
/// `y_i = Σ_{k : pairs[k] = (i, j)} vals[k] x_j + Σ_{k : pairs[k] = (j, i), j ≠ i} vals[k] x_j`,
/// accumulated in entry order. On 3-vectors, each component is the scalar product of that
/// component.
pub fn sym_matvec<T: NodalValue>(pairs: &[(usize, usize)], vals: &[f64], x: &[T], y: &mut [T]) {
    assert_eq!(pairs.len(), vals.len());
    assert_eq!(x.len(), y.len());
    y.fill(T::ZERO);
    for (&(i, j), &v) in pairs.iter().zip(vals) {
        y[i].add_scaled(v, &x[j]);
        if i != j {
            y[j].add_scaled(v, &x[i]);
        }
    }
}
