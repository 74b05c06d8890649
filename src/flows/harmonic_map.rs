//! Harmonic map heat flow into a target manifold `N ⊂ R³` ([`Target`]: `S¹`, `S²`, a torus)
//! over a planar domain or a surface mesh: `u_t = (Δu)^T`, the tangential part of the
//! Laplacian — for the sphere `u_t = Δu + |∇u|² u` — the L² gradient flow of the Dirichlet
//! energy `E(u) = ½ ∫ |∇u|²` under the constraint `u ∈ N`.
//!
//! # Scheme
//! The tangent-plane scheme (Alouges 1997, *A new algorithm for computing liquid crystal
//! stable configurations: the harmonic mapping case*, SIAM J. Numer. Anal. 34; Bartels 2005,
//! *Stability and convergence of finite-element approximation schemes for harmonic maps*, SIAM
//! J. Numer. Anal. 43): find `v` with `v_i ∈ T_{u^n_i} N` at every node such that
//!
//! `(v, w)_h + θ dt (∇v, ∇w) = −(∇u^n, ∇w)` for all such `w`,
//!
//! then `u^{n+1}_i = π_N(u^n_i + dt v_i)` with `π_N` the closest-point projection. Each node's
//! tangent plane has an orthonormal basis `t_1, …, t_k`, so `v_i = Σ_a α_{ia} t_a(i)` and each
//! step is one SPD solve for the `k` coefficients per free node, on a pattern fixed for the run:
//! `A_{(i,a),(j,b)} = M_i δ_ij δ_ab + θ dt L_ij t_a(i)·t_b(j)`.
//!
//! Since `E` is quadratic, `E(u^n + dt v) + dt ‖v‖²_h + (θ − ½) dt² ‖∇v‖² = E(u^n)`: with
//! `θ ≥ ½` the step before projection never increases the energy. For the sphere the nodal
//! projection does not either when all off-diagonal `L_ij ≤ 0` (a weakly acute or, in 2D,
//! Delaunay mesh; the grid always) — the set-up warns of meshes where that fails
//! ([`MeshDomain::negative_weight_warning`](crate::discretization::MeshDomain::negative_weight_warning)),
//! and `[mesh] laplacian = "intrinsic-delaunay"` takes `L` and `M` from the intrinsic Delaunay
//! triangulation of the mesh, where it holds on every closed mesh (Bobenko–Springborn 2007).
//!
//! **Projection-free variant** (`project = false`; Bartels 2016, *Projection-free
//! approximation of geometrically constrained partial differential equations*, Math. Comp. 85):
//! `u^{n+1} = u^n + dt v`. The energy then decreases on every mesh, and since `v_i ⊥ u^n_i`,
//! `|u^n_i|² = |u^0_i|² + dt² Σ_k |v^k_i|²`; with the energy law this gives for the sphere
//! `Σ_i M_i | |u^n_i|² − 1 | ≤ dt E(u^0)` (the `constraint_l1` column), first order in `dt`.
//!
//! # Singularities and centering
//! - Blow-up (`S²` only): a 2D harmonic map flow can bubble, energy concentrating at a point
//!   and a quantum `4π` leaving in finite time (Chang, Ding, Ye 1992, *Finite-time blow-up of
//!   the heat flow of harmonic maps from surfaces*, J. Differential Geom. 36). On the mesh the
//!   energy first concentrates in the star of one node: when the local energy `½ u_i·(L u)_i`
//!   of a node exceeds [`CONCENTRATION`] (a smooth, resolved map has `O(h²)` there) an event
//!   names the node; when the concentration is released again and the energy has dropped by
//!   more than [`BLOWUP_DROP`] since its peak, a blow-up is reported with its time and place
//!   (an event, or the end of the run with `on_blowup = "stop"`).
//! - Möbius centering (`S²`, `center = true`): maps of degree ±1 are only determined up to the
//!   Möbius group, and the discrete flow drifts towards maps concentrating at a point. After
//!   every step the map is composed with the Möbius transformation of the ball that moves the
//!   centre of mass `Σ M_i u_i / Σ M_i` to the origin (Gu, Wang, Chan, Thompson, Yau 2004,
//!   *Genus zero surface conformal mapping and its application to brain surface mapping*, IEEE
//!   TMI 23, normalize the same centre; the transformation and its fixed-point iteration
//!   follow Baden, Crane, Kazhdan 2018, *Möbius registration*, CGF 37;
//!   [`crate::geometry::mobius_center`]). A centering that does not converge keeps the step
//!   (its map is still on `S²`) and is reported as an event with the remaining `|c|`.

