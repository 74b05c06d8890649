//! Generated meshes. Each generator returns a mesh that passes [`validate`](super::topology::validate):
//! no degenerate faces, manifold, consistently oriented. Closed surfaces are oriented with outward
//! normals (positive signed volume); planar ones have normals along `+z` (counter-clockwise seen
//! from above); open curved ones say which side their normals point to.
//!
//! Generators panic on parameters that cannot give a valid mesh (too few segments, non-positive
//! sizes); callers taking these from user input check them first.

use super::topology;
use super::TriMesh;
use nalgebra::Vector3;
use std::f64::consts::{PI, TAU};

/// The regular icosahedron inscribed in the unit sphere, faces outward.
fn icosahedron() -> TriMesh {
    let t = (1.0 + 5f64.sqrt()) / 2.0;
    let positions = [
        [-1.0, t, 0.0],
        [1.0, t, 0.0],
        [-1.0, -t, 0.0],
        [1.0, -t, 0.0],
        [0.0, -1.0, t],
        [0.0, 1.0, t],
        [0.0, -1.0, -t],
        [0.0, 1.0, -t],
        [t, 0.0, -1.0],
        [t, 0.0, 1.0],
        [-t, 0.0, -1.0],
        [-t, 0.0, 1.0],
    ]
    .map(|p| Vector3::from(p).normalize().into())
    .to_vec();
    let faces = vec![
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];
    TriMesh::new(positions, faces)
}

/// One 1-to-4 subdivision of a closed unit-sphere mesh, new (edge-midpoint) vertices projected to
/// the unit sphere. New vertex of edge `e` is `old_vertices + e`.
fn subdivide_sphere(mesh: &TriMesh) -> TriMesh {
    let edges = topology::edges(mesh).expect("subdivided icosahedron is manifold");
    let nv = mesh.positions.len();
    let mut positions = Vec::with_capacity(nv + edges.len());
    positions.extend_from_slice(&mesh.positions);
    positions.extend(edges.vertices.iter().map(|&[a, b]| -> [f64; 3] {
        let (p, q) = (mesh.positions[a], mesh.positions[b]);
        (Vector3::from(p) + Vector3::from(q)).normalize().into()
    }));
    let mut faces = Vec::with_capacity(4 * mesh.faces.len());
    for (&[a, b, c], fe) in mesh.faces.iter().zip(&edges.face_edges) {
        let [m_bc, m_ca, m_ab] = fe.map(|e| nv + e);
        faces.push([a, m_ab, m_ca]);
        faces.push([b, m_bc, m_ab]);
        faces.push([c, m_ca, m_bc]);
        faces.push([m_ab, m_bc, m_ca]);
    }
    TriMesh::new(positions, faces)
}

/// Icosphere: the icosahedron subdivided `level` times (each triangle into four, edge midpoints
/// projected to the sphere), centred at the origin, faces outward.
///
/// `10·4^level + 2` vertices, `20·4^level` faces, `30·4^level` edges; level 0 is the icosahedron
/// (12 vertices), level 8 has 655,362 vertices. Edge length ≈ `radius / 2^level` (within
/// about 25%); corner angles between 54° and 72°.
/// Vertex `i` of level `L` is vertex `i` of every finer level.
///
/// # Panics
/// If `radius` is not positive and finite.
pub fn icosphere(level: u32, radius: f64) -> TriMesh {
    assert!(
        radius > 0.0 && radius.is_finite(),
        "icosphere: radius must be positive, got {radius}"
    );
    let mut mesh = icosahedron();
    for _ in 0..level {
        mesh = subdivide_sphere(&mesh);
    }
    for p in &mut mesh.positions {
        *p = p.map(|x| x * radius);
    }
    mesh
}

