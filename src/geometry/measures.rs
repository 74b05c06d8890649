//! Per-face measures (edge lengths, areas, normals, corner angles) and the whole-surface measures
//! built from them (total area, enclosed volume, angle-weighted vertex normals).
//!
//! Corner `k` of face `f = [a, b, c]` is the vertex `f[k]`; edge `k` is the edge opposite it, from
//! `f[k+1]` to `f[k+2]` (indices mod 3). Per-face arrays `[f64; 3]` are indexed that way.

use super::MIN_FACES_PER_TASK;
use crate::mesh::TriMesh;
use nalgebra::Vector3;
use rayon::prelude::*;

/// The three edge vectors of face `f`: `e_k = x_{f[k+2]} − x_{f[k+1]}` (edge `k`, opposite corner
/// `k`, oriented along the face's boundary).
#[inline]
pub(crate) fn face_edge_vectors(positions: &[[f64; 3]], f: [usize; 3]) -> [Vector3<f64>; 3] {
    let [x0, x1, x2] = f.map(|v| Vector3::from(positions[v]));
    [x2 - x1, x0 - x2, x1 - x0]
}

/// `(x_{f[1]} − x_{f[0]}) × (x_{f[2]} − x_{f[0]})`: the face normal scaled by twice the area.
#[inline]
pub(crate) fn face_area_vector(positions: &[[f64; 3]], f: [usize; 3]) -> Vector3<f64> {
    let [x0, x1, x2] = f.map(|v| Vector3::from(positions[v]));
    (x1 - x0).cross(&(x2 - x0))
}

/// Edge lengths per face: `l[f][k] = |x_{f[k+2]} − x_{f[k+1]}|`, the length of the edge opposite
/// corner `k`. The input of every `_from_lengths` function.
pub fn face_edge_lengths(mesh: &TriMesh) -> Vec<[f64; 3]> {
    let p = &mesh.positions;
    mesh.faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&f| face_edge_vectors(p, f).map(|e| e.norm()))
        .collect()
}

/// Face areas `A_f = ½ |(x_1 − x_0) × (x_2 − x_0)|`.
pub fn face_areas(mesh: &TriMesh) -> Vec<f64> {
    let p = &mesh.positions;
    mesh.faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&f| 0.5 * face_area_vector(p, f).norm())
        .collect()
}

/// Unit face normals `n_f = (x_1 − x_0) × (x_2 − x_0) / |…|`, outward for counter-clockwise faces
/// of a closed surface. A degenerate face gives non-finite components.
pub fn face_normals(mesh: &TriMesh) -> Vec<[f64; 3]> {
    let p = &mesh.positions;
    mesh.faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&f| {
            let a = face_area_vector(p, f);
            (a * (1.0 / a.norm())).into()
        })
        .collect()
}

/// The area of a triangle with side lengths `l`, by Heron's formula in Kahan's stable form: with
/// the sides sorted `a ≥ b ≥ c`,
/// `A = ¼ √((a + (b + c)) (c − (a − b)) (c + (a − b)) (a + (b − c)))`
/// (the parentheses matter). Accurate to a few ulps even for needle-like triangles; NaN when the
/// lengths violate the triangle inequality, 0 for a degenerate (collinear) triangle.
#[inline]
pub fn triangle_area_from_lengths(l: [f64; 3]) -> f64 {
    let [mut a, mut b, mut c] = l;
    if a < b {
        std::mem::swap(&mut a, &mut b);
    }
    if b < c {
        std::mem::swap(&mut b, &mut c);
    }
    if a < b {
        std::mem::swap(&mut a, &mut b);
    }
    let p = (a + (b + c)) * (c - (a - b)) * (c + (a - b)) * (a + (b - c));
    0.25 * p.sqrt()
}

/// Face areas from edge lengths, [`triangle_area_from_lengths`] per face (intrinsic geometry).
pub fn face_areas_from_lengths(lengths: &[[f64; 3]]) -> Vec<f64> {
    lengths
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&l| triangle_area_from_lengths(l))
        .collect()
}

/// Interior angles at the corners: `θ[f][k] = atan2(|u × v|, u · v)` with `u, v` the two edges
/// leaving corner `k` (`x_{k+1} − x_k`, `x_{k+2} − x_k`). The `atan2` form is accurate for angles
/// near 0 and π alike. The three angles of a face sum to π up to rounding.
pub fn corner_angles(mesh: &TriMesh) -> Vec<[f64; 3]> {
    let p = &mesh.positions;
    mesh.faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&f| face_angles(&face_edge_vectors(p, f), face_area_vector(p, f).norm()))
        .collect()
}

