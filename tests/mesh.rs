//! Mesh topology, validation, generated shapes and the mesh summary.

#[path = "mesh/defects.rs"]
mod defects;
#[path = "mesh/info.rs"]
mod info;
#[path = "mesh/shapes.rs"]
mod shapes;
#[path = "mesh/topology.rs"]
mod topology;

use geoflow::mesh::TriMesh;

/// Signed volume `Σ p_a·(p_b × p_c)/6`.
pub fn signed_volume(m: &TriMesh) -> f64 {
    m.faces
        .iter()
        .map(|f| {
            let [a, b, c] = f.map(|i| m.positions[i]);
            (a[0] * (b[1] * c[2] - b[2] * c[1])
                + a[1] * (b[2] * c[0] - b[0] * c[2])
                + a[2] * (b[0] * c[1] - b[1] * c[0]))
                / 6.0
        })
        .sum()
}

/// Unnormalized normal `(b − a) × (c − a)` and centroid of face `f`.
pub fn normal_and_centroid(m: &TriMesh, f: usize) -> ([f64; 3], [f64; 3]) {
    let [a, b, c] = m.faces[f].map(|i| m.positions[i]);
    let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    let n = [
        u[1] * v[2] - u[2] * v[1],
        u[2] * v[0] - u[0] * v[2],
        u[0] * v[1] - u[1] * v[0],
    ];
    let g = [0, 1, 2].map(|d| (a[d] + b[d] + c[d]) / 3.0);
    (n, g)
}

/// Mesh from literal positions and faces.
pub fn mesh(positions: &[[f64; 3]], faces: &[[usize; 3]]) -> TriMesh {
    TriMesh::new(positions.to_vec(), faces.to_vec())
}
