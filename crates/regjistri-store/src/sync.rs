//! The station's side of synchronisation with the central server: what to push (change-log
//! rows made here and not yet answered), what the server answered, the server's feed applied
//! page by page with its cursor in the same transaction, re-snapshots, the national index of
//! other directorates' files, and the audit trail's upload mark.
//!
//! Rules kept here:
//! * A local copy records the server version it came from; a page item not newer than that
//!   is skipped, so re-applying a page changes nothing.
//! * The server's copy never overwrites changes made here that are not pushed yet: they are
//!   applied again on top of it (each keeps the values it started from, so the server still
//!   merges it field by field).
//! * What comes from the server is written to the change log as `origin = 'server'`, already
//!   marked pushed: it is history, never sent back.
//! * An approval the server holds arrives with the data that stands approved; it is kept as
//!   an approved version, approved by whoever approved it.

use chrono::{DateTime, NaiveDate, Utc};
use regjistri_domain::diff::FieldChange;
use regjistri_domain::file::FileStatus;
use regjistri_domain::records::{FileRecord, RuleNotice};
use regjistri_domain::Text;
use regjistri_sync::document::{apply, content_hash, replica_checksum, FileDocument};
pub use regjistri_sync::protocol::SYNCED_ENTITIES;
use regjistri_sync::protocol::{
    ApprovedCopy, AuditEventWire, IndexEntry, Mutation, MutationResult, Outcome, PullItem,
    PullPage, RuleSetDocument,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use std::collections::HashMap;

use regjistri_domain::names::{prefix_upper_bound, QueryToken};

use crate::audit::{self, AuditEvent};
use crate::index::Level;
use crate::obligations::{record_row, to_record, RECORD_COLUMNS};
use crate::{
    current_file, format_time, iso, new_id, parse_time, put_file, Actor, FileWrite, Origin, Store,
    StoreError,
};

const CURSOR: &str = "sync.cursor";
const AUDIT_HEAD: &str = "sync.audit_head";
const LAST_SUCCESS: &str = "sync.last_success_at";
/// 1 while a re-snapshot runs: kept in the database so that one interrupted (a killed
/// process, a failed round) is still finished by the pull that reaches the feed's end.
const RESNAPSHOT: &str = "sync.resnapshot";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Roughly how many bytes of photos one call of `sync_pending` reads (a few push batches).
const PENDING_PHOTO_BYTES: usize = 4 * regjistri_sync::protocol::MAX_PUSH_BYTES;

/// Whether a photo's change-log diff is its creation (its SHA-256 appears).
fn photo_created(diff: &[FieldChange]) -> bool {
    diff.iter().any(|c| c.path == "sha256" && c.old.is_null())
}

fn entity_list() -> String {
    SYNCED_ENTITIES
        .iter()
        .map(|e| format!("'{e}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many of this station's changes wait, and how many the server did not simply apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    /// Made here, not yet answered by the server.
    pub pending: u64,
    /// Answered with a conflict (waiting for a supervisor on the server).
    pub conflicts: u64,
    /// Refused by the server: quarantined, shown, never sent again.
    pub rejected: u64,
}

/// A change the server did not simply apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    pub mutation_id: Uuid,
    /// `true`: a conflict; `false`: rejected.
    pub conflict: bool,
    pub entity: String,
    pub entity_id: Uuid,
    pub conflict_id: Option<Uuid>,
    pub conflict_kind: Option<String>,
    pub paths: Vec<String>,
    /// Why it was rejected.
    pub code: Option<String>,
    pub message: Option<Text>,
    /// Who made the change, and when the server answered.
    pub actor: String,
    pub made_at: DateTime<Utc>,
    pub answered_at: DateTime<Utc>,
}

/// A file of another directorate as this station knows it: its national index entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalEntry {
    pub id: Uuid,
    pub version: i64,
    pub owning_directorate: String,
    pub status: String,
    pub nid: Option<String>,
    pub date_of_birth: NaiveDate,
}

fn meta_i64(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
            r.get(0)
        })
        .optional()?;
    match v {
        None => Ok(0),
        Some(s) => s.parse().map_err(|_| corrupt(format!("{key} = {s:?}"))),
    }
}

fn set_meta_i64(conn: &Connection, key: &str, value: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value.to_string()],
    )?;
    Ok(())
}

fn sync_event(action: &str, object_id: String, outcome: String) -> AuditEvent {
    AuditEvent {
        action: action.into(),
        object_type: "sync".into(),
        object_id,
        outcome,
    }
}

/// Removes the full local copy of a file (deleted on the server, or now another
/// directorate's). Its approved versions and records stay, as history. Returns whether
/// there was one.
fn drop_file(
    conn: &Connection,
    id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(current) = current_file(conn, id)? else {
        return Ok(false);
    };
    let changes = regjistri_domain::diff::diff(&current.document, &Value::Null);
    // Its approvals stay as history but no longer stand: if it comes back, what stands
    // then comes with it.
    conn.prepare_cached(
        "INSERT OR IGNORE INTO approval_refused (file, version, code, at)
         SELECT file, version, 'left_station', ?2 FROM standing_approval WHERE file = ?1",
    )?
    .execute(params![id, format_time(now)])?;
    conn.execute(
        "DELETE FROM name_key WHERE file = ?1",
        params![current.rowid],
    )?;
    conn.execute(
        "DELETE FROM file_document WHERE file = ?1",
        params![current.rowid],
    )?;
    conn.execute(
        "DELETE FROM offender_file WHERE rowid = ?1",
        params![current.rowid],
    )?;
    let at = format_time(now);
    conn.prepare_cached(
        "INSERT INTO change_log (mutation_id, entity, entity_id, base_version, version, diff, actor, station,
            created_at, origin, server_base, pushed_at)
         VALUES (?1, 'offender_file', ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'server', ?9, ?8)",
    )?
    .execute(params![
        new_id(now).to_string(),
        id,
        current.version,
        current.version + 1,
        serde_json::to_string(&changes).map_err(corrupt)?,
        actor.user,
        actor.station,
        at,
        current.server_version
    ])?;
    Ok(true)
}

