//! Wavefront OBJ: a small line-based reader, so errors carry line numbers. The writer is in
//! `write.rs`.
//!
//! Read: `v x y z` (extra `w` or colour components ignored) and `f` with `v`, `v/vt`, `v//vn`,
//! `v/vt/vn` references, 1-based or negative (relative to the vertices read so far). `#`
//! comments, blank lines and CRLF line ends are fine; every other statement (`vt vn vp g o s
//! usemtl mtllib l p ...`) is ignored. Line continuations (`\`) are not supported.

use super::text::{lines, parse_i64, show, strip_comment, tokens, xyz_at};
use super::{Fail, PResult, Soup};

/// Parse an OBJ file into a polygon soup.
pub(super) fn parse(data: &[u8]) -> PResult<Soup> {
    let mut s = Soup::new("face", 1);
    for (ln, line) in lines(data) {
        let mut toks = tokens(strip_comment(line));
        match toks.next() {
            Some(b"v") => {
                let i = s.positions.len() + 1;
                s.positions.push(xyz_at(&mut toks, ln, i)?);
                s.vertex_lines.push(ln);
            }
            Some(b"f") => {
                let f = s.faces();
                let seen = s.positions.len() as i64;
                for tok in toks {
                    let first = tok.split(|&b| b == b'/').next().unwrap_or(tok);
                    let r = parse_i64(first).ok_or_else(|| {
                        Fail::at(
                            ln,
                            format!("face {f}: malformed vertex reference `{}`", show(tok)),
                        )
                    })?;
                    let idx = if r > 0 {
                        r - 1
                    } else if r < 0 {
                        let idx = seen + r;
                        if idx < 0 {
                            return Err(Fail::at(
                                ln,
                                format!(
                                    "face {f}: relative vertex reference {r} points before the \
                                     first vertex ({seen} vertices read so far)"
                                ),
                            ));
                        }
                        idx
                    } else {
                        return Err(Fail::at(
                            ln,
                            format!("face {f}: vertex reference 0 (OBJ indices start at 1)"),
                        ));
                    };
                    s.corners.push(idx as usize);
                }
                s.end_face(Some(ln));
            }
            _ => {}
        }
    }
    Ok(s)
}
