//! A supervisor's decision on a conflict, and the full file of another directorate fetched
//! online with a reason. Both audited in the server's trail.

use regjistri_domain::records::{FileRecord, RuleNotice};
use regjistri_domain::reference::ReferenceSet;
use regjistri_domain::rules::{self, RuleSet, RuleValues};
use regjistri_sync::document::{apply, FileDocument};
use regjistri_sync::protocol::{
    ChosenValue, FetchedFile, Resolved, RuleProposal, RuleSetCreated, RuleSetDocument,
    ENTITY_FILE_RECORD, ENTITY_OFFENDER_FILE, ENTITY_RULE_NOTICE, REFERENCE_ID,
};
use serde::Deserialize;
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

use crate::push::{index_entry, settle_status};
use crate::{audit, Central, CentralError, Station, FEED_LOCK};

/// A decision as `conflict.resolution` keeps it: what was chosen and the version it made, so
/// that the same decision repeated gets the same answer.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredResolution {
    values: Vec<ChosenValue>,
    version: Option<i64>,
}

/// The two copies a decision chooses between: the server's current one and the one the
/// station that collided holds.
#[derive(Clone, Copy)]
struct Sides<'a> {
    server: &'a Value,
    station: &'a Value,
}

impl Sides<'_> {
    /// Whether the decided copy holds, for each of `keys` taken together, exactly what one
    /// side holds: a void, a confirmation or a service is someone's act, never typed or put
    /// together from two (which would let a supervisor confirm a death in the name of the
    /// person who recorded it, or serve a notice on a day nobody served it).
    fn one_side_whole(&self, merged: &Value, keys: &[&str]) -> bool {
        let part = |v: &Value| keys.iter().map(|k| v.get(*k).cloned()).collect::<Vec<_>>();
        let chosen = part(merged);
        chosen == part(self.server) || chosen == part(self.station)
    }
}

/// A decided record as it will be stored, checked for its kind. A file (its status settled:
/// a decision may change approved data, which then waits for approval again) gives its
/// directorate, status and national index entry. A record about a file or a notice (its
/// void, confirmation or service was set differently at two stations) must still be one, of
/// the same file, with its void, confirmation and service each one side's as a whole: it
/// keeps where it belongs and its status (`None`). Nothing else is decided here (photos and
/// accounts never wait for a supervisor).
fn decided_record(
    entity: &str,
    merged: &mut Value,
    sides: Sides<'_>,
    approved: Option<&Value>,
) -> Result<Option<(String, String, Value)>, CentralError> {
    let same_file = |file_id: Uuid| {
        sides.server.get("file_id").and_then(Value::as_str) == Some(file_id.to_string().as_str())
    };
    let acts_whole = |groups: &[&[&str]]| groups.iter().all(|g| sides.one_side_whole(merged, g));
    match entity {
        ENTITY_OFFENDER_FILE => {
            settle_status(merged, approved);
            let file = FileDocument::parse(merged).map_err(|_| {
                CentralError::ChoiceInvalid("the chosen values make the file invalid".into())
            })?;
            let entry = serde_json::to_value(index_entry(&file))
                .map_err(|e| CentralError::Corrupt(e.to_string()))?;
            Ok(Some((
                file.owning_directorate.clone(),
                file.status.as_str().to_string(),
                entry,
            )))
        }
        ENTITY_FILE_RECORD => match FileRecord::deserialize(&*merged) {
            Ok(r) if same_file(r.file_id) && acts_whole(&[&["void"], &["confirmation"]]) => {
                Ok(None)
            }
            _ => Err(CentralError::ChoiceInvalid(
                "the chosen values make the record invalid".into(),
            )),
        },
        ENTITY_RULE_NOTICE => match RuleNotice::deserialize(&*merged) {
            Ok(n)
                if same_file(n.file_id)
                    && n.served_on.is_some() == n.served_by.is_some()
                    && acts_whole(&[&["served_on", "served_by"]]) =>
            {
                Ok(None)
            }
            _ => Err(CentralError::ChoiceInvalid(
                "the chosen values make the notice invalid".into(),
            )),
        },
        _ => Err(CentralError::Invalid(
            "only files, records and notices are decided".into(),
        )),
    }
}

