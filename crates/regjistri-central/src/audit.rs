//! Audit: the server's own hash-chained trail, and the stations' trails uploaded and checked
//! for continuity. Both tables are insert-only for the application role.

use chrono::{DateTime, Utc};
use regjistri_sync::audit_chain::{chain_hash, continue_chain, ChainBreak, GENESIS};
use regjistri_sync::protocol::{AuditAccepted, AuditEventWire};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::{Central, CentralError, Station, AUDIT_LOCK};

/// The station name the server's own events carry in the chain.
const SERVER: &str = "central";

fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Appends one event to the server's trail inside the caller's transaction.
pub(crate) async fn append(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    actor: &str,
    action: &'static str,
    object_type: &'static str,
    object_id: &str,
    outcome: &str,
) -> Result<(), CentralError> {
    append_many(
        conn,
        now,
        &[Event {
            actor: actor.into(),
            action,
            object_type,
            object_id: object_id.into(),
            outcome: outcome.into(),
        }],
    )
    .await
}

/// One event of the server's trail, for [`append_many`].
pub(crate) struct Event {
    pub actor: String,
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: String,
    pub outcome: String,
}

/// Appends several events to the server's chain, in order, with one lock and one insert
/// (a group of pushes committed together).
pub(crate) async fn append_many(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    events: &[Event],
) -> Result<(), CentralError> {
    if events.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(AUDIT_LOCK)
        .execute(&mut *conn)
        .await?;
    let mut prev: String =
        sqlx::query_scalar("SELECT hash FROM server_audit_event ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_else(|| GENESIS.to_string());
    let at = format_time(now);
    let mut columns: [Vec<String>; 8] = Default::default();
    for e in events {
        let mut event = AuditEventWire {
            seq: 0,
            id: Uuid::now_v7().to_string(),
            at: at.clone(),
            actor: e.actor.clone(),
            station: SERVER.into(),
            action: e.action.into(),
            object_type: e.object_type.into(),
            object_id: e.object_id.clone(),
            outcome: e.outcome.clone(),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        event.hash = chain_hash(&event.prev_hash, &event);
        prev = event.hash.clone();
        let values = [
            event.id,
            event.actor,
            event.action,
            event.object_type,
            event.object_id,
            event.outcome,
            event.prev_hash,
            event.hash,
        ];
        for (column, value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let [id, actor, action, object_type, object_id, outcome, prev_hash, hash] = columns;
    // In the order given: each row's sequence number follows the one before, as its
    // prev_hash does.
    sqlx::query(
        "INSERT INTO server_audit_event (id, at, actor, action, object_type, object_id, outcome, prev_hash, hash)
         SELECT e.id, $2, e.actor, e.action, e.object_type, e.object_id, e.outcome, e.prev_hash, e.hash
         FROM unnest($1::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
             WITH ORDINALITY AS e(id, actor, action, object_type, object_id, outcome, prev_hash, hash, n)
         ORDER BY e.n",
    )
    .bind(id)
    .bind(&at)
    .bind(actor)
    .bind(action)
    .bind(object_type)
    .bind(object_id)
    .bind(outcome)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Walks the server's chain from the start.
pub(crate) async fn verify(pool: &PgPool) -> Result<u64, CentralError> {
    let rows = sqlx::query(
        "SELECT seq, id, at, actor, action, object_type, object_id, outcome, prev_hash, hash
         FROM server_audit_event ORDER BY seq",
    )
    .fetch_all(pool)
    .await?;
    let mut prev = GENESIS.to_string();
    for r in &rows {
        let e = AuditEventWire {
            seq: r.get("seq"),
            id: r.get("id"),
            at: r.get("at"),
            actor: r.get("actor"),
            station: SERVER.into(),
            action: r.get("action"),
            object_type: r.get("object_type"),
            object_id: r.get("object_id"),
            outcome: r.get("outcome"),
            prev_hash: r.get("prev_hash"),
            hash: r.get("hash"),
        };
        if e.prev_hash != prev || chain_hash(&prev, &e) != e.hash {
            return Err(CentralError::AuditChain(ChainBreak::BadHash { seq: e.seq }));
        }
        prev = e.hash;
    }
    Ok(rows.len() as u64)
}

impl Central {
    /// Stores a station's audit events if they continue its chain exactly where the server's
    /// copy ends. Events the server already has may be sent again (a retry) but must be
    /// identical. A gap, a fork or an altered event refuses the whole upload, and the refusal
    /// itself goes into the server's trail.
    pub async fn push_audit(
        &self,
        station: &Station,
        events: &[AuditEventWire],
    ) -> Result<AuditAccepted, CentralError> {
        if events.len() > regjistri_sync::protocol::MAX_AUDIT_EVENTS {
            return Err(CentralError::BatchTooLarge {
                count: events.len(),
                max: regjistri_sync::protocol::MAX_AUDIT_EVENTS,
            });
        }
        let mut tx = self.pool.begin().await?;
        let head = sqlx::query(
            "SELECT audit_head_seq, audit_head_hash FROM station WHERE code = $1 FOR UPDATE",
        )
        .bind(&station.code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| CentralError::UnknownStation(station.code.clone()))?;
        let head_seq: i64 = head.get("audit_head_seq");
        let head_hash: String = head.get("audit_head_hash");

        let mut verdict = Ok(());
        for e in events.iter().filter(|e| e.seq <= head_seq) {
            let stored: Option<String> = sqlx::query_scalar(
                "SELECT hash FROM station_audit_event WHERE station_code = $1 AND seq = $2",
            )
            .bind(&station.code)
            .bind(e.seq)
            .fetch_optional(&mut *tx)
            .await?;
            if stored.as_deref() != Some(e.hash.as_str()) {
                verdict = Err(ChainBreak::Fork { seq: e.seq });
                break;
            }
        }
        let verdict = verdict.and_then(|()| continue_chain(head_seq, &head_hash, events));
        let (new_seq, new_hash) = match verdict {
            Ok(head) => head,
            Err(why) => {
                drop(tx);
                let mut tx = self.pool.begin().await?;
                let outcome = match why {
                    ChainBreak::Gap { .. } => "refused_gap",
                    ChainBreak::Fork { .. } => "refused_fork",
                    ChainBreak::BadHash { .. } => "refused_hash",
                };
                append(
                    &mut tx,
                    self.now(),
                    &station.code,
                    "audit.upload",
                    "station",
                    &station.code,
                    outcome,
                )
                .await?;
                tx.commit().await?;
                log::warn!("station {} audit upload refused: {why}", station.code);
                return Err(CentralError::AuditChain(why));
            }
        };
        let now = self.now();
        let mut stored = 0u64;
        for e in events.iter().filter(|e| e.seq > head_seq) {
            sqlx::query(
                "INSERT INTO station_audit_event (station_code, seq, id, at, actor, station, action,
                    object_type, object_id, outcome, prev_hash, hash, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(&station.code)
            .bind(e.seq)
            .bind(&e.id)
            .bind(&e.at)
            .bind(&e.actor)
            .bind(&e.station)
            .bind(&e.action)
            .bind(&e.object_type)
            .bind(&e.object_id)
            .bind(&e.outcome)
            .bind(&e.prev_hash)
            .bind(&e.hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            stored += 1;
        }
        sqlx::query("UPDATE station SET audit_head_seq = $2, audit_head_hash = $3 WHERE code = $1")
            .bind(&station.code)
            .bind(new_seq)
            .bind(&new_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(AuditAccepted {
            stored,
            head_seq: new_seq,
            head_hash: new_hash,
        })
    }
}
