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
