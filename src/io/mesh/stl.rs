//! STL, ASCII and binary. STL stores every facet's three corners separately; coincident corners
//! (exactly equal coordinates, `-0.0 == 0.0`) are welded into shared vertices, and a warning says
//! how many.
//!
//! A binary file may begin with `solid` too, so the encoding is decided by size first: a file of
//! exactly `84 + 50·n` bytes, `n` being the little-endian `u32` at byte 80, is binary.

use std::collections::HashMap;

use super::text::{f64_at, show, Tokens};
use super::{Fail, PResult, Soup};

/// Parse an STL file into a welded triangle soup.
pub(super) fn parse(data: &[u8]) -> PResult<Soup> {
    let declared = data
        .get(80..84)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64);
    if let Some(n) = declared {
        if 84 + 50 * n == data.len() as u64 {
            return binary(data, n as usize);
        }
    }
    // A text file may begin with a UTF-8 byte order mark.
    let data = data.strip_prefix(super::BOM).unwrap_or(data);
    let start = data.iter().position(|b| !b.is_ascii_whitespace());
    let is_ascii = start.is_some_and(|k| {
        data[k..]
            .get(..5)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"solid"))
    });
    // Text STL never contains NUL bytes; binary STL almost always does (zero coordinates,
    // padding), so a binary file that starts with `solid` but has the wrong size is reported as
    // such rather than as a text syntax error.
    if is_ascii && !(declared.is_some() && data.contains(&0)) {
        return ascii(data);
    }
    Err(Fail::nowhere(match declared {
        Some(n) => format!(
            "binary STL header declares {n} triangles, which need {} bytes, but the file has {} \
             bytes (truncated file or wrong count)",
            84 + 50 * n,
            data.len()
        ),
        None => format!(
            "not an STL file: {} bytes, too short for binary STL, and it does not start with \
             `solid`",
            data.len()
        ),
    }))
}

/// Welds corners with equal coordinates into shared vertices.
struct Welder {
    map: HashMap<[u64; 3], usize>,
    corners: usize,
}

impl Welder {
    fn new(corners: usize) -> Welder {
        Welder {
            map: HashMap::with_capacity(corners / 4),
            corners: 0,
        }
    }

    fn add(&mut self, s: &mut Soup, p: [f64; 3], line: Option<usize>) {
        self.corners += 1;
        let key = super::soup::weld_key(p);
        let next = s.positions.len();
        let v = *self.map.entry(key).or_insert(next);
        if v == next {
            s.positions.push(p);
            if let Some(l) = line {
                s.vertex_lines.push(l);
            }
        }
        s.corners.push(v);
    }

    fn finish(self, s: &mut Soup) {
        let welded = self.corners - s.positions.len();
        if welded > 0 {
            s.warnings.push(format!(
                "welded {welded} duplicate STL vertices: {} facet corners share {} distinct \
                 positions",
                self.corners,
                s.positions.len()
            ));
        }
    }
}

fn binary(data: &[u8], n: usize) -> PResult<Soup> {
    let mut s = Soup::new("facet", 0);
    s.welded = true;
    let mut weld = Welder::new(3 * n);
    s.face_ends.reserve(n);
    for (f, rec) in data[84..].chunks_exact(50).enumerate() {
        // 12 bytes normal, 3 × 12 bytes corners, 2 bytes attribute count.
        for k in 0..3 {
            let o = 12 + 12 * k;
            let c = |j: usize| {
                let b = &rec[o + 4 * j..o + 4 * j + 4];
                f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64
            };
            let p = [c(0), c(1), c(2)];
            if !p.iter().all(|x| x.is_finite()) {
                return Err(Fail::nowhere(format!(
                    "facet {f}, corner {k}: non-finite coordinate ({}, {}, {})",
                    p[0], p[1], p[2]
                )));
            }
            weld.add(&mut s, p, None);
        }
        s.end_face(None);
    }
    weld.finish(&mut s);
    Ok(s)
}

