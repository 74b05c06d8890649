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
use serde::{Deserialize, Serialize};

/// The keys of `surface-mcf`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceSpec {
    #[serde(default)]
    pub surface: SurfaceOptions,
}

/// The surface flow on the scenario's mesh, starting from the mesh itself.
pub fn setup(spec: &SurfaceSpec, input: Input) -> Result<(SurfaceMcf, SurfaceState)> {
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
    let flow = SurfaceMcf::new(&mesh, options.clone())?;
    if options.normalize == Normalize::Volume && !flow.closed() {
        return Err(Error::config(
            "surface.normalize",
            "`volume` needs a closed surface; this mesh has a boundary",
        ));
    }
    Ok((flow, SurfaceState { mesh }))
}
