//! `discrete-ricci` on a corpus of real meshes nobody here made: every single-component manifold
//! disk (one boundary loop), sphere and torus, and every planar domain (genus 0, several
//! boundary loops: laid out cut open along seams) in a folder (CGAL's example data:
//! `apt-get install libcgal-demo`, then unpack `/usr/share/doc/libcgal-dev/data.tar.gz` and
//! point at its `data/meshes`), set up as a scenario would be (`[discrete_ricci]` defaults, or
//! `flips = false` with `--classical`) and run by Newton to `max |K − K̂| < 1e-10`, at most 50
//! steps. The other meshes are skipped, counted by reason.
//!
//! Per mesh: vertices, converged or not (with the reached error), Newton steps, edge flips, time
//! (set-up + Newton + the output map), and the map the user gets, checked on the input: the
//! common subdivision series (`overlay`) when the flow writes one, else the per-vertex `uv` or
//! `sphere` positions on the input's faces: bijective (no inverted or degenerate triangle) or the
//! count of bad triangles, and the max / mean quasi-conformal distortion `σ₁/σ₂` per triangle.
//!
//! `GEOFLOW_CORPUS=/tmp/cgal/data/meshes cargo bench --bench conformal_corpus [-- --classical | --flips]
//! [-- name ...]` (names filter by substring; `--max-vertices N` skips larger meshes;
//! `--boundary circle` flattens the disks to circles instead of keeping u = 0 on the boundary).

use geoflow::domain::Input;
use geoflow::flows::discrete_ricci::setup::{setup, DiscreteRicciSpec};
use geoflow::flows::{Cells, Field, Flow, Frame};
use geoflow::geometry::quasi_conformal_distortion;
use geoflow::mesh::topology;
use geoflow::mesh::TriMesh;
use std::path::PathBuf;
use std::time::Instant;

const MAX_STEPS: usize = 50;
const TOL: f64 = 1e-10;