/// Torus around the `z` axis: tube centre circle of radius `major_radius` in the `z = 0` plane,
/// tube radius `minor_radius`, faces outward. Vertex `i + n_major·j` sits at angle `2πi/n_major`
/// around the `z` axis and `2πj/n_minor` around the tube (`j = 0` on the outer equator):
/// `((R + r cos v) cos u, (R + r cos v) sin u, r sin v)`.
///
/// `n_major·n_minor` vertices, `2·n_major·n_minor` faces, genus 1.
///
/// # Panics
/// If `n_major < 3`, `n_minor < 3`, or not `0 < minor_radius < major_radius`.
pub fn torus(n_major: usize, n_minor: usize, major_radius: f64, minor_radius: f64) -> TriMesh {
    assert!(
        n_major >= 3 && n_minor >= 3,
        "torus: need at least 3 segments each way, got {n_major} x {n_minor}"
    );
    assert!(
        minor_radius > 0.0 && minor_radius < major_radius && major_radius.is_finite(),
        "torus: need 0 < minor radius < major radius, got {minor_radius}, {major_radius}"
    );
    let mut positions = Vec::with_capacity(n_major * n_minor);
    for j in 0..n_minor {
        let v = TAU * j as f64 / n_minor as f64;
        let rho = major_radius + minor_radius * v.cos();
        for i in 0..n_major {
            let u = TAU * i as f64 / n_major as f64;
            positions.push([rho * u.cos(), rho * u.sin(), minor_radius * v.sin()]);
        }
    }
    let id = |i: usize, j: usize| i % n_major + n_major * (j % n_minor);
    let mut faces = Vec::with_capacity(2 * n_major * n_minor);
    for j in 0..n_minor {
        for i in 0..n_major {
            // (∂/∂u × ∂/∂v) points outward, so (i,j) → (i+1,j) → (i+1,j+1) is counter-clockwise.
            faces.push([id(i, j), id(i + 1, j), id(i + 1, j + 1)]);
            faces.push([id(i, j), id(i + 1, j + 1), id(i, j + 1)]);
        }
    }
    TriMesh::new(positions, faces)
}

/// A ring of vertices around the `z` axis (or the origin of a planar disk): `n` consecutive
/// vertices from `start`, vertex `i` at angle `(i + offset)/n` turns, counter-clockwise seen from
/// `+z`.
#[derive(Clone, Copy)]
struct Ring {
    start: usize,
    n: usize,
    offset: f64,
}

/// Builds meshes ring by ring: rings of points at increasing angle, joined by triangle strips.
#[derive(Default)]
struct RingMesh {
    positions: Vec<[f64; 3]>,
    faces: Vec<[usize; 3]>,
}

impl RingMesh {
    /// Add a ring of `n` points, point `i` at `point(angle)` with `angle = 2π(i + offset)/n`.
    fn ring(&mut self, n: usize, offset: f64, point: impl Fn(f64) -> [f64; 3]) -> Ring {
        let start = self.positions.len();
        self.positions
            .extend((0..n).map(|i| point(TAU * (i as f64 + offset) / n as f64)));
        Ring { start, n, offset }
    }

    /// Add a single vertex (a pole or a disk centre).
    fn point(&mut self, p: [f64; 3]) -> usize {
        self.positions.push(p);
        self.positions.len() - 1
    }

