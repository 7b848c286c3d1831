//! Notifications: what a member is told about.

use super::conn::{Conn, Tx, args};
use super::{Result, Store, now_millis};

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub post_id: Option<i64>,
    pub thread_id: Option<i64>,
    pub thread_title: Option<String>,
    pub thread_slug: Option<String>,
    pub number: Option<i64>,
    pub actor: Option<String>,
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

/// Tells every moderator and admin; returns how many.
pub async fn notify_staff(tx: &Tx<'_>, n: Notice<'_>) -> Result<u64> {
    tx.exec(
        "INSERT INTO notifications (user_id, kind, post_id, actor_id, detail, created_at) \
         SELECT id, ?1, ?2, ?3, ?4, ?5 FROM users WHERE role IN ('moderator', 'admin')",
        args![n.kind, n.post_id, n.actor_id, n.detail, now_millis()],
    )
    .await
}

/// Tells one member.
pub async fn notify(tx: &Tx<'_>, user_id: i64, n: Notice<'_>) -> Result<()> {
    tx.exec(
        "INSERT INTO notifications (user_id, kind, post_id, actor_id, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![user_id, n.kind, n.post_id, n.actor_id, n.detail, now_millis()],
    )
    .await?;
    Ok(())
}

pub async fn notifications(c: &Conn<'_>, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
    c.all(
        "SELECT n.id, n.kind, n.post_id, t.id, t.title, t.slug, p.number, a.username, p.excerpt, n.created_at, \
                n.read_at IS NOT NULL, n.detail \
         FROM notifications n LEFT JOIN posts p ON p.id = n.post_id LEFT JOIN threads t ON t.id = p.thread_id \
         LEFT JOIN users a ON a.id = n.actor_id \
         WHERE n.user_id = ?1 ORDER BY n.id DESC LIMIT ?2",
        args![user_id, limit],
        |r| {
            Ok(Notification {
                id: r.int(0)?,
                kind: r.text(1)?,
                post_id: r.opt_int(2)?,
                thread_id: r.opt_int(3)?,
                thread_title: r.opt_text(4)?,
                thread_slug: r.opt_text(5)?,
                number: r.opt_int(6)?,
                actor: r.opt_text(7)?,
                excerpt: r.opt_text(8)?,
                created_at: r.int(9)?,
                read: r.flag(10)?,
                detail: r.opt_text(11)?,
            })
        },
    )
    .await
}

pub async fn mark_all_read(tx: &Tx<'_>, user_id: i64) -> Result<()> {
    tx.exec("UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL", args![user_id, now_millis()]).await?;
    Ok(())
}

/// Single steps, each its own read or transaction.
impl Store {
    pub async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        self.read(move |c| Box::pin(notifications(c, user_id, limit))).await
    }

    pub async fn mark_notifications_read(&self, user_id: i64) -> Result<()> {
        self.write(move |tx| Box::pin(mark_all_read(tx, user_id))).await
    }
}
