use chrono::{DateTime, TimeZone, Utc};
use regjistri_store::*;
use regjistri_sync::protocol::{PullItem, PullPage};
use serde_json::Value;
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
fn page(items: Vec<PullItem>) -> PullPage {
    let next_cursor = items.iter().map(PullItem::seq).max().unwrap_or(0);
    PullPage {
        items,
        next_cursor,
        more: false,
        remaining: None,
    }
}
fn account(name: &str, role: &str, dir: &str, blank: bool) -> Value {
    let (s, v) = if blank {
        ("", "")
    } else {
        (
            "00112233445566778899aabbccddeeff",
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        )
    };
    serde_json::json!({"user_name": name, "role": role, "directorate": dir, "salt": s, "verifier": v,
        "iterations": 600000, "must_change_password": false, "disabled": false})
}
fn user(seq: i64, id: Uuid, document: Value) -> PullItem {
    PullItem::User {
        seq,
        id,
        version: seq,
        document,
    }
}

#[test]
fn review_reenrol_other_directorate_keeps_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut s = Store::open(&path, &OsKeyStore::new(), now()).unwrap();
    s.sync_enrol(
        &[
            ("sync.server_url", "https://x"),
            ("directorate", "dvp-tirane"),
        ],
        "st-tr-01",
        &actor(),
        now(),
    )
    .unwrap();
    let clerk = Uuid::now_v7();
    s.sync_apply_page(
        &page(vec![user(
            3,
            clerk,
            account("vera.leka", "supervisor", "dvp-tirane", false),
        )]),
        &actor(),
        now(),
    )
    .unwrap();
    assert!(!s.user(clerk).unwrap().disabled);
    // The laptop is re-enrolled as a Durrës station: new code, cursor back to 0.
    s.sync_enrol(
        &[
            ("sync.server_url", "https://x"),
            ("directorate", "dvp-durres"),
        ],
        "st-dr-07",
        &actor(),
        now(),
    )
    .unwrap();
    assert_eq!(s.sync_cursor().unwrap(), 0);
    // What the server sends a Durrës station: Vera blanked, at her unchanged version 3.
    let n = s
        .sync_apply_page(
            &page(vec![user(
                3,
                clerk,
                account("vera.leka", "supervisor", "dvp-tirane", true),
            )]),
            &actor(),
            now(),
        )
        .unwrap();
    let u = s.user(clerk).unwrap();
    println!(
        "REVIEW changed={n} disabled={} directorate={} role={:?}",
        u.disabled, u.directorate, u.role
    );
    let _ = OsKeyStore::new().delete(&key_account(&path).unwrap());
    assert!(
        u.disabled,
        "a Tirana supervisor still signs in at a Durrës station"
    );
}

#[test]
fn review_move_out_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut s = Store::open(&path, &OsKeyStore::new(), now()).unwrap();
    s.sync_enrol(
        &[
            ("sync.server_url", "https://x"),
            ("directorate", "dvp-tirane"),
        ],
        "st-tr-01",
        &actor(),
        now(),
    )
    .unwrap();
    let clerk = Uuid::now_v7();
    let out = Uuid::now_v7();
    s.sync_apply_page(
        &page(vec![
            user(3, clerk, account("vera.leka", "clerk", "dvp-tirane", false)),
            user(4, out, account("besa.kola", "clerk", "dvp-durres", true)),
        ]),
        &actor(),
        now(),
    )
    .unwrap();
    assert!(s.user(out).is_err(), "out of scope never inserted");
    s.sync_apply_page(
        &page(vec![user(
            5,
            clerk,
            account("vera.leka", "clerk", "dvp-durres", true),
        )]),
        &actor(),
        now(),
    )
    .unwrap();
    assert!(s.user(clerk).unwrap().disabled);
    s.sync_apply_page(
        &page(vec![
            user(6, clerk, account("vera.leka", "clerk", "dvp-tirane", false)),
            user(7, out, account("besa.kola", "clerk", "dvp-tirane", false)),
        ]),
        &actor(),
        now(),
    )
    .unwrap();
    let u = s.user(clerk).unwrap();
    let b = s.user(out).unwrap();
    println!(
        "REVIEW back: vera disabled={} dir={} ; besa disabled={} dir={}",
        u.disabled, u.directorate, b.disabled, b.directorate
    );
    // In scope but blanked (e.g. a stale or mismatched view): never applied with an empty verifier.
    let third = Uuid::now_v7();
    s.sync_apply_page(
        &page(vec![user(
            8,
            third,
            account("ilir.dema", "clerk", "dvp-tirane", true),
        )]),
        &actor(),
        now(),
    )
    .unwrap();
    println!("REVIEW blank in scope inserted={}", s.user(third).is_ok());
    let _ = OsKeyStore::new().delete(&key_account(&path).unwrap());
}