pub mod setup;

use super::target::Target;
use super::{Cells, Field, Flow, Frame, ImplicitStep, StepError};
use crate::discretization::{h1_error_vector, nodal_errors_vector, Discretization};
use crate::expr::Expr;
use crate::geometry::mobius_center;
use crate::linalg::{sym_matvec, ImplicitSystem, SpdError};
use nalgebra::Vector3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::sync::OnceLock;

/// Local energy of one node's star above which the energy counts as concentrated there (a
/// sixth of the `4π` a bubble carries).
pub const CONCENTRATION: f64 = 2.0;

/// Energy drop, from the peak of a concentration to its release (local energy back below a
/// tenth of [`CONCENTRATION`]), reported as a blow-up: a quarter of a bubble's `4π` (on coarse
/// meshes a bubble leaves with about half of it).
pub const BLOWUP_DROP: f64 = PI;

/// A concentration of energy at a node, followed until it is released.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Concentration {
    node: usize,
    local: f64,
    energy: f64,
    time: f64,
}

/// A map into the target: one point of `N` (of 2 or 3 components) per node.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MapState {
    pub u: Vec<[f64; 3]>,
}

/// Whether maps into `S²` are Möbius-centered after every step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Center {
    None,
    Mobius,
}

/// What a detected blow-up does to the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnBlowup {
    /// Report it as an event and go on.
    Continue,
    /// End the run there, cleanly.
    Stop,
}

/// Options of the scheme (the `[harmonic]` table of a scenario); see the module docs.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapOptions {
    /// Implicitness, in `[½, 1]`.
    pub theta: f64,
    /// Dirichlet data (the initial boundary values) on the boundary; else natural conditions.
    /// Not a key of its own: a scenario has Dirichlet data when it has `[boundary]`.
    #[serde(skip)]
    pub dirichlet: bool,
    /// Project onto the target after each step (false: the projection-free variant).
    pub project: bool,
    /// Möbius-center maps into `S²` after every step.
    pub center: Center,
    /// End the run at a detected blow-up instead of reporting it and going on.
    pub on_blowup: OnBlowup,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            theta: 1.0,
            dirichlet: true,
            project: true,
            center: Center::None,
            on_blowup: OnBlowup::Continue,
        }
    }
}

/// The linear system of one step; see [`HarmonicMap::assemble`].
struct TangentSystem {
    basis: Vec<[Vector3<f64>; 2]>,
    entries: Vec<f64>,
    rhs: Vec<f64>,
    lu: Vec<[f64; 3]>,
    dt: f64,
    /// The tangent coefficients, once solved.
    alpha: Vec<f64>,
}

/// Harmonic map heat flow into a [`Target`] over a [`Discretization`].
pub struct HarmonicMap<D: Discretization> {
    domain: D,
    target: Target,
    opts: MapOptions,
    pairs: Vec<(usize, usize)>,
    k: Vec<f64>,
    system: ImplicitSystem,
    /// The lumped mass, repeated for the `k` unknowns of each node.
    block_mass: Vec<f64>,
    /// A known solution `u(x, y, z, t)` per component, for error diagnostics.
    exact: Option<Vec<Expr>>,
    /// The domain's triangles (grid cells split in two) and their orientation relative to +z
    /// on planar domains (+1 on surfaces), for the degree and the covered area.
    triangles: Vec<[usize; 3]>,
    orientation: Vec<f64>,
    /// Whether the degree of a map into `S²` is defined: a closed domain, or Dirichlet data
    /// mapping the whole boundary to one point (decided on the first state seen).
    degree_defined: OnceLock<bool>,
    concentration: Option<Concentration>,
    events: Vec<String>,
    /// The system of the step being taken (see [`ImplicitStep`]).
    step_system: Option<TangentSystem>,
}

