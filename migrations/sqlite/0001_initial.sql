-- The first schema: one programme and all its items. Items are identified by
-- (programme_id, key); references between items are composite foreign keys on
-- those keys, so that a reference to a missing item fails the whole import.

-- +goose Up
CREATE TABLE programmes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT        NOT NULL,
    title       TEXT        NOT NULL,
    organizer   TEXT        NOT NULL,
    time_zone   TEXT        NOT NULL,
    starts_on   TEXT        NOT NULL,
    ends_on     TEXT        NOT NULL,
    location    TEXT        NOT NULL,
    description TEXT        NOT NULL,
    version     INTEGER      NOT NULL,
    updated_at  DATETIME NOT NULL COLLATE TIME,
    created_at  DATETIME NOT NULL COLLATE TIME
);
CREATE UNIQUE INDEX idx_programmes_slug ON programmes (slug);
CREATE INDEX idx_programmes_starts_on ON programmes (starts_on, slug);

CREATE TABLE venues (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    key          TEXT        NOT NULL,
    position     INTEGER      NOT NULL,
    sequence     INTEGER      NOT NULL,
    modified_at  DATETIME NOT NULL COLLATE TIME,
    created_at   DATETIME NOT NULL COLLATE TIME,
    name         TEXT        NOT NULL,
    address      TEXT        NOT NULL
);
CREATE UNIQUE INDEX idx_venues_key ON venues (programme_id, key);

CREATE TABLE rooms (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    key          TEXT        NOT NULL,
    position     INTEGER      NOT NULL,
    sequence     INTEGER      NOT NULL,
    modified_at  DATETIME NOT NULL COLLATE TIME,
    created_at   DATETIME NOT NULL COLLATE TIME,
    name         TEXT        NOT NULL,
    venue        TEXT,
    capacity     INTEGER      NOT NULL,
    FOREIGN KEY (programme_id, venue) REFERENCES venues (programme_id, key)
);
CREATE UNIQUE INDEX idx_rooms_key ON rooms (programme_id, key);

CREATE TABLE reservations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id  INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    room_id       INTEGER      NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    position      INTEGER      NOT NULL,
    starts_at     DATETIME NOT NULL COLLATE TIME,
    ends_at       DATETIME NOT NULL COLLATE TIME,
    status        TEXT        NOT NULL,
    released_from DATETIME COLLATE TIME,
    note          TEXT        NOT NULL
);
CREATE INDEX idx_reservations_programme_id ON reservations (programme_id);
CREATE INDEX idx_reservations_room_id ON reservations (room_id);

CREATE TABLE delegations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    key          TEXT        NOT NULL,
    position     INTEGER      NOT NULL,
    sequence     INTEGER      NOT NULL,
    modified_at  DATETIME NOT NULL COLLATE TIME,
    created_at   DATETIME NOT NULL COLLATE TIME,
    name         TEXT        NOT NULL,
    country      TEXT        NOT NULL,
    lead         TEXT,
    note         TEXT        NOT NULL,
    -- A delegation's lead is a person, and people belong to delegations: the
    -- check waits for the end of the transaction so that either may be
    -- written first.
    FOREIGN KEY (programme_id, lead) REFERENCES people (programme_id, key)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX idx_delegations_key ON delegations (programme_id, key);

CREATE TABLE people (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    key          TEXT        NOT NULL,
    position     INTEGER      NOT NULL,
    sequence     INTEGER      NOT NULL,
    modified_at  DATETIME NOT NULL COLLATE TIME,
    created_at   DATETIME NOT NULL COLLATE TIME,
    name         TEXT        NOT NULL,
    title        TEXT        NOT NULL,
    organization TEXT        NOT NULL,
    role         TEXT        NOT NULL,
    delegation   TEXT,
    email        TEXT        NOT NULL,
    phone        TEXT        NOT NULL,
    note         TEXT        NOT NULL,
    FOREIGN KEY (programme_id, delegation) REFERENCES delegations (programme_id, key)
);
CREATE UNIQUE INDEX idx_people_key ON people (programme_id, key);


CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    key          TEXT        NOT NULL,
    position     INTEGER      NOT NULL,
    sequence     INTEGER      NOT NULL,
    modified_at  DATETIME NOT NULL COLLATE TIME,
    created_at   DATETIME NOT NULL COLLATE TIME,
    title        TEXT        NOT NULL,
    description  TEXT        NOT NULL,
    kind         TEXT        NOT NULL,
    starts_at    DATETIME NOT NULL COLLATE TIME,
    ends_at      DATETIME NOT NULL COLLATE TIME,
    time_zone    TEXT        NOT NULL,
    room         TEXT,
    venue        TEXT,
    location     TEXT        NOT NULL,
    required     BOOLEAN     NOT NULL,
    status       TEXT        NOT NULL,
    FOREIGN KEY (programme_id, room) REFERENCES rooms (programme_id, key),
    FOREIGN KEY (programme_id, venue) REFERENCES venues (programme_id, key)
);
CREATE UNIQUE INDEX idx_sessions_key ON sessions (programme_id, key);
CREATE INDEX idx_sessions_starts_at ON sessions (programme_id, starts_at);

CREATE TABLE slots (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id    INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    session_id      INTEGER      NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    key             TEXT        NOT NULL,
    position        INTEGER      NOT NULL,
    sequence        INTEGER      NOT NULL,
    modified_at     DATETIME NOT NULL COLLATE TIME,
    created_at      DATETIME NOT NULL COLLATE TIME,
    title           TEXT        NOT NULL,
    starts_at       DATETIME NOT NULL COLLATE TIME,
    ends_at         DATETIME NOT NULL COLLATE TIME,
    available_from  DATETIME COLLATE TIME,
    available_until DATETIME COLLATE TIME,
    status          TEXT        NOT NULL,
    note            TEXT        NOT NULL
);
CREATE UNIQUE INDEX idx_slots_key ON slots (session_id, key);
CREATE INDEX idx_slots_programme_id ON slots (programme_id);

