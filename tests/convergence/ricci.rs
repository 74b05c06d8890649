use super::graph::{assert_order, run};

#[test]
fn ricci_cigar_soliton_is_second_order() {
    // v = 1/(e^{4t} + |x|²) on [−2, 2]² with Dirichlet data from it; errors in v.
    let levels = run("cigar", 3, &[]);
    assert_order("cigar", &levels);
}

#[test]
fn ricci_round_sphere_follows_the_exact_conformal_factor_at_second_order() {
    // u = ½ ln(1 − 2t) on icospheres of levels 3, 4, 5 with dt ~ h² (on the coarser levels 2–4
    // the max-norm EOC is still 1.82, 1.85: preasymptotic).
    let levels = run("ricci-sphere", 3, &[]);
    assert_order("ricci-sphere", &levels);
}