impl<D: Discretization> HarmonicMap<D> {
    /// Set up the flow on a fixed pattern (the symbolic factorization is done here, once).
    pub fn new(domain: D, target: Target, opts: MapOptions) -> Result<Self, SpdError> {
        let kdim = target.tangent_dim();
        let pairs = domain.stiffness_pairs();
        let mut k = vec![0.0; pairs.len()];
        domain.laplacian_entries(&mut k);
        let mut block_pairs = Vec::new();
        for &(i, j) in &pairs {
            for a in 0..kdim {
                for b in 0..kdim {
                    if i != j || a == b {
                        block_pairs.push((kdim * i + a, kdim * j + b));
                    }
                }
            }
        }
        let fixed: Vec<bool> = domain
            .boundary()
            .iter()
            .flat_map(|&b| std::iter::repeat_n(opts.dirichlet && b, kdim))
            .collect();
        let system = ImplicitSystem::new(kdim * domain.nodes(), &block_pairs, &fixed)?;
        let triangles = match domain.cells() {
            Cells::Triangles(t) => t,
            Cells::Structured { nx, ny } => (0..ny - 1)
                .flat_map(|j| (0..nx - 1).map(move |i| i + nx * j))
                .flat_map(|a| [[a, a + 1, a + nx + 1], [a, a + nx + 1, a + nx]])
                .collect(),
        };
        let orientation = triangles
            .iter()
            .map(|f| {
                if !domain.planar() {
                    return 1.0;
                }
                let p = f.map(|i| Vector3::from(domain.point(i)));
                let m = (p[1] - p[0]).cross(&(p[2] - p[0]));
                m[2].signum()
            })
            .collect();
        let block_mass = domain
            .lumped_mass()
            .iter()
            .flat_map(|&m| std::iter::repeat_n(m, kdim))
            .collect();
        Ok(HarmonicMap {
            domain,
            target,
            opts,
            pairs,
            k,
            system,
            block_mass,
            exact: None,
            triangles,
            orientation,
            degree_defined: OnceLock::new(),
            concentration: None,
            events: Vec::new(),
            step_system: None,
        })
    }

    /// Also report `error_linf`, `error_l2` (lumped-mass weighted) and, on planar domains,
    /// `error_h1` against `exact`.
    pub fn with_exact(mut self, exact: Option<Vec<Expr>>) -> Self {
        self.exact = exact;
        self
    }

    pub fn domain(&self) -> &D {
        &self.domain
    }

    pub fn target(&self) -> Target {
        self.target
    }

    fn laplacian(&self, u: &[[f64; 3]]) -> Vec<[f64; 3]> {
        let mut lu = vec![[0.0; 3]; u.len()];
        sym_matvec(&self.pairs, &self.k, u, &mut lu);
        lu
    }

    /// `E(u) = ½ Σ_c u_cᵀ L u_c`, given `L u`.
    fn energy_with(u: &[[f64; 3]], lu: &[[f64; 3]]) -> f64 {
        0.5 * u
            .iter()
            .zip(lu)
            .map(|(&u, &l)| Vector3::from(u).dot(&Vector3::from(l)))
            .sum::<f64>()
    }

    /// `max_i dist(u_i, N)`.
    pub fn constraint_error(&self, s: &MapState) -> f64 {
        s.u.iter()
            .map(|&p| self.target.distance(p))
            .fold(0.0, f64::max)
    }

    /// `Σ_i M_i | |u_i|² − 1 |` for spheres (the quantity Bartels's bound controls), and
    /// `Σ_i M_i dist(u_i, N)` for other targets.
    pub fn constraint_l1(&self, s: &MapState) -> f64 {
        let sphere = matches!(self.target, Target::Sphere { .. });
        s.u.iter()
            .zip(self.domain.lumped_mass())
            .map(|(&p, m)| {
                m * if sphere {
                    let p = Vector3::from(p);
                    (p.dot(&p) - 1.0).abs()
                } else {
                    self.target.distance(p)
                }
            })
            .sum()
    }

