//! Per-vertex fields (`read_mesh_with_fields`): VTK XML frames written by geoflow, legacy VTK
//! point data (ASCII and binary), extra PLY vertex properties (all three encodings), remapping
//! when unused vertices are removed, and the errors for bad fields.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use geoflow::flows::{Cells, Field, Frame};
use geoflow::io::mesh::{read_mesh, read_mesh_with_fields, PointField};
use geoflow::io::vtk::write_frame;
use geoflow::mesh::TriMesh;

use super::{read_ok, sample, tetra, write_file};

/// Read a mesh with its fields; it must be valid.
fn read_fields(path: &Path) -> (TriMesh, Vec<PointField>, Vec<String>) {
    read_mesh_with_fields(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The error message of reading a mesh with its fields that must fail.
fn fields_err(path: &Path) -> String {
    match read_mesh_with_fields(path) {
        Ok((m, f, _)) => panic!(
            "{}: read {} vertices and fields {:?}, expected an error",
            path.display(),
            m.positions.len(),
            f.iter().map(|f| &f.name).collect::<Vec<_>>()
        ),
        Err(e) => e.to_string(),
    }
}

/// `field` is called `name`, has `components` components and exactly the values `want`
/// (bit for bit).
fn assert_field(field: &PointField, name: &str, components: usize, want: &[f64]) {
    assert_eq!(field.name, name);
    assert_eq!(field.components, components, "{name}: components");
    assert_eq!(field.values.len(), want.len(), "{name}: value count");
    for (k, (g, w)) in field.values.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{name} value {k}: got {g:?}, want {w:?}"
        );
    }
}

/// The names of `fields`, in order.
fn names(fields: &[PointField]) -> Vec<&str> {
    fields.iter().map(|f| f.name.as_str()).collect()
}

/// Awkward finite values that must survive a round trip bit for bit.
fn awkward(k: usize) -> f64 {
    const S: [f64; 7] = [
        0.1,
        -0.0,
        f64::MIN_POSITIVE / 3.0,
        1e300,
        -1.0 / 3.0,
        7.0,
        2.5e-17,
    ];
    S[k % S.len()] + (k / S.len()) as f64
}

/// A geoflow triangle frame of the tetrahedron with an extra point at index `unused` (if any)
/// that no triangle uses, a vector field `u`, a scalar field `h` and cell data.
fn tetra_frame(unused: Option<usize>, u: Vec<[f64; 3]>, h: Vec<f64>) -> Frame {
    let t = tetra();
    let mut points = t.positions.clone();
    let mut tris = t.faces.clone();
    if let Some(at) = unused {
        points.insert(at, [5.0, 5.0, 5.0]);
        for i in tris.iter_mut().flatten() {
            if *i >= at {
                *i += 1;
            }
        }
    }
    Frame {
        points,
        cells: Cells::Triangles(tris),
        point_data: vec![("u", Field::Vector(u)), ("h", Field::Scalar(h))],
        cell_data: vec![("quality", Field::Scalar(vec![1.0, 0.5, 0.25, 0.125]))],
        series: Vec::new(),
    }
}

/// The bytes of a geoflow frame `.vtu` of the tetrahedron with fields `u` (vector) and `h`
/// (scalar), written once.
pub fn geoflow_frame_bytes() -> Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("frame.vtu");
            let u = (0..4).map(|p| [p as f64, 0.5, -1.0]).collect();
            let frame = tetra_frame(None, u, vec![0.25, 0.5, 1.0, 2.0]);
            write_frame(&path, &frame, &[("TimeValue", 1.0)]).unwrap();
            std::fs::read(&path).unwrap()
        })
        .clone()
}

#[test]
fn geoflow_vtu_frame_round_trips_fields_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frame_000007.vtu");
    let u: Vec<[f64; 3]> = (0..4)
        .map(|p| [awkward(3 * p), awkward(3 * p + 1), awkward(3 * p + 2)])
        .collect();
    let h: Vec<f64> = (0..4).map(|p| awkward(p + 5) * 1e-3).collect();
    let frame = tetra_frame(None, u.clone(), h.clone());
    write_frame(
        &path,
        &frame,
        &[("TimeValue", 0.5), ("Energy", 2.0), ("Step", 7.0)],
    )
    .unwrap();

    let (mesh, fields, warnings) = read_fields(&path);
    assert_eq!(mesh, tetra());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(names(&fields), ["u", "h"], "point data only, in file order");
    let flat: Vec<f64> = u.iter().flatten().copied().collect();
    assert_field(&fields[0], "u", 3, &flat);
    assert_field(&fields[1], "h", 1, &h);
    assert_eq!(fields[0].vertices(), 4);
    assert_eq!(fields[0].at(2), &u[2][..]);

    // `read_mesh` reads the same mesh.
    assert_eq!(read_ok(&path).0, mesh);
}

