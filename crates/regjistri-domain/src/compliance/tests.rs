use super::*;
use crate::file::{Conviction, Description, Identity, Sex};
use crate::records::{RecordData as R, RuleNotice, Void};
use crate::rules::{RuleSet, RuleValues};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn conviction(final_date: NaiveDate, months: u32) -> Conviction {
    Conviction {
        id: Uuid::from_u128(u128::from(months) + 1),
        foreign: false,
        country: "AL".into(),
        court_code: Some("gj-tirane".into()),
        court_name: String::new(),
        decision_number: "1".into(),
        decision_date: final_date,
        final_date,
        articles: vec!["100".into()],
        sentence_months: months,
        sentence_text: String::new(),
        custody_from: None,
        release_date: None,
        recognition: String::new(),
        victim_age: None,
        victim_relationship: String::new(),
    }
}

fn file(convictions: Vec<Conviction>) -> FileData {
    FileData {
        identity: Identity {
            surname: "Provë".into(),
            given_name: "Test".into(),
            father_name: "Atë".into(),
            mother_name: String::new(),
            sex: Sex::M,
            date_of_birth: d(1970, 1, 1),
            place_of_birth: String::new(),
            nid: None,
            nid_check_overridden: false,
            citizenships: vec!["AL".into()],
            aliases: vec![],
        },
        description: Description::default(),
        convictions,
        addresses: vec![],
    }
}

fn record(n: u128, data: R) -> FileRecord {
    FileRecord {
        id: Uuid::from_u128(1000 + n),
        file_id: Uuid::from_u128(1),
        data,
        recorded_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
            + chrono::Duration::seconds(n as i64),
        recorded_by: "clerk".into(),
        void: None,
        confirmation: None,
    }
}

fn check_in(n: u128, date: NaiveDate) -> FileRecord {
    record(
        n,
        R::CheckIn {
            date,
            officer: "o".into(),
            photo_id: None,
            no_photo_reason: None,
            note: String::new(),
            photo_taken: Some(true),
        },
    )
}

/// A status change; death and removal confirmed by a second supervisor.
fn status(n: u128, state: PersonState, effective: NaiveDate) -> FileRecord {
    let mut r = record(
        n,
        R::StatusChange {
            state,
            effective,
            reason: "r".into(),
        },
    );
    if r.data.needs_confirmation() {
        r.confirmation = Some(crate::records::Confirmation {
            by: "supervisor-2".into(),
            at: r.recorded_at,
        });
    }
    r
}

fn book() -> RuleBook {
    RuleBook::new(vec![])
}

fn version(v: u32, from: NaiveDate, edit: impl FnOnce(&mut RuleValues)) -> RuleSet {
    let mut values = RuleValues::provisional();
    edit(&mut values);
    RuleSet {
        version: v,
        effective_from: from,
        values,
        provisional: true,
        note: String::new(),
    }
}

fn run(data: &FileData, records: &[FileRecord], rules: &RuleBook, today: NaiveDate) -> Compliance {
    compute(&Inputs {
        data,
        records,
        notices: &[],
        rules,
        today,
        registered_on: None,
    })
}

#[test]
fn registration_periods_by_longest_sentence() {
    // (final date, sentence months, end, review)
    let cases = [
        (d(2016, 2, 29), 36, Some(d(2026, 2, 28)), None),
        (d(2016, 2, 29), 37, Some(d(2036, 2, 29)), None),
        (d(2016, 1, 31), 120, Some(d(2036, 1, 31)), None),
        (d(2016, 1, 31), 121, None, Some(d(2031, 1, 31))),
        (d(2015, 8, 31), 0, Some(d(2025, 8, 31)), None),
    ];
    for (start, months, end, review) in cases {
        let c = run(
            &file(vec![conviction(start, months)]),
            &[],
            &book(),
            d(2020, 1, 1),
        );
        let reg = c.registration.unwrap();
        assert_eq!(reg.start, start);
        assert_eq!(reg.end.map(|e| e.date), end, "{start} {months}");
        assert_eq!(reg.review.map(|e| e.date), review, "{start} {months}");
        assert_eq!(reg.end.map_or(1, |e| e.rule_version), 1);
    }
}

#[test]
fn several_convictions_give_the_union() {
    let data = file(vec![
        conviction(d(2010, 5, 1), 24),
        conviction(d(2014, 3, 1), 48),
    ]);
    let reg = run(&data, &[], &book(), d(2020, 1, 1))
        .registration
        .unwrap();
    assert_eq!(reg.start, d(2010, 5, 1));
    assert_eq!(reg.end.unwrap().date, d(2034, 3, 1));
    assert_eq!(reg.longest_sentence_months, 48);
    let life = file(vec![
        conviction(d(2010, 5, 1), 24),
        conviction(d(2014, 3, 1), 180),
    ]);
    assert_eq!(
        run(&life, &[], &book(), d(2020, 1, 1))
            .registration
            .unwrap()
            .end,
        None
    );
}

#[test]
fn the_end_date_is_the_first_day_not_registered() {
    let data = file(vec![conviction(d(2016, 2, 29), 12)]);
    let before = run(&data, &[], &book(), d(2026, 2, 27));
    assert!(before.status.counts_as_registered());
    let on = run(&data, &[], &book(), d(2026, 2, 28));
    assert_eq!(on.status, ComplianceStatus::PeriodEnded);
    assert!(!on.counts_as_registered());
}

#[test]
fn reports_fall_due_from_the_anchor_never_step_by_step() {
    let data = file(vec![conviction(d(2016, 2, 29), 12)]);
    let c = run(&data, &[], &book(), d(2021, 1, 1));
    let dues: Vec<NaiveDate> = c.obligations.iter().map(|o| o.due).collect();
    assert_eq!(
        &dues[..5],
        &[
            d(2017, 2, 28),
            d(2018, 2, 28),
            d(2019, 2, 28),
            d(2020, 2, 29), // step by step would say 28.02.2020
            d(2021, 2, 28),
        ]
    );
    // Monthly from 31.01: 28.02, 31.03, 30.04.
    let monthly = book().with(version(2, d(2000, 1, 1), |v| {
        v.reporting_months.standard = 1
    }));
    let data = file(vec![conviction(d(2025, 1, 31), 12)]);
    let c = run(&data, &[], &monthly, d(2025, 4, 1));
    let dues: Vec<NaiveDate> = c.obligations.iter().map(|o| o.due).take(3).collect();
    assert_eq!(dues, vec![d(2025, 2, 28), d(2025, 3, 31), d(2025, 4, 30)]);
}

#[test]
fn status_table() {
    let data = file(vec![conviction(d(2020, 3, 10), 12)]);
    // Due dates: 10.03.2021, 10.03.2022, ...; look-ahead 14 days.
    let cases: Vec<(&str, Vec<FileRecord>, NaiveDate, ComplianceStatus)> = vec![
        (
            "nothing due yet",
            vec![],
            d(2021, 2, 1),
            ComplianceStatus::Compliant,
        ),
        (
            "due in 14 days",
            vec![],
            d(2021, 2, 24),
            ComplianceStatus::DueSoon,
        ),
        (
            "due in 15 days",
            vec![],
            d(2021, 2, 23),
            ComplianceStatus::Compliant,
        ),
        (
            "due today",
            vec![],
            d(2021, 3, 10),
            ComplianceStatus::DueSoon,
        ),
        (
            "the day after",
            vec![],
            d(2021, 3, 11),
            ComplianceStatus::Overdue,
        ),
        (
            "reported on the due day",
            vec![check_in(1, d(2021, 3, 10))],
            d(2021, 3, 11),
            ComplianceStatus::Compliant,
        ),
        (
            "reported late",
            vec![check_in(1, d(2021, 4, 2))],
            d(2021, 4, 3),
            ComplianceStatus::Compliant,
        ),
        (
            "one report does not cover two years",
            vec![check_in(1, d(2021, 3, 1))],
            d(2022, 3, 11),
            ComplianceStatus::Overdue,
        ),
        (
            "absconded",
            vec![status(1, PersonState::Absconded, d(2021, 1, 5))],
            d(2021, 6, 1),
            ComplianceStatus::Absconded,
        ),
        (
            "found again, still owes the report",
            vec![
                status(1, PersonState::Absconded, d(2021, 1, 5)),
                status(2, PersonState::Active, d(2021, 5, 1)),
            ],
            d(2021, 6, 1),
            ComplianceStatus::Overdue,
        ),
        (
            "in custody suspends",
            vec![status(1, PersonState::InCustody, d(2021, 1, 5))],
            d(2021, 6, 1),
            ComplianceStatus::InCustody,
        ),
        (
            "deceased",
            vec![status(1, PersonState::Deceased, d(2021, 1, 5))],
            d(2021, 6, 1),
            ComplianceStatus::Deceased,
        ),
        (
            "removed is final",
            vec![
                status(1, PersonState::Removed, d(2021, 1, 5)),
                status(2, PersonState::Active, d(2021, 2, 5)),
            ],
            d(2021, 6, 1),
            ComplianceStatus::Removed,
        ),
        (
            "period ended",
            vec![],
            d(2030, 3, 10),
            ComplianceStatus::PeriodEnded,
        ),
    ];
    for (name, records, today, expected) in cases {
        let c = run(&data, &records, &book(), today);
        assert_eq!(c.status, expected, "{name}");
    }
}

