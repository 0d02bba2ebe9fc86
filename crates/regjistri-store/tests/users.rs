//! Users and offline sign-in on a real encrypted database and key store.

use chrono::{DateTime, Duration, TimeZone, Utc};
use regjistri_domain::access::Role;
use regjistri_store::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap()
}

struct Db {
    _dir: tempfile::TempDir,
    store: Store,
    path: std::path::PathBuf,
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = OsKeyStore::new().delete(&key_account(&self.path).unwrap());
    }
}

fn db() -> Db {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "run through scripts/test.sh"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let store = Store::open(&path, &OsKeyStore::new(), now()).unwrap();
    Db {
        _dir: dir,
        store,
        path,
    }
}

fn admin() -> Actor {
    Actor {
        user: "admin-1".into(),
        station: "s".into(),
    }
}

const PW: &str = "lule mali e bardhë 7";

#[test]
fn sign_in_accepts_the_password_and_refuses_everything_else_alike() {
    let mut db = db();
    let u = db
        .store
        .create_user(
            &NewUser {
                user_name: "arta.kola",
                role: Role::Clerk,
                directorate: "dvp-berat",
                password: PW,
                must_change_password: false,
            },
            &admin(),
            now(),
        )
        .unwrap();
    assert_eq!(
        db.store.sign_in("arta.kola", PW, "s", now()).unwrap(),
        SignIn::Accepted(u.clone())
    );
    assert_eq!(
        db.store
            .sign_in("arta.kola", "lule mali e bardhë 8", "s", now())
            .unwrap(),
        SignIn::Refused
    );
    assert_eq!(
        db.store.sign_in("nobody", PW, "s", now()).unwrap(),
        SignIn::Refused
    );
    assert_eq!(
        db.store
            .create_user(
                &NewUser {
                    user_name: "arta.kola",
                    role: Role::Clerk,
                    directorate: "dvp-berat",
                    password: PW,
                    must_change_password: false
                },
                &admin(),
                now()
            )
            .err()
            .unwrap()
            .code(),
        "duplicate"
    );

    // An unknown name costs a full derivation too.
    let t = std::time::Instant::now();
    db.store
        .sign_in("arta.kola", "wrong password here", "s", now())
        .unwrap();
    let wrong = t.elapsed();
    let t = std::time::Instant::now();
    db.store
        .sign_in("nobody-at-all", "wrong password here", "s", now())
        .unwrap();
    let unknown = t.elapsed();
    assert!(
        unknown * 2 > wrong && wrong * 2 > unknown,
        "wrong {wrong:?} vs unknown {unknown:?}"
    );

    let stored: (u32, Vec<u8>, Vec<u8>) = db
        .store
        .connection_for_tests()
        .query_row("SELECT iterations, salt, verifier FROM app_user", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert!(stored.0 >= 600_000);
    assert_eq!(stored.1.len(), 16);
    assert_eq!(stored.2.len(), 32);
    let events: Vec<(String, String)> = db
        .store
        .audit_events(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.outcome))
        .collect();
    assert!(events.contains(&("auth.sign_in".into(), "ok".into())));
    assert_eq!(events.iter().filter(|e| e.1 == "refused").count(), 4);
    assert_eq!(db.store.verify_audit().unwrap(), events.len() as u64);
}

