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
//! With [`DiscreteRicci::with_flips`] (the scenario default, `flips = true`) the metric of `u`
//! lives on the triangulation that is Delaunay for it, reached by Ptolemy flips on a Δ-complex
//! ([`crate::mesh::intrinsic`]: self-loops and repeated corners allowed; Gillespie, Springborn,
//! Crane 2021; Springborn 2020): `E`, `K` and `L` are taken there, every `u` has a valid metric,
//! a solution exists for every target that satisfies Gauss–Bonnet (closed surfaces and
//! prescribed angles), and the flow and Newton pass through what would otherwise be degenerate
//! triangles. Without flips the input's own triangles carry the metric (the classical scheme,
//! Springborn, Schröder, Pinkall 2008), which may have no solution.
//!
//! # The map back onto the input
//! Frames show the input mesh (its numbering kept) with `u`, `K`, `uv` and the distortion per
//! input face, and beside it the common subdivision of the input and the intrinsic
//! triangulation with its map ([`InputMap`], the submodule `map`): the series `overlay` on the
//! input and `layout` / `sphere` at the images. The map is piecewise linear on a triangulation
//! of the subdivision's cells, bijective when the layout is an embedding, and its distortion
//! (quasi-conformal, angle, area) is measured triangle by triangle on that map.
//!
//! # Convergence
//! [`DiscreteRicci::report`] says whether a state reached the tolerance and, if not,
//! `max |K − K̂|`, the vertex where it is largest and a hint ([`NotConverged`]); the driver fails a
//! run that stops at its step limit on such a state ([`Flow::not_converged`]).
//!
//! # State and evaluations
//! A step returns the new `u` together with its [evaluation](MetricState) (lengths, angles,
//! curvature, energy, with flips the triangulation), so that the driver's questions about it
//! (energy, convergence, diagnostics, frame) cost nothing more. A state carries only
//! evaluations of its own `u` by the flow that made it; any other state is evaluated afresh.
//!
//! # Layouts and the sphere
//! Flat metrics are laid out in the plane by [`crate::geometry::layout`]: disks with one position
//! per vertex (half-edge based, so Δ-complexes lay out too), flat tori periodically with their
//! modulus `τ`. A closed genus-0 mesh is mapped to the round sphere by [`map_to_sphere`] (the
//! submodule `sphere`): the pole, chosen from the geometry ([`choose_puncture`]), is the point at
//! infinity of the plane, and its faces take no part in the metric.

mod map;
mod sphere;

pub use map::{InputMap, Seam};
pub use sphere::{choose_puncture, map_to_sphere, SphereError};

pub mod setup;

use super::{Cells, Field, Flow, Frame, StepError};
use crate::geometry::layout::{corner_layout, halfedge_corner_layout, planar_layout, CornerLayout};
use crate::geometry::lobachevsky::lobachevsky;
use crate::geometry::{self, EdgeLayout};
use crate::linalg::{ImplicitSystem, SpdError};
use crate::mesh::intrinsic::trace::TraceError;
use crate::mesh::intrinsic::{Connectivity, Intrinsic, IntrinsicError};
use crate::mesh::topology::{Edges, MeshDefect};
use crate::mesh::TriMesh;
use nalgebra::Vector3;
use rayon::prelude::*;
use sphere::{Puncture, Sphere};
use std::f64::consts::PI;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

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
    /// The scale factors evaluated.
    u: Vec<f64>,
    /// With flips: the triangulation (`None`: the mesh's own) and the flips that led to it from
    /// the triangulation the evaluation started from.
    tri: Option<Intrinsic>,
    flips: usize,
    /// The map back onto the input, made when first asked for.
    map: OnceLock<Result<Arc<InputMap>, TraceError>>,
    /// For a punctured sphere: the vertices held fixed (the pole and its current neighbours);
    /// `None`: the flow's.
    fixed: Option<Vec<bool>>,
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
    /// The vertex-edge layout of the Hessian on the mesh's faces, and its pairs.
    laplacian: EdgeLayout,
    pairs: Vec<(usize, usize)>,
    /// The Newton (or flow) system; `None` when every vertex is fixed (a triangle, a
    /// tetrahedron punctured at a vertex): nothing moves, and the metric is already the answer.
    system: Option<ImplicitSystem>,
    method: Method,
    tol: f64,
    /// Whether the layout in the plane exists (a topological disk with a flat target).
    disk: bool,
    /// A closed genus-1 mesh with a flat target: laid out periodically, with a modulus.
    flat_torus: bool,
    /// A genus-0 mesh with several boundary loops and a flat target: laid out cut open along
    /// the shortest paths joining its loops (the loops, as vertex cycles).
    loops: Option<Vec<Vec<usize>>>,
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
    /// The mesh's own triangulation as an intrinsic one (for the map back onto the input).
    base: Intrinsic,
    /// With edge flips: the faces the system was last set up for (`None`: the mesh's).
    system_faces: Option<Vec<[usize; 3]>>,
    /// Whether frames carry the layout (`uv` and the `layout` series).
    layout_frames: bool,
    /// `max |K − K̂|` of every iterate a step returned, in order.
    errors: Vec<f64>,
    /// The iterate whose Hessian the system holds factored (for checkpoints: a resumed Newton
    /// reuses the same factorization).
    factored_at: Option<(Vec<f64>, Arc<Evaluation>)>,
}

