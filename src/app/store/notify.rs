//! Notifications, watch levels, read positions and mutes: what a member is
//! told about, how closely they follow threads and categories, and how far
//! they have read.
//!
//! Notifications are side records: they are written in the transaction of
//! what caused them, each with a per-member event so the member's open pages
//! update their count, and (for what a post causes) a place in the outbox
//! when the member wants email.

use super::conn::{Conn, Row, Tx, Wake, args};
use super::{Result, Store, now_millis};
use crate::domain::notify::{Audience, Level};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub post_id: Option<i64>,
    pub thread_id: Option<i64>,
    pub thread_title: Option<String>,
    pub thread_slug: Option<String>,
    pub number: Option<i64>,
    /// Who acted, latest first (a few of them, for grouped thanks).
    pub actors: Vec<String>,
    /// How many acted in all.
    pub actor_count: i64,
    pub excerpt: Option<String>,
    /// What a moderation notice says beyond its kind (a reason, a date).
    pub detail: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

/// A notification to write, in the transaction of what caused it.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    pub kind: &'a str,
    pub post_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub detail: Option<&'a str>,
}

/// How many actors a grouped notification keeps by name.
const ACTORS_KEPT: usize = 3;

/// Tells each of `members` the same thing, and wakes their open pages.
pub async fn tell(tx: &Tx<'_>, members: &Vec<i64>, n: Notice<'_>) -> Result<u64> {
    let told = tell_quietly(tx, members, n).await?;
    if told > 0 {
        count_changed(tx, members).await?;
    }
    Ok(told)
}

/// As [`tell`], leaving the members' pages to be woken by [`count_changed`]:
/// once for everyone a post tells, whatever each was told.
pub async fn tell_quietly(tx: &Tx<'_>, members: &Vec<i64>, n: Notice<'_>) -> Result<u64> {
    if members.is_empty() {
        return Ok(0);
    }
    let actors = n.actor_id.map(|a| format!("[{a}]"));
    tx.exec(
        "INSERT INTO notifications (user_id, kind, post_id, actor_id, detail, created_at, actor_ids) \
         SELECT id, ?2, ?3, ?4, ?5, ?6, ?7 FROM users WHERE id = ANY(?1)",
        args![members, n.kind, n.post_id, n.actor_id, n.detail, now_millis(), actors.as_deref()],
    )
    .await
}

/// Tells one member.
pub async fn notify(tx: &Tx<'_>, user_id: i64, n: Notice<'_>) -> Result<()> {
    tell(tx, &vec![user_id], n).await.map(|_| ())
}

/// Tells every moderator and admin; returns how many.
pub async fn notify_staff(tx: &Tx<'_>, n: Notice<'_>) -> Result<u64> {
    let staff = tx.all("SELECT id FROM users WHERE role IN ('moderator', 'admin')", &[], |r| r.int(0)).await?;
    tell(tx, &staff, n).await
}

/// Each member's pages hear that their notifications changed.
pub async fn count_changed(tx: &Tx<'_>, members: &Vec<i64>) -> Result<()> {
    if members.is_empty() {
        return Ok(());
    }
    tx.exec(
        "INSERT INTO events (kind, user_id, created_at) SELECT 'notification', id, ?2 FROM users WHERE id = ANY(?1)",
        args![members, now_millis()],
    )
    .await?;
    tx.after_commit(Wake::EVENTS);
    Ok(())
}

/// Thanks from `actor` on `author`'s post, given or taken back. Thanks are
/// grouped: one unread notification per post gathers everyone who thanks it
/// until its author reads it.
pub async fn thanked(tx: &Tx<'_>, post_id: i64, author: i64, actor: i64, given: bool) -> Result<()> {
    let waiting = tx
        .one(
            "SELECT id, actor_ids, actor_count FROM notifications WHERE post_id = ?1 AND user_id = ?2 AND kind = 'thanks' AND read_at IS NULL",
            args![post_id, author],
            |r| Ok((r.int(0)?, r.opt_text(1)?, r.int(2)?)),
        )
        .await?;
    let now = now_millis();
    match (waiting, given) {
        (None, true) => {
            tell(tx, &vec![author], Notice { kind: "thanks", post_id: Some(post_id), actor_id: Some(actor), detail: None }).await?;
        }
        (None, false) => {}
        (Some((id, ids, count)), _) => {
            let mut ids: Vec<i64> = ids.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
            ids.retain(|&a| a != actor);
            let count = if given {
                ids.insert(0, actor);
                ids.truncate(ACTORS_KEPT);
                count + 1
            } else {
                count - 1
            };
            if count <= 0 {
                tx.exec("DELETE FROM notifications WHERE id = ?1", args![id]).await?;
            } else {
                let latest = ids.first().copied();
                let ids = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
                tx.exec(
                    "UPDATE notifications SET actor_ids = ?2, actor_count = ?3, actor_id = ?4, created_at = CASE WHEN ?5 = 1 THEN ?6 ELSE created_at END WHERE id = ?1",
                    args![id, &ids, count, latest, given, now],
                )
                .await?;
            }
            count_changed(tx, &vec![author]).await?;
        }
    }
    Ok(())
}

