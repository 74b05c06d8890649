//! Mean curvature flow of triangulated surfaces, `x_t = Δ_S x = −2H n`: the L² gradient flow of
//! the area, on closed or open meshes.
//!
//! # Scheme
//! Semi-implicit in the positions with the geometry lagged (Dziuk 1990, *An algorithm for
//! evolutionary surfaces*, Numer. Math. 58; Desbrun, Meyer, Schröder & Barr 1999, *Implicit
//! fairing of irregular meshes using diffusion and curvature flow*, SIGGRAPH):
//!
//! `(M^n + dt L) X^{n+1} = M^n X^n`,
//!
//! with `M^n` the mixed Voronoi lumped mass of the current mesh and `L` the weak (positive
//! semi-definite) cotan Laplacian, either of the current mesh (`laplacian = "current"`, Desbrun
//! et al.) or frozen at the initial mesh (`laplacian = "frozen"`: conformalized mean curvature
//! flow, Kazhdan, Solomon & Ben-Chen 2012, *Can mean-curvature flow be modified to be
//! non-singular?*, SGP). One SPD factorization per step serves the three coordinates.
//! Boundary vertices are either held fixed (a soap film on a wire) or move with the flow.
//! Optionally the result of each step is rescaled about its centroid to keep the initial area
//! or (closed surfaces) the enclosed volume.
//!
//! # Energy
//! The total area `Σ_f |f|`. On a sphere of radius `r₀` the exact flow is a sphere of radius
//! `sqrt(r₀² − 4t)`, extinct at `t = r₀²/4`.
//!
//! # Singularities
//! A surface that pinches (a dumbbell's neck) degenerates triangles. After every step the
//! smallest corner angle and the smallest face area (relative to the current mean) are checked;
//! below the thresholds the step fails with a [`StepError::Collapse`] naming the face.

use super::{Cells, Field, Flow, Frame, ImplicitStep, StepError};
use crate::geometry::{self, EdgeLayout};
use crate::linalg::{ImplicitSystem, SpdError};
use crate::mesh::TriMesh;
use serde::{Deserialize, Serialize};

pub mod setup;

/// Which Laplacian the implicit step uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LaplacianChoice {
    /// Recomputed from the current mesh every step (Desbrun et al. 1999).
    Current,
    /// Computed once from the initial mesh (conformalized MCF, Kazhdan et al. 2012).
    Frozen,
}

/// What happens to boundary vertices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Boundary {
    /// Held in place: a soap film on a wire.
    Fixed,
    /// Moved by the flow like every other vertex.
    Free,
}

/// What to keep constant by rescaling after each step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalize {
    None,
    Area,
    /// The enclosed volume (closed surfaces only).
    Volume,
}

/// What a collapsing step does to the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnCollapse {
    /// Fail with a numerical error naming the triangle, step and time.
    Error,
    /// End cleanly at the last valid state (written as the last frame).
    Stop,
}

/// Options of the surface flow: the `[surface]` table of a scenario.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurfaceOptions {
    pub laplacian: LaplacianChoice,
    pub boundary: Boundary,
    pub normalize: Normalize,
    /// Collapse threshold: the smallest corner angle, in degrees.
    #[serde(rename = "min_angle")]
    pub min_angle_deg: f64,
    /// Collapse threshold: the smallest face area relative to the mean face area.
    pub min_relative_area: f64,
    pub on_collapse: OnCollapse,
}

impl Default for SurfaceOptions {
    fn default() -> Self {
        SurfaceOptions {
            laplacian: LaplacianChoice::Current,
            boundary: Boundary::Fixed,
            normalize: Normalize::None,
            min_angle_deg: 0.5,
            min_relative_area: 1e-6,
            on_collapse: OnCollapse::Error,
        }
    }
}

/// The state: the current mesh (its connectivity never changes during a run).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SurfaceState {
    pub mesh: TriMesh,
}

/// Mean curvature flow of a surface mesh; see the module docs.
pub struct SurfaceMcf {
    faces: Vec<[usize; 3]>,
    /// The vertex-edge layout of the Laplacian.
    layout: EdgeLayout,
    options: SurfaceOptions,
    system: ImplicitSystem,
    frozen_entries: Option<Vec<f64>>,
    entries: Vec<f64>,
    mass: Vec<f64>,
    /// The assembled step: `dt`, the coordinates `X^n` (the Dirichlet values of fixed vertices)
    /// and the right-hand sides `M^n X^n`, one column per coordinate; then the solution.
    dt: f64,
    x: [Vec<f64>; 3],
    rhs: [Vec<f64>; 3],
    solution: Vec<[f64; 3]>,
    /// The smallest angle allowed, in degrees: `min_angle`, or half the input's smallest angle
    /// when that is smaller.
    min_angle_deg: f64,
    initial_mean_area: f64,
    initial_area: f64,
    initial_volume: f64,
    closed: bool,
}

