//! Scenario files: what to run, on what, for how long. TOML, with every key checked (unknown keys
//! and wrong types are errors naming the key), expressions compiled at load time, and the shipped
//! `scenarios/*.toml` embedded in the binary as built-ins.

mod mesh;

pub use mesh::{MeshSpec, ShapeKind};

use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::flows::ricci::ConformalData;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which flow a scenario runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowKind {
    /// Mean curvature flow of a graph: `u_t = Q div(∇u/Q)`.
    GraphMcf,
    /// Area gradient flow of a graph: `u_t = div(∇u/Q)`.
    GraphArea,
    /// Mean curvature flow of a surface mesh: `x_t = Δ_S x`.
    SurfaceMcf,
    /// Harmonic map heat flow into a sphere: `u_t = Δu + |∇u|² u`.
    HarmonicMap,
    /// Ricci flow of a conformal factor: `u_t = −K` (or `K̄ − K`), `g = e^{2u} g0`.
    Ricci,
    /// Discrete surface Ricci flow of edge lengths: `du_i/dt = K̂_i − K_i`.
    DiscreteRicci,
}

impl FlowKind {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            FlowKind::GraphMcf => "graph-mcf",
            FlowKind::GraphArea => "graph-area",
            FlowKind::SurfaceMcf => "surface-mcf",
            FlowKind::HarmonicMap => "harmonic-map",
            FlowKind::Ricci => "ricci",
            FlowKind::DiscreteRicci => "discrete-ricci",
        }
    }
}

/// Options of `surface-mcf` (`[surface]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceSpec {
    /// `"current"` (Desbrun et al. 1999) or `"frozen"` (conformalized MCF, Kazhdan et al. 2012).
    #[serde(default = "default_laplacian")]
    pub laplacian: String,
    /// `"fixed"` (a soap film on a wire) or `"free"`.
    #[serde(default = "default_boundary")]
    pub boundary: String,
    /// `"none"`, `"area"` or `"volume"` (closed surfaces): rescale after each step to keep it.
    #[serde(default = "default_normalize")]
    pub normalize: String,
    /// Collapse detection: smallest allowed corner angle in degrees.
    #[serde(default = "default_min_angle")]
    pub min_angle: f64,
    /// Collapse detection: smallest allowed face area relative to the mean face area.
    #[serde(default = "default_min_area")]
    pub min_relative_area: f64,
    /// On a collapse: `"error"` (stop with a numerical error, exit non-zero) or `"stop"` (end the
    /// run cleanly at the last valid state, which is written as the last frame).
    #[serde(default = "default_on_collapse")]
    pub on_collapse: String,
}

impl Default for SurfaceSpec {
    fn default() -> Self {
        SurfaceSpec {
            laplacian: default_laplacian(),
            boundary: default_boundary(),
            normalize: default_normalize(),
            min_angle: default_min_angle(),
            min_relative_area: default_min_area(),
            on_collapse: default_on_collapse(),
        }
    }
}

fn default_laplacian() -> String {
    "current".into()
}
fn default_boundary() -> String {
    "fixed".into()
}
fn default_normalize() -> String {
    "none".into()
}
fn default_min_angle() -> f64 {
    0.5
}
fn default_min_area() -> f64 {
    1e-6
}
fn default_on_collapse() -> String {
    "error".into()
}

/// A complete scenario, as read from TOML (defaults filled in).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The geoflow version that wrote this file (in a run's `config.toml`); informational.
    #[serde(default, skip_serializing)]
    pub geoflow_version: Option<String>,
    /// Names the run and its default output directory `output/<name>/`.
    pub name: String,
    /// One line shown by `geoflow scenarios`.
    #[serde(default)]
    pub description: String,
    pub flow: FlowKind,
    /// A regular grid (finite differences) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<GridSpec>,
    /// ... or a triangle mesh (finite elements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh: Option<MeshSpec>,
    /// Initial data (graph flows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<ScalarField>,
    /// Options of `surface-mcf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<SurfaceSpec>,
    /// Options of `harmonic-map`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harmonic: Option<HarmonicSpec>,
    /// The target manifold of `harmonic-map` (default: the sphere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetSpec>,
    /// Options of `ricci`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ricci: Option<RicciSpec>,
    /// Options of `discrete-ricci`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discrete_ricci: Option<DiscreteRicciSpec>,
    /// Dirichlet data on the boundary; without it the initial boundary values are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<ScalarField>,
    /// A known solution `u(x, y, t)`; enables the error columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<ScalarField>,
    pub time: TimeSpec,
    #[serde(default)]
    pub output: OutputSpec,
    #[serde(default)]
    pub convergence: ConvergenceSpec,
    /// The directory of the scenario file, for relative mesh paths (not part of the file).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    pub nx: usize,
    pub ny: usize,
    pub x: [f64; 2],
    pub y: [f64; 2],
}

