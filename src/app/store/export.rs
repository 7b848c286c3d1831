//! A member's data, read for their export, and the exports themselves.

use super::conn::{Conn, Tx, args};
use super::data::Value;
use super::{Result, now_millis};
use serde_json::{Map, Value as Json};

/// Each part of the export: its name in `data.json`, the statement (with the
/// member as ?1) and the names of the columns it selects.
const PARTS: &[(&str, &str, &[&str])] = &[
    (
        "profile",
        "SELECT id, username, email, role, created_at, post_count, thanks_received, email_frequency, digest, default_watch, \
         badge, show_progress, graduated_at, avatar FROM users WHERE id = ?1",
        &["id", "username", "email", "role", "created_at", "post_count", "thanks_received", "email_frequency", "digest", "default_watch", "badge", "show_progress", "graduated_at", "avatar"],
    ),
    (
        "posts",
        "SELECT p.id, p.thread_id, t.title, t.slug, p.number, p.reply_to, p.body, p.created_at, p.edited_at, p.deleted_at \
         FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.user_id = ?1 ORDER BY p.id",
        &["id", "thread_id", "thread_title", "thread_slug", "number", "reply_to", "body", "created_at", "edited_at", "deleted_at"],
    ),
    (
        "revisions",
        "SELECT r.post_id, r.body, r.created_at, r.replaced_at FROM post_revisions r JOIN posts p ON p.id = r.post_id WHERE p.user_id = ?1 ORDER BY r.id",
        &["post_id", "body", "created_at", "replaced_at"],
    ),
    ("thanks_given", "SELECT post_id, created_at FROM thanks WHERE user_id = ?1 ORDER BY created_at", &["post_id", "created_at"]),
    (
        "thanks_received",
        "SELECT k.post_id, u.username, k.created_at FROM thanks k JOIN posts p ON p.id = k.post_id JOIN users u ON u.id = k.user_id \
         WHERE p.user_id = ?1 ORDER BY k.created_at",
        &["post_id", "from", "created_at"],
    ),
    (
        "runs",
        "SELECT id, week, run, ran_on, distance_m, duration_s, felt, note, created_at FROM runs WHERE user_id = ?1 ORDER BY ran_on, id",
        &["id", "week", "run", "ran_on", "distance_m", "duration_s", "felt", "note", "created_at"],
    ),
    ("pain", "SELECT run_id, area, level FROM pain_entries WHERE user_id = ?1 ORDER BY id", &["run_id", "area", "level"]),
    (
        "watched_threads",
        "SELECT thread_id, level, last_read FROM member_threads WHERE user_id = ?1 ORDER BY thread_id",
        &["thread_id", "level", "last_read"],
    ),
    (
        "watched_categories",
        "SELECT c.slug, m.level FROM member_categories m JOIN categories c ON c.id = m.category_id WHERE m.user_id = ?1 ORDER BY c.slug",
        &["category", "level"],
    ),
    ("muted", "SELECT u.username FROM member_mutes m JOIN users u ON u.id = m.muted_id WHERE m.user_id = ?1 ORDER BY u.username", &["username"]),
    (
        "flags",
        "SELECT post_id, reason, note, created_at, handled_at FROM flags WHERE user_id = ?1 ORDER BY id",
        &["post_id", "reason", "note", "created_at", "handled_at"],
    ),
    (
        "sanctions",
        "SELECT kind, reason, until, created_at, lifted_at FROM sanctions WHERE user_id = ?1 ORDER BY id",
        &["kind", "reason", "until", "created_at", "lifted_at"],
    ),
];

/// How many parts [`part`] reads, for progress.
pub const PART_COUNT: usize = PARTS.len();

/// Part `index` of the member's data: its name and its rows as JSON objects.
pub async fn part(c: &Conn<'_>, user_id: i64, index: usize) -> Result<(&'static str, Vec<Json>)> {
    let (name, sql, columns) = PARTS[index];
    let rows = c
        .all(sql, args![user_id], |r| {
            let mut object = Map::new();
            for (i, column) in columns.iter().enumerate() {
                let value = match r.value(i)? {
                    Value::Null => Json::Null,
                    Value::Int(n) => Json::from(n),
                    Value::Text(t) => Json::from(t),
                    Value::Bytes(_) => Json::Null,
                };
                object.insert((*column).to_owned(), value);
            }
            Ok(Json::Object(object))
        })
        .await?;
    Ok((name, rows))
}

/// An export as the member sees it.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub id: i64,
    pub progress: i64,
    pub created_at: i64,
    pub ready_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// The member's latest export, if any.
pub async fn latest(c: &Conn<'_>, user_id: i64) -> Result<Option<ExportRow>> {
    c.one(
        "SELECT id, progress, created_at, ready_at, expires_at FROM exports WHERE user_id = ?1 ORDER BY id DESC LIMIT 1",
        args![user_id],
        |r| Ok(ExportRow { id: r.int(0)?, progress: r.int(1)?, created_at: r.int(2)?, ready_at: r.opt_int(3)?, expires_at: r.opt_int(4)? }),
    )
    .await
}

