//! Rule-set versions, records about registered persons and rule-change notices. Like files,
//! every change here writes a change-log row (for synchronisation) and an audit event in the
//! same transaction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use regjistri_domain::diff::diff;
use regjistri_domain::file::FileData;
use regjistri_domain::records::{Confirmation, FileRecord, RecordData, RuleNotice, Void};
use regjistri_domain::rules::{provisional_start, RuleBook, RuleSet, RuleValues};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::{format_time, iso, new_id, parse_time, Actor, Store, StoreError};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(corrupt)
}

/// A change-log row for an entity other than a file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn log_change(
    conn: &Connection,
    entity: &str,
    entity_id: &str,
    base_version: i64,
    old: &serde_json::Value,
    new: &serde_json::Value,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let changes = diff(old, new);
    // The server version this record's copy came from (0: made here, not yet synchronised).
    let table = match entity {
        "file_record" => Some("file_record"),
        "user" => Some("app_user"),
        "rule_notice" => Some("rule_notice"),
        "photo" => Some("photo"),
        _ => None,
    };
    let server_base: i64 = match table {
        Some(table) => conn
            .prepare_cached(&format!("SELECT server_version FROM {table} WHERE id = ?1"))?
            .query_row(params![entity_id], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
        None => 0,
    };
    conn.prepare_cached(
        "INSERT INTO change_log (mutation_id, entity, entity_id, base_version, version, diff, actor, station,
            created_at, server_base)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        new_id(now).to_string(),
        entity,
        entity_id,
        base_version,
        base_version + 1,
        serde_json::to_string(&changes).map_err(corrupt)?,
        actor.user,
        actor.station,
        format_time(now),
        server_base
    ])?;
    Ok(())
}

/// The id of the notice of rule `version` for `file`: the same at every station.
pub fn notice_id(file: Uuid, version: u32) -> Uuid {
    const NOTICES: Uuid = Uuid::from_u128(0x0196_5c2e_7a10_4d6b_9c1e_52a1_0b7e_4f3d);
    Uuid::new_v5(&NOTICES, format!("{file}/{version}").as_bytes())
}

/// A time as it is stored (microseconds): a record's times are part of its content, which the
/// station and the server compare, so the record handed back and synchronised must carry
/// exactly what was stored.
pub(crate) fn stored_precision(t: DateTime<Utc>) -> DateTime<Utc> {
    parse_time(&format_time(t)).unwrap_or(t)
}

fn event(action: &str, object_type: &str, object_id: impl Into<String>) -> AuditEvent {
    AuditEvent {
        action: action.into(),
        object_type: object_type.into(),
        object_id: object_id.into(),
        outcome: "ok".into(),
    }
}

