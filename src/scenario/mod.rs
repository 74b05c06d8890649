//! Scenario files: what to run, on what, for how long. TOML, with every key checked (unknown keys
//! and wrong types are errors naming the key), expressions compiled at load time, and the shipped
//! `scenarios/*.toml` embedded in the binary as built-ins.

use crate::error::{Error, Result};
use crate::expr::Expr;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which flow a scenario runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowKind {
    /// Mean curvature flow of a graph: `u_t = Q div(∇u/Q)`.
    GraphMcf,
    /// Area gradient flow of a graph: `u_t = div(∇u/Q)`.
    GraphArea,
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
    pub grid: GridSpec,
    pub initial: ScalarField,
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
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    pub nx: usize,
    pub ny: usize,
    pub x: [f64; 2],
    pub y: [f64; 2],
}

/// A scalar field given by an expression in `x, y, t`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalarField {
    pub u: String,
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

/// The compiled expressions of a validated scenario.
pub struct Compiled {
    pub initial: Expr,
    pub boundary: Option<Expr>,
    pub exact: Option<Expr>,
}

/// The built-in scenarios: `(name, TOML text)`, the shipped `scenarios/*.toml`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../scenarios/default.toml")),
    ("scherk-like", include_str!("../scenarios/scherk-like.toml")),
    ("grim-reaper", include_str!("../scenarios/grim-reaper.toml")),
    (
        "rotated-grim-reaper",
        include_str!("../scenarios/rotated-grim-reaper.toml"),
    ),
    (
        "translating-arc",
        include_str!("../scenarios/translating-arc.toml"),
    ),
    (
        "spherical-cap",
        include_str!("../scenarios/spherical-cap.toml"),
    ),
    (
        "scherk-steady",
        include_str!("../scenarios/scherk-steady.toml"),
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
                (path.display().to_string(), text)
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
        let g = &self.grid;
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
                return Err(bad(
                    key,
                    format!(
                        "must be an interval [a, b] with a < b, got [{}, {}]",
                        r[0], r[1]
                    ),
                ));
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
        let expr = |key: &str, s: &str| Expr::parse(s, &VARS).map_err(|e| bad(key, e.to_string()));
        Ok(Compiled {
            initial: expr("initial.u", &self.initial.u)?,
            boundary: self
                .boundary
                .as_ref()
                .map(|b| expr("boundary.u", &b.u))
                .transpose()?,
            exact: self
                .exact
                .as_ref()
                .map(|b| expr("exact.u", &b.u))
                .transpose()?,
        })
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
