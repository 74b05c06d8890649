use geoflow::flows::discrete_ricci::{DiscreteRicci, Method, MetricState};
use geoflow::flows::Flow;
use geoflow::geometry::layout::{torus_modulus, CornerLayout};
use geoflow::geometry::lobachevsky::{clausen2, lobachevsky};
use geoflow::mesh::shapes::{hemisphere, icosphere};
use geoflow::mesh::TriMesh;
use std::f64::consts::PI;

#[test]
fn the_lobachevsky_function_has_its_known_values_and_derivative() {
    // Cl₂(π/2) = Catalan's constant; Cl₂(π/3) is the maximum of Cl₂; Cl₂(2π/3) = (2/3) Cl₂(π/3).
    let catalan = 0.915_965_594_177_219_1;
    assert!((clausen2(PI / 2.0) - catalan).abs() < 1e-15);
    assert!((clausen2(PI / 3.0) - 1.014_941_606_409_653_6).abs() < 1e-15);
    assert!((clausen2(2.0 * PI / 3.0) - 0.676_627_737_606_435_8).abs() < 1e-15);
    assert!((lobachevsky(PI / 4.0) - catalan / 2.0).abs() < 1e-15);
    assert!(lobachevsky(PI / 2.0).abs() < 1e-15 && lobachevsky(PI).abs() < 1e-15);
    // Л'(x) = −log|2 sin x|, odd and π-periodic.
    for x in [0.1, 0.7, 1.3, 2.9] {
        let h = 2e-6;
        let d = (lobachevsky(x + h) - lobachevsky(x - h)) / (2.0 * h);
        assert!((d + (2.0 * f64::sin(x)).abs().ln()).abs() < 1e-9, "{x}");
        assert!((lobachevsky(x + PI) - lobachevsky(x)).abs() < 1e-14);
        assert!((lobachevsky(-x) + lobachevsky(x)).abs() < 1e-15);
    }
}

/// A flat target inside, `u = 0` on the boundary (Dirichlet), to curvature tolerance `tol`.
fn flatten(mesh: TriMesh, method: Method, tol: f64) -> DiscreteRicci {
    let n = mesh.vertices();
    let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, n);
    DiscreteRicci::new(mesh, vec![0.0; n], boundary, method, tol).unwrap()
}

/// A bumpy, non-round sphere (icosphere with radial noise) for the closed-surface checks.
fn lumpy_sphere() -> TriMesh {
    let mut m = icosphere(2, 1.0);
    for p in &mut m.positions {
        let s = 1.0 + 0.2 * (3.0 * p[0]).sin() * (2.0 * p[1] + 1.0).cos();
        *p = p.map(|c| c * s);
    }
    m
}

#[test]
fn energy_gradient_is_the_curvature_error_and_the_hessian_the_cotan_laplacian() {
    let mesh = lumpy_sphere();
    let n = mesh.vertices();
    // Targets: the round sphere's uniform curvature 4π/n at every vertex.
    let flow = DiscreteRicci::new(
        mesh,
        vec![4.0 * PI / n as f64; n],
        vec![false; n],
        Method::Newton,
        1e-10,
    )
    .unwrap();
    let u: Vec<f64> = (0..n).map(|i| 0.05 * (i as f64).sin()).collect();
    let l = flow.lengths(&u).unwrap();
    let k = flow.curvature_of(&l);
    let h = flow.hessian(&l);
    // Σ K = 2πχ = 4π for any metric.
    assert!((k.iter().sum::<f64>() - 4.0 * PI).abs() < 1e-12);
    let eps = 1e-6;
    for i in [0, 7, 41] {
        let mut up = u.clone();
        let mut dn = u.clone();
        up[i] += eps;
        dn[i] -= eps;
        let grad = (flow.energy_of(&up) - flow.energy_of(&dn)) / (2.0 * eps);
        assert!(
            (grad - (k[i] - 4.0 * PI / n as f64)).abs() < 1e-7,
            "dE/du_{i}: {grad} vs {}",
            k[i] - 4.0 * PI / n as f64
        );
        // Column i of the Hessian: dK/du_i by central differences.
        let kp = flow.curvature_of(&flow.lengths(&up).unwrap());
        let km = flow.curvature_of(&flow.lengths(&dn).unwrap());
        let mut col = vec![0.0; n];
        for (&(a, b), v) in flow.hessian_pairs().iter().zip(&h) {
            if b == i {
                col[a] += v;
            }
            if a == i && a != b {
                col[b] += v;
            }
        }
        for j in 0..n {
            let fd = (kp[j] - km[j]) / (2.0 * eps);
            assert!(
                (fd - col[j]).abs() < 1e-6,
                "H[{j}][{i}] = {} vs {fd}",
                col[j]
            );
        }
    }
    // Symmetric (by construction) and positive semi-definite with the constants as kernel: the
    // quadratic form vanishes on constants and is positive on a non-constant vector.
    let form = |x: &[f64]| -> f64 {
        flow.hessian_pairs()
            .iter()
            .zip(&h)
            .map(|(&(a, b), v)| {
                if a == b {
                    v * x[a] * x[a]
                } else {
                    2.0 * v * x[a] * x[b]
                }
            })
            .sum()
    };
    assert!(form(&vec![1.0; n]).abs() < 1e-12);
    assert!(form(&u) > 0.0);
}

