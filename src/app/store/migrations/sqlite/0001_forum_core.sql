-- Forum core: members, sessions, categories, threads, posts, revisions, mentions, thanks.
-- Times are Unix milliseconds. Counters are kept by the writer in the same
-- transaction as the change they count, so lists never need COUNT(*).

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL,
    username_lower  TEXT    NOT NULL UNIQUE,
    email           TEXT,
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'admin')),
    created_at      INTEGER NOT NULL,
    post_count      INTEGER NOT NULL DEFAULT 0,
    thanks_received INTEGER NOT NULL DEFAULT 0
);

-- Only a hash of each token is stored, so a copy of the database cannot be used to log in.
CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('cookie', 'api')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE categories (
    id           INTEGER PRIMARY KEY,
    slug         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    position     INTEGER NOT NULL DEFAULT 0,
    thread_count INTEGER NOT NULL DEFAULT 0,
    post_count   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);

CREATE TABLE threads (
    id                INTEGER PRIMARY KEY,
    category_id       INTEGER NOT NULL REFERENCES categories(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    title             TEXT    NOT NULL,
    slug              TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    last_post_at      INTEGER NOT NULL,
    last_post_user_id INTEGER NOT NULL REFERENCES users(id),
    -- Posts ever made, deleted ones included: it hands out post numbers.
    post_count        INTEGER NOT NULL DEFAULT 0,
    reply_count       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX threads_latest ON threads(last_post_at DESC, id DESC);
CREATE INDEX threads_category_latest ON threads(category_id, last_post_at DESC, id DESC);

CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    thread_id    INTEGER NOT NULL REFERENCES threads(id),
    number       INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    reply_to     INTEGER REFERENCES posts(id),
    body         TEXT    NOT NULL,
    html         TEXT    NOT NULL,
    excerpt      TEXT    NOT NULL,
    mentions     TEXT    NOT NULL DEFAULT '[]',   -- JSON array of usernames, for reading without a join
    thanks_count INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    edited_at    INTEGER,
    deleted_at   INTEGER,
    UNIQUE (thread_id, number)
);
CREATE INDEX posts_user_recent ON posts(user_id, created_at DESC);
CREATE INDEX posts_reply_to ON posts(reply_to);

CREATE TABLE post_revisions (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    body       TEXT    NOT NULL,
    html       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,   -- when this version was first published
    replaced_at INTEGER NOT NULL,
    replaced_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX post_revisions_post ON post_revisions(post_id, id);

CREATE TABLE post_mentions (
    post_id INTEGER NOT NULL REFERENCES posts(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (post_id, user_id)
) WITHOUT ROWID;
CREATE INDEX post_mentions_user ON post_mentions(user_id);

CREATE TABLE thanks (
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
) WITHOUT ROWID;
CREATE INDEX thanks_user ON thanks(user_id);
