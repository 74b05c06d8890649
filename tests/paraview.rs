//! ParaView as the real client: run a small scenario with the `geoflow` binary, then let
//! ParaView's own PVD reader check the output (`tests/paraview/check_run.py` under `pvpython`)
//! and render it (`pvbatch` under `xvfb-run`).
//!
//! Without ParaView the test prints a SKIPPED line and passes, except in CI (env var `CI` set),
//! where a missing ParaView is a failure. Debian: `apt-get install -y --no-install-recommends
//! paraview python3-paraview xvfb`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::Instant;

const INSTALL_HINT: &str = "install paraview python3-paraview xvfb to run this test";

/// First executable called `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Missing tool: a failure in CI, a loud skip elsewhere (the caller returns).
fn missing(what: &str) {
    if env::var_os("CI").is_some() {
        panic!("CI is set but {what} is not on PATH: ParaView must be installed in CI ({INSTALL_HINT})");
    }
    // Straight to the stderr handle: the test harness captures `eprintln!` of passing tests,
    // and a skip must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: ParaView ({what}) not found; {INSTALL_HINT}"
    );
}

fn describe(cmd: &str, out: &Output) -> String {
    format!(
        "`{cmd}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command, label: &str) -> Output {
    let start = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start `{label}`: {e}"));
    eprintln!(
        "[paraview test] {label}: {:.2} s",
        start.elapsed().as_secs_f64()
    );
    out
}

fn check_script() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/paraview/check_run.py");
    assert!(script.is_file(), "missing {}", script.display());
    script
}

/// `geoflow run <args...> --out <dir>`, which must succeed.
fn geoflow_run(args: &[&str], dir: &Path) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_geoflow"));
    cmd.arg("run").args(args).arg("--out").arg(dir);
    let label = format!("geoflow run {}", args.join(" "));
    let out = run(&mut cmd, &label);
    assert!(
        out.status.success(),
        "{}",
        describe(&format!("{label} --out {}", dir.display()), &out)
    );
}

/// `pvpython check_run.py <dir> <extra...>`, which must succeed; returns its summary.
fn pvpython_check(pvpython: &Path, dir: &Path, extra: &[&str]) -> String {
    let label = format!(
        "pvpython check_run.py {} {}",
        dir.display(),
        extra.join(" ")
    );
    let out = run(
        Command::new(pvpython)
            .arg(check_script())
            .arg(dir)
            .args(extra),
        &label,
    );
    assert!(out.status.success(), "{}", describe(&label, &out));
    let summary = String::from_utf8_lossy(&out.stdout).into_owned();
    eprint!("{summary}");
    summary
}

/// `geoflow run <args...>` into `dir`; the `.pvd` files `pvds` must be there; then
/// `pvpython check_run.py <dir> <extra...>`, whose summary must contain every `expected` line.
/// Returns the summary; `None` without pvpython ([`missing`]: a skip outside CI).
fn run_and_check(
    args: &[&str],
    dir: &Path,
    pvds: &[&str],
    extra: &[&str],
    expected: &[&str],
) -> Option<String> {
    let Some(pvpython) = which("pvpython") else {
        missing("pvpython");
        return None;
    };
    geoflow_run(args, dir);
    for pvd in pvds {
        assert!(dir.join(pvd).is_file(), "no {pvd} in {}", dir.display());
    }
    let summary = pvpython_check(&pvpython, dir, extra);
    for e in expected {
        assert!(summary.contains(e), "no `{e}` in\n{summary}");
    }
    Some(summary)
}

