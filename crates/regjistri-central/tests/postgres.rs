//! The central layer against a real PostgreSQL: run under `scripts/with-postgres.sh`, which
//! sets DATABASE_URL (a throwaway cluster when none is given). Each test gets a database of
//! its own. Without DATABASE_URL these tests fail, unless REGJISTRI_SKIP_PG=1 says to skip.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use regjistri_central::{Central, CentralError, PgConnectOptions, Station};
use regjistri_domain::clock::FixedClock;
use regjistri_domain::diff::{diff, FieldChange};
use regjistri_sync::protocol::{AuditEventWire, Mutation, Outcome, PullItem};
use regjistri_sync::ConflictKind;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

struct Fixture {
    central: Central,
    clock: Arc<FixedClock>,
    /// The database as its owner (migrations; the test's own inspection).
    admin: PgConnectOptions,
    /// The database as the application role, as the server logs in.
    app: PgConnectOptions,
}

/// A fresh, migrated database, or None when REGJISTRI_SKIP_PG=1 and no database is given.
async fn fixture() -> Option<Fixture> {
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("REGJISTRI_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("\n*** SKIPPED: no DATABASE_URL and REGJISTRI_SKIP_PG=1: the PostgreSQL tests did NOT run ***\n");
            return None;
        }
        _ => panic!(
            "DATABASE_URL is not set: run these tests under scripts/with-postgres.sh \
             (it starts a throwaway PostgreSQL), or set REGJISTRI_SKIP_PG=1 to skip them loudly"
        ),
    };
    let base = PgConnectOptions::from_str(&url).expect("DATABASE_URL parses");
    let name = format!("regjistri_test_{}", Uuid::now_v7().simple());
    let mut admin = PgConnection::connect_with(&base)
        .await
        .expect("connect to DATABASE_URL");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create a test database");
    let options = base.database(&name);
    regjistri_central::migrate_with(options.clone())
        .await
        .expect("migrate");
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 5, 4, 8, 0, 0).unwrap(),
    ));
    // The server logs in as the application role itself (the throwaway cluster trusts its
    // socket, so no password).
    let app = options.clone().username(regjistri_central::APP_ROLE);
    let central = Central::connect_with(app.clone(), 4, clock.clone())
        .await
        .expect("connect");
    Some(Fixture {
        central,
        clock,
        admin: options,
        app,
    })
}

async fn station(f: &Fixture, code: &str, directorate: &str) -> Station {
    f.central
        .enrol_station(code, directorate, &format!("sha-{code}"), "admin")
        .await
        .expect("enrol")
}

fn document(directorate: &str, surname: &str) -> Value {
    json!({
        "status": "pending",
        "owning_directorate": directorate,
        "data": {
            "identity": {
                "surname": surname, "given_name": "Arben", "father_name": "Gjergj",
                "mother_name": "Drita", "sex": "M", "date_of_birth": "1968-02-18",
                "place_of_birth": "Tiranë", "nid": "G80218157A", "nid_check_overridden": false,
                "citizenships": ["AL"], "aliases": []
            },
            "description": {"height_cm": 178, "eye_colour": "", "hair_colour": "", "marks": ""},
            "convictions": [],
            "addresses": []
        }
    })
}

fn mutation(id: Uuid, base_version: i64, changes: Vec<FieldChange>) -> Mutation {
    Mutation {
        mutation_id: Uuid::now_v7(),
        entity: "offender_file".into(),
        entity_id: id,
        base_version,
        diff: changes,
        actor: "arta.kola".into(),
        created_at: Utc.with_ymd_and_hms(2026, 5, 4, 7, 0, 0).unwrap(),
        approves: None,
    }
}

/// Sets JSON pointers in a copy of `doc` and returns the station's diff.
fn edit(doc: &Value, sets: &[(&str, Value)]) -> Vec<FieldChange> {
    let mut new = doc.clone();
    for (pointer, value) in sets {
        *new.pointer_mut(pointer).expect("pointer") = value.clone();
    }
    diff(doc, &new)
}

/// Creates a file through `by` and returns (id, version, document).
async fn create(f: &Fixture, by: &Station, surname: &str) -> (Uuid, i64, Value) {
    let id = Uuid::now_v7();
    let doc = document(&by.directorate, surname);
    let r = f
        .central
        .push(by, &[mutation(id, 0, diff(&Value::Null, &doc))])
        .await
        .expect("push");
    assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results[0]);
    (id, r.results[0].version.expect("version"), doc)
}

