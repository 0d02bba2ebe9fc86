//! Where a registered person stands today (DOMAIN.md §5), derived every time from the file,
//! its records, the rule book, the notices and today's date. Nothing here is stored, so
//! nothing can go stale: a new record, a new rule version or a new day gives a new answer.
//!
//! Decisions (the law is unconfirmed; these are the provisional reading):
//! - Each conviction's registration starts on the day it became final and lasts for the band
//!   of its sentence, [start, end). Overlapping periods merge; separate ones stay separate,
//!   and nothing is owed between them.
//! - A rule version alters only dates after its effective date: an end date already reached
//!   before the change stands, and a shorter new period never ends before the change itself.
//! - Periodic reports fall due at anchor + k × interval (anchor = the period's start), each
//!   computed from the anchor; the interval is the one in force (rules, risk level) at the
//!   due date. Reports are owed only from the day the person was told (a registration notice
//!   record) or, without one, from the day the file was first approved. Reports due while in
//!   custody are suspended; reports after death or removal are not owed.
//! - A check-in counts for the report whose due date is nearest to it (between the previous
//!   and the next due date): on time on or before the due date, late after it. A report left
//!   unmet is missed if the person reported at any later date (history, not the current
//!   state), and overdue otherwise.
//! - A rule version for which the person has a notice moves only some dates. A due date
//!   counts as told when the same date, with the same interval, is also a due date under the
//!   rule book the person had been told of (the versions whose notice is unserved left out):
//!   those stay as they were and fall overdue as usual. A date that differs cannot become
//!   overdue or late before the notice is served (it awaits the notice: the status does not
//!   change for it, `awaiting_notice` counts it), and once served it is due no earlier than
//!   the day of service. Declarations are judged under the rules the person had been told of.
//! - A change to a declared trip must be declared `travel_change_notice_hours` before the
//!   departure it sets (from the start of that day in Europe/Tirane); a change to a domestic
//!   trip, like the trip, by the day of departure. A change of name is reported within
//!   `report_change_days`, like a change of address or work.
//! - Custody is the union of the convictions' custody periods (release estimated from the
//!   sentence when not entered); a status recorded after a custody period began overrides
//!   it. Death and removal take effect only once confirmed by a second supervisor, and then
//!   for good.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::dates::{add_months, local_date, tirane_day_start};
use crate::file::FileData;
use crate::records::{
    itineraries, FileRecord, Itinerary, PersonState, RecordData, RuleNotice, VerificationResult,
};
use crate::rules::{RiskLevel, RuleBook, RuleSet, RuleValues};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ComplianceStatus {
    Compliant,
    DueSoon,
    Overdue,
    Absconded,
    InCustody,
    Deceased,
    Removed,
    PeriodEnded,
}

impl ComplianceStatus {
    /// Removed, deceased and ended persons are never reported as registered.
    pub fn counts_as_registered(self) -> bool {
        !matches!(
            self,
            ComplianceStatus::Deceased | ComplianceStatus::Removed | ComplianceStatus::PeriodEnded
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceStatus::Compliant => "compliant",
            ComplianceStatus::DueSoon => "due_soon",
            ComplianceStatus::Overdue => "overdue",
            ComplianceStatus::Absconded => "absconded",
            ComplianceStatus::InCustody => "in_custody",
            ComplianceStatus::Deceased => "deceased",
            ComplianceStatus::Removed => "removed",
            ComplianceStatus::PeriodEnded => "period_ended",
        }
    }
}

/// A computed date and the rule version that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuledDate {
    pub date: NaiveDate,
    pub rule_version: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Registration {
    pub start: NaiveDate,
    /// `None` for life. On this date the person is no longer registered.
    pub end: Option<RuledDate>,
    /// For life: when the registration is to be reviewed.
    pub review: Option<RuledDate>,
    pub longest_sentence_months: u32,
    /// The rule version in force at the start.
    pub rule_version: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ObligationState {
    /// Met by a check-in on or before the due date.
    Met,
    /// Met by a check-in after the due date.
    MetLate,
    /// Never met, but the person reported at a later date: history, not the current state.
    Missed,
    Overdue,
    /// Due within the look-ahead of the rules (`due_soon_days`).
    DueSoon,
    Upcoming,
    /// Due while the person was in custody.
    Suspended,
    /// Past due, but moved by a rule version whose notice has not been served: not overdue.
    AwaitingNotice,
}

/// One periodic in-person report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Obligation {
    pub due: NaiveDate,
    /// The due date after notices (never before the day a notice was served).
    pub effective_due: NaiveDate,
    pub rule_version: u32,
    pub interval_months: u32,
    pub risk_level: RiskLevel,
    pub state: ObligationState,
    pub met_on: Option<NaiveDate>,
    pub record_id: Option<Uuid>,
}

