#![no_main]
//! The scenario loader on arbitrary TOML text: parsed and checked, never set up or run. A
//! scenario that loads must load again from its resolved `config.toml` text.

use geoflow::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(s) = Scenario::from_toml(text, "fuzz", &[]) {
            let resolved = s.resolved_toml();
            if let Err(e) = Scenario::from_toml(&resolved, "resolved", &[]) {
                panic!("the resolved scenario does not load: {e}\n{resolved}");
            }
        }
    }
});
