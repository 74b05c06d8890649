//! `geoflow::mesh::repair`: every repairable file of the broken corpus comes out valid (and every
//! other one is refused), each step's rule on small meshes, and a property test on random
//! damaged meshes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use geoflow::io::mesh::{read_mesh, read_mesh_unvalidated, write_mesh};
use geoflow::mesh::repair::{repair, RepairChange, RepairError, RepairOptions};
use geoflow::mesh::{shapes, topology, TriMesh};
use proptest::prelude::*;

use crate::mesh;

/// Files of `tests/data/broken/` that repair makes valid, with the first line of its report
/// (`""`: nothing to change) and the warning reading the result gives (`""`: none). Every other
/// file of the corpus is refused, by the reader or by the repair.
const REPAIRABLE: &[(&str, &str, &str)] = &[
    (
        "obj_bowtie_vertex.obj",
        "split 1 non-manifold vertex into one vertex per fan of faces (1 copy added at the same \
         positions; e.g. vertex 0, 2 fans)",
        "1 duplicate vertex: vertices ",
    ),
    (
        "obj_degenerate.obj",
        "removed 1 degenerate face (0 repeating a vertex, 1 of zero area; e.g. face 2)",
        "",
    ),
    (
        "obj_flipped_face.obj",
        "flipped 1 face in 1 component to orient it consistently (closed components outward, \
         open ones as most of their faces; e.g. face 1)",
        "",
    ),
    (
        "obj_nonmanifold_edge.obj",
        "removed 1 face on 1 non-manifold edge with more than two faces, keeping each edge's \
         first two (e.g. face 2 on edge (0, 1))",
        "",
    ),
    (
        "obj_two_vertex_face.obj",
        "removed 1 degenerate face (1 repeating a vertex, 0 of zero area; e.g. face 1)",
        "",
    ),
    (
        "obj_duplicate_face.obj",
        "removed 1 duplicate face (same three vertices as an earlier face; e.g. face 1, a copy \
         of face 0)",
        "",
    ),
    (
        "obj_triangle_soup.obj",
        "welded 2 vertices onto earlier vertices at exactly the same position (e.g. vertex 3 \
         onto vertex 0 at (0, 0, 0))",
        "",
    ),
    (
        "stl_coincident_corners.stl",
        "removed 1 degenerate face (1 repeating a vertex, 0 of zero area; e.g. face 1)",
        "",
    ),
    ("obj_bom_octahedron.obj", "", ""),
    ("ply_tristrips.ply", "", ""),
];

fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken")
}

#[test]
fn the_repairable_files_of_the_broken_corpus_come_out_valid() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(broken_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut repaired = 0;
    for name in &names {
        let path = broken_dir().join(name);
        let result = read_mesh_unvalidated(&path)
            .map_err(|e| e.to_string())
            .and_then(|(m, _)| repair(&m, &RepairOptions::default()).map_err(|e| e.to_string()));
        let Some(&(_, first, warning)) = REPAIRABLE.iter().find(|(f, _, _)| f == name) else {
            assert!(
                result.is_err(),
                "{name}: repaired, but not listed as repairable"
            );
            continue;
        };
        let (mesh, report) = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let lines: Vec<String> = report.changes.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            lines.first().map_or("", |l| l.as_str()),
            first,
            "{name}: {lines:?}"
        );
        for ext in ["obj", "ply"] {
            let out = dir.path().join(format!("{name}.{ext}"));
            write_mesh(&out, &mesh).unwrap();
            let (back, warnings) =
                read_mesh(&out).unwrap_or_else(|e| panic!("{name} repaired: {e}"));
            assert_eq!(back, mesh, "{name}: written and read back");
            match warning {
                "" => assert!(warnings.is_empty(), "{name}: {warnings:?}"),
                w => assert!(
                    warnings.len() == 1 && warnings[0].starts_with(w),
                    "{name}: {warnings:?}"
                ),
            }
            let info = geoflow::mesh::info::mesh_info(&back);
            assert_eq!(info.valid, Ok(()), "{name}");
        }
        repaired += 1;
    }
    assert_eq!(repaired, REPAIRABLE.len());
}

#[test]
fn a_moebius_strip_is_not_orientable() {
    let (m, _) = read_mesh_unvalidated(&broken_dir().join("obj_moebius.obj")).unwrap();
    let err = repair(&m, &RepairOptions::default()).unwrap_err();
    assert_eq!(err, RepairError::NonOrientable { face: 0, faces: 6 });
}

#[test]
fn a_valid_mesh_is_left_alone() {
    let m = shapes::icosphere(2, 1.0);
    let (out, report) = repair(&m, &RepairOptions::default()).unwrap();
    assert_eq!(out, m);
    assert!(report.changes.is_empty());
}

