//! Rule sets (DOMAIN.md §5): registration periods, reporting deadlines, travel notice and
//! periodic reporting. The law's values are unconfirmed, so they are versioned data that an
//! administrator edits; every computed date names the version that produced it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::dates;
use crate::message::FieldError;

/// How long registration lasts for a longest sentence up to `up_to_months` (inclusive);
/// `None` for every longer sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RegistrationBand {
    pub up_to_months: Option<u32>,
    /// `None` = for life.
    pub years: Option<u32>,
    /// For life: when the registration is reviewed.
    pub review_after_years: Option<u32>,
}

/// Months between periodic in-person reports, by risk level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportingIntervals {
    pub standard: u32,
    pub medium: u32,
    pub high: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RiskLevel {
    Standard,
    Medium,
    High,
}

impl ReportingIntervals {
    pub fn months(&self, level: RiskLevel) -> u32 {
        match level {
            RiskLevel::Standard => self.standard,
            RiskLevel::Medium => self.medium,
            RiskLevel::High => self.high,
        }
    }
}

/// The values of one rule-set version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleValues {
    /// Ordered by `up_to_months`, the open-ended band last.
    pub registration: Vec<RegistrationBand>,
    /// Days to report a change of residence, name or work.
    pub report_change_days: u32,
    /// Days before departure that a foreign trip must be declared.
    pub foreign_travel_notice_days: u32,
    /// Hours before departure that a change to a declared trip must be reported.
    pub travel_change_notice_hours: u32,
    pub reporting_months: ReportingIntervals,
    /// How far ahead "due soon" looks.
    pub due_soon_days: u32,
}

/// One version of the rules, in force from `effective_from` until the next version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleSet {
    pub version: u32,
    pub effective_from: NaiveDate,
    pub values: RuleValues,
    /// True while the values are the provisional peer-registry defaults, not the law.
    pub provisional: bool,
    pub note: String,
}

impl RuleValues {
    /// The provisional defaults of DOMAIN.md §5 (peer registries; unconfirmed for Albania).
    pub fn provisional() -> RuleValues {
        RuleValues {
            registration: vec![
                RegistrationBand {
                    up_to_months: Some(36),
                    years: Some(10),
                    review_after_years: None,
                },
                RegistrationBand {
                    up_to_months: Some(120),
                    years: Some(20),
                    review_after_years: None,
                },
                RegistrationBand {
                    up_to_months: None,
                    years: None,
                    review_after_years: Some(15),
                },
            ],
            report_change_days: 3,
            foreign_travel_notice_days: 7,
            travel_change_notice_hours: 24,
            reporting_months: ReportingIntervals {
                standard: 12,
                medium: 6,
                high: 3,
            },
            due_soon_days: 14,
        }
    }

    /// The band for a longest sentence of `months`.
    pub fn band(&self, months: u32) -> Option<&RegistrationBand> {
        self.registration
            .iter()
            .find(|b| b.up_to_months.is_none_or(|max| months <= max))
    }

    /// Every problem of these values, with field codes for the editor.
    pub fn check(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        let mut err = |field: String, code: &str| problems.push(FieldError::error(field, code));
        if self.registration.is_empty() {
            err("registration".into(), "required");
        }
        let mut previous: Option<u32> = None;
        for (i, band) in self.registration.iter().enumerate() {
            let last = i + 1 == self.registration.len();
            match (band.up_to_months, last) {
                (None, false) => err(format!("registration[{i}].up_to_months"), "band_order"),
                (Some(_), true) => err(format!("registration[{i}].up_to_months"), "band_open_end"),
                (Some(m), false) if previous.is_some_and(|p| m <= p) => {
                    err(format!("registration[{i}].up_to_months"), "band_order")
                }
                _ => {}
            }
            previous = band.up_to_months.or(previous);
            match (band.years, band.review_after_years) {
                (Some(0), _) | (Some(101..), _) => {
                    err(format!("registration[{i}].years"), "number_range")
                }
                (None, None) => err(format!("registration[{i}].review_after_years"), "required"),
                (_, Some(0)) | (_, Some(101..)) => err(
                    format!("registration[{i}].review_after_years"),
                    "number_range",
                ),
                _ => {}
            }
        }
        if !(1..=60).contains(&self.report_change_days) {
            err("report_change_days".into(), "number_range");
        }
        if !(1..=90).contains(&self.foreign_travel_notice_days) {
            err("foreign_travel_notice_days".into(), "number_range");
        }
        if !(1..=240).contains(&self.travel_change_notice_hours) {
            err("travel_change_notice_hours".into(), "number_range");
        }
        for (field, months) in [
            ("reporting_months.standard", self.reporting_months.standard),
            ("reporting_months.medium", self.reporting_months.medium),
            ("reporting_months.high", self.reporting_months.high),
        ] {
            if !(1..=60).contains(&months) {
                err(field.into(), "number_range");
            }
        }
        if !(1..=90).contains(&self.due_soon_days) {
            err("due_soon_days".into(), "number_range");
        }
        problems
    }
}

/// All versions of the rules, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleBook {
    versions: Vec<RuleSet>,
}

/// The first version's start: before any conviction the registry can hold.
pub fn provisional_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(1995, 6, 1).unwrap_or(NaiveDate::MIN)
}

