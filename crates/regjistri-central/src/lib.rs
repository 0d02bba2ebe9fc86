//! The central directorate server's application layer, over PostgreSQL (sqlx, no
//! compile-time-checked queries). Every operation once, for the HTTP shell and the tests:
//!
//! * stations and enrolment ([`Central::enrol_station`]), identified by certificate hash;
//! * push ([`Central::push`]): batches of mutations, idempotent by mutation id, merged by
//!   `regjistri_sync::merge`, conflicts stored for a supervisor;
//! * pull ([`Central::pull`]): the feed in strictly increasing sequence, full files of the
//!   station's directorate and index entries of the others, tombstones, re-snapshot;
//! * station audit uploads checked for chain continuity ([`Central::push_audit`]);
//! * the server's own hash-chained audit trail.
//!
//! Invariants: versions come from the `feed_seq` sequence, never a clock; numbers are taken
//! under one advisory lock held to commit, so the feed has no holes a cursor could skip;
//! the schema is changed by its owner ([`migrate`]) and requests run on connections that log
//! in as the `regjistri_app` role itself ([`Central::connect`] refuses any login that is, or
//! may become, more: see [`login`]), which cannot change or delete audit rows; log lines
//! carry ids only.

mod audit;
mod error;
mod feed;
pub mod login;
mod push;
mod resolve;

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use regjistri_domain::clock::Clock;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool, Row, SqlSafeStr};

pub use error::CentralError;
pub use login::{app_login_url, APP_ROLE};
pub use sqlx::postgres::PgConnectOptions;

/// The advisory lock under which feed numbers are taken (held until commit).
const FEED_LOCK: i64 = 0x5245_474a_4645_4544; // "REGJFEED"
/// The advisory lock that serialises appends to the server's audit chain.
const AUDIT_LOCK: i64 = 0x5245_474a_4155_4454; // "REGJAUDT"

/// How long tombstones are kept unless configured otherwise.
pub const DEFAULT_TOMBSTONE_DAYS: i64 = 90;

/// The versioned migrations, embedded in the binary.
pub fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            "central".into(),
            MigrationType::Simple,
            include_str!("../migrations/0001_central.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "resolution and access".into(),
            MigrationType::Simple,
            include_str!("../migrations/0002_resolution_and_access.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            3,
            "approvals".into(),
            MigrationType::Simple,
            include_str!("../migrations/0003_approvals.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            4,
            "administration".into(),
            MigrationType::Simple,
            include_str!("../migrations/0004_administration.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            5,
            "audit refusal and login".into(),
            MigrationType::Simple,
            include_str!("../migrations/0005_audit_refusal_and_login.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            6,
            "record file index".into(),
            MigrationType::Simple,
            include_str!("../migrations/0006_record_file_index.sql").into_sql_str(),
            false,
        ),
    ])
}

/// The schema version this build migrates to.
pub fn latest_schema_version() -> i64 {
    migrator()
        .migrations
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Brings the database to the latest schema, as the connecting (owner) role, and makes the
/// application role a LOGIN role (see [`login`]). Run by `regjistri-server init`.
pub async fn migrate(database_url: &str) -> Result<(), CentralError> {
    migrate_with(PgConnectOptions::from_str(database_url)?).await
}

/// [`migrate`] with parsed options.
pub async fn migrate_with(options: PgConnectOptions) -> Result<(), CentralError> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let done = async {
        migrator().run(&pool).await?;
        login::ensure_app_login(&pool).await
    }
    .await;
    pool.close().await;
    done
}

/// An enrolled station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    pub code: String,
    pub directorate: String,
    pub cert_sha256: String,
    pub disabled: bool,
    /// A station of the administration (the General Directorate): it may manage accounts of
    /// every directorate, grant the national roles and propose rule versions. Any other
    /// station is bounded by its directorate (see `push`).
    pub administration: bool,
}

/// The central layer: a pool of connections that log in as `regjistri_app`.
#[derive(Clone)]
pub struct Central {
    pool: PgPool,
    clock: Arc<dyn Clock>,
    tombstone_days: i64,
    /// Pushes waiting to be committed together (`push`).
    pushes: Arc<push::PushQueue>,
}

impl Central {
    /// Connects with `max_connections`, logging in as the application role: `database_url`
    /// names `regjistri_app` (see [`app_login_url`]). Refuses a login that is, or may become,
    /// more than that role (the owner, a superuser: [`login`]) and a schema this build did
    /// not migrate to.
    pub async fn connect(
        database_url: &str,
        max_connections: u32,
        clock: Arc<dyn Clock>,
    ) -> Result<Central, CentralError> {
        Central::connect_with(
            PgConnectOptions::from_str(database_url)?,
            max_connections,
            clock,
        )
        .await
    }

