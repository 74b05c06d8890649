//! Atomic file writes, the one way every writer in [`crate::io`] puts a file in place.
//!
//! The contract: the content goes to a fresh temporary sibling of the target (same directory,
//! hidden name `.<name>.<pid>.<n>.tmp[suffix]`), and only a complete file is renamed over the
//! target. Rename within one directory is atomic, so a reader (ParaView polling a `.pvd`, a
//! script reading `status`) sees the old file or the new one, never a half-written one. On any
//! error the temporary file is removed and the target is left as it was.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// Write `path` atomically: `write` fills a buffered temporary file in the same directory, which
/// is then renamed over `path`.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = temp_sibling(path, "");
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| Error::io(&tmp, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let result = write(&mut w).and_then(|()| w.flush());
    drop(w);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    commit(&tmp, path)
}

/// A fresh, hidden temporary path next to `path` (same directory, so renaming it over `path`
/// is atomic), ending in `suffix`.
fn temp_sibling(path: &Path, suffix: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let k = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = format!(".{name}.{}.{k}.tmp{suffix}", std::process::id());
    path.with_file_name(tmp)
}

/// Move a finished temporary file over `path`; on failure remove the temporary file.
fn commit(tmp: &Path, path: &Path) -> Result<()> {
    std::fs::rename(tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        Error::io(path, e)
    })
}
