-- Staying-behind entries are kept once recorded: a rider taken off the list
-- becomes inactive instead of being deleted, and every change counts, so that
-- the rider's feed can raise the run's SEQUENCE when they ride again rather
-- than lower it. Existing entries are active and were recorded once.
--
-- SQLite cannot drop a column default, and a default the models do not have
-- would be schema drift, so the table is rebuilt. No table refers to
-- staying_behind, so the rebuild runs with foreign keys on, in the migration's
-- transaction.

-- +goose Up
CREATE TABLE staying_behind_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    run_id       INTEGER      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    person       TEXT        NOT NULL,
    position     INTEGER      NOT NULL,
    note         TEXT        NOT NULL,
    since        DATETIME NOT NULL COLLATE TIME,
    active       BOOLEAN     NOT NULL,
    changes      INTEGER      NOT NULL,
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
INSERT INTO staying_behind_new (id, programme_id, run_id, person, position, note, since, active, changes)
    SELECT id, programme_id, run_id, person, position, note, since, TRUE, 1 FROM staying_behind;
DROP TABLE staying_behind;
ALTER TABLE staying_behind_new RENAME TO staying_behind;
CREATE UNIQUE INDEX idx_staying_behind_run_person ON staying_behind (run_id, person);
CREATE INDEX idx_staying_behind_programme_id ON staying_behind (programme_id);

-- +goose Down
-- The first schema knows only riders staying behind now: inactive entries go.
CREATE TABLE staying_behind_old (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    run_id       INTEGER      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    person       TEXT        NOT NULL,
    position     INTEGER      NOT NULL,
    note         TEXT        NOT NULL,
    since        DATETIME NOT NULL COLLATE TIME,
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
INSERT INTO staying_behind_old (id, programme_id, run_id, person, position, note, since)
    SELECT id, programme_id, run_id, person, position, note, since FROM staying_behind WHERE active;
DROP TABLE staying_behind;
ALTER TABLE staying_behind_old RENAME TO staying_behind;
CREATE UNIQUE INDEX idx_staying_behind_run_person ON staying_behind (run_id, person);
CREATE INDEX idx_staying_behind_programme_id ON staying_behind (programme_id);
