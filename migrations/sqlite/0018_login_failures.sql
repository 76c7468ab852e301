-- Failed staff logins, counted per key in fixed windows, so that every
-- instance of the server on one database applies the same limits (5 per
-- account, 20 per client address, in 15 minutes; see web/staff_auth.go). The
-- key is the SHA-256 of "account:<e-mail>" or "address:<IP>", so the table
-- holds neither addresses nor e-mail addresses. window_start is in Unix
-- milliseconds; a row whose window has ended is replaced by the next failure
-- of its key and deleted by any failure recorded after its window.

-- +goose Up
CREATE TABLE login_failures (
    key_hash     TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     INTEGER NOT NULL
);
CREATE INDEX idx_login_failures_window ON login_failures (window_start);

-- +goose Down
DROP TABLE login_failures;
