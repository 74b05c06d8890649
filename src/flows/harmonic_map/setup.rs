//! The scenario keys of `harmonic-map` and the set-up of the flow from them:
//!
//! ```toml
//! [initial]                        # the initial map: 2 (S¹) or 3 expressions in x, y, z, t and
//! u = ["nx", "ny", "nz"]           #   the unit normal nx, ny, nz of a surface mesh ((0, 0, 1) on
//!                                  #   planar domains) ...
//! # field = "u"                    # ... or a point array of the [mesh] file (a frame of a run)
//! [boundary]                       # optional: Dirichlet data (time-independent); without it the
//! u = ["1", "0", "0"]              #   boundary is free (natural conditions)
//! [exact]                          # optional: an exact solution in x, y, z, t (error columns)
//! u = ["...", "...", "..."]
//! [target]                         # optional: the target manifold
//! kind = "sphere"                  # "sphere" (S¹ or S² by the components) or "torus", with
//! # major_radius = 2.0             #   (sqrt(x² + y²) − R)² + z² = r²
//! # minor_radius = 1.0
//! [harmonic]                       # optional; these are the defaults
//! theta = 1.0                      # implicitness of the tangent-plane step, in [0.5, 1]
//! project = true                   # false: the projection-free variant
//! center = "none"                  # "mobius": Möbius-center maps into S² after every step
//! on_blowup = "continue"           # or "stop": end the run at a detected blow-up
//! ```
//!
//! On a mesh, `[mesh] laplacian = "intrinsic-delaunay"` takes the stiffness and lumped mass from
//! the intrinsic Delaunay triangulation ([`Laplacian`](crate::discretization::Laplacian)).

use super::{Center, HarmonicMap, MapOptions, MapState};
use crate::discretization::{Discretization, GridDomain, MeshDomain};
use crate::domain::{Domain, Input};
use crate::error::{Error, Result};
use crate::expr::{Formula, Variables, WithNormal, Xyzt};
use crate::flows::target::Target;
use serde::{Deserialize, Serialize};

/// What negative cotan weights do to the harmonic map flow (the warning of
/// [`MeshDomain::negative_weight_warning`]).
pub const NEGATIVE_WEIGHTS: &str = "the nodal projection may raise the energy";

/// The components of a map, one expression each: two (into S¹) or three.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent, bound = "")]
pub struct Components<V>(pub Vec<Formula<V>>);

impl<'de, V: Variables> Deserialize<'de> for Components<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Seq<V>(std::marker::PhantomData<V>);
        impl<'de, V: Variables> serde::de::Visitor<'de> for Seq<V> {
            type Value = Vec<Formula<V>>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "an array of expressions, one per component: [\"...\", \"...\", \"...\"]",
                )
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = seq.next_element()? {
                    v.push(e);
                }
                if !(v.len() == 2 || v.len() == 3) {
                    return Err(serde::de::Error::custom(format!(
                        "a map into S^1 or S^2 needs 2 or 3 components, got {}",
                        v.len()
                    )));
                }
                Ok(v)
            }
        }
        d.deserialize_seq(Seq(std::marker::PhantomData))
            .map(Components)
    }
}

/// A map given by expressions (`[boundary]`, `[exact]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    bound(serialize = "", deserialize = "V: Variables")
)]
pub struct MapData<V: Variables> {
    pub u: Components<V>,
}

/// The initial map: expressions, or a point array of the mesh file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "InitialKeys", into = "InitialKeys")]
pub enum InitialMap {
    Expressions(Components<WithNormal>),
    Field(String),
}

/// `[initial]` as written: `u` or `field`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialKeys {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<Components<WithNormal>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl TryFrom<InitialKeys> for InitialMap {
    type Error = &'static str;
    fn try_from(k: InitialKeys) -> std::result::Result<Self, Self::Error> {
        match (k.u, k.field) {
            (Some(u), None) => Ok(InitialMap::Expressions(u)),
            (None, Some(f)) => Ok(InitialMap::Field(f)),
            _ => Err("give one of `u` (expressions) or `field` (an array of the mesh file)"),
        }
    }
}

