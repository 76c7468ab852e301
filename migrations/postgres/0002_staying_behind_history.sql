-- Staying-behind entries are kept once recorded: a rider taken off the list
-- becomes inactive instead of being deleted, and every change counts, so that
-- the rider's feed can raise the run's SEQUENCE when they ride again rather
-- than lower it. Existing entries are active and were recorded once.
--
-- The defaults only fill the existing rows: the models have none, and a
-- default left in place would be schema drift.

-- +goose Up
ALTER TABLE staying_behind ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE staying_behind ADD COLUMN changes BIGINT NOT NULL DEFAULT 1;
ALTER TABLE staying_behind ALTER COLUMN active DROP DEFAULT;
ALTER TABLE staying_behind ALTER COLUMN changes DROP DEFAULT;

-- +goose Down
-- The first schema knows only riders staying behind now: inactive entries go.
DELETE FROM staying_behind WHERE NOT active;
ALTER TABLE staying_behind DROP COLUMN changes;
ALTER TABLE staying_behind DROP COLUMN active;
