//! Flow behaviour: energy decay, stop rules, fault detection.

use geoflow::time::{Observer, StepRecord};

/// Keeps every step record.
#[derive(Default)]
pub struct Record(pub Vec<StepRecord>);

impl Observer for Record {
    fn step(&mut self, rec: &StepRecord) -> geoflow::Result<()> {
        self.0.push(rec.clone());
        Ok(())
    }
}

/// CGAL's example data (Debian's `libcgal-demo`), read from the installed package, not copied
/// here.
pub const CGAL_ARCHIVE: &str = "/usr/share/doc/libcgal-dev/data.tar.gz";

/// The meshes `names` of CGAL's `data/meshes`, unpacked into a temporary directory (their paths
/// are `dir/data/meshes/<name>`); `None`, said on stderr, when the package is not installed.
pub fn cgal_meshes(names: &[&str]) -> Option<tempfile::TempDir> {
    if !std::path::Path::new(CGAL_ARCHIVE).exists() {
        eprintln!("skipped: {CGAL_ARCHIVE} not found (apt-get install libcgal-demo)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let members: Vec<String> = names.iter().map(|m| format!("data/meshes/{m}")).collect();
    let status = std::process::Command::new("tar")
        .arg("xzf")
        .arg(CGAL_ARCHIVE)
        .arg("-C")
        .arg(dir.path())
        .args(&members)
        .status()
        .expect("tar");
    assert!(status.success(), "tar could not unpack {members:?}");
    Some(dir)
}

mod flows {
    mod corpus;
    mod discrete_ricci;
    mod graph_mcf;
    mod harmonic_map;
    mod ricci;
    mod surface_mcf;
}
