//! The `[mesh]` table of a scenario: a mesh file, or a generated shape with its parameters.

use crate::discretization::Laplacian;
use crate::error::{Error, Result};
use crate::io::mesh::PointField;
use crate::mesh::{shapes, TriMesh};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Shapes `geoflow` can generate (`[mesh] generate = "..."`, `geoflow mesh generate KIND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum ShapeKind {
    Icosphere,
    UvSphere,
    Torus,
    Ellipsoid,
    BumpySphere,
    Dumbbell,
    Disk,
    Square,
    Hemisphere,
    CatenoidBand,
}

/// Where a scenario's triangle mesh comes from. Give `file` or `generate`; the other keys are the
/// generator's parameters (each with a default).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(deny_unknown_fields)]
pub struct MeshSpec {
    /// A mesh file (.obj .off .ply .stl .vtk .vtu .vtp), relative to the scenario file or absolute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(skip))]
    pub file: Option<String>,
    /// A shape to generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(skip))]
    pub generate: Option<ShapeKind>,
    /// Merge the vertices of `file` that lie at exactly the same position (a triangle soup, a
    /// crack) before the mesh is checked; default false: they are reported in a warning and kept
    /// apart. Only with `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(skip))]
    pub weld: Option<bool>,
    /// The triangulation the smooth `ricci` and `harmonic-map` flows take their cotan Laplacian
    /// and lumped mass from: the mesh's own (`"input"`, the default) or its intrinsic Delaunay
    /// triangulation (`"intrinsic-delaunay"`: non-negative weights, a discrete maximum
    /// principle). Frames stay on the mesh's own triangles.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(skip))]
    pub laplacian: Laplacian,
    /// Subdivision level (icosphere, ellipsoid, bumpy-sphere, dumbbell, hemisphere); default 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub level: Option<u32>,
    /// Radius (icosphere, uv-sphere, disk, hemisphere); default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub radius: Option<f64>,
    /// Rings of a disk; default 16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub rings: Option<usize>,
    /// Subdivisions: square (per side, default 32), uv-sphere latitude (16), torus major (48),
    /// catenoid-band around (48).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub n: Option<usize>,
    /// Second subdivision count: uv-sphere longitude (32), torus minor (24), catenoid-band height (16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub m: Option<usize>,
    /// The square's x range; default [-1, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long, num_args = 2, value_names = ["X0", "X1"], allow_negative_numbers = true))]
    pub x: Option<Vec<f64>>,
    /// The square's y range; default [-1, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long, num_args = 2, value_names = ["Y0", "Y1"], allow_negative_numbers = true))]
    pub y: Option<Vec<f64>>,
    /// Torus radii [R, r]; default [1, 0.4].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long, num_args = 2, value_names = ["R", "r"]))]
    pub radii: Option<Vec<f64>>,
    /// Ellipsoid semi-axes [a, b, c]; default [1, 0.8, 0.6].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long, num_args = 3, value_names = ["A", "B", "C"]))]
    pub axes: Option<Vec<f64>>,
    /// Bumpy sphere: bump amplitude (default 0.15) and frequency (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub amplitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub frequency: Option<f64>,
    /// Catenoid band: neck radius a (default 1) and height (default 1.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub neck: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub height: Option<f64>,
    /// Disk and square: move every interior vertex by a pseudo-random offset of up to this
    /// fraction of the mesh spacing (reproducible; default 0), for unstructured test meshes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub jitter: Option<f64>,
}

/// A reproducible pseudo-random number in [-1, 1) from an integer (splitmix64).
fn hash_unit(mut z: u64) -> f64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// Move the interior vertices of a planar mesh by up to `fraction * h` in x and y; fails if a
/// triangle would flip.
fn jitter(mut mesh: TriMesh, fraction: f64, h: f64) -> Result<TriMesh> {
    if !(0.0..0.35).contains(&fraction) {
        return Err(Error::Usage(format!(
            "mesh.jitter: must be in [0, 0.35), got {fraction}"
        )));
    }
    let boundary = crate::geometry::vertex_boundary_mask(&mesh.faces, mesh.vertices());
    let signed = |m: &TriMesh| -> Vec<f64> {
        m.faces
            .iter()
            .map(|f| {
                let [a, b, c] = f.map(|v| m.positions[v]);
                (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])
            })
            .collect()
    };
    let before = signed(&mesh);
    for (v, p) in mesh.positions.iter_mut().enumerate() {
        if !boundary[v] {
            p[0] += fraction * h * hash_unit(2 * v as u64);
            p[1] += fraction * h * hash_unit(2 * v as u64 + 1);
        }
    }
    if let Some(f) = signed(&mesh)
        .iter()
        .zip(&before)
        .position(|(a, b)| a * b <= 0.0)
    {
        return Err(Error::Usage(format!(
            "mesh.jitter: {fraction} flips triangle {f}; use a smaller jitter"
        )));
    }
    Ok(mesh)
}