fn drop_index_entry(conn: &Connection, id: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM national_index_key WHERE id = ?1", params![id])?;
    conn.execute("DELETE FROM national_index WHERE id = ?1", params![id])?;
    Ok(())
}

fn put_index_entry(
    conn: &Connection,
    id: &str,
    version: i64,
    entry: &IndexEntry,
) -> Result<(), StoreError> {
    conn.execute("DELETE FROM national_index_key WHERE id = ?1", params![id])?;
    conn.prepare_cached(
        "INSERT INTO national_index (id, version, owning_directorate, status, nid, date_of_birth)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version,
            owning_directorate = excluded.owning_directorate, status = excluded.status,
            nid = excluded.nid, date_of_birth = excluded.date_of_birth",
    )?
    .execute(params![
        id,
        version,
        entry.owning_directorate,
        entry.status,
        entry.nid,
        iso(entry.date_of_birth)
    ])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO national_index_key (id, key, kind, rank) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for k in &entry.keys {
        insert.execute(params![id, k.key, k.kind, k.rank])?;
    }
    Ok(())
}

/// The changes made here to `id` that the server has not answered yet, oldest first.
fn unpushed_changes(conn: &Connection, id: &str) -> Result<Vec<FieldChange>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT diff FROM change_log
         WHERE entity_id = ?1 AND origin = 'local' AND pushed_at IS NULL ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![id], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let changes: Vec<FieldChange> = serde_json::from_str(&row?).map_err(corrupt)?;
        out.extend(changes);
    }
    Ok(out)
}

fn latest_approved_hash(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    let data: Option<String> = conn
        .prepare_cached(
            "SELECT data FROM standing_approval WHERE file = ?1 ORDER BY version DESC LIMIT 1",
        )?
        .query_row(params![id], |r| r.get(0))
        .optional()?;
    data.map(|d| {
        let v: Value = serde_json::from_str(&d).map_err(corrupt)?;
        Ok(content_hash(&v))
    })
    .transpose()
}

/// The earliest first approval known for `id`, kept beside the local approved versions.
fn note_first_approval(conn: &Connection, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE offender_file SET first_approved_at = ?2
         WHERE id = ?1 AND (first_approved_at IS NULL OR first_approved_at > ?2)",
    )?
    .execute(params![id, format_time(at)])?;
    Ok(())
}

/// One full file of the station's directorate, from the feed.
#[allow(clippy::too_many_arguments)]
fn apply_file(
    conn: &Connection,
    id: Uuid,
    version: i64,
    document: &Value,
    approved: Option<&ApprovedCopy>,
    updated_by: Option<&str>,
    authors: &[String],
    station: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let key = id.to_string();
    let mut current = current_file(conn, &key)?;
    if current
        .as_ref()
        .is_some_and(|c| c.server_version >= version)
    {
        return Ok(false);
    }
    // It may have been another directorate's until now.
    drop_index_entry(conn, &key)?;
    let server = FileDocument::parse(document).map_err(corrupt)?;
    let remote = |user: &str| Actor {
        user: user.to_string(),
        station: station.to_string(),
    };
    if let Some(copy) = approved {
        if latest_approved_hash(conn, &key)? != Some(content_hash(&copy.data)) {
            // What stands approved, as its own version, approved by its approver.
            let data =
                regjistri_domain::file::FileData::deserialize(&copy.data).map_err(corrupt)?;
            put_file(
                conn,
                current.as_ref(),
                &FileWrite {
                    id,
                    base_version: 0,
                    status: FileStatus::Approved,
                    owning_directorate: server.owning_directorate.clone(),
                    data,
                    reason: None,
                },
                &remote(&copy.by),
                copy.at,
                Origin::Server { approves: true },
            )?;
            current = current_file(conn, &key)?;
        }
    }
    // The server's copy, with what this station changed and has not pushed yet on top.
    let unpushed = unpushed_changes(conn, &key)?;
    let mut target = if unpushed.is_empty() {
        server
    } else {
        let mut target = document.clone();
        for change in unpushed {
            if apply(&mut target, &change.path, &change.new).is_err() {
                log::warn!("an unpushed change to file {id} no longer fits the server's copy");
            }
        }
        match FileDocument::parse(&target) {
            Ok(t) => t,
            Err(_) => {
                log::warn!(
                    "file {id}: unpushed changes left out of the local copy (they are still pushed)"
                );
                server
            }
        }
    };
    // As the server does: approved data changed since (by a change not yet pushed) is an
    // amendment waiting for approval, never approved.
    if target.status == FileStatus::Approved {
        let data = serde_json::to_value(&target.data).map_err(corrupt)?;
        if latest_approved_hash(conn, &key)?.is_some_and(|h| h != content_hash(&data)) {
            target.status = FileStatus::Amended;
        }
    }
    put_file(
        conn,
        current.as_ref(),
        &FileWrite {
            id,
            base_version: 0,
            status: target.status,
            owning_directorate: target.owning_directorate,
            data: target.data,
            reason: None,
        },
        &remote(updated_by.unwrap_or("server")),
        now,
        Origin::Server { approves: false },
    )?;
    conn.prepare_cached(
        "UPDATE offender_file SET server_version = ?2, remote_authors = ?3 WHERE id = ?1",
    )?
    .execute(params![
        key,
        version,
        serde_json::to_string(authors).map_err(corrupt)?
    ])?;
    if let Some(copy) = approved {
        note_first_approval(conn, &key, copy.first_at)?;
    }
    Ok(true)
}

/// Values of a row that are set once and afterwards change only to the server's (schema
/// V7): its table and those columns, in the order the table's trigger names them.
struct SetOnce {
    table: &'static str,
    columns: &'static [&'static str],
}

/// A photo's void.
const PHOTO_VOID: SetOnce = SetOnce {
    table: "photo",
    columns: &["void_reason", "voided_by", "voided_at"],
};

