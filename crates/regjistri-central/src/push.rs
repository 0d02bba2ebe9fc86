//! Push: a station's mutations, merged into the national records. One transaction per
//! group of concurrent pushes, under the feed lock; each mutation's result is stored with
//! its id, so a retry after a lost reply gets the stored result and nothing is applied twice.

use std::collections::VecDeque;
use std::sync::Mutex;

use regjistri_domain::names::name_keys;
use regjistri_domain::records::{FileRecord, RuleNotice};
use regjistri_sync::document::{content_hash, FileDocument, PhotoDocument, UserDocument};
use regjistri_sync::merge::{merge, Current, Merge, Rejection};
use regjistri_sync::protocol::{
    ConflictRef, ConflictView, IndexEntry, IndexKey, Mutation, MutationResult, Outcome,
    PushResponse, WireError, ENTITY_FILE_RECORD, ENTITY_PHOTO, ENTITY_RULE_NOTICE, ENTITY_USER,
    MAX_PUSH_MUTATIONS, REFERENCE_ID, SYNCED_ENTITIES,
};
use serde::Deserialize;
use serde_json::Value;
use sqlx::{PgConnection, Row};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::{audit, Central, CentralError, Station, FEED_LOCK};

/// At most this many pushes are committed together.
const GROUP_PUSHES: usize = 64;
/// ... and at most this many mutations in all (a push alone may have up to
/// `MAX_PUSH_MUTATIONS`).
const GROUP_MUTATIONS: usize = 1_000;
/// Pushes beyond this many waiting are answered "busy" at once (the station retries with
/// backoff) rather than queued behind a database that cannot keep up.
const MAX_WAITING: usize = 2_000;

/// A push waiting to be committed, and where its answer goes.
pub(crate) struct PushJob {
    station: Station,
    mutations: Vec<Mutation>,
    reply: oneshot::Sender<Result<PushResponse, CentralError>>,
}

/// The pushes waiting for the committer, and whether a committer is running.
#[derive(Default)]
pub(crate) struct PushQueue {
    state: Mutex<QueueState>,
}

#[derive(Default)]
struct QueueState {
    waiting: VecDeque<PushJob>,
    leading: bool,
}

impl PushQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, QueueState> {
        // Nothing in the state can be left half-changed by a panic: taking it over is safe.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a push; true when the caller must start the committer; an error when too
    /// many wait.
    fn enqueue(&self, job: PushJob) -> Result<bool, CentralError> {
        let mut state = self.state();
        if state.waiting.len() >= MAX_WAITING {
            // Pushes nobody waits for any more (timed out, retried) do not count.
            state.waiting.retain(|j| !j.reply.is_closed());
        }
        if state.waiting.len() >= MAX_WAITING {
            return Err(CentralError::Busy);
        }
        state.waiting.push_back(job);
        Ok(!std::mem::replace(&mut state.leading, true))
    }

    /// The next group, in arrival order; None (and the committer stops) when none wait.
    fn next_group(&self) -> Option<Vec<PushJob>> {
        let mut state = self.state();
        let mut group = Vec::new();
        let mut mutations = 0;
        while let Some(next) = state.waiting.front() {
            if next.reply.is_closed() {
                // Nobody waits for it any more (the request timed out or the station went):
                // the station sends it again, and it is applied then, once.
                state.waiting.pop_front();
                continue;
            }
            let more = next.mutations.len();
            if !group.is_empty()
                && (group.len() == GROUP_PUSHES || mutations + more > GROUP_MUTATIONS)
            {
                break;
            }
            mutations += more;
            if let Some(job) = state.waiting.pop_front() {
                group.push(job);
            }
        }
        if group.is_empty() {
            state.leading = false;
            return None;
        }
        Some(group)
    }
}

/// The running committer. Should it end other than by finding the queue empty (a panic),
/// its mark is cleared and the pushes still waiting are answered with an error (dropped
/// replies), so that their stations retry rather than wait for ever.
struct Leading<'a> {
    queue: &'a PushQueue,
    ended_normally: bool,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if !self.ended_normally {
            let mut state = self.queue.state();
            state.leading = false;
            state.waiting.clear();
        }
    }
}

/// The index entry of a file: what every station may hold of it.
pub(crate) fn index_entry(doc: &FileDocument) -> IndexEntry {
    let id = &doc.data.identity;
    let aliases = id
        .aliases
        .iter()
        .map(|a| (a.surname.as_str(), a.given_name.as_str()));
    IndexEntry {
        owning_directorate: doc.owning_directorate.clone(),
        status: doc.status.as_str().to_string(),
        nid: id.nid.clone(),
        date_of_birth: id.date_of_birth,
        keys: name_keys(&id.surname, &id.given_name, &id.father_name, aliases)
            .into_iter()
            .map(|k| IndexKey {
                rank: k.rank(),
                kind: k.kind as u8,
                key: k.key,
            })
            .collect(),
    }
}

/// The status an approval sets.
const APPROVED: &str = "approved";
/// The status of an approved file whose data has changed since.
const AMENDED: &str = "amended";

