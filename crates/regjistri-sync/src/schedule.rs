//! When a station's background synchronisation runs next: every `interval`, spread by a
//! random ±20 % so that stations started together (a directorate's morning) do not call the
//! server together; after failed rounds, exponentially later (2, 4, 8, … intervals, capped),
//! so that a server that is down or overloaded is not hammered by every station at once, and
//! back to the interval after the first round that succeeds. Pure: the random draw is
//! passed in, so the schedule is tested without a clock or a generator.

use std::time::Duration;

/// How far a delay is spread around its nominal value: ±20 %.
pub const JITTER: f64 = 0.2;
/// The longest wait after failures, unless the interval itself is longer.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// How the last background round ended, as far as the schedule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundOutcome {
    Succeeded,
    Failed,
    /// Nothing was tried (not enrolled, or a round asked for by hand was already running):
    /// the schedule goes on as it was.
    Skipped,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    interval: Duration,
    max_backoff: Duration,
    /// Failed rounds in a row.
    failures: u32,
}

impl Schedule {
    pub fn new(interval: Duration) -> Schedule {
        Schedule {
            interval,
            max_backoff: MAX_BACKOFF.max(interval),
            failures: 0,
        }
    }

    /// Failed rounds in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The wait before the next round, given how the last one ended; `unit` is a random draw
    /// in [0, 1).
    pub fn next_delay(&mut self, outcome: RoundOutcome, unit: f64) -> Duration {
        match outcome {
            RoundOutcome::Succeeded => self.failures = 0,
            RoundOutcome::Failed => self.failures = self.failures.saturating_add(1),
            RoundOutcome::Skipped => {}
        }
        let nominal = self
            .interval
            .saturating_mul(2u32.saturating_pow(self.failures.min(20)))
            .min(self.max_backoff);
        // Uniform in [1 - JITTER, 1 + JITTER) × nominal.
        let factor = 1.0 - JITTER + 2.0 * JITTER * unit.clamp(0.0, 1.0);
        nominal.mul_f64(factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn delays_follow_outcomes() {
        // (outcome, random draw, expected delay), in sequence on one schedule of 1 minute.
        let steps = [
            (RoundOutcome::Succeeded, 0.5, MINUTE),
            (RoundOutcome::Succeeded, 0.0, MINUTE.mul_f64(0.8)),
            (RoundOutcome::Succeeded, 1.0, MINUTE.mul_f64(1.2)),
            (RoundOutcome::Failed, 0.5, 2 * MINUTE),
            (RoundOutcome::Failed, 0.5, 4 * MINUTE),
            (RoundOutcome::Skipped, 0.5, 4 * MINUTE),
            (RoundOutcome::Failed, 0.5, 8 * MINUTE),
            (RoundOutcome::Failed, 0.5, MAX_BACKOFF),
            (RoundOutcome::Failed, 0.0, MAX_BACKOFF.mul_f64(0.8)),
            (RoundOutcome::Failed, 0.5, MAX_BACKOFF),
            (RoundOutcome::Succeeded, 0.5, MINUTE),
            (RoundOutcome::Skipped, 0.5, MINUTE),
            (RoundOutcome::Failed, 0.5, 2 * MINUTE),
        ];
        let mut s = Schedule::new(MINUTE);
        for (i, (outcome, unit, expected)) in steps.into_iter().enumerate() {
            let d = s.next_delay(outcome, unit);
            assert!(
                (d.as_secs_f64() - expected.as_secs_f64()).abs() < 1e-6,
                "step {i}: {outcome:?} gave {d:?}, not {expected:?}"
            );
        }
    }

    #[test]
    fn the_cap_never_shortens_a_long_interval_and_many_failures_do_not_overflow() {
        let hour = Duration::from_secs(3600);
        let mut s = Schedule::new(hour);
        assert_eq!(s.next_delay(RoundOutcome::Failed, 0.5), hour);
        let mut s = Schedule::new(MINUTE);
        for _ in 0..1000 {
            s.next_delay(RoundOutcome::Failed, 0.5);
        }
        assert_eq!(s.failures(), 1000);
        assert_eq!(s.next_delay(RoundOutcome::Failed, 0.5), MAX_BACKOFF);
    }

    proptest::proptest! {
        #[test]
        fn every_delay_is_within_the_jitter_of_its_nominal_value(
            outcomes in proptest::collection::vec(0u8..3, 1..40),
            units in proptest::collection::vec(0.0f64..1.0, 40),
            seconds in 5u64..7200,
        ) {
            let interval = Duration::from_secs(seconds);
            let mut s = Schedule::new(interval);
            let mut failures = 0u32;
            for (o, unit) in outcomes.iter().zip(&units) {
                let outcome = match o {
                    0 => { failures = 0; RoundOutcome::Succeeded }
                    1 => { failures += 1; RoundOutcome::Failed }
                    _ => RoundOutcome::Skipped,
                };
                let d = s.next_delay(outcome, *unit);
                let nominal = interval
                    .saturating_mul(2u32.saturating_pow(failures))
                    .min(MAX_BACKOFF.max(interval))
                    .as_secs_f64();
                proptest::prop_assert!(d.as_secs_f64() >= nominal * (1.0 - JITTER) - 1e-6);
                proptest::prop_assert!(d.as_secs_f64() <= nominal * (1.0 + JITTER) + 1e-6);
                proptest::prop_assert!(d >= interval.mul_f64(1.0 - JITTER));
            }
        }
    }
}
