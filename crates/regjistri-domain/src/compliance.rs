//! Where a registered person stands today (DOMAIN.md §5), derived every time from the file,
//! its records, the rule book, the notices and today's date. Nothing here is stored, so
//! nothing can go stale: a new record, a new rule version or a new day gives a new answer.
//!
//! Decisions (the law is unconfirmed; these are the provisional reading):
//! - Each conviction's registration starts on the day it became final and lasts for the band
//!   of its sentence; the registration is the union: from the earliest start to the latest end,
//!   for life if any band is for life. The period is [start, end).
//! - A rule version alters only dates after its effective date: an end date already reached
//!   before the change stands, and a shorter new period never ends before the change itself.
//! - Periodic reports fall due at anchor + k × interval (anchor = registration start), each
//!   computed from the anchor; the interval is the one in force (rules, risk level) at the
//!   due date. Reports due while in custody are suspended; reports after death or removal
//!   are not owed.
//! - A report is on time if a check-in falls after the previous due date and on or before
//!   this one; late if it comes before the next due date; otherwise missed (overdue once
//!   the due date has passed).
//! - Dates produced by a rule version for which the person has an unserved notice cannot
//!   become overdue; once served, they are due no earlier than the day of service.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::dates::add_months;
use crate::file::FileData;
use crate::records::{FileRecord, PersonState, RecordData, RuleNotice, VerificationResult};
use crate::rules::{RiskLevel, RuleBook};

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
    Overdue,
    /// Due within the look-ahead of the rules (`due_soon_days`).
    DueSoon,
    Upcoming,
    /// Due while the person was in custody.
    Suspended,
    /// Past due under a rule version whose notice has not been served: not overdue.
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
    pub deadline: Option<RuledDate>,
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
    pub unserved_notices: u32,
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
}

fn active(records: &[FileRecord]) -> impl Iterator<Item = &FileRecord> {
    records.iter().filter(|r| r.void.is_none())
}

