//! Turning a broken triangle mesh into a valid oriented manifold, one explicit, logged step at a
//! time, in the manner of CGAL's Polygon Mesh Processing repair functions: what
//! `geoflow mesh repair IN OUT` runs.
//!
//! [`repair`] applies, in this order:
//! 1. **weld** vertices at the same position (exactly, or within a tolerance relative to the
//!    bounding-box diagonal): each vertex is merged into the first earlier vertex within reach;
//! 2. **remove degenerate faces**: a repeated vertex (also after welding), or an area of at most
//!    `1e-14 · d²` ([`topology::DEGENERATE_AREA_RATIO`], the rule of [`topology::validate`]);
//! 3. **remove duplicate faces**: the same three vertices as an earlier face, in any order or
//!    orientation (the earlier face stays);
//! 4. **resolve non-manifold edges**: faces are taken in order and a face is dropped when one
//!    of its edges already has two faces kept, so every edge keeps its first two faces;
//! 5. **orient** each connected component consistently (breadth-first over faces sharing an
//!    edge): a closed component so that its volume is positive (outward normals), an open one
//!    as the majority of its faces already are; a non-orientable component (a Möbius strip) is
//!    an error;
//! 6. **split non-manifold vertices**: at a vertex whose faces form several fans, the fan of its
//!    first face keeps the vertex and every other fan gets a copy of it (same position);
//! 7. **remove unreferenced vertices**.
//!
//! Each step that changes something adds a [`RepairChange`] to the [`RepairReport`], with the
//! count and an example. Element numbers there are 0-based and those of the input mesh (faces
//! in input order, vertices in input order), whatever the steps did since; copies made by step
//! 6 are new vertices and named by the vertex they copy. The result passes
//! [`topology::validate`]. Its split vertex copies share their position with the vertex they
//! were split from: that is the point of the split, and welding them would undo it.

use std::collections::HashMap;
use std::fmt;

use super::topology::{self, MeshDefect};
use super::TriMesh;
use nalgebra::Vector3;

/// Settings of [`repair`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RepairOptions {
    /// Vertices closer than this fraction of the bounding-box diagonal are welded; `0` (the
    /// default) welds exactly coincident vertices only (`-0.0 == 0.0`).
    pub weld_tolerance: f64,
}