#[test]
fn newton_flattens_a_hemisphere_quadratically_and_the_flow_reaches_the_same_metric() {
    // Tolerance 1e-12: two metrics within it of the unique fixed point differ by up to
    // ‖L⁻¹‖ · 2e-12 in u (λ_min(L) = O(h²)), well below the 1e-9 asserted at the end.
    let mut flow = flatten(hemisphere(3, 1.0), Method::ExactNewton, 1e-12);
    let n = flow.mesh().vertices();
    let mut s = MetricState::new(vec![0.0; n]);
    let mut errors = vec![];
    let mut energies = vec![flow.energy(&s)];
    while !flow.converged(&s) {
        let l = flow.lengths(s.u()).unwrap();
        let k = flow.curvature_of(&l);
        assert!(
            (k.iter().sum::<f64>() - 2.0 * PI).abs() < 1e-12,
            "Gauss–Bonnet, χ = 1"
        );
        errors.push(flow.curvature_error(&k));
        s = flow.step(&s, 0.0, 1.0).unwrap();
        energies.push(flow.energy(&s));
        assert!(errors.len() < 10, "no convergence: {errors:?}");
    }
    errors.push(flow.curvature_error(&flow.curvature_of(&flow.lengths(s.u()).unwrap())));
    eprintln!("Newton curvature errors {errors:?}");
    assert!(errors.len() <= 7, "{} iterations", errors.len() - 1);
    assert!(*errors.last().unwrap() < 1e-12);
    // Quadratic: once in the basin, each error is below a constant times the previous squared
    // (until rounding, ~1e-14, is reached).
    for w in errors.windows(2).skip(1) {
        if w[0] < 1e-2 && w[1] > 1e-13 {
            assert!(w[1] < 10.0 * w[0] * w[0], "{errors:?}");
        }
    }
    assert!(
        energies.windows(2).all(|w| w[1] <= w[0] + 1e-12),
        "{energies:?}"
    );

    // The implicit flow (dt = 20; its slowest mode decays like e^{−λ_min t}, λ_min of L being
    // O(h²)) ends at the same metric.
    let mut f2 = flatten(hemisphere(3, 1.0), Method::Flow, 1e-12);
    let mut s2 = MetricState::new(vec![0.0; n]);
    let mut steps = 0;
    while !f2.converged(&s2) {
        s2 = f2.step(&s2, 0.0, 20.0).unwrap();
        steps += 1;
        assert!(steps < 500);
    }
    let diff = s
        .u()
        .iter()
        .zip(s2.u())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!("flow: {steps} steps, max |u_flow − u_newton| = {diff:e}");
    assert!(diff < 1e-9);
}

#[test]
fn newton_reusing_its_factorization_reaches_the_exact_newton_metric_with_decreasing_energy() {
    // The default Newton keeps the Hessian factorization while the error drops tenfold per step;
    // it must land on the same fixed point as exact Newton, in about as many iterations.
    let mut counts = vec![];
    let mut metrics = vec![];
    for method in [Method::ExactNewton, Method::Newton] {
        let mut flow = flatten(hemisphere(4, 1.0), method, 1e-12);
        let (s, _, errors) = newton_with_decreasing_energy(&mut flow, 12);
        eprintln!("{method:?}: curvature errors {errors:?}");
        counts.push(errors.len());
        metrics.push(s.into_u());
    }
    let diff = metrics[0]
        .iter()
        .zip(&metrics[1])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "iterations exact {} / reusing {}, max |Δu| = {diff:e}",
        counts[0], counts[1]
    );
    assert!(diff < 1e-9, "{diff}");
    assert!(counts[1] <= counts[0] + 2, "{counts:?}");
}

/// Newton steps from u = 0 to the tolerance (at most `max`), asserting that the energy never
/// increases: the final state, its energy, and the curvature error after each step.
fn newton_with_decreasing_energy(
    flow: &mut DiscreteRicci,
    max: usize,
) -> (MetricState, f64, Vec<f64>) {
    let mut s = MetricState::new(vec![0.0; flow.mesh().vertices()]);
    let mut energy = flow.energy(&s);
    let mut errors = vec![];
    while !flow.converged(&s) {
        s = flow.step(&s, 0.0, 1.0).unwrap();
        let e = flow.energy(&s);
        assert!(e <= energy + 1e-12 * energy.abs(), "{energy} -> {e}");
        energy = e;
        errors.push(flow.curvature_error(&flow.metric(s.u()).unwrap().k));
        assert!(errors.len() < max, "{errors:?}");
    }
    (s, energy, errors)
}

/// Newton to convergence from u = 0.
fn solve(flow: &mut DiscreteRicci) -> MetricState {
    let mut s = MetricState::new(vec![0.0; flow.mesh().vertices()]);
    for _ in 0..20 {
        if flow.converged(&s) {
            return s;
        }
        s = flow.step(&s, 0.0, 1.0).unwrap();
    }
    panic!("Newton did not converge in 20 iterations");
}

