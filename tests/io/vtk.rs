//! `.vts` / `.vtu` frames: write, parse back, compare bit for bit.

use geoflow::flows::{Cells, Field, Frame};
use geoflow::io::vtk::write_frame;
use geoflow::Error;

use crate::{assert_bits_eq, attr, data_array, decode_payload, dir_names, f64_array, i64_array};

/// Awkward values that must survive bit-exactly.
fn special(k: usize) -> f64 {
    const S: [f64; 8] = [
        0.1,
        -0.0,
        f64::MIN_POSITIVE / 3.0,
        1e300,
        -1.0 / 3.0,
        f64::NAN,
        7.0,
        2.5e-17,
    ];
    S[k % S.len()] + if k >= S.len() { k as f64 } else { 0.0 }
}

fn structured_frame(nx: usize, ny: usize) -> Frame {
    let n = nx * ny;
    let points = (0..n)
        .map(|p| [(p % nx) as f64 * 0.1, (p / nx) as f64 / 3.0, special(p)])
        .collect();
    let nc = (nx - 1).max(1) * (ny - 1).max(1);
    Frame {
        points,
        cells: Cells::Structured { nx, ny },
        point_data: vec![
            (
                "velocity",
                Field::Vector((0..n).map(|p| [special(p), -special(p + 1), 1.0]).collect()),
            ),
            ("u", Field::Scalar((0..n).map(special).collect())),
            (
                "curvature",
                Field::Scalar((0..n).map(|p| (p as f64).sqrt()).collect()),
            ),
        ],
        cell_data: vec![(
            "area",
            Field::Scalar((0..nc).map(|c| 1.0 / (c as f64 + 3.0)).collect()),
        )],
        series: Vec::new(),
    }
}

fn triangle_frame() -> Frame {
    // A unit square split into two triangles plus a third one on top.
    let points = vec![
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.1],
        [1.0, 1.0, -0.0],
        [0.0, 1.0, 1e-300],
        [0.5, 1.5, f64::NAN],
    ];
    let tris = vec![[0, 1, 2], [0, 2, 3], [3, 2, 4]];
    Frame {
        points,
        cells: Cells::Triangles(tris),
        point_data: vec![("h", Field::Scalar(vec![0.1, 0.2, 0.3, 0.4, 1.0 / 3.0]))],
        cell_data: vec![
            (
                "normal",
                Field::Vector(vec![
                    [0.0, 0.0, 1.0],
                    [0.1, -0.2, 0.97],
                    [f64::EPSILON, 0.0, -1.0],
                ]),
            ),
            ("quality", Field::Scalar(vec![1.0, 0.5, 0.25])),
        ],
        series: Vec::new(),
    }
}

fn flat_points(frame: &Frame) -> Vec<f64> {
    frame.points.iter().flatten().copied().collect()
}

fn check_fields(xml: &str, fields: &[(&'static str, Field)]) {
    for (name, field) in fields {
        match field {
            Field::Scalar(v) => assert_bits_eq(&f64_array(xml, name, 1), v, name),
            Field::Vector(v) => {
                let want: Vec<f64> = v.iter().flatten().copied().collect();
                assert_bits_eq(&f64_array(xml, name, 3), &want, name)
            }
        }
    }
}

/// The text between `<tag` and `</tag>`.
fn section<'a>(xml: &'a str, tag: &str) -> &'a str {
    let start = xml
        .find(&format!("<{tag}"))
        .unwrap_or_else(|| panic!("no <{tag}>"));
    let end = xml
        .find(&format!("</{tag}>"))
        .unwrap_or_else(|| panic!("no </{tag}>"));
    &xml[start..end]
}

fn check_field_data(xml: &str, want: &[(&str, f64)]) {
    let fd = section(xml, "FieldData");
    // Dataset-level: before the Piece.
    assert!(xml.find("<FieldData").unwrap() < xml.find("<Piece").unwrap());
    for (name, value) in want {
        let (attrs, _) = data_array(fd, name);
        assert_eq!(attr(attrs, "NumberOfTuples"), Some("1"), "{name}: {attrs}");
        assert_bits_eq(&f64_array(fd, name, 1), &[*value], name);
    }
    assert_eq!(fd.matches("<DataArray").count(), want.len());
}

