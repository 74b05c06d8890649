//! Legacy VTK input (`.vtk`): our own reader, for line numbers and checked counts.
//!
//! Legacy: `DATASET POLYDATA` (`POLYGONS`) or `DATASET UNSTRUCTURED_GRID` (`CELLS` +
//! `CELL_TYPES`), ASCII or BINARY (big endian, as VTK writes it), in both the classic cell layout
//! (`n i1 .. in` per cell) and the 5.x `OFFSETS`/`CONNECTIVITY` layout. `FIELD` and `METADATA`
//! blocks are skipped. Without fields, reading stops at `POINT_DATA`/`CELL_DATA`; with fields,
//! the attributes of both sections are read (`CELL_DATA` ones only to skip them): `SCALARS`
//! (with or without `LOOKUP_TABLE` and component count), `VECTORS`, `NORMALS`,
//! `TEXTURE_COORDINATES`, `TENSORS` and `FIELD` arrays become point fields; `COLOR_SCALARS` and
//! `LOOKUP_TABLE` blocks are skipped.
//!
//! Cells must be triangles; quads and polygons are triangulated (with the usual warning); any
//! other cell type is an error naming the cell and its type. Line numbers are reported for
//! ASCII files, and in binary files up to the first binary block.

use super::text::{parse_f64, parse_i64, show, Tokens};
use super::{fits, Fail, PResult, Soup, SoupField};

/// A number type of the legacy format.
#[derive(Clone, Copy)]
struct Ty {
    /// Size in bytes (binary files).
    size: usize,
    float: bool,
    /// Unsigned integer (binary decoding).
    unsigned: bool,
}

/// The legacy type called `name` (case-insensitive).
fn legacy_type(name: &[u8]) -> Option<Ty> {
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    let int = |size, unsigned| Ty {
        size,
        float: false,
        unsigned,
    };
    Some(match name.as_str() {
        "char" | "vtktypeint8" => int(1, false),
        "unsigned_char" | "vtktypeuint8" => int(1, true),
        "short" | "vtktypeint16" => int(2, false),
        "unsigned_short" | "vtktypeuint16" => int(2, true),
        "int" | "vtktypeint32" => int(4, false),
        "unsigned_int" | "vtktypeuint32" => int(4, true),
        "long" | "vtktypeint64" | "vtkidtype" => int(8, false),
        "unsigned_long" | "vtktypeuint64" => int(8, true),
        "float" => Ty {
            size: 4,
            float: true,
            unsigned: false,
        },
        "double" => Ty {
            size: 8,
            float: true,
            unsigned: false,
        },
        _ => return None,
    })
}

/// `int`: the type of the classic cell lists and `CELL_TYPES`.
const INT: Ty = Ty {
    size: 4,
    float: false,
    unsigned: false,
};

/// `unsigned_char`: binary `COLOR_SCALARS` and `LOOKUP_TABLE` values.
const UCHAR: Ty = Ty {
    size: 1,
    float: false,
    unsigned: true,
};

/// `float`: ASCII `COLOR_SCALARS` and `LOOKUP_TABLE` values.
const FLOAT: Ty = Ty {
    size: 4,
    float: true,
    unsigned: false,
};

/// A cell array: end offsets into the connectivity, the connectivity, and each cell's line
/// (ASCII files only; else empty).
pub(super) struct Cells {
    pub(super) ends: Vec<usize>,
    pub(super) conn: Vec<usize>,
    pub(super) lines: Vec<usize>,
}

/// The legacy reader's cursor: tokens in text parts, raw big-endian blocks in binary files.
struct Legacy<'a> {
    t: Tokens<'a>,
    binary: bool,
    /// False once a binary block has been read: line numbers are unknown after it.
    lines_ok: bool,
}

impl<'a> Legacy<'a> {
    fn line(&self) -> Option<usize> {
        self.lines_ok.then(|| self.t.line())
    }

    fn fail(&self, line: usize, msg: impl Into<String>) -> Fail {
        Fail::maybe_at(self.lines_ok.then_some(line), msg)
    }

