//! Intrinsic triangulations of a mesh's vertices with Ptolemy edge flips, for discrete conformal
//! maps through changes of combinatorics (Gillespie, Springborn, Crane 2021, *Discrete conformal
//! equivalence of polyhedral surfaces*, ACM TOG 40(4); Springborn 2020, *Ideal hyperbolic
//! polyhedra and discrete uniformization*).
//!
//! The metric is stored as base log-lengths `λ = 2 log ℓ` per edge (Penner coordinates); the
//! vertex scale factors `u` give the current ones, `λ̃_ij = λ_ij + u_i + u_j`. An edge `ab`
//! between triangles `abc` and `bad` is flipped to `cd` by Ptolemy's relation
//!
//! `ℓ_cd ℓ_ab = ℓ_ca ℓ_db + ℓ_bc ℓ_ad`,
//!
//! which commutes with vertex scaling, so it is applied to the base lengths. An edge is
//! Delaunay when
//!
//! `(ℓ_bc² + ℓ_ca² − ℓ_ab²)/(ℓ_bc ℓ_ca) + (ℓ_ad² + ℓ_db² − ℓ_ab²)/(ℓ_ad ℓ_db) ≥ 0`
//!
//! (`2 cos γ + 2 cos δ ≥ 0` for Euclidean triangles, i.e. opposite angles summing to at most
//! `π`), a test that needs no triangle inequality. For every `u` the flips end in a triangulation
//! that is Delaunay for `λ̃`, and there every triangle satisfies the triangle inequality
//! (Springborn 2020): the discrete conformal energy is then defined, convex and `C¹` for all
//! `u`, and Newton's method needs no care about degenerate triangles.

use super::topology::Edges;

/// No twin: a boundary half-edge.
pub const NONE: usize = usize::MAX;

/// Flips allowed per edge before [`Intrinsic::flip_to_delaunay`] gives up.
const MAX_FLIPS_PER_EDGE: usize = 100;

/// Why an intrinsic triangulation cannot be built or flipped, or fails its check.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum IntrinsicError {
    /// Two faces traverse their shared edge `a-b` in the same direction.
    #[error(
        "triangles {} and {} run through their shared edge {}-{} in the same direction: the mesh \
         is not consistently oriented (edge flips need an oriented mesh)",
        .faces[0], .faces[1], .edge[0], .edge[1]
    )]
    NotOriented { faces: [usize; 2], edge: [usize; 2] },
    /// [`Intrinsic::flip_to_delaunay`] gave up after `flips` flips (more than
    /// `MAX_FLIPS_PER_EDGE` per half-edge).
    #[error("{flips} Delaunay flips without reaching a Delaunay triangulation")]
    FlipsDoNotEnd { flips: usize },
    /// [`Intrinsic::check`]: two half-edges that should be twins are not.
    #[error("half-edges {} and {} are not twins", .half_edges[0], .half_edges[1])]
    NotTwins { half_edges: [usize; 2] },
}

/// A triangulation of a fixed vertex set with base log-lengths on its edges. Half-edge
/// `h = 3f + k` runs from `faces[f][k]` to `faces[f][(k + 1) % 3]` (faces keep their
/// counter-clockwise orientation through flips).
#[derive(Clone, Debug)]
pub struct Intrinsic {
    pub faces: Vec<[usize; 3]>,
    twin: Vec<usize>,
    lambda: Vec<f64>,
}

impl Intrinsic {
    /// The mesh's own triangulation (`faces`, its `edges`) with per-face edge lengths
    /// (`lengths[f][k]` opposite corner `k`). Fails if two faces traverse an edge in the same
    /// direction (the mesh is not consistently oriented).
    pub fn new(
        faces: &[[usize; 3]],
        edges: &Edges,
        lengths: &[[f64; 3]],
    ) -> Result<Intrinsic, IntrinsicError> {
        let mut twin = vec![NONE; 3 * faces.len()];
        let mut lambda = vec![0.0; 3 * faces.len()];
        for (f, face) in faces.iter().enumerate() {
            for k in 0..3 {
                let h = 3 * f + k;
                let (a, b) = (face[k], face[(k + 1) % 3]);
                lambda[h] = 2.0 * lengths[f][(k + 2) % 3].ln();
                let Some(g) = edges.neighbour(f, (k + 2) % 3) else {
                    continue;
                };
                let j = (0..3)
                    .find(|&j| faces[g][j] == b && faces[g][(j + 1) % 3] == a)
                    .ok_or(IntrinsicError::NotOriented {
                        faces: [f, g],
                        edge: [a, b],
                    })?;
                twin[h] = 3 * g + j;
            }
        }
        Ok(Intrinsic {
            faces: faces.to_vec(),
            twin,
            lambda,
        })
    }

