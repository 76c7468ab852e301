-- Slot speakers are kept once recorded: a speaker taken off a slot becomes
-- inactive instead of being deleted, and every removal or return counts, so
-- that the speaker's own feeds can show the slot as cancelled for a while and
-- raise its SEQUENCE rather than lower it. Existing speakers are active and
-- never changed. Their changed_at is the slot's modified_at: every change of
-- speakers changed it, so no speaker was added later, and the speaker's
-- LAST-MODIFIED, the later of the two, does not move.
--
-- The defaults only fill the existing rows: the models have none, and a
-- default left in place would be schema drift.

-- +goose Up
ALTER TABLE slot_speakers ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE slot_speakers ADD COLUMN changes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE slot_speakers ADD COLUMN changed_at TIMESTAMPTZ;
UPDATE slot_speakers SET changed_at = slots.modified_at FROM slots WHERE slots.id = slot_speakers.slot_id;
ALTER TABLE slot_speakers ALTER COLUMN changed_at SET NOT NULL;
ALTER TABLE slot_speakers ALTER COLUMN active DROP DEFAULT;
ALTER TABLE slot_speakers ALTER COLUMN changes DROP DEFAULT;

-- +goose Down
-- The earlier schemas know only current speakers: speakers taken off go.
DELETE FROM slot_speakers WHERE NOT active;
ALTER TABLE slot_speakers DROP COLUMN changed_at;
ALTER TABLE slot_speakers DROP COLUMN changes;
ALTER TABLE slot_speakers DROP COLUMN active;
