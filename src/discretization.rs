//! What a flow on a planar domain (or, for maps, a surface mesh) needs from its discretization,
//! whether a regular grid (finite differences, [`GridDomain`]) or a triangulation (P1 finite
//! elements, [`MeshDomain`]): nodal positions
//! and lumped masses, a boundary mask, gradients at quadrature points, and a weighted stiffness
//! matrix `∫ a ∇u·∇v` with one coefficient `a` per quadrature point.
//!
//! Both are edge-weighted graph Laplacians; only the weights differ. A flow written against
//! [`Discretization`] runs on either.
//!
//! On a surface mesh the stiffness and lumped mass come from the mesh's own triangulation or
//! from its intrinsic Delaunay triangulation ([`Laplacian`]), whose cotan weights are all
//! non-negative (Bobenko, Springborn 2007, *A discrete Laplace–Beltrami operator for simplicial
//! surfaces*, DCG 38): the same vertices and the same piecewise flat metric, other edges.
//!
//! The errors of a discrete solution against an exact one are measured here too, the same way
//! for every flow and both discretizations: [`nodal_errors`] (max-norm and lumped-mass L² norm of
//! nodal values) and [`h1_error`] (the H¹ seminorm at the quadrature points), each also for
//! vector fields, component by component.

use crate::geometry;
use crate::geometry::EdgeLayout;
use crate::grid::Grid2;
use crate::mesh::intrinsic::{Intrinsic, IntrinsicError};
use crate::mesh::{topology, TriMesh};
use nalgebra::Vector3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The connectivity of a discretization's nodes, and of a frame's points.
#[derive(Clone, Debug)]
pub enum Cells {
    /// A structured `nx × ny` grid of points, x fastest: point `i + nx*j`.
    /// Written as a VTK StructuredGrid (`.vts`).
    Structured { nx: usize, ny: usize },
    /// Triangles indexing into the points. Written as VTK UnstructuredGrid (`.vtu`).
    Triangles(Vec<[usize; 3]>),
}

/// A discretized planar domain; see the module docs.
pub trait Discretization: Sync {
    /// Number of nodes.
    fn nodes(&self) -> usize;
    /// Position of node `k` (`z = 0` for planar domains).
    fn point(&self, k: usize) -> [f64; 3];
    /// `true` on boundary nodes.
    fn boundary(&self) -> &[bool];
    /// Lumped nodal mass (sums to the domain's area).
    fn lumped_mass(&self) -> &[f64];
    /// Quadrature weights: `∫ f(∇u) ≈ Σ_q w_q f(g_q)`.
    fn quadrature_weights(&self) -> &[f64];
    /// The gradient of the interpolant of `u` at every quadrature point.
    fn gradients(&self, u: &[f64]) -> Vec<[f64; 2]>;
    /// The `(row, col)` pairs of the stiffness entries, in the order
    /// [`Discretization::stiffness_entries`] fills them (duplicates are summed).
    fn stiffness_pairs(&self) -> Vec<(usize, usize)>;
    /// The entries of `∫ a ∇u·∇v` for the coefficients `a` (one per quadrature point).
    fn stiffness_entries(&self, a: &[f64], out: &mut [f64]);
    /// The entries of the Laplacian `∫ ∇u·∇v` (`a = 1`), in the order of
    /// [`Discretization::stiffness_pairs`].
    fn laplacian_entries(&self, out: &mut [f64]) {
        self.stiffness_entries(&vec![1.0; self.quadrature_weights().len()], out);
    }
    /// A per-node average of a per-quadrature-point quantity (used to weight the mass).
    fn nodal_mean(&self, per_point: &[f64]) -> Vec<f64>;
    /// The connectivity written to frames.
    fn cells(&self) -> Cells;
    /// Positions of the quadrature points (triangle centroids), for errors in the gradient.
    fn quadrature_points(&self) -> Vec<[f64; 3]>;
    /// Whether the domain lies in the z = 0 plane (false for a curved surface mesh).
    fn planar(&self) -> bool;
}

/// The max-norm and the lumped-mass weighted L² norm of the nodal error `e = u_h − u`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodalErrors {
    /// `max_i |e_i|`.
    pub linf: f64,
    /// `(Σ_i m_i |e_i|²)^½` with the lumped mass `m`.
    pub l2: f64,
}

