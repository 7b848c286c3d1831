-- Full-text search: an English tsvector per post, the thread title (weight A)
-- above the body (weight B) for opening posts, kept by a trigger on every
-- insert and edit, and a GIN index over posts that aren't deleted.
ALTER TABLE posts ADD COLUMN search tsvector;

CREATE FUNCTION posts_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search := setweight(to_tsvector('english',
                      CASE WHEN NEW.number = 1 THEN coalesce((SELECT title FROM threads WHERE id = NEW.thread_id), '') ELSE '' END), 'A')
               || setweight(to_tsvector('english', NEW.body), 'B');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER posts_search BEFORE INSERT OR UPDATE OF body ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_search_vector();

-- Index what is already there.
UPDATE posts SET body = body;

CREATE FUNCTION threads_search_title() RETURNS trigger AS $$
BEGIN
    UPDATE posts SET body = body WHERE thread_id = NEW.id AND number = 1;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER threads_search_title AFTER UPDATE OF title ON threads
    FOR EACH ROW EXECUTE FUNCTION threads_search_title();

CREATE INDEX posts_search_idx ON posts USING GIN (search) WHERE deleted_at IS NULL;