/// An approval (a change of `status` to approved) holds only for the data the supervisor
/// saw: the mutation's content hash must be that of the merged data. Returns the document
/// and, for an approval, the data that now stands approved; refuses an approval of data
/// that has changed since (`approval_outdated`), so that it is looked at again.
fn bind_approval(
    m: &Mutation,
    document: Value,
    stored: Option<&Value>,
    authors: &[String],
) -> Result<(Value, Option<Value>), WireError> {
    let approves = m
        .diff
        .iter()
        .any(|c| c.path == "status" && c.new.as_str() == Some(APPROVED));
    // Not an approval, or one whose status change did not merge (a conflict keeps it).
    if !approves || document.get("status").and_then(Value::as_str) != Some(APPROVED) {
        return Ok((document, None));
    }
    // Four eyes, whichever station the changes were made at.
    if authors.contains(&m.actor) {
        return Err(WireError::new(
            "own_work",
            "Nuk mund të miratoni një dosje që e keni krijuar apo ndryshuar vetë.",
            "You cannot approve a file you created or changed yourself.",
        ));
    }
    let data = document.get("data").cloned().unwrap_or(Value::Null);
    let hash = content_hash(&data);
    if m.approves.as_deref() != Some(hash.as_str()) {
        return Err(WireError::new(
            "approval_outdated",
            "Dosja ndryshoi pasi u miratua në stacion: shikojeni përsëri dhe miratojeni nëse duhet.",
            "The file changed after it was approved at the station: look at it again and approve it if it should be.",
        ));
    }
    if stored.is_some_and(|a| content_hash(a) == hash) {
        // The same data approved again (a second station, a retry): nothing new stands.
        return Ok((document, None));
    }
    Ok((document, Some(data)))
}

/// A file marked approved whose data is not the approved data is an amendment waiting for
/// approval (an edit merged into an approved file, from a station that saw an older copy).
pub(crate) fn settle_status(document: &mut Value, approved: Option<&Value>) {
    let Some(approved) = approved else { return };
    let data = document.get("data").cloned().unwrap_or(Value::Null);
    if document.get("status").and_then(Value::as_str) == Some(APPROVED)
        && content_hash(approved) != content_hash(&data)
    {
        document["status"] = Value::String(AMENDED.into());
    }
}

/// What a station may do to a user account. The station's certificate proves which station
/// speaks, not which officer: the actor a mutation names is the station's word, so it
/// cannot grant anything. The bound is the station's: an administration station manages
/// every account; any other station only the accounts of its own directorate with a
/// regional role (clerk, supervisor). National accounts (administrator, auditor), even their
/// own passwords, change only at the administration's stations: a stolen regional laptop
/// can then never make, promote or take over an account beyond its directorate's officers.
/// User names never change (another station may hold a local account of the new name).
pub(crate) fn account_change_allowed(
    station: &Station,
    before: Option<&UserDocument>,
    after: &UserDocument,
) -> Result<(), WireError> {
    if before.is_some_and(|b| b.user_name != after.user_name) {
        return Err(WireError::new(
            "invalid_change",
            "Emri i përdoruesit nuk ndryshon.",
            "A user name does not change.",
        ));
    }
    if station.administration {
        return Ok(());
    }
    let national = after.national() || before.is_some_and(UserDocument::national);
    if national {
        return Err(WireError::new(
            "administration_only",
            "Llogaritë kombëtare (administrator, auditor) i menaxhon vetëm një stacion i administratës qendrore.",
            "National accounts (administrator, auditor) are managed only at a station of the central administration.",
        ));
    }
    let elsewhere = after.directorate != station.directorate
        || before.is_some_and(|b| b.directorate != station.directorate);
    if elsewhere {
        return Err(WireError::new(
            "out_of_scope",
            "Llogaria i përket një drejtorie tjetër: e menaxhon drejtoria e saj ose administrata qendrore.",
            "The account belongs to another directorate: its own directorate or the central administration manages it.",
        ));
    }
    Ok(())
}

/// The diff kept with a mutation's result (the idempotency record): a photo's bytes are in
/// its record already, so the kept diff names them by their SHA-256 instead of repeating
/// hundreds of kilobytes.
fn kept_diff(m: &Mutation) -> std::borrow::Cow<'_, [regjistri_domain::diff::FieldChange]> {
    if m.entity != ENTITY_PHOTO || !m.diff.iter().any(|c| c.path == "data") {
        return std::borrow::Cow::Borrowed(&m.diff);
    }
    let digest = |v: &Value| match v.as_str() {
        Some(text) => match regjistri_sync::document::decode_bytes(text) {
            Ok(bytes) => Value::String(format!(
                "sha256:{}",
                regjistri_sync::document::sha256_hex(&bytes)
            )),
            Err(_) => Value::String("not base64".into()),
        },
        None => v.clone(),
    };
    std::borrow::Cow::Owned(
        m.diff
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if c.path == "data" {
                    c.old = digest(&c.old);
                    c.new = digest(&c.new);
                }
                c
            })
            .collect(),
    )
}

fn mutation_id_taken() -> WireError {
    WireError::new(
        "mutation_id_taken",
        "Ky identifikues ndryshimi është përdorur nga një stacion tjetër.",
        "This mutation id was used by another station.",
    )
}

/// The results of a group's mutations (the idempotency rows) and its conflicts, written
/// together at the end of the group's transaction: one statement each rather than one per
/// mutation. Until then a mutation seen twice in the group is answered from here.
#[derive(Default)]
struct Answered {
    seen: std::collections::HashMap<Uuid, (String, MutationResult)>,
    mutation_id: Vec<Uuid>,
    station: Vec<String>,
    entity: Vec<String>,
    entity_id: Vec<Uuid>,
    base_version: Vec<i64>,
    diff: Vec<Value>,
    actor: Vec<String>,
    created_at: Vec<chrono::DateTime<chrono::Utc>>,
    result: Vec<Value>,
    conflicts: Vec<(Uuid, String, ConflictView)>,
}

