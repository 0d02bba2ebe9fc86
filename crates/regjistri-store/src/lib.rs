//! The encrypted local store of a workstation.
//!
//! * SQLCipher database, key in the OS key store ([`key`]), refused rather than guessed at
//!   ([`open`]).
//! * One write path: [`Store::write_files`] writes the file, its name keys, a change-log row
//!   (UUIDv7 mutation id, field-level diff, base version) and a hash-chained audit event in
//!   the same transaction. There is no other way to change a file.
//! * Search over stored name keys ([`index`]), NID, date of birth and municipality.
//!
//! Invariants: no personal field value is logged; the key never leaves memory except into
//! the key store; this crate knows nothing of Tauri, HTTP or the UI.

pub mod audit;
mod error;
pub mod index;
pub mod key;
pub mod obligations;
mod open;
pub mod photos;
mod reference_db;
pub mod schema;
pub mod sync;
pub mod users;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use regjistri_domain::dates::local_date;
use regjistri_domain::diff::{diff, FieldChange};
use regjistri_domain::file::{FileData, FileStatus, OffenderFile};
use regjistri_domain::names::{fold, name_keys, KeyKind, QueryToken};
use regjistri_domain::reference::ReferenceSet;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

pub use audit::{AuditEvent, AuditFilter, StoredEvent};
pub use error::StoreError;
pub use index::{Hit, Level};
pub use key::{DbKey, KeyStore, KeyStoreError, OsKeyStore, Secret};
pub use obligations::RegisteredFile;
pub use open::{key_account, Create};
pub use photos::NewPhoto;
pub use sync::{NationalEntry, SyncCounts, SyncOutcome};
pub use users::{NewUser, SignIn, User};

/// Who did something, from which workstation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: String,
    pub station: String,
}

/// Times are stored in UTC with microseconds.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("time {s:?}")))
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A UUIDv7 made on this workstation, with the injected clock's time.
pub fn new_id(at: DateTime<Utc>) -> Uuid {
    let secs = u64::try_from(at.timestamp()).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        secs,
        at.timestamp_subsec_nanos(),
    ))
}

/// One change to one file, as the application layer asks for it.
#[derive(Debug, Clone)]
pub struct FileWrite {
    pub id: Uuid,
    /// The version the change was made against; 0 creates the file.
    pub base_version: i64,
    pub status: FileStatus,
    pub owning_directorate: String,
    pub data: FileData,
    /// Why, when a supervisor returns a version to its author.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub id: Uuid,
    pub version: i64,
    /// `None` when the write changed nothing (and so logged nothing).
    pub mutation_id: Option<Uuid>,
}

/// What a change did, for the history and the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    Create,
    Update,
    Approve,
    Return,
}

impl ChangeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "create",
            ChangeAction::Update => "update",
            ChangeAction::Approve => "approve",
            ChangeAction::Return => "return",
        }
    }

    fn of(base_version: i64, changes: &[FieldChange]) -> ChangeAction {
        if base_version == 0 {
            return ChangeAction::Create;
        }
        match changes
            .iter()
            .find(|c| c.path == "status")
            .and_then(|c| c.new.as_str())
        {
            Some("approved") => ChangeAction::Approve,
            Some("returned") => ChangeAction::Return,
            _ => ChangeAction::Update,
        }
    }
}

/// An approved version as it was approved.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovedVersion {
    pub version: i64,
    pub data: FileData,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
}

/// One row of a file's change history.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub action: ChangeAction,
    pub reason: Option<String>,
    pub mutation_id: Uuid,
    pub base_version: i64,
    pub version: i64,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub changes: Vec<FieldChange>,
}

/// The columns a result list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub rowid: i64,
    pub id: Uuid,
    pub version: i64,
    pub status: FileStatus,
    pub surname: String,
    pub given_name: String,
    pub father_name: String,
    pub date_of_birth: NaiveDate,
    pub nid: Option<String>,
    pub municipality_code: Option<String>,
    pub owning_directorate: String,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    reference: ReferenceSet,
    index: index::NameIndex,
    /// The change-log sequence number the name index reflects.
    index_seq: i64,
    created: bool,
}