#[test]
fn a_closed_surface_is_oriented_outward_and_an_open_one_by_majority() {
    let sphere = shapes::icosphere(1, 1.0);
    let inward = TriMesh::new(
        sphere.positions.clone(),
        sphere.faces.iter().map(|&[a, b, c]| [a, c, b]).collect(),
    );
    let (out, report) = repair(&inward, &RepairOptions::default()).unwrap();
    assert_eq!(out, sphere);
    assert!(matches!(
        report.changes[..],
        [RepairChange::FacesFlipped {
            faces: 80,
            components: 1,
            example: 0
        }]
    ));
    // Three triangles in a plane, the first against the other two: the majority wins.
    let p = [
        [0., 0., 0.],
        [1., 0., 0.],
        [1., 1., 0.],
        [0., 1., 0.],
        [2., 0., 0.],
    ];
    let m = mesh(&p, &[[0, 2, 1], [0, 2, 3], [1, 4, 2]]);
    let (out, report) = repair(&m, &RepairOptions::default()).unwrap();
    assert_eq!(out.faces[0], [0, 1, 2]);
    assert!(matches!(
        report.changes[..],
        [RepairChange::FacesFlipped {
            faces: 1,
            components: 1,
            example: 0
        }]
    ));
}

#[test]
fn welding_with_a_tolerance_joins_a_crack() {
    // Two triangles whose shared edge's copies are 1e-9 apart.
    let p = [
        [0., 0., 0.],
        [1., 0., 0.],
        [1., 1., 0.],
        [1e-9, 0., 0.],
        [1., 1. + 1e-9, 0.],
        [0., 1., 0.],
    ];
    let m = mesh(&p, &[[0, 1, 2], [3, 4, 5]]);
    let (exact, report) = repair(&m, &RepairOptions::default()).unwrap();
    assert_eq!(exact.vertices(), 6);
    assert!(report.changes.is_empty());
    let opts = RepairOptions {
        weld_tolerance: 1e-6,
    };
    let (welded, report) = repair(&m, &opts).unwrap();
    assert_eq!(welded.vertices(), 4);
    assert_eq!(
        report.changes[0].to_string(),
        "welded 2 vertices onto earlier vertices within 1e-6 × the bounding-box diagonal (e.g. \
         vertex 3 onto vertex 0 at (0, 0, 0))"
    );
}

#[test]
fn non_finite_and_out_of_range_cannot_be_repaired() {
    let m = mesh(
        &[[0., 0., 0.], [1., 0., 0.], [0., f64::NAN, 0.]],
        &[[0, 1, 2]],
    );
    assert_eq!(
        repair(&m, &RepairOptions::default()).unwrap_err(),
        RepairError::NonFinite { vertex: 2 }
    );
    let m = mesh(&[[0., 0., 0.], [1., 0., 0.], [0., 1., 0.]], &[[0, 1, 3]]);
    assert!(matches!(
        repair(&m, &RepairOptions::default()),
        Err(RepairError::IndexOutOfRange {
            face: 0,
            index: 3,
            vertices: 3
        })
    ));
    let m = mesh(&[[0., 0., 0.], [1., 0., 0.], [2., 0., 0.]], &[[0, 1, 2]]);
    assert_eq!(
        repair(&m, &RepairOptions::default()).unwrap_err(),
        RepairError::NoFaces { faces: 1 }
    );
}

/// Damage a valid mesh: explode faces into a soup (duplicate vertices), flip faces, repeat
/// faces, add degenerate faces (a repeated vertex, or three collinear points), add unreferenced
/// vertices, and optionally random extra faces (which may make edges and vertices
/// non-manifold, or a component non-orientable).
#[derive(Clone, Debug)]
struct Damage {
    explode: Vec<bool>,
    flip: Vec<bool>,
    repeat: Vec<usize>,
    degenerate: Vec<(usize, bool)>,
    unreferenced: usize,
    extra: Vec<[usize; 3]>,
    shuffle: u64,
}

fn damage(extra: bool) -> impl Strategy<Value = (usize, Damage)> {
    (0usize..3).prop_flat_map(move |shape| {
        let (nv, nf): (usize, usize) = [(12, 20), (42, 80), (25, 32)][shape];
        (
            Just(shape),
            (
                prop::collection::vec(any::<bool>(), nf),
                prop::collection::vec(prop::bool::weighted(0.2), nf),
                prop::collection::vec(0..nf, 0..4),
                prop::collection::vec((0..nf, any::<bool>()), 0..4),
                0usize..3,
                prop::collection::vec(
                    [0..nv, 0..nv, 0..nv],
                    if extra { 0usize..6 } else { 0usize..1 },
                ),
                any::<u64>(),
            )
                .prop_map(
                    move |(
                        explode,
                        flip,
                        repeat,
                        degenerate,
                        unreferenced,
                        extra_faces,
                        shuffle,
                    )| {
                        Damage {
                            explode,
                            flip,
                            repeat,
                            degenerate,
                            unreferenced,
                            extra: if extra { extra_faces } else { Vec::new() },
                            shuffle,
                        }
                    },
                ),
        )
    })
}

