//! Carrying out a member's deletion: asked for, cancelled, and done in
//! batches, each its own short transaction.

use super::conn::{Conn, Tx, args};
use super::{Result, now_millis};
use crate::domain::deletion::{FORMER_MEMBER, Mode, former_name, remove_quotes_of, replace_mentions, unlink_mentions};
use std::collections::HashMap;

/// Starts the grace period, and ends every session: logging in again cancels it.
pub async fn request(tx: &Tx<'_>, user_id: i64, mode: Mode) -> Result<()> {
    tx.exec(
        "UPDATE users SET deletion_requested_at = ?2, deletion_mode = ?3 WHERE id = ?1 AND deleted_at IS NULL",
        args![user_id, now_millis(), mode.as_str()],
    )
    .await?;
    super::accounts::end_sessions(tx, user_id).await?;
    Ok(())
}

/// Calls a pending deletion off; whether there was one.
pub async fn cancel(tx: &Tx<'_>, user_id: i64) -> Result<bool> {
    let changed = tx
        .exec(
            "UPDATE users SET deletion_requested_at = NULL, deletion_mode = NULL \
             WHERE id = ?1 AND deletion_requested_at IS NOT NULL AND deleted_at IS NULL",
            args![user_id],
        )
        .await?;
    Ok(changed > 0)
}

/// When a member's deletion was asked for, and how, if it is pending.
pub async fn pending(c: &Conn<'_>, user_id: i64) -> Result<Option<(i64, Mode)>> {
    let row = c
        .one("SELECT deletion_requested_at, deletion_mode FROM users WHERE id = ?1 AND deleted_at IS NULL", args![user_id], |r| {
            Ok((r.opt_int(0)?, r.opt_text(1)?))
        })
        .await?;
    Ok(row.and_then(|(at, mode)| Some((at?, Mode::parse(&mode?)?))))
}

/// A deletion whose grace period is over.
#[derive(Debug, Clone)]
pub struct Due {
    pub user_id: i64,
    pub username: String,
    pub mode: Mode,
}

/// Deletions asked for at or before `asked_before`, oldest first.
pub async fn due(c: &Conn<'_>, asked_before: i64) -> Result<Vec<Due>> {
    c.all(
        "SELECT id, username, deletion_mode FROM users \
         WHERE deletion_requested_at IS NOT NULL AND deletion_requested_at <= ?1 AND deleted_at IS NULL ORDER BY deletion_requested_at",
        args![asked_before],
        |r| Ok(Due { user_id: r.int(0)?, username: r.text(1)?, mode: Mode::parse(&r.text(2)?).unwrap_or(Mode::Erase) }),
    )
    .await
}

/// Removes the words of up to `limit` of the member's posts, with their
/// earlier versions; each stays as a removed post so that replies keep their
/// place. Returns how many it changed (0: none left).
pub async fn erase_posts(tx: &Tx<'_>, user_id: i64, limit: i64) -> Result<usize> {
    let ids = tx
        .all("SELECT id FROM posts WHERE user_id = ?1 AND (body <> '' OR html <> '') ORDER BY id LIMIT ?2", args![user_id, limit], |r| r.int(0))
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    // Replies that were showing stop counting, as when their author deletes them.
    tx.exec(
        "UPDATE threads SET reply_count = reply_count - (SELECT COUNT(*) FROM posts p WHERE p.thread_id = threads.id AND p.id = ANY(?1) \
           AND p.deleted_at IS NULL AND p.held_at IS NULL AND p.number > 1) \
         WHERE id IN (SELECT thread_id FROM posts WHERE id = ANY(?1))",
        args![&ids],
    )
    .await?;
    tx.exec(
        "UPDATE posts SET body = '', html = '', excerpt = '', mentions = '[]', pain_summary = NULL, \
           deleted_at = COALESCE(deleted_at, ?2), deleted_by = COALESCE(deleted_by, user_id) WHERE id = ANY(?1)",
        args![&ids, now_millis()],
    )
    .await?;
    tx.exec("DELETE FROM post_revisions WHERE post_id = ANY(?1)", args![&ids]).await?;
    tx.exec("DELETE FROM post_mentions WHERE post_id = ANY(?1)", args![&ids]).await?;
    Ok(ids.len())
}

