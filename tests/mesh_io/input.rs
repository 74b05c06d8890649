//! Input that is what the file says: a UTF-8 byte order mark is skipped in every text format,
//! declared counts must match the content, duplicate vertices are reported (and welded only when
//! asked), PLY triangle strips are read.

use std::path::Path;

use geoflow::io::mesh::{parse_mesh, parse_mesh_opts, MeshFormat, ReadOptions};
use geoflow::mesh::topology;

use super::broken::broken_dir;
use super::formats::ply_tetra;
use super::{canonical_faces, read_ok, sample};

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[test]
fn a_byte_order_mark_is_skipped_in_every_text_format() {
    for (name, format) in [
        ("cube_vt_vn.obj", MeshFormat::Obj),
        ("cube.off", MeshFormat::Off),
        ("tetra_ascii.ply", MeshFormat::Ply),
        ("tetra_ascii.stl", MeshFormat::Stl),
        ("tetra_polydata.vtk", MeshFormat::VtkLegacy),
        ("tetra.vtp", MeshFormat::VtkXml),
    ] {
        let plain = std::fs::read(sample(name)).unwrap();
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(&plain);
        let (want, ww) = parse_mesh(Path::new(name), format, &plain).unwrap();
        let (got, gw) = parse_mesh(Path::new(name), format, &with_bom)
            .unwrap_or_else(|e| panic!("{name} with a BOM: {e}"));
        assert_eq!(got, want, "{name}");
        assert_eq!(gw, ww, "{name}");
    }
}

#[test]
fn an_octahedron_with_a_byte_order_mark_keeps_its_first_vertex() {
    let (mesh, warnings) = read_ok(&broken_dir().join("obj_bom_octahedron.obj"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(mesh.vertices(), 6);
    assert_eq!(mesh.positions[0], [1.0, 0.0, 0.0]);
    let area = geoflow::mesh::info::mesh_info(&mesh).area;
    assert!((area - 4.0 * 3f64.sqrt()).abs() < 1e-12, "area {area}");
}

#[test]
fn binary_ply_with_bytes_after_the_declared_elements_is_refused() {
    let mut bytes = ply_tetra("binary_little_endian");
    parse_mesh(Path::new("t.ply"), MeshFormat::Ply, &bytes).unwrap();
    let body = bytes.len();
    bytes.extend_from_slice(&[3, 0, 0, 0, 0]);
    let err = parse_mesh(Path::new("t.ply"), MeshFormat::Ply, &bytes)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "t.ply: 5 bytes after the last element the header declares (2 material, 4 vertex, \
             4 face), from byte {body} (wrong counts)"
        )
    );
}

#[test]
fn off_with_fewer_faces_than_declared_names_both_counts() {
    let text = b"OFF\n3 2 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n";
    let err = parse_mesh(Path::new("t.off"), MeshFormat::Off, text)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "t.off: truncated file: the header declares 2 faces, found only 1"
    );
}

#[test]
fn duplicate_vertices_are_reported_and_welded_only_when_asked() {
    let bytes = std::fs::read(broken_dir().join("obj_triangle_soup.obj")).unwrap();
    let path = Path::new("soup.obj");
    let (kept, _, warnings) =
        parse_mesh_opts(path, MeshFormat::Obj, &bytes, ReadOptions::default()).unwrap();
    assert_eq!((kept.vertices(), kept.faces.len()), (6, 2));
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("2 duplicate vertices: vertices 1 and 4"));
    let weld = ReadOptions {
        weld: true,
        fields: false,
    };
    let (welded, _, warnings) = parse_mesh_opts(path, MeshFormat::Obj, &bytes, weld).unwrap();
    assert_eq!(
        warnings,
        ["welded 2 duplicate vertices (mesh.weld): 6 vertices share 4 distinct positions"]
    );
    assert_eq!(welded.vertices(), 4);
    assert_eq!(canonical_faces(&welded.faces), [[0, 1, 2], [0, 2, 3]]);
    let edges = topology::edges(&welded).unwrap();
    assert_eq!(topology::boundary_loops(&welded, &edges).len(), 1);
}

#[test]
fn welding_that_collapses_a_face_names_its_position() {
    // Vertex 3 is a copy of vertex 1: the second face has two corners at one position.
    let text = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 0 0\nf 1 2 3\nf 1 4 2\n";
    let weld = ReadOptions {
        weld: true,
        fields: false,
    };
    let err = parse_mesh_opts(Path::new("c.obj"), MeshFormat::Obj, text, weld)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "c.obj:6: face 1: corners 1 and 2 coincide at (1, 0, 0) (degenerate); `geoflow mesh \
             repair IN OUT` fixes this"
        ),
        "{err}"
    );
}

#[test]
fn ply_triangle_strips_alternate_and_skip_joining_triangles() {
    let (mesh, warnings) = read_ok(&broken_dir().join("ply_tristrips.ply"));
    assert!(warnings.is_empty());
    assert_eq!(
        canonical_faces(&mesh.faces),
        canonical_faces(&[[0, 1, 2], [2, 1, 3], [2, 3, 4], [4, 3, 5]])
    );
    // One strip joined to the next by repeated vertices (the usual stitching) reads the same.
    let text = "ply\nformat binary_big_endian 1.0\nelement vertex 6\nproperty double x\n\
                property double y\nproperty double z\nelement tristrips 1\n\
                property list uchar int vertex_indices\nend_header\n";
    let mut bytes = text.as_bytes().to_vec();
    for p in [[0., 0.], [0., 1.], [1., 0.], [1., 1.], [2., 0.], [2., 1.]] {
        for c in [p[0], p[1], 0.0] {
            bytes.extend_from_slice(&f64::to_be_bytes(c));
        }
    }
    let strip: [i32; 6] = [0, 1, 2, 3, 4, 5];
    bytes.push(strip.len() as u8);
    for v in strip {
        bytes.extend_from_slice(&v.to_be_bytes());
    }
    let (one, _) = parse_mesh(Path::new("s.ply"), MeshFormat::Ply, &bytes).unwrap();
    assert_eq!(canonical_faces(&one.faces), canonical_faces(&mesh.faces));
    let edges = topology::edges(&one).unwrap();
    assert!(topology::is_consistently_oriented(&one, &edges));
}

#[test]
fn a_negative_index_other_than_minus_one_in_a_strip_is_refused() {
    let text = b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n\
                 property float z\nelement tristrips 1\nproperty list int int vertex_indices\n\
                 end_header\n0 0 0\n1 0 0\n0 1 0\n4 0 1 2 -2\n";
    let err = parse_mesh(Path::new("s.ply"), MeshFormat::Ply, text)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "s.ply:13: tristrips 0: negative vertex index -2 (only -1 ends a strip)"
    );
}
