//! Users, sessions, authorisation and four-eyes approval through the application layer, on
//! a real encrypted database with the real key store and an injected clock.

use chrono::Duration;
use regjistri_app::*;
use regjistri_domain::access::{scope, Operation, Role};
use regjistri_domain::file::FileDraft;
use regjistri_domain::records::RecordDraft;
use regjistri_domain::rules::RuleValues;
use uuid::Uuid;

mod common;
use common::*;

#[test]
fn every_role_against_every_operation() {
    let mut w = world();
    for (name, role) in [
        ("clerk.a", Role::Clerk),
        ("supervisor.a", Role::Supervisor),
        ("auditor.a", Role::Auditor),
    ] {
        w.add(name, role);
    }
    w.as_user("clerk.a");
    let file = w.registry.create_file(&draft(1)).unwrap();

    let online = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (name, role) in [
        ("clerk.a", Role::Clerk),
        ("supervisor.a", Role::Supervisor),
        ("admin", Role::Administrator),
        ("auditor.a", Role::Auditor),
    ] {
        w.as_user(name);
        for op in Operation::ALL {
            let version = 1i64;
            let result: Result<(), AppError> = match op {
                Operation::ReadReferenceData => w.registry.reference_data().map(drop),
                Operation::SearchFiles => w.registry.search(&SearchQuery::default()).map(drop),
                Operation::ViewFile => w.registry.get_file(file.id).map(drop),
                Operation::OpenEditForm => w.registry.edit_file(file.id).map(drop),
                Operation::CheckDraft => w.registry.check_draft(&FileDraft::default()).map(drop),
                Operation::CreateFile => w.registry.create_file(&draft(2)).map(drop),
                Operation::UpdateFile => w
                    .registry
                    .update_file(file.id, version, &draft(1))
                    .map(drop),
                Operation::ViewApprovalQueue => w.registry.approval_queue().map(drop),
                Operation::ApproveFile => w.registry.approve_file(Uuid::now_v7(), 1).map(drop),
                Operation::ReturnFile => w
                    .registry
                    .return_file(file.id, 0, "check the court")
                    .map(drop),
                Operation::ReadAudit => w.registry.audit_events(&AuditQuery::default()).map(drop),
                Operation::VerifyAudit => w.registry.verify_audit().map(drop),
                Operation::ManageUsers => w.registry.list_users().map(drop),
                Operation::ReleaseLockedAccount => w.registry.locked_users().map(drop),
                Operation::SeedDemoData => w.registry.seed(1, 3, &mut |_, _| {}).map(drop),
                Operation::ChangeSettings => w.registry.set_idle_minutes(15),
                Operation::ViewCompliance => w.registry.dashboard().map(drop),
                Operation::AddRecord => w
                    .registry
                    .add_record(
                        file.id,
                        &RecordDraft {
                            kind: "check_in".into(),
                            date: "01.12.2026".into(),
                            officer: "Inspektor".into(),
                            ..RecordDraft::default()
                        },
                    )
                    .map(drop),
                Operation::ConfirmRecord => w.registry.void_record(Uuid::now_v7(), "x").map(drop),
                Operation::ServeNotice => w
                    .registry
                    .serve_notice(Uuid::now_v7(), "01.12.2026")
                    .map(drop),
                Operation::ManageRules => w
                    .registry
                    .preview_rules(&RuleDraft {
                        effective_from: "01.01.2027".into(),
                        values: RuleValues::provisional(),
                        note: String::new(),
                    })
                    .map(drop),
                // Not enrolled: whoever may ask gets "not_enrolled" (or a bad address),
                // never "forbidden".
                Operation::ViewSyncStatus => w.registry.sync_status().map(drop),
                Operation::Synchronise => online.block_on(w.registry.sync_now()).map(drop),
                Operation::EnrolStation => online
                    .block_on(w.registry.enrol_station(&EnrolRequest {
                        server_url: "http://not-https".into(),
                        bundle: String::new(),
                    }))
                    .map(drop),
                Operation::ResolveConflicts => online.block_on(w.registry.conflicts()).map(drop),
                Operation::FetchRemoteFile => online
                    .block_on(w.registry.fetch_remote_file(file.id, "duplicate check"))
                    .map(drop),
                Operation::ViewPhoto => w.registry.photos(file.id).map(drop),
            };
            let refused = matches!(&result, Err(e) if e.code == "forbidden");
            assert_eq!(
                !refused,
                scope(role, op).is_some(),
                "{role:?} × {op:?}: {result:?}"
            );
        }
    }

    // Without a session nothing works.
    w.registry.sign_out().unwrap();
    assert_eq!(
        w.registry.search(&SearchQuery::default()).unwrap_err().code,
        "no_session"
    );
    assert_eq!(w.registry.get_file(file.id).unwrap_err().code, "no_session");
    assert_eq!(
        w.registry.create_file(&draft(3)).unwrap_err().code,
        "no_session"
    );
    assert_eq!(w.registry.reference_data().unwrap_err().code, "no_session");
    assert_eq!(w.registry.verify_audit().unwrap_err().code, "no_session");
    assert!(w.registry.app_info().unwrap().file_count.is_none());
}

