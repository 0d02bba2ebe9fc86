//! What the server's worker tests and the sync benchmark (`benches/sync.rs`, by `#[path]`)
//! share: a throwaway database of the cluster of DATABASE_URL, the real server in-process on
//! a loopback port, serving as the `regjistri_app` login, with faults injected on any route
//! (before the handler runs, or after it committed), and stations whose storage is in memory,
//! driven by the real client and worker of `regjistri-sync`.
#![allow(dead_code)]

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
use rand::seq::SliceRandom;
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
use regjistri_sync::document::content_hash;
use regjistri_sync::protocol::{
    AuditEventWire, Mutation, MutationResult, Outcome, PullItem, PullPage, WireError,
};
use regjistri_sync::worker::{sync_once, Replica, Report};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;

pub async fn database() -> Option<PgConnectOptions> {
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

// ---- faults, injected in the server before or after the handler ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    None,
    /// The request waits this many ms before the handler runs (beyond the client's idle
    /// timeout, the client gives up and asks again, and the handler may or may not run).
    Delay(u64),
    /// The connection is closed before the handler runs: no answer at all, nothing done.
    Drop,
    /// 503 before the handler runs: nothing done (the database was away).
    Unavailable,
    /// The work is done, the answer never arrives: a 503 instead.
    LostReply,
    /// Half the answer, then the connection breaks.
    Reset,
    /// Half the answer, then nothing more.
    Stall,
    /// 413 with an HTML page before the handler, as a reverse proxy in front of the server
    /// answers a body larger than it lets through: nothing done, and not the server's refusal.
    ProxyTooLarge,
    /// 422 before the handler with a code this build does not know, as a newer server might
    /// refuse: nothing done.
    UnknownRefusal,
}

