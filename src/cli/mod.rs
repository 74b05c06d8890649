//! The command line: `geoflow run`, `geoflow scenarios`, `geoflow convergence`, `geoflow mesh`.

mod progress;

use clap::{Parser, Subcommand};
use geoflow::convergence;
use geoflow::error::{Error, Result};
use geoflow::io::run_dir::{self, RunWriter};
use geoflow::run;
use geoflow::scenario::{MeshSpec, Scenario, ShapeKind, BUILTIN};
use geoflow::time::Stop;
use std::io::Write;
use std::path::PathBuf;

/// `println!` that reports a closed standard output as an error (`main` ends quietly on it)
/// instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout(), $($arg)*)
            .map_err(|e| geoflow::Error::io("<standard output>", e))?
    };
}

/// The exit codes, for `--help` (the values of `geoflow::error::exit`).
const EXIT_CODES: &str = "Exit codes:
  0    success (a closed standard output also ends quietly with 0)
  2    usage or scenario error: unknown key, bad value, malformed expression
  3    invalid input mesh
  4    numerical failure: non-finite values, failed factorization, no convergence
  5    I/O failure: a file could not be read or written, a run directory in use
  70   internal error (a bug)
  130  interrupted by SIGINT (Ctrl-C); 143: by SIGTERM (the run directory is complete)";

#[derive(Parser, Debug)]
#[command(
    name = "geoflow",
    version,
    about = "Geometric gradient flows with sparse implicit time stepping and ParaView output",
    after_help = EXIT_CODES
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario: frames + .pvd for ParaView, energy.csv, energy.png/svg, config.toml.
    Run {
        /// A scenario file (.toml) or the name of a built-in scenario (default: `default`).
        #[arg(conflicts_with = "resume")]
        scenario: Option<String>,
        /// Output directory (default: output/<scenario name>/).
        #[arg(long, conflicts_with = "resume")]
        out: Option<PathBuf>,
        /// Go on with the run in DIR from its last frame (an interrupted or finished run;
        /// `--set time.t_end=…` or `time.steps=…` runs it further), appending to its files.
        #[arg(long, value_name = "DIR")]
        resume: Option<PathBuf>,
        /// Override a scenario key, e.g. `--set time.dt=1e-4` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// List the built-in scenarios.
    Scenarios,
    /// Inspect or generate triangle meshes.
    Mesh {
        #[command(subcommand)]
        command: Box<MeshCommand>,
    },
    /// Refine a scenario with an exact solution and print errors and experimental orders.
    Convergence {
        /// A scenario file (.toml) or the name of a built-in scenario.
        scenario: String,
        /// Number of refinement levels (h, h/2, ...).
        #[arg(long, default_value_t = 4)]
        levels: u32,
        /// Also write the table as CSV to this file.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Override a scenario key, e.g. `--set convergence.dt_order=1` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum MeshCommand {
    /// Counts, topology (components, boundary loops, Euler characteristic, genus), manifold and
    /// orientation status, angles, area, volume and bounding box of a mesh file.
    Info {
        /// A mesh file (.obj .off .ply .stl .vtk .vtu .vtp).
        file: PathBuf,
    },
    /// Repair a mesh file into a valid oriented manifold and write it: weld coincident vertices,
    /// remove degenerate and duplicate faces, keep two faces per edge, orient each component,
    /// split non-manifold vertices, remove unreferenced vertices. Every change is a line on
    /// stderr; exit 3 if the mesh cannot be made valid.
    Repair {
        /// The mesh to repair (.obj .off .ply .stl .vtk .vtu .vtp).
        input: PathBuf,
        /// Where to write the result (.obj or .ply).
        output: PathBuf,
        /// Also weld vertices closer than this fraction of the bounding-box diagonal (default 0:
        /// exactly coincident vertices only).
        #[arg(long, default_value_t = 0.0, value_name = "FRACTION")]
        weld_tolerance: f64,
    },
    /// Generate a shape and write it (.obj or .ply).
    Generate {
        /// The shape.
        #[arg(value_enum)]
        kind: ShapeKind,
        /// Output file (.obj or .ply).
        #[arg(short, long)]
        out: PathBuf,
        #[command(flatten)]
        params: Box<MeshSpec>,
    },
}

/// Execute parsed arguments; the returned error is printed by `main`.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Run {
            resume: Some(dir),
            set,
            ..
        } => resume_run(&dir, &set),
        Command::Run {
            scenario, out, set, ..
        } => run_scenario(scenario.as_deref(), out, &set),
        Command::Scenarios => {
            for (name, text) in BUILTIN {
                let s = Scenario::from_toml(text, name, &[])?;
                say!("{name:<22} {:<11} {}", s.flow.name(), s.description);
            }
            Ok(())
        }
        Command::Mesh { command } => mesh_command(*command),
        Command::Convergence {
            scenario,
            levels,
            csv,
            set,
        } => {
            let s = Scenario::load(Some(&scenario), &set)?;
            say!(
                "convergence study of `{}` ({} levels, dt ~ h^{})",
                s.name,
                levels,
                s.convergence.dt_order
            );
            let study = run::study(&s, levels)?;
            say!("{}", convergence::table(&study).trim_end());
            if let Some(path) = csv {
                run_dir::write_text(&path, &convergence::csv(&study))?;
                say!("table written to {}", path.display());
            }
            Ok(())
        }
    }
}