impl Answered {
    fn record(
        &mut self,
        station: &Station,
        m: &Mutation,
        result: &MutationResult,
        conflict: Option<ConflictView>,
    ) -> Result<(), CentralError> {
        let json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| CentralError::Corrupt(e.to_string()))
        };
        self.mutation_id.push(m.mutation_id);
        self.station.push(station.code.clone());
        self.entity.push(m.entity.clone());
        self.entity_id.push(m.entity_id);
        self.base_version.push(m.base_version);
        self.diff.push(json(serde_json::to_value(kept_diff(m)))?);
        self.actor.push(m.actor.clone());
        self.created_at.push(m.created_at);
        self.result.push(json(serde_json::to_value(result))?);
        if let Some(c) = conflict {
            log::info!(
                "conflict {} ({}) on record {} from station {} (mutation {})",
                c.id,
                c.kind.as_str(),
                m.entity_id,
                station.code,
                m.mutation_id
            );
            self.conflicts
                .push((m.mutation_id, station.code.clone(), c));
        }
        self.seen
            .insert(m.mutation_id, (station.code.clone(), result.clone()));
        Ok(())
    }

    async fn write(
        self,
        conn: &mut PgConnection,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CentralError> {
        if self.mutation_id.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO mutation (mutation_id, station, entity, entity_id, base_version, diff, actor,
                created_at, received_at, result)
             SELECT m.mutation_id, m.station, m.entity, m.entity_id, m.base_version, m.diff, m.actor,
                m.created_at, $10, m.result
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::int8[], $6::jsonb[],
                    $7::text[], $8::timestamptz[], $9::jsonb[])
                 AS m(mutation_id, station, entity, entity_id, base_version, diff, actor, created_at, result)",
        )
        .bind(self.mutation_id)
        .bind(self.station)
        .bind(self.entity)
        .bind(self.entity_id)
        .bind(self.base_version)
        .bind(self.diff)
        .bind(self.actor)
        .bind(self.created_at)
        .bind(self.result)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        // Conflicts are few: one statement each, after the results they refer to.
        for (mutation_id, station, c) in self.conflicts {
            sqlx::query(
                "INSERT INTO conflict (id, mutation_id, record_id, kind, owning_directorate, station, actor,
                    fields, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(c.id)
            .bind(mutation_id)
            .bind(c.record_id)
            .bind(c.kind.as_str())
            .bind(&c.owning_directorate)
            .bind(&station)
            .bind(&c.actor)
            .bind(
                serde_json::to_value(&c.fields)
                    .map_err(|e| CentralError::Corrupt(e.to_string()))?,
            )
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

fn photo_changed() -> WireError {
    WireError::new(
        "photo_changed",
        "Një foto nuk ndryshohet; shfuqizohet vetëm një herë, me arsye.",
        "A photo is never changed; it is only voided, once, with a reason.",
    )
}

fn rejected(m: &Mutation, error: WireError) -> MutationResult {
    MutationResult {
        mutation_id: m.mutation_id,
        outcome: Outcome::Rejected,
        version: None,
        conflict: None,
        error: Some(error),
    }
}

fn rejection_error(r: Rejection) -> WireError {
    match r {
        Rejection::UnknownRecord => WireError::new(
            "unknown_record",
            "Serveri nuk e njeh këtë dosje.",
            "The server does not know this file.",
        ),
        Rejection::FutureBaseVersion => WireError::new(
            "future_base_version",
            "Ndryshimi i referohet një versioni që serveri nuk e ka lëshuar.",
            "The change refers to a version the server never issued.",
        ),
        Rejection::BadPath => WireError::new(
            "invalid_change",
            "Ndryshimi nuk përputhet me strukturën e dosjes.",
            "The change does not fit the structure of the file.",
        ),
    }
}

/// The server's copy of a record for the merge.
enum Stored {
    Absent,
    Live {
        entity: String,
        version: i64,
        owning: String,
        document: Value,
        /// The data that stands approved, if the file was ever approved.
        approved: Option<Value>,
        /// Who changed the content since it was last approved.
        authors: Vec<String>,
    },
    Deleted {
        version: i64,
        owning: String,
    },
}

/// What the server holds for a mutation, in one round trip: its stored result if it was
/// seen before (idempotency), and the record's copy for the merge.
struct Lookup {
    /// (station that sent it, result it got).
    seen: Option<(String, Value)>,
    stored: Stored,
}

/// What `lookup` and `lookup_many` select, joined on `k` (the mutation and record ids).
const LOOKUP_COLUMNS: &str = "mu.station AS seen_station, mu.result AS seen_result,
     r.entity, r.version, r.owning_directorate, r.document, r.approved_data, r.authors,
     t.seq AS deleted_seq, t.owning_directorate AS deleted_owning";
const LOOKUP_JOINS: &str = "LEFT JOIN mutation mu ON mu.mutation_id = k.mutation_id
     LEFT JOIN record r ON r.id = k.record_id
     LEFT JOIN tombstone t ON t.id = k.record_id";

async fn lookup(conn: &mut PgConnection, m: &Mutation) -> Result<Lookup, CentralError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LOOKUP_COLUMNS}
         FROM (SELECT $1::uuid AS mutation_id, $2::uuid AS record_id) k
         {LOOKUP_JOINS}"
    )))
    .bind(m.mutation_id)
    .bind(m.entity_id)
    .fetch_one(&mut *conn)
    .await?;
    lookup_from_row(&r)
}