/// Every kind of fault, each met by push, pull and audit requests in the randomised test.
pub const FAULT_KINDS: [Fault; 7] = [
    Fault::Delay(150),
    Fault::Delay(1_200),
    Fault::Drop,
    Fault::Unavailable,
    Fault::LostReply,
    Fault::Reset,
    Fault::Stall,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Route {
    Push,
    Pull,
    Audit,
    Other,
}

pub fn route_of(path: &str) -> Route {
    match path {
        "/v1/push" => Route::Push,
        "/v1/pull" => Route::Pull,
        "/v1/audit" => Route::Audit,
        _ => Route::Other,
    }
}

/// Random faults: with probability `p` per request, after each of push, pull and audit has
/// met every kind once (its first faulty requests take the kinds in a seeded order).
pub struct RandomFaults {
    pub rng: ChaCha8Rng,
    pub p: f64,
    pub unmet: BTreeMap<Route, Vec<Fault>>,
    pub met: BTreeMap<(Route, Fault), u32>,
}

#[derive(Clone)]
pub enum Faults {
    Queue(Arc<Mutex<VecDeque<Fault>>>),
    Random(Arc<Mutex<RandomFaults>>),
}

impl Faults {
    pub fn random(seed: u64, p: f64) -> Faults {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let unmet = [Route::Push, Route::Pull, Route::Audit]
            .into_iter()
            .map(|route| {
                let mut kinds = FAULT_KINDS.to_vec();
                kinds.shuffle(&mut rng);
                (route, kinds)
            })
            .collect();
        Faults::Random(Arc::new(Mutex::new(RandomFaults {
            rng,
            p,
            unmet,
            met: BTreeMap::new(),
        })))
    }

    pub fn next(&self, route: Route) -> Fault {
        match self {
            Faults::Queue(q) => q.lock().unwrap().pop_front().unwrap_or(Fault::None),
            Faults::Random(r) => {
                let mut guard = r.lock().unwrap();
                let r = &mut *guard;
                if r.p <= 0.0 || !r.rng.gen_bool(r.p) {
                    return Fault::None;
                }
                let fault = match r.unmet.get_mut(&route).and_then(Vec::pop) {
                    Some(f) => f,
                    None => FAULT_KINDS[r.rng.gen_range(0..FAULT_KINDS.len())],
                };
                *r.met.entry((route, fault)).or_default() += 1;
                fault
            }
        }
    }

    pub fn set_probability(&self, p: f64) {
        if let Faults::Random(r) = self {
            r.lock().unwrap().p = p;
        }
    }

    /// The kinds of fault push, pull or audit requests have not met yet.
    pub fn unmet(&self) -> BTreeMap<Route, Vec<Fault>> {
        match self {
            Faults::Random(r) => r.lock().unwrap().unmet.clone(),
            Faults::Queue(_) => BTreeMap::new(),
        }
    }

    pub fn injected(&self) -> u32 {
        match self {
            Faults::Random(r) => r.lock().unwrap().met.values().sum(),
            Faults::Queue(_) => 0,
        }
    }
}

/// A body that sends its first half and then breaks or stalls (no first half: the
/// connection breaks before the answer's head is even sent).
pub struct Broken {
    pub first: Option<Bytes>,
    pub reset: bool,
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

/// What the test server sees besides faults: requests per route, and an optional marker
/// (an actor name) that makes it refuse any push batch carrying it with 400, as a server
/// would that cannot read one mutation of a batch.
#[derive(Clone, Default)]
pub struct Observed {
    pub requests: Arc<Mutex<BTreeMap<Route, u32>>>,
    pub refuse_actor: Arc<Mutex<Option<String>>>,
}

impl Observed {
    pub fn requests(&self, route: Route) -> u32 {
        self.requests
            .lock()
            .unwrap()
            .get(&route)
            .copied()
            .unwrap_or(0)
    }
}

pub async fn inject(
    faults: Faults,
    observed: Observed,
    req: Request<Body>,
    next: Next,
) -> Response {
    let route = route_of(req.uri().path());
    *observed.requests.lock().unwrap().entry(route).or_default() += 1;
    let refuse = observed.refuse_actor.lock().unwrap().clone();
    let req = match refuse {
        Some(actor) if route == Route::Push => {
            let (parts, body) = req.into_parts();
            let bytes = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            let marker = format!("\"actor\":\"{actor}\"");
            if String::from_utf8_lossy(&bytes).contains(&marker) {
                let body = WireError::new("invalid_request", "E pavlefshme.", "Not valid.");
                return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
            }
            Request::from_parts(parts, Body::from(bytes))
        }
        _ => req,
    };
    let fault = faults.next(route);
    match fault {
        Fault::Delay(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            return next.run(req).await;
        }
        Fault::Drop => {
            return Response::new(Body::new(Broken {
                first: None,
                reset: true,
            }))
        }
        Fault::Unavailable => {
            let body = WireError::new(
                "database_unavailable",
                "Baza e të dhënave nuk arrihet.",
                "The database cannot be reached.",
            );
            return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
        }
        Fault::ProxyTooLarge => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                [(axum::http::header::CONTENT_TYPE, "text/html")],
                "<html><head><title>413 Request Entity Too Large</title></head>\
                 <body><center><h1>413 Request Entity Too Large</h1></center></body></html>",
            )
                .into_response()
        }
        Fault::UnknownRefusal => {
            let body = WireError::new(
                "mutation_format_retired",
                "Ky format nuk pranohet më.",
                "This format is no longer accepted.",
            );
            return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
        }
        _ => {}
    }
    let response = next.run(req).await;
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
        Fault::None
        | Fault::Delay(_)
        | Fault::Drop
        | Fault::Unavailable
        | Fault::ProxyTooLarge
        | Fault::UnknownRefusal => unreachable!(),
    }
}

// ---- the server ----

