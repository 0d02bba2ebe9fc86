//! Stations synchronising through the real server over mutual TLS, with the real client
//! (reqwest) and worker of `regjistri-sync`, each station's storage in memory. Faults are
//! injected inside the server after the request was handled (so the work is committed and
//! only the reply suffers): a lost reply (503), a connection reset mid-response, a stall
//! mid-response. Needs DATABASE_URL (scripts/with-postgres.sh); REGJISTRI_SKIP_PG=1 skips.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http_body::Frame;
use http_body_util::BodyExt;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regjistri_central::{Central, PgConnectOptions};
use regjistri_domain::clock::SystemClock;
use regjistri_domain::diff::diff;
use regjistri_server::http::{self, AppState};
use regjistri_server::pki::{self, Issued};
use regjistri_server::tls;
use regjistri_sync::audit_chain::{chain_hash, GENESIS};
use regjistri_sync::client::{Identity, Settings, SyncClient};
use regjistri_sync::document::comparable_leaves;
use regjistri_sync::protocol::{
    AuditEventWire, Mutation, MutationResult, Outcome, PullItem, PullPage,
};
use regjistri_sync::worker::{sync_once, Replica, Report};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use uuid::Uuid;

async fn database() -> Option<PgConnectOptions> {
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("REGJISTRI_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("\n*** SKIPPED: no DATABASE_URL and REGJISTRI_SKIP_PG=1: the worker tests did NOT run ***\n");
            return None;
        }
        _ => panic!(
            "DATABASE_URL is not set: run these tests under scripts/with-postgres.sh \
             (it starts a throwaway PostgreSQL), or set REGJISTRI_SKIP_PG=1 to skip them loudly"
        ),
    };
    let base = PgConnectOptions::from_str(&url).expect("DATABASE_URL parses");
    let name = format!("regjistri_test_{}", Uuid::now_v7().simple());
    let mut admin = PgConnection::connect_with(&base).await.expect("connect");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create database");
    let options = base.database(&name);
    regjistri_central::migrate_with(options.clone())
        .await
        .expect("migrate");
    Some(options)
}

// ---- faults, injected after the handler committed ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The work is done, the answer never arrives: a 503 instead.
    LostReply,
    /// Half the answer, then the connection breaks.
    Reset,
    /// Half the answer, then nothing more.
    Stall,
}

#[derive(Clone)]
enum Faults {
    Queue(Arc<Mutex<VecDeque<Fault>>>),
    Random(Arc<Mutex<(ChaCha8Rng, f64)>>),
}

impl Faults {
    fn next(&self) -> Fault {
        match self {
            Faults::Queue(q) => q.lock().unwrap().pop_front().unwrap_or(Fault::None),
            Faults::Random(r) => {
                let mut guard = r.lock().unwrap();
                let (rng, p) = &mut *guard;
                if *p > 0.0 && rng.gen_bool(*p) {
                    [Fault::LostReply, Fault::Reset, Fault::Stall][rng.gen_range(0..3)]
                } else {
                    Fault::None
                }
            }
        }
    }
    fn set_probability(&self, p: f64) {
        if let Faults::Random(r) = self {
            r.lock().unwrap().1 = p;
        }
    }
}

/// A body that sends its first half and then breaks or stalls.
struct Broken {
    first: Option<Bytes>,
    reset: bool,
}

impl http_body::Body for Broken {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(b) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        if self.reset {
            Poll::Ready(Some(Err(std::io::Error::other("injected reset"))))
        } else {
            Poll::Pending
        }
    }
}

