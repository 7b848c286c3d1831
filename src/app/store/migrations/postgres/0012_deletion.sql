-- Leaving. The same shape as SQLite's migration 0013, which explains each part.
ALTER TABLE users
    ADD COLUMN deletion_requested_at BIGINT,
    ADD COLUMN deletion_mode TEXT CHECK (deletion_mode IN ('anonymise', 'erase')),
    ADD COLUMN deleted_at BIGINT;
CREATE INDEX users_deletion_due ON users(deletion_requested_at) WHERE deletion_requested_at IS NOT NULL;
