//! Mass: lumped (a `Vec<f64>` per vertex, barycentric or mixed Voronoi) and consistent (P1), both
//! also as values in the vertex-edge layout of the cotan Laplacian ([`EdgeLayout`]).
//!
//! Both lumped masses are sums of *corner areas* (a share of each face per corner); on the
//! diagonal of the vertex-edge layout ([`lumped_mass_entries`]) and with the consistent mass
//! ([`EdgeLayout::consistent_mass_entries`]) a flow can assemble `M + dt·L` entry by entry on
//! one pattern.

use super::cotan::{face_cotans, face_cotans_from_squared_lengths, EdgeLayout};
use super::measures::{
    face_area_vector, face_edge_vectors, triangle_area_from_lengths, vertex_corner_sum,
};
use super::MIN_FACES_PER_TASK;
use crate::mesh::TriMesh;
use rayon::prelude::*;

/// The mixed Voronoi corner areas of one face (Meyer–Desbrun–Schröder–Barr 2003, Fig. 4), from
/// squared edge lengths `l2`, corner cotangents `cot` and area `area`:
/// - no obtuse angle: the Voronoi share `a_k = ⅛ (l_{k+1}² cot θ_{k+1} + l_{k+2}² cot θ_{k+2})`
///   (the part of the face closer to corner `k` than to the others, bounded by the edge
///   bisectors through the circumcentre);
/// - obtuse at corner `k`: `a_k = A/2` and `A/4` at the two other corners.
///
/// The three always sum to `A`. A right angle takes the first branch (both agree there).
#[inline]
fn mixed_voronoi_corners(l2: [f64; 3], cot: [f64; 3], area: f64) -> [f64; 3] {
    match (0..3).find(|&k| cot[k] < 0.0) {
        None => [0, 1, 2].map(|k| {
            0.125 * (l2[(k + 1) % 3] * cot[(k + 1) % 3] + l2[(k + 2) % 3] * cot[(k + 2) % 3])
        }),
        Some(o) => {
            let mut a = [0.25 * area; 3];
            a[o] = 0.5 * area;
            a
        }
    }
}

/// Mixed Voronoi areas per corner (Meyer et al. 2003); see [`vertex_lumped_mass_voronoi`].
pub fn corner_voronoi_areas(mesh: &TriMesh) -> Vec<[f64; 3]> {
    let p = &mesh.positions;
    mesh.faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&f| {
            let e = face_edge_vectors(p, f);
            let twice_area = face_area_vector(p, f).norm();
            let cot = face_cotans(&e, twice_area);
            mixed_voronoi_corners(e.map(|v| v.dot(&v)), cot, 0.5 * twice_area)
        })
        .collect()
}

/// Mixed Voronoi areas per corner from edge lengths (intrinsic), the same formula with the
/// cotangents `(l_{k+1}² + l_{k+2}² − l_k²) / (4A)` and Kahan–Heron area `A`.
pub fn corner_voronoi_areas_from_lengths(lengths: &[[f64; 3]]) -> Vec<[f64; 3]> {
    lengths
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&l| {
            let area = triangle_area_from_lengths(l);
            let l2 = l.map(|x| x * x);
            mixed_voronoi_corners(l2, face_cotans_from_squared_lengths(l2, area), area)
        })
        .collect()
}

/// Barycentric corner areas `A_f / 3` (each corner gets a third of its face).
pub fn corner_barycentric_areas(face_areas: &[f64]) -> Vec<[f64; 3]> {
    face_areas
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&a| [a / 3.0; 3])
        .collect()
}

/// Barycentric lumped mass `m_i = Σ_{f ∋ i} A_f / 3` (the row sums of the consistent P1 mass).
pub fn vertex_lumped_mass_barycentric(mesh: &TriMesh) -> Vec<f64> {
    let corners = corner_barycentric_areas(&super::face_areas(mesh));
    vertex_corner_sum(&mesh.faces, mesh.positions.len(), &corners)
}

/// Mixed Voronoi lumped mass `A_i = Σ_{f ∋ i} a_{f,i}` with the corner areas of
/// [`corner_voronoi_areas`] (Meyer et al. 2003): the area of the Voronoi cell of `i` within the
/// mesh when no triangle is obtuse, with the obtuse-triangle fallback otherwise. Always positive
/// for non-degenerate faces, and `Σ_i A_i` is the total area. The mass under which
/// [`mean_curvature_normal`](super::mean_curvature_normal) is exact on inscribed spheres.
pub fn vertex_lumped_mass_voronoi(mesh: &TriMesh) -> Vec<f64> {
    vertex_corner_sum(
        &mesh.faces,
        mesh.positions.len(),
        &corner_voronoi_areas(mesh),
    )
}

/// [`vertex_lumped_mass_voronoi`] from edge lengths, for `n_vertices` vertices (intrinsic).
pub fn vertex_lumped_mass_voronoi_from_lengths(
    faces: &[[usize; 3]],
    n_vertices: usize,
    lengths: &[[f64; 3]],
) -> Vec<f64> {
    vertex_corner_sum(
        faces,
        n_vertices,
        &corner_voronoi_areas_from_lengths(lengths),
    )
}

/// Lumped mass in the vertex-edge layout ([`EdgeLayout::pairs`] order): the vertex masses `m_i`
/// (`n = vertex_mass.len()`) on the diagonal entries, zero on the edge entries. It is `diag(m)`,
/// so `M + dt·L` is the entrywise sum with [`EdgeLayout::laplacian_entries`].
pub fn lumped_mass_entries(vertex_mass: &[f64], out: &mut [f64]) {
    let (diag, off) = out.split_at_mut(vertex_mass.len());
    diag.copy_from_slice(vertex_mass);
    off.fill(0.0);
}

/// The consistent P1 mass matrix of a mesh assembled once, in the vertex-edge layout: the
/// [`EdgeLayout::pairs`] (the same as the Laplacian's) and
/// [`EdgeLayout::consistent_mass_entries`] of [`EdgeLayout::of_mesh`]. Convenience; a flow
/// refills the entries on its own layout instead. Panics as [`EdgeLayout::of_mesh`].
pub fn consistent_mass(mesh: &TriMesh) -> (Vec<(usize, usize)>, Vec<f64>) {
    let layout = EdgeLayout::of_mesh(mesh);
    let mut entries = vec![0.0; layout.len()];
    layout.consistent_mass_entries(&super::face_areas(mesh), &mut entries);
    (layout.pairs(), entries)
}