    /// The face across the edge opposite corner `k` of face `f`, if it is interior.
    pub fn neighbour(&self, f: usize, k: usize) -> Option<usize> {
        let t = self.twin[3 * f + (k + 1) % 3];
        (t != NONE).then_some(t / 3)
    }

    /// Per face, the current lengths `ℓ̃ = e^{λ̃/2}` (`[f][k]` opposite corner `k`).
    pub fn lengths(&self, u: &[f64]) -> Vec<[f64; 3]> {
        self.faces
            .iter()
            .enumerate()
            .map(|(f, face)| {
                std::array::from_fn(|k| {
                    let h = 3 * f + (k + 1) % 3;
                    let (a, b) = (face[(k + 1) % 3], face[(k + 2) % 3]);
                    (0.5 * (self.lambda[h] + u[a] + u[b])).exp()
                })
            })
            .collect()
    }

    /// The edges: endpoints `[a, b]` of each, and per face the edge opposite each corner.
    pub fn edges(&self) -> (Vec<[usize; 2]>, Vec<[usize; 3]>) {
        let mut id = vec![NONE; self.twin.len()];
        let mut ends = Vec::with_capacity(self.twin.len() / 2 + 1);
        for h in 0..self.twin.len() {
            let t = self.twin[h];
            if t != NONE && t < h {
                id[h] = id[t];
                continue;
            }
            let face = self.faces[h / 3];
            id[h] = ends.len();
            ends.push([face[h % 3], face[(h + 1) % 3]]);
        }
        let face_edges = (0..self.faces.len())
            .map(|f| std::array::from_fn(|k| id[3 * f + (k + 1) % 3]))
            .collect();
        (ends, face_edges)
    }

    /// Whether the two faces of `faces` and this triangulation are the same list.
    pub fn same_faces(&self, faces: &[[usize; 3]]) -> bool {
        self.faces == faces
    }

    /// Current log-length of half-edge `h`.
    fn current(&self, h: usize, u: &[f64]) -> f64 {
        let face = self.faces[h / 3];
        let k = h % 3;
        self.lambda[h] + u[face[k]] + u[face[(k + 1) % 3]]
    }

    /// `(ℓ_bc² + ℓ_ca² − ℓ_ab²)/(ℓ_bc ℓ_ca)` for the face of half-edge `h = ab`, from current
    /// log-lengths (`2 cos` of the angle at `c` when the triangle is Euclidean).
    fn cosine_term(&self, h: usize, u: &[f64]) -> f64 {
        let f = h / 3;
        let (next, prev) = (3 * f + (h + 1) % 3, 3 * f + (h + 2) % 3);
        let (ab, bc, ca) = (
            self.current(h, u),
            self.current(next, u),
            self.current(prev, u),
        );
        ((bc - ca) / 2.0).exp() + ((ca - bc) / 2.0).exp() - (ab - (bc + ca) / 2.0).exp()
    }

    /// Whether the interior edge of half-edge `h` is Delaunay for the scale factors `u` (to a
    /// relative `1e-12`, so that cocircular quadrilaterals are not flipped back and forth).
    pub fn is_delaunay(&self, h: usize, u: &[f64]) -> bool {
        let t = self.twin[h];
        t == NONE || self.cosine_term(h, u) + self.cosine_term(t, u) >= -1e-12
    }

    /// Flip edges until every edge is Delaunay for `u`, or cannot be flipped (see
    /// [`Intrinsic::blocked`]). Returns the number of flips, or an error if the flips do not end
    /// (which the theory rules out up to rounding).
    pub fn flip_to_delaunay(&mut self, u: &[f64]) -> Result<usize, IntrinsicError> {
        let mut queued = vec![false; self.twin.len()];
        let mut stack: Vec<usize> = Vec::new();
        for (h, &t) in self.twin.iter().enumerate() {
            if t != NONE && h < t {
                queued[h] = true;
                stack.push(h);
            }
        }
        let limit = MAX_FLIPS_PER_EDGE * self.twin.len();
        let mut flips = 0;
        while let Some(h) = stack.pop() {
            queued[h] = false;
            let t = self.twin[h];
            if t == NONE || self.is_delaunay(h, u) || !self.flippable(h) {
                continue;
            }
            self.flip(h);
            flips += 1;
            if flips > limit {
                return Err(IntrinsicError::FlipsDoNotEnd { flips });
            }
            // The four outer edges of the new quadrilateral may have stopped being Delaunay.
            let (f, g) = (h / 3, t / 3);
            for e in [3 * f, 3 * f + 1, 3 * g, 3 * g + 1] {
                let tw = self.twin[e];
                if tw == NONE {
                    continue;
                }
                let key = e.min(tw);
                if !queued[key] {
                    queued[key] = true;
                    stack.push(key);
                }
            }
        }
        Ok(flips)
    }

