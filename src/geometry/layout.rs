//! Layouts of flat metrics in the plane: a triangulation given by its faces, the adjacency
//! `neighbour(f, k)` (the face across edge `k` of face `f`, the edge opposite corner `k`, `None`
//! on the boundary) and per-face edge lengths (`lengths[f][k]` opposite corner `k`, the
//! [convention](crate::geometry#conventions) of the `_from_lengths` quantities) is developed
//! into the plane triangle by triangle. Any triangulation works: a mesh's own
//! ([`Edges::neighbour`](crate::mesh::topology::Edges::neighbour)) or an intrinsic one
//! ([`Intrinsic::neighbour`](crate::mesh::intrinsic::Intrinsic::neighbour)).
//!
//! - [`planar_layout`]: one position per vertex, for a metric that is flat inside a topological
//!   disk (the interior angle sums are `2π`, so unfolding along any path agrees).
//! - [`corner_layout`]: three positions per face along a spanning tree of the dual graph, and the
//!   translations between the two copies of every edge the tree does not cross; for a flat torus
//!   they generate its period lattice, whose shape is [`torus_modulus`].
//!
//! Both place the first face with corner 0 at the origin and edge 2 along the positive x axis,
//! and every further face by [`unfold_triangle`] across an edge already placed, breadth first.

use super::measures::corner_angles_from_lengths;
use std::collections::VecDeque;

/// Face 0 placed in the plane: corner 0 at the origin, corner 1 on the positive x axis at
/// distance `lengths[2]`, corner 2 above it at distance `lengths[1]` from the origin, at the angle
/// `angle0` (the corner angle at corner 0).
pub fn first_triangle(lengths: [f64; 3], angle0: f64) -> [[f64; 2]; 3] {
    let (s, c) = angle0.sin_cos();
    [
        [0.0, 0.0],
        [lengths[2], 0.0],
        [lengths[1] * c, lengths[1] * s],
    ]
}

/// The third corner `r` of a triangle `p, q, r` (counter-clockwise) from the two placed ones: at
/// distance `dist = |pr|` from `p`, the direction `p → q` turned counter-clockwise by `angle`
/// (the corner angle at `p`).
#[inline]
pub fn unfold_triangle(p: [f64; 2], q: [f64; 2], angle: f64, dist: f64) -> [f64; 2] {
    let d = [q[0] - p[0], q[1] - p[1]];
    let len = d[0].hypot(d[1]);
    let (s, c) = angle.sin_cos();
    [
        p[0] + dist * (c * d[0] - s * d[1]) / len,
        p[1] + dist * (s * d[0] + c * d[1]) / len,
    ]
}

/// Lay a flat metric on a topological disk out in the plane: triangles unfolded one by one
/// across shared edges ([`unfold_triangle`]), breadth first from face 0 ([`first_triangle`]).
/// One position per vertex of `0..n` (`z = 0`); vertices no face reaches are NaN. A vertex is
/// placed by the first face that reaches it, so a metric that is not flat inside (or a surface
/// that is not a disk) gives positions that realize only some of its triangles.
pub fn planar_layout(
    n: usize,
    faces: &[[usize; 3]],
    neighbour: impl Fn(usize, usize) -> Option<usize>,
    lengths: &[[f64; 3]],
) -> Vec<[f64; 3]> {
    let angles = corner_angles_from_lengths(lengths);
    let mut pos: Vec<Option<[f64; 2]>> = vec![None; n];
    let mut done = vec![false; faces.len()];
    let mut queue = VecDeque::from([0usize]);
    let first = first_triangle(lengths[0], angles[0][0]);
    for (&v, p) in faces[0].iter().zip(first) {
        pos[v] = Some(p);
    }
    done[0] = true;
    while let Some(f) = queue.pop_front() {
        for k in 0..3 {
            let Some(g) = neighbour(f, k) else {
                continue;
            };
            if done[g] {
                continue;
            }
            done[g] = true;
            queue.push_back(g);
            let fg = faces[g];
            let Some(r) = (0..3).find(|&j| pos[fg[j]].is_none()) else {
                continue;
            };
            let (p, q) = (fg[(r + 1) % 3], fg[(r + 2) % 3]);
            pos[fg[r]] = Some(unfold_triangle(
                pos[p].expect("placed"),
                pos[q].expect("placed"),
                angles[g][(r + 1) % 3],
                lengths[g][(r + 2) % 3],
            ));
        }
    }
    pos.iter()
        .map(|p| {
            let [x, y] = p.unwrap_or([f64::NAN, f64::NAN]);
            [x, y, 0.0]
        })
        .collect()
}

