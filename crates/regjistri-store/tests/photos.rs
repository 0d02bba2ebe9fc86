//! Photos on a real SQLCipher file with the real OS key store (run through
//! scripts/with-keyring.sh): stored encrypted, written like records (change log without the
//! bytes, audit event with ids only), never edited, voided once; pushed with their bytes and
//! taken from the server's feed.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use regjistri_domain::file::*;
use regjistri_domain::photo::{inspect, MediaType};
use regjistri_store::*;
use regjistri_sync::document::{decode_bytes, encode_bytes, PhotoDocument};
use regjistri_sync::protocol::{PullItem, PullPage, ENTITY_PHOTO};
use serde_json::{json, Value};
use uuid::Uuid;

fn keys() -> OsKeyStore {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need a Secret Service: run them through scripts/with-keyring.sh"
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

fn create(store: &mut Store) -> Uuid {
    let id = new_id(now());
    store
        .write_file(
            FileWrite {
                id,
                base_version: 0,
                status: FileStatus::Pending,
                owning_directorate: "dvp-berat".into(),
                data: data(),
                reason: None,
            },
            &actor("clerk"),
            now(),
        )
        .unwrap();
    id
}

/// A baseline JPEG whose comment segment holds `marker`: what must never be readable in the
/// database file.
fn jpeg_with(marker: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xFE];
    out.extend_from_slice(&u16::try_from(marker.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(marker);
    out.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x78, 0x00, 0x60, 0x01, 0x01, 0x11, 0x00,
    ]);
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    out.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    out
}