#[test]
fn a_flattened_hemisphere_lays_out_flat_unflipped_and_independent_of_orientation_and_order() {
    let mesh = hemisphere(3, 1.0);
    // Solved to 1e-13: the unfolding accumulates the remaining angle-sum errors along its
    // breadth-first paths.
    let mut flow = flatten(mesh.clone(), Method::Newton, 1e-13);
    let s = solve(&mut flow);
    let lengths = flow.lengths(s.u()).unwrap();
    let uv = flow.layout(&lengths);
    let flat = TriMesh::new(uv.clone(), mesh.faces.clone());
    // The layout realizes the metric: its edge lengths are the metric's, its interior angle
    // sums are 2π, and no triangle is flipped.
    let realized = geoflow::geometry::face_edge_lengths(&flat);
    let worst = realized
        .iter()
        .zip(&lengths)
        .flat_map(|(a, b)| (0..3).map(move |k| (a[k] - b[k]).abs() / b[k]))
        .fold(0.0, f64::max);
    assert!(worst < 1e-10, "layout lengths off by {worst:e}");
    let defects = geoflow::geometry::vertex_angle_defects(&flat);
    let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, mesh.vertices());
    for (i, d) in defects.iter().enumerate() {
        if !boundary[i] {
            assert!(d.abs() < 1e-9, "interior angle sum at {i} off by {d:e}");
        }
    }
    for f in &mesh.faces {
        let [a, b, c] = f.map(|i| uv[i]);
        let signed = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
        assert!(signed > 0.0, "flipped triangle {f:?}");
    }

    // Reversing every face, or renumbering the vertices, gives the same metric.
    let reversed = TriMesh::new(
        mesh.positions.clone(),
        mesh.faces.iter().map(|f| [f[0], f[2], f[1]]).collect(),
    );
    let s_rev = solve(&mut flatten(reversed, Method::Newton, 1e-10));
    let n = mesh.vertices();
    let perm: Vec<usize> = (0..n).map(|i| (i * 37 + 11) % n).collect(); // old -> new
    assert!(
        !n.is_multiple_of(37),
        "37 is prime: a bijection needs n coprime to it"
    );
    let mut positions = vec![[0.0; 3]; n];
    for (old, &new) in perm.iter().enumerate() {
        positions[new] = mesh.positions[old];
    }
    let renumbered = TriMesh::new(
        positions,
        mesh.faces.iter().map(|f| f.map(|i| perm[i])).collect(),
    );
    let s_perm = solve(&mut flatten(renumbered, Method::Newton, 1e-10));
    for (i, &new) in perm.iter().enumerate() {
        assert!(
            (s_rev.u()[i] - s.u()[i]).abs() < 1e-8,
            "reversed: vertex {i}"
        );
        assert!(
            (s_perm.u()[new] - s.u()[i]).abs() < 1e-8,
            "renumbered: vertex {i}"
        );
    }
}

#[test]
fn the_angle_distortion_of_a_discrete_conformal_flattening_shrinks_under_refinement() {
    let mut max = Vec::new();
    for level in [2, 3, 4] {
        let mut flow = flatten(hemisphere(level, 1.0), Method::Newton, 1e-10);
        let s = solve(&mut flow);
        let (angle, area) = flow.distortion(&flow.lengths(s.u()).unwrap());
        let m = angle.iter().cloned().fold(0.0, f64::max);
        let mean = angle.iter().sum::<f64>() / angle.len() as f64;
        let area_max = area.iter().map(|a| a.abs()).fold(0.0, f64::max);
        eprintln!("level {level}: angle distortion max {m:.3e} mean {mean:.3e}, |log area ratio| max {area_max:.3}");
        max.push(m);
    }
    assert!(max.windows(2).all(|w| w[1] < w[0]), "{max:?}");
}

#[test]
fn a_broken_triangle_inequality_is_reported_with_the_triangle_not_as_nan() {
    let mut flow = flatten(hemisphere(2, 1.0), Method::Flow, 1e-10);
    let n = flow.mesh().vertices();
    // Shrink one interior vertex's scale: its two short edges no longer reach across the third.
    let boundary = geoflow::geometry::vertex_boundary_mask(&flow.mesh().faces, n);
    let v = (0..n).find(|&i| !boundary[i]).unwrap();
    let mut u = vec![0.0; n];
    u[v] = -8.0;
    let bad = flow
        .lengths(&u)
        .expect_err("a triangle inequality must fail");
    assert!(flow.mesh().faces[bad.face].contains(&v));
    assert_eq!(flow.energy_of(&u), f64::INFINITY);
    let err = flow
        .step(&MetricState::new(u), 0.0, 0.1)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains(&format!("triangle {}", bad.face)) && err.contains("triangle inequality"),
        "{err}"
    );
}

