//! The polygon soup every parser produces, and the checks and repairs that turn it into a
//! [`TriMesh`]: the same for every format.

use std::collections::HashMap;

use super::{triangulate, Fail, PResult, PointField, MAX_POLYGON_VERTICES};
use crate::mesh::topology::MeshDefect;
use crate::mesh::TriMesh;

/// What the messages about defects `geoflow mesh repair` fixes add: the way forward.
pub(super) const REPAIR_HINT: &str = "`geoflow mesh repair IN OUT` fixes this";

/// The key of a position for exact welding: `+ 0.0` turns -0.0 into 0.0, so equal coordinates
/// have equal bits.
pub(super) fn weld_key(p: [f64; 3]) -> [u64; 3] {
    p.map(|c| (c + 0.0).to_bits())
}

/// What every parser produces: positions and polygons, with the line each came from (text
/// formats), before any checking or triangulation.
pub(super) struct Soup {
    pub(super) positions: Vec<[f64; 3]>,
    /// Line of each vertex; empty when the format has no lines (binary data).
    pub(super) vertex_lines: Vec<usize>,
    /// All polygons' vertex indices, concatenated.
    pub(super) corners: Vec<usize>,
    /// End of each polygon in `corners` (polygon `f` is `corners[ends[f-1]..ends[f]]`).
    pub(super) face_ends: Vec<usize>,
    /// Line of each polygon; empty when the format has no lines.
    pub(super) face_lines: Vec<usize>,
    /// What the format calls a face in messages ("face", "cell", "facet").
    pub(super) element: &'static str,
    /// Added to a vertex index when quoting it (1 for OBJ, whose references are 1-based).
    pub(super) index_base: usize,
    /// Warnings collected while parsing (STL welding).
    pub(super) warnings: Vec<String>,
    /// Per-vertex arrays, in file order (only when the caller asked for fields).
    pub(super) fields: Vec<SoupField>,
    /// Whether vertices at equal positions were merged (STL always, others with `weld`): then
    /// a face with two equal corners is named by its position, not by vertex numbers.
    pub(super) welded: bool,
    /// The file's number (before `index_base`) of each vertex, when welding renumbered them;
    /// empty when vertices are in file order.
    pub(super) file_vertex: Vec<usize>,
}

/// A per-vertex array as parsed, before its length and values are checked.
pub(super) struct SoupField {
    /// The name, as the file writes it.
    pub(super) name: String,
    /// How messages introduce the field, e.g. "point data array `u`" or "vertex property `q`".
    pub(super) label: String,
    /// Line of the field's declaration (text formats), for length mismatches.
    pub(super) line: Option<usize>,
    /// Components per vertex.
    pub(super) components: usize,
    /// The values, vertex-major.
    pub(super) values: Vec<f64>,
    /// Line of each vertex's first value; empty when unknown (binary data, XML).
    pub(super) lines: Vec<usize>,
}

impl SoupField {
    /// A field with no values yet.
    pub(super) fn new(
        name: impl Into<String>,
        label: impl Into<String>,
        line: Option<usize>,
        components: usize,
    ) -> SoupField {
        SoupField {
            name: name.into(),
            label: label.into(),
            line,
            components,
            values: Vec::new(),
            lines: Vec::new(),
        }
    }
}

impl Soup {
    pub(super) fn new(element: &'static str, index_base: usize) -> Soup {
        Soup {
            positions: Vec::new(),
            vertex_lines: Vec::new(),
            corners: Vec::new(),
            face_ends: Vec::new(),
            face_lines: Vec::new(),
            element,
            index_base,
            warnings: Vec::new(),
            fields: Vec::new(),
            welded: false,
            file_vertex: Vec::new(),
        }
    }

    /// Vertex `v` as the file numbers it (with `index_base`).
    fn vertex_name(&self, v: usize) -> usize {
        self.file_vertex.get(v).copied().unwrap_or(v) + self.index_base
    }

    /// Close the polygon made of the corners pushed since the previous one.
    pub(super) fn end_face(&mut self, line: Option<usize>) {
        self.face_ends.push(self.corners.len());
        if let Some(l) = line {
            self.face_lines.push(l);
        }
    }

