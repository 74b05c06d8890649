//! VTK XML input (`.vtu` `UnstructuredGrid`, `.vtp` `PolyData`) through vtkio 0.7.0-rc2.
//!
//! vtkio reads ASCII, inline binary (base64) and base64-appended data, uncompressed or
//! compressed with zlib or LZ4 (LZMA is not compiled in). It does not read *raw* appended data
//! (ParaView's default "Appended" data mode without "Encode Appended Data"): such files get a
//! clear error saying how to re-save them.
//!
//! vtkio allocates the decompressed size a compressed array's header declares before
//! decompressing, and indexes unchecked in places. So, before handing a file to vtkio, every
//! compressed array's header is checked against the bytes actually present (no format
//! compresses better than 1032:1), and vtkio runs under `catch_unwind`: a lying or malformed file
//! is an error, never an abort.
//!
//! Point fields: every `PointData` `DataArray`, converted to `f64`. vtkio reads an unknown
//! `type` as Float64 and silently drops an array whose length does not match
//! `NumberOfPoints × NumberOfComponents`, so the arrays are first listed from the XML text: an
//! unknown type is an error, and so is an array vtkio dropped (with its actual length when it
//! can be told: ASCII and uncompressed inline binary).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::vtk::{check_cell_type, push_cells, Cells};
use super::{Fail, PResult, Soup, SoupField};

/// zlib's maximum compression ratio (LZ4's is lower).
const MAX_COMPRESSION_RATIO: u128 = 1032;

/// The value of attribute `key` in the attribute text of a tag.
fn attr<'a>(tag: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let pat = format!(" {key}=\"");
    let pat = pat.as_bytes();
    let start = tag.windows(pat.len()).position(|w| w == pat)? + pat.len();
    let len = tag[start..].iter().position(|&b| b == b'"')?;
    Some(&tag[start..start + len])
}

/// Each `<name ...>` tag's attribute text (whitespace normalised to spaces) and the byte offset
/// just after it.
fn tags<'a>(data: &'a [u8], name: &'a str) -> impl Iterator<Item = (Vec<u8>, usize)> + 'a {
    let open = format!("<{name}");
    let mut pos = 0;
    std::iter::from_fn(move || loop {
        let k = data[pos..]
            .windows(open.len())
            .position(|w| w == open.as_bytes())?;
        let start = pos + k + open.len();
        let len = data[start..].iter().position(|&b| b == b'>')?;
        pos = start + len + 1;
        // `<DataArrayX` is not `<DataArray`.
        if data
            .get(start)
            .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>' && *b != b'/')
        {
            continue;
        }
        let tag = data[start..start + len]
            .iter()
            .map(|&b| if b.is_ascii_whitespace() { b' ' } else { b })
            .collect();
        return Some((tag, pos));
    })
}

/// A replacement of the bytes at `.0` by `.1` (same length).
type Patch = (usize, Vec<u8>);