/// A field given by an expression in `x, y, z, t`, or for maps an array of them (one per
/// component); an initial map may instead name a point array stored in the mesh file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalarField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u: Option<FieldExpr>,
    /// The name of a point array of the `[mesh]` file (`[initial]` of `harmonic-map` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `ricci` only: the conformal factor as `v = e^{2u}` instead of `u`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<String>,
}

/// One expression, or one per component.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldExpr {
    One(String),
    Many(Vec<String>),
}

/// Options of `harmonic-map` (`[harmonic]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmonicSpec {
    /// Implicitness of the tangent-plane scheme, in [1/2, 1].
    #[serde(default = "default_theta")]
    pub theta: f64,
    /// Project onto the target after each step; `false` is the projection-free variant.
    #[serde(default = "default_true")]
    pub project: bool,
    /// `"none"` or `"mobius"`: Möbius-center maps into S² after every step.
    #[serde(default = "default_center")]
    pub center: String,
    /// `"continue"` or `"stop"` at a detected blow-up.
    #[serde(default = "default_on_blowup")]
    pub on_blowup: String,
}

impl Default for HarmonicSpec {
    fn default() -> Self {
        HarmonicSpec {
            theta: default_theta(),
            project: true,
            center: default_center(),
            on_blowup: default_on_blowup(),
        }
    }
}

fn default_theta() -> f64 {
    1.0
}
fn default_true() -> bool {
    true
}
fn default_center() -> String {
    "none".into()
}
fn default_on_blowup() -> String {
    "continue".into()
}

/// Options of `ricci` (`[ricci]`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RicciSpec {
    /// The normalized flow `u_t = K̄ − K` (closed meshes), keeping the area.
    #[serde(default)]
    pub normalized: bool,
}

/// Options of `discrete-ricci` (`[discrete_ricci]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscreteRicciSpec {
    /// `"newton"` (damped Newton on the convex energy, reusing a Hessian factorization while the
    /// error drops tenfold per step), `"exact-newton"` (a fresh factorization every step) or
    /// `"flow"` (implicit steps of size dt).
    #[serde(default = "default_method")]
    pub method: String,
    /// Stop when `max |K − K̂|` falls below this.
    #[serde(default = "default_curvature_tol")]
    pub tol: f64,
    /// `"dirichlet"` (`u` from [boundary], default 0), `"free"` (boundary curvature not
    /// prescribed: the boundary keeps its initial `u`), `"circle"` (equal boundary turning angles
    /// `2π / n`, free `u`) or `"polygon"` (straight boundary with the `corners`, free `u`).
    #[serde(default = "default_dr_boundary")]
    pub boundary: String,
    /// Cone points `[vertex, cone angle in degrees]` (interior vertices; 360 is flat).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cones: Vec<(usize, f64)>,
    /// With `boundary = "polygon"`: corners `[vertex, interior angle in degrees]` (boundary
    /// vertices; 180 is straight). Four 90° corners make a rectangle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corners: Vec<(usize, f64)>,
    /// Take each metric on its Delaunay triangulation, reached by Ptolemy edge flips
    /// (Gillespie, Springborn, Crane 2021): no step can break a triangle inequality.
    #[serde(default)]
    pub flips: bool,
    /// Write the layout (the `uv` point vector and the `_layout` series) with every frame.
    #[serde(default = "default_true")]
    pub layout: bool,
}

