//! The scenario keys of `surface-mcf` and the set-up of the flow from them:
//!
//! ```toml
//! [surface]                     # optional; these are the defaults
//! laplacian = "current"         # "current" (Desbrun et al.) or "frozen" (conformalized MCF)
//! boundary = "fixed"            # "fixed" (a soap film on a wire) or "free"
//! normalize = "none"            # "none", "area", or "volume" (closed surfaces)
//! min_angle = 0.5               # collapse detection: smallest corner angle in degrees ...
//! min_relative_area = 1e-6      # ... and smallest face area relative to the mean
//! on_collapse = "error"         # "error" (fail naming the triangle) or "stop" (end cleanly)
//! ```

use super::{Normalize, SurfaceMcf, SurfaceOptions, SurfaceState};
use crate::domain::Input;
use crate::error::{Error, Result};
use crate::geometry;
use serde::{Deserialize, Serialize};

/// The keys of `surface-mcf`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceSpec {
    #[serde(default)]
    pub surface: SurfaceOptions,
}

/// The surface flow on the scenario's mesh, starting from the mesh itself. An input that is
/// already collapsed by the thresholds is refused naming them; one whose smallest angle is
/// below `min_angle` is run with half its smallest angle as the threshold (`warn` says so).
pub fn setup(
    spec: &SurfaceSpec,
    input: Input,
    warn: &mut dyn FnMut(&str),
) -> Result<(SurfaceMcf, SurfaceState)> {
    let options = &spec.surface;
    if !(options.min_angle_deg >= 0.0 && options.min_angle_deg < 60.0) {
        return Err(Error::config(
            "surface.min_angle",
            format!("must be in [0, 60) degrees, got {}", options.min_angle_deg),
        ));
    }
    if !(options.min_relative_area >= 0.0 && options.min_relative_area < 1.0) {
        return Err(Error::config(
            "surface.min_relative_area",
            format!("must be in [0, 1), got {}", options.min_relative_area),
        ));
    }
    let Input::Mesh { mesh, .. } = input else {
        return Err(Error::config(
            "mesh",
            "surface-mcf runs on a [mesh] (file or generate)",
        ));
    };
    let areas = geometry::face_areas(&mesh);
    let mean = areas.iter().sum::<f64>() / areas.len().max(1) as f64;
    if let Some(f) = areas
        .iter()
        .position(|&a| a.is_nan() || a < options.min_relative_area * mean)
    {
        return Err(Error::config(
            "surface.min_relative_area",
            format!(
                "face {f} of the input already has area {:.3e} = {:.2e} × the mean face area, below \
                 surface.min_relative_area = {:e}: lower it, or remove degenerate faces with \
                 `geoflow mesh repair`",
                areas[f],
                areas[f] / mean,
                options.min_relative_area
            ),
        ));
    }
    let (face, smallest) = geometry::corner_angles(&mesh)
        .iter()
        .enumerate()
        .map(|(f, a)| {
            (
                f,
                a.iter().fold(f64::INFINITY, |m, &x| m.min(x)).to_degrees(),
            )
        })
        .fold((0, f64::INFINITY), |m, x| if x.1 < m.1 { x } else { m });
    if smallest < options.min_angle_deg {
        warn(&format!(
            "the input's smallest angle is {smallest:.3}° (face {face}), below surface.min_angle = \
             {}°: a collapse is detected when an angle falls below half of it, {:.3}°",
            options.min_angle_deg,
            0.5 * smallest
        ));
    }
    let flow = SurfaceMcf::new(&mesh, options.clone())?;
    if options.normalize == Normalize::Volume && !flow.closed() {
        return Err(Error::config(
            "surface.normalize",
            "`volume` needs a closed surface; this mesh has a boundary",
        ));
    }
    Ok((flow, SurfaceState { mesh }))
}