#[tokio::test]
async fn a_retry_after_a_lost_reply_gets_the_stored_result_and_applies_once() {
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let (id, v1, doc) = create(&f, &a, "Hoxha").await;
    let m = mutation(
        id,
        v1,
        edit(&doc, &[("/data/description/marks", json!("scar"))]),
    );
    let first = f.central.push(&a, std::slice::from_ref(&m)).await.unwrap();
    // The reply is lost; the station sends the same batch again, twice.
    let second = f.central.push(&a, std::slice::from_ref(&m)).await.unwrap();
    let third = f.central.push(&a, std::slice::from_ref(&m)).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(first, third);
    let v2 = first.results[0].version.unwrap();
    assert!(v2 > v1, "versions come from the server sequence");
    let (version, stored) = f.central.record(id).await.unwrap().unwrap();
    assert_eq!(version, v2, "the retry made no new version");
    assert_eq!(stored["data"]["description"]["marks"], json!("scar"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM mutation WHERE mutation_id = $1")
        .bind(m.mutation_id)
        .fetch_one(f.central.pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn two_stations_edit_different_fields_and_both_changes_stay() {
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let b = station(&f, "st-tr-02", "dvp-tirane").await;
    let (id, v1, doc) = create(&f, &a, "Hoxha").await;
    let from_a = mutation(
        id,
        v1,
        edit(&doc, &[("/data/identity/surname", json!("Hoxhaj"))]),
    );
    let from_b = mutation(
        id,
        v1,
        edit(&doc, &[("/data/description/marks", json!("scar"))]),
    );
    let ra = f.central.push(&a, &[from_a]).await.unwrap();
    let rb = f.central.push(&b, &[from_b]).await.unwrap();
    assert_eq!(ra.results[0].outcome, Outcome::Applied);
    assert_eq!(rb.results[0].outcome, Outcome::Applied);
    let (version, stored) = f.central.record(id).await.unwrap().unwrap();
    assert_eq!(Some(version), rb.results[0].version);
    assert_eq!(stored["data"]["identity"]["surname"], json!("Hoxhaj"));
    assert_eq!(stored["data"]["description"]["marks"], json!("scar"));
    assert!(f
        .central
        .open_conflicts("dvp-tirane")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_same_field_on_two_stations_is_a_conflict_a_supervisor_sees() {
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let b = station(&f, "st-tr-02", "dvp-tirane").await;
    let (id, v1, doc) = create(&f, &a, "Hoxha").await;
    let ra = f
        .central
        .push(
            &a,
            &[mutation(
                id,
                v1,
                edit(&doc, &[("/data/identity/surname", json!("Hoxhaj"))]),
            )],
        )
        .await
        .unwrap();
    let from_b = mutation(
        id,
        v1,
        edit(
            &doc,
            &[
                ("/data/identity/surname", json!("Hoxhe")),
                ("/data/description/marks", json!("scar")),
            ],
        ),
    );
    let rb = f
        .central
        .push(&b, std::slice::from_ref(&from_b))
        .await
        .unwrap();
    let r = &rb.results[0];
    assert_eq!(r.outcome, Outcome::Conflict);
    let conflict = r.conflict.as_ref().unwrap();
    assert_eq!(conflict.kind, ConflictKind::SameField);
    assert_eq!(conflict.paths, vec!["data.identity.surname".to_string()]);
    // The other field merged; the contested one keeps the server's value until decided.
    let (version, stored) = f.central.record(id).await.unwrap().unwrap();
    assert_eq!(Some(version), r.version);
    assert!(version > ra.results[0].version.unwrap());
    assert_eq!(stored["data"]["identity"]["surname"], json!("Hoxhaj"));
    assert_eq!(stored["data"]["description"]["marks"], json!("scar"));

    let open = f.central.open_conflicts("dvp-tirane").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, conflict.id);
    assert_eq!(open[0].record_id, id);
    assert_eq!(open[0].station, "st-tr-02");
    assert_eq!(open[0].fields.len(), 1);
    assert_eq!(open[0].fields[0].server, json!("Hoxhaj"));
    assert_eq!(open[0].fields[0].station, json!("Hoxhe"));
    assert_eq!(open[0].fields[0].base, json!("Hoxha"));
    assert!(f
        .central
        .open_conflicts("dvp-durres")
        .await
        .unwrap()
        .is_empty());
    // Its retry returns the same conflict, not a second one.
    let again = f.central.push(&b, &[from_b]).await.unwrap();
    assert_eq!(again, rb);
    assert_eq!(
        f.central.open_conflicts("dvp-tirane").await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn an_edit_against_a_withdrawal_is_a_conflict_and_the_withdrawal_stays() {
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let b = station(&f, "st-tr-02", "dvp-tirane").await;
    let (id, v1, doc) = create(&f, &a, "Hoxha").await;
    let withdraw = f
        .central
        .push(
            &a,
            &[mutation(
                id,
                v1,
                edit(&doc, &[("/status", json!("removed"))]),
            )],
        )
        .await
        .unwrap();
    assert_eq!(withdraw.results[0].outcome, Outcome::Applied);
    let old_copy_edit = mutation(
        id,
        v1,
        edit(&doc, &[("/data/description/marks", json!("scar"))]),
    );
    let rb = f.central.push(&b, &[old_copy_edit]).await.unwrap();
    assert_eq!(rb.results[0].outcome, Outcome::Conflict);
    assert_eq!(
        rb.results[0].conflict.as_ref().unwrap().kind,
        ConflictKind::RecordWithdrawn
    );
    let (version, stored) = f.central.record(id).await.unwrap().unwrap();
    // The content is unchanged; the record has a new version so that the station whose edit
    // was refused gets the server's copy back on its next pull.
    assert_eq!(Some(version), rb.results[0].version);
    assert!(version > withdraw.results[0].version.unwrap());
    assert_eq!(stored["status"], json!("removed"));
    assert_eq!(stored["data"]["description"]["marks"], json!(""));
    let open = f.central.open_conflicts("dvp-tirane").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kind, ConflictKind::RecordWithdrawn);
    assert_eq!(open[0].fields[0].station, json!("scar"));
}

#[tokio::test]
async fn another_directorates_file_is_not_changed_and_bad_mutations_are_rejected_alone() {
    let Some(f) = fixture().await else { return };
    let tirane = station(&f, "st-tr-01", "dvp-tirane").await;
    let durres = station(&f, "st-dr-01", "dvp-durres").await;
    let (id, v1, doc) = create(&f, &tirane, "Hoxha").await;
    let foreign = mutation(
        id,
        v1,
        edit(&doc, &[("/data/description/marks", json!("x"))]),
    );
    let future = mutation(id, v1 + 1000, vec![]);
    let unknown = mutation(
        Uuid::now_v7(),
        5,
        edit(&doc, &[("/data/description/marks", json!("x"))]),
    );
    let created_elsewhere = mutation(
        Uuid::now_v7(),
        0,
        diff(&Value::Null, &document("dvp-tirane", "Leka")),
    );
    let good = mutation(
        id,
        v1,
        edit(&doc, &[("/data/description/marks", json!("ok"))]),
    );
    let r = f
        .central
        .push(&durres, &[foreign, created_elsewhere])
        .await
        .unwrap();
    let codes: Vec<_> = r
        .results
        .iter()
        .map(|r| (r.outcome, r.error.as_ref().map(|e| e.code.clone())))
        .collect();
    assert_eq!(
        codes,
        vec![
            (Outcome::Rejected, Some("out_of_scope".into())),
            (Outcome::Rejected, Some("out_of_scope".into()))
        ]
    );
    let r = f
        .central
        .push(&tirane, &[future, unknown, good])
        .await
        .unwrap();
    let codes: Vec<_> = r
        .results
        .iter()
        .map(|r| (r.outcome, r.error.as_ref().map(|e| e.code.clone())))
        .collect();
    assert_eq!(
        codes,
        vec![
            (Outcome::Rejected, Some("future_base_version".into())),
            (Outcome::Rejected, Some("unknown_record".into())),
            (Outcome::Applied, None),
        ],
        "a rejected mutation does not hold back the others"
    );
    let too_many: Vec<Mutation> = (0..101).map(|_| mutation(id, v1, vec![])).collect();
    assert!(matches!(
        f.central.push(&tirane, &too_many).await,
        Err(CentralError::BatchTooLarge { .. })
    ));
}

#[tokio::test]
async fn pull_pages_are_strictly_increasing_scoped_and_harmless_to_reapply() {
    let Some(f) = fixture().await else { return };
    let tirane = station(&f, "st-tr-01", "dvp-tirane").await;
    let durres = station(&f, "st-dr-01", "dvp-durres").await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(create(&f, &tirane, &format!("Hoxha{i}")).await.0);
    }
    for i in 0..5 {
        create(&f, &durres, &format!("Leka{i}")).await;
    }
    // A change moves a record to the end of the feed.
    let (v, doc) = f.central.record(ids[0]).await.unwrap().unwrap();
    f.central
        .push(
            &tirane,
            &[mutation(
                ids[0],
                v,
                edit(&doc, &[("/data/description/marks", json!("scar"))]),
            )],
        )
        .await
        .unwrap();

    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut local = std::collections::BTreeMap::new();
    loop {
        let page = f.central.pull(&tirane, cursor, 5).await.unwrap();
        for item in &page.items {
            assert!(item.seq() > seen.last().copied().unwrap_or(0));
            seen.push(item.seq());
        }
        // Apply the page twice: the result must be the same as once.
        for _ in 0..2 {
            for item in &page.items {
                match item {
                    PullItem::File {
                        id,
                        version,
                        document,
                        ..
                    } => {
                        local.insert(*id, (*version, Some(document.clone())));
                    }
                    PullItem::Index {
                        id, version, entry, ..
                    } => {
                        assert_ne!(entry.owning_directorate, "dvp-tirane");
                        assert!(!entry.keys.is_empty());
                        local.insert(*id, (*version, None));
                    }
                    PullItem::Record { id, .. }
                    | PullItem::Photo { id, .. }
                    | PullItem::User { id, .. }
                    | PullItem::Notice { id, .. }
                    | PullItem::RuleSet { id, .. }
                    | PullItem::Reference { id, .. } => {
                        panic!("no record or user was made, yet {id} came")
                    }
                    PullItem::Tombstone { id, .. } => {
                        local.remove(id);
                    }
                }
            }
        }
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(local.len(), 17, "every record once");
    assert_eq!(local.values().filter(|(_, d)| d.is_some()).count(), 12);
    assert_eq!(
        local[&ids[0]].1.as_ref().unwrap()["data"]["description"]["marks"],
        json!("scar")
    );
    // Nothing new: an empty page with the same cursor.
    let empty = f.central.pull(&tirane, cursor, 5).await.unwrap();
    assert!(empty.items.is_empty() && !empty.more);
    assert_eq!(empty.next_cursor, cursor);
    // The Durrës station gets Tirana's files as index entries only.
    let page = f.central.pull(&durres, 0, 1000).await.unwrap();
    let full = page
        .items
        .iter()
        .filter(|i| matches!(i, PullItem::File { .. }))
        .count();
    assert_eq!(full, 5);
}

#[tokio::test]
async fn deletions_reach_stations_and_an_old_cursor_must_resnapshot() {
    let Some(f) = fixture().await else { return };
    let f = Fixture {
        central: f.central.with_tombstone_days(30),
        ..f
    };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let (id, _, _) = create(&f, &a, "Hoxha").await;
    let (other, _, _) = create(&f, &a, "Leka").await;
    let cursor = f.central.pull(&a, 0, 100).await.unwrap().next_cursor;
    let tomb = f.central.delete_record(id, "admin").await.unwrap();
    let page = f.central.pull(&a, cursor, 100).await.unwrap();
    assert_eq!(page.items, vec![PullItem::Tombstone { seq: tomb, id }]);
    // An edit of the deleted record from an old copy is a conflict, not a resurrection.
    let r = f
        .central
        .push(
            &a,
            &[mutation(
                id,
                1,
                vec![FieldChange {
                    path: "data.description.marks".into(),
                    old: json!(""),
                    new: json!("x"),
                }],
            )],
        )
        .await
        .unwrap();
    assert_eq!(
        r.results[0].conflict.as_ref().map(|c| c.kind),
        Some(ConflictKind::RecordDeleted)
    );
    assert!(f.central.record(id).await.unwrap().is_none());

    // Thirty-one days later the tombstone is gone; a cursor from before it must start over.
    f.clock.advance(Duration::days(31));
    assert_eq!(f.central.prune_tombstones().await.unwrap(), 1);
    let err = f.central.pull(&a, cursor, 100).await.unwrap_err();
    assert_eq!(err.code(), "resnapshot_required");
    assert!(
        f.central.pull(&a, tomb, 100).await.is_ok(),
        "a cursor past it is fine"
    );
    let snapshot = f.central.pull(&a, 0, 100).await.unwrap();
    let ids: Vec<Uuid> = snapshot
        .items
        .iter()
        .map(|i| match i {
            PullItem::File { id, .. }
            | PullItem::Index { id, .. }
            | PullItem::Record { id, .. }
            | PullItem::Photo { id, .. }
            | PullItem::User { id, .. }
            | PullItem::Notice { id, .. }
            | PullItem::RuleSet { id, .. }
            | PullItem::Reference { id, .. }
            | PullItem::Tombstone { id, .. } => *id,
        })
        .collect();
    assert_eq!(ids, vec![other]);
    // A cursor from the future (a restored server) must start over too.
    assert_eq!(
        f.central.pull(&a, tomb + 100, 10).await.unwrap_err().code(),
        "resnapshot_required"
    );
}

// ---- audit ----

mod keys {
    use regjistri_store::{DbKey, KeyStore, KeyStoreError};
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A key store in memory: the audit chain does not depend on where the key lives.
    #[derive(Default)]
    pub struct MemoryKeys(Mutex<HashMap<String, DbKey>>);

    impl KeyStore for MemoryKeys {
        fn get(&self, account: &str) -> Result<Option<DbKey>, KeyStoreError> {
            Ok(self
                .0
                .lock()
                .map_err(|_| KeyStoreError::Locked)?
                .get(account)
                .cloned())
        }
        fn set(&self, account: &str, key: &DbKey) -> Result<(), KeyStoreError> {
            self.0
                .lock()
                .map_err(|_| KeyStoreError::Locked)?
                .insert(account.into(), key.clone());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<(), KeyStoreError> {
            self.0
                .lock()
                .map_err(|_| KeyStoreError::Locked)?
                .remove(account);
            Ok(())
        }
    }
}

/// Audit events made by a real station store.
fn store_events(n: usize) -> Vec<AuditEventWire> {
    use regjistri_store::{Actor, AuditEvent, Store};
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap();
    let mut store =
        Store::open(&dir.path().join("s.db"), &keys::MemoryKeys::default(), now).unwrap();
    let actor = Actor {
        user: "arta.kola".into(),
        station: "st-tr-01".into(),
    };
    for i in 0..n {
        store
            .record(
                &actor,
                now + Duration::seconds(i as i64),
                &AuditEvent {
                    action: "file.view".into(),
                    object_type: "offender_file".into(),
                    object_id: format!("file-{i}"),
                    outcome: "ok".into(),
                },
            )
            .unwrap();
    }
    store
        .audit_events(0, 10_000)
        .unwrap()
        .into_iter()
        .map(|e| AuditEventWire {
            seq: e.seq,
            id: e.id,
            at: e.at,
            actor: e.actor,
            station: e.station,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            outcome: e.outcome,
            prev_hash: e.prev_hash,
            hash: e.hash,
        })
        .collect()
}

#[tokio::test]
async fn a_station_audit_chain_must_continue_where_it_left_off() {
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let events = store_events(6);
    let first = f.central.push_audit(&a, &events[..3]).await.unwrap();
    assert_eq!((first.stored, first.head_seq), (3, 3));
    // A retry that repeats what the server has, then continues: accepted.
    let second = f.central.push_audit(&a, &events[1..5]).await.unwrap();
    assert_eq!((second.stored, second.head_seq), (2, 5));
    assert_eq!(second.head_hash, events[4].hash);
    // A gap: event 5 is missing.
    let gap = f.central.push_audit(&a, &events[6..]).await;
    assert!(gap.is_ok(), "nothing new is not a gap");
    let err = f
        .central
        .push_audit(&a, &store_events(8)[6..])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "audit_chain_gap");
    // A fork: a different history (another store) at numbers the server already has.
    let other = store_events(6);
    let err = f.central.push_audit(&a, &other[3..]).await.unwrap_err();
    assert_eq!(err.code(), "audit_chain_fork");
    // An event altered after the fact.
    let mut altered = events[5..].to_vec();
    altered[0].object_id = "file-99".into();
    let err = f.central.push_audit(&a, &altered).await.unwrap_err();
    assert_eq!(err.code(), "audit_hash_mismatch");
    // The good continuation is still accepted after the refusals.
    let last = f.central.push_audit(&a, &events[5..]).await.unwrap();
    assert_eq!((last.stored, last.head_seq), (1, 6));
    // Refusals are in the server's own trail, whose chain verifies.
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM server_audit_event WHERE action = 'audit.upload' AND outcome LIKE 'refused_%'",
    )
    .fetch_one(f.central.pool())
    .await
    .unwrap();
    assert_eq!(refused, 3);
    assert!(f.central.verify_server_audit().await.unwrap() >= 4);
}

/// How PostgreSQL refused a statement on an audit table.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// The privilege system: the role holds no such grant (42501, "permission denied for
    /// table ..."). Checked before any row is touched, so no trigger ran.
    Privilege,
    /// The append-only trigger (RJA01 since migration 5): the grant was there.
    Trigger,
    Other(String),
}

fn refusal(err: &sqlx::Error, table: &str) -> Refusal {
    match err.as_database_error() {
        Some(db)
            if db.code().as_deref() == Some("42501")
                && db.message() == format!("permission denied for table {table}") =>
        {
            Refusal::Privilege
        }
        Some(db) if db.code().as_deref() == Some("RJA01") => Refusal::Trigger,
        _ => Refusal::Other(err.to_string()),
    }
}

const AUDIT_TABLES: [&str; 3] = ["station_audit_event", "server_audit_event", "file_access"];

fn changes(table: &str) -> [String; 3] {
    let column = if table == "file_access" {
        "reason"
    } else {
        "outcome"
    };
    [
        format!("UPDATE {table} SET {column} = 'forged'"),
        format!("DELETE FROM {table}"),
        format!("TRUNCATE {table}"),
    ]
}

/// Rows in each audit table, and the station chain's content, to see that nothing moved.
async fn audit_rows(f: &Fixture) -> Vec<(String, i64, String)> {
    let mut out = Vec::new();
    for table in AUDIT_TABLES {
        let (count, digest): (i64, Option<String>) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
        )))
        .fetch_one(f.central.pool())
        .await
        .unwrap();
        out.push((table.to_string(), count, digest.unwrap_or_default()));
    }
    out
}

/// A row in every audit table: a station's uploaded events, the server's own trail
/// (enrolments), and a fetch of another directorate's file.
async fn audit_of_every_kind(f: &Fixture) {
    let tirane = station(f, "st-tr-01", "dvp-tirane").await;
    let durres = station(f, "st-dr-01", "dvp-durres").await;
    f.central
        .push_audit(&tirane, &store_events(2))
        .await
        .unwrap();
    let (id, _, _) = create(f, &tirane, "Hoxha").await;
    f.central
        .fetch_file(&durres, id, "arta.kola", "duplicate check")
        .await
        .unwrap();
    for (table, count, _) in audit_rows(f).await {
        assert!(count > 0, "{table} has rows to protect");
    }
}

#[tokio::test]
async fn audit_tables_refuse_update_delete_and_truncate_for_the_application_role() {
    let Some(f) = fixture().await else { return };
    audit_of_every_kind(&f).await;
    let before = audit_rows(&f).await;
    // A connection of the server's own pool: it logged in as the application role, and
    // RESET ROLE leaves it there (there is no other role to return to).
    let mut conn = f.central.pool().acquire().await.unwrap();
    for reset in [false, true] {
        if reset {
            conn.execute("RESET ROLE").await.unwrap();
        }
        let (session, current): (String, String) =
            sqlx::query_as("SELECT session_user::text, current_user::text")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            (session.as_str(), current.as_str()),
            ("regjistri_app", "regjistri_app")
        );
        for table in AUDIT_TABLES {
            for sql in changes(table) {
                let err = conn
                    .execute(sqlx::AssertSqlSafe(sql.clone()))
                    .await
                    .expect_err(&sql);
                assert_eq!(
                    refusal(&err, table),
                    Refusal::Privilege,
                    "{sql} (after RESET ROLE: {reset}): refused for want of the grant, not by the trigger"
                );
            }
        }
    }
    // Nor can it become the owner.
    let owner = f.admin.get_username().to_string();
    let err = conn
        .execute(sqlx::AssertSqlSafe(format!("SET ROLE \"{owner}\"")))
        .await
        .unwrap_err();
    let db = err.as_database_error().expect("a database error");
    assert_eq!(db.code().as_deref(), Some("42501"), "{err}");
    assert!(
        db.message().contains("permission denied to set role"),
        "{err}"
    );
    drop(conn);

    // Even the owner, who holds every grant, is stopped by the triggers.
    let mut owner = PgConnection::connect_with(&f.admin).await.unwrap();
    for table in AUDIT_TABLES {
        for sql in changes(table) {
            let err = owner
                .execute(sqlx::AssertSqlSafe(sql.clone()))
                .await
                .expect_err(&sql);
            assert_eq!(refusal(&err, table), Refusal::Trigger, "{sql} as the owner");
            assert!(err.to_string().contains("append-only"), "{err}");
        }
    }
    assert_eq!(audit_rows(&f).await, before, "no audit row changed or went");
}

