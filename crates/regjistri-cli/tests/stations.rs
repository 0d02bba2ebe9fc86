//! Stations on real SQLCipher files (keys and station keys in the real Secret Service)
//! synchronising through the real central server (axum over mutual TLS, PostgreSQL), with
//! the application layer the window and the command line use, and the `regjistri` binary
//! killed with SIGKILL in the middle of a pull.
//!
//! Needs DATABASE_URL (scripts/with-postgres.sh) and a Secret Service (scripts/with-keyring.sh);
//! REGJISTRI_SKIP_PG=1 skips loudly.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use regjistri_app::*;
use regjistri_domain::access::Role;
use regjistri_domain::file::FileStatus;
use regjistri_server::pki;
use regjistri_store::KeyStore;
use time::OffsetDateTime;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_regjistri");

mod support;
use support::*;

/// A check-in without a photo (1 December 2026) and a death (2 December), added to `file` by
/// the station's signed-in clerk.
fn check_in_and_death(
    s: &Station,
    file: Uuid,
) -> (
    regjistri_domain::records::FileRecord,
    regjistri_domain::records::FileRecord,
) {
    let add = |draft: regjistri_domain::records::RecordDraft| {
        s.registry.add_record(file, &draft).unwrap()
    };
    (
        add(regjistri_domain::records::RecordDraft {
            kind: "check_in".into(),
            date: "01.12.2026".into(),
            officer: "Inspektor Gjoka".into(),
            no_photo_reason: "Kamera e prishur".into(),
            ..Default::default()
        }),
        add(regjistri_domain::records::RecordDraft {
            kind: "status_change".into(),
            date: "02.12.2026".into(),
            choice: "deceased".into(),
            note: "Certifikatë vdekjeje".into(),
            ..Default::default()
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stations_share_files_approvals_and_merge_different_fields() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;

    // A clerk at A creates a file; a supervisor at A approves it.
    a.as_user("clerk.a");
    let saved = a.registry.create_file(&draft(11)).unwrap();
    a.as_user("supervisor.a");
    a.registry.approve_file(saved.id, saved.version).unwrap();
    a.registry.sign_out().unwrap();
    let r = a.sync().await;
    assert_eq!((r.pushed, r.rejected, r.conflicts), (2, 0, 0), "{r:?}");
    assert!(r.audit_stored > 0);
    b.sync().await;

    // B holds it, approved by A's supervisor, registered.
    b.as_user("clerk.b");
    let view = b.registry.get_file(saved.id).unwrap();
    assert_eq!(view.file.status, FileStatus::Approved);
    assert!(
        view.registered,
        "an approval made at another station counts here"
    );
    assert_eq!(view.approved.as_ref().unwrap().approved_by, "supervisor.a");
    assert_eq!(a.registry.station_status().unwrap().pending, 0);

    // Offline on both: different fields.
    let marks = "Plagë në dorën e majtë";
    a.as_user("clerk.a");
    edit(&a, saved.id, |d| d.description.marks = marks.into());
    b.as_user("clerk.b");
    edit(&b, saved.id, |d| {
        d.identity.place_of_birth = "Durrës".into()
    });
    assert_eq!(b.registry.station_status().unwrap().pending, 1);
    a.sync().await;
    let r = b.sync().await;
    assert_eq!((r.pushed, r.conflicts, r.rejected), (1, 0, 0), "{r:?}");
    a.sync().await;
    for s in [&a, &b] {
        let f = s.registry.get_file(saved.id).unwrap();
        assert_eq!(f.file.data.description.marks, marks);
        assert_eq!(f.file.data.identity.place_of_birth, "Durrës");
        // An approved file edited is an amendment: the approved version still stands.
        assert_eq!(f.file.status, FileStatus::Amended);
        assert!(f.registered);
    }
    assert_eq!(
        a.checksum(),
        server.central.replica_checksum("dvp-tirane").await.unwrap()
    );
    assert_eq!(b.checksum(), a.checksum());
    // Four eyes hold across stations: the same officer (an account of the same name at
    // each station) who changed the file at A may not approve it at B.
    b.add("supervisor.a", Role::Supervisor, "dvp-tirane");
    a.as_user("supervisor.a");
    edit(&a, saved.id, |d| {
        d.description.marks = "Shenjë lindjeje në qafë".into()
    });
    a.sync().await;
    b.sync().await;
    b.as_user("supervisor.a");
    let version = b.registry.get_file(saved.id).unwrap().file.version;
    assert_eq!(
        b.registry.approve_file(saved.id, version).unwrap_err().code,
        "own_work"
    );
    b.as_user("supervisor.b");
    b.registry.approve_file(saved.id, version).unwrap();
    b.sync().await;
    a.sync().await;
    a.as_user("clerk.a");
    let f = a.registry.get_file(saved.id).unwrap();
    assert_eq!(f.file.status, FileStatus::Approved);
    assert_eq!(f.approved.as_ref().unwrap().approved_by, "supervisor.b");
    assert_eq!(f.file.data.description.marks, "Shenjë lindjeje në qafë");
    // Both audit trails went up and continue where they left off.
    for s in [&a, &b] {
        s.sync().await;
        s.as_user("admin");
        s.registry.verify_audit().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_field_on_two_stations_waits_for_a_supervisor_who_did_not_make_it() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    a.as_user("clerk.a");
    let saved = a.registry.create_file(&draft(12)).unwrap();
    a.sync().await;
    b.sync().await;

    a.as_user("clerk.a");
    edit(&a, saved.id, |d| {
        d.description.marks = "Tatuazh shqiponje".into()
    });
    b.as_user("supervisor.b");
    edit(&b, saved.id, |d| {
        d.description.marks = "Tatuazh luani".into()
    });
    a.sync().await;
    let r = b.sync().await;
    assert_eq!((r.pushed, r.conflicts), (1, 1), "{r:?}");
    // B's copy shows the server's value until someone decides; B sees why.
    b.as_user("clerk.b");
    assert_eq!(
        b.registry
            .get_file(saved.id)
            .unwrap()
            .file
            .data
            .description
            .marks,
        "Tatuazh shqiponje"
    );
    let issues = b.registry.sync_issues().unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].kind, "conflict");
    assert_eq!(issues[0].paths, vec!["data.description.marks".to_string()]);
    assert_eq!(b.registry.station_status().unwrap().open_conflicts, Some(1));

    // The supervisor whose change it was may not decide it.
    b.as_user("supervisor.b");
    let open = b.registry.conflicts().await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(!open[0].may_resolve);
    assert_eq!(
        open[0].fields[0].station,
        serde_json::json!("Tatuazh luani")
    );
    let decision = ConflictDecision {
        conflict_id: open[0].id,
        choices: vec![ConflictChoice {
            path: "data.description.marks".into(),
            value: serde_json::json!("Tatuazh luani"),
        }],
    };
    assert_eq!(
        b.registry
            .resolve_conflict(&decision)
            .await
            .unwrap_err()
            .code,
        "own_work"
    );
    // A clerk may not decide at all.
    b.as_user("clerk.b");
    assert_eq!(b.registry.conflicts().await.unwrap_err().code, "forbidden");

    // The supervisor at A keeps the station's value; both stations get it.
    a.as_user("supervisor.a");
    let open = a.registry.conflicts().await.unwrap();
    assert!(open[0].may_resolve);
    a.registry.resolve_conflict(&decision).await.unwrap();
    assert_eq!(
        a.registry
            .resolve_conflict(&decision)
            .await
            .unwrap_err()
            .code,
        "conflict_not_found",
        "decided once"
    );
    b.sync().await;
    for (s, clerk) in [(&a, "clerk.a"), (&b, "clerk.b")] {
        s.as_user(clerk);
        assert_eq!(
            s.registry
                .get_file(saved.id)
                .unwrap()
                .file
                .data
                .description
                .marks,
            "Tatuazh luani"
        );
    }
    assert_eq!(a.checksum(), b.checksum());
    assert_eq!(
        a.checksum(),
        server.central.replica_checksum("dvp-tirane").await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_of_data_changed_elsewhere_is_refused_and_looked_at_again() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    a.as_user("clerk.a");
    let saved = a.registry.create_file(&draft(13)).unwrap();
    a.sync().await;
    b.sync().await;

    // Offline: B's clerk changes the surname while A's supervisor approves the old one.
    b.as_user("clerk.b");
    edit(&b, saved.id, |d| d.identity.surname = "Krasniqi".into());
    a.as_user("supervisor.a");
    a.registry.approve_file(saved.id, saved.version).unwrap();
    b.sync().await;
    let r = a.sync().await;
    assert_eq!(r.rejected, 1, "{r:?}");
    a.as_user("supervisor.a");
    let issues = a.registry.sync_issues().unwrap();
    assert_eq!(issues[0].kind, "rejected");
    assert_eq!(issues[0].error.as_ref().unwrap().code, "approval_outdated");
    // A now holds what the server holds: the new surname, not approved, back in the queue.
    let f = a.registry.get_file(saved.id).unwrap();
    assert_eq!(f.file.data.identity.surname, "Krasniqi");
    assert_eq!(f.file.status, FileStatus::Pending);
    assert!(!f.registered);
    assert!(a
        .registry
        .approval_queue()
        .unwrap()
        .iter()
        .any(|q| q.id == saved.id));
    // Approving what is there now goes through.
    let current = a.registry.get_file(saved.id).unwrap().file.version;
    a.registry.approve_file(saved.id, current).unwrap();
    let r = a.sync().await;
    assert_eq!((r.pushed, r.rejected), (1, 0), "{r:?}");
    b.sync().await;
    b.as_user("clerk.b");
    let f = b.registry.get_file(saved.id).unwrap();
    assert!(f.registered);
    assert_eq!(f.file.data.identity.surname, "Krasniqi");
    assert_eq!(a.checksum(), b.checksum());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_deleted_centrally_does_not_come_back_from_an_old_copy() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    a.as_user("clerk.a");
    let gone = a.registry.create_file(&draft(14)).unwrap();
    let kept = a.registry.create_file(&draft(15)).unwrap();
    a.sync().await;
    b.sync().await;
    // B edits its old copy offline; meanwhile the file is deleted centrally.
    b.as_user("clerk.b");
    edit(&b, gone.id, |d| d.description.marks = "Shenjë".into());
    server
        .central
        .delete_record(gone.id, "admin")
        .await
        .unwrap();
    let r = b.sync().await;
    assert_eq!(
        r.conflicts, 1,
        "the edit of a deleted file is a conflict: {r:?}"
    );
    a.sync().await;
    for s in [&a, &b] {
        s.as_user("admin");
        let all = s.registry.search(&SearchQuery::default()).unwrap();
        assert_eq!(all.total, 1);
        assert_eq!(all.items[0].id, kept.id);
    }
    assert!(server.central.record(gone.id).await.unwrap().is_none());
    assert_eq!(
        b.checksum(),
        server.central.replica_checksum("dvp-tirane").await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_station_resnapshots_in_its_round_and_keeps_what_it_has_not_pushed() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    a.as_user("clerk.a");
    let gone = a.registry.create_file(&draft(21)).unwrap();
    let kept = a.registry.create_file(&draft(22)).unwrap();
    a.sync().await;
    b.sync().await;

    // B works offline; meanwhile a file is deleted centrally, A learns of it, and the
    // tombstone is pruned past its retention: B's cursor is now below the horizon.
    b.as_user("clerk.b");
    edit(&b, kept.id, |d| {
        d.description.marks = "Shenjë e vjetër".into()
    });
    server
        .central
        .delete_record(gone.id, "admin")
        .await
        .unwrap();
    a.as_user("clerk.a");
    let later = a.registry.create_file(&draft(23)).unwrap();
    a.sync().await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let pruned = server
        .central
        .clone()
        .with_tombstone_days(0)
        .prune_tombstones()
        .await
        .unwrap();
    assert_eq!(pruned, 1);

    // B's round: its edit is pushed, then the server answers 410 and the round pulls
    // everything again. Changes made at B while that happens are not pushed in this round
    // and must survive the re-snapshot: a new file (the server has never seen it) and an edit.
    server.pull_delay_ms.store(300, Ordering::SeqCst);
    let meanwhile = async {
        let waited = std::time::Instant::now();
        while server.resnapshots_asked.load(Ordering::SeqCst) == 0 {
            assert!(waited.elapsed() < Duration::from_secs(60), "no 410");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let made = b.registry.create_file(&draft(24)).unwrap();
        edit(&b, kept.id, |d| d.identity.place_of_birth = "Durrës".into());
        made
    };
    let (report, made) = tokio::join!(b.sync(), meanwhile);
    server.pull_delay_ms.store(0, Ordering::SeqCst);
    assert!(report.resnapshot, "{report:?}");
    assert_eq!((report.pushed, report.rejected), (1, 0), "{report:?}");
    assert_eq!(server.resnapshots_asked.load(Ordering::SeqCst), 1);
    assert_eq!(b.registry.get_file(gone.id).unwrap_err().code, "not_found");
    assert!(b.registry.get_file(later.id).is_ok());
    let here = b.registry.get_file(kept.id).unwrap().file.data;
    assert_eq!(
        here.description.marks, "Shenjë e vjetër",
        "pushed, came back"
    );
    assert_eq!(here.identity.place_of_birth, "Durrës", "not pushed, kept");
    assert!(b.registry.get_file(made.id).is_ok(), "never pushed, kept");
    assert_eq!(b.registry.station_status().unwrap().pending, 2);

    // The next round pushes them; everyone holds the server's content.
    let report = b.sync().await;
    assert!(!report.resnapshot, "{report:?}");
    assert_eq!((report.pushed, report.rejected), (2, 0), "{report:?}");
    a.sync().await;
    a.as_user("clerk.a");
    let there = a.registry.get_file(kept.id).unwrap().file.data;
    assert_eq!(there.identity.place_of_birth, "Durrës");
    assert_eq!(there.description.marks, "Shenjë e vjetër");
    assert!(a.registry.get_file(made.id).is_ok());
    let central = server.central.replica_checksum("dvp-tirane").await.unwrap();
    assert_eq!(b.checksum(), central);
    assert_eq!(a.checksum(), central);
    b.as_user("admin");
    b.registry.verify_audit().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_decision_whose_answer_is_lost_still_succeeds_and_is_audited_at_the_station() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    a.as_user("clerk.a");
    let saved = a.registry.create_file(&draft(25)).unwrap();
    a.sync().await;
    b.sync().await;
    a.as_user("clerk.a");
    edit(&a, saved.id, |d| {
        d.description.marks = "Tatuazh shqiponje".into()
    });
    b.as_user("clerk.b");
    edit(&b, saved.id, |d| {
        d.description.marks = "Tatuazh luani".into()
    });
    a.sync().await;
    assert_eq!(b.sync().await.conflicts, 1);

    a.as_user("supervisor.a");
    let open = a.registry.conflicts().await.unwrap();
    let decision = ConflictDecision {
        conflict_id: open[0].id,
        choices: vec![ConflictChoice {
            path: "data.description.marks".into(),
            value: serde_json::json!("Tatuazh luani"),
        }],
    };
    server
        .lose_next_decision_reply
        .store(true, Ordering::SeqCst);
    a.registry
        .resolve_conflict(&decision)
        .await
        .expect("the retry is answered with the decision made");
    assert!(
        !server.lose_next_decision_reply.load(Ordering::SeqCst),
        "the first answer was lost"
    );
    // The station wrote its audit event (and uploaded it with the round that followed).
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT object_id, outcome FROM station_audit_event
         WHERE station_code = 'st-tr-01' AND action = 'conflict.resolve'",
    )
    .fetch_all(server.central.pool())
    .await
    .unwrap();
    let (version, _) = server.central.record(saved.id).await.unwrap().unwrap();
    assert_eq!(
        events,
        vec![(
            decision.conflict_id.to_string(),
            format!("ok version={version}")
        )]
    );
    b.sync().await;
    for (s, clerk) in [(&a, "clerk.a"), (&b, "clerk.b")] {
        s.as_user(clerk);
        let marks = s
            .registry
            .get_file(saved.id)
            .unwrap()
            .file
            .data
            .description
            .marks;
        assert_eq!(marks, "Tatuazh luani");
    }
    assert_eq!(a.checksum(), b.checksum());
}

/// The randomised scenario of `server/tests/worker.rs` on real SQLCipher stations through the
/// application layer (one seed; `REGJISTRI_SEEDS` picks others): officers create and edit
/// files offline at three stations of two directorates while a fifth of all requests meet a
/// fault; the network heals; every station holds exactly the server's content, every change
/// arrived once, none was refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_work_and_faults_on_real_stores_converge() {
    use rand::{Rng, SeedableRng};
    let Some(db) = database().await else { return };
    let seeds: Vec<u64> = std::env::var("REGJISTRI_SEEDS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![7]);
    let mut first = Some(db);
    for seed in seeds {
        eprintln!("random round over real stores, seed {seed} (REGJISTRI_SEEDS={seed} repeats it)");
        let db = match first.take() {
            Some(db) => db,
            None => database().await.unwrap(),
        };
        let server = start(&db).await;
        let (a, b) = two_stations(&server).await;
        let c = Station::new("dvp-durres", "c");
        c.enrol(&server, "st-dr-01", "dvp-durres").await;
        let stations = [
            (&a, "dvp-tirane", "clerk.a"),
            (&b, "dvp-tirane", "clerk.b"),
            (&c, "dvp-durres", "clerk.c"),
        ];
        for (s, _, clerk) in stations {
            s.as_user(clerk);
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut files: Vec<(Uuid, &str)> = Vec::new();
        let mut made = [0i64; 3];
        server.faults.set(seed ^ 0xfa17, 0.2);
        let places = ["Tiranë", "Durrës", "Shkodër"];
        let marks = ["Shenjë A", "Shenjë B", "Shenjë C"];
        for step in 0..40u64 {
            let i = rng.gen_range(0..3);
            let (s, directorate, _) = stations[i];
            if rng.gen_bool(0.3) || files.is_empty() {
                let mut d = draft(5_000 + seed * 100 + step);
                if directorate == "dvp-durres" {
                    for address in &mut d.addresses {
                        address.municipality_code = "durres".into();
                    }
                }
                let saved = s.registry.create_file(&d).unwrap();
                files.push((saved.id, directorate));
                made[i] += 1;
            } else {
                let (id, _) = files[rng.gen_range(0..files.len())];
                let place = places[rng.gen_range(0..3)];
                let mark = marks[rng.gen_range(0..3)];
                let by_place = rng.gen_bool(0.5);
                // Only a file this station holds (its directorate's, pulled already).
                if let Ok(form) = s.registry.edit_file(id) {
                    let mut d = form.draft;
                    let field = if by_place {
                        (&mut d.identity.place_of_birth, place)
                    } else {
                        (&mut d.description.marks, mark)
                    };
                    // The same value again writes nothing (and sends nothing).
                    let changed = *field.0 != field.1;
                    *field.0 = field.1.into();
                    if changed && s.registry.update_file(id, form.base_version, &d).is_ok() {
                        made[i] += 1;
                    }
                }
            }
            if rng.gen_bool(0.4) {
                let (s, _, _) = stations[rng.gen_range(0..3)];
                // A round may fail when faults pile up past the client's retries: that is
                // what the status line shows; the next round goes on.
                let _ = s.registry.background_round().await;
            }
        }
        let injected = server.faults.injected();
        server.faults.off();
        for _ in 0..2 {
            for (s, _, _) in stations {
                s.sync().await;
            }
        }
        assert!(injected > 0, "seed {seed}: no fault was met");
        for (s, directorate, _) in stations {
            assert_eq!(
                s.checksum(),
                server.central.replica_checksum(directorate).await.unwrap(),
                "seed {seed}: {directorate}"
            );
            assert_eq!(
                s.registry.station_status().unwrap().pending,
                0,
                "seed {seed}"
            );
            assert!(
                s.registry
                    .sync_issues()
                    .unwrap()
                    .iter()
                    .all(|i| i.kind == "conflict"),
                "seed {seed}: nothing refused"
            );
        }
        let on_server: i64 =
            sqlx::query_scalar("SELECT count(*) FROM record WHERE entity = 'offender_file'")
                .fetch_one(server.central.pool())
                .await
                .unwrap();
        assert_eq!(
            on_server as usize,
            files.len(),
            "seed {seed}: every file once"
        );
        for (i, code) in ["st-tr-01", "st-tr-02", "st-dr-01"].iter().enumerate() {
            let outcomes: Vec<String> = sqlx::query_scalar(
                "SELECT result->>'outcome' FROM mutation WHERE station = $1 AND entity = 'offender_file'",
            )
            .bind(code)
            .fetch_all(server.central.pool())
            .await
            .unwrap();
            assert_eq!(
                outcomes.len() as i64,
                made[i],
                "seed {seed}: every change of {code} once"
            );
            assert!(
                outcomes.iter().all(|o| o == "applied" || o == "conflict"),
                "seed {seed}: {outcomes:?}"
            );
        }
        eprintln!("seed {seed}: converged through {injected} injected faults");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_directorate_holds_the_index_only_and_fetches_the_file_with_a_reason() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let a = Station::new("dvp-tirane", "a");
    let c = Station::new("dvp-durres", "c");
    a.enrol(&server, "st-tr-01", "dvp-tirane").await;
    c.enrol(&server, "st-dr-01", "dvp-durres").await;
    a.as_user("clerk.a");
    let d = draft(16);
    let surname = d.identity.surname.clone();
    let saved = a.registry.create_file(&d).unwrap();
    a.sync().await;
    c.sync().await;

    c.as_user("clerk.c");
    let found = c
        .registry
        .search(&SearchQuery {
            text: surname.clone(),
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(found.total, 0, "no full file of another directorate here");
    assert_eq!(found.national.len(), 1, "but its index entry is");
    assert_eq!(found.national[0].id, saved.id);
    assert_eq!(found.national[0].owning_directorate, "dvp-tirane");
    assert_eq!(c.registry.get_file(saved.id).unwrap_err().code, "not_found");
    assert_eq!(
        c.registry
            .fetch_remote_file(saved.id, "  ")
            .await
            .unwrap_err()
            .code,
        "reason_required"
    );
    let remote = c
        .registry
        .fetch_remote_file(saved.id, "Kontroll dublikate para regjistrimit")
        .await
        .unwrap();
    assert_eq!(remote.data.identity.surname, surname);
    assert_eq!(remote.owning_directorate, "dvp-tirane");
    // Logged at the station and on the server; nothing of it is kept here.
    c.as_user("admin");
    assert_eq!(c.registry.search(&SearchQuery::default()).unwrap().total, 0);
    let accesses: i64 = sqlx::query_scalar("SELECT count(*) FROM file_access WHERE record_id = $1")
        .bind(saved.id)
        .fetch_one(server.central.pool())
        .await
        .unwrap();
    assert_eq!(accesses, 1);
    // C holds exactly what the server says a station of its directorate holds.
    assert_eq!(
        c.checksum(),
        server.central.replica_checksum("dvp-durres").await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetched_file_of_a_deceased_person_is_not_reported_as_registered() {
    use regjistri_domain::compliance::ComplianceStatus;
    use regjistri_domain::records::RecordDraft;
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let a = Station::new("dvp-tirane", "a");
    a.add("supervisor.a2", Role::Supervisor, "dvp-tirane");
    let c = Station::new("dvp-durres", "c");
    a.enrol(&server, "st-tr-01", "dvp-tirane").await;
    c.enrol(&server, "st-dr-01", "dvp-durres").await;
    let today = regjistri_domain::dates::local_date(chrono::Utc::now())
        .format("%d.%m.%Y")
        .to_string();

    // At A: two persons, approved. One dies: a supervisor records it, a second confirms it.
    a.as_user("clerk.a");
    let deceased = a.registry.create_file(&draft(21)).unwrap();
    // Convicted this year: registered for years to come, no report owed yet.
    let mut recent = draft(22);
    for c in &mut recent.convictions {
        c.decision_date = "04.05.2026".into();
        c.final_date = "01.06.2026".into();
        c.sentence_months = "48".into();
        c.custody_from = String::new();
        c.release_date = String::new();
    }
    let living = a.registry.create_file(&recent).unwrap();
    a.as_user("supervisor.a");
    a.registry
        .approve_file(deceased.id, deceased.version)
        .unwrap();
    a.registry.approve_file(living.id, living.version).unwrap();
    let death = a
        .registry
        .add_record(
            deceased.id,
            &RecordDraft {
                kind: "status_change".into(),
                date: today.clone(),
                choice: "deceased".into(),
                note: "Certifikatë vdekjeje".into(),
                ..Default::default()
            },
        )
        .unwrap();
    a.as_user("supervisor.a2");
    a.registry.confirm_record(death.id).unwrap();
    // The living person's file has an amendment waiting for approval.
    a.as_user("clerk.a");
    edit(&a, living.id, |d| {
        d.description.marks = "Plagë në dorën e majtë".into()
    });
    let r = a.sync().await;
    assert_eq!(r.rejected, 0, "{r:?}");
    c.sync().await;
    let at_owner = |id: Uuid| {
        a.as_user("clerk.a");
        a.registry.get_file(id).unwrap()
    };
    let owner_deceased = at_owner(deceased.id);
    let owner_living = at_owner(living.id);
    let status_of = |v: &FileView| v.compliance.as_ref().map(|c| c.status);
    assert!(
        !owner_deceased.registered,
        "{:?}",
        status_of(&owner_deceased)
    );
    assert!(owner_living.registered, "{:?}", status_of(&owner_living));

    // C, another directorate, fetches both: judged here exactly as the owner judges them.
    c.as_user("clerk.c");
    let remote = c
        .registry
        .fetch_remote_file(deceased.id, "Kontroll para një vendimi")
        .await
        .unwrap();
    assert_eq!(remote.status, FileStatus::Approved);
    assert!(!remote.registered, "a confirmed death: not registered");
    let compliance = remote.compliance.as_ref().expect("judged");
    assert_eq!(compliance.status, ComplianceStatus::Deceased);
    assert_eq!(
        Some(compliance),
        owner_deceased.compliance.as_ref(),
        "as the owner computes it"
    );
    assert!(!owner_deceased.registered);

    let remote = c
        .registry
        .fetch_remote_file(living.id, "Kontroll para një vendimi")
        .await
        .unwrap();
    assert_eq!(remote.status, FileStatus::Amended);
    assert!(remote.registered, "approved and compliant: registered");
    assert_eq!(
        remote.compliance.as_ref().map(|c| c.status),
        Some(ComplianceStatus::Compliant)
    );
    assert_eq!(remote.compliance, owner_living.compliance);
    assert!(owner_living.registered);
    // It shows the approved data, and says what the amendment would change.
    assert_eq!(remote.shows, RemoteData::Approved);
    assert_eq!(remote.data.description.marks, recent.description.marks);
    assert_eq!(
        remote
            .pending_changes
            .iter()
            .map(|c| c.path.as_str())
            .collect::<Vec<_>>(),
        vec!["description.marks"]
    );
    assert_eq!(remote.pending_changes, owner_living.pending_changes);
    assert_eq!(
        remote.approved.as_ref().map(|a| a.approved_by.as_str()),
        Some("supervisor.a")
    );
    // Nothing of either file, nor their records, is kept at C.
    let store =
        regjistri_store::Store::open_existing(&c.path, &OsKeyStore::new(), chrono::Utc::now())
            .unwrap();
    assert!(store.records(deceased.id).unwrap().is_empty());
    assert_eq!(
        c.checksum(),
        server.central.replica_checksum("dvp-durres").await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_refuses_a_certificate_the_server_does_not_know_and_writes_nothing() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let s = Station::new("dvp-tirane", "a");
    let now = OffsetDateTime::now_utc();
    // Issued by the server's CA but never registered as a station.
    let cert = pki::station_certificate(
        &server.ca,
        "st-x",
        "dvp-tirane",
        now - time::Duration::hours(1),
        now + time::Duration::days(1),
    )
    .unwrap();
    s.as_user("admin");
    let e = s
        .registry
        .enrol_station(&EnrolRequest {
            server_url: server.url.clone(),
            bundle: pki::station_bundle(&cert, &server.ca),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "station_unknown");
    let status = s.registry.station_status().unwrap();
    assert!(!status.enrolled);
    assert_eq!(status.station, s.registry.app_info().unwrap().station);
    let account = format!(
        "{}.station-key",
        regjistri_store::key_account(&s.path).unwrap()
    );
    assert!(
        OsKeyStore::new().get_secret(&account).unwrap().is_none(),
        "no station key was kept"
    );
    assert_eq!(
        s.registry.background_round().await.unwrap_err().code,
        "not_enrolled"
    );
    let garbage = s
        .registry
        .enrol_station(&EnrolRequest {
            server_url: server.url.clone(),
            bundle: "not a bundle".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(garbage.code, "invalid_input");
}

fn cli(db: &Path, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(BIN);
    c.arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "off")
        .env("REGJISTRI_USER", "clerk.k")
        .env("REGJISTRI_PASSWORD", PW);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_killed_mid_pull_resumes_where_its_cursor_stands_and_converges() {
    /// Two pages of the feed (1,000 each) and a bit: the kill comes after the first.
    const FILES: u64 = 2_100;
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    // A station with a few thousand files of the directorate.
    let a = Station::new("dvp-tirane", "a");
    a.enrol(&server, "st-tr-01", "dvp-tirane").await;
    a.as_user("clerk.a");
    for seed in 0..FILES {
        a.registry.create_file(&draft(1_000 + seed)).unwrap();
    }
    let r = a.sync().await;
    assert_eq!((r.pushed, r.rejected), (FILES, 0), "{r:?}");

    // A new station pulls them through the command line, slowly; it is killed mid-pull.
    let k = Station::new("dvp-tirane", "k");
    k.enrol(&server, "st-tr-09", "dvp-tirane").await;
    let path = k.path.clone();
    let _ = k.registry.sign_out();
    server.pull_delay_ms.store(1_500, Ordering::SeqCst);
    let cursor = |path: &Path| {
        regjistri_store::Store::open_existing(path, &OsKeyStore::new(), chrono::Utc::now())
            .and_then(|s| s.sync_cursor())
            .unwrap_or(0)
    };
    let mut child = cli(&path, &["sync"]).spawn().unwrap();
    // Wait for the first page to be applied, then kill while the next one is on its way.
    let waited = std::time::Instant::now();
    while cursor(&path) == 0 {
        assert!(child.try_wait().unwrap().is_none(), "the pull ended early");
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "no page applied"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SIGKILL: no chance to tidy up.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let partial = {
        let store =
            regjistri_store::Store::open_existing(&path, &OsKeyStore::new(), chrono::Utc::now())
                .unwrap();
        (store.sync_cursor().unwrap(), store.file_count().unwrap())
    };
    assert!(partial.0 > 0, "some pages were applied before the kill");
    assert!(
        partial.1 < FILES,
        "the kill came before the end: {partial:?}"
    );

    // Run again: it goes on from its cursor and ends with exactly the server's content.
    server.pull_delay_ms.store(0, Ordering::SeqCst);
    let out = cli(&path, &["sync"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // It went on from its cursor: exactly what the first run had not applied came down.
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let pulled: u64 = stdout
        .split("pulled ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pulled count in {stdout:?}"));
    assert_eq!(pulled, FILES - partial.1, "{stdout}");
    assert_eq!(
        k.checksum(),
        server.central.replica_checksum("dvp-tirane").await.unwrap()
    );
    assert_eq!(k.checksum(), a.checksum());
    k.as_user("admin");
    assert_eq!(
        u64::from(k.registry.search(&SearchQuery::default()).unwrap().total),
        FILES
    );
    k.registry.verify_audit().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_reach_the_directorates_stations_and_a_death_is_confirmed_at_another() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    let c = Station::new("dvp-durres", "c");
    c.enrol(&server, "st-dr-01", "dvp-durres").await;
    a.as_user("clerk.a");
    let saved = a.registry.create_file(&draft(17)).unwrap();
    a.as_user("supervisor.a");
    a.registry.approve_file(saved.id, saved.version).unwrap();
    // A check-in and a death at A, offline.
    a.as_user("clerk.a");
    let (check_in, death) = check_in_and_death(&a, saved.id);
    assert!(death.confirmation.is_none());
    // A trip, a change to it and a change of name: records of any kind travel as documents.
    let draft_of = |kind: &str| regjistri_domain::records::RecordDraft {
        kind: kind.into(),
        ..Default::default()
    };
    let trip = a
        .registry
        .add_record(
            saved.id,
            &regjistri_domain::records::RecordDraft {
                foreign: true,
                country: "IT".into(),
                destination: "Bari".into(),
                date: "20.12.2026".into(),
                end_date: "27.12.2026".into(),
                reported_on: "01.12.2026".into(),
                ..draft_of("trip")
            },
        )
        .unwrap();
    let trip_change = a
        .registry
        .add_record(
            saved.id,
            &regjistri_domain::records::RecordDraft {
                trip_id: trip.id.to_string(),
                country: "IT".into(),
                destination: "Roma".into(),
                date: "22.12.2026".into(),
                end_date: "29.12.2026".into(),
                reported_on: "01.12.2026".into(),
                reported_time: "10:00".into(),
                ..draft_of("trip_change")
            },
        )
        .unwrap();
    let name_change = a
        .registry
        .add_record(
            saved.id,
            &regjistri_domain::records::RecordDraft {
                old_surname: "Hoxha".into(),
                old_given_name: "Arben".into(),
                new_surname: "Hoxhaj".into(),
                new_given_name: "Arben".into(),
                date: "25.11.2026".into(),
                reported_on: "27.11.2026".into(),
                ..draft_of("name_change")
            },
        )
        .unwrap();
    let r = a.sync().await;
    assert_eq!(
        (r.pushed, r.rejected),
        (7, 0),
        "file, approval, five records: {r:?}"
    );
    b.sync().await;
    c.sync().await;

    // B sees every record as A made it; a supervisor at B confirms the death.
    b.as_user("supervisor.b");
    let timeline = b.registry.timeline(saved.id).unwrap();
    let ids: Vec<Uuid> = timeline.records.iter().map(|r| r.id).collect();
    assert!(
        ids.contains(&check_in.id) && ids.contains(&death.id),
        "{ids:?}"
    );
    for made in [&trip, &trip_change, &name_change] {
        let copy = timeline.records.iter().find(|r| r.id == made.id).unwrap();
        assert_eq!(copy.data, made.data);
    }
    assert_eq!(timeline.trips[0].changed_by, Some(trip_change.id));
    b.registry.confirm_record(death.id).unwrap();
    b.sync().await;
    a.sync().await;
    a.as_user("clerk.a");
    let at_a = a.registry.timeline(saved.id).unwrap();
    let confirmed = at_a.records.iter().find(|r| r.id == death.id).unwrap();
    assert_eq!(
        confirmed.confirmation.as_ref().map(|c| c.by.as_str()),
        Some("supervisor.b")
    );
    // A deceased person is no longer reported as registered, at either station.
    assert!(!a.registry.get_file(saved.id).unwrap().registered);
    b.as_user("clerk.b");
    assert!(!b.registry.get_file(saved.id).unwrap().registered);
    assert_eq!(a.checksum(), b.checksum());
    assert_eq!(
        a.checksum(),
        server.central.replica_checksum("dvp-tirane").await.unwrap()
    );
    // Another directorate gets neither the file nor its records.
    c.sync().await;
    assert_eq!(
        c.checksum(),
        server.central.replica_checksum("dvp-durres").await.unwrap()
    );
    let records_at_c =
        regjistri_store::Store::open_existing(&c.path, &OsKeyStore::new(), chrono::Utc::now())
            .unwrap()
            .records(saved.id)
            .unwrap();
    assert!(records_at_c.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_reaches_the_directorates_stations_only_and_its_void_follows() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    let c = Station::new("dvp-durres", "c");
    c.enrol(&server, "st-dr-01", "dvp-durres").await;
    a.as_user("clerk.a");
    let saved = a.registry.create_file(&draft(18)).unwrap();
    a.as_user("supervisor.a");
    a.registry.approve_file(saved.id, saved.version).unwrap();
    // A check-in with its photo at A, offline.
    a.as_user("clerk.a");
    let bytes = regjistri_demo::photos::avatar(18);
    let photo = a
        .registry
        .add_photo(
            saved.id,
            &regjistri_app::PhotoUpload {
                taken_on: "01.12.2026".into(),
                data_base64: regjistri_sync::document::encode_bytes(&bytes),
            },
        )
        .unwrap();
    let check_in = a
        .registry
        .add_record(
            saved.id,
            &regjistri_domain::records::RecordDraft {
                kind: "check_in".into(),
                date: "01.12.2026".into(),
                officer: "Inspektor Gjoka".into(),
                photo_id: photo.id.to_string(),
                ..Default::default()
            },
        )
        .unwrap();
    let r = a.sync().await;
    assert_eq!(
        (r.pushed, r.rejected),
        (4, 0),
        "file, approval, photo, check-in: {r:?}"
    );
    b.sync().await;
    c.sync().await;

    // B has the photo, byte for byte, as the person's latest and the check-in's.
    b.as_user("clerk.b");
    let view = b.registry.get_file(saved.id).unwrap();
    assert_eq!(view.latest_photo.as_ref().map(|p| p.id), Some(photo.id));
    let image = b.registry.photo(photo.id).unwrap();
    assert_eq!(image.photo, photo);
    assert_eq!(
        image.data_base64,
        regjistri_sync::document::encode_bytes(&bytes)
    );
    let timeline = b.registry.timeline(saved.id).unwrap();
    assert!(timeline.records.iter().any(|r| r.id == check_in.id
        && matches!(r.data, regjistri_domain::records::RecordData::CheckIn { photo_id: Some(p), .. } if p == photo.id)));

    // A supervisor at B voids it; the void reaches A, and the photo stays, marked.
    b.as_user("supervisor.b");
    b.registry
        .void_photo(photo.id, "Fotoja e një personi tjetër")
        .unwrap();
    b.sync().await;
    a.sync().await;
    a.as_user("clerk.a");
    assert!(a
        .registry
        .get_file(saved.id)
        .unwrap()
        .latest_photo
        .is_none());
    let at_a = a.registry.photos(saved.id).unwrap();
    assert_eq!(at_a.len(), 1);
    assert_eq!(
        at_a[0]
            .void
            .as_ref()
            .map(|v| (v.reason.as_str(), v.by.as_str())),
        Some(("Fotoja e një personi tjetër", "supervisor.b"))
    );
    assert_eq!(a.checksum(), b.checksum());
    assert_eq!(
        a.checksum(),
        server.central.replica_checksum("dvp-tirane").await.unwrap()
    );

    // Another directorate's station holds nothing of it, not even in its national index.
    c.sync().await;
    assert_eq!(
        c.checksum(),
        server.central.replica_checksum("dvp-durres").await.unwrap()
    );
    let at_c =
        regjistri_store::Store::open_existing(&c.path, &OsKeyStore::new(), chrono::Utc::now())
            .unwrap();
    assert!(at_c.photos(saved.id).unwrap().is_empty());
    assert!(matches!(
        at_c.photo(photo.id),
        Err(regjistri_store::StoreError::NotFound(_))
    ));
    assert!(at_c.national_entry(photo.id).unwrap().is_none());
    c.as_user("clerk.c");
    assert_eq!(c.registry.photo(photo.id).unwrap_err().code, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_voids_of_one_photo_made_offline_converge_to_the_one_the_server_took() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    a.as_user("clerk.a");
    let saved = a.registry.create_file(&draft(19)).unwrap();
    a.as_user("supervisor.a");
    a.registry.approve_file(saved.id, saved.version).unwrap();
    a.as_user("clerk.a");
    let photo = a
        .registry
        .add_photo(
            saved.id,
            &regjistri_app::PhotoUpload {
                taken_on: "01.12.2026".into(),
                data_base64: regjistri_sync::document::encode_bytes(
                    &regjistri_demo::photos::avatar(19),
                ),
            },
        )
        .unwrap();
    a.sync().await;
    b.sync().await;

    // Both supervisors void it offline, each with a reason of their own.
    a.as_user("supervisor.a");
    a.registry.void_photo(photo.id, "Data e gabuar").unwrap();
    b.as_user("supervisor.b");
    b.registry
        .void_photo(photo.id, "Fotoja e një personi tjetër")
        .unwrap();
    // A's void reaches the server first; B's is refused, and B takes A's void with the
    // same round's pull.
    let r = a.sync().await;
    assert_eq!((r.pushed, r.rejected), (1, 0), "{r:?}");
    let r = b.sync().await;
    assert_eq!(r.rejected, 1, "{r:?}");
    b.as_user("supervisor.b");
    let issues = b.registry.sync_issues().unwrap();
    assert!(
        issues
            .iter()
            .any(|i| i.kind == "rejected"
                && i.error.as_ref().is_some_and(|e| e.code == "photo_changed")),
        "{issues:?}"
    );
    let server_void = Some(("Data e gabuar".to_string(), "supervisor.a".to_string()));
    for s in [&a, &b] {
        let at = s.registry.photos(saved.id).unwrap();
        assert_eq!(
            at[0]
                .void
                .as_ref()
                .map(|v| (v.reason.clone(), v.by.clone())),
            server_void
        );
    }
    // The refusal gave the photo a new version (same content): A takes it with its next
    // round, and every copy is the server's.
    a.sync().await;
    let central = server.central.replica_checksum("dvp-tirane").await.unwrap();
    assert_eq!(a.checksum(), central);
    assert_eq!(b.checksum(), central);
    // Nothing more comes and nothing diverges again.
    let r = b.sync().await;
    assert_eq!((r.pushed, r.rejected), (0, 0), "{r:?}");
    assert_eq!(b.checksum(), central);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_voids_of_one_record_made_offline_converge_to_the_supervisors_decision() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    // A third supervisor, who touched neither void, decides.
    a.add("supervisor.c", Role::Supervisor, "dvp-tirane");
    a.as_user("clerk.a");
    let person = draft(23);
    let label = format!("{} {}", person.identity.surname, person.identity.given_name);
    let saved = a.registry.create_file(&person).unwrap();
    a.as_user("supervisor.a");
    a.registry.approve_file(saved.id, saved.version).unwrap();
    a.as_user("clerk.a");
    let (check_in, death) = check_in_and_death(&a, saved.id);
    a.sync().await;
    b.sync().await;

    // Offline, each supervisor voids the check-in with a reason of their own and confirms
    // the death.
    a.as_user("supervisor.a");
    a.registry
        .void_record(check_in.id, "Data e gabuar")
        .unwrap();
    a.registry.confirm_record(death.id).unwrap();
    b.as_user("supervisor.b");
    b.registry
        .void_record(check_in.id, "Regjistruar dy herë")
        .unwrap();
    b.registry.confirm_record(death.id).unwrap();
    let r = a.sync().await;
    assert_eq!((r.pushed, r.conflicts, r.rejected), (2, 0, 0), "{r:?}");
    let r = b.sync().await;
    assert_eq!((r.pushed, r.conflicts), (2, 2), "{r:?}");
    // The conflicts gave both records a new version (same content): A takes them too.
    a.sync().await;

    // Until a supervisor decides, every copy is the server's: A's void and confirmation.
    let void_and_confirmation = |s: &Station, user: &str| {
        s.as_user(user);
        let records = s.registry.timeline(saved.id).unwrap().records;
        let of = |id: Uuid| records.iter().find(|r| r.id == id).unwrap().clone();
        (
            of(check_in.id).void.map(|v| (v.reason, v.by)),
            of(death.id).confirmation.map(|c| c.by),
        )
    };
    for (s, user) in [(&a, "clerk.a"), (&b, "clerk.b")] {
        assert_eq!(
            void_and_confirmation(s, user),
            (
                Some(("Data e gabuar".to_string(), "supervisor.a".to_string())),
                Some("supervisor.a".to_string())
            )
        );
    }
    let central = server.central.replica_checksum("dvp-tirane").await.unwrap();
    assert_eq!(a.checksum(), central);
    assert_eq!(b.checksum(), central);

    // Four eyes: the supervisor whose void and confirmation stood may not decide.
    a.as_user("supervisor.a");
    let open = a.registry.conflicts().await.unwrap();
    assert_eq!(open.len(), 2, "{open:?}");
    assert!(open.iter().all(|c| !c.may_resolve), "{open:?}");
    let code = |e: regjistri_app::AppError| e.code;
    // The third supervisor takes B's void, and keeps the server's confirmation.
    a.as_user("supervisor.c");
    let open = a.registry.conflicts().await.unwrap();
    assert_eq!(open.len(), 2, "{open:?}");
    for conflict in &open {
        assert!(conflict.may_resolve, "{conflict:?}");
        // A record's conflict is shown under its person's name.
        assert_eq!(conflict.file_label, Some(label.clone()), "{conflict:?}");
        // A void or confirmation is one side's act, whole: never typed, never put
        // together from both.
        let patched = |change: &dyn Fn(&str) -> Option<serde_json::Value>| ConflictDecision {
            conflict_id: conflict.id,
            choices: conflict
                .fields
                .iter()
                .map(|f| ConflictChoice {
                    path: f.path.clone(),
                    value: change(&f.path).unwrap_or_else(|| f.server.clone()),
                })
                .collect(),
        };
        let by = |path: &str| path.ends_with(".by");
        let station_of = |path: &str| {
            conflict
                .fields
                .iter()
                .find(|f| f.path == path)
                .map(|f| f.station.clone())
        };
        let mut refused = vec![patched(&|p| {
            by(p).then(|| serde_json::json!(check_in.recorded_by))
        })];
        if conflict.fields.len() > 1 {
            refused.push(patched(&|p| (!by(p)).then(|| station_of(p)).flatten()));
        }
        for refused in refused {
            assert_eq!(
                a.registry
                    .resolve_conflict(&refused)
                    .await
                    .map_err(code)
                    .unwrap_err(),
                "choice_invalid",
                "{refused:?}"
            );
        }
        let keep_station = conflict.file_id == check_in.id;
        let decision = ConflictDecision {
            conflict_id: conflict.id,
            choices: conflict
                .fields
                .iter()
                .map(|f| ConflictChoice {
                    path: f.path.clone(),
                    value: if keep_station {
                        f.station.clone()
                    } else {
                        f.server.clone()
                    },
                })
                .collect(),
        };
        a.registry.resolve_conflict(&decision).await.unwrap();
    }
    a.sync().await;
    b.sync().await;
    for (s, user) in [(&a, "clerk.a"), (&b, "clerk.b")] {
        assert_eq!(
            void_and_confirmation(s, user),
            (
                Some((
                    "Regjistruar dy herë".to_string(),
                    "supervisor.b".to_string()
                )),
                Some("supervisor.a".to_string())
            )
        );
    }
    let central = server.central.replica_checksum("dvp-tirane").await.unwrap();
    assert_eq!(a.checksum(), central);
    assert_eq!(b.checksum(), central);
    // Nothing more comes and nothing diverges again.
    for s in [&a, &b] {
        let r = s.sync().await;
        assert_eq!((r.pushed, r.conflicts, r.rejected), (0, 0, 0), "{r:?}");
        assert_eq!(s.checksum(), central);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_made_at_one_station_signs_in_at_another_and_their_changes_follow() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    let c = Station::new("dvp-durres", "c");
    c.enrol(&server, "st-dr-01", "dvp-durres").await;

    // A's administrator makes a clerk of Tirana; she goes up.
    a.as_user("admin");
    let clerk = a
        .registry
        .create_user("vera.leka", Role::Clerk, "dvp-tirane")
        .unwrap();
    // A regional station cannot make a national account, nor one of another directorate:
    // its certificate does not prove who its administrator is, and a stolen laptop must not
    // mint an administrator for every station. The workstation refuses at once (the server
    // would refuse the push too: regjistri-central's account rules).
    assert_eq!(
        a.registry
            .create_user("agim.admin", Role::Administrator, "dvp-tirane")
            .unwrap_err()
            .code,
        "administration_only"
    );
    assert_eq!(
        a.registry
            .create_user("besa.durres", Role::Clerk, "dvp-durres")
            .unwrap_err()
            .code,
        "out_of_scope"
    );
    let r = a.sync().await;
    assert_eq!((r.pushed, r.rejected), (1, 0), "{r:?}");

    // The General Directorate's station makes the national auditor.
    let h = Station::new("dvp-tirane", "h");
    h.enrol_as(&server, "st-dpp-01", "dvp-tirane", true).await;
    h.as_user("admin");
    let auditor = h
        .registry
        .create_user("drita.auditore", Role::Auditor, "dvp-tirane")
        .unwrap();
    let r = h.sync().await;
    assert_eq!((r.pushed, r.rejected), (1, 0), "{r:?}");
    b.sync().await;
    c.sync().await;

    // At B she signs in with the one-time password and must change it there.
    let _ = b.registry.sign_out();
    let s = b.registry.sign_in("vera.leka", &clerk.password).unwrap();
    assert!(s.must_change_password);
    b.registry.change_password(&clerk.password, PW).unwrap();
    b.registry.sign_out().unwrap();
    b.sync().await;
    a.sync().await;
    // Her new password works at A too; the one-time one no longer does.
    let _ = a.registry.sign_out();
    assert_eq!(
        a.registry
            .sign_in("vera.leka", &clerk.password)
            .unwrap_err()
            .code,
        "sign_in_refused"
    );
    let s = a.registry.sign_in("vera.leka", PW).unwrap();
    assert!(!s.must_change_password);
    a.registry.sign_out().unwrap();

    // Durrës holds the national auditor, not Tirana's clerk.
    let _ = c.registry.sign_out();
    assert_eq!(
        c.registry.sign_in("vera.leka", PW).unwrap_err().code,
        "sign_in_refused"
    );
    // A national officer's password changes only at the administration's station (a
    // regional station's word that "she" changed it would let a stolen laptop take the
    // account over); the new one then works everywhere.
    let s = c
        .registry
        .sign_in("drita.auditore", &auditor.password)
        .unwrap();
    assert!(s.must_change_password);
    assert_eq!(
        c.registry
            .change_password(&auditor.password, PW)
            .unwrap_err()
            .code,
        "administration_only"
    );
    c.registry.sign_out().unwrap();
    let _ = h.registry.sign_out();
    h.registry
        .sign_in("drita.auditore", &auditor.password)
        .unwrap();
    h.registry.change_password(&auditor.password, PW).unwrap();
    h.registry.sign_out().unwrap();
    let r = h.sync().await;
    assert_eq!(r.rejected, 0, "{r:?}");
    for s in [&b, &c] {
        s.sync().await;
        let _ = s.registry.sign_out();
        s.registry.sign_in("drita.auditore", PW).unwrap();
        s.registry.sign_out().unwrap();
    }

    // Demoted to a clerk of Tirana by the administration (the window has no role change
    // yet: the administration's station sends the mutation itself), she stops signing in
    // at Durrës (the server tells every station, without her verifier where she does not
    // work), and works on at Tirana's stations as a clerk.
    h.as_user("admin");
    let id = h.registry.user_by_name("drita.auditore").unwrap().id;
    let (version, _) = server.central.record(id).await.unwrap().unwrap();
    let hq = regjistri_central::Station {
        code: "st-dpp-01".into(),
        directorate: "dvp-tirane".into(),
        cert_sha256: String::new(),
        disabled: false,
        administration: true,
    };
    let demoted = server
        .central
        .push(
            &hq,
            &[regjistri_sync::protocol::Mutation {
                mutation_id: Uuid::now_v7(),
                entity: "user".into(),
                entity_id: id,
                base_version: version,
                diff: vec![regjistri_domain::diff::FieldChange {
                    path: "role".into(),
                    old: "auditor".into(),
                    new: "clerk".into(),
                }],
                actor: "admin".into(),
                created_at: chrono::Utc::now(),
                approves: None,
            }],
        )
        .await
        .unwrap();
    assert!(demoted.results[0].error.is_none(), "{demoted:?}");
    c.sync().await;
    b.sync().await;
    let _ = c.registry.sign_out();
    assert_eq!(
        c.registry.sign_in("drita.auditore", PW).unwrap_err().code,
        "sign_in_refused"
    );
    let _ = b.registry.sign_out();
    let s = b.registry.sign_in("drita.auditore", PW).unwrap();
    assert_eq!(s.role, Role::Clerk);
    b.registry.sign_out().unwrap();

    // Disabled at A, she is refused at B after the next round.
    a.as_user("admin");
    let id = a.registry.user_by_name("vera.leka").unwrap().id;
    a.registry.set_user_disabled(id, true).unwrap();
    a.sync().await;
    b.sync().await;
    let _ = b.registry.sign_out();
    assert_eq!(
        b.registry.sign_in("vera.leka", PW).unwrap_err().code,
        "sign_in_refused"
    );

    // A user name is one account nationally: B cannot make another vera.leka.
    b.as_user("admin");
    assert_eq!(
        b.registry
            .create_user("vera.leka", Role::Clerk, "dvp-tirane")
            .unwrap_err()
            .code,
        "duplicate"
    );
    // The workstations' own first administrators stay their own.
    a.as_user("admin");
    b.as_user("admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_version_made_at_one_station_reaches_every_station_with_its_notices() {
    use regjistri_domain::rules::RuleValues;
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    let c = Station::new("dvp-durres", "c");
    c.enrol(&server, "st-dr-01", "dvp-durres").await;
    // A registered person of Tirana, at both Tirana stations.
    a.as_user("clerk.a");
    let saved = a.registry.create_file(&draft(18)).unwrap();
    a.as_user("supervisor.a");
    a.registry.approve_file(saved.id, saved.version).unwrap();
    a.sync().await;
    b.sync().await;

    // Rules change only nationally: not at one station alone.
    let today =
        regjistri_domain::dates::format(regjistri_domain::dates::local_date(chrono::Utc::now()));
    let mut values = RuleValues::provisional();
    values.reporting_months.standard = 3;
    let rule_draft = RuleDraft {
        effective_from: today,
        values,
        note: "Raportim çdo tre muaj".into(),
    };
    a.as_user("admin");
    assert_eq!(
        a.registry.save_rules(&rule_draft).unwrap_err().code,
        "rules_are_national"
    );
    // Nor at a regional station: only the central administration makes them.
    assert_eq!(
        a.registry
            .publish_rules(&rule_draft)
            .await
            .unwrap_err()
            .code,
        "administration_only"
    );
    let h = Station::new("dvp-tirane", "h");
    h.enrol_as(&server, "st-dpp-01", "dvp-tirane", true).await;
    h.sync().await;
    h.as_user("admin");
    let made = h.registry.publish_rules(&rule_draft).await.unwrap();
    assert_eq!(
        made.version, 2,
        "the first national version after the provisional one"
    );
    assert_eq!(made.notices, 1, "the registered person here gets a notice");

    // Every station has version 2; Tirana's other stations the same notice, by the same id.
    a.sync().await;
    b.sync().await;
    c.sync().await;
    for s in [&a, &b, &c] {
        s.as_user("admin");
        let book = s.registry.rule_book().unwrap();
        let v2 = book
            .versions
            .iter()
            .find(|v| v.version == 2)
            .expect("version 2");
        assert_eq!(v2.values.reporting_months.standard, 3);
    }
    b.as_user("clerk.b");
    let notices_b = b.registry.timeline(saved.id).unwrap().notices;
    a.as_user("clerk.a");
    let notices_a = a.registry.timeline(saved.id).unwrap().notices;
    assert_eq!(notices_a.len(), 1);
    assert_eq!(
        notices_a.iter().map(|n| n.id).collect::<Vec<_>>(),
        notices_b.iter().map(|n| n.id).collect::<Vec<_>>()
    );
    // Served at B; A learns it, and nothing is left to push or in conflict.
    b.as_user("clerk.b");
    b.registry
        .serve_notice(
            notices_b[0].id,
            &regjistri_domain::dates::format(regjistri_domain::dates::local_date(
                chrono::Utc::now(),
            )),
        )
        .unwrap();
    let rb = b.sync().await;
    assert_eq!((rb.conflicts, rb.rejected), (0, 0), "{rb:?}");
    let ra = a.sync().await;
    assert_eq!((ra.conflicts, ra.rejected), (0, 0), "{ra:?}");
    let served = a.registry.timeline(saved.id).unwrap().notices;
    assert_eq!(served[0].served_by.as_deref(), Some("clerk.b"));
    assert_eq!(a.registry.station_status().unwrap().pending, 0);
    assert_eq!(b.registry.station_status().unwrap().pending, 0);
    assert_eq!(a.checksum(), b.checksum());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn national_reference_data_published_on_the_server_reach_every_station() {
    let Some(db) = database().await else { return };
    let server = start(&db).await;
    let (a, b) = two_stations(&server).await;
    let mut set = server.central.reference().await.unwrap();
    // A row may not disappear: a court that closes gets an end date.
    let mut without = set.clone();
    without.version = "2027-01".into();
    without.courts.remove(0);
    assert_eq!(
        server
            .central
            .publish_reference(&without, "admin")
            .await
            .unwrap_err()
            .code(),
        "invalid_request"
    );
    set.version = "2027-01".into();
    let closed = set.courts[0].code.clone();
    set.courts[0].validity.valid_to = chrono::NaiveDate::from_ymd_opt(2027, 1, 1);
    let mut country = set.countries[0].clone();
    country.code = "XK".into();
    country.name_sq = "Kosova".into();
    country.name_en = "Kosovo".into();
    if set.country("XK").is_none() {
        set.countries.push(country);
    }
    server
        .central
        .publish_reference(&set, "admin")
        .await
        .unwrap();
    a.sync().await;
    b.sync().await;
    for (s, clerk) in [(&a, "clerk.a"), (&b, "clerk.b")] {
        s.as_user(clerk);
        let here = s.registry.reference_data().unwrap();
        assert_eq!(here.version, "2027-01");
        assert!(here.country("XK").is_some());
        assert_eq!(
            here.court(&closed).unwrap().validity.valid_to,
            chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
        );
        assert_eq!(s.registry.app_info().unwrap().reference_version, "2027-01");
    }
    // Reopened, a station keeps the national set.
    let again =
        regjistri_store::Store::open_existing(&a.path, &OsKeyStore::new(), chrono::Utc::now())
            .unwrap();
    assert_eq!(again.reference().version, "2027-01");
}
