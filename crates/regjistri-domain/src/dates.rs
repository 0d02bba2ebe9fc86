//! Date-only values as people type them (dd.mm.yyyy), and calendar arithmetic (DOMAIN.md §5).

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Europe::Tirane;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateInputError {
    /// Not of the shape dd.mm.yyyy.
    Format,
    /// The right shape but no such day (31.04.2020, 29.02.2023).
    Invalid,
}

impl DateInputError {
    pub fn code(self) -> &'static str {
        match self {
            DateInputError::Format => "date_format",
            DateInputError::Invalid => "date_invalid",
        }
    }
}

/// Parses a typed date: `dd.mm.yyyy` (day and month may have one digit; `/` and `-` are
/// accepted as separators), or eight digits `ddmmyyyy` for fast keyboard entry. Four-digit
/// years only: a two-digit year is ambiguous for dates of birth.
pub fn parse_input(input: &str) -> Result<NaiveDate, DateInputError> {
    let s = input.trim();
    let parts: Vec<&str> = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        vec![&s[0..2], &s[2..4], &s[4..8]]
    } else {
        s.split(['.', '/', '-']).collect()
    };
    let [day, month, year] = parts.as_slice() else {
        return Err(DateInputError::Format);
    };
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(day, 1, 2) || !digits(month, 1, 2) || !digits(year, 4, 4) {
        return Err(DateInputError::Format);
    }
    let (Ok(d), Ok(m), Ok(y)) = (
        day.parse::<u32>(),
        month.parse::<u32>(),
        year.parse::<i32>(),
    ) else {
        return Err(DateInputError::Format);
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateInputError::Invalid)
}

/// A typed time of day: hh:mm (one-digit hours allowed, `.` as separator too) or four digits.
pub fn parse_time_input(input: &str) -> Option<chrono::NaiveTime> {
    let s = input.trim();
    let (h, m) = if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        (&s[0..2], &s[2..4])
    } else {
        s.split_once([':', '.'])?
    };
    let digits =
        |p: &str, max: usize| (1..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(h, 2) || m.len() != 2 || !digits(m, 2) {
        return None;
    }
    chrono::NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// Shows a date as dd.mm.yyyy.
pub fn format(date: NaiveDate) -> String {
    format!("{:02}.{:02}.{:04}", date.day(), date.month(), date.year())
}

/// Today's date in Europe/Tirane for an instant; what "today" means for every deadline.
pub fn local_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Tirane).date_naive()
}

/// Adds whole months, clamping to the last day of the target month
/// (31.01 + 1 month = 28.02 or 29.02). `None` only beyond chrono's calendar range.
pub fn add_months(date: NaiveDate, months: i32) -> Option<NaiveDate> {
    let n = Months::new(months.unsigned_abs());
    if months >= 0 {
        date.checked_add_months(n)
    } else {
        date.checked_sub_months(n)
    }
}

/// A period of N years is N×12 months (29.02.2016 + 10 years = 28.02.2026).
pub fn add_years(date: NaiveDate, years: i32) -> Option<NaiveDate> {
    add_months(date, years.checked_mul(12)?)
}

/// The k-th occurrence of a recurring date, always computed from the anchor, never from the
/// previous occurrence (31.01 monthly: 28.02, 31.03, 30.04).
pub fn nth_occurrence(anchor: NaiveDate, every_months: i32, k: i32) -> Option<NaiveDate> {
    add_months(anchor, every_months.checked_mul(k)?)
}

/// The instant of a local Tirana wall-clock time. On the spring-forward day the missing hour
/// (02:00–03:00) moves forward to the first valid instant; in the repeated autumn hour the
/// earlier instant is taken. Never panics; `None` only outside chrono's range.
pub fn tirane_instant(date: NaiveDate, time: chrono::NaiveTime) -> Option<DateTime<Utc>> {
    use chrono::{LocalResult, TimeZone};
    let mut local = date.and_time(time);
    for _ in 0..3 {
        match Tirane.from_local_datetime(&local) {
            LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(earlier, _) => return Some(earlier.with_timezone(&Utc)),
            LocalResult::None => local = local.checked_add_signed(chrono::Duration::minutes(30))?,
        }
    }
    None
}

