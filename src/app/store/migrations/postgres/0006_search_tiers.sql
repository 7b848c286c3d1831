-- Search in two tiers that each stay quick to rank at a million posts: threads
-- get their own vector (title A, opening post B) and GIN index, so ranking whole
-- threads reads one row per thread; replies keep theirs in posts, indexed for
-- replies only.
ALTER TABLE threads ADD COLUMN search tsvector;

UPDATE threads t SET search = setweight(to_tsvector('english', t.title), 'A') || setweight(to_tsvector('english', p.body), 'B')
FROM posts p WHERE p.thread_id = t.id AND p.number = 1 AND p.deleted_at IS NULL;

-- Runs after the opening post is written, edited or deleted; a new title
-- reaches it through threads_search_title, which touches the opening post.
CREATE FUNCTION threads_search_from_post() RETURNS trigger AS $$
BEGIN
    IF NEW.number = 1 THEN
        UPDATE threads SET search = CASE WHEN NEW.deleted_at IS NULL THEN
            setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', NEW.body), 'B') END
        WHERE id = NEW.thread_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER threads_search_from_post AFTER INSERT OR UPDATE OF body, deleted_at ON posts
    FOR EACH ROW EXECUTE FUNCTION threads_search_from_post();

CREATE INDEX threads_search_idx ON threads USING GIN (search);
CREATE INDEX posts_reply_search_idx ON posts USING GIN (search) WHERE deleted_at IS NULL AND number > 1;
DROP INDEX posts_search_idx;

-- Plans for the queries above need statistics on the new column now, not at the next autovacuum.
ANALYZE threads;