impl From<InitialMap> for InitialKeys {
    fn from(m: InitialMap) -> Self {
        match m {
            InitialMap::Expressions(u) => InitialKeys {
                u: Some(u),
                field: None,
            },
            InitialMap::Field(f) => InitialKeys {
                u: None,
                field: Some(f),
            },
        }
    }
}

/// The target manifolds a scenario can name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// The unit sphere: S¹ or S² by the number of components.
    #[default]
    Sphere,
    /// A torus of revolution about the z axis (`major_radius`, `minor_radius`).
    Torus,
}

/// `[target]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    pub kind: TargetKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_radius: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor_radius: Option<f64>,
}

impl TargetSpec {
    /// The target for maps of `components` components, or what is wrong with the table.
    fn target(&self, components: usize) -> Result<Target> {
        let target = match (self.kind, self.major_radius, self.minor_radius) {
            (TargetKind::Sphere, None, None) => Target::Sphere { components },
            (TargetKind::Sphere, ..) => {
                return Err(Error::config(
                    "target",
                    "the sphere target is the unit sphere; radii apply to `torus`",
                ))
            }
            (TargetKind::Torus, Some(r1), Some(r2)) if r2 > 0.0 && r1 > r2 && r1.is_finite() => {
                Target::Torus {
                    major: r1,
                    minor: r2,
                }
            }
            (TargetKind::Torus, Some(r1), Some(r2)) => {
                return Err(Error::config(
                    "target",
                    format!("a torus needs major_radius > minor_radius > 0, got {r1} and {r2}"),
                ))
            }
            (TargetKind::Torus, ..) => {
                return Err(Error::config(
                    "target",
                    "kind = \"torus\" needs major_radius and minor_radius",
                ))
            }
        };
        if !(components == 3 || (components == 2 && self.kind == TargetKind::Sphere)) {
            return Err(Error::config(
                "initial",
                format!(
                    "the initial map has {components} components; the target needs 3 (or 2 for S^1)"
                ),
            ));
        }
        Ok(target)
    }
}

/// The keys of `harmonic-map`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmonicMapSpec {
    pub initial: InitialMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<MapData<WithNormal>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<MapData<Xyzt>>,
    #[serde(default)]
    pub target: TargetSpec,
    #[serde(default)]
    pub harmonic: MapOptions,
}

impl HarmonicMapSpec {
    /// The name of the mesh-file point array the initial map is read from, if any.
    pub fn initial_field(&self) -> Option<&str> {
        match &self.initial {
            InitialMap::Field(name) => Some(name),
            InitialMap::Expressions(_) => None,
        }
    }
}