impl Store {
    /// Opens the database at `path`, creating it (with a new key in `keys` and the bundled
    /// reference data) only when neither the key nor the file exists.
    pub fn open(path: &Path, keys: &dyn KeyStore, now: DateTime<Utc>) -> Result<Store, StoreError> {
        Store::open_with(path, keys, now, Create::IfMissing)
    }

    /// Opens an existing database only; never creates one.
    pub fn open_existing(
        path: &Path,
        keys: &dyn KeyStore,
        now: DateTime<Utc>,
    ) -> Result<Store, StoreError> {
        Store::open_with(path, keys, now, Create::Never)
    }

    fn open_with(
        path: &Path,
        keys: &dyn KeyStore,
        now: DateTime<Utc>,
        create: Create,
    ) -> Result<Store, StoreError> {
        let mut init = |conn: &mut Connection| initialise(conn, now);
        let opened = open::open_connection(path, keys, create, &mut init)?;
        Store::from_connection(opened.conn, path, opened.created, now)
    }

    /// A plain SQLite store for the encrypted-versus-plain benchmark only.
    #[cfg(feature = "plain-benchmark")]
    pub fn open_plain_for_benchmark(path: &Path, now: DateTime<Utc>) -> Result<Store, StoreError> {
        let mut init = |conn: &mut Connection| initialise(conn, now);
        let conn = open::open_plain_for_benchmark(path, &mut init)?;
        Store::from_connection(conn, path, true, now)
    }

    fn from_connection(
        mut conn: Connection,
        path: &Path,
        created: bool,
        now: DateTime<Utc>,
    ) -> Result<Store, StoreError> {
        schema::migrate(&mut conn)?;
        obligations::ensure_rules(&mut conn, now)?;
        let reference = reference_db::load(&conn)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            reference,
            index: index::NameIndex::default(),
            index_seq: 0,
            created,
        };
        store.load_index()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when this open created the database.
    pub fn was_created(&self) -> bool {
        self.created
    }

    pub fn reference(&self) -> &ReferenceSet {
        &self.reference
    }

    pub fn file_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM offender_file", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    // ---- the one write path ----

    /// Writes one file change. See [`Store::write_files`].
    pub fn write_file(
        &mut self,
        write: FileWrite,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Written, StoreError> {
        let mut out = self.write_files(std::iter::once(write), actor, now, &mut |_| {})?;
        out.pop()
            .ok_or_else(|| StoreError::Corrupt("write returned nothing".into()))
    }

    /// Writes file changes in one transaction: for each, the file row and its name keys, a
    /// change-log row and an audit event. All or nothing. `progress` is told how many are done.
    pub fn write_files(
        &mut self,
        writes: impl IntoIterator<Item = FileWrite>,
        actor: &Actor,
        now: DateTime<Utc>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<Written>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::new();
        for (n, write) in writes.into_iter().enumerate() {
            out.push(write_one(&tx, &write, actor, now)?);
            progress(n + 1);
        }
        tx.commit()?;
        self.refresh_index()?;
        Ok(out)
    }

    /// Records an audit event that is not a change (a file viewed, an export).
    pub fn record(
        &mut self,
        actor: &Actor,
        now: DateTime<Utc>,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::append(&tx, actor, now, event)?;
        tx.commit()?;
        Ok(())
    }

    /// Verifies the whole audit chain; returns the number of events.
    pub fn verify_audit(&self) -> Result<u64, StoreError> {
        audit::verify(&self.conn)
    }

    pub fn search_audit(
        &self,
        filter: &AuditFilter,
        offset: usize,
        limit: usize,
    ) -> Result<(u64, Vec<StoredEvent>), StoreError> {
        audit::search(&self.conn, filter, offset, limit)
    }

    pub fn audit_events(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        audit::events(&self.conn, after_seq, limit)
    }

    // ---- reading ----

    pub fn file(&self, id: Uuid) -> Result<OffenderFile, StoreError> {
        self.conn
            .query_row(
                "SELECT f.version, f.status, f.owning_directorate, d.data, f.created_at, f.created_by, f.updated_at, f.updated_by
                 FROM offender_file f JOIN file_document d ON d.file = f.rowid WHERE f.id = ?1",
                params![id.to_string()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
            .and_then(|(version, status, owning, data, created_at, created_by, updated_at, updated_by)| {
                Ok(OffenderFile {
                    id,
                    version,
                    status: FileStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
                    owning_directorate: owning,
                    data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    created_at: parse_time(&created_at)?,
                    created_by,
                    updated_at: parse_time(&updated_at)?,
                    updated_by,
                })
            })
    }

    pub fn history(&self, id: Uuid) -> Result<Vec<Change>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT mutation_id, base_version, version, actor, created_at, diff, reason FROM change_log
             WHERE entity = 'offender_file' AND entity_id = ?1 ORDER BY version",
        )?;
        type Row = (String, i64, i64, String, String, String, Option<String>);
        let rows: Vec<Row> = stmt
            .query_map(params![id.to_string()], |r| r.try_into())?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(m, base_version, version, actor, at, d, reason)| {
                let changes: Vec<FieldChange> =
                    serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(Change {
                    action: ChangeAction::of(base_version, &changes),
                    reason,
                    mutation_id: Uuid::parse_str(&m)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    base_version,
                    version,
                    actor,
                    at: parse_time(&at)?,
                    changes,
                })
            })
            .collect()
    }

