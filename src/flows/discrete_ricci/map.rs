//! The map back onto the input: the common subdivision of the input mesh and the intrinsic
//! triangulation a metric lives on ([`Intrinsic::overlay`]), each cell with its position on the
//! input (in one input triangle, straight sides: the input's own metric is the base decoration)
//! and its image (in one intrinsic triangle laid out in the plane, straight sides; for a sphere
//! map, that layout sent to the sphere). The map is affine on a triangulation of the cells: a
//! cell with three corners is one triangle, a larger one (convex in both, Gillespie, Springborn,
//! Crane 2021, § 5) a star about its centroid. So a metric whose layout is an embedding gives
//! a bijective piecewise-linear map (no triangle inverted or degenerate), and the distortion of
//! every triangle is the one the user sees.
//!
//! Per triangle: the quasi-conformal distortion `σ₁/σ₂`
//! ([`crate::geometry::quasi_conformal_distortion`]), the angle distortion `max_k |θ_k − θ⁰_k|`
//! and the area distortion `log(A/A⁰)` (image over input).

use super::{DiscreteRicci, Evaluation};
use crate::geometry::{self, quasi_conformal_distortion};
use crate::mesh::intrinsic::trace::{Node, TraceError};
use crate::mesh::intrinsic::{Intrinsic, NONE};
use nalgebra::Vector3;

/// A piecewise-linear map of the input: triangles with positions on the input and images.
#[derive(Clone, Debug)]
pub struct InputMap {
    /// Positions on the input mesh.
    pub points: Vec<[f64; 3]>,
    /// Images: in the plane (`z = 0`) or on the unit sphere.
    pub image: Vec<[f64; 3]>,
    /// The input vertex a point is (numbering of the input file), or `-1` for a point on an
    /// edge or inside a face.
    pub vertex_id: Vec<f64>,
    pub triangles: Vec<[usize; 3]>,
    /// Per triangle, the input face it lies in (numbering of the input file).
    pub input_face: Vec<usize>,
    /// Per triangle: `σ₁/σ₂` (`−1` for an inverted or degenerate triangle), angle and area
    /// distortion.
    pub qc: Vec<f64>,
    pub angle: Vec<f64>,
    pub area: Vec<f64>,
    /// Triangles whose image is inverted or degenerate.
    pub bad: usize,
    /// Whether the images are on the sphere.
    pub on_sphere: bool,
}

impl InputMap {
    /// Points with their images and input vertex numbers, no triangles yet.
    pub fn new(
        points: Vec<[f64; 3]>,
        image: Vec<[f64; 3]>,
        vertex_id: Vec<f64>,
        on_sphere: bool,
    ) -> InputMap {
        InputMap {
            points,
            image,
            vertex_id,
            triangles: Vec::new(),
            input_face: Vec::new(),
            qc: Vec::new(),
            angle: Vec::new(),
            area: Vec::new(),
            bad: 0,
            on_sphere,
        }
    }

    /// `(max, mean)` of the quasi-conformal distortion over the good triangles.
    pub fn qc_summary(&self) -> (f64, f64) {
        let good: Vec<f64> = self.qc.iter().copied().filter(|&q| q >= 1.0).collect();
        let max = good.iter().copied().fold(0.0, f64::max);
        (max, good.iter().sum::<f64>() / good.len().max(1) as f64)
    }

    /// Per input face (`faces` of them): the max quasi-conformal (`−1` if one of its triangles
    /// is inverted or degenerate) and angle distortion over its triangles, and the log of its
    /// image's area over its own.
    pub fn per_input_face(&self, faces: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (mut qc, mut angle) = (vec![1.0f64; faces], vec![0.0f64; faces]);
        let (mut a_img, mut a_in) = (vec![0.0; faces], vec![0.0; faces]);
        for (t, tri) in self.triangles.iter().enumerate() {
            let f = self.input_face[t];
            if f >= faces {
                continue;
            }
            qc[f] = if qc[f] < 0.0 || self.qc[t] < 0.0 {
                -1.0
            } else {
                qc[f].max(self.qc[t])
            };
            angle[f] = angle[f].max(self.angle[t]);
            let p = tri.map(|i| self.points[i]);
            let q = tri.map(|i| self.image[i]);
            a_in[f] += triangle_area(p);
            a_img[f] += triangle_area(q);
        }
        let area = a_img.iter().zip(&a_in).map(|(a, b)| (a / b).ln()).collect();
        (qc, angle, area)
    }
}

