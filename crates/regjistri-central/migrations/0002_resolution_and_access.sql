-- Version 2: how a supervisor resolved a conflict, and the log of full files fetched online
-- from another directorate (with the reason given).

ALTER TABLE conflict ADD COLUMN resolution jsonb;

CREATE TABLE file_access (
    id           uuid PRIMARY KEY,
    record_id    uuid NOT NULL,
    station_code text NOT NULL REFERENCES station(code),
    actor        text NOT NULL,
    reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    at           timestamptz NOT NULL
);
CREATE INDEX file_access_record ON file_access(record_id, at);
CREATE TRIGGER file_access_append_only BEFORE UPDATE OR DELETE ON file_access
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER file_access_no_truncate BEFORE TRUNCATE ON file_access
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
GRANT SELECT, INSERT ON file_access TO regjistri_app;
REVOKE UPDATE, DELETE, TRUNCATE ON file_access FROM regjistri_app;
