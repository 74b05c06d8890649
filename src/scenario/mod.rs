//! Scenario files: what to run, on what, for how long.
//!
//! A scenario is a common part (name, description, the domain `[grid]` or `[mesh]`, `[time]`,
//! `[output]`, `[convergence]`) and the keys of one flow, chosen by `flow = "..."`; each flow
//! owns its keys ([`FlowSpec`], whose variants are the spec types next to the flows). Every key
//! is typed: choices are enums and expressions are compiled while the file is read, so an unknown
//! key, a wrong type, an unknown choice or a malformed expression is an error naming the key
//! (with the valid choices), produced by the parser. The read [`Scenario`] is carried forward as
//! it is: [`Scenario::resolved_toml`] writes it back (defaults filled in) as a run's
//! `config.toml`, which repeats the run bit for bit. The shipped `scenarios/*.toml` are embedded
//! in the binary as built-ins.

mod mesh;

pub use mesh::{MeshSpec, ShapeKind};

use crate::discretization::Laplacian;
use crate::error::{Error, Result};
use crate::flows::{discrete_ricci, graph_mcf, harmonic_map, ricci, surface_mcf};
use crate::time::Control;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The flows and their keys. In a file the variant is the value of `flow`, and its fields are
/// top-level tables (`[initial]`, `[surface]`, ...).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowSpec {
    /// Mean curvature flow of a graph: `u_t = Q div(∇u/Q)`.
    GraphMcf(graph_mcf::setup::GraphSpec),
    /// Area gradient flow of a graph: `u_t = div(∇u/Q)`.
    GraphArea(graph_mcf::setup::GraphSpec),
    /// Mean curvature flow of a surface mesh: `x_t = Δ_S x`.
    SurfaceMcf(surface_mcf::setup::SurfaceSpec),
    /// Harmonic map heat flow into a sphere or a torus: `u_t = (Δu)^T`.
    HarmonicMap(harmonic_map::setup::HarmonicMapSpec),
    /// Ricci flow of a conformal factor: `u_t = −K` (or `K̄ − K`), `g = e^{2u} g0`.
    Ricci(ricci::setup::RicciSpec),
    /// Discrete surface Ricci flow of edge lengths: `du_i/dt = K̂_i − K_i`.
    DiscreteRicci(discrete_ricci::setup::DiscreteRicciSpec),
}

impl FlowSpec {
    /// The flow's name and keys as serde writes them (an externally tagged enum: one entry).
    fn serialized(&self) -> (String, toml::Table) {
        match toml::Value::try_from(self) {
            Ok(toml::Value::Table(t)) => match t.into_iter().next() {
                Some((name, toml::Value::Table(keys))) => (name, keys),
                _ => unreachable!("a flow serializes to its name and a table of keys"),
            },
            _ => unreachable!("a flow serializes to a table"),
        }
    }

    /// The name used in scenario files (`flow = "..."`).
    pub fn name(&self) -> String {
        self.serialized().0
    }

    /// Whether the flow's keys include the top-level table `key` (e.g. `exact`).
    pub fn has(&self, key: &str) -> bool {
        self.serialized().1.contains_key(key)
    }
}

/// Where a run happens: a regular grid (finite differences) or a triangle mesh.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)] // one per scenario; boxing would only burden its users
#[serde(rename_all = "kebab-case")]
pub enum DomainSpec {
    Grid(GridSpec),
    Mesh(MeshSpec),
}

/// `[grid]`: `nx × ny` nodes on the box `[x0, x1] × [y0, y1]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    pub nx: usize,
    pub ny: usize,
    pub x: [f64; 2],
    pub y: [f64; 2],
}

/// `[time]`.
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

/// `[output]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// A frame every this many steps (the first and the last are always written).
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

/// A scenario as read and checked: typed, defaults filled in, expressions compiled.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Names the run and its default output directory `output/<name>/`.
    pub name: String,
    /// One line shown by `geoflow scenarios`.
    pub description: String,
    pub domain: DomainSpec,
    pub flow: FlowSpec,
    pub time: TimeSpec,
    pub output: OutputSpec,
    pub convergence: ConvergenceSpec,
    /// The directory of the scenario file, for relative mesh paths (`None` for built-ins, which
    /// find the shipped meshes embedded in the binary).
    pub base_dir: Option<PathBuf>,
}