/// The harmonic map flow on a grid, a planar triangulation or a surface mesh, and its initial
/// state: the initial expressions or mesh-file array (and on the boundary the Dirichlet data)
/// evaluated at `t0` and projected onto the target at every node; Möbius-centered when asked.
/// `warn` gets the warning of a mesh with negative cotan weights.
pub fn setup(
    spec: &HarmonicMapSpec,
    input: Input,
    t0: f64,
    warn: &mut dyn FnMut(&str),
) -> Result<(HarmonicMap<Domain>, MapState)> {
    let opts = MapOptions {
        dirichlet: spec.boundary.is_some(),
        ..spec.harmonic
    };
    if !(0.5..=1.0).contains(&opts.theta) {
        return Err(Error::config(
            "harmonic.theta",
            format!("must be in [0.5, 1], got {}", opts.theta),
        ));
    }
    // The domain, the unit normals of a surface, and the initial values the file stores.
    let (domain, normals, stored) = match input {
        Input::Grid(_) if spec.initial_field().is_some() => {
            return Err(Error::config(
                "initial.field",
                "reads a point array of the [mesh] file; this scenario has a [grid]",
            ))
        }
        Input::Grid(grid) => (Domain::Grid(GridDomain::new(grid)), None, Vec::new()),
        Input::Mesh {
            mesh,
            fields,
            laplacian,
        } => {
            let normals = crate::geometry::vertex_normals(&mesh);
            let domain = MeshDomain::surface_with(mesh, laplacian)
                .map_err(|e| Error::config("mesh.laplacian", e.to_string()))?;
            if let Some(w) = domain.negative_weight_warning(NEGATIVE_WEIGHTS) {
                warn(&w);
            }
            (Domain::Mesh(domain), Some(normals), fields)
        }
    };
    let initial_field = match &spec.initial {
        InitialMap::Expressions(_) => None,
        InitialMap::Field(name) => {
            Some(stored.iter().find(|f| &f.name == name).ok_or_else(|| {
                let have: Vec<String> = stored
                    .iter()
                    .map(|f| format!("{} ({} components)", f.name, f.components))
                    .collect();
                let have = if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                };
                Error::config(
                    "initial.field",
                    format!("the mesh file has no point array `{name}`; it has: {have}"),
                )
            })?)
        }
    };
    let components = match (&spec.initial, initial_field) {
        (_, Some(f)) => f.components,
        (InitialMap::Expressions(u), None) => u.0.len(),
        (InitialMap::Field(_), None) => unreachable!("a missing field is an error above"),
    };
    let target = spec.target.target(components)?;
    for (key, n) in [
        ("boundary.u", spec.boundary.as_ref().map(|b| b.u.0.len())),
        ("exact.u", spec.exact.as_ref().map(|b| b.u.0.len())),
    ] {
        match n {
            Some(n) if n != components => {
                return Err(Error::config(
                    key,
                    format!("has {n} components, the initial map has {components}"),
                ))
            }
            _ => {}
        }
    }
    if let Some(b) = &spec.boundary {
        if b.u.0.iter().any(|e| e.depends_on("t")) {
            return Err(Error::config(
                "boundary.u",
                "time-dependent boundary data is not supported for harmonic-map",
            ));
        }
    }
    if opts.center == Center::Mobius && !target.is_s2() {
        return Err(Error::config(
            "harmonic.center",
            "Möbius centering applies to maps into S² (three components, target sphere)",
        ));
    }
    let bnd = domain.boundary().to_vec();
    if spec.boundary.is_some() && !bnd.iter().any(|&b| b) {
        warn("[boundary] has no effect: the domain is closed (it has no boundary nodes)");
    }
    let mut u = Vec::with_capacity(domain.nodes());
    for (k, &on_boundary) in bnd.iter().enumerate() {
        let [x, y, z] = domain.point(k);
        let [nx, ny, nz] = normals.as_ref().map_or([0.0, 0.0, 1.0], |n| n[k]);
        let eval = |exprs: &Components<WithNormal>| {
            let mut v = [0.0; 3];
            for (vc, e) in v.iter_mut().zip(&exprs.0) {
                *vc = e.eval(&[x, y, z, t0, nx, ny, nz]);
            }
            v
        };
        let (key, v) = match (&spec.boundary, &spec.initial, initial_field) {
            (Some(b), ..) if on_boundary => ("boundary.u", eval(&b.u)),
            (_, _, Some(f)) => {
                let mut v = [0.0; 3];
                v[..components].copy_from_slice(f.at(k));
                ("initial.field", v)
            }
            (_, InitialMap::Expressions(e), None) => ("initial.u", eval(e)),
            (_, InitialMap::Field(_), None) => unreachable!("a missing field is an error above"),
        };
        let p = target.project(v);
        if !(v.iter().all(|c| c.is_finite()) && v != [0.0; 3] && p.iter().all(|c| c.is_finite())) {
            return Err(Error::config(
                key,
                format!(
                    "is ({}, {}, {}) at vertex {k}, (x, y, z) = ({x}, {y}, {z}); a map into the \
                     target needs finite, non-zero vectors",
                    v[0], v[1], v[2]
                ),
            ));
        }
        u.push(p);
    }
    let exact = spec
        .exact
        .as_ref()
        .map(|e| e.u.0.iter().map(|f| (**f).clone()).collect());
    let flow = HarmonicMap::new(domain, target, opts)?.with_exact(exact);
    if opts.center == Center::Mobius {
        crate::geometry::mobius_center(&mut u, flow.domain().lumped_mass())
            .map_err(|e| Error::config("initial", format!("cannot be Möbius-centered: {e}")))?;
    }
    Ok((flow, MapState { u }))
}
