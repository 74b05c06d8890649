//! Our own small VTK XML writer for [`Frame`]s.
//!
//! # Format
//!
//! Each frame is one serial VTK XML file, `version="1.0"`, `byte_order="LittleEndian"`,
//! `header_type="UInt64"`:
//!
//! - [`Cells::Structured`] → `.vts` (`StructuredGrid`), `WholeExtent` = `Extent` =
//!   `0 nx-1 0 ny-1 0 0`, point `i + nx*j`;
//! - [`Cells::Triangles`] → `.vtu` (`UnstructuredGrid`), `connectivity` and `offsets` as Int64,
//!   `types` as UInt8 (5 = `VTK_TRIANGLE`).
//!
//! Points, point data and cell data are all Float64 (scalars with 1 component, vectors with 3),
//! so values read back are bit-identical to the `f64`s the flow computed. The per-frame scalars
//! (`TimeValue`, `Energy`, `Step`, ...) go into a dataset-level `<FieldData>` as single-tuple
//! Float64 arrays; ParaView's XML readers take the frame's time from `TimeValue`, and
//! *Plot Global Variables Over Time* plots the others.
//!
//! Every `DataArray` is `format="binary"`: inline base64 of one stream made of a little-endian
//! `u64` byte count followed by the raw little-endian values. There is no compression: writing
//! stays fast (whole buffers are encoded at once, no per-value formatting) and every VTK reader
//! understands it.
//!
//! Files are written atomically (`io::atomic`: temporary sibling file, then rename), so
//! a reader never sees a half-written frame.
//!
//! # Why not vtkio
//!
//! vtkio 0.7.0-rc2 silently drops dataset-level `FieldData` (where `TimeValue` and `Energy`
//! live) and writes StructuredGrid extents off by one when given dimensions; 0.6.3 writes
//! compressed XML that VTK cannot read. This writer is small enough to own.

use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::discretization::Cells;
use crate::flows::{Field, Frame};
use crate::io::atomic::write_atomically;
use crate::{Error, Result};

/// `VTK_TRIANGLE` cell type.
const VTK_TRIANGLE: u8 = 5;

/// Write `frame` to `path` as a VTK XML file (`.vts` for a structured grid, `.vtu` for
/// triangles), with `field_data` as dataset-level single-tuple Float64 arrays (e.g.
/// `[("TimeValue", t), ("Energy", e), ("Step", n as f64)]`).
///
/// The file is written to a temporary file in the same directory and renamed into place.
///
/// # Errors
///
/// [`Error::Usage`] if the path's extension is not [`Frame::extension`], if a field's length
/// does not match the number of points or cells, if the grid dimensions do not match the number
/// of points, or if a triangle indexes a point that does not exist; [`Error::Io`] if the file
/// cannot be written.
pub fn write_frame(path: &Path, frame: &Frame, field_data: &[(&str, f64)]) -> Result<()> {
    let ext = frame.extension();
    if path.extension().and_then(|e| e.to_str()) != Some(ext) {
        return Err(Error::Usage(format!(
            "{}: a frame with {} cells must be written to a `.{ext}` file",
            path.display(),
            match frame.cells {
                Cells::Structured { .. } => "structured",
                Cells::Triangles(_) => "triangle",
            }
        )));
    }
    let n_cells = validate(path, frame)?;
    write_atomically(path, |w| write_xml(w, frame, n_cells, field_data))
}