    /// Join ring `a` to ring `b` with `a.n + b.n` triangles, oriented so that, with angles
    /// increasing counter-clockwise about an axis pointing from `a` towards `b`, normals point
    /// away from the axis (e.g. `a` below `b` on a surface of revolution about `+z`, normals
    /// outward). Starts from the vertex of `b` nearest in angle to `a`'s first, then repeatedly
    /// advances on the ring whose advance creates the shorter new edge (ties: the ring whose next
    /// vertex comes first in angle).
    fn strip(&mut self, a: Ring, b: Ring) {
        let ang_a = |i: usize| (i as f64 + a.offset) / a.n as f64;
        let ang_b = |j: isize| (j as f64 + b.offset) / b.n as f64;
        let j0 = (ang_a(0) * b.n as f64 - b.offset).round() as isize;
        let va = |i: usize| a.start + i % a.n;
        let vb = |j: isize| b.start + (j0 + j).rem_euclid(b.n as isize) as usize;
        let dist2 = |p: usize, q: usize| {
            let d = Vector3::from(self.positions[p]) - Vector3::from(self.positions[q]);
            d.dot(&d)
        };
        let mut faces = Vec::with_capacity(a.n + b.n);
        let (mut i, mut j) = (0usize, 0isize);
        while i < a.n || j < b.n as isize {
            let advance_a = if i == a.n {
                false
            } else if j == b.n as isize {
                true
            } else {
                let (da, db) = (dist2(va(i + 1), vb(j)), dist2(va(i), vb(j + 1)));
                da < db || (da == db && ang_a(i + 1) <= ang_b(j0 + j + 1))
            };
            if advance_a {
                faces.push([va(i), va(i + 1), vb(j)]);
                i += 1;
            } else {
                faces.push([va(i), vb(j + 1), vb(j)]);
                j += 1;
            }
        }
        self.faces.extend(faces);
    }

    /// Close ring `b` with a fan to `pole`, the pole on the `a` side of [`RingMesh::strip`].
    fn cap_before(&mut self, pole: usize, b: Ring) {
        for j in 0..b.n {
            self.faces
                .push([pole, b.start + (j + 1) % b.n, b.start + j]);
        }
    }

    /// Close ring `a` with a fan to `pole`, the pole on the `b` side of [`RingMesh::strip`].
    fn cap_after(&mut self, a: Ring, pole: usize) {
        for i in 0..a.n {
            self.faces
                .push([a.start + i, a.start + (i + 1) % a.n, pole]);
        }
    }

    fn finish(self) -> TriMesh {
        TriMesh::new(self.positions, self.faces)
    }
}

/// Latitude-longitude sphere centred at the origin, faces outward: `n_lat` bands between the
/// poles, `n_lon` vertices per latitude circle, triangles fanning into each pole.
///
/// `2 + (n_lat − 1)·n_lon` vertices (south pole first, then the circles from south to north, the
/// north pole last), `2·n_lon·(n_lat − 1)` faces.
///
/// # Panics
/// If `n_lat < 2`, `n_lon < 3`, or `radius` is not positive and finite.
pub fn uv_sphere(n_lat: usize, n_lon: usize, radius: f64) -> TriMesh {
    assert!(
        n_lat >= 2 && n_lon >= 3,
        "uv_sphere: need n_lat >= 2 and n_lon >= 3, got {n_lat}, {n_lon}"
    );
    assert!(
        radius > 0.0 && radius.is_finite(),
        "uv_sphere: radius must be positive, got {radius}"
    );
    let mut m = RingMesh::default();
    let south = m.point([0.0, 0.0, -radius]);
    let mut rings = Vec::with_capacity(n_lat - 1);
    for k in 1..n_lat {
        let theta = PI * k as f64 / n_lat as f64; // polar angle from the south pole
        let (r, z) = (radius * theta.sin(), -radius * theta.cos());
        rings.push(m.ring(n_lon, 0.0, |phi| [r * phi.cos(), r * phi.sin(), z]));
    }
    let north = m.point([0.0, 0.0, radius]);
    m.cap_before(south, rings[0]);
    for w in rings.windows(2) {
        m.strip(w[0], w[1]);
    }
    m.cap_after(rings[n_lat - 2], north);
    m.finish()
}

/// Ellipsoid `x²/a² + y²/b² + z²/c² = 1` with `axes = [a, b, c]`: [`icosphere`]`(level, 1)` scaled
/// along the axes, faces outward, same sizes as the icosphere.
///
/// # Panics
/// If an axis is not positive and finite.
pub fn ellipsoid(level: u32, axes: [f64; 3]) -> TriMesh {
    assert!(
        axes.iter().all(|a| *a > 0.0 && a.is_finite()),
        "ellipsoid: axes must be positive, got {axes:?}"
    );
    let mut mesh = icosphere(level, 1.0);
    for p in &mut mesh.positions {
        *p = [p[0] * axes[0], p[1] * axes[1], p[2] * axes[2]];
    }
    mesh
}

