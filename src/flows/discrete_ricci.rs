//! Discrete surface Ricci flow: the metric of a triangle mesh is its edge lengths, changed
//! conformally by vertex scale factors,
//!
//! `ℓ_ij = e^{(u_i + u_j)/2} ℓ⁰_ij`
//!
//! (Springborn, Schröder, Pinkall 2008, *Conformal equivalence of triangle meshes*; Luo 2004
//! writes `e^{u_i + u_j}`, i.e. our `u` is twice his). The curvature `K_i` is the angle defect
//! of the new lengths (`2π − Σθ` inside, `π − Σθ` on the boundary) and the flow
//!
//! `du_i/dt = K̂_i − K_i`
//!
//! drives it to a target `K̂` (`Σ K̂ = 2πχ`). It is the gradient flow of the convex energy
//!
//! `E(u) = Σ_{ijk} (2 f(λ̃_ij, λ̃_jk, λ̃_ki) − (π/2)(λ̃_ij + λ̃_jk + λ̃_ki)) + Σ_i Θ_i u_i`,
//! `f(λ̃) = ½ Σ_k α_k λ̃_k + Σ_k Л(α_k)`, `λ̃ = 2 log ℓ`, `Θ_i = 2π − K̂_i` (`π − K̂_i` on the
//! boundary), `α_k` the angle opposite edge `k` and `Л` the Milnor–Lobachevsky function:
//! `∂E/∂u_i = K_i − K̂_i`, and its Hessian `∂K_i/∂u_j` is `L`, the cotan Laplacian
//! (`L_ij = −½(cot α_ij + cot β_ij)`) of the current lengths (with this convention for `u`;
//! Jin, Kim, Luo, Gu 2008, *Discrete surface Ricci flow*, IEEE TVCG 14). It is positive
//! semi-definite with the constants as kernel while the triangles are Delaunay.
//!
//! # Steps
//! - `method = flow`: linearly implicit steps `(I + dt H) δu = dt (K̂ − K)` on the fixed pattern
//!   of `L` (symbolic analysis once per run).
//! - `method = newton`: `H δu = K̂ − K` with a backtracking line search on `E` (Armijo), which also
//!   backs off steps that would break a triangle inequality: the fast path to the fixed point.
//!
//! Dirichlet vertices keep their `u`; when no vertex is Dirichlet, one vertex is held fixed
//! (`E` is invariant under adding a constant to `u` on a closed or angle-prescribed mesh).
//! Both stop when `max |K − K̂| < tol` over the vertices whose curvature is prescribed.
//!
//! # Edge flips
//! With [`DiscreteRicci::with_flips`] the metric of `u` lives on the triangulation that is
//! Delaunay for it, reached by Ptolemy flips ([`crate::mesh::intrinsic`]; Gillespie, Springborn,
//! Crane 2021): `E`, `K` and `L` are taken there, every `u` has a valid metric, and the flow and
//! Newton pass through what would otherwise be degenerate triangles. Frames then show that
//! triangulation (triangles between the original vertex positions) and measure distortion
//! against the triangles with the same corners in the input.
//!
//! # State and evaluations
//! A step returns the new `u` together with its [evaluation](MetricState) (lengths, angles,
//! curvature, energy, with flips the triangulation), so that the driver's questions about it
//! (energy, convergence, diagnostics, frame) cost nothing more. A state carries only
//! evaluations of its own `u` by the flow that made it; any other state is evaluated afresh.
//!
//! # Layouts and the sphere
//! Flat metrics are laid out in the plane by [`crate::geometry::layout`]: disks with one position
//! per vertex, flat tori periodically with their modulus `τ`. A closed genus-0 mesh is mapped to
//! the round sphere by [`map_to_sphere`] (the submodule `sphere`).

mod sphere;

pub use sphere::{map_to_sphere, SphereError};

pub mod setup;

use super::{Cells, Field, Flow, Frame, StepError};
use crate::geometry;
use crate::geometry::layout::{corner_layout, planar_layout, CornerLayout};
use crate::geometry::lobachevsky::lobachevsky;
use crate::linalg::{ImplicitSystem, SpdError};
use crate::mesh::intrinsic::{Intrinsic, IntrinsicError};
use crate::mesh::topology::{Edges, MeshDefect};
use crate::mesh::TriMesh;
use nalgebra::Vector3;
use rayon::prelude::*;
use sphere::{Puncture, Sphere};
use std::f64::consts::PI;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The vertex scale factors `u` (the metric is `ℓ_ij = e^{(u_i+u_j)/2} ℓ⁰_ij`), and, for a state a
/// step returned, the flow's evaluation of that `u`. The fields are private so that the two
/// cannot disagree: build a state with [`MetricState::new`], read `u` with [`MetricState::u`].
#[derive(Clone)]
pub struct MetricState {
    u: Vec<f64>,
    eval: Option<Arc<Evaluation>>,
}

/// Checkpoints keep `u` only; the evaluation is recomputed.
impl serde::Serialize for MetricState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.u.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for MetricState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<f64>::deserialize(d).map(MetricState::new)
    }
}