/// A record's void and its confirmation (deaths, removals).
const RECORD_VOID_AND_CONFIRMATION: SetOnce = SetOnce {
    table: "file_record",
    columns: &[
        "void_reason",
        "voided_by",
        "voided_at",
        "confirmed_by",
        "confirmed_at",
    ],
};

/// When and by whom a notice was served.
const NOTICE_SERVICE: SetOnce = SetOnce {
    table: "rule_notice",
    columns: &["served_on", "served_by"],
};

impl SetOnce {
    /// The values as row `id` holds them (`None`: no such row).
    fn read(&self, conn: &Connection, id: &str) -> Result<Option<Vec<Option<String>>>, StoreError> {
        let n = self.columns.len();
        Ok(conn
            .prepare_cached(&format!(
                "SELECT {} FROM {} WHERE id = ?1",
                self.columns.join(", "),
                self.table
            ))?
            .query_row(params![id], |r| {
                (0..n).map(|i| r.get(i)).collect::<Result<Vec<_>, _>>()
            })
            .optional()?)
    }

    /// Sets the values of row `id` to the server's, inside the pull's transaction: the row
    /// and exactly these values are named in `value_from_server` for the one UPDATE the
    /// table's trigger lets through, and the name goes at once.
    fn take_from_server(
        &self,
        conn: &Connection,
        id: &str,
        values: &[Option<String>],
    ) -> Result<(), StoreError> {
        if values.len() != self.columns.len() {
            return Err(corrupt(format!(
                "{} values for the {} columns of {}",
                values.len(),
                self.columns.len(),
                self.table
            )));
        }
        let named = std::iter::once(Some(self.table))
            .chain(std::iter::once(Some(id)))
            .chain(values.iter().map(Option::as_deref));
        let placeholders: Vec<String> = (0..values.len()).map(|i| format!("?{}", i + 3)).collect();
        conn.prepare_cached(&format!(
            "INSERT INTO value_from_server (table_name, id, value) VALUES (?1, ?2, json_array({}))",
            placeholders.join(", ")
        ))?
        .execute(rusqlite::params_from_iter(named))?;
        let set: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        let row = std::iter::once(Some(id)).chain(values.iter().map(Option::as_deref));
        conn.prepare_cached(&format!(
            "UPDATE {} SET {} WHERE id = ?1",
            self.table,
            set.join(", ")
        ))?
        .execute(rusqlite::params_from_iter(row))?;
        conn.prepare_cached("DELETE FROM value_from_server WHERE table_name = ?1 AND id = ?2")?
            .execute(params![self.table, id])?;
        Ok(())
    }
}

/// A record's void and confirmation as stored, in [`RECORD_VOID_AND_CONFIRMATION`]'s order.
fn record_void_and_confirmation(record: &FileRecord) -> Vec<Option<String>> {
    let void = record.void.as_ref();
    let confirmation = record.confirmation.as_ref();
    vec![
        void.map(|v| v.reason.clone()),
        void.map(|v| v.by.clone()),
        void.map(|v| format_time(v.at)),
        confirmation.map(|c| c.by.clone()),
        confirmation.map(|c| format_time(c.at)),
    ]
}

/// Whether row `key` of `table` already holds server version `version` or a later one (a
/// page applied again, or an older copy arriving late): then nothing is written.
fn held_already(
    conn: &Connection,
    table: &'static str,
    key: &str,
    version: i64,
) -> Result<bool, StoreError> {
    let held: Option<i64> = conn
        .prepare_cached(&format!("SELECT server_version FROM {table} WHERE id = ?1"))?
        .query_row(params![key], |r| r.get(0))
        .optional()?;
    Ok(held.is_some_and(|v| v >= version))
}

/// One record about a file of the station's directorate, from the feed. Records are never
/// edited, only voided and confirmed once: a new one is inserted whole. Of a known one only
/// the void and the confirmation are taken: while a change made here to it waits for the
/// server's answer, only what this station does not have yet; else the server's replace
/// this station's (two supervisors voided or confirmed it at two stations, and the server
/// kept the first, or a supervisor's decision, or refused this station's).
fn apply_record(
    conn: &Connection,
    id: Uuid,
    version: i64,
    document: &Value,
) -> Result<bool, StoreError> {
    let key = id.to_string();
    if held_already(conn, "file_record", &key, version)? {
        return Ok(false);
    }
    // The server's copy with what this station has not pushed yet on top.
    let unpushed = unpushed_changes(conn, &key)?;
    let mut target = document.clone();
    for change in &unpushed {
        if apply(&mut target, &change.path, &change.new).is_err() {
            log::warn!("an unpushed change to record {id} no longer fits the server's copy");
        }
    }
    let record: FileRecord = serde_json::from_value(target)
        .or_else(|_| serde_json::from_value(document.clone()))
        .map_err(corrupt)?;
    let Some(local) = RECORD_VOID_AND_CONFIRMATION.read(conn, &key)? else {
        conn.prepare_cached(
            "INSERT INTO file_record (id, file_id, kind, record_date, data, recorded_at, recorded_by,
                void_reason, voided_by, voided_at, confirmed_by, confirmed_at, server_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            key,
            record.file_id.to_string(),
            record.data.kind(),
            iso(record.data.date()),
            serde_json::to_string(&record.data).map_err(corrupt)?,
            format_time(record.recorded_at),
            record.recorded_by,
            record.void.as_ref().map(|v| v.reason.as_str()),
            record.void.as_ref().map(|v| v.by.as_str()),
            record.void.as_ref().map(|v| format_time(v.at)),
            record.confirmation.as_ref().map(|c| c.by.as_str()),
            record.confirmation.as_ref().map(|c| format_time(c.at)),
            version
        ])?;
        return Ok(true);
    };
    if unpushed.is_empty() {
        let server = record_void_and_confirmation(&record);
        if server != local {
            RECORD_VOID_AND_CONFIRMATION.take_from_server(conn, &key, &server)?;
            if local.iter().any(Option::is_some) {
                log::info!(
                    "record {id}: the server's void and confirmation replace this station's"
                );
            }
        }
    } else {
        let (voided, confirmed) = (local[0].is_some(), local[3].is_some());
        if let (false, Some(v)) = (voided, &record.void) {
            conn.prepare_cached(
                "UPDATE file_record SET void_reason = ?2, voided_by = ?3, voided_at = ?4 WHERE id = ?1",
            )?
            .execute(params![key, v.reason, v.by, format_time(v.at)])?;
        }
        if let (false, Some(c), None) = (confirmed, &record.confirmation, &record.void) {
            conn.prepare_cached(
                "UPDATE file_record SET confirmed_by = ?2, confirmed_at = ?3
                 WHERE id = ?1 AND void_reason IS NULL",
            )?
            .execute(params![key, c.by, format_time(c.at)])?;
        }
    }
    conn.prepare_cached("UPDATE file_record SET server_version = ?2 WHERE id = ?1")?
        .execute(params![key, version])?;
    Ok(true)
}