#[derive(Default)]
struct Row {
    name: String,
    kind: &'static str,
    vertices: usize,
    converged: bool,
    error: f64,
    steps: usize,
    flips: Option<f64>,
    seconds: f64,
    /// Bad (inverted or degenerate) triangles of the map, of how many; `None`: no map.
    bad: Option<(usize, usize)>,
    qc_max: f64,
    qc_mean: f64,
    note: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let classical = args.iter().any(|a| a == "--classical");
    let flips = args.iter().any(|a| a == "--flips");
    // `--boundary circle` (or free, polygon): the disks' boundary condition instead of the
    // default (u = 0 on the boundary).
    let boundary: Option<String> = args
        .iter()
        .position(|a| a == "--boundary")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let max_vertices: usize = args
        .iter()
        .position(|a| a == "--max-vertices")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let names: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !a.starts_with("--")
                && (*i == 0 || (args[i - 1] != "--max-vertices" && args[i - 1] != "--boundary"))
                && a.parse::<f64>().is_err()
        })
        .map(|(_, a)| a)
        .collect();
    let dir = std::env::var_os("GEOFLOW_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/cgal/data/meshes"));
    let Ok(listing) = std::fs::read_dir(&dir) else {
        println!(
            "conformal_corpus: no corpus at {} (set GEOFLOW_CORPUS); nothing run",
            dir.display()
        );
        return;
    };
    let mut files: Vec<PathBuf> = listing.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut skipped: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut rows = Vec::new();
    println!(
        "threads: {}, flips: {}, tol {TOL:e}, at most {MAX_STEPS} Newton steps",
        rayon::current_num_threads(),
        if classical {
            "off (classical)"
        } else {
            "default"
        }
    );
    println!(
        "{:<28} {:<6} {:>7} {:>5} {:>9} {:>5} {:>7} {:>8} {:>12} {:>9} {:>9}  note",
        "mesh",
        "kind",
        "verts",
        "conv",
        "max|K-K^|",
        "steps",
        "flips",
        "time s",
        "bijective",
        "qc max",
        "qc mean"
    );
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !names.is_empty() && !names.iter().any(|n| name.contains(n.as_str())) {
            continue;
        }
        let mut skip = |why: &str| {
            skipped
                .entry(why.to_string())
                .or_default()
                .push(name.clone())
        };
        let mesh = match geoflow::io::mesh::read_mesh(&path) {
            Ok((mesh, _)) => mesh,
            Err(e) => {
                let why = e.to_string();
                let why = if why.contains("manifold") || why.contains("orient") {
                    "not an oriented manifold"
                } else if why.contains("degenerate") {
                    "degenerate faces"
                } else if why.contains("extension") || why.contains("format") {
                    "format"
                } else {
                    "unreadable"
                };
                skip(why);
                continue;
            }
        };
        if topology::components(&mesh) != 1 {
            skip("several components");
            continue;
        }
        let Ok(edges) = topology::edges(&mesh) else {
            skip("not an oriented manifold");
            continue;
        };
        let chi = topology::euler_characteristic(&mesh, &edges);
        let loops = topology::boundary_loops(&mesh, &edges).len();
        let kind = match (chi, loops) {
            (2, 0) => "sphere",
            (0, 0) => "torus",
            (1, 1) => "disk",
            (c, l) if l >= 2 && c == 2 - l as i64 => "planar",
            _ => {
                skip(&format!(
                    "other topology (χ = {chi}, {loops} boundary loops)"
                ));
                continue;
            }
        };
        if mesh.vertices() > max_vertices {
            skip("larger than --max-vertices");
            continue;
        }
        let row = run_one(&name, kind, mesh, classical, flips, boundary.as_deref());
        print_row(&row);
        rows.push(row);
    }
    let n = rows.len();
    let conv = rows.iter().filter(|r| r.converged).count();
    let bij = rows
        .iter()
        .filter(|r| r.converged && matches!(r.bad, Some((0, _))))
        .count();
    println!(
        "\nsummary: {n} meshes run; {conv} converged to {TOL:e}; {bij} converged with a \
         bijective map"
    );
    for kind in ["disk", "sphere", "torus", "planar"] {
        let of: Vec<&Row> = rows.iter().filter(|r| r.kind == kind).collect();
        println!(
            "  {kind:<6}: {:>3} run, {:>3} converged, {:>3} bijective",
            of.len(),
            of.iter().filter(|r| r.converged).count(),
            of.iter()
                .filter(|r| r.converged && matches!(r.bad, Some((0, _))))
                .count()
        );
    }
    let total_skipped: usize = skipped.values().map(Vec::len).sum();
    println!("skipped: {total_skipped}");
    for (why, list) in &skipped {
        println!("  {why}: {} ({})", list.len(), list.join(" "));
    }
}

fn print_row(r: &Row) {
    let bij = match r.bad {
        Some((0, of)) => format!("yes/{of}"),
        Some((b, of)) => format!("{b} bad/{of}"),
        None => "no map".into(),
    };
    let flips = r.flips.map_or("-".into(), |f| format!("{f:.0}"));
    println!(
        "{:<28} {:<6} {:>7} {:>5} {:>9.2e} {:>5} {:>7} {:>8.3} {:>12} {:>9.3} {:>9.4}  {}",
        r.name,
        r.kind,
        r.vertices,
        if r.converged { "yes" } else { "NO" },
        r.error,
        r.steps,
        flips,
        r.seconds,
        bij,
        r.qc_max,
        r.qc_mean,
        r.note
    );
}