/// The sample meshes shipped in `meshes/`, embedded for the built-in scenarios.
pub const EMBEDDED_MESHES: &[(&str, &[u8])] = &[
    ("meshes/torus.obj", include_bytes!("../../meshes/torus.obj")),
    (
        "meshes/bumpy_sphere.ply",
        include_bytes!("../../meshes/bumpy_sphere.ply"),
    ),
];

/// The prefix of a `file` that names a mesh embedded in the binary (`builtin:meshes/torus.obj`):
/// how a run's `config.toml` writes the meshes of built-in scenarios.
pub const BUILTIN_MESH: &str = "builtin:";

/// The embedded mesh a built-in scenario's `file` names (matched by file name).
fn embedded(file: &str) -> Option<&'static (&'static str, &'static [u8])> {
    let file = file.strip_prefix(BUILTIN_MESH).unwrap_or(file);
    let name = Path::new(file).file_name()?;
    EMBEDDED_MESHES
        .iter()
        .find(|(n, _)| Path::new(n).file_name() == Some(name))
}

fn pair(v: &Option<Vec<f64>>, key: &str, default: [f64; 2]) -> Result<[f64; 2]> {
    match v {
        None => Ok(default),
        Some(v) if v.len() == 2 && v.iter().all(|x| x.is_finite()) => Ok([v[0], v[1]]),
        Some(v) => Err(Error::Usage(format!(
            "mesh.{key}: expected two finite numbers, got {v:?}"
        ))),
    }
}