impl SurfaceMcf {
    /// Set up the flow on `mesh` (which must be a valid oriented manifold mesh).
    pub fn new(mesh: &TriMesh, options: SurfaceOptions) -> Result<Self, SpdError> {
        let n = mesh.vertices();
        let boundary = geometry::vertex_boundary_mask(&mesh.faces, n);
        let closed = !boundary.iter().any(|&b| b);
        let fixed: Vec<bool> = if options.boundary == Boundary::Fixed {
            boundary
        } else {
            vec![false; n]
        };
        let layout = EdgeLayout::of_mesh(mesh);
        let system = ImplicitSystem::new(n, &layout.pairs(), &fixed)?;
        let mut entries = vec![0.0; layout.len()];
        let frozen_entries = (options.laplacian == LaplacianChoice::Frozen).then(|| {
            layout.laplacian_entries(&geometry::corner_cotans(mesh), &mut entries);
            entries.clone()
        });
        let initial_min_angle_deg = geometry::corner_angles(mesh)
            .iter()
            .flatten()
            .fold(f64::INFINITY, |m, &a| m.min(a))
            .to_degrees();
        Ok(SurfaceMcf {
            faces: mesh.faces.clone(),
            layout,
            // Collapse is an angle at half the input's own smallest, if that is below the
            // threshold: a scan with slivers runs, and is stopped when they degrade further.
            min_angle_deg: options.min_angle_deg.min(0.5 * initial_min_angle_deg),
            initial_mean_area: geometry::total_area(mesh) / mesh.faces.len() as f64,
            initial_area: geometry::total_area(mesh),
            initial_volume: geometry::enclosed_volume(mesh),
            closed,
            options,
            system,
            frozen_entries,
            entries,
            mass: Vec::new(),
            dt: 0.0,
            x: Default::default(),
            rhs: Default::default(),
            solution: Vec::new(),
        })
    }

    /// Fail if a triangle has degenerated (the first face, by index, below a threshold: an
    /// angle below [`SurfaceMcf::min_angle_deg`], an area below `min_relative_area` times the
    /// mean face area), or the whole surface has shrunk to below `min_relative_area` times its
    /// initial mean face area (extinction: a sphere vanishing into a point).
    fn check_collapse(&self, mesh: &TriMesh) -> Result<(), StepError> {
        let angles = geometry::corner_angles(mesh);
        let areas = geometry::face_areas(mesh);
        let mean = areas.iter().sum::<f64>() / areas.len() as f64;
        let min_angle = self.min_angle_deg.to_radians();
        let keys = format!(
            "thresholds: surface.min_angle = {}°, surface.min_relative_area = {:e}",
            self.min_angle_deg, self.options.min_relative_area
        );
        for (f, (a, &area)) in angles.iter().zip(&areas).enumerate() {
            let smallest = a.iter().cloned().fold(f64::INFINITY, f64::min);
            if !(smallest >= min_angle && area >= self.options.min_relative_area * mean) {
                let c = self.faces[f].map(|v| mesh.positions[v]);
                let centroid: [f64; 3] =
                    std::array::from_fn(|i| (c[0][i] + c[1][i] + c[2][i]) / 3.0);
                return Err(StepError::Collapse(format!(
                    "triangle {f} (vertices {:?}) degenerated near ({:.4}, {:.4}, {:.4}): smallest angle \
                     {:.3}°, area {:.3e} = {:.2e} × the mean face area ({keys})",
                    self.faces[f],
                    centroid[0],
                    centroid[1],
                    centroid[2],
                    smallest.to_degrees(),
                    area,
                    area / mean,
                )));
            }
        }
        if mean.is_nan() || mean < self.options.min_relative_area * self.initial_mean_area {
            return Err(StepError::Collapse(format!(
                "the surface shrank to a point: its mean face area {mean:.3e} is {:.2e} × the \
                 initial one ({keys})",
                mean / self.initial_mean_area
            )));
        }
        Ok(())
    }

    fn rescale(&self, mesh: &mut TriMesh) {
        let s = match self.options.normalize {
            Normalize::None => return,
            Normalize::Area => (self.initial_area / geometry::total_area(mesh)).sqrt(),
            Normalize::Volume => (self.initial_volume / geometry::enclosed_volume(mesh)).cbrt(),
        };
        let areas = geometry::face_areas(mesh);
        let total: f64 = areas.iter().sum();
        let mut c = [0.0; 3];
        for (f, a) in self.faces.iter().zip(&areas) {
            for &v in f {
                for (ci, pi) in c.iter_mut().zip(mesh.positions[v]) {
                    *ci += a * pi / (3.0 * total);
                }
            }
        }
        for p in &mut mesh.positions {
            *p = std::array::from_fn(|i| c[i] + s * (p[i] - c[i]));
        }
    }