impl MetricState {
    /// The state of the scale factors `u`, not evaluated yet.
    pub fn new(u: Vec<f64>) -> MetricState {
        MetricState { u, eval: None }
    }

    /// The scale factors.
    pub fn u(&self) -> &[f64] {
        &self.u
    }

    /// The scale factors, dropping the evaluation.
    pub fn into_u(self) -> Vec<f64> {
        self.u
    }
}

impl std::fmt::Debug for MetricState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricState")
            .field("u", &self.u)
            .field("evaluated", &self.eval.is_some())
            .finish()
    }
}

/// How a step is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Linearly implicit steps of the flow.
    Flow,
    /// Damped Newton iterations on the energy (time is the iteration count) that keep the last
    /// factorization of the Hessian while the curvature error drops at least a hundredfold per
    /// step (or the next such step would reach the tolerance), and refactor otherwise
    /// (Shamanskii's modified Newton: near the fixed point the Hessian, a cotan Laplacian of
    /// nearly the same angles, changes little, and a solve costs a fraction of a factorization).
    Newton,
    /// Damped Newton with a fresh Hessian factorization every step (quadratic convergence).
    ExactNewton,
}

/// Why a discrete Ricci flow cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The mesh is not a valid 2-manifold (its edges cannot be built).
    #[error(transparent)]
    Mesh(#[from] MeshDefect),
    /// The targets of a closed or fully prescribed mesh break discrete Gauss–Bonnet.
    #[error(
        "the target curvatures sum to {total:.12} but Gauss–Bonnet needs 2πχ = {expected:.12} \
         (χ = {chi}); adjust the cone angles or boundary angle sums"
    )]
    GaussBonnet { total: f64, expected: f64, chi: i64 },
    /// The symbolic analysis of the Hessian's pattern failed.
    #[error("solver: {0}")]
    Solver(#[from] SpdError),
    /// The mesh cannot carry an intrinsic triangulation (for edge flips).
    #[error(transparent)]
    Intrinsic(#[from] IntrinsicError),
}

/// A triangle whose lengths break the triangle inequality: `u` has no metric on it.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "triangle {face} (vertices {}, {}, {}) near ({:.4}, {:.4}, {:.4}) would break the triangle \
     inequality: lengths {:.6e}, {:.6e}, {:.6e}; take smaller steps (or method = \"newton\"){}",
    .vertices[0], .vertices[1], .vertices[2], .near[0], .near[1], .near[2],
    .lengths[0], .lengths[1], .lengths[2], blocked_note(.blocked)
)]
pub struct Degenerate {
    /// The face (of the triangulation the metric is taken on).
    pub face: usize,
    /// Its corners.
    pub vertices: [usize; 3],
    /// The centroid of its corners in the input mesh.
    pub near: [f64; 3],
    /// Its lengths, `[k]` opposite corner `k`.
    pub lengths: [f64; 3],
    /// With flips: the edges, as vertex pairs, that are not Delaunay but cannot be flipped
    /// ([`Intrinsic::blocked`]); empty without flips.
    pub blocked: Vec<[usize; 2]>,
}

fn blocked_note(blocked: &[[usize; 2]]) -> String {
    match blocked.first() {
        Some([a, b]) => format!(
            "; even with Delaunay edge flips: {} edge(s) that are not Delaunay cannot be \
             flipped, e.g. {a}-{b} (a boundary edge, or a flip that would join a vertex \
             to itself: a vertex whose scale is tiny against its neighbours')",
            blocked.len()
        ),
        None => String::new(),
    }
}

