//! Stations benchmark (issue 4): workstations on real SQLCipher databases (the desktop app's
//! `Registry`, keys in the real Secret Service) synchronising through the real server (axum
//! over mutual TLS, PostgreSQL) in this process on loopback, with the real client and
//! worker. Not a test: it prints medians, p95, p99 and throughput for docs/performance.md,
//! each issue-4 target met or not, and panics (a non-zero exit) on any error.
//!
//!     scripts/with-postgres.sh scripts/with-keyring.sh cargo bench -p regjistri-cli --bench stations
//!
//! Settings: REGJISTRI_BENCH_FILES (default 50,000 invented files of one directorate, put
//! on the server), REGJISTRI_BENCH_INITIAL_RUNS (2 new stations pull them all, each into
//! its own database), REGJISTRI_BENCH_TRIPS (50 edits made at one station and pulled at the
//! other).

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "../../../server/benches/figures/mod.rs"]
mod figures;

use std::time::{Duration, Instant};

use figures::{at_most, env_usize, per_second, secs, Latencies};
use regjistri_app::SearchQuery;
use regjistri_sync::protocol::{Mutation, Outcome, MAX_PUSH_MUTATIONS};
use support::{edit, Server, Station};
use uuid::Uuid;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let files = env_usize("REGJISTRI_BENCH_FILES", 50_000);
    let initial_runs = env_usize("REGJISTRI_BENCH_INITIAL_RUNS", 2);
    let trips = env_usize("REGJISTRI_BENCH_TRIPS", 50);
    let db = support::database().await.expect(
        "the benchmark needs DATABASE_URL: run it under scripts/with-postgres.sh scripts/with-keyring.sh",
    );
    let server = support::start(&db).await;
    println!(
        "stations benchmark: {files} files, {initial_runs} initial syncs into SQLCipher, \
         {trips} round trips; load average {}",
        load_average()
    );
    seed(&server, files).await;
    let stations = initial_sync(&server, files, initial_runs).await;
    round_trips(&stations[0], &stations[1], trips).await;
    println!("load average at the end {}", load_average());
}

/// The 1-, 5- and 15-minute load averages, as the kernel reports them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The directorate's files, invented (`regjistri-demo`), validated as the station's write
/// path validates them, and pushed straight into the central layer by a station.
async fn seed(server: &Server, files: usize) {
    let seeding = server
        .central
        .enrol_station("st-seed", "dvp-tirane", "sha-of-no-certificate", "admin")
        .await
        .expect("enrol the seeding station");
    let reference =
        regjistri_domain::reference::ReferenceSet::provisional().expect("reference data");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).expect("a date");
    let mut generator = regjistri_demo::Generator::new(7, &reference, today);
    let started = Instant::now();
    let mut batch = Vec::with_capacity(MAX_PUSH_MUTATIONS);
    for i in 0..files {
        let mut d = generator.next_draft();
        for a in &mut d.addresses {
            a.municipality_code = "tirane".into();
        }
        let mut new_id = Uuid::now_v7;
        let data = regjistri_domain::validate::validate(
            &d,
            &mut regjistri_domain::validate::Context {
                reference: &reference,
                today,
                new_id: &mut new_id,
            },
        )
        .expect("an invented file is valid");
        let doc = serde_json::json!({"status": "pending", "owning_directorate": "dvp-tirane", "data": data});
        batch.push(Mutation {
            mutation_id: Uuid::now_v7(),
            entity: "offender_file".into(),
            entity_id: Uuid::now_v7(),
            base_version: 0,
            diff: regjistri_domain::diff::diff(&serde_json::Value::Null, &doc),
            actor: "arta.kola".into(),
            created_at: chrono::Utc::now(),
            approves: None,
        });
        if batch.len() == MAX_PUSH_MUTATIONS || i + 1 == files {
            let r = server.central.push(&seeding, &batch).await.expect("push");
            for m in &r.results {
                assert_eq!(m.outcome, Outcome::Applied, "{m:?}");
            }
            batch.clear();
        }
    }
    let took = started.elapsed();
    println!(
        "server seeded with {files} files (central layer, no HTTP): {}, {:.0} files/s (no target)",
        secs(took),
        per_second(files, took)
    );
}

/// New stations of the directorate, each pulling it whole into its own database.
async fn initial_sync(server: &Server, files: usize, runs: usize) -> Vec<Station> {
    let mut took = Vec::new();
    let mut stations = Vec::new();
    for run in 0..runs.max(2) {
        let s = Station::new("dvp-tirane", &format!("s{run}"));
        let code = format!("st-tr-{:02}", run + 1);
        s.enrol(server, &code, "dvp-tirane").await;
        let started = Instant::now();
        let r = s.sync().await;
        let d = started.elapsed();
        assert_eq!(r.pulled as usize, files, "every file pulled: {r:?}");
        assert_eq!((r.rejected, r.audit_refused.as_deref()), (0, None), "{r:?}");
        println!(
            "initial sync of a {files}-file directorate into SQLCipher ({code}): {}, {:.0} files/s",
            secs(d),
            per_second(files, d)
        );
        took.push(d);
        stations.push(s);
    }
    let checksum = stations[0].checksum();
    for s in &stations[1..] {
        assert_eq!(s.checksum(), checksum, "every station holds the same");
    }
    let l = Latencies::new(took);
    println!("initial sync into SQLCipher: {}", l.line());
    println!(
        "{}",
        at_most(
            &format!("initial sync of {files} files into SQLCipher (slowest)"),
            l.max(),
            Duration::from_secs(30)
        )
    );
    println!(
        "initial sync into SQLCipher, median run: {:.0} files/s (no target here: the \
         20,000 operations/s on loopback are the sync bench's)",
        per_second(files, l.median())
    );
    stations
}

/// An edit made in A's application layer, then A's round and B's; B then holds it.
async fn round_trips(a: &Station, b: &Station, trips: usize) {
    a.as_user("clerk.s0");
    b.as_user("clerk.s1");
    let ids: Vec<Uuid> = a
        .registry
        .search(&SearchQuery {
            page_size: 20,
            ..SearchQuery::default()
        })
        .expect("search")
        .items
        .iter()
        .map(|f| f.id)
        .collect();
    assert!(!ids.is_empty(), "files to edit");
    let mut took = Vec::new();
    for n in 0..trips {
        let id = ids[n % ids.len()];
        let marks = format!("Shenjë {n}");
        edit(a, id, |d| d.description.marks = marks.clone());
        let started = Instant::now();
        let pushed = a.sync().await;
        let pulled = b.sync().await;
        took.push(started.elapsed());
        assert_eq!((pushed.pushed, pushed.rejected), (1, 0), "{pushed:?}");
        assert!(pulled.pulled >= 1, "{pulled:?}");
        let at_b = b.registry.get_file(id).expect("the file at B");
        assert_eq!(at_b.file.data.description.marks, marks);
    }
    let l = Latencies::new(took);
    println!(
        "one change round trip between two SQLCipher stations (A: push, pull, audit; B the same): {}",
        l.line()
    );
    println!(
        "{}",
        at_most(
            "one change round trip (p99)",
            l.p99(),
            Duration::from_millis(100)
        )
    );
}
