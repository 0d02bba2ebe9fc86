//! Users and offline sign-in: PBKDF2-HMAC-SHA256 verifiers (ring, ≥ 600,000 iterations,
//! per-user random salt, constant-time comparison), lockout after repeated failures.
//! An unknown user costs the same derivation as a wrong password, and gets the same answer.

use std::num::NonZeroU32;

use chrono::{DateTime, Duration, Utc};
use regjistri_domain::access::Role;
use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use regjistri_sync::document::UserDocument;

use crate::audit::{self, AuditEvent};
use crate::error::StoreError;
use crate::{format_time, new_id, parse_time, Actor, Store};

pub const PBKDF2_ITERATIONS: u32 = 600_000;
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
const ALGORITHM: pbkdf2::Algorithm = pbkdf2::PBKDF2_HMAC_SHA256;
const VERIFIER_LEN: usize = regjistri_domain::password::VERIFIER_BYTES;
const SALT_LEN: usize = regjistri_domain::password::SALT_BYTES;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub user_name: String,
    pub role: Role,
    pub directorate: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub locked_at: Option<DateTime<Utc>>,
}

/// A user to create; the password has passed `regjistri_domain::password::check`.
#[derive(Clone, Copy)]
pub struct NewUser<'a> {
    pub user_name: &'a str,
    pub role: Role,
    pub directorate: &'a str,
    pub password: &'a str,
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Accepted(User),
    /// Unknown user, wrong password or disabled account: one answer for all three.
    Refused,
    /// Too many failures; a supervisor or administrator must release the account.
    Locked,
}

fn iterations() -> NonZeroU32 {
    NonZeroU32::new(PBKDF2_ITERATIONS).unwrap_or(NonZeroU32::MIN)
}

fn random(bytes: &mut [u8]) -> Result<(), StoreError> {
    SystemRandom::new()
        .fill(bytes)
        .map_err(|_| StoreError::Corrupt("no system random source".into()))
}

fn derive(salt: &[u8], password: &str, iterations: NonZeroU32) -> [u8; VERIFIER_LEN] {
    let mut out = [0u8; VERIFIER_LEN];
    pbkdf2::derive(ALGORITHM, iterations, salt, password.as_bytes(), &mut out);
    out
}

/// A random password for a forced reset: shown once, must be changed at the next sign-in.
pub fn one_time_password() -> Result<String, StoreError> {
    // Letters and digits without look-alikes (0/O, 1/l/I).
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    random(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

type UserRow = (String, String, String, String, bool, bool, Option<String>);
/// id, salt, verifier, iterations, disabled, locked at
type CredentialRow = (String, Vec<u8>, Vec<u8>, u32, bool, Option<String>);

fn read_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    r.try_into()
}

fn to_user(row: UserRow) -> Result<User, StoreError> {
    let (id, user_name, role, directorate, must_change, disabled, locked_at) = row;
    Ok(User {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        user_name,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        directorate,
        must_change_password: must_change,
        disabled,
        locked_at: locked_at.as_deref().map(parse_time).transpose()?,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A user as synchronisation carries it (`regjistri_sync::document::UserDocument`), or
/// `Null` when there is none.
pub(crate) fn user_document(conn: &Connection, id: &str) -> Result<serde_json::Value, StoreError> {
    /// user name, role, directorate, salt, verifier, iterations, must change, disabled
    type Row = (String, String, String, Vec<u8>, Vec<u8>, u32, bool, bool);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT user_name, role, directorate, salt, verifier, iterations, must_change_password, disabled
             FROM app_user WHERE id = ?1",
        )?
        .query_row(params![id], |r| r.try_into())
        .optional()?;
    Ok(match row {
        None => serde_json::Value::Null,
        Some((user_name, role, directorate, salt, verifier, iterations, must_change, disabled)) => {
            serde_json::to_value(UserDocument {
                user_name,
                role,
                directorate,
                salt: hex(&salt),
                verifier: hex(&verifier),
                iterations,
                must_change_password: must_change,
                disabled,
            })
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
        }
    })
}

/// Whether an account is the registry's (it came from the server, or was made here once
/// enrolled) rather than this workstation's own (made before enrolment, never sent).
fn user_synchronised(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM app_user WHERE id = ?1 AND server_version > 0)
             OR EXISTS (SELECT 1 FROM change_log WHERE entity = 'user' AND entity_id = ?1)",
        [id],
        |r| r.get(0),
    )?)
}

