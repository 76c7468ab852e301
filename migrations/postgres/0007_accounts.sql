-- Staff accounts and their login sessions. Delegates never log in; staff do,
-- with an e-mail address (kept lower-cased, unique) and a password of which
-- only an argon2id hash is stored. Sessions live in the database rather than
-- in one process's memory, so that any instance serves any request.
--
-- Numbered 0007 because 0005 and 0006 ship with the hardening work.

-- +goose Up
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT     NOT NULL,
    role          TEXT     NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash TEXT     NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX idx_users_email ON users (email);

-- A session's token is the random value of its cookie; data is what the
-- session manager encodes (the user's id, nothing secret).
CREATE TABLE staff_sessions (
    token  TEXT     NOT NULL PRIMARY KEY,
    data   BYTEA    NOT NULL,
    expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_staff_sessions_expiry ON staff_sessions (expiry);

-- +goose Down
DROP TABLE staff_sessions;
DROP TABLE users;
