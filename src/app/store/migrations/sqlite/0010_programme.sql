-- The running programme: plans, run logs, pain logs, and each member's place.

-- A plan is kept as its source (a TOML file), parsed when used, so every node
-- reads the same plan and an error is always reported against the file.
-- Shipped plans are `builtin` and are refreshed from the binary on start.
CREATE TABLE plans (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    source     TEXT NOT NULL,
    builtin    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A member's plan (NULL: the community's default), their badge as last
-- worked out from their run log (NULL: none yet), whether others may see it
-- and their progress, and when they graduated (NULL: not, or not any more).
ALTER TABLE users ADD COLUMN plan_id INTEGER REFERENCES plans(id);
ALTER TABLE users ADD COLUMN badge TEXT;
ALTER TABLE users ADD COLUMN show_progress INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN graduated_at INTEGER;

-- A run: the plan run it was (plan, week and run; all NULL for a free run),
-- the day it was run on (days since 1970-01-01), and what the member noted.
-- client_id makes an offline phone's retries land once.
CREATE TABLE runs (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    plan_id    INTEGER REFERENCES plans(id),
    week       INTEGER,
    run        INTEGER,
    ran_on     INTEGER NOT NULL,
    distance_m INTEGER,
    duration_s INTEGER,
    felt       TEXT CHECK (felt IN ('easy', 'ok', 'hard')),
    note       TEXT NOT NULL DEFAULT '',
    client_id  TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((plan_id IS NULL) = (week IS NULL) AND (week IS NULL) = (run IS NULL))
);
CREATE INDEX runs_member ON runs(user_id, ran_on DESC, id DESC);
CREATE UNIQUE INDEX runs_client ON runs(user_id, client_id) WHERE client_id IS NOT NULL;

-- Pain noted with a run: where, and how much (0 none to 10 the worst).
-- Private to the member; only a summary they attach to a post is shown.
CREATE TABLE pain_entries (
    id      INTEGER PRIMARY KEY,
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    area    TEXT NOT NULL,
    level   INTEGER NOT NULL CHECK (level BETWEEN 0 AND 10)
);
CREATE INDEX pain_member ON pain_entries(user_id, area);
CREATE INDEX pain_run ON pain_entries(run_id);

-- The summary of their pain log an author attached to a post, as JSON
-- ({"area", "level", "days", "trend"}), kept as it was when they posted.
ALTER TABLE posts ADD COLUMN pain_summary TEXT;