/// A layout with three positions per face (see [`corner_layout`]).
#[derive(Clone, Debug)]
pub struct CornerLayout {
    /// Per face, the positions of its corners (`corners[f][k]` of vertex `faces[f][k]`); NaN for
    /// faces the dual spanning tree does not reach.
    pub corners: Vec<[[f64; 2]; 3]>,
    /// For every interior edge off the spanning tree (in face order), the translation from its
    /// copy in the face of lower index to its copy in the other face.
    pub translations: Vec<[f64; 2]>,
}

/// Lay a flat metric out face by face along a breadth-first spanning tree of the dual graph
/// (from face 0, [`first_triangle`], each face by [`unfold_triangle`] across the tree edge it is
/// reached by): three positions per face (a vertex gets one per face around it, so closed
/// surfaces are cut open along the edges the tree does not cross), and for every edge off the
/// tree the translation between its two copies (for a flat torus, vectors of the period lattice:
/// see [`torus_modulus`]).
pub fn corner_layout(
    faces: &[[usize; 3]],
    neighbour: impl Fn(usize, usize) -> Option<usize>,
    lengths: &[[f64; 3]],
) -> CornerLayout {
    let angles = corner_angles_from_lengths(lengths);
    let mut corners: Vec<Option<[[f64; 2]; 3]>> = vec![None; faces.len()];
    corners[0] = Some(first_triangle(lengths[0], angles[0][0]));
    let mut tree = vec![[false; 3]; faces.len()];
    let mut queue = VecDeque::from([0usize]);
    while let Some(f) = queue.pop_front() {
        let cf = corners[f].expect("placed");
        for k in 0..3 {
            let Some(g) = neighbour(f, k) else {
                continue;
            };
            if corners[g].is_some() {
                continue;
            }
            let fg = faces[g];
            let at = |v: usize| cf[(0..3).find(|&j| faces[f][j] == v).expect("shared")];
            let r = (0..3)
                .find(|&j| fg[j] != faces[f][(k + 1) % 3] && fg[j] != faces[f][(k + 2) % 3])
                .expect("a third vertex");
            let (p, q) = (at(fg[(r + 1) % 3]), at(fg[(r + 2) % 3]));
            let mut cg = [[0.0; 2]; 3];
            cg[(r + 1) % 3] = p;
            cg[(r + 2) % 3] = q;
            cg[r] = unfold_triangle(p, q, angles[g][(r + 1) % 3], lengths[g][(r + 2) % 3]);
            corners[g] = Some(cg);
            tree[f][k] = true;
            if let Some(kg) = (0..3).find(|&j| neighbour(g, j) == Some(f)) {
                tree[g][kg] = true;
            }
            queue.push_back(g);
        }
    }
    let corners: Vec<[[f64; 2]; 3]> = corners
        .into_iter()
        .map(|c| c.unwrap_or([[f64::NAN; 2]; 3]))
        .collect();
    let mut translations = Vec::new();
    for (f, face) in faces.iter().enumerate() {
        for k in 0..3 {
            let Some(g) = neighbour(f, k) else {
                continue;
            };
            if tree[f][k] || g < f {
                continue;
            }
            let v = face[(k + 1) % 3];
            let jg = (0..3).find(|&j| faces[g][j] == v).expect("shared");
            let a = corners[f][(k + 1) % 3];
            let b = corners[g][jg];
            translations.push([b[0] - a[0], b[1] - a[1]]);
        }
    }
    CornerLayout {
        corners,
        translations,
    }
}

