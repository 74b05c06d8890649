use std::path::Path;
use std::process::Command;

pub fn geoflow(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_geoflow"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs")
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `(timestep, file)` pairs of a .pvd.
pub fn pvd_entries(path: &Path) -> Vec<(f64, String)> {
    let s = std::fs::read_to_string(path).unwrap();
    s.split("<DataSet")
        .skip(1)
        .map(|d| {
            let attr = |name: &str| {
                let start = d.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                d[start..start + d[start..].find('"').unwrap()].to_string()
            };
            (attr("timestep").parse().unwrap(), attr("file"))
        })
        .collect()
}

#[test]
fn scenarios_lists_every_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let o = geoflow(&["scenarios"], dir.path());
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for name in [
        "default",
        "scherk-like",
        "grim-reaper",
        "rotated-grim-reaper",
        "translating-arc",
        "spherical-cap",
        "scherk-steady",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(name)),
            "{name} missing in\n{out}"
        );
    }
}

#[test]
fn default_run_writes_a_complete_reproducible_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let o = geoflow(
        &["run", "--set", "time.t_end=0.1", "--set", "output.every=10"],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let run = dir.path().join("output/soap-film");
    assert!(
        text(&o).contains("output/soap-film"),
        "says where the output went: {}",
        text(&o)
    );
    let pvds: Vec<_> = std::fs::read_dir(&run)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "pvd"))
        .collect();
    assert_eq!(pvds.len(), 1, "exactly one .pvd");
    let entries = pvd_entries(&run.join("soap-film.pvd"));
    // 50 steps, a frame every 10: steps 0, 10, ..., 50.
    assert_eq!(entries.len(), 6);
    assert_eq!(entries[0].0, 0.0);
    assert_eq!(entries.last().unwrap().0, 0.1);
    let frames = std::fs::read_dir(run.join("frames")).unwrap().count();
    assert_eq!(
        frames,
        entries.len(),
        "the .pvd lists exactly the frames that exist"
    );
    for (_, f) in &entries {
        assert!(run.join(f).exists(), "{f}");
    }
    let csv = std::fs::read_to_string(run.join("energy.csv")).unwrap();
    assert!(csv.starts_with("step,time,dt,energy,"), "{csv}");
    assert!(csv.lines().next().unwrap().contains("error_linf,error_l2"));
    assert_eq!(csv.lines().count(), 52);
    for f in ["energy.png", "energy.svg", "config.toml", "status"] {
        assert!(run.join(f).exists(), "{f}");
    }
    assert!(std::fs::read_to_string(run.join("status"))
        .unwrap()
        .starts_with("completed"));
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(config.contains(&format!(
        "geoflow_version = \"{}\"",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(
        config.contains("t_end = 0.1"),
        "overrides are resolved into config.toml:\n{config}"
    );
    // The resolved config re-runs to the same energies.
    let o2 = geoflow(
        &[
            "run",
            run.join("config.toml").to_str().unwrap(),
            "--out",
            "again",
        ],
        dir.path(),
    );
    assert!(o2.status.success(), "{}", text(&o2));
    let csv2 = std::fs::read_to_string(dir.path().join("again/energy.csv")).unwrap();
    assert_eq!(csv, csv2);
}

#[test]
fn a_numerical_fault_exits_non_zero_and_leaves_a_valid_partial_series() {
    let dir = tempfile::tempdir().unwrap();
    let o = geoflow(
        &[
            "run",
            "scherk-like",
            "--out",
            "run",
            "--set",
            "boundary.u=sqrt(0.1 - t)",
            "--set",
            "initial.u=sqrt(0.1)",
            "--set",
            "time.dt=0.02",
            "--set",
            "output.every=2",
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("numerical failure at step 6") && msg.contains("non-finite"),
        "{msg}"
    );
    let run = dir.path().join("run");
    let entries = pvd_entries(&run.join("scherk-like.pvd"));
    assert_eq!(
        entries.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![0.0, 0.04, 0.08]
    );
    assert_eq!(std::fs::read_dir(run.join("frames")).unwrap().count(), 3);
    let status = std::fs::read_to_string(run.join("status")).unwrap();
    assert!(status.starts_with("failed at step 6"), "{status}");
}

#[test]
fn a_foreign_non_empty_directory_is_not_written_into() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/thesis.tex"), "keep me").unwrap();
    let o = geoflow(&["run", "--out", "mine"], dir.path());
    assert!(!o.status.success());
    assert!(text(&o).contains("holds no geoflow run"), "{}", text(&o));
    assert_eq!(
        std::fs::read_dir(dir.path().join("mine")).unwrap().count(),
        1
    );
}

#[test]
fn a_runs_config_repeats_it_from_anywhere_with_a_relative_mesh_path() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    std::fs::create_dir(&case).unwrap();
    let o = geoflow(
        &[
            "mesh",
            "generate",
            "icosphere",
            "--level",
            "2",
            "-o",
            "case/sphere.obj",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(
        case.join("s.toml"),
        "name = \"s\"\nflow = \"surface-mcf\"\n[mesh]\nfile = \"sphere.obj\"\n[time]\ndt = 1e-3\nsteps = 4\n",
    )
    .unwrap();
    let o = geoflow(&["run", "case/s.toml", "--out", "first"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let config = std::fs::read_to_string(dir.path().join("first/config.toml")).unwrap();
    assert!(!config.contains("file = \"sphere.obj\""), "{config}");
    // From another working directory, the recorded path still finds the mesh.
    let elsewhere = dir.path().join("first");
    let o = geoflow(&["run", "config.toml", "--out", "../second"], &elsewhere);
    assert!(o.status.success(), "{}", text(&o));
    let csv = |d: &str| std::fs::read_to_string(dir.path().join(d).join("energy.csv")).unwrap();
    assert_eq!(csv("first"), csv("second"));
    // A built-in's embedded mesh is recorded as such.
    let o = geoflow(
        &["run", "torus", "--out", "t", "--set", "time.steps=1"],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let config = std::fs::read_to_string(dir.path().join("t/config.toml")).unwrap();
    assert!(
        config.contains("file = \"builtin:meshes/torus.obj\""),
        "{config}"
    );
}

#[test]
fn a_discrete_ricci_run_that_does_not_converge_fails_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |flips: bool| {
        format!(
            "name = \"needs-flips\"\nflow = \"discrete-ricci\"\n[mesh]\ngenerate = \"square\"\n\
             n = 10\njitter = 0.3\n[discrete_ricci]\nflips = {flips}\nboundary = \"polygon\"\n\
             corners = [[0, 30.0], [5, 30.0], [7, 120.0]]\n[time]\ndt = 1.0\nsteps = 30\n"
        )
    };
    std::fs::write(dir.path().join("classical.toml"), scenario(false)).unwrap();
    let o = geoflow(&["run", "classical.toml", "--out", "classical"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success(),
        "a run that did not converge exited 0: {err}"
    );
    for needle in [
        "not converged: max |K - K^| = ",
        " at vertex ",
        "try flips = true",
    ] {
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    let status = std::fs::read_to_string(dir.path().join("classical/status")).unwrap();
    assert!(status.contains("not converged"), "{status}");
    let events = std::fs::read_to_string(dir.path().join("classical/events.log")).unwrap();
    assert!(events.contains("not converged: max |K - K^|"), "{events}");

    std::fs::write(dir.path().join("flips.toml"), scenario(true)).unwrap();
    let o = geoflow(&["run", "flips.toml", "--out", "flips"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let events = std::fs::read_to_string(dir.path().join("flips/events.log")).unwrap();
    assert!(
        events.contains("converged: max |K - K^|") && events.contains("bijective"),
        "{events}"
    );
}