#[tokio::test]
async fn the_audit_refusal_check_fails_when_the_application_role_holds_the_grants() {
    // The check above can fail: with UPDATE, DELETE and TRUNCATE granted (as a careless
    // migration might), the same statements reach the trigger, which the check tells apart.
    let Some(f) = fixture().await else { return };
    audit_of_every_kind(&f).await;
    let before = audit_rows(&f).await;
    let mut owner = PgConnection::connect_with(&f.admin).await.unwrap();
    owner
        .execute(
            "GRANT UPDATE, DELETE, TRUNCATE ON station_audit_event, server_audit_event, file_access \
             TO regjistri_app",
        )
        .await
        .unwrap();
    for table in AUDIT_TABLES {
        for sql in changes(table) {
            let err = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(f.central.pool())
                .await
                .expect_err(&sql);
            assert_eq!(refusal(&err, table), Refusal::Trigger, "{sql}");
        }
    }
    assert_eq!(audit_rows(&f).await, before);
    // And the server no longer logs in with that role.
    let err = Central::connect_with(f.app.clone(), 1, f.clock.clone())
        .await
        .err()
        .expect("refused");
    assert_eq!(err.code(), "database_login_privileged", "{err}");
    assert!(err.to_string().contains("audit rows"), "{err}");
}