/// One change [`repair`] made, with how many elements it concerned and an example (input
/// element numbers). Its `Display` is one line.
#[derive(Clone, Debug, PartialEq)]
pub enum RepairChange {
    /// Vertices merged into an earlier vertex at (or within the tolerance of) its position.
    Welded {
        /// Vertices merged away.
        vertices: usize,
        /// The tolerance used, relative to the bounding-box diagonal.
        tolerance: f64,
        /// `(kept, merged)`: the first merged vertex and the vertex it was merged into.
        example: (usize, usize),
        /// The kept vertex's position.
        position: [f64; 3],
    },
    /// Faces removed for repeating a vertex or having (near-)zero area.
    DegenerateFacesRemoved {
        /// Faces with a repeated vertex (after welding).
        repeated_vertex: usize,
        /// Faces with (near-)zero area.
        zero_area: usize,
        /// The first removed face.
        example: usize,
    },
    /// Faces removed for using the same three vertices as an earlier face.
    DuplicateFacesRemoved {
        /// Faces removed.
        faces: usize,
        /// `(kept, removed)`: the first removed face and the face it duplicates.
        example: (usize, usize),
    },
    /// Faces dropped because one of their edges already had two faces.
    NonManifoldEdgeFacesRemoved {
        /// Faces dropped.
        faces: usize,
        /// Distinct edges that had more than two faces.
        edges: usize,
        /// The first dropped face and its edge (input vertex numbers) that was full.
        example: (usize, [usize; 2]),
    },
    /// Faces whose corner order was reversed to orient their component consistently.
    FacesFlipped {
        /// Faces flipped.
        faces: usize,
        /// Components in which faces were flipped.
        components: usize,
        /// The first flipped face.
        example: usize,
    },
    /// Non-manifold vertices split into one vertex per fan of faces.
    NonManifoldVerticesSplit {
        /// Vertices split.
        vertices: usize,
        /// New vertex copies made.
        copies: usize,
        /// The first split vertex and its number of fans.
        example: (usize, usize),
    },
    /// Vertices no face used (not counting those welded away).
    UnreferencedVerticesRemoved {
        /// Vertices removed.
        vertices: usize,
        /// The first one.
        example: usize,
    },
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for RepairChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepairChange::Welded {
                vertices,
                tolerance,
                example: (kept, merged),
                position: p,
            } => write!(
                f,
                "welded {} onto earlier vertices {} (e.g. vertex {merged} onto vertex {kept} at \
                 ({}, {}, {}))",
                plural(*vertices, "vertex", "vertices"),
                if *tolerance == 0.0 {
                    "at exactly the same position".to_string()
                } else {
                    format!("within {tolerance:e} × the bounding-box diagonal")
                },
                p[0],
                p[1],
                p[2]
            ),
            RepairChange::DegenerateFacesRemoved {
                repeated_vertex,
                zero_area,
                example,
            } => write!(
                f,
                "removed {} ({repeated_vertex} repeating a vertex, {zero_area} of zero area; \
                 e.g. face {example})",
                plural(
                    repeated_vertex + zero_area,
                    "degenerate face",
                    "degenerate faces"
                )
            ),
            RepairChange::DuplicateFacesRemoved {
                faces,
                example: (kept, removed),
            } => write!(
                f,
                "removed {} (same three vertices as an earlier face; e.g. face {removed}, a \
                 copy of face {kept})",
                plural(*faces, "duplicate face", "duplicate faces")
            ),
            RepairChange::NonManifoldEdgeFacesRemoved {
                faces,
                edges,
                example: (face, [a, b]),
            } => write!(
                f,
                "removed {} on {} with more than two faces, keeping each edge's first two \
                 (e.g. face {face} on edge ({a}, {b}))",
                plural(*faces, "face", "faces"),
                plural(*edges, "non-manifold edge", "non-manifold edges")
            ),
            RepairChange::FacesFlipped {
                faces,
                components,
                example,
            } => write!(
                f,
                "flipped {} in {} to orient it consistently (closed components outward, open \
                 ones as most of their faces; e.g. face {example})",
                plural(*faces, "face", "faces"),
                plural(*components, "component", "components")
            ),
            RepairChange::NonManifoldVerticesSplit {
                vertices,
                copies,
                example: (v, fans),
            } => write!(
                f,
                "split {} into one vertex per fan of faces ({} added at the same positions; \
                 e.g. vertex {v}, {fans} fans)",
                plural(*vertices, "non-manifold vertex", "non-manifold vertices"),
                plural(*copies, "copy", "copies")
            ),
            RepairChange::UnreferencedVerticesRemoved { vertices, example } => write!(
                f,
                "removed {} no face uses (e.g. vertex {example})",
                plural(*vertices, "vertex", "vertices")
            ),
        }
    }
}

/// What [`repair`] did: every change in the order made, and the sizes before and after.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepairReport {
    /// The changes, one per step that changed something.
    pub changes: Vec<RepairChange>,
    /// Vertices and faces of the input.
    pub before: (usize, usize),
    /// Vertices and faces of the result.
    pub after: (usize, usize),
}

/// Why a mesh could not be repaired.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RepairError {
    /// A position with a NaN or infinite coordinate: nothing says where the vertex belongs.
    #[error(
        "vertex {vertex}: non-finite coordinate; a mesh with such positions cannot be repaired"
    )]
    NonFinite {
        /// The vertex.
        vertex: usize,
    },
    /// A face refers to a vertex that does not exist.
    #[error("face {face}: vertex index {index} out of range ({vertices} vertices); the mesh cannot be repaired")]
    IndexOutOfRange {
        /// The face.
        face: usize,
        /// The index.
        index: usize,
        /// The number of vertices.
        vertices: usize,
    },
    /// No face survived the removal of degenerate and duplicate faces.
    #[error("no faces left: all {faces} faces are degenerate or duplicates")]
    NoFaces {
        /// Faces of the input.
        faces: usize,
    },
    /// A connected component admits no consistent orientation (a Möbius strip).
    #[error(
        "the component of face {face} ({faces} faces) is not orientable (like a Möbius strip): \
         no choice of face orientations is consistent, so it cannot be made a valid mesh"
    )]
    NonOrientable {
        /// A face of the component (input number).
        face: usize,
        /// Faces in the component.
        faces: usize,
    },
    /// The steps left a defect: a bug in the repair.
    #[error("the repaired mesh is still invalid ({0}); please report this mesh")]
    StillInvalid(MeshDefect),
}