    fn token(&mut self, what: &str) -> PResult<(&'a [u8], usize)> {
        let line = self.line();
        self.t.next_token().ok_or_else(|| {
            Fail::maybe_at(
                line,
                format!("truncated file: ended while expecting {what}"),
            )
        })
    }

    fn count(&mut self, what: &str) -> PResult<u64> {
        let (tok, ln) = self.token(what)?;
        super::text::parse_u64(tok)
            .ok_or_else(|| self.fail(ln, format!("{what}: malformed count `{}`", show(tok))))
    }

    fn type_name(&mut self, what: &str) -> PResult<Ty> {
        let (tok, ln) = self.token(what)?;
        legacy_type(tok)
            .ok_or_else(|| self.fail(ln, format!("{what}: unsupported data type `{}`", show(tok))))
    }

    /// Check that `n` values of `size` bytes (binary) or at least two characters (ASCII) fit in
    /// the rest of the file, before anything is allocated for them.
    fn check_count(&self, block: &str, n: u64, size: usize) -> PResult<()> {
        let min = if self.binary { size as u64 } else { 2 };
        if fits(n as u128, min, self.t.remaining() + 1) {
            return Ok(());
        }
        Err(Fail::maybe_at(
            self.line(),
            format!(
                "{block}: {n} values declared, more than the {} bytes left in the file can hold \
                 (wrong count or truncated file)",
                self.t.remaining()
            ),
        ))
    }

    /// Read `n` numbers of type `ty` (after its keyword line), calling `each` with the value and
    /// its line; `block` names the whole array and `what(k)` value `k` in messages.
    fn values(
        &mut self,
        block: &str,
        n: u64,
        ty: Ty,
        what: &dyn Fn(u64) -> String,
        mut each: impl FnMut(f64, Option<usize>) -> PResult<()>,
    ) -> PResult<()> {
        let Ty {
            size,
            float,
            unsigned,
        } = ty;
        self.check_count(block, n, size)?;
        if self.binary {
            self.t.rest_of_line();
            let raw = self.t.take(n as usize * size).ok_or_else(|| {
                Fail::nowhere(format!("truncated file: {block} runs past the end"))
            })?;
            self.lines_ok = false;
            for (k, b) in raw.chunks_exact(size).enumerate() {
                let v = match (size, float, unsigned) {
                    (4, true, _) => f32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64,
                    (8, true, _) => f64::from_be_bytes(b.try_into().unwrap_or([0; 8])),
                    (1, _, false) => b[0] as i8 as f64,
                    (1, _, true) => b[0] as f64,
                    (2, _, false) => i16::from_be_bytes([b[0], b[1]]) as f64,
                    (2, _, true) => u16::from_be_bytes([b[0], b[1]]) as f64,
                    (4, _, false) => i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64,
                    (4, _, true) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64,
                    (_, _, false) => i64::from_be_bytes(b.try_into().unwrap_or([0; 8])) as f64,
                    (_, _, true) => u64::from_be_bytes(b.try_into().unwrap_or([0; 8])) as f64,
                };
                each(v, None)
                    .map_err(|f| Fail::nowhere(format!("{}: {}", what(k as u64), f.msg)))?;
            }
        } else {
            for k in 0..n {
                let (tok, ln) = self.token(&what(k))?;
                let v = if float {
                    parse_f64(tok)
                } else {
                    parse_i64(tok).map(|i| i as f64)
                }
                .ok_or_else(|| {
                    Fail::at(ln, format!("{}: malformed number `{}`", what(k), show(tok)))
                })?;
                each(v, Some(ln)).map_err(|f| Fail::at(ln, format!("{}: {}", what(k), f.msg)))?;
            }
        }
        Ok(())
    }

