//! Combinatorial structure of a [`TriMesh`]: edges, boundary loops, Euler characteristic,
//! components, genus, and the checks that make a mesh a valid oriented 2-manifold.
//!
//! Conventions used throughout:
//! - Corner `k` of face `f` is `faces[f][k]`; the edge *opposite* corner `k` joins corners
//!   `(k+1)%3` and `(k+2)%3`, and face `f` traverses it in that direction.
//! - An edge is stored once, as `[i, j]` with `i < j`; edges are numbered in lexicographic order of
//!   `(i, j)`, so the numbering depends only on the faces, not on their order.
//! - A boundary edge has one face; its second face slot holds [`NO_FACE`] (`usize::MAX`).
//! - Functions taking `&Edges` expect the table [`edges`] returned for the same mesh.
//!
//! Everything here is `O(n)` or `O(n log n)` in the number of faces (edges are found by bucketing
//! half-edges by their smaller vertex), so meshes of millions of faces are fine.

use super::TriMesh;
use nalgebra::Vector3;

/// Marker in [`Edges::faces`] for the missing second face of a boundary edge.
pub const NO_FACE: usize = usize::MAX;

/// Relative area threshold of a degenerate face: a face is degenerate when its area is at most
/// `DEGENERATE_AREA_RATIO * d²`, with `d` the diagonal of the bounding box of all positions.
pub const DEGENERATE_AREA_RATIO: f64 = 1e-14;

/// The edges of a mesh and their incidence with faces.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Edges {
    /// Endpoints `[i, j]` of each edge, `i < j`, sorted lexicographically.
    pub vertices: Vec<[usize; 2]>,
    /// The one or two faces of each edge, in increasing face index; the second is [`NO_FACE`] on
    /// a boundary edge.
    pub faces: Vec<[usize; 2]>,
    /// `face_edges[f][k]` is the edge opposite corner `k` of face `f`.
    pub face_edges: Vec<[usize; 3]>,
}

impl Edges {
    /// The face across edge `k` (opposite corner `k`) of face `f`, if the edge is interior.
    pub fn neighbour(&self, f: usize, k: usize) -> Option<usize> {
        let [f0, f1] = self.faces[self.face_edges[f][k]];
        if f1 == NO_FACE {
            None
        } else {
            Some(if f0 == f { f1 } else { f0 })
        }
    }

    /// Number of edges.
    pub fn len(&self) -> usize {
        self.vertices.len()
    }

    /// Whether there are no edges.
    pub fn is_empty(&self) -> bool {
        self.vertices.is_empty()
    }

    /// Whether edge `e` has only one face.
    pub fn is_boundary(&self, e: usize) -> bool {
        self.faces[e][1] == NO_FACE
    }
}

/// What makes a mesh invalid. Each variant names the offending element(s) by 0-based index;
/// [`validate`] reports the first one found.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MeshDefect {
    /// A face refers to a vertex index `>= vertices`.
    #[error(
        "face {face}: vertex index {index} is out of range (the mesh has {vertices} vertices)"
    )]
    IndexOutOfRange {
        /// The face.
        face: usize,
        /// The offending vertex index (its first one, in corner order).
        index: usize,
        /// Number of vertex positions in the mesh.
        vertices: usize,
    },
    /// A face uses the same vertex at two (or three) of its corners.
    #[error("face {face}: vertex {vertex} used twice")]
    RepeatedVertex {
        /// The face.
        face: usize,
        /// The repeated vertex.
        vertex: usize,
    },
    /// A face whose area is at most `1e-14 · d²` ([`DEGENERATE_AREA_RATIO`]), `d` the diagonal of
    /// the bounding box of all positions: zero area up to rounding at the mesh's scale.
    #[error("face {face}: degenerate (area {area:e})")]
    DegenerateFace {
        /// The face.
        face: usize,
        /// Its area.
        area: f64,
    },
    /// An edge with more than two faces.
    #[error("edge ({a}, {b}) is shared by {faces} faces (non-manifold)")]
    NonManifoldEdge {
        /// The smaller endpoint.
        a: usize,
        /// The larger endpoint.
        b: usize,
        /// How many faces use the edge (at least 3).
        faces: usize,
    },
    /// A vertex whose faces form more than one fan (e.g. two cones touching at their tips, or a
    /// bowtie of two triangles sharing only a corner).
    #[error("vertex {vertex}: its faces form more than one fan (non-manifold)")]
    NonManifoldVertex {
        /// The vertex.
        vertex: usize,
    },
    /// Two faces traverse their shared edge in the same direction, so their normals disagree.
    #[error(
        "faces {face_a} and {face_b} both traverse edge {a} -> {b} (inconsistent orientation)"
    )]
    InconsistentOrientation {
        /// The lower-numbered face.
        face_a: usize,
        /// The higher-numbered face.
        face_b: usize,
        /// The vertex both faces go from.
        a: usize,
        /// The vertex both faces go to.
        b: usize,
    },
    /// A vertex position with a NaN or infinite coordinate.
    #[error("vertex {vertex}: non-finite coordinate")]
    NonFinite {
        /// The vertex.
        vertex: usize,
    },
}