#[test]
fn a_voided_check_in_does_not_count() {
    let data = file(vec![conviction(d(2020, 3, 10), 12)]);
    let mut r = check_in(1, d(2021, 3, 1));
    r.void = Some(Void {
        reason: "wrong person".into(),
        by: "s".into(),
        at: Utc.with_ymd_and_hms(2021, 3, 2, 0, 0, 0).unwrap(),
    });
    let c = run(&data, &[r], &book(), d(2021, 3, 11));
    assert_eq!(c.status, ComplianceStatus::Overdue);
    assert_eq!(c.overdue_since, Some(d(2021, 3, 10)));
}

#[test]
fn custody_from_a_conviction_suspends_reports_until_release() {
    let mut c = conviction(d(2020, 3, 10), 24);
    c.custody_from = Some(d(2020, 3, 10));
    c.release_date = Some(d(2021, 9, 1));
    let data = file(vec![c]);
    let during = run(&data, &[], &book(), d(2021, 6, 1));
    assert_eq!(during.status, ComplianceStatus::InCustody);
    assert_eq!(during.obligations[0].state, ObligationState::Suspended);
    let after = run(&data, &[], &book(), d(2021, 9, 2));
    assert_eq!(after.status, ComplianceStatus::Compliant);
    assert_eq!(after.next_due, Some(d(2022, 3, 10)));
}

#[test]
fn risk_level_changes_the_interval_from_the_assessment() {
    let data = file(vec![conviction(d(2020, 1, 15), 12)]);
    let high = record(
        1,
        R::RiskAssessment {
            level: RiskLevel::High,
            date: d(2021, 2, 1),
            officer: "o".into(),
        },
    );
    let c = run(&data, &[high], &book(), d(2021, 7, 1));
    let dues: Vec<(NaiveDate, u32)> = c
        .obligations
        .iter()
        .map(|o| (o.due, o.interval_months))
        .take(3)
        .collect();
    // Yearly until the assessment, then quarterly, still from the anchor.
    assert_eq!(
        dues,
        vec![
            (d(2021, 1, 15), 12),
            (d(2021, 4, 15), 3),
            (d(2021, 7, 15), 3)
        ]
    );
    assert_eq!(
        run(&data, &[], &book(), d(2021, 1, 1)).risk_level,
        RiskLevel::Standard
    );
}

#[test]
fn a_rule_change_alters_only_future_dates() {
    let data = file(vec![conviction(d(2020, 1, 15), 12)]);
    let before = run(&data, &[], &book(), d(2023, 1, 1));
    // From 01.06.2022 everyone reports every 6 months and short sentences last 15 years.
    let changed = book().with(version(2, d(2022, 6, 1), |v| {
        v.reporting_months.standard = 6;
        v.registration[0].years = Some(15);
    }));
    let after = run(&data, &[], &changed, d(2023, 1, 1));
    for (a, b) in before.obligations.iter().zip(&after.obligations) {
        if a.due < d(2022, 6, 1) {
            assert_eq!((a.due, a.rule_version), (b.due, b.rule_version));
        }
    }
    let later: Vec<(NaiveDate, u32)> = after
        .obligations
        .iter()
        .filter(|o| o.due >= d(2022, 6, 1))
        .map(|o| (o.due, o.rule_version))
        .take(2)
        .collect();
    assert_eq!(later, vec![(d(2022, 7, 15), 2), (d(2023, 1, 15), 2)]);
    let end = after.registration.unwrap().end.unwrap();
    assert_eq!((end.date, end.rule_version), (d(2035, 1, 15), 2));

    // A registration that ended before the change stays ended.
    let old = file(vec![conviction(d(2000, 1, 15), 12)]);
    let c = run(&old, &[], &changed, d(2023, 1, 1));
    assert_eq!(c.registration.unwrap().end.unwrap().date, d(2010, 1, 15));
    assert_eq!(c.status, ComplianceStatus::PeriodEnded);

    // A shorter period never ends before the change itself.
    let shorter = book().with(version(2, d(2028, 1, 1), |v| {
        v.registration[0].years = Some(5)
    }));
    let c = run(&data, &[], &shorter, d(2023, 1, 1));
    assert_eq!(c.registration.unwrap().end.unwrap().date, d(2028, 1, 1));
}

#[test]
fn nothing_is_overdue_under_new_rules_before_the_notice_is_served() {
    let data = file(vec![conviction(d(2020, 1, 15), 12)]);
    let changed = book().with(version(2, d(2022, 6, 1), |v| {
        v.reporting_months.standard = 6
    }));
    let mut notice = RuleNotice {
        id: Uuid::from_u128(9),
        file_id: Uuid::from_u128(1),
        rule_version: 2,
        created_at: Utc.with_ymd_and_hms(2022, 5, 20, 8, 0, 0).unwrap(),
        served_on: None,
        served_by: None,
    };
    // All reports up to 15.01.2022 were made; 15.07.2022 (new rule) was missed.
    let records = vec![check_in(1, d(2021, 1, 10)), check_in(2, d(2022, 1, 10))];
    let today = d(2022, 8, 1);
    let inputs = |notices: &[RuleNotice]| {
        compute(&Inputs {
            data: &data,
            records: &records,
            notices,
            rules: &changed,
            today,
            registered_on: None,
        })
    };
    let c = inputs(std::slice::from_ref(&notice));
    // Awaiting the notice is not the person's doing: counted apart, the status unchanged.
    assert_eq!(c.status, ComplianceStatus::Compliant);
    assert!(c
        .obligations
        .iter()
        .any(|o| o.state == ObligationState::AwaitingNotice && o.due == d(2022, 7, 15)));
    assert_eq!(c.unserved_notices, 1);
    assert_eq!(
        (c.awaiting_notice, c.awaiting_since),
        (1, Some(d(2022, 7, 15)))
    );

    // Served on 20.07: due no earlier than that day, so overdue from 21.07.
    notice.served_on = Some(d(2022, 7, 20));
    let c = inputs(std::slice::from_ref(&notice));
    assert_eq!(c.status, ComplianceStatus::Overdue);
    assert_eq!(c.overdue_since, Some(d(2022, 7, 20)));
    // Without any notice the old-rule reports are unaffected.
    assert_eq!(inputs(&[]).overdue_since, Some(d(2022, 7, 15)));
}

#[test]
fn status_follows_the_date_without_any_new_input() {
    let data = file(vec![conviction(d(2020, 3, 10), 12)]);
    let records = vec![check_in(1, d(2021, 3, 1))];
    let statuses: Vec<ComplianceStatus> = [d(2022, 2, 1), d(2022, 3, 1), d(2022, 3, 11)]
        .into_iter()
        .map(|today| run(&data, &records, &book(), today).status)
        .collect();
    assert_eq!(
        statuses,
        vec![
            ComplianceStatus::Compliant,
            ComplianceStatus::DueSoon,
            ComplianceStatus::Overdue
        ]
    );
}

