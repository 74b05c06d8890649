//! The regular grid `Grid2`: nodes `(x_i, y_j)` on a box, indexed `i + nx*j`, and the pieces of the
//! finite-difference discretization that every grid flow shares.
//!
//! # The four-corner discretization
//! Each grid cell is split both ways into two right triangles, and the two triangulations are
//! averaged. Every cell then carries four *corner triangles*, one with its right angle at each of
//! the cell's corners, each with quadrature weight `hx*hy/4`. On the corner triangle at corner `c`
//! the gradient of the piecewise-linear interpolant is the pair of one-sided differences along the
//! two cell edges that meet at `c` (see [`Grid2::corner_gradients`]).
//!
//! An energy density `f(∇u)` is integrated as `Σ_cells Σ_corners (hx*hy/4) f(g_corner)`, and a
//! weighted Dirichlet form `∫ a ∇u·∇v` with one coefficient `a` per corner triangle becomes the
//! edge-weighted graph Laplacian of [`Grid2::edge_weights`]. Because a right angle has cotangent
//! zero, no triangle couples across its hypotenuse: the stencil is the 5-point stencil, and with
//! `a ≡ 1` it is exactly the 5-point Laplacian times the cell area. Averaging the four corners
//! cancels the first-order errors of the one-sided differences, so variable coefficients are
//! second-order accurate and the stencil has the grid's symmetries. The lumped mass of a node is
//! `hx*hy/4` per adjacent cell (the P1 lumped mass of both triangulations).

/// A regular `nx × ny` grid of nodes on `[x0, x1] × [y0, y1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid2 {
    pub nx: usize,
    pub ny: usize,
    pub x: [f64; 2],
    pub y: [f64; 2],
}

/// Edge weights of the 5-point stencil: `wx[i + (nx-1)*j]` couples nodes `(i, j)` and `(i+1, j)`,
/// `wy[i + nx*j]` couples `(i, j)` and `(i, j+1)`.
#[derive(Clone, Debug)]
pub struct EdgeWeights {
    pub wx: Vec<f64>,
    pub wy: Vec<f64>,
}

impl Grid2 {
    pub fn new(nx: usize, ny: usize, x: [f64; 2], y: [f64; 2]) -> Grid2 {
        assert!(
            nx >= 2 && ny >= 2 && x[1] > x[0] && y[1] > y[0],
            "degenerate grid"
        );
        Grid2 { nx, ny, x, y }
    }

    pub fn hx(&self) -> f64 {
        (self.x[1] - self.x[0]) / (self.nx - 1) as f64
    }

    pub fn hy(&self) -> f64 {
        (self.y[1] - self.y[0]) / (self.ny - 1) as f64
    }

    pub fn nodes(&self) -> usize {
        self.nx * self.ny
    }

    pub fn cells(&self) -> usize {
        (self.nx - 1) * (self.ny - 1)
    }

    #[inline]
    pub fn index(&self, i: usize, j: usize) -> usize {
        i + self.nx * j
    }

    /// Coordinates of node `k`.
    #[inline]
    pub fn coord(&self, k: usize) -> [f64; 2] {
        let (i, j) = (k % self.nx, k / self.nx);
        [
            self.x[0] + i as f64 * self.hx(),
            self.y[0] + j as f64 * self.hy(),
        ]
    }

    #[inline]
    pub fn is_boundary(&self, k: usize) -> bool {
        let (i, j) = (k % self.nx, k / self.nx);
        i == 0 || j == 0 || i == self.nx - 1 || j == self.ny - 1
    }

    /// Lumped nodal mass: `hx*hy/4` per adjacent cell.
    pub fn lumped_mass(&self) -> Vec<f64> {
        let q = self.hx() * self.hy() / 4.0;
        (0..self.nodes())
            .map(|k| {
                let (i, j) = (k % self.nx, k / self.nx);
                let ci = if i == 0 || i == self.nx - 1 { 1.0 } else { 2.0 };
                let cj = if j == 0 || j == self.ny - 1 { 1.0 } else { 2.0 };
                q * ci * cj
            })
            .collect()
    }

    /// Node indices of cell `c` as `[n00, n10, n01, n11]`.
    #[inline]
    pub fn cell_nodes(&self, c: usize) -> [usize; 4] {
        let (i, j) = (c % (self.nx - 1), c / (self.nx - 1));
        let n00 = self.index(i, j);
        [n00, n00 + 1, n00 + self.nx, n00 + self.nx + 1]
    }

