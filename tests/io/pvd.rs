//! The `.pvd` collection: rewritten after each push, exact times, escaped names.

use geoflow::io::pvd::PvdSeries;
use geoflow::Error;

use crate::{attr, dir_names};

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The `(timestep, file)` of every `<DataSet>` in a .pvd, in file order.
fn parse_pvd(text: &str) -> Vec<(f64, String)> {
    assert!(
        text.starts_with("<?xml") || text.starts_with("<VTKFile"),
        "{text}"
    );
    assert!(
        text.contains("<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">")
    );
    let c0 = text.find("<Collection>").expect("<Collection>");
    let c1 = text.find("</Collection>").expect("</Collection>");
    assert!(c0 < c1);
    assert!(text.trim_end().ends_with("</VTKFile>"));
    text[c0..c1]
        .split("<DataSet")
        .skip(1)
        .map(|ds| {
            let tag = &ds[..ds.find("/>").expect("self-closing DataSet")];
            assert_eq!(attr(tag, "group"), Some(""));
            assert_eq!(attr(tag, "part"), Some("0"));
            let t: f64 = attr(tag, "timestep")
                .unwrap()
                .parse()
                .expect("timestep parses as f64");
            (t, unescape(attr(tag, "file").unwrap()))
        })
        .collect()
}

#[test]
fn rewritten_after_each_push_with_exact_times() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flow.pvd");
    let mut pvd = PvdSeries::new(&path);
    assert!(!path.exists(), "new() writes nothing");
    assert!(pvd.entries().is_empty());

    let frames: Vec<(f64, String)> = [
        0.0,
        0.1 + 0.2,
        1e-7,
        1.0 / 3.0,
        2.0f64.sqrt() * 1e12,
        5e-324,
        1e300,
    ]
    .iter()
    .enumerate()
    .map(|(k, &t)| (t, format!("frames/flow_{k:04}.vts")))
    .collect();
    for (k, (t, file)) in frames.iter().enumerate() {
        pvd.push(*t, file).unwrap();
        let got = parse_pvd(&std::fs::read_to_string(&path).unwrap());
        assert_eq!(got.len(), k + 1, "lists exactly the frames pushed so far");
        for ((gt, gf), (wt, wf)) in got.iter().zip(&frames) {
            assert_eq!(
                gt.to_bits(),
                wt.to_bits(),
                "time {wt:?} round-trips exactly"
            );
            assert_eq!(gf, wf);
        }
        assert_eq!(pvd.entries(), &frames[..=k]);
        assert_eq!(
            dir_names(dir.path()),
            ["flow.pvd"],
            "no temporary file left"
        );
    }
}

#[test]
fn file_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.pvd");
    let mut pvd = PvdSeries::new(&path);
    let name = "frames/a&b <\"c\">'d'.vtu";
    pvd.push(0.5, name).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("a&b"), "{text}");
    assert_eq!(parse_pvd(&text), [(0.5, name.to_string())]);
}

#[test]
fn non_finite_time_is_rejected_and_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.pvd");
    let mut pvd = PvdSeries::new(&path);
    pvd.push(0.0, "a.vts").unwrap();
    for t in [f64::NAN, f64::INFINITY] {
        assert!(matches!(pvd.push(t, "b.vts"), Err(Error::Usage(_))));
    }
    assert_eq!(pvd.entries().len(), 1);
    assert_eq!(
        parse_pvd(&std::fs::read_to_string(&path).unwrap()),
        [(0.0, "a.vts".to_string())]
    );
}

#[test]
fn failed_write_does_not_keep_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut pvd = PvdSeries::new(dir.path().join("missing/s.pvd"));
    assert!(matches!(pvd.push(0.0, "a.vts"), Err(Error::Io { .. })));
    assert!(pvd.entries().is_empty());
}
