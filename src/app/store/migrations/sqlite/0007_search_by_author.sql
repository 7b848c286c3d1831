-- Each indexed post also carries its author as a token ("u42" in an author
-- column), so a search narrowed to one member intersects their few postings
-- with the words' inside FTS5, rather than joining every match to posts to
-- find theirs. The indexes are rebuilt from posts, which they only mirror.
DROP TRIGGER search_post_insert;
DROP TRIGGER search_post_update;
DROP TRIGGER search_thread_title;
DROP TABLE thread_fts;
DROP TABLE reply_fts;

CREATE VIRTUAL TABLE thread_fts USING fts5(title, body, author, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE reply_fts USING fts5(body, author, tokenize = 'porter unicode61 remove_diacritics 2');

INSERT INTO thread_fts (rowid, title, body, author)
SELECT t.id, t.title, p.body, 'u' || p.user_id FROM threads t JOIN posts p ON p.thread_id = t.id AND p.number = 1 WHERE p.deleted_at IS NULL;
INSERT INTO reply_fts (rowid, body, author) SELECT id, body, 'u' || user_id FROM posts WHERE number > 1 AND deleted_at IS NULL;

CREATE TRIGGER search_post_insert AFTER INSERT ON posts WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO thread_fts (rowid, title, body, author)
    SELECT new.thread_id, title, new.body, 'u' || new.user_id FROM threads WHERE id = new.thread_id AND new.number = 1;
    INSERT INTO reply_fts (rowid, body, author) SELECT new.id, new.body, 'u' || new.user_id WHERE new.number > 1;
END;

CREATE TRIGGER search_post_update AFTER UPDATE OF body, deleted_at, user_id ON posts BEGIN
    DELETE FROM thread_fts WHERE rowid = old.thread_id AND old.number = 1;
    DELETE FROM reply_fts WHERE rowid = old.id AND old.number > 1;
    INSERT INTO thread_fts (rowid, title, body, author)
    SELECT new.thread_id, title, new.body, 'u' || new.user_id FROM threads WHERE id = new.thread_id AND new.number = 1 AND new.deleted_at IS NULL;
    INSERT INTO reply_fts (rowid, body, author) SELECT new.id, new.body, 'u' || new.user_id WHERE new.number > 1 AND new.deleted_at IS NULL;
END;

CREATE TRIGGER search_thread_title AFTER UPDATE OF title ON threads BEGIN
    UPDATE thread_fts SET title = new.title WHERE rowid = new.id;
END;