/// A judgement on one record against its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecordAssessment {
    pub record_id: Uuid,
    /// The last day (for an instant deadline, the Tirana day it falls on).
    pub deadline: Option<RuledDate>,
    /// A deadline that is an instant rather than a day (a change to a trip: hours before
    /// the departure).
    pub deadline_at: Option<DateTime<Utc>>,
    /// `None` where the record has no deadline.
    pub on_time: Option<bool>,
    /// A foreign trip: to be notified to the destination country's authorities.
    pub international_notification: bool,
    /// Work, education or volunteering with contact with children.
    pub child_contact: bool,
    /// A verification visit that did not find the person.
    pub not_found: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Compliance {
    pub status: ComplianceStatus,
    pub registration: Option<Registration>,
    pub risk_level: RiskLevel,
    pub obligations: Vec<Obligation>,
    pub assessments: Vec<RecordAssessment>,
    /// The earliest missed report, when overdue.
    pub overdue_since: Option<NaiveDate>,
    /// The next report not yet made.
    pub next_due: Option<NaiveDate>,
    pub trips_under_way: Vec<Uuid>,
    /// Foreign trips (as they stand) departing after today, within `due_soon_days`.
    pub departures_ahead: Vec<Uuid>,
    pub unserved_notices: u32,
    /// Reports past their date that await the service of a notice (not overdue; they do not
    /// change the status).
    pub awaiting_notice: u32,
    /// The earliest of them.
    pub awaiting_since: Option<NaiveDate>,
    /// The day reports are owed from (registration notice, else first approval).
    pub owed_from: Option<NaiveDate>,
    pub today: NaiveDate,
}

impl Compliance {
    pub fn counts_as_registered(&self) -> bool {
        self.status.counts_as_registered()
    }
}

/// Everything the computation reads.
pub struct Inputs<'a> {
    pub data: &'a FileData,
    pub records: &'a [FileRecord],
    pub notices: &'a [RuleNotice],
    pub rules: &'a RuleBook,
    pub today: NaiveDate,
    /// The day the file was first approved (Europe/Tirane), if it was.
    pub registered_on: Option<NaiveDate>,
}

fn active(records: &[FileRecord]) -> impl Iterator<Item = &FileRecord> {
    records.iter().filter(|r| r.in_force())
}