impl Default for DiscreteRicciSpec {
    fn default() -> Self {
        DiscreteRicciSpec {
            method: default_method(),
            tol: default_curvature_tol(),
            boundary: default_dr_boundary(),
            cones: Vec::new(),
            corners: Vec::new(),
            flips: false,
            layout: true,
        }
    }
}

fn default_method() -> String {
    "newton".into()
}
fn default_curvature_tol() -> f64 {
    1e-10
}
fn default_dr_boundary() -> String {
    "dirichlet".into()
}

/// The target manifold of a map (`[target]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// `"sphere"` (S¹ or S², by the number of components) or `"torus"`.
    pub kind: String,
    /// Torus: distance from the z axis to the centre of the tube.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_radius: Option<f64>,
    /// Torus: radius of the tube.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor_radius: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeSpec {
    pub dt: f64,
    #[serde(default)]
    pub t0: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_end: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tol: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    #[serde(default = "default_every")]
    pub every: usize,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            every: default_every(),
        }
    }
}

fn default_every() -> usize {
    10
}

/// How `geoflow convergence` refines: level `k` has `h / 2^k` and `dt / 2^(dt_order k)`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvergenceSpec {
    #[serde(default = "default_dt_order")]
    pub dt_order: f64,
}

impl Default for ConvergenceSpec {
    fn default() -> Self {
        ConvergenceSpec {
            dt_order: default_dt_order(),
        }
    }
}

fn default_dt_order() -> f64 {
    2.0
}

/// The variables expressions may use.
pub const VARS: [&str; 4] = ["x", "y", "z", "t"];

/// The variables expressions of maps may use: also the unit normal of a surface domain at the
/// node (`(0, 0, 1)` on planar domains), so `["nx", "ny", "nz"]` is the Gauss map.
pub const MAP_VARS: [&str; 7] = ["x", "y", "z", "t", "nx", "ny", "nz"];

/// The compiled expressions of a validated scenario.
pub struct Compiled {
    pub initial: Option<Expr>,
    pub boundary: Option<Expr>,
    pub exact: Option<Expr>,
    /// Maps (`harmonic-map`): one expression per component, in [`MAP_VARS`].
    pub initial_map: Vec<Expr>,
    pub boundary_map: Option<Vec<Expr>>,
    pub exact_map: Option<Vec<Expr>>,
    /// The mesh file's point array holding the initial map, instead of `initial_map`.
    pub initial_field: Option<String>,
    /// `ricci`: the initial, boundary and exact conformal factor (`u` or `v`).
    pub conformal: [Option<ConformalData>; 3],
}

/// The built-in scenarios: `(name, TOML text)`, the shipped `scenarios/*.toml`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../scenarios/default.toml")),
    (
        "scherk-like",
        include_str!("../../scenarios/scherk-like.toml"),
    ),
    (
        "grim-reaper",
        include_str!("../../scenarios/grim-reaper.toml"),
    ),
    (
        "rotated-grim-reaper",
        include_str!("../../scenarios/rotated-grim-reaper.toml"),
    ),
    (
        "translating-arc",
        include_str!("../../scenarios/translating-arc.toml"),
    ),
    (
        "spherical-cap",
        include_str!("../../scenarios/spherical-cap.toml"),
    ),
    (
        "scherk-steady",
        include_str!("../../scenarios/scherk-steady.toml"),
    ),
    (
        "grim-reaper-disk",
        include_str!("../../scenarios/grim-reaper-disk.toml"),
    ),
    (
        "spherical-cap-disk",
        include_str!("../../scenarios/spherical-cap-disk.toml"),
    ),
    (
        "shrinking-sphere",
        include_str!("../../scenarios/shrinking-sphere.toml"),
    ),
    ("dumbbell", include_str!("../../scenarios/dumbbell.toml")),
    (
        "bumpy-sphere",
        include_str!("../../scenarios/bumpy-sphere.toml"),
    ),
    ("torus", include_str!("../../scenarios/torus.toml")),
    (
        "great-circle",
        include_str!("../../scenarios/great-circle.toml"),
    ),
    (
        "harmonic-disk",
        include_str!("../../scenarios/harmonic-disk.toml"),
    ),
    (
        "torus-meridian",
        include_str!("../../scenarios/torus-meridian.toml"),
    ),
    ("gauss-map", include_str!("../../scenarios/gauss-map.toml")),
    ("bubbling", include_str!("../../scenarios/bubbling.toml")),
    ("cigar", include_str!("../../scenarios/cigar.toml")),
    (
        "ricci-sphere",
        include_str!("../../scenarios/ricci-sphere.toml"),
    ),
    (
        "ricci-ellipsoid",
        include_str!("../../scenarios/ricci-ellipsoid.toml"),
    ),
    (
        "ricci-torus",
        include_str!("../../scenarios/ricci-torus.toml"),
    ),
    (
        "flatten-hemisphere",
        include_str!("../../scenarios/flatten-hemisphere.toml"),
    ),
    (
        "flat-torus",
        include_str!("../../scenarios/flat-torus.toml"),
    ),
    (
        "uniformize-sphere",
        include_str!("../../scenarios/uniformize-sphere.toml"),
    ),
];