    /// Whether the surface has no boundary.
    pub fn closed(&self) -> bool {
        self.closed
    }
}

impl ImplicitStep for SurfaceMcf {
    /// The mass of the current mesh, (unless frozen) its Laplacian, and `M X` per coordinate.
    fn assemble(&mut self, s: &SurfaceState, _t: f64, dt: f64) {
        let mesh = &s.mesh;
        self.mass = geometry::vertex_lumped_mass_voronoi(mesh);
        if self.frozen_entries.is_none() {
            let cot = geometry::corner_cotans(mesh);
            self.layout.laplacian_entries(&cot, &mut self.entries);
        }
        self.dt = dt;
        self.x = std::array::from_fn(|c| mesh.positions.iter().map(|p| p[c]).collect());
        self.rhs = std::array::from_fn(|c| {
            self.x[c]
                .iter()
                .zip(&self.mass)
                .map(|(x, m)| m * x)
                .collect()
        });
    }

    /// Numeric factorization of `M + dt L` (the symbolic analysis is reused).
    fn factorize(&mut self) -> Result<(), SpdError> {
        let k = self.frozen_entries.as_ref().unwrap_or(&self.entries);
        self.system.factor(&self.mass, self.dt, k)
    }

    /// Solve for the three coordinates with the current factorization.
    fn solve(&mut self) -> Result<(), SpdError> {
        let b: Vec<&[f64]> = self.rhs.iter().map(|v| v.as_slice()).collect();
        let g: Vec<&[f64]> = self.x.iter().map(|v| v.as_slice()).collect();
        let cols = self.system.solve_columns(&b, &g)?;
        self.solution = (0..self.x[0].len())
            .map(|i| [cols[0][i], cols[1][i], cols[2][i]])
            .collect();
        Ok(())
    }

    fn unknowns(&self) -> usize {
        self.system.unknowns()
    }
}

impl Flow for SurfaceMcf {
    type State = SurfaceState;

    fn energy(&self, s: &SurfaceState) -> f64 {
        geometry::total_area(&s.mesh)
    }

    fn step(&mut self, s: &SurfaceState, t: f64, dt: f64) -> Result<SurfaceState, StepError> {
        self.assemble(s, t, dt);
        self.factorize()?;
        self.solve()?;
        let next = std::mem::take(&mut self.solution);
        if next.iter().flatten().any(|v| !v.is_finite()) {
            return Err(StepError::NonFinite("vertex positions"));
        }
        let mut out = TriMesh::new(next, self.faces.clone());
        self.rescale(&mut out);
        self.check_collapse(&out)?;
        Ok(SurfaceState { mesh: out })
    }

    fn diagnostics(&self, s: &SurfaceState, _t: f64) -> Vec<(&'static str, f64)> {
        let mesh = &s.mesh;
        let area = geometry::total_area(mesh);
        let min_angle = geometry::corner_angles(mesh)
            .iter()
            .flatten()
            .cloned()
            .fold(f64::INFINITY, f64::min);
        let mut d = vec![("area", area), ("min_angle_deg", min_angle.to_degrees())];
        if self.closed {
            d.push(("volume", geometry::enclosed_volume(mesh)));
            d.push((
                "sphere_radius",
                (area / (4.0 * std::f64::consts::PI)).sqrt(),
            ));
        }
        d
    }

    fn stops_at_singularities(&self) -> bool {
        self.options.on_collapse == OnCollapse::Stop
    }

    fn distance(&self, a: &SurfaceState, b: &SurfaceState) -> f64 {
        a.mesh
            .positions
            .iter()
            .zip(&b.mesh.positions)
            .map(|(p, q)| {
                ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
            })
            .fold(0.0, f64::max)
    }

    fn frame(&self, s: &SurfaceState, _t: f64) -> Frame {
        let mesh = &s.mesh;
        let h = geometry::vertex_mean_curvature(mesh);
        // x_t = −2H n: the normal velocity along the outward normal is −2H.
        let v: Vec<f64> = h.iter().map(|h| -2.0 * h).collect();
        let k = geometry::vertex_gaussian_curvature(mesh);
        Frame {
            points: mesh.positions.clone(),
            cells: Cells::Triangles(self.faces.clone()),
            point_data: vec![
                ("mean_curvature", Field::Scalar(h)),
                ("normal_velocity", Field::Scalar(v)),
                ("gaussian_curvature", Field::Scalar(k)),
            ],
            cell_data: Vec::new(),
            series: Vec::new(),
        }
    }
}
