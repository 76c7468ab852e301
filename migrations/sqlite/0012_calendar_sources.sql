-- Published calendars a programme imports sessions from (issue 10), and which
-- of their events became which session. A source is named within its
-- programme; its items map each event's UID (for an occurrence of a
-- recurring event, UID/RECURRENCE-ID) to the session key it was given, so
-- that a newer version of the calendar updates, moves and cancels those
-- sessions. Items stay when their event leaves the calendar, so that an
-- event that comes back gets its session back.
--
-- Numbered 0012 because 0008 to 0011 ship with other work of the same issue.

-- +goose Up
CREATE TABLE calendar_sources (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id    INTEGER  NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    name            TEXT     NOT NULL,
    url             TEXT     NOT NULL,
    etag            TEXT     NOT NULL,
    last_fetched_at DATETIME COLLATE TIME,
    created_at      DATETIME NOT NULL COLLATE TIME,
    updated_at      DATETIME NOT NULL COLLATE TIME
);
CREATE UNIQUE INDEX idx_calendar_sources_name ON calendar_sources (programme_id, name);

CREATE TABLE calendar_source_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id   INTEGER  NOT NULL REFERENCES calendar_sources (id) ON DELETE CASCADE,
    uid         TEXT     NOT NULL,
    session_key TEXT     NOT NULL,
    sequence    INTEGER  NOT NULL,
    stamp       DATETIME COLLATE TIME,
    seen_at     DATETIME NOT NULL COLLATE TIME
);
CREATE UNIQUE INDEX idx_calendar_source_items_uid ON calendar_source_items (source_id, uid);
CREATE UNIQUE INDEX idx_calendar_source_items_key ON calendar_source_items (source_id, session_key);

-- +goose Down
DROP TABLE calendar_source_items;
DROP TABLE calendar_sources;
