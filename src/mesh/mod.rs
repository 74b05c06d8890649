//! Triangle meshes: positions and faces, their topology, and generated shapes.
//!
//! A [`TriMesh`] is plain data: vertex positions and counter-clockwise (outward for closed
//! surfaces) triangles indexing them. Everything derived (edges, boundary loops, Euler
//! characteristic, manifoldness) is computed by free functions in [`topology`].

pub mod info;
pub mod intrinsic;
pub mod repair;
pub mod shapes;
pub mod topology;

/// A triangle mesh.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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

/// A named per-vertex array stored with a mesh (read from the point data of a mesh file).
#[derive(Clone, Debug, PartialEq)]
pub struct PointField {
    /// The array's name as the file writes it (`Name` in VTK XML, the attribute or array name in
    /// legacy VTK, the property name in PLY).
    pub name: String,
    /// Components per vertex (1 for a scalar, 3 for a vector, ...); at least 1.
    pub components: usize,
    /// `vertices × components` values, vertex-major: vertex `v`'s components are
    /// `values[v * components..(v + 1) * components]`. All finite.
    pub values: Vec<f64>,
}

impl PointField {
    /// The number of vertices the field covers (`values.len() / components`).
    pub fn vertices(&self) -> usize {
        self.values.len().checked_div(self.components).unwrap_or(0)
    }

    /// The components of vertex `v`.
    ///
    /// # Panics
    /// If `v` is not below [`PointField::vertices`].
    pub fn at(&self, v: usize) -> &[f64] {
        &self.values[v * self.components..(v + 1) * self.components]
    }
}