/// A login role of the cluster made for one test (roles are the cluster's, not the
/// database's), dropped at the end.
struct TestRole {
    name: String,
    owner: PgConnectOptions,
}

impl TestRole {
    async fn new(f: &Fixture, attributes: &str) -> TestRole {
        let name = format!("regjistri_t_{}", Uuid::now_v7().simple());
        let mut owner = PgConnection::connect_with(&f.admin).await.unwrap();
        owner
            .execute(sqlx::AssertSqlSafe(format!(
                "CREATE ROLE {name} LOGIN {attributes} IN ROLE regjistri_app"
            )))
            .await
            .unwrap();
        TestRole {
            name,
            owner: f.admin.clone(),
        }
    }

    async fn drop_role(self) {
        let mut owner = PgConnection::connect_with(&self.owner).await.unwrap();
        for sql in [
            format!("DROP OWNED BY {}", self.name),
            format!("DROP ROLE {}", self.name),
        ] {
            owner.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
        }
    }
}

#[tokio::test]
async fn the_server_logs_in_only_as_a_role_that_cannot_reach_the_owners_privileges() {
    let Some(f) = fixture().await else { return };
    let owner = f.admin.get_username().to_string();
    let database = f.admin.get_database().unwrap().to_string();
    // (what the login is given beyond membership of regjistri_app, the privilege refused)
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("a member of the application role only", "", None),
        (
            "a member of the owner (it could SET ROLE to it)",
            "GRANT \"{owner}\" TO {login}",
            Some("is a superuser"),
        ),
        (
            "may create roles",
            "ALTER ROLE {login} CREATEROLE",
            Some("may create roles"),
        ),
        (
            "may update the file access log",
            "GRANT UPDATE ON file_access TO {login}",
            Some("audit rows"),
        ),
        (
            "may truncate the server's trail",
            "GRANT TRUNCATE ON server_audit_event TO {login}",
            Some("audit rows"),
        ),
        (
            "may update one column of the stations' trail",
            "GRANT UPDATE (outcome) ON station_audit_event TO {login}",
            Some("audit rows"),
        ),
        (
            "may run programs as the server (COPY ... PROGRAM)",
            "GRANT pg_execute_server_program TO {login}",
            Some("server's files or run programs"),
        ),
        (
            "may write the server's files (COPY ... TO a file)",
            "GRANT pg_write_server_files TO {login}",
            Some("server's files or run programs"),
        ),
        (
            "may read the server's files (COPY ... FROM a file)",
            "GRANT pg_read_server_files TO {login}",
            Some("server's files or run programs"),
        ),
        (
            "owns a table of the schema",
            "ALTER TABLE conflict OWNER TO {login}",
            Some("owns the schema"),
        ),
        (
            "owns the database",
            "ALTER DATABASE {database} OWNER TO {login}",
            Some("owns the database"),
        ),
    ];
    for (what, grant, refused) in cases {
        let role = TestRole::new(&f, "").await;
        if !grant.is_empty() {
            let sql = grant
                .replace("{owner}", &owner)
                .replace("{login}", &role.name)
                .replace("{database}", &database);
            let mut conn = PgConnection::connect_with(&f.admin).await.unwrap();
            conn.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
        }
        let login = f.admin.clone().username(&role.name);
        match (
            Central::connect_with(login, 1, f.clock.clone()).await,
            refused,
        ) {
            (Ok(central), None) => {
                // It serves: a station's push goes through it.
                let s = central
                    .enrol_station("st-member", "dvp-tirane", "sha-member", "admin")
                    .await
                    .unwrap();
                let (id, doc) = (Uuid::now_v7(), document("dvp-tirane", "Kola"));
                let r = central
                    .push(&s, &[mutation(id, 0, diff(&Value::Null, &doc))])
                    .await
                    .unwrap();
                assert_eq!(r.results[0].outcome, Outcome::Applied, "{what}");
                central.pool().close().await;
            }
            (Err(e), Some(reason)) => {
                assert_eq!(e.code(), "database_login_privileged", "{what}: {e}");
                assert!(e.to_string().contains(reason), "{what}: {e}");
            }
            (Ok(_), Some(_)) => panic!("{what}: the server logged in with it"),
            (Err(e), None) => panic!("{what}: refused: {e}"),
        }
        // Give back what the case took.
        let mut conn = PgConnection::connect_with(&f.admin).await.unwrap();
        for sql in [
            format!("ALTER TABLE conflict OWNER TO \"{owner}\""),
            format!("ALTER DATABASE {database} OWNER TO \"{owner}\""),
        ] {
            conn.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
        }
        role.drop_role().await;
    }
    // The owner's own login (the cluster's superuser here) is refused outright.
    let err = Central::connect_with(f.admin.clone(), 1, f.clock.clone())
        .await
        .err()
        .expect("refused");
    assert_eq!(err.code(), "database_login_privileged");
}

#[tokio::test]
async fn the_server_does_not_serve_a_schema_it_was_not_built_for() {
    let Some(f) = fixture().await else { return };
    let mut owner = PgConnection::connect_with(&f.admin).await.unwrap();
    // As if `init` of the next version had run.
    owner
        .execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (9999, 'from the future', true, '\\x00', 0)",
        )
        .await
        .unwrap();
    let err = Central::connect_with(f.app.clone(), 1, f.clock.clone())
        .await
        .err()
        .expect("refused");
    assert_eq!(err.code(), "schema_not_current", "{err}");
}

#[tokio::test]
async fn a_creation_made_by_a_real_station_store_is_accepted() {
    use regjistri_store::{Actor, FileWrite, Store};
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap();
    let mut store =
        Store::open(&dir.path().join("s.db"), &keys::MemoryKeys::default(), now).unwrap();
    let doc = document("dvp-tirane", "Hoxha");
    let written = store
        .write_file(
            FileWrite {
                id: Uuid::now_v7(),
                base_version: 0,
                status: serde_json::from_value(doc["status"].clone()).unwrap(),
                owning_directorate: "dvp-tirane".into(),
                data: serde_json::from_value(doc["data"].clone()).unwrap(),
                reason: None,
            },
            &Actor {
                user: "arta.kola".into(),
                station: "st-tr-01".into(),
            },
            now,
        )
        .unwrap();
    let history = store.history(written.id).unwrap();
    let change = &history[0];
    let m = Mutation {
        mutation_id: change.mutation_id,
        entity: "offender_file".into(),
        entity_id: written.id,
        base_version: 0,
        diff: change.changes.clone(),
        actor: change.actor.clone(),
        created_at: change.at,
        approves: None,
    };
    let r = f.central.push(&a, &[m]).await.unwrap();
    assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results[0]);
    let (_, stored) = f.central.record(written.id).await.unwrap().unwrap();
    let local = store.file(written.id).unwrap();
    assert_eq!(
        serde_json::from_value::<regjistri_domain::file::FileData>(stored["data"].clone()).unwrap(),
        local.data
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cursor_never_skips_a_change_committed_by_a_concurrent_push() {
    let Some(f) = fixture().await else { return };
    let mut stations = Vec::new();
    for i in 0..4 {
        stations.push(station(&f, &format!("st-tr-{i:02}"), "dvp-tirane").await);
    }
    let reader = stations[0].clone();
    let mut pushes = Vec::new();
    for s in stations {
        let central = f.central.clone();
        pushes.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..10 {
                let id = Uuid::now_v7();
                let doc = document("dvp-tirane", &format!("Hoxha{n}"));
                let r = central
                    .push(&s, &[mutation(id, 0, diff(&Value::Null, &doc))])
                    .await
                    .expect("push");
                assert_eq!(r.results[0].outcome, Outcome::Applied);
                ids.push(id);
            }
            ids
        }));
    }
    // Pull while the pushes run, small pages, keeping only the cursor between pages.
    let mut cursor = 0;
    let mut seen = std::collections::BTreeSet::new();
    let mut last_seq = 0;
    loop {
        let done = pushes.iter().all(|p| p.is_finished());
        let page = f.central.pull(&reader, cursor, 3).await.unwrap();
        for item in &page.items {
            assert!(item.seq() > last_seq, "strictly increasing");
            last_seq = item.seq();
            if let PullItem::File { id, .. } = item {
                seen.insert(*id);
            }
        }
        cursor = page.next_cursor;
        if done && !page.more {
            break;
        }
    }
    let mut pushed = std::collections::BTreeSet::new();
    for p in pushes {
        pushed.extend(p.await.unwrap());
    }
    assert_eq!(pushed.len(), 40);
    assert_eq!(seen, pushed, "nothing skipped, nothing invented");
}

