//! The `regjistri` binary end to end, against real SQLCipher files and a real Secret Service
//! (gnome-keyring). The key-store refusals start their own D-Bus session so that locking the
//! key store cannot disturb other tests.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_regjistri");

const ADMIN_PW: &str = "kyçi i sigurt i zyrës 2026";

/// Runs `regjistri` signed in as the first administrator.
fn regjistri(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "off")
        .env("REGJISTRI_USER", "admin")
        .env("REGJISTRI_PASSWORD", ADMIN_PW)
        .output()
        .expect("run regjistri")
}

/// A new database with its first administrator.
fn init(db: &Path) {
    let out = regjistri(db, &["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = regjistri(db, &["user", "create-admin", "admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("json")
}

/// Runs a shell script in a fresh D-Bus session with its own unlocked gnome-keyring
/// (XDG_DATA_HOME = `home`), the way a desktop session has one.
fn in_own_session(home: &Path, script: &str) -> Output {
    let full = format!(
        "export XDG_DATA_HOME='{}'; echo -n throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; {script}",
        home.display()
    );
    Command::new("dbus-run-session")
        .args(["--", "bash", "-c", &full])
        .env("RUST_LOG", "off")
        .env("REGJISTRI_BIN", BIN)
        .output()
        .expect("dbus-run-session (install dbus and gnome-keyring, or run scripts/test.sh)")
}

const LOCK: &str =
    "dbus-send --session --dest=org.freedesktop.secrets --type=method_call --print-reply \
    /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
    array:objpath:/org/freedesktop/secrets/collection/login >/dev/null";

#[test]
fn without_a_key_store_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new").join("regjistri.db");
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .arg("init")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("key_store_unavailable:"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(" / "), "message in both languages");
    assert!(
        !db.parent().unwrap().exists(),
        "no directory, no file, no key"
    );
}

#[test]
fn a_locked_key_store_refuses_open_and_create_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let script = format!(
        r#"set -u
        "$REGJISTRI_BIN" --db "{home}/x.db" init >/dev/null || exit 10
        before=$(sha256sum "{home}/x.db")
        {LOCK} || exit 11
        "$REGJISTRI_BIN" --db "{home}/x.db" search hoxha 2>&1; echo "exit=$?"
        "$REGJISTRI_BIN" --db "{home}/y.db" init 2>&1; echo "exit=$?"
        after=$(sha256sum "{home}/x.db")
        [ "$before" = "$after" ] && echo unchanged
        [ -e "{home}/y.db" ] || echo no-new-database"#,
        home = home.display()
    );
    let out = in_own_session(home, &script);
    let text = stdout(&out);
    assert_eq!(
        text.matches("key_store_locked:").count(),
        2,
        "{text}\n{}",
        stderr(&out)
    );
    assert_eq!(text.matches("exit=1").count(), 2, "{text}");
    assert!(text.contains("unchanged"), "{text}");
    assert!(text.contains("no-new-database"), "{text}");
}

#[test]
fn init_seed_search_show_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("regjistri.db");

    // No database yet: search refuses instead of creating one.
    let out = regjistri(&db, &["search", "hoxha"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("database_missing:"),
        "{}",
        stderr(&out)
    );
    assert!(!db.exists());

    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["init", "--directorate", "dvp-shkoder"])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("directorate: dvp-shkoder"));
    let out = regjistri(&db, &["user", "create-admin", "admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Only once: further users come from an administrator, with one-time passwords.
    let out = regjistri(&db, &["user", "create-admin", "admin2"]);
    assert!(stderr(&out).starts_with("users_exist:"), "{}", stderr(&out));
    // Without signing in nothing is shown.
    let anonymous = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["search", "hoxha"])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&anonymous.stderr).starts_with("no_session:"));
    let wrong = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["--user", "admin", "search", "hoxha"])
        .env("REGJISTRI_PASSWORD", "not the password")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&wrong.stderr).starts_with("sign_in_refused:"));
    let out = regjistri(
        &db,
        &[
            "user",
            "add",
            "arta.kola",
            "--role",
            "clerk",
            "--directorate",
            "dvp-shkoder",
        ],
    );
    assert!(
        stdout(&out).contains("one-time password"),
        "{}",
        stderr(&out)
    );
    let out = regjistri(&db, &["seed", "--count", "300", "--seed", "11"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("300 demo files written"));

    let all = json(&regjistri(
        &db,
        &["search", "", "--page-size", "200", "--json"],
    ));
    assert_eq!(all["total"], 300);
    assert_eq!(all["items"].as_array().unwrap().len(), 200);

    // Take a seeded person and find them as a clerk would type.
    let first = &all["items"][0];
    let surname = first["surname"].as_str().unwrap().to_string();
    let typed = regjistri_domain::names::fold(&surname).to_uppercase();
    let found = json(&regjistri(&db, &["search", &typed, "--json"]));
    assert_eq!(found["interpreted_as"], "name");
    assert_eq!(found["items"][0]["matched"], "exact");
    assert!(found["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == first["id"]));

    let id = first["id"].as_str().unwrap();
    let shown = json(&regjistri(&db, &["show", id, "--json"]));
    assert_eq!(
        shown["file"]["data"]["identity"]["surname"],
        surname.as_str()
    );
    assert_eq!(shown["history"][0]["action"], "create");
    let text = stdout(&regjistri(&db, &["show", id]));
    assert!(text.contains(&surname));

    let out = regjistri(&db, &["show", "not-an-id"]);
    assert!(stderr(&out).starts_with("invalid_input:"));
    let out = regjistri(&db, &["show", "0190f2a4-0000-7000-8000-000000000000"]);
    assert!(stderr(&out).starts_with("not_found:"));

    let out = regjistri(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("intact"));
}

#[test]
fn seeding_is_deterministic_per_seed() {
    let dir = tempfile::tempdir().unwrap();
    let names = |db: &Path| {
        init(db);
        assert!(regjistri(db, &["seed", "--count", "100", "--seed", "5"])
            .status
            .success());
        let page = json(&regjistri(
            db,
            &["search", "", "--page-size", "100", "--json"],
        ));
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                format!(
                    "{} {} {}",
                    i["surname"], i["given_name"], i["date_of_birth"]
                )
            })
            .collect::<Vec<_>>()
    };
    let a = names(&dir.path().join("a.db"));
    let b = names(&dir.path().join("b.db"));
    assert_eq!(a.len(), 100);
    assert_eq!(a, b);
}

