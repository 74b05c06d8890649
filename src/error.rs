//! The library's error type. Input errors say where (file, key, line); numerical errors say when
//! (step, time) and what went wrong. `main` prints the message once and exits non-zero.

use std::path::{Path, PathBuf};

/// Everything that can go wrong in geoflow.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario key has a bad value, a wrong type, or is unknown.
    #[error("{origin}: `{key}`: {msg}")]
    Config {
        origin: String,
        key: String,
        msg: String,
    },

    /// A scenario file that is not valid TOML or not a valid scenario.
    #[error("{origin}: {msg}")]
    Scenario { origin: String, msg: String },

    /// An expression string that does not parse or uses unknown names.
    #[error("expression `{expr}`: {msg}")]
    Expression { expr: String, msg: String },

    /// A mesh file that cannot be read or describes an invalid mesh. `line` is the 1-based line
    /// of a text file where the problem is, when there is one; `msg` names the element (face,
    /// vertex, edge index) and what is wrong with it.
    #[error("{}{}: {msg}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Mesh {
        path: PathBuf,
        line: Option<usize>,
        msg: String,
    },

    /// A run that cannot be set up although every setting is valid on its own: the solver's
    /// analysis of the system failed, or a flow's data do not fit its domain in a way no single
    /// key is to blame for. Reported before the first step; nothing has run.
    #[error("set-up failed: {msg}")]
    Setup { msg: String },

    /// A numerical fault during a run: non-finite values, a failed factorization, a blown-up step.
    #[error("numerical failure at step {step}, t = {time:.6e}: {msg}")]
    Numerical { step: usize, time: f64, msg: String },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Anything else the user asked for that cannot be done (bad command-line arguments, ...).
    #[error("{0}")]
    Usage(String),

    /// The run was ended by a signal (`SIGINT` 2, `SIGTERM` 15) after its step `step`; its run
    /// directory is complete up to there.
    #[error("interrupted by signal {signal} at step {step} (t = {time:e})")]
    Interrupted { signal: i32, step: usize, time: f64 },

    /// A bug in geoflow: a panic, caught at the top and reported instead of a crash.
    #[error("internal error: {0} (a bug in geoflow; please report it with the scenario)")]
    Internal(String),
}

/// The exit codes of the `geoflow` program, one per kind of [`Error`] (also in `--help` and the
/// README).
pub mod exit {
    /// The run completed, or the command did what it was asked.
    pub const SUCCESS: u8 = 0;
    /// Bad command line or scenario: an unknown key, a bad value, a malformed expression.
    pub const USAGE: u8 = 2;
    /// An input mesh that cannot be read or is not a valid mesh.
    pub const MESH: u8 = 3;
    /// A numerical failure: a non-finite value, a failed factorization, a solver that did not
    /// converge, a set-up the solver could not analyse.
    pub const NUMERICAL: u8 = 4;
    /// A file could not be read or written (disk full, permissions, a run directory in use).
    pub const IO: u8 = 5;
    /// An internal error (a bug).
    pub const INTERNAL: u8 = 70;
    /// Interrupted by `SIGINT` (128 + 2), as shells report it.
    pub const SIGINT: u8 = 130;
    /// Interrupted by `SIGTERM` (128 + 15).
    pub const SIGTERM: u8 = 143;
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The exit code of the `geoflow` program for this error (see [`exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config { .. }
            | Error::Scenario { .. }
            | Error::Expression { .. }
            | Error::Usage(_) => exit::USAGE,
            Error::Mesh { .. } => exit::MESH,
            Error::Setup { .. } | Error::Numerical { .. } => exit::NUMERICAL,
            Error::Io { .. } => exit::IO,
            Error::Interrupted { signal, .. } => (128 + signal).clamp(129, 255) as u8,
            Error::Internal(_) => exit::INTERNAL,
        }
    }

    /// A bad scenario value found while setting a flow up, before the scenario's name is known
    /// ([`Error::in_scenario`] adds it).
    pub fn config(key: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Config {
            origin: String::new(),
            key: key.into(),
            msg: msg.into(),
        }
    }

    /// Name the scenario a [`Error::Config`] without an origin comes from.
    pub fn in_scenario(self, name: &str) -> Self {
        match self {
            Error::Config { origin, key, msg } if origin.is_empty() => Error::Config {
                origin: format!("scenario `{name}`"),
                key,
                msg,
            },
            e => e,
        }
    }

    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}

impl From<crate::linalg::SpdError> for Error {
    /// A solver failure while setting a run up (during a run, failures are [`Error::Numerical`]).
    fn from(e: crate::linalg::SpdError) -> Self {
        match e {
            // Not a numerical fault: the domain and its boundary conditions leave no unknown.
            crate::linalg::SpdError::NoUnknowns => Error::config("mesh", e.to_string()),
            // Not a fault either: the run is larger than this machine.
            crate::linalg::SpdError::TooLarge(t) => Error::Usage(t.to_string()),
            e => Error::Setup { msg: e.to_string() },
        }
    }
}
