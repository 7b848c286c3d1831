-- Notifications, watching, unread tracking, muting, and mail: what members
-- are told, in the app and by email.

-- Members' choices about email and watching, and their visits: `last_seen_at`
-- moves (at most once a minute) while they use the site; `previous_visit_at`
-- is when the visit before this one ended, for "new since your last visit".
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
ALTER TABLE users ADD COLUMN email_frequency TEXT NOT NULL DEFAULT 'away' CHECK (email_frequency IN ('always', 'away', 'never'));
ALTER TABLE users ADD COLUMN digest TEXT NOT NULL DEFAULT 'weekly' CHECK (digest IN ('daily', 'weekly', 'never'));
ALTER TABLE users ADD COLUMN default_watch TEXT NOT NULL DEFAULT 'tracking' CHECK (default_watch IN ('watching', 'tracking', 'normal'));
ALTER TABLE users ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN previous_visit_at INTEGER NOT NULL DEFAULT 0;
UPDATE users SET last_seen_at = created_at, previous_visit_at = created_at;

-- Thanks are grouped into one unread notification per post: who thanked
-- (a JSON array of member ids, latest first, a few kept) and how many.
ALTER TABLE notifications ADD COLUMN actor_ids TEXT;
ALTER TABLE notifications ADD COLUMN actor_count INTEGER NOT NULL DEFAULT 1;
-- Sent in an email already (or judged not to need one).
ALTER TABLE notifications ADD COLUMN emailed_at INTEGER;
CREATE INDEX notifications_post ON notifications(post_id, kind) WHERE read_at IS NULL;

-- Events for one member only (their notification count changed).
ALTER TABLE events ADD COLUMN user_id INTEGER;

-- The highest post number anyone can read (not held): "N new" is this less
-- a member's last read number.
ALTER TABLE threads ADD COLUMN last_number INTEGER NOT NULL DEFAULT 0;
UPDATE threads SET last_number = COALESCE((SELECT MAX(number) FROM posts WHERE thread_id = threads.id AND held_at IS NULL), 0);
-- "New" threads are found newest first.
CREATE INDEX threads_created ON threads(created_at DESC) WHERE held_at IS NULL;

-- One row per member per thread they have opened or chosen a level for:
-- how far they have read, and how closely they follow it (NULL: as their
-- category watch says, or normal).
CREATE TABLE member_threads (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    thread_id  INTEGER NOT NULL REFERENCES threads(id),
    last_read  INTEGER NOT NULL DEFAULT 0,
    level      TEXT CHECK (level IN ('watching', 'tracking', 'normal', 'muted')),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, thread_id)
) WITHOUT ROWID;
CREATE INDEX member_threads_watching ON member_threads(thread_id) WHERE level = 'watching';

CREATE TABLE member_categories (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    level       TEXT    NOT NULL CHECK (level IN ('watching', 'tracking', 'normal', 'muted')),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, category_id)
) WITHOUT ROWID;
CREATE INDEX member_categories_watching ON member_categories(category_id) WHERE level = 'watching';

-- A member muted by another: their posts fold away for them, and they
-- cause them no notifications.
CREATE TABLE member_mutes (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    muted_id   INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, muted_id)
) WITHOUT ROWID;

-- Mail to send, written in the transaction of what causes it. A worker
-- claims a due message (for a while, so a crashed node's claim lapses),
-- builds it from the data as it is then, sends it, and settles it.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('away', 'digest', 'verify', 'reset')),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    -- One digest per member per period, ever.
    dedupe_key    TEXT UNIQUE,
    -- The address to verify, or the digest's period.
    detail        TEXT,
    created_at    INTEGER NOT NULL,
    send_after    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_until INTEGER,
    -- Settled: 'sent', 'nothing-new' (everything was read meanwhile),
    -- 'no-address', or 'failed' after the last retry.
    settled_at    INTEGER,
    outcome       TEXT,
    last_error    TEXT
);
CREATE INDEX outbox_due ON outbox(send_after) WHERE settled_at IS NULL;
-- At most one "while you were away" message waits per member; later
-- notifications join it.
CREATE UNIQUE INDEX outbox_away_waiting ON outbox(user_id) WHERE kind = 'away' AND settled_at IS NULL;

-- Single-use links sent by email: verifying an address, resetting a
-- password. Only a hash of each token is kept.
CREATE TABLE email_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    purpose    TEXT    NOT NULL CHECK (purpose IN ('verify', 'reset')),
    email      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX email_tokens_user ON email_tokens(user_id);
