//! A summary of a mesh's size, topology, validity and geometry: what `geoflow mesh info FILE`
//! prints. Computing it never panics, whatever the mesh (out-of-range indices, non-manifold
//! edges, NaN positions): problems are reported in the fields instead.

use super::topology;
use super::TriMesh;
use nalgebra::Vector3;
use std::fmt;

/// Size, topology, validity and geometry of a mesh. See [`mesh_info`].
#[derive(Clone, Debug, PartialEq)]
pub struct MeshInfo {
    /// Number of vertex positions (referenced or not).
    pub vertices: usize,
    /// Vertices no face refers to.
    pub unreferenced_vertices: usize,
    /// Number of distinct edges (unordered vertex pairs of faces with in-range indices), counted
    /// even when some edge is non-manifold.
    pub edges: usize,
    /// Number of faces.
    pub faces: usize,
    /// Faces of (near-)zero area, by the rule of [`topology::MeshDefect::DegenerateFace`].
    pub degenerate_faces: usize,
    /// Connected components of faces ([`topology::components`]).
    pub components: usize,
    /// Number of boundary loops; `None` when edges are not manifold (or indices are invalid).
    pub boundary_loops: Option<usize>,
    /// `V − E + F`, `V` counting referenced vertices only.
    pub euler_characteristic: i64,
    /// Genus of a connected orientable manifold ([`topology::genus`]), else `None`.
    pub genus: Option<i64>,
    /// At least one face, manifold edges, and no boundary edge.
    pub closed: bool,
    /// `Ok` if every edge has at most two faces and every vertex one fan of faces (and indices
    /// are valid), else the first problem found.
    pub manifold: Result<(), topology::MeshDefect>,
    /// Every interior edge is traversed in opposite directions by its two faces (`false` when
    /// edges are not manifold).
    pub oriented: bool,
    /// The full [`topology::validate`] verdict (adds finiteness, degenerate faces, orientation).
    pub valid: Result<(), topology::MeshDefect>,
    /// Smallest corner angle in degrees (NaN without faces).
    pub min_angle_deg: f64,
    /// Largest corner angle in degrees (NaN without faces).
    pub max_angle_deg: f64,
    /// Total surface area.
    pub area: f64,
    /// Enclosed volume by the divergence theorem, `Σ_f p_a·(p_b × p_c)/6`, for closed
    /// consistently oriented meshes; positive when faces point outward.
    pub volume: Option<f64>,
    /// Axis-aligned bounding box `[min, max]` of all positions (`[[0; 3]; 2]` when empty).
    pub bbox: [[f64; 3]; 2],
}

/// Number of distinct unordered vertex pairs over faces whose indices are all in range.
fn distinct_edges(mesh: &TriMesh) -> usize {
    let n = mesh.positions.len();
    let mut pairs: Vec<(usize, usize)> = mesh
        .faces
        .iter()
        .filter(|f| f.iter().all(|&i| i < n))
        .flat_map(|f| (0..3).map(move |k| (f[k].min(f[(k + 1) % 3]), f[k].max(f[(k + 1) % 3]))))
        .filter(|(a, b)| a != b)
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs.len()
}

