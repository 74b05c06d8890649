//! Triangle meshes: positions and faces, their topology, and generated shapes.
//!
//! A [`TriMesh`] is plain data: vertex positions and counter-clockwise (outward for closed
//! surfaces) triangles indexing them. Everything derived (edges, boundary loops, Euler
//! characteristic, manifoldness) is computed by free functions in [`topology`].

pub mod info;
pub mod intrinsic;
pub mod shapes;
pub mod topology;

/// A triangle mesh.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TriMesh {
    /// Vertex positions.
    pub positions: Vec<[f64; 3]>,
    /// Triangles as vertex indices, counter-clockwise seen from outside.
    pub faces: Vec<[usize; 3]>,
}

impl TriMesh {
    /// A mesh from positions and faces (not validated: see [`topology::validate`]).
    pub fn new(positions: Vec<[f64; 3]>, faces: Vec<[usize; 3]>) -> TriMesh {
        TriMesh { positions, faces }
    }

    /// Number of vertices.
    pub fn vertices(&self) -> usize {
        self.positions.len()
    }
}
