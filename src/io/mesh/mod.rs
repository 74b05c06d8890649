//! Triangle mesh files in and out: OBJ, OFF, PLY, STL and VTK (legacy `.vtk`, XML `.vtu`/`.vtp`)
//! are read, OBJ and binary PLY are written.
//!
//! [`read_mesh`] picks the format from the file extension (case-insensitive), parses the file
//! into positions and polygons, and then checks and cleans the result the same way for every
//! format:
//!
//! 1. the mesh has at least one face;
//! 2. every coordinate is finite;
//! 3. every face has at least 3 vertices, all in range, none repeated;
//! 4. polygons with more than 3 vertices are triangulated by ear clipping in their best-fit
//!    plane (Newell normal), keeping their winding — a one-line warning counts them;
//! 5. the triangles are not degenerate and form an oriented manifold
//!    ([`crate::mesh::topology::validate`]; its defects are reported with the file's face
//!    numbers and lines);
//! 6. vertices no face uses are removed, with a warning;
//! 7. vertices at exactly the position of another vertex (a crack, or a triangle soup whose
//!    faces share no vertices) are reported in a warning with an example pair, and kept apart
//!    unless [`ReadOptions::weld`] asks to merge them (before the checks of steps 3–5). STL,
//!    whose format has no shared vertices, is always welded this way.
//!
//! A text file (OBJ, OFF, ASCII PLY, ASCII STL, legacy VTK, VTK XML) may begin with a UTF-8 byte
//! order mark; it is skipped.
//!
//! Counts a format declares (OFF's vertex and face counts, PLY's element counts, legacy VTK's
//! section sizes, binary STL's triangle count) must match what the file holds: fewer elements
//! than declared is a truncated file, and data after the last declared element is refused too
//! (it means the counts are wrong), naming the declared and the found counts.
//!
//! [`read_mesh_unvalidated`] stops after the first checks (a face, finite coordinates, indices
//! in range) and returns whatever triangles the file describes, for
//! [`crate::mesh::repair::repair`].
//!
//! [`read_mesh_with_fields`] also returns the per-vertex arrays the file stores (VTK point data,
//! extra PLY vertex properties) as [`PointField`]s; they are checked (length, finite values) and
//! follow the vertices through step 6, so they stay in the returned mesh's vertex order.
//!
//! Every problem is an [`Error::Mesh`] with the path, the 1-based line for text files when one
//! is known, and the element it concerns. Element numbers in messages (vertex, face, cell,
//! facet) are 0-based positions in file order; vertex numbers are as the file writes them:
//! 1-based in OBJ, 0-based elsewhere.
//!
//! Readers never trust a count declared in a header: before allocating for it, they check that
//! the rest of the file is large enough to hold that many elements, so a lying header is a clear
//! error and never an out-of-memory abort.
//!
//! Writers are atomic (temporary file in the same directory, then rename).

mod obj;
mod off;
mod ply;
mod soup;
mod stl;
mod text;
mod triangulate;
mod vtk;
mod vtk_xml;
mod write;

use std::path::Path;

use crate::mesh::TriMesh;
use crate::{Error, Result};
use soup::{Soup, SoupField};

/// A per-vertex array stored in a mesh file, in the vertex order of the mesh returned with it
/// by [`read_mesh_with_fields`].
///
/// Which arrays a format provides:
/// - VTK XML (`.vtu`, `.vtp`): every `PointData` `DataArray` of a numeric type, with its
///   `NumberOfComponents`;
/// - legacy VTK (`.vtk`): the `POINT_DATA` attributes `SCALARS` (1–4 components), `VECTORS`
///   and `NORMALS` (3), `TEXTURE_COORDINATES` (its dimension), `TENSORS` (9) and every array of
///   a `FIELD` block (its own component count); `COLOR_SCALARS` and `LOOKUP_TABLE`s are skipped;
/// - PLY: every scalar property of the `vertex` element other than `x y z`, one component each,
///   named after the property (list properties are skipped);
/// - OBJ, OFF, STL: none.
///
/// Integer arrays are converted to `f64` (exactly up to 2^53).
pub use crate::mesh::PointField;