#[test]
fn deadlines_of_declarations() {
    let rules = book();
    let muni = "tirane".to_string();
    let address = |moved: NaiveDate, reported: NaiveDate| {
        record(
            1,
            R::AddressChange {
                address_kind: crate::file::AddressKind::Residence,
                municipality_code: muni.clone(),
                street: "s".into(),
                moved_on: moved,
                reported_on: reported,
            },
        )
    };
    let trip = |foreign: bool, departure: NaiveDate, notice: NaiveDate| {
        record(
            2,
            R::Trip {
                foreign,
                country: if foreign { "IT".into() } else { "AL".into() },
                destination: "x".into(),
                departure,
                return_date: days(departure, 7),
                purpose: String::new(),
                notice_date: notice,
            },
        )
    };
    // (record, deadline, on time, international notification)
    let cases = [
        (
            address(d(2024, 2, 27), d(2024, 3, 1)),
            d(2024, 3, 1),
            true,
            false,
        ),
        (
            address(d(2024, 2, 27), d(2024, 3, 2)),
            d(2024, 3, 1),
            false,
            false,
        ),
        (
            address(d(2023, 2, 27), d(2023, 3, 2)),
            d(2023, 3, 2),
            true,
            false,
        ),
        (
            trip(true, d(2024, 3, 8), d(2024, 3, 1)),
            d(2024, 3, 1),
            true,
            true,
        ),
        (
            trip(true, d(2024, 3, 8), d(2024, 3, 2)),
            d(2024, 3, 1),
            false,
            true,
        ),
        (
            trip(false, d(2024, 3, 8), d(2024, 3, 8)),
            d(2024, 3, 8),
            true,
            false,
        ),
    ];
    for (r, deadline, on_time, international) in cases {
        let a = assess(&r, &[], &rules, &[]);
        assert_eq!(a.deadline.map(|x| x.date), Some(deadline), "{r:?}");
        assert_eq!(a.on_time, Some(on_time), "{r:?}");
        assert_eq!(a.international_notification, international);
    }
}

#[test]
fn trips_under_way_include_both_end_days() {
    let data = file(vec![conviction(d(2020, 3, 10), 12)]);
    let t = record(
        1,
        R::Trip {
            foreign: true,
            country: "GR".into(),
            destination: "Athinë".into(),
            departure: d(2021, 7, 1),
            return_date: d(2021, 7, 10),
            purpose: String::new(),
            notice_date: d(2021, 6, 1),
        },
    );
    for (today, under_way) in [
        (d(2021, 6, 30), false),
        (d(2021, 7, 1), true),
        (d(2021, 7, 10), true),
        (d(2021, 7, 11), false),
    ] {
        let c = run(&data, std::slice::from_ref(&t), &book(), today);
        assert_eq!(!c.trips_under_way.is_empty(), under_way, "{today}");
    }
}

// ---- cases found in review ----

#[test]
fn one_missed_report_does_not_make_the_later_ones_late() {
    let data = file(vec![conviction(d(2020, 1, 15), 60)]);
    let records: Vec<FileRecord> = [2021, 2023, 2024, 2025, 2026]
        .iter()
        .enumerate()
        .map(|(i, y)| check_in(i as u128, d(*y, 1, 10)))
        .collect();
    let c = run(&data, &records, &book(), d(2026, 3, 1));
    let states: Vec<(NaiveDate, ObligationState)> =
        c.obligations.iter().map(|o| (o.due, o.state)).collect();
    assert_eq!(
        &states[..6],
        &[
            (d(2021, 1, 15), ObligationState::Met),
            (d(2022, 1, 15), ObligationState::Missed),
            (d(2023, 1, 15), ObligationState::Met),
            (d(2024, 1, 15), ObligationState::Met),
            (d(2025, 1, 15), ObligationState::Met),
            (d(2026, 1, 15), ObligationState::Met),
        ]
    );
    assert_eq!(c.status, ComplianceStatus::Compliant);
    // A spare check-in after a miss meets it late, without taking the next one's.
    let mut late = records.clone();
    late.push(check_in(9, d(2022, 2, 1)));
    let c = run(&data, &late, &book(), d(2026, 3, 1));
    assert_eq!(c.obligations[1].state, ObligationState::MetLate);
    assert_eq!(c.obligations[2].state, ObligationState::Met);
}

#[test]
fn reports_are_owed_from_the_registration_notice_or_the_first_approval() {
    let data = file(vec![conviction(d(2012, 5, 10), 60)]);
    let today = d(2026, 12, 3);
    let at = |records: &[FileRecord], registered_on| {
        compute(&Inputs {
            data: &data,
            records,
            notices: &[],
            rules: &book(),
            today,
            registered_on,
        })
    };
    // Entered and approved today: nothing owed yet; the first report is next May.
    let c = at(&[], Some(today));
    assert_eq!(c.status, ComplianceStatus::Compliant);
    assert_eq!(c.next_due, Some(d(2027, 5, 10)));
    assert!(c.obligations.iter().all(|o| o.due >= today));
    // Told on paper in 2023 and never reported since: overdue since May 2023.
    let notice = record(
        1,
        R::RegistrationNotice {
            date: d(2023, 2, 1),
            officer: "o".into(),
            note: String::new(),
        },
    );
    let c = at(std::slice::from_ref(&notice), Some(today));
    assert_eq!(c.owed_from, Some(d(2023, 2, 1)));
    assert_eq!(c.overdue_since, Some(d(2023, 5, 10)));
}

#[test]
fn overlapping_custody_keeps_the_person_in_custody() {
    let mut a = conviction(d(2010, 1, 1), 60);
    a.custody_from = Some(d(2010, 1, 1));
    a.release_date = Some(d(2015, 1, 1));
    let mut b = conviction(d(2012, 1, 1), 96);
    b.id = Uuid::from_u128(77);
    b.custody_from = Some(d(2012, 1, 1));
    b.release_date = Some(d(2020, 1, 1));
    let data = file(vec![a, b]);
    let c = run(&data, &[], &book(), d(2016, 7, 1));
    assert_eq!(c.status, ComplianceStatus::InCustody);
    assert!(c
        .obligations
        .iter()
        .filter(|o| o.due < d(2016, 7, 1))
        .all(|o| o.state == ObligationState::Suspended));
    // An escape recorded during custody outlives the estimated release.
    let mut c1 = conviction(d(2010, 1, 1), 60);
    c1.custody_from = Some(d(2010, 1, 1));
    let escaped = status(1, PersonState::Absconded, d(2013, 6, 1));
    let c = run(&file(vec![c1]), &[escaped], &book(), d(2016, 1, 1));
    assert_eq!(c.status, ComplianceStatus::Absconded);
}

#[test]
fn nothing_is_owed_between_separate_registration_periods() {
    let mut second = conviction(d(2015, 3, 1), 12);
    second.id = Uuid::from_u128(99);
    let data = file(vec![conviction(d(2000, 3, 1), 12), second]);
    let c = run(&data, &[], &book(), d(2015, 6, 1));
    assert!(c
        .obligations
        .iter()
        .all(|o| o.due < d(2010, 3, 1) || o.due > d(2015, 3, 1)));
    assert_eq!(c.registration.as_ref().unwrap().start, d(2015, 3, 1));
    let reports: Vec<FileRecord> = (2001..=2009)
        .map(|y| check_in(y as u128, d(y, 2, 20)))
        .collect();
    let c = run(&data, &reports, &book(), d(2015, 6, 1));
    assert_eq!(c.status, ComplianceStatus::Compliant);
    assert_eq!(c.next_due, Some(d(2016, 3, 1)));
}

