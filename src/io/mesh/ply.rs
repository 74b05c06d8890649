//! Stanford PLY: a hand-written reader for the three encodings (`ascii`, `binary_little_endian`,
//! `binary_big_endian`). The writer is in `write.rs`.
//!
//! Read: the `vertex` element's `x y z` (any scalar type); the `face` element's
//! `vertex_indices` (or `vertex_index`) list, with any count and index types; when fields are
//! asked for, the `vertex` element's other scalar properties, each a one-component field named
//! after the property; the `tristrips` element's `vertex_indices` list (triangle strips, each
//! ended by `-1`, triangle `i` of a strip being `(v_i, v_i+1, v_i+2)` for even `i` and
//! `(v_i+1, v_i, v_i+2)` for odd `i`, so all keep the strip's orientation; triangles repeating a
//! vertex, which join strips, are skipped), its triangles numbered after the `face` element's.
//! Every other property and element is skipped, except that another element with a
//! `vertex_indices` list (faces this reader would not understand) is refused by name, as is a
//! file with neither `face` nor `tristrips`.
//!
//! Before reading the body, the element counts the header declares are checked against the
//! bytes left in the file, so a header that lies is an error at its line, not a huge
//! allocation; after it, data beyond the last declared element is refused (the counts are
//! wrong).

use super::text::{parse_f64, parse_i64, show, Tokens};
use super::{fits, Fail, PResult, Soup, SoupField};