CREATE TABLE slot_speakers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    slot_id      INTEGER NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    person       TEXT   NOT NULL,
    position     INTEGER NOT NULL,
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
CREATE UNIQUE INDEX idx_slot_speakers_slot_person ON slot_speakers (slot_id, person);
CREATE INDEX idx_slot_speakers_programme_id ON slot_speakers (programme_id);

-- Audience members are kept after they leave (active false), so that their
-- feeds can show the session as cancelled. Exactly one of delegation and
-- person is set.
CREATE TABLE session_audience (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    session_id   INTEGER      NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    delegation   TEXT,
    person       TEXT,
    position     INTEGER      NOT NULL,
    active       BOOLEAN     NOT NULL,
    changes      INTEGER      NOT NULL,
    changed_at   DATETIME NOT NULL COLLATE TIME,
    CHECK ((delegation IS NULL) <> (person IS NULL)),
    FOREIGN KEY (programme_id, delegation) REFERENCES delegations (programme_id, key),
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
CREATE UNIQUE INDEX idx_session_audience_delegation ON session_audience (session_id, delegation);
CREATE UNIQUE INDEX idx_session_audience_person ON session_audience (session_id, person);
CREATE INDEX idx_session_audience_programme_id ON session_audience (programme_id);

CREATE TABLE runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id   INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    key            TEXT        NOT NULL,
    position       INTEGER      NOT NULL,
    sequence       INTEGER      NOT NULL,
    modified_at    DATETIME NOT NULL COLLATE TIME,
    created_at     DATETIME NOT NULL COLLATE TIME,
    kind           TEXT        NOT NULL,
    title          TEXT        NOT NULL,
    departs_at     DATETIME NOT NULL COLLATE TIME,
    time_zone      TEXT        NOT NULL,
    from_place     TEXT        NOT NULL,
    to_place       TEXT        NOT NULL,
    capacity       INTEGER      NOT NULL,
    vehicle        TEXT        NOT NULL,
    contact        TEXT        NOT NULL,
    status         TEXT        NOT NULL,
    note           TEXT        NOT NULL,
    has_poll       BOOLEAN     NOT NULL,
    poll_question  TEXT        NOT NULL,
    poll_closes_at DATETIME COLLATE TIME,
    poll_decided   TEXT        NOT NULL
);
CREATE UNIQUE INDEX idx_runs_key ON runs (programme_id, key);

CREATE TABLE run_riders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    run_id       INTEGER      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    delegation   TEXT,
    person       TEXT,
    position     INTEGER      NOT NULL,
    active       BOOLEAN     NOT NULL,
    changes      INTEGER      NOT NULL,
    changed_at   DATETIME NOT NULL COLLATE TIME,
    CHECK ((delegation IS NULL) <> (person IS NULL)),
    FOREIGN KEY (programme_id, delegation) REFERENCES delegations (programme_id, key),
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
CREATE UNIQUE INDEX idx_run_riders_delegation ON run_riders (run_id, delegation);
CREATE UNIQUE INDEX idx_run_riders_person ON run_riders (run_id, person);
CREATE INDEX idx_run_riders_programme_id ON run_riders (programme_id);

CREATE TABLE staying_behind (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    run_id       INTEGER      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    person       TEXT        NOT NULL,
    position     INTEGER      NOT NULL,
    note         TEXT        NOT NULL,
    since        DATETIME NOT NULL COLLATE TIME,
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
CREATE UNIQUE INDEX idx_staying_behind_run_person ON staying_behind (run_id, person);
CREATE INDEX idx_staying_behind_programme_id ON staying_behind (programme_id);

CREATE TABLE poll_options (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    value        TEXT   NOT NULL
);
CREATE INDEX idx_poll_options_programme_id ON poll_options (programme_id);
CREATE INDEX idx_poll_options_run_id ON poll_options (run_id);

CREATE TABLE votes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    person       TEXT   NOT NULL,
    position     INTEGER NOT NULL,
    option       TEXT   NOT NULL,
    FOREIGN KEY (programme_id, person) REFERENCES people (programme_id, key)
);
CREATE UNIQUE INDEX idx_votes_run_person ON votes (run_id, person);
CREATE INDEX idx_votes_programme_id ON votes (programme_id);

-- Only the SHA-256 of a feed token is stored; a revoked token keeps its row
-- with a NULL hash, so that the same link can never work again.
CREATE TABLE feed_tokens (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id         INTEGER      NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    kind                 TEXT        NOT NULL,
    key                  TEXT        NOT NULL,
    nonce                TEXT        NOT NULL,
    hash                 BLOB,
    created_at           DATETIME NOT NULL COLLATE TIME,
    revoked_at           DATETIME COLLATE TIME,
    last_fetched_at      DATETIME COLLATE TIME,
    last_fetched_version INTEGER      NOT NULL
);
CREATE UNIQUE INDEX idx_feed_tokens_subject ON feed_tokens (programme_id, kind, key);
CREATE UNIQUE INDEX idx_feed_tokens_hash ON feed_tokens (hash);

-- +goose Down
DROP TABLE feed_tokens;
DROP TABLE votes;
DROP TABLE poll_options;
DROP TABLE staying_behind;
DROP TABLE run_riders;
DROP TABLE runs;
DROP TABLE session_audience;
DROP TABLE slot_speakers;
DROP TABLE slots;
DROP TABLE sessions;
DROP TABLE people;
DROP TABLE delegations;
DROP TABLE reservations;
DROP TABLE rooms;
DROP TABLE venues;
DROP TABLE programmes;
