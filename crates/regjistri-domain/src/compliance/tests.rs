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
    assert_eq!(c.status, ComplianceStatus::DueSoon);
    assert!(c
        .obligations
        .iter()
        .any(|o| o.state == ObligationState::AwaitingNotice && o.due == d(2022, 7, 15)));
    assert_eq!(c.unserved_notices, 1);

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
        let a = assess(&r, &rules, &[]);
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

#[test]
fn a_change_touches_only_files_whose_future_dates_move() {
    let active = file(vec![conviction(d(2020, 1, 15), 12)]);
    let ended = file(vec![conviction(d(2000, 1, 15), 12)]);
    let high = book().with(version(2, d(2027, 1, 1), |v| v.reporting_months.high = 2));
    let standard = book().with(version(2, d(2027, 1, 1), |v| {
        v.reporting_months.standard = 6
    }));
    let from = d(2027, 1, 1);
    assert!(!touched_by(&active, &[], &book(), &high, from));
    assert!(touched_by(&active, &[], &book(), &standard, from));
    assert!(!touched_by(&ended, &[], &book(), &standard, from));
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
    let a = assess(&trip(d(2027, 1, 2)), &rules, &[]);
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
    let a = assess(&later(d(2027, 2, 20)), &rules, &[]);
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
