//! What the synchronisation benchmarks print: latency percentiles, throughput, and whether an
//! issue-4 target is met and by what margin. Shared by `server/benches/sync.rs` and
//! `crates/regjistri-cli/benches/stations.rs` (by `#[path]`).
#![allow(dead_code)]

use std::time::Duration;

/// Latencies, sorted; percentiles by nearest rank.
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn new(mut v: Vec<Duration>) -> Latencies {
        assert!(!v.is_empty(), "no latencies were measured");
        v.sort();
        Latencies(v)
    }

    /// The smallest latency at or above which lies the fraction `q` of the samples.
    pub fn at(&self, q: f64) -> Duration {
        let rank = (q * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    pub fn median(&self) -> Duration {
        self.at(0.5)
    }

    pub fn p95(&self) -> Duration {
        self.at(0.95)
    }

    pub fn p99(&self) -> Duration {
        self.at(0.99)
    }

    pub fn max(&self) -> Duration {
        self.0[self.0.len() - 1]
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// "n 200: median 74.1 ms, p95 120.3 ms, p99 135.0 ms, max 140.2 ms"
    pub fn line(&self) -> String {
        format!(
            "n {}: median {}, p95 {}, p99 {}, max {}",
            self.len(),
            ms(self.median()),
            ms(self.p95()),
            ms(self.p99()),
            ms(self.max())
        )
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// `count` things in `d`, per second.
pub fn per_second(count: usize, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64()
}

/// A setting from the environment; a value that is not a number is an error, not the default.
pub fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a whole number")),
        Err(_) => default,
    }
}

/// "target: initial sync ≤ 30 s: 2.41 s, met (92 % margin)". A duration at most `limit`.
pub fn at_most(label: &str, measured: Duration, limit: Duration) -> String {
    let margin = 1.0 - measured.as_secs_f64() / limit.as_secs_f64();
    format!(
        "target: {label} ≤ {}: {}, {}",
        if limit < Duration::from_secs(1) {
            ms(limit)
        } else {
            secs(limit)
        },
        if limit < Duration::from_secs(1) {
            ms(measured)
        } else {
            secs(measured)
        },
        verdict(margin >= 0.0, margin)
    )
}

/// "target: pull ≥ 20000 files/s: 20800 files/s, met (4 % margin)". A rate at least `limit`.
pub fn at_least(label: &str, measured: f64, limit: f64, unit: &str) -> String {
    let margin = measured / limit - 1.0;
    format!(
        "target: {label} ≥ {limit:.0} {unit}: {measured:.0} {unit}, {}",
        verdict(margin >= 0.0, margin)
    )
}

fn verdict(met: bool, margin: f64) -> String {
    if met {
        format!("met ({:.0} % margin)", margin * 100.0)
    } else {
        format!("NOT met (missed by {:.0} %)", -margin * 100.0)
    }
}
