//! Photos of registered persons: written like records (the row, a change-log row and an
//! audit event in one transaction), never edited, voided once with a reason. The bytes are
//! kept in the photo table only; the change log holds what the registry says of the photo
//! (id, file, date, who, type, size, SHA-256), and a push adds the bytes from the table
//! (`sync::Store::sync_pending`). Audit events and log lines carry ids, never bytes.

use chrono::{DateTime, NaiveDate, Utc};
use regjistri_domain::photo::{MediaType, Photo};
use regjistri_domain::records::Void;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::obligations::{log_change, stored_precision};
use crate::{format_time, iso, new_id, parse_time, Actor, Store, StoreError};

/// The change-log entity of a photo (`regjistri_sync::protocol::ENTITY_PHOTO`).
pub const ENTITY: &str = "photo";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// A photo to add: the application layer has checked the bytes (`regjistri_domain::photo::
/// inspect`) and passes what they are.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub file_id: Uuid,
    pub taken_on: NaiveDate,
    pub media_type: MediaType,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

pub(crate) const PHOTO_COLUMNS: &str = "p.id, p.file_id, p.taken_on, p.taken_by, p.media_type, p.byte_len, p.width, p.height, p.sha256, p.recorded_at, p.void_reason, p.voided_by, p.voided_at";