/// A change to a user, for synchronisation, once this workstation is enrolled (until then
/// its users are its own: the first administrator of each workstation is local).
fn log_user(
    conn: &Connection,
    id: &str,
    before: &serde_json::Value,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let enrolled: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'setting.sync.server_url')",
        [],
        |r| r.get(0),
    )?;
    if !enrolled || (!before.is_null() && !user_synchronised(conn, id)?) {
        return Ok(());
    }
    let after = user_document(conn, id)?;
    if regjistri_domain::diff::diff(before, &after).is_empty() {
        return Ok(());
    }
    crate::obligations::log_change(conn, "user", id, 0, before, &after, actor, now)
}

/// Applies a user account from the server's feed, with what this station changed and has
/// not pushed yet on top. A local account of the same name made here (the workstation's
/// own first administrator, say) keeps the name: the server's is not taken here.
pub(crate) fn apply_user(
    conn: &Connection,
    id: Uuid,
    version: i64,
    document: &serde_json::Value,
    unpushed: &[regjistri_domain::diff::FieldChange],
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let key = id.to_string();
    let known: Option<i64> = conn
        .prepare_cached("SELECT server_version FROM app_user WHERE id = ?1")?
        .query_row(params![key], |r| r.get(0))
        .optional()?;
    // This workstation's own account (made before enrolment) is never the server's to change.
    if known == Some(0) && !user_synchronised(conn, &key)? {
        log::warn!("user {id} from the server has the id of a local account; not taken");
        return Ok(false);
    }
    let Ok(sent) = UserDocument::parse(document) else {
        log::warn!("user {id} from the server is not a user account; skipped");
        return Ok(false);
    };
    // An older copy than the one held changes nothing. The same version is applied again:
    // a workstation enrolled again (for another directorate, say) gets every account again
    // at the versions it holds, whole where it held them without their verifier.
    if known.is_some_and(|v| v > version) {
        return Ok(false);
    }
    let fresh = known.is_none_or(|v| v < version);
    // Without its verifier (the server sends it only to the stations where it signs in, and
    // to the administration's): what this station must know of it, nothing to sign in with.
    // The verifier it had here goes too: a password since reset elsewhere must never work
    // here again.
    if sent.salt.is_empty() && sent.verifier.is_empty() {
        if known.is_some() {
            conn.prepare_cached(
                "UPDATE app_user SET role = ?2, directorate = ?3, disabled = ?4, server_version = ?5,
                    salt = x'', verifier = x''
                 WHERE id = ?1",
            )?
            .execute(params![key, sent.role, sent.directorate, sent.disabled, version])?;
            return Ok(fresh);
        }
        return Ok(false);
    }
    let mut target = document.clone();
    for change in unpushed {
        let _ = regjistri_sync::document::apply(&mut target, &change.path, &change.new);
    }
    let user = UserDocument::parse(&target)
        .ok()
        .filter(UserDocument::well_formed)
        .unwrap_or(sent);
    // What the station cannot take (the server checks accounts, but one bad item must never
    // stop the whole pull) is skipped, logged by id.
    if !user.well_formed() {
        log::warn!("user {id} from the server is not well formed; skipped");
        return Ok(false);
    }
    let (Some(salt), Some(verifier)) = (from_hex(&user.salt), from_hex(&user.verifier)) else {
        log::warn!("user {id} from the server has no verifier; skipped");
        return Ok(false);
    };
    let clash: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM app_user WHERE user_name = ?1 AND id <> ?2)",
        params![user.user_name, key],
        |r| r.get(0),
    )?;
    if clash {
        log::warn!("user {id} from the server has the name of a local account; not taken");
        return Ok(false);
    }
    if known.is_none() {
        conn.prepare_cached(
            "INSERT INTO app_user (id, user_name, role, directorate, salt, verifier, iterations,
                must_change_password, disabled, created_at, created_by, server_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'server', ?11)",
        )?
        .execute(params![
            key,
            user.user_name,
            user.role,
            user.directorate,
            salt,
            verifier,
            user.iterations,
            user.must_change_password,
            user.disabled,
            format_time(now),
            version
        ])?;
    } else {
        conn.prepare_cached(
            "UPDATE app_user SET user_name = ?2, role = ?3, directorate = ?4, salt = ?5, verifier = ?6,
                iterations = ?7, must_change_password = ?8, disabled = ?9, server_version = ?10
             WHERE id = ?1",
        )?
        .execute(params![
            key,
            user.user_name,
            user.role,
            user.directorate,
            salt,
            verifier,
            user.iterations,
            user.must_change_password,
            user.disabled,
            version
        ])?;
    }
    Ok(fresh)
}

