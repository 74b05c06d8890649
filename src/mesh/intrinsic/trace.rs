//! The input's edges traced across an intrinsic triangulation, and the common subdivision of the
//! two triangulations (Gillespie, Springborn, Crane 2021, § 5: the input and the intrinsic
//! triangulation are triangulations of one decorated ideal hyperbolic surface, and the map
//! between their Euclidean realizations is projective on each cell of the common subdivision).
//!
//! # Frames
//! A face `ijk` of either triangulation is an ideal hyperbolic triangle; its vertices are
//! light-like vectors `p_i` of Minkowski space `R^{2,1}` with `−2⟨p_i, p_j⟩ = ℓ_ij²` (base
//! lengths), its points the rays `x = Σ y_m p_m` (`y ≥ 0`), and the Euclidean triangle with the
//! lengths `ℓ` is the affine triangle `p_i p_j p_k` itself. Geodesics are planes through the
//! origin, so within a face every edge of either triangulation is a straight segment in these
//! homogeneous coordinates, whatever the decoration. A trace works in the *normalized* frame
//! of each face, `q_m = σ_m p_m` with `σ_m` the horocyclic arc at corner `m` (then
//! `⟨q_m, q_n⟩ = −½` for `m ≠ n`), where crossing an edge into the next face is the linear map
//! below, with numbers of order one.
//!
//! Crossing from face `F` (corners `k`, `k+1`, `k+2`, leaving through the side `k+1 → k+2`) into
//! the face `G` beyond it, whose third corner is `w`: with `ρ_m = σ^G_m / σ^F_m` at the two
//! shared corners, `a = ρ_{k+1}^{−½}`, `b = ρ_{k+2}^{−½}`, Ptolemy's relation in the
//! normalized decoration gives
//!
//! `q^G_w = −ab q_k + b(a + b) q_{k+1} + a(a + b) q_{k+2}`.
//!
//! A trace starts at the tail `a` of an input edge in the intrinsic corner that contains the
//! edge's horocyclic position; at offset `τ ∈ (0, 1)` of that corner's normalized arc, it leaves
//! through the opposite side at the point `(1 − τ) q_x + τ q_y` (the horocyclic arc is
//! projective along the opposite side, and the normalized triangle is symmetric). It follows
//! the line (a covector, carried from frame to frame) until it reaches the edge's head.
//!
//! # Where on the input edge
//! A crossing `X` on the input edge `p_a p_b` sits at the Euclidean parameter `t` of the input's
//! own metric (`X ∝ (1 − t) p_a + t p_b`), and `t / (1 − t) = ⟨X, p_a⟩ / ⟨X, p_b⟩`: the trace
//! from `a` carries `p_a` (and its scale) and gives `⟨X, p_a⟩`, the trace from `b` gives
//! `⟨X, p_b⟩`, and the two traces must meet the same intrinsic edges in opposite orders.

use super::{prev, Intrinsic, NONE};

/// Faces a trace may cross, per face of the triangulation, before it is declared lost.
const MAX_CROSSINGS_PER_FACE: usize = 4;

/// A normalized offset closer than this to a corner's side is taken to run along that side.
const ALONG: f64 = 1e-11;

/// Why the common subdivision could not be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TraceError {
    /// The triangulation carries a Euclidean metric: its positions are angles, and the traces
    /// here follow the projective model of Penner coordinates.
    #[error("input edges are traced across triangulations in Penner coordinates only")]
    Euclidean,
    /// A trace left the surface through a boundary edge.
    #[error(
        "the input edge {a}-{b}, traced across the intrinsic triangulation, left the surface \
         through a boundary edge (rounding in a trace of {steps} faces)"
    )]
    LeftSurface { a: usize, b: usize, steps: usize },
    /// A trace did not arrive.
    #[error("the input edge {a}-{b}, traced across the intrinsic triangulation, did not reach {b} in {steps} faces")]
    Lost { a: usize, b: usize, steps: usize },
    /// The traces from the two ends of an input edge disagree.
    #[error(
        "the input edge {a}-{b} crosses {forward} intrinsic edges traced from {a} but \
         {backward} traced from {b} (rounding)"
    )]
    Mismatch {
        a: usize,
        b: usize,
        forward: usize,
        backward: usize,
    },
    /// The input edges inside an intrinsic face cross each other.
    #[error("the input edges traced inside intrinsic face {face} cross each other (rounding)")]
    Tangled { face: usize },
}

