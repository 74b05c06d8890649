//! Discrete curvatures: the mean curvature normal from the cotan Laplacian of the positions, and
//! Gaussian curvature from angle defects, both per vertex and divided by the mixed Voronoi area.

use super::{
    corner_angles, corner_angles_from_lengths, cotan_laplacian, vertex_corner_sum,
    vertex_lumped_mass_voronoi, vertex_normals,
};
use crate::linalg::sym_matvec;
use crate::mesh::TriMesh;
use nalgebra::Vector3;
use rayon::prelude::*;
use std::f64::consts::{PI, TAU};

/// The mean curvature normal `Hn_i = (L X)_i / (2 A_i)` (Meyer et al. 2003, eq. 8 with the sign of
/// the weak `L`), with `L` the cotan Laplacian applied to the positions and `A_i` the mixed
/// Voronoi area. It discretizes `−½ Δ_S x = H n` with `H = (κ₁ + κ₂)/2` and `n` the outward
/// normal, so on a sphere of radius `r` it is `(1/r) n`, pointing *outward*. At boundary vertices
/// it also contains the boundary (conormal) term and is not a curvature. Panics as
/// [`EdgeLayout::of_mesh`](super::EdgeLayout::of_mesh).
pub fn mean_curvature_normal(mesh: &TriMesh) -> Vec<[f64; 3]> {
    let (pairs, l) = cotan_laplacian(mesh);
    let mut lx = vec![[0.0; 3]; mesh.vertices()];
    sym_matvec(&pairs, &l, &mesh.positions, &mut lx);
    let area = vertex_lumped_mass_voronoi(mesh);
    lx.par_iter()
        .zip(area.par_iter())
        .with_min_len(super::MIN_FACES_PER_TASK)
        .map(|(v, &a)| v.map(|c| c / (2.0 * a)))
        .collect()
}

/// Signed mean curvature `H_i = Hn_i · n_i`: the [`mean_curvature_normal`] projected on the
/// angle-weighted [`vertex_normals`]. `H = 1/r > 0` on a sphere of radius `r` with outward
/// (counter-clockwise) faces, negative where the surface bends away from its normal (the inner
/// side of a torus). Meaningless at boundary vertices.
pub fn vertex_mean_curvature(mesh: &TriMesh) -> Vec<f64> {
    let hn = mean_curvature_normal(mesh);
    let n = vertex_normals(mesh);
    hn.par_iter()
        .zip(n.par_iter())
        .with_min_len(super::MIN_FACES_PER_TASK)
        .map(|(&h, &n)| Vector3::from(h).dot(&Vector3::from(n)))
        .collect()
}

/// `mask[i] = true` for the endpoints of boundary edges, the edges that belong to exactly one face:
/// the boundary vertices, for [`vertex_angle_defects`]. Total on any face list (orientation not
/// needed; an edge of three or more faces is not boundary). `O(F)`: the two neighbours each
/// corner gives its vertex are bucketed per vertex, and a vertex is on the boundary iff some
/// neighbour occurs exactly once in its bucket. ([`topology::edges`](crate::mesh::topology::edges)
/// gives the full edge table of a valid mesh.)
pub fn vertex_boundary_mask(faces: &[[usize; 3]], n_vertices: usize) -> Vec<bool> {
    let mut start = vec![0usize; n_vertices + 1];
    for f in faces {
        for &v in f {
            start[v + 1] += 2;
        }
    }
    for v in 0..n_vertices {
        start[v + 1] += start[v];
    }
    let mut cursor = start.clone();
    let mut neighbours = vec![0usize; start[n_vertices]];
    for f in faces {
        for k in 0..3 {
            let v = f[k];
            neighbours[cursor[v]] = f[(k + 1) % 3];
            neighbours[cursor[v] + 1] = f[(k + 2) % 3];
            cursor[v] += 2;
        }
    }
    (0..n_vertices)
        .map(|v| {
            let bucket = &mut neighbours[start[v]..start[v + 1]];
            bucket.sort_unstable();
            bucket.chunk_by(|a, b| a == b).any(|run| run.len() == 1)
        })
        .collect()
}

/// `δ_i = 2π − Σ θ` (interior) or `π − Σ θ` (boundary) from corner angles (as from
/// [`corner_angles_from_lengths`]): the one formula behind the other variants.
pub fn vertex_angle_defects_from_angles(
    faces: &[[usize; 3]],
    n_vertices: usize,
    angles: &[[f64; 3]],
    boundary: &[bool],
) -> Vec<f64> {
    assert_eq!(boundary.len(), n_vertices);
    let mut d = vertex_corner_sum(faces, n_vertices, angles);
    d.par_iter_mut()
        .zip(boundary.par_iter())
        .with_min_len(super::MIN_FACES_PER_TASK)
        .for_each(|(s, &b)| *s = if b { PI } else { TAU } - *s);
    d
}

/// Angle defects `δ_i = 2π − Σ_{f ∋ i} θ_{f,i}` at interior vertices and `π − Σ θ` at boundary
/// vertices (found by [`vertex_boundary_mask`]): the integrated Gaussian curvature of the
/// vertex's cell (the geodesic turning angle on the boundary). `Σ_i δ_i = 2π χ` (discrete
/// Gauss–Bonnet). An isolated vertex gets `2π`.
pub fn vertex_angle_defects(mesh: &TriMesh) -> Vec<f64> {
    let n = mesh.positions.len();
    vertex_angle_defects_from_angles(
        &mesh.faces,
        n,
        &corner_angles(mesh),
        &vertex_boundary_mask(&mesh.faces, n),
    )
}

/// [`vertex_angle_defects`] from edge lengths (intrinsic; Ricci flow's curvature), for
/// `n_vertices` vertices with the boundary mask `boundary`.
pub fn vertex_angle_defects_from_lengths(
    faces: &[[usize; 3]],
    n_vertices: usize,
    lengths: &[[f64; 3]],
    boundary: &[bool],
) -> Vec<f64> {
    vertex_angle_defects_from_angles(
        faces,
        n_vertices,
        &corner_angles_from_lengths(lengths),
        boundary,
    )
}

/// Pointwise Gaussian curvature `K_i = δ_i / A_i`: the [`vertex_angle_defects`] over the mixed
/// Voronoi area (Meyer et al. 2003, eq. 9). At boundary vertices this is the geodesic turning
/// angle over the area, not a Gaussian curvature.
pub fn vertex_gaussian_curvature(mesh: &TriMesh) -> Vec<f64> {
    let mut k = vertex_angle_defects(mesh);
    let a = vertex_lumped_mass_voronoi(mesh);
    k.iter_mut().zip(&a).for_each(|(k, a)| *k /= a);
    k
}
