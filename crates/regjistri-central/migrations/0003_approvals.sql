-- Version 3: what stands approved, and who made the last change.
--
-- An approval binds the data the supervisor saw (the station sends its content hash): the
-- server keeps that data as the approved copy, so that a station that never saw the
-- approval (a new one, after a re-snapshot) still knows what stands while an amendment
-- waits, and so that an edit merged into an approved file makes it "amended" rather than
-- passing as approved.

ALTER TABLE record ADD COLUMN approved_data jsonb;
ALTER TABLE record ADD COLUMN approved_by text;
ALTER TABLE record ADD COLUMN approved_at timestamptz;
-- Reports are owed from the first approval (unless a notice says otherwise).
ALTER TABLE record ADD COLUMN first_approved_at timestamptz;
ALTER TABLE record ADD COLUMN updated_by text;
-- Who changed the content since it was last approved (approving and returning change only
-- the status, and are not authoring): none of them may approve it, at any station.
ALTER TABLE record ADD COLUMN authors jsonb NOT NULL DEFAULT '[]';
ALTER TABLE record ADD CONSTRAINT record_approval_whole
    CHECK ((approved_data IS NULL) = (approved_by IS NULL) AND (approved_data IS NULL) = (approved_at IS NULL)
       AND (approved_data IS NULL) = (first_approved_at IS NULL));

-- Files approved before this version: their content stands approved as it is (who approved
-- it is not known here). Amended files keep no approved copy: stations that hold one keep it.
UPDATE record SET approved_data = document->'data', approved_by = 'before-approval-binding',
       approved_at = updated_at, first_approved_at = updated_at
 WHERE entity = 'offender_file' AND status = 'approved';
