//! Versioned migrations. Each runs in one transaction and records its version; a database
//! from a newer build is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::StoreError;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, V1),
    (2, V2),
    (3, V3),
    (4, V4),
    (5, V5),
    (6, V6),
    (7, V7),
];

pub const LATEST: i64 = 7;

const V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE ref_article (
    code TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT, confirmed INTEGER NOT NULL,
    title_sq TEXT NOT NULL, title_en TEXT NOT NULL,
    PRIMARY KEY (code, valid_from)
) WITHOUT ROWID;
CREATE TABLE ref_county (code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE ref_municipality (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, county_code TEXT NOT NULL REFERENCES ref_county(code)
) WITHOUT ROWID;
CREATE TABLE ref_directorate (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, county_code TEXT NOT NULL REFERENCES ref_county(code)
) WITHOUT ROWID;
CREATE TABLE ref_jurisdiction (
    municipality_code TEXT NOT NULL REFERENCES ref_municipality(code),
    directorate_code TEXT NOT NULL REFERENCES ref_directorate(code),
    valid_from TEXT NOT NULL, valid_to TEXT, confirmed INTEGER NOT NULL,
    PRIMARY KEY (municipality_code, valid_from)
) WITHOUT ROWID;
CREATE TABLE ref_court (
    code TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
    valid_from TEXT NOT NULL, valid_to TEXT, confirmed INTEGER NOT NULL,
    PRIMARY KEY (code, valid_from)
) WITHOUT ROWID;
CREATE TABLE ref_country (code TEXT PRIMARY KEY, name_sq TEXT NOT NULL, name_en TEXT NOT NULL) WITHOUT ROWID;

-- One row per offender file: the columns a result list needs, derived from the content by
-- the write path. Kept narrow so that listing touches few pages.
CREATE TABLE offender_file (
    rowid              INTEGER PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    version            INTEGER NOT NULL CHECK (version >= 1),
    status             TEXT NOT NULL,
    owning_directorate TEXT NOT NULL,
    surname            TEXT NOT NULL,
    given_name         TEXT NOT NULL,
    father_name        TEXT NOT NULL,
    date_of_birth      TEXT NOT NULL,
    nid                TEXT,
    municipality_code  TEXT,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    updated_by         TEXT NOT NULL
);
CREATE INDEX offender_file_nid ON offender_file(nid) WHERE nid IS NOT NULL;
CREATE INDEX offender_file_dob ON offender_file(date_of_birth);
CREATE INDEX offender_file_municipality ON offender_file(municipality_code);

-- The versioned content of a file (JSON of FileData).
CREATE TABLE file_document (
    file INTEGER PRIMARY KEY REFERENCES offender_file(rowid),
    data TEXT NOT NULL
);

-- Folded name keys (regjistri_domain::names), computed once by the write path.
CREATE TABLE name_key (
    file  INTEGER NOT NULL REFERENCES offender_file(rowid),
    key   TEXT NOT NULL,
    kind  INTEGER NOT NULL,
    field INTEGER NOT NULL,
    PRIMARY KEY (file, kind, key)
) WITHOUT ROWID;

-- Every change, for synchronisation: client-made mutation id (UUIDv7), field-level diff,
-- the version it was made against.
CREATE TABLE change_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id  TEXT NOT NULL UNIQUE,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    diff         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    station      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    pushed_at    TEXT
);
CREATE INDEX change_log_entity ON change_log(entity_id, version);
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
CREATE TRIGGER change_log_only_push_mark BEFORE UPDATE ON change_log
WHEN NEW.seq IS NOT OLD.seq OR NEW.mutation_id IS NOT OLD.mutation_id OR NEW.entity IS NOT OLD.entity
  OR NEW.entity_id IS NOT OLD.entity_id OR NEW.base_version IS NOT OLD.base_version
  OR NEW.version IS NOT OLD.version OR NEW.diff IS NOT OLD.diff OR NEW.actor IS NOT OLD.actor
  OR NEW.station IS NOT OLD.station OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'change_log rows are immutable'); END;

