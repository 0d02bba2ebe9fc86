//! Pull: the feed of records and tombstones in strictly increasing sequence. Each record
//! is in the feed once, at the number of its latest change; the station's scope decides
//! whether it gets the full file (its own directorate) or the index entry (the others).

use chrono::{DateTime, Utc};
use regjistri_sync::protocol::{
    ApprovedCopy, PullItem, PullPage, ENTITY_FILE_RECORD, ENTITY_PHOTO, ENTITY_REFERENCE,
    ENTITY_RULE_NOTICE, ENTITY_RULE_SET, ENTITY_USER, MAX_PULL_BYTES, MAX_PULL_LIMIT,
};
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

use crate::{audit, tombstone_cutoff, Central, CentralError, Station, FEED_LOCK};

impl Central {
    /// The page of the feed after `after` (0: from the beginning, a full snapshot).
    /// A cursor older than the oldest kept tombstone, or newer than anything the server
    /// issued, gets [`CentralError::ResnapshotRequired`]: the station starts again from 0.
    pub async fn pull(
        &self,
        station: &Station,
        after: i64,
        limit: u32,
    ) -> Result<PullPage, CentralError> {
        self.pull_counting(station, after, limit, false).await
    }

    /// [`Central::pull`], with `remaining` counted when `count` (a query over what follows
    /// the page: asked for by the first page of a round only).
    pub async fn pull_counting(
        &self,
        station: &Station,
        after: i64,
        limit: u32,
        count: bool,
    ) -> Result<PullPage, CentralError> {
        let limit = limit.clamp(1, MAX_PULL_LIMIT);
        let mut tx = self.pool.begin().await?;
        // One snapshot for the checks and the page.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let horizon: i64 =
            sqlx::query_scalar("SELECT value FROM sync_state WHERE key = 'tombstone_horizon'")
                .fetch_one(&mut *tx)
                .await?;
        let issued: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM feed_seq",
        )
        .fetch_one(&mut *tx)
        .await?;
        if after < 0 || (after > 0 && after < horizon) || after > issued {
            return Err(CentralError::ResnapshotRequired { after, horizon });
        }
        // The page: at most `limit` items, and it stops at the item that takes the stored
        // size of its documents past MAX_PULL_BYTES (the first item always goes). Sizes are
        // read from the column headers (pg_column_size), so documents left out of the page
        // are never read.
        let rows = sqlx::query(
            "SELECT seq, id, tomb, entity, owning_directorate, document, index_entry, updated_by,
                    approved_data, approved_by, approved_at, first_approved_at, authors, candidates
             FROM (
                SELECT page.*, sum(size) OVER (ORDER BY seq) AS running,
                       count(*) OVER () AS candidates
                FROM (SELECT * FROM (
                    SELECT version AS seq, id, false AS tomb, entity, owning_directorate,
                           CASE WHEN owning_directorate = $2 OR entity IN ('user', 'rule_set', 'reference')
                                THEN document END AS document,
                           CASE WHEN owning_directorate = $2 THEN NULL ELSE index_entry END AS index_entry,
                           CASE WHEN owning_directorate = $2 THEN updated_by END AS updated_by,
                           CASE WHEN owning_directorate = $2 THEN approved_data END AS approved_data,
                           CASE WHEN owning_directorate = $2 THEN approved_by END AS approved_by,
                           CASE WHEN owning_directorate = $2 THEN approved_at END AS approved_at,
                           CASE WHEN owning_directorate = $2 THEN first_approved_at END AS first_approved_at,
                           CASE WHEN owning_directorate = $2 THEN authors END AS authors,
                           CASE WHEN owning_directorate = $2 OR entity IN ('user', 'rule_set', 'reference')
                                THEN pg_column_size(document) + coalesce(pg_column_size(approved_data), 0)
                                ELSE pg_column_size(index_entry) END::int8 AS size
                    FROM record WHERE version > $1
                        -- Records about files (photos too) go only to their directorate's
                        -- stations. Accounts go to every station (whole only where they sign
                        -- in: see below), so that a demotion or a move reaches the stations
                        -- the account leaves.
                        AND (entity IN ('offender_file', 'rule_set', 'reference', 'user')
                             OR owning_directorate = $2)
                    UNION ALL
                    SELECT seq, id, true, NULL, owning_directorate, NULL, NULL, NULL, NULL, NULL, NULL,
                           NULL, NULL, 0::int8
                    FROM tombstone WHERE seq > $1
                 ) feed ORDER BY seq LIMIT $3) page
             ) sized
             WHERE running - size < $4
             ORDER BY seq",
        )
        .bind(after)
        .bind(&station.directorate)
        .bind(i64::from(limit))
        .bind(i64::try_from(MAX_PULL_BYTES).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        let candidates = rows.first().map_or(0, |r| r.get::<i64, _>("candidates"));
        let more = candidates == i64::from(limit) || (rows.len() as i64) < candidates;
        let last = rows.last().map_or(after, |r| r.get::<i64, _>("seq"));
        let remaining: i64 = if more && count {
            sqlx::query_scalar(
                "SELECT (SELECT count(*) FROM record WHERE version > $1
                           AND (entity IN ('offender_file', 'rule_set', 'reference', 'user')
                                OR owning_directorate = $2))
                      + (SELECT count(*) FROM tombstone WHERE seq > $1)",
            )
            .bind(last)
            .bind(&station.directorate)
            .fetch_one(&mut *tx)
            .await?
        } else {
            0
        };
        tx.commit().await?;
        let mut next_cursor = after;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let seq: i64 = r.get("seq");
            let id: Uuid = r.get("id");
            next_cursor = seq;
            if r.get::<bool, _>("tomb") {
                items.push(PullItem::Tombstone { seq, id });
                continue;
            }
            let document: Option<Value> = r.get("document");
            let index: Option<Value> = r.get("index_entry");
            let entity: Option<String> = r.get("entity");
            let whole = |document: Option<Value>| {
                document.ok_or_else(|| CentralError::Corrupt(format!("record {id} out of scope")))
            };
            match entity.as_deref() {
                Some(ENTITY_USER) => {
                    let mut document = whole(document)?;
                    // An account signs in at the stations of its directorate, and a national
                    // one (administrator, auditor) at every station: only those, and the
                    // administration's stations (which manage every account), get its
                    // verifier. The others get what they need to stop it signing in there.
                    let national = regjistri_sync::document::UserDocument::parse(&document)
                        .is_ok_and(|u| u.national());
                    let owning: Option<String> = r.get("owning_directorate");
                    if !national
                        && !station.administration
                        && owning.as_deref() != Some(station.directorate.as_str())
                    {
                        for secret in ["salt", "verifier"] {
                            if let Some(v) = document.get_mut(secret) {
                                *v = Value::String(String::new());
                            }
                        }
                    }
                    items.push(PullItem::User {
                        seq,
                        id,
                        version: seq,
                        document,
                    });
                    continue;
                }
                Some(ENTITY_RULE_SET) => {
                    items.push(PullItem::RuleSet {
                        seq,
                        id,
                        version: seq,
                        document: whole(document)?,
                    });
                    continue;
                }
                Some(ENTITY_REFERENCE) => {
                    items.push(PullItem::Reference {
                        seq,
                        id,
                        version: seq,
                        document: whole(document)?,
                    });
                    continue;
                }
                Some(ENTITY_RULE_NOTICE) => {
                    items.push(PullItem::Notice {
                        seq,
                        id,
                        version: seq,
                        document: whole(document)?,
                    });
                    continue;
                }
                _ => {}
            }
            if entity.as_deref() == Some(ENTITY_PHOTO) {
                items.push(PullItem::Photo {
                    seq,
                    id,
                    version: seq,
                    document: whole(document)?,
                });
                continue;
            }
            if r.get::<Option<String>, _>("entity").as_deref() == Some(ENTITY_FILE_RECORD) {
                let document = document
                    .ok_or_else(|| CentralError::Corrupt(format!("record {id} out of scope")))?;
                items.push(PullItem::Record {
                    seq,
                    id,
                    version: seq,
                    document,
                });
                continue;
            }
            items.push(match (document, index) {
                (Some(document), _) => {
                    let approved = approved_copy(&r);
                    PullItem::File {
                        seq,
                        id,
                        version: seq,
                        document,
                        approved,
                        updated_by: r.get("updated_by"),
                        authors: r
                            .get::<Option<Value>, _>("authors")
                            .and_then(|a| serde_json::from_value(a).ok())
                            .unwrap_or_default(),
                    }
                }
                (None, Some(entry)) => PullItem::Index {
                    seq,
                    id,
                    version: seq,
                    entry: serde_json::from_value(entry)
                        .map_err(|e| CentralError::Corrupt(format!("index entry: {e}")))?,
                },
                (None, None) => return Err(CentralError::Corrupt(format!("record {id}"))),
            });
        }
        Ok(PullPage {
            items,
            next_cursor,
            more,
            remaining: count.then(|| u64::try_from(remaining).unwrap_or(0)),
        })
    }

    /// The digest a station of `directorate` computes once it holds everything
    /// (`regjistri_sync::document::replica_checksum`): its directorate's full files and
    /// records and photos (by what they say of their bytes), and the index entries of the
    /// others' files.
    pub async fn replica_checksum(&self, directorate: &str) -> Result<String, CentralError> {
        let rows = sqlx::query(
            "SELECT id, version, owning_directorate = $1 AS own,
                    CASE WHEN owning_directorate = $1 AND entity = 'photo' THEN document - 'data'
                         WHEN owning_directorate = $1 THEN document END AS document
             FROM record WHERE entity = 'offender_file'
                OR (entity IN ('file_record', 'photo') AND owning_directorate = $1)",
        )
        .bind(directorate)
        .fetch_all(&self.pool)
        .await?;
        let mut files = Vec::new();
        let mut index = Vec::new();
        for r in rows {
            let id: Uuid = r.get("id");
            let version: i64 = r.get("version");
            match r.get::<Option<Value>, _>("document") {
                Some(doc) if r.get::<bool, _>("own") => {
                    files.push((id, version, regjistri_sync::document::content_hash(&doc)))
                }
                _ => index.push((id, version)),
            }
        }
        Ok(regjistri_sync::document::replica_checksum(files, index))
    }

    /// Deletes a record centrally (an administrator's act, e.g. a file entered by mistake):
    /// the row goes, a tombstone stays for the retention period so that stations learn of it.
    pub async fn delete_record(&self, id: Uuid, by: &str) -> Result<i64, CentralError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(FEED_LOCK)
            .execute(&mut *tx)
            .await?;
        let owning: Option<String> =
            sqlx::query_scalar("DELETE FROM record WHERE id = $1 RETURNING owning_directorate")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(owning) = owning else {
            return Err(CentralError::NotFound(format!("record {id}")));
        };
        // A file's records and photos go with it.
        let records: Vec<Uuid> = sqlx::query_scalar(
            "DELETE FROM record WHERE entity IN ('file_record', 'photo') AND document->>'file_id' = $1
             RETURNING id",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut seq = 0;
        for gone in records.into_iter().chain(std::iter::once(id)) {
            seq = sqlx::query_scalar("SELECT nextval('feed_seq')")
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO tombstone (id, seq, owning_directorate, deleted_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(gone)
            .bind(seq)
            .bind(&owning)
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            self.now(),
            by,
            "record.delete",
            "offender_file",
            &id.to_string(),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Drops tombstones older than the retention period and raises the horizon below which
    /// cursors must re-snapshot. Returns how many were dropped.
    pub async fn prune_tombstones(&self) -> Result<u64, CentralError> {
        let cutoff = tombstone_cutoff(self.now(), self.tombstone_days);
        let mut tx = self.pool.begin().await?;
        let pruned: Vec<i64> =
            sqlx::query_scalar("DELETE FROM tombstone WHERE deleted_at < $1 RETURNING seq")
                .bind(cutoff)
                .fetch_all(&mut *tx)
                .await?;
        if let Some(max) = pruned.iter().max() {
            sqlx::query(
                "UPDATE sync_state SET value = greatest(value, $1) WHERE key = 'tombstone_horizon'",
            )
            .bind(max)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(pruned.len() as u64)
    }
}

/// A file's last approved copy, from a `record` row that selected `approved_data`,
/// `approved_by`, `approved_at` and `first_approved_at` (`None`: never approved).
pub(crate) fn approved_copy(row: &sqlx::postgres::PgRow) -> Option<ApprovedCopy> {
    match (
        row.get::<Option<Value>, _>("approved_data"),
        row.get::<Option<String>, _>("approved_by"),
        row.get::<Option<DateTime<Utc>>, _>("approved_at"),
        row.get::<Option<DateTime<Utc>>, _>("first_approved_at"),
    ) {
        (Some(data), Some(by), Some(at), Some(first_at)) => Some(ApprovedCopy {
            data,
            by,
            at,
            first_at,
        }),
        _ => None,
    }
}