/// The tetrahedron as ASCII legacy VTK polydata, with cell data before the point data (as VTK
/// writes it) and every kind of point attribute.
pub const LEGACY_ASCII: &str = "# vtk DataFile Version 3.0
tetrahedron with point data
ASCII
DATASET POLYDATA
POINTS 4 double
0 0 0
1 0 0
0 1 0
0 0 1
POLYGONS 4 16
3 0 2 1
3 0 1 3
3 0 3 2
3 1 2 3
CELL_DATA 4
SCALARS area float
LOOKUP_TABLE default
1 2 3 4
VECTORS cell_normal double
1 0 0 0 1 0 0 0 1 1 1 1
POINT_DATA 4
SCALARS u double 1
LOOKUP_TABLE default
0.5 -1.25 1e-300 3
SCALARS pair float 2
0 1
2 3
4 5
6 0.25
VECTORS velocity double
1 0 0  0 1 0  0 0 1  0.1 0.2 0.3
METADATA
INFORMATION 0

NORMALS n float
0 0 -1 0 -1 0 -1 0 0 0.5 0.5 0.5
COLOR_SCALARS rgb 3
0 0 0 1 1 1 0.5 0.5 0.5 0 1 0
FIELD extra 2
temperature 1 4 double
10 20 30 40
label 2 4 int
1 -2 3 -4 5 -6 7 -8
";

#[test]
fn legacy_ascii_point_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "tetra_fields.vtk", LEGACY_ASCII.as_bytes());
    let (mesh, fields, warnings) = read_fields(&path);
    assert_eq!(mesh, tetra());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        names(&fields),
        ["u", "pair", "velocity", "n", "temperature", "label"],
        "point attributes only (no cell data, no COLOR_SCALARS)"
    );
    assert_field(&fields[0], "u", 1, &[0.5, -1.25, 1e-300, 3.0]);
    assert_field(&fields[1], "pair", 2, &[0., 1., 2., 3., 4., 5., 6., 0.25]);
    assert_field(
        &fields[2],
        "velocity",
        3,
        &[1., 0., 0., 0., 1., 0., 0., 0., 1., 0.1, 0.2, 0.3],
    );
    assert_field(
        &fields[3],
        "n",
        3,
        &[0., 0., -1., 0., -1., 0., -1., 0., 0., 0.5, 0.5, 0.5],
    );
    assert_field(&fields[4], "temperature", 1, &[10., 20., 30., 40.]);
    assert_field(
        &fields[5],
        "label",
        2,
        &[1., -2., 3., -4., 5., -6., 7., -8.],
    );

    // Without fields, the point data is not even looked at.
    assert_eq!(read_ok(&path).0, mesh);
}

/// The tetrahedron as binary (big-endian) legacy VTK, with SCALARS (double, and unsigned char
/// above 127), VECTORS (float) and a FIELD array of unsigned shorts.
pub fn legacy_binary() -> Vec<u8> {
    let mut out = b"# vtk DataFile Version 3.0\nbinary fields\nBINARY\nDATASET POLYDATA\n\
                    POINTS 4 float\n"
        .to_vec();
    for c in tetra().positions.iter().flatten() {
        out.extend_from_slice(&(*c as f32).to_be_bytes());
    }
    out.extend_from_slice(b"\nPOLYGONS 4 16\n");
    for t in tetra().faces {
        out.extend_from_slice(&3i32.to_be_bytes());
        for i in t {
            out.extend_from_slice(&(i as i32).to_be_bytes());
        }
    }
    out.extend_from_slice(b"\nPOINT_DATA 4\nSCALARS u double\nLOOKUP_TABLE default\n");
    for x in [0.1, -2.5, 1.0 / 3.0, 1e300] {
        out.extend_from_slice(&f64::to_be_bytes(x));
    }
    out.extend_from_slice(b"\nVECTORS velocity float\n");
    for x in [
        1.0f32, 2.0, 3.0, -1.0, -2.0, -3.0, 0.5, 0.25, 0.125, 0.0, -0.0, 8.0,
    ] {
        out.extend_from_slice(&x.to_be_bytes());
    }
    out.extend_from_slice(b"\nSCALARS tag unsigned_char 1\nLOOKUP_TABLE default\n");
    out.extend_from_slice(&[0, 200, 255, 7]);
    out.extend_from_slice(b"\nFIELD extra 1\nweight 1 4 unsigned_short\n");
    for x in [65535u16, 1, 40000, 2] {
        out.extend_from_slice(&x.to_be_bytes());
    }
    out.push(b'\n');
    out
}