/// Check the header of one compressed array, whose base64 text starts at `data[at..]`: the block
/// count, block sizes and compressed sizes must be consistent with the bytes present. `hs` is the
/// header integer size (4 or 8).
///
/// VTK writes a last-block size of 0 when the last block is full, which vtkio misreads as an
/// empty last block; such a header comes back as a patch setting it to the block size.
fn check_compressed(data: &[u8], at: usize, hs: usize, name: &str) -> PResult<Option<Patch>> {
    let text = &data[at..];
    let bad = |why: String| {
        Fail::nowhere(format!(
            "DataArray {name}: compressed data header {why} (corrupt or truncated file)"
        ))
    };
    // The array's base64 characters: up to the next tag, whitespace skipped.
    let chars = || {
        text.iter()
            .copied()
            .take_while(|&b| b != b'<')
            .filter(|b| !b.is_ascii_whitespace())
    };
    let available = chars().count() as u128;
    let b64 = |bytes: u128| bytes.div_ceil(3) * 4;
    // Decode the base64 characters holding the first `bytes` bytes.
    let decode = |bytes: u128| -> PResult<Vec<u8>> {
        let n = b64(bytes);
        if n > available {
            return Err(bad("runs past the end of the data".to_string()));
        }
        let out = STANDARD
            .decode(chars().take(n as usize).collect::<Vec<u8>>())
            .map_err(|e| bad(format!("is not valid base64 ({e})")))?;
        if (out.len() as u128) < bytes {
            return Err(bad("is too short".to_string()));
        }
        Ok(out)
    };
    let num = |b: &[u8], k: usize| -> u128 {
        let mut v = [0u8; 8];
        v[..hs].copy_from_slice(&b[k * hs..(k + 1) * hs]);
        u64::from_le_bytes(v) as u128
    };
    // nb, nu, np: 3 integers, base64-encoded as part of the whole header.
    let first = decode(3 * hs as u128)?;
    let (nb, nu, np) = (num(&first, 0), num(&first, 1), num(&first, 2));
    let header_chars = b64((3 + nb) * hs as u128);
    if header_chars > available {
        return Err(bad(format!(
            "declares {nb} blocks, more than the data can hold"
        )));
    }
    let header = decode((3 + nb) * hs as u128)?;
    let compressed: u128 = (0..nb as usize).map(|k| num(&header, 3 + k)).sum();
    // What vtkio allocates: nu * (nb - 1) + np, in wrapping usize arithmetic.
    let alloc = (nu as usize)
        .wrapping_mul((nb as usize).wrapping_sub(1))
        .wrapping_add(np as usize) as u128;
    if b64(compressed) > available - header_chars {
        return Err(bad(format!(
            "declares {compressed} compressed bytes, more than the data holds"
        )));
    }
    // A full last block (np = 0) is patched to np = nu below, so vtkio then allocates nu * nb.
    let alloc = if nb > 0 && np == 0 {
        alloc.max(nu.saturating_mul(nb))
    } else {
        alloc
    };
    if nb == 0 && alloc != 0 || alloc > MAX_COMPRESSION_RATIO * compressed + (1 << 16) {
        return Err(bad(format!(
            "declares {alloc} bytes decompressed from {compressed} compressed bytes"
        )));
    }
    if nb == 0 || np != 0 {
        return Ok(None);
    }
    // Patch np = nu, when the header's characters are contiguous in the file.
    let start = at + text.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let n = header_chars as usize;
    let raw = data.get(start..start + n);
    if raw.is_none_or(|r| r.iter().any(|b| b.is_ascii_whitespace() || *b == b'<')) {
        return Ok(None);
    }
    let mut fixed = header;
    let nu_bytes = fixed[hs..2 * hs].to_vec();
    fixed[2 * hs..3 * hs].copy_from_slice(&nu_bytes);
    Ok(Some((start, STANDARD.encode(fixed).into_bytes())))
}

/// Reject what vtkio cannot read or would over-allocate for, with a clear message; return the
/// header patches vtkio needs (see [`check_compressed`]).
fn precheck(data: &[u8]) -> PResult<Vec<Patch>> {
    let Some((file, _)) = tags(data, "VTKFile").next() else {
        return Err(Fail::nowhere("not a VTK XML file: no <VTKFile> element"));
    };
    let appended = tags(data, "AppendedData").next();
    if let Some((tag, _)) = &appended {
        if attr(tag, "encoding") == Some(b"raw") {
            return Err(Fail::nowhere(
                "VTK XML raw appended data is not supported: save the file with ASCII, binary \
                 (inline base64) or encoded appended data (ParaView: Data Mode Ascii or Binary, \
                 or tick Encode Appended Data)",
            ));
        }
    }
    let mut patches = Vec::new();
    if attr(&file, "compressor").is_none() {
        return Ok(patches); // uncompressed arrays are bounded by the data vtkio actually decodes
    }
    let hs = if attr(&file, "header_type") == Some(b"UInt64") {
        8
    } else {
        4
    };
    let appended_start = appended.map(|(_, end)| {
        // The appended data starts after the `_` marker.
        data[end..]
            .iter()
            .position(|&b| b == b'_')
            .map_or(data.len(), |k| end + k + 1)
    });
    for (tag, end) in tags(data, "DataArray") {
        let name = attr(&tag, "Name").map_or_else(
            || "(no Name)".to_string(),
            |n| format!("`{}`", String::from_utf8_lossy(n)),
        );
        let patch = match attr(&tag, "format") {
            Some(b"binary") if !tag.ends_with(b"/") => check_compressed(data, end, hs, &name)?,
            Some(b"appended") => {
                let (Some(start), Some(offset)) = (
                    appended_start,
                    attr(&tag, "offset").and_then(super::text::parse_u64),
                ) else {
                    continue; // vtkio reports the missing pieces
                };
                let at = (start as u64).saturating_add(offset).min(data.len() as u64) as usize;
                check_compressed(data, at, hs, &name)?
            }
            _ => None,
        };
        patches.extend(patch);
    }
    Ok(patches)
}

