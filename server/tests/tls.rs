//! The server over real mutual TLS on loopback, against a real PostgreSQL (run under
//! `scripts/with-postgres.sh`; without DATABASE_URL these tests fail unless
//! REGJISTRI_SKIP_PG=1 says to skip them loudly). Certificates are made here with rcgen.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use regjistri_central::{Central, PgConnectOptions};
use regjistri_domain::clock::SystemClock;
use regjistri_domain::diff::diff;
use regjistri_server::http::{self, AppState};
use regjistri_server::pki::{self, Issued};
use regjistri_server::tls;
use regjistri_sync::client::{ClientError, Identity, Settings, SyncClient};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;
use uuid::Uuid;

/// A fresh migrated database's options, or None when skipping is asked for.
async fn database() -> Option<PgConnectOptions> {
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("REGJISTRI_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("\n*** SKIPPED: no DATABASE_URL and REGJISTRI_SKIP_PG=1: the server tests did NOT run ***\n");
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

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn valid_until() -> OffsetDateTime {
    now() + time::Duration::days(30)
}

struct Server {
    addr: std::net::SocketAddr,
    ca: Issued,
    central: Central,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A server on a loopback port with a fresh CA and a certificate for `server_cert_hosts`
/// valid until `server_not_after`.
async fn start(
    db: &PgConnectOptions,
    server_cert_hosts: &[&str],
    server_not_after: OffsetDateTime,
) -> Server {
    let ca = pki::new_ca(now(), 1).unwrap();
    let hosts: Vec<String> = server_cert_hosts.iter().map(|h| h.to_string()).collect();
    let server_cert = pki::server_certificate(
        &ca,
        &hosts,
        now() - time::Duration::days(60),
        server_not_after,
    )
    .unwrap();
    let config =
        tls::server_config(&ca.cert_pem, &server_cert.cert_pem, &server_cert.key_pem).unwrap();
    let central = Central::connect_with(
        db.clone().username(regjistri_central::APP_ROLE),
        4,
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = http::router(AppState {
        central: central.clone(),
    });
    tokio::spawn(http::serve(listener, config, app, async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        ca,
        central,
        stop: Some(stop),
    }
}

impl Server {
    /// A station certificate from this server's CA, enrolled unless `enrol` is false.
    async fn station(
        &self,
        code: &str,
        directorate: &str,
        not_after: OffsetDateTime,
        enrol: bool,
    ) -> Issued {
        let cert = pki::station_certificate(
            &self.ca,
            code,
            directorate,
            now() - time::Duration::days(60),
            not_after,
        )
        .unwrap();
        if enrol {
            self.central
                .enrol_station(code, directorate, &cert.sha256().unwrap(), "admin")
                .await
                .unwrap();
        }
        cert
    }

    fn client(&self, identity: Option<&Issued>, host: &str) -> Client {
        client(&self.ca, identity, self.addr, host)
    }
}

struct Client {
    config: Arc<ClientConfig>,
    addr: std::net::SocketAddr,
    host: String,
}

fn client(
    trust: &Issued,
    identity: Option<&Issued>,
    addr: std::net::SocketAddr,
    host: &str,
) -> Client {
    let mut roots = RootCertStore::empty();
    for c in tls::certificates(&trust.cert_pem).unwrap() {
        roots.add(c).unwrap();
    }
    let builder = ClientConfig::builder_with_provider(tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        Some(id) => builder
            .with_client_auth_cert(
                tls::certificates(&id.cert_pem).unwrap(),
                tls::private_key(&id.key_pem).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    Client {
        config: Arc::new(config),
        addr,
        host: host.to_string(),
    }
}

impl Client {
    /// One request on a new connection; Err when TLS or HTTP fails.
    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), String> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| e.to_string())?;
        let name = ServerName::try_from(self.host.clone()).map_err(|e| e.to_string())?;
        let tls = tokio::time::timeout(
            Duration::from_secs(5),
            TlsConnector::from(self.config.clone()).connect(name, tcp),
        )
        .await
        .map_err(|_| "handshake timed out".to_string())?
        .map_err(|e| format!("handshake: {e}"))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(Duration::from_secs(10), sender.send_request(req))
            .await
            .map_err(|_| "request timed out".to_string())?
            .map_err(|e| format!("request: {}", chain(&e)))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok((status, value))
    }
}

/// An error with its sources: the TLS alert is a few levels down.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn document(directorate: &str) -> Value {
    json!({
        "status": "pending",
        "owning_directorate": directorate,
        "data": {
            "identity": {
                "surname": "Hoxha", "given_name": "Arben", "father_name": "Gjergj",
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

#[tokio::test]
async fn an_enrolled_station_syncs_over_mutual_tls() {
    let Some(db) = database().await else { return };
    let server = start(&db, &["localhost"], valid_until()).await;
    let id = server
        .station("st-tr-01", "dvp-tirane", valid_until(), true)
        .await;
    let c = server.client(Some(&id), "localhost");

    let (status, body) = c.request(Method::GET, "/v1/station", None).await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["code"], json!("st-tr-01"));
    assert_eq!(body["directorate"], json!("dvp-tirane"));

    let file = Uuid::now_v7();
    let mutation = json!({
        "mutation_id": Uuid::now_v7(), "entity": "offender_file", "entity_id": file,
        "base_version": 0, "diff": diff(&Value::Null, &document("dvp-tirane")),
        "actor": "arta.kola", "created_at": "2026-05-04T08:00:00Z"
    });
    let push = json!({"mutations": [mutation]});
    let (status, first) = c
        .request(Method::POST, "/v1/push", Some(push.clone()))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["results"][0]["outcome"], json!("applied"));
    // The reply "lost": the same push again gets the same answer.
    let (_, again) = c
        .request(Method::POST, "/v1/push", Some(push))
        .await
        .unwrap();
    assert_eq!(first, again);

    let (status, page) = c
        .request(Method::GET, "/v1/pull?after=0&limit=10", None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"][0]["kind"], json!("file"));
    assert_eq!(page["items"][0]["id"], json!(file));
    assert_eq!(page["more"], json!(false));

    let (status, body) = c
        .request(Method::GET, "/v1/pull?after=999999", None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(body["code"], json!("resnapshot_required"));
    assert!(body["message"]["sq"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(body["message"]["en"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));

    let (status, body) = c
        .request(Method::POST, "/v1/push", Some(json!({"nope": 1})))
        .await
        .unwrap();
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_request"))
    );
    let (status, body) = c.request(Method::GET, "/v1/nowhere", None).await.unwrap();
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
    let (status, body) = c.request(Method::DELETE, "/v1/push", None).await.unwrap();
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::METHOD_NOT_ALLOWED, json!("method_not_allowed"))
    );
    let too_many: Vec<Value> = (0..101).map(|_| mutation_stub()).collect();
    let (status, body) = c
        .request(
            Method::POST,
            "/v1/push",
            Some(json!({"mutations": too_many})),
        )
        .await
        .unwrap();
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::PAYLOAD_TOO_LARGE, json!("batch_too_large"))
    );
}

fn mutation_stub() -> Value {
    json!({"mutation_id": Uuid::now_v7(), "entity": "offender_file", "entity_id": Uuid::now_v7(),
           "base_version": 0, "diff": [], "actor": "a", "created_at": "2026-05-04T08:00:00Z"})
}

#[tokio::test]
async fn every_described_route_is_served() {
    let Some(db) = database().await else { return };
    let server = start(&db, &["localhost"], valid_until()).await;
    let id = server
        .station("st-tr-01", "dvp-tirane", valid_until(), true)
        .await;
    let c = server.client(Some(&id), "localhost");
    let description = regjistri_server::openapi::document();
    let described: Vec<(String, String)> = description["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    assert!(described.len() >= 9, "{described:?}");
    for (method, path) in &described {
        let unknown = Uuid::now_v7().to_string();
        let (method, body, expect) = match (method.as_str(), path.as_str()) {
            ("get", _) => (Method::GET, None, "ok"),
            ("post", "/v1/push") => (Method::POST, Some(json!({"mutations": []})), "ok"),
            ("post", "/v1/audit") => (Method::POST, Some(json!({"events": []})), "ok"),
            ("post", "/v1/conflicts/{id}/resolve") => (
                Method::POST,
                Some(json!({"resolved_by": "sup", "values": []})),
                "conflict_not_found",
            ),
            ("post", "/v1/files/{id}/fetch") => (
                Method::POST,
                Some(json!({"actor": "a", "reason": "check"})),
                "record_not_found",
            ),
            ("post", "/v1/rules") => (
                Method::POST,
                Some(json!({"id": unknown, "effective_from": "2001-01-01",
                            "values": {}, "note": "", "created_by": "admin"})),
                // A regional station: refused before the proposal is even read.
                "administration_only",
            ),
            other => panic!("{other:?} not covered by this test"),
        };
        let concrete = path.replace("{id}", &unknown);
        let (status, answer) = c.request(method.clone(), &concrete, body).await.unwrap();
        if expect == "ok" {
            assert_eq!(status, StatusCode::OK, "{method} {path}");
        } else {
            // The route exists: the handler, not the fallback, answered.
            assert_eq!(answer["code"], json!(expect), "{method} {path}");
        }
    }
    let (_, described) = c.request(Method::GET, "/openapi.json", None).await.unwrap();
    assert_eq!(described, regjistri_server::openapi::document());
}

#[tokio::test]
async fn refused_certificates() {
    let Some(db) = database().await else { return };
    let server = start(&db, &["localhost"], valid_until()).await;
    let good = server
        .station("st-tr-01", "dvp-tirane", valid_until(), true)
        .await;

    // Expired station certificate (enrolled, but its validity ended yesterday).
    let expired = server
        .station(
            "st-tr-02",
            "dvp-tirane",
            now() - time::Duration::days(1),
            true,
        )
        .await;
    let r = server
        .client(Some(&expired), "localhost")
        .request(Method::GET, "/v1/station", None)
        .await;
    let e = r.expect_err("an expired client certificate must be refused");
    assert!(e.contains("CertificateExpired"), "{e}");

    // A certificate from another CA, even one with an enrolled hash.
    let other_ca = pki::new_ca(now(), 1).unwrap();
    let foreign = pki::station_certificate(
        &other_ca,
        "st-tr-03",
        "dvp-tirane",
        now() - time::Duration::days(1),
        valid_until(),
    )
    .unwrap();
    server
        .central
        .enrol_station(
            "st-tr-03",
            "dvp-tirane",
            &foreign.sha256().unwrap(),
            "admin",
        )
        .await
        .unwrap();
    let r = server
        .client(Some(&foreign), "localhost")
        .request(Method::GET, "/v1/station", None)
        .await;
    let e = r.expect_err("a certificate of an unknown CA must be refused");
    // The other CA has the same name as ours, so webpki finds "our" issuer and the
    // signature does not verify (DecryptError); a differently named one gives UnknownCA.
    assert!(e.contains("UnknownCA") || e.contains("DecryptError"), "{e}");

    // No client certificate at all.
    let r = server
        .client(None, "localhost")
        .request(Method::GET, "/openapi.json", None)
        .await;
    let e = r.expect_err("a connection without a client certificate must be refused");
    assert!(e.contains("CertificateRequired"), "{e}");

    // The station reaches the server under a name its certificate does not carry.
    let r = server
        .client(Some(&good), "wrong.example")
        .request(Method::GET, "/v1/station", None)
        .await;
    let e = r.expect_err("a server certificate for another host must be refused");
    assert!(
        e.contains("handshake") && e.contains("not valid for name"),
        "{e}"
    );

    // A station that trusts another CA does not trust this server.
    let r = client(&other_ca, Some(&good), server.addr, "localhost")
        .request(Method::GET, "/v1/station", None)
        .await;
    let e = r.expect_err("a server certificate from an unknown CA must be refused");
    assert!(
        e.contains("handshake") && (e.contains("UnknownIssuer") || e.contains("BadSignature")),
        "{e}"
    );

    // A valid certificate of this CA that was never enrolled, and one that was disabled.
    let stranger = server
        .station("st-tr-04", "dvp-tirane", valid_until(), false)
        .await;
    let (status, body) = server
        .client(Some(&stranger), "localhost")
        .request(Method::GET, "/v1/station", None)
        .await
        .unwrap();
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::FORBIDDEN, json!("station_unknown"))
    );
    server
        .central
        .disable_station("st-tr-01", "admin")
        .await
        .unwrap();
    let (status, _) = server
        .client(Some(&good), "localhost")
        .request(Method::GET, "/v1/station", None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_expired_server_certificate_is_refused_by_the_station() {
    let Some(db) = database().await else { return };
    let server = start(&db, &["localhost"], now() - time::Duration::days(1)).await;
    let id = server
        .station("st-tr-01", "dvp-tirane", valid_until(), true)
        .await;
    let r = server
        .client(Some(&id), "localhost")
        .request(Method::GET, "/v1/station", None)
        .await;
    let e = r.expect_err("an expired server certificate must be refused");
    assert!(e.contains("handshake") && e.contains("expired"), "{e}");
}

// ---- the same refusals through the station's production client ----

/// The station's real client (`regjistri_sync::client::SyncClient`, reqwest over rustls),
/// presenting `station` and trusting `trust`, reaching the server at `host`; no retries.
fn sync_client(server: &Server, station: &Issued, trust: &Issued, host: &str) -> SyncClient {
    let identity = Identity {
        certificate_pem: station.cert_pem.clone(),
        private_key_pem: station.key_pem.clone(),
        server_ca_pem: trust.cert_pem.clone(),
    };
    let mut settings = Settings::new(format!("https://{host}:{}", server.addr.port()));
    settings.retries = 0;
    settings.connect_timeout = Duration::from_secs(5);
    settings.overall_timeout = Duration::from_secs(10);
    SyncClient::new(&identity, settings).unwrap()
}

/// A certificate authority of its own name (not "Regjistri CA"): what a station of another
/// organisation would present.
fn ca_named(common_name: &str) -> Issued {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::OrganizationName, "Another organisation");
    dn.push(rcgen::DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now() - time::Duration::days(1);
    params.not_after = valid_until();
    let cert = params.self_signed(&key).unwrap();
    Issued {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// The handshake refusal a call ended with: (whose certificate was refused: true for the
/// server's, the rustls error in words).
async fn refusal(client: &SyncClient) -> (bool, String) {
    match client.station().await {
        Err(ClientError::Handshake { server, error }) => (server, format!("{error:?}")),
        other => panic!("expected a refused handshake, got {other:?}"),
    }
}

#[tokio::test]
async fn the_station_client_refuses_a_wrong_server_and_is_refused_with_a_foreign_certificate() {
    let Some(db) = database().await else { return };
    let server = start(&db, &["localhost"], valid_until()).await;
    let good = server
        .station("st-tr-01", "dvp-tirane", valid_until(), true)
        .await;
    let ok = sync_client(&server, &good, &server.ca, "localhost");
    assert_eq!(ok.station().await.unwrap().code, "st-tr-01");

    // The server reached under a name its certificate does not carry.
    let (server_side, e) = refusal(&sync_client(&server, &good, &server.ca, "127.0.0.1")).await;
    assert!(server_side && e.contains("NotValidForName"), "{e}");

    // A station that trusts another CA does not trust this server: a CA of another name
    // does not know the issuer at all; another "Regjistri CA" finds a signature that fails.
    let (server_side, e) = refusal(&sync_client(
        &server,
        &good,
        &ca_named("Some Other CA"),
        "localhost",
    ))
    .await;
    assert!(server_side, "{e}");
    assert_eq!(e, "InvalidCertificate(UnknownIssuer)");
    let (server_side, e) = refusal(&sync_client(
        &server,
        &good,
        &pki::new_ca(now(), 1).unwrap(),
        "localhost",
    ))
    .await;
    assert!(server_side, "{e}");
    assert_eq!(e, "InvalidCertificate(BadSignature)");

    // A station certificate of a foreign CA of another name, even with an enrolled hash: the
    // server does not know its issuer at all (not a signature that fails to verify).
    let foreign_ca = ca_named("Some Other CA");
    let foreign = pki::station_certificate(
        &foreign_ca,
        "st-tr-03",
        "dvp-tirane",
        now() - time::Duration::days(1),
        valid_until(),
    )
    .unwrap();
    server
        .central
        .enrol_station(
            "st-tr-03",
            "dvp-tirane",
            &foreign.sha256().unwrap(),
            "admin",
        )
        .await
        .unwrap();
    let (server_side, e) = refusal(&sync_client(&server, &foreign, &server.ca, "localhost")).await;
    assert!(!server_side, "{e}");
    assert_eq!(e, "AlertReceived(UnknownCA)");

    // An expired station certificate.
    let expired = server
        .station(
            "st-tr-02",
            "dvp-tirane",
            now() - time::Duration::days(1),
            true,
        )
        .await;
    let (server_side, e) = refusal(&sync_client(&server, &expired, &server.ca, "localhost")).await;
    assert!(!server_side && e.contains("CertificateExpired"), "{e}");
    // A refusal is final: the code says what to do, and no retry was spent on it.
    let with_retries = {
        let identity = Identity {
            certificate_pem: foreign.cert_pem.clone(),
            private_key_pem: foreign.key_pem.clone(),
            server_ca_pem: server.ca.cert_pem.clone(),
        };
        let mut settings = Settings::new(format!("https://localhost:{}", server.addr.port()));
        settings.retries = 5;
        settings.backoff_base = Duration::from_secs(2);
        SyncClient::new(&identity, settings).unwrap()
    };
    let started = std::time::Instant::now();
    let e = with_retries.station().await.unwrap_err();
    assert_eq!(e.code(), "station_certificate_refused");
    assert!(started.elapsed() < Duration::from_secs(2), "retried");
}

#[tokio::test]
async fn the_station_client_refuses_an_expired_server_certificate() {
    let Some(db) = database().await else { return };
    let server = start(&db, &["localhost"], now() - time::Duration::days(1)).await;
    let id = server
        .station("st-tr-01", "dvp-tirane", valid_until(), true)
        .await;
    let client = sync_client(&server, &id, &server.ca, "localhost");
    let (server_side, e) = refusal(&client).await;
    assert!(server_side && e.contains("Expired"), "{e}");
    assert_eq!(
        client.station().await.unwrap_err().code(),
        "server_certificate_invalid"
    );
}

// ---- the body limit ----

/// A push whose JSON body is exactly `size` bytes: one new file whose marks fill the rest.
fn push_of_size(size: usize) -> Value {
    let mut doc = document("dvp-tirane");
    let mutation = |doc: &Value| {
        json!({"mutations": [{
            "mutation_id": Uuid::now_v7(), "entity": "offender_file", "entity_id": Uuid::now_v7(),
            "base_version": 0, "diff": diff(&Value::Null, doc),
            "actor": "arta.kola", "created_at": "2026-05-04T08:00:00Z"
        }]})
    };
    let bare = mutation(&doc).to_string().len();
    doc["data"]["description"]["marks"] = json!("x".repeat(size - bare));
    let body = mutation(&doc);
    assert_eq!(body.to_string().len(), size);
    body
}

#[tokio::test]
async fn a_body_over_one_megabyte_is_refused_413_and_one_at_the_limit_is_taken() {
    let Some(db) = database().await else { return };
    let server = start(&db, &["localhost"], valid_until()).await;
    let id = server
        .station("st-tr-01", "dvp-tirane", valid_until(), true)
        .await;
    let c = server.client(Some(&id), "localhost");
    let limit = regjistri_sync::protocol::MAX_PUSH_BYTES;

    let (status, body) = c
        .request(Method::POST, "/v1/push", Some(push_of_size(limit)))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["outcome"], json!("applied"), "{body}");

    for route in ["/v1/push", "/v1/audit"] {
        let (status, body) = c
            .request(Method::POST, route, Some(push_of_size(limit + 1)))
            .await
            .unwrap();
        assert_eq!(
            (status, body["code"].clone()),
            (StatusCode::PAYLOAD_TOO_LARGE, json!("batch_too_large")),
            "{route}"
        );
        assert!(body["message"]["sq"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        assert!(body["message"]["en"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
    }
    let pushed: i64 = sqlx::query_scalar("SELECT count(*) FROM mutation")
        .fetch_one(server.central.pool())
        .await
        .unwrap();
    assert_eq!(pushed, 1, "the refused push left nothing");
}
