//! Rule versions, records and notices on a real SQLCipher file with the real OS key store
//! (run through scripts/test.sh: dbus-run-session + gnome-keyring).

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use regjistri_domain::file::*;
use regjistri_domain::records::{PersonState, RecordData};
use regjistri_domain::rules::RuleValues;
use regjistri_store::*;
use uuid::Uuid;

fn keys() -> OsKeyStore {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need a Secret Service: run them through scripts/test.sh"
    );
    OsKeyStore::new()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn actor(user: &str) -> Actor {
    Actor {
        user: user.into(),
        station: "station-test".into(),
    }
}

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regjistri.db");
        Db { _dir: dir, path }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = OsKeyStore::new().delete(&key_account(&self.path).unwrap());
    }
}

fn data() -> FileData {
    FileData {
        identity: Identity {
            surname: "Provëzi".into(),
            given_name: "Arben".into(),
            father_name: "Gjon".into(),
            mother_name: String::new(),
            sex: Sex::M,
            date_of_birth: d(1970, 1, 2),
            place_of_birth: String::new(),
            nid: None,
            nid_check_overridden: false,
            citizenships: vec!["AL".into()],
            aliases: vec![],
        },
        description: Description::default(),
        convictions: vec![Conviction {
            id: Uuid::now_v7(),
            foreign: false,
            country: "AL".into(),
            court_code: Some("gj-berat".into()),
            court_name: String::new(),
            decision_number: "12".into(),
            decision_date: d(2020, 3, 1),
            final_date: d(2020, 3, 10),
            articles: vec!["100".into()],
            sentence_months: 12,
            sentence_text: String::new(),
            custody_from: None,
            release_date: None,
            recognition: String::new(),
            victim_age: None,
            victim_relationship: String::new(),
        }],
        addresses: vec![],
    }
}

fn create(store: &mut Store, approve: bool) -> Uuid {
    let id = new_id(now());
    let mut w = FileWrite {
        id,
        base_version: 0,
        status: FileStatus::Pending,
        owning_directorate: "dvp-berat".into(),
        data: data(),
        reason: None,
    };
    store.write_file(w.clone(), &actor("clerk"), now()).unwrap();
    if approve {
        w.base_version = 1;
        w.status = FileStatus::Approved;
        store.write_file(w, &actor("supervisor"), now()).unwrap();
    }
    id
}