/// [`NodalErrors`] of the nodal values `u` against `exact(x)` at the nodes' positions.
pub fn nodal_errors(
    domain: &impl Discretization,
    u: &[f64],
    exact: impl Fn([f64; 3]) -> f64,
) -> NodalErrors {
    let (mut linf, mut l2) = (0.0f64, 0.0);
    for (k, (u, m)) in u.iter().zip(domain.lumped_mass()).enumerate() {
        let e = u - exact(domain.point(k));
        linf = linf.max(e.abs());
        l2 += m * e * e;
    }
    NodalErrors {
        linf,
        l2: l2.sqrt(),
    }
}

/// [`NodalErrors`] of a vector field with `components` components, `|e_i|` the Euclidean norm
/// over them; component `c` of the exact solution at `x` is `exact(c, x)`.
pub fn nodal_errors_vector(
    domain: &impl Discretization,
    u: &[[f64; 3]],
    components: usize,
    exact: impl Fn(usize, [f64; 3]) -> f64,
) -> NodalErrors {
    let (mut linf, mut l2) = (0.0f64, 0.0);
    for (k, (u, m)) in u.iter().zip(domain.lumped_mass()).enumerate() {
        let x = domain.point(k);
        let e2: f64 = (0..components).map(|c| (u[c] - exact(c, x)).powi(2)).sum();
        linf = linf.max(e2.sqrt());
        l2 += m * e2;
    }
    NodalErrors {
        linf,
        l2: l2.sqrt(),
    }
}

/// The H¹ seminorm of the error, `(Σ_q w_q |∇u_h(q) − ∇u(q)|²)^½` over the quadrature points:
/// `∇u_h` from [`Discretization::gradients`], `∇u` the x and y derivatives of `exact` by central
/// differences with step `1e-6 √area` (`area = Σ_q w_q`). For planar domains.
pub fn h1_error(
    domain: &impl Discretization,
    u: &[f64],
    exact: impl Fn([f64; 3]) -> f64 + Sync,
) -> f64 {
    H1Quadrature::new(domain)
        .squared_error(domain, u, &exact)
        .sqrt()
}

/// [`h1_error`] of a vector field: the root of the sum of the squared component errors;
/// component `c` of the exact solution at `x` is `exact(c, x)`.
pub fn h1_error_vector(
    domain: &impl Discretization,
    u: &[[f64; 3]],
    components: usize,
    exact: impl Fn(usize, [f64; 3]) -> f64 + Sync,
) -> f64 {
    let quadrature = H1Quadrature::new(domain);
    (0..components)
        .map(|c| {
            let uc: Vec<f64> = u.iter().map(|p| p[c]).collect();
            quadrature.squared_error(domain, &uc, &|x| exact(c, x))
        })
        .sum::<f64>()
        .sqrt()
}

/// The quadrature points and the difference step of [`h1_error`].
struct H1Quadrature {
    points: Vec<[f64; 3]>,
    step: f64,
}

impl H1Quadrature {
    fn new(domain: &impl Discretization) -> H1Quadrature {
        let area: f64 = domain.quadrature_weights().iter().sum();
        H1Quadrature {
            points: domain.quadrature_points(),
            step: 1e-6 * area.sqrt(),
        }
    }

    /// `Σ_q w_q |∇u_h(q) − ∇u(q)|²`.
    fn squared_error(
        &self,
        domain: &impl Discretization,
        u: &[f64],
        exact: &(impl Fn([f64; 3]) -> f64 + Sync),
    ) -> f64 {
        let d = self.step;
        domain
            .gradients(u)
            .par_iter()
            .zip(&self.points)
            .zip(domain.quadrature_weights())
            .with_min_len(4096)
            .map(|((g, p), w)| {
                let f = |dx: f64, dy: f64| exact([p[0] + dx, p[1] + dy, p[2]]);
                let gx = (f(d, 0.0) - f(-d, 0.0)) / (2.0 * d);
                let gy = (f(0.0, d) - f(0.0, -d)) / (2.0 * d);
                w * ((g[0] - gx).powi(2) + (g[1] - gy).powi(2))
            })
            .sum::<f64>()
    }
}

