//! What travels between a station and the central server (JSON over HTTPS, mutual TLS).
//! Endpoints (all under `/v1`, the station named by its client certificate):
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /v1/station` | | [`StationInfo`] |
//! | `POST /v1/push` | [`PushRequest`] | [`PushResponse`] |
//! | `GET /v1/pull?after=C&limit=N[&count=true]` | | [`PullPage`], or `410 resnapshot_required` |
//! | `POST /v1/audit` | [`AuditPush`] | [`AuditAccepted`], or `409 audit_chain_*` |
//! | `GET /v1/conflicts` | | [`ConflictList`] (the station's directorate, open ones) |
//! | `POST /v1/conflicts/{id}/resolve` | [`ResolveRequest`] | [`Resolved`] (the same decision repeated gets the first answer), or `404 conflict_not_found`, `409 conflict_resolved` (decided otherwise) |
//! | `POST /v1/files/{id}/fetch` | [`FetchRequest`] | [`FetchedFile`] (any directorate, online only, logged with the reason) |
//! | `POST /v1/rules` | [`RuleProposal`] | [`RuleSetCreated`], or `400 invalid_request` |
//!
//! Errors are [`WireError`]: a stable code and the message in Albanian and English.

use chrono::{DateTime, NaiveDate, Utc};
use regjistri_domain::diff::FieldChange;
use regjistri_domain::Text;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::merge::{ConflictKind, FieldConflict};

pub const PROTOCOL_VERSION: u32 = 1;
/// At most this many mutations in one push…
pub const MAX_PUSH_MUTATIONS: usize = 100;
/// …and at most this many bytes of request body.
pub const MAX_PUSH_BYTES: usize = 1024 * 1024;
/// At most this many items in one pull page…
pub const MAX_PULL_LIMIT: u32 = 1000;
/// …and a page stops at the item that takes its documents past this many bytes (as the
/// server stores them): a page of photos stays a few megabytes, not hundreds. The first item
/// always goes, so a page is never empty while the feed has more.
pub const MAX_PULL_BYTES: usize = 4 * 1024 * 1024;
/// At most this many audit events in one upload.
pub const MAX_AUDIT_EVENTS: usize = 1000;
/// An offender file: `{status, owning_directorate, data}`.
pub const ENTITY_OFFENDER_FILE: &str = "offender_file";
/// A record about a registered person (check-in, address change, trip, …): the
/// `regjistri_domain::records::FileRecord` as the station's store keeps it. It belongs to the
/// directorate of its file.
pub const ENTITY_FILE_RECORD: &str = "file_record";
/// A user account made or changed at an enrolled station ([`crate::document::UserDocument`]):
/// it goes to the stations of its directorate, and administrators and auditors to every
/// station, so that officers sign in offline wherever they work.
pub const ENTITY_USER: &str = "user";
/// A notice to a person that the rules changed (`regjistri_domain::records::RuleNotice`):
/// like a record, it belongs to its file's directorate.
pub const ENTITY_RULE_NOTICE: &str = "rule_notice";
/// A photo of a registered person ([`crate::document::PhotoDocument`]: what
/// `regjistri_domain::photo::Photo` says, and the bytes base64 in `data`). Like a record it
/// belongs to its file's directorate: pushed only for files of the station's own
/// directorate, pulled only by that directorate's stations, never in the national index.
/// Immutable but for its void (reason, by, at), set once.
pub const ENTITY_PHOTO: &str = "photo";
/// A national rule version. Made only online, on the server (`POST /v1/rules`), which numbers
/// it; it comes down to every station. Never pushed from a change log.
pub const ENTITY_RULE_SET: &str = "rule_set";
/// The national reference data (`regjistri_domain::reference::ReferenceSet`): published by
/// an administrator on the server (`regjistri-server reference publish`), to every station.
pub const ENTITY_REFERENCE: &str = "reference";
/// The one record that holds the national reference data.
pub const REFERENCE_ID: Uuid = Uuid::from_u128(0x0196_5c2e_7a10_4d6b_9c1e_52a1_0b7e_0001);
/// The entities a station pushes from its change log; its other rows (rule versions made
/// before enrolment) stay local.
pub const SYNCED_ENTITIES: &[&str] = &[
    ENTITY_OFFENDER_FILE,
    ENTITY_FILE_RECORD,
    ENTITY_USER,
    ENTITY_RULE_NOTICE,
    ENTITY_PHOTO,
];

/// One row of a station's change log, as pushed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// Made on the station (UUIDv7); the idempotency key of the push.
    pub mutation_id: Uuid,
    pub entity: String,
    pub entity_id: Uuid,
    /// The **server** version of the record the station's copy came from (0: a new record).
    pub base_version: i64,
    /// The change log's field-level diff, list items keyed by id.
    pub diff: Vec<FieldChange>,
    /// The user name of who made the change.
    pub actor: String,
    pub created_at: DateTime<Utc>,
    /// On a mutation that approves a file (sets `status` to `approved`): the
    /// [`content_hash`](crate::document::content_hash) of the data the supervisor approved.
    /// The server applies the approval only to that same data; otherwise it is refused
    /// (`approval_outdated`) and the supervisor looks again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approves: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub mutations: Vec<Mutation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every change is in place at `version`.
    Applied,
    /// Fields that did not collide are in place at `version`; the rest wait in `conflict`.
    Conflict,
    /// Nothing applied and nothing will be: `error` says why. The station quarantines the
    /// mutation and goes on with the others.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictRef {
    pub id: Uuid,
    pub kind: ConflictKind,
    pub paths: Vec<String>,
}

/// What happened to one mutation. Stored with the mutation id: a retry gets the same
/// answer, and the mutation is never applied twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationResult {
    pub mutation_id: Uuid,
    pub outcome: Outcome,
    /// The record's server version after this mutation (absent when rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<ConflictRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One per mutation, in the order pushed.
    pub results: Vec<MutationResult>,
}

/// The minimal national index entry of a file of another directorate: enough to search
/// and to find duplicates, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub owning_directorate: String,
    pub status: String,
    pub nid: Option<String>,
    pub date_of_birth: NaiveDate,
    /// Search keys as `regjistri_domain::names::name_keys` makes them.
    pub keys: Vec<IndexKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexKey {
    pub key: String,
    /// 0 exact, 1 spelling variant (`KeyKind as u8`).
    pub kind: u8,
    /// `NameKey::rank()`.
    pub rank: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PullItem {
    /// A full file of the station's own directorate: `document` is `{status,
    /// owning_directorate, data}` as the station's write path stores it.
    File {
        seq: i64,
        id: Uuid,
        version: i64,
        document: Value,
        /// The version of the data that stands approved, when it was ever approved (it
        /// differs from `document.data` while an amendment waits for approval).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approved: Option<ApprovedCopy>,
        /// Who made the last change of content (a station's user, or a supervisor's
        /// decision on a conflict).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        updated_by: Option<String>,
        /// Everyone who changed the content since it was last approved, at any station:
        /// none of them may approve it (four eyes).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        authors: Vec<String>,
    },
    /// A file of another directorate: its index entry only (and the station drops any full
    /// copy it had, e.g. after a transfer).
    Index {
        seq: i64,
        id: Uuid,
        version: i64,
        entry: IndexEntry,
    },
    /// A record about a file of the station's directorate (records of other directorates'
    /// files are not sent). It may come before its file in the feed.
    Record {
        seq: i64,
        id: Uuid,
        version: i64,
        document: Value,
    },
    /// A photo of a person of the station's directorate
    /// ([`crate::document::PhotoDocument`]). It may come before its file in the feed.
    Photo {
        seq: i64,
        id: Uuid,
        version: i64,
        document: Value,
    },
    /// A notice of a rule change to a person of the station's directorate.
    Notice {
        seq: i64,
        id: Uuid,
        version: i64,
        document: Value,
    },
    /// The national reference data as a whole, to every station.
    Reference {
        seq: i64,
        id: Uuid,
        version: i64,
        document: Value,
    },
    /// A national rule version ([`RuleSetDocument`]), to every station.
    RuleSet {
        seq: i64,
        id: Uuid,
        version: i64,
        document: Value,
    },
    /// A user account of the station's directorate, or an administrator or auditor.
    User {
        seq: i64,
        id: Uuid,
        version: i64,
        document: Value,
    },
    /// The record is gone; the station deletes its copy.
    Tombstone { seq: i64, id: Uuid },
}