fn change_log_entities(store: &Store) -> Vec<String> {
    let conn = store.connection_for_tests();
    let mut stmt = conn
        .prepare("SELECT entity FROM change_log ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_new_database_starts_with_the_provisional_rules() {
    let db = Db::new();
    let store = Store::open(&db.path, &keys(), now()).unwrap();
    let book = store.rule_book().unwrap();
    assert_eq!(book.versions().len(), 1);
    let v1 = &book.versions()[0];
    assert!(v1.provisional);
    assert_eq!(v1.values, RuleValues::provisional());
    // Versions are immutable.
    let conn = store.connection_for_tests();
    assert!(conn
        .execute("UPDATE rule_set SET note = 'x' WHERE version = 1", [])
        .is_err());
    assert!(conn.execute("DELETE FROM rule_set", []).is_err());
}

#[test]
fn records_are_logged_audited_and_only_ever_voided() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let file = create(&mut store, true);
    let record = store
        .add_record(
            file,
            RecordData::CheckIn {
                date: d(2026, 12, 1),
                officer: "Inspektor".into(),
                photo_id: None,
                no_photo_reason: Some("Kamera e prishur".into()),
                note: String::new(),
                photo_taken: None,
            },
            &actor("clerk"),
            now(),
        )
        .unwrap();
    assert_eq!(store.records(file).unwrap(), vec![record.clone()]);
    let voided = store
        .void_record(record.id, "wrong person", &actor("supervisor"), now())
        .unwrap();
    assert_eq!(voided.void.as_ref().unwrap().by, "supervisor");
    assert_eq!(store.file_record(record.id).unwrap(), voided);
    // Voiding twice is refused, and the database refuses edits and deletion outright.
    assert!(matches!(
        store.void_record(record.id, "again", &actor("supervisor"), now()),
        Err(StoreError::VersionConflict { .. })
    ));
    let conn = store.connection_for_tests();
    assert!(conn
        .execute("UPDATE file_record SET data = '{}'", [])
        .is_err());
    assert!(conn.execute("DELETE FROM file_record", []).is_err());
    assert!(conn
        .execute("UPDATE file_record SET void_reason = 'again'", [])
        .is_err());

    // A death is confirmed once; a record cannot be half-voided behind the store's back.
    let death = store
        .add_record(
            file,
            RecordData::StatusChange {
                state: PersonState::Deceased,
                effective: d(2026, 12, 1),
                reason: "certifikatë".into(),
            },
            &actor("clerk"),
            now(),
        )
        .unwrap();
    let confirmed = store
        .confirm_record(death.id, &actor("supervisor"), now())
        .unwrap();
    assert_eq!(confirmed.confirmation.as_ref().unwrap().by, "supervisor");
    assert!(store
        .confirm_record(death.id, &actor("supervisor-2"), now())
        .is_err());
    let conn = store.connection_for_tests();
    assert!(conn
        .execute(
            "UPDATE file_record SET void_reason = 'x' WHERE id = ?1",
            [death.id.to_string()]
        )
        .is_err());
    assert!(conn
        .execute(
            "UPDATE file_record SET confirmed_by = 'y', confirmed_at = 'z' WHERE id = ?1",
            [death.id.to_string()]
        )
        .is_err());
    // A record for a file that does not exist is refused.
    assert!(matches!(
        store.add_record(
            Uuid::now_v7(),
            RecordData::StatusChange {
                state: PersonState::Absconded,
                effective: d(2026, 12, 1),
                reason: "x".into()
            },
            &actor("clerk"),
            now()
        ),
        Err(StoreError::NotFound(_))
    ));
    let entities = change_log_entities(&store);
    assert_eq!(
        entities.iter().filter(|e| *e == "file_record").count(),
        4,
        "{entities:?}"
    );
    assert!(store.verify_audit().unwrap() >= 6);
}

#[test]
fn a_rule_version_leaves_notices_served_once() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let approved = create(&mut store, true);
    let pending = create(&mut store, false);
    // Only approved files are registered.
    let registered = store.registered_files(Some("dvp-berat")).unwrap();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].0.id, approved);
    assert!(store
        .registered_files(Some("dvp-tirane"))
        .unwrap()
        .is_empty());
    let _ = pending;

    let mut values = RuleValues::provisional();
    values.reporting_months.standard = 6;
    let set = store
        .add_rule_set(
            d(2027, 1, 1),
            &values,
            "test",
            &[approved],
            &actor("admin"),
            now(),
        )
        .unwrap();
    assert_eq!(set.version, 2);
    let book = store.rule_book().unwrap();
    assert_eq!(
        book.in_effect(d(2027, 1, 1))
            .values
            .reporting_months
            .standard,
        6
    );
    let notices = store.notices(approved).unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].served_on, None);
    let served = store
        .serve_notice(notices[0].id, d(2026, 12, 10), &actor("clerk"), now())
        .unwrap();
    assert_eq!(served.served_on, Some(d(2026, 12, 10)));
    assert!(store
        .serve_notice(notices[0].id, d(2026, 12, 11), &actor("clerk"), now())
        .is_err());
    let (_, _, notices) = &store.registered_files(None).unwrap()[0];
    assert_eq!(notices[0].served_by.as_deref(), Some("clerk"));
    let entities = change_log_entities(&store);
    assert!(entities.contains(&"rule_set".to_string()));
    assert_eq!(entities.iter().filter(|e| *e == "rule_notice").count(), 2);
    store.verify_audit().unwrap();
}