fn days(date: NaiveDate, n: i64) -> NaiveDate {
    date.checked_add_signed(chrono::Duration::days(n))
        .unwrap_or(if n < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

/// The person's state on each day: custody periods of the convictions, then the recorded
/// status changes (a later record overrides).
struct StateLine(Vec<(NaiveDate, u8, PersonState)>);

impl StateLine {
    fn new(data: &FileData, records: &[FileRecord]) -> StateLine {
        let mut events = Vec::new();
        for c in &data.convictions {
            if let Some(from) = c.custody_from {
                events.push((from, 0, PersonState::InCustody));
                let release = c.release_date.or_else(|| {
                    add_months(from, i32::try_from(c.sentence_months).unwrap_or(i32::MAX))
                });
                if let Some(release) = release {
                    events.push((release, 0, PersonState::Active));
                }
            }
        }
        let mut recorded: Vec<&FileRecord> = active(records)
            .filter(|r| matches!(r.data, RecordData::StatusChange { .. }))
            .collect();
        recorded.sort_by_key(|r| (r.data.date(), r.recorded_at));
        for r in recorded {
            if let RecordData::StatusChange {
                state, effective, ..
            } = r.data
            {
                events.push((effective, 1, state));
            }
        }
        // Stable: by date, conviction custody before recorded changes on the same day.
        events.sort_by_key(|(date, source, _)| (*date, *source));
        StateLine(events)
    }

    fn on(&self, date: NaiveDate) -> PersonState {
        let mut state = PersonState::Active;
        for (d, _, s) in &self.0 {
            if *d > date {
                break;
            }
            // Death and removal are final.
            if !matches!(state, PersonState::Deceased | PersonState::Removed) {
                state = *s;
            }
        }
        state
    }

    /// The first day of death or removal, if any.
    fn ends_on(&self) -> Option<NaiveDate> {
        self.0
            .iter()
            .find(|(_, _, s)| matches!(s, PersonState::Deceased | PersonState::Removed))
            .map(|(d, _, _)| *d)
    }
}

/// The end (and review) of one conviction's registration, re-examined at every later rule
/// version: only dates after a version's effective date may change.
fn conviction_period(
    start: NaiveDate,
    months: u32,
    rules: &RuleBook,
) -> (Option<RuledDate>, Option<RuledDate>, u32) {
    let compute = |version: &crate::rules::RuleSet| {
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

fn registration(data: &FileData, rules: &RuleBook) -> Option<Registration> {
    let mut out: Option<Registration> = None;
    for c in &data.convictions {
        let (end, review, version) = conviction_period(c.final_date, c.sentence_months, rules);
        match &mut out {
            None => {
                out = Some(Registration {
                    start: c.final_date,
                    end,
                    review,
                    longest_sentence_months: c.sentence_months,
                    rule_version: version,
                })
            }
            Some(r) => {
                if c.final_date < r.start {
                    r.start = c.final_date;
                    r.rule_version = version;
                }
                r.longest_sentence_months = r.longest_sentence_months.max(c.sentence_months);
                r.end = match (r.end, end) {
                    (Some(a), Some(b)) => Some(if b.date > a.date { b } else { a }),
                    _ => None,
                };
                r.review = match (r.review, review) {
                    (Some(a), Some(b)) => Some(if b.date > a.date { b } else { a }),
                    (a, b) => a.or(b),
                };
            }
        }
    }
    out
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

fn assess(r: &FileRecord, rules: &RuleBook) -> RecordAssessment {
    let mut a = RecordAssessment {
        record_id: r.id,
        deadline: None,
        on_time: None,
        international_notification: false,
        child_contact: false,
        not_found: false,
    };
    let report_within = |event: NaiveDate, reported: NaiveDate| {
        let version = rules.in_effect(event);
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
            let version = rules.in_effect(*notice_date);
            let deadline = if *foreign {
                days(
                    *departure,
                    -i64::from(version.values.foreign_travel_notice_days),
                )
            } else {
                // Domestic trips are declared by the day of departure.
                *departure
            };
            a.deadline = Some(RuledDate {
                date: deadline,
                rule_version: version.version,
            });
            a.on_time = Some(*notice_date <= deadline);
            a.international_notification = *foreign;
        }
        RecordData::Verification { result, .. } => {
            a.not_found = *result == VerificationResult::NotFound;
        }
        RecordData::CheckIn { .. }
        | RecordData::StatusChange { .. }
        | RecordData::RiskAssessment { .. } => {}
    }
    a
}

/// Where the person stands on `inputs.today`.
pub fn compute(inputs: &Inputs<'_>) -> Compliance {
    let today = inputs.today;
    let rules = inputs.rules;
    let records = inputs.records;
    let states = StateLine::new(inputs.data, records);
    let registration = registration(inputs.data, rules);
    let due_soon_days = i64::from(rules.in_effect(today).values.due_soon_days);
    let horizon = days(today, due_soon_days);

    let mut obligations = Vec::new();
    if let Some(reg) = &registration {
        let stop = match (reg.end.map(|e| e.date), states.ends_on()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut check_ins: Vec<(NaiveDate, Uuid)> = active(records)
            .filter_map(|r| match r.data {
                RecordData::CheckIn { date, .. } => Some((date, r.id)),
                _ => None,
            })
            .collect();
        check_ins.sort();
        let dues = schedule(reg.start, stop, horizon, rules, records);
        // Check-ins must come after this date to count for the next report.
        let mut cursor = days(reg.start, -1);
        for (i, due) in dues.iter().enumerate() {
            let next_due = dues.get(i + 1).map_or(NaiveDate::MAX, |d| d.date);
            let mut ob = Obligation {
                due: due.date,
                effective_due: due.date,
                rule_version: due.rule_version,
                interval_months: due.interval,
                risk_level: due.risk,
                state: ObligationState::Upcoming,
                met_on: None,
                record_id: None,
            };
            if states.on(due.date) == PersonState::InCustody {
                ob.state = ObligationState::Suspended;
                cursor = cursor.max(due.date);
                obligations.push(ob);
                continue;
            }
            let mut awaiting = false;
            for n in inputs.notices {
                if n.rule_version <= due.rule_version && n.rule_version > reg.rule_version {
                    match n.served_on {
                        None => awaiting = true,
                        Some(s) => ob.effective_due = ob.effective_due.max(s),
                    }
                }
            }
            let candidate = check_ins.iter().find(|(d, _)| *d > cursor);
            match candidate {
                Some((d, id)) if *d <= ob.effective_due => {
                    ob.state = ObligationState::Met;
                    ob.met_on = Some(*d);
                    ob.record_id = Some(*id);
                    cursor = ob.effective_due.max(*d);
                }
                Some((d, id)) if *d < next_due => {
                    ob.state = ObligationState::MetLate;
                    ob.met_on = Some(*d);
                    ob.record_id = Some(*id);
                    cursor = *d;
                }
                _ => {
                    ob.state = if ob.effective_due < today {
                        if awaiting {
                            ObligationState::AwaitingNotice
                        } else {
                            ObligationState::Overdue
                        }
                    } else if ob.effective_due <= horizon {
                        ObligationState::DueSoon
                    } else {
                        ObligationState::Upcoming
                    };
                    cursor = cursor.max(due.date);
                }
            }
            obligations.push(ob);
        }
    }

    let assessments: Vec<RecordAssessment> = active(records).map(|r| assess(r, rules)).collect();
    let trips_under_way = active(records)
        .filter_map(|r| match r.data {
            RecordData::Trip {
                departure,
                return_date,
                ..
            } if departure <= today && today <= return_date => Some(r.id),
            _ => None,
        })
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
    let unserved_notices = u32::try_from(
        inputs
            .notices
            .iter()
            .filter(|n| n.served_on.is_none())
            .count(),
    )
    .unwrap_or(u32::MAX);

    let state = states.on(today);
    let ended = registration
        .as_ref()
        .and_then(|r| r.end)
        .is_some_and(|end| today >= end.date);
    let any = |s: ObligationState| obligations.iter().any(|o| o.state == s);
    let status = match state {
        PersonState::Deceased => ComplianceStatus::Deceased,
        PersonState::Removed => ComplianceStatus::Removed,
        _ if ended => ComplianceStatus::PeriodEnded,
        PersonState::InCustody => ComplianceStatus::InCustody,
        PersonState::Absconded => ComplianceStatus::Absconded,
        PersonState::Active if any(ObligationState::Overdue) => ComplianceStatus::Overdue,
        PersonState::Active
            if any(ObligationState::DueSoon) || any(ObligationState::AwaitingNotice) =>
        {
            ComplianceStatus::DueSoon
        }
        PersonState::Active => ComplianceStatus::Compliant,
    };

    Compliance {
        status,
        registration,
        risk_level: risk_on(records, today),
        obligations,
        assessments,
        overdue_since,
        next_due,
        trips_under_way,
        unserved_notices,
        today,
    }
}

/// Whether a change of rule book moves any date of this file on or after `from` (the next
/// periodic report, its interval, the registration end or review): the file is touched.
pub fn touched_by(
    data: &FileData,
    records: &[FileRecord],
    before: &RuleBook,
    after: &RuleBook,
    from: NaiveDate,
) -> bool {
    let key = |rules: &RuleBook| {
        let c = compute(&Inputs {
            data,
            records,
            notices: &[],
            rules,
            today: from,
        });
        let next = c
            .obligations
            .iter()
            .find(|o| o.due >= from)
            .map(|o| (o.due, o.interval_months));
        let end = c.registration.as_ref().and_then(|r| r.end).map(|e| e.date);
        let review = c
            .registration
            .as_ref()
            .and_then(|r| r.review)
            .map(|e| e.date);
        (next, end, review)
    };
    key(before) != key(after)
}

#[cfg(test)]
mod tests;
