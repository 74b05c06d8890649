//! Each format read from small hand-written files (here and in `tests/mesh_io/data/`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use geoflow::io::mesh::{read_mesh, MeshFormat, READ_EXTENSIONS};
use geoflow::mesh::TriMesh;
use nalgebra::Vector3;

use super::{area_vector, canonical_faces, read_err, read_ok, sample, tetra, write_file};

/// `got` equals `want` up to the order of vertices (matched by exact position) and of faces and
/// their starting corners; winding must match.
fn assert_same_mesh(got: &TriMesh, want: &TriMesh) {
    assert_eq!(got.positions.len(), want.positions.len(), "vertex count");
    let map: Vec<usize> = got
        .positions
        .iter()
        .map(|p| {
            want.positions
                .iter()
                .position(|q| q == p)
                .unwrap_or_else(|| panic!("unexpected vertex {p:?}"))
        })
        .collect();
    let faces: Vec<[usize; 3]> = got.faces.iter().map(|t| t.map(|v| map[v])).collect();
    assert_eq!(canonical_faces(&faces), canonical_faces(&want.faces));
}

/// Sum of triangle areas, and whether every triangle's normal points along `normal`.
fn area_and_orientation(mesh: &TriMesh, normal: [f64; 3]) -> (f64, bool) {
    let mut total = 0.0;
    let mut aligned = true;
    for t in &mesh.faces {
        let a = area_vector(t.map(|v| mesh.positions[v]));
        total += a.norm();
        aligned &= a.dot(&Vector3::from(normal)) > 0.0;
    }
    (total, aligned)
}

/// The closed unit cube's triangles all face outwards and add up to area 6.
fn assert_unit_cube(mesh: &TriMesh) {
    assert_eq!(mesh.positions.len(), 8);
    assert_eq!(mesh.faces.len(), 12);
    let mut total = 0.0;
    for t in &mesh.faces {
        let p = t.map(|v| mesh.positions[v]);
        let a = area_vector(p);
        let [x, y, z] = p.map(Vector3::from);
        let c = (x + y + z) / 3.0 - Vector3::repeat(0.5);
        assert!(a.dot(&c) > 0.0, "face {t:?} points inwards");
        total += a.norm();
    }
    assert!((total - 6.0).abs() < 1e-12, "area {total}");
}

#[test]
fn obj_with_vt_vn_relative_indices_and_other_statements() {
    let (mesh, warnings) = read_ok(&sample("cube_vt_vn.obj"));
    assert_unit_cube(&mesh);
    assert_eq!(
        warnings,
        ["triangulated 6 polygons with more than 3 vertices into 12 triangles"]
    );
}

#[test]
fn obj_crlf_negative_indices_and_comments() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# tetra\r\nv 0 0 0\r\nv 1 0 0 # trailing comment\r\n\r\nv 0 1 0\r\nv 0 0 1\r\n\
                f -4 -2 -3\r\nf 1/1 2/2 4/4\r\nf 1//1 4//1 3//1\r\nf 2/5/6 3/5/6 4/5/6\r\n";
    let path = write_file(dir.path(), "crlf.obj", text.as_bytes());
    let (mesh, warnings) = read_ok(&path);
    assert_eq!(mesh, tetra());
    assert!(warnings.is_empty(), "{warnings:?}");
}