/// Extensions [`read_mesh`] understands (compared case-insensitively).
pub const READ_EXTENSIONS: &[&str] = &["obj", "off", "ply", "stl", "vtk", "vtu", "vtp"];

/// Extensions [`write_mesh`] understands (compared case-insensitively).
pub const WRITE_EXTENSIONS: &[&str] = &["obj", "ply"];

/// The UTF-8 byte order mark some editors put at the start of text files.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How a mesh file is read beyond the format itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Merge vertices at exactly equal positions (`-0.0 == 0.0`) into the first of them in file
    /// order, before the mesh is checked (`[mesh] weld = true`). Without it they are reported
    /// in a warning and kept apart.
    pub weld: bool,
    /// Also read the per-vertex arrays ([`PointField`]).
    pub fields: bool,
}

/// Polygons with more vertices than this are rejected: ear clipping is quadratic in the
/// polygon's size, and no surface mesh meant for a flow has faces that large.
pub const MAX_POLYGON_VERTICES: usize = 10_000;

/// A mesh file format, as chosen from a file extension by [`MeshFormat::from_path`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeshFormat {
    /// Wavefront OBJ (`.obj`).
    Obj,
    /// Object File Format (`.off`), including the `COFF`/`NOFF`/`CNOFF` variants.
    Off,
    /// Stanford PLY (`.ply`): ASCII, binary little endian or binary big endian.
    Ply,
    /// STL (`.stl`): ASCII or binary.
    Stl,
    /// Legacy VTK (`.vtk`): `POLYDATA` or `UNSTRUCTURED_GRID`, ASCII or binary (big endian).
    VtkLegacy,
    /// VTK XML (`.vtu` `UnstructuredGrid`, `.vtp` `PolyData`), read with vtkio.
    VtkXml,
}

impl MeshFormat {
    /// The format for `path`'s extension, compared case-insensitively. An unknown or missing
    /// extension is an [`Error::Mesh`] listing the supported ones.
    pub fn from_path(path: &Path) -> Result<MeshFormat> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        Ok(match ext.as_str() {
            "obj" => MeshFormat::Obj,
            "off" => MeshFormat::Off,
            "ply" => MeshFormat::Ply,
            "stl" => MeshFormat::Stl,
            "vtk" => MeshFormat::VtkLegacy,
            "vtu" | "vtp" => MeshFormat::VtkXml,
            _ => {
                return Err(mesh_error(
                    path,
                    None,
                    format!(
                        "unsupported mesh file extension {}: expected one of {}",
                        if ext.is_empty() {
                            "(none)".to_string()
                        } else {
                            format!("`.{ext}`")
                        },
                        list_extensions(READ_EXTENSIONS)
                    ),
                ))
            }
        })
    }
}

/// Read a triangle mesh from `path`, choosing the format from the extension (case-insensitive):
/// `.obj .off .ply .stl .vtk .vtu .vtp`.
///
/// Returns the mesh and one-line warnings about benign repairs and suspicious input: polygons
/// triangulated, unreferenced vertices removed, coincident STL vertices welded (each with a
/// count), duplicate vertices kept apart (with an example).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Mesh`] (path, line when known, the element
/// concerned) for an unsupported extension, a malformed, truncated or lying file, or a mesh that
/// is empty, has non-finite coordinates, out-of-range or repeated indices, degenerate faces, or
/// is not an oriented manifold. See the [module docs](self) for the full list of checks.
pub fn read_mesh(path: &Path) -> Result<(TriMesh, Vec<String>)> {
    let format = MeshFormat::from_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_mesh(path, format, &bytes)
}