#[test]
fn an_unconfirmed_death_changes_nothing_and_the_dead_do_not_travel() {
    let data = file(vec![conviction(d(2020, 3, 10), 12)]);
    let trip = record(
        1,
        R::Trip {
            foreign: true,
            country: "IT".into(),
            destination: "Bari".into(),
            departure: d(2026, 11, 20),
            return_date: d(2026, 12, 20),
            purpose: String::new(),
            notice_date: d(2026, 11, 1),
        },
    );
    let mut death = status(2, PersonState::Deceased, d(2026, 11, 25));
    let confirmed = run(
        &data,
        &[trip.clone(), death.clone()],
        &book(),
        d(2026, 12, 3),
    );
    assert_eq!(confirmed.status, ComplianceStatus::Deceased);
    assert!(confirmed.trips_under_way.is_empty());
    death.confirmation = None;
    let pending = run(&data, &[trip, death], &book(), d(2026, 12, 3));
    assert!(pending.status.counts_as_registered());
    assert_eq!(pending.trips_under_way.len(), 1);
}

#[test]
fn declarations_are_judged_by_the_rules_the_person_was_told() {
    // Version 2 from 01.01.2027 asks 14 days' notice of foreign travel.
    let rules = book().with(version(2, d(2027, 1, 1), |v| {
        v.foreign_travel_notice_days = 14
    }));
    let trip = |notice: NaiveDate| {
        record(
            1,
            R::Trip {
                foreign: true,
                country: "IT".into(),
                destination: "Bari".into(),
                departure: d(2027, 1, 10),
                return_date: d(2027, 1, 20),
                purpose: String::new(),
                notice_date: notice,
            },
        )
    };
    // The 14-day deadline would be 27.12.2026, before version 2 exists: version 1 applies.
    let a = assess(&trip(d(2027, 1, 2)), &[], &rules, &[]);
    assert_eq!(
        a.deadline.map(|x| (x.date, x.rule_version)),
        Some((d(2027, 1, 3), 1))
    );
    assert_eq!(a.on_time, Some(true));
    // A later trip falls under version 2, unless the person was not told of it yet.
    let later = |notice| {
        record(
            2,
            R::Trip {
                foreign: true,
                country: "IT".into(),
                destination: "Bari".into(),
                departure: d(2027, 3, 1),
                return_date: d(2027, 3, 5),
                purpose: String::new(),
                notice_date: notice,
            },
        )
    };
    let a = assess(&later(d(2027, 2, 20)), &[], &rules, &[]);
    assert_eq!(
        a.deadline.map(|x| (x.date, x.rule_version)),
        Some((d(2027, 2, 15), 2))
    );
    assert_eq!(a.on_time, Some(false));
    let unserved = RuleNotice {
        id: Uuid::from_u128(5),
        file_id: Uuid::from_u128(1),
        rule_version: 2,
        created_at: Utc.with_ymd_and_hms(2026, 12, 20, 8, 0, 0).unwrap(),
        served_on: None,
        served_by: None,
    };
    let a = assess(
        &later(d(2027, 2, 20)),
        &[],
        &rules,
        std::slice::from_ref(&unserved),
    );
    assert_eq!(
        a.deadline.map(|x| (x.date, x.rule_version)),
        Some((d(2027, 2, 22), 1))
    );
    assert_eq!(a.on_time, Some(true));
}

#[test]
fn changed_declaration_deadlines_touch_every_registered_person() {
    let active = file(vec![conviction(d(2020, 1, 15), 12)]);
    let ended = file(vec![conviction(d(2000, 1, 15), 12)]);
    let stricter = book().with(version(2, d(2027, 1, 1), |v| v.report_change_days = 1));
    assert!(touched_by(&active, &[], &book(), &stricter, d(2027, 1, 1)));
    assert!(!touched_by(&ended, &[], &book(), &stricter, d(2027, 1, 1)));
}

proptest! {
    #[test]
    fn due_dates_are_anchor_multiples_and_increase(
        start in 0i64..15_000,
        interval in 1u32..25,
        today in 0i64..8_000,
    ) {
        let anchor = d(1990, 1, 1) + chrono::Duration::days(start);
        let rules = RuleBook::new(vec![version(1, d(1980, 1, 1), |v| v.reporting_months.standard = interval)]);
        let data = file(vec![conviction(anchor, 12)]);
        let c = run(&data, &[], &rules, anchor + chrono::Duration::days(today));
        let mut previous = anchor;
        for (k, o) in c.obligations.iter().enumerate() {
            let expected = add_months(anchor, interval as i32 * (k as i32 + 1)).unwrap();
            prop_assert_eq!(o.due, expected);
            prop_assert!(o.due > previous);
            previous = o.due;
        }
        // The schedule stops before the period ends, and never panics on any day.
        if let Some(end) = c.registration.and_then(|r| r.end) {
            prop_assert!(c.obligations.iter().all(|o| o.due < end.date));
        }
    }

    #[test]
    fn registration_end_is_years_as_months(start in 0i64..20_000, months in 0u32..120) {
        let start = d(1970, 1, 1) + chrono::Duration::days(start);
        let reg = run(&file(vec![conviction(start, months)]), &[], &book(), start)
            .registration
            .unwrap();
        let years = if months <= 36 { 10 } else { 20 };
        let end = reg.end.unwrap().date;
        prop_assert_eq!(end, add_months(start, years * 12).unwrap());
        prop_assert!(end.day() == start.day() || end.succ_opt().unwrap().day() == 1);
    }

    #[test]
    fn any_records_and_day_give_an_answer(
        dates in proptest::collection::vec((0i64..6000, 0u8..4), 0..12),
        today in 0i64..9000,
    ) {
        let anchor = d(2005, 5, 31);
        let data = file(vec![conviction(anchor, 60)]);
        let records: Vec<FileRecord> = dates
            .iter()
            .enumerate()
            .map(|(i, (offset, kind))| {
                let date = anchor + chrono::Duration::days(*offset);
                match kind {
                    0 => check_in(i as u128, date),
                    1 => status(i as u128, PersonState::InCustody, date),
                    2 => status(i as u128, PersonState::Active, date),
                    _ => record(i as u128, R::RiskAssessment { level: RiskLevel::High, date, officer: "o".into() }),
                }
            })
            .collect();
        let c = run(&data, &records, &book(), anchor + chrono::Duration::days(today));
        // Every check-in is used at most once.
        let mut used: Vec<Uuid> = c.obligations.iter().filter_map(|o| o.record_id).collect();
        let n = used.len();
        used.sort();
        used.dedup();
        prop_assert_eq!(used.len(), n);
        if c.status == ComplianceStatus::Overdue {
            prop_assert!(c.overdue_since.is_some());
        }
    }
}

// ---- notices move only the dates their version moved (review of issue 5) ----

fn notice(version: u32, served_on: Option<NaiveDate>) -> RuleNotice {
    RuleNotice {
        id: Uuid::from_u128(500 + u128::from(version)),
        file_id: Uuid::from_u128(1),
        rule_version: version,
        created_at: Utc.with_ymd_and_hms(2021, 5, 20, 8, 0, 0).unwrap(),
        served_on,
        served_by: served_on.map(|_| "o".to_string()),
    }
}

fn with_notices(
    data: &FileData,
    records: &[FileRecord],
    notices: &[RuleNotice],
    rules: &RuleBook,
    today: NaiveDate,
) -> Compliance {
    compute(&Inputs {
        data,
        records,
        notices,
        rules,
        today,
        registered_on: None,
    })
}

fn risk(n: u128, level: RiskLevel, date: NaiveDate) -> FileRecord {
    record(
        n,
        R::RiskAssessment {
            level,
            date,
            officer: "o".into(),
        },
    )
}

