//! The uniformization of a closed genus-0 mesh: a discrete conformal map to the unit sphere, by
//! the construction of Springborn, Schröder, Pinkall 2008 (§ 5) / Bobenko, Pinkall, Springborn
//! 2015 (*Discrete conformal maps and ideal hyperbolic polyhedra*, Geom. Topol. 19). Remove a
//! vertex `N`; the chordal lengths of points on the sphere are, under stereographic projection
//! from `N`, vertex-scalings of the Euclidean lengths of their images, with the factor of a
//! neighbour `a` of `N` fixed by the edge `Na` to `ũ_a = −2 log ℓ(N, a)` (up to a common
//! constant). So the punctured disk is flattened with that Dirichlet data and a flat interior
//! ([`DiscreteRicci::punctured_sphere`]), laid out, sent back by inverse stereographic projection
//! (`N` to the pole) and Möbius-centered ([`crate::geometry::mobius_center`]).
//!
//! # The puncture
//! The result must not depend on the order in which a file lists the vertices: the pole is the
//! vertex with the largest barycentric area (the area of the sphere it stands for is then the
//! largest one left out of the flattening), ties broken by the largest position in
//! lexicographic order, both properties of the surface, not of its numbering
//! ([`choose_puncture`]); a user may name it (`puncture = v`). With Delaunay flips on
//! Δ-complexes every pole works: the flattening always has a solution (Gillespie, Springborn,
//! Crane 2021; Springborn 2020).
//!
//! A centering that does not converge leaves a valid map to the sphere, only not normalized:
//! [`map_to_sphere`] fails with it, and the flow reports it as an event of the step that made
//! the metric (and of the first step, for the initial state).

use super::map::InputMap;
use super::{DiscreteRicci, Evaluation, Method, MetricError, MetricState, SetupError};
use crate::mesh::intrinsic::trace::{Node, TraceError};
use crate::mesh::intrinsic::{next, Intrinsic};

use crate::flows::{Flow, StepError};
use crate::geometry::{self, mobius_center, Centering, NotCentered};
use crate::mesh::TriMesh;
use nalgebra::Vector3;

/// Newton iterations [`map_to_sphere`] takes at most.
const MAX_NEWTON_ITERATIONS: usize = 50;

/// A closed genus-0 mesh punctured at a vertex, for [`map_to_sphere`].
pub(super) struct Puncture {
    pub(super) pole: usize,
    /// The barycentric lumped mass of the mesh (the weights of the Möbius centering).
    mass: Vec<f64>,
}

/// The puncture of a closed genus-0 mesh: the vertex of largest barycentric area, ties broken
/// by the lexicographically largest position (see the module docs; independent of the vertex
/// numbering).
pub fn choose_puncture(mesh: &TriMesh) -> usize {
    let mass = geometry::vertex_lumped_mass_barycentric(mesh);
    (0..mesh.vertices())
        .max_by(|&a, &b| {
            mass[a].total_cmp(&mass[b]).then_with(|| {
                let (p, q) = (mesh.positions[a], mesh.positions[b]);
                p[0].total_cmp(&q[0])
                    .then(p[1].total_cmp(&q[1]))
                    .then(p[2].total_cmp(&q[2]))
            })
        })
        .unwrap_or(0)
}

/// A metric sent to the sphere: positions of the original mesh's vertices, and the outcome of
/// their Möbius centering (on failure, the positions of its last iterate).
#[derive(Clone)]
pub(super) struct Sphere {
    pub(super) positions: Vec<[f64; 3]>,
    pub(super) centering: Result<Centering, NotCentered>,
}

