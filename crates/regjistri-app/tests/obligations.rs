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
    let mut draft = draft(21);
    let conviction = draft.convictions[0].clone();
    draft.convictions = vec![ConvictionDraft {
        decision_date: "01.03.2020".into(),
        final_date: "10.03.2020".into(),
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
    assert_eq!(c.status, ComplianceStatus::DueSoon);
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