/// The numeric `type`s of VTK XML `DataArray`s (the ones vtkio reads).
const XML_TYPES: [&str; 10] = [
    "Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "Float32", "Float64",
];

/// A `PointData` `DataArray` as the XML text declares it.
struct Declared {
    name: String,
    /// The `type` attribute (checked to be one of [`XML_TYPES`]).
    ty: String,
    components: u64,
    /// The `format` attribute.
    format: Vec<u8>,
    /// Byte offset just after the opening tag (where inline data starts).
    at: usize,
}

/// The `PointData` arrays of each `<Piece>`, from the XML text, with their types checked.
fn declared_point_arrays(data: &[u8]) -> PResult<Vec<Vec<Declared>>> {
    let pieces: Vec<usize> = tags(data, "Piece").map(|(_, end)| end).collect();
    let mut out = Vec::with_capacity(pieces.len());
    for (k, &start) in pieces.iter().enumerate() {
        let end = pieces.get(k + 1).copied().unwrap_or(data.len());
        let piece = &data[start..end];
        let mut arrays = Vec::new();
        if let Some((tag, pd_end)) = tags(piece, "PointData").next() {
            let body = &piece[pd_end..];
            let close = if tag.ends_with(b"/") {
                0
            } else {
                body.windows(12)
                    .position(|w| w == b"</PointData>")
                    .unwrap_or(body.len())
            };
            for (tag, end) in tags(&body[..close], "DataArray") {
                let text = |key| attr(&tag, key).map(|v| String::from_utf8_lossy(v).into_owned());
                let name = text("Name").unwrap_or_default();
                let ty = text("type").unwrap_or_default();
                if !XML_TYPES.contains(&ty.as_str()) {
                    return Err(Fail::nowhere(format!(
                        "point data array `{name}`: unknown data type `{ty}` (expected one of {})",
                        XML_TYPES.join(", ")
                    )));
                }
                let components = match attr(&tag, "NumberOfComponents") {
                    None => 1,
                    Some(c) => super::text::parse_u64(c).ok_or_else(|| {
                        Fail::nowhere(format!(
                            "point data array `{name}`: malformed NumberOfComponents `{}`",
                            super::text::show(c)
                        ))
                    })?,
                };
                arrays.push(Declared {
                    name,
                    ty,
                    components,
                    format: attr(&tag, "format").unwrap_or_default().to_vec(),
                    at: start + pd_end + end,
                });
            }
        }
        out.push(arrays);
    }
    Ok(out)
}

/// The number of values a declared array actually holds, when that can be told from the text:
/// ASCII arrays, and uncompressed inline binary ones (from the byte count in their header of
/// `hs` bytes).
fn actual_count(data: &[u8], d: &Declared, hs: usize, compressed: bool) -> Option<u128> {
    let text = data.get(d.at..)?;
    let text = &text[..text.iter().position(|&b| b == b'<').unwrap_or(text.len())];
    match d.format.as_slice() {
        b"ascii" => Some(super::text::tokens(text).count() as u128),
        b"binary" if !compressed => {
            let chars: Vec<u8> = text
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .take(hs.div_ceil(3) * 4)
                .collect();
            let header = STANDARD.decode(chars).ok()?;
            let mut v = [0u8; 8];
            v[..hs].copy_from_slice(header.get(..hs)?);
            let size: u128 = match d.ty.as_str() {
                "Int8" | "UInt8" => 1,
                "Int16" | "UInt16" => 2,
                "Int32" | "UInt32" | "Float32" => 4,
                _ => 8,
            };
            Some(u64::from_le_bytes(v) as u128 / size)
        }
        _ => None,
    }
}