/// The most steps a run may plan (far beyond any useful run; a bound that keeps a mistyped `dt`
/// from running forever).
const MAX_STEPS: f64 = 1e12;

/// The keys every scenario has, besides the domain (`grid`, `mesh`) and the flow's own.
const COMMON_KEYS: [&str; 7] = [
    "geoflow_version",
    "name",
    "description",
    "flow",
    "time",
    "output",
    "convergence",
];

/// The scenario as serde sees it: the domain and the flow's keys gathered under `domain` and
/// `flow` (externally tagged enums), so that errors deep inside keep their key path.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layout {
    /// Written at the head of a run's `config.toml`; read back, not used.
    #[serde(default, skip_serializing)]
    #[allow(dead_code)]
    geoflow_version: Option<String>,
    name: String,
    #[serde(default)]
    description: String,
    flow: FlowSpec,
    domain: DomainSpec,
    time: TimeSpec,
    #[serde(default)]
    output: OutputSpec,
    #[serde(default)]
    convergence: ConvergenceSpec,
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
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == spec) {
            return Scenario::from_toml(text, &format!("built-in scenario `{name}`"), overrides);
        }
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
        Ok(s)
    }

    /// Parse scenario text, apply overrides (`time.dt=1e-4`), check it.
    pub fn from_toml(text: &str, origin: &str, overrides: &[String]) -> Result<Scenario> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| Error::Scenario {
            origin: origin.to_string(),
            msg: e.to_string(),
        })?;
        for o in overrides {
            apply_override(&mut table, o)?;
        }
        let origin = if overrides.is_empty() {
            origin.to_string()
        } else {
            format!("{origin} with --set {}", overrides.join(" "))
        };
        let layout = gather(table, &origin)?;
        let scenario = Scenario {
            name: layout.name,
            description: layout.description,
            domain: layout.domain,
            flow: layout.flow,
            time: layout.time,
            output: layout.output,
            convergence: layout.convergence,
            base_dir: None,
        };
        scenario.check(&origin)?;
        Ok(scenario)
    }

    /// The checks of the common part (each flow checks its own keys when it is set up).
    fn check(&self, origin: &str) -> Result<()> {
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
        match &self.domain {
            DomainSpec::Grid(g) => {
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
            DomainSpec::Mesh(m) => {
                if m.file.is_some() == m.generate.is_some() {
                    return Err(bad(
                        "mesh",
                        "give exactly one of `file` or `generate`".into(),
                    ));
                }
                let smooth = matches!(self.flow, FlowSpec::Ricci(_) | FlowSpec::HarmonicMap(_));
                if m.laplacian != Laplacian::Input && !smooth {
                    return Err(bad(
                        "mesh.laplacian",
                        format!(
                            "only the ricci and harmonic-map flows take their Laplacian from \
                             another triangulation; flow = \"{}\" uses the mesh's own",
                            self.flow.name()
                        ),
                    ));
                }
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
        // Time must advance at every step: t + dt > t at the largest |t| of the run, and the run
        // must end in a countable number of steps.
        let t_last = match (t.t_end, t.steps) {
            (Some(te), _) => te,
            (None, Some(n)) => t.t0 + n as f64 * t.dt,
            (None, None) => t.t0,
        };
        let t_max = t.t0.abs().max(t_last.abs());
        if t_max + t.dt <= t_max {
            return Err(bad(
                "time.dt",
                format!(
                    "{:e} is too small to advance the time near t = {t_max}: t + dt == t in \
                     double precision (steps there must exceed {:e})",
                    t.dt,
                    t_max.next_up() - t_max
                ),
            ));
        }
        let planned = self.control().planned_steps() as f64;
        if planned > MAX_STEPS {
            return Err(bad(
                "time.dt",
                format!(
                    "{:e} would take {planned:e} steps to reach t_end = {}; at most {MAX_STEPS:e}",
                    t.dt, t_last
                ),
            ));
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
        Ok(())
    }

    /// The time control the scenario asks for.
    pub fn control(&self) -> Control {
        Control {
            t0: self.time.t0,
            dt: self.time.dt,
            t_end: self.time.t_end,
            steps: self.time.steps,
            tol: self.time.tol,
            every: self.output.every,
            interrupt: None,
        }
    }

    /// The scenario as TOML, defaults filled in, headed by the geoflow version that ran it: a
    /// scenario file that repeats the run.
    pub fn resolved_toml(&self) -> String {
        let layout = Layout {
            geoflow_version: None,
            name: self.name.clone(),
            description: self.description.clone(),
            flow: self.flow.clone(),
            domain: match &self.domain {
                DomainSpec::Mesh(m) => DomainSpec::Mesh(m.resolved(self.base_dir.as_deref())),
                d => d.clone(),
            },
            time: self.time.clone(),
            output: self.output.clone(),
            convergence: self.convergence.clone(),
        };
        let toml::Value::Table(mut gathered) =
            toml::Value::try_from(&layout).expect("a scenario serializes")
        else {
            unreachable!("a struct serializes to a table")
        };
        // Undo `gather`: the flow's name as `flow`, its tables and the domain's at the top.
        let mut table = toml::Table::new();
        table.insert(
            "geoflow_version".into(),
            env!("CARGO_PKG_VERSION").to_string().into(),
        );
        for key in ["name", "description"] {
            table.insert(key.into(), gathered.remove(key).expect("serialized"));
        }
        let (flow, keys) = self.flow.serialized();
        table.insert("flow".into(), flow.into());
        let Some(toml::Value::Table(domain)) = gathered.remove("domain") else {
            unreachable!("an externally tagged enum serializes to a table")
        };
        table.extend(domain);
        table.extend(keys);
        gathered.remove("flow");
        table.extend(gathered);
        format!(
            "# Resolved scenario, written by geoflow {}.\n# Re-run with: geoflow run config.toml\n{}",
            env!("CARGO_PKG_VERSION"),
            toml::to_string(&table).expect("a scenario serializes")
        )
    }
}

/// Read the top-level table of a scenario file into [`Layout`]: the domain table (`grid` or
/// `mesh`) goes under `domain`, and `flow = "name"` with every other key under `flow.name`. A
/// key error is reported with its path as the file writes it.
fn gather(mut table: toml::Table, origin: &str) -> Result<Layout> {
    let bad = |key: &str, msg: String| Error::Config {
        origin: origin.to_string(),
        key: key.to_string(),
        msg,
    };
    let mut domain = toml::Table::new();
    for key in ["grid", "mesh"] {
        if let Some(v) = table.remove(key) {
            domain.insert(key.into(), v);
        }
    }
    if domain.len() != 1 {
        return Err(bad(
            "grid",
            "give exactly one of [grid] (finite differences) or [mesh] (finite elements)".into(),
        ));
    }
    let flow = match table.remove("flow") {
        Some(toml::Value::String(name)) => name,
        Some(other) => {
            return Err(bad(
                "flow",
                format!("expected the name of a flow, got {other}"),
            ))
        }
        None => return Err(bad("flow", "missing: say which flow to run".into())),
    };
    let mut keys = toml::Table::new();
    let own: Vec<String> = table
        .keys()
        .filter(|k| !COMMON_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    for k in own {
        keys.insert(k.clone(), table.remove(&k).expect("listed"));
    }
    let mut flow_table = toml::Table::new();
    flow_table.insert(flow.clone(), keys.into());
    table.insert("flow".into(), flow_table.into());
    table.insert("domain".into(), domain.into());
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        // The path as the file writes it: without the `domain.` and `flow.<name>.` we added.
        let path: Vec<String> = e.path().iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let key = match path.as_slice() {
            [d, rest @ ..] if d == "domain" => rest.join("."),
            [f, name, rest @ ..] if f == "flow" && *name == flow => rest.join("."),
            other => other.join("."),
        };
        let mut msg = e.inner().message().to_string();
        // An unknown top-level key lands in the flow's keys: say which keys there are.
        if let Some(name) = unknown_name(&msg).filter(|_| !key.contains('.')) {
            let name = name.to_string();
            msg += &format!(
                " (the keys of flow = \"{flow}\"); every scenario also has: name, description, \
                 flow, grid or mesh, time, output, convergence"
            );
            return bad(&name, msg);
        }
        bad(if key.is_empty() { "flow" } else { &key }, msg)
    })
}

/// The name in "unknown field `name`, ...".
fn unknown_name(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("unknown field `")?;
    rest.split('`').next()
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
