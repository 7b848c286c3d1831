//! Moderation: flags, the review queue, sanctions, moderators' notes on
//! members, thread tools, and the audit log every moderator and admin action
//! writes in its own transaction.

use super::conn::{Conn, Tx, args};
use super::{Result, StoreError, now_millis};

/// One entry of the audit log, as an action writes it.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub actor_id: Option<i64>,
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<i64>,
    /// The member the action concerns.
    pub member_id: Option<i64>,
    pub reason: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A side record: who did what, when, why, and the state before and after.
pub async fn audit(tx: &Tx<'_>, e: &AuditEntry) -> Result<()> {
    tx.exec(
        "INSERT INTO audit_log (actor_id, action, target_kind, target_id, member_id, reason, before, after, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        args![e.actor_id, e.action, e.target_kind, e.target_id, e.member_id, &e.reason, &e.before, &e.after, now_millis()],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub member: Option<String>,
    pub reason: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: i64,
}

/// What to show of the log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub member_id: Option<i64>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// Entries older than this id (for the next page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub async fn audit_log(c: &Conn<'_>, f: &AuditFilter) -> Result<Vec<AuditRow>> {
    c.all(
        "SELECT l.id, a.username, l.action, l.target_kind, l.target_id, m.username, l.reason, l.before, l.after, l.created_at \
         FROM audit_log l LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN users m ON m.id = l.member_id \
         WHERE (CAST(?1 AS TEXT) IS NULL OR l.action = ?1) AND (CAST(?2 AS BIGINT) IS NULL OR l.actor_id = ?2) \
           AND (CAST(?3 AS BIGINT) IS NULL OR l.member_id = ?3) AND (CAST(?4 AS BIGINT) IS NULL OR l.created_at >= ?4) \
           AND (CAST(?5 AS BIGINT) IS NULL OR l.created_at < ?5) AND (CAST(?6 AS BIGINT) IS NULL OR l.id < ?6) \
         ORDER BY l.id DESC LIMIT ?7",
        args![&f.action, f.actor_id, f.member_id, f.from, f.until, f.before_id, f.limit],
        |r| {
            Ok(AuditRow {
                id: r.int(0)?,
                actor: r.opt_text(1)?,
                action: r.text(2)?,
                target_kind: r.text(3)?,
                target_id: r.opt_int(4)?,
                member: r.opt_text(5)?,
                reason: r.opt_text(6)?,
                before: r.opt_text(7)?,
                after: r.opt_text(8)?,
                created_at: r.int(9)?,
            })
        },
    )
    .await
}

/// A member's flag, as the store records it.
#[derive(Debug, Clone)]
pub struct NewFlag<'a> {
    pub post_id: i64,
    pub user_id: i64,
    pub reason: &'a str,
    pub note: Option<&'a str>,
    pub weight: i64,
}

/// What a flag changed: how many distinct members now flag the post.
#[derive(Debug, Clone, Copy)]
pub struct Flagged {
    pub flaggers: i64,
}

/// Records a flag and raises its post in the queue. A second flag by the same
/// member on the same post is a conflict.
pub async fn flag(tx: &Tx<'_>, f: &NewFlag<'_>) -> Result<Flagged> {
    let now = now_millis();
    tx.exec(
        "INSERT INTO flags (post_id, user_id, reason, note, weight, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![f.post_id, f.user_id, f.reason, f.note, f.weight, now],
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => StoreError::Conflict("flag"),
        other => other,
    })?;
    let review_id = queue(tx, f.post_id, "flagged", 0).await?;
    let (score, flaggers) = tx
        .one("SELECT CAST(COALESCE(SUM(weight), 0) AS BIGINT), COUNT(*) FROM flags WHERE post_id = ?1 AND handled_at IS NULL", args![f.post_id], |r| {
            Ok((r.int(0)?, r.int(1)?))
        })
        .await?
        .unwrap_or((0, 0));
    tx.exec("UPDATE review_items SET score = ?2 WHERE id = ?1", args![review_id, score]).await?;
    Ok(Flagged { flaggers })
}

