//! The corpus of broken files in `tests/data/broken/`: each must fail with a message naming the
//! file, the line (text formats) and the element, or, for the suspicious but readable ones, load
//! with exactly the warning listed (or none).

use std::path::Path;

use super::read_err;

/// `(file, expected substring of the error message)`. The substring starts with the file name
/// and the line, so both are checked.
const CASES: &[(&str, &str)] = &[
    (
        "obj_nonfinite.obj",
        "obj_nonfinite.obj:4: vertex 3: non-finite coordinate (0, NaN, 0)",
    ),
    (
        "obj_index_out_of_range.obj",
        "obj_index_out_of_range.obj:7: face 2: vertex index 9 out of range (the file has 4 \
         vertices, numbered from 1)",
    ),
    (
        "obj_malformed_number.obj",
        "obj_malformed_number.obj:3: vertex 3: malformed number `1.2.3`",
    ),
    (
        "obj_two_vertex_face.obj",
        "obj_two_vertex_face.obj:6: face 1: only 2 vertices (a face needs at least 3)",
    ),
    (
        "obj_relative_before_first.obj",
        "obj_relative_before_first.obj:5: face 0: relative vertex reference -5 points before the \
         first vertex (4 vertices read so far)",
    ),
    (
        "obj_degenerate.obj",
        "obj_degenerate.obj:7: face 2: degenerate, area 0e0",
    ),
    (
        "obj_nonmanifold_edge.obj",
        "obj_nonmanifold_edge.obj:8: edge (1, 2) is shared by 3 faces (non-manifold): face 0, \
         face 1, face 2",
    ),
    (
        "obj_flipped_face.obj",
        "obj_flipped_face.obj:6: face 0 and face 1 both traverse edge 1 -> 2 (inconsistent \
         orientation)",
    ),
    (
        "obj_bowtie_vertex.obj",
        "obj_bowtie_vertex.obj:1: vertex 1 at (0, 0, 0): its faces form more than one fan \
         (non-manifold)",
    ),
    (
        "obj_no_faces.obj",
        "obj_no_faces.obj: empty mesh: no faces (3 vertices)",
    ),
    (
        "off_truncated.off",
        "off_truncated.off: truncated file: the header declares 4 faces, found only 3",
    ),
    (
        "off_lying_counts.off",
        "off_lying_counts.off:3: header declares 4000000000 vertices and 4000000000 faces, more \
         than a 84-byte file can hold",
    ),
    (
        "off_short_face.off",
        "off_short_face.off:8: face 1: declares 4 vertices but lists only 3",
    ),
    (
        "ply_lying_face_count.ply",
        "ply_lying_face_count.ply:8: element `face` declares 4000000000 instances, which need at \
         least 4000000000 bytes, but only 49 bytes follow the header",
    ),
    (
        "ply_truncated_binary.ply",
        "ply_truncated_binary.ply: face 3, property `vertex_indices`: truncated file",
    ),
    (
        "ply_bad_format.ply",
        "ply_bad_format.ply:2: unknown PLY format `binary_middle_endian`",
    ),
    (
        "ply_ascii_malformed.ply",
        "ply_ascii_malformed.ply:12: vertex 2, property `z`: malformed number `zero`",
    ),
    (
        "ply_negative_index.ply",
        "ply_negative_index.ply:13: face 0, property `vertex_indices`: negative vertex index -1",
    ),
    (
        "stl_lying_count.stl",
        "stl_lying_count.stl: binary STL header declares 4000000000 triangles, which need \
         200000000084 bytes, but the file has 184 bytes",
    ),
    (
        "stl_quad_facet.stl",
        "stl_quad_facet.stl:7: facet 0: more than 3 vertices (STL facets are triangles)",
    ),
    (
        "stl_coincident_corners.stl",
        "stl_coincident_corners.stl:9: facet 1: corners 0 and 2 coincide at (0, 0, 0) \
         (degenerate)",
    ),
    (
        "stl_truncated.stl",
        "stl_truncated.stl:11: truncated file: ended while expecting a coordinate",
    ),
    (
        "vtk_tetra_cell.vtk",
        "vtk_tetra_cell.vtk:13: cell 1: type 10 (tetra) is not supported (only triangles, quads \
         and polygons)",
    ),
    (
        "vtk_lying_points.vtk",
        "vtk_lying_points.vtk:5: POINTS: 12000000000 values declared, more than the 49 bytes left",
    ),
    (
        "vtk_lying_cells.vtk",
        "vtk_lying_cells.vtk:7: POLYGONS: 4000000000 cells declared, more than the declared size \
         4 can hold",
    ),
    (
        "vtu_line_cell.vtu",
        "vtu_line_cell.vtu: cell 1: type 3 (line) is not supported",
    ),
    (
        "vtu_zlib_bomb.vtu",
        "vtu_zlib_bomb.vtu: DataArray `Points`: compressed data header declares 1099511627776 \
         bytes decompressed from 12 compressed bytes (corrupt or truncated file)",
    ),
    (
        "vtp_raw_appended.vtp",
        "vtp_raw_appended.vtp: VTK XML raw appended data is not supported",
    ),
    (
        "vtp_not_xml.vtp",
        "vtp_not_xml.vtp: not a VTK XML file: no <VTKFile> element",
    ),
    // A data array shorter than declared: a sentence, not vtkio's debug structure.
    (
        "vtu_short_points.vtu",
        "vtu_short_points.vtu: cannot read VTK XML: a data array holds 9 values where 12 are \
         declared",
    ),
    // Found by `cargo fuzz` (mesh_vtk_xml): vtkio indexes past a slice; caught, an error.
    (
        "vtu_vtkio_panic.vtu",
        "vtu_vtkio_panic.vtu: malformed VTK XML file (the vtkio reader gave up)",
    ),
    // Found by `cargo fuzz` (mesh_vtk_xml): a huge block size with a full last block, which the
    // reader used to patch into vtkio's allocation (an abort).
    (
        "vtp_patched_block_size_bomb.vtp",
        "vtp_patched_block_size_bomb.vtp: DataArray `offsets`: compressed data header declares \
         288230376151711776 bytes decompressed from 19 compressed bytes (corrupt or truncated \
         file)",
    ),
    (
        "off_extra_face.off",
        "off_extra_face.off:9: the header declares 4 vertices and 1 face (5 lines of data), but \
         the file holds 6: the extra data starts at this line (wrong counts)",
    ),
    (
        "off_vertex_count_too_small.off",
        "off_vertex_count_too_small.off:8: face 0: expected a vertex count, found `0.5`: a vertex \
         line where the header's 4 vertices should have ended (the vertex count is wrong)",
    ),
    (
        "ply_ascii_extra_face.ply",
        "ply_ascii_extra_face.ply:14: 4 more values after the last element the header declares \
         (3 vertex, 1 face), starting with `3` (wrong counts)",
    ),
    (
        "ply_polygon_element.ply",
        "ply_polygon_element.ply:7: element `polygon` with the list property `vertex_indices` is \
         not supported (faces are read from the `face` and `tristrips` elements)",
    ),
    (
        "ply_point_cloud.ply",
        "ply_point_cloud.ply: no `face` or `tristrips` element (the header declares `vertex`): a \
         point cloud, not a surface mesh",
    ),
    (
        "vtk_extra_point.vtk",
        "vtk_extra_point.vtk:7: a number (`0`) where a keyword was expected: the section before \
         holds more values than its header declares (wrong count)",
    ),
    (
        "obj_duplicate_face.obj",
        "obj_duplicate_face.obj:8: edge (1, 2) is shared by 3 faces (non-manifold): face 0, face \
         1, face 2; `geoflow mesh repair IN OUT` keeps two of them",
    ),
    (
        "obj_moebius.obj",
        "obj_moebius.obj:10: face 0 (triangle 0 after triangulation) and face 2 (triangle 5 after \
         triangulation) both traverse edge 1 -> 2 (inconsistent orientation); `geoflow mesh \
         repair IN OUT` orients the faces if the surface is orientable",
    ),
];

