//! Object File Format (OFF), ASCII: a header keyword (`OFF`, or `COFF`/`NOFF`/`CNOFF`/`STOFF`...
//! whose extra per-vertex data is ignored; the keyword may also be missing), the counts
//! `nv nf [ne]`, then one vertex per line and one polygon `k i1 .. ik [colour]` per line.
//! `#` comments and blank lines are skipped. Binary OFF and 4D/nD variants are rejected.
//!
//! The declared counts must match the file: fewer lines than declared is a truncated file, and
//! lines of data after the last declared face are refused (they mean the counts are wrong),
//! each time naming the declared and the found count.

use super::text::{lines, parse_u64, show, strip_comment, tokens, u64_at, xyz_at};
use super::{fits, Fail, PResult, Soup};

/// Parse an OFF file into a polygon soup.
pub(super) fn parse(data: &[u8]) -> PResult<Soup> {
    let mut it = lines(data)
        .map(|(ln, l)| (ln, strip_comment(l)))
        .filter(|(_, l)| tokens(l).next().is_some());

    let (hl, header) = it
        .next()
        .ok_or_else(|| Fail::nowhere("empty file: no OFF header"))?;
    let mut htoks: Vec<&[u8]> = tokens(header).collect();
    let first = htoks[0];
    if parse_u64(first).is_none() {
        let kw = String::from_utf8_lossy(first);
        let prefix = kw
            .strip_suffix("OFF")
            .or_else(|| kw.strip_suffix("off"))
            .ok_or_else(|| {
                Fail::at(
                    hl,
                    format!(
                        "not an OFF file: expected the `OFF` keyword, found `{}`",
                        show(first)
                    ),
                )
            })?;
        let rest = prefix.strip_prefix("ST").unwrap_or(prefix);
        let rest = rest.strip_prefix('C').unwrap_or(rest);
        let rest = rest.strip_prefix('N').unwrap_or(rest);
        if !rest.is_empty() {
            return Err(Fail::at(
                hl,
                format!(
                    "unsupported OFF variant `{}` (only 3D OFF, with optional ST/C/N prefixes)",
                    show(first)
                ),
            ));
        }
        htoks.remove(0);
        if htoks
            .first()
            .is_some_and(|t| t.eq_ignore_ascii_case(b"BINARY"))
        {
            return Err(Fail::at(hl, "binary OFF is not supported"));
        }
    }
    // The counts follow the keyword, on the same line or the next non-blank one.
    let (cl, counts) = if htoks.is_empty() {
        let (cl, l) = it
            .next()
            .ok_or_else(|| Fail::nowhere("truncated file: missing the OFF vertex/face counts"))?;
        (cl, tokens(l).collect::<Vec<_>>())
    } else {
        (hl, htoks)
    };
    if counts.len() < 2 {
        return Err(Fail::at(cl, "expected the counts `vertices faces [edges]`"));
    }
    let nv = u64_at(counts[0], cl, || "vertex count".to_string())?;
    let nf = u64_at(counts[1], cl, || "face count".to_string())?;
    // Each vertex needs three numbers and each face at least four, each number at least one
    // byte plus a separator.
    if !fits(3 * nv as u128 + 4 * nf as u128, 2, data.len() + 1) {
        return Err(Fail::at(
            cl,
            format!(
                "header declares {nv} vertices and {nf} faces, more than a {}-byte file can \
                 hold (wrong counts or truncated file)",
                data.len()
            ),
        ));
    }

    let mut s = Soup::new("face", 0);
    s.positions.reserve(nv as usize);
    s.vertex_lines.reserve(nv as usize);
    s.face_ends.reserve(nf as usize);
    s.face_lines.reserve(nf as usize);
    for i in 0..nv as usize {
        let (ln, l) = it.next().ok_or_else(|| {
            Fail::nowhere(format!(
                "truncated file: the header declares {nv} vertices, found only {i}"
            ))
        })?;
        let mut toks = tokens(l);
        s.positions.push(xyz_at(&mut toks, ln, i)?);
        s.vertex_lines.push(ln);
    }
    for f in 0..nf as usize {
        let (ln, l) = it.next().ok_or_else(|| {
            Fail::nowhere(format!(
                "truncated file: the header declares {nf} faces, found only {f}"
            ))
        })?;
        let mut toks = tokens(l);
        let first = toks.next().unwrap_or_default();
        if parse_u64(first).is_none() && super::text::parse_f64(first).is_some() {
            return Err(Fail::at(
                ln,
                format!(
                    "face {f}: expected a vertex count, found `{}`: a vertex line where the \
                     header's {nv} vertices should have ended (the vertex count is wrong)",
                    show(first)
                ),
            ));
        }
        let k = u64_at(first, ln, || format!("face {f}: vertex count"))?;
        for j in 0..k {
            let tok = toks.next().ok_or_else(|| {
                Fail::at(
                    ln,
                    format!("face {f}: declares {k} vertices but lists only {j}"),
                )
            })?;
            let v = u64_at(tok, ln, || format!("face {f}: vertex index"))?;
            s.corners.push(usize::try_from(v).unwrap_or(usize::MAX));
        }
        s.end_face(Some(ln));
    }
    // Data after the last declared face: the counts are wrong (a reader trusting them would
    // silently drop the rest).
    if let Some((ln, _)) = it.next() {
        let extra = 1 + it.count();
        return Err(Fail::at(
            ln,
            format!(
                "the header declares {} and {} ({} lines of data), but the file holds {}: \
                 the extra data starts at this line (wrong counts)",
                plural(nv, "vertex", "vertices"),
                plural(nf, "face", "faces"),
                nv + nf,
                nv + nf + extra as u64
            ),
        ));
    }
    Ok(s)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