fn new_photo(file_id: Uuid, bytes: Vec<u8>) -> NewPhoto {
    let facts = inspect(&bytes).unwrap();
    NewPhoto {
        file_id,
        taken_on: d(2026, 12, 1),
        media_type: facts.media_type,
        width: facts.width,
        height: facts.height,
        bytes,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn raw_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

const MARKER: &[u8] = b"FOTO-SHENJE-7f3a9c-NUK-DUHET-TE-DUKET";

/// Every log line of this test binary (all its tests), kept to be searched.
static LOG_LINES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

struct CapturedLog;

impl log::Log for CapturedLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        LOG_LINES.lock().unwrap().push(format!(
            "{} {}: {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }

    fn flush(&self) {}
}

/// Installs [`CapturedLog`] for this test binary, at every level, once.
fn capture_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        log::set_logger(&CapturedLog).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

fn log_lines() -> Vec<String> {
    LOG_LINES.lock().unwrap().clone()
}

#[test]
fn a_photo_is_stored_encrypted_and_its_bytes_stay_out_of_the_logs() {
    capture_logs();
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let file = create(&mut store);
    let bytes = jpeg_with(MARKER);
    let photo = store
        .add_photo(new_photo(file, bytes.clone()), &actor("clerk"), now())
        .unwrap();
    assert_eq!(photo.media_type, MediaType::Jpeg);
    assert_eq!((photo.width, photo.height), (96, 120));
    assert_eq!(photo.taken_by, "clerk");
    assert_eq!(photo.byte_len as usize, bytes.len());
    assert_eq!(photo.sha256, regjistri_sync::document::sha256_hex(&bytes));
    assert_eq!(photo.id.get_version_num(), 7);
    // It reads back whole, and is the file's latest.
    let (again, back) = store.photo_bytes(photo.id).unwrap();
    assert_eq!((again, back), (photo.clone(), bytes.clone()));
    assert_eq!(store.latest_photo(file).unwrap(), Some(photo.clone()));
    assert_eq!(store.photos(file).unwrap(), vec![photo.clone()]);
    // The change log says what the photo is, not what it shows; the audit trail only ids.
    let conn = store.connection_for_tests();
    let (entity, diff): (String, String) = conn
        .query_row(
            "SELECT entity, diff FROM change_log WHERE entity_id = ?1",
            [photo.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(entity, ENTITY_PHOTO);
    assert!(
        diff.contains(&photo.sha256) && !diff.contains("\"data\""),
        "{diff}"
    );
    let event: (String, String, String) = conn
        .query_row(
            "SELECT action, object_id, outcome FROM audit_event ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        event,
        (
            "photo.add".into(),
            file.to_string(),
            format!("ok photo={}", photo.id)
        )
    );
    // Nothing of the image is readable in the database file or its WAL, open or closed.
    let dir = db.path.parent().unwrap().to_path_buf();
    let encoded = encode_bytes(&bytes);
    let check = |when: &str| {
        for (path, raw) in raw_files(&dir) {
            for needle in [MARKER, &bytes[..24], encoded.as_bytes()] {
                assert!(
                    !contains(&raw, needle),
                    "photo bytes readable in {} ({when})",
                    path.display()
                );
            }
        }
    };
    check("open");

    // Pushed with its bytes, and a copy from the feed whose bytes are not what it says (it
    // is skipped, and that is logged): the log names ids, never a byte of an image.
    let pending = store.sync_pending(100).unwrap();
    assert!(pending
        .iter()
        .any(|m| m.diff.iter().any(|c| c.new == json!(encoded))));
    let forged_bytes = jpeg_with(b"FALSIFIKUAR-SHENJE-NUK-DUHET-TE-DUKET");
    let mut forged = serde_json::to_value(PhotoDocument {
        photo: photo.clone(),
        data: encode_bytes(&forged_bytes),
    })
    .unwrap();
    let forged_id = Uuid::now_v7();
    forged["id"] = json!(forged_id.to_string());
    let page = PullPage {
        items: vec![PullItem::Photo {
            seq: 3,
            id: forged_id,
            version: 3,
            document: forged,
        }],
        next_cursor: 3,
        more: false,
        remaining: None,
    };
    assert_eq!(
        store
            .sync_apply_page(&page, &actor("system:sync"), now())
            .unwrap(),
        0
    );
    drop(store);
    check("closed");
    let lines = log_lines();
    assert!(
        lines.iter().any(|l| l.contains(&forged_id.to_string())),
        "the skipped copy is logged by its id: {lines:?}"
    );
    let forged_encoded = encode_bytes(&forged_bytes);
    for line in &lines {
        for needle in [
            std::str::from_utf8(MARKER).unwrap(),
            "FALSIFIKUAR-SHENJE",
            encoded.as_str(),
            forged_encoded.as_str(),
            &encoded[..32],
            &forged_encoded[..32],
        ] {
            assert!(!line.contains(needle), "photo bytes in the log: {line}");
        }
    }
}

#[test]
fn a_photo_never_changes_and_is_voided_once() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let file = create(&mut store);
    let older = store
        .add_photo(
            new_photo(file, regjistri_demo::photos::avatar(1)),
            &actor("clerk"),
            now(),
        )
        .unwrap();
    let mut later = new_photo(file, regjistri_demo::photos::avatar(2));
    later.taken_on = d(2026, 12, 2);
    let later = store.add_photo(later, &actor("clerk"), now()).unwrap();
    assert_eq!(
        store.latest_photo(file).unwrap().map(|p| p.id),
        Some(later.id)
    );
    {
        let conn = store.connection_for_tests();
        for sql in [
            "UPDATE photo SET bytes = x'00'",
            "UPDATE photo SET taken_on = '2020-01-01'",
            "UPDATE photo SET sha256 = 'x'",
            "UPDATE photo SET file_id = 'other'",
            "DELETE FROM photo",
        ] {
            assert!(conn.execute(sql, []).is_err(), "{sql} must be refused");
        }
    }
    let voided = store
        .void_photo(later.id, "wrong person", &actor("supervisor"), now())
        .unwrap();
    assert_eq!(
        voided.void.as_ref().map(|v| v.reason.as_str()),
        Some("wrong person")
    );
    // Voided: still listed, marked; no longer the latest.
    assert_eq!(
        store.photos(file).unwrap(),
        vec![voided.clone(), older.clone()]
    );
    assert_eq!(
        store.latest_photo(file).unwrap().map(|p| p.id),
        Some(older.id)
    );
    assert!(matches!(
        store.void_photo(later.id, "again", &actor("supervisor"), now()),
        Err(StoreError::VersionConflict { .. })
    ));
    let conn = store.connection_for_tests();
    assert!(conn
        .execute(
            "UPDATE photo SET void_reason = 'other' WHERE void_reason IS NOT NULL",
            []
        )
        .is_err());
    // A photo of a file that does not exist is refused.
    assert!(matches!(
        store.add_photo(
            new_photo(Uuid::now_v7(), regjistri_demo::photos::avatar(3)),
            &actor("clerk"),
            now()
        ),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn a_photo_is_pushed_with_its_bytes_and_taken_from_the_feed() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let file = create(&mut store);
    let bytes = regjistri_demo::photos::avatar(4);
    let photo = store
        .add_photo(new_photo(file, bytes.clone()), &actor("clerk"), now())
        .unwrap();
    store
        .void_photo(photo.id, "blurred", &actor("supervisor"), now())
        .unwrap();
    let pending = store.sync_pending(100).unwrap();
    let photos: Vec<_> = pending
        .iter()
        .filter(|m| m.entity == ENTITY_PHOTO)
        .collect();
    assert_eq!(photos.len(), 2);
    // The creation carries the bytes; the void only its own fields.
    let data = photos[0].diff.iter().find(|c| c.path == "data").unwrap();
    assert_eq!(decode_bytes(data.new.as_str().unwrap()).unwrap(), bytes);
    let mut built = Value::Null;
    for c in &photos[0].diff {
        regjistri_sync::document::apply(&mut built, &c.path, &c.new).unwrap();
    }
    let (doc, _) = PhotoDocument::parse(&built).unwrap();
    assert_eq!(doc.photo, photo);
    assert!(photos[1].diff.iter().all(|c| c.path.starts_with("void")));

    // Another station's photo, from the feed: inserted with its bytes, once.
    let other_bytes = regjistri_demo::photos::avatar(5);
    let facts = inspect(&other_bytes).unwrap();
    let other = regjistri_domain::photo::Photo {
        id: new_id(now()),
        file_id: file,
        taken_on: d(2026, 11, 20),
        taken_by: "clerk.b".into(),
        media_type: facts.media_type,
        byte_len: other_bytes.len() as u32,
        width: facts.width,
        height: facts.height,
        sha256: regjistri_sync::document::sha256_hex(&other_bytes),
        recorded_at: now(),
        void: None,
    };
    let document = serde_json::to_value(PhotoDocument {
        photo: other.clone(),
        data: encode_bytes(&other_bytes),
    })
    .unwrap();
    let item = |version: i64, document: Value| PullItem::Photo {
        seq: version,
        id: other.id,
        version,
        document,
    };
    let page = |items: Vec<PullItem>, cursor: i64| PullPage {
        items,
        next_cursor: cursor,
        more: false,
        remaining: None,
    };
    assert_eq!(
        store
            .sync_apply_page(
                &page(vec![item(5, document.clone())], 5),
                &actor("system:sync"),
                now()
            )
            .unwrap(),
        1
    );
    assert_eq!(
        store.photo_bytes(other.id).unwrap(),
        (other.clone(), other_bytes.clone())
    );
    assert_eq!(
        store
            .sync_apply_page(
                &page(vec![item(5, document.clone())], 5),
                &actor("system:sync"),
                now()
            )
            .unwrap(),
        0
    );
    // Later voided at the other station: the void comes down, the rest stays.
    let mut voided = document.clone();
    voided["void"] =
        json!({"reason": "wrong day", "by": "supervisor.b", "at": "2026-12-03T09:00:00Z"});
    store
        .sync_apply_page(
            &page(vec![item(9, voided)], 9),
            &actor("system:sync"),
            now(),
        )
        .unwrap();
    assert_eq!(
        store.photo(other.id).unwrap().void.map(|v| v.reason),
        Some("wrong day".to_string())
    );
    // A document whose bytes are not what it says is skipped, and the pull goes on.
    let mut forged = document.clone();
    forged["id"] = json!(Uuid::now_v7().to_string());
    forged["data"] = json!(encode_bytes(&regjistri_demo::photos::avatar(6)));
    let forged_id = Uuid::parse_str(forged["id"].as_str().unwrap()).unwrap();
    let changed = store
        .sync_apply_page(
            &page(
                vec![PullItem::Photo {
                    seq: 10,
                    id: forged_id,
                    version: 10,
                    document: forged,
                }],
                10,
            ),
            &actor("system:sync"),
            now(),
        )
        .unwrap();
    assert_eq!(changed, 0);
    assert!(matches!(
        store.photo(forged_id),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.sync_cursor().unwrap(), 10);
}

#[test]
fn pending_photos_are_read_a_few_megabytes_at_a_time() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let file = create(&mut store);
    // Twelve photos of 500 KB (the store takes what the application layer checked).
    for i in 0..12u8 {
        let mut bytes = jpeg_with(&[i; 16]);
        bytes.resize(500 * 1024, i);
        let new = NewPhoto {
            file_id: file,
            taken_on: d(2026, 12, 1),
            media_type: MediaType::Jpeg,
            width: 96,
            height: 120,
            bytes,
        };
        store.add_photo(new, &actor("clerk"), now()).unwrap();
    }
    let pending = store.sync_pending(1000).unwrap();
    let photos = pending.iter().filter(|m| m.entity == ENTITY_PHOTO).count();
    assert!(photos > 0 && photos < 12, "{photos} photos in one read");
    let carried: usize = pending
        .iter()
        .flat_map(|m| &m.diff)
        .filter(|c| c.path == "data")
        .map(|c| decode_bytes(c.new.as_str().unwrap()).unwrap().len())
        .sum();
    assert!(
        carried <= 4 * 1024 * 1024 + 500 * 1024,
        "{carried} bytes read at once"
    );
    // The file's creation came first, in order.
    assert_eq!(pending[0].entity, "offender_file");
}

/// The photo's document as the server sends it, with `void` set as given.
fn server_document(photo: &regjistri_domain::photo::Photo, bytes: &[u8], void: Value) -> Value {
    let mut document = serde_json::to_value(PhotoDocument {
        photo: photo.clone(),
        data: encode_bytes(bytes),
    })
    .unwrap();
    document["void"] = void;
    document
}

fn photo_page(id: Uuid, version: i64, document: Value) -> PullPage {
    PullPage {
        items: vec![PullItem::Photo {
            seq: version,
            id,
            version,
            document,
        }],
        next_cursor: version,
        more: false,
        remaining: None,
    }
}

fn void_of(store: &Store, id: Uuid) -> Option<(String, String)> {
    store.photo(id).unwrap().void.map(|v| (v.reason, v.by))
}

#[test]
fn a_void_set_here_gives_way_only_to_the_servers_once_answered() {
    use regjistri_sync::protocol::{MutationResult, Outcome, WireError};
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let file = create(&mut store);
    let bytes = regjistri_demo::photos::avatar(7);
    let photo = store
        .add_photo(new_photo(file, bytes.clone()), &actor("clerk"), now())
        .unwrap();
    store
        .void_photo(photo.id, "blurred", &actor("supervisor.b"), now())
        .unwrap();
    let servers =
        json!({"reason": "wrong day", "by": "supervisor.a", "at": "2026-12-03T09:00:00Z"});
    let sync = actor("system:sync");

    // While this station's void waits for the server's answer, it stays.
    store
        .sync_apply_page(
            &photo_page(
                photo.id,
                5,
                server_document(&photo, &bytes, servers.clone()),
            ),
            &sync,
            now(),
        )
        .unwrap();
    assert_eq!(
        void_of(&store, photo.id),
        Some(("blurred".into(), "supervisor.b".into()))
    );

    // The server took the photo and refused the second void: the server's void replaces
    // this station's with the next page, and the copies hash alike.
    let pending = store.sync_pending(100).unwrap();
    let results: Vec<MutationResult> = pending
        .iter()
        .map(|m| {
            let void = m.diff.iter().all(|c| c.path.starts_with("void"));
            MutationResult {
                mutation_id: m.mutation_id,
                outcome: if void {
                    Outcome::Rejected
                } else {
                    Outcome::Applied
                },
                version: None,
                conflict: None,
                error: void.then(|| WireError::new("photo_changed", "x", "x")),
            }
        })
        .collect();
    store.sync_record_results(&results, &sync, now()).unwrap();
    assert_eq!(store.sync_counts().unwrap().pending, 0);
    store
        .sync_apply_page(
            &photo_page(
                photo.id,
                6,
                server_document(&photo, &bytes, servers.clone()),
            ),
            &sync,
            now(),
        )
        .unwrap();
    assert_eq!(
        void_of(&store, photo.id),
        Some(("wrong day".into(), "supervisor.a".into()))
    );
    let mut expected = photo.clone();
    expected.void = Some(regjistri_domain::records::Void {
        reason: "wrong day".into(),
        by: "supervisor.a".into(),
        at: Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap(),
    });
    assert_eq!(store.photo(photo.id).unwrap(), expected);
    // A void the server no longer holds (this station's, refused) goes too.
    store
        .sync_apply_page(
            &photo_page(photo.id, 7, server_document(&photo, &bytes, Value::Null)),
            &sync,
            now(),
        )
        .unwrap();
    assert_eq!(void_of(&store, photo.id), None);
    store
        .sync_apply_page(
            &photo_page(
                photo.id,
                8,
                server_document(&photo, &bytes, servers.clone()),
            ),
            &sync,
            now(),
        )
        .unwrap();

    // Outside the pull a void, once set, still never changes, and naming another void
    // than the one written lets nothing through.
    let conn = store.connection_for_tests();
    let guards: i64 = conn
        .query_row("SELECT count(*) FROM value_from_server", [], |r| r.get(0))
        .unwrap();
    assert_eq!(guards, 0, "the pull leaves no void named");
    for sql in [
        "UPDATE photo SET void_reason = 'other'",
        "UPDATE photo SET void_reason = NULL, voided_by = NULL, voided_at = NULL",
        "UPDATE photo SET voided_by = 'someone'",
    ] {
        assert!(conn.execute(sql, []).is_err(), "{sql} must be refused");
    }
    // Named for another table, the photo's own void lets nothing through.
    let name = |table: &str| {
        conn.execute(
            "INSERT INTO value_from_server (table_name, id, value)
             VALUES (?1, ?2, json_array('named', 'supervisor.a', '2026-12-03T09:00:00.000000Z'))",
            [table, photo.id.to_string().as_str()],
        )
        .unwrap()
    };
    let named_void = "UPDATE photo SET void_reason = 'named' WHERE id = ?1";
    name("file_record");
    assert!(conn.execute(named_void, [photo.id.to_string()]).is_err());
    name("photo");
    assert!(conn
        .execute(
            "UPDATE photo SET void_reason = 'another' WHERE id = ?1",
            [photo.id.to_string()]
        )
        .is_err());
    assert!(conn
        .execute(
            "UPDATE photo SET bytes = x'00', void_reason = 'named' WHERE id = ?1",
            [photo.id.to_string()]
        )
        .is_err());
}

#[test]
fn a_void_that_cannot_be_read_skips_its_photo_and_the_pull_goes_on() {
    let db = Db::new();
    let mut store = Store::open(&db.path, &keys(), now()).unwrap();
    let file = create(&mut store);
    let bytes = regjistri_demo::photos::avatar(8);
    let photo = store
        .add_photo(new_photo(file, bytes.clone()), &actor("clerk"), now())
        .unwrap();
    let other_bytes = regjistri_demo::photos::avatar(9);
    let facts = inspect(&other_bytes).unwrap();
    let other = regjistri_domain::photo::Photo {
        id: new_id(now()),
        file_id: file,
        taken_on: d(2026, 11, 20),
        taken_by: "clerk.b".into(),
        media_type: facts.media_type,
        byte_len: other_bytes.len() as u32,
        width: facts.width,
        height: facts.height,
        sha256: regjistri_sync::document::sha256_hex(&other_bytes),
        recorded_at: now(),
        void: None,
    };
    for bad in [
        json!({"reason": "wrong day"}),
        json!("voided"),
        json!({"reason": "wrong day", "by": "supervisor.a", "at": "yesterday"}),
    ] {
        let page = PullPage {
            items: vec![
                PullItem::Photo {
                    seq: 4,
                    id: photo.id,
                    version: 4,
                    document: server_document(&photo, &bytes, bad.clone()),
                },
                PullItem::Photo {
                    seq: 5,
                    id: other.id,
                    version: 5,
                    document: server_document(&other, &other_bytes, Value::Null),
                },
            ],
            next_cursor: 5,
            more: false,
            remaining: None,
        };
        let changed = store
            .sync_apply_page(&page, &actor("system:sync"), now())
            .unwrap_or_else(|e| panic!("{bad}: {e}"));
        assert!(changed <= 1, "{bad}: {changed}");
        assert_eq!(void_of(&store, photo.id), None, "{bad}");
        assert_eq!(store.photo(other.id).unwrap(), other);
        assert_eq!(store.sync_cursor().unwrap(), 5);
    }
}
