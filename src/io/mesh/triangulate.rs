//! Polygon triangulation by ear clipping in the polygon's best-fit plane.
//!
//! A fan from the first vertex is wrong for non-convex polygons (its triangles overlap and some
//! are inverted); ear clipping is right for any simple polygon. The plane is the one through the
//! centroid with Newell's normal, which for a planar polygon is its exact normal and for a
//! slightly warped one is the least-squares-like normal every mesh tool uses; the winding of the
//! polygon around that normal is counter-clockwise by construction, so the output triangles keep
//! the polygon's orientation.

use crate::geometry::orient2d as orient;
use nalgebra::Vector3;

/// Triangulate the polygon `poly` (indices into `positions`, at least 4) and append its
/// triangles, in the polygon's winding, to `out`. Always appends `poly.len() - 2` triangles.
pub(super) fn ear_clip(positions: &[[f64; 3]], poly: &[usize], out: &mut Vec<[usize; 3]>) {
    let n = poly.len();
    let at = |k: usize| Vector3::from(positions[poly[k]]);
    // Centroid and Newell normal.
    let mut c = Vector3::zeros();
    for k in 0..n {
        c += at(k);
    }
    let c = c / n as f64;
    let mut normal = Vector3::zeros();
    for k in 0..n {
        normal += (at(k) - c).cross(&(at((k + 1) % n) - c));
    }
    let len = normal.norm();
    if !(len > 0.0 && len.is_finite()) {
        // No plane (all collinear, or areas cancelling): a fan; the degenerate-face check that
        // follows reports it.
        for k in 1..n - 1 {
            out.push([poly[0], poly[k], poly[k + 1]]);
        }
        return;
    }
    let nz = normal / len;
    // An axis not parallel to the normal gives the first in-plane direction.
    let axis = if nz[0].abs() < 0.6 {
        Vector3::x()
    } else {
        Vector3::y()
    };
    let u = axis.cross(&nz).normalize();
    let w = nz.cross(&u);
    let p2: Vec<[f64; 2]> = (0..n)
        .map(|k| {
            let d = at(k) - c;
            [d.dot(&u), d.dot(&w)]
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
