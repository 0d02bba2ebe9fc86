//! Stations synchronising through the real server over mutual TLS, with the real client
//! (reqwest) and worker of `regjistri-sync`, each station's storage in memory. Faults are
//! injected inside the server after the request was handled (so the work is committed and
//! only the reply suffers): a lost reply (503), a connection reset mid-response, a stall
//! mid-response. Needs DATABASE_URL (scripts/with-postgres.sh); REGJISTRI_SKIP_PG=1 skips.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regjistri_central::Central;
use regjistri_domain::clock::SystemClock;
use regjistri_sync::client::Identity;
use regjistri_sync::document::comparable_leaves;
use serde_json::{json, Value};
use uuid::Uuid;

mod support;
use support::*;

/// Every station holds exactly the server's files of its directorate, at the server's
/// version, and an index entry for every other record.
async fn assert_converged(central: &Central, stations: &[&Station]) {
    let rows: Vec<(Uuid, i64, String, Value)> =
        sqlx::query_as("SELECT id, version, owning_directorate, document FROM record ORDER BY id")
            .fetch_all(central.pool())
            .await
            .unwrap();
    for s in stations {
        let own: BTreeMap<Uuid, (i64, Value)> = rows
            .iter()
            .filter(|r| r.2 == s.directorate)
            .map(|r| (r.0, (r.1, r.3.clone())))
            .collect();
        assert_eq!(
            s.files.keys().collect::<Vec<_>>(),
            own.keys().collect::<Vec<_>>(),
            "the station holds its directorate's files, no more, no fewer"
        );
        for (id, (version, doc)) in &own {
            let (v, d) = &s.files[id];
            assert_eq!(v, version, "version of {id}");
            assert_eq!(
                comparable_leaves(d),
                comparable_leaves(doc),
                "content of {id}"
            );
        }
        let others: BTreeSet<Uuid> = rows
            .iter()
            .filter(|r| r.2 != s.directorate)
            .map(|r| r.0)
            .collect();
        assert_eq!(s.index.keys().copied().collect::<BTreeSet<_>>(), others);
        assert!(s.pending.is_empty(), "nothing left to push");
    }
}

