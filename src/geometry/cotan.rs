//! Cotangent weights and the cotan Laplacian (Pinkall–Polthier 1993) in the vertex-edge layout:
//! one entry per vertex, then one per edge.
//!
//! The layout shared by every operator here is described in the
//! [module documentation](crate::geometry#vertex-edge-layout).

use super::measures::{face_area_vector, face_edge_vectors, triangle_area_from_lengths};
use super::MIN_FACES_PER_TASK;
use crate::mesh::topology::{self, Edges};
use crate::mesh::TriMesh;
use nalgebra::Vector3;
use rayon::prelude::*;

/// Cotangents of the corner angles: `cot θ[f][k] = (u · v) / |u × v|` with `u, v` the two edges
/// leaving corner `k`; equivalently the cotangent of the angle *opposite edge `k`*. Negative for
/// obtuse angles, non-finite for degenerate faces (no clamping).
pub fn corner_cotans(mesh: &TriMesh) -> Vec<[f64; 3]> {
    let p = &mesh.positions;
    mesh.faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&f| face_cotans(&face_edge_vectors(p, f), face_area_vector(p, f).norm()))
        .collect()
}

/// `cot θ_k = −(e_{k+1} · e_{k+2}) / (2A)` from the edge vectors of [`face_edge_vectors`]: at
/// corner `k` the outgoing edges are `−e_{k+2}` and `e_{k+1}`, and `|u × v| = 2A`.
#[inline]
pub(crate) fn face_cotans(e: &[Vector3<f64>; 3], twice_area: f64) -> [f64; 3] {
    let inv = 1.0 / twice_area;
    [0, 1, 2].map(|k| -e[(k + 1) % 3].dot(&e[(k + 2) % 3]) * inv)
}

/// `cot θ_k = (l_{k+1}² + l_{k+2}² − l_k²) / (4A)` from squared edge lengths and the area.
#[inline]
pub(crate) fn face_cotans_from_squared_lengths(l2: [f64; 3], area: f64) -> [f64; 3] {
    let inv = 0.25 / area;
    [0, 1, 2].map(|k| (l2[(k + 1) % 3] + l2[(k + 2) % 3] - l2[k]) * inv)
}

/// Corner cotangents from edge lengths: `cot θ_k = (l_{k+1}² + l_{k+2}² − l_k²) / (4A)`, with `A`
/// from Kahan's Heron formula ([`triangle_area_from_lengths`](super::triangle_area_from_lengths)).
/// Non-finite if the lengths violate the triangle inequality or the triangle is degenerate.
pub fn corner_cotans_from_lengths(lengths: &[[f64; 3]]) -> Vec<[f64; 3]> {
    lengths
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&l| face_cotans_from_squared_lengths(l.map(|x| x * x), triangle_area_from_lengths(l)))
        .collect()
}

/// The edge table of the vertex-edge layout of `mesh`: its edges `[a, b]` (`a < b`, sorted) and,
/// per face, the index of the edge opposite each corner ([`topology::edges`], whose
/// [`Edges::vertices`] and [`Edges::face_edges`] the functions below take). Depends on
/// connectivity only: build it once per run.
///
/// # Panics
/// If the mesh has no edge table: a face index out of range, a face repeating a vertex, or an
/// edge of three or more faces. Meshes read by [`crate::io::mesh`] and the
/// [`shapes`](crate::mesh::shapes) are valid manifolds.
pub fn mesh_edges(mesh: &TriMesh) -> Edges {
    topology::edges(mesh).unwrap_or_else(|d| panic!("no edge table for the cotan Laplacian: {d}"))
}

/// The `(row, col)` pairs of the *vertex-edge layout*: `(i, i)` for every vertex `i` of `0..n`,
/// then `(a, b)` for every edge `[a, b]` of `edges`, in that order (see the
/// [module documentation](crate::geometry#vertex-edge-layout)). Every operator here
/// ([`edge_laplacian_entries`], [`edge_laplacian_entries_weighted`], [`lumped_mass_entries`],
/// [`consistent_mass_entries`](super::consistent_mass_entries)) fills its values in this order:
/// build `Pattern::new(n, &pairs)` once, refill every step.
pub fn edge_laplacian_pattern(n: usize, edges: &[[usize; 2]]) -> Vec<(usize, usize)> {
    (0..n)
        .map(|i| (i, i))
        .chain(edges.iter().map(|&[a, b]| (a, b)))
        .collect()
}

/// Per-edge sums of per-corner values: `s_e = Σ c_f[k]` over the corners `k` of the faces `f`
/// opposite edge `e` (`face_edges[f][k] = e`), in face order (one or two terms on a manifold).
pub(super) fn edge_sums(
    n_edges: usize,
    face_edges: &[[usize; 3]],
    corner: impl Fn(usize) -> [f64; 3],
) -> Vec<f64> {
    let mut s = vec![0.0; n_edges];
    for (f, fe) in face_edges.iter().enumerate() {
        let c = corner(f);
        for k in 0..3 {
            s[fe[k]] += c[k];
        }
    }
    s
}

