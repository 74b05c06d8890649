//! The domain of a run: what a scenario's `[grid]` or `[mesh]` table loads ([`Input`]), and the
//! discretization of a planar domain or surface a flow sets up on it ([`Domain`]: a
//! [`GridDomain`] or a [`MeshDomain`] behind one type, so a flow's set-up returns one type
//! whichever the scenario gives).

use crate::discretization::{Discretization, GridDomain, Laplacian, MeshDomain};
use crate::flows::Cells;
use crate::grid::Grid2;
use crate::mesh::{PointField, TriMesh};

/// A scenario's domain as loaded, before a flow discretizes it.
pub enum Input {
    /// A regular grid (finite differences).
    Grid(Grid2),
    /// A triangle mesh, the point arrays of its file (read only when a flow asks for them) and
    /// the triangulation its Laplacian comes from (`[mesh] laplacian`).
    Mesh {
        mesh: TriMesh,
        fields: Vec<PointField>,
        laplacian: Laplacian,
    },
}

/// A grid or a triangulation; every [`Discretization`] method is delegated to the one it holds.
pub enum Domain {
    Grid(GridDomain),
    Mesh(MeshDomain),
}

macro_rules! delegate {
    ($self:ident, $d:ident => $e:expr) => {
        match $self {
            Domain::Grid($d) => $e,
            Domain::Mesh($d) => $e,
        }
    };
}

impl Discretization for Domain {
    fn nodes(&self) -> usize {
        delegate!(self, d => d.nodes())
    }
    fn point(&self, k: usize) -> [f64; 3] {
        delegate!(self, d => d.point(k))
    }
    fn boundary(&self) -> &[bool] {
        delegate!(self, d => d.boundary())
    }
    fn lumped_mass(&self) -> &[f64] {
        delegate!(self, d => d.lumped_mass())
    }
    fn quadrature_weights(&self) -> &[f64] {
        delegate!(self, d => d.quadrature_weights())
    }
    fn gradients(&self, u: &[f64]) -> Vec<[f64; 2]> {
        delegate!(self, d => d.gradients(u))
    }
    fn stiffness_pairs(&self) -> Vec<(usize, usize)> {
        delegate!(self, d => d.stiffness_pairs())
    }
    fn stiffness_entries(&self, a: &[f64], out: &mut [f64]) {
        delegate!(self, d => d.stiffness_entries(a, out))
    }
    fn laplacian_entries(&self, out: &mut [f64]) {
        delegate!(self, d => d.laplacian_entries(out))
    }
    fn nodal_mean(&self, per_point: &[f64]) -> Vec<f64> {
        delegate!(self, d => d.nodal_mean(per_point))
    }
    fn cells(&self) -> Cells {
        delegate!(self, d => d.cells())
    }
    fn quadrature_points(&self) -> Vec<[f64; 3]> {
        delegate!(self, d => d.quadrature_points())
    }
    fn planar(&self) -> bool {
        delegate!(self, d => d.planar())
    }
}
