-- Full-text search with English (Porter) stemming. A post's row carries its
-- thread's title when it opens the thread, so title matches rank higher.
-- Triggers keep the index in step with new posts, edits, deletions and imports.
CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2');

INSERT INTO posts_fts (rowid, title, body)
SELECT p.id, CASE WHEN p.number = 1 THEN t.title ELSE '' END, p.body
FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.deleted_at IS NULL;

CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO posts_fts (rowid, title, body)
    VALUES (new.id, CASE WHEN new.number = 1 THEN (SELECT title FROM threads WHERE id = new.thread_id) ELSE '' END, new.body);
END;

CREATE TRIGGER posts_fts_update AFTER UPDATE OF body, deleted_at ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = old.id;
    INSERT INTO posts_fts (rowid, title, body)
    SELECT new.id, CASE WHEN new.number = 1 THEN (SELECT title FROM threads WHERE id = new.thread_id) ELSE '' END, new.body
    WHERE new.deleted_at IS NULL;
END;

CREATE TRIGGER threads_fts_title AFTER UPDATE OF title ON threads BEGIN
    UPDATE posts_fts SET title = new.title WHERE rowid = (SELECT id FROM posts WHERE thread_id = new.id AND number = 1);
END;
