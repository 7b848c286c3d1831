//! Bulk loads on SQLite. Lists arrive as JSON arrays, read with `json_each`,
//! whose `key` is each element's position (from 0).

/// Members' post and thanks counts by id, then categories' thread and post counts by id.
pub(in crate::app::store) const SET_COUNTERS: [&str; 2] = [
    "UPDATE users SET post_count = p.value, thanks_received = t.value FROM json_each(?1) p JOIN json_each(?2) t ON t.key = p.key \
     WHERE users.id = p.key + 1",
    "UPDATE categories SET thread_count = t.value, post_count = p.value FROM json_each(?1) t JOIN json_each(?2) p ON p.key = t.key \
     WHERE categories.id = t.key + 1",
];