#[test]
fn scenario_runs_stop_on_the_curvature_tolerance_and_keep_gauss_bonnet() {
    use geoflow::scenario::Scenario;
    use geoflow::time::Stop;
    let cases: [&[&str]; 3] = [
        &[],
        &["discrete_ricci.boundary=circle"],
        // A sphere with eight 270° cones (a cube's corners): Σ K̂ = 8 π/2 = 4π.
        &[
            "mesh.generate=icosphere",
            "mesh.level=3",
            "discrete_ricci.cones=[[0, 270.0], [1, 270.0], [2, 270.0], [3, 270.0], [4, 270.0], [5, 270.0], [6, 270.0], [7, 270.0]]",
        ],
    ];
    for set in cases {
        let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
        let s = Scenario::load(Some("flatten-hemisphere"), &set).unwrap();
        let mut rec = crate::Record::default();
        let fin = geoflow::run::simulate(&s, &mut [&mut rec]).unwrap();
        assert_eq!(fin.stop, Stop::SteadyState, "{set:?}");
        let get = |r: &geoflow::time::StepRecord, k: &str| {
            r.diagnostics.iter().find(|d| d.0 == k).unwrap().1
        };
        assert!(get(&fin.last, "curvature_error") < 1e-10, "{set:?}");
        assert!(
            fin.last.step <= 6,
            "{set:?}: {} Newton iterations",
            fin.last.step
        );
        eprintln!("{set:?}: {} Newton iterations", fin.last.step);
        for r in &rec.0 {
            assert!(get(r, "gauss_bonnet_defect").abs() < 1e-10);
        }
        assert!(rec.0.windows(2).all(|w| w[1].energy <= w[0].energy + 1e-9));
    }
    // A rectangle's corners on the scenario's mesh, a quarter of the boundary apart; and the
    // free boundary (angles not prescribed, u kept at its initial 0 there) ends where the
    // default Dirichlet run does.
    let s = Scenario::load(Some("flatten-hemisphere"), &[]).unwrap();
    let mesh = geoflow::run::scenario_mesh(&s, &mut |_| {}).unwrap();
    let edges = geoflow::mesh::topology::edges(&mesh).unwrap();
    let ring = geoflow::mesh::topology::boundary_loops(&mesh, &edges).remove(0);
    let nb = ring.len();
    let corners = format!(
        "discrete_ricci.corners=[[{}, 90.0], [{}, 90.0], [{}, 90.0], [{}, 90.0]]",
        ring[0],
        ring[nb / 4],
        ring[nb / 2],
        ring[3 * nb / 4]
    );
    let mut finals = vec![];
    for set in [
        vec![
            "discrete_ricci.boundary=polygon".to_string(),
            corners.clone(),
        ],
        vec!["discrete_ricci.boundary=free".to_string()],
        vec![],
    ] {
        let s = Scenario::load(Some("flatten-hemisphere"), &set).unwrap();
        let mut rec = crate::Record::default();
        let fin = geoflow::run::simulate(&s, &mut [&mut rec]).unwrap();
        assert_eq!(fin.stop, Stop::SteadyState, "{set:?}");
        let err = fin
            .last
            .diagnostics
            .iter()
            .find(|d| d.0 == "curvature_error");
        assert!(err.unwrap().1 < 1e-10, "{set:?}");
        finals.push(fin.last.energy);
    }
    assert!(
        (finals[1] - finals[2]).abs() < 1e-12 * finals[2].abs(),
        "{finals:?}"
    );
    // Corners off the boundary, corners without a polygon, and a polygon whose corners do not
    // turn by 2π are refused with the reason.
    let interior = (0..mesh.vertices()).find(|v| !ring.contains(v)).unwrap();
    for (set, expect) in [
        (
            vec![
                "discrete_ricci.boundary=polygon".to_string(),
                format!("discrete_ricci.corners=[[{interior}, 90.0]]"),
            ],
            format!("vertex {interior} is not a boundary vertex"),
        ),
        (
            vec![corners.clone()],
            "corners apply to boundary = \"polygon\" only".to_string(),
        ),
        (
            vec![
                "discrete_ricci.boundary=polygon".to_string(),
                corners.replace("90.0", "100.0"),
            ],
            "Gauss–Bonnet needs 2πχ".to_string(),
        ),
    ] {
        let err = Scenario::load(Some("flatten-hemisphere"), &set)
            .map_err(|e| e.to_string())
            .and_then(|s| {
                geoflow::run::simulate(&s, &mut [])
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .unwrap_err();
        assert!(err.contains(&expect), "{set:?}: {err}");
    }
    // Cone angles that contradict Gauss–Bonnet are refused up front.
    let set = vec![
        "mesh.generate=icosphere".to_string(),
        "discrete_ricci.cones=[[0, 90.0]]".to_string(),
    ];
    let s = Scenario::load(Some("flatten-hemisphere"), &set).unwrap();
    let err = geoflow::run::simulate(&s, &mut [])
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("Gauss–Bonnet needs 2πχ = 12.566370614359 (χ = 2)"),
        "{err}"
    );
}

#[test]
fn a_torus_of_revolution_flattens_to_its_rectangular_lattice_at_second_order() {
    // The torus (R, r) = (2, 1) is conformal to the flat torus with τ = i sqrt(R² − r²)/r = i√3.
    use geoflow::mesh::shapes::torus;
    let exact = 3f64.sqrt();
    let mut errors = Vec::new();
    for (n_major, n_minor) in [(24, 12), (48, 24), (96, 48)] {
        let mesh = torus(n_major, n_minor, 2.0, 1.0);
        let n = mesh.vertices();
        let mut flow =
            DiscreteRicci::new(mesh, vec![0.0; n], vec![false; n], Method::Newton, 1e-10).unwrap();
        let s = solve(&mut flow);
        let lengths = flow.lengths(s.u()).unwrap();
        let CornerLayout {
            corners,
            translations,
        } = flow.corner_layout(&lengths);
        // Every triangle of the periodic layout is laid out with its lengths, unflipped.
        for (c, l) in corners.iter().zip(&lengths) {
            let signed = (c[1][0] - c[0][0]) * (c[2][1] - c[0][1])
                - (c[2][0] - c[0][0]) * (c[1][1] - c[0][1]);
            assert!(signed > 0.0);
            let d = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
            assert!((d(c[1], c[2]) - l[0]).abs() < 1e-8 * l[0]);
        }
        let [re, im] = torus_modulus(&translations).expect("a lattice");
        eprintln!("{n_major}x{n_minor}: tau = {re:.6} + {im:.6}i");
        assert!(re.abs() < 1e-8, "a rectangular lattice: Re tau = {re}");
        errors.push((im - exact).abs());
    }
    let order: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    eprintln!("|tau - i sqrt 3| = {errors:?}, EOC {order:?}");
    assert!(order.iter().all(|&r| r > 1.9 && r < 2.2), "{order:?}");
}

/// `log` of the length cross ratio `ℓ_ik ℓ_jl / (ℓ_kj ℓ_li)` of every edge `ij` (faces `ijk`,
/// `jil`): invariant under vertex scaling, so equal for discretely conformal metrics.
fn log_cross_ratios(faces: &[[usize; 3]], p: &[[f64; 3]]) -> Vec<f64> {
    let d = |a: usize, b: usize| {
        let v = [p[a][0] - p[b][0], p[a][1] - p[b][1], p[a][2] - p[b][2]];
        (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().ln()
    };
    let mut opposite = std::collections::BTreeMap::new();
    for f in faces {
        for k in 0..3 {
            opposite.insert((f[(k + 1) % 3], f[(k + 2) % 3]), f[k]);
        }
    }
    let mut out = Vec::new();
    for (&(i, j), &k) in &opposite {
        if i < j {
            let l = opposite[&(j, i)];
            out.push(d(i, k) + d(j, l) - d(k, j) - d(l, i));
        }
    }
    out
}

#[test]
fn closed_genus_zero_meshes_map_to_the_sphere_bijectively_and_discretely_conformally() {
    use geoflow::flows::discrete_ricci::map_to_sphere;
    for (name, mesh) in [
        ("icosphere", icosphere(3, 1.0)),
        ("lumpy sphere", lumpy_sphere()),
        (
            "meshes/bumpy_sphere.ply (not Delaunay)",
            geoflow::io::mesh::read_mesh(std::path::Path::new("meshes/bumpy_sphere.ply"))
                .unwrap()
                .0,
        ),
    ] {
        let (p, iterations) = map_to_sphere(&mesh, 1e-12).unwrap();
        eprintln!("{name}: {iterations} Newton iterations");
        assert!(p
            .iter()
            .all(|q| ((q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt() - 1.0).abs() < 1e-12));
        // Bijective: every image triangle positively oriented, and they cover the sphere once.
        let mut solid = 0.0;
        for f in &mesh.faces {
            let [a, b, c] = f.map(|i| p[i]);
            let det = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
                + a[2] * (b[0] * c[1] - b[1] * c[0]);
            assert!(det > 0.0, "{name}: flipped triangle {f:?}");
            let den = 1.0
                + (a[0] * b[0] + a[1] * b[1] + a[2] * b[2])
                + (b[0] * c[0] + b[1] * c[1] + b[2] * c[2])
                + (c[0] * a[0] + c[1] * a[1] + c[2] * a[2]);
            solid += 2.0 * det.atan2(den);
        }
        assert!((solid - 4.0 * PI).abs() < 1e-9, "{name}: covers {solid}");
        // Discretely conformal to the input: the same length cross ratios on every edge.
        let before = log_cross_ratios(&mesh.faces, &mesh.positions);
        let after = log_cross_ratios(&mesh.faces, &p);
        let worst = before
            .iter()
            .zip(&after)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        eprintln!("{name}: max |Δ log lcr| = {worst:e}");
        assert!(worst < 1e-8, "{name}: {worst:e}");
    }
}

#[test]
fn four_right_corners_flatten_a_hemisphere_to_a_square() {
    // Boundary angle sums prescribed: straight (π) but at four corners a quarter of the way
    // round the equator from each other (π/2). The layout has straight sides and right corners
    // to the curvature tolerance, and, as the mesh has the 4-fold symmetry of the hemisphere,
    // it is a square.
    for level in [3, 4, 5] {
        let mesh = hemisphere(level, 1.0);
        let n = mesh.vertices();
        let edges = geoflow::mesh::topology::edges(&mesh).unwrap();
        let ring = geoflow::mesh::topology::boundary_loops(&mesh, &edges).remove(0);
        let nb = ring.len();
        assert_eq!(nb % 4, 0);
        let corners: Vec<usize> = (0..4).map(|j| ring[j * nb / 4]).collect();
        let mut target = vec![0.0; n];
        for &c in &corners {
            target[c] = PI / 2.0;
        }
        let mut flow =
            DiscreteRicci::new(mesh, target, vec![false; n], Method::Newton, 1e-11).unwrap();
        let s = solve(&mut flow);
        let lengths = flow.lengths(s.u()).unwrap();
        let k = flow.curvature_of(&lengths);
        for (j, &c) in corners.iter().enumerate() {
            assert!((k[c] - PI / 2.0).abs() < 1e-11, "corner {j}: K = {}", k[c]);
        }
        let uv = flow.layout(&lengths);
        let mut sides = vec![];
        for j in 0..4 {
            let side: Vec<[f64; 3]> = (j * nb / 4..=(j + 1) * nb / 4)
                .map(|i| uv[ring[i % nb]])
                .collect();
            let (a, b) = (side[0], side[side.len() - 1]);
            let d = [b[0] - a[0], b[1] - a[1]];
            let len = d[0].hypot(d[1]);
            let off = side
                .iter()
                .map(|p| ((p[0] - a[0]) * d[1] - (p[1] - a[1]) * d[0]).abs() / len)
                .fold(0.0, f64::max);
            assert!(
                off < 1e-9 * len,
                "level {level} side {j}: {off:e} off the line"
            );
            sides.push(len);
        }
        let aspect = (sides[0] + sides[2]) / (sides[1] + sides[3]);
        eprintln!("level {level}: sides {sides:?}, aspect {aspect}");
        assert!(
            (sides[0] - sides[2]).abs() < 1e-9 * sides[0],
            "opposite sides"
        );
        assert!(
            (sides[1] - sides[3]).abs() < 1e-9 * sides[1],
            "opposite sides"
        );
        assert!(
            (aspect - 1.0).abs() < 1e-9,
            "level {level}: aspect {aspect}"
        );
    }
}

/// Interior edges of `faces` whose two opposite angles (from `lengths`) sum to more than π.
fn non_delaunay_edges(positions: &[[f64; 3]], faces: &[[usize; 3]], lengths: &[[f64; 3]]) -> usize {
    let mesh = TriMesh::new(positions.to_vec(), faces.to_vec());
    let edges = geoflow::mesh::topology::edges(&mesh).unwrap();
    let angles = geoflow::geometry::corner_angles_from_lengths(lengths);
    let opposite = |f: usize, e: usize| {
        let k = (0..3).find(|&k| edges.face_edges[f][k] == e).unwrap();
        angles[f][k]
    };
    (0..edges.len())
        .filter(|&e| {
            let [f, g] = edges.faces[e];
            !edges.is_boundary(e) && opposite(f, e) + opposite(g, e) > PI + 1e-9
        })
        .count()
}

#[test]
fn delaunay_flips_reach_the_lower_energy_delaunay_metric_with_the_right_gradient() {
    // A 1000° cone at the pole of a flattened hemisphere: the classical metric (fixed
    // combinatorics) converges but is not Delaunay; with Ptolemy flips Newton converges to the
    // metric on the Delaunay triangulation, which has lower energy (Gillespie, Springborn,
    // Crane 2021), energy decreasing all the way.
    let mut energies = vec![];
    for flips in [false, true] {
        let mesh = hemisphere(4, 1.0);
        let n = mesh.vertices();
        let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, n);
        let mut target = vec![0.0; n];
        target[0] = 2.0 * PI - 1000f64.to_radians();
        let mut flow =
            DiscreteRicci::new(mesh, target.clone(), boundary, Method::Newton, 1e-11).unwrap();
        if flips {
            flow = flow.with_flips().unwrap();
        }
        let (s, energy, errors) = newton_with_decreasing_energy(&mut flow, 30);
        let steps = errors.len();
        let geoflow::flows::discrete_ricci::Metric { faces, lengths, k } =
            flow.metric(s.u()).unwrap();
        let changed = faces
            .iter()
            .zip(&flow.mesh().faces)
            .filter(|(a, b)| a != b)
            .count();
        let bad = non_delaunay_edges(&flow.mesh().positions, &faces, &lengths);
        eprintln!("flips {flips}: {steps} Newton steps, energy {energy:.10}, {changed} faces changed, {bad} edges not Delaunay");
        assert!(
            (k.iter().sum::<f64>() - 2.0 * PI).abs() < 1e-10,
            "Gauss–Bonnet"
        );
        if flips {
            assert!(changed > 0);
            assert_eq!(bad, 0);
            // ∂E/∂u_i = K_i − K̂_i on the flipped triangulation, by central differences at a
            // point off the fixed point.
            let u: Vec<f64> = s
                .u()
                .iter()
                .enumerate()
                .map(|(i, &x)| x + 0.05 * (i as f64 * 0.7).sin())
                .collect();
            let k = flow.metric(&u).unwrap().k;
            for i in [0, 1, 5, 40] {
                let h = 1e-6;
                let (mut up, mut dn) = (u.clone(), u.clone());
                up[i] += h;
                dn[i] -= h;
                let fd = (flow.energy_of(&up) - flow.energy_of(&dn)) / (2.0 * h);
                assert!(
                    (fd - (k[i] - target[i])).abs() < 1e-5 * (1.0 + fd.abs()),
                    "vertex {i}: {fd} vs {}",
                    k[i] - target[i]
                );
            }
        } else {
            assert!(bad > 0);
        }
        energies.push(energy);
    }
    assert!(energies[1] < energies[0], "{energies:?}");
}

/// Whether a face has two corners at one vertex (a self-loop or a fold of the Δ-complex).
fn has_repeated_corner(faces: &[[usize; 3]]) -> bool {
    faces
        .iter()
        .any(|f| f[0] == f[1] || f[1] == f[2] || f[2] == f[0])
}

#[test]
fn a_vertex_shrunk_far_below_its_neighbours_gets_a_self_loop_and_a_metric() {
    // Shrinking one vertex by e^-6 against its neighbours: its Delaunay triangulation encloses
    // it in an edge from a vertex to itself (refused before Δ-complexes); now the metric exists,
    // every triangle is Euclidean and Gauss–Bonnet holds.
    let mesh = hemisphere(4, 1.0);
    let n = mesh.vertices();
    let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, n);
    let flow = DiscreteRicci::new(mesh, vec![0.0; n], boundary, Method::Newton, 1e-10)
        .unwrap()
        .with_flips()
        .unwrap();
    let mut u = vec![0.0; n];
    u[0] = -6.0;
    assert!(flow.lengths(&u).is_err(), "the mesh's own triangles break");
    let geoflow::flows::discrete_ricci::Metric { faces, lengths, k } = flow.metric(&u).unwrap();
    assert!(has_repeated_corner(&faces), "no self-loop");
    for l in &lengths {
        assert!(l[0] < l[1] + l[2] && l[1] < l[2] + l[0] && l[2] < l[0] + l[1]);
    }
    assert!((k.iter().sum::<f64>() - 2.0 * PI).abs() < 1e-10);
    assert!(flow.energy_of(&u).is_finite());
    // The map back onto the input exists and is bijective.
    let map = flow.input_map(&u).unwrap();
    assert_eq!(map.bad, 0);
}

#[test]
fn newton_from_a_vertex_shrunk_far_below_its_neighbours_converges_through_self_loops() {
    // Flattening a hemisphere (u = 0 on the boundary) from a state whose interior vertex has
    // u = −6 (e^-3 of its neighbours' lengths): the classical scheme has no metric there at all
    // (refused before Δ-complexes even with flips); with Delaunay flips on the Δ-complex the
    // first metric has a self-loop about the vertex and Newton converges to the flat metric,
    // whose map back onto the input is bijective.
    let mesh = hemisphere(3, 1.0);
    let n = mesh.vertices();
    let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, n);
    let v = (0..n).find(|&i| !boundary[i]).unwrap();
    let mut u0 = vec![0.0; n];
    u0[v] = -6.0;
    let classical = DiscreteRicci::new(
        mesh.clone(),
        vec![0.0; n],
        boundary.clone(),
        Method::Newton,
        1e-10,
    )
    .unwrap();
    assert!(classical.check_metric(&u0).is_err());
    let mut flow = classical.with_flips().unwrap();
    assert!(has_repeated_corner(&flow.metric(&u0).unwrap().faces));
    let mut s = MetricState::new(u0);
    let mut energy = flow.energy(&s);
    let mut errors = vec![];
    while !flow.converged(&s) && errors.len() < 30 {
        s = flow.step(&s, 0.0, 1.0).unwrap();
        let e = flow.energy(&s);
        assert!(e <= energy + 1e-12 * energy.abs(), "{energy} -> {e}");
        energy = e;
        errors.push(flow.curvature_error(&flow.metric(s.u()).unwrap().k));
    }
    assert!(flow.converged(&s), "{:?}", flow.report(&s));
    eprintln!(
        "from u = -6: {} Newton steps, errors {errors:?}",
        errors.len()
    );
    assert!(errors.len() <= 15, "{} Newton steps", errors.len());
    let map = flow.input_map(s.u()).unwrap();
    assert_eq!(map.bad, 0);
    // The same metric as from u = 0.
    let mut from_zero = flatten(mesh, Method::Newton, 1e-10).with_flips().unwrap();
    let z = solve(&mut from_zero);
    let diff = s
        .u()
        .iter()
        .zip(z.u())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(diff < 1e-8, "{diff:e}");
}

