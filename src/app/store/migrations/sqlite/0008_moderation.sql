-- Moderation: members' standing and sanctions, flags and the review queue,
-- thread tools, members-only categories, community settings and the audit log.

-- Trusted early by a moderator; silenced (reads, cannot post) or suspended
-- (cannot log in) until a time. A suspension for good is the largest integer.
ALTER TABLE users ADD COLUMN trusted_at INTEGER;
ALTER TABLE users ADD COLUMN silenced_until INTEGER;
ALTER TABLE users ADD COLUMN suspended_until INTEGER;
-- Wrong passwords in a row, when the last came, and a lockout after too many.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_failed_login_at INTEGER;
ALTER TABLE users ADD COLUMN login_locked_until INTEGER;

ALTER TABLE categories ADD COLUMN members_only INTEGER NOT NULL DEFAULT 0;

ALTER TABLE threads ADD COLUMN locked_at INTEGER;
-- 0: not pinned; 1: first in its category; 2: first everywhere.
ALTER TABLE threads ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN slow_mode_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN slow_mode_until INTEGER;
-- A thread whose opening post waits for a moderator is listed nowhere yet.
ALTER TABLE threads ADD COLUMN held_at INTEGER;

-- Waiting for a moderator; hidden (by flags or a moderator), with the reason
-- shown to its author; deleted by whom (the author, or a moderator).
ALTER TABLE posts ADD COLUMN held_at INTEGER;
ALTER TABLE posts ADD COLUMN hidden_at INTEGER;
ALTER TABLE posts ADD COLUMN hidden_reason TEXT;
ALTER TABLE posts ADD COLUMN deleted_by INTEGER REFERENCES users(id);

-- What a moderation notice says beyond its kind: the reason, and until when.
ALTER TABLE notifications ADD COLUMN detail TEXT;

-- One flag per member per post. Who flagged is never shown to anyone.
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    reason      TEXT    NOT NULL CHECK (reason IN ('spam', 'abuse', 'harmful_advice', 'at_risk', 'other')),
    note        TEXT,
    -- How much this flag raises its post in the queue (tenths).
    weight      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    handled_at  INTEGER,
    UNIQUE (post_id, user_id)
);
CREATE INDEX flags_pending ON flags(post_id) WHERE handled_at IS NULL;

-- The review queue: a post waiting for a moderator, for one reason.
CREATE TABLE review_items (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('flagged', 'held', 'safety')),
    -- Tenths: the sum of its flags' weights, or a fixed weight for held and safety posts.
    score       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    handled_at  INTEGER,
    handled_by  INTEGER REFERENCES users(id),
    outcome     TEXT
);
CREATE UNIQUE INDEX review_items_pending ON review_items(post_id, kind) WHERE handled_at IS NULL;
CREATE INDEX review_items_queue ON review_items(handled_at, score DESC, created_at);

CREATE TABLE sanctions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('warn', 'silence', 'suspend')),
    reason      TEXT    NOT NULL,
    until       INTEGER,
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    lifted_at   INTEGER
);
CREATE INDEX sanctions_user ON sanctions(user_id, id DESC);

-- Moderators' private notes on a member.
CREATE TABLE member_notes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    author_id   INTEGER NOT NULL REFERENCES users(id),
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX member_notes_user ON member_notes(user_id, id DESC);

-- Every moderator and admin action, written in the action's own transaction.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER REFERENCES users(id),
    action      TEXT    NOT NULL,
    target_kind TEXT    NOT NULL,
    target_id   INTEGER,
    -- The member the action concerns, for filtering by member.
    member_id   INTEGER REFERENCES users(id),
    reason      TEXT,
    before      TEXT,
    after       TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX audit_log_recent ON audit_log(id DESC);

-- The community's own settings, shared by every app node.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A thread merged into another is gone; its address leads to where its posts went.
CREATE TABLE thread_redirects (
    thread_id   INTEGER PRIMARY KEY,
    to_thread   INTEGER NOT NULL REFERENCES threads(id),
    created_at  INTEGER NOT NULL
);

