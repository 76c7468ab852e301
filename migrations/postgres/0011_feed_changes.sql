-- A counter of the changes that matter to the feeds a server keeps in
-- memory: a programme's new version (an import or a change), and a feed
-- token revoked, rotated or deleted. Every write path reaches it through the
-- triggers below, in the writing transaction, so that a server learns of a
-- change made by any process: the trigger also sends a notification on
-- channel planner_feed_changes, delivered when the transaction commits, and
-- a server that cannot listen polls the counter instead. Fetch records
-- (which update other columns of feed_tokens) do not count.

-- +goose Up
CREATE TABLE feed_changes (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO feed_changes (id, seq) VALUES (1, 0);

-- +goose StatementBegin
CREATE FUNCTION feed_changes_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feed_changes SET seq = seq + 1 WHERE id = 1;
    PERFORM pg_notify('planner_feed_changes', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER feed_changes_tokens AFTER UPDATE OF hash OR DELETE ON feed_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION feed_changes_bump();
CREATE TRIGGER feed_changes_programmes AFTER INSERT OR UPDATE OF version OR DELETE ON programmes
    FOR EACH STATEMENT EXECUTE FUNCTION feed_changes_bump();

-- +goose Down
DROP TRIGGER feed_changes_programmes ON programmes;
DROP TRIGGER feed_changes_tokens ON feed_tokens;
DROP FUNCTION feed_changes_bump();
DROP TABLE feed_changes;