async fn inject(faults: Faults, req: Request<Body>, next: Next) -> Response {
    let response = next.run(req).await;
    let fault = faults.next();
    if fault == Fault::None {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    match fault {
        Fault::LostReply => (StatusCode::SERVICE_UNAVAILABLE, "lost").into_response(),
        Fault::Reset | Fault::Stall => {
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            let half = bytes.slice(..bytes.len() / 2);
            Response::from_parts(
                parts,
                Body::new(Broken {
                    first: Some(half),
                    reset: fault == Fault::Reset,
                }),
            )
        }
        Fault::None => unreachable!(),
    }
}

// ---- the server ----

struct Server {
    base_url: String,
    ca: Issued,
    central: Central,
    faults: Faults,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(db: &PgConnectOptions, faults: Faults) -> Server {
    let now = OffsetDateTime::now_utc();
    let ca = pki::new_ca(now, 1).unwrap();
    let cert = pki::server_certificate(
        &ca,
        &["localhost".to_string()],
        now - time::Duration::hours(1),
        now + time::Duration::days(1),
    )
    .unwrap();
    let config = tls::server_config(&ca.cert_pem, &cert.cert_pem, &cert.key_pem).unwrap();
    let central = Central::connect_with(
        db.clone().username(regjistri_central::APP_ROLE),
        8,
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let f = faults.clone();
    let app = http::router(AppState {
        central: central.clone(),
    })
    .layer(axum::middleware::from_fn(move |req, next| {
        inject(f.clone(), req, next)
    }));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, config, app, async {
        let _ = stopped.await;
    }));
    Server {
        base_url: format!("https://localhost:{port}"),
        ca,
        central,
        faults,
        _stop: stop,
    }
}

// ---- a station with its storage in memory ----

struct Station {
    directorate: String,
    client: Option<SyncClient>,
    files: BTreeMap<Uuid, (i64, Value)>,
    index: BTreeMap<Uuid, i64>,
    pending: Vec<Mutation>,
    quarantined: Vec<MutationResult>,
    cursor: i64,
    unseen: Option<BTreeSet<Uuid>>,
    audit: Vec<AuditEventWire>,
    audit_head: i64,
    made: Vec<Uuid>,
}

impl Server {
    async fn station(&self, code: &str, directorate: &str) -> Station {
        let now = OffsetDateTime::now_utc();
        let cert = pki::station_certificate(
            &self.ca,
            code,
            directorate,
            now - time::Duration::hours(1),
            now + time::Duration::days(1),
        )
        .unwrap();
        self.central
            .enrol_station(code, directorate, &cert.sha256().unwrap(), "admin")
            .await
            .unwrap();
        let identity = Identity::from_bundle(&pki::station_bundle(&cert, &self.ca)).unwrap();
        Station::new(&identity, &self.base_url, directorate, 12)
    }
}

impl Station {
    fn new(identity: &Identity, base_url: &str, directorate: &str, retries: u32) -> Station {
        let mut settings = Settings::new(base_url);
        settings.connect_timeout = Duration::from_secs(2);
        settings.idle_timeout = Duration::from_millis(700);
        settings.overall_timeout = Duration::from_secs(10);
        settings.retries = retries;
        settings.backoff_base = Duration::from_millis(5);
        settings.backoff_max = Duration::from_millis(200);
        Station {
            directorate: directorate.into(),
            client: Some(SyncClient::new(identity, settings).unwrap()),
            files: BTreeMap::new(),
            index: BTreeMap::new(),
            pending: Vec::new(),
            quarantined: Vec::new(),
            cursor: 0,
            unseen: None,
            audit: Vec::new(),
            audit_head: 0,
            made: Vec::new(),
        }
    }
}

fn document(directorate: &str, surname: &str) -> Value {
    json!({
        "status": "pending",
        "owning_directorate": directorate,
        "data": {
            "identity": {
                "surname": surname, "given_name": "Arben", "father_name": "Gjergj",
                "mother_name": "Drita", "sex": "M", "date_of_birth": "1968-02-18",
                "place_of_birth": "Tiranë", "nid": null, "nid_check_overridden": false,
                "citizenships": ["AL"], "aliases": []
            },
            "description": {"height_cm": null, "eye_colour": "", "hair_colour": "", "marks": ""},
            "convictions": [],
            "addresses": []
        }
    })
}

impl Station {
    fn mutation(&mut self, id: Uuid, base: i64, changes: Vec<regjistri_domain::diff::FieldChange>) {
        let m = Mutation {
            mutation_id: Uuid::now_v7(),
            entity: "offender_file".into(),
            entity_id: id,
            base_version: base,
            diff: changes,
            actor: "arta.kola".into(),
            created_at: Utc::now(),
            approves: None,
        };
        self.made.push(m.mutation_id);
        self.pending.push(m);
    }

    fn create(&mut self, surname: &str) -> Uuid {
        let id = Uuid::now_v7();
        let doc = document(&self.directorate, surname);
        self.mutation(id, 0, diff(&Value::Null, &doc));
        self.files.insert(id, (0, doc));
        id
    }

    /// Sets a JSON pointer in a local file (an offline edit).
    fn edit(&mut self, id: Uuid, pointer: &str, value: Value) {
        let (version, doc) = self.files[&id].clone();
        let mut new = doc.clone();
        *new.pointer_mut(pointer).unwrap() = value;
        let changes = diff(&doc, &new);
        if !changes.is_empty() {
            self.mutation(id, version, changes);
            self.files.insert(id, (version, new));
        }
    }

    fn record_audit(&mut self, object: &str) {
        let seq = self.audit.len() as i64 + 1;
        let prev = self
            .audit
            .last()
            .map_or(GENESIS.to_string(), |e| e.hash.clone());
        let mut e = AuditEventWire {
            seq,
            id: Uuid::now_v7().to_string(),
            at: "2026-05-04T08:00:00.000000Z".into(),
            actor: "arta.kola".into(),
            station: "memory".into(),
            action: "file.view".into(),
            object_type: "offender_file".into(),
            object_id: object.into(),
            outcome: "ok".into(),
            prev_hash: prev,
            hash: String::new(),
        };
        e.hash = chain_hash(&e.prev_hash, &e);
        self.audit.push(e);
    }

    async fn sync(&mut self) -> Report {
        // The worker borrows the station's storage; the client is lent out meanwhile.
        let client = self.client.take().expect("a client");
        let result = sync_once(&client, self, 7, &mut |_| {}).await;
        self.client = Some(client);
        result.expect("sync")
    }

    fn client(&self) -> &SyncClient {
        self.client.as_ref().expect("a client")
    }
}

impl Replica for Station {
    type Error = String;

    fn pending(&mut self, max: usize) -> Result<Vec<Mutation>, String> {
        Ok(self.pending.iter().take(max).cloned().collect())
    }

    fn record_results(&mut self, results: &[MutationResult]) -> Result<(), String> {
        for r in results {
            self.pending.retain(|m| m.mutation_id != r.mutation_id);
            if r.outcome == Outcome::Rejected {
                self.quarantined.push(r.clone());
            }
        }
        Ok(())
    }

    fn cursor(&mut self) -> Result<i64, String> {
        Ok(self.cursor)
    }

    fn apply_page(&mut self, page: &PullPage) -> Result<(), String> {
        for item in &page.items {
            match item {
                PullItem::File {
                    id,
                    version,
                    document,
                    ..
                } => {
                    self.files.insert(*id, (*version, document.clone()));
                    self.index.remove(id);
                    if let Some(u) = &mut self.unseen {
                        u.remove(id);
                    }
                }
                PullItem::Index { id, version, .. } => {
                    self.files.remove(id);
                    self.index.insert(*id, *version);
                    if let Some(u) = &mut self.unseen {
                        u.remove(id);
                    }
                }
                // These in-memory stations make no records and no users.
                PullItem::Record { .. }
                | PullItem::User { .. }
                | PullItem::Notice { .. }
                | PullItem::RuleSet { .. }
                | PullItem::Reference { .. } => {
                    return Err("a record, user, rule version or reference set nobody made".into())
                }
                PullItem::Tombstone { id, .. } => {
                    self.files.remove(id);
                    self.index.remove(id);
                }
            }
        }
        self.cursor = page.next_cursor;
        Ok(())
    }

    fn begin_resnapshot(&mut self) -> Result<(), String> {
        self.cursor = 0;
        self.unseen = Some(
            self.files
                .keys()
                .chain(self.index.keys())
                .copied()
                .collect(),
        );
        Ok(())
    }

    fn finish_resnapshot(&mut self) -> Result<(), String> {
        for id in self.unseen.take().unwrap_or_default() {
            self.files.remove(&id);
            self.index.remove(&id);
        }
        Ok(())
    }

    fn audit_pending(&mut self, max: usize) -> Result<Vec<AuditEventWire>, String> {
        Ok(self
            .audit
            .iter()
            .filter(|e| e.seq > self.audit_head)
            .take(max)
            .cloned()
            .collect())
    }

    fn audit_accepted(&mut self, head_seq: i64) -> Result<(), String> {
        self.audit_head = head_seq;
        Ok(())
    }
}

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

// ---- measurements (ignored in the normal run; see docs/performance.md) ----

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// `REGJISTRI_BENCH_FILES` files (default 50,000) pushed by one station, then pulled whole by
/// a fresh station over mutual TLS; then single-change round trips; then
/// `REGJISTRI_BENCH_STATIONS` stations (default 200) pushing at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run by hand: see docs/performance.md"]
async fn measure_initial_sync_round_trip_and_many_stations() {
    let Some(db) = database().await else { return };
    let files = env_usize("REGJISTRI_BENCH_FILES", 50_000);
    let stations = env_usize("REGJISTRI_BENCH_STATIONS", 200);
    let server = start(&db, Faults::Queue(Arc::default())).await;
    let mut a = server.station("st-tr-01", "dvp-tirane").await;

    for i in 0..files {
        a.create(&format!("Emri{i}"));
    }
    let t = std::time::Instant::now();
    let client = a.client.take().unwrap();
    for batch in regjistri_sync::protocol::batches(a.pending.clone()) {
        let r = client.push(&batch).await.unwrap();
        a.record_results(&r.results).unwrap();
    }
    a.client = Some(client);
    let push_time = t.elapsed();
    eprintln!(
        "push of {files} new files: {:.1} s, {:.0} files/s",
        push_time.as_secs_f64(),
        files as f64 / push_time.as_secs_f64()
    );

    let mut b = server.station("st-tr-02", "dvp-tirane").await;
    let t = std::time::Instant::now();
    let client = b.client.take().unwrap();
    let report = sync_once(&client, &mut b, 1000, &mut |_| {}).await.unwrap();
    b.client = Some(client);
    let pull_time = t.elapsed();
    assert_eq!(report.pulled, files);
    eprintln!(
        "initial sync of a {files}-file directorate: {:.1} s, {:.0} files/s",
        pull_time.as_secs_f64(),
        files as f64 / pull_time.as_secs_f64()
    );
    // A pulls its own files back (the test stations' usual pages are tiny, for the fault
    // tests; here pages of 1,000).
    let client = a.client.take().unwrap();
    sync_once(&client, &mut a, 1000, &mut |_| {}).await.unwrap();
    a.client = Some(client);

    // One change: pushed by A, pulled by B.
    let ids: Vec<Uuid> = a.files.keys().copied().take(20).collect();
    let mut trips = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        a.edit(*id, "/data/description/marks", json!(format!("mark {n}")));
        let t = std::time::Instant::now();
        a.sync().await;
        b.sync().await;
        trips.push(t.elapsed());
        assert_eq!(
            b.files[id].1["data"]["description"]["marks"],
            json!(format!("mark {n}"))
        );
    }
    trips.sort();
    eprintln!(
        "one change round trip (push + pull at A, pull at B): median {:.1} ms, max {:.1} ms",
        percentile(&trips, 0.5).as_secs_f64() * 1e3,
        trips.last().unwrap().as_secs_f64() * 1e3
    );

    // Many stations pushing at once (each one new file; cursor left at the end), twice: on
    // new connections (every push pays a TLS handshake, all on this machine's two cores,
    // beside the server), and on connections the stations already hold (as a station that
    // synchronises every minute does; the handshake was made by a first request).
    for warm in [false, true] {
        many_stations_push(&server, stations, warm).await;
    }
}

async fn many_stations_push(server: &Server, stations: usize, warm: bool) {
    let mut many = Vec::new();
    for i in 0..stations {
        let mut s = server
            .station(
                &format!("st-bench-{}-{i:03}", if warm { "w" } else { "c" }),
                "dvp-tirane",
            )
            .await;
        s.cursor = i64::MAX / 2; // no pull: the push is what is measured
        many.push(s);
    }
    let mut tasks = Vec::new();
    let start = Arc::new(tokio::sync::Barrier::new(many.len()));
    for mut s in many {
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            s.create("Njëkohësisht");
            let client = s.client.take().unwrap();
            if warm {
                client.station().await.unwrap();
            }
            // All start together: the slowest handshake is not what is timed.
            start.wait().await;
            let t = std::time::Instant::now();
            let r = client.push(&s.pending).await;
            (t.elapsed(), r.map(|r| r.results[0].outcome))
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (d, r) = t.await.unwrap();
        match r {
            Ok(Outcome::Applied) => latencies.push(d),
            _ => errors += 1,
        }
    }
    latencies.sort();
    eprintln!(
        "{stations} stations pushing at once ({} connections): p50 {:.0} ms, p99 {:.0} ms, errors {errors}",
        if warm { "held" } else { "new" },
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );
}