/// What a new post's audience is, for `domain::notify::recipients`: whose
/// post it answers, who it quotes (by name) and mentions, who watches its
/// thread or category, and which of them muted its author, thread or category.
pub async fn audience(tx: &Tx<'_>, post_id: i64, quoted_names: &[String]) -> Result<Audience> {
    // One statement, as it runs while the thread's row is locked: a row per
    // member who might hear (none: one row of the post's facts alone), with
    // why and whether they muted it. The post's own list of the names it
    // mentions says whether there are any to look up.
    let quoted: Vec<String> = quoted_names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let rows = tx
        .all(
            "WITH p AS (SELECT p.user_id AS author, p.thread_id, t.category_id, p.number, p.mentions, \
               CASE WHEN p.reply_to IS NOT NULL THEN r.user_id WHEN p.number > 1 THEN t.user_id END AS answered \
             FROM posts p JOIN threads t ON t.id = p.thread_id LEFT JOIN posts r ON r.id = p.reply_to WHERE p.id = ?1), \
             heard AS ( \
               SELECT answered AS member, 1 AS why FROM p WHERE answered IS NOT NULL \
               UNION ALL SELECT id, 2 FROM users WHERE username_lower = ANY(?2) \
               UNION ALL SELECT m.user_id, 3 FROM post_mentions m JOIN p ON p.mentions <> '[]' WHERE m.post_id = ?1 \
               UNION ALL SELECT m.user_id, 4 FROM member_threads m JOIN p ON m.thread_id = p.thread_id WHERE m.level = 'watching' AND p.number > 1 \
               UNION ALL SELECT c.user_id, 4 FROM member_categories c JOIN p ON c.category_id = p.category_id WHERE c.level = 'watching' \
                 AND NOT EXISTS (SELECT 1 FROM member_threads m WHERE m.user_id = c.user_id AND m.thread_id = p.thread_id AND m.level IS NOT NULL)) \
             SELECT p.author, p.number, h.member, h.why, \
               CASE WHEN EXISTS (SELECT 1 FROM users u \
                 LEFT JOIN member_threads m ON m.user_id = u.id AND m.thread_id = p.thread_id \
                 LEFT JOIN member_categories c ON c.user_id = u.id AND c.category_id = p.category_id \
                 WHERE u.id = h.member AND (COALESCE(m.level, c.level) = 'muted' \
                   OR EXISTS (SELECT 1 FROM member_mutes x WHERE x.user_id = u.id AND x.muted_id = p.author) \
                   OR (u.role = 'member' AND EXISTS (SELECT 1 FROM categories k WHERE k.id = p.category_id AND k.staff_only = 1)))) \
               THEN 1 ELSE 0 END \
             FROM p LEFT JOIN heard h ON 1 = 1",
            args![post_id, &quoted],
            |r| Ok((r.int(0)?, r.int(1)?, r.opt_int(2)?, r.opt_int(3)?, r.int(4)? != 0)),
        )
        .await?;
    let Some(&(author, number, ..)) = rows.first() else { return Err(super::StoreError::NotFound) };
    let mut audience = Audience { author, opens_thread: number == 1, ..Audience::default() };
    for (_, _, member, why, muted) in rows {
        let Some(member) = member else { continue };
        match why {
            Some(1) => audience.answered = Some(member),
            Some(2) => audience.quoted.push(member),
            Some(3) => audience.mentioned.push(member),
            _ => audience.watching.push(member),
        }
        if muted {
            audience.muted.insert(member);
        }
    }
    Ok(audience)
}

/// Whether `member` muted `other`.
pub async fn mutes(c: &Conn<'_>, member: i64, other: i64) -> Result<bool> {
    Ok(c.one("SELECT 1 FROM member_mutes WHERE user_id = ?1 AND muted_id = ?2", args![member, other], |_| Ok(())).await?.is_some())
}