    /// The signed solid angles of the image triangles (Van Oosterom–Strackee 1983:
    /// `tan(Ω/2) = a·(b×c) / (1 + a·b + b·c + c·a)` for unit `a, b, c`), oriented like the
    /// domain.
    fn solid_angles(&self, u: &[[f64; 3]]) -> Vec<f64> {
        self.triangles
            .par_iter()
            .zip(&self.orientation)
            .map(|(f, o)| {
                let [a, b, c] = f.map(|i| {
                    let v = Vector3::from(u[i]);
                    v * (1.0 / v.norm())
                });
                let num = a.dot(&b.cross(&c));
                let den = 1.0 + a.dot(&b) + b.dot(&c) + c.dot(&a);
                o * 2.0 * num.atan2(den)
            })
            .collect()
    }

    /// The topological degree `Σ Ω / 4π` of a map into `S²` (an integer up to rounding when
    /// the domain is closed or its boundary maps to one point).
    pub fn degree(&self, s: &MapState) -> f64 {
        self.solid_angles(&s.u).iter().sum::<f64>() / (4.0 * PI)
    }

    /// The area of `S²` covered by the image, with multiplicity: `Σ |Ω|`.
    pub fn covered_area(&self, s: &MapState) -> f64 {
        self.solid_angles(&s.u).iter().map(|w| w.abs()).sum()
    }

    /// The node with the largest local energy `½ u_i·(L u)_i`, and that energy.
    fn hottest_node(u: &[[f64; 3]], lu: &[[f64; 3]]) -> (usize, f64) {
        u.iter()
            .zip(lu)
            .map(|(&u, &l)| 0.5 * Vector3::from(u).dot(&Vector3::from(l)))
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0))
    }

    /// The linear system of one step from `s`: tangent bases at the nodes, the block entries
    /// `L_ij t_a(i)·t_b(j)` (in the order of the fixed pattern) and the right-hand side
    /// `−(L u)_i · t_a(i)`.
    fn tangent_system(&self, s: &MapState, dt: f64) -> TangentSystem {
        let kdim = self.target.tangent_dim();
        let target = self.target;
        let basis: Vec<[Vector3<f64>; 2]> =
            s.u.par_iter().map(|&u| target.tangent_basis(u)).collect();
        let entries: Vec<f64> = self
            .pairs
            .par_iter()
            .zip(&self.k)
            .with_min_len(4096)
            .flat_map_iter(|(&(i, j), &l)| {
                let basis = &basis;
                (0..kdim * kdim).filter_map(move |ab| {
                    let (a, b) = (ab / kdim, ab % kdim);
                    if i != j {
                        Some(l * basis[i][a].dot(&basis[j][b]))
                    } else {
                        (a == b).then_some(l)
                    }
                })
            })
            .collect();
        let lu = self.laplacian(&s.u);
        let rhs: Vec<f64> = (0..s.u.len())
            .into_par_iter()
            .with_min_len(4096)
            .flat_map_iter(|i| {
                let (lu, basis) = (&lu, &basis);
                (0..kdim).map(move |a| -Vector3::from(lu[i]).dot(&basis[i][a]))
            })
            .collect();
        TangentSystem {
            basis,
            entries,
            rhs,
            lu,
            dt,
            alpha: Vec::new(),
        }
    }

    /// Number of stored values of its Cholesky factor.
    pub fn factor_nnz(&self) -> usize {
        self.system.factor_nnz()
    }

    /// Follow concentrations of energy across the step from `s` (with `L u = lu`) at time `t`
    /// to `u` at `t + dt`; see the module docs.
    fn watch_concentration(
        &mut self,
        s: &MapState,
        lu: &[[f64; 3]],
        u: &[[f64; 3]],
        t: f64,
        dt: f64,
    ) -> Result<(), StepError> {
        let (node, local) = Self::hottest_node(&s.u, lu);
        if local >= CONCENTRATION {
            let energy = Self::energy_with(&s.u, lu);
            let now = Concentration {
                node,
                local,
                energy,
                time: t,
            };
            match &mut self.concentration {
                None => {
                    let [x, y, z] = self.domain.point(node);
                    self.events.push(format!(
                        "energy concentrating at node {node} ({x:.4}, {y:.4}, {z:.4}): local \
                         energy {local:.4} of total {energy:.4}"
                    ));
                    self.concentration = Some(now);
                }
                Some(c) if local > c.local => *c = now,
                Some(_) => {}
            }
        }
        let Some(c) = self.concentration else {
            return Ok(());
        };
        let lu_new = self.laplacian(u);
        if Self::hottest_node(u, &lu_new).1 >= 0.1 * CONCENTRATION {
            return Ok(());
        }
        self.concentration = None;
        let drop = c.energy - Self::energy_with(u, &lu_new);
        if drop < BLOWUP_DROP {
            return Ok(());
        }
        let [x, y, z] = self.domain.point(c.node);
        let msg = format!(
            "blow-up at node {} ({x:.4}, {y:.4}, {z:.4}) between t = {:e} and {:e}: the energy \
             concentrated there (peak local energy {:.4}) dropped by {drop:.4} = {:.3} x 4 pi",
            c.node,
            c.time,
            t + dt,
            c.local,
            drop / (4.0 * PI)
        );
        if self.opts.on_blowup == OnBlowup::Stop {
            return Err(StepError::Singular(msg));
        }
        self.events.push(msg);
        Ok(())
    }
}

