//! Faults from outside a run: exit codes per kind of error, a closed standard output, signals
//! and kills at random moments, two runs into one directory. After each, the run directory must
//! be valid: every frame the `.pvd` lists exists and is complete, no frame is unlisted, no
//! temporary file is left, and `status` says how the run ended.

use super::run::{geoflow, pvd_entries};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(args: &[&str], cwd: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_geoflow"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns")
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill {name} failed");
}

/// Wait until the `status` file at `path` says `running` (the run has started writing), at
/// most 20 s.
fn wait_for(path: &Path) {
    let start = Instant::now();
    while !std::fs::read_to_string(path).is_ok_and(|s| s.starts_with("running")) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The frames a `.pvd` lists (none before it is first written).
fn listed(pvd: &Path) -> Vec<String> {
    if !pvd.exists() {
        return Vec::new();
    }
    pvd_entries(pvd).into_iter().map(|(_, f)| f).collect()
}

/// The run directory is valid: listed frames complete, none unlisted by any of its series, no
/// temporary files.
fn assert_valid_run_dir(run: &Path, pvd: &str) {
    assert!(run.join(pvd).exists() || listed(&run.join(pvd)).is_empty());
    let listed: Vec<String> = std::fs::read_dir(run)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pvd"))
        .flat_map(|p| listed(&p))
        .collect();
    for f in &listed {
        let text = std::fs::read_to_string(run.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(
            text.trim_end().ends_with("</VTKFile>"),
            "{f} is not complete"
        );
    }
    for dir in [run.to_path_buf(), run.join("frames")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            assert!(
                !(name.starts_with('.') && name.contains(".tmp")),
                "temporary file {name} left in {}",
                dir.display()
            );
            if dir.ends_with("frames") {
                assert!(
                    listed.iter().any(|f| f.ends_with(&name)),
                    "frame {name} exists but the .pvd does not list it"
                );
            }
        }
    }
}

#[test]
fn every_kind_of_error_has_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let code = |args: &[&str]| geoflow(args, dir.path()).status.code();
    // Usage and scenario errors: 2.
    assert_eq!(code(&["run", "--set", "grid.nxx=3", "--out", "a"]), Some(2));
    assert_eq!(code(&["run", "no-such-scenario"]), Some(2));
    assert_eq!(code(&["run", "--bogus-flag"]), Some(2));
    // An invalid mesh: 3.
    std::fs::write(dir.path().join("bad.obj"), "v 0 0 0\nv 1 0 0\nf 1 2 3\n").unwrap();
    let scenario = "name = \"bad\"\nflow = \"surface-mcf\"\n[mesh]\nfile = \"bad.obj\"\n\
                    [time]\ndt = 1e-3\nsteps = 2\n";
    std::fs::write(dir.path().join("bad.toml"), scenario).unwrap();
    assert_eq!(code(&["run", "bad.toml", "--out", "b"]), Some(3));
    assert_eq!(code(&["mesh", "info", "bad.obj"]), Some(3));
    // A numerical failure: 4.
    let fail = [
        "run",
        "scherk-like",
        "--out",
        "c",
        "--set",
        "boundary.u=sqrt(0.1 - t)",
        "--set",
        "initial.u=sqrt(0.1)",
        "--set",
        "time.dt=0.02",
    ];
    assert_eq!(code(&fail), Some(4));
    // An output directory that cannot be created: 5.
    std::fs::write(dir.path().join("file"), "").unwrap();
    assert_eq!(code(&["run", "--out", "file/run"]), Some(5));
}

#[test]
fn a_panic_mid_run_is_an_internal_error_with_a_valid_directory() {
    // A bug anywhere in a run (here a deliberate panic after step 7, by the binary's test hook)
    // ends with the internal-error code, one sentence on stderr, `status` saying the run failed
    // and which frames stay valid; no Rust crash message.
    let dir = tempfile::tempdir().unwrap();
    for (scenario, pvd) in [("default", "soap-film.pvd"), ("torus", "torus.pvd")] {
        let out = Command::new(env!("CARGO_BIN_EXE_geoflow"))
            .args([
                "run",
                scenario,
                "--out",
                scenario,
                "--set",
                "output.every=2",
            ])
            .current_dir(dir.path())
            .env("GEOFLOW_PANIC_AT_STEP", "7")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(70), "{scenario}: {stderr}");
        let first = stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with("error: internal error: injected panic after step 7"),
            "{scenario}: {stderr}"
        );
        assert!(!stderr.contains("panicked at"), "{scenario}: {stderr}");
        let run = dir.path().join(scenario);
        let status = std::fs::read_to_string(run.join("status")).unwrap();
        assert!(
            status.starts_with("failed at step 8 ") && status.contains("internal error"),
            "{scenario}: {status}"
        );
        assert!(
            status.contains("frames listed in the .pvd are valid"),
            "{status}"
        );
        assert_valid_run_dir(&run, pvd);
        assert_eq!(
            listed(&run.join(pvd)).len(),
            4,
            "{scenario}: steps 0, 2, 4, 6"
        );
    }
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["scenarios"][..], &["--help"][..]] {
        // A pipe whose reader is gone before anything is written: every write fails (EPIPE),
        // as with `geoflow scenarios | head -0`.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_geoflow"))
            .args(args)
            .current_dir(dir.path())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        if args[0] == "scenarios" {
            assert_eq!(out.status.code(), Some(0), "{err}");
            assert!(err.is_empty(), "{err}");
        }
    }
}