impl Scenario {
    /// A built-in scenario by name, or a TOML file by path; then `KEY=VALUE` overrides.
    pub fn load(spec: Option<&str>, overrides: &[String]) -> Result<Scenario> {
        let spec = spec.unwrap_or("default");
        let (origin, text) = match BUILTIN.iter().find(|(n, _)| *n == spec) {
            Some((name, text)) => (format!("built-in scenario `{name}`"), text.to_string()),
            None => {
                let path = Path::new(spec);
                if !path.exists() && !spec.ends_with(".toml") && !spec.contains('/') {
                    let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                    return Err(Error::Usage(format!(
                        "no built-in scenario or file named `{spec}` (built-ins: {})",
                        names.join(", ")
                    )));
                }
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                let mut s = Scenario::from_toml(&text, &path.display().to_string(), overrides)?;
                s.base_dir = Some(path.parent().unwrap_or(Path::new(".")).to_path_buf());
                return Ok(s);
            }
        };
        Scenario::from_toml(&text, &origin, overrides)
    }

    /// Parse scenario text, apply overrides (`time.dt=1e-4`), check it.
    pub fn from_toml(text: &str, origin: &str, overrides: &[String]) -> Result<Scenario> {
        let scenario: Scenario = if overrides.is_empty() {
            toml::from_str(text).map_err(|e| Error::Scenario {
                origin: origin.to_string(),
                msg: e.to_string(),
            })?
        } else {
            let mut table: toml::Table = toml::from_str(text).map_err(|e| Error::Scenario {
                origin: origin.to_string(),
                msg: e.to_string(),
            })?;
            for o in overrides {
                apply_override(&mut table, o)?;
            }
            let origin = format!("{origin} with --set {}", overrides.join(" "));
            let merged = toml::to_string(&table).expect("a TOML table serializes");
            toml::from_str(&merged).map_err(|e| Error::Scenario {
                origin,
                msg: strip_location(&e),
            })?
        };
        scenario.compile(origin)?;
        Ok(scenario)
    }