/// The start of a local Tirana day as an instant (midnight, or the first instant after a gap).
pub fn tirane_day_start(date: NaiveDate) -> Option<DateTime<Utc>> {
    tirane_instant(date, chrono::NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parse_table() {
        let cases: &[(&str, Result<NaiveDate, DateInputError>)] = &[
            ("18.02.1968", Ok(d(1968, 2, 18))),
            ("1.2.1968", Ok(d(1968, 2, 1))),
            (" 01/02/1968 ", Ok(d(1968, 2, 1))),
            ("01-02-1968", Ok(d(1968, 2, 1))),
            ("01021968", Ok(d(1968, 2, 1))),
            ("29.02.2024", Ok(d(2024, 2, 29))),
            ("29.02.2023", Err(DateInputError::Invalid)),
            ("31.04.2020", Err(DateInputError::Invalid)),
            ("00.01.2020", Err(DateInputError::Invalid)),
            ("01.13.2020", Err(DateInputError::Invalid)),
            ("01.01.20", Err(DateInputError::Format)),
            ("1968-02-18", Err(DateInputError::Format)),
            ("", Err(DateInputError::Format)),
            ("aa.bb.cccc", Err(DateInputError::Format)),
            ("1.2.3.2020", Err(DateInputError::Format)),
            ("+1.02.2020", Err(DateInputError::Format)),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_input(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn time_table() {
        let hm = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0);
        let cases: &[(&str, Option<chrono::NaiveTime>)] = &[
            ("09:30", hm(9, 30)),
            ("9:30", hm(9, 30)),
            (" 23.59 ", hm(23, 59)),
            ("0000", hm(0, 0)),
            ("2400", None),
            ("24:00", None),
            ("12:60", None),
            ("12:5", None),
            ("123:00", None),
            ("12", None),
            ("", None),
            ("ab:cd", None),
            ("+1:30", None),
            ("12:30:00", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_time_input(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn arithmetic_table() {
        assert_eq!(add_years(d(2016, 2, 29), 10), Some(d(2026, 2, 28)));
        assert_eq!(add_years(d(2016, 2, 29), 4), Some(d(2020, 2, 29)));
        let anchor = d(2025, 1, 31);
        let monthly: Vec<_> = (1..=3)
            .map(|k| nth_occurrence(anchor, 1, k).unwrap())
            .collect();
        assert_eq!(
            monthly,
            vec![d(2025, 2, 28), d(2025, 3, 31), d(2025, 4, 30)]
        );
        assert_eq!(add_months(d(2024, 3, 31), -1), Some(d(2024, 2, 29)));
    }

    #[test]
    fn tirane_local_date_across_midnight_and_dst() {
        use chrono::TimeZone;
        // 22:30 UTC on 30 June is 00:30 on 1 July in Tirana (UTC+2 in summer).
        let t = Utc.with_ymd_and_hms(2026, 6, 30, 22, 30, 0).unwrap();
        assert_eq!(local_date(t), d(2026, 7, 1));
        // 23:30 UTC on 31 December is 00:30 on 1 January (UTC+1 in winter).
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(local_date(t), d(2027, 1, 1));
        // The spring-forward night (29.03.2026, 02:00 → 03:00) and the repeated hour in autumn.
        let t = Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap();
        assert_eq!(local_date(t), d(2026, 3, 29));
        let t = Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap();
        assert_eq!(local_date(t), d(2026, 10, 25));
    }

    #[test]
    fn tirane_wall_clock_on_the_dst_days() {
        use chrono::{NaiveTime, TimeZone};
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        // Spring forward 29.03.2026: 02:30 does not exist; it becomes 03:00 CEST = 01:00 UTC.
        assert_eq!(
            tirane_instant(d(2026, 3, 29), hm(2, 30)),
            Some(Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap())
        );
        // Autumn 25.10.2026: 02:30 happens twice; the first (CEST, 00:30 UTC) is taken.
        assert_eq!(
            tirane_instant(d(2026, 10, 25), hm(2, 30)),
            Some(Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap())
        );
        // Ordinary days: winter UTC+1, summer UTC+2.
        assert_eq!(
            tirane_day_start(d(2026, 12, 3)),
            Some(Utc.with_ymd_and_hms(2026, 12, 2, 23, 0, 0).unwrap())
        );
        assert_eq!(
            tirane_day_start(d(2026, 7, 1)),
            Some(Utc.with_ymd_and_hms(2026, 6, 30, 22, 0, 0).unwrap())
        );
        // The DST days are 23 and 25 hours long.
        let len = |day: NaiveDate| {
            tirane_day_start(day.succ_opt().unwrap()).unwrap() - tirane_day_start(day).unwrap()
        };
        assert_eq!(len(d(2026, 3, 29)).num_hours(), 23);
        assert_eq!(len(d(2026, 10, 25)).num_hours(), 25);
        assert_eq!(len(d(2026, 10, 26)).num_hours(), 24);
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(days in 0i64..200_000) {
            let date = d(1900, 1, 1) + chrono::Duration::days(days);
            prop_assert_eq!(parse_input(&format(date)), Ok(date));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = parse_input(&s);
            let _ = parse_time_input(&s);
        }

        #[test]
        fn every_tirane_wall_clock_time_has_an_instant(days in 0i64..40_000, minute in 0u32..1440) {
            let date = d(1970, 1, 1) + chrono::Duration::days(days);
            let time = chrono::NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap();
            let instant = tirane_instant(date, time).unwrap();
            // Back in local time it is the same day (a gap moves forward within the night).
            prop_assert_eq!(local_date(instant), date);
        }

        #[test]
        fn occurrences_from_anchor_never_drift(days in 0i64..40_000, every in 1i32..25, k in 0i32..200) {
            let anchor = d(1950, 1, 1) + chrono::Duration::days(days);
            let date = nth_occurrence(anchor, every, k).unwrap();
            // Same day of month as the anchor unless clamped to a shorter month's end.
            let clamped = date.day() < anchor.day();
            prop_assert!(date.day() == anchor.day() || clamped);
            if clamped {
                prop_assert!(date.succ_opt().unwrap().day() == 1, "clamped only to a month end");
            }
            prop_assert!(date >= anchor);
        }

        #[test]
        fn adding_years_keeps_month(days in 0i64..40_000, years in 0i32..60) {
            let start = d(1950, 1, 1) + chrono::Duration::days(days);
            let end = add_years(start, years).unwrap();
            prop_assert_eq!(end.month(), start.month());
            prop_assert_eq!(end.year(), start.year() + years);
        }
    }
}
