//! The outbox and what mail is made of: messages waiting to be sent, the
//! members they go to, and the single-use links they carry.
//!
//! A message is queued in the transaction of what causes it. A mailer claims
//! due messages for a lease ([`claim`]): on PostgreSQL rows another node is
//! claiming are skipped, so each message goes to one node; a lease that
//! lapses (its node died) lets another node retry it. Each message is then
//! settled ([`settle`]) or put back for a retry ([`retry`]).

use super::conn::{Conn, Tx, Wake, args};
use super::notify::Notification;
use super::{Result, now_millis};
use crate::domain::notify::{Digest, EmailFrequency};

/// A message the mailer claimed.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub kind: String,
    pub user_id: i64,
    pub detail: Option<String>,
    /// Tries so far, this one included.
    pub attempts: i64,
    pub created_at: i64,
}

/// Queues one message; with a `dedupe_key` it is queued once ever (a digest
/// per period). Returns whether it was queued.
pub async fn queue(tx: &Tx<'_>, kind: &str, user_id: i64, send_after: i64, detail: Option<&str>, dedupe_key: Option<&str>) -> Result<bool> {
    let queued = tx
        .exec(
            "INSERT INTO outbox (kind, user_id, dedupe_key, detail, created_at, send_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            args![kind, user_id, dedupe_key, detail, now_millis(), send_after],
        )
        .await?;
    tx.after_commit(Wake::OUTBOX);
    Ok(queued > 0)
}

/// A "while you were away" message for each of `members` who wants email,
/// after `delay_ms` (straight away for those who want every notification).
/// A member already waiting for one gets no second: what comes meanwhile joins it.
pub async fn queue_away(tx: &Tx<'_>, members: &Vec<i64>, delay_ms: i64) -> Result<()> {
    if members.is_empty() {
        return Ok(());
    }
    let now = now_millis();
    let queued = tx
        .exec(
            "INSERT INTO outbox (kind, user_id, created_at, send_after) \
             SELECT 'away', id, ?2, CASE WHEN email_frequency = 'always' THEN CAST(?2 AS BIGINT) ELSE CAST(?2 AS BIGINT) + CAST(?3 AS BIGINT) END FROM users \
             WHERE id = ANY(?1) AND email IS NOT NULL AND email_verified_at IS NOT NULL AND email_frequency <> 'never' \
             ON CONFLICT (user_id) WHERE kind = 'away' AND settled_at IS NULL DO NOTHING",
            args![members, now, delay_ms],
        )
        .await?;
    if queued > 0 {
        tx.after_commit(Wake::OUTBOX);
    }
    Ok(())
}

/// Queues this period's digest for every member due one: verified address,
/// this frequency, joined before the period began, seen within
/// `absent_since`. Each member's digest for a period is queued once, by any node.
pub async fn queue_digests(tx: &Tx<'_>, digest: Digest, period: i64, period_start: i64, seen_since: i64) -> Result<u64> {
    let key_prefix = format!("digest:{}:{period}:", digest.as_str());
    let queued = tx
        .exec(
            "INSERT INTO outbox (kind, user_id, dedupe_key, detail, created_at, send_after) \
             SELECT 'digest', id, CAST(?1 AS TEXT) || CAST(id AS TEXT), ?2, ?3, ?3 FROM users \
             WHERE digest = ?2 AND email IS NOT NULL AND email_verified_at IS NOT NULL \
               AND created_at < ?4 AND last_seen_at >= ?5 \
             ON CONFLICT DO NOTHING",
            args![&key_prefix, digest.as_str(), now_millis(), period_start, seen_since],
        )
        .await?;
    if queued > 0 {
        tx.after_commit(Wake::OUTBOX);
    }
    Ok(queued)
}