fn days(date: NaiveDate, n: i64) -> NaiveDate {
    date.checked_add_signed(chrono::Duration::days(n))
        .unwrap_or(if n < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

/// The person's state on each day.
struct StateLine {
    /// Custody periods from the convictions, [from, release).
    custody: Vec<(NaiveDate, NaiveDate)>,
    /// Recorded status changes in force, by effective date then recording time.
    recorded: Vec<(NaiveDate, PersonState)>,
}

impl StateLine {
    fn new(data: &FileData, records: &[FileRecord]) -> StateLine {
        let custody = data
            .convictions
            .iter()
            .filter_map(|c| {
                let from = c.custody_from?;
                let release = c
                    .release_date
                    .or_else(|| add_months(from, i32::try_from(c.sentence_months).ok()?))
                    .unwrap_or(NaiveDate::MAX);
                Some((from, release.max(from)))
            })
            .collect();
        let mut changes: Vec<&FileRecord> = active(records)
            .filter(|r| matches!(r.data, RecordData::StatusChange { .. }))
            .collect();
        changes.sort_by_key(|r| (r.data.date(), r.recorded_at));
        let recorded = changes
            .into_iter()
            .filter_map(|r| match r.data {
                RecordData::StatusChange {
                    state, effective, ..
                } => Some((effective, state)),
                _ => None,
            })
            .collect();
        StateLine { custody, recorded }
    }

    fn on(&self, date: NaiveDate) -> PersonState {
        if let Some(end) = self.ends_on() {
            if end <= date {
                return self
                    .recorded
                    .iter()
                    .find(|(_, s)| matches!(s, PersonState::Deceased | PersonState::Removed))
                    .map_or(PersonState::Removed, |(_, s)| *s);
            }
        }
        let recorded = self.recorded.iter().rev().find(|(d, _)| *d <= date);
        // The custody period covering the day that began last, if any.
        let custody_since = self
            .custody
            .iter()
            .filter(|(from, release)| *from <= date && date < *release)
            .map(|(from, _)| *from)
            .max();
        match (recorded, custody_since) {
            (Some((since, state)), Some(from)) if *since >= from => *state,
            (_, Some(_)) => PersonState::InCustody,
            (Some((_, state)), None) => *state,
            (None, None) => PersonState::Active,
        }
    }

    /// The first day of a (confirmed) death or removal, if any.
    fn ends_on(&self) -> Option<NaiveDate> {
        self.recorded
            .iter()
            .find(|(_, s)| matches!(s, PersonState::Deceased | PersonState::Removed))
            .map(|(d, _)| *d)
    }
}

/// The end (and review) of one conviction's registration, re-examined at every later rule
/// version: only dates after a version's effective date may change.
fn conviction_period(
    start: NaiveDate,
    months: u32,
    rules: &RuleBook,
) -> (Option<RuledDate>, Option<RuledDate>, u32) {
    let compute = |version: &RuleSet| {
        let band = version.values.band(months);
        let years = |y: Option<u32>| {
            y.and_then(|y| crate::dates::add_years(start, i32::try_from(y).ok()?))
                .map(|date| RuledDate {
                    date,
                    rule_version: version.version,
                })
        };
        match band {
            Some(b) => (years(b.years), years(b.review_after_years)),
            // No band (an empty rule set cannot be saved): for life, never reviewed.
            None => (None, None),
        }
    };
    let first = rules.in_effect(start);
    let (mut end, mut review) = compute(first);
    for version in rules.changes_between(start, NaiveDate::MAX) {
        let e = version.effective_from;
        if end.is_some_and(|end| end.date <= e) {
            break; // already ended before this version: it stands
        }
        let (new_end, new_review) = compute(version);
        end = new_end.map(|mut d| {
            d.date = d.date.max(e);
            d
        });
        review = match (review, new_review) {
            // A review already held stays where it was.
            (Some(old), _) if old.date <= e => Some(old),
            (_, Some(mut d)) => {
                d.date = d.date.max(e);
                Some(d)
            }
            (_, None) => None,
        };
    }
    (end, review, first.version)
}

/// The registration periods: each conviction's, overlapping ones merged, by start.
fn periods(data: &FileData, rules: &RuleBook) -> Vec<Registration> {
    let mut each: Vec<Registration> = data
        .convictions
        .iter()
        .map(|c| {
            let (end, review, version) = conviction_period(c.final_date, c.sentence_months, rules);
            Registration {
                start: c.final_date,
                end,
                review,
                longest_sentence_months: c.sentence_months,
                rule_version: version,
            }
        })
        .collect();
    each.sort_by_key(|r| r.start);
    let mut merged: Vec<Registration> = Vec::new();
    for p in each {
        match merged.last_mut() {
            Some(m) if m.end.is_none_or(|e| p.start < e.date) => {
                m.longest_sentence_months =
                    m.longest_sentence_months.max(p.longest_sentence_months);
                m.end = match (m.end, p.end) {
                    (Some(a), Some(b)) => Some(if b.date > a.date { b } else { a }),
                    _ => None,
                };
                m.review = match (m.review, p.review) {
                    (Some(a), Some(b)) => Some(if b.date > a.date { b } else { a }),
                    (a, b) => a.or(b),
                };
            }
            _ => merged.push(p),
        }
    }
    merged
}

fn risk_on(records: &[FileRecord], date: NaiveDate) -> RiskLevel {
    let mut assessed: Vec<(NaiveDate, chrono::DateTime<chrono::Utc>, RiskLevel)> = active(records)
        .filter_map(|r| match r.data {
            RecordData::RiskAssessment { level, date: d, .. } if d <= date => {
                Some((d, r.recorded_at, level))
            }
            _ => None,
        })
        .collect();
    assessed.sort_by_key(|(d, at, _)| (*d, *at));
    assessed.last().map_or(RiskLevel::Standard, |(_, _, l)| *l)
}

/// Whole months from `a` to `b` (b ≥ a), for a first guess of k.
fn months_between(a: NaiveDate, b: NaiveDate) -> i64 {
    i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month())
}

struct Due {
    date: NaiveDate,
    rule_version: u32,
    interval: u32,
    risk: RiskLevel,
}

/// The periodic report dates from `anchor`, each anchor + k × (interval in force at that
/// date), until `stop` (exclusive) and at least until the first date after `horizon`.
fn schedule(
    anchor: NaiveDate,
    stop: Option<NaiveDate>,
    horizon: NaiveDate,
    rules: &RuleBook,
    records: &[FileRecord],
) -> Vec<Due> {
    // Where the interval can change: rule versions and risk assessments.
    let mut bounds: BTreeSet<NaiveDate> = BTreeSet::new();
    bounds.insert(anchor);
    for v in rules.versions() {
        if v.effective_from > anchor {
            bounds.insert(v.effective_from);
        }
    }
    for r in active(records) {
        if let RecordData::RiskAssessment { date, .. } = r.data {
            if date > anchor {
                bounds.insert(date);
            }
        }
    }
    let bounds: Vec<NaiveDate> = bounds.into_iter().collect();
    let mut out = Vec::new();
    for (i, &from) in bounds.iter().enumerate() {
        let until = bounds.get(i + 1).copied();
        let version = rules.in_effect(from);
        let risk = risk_on(records, from);
        let interval = version.values.reporting_months.months(risk).max(1);
        let step = i64::from(interval);
        // The first k with anchor + k·interval ≥ from (k ≥ 1).
        let mut k = (months_between(anchor, from) / step).max(1);
        while k > 1 {
            match occurrence(anchor, step, k - 1) {
                Some(d) if d >= from => k -= 1,
                _ => break,
            }
        }
        loop {
            let Some(date) = occurrence(anchor, step, k) else {
                return out;
            };
            k += 1;
            if date < from || (i == 0 && date <= anchor) {
                continue;
            }
            if until.is_some_and(|u| date >= u) {
                break;
            }
            if stop.is_some_and(|s| date >= s) {
                return out;
            }
            let past_horizon = date > horizon;
            out.push(Due {
                date,
                rule_version: version.version,
                interval,
                risk,
            });
            if past_horizon {
                return out;
            }
        }
    }
    out
}

fn occurrence(anchor: NaiveDate, every: i64, k: i64) -> Option<NaiveDate> {
    add_months(anchor, i32::try_from(every.checked_mul(k)?).ok()?)
}

/// The version a person is judged under for something that happened on `date`, starting
/// from `version` (the one that applies): if the person had not yet been told of it (an
/// unserved notice, or one served after `date`), the version before it, and so on.
fn told<'r>(
    rules: &'r RuleBook,
    notices: &[RuleNotice],
    mut version: &'r RuleSet,
    date: NaiveDate,
) -> &'r RuleSet {
    let first = rules.versions()[0].effective_from;
    loop {
        let untold = notices
            .iter()
            .any(|n| n.rule_version == version.version && n.served_on.is_none_or(|s| s > date));
        if !untold || version.effective_from <= first {
            return version;
        }
        version = rules.in_effect(days(version.effective_from, -1));
    }
}