/// The regular grid with the four-corner discretization of [`crate::grid`]: four quadrature
/// points (corner triangles) per cell, numbered `4 c + corner`.
pub struct GridDomain {
    pub grid: Grid2,
    boundary: Vec<bool>,
    mass: Vec<f64>,
    weights: Vec<f64>,
}

impl GridDomain {
    pub fn new(grid: Grid2) -> GridDomain {
        let boundary = (0..grid.nodes()).map(|k| grid.is_boundary(k)).collect();
        let mass = grid.lumped_mass();
        let weights = vec![grid.hx() * grid.hy() / 4.0; 4 * grid.cells()];
        GridDomain {
            grid,
            boundary,
            mass,
            weights,
        }
    }

    fn x_edges(&self) -> usize {
        (self.grid.nx - 1) * self.grid.ny
    }
}

impl Discretization for GridDomain {
    fn planar(&self) -> bool {
        true
    }

    fn nodes(&self) -> usize {
        self.grid.nodes()
    }

    fn point(&self, k: usize) -> [f64; 3] {
        let [x, y] = self.grid.coord(k);
        [x, y, 0.0]
    }

    fn boundary(&self) -> &[bool] {
        &self.boundary
    }

    fn lumped_mass(&self) -> &[f64] {
        &self.mass
    }

    fn quadrature_weights(&self) -> &[f64] {
        &self.weights
    }

    fn gradients(&self, u: &[f64]) -> Vec<[f64; 2]> {
        let mut g = vec![[0.0; 2]; 4 * self.grid.cells()];
        g.par_chunks_mut(4)
            .enumerate()
            .with_min_len(1024)
            .for_each(|(c, out)| {
                out.copy_from_slice(&self.grid.corner_gradients(u, c));
            });
        g
    }

    /// Three entries per grid edge `(a, b)`: `(a, a)`, `(b, b)`, `(a, b)`; x-edges first.
    fn stiffness_pairs(&self) -> Vec<(usize, usize)> {
        let (nx, ny) = (self.grid.nx, self.grid.ny);
        let x = (0..(nx - 1) * ny).map(|e| {
            let k = e % (nx - 1) + nx * (e / (nx - 1));
            (k, k + 1)
        });
        let y = (0..nx * (ny - 1)).map(|k| (k, k + nx));
        x.chain(y)
            .flat_map(|(a, b)| [(a, a), (b, b), (a, b)])
            .collect()
    }

    fn stiffness_entries(&self, a: &[f64], out: &mut [f64]) {
        let corners: Vec<[f64; 4]> = a
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect();
        let w = self.grid.edge_weights(&corners);
        let (ox, oy) = out.split_at_mut(3 * self.x_edges());
        for (o, w) in [(ox, &w.wx), (oy, &w.wy)] {
            o.par_chunks_mut(3)
                .zip(w.par_iter())
                .with_min_len(4096)
                .for_each(|(e, &w)| {
                    e.copy_from_slice(&[w, w, -w]);
                });
        }
    }

    /// The mean over the (up to four) corner triangles with their right angle at the node.
    fn nodal_mean(&self, a: &[f64]) -> Vec<f64> {
        let (nx, ny) = (self.grid.nx, self.grid.ny);
        let q = |i: usize, j: usize, corner: usize| a[4 * (i + (nx - 1) * j) + corner];
        (0..self.grid.nodes())
            .into_par_iter()
            .with_min_len(4096)
            .map(|k| {
                let (i, j) = (k % nx, k / nx);
                let (mut s, mut cnt) = (0.0, 0.0);
                let mut add = |v: f64| {
                    s += v;
                    cnt += 1.0;
                };
                if i < nx - 1 && j < ny - 1 {
                    add(q(i, j, 0));
                }
                if i > 0 && j < ny - 1 {
                    add(q(i - 1, j, 1));
                }
                if i < nx - 1 && j > 0 {
                    add(q(i, j - 1, 2));
                }
                if i > 0 && j > 0 {
                    add(q(i - 1, j - 1, 3));
                }
                s / cnt
            })
            .collect()
    }

