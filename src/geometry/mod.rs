//! Discrete differential operators on triangle meshes: measures, cotangent weights and the cotan
//! Laplacian, lumped and consistent mass, mean and Gaussian curvature; layouts of flat metrics in
//! the plane ([`layout`]) and Möbius centering of maps into the sphere ([`mobius`]).
//!
//! Every quantity is a free function named after the element it lives on (`face_areas`,
//! `corner_cotans`, `vertex_lumped_mass_voronoi`, …), each formula written once. Functions that
//! only need intrinsic geometry also come as `_from_lengths` variants taking per-face edge
//! lengths ([`face_edge_lengths`]), for flows that evolve lengths rather than positions (Ricci
//! flow). Per-face and per-edge loops run in parallel (rayon); scatters onto vertices are
//! sequential.
//!
//! # Conventions
//! - **Faces and corners.** Faces are counter-clockwise, outward for closed surfaces. Corner `k`
//!   of face `f = [a, b, c]` is the vertex `f[k]`; *edge `k`* is the edge opposite corner `k`,
//!   joining `f[k+1]` and `f[k+2]` (mod 3). Per-face data of type `[f64; 3]` (edge lengths, corner
//!   angles, corner cotangents, corner areas) is indexed this way, so `cot θ[f][k]` is the
//!   cotangent of the angle at corner `k`, the angle *opposite edge `k`*.
//! - **The Laplacian `L` is the weak, positive semi-definite operator**
//!   `uᵀ L v = ∫ ∇u_h · ∇v_h` of continuous piecewise-linear (P1) functions:
//!   `L_ij = −½ (cot α_ij + cot β_ij)` for an edge `ij` with opposite angles `α_ij, β_ij` (one of
//!   them on a boundary edge), `L_ii = −Σ_{j≠i} L_ij`, so `(L u)_i = Σ_j ½(cot α_ij + cot β_ij)
//!   (u_i − u_j)` and `L 1 = 0`. It approximates `−M Δ_S`. Every implicit system is therefore
//!   `M + dt·L`, symmetric positive definite. (libigl's `cotmatrix` is `−L`.)
//! - **Mass.** The lumped mass is a `Vec<f64>` per vertex: barycentric (`Σ A_f/3`) or mixed
//!   Voronoi (Meyer et al. 2003). The consistent P1 mass `∫ φ_i φ_j` lives on the same
//!   vertex-edge layout as `L`.
//! - **Pattern form.** An [`EdgeLayout`] (built once from the edge table) gives one
//!   `(row, col)` pair per vertex and one per edge (see [below](#vertex-edge-layout)); its
//!   [`laplacian_entries`](EdgeLayout::laplacian_entries),
//!   [`laplacian_entries_weighted`](EdgeLayout::laplacian_entries_weighted),
//!   [`consistent_mass_entries`](EdgeLayout::consistent_mass_entries) and
//!   [`lumped_mass_entries`] fill values in that same order. A flow builds the layout,
//!   `Pattern::new(n, &pairs)` and its symbolic factorization once, and per step computes
//!   `entries = mass + dt·stiffness` and refills. Products with these matrices are
//!   [`sym_matvec`](crate::linalg::sym_matvec) on the same `(pairs, entries)`.
//! - **Mean curvature** is `H = (κ₁ + κ₂)/2` with respect to the outward normal `n`, so
//!   `Δ_S x = −2H n` and the [`mean_curvature_normal`] is `H n ≈ (L X)_i / (2 A_i)`. A sphere of
//!   radius `r` has `H = 1/r > 0` and `Hn` pointing outward. Mean curvature flow (the area
//!   gradient flow) `x_t = Δ_S x = −2H n` reads `M x_t = −L x`; a sphere shrinks as
//!   `r² = r₀² − 4t`.
//! - **Gaussian curvature** is the angle defect `2π − Σ θ` (`π − Σ θ` on boundary vertices) over
//!   the mixed Voronoi area; `Σ_i (2π − Σ θ) = 2π χ` exactly (discrete Gauss–Bonnet).
//! - **Vectors.** Positions are stored as `[f64; 3]` (meshes, frames, files); vector arithmetic
//!   uses nalgebra's `Vector3<f64>`, converted at the point of use (`Vector3::from(p)`,
//!   `.into()`: the same layout, so free). A unit vector is `a * (1.0 / a.norm())` here, not
//!   `a.normalize()` (which divides each component: other rounding).
//! - **Degenerate faces** give non-finite cotangents and normals; nothing is clamped silently.
//!   [`SpdSolver::refill`](crate::linalg::SpdSolver::refill) reports non-finite values.
//!
//! # Vertex-edge layout
//! [`EdgeLayout::pairs`] lists `n + |E|` `(row, col)` pairs, in this order:
//!
//! | entry      | `0 … n−1`          | `n + e`                          |
//! |------------|--------------------|----------------------------------|
//! | pair       | `(i, i)`           | `(a, b)` for edge `e = [a, b]`   |
//! | meaning    | vertex `i`         | edge `e`                         |
//!
//! The edges of a mesh are those of its [`topology::edges`] table ([`EdgeLayout::of_mesh`]:
//! `[a, b]` with `a < b`, sorted), those of an intrinsic triangulation its own
//! ([`EdgeLayout::new`]; self-loops get `0`, several edges with the same ends are summed by
//! [`Pattern::new`]). On a mesh no pair repeats: a third of the six entries per face a
//! face-by-face assembly lists (each interior edge twice, each vertex once per incident face).
//! Every operator (stiffness, consistent mass, lumped mass on the diagonal) fills values in this
//! order, each entry gathered from the faces around it (in parallel, in a fixed order), so one
//! [`Pattern`] serves `M + dt·L` and is refilled every step without re-sorting:
//!
//! ```
//! use geoflow::geometry as g;
//! use geoflow::linalg::{Pattern, SpdSolver};
//! let mesh = geoflow::mesh::shapes::icosphere(2, 1.0);
//! let layout = g::EdgeLayout::of_mesh(&mesh); // connectivity: once
//! let pattern = Pattern::new(mesh.vertices(), &layout.pairs());
//! let mut solver = SpdSolver::new(pattern).unwrap(); // symbolic analysis, once
//! let (mut stiffness, mut entries) = (vec![0.0; layout.len()], vec![0.0; layout.len()]);
//! // Every step: M + dt·L from the current geometry, same pattern.
//! let dt = 1e-3;
//! g::lumped_mass_entries(&g::vertex_lumped_mass_voronoi(&mesh), &mut entries);
//! layout.laplacian_entries(&g::corner_cotans(&mesh), &mut stiffness);
//! entries.iter_mut().zip(&stiffness).for_each(|(e, s)| *e += dt * s);
//! solver.factor(&entries).unwrap();
//! ```
//!
//! [`Pattern`]: crate::linalg::Pattern
//! [`Pattern::new`]: crate::linalg::Pattern::new
//! [`topology::edges`]: crate::mesh::topology::edges
//!
//! # References
//! - U. Pinkall, K. Polthier, *Computing discrete minimal surfaces and their conjugates*,
//!   Experimental Mathematics 2(1), 1993 — the cotan formula.
//! - M. Meyer, M. Desbrun, P. Schröder, A. H. Barr, *Discrete differential-geometry operators for
//!   triangulated 2-manifolds*, VisMath 2002 / Springer 2003 — mixed Voronoi areas, the mean
//!   curvature normal, angle-defect Gaussian curvature.
//! - W. Kahan, *Miscalculating area and angles of a needle-like triangle*, 2014 — stable Heron.
//! - G. Thürmer, C. A. Wüthrich, *Computing vertex normals from polygonal facets*, JGT 3(1), 1998.

