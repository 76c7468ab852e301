-- Checklists at departure and at the welcome desk: who boarded a run, who
-- received a hand-out (a badge, a meal ticket, a welcome pack). They are
-- operational state, not programme content: no feed shows them and the
-- change log does not record them, so they live outside the programme's
-- items. A tick is one row per list and person, written by an upsert, so
-- that two staff ticking different people at once on two phones never lose
-- a tick, and a tick and an untick of the same person resolve by the last
-- write, which the row names (by_name, at).
--
-- A list is a run or a hand-out, named by its kind and key: runs are never
-- deleted (they are cancelled), and a hand-out's ticks go with it.

-- +goose Up
CREATE TABLE handouts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    day          TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    note         TEXT    NOT NULL,
    created_at   DATETIME NOT NULL COLLATE TIME
);
CREATE UNIQUE INDEX idx_handouts_key ON handouts (programme_id, key);

CREATE TABLE checklist_ticks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    list_kind    TEXT    NOT NULL CHECK (list_kind IN ('run', 'handout')),
    list_key     TEXT    NOT NULL,
    person       TEXT    NOT NULL,
    ticked       BOOLEAN NOT NULL,
    by_name      TEXT    NOT NULL,
    at           DATETIME NOT NULL COLLATE TIME
);
CREATE UNIQUE INDEX idx_checklist_ticks_person ON checklist_ticks (programme_id, list_kind, list_key, person);

-- +goose Down
DROP TABLE checklist_ticks;
DROP TABLE handouts;