/// The lookups of many mutations in one round trip, in their order. A group's own writes
/// are not in them: one is valid for a mutation only if no mutation before it in the group
/// concerned the same record (a mutation writes only its own record, and the group's
/// results are written at its end, answered until then from `Answered`).
async fn lookup_many(
    conn: &mut PgConnection,
    mutations: &[&Mutation],
) -> Result<Vec<Lookup>, CentralError> {
    let mutation_ids: Vec<Uuid> = mutations.iter().map(|m| m.mutation_id).collect();
    let record_ids: Vec<Uuid> = mutations.iter().map(|m| m.entity_id).collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LOOKUP_COLUMNS}
         FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS k(mutation_id, record_id, n)
         {LOOKUP_JOINS}
         ORDER BY k.n"
    )))
    .bind(mutation_ids)
    .bind(record_ids)
    .fetch_all(&mut *conn)
    .await?;
    if rows.len() != mutations.len() {
        return Err(CentralError::Corrupt(format!(
            "{} lookups for {} mutations",
            rows.len(),
            mutations.len()
        )));
    }
    rows.iter().map(lookup_from_row).collect()
}

fn lookup_from_row(r: &sqlx::postgres::PgRow) -> Result<Lookup, CentralError> {
    let seen = r
        .try_get::<Option<String>, _>("seen_station")?
        .map(|station| r.try_get("seen_result").map(|result| (station, result)))
        .transpose()?;
    let stored = if let Some(version) = r.try_get::<Option<i64>, _>("version")? {
        Stored::Live {
            entity: r.try_get("entity")?,
            version,
            owning: r.try_get("owning_directorate")?,
            document: r.try_get("document")?,
            approved: r.try_get("approved_data")?,
            authors: serde_json::from_value(r.try_get("authors")?)
                .map_err(|e| CentralError::Corrupt(format!("authors: {e}")))?,
        }
    } else if let Some(version) = r.try_get::<Option<i64>, _>("deleted_seq")? {
        Stored::Deleted {
            version,
            owning: r.try_get("deleted_owning")?,
        }
    } else {
        Stored::Absent
    };
    Ok(Lookup { seen, stored })
}

impl Central {
    /// Applies a batch of a station's mutations, in order. Every mutation gets a result
    /// (applied, conflict or rejected); only a database failure fails the batch, and then
    /// nothing of it is kept, so the station simply retries.
    ///
    /// Pushes that arrive while another is being committed wait and are then committed
    /// together, in arrival order, in one transaction under the feed lock (group commit): the
    /// same results as one after the other, with one lock, one audit append and one commit
    /// for the group. If the group fails, each of its pushes is tried alone, so one push's
    /// failure is never another's.
    pub async fn push(
        &self,
        station: &Station,
        mutations: &[Mutation],
    ) -> Result<PushResponse, CentralError> {
        if mutations.len() > MAX_PUSH_MUTATIONS {
            return Err(CentralError::BatchTooLarge {
                count: mutations.len(),
                max: MAX_PUSH_MUTATIONS,
            });
        }
        let (reply, answer) = oneshot::channel();
        let lead = self.pushes.enqueue(PushJob {
            station: station.clone(),
            mutations: mutations.to_vec(),
            reply,
        })?;
        if lead {
            let central = self.clone();
            tokio::spawn(async move { central.commit_queued().await });
        }
        answer
            .await
            .map_err(|_| CentralError::Corrupt("the push committer stopped".into()))?
    }

    /// Commits queued pushes, group after group, until none wait.
    async fn commit_queued(&self) {
        let mut leading = Leading {
            queue: &self.pushes,
            ended_normally: false,
        };
        while let Some(group) = self.pushes.next_group() {
            let jobs: Vec<(&Station, &[Mutation])> = group
                .iter()
                .map(|j| (&j.station, j.mutations.as_slice()))
                .collect();
            let together = if group.len() > 1 {
                self.push_group(&jobs).await.ok()
            } else {
                None
            };
            match together {
                Some(responses) => {
                    for (job, response) in group.into_iter().zip(responses) {
                        let _ = job.reply.send(Ok(response));
                    }
                }
                None => {
                    for job in group {
                        let alone = self
                            .push_group(&[(&job.station, job.mutations.as_slice())])
                            .await
                            .map(|mut r| r.remove(0));
                        let _ = job.reply.send(alone);
                    }
                }
            }
        }
        // `next_group` found the queue empty and cleared the mark itself.
        leading.ended_normally = true;
    }

