//! The station's side of synchronisation on a real SQLCipher file and the real key store,
//! with feed pages made by hand: what the server would send, including what it sends rarely
//! (re-snapshots, files moving between directorates, records voided twice).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use regjistri_domain::file::*;
use regjistri_store::*;
use regjistri_sync::audit_chain::{continue_chain, GENESIS};
use regjistri_sync::protocol::{ApprovedCopy, IndexEntry, IndexKey, PullItem, PullPage};
use serde_json::{json, Value};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap()
}

fn actor() -> Actor {
    Actor {
        user: "system:sync".into(),
        station: "st-tr-01".into(),
    }
}

struct Db {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Db {
    fn new() -> Db {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "these tests need a Secret Service: run them through scripts/with-keyring.sh"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        Db { _dir: dir, path }
    }

    fn open(&self) -> Store {
        Store::open(&self.path, &OsKeyStore::new(), now()).unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = OsKeyStore::new().delete(&key_account(&self.path).unwrap());
    }
}

fn data(surname: &str, marks: &str) -> FileData {
    FileData {
        identity: Identity {
            surname: surname.into(),
            given_name: "Ilirjan".into(),
            father_name: "Pëllumb".into(),
            mother_name: "Vera".into(),
            sex: Sex::M,
            date_of_birth: NaiveDate::from_ymd_opt(1970, 1, 2).unwrap(),
            place_of_birth: "Berat".into(),
            nid: Some("H00102123A".into()),
            nid_check_overridden: false,
            citizenships: vec!["AL".into()],
            aliases: vec![],
        },
        description: Description {
            marks: marks.into(),
            ..Description::default()
        },
        convictions: vec![],
        addresses: vec![],
    }
}

fn doc(status: &str, d: &FileData) -> Value {
    json!({"status": status, "owning_directorate": "dvp-tirane", "data": d})
}

fn file_item(id: Uuid, version: i64, status: &str, d: &FileData) -> PullItem {
    PullItem::File {
        seq: version,
        id,
        version,
        document: doc(status, d),
        approved: None,
        updated_by: Some("arta.kola".into()),
        authors: vec![],
    }
}

fn approved_item(
    id: Uuid,
    version: i64,
    status: &str,
    d: &FileData,
    approved: &FileData,
) -> PullItem {
    PullItem::File {
        seq: version,
        id,
        version,
        document: doc(status, d),
        approved: Some(ApprovedCopy {
            data: serde_json::to_value(approved).unwrap(),
            by: "drita.supervisor".into(),
            at: now(),
            first_at: Utc.with_ymd_and_hms(2025, 1, 10, 9, 0, 0).unwrap(),
        }),
        updated_by: Some("arta.kola".into()),
        authors: vec!["arta.kola".into()],
    }
}

fn index_item(id: Uuid, version: i64, key: &str) -> PullItem {
    PullItem::Index {
        seq: version,
        id,
        version,
        entry: IndexEntry {
            owning_directorate: "dvp-durres".into(),
            status: "approved".into(),
            nid: None,
            date_of_birth: NaiveDate::from_ymd_opt(1980, 5, 6).unwrap(),
            keys: vec![IndexKey {
                key: key.into(),
                kind: 0,
                rank: 0,
            }],
        },
    }
}

fn page(items: Vec<PullItem>, more: bool) -> PullPage {
    let next_cursor = items.iter().map(PullItem::seq).max().unwrap_or(0);
    PullPage {
        items,
        next_cursor,
        more,
        remaining: None,
    }
}

#[test]
fn a_page_applied_twice_changes_nothing_and_never_goes_back_up() {
    let db = Db::new();
    let mut s = db.open();
    let id = Uuid::now_v7();
    let p = page(vec![file_item(id, 5, "pending", &data("Hoxha", ""))], false);
    assert_eq!(s.sync_apply_page(&p, &actor(), now()).unwrap(), 1);
    assert_eq!(s.sync_cursor().unwrap(), 5);
    assert_eq!(s.server_version(id).unwrap(), Some(5));
    assert_eq!(s.sync_apply_page(&p, &actor(), now()).unwrap(), 0);
    assert_eq!(s.history(id).unwrap().len(), 1);
    // What came from the server is history, never something to push.
    assert!(s.sync_pending(100).unwrap().is_empty());
    assert_eq!(s.sync_counts().unwrap().pending, 0);
    assert_eq!(s.file(id).unwrap().data.identity.surname, "Hoxha");
}

#[test]
fn changes_not_yet_pushed_stay_on_top_of_the_servers_copy() {
    let db = Db::new();
    let mut s = db.open();
    let id = Uuid::now_v7();
    s.sync_apply_page(
        &page(vec![file_item(id, 5, "pending", &data("Hoxha", ""))], false),
        &actor(),
        now(),
    )
    .unwrap();
    // An officer edits here; meanwhile another station changed the surname.
    let clerk = Actor {
        user: "arta.kola".into(),
        station: "st-tr-01".into(),
    };
    let local = s.file(id).unwrap();
    s.write_file(
        FileWrite {
            id,
            base_version: local.version,
            status: FileStatus::Pending,
            owning_directorate: "dvp-tirane".into(),
            data: data("Hoxha", "Plagë"),
            reason: None,
        },
        &clerk,
        now(),
    )
    .unwrap();
    let pending = s.sync_pending(100).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].base_version, 5,
        "made against the server's version 5"
    );
    s.sync_apply_page(
        &page(
            vec![file_item(id, 8, "pending", &data("Hoxhaj", ""))],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    let f = s.file(id).unwrap();
    assert_eq!(f.data.identity.surname, "Hoxhaj", "the server's change");
    assert_eq!(
        f.data.description.marks, "Plagë",
        "and the one not pushed yet"
    );
    assert_eq!(
        s.sync_pending(100).unwrap(),
        pending,
        "still to be pushed, as made"
    );
}

#[test]
fn an_approved_copy_stands_here_and_an_unpushed_edit_makes_it_an_amendment() {
    let db = Db::new();
    let mut s = db.open();
    let id = Uuid::now_v7();
    let approved = data("Hoxha", "");
    s.sync_apply_page(
        &page(
            vec![approved_item(id, 4, "approved", &approved, &approved)],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    let a = s.approved_version(id).unwrap().expect("approved here");
    assert_eq!(a.approved_by, "drita.supervisor");
    assert_eq!(a.data, approved);
    assert_eq!(
        s.first_approved_at(id).unwrap(),
        Some(Utc.with_ymd_and_hms(2025, 1, 10, 9, 0, 0).unwrap()),
        "reports are owed from the first approval, which the server knew"
    );
    assert!(s
        .authors_since_approval(id)
        .unwrap()
        .contains(&"arta.kola".to_string()));
    // An edit here, not pushed; the same approved file comes again (re-versioned).
    let clerk = Actor {
        user: "besa.hoxha".into(),
        station: "st-tr-01".into(),
    };
    let local = s.file(id).unwrap();
    s.write_file(
        FileWrite {
            id,
            base_version: local.version,
            status: FileStatus::Approved,
            owning_directorate: "dvp-tirane".into(),
            data: data("Hoxha", "Shenjë"),
            reason: None,
        },
        &clerk,
        now(),
    )
    .unwrap();
    s.sync_apply_page(
        &page(
            vec![approved_item(id, 9, "approved", &approved, &approved)],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    let f = s.file(id).unwrap();
    assert_eq!(f.data.description.marks, "Shenjë");
    assert_eq!(
        f.status,
        FileStatus::Amended,
        "approved data changed since is never shown as approved"
    );
    assert!(s
        .authors_since_approval(id)
        .unwrap()
        .contains(&"besa.hoxha".to_string()));
    // A newer approval arrives from the server on top of her edit, which it never saw: she
    // is still an author of what is here, and it is still an amendment.
    let approved_again = data("Hoxhaj", "");
    s.sync_apply_page(
        &page(
            vec![approved_item(
                id,
                12,
                "approved",
                &approved_again,
                &approved_again,
            )],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    assert_eq!(
        s.approved_version(id).unwrap().unwrap().data,
        approved_again
    );
    let f = s.file(id).unwrap();
    assert_eq!(f.data.identity.surname, "Hoxhaj");
    assert_eq!(f.data.description.marks, "Shenjë");
    assert_eq!(f.status, FileStatus::Amended);
    assert!(s
        .authors_since_approval(id)
        .unwrap()
        .contains(&"besa.hoxha".to_string()));
}

#[test]
fn a_resnapshot_drops_what_the_server_no_longer_has_even_after_an_interruption() {
    let db = Db::new();
    let (kept, gone_file, gone_index) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    {
        let mut s = db.open();
        s.sync_apply_page(
            &page(
                vec![
                    file_item(kept, 3, "pending", &data("Leka", "")),
                    file_item(gone_file, 4, "pending", &data("Shehu", "")),
                    index_item(gone_index, 5, "meta"),
                ],
                false,
            ),
            &actor(),
            now(),
        )
        .unwrap();
        assert_eq!(s.national_count().unwrap(), 1);
        s.sync_begin_resnapshot().unwrap();
        assert_eq!(s.sync_cursor().unwrap(), 0);
        // The first page of the snapshot, then the process dies.
        s.sync_apply_page(
            &page(vec![file_item(kept, 3, "pending", &data("Leka", ""))], true),
            &actor(),
            now(),
        )
        .unwrap();
    }
    // A new process, a new round: it goes on from the cursor and the feed ends.
    let mut s = db.open();
    assert_eq!(s.sync_cursor().unwrap(), 3);
    s.sync_apply_page(&page(vec![], false), &actor(), now())
        .unwrap();
    assert!(s.file(gone_file).is_err(), "the deleted file is gone");
    assert!(s.national_entry(gone_index).unwrap().is_none());
    assert_eq!(s.national_count().unwrap(), 0);
    assert!(s.file(kept).is_ok());
    // Its search keys went too, and the name index no longer finds it.
    let tokens = regjistri_domain::names::query_tokens("shehu");
    assert_eq!(s.search_names(&tokens, None, 0, 10).unwrap().0, 0);
    assert!(s
        .search_national_names(&regjistri_domain::names::query_tokens("meta"), 10)
        .unwrap()
        .is_empty());
    // The re-snapshot is over: finishing it again drops nothing.
    assert_eq!(s.sync_finish_resnapshot(&actor(), now()).unwrap(), 0);
    s.verify_audit().unwrap();
}

#[test]
fn a_file_that_leaves_and_comes_back_keeps_its_numbering_and_its_new_approval() {
    let db = Db::new();
    let mut s = db.open();
    let id = Uuid::now_v7();
    let first = data("Hoxha", "");
    s.sync_apply_page(
        &page(
            vec![approved_item(id, 3, "approved", &first, &first)],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    assert!(s.approved_version(id).unwrap().is_some());
    // Transferred to Durrës: only its index entry stays here.
    s.sync_apply_page(
        &page(vec![index_item(id, 6, "hoxha")], false),
        &actor(),
        now(),
    )
    .unwrap();
    assert!(s.file(id).is_err());
    assert!(s.national_entry(id).unwrap().is_some());
    assert!(
        s.approved_version(id).unwrap().is_none(),
        "an approval of a file not held here does not stand"
    );
    // Back in Tirana, approved again there with other data.
    let second = data("Hoxha", "Tatuazh");
    s.sync_apply_page(
        &page(
            vec![approved_item(id, 11, "approved", &second, &second)],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    assert!(s.national_entry(id).unwrap().is_none());
    let f = s.file(id).unwrap();
    assert_eq!(f.data, second);
    assert_eq!(s.approved_version(id).unwrap().unwrap().data, second);
    let versions: Vec<i64> = s.history(id).unwrap().iter().map(|c| c.version).collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "one numbering across both stays: {versions:?}"
    );
    assert_eq!(f.version, *versions.last().unwrap());
}

#[test]
fn records_arrive_whole_and_are_voided_once() {
    let db = Db::new();
    let mut s = db.open();
    let file = Uuid::now_v7();
    let record = Uuid::now_v7();
    let base = json!({
        "id": record, "file_id": file,
        "data": {"kind": "check_in", "date": "2026-12-01", "officer": "Inspektor Gjoka", "photo_taken": true, "note": ""},
        "recorded_at": "2026-12-01T09:00:00.000000Z", "recorded_by": "arta.kola",
        "void": null, "confirmation": null
    });
    let voided = |reason: &str, by: &str| {
        let mut v = base.clone();
        v["void"] = json!({"reason": reason, "by": by, "at": "2026-12-02T09:00:00.000000Z"});
        v
    };
    let item = |version: i64, document: Value| PullItem::Record {
        seq: version,
        id: record,
        version,
        document,
    };
    // The record may come before its file; both count once both are here.
    s.sync_apply_page(&page(vec![item(4, base.clone())], false), &actor(), now())
        .unwrap();
    s.sync_apply_page(
        &page(
            vec![file_item(file, 6, "pending", &data("Hoxha", ""))],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    assert_eq!(s.records(file).unwrap().len(), 1);
    s.sync_apply_page(
        &page(vec![item(8, voided("Gabim", "sokol.supervisor"))], false),
        &actor(),
        now(),
    )
    .unwrap();
    let r = &s.records(file).unwrap()[0];
    assert_eq!(r.void.as_ref().unwrap().reason, "Gabim");
    // A second, different void (a conflict decided on the server) replaces it here: this
    // station has nothing of its own waiting for the record.
    s.sync_apply_page(
        &page(vec![item(9, voided("Tjetër", "ilir.supervisor"))], false),
        &actor(),
        now(),
    )
    .unwrap();
    assert_eq!(
        s.records(file).unwrap()[0].void.as_ref().unwrap().reason,
        "Tjetër"
    );
    // Outside the pull it never changes.
    assert!(s
        .connection_for_tests()
        .execute("UPDATE file_record SET void_reason = 'Gabim'", [])
        .is_err());
    // What was applied is not pushed back.
    assert!(s.sync_pending(10).unwrap().is_empty());
}

#[test]
fn the_audit_trail_goes_up_as_the_server_checks_it() {
    let db = Db::new();
    let mut s = db.open();
    for i in 0..5 {
        s.record(
            &actor(),
            now(),
            &AuditEvent {
                action: "file.view".into(),
                object_type: "offender_file".into(),
                object_id: format!("file-{i}"),
                outcome: "ok".into(),
            },
        )
        .unwrap();
    }
    let first = s.sync_audit_pending(3).unwrap();
    let (seq, hash) = continue_chain(0, GENESIS, &first).unwrap();
    s.sync_audit_accepted(seq).unwrap();
    let rest = s.sync_audit_pending(100).unwrap();
    assert_eq!(
        rest[0].seq,
        seq + 1,
        "the upload goes on where the server's copy ends"
    );
    let (last, _) = continue_chain(seq, &hash, &rest).unwrap();
    assert_eq!(last, i64::try_from(s.verify_audit().unwrap()).unwrap());
}

#[test]
fn accounts_from_the_server_never_stop_the_pull_nor_take_a_local_account() {
    let db = Db::new();
    let mut s = db.open();
    let own = s
        .create_user(
            &NewUser {
                user_name: "admin",
                role: regjistri_domain::access::Role::Administrator,
                directorate: "dvp-tirane",
                password: "lule mali e bardhë 7",
                must_change_password: false,
            },
            &actor(),
            now(),
        )
        .unwrap();
    // Enrolled after its first administrator was made: she stays this workstation's own.
    s.sync_enrol(
        &[
            ("sync.server_url", "https://localhost:8443"),
            ("directorate", "dvp-tirane"),
        ],
        "st-tr-01",
        &actor(),
        now(),
    )
    .unwrap();
    let account = |name: &str, role: &str, directorate: &str, iterations: u32| {
        serde_json::json!({"user_name": name, "role": role, "directorate": directorate,
            "salt": "00112233445566778899aabbccddeeff",
            "verifier": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            "iterations": iterations, "must_change_password": false, "disabled": false})
    };
    let user = |seq: i64, id: Uuid, document: Value| PullItem::User {
        seq,
        id,
        version: seq,
        document,
    };
    let (clerk, weak, file) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let p = page(
        vec![
            // Too few iterations: a station cannot take it; the rest of the page still goes.
            user(1, weak, account("weak.one", "clerk", "dvp-tirane", 1)),
            // The id of this workstation's own administrator: not the server's to change.
            user(2, own.id, account("admin", "clerk", "dvp-tirane", 600_000)),
            user(
                3,
                clerk,
                account("vera.leka", "clerk", "dvp-tirane", 600_000),
            ),
            file_item(file, 4, "pending", &data("Hoxha", "")),
        ],
        false,
    );
    s.sync_apply_page(&p, &actor(), now()).unwrap();
    assert_eq!(s.sync_cursor().unwrap(), 4);
    assert!(s.file(file).is_ok());
    let names: Vec<(String, String)> = s
        .users()
        .unwrap()
        .into_iter()
        .map(|u| (u.user_name, u.role.as_str().to_string()))
        .collect();
    assert_eq!(
        names,
        [
            ("admin".to_string(), "administrator".to_string()),
            ("vera.leka".to_string(), "clerk".to_string()),
        ]
    );
    // She moves to Durrës: the server sends her without a verifier, and she stops signing
    // in here.
    let mut moved = account("vera.leka", "clerk", "dvp-durres", 600_000);
    moved["salt"] = "".into();
    moved["verifier"] = "".into();
    s.sync_apply_page(&page(vec![user(5, clerk, moved)], false), &actor(), now())
        .unwrap();
    let here = s.user(clerk).unwrap();
    assert!(!here.disabled, "the server's flag, not a local stand-in");
    assert_eq!(here.directorate, "dvp-durres");
    // Renamed to the local administrator's name (no server does that; a stale one might):
    // not taken.
    s.sync_apply_page(
        &page(
            vec![user(
                6,
                clerk,
                account("admin", "clerk", "dvp-tirane", 600_000),
            )],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    assert_eq!(s.sync_cursor().unwrap(), 6);
    assert_eq!(s.user(clerk).unwrap().user_name, "vera.leka");
}

/// An account made at station A, as the server would send it: its creation's fields.
fn account_from(store: &Store, user_name: &str) -> (Uuid, Value) {
    let m = store
        .sync_pending(100)
        .unwrap()
        .into_iter()
        .find(|m| m.entity == "user" && m.diff.iter().any(|c| c.new == json!(user_name)))
        .expect("the account's creation");
    let mut doc = json!({});
    for c in &m.diff {
        doc[c.path.as_str()] = c.new.clone();
    }
    (m.entity_id, doc)
}

#[test]
fn an_account_signs_in_only_where_it_belongs_even_after_a_station_changes_directorate() {
    use regjistri_domain::access::Role;
    const PW: &str = "lule mali e bardhë 7";
    let enrol = |s: &mut Store, code: &str, directorate: &str| {
        s.sync_enrol(
            &[
                ("sync.server_url", "https://localhost:8443"),
                ("directorate", directorate),
            ],
            code,
            &actor(),
            now(),
        )
        .unwrap();
    };
    // Station A (Tirana) makes a clerk; B (Tirana too) pulls her and she signs in there.
    let (da, db) = (Db::new(), Db::new());
    let mut a = da.open();
    enrol(&mut a, "st-tr-01", "dvp-tirane");
    a.create_user(
        &NewUser {
            user_name: "vera.leka",
            role: Role::Clerk,
            directorate: "dvp-tirane",
            password: PW,
            must_change_password: false,
        },
        &actor(),
        now(),
    )
    .unwrap();
    let (id, doc) = account_from(&a, "vera.leka");
    let user = |seq: i64, document: Value| PullItem::User {
        seq,
        id,
        version: seq,
        document,
    };
    let mut b = db.open();
    enrol(&mut b, "st-tr-02", "dvp-tirane");
    b.sync_apply_page(&page(vec![user(3, doc.clone())], false), &actor(), now())
        .unwrap();
    let signs_in = |s: &mut Store| {
        matches!(
            s.sign_in("vera.leka", PW, "st", now()).unwrap(),
            SignIn::Accepted(_)
        )
    };
    assert!(signs_in(&mut b));
    // B is enrolled again, for Durrës: the server sends her again at the same version,
    // without her verifier; she no longer signs in at B.
    enrol(&mut b, "st-dr-07", "dvp-durres");
    let mut blank = doc.clone();
    blank["salt"] = json!("");
    blank["verifier"] = json!("");
    b.sync_apply_page(&page(vec![user(3, blank)], false), &actor(), now())
        .unwrap();
    assert!(!signs_in(&mut b));
    assert!(
        !b.user(id).unwrap().disabled,
        "disabled stays the server's word"
    );
    // Back to Tirana: she signs in again.
    enrol(&mut b, "st-tr-02", "dvp-tirane");
    b.sync_apply_page(&page(vec![user(3, doc.clone())], false), &actor(), now())
        .unwrap();
    assert!(signs_in(&mut b));

    // She moves to Durrës (v5) and her password is changed there (v6): B, in Tirana, gets both
    // without a verifier, and forgets the one it had.
    const NEW: &str = "një tjetër fjalëkalim i gjatë 9";
    a.change_password(id, NEW, &actor(), now()).unwrap();
    let changed = a.sync_pending(100).unwrap().pop().unwrap();
    let mut moved = doc.clone();
    moved["directorate"] = json!("dvp-durres");
    for c in &changed.diff {
        moved[c.path.as_str()] = c.new.clone();
    }
    let blanked = |d: &Value| {
        let mut d = d.clone();
        d["salt"] = json!("");
        d["verifier"] = json!("");
        d
    };
    let mut v5 = blanked(&doc);
    v5["directorate"] = json!("dvp-durres");
    b.sync_apply_page(
        &page(vec![user(5, v5), user(6, blanked(&moved))], false),
        &actor(),
        now(),
    )
    .unwrap();
    assert!(!signs_in(&mut b));
    // B is enrolled for Durrës: v6 comes whole, and only the new password opens it.
    enrol(&mut b, "st-dr-07", "dvp-durres");
    b.sync_apply_page(&page(vec![user(6, moved)], false), &actor(), now())
        .unwrap();
    assert!(!signs_in(&mut b), "the old password never works again");
    assert!(matches!(
        b.sign_in("vera.leka", NEW, "st", now()).unwrap(),
        SignIn::Accepted(_)
    ));
    // An older copy (v3, Tirana) changes nothing.
    b.sync_apply_page(&page(vec![user(3, doc)], false), &actor(), now())
        .unwrap();
    assert_eq!(b.user(id).unwrap().directorate, "dvp-durres");
    assert!(matches!(
        b.sign_in("vera.leka", NEW, "st", now()).unwrap(),
        SignIn::Accepted(_)
    ));
}

fn officer(user: &str) -> Actor {
    Actor {
        user: user.into(),
        station: "st-tr-02".into(),
    }
}

/// The server answers every change waiting here, each with the outcome `outcome` gives it.
fn answer_all(
    s: &mut Store,
    outcome: impl Fn(&regjistri_sync::protocol::Mutation) -> regjistri_sync::protocol::Outcome,
) {
    use regjistri_sync::protocol::{ConflictRef, MutationResult, Outcome, WireError};
    let results: Vec<MutationResult> = s
        .sync_pending(100)
        .unwrap()
        .iter()
        .map(|m| {
            let outcome = outcome(m);
            MutationResult {
                mutation_id: m.mutation_id,
                outcome,
                version: None,
                conflict: (outcome == Outcome::Conflict).then(|| ConflictRef {
                    id: Uuid::now_v7(),
                    kind: regjistri_sync::ConflictKind::SameField,
                    paths: m.diff.iter().map(|c| c.path.clone()).collect(),
                }),
                error: (outcome == Outcome::Rejected)
                    .then(|| WireError::new("out_of_scope", "x", "x")),
            }
        })
        .collect();
    s.sync_record_results(&results, &actor(), now()).unwrap();
    assert_eq!(s.sync_counts().unwrap().pending, 0);
}

fn record_item(version: i64, record: &regjistri_domain::records::FileRecord) -> PullItem {
    PullItem::Record {
        seq: version,
        id: record.id,
        version,
        document: serde_json::to_value(record).unwrap(),
    }
}

#[test]
fn a_void_or_confirmation_made_here_gives_way_to_the_servers_once_answered() {
    use regjistri_domain::records::{Confirmation, FileRecord, PersonState, RecordData, Void};
    use regjistri_sync::protocol::Outcome;
    let db = Db::new();
    let mut s = db.open();
    let file = Uuid::now_v7();
    s.sync_apply_page(
        &page(
            vec![file_item(file, 2, "pending", &data("Hoxha", ""))],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let record = |data: RecordData| FileRecord {
        id: Uuid::now_v7(),
        file_id: file,
        data,
        recorded_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        recorded_by: "arta.kola".into(),
        void: None,
        confirmation: None,
    };
    let status = |state| RecordData::StatusChange {
        state,
        effective: day,
        reason: "Vendim gjykate".into(),
    };
    let check_in = record(RecordData::CheckIn {
        date: day,
        officer: "Inspektor Gjoka".into(),
        photo_id: None,
        no_photo_reason: Some("Kamera e prishur".into()),
        note: String::new(),
        photo_taken: None,
    });
    let death = record(status(PersonState::Deceased));
    let removal = record(status(PersonState::Removed));
    let assessment = record(RecordData::RiskAssessment {
        level: regjistri_domain::rules::RiskLevel::High,
        date: day,
        officer: "Inspektor Gjoka".into(),
    });
    let all = [&check_in, &death, &removal, &assessment];
    s.sync_apply_page(
        &page(
            all.iter()
                .enumerate()
                .map(|(i, r)| record_item(3 + i as i64, r))
                .collect(),
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();

    // Here a supervisor voids three records and confirms the death; meanwhile another
    // station's supervisor voided the check-in and confirmed the death and the removal.
    let b = officer("supervisor.b");
    s.void_record(check_in.id, "Regjistruar dy herë", &b, now())
        .unwrap();
    s.confirm_record(death.id, &b, now()).unwrap();
    s.void_record(removal.id, "Vendimi u rrëzua", &b, now())
        .unwrap();
    s.void_record(assessment.id, "Gabim", &b, now()).unwrap();
    let confirmation_a = Some(Confirmation {
        by: "supervisor.a".into(),
        at: Utc.with_ymd_and_hms(2026, 12, 2, 9, 30, 0).unwrap(),
    });
    let mut servers_check_in = check_in.clone();
    servers_check_in.void = Some(Void {
        reason: "Data e gabuar".into(),
        by: "supervisor.a".into(),
        at: Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
    });
    let mut servers_death = death.clone();
    servers_death.confirmation = confirmation_a.clone();
    let here: Vec<FileRecord> = all.iter().map(|r| s.file_record(r.id).unwrap()).collect();

    // While this station's changes wait for the server's answer, they stay.
    s.sync_apply_page(
        &page(
            vec![
                record_item(7, &servers_check_in),
                record_item(8, &servers_death),
            ],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    for r in &here {
        assert_eq!(&s.file_record(r.id).unwrap(), r);
    }

    // Answered: the check-in's void and the death's confirmation collided with the other
    // station's, the removal's void applied (next to the other station's confirmation), the
    // assessment's void was refused. Each server copy then replaces this station's, exactly.
    answer_all(&mut s, |m| {
        if m.entity_id == removal.id {
            Outcome::Applied
        } else if m.entity_id == assessment.id {
            Outcome::Rejected
        } else {
            Outcome::Conflict
        }
    });
    let mut servers_removal = here[2].clone();
    servers_removal.confirmation = confirmation_a;
    s.sync_apply_page(
        &page(
            vec![
                record_item(9, &servers_check_in),
                record_item(10, &servers_death),
                record_item(11, &servers_removal),
                record_item(12, &assessment),
            ],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    assert_eq!(s.file_record(check_in.id).unwrap(), servers_check_in);
    assert_eq!(s.file_record(death.id).unwrap(), servers_death);
    assert_eq!(s.file_record(removal.id).unwrap(), servers_removal);
    assert_eq!(s.file_record(assessment.id).unwrap(), assessment);
    // A supervisor on the server chose this station's void after all: it comes back.
    s.sync_apply_page(
        &page(vec![record_item(13, &here[0])], false),
        &actor(),
        now(),
    )
    .unwrap();
    assert_eq!(s.file_record(check_in.id).unwrap(), here[0]);
    // None of it is pushed back.
    assert!(s.sync_pending(10).unwrap().is_empty());

    // Outside the pull a void or confirmation, once set, still never changes, and naming
    // another value than the one written lets nothing through.
    let conn = s.connection_for_tests();
    let named: i64 = conn
        .query_row("SELECT count(*) FROM value_from_server", [], |r| r.get(0))
        .unwrap();
    assert_eq!(named, 0, "the pull leaves nothing named");
    for sql in [
        "UPDATE file_record SET void_reason = 'other' WHERE void_reason IS NOT NULL",
        "UPDATE file_record SET void_reason = NULL, voided_by = NULL, voided_at = NULL
         WHERE void_reason IS NOT NULL",
        "UPDATE file_record SET confirmed_by = 'someone' WHERE confirmed_by IS NOT NULL",
        "UPDATE file_record SET confirmed_by = 'x', confirmed_at = 'y' WHERE void_reason IS NOT NULL",
    ] {
        assert!(conn.execute(sql, []).is_err(), "{sql} must be refused");
    }
    conn.execute(
        "INSERT INTO value_from_server (table_name, id, value)
         VALUES ('file_record', ?1, json_array('named', 'supervisor.a', 'now', NULL, NULL))",
        [check_in.id.to_string()],
    )
    .unwrap();
    for sql in [
        "UPDATE file_record SET void_reason = 'another' WHERE id = ?1",
        "UPDATE file_record SET void_reason = 'named', voided_by = 'supervisor.a',
            voided_at = 'now', recorded_by = 'x' WHERE id = ?1",
        "UPDATE file_record SET void_reason = 'named', voided_by = 'supervisor.a',
            voided_at = 'now', data = '{}' WHERE id = ?1",
    ] {
        assert!(
            conn.execute(sql, [check_in.id.to_string()]).is_err(),
            "{sql} must be refused"
        );
    }
}

#[test]
fn a_notice_served_here_gives_way_to_the_servers_service_once_answered() {
    use regjistri_domain::records::RuleNotice;
    use regjistri_sync::protocol::Outcome;
    let db = Db::new();
    let mut s = db.open();
    let file = Uuid::now_v7();
    s.sync_apply_page(
        &page(
            vec![file_item(file, 2, "approved", &data("Hoxha", ""))],
            false,
        ),
        &actor(),
        now(),
    )
    .unwrap();
    let notice = RuleNotice {
        id: Uuid::now_v7(),
        file_id: file,
        rule_version: 1,
        created_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
        served_on: None,
        served_by: None,
    };
    let item = |version: i64, n: &RuleNotice| PullItem::Notice {
        seq: version,
        id: n.id,
        version,
        document: serde_json::to_value(n).unwrap(),
    };
    s.sync_apply_page(&page(vec![item(3, &notice)], false), &actor(), now())
        .unwrap();
    let mine = s
        .serve_notice(
            notice.id,
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            &officer("clerk.b"),
            now(),
        )
        .unwrap();
    let mut servers = notice.clone();
    servers.served_on = NaiveDate::from_ymd_opt(2026, 12, 1);
    servers.served_by = Some("clerk.a".into());
    // Waiting for the server's answer, this station's service stays.
    s.sync_apply_page(&page(vec![item(4, &servers)], false), &actor(), now())
        .unwrap();
    assert_eq!(s.notice(notice.id).unwrap(), mine);
    // Answered: the server's service replaces it; a copy never served clears it.
    answer_all(&mut s, |_| Outcome::Conflict);
    s.sync_apply_page(&page(vec![item(5, &servers)], false), &actor(), now())
        .unwrap();
    assert_eq!(s.notice(notice.id).unwrap(), servers);
    s.sync_apply_page(&page(vec![item(6, &notice)], false), &actor(), now())
        .unwrap();
    assert_eq!(s.notice(notice.id).unwrap(), notice);
    s.sync_apply_page(&page(vec![item(7, &servers)], false), &actor(), now())
        .unwrap();
    assert_eq!(s.notice(notice.id).unwrap(), servers);

    // Outside the pull a service, once recorded, never changes.
    let conn = s.connection_for_tests();
    for sql in [
        "UPDATE rule_notice SET served_by = 'someone'",
        "UPDATE rule_notice SET served_on = '2026-12-03'",
        "UPDATE rule_notice SET served_on = NULL, served_by = NULL",
    ] {
        assert!(conn.execute(sql, []).is_err(), "{sql} must be refused");
    }
    conn.execute(
        "INSERT INTO value_from_server (table_name, id, value)
         VALUES ('rule_notice', ?1, json_array('2026-12-03', 'clerk.c'))",
        [notice.id.to_string()],
    )
    .unwrap();
    for sql in [
        "UPDATE rule_notice SET served_on = '2026-12-04', served_by = 'clerk.c' WHERE id = ?1",
        "UPDATE rule_notice SET served_on = '2026-12-03', served_by = 'clerk.c', rule_version = 2
         WHERE id = ?1",
    ] {
        assert!(
            conn.execute(sql, [notice.id.to_string()]).is_err(),
            "{sql} must be refused"
        );
    }
}
