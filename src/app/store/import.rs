//! What an import reads from and writes to the store: the map from a
//! source's ids to local ones, names and slugs already taken, rows brought
//! over again (updated in place), and the counters set once at the end.

use super::conn::{Conn, Tx, args};
use super::data::{Rows, import_rows};
use super::Result;

/// Everything of `source` imported before: (kind, source id, local id).
pub async fn mapping(c: &Conn<'_>, source: &str) -> Result<Vec<(String, String, i64)>> {
    c.all("SELECT kind, source_id, local_id FROM import_map WHERE source = ?1", args![source], |r| Ok((r.text(0)?, r.text(1)?, r.int(2)?))).await
}

/// Every username and category slug in use, lower-cased.
pub async fn taken_names(c: &Conn<'_>) -> Result<(Vec<String>, Vec<String>)> {
    let users = c.all("SELECT username_lower FROM users", &[], |r| r.text(0)).await?;
    let slugs = c.all("SELECT slug FROM categories", &[], |r| r.text(0)).await?;
    Ok((users, slugs))
}

/// The highest id in use in users, categories, threads and posts.
pub async fn highest_ids(c: &Conn<'_>) -> Result<[i64; 4]> {
    let mut ids = [0; 4];
    for (i, table) in ["users", "categories", "threads", "posts"].iter().enumerate() {
        ids[i] = c.one(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"), &[], |r| r.int(0)).await?.unwrap_or(0);
    }
    Ok(ids)
}

/// A member already here, as an import sees them.
pub struct Existing {
    pub id: i64,
    pub username: String,
    /// Lower-cased, when confirmed.
    pub confirmed_email: Option<String>,
}

pub async fn existing_members(c: &Conn<'_>) -> Result<Vec<Existing>> {
    c.all(
        "SELECT id, username, CASE WHEN email_verified_at IS NOT NULL AND deleted_at IS NULL THEN LOWER(email) END FROM users",
        &[],
        |r| Ok(Existing { id: r.int(0)?, username: r.text(1)?, confirmed_email: r.opt_text(2)? }),
    )
    .await
}

/// The last number each of `threads` has handed out.
pub async fn last_numbers(c: &Conn<'_>, threads: &Vec<i64>) -> Result<Vec<(i64, i64)>> {
    c.all("SELECT id, last_number FROM threads WHERE id = ANY(?1)", args![threads], |r| Ok((r.int(0)?, r.int(1)?))).await
}

/// How many thanks there are in all.
pub async fn thanks_count(c: &Conn<'_>) -> Result<u64> {
    Ok(c.one("SELECT COUNT(*) FROM thanks", &[], |r| r.int(0)).await?.unwrap_or(0) as u64)
}

/// A member brought over: no password (they choose one by email), and an
/// address only when the source had one.
#[allow(clippy::too_many_arguments)]
pub async fn insert_member(tx: &Tx<'_>, id: i64, name: &str, email: Option<&str>, role: &str, created_at: i64, verified_at: Option<i64>, badge: Option<&str>) -> Result<()> {
    tx.exec(
        "INSERT INTO users (id, username, username_lower, email, password_hash, role, created_at, email_verified_at, username_skeleton, badge) \
         VALUES (?1, ?2, ?3, ?4, '!', ?5, ?6, ?7, ?8, ?9)",
        args![id, name, &name.to_lowercase(), email, role, created_at, verified_at, &crate::domain::validate::username_skeleton(name), badge],
    )
    .await?;
    Ok(())
}

/// After rows were written with ids of their own, PostgreSQL's next id
/// for `table` moves past them.
pub async fn ids_in_use(tx: &Tx<'_>, table: &str) -> Result<()> {
    match &**tx {
        Conn::Sqlite(_) => Ok(()),
        Conn::Postgres(pg) => super::postgres::data::after_import(pg, table, true).await,
    }
}

/// New rows, and the map entries that tie them to the source.
pub async fn insert(tx: &Tx<'_>, table: &str, rows: &Rows, map: &Rows) -> Result<()> {
    if !rows.is_empty() {
        import_rows(tx, table, rows).await?;
    }
    if !map.is_empty() {
        import_rows(tx, "import_map", map).await?;
    }
    Ok(())
}

pub async fn update_member(tx: &Tx<'_>, id: i64, email: Option<&str>, verified_at: Option<i64>, role: &str) -> Result<()> {
    // An address the member confirmed here stays theirs.
    tx.exec(
        "UPDATE users SET email = COALESCE(email, ?2), email_verified_at = COALESCE(email_verified_at, ?3), \
           role = CASE WHEN role = 'member' THEN ?4 ELSE role END WHERE id = ?1 AND deleted_at IS NULL",
        args![id, email, verified_at, role],
    )
    .await?;
    Ok(())
}

pub async fn update_category(tx: &Tx<'_>, id: i64, name: &str, description: &str, parent: Option<i64>, members_only: bool, staff_only: bool) -> Result<()> {
    tx.exec(
        "UPDATE categories SET name = ?2, description = ?3, parent_id = ?4, members_only = ?5, staff_only = ?6 WHERE id = ?1",
        args![id, name, description, parent, members_only, staff_only],
    )
    .await?;
    Ok(())
}

pub async fn update_thread(tx: &Tx<'_>, id: i64, title: &str, slug: &str, pinned: i64, locked_at: Option<i64>) -> Result<()> {
    tx.exec(
        "UPDATE threads SET title = ?2, slug = ?3, pinned = ?4, locked_at = ?5 WHERE id = ?1",
        args![id, title, slug, pinned, locked_at],
    )
    .await?;
    Ok(())
}

/// A post brought over again: its words and state as the source has them now.
pub struct PostUpdate<'a> {
    pub id: i64,
    pub reply_to: Option<i64>,
    pub body: &'a str,
    pub html: &'a str,
    pub excerpt: &'a str,
    pub mentions: &'a str,
    pub edited_at: Option<i64>,
    pub hidden_at: Option<i64>,
    pub uncredited_thanks: i64,
}