#[tokio::test]
async fn a_supervisor_resolves_a_conflict_once_and_the_choice_becomes_a_new_version() {
    use regjistri_sync::protocol::ChosenValue;
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let b = station(&f, "st-tr-02", "dvp-tirane").await;
    let durres = station(&f, "st-dr-01", "dvp-durres").await;
    let (id, v1, doc) = create(&f, &a, "Hoxha").await;
    f.central
        .push(
            &a,
            &[mutation(
                id,
                v1,
                edit(&doc, &[("/data/identity/surname", json!("Hoxhaj"))]),
            )],
        )
        .await
        .unwrap();
    let rb = f
        .central
        .push(
            &b,
            &[mutation(
                id,
                v1,
                edit(&doc, &[("/data/identity/surname", json!("Hoxhe"))]),
            )],
        )
        .await
        .unwrap();
    let conflict = rb.results[0].conflict.as_ref().unwrap().id;
    let before = f.central.record(id).await.unwrap().unwrap().0;
    let pick = vec![ChosenValue {
        path: "data.identity.surname".into(),
        value: json!("Hoxhe"),
    }];
    // Another directorate cannot see or decide it; a path outside the conflict is refused.
    let err = f
        .central
        .resolve_conflict(&durres, conflict, "sup", &pick)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict_not_found");
    let outside = vec![ChosenValue {
        path: "data.description.marks".into(),
        value: json!("x"),
    }];
    let err = f
        .central
        .resolve_conflict(&a, conflict, "sup", &outside)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request");
    let bad = vec![ChosenValue {
        path: "data.identity.surname".into(),
        value: json!(42),
    }];
    let err = f
        .central
        .resolve_conflict(&a, conflict, "sup", &bad)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "choice_invalid", "an invalid file is refused");

    let resolved = f
        .central
        .resolve_conflict(&a, conflict, "drita.supervisor", &pick)
        .await
        .unwrap();
    let (version, stored) = f.central.record(id).await.unwrap().unwrap();
    assert_eq!(resolved.version, Some(version));
    assert!(version > before);
    assert_eq!(stored["data"]["identity"]["surname"], json!("Hoxhe"));
    assert!(f
        .central
        .open_conflicts("dvp-tirane")
        .await
        .unwrap()
        .is_empty());
    let err = f
        .central
        .resolve_conflict(&a, conflict, "sup", &pick)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict_resolved");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM server_audit_event WHERE action = 'conflict.resolve' AND object_id = $1",
    )
    .bind(conflict.to_string())
    .fetch_one(f.central.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn another_directorates_full_file_is_fetched_online_with_a_reason_and_logged() {
    let Some(f) = fixture().await else { return };
    let tirane = station(&f, "st-tr-01", "dvp-tirane").await;
    let durres = station(&f, "st-dr-01", "dvp-durres").await;
    let (id, version, doc) = create(&f, &tirane, "Hoxha").await;
    let err = f
        .central
        .fetch_file(&durres, id, "arta.kola", "  ")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request", "a reason is required");
    let fetched = f
        .central
        .fetch_file(&durres, id, "arta.kola", "duplicate check, case 12/2026")
        .await
        .unwrap();
    assert_eq!(fetched.version, version);
    assert_eq!(fetched.document, doc);
    assert_eq!(
        f.central
            .fetch_file(&durres, Uuid::now_v7(), "arta.kola", "x")
            .await
            .unwrap_err()
            .code(),
        "record_not_found"
    );
    // Only files: a user account of Tirana (its password verifier) is not fetched by id.
    let account = Uuid::now_v7();
    let user = json!({"user_name": "vera.leka", "role": "clerk", "directorate": "dvp-tirane",
        "salt": SALT, "verifier": VERIFIER, "iterations": 600000,
        "must_change_password": true, "disabled": false});
    let made = f
        .central
        .push(
            &tirane,
            &[Mutation {
                entity: "user".into(),
                ..mutation(account, 0, diff(&Value::Null, &user))
            }],
        )
        .await
        .unwrap();
    assert_eq!(made.results[0].outcome, Outcome::Applied, "{made:?}");
    assert_eq!(
        f.central
            .fetch_file(&durres, account, "arta.kola", "curious")
            .await
            .unwrap_err()
            .code(),
        "record_not_found"
    );
    let logged: Vec<(String, String, String)> =
        sqlx::query_as("SELECT station_code, actor, reason FROM file_access WHERE record_id = $1")
            .bind(id)
            .fetch_all(f.central.pool())
            .await
            .unwrap();
    assert_eq!(
        logged,
        vec![(
            "st-dr-01".into(),
            "arta.kola".into(),
            "duplicate check, case 12/2026".into()
        )]
    );
    let err = sqlx::query("UPDATE file_access SET reason = 'forged'")
        .execute(f.central.pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
}

/// A mutation by `actor` (the shared helper's officer is arta.kola).
fn by(actor: &str, mut m: Mutation) -> Mutation {
    m.actor = actor.into();
    m
}

/// The approval of `doc` as it stands, with the hash of its data.
fn approval(id: Uuid, version: i64, doc: &Value, actor: &str) -> Mutation {
    let mut m = by(
        actor,
        mutation(id, version, edit(doc, &[("/status", json!("approved"))])),
    );
    m.approves = Some(regjistri_sync::document::content_hash(&doc["data"]));
    m
}

#[tokio::test]
async fn the_server_keeps_four_eyes_on_approvals_and_decisions() {
    use regjistri_sync::protocol::ChosenValue;
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let b = station(&f, "st-tr-02", "dvp-tirane").await;
    let (id, v1, doc) = create(&f, &a, "Hoxha").await;

    // The officer who created it may not approve it, from any station.
    let r = f
        .central
        .push(&b, &[approval(id, v1, &doc, "arta.kola")])
        .await
        .unwrap();
    assert_eq!(r.results[0].outcome, Outcome::Rejected);
    assert_eq!(r.results[0].error.as_ref().unwrap().code, "own_work");
    // Nor may anyone approve data other than what stands.
    let mut stale = approval(id, v1, &doc, "drita.supervisor");
    stale.approves = Some("0".repeat(64));
    let r = f.central.push(&a, &[stale]).await.unwrap();
    assert_eq!(
        r.results[0].error.as_ref().unwrap().code,
        "approval_outdated"
    );
    // Another supervisor approves; the approved copy comes with the file from then on.
    let r = f
        .central
        .push(&a, &[approval(id, v1, &doc, "drita.supervisor")])
        .await
        .unwrap();
    assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results[0]);
    let v2 = r.results[0].version.unwrap();
    // An edit from an older copy (status pending there) merged into the approved file
    // makes it amended; the approved copy stays, and its author is known.
    let r = f
        .central
        .push(
            &b,
            &[by(
                "besa.hoxha",
                mutation(
                    id,
                    v1,
                    edit(&doc, &[("/data/description/marks", json!("Shenjë"))]),
                ),
            )],
        )
        .await
        .unwrap();
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let page = f.central.pull(&a, 0, 100).await.unwrap();
    let Some(PullItem::File {
        document,
        approved,
        authors,
        ..
    }) = page.items.iter().find(|i| i.seq() > v2)
    else {
        panic!("the file after the edit: {page:?}")
    };
    assert_eq!(document["status"], json!("amended"));
    let approved = approved.as_ref().expect("the approved copy");
    assert_eq!(approved.data, doc["data"]);
    assert_eq!(approved.by, "drita.supervisor");
    assert_eq!(authors, &vec!["besa.hoxha".to_string()]);
    // She may not approve her own amendment.
    let (v3, current) = f.central.record(id).await.unwrap().unwrap();
    let r = f
        .central
        .push(&a, &[approval(id, v3, &current, "besa.hoxha")])
        .await
        .unwrap();
    assert_eq!(r.results[0].error.as_ref().unwrap().code, "own_work");

    // A status conflict: one supervisor returns the amendment, another approves it offline.
    let ret = by(
        "sokol.supervisor",
        mutation(id, v3, edit(&current, &[("/status", json!("returned"))])),
    );
    assert_eq!(
        f.central.push(&a, &[ret]).await.unwrap().results[0].outcome,
        Outcome::Applied
    );
    let r = f
        .central
        .push(&b, &[approval(id, v3, &current, "drita.supervisor")])
        .await
        .unwrap();
    assert_eq!(
        r.results[0].outcome,
        Outcome::Conflict,
        "{:?}",
        r.results[0]
    );
    let conflict = r.results[0].conflict.as_ref().unwrap().id;
    // The officer whose change collided may not decide; nor one who changed the file.
    let keep = vec![ChosenValue {
        path: "status".into(),
        value: json!("returned"),
    }];
    for who in ["drita.supervisor", "besa.hoxha"] {
        let e = f
            .central
            .resolve_conflict(&a, conflict, who, &keep)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "own_work", "{who}");
    }
    // Nobody approves by choosing a status in a decision.
    let approve = vec![ChosenValue {
        path: "status".into(),
        value: json!("approved"),
    }];
    let e = f
        .central
        .resolve_conflict(&a, conflict, "ilir.supervisor", &approve)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_request");
    f.central
        .resolve_conflict(&a, conflict, "ilir.supervisor", &keep)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_regional_station_cannot_make_national_accounts_or_rule_versions() {
    let Some(f) = fixture().await else { return };
    let tirane = station(&f, "st-tr-01", "dvp-tirane").await;
    let hq = f
        .central
        .enrol_administration_station("st-dpp-01", "dvp-tirane", "sha-st-dpp-01", "admin")
        .await
        .unwrap();
    let account = |name: &str, role: &str, directorate: &str| {
        json!({"user_name": name, "role": role, "directorate": directorate,
            "salt": SALT, "verifier": VERIFIER, "iterations": 600000,
            "must_change_password": true, "disabled": false})
    };
    let push_new = |by: Station, doc: Value| {
        let central = f.central.clone();
        async move {
            let m = Mutation {
                entity: "user".into(),
                ..mutation(Uuid::now_v7(), 0, diff(&Value::Null, &doc))
            };
            let r = central.push(&by, &[m]).await.unwrap();
            r.results.into_iter().next().unwrap()
        }
    };
    let code =
        |r: &regjistri_sync::protocol::MutationResult| r.error.as_ref().map(|e| e.code.clone());
    // Tirana's station: its own clerks, nothing national, nobody of Durrës.
    let r = push_new(tirane.clone(), account("vera.leka", "clerk", "dvp-tirane")).await;
    assert_eq!(r.outcome, Outcome::Applied, "{r:?}");
    let r = push_new(
        tirane.clone(),
        account("agim.admin", "administrator", "dvp-tirane"),
    )
    .await;
    assert_eq!(code(&r).as_deref(), Some("administration_only"));
    let r = push_new(tirane.clone(), account("drita.a", "auditor", "dvp-tirane")).await;
    assert_eq!(code(&r).as_deref(), Some("administration_only"));
    let r = push_new(tirane.clone(), account("besa.kola", "clerk", "dvp-durres")).await;
    assert_eq!(code(&r).as_deref(), Some("out_of_scope"));
    // The administration's station makes them.
    let r = push_new(
        hq.clone(),
        account("agim.admin", "administrator", "dvp-tirane"),
    )
    .await;
    assert_eq!(r.outcome, Outcome::Applied, "{r:?}");
    let r = push_new(hq.clone(), account("besa.kola", "clerk", "dvp-durres")).await;
    assert_eq!(r.outcome, Outcome::Applied, "{r:?}");
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM record WHERE entity = 'user'")
        .fetch_one(f.central.pool())
        .await
        .unwrap();
    assert_eq!(accounts, 3, "nothing refused was kept");
    // Not even the administration may send what a station could not take.
    let mut weak = account("weak.one", "clerk", "dvp-tirane");
    weak["iterations"] = json!(1);
    let r = push_new(hq.clone(), weak).await;
    assert_eq!(code(&r).as_deref(), Some("invalid_document"));
    let mut extra = account("extra.one", "clerk", "dvp-tirane");
    extra["zz"] = json!(1);
    let r = push_new(hq.clone(), extra).await;
    assert_eq!(code(&r).as_deref(), Some("invalid_document"));
    // Every station learns of every account; only where it signs in with its verifier.
    let durres = station(&f, "st-dr-01", "dvp-durres").await;
    let page = f.central.pull(&durres, 0, 100).await.unwrap();
    let mut seen: Vec<(String, String)> = page
        .items
        .iter()
        .filter_map(|i| match i {
            regjistri_sync::protocol::PullItem::User { document, .. } => Some((
                document["user_name"].as_str().unwrap().to_string(),
                document["verifier"].as_str().unwrap().to_string(),
            )),
            _ => None,
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("agim.admin".to_string(), VERIFIER.to_string()),
            ("besa.kola".to_string(), VERIFIER.to_string()),
            ("vera.leka".to_string(), String::new()),
        ]
    );

    // The administration's stations manage every account: they get every verifier.
    let page = f.central.pull(&hq, 0, 100).await.unwrap();
    let blanked = page.items.iter().any(|i| {
        matches!(i, regjistri_sync::protocol::PullItem::User { document, .. }
            if document["verifier"] != json!(VERIFIER))
    });
    assert!(!blanked);
    // Nobody takes the reference data's record id (it would hide every publication).
    let squat = Mutation {
        entity: "user".into(),
        ..mutation(
            regjistri_sync::protocol::REFERENCE_ID,
            0,
            diff(&Value::Null, &account("squat.one", "clerk", "dvp-tirane")),
        )
    };
    let r = f.central.push(&tirane, &[squat]).await.unwrap();
    assert_eq!(code(&r.results[0]).as_deref(), Some("unknown_entity"));
    // A regional station's refused change to an account beyond it does not touch its version.
    let besa = || async {
        sqlx::query_as::<_, (Uuid, i64)>(
            "SELECT id, version FROM record WHERE document->>'user_name' = 'besa.kola'",
        )
        .fetch_one(f.central.pool())
        .await
        .unwrap()
    };
    let (besa_id, before) = besa().await;
    let change = Mutation {
        entity: "user".into(),
        ..mutation(
            besa_id,
            before,
            vec![FieldChange {
                path: "disabled".into(),
                old: json!(false),
                new: json!(true),
            }],
        )
    };
    let r = f.central.push(&tirane, &[change]).await.unwrap();
    assert_eq!(code(&r.results[0]).as_deref(), Some("out_of_scope"));
    assert_eq!(besa().await.1, before);

    // Rule versions: only the administration's station proposes them.
    let proposal = regjistri_sync::protocol::RuleProposal {
        id: Uuid::now_v7(),
        effective_from: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        values: serde_json::to_value(regjistri_domain::rules::RuleValues::provisional()).unwrap(),
        note: "test".into(),
        created_by: "agim.admin".into(),
    };
    let err = f
        .central
        .add_rule_set(&tirane, &proposal)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "administration_only");
    let made = f.central.add_rule_set(&hq, &proposal).await.unwrap();
    assert_eq!(made.version, 2);
}

