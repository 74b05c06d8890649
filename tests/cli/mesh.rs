//! `geoflow mesh info` on suspicious input and `geoflow mesh repair`: exit codes, the first
//! line of stderr, files written; `[mesh] weld` in a run and its `config.toml`.

use std::path::{Path, PathBuf};

use super::run::geoflow;

fn broken(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/broken")
        .join(name)
        .display()
        .to_string()
}

/// Exit code and the first line of stderr.
fn outcome(o: &std::process::Output) -> (Option<i32>, String) {
    let err = String::from_utf8_lossy(&o.stderr);
    (
        o.status.code(),
        err.lines().next().unwrap_or("").to_string(),
    )
}

#[test]
fn mesh_info_accepts_a_byte_order_mark_and_warns_about_duplicate_vertices() {
    let dir = tempfile::tempdir().unwrap();
    let o = geoflow(
        &["mesh", "info", &broken("obj_bom_octahedron.obj")],
        dir.path(),
    );
    assert_eq!(outcome(&o), (Some(0), String::new()));
    assert!(String::from_utf8_lossy(&o.stdout).contains("area                  6.928203"));
    let o = geoflow(
        &["mesh", "info", &broken("obj_triangle_soup.obj")],
        dir.path(),
    );
    assert_eq!(
        outcome(&o),
        (
            Some(0),
            "warning: 2 duplicate vertices: vertices 1 and 4 (and maybe others) both lie at (0, \
             0, 0), so the surface is not connected there (a crack or a triangle soup); they are \
             kept apart: set `weld = true` in [mesh] or run `geoflow mesh repair IN OUT` to join \
             them"
                .to_string()
        )
    );
}

#[test]
fn mesh_info_refuses_lying_counts_and_names_repair_for_non_manifold_meshes() {
    let dir = tempfile::tempdir().unwrap();
    for (file, want) in [
        (
            "off_extra_face.off",
            ":9: the header declares 4 vertices and 1 face (5 lines of data), but the file holds \
             6: the extra data starts at this line (wrong counts)",
        ),
        (
            "obj_bowtie_vertex.obj",
            ":1: vertex 1 at (0, 0, 0): its faces form more than one fan (non-manifold); \
             `geoflow mesh repair IN OUT` splits it, one vertex per fan",
        ),
        (
            "obj_nonmanifold_edge.obj",
            ":8: edge (1, 2) is shared by 3 faces (non-manifold): face 0, face 1, face 2; \
             `geoflow mesh repair IN OUT` keeps two of them",
        ),
    ] {
        let o = geoflow(&["mesh", "info", &broken(file)], dir.path());
        assert_eq!(
            outcome(&o),
            (Some(3), format!("error: {}{want}", broken(file)))
        );
    }
}

#[test]
fn mesh_repair_writes_a_valid_mesh_and_reports_each_change() {
    let dir = tempfile::tempdir().unwrap();
    let o = geoflow(
        &[
            "mesh",
            "repair",
            &broken("obj_nonmanifold_edge.obj"),
            "fixed.ply",
        ],
        dir.path(),
    );
    assert_eq!(
        outcome(&o),
        (
            Some(0),
            "repair: removed 1 face on 1 non-manifold edge with more than two faces, keeping each \
             edge's first two (e.g. face 2 on edge (0, 1))"
                .to_string()
        )
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.lines().nth(1),
        Some("repair: removed 1 vertex no face uses (e.g. vertex 4)")
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "wrote fixed.ply (4 vertices, 2 faces; the input had 5 vertices, 3 faces)"
    );
    let o = geoflow(&["mesh", "info", "fixed.ply"], dir.path());
    assert_eq!(outcome(&o), (Some(0), String::new()));
    assert!(String::from_utf8_lossy(&o.stdout).contains("valid                 yes"));

    // Nothing to do is said too.
    let o = geoflow(
        &["mesh", "repair", &broken("ply_tristrips.ply"), "same.obj"],
        dir.path(),
    );
    assert_eq!(
        outcome(&o),
        (Some(0), "repair: nothing to change".to_string())
    );
}