/// Claims up to `limit` due messages until `now + lease_ms`.
pub async fn claim(tx: &Tx<'_>, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<Outgoing>> {
    let sql = format!(
        "UPDATE outbox SET claimed_until = CAST(?1 AS BIGINT) + CAST(?2 AS BIGINT), attempts = attempts + 1 WHERE id IN ( \
           SELECT id FROM outbox WHERE settled_at IS NULL AND send_after <= ?1 AND (claimed_until IS NULL OR claimed_until < ?1) \
           ORDER BY send_after, id LIMIT ?3{}) \
         RETURNING id, kind, user_id, detail, attempts, created_at",
        tx.skip_locked()
    );
    tx.all(&sql, args![now, lease_ms, limit], |r| {
        Ok(Outgoing { id: r.int(0)?, kind: r.text(1)?, user_id: r.int(2)?, detail: r.opt_text(3)?, attempts: r.int(4)?, created_at: r.int(5)? })
    })
    .await
}

/// Done with a message: sent, or nothing left to send.
pub async fn settle(tx: &Tx<'_>, id: i64, outcome: &str, error: Option<&str>) -> Result<()> {
    tx.exec(
        "UPDATE outbox SET settled_at = ?2, outcome = ?3, last_error = COALESCE(?4, last_error), claimed_until = NULL WHERE id = ?1",
        args![id, now_millis(), outcome, error],
    )
    .await?;
    Ok(())
}

/// Not sent this time: try again from `at`.
pub async fn retry(tx: &Tx<'_>, id: i64, at: i64, error: &str) -> Result<()> {
    tx.exec("UPDATE outbox SET send_after = ?2, claimed_until = NULL, last_error = ?3 WHERE id = ?1", args![id, at, error]).await?;
    Ok(())
}

/// When the next message falls due, if any waits.
pub async fn next_due(c: &Conn<'_>) -> Result<Option<i64>> {
    Ok(c.one("SELECT MIN(send_after) FROM outbox WHERE settled_at IS NULL", &[], |r| r.opt_int(0)).await?.flatten())
}

/// What a message needs to know of its member.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub verified: bool,
    pub frequency: EmailFrequency,
    pub digest: Digest,
}

pub async fn recipient(c: &Conn<'_>, user_id: i64) -> Result<Option<Recipient>> {
    c.one(
        "SELECT id, username, email, email_verified_at IS NOT NULL, email_frequency, digest FROM users WHERE id = ?1",
        args![user_id],
        |r| {
            Ok(Recipient {
                id: r.int(0)?,
                username: r.text(1)?,
                email: r.opt_text(2)?,
                verified: r.flag(3)?,
                frequency: EmailFrequency::parse(&r.text(4)?).unwrap_or(EmailFrequency::Away),
                digest: Digest::parse(&r.text(5)?).unwrap_or(Digest::Weekly),
            })
        },
    )
    .await
}

/// The notifications about posts a member has neither read nor been
/// emailed, oldest first; with `unseen_only`, only those that arrived after
/// they were last on the site.
pub async fn unemailed(c: &Conn<'_>, user_id: i64, kinds: &Vec<String>, unseen_only: bool) -> Result<Vec<Notification>> {
    let sql = format!(
        "{} WHERE n.user_id = ?1 AND n.read_at IS NULL AND n.emailed_at IS NULL AND n.kind = ANY(?2) \
           AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.held_at IS NULL \
           AND (?3 = 0 OR n.created_at > (SELECT last_seen_at FROM users WHERE id = ?1)) \
         ORDER BY n.id LIMIT 50",
        super::notify::NOTIFICATION_SELECT
    );
    let rows = c.all(&sql, args![user_id, kinds, unseen_only], super::notify::notification).await?;
    Ok(rows.into_iter().map(|(_, _, n)| n).collect())
}

pub async fn mark_emailed(tx: &Tx<'_>, ids: &Vec<i64>) -> Result<()> {
    tx.exec("UPDATE notifications SET emailed_at = ?2 WHERE id = ANY(?1)", args![ids, now_millis()]).await?;
    Ok(())
}

/// A thread in a digest.
#[derive(Debug, Clone)]
pub struct DigestThread {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_name: String,
    /// Posts since the digest's period began.
    pub recent_posts: i64,
    pub excerpt: String,
}

