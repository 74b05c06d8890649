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

/// The *vertex-edge layout* of a triangulation's symmetric operators (see the
/// [module documentation](crate::geometry#vertex-edge-layout)): one entry per vertex, then one per
/// edge. Holds the edges, and the incidences that let every entry be gathered in parallel: the
/// face corners opposite each edge, and the edges at each vertex. Depends on connectivity only:
/// build it once per run (or per triangulation), fill entries every step.
#[derive(Clone, Debug)]
pub struct EdgeLayout {
    n: usize,
    edges: Vec<[usize; 2]>,
    /// The one or two corners opposite each edge, as `3 f + k`, in face order ([`NO_CORNER`]
    /// for a missing one; none for a self-loop).
    corners: Vec<[u32; 2]>,
    /// The edges at vertex `i`, increasing, self-loops left out, are
    /// `vertex_edges[vertex_ptr[i]..vertex_ptr[i + 1]]`.
    vertex_ptr: Vec<usize>,
    vertex_edges: Vec<u32>,
}

/// A missing corner of an edge in [`EdgeLayout`].
const NO_CORNER: u32 = u32::MAX;

impl EdgeLayout {
    /// The layout of `n` vertices, the edges `edges` (endpoints `[a, b]`; self-loops and several
    /// edges with the same ends allowed, as in an intrinsic triangulation) and the faces' edges
    /// (`face_edges[f][k]` is the index into `edges` of edge `k` of face `f`, the edge opposite
    /// corner `k`). Panics if an edge is opposite more than two corners (not a surface) or
    /// there are `2³²` or more corners or edges.
    pub fn new(n: usize, edges: Vec<[usize; 2]>, face_edges: &[[usize; 3]]) -> EdgeLayout {
        assert!(3 * face_edges.len() < NO_CORNER as usize && 2 * edges.len() < u32::MAX as usize);
        let mut corners = vec![[NO_CORNER; 2]; edges.len()];
        for (slot, &e) in face_edges.iter().flatten().enumerate() {
            if edges[e][0] == edges[e][1] {
                continue;
            }
            let c = &mut corners[e];
            let free = c.iter().position(|&s| s == NO_CORNER);
            let free = free.unwrap_or_else(|| panic!("edge {e} is opposite three corners or more"));
            c[free] = slot as u32;
        }
        let mut vertex_ptr = vec![0usize; n + 1];
        for &[a, b] in edges.iter().filter(|[a, b]| a != b) {
            vertex_ptr[a + 1] += 1;
            vertex_ptr[b + 1] += 1;
        }
        for i in 0..n {
            vertex_ptr[i + 1] += vertex_ptr[i];
        }
        let mut next = vertex_ptr.clone();
        let mut vertex_edges = vec![0u32; vertex_ptr[n]];
        for (e, &[a, b]) in edges.iter().enumerate().filter(|(_, [a, b])| a != b) {
            for v in [a, b] {
                vertex_edges[next[v]] = e as u32;
                next[v] += 1;
            }
        }
        EdgeLayout {
            n,
            edges,
            corners,
            vertex_ptr,
            vertex_edges,
        }
    }

    /// The layout of `mesh` on its edge table ([`topology::edges`]: edges `[a, b]` with `a < b`,
    /// sorted).
    ///
    /// # Panics
    /// If the mesh has no edge table: a face index out of range, a face repeating a vertex, or
    /// an edge of three or more faces. Meshes read by [`crate::io::mesh`] and the
    /// [`shapes`](crate::mesh::shapes) are valid manifolds.
    pub fn of_mesh(mesh: &TriMesh) -> EdgeLayout {
        let Edges {
            vertices,
            face_edges,
            ..
        } = topology::edges(mesh)
            .unwrap_or_else(|d| panic!("no edge table for the cotan Laplacian: {d}"));
        EdgeLayout::new(mesh.vertices(), vertices, &face_edges)
    }

    /// Number of vertices.
    pub fn vertices(&self) -> usize {
        self.n
    }

    /// The edges' endpoints.
    pub fn edges(&self) -> &[[usize; 2]] {
        &self.edges
    }

    /// Number of entries: `n + |E|`.
    pub fn len(&self) -> usize {
        self.n + self.edges.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `(row, col)` pairs: `(i, i)` for every vertex `i` of `0..n`, then `(a, b)` for every
    /// edge `[a, b]`, in that order. Every operator here ([`EdgeLayout::laplacian_entries`],
    /// [`EdgeLayout::laplacian_entries_weighted`], [`EdgeLayout::consistent_mass_entries`],
    /// [`lumped_mass_entries`](super::lumped_mass_entries)) fills its values in this order:
    /// build `Pattern::new(n, &pairs)` once, refill every step.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        (0..self.n)
            .map(|i| (i, i))
            .chain(self.edges.iter().map(|&[a, b]| (a, b)))
            .collect()
    }

    /// Values, in [`EdgeLayout::pairs`] order, of the symmetric matrix with `sign · s_e` on edge
    /// `e` and the sum of its edges on the diagonal, `A_ii = Σ_{e ∋ i} s_e`, where
    /// `s_e = Σ c(3f + k)` over the corners `k` of the faces `f` opposite `e`, in face order. A
    /// self-loop `[a, a]` couples `a` to itself and adds nothing: its entry is `0` and it is left
    /// out of the diagonal. Both passes gather in parallel, in a fixed order (the same numbers
    /// on any number of threads). `out.len()` must be [`EdgeLayout::len`]; `sign` is `±1`.
    fn fill(&self, sign: f64, c: impl Fn(usize) -> f64 + Sync, out: &mut [f64]) {
        assert_eq!(out.len(), self.len());
        let (diag, off) = out.split_at_mut(self.n);
        off.par_iter_mut()
            .zip(self.corners.par_iter())
            .with_min_len(MIN_FACES_PER_TASK)
            .for_each(|(o, corners)| {
                let s = corners
                    .iter()
                    .filter(|&&slot| slot != NO_CORNER)
                    .fold(0.0, |s, &slot| s + c(slot as usize));
                *o = sign * s;
            });
        let off = &*off;
        diag.par_iter_mut()
            .enumerate()
            .with_min_len(MIN_FACES_PER_TASK)
            .for_each(|(i, d)| {
                let edges = &self.vertex_edges[self.vertex_ptr[i]..self.vertex_ptr[i + 1]];
                *d = edges.iter().fold(0.0, |s, &e| s + sign * off[e as usize]);
            });
    }