/// Read a triangle mesh and the per-vertex arrays stored with it (see [`PointField`] for what
/// each format provides), choosing the format from the extension as [`read_mesh`] does.
///
/// The mesh and warnings are those of [`read_mesh`]; the fields are in file order and in the
/// vertex order of the returned mesh (values of removed unreferenced vertices are dropped).
///
/// # Errors
/// Those of [`read_mesh`], and [`Error::Mesh`] (path, line when known, the field's name) for a
/// field whose length does not match the point count, a non-finite field value (naming the
/// vertex and the value), a field of an unknown or non-numeric data type, or a malformed or
/// truncated field block. [`read_mesh`] skips the fields, so a file can be readable by it and
/// not by this function.
pub fn read_mesh_with_fields(path: &Path) -> Result<(TriMesh, Vec<PointField>, Vec<String>)> {
    let format = MeshFormat::from_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_mesh_with_fields(path, format, &bytes)
}

/// Parse mesh file contents already in memory, as [`read_mesh`] does after reading the file.
/// `path` is used only in error messages.
///
/// # Errors
/// As [`read_mesh`], without the I/O errors.
pub fn parse_mesh(path: &Path, format: MeshFormat, bytes: &[u8]) -> Result<(TriMesh, Vec<String>)> {
    parse(path, format, bytes, false).map(|(mesh, _, warnings)| (mesh, warnings))
}

/// Parse mesh file contents already in memory, as [`read_mesh_with_fields`] does after reading
/// the file. `path` is used only in error messages.
///
/// # Errors
/// As [`read_mesh_with_fields`], without the I/O errors.
pub fn parse_mesh_with_fields(
    path: &Path,
    format: MeshFormat,
    bytes: &[u8],
) -> Result<(TriMesh, Vec<PointField>, Vec<String>)> {
    parse(path, format, bytes, true)
}

/// Read a mesh file with [`ReadOptions`]: [`read_mesh_with_fields`] when `fields` is set,
/// [`read_mesh`] otherwise (the fields returned are then empty), welding duplicate vertices
/// first when `weld` is set.
///
/// # Errors
/// As [`read_mesh_with_fields`].
pub fn read_mesh_opts(
    path: &Path,
    opts: ReadOptions,
) -> Result<(TriMesh, Vec<PointField>, Vec<String>)> {
    let format = MeshFormat::from_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_mesh_opts(path, format, &bytes, opts)
}

/// Parse mesh file contents already in memory, as [`read_mesh_opts`] does after reading the
/// file. `path` is used only in error messages.
///
/// # Errors
/// As [`read_mesh_opts`], without the I/O errors.
pub fn parse_mesh_opts(
    path: &Path,
    format: MeshFormat,
    bytes: &[u8],
    opts: ReadOptions,
) -> Result<(TriMesh, Vec<PointField>, Vec<String>)> {
    soup(format, bytes, opts.fields)
        .and_then(|s| s.finish(opts.weld))
        .map_err(|f| mesh_error(path, f.line, f.msg))
}

/// Read the triangles a mesh file describes without requiring a valid mesh: what
/// `geoflow mesh repair` starts from.
///
/// Only the first checks fail: an unreadable or malformed file, no faces, a non-finite
/// coordinate, an index out of range, a polygon of more than [`MAX_POLYGON_VERTICES`] corners.
/// Polygons are triangulated; a face with fewer than 3 distinct corners becomes one triangle
/// repeating a vertex (a degenerate face, for repair to remove). Vertices stay in file order,
/// unreferenced ones too (STL's are welded, as always); triangles are numbered in file order
/// after triangulation. The warnings say what was triangulated or dropped.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Mesh`] for the failures above.
pub fn read_mesh_unvalidated(path: &Path) -> Result<(TriMesh, Vec<String>)> {
    let format = MeshFormat::from_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_mesh_unvalidated(path, format, &bytes)
}

/// [`read_mesh_unvalidated`] on file contents already in memory (`path` only names the file
/// in messages).
///
/// # Errors
/// As [`read_mesh_unvalidated`], without the I/O errors.
pub fn parse_mesh_unvalidated(
    path: &Path,
    format: MeshFormat,
    bytes: &[u8],
) -> Result<(TriMesh, Vec<String>)> {
    soup(format, bytes, false)
        .and_then(Soup::finish_unvalidated)
        .map_err(|f| mesh_error(path, f.line, f.msg))
}