/// Render the last frame of `dir` (`extra`: e.g. `--series image`) to `png` with pvbatch under
/// a virtual X server (Debian's ParaView is GLX-only) and check it is a non-blank PNG. Without
/// pvbatch or xvfb-run: [`missing`] (a skip outside CI).
fn render_png(dir: &Path, extra: &[&str], png: &Path) {
    let (Some(xvfb_run), Some(_)) = (which("xvfb-run"), which("pvbatch")) else {
        missing(if which("pvbatch").is_none() {
            "pvbatch"
        } else {
            "xvfb-run"
        });
        return;
    };
    let label = format!("xvfb-run pvbatch check_run.py --render {}", extra.join(" "));
    // `xvfb-run -a` picks the first display without a /tmp/.X<n>-lock, starting at 99, so
    // renders started at the same moment can end up on one display and pvbatch then aborts
    // with "bad X server connection". Renders of this binary take turns, start their search at
    // a display number of their own, and one that lost such a race is retried once.
    static RENDER: Mutex<()> = Mutex::new(());
    let _turn = RENDER.lock().unwrap_or_else(|e| e.into_inner());
    let server_num = (100 + std::process::id() % 5000).to_string();
    let render = || {
        run(
            Command::new(&xvfb_run)
                .args(["-a", "-n", &server_num])
                .args(["-s", "-screen 0 1024x768x24", "pvbatch"])
                .arg(check_script())
                .arg(dir)
                .arg("--render")
                .arg(png)
                .args(extra),
            &label,
        )
    };
    let mut out = render();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success()
        && (stderr.contains("bad X server connection") || stderr.contains("Xvfb failed to start"))
    {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "[paraview test] {label}: no X server connection, retrying once"
        );
        out = render();
    }
    assert!(out.status.success(), "{}", describe(&label, &out));
    let bytes = std::fs::read(png).unwrap_or_else(|e| {
        panic!(
            "{} not written ({e})\n{}",
            png.display(),
            describe(&label, &out)
        )
    });
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG (first bytes {:?})",
        png.display(),
        &bytes[..bytes.len().min(8)]
    );
    assert!(
        bytes.len() > 10_000,
        "{} is only {} bytes: probably blank",
        png.display(),
        bytes.len()
    );
}

#[test]
fn paraview_reads_and_renders_a_run() {
    let Some(pvpython) = which("pvpython") else {
        missing("pvpython");
        return;
    };

    let tmp = tempfile::tempdir().expect("tempdir");
    let run_dir = tmp.path().join("run");

    // (b) a small shipped scenario, a frame every 5 steps
    let geoflow = env!("CARGO_BIN_EXE_geoflow");
    let cmdline = format!(
        "geoflow run default --out {} --set output.every=5",
        run_dir.display()
    );
    let out = run(
        Command::new(geoflow)
            .args(["run", "default", "--out"])
            .arg(&run_dir)
            .args(["--set", "output.every=5"]),
        "geoflow run default",
    );
    assert!(out.status.success(), "{}", describe(&cmdline, &out));
    let has_pvd = std::fs::read_dir(&run_dir)
        .map(|rd| {
            rd.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "pvd"))
        })
        .unwrap_or(false);
    assert!(
        has_pvd,
        "`{cmdline}` succeeded but {} holds no .pvd; contents: {:?}",
        run_dir.display(),
        std::fs::read_dir(&run_dir)
            .map(|rd| rd.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
            .unwrap_or_default()
    );

    // (c) ParaView's reader checks the run (no X needed)
    pvpython_check(&pvpython, &run_dir, &[]);

    // (d) render the last frame under a virtual X server
    render_png(&run_dir, &[], &tmp.path().join("render.png"));
}

#[test]
fn paraview_reads_a_surface_mesh_run() {
    let Some(pvpython) = which("pvpython") else {
        missing("pvpython");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let run_dir = tmp.path().join("surface");
    geoflow_run(
        &[
            "shrinking-sphere",
            "--set",
            "mesh.level=3",
            "--set",
            "time.t_end=0.05",
        ],
        &run_dir,
    );
    // Unstructured triangle frames (.vtu) with the surface fields, checked by ParaView's reader.
    let summary = pvpython_check(&pvpython, &run_dir, &[]);
    assert!(summary.contains("1280 triangles"), "{summary}");
}

/// A harmonic map on a closed surface mesh (the Gauss map of an ellipsoid into S²): the main
/// and `_image` series, |u| = 1, the cotan energy and the degree recomputed from the frames.
#[test]
fn paraview_checks_a_harmonic_map_on_a_mesh() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run_dir = tmp.path().join("gauss-map");
    // Level 2 of the icosahedral ellipsoid, frames at steps 0, 5, ..., 20.
    let checked = run_and_check(
        &[
            "gauss-map",
            "--set",
            "mesh.level=2",
            "--set",
            "time.steps=20",
            "--set",
            "output.every=5",
        ],
        &run_dir,
        &["gauss-map.pvd", "gauss-map_image.pvd"],
        &["--expect-degree", "1"],
        &[
            "frames: 5 (steps 0..20 of 21",
            "162 points each (320 triangles)",
            "image series: gauss-map_image.pvd, 5 frames",
            "cotan energy recomputed",
            "degree from the image",
        ],
    );
    if checked.is_none() {
        return;
    }
    render_png(
        &run_dir,
        &["--series", "image"],
        &tmp.path().join("gauss-map-image.png"),
    );
}

