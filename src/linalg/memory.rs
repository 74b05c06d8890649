//! How much memory the machine can give a run, so that a run too large for it is refused with
//! an estimate instead of dying in the allocator.

/// Bytes of memory available to a new allocation (`MemAvailable` of `/proc/meminfo` on Linux);
/// `None` where it cannot be known (then nothing is refused).
pub fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// `bytes` as "12.3 GB" (or MB, KB).
pub fn human(bytes: f64) -> String {
    let (value, unit) = if bytes >= 1e9 {
        (bytes / 1e9, "GB")
    } else if bytes >= 1e6 {
        (bytes / 1e6, "MB")
    } else {
        (bytes / 1e3, "KB")
    };
    format!("{value:.1} {unit}")
}

/// A memory need that does not fit: `what` needs `needed` bytes, `available` are free.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "{what} needs at least {} but this machine has {} available",
    human(*needed),
    human(*available as f64)
)]
pub struct TooLarge {
    pub what: String,
    pub needed: f64,
    pub available: u64,
}

/// Refuse `needed` bytes for `what` if they exceed the available memory.
pub fn check(what: impl FnOnce() -> String, needed: f64) -> Result<(), TooLarge> {
    match available_bytes() {
        Some(available) if needed > available as f64 => Err(TooLarge {
            what: what(),
            needed,
            available,
        }),
        _ => Ok(()),
    }
}
