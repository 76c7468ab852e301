-- The feed change counter of 0011 (feed_changes.seq) also counts the
-- changes that must end what a server keeps in memory of staff
-- authentication (store/authmemory.go): a login session created, changed
-- or ended; an account's e-mail, name or role changed, or the account
-- removed; an API token revoked or deleted. Since this migration the
-- counter, its name notwithstanding, is the one change counter of
-- everything a server answers from memory: programmes' versions and feed
-- tokens (0011) and staff authentication (here). As in 0011 the triggers
-- run in the writing transaction, whichever process writes, and a server
-- polls the counter to learn of them. A token's last use
-- (api_tokens.last_used_at, written at most once a minute) and a password
-- hash (not part of the account the app shows, and never changed by the
-- app) do not count. New accounts and new API tokens do not count either:
-- memory never keeps what the database did not find. SQLite's triggers run
-- once per row: deleting many expired sessions raises the counter once for
-- each, which changes nothing but the count.

-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER feed_changes_staff_session_insert AFTER INSERT ON staff_sessions
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_staff_session_update AFTER UPDATE ON staff_sessions
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_staff_session_delete AFTER DELETE ON staff_sessions
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_user_update AFTER UPDATE OF email, name, role ON users
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_user_delete AFTER DELETE ON users
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_api_token_revoked AFTER UPDATE OF revoked_at ON api_tokens
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_api_token_delete AFTER DELETE ON api_tokens
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER feed_changes_api_token_delete;
DROP TRIGGER feed_changes_api_token_revoked;
DROP TRIGGER feed_changes_user_delete;
DROP TRIGGER feed_changes_user_update;
DROP TRIGGER feed_changes_staff_session_delete;
DROP TRIGGER feed_changes_staff_session_update;
DROP TRIGGER feed_changes_staff_session_insert;
