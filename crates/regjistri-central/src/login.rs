//! The server's database login. The schema is made and changed by its owner (`migrate`);
//! requests run on connections that log in as the application role `regjistri_app` itself,
//! which holds only the grants the application needs (on the audit tables SELECT and INSERT)
//! and is no member of the owner, so no statement on those connections (`RESET ROLE`,
//! `SET ROLE`, an injected one) can take the owner's privileges. [`verify`] refuses a login
//! that could: a superuser, a role that owns the schema's objects or the database, may make
//! roles (and so grant itself the owner's), bypasses row security, replicates, or may change
//! or delete audit rows — itself or through any role it may become.

use sqlx::postgres::PgConnection;
use sqlx::{PgPool, Row};

use crate::CentralError;

/// The application role: every request runs as it; it logs in directly.
pub const APP_ROLE: &str = "regjistri_app";

/// The tables whose rows are never changed or deleted.
pub const AUDIT_TABLES: [&str; 3] = ["station_audit_event", "server_audit_event", "file_access"];

/// The URL the application role logs in with, made from the owner's: the same server,
/// database and parameters, with the user `regjistri_app` and no password. For a cluster
/// that trusts its local socket (as `scripts/server.sh` makes); elsewhere the
/// administrator gives the application role's own URL (`APP_DATABASE_URL`).
pub fn app_login_url(owner_url: &str) -> Result<String, CentralError> {
    let invalid = || CentralError::Invalid("database URL".into());
    let mut url = url::Url::parse(owner_url).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(invalid());
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "user" && k != "password")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.set_query(None);
    if url.has_host() && !url.host_str().unwrap_or_default().is_empty() {
        url.set_username(APP_ROLE).map_err(|()| invalid())?;
        url.set_password(None).map_err(|()| invalid())?;
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(&kept);
        }
    } else {
        // No host in the authority (`postgres:///db?host=/socket`): the user goes in the
        // parameters.
        url.query_pairs_mut()
            .extend_pairs(&kept)
            .append_pair("user", APP_ROLE);
    }
    Ok(url.into())
}

/// Makes the application role a LOGIN role when it is not yet (the owner runs this after
/// the migrations; migration 1 made the role). The role's password, if the cluster wants
/// one, is the database administrator's to set.
pub(crate) async fn ensure_app_login(pool: &PgPool) -> Result<(), CentralError> {
    if app_can_log_in(pool).await? {
        return Ok(());
    }
    let altered = sqlx::query("ALTER ROLE regjistri_app LOGIN")
        .execute(pool)
        .await;
    match altered {
        Ok(_) => Ok(()),
        // Another database of the same cluster did it at the same moment (a role is the
        // cluster's, and concurrent changes of one role's row fail): look again.
        Err(_) if app_can_log_in(pool).await? => Ok(()),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42501") => {
            Err(CentralError::AppLoginMissing)
        }
        Err(e) => Err(e.into()),
    }
}

async fn app_can_log_in(pool: &PgPool) -> Result<bool, CentralError> {
    let can: Option<bool> =
        sqlx::query_scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1")
            .bind(APP_ROLE)
            .fetch_optional(pool)
            .await?;
    match can {
        Some(can) => Ok(can),
        None => Err(CentralError::AppLoginMissing),
    }
}

/// Why a role the login may act as is refused; the gravest is reported (a login that is a
/// member of a superuser owner is reported as reaching the superuser, not only as inheriting
/// the owner's grants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    Superuser,
    CreateRole,
    BypassRowSecurity,
    Replication,
    /// A member of `pg_execute_server_program`, `pg_write_server_files` or
    /// `pg_read_server_files`: `COPY ... PROGRAM` runs commands as the database server's
    /// operating-system user, and `COPY` to or from a file reaches its data files and keys.
    ServerFilesOrPrograms,
    OwnsDatabase,
    OwnsSchemaObjects,
    ChangesAudit,
}

impl Privilege {
    pub fn describe(self) -> &'static str {
        match self {
            Privilege::Superuser => "is a superuser",
            Privilege::CreateRole => "may create roles (and so grant itself the owner's)",
            Privilege::BypassRowSecurity => "bypasses row security",
            Privilege::Replication => "may replicate",
            Privilege::ServerFilesOrPrograms => {
                "may read or write the database server's files or run programs on it"
            }
            Privilege::OwnsDatabase => "owns the database",
            Privilege::OwnsSchemaObjects => "owns the schema, its tables or its functions",
            Privilege::ChangesAudit => "may update, delete or truncate audit rows",
        }
    }

    pub fn describe_sq(self) -> &'static str {
        match self {
            Privilege::Superuser => "është superpërdorues",
            Privilege::CreateRole => "mund të krijojë role (dhe t'i japë vetes ato të pronarit)",
            Privilege::BypassRowSecurity => "anashkalon sigurinë e rreshtave",
            Privilege::Replication => "mund të replikojë",
            Privilege::ServerFilesOrPrograms => {
                "mund të lexojë ose shkruajë skedarët e serverit të bazës ose të ekzekutojë programe në të"
            }
            Privilege::OwnsDatabase => "është pronari i bazës",
            Privilege::OwnsSchemaObjects => {
                "është pronari i skemës, tabelave ose funksioneve të saj"
            }
            Privilege::ChangesAudit => "mund të ndryshojë, fshijë ose zbrazë rreshtat e auditimit",
        }
    }
}