/// A salt and verifier of the lengths workstations make (hex).
const SALT: &str = "00112233445566778899aabbccddeeff";
const VERIFIER: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// The feed lock's key (`regjistri_central`'s FEED_LOCK, "REGJFEED"): held here to make
/// pushes queue up behind it.
const FEED_LOCK: i64 = 0x5245_474a_4645_4544;

/// Starts `pushes` concurrently while this test holds the feed lock, so that they queue
/// and are committed together once it is released; their results in order.
async fn pushes_behind_the_lock(
    f: &Fixture,
    pushes: Vec<(Station, Vec<Mutation>)>,
) -> Vec<Result<regjistri_sync::protocol::PushResponse, CentralError>> {
    let mut holder = PgConnection::connect_with(&f.admin).await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(FEED_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    let tasks: Vec<_> = pushes
        .into_iter()
        .map(|(s, ms)| {
            let central = f.central.clone();
            tokio::spawn(async move { central.push(&s, &ms).await })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(FEED_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_are_committed_together_and_one_failure_is_only_its_own() {
    let Some(f) = fixture().await else { return };
    let mut stations = Vec::new();
    for i in 0..8 {
        stations.push(station(&f, &format!("st-tr-{i:02}"), "dvp-tirane").await);
    }
    let new_file = |n: usize| {
        let doc = document("dvp-tirane", &format!("Hoxha{n}"));
        mutation(Uuid::now_v7(), 0, diff(&Value::Null, &doc))
    };
    // 40 pushes from 8 stations, one of them sent twice at once (a retry racing its
    // original): one transaction for most of them, every result as if one after another.
    let mut pushes: Vec<(Station, Vec<Mutation>)> = (0..40)
        .map(|n| (stations[n % 8].clone(), vec![new_file(n)]))
        .collect();
    pushes.push(pushes[5].clone());
    let results = pushes_behind_the_lock(&f, pushes.clone()).await;
    for (n, r) in results.iter().enumerate() {
        let r = r.as_ref().unwrap_or_else(|e| panic!("push {n}: {e}"));
        assert_eq!(r.results[0].outcome, Outcome::Applied, "push {n}");
    }
    let twice = |n: usize| results[n].as_ref().unwrap().results[0].version;
    assert_eq!(twice(5), twice(40), "the retry gets the stored answer");
    let (records, mutations, transactions): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM record), (SELECT count(*) FROM mutation),
                (SELECT count(DISTINCT xmin::text) FROM server_audit_event WHERE action = 'sync.push')",
    )
    .fetch_one(f.central.pool())
    .await
    .unwrap();
    assert_eq!((records, mutations), (40, 40), "each applied once");
    assert!(
        transactions <= 3,
        "41 pushes committed in {transactions} transactions: not grouped"
    );
    assert_eq!(f.central.verify_server_audit().await.unwrap(), 41 + 8);

    // A push that fails in the database (a NUL character, which jsonb refuses) amid 20
    // good ones: it fails alone, the others are applied.
    let mut doc = document("dvp-tirane", "Hoxha99");
    doc["data"]["description"]["marks"] = json!("a\u{0}b");
    let bad = mutation(Uuid::now_v7(), 0, diff(&Value::Null, &doc));
    let mut pushes: Vec<(Station, Vec<Mutation>)> = (100..120)
        .map(|n| (stations[n % 8].clone(), vec![new_file(n)]))
        .collect();
    pushes.insert(10, (stations[3].clone(), vec![bad.clone()]));
    let results = pushes_behind_the_lock(&f, pushes).await;
    for (n, r) in results.iter().enumerate() {
        if n == 10 {
            assert_eq!(r.as_ref().unwrap_err().code(), "database_unavailable");
        } else {
            let r = r.as_ref().unwrap_or_else(|e| panic!("push {n}: {e}"));
            assert_eq!(r.results[0].outcome, Outcome::Applied, "push {n}");
        }
    }
    let (records, kept_bad): (i64, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM record),
                EXISTS (SELECT 1 FROM mutation WHERE mutation_id = $1)",
    )
    .bind(bad.mutation_id)
    .fetch_one(f.central.pool())
    .await
    .unwrap();
    assert_eq!((records, kept_bad), (60, false));
    f.central.verify_server_audit().await.unwrap();
}

// ---- photos ----

/// A photo document of `file` made of `bytes` (a JPEG or PNG), as a station's push builds it.
fn photo_document(file: Uuid, bytes: &[u8]) -> Value {
    let facts = regjistri_domain::photo::inspect(bytes).expect("a photo");
    serde_json::to_value(regjistri_sync::document::PhotoDocument {
        photo: regjistri_domain::photo::Photo {
            id: Uuid::now_v7(),
            file_id: file,
            taken_on: chrono::NaiveDate::from_ymd_opt(2026, 5, 3).unwrap(),
            taken_by: "arta.kola".into(),
            media_type: facts.media_type,
            byte_len: bytes.len() as u32,
            width: facts.width,
            height: facts.height,
            sha256: regjistri_sync::document::sha256_hex(bytes),
            recorded_at: Utc.with_ymd_and_hms(2026, 5, 3, 9, 0, 0).unwrap(),
            void: None,
        },
        data: regjistri_sync::document::encode_bytes(bytes),
    })
    .unwrap()
}

fn photo_mutation(doc: &Value, base_version: i64, changes: Vec<FieldChange>) -> Mutation {
    let id = Uuid::parse_str(doc["id"].as_str().unwrap()).unwrap();
    Mutation {
        entity: "photo".into(),
        ..mutation(id, base_version, changes)
    }
}

/// A JPEG of about `kb` kilobytes whose application segments hold bytes that do not
/// compress (as a real photo's do not).
fn big_jpeg(kb: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    };
    let mut out = vec![0xFF, 0xD8];
    let mut left = kb * 1024;
    while left > 0 {
        let n = left.min(60_000);
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((n + 2) as u16).to_be_bytes());
        out.extend((0..n).map(|_| noise()));
        left -= n;
    }
    out.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x03, 0x20, 0x02, 0x58, 0x01, 0x01, 0x11, 0x00,
    ]);
    out.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0xFF, 0xD9,
    ]);
    out
}

