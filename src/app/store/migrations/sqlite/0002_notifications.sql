-- Notifications: what a member should know about, newest first.
-- `kind` names the reason: 'safety-emergency' tells staff a post may need help now.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT    NOT NULL,
    post_id    INTEGER REFERENCES posts(id),
    actor_id   INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, id DESC);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