/// Values, in [`edge_laplacian_pattern`] order, of the symmetric matrix with `sign · s_e` on edge
/// `e = [a, b]` and the sum of its edges on the diagonal, `A_ii = Σ_{e ∋ i} s_e`: the `n`
/// diagonal entries, then one per edge. A self-loop `[a, a]` (an intrinsic triangulation may
/// have some) couples `a` to itself and adds nothing: its entry is `0` and it is left out of the
/// diagonal. `out.len()` must be `n + edges.len()`.
pub(super) fn vertex_edge_entries(
    n: usize,
    edges: &[[usize; 2]],
    s: &[f64],
    sign: f64,
    out: &mut [f64],
) {
    assert_eq!(out.len(), n + edges.len());
    let (diag, off) = out.split_at_mut(n);
    diag.fill(0.0);
    for ((&[a, b], &w), o) in edges.iter().zip(s).zip(off) {
        if a == b {
            *o = 0.0;
        } else {
            diag[a] += w;
            diag[b] += w;
            *o = sign * w;
        }
    }
}

/// Values of the cotan Laplacian in [`edge_laplacian_pattern`] order: `n` diagonal entries
/// `L_ii = Σ_j w_ij`, then `L_ab = −w_ab` per edge, with the edge weight
/// `w_ab = ½ (cot α_ab + cot β_ab)` summed from the corner cotangents (`cotans[f][k]`, e.g.
/// [`corner_cotans`] or [`corner_cotans_from_lengths`]) of the faces on either side
/// (`face_edges[f][k]` is the index into `edges` of edge `k` of face `f`, the edge opposite corner
/// `k`; one face for a boundary edge, any number for the edges of an intrinsic triangulation).
/// This is the weak, positive semi-definite `L` of the [module docs](crate::geometry):
/// `uᵀ L v = ∫ ∇u_h · ∇v_h` for P1 functions, `L 1 = 0`. Self-loops get `0`
/// (`w (u_a − u_a) = 0`). Non-finite cotangents (degenerate triangles) pass through.
/// `out.len()` must be `n + edges.len()`.
pub fn edge_laplacian_entries(
    n: usize,
    edges: &[[usize; 2]],
    face_edges: &[[usize; 3]],
    cotans: &[[f64; 3]],
    out: &mut [f64],
) {
    assert_eq!(face_edges.len(), cotans.len());
    let w = edge_sums(edges.len(), face_edges, |f| cotans[f].map(|c| 0.5 * c));
    vertex_edge_entries(n, edges, &w, -1.0, out);
}

/// Values of the weighted stiffness `∫ a ∇u·∇v` with one coefficient `a_f` per face (e.g. `1/Q`
/// for graph mean curvature flow), in [`edge_laplacian_pattern`] order: the element matrix of
/// face `f` is `a_f` times its cotan element matrix, so this is [`edge_laplacian_entries`] with
/// the edge weights `w_ab = Σ_{f ∋ ab} ½ a_f cot θ_f`, where `θ_f` is the angle of `f` opposite
/// `ab`. Positive semi-definite when all `a_f ≥ 0`.
pub fn edge_laplacian_entries_weighted(
    n: usize,
    edges: &[[usize; 2]],
    face_edges: &[[usize; 3]],
    cotans: &[[f64; 3]],
    face_weights: &[f64],
    out: &mut [f64],
) {
    assert_eq!(face_edges.len(), cotans.len());
    assert_eq!(face_weights.len(), cotans.len());
    let w = edge_sums(edges.len(), face_edges, |f| {
        let h = 0.5 * face_weights[f];
        cotans[f].map(|c| h * c)
    });
    vertex_edge_entries(n, edges, &w, -1.0, out);
}

/// The cotan Laplacian of a mesh assembled once, in the vertex-edge layout: its
/// [`edge_laplacian_pattern`] pairs and [`edge_laplacian_entries`] values, for
/// [`sym_matvec`](crate::linalg::sym_matvec) or [`Pattern::new`](crate::linalg::Pattern::new).
/// Convenience for one-off use; a flow keeps the pattern and the edge table and refills the
/// entries instead. Panics as [`mesh_edges`].
pub fn cotan_laplacian(mesh: &TriMesh) -> (Vec<(usize, usize)>, Vec<f64>) {
    let (n, edges) = (mesh.vertices(), mesh_edges(mesh));
    let pairs = edge_laplacian_pattern(n, &edges.vertices);
    let mut entries = vec![0.0; pairs.len()];
    let cot = corner_cotans(mesh);
    edge_laplacian_entries(n, &edges.vertices, &edges.face_edges, &cot, &mut entries);
    (pairs, entries)
}
