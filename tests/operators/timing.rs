//! Timing of building the cotan Laplacian on a large mesh (icosphere level 8, 655,362 vertices,
//! 1,310,720 faces). Ignored by default; run with
//! `cargo test --release --test operators -- --ignored --nocapture build_laplacian_timing`.

use geoflow::geometry as g;
use geoflow::mesh::shapes::icosphere;
use std::time::Instant;

#[test]
#[ignore = "timing on a 655k-vertex mesh; run explicitly"]
fn build_laplacian_timing() {
    let t = Instant::now();
    let m = icosphere(8, 1.0);
    let t_mesh = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let layout = g::EdgeLayout::of_mesh(&m);
    let pairs = layout.pairs();
    let t_pairs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pattern = geoflow::linalg::Pattern::new(m.vertices(), &pairs);
    let t_pattern = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cot = g::corner_cotans(&m);
    let t_cot = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut entries = vec![0.0; pairs.len()];
    layout.laplacian_entries(&cot, &mut entries);
    let t_entries = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut values = vec![0.0; pattern.nnz()];
    pattern.fill(&entries, &mut values);
    let t_fill = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mass = g::vertex_lumped_mass_voronoi(&m);
    let t_mass = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let hn = g::mean_curvature_normal(&m);
    let t_hn = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let k = g::vertex_gaussian_curvature(&m);
    let t_k = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let boundary = g::vertex_boundary_mask(&m.faces, m.vertices());
    let t_b = t.elapsed().as_secs_f64();
    assert!(boundary.iter().all(|&b| !b));
    eprintln!(
        "icosphere level 8: {} vertices, {} faces, {} entries, nnz(upper) = {}, threads = {}",
        m.vertices(),
        m.faces.len(),
        pairs.len(),
        pattern.nnz(),
        rayon::current_num_threads()
    );
    eprintln!("  mesh generation        {t_mesh:.3} s (not part of L)");
    eprintln!("  EdgeLayout + pairs     {t_pairs:.3} s");
    eprintln!("  Pattern::new           {t_pattern:.3} s   (once per run)");
    eprintln!("  corner_cotans          {t_cot:.3} s");
    eprintln!("  laplacian_entries      {t_entries:.3} s");
    eprintln!(
        "  Pattern::fill          {t_fill:.3} s   (per step: cotans + entries + fill = {:.3} s)",
        t_cot + t_entries + t_fill
    );
    eprintln!(
        "  total (pattern + values) {:.3} s",
        t_pairs + t_pattern + t_cot + t_entries + t_fill
    );
    eprintln!("  vertex_lumped_mass_voronoi {t_mass:.3} s, mean_curvature_normal {t_hn:.3} s, vertex_gaussian_curvature {t_k:.3} s (of which vertex_boundary_mask {t_b:.3} s)");
    assert_eq!(pattern.nnz(), m.vertices() + 3 * m.faces.len() / 2);
    assert!(values.iter().all(|v| v.is_finite()) && mass.len() == hn.len() && k.len() == hn.len());
}