/// Checks the connection's login before any request runs on the pool: the schema is the one
/// this build migrates to, and neither the login nor any role it may become (`SET ROLE`,
/// membership) holds a privilege of [`Privilege`].
pub(crate) async fn verify(conn: &mut PgConnection, latest: i64) -> Result<(), CentralError> {
    let readable: bool = sqlx::query_scalar(
        "SELECT coalesce(has_table_privilege(to_regclass('_sqlx_migrations'), 'SELECT'), false)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let applied: Option<i64> = if readable {
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await?
    } else {
        None
    };
    if applied != Some(latest) {
        return Err(CentralError::SchemaNotCurrent {
            database: applied,
            server: latest,
        });
    }
    let refused = sqlx::query(
            "WITH audit AS (
                 SELECT to_regclass(name) AS rel FROM unnest($1::text[]) AS t(name)
             ), schema AS (
                 SELECT c.relnamespace AS ns FROM pg_class c
                  WHERE c.oid = to_regclass('station_audit_event')
             ), held AS (
                 SELECT r.rolname::text AS role, r.rolname = session_user AS is_login,
                        r.rolsuper, r.rolcreaterole, r.rolbypassrls, r.rolreplication,
                        r.rolname IN ('pg_execute_server_program', 'pg_write_server_files',
                                      'pg_read_server_files') AS server_files,
                        r.oid = d.datdba AS owns_database,
                        EXISTS (SELECT 1 FROM pg_class c, schema s
                                 WHERE c.relnamespace = s.ns AND c.relowner = r.oid)
                        OR EXISTS (SELECT 1 FROM pg_proc p, schema s
                                    WHERE p.pronamespace = s.ns AND p.proowner = r.oid)
                        OR EXISTS (SELECT 1 FROM pg_namespace n, schema s
                                    WHERE n.oid = s.ns AND n.nspowner = r.oid) AS owns_objects,
                        EXISTS (SELECT 1 FROM audit a
                                 WHERE has_any_column_privilege(r.oid, a.rel, 'UPDATE')
                                    OR has_table_privilege(r.oid, a.rel, 'DELETE')
                                    OR has_table_privilege(r.oid, a.rel, 'TRUNCATE')) AS changes_audit
                   FROM pg_roles r, pg_database d
                  WHERE d.datname = current_database()
                    AND pg_has_role(session_user, r.oid, 'MEMBER')
             )
             SELECT session_user::text AS login, role, rolsuper, rolcreaterole, rolbypassrls,
                    rolreplication, server_files, owns_database, owns_objects, changes_audit
               FROM held
              WHERE rolsuper OR rolcreaterole OR rolbypassrls OR rolreplication OR server_files
                 OR owns_database OR owns_objects OR changes_audit
              ORDER BY rolsuper DESC, rolcreaterole DESC, rolbypassrls DESC,
                       rolreplication DESC, server_files DESC, owns_database DESC,
                       owns_objects DESC,
                       NOT is_login, role
              LIMIT 1",
        )
    .bind(AUDIT_TABLES.as_slice())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = refused else {
        return Ok(());
    };
    let mut privilege = Privilege::ChangesAudit;
    for (column, p) in [
        ("rolsuper", Privilege::Superuser),
        ("rolcreaterole", Privilege::CreateRole),
        ("rolbypassrls", Privilege::BypassRowSecurity),
        ("rolreplication", Privilege::Replication),
        ("server_files", Privilege::ServerFilesOrPrograms),
        ("owns_database", Privilege::OwnsDatabase),
        ("owns_objects", Privilege::OwnsSchemaObjects),
    ] {
        if row.try_get::<bool, _>(column)? {
            privilege = p;
            break;
        }
    }
    Err(CentralError::PrivilegedLogin {
        login: row.try_get("login")?,
        role: row.try_get("role")?,
        privilege,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_application_login_is_the_owners_url_with_its_own_user_and_no_password() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "postgres://regjistri@localhost/regjistri?host=/srv/pg-socket",
                Some("postgres://regjistri_app@localhost/regjistri?host=%2Fsrv%2Fpg-socket"),
            ),
            (
                "postgres://owner:s3cret@db.example:5433/regjistri?sslmode=verify-full",
                Some("postgres://regjistri_app@db.example:5433/regjistri?sslmode=verify-full"),
            ),
            (
                "postgresql://db.example/regjistri",
                Some("postgresql://regjistri_app@db.example/regjistri"),
            ),
            (
                "postgres://localhost/regjistri?user=owner&password=x&port=5432",
                Some("postgres://regjistri_app@localhost/regjistri?port=5432"),
            ),
            (
                "postgres:///regjistri?host=/run/pg&user=owner",
                Some("postgres:///regjistri?host=%2Frun%2Fpg&user=regjistri_app"),
            ),
            ("mysql://owner@localhost/regjistri", None),
            ("not a url", None),
        ];
        for (owner, expected) in cases {
            let got = app_login_url(owner).ok();
            assert_eq!(got.as_deref(), *expected, "{owner}");
        }
    }

    #[test]
    fn a_derived_login_parses_as_the_application_role() {
        use std::str::FromStr;
        for owner in [
            "postgres://regjistri@localhost/regjistri?host=/srv/pg-socket",
            "postgres:///regjistri?host=/run/pg&user=owner",
            "postgres://owner:pw@db.example/regjistri",
        ] {
            let app = app_login_url(owner).unwrap();
            let options = sqlx::postgres::PgConnectOptions::from_str(&app).unwrap();
            assert_eq!(options.get_username(), APP_ROLE, "{owner}");
            assert_eq!(options.get_database(), Some("regjistri"), "{owner}");
        }
    }
}
