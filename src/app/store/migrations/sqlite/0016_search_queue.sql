-- A new post is queued for the full-text indexes rather than indexed at once;
-- the writer indexes its group's queue in one statement just before the
-- group commits (`sqlite::search::index_queued`), so the index still commits
-- with the post. FTS5 writes its pending words to disk at every savepoint,
-- and the writer opens one per write: indexed one by one, every reply cost a
-- segment of its own and the merges that followed.
CREATE TABLE search_queue (post_id INTEGER PRIMARY KEY);

DROP TRIGGER search_post_insert;
CREATE TRIGGER search_post_insert AFTER INSERT ON posts WHEN new.deleted_at IS NULL AND new.held_at IS NULL AND new.hidden_at IS NULL BEGIN
    INSERT OR IGNORE INTO search_queue (post_id) VALUES (new.id);
END;

-- A queued post that changes leaves the queue: `search_post_update` indexes
-- it (or not) at once, as it does any post.
CREATE TRIGGER search_queue_changed AFTER UPDATE OF body, deleted_at, held_at, hidden_at, user_id, thread_id, number ON posts BEGIN
    DELETE FROM search_queue WHERE post_id = old.id;
END;