#[tokio::test]
async fn photos_stay_in_their_directorate_are_checked_and_never_change() {
    let Some(f) = fixture().await else { return };
    let tirane = station(&f, "st-tr-01", "dvp-tirane").await;
    let durres = station(&f, "st-dr-01", "dvp-durres").await;
    let (file, _, _) = create(&f, &tirane, "Hoxha").await;
    let bytes = regjistri_demo::photos::avatar(3);
    let doc = photo_document(file, &bytes);
    let photo_id = Uuid::parse_str(doc["id"].as_str().unwrap()).unwrap();
    let made = f
        .central
        .push(
            &tirane,
            &[photo_mutation(&doc, 0, diff(&Value::Null, &doc))],
        )
        .await
        .unwrap();
    assert_eq!(
        made.results[0].outcome,
        Outcome::Applied,
        "{:?}",
        made.results[0]
    );
    let version = made.results[0].version.unwrap();
    // The idempotency record names the bytes by their digest, never repeats them.
    let kept: String = sqlx::query_scalar("SELECT diff::text FROM mutation WHERE entity_id = $1")
        .bind(photo_id)
        .fetch_one(f.central.pool())
        .await
        .unwrap();
    assert!(
        !kept.contains(doc["data"].as_str().unwrap()),
        "bytes kept with the mutation"
    );
    assert!(kept.contains(&format!("sha256:{}", doc["sha256"].as_str().unwrap())));

    // Refused: a photo of another directorate's file, bytes that are not what the document
    // says, a file the server does not know, any change but a void, a second void.
    let code = |r: &regjistri_sync::protocol::PushResponse| {
        r.results[0].error.as_ref().map(|e| e.code.clone())
    };
    let other = photo_document(file, &regjistri_demo::photos::avatar(4));
    let r = f
        .central
        .push(
            &durres,
            &[photo_mutation(&other, 0, diff(&Value::Null, &other))],
        )
        .await
        .unwrap();
    assert_eq!(code(&r).as_deref(), Some("out_of_scope"));
    let mut forged = photo_document(file, &regjistri_demo::photos::avatar(5));
    forged["data"] = json!(regjistri_sync::document::encode_bytes(
        &regjistri_demo::photos::avatar(6)
    ));
    let r = f
        .central
        .push(
            &tirane,
            &[photo_mutation(&forged, 0, diff(&Value::Null, &forged))],
        )
        .await
        .unwrap();
    assert_eq!(code(&r).as_deref(), Some("invalid_document"));
    let mut gif = photo_document(file, &regjistri_demo::photos::avatar(7));
    gif["data"] = json!(regjistri_sync::document::encode_bytes(
        b"GIF89a not a photo"
    ));
    let r = f
        .central
        .push(
            &tirane,
            &[photo_mutation(&gif, 0, diff(&Value::Null, &gif))],
        )
        .await
        .unwrap();
    assert_eq!(code(&r).as_deref(), Some("invalid_document"));
    let orphan = photo_document(Uuid::now_v7(), &regjistri_demo::photos::avatar(8));
    let r = f
        .central
        .push(
            &tirane,
            &[photo_mutation(&orphan, 0, diff(&Value::Null, &orphan))],
        )
        .await
        .unwrap();
    assert_eq!(code(&r).as_deref(), Some("unknown_file"));
    let r = f
        .central
        .push(
            &tirane,
            &[photo_mutation(
                &doc,
                version,
                edit(&doc, &[("/taken_on", json!("2026-05-01"))]),
            )],
        )
        .await
        .unwrap();
    assert_eq!(code(&r).as_deref(), Some("photo_changed"));
    let void = |reason: &str| {
        let mut after = doc.clone();
        after["void"] = json!({"reason": reason, "by": "drita.mara", "at": "2026-05-04T07:00:00Z"});
        diff(&doc, &after)
    };
    let r = f
        .central
        .push(
            &tirane,
            &[photo_mutation(&doc, version, void("wrong person"))],
        )
        .await
        .unwrap();
    assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results[0]);
    let r = f
        .central
        .push(&tirane, &[photo_mutation(&doc, version, void("blurred"))])
        .await
        .unwrap();
    assert_eq!(code(&r).as_deref(), Some("photo_changed"));
    let (_, stored) = f.central.record(photo_id).await.unwrap().unwrap();
    assert_eq!(stored["void"]["reason"], json!("wrong person"));
    assert_eq!(stored["data"], doc["data"]);

    // Only the Tirana station pulls it, whole; Durrës sees neither it nor an index entry.
    let page = f.central.pull(&tirane, 0, 1000).await.unwrap();
    let photos: Vec<&Value> = page
        .items
        .iter()
        .filter_map(|i| match i {
            PullItem::Photo { document, .. } => Some(document),
            _ => None,
        })
        .collect();
    assert_eq!(photos.len(), 1);
    let (pulled, pulled_bytes) = regjistri_sync::document::PhotoDocument::parse(photos[0]).unwrap();
    assert_eq!(pulled_bytes, bytes);
    assert_eq!(
        pulled.photo.void.map(|v| v.reason).as_deref(),
        Some("wrong person")
    );
    let page = f.central.pull(&durres, 0, 1000).await.unwrap();
    assert!(page.items.iter().all(|i| match i {
        PullItem::Photo { .. } => false,
        PullItem::Index { id, .. } => *id == file,
        _ => true,
    }));
    assert!(!page
        .items
        .iter()
        .any(|i| i.seq() > 0 && matches!(i, PullItem::Index { id, .. } if *id == photo_id)));
}

#[tokio::test]
async fn a_pull_page_of_photos_stays_within_its_byte_bound() {
    let Some(f) = fixture().await else { return };
    let tirane = station(&f, "st-tr-01", "dvp-tirane").await;
    let (file, _, _) = create(&f, &tirane, "Hoxha").await;
    let mut made = Vec::new();
    for i in 0..12 {
        let doc = photo_document(file, &big_jpeg(480, 7 + i));
        let r = f
            .central
            .push(
                &tirane,
                &[photo_mutation(&doc, 0, diff(&Value::Null, &doc))],
            )
            .await
            .unwrap();
        assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results[0]);
        // One photo fits one push request with room to spare.
        let request = serde_json::to_vec(&regjistri_sync::protocol::PushRequest {
            mutations: vec![photo_mutation(&doc, 0, diff(&Value::Null, &doc))],
        })
        .unwrap();
        assert!(
            request.len() < regjistri_sync::protocol::MAX_PUSH_BYTES,
            "{}",
            request.len()
        );
        made.push(doc["id"].as_str().unwrap().to_string());
    }
    let mut cursor = 0;
    let mut pages = 0;
    let mut got = Vec::new();
    loop {
        let page = f.central.pull(&tirane, cursor, 1000).await.unwrap();
        pages += 1;
        let size = serde_json::to_vec(&page).unwrap().len();
        // The bound, plus at most the one item that crossed it.
        assert!(
            size < regjistri_sync::protocol::MAX_PULL_BYTES + 700 * 1024,
            "page {pages}: {size} bytes"
        );
        assert!(!page.items.is_empty() || !page.more);
        for item in &page.items {
            if let PullItem::Photo { id, .. } = item {
                got.push(id.to_string());
            }
        }
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    assert!(pages >= 2, "{pages} page(s) for 12 photos of ~650 KB");
    assert_eq!(got, made, "every photo once, in feed order");
}