fn run_scenario(spec: Option<&str>, out: Option<PathBuf>, set: &[String]) -> Result<()> {
    let scenario = Scenario::load(spec, set)?;
    // Everything is checked and set up before anything is written.
    let prepared = run::prepare(&scenario, &mut |w| eprintln!("warning: {w}"))?;
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(&scenario.name));
    let held = run_dir::prepare(&dir)?;
    for note in &held.notes {
        eprintln!("note: {note}");
    }
    run_dir::write_text(&dir.join("config.toml"), &scenario.resolved_toml())?;
    let writer = RunWriter::new(&dir, &scenario.name)?;
    drive(&scenario, &dir, prepared, writer, None)
}

/// Scenario keys a resumed run may change: when it ends and how often it writes.
const RESUMABLE_KEYS: [&str; 4] = ["time.t_end", "time.steps", "time.tol", "output.every"];

/// `geoflow run --resume DIR`: the run's own config.toml, set up again, then continued from its
/// checkpoint (the state of its last frame), appending to its files.
fn resume_run(dir: &std::path::Path, set: &[String]) -> Result<()> {
    if let Some(s) = set
        .iter()
        .find(|s| !RESUMABLE_KEYS.contains(&s.split('=').next().unwrap_or("").trim()))
    {
        return Err(Error::Usage(format!(
            "--resume continues the same run: `--set {s}` would change it; only {} can change \
             (start a new run for the rest)",
            RESUMABLE_KEYS.join(", ")
        )));
    }
    let config = dir.join("config.toml");
    if !config.exists() {
        return Err(Error::Usage(format!(
            "{}: holds no geoflow run to resume (no config.toml)",
            dir.display()
        )));
    }
    let scenario = Scenario::load(Some(&config.display().to_string()), set)?;
    let checkpoint_path = dir.join(run_dir::CHECKPOINT);
    let checkpoint = std::fs::read(&checkpoint_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Usage(format!(
                "{}: no checkpoint to resume from (the run wrote no frame); run it again",
                dir.display()
            ))
        } else {
            Error::io(&checkpoint_path, e)
        }
    })?;
    let (step, time, frames) = geoflow::time::checkpoint_position(&checkpoint)?;
    let prepared = run::prepare(&scenario, &mut |w| eprintln!("warning: {w}"))?;
    let held = run_dir::reopen(dir)?;
    for note in &held.notes {
        eprintln!("note: {note}");
    }
    eprintln!(
        "resuming at step {step} (t = {time:e}) from {}",
        checkpoint_path.display()
    );
    run_dir::write_text(&config, &scenario.resolved_toml())?;
    let writer = RunWriter::resume(dir, &scenario.name, step, frames)?;
    drive(&scenario, dir, prepared, writer, Some(&checkpoint))
}

/// A deliberate panic after step `k` when `GEOFLOW_PANIC_AT_STEP=k` is set: the fault tests'
/// way to check that a bug anywhere in a run still ends in `status` = `failed: internal error …`
/// and the internal-error exit code. Does nothing when the variable is unset.
struct InjectedPanic(Option<usize>);

impl InjectedPanic {
    fn from_env() -> InjectedPanic {
        InjectedPanic(
            std::env::var("GEOFLOW_PANIC_AT_STEP")
                .ok()
                .and_then(|v| v.parse().ok()),
        )
    }
}

impl geoflow::time::Observer for InjectedPanic {
    fn step(&mut self, rec: &geoflow::time::StepRecord) -> geoflow::error::Result<()> {
        if self.0 == Some(rec.step) {
            panic!(
                "injected panic after step {} (GEOFLOW_PANIC_AT_STEP)",
                rec.step
            );
        }
        Ok(())
    }
}