/// A point where an input edge crosses an intrinsic edge.
#[derive(Clone, Copy, Debug)]
pub struct Crossing {
    /// The input half-edge (of the pair, the one with the lower index)...
    pub input: usize,
    /// ...and the parameter from its tail: the point `(1 − t) x_a + t x_b` of the input mesh.
    pub t: f64,
    /// The intrinsic half-edge (of the pair, the one with the lower index)...
    pub half_edge: usize,
    /// ...and `log(γ/β)` for the point `β p_tail + γ p_head` in the base decoration.
    pub log_ratio: f64,
}

impl Crossing {
    /// The parameter from the tail of `half_edge` in the Euclidean triangles of the metric with
    /// scale factors `u` (`p̃_i = e^{u_i/2} p_i`): `s = γ̃/(β̃ + γ̃)`, `log(γ̃/β̃) = log(γ/β) −
    /// (u_head − u_tail)/2`.
    pub fn parameter(&self, tri: &Intrinsic, u: &[f64]) -> f64 {
        let (a, b) = (tri.tail(self.half_edge), tri.head(self.half_edge));
        let r = self.log_ratio - 0.5 * (u[b] - u[a]);
        1.0 / (1.0 + (-r).exp())
    }
}

/// A node of the common subdivision as seen from an intrinsic face.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    /// Corner `corner` of intrinsic face `face` (a vertex of both triangulations).
    Corner { face: usize, corner: usize },
    /// Crossing `index` of [`Overlay::crossings`], on the side of its intrinsic edge that is
    /// half-edge `side` (of the face the node is seen from).
    Crossing { index: usize, side: usize },
}

/// The common subdivision of the input and an intrinsic triangulation: the intrinsic faces cut
/// by the input edges into cells, each a convex polygon in both (every cell lies in one input
/// face and one intrinsic face).
#[derive(Clone, Debug)]
pub struct Overlay {
    pub crossings: Vec<Crossing>,
    pub cells: Vec<Cell>,
}

/// A cell of the common subdivision.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The intrinsic face it lies in.
    pub face: usize,
    /// The input face it lies in.
    pub input_face: usize,
    /// Its nodes, counter-clockwise.
    pub nodes: Vec<Node>,
}

/// One crossing met by a trace.
#[derive(Clone, Copy, Debug)]
struct Hit {
    /// The half-edge crossed, in the face being left.
    half_edge: usize,
    /// `log(γ/β)` along it (tail to head).
    log_ratio: f64,
    /// `log(−⟨X, p_start⟩)` for `X` the affine point on the edge's canonical half-edge.
    log_dot: f64,
}

/// A traced input edge.
enum Trace {
    /// It runs along this intrinsic half-edge (same direction).
    Along(usize),
    /// It crosses these, from (start face, corner) to (end face, corner).
    Across {
        hits: Vec<Hit>,
        start: (usize, usize),
        end: (usize, usize),
    },
}

/// The outgoing half-edges of every vertex sorted by horocyclic position.
struct Rotations {
    out: Vec<Vec<(f64, usize)>>,
}

