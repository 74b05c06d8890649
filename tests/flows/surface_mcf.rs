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

#[test]
fn a_sphere_past_its_extinction_time_stops_before_any_degenerate_frame() {
    // r0 = 1 vanishes at t = 1/4; asked to run to t = 1, the flow must stop at the extinction
    // with every recorded state a proper sphere (no face below the thresholds).
    let set = [
        "mesh.level=3".to_string(),
        "time.dt=1e-3".into(),
        "time.t_end=1".into(),
        "surface.on_collapse=stop".into(),
    ];
    let mut rec = Record::default();
    let fin = run::simulate(&scenario("shrinking-sphere", &set), &mut [&mut rec]).unwrap();
    let geoflow::time::Stop::Collapse(msg) = &fin.stop else {
        panic!("{:?}", fin.stop)
    };
    assert!(msg.contains("shrank to a point"), "{msg}");
    // It stops within a few steps of the exact extinction time, and not before it.
    assert!((0.25..0.26).contains(&fin.last.time), "{}", fin.last.time);
    let area0 = rec.0[0].energy;
    for r in &rec.0 {
        assert!(diag(r, "min_angle_deg") > 30.0, "step {}", r.step);
        assert!(
            r.energy >= 1e-6 * area0,
            "step {}: area {}",
            r.step,
            r.energy
        );
    }
    // Without `stop` the run fails, saying where the thresholds are.
    let set = [
        "mesh.level=3".to_string(),
        "time.dt=1e-3".into(),
        "time.t_end=1".into(),
    ];
    let err = run::simulate(&scenario("shrinking-sphere", &set), &mut [])
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("shrank to a point") && err.contains("surface.min_relative_area = 1e-6"),
        "{err}"
    );
}

#[test]
fn an_input_with_slivers_runs_with_the_threshold_at_half_its_smallest_angle() {
    // The bumpy sphere with one vertex pulled onto the opposite edge of a face: its smallest
    // angle drops below the 0.5° threshold. It still runs (a warning names the key), and a
    // threshold above its face areas is refused at once, naming that key.
    let s = scenario("bumpy-sphere", &[]);
    let mut mesh = run::scenario_mesh(&s, &mut |_| {}).unwrap();
    let [a, b, c] = mesh.faces[0];
    let (pb, pc) = (mesh.positions[b], mesh.positions[c]);
    let mid: [f64; 3] = std::array::from_fn(|i| 0.5 * (pb[i] + pc[i]));
    let pa = mesh.positions[a];
    mesh.positions[a] = std::array::from_fn(|i| mid[i] + 0.003 * (pa[i] - mid[i]));
    let smallest = geoflow::geometry::corner_angles(&mesh)
        .iter()
        .flatten()
        .fold(f64::INFINITY, |m, &x| m.min(x))
        .to_degrees();
    assert!(smallest < 0.5, "{smallest}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sliver.obj");
    geoflow::io::mesh::write_mesh(&path, &mesh).unwrap();
    let toml = |extra: &str| {
        format!(
            "name = \"sliver\"\nflow = \"surface-mcf\"\n[mesh]\nfile = \"sliver.obj\"\n\
             [surface]\nlaplacian = \"frozen\"\n{extra}[time]\ndt = 1e-3\nsteps = 5\n"
        )
    };
    std::fs::write(dir.path().join("s.toml"), toml("")).unwrap();
    let s = Scenario::load(Some(dir.path().join("s.toml").to_str().unwrap()), &[]).unwrap();
    let mut warnings = Vec::new();
    let prepared = run::prepare(&s, &mut |w| warnings.push(w.to_string())).unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("below surface.min_angle = 0.5°")),
        "{warnings:?}"
    );
    let fin = prepared.run(&mut []).unwrap();
    assert_eq!(fin.last.step, 5);
    std::fs::write(dir.path().join("s.toml"), toml("min_relative_area = 0.5\n")).unwrap();
    let s = Scenario::load(Some(dir.path().join("s.toml").to_str().unwrap()), &[]).unwrap();
    let err = run::prepare(&s, &mut |_| {}).err().unwrap();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(
        err.to_string().contains("surface.min_relative_area")
            && err.to_string().contains("already has area"),
        "{err}"
    );
}