#[test]
fn a_state_carries_its_evaluation_only_into_the_flow_that_made_it() {
    let mesh = hemisphere(3, 1.0);
    let n = mesh.vertices();
    let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, n);
    let mut a = flatten(mesh.clone(), Method::Newton, 1e-10);
    // The same mesh with a cone at the pole: another energy of the same u.
    let mut target = vec![0.0; n];
    target[0] = 1.0;
    let b = DiscreteRicci::new(mesh, target, boundary, Method::Newton, 1e-10).unwrap();
    let s0 = MetricState::new(vec![0.0; n]);
    let s1 = a.step(&s0, 0.0, 1.0).unwrap();
    assert_eq!(a.energy(&s1), a.energy_of(s1.u()));
    assert_eq!(b.energy(&s1), b.energy_of(s1.u()));
    assert_ne!(a.energy(&s1), b.energy(&s1));
    assert_eq!(
        b.diagnostics(&s1, 0.0),
        b.diagnostics(&MetricState::new(s1.u().to_vec()), 0.0)
    );
    // A step from an earlier state (not the last iterate) starts afresh: the same first step.
    let again = a.step(&s0, 0.0, 1.0).unwrap();
    assert_eq!(s1.u(), again.u());
    // A copy of the last iterate continues from it like the original.
    let s2 = a.step(&again.clone(), 1.0, 1.0).unwrap();
    let mut c = flatten(hemisphere(3, 1.0), Method::Newton, 1e-10);
    let c1 = c.step(&s0, 0.0, 1.0).unwrap();
    assert_eq!(c.step(&c1, 1.0, 1.0).unwrap().u(), s2.u());
}

