//! What feeds show: only what a guest may read. No members-only category,
//! held thread, or deleted, hidden or held post is ever selected.

use super::conn::{Conn, Row, args};
use super::Result;

/// A post as a feed entry.
#[derive(Debug, Clone)]
pub struct FeedPost {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub thread_slug: String,
    pub number: i64,
    pub author: String,
    pub html: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

/// Shown to guests: the post, its thread and its category.
const VISIBLE: &str = "p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.held_at IS NULL AND t.held_at IS NULL AND c.members_only = 0 AND c.staff_only = 0";

const COLUMNS: &str = "SELECT p.id, t.id, t.title, t.slug, p.number, u.username, p.html, p.created_at, p.edited_at \
     FROM posts p JOIN threads t ON t.id = p.thread_id JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = p.user_id";

fn feed_post(r: &Row) -> Result<FeedPost> {
    Ok(FeedPost {
        post_id: r.int(0)?,
        thread_id: r.int(1)?,
        thread_title: r.text(2)?,
        thread_slug: r.text(3)?,
        number: r.int(4)?,
        author: r.text(5)?,
        html: r.text(6)?,
        created_at: r.int(7)?,
        edited_at: r.opt_int(8)?,
    })
}

/// The newest threads' opening posts, everywhere or in one category. Two
/// statements, not one with "`?1 IS NULL OR …`", which hides the index from
/// PostgreSQL's planner.
pub async fn new_threads(c: &Conn<'_>, category_id: Option<i64>, limit: i64) -> Result<Vec<FeedPost>> {
    const ORDER: &str = "ORDER BY t.created_at DESC, t.id DESC LIMIT ?1";
    match category_id {
        Some(id) => c.all(&format!("{COLUMNS} WHERE p.number = 1 AND {VISIBLE} AND t.category_id = ?2 {ORDER}"), args![limit, id], feed_post).await,
        None => c.all(&format!("{COLUMNS} WHERE p.number = 1 AND {VISIBLE} {ORDER}"), args![limit], feed_post).await,
    }
}

/// A thread's newest posts.
pub async fn thread_posts(c: &Conn<'_>, thread_id: i64, limit: i64) -> Result<Vec<FeedPost>> {
    c.all(&format!("{COLUMNS} WHERE p.thread_id = ?1 AND {VISIBLE} ORDER BY p.number DESC LIMIT ?2"), args![thread_id, limit], feed_post).await
}

/// A member's newest posts.
pub async fn member_posts(c: &Conn<'_>, user_id: i64, limit: i64) -> Result<Vec<FeedPost>> {
    c.all(&format!("{COLUMNS} WHERE p.user_id = ?1 AND {VISIBLE} ORDER BY p.created_at DESC LIMIT ?2"), args![user_id, limit], feed_post).await
}
