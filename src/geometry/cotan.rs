//! Cotangent weights and the cotan Laplacian (Pinkall–Polthier 1993) in a fixed-pattern form.
//!
//! The per-face entry layout shared by every operator here is described in the
//! [module documentation](crate::geometry#per-face-entry-layout).

use super::measures::{face_area_vector, face_edge_vectors, triangle_area_from_lengths};
use super::MIN_FACES_PER_TASK;
use crate::linalg::Pattern;
use crate::mesh::TriMesh;
use nalgebra::Vector3;
use rayon::prelude::*;

/// Number of `(row, col)` entries each face contributes to [`laplacian_pattern`].
pub const ENTRIES_PER_FACE: usize = 6;

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

/// The `(row, col)` pairs of the per-face entries, [`ENTRIES_PER_FACE`] per face in the order of
/// the [layout table](crate::geometry#per-face-entry-layout): `(a,a), (b,b), (c,c), (b,c), (c,a), (a,b)` for face `[a, b, c]`.
/// Depends on connectivity only; build `Pattern::new(n_vertices, &pairs)` once per run.
pub fn laplacian_pattern(faces: &[[usize; 3]]) -> Vec<(usize, usize)> {
    let mut pairs = vec![(0, 0); ENTRIES_PER_FACE * faces.len()];
    pairs
        .par_chunks_mut(ENTRIES_PER_FACE)
        .with_min_len(MIN_FACES_PER_TASK)
        .zip(faces.par_iter())
        .for_each(|(out, f)| {
            for k in 0..3 {
                out[k] = (f[k], f[k]);
                out[3 + k] = (f[(k + 1) % 3], f[(k + 2) % 3]);
            }
        });
    pairs
}

/// The stiffness entries of one face with coefficient `w`: the P1 element matrix of
/// `w ∫_f ∇u·∇v`, which is `L^f_{ij} = −(w/2) cot θ_k` on edge `k = (i, j)` and
/// `L^f_{ii} = (w/2)(cot θ_{k+1} + cot θ_{k+2})` at corner `k` (the cotangents of the two angles
/// opposite the edges that meet at `i`). Rows sum to zero.
#[inline]
fn face_stiffness(cot: [f64; 3], w: f64, out: &mut [f64]) {
    let h = 0.5 * w;
    for k in 0..3 {
        out[k] = h * (cot[(k + 1) % 3] + cot[(k + 2) % 3]);
        out[3 + k] = -h * cot[k];
    }
}

/// Values of the cotan Laplacian in [`laplacian_pattern`] order. Summed over faces this is
/// the weak, positive semi-definite `L_ij = −½ (cot α_ij + cot β_ij)` (`i ≠ j`, the angles opposite
/// edge `ij`), `L_ii = −Σ_{j≠i} L_ij`, so `uᵀ L v = ∫ ∇u_h · ∇v_h` for P1 functions.
/// `out.len()` must be `6 × cotans.len()`.
pub fn laplacian_entries(cotans: &[[f64; 3]], out: &mut [f64]) {
    assert_eq!(out.len(), ENTRIES_PER_FACE * cotans.len());
    out.par_chunks_mut(ENTRIES_PER_FACE)
        .with_min_len(MIN_FACES_PER_TASK)
        .zip(cotans.par_iter())
        .for_each(|(o, &c)| face_stiffness(c, 1.0, o));
}

/// Values of the weighted stiffness `∫ w ∇u·∇v` with one coefficient `w_f` per face (e.g.
/// `1/Q` for graph mean curvature flow), in [`laplacian_pattern`] order: `w_f` times the entries
/// of [`laplacian_entries`]. Positive semi-definite when all `w_f ≥ 0`.
pub fn laplacian_entries_weighted(cotans: &[[f64; 3]], face_weights: &[f64], out: &mut [f64]) {
    assert_eq!(out.len(), ENTRIES_PER_FACE * cotans.len());
    assert_eq!(face_weights.len(), cotans.len());
    out.par_chunks_mut(ENTRIES_PER_FACE)
        .with_min_len(MIN_FACES_PER_TASK)
        .zip(cotans.par_iter().zip(face_weights.par_iter()))
        .for_each(|(o, (&c, &w))| face_stiffness(c, w, o));
}