#[test]
fn a_change_of_declaration_deadlines_leaves_reports_to_fall_overdue() {
    // Version 2 (from 01.06.2022) shortens only the deadline to declare changes: every
    // registered person gets a notice, but no report date moves.
    let data = file(vec![conviction(d(2020, 1, 15), 12)]);
    let rules = book().with(version(2, d(2022, 6, 1), |v| v.report_change_days = 1));
    let records = vec![check_in(1, d(2021, 1, 10)), check_in(2, d(2022, 1, 10))];
    for served in [None, Some(d(2023, 1, 20))] {
        let c = with_notices(&data, &records, &[notice(2, served)], &rules, d(2023, 2, 1));
        let jan = c
            .obligations
            .iter()
            .find(|o| o.due == d(2023, 1, 15))
            .unwrap();
        assert_eq!(jan.rule_version, 2, "{served:?}");
        assert_eq!(jan.state, ObligationState::Overdue, "{served:?}");
        assert_eq!(jan.effective_due, d(2023, 1, 15), "{served:?}: not pushed");
        assert_eq!(c.status, ComplianceStatus::Overdue);
        assert_eq!(c.overdue_since, Some(d(2023, 1, 15)));
        assert_eq!(c.awaiting_notice, 0);
    }
}

#[test]
fn only_the_dates_a_version_moved_await_its_notice() {
    use ObligationState::*;
    // Quarterly reports; version 2 (from 01.06.2021) lengthens short registrations from 10
    // to 15 years, so the reports from the old end (10.03.2022) on are new to the person.
    let quarterly = || {
        RuleBook::new(vec![version(1, d(1990, 1, 1), |v| {
            v.reporting_months.standard = 3
        })])
    };
    let longer = quarterly().with(version(2, d(2021, 6, 1), |v| {
        v.reporting_months.standard = 3;
        v.registration[0].years = Some(15);
    }));
    let short = file(vec![conviction(d(2012, 3, 10), 12)]);
    // Version 2 (from 01.06.2022) makes high-risk reports every 2 months instead of 3.
    let high = book().with(version(2, d(2022, 6, 1), |v| v.reporting_months.high = 2));
    let yearly = file(vec![conviction(d(2020, 1, 15), 12)]);
    let met = |years: std::ops::RangeInclusive<i32>| -> Vec<FileRecord> {
        years.map(|y| check_in(y as u128, d(y, 1, 10))).collect()
    };
    let assessed = |mut records: Vec<FileRecord>| {
        records.push(risk(99, RiskLevel::High, d(2022, 9, 1)));
        records
    };
    // (case, data, rules, records, notices, today,
    //  expected (due, effective due, state) of the reports due from `from`, status)
    type Row = (NaiveDate, NaiveDate, ObligationState);
    type Case<'a> = (
        &'a str,
        &'a FileData,
        RuleBook,
        Vec<FileRecord>,
        Vec<RuleNotice>,
        NaiveDate,
        NaiveDate,
        Vec<Row>,
        ComplianceStatus,
    );
    let cases: Vec<Case> = vec![
        (
            "unserved: the dates before the old end stay, the new ones await",
            &short,
            longer.clone(),
            vec![],
            vec![notice(2, None)],
            d(2022, 7, 1),
            d(2021, 6, 1),
            vec![
                (d(2021, 6, 10), d(2021, 6, 10), Overdue),
                (d(2021, 9, 10), d(2021, 9, 10), Overdue),
                (d(2021, 12, 10), d(2021, 12, 10), Overdue),
                (d(2022, 3, 10), d(2022, 3, 10), AwaitingNotice),
                (d(2022, 6, 10), d(2022, 6, 10), AwaitingNotice),
                (d(2022, 9, 10), d(2022, 9, 10), Upcoming),
            ],
            ComplianceStatus::Overdue,
        ),
        (
            "served late: only the moved dates are pushed to the day of service",
            &short,
            longer.clone(),
            vec![],
            vec![notice(2, Some(d(2022, 4, 20)))],
            d(2022, 7, 1),
            d(2021, 6, 1),
            vec![
                (d(2021, 6, 10), d(2021, 6, 10), Overdue),
                (d(2021, 9, 10), d(2021, 9, 10), Overdue),
                (d(2021, 12, 10), d(2021, 12, 10), Overdue),
                (d(2022, 3, 10), d(2022, 4, 20), Overdue),
                (d(2022, 6, 10), d(2022, 6, 10), Overdue),
                (d(2022, 9, 10), d(2022, 9, 10), Upcoming),
            ],
            ComplianceStatus::Overdue,
        ),
        (
            "a standard-risk person: the high interval moves nothing",
            &yearly,
            high.clone(),
            met(2021..=2022),
            vec![notice(2, None)],
            d(2023, 2, 1),
            d(2022, 6, 1),
            vec![
                (d(2023, 1, 15), d(2023, 1, 15), Overdue),
                (d(2024, 1, 15), d(2024, 1, 15), Upcoming),
            ],
            ComplianceStatus::Overdue,
        ),
        (
            "assessed high after the change: the two-monthly dates await",
            &yearly,
            high.clone(),
            assessed(met(2021..=2022)),
            vec![notice(2, None)],
            d(2022, 11, 20),
            d(2022, 6, 1),
            vec![
                (d(2022, 9, 15), d(2022, 9, 15), AwaitingNotice),
                (d(2022, 11, 15), d(2022, 11, 15), AwaitingNotice),
                (d(2023, 1, 15), d(2023, 1, 15), Upcoming),
            ],
            ComplianceStatus::Compliant,
        ),
        (
            "assessed high, served: the moved dates are due from the service",
            &yearly,
            high,
            assessed(met(2021..=2022)),
            vec![notice(2, Some(d(2022, 10, 3)))],
            d(2022, 11, 20),
            d(2022, 6, 1),
            vec![
                (d(2022, 9, 15), d(2022, 10, 3), Overdue),
                (d(2022, 11, 15), d(2022, 11, 15), Overdue),
                (d(2023, 1, 15), d(2023, 1, 15), Upcoming),
            ],
            ComplianceStatus::Overdue,
        ),
    ];
    for (name, data, rules, records, notices, today, from, expected, status) in cases {
        let c = with_notices(data, &records, &notices, &rules, today);
        let got: Vec<Row> = c
            .obligations
            .iter()
            .filter(|o| o.due >= from)
            .map(|o| (o.due, o.effective_due, o.state))
            .collect();
        assert_eq!(got, expected, "{name}");
        assert_eq!(c.status, status, "{name}");
        let awaiting = expected.iter().filter(|r| r.2 == AwaitingNotice).count();
        assert_eq!(c.awaiting_notice as usize, awaiting, "{name}");
        assert_eq!(
            c.awaiting_since,
            expected.iter().find(|r| r.2 == AwaitingNotice).map(|r| r.0),
            "{name}"
        );
    }
}

#[test]
fn a_report_awaiting_a_notice_is_not_due_soon() {
    // The only open report awaits a notice, and nothing is due in the look-ahead: the person
    // is compliant (the dashboard lists them apart), not "due soon" for ever.
    let data = file(vec![conviction(d(2020, 1, 15), 12)]);
    let rules = book().with(version(2, d(2022, 6, 1), |v| {
        v.reporting_months.standard = 6
    }));
    let records = vec![check_in(1, d(2021, 1, 10)), check_in(2, d(2022, 1, 10))];
    for today in [d(2022, 8, 1), d(2022, 12, 1)] {
        let c = with_notices(&data, &records, &[notice(2, None)], &rules, today);
        assert_eq!(c.status, ComplianceStatus::Compliant, "{today}");
        assert_eq!(c.awaiting_since, Some(d(2022, 7, 15)));
    }
    // Within the look-ahead of the next (moved) date it is due soon like any other.
    let c = with_notices(&data, &records, &[notice(2, None)], &rules, d(2023, 1, 5));
    assert_eq!(c.status, ComplianceStatus::DueSoon);
}

// ---- which persons a rule change concerns ----