fn triangle_area(p: [[f64; 3]; 3]) -> f64 {
    let [a, b, c] = p.map(Vector3::from);
    0.5 * (b - a).cross(&(c - a)).norm()
}

/// A cut of a planar domain with several boundary loops: the shortest path (in the metric of
/// the evaluation, along intrinsic edges) from a loop to the loops already joined.
#[derive(Clone, Debug, PartialEq)]
pub struct Seam {
    /// The loop it starts from and the loop it reaches (indices of the mesh's boundary loops).
    pub loops: [usize; 2],
    /// Its vertices, from the first loop to the other.
    pub vertices: Vec<usize>,
    /// Its length in the metric.
    pub length: f64,
}

/// An `f64` ordered by `total_cmp`, for the Dijkstra heap.
#[derive(Clone, Copy, PartialEq)]
struct OrderedF64(f64);

impl Eq for OrderedF64 {}

impl PartialOrd for OrderedF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Union-find with path halving.
fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

impl DiscreteRicci {
    /// For a planar domain with several boundary loops (else `None`): the seams that cut it
    /// into a disk, and per half-edge of the evaluation's triangulation whether it lies on
    /// one. Loop 0 starts the joined set; the loop nearest to the joined set (Dijkstra from all
    /// its vertices at once over the intrinsic edges with their lengths) is joined by the
    /// shortest path to it, and so on: a tree of `k − 1` shortest paths for `k` loops, which
    /// meets no other loop on its way.
    pub(super) fn seams(&self, e: &Evaluation) -> Option<(Vec<bool>, Vec<Seam>)> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let loops = self.loops.as_ref()?;
        let tri = self.tri_of(e);
        let n = self.mesh.vertices();
        let nh = 3 * tri.faces.len();
        // Per half-edge its length (the edge opposite the corner after its head).
        let len = |h: usize| e.lengths[h / 3][(h + 2) % 3];
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for h in 0..nh {
            if tri.tail(h) != tri.head(h) {
                out[tri.tail(h)].push(h);
            }
        }
        let mut loop_of = vec![usize::MAX; n];
        for (i, l) in loops.iter().enumerate() {
            for &v in l {
                loop_of[v] = i;
            }
        }
        let mut joined = vec![false; loops.len()];
        joined[0] = true;
        let mut cut = vec![false; nh];
        let mut seams = Vec::new();
        for _ in 1..loops.len() {
            let mut dist = vec![f64::INFINITY; n];
            let mut via = vec![usize::MAX; n];
            let mut heap = BinaryHeap::new();
            for (v, &l) in loop_of.iter().enumerate() {
                if l != usize::MAX && joined[l] {
                    dist[v] = 0.0;
                    heap.push((Reverse(OrderedF64(0.0)), v));
                }
            }
            let mut reached = None;
            while let Some((Reverse(OrderedF64(d)), v)) = heap.pop() {
                if d > dist[v] {
                    continue;
                }
                let l = loop_of[v];
                if l != usize::MAX && !joined[l] {
                    reached = Some(v);
                    break;
                }
                for &h in &out[v] {
                    let w = tri.head(h);
                    let nd = d + len(h);
                    if nd < dist[w] {
                        dist[w] = nd;
                        via[w] = h;
                        heap.push((Reverse(OrderedF64(nd)), w));
                    }
                }
            }
            let end = reached?;
            let mut vertices = vec![end];
            let mut v = end;
            while via[v] != usize::MAX {
                let h = via[v];
                cut[h] = true;
                if let Some(t) = tri.twin(h) {
                    cut[t] = true;
                }
                v = tri.tail(h);
                vertices.push(v);
            }
            let to = loop_of[end];
            seams.push(Seam {
                loops: [to, loop_of[v]],
                vertices,
                length: dist[end],
            });
            joined[to] = true;
        }
        Some((cut, seams))
    }

    /// The triangulation an evaluation lives on.
    pub(super) fn tri_of<'a>(&'a self, e: &'a Evaluation) -> &'a Intrinsic {
        e.tri.as_ref().unwrap_or(&self.base)
    }

    /// The map of an evaluation's metric back onto the input, in the plane: each point where
    /// the layout of its intrinsic face puts it. With `single_chart` (a flat disk), points
    /// shared by faces are one point; else faces are joined only across the edges the layout's
    /// spanning tree crosses (a torus is cut open).
    pub(super) fn plane_map(
        &self,
        e: &Evaluation,
        single_chart: bool,
    ) -> Result<InputMap, TraceError> {
        let tri = self.tri_of(e);
        let overlay = tri.overlay()?;
        let (layout, tree) = self.layout_corners(e);
        let nf = tri.faces.len();
        let cut = self.seams(e).map(|(cut, _)| cut);
        let joined = |h: usize| match &cut {
            Some(cut) => !cut[h],
            None => single_chart || tree[h],
        };
        // Corner classes: corners glued across joined edges.
        let mut parent: Vec<usize> = (0..3 * nf).collect();
        for h in 0..3 * nf {
            let Some(t) = tri.twin(h) else {
                continue;
            };
            if !joined(h) || t < h {
                continue;
            }
            let (f, k) = (h / 3, h % 3);
            let (g, j) = (t / 3, t % 3);
            for (x, y) in [
                (3 * f + k, 3 * g + (j + 1) % 3),
                (3 * f + (k + 1) % 3, 3 * g + j),
            ] {
                let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
                if rx != ry {
                    parent[rx.max(ry)] = rx.min(ry);
                }
            }
        }
        let p = &self.mesh.positions;
        let inp = &self.mesh.faces;
        // Point ids: corner class → id; crossing (index, joined side or face) → id.
        let mut corner_id = vec![NONE; 3 * nf];
        let mut crossing_id: std::collections::HashMap<(usize, usize), usize> = Default::default();
        let u = &e.u;
        let mut map = InputMap::new(Vec::new(), Vec::new(), Vec::new(), false);
        for cell in &overlay.cells {
            let f = cell.face;
            let c = layout.corners[f];
            // Each node: (point id, position on the input, position in f's chart).
            let mut nodes: Vec<(usize, [f64; 3], [f64; 2])> = Vec::with_capacity(cell.nodes.len());
            for node in &cell.nodes {
                match *node {
                    Node::Corner { face, corner } => {
                        let v = tri.faces[face][corner];
                        let root = find(&mut parent, 3 * face + corner);
                        let xy = c[corner];
                        if corner_id[root] == NONE {
                            corner_id[root] = map.points.len();
                            map.points.push(p[v]);
                            map.image.push([xy[0], xy[1], 0.0]);
                            map.vertex_id.push(self.input_vertex(v) as f64);
                        }
                        nodes.push((corner_id[root], p[v], xy));
                    }
                    Node::Crossing { index, side } => {
                        let x = overlay.crossings[index];
                        // The input position.
                        let e0 = x.input;
                        let (a, b) = (inp[e0 / 3][e0 % 3], inp[e0 / 3][(e0 + 1) % 3]);
                        let pos: [f64; 3] =
                            (Vector3::from(p[a]) * (1.0 - x.t) + Vector3::from(p[b]) * x.t).into();
                        // The chart position on side `side` (corner k → k + 1 of f).
                        let s = x.parameter(tri, u);
                        let s = if side == x.half_edge { s } else { 1.0 - s };
                        let k = side % 3;
                        let (q0, q1) = (c[k], c[(k + 1) % 3]);
                        let xy = [q0[0] + s * (q1[0] - q0[0]), q0[1] + s * (q1[1] - q0[1])];
                        let key = if joined(side) {
                            (index, NONE)
                        } else {
                            (index, f)
                        };
                        let id = *crossing_id.entry(key).or_insert_with(|| {
                            map.points.push(pos);
                            map.image.push([xy[0], xy[1], 0.0]);
                            map.vertex_id.push(-1.0);
                            map.points.len() - 1
                        });
                        nodes.push((id, pos, xy));
                    }
                }
            }
            let input_face = cell.input_face;
            if nodes.len() == 3 {
                map.add_triangle([nodes[0], nodes[1], nodes[2]], input_face);
            } else {
                let m = nodes.len() as f64;
                let centre_in = nodes
                    .iter()
                    .fold(Vector3::zeros(), |s, n| s + Vector3::from(n.1) * (1.0 / m));
                let centre_in: [f64; 3] = centre_in.into();
                let centre_xy = nodes
                    .iter()
                    .fold([0.0; 2], |s, n| [s[0] + n.2[0] / m, s[1] + n.2[1] / m]);
                let id = map.points.len();
                map.points.push(centre_in);
                map.image.push([centre_xy[0], centre_xy[1], 0.0]);
                map.vertex_id.push(-1.0);
                let centre = (id, centre_in, centre_xy);
                for i in 0..nodes.len() {
                    let next = nodes[(i + 1) % nodes.len()];
                    map.add_triangle([centre, nodes[i], next], input_face);
                }
            }
        }
        Ok(map)
    }

    /// The input file's number of a vertex of the flow's mesh (the same: the numbering is
    /// kept).
    pub(super) fn input_vertex(&self, v: usize) -> usize {
        v
    }
}