fn rule_row(r: &Row<'_>) -> rusqlite::Result<(u32, String, String, bool, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

pub(crate) fn record_row(r: &Row<'_>) -> rusqlite::Result<[Option<String>; 10]> {
    Ok([
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ])
}

pub(crate) const RECORD_COLUMNS: &str = "r.id, r.file_id, r.data, r.recorded_at, r.recorded_by, r.void_reason, r.voided_by, r.voided_at, r.confirmed_by, r.confirmed_at";

pub(crate) fn to_record(row: [Option<String>; 10]) -> Result<FileRecord, StoreError> {
    let [id, file_id, data, at, by, reason, voided_by, voided_at, confirmed_by, confirmed_at] = row;
    let need = |v: Option<String>| v.ok_or_else(|| corrupt("missing record column"));
    let void = match (reason, voided_by, voided_at) {
        (Some(reason), Some(by), Some(at)) => Some(Void {
            reason,
            by,
            at: parse_time(&at)?,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("partly voided record")),
    };
    let confirmation = match (confirmed_by, confirmed_at) {
        (Some(by), Some(at)) => Some(Confirmation {
            by,
            at: parse_time(&at)?,
        }),
        (None, None) => None,
        _ => return Err(corrupt("partly confirmed record")),
    };
    Ok(FileRecord {
        id: Uuid::parse_str(&need(id)?).map_err(corrupt)?,
        file_id: Uuid::parse_str(&need(file_id)?).map_err(corrupt)?,
        data: serde_json::from_str(&need(data)?).map_err(corrupt)?,
        recorded_at: parse_time(&need(at)?)?,
        recorded_by: need(by)?,
        void,
        confirmation,
    })
}

type NoticeRow = (String, String, u32, String, Option<String>, Option<String>);

fn to_notice(row: NoticeRow) -> Result<RuleNotice, StoreError> {
    let (id, file_id, rule_version, created_at, served_on, served_by) = row;
    Ok(RuleNotice {
        id: Uuid::parse_str(&id).map_err(corrupt)?,
        file_id: Uuid::parse_str(&file_id).map_err(corrupt)?,
        rule_version,
        created_at: parse_time(&created_at)?,
        served_on: served_on.as_deref().map(date).transpose()?,
        served_by,
    })
}

/// The provisional defaults become rule version 1 of a database that has none.
pub(crate) fn ensure_rules(conn: &mut Connection, now: DateTime<Utc>) -> Result<(), StoreError> {
    let count: i64 = conn.query_row("SELECT count(*) FROM rule_set", [], |r| r.get(0))?;
    if count > 0 {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO rule_set (version, effective_from, rule_values, provisional, note, created_at, created_by)
         VALUES (1, ?1, ?2, 1, 'DOMAIN.md §5', ?3, 'system')",
        params![
            iso(provisional_start()),
            serde_json::to_string(&RuleValues::provisional()).map_err(corrupt)?,
            format_time(now)
        ],
    )?;
    tx.commit()?;
    Ok(())
}

/// The one way a record is written, inside the caller's transaction: the row, a change-log
/// row and an audit event.
fn insert_record(
    tx: &Connection,
    file_id: Uuid,
    data: RecordData,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<FileRecord, StoreError> {
    let now = stored_precision(now);
    let exists: Option<i64> = tx
        .prepare_cached("SELECT rowid FROM offender_file WHERE id = ?1")?
        .query_row(params![file_id.to_string()], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::NotFound(file_id.to_string()));
    }
    let record = FileRecord {
        id: new_id(now),
        file_id,
        data,
        recorded_at: now,
        recorded_by: actor.user.clone(),
        void: None,
        confirmation: None,
    };
    tx.prepare_cached(
        "INSERT INTO file_record (id, file_id, kind, record_date, data, recorded_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        record.id.to_string(),
        file_id.to_string(),
        record.data.kind(),
        iso(record.data.date()),
        serde_json::to_string(&record.data).map_err(corrupt)?,
        format_time(now),
        actor.user
    ])?;
    log_change(
        tx,
        "file_record",
        &record.id.to_string(),
        0,
        &serde_json::Value::Null,
        &serde_json::to_value(&record).map_err(corrupt)?,
        actor,
        now,
    )?;
    audit::append(
        tx,
        actor,
        now,
        &event(
            &format!("record.{}", record.data.kind()),
            "offender_file",
            file_id.to_string(),
        ),
    )?;
    Ok(record)
}

/// When file `f.id` was first approved: its earliest approved version here, or earlier
/// still, the first approval the server reported (a station may hold only the latest).
const FIRST_APPROVAL: &str = "(SELECT CASE WHEN s.first IS NULL THEN a.first
                  WHEN a.first IS NULL OR s.first < a.first THEN s.first ELSE a.first END
        FROM (SELECT min(approved_at) AS first FROM standing_approval WHERE file = f.id) a,
             (SELECT max(first_approved_at) AS first FROM offender_file WHERE id = f.id) s)";

/// A registered file's approved content, for computing compliance.
#[derive(Debug, Clone)]
pub struct RegisteredFile {
    pub rowid: i64,
    pub id: Uuid,
    pub data: FileData,
    /// When the file was first approved.
    pub registered_at: DateTime<Utc>,
}