impl RuleBook {
    /// Versions are ordered by effective date (then version number); an empty book gets the
    /// provisional defaults as version 1.
    pub fn new(mut versions: Vec<RuleSet>) -> RuleBook {
        if versions.is_empty() {
            versions.push(RuleSet {
                version: 1,
                effective_from: provisional_start(),
                values: RuleValues::provisional(),
                provisional: true,
                note: String::new(),
            });
        }
        versions.sort_by_key(|v| (v.effective_from, v.version));
        RuleBook { versions }
    }

    pub fn versions(&self) -> &[RuleSet] {
        &self.versions
    }

    /// The version in force on `date` (the first version for dates before it).
    pub fn in_effect(&self, date: NaiveDate) -> &RuleSet {
        let mut found = &self.versions[0];
        for v in &self.versions {
            if v.effective_from <= date {
                found = v;
            }
        }
        found
    }

    /// The versions whose effective date falls in (after, until], in order: the changes a
    /// date computed under an earlier version must be re-examined against.
    pub fn changes_between(&self, after: NaiveDate, until: NaiveDate) -> Vec<&RuleSet> {
        self.versions
            .iter()
            .filter(|v| v.effective_from > after && v.effective_from <= until)
            .collect()
    }

    pub fn latest_version(&self) -> u32 {
        self.versions.iter().map(|v| v.version).max().unwrap_or(0)
    }

    /// The book with one more version (for previews and for saving).
    pub fn with(&self, added: RuleSet) -> RuleBook {
        let mut versions = self.versions.clone();
        versions.push(added);
        RuleBook::new(versions)
    }

    /// The book without the versions `left_out` names (never without its first version):
    /// the rules as a person knew them before being told of those versions.
    pub fn without(&self, left_out: impl Fn(u32) -> bool) -> RuleBook {
        let versions = self
            .versions
            .iter()
            .enumerate()
            .filter(|(i, v)| *i == 0 || !left_out(v.version))
            .map(|(_, v)| v.clone())
            .collect();
        RuleBook { versions }
    }
}

/// A new version must start today or later: a rule change alters only future dates.
pub fn check_effective_date(effective_from: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    if effective_from < today {
        vec![FieldError::error("effective_from", "rule_effective_past")]
    } else {
        Vec::new()
    }
}

/// Parses the editor's effective date (dd.mm.yyyy).
pub fn parse_effective_date(input: &str) -> Result<NaiveDate, FieldError> {
    dates::parse_input(input).map_err(|e| FieldError::error("effective_from", e.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn provisional_bands_follow_the_domain_table() {
        let v = RuleValues::provisional();
        // (longest sentence in months, years, review after)
        let cases = [
            (0, Some(10), None),
            (36, Some(10), None),
            (37, Some(20), None),
            (120, Some(20), None),
            (121, None, Some(15)),
            (1200, None, Some(15)),
        ];
        for (months, years, review) in cases {
            let band = v.band(months).unwrap();
            assert_eq!(band.years, years, "{months} months");
            assert_eq!(band.review_after_years, review, "{months} months");
        }
        assert!(v.check().is_empty());
    }

    #[test]
    fn bad_values_are_named_by_field() {
        let mut v = RuleValues::provisional();
        v.registration.swap(0, 1);
        v.report_change_days = 0;
        v.reporting_months.high = 0;
        v.registration[2].review_after_years = None;
        let codes: Vec<(String, String)> =
            v.check().into_iter().map(|e| (e.field, e.code)).collect();
        assert!(codes.contains(&("registration[1].up_to_months".into(), "band_order".into())));
        assert!(codes.contains(&("report_change_days".into(), "number_range".into())));
        assert!(codes.contains(&("reporting_months.high".into(), "number_range".into())));
        assert!(codes.contains(&(
            "registration[2].review_after_years".into(),
            "required".into()
        )));

        let mut open = RuleValues::provisional();
        open.registration.pop();
        assert!(open
            .check()
            .iter()
            .any(|e| e.code == "band_open_end" && e.field == "registration[1].up_to_months"));
    }

    #[test]
    fn the_version_in_effect() {
        let mut second = RuleBook::new(vec![]).versions()[0].clone();
        second.version = 2;
        second.effective_from = d(2027, 1, 1);
        let book = RuleBook::new(vec![]).with(second);
        assert_eq!(book.in_effect(d(1990, 1, 1)).version, 1);
        assert_eq!(book.in_effect(d(2026, 12, 31)).version, 1);
        assert_eq!(book.in_effect(d(2027, 1, 1)).version, 2);
        assert_eq!(book.changes_between(d(2026, 1, 1), d(2027, 1, 1)).len(), 1);
        assert!(book
            .changes_between(d(2027, 1, 1), d(2030, 1, 1))
            .is_empty());
        assert_eq!(book.latest_version(), 2);
    }

    #[test]
    fn a_new_version_cannot_start_in_the_past() {
        assert_eq!(
            check_effective_date(d(2026, 12, 2), d(2026, 12, 3))[0].code,
            "rule_effective_past"
        );
        assert!(check_effective_date(d(2026, 12, 3), d(2026, 12, 3)).is_empty());
    }
}