impl InputMap {
    /// A triangle from three nodes (point id, position on the input, image in the plane), with
    /// its distortion measured in its own chart.
    fn add_triangle(&mut self, n: [(usize, [f64; 3], [f64; 2]); 3], input_face: usize) {
        let src = n.map(|x| x.1);
        let dst = n.map(|x| [x.2[0], x.2[1], 0.0]);
        self.push_measured(n.map(|x| x.0), src, dst, false, input_face);
    }

    /// Record triangle `ids` with its distortion from `src` (input) to `dst` (image).
    pub(super) fn push_measured(
        &mut self,
        ids: [usize; 3],
        src: [[f64; 3]; 3],
        dst: [[f64; 3]; 3],
        on_sphere: bool,
        input_face: usize,
    ) {
        let q = quasi_conformal_distortion(src, dst, on_sphere);
        let l = |p: [[f64; 3]; 3]| -> [f64; 3] {
            std::array::from_fn(|k| {
                (Vector3::from(p[(k + 2) % 3]) - Vector3::from(p[(k + 1) % 3])).norm()
            })
        };
        let (ls, ld) = (l(src), l(dst));
        let (a0, a1) = (
            geometry::corner_angles_from_lengths(&[ls])[0],
            geometry::corner_angles_from_lengths(&[ld])[0],
        );
        let angle = (0..3).map(|k| (a0[k] - a1[k]).abs()).fold(0.0, f64::max);
        let area = (geometry::triangle_area_from_lengths(ld)
            / geometry::triangle_area_from_lengths(ls))
        .ln();
        self.triangles.push(ids);
        self.input_face.push(input_face);
        match q {
            Some(q) => {
                self.qc.push(q);
                self.angle.push(if angle.is_finite() { angle } else { 0.0 });
                self.area.push(if area.is_finite() { area } else { 0.0 });
            }
            None => {
                self.bad += 1;
                self.qc.push(-1.0);
                self.angle.push(std::f64::consts::PI);
                self.area.push(if area.is_finite() { area } else { 0.0 });
            }
        }
    }
}