#[test]
fn structured_grid_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frame_0003.vts");
    let frame = structured_frame(5, 4);
    let fd = [
        ("TimeValue", 0.1 + 0.2),
        ("Energy", 1.0 / 3.0),
        ("Step", 3.0),
    ];
    write_frame(&path, &frame, &fd).unwrap();

    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\"?>"));
    assert!(xml.contains(
        "<VTKFile type=\"StructuredGrid\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">"
    ));
    assert!(
        xml.contains("<StructuredGrid WholeExtent=\"0 4 0 3 0 0\">"),
        "{xml}"
    );
    assert!(xml.contains("<Piece Extent=\"0 4 0 3 0 0\">"), "{xml}");
    assert!(xml.trim_end().ends_with("</VTKFile>"));

    let pd = section(&xml, "PointData");
    assert_eq!(
        attr(pd, "Scalars"),
        Some("u"),
        "first scalar, not the first field"
    );
    check_fields(pd, &frame.point_data);
    check_fields(section(&xml, "CellData"), &frame.cell_data);
    assert_bits_eq(
        &f64_array(section(&xml, "Points"), "Points", 3),
        &flat_points(&frame),
        "Points",
    );
    check_field_data(&xml, &fd);

    // Only the frame is left in the directory: no temporary file.
    assert_eq!(dir_names(dir.path()), ["frame_0003.vts"]);
}

#[test]
fn degenerate_structured_grids() {
    let dir = tempfile::tempdir().unwrap();
    // A single row (VTK counts nx-1 line cells) and a single point (one vertex cell).
    for (nx, ny, extent) in [(6, 1, "0 5 0 0 0 0"), (1, 1, "0 0 0 0 0 0")] {
        let path = dir.path().join(format!("g{nx}x{ny}.vts"));
        let frame = structured_frame(nx, ny);
        write_frame(&path, &frame, &[]).unwrap();
        let xml = std::fs::read_to_string(&path).unwrap();
        assert!(xml.contains(&format!("WholeExtent=\"{extent}\"")), "{xml}");
        assert!(!xml.contains("<FieldData"), "no field data requested");
        check_fields(section(&xml, "CellData"), &frame.cell_data);
        assert_bits_eq(
            &f64_array(&xml, "Points", 3),
            &flat_points(&frame),
            "Points",
        );
    }
}

#[test]
fn unstructured_grid_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("surface.vtu");
    let frame = triangle_frame();
    let fd = [("TimeValue", 1e-7), ("Energy", 12.5), ("Step", 40.0)];
    write_frame(&path, &frame, &fd).unwrap();

    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(xml.contains("<VTKFile type=\"UnstructuredGrid\" version=\"1.0\""));
    assert!(xml.contains("header_type=\"UInt64\""));
    assert!(
        xml.contains("<Piece NumberOfPoints=\"5\" NumberOfCells=\"3\">"),
        "{xml}"
    );
    assert_eq!(attr(section(&xml, "PointData"), "Scalars"), Some("h"));
    check_fields(section(&xml, "PointData"), &frame.point_data);
    check_fields(section(&xml, "CellData"), &frame.cell_data);
    assert_bits_eq(
        &f64_array(&xml, "Points", 3),
        &flat_points(&frame),
        "Points",
    );
    check_field_data(&xml, &fd);

    let cells = section(&xml, "Cells");
    assert_eq!(
        i64_array(cells, "connectivity"),
        [0, 1, 2, 0, 2, 3, 3, 2, 4]
    );
    assert_eq!(i64_array(cells, "offsets"), [3, 6, 9]);
    let (attrs, body) = data_array(cells, "types");
    assert_eq!(attr(attrs, "type"), Some("UInt8"));
    assert_eq!(decode_payload(body), [5, 5, 5]);
}