/// The fields of one piece of `n` points: the arrays vtkio returned, each checked against the
/// arrays the text declares (`declared`): one vtkio dropped is an error naming it.
fn piece_fields(
    data: &[u8],
    attributes: Vec<vtkio::model::Attribute>,
    declared: &[Declared],
    n: usize,
    (hs, compressed): (usize, bool),
) -> PResult<Vec<SoupField>> {
    use vtkio::model::Attribute;

    let arrays: Vec<vtkio::model::DataArray> = attributes
        .into_iter()
        .filter_map(|a| match a {
            Attribute::DataArray(d) => Some(d),
            Attribute::Field { .. } => None,
        })
        .collect();
    let mut taken = vec![false; arrays.len()];
    for d in declared {
        let found = (0..arrays.len()).find(|&k| !taken[k] && arrays[k].name == d.name);
        if let Some(k) = found {
            taken[k] = true;
            continue;
        }
        let label = format!("point data array `{}`", d.name);
        let k = d.components;
        let need = n as u128 * k as u128;
        let plural = if k == 1 { "" } else { "s" };
        return Err(Fail::nowhere(match actual_count(data, d, hs, compressed) {
            Some(got) if got != need => {
                format!("{label}: {got} values, but {n} points × {k} component{plural} need {need}")
            }
            Some(_) => format!("{label}: malformed {} data", d.ty),
            None => format!(
                "{label}: does not hold the {need} values {n} points × {k} component{plural} \
                 need, or cannot be decoded"
            ),
        }));
    }
    arrays
        .into_iter()
        .map(|a| {
            let label = format!("point data array `{}`", a.name);
            let values = a
                .data
                .cast_into::<f64>()
                .ok_or_else(|| Fail::nowhere(format!("{label}: unsupported data type (bits)")))?;
            let mut f = SoupField::new(a.name, label, None, a.elem.num_comp() as usize);
            f.values = values;
            Ok(f)
        })
        .collect()
}