/// Check that every face index is in range (lowest face first), then that no face repeats a
/// vertex.
fn check_face_indices(mesh: &TriMesh) -> Result<(), MeshDefect> {
    let n = mesh.positions.len();
    for (f, face) in mesh.faces.iter().enumerate() {
        if let Some(&index) = face.iter().find(|&&i| i >= n) {
            return Err(MeshDefect::IndexOutOfRange {
                face: f,
                index,
                vertices: n,
            });
        }
    }
    for (f, &[a, b, c]) in mesh.faces.iter().enumerate() {
        if a == b || a == c {
            return Err(MeshDefect::RepeatedVertex { face: f, vertex: a });
        }
        if b == c {
            return Err(MeshDefect::RepeatedVertex { face: f, vertex: b });
        }
    }
    Ok(())
}

/// Build the edge table of `mesh`.
///
/// Fails with the first [`MeshDefect::IndexOutOfRange`] or [`MeshDefect::RepeatedVertex`] (by
/// face), or the first [`MeshDefect::NonManifoldEdge`] (by `(a, b)`). Orientation is not checked.
/// `O(F)` time plus sorting the few half-edges around each vertex.
pub fn edges(mesh: &TriMesh) -> Result<Edges, MeshDefect> {
    check_face_indices(mesh)?;
    let (nv, nf) = (mesh.positions.len(), mesh.faces.len());
    if nv <= u32::MAX as usize && 3 * nf <= u32::MAX as usize {
        bucket_edges(
            mesh,
            |hi, he| ((hi as u64) << 32) | he as u64,
            |k| ((k >> 32) as usize, (k & 0xffff_ffff) as usize),
        )
    } else {
        bucket_edges(
            mesh,
            |hi, he| ((hi as u128) << 64) | he as u128,
            |k| ((k >> 64) as usize, k as u64 as usize),
        )
    }
}

