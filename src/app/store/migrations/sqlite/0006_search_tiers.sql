-- Search in two indexes that each stay quick to rank at a million posts:
-- threads (title and opening post, one row per thread, keyed by thread) and
-- replies (keyed by post). Every post that isn't deleted is in exactly one.
DROP TRIGGER posts_fts_insert;
DROP TRIGGER posts_fts_update;
DROP TRIGGER threads_fts_title;
DROP TABLE posts_fts;

CREATE VIRTUAL TABLE thread_fts USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE reply_fts USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2');

INSERT INTO thread_fts (rowid, title, body)
SELECT t.id, t.title, p.body FROM threads t JOIN posts p ON p.thread_id = t.id AND p.number = 1 WHERE p.deleted_at IS NULL;
INSERT INTO reply_fts (rowid, body) SELECT id, body FROM posts WHERE number > 1 AND deleted_at IS NULL;

CREATE TRIGGER search_post_insert AFTER INSERT ON posts WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO thread_fts (rowid, title, body) SELECT new.thread_id, title, new.body FROM threads WHERE id = new.thread_id AND new.number = 1;
    INSERT INTO reply_fts (rowid, body) SELECT new.id, new.body WHERE new.number > 1;
END;

CREATE TRIGGER search_post_update AFTER UPDATE OF body, deleted_at ON posts BEGIN
    DELETE FROM thread_fts WHERE rowid = old.thread_id AND old.number = 1;
    DELETE FROM reply_fts WHERE rowid = old.id AND old.number > 1;
    INSERT INTO thread_fts (rowid, title, body)
    SELECT new.thread_id, title, new.body FROM threads WHERE id = new.thread_id AND new.number = 1 AND new.deleted_at IS NULL;
    INSERT INTO reply_fts (rowid, body) SELECT new.id, new.body WHERE new.number > 1 AND new.deleted_at IS NULL;
END;

CREATE TRIGGER search_thread_title AFTER UPDATE OF title ON threads BEGIN
    UPDATE thread_fts SET title = new.title WHERE rowid = new.id;
END;
