-- Moving in from another forum: see the SQLite migration of the same name.
CREATE TABLE import_map (
    source    TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    source_id TEXT   NOT NULL,
    local_id  BIGINT NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);

ALTER TABLE categories ADD COLUMN parent_id BIGINT REFERENCES categories(id);
ALTER TABLE categories ADD COLUMN staff_only BIGINT NOT NULL DEFAULT 0;

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('away', 'digest', 'verify', 'reset', 'export-ready'));

ALTER TABLE posts ADD COLUMN imported_thanks BIGINT NOT NULL DEFAULT 0;