/// Summarize `mesh`. Costs a few passes over the faces; never panics.
pub fn mesh_info(mesh: &TriMesh) -> MeshInfo {
    let n = mesh.positions.len();
    let faces_ok: Vec<usize> = (0..mesh.faces.len())
        .filter(|&f| mesh.faces[f].iter().all(|&i| i < n))
        .collect();
    let edges = topology::edges(mesh);
    let edge_count = match &edges {
        Ok(e) => e.len(),
        Err(_) => distinct_edges(mesh),
    };
    let referenced = topology::referenced_vertex_count(mesh);
    let euler = referenced as i64 - edge_count as i64 + mesh.faces.len() as i64;

    let components = topology::components(mesh);
    let (boundary_loops, oriented, manifold, genus) = match &edges {
        Ok(e) => {
            let loops = topology::boundary_loops(mesh, e).len();
            let fans = topology::vertex_fan_counts(mesh, e);
            let manifold = match fans.iter().position(|&c| c > 1) {
                Some(vertex) => Err(topology::MeshDefect::NonManifoldVertex { vertex }),
                None => Ok(()),
            };
            let oriented = topology::is_consistently_oriented(mesh, e);
            // As topology::genus, reusing what is already computed.
            let twice_genus = 2 - loops as i64 - euler;
            let genus = (!mesh.faces.is_empty()
                && components == 1
                && manifold.is_ok()
                && (oriented || topology::is_orientable(mesh, e))
                && twice_genus >= 0
                && twice_genus % 2 == 0)
                .then_some(twice_genus / 2);
            (Some(loops), oriented, manifold, genus)
        }
        Err(defect) => (None, false, Err(defect.clone()), None),
    };
    let closed = boundary_loops == Some(0) && !mesh.faces.is_empty();

    let (mut min_angle, mut max_angle) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut area, mut volume) = (0.0, 0.0);
    for &f in &faces_ok {
        let p = mesh.faces[f].map(|i| Vector3::from(mesh.positions[i]));
        for k in 0..3 {
            let (u, v) = (p[(k + 1) % 3] - p[k], p[(k + 2) % 3] - p[k]);
            let angle = u.cross(&v).norm().atan2(u.dot(&v)).to_degrees();
            min_angle = min_angle.min(angle);
            max_angle = max_angle.max(angle);
        }
        area += 0.5 * (p[1] - p[0]).cross(&(p[2] - p[0])).norm();
        volume += p[0].dot(&p[1].cross(&p[2])) / 6.0;
    }
    if faces_ok.is_empty() {
        (min_angle, max_angle) = (f64::NAN, f64::NAN);
    }
    MeshInfo {
        vertices: n,
        unreferenced_vertices: n - referenced,
        edges: edge_count,
        faces: mesh.faces.len(),
        degenerate_faces: topology::degenerate_faces(mesh).len(),
        components,
        boundary_loops,
        euler_characteristic: euler,
        genus,
        closed,
        manifold,
        oriented,
        valid: topology::validate(mesh),
        min_angle_deg: min_angle,
        max_angle_deg: max_angle,
        area,
        volume: (closed && oriented).then_some(volume),
        bbox: topology::bounding_box(mesh),
    }
}

fn verdict(r: &Result<(), topology::MeshDefect>) -> String {
    match r {
        Ok(()) => "yes".to_string(),
        Err(msg) => format!("no: {msg}"),
    }
}

/// `x` with 7 significant digits, in scientific notation when very large or small.
fn num(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || (1e-3..1e7).contains(&a) {
        let decimals = if x == 0.0 {
            0
        } else {
            (6 - a.log10().floor() as i32).max(0) as usize
        };
        format!("{x:.decimals$}")
    } else {
        format!("{x:.6e}")
    }
}

fn opt<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("n/a".to_string(), |x| x.to_string())
}

impl fmt::Display for MeshInfo {
    /// A multi-line report, one `label  value` line per field.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        writeln!(
            f,
            "vertices              {} ({} unreferenced)",
            self.vertices, self.unreferenced_vertices
        )?;
        writeln!(f, "edges                 {}", self.edges)?;
        writeln!(
            f,
            "faces                 {} ({} degenerate)",
            self.faces, self.degenerate_faces
        )?;
        writeln!(f, "components            {}", self.components)?;
        writeln!(
            f,
            "boundary loops        {}{}",
            opt(&self.boundary_loops),
            if self.closed { " (closed)" } else { "" }
        )?;
        writeln!(f, "Euler characteristic  {}", self.euler_characteristic)?;
        writeln!(f, "genus                 {}", opt(&self.genus))?;
        writeln!(f, "manifold              {}", verdict(&self.manifold))?;
        writeln!(f, "consistently oriented {}", yes_no(self.oriented))?;
        writeln!(f, "valid                 {}", verdict(&self.valid))?;
        if self.min_angle_deg.is_nan() {
            writeln!(f, "corner angles         n/a")?;
        } else {
            writeln!(
                f,
                "corner angles         min {:.3}°, max {:.3}°",
                self.min_angle_deg, self.max_angle_deg
            )?;
        }
        writeln!(f, "area                  {}", num(self.area))?;
        match self.volume {
            Some(v) => writeln!(f, "volume                {}", num(v))?,
            None => writeln!(f, "volume                n/a (not closed and oriented)")?,
        }
        let [lo, hi] = self.bbox;
        let point = |p: [f64; 3]| p.map(num).join(", ");
        write!(
            f,
            "bounding box          [{}] .. [{}]",
            point(lo),
            point(hi)
        )
    }
}
