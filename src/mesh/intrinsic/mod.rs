//! Intrinsic triangulations of a mesh's vertices as Δ-complexes, with Ptolemy edge flips and the
//! correspondence to the input mesh, for discrete conformal maps through changes of
//! combinatorics (Gillespie, Springborn, Crane 2021, *Discrete conformal equivalence of
//! polyhedral surfaces*, ACM TOG 40(4); Springborn 2020, *Ideal hyperbolic polyhedra and discrete
//! uniformization*, DCG 64).
//!
//! # Δ-complexes
//! A face is a triple of corners glued to its neighbours by twin half-edges, not a triple of
//! distinct vertices: a face may have two corners at the same vertex, an edge may join a vertex
//! to itself (a self-loop), and two edges may join the same two vertices. Every interior edge
//! between two different faces can be flipped; only an edge with the same face on both sides
//! (the edge to a vertex of degree one) cannot, and such an edge is always Delaunay.
//!
//! # Penner coordinates and Ptolemy flips
//! The metric is stored as base log-lengths `λ = 2 log ℓ` per edge (Penner coordinates of the
//! decorated ideal hyperbolic surface the mesh defines); the vertex scale factors `u` give the
//! current ones, `λ̃_ij = λ_ij + u_i + u_j`. An edge `ab` between triangles `abc` and `bad` is
//! flipped to `cd` by Ptolemy's relation
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
//!
//! # Euclidean flips: the intrinsic Delaunay triangulation
//! The same Δ-complex also carries a Euclidean metric ([`Intrinsic::euclidean`], [`Metric`]):
//! there an edge `ab` between `abc` and `bad` flips to the Euclidean distance `ℓ_cd` of `c` and
//! `d` with the two triangles laid out in the plane on either side of `ab`, which keeps the
//! piecewise flat metric of the input unchanged (the cone angles `Θ_i`, so the angle defects,
//! and the area). The Delaunay test above then says that the opposite angles sum to at most
//! `π`, and the flips end in the intrinsic Delaunay triangulation of the polyhedral surface
//! (Bobenko, Springborn 2007, *A discrete Laplace–Beltrami operator for simplicial surfaces*,
//! DCG 38; Fisher, Springborn, Schröder, Bobenko 2007, *An algorithm for the construction of
//! intrinsic Delaunay triangulations with applications to digital geometry processing*,
//! Computing 81), whose cotan weights `½ (cot α + cot β) = sin(α + β) / (2 sin α sin β)` are
//! non-negative on every interior edge. Vertex scalings do not commute with Euclidean flips, so
//! a Euclidean triangulation is only flipped for `u = 0`. A half-edge's position at its tail is
//! then an angle (the signposts of Sharp, Soliman, Crane 2019, below), measured the same way.
//!
//! # Where the intrinsic edges lie: horocyclic signposts
//! The input mesh and every triangulation reached by Ptolemy flips are triangulations of one
//! decorated ideal hyperbolic surface (Penner coordinates are invariant under flips), and every
//! edge of either is a hyperbolic geodesic between two ideal vertices. The decoration puts a
//! horocycle about each vertex `i`; the horocyclic arc a triangle `ijk` cuts from it is
//!
//! `h_i = ℓ_jk / (ℓ_ij ℓ_ik)` (base lengths),
//!
//! and these arcs add up around a vertex to a length `H_i` that flips do not change (Ptolemy's
//! relation is exactly the additivity of the arcs at `c` and `d`). So every half-edge carries
//! its position on the horocycle of its tail, measured counter-clockwise from a fixed edge (the
//! boundary edge at a boundary vertex): the exact analogue, for decorated ideal triangulations,
//! of the signposts of Sharp, Soliman, Crane 2019 (*Navigating intrinsic triangulations*, ACM TOG
//! 38(4)), whose angles a flip does not change either. An input edge leaves its tail at its own
//! position; [`trace`] follows it across the intrinsic faces (a straight line in every face, in
//! the projective model of each) and so builds the common subdivision of the two
//! triangulations, the combinatorics that Gillespie–Springborn–Crane 2021 hold in normal
//! coordinates, together with the points where the edges cross. Floating-point positions, where
//! normal coordinates are integers: a trace that does not close up is reported
//! ([`trace::TraceError`]), never guessed.

pub mod trace;

use super::topology::Edges;
use std::sync::Arc;