pub(crate) type PhotoRow = (
    String,
    String,
    String,
    String,
    String,
    u32,
    u32,
    u32,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(crate) fn photo_row(r: &Row<'_>) -> rusqlite::Result<PhotoRow> {
    Ok((
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
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    ))
}

pub(crate) fn to_photo(row: PhotoRow) -> Result<Photo, StoreError> {
    let (
        id,
        file_id,
        taken_on,
        taken_by,
        media_type,
        len,
        width,
        height,
        sha,
        at,
        reason,
        by,
        when,
    ) = row;
    let void = match (reason, by, when) {
        (Some(reason), Some(by), Some(at)) => Some(Void {
            reason,
            by,
            at: parse_time(&at)?,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("partly voided photo")),
    };
    Ok(Photo {
        id: Uuid::parse_str(&id).map_err(corrupt)?,
        file_id: Uuid::parse_str(&file_id).map_err(corrupt)?,
        taken_on: NaiveDate::parse_from_str(&taken_on, "%Y-%m-%d").map_err(corrupt)?,
        taken_by,
        media_type: MediaType::parse(&media_type).ok_or_else(|| corrupt("photo media type"))?,
        byte_len: len,
        width,
        height,
        sha256: sha,
        recorded_at: parse_time(&at)?,
        void,
    })
}

fn photo_event(action: &str, file_id: Uuid, photo_id: Uuid) -> AuditEvent {
    AuditEvent {
        action: action.into(),
        object_type: "offender_file".into(),
        object_id: file_id.to_string(),
        outcome: format!("ok photo={photo_id}"),
    }
}

/// The one way a photo is written, inside the caller's transaction.
fn insert_photo(
    tx: &Connection,
    new: NewPhoto,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Photo, StoreError> {
    let now = stored_precision(now);
    let exists: Option<i64> = tx
        .prepare_cached("SELECT rowid FROM offender_file WHERE id = ?1")?
        .query_row(params![new.file_id.to_string()], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::NotFound(new.file_id.to_string()));
    }
    let photo = Photo {
        id: new_id(now),
        file_id: new.file_id,
        taken_on: new.taken_on,
        taken_by: actor.user.clone(),
        media_type: new.media_type,
        byte_len: u32::try_from(new.bytes.len()).map_err(corrupt)?,
        width: new.width,
        height: new.height,
        sha256: regjistri_sync::document::sha256_hex(&new.bytes),
        recorded_at: now,
        void: None,
    };
    tx.prepare_cached(
        "INSERT INTO photo (id, file_id, taken_on, taken_by, media_type, byte_len, width, height, sha256,
            bytes, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        photo.id.to_string(),
        photo.file_id.to_string(),
        iso(photo.taken_on),
        photo.taken_by,
        photo.media_type.as_str(),
        photo.byte_len,
        photo.width,
        photo.height,
        photo.sha256,
        new.bytes,
        format_time(now)
    ])?;
    log_change(
        tx,
        ENTITY,
        &photo.id.to_string(),
        0,
        &serde_json::Value::Null,
        &serde_json::to_value(&photo).map_err(corrupt)?,
        actor,
        now,
    )?;
    audit::append(
        tx,
        actor,
        now,
        &photo_event("photo.add", photo.file_id, photo.id),
    )?;
    Ok(photo)
}

impl Store {
    /// Adds a photo to a file.
    pub fn add_photo(
        &mut self,
        new: NewPhoto,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Photo, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let photo = insert_photo(&tx, new, actor, now)?;
        tx.commit()?;
        Ok(photo)
    }

    /// Adds many photos in one transaction (demo data). All or nothing.
    pub fn add_photos(
        &mut self,
        photos: impl IntoIterator<Item = NewPhoto>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Photo>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::new();
        for new in photos {
            out.push(insert_photo(&tx, new, actor, now)?);
        }
        tx.commit()?;
        Ok(out)
    }

    /// What the registry says of a photo, without its bytes.
    pub fn photo(&self, id: Uuid) -> Result<Photo, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {PHOTO_COLUMNS} FROM photo p WHERE p.id = ?1"
            ))?
            .query_row(params![id.to_string()], photo_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        to_photo(row)
    }

    /// A photo and its bytes.
    pub fn photo_bytes(&self, id: Uuid) -> Result<(Photo, Vec<u8>), StoreError> {
        let photo = self.photo(id)?;
        let bytes: Vec<u8> = self
            .conn
            .prepare_cached("SELECT bytes FROM photo WHERE id = ?1")?
            .query_row(params![id.to_string()], |r| r.get(0))?;
        Ok((photo, bytes))
    }

    /// A file's photos, voided ones included, newest first.
    pub fn photos(&self, file_id: Uuid) -> Result<Vec<Photo>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PHOTO_COLUMNS} FROM photo p WHERE p.file_id = ?1
             ORDER BY p.taken_on DESC, p.recorded_at DESC, p.id DESC"
        ))?;
        let rows = stmt.query_map(params![file_id.to_string()], photo_row)?;
        rows.map(|r| to_photo(r?)).collect()
    }

    /// The latest photo of a file that is not voided.
    pub fn latest_photo(&self, file_id: Uuid) -> Result<Option<Photo>, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {PHOTO_COLUMNS} FROM photo p WHERE p.file_id = ?1 AND p.void_reason IS NULL
                 ORDER BY p.taken_on DESC, p.recorded_at DESC, p.id DESC LIMIT 1"
            ))?
            .query_row(params![file_id.to_string()], photo_row)
            .optional()?;
        row.map(to_photo).transpose()
    }

    /// Voids a photo with a reason; it stays, marked.
    pub fn void_photo(
        &mut self,
        id: Uuid,
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Photo, StoreError> {
        let now = stored_precision(now);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .prepare_cached(&format!(
                "SELECT {PHOTO_COLUMNS} FROM photo p WHERE p.id = ?1"
            ))?
            .query_row(params![id.to_string()], photo_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let before = to_photo(row)?;
        if before.void.is_some() {
            return Err(StoreError::VersionConflict {
                id: id.to_string(),
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
        tx.prepare_cached(
            "UPDATE photo SET void_reason = ?2, voided_by = ?3, voided_at = ?4 WHERE id = ?1",
        )?
        .execute(params![
            id.to_string(),
            reason,
            actor.user,
            format_time(now)
        ])?;
        log_change(
            &tx,
            ENTITY,
            &id.to_string(),
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
            &photo_event("photo.void", before.file_id, id),
        )?;
        tx.commit()?;
        Ok(after)
    }
}