/// The member follows a thread they posted in at their default level (or
/// watching, when they watch its category), unless they chose a level for
/// it already; and they have read it up to their own post.
pub async fn follow_on_post(tx: &Tx<'_>, user_id: i64, thread_id: i64, number: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO member_threads (user_id, thread_id, last_read, level, updated_at) \
         SELECT u.id, ?2, ?3, CASE WHEN c.level = 'watching' THEN 'watching' ELSE u.default_watch END, ?4 \
         FROM users u JOIN threads t ON t.id = ?2 LEFT JOIN member_categories c ON c.user_id = u.id AND c.category_id = t.category_id \
         WHERE u.id = ?1 \
         ON CONFLICT (user_id, thread_id) DO UPDATE SET level = COALESCE(member_threads.level, excluded.level), \
           last_read = CASE WHEN excluded.last_read > member_threads.last_read THEN excluded.last_read ELSE member_threads.last_read END, \
           updated_at = excluded.updated_at",
        args![user_id, thread_id, number, now_millis()],
    )
    .await?;
    Ok(())
}

/// The member has read `thread_id` up to post `number` (never moving back),
/// and the notifications about the posts they just saw are read too.
pub async fn read_to(tx: &Tx<'_>, user_id: i64, thread_id: i64, number: i64, seen_posts: &Vec<i64>) -> Result<()> {
    tx.exec(
        "INSERT INTO member_threads (user_id, thread_id, last_read, updated_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (user_id, thread_id) DO UPDATE SET \
           last_read = CASE WHEN excluded.last_read > member_threads.last_read THEN excluded.last_read ELSE member_threads.last_read END, \
           updated_at = excluded.updated_at",
        args![user_id, thread_id, number, now_millis()],
    )
    .await?;
    if !seen_posts.is_empty() {
        let read = tx
            .exec(
                "UPDATE notifications SET read_at = ?3 WHERE user_id = ?1 AND read_at IS NULL AND post_id = ANY(?2)",
                args![user_id, seen_posts, now_millis()],
            )
            .await?;
        if read > 0 {
            count_changed(tx, &vec![user_id]).await?;
        }
    }
    Ok(())
}

/// Sets a member's level for a thread (keeping how far they read).
pub async fn set_thread_level(tx: &Tx<'_>, user_id: i64, thread_id: i64, level: Level) -> Result<()> {
    tx.exec(
        "INSERT INTO member_threads (user_id, thread_id, last_read, level, updated_at) VALUES (?1, ?2, 0, ?3, ?4) \
         ON CONFLICT (user_id, thread_id) DO UPDATE SET level = excluded.level, updated_at = excluded.updated_at",
        args![user_id, thread_id, level.as_str(), now_millis()],
    )
    .await?;
    Ok(())
}

/// Sets a member's level for a category (normal too: it keeps the
/// threads they open there from being tracked).
pub async fn set_category_level(tx: &Tx<'_>, user_id: i64, category_id: i64, level: Level) -> Result<()> {
    tx.exec(
        "INSERT INTO member_categories (user_id, category_id, level, updated_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (user_id, category_id) DO UPDATE SET level = excluded.level, updated_at = excluded.updated_at",
        args![user_id, category_id, level.as_str(), now_millis()],
    )
    .await?;
    Ok(())
}

/// A member's level for a category: what they chose, or normal.
pub async fn category_level(c: &Conn<'_>, user_id: i64, category_id: i64) -> Result<Level> {
    let level = c
        .one("SELECT level FROM member_categories WHERE user_id = ?1 AND category_id = ?2", args![user_id, category_id], |r| r.text(0))
        .await?;
    Ok(level.as_deref().and_then(Level::parse).unwrap_or(Level::Normal))
}

pub async fn set_muted(tx: &Tx<'_>, user_id: i64, other: i64, muted: bool) -> Result<()> {
    if muted {
        tx.exec(
            "INSERT INTO member_mutes (user_id, muted_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            args![user_id, other, now_millis()],
        )
        .await?;
    } else {
        tx.exec("DELETE FROM member_mutes WHERE user_id = ?1 AND muted_id = ?2", args![user_id, other]).await?;
    }
    Ok(())
}

/// The members someone muted, by name.
pub async fn muted_members(c: &Conn<'_>, user_id: i64) -> Result<Vec<String>> {
    c.all(
        "SELECT u.username FROM member_mutes m JOIN users u ON u.id = m.muted_id WHERE m.user_id = ?1 ORDER BY u.username_lower",
        args![user_id],
        |r| r.text(0),
    )
    .await
}

