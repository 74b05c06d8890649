//! Flow behaviour: energy decay, stop rules, fault detection.

mod flows {
    mod graph_mcf;
    mod surface_mcf;
}
