//! What the station tests and the stations benchmark (`benches/stations.rs`, by `#[path]`)
//! share: a throwaway database of the cluster of DATABASE_URL, the central server in-process
//! on a loopback port (serving as the `regjistri_app` login, with faults a test can switch
//! on), and workstations on real SQLCipher files whose keys are in the real Secret Service,
//! each with an administrator, a clerk and a supervisor.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse;
use regjistri_app::*;
use regjistri_central::{Central, PgConnectOptions};
use regjistri_domain::access::Role;
use regjistri_domain::clock::SystemClock;
use regjistri_domain::file::FileDraft;
use regjistri_server::http::{self, AppState};
use regjistri_server::pki::{self, Issued};
use regjistri_server::tls;
use regjistri_store::KeyStore;
use sqlx::{Connection, Executor, PgConnection};
use time::OffsetDateTime;

use uuid::Uuid;

pub const ADMIN_PW: &str = "kyçi i sigurt i zyrës 2026";
pub const PW: &str = "kalë-i-bardhë-në-mal";

pub async fn database() -> Option<PgConnectOptions> {
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("REGJISTRI_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("\n*** SKIPPED: no DATABASE_URL and REGJISTRI_SKIP_PG=1: the station tests did NOT run ***\n");
            return None;
        }
        _ => panic!(
            "DATABASE_URL is not set: run these tests under scripts/with-postgres.sh, \
             or set REGJISTRI_SKIP_PG=1 to skip them loudly"
        ),
    };
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need a Secret Service: run them under scripts/with-keyring.sh"
    );
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

/// The central server in this process, on a loopback port, with a delay that can be put on
/// every pull answer, a count of the pulls it answered `410 resnapshot_required`, and a
/// switch that loses the answer of the next conflict decision (after it was made).
pub struct Server {
    pub url: String,
    pub ca: Issued,
    pub central: Central,
    pub pull_delay_ms: Arc<AtomicU64>,
    pub resnapshots_asked: Arc<AtomicU64>,
    pub lose_next_decision_reply: Arc<AtomicBool>,
    pub faults: Faults,
    pub _stop: tokio::sync::oneshot::Sender<()>,
}

/// Faults put on requests at random (off until `set`): before the handler, a 503 or the
/// connection closed without an answer (nothing done); after it, the answer lost (503) or
/// broken halfway (the work done). None of them waits for a timeout: the app's client waits
/// 30 s for a stalled answer.
#[derive(Clone, Default)]
pub struct Faults(
    pub Arc<std::sync::Mutex<Option<(rand_chacha::ChaCha8Rng, f64)>>>,
    pub Arc<AtomicU64>,
);

#[derive(Clone, Copy, PartialEq)]
pub enum Fault {
    None,
    Unavailable,
    Drop,
    LostReply,
    Reset,
}

impl Faults {
    pub fn set(&self, seed: u64, p: f64) {
        use rand::SeedableRng;
        *self.0.lock().unwrap() = Some((rand_chacha::ChaCha8Rng::seed_from_u64(seed), p));
    }

    pub fn off(&self) {
        *self.0.lock().unwrap() = None;
    }

    pub fn next(&self) -> Fault {
        use rand::Rng;
        let mut guard = self.0.lock().unwrap();
        let Some((rng, p)) = guard.as_mut() else {
            return Fault::None;
        };
        if !rng.gen_bool(*p) {
            return Fault::None;
        }
        self.1.fetch_add(1, Ordering::SeqCst);
        [
            Fault::Unavailable,
            Fault::Drop,
            Fault::LostReply,
            Fault::Reset,
        ][rng.gen_range(0..4)]
    }

    pub fn injected(&self) -> u64 {
        self.1.load(Ordering::SeqCst)
    }
}

/// An answer body that sends `first` and then breaks.
pub struct Broken(Option<axum::body::Bytes>);

impl http_body::Body for Broken {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(match self.0.take() {
            Some(b) => Ok(http_body::Frame::data(b)),
            None => Err(std::io::Error::other("injected reset")),
        }))
    }
}

pub async fn start(db: &PgConnectOptions) -> Server {
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
    // The server's own listening socket (its backlog matters when many connect at once).
    let listener = http::listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = listener.local_addr().unwrap().port();
    let pull_delay_ms = Arc::new(AtomicU64::new(0));
    let resnapshots_asked = Arc::new(AtomicU64::new(0));
    let lose_next_decision_reply = Arc::new(AtomicBool::new(false));
    let faults = Faults::default();
    let (delay, gone, lose, f) = (
        pull_delay_ms.clone(),
        resnapshots_asked.clone(),
        lose_next_decision_reply.clone(),
        faults.clone(),
    );
    let app = http::router(AppState {
        central: central.clone(),
    })
    .layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let (delay, gone, lose, f) = (delay.clone(), gone.clone(), lose.clone(), f.clone());
            async move {
                let pull = req.uri().path() == "/v1/pull";
                let decision = req.uri().path().ends_with("/resolve");
                let fault = f.next();
                match fault {
                    Fault::Unavailable => {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
                    }
                    Fault::Drop => {
                        return axum::response::Response::new(axum::body::Body::new(Broken(None)))
                    }
                    _ => {}
                }
                let response = next.run(req).await;
                match fault {
                    Fault::LostReply => {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
                    }
                    Fault::Reset => {
                        let (mut parts, body) = response.into_parts();
                        let bytes = axum::body::to_bytes(body, usize::MAX)
                            .await
                            .unwrap_or_default();
                        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
                        let half = bytes.slice(..bytes.len() / 2);
                        return axum::response::Response::from_parts(
                            parts,
                            axum::body::Body::new(Broken(Some(half))),
                        );
                    }
                    _ => {}
                }
                if pull && response.status() == axum::http::StatusCode::GONE {
                    gone.fetch_add(1, Ordering::SeqCst);
                }
                let ms = delay.load(Ordering::SeqCst);
                if pull && ms > 0 {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                if decision && lose.swap(false, Ordering::SeqCst) {
                    // The decision is made and committed; its answer never arrives.
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
                response
            }
        },
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, config, app, async {
        let _ = stopped.await;
    }));
    Server {
        url: format!("https://localhost:{port}"),
        ca,
        central,
        pull_delay_ms,
        resnapshots_asked,
        lose_next_decision_reply,
        faults,
        _stop: stop,
    }
}

