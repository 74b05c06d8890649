use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = geoflow::cli::Args::parse();
    match geoflow::cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