mod cotan;
mod curvature;
pub mod layout;
pub mod lobachevsky;
mod mass;
mod measures;
pub mod mobius;

pub use cotan::{
    corner_cotans, corner_cotans_from_lengths, cotan_laplacian, edge_weights, EdgeLayout,
};
pub use curvature::{
    mean_curvature_normal, vertex_angle_defects, vertex_angle_defects_from_angles,
    vertex_angle_defects_from_lengths, vertex_boundary_mask, vertex_gaussian_curvature,
    vertex_mean_curvature,
};
pub use layout::{
    corner_layout, halfedge_corner_layout, planar_layout, torus_modulus, CornerLayout,
};
pub use mass::{
    consistent_mass, corner_barycentric_areas, corner_voronoi_areas,
    corner_voronoi_areas_from_lengths, lumped_mass_entries, vertex_lumped_mass_barycentric,
    vertex_lumped_mass_voronoi, vertex_lumped_mass_voronoi_from_lengths,
};
pub use measures::{
    corner_angles, corner_angles_from_lengths, enclosed_volume, face_areas,
    face_areas_from_lengths, face_edge_lengths, face_normals, orient2d, quasi_conformal_distortion,
    total_area, triangle_area_from_lengths, triangle_in_plane, vertex_corner_sum, vertex_normals,
};
pub use mobius::{mobius_center, Centering, NotCentered};

/// Minimum number of faces (or vertices) per rayon task: below this, splitting costs more than
/// the arithmetic it parallelizes.
const MIN_FACES_PER_TASK: usize = 4096;
