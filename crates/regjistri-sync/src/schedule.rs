//! When a station's background synchronisation runs next: every `interval`, spread by a
//! random ±20 % so that stations started together (a directorate's morning) do not call the
//! server together; after failed rounds, exponentially later (2, 4, 8, … intervals, never
//! more than 15 minutes with the spread included, unless the interval itself is longer), so
//! that a server that is down or overloaded is not hammered by every station at once, and
//! back to the interval after the first round that succeeds. The interval is held between
//! 5 seconds and a day. Pure and total: the random draw is passed in, so the schedule is
//! tested without a clock or a generator, and no interval or draw makes it panic.

use std::time::Duration;

/// How far a delay is spread around its nominal value: ±20 %.
pub const JITTER: f64 = 0.2;
/// The shortest interval a station may be set to.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);
/// The longest interval a station may be set to: a day.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest wait after failures, the spread included, unless the interval spread is
/// longer.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// The longest nominal wait after failures: spread by up to +20 % (× 6/5) it is
/// [`MAX_BACKOFF`], so the cap holds after the spread and the spread stays uniform.
const MAX_BACKOFF_NOMINAL: Duration = Duration::from_secs(15 * 60 * 5 / 6);

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
    /// Failed rounds in a row.
    failures: u32,
}

impl Schedule {
    /// A schedule of `interval`, held between [`MIN_INTERVAL`] and [`MAX_INTERVAL`].
    pub fn new(interval: Duration) -> Schedule {
        Schedule {
            interval: interval.clamp(MIN_INTERVAL, MAX_INTERVAL),
            failures: 0,
        }
    }

    /// The interval in force (after the bounds).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Failed rounds in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The wait before the next round, given how the last one ended; `unit` is a random draw
    /// in [0, 1) (one outside is taken at its nearest end, one that is no number as 0.5).
    pub fn next_delay(&mut self, outcome: RoundOutcome, unit: f64) -> Duration {
        match outcome {
            RoundOutcome::Succeeded => self.failures = 0,
            RoundOutcome::Failed => self.failures = self.failures.saturating_add(1),
            RoundOutcome::Skipped => {}
        }
        let unit = if unit.is_nan() {
            0.5
        } else {
            unit.clamp(0.0, 1.0)
        };
        // Uniform in [1 - JITTER, 1 + JITTER] × nominal. The interval is at most a day and
        // the nominal wait at most the interval or 12.5 minutes: no product overflows.
        let factor = 1.0 - JITTER + 2.0 * JITTER * unit;
        let longest = self.interval.mul_f64(1.0 + JITTER).max(MAX_BACKOFF);
        let nominal = self
            .interval
            .saturating_mul(2u32.saturating_pow(self.failures.min(20)))
            .min(MAX_BACKOFF_NOMINAL.max(self.interval));
        nominal.mul_f64(factor).min(longest)
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
            // 16 minutes would be next: the nominal wait stops at 12.5, so that with the
            // spread it is 10 to 15 minutes, never more.
            (RoundOutcome::Failed, 0.5, MINUTE.mul_f64(12.5)),
            (RoundOutcome::Failed, 0.0, MINUTE.mul_f64(10.0)),
            (RoundOutcome::Failed, 1.0, MAX_BACKOFF),
            (RoundOutcome::Failed, 0.5, MINUTE.mul_f64(12.5)),
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
        assert_eq!(s.next_delay(RoundOutcome::Failed, 1.0), hour.mul_f64(1.2));
        let mut s = Schedule::new(MINUTE);
        for _ in 0..1000 {
            s.next_delay(RoundOutcome::Failed, 0.5);
        }
        assert_eq!(s.failures(), 1000);
        assert_eq!(s.next_delay(RoundOutcome::Failed, 1.0), MAX_BACKOFF);
    }

    #[test]
    fn the_interval_is_held_between_five_seconds_and_a_day() {
        // (interval asked for, interval in force)
        let cases = [
            (Duration::ZERO, MIN_INTERVAL),
            (Duration::from_secs(4), MIN_INTERVAL),
            (Duration::from_secs(5), MIN_INTERVAL),
            (MINUTE, MINUTE),
            (MAX_INTERVAL, MAX_INTERVAL),
            (MAX_INTERVAL + Duration::from_nanos(1), MAX_INTERVAL),
            (Duration::from_secs(u64::MAX), MAX_INTERVAL),
            (Duration::MAX, MAX_INTERVAL),
        ];
        for (asked, held) in cases {
            let mut s = Schedule::new(asked);
            assert_eq!(s.interval(), held, "{asked:?}");
            assert_eq!(
                s.next_delay(RoundOutcome::Succeeded, 0.5),
                held,
                "{asked:?}"
            );
        }
        // A draw that is no number or out of range does not break the spread.
        let mut s = Schedule::new(MINUTE);
        for (unit, expected) in [
            (f64::NAN, MINUTE),
            (f64::INFINITY, MINUTE.mul_f64(1.2)),
            (f64::NEG_INFINITY, MINUTE.mul_f64(0.8)),
            (-3.0, MINUTE.mul_f64(0.8)),
        ] {
            assert_eq!(
                s.next_delay(RoundOutcome::Succeeded, unit),
                expected,
                "{unit}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn no_interval_and_no_draw_makes_the_schedule_panic_or_wait_past_its_bounds(
            seconds in proptest::num::u64::ANY,
            nanos in 0u32..1_000_000_000,
            outcomes in proptest::collection::vec(0u8..3, 1..60),
            units in proptest::collection::vec(proptest::num::f64::ANY, 60),
        ) {
            let mut s = Schedule::new(Duration::new(seconds, nanos));
            for (o, unit) in outcomes.iter().zip(&units) {
                let outcome = match o {
                    0 => RoundOutcome::Succeeded,
                    1 => RoundOutcome::Failed,
                    _ => RoundOutcome::Skipped,
                };
                let d = s.next_delay(outcome, *unit);
                proptest::prop_assert!(d >= MIN_INTERVAL.mul_f64(1.0 - JITTER));
                proptest::prop_assert!(d <= MAX_INTERVAL.mul_f64(1.0 + JITTER));
            }
        }

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
                    .min(MAX_BACKOFF_NOMINAL.max(interval))
                    .as_secs_f64();
                proptest::prop_assert!(d.as_secs_f64() >= nominal * (1.0 - JITTER) - 1e-6);
                proptest::prop_assert!(d.as_secs_f64() <= nominal * (1.0 + JITTER) + 1e-6);
                proptest::prop_assert!(d >= interval.mul_f64(1.0 - JITTER));
                // After failures, at most 15 minutes with the spread, or the interval's own
                // spread when that is longer.
                proptest::prop_assert!(d <= MAX_BACKOFF.max(interval.mul_f64(1.0 + JITTER)));
            }
        }
    }
}