/// Why `u` has no metric.
#[derive(Clone, Debug, thiserror::Error)]
pub enum MetricError {
    #[error(transparent)]
    Degenerate(#[from] Degenerate),
    /// Delaunay flips that did not end.
    #[error(transparent)]
    Flips(#[from] IntrinsicError),
}

/// Edge endpoints and, per face, the edge opposite each corner.
type EdgeIncidence = (Vec<[usize; 2]>, Vec<[usize; 3]>);

/// Keep a Hessian factorization while a step multiplies the curvature error by at most this.
const REUSE_CONTRACTION: f64 = 0.01;

/// Identifies a [`DiscreteRicci`] (and its configuration) in the evaluations it makes.
static NEXT_FLOW_ID: AtomicU64 = AtomicU64::new(0);

fn next_flow_id() -> u64 {
    NEXT_FLOW_ID.fetch_add(1, Ordering::Relaxed)
}

/// The lengths, corner angles and curvature of one metric (and its energy, once known), on the
/// mesh's faces or, with flips, on its Delaunay triangulation `tri`; for a punctured sphere, the
/// sphere of a metric a step produced.
struct Evaluation {
    /// The [`DiscreteRicci::id`] of the flow that made it.
    flow: u64,
    tri: Option<Intrinsic>,
    lengths: Vec<[f64; 3]>,
    angles: Vec<[f64; 3]>,
    k: Vec<f64>,
    energy: Option<f64>,
    sphere: Option<Sphere>,
}

/// Discrete surface Ricci flow on a mesh; see the module docs.
pub struct DiscreteRicci {
    /// Unique per flow and configuration: a state's evaluation is used only if it has this id.
    id: u64,
    mesh: TriMesh,
    edges: Edges,
    l0: Vec<[f64; 3]>,
    /// Corner angles and areas of the original mesh (for the distortion).
    angles0: Vec<[f64; 3]>,
    areas0: Vec<f64>,
    boundary: Vec<bool>,
    target: Vec<f64>,
    /// Vertices whose `u` does not change (Dirichlet, or the gauge vertex).
    fixed: Vec<bool>,
    /// Vertices whose curvature is prescribed (all but the Dirichlet ones).
    prescribed: Vec<bool>,
    two_pi_chi: f64,
    pairs: Vec<(usize, usize)>,
    system: ImplicitSystem,
    method: Method,
    tol: f64,
    /// Whether the layout in the plane exists (a topological disk with a flat target).
    disk: bool,
    /// A closed genus-1 mesh with a flat target: laid out periodically, with a modulus.
    flat_torus: bool,
    /// For a sphere punctured at a vertex: the original mesh (see [`map_to_sphere`]).
    puncture: Option<Puncture>,
    events: Vec<String>,
    /// The evaluation of the last iterate a step returned (also carried by that state). A step
    /// from a state carrying this very evaluation continues from the last iterate (so Newton
    /// may reuse its factorization); `u` without an evaluation is flipped to Delaunay starting
    /// from its triangulation.
    last: Option<Arc<Evaluation>>,
    /// Whether the system holds a factorization of the Hessian at an earlier iterate that the
    /// next Newton step may reuse.
    reusable: bool,
    /// With edge flips: the mesh's own triangulation, where flipping starts.
    intrinsic: Option<Intrinsic>,
    /// With edge flips: the faces the system was last set up for (`None`: the mesh's).
    system_faces: Option<Vec<[usize; 3]>>,
    /// Whether frames carry the layout (`uv` and the `layout` series).
    layout_frames: bool,
}

/// A metric on a triangulation of the mesh's vertices.
#[derive(Clone, Debug)]
pub struct Metric {
    /// The mesh's faces, or with flips its Delaunay triangulation for the metric.
    pub faces: Vec<[usize; 3]>,
    /// Edge lengths, `[f][k]` opposite corner `k`.
    pub lengths: Vec<[f64; 3]>,
    /// Angle-defect curvature per vertex.
    pub k: Vec<f64>,
}

impl DiscreteRicci {
    /// Set up on `mesh` with the target curvature `target` (per vertex) and the Dirichlet mask
    /// `dirichlet`. Fails if the targets of a closed or fully prescribed mesh do not sum to
    /// `2πχ`, if the mesh is not a manifold, or if the symbolic analysis fails.
    pub fn new(
        mesh: TriMesh,
        target: Vec<f64>,
        dirichlet: Vec<bool>,
        method: Method,
        tol: f64,
    ) -> Result<DiscreteRicci, SetupError> {
        let n = mesh.vertices();
        let edges = crate::mesh::topology::edges(&mesh)?;
        let euler = crate::mesh::topology::euler_characteristic(&mesh, &edges);
        let chi = euler as f64;
        let two_pi_chi = 2.0 * PI * chi;
        let boundary = geometry::vertex_boundary_mask(&mesh.faces, n);
        let prescribed: Vec<bool> = dirichlet.iter().map(|d| !d).collect();
        let mut fixed = dirichlet.clone();
        if !dirichlet.iter().any(|&d| d) {
            let total: f64 = target.iter().sum();
            if (total - two_pi_chi).abs() > 1e-9 * (1.0 + two_pi_chi.abs()) {
                return Err(SetupError::GaussBonnet {
                    total,
                    expected: two_pi_chi,
                    chi: euler,
                });
            }
            fixed[0] = true;
        }
        let pairs = geometry::edge_laplacian_pattern(n, &edges.vertices);
        let system = ImplicitSystem::with_points(n, &pairs, &fixed, &mesh.positions)?;
        let l0 = geometry::face_edge_lengths(&mesh);
        let angles0 = geometry::corner_angles_from_lengths(&l0);
        let areas0 = geometry::face_areas_from_lengths(&l0);
        let genus_zero_disk = chi == 1.0 && boundary.iter().any(|&b| b);
        let flat_inside = target
            .iter()
            .zip(&boundary)
            .all(|(k, &b)| b || k.abs() < 1e-15);
        let closed = !boundary.iter().any(|&b| b);
        Ok(DiscreteRicci {
            id: next_flow_id(),
            disk: genus_zero_disk && flat_inside,
            flat_torus: closed && chi == 0.0 && flat_inside,
            puncture: None,
            events: Vec::new(),
            last: None,
            reusable: false,
            intrinsic: None,
            system_faces: None,
            layout_frames: true,
            mesh,
            edges,
            l0,
            angles0,
            areas0,
            boundary,
            target,
            fixed,
            prescribed,
            two_pi_chi,
            pairs,
            system,
            method,
            tol,
        })
    }

    pub fn mesh(&self) -> &TriMesh {
        &self.mesh
    }

    /// Take the metric of `u` on its Delaunay triangulation, reached by Ptolemy edge flips (see
    /// the module docs). Fails if the mesh is not consistently oriented. Evaluations made before
    /// are not used after.
    pub fn with_flips(mut self) -> Result<DiscreteRicci, SetupError> {
        self.intrinsic = Some(Intrinsic::new(&self.mesh.faces, &self.edges, &self.l0)?);
        self.id = next_flow_id();
        self.last = None;
        Ok(self)
    }

    /// Whether frames carry the layout of disks and tori (the `uv` point vector and the
    /// `layout` series; on by default). The sphere of a genus-0 mesh is written regardless.
    pub fn with_layout(mut self, layout: bool) -> DiscreteRicci {
        self.layout_frames = layout;
        self
    }

    /// Whether `u` gives a valid metric (with flips: always, up to rounding); else the triangle
    /// that breaks the triangle inequality.
    pub fn check_metric(&self, u: &[f64]) -> Result<(), MetricError> {
        self.evaluate(u).map(|_| ())
    }

    /// The metric of `u` on the triangulation it is taken on (see [`Metric`]).
    pub fn metric(&self, u: &[f64]) -> Result<Metric, MetricError> {
        let e = self.evaluate(u)?;
        Ok(Metric {
            faces: self.faces(&e).to_vec(),
            lengths: e.lengths.clone(),
            k: e.k.clone(),
        })
    }

    /// The layout in the plane of the metric of `u` on its triangulation (disks only).
    pub fn layout_of_metric(&self, u: &[f64]) -> Result<Vec<[f64; 3]>, MetricError> {
        let e = self.evaluate(u)?;
        Ok(self.layout_of(&e))
    }

    /// The edge lengths of the metric `u` on the mesh's own faces (no flips), or the first
    /// triangle that breaks the triangle inequality.
    pub fn lengths(&self, u: &[f64]) -> Result<Vec<[f64; 3]>, Degenerate> {
        let lengths: Vec<[f64; 3]> = self
            .mesh
            .faces
            .par_iter()
            .zip(&self.l0)
            .map(|(f, l0)| {
                std::array::from_fn(|k| {
                    l0[k] * (0.5 * (u[f[(k + 1) % 3]] + u[f[(k + 2) % 3]])).exp()
                })
            })
            .collect();
        match first_degenerate(&lengths) {
            Some(face) => Err(self.degenerate(face, &self.mesh.faces, &lengths, Vec::new())),
            None => Ok(lengths),
        }
    }

    /// The evaluation of a state: the one it carries if this flow made it, else afresh.
    fn evaluation(&self, s: &MetricState) -> Result<Arc<Evaluation>, MetricError> {
        match &s.eval {
            Some(e) if e.flow == self.id => Ok(e.clone()),
            _ => self.evaluate(&s.u),
        }
    }

    /// Evaluate `u` afresh; with flips, flipping to Delaunay from the triangulation of the last
    /// iterate (or the mesh's).
    fn evaluate(&self, u: &[f64]) -> Result<Arc<Evaluation>, MetricError> {
        let start = self.last.as_ref().and_then(|e| e.tri.as_ref());
        Ok(Arc::new(self.eval_at(u, start)?))
    }

    /// Whether `s` is the last iterate a step returned (with the evaluation made then).
    fn is_last(&self, s: &MetricState) -> bool {
        match (&s.eval, &self.last) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Evaluate `u` afresh; with flips, flipping to Delaunay from `start` (or the mesh).
    fn eval_at(&self, u: &[f64], start: Option<&Intrinsic>) -> Result<Evaluation, MetricError> {
        let Some(base) = &self.intrinsic else {
            return Ok(self.eval_from(self.lengths(u)?, None));
        };
        let mut tri = start.unwrap_or(base).clone();
        tri.flip_to_delaunay(u)?;
        let lengths = tri.lengths(u);
        if let Some(face) = first_degenerate(&lengths) {
            let blocked = tri.blocked(u).into_iter().map(|(a, b)| [a, b]).collect();
            return Err(self.degenerate(face, &tri.faces, &lengths, blocked).into());
        }
        Ok(self.eval_from(lengths, Some(tri)))
    }

    /// The faces an evaluation lives on.
    fn faces<'a>(&'a self, e: &'a Evaluation) -> &'a [[usize; 3]] {
        e.tri.as_ref().map_or(&self.mesh.faces, |t| &t.faces)
    }

    fn eval_from(&self, lengths: Vec<[f64; 3]>, tri: Option<Intrinsic>) -> Evaluation {
        let angles = geometry::corner_angles_from_lengths(&lengths);
        let k = geometry::vertex_angle_defects_from_angles(
            tri.as_ref().map_or(&self.mesh.faces, |t| &t.faces),
            self.mesh.vertices(),
            &angles,
            &self.boundary,
        );
        Evaluation {
            flow: self.id,
            tri,
            lengths,
            angles,
            k,
            energy: None,
            sphere: None,
        }
    }

    /// The angle-defect curvature of the lengths.
    pub fn curvature_of(&self, lengths: &[[f64; 3]]) -> Vec<f64> {
        geometry::vertex_angle_defects_from_lengths(
            &self.mesh.faces,
            self.mesh.vertices(),
            lengths,
            &self.boundary,
        )
    }

    /// `max |K − K̂|` over the vertices with prescribed curvature.
    pub fn curvature_error(&self, k: &[f64]) -> f64 {
        k.iter()
            .zip(&self.target)
            .zip(&self.prescribed)
            .filter(|(_, &p)| p)
            .map(|((k, t), _)| (k - t).abs())
            .fold(0.0, f64::max)
    }

    /// The entries of the Hessian `L` of `E` (`∂K_i/∂u_j`) for the lengths (on the mesh's
    /// faces), in the order of [`DiscreteRicci::hessian_pairs`]: the diagonal, then one entry
    /// per edge ([`geometry::edge_laplacian_entries`]).
    pub fn hessian(&self, lengths: &[[f64; 3]]) -> Vec<f64> {
        geometry::edge_laplacian_entries(
            self.mesh.vertices(),
            &self.edges.vertices,
            &self.edges.face_edges,
            &geometry::corner_cotans_from_lengths(lengths),
        )
    }

    /// The `(row, col)` pairs of [`DiscreteRicci::hessian`].
    pub fn hessian_pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// The edges of a flipped triangulation (`None`: the mesh's own, `self.edges`): endpoints,
    /// and per face the edge opposite each corner.
    fn flipped_edges(&self, e: &Evaluation) -> Option<EdgeIncidence> {
        e.tri
            .as_ref()
            .filter(|t| !t.same_faces(&self.mesh.faces))
            .map(|t| t.edges())
    }

    /// [`DiscreteRicci::hessian`] of an evaluation, on its triangulation.
    fn hessian_of(&self, e: &Evaluation) -> Vec<f64> {
        match self.flipped_edges(e) {
            Some((ends, face_edges)) => geometry::edge_laplacian_entries(
                self.mesh.vertices(),
                &ends,
                &face_edges,
                &geometry::corner_cotans_from_lengths(&e.lengths),
            ),
            None => self.hessian(&e.lengths),
        }
    }

    /// With flips: set the linear system up again (a new symbolic analysis) when the
    /// triangulation of `e` is not the one it was set up for.
    fn prepare_system(&mut self, e: &Evaluation) -> Result<(), StepError> {
        let Some(tri) = &e.tri else {
            return Ok(());
        };
        let current = self.system_faces.as_ref().unwrap_or(&self.mesh.faces);
        if tri.same_faces(current) {
            return Ok(());
        }
        let pairs = match self.flipped_edges(e) {
            Some((ends, _)) => geometry::edge_laplacian_pattern(self.mesh.vertices(), &ends),
            None => self.pairs.clone(),
        };
        self.system = ImplicitSystem::with_points(
            self.mesh.vertices(),
            &pairs,
            &self.fixed,
            &self.mesh.positions,
        )?;
        self.system_faces = Some(tri.faces.clone());
        self.reusable = false;
        Ok(())
    }

    /// The energy `E(u)` (`+∞` when a triangle inequality fails).
    pub fn energy_of(&self, u: &[f64]) -> f64 {
        match self.evaluate(u) {
            Ok(e) => self.energy_with(u, &e.lengths, &e.angles),
            Err(_) => f64::INFINITY,
        }
    }

    /// `E(u)` from the lengths of `u` and their corner angles.
    fn energy_with(&self, u: &[f64], lengths: &[[f64; 3]], angles: &[[f64; 3]]) -> f64 {
        // Per-face terms in parallel, summed in order: the same u gives the same E bit for bit
        // (the line search and finite differences compare nearby energies of size ~1e4).
        let terms: Vec<f64> = lengths
            .par_iter()
            .zip(angles)
            .with_min_len(4096)
            .map(|(l, a)| {
                let lam = l.map(|x| 2.0 * x.ln());
                let f: f64 = (0..3)
                    .map(|k| 0.5 * a[k] * lam[k] + lobachevsky(a[k]))
                    .sum();
                2.0 * f - 0.5 * PI * (lam[0] + lam[1] + lam[2])
            })
            .collect();
        // Neumaier's compensated sum: deterministic and accurate to a few ulps of E.
        let (mut faces, mut carry) = (0.0f64, 0.0f64);
        for &t in &terms {
            let sum = faces + t;
            carry += if faces.abs() >= t.abs() {
                (faces - sum) + t
            } else {
                (t - sum) + faces
            };
            faces = sum;
        }
        let faces = faces + carry;
        let linear: f64 = u
            .iter()
            .zip(&self.target)
            .zip(&self.boundary)
            .map(|((u, k), &b)| (if b { PI } else { 2.0 * PI } - k) * u)
            .sum();
        faces + linear
    }

    /// The energy of an evaluation of `u`: known from the line search, else computed.
    fn energy_of_evaluation(&self, u: &[f64], e: &Evaluation) -> f64 {
        e.energy
            .unwrap_or_else(|| self.energy_with(u, &e.lengths, &e.angles))
    }

    /// Lay the metric out in the plane (a disk; [`geometry::planar_layout`] on the mesh's
    /// faces). Positions per vertex (z = 0).
    pub fn layout(&self, lengths: &[[f64; 3]]) -> Vec<[f64; 3]> {
        planar_layout(
            self.mesh.vertices(),
            &self.mesh.faces,
            |f, k| self.edges.neighbour(f, k),
            lengths,
        )
    }

    /// [`DiscreteRicci::layout`] of an evaluation, on its triangulation.
    fn layout_of(&self, e: &Evaluation) -> Vec<[f64; 3]> {
        match &e.tri {
            Some(t) => planar_layout(
                self.mesh.vertices(),
                &t.faces,
                |f, k| t.neighbour(f, k),
                &e.lengths,
            ),
            None => self.layout(&e.lengths),
        }
    }

    /// The periodic layout of the metric ([`geometry::corner_layout`] on the mesh's faces): three
    /// positions per face and the translations of the edges cut open; for a flat torus, its
    /// modulus is [`geometry::torus_modulus`] of the translations.
    pub fn corner_layout(&self, lengths: &[[f64; 3]]) -> CornerLayout {
        corner_layout(&self.mesh.faces, |f, k| self.edges.neighbour(f, k), lengths)
    }

    /// [`DiscreteRicci::corner_layout`] of an evaluation, on its triangulation.
    fn corner_layout_of(&self, e: &Evaluation) -> CornerLayout {
        match &e.tri {
            Some(t) => corner_layout(&t.faces, |f, k| t.neighbour(f, k), &e.lengths),
            None => self.corner_layout(&e.lengths),
        }
    }

    /// Per-face angle distortion `max_k |θ_k − θ⁰_k|` (radians) and area distortion
    /// `log(A/A⁰)` of the metric against the original mesh.
    pub fn distortion(&self, lengths: &[[f64; 3]]) -> (Vec<f64>, Vec<f64>) {
        distortion_against(&self.angles0, &self.areas0, lengths)
    }

    /// [`DiscreteRicci::distortion`] of an evaluation; on a flipped triangulation against the
    /// triangles with the same corners in the input (chords of the mesh).
    fn distortion_of(&self, e: &Evaluation) -> (Vec<f64>, Vec<f64>) {
        match &e.tri {
            Some(t) if !t.same_faces(&self.mesh.faces) => {
                let p = &self.mesh.positions;
                let chords: Vec<[f64; 3]> = t
                    .faces
                    .iter()
                    .map(|f| {
                        std::array::from_fn(|k| {
                            (Vector3::from(p[f[(k + 1) % 3]]) - Vector3::from(p[f[(k + 2) % 3]]))
                                .norm()
                        })
                    })
                    .collect();
                distortion_against(
                    &geometry::corner_angles_from_lengths(&chords),
                    &geometry::face_areas_from_lengths(&chords),
                    &e.lengths,
                )
            }
            _ => self.distortion(&e.lengths),
        }
    }

    /// Face `face` of `faces` with `lengths` as a [`Degenerate`] error.
    fn degenerate(
        &self,
        face: usize,
        faces: &[[usize; 3]],
        lengths: &[[f64; 3]],
        blocked: Vec<[usize; 2]>,
    ) -> Degenerate {
        let f = faces[face];
        let [a, b, c] = f.map(|v| Vector3::from(self.mesh.positions[v]));
        let near = ((a + b + c) * (1.0 / 3.0)).into();
        Degenerate {
            face,
            vertices: f,
            near,
            lengths: lengths[face],
            blocked,
        }
    }

    /// Keep the evaluation of a new iterate (reached at time `t`) and return it; for a punctured
    /// sphere, map it to the sphere; on reaching the tolerance, report the layout's distortion
    /// and the modulus of a flat torus as events.
    fn accept(&mut self, mut eval: Evaluation, t: f64) -> Arc<Evaluation> {
        if self.puncture.is_some() {
            eval.sphere = self.checked_sphere(&eval, t);
        }
        let converged = self.curvature_error(&eval.k) < self.tol;
        let eval = Arc::new(eval);
        self.last = Some(eval.clone());
        if !converged {
            return eval;
        }
        let (angle, area) = self.distortion_of(&eval);
        let faces = angle.len() as f64;
        let (lo, hi) = area
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), a| {
                (lo.min(*a), hi.max(*a))
            });
        self.events.push(format!(
            "converged: angle distortion max {:.3e} mean {:.3e} rad; log area ratio in [{lo:.3}, {hi:.3}], mean |.| {:.3}",
            angle.iter().cloned().fold(0.0, f64::max),
            angle.iter().sum::<f64>() / faces,
            area.iter().map(|a| a.abs()).sum::<f64>() / faces
        ));
        if !self.flat_torus {
            return eval;
        }
        let CornerLayout { translations, .. } = self.corner_layout_of(&eval);
        self.events
            .push(match geometry::torus_modulus(&translations) {
                Some([re, im]) => {
                    // No "-0.000000" for a rectangular lattice.
                    let shown = if re.abs() < 5e-7 { 0.0 } else { re };
                    format!(
                        "modulus tau = {shown:.6} + {im:.6}i, |tau| = {:.6}",
                        re.hypot(im)
                    )
                }
                None => "the layout's translations do not span a lattice; no modulus".into(),
            });
        eval
    }

    /// `K̂ − K` at prescribed vertices, 0 elsewhere.
    fn residual(&self, k: &[f64]) -> Vec<f64> {
        k.iter()
            .zip(&self.target)
            .zip(&self.fixed)
            .map(|((k, t), &f)| if f { 0.0 } else { t - k })
            .collect()
    }
}

/// Per-face `max_k |θ_k − θ⁰_k|` and `log(A/A⁰)` of `lengths` against reference angles and areas.
fn distortion_against(
    angles0: &[[f64; 3]],
    areas0: &[f64],
    lengths: &[[f64; 3]],
) -> (Vec<f64>, Vec<f64>) {
    let a1 = geometry::corner_angles_from_lengths(lengths);
    let angle = angles0
        .iter()
        .zip(&a1)
        .map(|(x, y)| (0..3).map(|k| (x[k] - y[k]).abs()).fold(0.0, f64::max))
        .collect();
    let area = areas0
        .iter()
        .zip(geometry::face_areas_from_lengths(lengths))
        .map(|(a0, a)| (a / a0).ln())
        .collect();
    (angle, area)
}

/// The first triangle whose lengths break the triangle inequality, if any.
fn first_degenerate(lengths: &[[f64; 3]]) -> Option<usize> {
    lengths
        .iter()
        .position(|l| !(l[0] < l[1] + l[2] && l[1] < l[2] + l[0] && l[2] < l[0] + l[1]))
}

impl Flow for DiscreteRicci {
    type State = MetricState;