/// No twin: a boundary half-edge; no origin: an edge that is not an input edge.
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
    /// [`Intrinsic::check`]: the horocyclic arcs about a vertex no longer add up to its
    /// horocycle's length.
    #[error("the horocyclic arcs about vertex {vertex} add up to {sum}, not {total}")]
    Horocycle { vertex: usize, sum: f64, total: f64 },
}

/// The metric a triangulation carries: what a flip gives the new edge, and what the position of
/// a half-edge at its tail measures. Fixed when the triangulation is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Decorated ideal hyperbolic (Penner coordinates): Ptolemy flips, horocyclic positions
    /// ([`Intrinsic::new`]).
    Penner,
    /// Piecewise flat: flips by laying the two triangles out in the plane, angular positions
    /// ([`Intrinsic::euclidean`]).
    Euclidean,
}

/// What the input mesh contributes to every intrinsic triangulation of it (shared, not copied,
/// by the triangulations reached by flips).
#[derive(Debug)]
pub(crate) struct InputTriangulation {
    pub(crate) metric: Metric,
    /// The input's faces (half-edge `3f + k` from `faces[f][k]` to `faces[f][(k + 1) % 3]`).
    pub(crate) faces: Vec<[usize; 3]>,
    pub(crate) twin: Vec<usize>,
    /// Per input half-edge, its horocyclic position at its tail.
    pub(crate) horo: Vec<f64>,
    /// Per vertex, the length `H_i` of its horocycle (inside the surface).
    pub(crate) total: Vec<f64>,
    /// Per vertex, whether it is interior (its horocyclic positions are taken modulo `H_i`).
    pub(crate) interior: Vec<bool>,
}

/// A Δ-complex triangulation of a fixed vertex set with base log-lengths on its edges and the
/// horocyclic position of every half-edge (see the module docs). Half-edge `h = 3f + k` runs from
/// `faces[f][k]` to `faces[f][(k + 1) % 3]` (faces keep their counter-clockwise orientation
/// through flips).
#[derive(Clone, Debug)]
pub struct Intrinsic {
    pub faces: Vec<[usize; 3]>,
    twin: Vec<usize>,
    lambda: Vec<f64>,
    /// Horocyclic position of each half-edge at its tail, in `[0, H)`.
    horo: Vec<f64>,
    /// The input half-edge a half-edge runs along (it was never flipped), or [`NONE`].
    origin: Vec<usize>,
    input: Arc<InputTriangulation>,
}

/// The part of an [`Intrinsic`] triangulation that flips change (see
/// [`Intrinsic::connectivity`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Connectivity {
    faces: Vec<[usize; 3]>,
    twin: Vec<usize>,
    lambda: Vec<f64>,
    horo: Vec<f64>,
    origin: Vec<usize>,
}

/// `exp((λ_opp − λ_1 − λ_2)/2)`: the horocyclic arc `ℓ_opp / (ℓ_1 ℓ_2)` at a corner from the
/// base log-lengths of its opposite and adjacent edges.
#[inline]
fn arc(opp: f64, l1: f64, l2: f64) -> f64 {
    (0.5 * (opp - l1 - l2)).exp()
}

/// The Euclidean angle between the sides of base log-lengths `l1`, `l2` opposite the side `opp`
/// (law of cosines, `cos = (ℓ_1² + ℓ_2² − ℓ_opp²)/(2 ℓ_1 ℓ_2)`, clamped to `[0, π]`).
#[inline]
fn angle(opp: f64, l1: f64, l2: f64) -> f64 {
    let c = ((l1 - l2) / 2.0).exp() + ((l2 - l1) / 2.0).exp() - (opp - (l1 + l2) / 2.0).exp();
    (0.5 * c).clamp(-1.0, 1.0).acos()
}

/// The Euclidean length `ℓ_cd` of the other diagonal of the quadrilateral `acbd` made of the
/// triangles `abc` and `bad` (lengths `ab`, `bc`, `ca`, `ad`, `db`), laid out in the plane with
/// `a` at the origin, `b` on the positive x axis, `c` above it and `d` below.
fn euclidean_diagonal(ab: f64, bc: f64, ca: f64, ad: f64, db: f64) -> f64 {
    // The foot of x on the line ab (distance s from a, t from b) and its height over it.
    let place = |s: f64, t: f64| {
        let x = (ab * ab + s * s - t * t) / (2.0 * ab);
        (x, ((s - x) * (s + x)).max(0.0).sqrt())
    };
    let (xc, yc) = place(ca, bc);
    let (xd, yd) = place(ad, db);
    (xc - xd).hypot(yc + yd)
}