#[test]
fn overwrites_an_existing_frame() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.vtu");
    let mut frame = triangle_frame();
    write_frame(&path, &frame, &[("TimeValue", 0.0)]).unwrap();
    frame.point_data[0].1 = Field::Scalar(vec![9.0; 5]);
    write_frame(&path, &frame, &[("TimeValue", 2.0)]).unwrap();
    let xml = std::fs::read_to_string(&path).unwrap();
    assert_bits_eq(&f64_array(&xml, "h", 1), &[9.0; 5], "h");
    assert_bits_eq(&f64_array(&xml, "TimeValue", 1), &[2.0], "TimeValue");
    assert_eq!(dir_names(dir.path()), ["f.vtu"]);
}

#[test]
fn empty_triangle_list_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.vtu");
    let frame = Frame {
        points: vec![],
        cells: Cells::Triangles(vec![]),
        point_data: vec![],
        cell_data: vec![],
        series: Vec::new(),
    };
    write_frame(&path, &frame, &[("TimeValue", 0.5)]).unwrap();
    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(xml.contains("NumberOfPoints=\"0\" NumberOfCells=\"0\""));
    assert!(f64_array(&xml, "Points", 3).is_empty());
    assert!(i64_array(&xml, "connectivity").is_empty());
}

fn assert_usage_error(path: &std::path::Path, frame: &Frame, what: &str) {
    match write_frame(path, frame, &[("TimeValue", 0.0)]) {
        Err(Error::Usage(msg)) => assert!(!msg.is_empty()),
        other => panic!("{what}: expected a usage error, got {other:?}"),
    }
    assert!(!path.exists(), "{what}: no file written");
}

#[test]
fn inconsistent_frames_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let vts = dir.path().join("bad.vts");
    let vtu = dir.path().join("bad.vtu");

    let mut f = structured_frame(3, 3);
    f.point_data.push(("short", Field::Scalar(vec![1.0; 8])));
    assert_usage_error(&vts, &f, "short point field");

    let mut f = structured_frame(3, 3);
    f.cell_data.push(("long", Field::Vector(vec![[1.0; 3]; 5])));
    assert_usage_error(&vts, &f, "long cell vector field");

    let mut f = structured_frame(3, 3);
    f.cells = Cells::Structured { nx: 4, ny: 3 };
    assert_usage_error(&vts, &f, "dimensions do not match the points");

    let mut f = structured_frame(3, 3);
    f.cells = Cells::Structured {
        nx: 0,
        ny: usize::MAX,
    };
    assert_usage_error(&vts, &f, "zero dimension");

    let mut f = structured_frame(3, 3);
    f.cells = Cells::Structured {
        nx: usize::MAX,
        ny: 2,
    };
    assert_usage_error(&vts, &f, "overflowing dimensions");

    let mut f = triangle_frame();
    if let Cells::Triangles(t) = &mut f.cells {
        t[1][2] = 5;
    }
    assert_usage_error(&vtu, &f, "triangle index past the points");

    let mut f = triangle_frame();
    f.cell_data[1].1 = Field::Scalar(vec![1.0; 5]);
    assert_usage_error(&vtu, &f, "cell field sized like the points");

    assert_usage_error(&vtu, &structured_frame(2, 2), "structured frame into .vtu");
    assert_usage_error(&vts, &triangle_frame(), "triangles into .vts");

    assert!(
        dir_names(dir.path()).is_empty(),
        "no temporary files left behind"
    );
}

#[test]
fn missing_directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/f.vts");
    match write_frame(&path, &structured_frame(2, 2), &[]) {
        Err(Error::Io { .. }) => {}
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn names_are_xml_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("esc.vtu");
    let mut frame = triangle_frame();
    frame.point_data = vec![("a<b & \"c\"", Field::Scalar(vec![1.0; 5]))];
    write_frame(&path, &frame, &[("x<y", 1.0)]).unwrap();
    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(xml.contains("Name=\"a&lt;b &amp; &quot;c&quot;\""), "{xml}");
    assert!(xml.contains("Name=\"x&lt;y\""));
    assert!(!xml.contains("a<b"));
}