pub async fn update_post(tx: &Tx<'_>, p: &PostUpdate<'_>) -> Result<()> {
    tx.exec(
        "UPDATE posts SET reply_to = ?2, body = ?3, html = ?4, excerpt = ?5, mentions = ?6, edited_at = ?7, \
           hidden_at = COALESCE(hidden_at, ?8), hidden_reason = CASE WHEN CAST(?8 AS BIGINT) IS NULL THEN hidden_reason ELSE COALESCE(hidden_reason, 'hidden on the old forum') END, \
           imported_thanks = ?9 \
         WHERE id = ?1 AND deleted_at IS NULL \
           AND (body <> ?3 OR reply_to IS DISTINCT FROM ?2 OR (hidden_at IS NULL AND CAST(?8 AS BIGINT) IS NOT NULL) OR imported_thanks <> ?9)",
        args![p.id, p.reply_to, p.body, p.html, p.excerpt, p.mentions, p.edited_at, p.hidden_at, p.uncredited_thanks],
    )
    .await?;
    Ok(())
}

/// Thanks (post, member, when) and mentions (post, member), each once
/// however often they are brought over.
pub async fn thanks_and_mentions(tx: &Tx<'_>, thanks: &[(i64, i64, i64)], mentions: &[(i64, i64)]) -> Result<()> {
    let thanks: Vec<Vec<i64>> = thanks.iter().map(|&(p, m, at)| vec![p, m, at]).collect();
    insert_new(tx, "thanks (post_id, user_id, created_at)", &thanks).await?;
    let mentions: Vec<Vec<i64>> = mentions.iter().map(|&(p, m)| vec![p, m]).collect();
    insert_new(tx, "post_mentions (post_id, user_id)", &mentions).await
}

/// Rows of integers into `table_and_columns`, skipping those already there.
async fn insert_new(tx: &Tx<'_>, table_and_columns: &str, rows: &[Vec<i64>]) -> Result<()> {
    let width = rows.first().map_or(0, Vec::len);
    for chunk in rows.chunks(100) {
        let marks: Vec<String> =
            (0..chunk.len()).map(|r| format!("({})", (1..=width).map(|c| format!("?{}", r * width + c)).collect::<Vec<_>>().join(", "))).collect();
        let values: Vec<super::conn::Arg> = chunk.iter().flatten().map(|&v| v.into()).collect();
        tx.exec(&format!("INSERT INTO {table_and_columns} VALUES {} ON CONFLICT DO NOTHING", marks.join(", ")), &values).await?;
    }
    Ok(())
}

/// Every counter the imported rows add to, set from the rows themselves:
/// threads' (of `source`), posts' thanks, members' and categories'.
pub async fn recount(tx: &Tx<'_>, source: &str) -> Result<()> {
    const SHOWN: &str = "p.deleted_at IS NULL AND p.held_at IS NULL";
    tx.exec(
        &format!(
            "UPDATE threads SET \
               post_count = (SELECT COUNT(*) FROM posts p WHERE p.thread_id = threads.id AND p.held_at IS NULL), \
               reply_count = (SELECT COUNT(*) FROM posts p WHERE p.thread_id = threads.id AND {SHOWN} AND p.number > 1), \
               last_number = COALESCE((SELECT MAX(number) FROM posts p WHERE p.thread_id = threads.id), 0), \
               last_post_at = COALESCE((SELECT MAX(created_at) FROM posts p WHERE p.thread_id = threads.id AND {SHOWN}), created_at), \
               last_post_user_id = COALESCE((SELECT p.user_id FROM posts p WHERE p.thread_id = threads.id AND {SHOWN} \
                                             ORDER BY p.created_at DESC, p.id DESC LIMIT 1), user_id) \
             WHERE id IN (SELECT local_id FROM import_map WHERE source = ?1 AND kind = 'thread')"
        ),
        args![source],
    )
    .await?;
    tx.exec(
        "UPDATE posts SET thanks_count = imported_thanks + (SELECT COUNT(*) FROM thanks k WHERE k.post_id = posts.id) \
         WHERE id IN (SELECT local_id FROM import_map WHERE source = ?1 AND kind = 'post')",
        args![source],
    )
    .await?;
    tx.exec(
        &format!(
            "UPDATE users SET post_count = (SELECT COUNT(*) FROM posts p WHERE p.user_id = users.id AND {SHOWN}), \
               thanks_received = (SELECT COALESCE(SUM(p.thanks_count), 0) FROM posts p WHERE p.user_id = users.id)"
        ),
        &[],
    )
    .await?;
    tx.exec(
        "UPDATE categories SET \
           thread_count = (SELECT COUNT(*) FROM threads t WHERE t.category_id = categories.id AND t.held_at IS NULL), \
           post_count = (SELECT COALESCE(SUM(t.post_count), 0) FROM threads t WHERE t.category_id = categories.id AND t.held_at IS NULL)",
        &[],
    )
    .await?;
    Ok(())
}