/// The latest version already in force on the deadline it produces (a deadline before a
/// version exists cannot be that version's).
fn applying<T: PartialOrd>(
    rules: &RuleBook,
    deadline: impl Fn(&RuleSet) -> Option<T>,
    start: impl Fn(&RuleSet) -> Option<T>,
) -> &RuleSet {
    rules
        .versions()
        .iter()
        .rev()
        .find(|v| match (start(v), deadline(v)) {
            (Some(from), Some(d)) => from <= d,
            _ => false,
        })
        .unwrap_or(&rules.versions()[0])
}

/// How a change to a declared trip stands against its deadline. A foreign trip's change is
/// due `travel_change_notice_hours` before the start (Europe/Tirane) of the departure it sets,
/// an instant: on time if declared at or before it. A domestic trip's change, like the trip,
/// by the day of departure. No deadline when the trip is not in force.
fn assess_trip_change(
    a: &mut RecordAssessment,
    trip: Option<&Itinerary>,
    departure: NaiveDate,
    declared_at: DateTime<Utc>,
    rules: &RuleBook,
    notices: &[RuleNotice],
) {
    let Some(trip) = trip else {
        return;
    };
    let declared_on = local_date(declared_at);
    a.international_notification = trip.foreign;
    if !trip.foreign {
        let v = told(rules, notices, rules.in_effect(departure), declared_on);
        a.deadline = Some(RuledDate {
            date: departure,
            rule_version: v.version,
        });
        a.on_time = Some(declared_on <= departure);
        return;
    }
    let before = |v: &RuleSet| {
        let hours = i64::from(v.values.travel_change_notice_hours);
        tirane_day_start(departure)?.checked_sub_signed(chrono::Duration::hours(hours))
    };
    let applies = applying(rules, before, |v| tirane_day_start(v.effective_from));
    let v = told(rules, notices, applies, declared_on);
    // Beyond the calendar: no deadline rather than a wrong one.
    let Some(deadline) = before(v) else {
        return;
    };
    a.deadline_at = Some(deadline);
    a.deadline = Some(RuledDate {
        date: local_date(deadline),
        rule_version: v.version,
    });
    a.on_time = Some(declared_at <= deadline);
}