#[test]
fn legacy_binary_point_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "tetra_binary.vtk", &legacy_binary());
    let (mesh, fields, _) = read_fields(&path);
    assert_eq!(mesh, tetra());
    assert_eq!(names(&fields), ["u", "velocity", "tag", "weight"]);
    assert_field(&fields[0], "u", 1, &[0.1, -2.5, 1.0 / 3.0, 1e300]);
    assert_field(
        &fields[1],
        "velocity",
        3,
        &[1., 2., 3., -1., -2., -3., 0.5, 0.25, 0.125, 0.0, -0.0, 8.0],
    );
    assert_field(&fields[2], "tag", 1, &[0., 200., 255., 7.]);
    assert_field(&fields[3], "weight", 1, &[65535., 1., 40000., 2.]);
}

/// The PLY header of a tetrahedron whose vertices carry extra properties of several types, in
/// between the coordinates, and a list property that is not a field.
fn ply_header(format: &str) -> String {
    format!(
        "ply\nformat {format} 1.0\nelement vertex 4\nproperty float x\nproperty float u0\n\
         property double y\nproperty double u1\nproperty float z\nproperty uchar quality\n\
         property list uchar int junk\nproperty short u2\nelement face 4\n\
         property list uchar int vertex_indices\nend_header\n"
    )
}

/// `(u0, u1, quality, u2)` of each vertex.
const PLY_EXTRA: [(f32, f64, u8, i16); 4] = [
    (0.5, 0.1, 0, -1),
    (-1.5, 1.0 / 3.0, 200, 300),
    (2.25, 1e-300, 255, -32768),
    (0.0, -7.0, 1, 32767),
];

/// The tetrahedron with extra vertex properties in `format` (ascii or a binary one).
pub fn ply_with_properties(format: &str) -> Vec<u8> {
    let mut out = ply_header(format).into_bytes();
    let t = tetra();
    if format == "ascii" {
        for (p, (u0, u1, q, u2)) in t.positions.iter().zip(PLY_EXTRA) {
            out.extend_from_slice(
                format!(
                    "{} {u0} {} {u1:e} {} {q} 2 8 9 {u2}\n",
                    p[0] as f32, p[1], p[2] as f32
                )
                .as_bytes(),
            );
        }
        for f in &t.faces {
            out.extend_from_slice(format!("3 {} {} {}\n", f[0], f[1], f[2]).as_bytes());
        }
        return out;
    }
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
    for (p, (u0, u1, q, u2)) in t.positions.iter().zip(PLY_EXTRA) {
        put!(p[0] as f32);
        put!(u0);
        put!(p[1]);
        put!(u1);
        put!(p[2] as f32);
        put!(q);
        put!(2u8);
        put!(8i32);
        put!(9i32);
        put!(u2);
    }
    for f in &t.faces {
        put!(3u8);
        for &i in f {
            put!(i as i32);
        }
    }
    out
}

#[test]
fn ply_extra_vertex_properties_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["ascii", "binary_little_endian", "binary_big_endian"] {
        let path = write_file(
            dir.path(),
            &format!("{format}.ply"),
            &ply_with_properties(format),
        );
        let (mesh, fields, warnings) = read_fields(&path);
        assert_eq!(mesh, tetra(), "{format}");
        assert!(warnings.is_empty(), "{format}: {warnings:?}");
        assert_eq!(names(&fields), ["u0", "u1", "quality", "u2"], "{format}");
        let col = |k: usize| -> Vec<f64> {
            PLY_EXTRA
                .iter()
                .map(|&(a, b, c, d)| [a as f64, b, c as f64, d as f64][k])
                .collect()
        };
        for (k, name) in ["u0", "u1", "quality", "u2"].into_iter().enumerate() {
            assert_field(&fields[k], name, 1, &col(k));
        }
    }
}

