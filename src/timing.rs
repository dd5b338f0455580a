//! Wall-clock phases of a build or rebuild, for `-v` and the benchmarks.

use std::time::{Duration, Instant};

/// Laps of named phases since it started.
#[derive(Debug, Clone)]
pub struct Clock {
    pub start: Instant,
    last: Instant,
    pub phases: Vec<(&'static str, Duration)>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    pub fn new() -> Self {
        Self::starting_at(Instant::now())
    }

    pub fn starting_at(start: Instant) -> Self {
        Clock {
            start,
            last: start,
            phases: Vec::new(),
        }
    }

    /// Ends the current phase under `name` and starts the next.
    pub fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.phases.push((name, now - self.last));
        self.last = now;
    }
}

/// `load 12.0 ms, render 40.1 ms`
pub fn describe(phases: &[(&'static str, Duration)]) -> String {
    phases
        .iter()
        .map(|(n, d)| format!("{n} {:.1} ms", d.as_secs_f64() * 1000.0))
        .collect::<Vec<_>>()
        .join(", ")
}