fn assess(
    r: &FileRecord,
    trips: &[Itinerary],
    rules: &RuleBook,
    notices: &[RuleNotice],
) -> RecordAssessment {
    let mut a = RecordAssessment {
        record_id: r.id,
        deadline: None,
        deadline_at: None,
        on_time: None,
        international_notification: false,
        child_contact: false,
        not_found: false,
    };
    let report_within = |event: NaiveDate, reported: NaiveDate| {
        let version = told(rules, notices, rules.in_effect(event), event);
        let deadline = days(event, i64::from(version.values.report_change_days));
        (
            Some(RuledDate {
                date: deadline,
                rule_version: version.version,
            }),
            Some(reported <= deadline),
        )
    };
    match &r.data {
        RecordData::AddressChange {
            moved_on,
            reported_on,
            ..
        } => (a.deadline, a.on_time) = report_within(*moved_on, *reported_on),
        RecordData::NameChange {
            changed_on,
            reported_on,
            ..
        } => (a.deadline, a.on_time) = report_within(*changed_on, *reported_on),
        RecordData::Occupation {
            from,
            reported_on,
            contact_with_children,
            ..
        } => {
            (a.deadline, a.on_time) = report_within(*from, *reported_on);
            a.child_contact = *contact_with_children;
        }
        RecordData::Trip {
            foreign,
            departure,
            notice_date,
            ..
        } => {
            let notice_before =
                |v: &RuleSet| days(*departure, -i64::from(v.values.foreign_travel_notice_days));
            let (deadline, version) = if *foreign {
                let applies = applying(
                    rules,
                    |v| Some(notice_before(v)),
                    |v| Some(v.effective_from),
                );
                let v = told(rules, notices, applies, *notice_date);
                (notice_before(v), v.version)
            } else {
                // Domestic trips are declared by the day of departure.
                let v = told(rules, notices, rules.in_effect(*departure), *notice_date);
                (*departure, v.version)
            };
            a.deadline = Some(RuledDate {
                date: deadline,
                rule_version: version,
            });
            a.on_time = Some(*notice_date <= deadline);
            a.international_notification = *foreign;
        }
        RecordData::TripChange {
            trip_id,
            departure,
            declared_at,
            ..
        } => {
            let trip = trips.iter().find(|t| t.trip_id == *trip_id);
            assess_trip_change(&mut a, trip, *departure, *declared_at, rules, notices);
        }
        RecordData::Verification { result, .. } => {
            a.not_found = *result == VerificationResult::NotFound;
        }
        RecordData::CheckIn { .. }
        | RecordData::RegistrationNotice { .. }
        | RecordData::StatusChange { .. }
        | RecordData::RiskAssessment { .. } => {}
    }
    a
}