#[test]
fn idle_lock_and_the_twelve_hour_limit() {
    let w = world();
    w.add("clerk.b", Role::Clerk);
    w.as_user("clerk.b");
    w.clock.advance(Duration::minutes(14));
    w.registry.search(&SearchQuery::default()).unwrap();
    w.clock.advance(Duration::minutes(14));
    w.registry.search(&SearchQuery::default()).unwrap(); // activity resets the idle time
    w.clock.advance(Duration::minutes(15));
    assert!(w.registry.session().unwrap().locked);
    assert_eq!(
        w.registry.search(&SearchQuery::default()).unwrap_err().code,
        "session_locked"
    );
    assert_eq!(
        w.registry.unlock("wrong password!!").unwrap_err().code,
        "sign_in_refused"
    );
    w.registry.unlock(PW).unwrap();
    w.registry.search(&SearchQuery::default()).unwrap();
    // Twelve hours after sign-in the session ends, however active.
    for _ in 0..((12 * 60) / 10) {
        w.clock.advance(Duration::minutes(10));
        if w.registry.search(&SearchQuery::default()).is_err() {
            break;
        }
    }
    assert_eq!(
        w.registry.search(&SearchQuery::default()).unwrap_err().code,
        "no_session"
    );
    let events = {
        w.registry.sign_in("admin", ADMIN_PW).unwrap();
        w.registry.verify_audit().unwrap()
    };
    assert!(events > 0);
}

#[test]
fn lockout_through_the_application_layer() {
    let w = world();
    w.add("clerk.c", Role::Clerk);
    w.add("supervisor.c", Role::Supervisor);
    w.registry.sign_out().unwrap();
    for _ in 0..4 {
        assert_eq!(
            w.registry
                .sign_in("clerk.c", "not my password")
                .unwrap_err()
                .code,
            "sign_in_refused"
        );
    }
    assert_eq!(
        w.registry
            .sign_in("nobody.at.all", "not my password")
            .unwrap_err()
            .code,
        "sign_in_refused"
    );
    assert_eq!(
        w.registry
            .sign_in("clerk.c", "not my password")
            .unwrap_err()
            .code,
        "account_locked"
    );
    assert_eq!(
        w.registry.sign_in("clerk.c", PW).unwrap_err().code,
        "account_locked"
    );
    w.as_user("supervisor.c");
    let locked = w.registry.locked_users().unwrap();
    assert_eq!(locked.len(), 1);
    w.registry.release_user(locked[0].id).unwrap();
    w.as_user("clerk.c");
}

