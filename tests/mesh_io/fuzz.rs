//! No reader panics (or allocates without bound) on random bytes or on random mutations of
//! valid files, with or without reading the point fields, with or without a byte order mark,
//! welding or not; and neither does `geoflow mesh repair`'s path (the unvalidated reader, then
//! the repair) on the same input. Case counts are small so the whole binary runs in seconds.

use std::path::Path;

use geoflow::io::mesh::{
    parse_mesh, parse_mesh_opts, parse_mesh_unvalidated, parse_mesh_with_fields, MeshFormat,
    ReadOptions,
};
use geoflow::mesh::repair::{repair, RepairOptions};
use proptest::prelude::*;

use super::fields::{geoflow_frame_bytes, legacy_binary, ply_with_properties, LEGACY_ASCII};
use super::formats::{binary_stl, binary_vtu, legacy_binary_grid, ply_tetra};
use super::{sample, tetra};

const FORMATS: [(MeshFormat, &str); 7] = [
    (MeshFormat::Obj, "obj"),
    (MeshFormat::Off, "off"),
    (MeshFormat::Ply, "ply"),
    (MeshFormat::Stl, "stl"),
    (MeshFormat::VtkLegacy, "vtk"),
    (MeshFormat::VtkXml, "vtu"),
    (MeshFormat::VtkXml, "vtp"),
];

/// Beginnings that get random tails past the first checks of each reader.
const PREFIXES: &[&[u8]] = &[
    b"",
    b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf ",
    b"OFF\n3 1 0\n",
    b"ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n",
    b"ply\nformat ascii 1.0\nelement vertex 2\nproperty double x\nproperty double y\nproperty double z\nelement face 1\nproperty list int uint vertex_index\nend_header\n",
    b"solid x\nfacet normal 0 0 1\nouter loop\n",
    b"# vtk DataFile Version 3.0\nt\nBINARY\nDATASET POLYDATA\nPOINTS 3 float\n",
    b"# vtk DataFile Version 5.1\nt\nASCII\nDATASET UNSTRUCTURED_GRID\nPOINTS 3 double\n",
    b"<?xml version=\"1.0\"?>\n<VTKFile type=\"UnstructuredGrid\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n<UnstructuredGrid><Piece NumberOfPoints=\"3\" NumberOfCells=\"1\">",
    b"# vtk DataFile Version 3.0\nt\nASCII\nDATASET POLYDATA\nPOINTS 3 float\n0 0 0 1 0 0 0 1 0\nPOLYGONS 1 4\n3 0 1 2\nPOINT_DATA 3\n",
    b"<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt32\">\n<PolyData><Piece NumberOfPoints=\"3\" NumberOfPolys=\"1\"><PointData><DataArray type=\"Float64\" Name=\"u\" format=\"binary\">",
    b"ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\nelement tristrips 1\nproperty list int int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n",
    b"ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement tristrips 1\nproperty list uchar int vertex_indices\nend_header\n",
    b"\xEF\xBB\xBFv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 0\nf 1 2 3\nf 4 2 ",
];

/// Tokens that mutations insert: lying counts, signs, special numbers, structure.
const TOKENS: &[&[u8]] = &[
    b"4000000000",
    b"18446744073709551615",
    b"-1",
    b"nan",
    b"1e308",
    b"0",
    b"9",
    b"\n",
    b" ",
    b"/",
    b"\0",
    b"\xff\xff\xff\x7f",
    b"f 1 2 3\n",
    b"end_header\n",
    b"endloop",
    b"OFFSETS vtktypeint64\n",
    b"</DataArray>",
    b"format=\"binary\"",
    b"SCALARS s double 2\n",
    b"LOOKUP_TABLE default\n",
    b"FIELD f 1\na 1 3 int\n",
    b"NumberOfComponents=\"4000000000\"",
    b"type=\"Float128\"",
];

/// Valid files of every format and encoding, and the format to read them as.
fn valid_files() -> Vec<(MeshFormat, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, format) in [
        ("cube_vt_vn.obj", MeshFormat::Obj),
        ("cube.off", MeshFormat::Off),
        ("tetra_ascii.ply", MeshFormat::Ply),
        ("tetra_ascii.stl", MeshFormat::Stl),
        ("tetra_polydata.vtk", MeshFormat::VtkLegacy),
        ("square_quads.vtu", MeshFormat::VtkXml),
        ("tetra.vtp", MeshFormat::VtkXml),
        ("tetra_zlib.vtu", MeshFormat::VtkXml),
        ("tetra_zlib_appended.vtp", MeshFormat::VtkXml),
        ("../../data/broken/ply_tristrips.ply", MeshFormat::Ply),
        ("../../data/broken/obj_triangle_soup.obj", MeshFormat::Obj),
    ] {
        out.push((format, std::fs::read(sample(name)).unwrap()));
    }
    for enc in ["binary_little_endian", "binary_big_endian"] {
        out.push((MeshFormat::Ply, ply_tetra(enc)));
    }
    out.push((MeshFormat::Stl, binary_stl(b"solid binary", &tetra())));
    out.push((MeshFormat::VtkLegacy, legacy_binary_grid()));
    out.push((MeshFormat::VtkXml, binary_vtu()));
    // Files with point fields.
    out.push((MeshFormat::VtkXml, geoflow_frame_bytes()));
    out.push((MeshFormat::VtkLegacy, LEGACY_ASCII.as_bytes().to_vec()));
    out.push((MeshFormat::VtkLegacy, legacy_binary()));
    for enc in ["ascii", "binary_little_endian", "binary_big_endian"] {
        out.push((MeshFormat::Ply, ply_with_properties(enc)));
    }
    out
}

