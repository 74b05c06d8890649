//! Tests of the `geometry` layer: identities of the cotan Laplacian and the masses, exact values
//! on known triangles and grids, discrete Gauss–Bonnet on several topologies, and convergence of
//! the curvatures on icospheres, layouts of flat metrics, Möbius centering, the intrinsic
//! Delaunay Laplacian.

#[path = "operators/curvature.rs"]
mod curvature;
#[path = "operators/exact.rs"]
mod exact;
#[path = "operators/identities.rs"]
mod identities;
#[path = "operators/intrinsic_delaunay.rs"]
mod intrinsic_delaunay;
#[path = "operators/layout.rs"]
mod layout;
#[path = "operators/mass.rs"]
mod mass;
#[path = "operators/mobius.rs"]
mod mobius;
#[path = "operators/timing.rs"]
mod timing;

use geoflow::mesh::TriMesh;
use std::collections::HashMap;

/// Deterministic uniform numbers in `[-1, 1)` (SplitMix64), so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    pub fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.uniform()).collect()
    }
}

/// Every vertex moved by a random vector with components in `[-amplitude, amplitude)`.
pub fn perturbed(mesh: &TriMesh, amplitude: f64, seed: u64) -> TriMesh {
    let mut rng = Rng::new(seed);
    let positions = mesh
        .positions
        .iter()
        .map(|p| p.map(|x| x + amplitude * rng.uniform()))
        .collect();
    TriMesh::new(positions, mesh.faces.clone())
}

/// Mean edge length.
pub fn mean_edge_length(mesh: &TriMesh) -> f64 {
    let l = geoflow::geometry::face_edge_lengths(mesh);
    l.iter().flatten().sum::<f64>() / (3 * l.len()) as f64
}

/// The surface of a polycube of genus 2: a 3 × 5 × 1 slab of unit cubes with the cubes at
/// `(1, 1)` and `(1, 3)` removed, each exposed unit square split into two triangles, faces
/// outward. Encloses volume 13; `χ = −2`.
pub fn polycube_genus2() -> TriMesh {
    let filled = |x: i64, y: i64, z: i64| {
        (0..3).contains(&x) && (0..5).contains(&y) && z == 0 && !(x == 1 && (y == 1 || y == 3))
    };
    let mut index: HashMap<[i64; 3], usize> = HashMap::new();
    let mut positions = Vec::new();
    let mut vertex = |p: [i64; 3]| {
        *index.entry(p).or_insert_with(|| {
            positions.push(p.map(|c| c as f64));
            positions.len() - 1
        })
    };
    let mut faces = Vec::new();
    for x in -1..4 {
        for y in -1..6 {
            for z in -1..2 {
                if !filled(x, y, z) {
                    continue;
                }
                let v = [x, y, z];
                for a in 0..3 {
                    for s in [-1i64, 1] {
                        let mut nb = v;
                        nb[a] += s;
                        if filled(nb[0], nb[1], nb[2]) {
                            continue;
                        }
                        // The square at v + [s > 0] e_a spanned by e_b, e_c (b, c cyclic after
                        // a): (e_b × e_c) = e_a, so p0 p1 p2 p3 is counter-clockwise seen from +a.
                        let (b, c) = ((a + 1) % 3, (a + 2) % 3);
                        let mut p0 = v;
                        p0[a] += (s > 0) as i64;
                        let mut p1 = p0;
                        p1[b] += 1;
                        let mut p2 = p1;
                        p2[c] += 1;
                        let mut p3 = p0;
                        p3[c] += 1;
                        let mut q = [p0, p1, p2, p3].map(&mut vertex);
                        if s < 0 {
                            q.reverse();
                        }
                        faces.push([q[0], q[1], q[2]]);
                        faces.push([q[0], q[2], q[3]]);
                    }
                }
            }
        }
    }
    TriMesh::new(positions, faces)
}

/// Neumaier-compensated sum, so the test measures the operator and not the summation.
pub fn compensated_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for v in values {
        let t = s + v;
        c += if s.abs() >= v.abs() {
            (s - t) + v
        } else {
            (v - t) + s
        };
        s = t;
    }
    s + c
}

pub fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
