//! The energy plot: both files written, valid headers, no panic on awkward data.

use std::path::Path;

use geoflow::io::plot::write_energy_plot;
use geoflow::Error;

use crate::dir_names;

const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Both files exist and look right; returns the SVG text.
fn check_files(stem: &Path) -> String {
    let png = std::fs::read(stem.with_extension("png")).expect("png written");
    assert_eq!(png[..8], PNG_MAGIC);
    // IHDR: width and height, big-endian.
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert!(
        (600..=1600).contains(&w) && (400..=1200).contains(&h),
        "{w}x{h}"
    );
    let svg = std::fs::read_to_string(stem.with_extension("svg")).expect("svg written");
    assert!(svg.contains("<svg"));
    assert!(svg.trim_end().ends_with("</svg>"));
    svg
}

#[test]
fn energy_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("energy");
    let t: Vec<f64> = (0..200).map(|k| k as f64 * 0.01).collect();
    let e: Vec<f64> = t.iter().map(|t| 3.0 * (-2.0 * t).exp() + 0.5).collect();
    let d: Vec<f64> = t.iter().map(|t| 0.1 * (-t).exp()).collect();
    let err: Vec<f64> = t.iter().map(|t| 1e-3 * (-5.0 * t).exp()).collect();
    write_energy_plot(
        &stem,
        &t,
        &[("energy", &e), ("dissipation", &d)],
        &[("L2 error", &err)],
    )
    .unwrap();
    let svg = check_files(&stem);
    for text in ["time", "energy", "dissipation", "L2 error"] {
        assert!(svg.contains(text), "svg mentions {text}");
    }
    assert_eq!(
        dir_names(dir.path()),
        ["energy.png", "energy.svg"],
        "no temporary files left"
    );
}

#[test]
fn energy_only() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("e");
    let t = [0.0, 1.0, 2.0, 3.0];
    write_energy_plot(&stem, &t, &[("energy", &[4.0, 3.0, 2.5, 2.25])], &[]).unwrap();
    let svg = check_files(&stem);
    assert!(svg.contains("energy"));
}

#[test]
fn stem_with_a_dot_keeps_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("run.1");
    write_energy_plot(&stem, &[0.0, 1.0], &[("energy", &[1.0, 0.0])], &[]).unwrap();
    assert_eq!(dir_names(dir.path()), ["run.1.png", "run.1.svg"]);
}

/// A degenerate input: name, times, energies, errors.
type Case = (&'static str, Vec<f64>, Vec<f64>, Vec<f64>);

#[test]
fn degenerate_inputs_do_not_panic() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    // (name, time, energy, error)
    let cases: Vec<Case> = vec![
        ("single_point", vec![0.0], vec![1.0], vec![1e-3]),
        ("all_equal", vec![1.0; 5], vec![2.0; 5], vec![1e-6; 5]),
        ("all_zero", vec![0.0, 1.0, 2.0], vec![0.0; 3], vec![0.0; 3]),
        (
            "nan_inf",
            vec![0.0, 1.0, nan, 3.0, 4.0, inf],
            vec![1.0, nan, 3.0, inf, -inf, 2.0],
            vec![nan, 1e-2, -1.0, 0.0, 1e-4, inf],
        ),
        ("all_nan", vec![nan; 3], vec![nan; 3], vec![nan; 3]),
        ("empty", vec![], vec![], vec![]),
        (
            "huge",
            vec![-1e308, 1e308],
            vec![-f64::MAX, f64::MAX],
            vec![f64::MIN_POSITIVE, f64::MAX],
        ),
        (
            "tiny_span",
            vec![1.0, 1.0 + 1e-15],
            vec![1.0, 1.0 + 2e-16],
            vec![5e-324, 1e-323],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, t, e, err) in &cases {
        let with_errors = dir.path().join(format!("{name}_err"));
        write_energy_plot(&with_errors, t, &[("energy", e)], &[("error", err)])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check_files(&with_errors);
        let plain = dir.path().join(format!("{name}_plain"));
        write_energy_plot(&plain, t, &[("energy", e)], &[])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check_files(&plain);
    }
    // No curves at all: an empty-but-valid plot.
    let stem = dir.path().join("nothing");
    write_energy_plot(&stem, &[], &[], &[]).unwrap();
    check_files(&stem);
}

#[test]
fn length_mismatch_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("bad");
    let r = write_energy_plot(&stem, &[0.0, 1.0], &[("energy", &[1.0])], &[]);
    assert!(matches!(r, Err(Error::Usage(_))), "{r:?}");
    let r = write_energy_plot(
        &stem,
        &[0.0],
        &[("energy", &[1.0])],
        &[("err", &[1.0, 2.0])],
    );
    assert!(matches!(r, Err(Error::Usage(_))), "{r:?}");
    assert!(dir_names(dir.path()).is_empty());
}
