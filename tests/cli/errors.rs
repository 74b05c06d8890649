use super::run::geoflow;

/// Run with overrides that must be rejected: non-zero exit, every needle in stderr, nothing written.
fn rejects(args: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let mut full = vec!["run", "scherk-like", "--out", "out"];
    full.extend_from_slice(args);
    let o = geoflow(&full, dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{args:?} was accepted");
    for n in needles {
        assert!(err.contains(n), "{args:?}: `{n}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !dir.path().join("out").exists(),
        "{args:?}: output written for a rejected scenario"
    );
}

#[test]
fn unknown_keys_are_named_with_the_valid_choices() {
    rejects(&["--set", "grid.nxx=5"], &["nxx", "nx", "ny"]);
    rejects(&["--set", "colour=red"], &["colour", "flow"]);
}

#[test]
fn bad_values_name_their_key() {
    rejects(&["--set", "grid.nx=2"], &["grid.nx", "at least 3"]);
    rejects(&["--set", "time.dt=0"], &["time.dt", "positive"]);
    rejects(&["--set", "time.dt=-1e-3"], &["time.dt"]);
    rejects(&["--set", "grid.x=[1.0, 1.0]"], &["grid.x", "a < b"]);
    rejects(&["--set", "grid.nx=\"many\""], &["nx", "string"]);
    rejects(
        &["--set", "flow=ricci-ish"],
        &["ricci-ish", "graph-mcf", "graph-area"],
    );
    rejects(&["--set", "output.every=0"], &["output.every"]);
    rejects(&["--set", "time.t_end=-1"], &["time.t_end"]);
}

#[test]
fn malformed_expressions_are_named() {
    rejects(&["--set", "initial.u=sin(x"], &["initial.u", "sin(x"]);
    rejects(
        &["--set", "boundary.u=foo(x)"],
        &["boundary.u", "unknown function `foo`"],
    );
    rejects(
        &["--set", "initial.u=w*2"],
        &["initial.u", "unknown name `w`"],
    );
}

#[test]
fn scenario_files_with_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "name = \"b\"\nflow = \"graph-mcf\"\n[grid]\nnx = 5\nny = 5\nx = [0.0, 1.0]\ny = [0.0, 1.0\n").unwrap();
    let o = geoflow(&["run", path.to_str().unwrap(), "--out", "out"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("broken.toml") && err.contains("line 7"),
        "{err}"
    );
    let o = geoflow(&["run", "no-such-scenario"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("no-such-scenario") && err.contains("default"),
        "{err}"
    );
    let o = geoflow(&["run", "missing.toml"], dir.path());
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("missing.toml"));
}

#[test]
fn harmonic_map_scenarios_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    for (set, needles) in [
        (
            "initial.u=sin(x)",
            &["initial.u", "array of expressions"][..],
        ),
        (
            "initial.u=[\"1\", \"0\", \"0\", \"0\"]",
            &["initial.u", "2 or 3 components"][..],
        ),
        ("harmonic.theta=0.2", &["harmonic.theta", "[0.5, 1]"][..]),
        (
            "target.kind=cube",
            &["target.kind", "`sphere` or `torus`"][..],
        ),
        (
            "target.kind=torus",
            &["target", "major_radius and minor_radius"][..],
        ),
        (
            "harmonic.center=yes",
            &["harmonic.center", "`none` or `mobius`"][..],
        ),
        ("initial.field=u", &["initial", "give one of `u`"][..]),
        (
            "boundary.u=[\"1\", \"0\"]",
            &["boundary.u", "components"][..],
        ),
    ] {
        let o = geoflow(
            &["run", "great-circle", "--out", "out", "--set", set],
            dir.path(),
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{set} accepted");
        for n in needles {
            assert!(err.contains(n), "{set}: `{n}` not in {err}");
        }
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn ricci_scenarios_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, set, needles) in [
        (
            "cigar",
            "initial.v=-1",
            &[
                "initial.v",
                "(x, y, z) = (-1.75, -1.75, 0)",
                "v must be positive",
            ][..],
        ),
        (
            "cigar",
            "initial.u=0",
            &["initial", "give one of `u`", "or `v`"][..],
        ),
        (
            "cigar",
            "ricci.normalized=true",
            &["ricci.normalized", "closed surface"][..],
        ),
        (
            "ricci-sphere",
            "mesh.generate=hemisphere",
            &["ricci.normalized", "has a boundary"][..],
        ),
        (
            "great-circle",
            "ricci.normalized=true",
            &["unknown field `ricci`", "`harmonic`"][..],
        ),
        ("default", "initial.v=1", &["initial"][..]),
    ] {
        let mut args = vec!["run", scenario, "--out", "out", "--set", set];
        if scenario == "ricci-sphere" {
            args.extend(["--set", "ricci.normalized=true"]);
        }
        let o = geoflow(&args, dir.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{scenario} {set} accepted");
        for n in needles {
            assert!(err.contains(n), "{scenario} {set}: `{n}` not in {err}");
        }
    }
}

#[test]
fn boundary_settings_on_a_closed_mesh_are_named_as_having_no_effect() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, set, steps, needle) in [
        (
            "gauss-map",
            "boundary.u=[\"1\", \"0\", \"0\"]",
            "time.steps=1",
            "[boundary] has no effect",
        ),
        (
            "ricci-torus",
            "boundary.u=0",
            "time.steps=1",
            "[boundary] has no effect",
        ),
        (
            "uniformize-sphere",
            "discrete_ricci.boundary=circle",
            "output.every=10",
            "discrete_ricci.boundary = \"circle\" has no effect",
        ),
    ] {
        let o = geoflow(
            &[
                "run", scenario, "--out", "out", "--set", set, "--set", steps,
            ],
            dir.path(),
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{scenario}: {err}");
        assert!(
            err.contains(&format!("warning: {needle}")),
            "{scenario}: {err}"
        );
    }
}

/// Ricci and harmonic map flows on a mesh with negative cotan weights warn, naming
/// `[mesh] laplacian`; with `laplacian = "intrinsic-delaunay"` they do not; other flows refuse
/// the key.
#[test]
fn negative_cotan_weights_are_warned_of_and_the_intrinsic_delaunay_laplacian_named() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, consequence) in [
        ("ricci-ellipsoid", "no discrete maximum principle"),
        ("gauss-map", "the nodal projection may raise the energy"),
    ] {
        let run = |laplacian: &str| {
            let o = geoflow(
                &[
                    "run",
                    scenario,
                    "--out",
                    "out",
                    "--set",
                    "mesh.generate=ellipsoid",
                    "--set",
                    "mesh.axes=[3.0, 1.0, 0.2]",
                    "--set",
                    "mesh.level=3",
                    "--set",
                    &format!("mesh.laplacian={laplacian}"),
                    "--set",
                    "time.steps=2",
                ],
                dir.path(),
            );
            let err = String::from_utf8_lossy(&o.stderr).to_string();
            assert!(o.status.success(), "{scenario}: {err}");
            err
        };
        let err = run("input");
        let warning = err
            .lines()
            .find(|l| l.contains("negative cotan weight"))
            .unwrap_or_else(|| panic!("{scenario}: no warning in {err}"));
        assert!(
            warning.starts_with("warning: 472 of 1920 edges have a negative cotan weight")
                && warning.contains(consequence)
                && warning.contains("set `laplacian = \"intrinsic-delaunay\"` in [mesh]"),
            "{scenario}: {warning}"
        );
        let err = run("intrinsic-delaunay");
        assert!(!err.contains("negative cotan weight"), "{scenario}: {err}");
    }
    // Another flow, and an unknown choice.
    for (scenario, set, needle) in [
        (
            "bumpy-sphere",
            "mesh.laplacian=intrinsic-delaunay",
            "only the ricci and harmonic-map flows",
        ),
        ("ricci-torus", "mesh.laplacian=cotan", "intrinsic-delaunay"),
    ] {
        let o = geoflow(&["run", scenario, "--out", "out", "--set", set], dir.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{scenario} {set} accepted");
        assert!(
            err.contains("mesh.laplacian") && err.contains(needle),
            "{scenario} {set}: {err}"
        );
    }
}