    /// Values of the cotan Laplacian in [`EdgeLayout::pairs`] order: `n` diagonal entries
    /// `L_ii = Σ_j w_ij`, then `L_ab = −w_ab` per edge, with the edge weight
    /// `w_ab = ½ (cot α_ab + cot β_ab)` summed from the corner cotangents (`cotans[f][k]`, e.g.
    /// [`corner_cotans`] or [`corner_cotans_from_lengths`]) of the faces on either side (one
    /// face for a boundary edge). This is the weak, positive semi-definite `L` of the
    /// [module docs](crate::geometry): `uᵀ L v = ∫ ∇u_h · ∇v_h` for P1 functions, `L 1 = 0`.
    /// Self-loops get `0` (`w (u_a − u_a) = 0`). Non-finite cotangents (degenerate triangles)
    /// pass through. `out.len()` must be [`EdgeLayout::len`].
    pub fn laplacian_entries(&self, cotans: &[[f64; 3]], out: &mut [f64]) {
        let cotans = cotans.as_flattened();
        self.fill(-1.0, |slot| 0.5 * cotans[slot], out);
    }

    /// Values of the weighted stiffness `∫ a ∇u·∇v` with one coefficient `a_f` per face (e.g.
    /// `1/Q` for graph mean curvature flow), in [`EdgeLayout::pairs`] order: the element matrix
    /// of face `f` is `a_f` times its cotan element matrix, so this is
    /// [`EdgeLayout::laplacian_entries`] with the edge weights `w_ab = Σ_{f ∋ ab} ½ a_f cot θ_f`,
    /// `θ_f` the angle of `f` opposite `ab`. Positive semi-definite when all `a_f ≥ 0`.
    pub fn laplacian_entries_weighted(
        &self,
        cotans: &[[f64; 3]],
        face_weights: &[f64],
        out: &mut [f64],
    ) {
        assert_eq!(face_weights.len(), cotans.len());
        let c = |slot: usize| (0.5 * face_weights[slot / 3]) * cotans[slot / 3][slot % 3];
        self.fill(-1.0, c, out);
    }

    /// Consistent P1 mass `M_ij = ∫ φ_i φ_j` in [`EdgeLayout::pairs`] order:
    /// `M_ab = Σ_{f ∋ ab} A_f / 12` on edge `ab` (the one or two faces on either side) and
    /// `M_ii = Σ_{f ∋ i} A_f / 6 = Σ_{e ∋ i} M_e` on the diagonal (each face at `i` has two of
    /// its edges there). Symmetric positive definite; its row sums are the barycentric lumped
    /// mass and all its entries sum to the total area. `out.len()` must be [`EdgeLayout::len`].
    pub fn consistent_mass_entries(&self, face_areas: &[f64], out: &mut [f64]) {
        self.fill(1.0, |slot| face_areas[slot / 3] / 12.0, out);
    }
}

/// The edge weights `w_ij = −L_ij` of a symmetric operator given by `(row, col)` pairs and
/// entries (e.g. an [`EdgeLayout`]'s), one per unordered pair `i < j`, sorted, the entries of
/// every pair with the same two ends summed (an intrinsic triangulation may join two vertices
/// by several edges; the matrix holds their sum); diagonal entries left out. For the cotan
/// Laplacian, `w_ij = ½ (cot α_ij + cot β_ij)`.
pub fn edge_weights(pairs: &[(usize, usize)], entries: &[f64]) -> Vec<((usize, usize), f64)> {
    let mut off: Vec<((usize, usize), f64)> = pairs
        .iter()
        .zip(entries)
        .filter(|((i, j), _)| i != j)
        .map(|(&(i, j), &v)| ((i.min(j), i.max(j)), -v))
        .collect();
    off.sort_unstable_by_key(|e| e.0);
    let mut edges: Vec<((usize, usize), f64)> = Vec::with_capacity(off.len());
    for (e, w) in off {
        match edges.last_mut() {
            Some(last) if last.0 == e => last.1 += w,
            _ => edges.push((e, w)),
        }
    }
    edges
}

/// The cotan Laplacian of a mesh assembled once, in the vertex-edge layout: the
/// [`EdgeLayout::pairs`] and [`EdgeLayout::laplacian_entries`] of [`EdgeLayout::of_mesh`], for
/// [`sym_matvec`](crate::linalg::sym_matvec) or [`Pattern::new`](crate::linalg::Pattern::new).
/// Convenience for one-off use; a flow keeps the layout and refills the entries instead. Panics
/// as [`EdgeLayout::of_mesh`].
pub fn cotan_laplacian(mesh: &TriMesh) -> (Vec<(usize, usize)>, Vec<f64>) {
    let layout = EdgeLayout::of_mesh(mesh);
    let mut entries = vec![0.0; layout.len()];
    layout.laplacian_entries(&corner_cotans(mesh), &mut entries);
    (layout.pairs(), entries)
}