/// What [`DiscreteRicci`] carries between steps, in a checkpoint.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    /// The triangulation of the last iterate (flips of the next evaluation start there).
    last: Option<Connectivity>,
    reusable: bool,
    /// The iterate (and its triangulation) whose Hessian is factored.
    factored_at: Option<(Vec<f64>, Option<Connectivity>)>,
    errors: Vec<f64>,
}

/// A run that stopped short of its tolerance ([`DiscreteRicci::report`]).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "not converged: max |K - K^| = {error:.3e}{} (tolerance {tol:e}); {hint}",
    .vertex.map(|v| format!(" at vertex {v}")).unwrap_or_default()
)]
pub struct NotConverged {
    /// The curvature error reached.
    pub error: f64,
    /// Where it is largest (the input file's numbering).
    pub vertex: Option<usize>,
    pub tol: f64,
    /// What to try.
    pub hint: String,
}

/// Why the map back onto the input could not be made.
#[derive(Clone, Debug, thiserror::Error)]
pub enum MapError {
    #[error(transparent)]
    Metric(#[from] MetricError),
    #[error(transparent)]
    Trace(#[from] TraceError),
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
        let laplacian = EdgeLayout::new(n, edges.vertices.clone(), &edges.face_edges);
        let pairs = laplacian.pairs();
        let system = system_unless_all_fixed(n, &pairs, &fixed, &mesh.positions)?;
        let l0 = geometry::face_edge_lengths(&mesh);
        let angles0 = geometry::corner_angles_from_lengths(&l0);
        let areas0 = geometry::face_areas_from_lengths(&l0);
        let base = Intrinsic::new(&mesh.faces, &edges, &l0)?;
        let genus_zero_disk = chi == 1.0 && boundary.iter().any(|&b| b);
        let flat_inside = target
            .iter()
            .zip(&boundary)
            .all(|(k, &b)| b || k.abs() < 1e-15);
        let closed = !boundary.iter().any(|&b| b);
        Ok(DiscreteRicci {
            id: next_flow_id(),
            loops: {
                let loops = crate::mesh::topology::boundary_loops(&mesh, &edges);
                (loops.len() >= 2 && euler == 2 - loops.len() as i64 && flat_inside)
                    .then_some(loops)
            },
            disk: genus_zero_disk && flat_inside,
            flat_torus: closed && chi == 0.0 && flat_inside,
            puncture: None,
            events: Vec::new(),
            last: None,
            reusable: false,
            intrinsic: None,
            base,
            system_faces: None,
            layout_frames: true,
            errors: Vec::new(),
            factored_at: None,
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
            laplacian,
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
        self.intrinsic = Some(self.base.clone());
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
        match self.first_degenerate_of(&self.mesh.faces, &lengths) {
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
            return Ok(self.eval_from(u, self.lengths(u)?, None));
        };
        let mut tri = start.unwrap_or(base).clone();
        let flips = match &self.puncture {
            Some(p) => tri.flip_to_delaunay_punctured(u, p.pole)?,
            None => tri.flip_to_delaunay(u)?,
        };
        let lengths = tri.lengths(u);
        if let Some(face) = self.first_degenerate_of(&tri.faces, &lengths) {
            let blocked = tri.blocked(u).into_iter().map(|(a, b)| [a, b]).collect();
            return Err(self.degenerate(face, &tri.faces, &lengths, blocked).into());
        }
        let mut e = self.eval_from(u, lengths, Some(tri));
        e.flips = flips;
        Ok(e)
    }

    /// The first face (not at the pole of a punctured sphere) whose lengths break the triangle
    /// inequality.
    fn first_degenerate_of(&self, faces: &[[usize; 3]], lengths: &[[f64; 3]]) -> Option<usize> {
        match &self.puncture {
            None => first_degenerate(lengths),
            Some(p) => faces
                .iter()
                .zip(lengths)
                .position(|(f, l)| !f.contains(&p.pole) && first_degenerate(&[*l]).is_some()),
        }
    }

    /// The vertices held fixed for an evaluation.
    fn fixed_of<'a>(&'a self, e: &'a Evaluation) -> &'a [bool] {
        e.fixed.as_deref().unwrap_or(&self.fixed)
    }

    /// `max |K − K̂|` of an evaluation over the vertices it does not hold fixed.
    fn error_of(&self, e: &Evaluation) -> f64 {
        let fixed = self.fixed_of(e);
        (0..e.k.len())
            .filter(|&i| self.prescribed[i] && !fixed[i])
            .map(|i| (e.k[i] - self.target[i]).abs())
            .fold(0.0, f64::max)
    }

    /// The faces an evaluation lives on.
    fn faces<'a>(&'a self, e: &'a Evaluation) -> &'a [[usize; 3]] {
        e.tri.as_ref().map_or(&self.mesh.faces, |t| &t.faces)
    }

    fn eval_from(&self, u: &[f64], lengths: Vec<[f64; 3]>, tri: Option<Intrinsic>) -> Evaluation {
        let faces = tri.as_ref().map_or(&self.mesh.faces, |t| &t.faces);
        let mut angles = geometry::corner_angles_from_lengths(&lengths);
        let mut fixed = None;
        if let Some(p) = &self.puncture {
            // The faces at the pole are not Euclidean: no angles; the pole and its current
            // neighbours are held.
            let mut mask = vec![false; self.mesh.vertices()];
            for (f, face) in faces.iter().enumerate() {
                if face.contains(&p.pole) {
                    angles[f] = [0.0; 3];
                    for &v in face {
                        mask[v] = true;
                    }
                }
            }
            fixed = Some(mask);
        }
        let k = geometry::vertex_angle_defects_from_angles(
            faces,
            self.mesh.vertices(),
            &angles,
            &self.boundary,
        );
        Evaluation {
            flow: self.id,
            u: u.to_vec(),
            tri,
            flips: 0,
            map: OnceLock::new(),
            fixed,
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
    /// per edge ([`EdgeLayout::laplacian_entries`]).
    pub fn hessian(&self, lengths: &[[f64; 3]]) -> Vec<f64> {
        laplacian_on(
            &self.laplacian,
            &geometry::corner_cotans_from_lengths(lengths),
        )
    }

    /// The `(row, col)` pairs of [`DiscreteRicci::hessian`].
    pub fn hessian_pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// The layout of a flipped triangulation (`None`: the mesh's own, `self.laplacian`), on its
    /// edges (self-loops and parallel edges included).
    fn flipped_layout(&self, e: &Evaluation) -> Option<EdgeLayout> {
        e.tri
            .as_ref()
            .filter(|t| !t.same_faces(&self.mesh.faces))
            .map(|t| {
                let (ends, face_edges) = t.edges();
                EdgeLayout::new(self.mesh.vertices(), ends, &face_edges)
            })
    }

    /// [`DiscreteRicci::hessian`] of an evaluation, on its triangulation (the faces at the
    /// pole of a punctured sphere left out: their term of `E` is linear in `u`).
    fn hessian_of(&self, e: &Evaluation) -> Vec<f64> {
        let mut cot = geometry::corner_cotans_from_lengths(&e.lengths);
        if let Some(p) = &self.puncture {
            for (c, f) in cot.iter_mut().zip(self.faces(e)) {
                if f.contains(&p.pole) {
                    *c = [0.0; 3];
                }
            }
        }
        match self.flipped_layout(e) {
            Some(layout) => laplacian_on(&layout, &cot),
            None => laplacian_on(&self.laplacian, &cot),
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
        let pairs = match self.flipped_layout(e) {
            Some(layout) => layout.pairs(),
            None => self.pairs.clone(),
        };
        let fixed = self.fixed_of(e).to_vec();
        self.system =
            system_unless_all_fixed(self.mesh.vertices(), &pairs, &fixed, &self.mesh.positions)?;
        self.system_faces = Some(tri.faces.clone());
        self.reusable = false;
        Ok(())
    }

    /// The energy `E(u)` (`+∞` when a triangle inequality fails).
    pub fn energy_of(&self, u: &[f64]) -> f64 {
        match self.evaluate(u) {
            Ok(e) => self.energy_with(u, self.faces(&e), &e.lengths, &e.angles),
            Err(_) => f64::INFINITY,
        }
    }

    /// `E(u)` from the lengths of `u` and their corner angles.
    ///
    /// For a punctured sphere a face at the pole `N` contributes, in place of its own term,
    /// `−(π/2) λ̃_ab` for its edge `ab` on the link (the limit of the face's term as the pole's
    /// scale goes to infinity with `λ̃_Na = λ̃_Nb`): with it `E` is continuous when a flip takes a
    /// vertex off the link (the new finite face is degenerate at that moment, and its term
    /// and the released vertex's make up for the two link edges).
    fn energy_with(
        &self,
        u: &[f64],
        faces: &[[usize; 3]],
        lengths: &[[f64; 3]],
        angles: &[[f64; 3]],
    ) -> f64 {
        let pole = self.puncture.as_ref().map(|p| p.pole);
        // Per-face terms in parallel, summed in order: the same u gives the same E bit for bit
        // (the line search and finite differences compare nearby energies of size ~1e4).
        let terms: Vec<f64> = lengths
            .par_iter()
            .zip(angles)
            .zip(faces)
            .with_min_len(4096)
            .map(|((l, a), face)| {
                if let Some(k) = pole.and_then(|p| face.iter().position(|&v| v == p)) {
                    return -0.5 * PI * 2.0 * l[k].ln();
                }
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
            .enumerate()
            .filter(|(i, _)| Some(*i) != pole)
            .map(|(_, ((u, k), &b))| (if b { PI } else { 2.0 * PI } - k) * u)
            .sum();
        faces + linear
    }

    /// The energy of an evaluation of `u`: known from the line search, else computed.
    fn energy_of_evaluation(&self, u: &[f64], e: &Evaluation) -> f64 {
        e.energy
            .unwrap_or_else(|| self.energy_with(u, self.faces(e), &e.lengths, &e.angles))
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
        match (&e.tri, &self.puncture) {
            (None, None) => self.layout(&e.lengths),
            _ => {
                // Half-edge based: a Δ-complex's faces may repeat a vertex.
                let t = self.tri_of(e);
                let pole = self.puncture.as_ref().map(|p| p.pole);
                let (layout, _) = self.layout_corners(e);
                let mut pos = vec![[f64::NAN, f64::NAN, 0.0]; self.mesh.vertices()];
                let mut placed = vec![false; self.mesh.vertices()];
                for (face, c) in t.faces.iter().zip(&layout.corners) {
                    if pole.is_some_and(|p| face.contains(&p)) {
                        continue;
                    }
                    for k in 0..3 {
                        if !placed[face[k]] {
                            placed[face[k]] = true;
                            pos[face[k]] = [c[k][0], c[k][1], 0.0];
                        }
                    }
                }
                if let Some(pole) = pole {
                    sphere::place_beyond_the_link(t, &e.lengths, pole, &mut pos);
                }
                pos
            }
        }
    }

    /// The corner layout of an evaluation on its triangulation, half-edge based
    /// ([`halfedge_corner_layout`]), and per half-edge whether the layout's tree crosses it;
    /// for a punctured sphere the faces at the pole are left out (placed on their own, with
    /// unit lengths: they have no Euclidean shape).
    fn layout_corners(&self, e: &Evaluation) -> (CornerLayout, Vec<bool>) {
        let t = self.tri_of(e);
        if let Some((cut, _)) = self.seams(e) {
            return halfedge_corner_layout(&e.lengths, |h| t.twin(h).filter(|_| !cut[h]));
        }
        match &self.puncture {
            None => halfedge_corner_layout(&e.lengths, |h| t.twin(h)),
            Some(p) => {
                let at_pole = |f: usize| t.faces[f].contains(&p.pole);
                let lengths: Vec<[f64; 3]> = e
                    .lengths
                    .iter()
                    .enumerate()
                    .map(|(f, l)| if at_pole(f) { [1.0; 3] } else { *l })
                    .collect();
                halfedge_corner_layout(&lengths, |h| {
                    t.twin(h).filter(|&g| at_pole(h / 3) == at_pole(g / 3))
                })
            }
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
            Some(_) => self.layout_corners(e).0,
            None => self.corner_layout(&e.lengths),
        }
    }

    /// Per-face angle distortion `max_k |θ_k − θ⁰_k|` (radians) and area distortion
    /// `log(A/A⁰)` of the metric against the original mesh.
    pub fn distortion(&self, lengths: &[[f64; 3]]) -> (Vec<f64>, Vec<f64>) {
        distortion_against(&self.angles0, &self.areas0, lengths)
    }

    /// The map of an evaluation back onto the input ([`InputMap`], made once per evaluation):
    /// on the sphere for a punctured sphere, else in the plane (one chart for a disk, cut open
    /// along the layout's tree otherwise).
    fn map_of(&self, e: &Evaluation) -> Result<Arc<InputMap>, TraceError> {
        e.map
            .get_or_init(|| {
                self.sphere_map(e)
                    .unwrap_or_else(|| self.plane_map(e, self.disk))
                    .map(Arc::new)
            })
            .clone()
    }

    /// For a planar domain with several boundary loops: the seams along which the layout of
    /// the metric of `u` is cut open (see [`Seam`]); `None` for other meshes.
    pub fn seams_of(&self, u: &[f64]) -> Result<Option<Vec<Seam>>, MetricError> {
        let e = self.evaluate(u)?;
        Ok(self.seams(&e).map(|(_, s)| s))
    }

    /// The map of the metric of `u` back onto the input (see [`InputMap`]).
    pub fn input_map(&self, u: &[f64]) -> Result<Arc<InputMap>, MapError> {
        let e = self.evaluate(u)?;
        Ok(self.map_of(&e)?)
    }

    /// Per face of the flow's mesh: quasi-conformal distortion (max over its triangles of the
    /// map), angle distortion (max) and log area ratio, measured on the map the user gets
    /// ([`InputMap`]; the sphere for a sphere map). Zeros if the map could not be made.
    fn distortion_of(&self, e: &Evaluation) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let nf = self.mesh.faces.len();
        let Ok(map) = self.map_of(e) else {
            return (vec![1.0; nf], vec![0.0; nf], vec![0.0; nf]);
        };
        map.per_input_face(nf)
    }

    /// The vertex (of the flow's mesh) where `|K − K̂|` is largest among the prescribed ones.
    fn worst_vertex(&self, e: &Evaluation) -> usize {
        let fixed = self.fixed_of(e);
        let k = &e.k;
        (0..k.len())
            .filter(|&i| self.prescribed[i] && !fixed[i])
            .max_by(|&a, &b| {
                (k[a] - self.target[a])
                    .abs()
                    .total_cmp(&(k[b] - self.target[b]).abs())
            })
            .unwrap_or(0)
    }

    /// `None` if `s` reached the tolerance, else what is missing and a hint (see
    /// [`NotConverged`]).
    pub fn report(&self, s: &MetricState) -> Option<NotConverged> {
        let e = match self.evaluation(s) {
            Ok(e) => e,
            Err(err) => {
                return Some(NotConverged {
                    error: f64::INFINITY,
                    vertex: None,
                    tol: self.tol,
                    hint: format!("the last state has no metric: {err}"),
                })
            }
        };
        let error = self.error_of(&e);
        if error < self.tol {
            return None;
        }
        let vertex = self.input_vertex(self.worst_vertex(&e));
        let recent = &self.errors[self.errors.len().saturating_sub(4)..];
        let levelled = recent.len() >= 3
            && recent.iter().copied().fold(0.0, f64::max)
                < 4.0 * recent.iter().copied().fold(f64::INFINITY, f64::min);
        let hint = if self.intrinsic.is_none() {
            "the triangulation is fixed (flips = false), and a metric on it may not exist: try \
             flips = true (Delaunay flips on the intrinsic triangulation: a solution always \
             exists and Newton finds it)"
                .to_string()
        } else if levelled && error < 1e-6 {
            format!(
                "the error has levelled off near {error:.1e}, the rounding floor of this mesh: \
                 ask for a tolerance above it (discrete_ricci.tol = {:.0e})",
                10f64.powf((error * 10.0).log10().ceil())
            )
        } else if levelled && self.boundary.iter().any(|&b| b) {
            "Newton has stalled: the edges along the boundary cannot be flipped, and the metric \
             asked for may not exist on any triangulation that keeps them (flipping on the \
             doubled surface, Campen et al. 2021, lifts that limit; geoflow does not do it yet)"
                .to_string()
        } else {
            "give it more steps (time.steps), or method = \"exact-newton\"".to_string()
        };
        Some(NotConverged {
            error,
            vertex: Some(vertex),
            tol: self.tol,
            hint,
        })
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
        let error = self.error_of(&eval);
        self.errors.push(error);
        let converged = error < self.tol;
        let eval = Arc::new(eval);
        self.last = Some(eval.clone());
        if !converged {
            return eval;
        }
        let vertex = self.input_vertex(self.worst_vertex(&eval));
        let quality = match self.map_of(&eval) {
            Ok(map) => {
                let (qmax, qmean) = map.qc_summary();
                let n = map.triangles.len() as f64;
                let amax = map.angle.iter().copied().fold(0.0, f64::max);
                let amean = map.angle.iter().sum::<f64>() / n;
                let (lo, hi) = map
                    .area
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), a| {
                        (lo.min(*a), hi.max(*a))
                    });
                let bijective = if map.bad == 0 {
                    "bijective".to_string()
                } else {
                    format!("NOT bijective: {} inverted or degenerate", map.bad)
                };
                format!(
                    "map onto the input{}: {} triangles, {bijective}; quasi-conformal distortion \
                     max {qmax:.4} mean {qmean:.4}; angle distortion max {amax:.3e} mean \
                     {amean:.3e} rad; log area ratio in [{lo:.3}, {hi:.3}]",
                    if map.on_sphere { " (sphere)" } else { "" },
                    map.triangles.len()
                )
            }
            Err(err) => format!("no map back onto the input: {err}"),
        };
        self.events.push(format!(
            "converged: max |K - K^| = {error:.3e} at vertex {vertex} (tolerance {:e}); {quality}",
            self.tol
        ));
        if let Some((_, seams)) = self.seams(&eval) {
            let list: Vec<String> = seams
                .iter()
                .map(|s| {
                    format!(
                        "loop {} to loop {} from vertex {} to vertex {} ({} edges, length {:.6e})",
                        s.loops[0],
                        s.loops[1],
                        s.vertices[0],
                        s.vertices[s.vertices.len() - 1],
                        s.vertices.len() - 1,
                        s.length
                    )
                })
                .collect();
            self.events.push(format!(
                "{} boundary loops: laid out cut open along the shortest paths joining them; \
                 seams: {}",
                seams.len() + 1,
                list.join("; ")
            ));
        }
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
    fn residual(&self, e: &Evaluation) -> Vec<f64> {
        e.k.iter()
            .zip(&self.target)
            .zip(self.fixed_of(e))
            .map(|((k, t), &f)| if f { 0.0 } else { t - k })
            .collect()
    }
}

/// The cotan Laplacian of the corner cotangents `cot` on `layout`
/// ([`EdgeLayout::laplacian_entries`]: self-loops get `0`).
fn laplacian_on(layout: &EdgeLayout, cot: &[[f64; 3]]) -> Vec<f64> {
    let mut entries = vec![0.0; layout.len()];
    layout.laplacian_entries(cot, &mut entries);
    entries
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

/// The system on `pairs` with the `fixed` vertices eliminated, or `None` when every vertex is
/// fixed.
fn system_unless_all_fixed(
    n: usize,
    pairs: &[(usize, usize)],
    fixed: &[bool],
    points: &[[f64; 3]],
) -> Result<Option<ImplicitSystem>, SpdError> {
    match ImplicitSystem::with_points(n, pairs, fixed, points) {
        Err(SpdError::NoUnknowns) => Ok(None),
        other => other.map(Some),
    }
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
        let r = self.residual(&eval);
        let zeros = vec![0.0; s.u.len()];
        if self.method == Method::Flow {
            self.prepare_system(&eval)?;
            let hessian = self.hessian_of(&eval);
            let Some(system) = self.system.as_mut() else {
                return Ok(s.clone());
            };
            system.factor(&vec![1.0; s.u.len()], dt, &hessian)?;
            let b: Vec<f64> = r.iter().map(|r| dt * r).collect();
            let delta = system.solve(&b, &zeros)?;
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
        let error = self.error_of(&eval);
        // A reusable factorization is tried first; if its step finds no decrease, the current
        // Hessian is factored and the step retried.
        loop {
            let reused = self.reusable && self.method == Method::Newton;
            if !reused {
                self.prepare_system(&eval)?;
                let hessian = self.hessian_of(&eval);
                let Some(system) = self.system.as_mut() else {
                    return Ok(s.clone());
                };
                system.factor(&zeros, 1.0, &hessian)?;
                self.factored_at = Some((s.u.clone(), eval.clone()));
            }
            let Some(system) = self.system.as_ref() else {
                return Ok(s.clone());
            };
            let delta = system.solve(&r, &zeros)?;
            // ∇E·δ = (K − K̂)·δ = −r·δ < 0 for the Newton direction (H, or an earlier H, SPD).
            let slope: f64 = -r.iter().zip(&delta).map(|(r, d)| r * d).sum::<f64>();
            let mut step = 1.0;
            let mut found = None;
            for _ in 0..60 {
                let u: Vec<f64> = s.u.iter().zip(&delta).map(|(u, d)| u + step * d).collect();
                if let Ok(mut next) = self.eval_at(&u, eval.tri.as_ref()) {
                    let e = self.energy_with(&u, self.faces(&next), &next.lengths, &next.angles);
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
            let new_error = self.error_of(&next);
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

    /// `curvature_error` (`max |K − K̂|`, prescribed vertices) and `worst_vertex` (where, in
    /// the input's numbering), `total_curvature` (`Σ K`), `gauss_bonnet_defect` (`Σ K − 2πχ`),
    /// `flips` (edge flips of the step), and the distortion of the map back onto the input
    /// ([`InputMap`], the sphere for a sphere map): `angle_distortion_max/mean` (radians),
    /// `area_distortion_max/mean` (`|log(A/A⁰)|`), `qc_distortion_max/mean` (`σ₁/σ₂` of its
    /// good triangles), `inverted` (its inverted or degenerate triangles; `-1` if the map could
    /// not be made).
    fn diagnostics(&self, s: &MetricState, _t: f64) -> Vec<(&'static str, f64)> {
        let Ok(e) = self.evaluation(s) else {
            return vec![("curvature_error", f64::NAN)];
        };
        let total: f64 = e.k.iter().sum();
        let mut d = vec![
            ("curvature_error", self.error_of(&e)),
            (
                "worst_vertex",
                self.input_vertex(self.worst_vertex(&e)) as f64,
            ),
            ("total_curvature", total),
            ("gauss_bonnet_defect", total - self.two_pi_chi),
            ("flips", e.flips as f64),
        ];
        let map = self.map_of(&e);
        let (angle, area, qc, bad): (&[f64], &[f64], (f64, f64), f64) = match &map {
            Ok(m) => (&m.angle, &m.area, m.qc_summary(), m.bad as f64),
            Err(_) => (&[0.0], &[0.0], (1.0, 1.0), -1.0),
        };
        let n = angle.len().max(1) as f64;
        d.push((
            "angle_distortion_max",
            angle.iter().cloned().fold(0.0, f64::max),
        ));
        d.push(("angle_distortion_mean", angle.iter().sum::<f64>() / n));
        d.push((
            "area_distortion_max",
            area.iter().map(|a| a.abs()).fold(0.0, f64::max),
        ));
        d.push((
            "area_distortion_mean",
            area.iter().map(|a| a.abs()).sum::<f64>() / n,
        ));
        d.push(("qc_distortion_max", qc.0));
        d.push(("qc_distortion_mean", qc.1));
        d.push(("inverted", bad));
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

    /// The last iterate's triangulation, the Newton factorization being reused (its iterate),
    /// and the error history: what makes the next step what it would have been.
    fn save(&self) -> Vec<u8> {
        let tri = |e: &Evaluation| e.tri.as_ref().map(|t| t.connectivity());
        let saved = Saved {
            last: self.last.as_deref().and_then(tri),
            reusable: self.reusable,
            factored_at: self.factored_at.as_ref().map(|(u, e)| (u.clone(), tri(e))),
            errors: self.errors.clone(),
        };
        postcard::to_stdvec(&saved).expect("serializes")
    }

    fn restore(&mut self, s: &mut MetricState, saved: &[u8]) -> Result<(), super::BadCheckpoint> {
        let saved: Saved = postcard::from_bytes(saved)?;
        let bad = |e: &dyn std::fmt::Display| super::BadCheckpoint(e.to_string());
        let base = self.intrinsic.clone();
        let triangulation = |c: Option<Connectivity>| -> Result<Option<Intrinsic>, _> {
            match (c, &base) {
                (Some(c), Some(base)) => base.with_connectivity(c).map(Some).map_err(|e| bad(&e)),
                _ => Ok(None),
            }
        };
        if let Some((u, c)) = saved.factored_at {
            let start = triangulation(c)?;
            let eval = Arc::new(self.eval_at(&u, start.as_ref()).map_err(|e| bad(&e))?);
            self.prepare_system(&eval).map_err(|e| bad(&e))?;
            let zeros = vec![0.0; u.len()];
            let hessian = self.hessian_of(&eval);
            if let Some(system) = self.system.as_mut() {
                system.factor(&zeros, 1.0, &hessian).map_err(|e| bad(&e))?;
            }
            self.factored_at = Some((u, eval));
        }
        let start = triangulation(saved.last)?;
        let mut eval = self.eval_at(&s.u, start.as_ref()).map_err(|e| bad(&e))?;
        if self.puncture.is_some() {
            eval.sphere = self.checked_sphere(&eval, f64::NAN);
        }
        let eval = Arc::new(eval);
        self.last = Some(eval.clone());
        s.eval = Some(eval);
        self.reusable = saved.reusable;
        self.errors = saved.errors;
        Ok(())
    }

    fn converged(&self, s: &MetricState) -> bool {
        self.evaluation(s)
            .is_ok_and(|e| self.error_of(&e) < self.tol)
    }

    /// With [`DiscreteRicci::report`]: the tolerance not reached, where, and a hint.
    fn not_converged(&self, s: &MetricState) -> Option<String> {
        self.report(s).map(|r| r.to_string())
    }

    /// The flow's mesh (the input's faces; for a sphere map the punctured disk) with point data
    /// `u`, `K`, `vertex_id` (the vertex's number in the input file) and, for disks, the
    /// layout `uv` of the vertices, and cell data `angle_distortion`, `area_distortion`,
    /// `qc_distortion` measured on the map back onto the input. Series: `overlay`, the common
    /// subdivision of the input and the intrinsic triangulation on the input with its `map`
    /// (the image of every point), `vertex_id`, and per triangle its distortion and
    /// `input_face`; `layout` (disks and flat tori) and `sphere` (sphere maps), the same
    /// triangles at their images with the input `position` as a point vector; with flips,
    /// `intrinsic`, the intrinsic triangulation (a Δ-complex) between the input's vertices.
    fn frame(&self, s: &MetricState, _t: f64) -> Frame {
        let ids: Vec<f64> = (0..self.mesh.vertices())
            .map(|v| self.input_vertex(v) as f64)
            .collect();
        let Ok(e) = self.evaluation(s) else {
            return Frame {
                points: self.mesh.positions.clone(),
                cells: Cells::Triangles(self.mesh.faces.clone()),
                point_data: vec![
                    ("u", Field::Scalar(s.u.clone())),
                    ("vertex_id", Field::Scalar(ids)),
                ],
                cell_data: Vec::new(),
                series: Vec::new(),
            };
        };
        let (qc, angle, area) = self.distortion_of(&e);
        let mut frame = Frame {
            points: self.mesh.positions.clone(),
            cells: Cells::Triangles(self.mesh.faces.clone()),
            point_data: vec![
                ("u", Field::Scalar(s.u.clone())),
                ("K", Field::Scalar(e.k.clone())),
                ("vertex_id", Field::Scalar(ids)),
            ],
            cell_data: vec![
                ("angle_distortion", Field::Scalar(angle)),
                ("area_distortion", Field::Scalar(area)),
                ("qc_distortion", Field::Scalar(qc)),
            ],
            series: Vec::new(),
        };
        if self.disk && self.layout_frames && self.puncture.is_none() {
            frame
                .point_data
                .push(("uv", Field::Vector(self.layout_of(&e))));
        }
        if let Some(t) = e.tri.as_ref().filter(|t| !t.is_input()) {
            frame.series.push((
                "intrinsic",
                Frame {
                    points: self.mesh.positions.clone(),
                    cells: Cells::Triangles(t.faces.clone()),
                    point_data: Vec::new(),
                    cell_data: Vec::new(),
                    series: Vec::new(),
                },
            ));
        }
        if let Ok(map) = self.map_of(&e) {
            let cell_data = vec![
                ("qc_distortion", Field::Scalar(map.qc.clone())),
                ("angle_distortion", Field::Scalar(map.angle.clone())),
                ("area_distortion", Field::Scalar(map.area.clone())),
                (
                    "input_face",
                    Field::Scalar(map.input_face.iter().map(|&f| f as f64).collect()),
                ),
            ];
            let ids = Field::Scalar(map.vertex_id.clone());
            frame.series.push((
                "overlay",
                Frame {
                    points: map.points.clone(),
                    cells: Cells::Triangles(map.triangles.clone()),
                    point_data: vec![
                        ("map", Field::Vector(map.image.clone())),
                        ("vertex_id", ids.clone()),
                    ],
                    cell_data: cell_data.clone(),
                    series: Vec::new(),
                },
            ));
            let image_series = if map.on_sphere {
                Some("sphere")
            } else if (self.disk || self.flat_torus || self.loops.is_some()) && self.layout_frames {
                Some("layout")
            } else {
                None
            };
            if let Some(name) = image_series {
                frame.series.push((
                    name,
                    Frame {
                        points: map.image.clone(),
                        cells: Cells::Triangles(map.triangles.clone()),
                        point_data: vec![
                            ("position", Field::Vector(map.points.clone())),
                            ("vertex_id", ids),
                        ],
                        cell_data,
                        series: Vec::new(),
                    },
                ));
            }
        }
        frame
    }
}