/// Star-shaped bumpy sphere: each vertex `d` of [`icosphere`]`(level, 1)` moved to radius
/// `1 + amplitude · sin(ω d_x) sin(ω d_y) sin(ω d_z)` along its direction, `ω = π · frequency`.
/// The bump function is smooth on the sphere and bounded by 1 in magnitude; at frequency 1 it
/// has one bump or dent per octant. Faces outward, same sizes as the icosphere.
///
/// # Panics
/// If `|amplitude| >= 1` (the radius could reach zero) or a parameter is not finite.
pub fn bumpy_sphere(level: u32, amplitude: f64, frequency: f64) -> TriMesh {
    assert!(
        amplitude.abs() < 1.0 && frequency.is_finite(),
        "bumpy_sphere: need |amplitude| < 1 and a finite frequency, got {amplitude}, {frequency}"
    );
    let w = PI * frequency;
    let mut mesh = icosphere(level, 1.0);
    for p in &mut mesh.positions {
        let r = 1.0 + amplitude * (w * p[0]).sin() * (w * p[1]).sin() * (w * p[2]).sin();
        *p = p.map(|x| x * r);
    }
    mesh
}

/// Profile of the [`dumbbell`]: `t ∈ [0, π]` ↦ `(r, z)`.
fn dumbbell_profile(t: f64) -> (f64, f64) {
    let c = t.cos();
    let neck = 1.0 - (1.0 - DUMBBELL_NECK) * (-(c / DUMBBELL_NECK_WIDTH).powi(2)).exp();
    (t.sin() * neck, -2.0 * c)
}

/// Neck radius of the [`dumbbell`] (at `z = 0`).
pub const DUMBBELL_NECK: f64 = 0.2;
const DUMBBELL_NECK_WIDTH: f64 = 0.25;

/// Closed surface of revolution about `z` from `z = −2` to `z = 2`: two lobes (widest radius
/// ≈ 0.866 at `z ≈ ±0.88`) joined by a thin neck of radius [`DUMBBELL_NECK`] `= 0.2` at `z = 0`,
/// the classic neck-pinch test for mean curvature flow. Profile, for `t ∈ [0, π]`, `c = cos t`:
/// `z = −2c`, `r = sin t · (1 − 0.8·exp(−(c/0.25)²))` (smooth, also at the poles).
///
/// Genus 0, faces outward. Meshed in rings evenly spaced in arc length along the profile, target
/// edge length `h = 2^-level`, each ring with `max(3, round(2πr/h))` vertices (staggered
/// half a step from ring to ring), so triangles are equally fine and well shaped everywhere,
/// including the neck (corner angles between about 40° and 92° from level 2 on); one ring lies on the neck circle and the poles are single vertices. About
/// `21 · 4^level` vertices (level 4: 5,470).
pub fn dumbbell(level: u32) -> TriMesh {
    let h = 1.0 / 2f64.powi(level as i32);
    // Arc length of the profile on a fine parameter grid.
    let samples = 4096usize.max((80.0 / h) as usize);
    let mut s = Vec::with_capacity(samples + 1);
    s.push(0.0);
    let mut prev = dumbbell_profile(0.0);
    for i in 1..=samples {
        let p = dumbbell_profile(PI * i as f64 / samples as f64);
        let ds = ((p.0 - prev.0).powi(2) + (p.1 - prev.1).powi(2)).sqrt();
        s.push(s[i - 1] + ds);
        prev = p;
    }
    let length = s[samples];
    // An even number of intervals puts a ring exactly on the neck, z = 0.
    let n_rings = 2 * ((length / (h * 3f64.sqrt())).round() as usize).max(1);
    let mut m = RingMesh::default();
    let south = m.point([0.0, 0.0, -2.0]);
    let mut rings = Vec::with_capacity(n_rings - 1);
    // Profile parameters of the rings: the lower half by arc length, the neck at t = π/2, the
    // upper half mirrored, so the mesh is symmetric under z -> -z (up to the stagger).
    let half = n_rings / 2;
    let mut ts = vec![0.0; n_rings + 1];
    let mut seg = 0;
    for k in 1..half {
        let target = length * k as f64 / n_rings as f64;
        while s[seg + 1] < target {
            seg += 1;
        }
        let frac = (target - s[seg]) / (s[seg + 1] - s[seg]);
        ts[k] = PI * (seg as f64 + frac) / samples as f64;
        ts[n_rings - k] = PI - ts[k];
    }
    ts[half] = PI / 2.0;
    for (k, &t) in ts.iter().enumerate().take(n_rings).skip(1) {
        let (r, z) = dumbbell_profile(t);
        let z = if k == half { 0.0 } else { z };
        let n = ((TAU * r / h).round() as usize).max(3);
        let offset = 0.5 * (k % 2) as f64;
        rings.push(m.ring(n, offset, |phi| [r * phi.cos(), r * phi.sin(), z]));
    }
    let north = m.point([0.0, 0.0, 2.0]);
    m.cap_before(south, rings[0]);
    for w in rings.windows(2) {
        m.strip(w[0], w[1]);
    }
    m.cap_after(rings[rings.len() - 1], north);
    m.finish()
}