#[test]
fn touched_by_table() {
    let short = file(vec![conviction(d(2020, 1, 15), 12)]);
    let ended = file(vec![conviction(d(2000, 1, 15), 12)]);
    let lifer = file(vec![conviction(d(2015, 4, 1), 180)]);
    let mut held = conviction(d(2020, 1, 15), 12);
    held.custody_from = Some(d(2020, 1, 15));
    held.release_date = Some(d(2029, 1, 1));
    let in_custody = file(vec![held]);
    let from = d(2027, 1, 1);
    let dead = vec![status(1, PersonState::Deceased, d(2026, 5, 1))];
    let high_later = vec![risk(1, RiskLevel::Medium, d(2026, 5, 1))];
    type Edit = fn(&mut RuleValues);
    // (case, file, records, what version 2 changes, touched)
    let cases: Vec<(&str, &FileData, Vec<FileRecord>, Edit, bool)> = vec![
        (
            "declaration deadline",
            &short,
            vec![],
            |v| v.report_change_days = 1,
            true,
        ),
        (
            "travel notice",
            &short,
            vec![],
            |v| v.foreign_travel_notice_days = 14,
            true,
        ),
        (
            "trip change hours",
            &short,
            vec![],
            |v| v.travel_change_notice_hours = 48,
            true,
        ),
        (
            "declaration deadline, period ended",
            &ended,
            vec![],
            |v| v.report_change_days = 1,
            false,
        ),
        (
            "declaration deadline, dead",
            &short,
            dead.clone(),
            |v| v.report_change_days = 1,
            false,
        ),
        (
            "own interval",
            &short,
            vec![],
            |v| v.reporting_months.standard = 6,
            true,
        ),
        (
            "high interval, standard risk today",
            &short,
            vec![],
            |v| v.reporting_months.high = 2,
            true,
        ),
        (
            "high interval, medium risk today",
            &short,
            high_later,
            |v| v.reporting_months.high = 2,
            true,
        ),
        (
            "medium interval, in custody",
            &in_custody,
            vec![],
            |v| v.reporting_months.medium = 4,
            true,
        ),
        (
            "high interval, period ended",
            &ended,
            vec![],
            |v| v.reporting_months.high = 2,
            false,
        ),
        (
            "high interval, dead",
            &short,
            dead,
            |v| v.reporting_months.high = 2,
            false,
        ),
        (
            "own band longer",
            &short,
            vec![],
            |v| v.registration[0].years = Some(15),
            true,
        ),
        (
            "another band",
            &short,
            vec![],
            |v| v.registration[1].years = Some(25),
            false,
        ),
        (
            "lifers' review, lifer",
            &lifer,
            vec![],
            |v| v.registration[2].review_after_years = Some(20),
            true,
        ),
        (
            "lifers' review, short sentence",
            &short,
            vec![],
            |v| v.registration[2].review_after_years = Some(20),
            false,
        ),
        (
            "look-ahead only",
            &short,
            vec![],
            |v| v.due_soon_days = 30,
            false,
        ),
        ("nothing", &short, vec![], |_| {}, false),
    ];
    for (name, data, records, edit, expected) in cases {
        let after = book().with(version(2, from, edit));
        assert_eq!(
            touched_by(data, &records, &book(), &after, from),
            expected,
            "{name}"
        );
    }
}

#[test]
fn a_version_is_judged_against_the_versions_around_it() {
    // Two versions arrive together from the server: 2 (from 01.01.2027) and 3 (from
    // 01.06.2027, back to the provisional values). Version 2 is judged against {1, 3}: it
    // changes the interval only between its start and version 3's.
    let data = file(vec![conviction(d(2020, 1, 15), 12)]);
    let v2 = version(2, d(2027, 1, 1), |v| v.reporting_months.high = 2);
    let v3 = version(3, d(2027, 6, 1), |_| {});
    let before = book().with(v3.clone());
    let after = before.with(v2);
    assert!(touched_by(&data, &[], &before, &after, d(2027, 1, 1)));
    // Version 3 is judged against {1, 2}: it takes the high interval back.
    let without3 = book().with(version(2, d(2027, 1, 1), |v| v.reporting_months.high = 2));
    assert!(touched_by(
        &data,
        &[],
        &without3,
        &without3.with(v3),
        d(2027, 6, 1)
    ));
}

/// Each report date from `from` on (to 40 years ahead) under `rules`.
fn future_dates(
    data: &FileData,
    records: &[FileRecord],
    rules: &RuleBook,
    from: NaiveDate,
) -> Vec<(NaiveDate, u32)> {
    let states = StateLine::new(data, records);
    let periods = periods(data, rules);
    let horizon = add_months(from, 480).unwrap();
    report_dates(&periods, &states, horizon, rules, records)
        .into_iter()
        .flatten()
        .filter(|d| d.date >= from)
        .map(|d| (d.date, d.interval))
        .collect()
}

// ---- trips as they stand, and changes to them ----

fn trip(
    n: u128,
    foreign: bool,
    departure: NaiveDate,
    return_date: NaiveDate,
    notice: NaiveDate,
) -> FileRecord {
    record(
        n,
        R::Trip {
            foreign,
            country: if foreign { "IT".into() } else { "AL".into() },
            destination: if foreign {
                "Bari".into()
            } else {
                "durres".into()
            },
            departure,
            return_date,
            purpose: String::new(),
            notice_date: notice,
        },
    )
}

fn trip_change(
    n: u128,
    trip: &FileRecord,
    departure: NaiveDate,
    return_date: NaiveDate,
    declared_at: DateTime<Utc>,
) -> FileRecord {
    let (country, destination) = match &trip.data {
        R::Trip { country, .. } if country != "AL" => (country.clone(), "Roma".to_string()),
        _ => ("AL".to_string(), "vlore".to_string()),
    };
    record(
        n,
        R::TripChange {
            trip_id: trip.id,
            country,
            destination,
            departure,
            return_date,
            declared_at,
        },
    )
}

fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
}

#[test]
fn a_trip_change_is_due_hours_before_the_departure_it_sets() {
    let rules = book();
    let foreign = trip(1, true, d(2027, 3, 1), d(2027, 3, 10), d(2027, 2, 1));
    let domestic = trip(2, false, d(2027, 3, 1), d(2027, 3, 10), d(2027, 2, 1));
    let trips = crate::records::itineraries(&[foreign.clone(), domestic.clone()]);
    // (case, change, deadline instant, deadline day, on time)
    type Case<'a> = (&'a str, FileRecord, Option<DateTime<Utc>>, NaiveDate, bool);
    let cases: Vec<Case> = vec![
        (
            // Summer (UTC+2): 10.06 starts at 09.06 22:00 UTC; 24 h before is 08.06 22:00 UTC.
            "summer, at the deadline",
            trip_change(
                10,
                &foreign,
                d(2027, 6, 10),
                d(2027, 6, 20),
                utc(2027, 6, 8, 22, 0),
            ),
            Some(utc(2027, 6, 8, 22, 0)),
            d(2027, 6, 9),
            true,
        ),
        (
            "summer, a minute late",
            trip_change(
                11,
                &foreign,
                d(2027, 6, 10),
                d(2027, 6, 20),
                utc(2027, 6, 8, 22, 1),
            ),
            Some(utc(2027, 6, 8, 22, 0)),
            d(2027, 6, 9),
            false,
        ),
        (
            // Winter (UTC+1): 10.01.2028 starts at 09.01 23:00 UTC.
            "winter, an hour early",
            trip_change(
                12,
                &foreign,
                d(2028, 1, 10),
                d(2028, 1, 20),
                utc(2028, 1, 8, 22, 0),
            ),
            Some(utc(2028, 1, 8, 23, 0)),
            d(2028, 1, 9),
            true,
        ),
        (
            // The day after spring forward (28.03.2027): 29.03 starts at 28.03 22:00 UTC, and
            // 24 real hours before is 27.03 22:00 UTC = 23:00 in Tirana (the night was short).
            "after the spring-forward night",
            trip_change(
                13,
                &foreign,
                d(2027, 3, 29),
                d(2027, 4, 5),
                utc(2027, 3, 27, 22, 30),
            ),
            Some(utc(2027, 3, 27, 22, 0)),
            d(2027, 3, 27),
            false,
        ),
        (
            // The day after the autumn night (31.10.2027): 01.11 starts at 31.10 23:00 UTC; 24 h
            // before is 30.10 23:00 UTC = 01:00 on 31.10 in Tirana (summer time still).
            "after the autumn night",
            trip_change(
                14,
                &foreign,
                d(2027, 11, 1),
                d(2027, 11, 5),
                utc(2027, 10, 30, 22, 59),
            ),
            Some(utc(2027, 10, 30, 23, 0)),
            d(2027, 10, 31),
            true,
        ),
        (
            "departing on the spring-forward day itself",
            trip_change(
                15,
                &foreign,
                d(2027, 3, 28),
                d(2027, 4, 5),
                utc(2027, 3, 26, 23, 0),
            ),
            Some(utc(2027, 3, 26, 23, 0)),
            d(2027, 3, 27),
            true,
        ),
        (
            // A domestic trip's change, like the trip, by the day of departure (Tirana).
            "domestic, on the day of departure (late evening)",
            trip_change(
                16,
                &domestic,
                d(2027, 6, 10),
                d(2027, 6, 12),
                utc(2027, 6, 10, 21, 30),
            ),
            None,
            d(2027, 6, 10),
            true,
        ),
        (
            "domestic, 00:30 the next day in Tirana",
            trip_change(
                17,
                &domestic,
                d(2027, 6, 10),
                d(2027, 6, 12),
                utc(2027, 6, 10, 22, 30),
            ),
            None,
            d(2027, 6, 10),
            false,
        ),
    ];
    for (name, change, at, day, on_time) in cases {
        let a = assess(&change, &trips, &rules, &[]);
        assert_eq!(a.deadline_at, at, "{name}");
        assert_eq!(
            a.deadline.map(|x| (x.date, x.rule_version)),
            Some((day, 1)),
            "{name}"
        );
        assert_eq!(a.on_time, Some(on_time), "{name}");
    }
    // The change of a trip that is no longer in force has no deadline.
    let orphan = trip_change(
        20,
        &foreign,
        d(2027, 6, 10),
        d(2027, 6, 20),
        utc(2027, 6, 1, 8, 0),
    );
    let a = assess(&orphan, &[], &rules, &[]);
    assert_eq!((a.deadline, a.deadline_at, a.on_time), (None, None, None));
}