    /// Check every value and compile the expressions.
    pub fn compile(&self, origin: &str) -> Result<Compiled> {
        let bad = |key: &str, msg: String| Error::Config {
            origin: origin.to_string(),
            key: key.to_string(),
            msg,
        };
        if self.name.trim().is_empty()
            || self.name.contains(['/', '\\'])
            || self.name == "."
            || self.name == ".."
        {
            return Err(bad(
                "name",
                format!("`{}` cannot name an output directory", self.name),
            ));
        }
        match (&self.grid, &self.mesh) {
            (Some(g), None) => {
                for (key, n) in [("grid.nx", g.nx), ("grid.ny", g.ny)] {
                    if n < 3 {
                        return Err(bad(
                            key,
                            format!("must be at least 3 (one interior node), got {n}"),
                        ));
                    }
                }
                for (key, r) in [("grid.x", g.x), ("grid.y", g.y)] {
                    if !(r[0].is_finite() && r[1].is_finite() && r[1] > r[0]) {
                        let msg = format!(
                            "must be an interval [a, b] with a < b, got [{}, {}]",
                            r[0], r[1]
                        );
                        return Err(bad(key, msg));
                    }
                }
            }
            (None, Some(m)) => {
                if m.file.is_some() == m.generate.is_some() {
                    return Err(bad(
                        "mesh",
                        "give exactly one of `file` or `generate`".into(),
                    ));
                }
            }
            _ => {
                let msg =
                    "give exactly one of [grid] (finite differences) or [mesh] (finite elements)";
                return Err(bad("grid", msg.into()));
            }
        }
        let t = &self.time;
        if !(t.dt.is_finite() && t.dt > 0.0) {
            return Err(bad("time.dt", format!("must be positive, got {}", t.dt)));
        }
        if !t.t0.is_finite() {
            return Err(bad("time.t0", format!("must be finite, got {}", t.t0)));
        }
        match (t.t_end, t.steps) {
            (None, None) => {
                return Err(bad(
                    "time",
                    "give `t_end` or `steps` (and optionally `tol` to stop at a steady state)"
                        .into(),
                ))
            }
            (Some(te), _) if !(te.is_finite() && te > t.t0) => {
                return Err(bad(
                    "time.t_end",
                    format!("must be after t0 = {}, got {te}", t.t0),
                ))
            }
            (_, Some(0)) => return Err(bad("time.steps", "must be at least 1".into())),
            _ => {}
        }
        if let Some(tol) = t.tol {
            if !(tol.is_finite() && tol > 0.0) {
                return Err(bad("time.tol", format!("must be positive, got {tol}")));
            }
        }
        if self.output.every == 0 {
            return Err(bad("output.every", "must be at least 1".into()));
        }
        if !(self.convergence.dt_order.is_finite() && self.convergence.dt_order >= 0.0) {
            return Err(bad(
                "convergence.dt_order",
                "must be a non-negative number".into(),
            ));
        }
        let graph = matches!(self.flow, FlowKind::GraphMcf | FlowKind::GraphArea);
        let mesh_file = self.mesh.as_ref().is_some_and(|m| m.file.is_some());
        let map = self.flow == FlowKind::HarmonicMap;
        if (graph || map) && self.initial.is_none() {
            return Err(bad("initial", "this flow needs [initial] u = ...".into()));
        }
        if self.flow == FlowKind::SurfaceMcf && self.mesh.is_none() {
            return Err(bad(
                "mesh",
                "surface-mcf runs on a [mesh] (file or generate)".into(),
            ));
        }
        if self.harmonic.is_some() && !map {
            return Err(bad(
                "harmonic",
                "[harmonic] applies to flow = \"harmonic-map\" only".into(),
            ));
        }
        if self.target.is_some() && !map {
            return Err(bad(
                "target",
                "[target] applies to flow = \"harmonic-map\" only".into(),
            ));
        }
        if let Some(h) = &self.harmonic {
            if !(0.5..=1.0).contains(&h.theta) {
                return Err(bad(
                    "harmonic.theta",
                    format!("must be in [0.5, 1], got {}", h.theta),
                ));
            }
            for (key, v, ok) in [
                ("harmonic.center", &h.center, &["none", "mobius"][..]),
                (
                    "harmonic.on_blowup",
                    &h.on_blowup,
                    &["continue", "stop"][..],
                ),
            ] {
                if !ok.contains(&v.as_str()) {
                    return Err(bad(
                        key,
                        format!("unknown value `{v}`, expected one of: {}", ok.join(", ")),
                    ));
                }
            }
        }
        if let Some(tg) = &self.target {
            match tg.kind.as_str() {
                "sphere" => {
                    if tg.major_radius.is_some() || tg.minor_radius.is_some() {
                        return Err(bad(
                            "target",
                            "the sphere target is the unit sphere; radii apply to `torus`".into(),
                        ));
                    }
                }
                "torus" => match (tg.major_radius, tg.minor_radius) {
                    (Some(r1), Some(r2)) if r2 > 0.0 && r1 > r2 && r1.is_finite() => {}
                    (Some(r1), Some(r2)) => {
                        return Err(bad(
                            "target",
                            format!(
                                "a torus needs major_radius > minor_radius > 0, got {r1} and {r2}"
                            ),
                        ))
                    }
                    _ => {
                        return Err(bad(
                            "target",
                            "kind = \"torus\" needs major_radius and minor_radius".into(),
                        ))
                    }
                },
                other => {
                    return Err(bad(
                        "target.kind",
                        format!("unknown target `{other}`, expected one of: sphere, torus"),
                    ))
                }
            }
        }
        if let Some(sf) = &self.surface {
            if self.flow != FlowKind::SurfaceMcf {
                return Err(bad(
                    "surface",
                    "[surface] options apply to flow = \"surface-mcf\" only".into(),
                ));
            }
            for (key, v, ok) in [
                (
                    "surface.laplacian",
                    &sf.laplacian,
                    &["current", "frozen"][..],
                ),
                ("surface.boundary", &sf.boundary, &["fixed", "free"][..]),
                (
                    "surface.normalize",
                    &sf.normalize,
                    &["none", "area", "volume"][..],
                ),
                (
                    "surface.on_collapse",
                    &sf.on_collapse,
                    &["error", "stop"][..],
                ),
            ] {
                if !ok.contains(&v.as_str()) {
                    return Err(bad(
                        key,
                        format!("unknown value `{v}`, expected one of: {}", ok.join(", ")),
                    ));
                }
            }
            if !(sf.min_angle >= 0.0 && sf.min_angle < 60.0) {
                return Err(bad(
                    "surface.min_angle",
                    format!("must be in [0, 60) degrees, got {}", sf.min_angle),
                ));
            }
            if !(sf.min_relative_area >= 0.0 && sf.min_relative_area < 1.0) {
                return Err(bad(
                    "surface.min_relative_area",
                    format!("must be in [0, 1), got {}", sf.min_relative_area),
                ));
            }
        }
        let expr = |key: &str, s: &str| Expr::parse(s, &VARS).map_err(|e| bad(key, e.to_string()));
        // Initial and boundary maps may also use the normal; exact solutions may not.
        let map_expr = |key: &str, s: &str| {
            let vars: &[&str] = if key == "exact.u" { &VARS } else { &MAP_VARS };
            Expr::parse(s, vars).map_err(|e| bad(key, e.to_string()))
        };
        let ricci = matches!(self.flow, FlowKind::Ricci | FlowKind::DiscreteRicci);
        for (key, f) in [
            ("initial", &self.initial),
            ("boundary", &self.boundary),
            ("exact", &self.exact),
        ] {
            let Some(f) = f else { continue };
            let given = [f.u.is_some(), f.field.is_some(), f.v.is_some()];
            if given.iter().filter(|&&g| g).count() != 1 {
                let msg = if ricci {
                    "give one of `u` (the conformal factor) or `v` (= e^{2u})"
                } else if key == "initial" && map {
                    "give one of `u` (expressions) or `field` (an array of the mesh file)"
                } else {
                    "needs `u = ...`"
                };
                return Err(bad(key, msg.into()));
            }
            if f.field.is_some() && !(key == "initial" && map && mesh_file) {
                return Err(bad(
                    &format!("{key}.field"),
                    "`field` reads a point array of the [mesh] file, for the [initial] map of \
                     harmonic-map only"
                        .into(),
                ));
            }
            if f.v.is_some() && !ricci {
                return Err(bad(
                    &format!("{key}.v"),
                    "`v` (the conformal factor e^{2u}) applies to flow = \"ricci\" only".into(),
                ));
            }
        }
        if self.ricci.is_some() && self.flow != FlowKind::Ricci {
            return Err(bad(
                "ricci",
                "[ricci] applies to flow = \"ricci\" only".into(),
            ));
        }
        if self.discrete_ricci.is_some() && self.flow != FlowKind::DiscreteRicci {
            return Err(bad(
                "discrete_ricci",
                "[discrete_ricci] applies to flow = \"discrete-ricci\" only".into(),
            ));
        }
        if self.flow == FlowKind::DiscreteRicci {
            if self.mesh.is_none() {
                return Err(bad("mesh", "discrete-ricci runs on a [mesh]".into()));
            }
            let d = self.discrete_ricci.clone().unwrap_or_default();
            for (key, v, ok) in [
                (
                    "discrete_ricci.method",
                    &d.method,
                    &["newton", "exact-newton", "flow"][..],
                ),
                (
                    "discrete_ricci.boundary",
                    &d.boundary,
                    &["dirichlet", "free", "circle", "polygon"][..],
                ),
            ] {
                if !ok.contains(&v.as_str()) {
                    return Err(bad(
                        key,
                        format!("unknown value `{v}`, expected one of: {}", ok.join(", ")),
                    ));
                }
            }
            if !(d.tol.is_finite() && d.tol > 0.0) {
                return Err(bad(
                    "discrete_ricci.tol",
                    format!("must be positive, got {}", d.tol),
                ));
            }
            if let Some((v, a)) = d.cones.iter().find(|(_, a)| !(a.is_finite() && *a > 0.0)) {
                return Err(bad(
                    "discrete_ricci.cones",
                    format!("vertex {v}: the cone angle must be positive (degrees), got {a}"),
                ));
            }
            if !d.corners.is_empty() && d.boundary != "polygon" {
                return Err(bad(
                    "discrete_ricci.corners",
                    format!(
                        "corners apply to boundary = \"polygon\" only (boundary is \"{}\")",
                        d.boundary
                    ),
                ));
            }
            if let Some((v, a)) = d
                .corners
                .iter()
                .find(|(_, a)| !(a.is_finite() && *a > 0.0 && *a < 360.0))
            {
                return Err(bad(
                    "discrete_ricci.corners",
                    format!("vertex {v}: the corner angle must lie in (0, 360) degrees, got {a}"),
                ));
            }
            if d.boundary == "free" && self.boundary.is_some() {
                return Err(bad(
                    "boundary",
                    "boundary = \"free\" keeps the initial u on the boundary; give it in [initial], \
                     or use boundary = \"dirichlet\" with [boundary] u"
                        .into(),
                ));
            }
        }
        if self.flow == FlowKind::Ricci && self.initial.is_none() {
            return Err(bad(
                "initial",
                "ricci needs [initial] u = ... or v = ...".into(),
            ));
        }
        if ricci && self.ricci.as_ref().is_some_and(|r| r.normalized) && self.mesh.is_none() {
            return Err(bad(
                "ricci.normalized",
                "the normalized flow needs a closed surface [mesh]".into(),
            ));
        }
        let conformal = |key: &str, f: &Option<ScalarField>| -> Result<Option<ConformalData>> {
            let Some(f) = f.as_ref().filter(|_| ricci) else {
                return Ok(None);
            };
            let (text, is_v) = match (&f.u, &f.v) {
                (Some(FieldExpr::One(s)), _) => (s, false),
                (None, Some(s)) => (s, true),
                _ => {
                    return Err(bad(
                        &format!("{key}.u"),
                        "expected one expression string".into(),
                    ))
                }
            };
            let name = format!("{key}.{}", if is_v { "v" } else { "u" });
            Ok(Some(ConformalData {
                expr: Expr::parse(text, &VARS).map_err(|e| bad(&name, e.to_string()))?,
                is_v,
            }))
        };
        let conformal = [
            conformal("initial", &self.initial)?,
            conformal("boundary", &self.boundary)?,
            conformal("exact", &self.exact)?,
        ];
        let one = |key: &str, f: &Option<ScalarField>| -> Result<Option<Expr>> {
            match f {
                None => Ok(None),
                Some(ScalarField {
                    u: Some(FieldExpr::One(s)),
                    ..
                }) if !map && !ricci => Ok(Some(expr(key, s)?)),
                Some(_) if map || ricci => Ok(None),
                Some(_) => Err(bad(
                    key,
                    "expected one expression string for this flow".into(),
                )),
            }
        };
        let many = |key: &str, f: &Option<ScalarField>| -> Result<Option<Vec<Expr>>> {
            match f {
                Some(ScalarField { u: None, .. }) => Ok(None),
                Some(ScalarField { u: Some(FieldExpr::Many(v)), .. }) if map => {
                    if v.len() != 2 && v.len() != 3 {
                        return Err(bad(key, format!("a map into S^1 or S^2 needs 2 or 3 components, got {}", v.len())));
                    }
                    Ok(Some(v.iter().map(|s| map_expr(key, s)).collect::<Result<Vec<_>>>()?))
                }
                Some(_) if map => Err(bad(key, "a map needs an array of expressions, one per component: [\"...\", \"...\", \"...\"]".into())),
                _ => Ok(None),
            }
        };
        let compiled = Compiled {
            initial: one("initial.u", &self.initial)?,
            boundary: one("boundary.u", &self.boundary)?,
            exact: one("exact.u", &self.exact)?,
            initial_map: many("initial.u", &self.initial)?.unwrap_or_default(),
            boundary_map: many("boundary.u", &self.boundary)?,
            exact_map: many("exact.u", &self.exact)?,
            initial_field: self.initial.as_ref().and_then(|f| f.field.clone()),
            conformal,
        };
        // With an initial field the number of components is known once the mesh is read.
        if map && compiled.initial_field.is_none() {
            let dim = compiled.initial_map.len();
            if dim != 3 && self.target.as_ref().is_some_and(|t| t.kind == "torus") {
                return Err(bad(
                    "initial.u",
                    format!("a map into the torus needs 3 components, got {dim}"),
                ));
            }
            for (key, v) in [
                ("boundary.u", &compiled.boundary_map),
                ("exact.u", &compiled.exact_map),
            ] {
                if let Some(v) = v {
                    if v.len() != dim {
                        return Err(bad(
                            key,
                            format!("has {} components, [initial] has {dim}", v.len()),
                        ));
                    }
                }
            }
            if let Some(b) = &compiled.boundary_map {
                if b.iter().any(|e| e.depends_on("t")) {
                    return Err(bad(
                        "boundary.u",
                        "time-dependent boundary data is not supported for harmonic-map".into(),
                    ));
                }
            }
        }
        Ok(compiled)
    }