/// Files of the corpus that load: `(file, the one expected warning, or "" for none)`.
const READABLE: &[(&str, &str)] = &[
    ("obj_bom_octahedron.obj", ""),
    ("ply_tristrips.ply", ""),
    (
        "obj_triangle_soup.obj",
        "2 duplicate vertices: vertices 1 and 4 (and maybe others) both lie at (0, 0, 0), so the \
         surface is not connected there (a crack or a triangle soup); they are kept apart: set \
         `weld = true` in [mesh] or run `geoflow mesh repair IN OUT` to join them",
    ),
];

pub fn broken_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken")
}

#[test]
fn every_broken_file_fails_with_its_message() {
    let mut failures = Vec::new();
    for (file, want) in CASES {
        let msg = read_err(&broken_dir().join(file));
        if !msg.contains(want) {
            failures.push(format!("{file}:\n  got:  {msg}\n  want: {want}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn readable_files_of_the_corpus_load_with_their_warning() {
    for (file, want) in READABLE {
        let (_, warnings) = super::read_ok(&broken_dir().join(file));
        let want: Vec<&str> = if want.is_empty() { vec![] } else { vec![want] };
        assert_eq!(warnings, want, "{file}");
    }
}

#[test]
fn every_file_in_the_corpus_has_a_case() {
    let mut names: Vec<String> = std::fs::read_dir(broken_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut listed: Vec<String> = CASES
        .iter()
        .chain(READABLE)
        .map(|(f, _)| f.to_string())
        .collect();
    listed.sort();
    assert_eq!(names, listed);
}
