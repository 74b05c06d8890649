use crate::Record;
use geoflow::scenario::Scenario;
use geoflow::time::Stop;
use geoflow::{run, Error};

fn scenario(name: &str, set: &[&str]) -> Scenario {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    Scenario::load(Some(name), &set).unwrap()
}

fn energies(s: &Scenario) -> Vec<f64> {
    let mut rec = Record::default();
    run::simulate(s, &mut [&mut rec]).unwrap();
    rec.0.iter().map(|r| r.energy).collect()
}

fn assert_non_increasing(name: &str, e: &[f64]) {
    for (n, w) in e.windows(2).enumerate() {
        assert!(
            w[1] <= w[0] * (1.0 + 1e-14),
            "{name}: area rose at step {}: {:.17e} -> {:.17e}",
            n + 1,
            w[0],
            w[1]
        );
    }
    assert!(
        e.last().unwrap() < &e[0],
        "{name}: area did not decrease at all"
    );
}

#[test]
fn area_never_increases_even_with_a_hundredfold_time_step() {
    // scherk-like needs dt ~ 1e-3 for accuracy; take 100x that. Both forms, fixed boundary data.
    for flow in ["graph-mcf", "graph-area"] {
        let s = scenario(
            "scherk-like",
            &[&format!("flow={flow}"), "time.dt=0.1", "time.t_end=5"],
        );
        let e = energies(&s);
        assert_eq!(e.len(), 51);
        assert_non_increasing(flow, &e);
        // The bump flattens: the area tends to that of the flat square, 4.
        assert!(
            (e.last().unwrap() - 4.0).abs() < 1e-3,
            "{flow}: final area {}",
            e.last().unwrap()
        );
    }
    // P1 finite elements on an unstructured disk: the same proof, the same result.
    let s = scenario(
        "grim-reaper-disk",
        &[
            "boundary.u=-ln(cos(x))",
            "initial.u=-ln(cos(x)) + 0.3*cos(pi*hypot(x, y)/2.4)",
            "time.dt=0.5",
            "time.steps=40",
        ],
    );
    assert_non_increasing("graph-mcf on a disk mesh", &energies(&s));
    // Steep non-planar wire, large bumps, dt 250x the default.
    let e = energies(&scenario("default", &["time.dt=0.5", "time.t_end=20"]));
    assert_non_increasing("soap-film", &e);
}

#[test]
fn area_is_the_area_of_the_graph() {
    // A tilted plane u = 2x - 3y over [-1,1]x[-1,1] has area 4 sqrt(14), exactly in our discrete
    // area; under the flow it is a steady state (zero mean curvature) and must stay put.
    let s = scenario(
        "scherk-like",
        &[
            "initial.u=2*x - 3*y",
            "boundary.u=2*x - 3*y",
            "time.dt=0.05",
            "time.steps=4",
        ],
    );
    let e = energies(&s);
    for v in e {
        assert!((v - 4.0 * 14f64.sqrt()).abs() < 1e-12, "{v}");
    }
}

#[test]
fn the_run_ends_exactly_at_t_end_with_a_shortened_last_step() {
    let s = scenario("scherk-like", &["time.dt=0.03", "time.t_end=0.1"]);
    let mut rec = Record::default();
    let fin = run::simulate(&s, &mut [&mut rec]).unwrap();
    assert_eq!(fin.stop, Stop::EndTime);
    let times: Vec<f64> = rec.0.iter().map(|r| r.time).collect();
    assert_eq!(times.len(), 5);
    assert_eq!(*times.last().unwrap(), 0.1);
    assert!(
        (rec.0[4].dt - 0.01).abs() < 1e-15,
        "last dt {}",
        rec.0[4].dt
    );
    assert!(rec.0[1..4].iter().all(|r| r.dt == 0.03));
}

#[test]
fn steps_and_steady_state_stop_rules() {
    let fin = run::simulate(
        &scenario("scherk-like", &["time.steps=7", "time.t_end=100"]),
        &mut [],
    )
    .unwrap();
    assert_eq!((fin.stop, fin.last.step), (Stop::Steps, 7));
    let fin = run::simulate(&scenario("scherk-steady", &[]), &mut []).unwrap();
    assert_eq!(fin.stop, Stop::SteadyState);
    assert!(fin.last.rate < 1e-10);
}

#[test]
fn a_blow_up_is_reported_with_step_and_time() {
    // Dirichlet data that stop being real after t = 0.1: the step to t = 0.12 must fail cleanly.
    let s = scenario(
        "scherk-like",
        &[
            "boundary.u=sqrt(0.1 - t)",
            "initial.u=sqrt(0.1)",
            "time.dt=0.02",
        ],
    );
    let mut rec = Record::default();
    let err = run::simulate(&s, &mut [&mut rec]).err().expect("must fail");
    match err {
        Error::Numerical {
            step,
            time,
            ref msg,
        } => {
            assert_eq!(step, 6, "{err}");
            assert!((time - 0.12).abs() < 1e-12, "{err}");
            assert!(msg.contains("non-finite"), "{err}");
        }
        other => panic!("expected a numerical error, got {other}"),
    }
    assert_eq!(
        rec.0.len(),
        6,
        "the steps before the fault are all reported"
    );
}

#[test]
fn non_finite_initial_data_is_a_configuration_error() {
    let s = scenario("scherk-like", &["initial.u=ln(x)"]);
    let err = run::simulate(&s, &mut [])
        .err()
        .expect("must fail")
        .to_string();
    assert!(err.contains("initial.u") && err.contains("NaN"), "{err}");
}
