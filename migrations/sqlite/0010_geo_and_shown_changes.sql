-- Venues on the map, and when calendars last saw each item change.
--
-- lat and lon are a venue's point in WGS84 decimal degrees: both set or
-- both NULL (the programme file's optional "geo"; the store writes both or
-- neither). Feeds write them as GEO
-- and X-APPLE-STRUCTURED-LOCATION, and the agenda page links them to a map.
--
-- shown_modified_at is when what a calendar event shows of the item last
-- changed (title, times, place, status, public text, speakers' names), as
-- the rules of internal/programme/change.go decide; modified_at still moves
-- on every change, staff-only ones included. Feeds take DTSTAMP and
-- LAST-MODIFIED from the former, so that a staff note or an audience edit
-- does not touch every event of a session's speakers. NULL, for rows stored
-- before this migration, reads as modified_at.

-- +goose Up
ALTER TABLE venues ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE venues ADD COLUMN lon DOUBLE PRECISION;
ALTER TABLE venues ADD COLUMN shown_modified_at DATETIME COLLATE TIME;
ALTER TABLE rooms ADD COLUMN shown_modified_at DATETIME COLLATE TIME;
ALTER TABLE delegations ADD COLUMN shown_modified_at DATETIME COLLATE TIME;
ALTER TABLE people ADD COLUMN shown_modified_at DATETIME COLLATE TIME;
ALTER TABLE sessions ADD COLUMN shown_modified_at DATETIME COLLATE TIME;
ALTER TABLE slots ADD COLUMN shown_modified_at DATETIME COLLATE TIME;
ALTER TABLE runs ADD COLUMN shown_modified_at DATETIME COLLATE TIME;

-- +goose Down
ALTER TABLE runs DROP COLUMN shown_modified_at;
ALTER TABLE slots DROP COLUMN shown_modified_at;
ALTER TABLE sessions DROP COLUMN shown_modified_at;
ALTER TABLE people DROP COLUMN shown_modified_at;
ALTER TABLE delegations DROP COLUMN shown_modified_at;
ALTER TABLE rooms DROP COLUMN shown_modified_at;
ALTER TABLE venues DROP COLUMN shown_modified_at;
ALTER TABLE venues DROP COLUMN lon;
ALTER TABLE venues DROP COLUMN lat;