impl PullItem {
    pub fn seq(&self) -> i64 {
        match self {
            PullItem::File { seq, .. }
            | PullItem::Index { seq, .. }
            | PullItem::Record { seq, .. }
            | PullItem::Photo { seq, .. }
            | PullItem::User { seq, .. }
            | PullItem::Notice { seq, .. }
            | PullItem::RuleSet { seq, .. }
            | PullItem::Reference { seq, .. }
            | PullItem::Tombstone { seq, .. } => *seq,
        }
    }
}

/// The data of a file as a supervisor approved it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovedCopy {
    pub data: Value,
    pub by: String,
    pub at: DateTime<Utc>,
    /// When the file was first approved (reports are owed from then).
    pub first_at: DateTime<Utc>,
}

/// One page of the feed, items in strictly increasing `seq`. The station applies the page
/// and stores `next_cursor` in the same local transaction, then asks again with
/// `after = next_cursor` while `more` is true. Each record appears at most once per page,
/// at its latest state, so re-applying a page is harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullPage {
    pub items: Vec<PullItem>,
    pub next_cursor: i64,
    pub more: bool,
    /// How many feed entries come after `next_cursor`, when asked for (`count=true`; for a
    /// progress bar, an estimate when records change meanwhile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
}

/// One audit event of a station, exactly as its store recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventWire {
    /// The station's own sequence number (1, 2, …, no gaps).
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub actor: String,
    pub station: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPush {
    /// In order; the first continues the chain where the server's copy ends (or repeats
    /// events it already has, which must match them exactly).
    pub events: Vec<AuditEventWire>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAccepted {
    /// Events newly stored by this upload.
    pub stored: u64,
    pub head_seq: i64,
    pub head_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationInfo {
    pub code: String,
    pub directorate: String,
    /// A station of the central administration (accounts of every directorate, national
    /// roles, rule versions); absent from older servers, which made no such distinction.
    #[serde(default)]
    pub administration: bool,
    pub protocol_version: u32,
}

/// An open conflict, for a supervisor of the owning directorate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictView {
    pub id: Uuid,
    pub kind: ConflictKind,
    pub record_id: Uuid,
    pub mutation_id: Uuid,
    pub station: String,
    pub actor: String,
    pub owning_directorate: String,
    pub fields: Vec<FieldConflict>,
    pub created_at: DateTime<Utc>,
    /// Who may not decide it besides `actor` (four eyes, as the server checks): those who
    /// changed the file since its last approval, or who made, voided or confirmed the record.
    /// Absent from older servers.
    #[serde(default)]
    pub authors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictList {
    pub conflicts: Vec<ConflictView>,
}

/// A supervisor's decision on a conflict: the value kept for each contested path (the
/// server's, the station's, or one typed by the supervisor). No values: the conflict is
/// closed and the server's content stays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolveRequest {
    /// The supervisor's user name (the station checked the role and four eyes).
    pub resolved_by: String,
    #[serde(default)]
    pub values: Vec<ChosenValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChosenValue {
    pub path: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub conflict_id: Uuid,
    pub record_id: Uuid,
    /// The record's new version, when the decision changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// Asking for the full file of another directorate, online only: who and why (logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchRequest {
    pub actor: String,
    /// 1 to 500 characters.
    pub reason: String,
}

/// Another directorate's file as the server holds it, with what the station needs to judge
/// whether the person is registered: compliance is derived from the approved data, the
/// records and the notices with the station's own (national) rule book and today's date,
/// exactly as the owning station derives it. Never photos, never any other record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchedFile {
    pub id: Uuid,
    pub version: i64,
    /// `{status, owning_directorate, data}`: the current content, which may be an amendment
    /// (or a new file) that nobody approved yet.
    pub document: Value,
    /// The data that stands approved and the first approval, when the file was ever
    /// approved (it differs from `document.data` while an amendment waits for approval).
    /// Absent: never approved, so nobody is registered by it. (Servers before this field
    /// sent none: the station then reports the person as not registered.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<ApprovedCopy>,
    /// The file's records ([`ENTITY_FILE_RECORD`] documents, voided and unconfirmed ones
    /// too), as the server holds them.
    #[serde(default)]
    pub records: Vec<Value>,
    /// The file's notices of rule changes ([`ENTITY_RULE_NOTICE`] documents).
    #[serde(default)]
    pub notices: Vec<Value>,
}

/// A new national rule version, as an administrator at a station proposes it (online). The
/// server checks it, numbers it and sends it to every station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleProposal {
    /// Made at the station: the idempotency key (a retry after a lost reply gets the version
    /// made the first time) and the rule version's record id.
    pub id: Uuid,
    pub effective_from: NaiveDate,
    /// `regjistri_domain::rules::RuleValues`.
    pub values: Value,
    pub note: String,
    pub created_by: String,
}