impl Central {
    /// Closes an open conflict of the station's directorate, writing the chosen value of
    /// each contested path (only those paths) as a new version of the record. A choice that
    /// would make the file (or record, or notice) invalid is refused and the conflict stays
    /// open. Idempotent: the same decision repeated by the same supervisor at the same station
    /// (a retry after a lost reply) gets the first answer; another decision on a decided
    /// conflict is refused.
    pub async fn resolve_conflict(
        &self,
        station: &Station,
        conflict_id: Uuid,
        resolved_by: &str,
        values: &[ChosenValue],
    ) -> Result<Resolved, CentralError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(FEED_LOCK)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "SELECT record_id, actor, fields, resolved_at IS NOT NULL AS resolved, resolved_by,
                    resolution
             FROM conflict WHERE id = $1 AND owning_directorate = $2 FOR UPDATE",
        )
        .bind(conflict_id)
        .bind(&station.directorate)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| CentralError::ConflictNotFound(conflict_id.to_string()))?;
        let record_id: Uuid = row.get("record_id");
        let decider = format!("{}/{resolved_by}", station.code);
        if row.get::<bool, _>("resolved") {
            // The same decision again, from the same supervisor at the same station: a retry
            // after a lost reply gets the answer the first one got. Anything else is refused.
            let stored: Option<StoredResolution> = row
                .get::<Option<Value>, _>("resolution")
                .and_then(|r| serde_json::from_value(r).ok());
            return match stored {
                Some(s)
                    if row.get::<Option<String>, _>("resolved_by").as_deref()
                        == Some(decider.as_str())
                        && s.values == values =>
                {
                    Ok(Resolved {
                        conflict_id,
                        record_id,
                        version: s.version,
                    })
                }
                _ => Err(CentralError::ConflictResolved(conflict_id.to_string())),
            };
        }
        // Four eyes: not the officer whose change collided, nor one who changed the file
        // since its last approval (the other side of the conflict among them).
        let authors: Option<Value> = sqlx::query_scalar("SELECT authors FROM record WHERE id = $1")
            .bind(record_id)
            .fetch_optional(&mut *tx)
            .await?;
        let authored = authors
            .and_then(|a| serde_json::from_value::<Vec<String>>(a).ok())
            .is_some_and(|a| a.iter().any(|x| x == resolved_by));
        if row.get::<String, _>("actor") == resolved_by || authored {
            return Err(CentralError::OwnWork(conflict_id.to_string()));
        }
        // An approval binds the data the supervisor saw: it is made at a station, never by
        // choosing a status here.
        if values
            .iter()
            .any(|v| v.path == "status" && v.value.as_str() == Some("approved"))
        {
            return Err(CentralError::Invalid(
                "a decision cannot approve a file; approve it at a station".into(),
            ));
        }
        let fields: Vec<regjistri_sync::FieldConflict> = serde_json::from_value(row.get("fields"))
            .map_err(|e| CentralError::Corrupt(e.to_string()))?;
        if values
            .iter()
            .any(|v| !fields.iter().any(|f| f.path == v.path))
        {
            return Err(CentralError::Invalid(
                "a path that is not in the conflict".into(),
            ));
        }
        let mut version = None;
        if !values.is_empty() {
            type Current = (String, String, String, Value, Option<Value>);
            let (entity, owning_directorate, status, document, approved): Current = sqlx::query_as(
                "SELECT entity, owning_directorate, status, document, approved_data
                     FROM record WHERE id = $1 FOR UPDATE",
            )
            .bind(record_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| CentralError::RecordNotFound(record_id.to_string()))?;
            let mut merged = document.clone();
            for v in values {
                apply(&mut merged, &v.path, &v.value)
                    .map_err(|_| CentralError::ChoiceInvalid("a value that does not fit".into()))?;
            }
            // The record as the station that collided holds it: the server's with the
            // station's value of every contested path.
            let mut station_copy = document.clone();
            for f in &fields {
                if apply(&mut station_copy, &f.path, &f.station).is_err() {
                    station_copy = document.clone();
                    break;
                }
            }
            let sides = Sides {
                server: &document,
                station: &station_copy,
            };
            let (owning_directorate, status, entry) =
                decided_record(&entity, &mut merged, sides, approved.as_ref())?.unwrap_or((
                    owning_directorate,
                    status,
                    Value::Null,
                ));
            if merged != document {
                let v: i64 = sqlx::query_scalar("SELECT nextval('feed_seq')")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE record SET version = $2, owning_directorate = $3, status = $4, document = $5,
                        index_entry = $6, updated_at = $7, updated_by = $8,
                        authors = CASE WHEN authors ? $8 THEN authors
                            ELSE authors || jsonb_build_array($8::text) END
                     WHERE id = $1",
                )
                .bind(record_id)
                .bind(v)
                .bind(&owning_directorate)
                .bind(&status)
                .bind(&merged)
                .bind(entry)
                .bind(self.now())
                .bind(resolved_by)
                .execute(&mut *tx)
                .await?;
                version = Some(v);
            }
        }
        sqlx::query(
            "UPDATE conflict SET resolved_at = $2, resolved_by = $3, resolution = $4 WHERE id = $1",
        )
        .bind(conflict_id)
        .bind(self.now())
        .bind(&decider)
        .bind(
            serde_json::to_value(StoredResolution {
                values: values.to_vec(),
                version,
            })
            .map_err(|e| CentralError::Corrupt(e.to_string()))?,
        )
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.now(),
            &decider,
            "conflict.resolve",
            "conflict",
            &conflict_id.to_string(),
            "ok",
        )
        .await?;
        tx.commit().await?;
        log::info!(
            "conflict {conflict_id} on record {record_id} resolved by station {}",
            station.code
        );
        Ok(Resolved {
            conflict_id,
            record_id,
            version,
        })
    }

    /// The full file of any directorate, for a station online: who asked and why go into
    /// the access log, and the fetch into the server's trail.
    pub async fn fetch_file(
        &self,
        station: &Station,
        id: Uuid,
        actor: &str,
        reason: &str,
    ) -> Result<FetchedFile, CentralError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 || actor.trim().is_empty() {
            return Err(CentralError::Invalid(
                "a reason (1-500 characters) and an actor".into(),
            ));
        }
        let mut tx = self.pool.begin().await?;
        // Only files: never an account (its verifier) or anything else by its id. With the
        // file, in the same statement (one snapshot), what stands approved and the file's
        // records and notices, so that the station can tell whether the person is
        // registered; never its photos, never another record.
        let row = sqlx::query(
            "SELECT f.version, f.document, f.approved_data, f.approved_by, f.approved_at,
                    f.first_approved_at,
                    coalesce((SELECT jsonb_agg(r.document ORDER BY r.version) FROM record r
                               WHERE r.entity = 'file_record'
                                 AND r.document->>'file_id' = f.id::text), '[]') AS records,
                    coalesce((SELECT jsonb_agg(n.document ORDER BY n.version) FROM record n
                               WHERE n.entity = 'rule_notice'
                                 AND n.document->>'file_id' = f.id::text), '[]') AS notices
             FROM record f WHERE f.id = $1 AND f.entity = 'offender_file'",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| CentralError::RecordNotFound(id.to_string()))?;
        let approved = crate::feed::approved_copy(&row);
        let list = |column: &str| -> Result<Vec<Value>, CentralError> {
            match row.get::<Value, _>(column) {
                Value::Array(items) => Ok(items),
                _ => Err(CentralError::Corrupt(format!("{column} of file {id}"))),
            }
        };
        let records = list("records")?;
        let notices = list("notices")?;
        sqlx::query(
            "INSERT INTO file_access (id, record_id, station_code, actor, reason, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(id)
        .bind(&station.code)
        .bind(actor)
        .bind(reason)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.now(),
            &format!("{}/{actor}", station.code),
            "file.fetch",
            "offender_file",
            &id.to_string(),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(FetchedFile {
            id,
            version: row.get("version"),
            document: row.get("document"),
            approved,
            records,
            notices,
        })
    }
}

