-- Moving in from another forum. `import_map` ties each imported thing to
-- where it came from, so running an import again updates instead of
-- duplicating. It holds ids only, no personal data.
CREATE TABLE import_map (
    source    TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    source_id TEXT    NOT NULL,
    local_id  INTEGER NOT NULL,
    PRIMARY KEY (source, kind, source_id)
) WITHOUT ROWID;

-- Categories keep their parents; a staff-only one is seen by moderators and
-- admins alone.
ALTER TABLE categories ADD COLUMN parent_id INTEGER REFERENCES categories(id);
ALTER TABLE categories ADD COLUMN staff_only INTEGER NOT NULL DEFAULT 0;

-- The outbox learns one more kind of message: "your export is ready".
-- SQLite can't change a CHECK in place, so the table is rebuilt.
CREATE TABLE outbox_new (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('away', 'digest', 'verify', 'reset', 'export-ready')),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    dedupe_key    TEXT UNIQUE,
    detail        TEXT,
    created_at    INTEGER NOT NULL,
    send_after    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_until INTEGER,
    settled_at    INTEGER,
    outcome       TEXT,
    last_error    TEXT
);
INSERT INTO outbox_new SELECT id, kind, user_id, dedupe_key, detail, created_at, send_after, attempts, claimed_until, settled_at, outcome, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(send_after) WHERE settled_at IS NULL;
CREATE UNIQUE INDEX outbox_away_waiting ON outbox(user_id) WHERE kind = 'away' AND settled_at IS NULL;

-- Likes brought over as counts, when the source doesn't say who gave them;
-- a post's thanks are its thanks rows plus these.
ALTER TABLE posts ADD COLUMN imported_thanks INTEGER NOT NULL DEFAULT 0;