-- Append-only, hash-chained audit trail. No personal field values: ids and codes only.
CREATE TABLE audit_event (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    station     TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"#;

/// Users of the workstation and their sign-in state (issue 3). Passwords are kept as
/// PBKDF2-HMAC-SHA256 verifiers with a per-user random salt.
const V2: &str = r#"
CREATE TABLE app_user (
    id                   TEXT PRIMARY KEY,
    user_name            TEXT NOT NULL UNIQUE,
    role                 TEXT NOT NULL,
    directorate          TEXT NOT NULL,
    salt                 BLOB NOT NULL,
    verifier             BLOB NOT NULL,
    iterations           INTEGER NOT NULL CHECK (iterations >= 600000),
    must_change_password INTEGER NOT NULL,
    disabled             INTEGER NOT NULL,
    locked_at            TEXT,
    created_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sign_in_failure (
    user_id TEXT NOT NULL REFERENCES app_user(id),
    at      TEXT NOT NULL
);
CREATE INDEX sign_in_failure_user ON sign_in_failure(user_id, at);

-- Four-eyes approval: each approved version is kept as it was approved, immutably.
CREATE TABLE approved_version (
    file        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    PRIMARY KEY (file, version)
) WITHOUT ROWID;
CREATE TRIGGER approved_version_no_update BEFORE UPDATE ON approved_version
BEGIN SELECT RAISE(ABORT, 'approved versions are immutable'); END;
CREATE TRIGGER approved_version_no_delete BEFORE DELETE ON approved_version
BEGIN SELECT RAISE(ABORT, 'approved versions are immutable'); END;

-- Why a version was returned to its author.
ALTER TABLE change_log ADD COLUMN reason TEXT;
"#;

/// Obligations and compliance (issue 5): rule-set versions, records about a registered
/// person, and notices of rule changes. Rule versions are immutable; records are voided,
/// never edited or deleted; a notice changes only once, when it is served.
const V3: &str = r#"
CREATE TABLE rule_set (
    version        INTEGER PRIMARY KEY,
    effective_from TEXT NOT NULL,
    rule_values    TEXT NOT NULL,
    provisional    INTEGER NOT NULL,
    note           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE TRIGGER rule_set_no_update BEFORE UPDATE ON rule_set
BEGIN SELECT RAISE(ABORT, 'rule versions are immutable'); END;
CREATE TRIGGER rule_set_no_delete BEFORE DELETE ON rule_set
BEGIN SELECT RAISE(ABORT, 'rule versions are immutable'); END;

CREATE TABLE file_record (
    id           TEXT PRIMARY KEY,
    file_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    record_date  TEXT NOT NULL,
    data         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    void_reason  TEXT,
    voided_by    TEXT,
    voided_at    TEXT,
    confirmed_by TEXT,
    confirmed_at TEXT,
    CHECK ((void_reason IS NULL) = (voided_by IS NULL) AND (void_reason IS NULL) = (voided_at IS NULL)),
    CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL))
) WITHOUT ROWID;
CREATE INDEX file_record_file ON file_record(file_id, record_date);
CREATE TRIGGER file_record_no_delete BEFORE DELETE ON file_record
BEGIN SELECT RAISE(ABORT, 'records are voided, never deleted'); END;
CREATE TRIGGER file_record_only_void_or_confirm BEFORE UPDATE ON file_record
WHEN NEW.id IS NOT OLD.id OR NEW.file_id IS NOT OLD.file_id OR NEW.kind IS NOT OLD.kind
  OR NEW.record_date IS NOT OLD.record_date OR NEW.data IS NOT OLD.data
  OR NEW.recorded_at IS NOT OLD.recorded_at OR NEW.recorded_by IS NOT OLD.recorded_by
  OR (OLD.void_reason IS NOT NULL AND (NEW.void_reason IS NOT OLD.void_reason
      OR NEW.voided_by IS NOT OLD.voided_by OR NEW.voided_at IS NOT OLD.voided_at))
  OR (OLD.confirmed_by IS NOT NULL AND (NEW.confirmed_by IS NOT OLD.confirmed_by
      OR NEW.confirmed_at IS NOT OLD.confirmed_at))
  OR (OLD.void_reason IS NOT NULL AND NEW.confirmed_by IS NOT OLD.confirmed_by)
BEGIN SELECT RAISE(ABORT, 'a record only changes once to be voided, and once to be confirmed'); END;

CREATE TABLE rule_notice (
    id           TEXT PRIMARY KEY,
    file_id      TEXT NOT NULL,
    rule_version INTEGER NOT NULL REFERENCES rule_set(version),
    created_at   TEXT NOT NULL,
    served_on    TEXT,
    served_by    TEXT,
    UNIQUE (file_id, rule_version),
    CHECK ((served_on IS NULL) = (served_by IS NULL))
) WITHOUT ROWID;
CREATE INDEX rule_notice_file ON rule_notice(file_id);
CREATE TRIGGER rule_notice_no_delete BEFORE DELETE ON rule_notice
BEGIN SELECT RAISE(ABORT, 'notices are never deleted'); END;
CREATE TRIGGER rule_notice_only_serve BEFORE UPDATE ON rule_notice
WHEN OLD.served_on IS NOT NULL OR NEW.served_on IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.file_id IS NOT OLD.file_id
  OR NEW.rule_version IS NOT OLD.rule_version OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'a notice only changes once, when it is served'); END;