    /// Read `n` non-negative integers, and their lines (ASCII only; else empty).
    fn indices(
        &mut self,
        block: &str,
        n: u64,
        ty: Ty,
        what: &dyn Fn(u64) -> String,
    ) -> PResult<(Vec<usize>, Vec<usize>)> {
        self.check_count(block, n, ty.size)?;
        let mut out = Vec::with_capacity(n as usize);
        let mut lines = Vec::new();
        self.values(block, n, ty, what, |v, l| {
            if v < 0.0 || v.fract() != 0.0 {
                return Err(Fail::nowhere(format!("invalid index or count {v}")));
            }
            out.push(v as usize);
            lines.extend(l);
            Ok(())
        })?;
        Ok((out, lines))
    }

    /// A cell array after its keyword (`POLYGONS`, `CELLS`, ...): classic `n size` + `k i..`
    /// lists, or 5.x `n_offsets n_connectivity` + `OFFSETS` + `CONNECTIVITY`.
    fn cells(&mut self, kw: &str) -> PResult<Cells> {
        let n = self.count(&format!("{kw} cell count"))?;
        let size = self.count(&format!("{kw} size"))?;
        let modern = self
            .t
            .peek()
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case(b"OFFSETS"));
        if modern {
            let (_, ln) = self.token("OFFSETS")?;
            let ty = self.type_name("OFFSETS type")?;
            let (mut offsets, _) = self.indices(&format!("{kw} OFFSETS"), n, ty, &|k| {
                format!("{kw} offset {k}")
            })?;
            let (tok, l2) = self.token("CONNECTIVITY")?;
            if !tok.eq_ignore_ascii_case(b"CONNECTIVITY") {
                return Err(self.fail(
                    l2,
                    format!("expected `CONNECTIVITY`, found `{}`", show(tok)),
                ));
            }
            let ty = self.type_name("CONNECTIVITY type")?;
            let (conn, conn_lines) =
                self.indices(&format!("{kw} CONNECTIVITY"), size, ty, &|k| {
                    format!("{kw} connectivity entry {k}")
                })?;
            // The offsets start with 0 and end with the connectivity length.
            if offsets.first() != Some(&0)
                || offsets.last() != Some(&conn.len())
                || offsets.windows(2).any(|w| w[0] > w[1])
            {
                return Err(self.fail(
                    ln,
                    format!(
                        "{kw}: OFFSETS must rise from 0 to the CONNECTIVITY length {}",
                        conn.len()
                    ),
                ));
            }
            let lines = if conn_lines.is_empty() {
                Vec::new()
            } else {
                offsets[..offsets.len() - 1]
                    .iter()
                    .map(|&o| conn_lines.get(o).copied().unwrap_or(l2))
                    .collect()
            };
            offsets.remove(0);
            return Ok(Cells {
                ends: offsets,
                conn,
                lines,
            });
        }
        let ln = self.t.line();
        let (flat, flat_lines) = self.indices(kw, size, INT, &|k| format!("{kw} entry {k}"))?;
        if n > size {
            return Err(self.fail(
                ln,
                format!("{kw}: {n} cells declared, more than the declared size {size} can hold"),
            ));
        }
        let mut ends = Vec::with_capacity(n as usize);
        let mut conn = Vec::with_capacity(flat.len());
        let mut lines = Vec::new();
        let mut k = 0;
        for c in 0..n {
            let m = *flat.get(k).ok_or_else(|| {
                self.fail(
                    ln,
                    format!("{kw}: the declared size {size} ends before cell {c}"),
                )
            })?;
            let list = m
                .checked_add(k + 1)
                .and_then(|end| flat.get(k + 1..end))
                .ok_or_else(|| {
                    self.fail(
                        flat_lines.get(k).copied().unwrap_or(ln),
                        format!("cell {c}: lists {m} points, past the declared {kw} size {size}"),
                    )
                })?;
            if let Some(&l) = flat_lines.get(k) {
                lines.push(l);
            }
            conn.extend_from_slice(list);
            ends.push(conn.len());
            k += 1 + m;
        }
        if k != flat.len() {
            return Err(self.fail(
                ln,
                format!("{kw}: the declared size {size} does not match the {n} cells listed ({k})"),
            ));
        }
        Ok(Cells { ends, conn, lines })
    }

    /// The section a `POINT_DATA n` or `CELL_DATA n` line (keyword `kw` just read at line `ln`)
    /// opens: its name and tuple count, checked against the points read so far.
    fn data_section(&mut self, kw: &str, ln: usize, s: &Soup) -> PResult<(&'static str, u64)> {
        let n = self.count(&format!("{kw} count"))?;
        if kw == "CELL_DATA" {
            return Ok(("CELL_DATA", n));
        }
        if n != s.positions.len() as u64 {
            return Err(self.fail(
                ln,
                format!(
                    "POINT_DATA declares {n} values per array, but the file has {} points",
                    s.positions.len()
                ),
            ));
        }
        Ok(("POINT_DATA", n))
    }

    /// Skip a `FIELD name n` block's arrays.
    fn skip_field(&mut self) -> PResult<()> {
        self.token("FIELD name")?;
        let arrays = self.count("FIELD array count")?;
        for _ in 0..arrays {
            let (name, _) = self.token("FIELD array name")?;
            let name = show(name);
            let comps = self.count(&format!("FIELD array `{name}` components"))?;
            let tuples = self.count(&format!("FIELD array `{name}` tuples"))?;
            let ty = self.type_name(&format!("FIELD array `{name}` type"))?;
            let n = comps.saturating_mul(tuples);
            self.values(
                &format!("FIELD array `{name}`"),
                n,
                ty,
                &|k| format!("FIELD array `{name}` value {k}"),
                |_, _| Ok(()),
            )?;
            self.skip_metadata_if_any();
        }
        Ok(())
    }

    /// Skip a `METADATA` block (up to a blank line) if one comes next.
    fn skip_metadata_if_any(&mut self) {
        if self
            .t
            .peek()
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case(b"METADATA"))
        {
            self.t.next_token();
            self.skip_metadata();
        }
    }

    /// Skip the rest of a `METADATA` block whose keyword was just read: up to a blank line.
    fn skip_metadata(&mut self) {
        self.t.rest_of_line();
        while self.t.remaining() > 0 {
            if self
                .t
                .rest_of_line()
                .iter()
                .all(|b| b.is_ascii_whitespace())
            {
                break;
            }
        }
    }

    /// The name token of an attribute (`what` names it in messages).
    fn name(&mut self, what: &str) -> PResult<String> {
        let (tok, _) = self.token(what)?;
        Ok(String::from_utf8_lossy(tok).into_owned())
    }

    /// A component count (`what` names it in messages): at least 1.
    fn components(&mut self, what: &str) -> PResult<u64> {
        let line = self.line();
        let k = self.count(what)?;
        if k == 0 {
            return Err(Fail::maybe_at(line, format!("{what}: 0 components")));
        }
        Ok(k)
    }

    /// Read the values of an attribute array of `tuples` tuples of `comps` components: into a
    /// field when `keep` is given (with the line of each tuple), else only skipped.
    fn array(
        &mut self,
        block: &str,
        tuples: u64,
        comps: u64,
        ty: Ty,
        keep: Option<SoupField>,
    ) -> PResult<Option<SoupField>> {
        let n = tuples.saturating_mul(comps);
        let what = |k: u64| format!("{block} value {k}");
        let Some(mut f) = keep else {
            self.values(block, n, ty, &what, |_, _| Ok(()))?;
            return Ok(None);
        };
        self.check_count(block, n, ty.size)?;
        f.values.reserve(n as usize);
        let values = &mut f.values;
        let lines = &mut f.lines;
        self.values(block, n, ty, &what, |v, l| {
            if let Some(l) = l {
                if (values.len() as u64).is_multiple_of(comps) {
                    lines.push(l);
                }
            }
            values.push(v);
            Ok(())
        })?;
        Ok(Some(f))
    }

    /// Read one attribute block of a `POINT_DATA` or `CELL_DATA` section of `n` tuples, whose
    /// keyword `kw` (upper case) was just read at line `ln`; return the point fields it holds
    /// (`points` says whether this is point data: cell data is only skipped).
    fn attribute(
        &mut self,
        kw: &str,
        ln: usize,
        section: &str,
        n: u64,
        points: bool,
    ) -> PResult<Vec<SoupField>> {
        let line = self.lines_ok.then_some(ln);
        // A field for array `name` of attribute `kind`, when reading point data.
        let field = |kind: &str, name: &str, comps: u64| {
            points.then(|| {
                SoupField::new(
                    name,
                    format!("{section} {kind} `{name}`"),
                    line,
                    comps as usize,
                )
            })
        };
        let one = |f: Option<SoupField>| Ok(f.into_iter().collect());
        match kw {
            "SCALARS" => {
                let name = self.name("SCALARS name")?;
                let block = format!("SCALARS `{name}`");
                let ty = self.type_name(&format!("{block} type"))?;
                // The optional component count is on the same line.
                let comps = if self.t.peek().is_some_and(|(_, l)| l == ln) {
                    self.components(&format!("{block} component count"))?
                } else {
                    1
                };
                if self
                    .t
                    .peek()
                    .is_some_and(|(t, _)| t.eq_ignore_ascii_case(b"LOOKUP_TABLE"))
                {
                    self.t.next_token();
                    self.token(&format!("{block} LOOKUP_TABLE name"))?;
                }
                let f = field("SCALARS", &name, comps);
                one(self.array(&block, n, comps, ty, f)?)
            }
            "VECTORS" | "NORMALS" | "TENSORS" | "TENSORS6" => {
                let name = self.name(&format!("{kw} name"))?;
                let block = format!("{kw} `{name}`");
                let ty = self.type_name(&format!("{block} type"))?;
                let comps = match kw {
                    "TENSORS" => 9,
                    "TENSORS6" => 6,
                    _ => 3,
                };
                let f = field(kw, &name, comps);
                one(self.array(&block, n, comps, ty, f)?)
            }
            "TEXTURE_COORDINATES" => {
                let name = self.name("TEXTURE_COORDINATES name")?;
                let block = format!("TEXTURE_COORDINATES `{name}`");
                let comps = self.components(&format!("{block} dimension"))?;
                let ty = self.type_name(&format!("{block} type"))?;
                let f = field(kw, &name, comps);
                one(self.array(&block, n, comps, ty, f)?)
            }
            "COLOR_SCALARS" | "LOOKUP_TABLE" => {
                let name = self.name(&format!("{kw} name"))?;
                let block = format!("{kw} `{name}`");
                let ty = if self.binary { UCHAR } else { FLOAT };
                let (tuples, comps) = if kw == "COLOR_SCALARS" {
                    (n, self.components(&format!("{block} component count"))?)
                } else {
                    (self.count(&format!("{block} size"))?, 4)
                };
                self.array(&block, tuples, comps, ty, None)?;
                Ok(Vec::new())
            }
            "FIELD" => {
                self.name("FIELD name")?;
                let arrays = self.count("FIELD array count")?;
                let mut out = Vec::new();
                for _ in 0..arrays {
                    let (name, aln) = self.token("FIELD array name")?;
                    let name = String::from_utf8_lossy(name).into_owned();
                    let block = format!("FIELD array `{name}`");
                    let comps = self.components(&format!("{block} components"))?;
                    let tuples = self.count(&format!("{block} tuples"))?;
                    let ty = self.type_name(&format!("{block} type"))?;
                    if points && tuples != n {
                        return Err(self.fail(
                            aln,
                            format!(
                                "{section} FIELD array `{name}`: {tuples} tuples, but \
                                 {section} declares {n} points"
                            ),
                        ));
                    }
                    let f = field("FIELD array", &name, comps).map(|mut f| {
                        f.line = self.lines_ok.then_some(aln);
                        f
                    });
                    out.extend(self.array(&block, tuples, comps, ty, f)?);
                    self.skip_metadata_if_any();
                }
                Ok(out)
            }
            _ => Err(self.fail(
                ln,
                format!(
                    "unexpected keyword `{}` in the {section} section",
                    show(kw.as_bytes())
                ),
            )),
        }
    }
}