async fn mutations_on_server(central: &Central) -> BTreeSet<Uuid> {
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT mutation_id FROM mutation")
        .fetch_all(central.pool())
        .await
        .unwrap();
    let set: BTreeSet<Uuid> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len());
    set
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_sync_merge_and_surface_conflicts_through_the_server() {
    let Some(db) = database().await else { return };
    let server = start(&db, Faults::Queue(Arc::default())).await;
    let mut a = server.station("st-tr-01", "dvp-tirane").await;
    let mut b = server.station("st-tr-02", "dvp-tirane").await;
    let mut c = server.station("st-dr-01", "dvp-durres").await;

    let f1 = a.create("Hoxha");
    let f2 = a.create("Leka");
    for i in 0..3 {
        a.record_audit(&format!("file-{i}"));
    }
    let r = a.sync().await;
    assert_eq!((r.pushed, r.audit_stored), (2, 3));
    b.sync().await;
    c.sync().await;
    assert_eq!(b.files.len(), 2);
    assert_eq!((c.files.len(), c.index.len()), (0, 2));

    // Offline on both: different fields of f1, the same field of f2.
    a.edit(f1, "/data/identity/surname", json!("Hoxhaj"));
    b.edit(f1, "/data/description/marks", json!("scar"));
    a.edit(f2, "/data/identity/given_name", json!("Arbër"));
    b.edit(f2, "/data/identity/given_name", json!("Arbri"));
    a.sync().await;
    let rb = b.sync().await;
    assert_eq!(rb.conflicts, 1);
    a.sync().await;
    c.sync().await;
    assert_converged(&server.central, &[&a, &b, &c]).await;
    assert_eq!(
        a.files[&f1].1["data"]["identity"]["surname"],
        json!("Hoxhaj")
    );
    assert_eq!(
        a.files[&f1].1["data"]["description"]["marks"],
        json!("scar")
    );
    assert_eq!(
        b.files[&f2].1["data"]["identity"]["given_name"],
        json!("Arbër")
    );
    let open = b.client().conflicts().await.unwrap().conflicts;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].fields[0].station, json!("Arbri"));
    assert!(c.client().conflicts().await.unwrap().conflicts.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_replies_resets_and_stalls_are_retried_and_nothing_applies_twice() {
    let Some(db) = database().await else { return };
    let queue: Arc<Mutex<VecDeque<Fault>>> = Arc::default();
    let server = start(&db, Faults::Queue(queue.clone())).await;
    let mut a = server.station("st-tr-01", "dvp-tirane").await;
    let mut b = server.station("st-tr-02", "dvp-tirane").await;
    for i in 0..10 {
        a.create(&format!("Hoxha{i}"));
    }
    a.record_audit("x");
    // push: lost reply, then reset; pull: stall, then lost reply; audit: reset.
    queue.lock().unwrap().extend([
        Fault::LostReply,
        Fault::Reset,
        Fault::None,
        Fault::Stall,
        Fault::LostReply,
        Fault::None,
        Fault::Reset,
    ]);
    let r = a.sync().await;
    assert_eq!(r.pushed, 10);
    assert_eq!(r.audit_stored, 1);
    assert!(queue.lock().unwrap().is_empty(), "every fault was met");
    queue
        .lock()
        .unwrap()
        .extend([Fault::Stall, Fault::Reset, Fault::LostReply]);
    b.sync().await;
    assert_converged(&server.central, &[&a, &b]).await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM record")
        .fetch_one(server.central.pool())
        .await
        .unwrap();
    assert_eq!(count, 10, "nothing duplicated");
    assert_eq!(
        mutations_on_server(&server.central).await,
        a.made.iter().copied().collect()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_operations_and_faults_converge_with_nothing_lost_or_duplicated() {
    let Some(db) = database().await else { return };
    let seed: u64 = std::env::var("REGJISTRI_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    eprintln!("random sync test seed {seed} (REGJISTRI_SYNC_SEED to repeat)");
    let faults = Faults::Random(Arc::new(Mutex::new((
        ChaCha8Rng::seed_from_u64(seed),
        0.25,
    ))));
    let server = start(&db, faults).await;
    let mut stations = vec![
        server.station("st-tr-01", "dvp-tirane").await,
        server.station("st-tr-02", "dvp-tirane").await,
        server.station("st-dr-01", "dvp-durres").await,
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let fields = [
        "/data/identity/surname",
        "/data/identity/given_name",
        "/data/description/marks",
        "/data/description/eye_colour",
    ];
    let values = ["A", "B", "C"];
    let mut created = 0;
    for _ in 0..60 {
        let s = &mut stations[rng.gen_range(0..3)];
        match rng.gen_range(0..10) {
            0..=2 => {
                s.create(&format!("Emri{created}"));
                created += 1;
            }
            3..=8 if !s.files.is_empty() => {
                let ids: Vec<Uuid> = s.files.keys().copied().collect();
                let id = ids[rng.gen_range(0..ids.len())];
                let field = fields[rng.gen_range(0..fields.len())];
                s.edit(id, field, json!(values[rng.gen_range(0..values.len())]));
            }
            9 if !s.files.is_empty() => {
                let ids: Vec<Uuid> = s.files.keys().copied().collect();
                let id = ids[rng.gen_range(0..ids.len())];
                s.edit(id, "/status", json!("removed"));
            }
            _ => {
                let n = format!("view-{}", rng.gen::<u16>());
                s.record_audit(&n);
            }
        }
        if rng.gen_bool(0.4) {
            let i = rng.gen_range(0..3);
            stations[i].sync().await;
        }
    }
    // The network heals; two rounds each bring everyone to the server's state.
    server.faults.set_probability(0.0);
    for _ in 0..2 {
        for s in stations.iter_mut() {
            s.sync().await;
        }
    }
    let refs: Vec<&Station> = stations.iter().collect();
    assert_converged(&server.central, &refs).await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM record")
        .fetch_one(server.central.pool())
        .await
        .unwrap();
    assert_eq!(count, created, "every file created once, none duplicated");
    let made: BTreeSet<Uuid> = stations
        .iter()
        .flat_map(|s| s.made.iter().copied())
        .collect();
    assert_eq!(
        mutations_on_server(&server.central).await,
        made,
        "every mutation arrived exactly once"
    );
    for s in &stations {
        assert!(s.quarantined.is_empty(), "{:?}", s.quarantined);
        assert_eq!(
            s.audit_head,
            s.audit.len() as i64,
            "the audit trail arrived"
        );
    }
}

// ---- the real binary, killed (SIGKILL) and restarted while a station pushes ----

const BIN: &str = env!("CARGO_BIN_EXE_regjistri-server");

/// The URL of a new, empty database in the cluster of DATABASE_URL.
fn database_url_for(name: &str) -> String {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{scheme}://{authority}/{name}{query}")
}

fn serve(state: &std::path::Path, port: u16, url: &str) -> std::process::Child {
    std::process::Command::new(BIN)
        .args(["--dir", state.to_str().unwrap(), "serve", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--database-url", url])
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_and_restarted_during_pushes_loses_and_duplicates_nothing() {
    let Some(db) = database().await else { return };
    let name = db.get_database().expect("a database name").to_string();
    let url = database_url_for(&name);
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let bundle = tmp.path().join("st.pem");
    for args in [
        vec!["init", "--host", "localhost", "--database-url", &url],
        vec![
            "enrol-station",
            "st-tr-01",
            "--directorate",
            "dvp-tirane",
            "--database-url",
            &url,
            "--out",
            bundle.to_str().unwrap(),
        ],
    ] {
        let out = std::process::Command::new(BIN)
            .arg("--dir")
            .arg(&state)
            .args(&args)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let identity = Identity::from_bundle(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let mut station = Station::new(
        &identity,
        &format!("https://localhost:{port}"),
        "dvp-tirane",
        60,
    );
    let mut child = serve(&state, port, &url);
    let central = Central::connect_with(
        db.clone().username(regjistri_central::APP_ROLE),
        2,
        Arc::new(SystemClock),
    )
    .await
    .unwrap();

    // Each round: 150 new files pushed (two batches), the server killed after a delay that
    // falls before, inside or after a batch's transaction, then started again.
    for delay_ms in [0u64, 15, 40, 80, 150] {
        for i in 0..150 {
            station.create(&format!("Emri{delay_ms}-{i}"));
        }
        let killer = async {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            let _ = child.kill();
            let _ = child.wait();
            child = serve(&state, port, &url);
        };
        let (report, ()) = tokio::join!(station.sync(), killer);
        assert_eq!(report.rejected, 0);
    }
    station.sync().await;
    let _ = child.kill();
    let _ = child.wait();

    assert_converged(&central, &[&station]).await;
    assert_eq!(station.files.len(), 750);
    assert_eq!(
        mutations_on_server(&central).await,
        station.made.iter().copied().collect(),
        "every mutation applied exactly once across the restarts"
    );
}