impl Intrinsic {
    /// The mesh's own triangulation (`faces`, its `edges`) with per-face edge lengths
    /// (`lengths[f][k]` opposite corner `k`), as Penner coordinates (Ptolemy flips). Fails if two
    /// faces traverse an edge in the same direction (the mesh is not consistently oriented).
    pub fn new(
        faces: &[[usize; 3]],
        edges: &Edges,
        lengths: &[[f64; 3]],
    ) -> Result<Intrinsic, IntrinsicError> {
        Intrinsic::with_metric(faces, edges, lengths, Metric::Penner)
    }

    /// [`Intrinsic::new`] with the piecewise flat metric of the lengths (Euclidean flips; see
    /// the module docs): [`Intrinsic::flip_to_delaunay`] with `u = 0` then gives the intrinsic
    /// Delaunay triangulation of the polyhedral surface.
    pub fn euclidean(
        faces: &[[usize; 3]],
        edges: &Edges,
        lengths: &[[f64; 3]],
    ) -> Result<Intrinsic, IntrinsicError> {
        Intrinsic::with_metric(faces, edges, lengths, Metric::Euclidean)
    }

    fn with_metric(
        faces: &[[usize; 3]],
        edges: &Edges,
        lengths: &[[f64; 3]],
        metric: Metric,
    ) -> Result<Intrinsic, IntrinsicError> {
        let mut twin = vec![NONE; 3 * faces.len()];
        let mut lambda = vec![0.0; 3 * faces.len()];
        let n = faces.iter().flatten().max().map_or(0, |&m| m + 1);
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
        let mut t = Intrinsic {
            faces: faces.to_vec(),
            twin,
            lambda,
            horo: vec![0.0; 3 * faces.len()],
            origin: (0..3 * faces.len()).collect(),
            input: Arc::new(InputTriangulation {
                metric,
                faces: Vec::new(),
                twin: Vec::new(),
                horo: Vec::new(),
                total: vec![0.0; n],
                interior: vec![false; n],
            }),
        };
        let (horo, total, interior) = t.horocycles(n);
        t.horo = horo.clone();
        t.input = Arc::new(InputTriangulation {
            metric,
            faces: faces.to_vec(),
            twin: t.twin.clone(),
            horo,
            total,
            interior,
        });
        Ok(t)
    }