/// Planar disk of radius `radius` centred at the origin in `z = 0`, normals `+z`: a centre vertex
/// and `n_rings` concentric circles, circle `k` of radius `k·radius/n_rings` carrying `6k`
/// vertices, joined by ring strips (a hexagonal pattern bent round; corner angles between about
/// 44° and 90°).
///
/// `1 + 3·n_rings·(n_rings + 1)` vertices (centre first, then the circles from the inside out,
/// each starting on the `+x` axis), `6·n_rings²` faces; the boundary is the last `6·n_rings`
/// vertices, on the circle.
///
/// # Panics
/// If `n_rings == 0` or `radius` is not positive and finite.
pub fn disk(n_rings: usize, radius: f64) -> TriMesh {
    assert!(n_rings >= 1, "disk: need at least one ring");
    assert!(
        radius > 0.0 && radius.is_finite(),
        "disk: radius must be positive, got {radius}"
    );
    let mut m = RingMesh::default();
    let centre = m.point([0.0; 3]);
    let rings: Vec<Ring> = (1..=n_rings)
        .map(|k| {
            let r = radius * k as f64 / n_rings as f64;
            m.ring(6 * k, 0.0, |phi| [r * phi.cos(), r * phi.sin(), 0.0])
        })
        .collect();
    // Seen from +z, the centre plays the pole "after" the rings (like the top of a hemisphere).
    m.cap_after(rings[0], centre);
    for w in rings.windows(2) {
        m.strip(w[1], w[0]);
    }
    m.finish()
}

/// Planar rectangle `[x0, x1] × [y0, y1]` in `z = 0`, normals `+z`: an `n × n` grid of cells,
/// each split into two right triangles by its diagonal from `(x_i, y_j)` to `(x_{i+1}, y_{j+1})`
/// (all diagonals parallel, so the cotan Laplacian on a square grid is the 5-point stencil).
///
/// Vertex `i + (n+1)·j` is at `(x0 + i·hx, y0 + j·hy)`; `(n+1)²` vertices, `2n²` faces.
///
/// # Panics
/// If `n == 0` or a range is empty or not finite.
pub fn square(n: usize, x: [f64; 2], y: [f64; 2]) -> TriMesh {
    assert!(n >= 1, "square: need at least one cell");
    assert!(
        x[1] > x[0] && y[1] > y[0] && x.iter().chain(&y).all(|v| v.is_finite()),
        "square: empty or non-finite ranges {x:?} x {y:?}"
    );
    let mut positions = Vec::with_capacity((n + 1) * (n + 1));
    for j in 0..=n {
        let yj = y[0] + (y[1] - y[0]) * j as f64 / n as f64;
        for i in 0..=n {
            positions.push([x[0] + (x[1] - x[0]) * i as f64 / n as f64, yj, 0.0]);
        }
    }
    let id = |i: usize, j: usize| i + (n + 1) * j;
    let mut faces = Vec::with_capacity(2 * n * n);
    for j in 0..n {
        for i in 0..n {
            faces.push([id(i, j), id(i + 1, j), id(i + 1, j + 1)]);
            faces.push([id(i, j), id(i + 1, j + 1), id(i, j + 1)]);
        }
    }
    TriMesh::new(positions, faces)
}