/// Run a prepared scenario into its directory (from its start, or from a checkpoint), with the
/// progress bar and signal handling, and report how it ended.
fn drive(
    scenario: &Scenario,
    dir: &std::path::Path,
    prepared: run::Prepared,
    mut writer: RunWriter,
    checkpoint: Option<&[u8]>,
) -> Result<()> {
    let mut bar = progress::Progress::new();
    // SIGINT and SIGTERM end the run after the step in progress, with its files complete.
    let interrupt = geoflow::time::Interrupt::default();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_usize(signal, interrupt.clone(), signal as usize)
            .map_err(|e| Error::io("<signal handler>", e))?;
    }
    let prepared = prepared.with_interrupt(interrupt);
    let started = std::time::Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut fault = InjectedPanic::from_env();
        let observers: &mut [&mut dyn geoflow::time::Observer] =
            &mut [&mut writer, &mut bar, &mut fault];
        match checkpoint {
            None => prepared.run(observers),
            Some(bytes) => prepared.resume(bytes, observers),
        }
    }))
    .unwrap_or_else(|_| {
        let msg = crate::PANIC.lock().ok().and_then(|mut p| p.take());
        let e = Error::Internal(msg.unwrap_or_else(|| "a panic".into()));
        writer.abandon(&e.to_string());
        Err(e)
    });
    let fin = match result {
        Ok(fin) => fin,
        Err(e) => {
            // A numerical failure has written its own status; anything else (a full disk)
            // says so in `status` as far as it still can.
            if !matches!(e, Error::Numerical { .. } | Error::Internal(_)) {
                writer.abandon(&e.to_string());
            }
            if writer.frames() > 0 {
                if let Ok(mut note) = crate::AFTER_ERROR.lock() {
                    *note = Some(format!(
                        "{} frames written before the failure are valid: {}",
                        writer.frames(),
                        writer.pvd_path().display()
                    ));
                }
            }
            return Err(e);
        }
    };
    let why = match &fin.stop {
        Stop::EndTime => "reached t_end",
        Stop::Steps => "took the requested steps",
        Stop::SteadyState => "reached a steady state",
        Stop::Collapse(msg) => {
            eprintln!("stopped at a singularity: {msg}");
            "stopped at a singularity"
        }
        Stop::Interrupted(_) => "interrupted",
    };
    // The run's files are complete: a closed terminal does not change its outcome.
    let _ = (|| -> Result<()> {
        say!(
            "{}: {} steps to t = {:.6}, {why}, energy {:.10e}, {:.2} s",
            scenario.name,
            fin.last.step,
            fin.last.time,
            fin.last.energy,
            started.elapsed().as_secs_f64()
        );
        for (name, v) in &fin.last.diagnostics {
            say!("  {name} = {v:.6e}");
        }
        say!(
            "wrote {} frames; open {} in ParaView",
            writer.frames(),
            writer.pvd_path().display()
        );
        say!("output in {}", dir.display());
        Ok(())
    })();
    match fin.stop {
        Stop::Interrupted(signal) => Err(Error::Interrupted {
            signal,
            step: fin.last.step,
            time: fin.last.time,
        }),
        _ => Ok(()),
    }
}

fn mesh_command(command: MeshCommand) -> Result<()> {
    match command {
        MeshCommand::Info { file } => {
            let (mesh, warnings) = geoflow::io::mesh::read_mesh(&file)?;
            for w in &warnings {
                eprintln!("warning: {w}");
            }
            say!("{}", file.display());
            say!("{}", geoflow::mesh::info::mesh_info(&mesh));
            Ok(())
        }
        MeshCommand::Repair {
            input,
            output,
            weld_tolerance,
        } => repair_mesh(&input, &output, weld_tolerance),
        MeshCommand::Generate { kind, out, params } => {
            let mesh = params.generate_shape(kind)?;
            geoflow::io::mesh::write_mesh(&out, &mesh)?;
            say!(
                "wrote {} ({} vertices, {} faces)",
                out.display(),
                mesh.vertices(),
                mesh.faces.len()
            );
            Ok(())
        }
    }
}

/// `geoflow mesh repair IN OUT`: read without requiring validity, repair, report each change on
/// stderr, write.
fn repair_mesh(input: &std::path::Path, output: &std::path::Path, tolerance: f64) -> Result<()> {
    use geoflow::io::mesh::{read_mesh_unvalidated, write_mesh, WRITE_EXTENSIONS};
    use geoflow::mesh::repair::{repair, RepairOptions};
    if !(tolerance.is_finite() && (0.0..1.0).contains(&tolerance)) {
        return Err(Error::Usage(format!(
            "--weld-tolerance: a fraction of the bounding-box diagonal in [0, 1), got {tolerance}"
        )));
    }
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !WRITE_EXTENSIONS.contains(&ext.as_str()) {
        return Err(Error::Usage(format!(
            "{}: cannot write meshes as `.{ext}`: expected .obj or .ply",
            output.display()
        )));
    }
    let (mesh, warnings) = read_mesh_unvalidated(input)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let (repaired, report) = repair(
        &mesh,
        &RepairOptions {
            weld_tolerance: tolerance,
        },
    )
    .map_err(|e| Error::Mesh {
        path: input.to_path_buf(),
        line: None,
        msg: e.to_string(),
    })?;
    if report.changes.is_empty() {
        eprintln!("repair: nothing to change");
    }
    for change in &report.changes {
        eprintln!("repair: {change}");
    }
    write_mesh(output, &repaired)?;
    say!(
        "wrote {} ({} vertices, {} faces; the input had {} vertices, {} faces)",
        output.display(),
        report.after.0,
        report.after.1,
        report.before.0,
        report.before.1
    );
    Ok(())
}
