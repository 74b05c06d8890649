//! Convergence studies against exact solutions: errors on refined grids and their experimental
//! orders, asserted against the theoretical order 2 of the scheme (space O(h²), dt ~ h²).

mod convergence {
    mod graph;
    mod harmonic;
    mod ricci;
}