    fn cells(&self) -> Cells {
        Cells::Structured {
            nx: self.grid.nx,
            ny: self.grid.ny,
        }
    }

    /// Centroids of the corner triangles: a third of the way from the corner along each leg.
    fn quadrature_points(&self) -> Vec<[f64; 3]> {
        let (hx, hy) = (self.grid.hx(), self.grid.hy());
        (0..self.grid.cells())
            .flat_map(|c| {
                let [x, y] = self.grid.coord(self.grid.cell_nodes(c)[0]);
                [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)].map(|(i, j): (f64, f64)| {
                    let cx = x + hx * (i + (1.0 - 2.0 * i) / 3.0);
                    let cy = y + hy * (j + (1.0 - 2.0 * j) / 3.0);
                    [cx, cy, 0.0]
                })
            })
            .collect()
    }
}

/// A mesh given as a planar domain that does not lie in the z = 0 plane.
#[derive(Debug, thiserror::Error)]
#[error("graph flows need a planar mesh in the z = 0 plane; vertex {vertex} has z = {z}")]
pub struct NotPlanar {
    pub vertex: usize,
    pub z: f64,
}

/// Which triangulation of a surface mesh's vertices the cotan Laplacian and the lumped mass of a
/// [`MeshDomain`] come from (`[mesh] laplacian`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Laplacian {
    /// The mesh's own triangles: negative cotan weights where opposite angles sum to more
    /// than `π`.
    #[default]
    Input,
    /// The intrinsic Delaunay triangulation of the mesh's piecewise flat metric, reached by
    /// Euclidean edge flips ([`Intrinsic::euclidean`]; Bobenko–Springborn 2007,
    /// Fisher–Springborn–Schröder–Bobenko 2007): every interior edge weight
    /// `½ (cot α + cot β) ≥ 0`, so `L` is an M-matrix and the implicit steps keep a discrete
    /// maximum principle; same vertices, area and angle defects.
    IntrinsicDelaunay,
}

/// A triangulation with P1 finite elements: one quadrature point per triangle (the P1 gradient
/// is constant there), barycentric lumped mass, the cotan stiffness weighted per face, in the
/// vertex-edge layout of a [`geometry::EdgeLayout`]. Planar (z = 0) for the graph
/// flows; a curved surface mesh for flows of maps ([`MeshDomain::surface`]), where the stiffness
/// is the surface's cotan Laplacian, of its own triangles or of its intrinsic Delaunay
/// triangulation ([`MeshDomain::surface_with`]); gradients, quadrature and frames stay on the
/// mesh's own triangles.
pub struct MeshDomain {
    pub mesh: TriMesh,
    planar: bool,
    boundary: Vec<bool>,
    /// Barycentric lumped mass of the triangulation of the stiffness.
    mass: Vec<f64>,
    areas: Vec<f64>,
    laplacian: Laplacian,
    /// Corner cotangents of the triangulation of the stiffness.
    cotans: Vec<[f64; 3]>,
    /// The stiffness layout.
    layout: EdgeLayout,
    /// `∇φ_k` of the three hat functions of each face, `n × (x_{k+2} − x_{k+1}) / (2 A)` with
    /// `n` the unit normal of the face as oriented (so either orientation works); the x and y
    /// components.
    basis: Vec<[[f64; 2]; 3]>,
}

impl MeshDomain {
    /// A planar (z = 0) triangle mesh; fails naming the first vertex off the plane. Panics as
    /// [`MeshDomain::surface`].
    pub fn new(mesh: TriMesh) -> Result<MeshDomain, NotPlanar> {
        if let Some(vertex) = mesh.positions.iter().position(|p| p[2] != 0.0) {
            let z = mesh.positions[vertex][2];
            return Err(NotPlanar { vertex, z });
        }
        Ok(MeshDomain::surface(mesh))
    }

    /// Any triangle mesh, curved or not (gradients then are the x and y components of the
    /// surface gradient). Panics if it has no edge table ([`EdgeLayout::of_mesh`]: an edge of
    /// three or more faces, a face repeating a vertex); every mesh read or generated has one.
    pub fn surface(mesh: TriMesh) -> MeshDomain {
        MeshDomain::surface_with(mesh, Laplacian::Input)
            .expect("the input Laplacian needs no flips")
    }

