use super::graph::{assert_h1_first_order, assert_order, run};
use geoflow::convergence::eoc;
use geoflow::run::study;
use geoflow::scenario::{DomainSpec, MeshSpec, Scenario, ShapeKind};

#[test]
fn harmonic_map_into_a_great_circle_of_s2_is_second_order_from_a_scenario() {
    // u = (cos φ, sin φ, 0) with φ = e^{-2t} sin x sin y, through the scenario machinery.
    let levels = run("great-circle", 3, &[]);
    assert_order("great-circle", &levels);
    assert_h1_first_order("great-circle", &levels);
    assert!(levels[2].error_linf < 5e-4, "{:e}", levels[2].error_linf);
}

#[test]
fn harmonic_map_into_a_great_circle_on_jittered_triangulations_is_second_order_in_l2() {
    // The same exact solution on unstructured, non-nested P1 meshes of the square.
    let mut s = Scenario::load(Some("great-circle"), &[]).unwrap();
    s.domain = DomainSpec::Mesh(MeshSpec {
        generate: Some(ShapeKind::Square),
        n: Some(8),
        x: Some(vec![0.0, std::f64::consts::PI]),
        y: Some(vec![0.0, std::f64::consts::PI]),
        jitter: Some(0.2),
        ..MeshSpec::default()
    });
    let levels = study(&s, 3).unwrap();
    eprintln!("{}", geoflow::convergence::table(&levels));
    let l2 = eoc(&levels, |l| l.error_l2);
    assert!(
        l2.iter().all(|&r| r > 1.9) && l2.iter().all(|&r| r < 2.5),
        "L2 EOC {l2:?}"
    );
    assert_h1_first_order("great-circle on a jittered mesh", &levels);
}

#[test]
fn harmonic_map_into_a_torus_along_a_geodesic_is_second_order() {
    // u = g(φ) with g the meridian geodesic of the torus R = 2, r = 1: a curved target reached
    // through its closest-point projection and tangent basis.
    let levels = run("torus-meridian", 3, &[]);
    assert_order("torus-meridian", &levels);
    assert_h1_first_order("torus-meridian", &levels);
}
