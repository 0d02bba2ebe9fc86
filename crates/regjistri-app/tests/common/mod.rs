//! What the application-layer tests share: a registry on a real encrypted database with the
//! real key store (scripts/test.sh provides the Secret Service) and an injected clock.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use regjistri_app::*;
use regjistri_domain::access::Role;
use regjistri_domain::clock::FixedClock;
use regjistri_domain::file::FileDraft;
use regjistri_store::KeyStore;

pub const ADMIN_PW: &str = "kyçi i sigurt i zyrës 2026";
pub const PW: &str = "kalë-i-bardhë-në-mal";

pub struct World {
    _dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
    pub clock: Arc<FixedClock>,
    pub registry: Registry,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = OsKeyStore::new().delete(&regjistri_store::key_account(&self.path).unwrap());
    }
}

pub fn world() -> World {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "run through scripts/test.sh"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap(),
    ));
    let registry = Registry::open(
        &path,
        Arc::new(OsKeyStore::new()),
        clock.clone(),
        Create::IfMissing,
        "os:test".into(),
    )
    .unwrap();
    registry
        .create_first_administrator("admin", ADMIN_PW, "dvp-tirane")
        .unwrap();
    World {
        _dir: dir,
        path,
        clock,
        registry,
    }
}

impl World {
    /// Adds a user through the administrator and signs them in once to set their password.
    pub fn add(&self, name: &str, role: Role) {
        self.registry.sign_in("admin", ADMIN_PW).unwrap();
        let otp = self.registry.create_user(name, role, "dvp-tirane").unwrap();
        self.registry.sign_out().unwrap();
        let s = self.registry.sign_in(name, &otp.password).unwrap();
        assert!(s.must_change_password);
        assert_eq!(
            self.registry
                .search(&SearchQuery::default())
                .unwrap_err()
                .code,
            "password_change_required"
        );
        self.registry.change_password(&otp.password, PW).unwrap();
        self.registry.sign_out().unwrap();
    }

    pub fn as_user(&self, name: &str) {
        self.registry.sign_out().unwrap();
        let pw = if name == "admin" { ADMIN_PW } else { PW };
        self.registry.sign_in(name, pw).unwrap();
    }
}

pub fn draft(seed: u64) -> FileDraft {
    let reference = regjistri_domain::reference::ReferenceSet::provisional().unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let mut d = regjistri_demo::Generator::new(seed, &reference, today).next_draft();
    for a in &mut d.addresses {
        a.municipality_code = "tirane".into();
    }
    d
}