/// A non-convex polygon (a "U", on a tilted plane) must be ear-clipped: a fan from its first
/// vertex would overlap itself; the triangles must tile the polygon exactly, none inverted.
#[test]
fn obj_non_convex_polygon_is_ear_clipped() {
    let outline: [[f64; 2]; 8] = [
        [1.0, 2.0],
        [0.0, 2.0],
        [0.0, 0.0],
        [3.0, 0.0],
        [3.0, 2.0],
        [2.0, 2.0],
        [2.0, 1.0],
        [1.0, 1.0],
    ];
    // The outline is counter-clockwise (positive shoelace area).
    let shoelace: f64 = (0..8)
        .map(|k| {
            let (p, q) = (outline[k], outline[(k + 1) % 8]);
            p[0] * q[1] - q[0] * p[1]
        })
        .sum::<f64>()
        / 2.0;
    assert_eq!(shoelace, 5.0);
    // An orthonormal frame (a, b) of a tilted plane, normal n = a × b.
    let s = 1.0 / 2f64.sqrt();
    let a = [s, 0.0, s];
    let b = [0.0, 1.0, 0.0];
    let n = [-s, 0.0, s];
    let o = [0.3, -0.2, 1.7];
    let mut text = String::new();
    for p in &outline {
        let q: Vec<f64> = (0..3).map(|d| o[d] + p[0] * a[d] + p[1] * b[d]).collect();
        text += &format!("v {:?} {:?} {:?}\n", q[0], q[1], q[2]);
    }
    text += "f 1 2 3 4 5 6 7 8\n";
    let dir = tempfile::tempdir().unwrap();
    let (mesh, warnings) = read_ok(&write_file(dir.path(), "u.obj", text.as_bytes()));
    assert_eq!(mesh.faces.len(), 6);
    assert_eq!(
        warnings,
        ["triangulated 1 polygon with more than 3 vertices into 6 triangles"]
    );
    let (area, aligned) = area_and_orientation(&mesh, n);
    assert!(aligned, "an inverted triangle: {:?}", mesh.faces);
    assert!((area - 5.0).abs() < 1e-12, "area {area}, want 5");

    // The fan from the first vertex would not tile the polygon: this test means something.
    let fan = TriMesh::new(
        mesh.positions.clone(),
        (1..7).map(|k| [0, k, k + 1]).collect(),
    );
    let (fan_area, fan_aligned) = area_and_orientation(&fan, n);
    assert!(!fan_aligned || (fan_area - 5.0).abs() > 1e-6);

    // The same polygon wound the other way keeps its (now opposite) orientation.
    let reversed = text.replace("f 1 2 3 4 5 6 7 8", "f 8 7 6 5 4 3 2 1");
    let (mesh, _) = read_ok(&write_file(dir.path(), "u_rev.obj", reversed.as_bytes()));
    let (area, aligned) = area_and_orientation(&mesh, n.map(|x| -x));
    assert!(aligned && (area - 5.0).abs() < 1e-12);
}

#[test]
fn obj_unreferenced_vertices_are_removed_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text = "v 9 9 9\nv 0 0 0\nv 1 0 0\nv 8 8 8\nv 0 1 0\nv 0 0 1\nv 7 7 7\n\
                f 2 5 3\nf 2 3 6\nf 2 6 5\nf 3 5 6\n";
    let (mesh, warnings) = read_ok(&write_file(dir.path(), "extra.obj", text.as_bytes()));
    assert_eq!(mesh, tetra());
    assert_eq!(
        warnings,
        ["removed 3 unreferenced vertexes (used by no face)"]
    );
}

#[test]
fn off_with_colours_comments_and_quads() {
    let (mesh, warnings) = read_ok(&sample("cube.off"));
    assert_unit_cube(&mesh);
    assert_eq!(
        warnings,
        ["triangulated 6 polygons with more than 3 vertices into 12 triangles"]
    );
    // Same polygons, same triangulation as the OBJ cube.
    assert_eq!(mesh, read_ok(&sample("cube_vt_vn.obj")).0);
}

#[test]
fn off_counts_on_the_keyword_line_and_without_keyword() {
    let dir = tempfile::tempdir().unwrap();
    let body = "0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n";
    for (name, head) in [
        ("inline.off", "OFF 4 4 6\n"),
        ("nokw.off", "4 4 0\n"),
        ("noff.off", "NOFF\n4 4 0\n"),
    ] {
        let path = write_file(dir.path(), name, format!("{head}{body}").as_bytes());
        assert_eq!(read_ok(&path).0, tetra(), "{name}");
    }
}

