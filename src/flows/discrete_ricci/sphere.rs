//! The uniformization of a closed genus-0 mesh: a discrete conformal map to the unit sphere, by
//! the construction of Springborn, Schröder, Pinkall 2008 (§ 5) / Bobenko, Pinkall, Springborn
//! 2015 (*Discrete conformal maps and ideal hyperbolic polyhedra*, Geom. Topol. 19). Remove a
//! vertex `N`; the chordal lengths of points on the sphere are, under stereographic projection
//! from `N`, vertex-scalings of the Euclidean lengths of their images, with the factor of a
//! neighbour `a` of `N` fixed by the edge `Na` to `ũ_a = −2 log ℓ(N, a)` (up to a common
//! constant). So the punctured disk is flattened with that Dirichlet data and a flat interior
//! ([`DiscreteRicci::punctured_sphere`]), laid out, sent back by inverse stereographic projection
//! (`N` to the pole) and Möbius-centered ([`crate::geometry::mobius_center`]).
//!
//! # The puncture
//! The result must not depend on the order in which a file lists the vertices: the pole is the
//! vertex with the largest barycentric area (the area of the sphere it stands for is then the
//! largest one left out of the flattening), ties broken by the largest position in
//! lexicographic order, both properties of the surface, not of its numbering
//! ([`choose_puncture`]); a user may name it (`puncture = v`). With Delaunay flips on
//! Δ-complexes every pole works: the flattening always has a solution (Gillespie, Springborn,
//! Crane 2021; Springborn 2020).
//!
//! A centering that does not converge leaves a valid map to the sphere, only not normalized:
//! [`map_to_sphere`] fails with it, and the flow reports it as an event of the step that made
//! the metric (and of the first step, for the initial state).

use super::map::InputMap;
use super::{DiscreteRicci, Evaluation, Method, MetricError, MetricState, SetupError};
use crate::mesh::intrinsic::trace::TraceError;

use crate::flows::{Flow, StepError};
use crate::geometry::{self, mobius_center, Centering, NotCentered};
use crate::mesh::TriMesh;
use nalgebra::Vector3;

/// Newton iterations [`map_to_sphere`] takes at most.
const MAX_NEWTON_ITERATIONS: usize = 50;

/// A closed genus-0 mesh punctured at a vertex, for [`map_to_sphere`].
pub(super) struct Puncture {
    pub(super) pole: usize,
    /// The barycentric lumped mass of the mesh (the weights of the Möbius centering).
    mass: Vec<f64>,
}

/// The puncture of a closed genus-0 mesh: the vertex of largest barycentric area, ties broken
/// by the lexicographically largest position (see the module docs; independent of the vertex
/// numbering).
pub fn choose_puncture(mesh: &TriMesh) -> usize {
    let mass = geometry::vertex_lumped_mass_barycentric(mesh);
    (0..mesh.vertices())
        .max_by(|&a, &b| {
            mass[a].total_cmp(&mass[b]).then_with(|| {
                let (p, q) = (mesh.positions[a], mesh.positions[b]);
                p[0].total_cmp(&q[0])
                    .then(p[1].total_cmp(&q[1]))
                    .then(p[2].total_cmp(&q[2]))
            })
        })
        .unwrap_or(0)
}

/// A metric sent to the sphere: positions of the original mesh's vertices, and the outcome of
/// their Möbius centering (on failure, the positions of its last iterate).
#[derive(Clone)]
pub(super) struct Sphere {
    pub(super) positions: Vec<[f64; 3]>,
    pub(super) centering: Result<Centering, NotCentered>,
}