    /// The latest approved version of a file, if it was ever approved.
    pub fn approved_version(&self, id: Uuid) -> Result<Option<ApprovedVersion>, StoreError> {
        let row: Option<(i64, String, String, String)> = self
            .conn
            .query_row(
                "SELECT version, data, approved_by, approved_at FROM standing_approval
                 WHERE file = ?1 ORDER BY version DESC LIMIT 1",
                params![id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(version, data, approved_by, at)| {
            Ok(ApprovedVersion {
                version,
                data: serde_json::from_str(&data)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                approved_by,
                approved_at: parse_time(&at)?,
            })
        })
        .transpose()
    }

    /// Everyone who created or changed the file since its last approval: none of them may
    /// approve it (four eyes). Here: the changes made at this station since then, and, when
    /// the approval came from the server, every one not yet pushed (the server never saw
    /// them, yet its approved copy arrived on top); returning, which carries a reason, and
    /// approving are not authoring. Elsewhere: the authors the server reported with its copy.
    pub fn authors_since_approval(&self, id: Uuid) -> Result<Vec<String>, StoreError> {
        let since: i64 = self.conn.query_row(
            "SELECT coalesce(max(version), 0) FROM standing_approval WHERE file = ?1",
            params![id.to_string()],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT c.actor FROM change_log c
             WHERE c.entity = 'offender_file' AND c.entity_id = ?1
               AND (c.version > ?2
                    OR (c.pushed_at IS NULL AND EXISTS (
                        SELECT 1 FROM change_log s WHERE s.entity = 'offender_file'
                          AND s.entity_id = c.entity_id AND s.version = ?2 AND s.origin = 'server')))
               AND c.reason IS NULL AND c.origin = 'local'
               AND NOT EXISTS (SELECT 1 FROM approved_version a
                               WHERE a.file = c.entity_id AND a.version = c.version)",
        )?;
        let actors = stmt.query_map(params![id.to_string(), since], |r| r.get(0))?;
        let mut out: Vec<String> = actors.collect::<Result<_, _>>()?;
        let remote: Option<String> = self
            .conn
            .query_row(
                "SELECT remote_authors FROM offender_file WHERE id = ?1",
                params![id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(remote) = remote {
            let remote: Vec<String> =
                serde_json::from_str(&remote).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            for a in remote {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        Ok(out)
    }

    /// Files of a directorate waiting for approval, oldest change first.
    pub fn awaiting_approval(&self, directorate: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT rowid FROM offender_file WHERE owning_directorate = ?1 AND status IN ('pending', 'amended')
             ORDER BY updated_at, rowid",
        )?;
        let rows = stmt.query_map(params![directorate], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Result-list rows for the given internal row ids, in the given order.
    pub fn summaries(&self, rowids: &[i64]) -> Result<Vec<Summary>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rowid, id, version, status, surname, given_name, father_name, date_of_birth, nid,
                    municipality_code, owning_directorate
             FROM offender_file WHERE rowid = ?1",
        )?;
        let mut out = Vec::with_capacity(rowids.len());
        for rowid in rowids {
            let row = stmt
                .query_row(params![rowid], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<String>>(9)?,
                        r.get::<_, String>(10)?,
                    ))
                })
                .optional()?;
            let Some((
                rowid,
                id,
                version,
                status,
                surname,
                given_name,
                father_name,
                dob,
                nid,
                municipality,
                owning,
            )) = row
            else {
                continue;
            };
            out.push(Summary {
                rowid,
                id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                version,
                status: FileStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
                surname,
                given_name,
                father_name,
                date_of_birth: NaiveDate::parse_from_str(&dob, "%Y-%m-%d")
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                nid,
                municipality_code: municipality,
                owning_directorate: owning,
            });
        }
        Ok(out)
    }

    // ---- search ----

    /// Name search over the stored keys; see [`index::NameIndex::search`].
    pub fn search_names(
        &mut self,
        tokens: &[QueryToken],
        municipality: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<Hit>), StoreError> {
        self.refresh_index()?;
        Ok(self.index.search(tokens, municipality, offset, limit))
    }

    fn rowids_where(
        &self,
        sql_where: &str,
        value: &str,
        municipality: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<Hit>), StoreError> {
        let mut filter = format!("FROM offender_file WHERE {sql_where} = ?1");
        if municipality.is_some() {
            filter.push_str(" AND municipality_code = ?2");
        }
        let total: i64 = match municipality {
            Some(m) => self.conn.query_row(
                &format!("SELECT count(*) {filter}"),
                params![value, m],
                |r| r.get(0),
            )?,
            None => {
                self.conn
                    .query_row(&format!("SELECT count(*) {filter}"), params![value], |r| {
                        r.get(0)
                    })?
            }
        };
        let sql = format!(
            "SELECT rowid {filter} ORDER BY surname, given_name, rowid LIMIT {} OFFSET {}",
            limit, offset
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let ids: Vec<i64> = match municipality {
            Some(m) => stmt
                .query_map(params![value, m], |r| r.get(0))?
                .collect::<Result<_, _>>()?,
            None => stmt
                .query_map(params![value], |r| r.get(0))?
                .collect::<Result<_, _>>()?,
        };
        Ok((
            usize::try_from(total).unwrap_or(0),
            ids.into_iter()
                .map(|rowid| Hit {
                    rowid,
                    level: Level::Exact,
                })
                .collect(),
        ))
    }

    /// Files with this personal number (already normalised: upper case, no spaces).
    pub fn search_nid(
        &self,
        nid: &str,
        municipality: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<Hit>), StoreError> {
        self.rowids_where("nid", nid, municipality, offset, limit)
    }

    pub fn search_birth_date(
        &self,
        date: NaiveDate,
        municipality: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<Hit>), StoreError> {
        self.rowids_where("date_of_birth", &iso(date), municipality, offset, limit)
    }

    // ---- the name index ----

    fn load_index(&mut self) -> Result<(), StoreError> {
        self.index_seq = self.change_seq()?;
        self.index = index::NameIndex::default();
        let mut files = self.conn.prepare(
            "SELECT rowid, surname, given_name, father_name, municipality_code FROM offender_file ORDER BY rowid",
        )?;
        let mut keys = self
            .conn
            .prepare("SELECT file, key, kind, field FROM name_key ORDER BY file")?;
        let mut key_rows = keys
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?
            .peekable();
        let file_rows = files.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in file_rows {
            let (rowid, surname, given, father, municipality) = row?;
            let mut file_keys = Vec::new();
            // Both queries are ordered by row id: merge them.
            while let Some(Ok((file, _, _, _))) = key_rows.peek() {
                if *file > rowid {
                    break;
                }
                let Some(Ok((file, key, kind, field))) = key_rows.next() else {
                    break;
                };
                if file == rowid {
                    file_keys.push((
                        key,
                        if kind == 0 {
                            KeyKind::Exact
                        } else {
                            KeyKind::Variant
                        },
                        u8::try_from(field).unwrap_or(7),
                    ));
                }
            }
            if let Some(Err(_)) = key_rows.peek() {
                if let Some(Err(e)) = key_rows.next() {
                    return Err(e.into());
                }
            }
            self.index.put(index::IndexedFile {
                rowid,
                sort_name: fold(&format!("{surname} {given} {father}")),
                municipality,
                keys: file_keys,
            });
        }
        Ok(())
    }

    fn change_seq(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'change_log'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Brings the name index up to date with changes made since it was built, by this
    /// process or another one.
    fn refresh_index(&mut self) -> Result<(), StoreError> {
        let seq = self.change_seq()?;
        if seq == self.index_seq {
            return Ok(());
        }
        let changed: Vec<String> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT DISTINCT entity_id FROM change_log WHERE seq > ?1 AND seq <= ?2 AND entity = 'offender_file'",
            )?;
            let rows = stmt.query_map(params![self.index_seq, seq], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        if changed.len() > 50_000 {
            return self.load_index();
        }
        let mut files = Vec::with_capacity(changed.len());
        let mut removed = false;
        {
            let mut file_stmt = self.conn.prepare_cached(
                "SELECT rowid, surname, given_name, father_name, municipality_code FROM offender_file WHERE id = ?1",
            )?;
            let mut key_stmt = self
                .conn
                .prepare_cached("SELECT key, kind, field FROM name_key WHERE file = ?1")?;
            for id in changed {
                let row = file_stmt
                    .query_row(params![id], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, Option<String>>(4)?,
                        ))
                    })
                    .optional()?;
                let Some((rowid, surname, given, father, municipality)) = row else {
                    // Removed (applied from the server's feed): its postings must go, which
                    // only a rebuild does.
                    removed = true;
                    break;
                };
                let keys = key_stmt
                    .query_map(params![rowid], |r| {
                        let kind: i64 = r.get(1)?;
                        let field: i64 = r.get(2)?;
                        Ok((
                            r.get::<_, String>(0)?,
                            if kind == 0 {
                                KeyKind::Exact
                            } else {
                                KeyKind::Variant
                            },
                            u8::try_from(field).unwrap_or(7),
                        ))
                    })?
                    .collect::<Result<_, _>>()?;
                files.push(index::IndexedFile {
                    rowid,
                    sort_name: fold(&format!("{surname} {given} {father}")),
                    municipality,
                    keys,
                });
            }
        }
        if removed {
            return self.load_index();
        }
        for file in files {
            self.index.put(file);
        }
        self.index_seq = seq;
        Ok(())
    }