#[test]
fn sigint_and_sigterm_end_a_run_cleanly_at_any_moment() {
    let dir = tempfile::tempdir().unwrap();
    // Delays spread over the run (a step of the 65² default takes a few ms), both signals.
    for (trial, delay_ms) in [3u64, 40, 170, 420, 5, 90, 260, 600]
        .into_iter()
        .enumerate()
    {
        let (name, code) = if trial % 2 == 0 {
            ("-INT", 130)
        } else {
            ("-TERM", 143)
        };
        let out = format!("run{trial}");
        let child = spawn(
            &[
                "run",
                "--out",
                &out,
                "--set",
                "time.steps=100000",
                "--set",
                "output.every=3",
            ],
            dir.path(),
        );
        let run = dir.path().join(&out);
        wait_for(&run.join("status"));
        std::thread::sleep(Duration::from_millis(delay_ms));
        signal(&child, name);
        let result = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(code), "trial {trial}: {err}");
        assert!(err.starts_with("error: interrupted by signal"), "{err}");
        let status = std::fs::read_to_string(run.join("status")).unwrap();
        assert!(status.starts_with("interrupted at step"), "{status}");
        assert_valid_run_dir(&run, "soap-film.pvd");
        // The last state is a frame: its step is the one status names.
        let step: usize = status["interrupted at step ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let csv = std::fs::read_to_string(run.join("energy.csv")).unwrap();
        let last = csv.lines().last().unwrap();
        assert!(last.starts_with(&format!("{step},")), "{last} vs {status}");
    }
}

#[test]
fn a_killed_run_leaves_a_valid_directory_and_the_next_run_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    for (trial, delay_ms) in [1u64, 25, 80, 150, 310, 7].into_iter().enumerate() {
        let child = spawn(
            &[
                "run",
                "--out",
                "run",
                "--set",
                "time.steps=100000",
                "--set",
                "output.every=1",
            ],
            dir.path(),
        );
        let run = dir.path().join("run");
        wait_for(&run.join("status"));
        std::thread::sleep(Duration::from_millis(delay_ms));
        signal(&child, "-KILL");
        child.wait_with_output().unwrap();
        // What a kill leaves is valid as far as it goes: frames listed are complete.
        for f in &listed(&run.join("soap-film.pvd")) {
            let text = std::fs::read_to_string(run.join(f)).unwrap();
            assert!(
                text.trim_end().ends_with("</VTKFile>"),
                "trial {trial}: {f}"
            );
        }
        // The next run into the same directory takes it over and leaves it clean.
        let o = geoflow(
            &["run", "--out", "run", "--set", "time.steps=3"],
            dir.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_valid_run_dir(&run, "soap-film.pvd");
        let status = std::fs::read_to_string(run.join("status")).unwrap();
        assert!(status.starts_with("completed: 3 steps"), "{status}");
    }
}

#[test]
fn a_second_run_into_a_directory_in_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = spawn(
        &["run", "--out", "run", "--set", "time.steps=100000"],
        dir.path(),
    );
    wait_for(&dir.path().join("run/status"));
    let second = geoflow(&["run", "grim-reaper", "--out", "run"], dir.path());
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(5), "{err}");
    assert!(
        err.contains("another geoflow run is writing into this directory"),
        "{err}"
    );
    signal(&first, "-INT");
    assert_eq!(first.wait_with_output().unwrap().status.code(), Some(130));
    // The first run's files are its own, untouched by the refused one.
    let status = std::fs::read_to_string(dir.path().join("run/status")).unwrap();
    assert!(status.starts_with("interrupted at step"), "{status}");
    assert!(!dir.path().join("run/grim-reaper.pvd").exists());
}