/// A PLY scalar type.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ty {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl Ty {
    fn from_name(name: &[u8]) -> Option<Ty> {
        Some(match name {
            b"char" | b"int8" => Ty::I8,
            b"uchar" | b"uint8" => Ty::U8,
            b"short" | b"int16" => Ty::I16,
            b"ushort" | b"uint16" => Ty::U16,
            b"int" | b"int32" => Ty::I32,
            b"uint" | b"uint32" => Ty::U32,
            b"int64" | b"long" => Ty::I64,
            b"uint64" | b"ulong" => Ty::U64,
            b"float" | b"float32" => Ty::F32,
            b"double" | b"float64" => Ty::F64,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Ty::I8 | Ty::U8 => 1,
            Ty::I16 | Ty::U16 => 2,
            Ty::I32 | Ty::U32 | Ty::F32 => 4,
            Ty::I64 | Ty::U64 | Ty::F64 => 8,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Scalar(Ty),
    List(Ty, Ty),
}

#[derive(Debug)]
struct Prop {
    name: String,
    kind: Kind,
}

#[derive(Debug)]
struct Element {
    name: String,
    count: u64,
    props: Vec<Prop>,
    line: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Ascii,
    Little,
    Big,
}

/// What the reader does with an element.
enum Role {
    /// `vertex`: the property positions of x, y, z, and for each property, the index of the
    /// field it is read into (or `None`).
    Vertex([usize; 3], Vec<Option<usize>>),
    /// `face`: the position of the index list.
    Face(usize),
    /// `tristrips`: the position of the index list.
    Strips(usize),
    Skip,
}

/// Parse a PLY file into a polygon soup, with the extra scalar vertex properties as fields when
/// `fields` is set.
pub(super) fn parse(data: &[u8], fields: bool) -> PResult<Soup> {
    let (encoding, elements, body, body_line) = header(data)?;
    let remaining = data.len() - body;

    // Minimum body size for the declared counts: fixed sizes in binary; in ASCII, a byte and a
    // separator per number (the last separator may be missing).
    let mut total: u128 = 0;
    for el in &elements {
        let min: u64 = el
            .props
            .iter()
            .map(|p| match (encoding, p.kind) {
                (Encoding::Ascii, _) => 2,
                (_, Kind::Scalar(t)) | (_, Kind::List(t, _)) => t.size() as u64,
            })
            .sum();
        let slack = usize::from(encoding == Encoding::Ascii);
        if !fits(el.count as u128, min, remaining + slack) {
            return Err(Fail::at(
                el.line,
                format!(
                    "element `{}` declares {} instances, which need at least {} bytes, but only \
                     {remaining} bytes follow the header (wrong count or truncated file)",
                    el.name,
                    el.count,
                    (el.count as u128) * (min as u128)
                ),
            ));
        }
        total += (el.count as u128) * (min as u128);
        if !fits(total, 1, remaining + slack) {
            return Err(Fail::at(
                el.line,
                format!(
                    "the elements declared up to `{}` need at least {total} bytes, but only \
                     {remaining} bytes follow the header (wrong counts or truncated file)",
                    el.name
                ),
            ));
        }
    }

    let mut roles = Vec::with_capacity(elements.len());
    let mut have_vertex = false;
    let mut have_face = false;
    let mut have_strips = false;
    let mut extra = Vec::new();
    for el in &elements {
        let find_scalar = |name: &str| {
            el.props
                .iter()
                .position(|p| p.name == name && matches!(p.kind, Kind::Scalar(_)))
        };
        let role = if el.name == "vertex" && !have_vertex {
            have_vertex = true;
            let mut xyz = [0; 3];
            for (k, c) in ["x", "y", "z"].into_iter().enumerate() {
                xyz[k] = find_scalar(c).ok_or_else(|| {
                    Fail::at(
                        el.line,
                        format!("element `vertex` has no scalar property `{c}`"),
                    )
                })?;
            }
            let mut field_of = vec![None; el.props.len()];
            if fields {
                for (k, p) in el.props.iter().enumerate() {
                    if matches!(p.kind, Kind::Scalar(_)) && !xyz.contains(&k) {
                        field_of[k] = Some(extra.len());
                        extra.push(SoupField::new(
                            p.name.clone(),
                            format!("vertex property `{}`", p.name),
                            Some(el.line),
                            1,
                        ));
                    }
                }
            }
            Role::Vertex(xyz, field_of)
        } else if el.name == "face" && !have_face {
            have_face = true;
            let k = el
                .props
                .iter()
                .position(|p| {
                    (p.name == "vertex_indices" || p.name == "vertex_index")
                        && matches!(p.kind, Kind::List(..))
                })
                .ok_or_else(|| {
                    Fail::at(
                        el.line,
                        "element `face` has no list property `vertex_indices` or `vertex_index`",
                    )
                })?;
            Role::Face(k)
        } else if el.name == "tristrips" && !have_strips {
            have_strips = true;
            let k = el
                .props
                .iter()
                .position(|p| p.name == "vertex_indices" && matches!(p.kind, Kind::List(..)))
                .ok_or_else(|| {
                    Fail::at(
                        el.line,
                        "element `tristrips` has no list property `vertex_indices`",
                    )
                })?;
            Role::Strips(k)
        } else if let Some(p) = el.props.iter().find(|p| {
            (p.name == "vertex_indices" || p.name == "vertex_index")
                && matches!(p.kind, Kind::List(..))
        }) {
            return Err(Fail::at(
                el.line,
                format!(
                    "element `{}` with the list property `{}` is not supported (faces are read \
                     from the `face` and `tristrips` elements)",
                    el.name, p.name
                ),
            ));
        } else {
            Role::Skip
        };
        roles.push(role);
    }

    if !have_face && !have_strips {
        let names: Vec<String> = elements.iter().map(|e| format!("`{}`", e.name)).collect();
        return Err(Fail::nowhere(format!(
            "no `face` or `tristrips` element (the header declares {}): a point cloud, not a \
             surface mesh",
            if names.is_empty() {
                "no elements".to_string()
            } else {
                names.join(", ")
            }
        )));
    }

    let mut s = Soup::new("face", 0);
    s.fields = extra;
    let declared = || {
        elements
            .iter()
            .map(|e| format!("{} {}", e.count, e.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if encoding == Encoding::Ascii {
        let mut r = Ascii(Tokens::new(data, body, body_line));
        body_elements(&mut r, &elements, &roles, &mut s, true)?;
        if let Some((tok, ln)) = r.0.next_token() {
            let mut extra = 1;
            while r.0.next_token().is_some() {
                extra += 1;
            }
            return Err(Fail::at(
                ln,
                format!(
                    "{extra} more value{} after the last element the header declares ({}), \
                     starting with `{}` (wrong counts)",
                    if extra == 1 { "" } else { "s" },
                    declared(),
                    show(tok)
                ),
            ));
        }
    } else {
        let mut r = Binary {
            data,
            pos: body,
            big: encoding == Encoding::Big,
        };
        body_elements(&mut r, &elements, &roles, &mut s, false)?;
        if r.pos < data.len() {
            return Err(Fail::nowhere(format!(
                "{} bytes after the last element the header declares ({}), from byte {} \
                 (wrong counts)",
                data.len() - r.pos,
                declared(),
                r.pos
            )));
        }
    }
    Ok(s)
}

/// Append the triangles of one `tristrips` list (strips ended by `-1`) to the soup, skipping
/// those that repeat a vertex (they join strips). `what` names the element instance.
fn push_strips(
    s: &mut Soup,
    list: &[i64],
    line: Option<usize>,
    what: impl Fn() -> String,
) -> PResult<()> {
    for strip in list.split(|&v| v == -1) {
        if let Some(&v) = strip.iter().find(|&&v| v < 0) {
            return Err(Fail::maybe_at(
                line,
                format!(
                    "{}: negative vertex index {v} (only -1 ends a strip)",
                    what()
                ),
            ));
        }
        for i in 0..strip.len().saturating_sub(2) {
            let (a, b, c) = if i % 2 == 0 {
                (strip[i], strip[i + 1], strip[i + 2])
            } else {
                (strip[i + 1], strip[i], strip[i + 2])
            };
            if a == b || b == c || a == c {
                continue;
            }
            for v in [a, b, c] {
                s.corners.push(usize::try_from(v).unwrap_or(usize::MAX));
            }
            s.end_face(line);
        }
    }
    Ok(())
}

/// Parse the header: encoding, elements, byte offset and line of the body.
fn header(data: &[u8]) -> PResult<(Encoding, Vec<Element>, usize, usize)> {
    let mut pos = 0;
    let mut ln = 0;
    let mut encoding = None;
    let mut elements: Vec<Element> = Vec::new();
    loop {
        ln += 1;
        let nl = data[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| {
                Fail::at(
                    ln,
                    if ln == 1 {
                        "not a PLY file: no complete first line".to_string()
                    } else {
                        "truncated header: no `end_header` line".to_string()
                    },
                )
            })?;
        let line = &data[pos..pos + nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos += nl + 1;
        let toks: Vec<&[u8]> = super::text::tokens(line).collect();
        if ln == 1 {
            if toks != [b"ply"] {
                return Err(Fail::at(1, "not a PLY file: the first line must be `ply`"));
            }
            continue;
        }
        match toks.first().copied() {
            None | Some(b"comment") | Some(b"obj_info") => {}
            Some(b"format") => {
                encoding = Some(match toks.get(1).copied() {
                    Some(b"ascii") => Encoding::Ascii,
                    Some(b"binary_little_endian") => Encoding::Little,
                    Some(b"binary_big_endian") => Encoding::Big,
                    other => {
                        return Err(Fail::at(
                            ln,
                            format!(
                                "unknown PLY format `{}` (expected ascii, \
                                 binary_little_endian or binary_big_endian)",
                                show(other.unwrap_or_default())
                            ),
                        ))
                    }
                });
            }
            Some(b"element") => {
                if toks.len() != 3 {
                    return Err(Fail::at(ln, "expected `element <name> <count>`"));
                }
                let count = super::text::u64_at(toks[2], ln, || {
                    format!("element `{}` count", show(toks[1]))
                })?;
                elements.push(Element {
                    name: String::from_utf8_lossy(toks[1]).into_owned(),
                    count,
                    props: Vec::new(),
                    line: ln,
                });
            }
            Some(b"property") => {
                let el = elements
                    .last_mut()
                    .ok_or_else(|| Fail::at(ln, "`property` before any `element`"))?;
                let ty = |t: &[u8], name: &[u8]| {
                    Ty::from_name(t).ok_or_else(|| {
                        Fail::at(
                            ln,
                            format!(
                                "unknown property type `{}` (property `{}` of element `{}`)",
                                show(t),
                                show(name),
                                el.name
                            ),
                        )
                    })
                };
                let (kind, name) = match toks.as_slice() {
                    [_, b"list", c, i, name] => (Kind::List(ty(c, name)?, ty(i, name)?), name),
                    [_, t, name] if *t != b"list" => (Kind::Scalar(ty(t, name)?), name),
                    _ => {
                        return Err(Fail::at(
                            ln,
                            "expected `property <type> <name>` or \
                             `property list <count type> <item type> <name>`",
                        ))
                    }
                };
                el.props.push(Prop {
                    name: String::from_utf8_lossy(name).into_owned(),
                    kind,
                });
            }
            Some(b"end_header") => break,
            Some(other) => {
                return Err(Fail::at(
                    ln,
                    format!("unknown PLY header keyword `{}`", show(other)),
                ))
            }
        }
    }
    let encoding = encoding.ok_or_else(|| Fail::at(ln, "the header has no `format` line"))?;
    Ok((encoding, elements, pos, ln + 1))
}

/// A source of PLY values: the ASCII token stream or the binary cursor.
trait Values {
    /// A coordinate.
    fn float(&mut self, ty: Ty) -> PResult<f64>;
    /// A list count or index (floats must be integral).
    fn int(&mut self, ty: Ty) -> PResult<i64>;
    /// Skip one value.
    fn skip(&mut self, ty: Ty) -> PResult<()>;
    /// Skip `n` values, checking they are there first.
    fn skip_n(&mut self, ty: Ty, n: u64) -> PResult<()>;
    /// The current line (ASCII) for messages.
    fn line(&self) -> Option<usize>;
}

fn body_elements(
    r: &mut impl Values,
    elements: &[Element],
    roles: &[Role],
    s: &mut Soup,
    lines: bool,
) -> PResult<()> {
    for (el, role) in elements.iter().zip(roles) {
        if matches!(role, Role::Skip) {
            if el.props.is_empty() {
                continue;
            }
            // In binary, elements of scalars only are skipped in one go.
            let fixed: Option<u64> = el
                .props
                .iter()
                .map(|p| match p.kind {
                    Kind::Scalar(t) => Some(t.size() as u64),
                    Kind::List(..) => None,
                })
                .sum();
            if let (Some(size), false) = (fixed, lines) {
                r.skip_n(Ty::U8, el.count.saturating_mul(size))
                    .map_err(|f| ctx(f, || format!("element `{}`", el.name)))?;
                continue;
            }
        }
        match role {
            Role::Vertex(..) => {
                s.positions.reserve(el.count as usize);
                if lines {
                    s.vertex_lines.reserve(el.count as usize);
                }
                for f in &mut s.fields {
                    f.values.reserve(el.count as usize);
                }
            }
            Role::Face(_) => {
                s.face_ends.reserve(el.count as usize);
                if lines {
                    s.face_lines.reserve(el.count as usize);
                }
            }
            Role::Strips(_) | Role::Skip => {}
        }
        let mut strip = Vec::new();
        for i in 0..el.count {
            let line = r.line();
            let mut p = [0.0; 3];
            for (k, prop) in el.props.iter().enumerate() {
                let what = || format!("{} {i}, property `{}`", el.name, prop.name);
                match (prop.kind, role) {
                    (Kind::Scalar(t), Role::Vertex(xyz, _)) if xyz.contains(&k) => {
                        let c = xyz.iter().position(|&x| x == k).unwrap_or(0);
                        p[c] = r.float(t).map_err(|f| ctx(f, what))?;
                    }
                    (Kind::Scalar(t), Role::Vertex(_, field_of)) if field_of[k].is_some() => {
                        let x = r.float(t).map_err(|f| ctx(f, what))?;
                        if let Some(f) = field_of[k].and_then(|j| s.fields.get_mut(j)) {
                            f.values.push(x);
                            if let Some(l) = line.filter(|_| lines) {
                                f.lines.push(l);
                            }
                        }
                    }
                    (Kind::Scalar(t), _) => r.skip(t).map_err(|f| ctx(f, what))?,
                    (Kind::List(ct, it), _) => {
                        let n = r.int(ct).map_err(|f| ctx(f, what))?;
                        if n < 0 {
                            return Err(Fail::maybe_at(
                                r.line(),
                                format!("{}: negative list length {n}", what()),
                            ));
                        }
                        if matches!(role, Role::Strips(f) if *f == k) {
                            strip.clear();
                            for _ in 0..n {
                                strip.push(r.int(it).map_err(|f| ctx(f, what))?);
                            }
                        } else if matches!(role, Role::Face(f) if *f == k) {
                            for _ in 0..n {
                                let v = r.int(it).map_err(|f| ctx(f, what))?;
                                if v < 0 {
                                    return Err(Fail::maybe_at(
                                        r.line(),
                                        format!("{}: negative vertex index {v}", what()),
                                    ));
                                }
                                s.corners.push(usize::try_from(v).unwrap_or(usize::MAX));
                            }
                        } else {
                            r.skip_n(it, n as u64).map_err(|f| ctx(f, what))?;
                        }
                    }
                }
            }
            match role {
                Role::Vertex(..) => {
                    s.positions.push(p);
                    if let Some(l) = line.filter(|_| lines) {
                        s.vertex_lines.push(l);
                    }
                }
                Role::Face(_) => s.end_face(line.filter(|_| lines)),
                Role::Strips(_) => push_strips(s, &strip, line.filter(|_| lines), || {
                    format!("{} {i}", el.name)
                })?,
                Role::Skip => {}
            }
        }
    }
    Ok(())
}

/// Prefix a failure's message with its context.
fn ctx(f: Fail, what: impl FnOnce() -> String) -> Fail {
    Fail {
        line: f.line,
        msg: format!("{}: {}", what(), f.msg),
    }
}

struct Ascii<'a>(Tokens<'a>);

impl Ascii<'_> {
    fn token(&mut self) -> PResult<(&[u8], usize)> {
        self.0.next_token().ok_or_else(|| {
            Fail::at(
                self.0.line(),
                "truncated file: the body ends before the element counts the header declares",
            )
        })
    }
}

impl Values for Ascii<'_> {
    fn float(&mut self, _ty: Ty) -> PResult<f64> {
        let (t, l) = self.token()?;
        parse_f64(t).ok_or_else(|| Fail::at(l, format!("malformed number `{}`", show(t))))
    }

    fn int(&mut self, _ty: Ty) -> PResult<i64> {
        let (t, l) = self.token()?;
        parse_i64(t).ok_or_else(|| Fail::at(l, format!("malformed integer `{}`", show(t))))
    }

    fn skip(&mut self, _ty: Ty) -> PResult<()> {
        self.token().map(|_| ())
    }

    fn skip_n(&mut self, ty: Ty, n: u64) -> PResult<()> {
        if !fits(n as u128, 2, self.0.remaining() + 1) {
            return Err(Fail::at(
                self.0.line(),
                format!("a list of {n} values runs past the end of the file"),
            ));
        }
        for _ in 0..n {
            self.skip(ty)?;
        }
        Ok(())
    }

    fn line(&self) -> Option<usize> {
        // The line of the next token, not of the cursor (which may sit before a newline).
        Some(self.0.peek().map_or(self.0.line(), |(_, l)| l))
    }
}

struct Binary<'a> {
    data: &'a [u8],
    pos: usize,
    big: bool,
}

impl Binary<'_> {
    fn bytes<const N: usize>(&mut self) -> PResult<[u8; N]> {
        let b = self.data.get(self.pos..self.pos + N).ok_or_else(|| {
            Fail::nowhere(format!(
                "truncated file: the body ends at byte {} before the element counts the \
                     header declares",
                self.data.len()
            ))
        })?;
        self.pos += N;
        let mut a: [u8; N] = b.try_into().unwrap_or([0; N]);
        if self.big {
            a.reverse();
        }
        Ok(a)
    }

    /// One value as f64 and, for integer types, as i128 exactly.
    fn value(&mut self, ty: Ty) -> PResult<(f64, Option<i128>)> {
        Ok(match ty {
            Ty::I8 => int(i8::from_le_bytes(self.bytes()?)),
            Ty::U8 => int(u8::from_le_bytes(self.bytes()?)),
            Ty::I16 => int(i16::from_le_bytes(self.bytes()?)),
            Ty::U16 => int(u16::from_le_bytes(self.bytes()?)),
            Ty::I32 => int(i32::from_le_bytes(self.bytes()?)),
            Ty::U32 => int(u32::from_le_bytes(self.bytes()?)),
            Ty::I64 => int(i64::from_le_bytes(self.bytes()?)),
            Ty::U64 => int(u64::from_le_bytes(self.bytes()?)),
            Ty::F32 => (f32::from_le_bytes(self.bytes()?) as f64, None),
            Ty::F64 => (f64::from_le_bytes(self.bytes()?), None),
        })
    }
}

fn int<T: Into<i128> + Copy>(v: T) -> (f64, Option<i128>) {
    let i: i128 = v.into();
    (i as f64, Some(i))
}

impl Values for Binary<'_> {
    fn float(&mut self, ty: Ty) -> PResult<f64> {
        self.value(ty).map(|(f, _)| f)
    }

    fn int(&mut self, ty: Ty) -> PResult<i64> {
        let (f, i) = self.value(ty)?;
        let i = match i {
            Some(i) => i,
            None if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i128,
            None => return Err(Fail::nowhere(format!("non-integer value {f}"))),
        };
        i64::try_from(i).map_err(|_| Fail::nowhere(format!("integer {i} too large")))
    }

    fn skip(&mut self, ty: Ty) -> PResult<()> {
        self.skip_n(ty, 1)
    }

    fn skip_n(&mut self, ty: Ty, n: u64) -> PResult<()> {
        let left = self.data.len() - self.pos;
        if !fits(n as u128, ty.size() as u64, left) {
            return Err(Fail::nowhere(format!(
                "truncated file: {n} values of {} bytes at byte {} run past the end of the file",
                ty.size(),
                self.pos
            )));
        }
        self.pos += n as usize * ty.size();
        Ok(())
    }

    fn line(&self) -> Option<usize> {
        None
    }
}