/// The sphere map of a closed genus-0 mesh, with flips, per input vertex (the map's images of
/// the points with a vertex id), and its Newton steps.
fn sphere_map_with_flips(mesh: TriMesh) -> (Vec<[f64; 3]>, usize) {
    let (flow, mut s) = DiscreteRicci::punctured_sphere(mesh, Method::Newton, 1e-11).unwrap();
    let mut flow = flow.with_flips().unwrap();
    let mut steps = 0;
    while !flow.converged(&s) {
        s = flow.step(&s, 0.0, 1.0).unwrap();
        steps += 1;
        assert!(steps < 40, "{:?}", flow.report(&s));
    }
    let map = flow.input_map(s.u()).unwrap();
    assert_eq!(map.bad, 0, "the sphere map folds");
    let mut p = vec![[f64::NAN; 3]; flow.mesh().vertices()];
    for (q, &v) in map.image.iter().zip(&map.vertex_id) {
        if v >= 0.0 {
            p[v as usize] = *q;
        }
    }
    (p, steps)
}

/// The complex cross-ratio `(a−c)(b−d) / ((a−d)(b−c))` of four points of the unit sphere, taken
/// in the plane by stereographic projection (invariant under Möbius transformations).
fn cross_ratio(p: [[f64; 3]; 4]) -> [f64; 2] {
    let z = p.map(|q| [q[0] / (1.0 - q[2]), q[1] / (1.0 - q[2])]);
    let sub = |a: [f64; 2], b: [f64; 2]| [a[0] - b[0], a[1] - b[1]];
    let mul = |a: [f64; 2], b: [f64; 2]| [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
    let num = mul(sub(z[0], z[2]), sub(z[1], z[3]));
    let den = mul(sub(z[0], z[3]), sub(z[1], z[2]));
    let d2 = den[0] * den[0] + den[1] * den[1];
    [
        (num[0] * den[0] + num[1] * den[1]) / d2,
        (num[1] * den[0] - num[0] * den[1]) / d2,
    ]
}

#[test]
fn the_sphere_map_does_not_depend_on_the_vertex_order() {
    // The bumpy sphere under three renumberings: the puncture is chosen from the geometry, so
    // the maps agree up to a Möbius transformation: the same cross-ratios of any four vertices.
    let mesh = geoflow::io::mesh::read_mesh(std::path::Path::new("meshes/bumpy_sphere.ply"))
        .unwrap()
        .0;
    let n = mesh.vertices();
    let (p0, steps0) = sphere_map_with_flips(mesh.clone());
    let mut seed = 12345u64;
    let mut shuffled: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        shuffled.swap(i, (seed >> 33) as usize % (i + 1));
    }
    let perms: Vec<(&str, Vec<usize>)> = vec![
        ("reversed", (0..n).map(|i| n - 1 - i).collect()),
        ("stride 37", (0..n).map(|i| (i * 37 + 11) % n).collect()),
        ("shuffled", shuffled),
    ];
    assert!(!n.is_multiple_of(37));
    let quads: Vec<[usize; 4]> = (0..50)
        .map(|k| {
            [
                (k * 97) % n,
                (k * 389 + 5) % n,
                (k * 1013 + 17) % n,
                (k * 2027 + 31) % n,
            ]
        })
        .filter(|q| {
            let mut s = q.to_vec();
            s.sort();
            s.dedup();
            s.len() == 4
        })
        .collect();
    for (name, perm) in perms {
        // perm: old -> new.
        let mut positions = vec![[0.0; 3]; n];
        for (old, &new) in perm.iter().enumerate() {
            positions[new] = mesh.positions[old];
        }
        let renumbered = TriMesh::new(
            positions,
            mesh.faces.iter().map(|f| f.map(|i| perm[i])).collect(),
        );
        let (p, steps) = sphere_map_with_flips(renumbered);
        let mut worst = 0.0f64;
        for q in &quads {
            let a = cross_ratio(q.map(|i| p0[i]));
            let b = cross_ratio(q.map(|i| p[perm[i]]));
            let rel = (a[0] - b[0]).hypot(a[1] - b[1]) / a[0].hypot(a[1]);
            worst = worst.max(rel);
        }
        eprintln!("{name}: {steps} Newton steps (original order {steps0}); max relative cross-ratio difference {worst:.2e}");
        assert!(worst < 1e-8, "{name}: cross-ratios differ by {worst:e}");
    }
}