/// Puts a post in the queue for `kind` (once: a pending item is reused) and returns the item.
pub async fn queue(tx: &Tx<'_>, post_id: i64, kind: &str, score: i64) -> Result<i64> {
    let existing = tx.one("SELECT id FROM review_items WHERE post_id = ?1 AND kind = ?2 AND handled_at IS NULL", args![post_id, kind], |r| r.int(0)).await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    tx.one(
        "INSERT INTO review_items (post_id, kind, score, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        args![post_id, kind, score, now_millis()],
        |r| r.int(0),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// Closes every pending queue item of a post with `outcome`, and the flags on
/// it; returns the members whose flags were handled, to tell them.
pub async fn handle_post(tx: &Tx<'_>, post_id: i64, moderator: i64, outcome: &str) -> Result<Vec<i64>> {
    let now = now_millis();
    tx.exec(
        "UPDATE review_items SET handled_at = ?2, handled_by = ?3, outcome = ?4 WHERE post_id = ?1 AND handled_at IS NULL",
        args![post_id, now, moderator, outcome],
    )
    .await?;
    let flaggers = tx.all("SELECT user_id FROM flags WHERE post_id = ?1 AND handled_at IS NULL", args![post_id], |r| r.int(0)).await?;
    tx.exec("UPDATE flags SET handled_at = ?2 WHERE post_id = ?1 AND handled_at IS NULL", args![post_id, now]).await?;
    Ok(flaggers)
}

/// One item of the review queue, with what a moderator needs to judge it.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: i64,
    pub kind: String,
    pub score: i64,
    pub created_at: i64,
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub thread_slug: String,
    pub number: i64,
    pub author_id: i64,
    pub author: String,
    pub body: String,
    pub html: String,
    pub hidden: bool,
    pub held: bool,
    pub reply_to_author: Option<String>,
    pub reply_to_html: Option<String>,
    pub author_joined: i64,
    pub author_posts: i64,
    pub author_sanctions: i64,
}

/// Which items, in which order.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueFilter<'a> {
    pub kind: Option<&'a str>,
    pub oldest_first: bool,
    pub limit: i64,
}

/// The columns of a [`QueueItem`], from review item `i` (possibly absent), post `p`, thread `t` and author `u`.
const QUEUE_COLUMNS: &str = "COALESCE(i.id, 0), COALESCE(i.kind, 'post'), COALESCE(i.score, 0), COALESCE(i.created_at, p.created_at), p.id, t.id, t.title, \
    t.slug, p.number, u.id, u.username, p.body, p.html, p.hidden_at IS NOT NULL, p.held_at IS NOT NULL, ru.username, r.html, u.created_at, \
    u.post_count, (SELECT COUNT(*) FROM sanctions s WHERE s.user_id = u.id)";
const QUEUE_JOINS: &str = "JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.user_id \
    LEFT JOIN posts r ON r.id = p.reply_to AND r.deleted_at IS NULL LEFT JOIN users ru ON ru.id = r.user_id";

fn queue_item(r: &super::conn::Row) -> Result<QueueItem> {
    Ok(QueueItem {
        id: r.int(0)?,
        kind: r.text(1)?,
        score: r.int(2)?,
        created_at: r.int(3)?,
        post_id: r.int(4)?,
        thread_id: r.int(5)?,
        thread_title: r.text(6)?,
        thread_slug: r.text(7)?,
        number: r.int(8)?,
        author_id: r.int(9)?,
        author: r.text(10)?,
        body: r.text(11)?,
        html: r.text(12)?,
        hidden: r.flag(13)?,
        held: r.flag(14)?,
        reply_to_author: r.opt_text(15)?,
        reply_to_html: r.opt_text(16)?,
        author_joined: r.int(17)?,
        author_posts: r.int(18)?,
        author_sanctions: r.int(19)?,
    })
}