/// Parse a legacy VTK file into a polygon soup, with the point data attributes as fields when
/// `fields` is set.
pub(super) fn parse_legacy(data: &[u8], fields: bool) -> PResult<Soup> {
    let mut t = Tokens::new(data, 0, 1);
    let magic = t.rest_of_line();
    let lower = String::from_utf8_lossy(magic).to_ascii_lowercase();
    if !lower.trim_start().starts_with("# vtk datafile") {
        return Err(Fail::at(
            1,
            "not a legacy VTK file: the first line must be `# vtk DataFile Version x.y`",
        ));
    }
    if t.remaining() == 0 {
        return Err(Fail::at(2, "truncated file: no title line"));
    }
    t.rest_of_line(); // title
    let (enc, ln) = t
        .next_token()
        .ok_or_else(|| Fail::at(3, "truncated file: no ASCII/BINARY line"))?;
    let binary = if enc.eq_ignore_ascii_case(b"ASCII") {
        false
    } else if enc.eq_ignore_ascii_case(b"BINARY") {
        true
    } else {
        return Err(Fail::at(
            ln,
            format!("expected `ASCII` or `BINARY`, found `{}`", show(enc)),
        ));
    };
    let mut r = Legacy {
        t,
        binary,
        lines_ok: true,
    };
    let (kw, ln) = r.token("DATASET")?;
    if !kw.eq_ignore_ascii_case(b"DATASET") {
        return Err(r.fail(ln, format!("expected `DATASET`, found `{}`", show(kw))));
    }
    let (kind, ln) = r.token("the dataset type")?;
    let kind = String::from_utf8_lossy(kind).to_ascii_uppercase();
    let poly = match kind.as_str() {
        "POLYDATA" => true,
        "UNSTRUCTURED_GRID" => false,
        other => {
            return Err(r.fail(
                ln,
                format!("DATASET {other} is not supported (only POLYDATA and UNSTRUCTURED_GRID)"),
            ))
        }
    };

    let mut s = Soup::new("cell", 0);
    let mut have_points = false;
    // Polydata: cells counted in order of appearance. Unstructured grid: CELLS then CELL_TYPES.
    let mut poly_cells = 0usize;
    let mut grid_cells: Option<Cells> = None;
    let mut types: Option<Vec<usize>> = None;
    // In a POINT_DATA or CELL_DATA section (fields only): its keyword and tuple count.
    let mut section: Option<(&str, u64)> = None;
    while let Some((kw, ln)) = r.t.next_token() {
        let kw = String::from_utf8_lossy(kw).to_ascii_uppercase();
        if let Some((name, n)) = section {
            match kw.as_str() {
                "POINT_DATA" | "CELL_DATA" => section = Some(r.data_section(&kw, ln, &s)?),
                "METADATA" => r.skip_metadata(),
                _ => {
                    let fields = r.attribute(&kw, ln, name, n, name == "POINT_DATA")?;
                    s.fields.extend(fields);
                }
            }
            continue;
        }
        match kw.as_str() {
            "POINTS" => {
                let n = r.count("POINTS count")?;
                let ty = r.type_name("POINTS type")?;
                if !fits(n as u128, 3, usize::MAX) {
                    return Err(r.fail(ln, format!("POINTS: absurd count {n}")));
                }
                let mut flat = Vec::new();
                let mut lines = Vec::new();
                r.values(
                    "POINTS",
                    3 * n,
                    ty,
                    &|k| format!("point {}", k / 3),
                    |v, l| {
                        flat.push(v);
                        if let Some(l) = l {
                            if flat.len() % 3 == 1 {
                                lines.push(l);
                            }
                        }
                        Ok(())
                    },
                )?;
                s.positions = flat.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
                s.vertex_lines = lines;
                have_points = true;
            }
            "POLYGONS" | "VERTICES" | "LINES" | "TRIANGLE_STRIPS" if poly => {
                let cells = r.cells(&kw)?;
                if kw != "POLYGONS" && !cells.ends.is_empty() {
                    return Err(Fail::maybe_at(
                        cells.lines.first().copied(),
                        format!(
                            "cell {poly_cells}: {} cells are not supported (only polygons)",
                            kw.to_ascii_lowercase()
                        ),
                    ));
                }
                poly_cells += cells.ends.len();
                push_cells(&mut s, &cells, 0);
            }
            "CELLS" if !poly => {
                grid_cells = Some(r.cells("CELLS")?);
            }
            "CELL_TYPES" if !poly => {
                let n = r.count("CELL_TYPES count")?;
                types = Some(
                    r.indices("CELL_TYPES", n, INT, &|k| format!("cell {k} type"))?
                        .0,
                );
            }
            "METADATA" => r.skip_metadata(),
            "FIELD" => r.skip_field()?,
            "POINT_DATA" | "CELL_DATA" if fields => section = Some(r.data_section(&kw, ln, &s)?),
            "POINT_DATA" | "CELL_DATA" => break,
            _ if super::text::parse_f64(kw.as_bytes()).is_some() => {
                return Err(r.fail(
                    ln,
                    format!(
                        "a number (`{}`) where a keyword was expected: the section before holds \
                         more values than its header declares (wrong count)",
                        show(kw.as_bytes())
                    ),
                ))
            }
            _ => {
                return Err(r.fail(
                    ln,
                    format!(
                        "unexpected keyword `{}` in a {} file",
                        show(kw.as_bytes()),
                        if poly {
                            "POLYDATA"
                        } else {
                            "UNSTRUCTURED_GRID"
                        }
                    ),
                ))
            }
        }
    }
    if !have_points {
        return Err(Fail::nowhere("no POINTS section"));
    }
    if !poly {
        let Some(cells) = grid_cells else {
            return Err(Fail::nowhere("no CELLS section"));
        };
        let types = types.ok_or_else(|| Fail::nowhere("CELLS without CELL_TYPES"))?;
        if types.len() != cells.ends.len() {
            return Err(Fail::nowhere(format!(
                "CELL_TYPES lists {} types for {} cells",
                types.len(),
                cells.ends.len()
            )));
        }
        let mut start = 0;
        for (c, (&end, &ty)) in cells.ends.iter().zip(&types).enumerate() {
            check_cell_type(c, ty, end - start)
                .map_err(|f| Fail::maybe_at(cells.lines.get(c).copied(), f.msg))?;
            start = end;
        }
        push_cells(&mut s, &cells, 0);
    }
    Ok(s)
}