    fn energy(&self, s: &MetricState) -> f64 {
        match self.evaluation(s) {
            Ok(e) => self.energy_of_evaluation(&s.u, &e),
            Err(_) => f64::INFINITY,
        }
    }

    fn step(&mut self, s: &MetricState, t: f64, dt: f64) -> Result<MetricState, StepError> {
        // A factorization is only reused when continuing from the last iterate.
        if !self.is_last(s) {
            self.reusable = false;
        }
        let carried = s.eval.as_ref().is_some_and(|e| e.flow == self.id);
        let eval = self
            .evaluation(s)
            .map_err(|e| StepError::Collapse(e.to_string()))?;
        if !carried && self.puncture.is_some() {
            // The initial state's sphere was written without a word: check it now.
            self.checked_sphere(&eval, t);
        }
        let r = self.residual(&eval.k);
        let zeros = vec![0.0; s.u.len()];
        if self.method == Method::Flow {
            self.prepare_system(&eval)?;
            self.system
                .factor(&vec![1.0; s.u.len()], dt, &self.hessian_of(&eval))?;
            let b: Vec<f64> = r.iter().map(|r| dt * r).collect();
            let delta = self.system.solve(&b, &zeros)?;
            let u: Vec<f64> = s.u.iter().zip(&delta).map(|(u, d)| u + d).collect();
            let next = self
                .eval_at(&u, eval.tri.as_ref())
                .map_err(|m| StepError::Collapse(format!("at t = {:e}: {m}", t + dt)))?;
            let eval = self.accept(next, t + dt);
            return Ok(MetricState {
                u,
                eval: Some(eval),
            });
        }
        let e0 = self.energy_of_evaluation(&s.u, &eval);
        let error = self.curvature_error(&eval.k);
        // A reusable factorization is tried first; if its step finds no decrease, the current
        // Hessian is factored and the step retried.
        loop {
            let reused = self.reusable && self.method == Method::Newton;
            if !reused {
                self.prepare_system(&eval)?;
                self.system.factor(&zeros, 1.0, &self.hessian_of(&eval))?;
            }
            let delta = self.system.solve(&r, &zeros)?;
            // ∇E·δ = (K − K̂)·δ = −r·δ < 0 for the Newton direction (H, or an earlier H, SPD).
            let slope: f64 = -r.iter().zip(&delta).map(|(r, d)| r * d).sum::<f64>();
            let mut step = 1.0;
            let mut found = None;
            for _ in 0..60 {
                let u: Vec<f64> = s.u.iter().zip(&delta).map(|(u, d)| u + step * d).collect();
                if let Ok(mut next) = self.eval_at(&u, eval.tri.as_ref()) {
                    let e = self.energy_with(&u, &next.lengths, &next.angles);
                    // Armijo, with room for rounding once the decrease is at rounding level.
                    if e <= e0 + 1e-4 * step * slope + 1e-13 * e0.abs().max(1.0) {
                        next.energy = Some(e);
                        found = Some((u, next));
                        break;
                    }
                }
                step *= 0.5;
            }
            let Some((u, next)) = found else {
                if reused {
                    self.reusable = false;
                    continue;
                }
                return Err(StepError::Singular(
                    "the Newton line search found no decrease of the energy".into(),
                ));
            };
            let new_error = self.curvature_error(&next.k);
            let ratio = new_error / error;
            self.reusable = self.method == Method::Newton
                && (ratio <= REUSE_CONTRACTION || (reused && ratio * new_error < self.tol));
            let eval = self.accept(next, t + dt);
            return Ok(MetricState {
                u,
                eval: Some(eval),
            });
        }
    }