-- Pinned threads are listed first, apart from the rest; each list's page is
-- still found in an index alone (pinned everywhere leaves the latest list,
-- pinned at all leaves its category's).
CREATE INDEX threads_pinned ON threads(pinned) WHERE pinned > 0;
DROP INDEX threads_latest;
DROP INDEX threads_category_latest;
CREATE INDEX threads_latest ON threads(last_post_at DESC, id DESC) WHERE pinned < 2 AND held_at IS NULL;
CREATE INDEX threads_category_latest ON threads(category_id, last_post_at DESC, id DESC) WHERE pinned = 0 AND held_at IS NULL;

-- Search indexes only what anyone may find: not deleted, hidden or held
-- posts. Each row's `author` column now also carries its category ("u42 c5"),
-- so guests' searches leave members-only categories out inside FTS5.
DROP TRIGGER search_post_insert;
DROP TRIGGER search_post_update;
DROP TRIGGER search_thread_title;
DELETE FROM thread_fts;
DELETE FROM reply_fts;

INSERT INTO thread_fts (rowid, title, body, author)
SELECT t.id, t.title, p.body, 'u' || p.user_id || ' c' || t.category_id FROM threads t JOIN posts p ON p.thread_id = t.id AND p.number = 1
WHERE p.deleted_at IS NULL;
INSERT INTO reply_fts (rowid, body, author)
SELECT p.id, p.body, 'u' || p.user_id || ' c' || t.category_id FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.number > 1 AND p.deleted_at IS NULL;

CREATE TRIGGER search_post_insert AFTER INSERT ON posts WHEN new.deleted_at IS NULL AND new.held_at IS NULL AND new.hidden_at IS NULL BEGIN
    INSERT INTO thread_fts (rowid, title, body, author)
    SELECT new.thread_id, title, new.body, 'u' || new.user_id || ' c' || category_id FROM threads WHERE id = new.thread_id AND new.number = 1;
    INSERT INTO reply_fts (rowid, body, author)
    SELECT new.id, new.body, 'u' || new.user_id || ' c' || category_id FROM threads WHERE id = new.thread_id AND new.number > 1;
END;

CREATE TRIGGER search_post_update AFTER UPDATE OF body, deleted_at, held_at, hidden_at, user_id, thread_id, number ON posts BEGIN
    DELETE FROM thread_fts WHERE rowid = old.thread_id AND old.number = 1;
    DELETE FROM reply_fts WHERE rowid = old.id AND old.number > 1;
    INSERT INTO thread_fts (rowid, title, body, author)
    SELECT new.thread_id, title, new.body, 'u' || new.user_id || ' c' || category_id FROM threads
    WHERE id = new.thread_id AND new.number = 1 AND new.deleted_at IS NULL AND new.held_at IS NULL AND new.hidden_at IS NULL;
    INSERT INTO reply_fts (rowid, body, author)
    SELECT new.id, new.body, 'u' || new.user_id || ' c' || category_id FROM threads
    WHERE id = new.thread_id AND new.number > 1 AND new.deleted_at IS NULL AND new.held_at IS NULL AND new.hidden_at IS NULL;
END;

CREATE TRIGGER search_thread_title AFTER UPDATE OF title ON threads BEGIN
    UPDATE thread_fts SET title = new.title WHERE rowid = new.id;
END;

-- A thread moved to another category: its posts' rows carry the new category.
CREATE TRIGGER search_thread_category AFTER UPDATE OF category_id ON threads BEGIN
    UPDATE thread_fts SET author = (SELECT 'u' || user_id || ' c' || new.category_id FROM posts WHERE thread_id = new.id AND number = 1) WHERE rowid = new.id;
    UPDATE reply_fts SET author = (SELECT 'u' || p.user_id || ' c' || new.category_id FROM posts p WHERE p.id = reply_fts.rowid)
    WHERE rowid IN (SELECT id FROM posts WHERE thread_id = new.id AND number > 1);
END;