impl Central {
    /// A new national rule version proposed by an administrator at a station: checked,
    /// numbered after the latest, kept as a record every station pulls. Idempotent by the
    /// proposal's id.
    pub async fn add_rule_set(
        &self,
        station: &Station,
        proposal: &RuleProposal,
    ) -> Result<RuleSetCreated, CentralError> {
        if !station.administration {
            return Err(CentralError::AdministrationOnly(station.code.clone()));
        }
        let values: RuleValues = serde_json::from_value(proposal.values.clone())
            .map_err(|_| CentralError::Invalid("rule values".into()))?;
        if !values.check().is_empty() {
            return Err(CentralError::Invalid("rule values out of range".into()));
        }
        let today = regjistri_domain::dates::local_date(self.now());
        if !rules::check_effective_date(proposal.effective_from, today).is_empty()
            || proposal.note.chars().count() > 2000
            || proposal.created_by.trim().is_empty()
        {
            return Err(CentralError::Invalid(
                "effective date, note or author".into(),
            ));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(FEED_LOCK)
            .execute(&mut *tx)
            .await?;
        if let Some(doc) = sqlx::query_scalar::<_, Value>(
            "SELECT document FROM record WHERE id = $1 AND entity = 'rule_set'",
        )
        .bind(proposal.id)
        .fetch_optional(&mut *tx)
        .await?
        {
            let made: RuleSetDocument =
                serde_json::from_value(doc).map_err(|e| CentralError::Corrupt(e.to_string()))?;
            return Ok(RuleSetCreated {
                id: proposal.id,
                version: made.set.version,
            });
        }
        // Every station starts with the provisional defaults as version 1.
        let latest: Option<(i32, chrono::NaiveDate)> = sqlx::query_as(
            "SELECT (document->>'version')::int, (document->>'effective_from')::date FROM record
             WHERE entity = 'rule_set' ORDER BY (document->>'version')::int DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        if latest.is_some_and(|(_, from)| proposal.effective_from < from) {
            return Err(CentralError::Invalid(
                "a rule version cannot start before the latest one".into(),
            ));
        }
        let version = latest.map_or(2, |(v, _)| u32::try_from(v).unwrap_or(1) + 1);
        let document = serde_json::to_value(RuleSetDocument {
            set: RuleSet {
                version,
                effective_from: proposal.effective_from,
                values,
                provisional: false,
                note: proposal.note.clone(),
            },
            created_by: format!("{}/{}", station.code, proposal.created_by),
            created_at: self.now(),
        })
        .map_err(|e| CentralError::Corrupt(e.to_string()))?;
        let seq: i64 = sqlx::query_scalar("SELECT nextval('feed_seq')")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO record (id, entity, version, owning_directorate, status, document, index_entry,
                created_at, updated_at, updated_by)
             VALUES ($1, 'rule_set', $2, 'national', 'rule_set', $3, 'null'::jsonb, $4, $4, $5)",
        )
        .bind(proposal.id)
        .bind(seq)
        .bind(&document)
        .bind(self.now())
        .bind(&proposal.created_by)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.now(),
            &format!("{}/{}", station.code, proposal.created_by),
            "rules.create",
            "rule_set",
            &version.to_string(),
            "ok",
        )
        .await?;
        tx.commit().await?;
        log::info!("rule version {version} made by station {}", station.code);
        Ok(RuleSetCreated {
            id: proposal.id,
            version,
        })
    }
}