#[test]
fn ply_normals_are_three_scalar_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "ply\nformat ascii 1.0\nelement vertex 4\nproperty double x\nproperty double y\n\
         property double z\nproperty float nx\nproperty float ny\nproperty float nz\n\
         element face 4\nproperty list uchar int vertex_indices\nend_header\n",
    );
    let t = tetra();
    for (k, p) in t.positions.iter().enumerate() {
        text += &format!("{} {} {} {k} -{k} 0.5\n", p[0], p[1], p[2]);
    }
    for f in &t.faces {
        text += &format!("3 {} {} {}\n", f[0], f[1], f[2]);
    }
    let path = write_file(dir.path(), "normals.ply", text.as_bytes());
    let (_, fields, _) = read_fields(&path);
    assert_eq!(names(&fields), ["nx", "ny", "nz"]);
    assert_field(&fields[0], "nx", 1, &[0., 1., 2., 3.]);
    assert_field(&fields[1], "ny", 1, &[-0.0, -1., -2., -3.]);
    assert_field(&fields[2], "nz", 1, &[0.5; 4]);
}

#[test]
fn vtp_point_data() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("tetra.vtp"))
        .unwrap()
        .replace(
            "      <Points>",
            r#"      <PointData Scalars="s">
        <DataArray type="Int32" Name="s" format="ascii">4 -3 2 -1</DataArray>
        <DataArray type="Float32" Name="uv" NumberOfComponents="2" format="ascii">
          0 0.5  1 1.5  2 2.5  3 3.5
        </DataArray>
      </PointData>
      <Points>"#,
        );
    let path = write_file(dir.path(), "tetra_fields.vtp", text.as_bytes());
    let (mesh, fields, _) = read_fields(&path);
    assert_eq!(mesh, tetra());
    assert_eq!(names(&fields), ["s", "uv"]);
    assert_field(&fields[0], "s", 1, &[4., -3., 2., -1.]);
    assert_field(&fields[1], "uv", 2, &[0., 0.5, 1., 1.5, 2., 2.5, 3., 3.5]);
}

#[test]
fn formats_without_fields_return_none() {
    for name in [
        "cube.off",
        "cube_vt_vn.obj",
        "tetra_ascii.stl",
        "square_quads.vtu",
    ] {
        let (mesh, fields, warnings) = read_fields(&sample(name));
        assert!(fields.is_empty(), "{name}: {:?}", names(&fields));
        assert_eq!((mesh, warnings), read_ok(&sample(name)), "{name}");
    }
    // The sample legacy file has one point scalar.
    let (_, fields, _) = read_fields(&sample("tetra_polydata.vtk"));
    assert_eq!(names(&fields), ["u"]);
    assert_field(&fields[0], "u", 1, &[0., 1., 2., 3.]);
}

/// Values of the 5-point files with point 2 unused: `u` is `10 × point`, `v` is
/// `(point, -point, 0.5)`.
fn remapped_u() -> Vec<f64> {
    vec![0.0, 10.0, 30.0, 40.0]
}

fn remapped_v() -> Vec<f64> {
    [0., 1., 3., 4.]
        .iter()
        .flat_map(|&p| [p, 0.0 - p, 0.5])
        .collect()
}