#[test]
fn mesh_repair_refuses_what_cannot_be_made_valid() {
    let dir = tempfile::tempdir().unwrap();
    let o = geoflow(
        &["mesh", "repair", &broken("obj_moebius.obj"), "m.obj"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.lines().last(),
        Some(
            format!(
                "error: {}: the component of face 0 (6 faces) is not orientable (like a Möbius \
                 strip): no choice of face orientations is consistent, so it cannot be made a \
                 valid mesh",
                broken("obj_moebius.obj")
            )
            .as_str()
        )
    );
    assert!(!dir.path().join("m.obj").exists());
    let o = geoflow(
        &["mesh", "repair", &broken("obj_nonfinite.obj"), "n.obj"],
        dir.path(),
    );
    assert_eq!(
        outcome(&o),
        (
            Some(3),
            format!(
                "error: {}:4: vertex 3: non-finite coordinate (0, NaN, 0)",
                broken("obj_nonfinite.obj")
            )
        )
    );
    // An output format that cannot be written is a usage error, found before any work.
    let o = geoflow(
        &["mesh", "repair", &broken("obj_flipped_face.obj"), "out.off"],
        dir.path(),
    );
    assert_eq!(
        outcome(&o),
        (
            Some(2),
            "error: out.off: cannot write meshes as `.off`: expected .obj or .ply".to_string()
        )
    );
}

/// An octahedron as a triangle soup: every face with its own three vertices.
fn octahedron_soup(dir: &Path) -> PathBuf {
    let p = [
        [1, 0, 0],
        [-1, 0, 0],
        [0, 1, 0],
        [0, -1, 0],
        [0, 0, 1],
        [0, 0, -1],
    ];
    let faces = [
        [0, 2, 4],
        [2, 1, 4],
        [1, 3, 4],
        [3, 0, 4],
        [2, 0, 5],
        [1, 2, 5],
        [3, 1, 5],
        [0, 3, 5],
    ];
    let mut text = String::new();
    for f in faces {
        for v in f {
            text += &format!("v {} {} {}\n", p[v][0], p[v][1], p[v][2]);
        }
    }
    for k in 0..faces.len() {
        text += &format!("f {} {} {}\n", 3 * k + 1, 3 * k + 2, 3 * k + 3);
    }
    let path = dir.join("soup.obj");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn mesh_weld_joins_a_triangle_soup_and_config_toml_records_it() {
    let dir = tempfile::tempdir().unwrap();
    octahedron_soup(dir.path());
    let scenario = |weld: &str| {
        format!(
            "name = \"s\"\nflow = \"surface-mcf\"\n[mesh]\nfile = \"soup.obj\"\n{weld}[time]\n\
             dt = 1e-3\nsteps = 1\n"
        )
    };
    std::fs::write(dir.path().join("w.toml"), scenario("weld = true\n")).unwrap();
    let o = geoflow(&["run", "w.toml", "--out", "w"], dir.path());
    assert_eq!(
        outcome(&o),
        (
            Some(0),
            "warning: welded 18 duplicate vertices (mesh.weld): 24 vertices share 6 distinct \
             positions"
                .to_string()
        ),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let config = std::fs::read_to_string(dir.path().join("w/config.toml")).unwrap();
    assert!(config.contains("weld = true"), "{config}");
    // The recorded configuration runs again the same way.
    let o = geoflow(&["run", "w/config.toml", "--out", "again"], dir.path());
    assert_eq!(o.status.code(), Some(0));

    // Without `weld`, the run is told and config.toml says the mesh was not welded.
    std::fs::write(dir.path().join("n.toml"), scenario("")).unwrap();
    let o = geoflow(&["run", "n.toml", "--out", "n"], dir.path());
    let (_, first) = outcome(&o);
    assert!(
        first.starts_with("warning: 18 duplicate vertices: vertices 2 and 4"),
        "{first}"
    );
    if let Ok(config) = std::fs::read_to_string(dir.path().join("n/config.toml")) {
        assert!(config.contains("weld = false"), "{config}");
    }

    // `weld` is for mesh files only.
    let o = geoflow(
        &[
            "run",
            "torus",
            "--out",
            "t",
            "--set",
            "mesh.weld=true",
            "--set",
            "time.steps=1",
        ],
        dir.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = geoflow(
        &[
            "run",
            "shrinking-sphere",
            "--out",
            "g",
            "--set",
            "mesh.weld=true",
        ],
        dir.path(),
    );
    assert_eq!(
        outcome(&o),
        (
            Some(2),
            "error: mesh.weld: only for a mesh `file` (a generated mesh has no duplicate \
             vertices)"
                .to_string()
        )
    );
}
