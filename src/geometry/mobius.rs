//! Möbius centering of maps into the unit sphere `S²`: composing with the Möbius transformation
//! of the ball that moves their centre of mass to the origin (Gu, Wang, Chan, Thompson, Yau 2004,
//! *Genus zero surface conformal mapping and its application to brain surface mapping*, IEEE TMI
//! 23; the transformation and its fixed-point iteration follow Baden, Crane, Kazhdan 2018,
//! *Möbius registration*, CGF 37). Used by any flow that produces a map into `S²` (harmonic
//! maps, the uniformization of genus-0 meshes).

use nalgebra::Vector3;
use rayon::prelude::*;

/// Iterations [`mobius_center`] takes at most.
pub const MOBIUS_MAX_ITERATIONS: usize = 200;

/// [`mobius_center`] stops once the centre of mass is this close to the origin.
pub const MOBIUS_TOLERANCE: f64 = 1e-12;

/// A completed centering: how many transformations it took and the final `|c|`
/// (below [`MOBIUS_TOLERANCE`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Centering {
    pub iterations: usize,
    pub residual: f64,
}

/// A centering that stopped before the centre of mass reached the origin. The map has been
/// transformed `iterations` times (each a Möbius transformation, so the points stay on the
/// sphere) and its centre of mass is `residual` away from the origin (non-finite if the map or
/// the masses were).
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error(
    "Möbius centering did not converge: the centre of mass is still {residual:.3e} from the origin \
     after {iterations} iterations (tolerance {MOBIUS_TOLERANCE:e}; a map concentrated near a \
     point cannot be centred)"
)]
pub struct NotCentered {
    pub iterations: usize,
    pub residual: f64,
}

/// Compose a map into `S²` (points `u`, one per node, with lumped masses `mass`) with the
/// Möbius transformation of the ball that takes its centre of mass `c = Σ M_i u_i / Σ M_i` to the
/// origin. The map `φ_a(x) = ((1 − |a|²)(x − a) − |x − a|² a) / (1 − 2 a·x + |a|²|x|²)` sends `a`
/// to 0 and the sphere to itself; to first order the centre of `φ_a ∘ u` is `c − (4/3) a` for a
/// spread-out map, so `a = ¾ c` is iterated until `|c| <` [`MOBIUS_TOLERANCE`], at most
/// [`MOBIUS_MAX_ITERATIONS`] times.
///
/// Returns the iterations and the final `|c|`, or [`NotCentered`] when `|c|` did not reach the
/// tolerance (or became non-finite); `u` then holds the last iterate, still on the sphere.
pub fn mobius_center(u: &mut [[f64; 3]], mass: &[f64]) -> Result<Centering, NotCentered> {
    let total: f64 = mass.iter().sum();
    let mut iterations = 0;
    loop {
        let mut c = [0.0; 3];
        for (p, m) in u.iter().zip(mass) {
            for k in 0..3 {
                c[k] += m * p[k] / total;
            }
        }
        let residual = Vector3::from(c).norm();
        if residual < MOBIUS_TOLERANCE {
            return Ok(Centering {
                iterations,
                residual,
            });
        }
        if iterations == MOBIUS_MAX_ITERATIONS || !residual.is_finite() {
            return Err(NotCentered {
                iterations,
                residual,
            });
        }
        let a = Vector3::from(c) * 0.75;
        let a2 = a.dot(&a);
        u.par_iter_mut().for_each(|p| {
            let x = Vector3::from(*p);
            let d = x - a;
            let den = 1.0 - 2.0 * a.dot(&x) + a2 * x.dot(&x);
            let y = ((1.0 - a2) * d - d.dot(&d) * a) / den;
            *p = (y * (1.0 / y.norm())).into();
        });
        iterations += 1;
    }
}