#[test]
fn an_annulus_is_laid_out_cut_open_along_the_shortest_path_between_its_loops() {
    // A catenoid band (two boundary loops) flattened with u = 0 on both loops: the layout is
    // cut open along one seam, the shortest path between the loops, and the map back onto the
    // input is bijective; a band of height h about radius 1 has its seam about h long.
    use geoflow::mesh::shapes::catenoid_band;
    let mesh = catenoid_band(48, 12, 1.0, 1.0);
    let n = mesh.vertices();
    let boundary = geoflow::geometry::vertex_boundary_mask(&mesh.faces, n);
    let mut flow = DiscreteRicci::new(mesh, vec![0.0; n], boundary, Method::Newton, 1e-10)
        .unwrap()
        .with_flips()
        .unwrap();
    let s = solve(&mut flow);
    let seams = flow.seams_of(s.u()).unwrap().expect("an annulus has seams");
    assert_eq!(seams.len(), 1);
    let seam = &seams[0];
    eprintln!(
        "seam: {} edges, length {:.4}, vertices {:?}",
        seam.vertices.len() - 1,
        seam.length,
        seam.vertices
    );
    assert_eq!(seam.loops[1], 0);
    assert!(seam.length > 0.9 && seam.length < 1.6, "{}", seam.length);
    let map = flow.input_map(s.u()).unwrap();
    assert_eq!(map.bad, 0);
    let events = flow.take_events().join("\n");
    assert!(events.contains("seams: loop 1 to loop 0"), "{events}");
    // The frame has the layout series.
    let frame = flow.frame(&s, 0.0);
    assert!(frame.series.iter().any(|(name, _)| *name == "layout"));
}