/// The day reports are owed from: the earliest registration notice in force, else the day
/// of the first approval, else (for previews of unapproved data) the registration start.
fn obligations_from(records: &[FileRecord], registered_on: Option<NaiveDate>) -> Option<NaiveDate> {
    active(records)
        .filter_map(|r| match r.data {
            RecordData::RegistrationNotice { date, .. } => Some(date),
            _ => None,
        })
        .min()
        .or(registered_on)
}

/// Every periodic report date under `rules`, period by period (each from its own anchor),
/// until the period or the person's death or removal ends it.
fn report_dates(
    periods: &[Registration],
    states: &StateLine,
    horizon: NaiveDate,
    rules: &RuleBook,
    records: &[FileRecord],
) -> Vec<Vec<Due>> {
    periods
        .iter()
        .map(|period| {
            let stop = match (period.end.map(|e| e.date), states.ends_on()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            schedule(period.start, stop, horizon, rules, records)
        })
        .collect()
}

/// The due dates the person had been told of, to judge which dates a rule version moved. A
/// due date is told when the same date with the same interval is also a due date under the
/// rule book without the versions the person had not been told of: a version that did not
/// move it leaves it as it was.
struct Told {
    /// The dates under the book without the versions whose notice is unserved; `None` when
    /// every notice is served.
    now: Option<HashSet<(NaiveDate, u32)>>,
    /// For each day a notice was served, the dates the person knew of the day before.
    served: Vec<(NaiveDate, HashSet<(NaiveDate, u32)>)>,
}

impl Told {
    fn new(inputs: &Inputs<'_>, states: &StateLine, horizon: NaiveDate) -> Told {
        let notices = inputs.notices;
        // The dates under the book without the versions of the notices `untold` picks.
        let dates_without = |untold: &dyn Fn(&RuleNotice) -> bool| {
            let book = inputs
                .rules
                .without(|v| notices.iter().any(|n| n.rule_version == v && untold(n)));
            let periods = periods(inputs.data, &book);
            report_dates(&periods, states, horizon, &book, inputs.records)
                .into_iter()
                .flatten()
                .map(|d| (d.date, d.interval))
                .collect::<HashSet<_>>()
        };
        let now = notices
            .iter()
            .any(|n| n.served_on.is_none())
            .then(|| dates_without(&|n: &RuleNotice| n.served_on.is_none()));
        let mut service_days: Vec<NaiveDate> = notices.iter().filter_map(|n| n.served_on).collect();
        service_days.sort();
        service_days.dedup();
        let served = service_days
            .into_iter()
            .map(|day| {
                let known = dates_without(&|n: &RuleNotice| n.served_on.is_none_or(|s| s >= day));
                (day, known)
            })
            .collect();
        Told { now, served }
    }

    /// Whether the date still awaits a notice, and the day it is due on at the earliest
    /// (the day of service of every notice that moved it).
    fn judge(&self, due: &Due) -> (bool, NaiveDate) {
        let key = (due.date, due.interval);
        let awaiting = self.now.as_ref().is_some_and(|known| !known.contains(&key));
        let effective = self
            .served
            .iter()
            .filter(|(_, known)| !known.contains(&key))
            .map(|(day, _)| *day)
            .fold(due.date, NaiveDate::max);
        (awaiting, effective)
    }
}

/// Where the person stands on `inputs.today`.
pub fn compute(inputs: &Inputs<'_>) -> Compliance {
    let today = inputs.today;
    let rules = inputs.rules;
    let records = inputs.records;
    let states = StateLine::new(inputs.data, records);
    let periods = periods(inputs.data, rules);
    let due_soon_days = i64::from(rules.in_effect(today).values.due_soon_days);
    let horizon = days(today, due_soon_days);
    let owed_from = obligations_from(records, inputs.registered_on);
    let told = Told::new(inputs, &states, horizon);

    let mut check_ins: Vec<(NaiveDate, Uuid)> = active(records)
        .filter_map(|r| match r.data {
            RecordData::CheckIn { date, .. } => Some((date, r.id)),
            _ => None,
        })
        .collect();
    check_ins.sort();

    // Every report owed, with the window its on-time check-in must fall in.
    struct Slot {
        ob: Obligation,
        /// Check-ins after this day count for this report.
        after: NaiveDate,
        /// The next report's due date (a late check-in must come before it).
        next_due: NaiveDate,
        awaiting: bool,
    }
    let mut slots: Vec<Slot> = Vec::new();
    for (period, dues) in periods
        .iter()
        .zip(report_dates(&periods, &states, horizon, rules, records))
    {
        for (i, due) in dues.iter().enumerate() {
            if owed_from.is_some_and(|from| due.date < from) {
                continue;
            }
            let after = if i == 0 {
                days(period.start, -1)
            } else {
                dues[i - 1].date
            };
            let next_due = dues.get(i + 1).map_or(NaiveDate::MAX, |d| d.date);
            let (awaiting, effective_due) = told.judge(due);
            let mut ob = Obligation {
                due: due.date,
                effective_due,
                rule_version: due.rule_version,
                interval_months: due.interval,
                risk_level: due.risk,
                state: ObligationState::Upcoming,
                met_on: None,
                record_id: None,
            };
            if states.on(due.date) == PersonState::InCustody {
                ob.state = ObligationState::Suspended;
            }
            slots.push(Slot {
                ob,
                after,
                next_due,
                awaiting,
            });
        }
    }

    // Each check-in counts for the report whose due date is nearest, among those whose
    // window (previous due date, next due date) holds it: a check-in a day after one due
    // date is that report made late, not the next one made early.
    let mut attributed: Vec<Vec<usize>> = vec![Vec::new(); slots.len()];
    for (i, (d, _)) in check_ins.iter().enumerate() {
        let nearest = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.ob.state != ObligationState::Suspended && s.after < *d && *d < s.next_due
            })
            .min_by_key(|(_, s)| ((*d - s.ob.due).num_days().abs(), s.ob.due < *d));
        if let Some((k, _)) = nearest {
            attributed[k].push(i);
        }
    }
    // A report with two check-ins lends the later one to an unmet report just before it.
    for k in 1..slots.len() {
        let previous_unmet = attributed[k - 1].is_empty()
            && slots[k - 1].ob.state != ObligationState::Suspended
            && slots[k - 1].next_due == slots[k].ob.due;
        if previous_unmet && attributed[k].len() > 1 {
            let first = attributed[k][0];
            if check_ins[first].0 > slots[k - 1].ob.due {
                attributed[k].remove(0);
                attributed[k - 1].push(first);
            }
        }
    }
    for (slot, mine) in slots.iter_mut().zip(&attributed) {
        let Some(&i) = mine.first() else {
            continue;
        };
        let (date, id) = check_ins[i];
        slot.ob.state = if date <= slot.ob.effective_due || slot.awaiting {
            ObligationState::Met
        } else {
            ObligationState::MetLate
        };
        slot.ob.met_on = Some(date);
        slot.ob.record_id = Some(id);
    }
    let last_check_in = check_ins.last().map(|(d, _)| *d);
    let obligations: Vec<Obligation> = slots
        .into_iter()
        .map(|slot| {
            let mut ob = slot.ob;
            if ob.state == ObligationState::Upcoming {
                ob.state = if ob.effective_due < today {
                    if last_check_in.is_some_and(|d| d > ob.effective_due) {
                        ObligationState::Missed
                    } else if slot.awaiting {
                        ObligationState::AwaitingNotice
                    } else {
                        ObligationState::Overdue
                    }
                } else if ob.effective_due <= horizon {
                    ObligationState::DueSoon
                } else {
                    ObligationState::Upcoming
                };
            }
            ob
        })
        .collect();

    let registration = periods.last().cloned();
    let state = states.on(today);
    let ended = registration
        .as_ref()
        .and_then(|r| r.end)
        .is_some_and(|end| today >= end.date);
    let any = |s: ObligationState| obligations.iter().any(|o| o.state == s);
    // A report awaiting a notice changes nothing here: it is counted apart.
    let status = match state {
        PersonState::Deceased => ComplianceStatus::Deceased,
        PersonState::Removed => ComplianceStatus::Removed,
        _ if ended => ComplianceStatus::PeriodEnded,
        PersonState::InCustody => ComplianceStatus::InCustody,
        PersonState::Absconded => ComplianceStatus::Absconded,
        PersonState::Active if any(ObligationState::Overdue) => ComplianceStatus::Overdue,
        PersonState::Active if any(ObligationState::DueSoon) => ComplianceStatus::DueSoon,
        PersonState::Active => ComplianceStatus::Compliant,
    };

    let trips = itineraries(records);
    let assessments: Vec<RecordAssessment> = active(records)
        .map(|r| assess(r, &trips, rules, inputs.notices))
        .collect();
    // Only registered persons are anywhere "travelling", or about to.
    let registered = status.counts_as_registered();
    let trips_under_way = trips
        .iter()
        .filter(|t| registered && t.departure <= today && today <= t.return_date)
        .map(|t| t.trip_id)
        .collect();
    let departures_ahead = trips
        .iter()
        .filter(|t| registered && t.foreign && today < t.departure && t.departure <= horizon)
        .map(|t| t.trip_id)
        .collect();
    let overdue_since = obligations
        .iter()
        .find(|o| o.state == ObligationState::Overdue)
        .map(|o| o.effective_due);
    let next_due = obligations
        .iter()
        .find(|o| {
            matches!(
                o.state,
                ObligationState::DueSoon | ObligationState::Upcoming
            ) && o.effective_due >= today
        })
        .map(|o| o.effective_due);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let awaiting: Vec<&Obligation> = obligations
        .iter()
        .filter(|o| o.state == ObligationState::AwaitingNotice)
        .collect();

    Compliance {
        status,
        registration,
        risk_level: risk_on(records, today),
        overdue_since,
        next_due,
        trips_under_way,
        departures_ahead,
        unserved_notices: count(
            inputs
                .notices
                .iter()
                .filter(|n| n.served_on.is_none())
                .count(),
        ),
        awaiting_notice: count(awaiting.len()),
        awaiting_since: awaiting.first().map(|o| o.due),
        owed_from,
        today,
        obligations,
        assessments,
    }
}