/// `θ_k = atan2(2A, −e_{k+1} · e_{k+2})` from the edge vectors of [`face_edge_vectors`]: at corner
/// `k` the outgoing edges are `−e_{k+2}` and `e_{k+1}`, and `|u × v| = 2A`.
#[inline]
fn face_angles(e: &[Vector3<f64>; 3], twice_area: f64) -> [f64; 3] {
    [0, 1, 2].map(|k| twice_area.atan2(-e[(k + 1) % 3].dot(&e[(k + 2) % 3])))
}

/// Corner angles from edge lengths (law of cosines in `atan2` form):
/// `θ_k = atan2(4A, l_{k+1}² + l_{k+2}² − l_k²)`, with `A` from [`triangle_area_from_lengths`]
/// (`4A = 2 l_{k+1} l_{k+2} sin θ_k`, and the second argument is `2 l_{k+1} l_{k+2} cos θ_k`).
pub fn corner_angles_from_lengths(lengths: &[[f64; 3]]) -> Vec<[f64; 3]> {
    lengths
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&l| {
            let four_area = 4.0 * triangle_area_from_lengths(l);
            let l2 = l.map(|x| x * x);
            [0, 1, 2].map(|k| four_area.atan2(l2[(k + 1) % 3] + l2[(k + 2) % 3] - l2[k]))
        })
        .collect()
}

/// Sum per-corner values onto the vertices: `s_i = Σ_{(f, k): f[k] = i} c[f][k]`, for
/// `n_vertices` vertices. (A sequential scatter: ~3 additions per face, cheap next to the
/// per-face work that produced `corner_values` in parallel.)
pub fn vertex_corner_sum(
    faces: &[[usize; 3]],
    n_vertices: usize,
    corner_values: &[[f64; 3]],
) -> Vec<f64> {
    assert_eq!(faces.len(), corner_values.len());
    let mut s = vec![0.0; n_vertices];
    for (f, c) in faces.iter().zip(corner_values) {
        for k in 0..3 {
            s[f[k]] += c[k];
        }
    }
    s
}

/// Angle-weighted vertex normals (Thürmer–Wüthrich 1998): `n_i = N_i / |N_i|` with
/// `N_i = Σ_{faces f ∋ i} θ_{f,i} n_f`, the unit face normals weighted by the corner angle at `i`.
/// Outward on a closed, counter-clockwise surface; an isolated vertex gets non-finite components.
pub fn vertex_normals(mesh: &TriMesh) -> Vec<[f64; 3]> {
    let p = &mesh.positions;
    let weighted: Vec<[Vector3<f64>; 3]> = mesh
        .faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&f| {
            let a = face_area_vector(p, f);
            let twice_area = a.norm();
            let n = a * (1.0 / twice_area);
            face_angles(&face_edge_vectors(p, f), twice_area).map(|theta| n * theta)
        })
        .collect();
    let mut acc = vec![Vector3::zeros(); mesh.positions.len()];
    for (f, w) in mesh.faces.iter().zip(&weighted) {
        for k in 0..3 {
            acc[f[k]] += w[k];
        }
    }
    acc.into_par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|n| (n * (1.0 / n.norm())).into())
        .collect()
}

/// Total surface area `Σ_f A_f`.
pub fn total_area(mesh: &TriMesh) -> f64 {
    let p = &mesh.positions;
    mesh.faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&f| 0.5 * face_area_vector(p, f).norm())
        .sum()
}

/// Signed enclosed volume of a closed surface (divergence theorem):
/// `V = ⅙ Σ_f (x_0 − c) · ((x_1 − c) × (x_2 − c))`, positive for outward (counter-clockwise)
/// faces. The reference point `c` (the vertex centroid) cancels exactly for closed surfaces and
/// only reduces rounding; for an open surface the result is the volume of the cone over it from
/// `c`, which is not a property of the surface.
pub fn enclosed_volume(mesh: &TriMesh) -> f64 {
    let n = mesh.positions.len().max(1) as f64;
    let mut c = Vector3::zeros();
    for &x in &mesh.positions {
        c += Vector3::from(x) / n;
    }
    let p = &mesh.positions;
    mesh.faces
        .par_iter()
        .with_min_len(MIN_FACES_PER_TASK)
        .map(|&[i, j, k]| {
            // Not `f.map(..)`: when that call is not inlined, the three vectors come back through
            // the stack, and SIMD loads straddling the stores stall (a store-forwarding stall).
            let x = |v: usize| Vector3::from(p[v]) - c;
            x(i).dot(&x(j).cross(&x(k)))
        })
        .sum::<f64>()
        / 6.0
}

