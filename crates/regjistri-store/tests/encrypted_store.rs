//! The encrypted store on real SQLCipher files with the real OS key store (Secret Service,
//! gnome-keyring under dbus-run-session, as scripts/test.sh starts it).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use regjistri_domain::file::*;
use regjistri_store::*;
use uuid::Uuid;

fn keys() -> OsKeyStore {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need a Secret Service: run them through scripts/test.sh (dbus-run-session + gnome-keyring)"
    );
    OsKeyStore::new()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap()
}

fn actor() -> Actor {
    Actor {
        user: "clerk-1".into(),
        station: "station-test".into(),
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const MARKER: &str = "Zyrafëqeni";

fn person(surname: &str) -> FileData {
    FileData {
        identity: Identity {
            surname: surname.into(),
            given_name: "Ilirjan".into(),
            father_name: "Pëllumb".into(),
            mother_name: "Vera".into(),
            sex: Sex::M,
            date_of_birth: d(1970, 1, 2),
            place_of_birth: "Berat".into(),
            nid: Some("H00102123A".into()),
            nid_check_overridden: false,
            citizenships: vec!["AL".into()],
            aliases: vec![],
        },
        description: Description::default(),
        convictions: vec![],
        addresses: vec![Address {
            id: Uuid::now_v7(),
            kind: AddressKind::Residence,
            municipality_code: "berat".into(),
            street: "Rruga Antipatrea 3".into(),
            from: d(2020, 1, 1),
            to: None,
        }],
    }
}

fn write_new(store: &mut Store, data: FileData) -> Written {
    store
        .write_file(
            FileWrite {
                id: new_id(now()),
                base_version: 0,
                status: FileStatus::Pending,
                owning_directorate: "dvp-berat".into(),
                data,
                reason: None,
            },
            &actor(),
            now(),
        )
        .unwrap()
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

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn creates_then_reopens_with_the_key_from_the_key_store() {
    let db = Db::new();
    let keys = keys();
    let mut store = Store::open(&db.path, &keys, now()).unwrap();
    assert!(store.was_created());
    assert_eq!(store.reference().municipalities.len(), 61);
    let w = write_new(&mut store, person("Hoxha"));
    drop(store);
    let store = Store::open(&db.path, &keys, now()).unwrap();
    assert!(!store.was_created());
    assert_eq!(store.file(w.id).unwrap().data.identity.surname, "Hoxha");
    assert!(keys.get(&key_account(&db.path).unwrap()).unwrap().is_some());
}

#[test]
fn no_personal_value_in_plaintext_in_the_database_or_its_wal() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    for _ in 0..50 {
        write_new(&mut store, person(MARKER));
    }
    let dir = db.path.parent().unwrap();
    let check = |when: &str| {
        let files = files_in(dir);
        assert!(!files.is_empty());
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            for needle in [
                MARKER,
                "Zyrafeqeni",
                "zyrafeqeni",
                "Ilirjan",
                "Rruga Antipatrea",
                "H00102123A",
            ] {
                assert!(
                    !contains(&bytes, needle.as_bytes()),
                    "{needle} in plaintext in {} ({when})",
                    f.display()
                );
            }
        }
    };
    // While open, the WAL holds the latest pages.
    assert!(
        dir.join("regjistri.db-wal").exists(),
        "WAL expected while open"
    );
    check("open");
    drop(store);
    check("closed");
}

#[test]
fn a_wrong_key_is_refused_and_the_file_stays_byte_identical() {
    let a = Db::new();
    let b = Db::new();
    let keys = keys();
    let mut store = Store::open(&a.path, &keys, now()).unwrap();
    write_new(&mut store, person("Leka"));
    drop(store);
    drop(Store::open(&b.path, &keys, now()).unwrap());
    // Put database A where B's key is expected.
    std::fs::copy(&a.path, &b.path).unwrap();
    let before = std::fs::read(&b.path).unwrap();
    let err = Store::open(&b.path, &keys, now()).err().expect("refused");
    assert_eq!(err.code(), "wrong_key", "{err}");
    assert_eq!(
        std::fs::read(&b.path).unwrap(),
        before,
        "file changed by a refused open"
    );
    assert!(
        !b.path.with_file_name("regjistri.db-wal").exists()
            || std::fs::metadata(b.path.with_file_name("regjistri.db-wal"))
                .unwrap()
                .len()
                == 0
    );
}

#[test]
fn a_plain_sqlite_file_is_refused_and_untouched() {
    let db = Db::new();
    {
        let conn = rusqlite::Connection::open(&db.path).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&db.path).unwrap();
    assert!(before.starts_with(b"SQLite format 3\0"));
    let keys = keys();
    let err = Store::open(&db.path, &keys, now()).err().expect("refused");
    assert_eq!(err.code(), "plain_database");
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
    assert!(
        keys.get(&key_account(&db.path).unwrap()).unwrap().is_none(),
        "no key made for a refused file"
    );
}

#[test]
fn a_database_without_its_key_and_a_key_without_its_database_are_refused() {
    let db = Db::new();
    let keys = keys();
    drop(Store::open(&db.path, &keys, now()).unwrap());
    let account = key_account(&db.path).unwrap();

    // Key gone: the database is refused, not replaced.
    let saved = keys.get(&account).unwrap().unwrap();
    keys.delete(&account).unwrap();
    let before = std::fs::read(&db.path).unwrap();
    assert_eq!(
        Store::open(&db.path, &keys, now()).err().unwrap().code(),
        "database_without_key"
    );
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
    assert!(keys.get(&account).unwrap().is_none(), "no new key made");

    // Database gone but key present: refused, nothing created.
    keys.set(&account, &saved).unwrap();
    std::fs::remove_file(&db.path).unwrap();
    assert_eq!(
        Store::open(&db.path, &keys, now()).err().unwrap().code(),
        "key_without_database"
    );
    assert!(!db.path.exists());
}

#[test]
fn an_empty_file_is_refused_as_damaged() {
    let db = Db::new();
    std::fs::write(&db.path, b"").unwrap();
    assert_eq!(
        Store::open(&db.path, &keys(), now()).err().unwrap().code(),
        "database_damaged"
    );
    assert_eq!(std::fs::read(&db.path).unwrap(), b"");
}

#[test]
fn every_write_logs_a_change_and_an_audit_event_in_the_same_transaction() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let w = write_new(&mut store, person("Marku"));
    assert_eq!(w.version, 1);
    let mutation = w.mutation_id.unwrap();
    assert_eq!(mutation.get_version_num(), 7);
    assert_eq!(w.id.get_version_num(), 7);

    let mut changed = person("Markaj");
    changed.addresses = store.file(w.id).unwrap().data.addresses;
    let later = now() + chrono::Duration::minutes(5);
    let w2 = store
        .write_file(
            FileWrite {
                id: w.id,
                base_version: 1,
                status: FileStatus::Pending,
                owning_directorate: "dvp-berat".into(),
                data: changed.clone(),
                reason: None,
            },
            &actor(),
            later,
        )
        .unwrap();
    assert_eq!(w2.version, 2);

    let history = store.history(w.id).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].base_version, 1);
    assert_eq!(history[1].changes.len(), 1);
    assert_eq!(history[1].changes[0].path, "data.identity.surname");
    assert_eq!(history[1].changes[0].old, serde_json::json!("Marku"));

    // A stale base version is refused and writes nothing.
    let stale = store.write_file(
        FileWrite {
            id: w.id,
            base_version: 1,
            status: FileStatus::Pending,
            owning_directorate: "dvp-berat".into(),
            data: person("Other"),
            reason: None,
        },
        &actor(),
        later,
    );
    assert_eq!(stale.err().unwrap().code(), "version_conflict");
    assert_eq!(store.history(w.id).unwrap().len(), 2);

    // Writing the same content again changes nothing and logs nothing.
    let same = store
        .write_file(
            FileWrite {
                id: w.id,
                base_version: 2,
                status: FileStatus::Pending,
                owning_directorate: "dvp-berat".into(),
                data: changed,
                reason: None,
            },
            &actor(),
            later,
        )
        .unwrap();
    assert_eq!((same.version, same.mutation_id), (2, None));

    let events = store.audit_events(0, 100).unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["file.create", "file.update"]
    );
    assert!(events
        .iter()
        .all(|e| e.object_id == w.id.to_string() && e.actor == "clerk-1"));
    assert_eq!(store.verify_audit().unwrap(), 2);
}

