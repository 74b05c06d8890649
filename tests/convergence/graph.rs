use geoflow::convergence::{eoc, Level};
use geoflow::run::study;
use geoflow::scenario::Scenario;

/// The theoretical order in h of the graph schemes (second-order space, first-order time with
/// dt ~ h², or dt ~ h for solutions with a time-independent gradient).
const ORDER: f64 = 2.0;
/// Measured orders approach the theoretical one from below as the grid is refined; this is the
/// usual margin for "the order is 2" on the finest pair of a short study.
const MARGIN: f64 = 0.1;

pub(super) fn run(name: &str, levels: u32, set: &[&str]) -> Vec<Level> {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let s = Scenario::load(Some(name), &set).unwrap();
    let levels = study(&s, levels).unwrap();
    eprintln!("{name} {set:?}\n{}", geoflow::convergence::table(&levels));
    levels
}

pub(super) fn assert_order(name: &str, levels: &[Level]) {
    for (label, rates) in [
        ("L2", eoc(levels, |l| l.error_l2)),
        ("Linf", eoc(levels, |l| l.error_linf)),
    ] {
        let finest = *rates.last().unwrap();
        assert!(
            finest > ORDER - MARGIN && finest < ORDER + 0.5,
            "{name}: {label} EOC on the finest pair is {finest:.3}, expected {ORDER} (all: {rates:?})"
        );
        // Errors must fall at every refinement, not only at the end.
        assert!(
            rates.iter().all(|&r| r > 1.5),
            "{name}: {label} EOCs {rates:?}"
        );
    }
}

#[test]
fn graph_mcf_grim_reaper_is_second_order() {
    let levels = run("grim-reaper", 3, &[]);
    assert_order("grim-reaper", &levels);
    assert!(levels[2].error_linf < 1e-4, "{:e}", levels[2].error_linf);
}

#[test]
fn graph_mcf_rotated_grim_reaper_depends_on_x_and_y_and_is_second_order() {
    let levels = run("rotated-grim-reaper", 3, &[]);
    assert_order("rotated-grim-reaper", &levels);
}

#[test]
fn graph_mcf_grim_reaper_with_dt_proportional_to_h_is_still_second_order() {
    // The grim reaper's gradient does not change in time, so freezing Q costs nothing and the
    // backward Euler step is exact for u linear in t: any O(dt) error would show as order 1 here.
    let levels = run(
        "grim-reaper",
        4,
        &["convergence.dt_order=1", "time.dt=0.02"],
    );
    assert_order("grim-reaper dt~h", &levels);
}

#[test]
fn graph_area_translating_arc_is_second_order() {
    let levels = run("translating-arc", 3, &[]);
    assert_order("translating-arc", &levels);
}

#[test]
fn graph_area_spherical_cap_depends_on_x_and_y_and_is_second_order() {
    let levels = run("spherical-cap", 3, &[]);
    assert_order("spherical-cap", &levels);
}

#[test]
fn steady_state_converges_to_scherks_minimal_graph_at_second_order() {
    // Flat start, boundary data of Scherk's surface u = ln(cos y / cos x): the flow must reach the
    // discrete minimal graph (stopping on the steady-state tolerance, not on t_end), and that
    // graph must converge to Scherk's surface at order 2.
    let s = Scenario::load(Some("scherk-steady"), &[]).unwrap();
    let levels = study(&s, 3).unwrap();
    eprintln!("{}", geoflow::convergence::table(&levels));
    for l in &levels {
        let t_end_steps = (s.time.t_end.unwrap() / l.dt).round() as usize;
        assert!(
            l.steps < t_end_steps,
            "level {} did not reach the steady state",
            l.size
        );
    }
    assert_order("scherk-steady", &levels);
}

/// P1 elements: the H1 error is first order in h.
pub(super) fn assert_h1_first_order(name: &str, levels: &[Level]) {
    let rates = eoc(levels, |l| l.error_h1);
    let finest = *rates.last().unwrap();
    assert!(
        finest > 1.0 - MARGIN && finest < 1.5,
        "{name}: H1 EOC {rates:?}, expected 1"
    );
}

#[test]
fn p1_graph_mcf_on_an_unstructured_disk_is_second_order_in_l2_first_in_h1() {
    let levels = run("grim-reaper-disk", 3, &[]);
    assert_order("grim-reaper-disk", &levels);
    assert_h1_first_order("grim-reaper-disk", &levels);
}

#[test]
fn p1_graph_area_on_an_unstructured_disk_is_second_order_in_l2_first_in_h1() {
    let levels = run("spherical-cap-disk", 3, &[]);
    assert_order("spherical-cap-disk", &levels);
    assert_h1_first_order("spherical-cap-disk", &levels);
}

#[test]
fn p1_graph_mcf_on_jittered_unstructured_meshes_is_second_order_in_l2_first_in_h1() {
    // Every interior vertex of each level is moved by up to 0.2 h at random, so the levels are
    // unstructured and not nested. L2 (order 2) and H1 (order 1) are asserted; the max-norm error
    // depends on the worst triangle of each independently jittered level and is only printed.
    // dt ~ h is enough here: the grim reaper's gradient does not change in time.
    let levels = run(
        "grim-reaper-disk",
        4,
        &["mesh.jitter=0.2", "convergence.dt_order=1", "time.dt=0.02"],
    );
    let l2 = eoc(&levels, |l| l.error_l2);
    assert!(*l2.last().unwrap() > ORDER - MARGIN, "L2 EOCs {l2:?}");
    assert!(l2.iter().all(|&r| r > 1.5), "L2 EOCs {l2:?}");
    assert_h1_first_order("jittered grim-reaper-disk", &levels);
}