/// Why [`map_to_sphere`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SphereError {
    /// The flattening problem of the punctured disk cannot be set up.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// A Newton iteration failed.
    #[error("Newton iteration {iteration}: {source}")]
    Step { iteration: usize, source: StepError },
    /// The curvature tolerance was not reached.
    #[error("no convergence in {iterations} Newton iterations")]
    NoConvergence { iterations: usize },
    /// The flat metric has no layout.
    #[error(transparent)]
    Metric(#[from] MetricError),
    /// The Möbius centering of the sphere did not converge.
    #[error(transparent)]
    NotCentered(#[from] NotCentered),
}

/// A discrete conformal map of a closed genus-0 mesh to the unit sphere (see the module docs):
/// Newton on the punctured disk to the curvature tolerance `tol`, then the layout sent to the
/// sphere and Möbius-centered. Returns the positions and the Newton iterations.
pub fn map_to_sphere(mesh: &TriMesh, tol: f64) -> Result<(Vec<[f64; 3]>, usize), SphereError> {
    let (mut flow, mut s) = DiscreteRicci::punctured_sphere(mesh.clone(), Method::Newton, tol)?;
    let mut iterations = 0;
    while !flow.converged(&s) {
        if iterations == MAX_NEWTON_ITERATIONS {
            return Err(SphereError::NoConvergence { iterations });
        }
        s = flow
            .step(&s, 0.0, 1.0)
            .map_err(|source| SphereError::Step {
                iteration: iterations,
                source,
            })?;
        iterations += 1;
    }
    let e = flow.evaluation(&s)?;
    let sphere = match &e.sphere {
        Some(sphere) => sphere.clone(),
        None => flow.sphere_of(&e).expect("punctured"),
    };
    sphere.centering?;
    Ok((sphere.positions, iterations))
}

impl DiscreteRicci {
    /// The flattening problem of [`map_to_sphere`] for a closed genus-0 mesh punctured at the
    /// vertex [`choose_puncture`] picks, and its initial state (the Dirichlet data on the
    /// pole's neighbours, 0 inside).
    pub fn punctured_sphere(
        mesh: TriMesh,
        method: Method,
        tol: f64,
    ) -> Result<(DiscreteRicci, MetricState), SetupError> {
        let pole = choose_puncture(&mesh);
        DiscreteRicci::punctured_sphere_at(mesh, pole, method, tol)
    }

    /// [`DiscreteRicci::punctured_sphere`] punctured at vertex `pole` (which must exist). The
    /// flow works on the whole mesh (its numbering kept): the faces at the pole are the part of
    /// the plane around infinity and take no part in the metric; the pole's neighbours are held
    /// at `u_a = −2 log |x_a − x_N|` (centred on 0) while they stay its neighbours (with flips
    /// the link shrinks to the convex hull, [`Intrinsic::flip_to_delaunay_punctured`]).
    ///
    /// [`Intrinsic::flip_to_delaunay_punctured`]: crate::mesh::intrinsic::Intrinsic::flip_to_delaunay_punctured
    pub fn punctured_sphere_at(
        mesh: TriMesh,
        pole: usize,
        method: Method,
        tol: f64,
    ) -> Result<(DiscreteRicci, MetricState), SetupError> {
        let n = mesh.vertices();
        let mut u = vec![0.0; n];
        let mut dirichlet = vec![false; n];
        dirichlet[pole] = true;
        for f in mesh.faces.iter().filter(|f| f.contains(&pole)) {
            for &a in f.iter().filter(|&&a| a != pole) {
                let d =
                    (Vector3::from(mesh.positions[a]) - Vector3::from(mesh.positions[pole])).norm();
                u[a] = -2.0 * d.ln();
                dirichlet[a] = true;
            }
        }
        // The common constant is free (it scales the plane): centre the link's values on 0, so
        // that u = 0 inside starts from a metric near the input's.
        let link: Vec<usize> = (0..n).filter(|&i| dirichlet[i] && i != pole).collect();
        let mean = link.iter().map(|&i| u[i]).sum::<f64>() / link.len() as f64;
        for &i in &link {
            u[i] -= mean;
        }
        let mass = geometry::vertex_lumped_mass_barycentric(&mesh);
        let mut flow = DiscreteRicci::new(mesh, vec![0.0; n], dirichlet, method, tol)?;
        flow.puncture = Some(Puncture { pole, mass });
        flow.id = super::next_flow_id();
        Ok((flow, MetricState::new(u)))
    }

    /// For a punctured sphere (else `None`): the flat metric laid out, centred and scaled, sent
    /// to the unit sphere by inverse stereographic projection (the pole to (0, 0, 1)) and
    /// Möbius-centered; positions of the original mesh's vertices, or the centering's failure.
    pub fn sphere_positions(
        &self,
        lengths: &[[f64; 3]],
    ) -> Option<Result<Vec<[f64; 3]>, NotCentered>> {
        let sphere = self.sphere_from_plane(&self.layout(lengths))?;
        Some(sphere.centering.map(|_| sphere.positions))
    }

    /// [`DiscreteRicci::sphere_positions`] of an evaluation (on its triangulation), with the
    /// outcome of the centering.
    pub(super) fn sphere_of(&self, e: &Evaluation) -> Option<Sphere> {
        self.sphere_from_plane(&self.layout_of(e))
    }

    /// [`DiscreteRicci::sphere_of`], reporting a centering that did not converge as an event
    /// (of the metric at time `t`).
    pub(super) fn checked_sphere(&mut self, e: &Evaluation, t: f64) -> Option<Sphere> {
        let sphere = self.sphere_of(e)?;
        if let Err(not) = &sphere.centering {
            self.events.push(format!("the sphere at t = {t:e}: {not}"));
        }
        Some(sphere)
    }

    /// The centre and the root-mean-square radius of the layout of the vertices other than the
    /// pole: the plane is moved and scaled by them before the inverse stereographic projection.
    fn plane_normalization(&self, plane: &[[f64; 3]]) -> ([f64; 2], f64) {
        let pole = self.puncture.as_ref().map_or(usize::MAX, |p| p.pole);
        let pts: Vec<&[f64; 3]> = plane
            .iter()
            .enumerate()
            .filter(|(i, q)| *i != pole && q[0].is_finite())
            .map(|(_, q)| q)
            .collect();
        let m = pts.len() as f64;
        let c = pts
            .iter()
            .fold([0.0; 2], |a, q| [a[0] + q[0] / m, a[1] + q[1] / m]);
        let r = (pts
            .iter()
            .map(|q| (q[0] - c[0]).powi(2) + (q[1] - c[1]).powi(2))
            .sum::<f64>()
            / m)
            .sqrt();
        (c, r)
    }

    /// The map of an evaluation back onto the input, on the sphere (punctured spheres only).
    /// The vertices go where the Möbius-centered sphere puts them, `P_i`, and the triangulation
    /// is made that of their convex hull ([`hull_flip`]). Each intrinsic face `ijk` (the faces
    /// at the pole too) is then mapped onto its chordal triangle `P_i P_j P_k`: a crossing at
    /// its place on the chord in the decoration of those points (`|P_i − P_j|² = e^{λ_ij + ũ_i +
    /// ũ_j}`, [`Crossing::parameter`] with their scale factors `ũ`). Any placement along the
    /// chords that keeps the crossings' order makes every cell a convex polygon in the plane of
    /// its face's chordal triangle (its nodes lie on that triangle's sides, in order), starred
    /// about its centroid. The hull's faces all face away from the origin the centering puts
    /// inside it, so every triangle of a cell does too, and the radial projection of all points
    /// to the unit sphere keeps each one's orientation: the map is bijective onto the sphere
    /// and its chordal triangles an embedded polyhedron (the interpolation in the light cone of
    /// Gillespie, Springborn, Crane 2021; hull and Delaunay: Bobenko, Pinkall, Springborn
    /// 2015). Distortion is measured on the sphere (chordal triangles). A vertex every face of
    /// which is at the pole has no place in the plane: its triangles count as bad.
    ///
    /// [`Crossing::parameter`]: crate::mesh::intrinsic::trace::Crossing::parameter
    pub(super) fn sphere_map(&self, e: &Evaluation) -> Option<Result<InputMap, TraceError>> {
        let pole = self.puncture.as_ref()?.pole;
        let sphere = match &e.sphere {
            Some(s) => s.clone(),
            None => self.sphere_of(e)?,
        };
        let vertex = |v: usize| Vector3::from(sphere.positions[v]);
        // The triangulation of the points' convex hull: Delaunay in the plane (of the layout,
        // the pole at infinity) with the pole joined to the hull's boundary. The flat metric's
        // triangulation is that up to the pole's link, which may not be convex (a vertex that
        // joined it by a flip is held where the flip found it): Lawson flips on the layout's
        // points make it so, and the convex hull's faces all face away from the origin the
        // centering puts inside. (Away from convergence the layout is not one flat metric's:
        // if those flips do not end, or their triangulation cannot be traced, the flat
        // metric's is kept.)
        let plane = self.layout_of(e);
        let mut hull = self.tri_of(e).clone();
        let traced = hull
            .flip_while(|tri, h| hull_flip(tri, h, &plane, pole))
            .ok()
            .and_then(|_| hull.overlay().ok());
        let (tri, overlay) = match traced {
            Some(overlay) => (&hull, overlay),
            None => {
                let tri = self.tri_of(e);
                match tri.overlay() {
                    Ok(overlay) => (tri, overlay),
                    Err(err) => return Some(Err(err)),
                }
            }
        };
        let scale = chordal_scale_factors(tri, &sphere.positions, pole);
        let p = &self.mesh.positions;
        let inp = &self.mesh.faces;
        let mut map = InputMap::new(Vec::new(), Vec::new(), Vec::new(), true);
        let mut vertex_point = vec![usize::MAX; self.mesh.vertices()];
        let mut crossing_point = vec![usize::MAX; overlay.crossings.len()];
        // Images before the radial projection (in the planes of the chordal triangles).
        let mut image: Vec<Vector3<f64>> = Vec::new();
        let mut cells: Vec<(usize, Vec<usize>)> = Vec::with_capacity(overlay.cells.len());
        for cell in &overlay.cells {
            let mut ids = Vec::with_capacity(cell.nodes.len());
            for node in &cell.nodes {
                let id = match *node {
                    Node::Corner { face, corner } => {
                        let v = tri.faces[face][corner];
                        if vertex_point[v] == usize::MAX {
                            vertex_point[v] = map.points.len();
                            map.points.push(p[v]);
                            map.vertex_id.push(self.input_vertex(v) as f64);
                            image.push(vertex(v));
                        }
                        vertex_point[v]
                    }
                    Node::Crossing { index, .. } => {
                        if crossing_point[index] == usize::MAX {
                            let x = overlay.crossings[index];
                            let e0 = x.input;
                            let (a, b) = (inp[e0 / 3][e0 % 3], inp[e0 / 3][(e0 + 1) % 3]);
                            let pos = Vector3::from(p[a]) * (1.0 - x.t) + Vector3::from(p[b]) * x.t;
                            let h = x.half_edge;
                            let (t, hd) = (tri.tail(h), tri.head(h));
                            let s = x.parameter(tri, &scale);
                            crossing_point[index] = map.points.len();
                            map.points.push(pos.into());
                            map.vertex_id.push(-1.0);
                            image.push(vertex(t) * (1.0 - s) + vertex(hd) * s);
                        }
                        crossing_point[index]
                    }
                };
                ids.push(id);
            }
            cells.push((cell.input_face, ids));
        }
        let mut triangles: Vec<([usize; 3], usize)> = Vec::with_capacity(overlay.cells.len());
        for (input_face, ids) in cells {
            if ids.len() == 3 {
                triangles.push(([ids[0], ids[1], ids[2]], input_face));
                continue;
            }
            let m = ids.len() as f64;
            let centre_in = ids.iter().fold(Vector3::zeros(), |s, &i| {
                s + Vector3::from(map.points[i]) / m
            });
            let centre = ids.iter().fold(Vector3::zeros(), |s, &i| s + image[i] / m);
            let id = map.points.len();
            map.points.push(centre_in.into());
            map.vertex_id.push(-1.0);
            image.push(centre);
            for i in 0..ids.len() {
                triangles.push(([id, ids[i], ids[(i + 1) % ids.len()]], input_face));
            }
        }
        map.image = image.iter().map(|q| (q / q.norm()).into()).collect();
        for (t, f) in triangles {
            let src = t.map(|i| map.points[i]);
            let dst = t.map(|i| map.image[i]);
            map.push_measured(t, src, dst, true, f);
        }
        Some(Ok(map))
    }

    /// [`DiscreteRicci::sphere_positions`] from the layout of the vertices other than the pole.
    fn sphere_from_plane(&self, plane: &[[f64; 3]]) -> Option<Sphere> {
        let p = self.puncture.as_ref()?;
        let (c, r) = self.plane_normalization(plane);
        let mut sphere = vec![[0.0, 0.0, 1.0]; plane.len()];
        for (i, q) in plane.iter().enumerate() {
            if i == p.pole {
                continue;
            }
            // Mirrored: stereographic projection from the north pole reverses orientation.
            let (x, y) = ((q[0] - c[0]) / r, -(q[1] - c[1]) / r);
            let s = x * x + y * y;
            sphere[i] = [
                2.0 * x / (1.0 + s),
                2.0 * y / (1.0 + s),
                (s - 1.0) / (s + 1.0),
            ];
        }
        let centering = mobius_center(&mut sphere, &p.mass);
        Some(Sphere {
            positions: sphere,
            centering,
        })
    }
}

/// The scale factors `ũ` of the decoration the points `P` of a sphere map put on a
/// triangulation, `|P_i − P_j|² = e^{λ_ij + ũ_i + ũ_j}`: per vertex from one face about it with
/// three distinct corners (one not at the `pole` if there is one), `ũ_i = ½ (L_ij + L_ik −
/// L_jk)`, `L_ij = log|P_i − P_j|² − λ_ij`.
fn chordal_scale_factors(tri: &Intrinsic, points: &[[f64; 3]], pole: usize) -> Vec<f64> {
    let mut scale = vec![f64::NAN; points.len()];
    // The finite faces first: their decoration is the flat metric's, scaled.
    let mut order: Vec<usize> = (0..tri.faces.len()).collect();
    order.sort_by_key(|&f| tri.touches(f, pole));
    for f in order {
        let face = tri.faces[f];
        if face[0] == face[1] || face[1] == face[2] || face[2] == face[0] {
            continue;
        }
        // L of the half-edge opposite corner k (from corner k + 1 to k + 2).
        let l: [f64; 3] = std::array::from_fn(|k| {
            let (i, j) = (face[(k + 1) % 3], face[(k + 2) % 3]);
            let d = Vector3::from(points[i]) - Vector3::from(points[j]);
            d.norm_squared().ln() - tri.base_log_length(3 * f + (k + 1) % 3)
        });
        for k in 0..3 {
            if scale[face[k]].is_nan() {
                scale[face[k]] = 0.5 * (l[(k + 1) % 3] + l[(k + 2) % 3] - l[k]);
            }
        }
    }
    scale
}

/// Whether the edge of half-edge `h` is not an edge of the Delaunay triangulation of the
/// `plane` points with `pole` at infinity joined to their convex hull (Lawson's flip rule with
/// the pole's faces as the ghost triangles outside the hull): a finite edge `ab` whose
/// quadrilateral `a b c d` has `d` inside the circle of `a b c`; an edge pole–`b` whose link
/// neighbours `x → b → y` turn right at `b` (`b` inside the hull); an edge of the link next to
/// a finite face that is inverted.
fn hull_flip(tri: &Intrinsic, h: usize, plane: &[[f64; 3]], pole: usize) -> bool {
    let Some(t) = tri.twin(h) else {
        return false;
    };
    let (a, b) = (tri.tail(h), tri.head(h));
    let (c, d) = (tri.head(next(h)), tri.head(next(t)));
    let distinct = a != b && c != d && ![a, b].contains(&c) && ![a, b].contains(&d);
    if !distinct {
        return false;
    }
    let p = |v: usize| [plane[v][0], plane[v][1]];
    let orient = geometry::orient2d;
    let flip = if a == pole || b == pole {
        // Faces (pole, b', x) and (b', pole, y): the link runs x → b' → y.
        let (v, x, y) = if a == pole { (b, c, d) } else { (a, d, c) };
        orient(p(x), p(v), p(y)) < 0.0
    } else if c == pole {
        orient(p(b), p(a), p(d)) <= 0.0
    } else if d == pole {
        orient(p(a), p(b), p(c)) <= 0.0
    } else {
        let [pa, pb, pc, pd] = [a, b, c, d].map(p);
        let lift = |q: [f64; 2]| {
            let (x, y) = (q[0] - pd[0], q[1] - pd[1]);
            [x, y, x * x + y * y]
        };
        let [qa, qb, qc] = [pa, pb, pc].map(lift);
        let incircle = qa[0] * (qb[1] * qc[2] - qb[2] * qc[1])
            - qa[1] * (qb[0] * qc[2] - qb[2] * qc[0])
            + qa[2] * (qb[0] * qc[1] - qb[1] * qc[0]);
        incircle
            > 1e-12
                * [qa, qb, qc]
                    .iter()
                    .map(|q| q[2])
                    .fold(0.0, f64::max)
                    .powi(2)
    };
    flip && [a, b, c, d]
        .iter()
        .all(|&v| v == pole || plane[v][0].is_finite())
}

/// Place the vertices of a punctured sphere's layout that no finite face has (`NaN` in
/// `pos`): every face about such a vertex `v` is at the pole, and the pole's link runs
/// `x → v → y` through it (faces `pole x v` and `pole v y`). It goes where its finite edges'
/// `lengths` put it from `x` and `y`, on the side away from the finite faces (`x v y`
/// counter-clockwise, as at a convex corner of the link), or, for a spike `x → v → x` of the
/// link, straight out from the centroid of the placed points at its distance from `x` (the
/// metric leaves its direction free). One that cannot be placed so (no placed neighbour, or
/// lengths that break the triangle inequality) stays `NaN`. These vertices are held at the
/// scale the flip that made them link vertices found (see
/// [`Intrinsic::flip_to_delaunay_punctured`]): the sphere map places them, but they are not
/// where a true uniformization would put them.
pub(super) fn place_beyond_the_link(
    tri: &Intrinsic,
    lengths: &[[f64; 3]],
    pole: usize,
    pos: &mut [[f64; 3]],
) {
    // Per vertex of the link: (x, ℓ_xv) from a face `pole x v`, (y, ℓ_vy) from `pole v y`.
    let n = pos.len();
    let mut before: Vec<Option<(usize, f64)>> = vec![None; n];
    let mut after: Vec<Option<(usize, f64)>> = vec![None; n];
    for (f, face) in tri.faces.iter().enumerate() {
        let Some(k) = face.iter().position(|&v| v == pole) else {
            continue;
        };
        let (x, v) = (face[(k + 1) % 3], face[(k + 2) % 3]);
        if x == pole || v == pole || x == v {
            continue;
        }
        // The edge x–v is opposite the pole's corner.
        before[v].get_or_insert((x, lengths[f][k]));
        after[x].get_or_insert((v, lengths[f][k]));
    }
    loop {
        let mut progress = false;
        for v in 0..n {
            if v == pole || pos[v][0].is_finite() {
                continue;
            }
            let (Some((x, a)), Some((y, b))) = (before[v], after[v]) else {
                continue;
            };
            if !pos[x][0].is_finite() || !pos[y][0].is_finite() {
                continue;
            }
            if x == y {
                // A spike x → v → x: straight out from the placed points' centroid.
                let (mut c, mut m) = ([0.0; 2], 0.0);
                for q in pos.iter().filter(|q| q[0].is_finite()) {
                    c = [c[0] + q[0], c[1] + q[1]];
                    m += 1.0;
                }
                let (ox, oy) = (pos[x][0] - c[0] / m, pos[x][1] - c[1] / m);
                let r = (ox * ox + oy * oy).sqrt();
                if r > 0.0 {
                    pos[v] = [pos[x][0] + a * ox / r, pos[x][1] + a * oy / r, 0.0];
                    progress = true;
                }
                continue;
            }
            let (px, py) = (pos[x], pos[y]);
            let (dx, dy) = (py[0] - px[0], py[1] - px[1]);
            let d = (dx * dx + dy * dy).sqrt();
            // Along x → y at s, and h to its right (x v y counter-clockwise).
            let s = (a * a - b * b + d * d) / (2.0 * d);
            let h2 = a * a - s * s;
            if !(d > 0.0 && h2 >= 0.0) {
                continue;
            }
            let h = h2.sqrt();
            let (ex, ey) = (dx / d, dy / d);
            pos[v] = [px[0] + s * ex + h * ey, px[1] + s * ey - h * ex, 0.0];
            progress = true;
        }
        if !progress {
            return;
        }
    }
}