"#;

/// Synchronisation with the central server (issue 4), the station's side: the server
/// version of each local copy, where each change-log row came from, what the server answered
/// to changes that did not simply apply, and the national index of other directorates' files.
const V4: &str = r#"
-- The server version this copy came from (0: never synchronised), and the first approval
-- as the server knows it (a station may hold only the latest approved version).
ALTER TABLE offender_file ADD COLUMN server_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offender_file ADD COLUMN first_approved_at TEXT;
-- Who changed it since its last approval, at any station, as the server last said (JSON).
ALTER TABLE offender_file ADD COLUMN remote_authors TEXT NOT NULL DEFAULT '[]';
ALTER TABLE file_record ADD COLUMN server_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN server_version INTEGER NOT NULL DEFAULT 0;
-- National rule versions come from the server (numbered there).
ALTER TABLE rule_set ADD COLUMN from_server INTEGER NOT NULL DEFAULT 0;
-- A notice still changes only once, when it is served; its server version may follow.
ALTER TABLE rule_notice ADD COLUMN server_version INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER rule_notice_only_serve;
CREATE TRIGGER rule_notice_only_serve BEFORE UPDATE ON rule_notice
WHEN NEW.id IS NOT OLD.id OR NEW.file_id IS NOT OLD.file_id
  OR NEW.rule_version IS NOT OLD.rule_version OR NEW.created_at IS NOT OLD.created_at
  OR (OLD.served_on IS NOT NULL
      AND (NEW.served_on IS NOT OLD.served_on OR NEW.served_by IS NOT OLD.served_by))
  OR (OLD.served_on IS NULL AND NEW.served_on IS NULL AND NEW.served_by IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'a notice only changes once, when it is served'); END;

-- 'local': made here, pushed once (pushed_at); 'server': applied from the server's feed,
-- never pushed. server_base: the server version the change was made against.
ALTER TABLE change_log ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'
    CHECK (origin IN ('local', 'server'));
ALTER TABLE change_log ADD COLUMN server_base INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER change_log_only_push_mark;
CREATE TRIGGER change_log_only_push_mark BEFORE UPDATE ON change_log
WHEN NEW.seq IS NOT OLD.seq OR NEW.mutation_id IS NOT OLD.mutation_id OR NEW.entity IS NOT OLD.entity
  OR NEW.entity_id IS NOT OLD.entity_id OR NEW.base_version IS NOT OLD.base_version
  OR NEW.version IS NOT OLD.version OR NEW.diff IS NOT OLD.diff OR NEW.actor IS NOT OLD.actor
  OR NEW.station IS NOT OLD.station OR NEW.created_at IS NOT OLD.created_at
  OR NEW.reason IS NOT OLD.reason OR NEW.origin IS NOT OLD.origin
  OR NEW.server_base IS NOT OLD.server_base
  OR (OLD.pushed_at IS NOT NULL AND NEW.pushed_at IS NOT OLD.pushed_at)
