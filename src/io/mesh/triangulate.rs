//! Polygon triangulation by ear clipping in the polygon's best-fit plane.
//!
//! A fan from the first vertex is wrong for non-convex polygons (its triangles overlap and some
//! are inverted); ear clipping is right for any simple polygon. The plane is the one through the
//! centroid with Newell's normal, which for a planar polygon is its exact normal and for a
//! slightly warped one is the least-squares-like normal every mesh tool uses; the winding of the
//! polygon around that normal is counter-clockwise by construction, so the output triangles keep
//! the polygon's orientation.

type V3 = [f64; 3];

fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// 2D orientation of (a, b, c): positive when counter-clockwise.
fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Triangulate the polygon `poly` (indices into `positions`, at least 4) and append its
/// triangles, in the polygon's winding, to `out`. Always appends `poly.len() - 2` triangles.
pub(super) fn ear_clip(positions: &[V3], poly: &[usize], out: &mut Vec<[usize; 3]>) {
    let n = poly.len();
    // Centroid and Newell normal.
    let mut c = [0.0; 3];
    for &v in poly {
        let p = positions[v];
        c = [c[0] + p[0], c[1] + p[1], c[2] + p[2]];
    }
    let c = c.map(|x| x / n as f64);
    let mut normal = [0.0; 3];
    for k in 0..n {
        let a = sub(positions[poly[k]], c);
        let b = sub(positions[poly[(k + 1) % n]], c);
        let x = cross(a, b);
        normal = [normal[0] + x[0], normal[1] + x[1], normal[2] + x[2]];
    }
    let len = dot(normal, normal).sqrt();
    if !(len > 0.0 && len.is_finite()) {
        // No plane (all collinear, or areas cancelling): a fan; the degenerate-face check that
        // follows reports it.
        for k in 1..n - 1 {
            out.push([poly[0], poly[k], poly[k + 1]]);
        }
        return;
    }
    let nz = normal.map(|x| x / len);
    // An axis not parallel to the normal gives the first in-plane direction.
    let axis = if nz[0].abs() < 0.6 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let u = {
        let u = cross(axis, nz);
        let l = dot(u, u).sqrt();
        u.map(|x| x / l)
    };
    let w = cross(nz, u);
    let p2: Vec<[f64; 2]> = poly
        .iter()
        .map(|&v| {
            let d = sub(positions[v], c);
            [dot(d, u), dot(d, w)]
        })
        .collect();

    // `live` holds positions in `poly` still in the polygon, in order.
    let mut live: Vec<usize> = (0..n).collect();
    let mut k = 0;
    while live.len() > 3 {
        let m = live.len();
        let mut chosen = None;
        let mut fallback = None;
        for step in 0..m {
            let i = (k + step) % m;
            let (a, b, cc) = (live[(i + m - 1) % m], live[i], live[(i + 1) % m]);
            let o = orient(p2[a], p2[b], p2[cc]);
            if o <= 0.0 {
                continue; // reflex or flat corner: not an ear
            }
            if fallback.is_none() {
                fallback = Some(i);
            }
            let blocked = live.iter().any(|&j| {
                j != a
                    && j != b
                    && j != cc
                    && orient(p2[a], p2[b], p2[j]) >= 0.0
                    && orient(p2[b], p2[cc], p2[j]) >= 0.0
                    && orient(p2[cc], p2[a], p2[j]) >= 0.0
            });
            if !blocked {
                chosen = Some(i);
                break;
            }
        }
        // A self-intersecting or degenerate polygon may have no proper ear: clip a convex corner
        // (or any corner) so the loop always ends; the degenerate-face check catches flat results.
        let i = chosen.or(fallback).unwrap_or(0);
        out.push([
            poly[live[(i + m - 1) % m]],
            poly[live[i]],
            poly[live[(i + 1) % m]],
        ]);
        live.remove(i);
        k = if i == 0 { 0 } else { i - 1 };
    }
    out.push([poly[live[0]], poly[live[1]], poly[live[2]]]);
}