    /// `curvature_error` (`max |K − K̂|`, prescribed vertices), `total_curvature` (`Σ K`),
    /// `gauss_bonnet_defect` (`Σ K − 2πχ`), and the distortion of the metric against the mesh:
    /// `angle_distortion_max/mean` (radians), `area_distortion_max/mean` (`|log(A/A⁰)|`).
    fn diagnostics(&self, s: &MetricState, _t: f64) -> Vec<(&'static str, f64)> {
        let Ok(e) = self.evaluation(s) else {
            return vec![("curvature_error", f64::NAN)];
        };
        let total: f64 = e.k.iter().sum();
        let mut d = vec![
            ("curvature_error", self.curvature_error(&e.k)),
            ("total_curvature", total),
            ("gauss_bonnet_defect", total - self.two_pi_chi),
        ];
        let (angle, area) = self.distortion_of(&e);
        d.push((
            "angle_distortion_max",
            angle.iter().cloned().fold(0.0, f64::max),
        ));
        d.push((
            "angle_distortion_mean",
            angle.iter().sum::<f64>() / angle.len() as f64,
        ));
        d.push((
            "area_distortion_max",
            area.iter().map(|a| a.abs()).fold(0.0, f64::max),
        ));
        d.push((
            "area_distortion_mean",
            area.iter().map(|a| a.abs()).sum::<f64>() / area.len() as f64,
        ));
        d
    }

