//! Target manifolds `N ⊂ R³` of the harmonic map flow, each given by what the tangent-plane
//! scheme needs: an orthonormal basis of the tangent plane at (the closest point to) a point,
//! the closest-point projection onto `N`, and the distance to `N`.
//!
//! - `Sphere { components: 2 }`: the unit circle `S¹` in the `(x, y)` plane (third component 0);
//! - `Sphere { components: 3 }`: the unit sphere `S²`;
//! - `Torus { major, minor }`: the torus of revolution about the z axis,
//!   `(sqrt(x² + y²) − R)² + z² = r²`. Its closest point to `p` is `c + r (p − c)/|p − c|` with
//!   `c = R (x, y, 0)/|(x, y)|` the nearest point of the core circle.

use nalgebra::Vector3;

/// A target manifold; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    Sphere { components: usize },
    Torus { major: f64, minor: f64 },
}

impl Target {
    /// Number of vector components a map into the target has (2 for `S¹`, else 3).
    pub fn components(&self) -> usize {
        match *self {
            Target::Sphere { components } => components,
            Target::Torus { .. } => 3,
        }
    }

    /// Dimension of the manifold: the number of unknowns per node of a tangent-plane step.
    pub fn tangent_dim(&self) -> usize {
        self.components() - 1
    }

    /// Whether this is `S²` (where degree and covered area are defined).
    pub fn is_s2(&self) -> bool {
        *self == Target::Sphere { components: 3 }
    }

    /// The closest point of the target to `p` (a fixed choice where it is not unique).
    #[inline]
    pub fn project(&self, p: [f64; 3]) -> [f64; 3] {
        match *self {
            Target::Sphere { .. } => {
                let p = Vector3::from(p);
                let n = p.norm();
                if n > 0.0 {
                    (p * (1.0 / n)).into()
                } else {
                    [1.0, 0.0, 0.0]
                }
            }
            Target::Torus { major, minor } => {
                let (c, d) = torus_core(p, major);
                let n = d.norm();
                let dir = if n > 0.0 {
                    d * (1.0 / n)
                } else {
                    c * (1.0 / major)
                };
                (c + dir * minor).into()
            }
        }
    }

    /// Distance from `p` to the target.
    // `#[inline]` here and on `project` and `tangent_basis`: called out of line, `p` sits on the
    // caller's stack and nalgebra's SIMD loads straddling its stores stall (6× slower loops).
    #[inline]
    pub fn distance(&self, p: [f64; 3]) -> f64 {
        match *self {
            Target::Sphere { .. } => (Vector3::from(p).norm() - 1.0).abs(),
            Target::Torus { major, minor } => (torus_core(p, major).1.norm() - minor).abs(),
        }
    }

    /// An orthonormal basis of the tangent plane at the closest point to `p` (the first
    /// [`Target::tangent_dim`] vectors are used; `p` need not lie on the target).
    #[inline]
    pub fn tangent_basis(&self, p: [f64; 3]) -> [Vector3<f64>; 2] {
        match *self {
            Target::Sphere { components: 2 } => {
                let n = (p[0] * p[0] + p[1] * p[1]).sqrt();
                [Vector3::new(-p[1] / n, p[0] / n, 0.0), Vector3::zeros()]
            }
            Target::Sphere { .. } => basis_orthogonal_to(self.project(p).into()),
            Target::Torus { major, .. } => {
                let (c, d) = torus_core(p, major);
                let normal = d * (1.0 / d.norm());
                // Along the core circle, then around the tube.
                let t1 = Vector3::new(-c[1], c[0], 0.0) * (1.0 / major);
                [t1, normal.cross(&t1)]
            }
        }
    }
}

/// The nearest point `c` of the torus's core circle to `p`, and `p − c`.
fn torus_core(p: [f64; 3], major: f64) -> (Vector3<f64>, Vector3<f64>) {
    let rho = (p[0] * p[0] + p[1] * p[1]).sqrt();
    let c = if rho > 0.0 {
        Vector3::new(major * p[0] / rho, major * p[1] / rho, 0.0)
    } else {
        Vector3::new(major, 0.0, 0.0)
    };
    (c, Vector3::from(p) - c)
}

/// An orthonormal basis of the plane orthogonal to the unit vector `u`: the coordinate axis
/// least aligned with `u`, made orthogonal to it, and its cross product with `u`.
fn basis_orthogonal_to(u: Vector3<f64>) -> [Vector3<f64>; 2] {
    let m = (0..3)
        .min_by(|&a, &b| u[a].abs().total_cmp(&u[b].abs()))
        .expect("three axes");
    let e = Vector3::ith(m, 1.0);
    let t1 = e - u * e.dot(&u);
    let t1 = t1 * (1.0 / t1.norm());
    [t1, u.cross(&t1)]
}