/// [`edges`] with half-edges `he = 3f + k` (opposite corner `k` of face `f`) bucketed by their
/// smaller endpoint, each stored as a packed `(larger endpoint, he)` key so a bucket sorts as
/// plain integers. Indices must be valid.
fn bucket_edges<K: Copy + Ord + Default>(
    mesh: &TriMesh,
    encode: impl Fn(usize, usize) -> K,
    decode: impl Fn(K) -> (usize, usize),
) -> Result<Edges, MeshDefect> {
    let nv = mesh.positions.len();
    let nf = mesh.faces.len();
    let mut start = vec![0usize; nv + 1];
    for face in &mesh.faces {
        for k in 0..3 {
            let (a, b) = (face[(k + 1) % 3], face[(k + 2) % 3]);
            start[a.min(b) + 1] += 1;
        }
    }
    for v in 0..nv {
        start[v + 1] += start[v];
    }
    let mut cursor = start.clone();
    let mut slots = vec![K::default(); 3 * nf];
    for (f, face) in mesh.faces.iter().enumerate() {
        for k in 0..3 {
            let (a, b) = (face[(k + 1) % 3], face[(k + 2) % 3]);
            let lo = a.min(b);
            slots[cursor[lo]] = encode(a.max(b), 3 * f + k);
            cursor[lo] += 1;
        }
    }
    drop(cursor);
    let mut out = Edges {
        vertices: Vec::with_capacity(3 * nf / 2 + 1),
        faces: Vec::with_capacity(3 * nf / 2 + 1),
        face_edges: vec![[0; 3]; nf],
    };
    for lo in 0..nv {
        let bucket = &mut slots[start[lo]..start[lo + 1]];
        bucket.sort_unstable();
        let mut i = 0;
        while i < bucket.len() {
            let (hi, he0) = decode(bucket[i]);
            let mut j = i + 1;
            while j < bucket.len() && decode(bucket[j]).0 == hi {
                j += 1;
            }
            if j - i > 2 {
                return Err(MeshDefect::NonManifoldEdge {
                    a: lo,
                    b: hi,
                    faces: j - i,
                });
            }
            let e = out.vertices.len();
            out.vertices.push([lo, hi]);
            out.face_edges[he0 / 3][he0 % 3] = e;
            let second = if j - i == 2 {
                let he1 = decode(bucket[i + 1]).1;
                out.face_edges[he1 / 3][he1 % 3] = e;
                he1 / 3
            } else {
                NO_FACE
            };
            out.faces.push([he0 / 3, second]);
            i = j;
        }
    }
    Ok(out)
}

/// Whether face `face` traverses its edge `{a, b}` from `a` to `b` (`a`, `b` must be corners).
fn traverses(face: &[usize; 3], a: usize, b: usize) -> bool {
    (face[0] == a && face[1] == b)
        || (face[1] == a && face[2] == b)
        || (face[2] == a && face[0] == b)
}

/// Directed version `(tail, head)` of edge `e` as its face `f` traverses it.
fn directed(mesh: &TriMesh, edges: &Edges, e: usize, f: usize) -> (usize, usize) {
    let [a, b] = edges.vertices[e];
    if traverses(&mesh.faces[f], a, b) {
        (a, b)
    } else {
        (b, a)
    }
}

/// The boundary of `mesh` as closed vertex loops (first vertex not repeated at the end).
///
/// Each loop follows its boundary edges in the direction their faces traverse them, so on a
/// consistently oriented mesh the surface lies to the left of the loop (seen from the side the
/// normals point to): a counter-clockwise planar disk has a counter-clockwise boundary. Loops are
/// listed in the order of their lowest-numbered boundary edge. At a vertex where two boundary
/// loops touch, the walk prefers the continuation that keeps the orientation. Empty for a closed
/// mesh.
pub fn boundary_loops(mesh: &TriMesh, edges: &Edges) -> Vec<Vec<usize>> {
    let nv = mesh.positions.len();
    let boundary: Vec<usize> = (0..edges.len()).filter(|&e| edges.is_boundary(e)).collect();
    if boundary.is_empty() {
        return Vec::new();
    }
    let dir: Vec<(usize, usize)> = boundary
        .iter()
        .map(|&e| directed(mesh, edges, e, edges.faces[e][0]))
        .collect();
    // Vertex -> incident boundary edges (positions in `boundary`), CSR.
    let mut start = vec![0usize; nv + 1];
    for &(a, b) in &dir {
        start[a + 1] += 1;
        start[b + 1] += 1;
    }
    for v in 0..nv {
        start[v + 1] += start[v];
    }
    let mut cursor = start.clone();
    let mut inc = vec![0usize; 2 * dir.len()];
    for (i, &(a, b)) in dir.iter().enumerate() {
        inc[cursor[a]] = i;
        cursor[a] += 1;
        inc[cursor[b]] = i;
        cursor[b] += 1;
    }
    let mut used = vec![false; dir.len()];
    let mut loops = Vec::new();
    for first in 0..dir.len() {
        if used[first] {
            continue;
        }
        used[first] = true;
        let (tail, mut cur) = dir[first];
        let mut lp = vec![tail];
        while cur != tail {
            lp.push(cur);
            let around = &inc[start[cur]..start[cur + 1]];
            let next = around
                .iter()
                .copied()
                .find(|&i| !used[i] && dir[i].0 == cur)
                .or_else(|| around.iter().copied().find(|&i| !used[i]));
            let Some(i) = next else { break };
            used[i] = true;
            cur = if dir[i].0 == cur { dir[i].1 } else { dir[i].0 };
        }
        loops.push(lp);
    }
    loops
}