/// One PLY body (a tetrahedron with extra properties and elements) in three encodings.
pub fn ply_tetra(format: &str) -> Vec<u8> {
    let header = format!(
        "ply\r\nformat {format} 1.0\r\ncomment three encodings, one mesh\r\n\
         element material 2\r\nproperty list uchar short ids\r\nproperty double shine\r\n\
         element vertex 4\r\nproperty uchar flag\r\nproperty float x\r\nproperty double y\r\n\
         property list ushort uint junk\r\nproperty int z\r\n\
         element face 4\r\nproperty char kind\r\nproperty list uint ushort vertex_index\r\n\
         end_header\r\n"
    );
    let v = tetra().positions;
    let f = tetra().faces;
    let mut out = header.into_bytes();
    match format {
        "ascii" => {
            out.extend_from_slice(b"2 7 -8 0.5\n0 1.5\n");
            for (k, p) in v.iter().enumerate() {
                out.extend_from_slice(
                    format!("{k} {} {} {k} {} {}\n", p[0], p[1], "9 ".repeat(k), p[2]).as_bytes(),
                );
            }
            for t in &f {
                out.extend_from_slice(format!("-1 3 {} {} {}\n", t[0], t[1], t[2]).as_bytes());
            }
        }
        _ => {
            let big = format == "binary_big_endian";
            macro_rules! put {
                ($x:expr) => {
                    if big {
                        out.extend_from_slice(&$x.to_be_bytes())
                    } else {
                        out.extend_from_slice(&$x.to_le_bytes())
                    }
                };
            }
            put!(2u8);
            put!(7i16);
            put!(-8i16);
            put!(0.5f64);
            put!(0u8);
            put!(1.5f64);
            for (k, p) in v.iter().enumerate() {
                put!(k as u8);
                put!(p[0] as f32);
                put!(p[1]);
                put!(k as u16);
                for _ in 0..k {
                    put!(9u32);
                }
                put!(p[2] as i32);
            }
            for t in &f {
                put!(-1i8);
                put!(3u32);
                for &i in t {
                    put!(i as u16);
                }
            }
        }
    }
    out
}

#[test]
fn ply_three_encodings_give_the_same_mesh() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["ascii", "binary_little_endian", "binary_big_endian"] {
        let path = write_file(dir.path(), &format!("{format}.ply"), &ply_tetra(format));
        let (mesh, warnings) = read_ok(&path);
        assert_eq!(mesh, tetra(), "{format}");
        assert!(warnings.is_empty(), "{format}: {warnings:?}");
    }
    assert_eq!(read_ok(&sample("tetra_ascii.ply")).0, tetra());
}

#[test]
fn stl_ascii_is_welded() {
    let (mesh, warnings) = read_ok(&sample("tetra_ascii.stl"));
    assert_same_mesh(&mesh, &tetra());
    assert_eq!(
        warnings,
        ["welded 8 duplicate STL vertices: 12 facet corners share 4 distinct positions"]
    );
}

/// Binary STL bytes for `mesh`, with an 80-byte header starting with `header`.
pub fn binary_stl(header: &[u8], mesh: &TriMesh) -> Vec<u8> {
    let mut out = vec![b' '; 80];
    out[..header.len()].copy_from_slice(header);
    out.extend_from_slice(&(mesh.faces.len() as u32).to_le_bytes());
    for t in &mesh.faces {
        out.extend_from_slice(&[0u8; 12]);
        for &v in t {
            for c in mesh.positions[v] {
                out.extend_from_slice(&(c as f32).to_le_bytes());
            }
        }
        out.extend_from_slice(&[0, 0]);
    }
    out
}

#[test]
fn binary_stl_starting_with_solid() {
    let dir = tempfile::tempdir().unwrap();
    let mut tet = tetra();
    tet.positions[0] = [-0.0, 0.0, -0.0];
    let bytes = binary_stl(b"solid but actually binary", &tet);
    assert_eq!(bytes.len(), 84 + 50 * 4);
    let path = write_file(dir.path(), "solid_binary.stl", &bytes);
    let (mesh, warnings) = read_ok(&path);
    assert_same_mesh(&mesh, &tet);
    assert_eq!(
        warnings,
        ["welded 8 duplicate STL vertices: 12 facet corners share 4 distinct positions"]
    );
}

