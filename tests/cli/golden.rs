//! Golden runs: every built-in scenario, run by the binary, must reproduce its recorded
//! `energy.csv`, `events.log`, `status` and frames (`.pvd` series and every frame file, compared
//! by size and a 64-bit FNV-1a digest of the bytes) to the last bit, and so must a second run
//! from the `config.toml` the first one wrote. The records live in
//! `tests/golden/<name>/`. After an intended change of numbers, re-record with
//! `GEOFLOW_BLESS=1 cargo test --release --test cli golden` and say in the commit why they moved.

use super::run::geoflow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every built-in, with the overrides that keep its run short (none: the whole run).
const CASES: &[(&str, &[&str])] = &[
    ("default", &["time.steps=100"]),
    ("scherk-like", &["time.steps=100"]),
    ("grim-reaper", &[]),
    ("rotated-grim-reaper", &[]),
    ("translating-arc", &[]),
    ("spherical-cap", &[]),
    ("scherk-steady", &[]),
    ("grim-reaper-disk", &[]),
    ("spherical-cap-disk", &[]),
    ("shrinking-sphere", &[]),
    ("dumbbell", &[]),
    ("bumpy-sphere", &[]),
    ("torus", &[]),
    ("great-circle", &[]),
    ("harmonic-disk", &[]),
    ("torus-meridian", &[]),
    ("gauss-map", &["time.steps=60"]),
    ("bubbling", &["time.t_end=0.17", "output.every=100"]),
    ("cigar", &[]),
    ("ricci-sphere", &[]),
    ("ricci-ellipsoid", &[]),
    ("ricci-torus", &[]),
    ("flatten-hemisphere", &[]),
    ("flat-torus", &[]),
    ("uniformize-sphere", &[]),
];

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The recorded view of a run directory: text files in full, frames and series by digest.
fn record(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for name in ["energy.csv", "events.log", "status"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(name)) {
            out.insert(name.to_string(), text);
        }
    }
    let mut digests = String::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("frames")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("pvd" | "vtu" | "vts")
            )
        })
        .collect();
    files.sort();
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let rel = f.strip_prefix(dir).unwrap().display().to_string();
        digests += &format!("{rel} {} {:016x}\n", bytes.len(), fnv1a(&bytes));
    }
    out.insert("digests.txt".to_string(), digests);
    out
}

#[test]
fn builtins_reproduce_their_golden_output() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("GEOFLOW_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, set) in CASES {
        let out = tmp.path().join(name);
        let mut args = vec!["run", name, "--out", out.to_str().unwrap()];
        for s in *set {
            args.extend(["--set", s]);
        }
        let o = geoflow(&args, tmp.path());
        assert!(
            out.join("energy.csv").exists(),
            "{name}: no energy.csv\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let got = record(&out);
        // The run's config.toml repeats it bit for bit.
        {
            let again = tmp.path().join(format!("{name}-again"));
            let config = out.join("config.toml");
            geoflow(
                &[
                    "run",
                    config.to_str().unwrap(),
                    "--out",
                    again.to_str().unwrap(),
                ],
                tmp.path(),
            );
            if record(&again) != got {
                failures.push(format!("{name}: its config.toml does not repeat the run"));
            }
        }
        let dir = golden.join(name);
        if bless {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (file, text) in &got {
                std::fs::write(dir.join(file), text).unwrap();
            }
            continue;
        }
        let want: BTreeMap<String, String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (record with GEOFLOW_BLESS=1)", dir.display()))
            .map(|e| {
                let p = e.unwrap().path();
                let file = p.file_name().unwrap().to_str().unwrap().to_string();
                (file, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        for (file, text) in &want {
            match got.get(file) {
                None => failures.push(format!("{name}: {file} was not written")),
                Some(t) if t != text => {
                    let line = t
                        .lines()
                        .zip(text.lines())
                        .position(|(a, b)| a != b)
                        .map_or(t.lines().count().min(text.lines().count()), |l| l);
                    failures.push(format!(
                        "{name}: {file} differs from line {}:\n  got  {}\n  want {}",
                        line + 1,
                        t.lines().nth(line).unwrap_or("<end>"),
                        text.lines().nth(line).unwrap_or("<end>")
                    ));
                }
                Some(_) => {}
            }
        }
        for file in got.keys().filter(|f| !want.contains_key(*f)) {
            failures.push(format!("{name}: {file} is new"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
