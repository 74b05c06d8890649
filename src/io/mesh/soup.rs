//! The polygon soup every parser produces, and the checks and repairs that turn it into a
//! [`TriMesh`]: the same for every format.

use super::{triangulate, Fail, PResult, PointField, MAX_POLYGON_VERTICES};
use crate::mesh::topology::MeshDefect;
use crate::mesh::TriMesh;

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
        }
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

    /// Check, triangulate and clean the soup into a [`TriMesh`], its point fields and warnings.
    pub(super) fn finish(mut self) -> PResult<(TriMesh, Vec<PointField>, Vec<String>)> {
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
            if poly.len() > MAX_POLYGON_VERTICES {
                return Err(Fail::maybe_at(
                    line,
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
                    line,
                    format!(
                        "{el} {f}: vertex index {} out of range (the file has {n} vertices{})",
                        v.saturating_add(base),
                        if base == 1 { ", numbered from 1" } else { "" }
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
                // STL vertex numbers come from welding, not from the file: name the position.
                let msg = if el == "facet" {
                    format!(
                        "{el} {f}: corners {corners} coincide at ({}, {}, {}) (degenerate)",
                        p[0], p[1], p[2]
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
        let b = self.index_base;
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
                     diagonal)",
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
                    "{} and {} both traverse edge {} -> {} (inconsistent orientation)",
                    name(face_a),
                    name(face_b),
                    a + b,
                    v + b
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
                        "edge ({}, {}) is shared by {faces} {el}s (non-manifold): {}",
                        a + b,
                        v + b,
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
                         (non-manifold)",
                        vertex + b,
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
