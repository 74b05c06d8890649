//! Small helpers shared by the text readers: line splitting, a token cursor that knows its line,
//! number parsing with errors that quote the token.

use super::{Fail, PResult};

/// Iterate over `(1-based line number, line)` of `data`, lines split at `\n` with a trailing
/// `\r` removed (so CRLF files read like LF files).
pub(super) fn lines(data: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    let empty = data.is_empty();
    body.split(|&b| b == b'\n')
        .enumerate()
        .filter(move |_| !empty)
        .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
}

/// `line` up to (not including) the first `#`.
pub(super) fn strip_comment(line: &[u8]) -> &[u8] {
    match line.iter().position(|&b| b == b'#') {
        Some(k) => &line[..k],
        None => line,
    }
}

/// The whitespace-separated tokens of `line`.
pub(super) fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
}

/// A token quoted for a message: lossy UTF-8, at most 40 characters.
pub(super) fn show(tok: &[u8]) -> String {
    let s = String::from_utf8_lossy(tok);
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.into_owned()
    }
}

/// Parse a floating-point token (`inf`/`nan` parse too: finiteness is checked later, with the
/// vertex index).
pub(super) fn parse_f64(tok: &[u8]) -> Option<f64> {
    std::str::from_utf8(tok).ok()?.parse().ok()
}

/// Parse a signed integer token.
pub(super) fn parse_i64(tok: &[u8]) -> Option<i64> {
    std::str::from_utf8(tok).ok()?.parse().ok()
}

/// Parse a non-negative integer token (a count or an index).
pub(super) fn parse_u64(tok: &[u8]) -> Option<u64> {
    std::str::from_utf8(tok).ok()?.parse().ok()
}

/// Parse a float token or fail at `line` with "`what`: malformed number `tok`".
/// Three coordinates of vertex `i` (as numbered in messages) from the next tokens of line `ln`.
pub(super) fn xyz_at<'a>(
    toks: &mut impl Iterator<Item = &'a [u8]>,
    ln: usize,
    i: usize,
) -> PResult<[f64; 3]> {
    let mut p = [0.0; 3];
    for (k, c) in p.iter_mut().enumerate() {
        let tok = toks.next().ok_or_else(|| {
            Fail::at(ln, format!("vertex {i}: expected 3 coordinates, found {k}"))
        })?;
        *c = f64_at(tok, ln, || format!("vertex {i}"))?;
    }
    Ok(p)
}

pub(super) fn f64_at(tok: &[u8], line: usize, what: impl FnOnce() -> String) -> PResult<f64> {
    parse_f64(tok).ok_or_else(|| {
        Fail::at(
            line,
            format!("{}: malformed number `{}`", what(), show(tok)),
        )
    })
}

/// Parse a count/index token or fail at `line` with "`what`: malformed integer `tok`".
pub(super) fn u64_at(tok: &[u8], line: usize, what: impl FnOnce() -> String) -> PResult<u64> {
    parse_u64(tok).ok_or_else(|| {
        Fail::at(
            line,
            format!("{}: malformed non-negative integer `{}`", what(), show(tok)),
        )
    })
}

/// A cursor over whitespace-separated tokens that tracks the current line. It can also hand
/// out raw bytes (for the binary blocks of legacy VTK).
pub(super) struct Tokens<'a> {
    data: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Tokens<'a> {
    /// A cursor at byte `pos` of `data`, which is on line `line`.
    pub(super) fn new(data: &'a [u8], pos: usize, line: usize) -> Tokens<'a> {
        Tokens { data, pos, line }
    }

    /// The next token and its line, or `None` at the end of the data.
    pub(super) fn next_token(&mut self) -> Option<(&'a [u8], usize)> {
        while let Some(&b) = self.data.get(self.pos) {
            if !b.is_ascii_whitespace() {
                break;
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        if self.pos >= self.data.len() {
            return None;
        }
        let start = self.pos;
        while self
            .data
            .get(self.pos)
            .is_some_and(|b| !b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
        Some((&self.data[start..self.pos], self.line))
    }

    /// The next token without consuming it.
    pub(super) fn peek(&self) -> Option<(&'a [u8], usize)> {
        let mut copy = Tokens { ..*self };
        copy.next_token()
    }

    /// The rest of the current line (after the last token read), consuming its newline.
    pub(super) fn rest_of_line(&mut self) -> &'a [u8] {
        let start = self.pos;
        let rest = &self.data[start..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(k) => {
                self.pos += k + 1;
                self.line += 1;
                let l = &rest[..k];
                l.strip_suffix(b"\r").unwrap_or(l)
            }
            None => {
                self.pos = self.data.len();
                rest
            }
        }
    }

    /// The current line (1-based).
    pub(super) fn line(&self) -> usize {
        self.line
    }

    /// Bytes left after the cursor.
    pub(super) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Take the next `n` raw bytes, if there are that many. Lines are not counted inside them.
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }
}