#[test]
fn five_failures_within_fifteen_minutes_lock_until_released() {
    let mut db = db();
    let u = db
        .store
        .create_user(
            &NewUser {
                user_name: "besa.leka",
                role: Role::Clerk,
                directorate: "dvp-berat",
                password: PW,
                must_change_password: false,
            },
            &admin(),
            now(),
        )
        .unwrap();
    // Failures spread wider than the window never lock.
    for i in 0..6 {
        let at = now() + Duration::minutes(16 * i);
        assert_eq!(
            db.store
                .sign_in("besa.leka", "not the password", "s", at)
                .unwrap(),
            SignIn::Refused
        );
    }
    let t0 = now() + Duration::hours(3);
    for i in 0..4 {
        assert_eq!(
            db.store
                .sign_in(
                    "besa.leka",
                    "not the password",
                    "s",
                    t0 + Duration::minutes(i)
                )
                .unwrap(),
            SignIn::Refused
        );
    }
    assert_eq!(
        db.store
            .sign_in(
                "besa.leka",
                "not the password",
                "s",
                t0 + Duration::minutes(14)
            )
            .unwrap(),
        SignIn::Locked
    );
    // Locked even with the right password, and still locked later.
    assert_eq!(
        db.store
            .sign_in("besa.leka", PW, "s", t0 + Duration::days(2))
            .unwrap(),
        SignIn::Locked
    );
    db.store
        .release_lock(
            u.id,
            &Actor {
                user: "supervisor-1".into(),
                station: "s".into(),
            },
            t0 + Duration::days(2),
        )
        .unwrap();
    assert!(matches!(
        db.store
            .sign_in("besa.leka", PW, "s", t0 + Duration::days(2))
            .unwrap(),
        SignIn::Accepted(_)
    ));
    let actions: Vec<String> = db
        .store
        .audit_events(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"auth.lock".to_string()));
    assert!(actions.contains(&"auth.release".to_string()));
}

#[test]
fn reset_gives_a_one_time_password_and_disabled_accounts_are_refused() {
    let mut db = db();
    let u = db
        .store
        .create_user(
            &NewUser {
                user_name: "drita.meta",
                role: Role::Supervisor,
                directorate: "dvp-berat",
                password: PW,
                must_change_password: false,
            },
            &admin(),
            now(),
        )
        .unwrap();
    let one_time = db.store.reset_password(u.id, &admin(), now()).unwrap();
    assert!(one_time.len() >= 20);
    assert_eq!(
        db.store.sign_in("drita.meta", PW, "s", now()).unwrap(),
        SignIn::Refused
    );
    match db
        .store
        .sign_in("drita.meta", &one_time, "s", now())
        .unwrap()
    {
        SignIn::Accepted(user) => assert!(user.must_change_password),
        other => panic!("{other:?}"),
    }
    db.store
        .change_password(
            u.id,
            "kalë-i-bardhë-në-mal",
            &Actor {
                user: u.id.to_string(),
                station: "s".into(),
            },
            now(),
        )
        .unwrap();
    match db
        .store
        .sign_in("drita.meta", "kalë-i-bardhë-në-mal", "s", now())
        .unwrap()
    {
        SignIn::Accepted(user) => assert!(!user.must_change_password),
        other => panic!("{other:?}"),
    }
    db.store.set_disabled(u.id, true, &admin(), now()).unwrap();
    assert_eq!(
        db.store
            .sign_in("drita.meta", "kalë-i-bardhë-në-mal", "s", now())
            .unwrap(),
        SignIn::Refused
    );
}

#[test]
fn a_workstations_own_accounts_stay_its_own_after_enrolment() {
    let mut db = db();
    let new = |name| NewUser {
        user_name: name,
        role: Role::Administrator,
        directorate: "dvp-tirane",
        password: PW,
        must_change_password: false,
    };
    let own = db
        .store
        .create_user(&new("admin"), &admin(), now())
        .unwrap();
    db.store
        .sync_enrol(
            &[("sync.server_url", "https://localhost:8443")],
            "st-tr-01",
            &admin(),
            now(),
        )
        .unwrap();
    // The first administrator, made before enrolment, changes her password: nothing goes up
    // (the server never had her; a change of her would be refused as unknown).
    db.store
        .change_password(own.id, "një fjalëkalim i ri 8", &admin(), now())
        .unwrap();
    db.store
        .set_disabled(own.id, false, &admin(), now())
        .unwrap();
    db.store.reset_password(own.id, &admin(), now()).unwrap();
    assert!(!db.store.user_synchronised(own.id).unwrap());
    assert!(db.store.sync_pending(100).unwrap().is_empty());
    // An account made once enrolled is the registry's: its creation and changes go up.
    let clerk = db
        .store
        .create_user(
            &NewUser {
                role: Role::Clerk,
                ..new("vera.leka")
            },
            &admin(),
            now(),
        )
        .unwrap();
    db.store.reset_password(clerk.id, &admin(), now()).unwrap();
    assert!(db.store.user_synchronised(clerk.id).unwrap());
    let pending = db.store.sync_pending(100).unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending
        .iter()
        .all(|m| m.entity == "user" && m.entity_id == clerk.id));
}