    pub(super) fn faces(&self) -> usize {
        self.face_ends.len()
    }

    fn face_line(&self, f: usize) -> Option<usize> {
        self.face_lines.get(f).copied()
    }

    fn vertex_line(&self, v: usize) -> Option<usize> {
        self.vertex_lines.get(v).copied()
    }

    /// Check the fields: at least one component, one tuple per vertex, finite values.
    fn check_fields(&self) -> PResult<()> {
        let n = self.positions.len();
        for f in &self.fields {
            let k = f.components;
            if k == 0 {
                return Err(Fail::maybe_at(
                    f.line,
                    format!("{}: 0 components per vertex", f.label),
                ));
            }
            if n.checked_mul(k) != Some(f.values.len()) {
                return Err(Fail::maybe_at(
                    f.line,
                    format!(
                        "{}: {} values, but {n} vertices × {k} component{} need {}",
                        f.label,
                        f.values.len(),
                        if k == 1 { "" } else { "s" },
                        n as u128 * k as u128
                    ),
                ));
            }
            if let Some(i) = f.values.iter().position(|x| !x.is_finite()) {
                let v = i / k;
                let component = if k == 1 {
                    String::new()
                } else {
                    format!(", component {}", i % k)
                };
                return Err(Fail::maybe_at(
                    f.lines.get(v).copied(),
                    format!(
                        "{}, vertex {}{component}: non-finite value {}",
                        f.label,
                        v + self.index_base,
                        f.values[i]
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The checks every path makes before anything else: at least one face, finite positions,
    /// well-formed fields, polygons of at most [`MAX_POLYGON_VERTICES`] corners, all in range.
    fn check_basics(&self) -> PResult<()> {
        let el = self.element;
        if self.faces() == 0 {
            return Err(Fail::nowhere(format!(
                "empty mesh: no {el}s ({} vertices)",
                self.positions.len()
            )));
        }
        if let Some(v) = self
            .positions
            .iter()
            .position(|p| !p.iter().all(|c| c.is_finite()))
        {
            let p = self.positions[v];
            return Err(Fail::maybe_at(
                self.vertex_line(v),
                format!(
                    "vertex {}: non-finite coordinate ({}, {}, {})",
                    v + self.index_base,
                    p[0],
                    p[1],
                    p[2]
                ),
            ));
        }
        self.check_fields()?;
        let n = self.positions.len();
        let mut start = 0;
        for f in 0..self.faces() {
            let end = self.face_ends[f];
            let poly = &self.corners[start..end];
            start = end;
            if poly.len() > MAX_POLYGON_VERTICES {
                return Err(Fail::maybe_at(
                    self.face_line(f),
                    format!(
                        "{el} {f}: {} vertices, more than the {MAX_POLYGON_VERTICES} supported \
                         per polygon",
                        poly.len()
                    ),
                ));
            }
            if let Some(&v) = poly.iter().find(|&&v| v >= n) {
                let base = self.index_base;
                return Err(Fail::maybe_at(
                    self.face_line(f),
                    format!(
                        "{el} {f}: vertex index {} out of range (the file has {n} vertices{})",
                        v.saturating_add(base),
                        if base == 1 { ", numbered from 1" } else { "" }
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Merge vertices at exactly equal positions (`-0.0 == 0.0`) into the first of them, in file
    /// order, renumbering the corners; a vertex's lines and field values are those of the first.
    /// Returns how many vertices were merged away. Indices must be in range.
    fn weld_exact(&mut self) -> usize {
        let n = self.positions.len();
        let mut map: HashMap<[u64; 3], usize> = HashMap::with_capacity(n);
        let mut new_index = Vec::with_capacity(n);
        let mut kept = Vec::with_capacity(n);
        for v in 0..n {
            let next = kept.len();
            let w = *map.entry(weld_key(self.positions[v])).or_insert(next);
            if w == next {
                kept.push(v);
            }
            new_index.push(w);
        }
        let merged = n - kept.len();
        if merged == 0 {
            return 0;
        }
        let lines = !self.vertex_lines.is_empty();
        for (k, &v) in kept.iter().enumerate() {
            self.positions[k] = self.positions[v];
            if lines {
                self.vertex_lines[k] = self.vertex_lines[v];
            }
        }
        self.positions.truncate(kept.len());
        if lines {
            self.vertex_lines.truncate(kept.len());
        }
        for c in &mut self.corners {
            *c = new_index[*c];
        }
        for f in &mut self.fields {
            let k = f.components;
            f.values = kept
                .iter()
                .flat_map(|&v| f.values[v * k..(v + 1) * k].iter().copied())
                .collect();
            if !f.lines.is_empty() {
                f.lines = kept.iter().map(|&v| f.lines[v]).collect();
            }
        }
        self.file_vertex = kept;
        self.welded = true;
        merged
    }

    /// Check, triangulate and clean the soup into a [`TriMesh`], its point fields and warnings.
    /// With `weld`, vertices at exactly equal positions are merged first (with a warning).
    pub(super) fn finish(mut self, weld: bool) -> PResult<(TriMesh, Vec<PointField>, Vec<String>)> {
        let el = self.element;
        self.check_basics()?;
        if weld && !self.welded {
            let before = self.positions.len();
            let merged = self.weld_exact();
            if merged > 0 {
                self.warnings.push(format!(
                    "welded {merged} duplicate vert{} (mesh.weld): {before} vertices share {} \
                     distinct positions",
                    if merged == 1 { "ex" } else { "ices" },
                    self.positions.len()
                ));
            }
        }

        let n = self.positions.len();
        let mut faces: Vec<[usize; 3]> = Vec::with_capacity(self.faces());
        let mut polygons = 0usize;
        let mut polygon_triangles = 0usize;
        let mut start = 0;
        let mut scratch = Vec::new();
        // The file face each triangle comes from.
        let mut tri_src: Vec<usize> = Vec::with_capacity(self.faces());
        for f in 0..self.faces() {
            let end = self.face_ends[f];
            let poly = &self.corners[start..end];
            start = end;
            let line = self.face_line(f);
            if poly.len() < 3 {
                return Err(Fail::maybe_at(
                    line,
                    format!(
                        "{el} {f}: only {} vertices (a face needs at least 3)",
                        poly.len()
                    ),
                ));
            }
            if let Some(v) = repeated(poly, &mut scratch) {
                let corners: Vec<String> = (0..poly.len())
                    .filter(|&k| poly[k] == v)
                    .map(|k| k.to_string())
                    .collect();
                let corners = corners.join(" and ");
                let p = self.positions[v];
                // Welded vertex numbers are not the file's: name the position.
                let msg = if self.welded {
                    format!(
                        "{el} {f}: corners {corners} coincide at ({}, {}, {}) (degenerate); {}",
                        p[0], p[1], p[2], REPAIR_HINT
                    )
                } else {
                    format!(
                        "{el} {f}: vertex {} is used twice (corners {corners})",
                        v + self.index_base
                    )
                };
                return Err(Fail::maybe_at(line, msg));
            }
            if poly.len() == 3 {
                faces.push([poly[0], poly[1], poly[2]]);
            } else {
                let first = faces.len();
                triangulate::ear_clip(&self.positions, poly, &mut faces);
                polygons += 1;
                polygon_triangles += faces.len() - first;
            }
            tri_src.resize(faces.len(), f);
        }

        let mut warnings = std::mem::take(&mut self.warnings);
        if polygons > 0 {
            warnings.push(format!(
                "triangulated {polygons} polygon{} with more than 3 vertices into \
                 {polygon_triangles} triangles",
                if polygons == 1 { "" } else { "s" }
            ));
        }
        let mut mesh = TriMesh::new(std::mem::take(&mut self.positions), faces);
        // Validate before removing unreferenced vertices, so vertex numbers are the file's.
        if let Err(defect) = crate::mesh::topology::validate(&mesh) {
            return Err(self.explain(&mesh, &tri_src, polygons > 0, defect));
        }
        // Which vertices survive `remove_unreferenced` (it keeps the used ones, in order).
        let mut used = vec![false; n];
        for &v in mesh.faces.iter().flatten() {
            used[v] = true;
        }
        if let Some(w) = self.duplicates_warning(&mesh.positions, &used) {
            warnings.push(w);
        }
        let removed = crate::mesh::topology::remove_unreferenced(&mut mesh);
        debug_assert_eq!(used.iter().filter(|&&u| !u).count(), removed);
        let fields = std::mem::take(&mut self.fields)
            .into_iter()
            .map(|f| {
                let k = f.components;
                let values = if removed == 0 {
                    f.values
                } else {
                    f.values
                        .chunks_exact(k)
                        .zip(&used)
                        .filter(|(_, &u)| u)
                        .flat_map(|(c, _)| c.iter().copied())
                        .collect()
                };
                PointField {
                    name: f.name,
                    components: k,
                    values,
                }
            })
            .collect();
        if removed > 0 {
            warnings.push(format!(
                "removed {removed} unreferenced vertex{} (used by no face)",
                if removed == 1 { "" } else { "es" }
            ));
        }
        Ok((mesh, fields, warnings))
    }
}

impl Soup {
    /// The warning about referenced vertices at exactly the position of an earlier referenced
    /// vertex (a crack or a triangle soup), with the first such pair; `None` when there are none.
    fn duplicates_warning(&self, positions: &[[f64; 3]], used: &[bool]) -> Option<String> {
        let mut first: HashMap<[u64; 3], usize> = HashMap::new();
        let mut count = 0usize;
        let mut example = None;
        for (v, p) in positions.iter().enumerate() {
            if !used[v] {
                continue;
            }
            let w = *first.entry(weld_key(*p)).or_insert(v);
            if w != v {
                count += 1;
                example.get_or_insert((w, v));
            }
        }
        let (a, b) = example?;
        let p = positions[b];
        Some(format!(
            "{count} duplicate vert{}: vertices {} and {} (and maybe others) both lie at ({}, \
             {}, {}), so the surface is not connected there (a crack or a triangle soup); they \
             are kept apart: set `weld = true` in [mesh] or run `geoflow mesh repair IN OUT` to \
             join them",
            if count == 1 { "ex" } else { "ices" },
            self.vertex_name(a),
            self.vertex_name(b),
            p[0],
            p[1],
            p[2]
        ))
    }

    /// Check and triangulate the soup without requiring a valid mesh, for `geoflow mesh
    /// repair`: only the basic checks ([`Soup::check_basics`]) fail. Polygons with fewer than
    /// 3 corners or a repeated corner become one degenerate triangle each (repeating a vertex,
    /// so repair removes them), after dropping consecutive repeats; empty faces are dropped
    /// with a warning. Vertices are kept as they are, unreferenced ones too.
    pub(super) fn finish_unvalidated(mut self) -> PResult<(TriMesh, Vec<String>)> {
        self.check_basics()?;
        let el = self.element;
        let mut faces: Vec<[usize; 3]> = Vec::with_capacity(self.faces());
        let (mut polygons, mut polygon_triangles, mut empty) = (0usize, 0usize, Vec::new());
        let mut scratch = Vec::new();
        let mut start = 0;
        for f in 0..self.faces() {
            let end = self.face_ends[f];
            let mut poly = self.corners[start..end].to_vec();
            start = end;
            if poly.len() > 3 {
                poly.dedup();
                while poly.len() > 1 && poly.first() == poly.last() {
                    poly.pop();
                }
            }
            match poly.len() {
                0 => empty.push(f),
                3 => faces.push([poly[0], poly[1], poly[2]]),
                1 | 2 => faces.push([poly[0], poly[poly.len() - 1], poly[0]]),
                _ if repeated(&poly, &mut scratch).is_some() => {
                    faces.push([poly[0], poly[0], poly[1]])
                }
                _ => {
                    let first = faces.len();
                    triangulate::ear_clip(&self.positions, &poly, &mut faces);
                    polygons += 1;
                    polygon_triangles += faces.len() - first;
                }
            }
        }
        let mut warnings = std::mem::take(&mut self.warnings);
        if polygons > 0 {
            warnings.push(format!(
                "triangulated {polygons} polygon{} with more than 3 vertices into \
                 {polygon_triangles} triangles (triangles are numbered after triangulation)",
                if polygons == 1 { "" } else { "s" }
            ));
        }
        if let Some(&f) = empty.first() {
            warnings.push(format!(
                "dropped {} {el}{} without vertices (e.g. {el} {f})",
                empty.len(),
                if empty.len() == 1 { "" } else { "s" }
            ));
        }
        if faces.is_empty() {
            return Err(Fail::nowhere(format!("empty mesh: no {el}s with vertices")));
        }
        Ok((
            TriMesh::new(std::mem::take(&mut self.positions), faces),
            warnings,
        ))
    }

    /// Turn a defect found by [`crate::mesh::topology::validate`] on the triangulated mesh into a
    /// failure that names the file's faces and vertices, at the line of the face concerned.
    fn explain(
        &self,
        mesh: &TriMesh,
        tri_src: &[usize],
        triangulated: bool,
        defect: MeshDefect,
    ) -> Fail {
        let el = self.element;
        // "face 7" or "face 7 (triangle 3 after triangulation)".
        let name = |t: usize| {
            let f = tri_src[t];
            if triangulated
                && self
                    .face_ends
                    .get(f)
                    .is_some_and(|&e| e - f.checked_sub(1).map_or(0, |p| self.face_ends[p]) > 3)
            {
                format!("{el} {f} (triangle {t} after triangulation)")
            } else {
                format!("{el} {f}")
            }
        };
        match defect {
            MeshDefect::DegenerateFace { face, area } => Fail::maybe_at(
                self.face_line(tri_src[face]),
                format!(
                    "{}: degenerate, area {area:e} (at most 1e-14 × the squared bounding-box \
                     diagonal); {REPAIR_HINT}",
                    name(face)
                ),
            ),
            MeshDefect::InconsistentOrientation {
                face_a,
                face_b,
                a,
                b: v,
            } => Fail::maybe_at(
                self.face_line(tri_src[face_b]),
                format!(
                    "{} and {} both traverse edge {} -> {} (inconsistent orientation); \
                     `geoflow mesh repair IN OUT` orients the faces if the surface is orientable",
                    name(face_a),
                    name(face_b),
                    self.vertex_name(a),
                    self.vertex_name(v)
                ),
            ),
            MeshDefect::NonManifoldEdge { a, b: v, faces } => {
                let users: Vec<usize> = mesh
                    .faces
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.contains(&a) && t.contains(&v))
                    .map(|(t, _)| t)
                    .collect();
                let last = users.last().map(|&t| tri_src[t]);
                Fail::maybe_at(
                    last.and_then(|f| self.face_line(f)),
                    format!(
                        "edge ({}, {}) is shared by {faces} {el}s (non-manifold): {}; \
                         `geoflow mesh repair IN OUT` keeps two of them",
                        self.vertex_name(a),
                        self.vertex_name(v),
                        users
                            .iter()
                            .map(|&t| name(t))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }
            MeshDefect::NonManifoldVertex { vertex } => {
                let p = mesh.positions[vertex];
                Fail::maybe_at(
                    self.vertex_line(vertex),
                    format!(
                        "vertex {} at ({}, {}, {}): its {el}s form more than one fan \
                         (non-manifold); `geoflow mesh repair IN OUT` splits it, one vertex per \
                         fan",
                        self.vertex_name(vertex),
                        p[0],
                        p[1],
                        p[2]
                    ),
                )
            }
            // Checked earlier with better context; kept for completeness.
            other => Fail::nowhere(other.to_string()),
        }
    }
}

/// The first vertex that appears twice in `poly`, if any.
fn repeated(poly: &[usize], scratch: &mut Vec<usize>) -> Option<usize> {
    if poly.len() <= 8 {
        (1..poly.len()).find_map(|i| poly[..i].contains(&poly[i]).then_some(poly[i]))
    } else {
        scratch.clear();
        scratch.extend_from_slice(poly);
        scratch.sort_unstable();
        scratch.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    }
}