    /// [`Central::connect`] with parsed options.
    pub async fn connect_with(
        options: PgConnectOptions,
        max_connections: u32,
        clock: Arc<dyn Clock>,
    ) -> Result<Central, CentralError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // Statements are prepared once per connection; a generic plan would not
                    // know how few rows follow a pull cursor and scan the whole feed.
                    conn.execute("SET plan_cache_mode = force_custom_plan")
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let verified = async {
            let mut conn = pool.acquire().await?;
            login::verify(&mut conn, latest_schema_version()).await
        }
        .await;
        if let Err(e) = verified {
            pool.close().await;
            return Err(e);
        }
        Ok(Central {
            pool,
            clock,
            tombstone_days: DEFAULT_TOMBSTONE_DAYS,
            pushes: Arc::default(),
        })
    }

    /// Tombstones older than this many days are pruned by [`Central::prune_tombstones`].
    pub fn with_tombstone_days(mut self, days: i64) -> Central {
        self.tombstone_days = days;
        self
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    // ---- stations ----

    /// Enrols a station of `directorate` whose client certificate has this SHA-256 (hex).
    pub async fn enrol_station(
        &self,
        code: &str,
        directorate: &str,
        cert_sha256: &str,
        by: &str,
    ) -> Result<Station, CentralError> {
        self.enrol(code, directorate, cert_sha256, by, false).await
    }

    /// Enrols a station of the administration (the General Directorate's): see
    /// [`Station::administration`].
    pub async fn enrol_administration_station(
        &self,
        code: &str,
        directorate: &str,
        cert_sha256: &str,
        by: &str,
    ) -> Result<Station, CentralError> {
        self.enrol(code, directorate, cert_sha256, by, true).await
    }

    async fn enrol(
        &self,
        code: &str,
        directorate: &str,
        cert_sha256: &str,
        by: &str,
        administration: bool,
    ) -> Result<Station, CentralError> {
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(CentralError::Invalid("station code".into()));
        }
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO station (code, directorate, cert_sha256, enrolled_at, enrolled_by, administration)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(code)
        .bind(directorate)
        .bind(cert_sha256)
        .bind(self.now())
        .bind(by)
        .bind(administration)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(CentralError::StationExists(code.to_string()));
        }
        audit::append(
            &mut tx,
            self.now(),
            by,
            if administration {
                "station.enrol_administration"
            } else {
                "station.enrol"
            },
            "station",
            code,
            "ok",
        )
        .await?;
        tx.commit().await?;
        log::info!(
            "station {code} enrolled for {directorate}{}",
            if administration {
                " (administration)"
            } else {
                ""
            }
        );
        Ok(Station {
            code: code.to_string(),
            directorate: directorate.to_string(),
            cert_sha256: cert_sha256.to_string(),
            disabled: false,
            administration,
        })
    }

    /// The enabled station whose certificate has this SHA-256, if any.
    pub async fn station_by_certificate(
        &self,
        cert_sha256: &str,
    ) -> Result<Option<Station>, CentralError> {
        let row = sqlx::query(
            "SELECT code, directorate, cert_sha256, disabled_at IS NOT NULL AS disabled, administration
             FROM station WHERE cert_sha256 = $1",
        )
        .bind(cert_sha256)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Station {
            code: r.get("code"),
            directorate: r.get("directorate"),
            cert_sha256: r.get("cert_sha256"),
            disabled: r.get("disabled"),
            administration: r.get("administration"),
        }))
    }

    /// Stops a station from synchronising (a lost laptop): its certificate is refused.
    pub async fn disable_station(&self, code: &str, by: &str) -> Result<(), CentralError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE station SET disabled_at = $2 WHERE code = $1 AND disabled_at IS NULL",
        )
        .bind(code)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(CentralError::NotFound(format!("station {code}")));
        }
        audit::append(
            &mut tx,
            self.now(),
            by,
            "station.disable",
            "station",
            code,
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Verifies the server's own audit chain; returns the number of events.
    pub async fn verify_server_audit(&self) -> Result<u64, CentralError> {
        audit::verify(&self.pool).await
    }
}

/// The retention cut-off for tombstones at `now`.
fn tombstone_cutoff(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now - Duration::days(days)
}