#[test]
fn audit_events_cannot_be_changed_and_tampering_is_detected() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    for _ in 0..3 {
        write_new(&mut store, person("Basha"));
    }
    let conn = store.connection_for_tests();
    assert!(conn
        .execute("UPDATE audit_event SET outcome = 'x' WHERE seq = 2", [])
        .is_err());
    assert!(conn
        .execute("DELETE FROM audit_event WHERE seq = 2", [])
        .is_err());
    assert!(conn.execute("DELETE FROM change_log", []).is_err());
    // Someone with the key who drops the trigger still cannot hide a change.
    conn.execute_batch("DROP TRIGGER audit_event_no_update")
        .unwrap();
    conn.execute("UPDATE audit_event SET actor = 'clerk-2' WHERE seq = 2", [])
        .unwrap();
    match store.verify_audit() {
        Err(StoreError::AuditChainBroken { seq }) => assert_eq!(seq, 2),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn a_second_process_sees_writes_at_its_next_search() {
    let db = Db::new();
    let keys = keys();
    let mut app = Store::open(&db.path, &keys, now()).unwrap();
    let mut cli = Store::open(&db.path, &keys, now()).unwrap();
    let tokens = regjistri_domain::names::query_tokens("gjoni");
    assert_eq!(app.search_names(&tokens, None, 0, 10).unwrap().0, 0);
    write_new(&mut cli, person("Gjoni"));
    assert_eq!(app.search_names(&tokens, None, 0, 10).unwrap().0, 1);
}

#[test]
fn approval_keeps_the_approved_version_and_names_the_authors() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let w = write_new(&mut store, person("Dervishi"));
    let supervisor = Actor {
        user: "supervisor-1".into(),
        station: "station-test".into(),
    };
    let file = store.file(w.id).unwrap();
    let write = |status: FileStatus, base: i64, data: FileData, reason: Option<String>| FileWrite {
        id: w.id,
        base_version: base,
        status,
        owning_directorate: "dvp-berat".into(),
        data,
        reason,
    };
    assert_eq!(
        store.authors_since_approval(w.id).unwrap(),
        vec!["clerk-1".to_string()]
    );
    assert!(store.approved_version(w.id).unwrap().is_none());
    assert_eq!(store.awaiting_approval("dvp-berat").unwrap().len(), 1);

    let r = store
        .write_file(
            write(
                FileStatus::Returned,
                1,
                file.data.clone(),
                Some("NID missing".into()),
            ),
            &supervisor,
            now(),
        )
        .unwrap();
    let a = store
        .write_file(
            write(FileStatus::Approved, r.version, file.data.clone(), None),
            &supervisor,
            now(),
        )
        .unwrap();
    let approved = store.approved_version(w.id).unwrap().unwrap();
    assert_eq!(
        (approved.version, approved.approved_by.as_str()),
        (a.version, "supervisor-1")
    );
    assert!(store.authors_since_approval(w.id).unwrap().is_empty());
    assert!(store.awaiting_approval("dvp-berat").unwrap().is_empty());

    let history = store.history(w.id).unwrap();
    let actions: Vec<_> = history.iter().map(|c| c.action).collect();
    assert_eq!(
        actions,
        vec![
            ChangeAction::Create,
            ChangeAction::Return,
            ChangeAction::Approve
        ]
    );
    assert_eq!(history[1].reason.as_deref(), Some("NID missing"));
    let events: Vec<_> = store
        .audit_events(0, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(events, vec!["file.create", "file.return", "file.approve"]);
    let conn = store.connection_for_tests();
    assert!(conn
        .execute("UPDATE approved_version SET data = '{}'", [])
        .is_err());
    assert!(conn.execute("DELETE FROM approved_version", []).is_err());
}

#[test]
fn changing_any_byte_of_any_stored_audit_event_is_detected() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    for _ in 0..3 {
        write_new(&mut store, person("Prifti"));
    }
    assert_eq!(store.verify_audit().unwrap(), 3);
    let columns = [
        "id",
        "at",
        "actor",
        "station",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "prev_hash",
        "hash",
    ];
    let conn = store.connection_for_tests();
    conn.execute_batch("DROP TRIGGER audit_event_no_update")
        .unwrap();
    for seq in 1..=3i64 {
        for column in columns {
            let original: String = conn
                .query_row(
                    &format!("SELECT {column} FROM audit_event WHERE seq = ?1"),
                    [seq],
                    |r| r.get(0),
                )
                .unwrap();
            for position in [0, original.len() / 2, original.len() - 1] {
                let mut bytes = original.clone().into_bytes();
                // Flip one bit of one ASCII byte (all stored values here are ASCII).
                bytes[position] ^= 0x01;
                let tampered = String::from_utf8(bytes).unwrap();
                conn.execute(
                    &format!("UPDATE audit_event SET {column} = ?1 WHERE seq = ?2"),
                    rusqlite::params![tampered, seq],
                )
                .unwrap();
                match store.verify_audit() {
                    Err(StoreError::AuditChainBroken { seq: broken }) => {
                        assert_eq!(broken, seq, "{column}[{position}] of event {seq}")
                    }
                    other => panic!("{column}[{position}] of event {seq} not detected: {other:?}"),
                }
                conn.execute(
                    &format!("UPDATE audit_event SET {column} = ?1 WHERE seq = ?2"),
                    rusqlite::params![original, seq],
                )
                .unwrap();
            }
        }
    }
    assert_eq!(store.verify_audit().unwrap(), 3);
}