pub async fn pending(c: &Conn<'_>, f: QueueFilter<'_>) -> Result<Vec<QueueItem>> {
    let order = if f.oldest_first { "i.created_at, i.id" } else { "i.score DESC, i.created_at, i.id" };
    c.all(
        &format!(
            "SELECT {QUEUE_COLUMNS} FROM review_items i JOIN posts p ON p.id = i.post_id {QUEUE_JOINS} \
             WHERE i.handled_at IS NULL AND (CAST(?1 AS TEXT) IS NULL OR i.kind = ?1) ORDER BY {order} LIMIT ?2"
        ),
        args![f.kind, f.limit],
        queue_item,
    )
    .await
}

/// One post as the queue shows it, whether or not it waits there (kind
/// "post" when it doesn't): what a moderator needs to act on any post.
pub async fn post_for_review(c: &Conn<'_>, post_id: i64) -> Result<Option<QueueItem>> {
    c.one(
        &format!(
            "SELECT {QUEUE_COLUMNS} FROM posts p LEFT JOIN review_items i ON i.post_id = p.id AND i.handled_at IS NULL {QUEUE_JOINS} \
             WHERE p.id = ?1 AND p.deleted_at IS NULL ORDER BY i.score DESC LIMIT 1"
        ),
        args![post_id],
        queue_item,
    )
    .await
}

/// The flags on posts (reason, note, weight), pending ones only, for the queue.
pub async fn pending_flags(c: &Conn<'_>, post_ids: &Vec<i64>) -> Result<Vec<(i64, String, Option<String>)>> {
    c.all(
        "SELECT post_id, reason, note FROM flags WHERE post_id = ANY(?1) AND handled_at IS NULL ORDER BY id",
        args![post_ids],
        |r| Ok((r.int(0)?, r.text(1)?, r.opt_text(2)?)),
    )
    .await
}

/// Whether a post waits in the queue for any reason.
pub async fn is_pending(c: &Conn<'_>, post_id: i64) -> Result<bool> {
    Ok(c.one("SELECT 1 FROM review_items WHERE post_id = ?1 AND handled_at IS NULL LIMIT 1", args![post_id], |_| Ok(())).await?.is_some())
}

pub async fn pending_count(c: &Conn<'_>) -> Result<i64> {
    Ok(c.one("SELECT COUNT(*) FROM review_items WHERE handled_at IS NULL", &[], |r| r.int(0)).await?.unwrap_or(0))
}

/// A sanction, as recorded.
#[derive(Debug, Clone)]
pub struct Sanction {
    pub id: i64,
    pub kind: String,
    pub reason: String,
    pub until: Option<i64>,
    pub by: String,
    pub created_at: i64,
    pub lifted_at: Option<i64>,
}