    fn distance(&self, a: &MetricState, b: &MetricState) -> f64 {
        a.u.iter()
            .zip(&b.u)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    fn take_events(&mut self) -> Vec<String> {
        std::mem::take(&mut self.events)
    }

    fn converged(&self, s: &MetricState) -> bool {
        self.evaluation(s)
            .is_ok_and(|e| self.curvature_error(&e.k) < self.tol)
    }

    /// The original mesh (with flips: its vertices and the current triangulation) with point
    /// data `u`, `K` and, for disks, the layout `uv`, and cell data `angle_distortion`,
    /// `area_distortion`; the layout as the series `layout` (disks and flat tori), the sphere
    /// as `sphere`.
    fn frame(&self, s: &MetricState, _t: f64) -> Frame {
        let Ok(e) = self.evaluation(s) else {
            return Frame {
                points: self.mesh.positions.clone(),
                cells: Cells::Triangles(self.mesh.faces.clone()),
                point_data: vec![("u", Field::Scalar(s.u.clone()))],
                cell_data: Vec::new(),
                series: Vec::new(),
            };
        };
        let faces = self.faces(&e).to_vec();
        let (angle, area) = self.distortion_of(&e);
        let mut frame = Frame {
            points: self.mesh.positions.clone(),
            cells: Cells::Triangles(faces.clone()),
            point_data: vec![
                ("u", Field::Scalar(s.u.clone())),
                ("K", Field::Scalar(e.k.clone())),
            ],
            cell_data: vec![
                ("angle_distortion", Field::Scalar(angle.clone())),
                ("area_distortion", Field::Scalar(area.clone())),
            ],
            series: Vec::new(),
        };
        if self.flat_torus && self.layout_frames {
            let CornerLayout { corners, .. } = self.corner_layout_of(&e);
            let points = corners
                .iter()
                .flatten()
                .map(|p| [p[0], p[1], 0.0])
                .collect();
            let tris = (0..corners.len())
                .map(|f| [3 * f, 3 * f + 1, 3 * f + 2])
                .collect();
            let per_corner: Vec<f64> = faces.iter().flatten().map(|&i| s.u[i]).collect();
            frame.series.push((
                "layout",
                Frame {
                    points,
                    cells: Cells::Triangles(tris),
                    point_data: vec![("u", Field::Scalar(per_corner))],
                    cell_data: vec![
                        ("angle_distortion", Field::Scalar(angle.clone())),
                        ("area_distortion", Field::Scalar(area.clone())),
                    ],
                    series: Vec::new(),
                },
            ));
        }
        if self.puncture.is_some() {
            let points = match &e.sphere {
                Some(sphere) => Some(sphere.positions.clone()),
                None => self.sphere_of(&e).map(|sphere| sphere.positions),
            };
            if let (Some(points), Some(cells)) = (points, self.sphere_faces(&e)) {
                frame.series.push((
                    "sphere",
                    Frame {
                        points,
                        cells: Cells::Triangles(cells),
                        point_data: Vec::new(),
                        cell_data: Vec::new(),
                        series: Vec::new(),
                    },
                ));
            }
        }
        if self.disk && self.layout_frames {
            let uv = self.layout_of(&e);
            frame.point_data.push(("uv", Field::Vector(uv.clone())));
            frame.series.push((
                "layout",
                Frame {
                    points: uv,
                    cells: Cells::Triangles(faces),
                    point_data: vec![("u", Field::Scalar(s.u.clone()))],
                    cell_data: vec![
                        ("angle_distortion", Field::Scalar(angle)),
                        ("area_distortion", Field::Scalar(area)),
                    ],
                    series: Vec::new(),
                },
            ));
        }
        frame
    }
}
