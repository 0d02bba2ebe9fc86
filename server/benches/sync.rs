//! Synchronisation benchmark (issue 4) through the real server: axum over mutual TLS
//! (rustls) and PostgreSQL, in this process on loopback, with stations whose storage is in
//! memory, driven by the real client (reqwest) and worker of `regjistri-sync`. Not a test:
//! it prints medians, p95, p99 and throughput for docs/performance.md, each issue-4 target
//! met or not, and panics (a non-zero exit) on any error.
//!
//!     scripts/with-postgres.sh cargo bench -p regjistri-server --bench sync
//!
//! Settings: REGJISTRI_BENCH_FILES (default 50,000 files of one directorate),
//! REGJISTRI_BENCH_INITIAL_RUNS (3 fresh stations pull them all), REGJISTRI_BENCH_TRIPS (100
//! single-change round trips), REGJISTRI_BENCH_STATIONS (200 stations pushing at once),
//! REGJISTRI_BENCH_BURSTS (5 such bursts on held connections, 5 on new ones).

#[path = "../tests/support/mod.rs"]
mod support;

mod figures;

use std::sync::Arc;
use std::time::{Duration, Instant};

use figures::{at_least, at_most, env_usize, ms, per_second, secs, Latencies};
use regjistri_sync::protocol::{batches, Outcome};
use regjistri_sync::worker::{sync_once, Replica};
use serde_json::json;
use support::{Faults, Server, Station};
use uuid::Uuid;

/// The pull's page size, as the station's worker asks for.
const PAGE: u32 = 1000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let files = env_usize("REGJISTRI_BENCH_FILES", 50_000);
    let initial_runs = env_usize("REGJISTRI_BENCH_INITIAL_RUNS", 3);
    let trips = env_usize("REGJISTRI_BENCH_TRIPS", 100);
    let stations = env_usize("REGJISTRI_BENCH_STATIONS", 200);
    let bursts = env_usize("REGJISTRI_BENCH_BURSTS", 5);
    let db = support::database()
        .await
        .expect("the benchmark needs DATABASE_URL: run it under scripts/with-postgres.sh");
    let server = support::start(&db, Faults::Queue(Arc::default())).await;
    println!(
        "sync benchmark: {files} files, {initial_runs} initial syncs, {trips} round trips, \
         {stations} stations × {bursts} bursts; load average {}",
        load_average()
    );

    let mut a = server.station("st-tr-01", "dvp-tirane").await;
    seed(&mut a, files).await;
    let mut b = initial_sync(&server, files, initial_runs).await;
    round_trips(&mut a, &mut b, trips).await;
    for held in [true, false] {
        many_stations(&server, stations, bursts, held).await;
    }
    println!("load average at the end {}", load_average());
}

/// The 1-, 5- and 15-minute load averages, as the kernel reports them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Station A makes `files` new files and pushes them in the protocol's batches.
async fn seed(a: &mut Station, files: usize) {
    for i in 0..files {
        a.create(&format!("Emri{i}"));
    }
    let client = a.client.take().expect("a client");
    let started = Instant::now();
    for batch in batches(a.pending.clone()) {
        let r = client.push(&batch).await.expect("push");
        for result in &r.results {
            assert_eq!(result.outcome, Outcome::Applied, "{result:?}");
        }
        a.record_results(&r.results).expect("results recorded");
    }
    let took = started.elapsed();
    a.client = Some(client);
    assert!(a.pending.is_empty());
    println!(
        "push of {files} new files by one station: {}, {:.0} files/s (no target)",
        secs(took),
        per_second(files, took)
    );
}

/// Fresh stations of the same directorate pull it whole from cursor 0; the last is kept.
async fn initial_sync(server: &Server, files: usize, runs: usize) -> Station {
    let mut took = Vec::new();
    let mut last = None;
    for run in 0..runs.max(1) {
        let mut s = server
            .station(&format!("st-tr-init-{run}"), "dvp-tirane")
            .await;
        let client = s.client.take().expect("a client");
        let started = Instant::now();
        let report = sync_once(&client, &mut s, PAGE, &mut |_| {})
            .await
            .expect("initial sync");
        let d = started.elapsed();
        s.client = Some(client);
        assert_eq!(report.pulled, files, "every file pulled");
        assert_eq!(s.files.len(), files, "every file held");
        println!(
            "initial sync of a {files}-file directorate, station {}: {}, {:.0} files/s",
            run + 1,
            secs(d),
            per_second(files, d)
        );
        took.push(d);
        last = Some(s);
    }
    let l = Latencies::new(took);
    println!("initial sync: {}", l.line());
    println!(
        "{}",
        at_most(
            &format!("initial sync of {files} files (slowest)"),
            l.max(),
            secs_of(30)
        )
    );
    println!(
        "{}",
        at_least(
            "initial sync throughput (median run)",
            per_second(files, l.median()),
            20_000.0,
            "files/s"
        )
    );
    last.expect("at least one run")
}