#[test]
fn fields_follow_the_removal_of_unused_vertices() {
    let dir = tempfile::tempdir().unwrap();
    let removed = "removed 1 unreferenced vertex (used by no face)";

    // Legacy ASCII: point 2 is used by no polygon.
    let legacy = "# vtk DataFile Version 3.0\nunused point\nASCII\nDATASET POLYDATA\n\
                  POINTS 5 double\n0 0 0\n1 0 0\n5 5 5\n0 1 0\n0 0 1\n\
                  POLYGONS 4 16\n3 0 3 1\n3 0 1 4\n3 0 4 3\n3 1 3 4\n\
                  POINT_DATA 5\nSCALARS u double\nLOOKUP_TABLE default\n0 10 20 30 40\n\
                  VECTORS v double\n0 0 0.5 1 -1 0.5 2 -2 0.5 3 -3 0.5 4 -4 0.5\n";
    let path = write_file(dir.path(), "unused.vtk", legacy.as_bytes());
    let (mesh, fields, warnings) = read_fields(&path);
    assert_eq!(mesh, tetra());
    assert_eq!(warnings, [removed]);
    assert_field(&fields[0], "u", 1, &remapped_u());
    assert_field(&fields[1], "v", 3, &remapped_v());

    // PLY, binary.
    let mut ply = b"ply\nformat binary_little_endian 1.0\nelement vertex 5\n\
                    property double x\nproperty double y\nproperty double z\nproperty float u\n\
                    element face 4\nproperty list uchar uint vertex_indices\nend_header\n"
        .to_vec();
    let points = [
        [0., 0., 0.],
        [1., 0., 0.],
        [5., 5., 5.],
        [0., 1., 0.],
        [0., 0., 1.],
    ];
    for (k, p) in points.iter().enumerate() {
        for c in p {
            ply.extend_from_slice(&f64::to_le_bytes(*c));
        }
        ply.extend_from_slice(&(10.0 * k as f32).to_le_bytes());
    }
    for f in [[0u32, 3, 1], [0, 1, 4], [0, 4, 3], [1, 3, 4]] {
        ply.push(3);
        for i in f {
            ply.extend_from_slice(&i.to_le_bytes());
        }
    }
    let path = write_file(dir.path(), "unused.ply", &ply);
    let (mesh, fields, warnings) = read_fields(&path);
    assert_eq!(mesh, tetra());
    assert_eq!(warnings, [removed]);
    assert_field(&fields[0], "u", 1, &remapped_u());

    // A geoflow frame whose point 2 is unused.
    let path = dir.path().join("unused.vtu");
    let v: Vec<[f64; 3]> = (0..5).map(|p| [p as f64, 0.0 - p as f64, 0.5]).collect();
    let u: Vec<f64> = (0..5).map(|p| 10.0 * p as f64).collect();
    write_frame(&path, &tetra_frame(Some(2), v, u), &[]).unwrap();
    let (mesh, fields, warnings) = read_fields(&path);
    assert_eq!(mesh, tetra());
    assert_eq!(warnings, [removed]);
    assert_field(&fields[0], "u", 3, &remapped_v());
    assert_field(&fields[1], "h", 1, &remapped_u());
}

/// An ASCII `.vtu` of the tetrahedron with `point_data` as its `<PointData>` body.
fn vtu_with_point_data(point_data: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian" header_type="UInt64">
  <UnstructuredGrid>
    <Piece NumberOfPoints="4" NumberOfCells="4">
      <PointData>
{point_data}
      </PointData>
      <Points>
        <DataArray type="Float64" NumberOfComponents="3" format="ascii">0 0 0 1 0 0 0 1 0 0 0 1</DataArray>
      </Points>
      <Cells>
        <DataArray type="Int64" Name="connectivity" format="ascii">0 2 1 0 1 3 0 3 2 1 2 3</DataArray>
        <DataArray type="Int64" Name="offsets" format="ascii">3 6 9 12</DataArray>
        <DataArray type="UInt8" Name="types" format="ascii">5 5 5 5</DataArray>
      </Cells>
    </Piece>
  </UnstructuredGrid>
</VTKFile>
"#
    )
}

/// A geoflow-style inline binary array: base64 of a u64 byte count and the f64 values.
fn binary_f64s(values: &[f64]) -> String {
    let mut raw = ((values.len() * 8) as u64).to_le_bytes().to_vec();
    for v in values {
        raw.extend_from_slice(&v.to_le_bytes());
    }
    STANDARD.encode(raw)
}

