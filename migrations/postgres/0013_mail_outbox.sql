-- Calendar invitations by e-mail (iMIP). A programme names the address its
-- invitations come from and can pause its mail; a person asks for their
-- agenda by e-mail.
--
-- The outbox holds one message per person and batch of changes: a change
-- marks the person's pending row due (creating it, or merging into the one
-- that waits), in the transaction that records the change, so that no change
-- is lost. The worker builds the message when it is due from the person's
-- agenda as it is then, compared with what mail_sent_items says they were
-- last sent, so that a retry or a merge never sends stale or duplicate
-- items. Rows are kept once sent or failed, for staff to see.
--
-- The new flags of programmes and people keep their defaults, as on
-- SQLite (which cannot drop one without rebuilding the tables), and the
-- models declare the same defaults; organizer_email may be NULL, as there.

-- +goose Up
ALTER TABLE programmes ADD COLUMN organizer_email TEXT;
ALTER TABLE programmes ADD COLUMN mail_paused BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE people ADD COLUMN calendar_by_email BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE mail_outbox (
    id            BIGSERIAL PRIMARY KEY,
    programme_id  BIGINT   NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    person_key    TEXT     NOT NULL,
    status        TEXT     NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    due_at        TIMESTAMPTZ NOT NULL,
    generation    BIGINT  NOT NULL,
    attempts      BIGINT  NOT NULL,
    last_error    TEXT     NOT NULL,
    claimed_by    TEXT     NOT NULL,
    claimed_until TIMESTAMPTZ,
    recipient     TEXT     NOT NULL,
    summary       TEXT     NOT NULL,
    message_id    TEXT     NOT NULL,
    sent_at       TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
-- One message waits per person: later changes merge into it.
CREATE UNIQUE INDEX idx_mail_outbox_pending ON mail_outbox (programme_id, person_key) WHERE status = 'pending';
CREATE INDEX idx_mail_outbox_status_due_at ON mail_outbox (status, due_at);
CREATE INDEX idx_mail_outbox_programme_person ON mail_outbox (programme_id, person_key);

-- Which recorded changes a message carries (the change log's ids).
CREATE TABLE mail_outbox_changes (
    id        BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES mail_outbox (id) ON DELETE CASCADE,
    change_id BIGINT NOT NULL
);
CREATE UNIQUE INDEX idx_mail_outbox_changes_outbox_change ON mail_outbox_changes (outbox_id, change_id);
CREATE INDEX idx_mail_outbox_changes_change_id ON mail_outbox_changes (change_id);

-- What each person was last sent of each item, by calendar UID, to which
-- address: the base of the next message.
CREATE TABLE mail_sent_items (
    id           BIGSERIAL PRIMARY KEY,
    programme_id BIGINT   NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    person_key   TEXT     NOT NULL,
    uid          TEXT     NOT NULL,
    recipient    TEXT     NOT NULL,
    sequence     BIGINT  NOT NULL,
    cancelled    BOOLEAN  NOT NULL,
    title        TEXT     NOT NULL,
    location     TEXT     NOT NULL,
    time_zone    TEXT     NOT NULL,
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX idx_mail_sent_items_person_uid ON mail_sent_items (programme_id, person_key, uid);

-- +goose Down
DROP TABLE mail_sent_items;
DROP TABLE mail_outbox_changes;
DROP TABLE mail_outbox;
ALTER TABLE people DROP COLUMN calendar_by_email;
ALTER TABLE programmes DROP COLUMN mail_paused;
ALTER TABLE programmes DROP COLUMN organizer_email;
