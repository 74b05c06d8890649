//! The Milnor–Lobachevsky function `Л(x) = −∫_0^x log|2 sin t| dt = ½ Cl₂(2x)`, which appears in
//! the convex energy of discrete conformal maps (Springborn, Schröder, Pinkall 2008).
//!
//! The Clausen function is evaluated, after reducing `θ` to `[0, π]` (it is odd and
//! `2π`-periodic), by its Bernoulli series (Abramowitz–Stegun 27.8.2)
//!
//! `Cl₂(θ) = θ − θ log θ + Σ_{k≥1} ζ(2k) / (k (2k + 1)) · θ (θ/2π)^{2k}`,
//!
//! whose terms fall at least like `4^{−k}` on `[0, π]`: 30 terms reach rounding.

use std::f64::consts::PI;
use std::sync::OnceLock;

const TERMS: usize = 30;

/// `ζ(2k) / (k (2k + 1))` for `k = 1..=TERMS`.
fn coefficients() -> &'static [f64; TERMS] {
    static C: OnceLock<[f64; TERMS]> = OnceLock::new();
    C.get_or_init(|| {
        std::array::from_fn(|i| {
            let k = (i + 1) as f64;
            let s = 2.0 * k;
            // ζ(s): the first 99 terms plus the Euler–Maclaurin tail from n = 100 (its next
            // term is below 1e-17); ζ(2) = π²/6 exactly.
            let n = 100.0f64;
            let head: f64 = (1..100).rev().map(|j| (j as f64).powf(-s)).sum();
            let tail = n.powf(1.0 - s) / (s - 1.0) + 0.5 * n.powf(-s) + s / 12.0 * n.powf(-s - 1.0)
                - s * (s + 1.0) * (s + 2.0) / 720.0 * n.powf(-s - 3.0);
            let zeta = if i == 0 { PI * PI / 6.0 } else { head + tail };
            zeta / (k * (2.0 * k + 1.0))
        })
    })
}

/// The Clausen function `Cl₂(θ) = −∫_0^θ log|2 sin(t/2)| dt`.
pub fn clausen2(theta: f64) -> f64 {
    let mut t = theta.rem_euclid(2.0 * PI);
    let mut sign = 1.0;
    if t > PI {
        t = 2.0 * PI - t;
        sign = -1.0;
    }
    if t == 0.0 {
        return 0.0;
    }
    // Σ c_k r^k (r = (t/2π)², k = 1..=30) as Horner's scheme in r² on pairs of terms: two
    // independent multiply-add chains of half the length.
    let r = (t / (2.0 * PI)).powi(2);
    let r2 = r * r;
    let c = coefficients();
    let mut series = 0.0;
    for pair in c.chunks_exact(2).rev() {
        series = series * r2 + (pair[0] + pair[1] * r);
    }
    sign * (t - t * t.ln() + t * r * series)
}

/// The Milnor–Lobachevsky function `Л(x) = ½ Cl₂(2x)`.
pub fn lobachevsky(x: f64) -> f64 {
    0.5 * clausen2(2.0 * x)
}