    /// The resolved scenario as TOML, headed by the geoflow version that ran it.
    pub fn resolved_toml(&self) -> String {
        let body = toml::to_string(self).expect("a scenario serializes");
        format!(
            "# Resolved scenario, written by geoflow {}.\n# Re-run with: geoflow run config.toml\ngeoflow_version = \"{}\"\n{body}",
            env!("CARGO_PKG_VERSION"),
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// Apply `a.b.c=value`: the value is read as TOML (number, bool, array, quoted string) and, if
/// that fails, taken as a plain string (so `initial.u=sin(x)` works unquoted).
fn apply_override(table: &mut toml::Table, spec: &str) -> Result<()> {
    let usage = || {
        Error::Usage(format!(
            "--set expects KEY=VALUE (e.g. time.dt=1e-4), got `{spec}`"
        ))
    };
    let (key, raw) = spec.split_once('=').ok_or_else(usage)?;
    let key = key.trim();
    let parts: Vec<&str> = key.split('.').collect();
    if key.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err(usage());
    }
    let value = toml::from_str::<toml::Table>(&format!("v = {}", raw.trim()))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.trim().to_string()));
    // Fields are expressions: `initial.u=0` means the expression "0", not the integer 0.
    let last = parts[parts.len() - 1];
    let value = match value {
        toml::Value::Integer(_) | toml::Value::Float(_) if last == "u" || last == "v" => {
            toml::Value::String(raw.trim().to_string())
        }
        v => v,
    };
    let mut cur = table;
    for p in &parts[..parts.len() - 1] {
        let entry = cur
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => return Err(Error::Usage(format!("--set {key}: `{p}` is not a table"))),
        };
    }
    cur.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

/// Re-serialized text has no useful line numbers: keep only toml's message.
fn strip_location(e: &toml::de::Error) -> String {
    e.message().to_string()
}
