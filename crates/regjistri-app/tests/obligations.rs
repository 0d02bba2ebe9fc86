//! Obligations through the application layer: records, the dashboard, a date that passes,
//! a rule change with its notices, and a death that ends the registration.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use regjistri_app::*;
use regjistri_domain::access::Role;
use regjistri_domain::compliance::{ComplianceStatus, ObligationState};
use regjistri_domain::file::ConvictionDraft;
use regjistri_domain::records::RecordDraft;
use regjistri_domain::rules::RuleValues;
use uuid::Uuid;

mod common;
use common::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A person convicted on 10.03.2020 (final) to 12 months: registered 10 years, reporting
/// yearly on 10 March.
fn registered_person(w: &World) -> (Uuid, String) {
    registered_person_from(w, 21, "10.03.2020")
}

/// A person convicted to 12 months, final on `final_date` (dd.mm.yyyy, 2020): reporting
/// yearly on that day.
fn registered_person_from(w: &World, seed: u64, final_date: &str) -> (Uuid, String) {
    let mut draft = draft(seed);
    let conviction = draft.convictions[0].clone();
    draft.convictions = vec![ConvictionDraft {
        decision_date: "01.03.2020".into(),
        final_date: final_date.into(),
        sentence_months: "12".into(),
        custody_from: String::new(),
        release_date: String::new(),
        ..conviction
    }];
    w.as_user("clerk.o");
    let saved = w.registry.create_file(&draft).unwrap();
    w.as_user("supervisor.o");
    w.registry.approve_file(saved.id, saved.version).unwrap();
    (saved.id, draft.identity.surname.clone())
}

fn record(kind: &str, date: &str) -> RecordDraft {
    RecordDraft {
        kind: kind.into(),
        date: date.into(),
        officer: "Inspektor Provë".into(),
        // Check-ins here are about dates; photos have their own tests (photos.rs).
        no_photo_reason: "Pa kamerë".into(),
        ..RecordDraft::default()
    }
}

fn status_of(w: &World, id: Uuid) -> ComplianceStatus {
    w.registry.timeline(id).unwrap().compliance.unwrap().status
}

fn at(w: &World, y: i32, m: u32, day: u32, user: &str) {
    w.clock
        .set(Utc.with_ymd_and_hms(y, m, day, 9, 0, 0).unwrap());
    // Long jumps end the session (12-hour limit): sign in again.
    w.as_user(user);
}