#[test]
fn runs_that_cannot_run_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |args: &[&str], code: i32, needles: &[&str]| {
        let o = geoflow(args, dir.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        // Warnings about the input (a triangle soup's duplicate vertices) may come first.
        let first = err
            .lines()
            .find(|l| !l.starts_with("warning: "))
            .unwrap_or("");
        for n in needles {
            assert!(
                first.contains(n),
                "{args:?}: `{n}` not in the first line after the warnings: {err}"
            );
        }
        assert!(!dir.path().join("out").exists(), "{args:?} wrote output");
    };
    // Steps too small for the time to advance, and too many steps.
    refused(
        &["run", "--out", "out", "--set", "time.dt=5e-324"],
        2,
        &["time.dt", "too small to advance the time"],
    );
    refused(
        &[
            "run",
            "--out",
            "out",
            "--set",
            "time.t0=1e6",
            "--set",
            "time.t_end=1000001",
            "--set",
            "time.dt=1e-12",
        ],
        2,
        &["time.dt", "t + dt == t"],
    );
    refused(
        &["run", "--out", "out", "--set", "time.dt=1e-12"],
        2,
        &["time.dt", "steps to reach t_end"],
    );
    // A grid larger than the machine: refused with the estimate, not an abort.
    for n in ["100000", "20000"] {
        refused(
            &[
                "run",
                "--out",
                "out",
                "--set",
                &format!("grid.nx={n}"),
                "--set",
                &format!("grid.ny={n}"),
            ],
            2,
            &["grid needs at least", "available"],
        );
    }
    // No free node: a single triangle whose boundary is held fixed, a soup of unwelded triangles.
    std::fs::write(
        dir.path().join("tri.obj"),
        "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("soup.obj"),
        "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3\nf 4 5 6\n",
    )
    .unwrap();
    for (mesh, flow, extra) in [
        ("tri.obj", "surface-mcf", ""),
        ("tri.obj", "graph-mcf", "[initial]\nu = \"0\"\n"),
        ("soup.obj", "graph-area", "[initial]\nu = \"x\"\n"),
        (
            "soup.obj",
            "harmonic-map",
            "[initial]\nu = [\"1\", \"0\", \"0\"]\n[boundary]\nu = [\"1\", \"0\", \"0\"]\n",
        ),
    ] {
        let toml = format!(
            "name = \"t\"\nflow = \"{flow}\"\n[mesh]\nfile = \"{mesh}\"\n{extra}[time]\ndt = 1e-3\nsteps = 3\n"
        );
        std::fs::write(dir.path().join("t.toml"), toml).unwrap();
        refused(
            &["run", "t.toml", "--out", "out"],
            2,
            &["`mesh`", "nothing can move"],
        );
    }
}

/// The bytes of the last frame a `.pvd` lists.
fn last_frame(run: &Path, pvd: &str) -> Vec<u8> {
    let entries = listed(&run.join(pvd));
    std::fs::read(run.join(entries.last().expect("a frame"))).unwrap()
}

/// A run's exit: success, or for a discrete Ricci run cut short the honest "not converged"
/// (exit 4; its files are valid, and more steps are what its message asks for).
fn accepted(name: &str, o: &std::process::Output) -> Option<i32> {
    let err = String::from_utf8_lossy(&o.stderr);
    let short = o.status.code() == Some(4) && err.contains("not converged");
    assert!(o.status.success() || short, "{name}: {err}");
    o.status.code()
}

#[test]
fn a_run_resumed_halfway_repeats_the_uninterrupted_run_bit_for_bit_for_every_flow() {
    let dir = tempfile::tempdir().unwrap();
    // (scenario, its .pvd, the steps of the whole run, more overrides): every flow, and the
    // state each carries between steps (a frozen Laplacian and volume, Möbius centering, a
    // blow-up detector, the normalized area, Newton reusing a factorization).
    let cases: &[(&str, &str, usize, &[&str])] = &[
        ("grim-reaper", "grim-reaper.pvd", 40, &[]),
        ("spherical-cap-disk", "spherical-cap-disk.pvd", 20, &[]),
        ("shrinking-sphere", "shrinking-sphere.pvd", 30, &[]),
        ("bumpy-sphere", "bumpy-sphere.pvd", 30, &[]),
        ("gauss-map", "gauss-map.pvd", 40, &["mesh.level=3"]),
        (
            "bubbling",
            "bubbling.pvd",
            1700,
            &["mesh.rings=8", "output.every=50"],
        ),
        ("cigar", "cigar.pvd", 30, &[]),
        (
            "ricci-ellipsoid",
            "ricci-ellipsoid.pvd",
            40,
            &["mesh.level=3"],
        ),
        (
            "flatten-hemisphere",
            "flatten-hemisphere.pvd",
            6,
            &["discrete_ricci.method=flow", "time.dt=0.1"],
        ),
        ("uniformize-sphere", "uniformize-sphere.pvd", 8, &[]),
    ];
    for (name, pvd, steps, extra) in cases {
        // A discrete Ricci run cut short ends honestly as not converged (exit 4); its files are
        // valid, and more steps is what its message asks for.
        let run = |out: &str, steps: usize| {
            let mut args = vec![
                "run".to_string(),
                name.to_string(),
                "--out".into(),
                out.into(),
            ];
            for s in extra.iter().map(|s| s.to_string()).chain([
                format!("time.steps={steps}"),
                "time.t_end=1e9".into(),
                "time.tol=1e-300".into(),
            ]) {
                args.extend(["--set".into(), s]);
            }
            let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
            accepted(name, &geoflow(&args, dir.path()))
        };
        let (whole, half) = (format!("{name}-whole"), format!("{name}-half"));
        let whole_code = run(&whole, *steps);
        run(&half, steps / 2);
        let o = geoflow(
            &[
                "run",
                "--resume",
                &half,
                "--set",
                &format!("time.steps={steps}"),
            ],
            dir.path(),
        );
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(accepted(name, &o), whole_code, "{name}: {err}");
        assert!(
            err.contains(&format!("resuming at step {}", steps / 2)),
            "{name}: {err}"
        );
        let read = |run: &str, f: &str| {
            std::fs::read_to_string(dir.path().join(run).join(f)).unwrap_or_default()
        };
        assert_eq!(
            read(&whole, "energy.csv"),
            read(&half, "energy.csv"),
            "{name}: energy.csv"
        );
        assert_eq!(
            read(&whole, "events.log"),
            read(&half, "events.log"),
            "{name}: events.log"
        );
        assert!(
            last_frame(&dir.path().join(&whole), pvd) == last_frame(&dir.path().join(&half), pvd),
            "{name}: the final frames differ"
        );
        assert_valid_run_dir(&dir.path().join(&half), pvd);
    }
}

