//! The real `regjistri-server` binary: init, enrol-station, serve, and a station that uses
//! only the bundle it was given. Needs DATABASE_URL (run under scripts/with-postgres.sh);
//! REGJISTRI_SKIP_PG=1 skips loudly.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use regjistri_server::tls;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use sqlx::{Connection, Executor, PgConnection};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_regjistri-server");

/// The URL of a new, empty database in the cluster of DATABASE_URL.
async fn database_url() -> Option<String> {
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("REGJISTRI_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("\n*** SKIPPED: no DATABASE_URL and REGJISTRI_SKIP_PG=1: the CLI tests did NOT run ***\n");
            return None;
        }
        _ => panic!(
            "DATABASE_URL is not set: run these tests under scripts/with-postgres.sh \
             (it starts a throwaway PostgreSQL), or set REGJISTRI_SKIP_PG=1 to skip them loudly"
        ),
    };
    let name = format!("regjistri_test_{}", Uuid::now_v7().simple());
    let mut admin = PgConnection::connect(&url).await.expect("connect");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create database");
    // postgres://user@host/DB?params → postgres://user@host/NAME?params
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    Some(format!("{scheme}://{authority}/{name}{query}"))
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run regjistri-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn init_enrol_and_serve_a_station_that_holds_only_its_bundle() {
    let Some(url) = database_url().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let state_s = state.to_str().unwrap();

    let (ok, out, err) = run(&[
        "--dir",
        state_s,
        "init",
        "--host",
        "localhost",
        "--database-url",
        &url,
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("CA created"), "{out}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&state.join("ca-key.pem")), 0o600);
        assert_eq!(mode(&state.join("server-key.pem")), 0o600);
    }
    let ca_before = std::fs::read_to_string(state.join("ca.pem")).unwrap();
    let (ok, out, _) = run(&["--dir", state_s, "init", "--database-url", &url]);
    assert!(
        ok && out.contains("CA kept"),
        "init again keeps the CA: {out}"
    );
    assert_eq!(
        std::fs::read_to_string(state.join("ca.pem")).unwrap(),
        ca_before
    );

    let bundle = tmp.path().join("st-tr-01.station.pem");
    let bundle_s = bundle.to_str().unwrap();
    let (ok, out, err) = run(&[
        "--dir",
        state_s,
        "enrol-station",
        "st-tr-01",
        "--directorate",
        "dvp-tirane",
        "--database-url",
        &url,
        "--out",
        bundle_s,
    ]);
    assert!(ok, "{out}{err}");
    #[cfg(unix)]
    assert_eq!(mode(&bundle), 0o600);
    let pem = std::fs::read_to_string(&bundle).unwrap();
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2);
    assert_eq!(pem.matches("BEGIN PRIVATE KEY").count(), 1);

    // The same code again: refused, and no stray bundle is left behind.
    let second = tmp.path().join("again.pem");
    let (ok, _, err) = run(&[
        "--dir",
        state_s,
        "enrol-station",
        "st-tr-01",
        "--directorate",
        "dvp-tirane",
        "--database-url",
        &url,
        "--out",
        second.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        err.contains("station_exists") && err.contains("already enrolled"),
        "{err}"
    );
    assert!(!second.exists());

    // Serve on a free loopback port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args([
            "--dir",
            state_s,
            "serve",
            "--listen",
            &listen,
            "--database-url",
            &url,
        ])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let result = async {
        // The station's side: its certificate and key and the CA, all from the bundle.
        let certs = tls::certificates(&pem).unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(certs[1].clone()).unwrap();
        let config = ClientConfig::builder_with_provider(tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_client_auth_cert(vec![certs[0].clone()], tls::private_key(&pem).unwrap())
            .unwrap();
        let started = Instant::now();
        let tcp = loop {
            match TcpStream::connect(("127.0.0.1", port)).await {
                Ok(s) => break s,
                Err(_) if started.elapsed() < Duration::from_secs(20) => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => return Err(format!("server did not start: {e}")),
            }
        };
        let tls = TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .map_err(|e| e.to_string())?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let response = sender
            .send_request(
                Request::get("/v1/station")
                    .header("host", "localhost")
                    .body(Empty::<Bytes>::new())
                    .unwrap(),
            )
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok::<_, String>((status, String::from_utf8_lossy(&body).into_owned()))
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let (status, body) = result.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"st-tr-01\"") && body.contains("dvp-tirane"),
        "{body}"
    );

    // Given the owner's login to serve with (the cluster's superuser here), it refuses.
    let (ok, _, err) = run(&[
        "--dir",
        state_s,
        "serve",
        "--listen",
        &listen,
        "--app-database-url",
        &url,
    ]);
    assert!(!ok, "served as the owner");
    assert!(
        err.contains("database_login_privileged") && err.contains("regjistri_app"),
        "{err}"
    );
}

#[test]
fn openapi_is_printed_and_errors_are_bilingual() {
    let (ok, out, _) = run(&["openapi"]);
    assert!(ok);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc, regjistri_server::openapi::document());
    let tmp = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(&[
        "--dir",
        tmp.path().to_str().unwrap(),
        "enrol-station",
        "x",
        "--directorate",
        "d",
        "--database-url",
        "postgres://nobody@localhost/none",
    ]);
    assert!(!ok);
    assert!(
        err.contains("not_initialised") && err.contains("nuk është inicializuar"),
        "{err}"
    );
}

#[tokio::test]
async fn reference_data_are_exported_edited_and_published_keeping_every_row() {
    let Some(url) = database_url().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (ok, exported, err) = run(&["reference", "export", "--database-url", &url]);
    assert!(ok, "{err}");
    let mut set: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let file = tmp.path().join("reference.json");
    // The same version again is not a new set.
    std::fs::write(&file, serde_json::to_string(&set).unwrap()).unwrap();
    let (ok, _, err) = run(&[
        "reference",
        "publish",
        file.to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    assert!(!ok);
    assert!(
        err.contains("reference_refused") && err.contains("not new"),
        "{err}"
    );
    // A new version that drops a court is refused; one that keeps every row is published.
    set["version"] = serde_json::json!("2027-01");
    let mut dropped = set.clone();
    dropped["courts"].as_array_mut().unwrap().remove(0);
    std::fs::write(&file, serde_json::to_string(&dropped).unwrap()).unwrap();
    let (ok, _, err) = run(&[
        "reference",
        "publish",
        file.to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    assert!(!ok, "a deleted court must be refused");
    assert!(err.contains("court"), "{err}");
    std::fs::write(&file, serde_json::to_string(&set).unwrap()).unwrap();
    let (ok, out, err) = run(&[
        "reference",
        "publish",
        file.to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("2027-01"), "{out}");
    let (_, again, _) = run(&["reference", "export", "--database-url", &url]);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["version"], serde_json::json!("2027-01"));
}
