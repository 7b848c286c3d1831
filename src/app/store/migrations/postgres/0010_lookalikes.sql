-- What a username might be mistaken for; see SQLite's migration 0011.
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
CREATE INDEX users_skeleton ON users(username_skeleton);
