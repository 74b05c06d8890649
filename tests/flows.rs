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

mod flows {
    mod corpus;
    mod discrete_ricci;
    mod graph_mcf;
    mod harmonic_map;
    mod ricci;
    mod surface_mcf;
}