/// Repair `mesh` into a valid, consistently oriented manifold (see the [module docs](self) for
/// the steps and their rules), returning it and the report of every change.
///
/// # Errors
/// [`RepairError`] when the input cannot be made a valid mesh: a non-finite coordinate, an
/// out-of-range index, no face left, a non-orientable component.
pub fn repair(
    mesh: &TriMesh,
    opts: &RepairOptions,
) -> Result<(TriMesh, RepairReport), RepairError> {
    let n = mesh.positions.len();
    if let Some(vertex) = mesh
        .positions
        .iter()
        .position(|p| p.iter().any(|c| !c.is_finite()))
    {
        return Err(RepairError::NonFinite { vertex });
    }
    for (face, f) in mesh.faces.iter().enumerate() {
        if let Some(&index) = f.iter().find(|&&v| v >= n) {
            return Err(RepairError::IndexOutOfRange {
                face,
                index,
                vertices: n,
            });
        }
    }
    let mut report = RepairReport {
        before: (n, mesh.faces.len()),
        ..RepairReport::default()
    };
    let mut positions = mesh.positions.clone();

    // 1. Weld.
    let rep = weld_map(mesh, opts.weld_tolerance.max(0.0));
    let welded: Vec<usize> = (0..n).filter(|&v| rep[v] != v).collect();
    if let Some(&v) = welded.first() {
        report.changes.push(RepairChange::Welded {
            vertices: welded.len(),
            tolerance: opts.weld_tolerance.max(0.0),
            example: (rep[v], v),
            position: positions[rep[v]],
        });
    }
    // Current faces and the input face each one is.
    let mut faces: Vec<[usize; 3]> = mesh.faces.iter().map(|f| f.map(|v| rep[v])).collect();
    let mut src: Vec<usize> = (0..faces.len()).collect();

    // 2. Degenerate faces.
    let bb = topology::bounding_box(mesh);
    let d = Vector3::from(bb[1]) - Vector3::from(bb[0]);
    let threshold = topology::DEGENERATE_AREA_RATIO * d.dot(&d);
    let (mut repeated_vertex, mut zero_area, mut first) = (0, 0, None);
    keep(&mut faces, &mut src, |f, s| {
        let [a, b, c] = f;
        let bad = if a == b || b == c || a == c {
            repeated_vertex += 1;
            true
        } else {
            let [p, q, r] = f.map(|v| Vector3::from(positions[v]));
            let area = 0.5 * (q - p).cross(&(r - p)).norm();
            let bad = area <= threshold || area.is_nan();
            zero_area += usize::from(bad);
            bad
        };
        if bad {
            first.get_or_insert(s);
        }
        !bad
    });
    if let Some(example) = first {
        report.changes.push(RepairChange::DegenerateFacesRemoved {
            repeated_vertex,
            zero_area,
            example,
        });
    }

    // 3. Duplicate faces.
    let mut seen: HashMap<[usize; 3], usize> = HashMap::with_capacity(faces.len());
    let (mut duplicates, mut first) = (0, None);
    keep(&mut faces, &mut src, |f, s| {
        let mut key = f;
        key.sort_unstable();
        let kept = *seen.entry(key).or_insert(s);
        if kept != s {
            duplicates += 1;
            first.get_or_insert((kept, s));
        }
        kept == s
    });
    if let Some(example) = first {
        report.changes.push(RepairChange::DuplicateFacesRemoved {
            faces: duplicates,
            example,
        });
    }

    // 4. Non-manifold edges: every edge keeps its first two faces.
    let mut users: HashMap<[usize; 2], u8> = HashMap::with_capacity(2 * faces.len());
    let mut full_edges: HashMap<[usize; 2], ()> = HashMap::new();
    let (mut dropped, mut first) = (0, None);
    let key = |a: usize, b: usize| [a.min(b), a.max(b)];
    keep(&mut faces, &mut src, |f, s| {
        let edges = [key(f[0], f[1]), key(f[1], f[2]), key(f[2], f[0])];
        if let Some(&e) = edges
            .iter()
            .find(|e| users.get(*e).copied().unwrap_or(0) >= 2)
        {
            dropped += 1;
            full_edges.insert(e, ());
            first.get_or_insert((s, e));
            return false;
        }
        for e in edges {
            *users.entry(e).or_insert(0) += 1;
        }
        true
    });
    if let Some(example) = first {
        report
            .changes
            .push(RepairChange::NonManifoldEdgeFacesRemoved {
                faces: dropped,
                edges: full_edges.len(),
                example,
            });
    }
    if faces.is_empty() {
        return Err(RepairError::NoFaces {
            faces: mesh.faces.len(),
        });
    }

    // 5. Orientation.
    let mut out = TriMesh::new(std::mem::take(&mut positions), faces);
    let edges = topology::edges(&out).map_err(RepairError::StillInvalid)?;
    let flipped = orient(&mut out, &edges, &src)?;
    if let Some(&(example, _)) = flipped.first() {
        let mut comps: Vec<usize> = flipped.iter().map(|&(_, c)| c).collect();
        comps.dedup();
        report.changes.push(RepairChange::FacesFlipped {
            faces: flipped.len(),
            components: comps.len(),
            example,
        });
    }

    // 6. Non-manifold vertices (the edges are the same; their numbering by corner is not).
    let edges = topology::edges(&out).map_err(RepairError::StillInvalid)?;
    let (split, copies, example) = split_vertices(&mut out, &edges);
    if let Some(example) = example {
        report.changes.push(RepairChange::NonManifoldVerticesSplit {
            vertices: split,
            copies,
            example,
        });
    }

    // 7. Unreferenced vertices (those welded away are not news).
    let mut used = vec![false; out.positions.len()];
    for &v in out.faces.iter().flatten() {
        used[v] = true;
    }
    let unreferenced: Vec<usize> = (0..n).filter(|&v| !used[v] && rep[v] == v).collect();
    topology::remove_unreferenced(&mut out);
    if let Some(&example) = unreferenced.first() {
        report
            .changes
            .push(RepairChange::UnreferencedVerticesRemoved {
                vertices: unreferenced.len(),
                example,
            });
    }

    topology::validate(&out).map_err(RepairError::StillInvalid)?;
    report.after = (out.positions.len(), out.faces.len());
    Ok((out, report))
}