#[tokio::test]
async fn mutations_of_one_group_to_the_same_file_merge_as_one_after_another() {
    // A group's records are looked up together before its first write: a file met again
    // later in the group must be merged against what the group made of it, not that copy.
    // Three mutations of one push, all from the same old copy of the file.
    let Some(f) = fixture().await else { return };
    let a = station(&f, "st-tr-01", "dvp-tirane").await;
    let (id, version, doc) = create(&f, &a, "Hoxha").await;
    let batch = vec![
        mutation(
            id,
            version,
            edit(&doc, &[("/data/identity/surname", json!("Hoxhaj"))]),
        ),
        // Another field: merged on top of the first change.
        mutation(
            id,
            version,
            edit(&doc, &[("/data/description/marks", json!("scar"))]),
        ),
        // The first one's field again, from the old copy: a conflict; the first value stands.
        mutation(
            id,
            version,
            edit(&doc, &[("/data/identity/surname", json!("Hoxhe"))]),
        ),
    ];
    let r = f.central.push(&a, &batch).await.expect("push");
    let outcomes: Vec<Outcome> = r.results.iter().map(|m| m.outcome).collect();
    assert_eq!(
        outcomes,
        vec![Outcome::Applied, Outcome::Applied, Outcome::Conflict]
    );
    let versions: Vec<i64> = r
        .results
        .iter()
        .map(|m| m.version.expect("a version"))
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "each change a new version: {versions:?}"
    );
    let (stored, document): (i64, Value) =
        sqlx::query_as("SELECT version, document FROM record WHERE id = $1")
            .bind(id)
            .fetch_one(f.central.pool())
            .await
            .unwrap();
    assert_eq!(stored, versions[2]);
    assert_eq!(document["data"]["identity"]["surname"], json!("Hoxhaj"));
    assert_eq!(document["data"]["description"]["marks"], json!("scar"));
}

// ---- another directorate's file, with what judges it ----

/// A record about `file` (a confirmed death when `died` is set, else a check-in), as a
/// station's push builds it.
fn file_record_document(file: Uuid, died: Option<chrono::NaiveDate>) -> Value {
    use regjistri_domain::records::{Confirmation, FileRecord, PersonState, RecordData};
    let day = chrono::NaiveDate::from_ymd_opt(2026, 5, 2).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 5, 2, 9, 0, 0).unwrap();
    let (data, confirmation) = match died {
        Some(effective) => (
            RecordData::StatusChange {
                state: PersonState::Deceased,
                effective,
                reason: "Certifikatë vdekjeje".into(),
            },
            Some(Confirmation {
                by: "drita.supervisor".into(),
                at,
            }),
        ),
        None => (
            RecordData::CheckIn {
                date: day,
                officer: "arta.kola".into(),
                photo_id: None,
                no_photo_reason: Some("Kamera e prishur".into()),
                note: String::new(),
                photo_taken: None,
            },
            None,
        ),
    };
    serde_json::to_value(FileRecord {
        id: Uuid::now_v7(),
        file_id: file,
        data,
        recorded_at: at,
        recorded_by: "arta.kola".into(),
        void: None,
        confirmation,
    })
    .unwrap()
}

fn notice_document(file: Uuid) -> Value {
    serde_json::to_value(regjistri_domain::records::RuleNotice {
        id: Uuid::now_v7(),
        file_id: file,
        rule_version: 2,
        created_at: Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
        served_on: None,
        served_by: None,
    })
    .unwrap()
}

/// Pushes a new record, notice or photo document of entity `entity`; its id.
async fn add(f: &Fixture, by: &Station, entity: &str, doc: &Value) -> Uuid {
    let id = Uuid::parse_str(doc["id"].as_str().unwrap()).unwrap();
    let r = f
        .central
        .push(
            by,
            &[Mutation {
                entity: entity.into(),
                ..mutation(id, 0, diff(&Value::Null, doc))
            }],
        )
        .await
        .unwrap();
    assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results[0]);
    id
}

fn ids_of(documents: &[Value]) -> std::collections::BTreeSet<String> {
    documents
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_fetched_file_carries_its_approved_copy_records_and_notices_and_nothing_else() {
    let Some(f) = fixture().await else { return };
    let tirane = station(&f, "st-tr-01", "dvp-tirane").await;
    let durres = station(&f, "st-dr-01", "dvp-durres").await;
    let (id, v1, doc) = create(&f, &tirane, "Hoxha").await;
    let approve = approval(id, v1, &doc, "drita.supervisor");
    // The approval's time is when the supervisor approved, at the station.
    let approved_at = approve.created_at;
    let r = f.central.push(&tirane, &[approve]).await.unwrap();
    assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results[0]);
    let v2 = r.results[0].version.unwrap();
    // An amendment waits: the current data is not what stands approved.
    f.clock.advance(Duration::days(1));
    let mut approved_doc = doc.clone();
    approved_doc["status"] = json!("approved");
    let r = f
        .central
        .push(
            &tirane,
            &[by(
                "besa.hoxha",
                mutation(
                    id,
                    v2,
                    edit(
                        &approved_doc,
                        &[("/data/description/marks", json!("Shenjë"))],
                    ),
                ),
            )],
        )
        .await
        .unwrap();
    assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results[0]);
    // Its records (a check-in and a confirmed death), a notice and a photo; another file of
    // the same directorate with a record and a notice of its own.
    let check_in = add(&f, &tirane, "file_record", &file_record_document(id, None)).await;
    let death = add(
        &f,
        &tirane,
        "file_record",
        &file_record_document(id, chrono::NaiveDate::from_ymd_opt(2026, 5, 1)),
    )
    .await;
    let notice = add(&f, &tirane, "rule_notice", &notice_document(id)).await;
    let photo = add(
        &f,
        &tirane,
        "photo",
        &photo_document(id, &regjistri_demo::photos::avatar(3)),
    )
    .await;
    let (other, _, _) = create(&f, &tirane, "Kola").await;
    let other_record = add(
        &f,
        &tirane,
        "file_record",
        &file_record_document(other, None),
    )
    .await;
    let other_notice = add(&f, &tirane, "rule_notice", &notice_document(other)).await;

    let fetched = f
        .central
        .fetch_file(&durres, id, "arta.kola", "duplicate check")
        .await
        .unwrap();
    assert_eq!(fetched.document["status"], json!("amended"));
    assert_eq!(
        fetched.document["data"]["description"]["marks"],
        json!("Shenjë")
    );
    let approved = fetched.approved.as_ref().expect("the approved copy");
    assert_eq!(approved.data, doc["data"], "the data that stands approved");
    assert_eq!(approved.by, "drita.supervisor");
    assert_eq!(approved.first_at, approved_at);
    let expected: std::collections::BTreeSet<String> =
        [check_in, death].iter().map(Uuid::to_string).collect();
    assert_eq!(ids_of(&fetched.records), expected, "its records only");
    assert_eq!(
        ids_of(&fetched.notices),
        [notice.to_string()].into_iter().collect(),
        "its notices only"
    );
    // The documents as the server holds them: the death's confirmation travels.
    let died = fetched
        .records
        .iter()
        .find(|d| d["id"] == json!(death.to_string()))
        .unwrap();
    assert_eq!(died["confirmation"]["by"], json!("drita.supervisor"));
    // Never a photo, never another file's record.
    let sent = serde_json::to_string(&fetched).unwrap();
    for absent in [photo, other_record, other_notice] {
        assert!(!sent.contains(&absent.to_string()), "{absent} was sent");
    }
    assert!(!sent.contains("sha256"), "a photo was sent");

    // A file never approved: no approved copy, its own record and notice only.
    let fetched = f
        .central
        .fetch_file(&durres, other, "arta.kola", "duplicate check")
        .await
        .unwrap();
    assert_eq!(fetched.approved, None);
    assert_eq!(
        ids_of(&fetched.records),
        [other_record.to_string()].into_iter().collect()
    );
    assert_eq!(
        ids_of(&fetched.notices),
        [other_notice.to_string()].into_iter().collect()
    );
    // Each fetch logged, as before.
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM file_access")
        .fetch_one(f.central.pool())
        .await
        .unwrap();
    assert_eq!(logged, 2);
}

#[tokio::test]
async fn records_notices_and_photos_are_found_by_their_file_through_an_index() {
    let Some(f) = fixture().await else { return };
    let mut conn = PgConnection::connect_with(&f.admin).await.unwrap();
    // The tables are tiny here: forbid the scan so that the plan shows whether the index
    // can serve the predicates the fetch and the central deletion use.
    conn.execute("SET enable_seqscan = off").await.unwrap();
    for predicate in [
        "entity = 'file_record' AND document->>'file_id' = $1",
        "entity = 'rule_notice' AND document->>'file_id' = $1",
        "entity IN ('file_record', 'photo') AND document->>'file_id' = $1",
    ] {
        let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "EXPLAIN SELECT id FROM record WHERE {predicate}"
        )))
        .bind(Uuid::now_v7().to_string())
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert!(
            plan.iter().any(|l| l.contains("record_file_id")),
            "{predicate}: {plan:?}"
        );
    }
}