/// Append cells as polygons, shifting their vertex indices by `base`.
pub(super) fn push_cells(s: &mut Soup, cells: &Cells, base: usize) {
    s.corners.reserve(cells.conn.len());
    let mut start = 0;
    for (c, &end) in cells.ends.iter().enumerate() {
        s.corners.extend(
            cells.conn[start..end]
                .iter()
                .map(|&i| i.saturating_add(base)),
        );
        start = end;
        s.end_face(cells.lines.get(c).copied());
    }
}

/// The name of a VTK cell type id.
fn cell_type_name(ty: usize) -> &'static str {
    match ty {
        1 => "vertex",
        2 => "poly-vertex",
        3 => "line",
        4 => "poly-line",
        5 => "triangle",
        6 => "triangle strip",
        7 => "polygon",
        8 => "pixel",
        9 => "quad",
        10 => "tetra",
        11 => "voxel",
        12 => "hexahedron",
        13 => "wedge",
        14 => "pyramid",
        21..=34 => "quadratic cell",
        _ => "other",
    }
}

/// Accept triangles, quads and polygons (with the right vertex counts); reject the rest.
pub(super) fn check_cell_type(c: usize, ty: usize, points: usize) -> PResult<()> {
    let ok = match ty {
        5 => points == 3,
        9 => points == 4,
        7 => true,
        _ => {
            return Err(Fail::nowhere(format!(
                "cell {c}: type {ty} ({}) is not supported (only triangles, quads and polygons)",
                cell_type_name(ty)
            )))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Fail::nowhere(format!(
            "cell {c}: a {} with {points} points",
            cell_type_name(ty)
        )))
    }
}