BEGIN SELECT RAISE(ABORT, 'change_log rows are immutable but for the push mark, set once'); END;
CREATE INDEX change_log_unpushed ON change_log(seq) WHERE pushed_at IS NULL;

-- The server's answer to a pushed change that did not simply apply: a conflict waiting for
-- a supervisor, or a rejection (the change is quarantined: shown, never sent again).
CREATE TABLE sync_outcome (
    mutation_id   TEXT PRIMARY KEY REFERENCES change_log(mutation_id),
    outcome       TEXT NOT NULL CHECK (outcome IN ('conflict', 'rejected')),
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    conflict_id   TEXT,
    conflict_kind TEXT,
    paths         TEXT NOT NULL,
    code          TEXT,
    message_sq    TEXT,
    message_en    TEXT,
    at            TEXT NOT NULL
) WITHOUT ROWID;

-- Files of other directorates: only what search and duplicate checks need (no names, only
-- their folded keys), as the server's feed sends it.
CREATE TABLE national_index (
    id                 TEXT PRIMARY KEY,
    version            INTEGER NOT NULL,
    owning_directorate TEXT NOT NULL,
    status             TEXT NOT NULL,
    nid                TEXT,
    date_of_birth      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX national_index_nid ON national_index(nid) WHERE nid IS NOT NULL;
CREATE INDEX national_index_dob ON national_index(date_of_birth);
CREATE TABLE national_index_key (
    id   TEXT NOT NULL REFERENCES national_index(id),
    key  TEXT NOT NULL,
    kind INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (id, kind, key)
) WITHOUT ROWID;
CREATE INDEX national_index_key_key ON national_index_key(key, kind);

-- During a re-snapshot: the synchronised records the server has not sent again yet.
CREATE TABLE sync_unseen (id TEXT PRIMARY KEY) WITHOUT ROWID;

-- An approval made here that the server refused (the data had changed elsewhere, or the
-- status was contested): the approved version stays as history but no longer stands.
CREATE TABLE approval_refused (
    file    TEXT NOT NULL,
    version INTEGER NOT NULL,
    code    TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (file, version)
) WITHOUT ROWID;
CREATE TRIGGER approval_refused_no_update BEFORE UPDATE ON approval_refused
BEGIN SELECT RAISE(ABORT, 'refusals are kept as they were'); END;
CREATE TRIGGER approval_refused_no_delete BEFORE DELETE ON approval_refused
BEGIN SELECT RAISE(ABORT, 'refusals are kept as they were'); END;
-- The approvals that stand: every reader of "the approved version" reads this.
CREATE VIEW standing_approval AS
SELECT a.* FROM approved_version a
WHERE NOT EXISTS (SELECT 1 FROM approval_refused r WHERE r.file = a.file AND r.version = a.version);
"#;

/// Photos of registered persons (DOMAIN.md §3): immutable, dated images, a new one at each
/// periodic check-in. The bytes are kept once, here (a rowid table: rows are large); the
/// change log keeps the photo without them, and a push adds them. A photo changes only
/// once, to be voided; its server version follows the feed.
const V5: &str = r#"
CREATE TABLE photo (
    rowid          INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    file_id        TEXT NOT NULL,
    taken_on       TEXT NOT NULL,
    taken_by       TEXT NOT NULL,
    media_type     TEXT NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png')),
    byte_len       INTEGER NOT NULL CHECK (byte_len BETWEEN 1 AND 524288),
    width          INTEGER NOT NULL CHECK (width BETWEEN 1 AND 4096),
    height         INTEGER NOT NULL CHECK (height BETWEEN 1 AND 4096),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
    bytes          BLOB NOT NULL CHECK (length(bytes) = byte_len),
    recorded_at    TEXT NOT NULL,
    void_reason    TEXT,
    voided_by      TEXT,
    voided_at      TEXT,
    server_version INTEGER NOT NULL DEFAULT 0,
    CHECK ((void_reason IS NULL) = (voided_by IS NULL) AND (void_reason IS NULL) = (voided_at IS NULL))
);
CREATE INDEX photo_file ON photo(file_id, taken_on);
CREATE TRIGGER photo_no_delete BEFORE DELETE ON photo
BEGIN SELECT RAISE(ABORT, 'photos are voided, never deleted'); END;
CREATE TRIGGER photo_only_void BEFORE UPDATE ON photo
WHEN NEW.rowid IS NOT OLD.rowid OR NEW.id IS NOT OLD.id OR NEW.file_id IS NOT OLD.file_id
  OR NEW.taken_on IS NOT OLD.taken_on OR NEW.taken_by IS NOT OLD.taken_by
  OR NEW.media_type IS NOT OLD.media_type OR NEW.byte_len IS NOT OLD.byte_len
  OR NEW.width IS NOT OLD.width OR NEW.height IS NOT OLD.height OR NEW.sha256 IS NOT OLD.sha256
  OR NEW.bytes IS NOT OLD.bytes OR NEW.recorded_at IS NOT OLD.recorded_at
  OR (OLD.void_reason IS NOT NULL AND (NEW.void_reason IS NOT OLD.void_reason
      OR NEW.voided_by IS NOT OLD.voided_by OR NEW.voided_at IS NOT OLD.voided_at))
BEGIN SELECT RAISE(ABORT, 'a photo only changes once, to be voided'); END;
"#;

/// A photo's void as the server holds it replaces a different one here (two supervisors
/// voided it at two stations; the server took the first). Nothing else may change a void:
/// the pull names the photo and the exact void it takes in `photo_void_from_server`, changes
/// the row and removes the name again, all in its own transaction, so the table is empty
/// outside it and the trigger refuses every other change of a void as before.
const V6: &str = r#"
CREATE TABLE photo_void_from_server (
    id          TEXT PRIMARY KEY,
    void_reason TEXT,
    voided_by   TEXT,
    voided_at   TEXT
) WITHOUT ROWID;
DROP TRIGGER photo_only_void;
CREATE TRIGGER photo_only_void BEFORE UPDATE ON photo
WHEN NEW.rowid IS NOT OLD.rowid OR NEW.id IS NOT OLD.id OR NEW.file_id IS NOT OLD.file_id
  OR NEW.taken_on IS NOT OLD.taken_on OR NEW.taken_by IS NOT OLD.taken_by
  OR NEW.media_type IS NOT OLD.media_type OR NEW.byte_len IS NOT OLD.byte_len
  OR NEW.width IS NOT OLD.width OR NEW.height IS NOT OLD.height OR NEW.sha256 IS NOT OLD.sha256
  OR NEW.bytes IS NOT OLD.bytes OR NEW.recorded_at IS NOT OLD.recorded_at
  OR (OLD.void_reason IS NOT NULL AND (NEW.void_reason IS NOT OLD.void_reason
      OR NEW.voided_by IS NOT OLD.voided_by OR NEW.voided_at IS NOT OLD.voided_at)
      AND NOT EXISTS (SELECT 1 FROM photo_void_from_server s
          WHERE s.id = OLD.id AND s.void_reason IS NEW.void_reason
            AND s.voided_by IS NEW.voided_by AND s.voided_at IS NEW.voided_at))
BEGIN SELECT RAISE(ABORT, 'a photo only changes once, to be voided'); END;
"#;

/// What is set once and then changes only to the server's value (V6's mechanism, for every
/// such value): a record's void and confirmation, a notice's service, a photo's void. Two
/// stations set it differently offline; the server keeps one (the first, or a supervisor's
/// decision), and the other station, once nothing of its own for the row waits for an
/// answer, takes the server's. The pull names the table, the row and the exact values it
/// writes (a JSON array of the columns, in the order the trigger lists them) in
/// `value_from_server`, makes the one UPDATE and removes the name again, all in its own
/// transaction: the table is empty outside it, and every other change of a value set once
/// is refused as before. The other columns never change, named or not.
const V7: &str = r#"
CREATE TABLE value_from_server (
    table_name TEXT NOT NULL,
    id         TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (table_name, id)
) WITHOUT ROWID;

DROP TRIGGER photo_only_void;
DROP TABLE photo_void_from_server;
CREATE TRIGGER photo_only_void BEFORE UPDATE ON photo
WHEN NEW.rowid IS NOT OLD.rowid OR NEW.id IS NOT OLD.id OR NEW.file_id IS NOT OLD.file_id
  OR NEW.taken_on IS NOT OLD.taken_on OR NEW.taken_by IS NOT OLD.taken_by
  OR NEW.media_type IS NOT OLD.media_type OR NEW.byte_len IS NOT OLD.byte_len
  OR NEW.width IS NOT OLD.width OR NEW.height IS NOT OLD.height OR NEW.sha256 IS NOT OLD.sha256
  OR NEW.bytes IS NOT OLD.bytes OR NEW.recorded_at IS NOT OLD.recorded_at
  OR (OLD.void_reason IS NOT NULL AND (NEW.void_reason IS NOT OLD.void_reason
      OR NEW.voided_by IS NOT OLD.voided_by OR NEW.voided_at IS NOT OLD.voided_at)
      AND NOT EXISTS (SELECT 1 FROM value_from_server s
          WHERE s.table_name = 'photo' AND s.id = OLD.id
            AND s.value = json_array(NEW.void_reason, NEW.voided_by, NEW.voided_at)))
BEGIN SELECT RAISE(ABORT, 'a photo only changes once, to be voided'); END;

DROP TRIGGER file_record_only_void_or_confirm;
CREATE TRIGGER file_record_only_void_or_confirm BEFORE UPDATE ON file_record
WHEN NEW.id IS NOT OLD.id OR NEW.file_id IS NOT OLD.file_id OR NEW.kind IS NOT OLD.kind
  OR NEW.record_date IS NOT OLD.record_date OR NEW.data IS NOT OLD.data
  OR NEW.recorded_at IS NOT OLD.recorded_at OR NEW.recorded_by IS NOT OLD.recorded_by
  OR (((OLD.void_reason IS NOT NULL AND (NEW.void_reason IS NOT OLD.void_reason
          OR NEW.voided_by IS NOT OLD.voided_by OR NEW.voided_at IS NOT OLD.voided_at))
      OR (OLD.confirmed_by IS NOT NULL AND (NEW.confirmed_by IS NOT OLD.confirmed_by
          OR NEW.confirmed_at IS NOT OLD.confirmed_at))
      OR (OLD.void_reason IS NOT NULL AND NEW.confirmed_by IS NOT OLD.confirmed_by))
    AND NOT EXISTS (SELECT 1 FROM value_from_server s
        WHERE s.table_name = 'file_record' AND s.id = OLD.id
          AND s.value = json_array(NEW.void_reason, NEW.voided_by, NEW.voided_at,
                                   NEW.confirmed_by, NEW.confirmed_at)))
BEGIN SELECT RAISE(ABORT, 'a record only changes once to be voided, and once to be confirmed'); END;

DROP TRIGGER rule_notice_only_serve;
CREATE TRIGGER rule_notice_only_serve BEFORE UPDATE ON rule_notice
WHEN NEW.id IS NOT OLD.id OR NEW.file_id IS NOT OLD.file_id
  OR NEW.rule_version IS NOT OLD.rule_version OR NEW.created_at IS NOT OLD.created_at
  OR (OLD.served_on IS NULL AND NEW.served_on IS NULL AND NEW.served_by IS NOT NULL)
  OR (OLD.served_on IS NOT NULL
      AND (NEW.served_on IS NOT OLD.served_on OR NEW.served_by IS NOT OLD.served_by)
      AND NOT EXISTS (SELECT 1 FROM value_from_server s
          WHERE s.table_name = 'rule_notice' AND s.id = OLD.id
            AND s.value = json_array(NEW.served_on, NEW.served_by)))
BEGIN SELECT RAISE(ABORT, 'a notice only changes once, when it is served'); END;
"#;

pub fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the schema to [`LATEST`]. Returns the version found before.
pub fn migrate(conn: &mut Connection) -> Result<i64, StoreError> {
    let found = current_version(conn)?;
    if found > LATEST {
        return Err(StoreError::NewerSchema {
            found,
            known: LATEST,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        log::info!("database schema migrated to version {version}");
    }
    Ok(found)
}
