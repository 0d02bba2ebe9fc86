//! The audit trail: append-only (database triggers refuse UPDATE and DELETE) and
//! hash-chained, each event's hash = SHA-256(previous hash, "\n", canonical event), as
//! `regjistri_sync::audit_chain` defines it for stations and the server alike.
//! Events carry ids and codes only, never personal field values.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::StoreError;
use crate::{format_time, new_id, Actor};

use regjistri_sync::audit_chain::chain_hash;
pub use regjistri_sync::audit_chain::GENESIS;
/// An audit event as stored, in the very form a station uploads it: the chain is computed
/// by `regjistri_sync::audit_chain` for the station and the server alike.
pub use regjistri_sync::protocol::AuditEventWire as StoredEvent;

/// What happened, to which object, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub outcome: String,
}

/// Appends one event inside the caller's transaction.
pub(crate) fn append(
    conn: &Connection,
    actor: &Actor,
    at: DateTime<Utc>,
    event: &AuditEvent,
) -> Result<(), StoreError> {
    let prev: String = conn
        .query_row(
            "SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| GENESIS.to_string());
    let mut stored = StoredEvent {
        seq: 0,
        id: new_id(at).to_string(),
        at: format_time(at),
        actor: actor.user.clone(),
        station: actor.station.clone(),
        action: event.action.clone(),
        object_type: event.object_type.clone(),
        object_id: event.object_id.clone(),
        outcome: event.outcome.clone(),
        prev_hash: prev,
        hash: String::new(),
    };
    stored.hash = chain_hash(&stored.prev_hash, &stored);
    conn.execute(
        "INSERT INTO audit_event (id, at, actor, station, action, object_type, object_id, outcome, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            stored.id,
            stored.at,
            stored.actor,
            stored.station,
            stored.action,
            stored.object_type,
            stored.object_id,
            stored.outcome,
            stored.prev_hash,
            stored.hash
        ],
    )?;
    Ok(())
}

pub(crate) fn events(
    conn: &Connection,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, id, at, actor, station, action, object_type, object_id, outcome, prev_hash, hash
         FROM audit_event WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![after_seq, i64::try_from(limit).unwrap_or(i64::MAX)],
        |r| {
            Ok(StoredEvent {
                seq: r.get(0)?,
                id: r.get(1)?,
                at: r.get(2)?,
                actor: r.get(3)?,
                station: r.get(4)?,
                action: r.get(5)?,
                object_type: r.get(6)?,
                object_id: r.get(7)?,
                outcome: r.get(8)?,
                prev_hash: r.get(9)?,
                hash: r.get(10)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Walks the whole chain; returns how many events verified, or the first broken link.
pub(crate) fn verify(conn: &Connection) -> Result<u64, StoreError> {
    let mut prev = GENESIS.to_string();
    let mut after = 0;
    let mut count = 0u64;
    loop {
        let batch = events(conn, after, 10_000)?;
        if batch.is_empty() {
            return Ok(count);
        }
        for e in batch {
            if e.prev_hash != prev || chain_hash(&prev, &e) != e.hash {
                return Err(StoreError::AuditChainBroken { seq: e.seq });
            }
            prev = e.hash;
            after = e.seq;
            count += 1;
        }
    }
}

/// Filters for reading the trail; each present field must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Exact action, or a prefix ending in '.' ("file.").
    pub action: Option<String>,
    pub object_id: Option<String>,
    /// UTC bounds as stored: `from <= at < to`.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Newest first, one page, with the total count.
pub(crate) fn search(
    conn: &Connection,
    f: &AuditFilter,
    offset: usize,
    limit: usize,
) -> Result<(u64, Vec<StoredEvent>), StoreError> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    if let Some(a) = &f.actor {
        clauses.push("actor = ?");
        values.push(a.clone());
    }
    if let Some(a) = &f.action {
        if a.ends_with('.') {
            clauses.push("substr(action, 1, length(?)) = ?");
            values.push(a.clone());
        } else {
            clauses.push("action = ?");
        }
        values.push(a.clone());
    }
    if let Some(o) = &f.object_id {
        clauses.push("object_id = ?");
        values.push(o.clone());
    }
    if let Some(t) = &f.from {
        clauses.push("at >= ?");
        values.push(t.clone());
    }
    if let Some(t) = &f.to {
        clauses.push("at < ?");
        values.push(t.clone());
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM audit_event {filter}"),
        rusqlite::params_from_iter(values.iter()),
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, id, at, actor, station, action, object_type, object_id, outcome, prev_hash, hash
         FROM audit_event {filter} ORDER BY seq DESC LIMIT {limit} OFFSET {offset}"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), |r| {
        Ok(StoredEvent {
            seq: r.get(0)?,
            id: r.get(1)?,
            at: r.get(2)?,
            actor: r.get(3)?,
            station: r.get(4)?,
            action: r.get(5)?,
            object_type: r.get(6)?,
            object_id: r.get(7)?,
            outcome: r.get(8)?,
            prev_hash: r.get(9)?,
            hash: r.get(10)?,
        })
    })?;
    Ok((
        u64::try_from(total).unwrap_or(0),
        rows.collect::<Result<_, _>>()?,
    ))
}
