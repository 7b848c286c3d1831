-- Pictures members upload, for posts and as avatars. They are re-encoded
-- before they are stored (no EXIF survives) and kept in the database, so
-- every app node serves the same ones and a backup holds them. `key` (from
-- the picture's hash) is part of the address, so ids can't be counted through.
CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('post', 'avatar')),
    content_type TEXT NOT NULL,
    key          TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX uploads_by_member ON uploads(user_id, created_at);

-- The address of the member's own picture; NULL shows the generated one.
ALTER TABLE users ADD COLUMN avatar TEXT;
