-- The central directorate server's schema, version 1.
--
-- One sequence, feed_seq, numbers every change: a record's version is the feed number of
-- its last change, a tombstone has its own. Numbers are taken under one advisory lock held
-- until commit, so the committed rows always form a prefix of the sequence and a pull
-- cursor never skips a row that commits later.

CREATE SEQUENCE feed_seq AS bigint;

-- Stations: one client certificate each, identified by the certificate's SHA-256.
CREATE TABLE station (
    code            text PRIMARY KEY,
    directorate     text NOT NULL,
    cert_sha256     text NOT NULL UNIQUE,
    enrolled_at     timestamptz NOT NULL,
    enrolled_by     text NOT NULL,
    disabled_at     timestamptz,
    -- Where the station's audit chain ends on the server.
    audit_head_seq  bigint NOT NULL DEFAULT 0,
    audit_head_hash text NOT NULL
        DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
);

-- The national source of truth: one row per record at its latest version.
CREATE TABLE record (
    id                 uuid PRIMARY KEY,
    entity             text NOT NULL,
    version            bigint NOT NULL UNIQUE,
    owning_directorate text NOT NULL,
    status             text NOT NULL,
    -- {status, owning_directorate, data} as the station's write path diffs it.
    document           jsonb NOT NULL,
    -- The minimal national index entry (regjistri_sync::protocol::IndexEntry).
    index_entry        jsonb NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- Deleted records, kept for the retention period so that stations learn of the deletion.
CREATE TABLE tombstone (
    id                 uuid PRIMARY KEY,
    seq                bigint NOT NULL UNIQUE,
    owning_directorate text NOT NULL,
    deleted_at         timestamptz NOT NULL
);

-- Every mutation received, with the result it got: the idempotency record of push.
CREATE TABLE mutation (
    mutation_id  uuid PRIMARY KEY,
    station      text NOT NULL REFERENCES station(code),
    entity       text NOT NULL,
    entity_id    uuid NOT NULL,
    base_version bigint NOT NULL,
    diff         jsonb NOT NULL,
    actor        text NOT NULL,
    created_at   timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    result       jsonb NOT NULL
);
CREATE INDEX mutation_entity ON mutation(entity_id);

-- Fields changed on both sides, or edits of withdrawn or deleted records, for a supervisor.
CREATE TABLE conflict (
    id                 uuid PRIMARY KEY,
    mutation_id        uuid NOT NULL REFERENCES mutation(mutation_id),
    record_id          uuid NOT NULL,
    kind               text NOT NULL,
    owning_directorate text NOT NULL,
    station            text NOT NULL,
    actor              text NOT NULL,
    fields             jsonb NOT NULL,
    created_at         timestamptz NOT NULL,
    resolved_at        timestamptz,
    resolved_by        text
);
CREATE INDEX conflict_open ON conflict(owning_directorate, created_at) WHERE resolved_at IS NULL;

-- Counters of the feed. tombstone_horizon: the highest feed number of a pruned tombstone;
-- a cursor below it may have missed a deletion and must re-snapshot.
CREATE TABLE sync_state (
    key   text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO sync_state (key, value) VALUES ('tombstone_horizon', 0);

-- Audit events uploaded by stations, exactly as their stores chained them.
CREATE TABLE station_audit_event (
    station_code text NOT NULL REFERENCES station(code),
    seq          bigint NOT NULL,
    id           text NOT NULL,
    at           text NOT NULL,
    actor        text NOT NULL,
    station      text NOT NULL,
    action       text NOT NULL,
    object_type  text NOT NULL,
    object_id    text NOT NULL,
    outcome      text NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (station_code, seq)
);

-- The server's own trail (enrolments, pushes, refused uploads, conflict resolutions),
-- hash-chained like a station's.
CREATE TABLE server_audit_event (
    seq         bigserial PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    at          text NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    outcome     text NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL
);

-- Belt and braces for the owner too: audit rows never change.
CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER station_audit_event_append_only BEFORE UPDATE OR DELETE ON station_audit_event
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER station_audit_event_no_truncate BEFORE TRUNCATE ON station_audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER server_audit_event_append_only BEFORE UPDATE OR DELETE ON server_audit_event
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER server_audit_event_no_truncate BEFORE TRUNCATE ON server_audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

-- The application's role: the server runs every request as regjistri_app (SET ROLE), which
-- may read and write the sync tables but only read and insert audit rows.
DO $$
BEGIN
    CREATE ROLE regjistri_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- made by an earlier database of the same cluster
END $$;
DO $$
BEGIN
    EXECUTE format('GRANT regjistri_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
    NULL; -- already a member, or a superuser (who may SET ROLE anyway)
END $$;
GRANT USAGE ON SCHEMA public TO regjistri_app;
GRANT SELECT, INSERT, UPDATE ON station TO regjistri_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON record, tombstone TO regjistri_app;
GRANT SELECT, INSERT ON mutation TO regjistri_app;
GRANT SELECT, INSERT, UPDATE ON conflict, sync_state TO regjistri_app;
GRANT SELECT, INSERT ON station_audit_event, server_audit_event TO regjistri_app;
REVOKE UPDATE, DELETE, TRUNCATE ON station_audit_event, server_audit_event FROM regjistri_app;
GRANT USAGE, SELECT ON SEQUENCE feed_seq, server_audit_event_seq_seq TO regjistri_app;
