-- One way to change things: every write to a programme, from the staff
-- pages, an imported file or the demo, is recorded in the change log with
-- who made it, one row per change and one per item it changed, each item
-- with its programme-file fragment before and after, so that the history
-- page can read like a log and any change can be undone.
--
-- Staff accounts get a display name for that log, and programmes a public
-- flag: only a public programme is shown without a login (its tokenless page
-- and the list of programmes). Existing programmes stay private.

-- +goose Up
-- The default only fills the existing rows: every new account states its
-- name, even an empty one.
ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ALTER COLUMN name DROP DEFAULT;
ALTER TABLE programmes ADD COLUMN public BOOLEAN NOT NULL DEFAULT false;

-- author_id is kept NULL once the account is removed; the author's name and
-- e-mail stay, so that the log still says who.
CREATE TABLE changes (
    id           BIGSERIAL PRIMARY KEY,
    programme_id BIGINT   NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    at           TIMESTAMPTZ NOT NULL,
    author_id    BIGINT   REFERENCES users (id) ON DELETE SET NULL,
    author_name  TEXT     NOT NULL,
    author_email TEXT     NOT NULL,
    source       TEXT     NOT NULL,
    summary      TEXT     NOT NULL,
    undo_of      BIGINT   REFERENCES changes (id) ON DELETE SET NULL
);
CREATE INDEX idx_changes_programme_id ON changes (programme_id, id);

-- before_json and after_json are the item's fragment of the programme file,
-- empty when the item did not exist before or after the change; lines are
-- what changed, in words, one per line.
CREATE TABLE change_items (
    id          BIGSERIAL PRIMARY KEY,
    change_id   BIGINT  NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
    position    BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    before_json TEXT    NOT NULL,
    after_json  TEXT    NOT NULL,
    lines       TEXT    NOT NULL
);
CREATE INDEX idx_change_items_change_id ON change_items (change_id, position);
-- Who changed an item last, for the message of a stale save.
CREATE INDEX idx_change_items_item ON change_items (kind, key);

-- +goose Down
DROP TABLE change_items;
DROP TABLE changes;
ALTER TABLE programmes DROP COLUMN public;
ALTER TABLE users DROP COLUMN name;
