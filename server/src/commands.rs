//! What the administrator runs: `init` (CA, server certificate, database schema), `serve`,
//! `enrol-station`. The state folder holds the CA and the server's certificate; private keys
//! are written 0600 and never printed.
//!
//! Two logins to the database ([`Database`]): the owner's (`DATABASE_URL`) makes and changes
//! the schema, and is used for nothing else; every operation runs on the application role's
//! own login (`APP_DATABASE_URL`, by default the owner's URL with the user `regjistri_app`
//! and no password, for a local cluster that trusts its socket). `serve` needs only the
//! latter.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regjistri_central::{Central, CentralError};
use regjistri_domain::clock::SystemClock;
use regjistri_domain::Text;
use time::OffsetDateTime;

use crate::http::{self, AppState};
use crate::pki::{self, Issued, PkiError};
use crate::tls::{self, TlsError};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Central(#[from] CentralError),
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} exists already")]
    Exists(PathBuf),
    #[error("the server is not initialised in {0}")]
    NotInitialised(PathBuf),
    #[error("not valid JSON of reference data: {0}")]
    Json(String),
    #[error("reference data refused: {0}")]
    ReferenceRefused(String),
    #[error("no {0} given")]
    NoDatabase(&'static str),
}

impl CommandError {
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::Central(e) => e.code(),
            CommandError::Pki(_) | CommandError::Tls(_) => "certificate_invalid",
            CommandError::Io { .. } => "file_error",
            CommandError::Exists(_) => "file_exists",
            CommandError::NotInitialised(_) => "not_initialised",
            CommandError::Json(_) => "invalid_reference_data",
            CommandError::ReferenceRefused(_) => "reference_refused",
            CommandError::NoDatabase(_) => "database_not_configured",
        }
    }

    pub fn message(&self) -> Text {
        match self {
            CommandError::Central(e) => e.message(),
            CommandError::Pki(e) => Text::new(
                format!("Certifikata ose çelësi nuk mund të përdoret: {e}"),
                format!("The certificate or key cannot be used: {e}"),
            ),
            CommandError::Tls(e) => Text::new(
                format!("Konfigurimi TLS nuk mund të ndërtohet: {e}"),
                format!("The TLS configuration cannot be built: {e}"),
            ),
            CommandError::Io { path, source } => Text::new(
                format!("Skedari {} nuk mund të përdoret: {source}", path.display()),
                format!("The file {} cannot be used: {source}", path.display()),
            ),
            CommandError::Exists(path) => Text::new(
                format!("{} ekziston tashmë; nuk mbishkruhet.", path.display()),
                format!("{} exists already; it is not overwritten.", path.display()),
            ),
            CommandError::ReferenceRefused(problems) => Text::new(
                format!("Të dhënat e referencës nuk u botuan: {problems}"),
                format!("The reference data were not published: {problems}"),
            ),
            CommandError::Json(e) => Text::new(
                format!("Të dhënat e referencës nuk janë JSON i vlefshëm: {e}"),
                format!("The reference data are not valid JSON: {e}"),
            ),
            CommandError::NoDatabase(which) => Text::new(
                format!("Mungon adresa e bazës së të dhënave: jepni {which}."),
                format!("The database's address is missing: give {which}."),
            ),
            CommandError::NotInitialised(dir) => Text::new(
                format!(
                    "Serveri nuk është inicializuar në {}: ekzekutoni `regjistri-server init`.",
                    dir.display()
                ),
                format!(
                    "The server is not initialised in {}: run `regjistri-server init`.",
                    dir.display()
                ),
            ),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CommandError + '_ {
    move |source| CommandError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the database is, for its two logins.
#[derive(Debug, Clone, Default)]
pub struct Database {
    /// The owner's URL (`DATABASE_URL`): migrations only.
    pub owner_url: Option<String>,
    /// The application role's URL (`APP_DATABASE_URL`): every operation.
    pub app_url: Option<String>,
}

impl Database {
    /// The owner's URL, required by the commands that change the schema.
    pub fn owner_url(&self) -> Result<&str, CommandError> {
        self.owner_url
            .as_deref()
            .ok_or(CommandError::NoDatabase("DATABASE_URL (--database-url)"))
    }

    /// The application role's URL: as given, or made from the owner's
    /// ([`regjistri_central::app_login_url`]).
    pub fn app_url(&self) -> Result<String, CommandError> {
        match (&self.app_url, &self.owner_url) {
            (Some(app), _) => Ok(app.clone()),
            (None, Some(owner)) => Ok(regjistri_central::app_login_url(owner)?),
            (None, None) => Err(CommandError::NoDatabase(
                "APP_DATABASE_URL (--app-database-url) or DATABASE_URL (--database-url)",
            )),
        }
    }

    /// Brings the schema up to date when the owner's URL is given.
    async fn migrate_if_owner(&self) -> Result<(), CommandError> {
        if let Some(owner) = &self.owner_url {
            regjistri_central::migrate(owner).await?;
        }
        Ok(())
    }

    /// The central layer on the application role's login.
    async fn central(&self, max_connections: u32) -> Result<Central, CommandError> {
        Ok(Central::connect(&self.app_url()?, max_connections, Arc::new(SystemClock)).await?)
    }
}

/// The files of a server's state folder.
pub struct StateDir(pub PathBuf);

impl StateDir {
    pub fn ca_cert(&self) -> PathBuf {
        self.0.join("ca.pem")
    }
    pub fn ca_key(&self) -> PathBuf {
        self.0.join("ca-key.pem")
    }
    pub fn server_cert(&self) -> PathBuf {
        self.0.join("server.pem")
    }
    pub fn server_key(&self) -> PathBuf {
        self.0.join("server-key.pem")
    }

    fn read(&self, path: PathBuf) -> Result<String, CommandError> {
        if !path.exists() {
            return Err(CommandError::NotInitialised(self.0.clone()));
        }
        fs::read_to_string(&path).map_err(io(&path))
    }

    pub fn ca(&self) -> Result<Issued, CommandError> {
        Ok(Issued {
            cert_pem: self.read(self.ca_cert())?,
            key_pem: self.read(self.ca_key())?,
        })
    }

    pub fn server(&self) -> Result<Issued, CommandError> {
        Ok(Issued {
            cert_pem: self.read(self.server_cert())?,
            key_pem: self.read(self.server_key())?,
        })
    }
}

/// Writes a new file; a private one is readable by its owner only. Never overwrites.
pub fn write_new(path: &Path, contents: &str, private: bool) -> Result<(), CommandError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CommandError::Exists(path.to_path_buf())
        } else {
            CommandError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })?;
    file.write_all(contents.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialised {
    pub created_ca: bool,
    pub created_server_certificate: bool,
}

/// Creates the CA and the server certificate for `hosts` (when missing; existing ones are
/// kept, never replaced) and, as the database's owner, brings the schema up to date and
/// makes `regjistri_app` a role that can log in. Safe to run again.
pub async fn init(
    dir: &Path,
    hosts: &[String],
    owner_database_url: &str,
) -> Result<Initialised, CommandError> {
    let state = StateDir(dir.to_path_buf());
    fs::create_dir_all(dir).map_err(io(dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
    }
    let now = OffsetDateTime::now_utc();
    let mut done = Initialised {
        created_ca: false,
        created_server_certificate: false,
    };
    if !state.ca_cert().exists() {
        let ca = pki::new_ca(now, 10)?;
        write_new(&state.ca_key(), &ca.key_pem, true)?;
        write_new(&state.ca_cert(), &ca.cert_pem, false)?;
        done.created_ca = true;
    }
    if !state.server_cert().exists() {
        let ca = state.ca()?;
        let hosts = if hosts.is_empty() {
            vec!["localhost".to_string()]
        } else {
            hosts.to_vec()
        };
        let server = pki::server_certificate(
            &ca,
            &hosts,
            now - time::Duration::hours(1),
            now + time::Duration::days(2 * 365),
        )?;
        write_new(&state.server_key(), &server.key_pem, true)?;
        write_new(&state.server_cert(), &server.cert_pem, false)?;
        done.created_server_certificate = true;
    }
    regjistri_central::migrate(owner_database_url).await?;
    Ok(done)
}

/// A station to enrol: its code, its directorate, whether it is a station of the central
/// administration, and how long its certificate is valid.
#[derive(Debug, Clone, Copy)]
pub struct StationToEnrol<'a> {
    pub code: &'a str,
    pub directorate: &'a str,
    pub administration: bool,
    pub valid_days: i64,
}

/// Issues a station's certificate, enrols the station and writes its bundle to `out`
/// (certificate, private key, CA; 0600). Returns the certificate's SHA-256.
pub async fn enrol_station(
    dir: &Path,
    database: &Database,
    station: &StationToEnrol<'_>,
    out: &Path,
    by: &str,
) -> Result<String, CommandError> {
    let StationToEnrol {
        code,
        directorate,
        administration,
        valid_days,
    } = *station;
    let state = StateDir(dir.to_path_buf());
    let ca = state.ca()?;
    let now = OffsetDateTime::now_utc();
    let issued = pki::station_certificate(
        &ca,
        code,
        directorate,
        now - time::Duration::hours(1),
        now + time::Duration::days(valid_days),
    )?;
    let sha = issued.sha256()?;
    // The file first (it must not exist), then the database; undo the file if that fails.
    write_new(out, &pki::station_bundle(&issued, &ca), true)?;
    let enrolled = async {
        let central = database.central(1).await?;
        if administration {
            central
                .enrol_administration_station(code, directorate, &sha, by)
                .await?;
        } else {
            central.enrol_station(code, directorate, &sha, by).await?;
        }
        central.pool().close().await;
        Ok::<_, CommandError>(())
    }
    .await;
    if let Err(e) = enrolled {
        let _ = fs::remove_file(out);
        return Err(e);
    }
    Ok(sha)
}

/// Runs the server until Ctrl-C (or SIGTERM): logs in as the application role (`app_url`;
/// refused if that login is, or may become, the owner or a superuser, or if the schema is
/// not the one `init` of this build makes), prunes expired tombstones every hour, serves
/// mutual TLS on `listen`. It never changes the schema.
pub async fn serve(
    dir: &Path,
    app_database_url: &str,
    listen: SocketAddr,
    tombstone_days: i64,
    max_connections: u32,
) -> Result<(), CommandError> {
    let state = StateDir(dir.to_path_buf());
    let ca = state.ca()?;
    let server = state.server()?;
    let tls = tls::server_config(&ca.cert_pem, &server.cert_pem, &server.key_pem)?;
    let central = Central::connect(app_database_url, max_connections, Arc::new(SystemClock))
        .await?
        .with_tombstone_days(tombstone_days);
    let pruner = central.clone();
    tokio::spawn(async move {
        loop {
            match pruner.prune_tombstones().await {
                Ok(0) => {}
                Ok(n) => log::info!("pruned {n} expired tombstones"),
                Err(e) => log::warn!("pruning tombstones failed: {e}"),
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    let listener = http::listen(listen).map_err(|e| CommandError::Io {
        path: PathBuf::from(listen.to_string()),
        source: e,
    })?;
    log::info!("regjistri-server listening on {listen} (mutual TLS)");
    let app = http::router(AppState { central });
    http::serve(listener, tls, app, shutdown_signal()).await;
    log::info!("regjistri-server stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The national reference data as JSON (the last set published, or the one this build
/// carries): the starting point of the next set an administrator edits and publishes.
pub async fn export_reference(database: &Database) -> Result<String, CommandError> {
    database.migrate_if_owner().await?;
    let central = database.central(1).await?;
    let set = central.reference().await?;
    serde_json::to_string_pretty(&set).map_err(|e| CommandError::Json(e.to_string()))
}

/// Publishes the reference data in `file` (JSON, as `export` writes it, with a new
/// `version`); returns its feed number.
pub async fn publish_reference(
    database: &Database,
    file: &Path,
    by: &str,
) -> Result<(String, i64), CommandError> {
    let text = fs::read_to_string(file).map_err(io(file))?;
    let set: regjistri_domain::reference::ReferenceSet =
        serde_json::from_str(&text).map_err(|e| CommandError::Json(e.to_string()))?;
    database.migrate_if_owner().await?;
    let central = database.central(1).await?;
    let seq = match central.publish_reference(&set, by).await {
        Ok(seq) => seq,
        Err(CentralError::Invalid(problems)) => {
            return Err(CommandError::ReferenceRefused(problems))
        }
        Err(e) => return Err(e.into()),
    };
    Ok((set.version, seq))
}
