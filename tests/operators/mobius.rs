//! Möbius centering of maps into the sphere: an off-centre map is centred to the tolerance and
//! stays on the sphere; a map that cannot be centred says so with its residual.

use geoflow::geometry::mobius::{MOBIUS_MAX_ITERATIONS, MOBIUS_TOLERANCE};
use geoflow::geometry::{mobius_center, vertex_lumped_mass_barycentric, NotCentered};
use geoflow::mesh::shapes::icosphere;

fn centre(u: &[[f64; 3]], mass: &[f64]) -> [f64; 3] {
    let total: f64 = mass.iter().sum();
    let mut c = [0.0; 3];
    for (p, m) in u.iter().zip(mass) {
        for k in 0..3 {
            c[k] += m * p[k] / total;
        }
    }
    c
}

#[test]
fn an_off_centre_map_is_centred_and_stays_on_the_sphere() {
    let mesh = icosphere(3, 1.0);
    let mass = vertex_lumped_mass_barycentric(&mesh);
    // Pushed towards a point by the Möbius map that sends a to the origin, a = −(0.3, 0.2, 0.5).
    let a = [-0.3, -0.2, -0.5];
    let a2: f64 = a.iter().map(|x| x * x).sum();
    let mut u: Vec<[f64; 3]> = mesh
        .positions
        .iter()
        .map(|&x| {
            let d: [f64; 3] = std::array::from_fn(|k| x[k] - a[k]);
            let dd: f64 = d.iter().map(|v| v * v).sum();
            let ax: f64 = (0..3).map(|k| a[k] * x[k]).sum();
            let den = 1.0 - 2.0 * ax + a2;
            std::array::from_fn(|k| ((1.0 - a2) * d[k] - dd * a[k]) / den)
        })
        .collect();
    let before = centre(&u, &mass);
    assert!(before.iter().map(|c| c * c).sum::<f64>().sqrt() > 0.3);
    let done = mobius_center(&mut u, &mass).expect("centred");
    eprintln!("{done:?}");
    assert!(done.iterations > 0 && done.iterations < MOBIUS_MAX_ITERATIONS);
    assert!(done.residual < MOBIUS_TOLERANCE);
    let after = centre(&u, &mass);
    assert!(after.iter().map(|c| c * c).sum::<f64>().sqrt() < MOBIUS_TOLERANCE);
    assert!(u
        .iter()
        .all(|p| ((p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() - 1.0).abs() < 1e-14));
    // Centred already: nothing to do.
    let again = mobius_center(&mut u, &mass).unwrap();
    assert_eq!(again.iterations, 0);
}

#[test]
fn a_map_that_cannot_be_centred_is_reported_with_its_residual() {
    let mesh = icosphere(1, 1.0);
    let mass = vertex_lumped_mass_barycentric(&mesh);
    // A constant map is a fixed point of every centering step.
    let mut u = vec![[0.0, 0.0, 1.0]; mesh.vertices()];
    let err = mobius_center(&mut u, &mass).unwrap_err();
    assert_eq!(err.iterations, MOBIUS_MAX_ITERATIONS);
    assert!((err.residual - 1.0).abs() < 1e-12, "{err:?}");
    assert!(err.to_string().contains("did not converge"), "{err}");
    // Non-finite input stops at once.
    let mut u = mesh.positions.clone();
    u[3] = [f64::NAN, 0.0, 1.0];
    let NotCentered {
        iterations,
        residual,
    } = mobius_center(&mut u, &mass).unwrap_err();
    assert_eq!(iterations, 0);
    assert!(residual.is_nan());
}