impl MeshSpec {
    /// Generate `kind` with these parameters (defaults where unset).
    pub fn generate_shape(&self, kind: ShapeKind) -> Result<TriMesh> {
        let level = self.level.unwrap_or(4);
        if level > 9 {
            return Err(Error::Usage(format!(
                "mesh.level: at most 9 (10·4^9 vertices), got {level}"
            )));
        }
        let radius = self.radius.unwrap_or(1.0);
        let positive = |key: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(Error::Usage(format!(
                    "mesh.{key}: must be positive, got {v}"
                )))
            }
        };
        let count = |key: &str, v: Option<usize>, default: usize, min: usize| {
            let v = v.unwrap_or(default);
            if v >= min {
                Ok(v)
            } else {
                Err(Error::Usage(format!(
                    "mesh.{key}: must be at least {min}, got {v}"
                )))
            }
        };
        Ok(match kind {
            ShapeKind::Icosphere => shapes::icosphere(level, positive("radius", radius)?),
            ShapeKind::UvSphere => shapes::uv_sphere(
                count("n", self.n, 16, 3)?,
                count("m", self.m, 32, 3)?,
                positive("radius", radius)?,
            ),
            ShapeKind::Torus => {
                let [r_major, r_minor] = pair(&self.radii, "radii", [1.0, 0.4])?;
                if !(r_minor > 0.0 && r_major > r_minor) {
                    return Err(Error::Usage(format!(
                        "mesh.radii: need R > r > 0, got [{r_major}, {r_minor}]"
                    )));
                }
                shapes::torus(
                    count("n", self.n, 48, 3)?,
                    count("m", self.m, 24, 3)?,
                    r_major,
                    r_minor,
                )
            }
            ShapeKind::Ellipsoid => {
                let a = self.axes.clone().unwrap_or(vec![1.0, 0.8, 0.6]);
                if a.len() != 3 || a.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
                    return Err(Error::Usage(format!(
                        "mesh.axes: expected three positive numbers, got {a:?}"
                    )));
                }
                shapes::ellipsoid(level, [a[0], a[1], a[2]])
            }
            ShapeKind::BumpySphere => {
                let amplitude = self.amplitude.unwrap_or(0.15);
                let frequency = self.frequency.unwrap_or(4.0);
                if !(amplitude.is_finite() && amplitude.abs() < 1.0) {
                    return Err(Error::Usage(format!(
                        "mesh.amplitude: must be in (-1, 1), got {amplitude}"
                    )));
                }
                shapes::bumpy_sphere(level, amplitude, positive("frequency", frequency)?)
            }
            ShapeKind::Dumbbell if level > 7 => {
                return Err(Error::Usage(format!(
                    "mesh.level: a dumbbell has about 21·4^level vertices; at most 7, got {level}"
                )))
            }
            ShapeKind::Dumbbell => shapes::dumbbell(level),
            ShapeKind::Disk => {
                let rings = count("rings", self.rings, 16, 1)?;
                let radius = positive("radius", radius)?;
                let mesh = shapes::disk(rings, radius);
                match self.jitter {
                    Some(j) if j != 0.0 => jitter(mesh, j, radius / rings as f64)?,
                    _ => mesh,
                }
            }
            ShapeKind::Square => {
                let x = pair(&self.x, "x", [-1.0, 1.0])?;
                let y = pair(&self.y, "y", [-1.0, 1.0])?;
                if x[1] <= x[0] || y[1] <= y[0] {
                    return Err(Error::Usage(format!(
                        "mesh.x/mesh.y: empty square {x:?} x {y:?}"
                    )));
                }
                let n = count("n", self.n, 32, 1)?;
                let mesh = shapes::square(n, x, y);
                match self.jitter {
                    Some(j) if j != 0.0 => {
                        jitter(mesh, j, ((x[1] - x[0]).min(y[1] - y[0])) / n as f64)?
                    }
                    _ => mesh,
                }
            }
            ShapeKind::Hemisphere => shapes::hemisphere(level, positive("radius", radius)?),
            ShapeKind::CatenoidBand => shapes::catenoid_band(
                count("n", self.n, 48, 3)?,
                count("m", self.m, 16, 1)?,
                positive("neck", self.neck.unwrap_or(1.0))?,
                positive("height", self.height.unwrap_or(1.5))?,
            ),
        })
    }

    /// The spec with its `file` made independent of where the scenario file was: a built-in
    /// scenario's embedded mesh as `builtin:<name>`, a relative path joined to `base` (the
    /// scenario file's directory) and made absolute. What a run's `config.toml` records.
    pub fn resolved(&self, base: Option<&Path>) -> MeshSpec {
        let mut r = self.clone();
        if let Some(file) = &self.file {
            // Whether duplicate vertices were welded is part of what was run.
            r.weld = Some(self.weld.unwrap_or(false));
            r.file = Some(match (base, embedded(file)) {
                (None, Some((name, _))) => format!("{BUILTIN_MESH}{name}"),
                (Some(b), _)
                    if Path::new(file).is_relative() && !file.starts_with(BUILTIN_MESH) =>
                {
                    let joined = b.join(file);
                    std::path::absolute(&joined)
                        .unwrap_or(joined)
                        .display()
                        .to_string()
                }
                _ => file.clone(),
            });
        }
        r
    }

    /// Load or generate the mesh; `base` is the scenario file's directory (for relative paths).
    /// Built-in scenarios (`base = None`) find the shipped `meshes/*` embedded in the binary.
    /// Returns warnings from reading (benign repairs) alongside.
    pub fn build(&self, base: Option<&Path>) -> Result<(TriMesh, Vec<String>)> {
        let (mesh, _, warnings) = self.build_inner(base, false)?;
        Ok((mesh, warnings))
    }

    /// [`MeshSpec::build`], also returning the point arrays stored in a mesh file (none for a
    /// generated mesh).
    pub fn build_with_fields(
        &self,
        base: Option<&Path>,
    ) -> Result<(TriMesh, Vec<PointField>, Vec<String>)> {
        self.build_inner(base, true)
    }

    fn build_inner(
        &self,
        base: Option<&Path>,
        fields: bool,
    ) -> Result<(TriMesh, Vec<PointField>, Vec<String>)> {
        let opts = crate::io::mesh::ReadOptions {
            weld: self.weld.unwrap_or(false),
            fields,
        };
        if self.weld.is_some() && self.file.is_none() {
            return Err(Error::Usage(
                "mesh.weld: only for a mesh `file` (a generated mesh has no duplicate vertices)"
                    .into(),
            ));
        }
        match (&self.file, self.generate) {
            (Some(file), None) if file.starts_with(BUILTIN_MESH) && embedded(file).is_none() => {
                let names: Vec<&str> = EMBEDDED_MESHES.iter().map(|(n, _)| *n).collect();
                Err(Error::Usage(format!(
                    "mesh.file: no built-in mesh `{file}` (built-in: {})",
                    names.join(", ")
                )))
            }
            (Some(file), None)
                if (base.is_none() || file.starts_with(BUILTIN_MESH))
                    && embedded(file).is_some() =>
            {
                let (name, bytes) = embedded(file).expect("checked");
                let path = Path::new(name);
                let format = crate::io::mesh::MeshFormat::from_path(path)?;
                crate::io::mesh::parse_mesh_opts(path, format, bytes, opts)
            }
            (Some(file), None) => {
                let path = Path::new(file);
                let path = match base {
                    Some(b) if path.is_relative() => b.join(path),
                    _ => path.to_path_buf(),
                };
                crate::io::mesh::read_mesh_opts(&path, opts)
            }
            (None, Some(kind)) => Ok((self.generate_shape(kind)?, Vec::new(), Vec::new())),
            _ => Err(Error::Usage(
                "[mesh]: give exactly one of `file` or `generate`".into(),
            )),
        }
    }
}