#[test]
fn binary_stl_welds_negative_zero_with_zero() {
    // Corner 0 written as -0.0 in one facet and +0.0 in the others is one vertex.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = binary_stl(b"tetra", &tetra());
    // Facet 0, corner 0, x: bytes 84 + 12 .. 84 + 16.
    bytes[84 + 12..84 + 16].copy_from_slice(&(-0.0f32).to_le_bytes());
    let (mesh, _) = read_ok(&write_file(dir.path(), "negzero.stl", &bytes));
    assert_eq!(mesh.positions.len(), 4);
}

#[test]
fn vtk_legacy_ascii_polydata_with_field_and_metadata() {
    let (mesh, warnings) = read_ok(&sample("tetra_polydata.vtk"));
    assert_eq!(mesh, tetra());
    assert!(warnings.is_empty());
}

#[test]
fn vtk_legacy_5_1_offsets_connectivity() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# vtk DataFile Version 5.1\nvtk output\nASCII\nDATASET POLYDATA\n\
                POINTS 4 float\n0 0 0 1 0 0 0 1 0\n0 0 1\n\
                POLYGONS 5 12\nOFFSETS vtktypeint64\n0 3 6 9 12\n\
                CONNECTIVITY vtktypeint64\n0 2 1 0 1 3 0 3 2 1 2 3\n";
    let (mesh, _) = read_ok(&write_file(dir.path(), "v51.vtk", text.as_bytes()));
    assert_eq!(mesh, tetra());
}

/// Legacy binary (big-endian) unstructured grid with a quad and two triangles.
pub fn legacy_binary_grid() -> Vec<u8> {
    let mut out = b"# vtk DataFile Version 3.0\nbinary grid\nBINARY\nDATASET UNSTRUCTURED_GRID\n\
                    POINTS 6 double\n"
        .to_vec();
    for c in [
        0., 0., 0., 1., 0., 0., 2., 0., 0., 0., 1., 0., 1., 1., 0., 2., 1.5, 0.,
    ] {
        out.extend_from_slice(&f64::to_be_bytes(c));
    }
    out.extend_from_slice(b"\nCELLS 3 13\n");
    for i in [4, 0, 1, 4, 3, 3, 1, 2, 5, 3, 1, 5, 4] {
        out.extend_from_slice(&i32::to_be_bytes(i));
    }
    out.extend_from_slice(b"\nCELL_TYPES 3\n");
    for t in [9, 5, 5] {
        out.extend_from_slice(&i32::to_be_bytes(t));
    }
    out.extend_from_slice(b"\nCELL_DATA 3\n");
    out
}

#[test]
fn vtk_legacy_binary_unstructured_grid_quads_triangulated() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "grid.vtk", &legacy_binary_grid());
    let (mesh, warnings) = read_ok(&path);
    let (want, _) = read_ok(&sample("square_quads.vtu"));
    assert_eq!(mesh, want);
    assert_eq!(
        warnings,
        ["triangulated 1 polygon with more than 3 vertices into 2 triangles"]
    );
}

#[test]
fn vtk_xml_ascii_unstructured_grid_and_polydata() {
    let (mesh, warnings) = read_ok(&sample("square_quads.vtu"));
    assert_eq!(mesh.positions.len(), 6);
    assert_eq!(mesh.faces.len(), 4);
    assert_eq!(
        warnings,
        ["triangulated 1 polygon with more than 3 vertices into 2 triangles"]
    );
    let (area, aligned) = {
        let mut total = 0.0;
        let mut up = true;
        for t in &mesh.faces {
            let a = area_vector(t.map(|v| mesh.positions[v]));
            total += a[2];
            up &= a[2] > 0.0;
        }
        (total, up)
    };
    assert!(aligned);
    assert!((area - 2.25).abs() < 1e-12, "{area}");

    let (mesh, _) = read_ok(&sample("tetra.vtp"));
    assert_eq!(mesh, tetra());
}