impl<D: Discretization> ImplicitStep for HarmonicMap<D> {
    fn assemble(&mut self, s: &MapState, _t: f64, dt: f64) {
        self.step_system = Some(self.tangent_system(s, dt));
    }

    /// Numeric factorization of `M + θ dt A` for the assembled system (the symbolic analysis
    /// was done once, in [`HarmonicMap::new`]).
    fn factorize(&mut self) -> Result<(), SpdError> {
        let sys = self.step_system.as_ref().ok_or(SpdError::NotFactored)?;
        self.system
            .factor(&self.block_mass, self.opts.theta * sys.dt, &sys.entries)
    }

    /// The tangent coefficients `α` of the step (zero on Dirichlet nodes).
    fn solve(&mut self) -> Result<(), SpdError> {
        let sys = self.step_system.as_mut().ok_or(SpdError::NotFactored)?;
        sys.alpha = self.system.solve(&sys.rhs, &vec![0.0; sys.rhs.len()])?;
        Ok(())
    }

    fn unknowns(&self) -> usize {
        self.system.unknowns()
    }
}

impl<D: Discretization> Flow for HarmonicMap<D> {
    type State = MapState;

    /// `E(u) = ½ Σ_c u_cᵀ L u_c`.
    fn energy(&self, s: &MapState) -> f64 {
        Self::energy_with(&s.u, &self.laplacian(&s.u))
    }

    fn step(&mut self, s: &MapState, t: f64, dt: f64) -> Result<MapState, StepError> {
        let kdim = self.target.tangent_dim();
        let target = self.target;
        self.assemble(s, t, dt);
        self.factorize()?;
        self.solve()?;
        let sys = self.step_system.take().expect("assembled");
        let (basis, lu, alpha) = (&sys.basis, &sys.lu, &sys.alpha);
        let moved: Vec<[f64; 3]> =
            s.u.iter()
                .enumerate()
                .map(|(i, &u)| {
                    let mut w = u;
                    for a in 0..kdim {
                        for (c, wc) in w.iter_mut().enumerate() {
                            *wc += dt * alpha[kdim * i + a] * basis[i][a][c];
                        }
                    }
                    w
                })
                .collect();
        if moved.iter().flatten().any(|v| !v.is_finite()) {
            return Err(StepError::NonFinite("u"));
        }
        if !self.opts.project {
            return Ok(MapState { u: moved });
        }
        let mut u: Vec<[f64; 3]> = moved.par_iter().map(|&p| target.project(p)).collect();
        if target.is_s2() {
            self.watch_concentration(s, lu, &u, t, dt)?;
            if self.opts.center == Center::Mobius {
                // A map that is not centred is still a map into S² (every iterate is a Möbius
                // transformation of the last): keep it, and say so.
                if let Err(e) = mobius_center(&mut u, self.domain.lumped_mass()) {
                    self.events.push(e.to_string());
                }
            }
        }
        Ok(MapState { u })
    }