/// One edit of a byte string; positions are taken modulo the current length.
#[derive(Clone, Debug)]
enum Edit {
    SetByte(usize, u8),
    Insert(usize, usize),
    Delete(usize, usize),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::SetByte(p, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Edit::Insert(p, t)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Duplicate(p, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    let len = bytes.len().max(1);
    match *e {
        Edit::SetByte(p, b) => {
            if !bytes.is_empty() {
                bytes[p % len] = b;
            }
        }
        Edit::Insert(p, t) => {
            let at = p % (bytes.len() + 1);
            bytes.splice(at..at, TOKENS[t].iter().copied());
        }
        Edit::Delete(p, n) => {
            let at = p % len;
            let end = (at + n).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        Edit::Truncate(p) => bytes.truncate(p % len),
        Edit::Duplicate(p, n) => {
            let at = p % len;
            let end = (at + n).min(bytes.len());
            let piece: Vec<u8> = bytes[at.min(end)..end].to_vec();
            bytes.splice(end..end, piece);
        }
    }
}

/// Silence the panic messages vtkio prints before the reader catches its panic (the test still
/// fails on any panic that escapes `parse_mesh`).
fn quiet_vtkio_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("vtkio")) {
                previous(info);
            }
        }));
    });
}

fn read_any(format: MeshFormat, ext: &str, bytes: &[u8]) {
    let path = format!("fuzz.{ext}");
    let path = Path::new(&path);
    let _ = parse_mesh(path, format, bytes);
    let _ = parse_mesh_with_fields(path, format, bytes);
    let weld = ReadOptions {
        weld: true,
        fields: true,
    };
    let _ = parse_mesh_opts(path, format, bytes, weld);
    if let Ok((mesh, _)) = parse_mesh_unvalidated(path, format, bytes) {
        // Keep the repair's work small: random files can declare many faces.
        if mesh.faces.len() <= 20_000 {
            for weld_tolerance in [0.0, 0.01] {
                if let Ok((out, _)) = repair(&mesh, &RepairOptions { weld_tolerance }) {
                    assert_eq!(geoflow::mesh::topology::validate(&out), Ok(()));
                }
            }
        }
    }
}

/// `bytes` with a UTF-8 byte order mark in front when `bom` is set.
fn with_bom(bom: bool, bytes: Vec<u8>) -> Vec<u8> {
    if bom {
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend(bytes);
        b
    } else {
        bytes
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(
        prefix in 0..PREFIXES.len(),
        tail in prop::collection::vec(any::<u8>(), 0..400),
        bom in any::<bool>(),
    ) {
        quiet_vtkio_panics();
        let mut bytes = PREFIXES[prefix].to_vec();
        bytes.extend(tail);
        let bytes = with_bom(bom, bytes);
        for (format, ext) in FORMATS {
            read_any(format, ext, &bytes);
        }
    }

    #[test]
    fn mutated_valid_files_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..5),
        bom in any::<bool>(),
    ) {
        quiet_vtkio_panics();
        let files = valid_files();
        let (format, bytes) = files[which.index(files.len())].clone();
        let mut bytes = with_bom(bom, bytes);
        for e in &edits {
            apply(&mut bytes, e);
        }
        read_any(format, "mut", &bytes);
    }
}

#[test]
fn valid_files_used_for_mutation_are_valid() {
    for (k, (format, bytes)) in valid_files().into_iter().enumerate() {
        if let Err(e) = parse_mesh(Path::new("valid"), format, &bytes) {
            panic!("valid file {k}: {e}");
        }
        if let Err(e) = parse_mesh_with_fields(Path::new("valid"), format, &bytes) {
            panic!("valid file {k}, with fields: {e}");
        }
        // Text files only: a byte order mark changes a binary STL's size.
        let bom = with_bom(true, bytes.clone());
        let binary_stl = format == MeshFormat::Stl && bytes.contains(&0);
        if let (Err(e), false) = (
            parse_mesh_with_fields(Path::new("valid"), format, &bom),
            binary_stl,
        ) {
            panic!("valid file {k} with a byte order mark: {e}");
        }
    }
}
