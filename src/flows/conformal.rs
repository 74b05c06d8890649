//! A conformal factor given by a scenario: an expression in `x, y, z, t` for `u`, or for
//! `v = e^{2u}` (the metric `e^{2u} g0`), shared by the two Ricci flows.

use crate::expr::{Formula, Xyzt};
use serde::{Deserialize, Serialize};

/// A scalar field given as an expression in `x, y, z, t` for `u`, or for `v = e^{2u}`: the
/// tables `[initial]`, `[boundary]`, `[exact]` of a scenario, with one key `u` or `v`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "ConformalKeys", into = "ConformalKeys")]
pub struct ConformalData {
    pub expr: Formula<Xyzt>,
    /// The expression gives `v = e^{2u}` (else `u`).
    pub is_v: bool,
}

impl ConformalData {
    /// The value of `u` at `p` and time `t`.
    pub fn u(&self, p: [f64; 3], t: f64) -> f64 {
        let w = self.expr.eval(&[p[0], p[1], p[2], t]);
        if self.is_v {
            0.5 * w.ln()
        } else {
            w
        }
    }

    /// The key it was given as, under `table`: `table.u` or `table.v`.
    pub fn key(&self, table: &str) -> String {
        format!("{table}.{}", if self.is_v { "v" } else { "u" })
    }
}

/// [`ConformalData`] as written: `u` or `v`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConformalKeys {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<Formula<Xyzt>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v: Option<Formula<Xyzt>>,
}

impl TryFrom<ConformalKeys> for ConformalData {
    type Error = &'static str;
    fn try_from(k: ConformalKeys) -> Result<Self, Self::Error> {
        match (k.u, k.v) {
            (Some(expr), None) => Ok(ConformalData { expr, is_v: false }),
            (None, Some(expr)) => Ok(ConformalData { expr, is_v: true }),
            _ => Err("give one of `u` (the conformal factor) or `v` (= e^{2u})"),
        }
    }
}

impl From<ConformalData> for ConformalKeys {
    fn from(c: ConformalData) -> Self {
        let (u, v) = if c.is_v {
            (None, Some(c.expr))
        } else {
            (Some(c.expr), None)
        };
        ConformalKeys { u, v }
    }
}