    /// The gradients of `u` on the four corner triangles of cell `c`, in the order of the corners
    /// `[n00, n10, n01, n11]`.
    #[inline]
    pub fn corner_gradients(&self, u: &[f64], c: usize) -> [[f64; 2]; 4] {
        let [a, b, d, e] = self.cell_nodes(c);
        let (hx, hy) = (self.hx(), self.hy());
        let bottom = (u[b] - u[a]) / hx;
        let top = (u[e] - u[d]) / hx;
        let left = (u[d] - u[a]) / hy;
        let right = (u[e] - u[b]) / hy;
        [[bottom, left], [bottom, right], [top, left], [top, right]]
    }

    /// Edge weights of `∫ a ∇u·∇v`, given one coefficient per corner triangle (`a[c][corner]`).
    pub fn edge_weights(&self, a: &[[f64; 4]]) -> EdgeWeights {
        use rayon::prelude::*;
        let (nx, ny) = (self.nx, self.ny);
        assert_eq!(a.len(), self.cells());
        let sx = self.hy() / (4.0 * self.hx());
        let sy = self.hx() / (4.0 * self.hy());
        let cell = |i: usize, j: usize| i + (nx - 1) * j;
        // x-edge (i,j)-(i+1,j): bottom edge of cell (i,j) [corners 0,1], top edge of (i,j-1) [2,3].
        let wx = (0..(nx - 1) * ny)
            .into_par_iter()
            .with_min_len(4096)
            .map(|e| {
                let (i, j) = (e % (nx - 1), e / (nx - 1));
                let mut w = 0.0;
                if j < ny - 1 {
                    let c = &a[cell(i, j)];
                    w += c[0] + c[1];
                }
                if j > 0 {
                    let c = &a[cell(i, j - 1)];
                    w += c[2] + c[3];
                }
                sx * w
            })
            .collect();
        // y-edge (i,j)-(i,j+1): left edge of cell (i,j) [corners 0,2], right edge of (i-1,j) [1,3].
        let wy = (0..nx * (ny - 1))
            .into_par_iter()
            .with_min_len(4096)
            .map(|e| {
                let (i, j) = (e % nx, e / nx);
                let mut w = 0.0;
                if i < nx - 1 {
                    let c = &a[cell(i, j)];
                    w += c[0] + c[2];
                }
                if i > 0 {
                    let c = &a[cell(i - 1, j)];
                    w += c[1] + c[3];
                }
                sy * w
            })
            .collect();
        EdgeWeights { wx, wy }
    }

    /// `(K u)_k = Σ_neighbours w (u_k - u_l)` for the edge weights `w`: the weak (positive
    /// semi-definite) weighted Laplacian applied to `u`, at every node.
    pub fn apply_stiffness(&self, w: &EdgeWeights, u: &[f64]) -> Vec<f64> {
        use rayon::prelude::*;
        let nx = self.nx;
        (0..self.nodes())
            .into_par_iter()
            .with_min_len(4096)
            .map(|k| {
                let (i, j) = (k % nx, k / nx);
                let mut s = 0.0;
                if i > 0 {
                    s += w.wx[(i - 1) + (nx - 1) * j] * (u[k] - u[k - 1]);
                }
                if i < nx - 1 {
                    s += w.wx[i + (nx - 1) * j] * (u[k] - u[k + 1]);
                }
                if j > 0 {
                    s += w.wy[k - nx] * (u[k] - u[k - nx]);
                }
                if j < self.ny - 1 {
                    s += w.wy[k] * (u[k] - u[k + nx]);
                }
                s
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_coefficients_give_the_five_point_laplacian() {
        let g = Grid2::new(7, 5, [0.0, 1.5], [-1.0, 1.0]);
        let w = g.edge_weights(&vec![[1.0; 4]; g.cells()]);
        let u: Vec<f64> = (0..g.nodes())
            .map(|k| g.coord(k))
            .map(|[x, y]| x * x * x + x * y * y)
            .collect();
        let ku = g.apply_stiffness(&w, &u);
        let (hx, hy) = (g.hx(), g.hy());
        for k in 0..g.nodes() {
            if g.is_boundary(k) {
                continue;
            }
            let lap5 = (u[k + 1] - 2.0 * u[k] + u[k - 1]) / (hx * hx)
                + (u[k + g.nx] - 2.0 * u[k] + u[k - g.nx]) / (hy * hy);
            assert!((ku[k] + hx * hy * lap5).abs() < 1e-12, "node {k}");
        }
        // Constants are in the kernel everywhere, boundary included.
        assert!(g
            .apply_stiffness(&w, &vec![3.0; g.nodes()])
            .iter()
            .all(|v| v.abs() < 1e-12));
        let m: f64 = g.lumped_mass().iter().sum();
        assert!((m - 1.5 * 2.0).abs() < 1e-12);
    }
}
