//! Timing helpers shared by the bench binaries.

use std::time::Instant;

/// The numbers given on the command line (`cargo bench --bench NAME -- 6 7 8`), or `default`.
#[allow(dead_code)] // not every bench takes sizes
pub fn sizes_from_args<T: std::str::FromStr + Clone>(default: &[T]) -> Vec<T> {
    let given: Vec<T> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if given.is_empty() {
        default.to_vec()
    } else {
        given
    }
}

/// The named cases given on the command line (`cargo bench --bench NAME -- grid`): whether to
/// run case `c` (all when none is named).
#[allow(dead_code)] // not every bench has named cases
pub fn wanted_cases() -> impl Fn(&str) -> bool {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    move |c: &str| args.is_empty() || args.iter().any(|a| a == c)
}

/// The median of some samples.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The median wall time of `repeats` calls of `f`, in seconds.
pub fn time(repeats: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..repeats)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// Median times, in seconds, of the phases of one implicit step and of the whole step.
#[allow(dead_code)] // not every bench binary times an implicit step
pub struct Phases {
    pub assemble: f64,
    pub factor: f64,
    pub solve: f64,
    pub step: f64,
}

/// Time the phases of a step of `flow` from `s` ([`ImplicitStep`]), each `repeats` times, then
/// whole steps; every flow is driven alike.
#[allow(dead_code)]
pub fn phases<F: geoflow::flows::ImplicitStep>(
    flow: &mut F,
    s: &F::State,
    dt: f64,
    repeats: usize,
) -> Phases {
    Phases {
        assemble: time(repeats, || flow.assemble(s, 0.0, dt)),
        factor: time(repeats, || flow.factorize().unwrap()),
        solve: time(repeats, || flow.solve().unwrap()),
        step: time(repeats, || {
            flow.step(s, 0.0, dt).unwrap();
        }),
    }
}

/// The floor a step is compared with: one numeric factorization and one solve of the plain
/// scalar `M + dt L` of a discretization (boundary nodes eliminated when `dirichlet`), in seconds.
#[allow(dead_code)] // not every bench binary compares against it
pub struct Floor {
    pub unknowns: usize,
    pub symbolic: f64,
    pub factor: f64,
    pub solve: f64,
    pub factor_nnz: usize,
}

#[allow(dead_code)]
pub fn scalar_floor<D: geoflow::discretization::Discretization>(
    domain: &D,
    dirichlet: bool,
    dt: f64,
    repeats: usize,
) -> Floor {
    let n = domain.nodes();
    let fixed: Vec<bool> = domain.boundary().iter().map(|&b| b && dirichlet).collect();
    let pairs = domain.stiffness_pairs();
    let mut k = vec![0.0; pairs.len()];
    domain.stiffness_entries(&vec![1.0; domain.quadrature_weights().len()], &mut k);
    let t = Instant::now();
    let mut system = geoflow::linalg::ImplicitSystem::new(n, &pairs, &fixed).unwrap();
    let symbolic = t.elapsed().as_secs_f64();
    let factor = time(repeats, || {
        system.factor(domain.lumped_mass(), dt, &k).unwrap()
    });
    let (b, g) = (vec![1.0; n], vec![0.0; n]);
    let solve = time(repeats, || {
        system.solve(&b, &g).unwrap();
    });
    Floor {
        unknowns: system.unknowns(),
        symbolic,
        factor,
        solve,
        factor_nnz: system.factor_nnz(),
    }
}