fn ascii(data: &[u8]) -> PResult<Soup> {
    let mut s = Soup::new("facet", 0);
    s.welded = true;
    let mut t = Tokens::new(data, 0, 1);
    let mut weld = Welder::new(data.len() / 40);
    let eof = |t: &Tokens, what: &str| {
        Fail::at(
            t.line(),
            format!("truncated file: ended while expecting {what}"),
        )
    };
    let mut solids = 0;
    loop {
        // `solid [name]`, or the end of the file after at least one solid.
        let Some((kw, ln)) = t.next_token() else {
            if solids == 0 {
                return Err(eof(&t, "`solid`"));
            }
            break;
        };
        if !kw.eq_ignore_ascii_case(b"solid") {
            return Err(Fail::at(
                ln,
                format!("expected `solid`, found `{}`", show(kw)),
            ));
        }
        t.rest_of_line();
        solids += 1;
        loop {
            let f = s.faces();
            let (kw, ln) = t
                .next_token()
                .ok_or_else(|| eof(&t, "`facet` or `endsolid`"))?;
            if kw.eq_ignore_ascii_case(b"endsolid") {
                t.rest_of_line();
                break;
            }
            if !kw.eq_ignore_ascii_case(b"facet") {
                return Err(Fail::at(
                    ln,
                    format!(
                        "facet {f}: expected `facet` or `endsolid`, found `{}`",
                        show(kw)
                    ),
                ));
            }
            let facet_line = ln;
            let expect = |t: &mut Tokens, word: &[u8]| -> PResult<()> {
                let want = String::from_utf8_lossy(word);
                let (tok, ln) = t
                    .next_token()
                    .ok_or_else(|| eof(t, &format!("`{want}` in facet {f}")))?;
                if tok.eq_ignore_ascii_case(word) {
                    Ok(())
                } else {
                    Err(Fail::at(
                        ln,
                        format!("facet {f}: expected `{want}`, found `{}`", show(tok)),
                    ))
                }
            };
            expect(&mut t, b"normal")?;
            for _ in 0..3 {
                let (tok, ln) = t
                    .next_token()
                    .ok_or_else(|| eof(&t, "a normal component"))?;
                f64_at(tok, ln, || format!("facet {f}, normal"))?;
            }
            expect(&mut t, b"outer")?;
            expect(&mut t, b"loop")?;
            let mut k = 0;
            loop {
                let (tok, ln) = t
                    .next_token()
                    .ok_or_else(|| eof(&t, "`vertex` or `endloop`"))?;
                if tok.eq_ignore_ascii_case(b"endloop") {
                    break;
                }
                if !tok.eq_ignore_ascii_case(b"vertex") {
                    return Err(Fail::at(
                        ln,
                        format!(
                            "facet {f}: expected `vertex` or `endloop`, found `{}`",
                            show(tok)
                        ),
                    ));
                }
                if k == 3 {
                    return Err(Fail::at(
                        ln,
                        format!("facet {f}: more than 3 vertices (STL facets are triangles)"),
                    ));
                }
                let mut p = [0.0; 3];
                for c in &mut p {
                    let (tok, l) = t.next_token().ok_or_else(|| eof(&t, "a coordinate"))?;
                    *c = f64_at(tok, l, || format!("facet {f}, corner {k}"))?;
                }
                if !p.iter().all(|x| x.is_finite()) {
                    return Err(Fail::at(
                        ln,
                        format!(
                            "facet {f}, corner {k}: non-finite coordinate ({}, {}, {})",
                            p[0], p[1], p[2]
                        ),
                    ));
                }
                weld.add(&mut s, p, Some(ln));
                k += 1;
            }
            if k < 3 {
                return Err(Fail::at(
                    facet_line,
                    format!("facet {f}: only {k} vertices (STL facets are triangles)"),
                ));
            }
            expect(&mut t, b"endfacet")?;
            s.end_face(Some(facet_line));
        }
    }
    weld.finish(&mut s);
    Ok(s)
}