/// Keep the faces (and their input numbers) for which `pred(face, input number)` holds.
fn keep(
    faces: &mut Vec<[usize; 3]>,
    src: &mut Vec<usize>,
    mut pred: impl FnMut([usize; 3], usize) -> bool,
) {
    let mut k = 0;
    for i in 0..faces.len() {
        if pred(faces[i], src[i]) {
            faces[k] = faces[i];
            src[k] = src[i];
            k += 1;
        }
    }
    faces.truncate(k);
    src.truncate(k);
}

/// For each vertex, the vertex it is welded into (itself if none): the first earlier referenced
/// vertex at the same position (`tolerance == 0`) or within `tolerance × d` (`d` the bounding-box
/// diagonal). Unreferenced vertices are left alone.
fn weld_map(mesh: &TriMesh, tolerance: f64) -> Vec<usize> {
    let n = mesh.positions.len();
    let mut used = vec![false; n];
    for &v in mesh.faces.iter().flatten() {
        used[v] = true;
    }
    let mut rep: Vec<usize> = (0..n).collect();
    let bb = topology::bounding_box(mesh);
    let radius = tolerance * (Vector3::from(bb[1]) - Vector3::from(bb[0])).norm();
    if radius > 0.0 && radius.is_finite() {
        // Grid of cells of size `radius`: a vertex's partner lies in one of the 27 cells
        // around its own.
        let cell = |p: [f64; 3]| p.map(|c| (c / radius).floor() as i64);
        let mut grid: HashMap<[i64; 3], Vec<usize>> = HashMap::new();
        for v in (0..n).filter(|&v| used[v]) {
            let p = Vector3::from(mesh.positions[v]);
            let c = cell(mesh.positions[v]);
            let mut best: Option<usize> = None;
            for dx in -1..=1 {
                for dy in -1..=1 {
                    for dz in -1..=1 {
                        let k = [
                            c[0].saturating_add(dx),
                            c[1].saturating_add(dy),
                            c[2].saturating_add(dz),
                        ];
                        for &w in grid.get(&k).into_iter().flatten() {
                            if (Vector3::from(mesh.positions[w]) - p).norm() <= radius
                                && best.is_none_or(|b| w < b)
                            {
                                best = Some(w);
                            }
                        }
                    }
                }
            }
            match best {
                Some(w) => rep[v] = w,
                None => grid.entry(c).or_default().push(v),
            }
        }
    } else {
        let mut first: HashMap<[u64; 3], usize> = HashMap::with_capacity(n);
        for v in (0..n).filter(|&v| used[v]) {
            let key = mesh.positions[v].map(|c| (c + 0.0).to_bits());
            rep[v] = *first.entry(key).or_insert(v);
        }
    }
    rep
}

