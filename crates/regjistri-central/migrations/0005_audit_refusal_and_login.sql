-- Version 5: the audit triggers' refusal has a code of its own, and the server logs in as the
-- application role.
--
-- Until now the triggers that refuse UPDATE, DELETE and TRUNCATE on the audit tables raised
-- insufficient_privilege (42501), the code PostgreSQL gives a missing grant. A refusal by the
-- trigger could not be told from a refusal by the privilege system, so a test that the
-- application role lacks those grants passed even where it had them. The triggers now raise
-- RJA01 ("audit row change refused"), which nothing else raises; 42501 means a grant is
-- missing. (CREATE OR REPLACE keeps the function's identity: the triggers of versions 1 and 2
-- call the new body.)
CREATE OR REPLACE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'RJA01';
END $$;

-- The server no longer logs in as the owner and switches role: it logs in as regjistri_app
-- itself (made a LOGIN role by `regjistri-server init`), which is no member of the owner and
-- so cannot RESET ROLE into it. At connection it checks that the schema is the one it was
-- built for, which it reads here.
GRANT SELECT ON _sqlx_migrations TO regjistri_app;
