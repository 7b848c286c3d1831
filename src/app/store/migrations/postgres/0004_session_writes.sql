-- When a session last wrote: requests shortly after a write read from the
-- primary rather than a replica, so members always see their own posts.
ALTER TABLE sessions ADD COLUMN last_write_at BIGINT NOT NULL DEFAULT 0;