fn base(shape: usize) -> TriMesh {
    match shape {
        0 => shapes::icosphere(0, 1.0),
        1 => shapes::icosphere(1, 1.0),
        _ => shapes::square(4, [0.0, 1.0], [0.0, 1.0]),
    }
}

fn apply(shape: usize, d: &Damage) -> TriMesh {
    let clean = base(shape);
    let mut m = TriMesh::new(clean.positions.clone(), Vec::new());
    for (f, &face) in clean.faces.iter().enumerate() {
        let mut face = if d.explode[f] {
            face.map(|v| {
                m.positions.push(clean.positions[v]);
                m.positions.len() - 1
            })
        } else {
            face
        };
        if d.flip[f] {
            face.swap(1, 2);
        }
        m.faces.push(face);
    }
    for &f in &d.repeat {
        m.faces.push(m.faces[f]);
    }
    for &(f, repeated) in &d.degenerate {
        let [a, b, _] = m.faces[f];
        if repeated {
            m.faces.push([a, b, a]);
        } else {
            // The midpoint of an edge: a zero-area face.
            let (p, q) = (m.positions[a], m.positions[b]);
            m.positions.push([
                0.5 * (p[0] + q[0]),
                0.5 * (p[1] + q[1]),
                0.5 * (p[2] + q[2]),
            ]);
            m.faces.push([a, b, m.positions.len() - 1]);
        }
    }
    for k in 0..d.unreferenced {
        m.positions.push([3.0 + k as f64, 0.0, 0.0]);
    }
    m.faces.extend(d.extra.iter().copied());
    // Shuffle the faces reproducibly.
    let mut z = d.shuffle;
    for i in (1..m.faces.len()).rev() {
        z = z
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        m.faces.swap(i, (z >> 33) as usize % (i + 1));
    }
    m
}

/// Check a repaired mesh: valid, reads back from OBJ unchanged, and no two vertices share a
/// position except the copies the split made.
fn check_repaired(out: &TriMesh, report: &geoflow::mesh::repair::RepairReport) {
    assert_eq!(topology::validate(out), Ok(()));
    let copies = report
        .changes
        .iter()
        .find_map(|c| match c {
            RepairChange::NonManifoldVerticesSplit { copies, .. } => Some(*copies),
            _ => None,
        })
        .unwrap_or(0);
    let mut seen: HashMap<[u64; 3], usize> = HashMap::new();
    let duplicates = out
        .positions
        .iter()
        .filter(|p| {
            let n = seen.entry(p.map(|c| (c + 0.0).to_bits())).or_insert(0);
            *n += 1;
            *n > 1
        })
        .count();
    assert!(
        duplicates <= copies,
        "{duplicates} duplicates, {copies} copies"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.obj");
    write_mesh(&path, out).unwrap();
    let (back, _) = read_mesh(&path).unwrap();
    assert_eq!(&back, out);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_meshes_are_repaired((shape, d) in damage(false)) {
        let m = apply(shape, &d);
        let (out, report) = repair(&m, &RepairOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        check_repaired(&out, &report);
        // A closed sphere stays one closed surface of its area, oriented outward.
        if shape < 2 {
            assert_eq!(out.faces.len(), base(shape).faces.len());
            assert!(crate::signed_volume(&out) > 0.0);
        }
    }

    #[test]
    fn random_extra_faces_are_repaired_or_refused((shape, d) in damage(true)) {
        let m = apply(shape, &d);
        match repair(&m, &RepairOptions::default()) {
            Ok((out, report)) => check_repaired(&out, &report),
            Err(RepairError::NonOrientable { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn repair_never_panics_on_arbitrary_triangles(
        positions in prop::collection::vec(prop::array::uniform3(-2i8..3), 1..12),
        faces in prop::collection::vec(prop::array::uniform3(0usize..14), 1..24),
        tolerance in prop_oneof![Just(0.0), 0.0..0.5f64],
    ) {
        let m = TriMesh::new(
            positions.iter().map(|p| p.map(f64::from)).collect(),
            faces,
        );
        if let Ok((out, report)) = repair(&m, &RepairOptions { weld_tolerance: tolerance }) {
            assert_eq!(topology::validate(&out), Ok(()));
            assert_eq!(report.after, (out.vertices(), out.faces.len()));
        }
    }
}