/// Twice the signed area of the plane triangle `(a, b, c)`: positive when counter-clockwise.
pub fn orient2d(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// A triangle of `R³` placed isometrically in the plane: corner 0 at the origin, corner 1 on the
/// positive x axis, corner 2 above it (counter-clockwise, for a non-degenerate triangle).
pub fn triangle_in_plane(p: [[f64; 3]; 3]) -> [[f64; 2]; 3] {
    let [p0, p1, p2] = p.map(Vector3::from);
    let (e1, e2) = (p1 - p0, p2 - p0);
    let l1 = e1.norm();
    let x = e1.dot(&e2) / l1;
    let y = e1.cross(&e2).norm() / l1;
    [[0.0, 0.0], [l1, 0.0], [x, y]]
}

/// The quasi-conformal distortion `σ₁/σ₂ ≥ 1` (the ratio of the singular values of the
/// Jacobian) of the affine map taking the triangle `src` (in `R³`) to the triangle `dst`, or
/// `None` if the map is degenerate or reverses orientation. `dst` is read in the plane (its x, y;
/// orientation by the sign of its area) or, with `on_sphere`, as a triangle with corners on a
/// sphere about the origin (its own plane; orientation by the sign of `det(d₀, d₁, d₂)`, positive
/// for a triangle counter-clockwise seen from outside). `1` is conformal.
pub fn quasi_conformal_distortion(
    src: [[f64; 3]; 3],
    dst: [[f64; 3]; 3],
    on_sphere: bool,
) -> Option<f64> {
    let s = triangle_in_plane(src);
    let d: [[f64; 2]; 3] = if on_sphere {
        let mut d = triangle_in_plane(dst);
        // det(d₀, d₁, d₂) = d₀ · ((d₁ − d₀) × (d₂ − d₀)), without the cancellation of d₁ × d₂
        // for a small triangle.
        let [d0, d1, d2] = dst.map(Vector3::from);
        if d0.dot(&(d1 - d0).cross(&(d2 - d0))) < 0.0 {
            d.iter_mut().for_each(|q| q[1] = -q[1]);
        }
        d
    } else {
        dst.map(|q| [q[0] - dst[0][0], q[1] - dst[0][1]])
    };
    // J S = D with S, D the edge matrices (columns p1 − p0, p2 − p0).
    let (s1, s2) = (
        [s[1][0] - s[0][0], s[1][1] - s[0][1]],
        [s[2][0] - s[0][0], s[2][1] - s[0][1]],
    );
    let (d1, d2) = (
        [d[1][0] - d[0][0], d[1][1] - d[0][1]],
        [d[2][0] - d[0][0], d[2][1] - d[0][1]],
    );
    let det_s = s1[0] * s2[1] - s1[1] * s2[0];
    let det_d = d1[0] * d2[1] - d1[1] * d2[0];
    if !(det_s > 0.0 && det_d > 0.0) {
        return None;
    }
    // S⁻¹ = [[s2y, −s2x], [−s1y, s1x]] / det_s.
    let j = [
        [
            (d1[0] * s2[1] - d2[0] * s1[1]) / det_s,
            (-d1[0] * s2[0] + d2[0] * s1[0]) / det_s,
        ],
        [
            (d1[1] * s2[1] - d2[1] * s1[1]) / det_s,
            (-d1[1] * s2[0] + d2[1] * s1[0]) / det_s,
        ],
    ];
    // σ₁² + σ₂² = |J|²_F, σ₁ σ₂ = det J.
    let f2 = j[0][0].powi(2) + j[0][1].powi(2) + j[1][0].powi(2) + j[1][1].powi(2);
    let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
    let disc = (f2 * f2 - 4.0 * det * det).max(0.0).sqrt();
    let s_max2 = (f2 + disc) / 2.0;
    // σ₁/σ₂ = σ₁²/(σ₁σ₂).
    let q = s_max2 / det;
    (q.is_finite() && det > 0.0).then_some(q.max(1.0))
}
