//! The forum itself: categories, threads, posts, their revisions, mentions and thanks.

use super::conn::{Conn, Row, Tx, args};
use super::{Result, Store, StoreError, now_millis};
use crate::domain::markdown::Rendered;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub thread_count: i64,
    pub post_count: i64,
}

#[derive(Debug, Clone)]
pub struct CategoryInput {
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// A thread as a row in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadSummary {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_slug: String,
    pub category_name: String,
    pub author: String,
    pub created_at: i64,
    pub last_post_at: i64,
    pub last_poster: String,
    pub replies: i64,
}

#[derive(Debug, Clone)]
pub struct Thread {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_id: i64,
    pub category_slug: String,
    pub category_name: String,
    pub user_id: i64,
    pub created_at: i64,
    /// Highest post number handed out; pages are ranges of numbers.
    pub post_count: i64,
    pub reply_count: i64,
}

/// The post a reply answers, enough to show "in reply to #3 by ann: …".
#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub post_id: i64,
    pub number: i64,
    pub author: String,
    pub excerpt: String,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct Post {
    pub id: i64,
    pub thread_id: i64,
    pub number: i64,
    pub user_id: i64,
    pub author: String,
    pub body: String,
    pub html: String,
    pub excerpt: String,
    pub reply_to: Option<ReplyContext>,
    pub mentions: Vec<String>,
    pub thanks: i64,
    /// Whether the member reading has thanked it (false for guests).
    pub thanked: bool,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct Revision {
    pub body: String,
    pub html: String,
    pub created_at: i64,
    pub replaced_at: i64,
}

/// A member's post as listed on their profile.
#[derive(Debug, Clone)]
pub struct PostSummary {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub thread_slug: String,
    pub number: i64,
    pub excerpt: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewPost {
    pub author_id: i64,
    /// Unix milliseconds; "now" except when importing or loading the demo.
    pub created_at: i64,
    pub reply_to: Option<i64>,
    pub body: String,
    pub rendered: Rendered,
}

#[derive(Debug, Clone)]
pub struct NewThread {
    pub category_id: i64,
    pub title: String,
    pub slug: String,
    pub first_post: NewPost,
}

/// One page of a list, with what's needed to link to the others.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: i64,
}

const CATEGORY_COLUMNS: &str = "id, slug, name, description, position, thread_count, post_count";

fn category(r: &Row) -> Result<Category> {
    Ok(Category {
        id: r.int(0)?,
        slug: r.text(1)?,
        name: r.text(2)?,
        description: r.text(3)?,
        position: r.int(4)?,
        thread_count: r.int(5)?,
        post_count: r.int(6)?,
    })
}

const THREAD_SELECT: &str = "SELECT t.id, t.title, t.slug, c.slug, c.name, t.user_id, t.created_at, t.post_count, t.reply_count, c.id \
     FROM threads t JOIN categories c ON c.id = t.category_id";

fn thread(r: &Row) -> Result<Thread> {
    Ok(Thread {
        id: r.int(0)?,
        title: r.text(1)?,
        slug: r.text(2)?,
        category_slug: r.text(3)?,
        category_name: r.text(4)?,
        user_id: r.int(5)?,
        created_at: r.int(6)?,
        post_count: r.int(7)?,
        reply_count: r.int(8)?,
        category_id: r.int(9)?,
    })
}

/// Every post read shares this shape: the post, its author, the post it
/// answers with that post's author, and whether the viewer (?1) thanked it,
/// all in one statement so a page of posts is one query.
const POST_SELECT: &str = "SELECT p.id, p.thread_id, p.number, p.user_id, u.username, p.body, p.html, p.excerpt, \
       p.mentions, p.thanks_count, p.created_at, p.edited_at, p.deleted_at IS NOT NULL, \
       r.id, r.number, ru.username, r.excerpt, r.deleted_at IS NOT NULL, \
       EXISTS (SELECT 1 FROM thanks k WHERE k.post_id = p.id AND k.user_id = ?1) \
     FROM posts p JOIN users u ON u.id = p.user_id \
     LEFT JOIN posts r ON r.id = p.reply_to LEFT JOIN users ru ON ru.id = r.user_id";

fn post(r: &Row) -> Result<Post> {
    let reply_to = match r.opt_int(13)? {
        Some(post_id) => Some(ReplyContext { post_id, number: r.int(14)?, author: r.text(15)?, excerpt: r.text(16)?, deleted: r.flag(17)? }),
        None => None,
    };
    Ok(Post {
        id: r.int(0)?,
        thread_id: r.int(1)?,
        number: r.int(2)?,
        user_id: r.int(3)?,
        author: r.text(4)?,
        body: r.text(5)?,
        html: r.text(6)?,
        excerpt: r.text(7)?,
        mentions: serde_json::from_str(&r.text(8)?).unwrap_or_default(),
        thanks: r.int(9)?,
        created_at: r.int(10)?,
        edited_at: r.opt_int(11)?,
        deleted: r.flag(12)?,
        reply_to,
        thanked: r.flag(18)?,
    })
}

pub async fn categories(c: &Conn<'_>) -> Result<Vec<Category>> {
    c.all(&format!("SELECT {CATEGORY_COLUMNS} FROM categories ORDER BY position, name"), &[], category).await
}

pub async fn category_by_slug(c: &Conn<'_>, slug: &str) -> Result<Option<Category>> {
    c.one(&format!("SELECT {CATEGORY_COLUMNS} FROM categories WHERE slug = ?1"), args![slug], category).await
}

pub async fn create_category(tx: &Tx<'_>, input: &CategoryInput) -> Result<Category> {
    // Positions are numbered from the current highest.
    tx.lock_table("categories").await?;
    tx.one(
        &format!(
            "INSERT INTO categories (slug, name, description, position, created_at) \
             VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories), ?4) \
             RETURNING {CATEGORY_COLUMNS}"
        ),
        args![&input.slug, &input.name, &input.description, now_millis()],
        category,
    )
    .await?
    .ok_or(StoreError::NotFound)
}

pub async fn update_category(tx: &Tx<'_>, slug: &str, input: &CategoryInput) -> Result<Category> {
    tx.one(
        &format!("UPDATE categories SET slug = ?2, name = ?3, description = ?4 WHERE slug = ?1 RETURNING {CATEGORY_COLUMNS}"),
        args![slug, &input.slug, &input.name, &input.description],
        category,
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// How many items come before page `page` (from 1), for any page number a
/// client sends: beyond the last page is simply empty, never an overflow.
pub(crate) fn page_offset(page: i64, per_page: i64) -> i64 {
    (page.max(1) - 1).saturating_mul(per_page)
}

/// Threads by last activity, newest first; all categories when `category_id`
/// is None. The page's ids are found in the `threads_latest` or
/// `threads_category_latest` index alone, so skipping to a deep page reads
/// index entries, not rows, and only the page's rows are joined.
pub async fn threads(c: &Conn<'_>, category_id: Option<i64>, page: i64, per_page: i64) -> Result<Listing<ThreadSummary>> {
    const COLUMNS: &str = "SELECT t.id, t.title, t.slug, c.slug, c.name, a.username, t.created_at, t.last_post_at, l.username, t.reply_count";
    const JOINS: &str = "JOIN threads t ON t.id = page.id JOIN categories c ON c.id = t.category_id \
        JOIN users a ON a.id = t.user_id JOIN users l ON l.id = t.last_post_user_id ORDER BY t.last_post_at DESC, t.id DESC";
    fn summary(r: &Row) -> Result<ThreadSummary> {
        Ok(ThreadSummary {
            id: r.int(0)?,
            title: r.text(1)?,
            slug: r.text(2)?,
            category_slug: r.text(3)?,
            category_name: r.text(4)?,
            author: r.text(5)?,
            created_at: r.int(6)?,
            last_post_at: r.int(7)?,
            last_poster: r.text(8)?,
            replies: r.int(9)?,
        })
    }
    let offset = page_offset(page, per_page);
    let (items, total) = match category_id {
        Some(id) => (
            c.all(
                &format!("{COLUMNS} FROM (SELECT id FROM threads WHERE category_id = ?1 ORDER BY last_post_at DESC, id DESC LIMIT ?2 OFFSET ?3) page {JOINS}"),
                args![id, per_page, offset],
                summary,
            )
            .await?,
            c.one("SELECT thread_count FROM categories WHERE id = ?1", args![id], |r| r.int(0)).await?,
        ),
        None => (
            c.all(
                &format!("{COLUMNS} FROM (SELECT id FROM threads ORDER BY last_post_at DESC, id DESC LIMIT ?1 OFFSET ?2) page {JOINS}"),
                args![per_page, offset],
                summary,
            )
            .await?,
            c.one("SELECT CAST(COALESCE(SUM(thread_count), 0) AS BIGINT) FROM categories", &[], |r| r.int(0)).await?,
        ),
    };
    Ok(Listing { items, total: total.unwrap_or(0) })
}

pub async fn thread_by_id(c: &Conn<'_>, id: i64) -> Result<Option<Thread>> {
    c.one(&format!("{THREAD_SELECT} WHERE t.id = ?1"), args![id], thread).await
}

/// Posts numbered `first..=last`, in order, as `viewer` sees them.
pub async fn thread_posts(c: &Conn<'_>, thread_id: i64, first: i64, last: i64, viewer: Option<i64>) -> Result<Vec<Post>> {
    c.all(&format!("{POST_SELECT} WHERE p.thread_id = ?2 AND p.number BETWEEN ?3 AND ?4 ORDER BY p.number"), args![viewer, thread_id, first, last], post)
        .await
}

pub async fn post_by_id(c: &Conn<'_>, id: i64, viewer: Option<i64>) -> Result<Option<Post>> {
    c.one(&format!("{POST_SELECT} WHERE p.id = ?2"), args![viewer, id], post).await
}

pub async fn create_thread(tx: &Tx<'_>, new: &NewThread) -> Result<(Thread, Post)> {
    let author = new.first_post.author_id;
    let id = tx
        .one(
            "INSERT INTO threads (category_id, user_id, title, slug, created_at, last_post_at, last_post_user_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?2) RETURNING id",
            args![new.category_id, author, &new.title, &new.slug, new.first_post.created_at],
            |r| r.int(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.exec("UPDATE categories SET thread_count = thread_count + 1 WHERE id = ?1", args![new.category_id]).await?;
    let post = create_post(tx, id, &new.first_post).await?;
    let thread = thread_by_id(tx, id).await?.ok_or(StoreError::NotFound)?;
    Ok((thread, post))
}

/// Adds a post to `thread_id`, keeping every counter in step, and returns it
/// as its author sees it.
pub async fn create_post(tx: &Tx<'_>, thread_id: i64, new: &NewPost) -> Result<Post> {
    // Taking the number also locks the thread's row on PostgreSQL, so
    // concurrent replies are numbered one at a time.
    let (category_id, number) = tx
        .one(
            "UPDATE threads SET post_count = post_count + 1, reply_count = reply_count + (CASE WHEN post_count > 0 THEN 1 ELSE 0 END), \
             last_post_at = ?2, last_post_user_id = ?3 WHERE id = ?1 RETURNING category_id, post_count",
            args![thread_id, new.created_at, new.author_id],
            |r| Ok((r.int(0)?, r.int(1)?)),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if let Some(reply_to) = new.reply_to {
        // A reply may only answer a post in the same thread.
        tx.one("SELECT 1 FROM posts WHERE id = ?1 AND thread_id = ?2", args![reply_to, thread_id], |_| Ok(())).await?.ok_or(StoreError::NotFound)?;
    }
    let mentions = serde_json::to_string(&new.rendered.mentions).unwrap_or_else(|_| "[]".into());
    let id = tx
        .one(
            "INSERT INTO posts (thread_id, number, user_id, reply_to, body, html, excerpt, mentions, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            args![thread_id, number, new.author_id, new.reply_to, &new.body, &new.rendered.html, &new.rendered.excerpt, &mentions, new.created_at],
            |r| r.int(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.exec("UPDATE categories SET post_count = post_count + 1 WHERE id = ?1", args![category_id]).await?;
    tx.exec("UPDATE users SET post_count = post_count + 1 WHERE id = ?1", args![new.author_id]).await?;
    record_mentions(tx, id, &new.rendered.mentions).await?;
    post_by_id(tx, id, Some(new.author_id)).await?.ok_or(StoreError::NotFound)
}

async fn record_mentions(tx: &Tx<'_>, post_id: i64, usernames: &[String]) -> Result<()> {
    tx.exec("DELETE FROM post_mentions WHERE post_id = ?1", args![post_id]).await?;
    if !usernames.is_empty() {
        let lower: Vec<String> = usernames.iter().map(|n| n.to_ascii_lowercase()).collect();
        tx.exec(
            "INSERT INTO post_mentions (post_id, user_id) SELECT ?1, id FROM users WHERE username_lower = ANY(?2) ON CONFLICT DO NOTHING",
            args![post_id, &lower],
        )
        .await?;
    }
    Ok(())
}

/// Replaces the body, keeping the previous version as a revision.
pub async fn edit_post(tx: &Tx<'_>, post_id: i64, editor_id: i64, body: &str, rendered: &Rendered) -> Result<Post> {
    let now = now_millis();
    let kept = tx
        .exec(
            "INSERT INTO post_revisions (post_id, body, html, created_at, replaced_at, replaced_by) \
             SELECT id, body, html, COALESCE(edited_at, created_at), ?2, ?3 FROM posts WHERE id = ?1 AND deleted_at IS NULL",
            args![post_id, now, editor_id],
        )
        .await?;
    if kept == 0 {
        return Err(StoreError::NotFound);
    }
    let mentions = serde_json::to_string(&rendered.mentions).unwrap_or_else(|_| "[]".into());
    tx.exec(
        "UPDATE posts SET body = ?2, html = ?3, excerpt = ?4, mentions = ?5, edited_at = ?6 WHERE id = ?1",
        args![post_id, body, &rendered.html, &rendered.excerpt, &mentions, now],
    )
    .await?;
    record_mentions(tx, post_id, &rendered.mentions).await?;
    post_by_id(tx, post_id, Some(editor_id)).await?.ok_or(StoreError::NotFound)
}

/// Marks a post deleted (its place and number stay) and keeps the counters.
pub async fn delete_post(tx: &Tx<'_>, post_id: i64) -> Result<()> {
    let (thread_id, user_id, number) = tx
        .one(
            "UPDATE posts SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL RETURNING thread_id, user_id, number",
            args![post_id, now_millis()],
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?)),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if number > 1 {
        tx.exec("UPDATE threads SET reply_count = reply_count - 1 WHERE id = ?1", args![thread_id]).await?;
    }
    tx.exec("UPDATE users SET post_count = post_count - 1 WHERE id = ?1", args![user_id]).await?;
    Ok(())
}

pub async fn revisions(c: &Conn<'_>, post_id: i64) -> Result<Vec<Revision>> {
    c.all("SELECT body, html, created_at, replaced_at FROM post_revisions WHERE post_id = ?1 ORDER BY id", args![post_id], |r| {
        Ok(Revision { body: r.text(0)?, html: r.text(1)?, created_at: r.int(2)?, replaced_at: r.int(3)? })
    })
    .await
}

/// Adds or removes `user_id`'s thanks (idempotent) and returns the new count.
pub async fn set_thanks(tx: &Tx<'_>, post_id: i64, user_id: i64, thanked: bool) -> Result<i64> {
    let author = tx.one("SELECT user_id FROM posts WHERE id = ?1", args![post_id], |r| r.int(0)).await?.ok_or(StoreError::NotFound)?;
    let changed = if thanked {
        tx.exec("INSERT INTO thanks (post_id, user_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", args![post_id, user_id, now_millis()])
            .await?
    } else {
        tx.exec("DELETE FROM thanks WHERE post_id = ?1 AND user_id = ?2", args![post_id, user_id]).await?
    } as i64;
    let delta = if thanked { changed } else { -changed };
    if delta == 0 {
        return Ok(tx.one("SELECT thanks_count FROM posts WHERE id = ?1", args![post_id], |r| r.int(0)).await?.unwrap_or(0));
    }
    tx.exec("UPDATE users SET thanks_received = thanks_received + ?2 WHERE id = ?1", args![author, delta]).await?;
    tx.one("UPDATE posts SET thanks_count = thanks_count + ?2 WHERE id = ?1 RETURNING thanks_count", args![post_id, delta], |r| r.int(0))
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn recent_posts_by(c: &Conn<'_>, user_id: i64, limit: i64) -> Result<Vec<PostSummary>> {
    c.all(
        "SELECT p.id, p.thread_id, t.title, t.slug, p.number, p.excerpt, p.created_at \
         FROM posts p JOIN threads t ON t.id = p.thread_id \
         WHERE p.user_id = ?1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT ?2",
        args![user_id, limit],
        |r| {
            Ok(PostSummary {
                post_id: r.int(0)?,
                thread_id: r.int(1)?,
                thread_title: r.text(2)?,
                thread_slug: r.text(3)?,
                number: r.int(4)?,
                excerpt: r.text(5)?,
                created_at: r.int(6)?,
            })
        },
    )
    .await
}

/// Single steps, each its own read or transaction.
impl Store {
    pub async fn categories(&self) -> Result<Vec<Category>> {
        self.read(|c| Box::pin(categories(c))).await
    }

    pub async fn category(&self, slug: &str) -> Result<Option<Category>> {
        let slug = slug.to_owned();
        self.read(move |c| Box::pin(async move { category_by_slug(c, &slug).await })).await
    }

    pub async fn create_category(&self, input: CategoryInput) -> Result<Category> {
        self.write(move |tx| Box::pin(async move { create_category(tx, &input).await })).await
    }

    pub async fn update_category(&self, slug: &str, input: CategoryInput) -> Result<Category> {
        let slug = slug.to_owned();
        self.write(move |tx| Box::pin(async move { update_category(tx, &slug, &input).await })).await
    }

    pub async fn threads(&self, category_id: Option<i64>, page: i64, per_page: i64) -> Result<Listing<ThreadSummary>> {
        self.read(move |c| Box::pin(threads(c, category_id, page, per_page))).await
    }

    pub async fn thread(&self, id: i64) -> Result<Option<Thread>> {
        self.read(move |c| Box::pin(thread_by_id(c, id))).await
    }

    pub async fn thread_posts(&self, thread_id: i64, first: i64, last: i64, viewer: Option<i64>) -> Result<Vec<Post>> {
        self.read(move |c| Box::pin(thread_posts(c, thread_id, first, last, viewer))).await
    }

    pub async fn post(&self, id: i64, viewer: Option<i64>) -> Result<Option<Post>> {
        self.read(move |c| Box::pin(post_by_id(c, id, viewer))).await
    }

    pub async fn revisions(&self, post_id: i64) -> Result<Vec<Revision>> {
        self.read(move |c| Box::pin(revisions(c, post_id))).await
    }

    pub async fn recent_posts_by(&self, user_id: i64, limit: i64) -> Result<Vec<PostSummary>> {
        self.read(move |c| Box::pin(recent_posts_by(c, user_id, limit))).await
    }
}