/// A harmonic map on a grid with an exact solution (`great-circle`): structured frames, a
/// 3-component `u`, the image series, and `max |u - u_exact|` equal to the csv `error_linf`.
#[test]
fn paraview_checks_a_harmonic_map_on_a_grid() {
    let tmp = tempfile::tempdir().expect("tempdir");
    run_and_check(
        &["great-circle"],
        &tmp.path().join("great-circle"),
        &["great-circle.pvd", "great-circle_image.pvd"],
        &["--exact", "great-circle"],
        &[
            "289 points each (17x17 grid)",
            "image series: great-circle_image.pvd",
            "error_linf vs great-circle",
        ],
    );
}

/// Discrete Ricci flow flattening a disk (`flatten-hemisphere`): the main series on the input's
/// points and triangles with u, K, uv and the distortion cell arrays, the `_overlay` series (the
/// common subdivision with its map, agreeing with uv at the vertices), and the `_layout` series
/// (the overlay at its images), bijective at convergence.
#[test]
fn paraview_checks_a_discrete_ricci_flattening() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(summary) = run_and_check(
        &["flatten-hemisphere", "--set", "mesh.level=3"],
        &tmp.path().join("flatten-hemisphere"),
        &[
            "flatten-hemisphere.pvd",
            "flatten-hemisphere_overlay.pvd",
            "flatten-hemisphere_layout.pvd",
        ],
        &[],
        &[
            "overlay series: flatten-hemisphere_overlay.pvd",
            "map == uv",
            "angle_distortion_max == max of the cell array",
            "layout series: flatten-hemisphere_layout.pvd, points == the overlay's map",
            "last frame: bijective",
            "last energy.csv curvature_error",
        ],
    ) else {
        return;
    };
    assert!(!summary.contains("sphere series"), "{summary}");
}

/// Discrete Ricci flow flattening a torus of revolution (`flat-torus`): the `_layout` series is
/// the common subdivision cut open at its images, bijective at convergence.
#[test]
fn paraview_checks_a_discrete_ricci_flat_torus() {
    let tmp = tempfile::tempdir().expect("tempdir");
    run_and_check(
        &["flat-torus"],
        &tmp.path().join("flat-torus"),
        &[
            "flat-torus.pvd",
            "flat-torus_overlay.pvd",
            "flat-torus_layout.pvd",
        ],
        &[],
        &[
            "torus layout series: flat-torus_layout.pvd",
            "last frame: bijective",
            "in events.log",
        ],
    );
}

/// Discrete Ricci flow uniformizing a closed genus-0 mesh (`uniformize-sphere`): the main series
/// on the whole mesh (its numbering kept), the `_overlay` series and the `_sphere` series (the
/// overlay at its images), all on the unit sphere, covering it once with positively oriented
/// triangles.
#[test]
fn paraview_checks_a_discrete_ricci_uniformization() {
    let tmp = tempfile::tempdir().expect("tempdir");
    run_and_check(
        &["uniformize-sphere"],
        &tmp.path().join("uniformize-sphere"),
        &[
            "uniformize-sphere.pvd",
            "uniformize-sphere_overlay.pvd",
            "uniformize-sphere_sphere.pvd",
        ],
        &[],
        &[
            "overlay series: uniformize-sphere_overlay.pvd",
            "sphere series: uniformize-sphere_sphere.pvd",
            "all triangles positively oriented",
        ],
    );
}

/// `layout = false`: no `_layout` series and no `uv`, but the `_overlay` and `_sphere` series of
/// a genus-0 run are still written and checked.
#[test]
fn paraview_checks_a_discrete_ricci_run_without_layout() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("uniformize-sphere");
    let Some(_) = run_and_check(
        &["uniformize-sphere", "--set", "discrete_ricci.layout=false"],
        &dir,
        &["uniformize-sphere.pvd", "uniformize-sphere_sphere.pvd"],
        &[],
        &[
            "no layout series (layout = false)",
            "sphere series: uniformize-sphere_sphere.pvd",
            "all triangles positively oriented",
        ],
    ) else {
        return;
    };
    assert!(!dir.join("uniformize-sphere_layout.pvd").exists());
}
