-- The database remembers a fingerprint of the secret key its feed tokens are
-- derived from, so that a command started with another key (another working
-- directory, another --secret-key) stops instead of printing feed URLs that
-- answer 404. The fingerprint is an HMAC of a fixed text under the key,
-- truncated: it tells keys apart without helping anyone guess the key.
--
-- One row at most: the CHECK keeps a second fingerprint out.

-- +goose Up
CREATE TABLE feed_key_fingerprints (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT     NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE feed_key_fingerprints;