fn run_one(
    name: &str,
    kind: &'static str,
    mesh: TriMesh,
    classical: bool,
    flips: bool,
    boundary: Option<&str>,
) -> Row {
    let mut row = Row {
        name: name.into(),
        kind,
        vertices: mesh.vertices(),
        ..Row::default()
    };
    let mut spec = DiscreteRicciSpec::default();
    spec.discrete_ricci.tol = TOL;
    if classical {
        spec.discrete_ricci.flips = false;
    }
    if flips {
        spec.discrete_ricci.flips = true;
    }
    if let Some(b) = boundary.filter(|_| kind == "disk") {
        spec.discrete_ricci.boundary = toml::Value::String(b.to_string())
            .try_into()
            .expect("a boundary condition");
    }
    let t = Instant::now();
    let input = Input::Mesh {
        mesh: mesh.clone(),
        fields: Vec::new(),
        laplacian: Default::default(),
    };
    let (mut flow, mut s) = match setup(&spec, input, 0.0, &mut |_| {}) {
        Ok(x) => x,
        Err(e) => {
            row.seconds = t.elapsed().as_secs_f64();
            row.error = f64::NAN;
            row.note = format!("set-up: {e}");
            return row;
        }
    };
    let diag = |flow: &dyn Fn() -> Vec<(&'static str, f64)>, key: &str| {
        flow().iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    };
    let mut flips = 0.0;
    while !flow.converged(&s) && row.steps < MAX_STEPS {
        match flow.step(&s, row.steps as f64, 1.0) {
            Ok(next) => s = next,
            Err(e) => {
                row.note = format!("step {}: {e}", row.steps + 1);
                break;
            }
        }
        row.steps += 1;
        if let Some(f) = diag(&|| flow.diagnostics(&s, 0.0), "flips") {
            flips += f;
        }
    }
    let _ = flow.take_events();
    row.converged = flow.converged(&s);
    row.error = diag(&|| flow.diagnostics(&s, 0.0), "curvature_error").unwrap_or(f64::NAN);
    if diag(&|| flow.diagnostics(&s, 0.0), "flips").is_some() {
        row.flips = Some(flips);
    }
    let frame = flow.frame(&s, 0.0);
    row.seconds = t.elapsed().as_secs_f64();
    if let Some(report) = map_quality(kind, &mesh, &frame) {
        (row.bad, row.qc_max, row.qc_mean) = (Some(report.0), report.1, report.2);
    }
    if row.note.is_empty() && !row.converged {
        row.note = "stalled".into();
    }
    row
}

/// The map the user gets, checked on the input: bad triangles (of all), max and mean
/// quasi-conformal distortion.
fn map_quality(kind: &str, mesh: &TriMesh, frame: &Frame) -> Option<((usize, usize), f64, f64)> {
    // The common subdivision with its map, if the flow writes one.
    if let Some((_, overlay)) = frame.series.iter().find(|(n, _)| *n == "overlay") {
        let Cells::Triangles(tris) = &overlay.cells else {
            return None;
        };
        let image = overlay.point_data.iter().find_map(|(n, f)| match (n, f) {
            (&"map", Field::Vector(v)) => Some(v.clone()),
            _ => None,
        })?;
        return Some(judge(kind, &overlay.points, &image, tris));
    }
    // Else per-vertex images on the input's own faces.
    let image: Vec<[f64; 3]> = match kind {
        "sphere" => frame
            .series
            .iter()
            .find(|(n, _)| *n == "sphere")
            .map(|(_, f)| f.points.clone())?,
        "disk" => frame.point_data.iter().find_map(|(n, f)| match (n, f) {
            (&"uv", Field::Vector(v)) => Some(v.clone()),
            _ => None,
        })?,
        _ => {
            // A torus: the corner layout on the frame's faces, if those are the input's.
            let Cells::Triangles(cells) = &frame.cells else {
                return None;
            };
            if *cells != mesh.faces {
                return None;
            }
            let (_, layout) = frame.series.iter().find(|(n, _)| *n == "layout")?;
            let tris: Vec<[usize; 3]> = (0..cells.len())
                .map(|f| [3 * f, 3 * f + 1, 3 * f + 2])
                .collect();
            let points: Vec<[f64; 3]> =
                cells.iter().flatten().map(|&v| mesh.positions[v]).collect();
            return Some(judge(kind, &points, &layout.points, &tris));
        }
    };
    if image.len() != mesh.vertices() {
        return None;
    }
    Some(judge(kind, &mesh.positions, &image, &mesh.faces))
}

fn judge(
    kind: &str,
    points: &[[f64; 3]],
    image: &[[f64; 3]],
    tris: &[[usize; 3]],
) -> ((usize, usize), f64, f64) {
    let (mut bad, mut max, mut sum) = (0, 0.0f64, 0.0);
    for t in tris {
        let src = t.map(|i| points[i]);
        let dst = t.map(|i| image[i]);
        let Some(q) = quasi_conformal_distortion(src, dst, kind == "sphere") else {
            bad += 1;
            continue;
        };
        max = max.max(q);
        sum += q;
    }
    let good = (tris.len() - bad).max(1) as f64;
    ((bad, tris.len()), max, sum / good)
}