/// Number of vertices referenced by at least one face.
pub fn referenced_vertex_count(mesh: &TriMesh) -> usize {
    let n = mesh.positions.len();
    let mut seen = vec![false; n];
    let mut count = 0;
    for &i in mesh.faces.iter().flatten() {
        if i < n && !seen[i] {
            seen[i] = true;
            count += 1;
        }
    }
    count
}

/// Euler characteristic `χ = V − E + F`, with `V` counting only vertices referenced by a face.
pub fn euler_characteristic(mesh: &TriMesh, edges: &Edges) -> i64 {
    referenced_vertex_count(mesh) as i64 - edges.len() as i64 + mesh.faces.len() as i64
}

/// Disjoint sets with path halving and union by size.
struct Dsu {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl Dsu {
    fn new(n: usize) -> Dsu {
        Dsu {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

/// Number of connected components of the faces; two faces are connected when they share a vertex
/// (on a manifold mesh, the same as sharing an edge). Unreferenced vertices do not count. Never
/// panics, even on out-of-range indices.
pub fn components(mesh: &TriMesh) -> usize {
    let n = mesh
        .faces
        .iter()
        .flatten()
        .map(|&i| i + 1)
        .max()
        .unwrap_or(0)
        .max(mesh.positions.len());
    let mut dsu = Dsu::new(n);
    for &[a, b, c] in &mesh.faces {
        dsu.union(a, b);
        dsu.union(a, c);
    }
    let mut referenced = vec![false; n];
    for &i in mesh.faces.iter().flatten() {
        referenced[i] = true;
    }
    (0..n)
        .filter(|&v| referenced[v] && dsu.find(v) == v)
        .count()
}

/// Number of fans of faces around each vertex: `0` for an unreferenced vertex, `1` on a manifold,
/// more at a non-manifold vertex. Two faces at a vertex are in the same fan when they are joined
/// by a chain of faces around it sharing edges incident to the vertex.
pub fn vertex_fan_counts(mesh: &TriMesh, edges: &Edges) -> Vec<usize> {
    // Union the corners (3f + k) of the two faces at each end of every interior edge, visiting
    // each edge from its first face.
    let mut dsu = Dsu::new(3 * mesh.faces.len());
    for (f, face) in mesh.faces.iter().enumerate() {
        for k in 0..3 {
            let e = edges.face_edges[f][k];
            let [f0, g] = edges.faces[e];
            if f0 != f || g == NO_FACE {
                continue;
            }
            for c in [(k + 1) % 3, (k + 2) % 3] {
                let v = face[c];
                let cg = mesh.faces[g].iter().position(|&u| u == v).unwrap();
                dsu.union(3 * f + c, 3 * g + cg);
            }
        }
    }
    let mut fans = vec![0usize; mesh.positions.len()];
    for (f, face) in mesh.faces.iter().enumerate() {
        for (k, &v) in face.iter().enumerate() {
            if dsu.find(3 * f + k) == 3 * f + k {
                fans[v] += 1;
            }
        }
    }
    fans
}

/// The first pair of faces (lowest `face_a`, then lowest `face_b`) that traverse a shared edge in
/// the same direction, as a [`MeshDefect::InconsistentOrientation`].
pub fn orientation_conflict(mesh: &TriMesh, edges: &Edges) -> Option<MeshDefect> {
    for (f, face) in mesh.faces.iter().enumerate() {
        let mut best: Option<MeshDefect> = None;
        for k in 0..3 {
            let Some(g) = edges.neighbour(f, k) else {
                continue;
            };
            let (a, b) = (face[(k + 1) % 3], face[(k + 2) % 3]);
            if traverses(&mesh.faces[g], a, b) {
                let better = match &best {
                    Some(MeshDefect::InconsistentOrientation { face_b, .. }) => g < *face_b,
                    _ => true,
                };
                if better {
                    best = Some(MeshDefect::InconsistentOrientation {
                        face_a: f.min(g),
                        face_b: f.max(g),
                        a,
                        b,
                    });
                }
            }
        }
        if best.is_some() {
            return best;
        }
    }
    None
}

/// Whether every interior edge is traversed in opposite directions by its two faces.
pub fn is_consistently_oriented(mesh: &TriMesh, edges: &Edges) -> bool {
    orientation_conflict(mesh, edges).is_none()
}

/// Whether the faces can be reoriented (some flipped) to be consistently oriented, i.e. every
/// component is an orientable surface.
pub fn is_orientable(mesh: &TriMesh, edges: &Edges) -> bool {
    is_consistently_oriented(mesh, edges) || orientation_components(mesh, edges).is_ok()
}

/// One edge-connected component of faces with the flips that orient it like its first face.
#[derive(Clone, Debug)]
pub struct OrientedComponent {
    /// Its faces, in breadth-first order from the lowest-numbered one.
    pub faces: Vec<usize>,
    /// Per face of `faces`: whether it must be flipped to agree with the first.
    pub flip: Vec<bool>,
    /// Whether no face of it has a boundary edge.
    pub closed: bool,
}

/// A component that cannot be oriented (a Möbius strip): its first face and how many faces the
/// search had reached when it met the contradiction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NonOrientable {
    pub face: usize,
    pub reached: usize,
}

/// The edge-connected components of the faces, each with the flips that orient it consistently
/// (a breadth-first search over interior edges), or the first component that is not orientable.
pub fn orientation_components(
    mesh: &TriMesh,
    edges: &Edges,
) -> Result<Vec<OrientedComponent>, NonOrientable> {
    let nf = mesh.faces.len();
    let mut flip: Vec<Option<bool>> = vec![None; nf];
    let mut queue = std::collections::VecDeque::new();
    let mut components = Vec::new();
    for seed in 0..nf {
        if flip[seed].is_some() {
            continue;
        }
        flip[seed] = Some(false);
        queue.push_back(seed);
        let mut faces = vec![seed];
        let mut closed = true;
        while let Some(f) = queue.pop_front() {
            let ff = flip[f] == Some(true);
            let face = mesh.faces[f];
            for k in 0..3 {
                let Some(g) = edges.neighbour(f, k) else {
                    closed = false;
                    continue;
                };
                let same = traverses(&mesh.faces[g], face[(k + 1) % 3], face[(k + 2) % 3]);
                let want = ff ^ same;
                match flip[g] {
                    None => {
                        flip[g] = Some(want);
                        faces.push(g);
                        queue.push_back(g);
                    }
                    Some(x) if x != want => {
                        return Err(NonOrientable {
                            face: seed,
                            reached: faces.len(),
                        })
                    }
                    Some(_) => {}
                }
            }
        }
        let flips = faces.iter().map(|&f| flip[f] == Some(true)).collect();
        components.push(OrientedComponent {
            faces,
            flip: flips,
            closed,
        });
    }
    Ok(components)
}

/// Genus `g` of a connected orientable manifold surface, from `χ = 2 − 2g − b` with `b` the
/// number of boundary loops. `None` if the mesh has no faces, more than one component, a
/// non-manifold vertex, or is not orientable.
pub fn genus(mesh: &TriMesh, edges: &Edges) -> Option<i64> {
    if mesh.faces.is_empty()
        || components(mesh) != 1
        || vertex_fan_counts(mesh, edges).iter().any(|&c| c > 1)
        || !is_orientable(mesh, edges)
    {
        return None;
    }
    let b = boundary_loops(mesh, edges).len() as i64;
    let twice_g = 2 - b - euler_characteristic(mesh, edges);
    (twice_g >= 0 && twice_g % 2 == 0).then_some(twice_g / 2)
}

/// Area of face `f` (indices must be in range).
pub(crate) fn face_area(mesh: &TriMesh, f: usize) -> f64 {
    let [a, b, c] = mesh.faces[f].map(|i| Vector3::from(mesh.positions[i]));
    0.5 * (b - a).cross(&(c - a)).norm()
}

/// Axis-aligned bounding box `[min, max]` of all positions; `[[0; 3]; 2]` for no positions.
pub fn bounding_box(mesh: &TriMesh) -> [[f64; 3]; 2] {
    if mesh.positions.is_empty() {
        return [[0.0; 3]; 2];
    }
    let mut bb = [[f64::INFINITY; 3], [f64::NEG_INFINITY; 3]];
    for p in &mesh.positions {
        for d in 0..3 {
            bb[0][d] = bb[0][d].min(p[d]);
            bb[1][d] = bb[1][d].max(p[d]);
        }
    }
    bb
}

/// Faces whose area is at most `1e-14 · d²` ([`DEGENERATE_AREA_RATIO`]), `d` the bounding-box
/// diagonal of all positions (or is NaN), with their areas, ascending by face. Faces with an
/// out-of-range index are skipped.
pub fn degenerate_faces(mesh: &TriMesh) -> Vec<(usize, f64)> {
    let bb = bounding_box(mesh);
    let d = Vector3::from(bb[1]) - Vector3::from(bb[0]);
    let threshold = DEGENERATE_AREA_RATIO * d.dot(&d);
    let n = mesh.positions.len();
    (0..mesh.faces.len())
        .filter(|&f| mesh.faces[f].iter().all(|&i| i < n))
        .map(|f| (f, face_area(mesh, f)))
        .filter(|&(_, area)| area <= threshold || area.is_nan())
        .collect()
}

/// Check that `mesh` is a valid, consistently oriented 2-manifold (with or without boundary) and
/// report the first defect.
///
/// Checks run in this order, each reporting its lowest-index offender: non-finite positions
/// (all positions, referenced or not), face indices out of range, faces repeating a vertex,
/// degenerate faces (see [`MeshDefect::DegenerateFace`]), edges with more than two faces,
/// inconsistent orientation, non-manifold vertices. Unreferenced vertices are allowed.
pub fn validate(mesh: &TriMesh) -> Result<(), MeshDefect> {
    if let Some(vertex) = mesh
        .positions
        .iter()
        .position(|p| p.iter().any(|x| !x.is_finite()))
    {
        return Err(MeshDefect::NonFinite { vertex });
    }
    check_face_indices(mesh)?;
    if let Some(&(face, area)) = degenerate_faces(mesh).first() {
        return Err(MeshDefect::DegenerateFace { face, area });
    }
    let edges = edges(mesh)?;
    if let Some(defect) = orientation_conflict(mesh, &edges) {
        return Err(defect);
    }
    if let Some(vertex) = vertex_fan_counts(mesh, &edges).iter().position(|&c| c > 1) {
        return Err(MeshDefect::NonManifoldVertex { vertex });
    }
    Ok(())
}

/// Indices of vertices no face refers to, ascending.
pub fn unreferenced_vertices(mesh: &TriMesh) -> Vec<usize> {
    let n = mesh.positions.len();
    let mut seen = vec![false; n];
    for &i in mesh.faces.iter().flatten() {
        if i < n {
            seen[i] = true;
        }
    }
    (0..n).filter(|&v| !seen[v]).collect()
}

/// Remove the vertices no face refers to, keeping the others in order and renumbering the faces.
/// Returns how many vertices were removed. Out-of-range face indices are left as they are (they
/// stay out of range).
pub fn remove_unreferenced(mesh: &mut TriMesh) -> usize {
    let n = mesh.positions.len();
    let mut new_index = vec![usize::MAX; n];
    for &i in mesh.faces.iter().flatten() {
        if i < n {
            new_index[i] = 0;
        }
    }
    let mut kept = 0;
    for (v, slot) in new_index.iter_mut().enumerate() {
        if *slot == 0 {
            *slot = kept;
            mesh.positions[kept] = mesh.positions[v];
            kept += 1;
        }
    }
    mesh.positions.truncate(kept);
    for i in mesh.faces.iter_mut().flatten() {
        if *i < n {
            *i = new_index[*i];
        }
    }
    n - kept
}