const USER_COLUMNS: &str =
    "id, user_name, role, directorate, must_change_password, disabled, locked_at";

fn event(action: &str, user: &str, outcome: &str) -> AuditEvent {
    AuditEvent {
        action: action.into(),
        object_type: "user".into(),
        object_id: user.into(),
        outcome: outcome.into(),
    }
}

fn set_password(
    conn: &Connection,
    id: &str,
    password: &str,
    must_change: bool,
) -> Result<(), StoreError> {
    let mut salt = [0u8; SALT_LEN];
    random(&mut salt)?;
    let verifier = derive(&salt, password, iterations());
    conn.execute(
        "UPDATE app_user SET salt = ?2, verifier = ?3, iterations = ?4, must_change_password = ?5 WHERE id = ?1",
        params![id, salt.to_vec(), verifier.to_vec(), PBKDF2_ITERATIONS, must_change],
    )?;
    Ok(())
}

impl Store {
    pub fn user_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM app_user", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {USER_COLUMNS} FROM app_user ORDER BY user_name"
        ))?;
        let rows: Vec<UserRow> = stmt.query_map([], read_user)?.collect::<Result<_, _>>()?;
        rows.into_iter().map(to_user).collect()
    }

    pub fn user(&self, id: Uuid) -> Result<User, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = ?1"),
                params![id.to_string()],
                read_user,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        to_user(row)
    }

    /// Whether the account is the registry's, synchronised with the server (it came from
    /// there, or was made here once enrolled), rather than this workstation's own.
    pub fn user_synchronised(&self, id: Uuid) -> Result<bool, StoreError> {
        user_synchronised(&self.conn, &id.to_string())
    }

    /// Adds a user with a password that has already passed the password policy.
    pub fn create_user(
        &mut self,
        new: &NewUser<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let NewUser {
            user_name,
            role,
            directorate,
            password,
            must_change_password,
        } = *new;
        let id = new_id(now).to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM app_user WHERE user_name = ?1)",
            params![user_name],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::Duplicate("user_name".into()));
        }
        tx.execute(
            "INSERT INTO app_user (id, user_name, role, directorate, salt, verifier, iterations, must_change_password,
                disabled, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, x'', x'', ?5, ?6, 0, ?7, ?8)",
            params![id, user_name, role.as_str(), directorate, PBKDF2_ITERATIONS, must_change_password, format_time(now), actor.user],
        )?;
        set_password(&tx, &id, password, must_change_password)?;
        log_user(&tx, &id, &serde_json::Value::Null, actor, now)?;
        audit::append(&tx, actor, now, &event("user.create", &id, "ok"))?;
        tx.commit()?;
        self.user(Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?)
    }

    /// Checks a password. Every attempt is audited; the fifth failure within 15 minutes
    /// locks the account until it is released.
    pub fn sign_in(
        &mut self,
        user_name: &str,
        password: &str,
        station: &str,
        now: DateTime<Utc>,
    ) -> Result<SignIn, StoreError> {
        let row: Option<CredentialRow> = self
            .conn
            .query_row(
                // An enrolled station holds accounts of other directorates too (the server
                // sends every station every account, so that one that moves or is demoted stops
                // where it left); one signs in only at its directorate's stations, or anywhere
                // for the national roles. Derived here from the account and the station,
                // never stored: refused as a disabled one.
                "SELECT id, salt, verifier, iterations,
                        disabled OR (role NOT IN ('administrator', 'auditor')
                            AND EXISTS (SELECT 1 FROM meta WHERE key = 'setting.sync.server_url')
                            AND directorate IS NOT
                                (SELECT value FROM meta WHERE key = 'setting.directorate')),
                        locked_at
                 FROM app_user WHERE user_name = ?1",
                params![user_name],
                |r| r.try_into(),
            )
            .optional()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some((id, salt, verifier, iters, disabled, locked_at)) = row else {
            // Same work as a real check, so that timing does not reveal unknown names.
            let _ = derive(&[0u8; SALT_LEN], password, iterations());
            let actor = Actor {
                user: "unknown".into(),
                station: station.into(),
            };
            audit::append(
                &tx,
                &actor,
                now,
                &event("auth.sign_in", "unknown", "refused"),
            )?;
            tx.commit()?;
            return Ok(SignIn::Refused);
        };
        let actor = Actor {
            user: id.clone(),
            station: station.into(),
        };
        let ok = pbkdf2::verify(
            ALGORITHM,
            NonZeroU32::new(iters).unwrap_or(iterations()),
            &salt,
            password.as_bytes(),
            &verifier,
        )
        .is_ok();
        if locked_at.is_some() {
            audit::append(&tx, &actor, now, &event("auth.sign_in", &id, "locked"))?;
            tx.commit()?;
            return Ok(SignIn::Locked);
        }
        if !ok || disabled {
            tx.execute(
                "INSERT INTO sign_in_failure (user_id, at) VALUES (?1, ?2)",
                params![id, format_time(now)],
            )?;
            let since = format_time(now - Duration::minutes(FAILURE_WINDOW_MINUTES));
            let failures: i64 = tx.query_row(
                "SELECT count(*) FROM sign_in_failure WHERE user_id = ?1 AND at > ?2",
                params![id, since],
                |r| r.get(0),
            )?;
            audit::append(&tx, &actor, now, &event("auth.sign_in", &id, "refused"))?;
            if failures >= MAX_FAILURES && !disabled {
                tx.execute(
                    "UPDATE app_user SET locked_at = ?2 WHERE id = ?1",
                    params![id, format_time(now)],
                )?;
                audit::append(&tx, &actor, now, &event("auth.lock", &id, "ok"))?;
                tx.commit()?;
                return Ok(SignIn::Locked);
            }
            tx.commit()?;
            return Ok(SignIn::Refused);
        }
        tx.execute(
            "DELETE FROM sign_in_failure WHERE user_id = ?1",
            params![id],
        )?;
        audit::append(&tx, &actor, now, &event("auth.sign_in", &id, "ok"))?;
        tx.commit()?;
        let uuid = Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(SignIn::Accepted(self.user(uuid)?))
    }

    /// Releases a locked account (a supervisor or an administrator), audited.
    pub fn release_lock(
        &mut self,
        id: Uuid,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE app_user SET locked_at = NULL WHERE id = ?1",
            params![id.to_string()],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(id.to_string()));
        }
        tx.execute(
            "DELETE FROM sign_in_failure WHERE user_id = ?1",
            params![id.to_string()],
        )?;
        audit::append(
            &tx,
            actor,
            now,
            &event("auth.release", &id.to_string(), "ok"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Forces a new password: a one-time password the user must change at next sign-in.
    /// The administrator never chooses it.
    pub fn reset_password(
        &mut self,
        id: Uuid,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let password = one_time_password()?;
        self.user(id)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = user_document(&tx, &id.to_string())?;
        set_password(&tx, &id.to_string(), &password, true)?;
        log_user(&tx, &id.to_string(), &before, actor, now)?;
        audit::append(
            &tx,
            actor,
            now,
            &event("user.reset_password", &id.to_string(), "ok"),
        )?;
        tx.commit()?;
        Ok(password)
    }

    /// Sets a password the user chose (already checked against the policy).
    pub fn change_password(
        &mut self,
        id: Uuid,
        password: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = user_document(&tx, &id.to_string())?;
        set_password(&tx, &id.to_string(), password, false)?;
        log_user(&tx, &id.to_string(), &before, actor, now)?;
        audit::append(
            &tx,
            actor,
            now,
            &event("user.change_password", &id.to_string(), "ok"),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn set_disabled(
        &mut self,
        id: Uuid,
        disabled: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = user_document(&tx, &id.to_string())?;
        let n = tx.execute(
            "UPDATE app_user SET disabled = ?2 WHERE id = ?1",
            params![id.to_string(), disabled],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(id.to_string()));
        }
        log_user(&tx, &id.to_string(), &before, actor, now)?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit::append(&tx, actor, now, &event(action, &id.to_string(), "ok"))?;
        tx.commit()?;
        Ok(())
    }
}
