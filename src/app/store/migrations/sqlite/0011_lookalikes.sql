-- What a username might be mistaken for (`validate::username_skeleton`):
-- a new name can't share one with an existing member. Filled in by the
-- application for members who joined before this (it is computed in Rust),
-- so the index isn't unique: older communities may hold lookalikes already.
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
CREATE INDEX users_skeleton ON users(username_skeleton);