pub async fn add_sanction(tx: &Tx<'_>, user_id: i64, kind: &str, reason: &str, until: Option<i64>, by: i64) -> Result<i64> {
    tx.one(
        "INSERT INTO sanctions (user_id, kind, reason, until, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        args![user_id, kind, reason, until, by, now_millis()],
        |r| r.int(0),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// Marks a member's standing sanctions of `kind` lifted.
pub async fn lift_sanctions(tx: &Tx<'_>, user_id: i64, kind: &str) -> Result<()> {
    tx.exec("UPDATE sanctions SET lifted_at = ?3 WHERE user_id = ?1 AND kind = ?2 AND lifted_at IS NULL", args![user_id, kind, now_millis()]).await?;
    Ok(())
}

pub async fn sanctions(c: &Conn<'_>, user_id: i64) -> Result<Vec<Sanction>> {
    c.all(
        "SELECT s.id, s.kind, s.reason, s.until, b.username, s.created_at, s.lifted_at FROM sanctions s JOIN users b ON b.id = s.created_by \
         WHERE s.user_id = ?1 ORDER BY s.id DESC",
        args![user_id],
        |r| {
            Ok(Sanction {
                id: r.int(0)?,
                kind: r.text(1)?,
                reason: r.text(2)?,
                until: r.opt_int(3)?,
                by: r.text(4)?,
                created_at: r.int(5)?,
                lifted_at: r.opt_int(6)?,
            })
        },
    )
    .await
}

#[derive(Debug, Clone)]
pub struct MemberNote {
    pub author: String,
    pub body: String,
    pub created_at: i64,
}

pub async fn add_note(tx: &Tx<'_>, user_id: i64, author_id: i64, body: &str) -> Result<()> {
    tx.exec("INSERT INTO member_notes (user_id, author_id, body, created_at) VALUES (?1, ?2, ?3, ?4)", args![user_id, author_id, body, now_millis()]).await?;
    Ok(())
}

pub async fn notes(c: &Conn<'_>, user_id: i64) -> Result<Vec<MemberNote>> {
    c.all(
        "SELECT a.username, n.body, n.created_at FROM member_notes n JOIN users a ON a.id = n.author_id WHERE n.user_id = ?1 ORDER BY n.id DESC",
        args![user_id],
        |r| Ok(MemberNote { author: r.text(0)?, body: r.text(1)?, created_at: r.int(2)? }),
    )
    .await
}

/// How many flags members have raised against a member's posts, and how many moderators agreed with.
pub async fn flags_against(c: &Conn<'_>, user_id: i64) -> Result<(i64, i64)> {
    Ok(c
        .one(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN i.outcome = 'agreed' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM flags f JOIN posts p ON p.id = f.post_id \
             LEFT JOIN review_items i ON i.post_id = f.post_id AND i.kind = 'flagged' AND i.handled_at = f.handled_at \
             WHERE p.user_id = ?1",
            args![user_id],
            |r| Ok((r.int(0)?, r.int(1)?)),
        )
        .await?
        .unwrap_or((0, 0)))
}

/// Thread tools: what a moderator changes about a thread.
#[derive(Debug, Clone, Copy)]
pub enum ThreadChange {
    Lock(bool),
    /// 0: not pinned; 1: in its category; 2: everywhere.
    Pin(i64),
    /// Seconds between one member's posts (0: off), until a time or for good.
    SlowMode(i64, Option<i64>),
}

pub async fn change_thread(tx: &Tx<'_>, thread_id: i64, change: ThreadChange) -> Result<()> {
    let changed = match change {
        ThreadChange::Lock(locked) => {
            tx.exec("UPDATE threads SET locked_at = ?2 WHERE id = ?1", args![thread_id, locked.then(now_millis)]).await?
        }
        ThreadChange::Pin(pinned) => tx.exec("UPDATE threads SET pinned = ?2 WHERE id = ?1", args![thread_id, pinned]).await?,
        ThreadChange::SlowMode(seconds, until) => {
            tx.exec("UPDATE threads SET slow_mode_seconds = ?2, slow_mode_until = ?3 WHERE id = ?1", args![thread_id, seconds, until]).await?
        }
    };
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Keeps a thread's reply count and latest activity true after posts moved in or out.
async fn recount(tx: &Tx<'_>, thread_id: i64) -> Result<()> {
    tx.exec(
        "UPDATE threads SET \
           reply_count = (SELECT COUNT(*) FROM posts WHERE thread_id = ?1 AND number > 1 AND deleted_at IS NULL AND held_at IS NULL), \
           last_post_at = COALESCE((SELECT MAX(created_at) FROM posts WHERE thread_id = ?1 AND held_at IS NULL), created_at), \
           last_post_user_id = COALESCE((SELECT user_id FROM posts WHERE thread_id = ?1 AND held_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1), user_id), \
           last_number = COALESCE((SELECT MAX(number) FROM posts WHERE thread_id = ?1 AND held_at IS NULL), 0) \
         WHERE id = ?1",
        args![thread_id],
    )
    .await?;
    Ok(())
}

/// Moves `posts` (counted ones) of a thread's category over to another.
async fn move_counts(tx: &Tx<'_>, from: i64, to: i64, threads: i64, posts: i64) -> Result<()> {
    tx.exec("UPDATE categories SET thread_count = thread_count - ?2, post_count = post_count - ?3 WHERE id = ?1", args![from, threads, posts]).await?;
    tx.exec("UPDATE categories SET thread_count = thread_count + ?2, post_count = post_count + ?3 WHERE id = ?1", args![to, threads, posts]).await?;
    Ok(())
}

async fn counted_posts(tx: &Tx<'_>, thread_id: i64) -> Result<i64> {
    Ok(tx.one("SELECT COUNT(*) FROM posts WHERE thread_id = ?1 AND held_at IS NULL", args![thread_id], |r| r.int(0)).await?.unwrap_or(0))
}

/// Moves a thread to another category; returns the category it was in.
pub async fn move_thread(tx: &Tx<'_>, thread_id: i64, to_category: i64) -> Result<i64> {
    let (from, held) = tx
        .one("SELECT category_id, held_at IS NOT NULL FROM threads WHERE id = ?1", args![thread_id], |r| Ok((r.int(0)?, r.flag(1)?)))
        .await?
        .ok_or(StoreError::NotFound)?;
    if from == to_category {
        return Ok(from);
    }
    tx.exec("UPDATE threads SET category_id = ?2 WHERE id = ?1", args![thread_id, to_category]).await?;
    let posts = counted_posts(tx, thread_id).await?;
    move_counts(tx, from, to_category, i64::from(!held), posts).await?;
    Ok(from)
}

/// Moves chosen replies (in their order) into a new thread, numbered from 1;
/// the old thread keeps its numbers, with gaps where they left. Returns the new thread's id.
pub async fn split_thread(tx: &Tx<'_>, thread_id: i64, post_ids: &Vec<i64>, title: &str, slug: &str, category_id: i64) -> Result<i64> {
    let moving = tx
        .all(
            "SELECT id, number, user_id, created_at, held_at IS NOT NULL FROM posts WHERE thread_id = ?1 AND id = ANY(?2) ORDER BY number",
            args![thread_id, post_ids],
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?, r.int(3)?, r.flag(4)?)),
        )
        .await?;
    if moving.len() != post_ids.len() || moving.is_empty() {
        return Err(StoreError::NotFound);
    }
    let (_, _, author, created_at, _) = moving[0];
    let new_id = tx
        .one(
            "INSERT INTO threads (category_id, user_id, title, slug, created_at, last_post_at, last_post_user_id, post_count) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?2, ?6) RETURNING id",
            args![category_id, author, title, slug, created_at, moving.len() as i64],
            |r| r.int(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    for (n, (id, ..)) in moving.iter().enumerate() {
        tx.exec("UPDATE posts SET thread_id = ?2, number = ?3 WHERE id = ?1", args![*id, new_id, n as i64 + 1]).await?;
    }
    recount(tx, thread_id).await?;
    recount(tx, new_id).await?;
    let from = tx.one("SELECT category_id FROM threads WHERE id = ?1", args![thread_id], |r| r.int(0)).await?.ok_or(StoreError::NotFound)?;
    let counted = moving.iter().filter(|m| !m.4).count() as i64;
    tx.exec("UPDATE categories SET thread_count = thread_count + 1 WHERE id = ?1", args![category_id]).await?;
    if from != category_id {
        move_counts(tx, from, category_id, 0, counted).await?;
    }
    Ok(new_id)
}

/// Appends every post of `from` to `into`, numbered after its last, and
/// leaves `from`'s address leading to `into`. Returns how many posts moved.
pub async fn merge_threads(tx: &Tx<'_>, from: i64, into: i64) -> Result<i64> {
    let (from_category, from_held) = tx
        .one("SELECT category_id, held_at IS NOT NULL FROM threads WHERE id = ?1", args![from], |r| Ok((r.int(0)?, r.flag(1)?)))
        .await?
        .ok_or(StoreError::NotFound)?;
    let (into_category, last) = tx
        .one("SELECT category_id, post_count FROM threads WHERE id = ?1", args![into], |r| Ok((r.int(0)?, r.int(1)?)))
        .await?
        .ok_or(StoreError::NotFound)?;
    let moving = tx.all("SELECT id FROM posts WHERE thread_id = ?1 ORDER BY number", args![from], |r| r.int(0)).await?;
    let counted = counted_posts(tx, from).await?;
    for (n, id) in moving.iter().enumerate() {
        tx.exec("UPDATE posts SET thread_id = ?2, number = ?3 WHERE id = ?1", args![*id, into, last + n as i64 + 1]).await?;
    }
    tx.exec("UPDATE threads SET post_count = ?2 WHERE id = ?1", args![into, last + moving.len() as i64]).await?;
    recount(tx, into).await?;
    tx.exec("UPDATE categories SET thread_count = thread_count - ?2 WHERE id = ?1", args![from_category, i64::from(!from_held)]).await?;
    if from_category != into_category {
        move_counts(tx, from_category, into_category, 0, counted).await?;
    }
    // Addresses that led to `from` now lead to `into`.
    tx.exec("UPDATE thread_redirects SET to_thread = ?2 WHERE to_thread = ?1", args![from, into]).await?;
    tx.exec("INSERT INTO thread_redirects (thread_id, to_thread, created_at) VALUES (?1, ?2, ?3)", args![from, into, now_millis()]).await?;
    // Members' places in `from` mean nothing in `into`; their levels go with the posts only if they had none there.
    tx.exec(
        "INSERT INTO member_threads (user_id, thread_id, last_read, level, updated_at) SELECT user_id, ?2, 0, level, updated_at FROM member_threads \
         WHERE thread_id = ?1 AND level IS NOT NULL AND true ON CONFLICT DO NOTHING",
        args![from, into],
    )
    .await?;
    tx.exec("DELETE FROM member_threads WHERE thread_id = ?1", args![from]).await?;
    tx.exec("DELETE FROM threads WHERE id = ?1", args![from]).await?;
    Ok(moving.len() as i64)
}

/// Where a merged thread's address leads now.
pub async fn redirect(c: &Conn<'_>, thread_id: i64) -> Result<Option<i64>> {
    c.one("SELECT to_thread FROM thread_redirects WHERE thread_id = ?1", args![thread_id], |r| r.int(0)).await
}

/// Posts of some threads whose Markdown mentions `needle`, to mend links after posts moved.
pub async fn posts_mentioning(c: &Conn<'_>, thread_ids: &Vec<i64>, needle: &str) -> Result<Vec<(i64, String)>> {
    let pattern = format!("%{}%", needle.replace(['%', '_'], ""));
    c.all("SELECT id, body FROM posts WHERE thread_id = ANY(?1) AND body LIKE ?2", args![thread_ids, &pattern], |r| Ok((r.int(0)?, r.text(1)?))).await
}

/// Replaces a post's words and HTML without keeping a revision: a mended link is not an edit.
pub async fn rewrite_post(tx: &Tx<'_>, post_id: i64, body: &str, html: &str, excerpt: &str) -> Result<()> {
    tx.exec("UPDATE posts SET body = ?2, html = ?3, excerpt = ?4 WHERE id = ?1", args![post_id, body, html, excerpt]).await?;
    Ok(())
}

/// Every post of a thread: id, thread and number.
pub async fn thread_numbers(c: &Conn<'_>, thread_id: i64) -> Result<Vec<(i64, i64, i64)>> {
    c.all("SELECT id, thread_id, number FROM posts WHERE thread_id = ?1", args![thread_id], |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?))).await
}

/// Posts' threads and numbers, by id.
pub async fn numbers(c: &Conn<'_>, post_ids: &Vec<i64>) -> Result<Vec<(i64, i64, i64)>> {
    c.all("SELECT id, thread_id, number FROM posts WHERE id = ANY(?1)", args![post_ids], |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?))).await
}