/// The most active threads since `since` that a member may read, in the
/// categories they watch (or, when they watch none, every category they
/// haven't muted), leaving out threads they muted.
pub async fn digest_threads(c: &Conn<'_>, user_id: i64, since: i64, limit: i64) -> Result<Vec<DigestThread>> {
    c.all(
        "SELECT t.id, t.title, t.slug, c.name, \
           (SELECT COUNT(*) FROM posts p WHERE p.thread_id = t.id AND p.created_at >= ?2 AND p.deleted_at IS NULL AND p.held_at IS NULL AND p.hidden_at IS NULL) AS recent, \
           COALESCE((SELECT excerpt FROM posts f WHERE f.thread_id = t.id AND f.number = 1 AND f.hidden_at IS NULL AND f.deleted_at IS NULL), '') \
         FROM threads t JOIN categories c ON c.id = t.category_id \
         LEFT JOIN member_categories mc ON mc.user_id = ?1 AND mc.category_id = t.category_id \
         LEFT JOIN member_threads mt ON mt.user_id = ?1 AND mt.thread_id = t.id \
         WHERE t.last_post_at >= ?2 AND t.held_at IS NULL AND c.staff_only = 0 AND COALESCE(mt.level, '') <> 'muted' \
           AND CASE WHEN EXISTS (SELECT 1 FROM member_categories w WHERE w.user_id = ?1 AND w.level = 'watching') \
                THEN mc.level = 'watching' ELSE COALESCE(mc.level, 'normal') <> 'muted' END \
         ORDER BY recent DESC, t.last_post_at DESC LIMIT ?3",
        args![user_id, since, limit],
        |r| Ok(DigestThread { id: r.int(0)?, title: r.text(1)?, slug: r.text(2)?, category_name: r.text(3)?, recent_posts: r.int(4)?, excerpt: r.text(5)? }),
    )
    .await
    .map(|threads| threads.into_iter().filter(|t| t.recent_posts > 0).collect())
}

/// Keeps a single-use link's token (by hash) for an hour or so.
pub async fn create_token(tx: &Tx<'_>, token_hash: &str, user_id: i64, purpose: &str, email: &str, expires_at: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![token_hash, user_id, purpose, email, now_millis(), expires_at],
    )
    .await?;
    Ok(())
}

/// Uses a token once: the member and address it was for, if it is live.
pub async fn use_token(tx: &Tx<'_>, token_hash: &str, purpose: &str, now: i64) -> Result<Option<(i64, String)>> {
    tx.one(
        "UPDATE email_tokens SET used_at = ?3 WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3 RETURNING user_id, email",
        args![token_hash, purpose, now],
        |r| Ok((r.int(0)?, r.text(1)?)),
    )
    .await
}

/// Whether a token is live, without using it (for showing its form).
pub async fn token_live(c: &Conn<'_>, token_hash: &str, purpose: &str, now: i64) -> Result<bool> {
    Ok(c.one(
        "SELECT 1 FROM email_tokens WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
        args![token_hash, purpose, now],
        |_| Ok(()),
    )
    .await?
    .is_some())
}

/// Earlier links of that kind stop working once a new one is used.
pub async fn retire_tokens(tx: &Tx<'_>, user_id: i64, purpose: &str, now: i64) -> Result<()> {
    tx.exec("UPDATE email_tokens SET used_at = ?3 WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL", args![user_id, purpose, now]).await?;
    Ok(())
}

/// Members whose address (or name) is `who`, for a password reset.
pub async fn members_by_address(c: &Conn<'_>, who: &str) -> Result<Vec<(i64, String)>> {
    let lower = who.trim().to_lowercase();
    c.all(
        "SELECT id, email FROM users WHERE email IS NOT NULL AND (LOWER(email) = ?1 OR username_lower = ?1) ORDER BY id LIMIT 5",
        args![&lower],
        |r| Ok((r.int(0)?, r.text(1)?)),
    )
    .await
}