/// Orient every component consistently by a breadth-first search over faces sharing an edge:
/// closed components to a positive volume, open ones as most of their faces. Returns the flipped
/// faces as `(input number, component)`, ascending by input number.
fn orient(
    mesh: &mut TriMesh,
    edges: &topology::Edges,
    src: &[usize],
) -> Result<Vec<(usize, usize)>, RepairError> {
    let components =
        topology::orientation_components(mesh, edges).map_err(|e| RepairError::NonOrientable {
            face: src[e.face],
            faces: e.reached,
        })?;
    let mut flipped = Vec::new();
    for (index, comp) in components.iter().enumerate() {
        let count = comp.flip.iter().filter(|&&x| x).count();
        let invert = if comp.closed {
            // Signed volume with the seed's orientation kept; flip all if negative.
            let volume: f64 = comp
                .faces
                .iter()
                .zip(&comp.flip)
                .map(|(&f, &flip)| {
                    let [a, b, c] = mesh.faces[f].map(|v| Vector3::from(mesh.positions[v]));
                    let v = a.dot(&b.cross(&c));
                    if flip {
                        -v
                    } else {
                        v
                    }
                })
                .sum();
            volume < 0.0
        } else {
            2 * count > comp.faces.len()
        };
        for (&f, &flip) in comp.faces.iter().zip(&comp.flip) {
            if flip != invert {
                let [a, b, c] = mesh.faces[f];
                mesh.faces[f] = [a, c, b];
                flipped.push((src[f], index + 1));
            }
        }
    }
    flipped.sort_unstable();
    Ok(flipped)
}

/// Give every fan of faces around a vertex but the first its own copy of the vertex. Returns
/// the vertices split, the copies made and the first split vertex with its fan count.
fn split_vertices(
    mesh: &mut TriMesh,
    edges: &topology::Edges,
) -> (usize, usize, Option<(usize, usize)>) {
    let fans = topology::vertex_fan_counts(mesh, edges);
    if fans.iter().all(|&c| c <= 1) {
        return (0, 0, None);
    }
    // Corners (3f + k) joined across interior edges, as in `topology::vertex_fan_counts`.
    let nf = mesh.faces.len();
    let mut parent: Vec<usize> = (0..3 * nf).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for f in 0..nf {
        for k in 0..3 {
            let Some(g) = edges.neighbour(f, k) else {
                continue;
            };
            for c in [(k + 1) % 3, (k + 2) % 3] {
                let v = mesh.faces[f][c];
                if let Some(cg) = mesh.faces[g].iter().position(|&u| u == v) {
                    let (a, b) = (find(&mut parent, 3 * f + c), find(&mut parent, 3 * g + cg));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
    }
    // The fan of each vertex's first corner keeps it; every other fan root gets a copy.
    let mut copy_of_root: HashMap<usize, usize> = HashMap::new();
    let mut keeper: Vec<Option<usize>> = vec![None; mesh.positions.len()];
    let (mut copies, mut example) = (0, None);
    let mut split = 0;
    for f in 0..nf {
        for k in 0..3 {
            let v = mesh.faces[f][k];
            if fans[v] <= 1 {
                continue;
            }
            let root = find(&mut parent, 3 * f + k);
            match keeper[v] {
                None => {
                    keeper[v] = Some(root);
                    split += 1;
                    example.get_or_insert((v, fans[v]));
                }
                Some(r) if r == root => {}
                Some(_) => {
                    let w = *copy_of_root.entry(root).or_insert_with(|| {
                        mesh.positions.push(mesh.positions[v]);
                        copies += 1;
                        mesh.positions.len() - 1
                    });
                    mesh.faces[f][k] = w;
                }
            }
        }
    }
    (split, copies, example)
}
