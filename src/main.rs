//! The `geoflow` command line (the library is `geoflow`, without this binary's dependencies
//! when built with `default-features = false`).

mod cli;

use clap::Parser;
use geoflow::error::{exit, Error};
use std::process::ExitCode;
use std::sync::Mutex;

/// The message and place of a panic, kept by the hook for the top-level report.
static PANIC: Mutex<Option<String>> = Mutex::new(None);

/// A line to print after the error (what of a failed run is still valid), set by `cli`.
static AFTER_ERROR: Mutex<Option<String>> = Mutex::new(None);

fn main() -> ExitCode {
    let args = cli::Args::parse();
    // A panic is a bug: report it once, as an internal error with its own exit code, instead of
    // Rust's crash message (the run directory is told by `cli`).
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut p) = PANIC.lock() {
            *p = Some(format!("{msg}{at}"));
        }
    }));
    let result = std::panic::catch_unwind(|| cli::run(args)).unwrap_or_else(|_| {
        let msg = PANIC.lock().ok().and_then(|mut p| p.take());
        Err(Error::Internal(msg.unwrap_or_else(|| "a panic".into())))
    });
    match result {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        // A closed standard output (`geoflow scenarios | head -1`) ends quietly.
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(exit::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(note) = AFTER_ERROR.lock().ok().and_then(|mut n| n.take()) {
                eprintln!("{note}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
