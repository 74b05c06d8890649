//! The `geoflow` binary: exit codes, files written, error messages.

mod cli {
    mod errors;
    mod faults;
    mod golden;
    mod memory;
    mod mesh;
    mod run;
}