impl Intrinsic {
    fn rotations(&self) -> Rotations {
        let n = self.input.total.len();
        let mut out: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
        for h in 0..self.twin.len() {
            out[self.tail(h)].push((self.horo[h], h));
        }
        for o in &mut out {
            o.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Rotations { out }
    }

    /// The intrinsic corner at `v` containing horocyclic position `pos`: its outgoing half-edge
    /// and the normalized offset in `[0, 1]`.
    fn locate(&self, rot: &Rotations, v: usize, pos: f64) -> (usize, f64) {
        let list = &rot.out[v];
        let total = self.input.total[v];
        let i = list.partition_point(|&(p, _)| p <= pos);
        let (p0, h) = if i == 0 {
            if self.input.interior[v] {
                let (p, h) = *list.last().expect("a vertex with edges");
                (p - total, h)
            } else {
                list[0]
            }
        } else {
            list[i - 1]
        };
        let tau = ((pos - p0) / self.corner_arc(h)).clamp(0.0, 1.0);
        (h, tau)
    }

    /// Trace input half-edge `e` from its tail across this triangulation.
    fn trace_input(&self, rot: &Rotations, e: usize) -> Result<Trace, TraceError> {
        let inp = &self.input;
        let (a, b) = (inp.faces[e / 3][e % 3], inp.faces[e / 3][(e + 1) % 3]);
        let (h1, tau) = self.locate(rot, a, inp.horo[e]);
        if tau < ALONG && self.head(h1) == b {
            return Ok(Trace::Along(h1));
        }
        if tau > 1.0 - ALONG {
            // Along the corner's other side, prev(h1) = (y → a), i.e. its twin from a.
            let p = prev(h1);
            if self.tail(p) == b {
                if let Some(t) = self.twin(p) {
                    return Ok(Trace::Along(t));
                }
            }
        }
        let tau = tau.clamp(ALONG, 1.0 - ALONG);
        let mut f = h1 / 3;
        let mut k = h1 % 3;
        let start = (f, k);
        let mut sigma = self.face_arcs(f);
        let mut line = [0.0; 3];
        line[(k + 1) % 3] = tau;
        line[(k + 2) % 3] = -(1.0 - tau);
        let mut pa = [0.0; 3];
        pa[k] = 1.0;
        let mut alpha = -sigma[k].ln();
        let mut hits = Vec::new();
        let limit = MAX_CROSSINGS_PER_FACE * self.faces.len() + 16;
        loop {
            if hits.len() > limit {
                return Err(TraceError::Lost {
                    a,
                    b,
                    steps: hits.len(),
                });
            }
            // Leave F through the side opposite corner k: m → n.
            let (m, n) = ((k + 1) % 3, (k + 2) % 3);
            let hx = 3 * f + m;
            let (ym, yn) = (line[n].abs(), line[m].abs());
            let tiny = f64::MIN_POSITIVE;
            let log_ratio = (yn.max(tiny) / ym.max(tiny)).ln() + (sigma[n] / sigma[m]).ln();
            // The affine point on the canonical half-edge, in F's normalized frame.
            let t = self.twin[hx];
            let canonical_forward = t == NONE || hx < t;
            let lr = if canonical_forward {
                log_ratio
            } else {
                -log_ratio
            };
            let (s_head, s_tail) = (1.0 / (1.0 + (-lr).exp()), 1.0 / (1.0 + lr.exp()));
            // Along the canonical half-edge tail → head; in F's frame: m → n when forward.
            let (wm, wn) = if canonical_forward {
                (s_tail, s_head)
            } else {
                (s_head, s_tail)
            };
            let mut x = [0.0; 3];
            x[m] = wm / sigma[m];
            x[n] = wn / sigma[n];
            let (sx, sa): (f64, f64) = (x.iter().sum(), pa.iter().sum());
            let diag: f64 = (0..3).map(|i| x[i] * pa[i]).sum();
            // −⟨X, p_a⟩ = ½ Σ_{i≠j} x_i a_j e^α.
            let dot = 0.5 * (sx * sa - diag);
            hits.push(Hit {
                half_edge: hx,
                log_ratio,
                log_dot: alpha + dot.max(tiny).ln(),
            });
            if t == NONE {
                return Err(TraceError::LeftSurface {
                    a,
                    b,
                    steps: hits.len(),
                });
            }
            let (g, j) = (t / 3, t % 3);
            let sg = self.face_arcs(g);
            // F's corner m is G's corner j + 1, F's corner n is G's corner j.
            let (j1, w) = ((j + 1) % 3, (j + 2) % 3);
            let ca = (sg[j1] / sigma[m]).sqrt().recip();
            let cb = (sg[j] / sigma[n]).sqrt().recip();
            let mut l2 = [0.0; 3];
            l2[w] = -ca * cb * line[k] + cb * (ca + cb) * line[m] + ca * (ca + cb) * line[n];
            l2[j1] = line[m] / (ca * ca);
            l2[j] = line[n] / (cb * cb);
            let yw = -pa[k] / (ca * cb);
            let mut a2 = [0.0; 3];
            a2[w] = yw;
            a2[j1] = ca * ca * (pa[m] - cb * (ca + cb) * yw);
            a2[j] = cb * cb * (pa[n] - ca * (ca + cb) * yw);
            let nl = l2.iter().fold(0.0f64, |s, v| s.max(v.abs()));
            let na = a2.iter().fold(0.0f64, |s, v| s.max(v.abs()));
            line = l2.map(|v| v / nl);
            pa = a2.map(|v| v / na);
            alpha += na.ln();
            f = g;
            sigma = sg;
            let mag = line[j].abs() + line[j1].abs();
            if self.faces[g][w] == b && line[w].abs() <= 1e-8 * mag {
                return Ok(Trace::Across {
                    hits,
                    start,
                    end: (g, w),
                });
            }
            // Leave through the side whose ends the line separates.
            k = if (line[w] > 0.0) != (line[j1] > 0.0) {
                j
            } else {
                j1
            };
        }
    }

    /// The horocyclic arcs of the three corners of face `f`.
    fn face_arcs(&self, f: usize) -> [f64; 3] {
        std::array::from_fn(|k| self.corner_arc(3 * f + k))
    }

    /// The common subdivision of the input and this triangulation (see the module docs).
    pub fn overlay(&self) -> Result<Overlay, TraceError> {
        if self.metric() != super::Metric::Penner {
            return Err(TraceError::Euclidean);
        }
        let rot = self.rotations();
        let inp = &self.input;
        let mut crossings: Vec<Crossing> = Vec::new();
        // Chords per intrinsic face: two nodes, in the direction of the input half-edge.
        let mut chords: Vec<(usize, Node, Node, usize)> = Vec::new();
        // Per intrinsic half-edge, the input half-edge it runs along (same direction).
        let mut along: Vec<usize> = self.origin.clone();
        for e in 0..inp.twin.len() {
            let te = inp.twin[e];
            if te != NONE && te < e {
                continue;
            }
            let (a, b) = (inp.faces[e / 3][e % 3], inp.faces[e / 3][(e + 1) % 3]);
            let forward = match self.trace_input(&rot, e)? {
                Trace::Along(h) => {
                    along[h] = e;
                    if let (Some(t), true) = (self.twin(h), te != NONE) {
                        along[t] = te;
                    }
                    continue;
                }
                Trace::Across { hits, start, end } => (hits, start, end),
            };
            let (hits, start, end) = forward;
            let backward = if te == NONE {
                // A boundary input edge is never flipped: it is always Along.
                Vec::new()
            } else {
                match self.trace_input(&rot, te)? {
                    Trace::Across { hits, .. } => hits,
                    Trace::Along(_) => Vec::new(),
                }
            };
            let same = backward.len() == hits.len()
                && hits
                    .iter()
                    .zip(backward.iter().rev())
                    .all(|(x, y)| Some(y.half_edge) == self.twin(x.half_edge));
            if !same {
                return Err(TraceError::Mismatch {
                    a,
                    b,
                    forward: hits.len(),
                    backward: backward.len(),
                });
            }
            let first = crossings.len();
            for (x, y) in hits.iter().zip(backward.iter().rev()) {
                let t_odds = x.log_dot - y.log_dot; // log(t / (1 − t))
                let t = 1.0 / (1.0 + (-t_odds).exp());
                let tw = self.twin[x.half_edge];
                let (half_edge, log_ratio) = if tw == NONE || x.half_edge < tw {
                    (x.half_edge, x.log_ratio)
                } else {
                    (tw, -x.log_ratio)
                };
                crossings.push(Crossing {
                    input: e,
                    t,
                    half_edge,
                    log_ratio,
                });
            }
            // Segments: corner → first, between consecutive crossings, last → corner.
            let m = hits.len();
            let node_in = |i: usize| Node::Crossing {
                index: first + i,
                side: self.twin[hits[i].half_edge],
            };
            let node_out = |i: usize| Node::Crossing {
                index: first + i,
                side: hits[i].half_edge,
            };
            chords.push((
                start.0,
                Node::Corner {
                    face: start.0,
                    corner: start.1,
                },
                node_out(0),
                e,
            ));
            for (i, hit) in hits.iter().enumerate().skip(1) {
                chords.push((hit.half_edge / 3, node_in(i - 1), node_out(i), e));
            }
            chords.push((
                end.0,
                node_in(m - 1),
                Node::Corner {
                    face: end.0,
                    corner: end.1,
                },
                e,
            ));
        }
        // Per half-edge, its crossings in order from its tail.
        let mut on_edge: Vec<Vec<usize>> = vec![Vec::new(); self.twin.len()];
        for (i, c) in crossings.iter().enumerate() {
            on_edge[c.half_edge].push(i);
        }
        for list in &mut on_edge {
            list.sort_by(|&x, &y| crossings[x].log_ratio.total_cmp(&crossings[y].log_ratio));
        }
        // Per face, its boundary cycle and where each node sits in it.
        let mut chords_of: Vec<Vec<(Node, Node, usize)>> = vec![Vec::new(); self.faces.len()];
        for (f, x, y, e) in chords {
            chords_of[f].push((x, y, e));
        }
        // The input face left of input half-edge e (and right of it: its twin's).
        let left = |e: usize| e / 3;
        let right = |e: usize| {
            let t = inp.twin[e];
            if t == NONE {
                NONE
            } else {
                t / 3
            }
        };
        let mut cells = Vec::new();
        for (f, face_chords) in chords_of.iter().enumerate() {
            let mut cycle: Vec<Node> = Vec::new();
            for k in 0..3 {
                cycle.push(Node::Corner { face: f, corner: k });
                let h = 3 * f + k;
                let t = self.twin[h];
                if t == NONE || h < t {
                    cycle.extend(
                        on_edge[h]
                            .iter()
                            .map(|&index| Node::Crossing { index, side: h }),
                    );
                } else {
                    cycle.extend(
                        on_edge[t]
                            .iter()
                            .rev()
                            .map(|&index| Node::Crossing { index, side: h }),
                    );
                }
            }
            let position = |node: &Node| cycle.iter().position(|c| c == node);
            let mut pairs = Vec::with_capacity(face_chords.len());
            // Per chord, the input faces on the side of increasing and decreasing positions.
            let mut input_faces = Vec::with_capacity(face_chords.len());
            for (x, y, e) in face_chords {
                let (Some(i), Some(j)) = (position(x), position(y)) else {
                    return Err(TraceError::Tangled { face: f });
                };
                pairs.push((i.min(j), i.max(j)));
                // Walking a chord from its lower to its higher position, the cell on the left.
                input_faces.push(if i < j {
                    (left(*e), right(*e))
                } else {
                    (right(*e), left(*e))
                });
            }
            let polys =
                split_by_chords(cycle.len(), &pairs).ok_or(TraceError::Tangled { face: f })?;
            for (c, poly) in polys.into_iter().enumerate() {
                let input_face = if c < pairs.len() {
                    // Closed by its chord walked from high to low: the cell is on its right.
                    input_faces[c].1
                } else if let Some(c) = pairs.iter().position(|&(i, j)| {
                    // The outer cell walks its chords from low to high.
                    poly.windows(2).any(|w| w[0] == i && w[1] == j)
                }) {
                    input_faces[c].0
                } else {
                    // No chord: the whole face, inside the input face of a side it runs along.
                    (0..3)
                        .map(|k| along[3 * f + k])
                        .find(|&a| a != NONE)
                        .map_or(NONE, |a| a / 3)
                };
                cells.push(Cell {
                    face: f,
                    input_face,
                    nodes: poly.into_iter().map(|i| cycle[i]).collect(),
                });
            }
        }
        Ok(Overlay { crossings, cells })
    }
}

/// The polygons a convex polygon with `n` corners (`0..n`, counter-clockwise) is cut into by
/// non-crossing chords `(i, j)`, `i < j`: one per chord (the corners from `i` to `j`) and the
/// outer one; `None` if chords cross.
fn split_by_chords(n: usize, chords: &[(usize, usize)]) -> Option<Vec<Vec<usize>>> {
    let mut from: Vec<Vec<usize>> = vec![Vec::new(); n + 1];
    for &(i, j) in chords {
        from[i].push(j);
    }
    let walk = |i: usize, j: usize| -> Vec<usize> {
        let mut poly = vec![i];
        let mut k = i;
        while k != j {
            let next = from[k]
                .iter()
                .copied()
                .filter(|&e| e <= j && !(k == i && e == j) && e > k)
                .max();
            k = next.unwrap_or(k + 1);
            poly.push(k);
        }
        poly
    };
    let mut polys = Vec::with_capacity(chords.len() + 1);
    let mut sides = 0;
    for &(i, j) in chords {
        let p = walk(i, j);
        sides += p.len();
        polys.push(p);
    }
    let mut outer = walk(0, n);
    outer.pop();
    sides += outer.len();
    polys.push(outer);
    // Every boundary side once, every chord twice.
    (sides == n + 2 * chords.len()).then_some(polys)
}