/// Check the frame's consistency and return its number of cells.
fn validate(path: &Path, frame: &Frame) -> Result<usize> {
    let usage = |msg: String| Error::Usage(format!("{}: {msg}", path.display()));
    let n_points = frame.points.len();
    let n_cells = match &frame.cells {
        Cells::Structured { nx, ny } => {
            let (nx, ny) = (*nx, *ny);
            if nx == 0 || ny == 0 {
                return Err(usage(format!("structured grid {nx}x{ny} has no points")));
            }
            if nx.checked_mul(ny) != Some(n_points) {
                return Err(usage(format!(
                    "structured grid {nx}x{ny} needs {} points, the frame has {n_points}",
                    nx as u128 * ny as u128
                )));
            }
            // VTK's count: a dimension of 1 contributes a factor 1 (lines or a vertex).
            (nx - 1).max(1) * (ny - 1).max(1)
        }
        Cells::Triangles(tris) => {
            if let Some((k, t)) = tris
                .iter()
                .enumerate()
                .find(|(_, t)| t.iter().any(|&i| i >= n_points))
            {
                return Err(usage(format!(
                    "triangle {k} = {t:?} indexes past the {n_points} points"
                )));
            }
            tris.len()
        }
    };
    let check = |kind: &str, data: &[(&'static str, Field)], expected: usize| {
        for (name, field) in data {
            if field.len() != expected {
                return Err(usage(format!(
                    "{kind} field `{name}` has {} values, expected {expected}",
                    field.len()
                )));
            }
        }
        Ok(())
    };
    check("point", &frame.point_data, n_points)?;
    check("cell", &frame.cell_data, n_cells)?;
    Ok(n_cells)
}

fn write_xml<W: Write>(
    w: &mut W,
    frame: &Frame,
    n_cells: usize,
    field_data: &[(&str, f64)],
) -> std::io::Result<()> {
    let mut enc = ArrayEncoder::default();
    let (kind, structured) = match frame.cells {
        Cells::Structured { nx, ny } => ("StructuredGrid", Some((nx, ny))),
        Cells::Triangles(_) => ("UnstructuredGrid", None),
    };
    writeln!(w, "<?xml version=\"1.0\"?>")?;
    writeln!(
        w,
        "<VTKFile type=\"{kind}\" version=\"1.0\" byte_order=\"LittleEndian\" \
         header_type=\"UInt64\">"
    )?;
    let extent = structured.map(|(nx, ny)| format!("0 {} 0 {} 0 0", nx - 1, ny - 1));
    match &extent {
        Some(e) => writeln!(w, "  <{kind} WholeExtent=\"{e}\">")?,
        None => writeln!(w, "  <{kind}>")?,
    }

    if !field_data.is_empty() {
        writeln!(w, "    <FieldData>")?;
        for (name, value) in field_data {
            write!(
                w,
                "      <DataArray type=\"Float64\" Name=\"{}\" NumberOfTuples=\"1\" \
                 format=\"binary\">",
                escape(name)
            )?;
            enc.write_f64s(w, 1, std::iter::once(*value))?;
            writeln!(w, "</DataArray>")?;
        }
        writeln!(w, "    </FieldData>")?;
    }

    match &extent {
        Some(e) => writeln!(w, "    <Piece Extent=\"{e}\">")?,
        None => writeln!(
            w,
            "    <Piece NumberOfPoints=\"{}\" NumberOfCells=\"{n_cells}\">",
            frame.points.len()
        )?,
    }

    write!(w, "      <PointData")?;
    let first = |want_scalar: bool| {
        frame
            .point_data
            .iter()
            .find(|(_, f)| matches!(f, Field::Scalar(_)) == want_scalar)
    };
    if let Some((name, _)) = first(true) {
        write!(w, " Scalars=\"{}\"", escape(name))?;
    }
    if let Some((name, _)) = first(false) {
        write!(w, " Vectors=\"{}\"", escape(name))?;
    }
    writeln!(w, ">")?;
    write_fields(w, &mut enc, &frame.point_data)?;
    writeln!(w, "      </PointData>")?;
    writeln!(w, "      <CellData>")?;
    write_fields(w, &mut enc, &frame.cell_data)?;
    writeln!(w, "      </CellData>")?;

    writeln!(w, "      <Points>")?;
    write!(
        w,
        "        <DataArray type=\"Float64\" Name=\"Points\" NumberOfComponents=\"3\" \
         format=\"binary\">"
    )?;
    enc.write_f64s(
        w,
        frame.points.len() * 3,
        frame.points.iter().flatten().copied(),
    )?;
    writeln!(w, "</DataArray>")?;
    writeln!(w, "      </Points>")?;

    if let Cells::Triangles(tris) = &frame.cells {
        writeln!(w, "      <Cells>")?;
        write!(
            w,
            "        <DataArray type=\"Int64\" Name=\"connectivity\" format=\"binary\">"
        )?;
        // Indices were checked against the number of points, which fits in i64.
        enc.write_le(
            w,
            tris.len() * 3,
            tris.iter().flatten().map(|&i| (i as i64).to_le_bytes()),
        )?;
        writeln!(w, "</DataArray>")?;
        write!(
            w,
            "        <DataArray type=\"Int64\" Name=\"offsets\" format=\"binary\">"
        )?;
        enc.write_le(
            w,
            tris.len(),
            (1..=tris.len()).map(|k| (3 * k as i64).to_le_bytes()),
        )?;
        writeln!(w, "</DataArray>")?;
        write!(
            w,
            "        <DataArray type=\"UInt8\" Name=\"types\" format=\"binary\">"
        )?;
        enc.write_le(
            w,
            tris.len(),
            std::iter::repeat_n([VTK_TRIANGLE], tris.len()),
        )?;
        writeln!(w, "</DataArray>")?;
        writeln!(w, "      </Cells>")?;
    }

    writeln!(w, "    </Piece>")?;
    writeln!(w, "  </{kind}>")?;
    writeln!(w, "</VTKFile>")?;
    Ok(())
}

fn write_fields<W: Write>(
    w: &mut W,
    enc: &mut ArrayEncoder,
    fields: &[(&'static str, Field)],
) -> std::io::Result<()> {
    for (name, field) in fields {
        let components = match field {
            Field::Scalar(_) => 1,
            Field::Vector(_) => 3,
        };
        write!(
            w,
            "        <DataArray type=\"Float64\" Name=\"{}\" NumberOfComponents=\"{components}\" \
             format=\"binary\">",
            escape(name)
        )?;
        match field {
            Field::Scalar(v) => enc.write_f64s(w, v.len(), v.iter().copied())?,
            Field::Vector(v) => enc.write_f64s(w, v.len() * 3, v.iter().flatten().copied())?,
        }
        writeln!(w, "</DataArray>")?;
    }
    Ok(())
}

/// Encodes arrays as VTK inline binary: base64 of (`u64` byte count ++ little-endian values).
/// The raw buffer is reused across arrays; base64 is produced in chunks whose length is a
/// multiple of 3 bytes, which concatenate to the base64 of the whole stream.
#[derive(Default)]
struct ArrayEncoder {
    raw: Vec<u8>,
    b64: Vec<u8>,
}

impl ArrayEncoder {
    /// Raw bytes per base64 chunk (a multiple of 3).
    const CHUNK: usize = 3 * (1 << 16);

    fn write_f64s<W: Write>(
        &mut self,
        w: &mut W,
        n: usize,
        values: impl Iterator<Item = f64>,
    ) -> std::io::Result<()> {
        self.write_le(w, n, values.map(f64::to_le_bytes))
    }

    /// Write `n` values, each given as its `N` little-endian bytes.
    fn write_le<W: Write, const N: usize>(
        &mut self,
        w: &mut W,
        n: usize,
        values: impl Iterator<Item = [u8; N]>,
    ) -> std::io::Result<()> {
        let payload = n * N;
        self.raw.clear();
        self.raw.resize(8 + payload, 0);
        self.raw[..8].copy_from_slice(&(payload as u64).to_le_bytes());
        let mut written = 0;
        for (dst, src) in self.raw[8..].chunks_exact_mut(N).zip(values) {
            dst.copy_from_slice(&src);
            written += 1;
        }
        if written != n {
            return Err(std::io::Error::other(format!(
                "internal: array announced {n} values but yielded {written}"
            )));
        }
        if self.b64.len() < Self::CHUNK / 3 * 4 {
            self.b64.resize(Self::CHUNK / 3 * 4, 0);
        }
        for chunk in self.raw.chunks(Self::CHUNK) {
            let len = STANDARD
                .encode_slice(chunk, &mut self.b64)
                .map_err(std::io::Error::other)?;
            w.write_all(&self.b64[..len])?;
        }
        Ok(())
    }
}

/// Escape a string for use in an XML attribute value or text.
pub(crate) fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out.into()
}