/// Upper hemisphere `z ≥ 0` of the sphere of radius `radius`, normals outward (away from the
/// centre), open with its boundary on the equator `z = 0`.
///
/// The north pole (vertex 0) and `m = 2^(level+1)` latitude circles evenly spaced in polar angle,
/// circle `k` carrying `max(3, round(2π sin θ_k / Δθ))` vertices (about `6k` near the pole),
/// `Δθ = π/(2m)`, staggered half a step from circle to circle: edge length ≈ `radius·Δθ`, corner
/// angles between about 41° and 92°. The last circle is the equator. Level 0 has 15 vertices, level 5 about
/// 10⁴. Euler characteristic 1, one boundary loop.
///
/// # Panics
/// If `radius` is not positive and finite.
pub fn hemisphere(level: u32, radius: f64) -> TriMesh {
    assert!(
        radius > 0.0 && radius.is_finite(),
        "hemisphere: radius must be positive, got {radius}"
    );
    let m_rings = 2usize << level;
    let dtheta = PI / 2.0 / m_rings as f64;
    let mut m = RingMesh::default();
    let pole = m.point([0.0, 0.0, radius]);
    let rings: Vec<Ring> = (1..=m_rings)
        .map(|k| {
            let theta = dtheta * k as f64;
            let (r, z) = if k == m_rings {
                (radius, 0.0)
            } else {
                (radius * theta.sin(), radius * theta.cos())
            };
            let n = ((TAU * theta.sin() / dtheta).round() as usize).max(3);
            m.ring(n, 0.5 * (k % 2) as f64, |phi| {
                [r * phi.cos(), r * phi.sin(), z]
            })
        })
        .collect();
    m.cap_after(rings[0], pole);
    for w in rings.windows(2) {
        m.strip(w[1], w[0]);
    }
    m.finish()
}

/// Band of the catenoid `r = a cosh(z/a)` about the `z` axis between `z = −height/2` and
/// `z = height/2` (a minimal surface; `a` is the neck radius), normals pointing away from the
/// axis. Open, two boundary circles, Euler characteristic 0.
///
/// `n_height + 1` circles evenly spaced in `z`, each with `n_around` vertices, staggered half a
/// step from circle to circle; vertex `i + n_around·j` is on circle `j` (from the bottom).
/// `n_around·(n_height + 1)` vertices, `2·n_around·n_height` faces.
///
/// # Panics
/// If `n_around < 3`, `n_height == 0`, or `a` or `height` is not positive and finite.
pub fn catenoid_band(n_around: usize, n_height: usize, a: f64, height: f64) -> TriMesh {
    assert!(
        n_around >= 3 && n_height >= 1,
        "catenoid_band: need n_around >= 3 and n_height >= 1, got {n_around}, {n_height}"
    );
    assert!(
        a > 0.0 && a.is_finite() && height > 0.0 && height.is_finite(),
        "catenoid_band: a and height must be positive, got {a}, {height}"
    );
    let mut m = RingMesh::default();
    let rings: Vec<Ring> = (0..=n_height)
        .map(|j| {
            let z = height * (j as f64 / n_height as f64 - 0.5);
            let r = a * (z / a).cosh();
            m.ring(n_around, 0.5 * (j % 2) as f64, |phi| {
                [r * phi.cos(), r * phi.sin(), z]
            })
        })
        .collect();
    for w in rings.windows(2) {
        m.strip(w[0], w[1]);
    }
    m.finish()
}
