-- A counter of the changes that matter to the feeds a server keeps in
-- memory: a programme's new version (an import or a change), and a feed
-- token revoked, rotated or deleted. Every write path reaches it through the
-- triggers below, in the writing transaction, so that a server polling this
-- one row learns of a change made by any process. Fetch records (which
-- update other columns of feed_tokens) do not count.

-- +goose Up
CREATE TABLE feed_changes (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO feed_changes (id, seq) VALUES (1, 0);

-- +goose StatementBegin
CREATE TRIGGER feed_changes_token_hash AFTER UPDATE OF hash ON feed_tokens
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_token_delete AFTER DELETE ON feed_tokens
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_programme_insert AFTER INSERT ON programmes
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_programme_version AFTER UPDATE OF version ON programmes
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feed_changes_programme_delete AFTER DELETE ON programmes
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER feed_changes_programme_delete;
DROP TRIGGER feed_changes_programme_version;
DROP TRIGGER feed_changes_programme_insert;
DROP TRIGGER feed_changes_token_delete;
DROP TRIGGER feed_changes_token_hash;
DROP TABLE feed_changes;