/// Runs `regjistri` as another user.
fn regjistri_as(db: &Path, user: &str, password: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "off")
        .env("REGJISTRI_USER", user)
        .env("REGJISTRI_PASSWORD", password)
        .output()
        .expect("run regjistri")
}

#[test]
fn overdue_lists_the_directorates_missed_reports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("regjistri.db");
    init(&db);
    let out = regjistri(&db, &["seed", "--count", "600"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Administrators do not follow persons; a clerk of the directorate does.
    let out = regjistri(&db, &["overdue"]);
    assert!(stderr(&out).starts_with("forbidden:"), "{}", stderr(&out));
    let out = regjistri(
        &db,
        &[
            "user",
            "add",
            "clerk.t",
            "--role",
            "clerk",
            "--directorate",
            "dvp-tirane",
        ],
    );
    let otp = stdout(&out).split_whitespace().last().unwrap().to_string();
    let pw = "një fjalëkalim i gjatë 2026";
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .arg("password")
        .env("RUST_LOG", "off")
        .env("REGJISTRI_USER", "clerk.t")
        .env("REGJISTRI_PASSWORD", &otp)
        .env("REGJISTRI_NEW_PASSWORD", pw)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let dash = json(&regjistri_as(&db, "clerk.t", pw, &["overdue", "--json"]));
    assert_eq!(dash["directorate"], "dvp-tirane");
    let overdue = dash["overdue"].as_array().unwrap();
    assert!(!overdue.is_empty(), "the demo data has missed reports");
    let since: Vec<&str> = overdue
        .iter()
        .map(|r| {
            assert_eq!(r["status"], "overdue");
            assert_eq!(r["file"]["owning_directorate"], "dvp-tirane");
            r["overdue_since"].as_str().unwrap()
        })
        .collect();
    let mut sorted = since.clone();
    sorted.sort();
    assert_eq!(since, sorted, "longest overdue first");
    assert!(!dash["travelling"].as_array().unwrap().is_empty());

    let text = stdout(&regjistri_as(&db, "clerk.t", pw, &["overdue"]));
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains(&format!("{} overdue", overdue.len())),
        "{text}"
    );
    assert_eq!(lines.len(), overdue.len() + 1);
    let first = overdue[0]["file"]["id"].as_str().unwrap();
    assert!(lines[1].starts_with(first) && lines[1].contains("overdue since"));

    let all = stdout(&regjistri_as(&db, "clerk.t", pw, &["overdue", "--all"]));
    assert!(all.contains("travelling:") && all.contains("due in the next 14 days:"));
}

#[test]
fn an_auditor_lists_the_whole_trail_and_filters_by_officer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("regjistri.db");
    init(&db);
    let out = regjistri(
        &db,
        &[
            "user",
            "add",
            "drita.auditore",
            "--role",
            "auditor",
            "--directorate",
            "dvp-tirane",
        ],
    );
    let text = stdout(&out);
    let otp = text.trim().rsplit(' ').next().expect("one-time password");
    const PW: &str = "dëshmitë e arkivit 2026";
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["--user", "drita.auditore", "password"])
        .env("RUST_LOG", "off")
        .env("REGJISTRI_PASSWORD", otp)
        .env("REGJISTRI_NEW_PASSWORD", PW)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Signed in with --user, the auditor reads everyone's events ...
    let all = stdout(&regjistri_as(&db, "drita.auditore", PW, &["audit", "list"]));
    let count = |text: &str| -> u64 {
        text.lines()
            .next()
            .and_then(|l| l.strip_suffix(" events"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{text}"))
    };
    let total = count(&all);
    // ... and --actor narrows them to one officer's.
    let admins = stdout(&regjistri_as(
        &db,
        "drita.auditore",
        PW,
        &["audit", "list", "--actor", "admin"],
    ));
    let hers = stdout(&regjistri_as(
        &db,
        "drita.auditore",
        PW,
        &["audit", "list", "--actor", "drita.auditore"],
    ));
    assert!(count(&admins) > 0 && count(&hers) > 0, "{admins}\n{hers}");
    assert!(count(&admins) < total && count(&hers) < total);
}
