-- What changed, in order: the source of live updates. Browsers reconnect with
-- the last id they saw and are sent everything after it.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    thread_id   INTEGER,
    post_id     INTEGER,
    category_id INTEGER,
    created_at  INTEGER NOT NULL
);