    /// `constraint_error` (max nodal distance to the target), `constraint_l1`, for `S²` the
    /// `covered_area` and, where defined, the `degree`; with an exact solution the errors.
    fn diagnostics(&self, s: &MapState, t: f64) -> Vec<(&'static str, f64)> {
        let mut d = vec![
            ("constraint_error", self.constraint_error(s)),
            ("constraint_l1", self.constraint_l1(s)),
        ];
        let lu = self.laplacian(&s.u);
        d.push(("max_local_energy", Self::hottest_node(&s.u, &lu).1));
        if self.target.is_s2() {
            let angles = self.solid_angles(&s.u);
            d.push(("covered_area", angles.iter().map(|w| w.abs()).sum()));
            let defined = *self.degree_defined.get_or_init(|| {
                let bnd = self.domain.boundary();
                let mut values = s.u.iter().zip(bnd).filter(|(_, &b)| b).map(|(u, _)| *u);
                match values.next() {
                    None => true,
                    Some(first) => {
                        let first = Vector3::from(first);
                        self.opts.dirichlet
                            && values.all(|v| (Vector3::from(v) - first).norm() < 1e-12)
                    }
                }
            });
            if defined {
                d.push(("degree", angles.iter().sum::<f64>() / (4.0 * PI)));
            }
        }
        if let Some(exact) = &self.exact {
            let exact_at = |c: usize, [x, y, z]: [f64; 3]| exact[c].eval(&[x, y, z, t]);
            let e = nodal_errors_vector(&self.domain, &s.u, exact.len(), exact_at);
            d.push(("error_linf", e.linf));
            d.push(("error_l2", e.l2));
            if self.domain.planar() {
                let components = self.target.components();
                let h1 = h1_error_vector(&self.domain, &s.u, components, exact_at);
                d.push(("error_h1", h1));
            }
        }
        d
    }

    fn distance(&self, a: &MapState, b: &MapState) -> f64 {
        a.u.iter()
            .zip(&b.u)
            .map(|(&p, &q)| (Vector3::from(p) - Vector3::from(q)).norm())
            .fold(0.0, f64::max)
    }

    /// The domain with point data `u`, `energy_density` and `constraint_error`, and as the
    /// series `image` the domain placed at `u` (the image in the target).
    fn frame(&self, s: &MapState, _t: f64) -> Frame {
        let points = (0..self.domain.nodes())
            .map(|k| self.domain.point(k))
            .collect();
        let lu = self.laplacian(&s.u);
        let mass = self.domain.lumped_mass();
        let density: Vec<f64> =
            s.u.iter()
                .zip(&lu)
                .zip(mass)
                .map(|((&u, &l), m)| 0.5 * Vector3::from(u).dot(&Vector3::from(l)) / m)
                .collect();
        let constraint = s.u.iter().map(|&p| self.target.distance(p)).collect();
        let cells = self.domain.cells();
        let image = Frame {
            points: s.u.clone(),
            cells: cells.clone(),
            point_data: vec![("energy_density", Field::Scalar(density.clone()))],
            cell_data: Vec::new(),
            series: Vec::new(),
        };
        Frame {
            points,
            cells,
            point_data: vec![
                ("u", Field::Vector(s.u.clone())),
                ("energy_density", Field::Scalar(density)),
                ("constraint_error", Field::Scalar(constraint)),
            ],
            cell_data: Vec::new(),
            series: vec![("image", image)],
        }
    }

    fn stops_at_singularities(&self) -> bool {
        self.opts.on_blowup == OnBlowup::Stop
    }

    /// The concentration being followed, if any (it decides the next blow-up event).
    fn save(&self) -> Vec<u8> {
        postcard::to_stdvec(&self.concentration).expect("serializes")
    }

    fn restore(&mut self, _s: &mut MapState, saved: &[u8]) -> Result<(), super::BadCheckpoint> {
        self.concentration = postcard::from_bytes(saved)?;
        Ok(())
    }

    fn take_events(&mut self) -> Vec<String> {
        std::mem::take(&mut self.events)
    }
}