/// Parse with or without the point fields (`fields == false` skips them unread, as
/// [`read_mesh`] always has).
fn parse(
    path: &Path,
    format: MeshFormat,
    bytes: &[u8],
    fields: bool,
) -> Result<(TriMesh, Vec<PointField>, Vec<String>)> {
    parse_mesh_opts(
        path,
        format,
        bytes,
        ReadOptions {
            weld: false,
            fields,
        },
    )
}

/// The polygon soup of a file's contents, a leading UTF-8 byte order mark skipped (STL decides
/// itself, since a binary STL may begin with those bytes).
fn soup(format: MeshFormat, bytes: &[u8], fields: bool) -> PResult<Soup> {
    let bytes = if format == MeshFormat::Stl {
        bytes
    } else {
        bytes.strip_prefix(BOM).unwrap_or(bytes)
    };
    match format {
        MeshFormat::Obj => obj::parse(bytes),
        MeshFormat::Off => off::parse(bytes),
        MeshFormat::Ply => ply::parse(bytes, fields),
        MeshFormat::Stl => stl::parse(bytes),
        MeshFormat::VtkLegacy => vtk::parse_legacy(bytes, fields),
        MeshFormat::VtkXml => vtk_xml::parse_xml(bytes, fields),
    }
}

/// Write `mesh` to `path`, choosing the format from the extension (case-insensitive): `.obj`
/// (positions printed in shortest round-trip form, so they read back bit for bit) or `.ply`
/// (binary little endian, `double` positions, `int` indices).
///
/// The file is written atomically: to a temporary file in the same directory, then renamed over
/// `path`, so a reader never sees a half-written mesh.
///
/// # Errors
/// [`Error::Mesh`] for an unsupported extension, a non-finite coordinate or an out-of-range face
/// index (nothing is written then); [`Error::Io`] if writing fails.
pub fn write_mesh(path: &Path, mesh: &TriMesh) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !WRITE_EXTENSIONS.contains(&ext.as_str()) {
        return Err(mesh_error(
            path,
            None,
            format!(
                "cannot write meshes as `.{ext}`: expected one of {}",
                list_extensions(WRITE_EXTENSIONS)
            ),
        ));
    }
    write::check_writable(mesh).map_err(|msg| mesh_error(path, None, msg))?;
    if ext == "obj" {
        write::obj(path, mesh)
    } else {
        write::ply(path, mesh)
    }
}

fn list_extensions(exts: &[&str]) -> String {
    exts.iter()
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn mesh_error(path: &Path, line: Option<usize>, msg: String) -> Error {
    Error::Mesh {
        path: path.to_path_buf(),
        line,
        msg,
    }
}

/// A parse failure, before the path is attached: the 1-based line (text formats) and what is
/// wrong.
#[derive(Debug)]
struct Fail {
    line: Option<usize>,
    msg: String,
}

impl Fail {
    /// A failure at a known line.
    fn at(line: usize, msg: impl Into<String>) -> Fail {
        Fail {
            line: Some(line),
            msg: msg.into(),
        }
    }

    /// A failure at an optional line.
    fn maybe_at(line: Option<usize>, msg: impl Into<String>) -> Fail {
        Fail {
            line,
            msg: msg.into(),
        }
    }

    /// A failure with no line (binary data, whole-file problems).
    fn nowhere(msg: impl Into<String>) -> Fail {
        Fail {
            line: None,
            msg: msg.into(),
        }
    }
}

type PResult<T> = std::result::Result<T, Fail>;

/// Whether `declared` elements of at least `min_bytes` bytes each can fit in `available`
/// bytes. Used before allocating from any count read from a file.
fn fits(declared: u128, min_bytes: u64, available: usize) -> bool {
    declared.saturating_mul(min_bytes as u128) <= available as u128
}
