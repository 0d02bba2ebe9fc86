-- Version 4: stations of the administration.
--
-- A station's certificate proves which station speaks, not which officer: the officer named
-- in a mutation is the station's word. So what a station may change is bounded by the
-- station. An administration station (the General Directorate's, enrolled as such by an
-- administrator on the server) may manage accounts of every directorate, grant the national
-- roles and propose rule versions; any other station manages only the accounts of its own
-- directorate, with regional roles, and national accounts only to change their own password.
ALTER TABLE station ADD COLUMN administration boolean NOT NULL DEFAULT false;