    /// Applies the pushes in order in one transaction under the feed lock.
    async fn push_group(
        &self,
        jobs: &[(&Station, &[Mutation])],
    ) -> Result<Vec<PushResponse>, CentralError> {
        // The feed lock with the transaction's start: one round trip.
        let mut tx = self
            .pool
            .begin_with(sqlx::AssertSqlSafe(format!(
                "BEGIN; SELECT pg_advisory_xact_lock({FEED_LOCK})"
            )))
            .await?;
        let mut responses = Vec::with_capacity(jobs.len());
        let mut events = Vec::with_capacity(jobs.len());
        let mut counts = Vec::with_capacity(jobs.len());
        let mut answered = Answered::default();
        // Every mutation's lookup in one round trip; a record met again in the group is
        // looked up again, after the group's earlier write of it.
        let all: Vec<&Mutation> = jobs.iter().flat_map(|(_, ms)| ms.iter()).collect();
        let mut ahead = lookup_many(&mut tx, &all).await?.into_iter();
        let mut records = std::collections::HashSet::with_capacity(all.len());
        for (station, mutations) in jobs {
            let mut results = Vec::with_capacity(mutations.len());
            let (mut applied, mut conflicts, mut refused) = (0, 0, 0);
            for m in mutations.iter() {
                let looked_up = ahead.next().filter(|_| records.insert(m.entity_id));
                let result = self
                    .push_one(&mut tx, station, m, looked_up, &mut answered)
                    .await?;
                match result.outcome {
                    Outcome::Applied => applied += 1,
                    Outcome::Conflict => conflicts += 1,
                    Outcome::Rejected => refused += 1,
                }
                results.push(result);
            }
            events.push(audit::Event {
                actor: station.code.clone(),
                action: "sync.push",
                object_type: "station",
                object_id: station.code.clone(),
                outcome: format!("applied={applied} conflicts={conflicts} rejected={refused}"),
            });
            counts.push((applied, conflicts, refused));
            responses.push(PushResponse { results });
        }
        answered.write(&mut tx, self.now()).await?;
        audit::append_many(&mut tx, self.now(), &events).await?;
        tx.commit().await?;
        for ((station, mutations), (applied, conflicts, refused)) in jobs.iter().zip(counts) {
            log::info!(
                "station {}: push of {} mutations ({applied} applied, {conflicts} conflicts, {refused} rejected)",
                station.code,
                mutations.len()
            );
        }
        Ok(responses)
    }

    async fn push_one(
        &self,
        conn: &mut PgConnection,
        station: &Station,
        m: &Mutation,
        looked_up: Option<Lookup>,
        answered: &mut Answered,
    ) -> Result<MutationResult, CentralError> {
        // Seen earlier in this group (a retry racing its original): the answer it got.
        if let Some((from, result)) = answered.seen.get(&m.mutation_id) {
            if *from != station.code {
                return Ok(rejected(m, mutation_id_taken()));
            }
            return Ok(result.clone());
        }
        let Lookup { seen, stored } = match looked_up {
            Some(l) => l,
            None => lookup(conn, m).await?,
        };
        // Idempotency: a mutation seen before gets the answer it got then.
        if let Some((from, stored_result)) = seen {
            if from != station.code {
                return Ok(rejected(m, mutation_id_taken()));
            }
            return serde_json::from_value(stored_result)
                .map_err(|e| CentralError::Corrupt(format!("stored result: {e}")));
        }
        let before = match &stored {
            Stored::Live { version, .. } => Some(*version),
            _ => None,
        };
        let (mut result, conflict) = self.decide(conn, station, m, stored).await?;
        // A mutation that did not (fully) apply and left the record as it was: the station's
        // copy now differs from the server's, and the record would not come down again. A
        // new version (same content) puts it back in the feed for the station's next pull.
        let unchanged = result.version.is_none() || result.version == before;
        if result.outcome != Outcome::Applied && before.is_some() && unchanged {
            let touched: Option<i64> = sqlx::query_scalar(
                "UPDATE record SET version = nextval('feed_seq')
                 WHERE id = $1 AND (owning_directorate = $2 OR (entity = 'user' AND $3))
                 RETURNING version",
            )
            .bind(m.entity_id)
            .bind(&station.directorate)
            .bind(station.administration)
            .fetch_optional(&mut *conn)
            .await?;
            if result.outcome == Outcome::Conflict && touched.is_some() {
                result.version = touched;
            }
        }
        answered.record(station, m, &result, conflict)?;
        Ok(result)
    }