/// The values a person's obligations depend on, apart from the registration periods.
fn obligation_values(v: &RuleValues) -> impl PartialEq + '_ {
    (
        v.report_change_days,
        v.foreign_travel_notice_days,
        v.travel_change_notice_hours,
        &v.reporting_months,
    )
}

/// Whether a change of rule book (`before` → `after`, differing from `from` on) concerns this
/// person, who must then be given a notice. The rule (provisional reading of DOMAIN.md §5):
/// - only a person still registered after `from` under either book (a period running past
///   it, and no death or removal by then) can be concerned;
/// - a change, on any day from `from` on, to the deadlines for declaring changes and trips or
///   to the reporting interval of any risk level concerns every such person: the deadlines
///   apply to whatever they declare next, and anyone may be assessed at another level later,
///   so every schedule could use every interval;
/// - a change to the registration periods concerns those whose period (end or review) moves.
///
/// Every change that moves one of the person's future report dates is therefore noticed
/// (the tests hold the schedules of both books to that).
pub fn touched_by(
    data: &FileData,
    records: &[FileRecord],
    before: &RuleBook,
    after: &RuleBook,
    from: NaiveDate,
) -> bool {
    let states = StateLine::new(data, records);
    if states.ends_on().is_some_and(|end| end <= from) {
        return false;
    }
    let (old, new) = (periods(data, before), periods(data, after));
    let runs_past = |ps: &[Registration]| ps.iter().any(|p| p.end.is_none_or(|e| e.date > from));
    if !runs_past(&old) && !runs_past(&new) {
        return false;
    }
    // Every day from `from` on where either book changes.
    let mut change_days: BTreeSet<NaiveDate> = BTreeSet::from([from]);
    for v in before.versions().iter().chain(after.versions()) {
        if v.effective_from > from {
            change_days.insert(v.effective_from);
        }
    }
    let values_differ = change_days.iter().any(|&day| {
        obligation_values(&before.in_effect(day).values)
            != obligation_values(&after.in_effect(day).values)
    });
    let dates = |ps: &[Registration]| {
        ps.iter()
            .map(|p| (p.start, p.end.map(|e| e.date), p.review.map(|r| r.date)))
            .collect::<Vec<_>>()
    };
    values_differ || dates(&old) != dates(&new)
}

#[cfg(test)]
mod tests;