impl Central {
    /// The national reference data: the last set published, or the one this build carries.
    pub async fn reference(&self) -> Result<ReferenceSet, CentralError> {
        let doc: Option<Value> = sqlx::query_scalar(
            "SELECT document FROM record WHERE id = $1 AND entity = 'reference'",
        )
        .bind(REFERENCE_ID)
        .fetch_optional(&self.pool)
        .await?;
        match doc {
            Some(d) => serde_json::from_value(d).map_err(|e| CentralError::Corrupt(e.to_string())),
            None => ReferenceSet::provisional().map_err(|e| CentralError::Corrupt(e.to_string())),
        }
    }

    /// Publishes new national reference data (an administrator, on the server): it must keep
    /// every row of the set it replaces (dated rows are ended, never deleted) and refer only
    /// to what it holds; every station gets it with its next pull.
    pub async fn publish_reference(
        &self,
        set: &ReferenceSet,
        by: &str,
    ) -> Result<i64, CentralError> {
        let previous = self.reference().await?;
        let problems = set.check_successor(&previous);
        if !problems.is_empty() {
            return Err(CentralError::Invalid(problems.join("; ")));
        }
        let document =
            serde_json::to_value(set).map_err(|e| CentralError::Corrupt(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(FEED_LOCK)
            .execute(&mut *tx)
            .await?;
        let seq: i64 = sqlx::query_scalar("SELECT nextval('feed_seq')")
            .fetch_one(&mut *tx)
            .await?;
        let written = sqlx::query(
            "INSERT INTO record (id, entity, version, owning_directorate, status, document, index_entry,
                created_at, updated_at, updated_by)
             VALUES ($1, 'reference', $2, 'national', $3, $4, 'null'::jsonb, $5, $5, $6)
             ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status,
                document = EXCLUDED.document, updated_at = EXCLUDED.updated_at,
                updated_by = EXCLUDED.updated_by
             WHERE record.entity = 'reference'",
        )
        .bind(REFERENCE_ID)
        .bind(seq)
        .bind(&set.version)
        .bind(&document)
        .bind(self.now())
        .bind(by)
        .execute(&mut *tx)
        .await?;
        if written.rows_affected() != 1 {
            // Its id is held by something else: never report a publication no station gets.
            return Err(CentralError::Corrupt(
                "the reference data's record id is taken".into(),
            ));
        }
        audit::append(
            &mut tx,
            self.now(),
            by,
            "reference.publish",
            "reference",
            &set.version,
            "ok",
        )
        .await?;
        tx.commit().await?;
        log::info!("reference data {} published", set.version);
        Ok(seq)
    }
}