fn secs_of(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// One change made at A and pushed, then pulled at B: A's round (push, pull, audit) and B's.
async fn round_trips(a: &mut Station, b: &mut Station, trips: usize) {
    // A takes its own files back (it made them; the server numbered them).
    let client = a.client.take().expect("a client");
    sync_once(&client, a, PAGE, &mut |_| {})
        .await
        .expect("A pulls");
    a.client = Some(client);
    let ids: Vec<Uuid> = a.files.keys().copied().take(trips.clamp(1, 1000)).collect();
    let mut took = Vec::new();
    for n in 0..trips {
        let id = ids[n % ids.len()];
        let marks = format!("mark {n}");
        a.edit(id, "/data/description/marks", json!(marks));
        let started = Instant::now();
        let pushed = a.sync().await;
        let pulled = b.sync().await;
        took.push(started.elapsed());
        assert_eq!((pushed.pushed, pushed.rejected), (1, 0), "{pushed:?}");
        assert!(pulled.pulled >= 1, "{pulled:?}");
        assert_eq!(b.files[&id].1["data"]["description"]["marks"], json!(marks));
    }
    let l = Latencies::new(took);
    println!(
        "one change round trip (A push + pull + audit, B the same): {}",
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

/// `stations` stations push one new file each at the same moment, `bursts` times: on
/// connections they hold (a station that synchronises every minute keeps its connection;
/// the same stations every burst) or on new ones (fresh stations each burst, so every push
/// pays a TLS handshake, all on this machine's cores beside the server).
async fn many_stations(server: &Server, stations: usize, bursts: usize, held: bool) {
    let kind = if held { "held" } else { "new" };
    let mut fleet: Vec<Station> = Vec::new();
    let mut all = Vec::new();
    let mut p99s = Vec::new();
    for burst in 0..bursts.max(1) {
        if !held || burst == 0 {
            fleet.clear();
            for i in 0..stations {
                let code = format!("st-bench-{kind}-{burst}-{i:03}");
                let s = server.station(&code, "dvp-tirane").await;
                if held {
                    // The connection is made (and the station looked up) before the bursts.
                    s.client().station().await.expect("station");
                }
                fleet.push(s);
            }
        }
        let start = Arc::new(tokio::sync::Barrier::new(fleet.len()));
        let mut tasks = Vec::new();
        for mut s in fleet.drain(..) {
            let start = start.clone();
            tasks.push(tokio::spawn(async move {
                s.create("Njëkohësisht");
                let client = s.client.take().expect("a client");
                // All start together: the slowest handshake is not what is timed.
                start.wait().await;
                let started = Instant::now();
                let r = client.push(&s.pending).await;
                let d = started.elapsed();
                s.client = Some(client);
                (s, d, r)
            }));
        }
        let mut took = Vec::new();
        let mut errors = Vec::new();
        for t in tasks {
            let (mut s, d, r) = t.await.expect("a station's task");
            match r {
                Ok(r) if r.results.iter().all(|m| m.outcome == Outcome::Applied) => {
                    s.record_results(&r.results).expect("results recorded");
                    took.push(d);
                }
                Ok(r) => errors.push(format!("{:?}", r.results)),
                Err(e) => errors.push(e.to_string()),
            }
            fleet.push(s);
        }
        assert!(
            errors.is_empty(),
            "{} of {stations} pushes failed ({kind} connections, burst {}): {errors:?}",
            errors.len(),
            burst + 1
        );
        let l = Latencies::new(took.clone());
        println!(
            "{stations} stations pushing at once ({kind} connections), burst {}: {}, \
             {:.0} pushes/s, 0 errors",
            burst + 1,
            l.line(),
            per_second(stations, l.max())
        );
        p99s.push(l.p99());
        all.extend(took);
    }
    let l = Latencies::new(all);
    let met = p99s
        .iter()
        .filter(|p| **p <= Duration::from_millis(200))
        .count();
    println!(
        "{stations} stations pushing at once ({kind} connections), all bursts: {}; \
         p99 per burst {}; 0 errors",
        l.line(),
        p99s.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(", ")
    );
    println!(
        "{} (in {met} of {} bursts)",
        at_most(
            &format!("{stations} stations at once, {kind} connections, p99 push"),
            l.p99(),
            Duration::from_millis(200)
        ),
        p99s.len()
    );
}