/// A photo of a person of the station's directorate, from the feed: a new one is inserted
/// whole, with its bytes (checked against what the document says of them); of a known one
/// only the void is taken: while a change made here to it waits for the server's answer the
/// local void stays (the server has not seen it yet), else the server's void replaces the
/// local one (two supervisors voided it at two stations; the first to reach the server
/// stands, and the other station's void was refused). A document that does not hold its
/// photo, or whose void cannot be read, is skipped (logged by id), never stopping the pull.
fn apply_photo(
    conn: &Connection,
    id: Uuid,
    version: i64,
    document: &Value,
) -> Result<bool, StoreError> {
    let key = id.to_string();
    if held_already(conn, "photo", &key, version)? {
        return Ok(false);
    }
    if let Some(local) = PHOTO_VOID.read(conn, &key)? {
        let server = match document.get("void").filter(|v| !v.is_null()) {
            None => vec![None, None, None],
            Some(v) => match regjistri_domain::records::Void::deserialize(v) {
                Ok(v) => vec![Some(v.reason), Some(v.by), Some(format_time(v.at))],
                Err(_) => {
                    log::warn!("photo {id} from the server skipped: its void cannot be read");
                    return Ok(false);
                }
            },
        };
        if server != local && unpushed_changes(conn, &key)?.is_empty() {
            PHOTO_VOID.take_from_server(conn, &key, &server)?;
            if local.iter().any(Option::is_some) {
                log::info!("photo {id}: the server's void replaces this station's");
            }
        }
        conn.prepare_cached("UPDATE photo SET server_version = ?2 WHERE id = ?1")?
            .execute(params![key, version])?;
        return Ok(true);
    }
    let (doc, bytes) = match regjistri_sync::document::PhotoDocument::parse(document) {
        Ok(parsed) => parsed,
        Err(e) => {
            log::warn!("photo {id} from the server skipped: {e}");
            return Ok(false);
        }
    };
    let p = doc.photo;
    conn.prepare_cached(
        "INSERT INTO photo (id, file_id, taken_on, taken_by, media_type, byte_len, width, height, sha256,
            bytes, recorded_at, void_reason, voided_by, voided_at, server_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        key,
        p.file_id.to_string(),
        iso(p.taken_on),
        p.taken_by,
        p.media_type.as_str(),
        p.byte_len,
        p.width,
        p.height,
        p.sha256,
        bytes,
        format_time(p.recorded_at),
        p.void.as_ref().map(|v| v.reason.as_str()),
        p.void.as_ref().map(|v| v.by.as_str()),
        p.void.as_ref().map(|v| format_time(v.at)),
        version
    ])?;
    Ok(true)
}

/// A national rule version from the feed: kept as it is (versions never change). A version
/// of the same number made here before enrolment stays, and the server's is not taken.
fn apply_rule_set(conn: &Connection, id: Uuid, document: &Value) -> Result<bool, StoreError> {
    let doc = RuleSetDocument::deserialize(document).map_err(corrupt)?;
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO rule_set (version, effective_from, rule_values, provisional, note,
                created_at, created_by, from_server)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)",
        )?
        .execute(params![
            doc.set.version,
            iso(doc.set.effective_from),
            serde_json::to_string(&doc.set.values).map_err(corrupt)?,
            doc.set.provisional,
            doc.set.note,
            format_time(doc.created_at),
            doc.created_by
        ])?;
    if inserted == 0 {
        log::warn!(
            "rule version {} ({id}) from the server: a version of that number is already here",
            doc.set.version
        );
    }
    Ok(inserted > 0)
}

/// A notice of a rule change from the feed: a new one is inserted whole. Of a known one only
/// the service is taken: while a change made here to it waits for the server's answer, only
/// a service this station does not have yet; else the server's replaces this station's (it
/// was served at two stations, and the server kept the first, or a supervisor's decision).
/// A notice served on a day by no one, or by someone on no day, is skipped (logged by id).
fn apply_notice(
    conn: &Connection,
    id: Uuid,
    version: i64,
    document: &Value,
) -> Result<bool, StoreError> {
    let key = id.to_string();
    if held_already(conn, "rule_notice", &key, version)? {
        return Ok(false);
    }
    let notice = RuleNotice::deserialize(document).map_err(corrupt)?;
    if notice.served_on.is_some() != notice.served_by.is_some() {
        log::warn!("notice {id} from the server skipped: its service is incomplete");
        return Ok(false);
    }
    let Some(local) = NOTICE_SERVICE.read(conn, &key)? else {
        conn.prepare_cached(
            "INSERT INTO rule_notice (id, file_id, rule_version, created_at, served_on, served_by,
                server_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            key,
            notice.file_id.to_string(),
            notice.rule_version,
            format_time(notice.created_at),
            notice.served_on.map(iso),
            notice.served_by,
            version
        ])?;
        return Ok(true);
    };
    let server = vec![notice.served_on.map(iso), notice.served_by];
    let unanswered = !unpushed_changes(conn, &key)?.is_empty();
    if server != local && !(unanswered && local[0].is_some()) {
        NOTICE_SERVICE.take_from_server(conn, &key, &server)?;
        if local[0].is_some() {
            log::info!("notice {id}: the server's service replaces this station's");
        }
    }
    conn.prepare_cached("UPDATE rule_notice SET server_version = ?2 WHERE id = ?1")?
        .execute(params![key, version])?;
    Ok(true)
}