/// `(file name, contents, expected substring of the error)`: each substring starts with the file
/// name and the line (text formats) and names the field.
fn bad_field_cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let legacy = |point_data: &str| {
        format!(
            "# vtk DataFile Version 3.0\nbad field\nASCII\nDATASET POLYDATA\nPOINTS 4 double\n\
             0 0 0\n1 0 0\n0 1 0\n0 0 1\nPOLYGONS 4 16\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n\
             {point_data}"
        )
        .into_bytes()
    };
    let ply = |extra_type: &str, values: [&str; 4]| {
        let mut s = format!(
            "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\n\
             property float z\nproperty {extra_type} quality\nelement face 4\n\
             property list uchar int vertex_indices\nend_header\n"
        );
        for (p, q) in tetra().positions.iter().zip(values) {
            s += &format!("{} {} {} {q}\n", p[0], p[1], p[2]);
        }
        s += "3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n";
        s.into_bytes()
    };
    vec![
        // Lengths that do not match the point count.
        (
            "legacy_short.vtk",
            legacy("POINT_DATA 4\nSCALARS u double\nLOOKUP_TABLE default\n1 2 3\n"),
            "legacy_short.vtk:18: truncated file: ended while expecting SCALARS `u` value 3",
        ),
        (
            "legacy_point_data_count.vtk",
            legacy("POINT_DATA 5\nSCALARS u double\nLOOKUP_TABLE default\n1 2 3 4 5\n"),
            "legacy_point_data_count.vtk:15: POINT_DATA declares 5 values per array, but the \
             file has 4 points",
        ),
        (
            "legacy_field_tuples.vtk",
            legacy("POINT_DATA 4\nFIELD f 1\nweight 1 3 double\n1 2 3\n"),
            "legacy_field_tuples.vtk:17: POINT_DATA FIELD array `weight`: 3 tuples, but \
             POINT_DATA declares 4 points",
        ),
        (
            "legacy_lying_count.vtk",
            legacy("POINT_DATA 4\nSCALARS u double 4000000000\nLOOKUP_TABLE default\n1 2 3 4\n"),
            "legacy_lying_count.vtk:17: SCALARS `u`: 16000000000 values declared, more than the \
             9 bytes left in the file can hold",
        ),
        (
            "xml_ascii_length.vtu",
            vtu_with_point_data(
                r#"<DataArray type="Float64" Name="u" NumberOfComponents="3" format="ascii">1 2 3 4 5 6 7 8 9 10 11</DataArray>"#,
            )
            .into_bytes(),
            "xml_ascii_length.vtu: point data array `u`: 11 values, but 4 points × 3 components \
             need 12",
        ),
        (
            "xml_binary_length.vtu",
            vtu_with_point_data(&format!(
                r#"<DataArray type="Float64" Name="h" format="binary">{}</DataArray>"#,
                binary_f64s(&[1.0, 2.0, 3.0])
            ))
            .into_bytes(),
            "xml_binary_length.vtu: point data array `h`: 3 values, but 4 points × 1 component \
             need 4",
        ),
        // Non-finite values: the field, the vertex and the value.
        (
            "legacy_nan.vtk",
            legacy("POINT_DATA 4\nVECTORS v double\n0 0 0\n1 1 1\n2 nan 2\n3 3 3\n"),
            "legacy_nan.vtk:19: POINT_DATA VECTORS `v`, vertex 2, component 1: non-finite value \
             NaN",
        ),
        (
            "ply_inf.ply",
            ply("double", ["0", "1", "inf", "3"]),
            "ply_inf.ply:13: vertex property `quality`, vertex 2: non-finite value inf",
        ),
        (
            "xml_nan.vtu",
            vtu_with_point_data(&format!(
                r#"<DataArray type="Float64" Name="h" format="binary">{}</DataArray>"#,
                binary_f64s(&[1.0, 2.0, 3.0, f64::NEG_INFINITY])
            ))
            .into_bytes(),
            "xml_nan.vtu: point data array `h`, vertex 3: non-finite value -inf",
        ),
        // Unknown data types.
        (
            "legacy_type.vtk",
            legacy("POINT_DATA 4\nSCALARS u quaternion\nLOOKUP_TABLE default\n1 2 3 4\n"),
            "legacy_type.vtk:16: SCALARS `u` type: unsupported data type `quaternion`",
        ),
        (
            "ply_type.ply",
            ply("float128", ["0", "1", "2", "3"]),
            "ply_type.ply:7: unknown property type `float128` (property `quality` of element \
             `vertex`)",
        ),
        (
            "xml_type.vtu",
            vtu_with_point_data(
                r#"<DataArray type="Float128" Name="q" format="ascii">1 2 3 4</DataArray>"#,
            )
            .into_bytes(),
            "xml_type.vtu: point data array `q`: unknown data type `Float128`",
        ),
    ]
}

#[test]
fn bad_fields_fail_with_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, bytes, want) in bad_field_cases() {
        let path = write_file(dir.path(), name, &bytes);
        let msg = fields_err(&path);
        if !msg.contains(want) {
            failures.push(format!("{name}:\n  got:  {msg}\n  want: {want}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn read_mesh_ignores_bad_fields() {
    // Broken point data does not stop `read_mesh` (only the PLY type, which is in the header).
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, _) in bad_field_cases() {
        if name == "ply_type.ply" {
            continue;
        }
        let path = write_file(dir.path(), name, &bytes);
        let (mesh, _) = read_mesh(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(mesh, tetra(), "{name}");
    }
}

#[test]
fn geoflow_frame_with_nan_names_the_vertex() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan_frame.vtu");
    let mut u = vec![[0.0; 3]; 4];
    u[1][2] = f64::NAN;
    write_frame(&path, &tetra_frame(None, u, vec![1.0; 4]), &[]).unwrap();
    let msg = fields_err(&path);
    assert!(
        msg.contains(
            "nan_frame.vtu: point data array `u`, vertex 1, component 2: non-finite value NaN"
        ),
        "{msg}"
    );
}
