-- The feed change counter of 0011 (feed_changes.seq) also counts the
-- changes that must end what a server keeps in memory of staff
-- authentication (store/authmemory.go): a login session created, changed
-- or ended; an account's e-mail, name or role changed, or the account
-- removed; an API token revoked or deleted. Since this migration the
-- counter, its name notwithstanding, is the one change counter of
-- everything a server answers from memory: programmes' versions and feed
-- tokens (0011) and staff authentication (here). As in 0011 the triggers
-- run in the writing transaction, whichever process writes, and send a
-- notification on channel planner_feed_changes delivered when it commits.
-- A token's last use (api_tokens.last_used_at, written at most once a
-- minute) and a password hash (not part of the account the app shows, and
-- never changed by the app) do not count. New accounts and new API tokens
-- do not count either: memory never keeps what the database did not find.

-- +goose Up
CREATE TRIGGER feed_changes_staff_sessions AFTER INSERT OR UPDATE OR DELETE ON staff_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION feed_changes_bump();
CREATE TRIGGER feed_changes_users AFTER UPDATE OF email, name, role OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION feed_changes_bump();
CREATE TRIGGER feed_changes_api_tokens AFTER UPDATE OF revoked_at OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION feed_changes_bump();

-- +goose Down
DROP TRIGGER feed_changes_api_tokens ON api_tokens;
DROP TRIGGER feed_changes_users ON users;
DROP TRIGGER feed_changes_staff_sessions ON staff_sessions;