    /// The edges that are not Delaunay for `u` but were left: boundary edges (whose opposite
    /// angle exceeds π/2), and edges whose flip would join a vertex to itself (the Delaunay
    /// triangulation then has a self-loop around a vertex, which these triangulations, with
    /// three distinct corners per face, do not represent). As `(a, b)` vertex pairs.
    pub fn blocked(&self, u: &[f64]) -> Vec<(usize, usize)> {
        (0..self.twin.len())
            .filter(|&h| {
                let t = self.twin[h];
                if t == NONE {
                    self.cosine_term(h, u) < -1e-12
                } else {
                    h < t && !self.is_delaunay(h, u)
                }
            })
            .map(|h| {
                let face = self.faces[h / 3];
                (face[h % 3], face[(h + 1) % 3])
            })
            .collect()
    }

    /// An interior edge between two different faces whose flip would not join a vertex to
    /// itself.
    fn flippable(&self, h: usize) -> bool {
        let t = self.twin[h];
        let (f, g) = (h / 3, t / 3);
        f != g && self.faces[f][(h + 2) % 3] != self.faces[g][(t + 2) % 3]
    }

    /// Flip the edge of half-edge `h = ab` (faces `abc` and `bad`) to `cd` (faces `cad` and
    /// `dbc`, stored in place of the old two).
    pub fn flip(&mut self, h: usize) {
        let t = self.twin[h];
        assert!(t != NONE, "a boundary edge cannot be flipped");
        let (f, k) = (h / 3, h % 3);
        let (g, j) = (t / 3, t % 3);
        let (a, b, c) = (
            self.faces[f][k],
            self.faces[f][(k + 1) % 3],
            self.faces[f][(k + 2) % 3],
        );
        let d = self.faces[g][(j + 2) % 3];
        // Outer half-edges: b→c, c→a in f; a→d, d→b in g.
        let (bc, ca) = (3 * f + (k + 1) % 3, 3 * f + (k + 2) % 3);
        let (ad, db) = (3 * g + (j + 1) % 3, 3 * g + (j + 2) % 3);
        let lam = |e: usize| self.lambda[e];
        let (x, y) = ((lam(ca) + lam(db)) / 2.0, (lam(bc) + lam(ad)) / 2.0);
        let m = x.max(y);
        let cd = 2.0 * (m + ((x - m).exp() + (y - m).exp()).ln()) - lam(h);
        // New half-edges: f = [c, a, d]: c→a, a→d, d→c; g = [d, b, c]: d→b, b→c, c→d.
        let moved = [(ca, 3 * f), (ad, 3 * f + 1), (db, 3 * g), (bc, 3 * g + 1)];
        let remap = |e: usize| {
            moved
                .iter()
                .find(|(old, _)| *old == e)
                .map_or(e, |&(_, new)| new)
        };
        let old_twin: Vec<usize> = moved.iter().map(|&(old, _)| self.twin[old]).collect();
        let old_lambda: Vec<f64> = moved.iter().map(|&(old, _)| self.lambda[old]).collect();
        self.faces[f] = [c, a, d];
        self.faces[g] = [d, b, c];
        for (i, &(_, new)) in moved.iter().enumerate() {
            self.lambda[new] = old_lambda[i];
            let tw = if old_twin[i] == NONE {
                NONE
            } else {
                remap(old_twin[i])
            };
            self.twin[new] = tw;
            if tw != NONE {
                self.twin[tw] = new;
            }
        }
        self.lambda[3 * f + 2] = cd;
        self.lambda[3 * g + 2] = cd;
        self.twin[3 * f + 2] = 3 * g + 2;
        self.twin[3 * g + 2] = 3 * f + 2;
    }