    /// Merges one new mutation and writes the record; returns its result and the conflict
    /// to store, if any.
    async fn decide(
        &self,
        conn: &mut PgConnection,
        station: &Station,
        m: &Mutation,
        stored: Stored,
    ) -> Result<(MutationResult, Option<ConflictView>), CentralError> {
        let unknown_entity = || {
            rejected(
                m,
                WireError::new(
                    "unknown_entity",
                    "Ky lloj të dhënash nuk sinkronizohet.",
                    "This kind of record is not synchronised.",
                ),
            )
        };
        // The national reference data's record is the server's own (published there).
        if !SYNCED_ENTITIES.contains(&m.entity.as_str()) || m.entity_id == REFERENCE_ID {
            return Ok((unknown_entity(), None));
        }
        let is_photo = m.entity == ENTITY_PHOTO;
        let is_record =
            m.entity == ENTITY_FILE_RECORD || m.entity == ENTITY_RULE_NOTICE || is_photo;
        // User accounts are national: an administrator at any station manages them.
        let is_user = m.entity == ENTITY_USER;
        let out_of_scope = || {
            rejected(
                m,
                WireError::new(
                    "out_of_scope",
                    "Dosja i përket një drejtorie tjetër: vetëm drejtoria e saj e ndryshon.",
                    "The file belongs to another directorate: only its own directorate changes it.",
                ),
            )
        };
        let (current, owning, server_version) = match &stored {
            Stored::Absent => (Current::Absent, None, 0),
            Stored::Live {
                version,
                owning,
                document,
                ..
            } => (
                Current::Live {
                    version: *version,
                    document,
                },
                Some(owning.clone()),
                *version,
            ),
            Stored::Deleted { version, owning } => (
                Current::Deleted { version: *version },
                Some(owning.clone()),
                *version,
            ),
        };
        if !is_user && owning.as_ref().is_some_and(|o| *o != station.directorate) {
            return Ok((out_of_scope(), None));
        }
        if matches!(&stored, Stored::Live { entity, .. } if *entity != m.entity) {
            return Ok((unknown_entity(), None));
        }
        let merged = merge(current, m.base_version, &m.diff);
        if is_user && matches!(merged, Merge::Conflict { .. }) {
            // An account changed at two places is not for a supervisor to pick values of
            // (they would be password verifiers): the station takes the server's account
            // with its next pull, and the change is made again if still wanted.
            return Ok((
                rejected(
                    m,
                    WireError::new(
                        "account_changed",
                        "Llogaria u ndryshua njëkohësisht diku tjetër: ndryshimi nuk u zbatua; bëjeni përsëri nëse duhet.",
                        "The account was changed elsewhere at the same time: the change was not applied; make it again if it is still needed.",
                    ),
                ),
                None,
            ));
        }
        if is_photo && matches!(merged, Merge::Conflict { .. }) {
            // A photo is never contested: it is what it is, and voided once. The first void
            // to reach the server stands; a second (another supervisor voided it at another
            // station) is refused, and the refusal gives the photo a new version (below), so
            // it comes down again and that station, having nothing unanswered for it,
            // replaces its own void with this one (`regjistri_store::sync::apply_photo`).
            return Ok((rejected(m, photo_changed()), None));
        }
        let (document, changed, conflict) = match merged {
            Merge::Rejected(r) => return Ok((rejected(m, rejection_error(r)), None)),
            Merge::Applied { document, changed } => (document, changed, None),
            Merge::Conflict {
                document,
                changed,
                kind,
                fields,
            } => (document, changed, Some((kind, fields))),
        };
        let (stored_approval, authors) = match &stored {
            Stored::Live {
                approved, authors, ..
            } => (approved.clone(), authors.clone()),
            _ => (None, Vec::new()),
        };
        let (mut document, approval) =
            match bind_approval(m, document, stored_approval.as_ref(), &authors) {
                Ok(bound) => bound,
                Err(error) => return Ok((rejected(m, error), None)),
            };
        let changed = changed || approval.is_some();
        // Changing only the status (approving, returning) is not authoring the content.
        let authored = m.diff.iter().any(|c| c.path != "status");
        let invalid = || {
            rejected(
                m,
                WireError::new(
                    "invalid_document",
                    "Pas bashkimit të dhënat nuk do të ishin të vlefshme.",
                    "After the merge the data would not be valid.",
                ),
            )
        };
        let mut version = server_version;
        if changed {
            // Where it belongs, its status and its national index entry.
            let (owning_directorate, status, entry) = if is_user {
                let Ok(user) = UserDocument::parse(&document) else {
                    return Ok((invalid(), None));
                };
                if regjistri_domain::access::Role::parse(&user.role).is_none() {
                    return Ok((invalid(), None));
                }
                let before = match &stored {
                    Stored::Live { document, .. } => match UserDocument::parse(document) {
                        Ok(b) => Some(b),
                        // Never judged as a new account: refused.
                        Err(_) => return Ok((invalid(), None)),
                    },
                    _ => None,
                };
                if !user.well_formed() {
                    return Ok((invalid(), None));
                }
                if let Err(error) = account_change_allowed(station, before.as_ref(), &user) {
                    return Ok((rejected(m, error), None));
                }
                // One account per user name, nationally.
                let taken: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM record WHERE entity = 'user'
                        AND document->>'user_name' = $1 AND id <> $2)",
                )
                .bind(&user.user_name)
                .bind(m.entity_id)
                .fetch_one(&mut *conn)
                .await?;
                if taken {
                    return Ok((
                        rejected(
                            m,
                            WireError::new(
                                "user_name_taken",
                                "Ky emër përdoruesi është i zënë në regjistrin kombëtar.",
                                "This user name is taken in the national registry.",
                            ),
                        ),
                        None,
                    ));
                }
                (user.directorate, user.role, Value::Null)
            } else if is_record {
                let file_id = if m.entity == ENTITY_RULE_NOTICE {
                    RuleNotice::deserialize(&document).map(|n| n.file_id).ok()
                } else if is_photo {
                    // Never edited, voided once; and the bytes must be the photo the
                    // document describes (a JPEG or PNG within the limits).
                    if let Stored::Live {
                        document: before, ..
                    } = &stored
                    {
                        if PhotoDocument::change_allowed(before, &document).is_err() {
                            return Ok((rejected(m, photo_changed()), None));
                        }
                    }
                    match PhotoDocument::parse(&document) {
                        Ok((photo, _)) => Some(photo.photo.file_id),
                        Err(e) => {
                            log::info!("photo {} refused: {e}", m.entity_id);
                            None
                        }
                    }
                } else {
                    FileRecord::deserialize(&document).map(|r| r.file_id).ok()
                };
                let Some(file_id) = file_id else {
                    return Ok((invalid(), None));
                };
                // A record belongs to its file's directorate.
                let parent: Option<String> = sqlx::query_scalar(
                    "SELECT owning_directorate FROM record WHERE id = $1 AND entity = 'offender_file'",
                )
                .bind(file_id)
                .fetch_optional(&mut *conn)
                .await?;
                let Some(parent) = parent else {
                    return Ok((
                        rejected(
                            m,
                            WireError::new(
                                "unknown_file",
                                "Serveri nuk e njeh dosjen e këtij regjistrimi.",
                                "The server does not know the file of this record.",
                            ),
                        ),
                        None,
                    ));
                };
                if parent != station.directorate || owning.as_ref().is_some_and(|o| *o != parent) {
                    return Ok((out_of_scope(), None));
                }
                let status = if is_photo { "photo" } else { "record" };
                (parent, status.to_string(), Value::Null)
            } else {
                let approved = approval.as_ref().or(stored_approval.as_ref());
                settle_status(&mut document, approved);
                let Ok(file) = FileDocument::parse(&document) else {
                    return Ok((invalid(), None));
                };
                // A new file must be created in the station's own directorate.
                if owning.is_none() && file.owning_directorate != station.directorate {
                    return Ok((out_of_scope(), None));
                }
                let entry = serde_json::to_value(index_entry(&file))
                    .map_err(|e| CentralError::Corrupt(e.to_string()))?;
                (
                    file.owning_directorate.clone(),
                    file.status.as_str().to_string(),
                    entry,
                )
            };
            let now = self.now();
            // The next feed number, taken by the write itself (one round trip).
            version = sqlx::query_scalar(
                "INSERT INTO record (id, entity, version, owning_directorate, status, document, index_entry,
                    created_at, updated_at, updated_by, approved_data, approved_by, approved_at,
                    first_approved_at, authors)
                 VALUES ($1, $2, nextval('feed_seq'), $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $11,
                    CASE WHEN $12 THEN jsonb_build_array($8::text) ELSE '[]'::jsonb END)
                 ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version,
                    owning_directorate = EXCLUDED.owning_directorate, status = EXCLUDED.status,
                    document = EXCLUDED.document, index_entry = EXCLUDED.index_entry,
                    updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
                    approved_data = coalesce(EXCLUDED.approved_data, record.approved_data),
                    approved_by = coalesce(EXCLUDED.approved_by, record.approved_by),
                    approved_at = coalesce(EXCLUDED.approved_at, record.approved_at),
                    first_approved_at = coalesce(record.first_approved_at, EXCLUDED.first_approved_at),
                    authors = CASE WHEN EXCLUDED.approved_data IS NOT NULL THEN '[]'::jsonb
                        WHEN NOT $12 OR record.authors ? $8::text THEN record.authors
                        ELSE record.authors || jsonb_build_array($8::text) END
                 RETURNING version",
            )
            .bind(m.entity_id)
            .bind(&m.entity)
            .bind(&owning_directorate)
            .bind(&status)
            .bind(&document)
            .bind(entry)
            .bind(now)
            .bind(&m.actor)
            .bind(approval.as_ref())
            .bind(approval.as_ref().map(|_| &m.actor))
            .bind(approval.as_ref().map(|_| m.created_at))
            .bind(authored)
            .fetch_one(&mut *conn)
            .await?;
        }
        let conflict = conflict.map(|(kind, fields)| ConflictView {
            id: Uuid::now_v7(),
            kind,
            record_id: m.entity_id,
            mutation_id: m.mutation_id,
            station: station.code.clone(),
            actor: m.actor.clone(),
            owning_directorate: owning
                .clone()
                .unwrap_or_else(|| station.directorate.clone()),
            fields,
            created_at: self.now(),
            // Stored apart from the conflict: the list reads them from the record.
            authors: Vec::new(),
        });
        let result = MutationResult {
            mutation_id: m.mutation_id,
            outcome: if conflict.is_some() {
                Outcome::Conflict
            } else {
                Outcome::Applied
            },
            version: (version > 0).then_some(version),
            conflict: conflict.as_ref().map(|c| ConflictRef {
                id: c.id,
                kind: c.kind,
                paths: c.fields.iter().map(|f| f.path.clone()).collect(),
            }),
            error: None,
        };
        Ok((result, conflict))
    }

    /// Open conflicts of a directorate, oldest first: what its supervisors must decide.
    pub async fn open_conflicts(
        &self,
        directorate: &str,
    ) -> Result<Vec<ConflictView>, CentralError> {
        let rows = sqlx::query(
            "SELECT c.id, c.kind, c.record_id, c.mutation_id, c.station, c.actor,
                    c.owning_directorate, c.fields, c.created_at,
                    coalesce(r.authors, '[]'::jsonb) AS authors
             FROM conflict c LEFT JOIN record r ON r.id = c.record_id
             WHERE c.owning_directorate = $1 AND c.resolved_at IS NULL
             ORDER BY c.created_at, c.id",
        )
        .bind(directorate)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let kind: String = r.get("kind");
                Ok(ConflictView {
                    id: r.get("id"),
                    kind: regjistri_sync::ConflictKind::parse(&kind)
                        .ok_or_else(|| CentralError::Corrupt(format!("conflict kind {kind}")))?,
                    record_id: r.get("record_id"),
                    mutation_id: r.get("mutation_id"),
                    station: r.get("station"),
                    actor: r.get("actor"),
                    owning_directorate: r.get("owning_directorate"),
                    fields: serde_json::from_value(r.get("fields"))
                        .map_err(|e| CentralError::Corrupt(e.to_string()))?,
                    created_at: r.get("created_at"),
                    authors: serde_json::from_value(r.get("authors"))
                        .map_err(|e| CentralError::Corrupt(format!("authors: {e}")))?,
                })
            })
            .collect()
    }

    /// The server's current copy of a record: its version and document.
    pub async fn record(&self, id: Uuid) -> Result<Option<(i64, Value)>, CentralError> {
        let row = sqlx::query("SELECT version, document FROM record WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (r.get("version"), r.get("document"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(directorate: &str, administration: bool) -> Station {
        Station {
            code: "st-01".into(),
            directorate: directorate.into(),
            cert_sha256: "00".into(),
            disabled: false,
            administration,
        }
    }

    fn account(name: &str, role: &str, directorate: &str) -> UserDocument {
        UserDocument {
            user_name: name.into(),
            role: role.into(),
            directorate: directorate.into(),
            salt: "aa".into(),
            verifier: "bb".into(),
            iterations: 600_000,
            must_change_password: false,
            disabled: false,
        }
    }

    /// The same account with a new password (what a change of one's own password sends).
    fn new_password(a: &UserDocument) -> UserDocument {
        UserDocument {
            salt: "cc".into(),
            verifier: "dd".into(),
            ..a.clone()
        }
    }

    /// (station's directorate, administration, before, after, refusal code)
    type Case<'a> = (
        &'a str,
        bool,
        Option<&'a UserDocument>,
        UserDocument,
        Option<&'a str>,
    );

    #[test]
    fn what_a_station_may_do_to_an_account() {
        let tr = "dvp-tirane";
        let dr = "dvp-durres";
        let clerk_tr = account("vera.leka", "clerk", tr);
        let clerk_dr = account("besa.kola", "clerk", dr);
        let auditor_tr = account("drita.auditore", "auditor", tr);
        let admin_tr = account("agim.admin", "administrator", tr);
        let promoted = UserDocument {
            role: "administrator".into(),
            ..clerk_tr.clone()
        };
        let moved = UserDocument {
            directorate: dr.into(),
            ..clerk_tr.clone()
        };
        let disabled = UserDocument {
            disabled: true,
            ..auditor_tr.clone()
        };
        let reset = UserDocument {
            must_change_password: true,
            ..new_password(&auditor_tr)
        };
        let supervisor = UserDocument {
            role: "supervisor".into(),
            ..clerk_tr.clone()
        };
        // (station's directorate, administration, actor, before, after, refusal code)
        let renamed = UserDocument {
            user_name: "vera.hoxha".into(),
            ..clerk_tr.clone()
        };
        let cases: Vec<Case> = vec![
            // Regional stations: regional accounts of their own directorate.
            (tr, false, None, clerk_tr.clone(), None),
            (tr, false, Some(&clerk_tr), supervisor.clone(), None),
            (tr, false, Some(&clerk_tr), new_password(&clerk_tr), None),
            (tr, false, None, clerk_dr.clone(), Some("out_of_scope")),
            (
                tr,
                false,
                Some(&clerk_dr),
                new_password(&clerk_dr),
                Some("out_of_scope"),
            ),
            (
                dr,
                false,
                Some(&clerk_tr),
                new_password(&clerk_tr),
                Some("out_of_scope"),
            ),
            (
                tr,
                false,
                Some(&clerk_tr),
                moved.clone(),
                Some("out_of_scope"),
            ),
            // ... never a national account, a promotion to one, or any change of one, not
            // even a new password (the officer a mutation names is only the station's word).
            (
                tr,
                false,
                None,
                admin_tr.clone(),
                Some("administration_only"),
            ),
            (
                tr,
                false,
                None,
                auditor_tr.clone(),
                Some("administration_only"),
            ),
            (
                tr,
                false,
                Some(&clerk_tr),
                promoted.clone(),
                Some("administration_only"),
            ),
            (
                tr,
                false,
                Some(&auditor_tr),
                disabled.clone(),
                Some("administration_only"),
            ),
            (
                tr,
                false,
                Some(&auditor_tr),
                reset.clone(),
                Some("administration_only"),
            ),
            (
                tr,
                false,
                Some(&auditor_tr),
                new_password(&auditor_tr),
                Some("administration_only"),
            ),
            (
                dr,
                false,
                Some(&auditor_tr),
                new_password(&auditor_tr),
                Some("administration_only"),
            ),
            // The administration's station manages every account.
            (tr, true, None, admin_tr.clone(), None),
            (tr, true, None, clerk_dr.clone(), None),
            (tr, true, Some(&clerk_tr), promoted.clone(), None),
            (tr, true, Some(&clerk_tr), moved.clone(), None),
            (tr, true, Some(&auditor_tr), reset.clone(), None),
            (tr, true, Some(&auditor_tr), new_password(&auditor_tr), None),
            // Nobody renames an account.
            (
                tr,
                false,
                Some(&clerk_tr),
                renamed.clone(),
                Some("invalid_change"),
            ),
            (
                tr,
                true,
                Some(&clerk_tr),
                renamed.clone(),
                Some("invalid_change"),
            ),
        ];
        for (i, (dir, admin, before, after, refusal)) in cases.into_iter().enumerate() {
            let got = account_change_allowed(&station(dir, admin), before, &after)
                .err()
                .map(|e| e.code);
            assert_eq!(got.as_deref(), refusal, "case {i}");
        }
    }
}