#[test]
fn records_dashboard_rule_change_and_death() {
    let w = world();
    w.add("clerk.o", Role::Clerk);
    w.add("supervisor.o", Role::Supervisor);
    let (id, surname) = registered_person(&w);

    // Approved today: nothing is owed before the person is told, so nothing is overdue.
    w.as_user("clerk.o");
    let t = w.registry.timeline(id).unwrap();
    assert!(t.may_add && t.may_serve && !t.may_confirm);
    let c = t.compliance.unwrap();
    assert_eq!(c.status, ComplianceStatus::Compliant);
    assert_eq!(c.owed_from, Some(d(2026, 12, 3)));
    assert_eq!(c.next_due, Some(d(2027, 3, 10)));
    assert_eq!(c.registration.unwrap().end.unwrap().date, d(2030, 3, 10));

    // Taken over from the paper registry: told on 01.02.2023 and never reported since.
    w.registry
        .add_record(id, &record("registration_notice", "01.02.2023"))
        .unwrap();
    let c = w.registry.timeline(id).unwrap().compliance.unwrap();
    assert_eq!(c.status, ComplianceStatus::Overdue);
    assert_eq!(c.overdue_since, Some(d(2023, 3, 10)));
    let dash = w.registry.dashboard().unwrap();
    assert_eq!(dash.directorate, "dvp-tirane");
    assert!(dash.overdue.iter().any(|r| r.file.id == id
        && r.days_overdue
            == Some(u32::try_from((d(2026, 12, 3) - d(2023, 3, 10)).num_days()).unwrap())));

    // A record with problems is refused field by field and nothing is written.
    let err = w
        .registry
        .add_record(id, &record("check_in", "04.12.2026"))
        .unwrap_err();
    assert_eq!(err.code, "validation");
    assert!(err
        .fields
        .iter()
        .any(|f| f.field == "date" && f.code == "date_in_future"));
    assert_eq!(w.registry.timeline(id).unwrap().records.len(), 1);

    // Yearly reports made: compliant, next due 10.03.2027.
    for year in 2023..=2026 {
        w.registry
            .add_record(id, &record("check_in", &format!("01.03.{year}")))
            .unwrap();
    }
    let c = w.registry.timeline(id).unwrap().compliance.unwrap();
    assert_eq!(c.status, ComplianceStatus::Compliant);
    assert_eq!(c.next_due, Some(d(2027, 3, 10)));
    assert!(c
        .obligations
        .iter()
        .filter(|o| o.due < d(2026, 12, 3))
        .all(|o| o.state == ObligationState::Met));

    // A foreign trip declared on time, under way today.
    let trip = w
        .registry
        .add_record(
            id,
            &RecordDraft {
                foreign: true,
                country: "IT".into(),
                destination: "Bari".into(),
                end_date: "10.12.2026".into(),
                reported_on: "20.11.2026".into(),
                ..record("trip", "01.12.2026")
            },
        )
        .unwrap();
    let t = w.registry.timeline(id).unwrap();
    let c = t.compliance.unwrap();
    assert_eq!(c.trips_under_way, vec![trip.id]);
    let a = c
        .assessments
        .iter()
        .find(|a| a.record_id == trip.id)
        .unwrap();
    assert_eq!(a.on_time, Some(true));
    assert!(a.international_notification);
    let dash = w.registry.dashboard().unwrap();
    assert!(dash
        .travelling
        .iter()
        .any(|r| r.file.id == id && r.trips[0].country == "IT"));
    assert!(dash.overdue.iter().all(|r| r.file.id != id));

    // The date passes with no new input: due soon, then overdue.
    at(&w, 2027, 3, 1, "clerk.o");
    assert_eq!(status_of(&w, id), ComplianceStatus::DueSoon);
    assert!(w
        .registry
        .dashboard()
        .unwrap()
        .due_soon
        .iter()
        .any(|r| r.file.id == id));
    at(&w, 2027, 3, 11, "clerk.o");
    assert_eq!(status_of(&w, id), ComplianceStatus::Overdue);
    w.registry
        .add_record(id, &record("check_in", "11.03.2027"))
        .unwrap();
    assert_eq!(status_of(&w, id), ComplianceStatus::Compliant);

    // An administrator changes the rules: reports every 6 months from 01.04.2027.
    w.as_user("admin");
    let mut values = RuleValues::provisional();
    values.reporting_months.standard = 6;
    let draft = |from: &str| RuleDraft {
        effective_from: from.into(),
        values: values.clone(),
        note: "Provë".into(),
    };
    let past = w.registry.preview_rules(&draft("10.03.2027")).unwrap();
    assert!(past.touched.is_empty());
    assert!(past
        .problems
        .iter()
        .any(|p| p.code == "rule_effective_past"));
    assert_eq!(
        w.registry
            .save_rules(&draft("10.03.2027"))
            .unwrap_err()
            .code,
        "validation"
    );
    let preview = w.registry.preview_rules(&draft("01.04.2027")).unwrap();
    assert_eq!((preview.registered_total, preview.touched_total), (1, 1));
    assert_eq!(preview.touched[0].id, id);
    let saved = w.registry.save_rules(&draft("01.04.2027")).unwrap();
    assert_eq!((saved.version, saved.notices), (2, 1));
    assert_eq!(w.registry.rule_book().unwrap().versions.len(), 2);
    // A version cannot slip in before one already saved.
    let earlier = w.registry.preview_rules(&draft("20.03.2027")).unwrap();
    assert!(earlier
        .problems
        .iter()
        .any(|p| p.code == "rule_effective_before_latest"));

    // Past dates keep version 1; the next report (10.09.2027) is version 2 and cannot
    // become overdue before the notice is served.
    at(&w, 2027, 10, 1, "clerk.o");
    let t = w.registry.timeline(id).unwrap();
    let c = t.compliance.unwrap();
    let sept = c
        .obligations
        .iter()
        .find(|o| o.due == d(2027, 9, 10))
        .unwrap();
    assert_eq!(sept.rule_version, 2);
    assert_eq!(sept.state, ObligationState::AwaitingNotice);
    assert!(c
        .obligations
        .iter()
        .filter(|o| o.due < d(2027, 4, 1))
        .all(|o| o.rule_version == 1));
    // Not the person's doing: the status stands, and the dashboard lists the notice to serve.
    assert_eq!(c.status, ComplianceStatus::Compliant);
    assert_eq!(
        (c.awaiting_notice, c.awaiting_since),
        (1, Some(d(2027, 9, 10)))
    );
    let dash = w.registry.dashboard().unwrap();
    assert!(dash.due_soon.iter().all(|r| r.file.id != id));
    let waiting = dash
        .awaiting_notice
        .iter()
        .find(|r| r.file.id == id)
        .unwrap();
    assert_eq!(
        (waiting.awaiting_since, waiting.unserved_notices),
        (Some(d(2027, 9, 10)), 1)
    );
    let notice = t.notices[0].id;
    assert_eq!(
        w.registry
            .serve_notice(notice, "02.10.2027")
            .unwrap_err()
            .code,
        "validation"
    );
    w.registry.serve_notice(notice, "15.09.2027").unwrap();
    assert_eq!(status_of(&w, id), ComplianceStatus::Overdue);
    assert!(w.registry.dashboard().unwrap().awaiting_notice.is_empty());

    // A death is recorded by the clerk and counts only once a supervisor confirms it.
    let deceased = RecordDraft {
        choice: "deceased".into(),
        note: "Certifikatë vdekjeje".into(),
        ..record("status_change", "20.09.2027")
    };
    let death = w.registry.add_record(id, &deceased).unwrap();
    assert_eq!(status_of(&w, id), ComplianceStatus::Overdue);
    assert_eq!(
        w.registry.confirm_record(death.id).unwrap_err().code,
        "forbidden"
    );
    w.as_user("supervisor.o");
    // Four eyes: a supervisor cannot confirm their own.
    let own = w.registry.add_record(id, &deceased).unwrap();
    assert_eq!(
        w.registry.confirm_record(own.id).unwrap_err().code,
        "own_work"
    );
    assert_eq!(
        w.registry
            .void_record(own.id, "dublikatë")
            .unwrap_err()
            .code,
        "own_work"
    );
    w.registry.confirm_record(death.id).unwrap();
    assert_eq!(status_of(&w, id), ComplianceStatus::Deceased);
    assert!(!w.registry.get_file(id).unwrap().registered);
    let hit = w
        .registry
        .search(&SearchQuery {
            text: surname,
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.id == id)
        .unwrap();
    assert!(!hit.registered);
    assert_eq!(hit.compliance, Some(ComplianceStatus::Deceased));
    let dash = w.registry.dashboard().unwrap();
    assert!(dash
        .counts
        .iter()
        .any(|c| c.status == ComplianceStatus::Deceased && c.count == 1));
    assert!(dash.travelling.is_empty() && dash.overdue.is_empty());

    // A mistaken record is voided with a reason, and the registration stands again.
    assert_eq!(
        w.registry.void_record(death.id, " ").unwrap_err().code,
        "reason_required"
    );
    w.registry.void_record(death.id, "Person i gabuar").unwrap();
    assert_eq!(status_of(&w, id), ComplianceStatus::Overdue);
    assert!(w.registry.get_file(id).unwrap().registered);

    w.clock.advance(Duration::minutes(1));
    w.as_user("admin");
    assert!(w.registry.verify_audit().unwrap() > 20);
}

#[test]
fn another_directorate_may_read_but_not_record() {
    let w = world();
    w.add("clerk.o", Role::Clerk);
    w.add("supervisor.o", Role::Supervisor);
    let (id, _) = registered_person(&w);
    // A clerk and a supervisor of Durrës.
    w.as_user("admin");
    let pw = "një fjalëkalim i gjatë 2026";
    for (name, role) in [
        ("clerk.du", Role::Clerk),
        ("supervisor.du", Role::Supervisor),
    ] {
        let otp = w.registry.create_user(name, role, "dvp-durres").unwrap();
        w.registry.sign_out().unwrap();
        w.registry.sign_in(name, &otp.password).unwrap();
        w.registry.change_password(&otp.password, pw).unwrap();
        w.registry.sign_out().unwrap();
        w.registry.sign_in("admin", ADMIN_PW).unwrap();
    }
    w.as_user("clerk.o");
    let check_in = w
        .registry
        .add_record(id, &record("check_in", "01.12.2026"))
        .unwrap();

    for name in ["clerk.du", "supervisor.du"] {
        w.registry.sign_out().unwrap();
        w.registry.sign_in(name, pw).unwrap();
        let t = w.registry.timeline(id).unwrap();
        assert!(!t.may_add && !t.may_confirm && !t.may_serve);
        assert_eq!(
            w.registry
                .add_record(id, &record("check_in", "02.12.2026"))
                .unwrap_err()
                .code,
            "forbidden"
        );
        assert_eq!(
            w.registry.void_record(check_in.id, "x").unwrap_err().code,
            "forbidden"
        );
        assert!(w.registry.dashboard().unwrap().overdue.is_empty());
    }
    // Administrators do not follow persons; the refusals are in the audit trail.
    w.as_user("admin");
    assert_eq!(w.registry.timeline(id).unwrap_err().code, "forbidden");
    w.add("auditor.o", Role::Auditor);
    w.as_user("auditor.o");
    let denied = w
        .registry
        .audit_events(&AuditQuery {
            action: Some("access.denied".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(denied.total >= 5, "{}", denied.total);
}

/// Sets the clock to an instant (UTC) and signs in again.
fn at_utc(w: &World, (y, m, day): (i32, u32, u32), (h, min): (u32, u32), user: &str) {
    w.clock
        .set(Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap());
    w.as_user(user);
}

#[test]
fn the_status_flips_on_the_tirana_date_not_the_utc_date() {
    let w = world();
    w.add("clerk.o", Role::Clerk);
    w.add("supervisor.o", Role::Supervisor);
    w.add("auditor.o", Role::Auditor);
    // Yearly reports on 10 March (winter), 15 July (summer), 28 March (the spring-forward
    // day of 2027) and 31 October (the autumn day of 2027); owed from today (03.12.2026).
    let (winter, _) = registered_person_from(&w, 31, "10.03.2020");
    let (summer, _) = registered_person_from(&w, 32, "15.07.2020");
    let (spring, _) = registered_person_from(&w, 33, "28.03.2020");
    let (autumn, _) = registered_person_from(&w, 34, "31.10.2020");
    use ComplianceStatus::{Compliant, DueSoon, Overdue};
    // (person, UTC day, UTC time, Tirana wall clock, status), in the order of time.
    let cases = [
        // Winter, UTC+1: 23:30 UTC is 00:30 the next day in Tirana.
        (winter, (2027, 2, 23), (22, 59), "23.02 23:59", Compliant), // 15 days ahead
        (winter, (2027, 2, 23), (23, 30), "24.02 00:30", DueSoon),   // 14 days ahead
        (winter, (2027, 3, 10), (22, 59), "10.03 23:59", DueSoon),   // due today
        (winter, (2027, 3, 10), (23, 30), "11.03 00:30", Overdue),
        // 28.03.2027: the clocks go from 02:00 CET to 03:00 CEST (01:00 UTC).
        (spring, (2027, 3, 27), (22, 59), "27.03 23:59", DueSoon),
        (spring, (2027, 3, 27), (23, 30), "28.03 00:30", DueSoon),
        (spring, (2027, 3, 28), (21, 59), "28.03 23:59", DueSoon),
        (spring, (2027, 3, 28), (22, 30), "29.03 00:30", Overdue),
        // Summer, UTC+2: 22:30 UTC is 00:30 the next day.
        (summer, (2027, 6, 30), (21, 59), "30.06 23:59", Compliant),
        (summer, (2027, 6, 30), (22, 30), "01.07 00:30", DueSoon),
        (summer, (2027, 7, 15), (21, 59), "15.07 23:59", DueSoon),
        (summer, (2027, 7, 15), (22, 30), "16.07 00:30", Overdue),
        // 31.10.2027: the clocks go from 03:00 CEST back to 02:00 CET (01:00 UTC).
        (autumn, (2027, 10, 31), (0, 30), "31.10 02:30", DueSoon),
        (
            autumn,
            (2027, 10, 31),
            (1, 30),
            "31.10 02:30 again",
            DueSoon,
        ),
        (autumn, (2027, 10, 31), (22, 59), "31.10 23:59", DueSoon),
        (autumn, (2027, 10, 31), (23, 0), "01.11 00:00", Overdue),
    ];
    for (id, day, time, local, expected) in cases {
        at_utc(&w, day, time, "clerk.o");
        assert_eq!(status_of(&w, id), expected, "{local} in Tirana");
        let dash = w.registry.dashboard().unwrap();
        let listed = |rows: &[DashboardRow]| rows.iter().any(|r| r.file.id == id);
        assert_eq!(listed(&dash.overdue), expected == Overdue, "{local}");
        assert_eq!(listed(&dash.due_soon), expected == DueSoon, "{local}");
    }

    // The auditor's date filter takes whole Tirana days: the dashboard seen at 23:30 UTC on
    // 10.03.2027 (00:30 on 11.03 in Tirana) belongs to 11.03.
    at_utc(&w, (2027, 11, 2), (9, 0), "auditor.o");
    let views = |from: &str, to: &str| {
        w.registry
            .audit_events(&AuditQuery {
                action: Some("dashboard.view".into()),
                from: Some(from.into()),
                to: Some(to.into()),
                ..Default::default()
            })
            .unwrap()
            .total
    };
    assert_eq!(views("10.03.2027", "10.03.2027"), 1);
    assert_eq!(views("11.03.2027", "11.03.2027"), 1);
    // Across the DST days: 28.03 has the views at 00:30 CET and 23:59 CEST; 31.10 (25 hours)
    // all three of its own.
    assert_eq!(views("28.03.2027", "28.03.2027"), 2);
    assert_eq!(views("31.10.2027", "31.10.2027"), 3);
    assert_eq!(views("01.11.2027", "01.11.2027"), 1);
    assert_eq!(
        w.registry
            .audit_events(&AuditQuery {
                from: Some("31.02.2027".into()),
                ..Default::default()
            })
            .unwrap_err()
            .code,
        "invalid_input"
    );
}

#[test]
fn changes_to_a_trip_and_of_name_are_recorded_and_judged() {
    let w = world();
    w.add("clerk.o", Role::Clerk);
    w.add("supervisor.o", Role::Supervisor);
    let (id, _) = registered_person(&w);
    let (other, _) = registered_person_from(&w, 41, "01.06.2020");
    w.as_user("clerk.o");
    let trip = |w: &World, file: Uuid| {
        w.registry
            .add_record(
                file,
                &RecordDraft {
                    foreign: true,
                    country: "GR".into(),
                    destination: "Selanik".into(),
                    end_date: "20.12.2026".into(),
                    reported_on: "01.12.2026".into(),
                    ..record("trip", "10.12.2026")
                },
            )
            .unwrap()
    };
    let declared = trip(&w, id);
    let elsewhere = trip(&w, other);
    let change = |trip: Uuid, departure: &str, time: &str| RecordDraft {
        trip_id: trip.to_string(),
        country: "GR".into(),
        destination: "Athinë".into(),
        end_date: "22.12.2026".into(),
        reported_on: "03.12.2026".into(),
        reported_time: time.into(),
        ..record("trip_change", departure)
    };
    // Another file's trip, and a time still to come (it is 09:00 in Tirana), are refused.
    let err = w
        .registry
        .add_record(id, &change(elsewhere.id, "12.12.2026", "08:00"))
        .unwrap_err();
    assert!(err
        .fields
        .iter()
        .any(|f| f.field == "trip_id" && f.code == "trip_unknown"));
    let err = w
        .registry
        .add_record(id, &change(declared.id, "12.12.2026", "09:30"))
        .unwrap_err();
    assert!(err
        .fields
        .iter()
        .any(|f| f.field == "reported_time" && f.code == "date_in_future"));
    // Brought forward to 04.12 at 08:00 on 03.12: 24 hours before 04.12 began was 03.12 00:00
    // (Tirana, UTC+1), so it was declared late.
    let late = w
        .registry
        .add_record(id, &change(declared.id, "04.12.2026", "08:00"))
        .unwrap();
    let t = w.registry.timeline(id).unwrap();
    let c = t.compliance.unwrap();
    let a = c
        .assessments
        .iter()
        .find(|a| a.record_id == late.id)
        .unwrap();
    assert_eq!(a.on_time, Some(false));
    assert_eq!(
        a.deadline_at,
        Some(Utc.with_ymd_and_hms(2026, 12, 2, 23, 0, 0).unwrap())
    );
    assert!(a.international_notification);
    assert_eq!(t.trips.len(), 1);
    assert_eq!(
        (t.trips[0].departure, t.trips[0].changed_by),
        (d(2026, 12, 4), Some(late.id))
    );
    assert_eq!(c.departures_ahead, vec![declared.id]);
    // The dashboard lists the departure as it now stands.
    let dash = w.registry.dashboard().unwrap();
    let row = dash.departing.iter().find(|r| r.file.id == id).unwrap();
    assert_eq!(
        (
            row.departures[0].departure,
            row.departures[0].destination.as_str(),
            row.departures[0].changed
        ),
        (d(2026, 12, 4), "Athinë", true)
    );
    // A voided trip can no longer be changed.
    w.as_user("supervisor.o");
    w.registry
        .void_record(elsewhere.id, "Deklaruar gabimisht")
        .unwrap();
    w.as_user("clerk.o");
    let err = w
        .registry
        .add_record(other, &change(elsewhere.id, "12.12.2026", "08:00"))
        .unwrap_err();
    assert!(err.fields.iter().any(|f| f.code == "trip_unknown"));

    // A change of name, reported on the third day, and one reported late.
    let name = |changed: &str, reported: &str| RecordDraft {
        old_surname: "Hoxha".into(),
        old_given_name: "Arben".into(),
        new_surname: "Hoxhaj".into(),
        new_given_name: "Arben".into(),
        reported_on: reported.into(),
        ..record("name_change", changed)
    };
    let on_time = w
        .registry
        .add_record(id, &name("28.11.2026", "01.12.2026"))
        .unwrap();
    let late = w
        .registry
        .add_record(id, &name("20.11.2026", "01.12.2026"))
        .unwrap();
    let err = w
        .registry
        .add_record(
            id,
            &RecordDraft {
                new_surname: "HOXHA".into(),
                ..name("28.11.2026", "01.12.2026")
            },
        )
        .unwrap_err();
    assert!(err
        .fields
        .iter()
        .any(|f| f.field == "new_surname" && f.code == "name_unchanged"));
    let c = w.registry.timeline(id).unwrap().compliance.unwrap();
    let judged = |r: Uuid| {
        let a = c.assessments.iter().find(|a| a.record_id == r).unwrap();
        (a.deadline.map(|x| x.date), a.on_time)
    };
    assert_eq!(judged(on_time.id), (Some(d(2026, 12, 1)), Some(true)));
    assert_eq!(judged(late.id), (Some(d(2026, 11, 23)), Some(false)));
}