/// The cotan Laplacian of a mesh assembled once: its [`Pattern`] (upper triangle) and the CSC
/// values of `L` for [`Pattern::sym_matvec`]. Convenience for one-off use; a flow keeps the
/// pattern and refills entries with [`laplacian_entries`] instead.
pub fn cotan_laplacian(mesh: &TriMesh) -> (Pattern, Vec<f64>) {
    let pattern = Pattern::new(mesh.positions.len(), &laplacian_pattern(&mesh.faces));
    let mut entries = vec![0.0; pattern.entries()];
    laplacian_entries(&corner_cotans(mesh), &mut entries);
    let mut values = vec![0.0; pattern.nnz()];
    pattern.fill(&entries, &mut values);
    (pattern, values)
}

/// Values that [`laplacian_apply`] works on: scalars and 3-vectors (positions).
pub trait NodalValue: Copy {
    /// The zero value.
    const ZERO: Self;
    /// `self += w (a − b)`.
    fn add_weighted_difference(&mut self, w: f64, a: &Self, b: &Self);
}

impl NodalValue for f64 {
    const ZERO: f64 = 0.0;
    #[inline]
    fn add_weighted_difference(&mut self, w: f64, a: &f64, b: &f64) {
        *self += w * (a - b);
    }
}

impl NodalValue for [f64; 3] {
    const ZERO: [f64; 3] = [0.0; 3];
    #[inline]
    fn add_weighted_difference(&mut self, w: f64, a: &[f64; 3], b: &[f64; 3]) {
        for d in 0..3 {
            self[d] += w * (a[d] - b[d]);
        }
    }
}

/// Matrix-free `y = L u`: `y_i = Σ_j ½ (cot α_ij + cot β_ij) (u_i − u_j)`, accumulated face by
/// face (`½ cot θ_k` along edge `k`). Works on scalars (`&[f64]`) and on positions
/// (`&[[f64; 3]]`, giving `L X` per coordinate). Exactly zero for constant `u` up to rounding.
pub fn laplacian_apply<T: NodalValue>(
    faces: &[[usize; 3]],
    cotans: &[[f64; 3]],
    u: &[T],
) -> Vec<T> {
    assert_eq!(faces.len(), cotans.len());
    let mut y = vec![T::ZERO; u.len()];
    for (f, c) in faces.iter().zip(cotans) {
        for k in 0..3 {
            let (i, j) = (f[(k + 1) % 3], f[(k + 2) % 3]);
            let w = 0.5 * c[k];
            y[i].add_weighted_difference(w, &u[i], &u[j]);
            y[j].add_weighted_difference(w, &u[j], &u[i]);
        }
    }
    y
}

/// The `(row, col)` pairs of the cotan Laplacian in the *vertex-edge layout*: `(i, i)` for every
/// vertex `i` of `0..n`, then `(a, b)` for every edge `[a, b]` of `edges`, in that order. A third
/// of the entries of the per-face [`laplacian_pattern`] (whose duplicates [`Pattern::new`] would
/// sum anyway), for an operator assembled many times on a fixed pattern: build
/// `Pattern::new(n, &pairs)` once, refill with [`edge_laplacian_entries`].
pub fn edge_laplacian_pattern(n: usize, edges: &[[usize; 2]]) -> Vec<(usize, usize)> {
    (0..n)
        .map(|i| (i, i))
        .chain(edges.iter().map(|&[a, b]| (a, b)))
        .collect()
}

/// Values of the cotan Laplacian in [`edge_laplacian_pattern`] order: `n` diagonal entries
/// `L_ii = Σ_j w_ij`, then `L_ab = −w_ab` per edge, with the edge weight
/// `w_ab = ½ (cot α_ab + cot β_ab)` summed from the corner cotangents (`cotans[f][k]`, e.g.
/// [`corner_cotans`] or [`corner_cotans_from_lengths`]) of the faces on either side
/// (`face_edges[f][k]` is the index into `edges` of edge `k` of face `f`, the edge opposite corner
/// `k`; one face for a boundary edge). The same weak, positive semi-definite `L` as
/// [`laplacian_entries`], summed per edge instead of per face. Non-finite cotangents (degenerate
/// triangles) pass through.
pub fn edge_laplacian_entries(
    n: usize,
    edges: &[[usize; 2]],
    face_edges: &[[usize; 3]],
    cotans: &[[f64; 3]],
) -> Vec<f64> {
    assert_eq!(face_edges.len(), cotans.len());
    let mut weight = vec![0.0; edges.len()];
    for (fe, c) in face_edges.iter().zip(cotans) {
        for k in 0..3 {
            weight[fe[k]] += 0.5 * c[k];
        }
    }
    let mut entries = vec![0.0; n + edges.len()];
    for (&[a, b], &w) in edges.iter().zip(&weight) {
        entries[a] += w;
        entries[b] += w;
    }
    for (e, w) in entries[n..].iter_mut().zip(&weight) {
        *e = -w;
    }
    entries
}
