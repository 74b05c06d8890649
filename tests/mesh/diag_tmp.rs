use geoflow::mesh::info::mesh_info;
use geoflow::mesh::shapes::*;
#[test]
fn diag() {
    for l in 0..8 {
        let i = mesh_info(&icosphere(l, 1.0));
        eprintln!("ico {l}: {:.2} {:.2}", i.min_angle_deg, i.max_angle_deg);
    }
    for l in 0..8 {
        let t = std::time::Instant::now();
        let _m = icosphere(l, 1.0);
        eprintln!("time ico {l}: {:?}", t.elapsed());
    }
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let _m = icosphere(8, 1.0);
        eprintln!("time ico 8: {:?}", t.elapsed());
    }
    let t = std::time::Instant::now();
    let m = icosphere(8, 1.0);
    let i = mesh_info(&m);
    eprintln!("info8 {:?}\n{i}", t.elapsed());
    eprintln!("{}", mesh_info(&hemisphere(3, 1.0)));
}
