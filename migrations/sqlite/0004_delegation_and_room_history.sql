-- A person's delegations and a session's rooms are kept once recorded, as
-- audiences are: a person who moves to another delegation, or a session that
-- moves to another room, leaves an inactive row behind instead of nothing, and
-- every departure or return counts, so that the person's feeds, and the former
-- room's feed, can show what was lost as cancelled for a while and raise
-- SEQUENCE rather than lower it.
--
-- Existing people with a delegation, and sessions with a room, get one active
-- row that never changed. Its changed_at is the item's modified_at: every
-- change of delegation or room changed it, so the row is no later than that,
-- and the LAST-MODIFIED of the feeds that count it does not move.
--
-- Both tables are new, so no rebuild is needed.

-- +goose Up
CREATE TABLE person_delegations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    delegation   TEXT   NOT NULL,
    position     INTEGER NOT NULL,
    active       BOOLEAN NOT NULL,
    changes      INTEGER NOT NULL,
    changed_at   DATETIME NOT NULL COLLATE TIME,
    FOREIGN KEY (programme_id, delegation) REFERENCES delegations (programme_id, key)
);
CREATE UNIQUE INDEX idx_person_delegations_person_delegation ON person_delegations (person_id, delegation);
CREATE INDEX idx_person_delegations_programme_id ON person_delegations (programme_id);
INSERT INTO person_delegations (programme_id, person_id, delegation, position, active, changes, changed_at)
    SELECT programme_id, id, delegation, 0, TRUE, 0, modified_at FROM people WHERE delegation IS NOT NULL;

CREATE TABLE session_rooms (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    room         TEXT   NOT NULL,
    position     INTEGER NOT NULL,
    active       BOOLEAN NOT NULL,
    changes      INTEGER NOT NULL,
    changed_at   DATETIME NOT NULL COLLATE TIME,
    FOREIGN KEY (programme_id, room) REFERENCES rooms (programme_id, key)
);
CREATE UNIQUE INDEX idx_session_rooms_session_room ON session_rooms (session_id, room);
CREATE INDEX idx_session_rooms_programme_id ON session_rooms (programme_id);
INSERT INTO session_rooms (programme_id, session_id, room, position, active, changes, changed_at)
    SELECT programme_id, id, room, 0, TRUE, 0, modified_at FROM sessions WHERE room IS NOT NULL;

-- +goose Down
-- The earlier schemas know only the current delegation and room, which the
-- people and sessions tables still hold.
DROP TABLE session_rooms;
DROP TABLE person_delegations;
