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
//! A centering that does not converge leaves a valid map to the sphere, only not normalized:
//! [`map_to_sphere`] fails with it, and the flow reports it as an event of the step that made
//! the metric (and of the first step, for the initial state).

use super::{DiscreteRicci, Evaluation, Method, MetricError, MetricState, SetupError};
use crate::flows::{Flow, StepError};
use crate::geometry::{self, mobius_center, Centering, NotCentered};
use crate::mesh::TriMesh;
use nalgebra::Vector3;

/// Newton iterations [`map_to_sphere`] takes at most.
const MAX_NEWTON_ITERATIONS: usize = 50;

/// A closed genus-0 mesh punctured at a vertex, for [`map_to_sphere`].
pub(super) struct Puncture {
    original: TriMesh,
    pole: usize,
    /// The barycentric lumped mass of the original mesh (the weights of the Möbius centering).
    mass: Vec<f64>,
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
    /// The flattening problem of [`map_to_sphere`] for a closed genus-0 mesh punctured at its
    /// vertex 0, and its initial state (the Dirichlet data on the pole's neighbours, 0 inside).
    pub fn punctured_sphere(
        mesh: TriMesh,
        method: Method,
        tol: f64,
    ) -> Result<(DiscreteRicci, MetricState), SetupError> {
        let n = mesh.vertices();
        let pole = 0;
        // The punctured disk, vertices renumbered without the pole.
        let index: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
        let faces: Vec<[usize; 3]> = mesh
            .faces
            .iter()
            .filter(|f| !f.contains(&pole))
            .map(|f| f.map(|i| index[i]))
            .collect();
        let positions: Vec<[f64; 3]> = mesh.positions[1..].to_vec();
        let disk = TriMesh::new(positions, faces);
        let m = disk.vertices();
        let mut u = vec![0.0; m];
        let mut dirichlet = vec![false; m];
        for f in mesh.faces.iter().filter(|f| f.contains(&pole)) {
            for &a in f.iter().filter(|&&a| a != pole) {
                let d =
                    (Vector3::from(mesh.positions[a]) - Vector3::from(mesh.positions[pole])).norm();
                u[index[a]] = -2.0 * d.ln();
                dirichlet[index[a]] = true;
            }
        }
        // The common constant is free (it scales the plane): centre the boundary values on
        // 0, so that u = 0 inside starts from a valid metric.
        let nb = dirichlet.iter().filter(|&&d| d).count() as f64;
        let mean = u.iter().sum::<f64>() / nb;
        for (x, &d) in u.iter_mut().zip(&dirichlet) {
            if d {
                *x -= mean;
            }
        }
        let mut flow = DiscreteRicci::new(disk, vec![0.0; m], dirichlet, method, tol)?;
        flow.puncture = Some(Puncture {
            mass: geometry::vertex_lumped_mass_barycentric(&mesh),
            original: mesh,
            pole,
        });
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

    /// The faces of the sphere: the punctured disk's triangulation (with flips, the current
    /// one) in the original numbering, and the pole's faces.
    pub(super) fn sphere_faces(&self, e: &Evaluation) -> Option<Vec<[usize; 3]>> {
        let p = self.puncture.as_ref()?;
        let mut faces: Vec<[usize; 3]> = self
            .faces(e)
            .iter()
            .map(|f| f.map(|i| if i >= p.pole { i + 1 } else { i }))
            .collect();
        faces.extend(p.original.faces.iter().filter(|f| f.contains(&p.pole)));
        Some(faces)
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

    /// [`DiscreteRicci::sphere_positions`] from the layout of the punctured disk.
    fn sphere_from_plane(&self, plane: &[[f64; 3]]) -> Option<Sphere> {
        let p = self.puncture.as_ref()?;
        let m = plane.len() as f64;
        let c = plane
            .iter()
            .fold([0.0; 2], |a, q| [a[0] + q[0] / m, a[1] + q[1] / m]);
        let r = (plane
            .iter()
            .map(|q| (q[0] - c[0]).powi(2) + (q[1] - c[1]).powi(2))
            .sum::<f64>()
            / m)
            .sqrt();
        let n = p.original.vertices();
        let mut sphere = vec![[0.0, 0.0, 1.0]; n];
        for (i, q) in (0..n).filter(|&i| i != p.pole).zip(plane) {
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