/// A notification with its post and thread, and the actors it names: the
/// ids kept for a group, and the latest actor's name. The post's words come
/// only while its reader may read them: not once it is deleted, and not while
/// it is hidden or held, unless it is their own or they are staff.
pub(super) const NOTIFICATION_SELECT: &str = "SELECT n.id, n.kind, n.post_id, t.id, t.title, t.slug, p.number, n.actor_ids, n.actor_count, \
       CASE WHEN p.deleted_at IS NULL AND ((p.hidden_at IS NULL AND p.held_at IS NULL) OR p.user_id = n.user_id OR r.role <> 'member') \
            THEN p.excerpt END, \
       n.created_at, n.read_at IS NOT NULL, n.detail, a.username \
     FROM notifications n JOIN users r ON r.id = n.user_id LEFT JOIN posts p ON p.id = n.post_id LEFT JOIN threads t ON t.id = p.thread_id \
     LEFT JOIN users a ON a.id = n.actor_id";

pub(super) fn notification(r: &Row) -> Result<(Vec<i64>, Option<String>, Notification)> {
    let ids: Vec<i64> = r.opt_text(7)?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    let actor = r.opt_text(13)?;
    Ok((
        ids,
        actor.clone(),
        Notification {
            id: r.int(0)?,
            kind: r.text(1)?,
            post_id: r.opt_int(2)?,
            thread_id: r.opt_int(3)?,
            thread_title: r.opt_text(4)?,
            thread_slug: r.opt_text(5)?,
            number: r.opt_int(6)?,
            actors: actor.into_iter().collect(),
            actor_count: r.int(8)?,
            excerpt: r.opt_text(9)?,
            created_at: r.int(10)?,
            read: r.flag(11)?,
            detail: r.opt_text(12)?,
        },
    ))
}

/// One page of a member's notifications, newest first, with whether more follow.
pub async fn notifications(c: &Conn<'_>, user_id: i64, page: i64, per_page: i64) -> Result<(Vec<Notification>, bool)> {
    let offset = super::forum::page_offset(page, per_page);
    let rows = c
        .all(&format!("{NOTIFICATION_SELECT} WHERE n.user_id = ?1 ORDER BY n.id DESC LIMIT ?2 OFFSET ?3"), args![user_id, per_page + 1, offset], notification)
        .await?;
    let more = rows.len() as i64 > per_page;
    // Grouped notifications name a few actors: one statement for the whole page.
    let grouped: Vec<i64> = rows.iter().filter(|(ids, ..)| ids.len() > 1).flat_map(|(ids, ..)| ids.iter().copied()).collect();
    let names: HashMap<i64, String> = if grouped.is_empty() {
        HashMap::new()
    } else {
        c.all("SELECT id, username FROM users WHERE id = ANY(?1)", args![&grouped], |r| Ok((r.int(0)?, r.text(1)?))).await?.into_iter().collect()
    };
    let items = rows
        .into_iter()
        .take(per_page as usize)
        .map(|(ids, actor, mut n)| {
            n.actors = if ids.len() > 1 { ids.iter().filter_map(|id| names.get(id).cloned()).collect() } else { actor.into_iter().collect() };
            n
        })
        .collect();
    Ok((items, more))
}

pub async fn unread_count(c: &Conn<'_>, user_id: i64) -> Result<i64> {
    Ok(c.one("SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND read_at IS NULL", args![user_id], |r| r.int(0)).await?.unwrap_or(0))
}

/// Marks the member's notifications read: those with `ids`, or all of them.
pub async fn mark_read(tx: &Tx<'_>, user_id: i64, ids: Option<&Vec<i64>>) -> Result<u64> {
    let now = now_millis();
    let read = match ids {
        Some(ids) => {
            tx.exec("UPDATE notifications SET read_at = ?3 WHERE user_id = ?1 AND id = ANY(?2) AND read_at IS NULL", args![user_id, ids, now]).await?
        }
        None => tx.exec("UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL", args![user_id, now]).await?,
    };
    if read > 0 {
        count_changed(tx, &vec![user_id]).await?;
    }
    Ok(read)
}

/// Single steps, each its own read or transaction.
impl Store {
    pub async fn unread_count(&self, user_id: i64) -> Result<i64> {
        self.read_primary(move |c| Box::pin(unread_count(c, user_id))).await
    }
}