/// The modulus `τ = ω₂/ω₁` of a flat torus from the translations of its [`corner_layout`],
/// reduced to the fundamental domain (`Im τ > 0`, `|Re τ| ≤ ½`, `|τ| ≥ 1`), as `[Re τ, Im τ]`;
/// `None` if they do not span a lattice (fewer than two independent translations, or one that
/// is not an integer combination of the shortest two).
pub fn torus_modulus(translations: &[[f64; 2]]) -> Option<[f64; 2]> {
    let scale = translations
        .iter()
        .map(|t| t[0].hypot(t[1]))
        .fold(0.0, f64::max);
    let mut vs: Vec<[f64; 2]> = translations
        .iter()
        .copied()
        .filter(|t| t[0].hypot(t[1]) > 1e-6 * scale)
        .collect();
    vs.sort_by(|a, b| a[0].hypot(a[1]).total_cmp(&b[0].hypot(b[1])));
    let w1 = *vs.first()?;
    let cross = |a: [f64; 2], b: [f64; 2]| a[0] * b[1] - a[1] * b[0];
    let w2 = *vs
        .iter()
        .find(|v| cross(w1, **v).abs() > 1e-6 * w1[0].hypot(w1[1]) * v[0].hypot(v[1]))?;
    // τ = w2 / w1 as complex numbers.
    let n1 = w1[0] * w1[0] + w1[1] * w1[1];
    let mut tau = [
        (w2[0] * w1[0] + w2[1] * w1[1]) / n1,
        (w2[1] * w1[0] - w2[0] * w1[1]) / n1,
    ];
    if tau[1] < 0.0 {
        tau = [-tau[0], -tau[1]];
    }
    for _ in 0..100 {
        tau[0] -= tau[0].round();
        let m = tau[0] * tau[0] + tau[1] * tau[1];
        if m >= 1.0 - 1e-12 {
            break;
        }
        tau = [-tau[0] / m, tau[1] / m];
    }
    // Every translation must be an integer combination of w1, w2 (else they were not a
    // basis of the lattice the layout generates).
    let det = cross(w1, w2);
    let integral = vs.iter().all(|v| {
        let a = cross(*v, w2) / det;
        let b = cross(w1, *v) / det;
        (a - a.round()).abs() < 1e-6 && (b - b.round()).abs() < 1e-6
    });
    integral.then_some(tau)
}

/// [`corner_layout`] on a triangulation given by half-edges, which may be a Δ-complex (a face
/// with two corners at one vertex, self-loops, several edges between two vertices): half-edge
/// `h = 3f + k` runs from corner `k` to corner `k + 1` of face `f`, and `twin(h)` is the
/// half-edge of the same edge in the face across (`None` on the boundary). Faces are matched
/// through their shared edge, never through vertex numbers. Also returns, per half-edge, whether
/// the layout's spanning tree crosses it (the others are cut: their two copies are the
/// translations).
pub fn halfedge_corner_layout(
    lengths: &[[f64; 3]],
    twin: impl Fn(usize) -> Option<usize>,
) -> (CornerLayout, Vec<bool>) {
    let nf = lengths.len();
    let angles = corner_angles_from_lengths(lengths);
    let mut corners: Vec<Option<[[f64; 2]; 3]>> = vec![None; nf];
    let mut tree = vec![false; 3 * nf];
    let mut translations = Vec::new();
    for root in 0..nf {
        if corners[root].is_some() {
            continue;
        }
        corners[root] = Some(first_triangle(lengths[root], angles[root][0]));
        let mut queue = VecDeque::from([root]);
        while let Some(f) = queue.pop_front() {
            let cf = corners[f].expect("placed");
            for m in 0..3 {
                let h = 3 * f + m;
                let Some(t) = twin(h) else {
                    continue;
                };
                let (g, j) = (t / 3, t % 3);
                if corners[g].is_some() {
                    continue;
                }
                // g's corner j is f's corner m + 1, g's corner j + 1 is f's corner m.
                let (p, q) = (cf[(m + 1) % 3], cf[m]);
                let r = (j + 2) % 3;
                let mut cg = [[0.0; 2]; 3];
                cg[j] = p;
                cg[(j + 1) % 3] = q;
                cg[r] = unfold_triangle(p, q, angles[g][j], lengths[g][(j + 1) % 3]);
                corners[g] = Some(cg);
                tree[h] = true;
                tree[t] = true;
                queue.push_back(g);
            }
        }
    }
    let corners: Vec<[[f64; 2]; 3]> = corners
        .into_iter()
        .map(|c| c.unwrap_or([[f64::NAN; 2]; 3]))
        .collect();
    for (h, &crossed) in tree.iter().enumerate() {
        let Some(t) = twin(h) else {
            continue;
        };
        if crossed || t < h {
            continue;
        }
        // The tail of h in its face against the same vertex (the head of t) in t's face.
        let (f, m) = (h / 3, h % 3);
        let (g, j) = (t / 3, t % 3);
        let a = corners[f][m];
        let b = corners[g][(j + 1) % 3];
        translations.push([b[0] - a[0], b[1] - a[1]]);
    }
    (
        CornerLayout {
            corners,
            translations,
        },
        tree,
    )
}