#[test]
fn a_trip_change_is_judged_by_the_rules_the_person_was_told() {
    // Version 2 from 01.06.2027 asks 48 hours.
    let rules = book().with(version(2, d(2027, 6, 1), |v| {
        v.travel_change_notice_hours = 48
    }));
    let foreign = trip(1, true, d(2027, 5, 1), d(2027, 5, 10), d(2027, 4, 1));
    let trips = crate::records::itineraries(std::slice::from_ref(&foreign));
    let at = |departure, declared| {
        assess(
            &trip_change(2, &foreign, departure, days(departure, 5), declared),
            &trips,
            &rules,
            &[],
        )
    };
    // Departing 02.06: 48 h before would be 31.05, before version 2: version 1's 24 h.
    let a = at(d(2027, 6, 2), utc(2027, 5, 31, 12, 0));
    assert_eq!(a.deadline.map(|x| x.rule_version), Some(1));
    assert_eq!(a.deadline_at, Some(utc(2027, 5, 31, 22, 0)));
    assert_eq!(a.on_time, Some(true));
    // Departing 10.06: version 2, 48 h.
    let a = at(d(2027, 6, 10), utc(2027, 6, 8, 12, 0));
    assert_eq!(a.deadline.map(|x| x.rule_version), Some(2));
    assert_eq!(a.deadline_at, Some(utc(2027, 6, 7, 22, 0)));
    assert_eq!(a.on_time, Some(false));
    // Not yet told of version 2: version 1's 24 h.
    let a = assess(
        &trip_change(
            3,
            &foreign,
            d(2027, 6, 10),
            d(2027, 6, 15),
            utc(2027, 6, 8, 12, 0),
        ),
        &trips,
        &rules,
        &[notice(2, None)],
    );
    assert_eq!(a.deadline.map(|x| x.rule_version), Some(1));
    assert_eq!(a.on_time, Some(true));
}

#[test]
fn trips_stand_as_their_latest_change() {
    let data = file(vec![conviction(d(2020, 3, 10), 12)]);
    let t = trip(1, true, d(2026, 12, 1), d(2026, 12, 5), d(2026, 11, 1));
    // Postponed, then (declared later, recorded earlier) brought forward; a voided change.
    let later = trip_change(
        2,
        &t,
        d(2026, 12, 20),
        d(2026, 12, 28),
        utc(2026, 11, 20, 9, 0),
    );
    let earlier = trip_change(
        3,
        &t,
        d(2026, 12, 10),
        d(2026, 12, 12),
        utc(2026, 11, 25, 9, 0),
    );
    let mut voided = trip_change(4, &t, d(2027, 2, 1), d(2027, 2, 2), utc(2026, 11, 28, 9, 0));
    voided.void = Some(Void {
        reason: "gabim".into(),
        by: "s".into(),
        at: utc(2026, 11, 29, 9, 0),
    });
    let records = vec![t.clone(), earlier.clone(), later, voided];
    let trips = crate::records::itineraries(&records);
    assert_eq!(trips.len(), 1);
    assert_eq!(
        (
            trips[0].departure,
            trips[0].return_date,
            trips[0].changed_by,
            trips[0].destination.as_str()
        ),
        (d(2026, 12, 10), d(2026, 12, 12), Some(earlier.id), "Roma")
    );
    // Under way and ahead follow the trip as it stands.
    for (today, under_way, ahead) in [
        (d(2026, 11, 25), false, false), // 10.12 is 15 days ahead: beyond the look-ahead
        (d(2026, 11, 26), false, true),
        (d(2026, 12, 1), false, true), // the first declared departure no longer counts
        (d(2026, 12, 10), true, false),
        (d(2026, 12, 13), false, false),
    ] {
        let c = run(&data, &records, &book(), today);
        assert_eq!(c.trips_under_way == vec![t.id], under_way, "{today}");
        assert_eq!(c.departures_ahead == vec![t.id], ahead, "{today}");
    }
    // Domestic trips are not foreign departures.
    let home = trip(5, false, d(2026, 12, 4), d(2026, 12, 6), d(2026, 12, 1));
    assert!(run(&data, &[home], &book(), d(2026, 12, 1))
        .departures_ahead
        .is_empty());
}

// ---- declarations of changes: name, work, and who works with children ----

