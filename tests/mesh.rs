//! Mesh topology, validation, generated shapes and the mesh summary.

#[path = "mesh/defects.rs"]
mod defects;
#[path = "mesh/info.rs"]
mod info;
#[path = "mesh/repair.rs"]
mod repair;
#[path = "mesh/shapes.rs"]
mod shapes;
#[path = "mesh/topology.rs"]
mod topology;

use geoflow::mesh::TriMesh;
use nalgebra::Vector3;

/// Signed volume `Σ p_a·(p_b × p_c)/6`.
pub fn signed_volume(m: &TriMesh) -> f64 {
    m.faces
        .iter()
        .map(|f| {
            let [a, b, c] = f.map(|i| Vector3::from(m.positions[i]));
            a.dot(&b.cross(&c)) / 6.0
        })
        .sum()
}

/// Unnormalized normal `(b − a) × (c − a)` and centroid of face `f`.
pub fn normal_and_centroid(m: &TriMesh, f: usize) -> (Vector3<f64>, [f64; 3]) {
    let [a, b, c] = m.faces[f].map(|i| Vector3::from(m.positions[i]));
    ((b - a).cross(&(c - a)), ((a + b + c) / 3.0).into())
}

/// Mesh from literal positions and faces.
pub fn mesh(positions: &[[f64; 3]], faces: &[[usize; 3]]) -> TriMesh {
    TriMesh::new(positions.to_vec(), faces.to_vec())
}