    /// Horocyclic positions of every half-edge (counter-clockwise about its tail from the
    /// boundary half-edge leaving a boundary vertex, or from an arbitrary one), the horocycles'
    /// lengths and which vertices are interior.
    fn horocycles(&self, n: usize) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
        let first = self.first_out(n);
        let mut horo = vec![0.0; self.twin.len()];
        let mut total = vec![0.0; n];
        let mut interior = vec![false; n];
        for v in 0..n {
            let start = first[v];
            if start == NONE {
                continue;
            }
            interior[v] = self.twin[start] != NONE;
            let mut h = start;
            let mut pos = 0.0;
            loop {
                horo[h] = pos;
                pos += self.corner_arc(h);
                let next = self.twin[prev(h)];
                if next == NONE || next == start {
                    break;
                }
                h = next;
            }
            total[v] = pos;
        }
        (horo, total, interior)
    }

    /// Per vertex, an outgoing half-edge: the boundary one of a boundary vertex (the first
    /// counter-clockwise), any of an interior one; [`NONE`] for a vertex no face uses.
    pub(crate) fn first_out(&self, n: usize) -> Vec<usize> {
        let mut first = vec![NONE; n];
        for h in 0..self.twin.len() {
            let a = self.tail(h);
            if self.twin[h] == NONE || first[a] == NONE {
                first[a] = h;
            }
        }
        first
    }

    /// The horocyclic arc (base decoration) of the corner at the tail of half-edge `h`, or its
    /// angle for a [`Metric::Euclidean`] triangulation: the step of the positions about a vertex.
    pub(crate) fn corner_arc(&self, h: usize) -> f64 {
        self.corner_measure(self.lambda[next(h)], self.lambda[h], self.lambda[prev(h)])
    }

    /// The arc ([`Metric::Penner`]) or angle ([`Metric::Euclidean`]) of a corner from the base
    /// log-lengths of its opposite and adjacent edges.
    fn corner_measure(&self, opp: f64, l1: f64, l2: f64) -> f64 {
        match self.input.metric {
            Metric::Penner => arc(opp, l1, l2),
            Metric::Euclidean => angle(opp, l1, l2),
        }
    }

    /// The metric the triangulation carries.
    pub fn metric(&self) -> Metric {
        self.input.metric
    }

    /// The vertex half-edge `h` leaves.
    #[inline]
    pub fn tail(&self, h: usize) -> usize {
        self.faces[h / 3][h % 3]
    }

    /// The vertex half-edge `h` enters.
    #[inline]
    pub fn head(&self, h: usize) -> usize {
        self.faces[h / 3][(h + 1) % 3]
    }

    /// The twin of half-edge `h`, if its edge is interior.
    #[inline]
    pub fn twin(&self, h: usize) -> Option<usize> {
        let t = self.twin[h];
        (t != NONE).then_some(t)
    }

    /// The base log-length `λ` of half-edge `h`'s edge.
    #[inline]
    pub fn base_log_length(&self, h: usize) -> f64 {
        self.lambda[h]
    }

    /// The face across the edge opposite corner `k` of face `f`, if it is interior.
    pub fn neighbour(&self, f: usize, k: usize) -> Option<usize> {
        let t = self.twin[3 * f + (k + 1) % 3];
        (t != NONE).then_some(t / 3)
    }

    /// Per face, the current lengths `ℓ̃ = e^{λ̃/2}` (`[f][k]` opposite corner `k`).
    pub fn lengths(&self, u: &[f64]) -> Vec<[f64; 3]> {
        use rayon::prelude::*;
        self.faces
            .par_iter()
            .with_min_len(4096)
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

    /// The edges: endpoints `[a, b]` of each (`a = b` for a self-loop; two edges may have the
    /// same endpoints), and per face the edge opposite each corner.
    pub fn edges(&self) -> (Vec<[usize; 2]>, Vec<[usize; 3]>) {
        let mut id = vec![NONE; self.twin.len()];
        let mut ends = Vec::with_capacity(self.twin.len() / 2 + 1);
        for h in 0..self.twin.len() {
            let t = self.twin[h];
            if t != NONE && t < h {
                id[h] = id[t];
                continue;
            }
            id[h] = ends.len();
            ends.push([self.tail(h), self.head(h)]);
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

    /// Whether every edge is still an input edge (no flip has happened, or every flip was
    /// undone).
    pub fn is_input(&self) -> bool {
        self.origin.iter().all(|&o| o != NONE)
    }

    /// The input half-edge `h` runs along, if its edge is an input edge never flipped.
    pub fn origin(&self, h: usize) -> Option<usize> {
        let o = self.origin[h];
        (o != NONE).then_some(o)
    }

    /// Current log-length of half-edge `h`.
    fn current(&self, h: usize, u: &[f64]) -> f64 {
        self.lambda[h] + u[self.tail(h)] + u[self.head(h)]
    }

    /// `(ℓ_bc² + ℓ_ca² − ℓ_ab²)/(ℓ_bc ℓ_ca)` for the face of half-edge `h = ab`, from current
    /// log-lengths (`2 cos` of the angle at `c` when the triangle is Euclidean).
    fn cosine_term(&self, h: usize, u: &[f64]) -> f64 {
        let (ab, bc, ca) = (
            self.current(h, u),
            self.current(next(h), u),
            self.current(prev(h), u),
        );
        ((bc - ca) / 2.0).exp() + ((ca - bc) / 2.0).exp() - (ab - (bc + ca) / 2.0).exp()
    }

    /// Whether the interior edge of half-edge `h` is Delaunay for the scale factors `u` (to a
    /// relative `1e-12`, so that cocircular quadrilaterals are not flipped back and forth).
    pub fn is_delaunay(&self, h: usize, u: &[f64]) -> bool {
        let t = self.twin[h];
        t == NONE || self.cosine_term(h, u) + self.cosine_term(t, u) >= -1e-12
    }

    /// Flip edges until every edge is Delaunay for `u` (every interior edge between two
    /// different faces can be flipped; see [`Intrinsic::blocked`] for what is left). Returns
    /// the number of flips, or an error if the flips do not end (which the theory rules out up
    /// to rounding).
    ///
    /// # Panics
    /// For a [`Metric::Euclidean`] triangulation and a non-zero `u` (Euclidean flips do not
    /// commute with vertex scaling).
    pub fn flip_to_delaunay(&mut self, u: &[f64]) -> Result<usize, IntrinsicError> {
        assert!(
            self.input.metric == Metric::Penner || u.iter().all(|&x| x == 0.0),
            "Euclidean flips are for the base metric (u = 0)"
        );
        self.flip_edges_to_delaunay(u, None)
    }

    /// Whether face `f` has a corner at `pole`.
    pub fn touches(&self, f: usize, pole: usize) -> bool {
        self.faces[f].contains(&pole)
    }

    /// The angle of the corner at the tail of half-edge `h` for the scale factors `u` (its
    /// triangle assumed Euclidean; clamped to `[0, π]`).
    pub fn corner_angle(&self, h: usize, u: &[f64]) -> f64 {
        let (a, b, opp) = (
            (0.5 * self.current(h, u)).exp(),
            (0.5 * self.current(prev(h), u)).exp(),
            (0.5 * self.current(next(h), u)).exp(),
        );
        ((a * a + b * b - opp * opp) / (2.0 * a * b))
            .clamp(-1.0, 1.0)
            .acos()
    }

    /// [`Intrinsic::flip_to_delaunay`] for a sphere punctured at the vertex `pole`, the point
    /// at infinity of the plane its other vertices are laid out in (the stereographic picture).
    /// In the plane's decoration every edge from the pole has one length `L`, which goes to
    /// infinity: the faces at the pole are isosceles with apex angle 0, not part of the metric.
    /// Their Delaunay rules in that limit: an edge `pole–a` is always Delaunay (base angles
    /// `π/2`); an edge `a–b` of the pole's link, between the face at the pole and the finite
    /// face `abc`, is Delaunay while the angle at `c` is below `π`: when `abc` degenerates
    /// (`ℓ_ac + ℓ_cb ≤ ℓ_ab`) it flips to `pole–c` (by Ptolemy `ℓ_pole,c = L` at that moment, so
    /// `c` joins the link as its other vertices are: the link grows, it never shrinks). Finite
    /// edges flip by the usual rule.
    ///
    /// # Panics
    /// For a [`Metric::Euclidean`] triangulation (the limit is one of Penner coordinates).
    pub fn flip_to_delaunay_punctured(
        &mut self,
        u: &[f64],
        pole: usize,
    ) -> Result<usize, IntrinsicError> {
        assert_eq!(
            self.input.metric,
            Metric::Penner,
            "a punctured sphere is Penner's"
        );
        let mut flips = 0;
        loop {
            flips += self.flip_finite_to_delaunay(u, pole)?;
            let mut changed = false;
            for h in 0..self.twin.len() {
                let Some(t) = self.twin(h) else {
                    continue;
                };
                // h in the finite face abc, its twin in a face at the pole.
                if self.touches(h / 3, pole) || !self.touches(t / 3, pole) || !self.flippable(h) {
                    continue;
                }
                let (ab, bc, ca) = (
                    self.current(h, u),
                    self.current(next(h), u),
                    self.current(prev(h), u),
                );
                // ℓ_bc + ℓ_ca ≤ ℓ_ab, in log-lengths.
                let m = bc.max(ca);
                let sum = m + 2.0 * (((bc - m) / 2.0).exp() + ((ca - m) / 2.0).exp()).ln();
                if sum <= ab {
                    self.flip(h);
                    flips += 1;
                    changed = true;
                }
            }
            if !changed {
                return Ok(flips);
            }
        }
    }

    /// The Delaunay flips of [`Intrinsic::flip_to_delaunay`] restricted to edges between two
    /// faces that do not touch `pole`.
    fn flip_finite_to_delaunay(&mut self, u: &[f64], pole: usize) -> Result<usize, IntrinsicError> {
        self.flip_edges_to_delaunay(u, Some(pole))
    }

    /// Flip non-Delaunay edges (those between two faces that do not touch `pole`, if given)
    /// until none is left.
    fn flip_edges_to_delaunay(
        &mut self,
        u: &[f64],
        pole: Option<usize>,
    ) -> Result<usize, IntrinsicError> {
        self.flip_while(|tri, h| {
            let t = tri.twin[h];
            !pole.is_some_and(|p| tri.touches(h / 3, p) || tri.touches(t / 3, p))
                && !tri.is_delaunay(h, u)
        })
    }

    /// Flip every flippable interior edge for which `flip(self, h)` holds (asked of the
    /// lower-indexed half-edge of each edge), from a stack until none is left; the four outer
    /// edges of each flipped quadrilateral are queued again. Gives up after
    /// `MAX_FLIPS_PER_EDGE` flips per half-edge.
    pub fn flip_while(
        &mut self,
        flip: impl Fn(&Intrinsic, usize) -> bool,
    ) -> Result<usize, IntrinsicError> {
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
            if t == NONE || !self.flippable(h) || !flip(self, h) {
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

    /// The edges that are not Delaunay for `u` but were left: boundary edges whose opposite
    /// angle exceeds π/2 (they cannot be flipped, and need not be: a boundary edge's triangle
    /// is still Euclidean), and interior edges with one face on both sides. As `(a, b)` vertex
    /// pairs.
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
            .map(|h| (self.tail(h), self.head(h)))
            .collect()
    }

    /// An interior edge between two different faces (in a Δ-complex, every other interior edge
    /// can be flipped, self-loops and repeated corners included).
    pub fn flippable(&self, h: usize) -> bool {
        let t = self.twin[h];
        t != NONE && h / 3 != t / 3
    }

    /// Flip the edge of half-edge `h = ab` (faces `abc` and `bad`) to `cd` (faces `cad` and
    /// `dbc`, stored in place of the old two); `c = d` (a self-loop) is allowed. The new edge
    /// gets its length by Ptolemy's relation ([`Metric::Penner`]) or by laying the two triangles
    /// out in the plane ([`Metric::Euclidean`]). The new half-edges get their positions from the
    /// new corners: at `c`, `pos(c→d) = pos(c→a) + ℓ_ad/(ℓ_ca ℓ_cd)`, at `d`,
    /// `pos(d→c) = pos(d→b) + ℓ_bc/(ℓ_db ℓ_dc)` (Penner; the corner angles for Euclidean).
    ///
    /// # Panics
    /// If the edge is not [flippable](Intrinsic::flippable) (an internal invariant: callers
    /// check).
    pub fn flip(&mut self, h: usize) {
        assert!(self.flippable(h), "edge {h} cannot be flipped");
        let t = self.twin[h];
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
        let cd = match self.input.metric {
            Metric::Penner => {
                let (x, y) = ((lam(ca) + lam(db)) / 2.0, (lam(bc) + lam(ad)) / 2.0);
                let m = x.max(y);
                2.0 * (m + ((x - m).exp() + (y - m).exp()).ln()) - lam(h)
            }
            Metric::Euclidean => {
                let l = |e: usize| (0.5 * lam(e)).exp();
                2.0 * euclidean_diagonal(l(h), l(bc), l(ca), l(ad), l(db)).ln()
            }
        };
        // New half-edges: f = [c, a, d]: c→a, a→d, d→c; g = [d, b, c]: d→b, b→c, c→d.
        let moved = [(ca, 3 * f), (ad, 3 * f + 1), (db, 3 * g), (bc, 3 * g + 1)];
        let remap = |e: usize| {
            moved
                .iter()
                .find(|(old, _)| *old == e)
                .map_or(e, |&(_, new)| new)
        };
        let old: Vec<(usize, f64, f64, usize)> = moved
            .iter()
            .map(|&(o, _)| (self.twin[o], self.lambda[o], self.horo[o], self.origin[o]))
            .collect();
        self.faces[f] = [c, a, d];
        self.faces[g] = [d, b, c];
        for (i, &(_, new)) in moved.iter().enumerate() {
            let (tw, lambda, horo, origin) = old[i];
            self.lambda[new] = lambda;
            self.horo[new] = horo;
            self.origin[new] = origin;
            let tw = if tw == NONE { NONE } else { remap(tw) };
            self.twin[new] = tw;
            if tw != NONE {
                self.twin[tw] = new;
            }
        }
        let (dc, cd_h) = (3 * f + 2, 3 * g + 2);
        self.lambda[dc] = cd;
        self.lambda[cd_h] = cd;
        self.twin[dc] = cd_h;
        self.twin[cd_h] = dc;
        self.origin[dc] = NONE;
        self.origin[cd_h] = NONE;
        // Arcs: at c in f = [c, a, d] from c→a to c→d; at d in g = [d, b, c] from d→b to d→c.
        let at_c =
            self.horo[3 * f] + self.corner_measure(self.lambda[3 * f + 1], self.lambda[3 * f], cd);
        let at_d =
            self.horo[3 * g] + self.corner_measure(self.lambda[3 * g + 1], self.lambda[3 * g], cd);
        self.horo[cd_h] = self.wrap(c, at_c);
        self.horo[dc] = self.wrap(d, at_d);
    }

    /// A horocyclic position at `v` taken into `[0, H_v)` (interior vertices).
    fn wrap(&self, v: usize, pos: f64) -> f64 {
        let total = self.input.total[v];
        if self.input.interior[v] && pos >= total {
            pos - total
        } else {
            pos
        }
    }

    /// What flips change (faces, twins, lengths, horocyclic positions, origins), for a
    /// checkpoint: with the same input, [`Intrinsic::with_connectivity`] rebuilds this exact
    /// triangulation.
    pub fn connectivity(&self) -> Connectivity {
        Connectivity {
            faces: self.faces.clone(),
            twin: self.twin.clone(),
            lambda: self.lambda.clone(),
            horo: self.horo.clone(),
            origin: self.origin.clone(),
        }
    }

    /// A triangulation of the same input with the connectivity `c` of an earlier one, checked
    /// (twins mutual, horocycles closing up).
    pub fn with_connectivity(&self, c: Connectivity) -> Result<Intrinsic, IntrinsicError> {
        let h = 3 * c.faces.len();
        if [c.twin.len(), c.lambda.len(), c.horo.len(), c.origin.len()] != [h; 4] {
            return Err(IntrinsicError::NotTwins { half_edges: [h, h] });
        }
        let t = Intrinsic {
            faces: c.faces,
            twin: c.twin,
            lambda: c.lambda,
            horo: c.horo,
            origin: c.origin,
            input: self.input.clone(),
        };
        t.check(1e-6)?;
        Ok(t)
    }

    /// The horocyclic position of half-edge `h` at its tail.
    pub fn horocyclic_position(&self, h: usize) -> f64 {
        self.horo[h]
    }

    /// Check the half-edge structure: twins are mutual, join the same two vertices in opposite
    /// directions and carry the same length; about every vertex the horocyclic positions follow
    /// the corners' arcs and close up to the horocycle's length (relative `tol`). For tests.
    pub fn check(&self, tol: f64) -> Result<(), IntrinsicError> {
        for (h, &t) in self.twin.iter().enumerate() {
            if t == NONE {
                continue;
            }
            let (a, b, c, d) = (self.tail(h), self.head(h), self.tail(t), self.head(t));
            if self.twin[t] != h || a != d || b != c || self.lambda[h] != self.lambda[t] {
                return Err(IntrinsicError::NotTwins { half_edges: [h, t] });
            }
        }
        let n = self.input.total.len();
        let first = self.first_out(n);
        for (v, &start) in first.iter().enumerate() {
            if start == NONE {
                continue;
            }
            let total = self.input.total[v];
            let mut h = start;
            let mut sum = 0.0;
            loop {
                sum += self.corner_arc(h);
                let nh = self.twin[prev(h)];
                if nh == NONE || nh == start {
                    break;
                }
                let expect = self.wrap(v, self.horo[start] + sum);
                let diff = (self.horo[nh] - expect).abs();
                if diff > tol * total && (total - diff).abs() > tol * total {
                    return Err(IntrinsicError::Horocycle {
                        vertex: v,
                        sum: self.horo[nh],
                        total: expect,
                    });
                }
                h = nh;
            }
            if (sum - total).abs() > tol * total {
                return Err(IntrinsicError::Horocycle {
                    vertex: v,
                    sum,
                    total,
                });
            }
        }
        Ok(())
    }
}

/// The next half-edge in the same face.
#[inline]
pub(crate) fn next(h: usize) -> usize {
    3 * (h / 3) + (h + 1) % 3
}

/// The previous half-edge in the same face.
#[inline]
pub(crate) fn prev(h: usize) -> usize {
    3 * (h / 3) + (h + 2) % 3
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
        t.check(1e-12).unwrap();
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
        t.check(1e-12).unwrap();
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

    /// The input's horocycles and the cyclic order about every vertex survive any sequence of
    /// flips, those that make self-loops and repeated corners included.
    #[test]
    fn horocycles_close_up_through_every_flip_of_a_delta_complex() {
        let mesh = crate::mesh::shapes::icosphere(1, 1.0);
        let e = edges(&mesh).unwrap();
        let l = crate::geometry::face_edge_lengths(&mesh);
        let mut t = Intrinsic::new(&mesh.faces, &e, &l).unwrap();
        t.check(1e-12).unwrap();
        assert!(t.is_input());
        // Flip every flippable edge in turn, several rounds: the vertex degrees wander, and
        // faces with two corners at one vertex appear.
        let mut repeated = 0;
        for round in 0..5 {
            for h in 0..t.twin.len() {
                let h = (h * 7 + round * 3) % t.twin.len();
                if t.flippable(h) {
                    t.flip(h);
                    t.check(1e-9).unwrap();
                }
            }
            repeated += t
                .faces
                .iter()
                .filter(|f| f[0] == f[1] || f[1] == f[2] || f[2] == f[0])
                .count();
        }
        assert!(repeated > 0, "no repeated corner in five rounds of flips");
        assert!(!t.is_input());
        // And Delaunay flips for any u end, with every triangle Euclidean (Springborn 2020).
        let u: Vec<f64> = (0..mesh.vertices())
            .map(|i| (i as f64 * 1.3).sin() * 2.0)
            .collect();
        t.flip_to_delaunay(&u).unwrap();
        t.check(1e-9).unwrap();
        for l in t.lengths(&u) {
            assert!(
                l[0] < l[1] + l[2] && l[1] < l[2] + l[0] && l[2] < l[0] + l[1],
                "{l:?}"
            );
        }
    }

    /// A vertex of an icosahedron shrunk by e^-4 against the others (`u = −8`): its Delaunay
    /// triangulation has self-loops and faces with two corners at one vertex, which the
    /// triangulations before Δ-complexes refused; the vertex becomes a hub the others hang from.
    #[test]
    fn a_vertex_scaled_far_from_its_neighbours_is_enclosed_by_self_loops() {
        let mesh = crate::mesh::shapes::icosphere(0, 1.0);
        let e = edges(&mesh).unwrap();
        let l = crate::geometry::face_edge_lengths(&mesh);
        for scale in [-8.0] {
            let mut t = Intrinsic::new(&mesh.faces, &e, &l).unwrap();
            let mut u = vec![0.0; mesh.vertices()];
            u[0] = scale;
            assert!(t.flip_to_delaunay(&u).unwrap() > 0);
            t.check(1e-9).unwrap();
            let loops = (0..t.twin.len())
                .filter(|&h| t.tail(h) == t.head(h))
                .count();
            assert!(loops > 0, "no self-loop: {:?}", t.faces);
            assert!(t.blocked(&u).is_empty());
            for l in t.lengths(&u) {
                assert!(
                    l[0] < l[1] + l[2] && l[1] < l[2] + l[0] && l[2] < l[0] + l[1],
                    "{l:?}"
                );
            }
            let corners = t.faces.iter().flatten().filter(|&&v| v == 0).count();
            // Every face has a corner at the hub.
            assert!(t.faces.iter().all(|f| f.contains(&0)), "{:?}", t.faces);
            assert!(corners > t.faces.len());
        }
    }

    /// A Euclidean flip gives the kite's other diagonal its distance in the plane (not the
    /// Ptolemy length), keeps the angle signposts closing up, and flipping back restores `0-2`.
    #[test]
    fn a_euclidean_flip_takes_the_planar_distance() {
        let (mesh, _) = square(true);
        let e = edges(&mesh).unwrap();
        let l = crate::geometry::face_edge_lengths(&mesh);
        let mut t = Intrinsic::euclidean(&mesh.faces, &e, &l).unwrap();
        assert_eq!(t.metric(), Metric::Euclidean);
        let u = [0.0; 4];
        assert_eq!(t.flip_to_delaunay(&u).unwrap(), 1);
        t.check(1e-12).unwrap();
        let h = (0..6).find(|&h| t.twin[h] != NONE).unwrap();
        let (a, b) = (t.tail(h), t.head(h));
        assert_eq!((a.min(b), a.max(b)), (1, 3));
        let l13 = (0.5 * t.base_log_length(h)).exp();
        // |(1, 0) − (0, 1)| = √2.
        assert!((l13 - 2f64.sqrt()).abs() < 1e-15, "{l13}");
        // Angle sums (the signposts' totals) and the area are those of the kite.
        let area: f64 = crate::geometry::face_areas_from_lengths(&t.lengths(&u))
            .iter()
            .sum();
        assert!((area - crate::geometry::total_area(&mesh)).abs() < 1e-15);
        t.flip(h);
        t.check(1e-12).unwrap();
        let h = (0..6).find(|&h| t.twin[h] != NONE).unwrap();
        let l02 = (0.5 * t.base_log_length(h)).exp();
        assert!((l02 - 1.2 * 2f64.sqrt()).abs() < 1e-15, "{l02}");
        assert!(matches!(
            t.overlay(),
            Err(super::trace::TraceError::Euclidean)
        ));
    }

    #[test]
    fn the_delaunay_diagonal_is_kept_and_the_other_flipped() {
        // Across the long diagonal 0-2 the kite's angles at 1 and 3 are 99.5° each (sum > π):
        // it flips to 1-3, whose opposite angles (90° at 0, 71° at 2) sum to less than π.
        let u = [0.0; 4];
        let (_, mut t) = square(true);
        assert_eq!(t.flip_to_delaunay(&u).unwrap(), 1);
        t.check(1e-12).unwrap();
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
