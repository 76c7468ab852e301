-- API tokens: how staff scripts reach /api/v1. A token acts with the role
-- of the account it belongs to, so it has no role of its own, and it goes
-- when the account goes. Only the SHA-256 of the token is kept: whoever
-- reads the database cannot use a token. A revoked token keeps its row
-- (with revoked_at set) so that lists still show what existed.
-- last_used_at is written at most once a minute, so that a busy script
-- does not turn every read into a write.

-- +goose Up
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL,
    created_at   DATETIME NOT NULL COLLATE TIME,
    last_used_at DATETIME COLLATE TIME,
    revoked_at   DATETIME COLLATE TIME
);
CREATE UNIQUE INDEX idx_api_tokens_hash ON api_tokens (hash);
CREATE INDEX idx_api_tokens_user ON api_tokens (user_id);

-- +goose Down
DROP TABLE api_tokens;