    /// A workstation setting (station name, directorate); not personal data.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                params![format!("setting.{key}")],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Changes a workstation setting, audited.
    pub fn set_setting(
        &mut self,
        key: &str,
        value: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![format!("setting.{key}"), value],
        )?;
        audit::append(
            &tx,
            actor,
            now,
            &AuditEvent {
                action: "setting.update".into(),
                object_type: "setting".into(),
                object_id: key.into(),
                outcome: "ok".into(),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Gives the raw connection to tests in this crate's integration tests and benchmarks
    /// that compare against plain SQLite. Not for application code.
    #[doc(hidden)]
    pub fn connection_for_tests(&self) -> &Connection {
        &self.conn
    }
}

/// Schema and first data of a new database.
fn initialise(conn: &mut Connection, now: DateTime<Utc>) -> Result<(), StoreError> {
    schema::migrate(conn)?;
    let reference = ReferenceSet::provisional().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    reference_db::save(&tx, &reference)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('created_at', ?1)",
        params![format_time(now)],
    )?;
    tx.commit()?;
    Ok(())
}

fn document(
    status: FileStatus,
    owning: &str,
    data: &FileData,
) -> Result<serde_json::Value, StoreError> {
    Ok(serde_json::json!({
        "status": status,
        "owning_directorate": owning,
        "data": serde_json::to_value(data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    }))
}

/// A file as the write path finds it.
pub(crate) struct CurrentFile {
    pub rowid: i64,
    pub version: i64,
    pub server_version: i64,
    /// `{status, owning_directorate, data}`, as diffs are made of it.
    pub document: serde_json::Value,
}

pub(crate) fn current_file(conn: &Connection, id: &str) -> Result<Option<CurrentFile>, StoreError> {
    let row: Option<(i64, i64, i64, String, String, String)> = conn
        .prepare_cached(
            "SELECT f.rowid, f.version, f.server_version, f.status, f.owning_directorate, d.data
             FROM offender_file f JOIN file_document d ON d.file = f.rowid WHERE f.id = ?1",
        )?
        .query_row(params![id], |r| r.try_into())
        .optional()?;
    row.map(|(rowid, version, server_version, status, owning, data)| {
        let status = FileStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?;
        let data: FileData =
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(CurrentFile {
            rowid,
            version,
            server_version,
            document: document(status, &owning, &data)?,
        })
    })
    .transpose()
}

/// Where a write comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// An officer's change at this workstation: pushed to the server once, audited.
    Local,
    /// The server's copy, applied from its feed: never pushed, audited once per page.
    /// `approves`: this content is the approved version (kept in `approved_version`).
    Server { approves: bool },
}

/// An officer's change. Runs inside the caller's transaction.
fn write_one(
    conn: &Connection,
    w: &FileWrite,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Written, StoreError> {
    let id = w.id.to_string();
    let current = current_file(conn, &id)?;
    match (&current, w.base_version) {
        (None, 0) => {}
        (None, _) => return Err(StoreError::NotFound(id)),
        (Some(c), expected) if c.version != expected => {
            return Err(StoreError::VersionConflict {
                id,
                expected,
                found: c.version,
            })
        }
        (Some(_), _) => {}
    }
    put_file(conn, current.as_ref(), w, actor, now, Origin::Local)
}

/// The single place where a file's content changes: the row, its document and name keys,
/// a change-log row and (for an officer's change) an audit event. Runs inside the caller's
/// transaction; the caller checked the base version.
pub(crate) fn put_file(
    conn: &Connection,
    current: Option<&CurrentFile>,
    w: &FileWrite,
    actor: &Actor,
    now: DateTime<Utc>,
    origin: Origin,
) -> Result<Written, StoreError> {
    let id = w.id.to_string();
    // A file that comes back (it left for another directorate, or was removed from this
    // station) continues its numbering: its history and approved versions stayed.
    let earlier = || -> Result<i64, StoreError> {
        Ok(conn
            .prepare_cached(
                "SELECT coalesce(max(version), 0) FROM change_log
                 WHERE entity = 'offender_file' AND entity_id = ?1",
            )?
            .query_row(params![id], |r| r.get(0))?)
    };
    let (rowid, old_doc, version, server_base) = match current {
        None => (None, serde_json::Value::Null, earlier()? + 1, 0),
        Some(c) => (
            Some(c.rowid),
            c.document.clone(),
            c.version + 1,
            c.server_version,
        ),
    };
    let approves_copy = origin == Origin::Server { approves: true };
    // A file that arrives whole from the server is logged as created without its fields:
    // they are the file itself (and an initial synchronisation of a directorate would
    // otherwise double the database). Every other change keeps its field-level diff.
    let arrives_whole = current.is_none() && matches!(origin, Origin::Server { .. });
    let changes = if arrives_whole {
        Vec::new()
    } else {
        diff(
            &old_doc,
            &document(w.status, &w.owning_directorate, &w.data)?,
        )
    };
    if changes.is_empty() && !approves_copy && !arrives_whole {
        return Ok(Written {
            id: w.id,
            version: version - 1,
            mutation_id: None,
        });
    }
    let data_json =
        serde_json::to_string(&w.data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let at = format_time(now);
    if changes.is_empty() && !arrives_whole {
        // The approved copy is the content already held: keep it as approved.
        conn.prepare_cached(
            "INSERT OR IGNORE INTO approved_version (file, version, data, approved_by, approved_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, version - 1, data_json, actor.user, at])?;
        return Ok(Written {
            id: w.id,
            version: version - 1,
            mutation_id: None,
        });
    }

    let ident = &w.data.identity;
    let municipality = w
        .data
        .residence_on(local_date(now))
        .map(|a| a.municipality_code.clone());
    let rowid = match rowid {
        None => {
            conn.prepare_cached(
                "INSERT INTO offender_file (id, version, status, owning_directorate, surname, given_name, father_name,
                    date_of_birth, nid, municipality_code, created_at, created_by, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11, ?12)",
            )?
            .execute(params![
                id,
                version,
                w.status.as_str(),
                w.owning_directorate,
                ident.surname,
                ident.given_name,
                ident.father_name,
                iso(ident.date_of_birth),
                ident.nid,
                municipality,
                at,
                actor.user
            ])?;
            let rowid = conn.last_insert_rowid();
            conn.prepare_cached("INSERT INTO file_document (file, data) VALUES (?1, ?2)")?
                .execute(params![rowid, data_json])?;
            rowid
        }
        Some(rowid) => {
            conn.prepare_cached(
                "UPDATE offender_file SET version = ?2, status = ?3, owning_directorate = ?4, surname = ?5,
                    given_name = ?6, father_name = ?7, date_of_birth = ?8, nid = ?9, municipality_code = ?10,
                    updated_at = ?11, updated_by = ?12
                 WHERE rowid = ?1",
            )?
            .execute(params![
                rowid,
                version,
                w.status.as_str(),
                w.owning_directorate,
                ident.surname,
                ident.given_name,
                ident.father_name,
                iso(ident.date_of_birth),
                ident.nid,
                municipality,
                at,
                actor.user
            ])?;
            conn.prepare_cached("UPDATE file_document SET data = ?2 WHERE file = ?1")?
                .execute(params![rowid, data_json])?;
            conn.prepare_cached("DELETE FROM name_key WHERE file = ?1")?
                .execute(params![rowid])?;
            rowid
        }
    };
    let aliases = ident
        .aliases
        .iter()
        .map(|a| (a.surname.as_str(), a.given_name.as_str()));
    let mut insert_key = conn
        .prepare_cached("INSERT INTO name_key (file, key, kind, field) VALUES (?1, ?2, ?3, ?4)")?;
    for k in name_keys(
        &ident.surname,
        &ident.given_name,
        &ident.father_name,
        aliases,
    ) {
        insert_key.execute(params![rowid, k.key, k.kind as i64, i64::from(k.rank())])?;
    }

    let mutation_id = new_id(now);
    let (origin_name, pushed_at) = match origin {
        Origin::Local => ("local", None),
        Origin::Server { .. } => ("server", Some(at.as_str())),
    };
    conn.prepare_cached(
        "INSERT INTO change_log (mutation_id, entity, entity_id, base_version, version, diff, actor, station,
            created_at, reason, origin, server_base, pushed_at)
         VALUES (?1, 'offender_file', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        mutation_id.to_string(),
        id,
        version - 1,
        version,
        serde_json::to_string(&changes).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        actor.user,
        actor.station,
        at,
        w.reason,
        origin_name,
        server_base,
        pushed_at
    ])?;
    let action = ChangeAction::of(version - 1, &changes);
    if (origin == Origin::Local && action == ChangeAction::Approve) || approves_copy {
        conn.prepare_cached(
            "INSERT INTO approved_version (file, version, data, approved_by, approved_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, version, data_json, actor.user, at])?;
    }
    if origin != Origin::Local {
        log::debug!(
            "file {} applied from the server at local version {version}",
            w.id
        );
        return Ok(Written {
            id: w.id,
            version,
            mutation_id: Some(mutation_id),
        });
    }
    audit::append(
        conn,
        actor,
        now,
        &AuditEvent {
            action: format!("file.{}", action.as_str()),
            object_type: "offender_file".into(),
            object_id: id,
            outcome: "ok".into(),
        },
    )?;
    log::debug!(
        "file {} written at version {version} (mutation {mutation_id})",
        w.id
    );
    Ok(Written {
        id: w.id,
        version,
        mutation_id: Some(mutation_id),
    })
}