/// Append one piece's fields to the soup's: the first piece sets the arrays, the others must
/// hold the same ones (names and components, in order).
fn merge_fields(s: &mut Soup, piece: usize, fields: Vec<SoupField>) -> PResult<()> {
    if piece == 0 {
        s.fields = fields;
        return Ok(());
    }
    let list = |f: &[SoupField]| {
        f.iter()
            .map(|f| format!("`{}` ({})", f.name, f.components))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if fields.len() != s.fields.len()
        || fields
            .iter()
            .zip(&s.fields)
            .any(|(a, b)| a.name != b.name || a.components != b.components)
    {
        return Err(Fail::nowhere(format!(
            "piece {piece} has other point data arrays than piece 0: [{}] instead of [{}]",
            list(&fields),
            list(&s.fields)
        )));
    }
    for (into, f) in s.fields.iter_mut().zip(fields) {
        into.values.extend(f.values);
    }
    Ok(())
}

/// Parse a VTK XML file (`UnstructuredGrid` or `PolyData`) through vtkio into a polygon soup,
/// with the point data arrays as fields when `fields` is set.
pub(super) fn parse_xml(data: &[u8], fields: bool) -> PResult<Soup> {
    use vtkio::model::{DataSet, Piece, VertexNumbers};

    let patches = precheck(data)?;
    let declared = if fields {
        declared_point_arrays(data)?
    } else {
        Vec::new()
    };
    let encoding = tags(data, "VTKFile")
        .next()
        .map_or((4, false), |(file, _)| {
            let hs = if attr(&file, "header_type") == Some(b"UInt64") {
                8
            } else {
                4
            };
            (hs, attr(&file, "compressor").is_some())
        });
    let original = data;
    let patched;
    let data = if patches.is_empty() {
        data
    } else {
        let mut copy = data.to_vec();
        for (at, bytes) in patches {
            copy[at..at + bytes.len()].copy_from_slice(&bytes);
        }
        patched = copy;
        &patched[..]
    };
    // vtkio indexes unchecked in places; a malformed file must be an error, not a crash.
    let vtk = std::panic::catch_unwind(|| vtkio::Vtk::parse_xml(data))
        .map_err(|_| Fail::nowhere("malformed VTK XML file (the vtkio reader gave up)"))?
        .map_err(|e| Fail::nowhere(format!("cannot read VTK XML: {}", vtkio_sentence(&e))))?;

    /// Cell end offsets and connectivity from either vtkio layout, checked.
    fn layout(v: VertexNumbers, cells: Option<usize>) -> PResult<Cells> {
        match v {
            VertexNumbers::XML {
                connectivity,
                offsets,
            } => {
                let mut ends: Vec<usize> = offsets.iter().map(|&o| o as usize).collect();
                if cells.is_some_and(|n| ends.len() == n + 1) && ends.first() == Some(&0) {
                    ends.remove(0);
                }
                let conn: Vec<usize> = connectivity.iter().map(|&i| i as usize).collect();
                if ends.windows(2).any(|w| w[0] > w[1])
                    || ends.last().is_some_and(|&e| e > conn.len())
                {
                    return Err(Fail::nowhere(
                        "cell offsets must not decrease or pass the connectivity's end",
                    ));
                }
                Ok(Cells {
                    ends,
                    conn,
                    lines: Vec::new(),
                })
            }
            VertexNumbers::Legacy {
                num_cells,
                vertices,
            } => {
                let mut ends = Vec::new();
                let mut conn = Vec::new();
                let mut k = 0usize;
                for c in 0..num_cells {
                    let m = *vertices.get(k).ok_or_else(|| {
                        Fail::nowhere(format!("cell {c}: missing from the cell array"))
                    })? as usize;
                    let list = vertices.get(k + 1..k + 1 + m).ok_or_else(|| {
                        Fail::nowhere(format!("cell {c}: runs past the cell array"))
                    })?;
                    conn.extend(list.iter().map(|&i| i as usize));
                    ends.push(conn.len());
                    k += 1 + m;
                }
                Ok(Cells {
                    ends,
                    conn,
                    lines: Vec::new(),
                })
            }
        }
    }

    fn points(buf: vtkio::IOBuffer) -> PResult<Vec<[f64; 3]>> {
        let flat: Vec<f64> = buf
            .cast_into::<f64>()
            .ok_or_else(|| Fail::nowhere("points of an unsupported data type"))?;
        if !flat.len().is_multiple_of(3) {
            return Err(Fail::nowhere(format!(
                "{} point coordinates is not a multiple of 3",
                flat.len()
            )));
        }
        Ok(flat.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect())
    }

    let mut s = Soup::new("cell", 0);
    let external =
        || Fail::nowhere("pieces stored in other files (parallel VTK) are not supported");
    let declared_in = |k: usize| declared.get(k).map_or(&[][..], |d| &d[..]);
    match vtk.data {
        DataSet::UnstructuredGrid { pieces, .. } => {
            let mut cell0 = 0;
            for (k, piece) in pieces.into_iter().enumerate() {
                let Piece::Inline(p) = piece else {
                    return Err(external());
                };
                let base = s.positions.len();
                s.positions.extend(points(p.points)?);
                if fields {
                    let n = s.positions.len() - base;
                    let f = piece_fields(original, p.data.point, declared_in(k), n, encoding)?;
                    merge_fields(&mut s, k, f)?;
                }
                let types = p.cells.types;
                let cells = layout(p.cells.cell_verts, Some(types.len()))?;
                if cells.ends.len() != types.len() {
                    return Err(Fail::nowhere(format!(
                        "{} cell types for {} cells",
                        types.len(),
                        cells.ends.len()
                    )));
                }
                let mut start = 0;
                for (c, (&end, &ty)) in cells.ends.iter().zip(&types).enumerate() {
                    check_cell_type(cell0 + c, ty as usize, end - start)?;
                    start = end;
                }
                cell0 += cells.ends.len();
                push_cells(&mut s, &cells, base);
            }
        }
        DataSet::PolyData { pieces, .. } => {
            let mut cell0 = 0;
            for (k, piece) in pieces.into_iter().enumerate() {
                let Piece::Inline(p) = piece else {
                    return Err(external());
                };
                let (nv, nl, np, ns) =
                    (p.num_verts(), p.num_lines(), p.num_polys(), p.num_strips());
                let base = s.positions.len();
                s.positions.extend(points(p.points)?);
                if fields {
                    let n = s.positions.len() - base;
                    let f = piece_fields(original, p.data.point, declared_in(k), n, encoding)?;
                    merge_fields(&mut s, k, f)?;
                }
                if nv + nl > 0 {
                    let what = if nv > 0 { "vertex" } else { "line" };
                    return Err(Fail::nowhere(format!(
                        "cell {cell0}: {what} cells are not supported (only polygons)"
                    )));
                }
                if ns > 0 {
                    return Err(Fail::nowhere(format!(
                        "cell {}: triangle strips are not supported (only polygons)",
                        cell0 + np
                    )));
                }
                if let Some(polys) = p.polys {
                    let cells = layout(polys, Some(np))?;
                    cell0 += cells.ends.len();
                    push_cells(&mut s, &cells, base);
                }
            }
        }
        _ => {
            return Err(Fail::nowhere(
                "only UnstructuredGrid (.vtu) and PolyData (.vtp) VTK XML files hold meshes",
            ))
        }
    }
    Ok(s)
}

/// A vtkio error as a sentence (its own `Display` prints Rust debug structures such as
/// `DataArraySizeMismatch { name: "", expected: 12, actual: 9 }`).
fn vtkio_sentence(e: &vtkio::Error) -> String {
    use vtkio::xml::{Error as X, ValidationError as V};
    let named = |name: &str| {
        if name.is_empty() {
            "a data array".to_string()
        } else {
            format!("the data array `{name}`")
        }
    };
    let validation = |v: &V| match v {
        V::DataArraySizeMismatch {
            name,
            expected,
            actual,
        } => format!(
            "{} holds {actual} values where {expected} are declared",
            named(name)
        ),
        V::MissingDataSet => "the file holds no data set".into(),
        V::DataSetMismatch => "the data set does not match the declared file type".into(),
        V::InvalidDataFormat => "a data array has an unknown format".into(),
        V::InvalidCellType(t) => format!("cell type {t} is not a VTK cell type"),
        V::TooManyElements(n) => format!("a data array declares too many elements ({n})"),
        V::UnexpectedBytesInAppendedData(expected, actual) => {
            format!("the appended data holds {actual} bytes where {expected} are expected")
        }
        V::MissingTopologyOffsets => "the cells have no offsets array".into(),
        V::MissingReferencedAppendedData => {
            "a data array refers to appended data the file does not hold".into()
        }
        V::MissingCoordinates => "the points have no coordinates".into(),
        V::MissingCompressionLibrary(c) => {
            format!("the data is compressed with {c:?}, which this build cannot read")
        }
        V::Base64Decode(e) => format!("a data array is not valid base64 ({e})"),
        V::ParseFloat(e) => format!("a value is not a number ({e})"),
        V::ParseInt(e) => format!("a value is not an integer ({e})"),
        V::DecompressError => "compressed data does not decompress".into(),
        V::Unsupported => "the file uses a feature vtkio does not support".into(),
        V::IO(e) => e.to_string(),
        V::Model(e) => format!("{e}"),
        V::Deserialize(e) => format!("the XML does not have the VTK layout ({e})"),
        #[allow(unreachable_patterns)]
        _ => "the data is malformed".into(),
    };
    match e {
        vtkio::Error::XML(x) => match x {
            X::XML(e) => format!("the file is not well-formed XML ({e})"),
            X::Base64Decode(e) => format!("a data array is not valid base64 ({e})"),
            X::Validation(v) => validation(v),
            X::Deserialization(e) => format!("the XML does not have the VTK layout ({e})"),
            X::InvalidVersion => "the VTKFile version is not one vtkio reads".into(),
            X::TypeExtensionMismatch => "the file's type does not match its extension".into(),
            X::InvalidType => "the VTKFile type is unknown".into(),
            X::InvalidByteOrder => "the byte order is unknown".into(),
            X::UnexpectedElement(name) => format!("unexpected element <{name}>"),
            X::IO(e) => e.to_string(),
            X::Model(e) => format!("{e}"),
            X::Unknown => "the file is malformed".into(),
        },
        vtkio::Error::IO(e) => e.to_string(),
        vtkio::Error::Load(e) => format!("{e}"),
        other => format!("the file is malformed ({other})"),
    }
}