/// Why [`map_to_sphere`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SphereError {
    /// The flattening problem of the punctured disk cannot be set up.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// A Newton iteration failed.
    #[error("Newton iteration {iteration}: {source}")]
    Step { iteration: usize, source: StepError },
    /// The curvature tolerance was not reached.
    #[error("no convergence in {iterations} Newton iterations")]
    NoConvergence { iterations: usize },
    /// The flat metric has no layout.
    #[error(transparent)]
    Metric(#[from] MetricError),
    /// The Möbius centering of the sphere did not converge.
    #[error(transparent)]
    NotCentered(#[from] NotCentered),
}

/// A discrete conformal map of a closed genus-0 mesh to the unit sphere (see the module docs):
/// Newton on the punctured disk to the curvature tolerance `tol`, then the layout sent to the
/// sphere and Möbius-centered. Returns the positions and the Newton iterations.
pub fn map_to_sphere(mesh: &TriMesh, tol: f64) -> Result<(Vec<[f64; 3]>, usize), SphereError> {
    let (mut flow, mut s) = DiscreteRicci::punctured_sphere(mesh.clone(), Method::Newton, tol)?;
    let mut iterations = 0;
    while !flow.converged(&s) {
        if iterations == MAX_NEWTON_ITERATIONS {
            return Err(SphereError::NoConvergence { iterations });
        }
        s = flow
            .step(&s, 0.0, 1.0)
            .map_err(|source| SphereError::Step {
                iteration: iterations,
                source,
            })?;
        iterations += 1;
    }
    let e = flow.evaluation(&s)?;
    let sphere = match &e.sphere {
        Some(sphere) => sphere.clone(),
        None => flow.sphere_of(&e).expect("punctured"),
    };
    sphere.centering?;
    Ok((sphere.positions, iterations))
}

impl DiscreteRicci {
    /// The flattening problem of [`map_to_sphere`] for a closed genus-0 mesh punctured at the
    /// vertex [`choose_puncture`] picks, and its initial state (the Dirichlet data on the
    /// pole's neighbours, 0 inside).
    pub fn punctured_sphere(
        mesh: TriMesh,
        method: Method,
        tol: f64,
    ) -> Result<(DiscreteRicci, MetricState), SetupError> {
        let pole = choose_puncture(&mesh);
        DiscreteRicci::punctured_sphere_at(mesh, pole, method, tol)
    }

    /// [`DiscreteRicci::punctured_sphere`] punctured at vertex `pole` (which must exist). The
    /// flow works on the whole mesh (its numbering kept): the faces at the pole are the part of
    /// the plane around infinity and take no part in the metric; the pole's neighbours are held
    /// at `u_a = −2 log |x_a − x_N|` (centred on 0) while they stay its neighbours (with flips
    /// the link shrinks to the convex hull, [`Intrinsic::flip_to_delaunay_punctured`]).
    ///
    /// [`Intrinsic::flip_to_delaunay_punctured`]: crate::mesh::intrinsic::Intrinsic::flip_to_delaunay_punctured
    pub fn punctured_sphere_at(
        mesh: TriMesh,
        pole: usize,
        method: Method,
        tol: f64,
    ) -> Result<(DiscreteRicci, MetricState), SetupError> {
        let n = mesh.vertices();
        let mut u = vec![0.0; n];
        let mut dirichlet = vec![false; n];
        dirichlet[pole] = true;
        for f in mesh.faces.iter().filter(|f| f.contains(&pole)) {
            for &a in f.iter().filter(|&&a| a != pole) {
                let d =
                    (Vector3::from(mesh.positions[a]) - Vector3::from(mesh.positions[pole])).norm();
                u[a] = -2.0 * d.ln();
                dirichlet[a] = true;
            }
        }
        // The common constant is free (it scales the plane): centre the link's values on 0, so
        // that u = 0 inside starts from a metric near the input's.
        let link: Vec<usize> = (0..n).filter(|&i| dirichlet[i] && i != pole).collect();
        let mean = link.iter().map(|&i| u[i]).sum::<f64>() / link.len() as f64;
        for &i in &link {
            u[i] -= mean;
        }
        let mass = geometry::vertex_lumped_mass_barycentric(&mesh);
        let mut flow = DiscreteRicci::new(mesh, vec![0.0; n], dirichlet, method, tol)?;
        flow.puncture = Some(Puncture { pole, mass });
        flow.id = super::next_flow_id();
        Ok((flow, MetricState::new(u)))
    }

    /// For a punctured sphere (else `None`): the flat metric laid out, centred and scaled, sent
    /// to the unit sphere by inverse stereographic projection (the pole to (0, 0, 1)) and
    /// Möbius-centered; positions of the original mesh's vertices, or the centering's failure.
    pub fn sphere_positions(
        &self,
        lengths: &[[f64; 3]],
    ) -> Option<Result<Vec<[f64; 3]>, NotCentered>> {
        let sphere = self.sphere_from_plane(&self.layout(lengths))?;
        Some(sphere.centering.map(|_| sphere.positions))
    }

    /// [`DiscreteRicci::sphere_positions`] of an evaluation (on its triangulation), with the
    /// outcome of the centering.
    pub(super) fn sphere_of(&self, e: &Evaluation) -> Option<Sphere> {
        self.sphere_from_plane(&self.layout_of(e))
    }

    /// [`DiscreteRicci::sphere_of`], reporting a centering that did not converge as an event
    /// (of the metric at time `t`).
    pub(super) fn checked_sphere(&mut self, e: &Evaluation, t: f64) -> Option<Sphere> {
        let sphere = self.sphere_of(e)?;
        if let Err(not) = &sphere.centering {
            self.events.push(format!("the sphere at t = {t:e}: {not}"));
        }
        Some(sphere)
    }

    /// The centre and the root-mean-square radius of the layout of the vertices other than the
    /// pole: the plane is moved and scaled by them before the inverse stereographic projection.
    fn plane_normalization(&self, plane: &[[f64; 3]]) -> ([f64; 2], f64) {
        let pole = self.puncture.as_ref().map_or(usize::MAX, |p| p.pole);
        let pts: Vec<&[f64; 3]> = plane
            .iter()
            .enumerate()
            .filter(|(i, q)| *i != pole && q[0].is_finite())
            .map(|(_, q)| q)
            .collect();
        let m = pts.len() as f64;
        let c = pts
            .iter()
            .fold([0.0; 2], |a, q| [a[0] + q[0] / m, a[1] + q[1] / m]);
        let r = (pts
            .iter()
            .map(|q| (q[0] - c[0]).powi(2) + (q[1] - c[1]).powi(2))
            .sum::<f64>()
            / m)
            .sqrt();
        (c, r)
    }

    /// The map of an evaluation back onto the input, on the sphere (punctured spheres only):
    /// the common subdivision's cells in finite faces laid out in the plane
    /// ([`DiscreteRicci::plane_map`]) and sent to the sphere as the vertices are; the cells in
    /// the faces at the pole (around infinity) with their points on the pole's edges placed on
    /// the meridians, at their place on the chord in the decoration of the sphere
    /// (`|P_i − P_j|² = e^{λ_ij + ũ_i + ũ_j}`); all Möbius-centered with the vertices' masses (the
    /// other points weigh nothing, so they follow the same transformation). Distortion is
    /// measured on the sphere (chordal triangles).
    pub(super) fn sphere_map(&self, e: &Evaluation) -> Option<Result<InputMap, TraceError>> {
        let p = self.puncture.as_ref()?;
        let plane = match self.plane_map_parts(e, true) {
            Ok(m) => m,
            Err(err) => return Some(Err(err)),
        };
        let tri = self.tri_of(e);
        let (c, r) = self.plane_normalization(&self.layout_of(e));
        let to_w = |q: [f64; 3]| [(q[0] - c[0]) / r, -(q[1] - c[1]) / r];
        let project = |w: [f64; 2]| {
            let s = w[0] * w[0] + w[1] * w[1];
            [
                2.0 * w[0] / (1.0 + s),
                2.0 * w[1] / (1.0 + s),
                (s - 1.0) / (s + 1.0),
            ]
        };
        let mut map = plane.map;
        let mut positions: Vec<[f64; 3]> = map.image.iter().map(|&q| project(to_w(q))).collect();
        if let Some(id) = plane.pole_point {
            positions[id] = [0.0, 0.0, 1.0];
        }
        // Points on the pole's edges: on the chord N → P_a at the parameter of the sphere's
        // decoration, then onto the sphere.
        let u = &e.u;
        // A vertex of no finite face (every face about it at the pole) has no place: NaN, and
        // its triangles count as bad.
        let vertex_pos = |v: usize| -> [f64; 3] {
            if v == p.pole {
                [0.0, 0.0, 1.0]
            } else {
                plane
                    .vertex_point
                    .get(v)
                    .and_then(|&i| positions.get(i))
                    .copied()
                    .unwrap_or([f64::NAN; 3])
            }
        };
        let mut placed = Vec::with_capacity(plane.pole_edge_points.len());
        for &(id, index) in &plane.pole_edge_points {
            let x = plane.crossings[index];
            let (tail, head) = (tri.tail(x.half_edge), tri.head(x.half_edge));
            let a = if tail == p.pole { head } else { tail };
            let pa = vertex_pos(a);
            let w = match plane.vertex_point.get(a).and_then(|&i| map.image.get(i)) {
                Some(&q) => to_w(q),
                None => [f64::NAN; 2],
            };
            // ũ_a of the sphere's decoration, and ũ_N from |P_N − P_a|² = e^{λ + ũ_N + ũ_a}.
            let ua = u[a] + (2.0 / r).ln() - (1.0 + w[0] * w[0] + w[1] * w[1]).ln();
            let d2 = (Vector3::new(0.0, 0.0, 1.0) - Vector3::from(pa))
                .norm()
                .powi(2);
            let un = d2.ln() - tri.base_log_length(x.half_edge) - ua;
            let (ut, uh) = if tail == p.pole { (un, ua) } else { (ua, un) };
            let rr = x.log_ratio - 0.5 * (uh - ut);
            let s = 1.0 / (1.0 + (-rr).exp());
            let (pt, ph) = (vertex_pos(tail), vertex_pos(head));
            let q = Vector3::from(pt) * (1.0 - s) + Vector3::from(ph) * s;
            placed.push((id, (q * (1.0 / q.norm())).into()));
        }
        for (id, q) in placed {
            positions[id] = q;
        }
        // The cells at the pole: stars about their normalized centroids.
        let mut triangles: Vec<([usize; 3], usize)> = map
            .triangles
            .iter()
            .copied()
            .zip(map.input_face.iter().copied())
            .collect();
        for (input_face, ids) in &plane.pole_cells {
            if ids.len() == 3 {
                triangles.push(([ids[0], ids[1], ids[2]], *input_face));
                continue;
            }
            let centre = ids
                .iter()
                .fold(Vector3::zeros(), |s, &i| s + Vector3::from(positions[i]));
            let centre_in: [f64; 3] = ids
                .iter()
                .fold(Vector3::zeros(), |s, &i| {
                    s + Vector3::from(map.points[i]) * (1.0 / ids.len() as f64)
                })
                .into();
            let id = positions.len();
            positions.push((centre * (1.0 / centre.norm())).into());
            map.points.push(centre_in);
            map.vertex_id.push(-1.0);
            for i in 0..ids.len() {
                triangles.push(([id, ids[i], ids[(i + 1) % ids.len()]], *input_face));
            }
        }
        let mass: Vec<f64> = map
            .vertex_id
            .iter()
            .map(|&v| if v >= 0.0 { p.mass[v as usize] } else { 0.0 })
            .collect();
        // The centering's outcome is reported with the per-vertex sphere.
        let _ = mobius_center(&mut positions, &mass);
        let mut sphere = InputMap::new(map.points, positions, map.vertex_id, true);
        for (t, f) in triangles {
            let src = t.map(|i| sphere.points[i]);
            let dst = t.map(|i| sphere.image[i]);
            sphere.push_measured(t, src, dst, true, f);
        }
        Some(Ok(sphere))
    }

    /// [`DiscreteRicci::sphere_positions`] from the layout of the vertices other than the pole.
    fn sphere_from_plane(&self, plane: &[[f64; 3]]) -> Option<Sphere> {
        let p = self.puncture.as_ref()?;
        let (c, r) = self.plane_normalization(plane);
        let mut sphere = vec![[0.0, 0.0, 1.0]; plane.len()];
        for (i, q) in plane.iter().enumerate() {
            if i == p.pole {
                continue;
            }
            // Mirrored: stereographic projection from the north pole reverses orientation.
            let (x, y) = ((q[0] - c[0]) / r, -(q[1] - c[1]) / r);
            let s = x * x + y * y;
            sphere[i] = [
                2.0 * x / (1.0 + s),
                2.0 * y / (1.0 + s),
                (s - 1.0) / (s + 1.0),
            ];
        }
        let centering = mobius_center(&mut sphere, &p.mass);
        Some(Sphere {
            positions: sphere,
            centering,
        })
    }
}
