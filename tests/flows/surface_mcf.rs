use crate::Record;
use geoflow::scenario::Scenario;
use geoflow::time::StepRecord;
use geoflow::{run, Error};

fn scenario(name: &str, set: &[String]) -> Scenario {
    Scenario::load(Some(name), set).unwrap()
}

fn diag(r: &StepRecord, name: &str) -> f64 {
    r.diagnostics.iter().find(|(n, _)| *n == name).unwrap().1
}

#[test]
fn a_sphere_shrinks_as_sqrt_r0_squared_minus_4t_at_second_order() {
    // Icosphere levels 2, 3, 4 with dt ~ h^2; the radius of the sphere with the mesh's area
    // against r(t) = sqrt(1 - 4t) at t = 0.1.
    let mut errors = Vec::new();
    for (level, dt) in [(2, 4e-3), (3, 1e-3), (4, 2.5e-4)] {
        let set = [
            format!("mesh.level={level}"),
            format!("time.dt={dt}"),
            "time.t_end=0.1".into(),
        ];
        let mut rec = Record::default();
        run::simulate(&scenario("shrinking-sphere", &set), &mut [&mut rec]).unwrap();
        let last = rec.0.last().unwrap();
        assert_eq!(last.time, 0.1);
        let err = (diag(last, "sphere_radius") - 0.6f64.sqrt()).abs();
        errors.push(err);
        // The area decreases at every step.
        assert!(rec.0.windows(2).all(|w| w[1].energy < w[0].energy));
    }
    let eoc: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    eprintln!("sphere radius errors {errors:?}, EOC in h {eoc:?}");
    assert!(errors[2] < 3e-4, "{errors:?}");
    assert!(
        eoc.iter().all(|&r| r > 1.9),
        "expected order 2 in h (dt ~ h^2): {eoc:?}"
    );
}

#[test]
fn conformalized_mcf_with_a_frozen_laplacian_also_shrinks_the_sphere_monotonically() {
    let set = [
        "surface.laplacian=frozen".to_string(),
        "mesh.level=3".into(),
        "time.t_end=0.1".into(),
    ];
    let mut rec = Record::default();
    run::simulate(&scenario("shrinking-sphere", &set), &mut [&mut rec]).unwrap();
    assert!(rec.0.windows(2).all(|w| w[1].energy < w[0].energy));
    let r = diag(rec.0.last().unwrap(), "sphere_radius");
    assert!((r - 0.6f64.sqrt()).abs() < 5e-3, "{r}");
}

#[test]
fn volume_normalization_keeps_the_enclosed_volume() {
    let set = [
        "surface.normalize=volume".to_string(),
        "mesh.level=3".into(),
        "time.steps=20".into(),
    ];
    let mut rec = Record::default();
    run::simulate(&scenario("shrinking-sphere", &set), &mut [&mut rec]).unwrap();
    let v0 = diag(&rec.0[0], "volume");
    for r in &rec.0 {
        assert!((diag(r, "volume") - v0).abs() < 1e-12 * v0);
    }
}

#[test]
fn the_dumbbell_neck_pinches_and_the_run_says_when_and_where() {
    let set = ["mesh.level=3".to_string(), "time.dt=5e-4".into()];
    let mut rec = Record::default();
    let err = run::simulate(&scenario("dumbbell", &set), &mut [&mut rec])
        .err()
        .expect("pinches");
    let Error::Numerical { step, time, msg } = &err else {
        panic!("{err}")
    };
    assert!(
        msg.contains("collapsed") && msg.contains("triangle"),
        "{err}"
    );
    assert!(*step > 10 && *time > 0.0 && *time < 0.5, "{err}");
    assert_eq!(
        rec.0.len(),
        *step,
        "every step before the collapse was reported"
    );
    eprintln!("{err}");
}

#[test]
fn the_extinction_time_tends_to_r0_squared_over_4_at_first_order_in_dt() {
    // r(t)^2 = r0^2 - 4t: from the radius at t = 0.2 the extinction time is t + r^2/4. Backward
    // Euler lags by O(dt), so the estimate must approach 1/4 at first order as dt halves.
    let mut errors = Vec::new();
    for dt in [4e-3, 2e-3, 1e-3] {
        let set = [
            "mesh.level=4".to_string(),
            format!("time.dt={dt}"),
            "time.t_end=0.2".into(),
        ];
        let fin = run::simulate(&scenario("shrinking-sphere", &set), &mut []).unwrap();
        let r = diag(&fin.last, "sphere_radius");
        errors.push((fin.last.time + r * r / 4.0 - 0.25).abs());
    }
    let eoc: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    eprintln!("extinction time errors {errors:?}, EOC in dt {eoc:?}");
    assert!(errors[2] < 2e-3, "{errors:?}");
    assert!(
        eoc.iter().all(|&r| r > 0.9 && r < 1.5),
        "expected order 1 in dt: {eoc:?}"
    );
}

#[test]
fn on_collapse_stop_ends_the_run_cleanly_at_the_last_valid_state() {
    let set = [
        "mesh.level=3".to_string(),
        "time.dt=5e-4".into(),
        "surface.on_collapse=stop".into(),
    ];
    let mut rec = Record::default();
    let fin = run::simulate(&scenario("dumbbell", &set), &mut [&mut rec]).unwrap();
    let geoflow::time::Stop::Collapse(msg) = &fin.stop else {
        panic!("{:?}", fin.stop)
    };
    assert!(msg.contains("triangle"), "{msg}");
    assert!(fin.last.time > 0.0 && fin.last.time < 0.5);
    assert_eq!(rec.0.last().unwrap().step, fin.last.step);
}