/// A `.vtu` with inline base64 binary arrays (UInt64 headers), as our own frame writer and
/// ParaView write them.
pub fn binary_vtu() -> Vec<u8> {
    fn array(bytes: Vec<u8>) -> String {
        let mut raw = (bytes.len() as u64).to_le_bytes().to_vec();
        raw.extend(bytes);
        STANDARD.encode(raw)
    }
    let t = tetra();
    let points = array(
        t.positions
            .iter()
            .flatten()
            .flat_map(|c| c.to_le_bytes())
            .collect(),
    );
    let conn = array(
        t.faces
            .iter()
            .flatten()
            .flat_map(|&i| (i as i64).to_le_bytes())
            .collect(),
    );
    let offsets = array(
        [3i64, 6, 9, 12]
            .iter()
            .flat_map(|o| o.to_le_bytes())
            .collect(),
    );
    let types = array(vec![5u8; 4]);
    format!(
        r#"<?xml version="1.0"?>
<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian" header_type="UInt64">
<UnstructuredGrid><Piece NumberOfPoints="4" NumberOfCells="4">
<Points><DataArray type="Float64" NumberOfComponents="3" format="binary">{points}</DataArray></Points>
<Cells>
<DataArray type="Int64" Name="connectivity" format="binary">{conn}</DataArray>
<DataArray type="Int64" Name="offsets" format="binary">{offsets}</DataArray>
<DataArray type="UInt8" Name="types" format="binary">{types}</DataArray>
</Cells></Piece></UnstructuredGrid></VTKFile>
"#
    )
    .into_bytes()
}

#[test]
fn vtk_xml_binary_base64() {
    let dir = tempfile::tempdir().unwrap();
    let (mesh, _) = read_ok(&write_file(dir.path(), "tetra.vtu", &binary_vtu()));
    assert_eq!(mesh, tetra());
}

/// zlib-compressed arrays, inline (UInt32 headers) and base64-appended (UInt64 headers), whose
/// sizes are exact multiples of the block size (VTK then writes a last-block size of 0).
#[test]
fn vtk_xml_zlib_compressed_inline_and_appended() {
    for name in ["tetra_zlib.vtu", "tetra_zlib_appended.vtp"] {
        let (mesh, warnings) = read_ok(&sample(name));
        assert_eq!(mesh, tetra(), "{name}");
        assert!(warnings.is_empty());
    }
}

#[test]
fn extensions_are_case_insensitive() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["tetra.vtp", "cube.off"] {
        let bytes = std::fs::read(sample(name)).unwrap();
        let upper = write_file(dir.path(), &name.to_uppercase(), &bytes);
        assert_eq!(read_ok(&upper).0, read_ok(&sample(name)).0);
    }
    assert_eq!(
        MeshFormat::from_path(std::path::Path::new("a/b.StL")).unwrap(),
        MeshFormat::Stl
    );
}

#[test]
fn unknown_extension_lists_the_supported_ones() {
    let msg = read_err(std::path::Path::new("somewhere/mesh.xyz"));
    assert_eq!(
        msg,
        "somewhere/mesh.xyz: unsupported mesh file extension `.xyz`: expected one of \
         .obj .off .ply .stl .vtk .vtu .vtp"
    );
    assert_eq!(READ_EXTENSIONS.len(), 7);
    let msg = read_err(std::path::Path::new("noext"));
    assert!(msg.contains("extension (none)"), "{msg}");
}

#[test]
fn missing_file_is_an_io_error_with_the_path() {
    let err = read_mesh(std::path::Path::new("/nonexistent/dir/mesh.obj")).unwrap_err();
    assert!(matches!(err, geoflow::Error::Io { .. }), "{err:?}");
    assert!(err.to_string().starts_with("/nonexistent/dir/mesh.obj: "));
}