    /// [`MeshDomain::surface`] with the stiffness and lumped mass of the triangulation
    /// `laplacian` names. For [`Laplacian::IntrinsicDelaunay`], fails if the mesh is not
    /// consistently oriented or the flips do not end (which the theory rules out up to
    /// rounding); panics as [`MeshDomain::surface`].
    pub fn surface_with(mesh: TriMesh, laplacian: Laplacian) -> Result<MeshDomain, IntrinsicError> {
        let planar = mesh.positions.iter().all(|p| p[2] == 0.0);
        let boundary = geometry::vertex_boundary_mask(&mesh.faces, mesh.vertices());
        let Stiffness {
            mass,
            cotans,
            layout,
        } = match laplacian {
            Laplacian::Input => Stiffness {
                mass: geometry::vertex_lumped_mass_barycentric(&mesh),
                cotans: geometry::corner_cotans(&mesh),
                layout: EdgeLayout::of_mesh(&mesh),
            },
            Laplacian::IntrinsicDelaunay => intrinsic_delaunay(&mesh)?,
        };
        let areas = geometry::face_areas(&mesh);
        let basis = mesh
            .faces
            .par_iter()
            .map(|f| {
                let p = f.map(|i| Vector3::from(mesh.positions[i]));
                // n (2A) = (x1 − x0) × (x2 − x0), so n × e / (2A) = m × e / |m|².
                let m = (p[1] - p[0]).cross(&(p[2] - p[0]));
                let m2 = m.dot(&m);
                std::array::from_fn(|k| {
                    let g = m.cross(&(p[(k + 2) % 3] - p[(k + 1) % 3]));
                    [g[0] / m2, g[1] / m2]
                })
            })
            .collect();
        Ok(MeshDomain {
            mesh,
            planar,
            boundary,
            mass,
            areas,
            laplacian,
            cotans,
            layout,
            basis,
        })
    }

    /// The triangulation the stiffness and mass come from.
    pub fn laplacian(&self) -> Laplacian {
        self.laplacian
    }

    /// A warning when some edges of the stiffness have a negative cotan weight (`L_ij > 0`, to
    /// a relative `1e-12` of the largest diagonal entry; several edges between the same two
    /// vertices summed): how many, the worst, `consequence` (what that does to the flow), and
    /// the way out. `None` when every weight is non-negative.
    pub fn negative_weight_warning(&self, consequence: &str) -> Option<String> {
        let mut entries = vec![0.0; self.layout.len()];
        self.layout.laplacian_entries(&self.cotans, &mut entries);
        let (diag, _) = entries.split_at(self.nodes());
        let scale = diag.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let weights = geometry::edge_weights(&self.layout.pairs(), &entries);
        let bad: Vec<&((usize, usize), f64)> = weights
            .iter()
            .filter(|(_, w)| *w < -1e-12 * scale)
            .collect();
        let ((i, j), w) = **bad.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
        let [x, y, z] = self.point(i);
        let way_out = match self.laplacian {
            Laplacian::Input => {
                "; set `laplacian = \"intrinsic-delaunay\"` in [mesh] for a Laplacian with \
                 non-negative weights (Bobenko-Springborn 2007)"
            }
            Laplacian::IntrinsicDelaunay => " (boundary edges, which no flip can change)",
        };
        Some(format!(
            "{} of {} edges have a negative cotan weight (the {} triangulation is not Delaunay), \
             so {consequence}; the worst is edge ({i}, {j}) at ({x:.4}, {y:.4}, {z:.4}) with \
             weight {w:.3e}{way_out}",
            bad.len(),
            weights.len(),
            match self.laplacian {
                Laplacian::Input => "mesh's",
                Laplacian::IntrinsicDelaunay => "intrinsic Delaunay",
            },
        ))
    }
}

/// What the stiffness and lumped mass of a [`MeshDomain`] come from: a triangulation's
/// barycentric lumped mass, corner cotangents and layout.
struct Stiffness {
    mass: Vec<f64>,
    cotans: Vec<[f64; 3]>,
    layout: EdgeLayout,
}