impl Store {
    /// Every rule-set version.
    pub fn rule_book(&self) -> Result<RuleBook, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT version, effective_from, rule_values, provisional, note FROM rule_set ORDER BY version",
        )?;
        let rows = stmt.query_map([], rule_row)?;
        let mut versions = Vec::new();
        for row in rows {
            let (version, from, values, provisional, note) = row?;
            versions.push(RuleSet {
                version,
                effective_from: date(&from)?,
                values: serde_json::from_str(&values).map_err(corrupt)?,
                provisional,
                note,
            });
        }
        Ok(RuleBook::new(versions))
    }

    /// Saves a new rule version and a notice for each touched file, in one transaction.
    pub fn add_rule_set(
        &mut self,
        effective_from: NaiveDate,
        values: &RuleValues,
        note: &str,
        touched: &[Uuid],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RuleSet, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: u32 = tx.query_row(
            "SELECT coalesce(max(version), 0) + 1 FROM rule_set",
            [],
            |r| r.get(0),
        )?;
        let set = RuleSet {
            version,
            effective_from,
            values: values.clone(),
            provisional: false,
            note: note.to_string(),
        };
        let at = format_time(now);
        tx.execute(
            "INSERT INTO rule_set (version, effective_from, rule_values, provisional, note, created_at, created_by)
             VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)",
            params![
                version,
                iso(effective_from),
                serde_json::to_string(values).map_err(corrupt)?,
                note,
                at,
                actor.user
            ],
        )?;
        let json = serde_json::to_value(&set).map_err(corrupt)?;
        log_change(
            &tx,
            "rule_set",
            &version.to_string(),
            0,
            &serde_json::Value::Null,
            &json,
            actor,
            now,
        )?;
        for file in touched {
            let notice = RuleNotice {
                id: new_id(now),
                file_id: *file,
                rule_version: version,
                created_at: now,
                served_on: None,
                served_by: None,
            };
            tx.prepare_cached(
                "INSERT INTO rule_notice (id, file_id, rule_version, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                notice.id.to_string(),
                file.to_string(),
                version,
                at
            ])?;
            log_change(
                &tx,
                "rule_notice",
                &notice.id.to_string(),
                0,
                &serde_json::Value::Null,
                &serde_json::to_value(&notice).map_err(corrupt)?,
                actor,
                now,
            )?;
        }
        audit::append(
            &tx,
            actor,
            now,
            &event("rule_set.create", "rule_set", version.to_string()),
        )?;
        tx.commit()?;
        log::info!("rule version {version} saved, {} notices", touched.len());
        Ok(set)
    }

    /// Adds a record to a file.
    pub fn add_record(
        &mut self,
        file_id: Uuid,
        data: RecordData,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<FileRecord, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let record = insert_record(&tx, file_id, data, actor, now)?;
        tx.commit()?;
        Ok(record)
    }

    /// Adds many records in one transaction (demo data, imports). All or nothing.
    pub fn add_records(
        &mut self,
        records: impl IntoIterator<Item = (Uuid, RecordData)>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<FileRecord>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::new();
        for (file_id, data) in records {
            out.push(insert_record(&tx, file_id, data, actor, now)?);
        }
        tx.commit()?;
        Ok(out)
    }

    /// Voids a record with a reason; it stays, marked, in the timeline.
    pub fn void_record(
        &mut self,
        record_id: Uuid,
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<FileRecord, StoreError> {
        let now = stored_precision(now);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM file_record r WHERE r.id = ?1"),
                params![record_id.to_string()],
                record_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(record_id.to_string()))?;
        let before = to_record(row)?;
        if before.void.is_some() {
            return Err(StoreError::VersionConflict {
                id: record_id.to_string(),
                expected: 1,
                found: 2,
            });
        }
        let mut after = before.clone();
        after.void = Some(Void {
            reason: reason.to_string(),
            by: actor.user.clone(),
            at: now,
        });
        tx.execute(
            "UPDATE file_record SET void_reason = ?2, voided_by = ?3, voided_at = ?4 WHERE id = ?1",
            params![record_id.to_string(), reason, actor.user, format_time(now)],
        )?;
        log_change(
            &tx,
            "file_record",
            &record_id.to_string(),
            1,
            &serde_json::to_value(&before).map_err(corrupt)?,
            &serde_json::to_value(&after).map_err(corrupt)?,
            actor,
            now,
        )?;
        audit::append(
            &tx,
            actor,
            now,
            &event("record.void", "offender_file", before.file_id.to_string()),
        )?;
        tx.commit()?;
        Ok(after)
    }

    /// A second supervisor confirms a record that needs four eyes (death, removal).
    pub fn confirm_record(
        &mut self,
        record_id: Uuid,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<FileRecord, StoreError> {
        let now = stored_precision(now);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM file_record r WHERE r.id = ?1"),
                params![record_id.to_string()],
                record_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(record_id.to_string()))?;
        let before = to_record(row)?;
        if before.confirmation.is_some() || before.void.is_some() {
            return Err(StoreError::VersionConflict {
                id: record_id.to_string(),
                expected: 1,
                found: 2,
            });
        }
        let mut after = before.clone();
        after.confirmation = Some(Confirmation {
            by: actor.user.clone(),
            at: now,
        });
        tx.execute(
            "UPDATE file_record SET confirmed_by = ?2, confirmed_at = ?3 WHERE id = ?1",
            params![record_id.to_string(), actor.user, format_time(now)],
        )?;
        log_change(
            &tx,
            "file_record",
            &record_id.to_string(),
            1,
            &serde_json::to_value(&before).map_err(corrupt)?,
            &serde_json::to_value(&after).map_err(corrupt)?,
            actor,
            now,
        )?;
        audit::append(
            &tx,
            actor,
            now,
            &event(
                "record.confirm",
                "offender_file",
                before.file_id.to_string(),
            ),
        )?;
        tx.commit()?;
        Ok(after)
    }

    /// When the file was first approved, if it was.
    pub fn first_approved_at(&self, file_id: Uuid) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = self.conn.query_row(
            &format!("SELECT {FIRST_APPROVAL} FROM (SELECT ?1 AS id) f"),
            params![file_id.to_string()],
            |r| r.get(0),
        )?;
        at.as_deref().map(parse_time).transpose()
    }

    pub fn file_record(&self, record_id: Uuid) -> Result<FileRecord, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM file_record r WHERE r.id = ?1"),
                params![record_id.to_string()],
                record_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(record_id.to_string()))?;
        to_record(row)
    }

    /// A file's records, voided ones included, by date.
    pub fn records(&self, file_id: Uuid) -> Result<Vec<FileRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM file_record r WHERE r.file_id = ?1 ORDER BY r.record_date, r.recorded_at"
        ))?;
        let rows = stmt.query_map(params![file_id.to_string()], record_row)?;
        rows.map(|r| to_record(r?)).collect()
    }

    pub fn notices(&self, file_id: Uuid) -> Result<Vec<RuleNotice>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, file_id, rule_version, created_at, served_on, served_by FROM rule_notice
             WHERE file_id = ?1 ORDER BY rule_version",
        )?;
        let rows = stmt.query_map(params![file_id.to_string()], |r| r.try_into())?;
        rows.map(|r| to_notice(r?)).collect()
    }

    pub fn notice(&self, notice_id: Uuid) -> Result<RuleNotice, StoreError> {
        let row: NoticeRow = self
            .conn
            .query_row(
                "SELECT id, file_id, rule_version, created_at, served_on, served_by FROM rule_notice WHERE id = ?1",
                params![notice_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(notice_id.to_string()))?;
        to_notice(row)
    }

    /// Notices of a rule version that came from the server, for the files here whose future
    /// dates it moves: each with an id made from the file and the version, and the version's
    /// own time, so that every station of the directorate makes the very same notice (their
    /// pushes then agree). Returns how many were new here.
    pub fn add_rule_notices(
        &mut self,
        version: u32,
        created_at: DateTime<Utc>,
        files: &[Uuid],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let created_at = stored_precision(created_at);
        let mut added = 0;
        for file in files {
            let notice = RuleNotice {
                id: notice_id(*file, version),
                file_id: *file,
                rule_version: version,
                created_at,
                served_on: None,
                served_by: None,
            };
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO rule_notice (id, file_id, rule_version, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    notice.id.to_string(),
                    file.to_string(),
                    version,
                    format_time(created_at)
                ])?;
            if inserted == 0 {
                continue;
            }
            added += 1;
            log_change(
                &tx,
                "rule_notice",
                &notice.id.to_string(),
                0,
                &serde_json::Value::Null,
                &serde_json::to_value(&notice).map_err(corrupt)?,
                actor,
                now,
            )?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('rules.noticed_up_to', ?1)
             ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), excluded.value)",
            params![version],
        )?;
        tx.commit()?;
        Ok(added)
    }

    /// How many notices of rule `version` there are here.
    pub fn notices_of_version(&self, version: u32) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM rule_notice WHERE rule_version = ?1",
            params![version],
            |r| r.get(0),
        )?)
    }

    /// The latest rule version whose notices were made here (0: none since enrolment).
    pub fn rules_noticed_up_to(&self) -> Result<u32, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'rules.noticed_up_to'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Records that a notice was handed to the person on `served_on`.
    pub fn serve_notice(
        &mut self,
        notice_id: Uuid,
        served_on: NaiveDate,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RuleNotice, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: NoticeRow = tx
            .query_row(
                "SELECT id, file_id, rule_version, created_at, served_on, served_by FROM rule_notice WHERE id = ?1",
                params![notice_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(notice_id.to_string()))?;
        let before = to_notice(row)?;
        if before.served_on.is_some() {
            return Err(StoreError::VersionConflict {
                id: notice_id.to_string(),
                expected: 1,
                found: 2,
            });
        }
        let mut after = before.clone();
        after.served_on = Some(served_on);
        after.served_by = Some(actor.user.clone());
        tx.execute(
            "UPDATE rule_notice SET served_on = ?2, served_by = ?3 WHERE id = ?1",
            params![notice_id.to_string(), iso(served_on), actor.user],
        )?;
        log_change(
            &tx,
            "rule_notice",
            &notice_id.to_string(),
            1,
            &serde_json::to_value(&before).map_err(corrupt)?,
            &serde_json::to_value(&after).map_err(corrupt)?,
            actor,
            now,
        )?;
        audit::append(
            &tx,
            actor,
            now,
            &event("notice.serve", "offender_file", before.file_id.to_string()),
        )?;
        tx.commit()?;
        Ok(after)
    }

    /// The approved content of every registered file (`None` = every directorate), with
    /// their records and notices: what a dashboard or a rule preview computes over.
    #[allow(clippy::type_complexity)]
    pub fn registered_files(
        &self,
        directorate: Option<&str>,
    ) -> Result<Vec<(RegisteredFile, Vec<FileRecord>, Vec<RuleNotice>)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT f.rowid, f.id, av.data, {FIRST_APPROVAL}
             FROM offender_file f
             JOIN standing_approval av ON av.file = f.id
              AND av.version = (SELECT max(version) FROM standing_approval WHERE file = f.id)
             WHERE f.status != 'removed' AND (?1 IS NULL OR f.owning_directorate = ?1)
             ORDER BY f.rowid"
        ))?;
        let rows = stmt.query_map(params![directorate], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut files = Vec::new();
        for row in rows {
            let (rowid, id, data, first) = row?;
            files.push(RegisteredFile {
                rowid,
                id: Uuid::parse_str(&id).map_err(corrupt)?,
                data: serde_json::from_str(&data).map_err(corrupt)?,
                registered_at: parse_time(&first)?,
            });
        }
        let mut records: HashMap<Uuid, Vec<FileRecord>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM file_record r JOIN offender_file f ON f.id = r.file_id
                 WHERE (?1 IS NULL OR f.owning_directorate = ?1) ORDER BY r.record_date, r.recorded_at"
            ))?;
            let rows = stmt.query_map(params![directorate], record_row)?;
            for row in rows {
                let r = to_record(row?)?;
                records.entry(r.file_id).or_default().push(r);
            }
        }
        let mut notices: HashMap<Uuid, Vec<RuleNotice>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT n.id, n.file_id, n.rule_version, n.created_at, n.served_on, n.served_by
                 FROM rule_notice n JOIN offender_file f ON f.id = n.file_id
                 WHERE (?1 IS NULL OR f.owning_directorate = ?1)",
            )?;
            let rows = stmt.query_map(params![directorate], |r| r.try_into())?;
            for row in rows {
                let n = to_notice(row?)?;
                notices.entry(n.file_id).or_default().push(n);
            }
        }
        Ok(files
            .into_iter()
            .map(|f| {
                let r = records.remove(&f.id).unwrap_or_default();
                let n = notices.remove(&f.id).unwrap_or_default();
                (f, r, n)
            })
            .collect())
    }
}