/// The end of a re-snapshot, inside the caller's transaction: what the snapshot did not
/// contain goes (files and index entries), and the re-snapshot is over. Returns how many
/// went and whether any was a full file (the name index must then be rebuilt).
fn drop_unseen(
    tx: &Connection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(u64, bool), StoreError> {
    let unseen: Vec<String> = {
        let mut stmt = tx.prepare("SELECT id FROM sync_unseen")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut dropped = 0u64;
    let mut files = false;
    for id in &unseen {
        let file = drop_file(tx, id, actor, now)?;
        files |= file;
        let indexed = tx.query_row(
            "SELECT count(*) FROM national_index WHERE id = ?1",
            params![id],
            |r| r.get::<_, i64>(0),
        )? > 0;
        drop_index_entry(tx, id)?;
        if file || indexed {
            dropped += 1;
        }
    }
    tx.execute("DELETE FROM sync_unseen", [])?;
    set_meta_i64(tx, RESNAPSHOT, 0)?;
    audit::append(
        tx,
        actor,
        now,
        &sync_event(
            "sync.resnapshot",
            format!("feed:{}", meta_i64(tx, CURSOR)?),
            format!("dropped={dropped}"),
        ),
    )?;
    Ok((dropped, files))
}

impl Store {
    /// This station's changes not yet answered by the server, oldest first, at most `max`
    /// (fewer once the photos among them pass a few megabytes: the worker asks again).
    /// An approval carries the content hash of the data approved; a new photo its bytes.
    pub fn sync_pending(&self, max: usize) -> Result<Vec<Mutation>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT c.mutation_id, c.entity, c.entity_id, c.server_base, c.diff, c.actor, c.created_at,
                    (SELECT a.data FROM approved_version a WHERE a.file = c.entity_id AND a.version = c.version)
             FROM change_log c
             WHERE c.pushed_at IS NULL AND c.origin = 'local' AND c.entity IN ({})
             ORDER BY c.seq LIMIT ?1",
            entity_list()
        ))?;
        type Row = (
            String,
            String,
            String,
            i64,
            String,
            String,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = stmt
            .query_map(params![i64::try_from(max).unwrap_or(i64::MAX)], |r| {
                r.try_into()
            })?
            .collect::<Result<_, _>>()?;
        // Photos' bytes are added here, from the photo table: the list stops once they pass
        // a few push batches' worth, so that many photos never sit in memory at once.
        let mut photo_bytes = 0usize;
        let mut out = Vec::with_capacity(rows.len());
        for (mutation_id, entity, entity_id, base, diff, actor, at, approved) in rows {
            if photo_bytes > PENDING_PHOTO_BYTES {
                break;
            }
            let mut diff: Vec<FieldChange> = serde_json::from_str(&diff).map_err(corrupt)?;
            if entity == crate::photos::ENTITY && photo_created(&diff) {
                let bytes: Vec<u8> = self
                    .conn
                    .prepare_cached("SELECT bytes FROM photo WHERE id = ?1")?
                    .query_row(params![entity_id], |r| r.get(0))?;
                photo_bytes += bytes.len();
                diff.push(FieldChange {
                    path: "data".into(),
                    old: Value::Null,
                    new: Value::String(regjistri_sync::document::encode_bytes(&bytes)),
                });
            }
            let approves = diff
                .iter()
                .any(|c| c.path == "status" && c.new.as_str() == Some("approved"));
            let approves = match (approves, approved) {
                (true, Some(data)) => {
                    let v: Value = serde_json::from_str(&data).map_err(corrupt)?;
                    Some(content_hash(&v))
                }
                _ => None,
            };
            out.push(Mutation {
                mutation_id: Uuid::parse_str(&mutation_id).map_err(corrupt)?,
                entity,
                entity_id: Uuid::parse_str(&entity_id).map_err(corrupt)?,
                base_version: base,
                diff,
                actor,
                created_at: parse_time(&at)?,
                approves,
            });
        }
        Ok(out)
    }

    pub fn sync_counts(&self) -> Result<SyncCounts, StoreError> {
        let pending: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM change_log
                 WHERE pushed_at IS NULL AND origin = 'local' AND entity IN ({})",
                entity_list()
            ),
            [],
            |r| r.get(0),
        )?;
        let (conflicts, rejected): (i64, i64) = self.conn.query_row(
            "SELECT coalesce(sum(outcome = 'conflict'), 0), coalesce(sum(outcome = 'rejected'), 0)
             FROM sync_outcome",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(SyncCounts {
            pending: n(pending),
            conflicts: n(conflicts),
            rejected: n(rejected),
        })
    }

    /// The server's answers to one pushed batch: every answered change is marked pushed;
    /// conflicts and rejections are kept to show. Audited once per batch.
    pub fn sync_record_results(
        &mut self,
        results: &[MutationResult],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at = format_time(now);
        let (mut applied, mut conflicts, mut rejected) = (0, 0, 0);
        for r in results {
            let id = r.mutation_id.to_string();
            let row: Option<(String, String, i64)> = tx
                .prepare_cached(
                    "SELECT entity, entity_id, version FROM change_log WHERE mutation_id = ?1",
                )?
                .query_row(params![id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            let Some((entity, entity_id, local_version)) = row else {
                log::warn!("the server answered mutation {id}, which this station does not have");
                continue;
            };
            tx.prepare_cached(
                "UPDATE change_log SET pushed_at = ?2 WHERE mutation_id = ?1 AND pushed_at IS NULL",
            )?
            .execute(params![id, at])?;
            let outcome = match r.outcome {
                Outcome::Applied => {
                    applied += 1;
                    continue;
                }
                Outcome::Conflict => {
                    conflicts += 1;
                    "conflict"
                }
                Outcome::Rejected => {
                    rejected += 1;
                    "rejected"
                }
            };
            let paths: Vec<&str> = r
                .conflict
                .as_ref()
                .map(|c| c.paths.iter().map(String::as_str).collect())
                .unwrap_or_default();
            // An approval made here that did not take on the server no longer stands here.
            if outcome == "rejected" || paths.contains(&"status") {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO approval_refused (file, version, code, at)
                     SELECT file, version, ?3, ?4 FROM approved_version WHERE file = ?1 AND version = ?2",
                )?
                .execute(params![
                    entity_id,
                    local_version,
                    r.error
                        .as_ref()
                        .map(|e| e.code.as_str())
                        .unwrap_or("status_conflict"),
                    at
                ])?;
            }
            tx.prepare_cached(
                "INSERT OR IGNORE INTO sync_outcome (mutation_id, outcome, entity, entity_id, conflict_id,
                    conflict_kind, paths, code, message_sq, message_en, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                id,
                outcome,
                entity,
                entity_id,
                r.conflict.as_ref().map(|c| c.id.to_string()),
                r.conflict.as_ref().map(|c| c.kind.as_str()),
                serde_json::to_string(&paths).map_err(corrupt)?,
                r.error.as_ref().map(|e| e.code.as_str()),
                r.error.as_ref().map(|e| e.message.sq.as_str()),
                r.error.as_ref().map(|e| e.message.en.as_str()),
                at
            ])?;
        }
        if !results.is_empty() {
            audit::append(
                &tx,
                actor,
                now,
                &sync_event(
                    "sync.push",
                    results[0].mutation_id.to_string(),
                    format!("applied={applied} conflicts={conflicts} rejected={rejected}"),
                ),
            )?;
        }
        tx.commit()?;
        if rejected > 0 {
            log::warn!("{rejected} change(s) refused by the server and quarantined");
        }
        Ok(())
    }

    /// Changes the server did not simply apply, newest first.
    pub fn sync_outcomes(&self, limit: usize) -> Result<Vec<SyncOutcome>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.mutation_id, o.outcome, o.entity, o.entity_id, o.conflict_id, o.conflict_kind,
                    o.paths, o.code, o.message_sq, o.message_en, c.actor, c.created_at, o.at
             FROM sync_outcome o JOIN change_log c ON c.mutation_id = o.mutation_id
             ORDER BY o.at DESC, c.seq DESC LIMIT ?1",
        )?;
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
        );
        let rows: Vec<Row> = stmt
            .query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                r.try_into()
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(
                |(
                    m,
                    outcome,
                    entity,
                    entity_id,
                    cid,
                    kind,
                    paths,
                    code,
                    sq,
                    en,
                    actor,
                    made,
                    at,
                )| {
                    Ok(SyncOutcome {
                        mutation_id: Uuid::parse_str(&m).map_err(corrupt)?,
                        conflict: outcome == "conflict",
                        entity,
                        entity_id: Uuid::parse_str(&entity_id).map_err(corrupt)?,
                        conflict_id: cid
                            .map(|c| Uuid::parse_str(&c))
                            .transpose()
                            .map_err(corrupt)?,
                        conflict_kind: kind,
                        paths: serde_json::from_str(&paths).map_err(corrupt)?,
                        code,
                        message: match (sq, en) {
                            (Some(sq), Some(en)) => Some(Text { sq, en }),
                            _ => None,
                        },
                        actor,
                        made_at: parse_time(&made)?,
                        answered_at: parse_time(&at)?,
                    })
                },
            )
            .collect()
    }

    /// The last feed number applied (0: nothing yet).
    pub fn sync_cursor(&self) -> Result<i64, StoreError> {
        meta_i64(&self.conn, CURSOR)
    }

    /// Applies one page of the server's feed and stores its cursor, in one transaction.
    /// Returns how many items changed something here.
    pub fn sync_apply_page(
        &mut self,
        page: &PullPage,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed = 0;
        let mut dropped = false;
        let mut reference_changed = false;
        for item in &page.items {
            let (id, did) = match item {
                PullItem::File {
                    id,
                    version,
                    document,
                    approved,
                    updated_by,
                    authors,
                    ..
                } => (
                    *id,
                    apply_file(
                        &tx,
                        *id,
                        *version,
                        document,
                        approved.as_ref(),
                        updated_by.as_deref(),
                        authors,
                        &actor.station,
                        now,
                    )?,
                ),
                PullItem::Index {
                    id, version, entry, ..
                } => {
                    let key = id.to_string();
                    let known: Option<i64> = tx
                        .prepare_cached("SELECT version FROM national_index WHERE id = ?1")?
                        .query_row(params![key], |r| r.get(0))
                        .optional()?;
                    let gone = drop_file(&tx, &key, actor, now)?;
                    dropped |= gone;
                    let newer = known.is_none_or(|v| v < *version);
                    if newer {
                        put_index_entry(&tx, &key, *version, entry)?;
                    }
                    (*id, gone || newer)
                }
                PullItem::Record {
                    id,
                    version,
                    document,
                    ..
                } => (*id, apply_record(&tx, *id, *version, document)?),
                PullItem::Photo {
                    id,
                    version,
                    document,
                    ..
                } => (*id, apply_photo(&tx, *id, *version, document)?),
                PullItem::RuleSet { id, document, .. } => {
                    (*id, apply_rule_set(&tx, *id, document)?)
                }
                PullItem::Reference { id, document, .. } => {
                    let set = regjistri_domain::reference::ReferenceSet::deserialize(document)
                        .map_err(corrupt)?;
                    let replaced = crate::reference_db::replace(&tx, &set)?;
                    if replaced {
                        log::info!("reference data {} from the server", set.version);
                    }
                    reference_changed |= replaced;
                    (*id, replaced)
                }
                PullItem::Notice {
                    id,
                    version,
                    document,
                    ..
                } => (*id, apply_notice(&tx, *id, *version, document)?),
                PullItem::User {
                    id,
                    version,
                    document,
                    ..
                } => {
                    let unpushed = unpushed_changes(&tx, &id.to_string())?;
                    (
                        *id,
                        crate::users::apply_user(&tx, *id, *version, document, &unpushed, now)?,
                    )
                }
                PullItem::Tombstone { id, .. } => {
                    let key = id.to_string();
                    let gone = drop_file(&tx, &key, actor, now)?;
                    dropped |= gone;
                    let indexed = tx
                        .execute("DELETE FROM national_index_key WHERE id = ?1", params![key])?
                        > 0;
                    let indexed =
                        tx.execute("DELETE FROM national_index WHERE id = ?1", params![key])? > 0
                            || indexed;
                    (*id, gone || indexed)
                }
            };
            tx.prepare_cached("DELETE FROM sync_unseen WHERE id = ?1")?
                .execute(params![id.to_string()])?;
            if did {
                changed += 1;
            }
        }
        set_meta_i64(&tx, CURSOR, page.next_cursor)?;
        if !page.more && meta_i64(&tx, RESNAPSHOT)? == 1 {
            // The snapshot is complete (this round's, or one a killed process left open).
            let (_, files) = drop_unseen(&tx, actor, now)?;
            dropped |= files;
        }
        if changed > 0 {
            audit::append(
                &tx,
                actor,
                now,
                &sync_event(
                    "sync.pull",
                    format!("feed:{}", page.next_cursor),
                    format!("changed={changed}"),
                ),
            )?;
        }
        tx.commit()?;
        if reference_changed {
            self.reference = crate::reference_db::load(&self.conn)?;
        }
        if dropped {
            self.load_index()?;
        } else {
            self.refresh_index()?;
        }
        Ok(changed)
    }

    /// Starts a full re-snapshot: cursor to 0, every synchronised record marked unseen and
    /// its server version forgotten (so that the snapshot's copy is taken whatever it is).
    /// Changes not yet pushed are kept.
    pub fn sync_begin_resnapshot(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM sync_unseen", [])?;
        tx.execute(
            "INSERT OR IGNORE INTO sync_unseen (id)
             SELECT id FROM offender_file WHERE server_version > 0
             UNION SELECT id FROM national_index",
            [],
        )?;
        tx.execute(
            "UPDATE offender_file SET server_version = 0 WHERE server_version > 0",
            [],
        )?;
        tx.execute("UPDATE national_index SET version = 0", [])?;
        set_meta_i64(&tx, CURSOR, 0)?;
        set_meta_i64(&tx, RESNAPSHOT, 1)?;
        tx.commit()?;
        Ok(())
    }

    /// Ends a re-snapshot, if one is still open: drops the synchronised records the snapshot
    /// did not contain. Returns how many were dropped.
    pub fn sync_finish_resnapshot(
        &mut self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (dropped, files) = if meta_i64(&tx, RESNAPSHOT)? == 1 {
            drop_unseen(&tx, actor, now)?
        } else {
            (0, false)
        };
        tx.commit()?;
        if files {
            self.load_index()?;
        }
        Ok(dropped)
    }

    /// Audit events after the last one the server accepted, oldest first, at most `max`.
    pub fn sync_audit_pending(&self, max: usize) -> Result<Vec<AuditEventWire>, StoreError> {
        let head = meta_i64(&self.conn, AUDIT_HEAD)?;
        self.audit_events(head, max)
    }

    /// The server holds this station's chain up to `head_seq`.
    pub fn sync_audit_accepted(&mut self, head_seq: i64) -> Result<(), StoreError> {
        set_meta_i64(&self.conn, AUDIT_HEAD, head_seq)
    }

    /// Notes a round that completed (not audited: the round's pushes and pages are).
    pub fn sync_note_success(&mut self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![LAST_SUCCESS, format_time(now)],
        )?;
        Ok(())
    }

    pub fn sync_last_success(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                params![LAST_SUCCESS],
                |r| r.get(0),
            )
            .optional()?;
        v.as_deref().map(parse_time).transpose()
    }

    /// Enrolment, in one transaction: the station's settings (server address, certificates,
    /// code, directorate) and its audit event; under a new station code also a restart (the
    /// feed is read again from the start and the whole audit trail goes up under that code).
    /// The station's private key is not here: it is in the OS key store.
    pub fn sync_enrol(
        &mut self,
        settings: &[(&str, &str)],
        code: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'setting.station'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        for (key, value) in settings {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![format!("setting.{key}"), value],
            )?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('setting.station', ?1)",
            params![code],
        )?;
        let restart = previous.as_deref() != Some(code);
        if restart {
            set_meta_i64(&tx, CURSOR, 0)?;
            set_meta_i64(&tx, AUDIT_HEAD, 0)?;
        }
        audit::append(
            &tx,
            actor,
            now,
            &AuditEvent {
                action: "station.enrol".into(),
                object_type: "station".into(),
                object_id: code.to_string(),
                outcome: if restart { "ok new_code" } else { "ok" }.into(),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Rule versions that came from the server after version `after`, with when they were
    /// made there, oldest first.
    pub fn server_rule_versions_after(
        &self,
        after: u32,
    ) -> Result<Vec<(u32, DateTime<Utc>)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT version, created_at FROM rule_set WHERE from_server = 1 AND version > ?1
             ORDER BY version",
        )?;
        let rows = stmt.query_map(params![after], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (v, at) = row?;
            out.push((v, parse_time(&at)?));
        }
        Ok(out)
    }

    /// The national index entry of a file of another directorate.
    pub fn national_entry(&self, id: Uuid) -> Result<Option<NationalEntry>, StoreError> {
        let row: Option<(i64, String, String, Option<String>, String)> = self
            .conn
            .query_row(
                "SELECT version, owning_directorate, status, nid, date_of_birth
                 FROM national_index WHERE id = ?1",
                params![id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        row.map(|(version, owning, status, nid, dob)| {
            Ok(NationalEntry {
                id,
                version,
                owning_directorate: owning,
                status,
                nid,
                date_of_birth: NaiveDate::parse_from_str(&dob, "%Y-%m-%d").map_err(corrupt)?,
            })
        })
        .transpose()
    }

    /// National index entries whose keys match every token (exact, spelling variant, or
    /// for the last token a prefix), best match first, at most `limit`.
    pub fn search_national_names(
        &self,
        tokens: &[QueryToken],
        limit: usize,
    ) -> Result<Vec<(NationalEntry, Level)>, StoreError> {
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let mut exact = self
            .conn
            .prepare_cached("SELECT id FROM national_index_key WHERE key = ?1 AND kind = ?2")?;
        let mut prefix = self.conn.prepare_cached(
            "SELECT id FROM national_index_key WHERE key >= ?1 AND key < ?2 AND kind = 0",
        )?;
        let mut found: Option<HashMap<String, Level>> = None;
        for (i, t) in tokens.iter().enumerate() {
            let mut this: HashMap<String, Level> = HashMap::new();
            let mut note = |id: String, level: Level| {
                let e = this.entry(id).or_insert(level);
                if level < *e {
                    *e = level;
                }
            };
            for id in exact.query_map(params![t.exact, 0], |r| r.get::<_, String>(0))? {
                note(id?, Level::Exact);
            }
            for id in exact.query_map(params![t.variant, 1], |r| r.get::<_, String>(0))? {
                note(id?, Level::Variant);
            }
            if i + 1 == tokens.len() {
                let upper = prefix_upper_bound(&t.exact);
                for id in prefix.query_map(params![t.exact, upper], |r| r.get::<_, String>(0))? {
                    note(id?, Level::Prefix);
                }
            }
            found = Some(match found {
                None => this,
                Some(before) => before
                    .into_iter()
                    .filter_map(|(id, l)| this.get(&id).map(|m| (id, l.max(*m))))
                    .collect(),
            });
        }
        let mut hits: Vec<(String, Level)> = found.unwrap_or_default().into_iter().collect();
        hits.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        hits.truncate(limit);
        let mut out = Vec::with_capacity(hits.len());
        for (id, level) in hits {
            let id = Uuid::parse_str(&id).map_err(corrupt)?;
            if let Some(entry) = self.national_entry(id)? {
                out.push((entry, level));
            }
        }
        Ok(out)
    }

    /// National index entries with this personal number (normalised) or date of birth.
    pub fn search_national_where(
        &self,
        nid: Option<&str>,
        date_of_birth: Option<NaiveDate>,
        limit: usize,
    ) -> Result<Vec<NationalEntry>, StoreError> {
        let (column, value) = match (nid, date_of_birth) {
            (Some(n), _) => ("nid", n.to_string()),
            (None, Some(d)) => ("date_of_birth", iso(d)),
            (None, None) => return Ok(Vec::new()),
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id FROM national_index WHERE {column} = ?1 ORDER BY id LIMIT ?2"
        ))?;
        let ids: Vec<String> = stmt
            .query_map(
                params![value, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(e) = self.national_entry(Uuid::parse_str(&id).map_err(corrupt)?)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// The digest of what this station holds ([`replica_checksum`]): equal to the server's
    /// for this directorate once everything is synchronised.
    pub fn sync_checksum(&self) -> Result<String, StoreError> {
        let mut files = Vec::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT f.id, f.server_version, f.status, f.owning_directorate, d.data
                 FROM offender_file f JOIN file_document d ON d.file = f.rowid",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            for row in rows {
                let (id, version, status, owning, data) = row?;
                let doc = serde_json::json!({
                    "status": status,
                    "owning_directorate": owning,
                    "data": serde_json::from_str::<Value>(&data).map_err(corrupt)?,
                });
                files.push((
                    Uuid::parse_str(&id).map_err(corrupt)?,
                    version,
                    content_hash(&doc),
                ));
            }
        }
        {
            // Records of the files held here (those of a file gone from here stay as
            // history, and are not the server's any more).
            let mut stmt = self.conn.prepare(&format!(
                "SELECT {RECORD_COLUMNS}, r.server_version FROM file_record r
                 JOIN offender_file f ON f.id = r.file_id"
            ))?;
            let rows = stmt.query_map([], |r| Ok((record_row(r)?, r.get::<_, i64>(10)?)))?;
            for row in rows {
                let (row, version) = row?;
                let record = to_record(row)?;
                let doc = serde_json::to_value(&record).map_err(corrupt)?;
                files.push((record.id, version, content_hash(&doc)));
            }
        }
        {
            // Photos of the files held here, by what the registry says of them (their
            // SHA-256 stands for the bytes).
            let mut stmt = self.conn.prepare(&format!(
                "SELECT {}, p.server_version FROM photo p JOIN offender_file f ON f.id = p.file_id",
                crate::photos::PHOTO_COLUMNS
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok((crate::photos::photo_row(r)?, r.get::<_, i64>(13)?))
            })?;
            for row in rows {
                let (row, version) = row?;
                let photo = crate::photos::to_photo(row)?;
                let doc = serde_json::to_value(&photo).map_err(corrupt)?;
                files.push((photo.id, version, content_hash(&doc)));
            }
        }
        let mut index = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT id, version FROM national_index")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (id, version) = row?;
                index.push((Uuid::parse_str(&id).map_err(corrupt)?, version));
            }
        }
        Ok(replica_checksum(files, index))
    }

    /// How many files of other directorates this station knows by their index entry.
    pub fn national_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM national_index", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The server version a local copy came from (0: never synchronised), or `None`.
    pub fn server_version(&self, id: Uuid) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT server_version FROM offender_file WHERE id = ?1",
                params![id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }
}
