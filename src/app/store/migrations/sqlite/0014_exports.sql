-- A member's data export: built in the background (`progress` 0–100), kept
-- for a week once ready, then purged.
CREATE TABLE exports (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    progress   INTEGER NOT NULL DEFAULT 0,
    bytes      BLOB,
    created_at INTEGER NOT NULL,
    ready_at   INTEGER,
    expires_at INTEGER
);
CREATE INDEX exports_by_member ON exports(user_id, created_at);