/// Unlinks up to `limit` mentions of the member in other posts: anonymised,
/// the words stay; erased, their name goes too. Returns how many posts it changed.
pub async fn unlink_mentions_of(tx: &Tx<'_>, user_id: i64, username: &str, mode: Mode, limit: i64) -> Result<usize> {
    let posts = tx
        .all(
            "SELECT p.id, p.body, p.html, p.mentions, p.excerpt FROM post_mentions m JOIN posts p ON p.id = m.post_id WHERE m.user_id = ?1 ORDER BY p.id LIMIT ?2",
            args![user_id, limit],
            |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?, r.text(4)?)),
        )
        .await?;
    for (id, body, html, mentioned, excerpt) in &posts {
        let others: Vec<String> = serde_json::from_str::<Vec<String>>(mentioned).unwrap_or_default().into_iter().filter(|n| !n.eq_ignore_ascii_case(username)).collect();
        let others = serde_json::to_string(&others).unwrap_or_else(|_| "[]".into());
        tx.exec("UPDATE posts SET mentions = ?2 WHERE id = ?1", args![*id, &others]).await?;
        let (body, html, excerpt) = match mode {
            Mode::Anonymise => (body.clone(), unlink_mentions(html, username, &format!("@{username}")), excerpt.clone()),
            Mode::Erase => {
                // Their quoted words go with their posts; the rest is cooked again,
                // keeping the links to everyone else it mentions.
                let body = replace_mentions(&remove_quotes_of(body, username), username, FORMER_MEMBER);
                let members: HashMap<String, String> =
                    serde_json::from_str::<Vec<String>>(&others).unwrap_or_default().into_iter().map(|n| (n.to_lowercase(), n)).collect();
                let cooked = crate::domain::markdown::render(&body, &members);
                (body, cooked.html, cooked.excerpt)
            }
        };
        tx.exec("UPDATE posts SET body = ?2, html = ?3, excerpt = ?4 WHERE id = ?1", args![*id, &body, &html, &excerpt]).await?;
        if mode == Mode::Erase {
            tx.exec("DELETE FROM post_revisions WHERE post_id = ?1", args![*id]).await?;
        }
        tx.exec("DELETE FROM post_mentions WHERE post_id = ?1 AND user_id = ?2", args![*id, user_id]).await?;
    }
    Ok(posts.len())
}

/// Erases everything else about the member and leaves a placeholder row
/// (its id keeps the forum's links whole).
pub async fn finish(tx: &Tx<'_>, user_id: i64, mode: Mode) -> Result<()> {
    for sql in [
        "DELETE FROM sessions WHERE user_id = ?1",
        "DELETE FROM pain_entries WHERE user_id = ?1",
        "DELETE FROM runs WHERE user_id = ?1",
        "DELETE FROM notifications WHERE user_id = ?1",
        "DELETE FROM member_threads WHERE user_id = ?1",
        "DELETE FROM member_categories WHERE user_id = ?1",
        "DELETE FROM member_mutes WHERE user_id = ?1 OR muted_id = ?1",
        "DELETE FROM email_tokens WHERE user_id = ?1",
        "DELETE FROM outbox WHERE user_id = ?1",
        "DELETE FROM member_notes WHERE user_id = ?1",
        "DELETE FROM exports WHERE user_id = ?1",
        "UPDATE flags SET note = '' WHERE user_id = ?1",
    ] {
        tx.exec(sql, args![user_id]).await?;
    }
    let pictures = match mode {
        Mode::Anonymise => "DELETE FROM uploads WHERE user_id = ?1 AND purpose = 'avatar'",
        Mode::Erase => "DELETE FROM uploads WHERE user_id = ?1",
    };
    tx.exec(pictures, args![user_id]).await?;
    if mode == Mode::Erase {
        // Thanks they gave go, and the counts they added to.
        tx.exec(
            "UPDATE posts SET thanks_count = thanks_count - 1 WHERE id IN (SELECT post_id FROM thanks WHERE user_id = ?1)",
            args![user_id],
        )
        .await?;
        tx.exec(
            "UPDATE users SET thanks_received = thanks_received - (SELECT COUNT(*) FROM thanks k JOIN posts p ON p.id = k.post_id \
               WHERE k.user_id = ?1 AND p.user_id = users.id) \
             WHERE id IN (SELECT p.user_id FROM thanks k JOIN posts p ON p.id = k.post_id WHERE k.user_id = ?1)",
            args![user_id],
        )
        .await?;
        tx.exec("DELETE FROM thanks WHERE user_id = ?1", args![user_id]).await?;
    }
    let name = former_name(user_id);
    tx.exec(
        "UPDATE users SET username = ?2, username_lower = ?2, username_skeleton = ?2, email = NULL, password_hash = '!', avatar = NULL, \
           badge = NULL, plan_id = NULL, show_progress = 0, graduated_at = NULL, deletion_requested_at = NULL, deleted_at = ?3 \
         WHERE id = ?1",
        args![user_id, &name, now_millis()],
    )
    .await?;
    Ok(())
}
