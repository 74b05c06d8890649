use super::graph::{assert_order, run};

#[test]
fn harmonic_map_into_a_great_circle_of_s2_is_second_order_from_a_scenario() {
    // u = (cos φ, sin φ, 0) with φ = e^{-2t} sin x sin y, through the scenario machinery.
    let levels = run("great-circle", 3, &[]);
    assert_order("great-circle", &levels);
    assert!(levels[2].error_linf < 5e-4, "{:e}", levels[2].error_linf);
}