pub async fn start(tx: &Tx<'_>, user_id: i64) -> Result<i64> {
    tx.one("INSERT INTO exports (user_id, created_at) VALUES (?1, ?2) RETURNING id", args![user_id, now_millis()], |r| r.int(0))
        .await?
        .ok_or_else(|| super::StoreError::message("the export was not started"))
}

pub async fn set_progress(tx: &Tx<'_>, id: i64, progress: i64) -> Result<()> {
    tx.exec("UPDATE exports SET progress = ?2 WHERE id = ?1", args![id, progress]).await?;
    Ok(())
}

pub async fn finish(tx: &Tx<'_>, id: i64, bytes: &[u8], expires_at: i64) -> Result<()> {
    tx.exec("UPDATE exports SET progress = 100, bytes = ?2, ready_at = ?3, expires_at = ?4 WHERE id = ?1", args![id, bytes, now_millis(), expires_at])
        .await?;
    Ok(())
}

/// The finished archive of export `id`.
pub async fn bytes(c: &Conn<'_>, id: i64) -> Result<Option<Vec<u8>>> {
    c.one("SELECT bytes FROM exports WHERE id = ?1 AND bytes IS NOT NULL", args![id], |r| r.bytes(0)).await
}

/// Drops exports past their week; how many.
pub async fn purge_expired(tx: &Tx<'_>, now: i64) -> Result<u64> {
    tx.exec("DELETE FROM exports WHERE expires_at IS NOT NULL AND expires_at < ?1", args![now]).await
}

/// The whole community, for an admin's export.
pub mod community {
    use super::super::conn::{Conn, args};
    use super::Result;
    use crate::domain::export::{CommunityCategory, CommunityMember, CommunityPost, CommunityThread};

    pub async fn members(c: &Conn<'_>) -> Result<Vec<CommunityMember>> {
        c.all("SELECT id, username, email, email_verified_at IS NOT NULL, role, created_at, badge FROM users ORDER BY id", &[], |r| {
            Ok(CommunityMember {
                id: r.int(0)?,
                username: r.text(1)?,
                email: r.opt_text(2)?,
                email_verified: r.flag(3)?,
                role: r.text(4)?,
                created_at: r.int(5)?,
                badge: r.opt_text(6)?,
            })
        })
        .await
    }

    pub async fn categories(c: &Conn<'_>) -> Result<Vec<CommunityCategory>> {
        c.all(
            "SELECT id, slug, name, description, position, parent_id, members_only, staff_only, created_at FROM categories ORDER BY id",
            &[],
            |r| {
                Ok(CommunityCategory {
                    id: r.int(0)?,
                    slug: r.text(1)?,
                    name: r.text(2)?,
                    description: r.text(3)?,
                    position: r.int(4)?,
                    parent_id: r.opt_int(5)?,
                    members_only: r.flag(6)?,
                    staff_only: r.flag(7)?,
                    created_at: r.int(8)?,
                })
            },
        )
        .await
    }

    pub async fn threads(c: &Conn<'_>) -> Result<Vec<CommunityThread>> {
        c.all("SELECT id, category_id, title, created_at, pinned, locked_at IS NOT NULL FROM threads ORDER BY id", &[], |r| {
            Ok(CommunityThread {
                id: r.int(0)?,
                category_id: r.int(1)?,
                title: r.text(2)?,
                created_at: r.int(3)?,
                pinned: r.int(4)?,
                locked: r.flag(5)?,
                posts: Vec::new(),
            })
        })
        .await
    }

    /// Posts with ids above `after`, up to `limit` of them, in id order.
    pub async fn posts(c: &Conn<'_>, after: i64, limit: i64) -> Result<Vec<(i64, CommunityPost)>> {
        c.all(
            "SELECT p.thread_id, p.id, p.number, p.user_id, p.reply_to, CASE WHEN p.deleted_at IS NULL THEN p.body ELSE '' END, p.created_at, \
               p.edited_at, p.deleted_at, p.held_at IS NOT NULL, p.hidden_at IS NOT NULL, p.pain_summary, p.imported_thanks \
             FROM posts p WHERE p.id > ?1 ORDER BY p.id LIMIT ?2",
            args![after, limit],
            |r| {
                Ok((
                    r.int(0)?,
                    CommunityPost {
                        id: r.int(1)?,
                        number: r.int(2)?,
                        user_id: r.int(3)?,
                        reply_to: r.opt_int(4)?,
                        body: r.text(5)?,
                        created_at: r.int(6)?,
                        edited_at: r.opt_int(7)?,
                        deleted_at: r.opt_int(8)?,
                        held: r.flag(9)?,
                        hidden: r.flag(10)?,
                        pain_summary: r.opt_text(11)?,
                        thanked_by: Vec::new(),
                        uncredited_thanks: r.int(12)?,
                    },
                ))
            },
        )
        .await
    }

    /// Thanks on posts with ids in (`after`, `upto`]: (post, member, when).
    pub async fn thanks(c: &Conn<'_>, after: i64, upto: i64) -> Result<Vec<(i64, i64, i64)>> {
        c.all(
            "SELECT post_id, user_id, created_at FROM thanks WHERE post_id > ?1 AND post_id <= ?2 ORDER BY post_id, created_at",
            args![after, upto],
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?)),
        )
        .await
    }
}