#[test]
fn declarations_of_change_table() {
    let rules = book().with(version(2, d(2027, 1, 1), |v| v.report_change_days = 10));
    let name = |changed: NaiveDate, reported: NaiveDate| {
        record(
            1,
            R::NameChange {
                old_surname: "Hoxha".into(),
                old_given_name: "Arben".into(),
                new_surname: "Hoxhaj".into(),
                new_given_name: "Arben".into(),
                changed_on: changed,
                reported_on: reported,
            },
        )
    };
    let work = |from: NaiveDate, reported: NaiveDate, children: bool| {
        record(
            2,
            R::Occupation {
                occupation: crate::records::OccupationKind::Volunteering,
                organisation: "Kampi".into(),
                role: String::new(),
                from,
                to: None,
                contact_with_children: children,
                reported_on: reported,
            },
        )
    };
    let visit = |result| {
        record(
            3,
            R::Verification {
                date: d(2026, 5, 1),
                officer: "o".into(),
                result,
                note: String::new(),
            },
        )
    };
    let served = [notice(2, Some(d(2027, 1, 5)))];
    let unserved = [notice(2, None)];
    // (case, record, notices, deadline (date, version), on time, child contact, not found)
    type Expected = (Option<(NaiveDate, u32)>, Option<bool>, bool, bool);
    let cases: Vec<(&str, FileRecord, &[RuleNotice], Expected)> = vec![
        (
            "name, on the third day",
            name(d(2026, 2, 27), d(2026, 3, 2)),
            &[],
            (Some((d(2026, 3, 2), 1)), Some(true), false, false),
        ),
        (
            "name, a day late",
            name(d(2026, 2, 27), d(2026, 3, 3)),
            &[],
            (Some((d(2026, 3, 2), 1)), Some(false), false, false),
        ),
        (
            "name under version 2, served",
            name(d(2027, 2, 1), d(2027, 2, 9)),
            &served,
            (Some((d(2027, 2, 11), 2)), Some(true), false, false),
        ),
        (
            "name under version 2, not told",
            name(d(2027, 2, 1), d(2027, 2, 9)),
            &unserved,
            (Some((d(2027, 2, 4), 1)), Some(false), false, false),
        ),
        (
            "name, changed before the service",
            name(d(2027, 1, 3), d(2027, 1, 8)),
            &served,
            (Some((d(2027, 1, 6), 1)), Some(false), false, false),
        ),
        (
            "work with children, on time",
            work(d(2024, 2, 28), d(2024, 3, 2), true),
            &[],
            (Some((d(2024, 3, 2), 1)), Some(true), true, false),
        ),
        (
            "work without children, late",
            work(d(2024, 2, 28), d(2024, 3, 3), false),
            &[],
            (Some((d(2024, 3, 2), 1)), Some(false), false, false),
        ),
        (
            "work across the year's end",
            work(d(2025, 12, 30), d(2026, 1, 2), true),
            &[],
            (Some((d(2026, 1, 2), 1)), Some(true), true, false),
        ),
        (
            "work under version 2",
            work(d(2027, 3, 1), d(2027, 3, 11), false),
            &served,
            (Some((d(2027, 3, 11), 2)), Some(true), false, false),
        ),
        (
            "a visit that found nobody",
            visit(VerificationResult::NotFound),
            &[],
            (None, None, false, true),
        ),
        (
            "a visit that found the person",
            visit(VerificationResult::Confirmed),
            &[],
            (None, None, false, false),
        ),
    ];
    for (case, r, notices, (deadline, on_time, child, not_found)) in cases {
        let a = assess(&r, &[], &rules, notices);
        assert_eq!(
            a.deadline.map(|x| (x.date, x.rule_version)),
            deadline,
            "{case}"
        );
        assert_eq!(a.on_time, on_time, "{case}");
        assert_eq!(a.child_contact, child, "{case}");
        assert_eq!(a.not_found, not_found, "{case}");
        assert_eq!(a.deadline_at, None, "{case}");
        assert!(!a.international_notification, "{case}");
    }
}

#[test]
fn child_contact_is_flagged_only_while_the_record_is_in_force() {
    let data = file(vec![conviction(d(2020, 3, 10), 12)]);
    let mut camp = record(
        1,
        R::Occupation {
            occupation: crate::records::OccupationKind::Work,
            organisation: "Shkolla 9-vjeçare".into(),
            role: "roje".into(),
            from: d(2026, 9, 1),
            to: None,
            contact_with_children: true,
            reported_on: d(2026, 9, 2),
        },
    );
    let c = run(&data, std::slice::from_ref(&camp), &book(), d(2026, 10, 1));
    assert!(c
        .assessments
        .iter()
        .any(|a| a.record_id == camp.id && a.child_contact));
    camp.void = Some(Void {
        reason: "person tjetër".into(),
        by: "s".into(),
        at: utc(2026, 9, 3, 8, 0),
    });
    let c = run(&data, &[camp], &book(), d(2026, 10, 1));
    assert!(c.assessments.is_empty());
}

proptest! {
    #[test]
    fn whoever_has_future_dates_moved_is_touched(
        start in 0i64..12_000,
        months in prop_oneof![Just(0u32), Just(36), Just(37), Just(120), Just(121), 0u32..400],
        assessment in proptest::option::of((0u8..3, 0i64..14_000)),
        change in 0u8..8,
        value in 1u32..30,
        from in 0i64..14_000,
    ) {
        let start = d(1995, 7, 1) + chrono::Duration::days(start);
        let from = d(1995, 7, 1) + chrono::Duration::days(from);
        let data = file(vec![conviction(start, months)]);
        let records: Vec<FileRecord> = assessment
            .map(|(level, day)| {
                let level = [RiskLevel::Standard, RiskLevel::Medium, RiskLevel::High][level as usize];
                vec![risk(1, level, d(1995, 7, 1) + chrono::Duration::days(day))]
            })
            .unwrap_or_default();
        let after = book().with(version(2, from, |v| match change {
            0 => v.reporting_months.standard = value,
            1 => v.reporting_months.medium = value,
            2 => v.reporting_months.high = value,
            3 => v.registration[0].years = Some(value),
            4 => v.registration[1].years = Some(value),
            5 => v.registration[2].review_after_years = Some(value),
            6 => v.report_change_days = value,
            _ => v.due_soon_days = value,
        }));
        let moved = future_dates(&data, &records, &book(), from)
            != future_dates(&data, &records, &after, from);
        if moved {
            prop_assert!(touched_by(&data, &records, &book(), &after, from));
        }
        // Whatever the change, a person whose registration ended before it is never touched.
        let ended = periods(&data, &book()).iter().all(|p| p.end.is_some_and(|e| e.date <= from))
            && periods(&data, &after).iter().all(|p| p.end.is_some_and(|e| e.date <= from));
        if ended {
            prop_assert!(!touched_by(&data, &records, &book(), &after, from));
        }
    }

    #[test]
    fn registered_from_the_start_until_the_day_before_the_end(
        kind in 0u8..3,
        offset in 0i64..20_000,
        year in 1996i32..2040,
        month in 1u32..=12,
        months in 0u32..1200,
        short in 1u32..40,
        middle in 1u32..40,
    ) {
        // Any start, a 29 February, or a month's last day; any band, any band lengths.
        let start = match kind {
            0 => d(1996, 2, 29) + chrono::Duration::days(offset),
            1 => d(year - year % 4, 2, 29),
            _ => add_months(d(year, month, 1), 1).unwrap().pred_opt().unwrap(),
        };
        let rules = RuleBook::new(vec![version(1, d(1990, 1, 1), |v| {
            v.registration[0].years = Some(short);
            v.registration[1].years = Some(middle);
        })]);
        let data = file(vec![conviction(start, months)]);
        let at = |today| run(&data, &[], &rules, today);
        let reg = at(start).registration.unwrap();
        prop_assert!(at(start).counts_as_registered());
        match reg.end {
            Some(end) => {
                let years = if months <= 36 { short } else { middle };
                prop_assert_eq!(end.date, add_months(start, years as i32 * 12).unwrap());
                let last = end.date.pred_opt().unwrap();
                prop_assert!(at(last).counts_as_registered(), "registered on {}", last);
                prop_assert_eq!(at(end.date).status, ComplianceStatus::PeriodEnded);
                prop_assert_eq!(at(days(end.date, 400)).status, ComplianceStatus::PeriodEnded);
                // No report falls due on the end date or after it.
                prop_assert!(at(last).obligations.iter().all(|o| o.due < end.date));
            }
            None => {
                prop_assert!(months > 120);
                prop_assert!(at(days(start, 20_000)).counts_as_registered());
            }
        }
    }

    #[test]
    fn any_trip_change_instant_gives_a_judgement(
        departure in 0i64..20_000,
        declared in -3_000i64..3_000,
        hours in 1u32..240,
    ) {
        // Around every DST change of five decades: a deadline, never a panic, and on time
        // exactly when declared no later than `hours` before the departure day starts.
        let departure = d(1990, 1, 1) + chrono::Duration::days(departure);
        let rules = RuleBook::new(vec![version(1, d(1980, 1, 1), |v| v.travel_change_notice_hours = hours)]);
        let t = trip(1, true, departure, departure, d(1980, 1, 1));
        let trips = crate::records::itineraries(std::slice::from_ref(&t));
        let start = crate::dates::tirane_day_start(departure).unwrap();
        let declared_at = start + chrono::Duration::minutes(declared) - chrono::Duration::hours(i64::from(hours));
        let a = assess(&trip_change(2, &t, departure, departure, declared_at), &trips, &rules, &[]);
        let deadline = a.deadline_at.unwrap();
        prop_assert_eq!(start - deadline, chrono::Duration::hours(i64::from(hours)));
        prop_assert_eq!(a.on_time, Some(declared <= 0));
        prop_assert_eq!(a.deadline.unwrap().date, crate::dates::local_date(deadline));
    }
}