/// The [`Stiffness`] of the intrinsic Delaunay triangulation of a mesh: Euclidean flips from the mesh's own triangles until every interior edge is Delaunay
/// ([`Intrinsic::flip_to_delaunay`]); cotangents from the lengths
/// ([`geometry::corner_cotans_from_lengths`]), barycentric mass from the intrinsic areas.
fn intrinsic_delaunay(mesh: &TriMesh) -> Result<Stiffness, IntrinsicError> {
    let n = mesh.vertices();
    let edges = topology::edges(mesh)
        .unwrap_or_else(|d| panic!("no edge table for the cotan Laplacian: {d}"));
    let mut tri = Intrinsic::euclidean(&mesh.faces, &edges, &geometry::face_edge_lengths(mesh))?;
    let zero = vec![0.0; n];
    tri.flip_to_delaunay(&zero)?;
    let lengths = tri.lengths(&zero);
    let corners = geometry::corner_barycentric_areas(&geometry::face_areas_from_lengths(&lengths));
    let mass = geometry::vertex_corner_sum(&tri.faces, n, &corners);
    let (ends, face_edges) = tri.edges();
    let layout = EdgeLayout::new(n, ends, &face_edges);
    Ok(Stiffness {
        mass,
        cotans: geometry::corner_cotans_from_lengths(&lengths),
        layout,
    })
}

impl Discretization for MeshDomain {
    fn planar(&self) -> bool {
        self.planar
    }

    fn nodes(&self) -> usize {
        self.mesh.vertices()
    }

    fn point(&self, k: usize) -> [f64; 3] {
        self.mesh.positions[k]
    }

    fn boundary(&self) -> &[bool] {
        &self.boundary
    }

    fn lumped_mass(&self) -> &[f64] {
        &self.mass
    }

    fn quadrature_weights(&self) -> &[f64] {
        &self.areas
    }

    fn gradients(&self, u: &[f64]) -> Vec<[f64; 2]> {
        self.mesh
            .faces
            .par_iter()
            .zip(&self.basis)
            .with_min_len(4096)
            .map(|(f, b)| {
                let mut g = [0.0; 2];
                for k in 0..3 {
                    g[0] += u[f[k]] * b[k][0];
                    g[1] += u[f[k]] * b[k][1];
                }
                g
            })
            .collect()
    }

    /// The vertex-edge layout: one entry per node, then one per edge.
    fn stiffness_pairs(&self) -> Vec<(usize, usize)> {
        self.layout.pairs()
    }

    /// # Panics
    /// On the intrinsic Delaunay triangulation, whose faces are not the quadrature points' (only
    /// [`Discretization::laplacian_entries`] is offered there; scenarios ask for it only with
    /// the flows that use no other stiffness).
    fn stiffness_entries(&self, a: &[f64], out: &mut [f64]) {
        assert_eq!(
            self.laplacian,
            Laplacian::Input,
            "a weighted stiffness on the intrinsic Delaunay triangulation"
        );
        self.layout.laplacian_entries_weighted(&self.cotans, a, out);
    }

    fn laplacian_entries(&self, out: &mut [f64]) {
        self.layout.laplacian_entries(&self.cotans, out);
    }

    /// The area-weighted mean over the triangles around the vertex.
    fn nodal_mean(&self, a: &[f64]) -> Vec<f64> {
        let n = self.nodes();
        let (mut sum, mut wsum) = (vec![0.0; n], vec![0.0; n]);
        for ((f, &area), &v) in self.mesh.faces.iter().zip(&self.areas).zip(a) {
            for &i in f {
                sum[i] += area * v;
                wsum[i] += area;
            }
        }
        sum.iter().zip(&wsum).map(|(s, w)| s / w).collect()
    }

    fn cells(&self) -> Cells {
        Cells::Triangles(self.mesh.faces.clone())
    }

    fn quadrature_points(&self) -> Vec<[f64; 3]> {
        let p = &self.mesh.positions;
        self.mesh
            .faces
            .iter()
            .map(|f| std::array::from_fn(|i| (p[f[0]][i] + p[f[1]][i] + p[f[2]][i]) / 3.0))
            .collect()
    }
}