pub struct Server {
    pub base_url: String,
    pub ca: Issued,
    pub central: Central,
    pub faults: Faults,
    pub observed: Observed,
    pub _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn start(db: &PgConnectOptions, faults: Faults) -> Server {
    start_with(db, faults, 8).await
}

pub async fn start_with(db: &PgConnectOptions, faults: Faults, connections: u32) -> Server {
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
        connections,
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    // The server's own listening socket (its backlog matters when hundreds connect at once).
    let listener = http::listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = listener.local_addr().unwrap().port();
    let f = faults.clone();
    let observed = Observed::default();
    let o = observed.clone();
    let app = http::router(AppState {
        central: central.clone(),
    })
    .layer(axum::middleware::from_fn(move |req, next| {
        inject(f.clone(), o.clone(), req, next)
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
        observed,
        _stop: stop,
    }
}

// ---- a station with its storage in memory ----

pub struct Station {
    pub directorate: String,
    pub client: Option<SyncClient>,
    pub files: BTreeMap<Uuid, (i64, Value)>,
    pub index: BTreeMap<Uuid, i64>,
    pub pending: Vec<Mutation>,
    pub quarantined: Vec<MutationResult>,
    pub cursor: i64,
    pub unseen: Option<BTreeSet<Uuid>>,
    pub audit: Vec<AuditEventWire>,
    pub audit_head: i64,
    pub made: Vec<Uuid>,
    /// Files created here (the server must hold each exactly once).
    pub created: Vec<Uuid>,
    /// Who makes the next changes.
    pub actor: String,
}

impl Server {
    pub async fn station(&self, code: &str, directorate: &str) -> Station {
        self.station_with_retries(code, directorate, 12).await
    }

    pub async fn station_with_retries(
        &self,
        code: &str,
        directorate: &str,
        retries: u32,
    ) -> Station {
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
        Station::new(&identity, &self.base_url, directorate, retries)
    }
}

impl Station {
    pub fn new(identity: &Identity, base_url: &str, directorate: &str, retries: u32) -> Station {
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
            created: Vec::new(),
            actor: "arta.kola".into(),
        }
    }
}

pub fn document(directorate: &str, surname: &str) -> Value {
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
    pub fn mutation(
        &mut self,
        id: Uuid,
        base: i64,
        changes: Vec<regjistri_domain::diff::FieldChange>,
    ) {
        let m = Mutation {
            mutation_id: Uuid::now_v7(),
            entity: "offender_file".into(),
            entity_id: id,
            base_version: base,
            diff: changes,
            actor: self.actor.clone(),
            created_at: Utc::now(),
            approves: None,
        };
        self.made.push(m.mutation_id);
        self.pending.push(m);
    }

    pub fn create(&mut self, surname: &str) -> Uuid {
        let id = Uuid::now_v7();
        let doc = document(&self.directorate, surname);
        self.mutation(id, 0, diff(&Value::Null, &doc));
        self.files.insert(id, (0, doc));
        self.created.push(id);
        id
    }

    /// The digest of what this station holds, computed as a station's store computes it and
    /// as the server computes it for the station's directorate
    /// (`regjistri_sync::document::replica_checksum`).
    pub fn checksum(&self) -> String {
        regjistri_sync::document::replica_checksum(
            self.files
                .iter()
                .map(|(id, (version, doc))| (*id, *version, content_hash(doc))),
            self.index.iter().map(|(id, version)| (*id, *version)),
        )
    }

    pub async fn try_sync(&mut self) -> Result<Report, String> {
        let client = self.client.take().expect("a client");
        let result = sync_once(&client, self, 7, &mut |_| {}).await;
        self.client = Some(client);
        result.map_err(|e| e.to_string())
    }

    /// Sets a JSON pointer in a local file (an offline edit).
    pub fn edit(&mut self, id: Uuid, pointer: &str, value: Value) {
        let (version, doc) = self.files[&id].clone();
        let mut new = doc.clone();
        *new.pointer_mut(pointer).unwrap() = value;
        let changes = diff(&doc, &new);
        if !changes.is_empty() {
            self.mutation(id, version, changes);
            self.files.insert(id, (version, new));
        }
    }

    pub fn record_audit(&mut self, object: &str) {
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

    pub async fn sync(&mut self) -> Report {
        // The worker borrows the station's storage; the client is lent out meanwhile.
        let client = self.client.take().expect("a client");
        let result = sync_once(&client, self, 7, &mut |_| {}).await;
        self.client = Some(client);
        result.expect("sync")
    }

    pub fn client(&self) -> &SyncClient {
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
                | PullItem::Photo { .. }
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