#[test]
fn four_eyes_approval_and_what_counts_as_registered() {
    let w = world();
    w.add("clerk.d", Role::Clerk);
    w.add("supervisor.d", Role::Supervisor);
    w.add("supervisor.e", Role::Supervisor);

    // A supervisor may enter a file, but never approve their own work.
    w.as_user("supervisor.d");
    let own = w.registry.create_file(&draft(10)).unwrap();
    assert_eq!(
        w.registry
            .approve_file(own.id, own.version)
            .unwrap_err()
            .code,
        "own_work"
    );

    w.as_user("clerk.d");
    let saved = w.registry.create_file(&draft(11)).unwrap();
    let surname = w
        .registry
        .get_file(saved.id)
        .unwrap()
        .file
        .data
        .identity
        .surname;
    let hit = |w: &World| {
        w.registry
            .search(&SearchQuery {
                text: surname.clone(),
                ..Default::default()
            })
            .unwrap()
            .items
            .into_iter()
            .find(|i| i.id == saved.id)
            .unwrap()
    };
    assert!(!hit(&w).registered, "pending is not registered");
    assert!(!w.registry.get_file(saved.id).unwrap().registered);
    assert_eq!(
        w.registry
            .approve_file(saved.id, saved.version)
            .unwrap_err()
            .code,
        "forbidden"
    );

    w.as_user("supervisor.d");
    let queue = w.registry.approval_queue().unwrap();
    assert!(queue.iter().any(|f| f.id == saved.id));
    assert_eq!(
        w.registry
            .return_file(saved.id, saved.version, "  ")
            .unwrap_err()
            .code,
        "reason_required"
    );
    let returned = w
        .registry
        .return_file(saved.id, saved.version, "Mungon numri i vendimit të apelit")
        .unwrap();
    assert!(!hit(&w).registered, "returned is not registered");

    w.as_user("clerk.d");
    let form = w.registry.edit_file(saved.id).unwrap();
    assert_eq!(form.base_version, returned.version);
    let resubmitted = w
        .registry
        .update_file(saved.id, form.base_version, &form.draft)
        .unwrap();

    // supervisor.d returned it but did not author it: may approve now.
    w.as_user("supervisor.d");
    let approved = w
        .registry
        .approve_file(saved.id, resubmitted.version)
        .unwrap();
    assert!(hit(&w).registered);
    let view = w.registry.get_file(saved.id).unwrap();
    assert!(view.registered);
    assert_eq!(view.approved.as_ref().unwrap().version, approved.version);
    let actions: Vec<_> = view
        .history
        .iter()
        .map(|h| (h.action.as_str(), h.actor.as_str()))
        .collect();
    assert_eq!(actions[0], ("create", "clerk.d"));
    assert!(actions.contains(&("return", "supervisor.d")));
    assert_eq!(*actions.last().unwrap(), ("approve", "supervisor.d"));
    assert_eq!(
        view.history
            .iter()
            .find(|h| h.action == "return")
            .unwrap()
            .reason
            .as_deref(),
        Some("Mungon numri i vendimit të apelit")
    );

    // An amendment is pending; the approved version still stands and the diff is shown.
    w.as_user("clerk.d");
    let mut form = w.registry.edit_file(saved.id).unwrap();
    form.draft.identity.mother_name = "Mimoza".into();
    let amended = w
        .registry
        .update_file(saved.id, form.base_version, &form.draft)
        .unwrap();
    let view = w.registry.get_file(saved.id).unwrap();
    assert!(view.registered, "the approved version still stands");
    assert!(
        view.pending_changes
            .iter()
            .any(|c| c.path == "identity.mother_name"),
        "{:?}",
        view.pending_changes
    );
    w.as_user("supervisor.e");
    w.registry.approve_file(saved.id, amended.version).unwrap();
    assert!(w
        .registry
        .get_file(saved.id)
        .unwrap()
        .pending_changes
        .is_empty());
}
