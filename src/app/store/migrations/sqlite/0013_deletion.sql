-- Leaving: a member asks for their account to be deleted, 'anonymise' (their
-- posts stay, under "a former member") or 'erase' (their posts go too).
-- Logging in within the grace period cancels it; once carried out,
-- `deleted_at` marks the row, which keeps only its id and a placeholder name.
ALTER TABLE users ADD COLUMN deletion_requested_at INTEGER;
ALTER TABLE users ADD COLUMN deletion_mode TEXT CHECK (deletion_mode IN ('anonymise', 'erase'));
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
CREATE INDEX users_deletion_due ON users(deletion_requested_at) WHERE deletion_requested_at IS NOT NULL;