    /// Check the half-edge structure: twins are mutual, join the same two vertices in opposite
    /// directions and carry the same length. For tests.
    pub fn check(&self) -> Result<(), IntrinsicError> {
        for (h, &t) in self.twin.iter().enumerate() {
            if t == NONE {
                continue;
            }
            let end = |e: usize| {
                let face = self.faces[e / 3];
                (face[e % 3], face[(e + 1) % 3])
            };
            let ((a, b), (c, d)) = (end(h), end(t));
            if self.twin[t] != h || a != d || b != c || self.lambda[h] != self.lambda[t] {
                return Err(IntrinsicError::NotTwins { half_edges: [h, t] });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::topology::edges;
    use crate::mesh::TriMesh;

    /// A kite split along its long diagonal 0-2 or its short one 1-3.
    fn square(split_long: bool) -> (TriMesh, Intrinsic) {
        // A kite: 0 (0,0), 1 (1,0), 2 (1.2,1.2), 3 (0,1); diagonal 0-2 or 1-3.
        let positions = vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.2, 1.2, 0.0],
            [0.0, 1.0, 0.0],
        ];
        let faces = if split_long {
            vec![[0, 1, 2], [0, 2, 3]]
        } else {
            vec![[0, 1, 3], [1, 2, 3]]
        };
        let mesh = TriMesh::new(positions, faces);
        let e = edges(&mesh).unwrap();
        let l = crate::geometry::face_edge_lengths(&mesh);
        let t = Intrinsic::new(&mesh.faces, &e, &l).unwrap();
        (mesh, t)
    }

    #[test]
    fn a_flip_follows_ptolemy_and_keeps_the_structure() {
        // The new diagonal gets the Ptolemy length of the scaled metric (longer than the
        // Euclidean diagonal, the kite not being cyclic).
        let (mesh, mut t) = square(true);
        let u = [0.3, -0.2, 0.1, 0.0];
        let before = t.lengths(&u);
        let h = (0..6).find(|&h| t.twin[h] != NONE).unwrap();
        t.flip(h);
        t.check().unwrap();
        let after = t.lengths(&u);
        let p = &mesh.positions;
        let dist = |i: usize, j: usize| {
            (nalgebra::Vector3::from(p[i]) - nalgebra::Vector3::from(p[j])).norm()
        };
        let scaled = |i: usize, j: usize| (0.5 * (u[i] + u[j])).exp() * dist(i, j);
        // Ptolemy in the scaled metric: ℓ13 ℓ02 = ℓ01 ℓ23 + ℓ12 ℓ30.
        let l13 = after
            .iter()
            .zip(&t.faces)
            .find_map(|(l, f)| {
                (0..3).find_map(|k| {
                    let (a, b) = (f[(k + 1) % 3], f[(k + 2) % 3]);
                    (a.min(b) == 1 && a.max(b) == 3).then_some(l[k])
                })
            })
            .unwrap();
        let expect = (scaled(0, 1) * scaled(2, 3) + scaled(1, 2) * scaled(3, 0)) / scaled(0, 2);
        assert!((l13 - expect).abs() < 1e-14 * expect, "{l13} vs {expect}");
        assert_eq!(before.len(), after.len());
        // Flipping back restores the old length of 0-2.
        let h = (0..6).find(|&h| t.twin[h] != NONE).unwrap();
        t.flip(h);
        t.check().unwrap();
        let again = t.lengths(&u);
        let l02 = |ls: &[[f64; 3]], faces: &[[usize; 3]]| {
            ls.iter()
                .zip(faces)
                .find_map(|(l, f)| {
                    (0..3).find_map(|k| {
                        let (a, b) = (f[(k + 1) % 3], f[(k + 2) % 3]);
                        (a.min(b) == 0 && a.max(b) == 2).then_some(l[k])
                    })
                })
                .unwrap()
        };
        assert!((l02(&again, &t.faces) - scaled(0, 2)).abs() < 1e-14);
    }

    #[test]
    fn the_delaunay_diagonal_is_kept_and_the_other_flipped() {
        // Across the long diagonal 0-2 the kite's angles at 1 and 3 are 99.5° each (sum > π):
        // it flips to 1-3, whose opposite angles (90° at 0, 71° at 2) sum to less than π.
        let u = [0.0; 4];
        let (_, mut t) = square(true);
        assert_eq!(t.flip_to_delaunay(&u).unwrap(), 1);
        t.check().unwrap();
        let diagonal = |t: &Intrinsic| {
            let h = (0..6).find(|&h| t.twin[h] != NONE).unwrap();
            let f = t.faces[h / 3];
            let (a, b) = (f[h % 3], f[(h + 1) % 3]);
            (a.min(b), a.max(b))
        };
        assert_eq!(diagonal(&t), (1, 3));
        let (_, mut s) = square(false);
        assert_eq!(s.flip_to_delaunay(&u).unwrap(), 0);
        // Shrinking vertex 0 makes its angle across 1-3 obtuse enough: back to 0-2.
        assert_eq!(s.flip_to_delaunay(&[-3.0, 0.0, 0.0, 0.0]).unwrap(), 1);
        assert_eq!(diagonal(&s), (0, 2));
    }
}