#[test]
fn an_interrupted_run_resumed_to_its_end_is_the_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let set = ["--set", "time.steps=400", "--set", "output.every=25"];
    let mut args = vec!["run", "--out", "whole"];
    args.extend(set);
    assert!(geoflow(&args, dir.path()).status.success());
    for (trial, delay_ms) in [30u64, 150, 400].into_iter().enumerate() {
        let out = format!("cut{trial}");
        let mut args = vec!["run", "--out", &out];
        args.extend(set);
        let child = spawn(&args, dir.path());
        wait_for(&dir.path().join(&out).join("status"));
        std::thread::sleep(Duration::from_millis(delay_ms));
        signal(&child, "-INT");
        let code = child.wait_with_output().unwrap().status.code();
        let o = geoflow(&["run", "--resume", &out], dir.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let read =
            |run: &str| std::fs::read_to_string(dir.path().join(run).join("energy.csv")).unwrap();
        assert_eq!(read("whole"), read(&out), "trial {trial} (exit {code:?})");
        let run = dir.path().join(&out);
        assert!(
            last_frame(&dir.path().join("whole"), "soap-film.pvd")
                == last_frame(&run, "soap-film.pvd")
        );
        assert_valid_run_dir(&run, "soap-film.pvd");
        let status = std::fs::read_to_string(run.join("status")).unwrap();
        assert!(status.starts_with("completed: 400 steps"), "{status}");
    }
}

#[test]
fn resume_refuses_what_would_change_the_run() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        geoflow(&["run", "--out", "r", "--set", "time.steps=3"], dir.path())
            .status
            .success()
    );
    let o = geoflow(
        &["run", "--resume", "r", "--set", "time.dt=1e-4"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("only time.t_end"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = geoflow(&["run", "--resume", "nowhere"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_file(dir.path().join("r/checkpoint.bin")).unwrap();
    let o = geoflow(&["run", "--resume", "r"], dir.path());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no checkpoint"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A tmpfs of `size` mounted at `path` for the life of the value (root only).
struct TinyDisk(std::path::PathBuf);

impl TinyDisk {
    fn mount(path: &Path, size: &str) -> Option<TinyDisk> {
        std::fs::create_dir_all(path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| TinyDisk(path.to_path_buf()))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_the_run_with_a_sentence_and_leaves_a_valid_directory() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = TinyDisk::mount(&dir.path().join("small"), "600k") else {
        eprintln!(
            "SKIPPED a_full_disk_fails_the_run…: mounting a tmpfs needs root (CI runs as root)"
        );
        return;
    };
    let o = geoflow(
        &[
            "run",
            "--out",
            "small/run",
            "--set",
            "time.steps=2000",
            "--set",
            "output.every=1",
        ],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(5), "{err}");
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.starts_with("error: ") && first.contains("No space left on device"),
        "{err}"
    );
    assert!(
        !err.contains('{') && !err.contains("Os {"),
        "a debug dump: {err}"
    );
    let run = disk.0.join("run");
    assert_valid_run_dir(&run, "soap-film.pvd");
    // The status file says the run failed, if the disk had room for that line.
    if let Ok(status) = std::fs::read_to_string(run.join("status")) {
        assert!(
            status.starts_with("failed") || status.starts_with("running"),
            "{status}"
        );
    }
}