impl Server {
    /// Issues and registers a station certificate; returns its bundle.
    /// `administration`: a station of the central administration (the General Directorate's).
    pub async fn issue_as(&self, code: &str, directorate: &str, administration: bool) -> String {
        let now = OffsetDateTime::now_utc();
        let cert = pki::station_certificate(
            &self.ca,
            code,
            directorate,
            now - time::Duration::hours(1),
            now + time::Duration::days(1),
        )
        .unwrap();
        let sha = cert.sha256().unwrap();
        if administration {
            self.central
                .enrol_administration_station(code, directorate, &sha, "admin")
                .await
                .unwrap();
        } else {
            self.central
                .enrol_station(code, directorate, &sha, "admin")
                .await
                .unwrap();
        }
        pki::station_bundle(&cert, &self.ca)
    }
}

/// One workstation: its own encrypted database, users, and (once enrolled) its station.
pub struct Station {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub registry: Registry,
}

impl Drop for Station {
    fn drop(&mut self) {
        let keys = OsKeyStore::new();
        if let Ok(account) = regjistri_store::key_account(&self.path) {
            let _ = keys.delete(&format!("{account}.station-key"));
            let _ = keys.delete(&account);
        }
    }
}

pub fn open(path: &Path) -> Registry {
    Registry::open(
        path,
        Arc::new(OsKeyStore::new()),
        Arc::new(SystemClock),
        Create::IfMissing,
        "os:test".into(),
    )
    .expect("open a station database")
}

impl Station {
    /// A new workstation of `directorate` with an administrator, a clerk and a supervisor.
    pub fn new(directorate: &str, tag: &str) -> Station {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("station.db");
        let registry = open(&path);
        registry
            .create_first_administrator("admin", ADMIN_PW, directorate)
            .unwrap();
        let s = Station {
            _dir: dir,
            path,
            registry,
        };
        s.add(&format!("clerk.{tag}"), Role::Clerk, directorate);
        s.add(&format!("supervisor.{tag}"), Role::Supervisor, directorate);
        s
    }

    pub fn add(&self, name: &str, role: Role, directorate: &str) {
        self.as_user("admin");
        let otp = self.registry.create_user(name, role, directorate).unwrap();
        self.registry.sign_out().unwrap();
        self.registry.sign_in(name, &otp.password).unwrap();
        self.registry.change_password(&otp.password, PW).unwrap();
        self.registry.sign_out().unwrap();
    }

    pub fn as_user(&self, name: &str) {
        let _ = self.registry.sign_out();
        let pw = if name == "admin" { ADMIN_PW } else { PW };
        self.registry.sign_in(name, pw).unwrap();
    }

    pub async fn enrol(&self, server: &Server, code: &str, directorate: &str) {
        self.enrol_as(server, code, directorate, false).await
    }

    pub async fn enrol_as(
        &self,
        server: &Server,
        code: &str,
        directorate: &str,
        administration: bool,
    ) {
        let bundle = server.issue_as(code, directorate, administration).await;
        self.as_user("admin");
        let view = self
            .registry
            .enrol_station(&EnrolRequest {
                server_url: server.url.clone(),
                bundle,
            })
            .await
            .expect("enrol");
        assert_eq!(
            (view.code.as_str(), view.directorate.as_str()),
            (code, directorate)
        );
    }

    pub async fn sync(&self) -> SyncReport {
        self.registry.background_round().await.expect("sync")
    }

    pub fn checksum(&self) -> String {
        // The store is the registry's; a second connection reads the same file.
        let store = regjistri_store::Store::open_existing(
            &self.path,
            &OsKeyStore::new(),
            chrono::Utc::now(),
        )
        .unwrap();
        store.sync_checksum().unwrap()
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

/// Edits one file through the edit form, as an officer does.
pub fn edit(s: &Station, id: Uuid, change: impl FnOnce(&mut FileDraft)) -> Saved {
    let form = s.registry.edit_file(id).unwrap();
    let mut d = form.draft;
    change(&mut d);
    s.registry.update_file(id, form.base_version, &d).unwrap()
}

pub async fn two_stations(server: &Server) -> (Station, Station) {
    let a = Station::new("dvp-tirane", "a");
    let b = Station::new("dvp-tirane", "b");
    a.enrol(server, "st-tr-01", "dvp-tirane").await;
    b.enrol(server, "st-tr-02", "dvp-tirane").await;
    (a, b)
}
