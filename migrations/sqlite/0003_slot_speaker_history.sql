-- Slot speakers are kept once recorded: a speaker taken off a slot becomes
-- inactive instead of being deleted, and every removal or return counts, so
-- that the speaker's own feeds can show the slot as cancelled for a while and
-- raise its SEQUENCE rather than lower it. Existing speakers are active and
-- never changed. Their changed_at is the slot's modified_at: every change of
-- speakers changed it, so no speaker was added later, and the speaker's
-- LAST-MODIFIED, the later of the two, does not move.
--
-- SQLite cannot add a NOT NULL column without a default, nor drop a default,
-- and a default the models do not have would be schema drift, so the table is
-- rebuilt. No table refers to slot_speakers, so the rebuild runs with foreign
-- keys on, in the migration's transaction.

-- +goose Up
CREATE TABLE slot_speakers_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    slot_id      INTEGER NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    person       TEXT   NOT NULL,
    position     INTEGER NOT NULL,
    active       BOOLEAN NOT NULL,
    changes      INTEGER NOT NULL,
    changed_at   DATETIME NOT NULL COLLATE TIME,
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
INSERT INTO slot_speakers_new (id, programme_id, slot_id, person, position, active, changes, changed_at)
    SELECT sp.id, sp.programme_id, sp.slot_id, sp.person, sp.position, TRUE, 0, sl.modified_at
    FROM slot_speakers sp JOIN slots sl ON sl.id = sp.slot_id;
DROP TABLE slot_speakers;
ALTER TABLE slot_speakers_new RENAME TO slot_speakers;
CREATE UNIQUE INDEX idx_slot_speakers_slot_person ON slot_speakers (slot_id, person);
CREATE INDEX idx_slot_speakers_programme_id ON slot_speakers (programme_id);

-- +goose Down
-- The earlier schemas know only current speakers: speakers taken off go.
CREATE TABLE slot_speakers_old (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    slot_id      INTEGER NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    person       TEXT   NOT NULL,
    position     INTEGER NOT NULL,
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
INSERT INTO slot_speakers_old (id, programme_id, slot_id, person, position)
    SELECT id, programme_id, slot_id, person, position FROM slot_speakers WHERE active;
DROP TABLE slot_speakers;
ALTER TABLE slot_speakers_old RENAME TO slot_speakers;
CREATE UNIQUE INDEX idx_slot_speakers_slot_person ON slot_speakers (slot_id, person);
CREATE INDEX idx_slot_speakers_programme_id ON slot_speakers (programme_id);