/// A national rule version as it travels: `regjistri_domain::rules::RuleSet` and who made
/// it when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetDocument {
    #[serde(flatten)]
    pub set: regjistri_domain::rules::RuleSet,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetCreated {
    pub id: Uuid,
    /// The national version number.
    pub version: u32,
}

/// Every error the server sends: a stable machine code and the message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    pub code: String,
    pub message: Text,
}

impl WireError {
    pub fn new(code: &str, sq: &str, en: &str) -> WireError {
        WireError {
            code: code.to_string(),
            message: Text::new(sq, en),
        }
    }
}

/// Splits pending mutations, in order, into push batches of at most
/// [`MAX_PUSH_MUTATIONS`] and (with the envelope) [`MAX_PUSH_BYTES`]. A single mutation
/// larger than the limit goes alone (the server refuses it `413 batch_too_large`, and the
/// worker quarantines it with that error).
pub fn batches(mutations: Vec<Mutation>) -> Vec<Vec<Mutation>> {
    const ENVELOPE: usize = 64;
    let mut out: Vec<Vec<Mutation>> = Vec::new();
    let mut current: Vec<Mutation> = Vec::new();
    let mut size = ENVELOPE;
    for m in mutations {
        let len = serde_json::to_vec(&m)
            .map(|v| v.len())
            .unwrap_or(MAX_PUSH_BYTES)
            + 1;
        if !current.is_empty()
            && (current.len() == MAX_PUSH_MUTATIONS || size + len > MAX_PUSH_BYTES)
        {
            out.push(std::mem::take(&mut current));
            size = ENVELOPE;
        }
        size += len;
        current.push(m);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mutation(payload: usize) -> Mutation {
        Mutation {
            mutation_id: Uuid::now_v7(),
            entity: ENTITY_OFFENDER_FILE.into(),
            entity_id: Uuid::now_v7(),
            base_version: 0,
            diff: vec![FieldChange {
                path: "data.description.marks".into(),
                old: Value::Null,
                new: Value::String("x".repeat(payload)),
            }],
            actor: "a".into(),
            created_at: DateTime::<Utc>::default(),
            approves: None,
        }
    }

    #[test]
    fn batches_respect_count_and_size_and_keep_order() {
        let small: Vec<Mutation> = (0..250).map(|_| mutation(10)).collect();
        let ids: Vec<Uuid> = small.iter().map(|m| m.mutation_id).collect();
        let b = batches(small);
        assert_eq!(
            b.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![100, 100, 50]
        );
        let again: Vec<Uuid> = b.iter().flatten().map(|m| m.mutation_id).collect();
        assert_eq!(again, ids);
        let big: Vec<Mutation> = (0..5).map(|_| mutation(300_000)).collect();
        for batch in batches(big) {
            let bytes = serde_json::to_vec(&PushRequest { mutations: batch })
                .unwrap()
                .len();
            assert!(bytes <= MAX_PUSH_BYTES, "{bytes}");
        }
        assert_eq!(batches(vec![mutation(2_000_000)]).len(), 1);
        assert!(batches(vec![]).is_empty());
    }

    #[test]
    fn pull_items_are_tagged_by_kind() {
        let item = PullItem::Tombstone {
            seq: 7,
            id: Uuid::nil(),
        };
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            json!({"kind": "tombstone", "seq": 7, "id": "00000000-0000-0000-0000-000000000000"})
        );
    }

    #[test]
    fn a_fetched_file_from_an_older_server_has_no_approval_records_or_notices() {
        let id = Uuid::nil();
        let old: FetchedFile = serde_json::from_value(json!({
            "id": id, "version": 3, "document": {"status": "approved"}
        }))
        .unwrap();
        assert_eq!(old.approved, None);
        assert!(old.records.is_empty() && old.notices.is_empty());
        // The lists always travel, even empty; the approval only when there is one.
        let sent = serde_json::to_value(&old).unwrap();
        assert_eq!(sent["records"], json!([]));
        assert_eq!(sent["notices"], json!([]));
        assert!(sent.get("approved").is_none());
    }

    #[test]
    fn a_result_without_conflict_or_error_omits_them() {
        let r = MutationResult {
            mutation_id: Uuid::nil(),
            outcome: Outcome::Applied,
            version: Some(3),
            conflict: None,
            error: None,
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"mutation_id": "00000000-0000-0000-0000-000000000000", "outcome": "applied", "version": 3})
        );
    }
}
