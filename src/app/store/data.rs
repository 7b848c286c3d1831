//! Whole-community data: copying every table between stores (`migrate-store`)
//! and bulk loads (`demo --scale`), with the statements written once.

use super::conn::{Arg, Conn, Tx, args};
use super::{Result, Store, StoreError};

/// A column value when copying a whole store: every column Jogette stores is
/// an integer, text, or (a picture) bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Bytes,
}

/// Every table, parents before children, with its columns: what
/// `migrate-store` copies. Adding a table or column to the schema means adding
/// it here, or the copy test fails.
pub const TABLES: &[(&str, &[(&str, Kind)])] = {
    use Kind::{Bytes, Int, Text};
    &[
        ("plans", &[("id", Int), ("slug", Text), ("name", Text), ("source", Text), ("builtin", Int), ("created_at", Int), ("updated_at", Int)]),
        ("users", &[("id", Int), ("username", Text), ("username_lower", Text), ("email", Text), ("password_hash", Text), ("role", Text), ("created_at", Int), ("post_count", Int), ("thanks_received", Int), ("trusted_at", Int), ("silenced_until", Int), ("suspended_until", Int), ("failed_logins", Int), ("last_failed_login_at", Int), ("login_locked_until", Int), ("email_verified_at", Int), ("email_frequency", Text), ("digest", Text), ("default_watch", Text), ("last_seen_at", Int), ("previous_visit_at", Int), ("plan_id", Int), ("badge", Text), ("show_progress", Int), ("graduated_at", Int), ("username_skeleton", Text), ("avatar", Text), ("deletion_requested_at", Int), ("deletion_mode", Text), ("deleted_at", Int)]),
        ("exports", &[("id", Int), ("user_id", Int), ("progress", Int), ("bytes", Bytes), ("created_at", Int), ("ready_at", Int), ("expires_at", Int)]),
        ("uploads", &[("id", Int), ("user_id", Int), ("purpose", Text), ("content_type", Text), ("key", Text), ("width", Int), ("height", Int), ("bytes", Bytes), ("created_at", Int)]),
        ("sessions", &[("token_hash", Text), ("user_id", Int), ("kind", Text), ("created_at", Int), ("expires_at", Int), ("last_write_at", Int)]),
        ("categories", &[("id", Int), ("slug", Text), ("name", Text), ("description", Text), ("position", Int), ("thread_count", Int), ("post_count", Int), ("created_at", Int), ("members_only", Int), ("parent_id", Int), ("staff_only", Int)]),
        ("threads", &[("id", Int), ("category_id", Int), ("user_id", Int), ("title", Text), ("slug", Text), ("created_at", Int), ("last_post_at", Int), ("last_post_user_id", Int), ("post_count", Int), ("reply_count", Int), ("locked_at", Int), ("pinned", Int), ("slow_mode_seconds", Int), ("slow_mode_until", Int), ("held_at", Int), ("last_number", Int)]),
        ("thread_redirects", &[("thread_id", Int), ("to_thread", Int), ("created_at", Int)]),
        ("posts", &[("id", Int), ("thread_id", Int), ("number", Int), ("user_id", Int), ("reply_to", Int), ("body", Text), ("html", Text), ("excerpt", Text), ("mentions", Text), ("thanks_count", Int), ("created_at", Int), ("edited_at", Int), ("deleted_at", Int), ("held_at", Int), ("hidden_at", Int), ("hidden_reason", Text), ("deleted_by", Int), ("pain_summary", Text), ("imported_thanks", Int)]),
        ("post_revisions", &[("id", Int), ("post_id", Int), ("body", Text), ("html", Text), ("created_at", Int), ("replaced_at", Int), ("replaced_by", Int)]),
        ("post_mentions", &[("post_id", Int), ("user_id", Int)]),
        ("thanks", &[("post_id", Int), ("user_id", Int), ("created_at", Int)]),
        ("notifications", &[("id", Int), ("user_id", Int), ("kind", Text), ("post_id", Int), ("actor_id", Int), ("created_at", Int), ("read_at", Int), ("detail", Text), ("actor_ids", Text), ("actor_count", Int), ("emailed_at", Int)]),
        ("events", &[("id", Int), ("kind", Text), ("thread_id", Int), ("post_id", Int), ("category_id", Int), ("created_at", Int), ("user_id", Int)]),
        ("flags", &[("id", Int), ("post_id", Int), ("user_id", Int), ("reason", Text), ("note", Text), ("weight", Int), ("created_at", Int), ("handled_at", Int)]),
        ("review_items", &[("id", Int), ("post_id", Int), ("kind", Text), ("score", Int), ("created_at", Int), ("handled_at", Int), ("handled_by", Int), ("outcome", Text)]),
        ("sanctions", &[("id", Int), ("user_id", Int), ("kind", Text), ("reason", Text), ("until", Int), ("created_by", Int), ("created_at", Int), ("lifted_at", Int)]),
        ("member_notes", &[("id", Int), ("user_id", Int), ("author_id", Int), ("body", Text), ("created_at", Int)]),
        ("audit_log", &[("id", Int), ("actor_id", Int), ("action", Text), ("target_kind", Text), ("target_id", Int), ("member_id", Int), ("reason", Text), ("before", Text), ("after", Text), ("created_at", Int)]),
        ("settings", &[("key", Text), ("value", Text)]),
        ("member_threads", &[("user_id", Int), ("thread_id", Int), ("last_read", Int), ("level", Text), ("updated_at", Int)]),
        ("member_categories", &[("user_id", Int), ("category_id", Int), ("level", Text), ("updated_at", Int)]),
        ("member_mutes", &[("user_id", Int), ("muted_id", Int), ("created_at", Int)]),
        ("outbox", &[("id", Int), ("kind", Text), ("user_id", Int), ("dedupe_key", Text), ("detail", Text), ("created_at", Int), ("send_after", Int), ("attempts", Int), ("claimed_until", Int), ("settled_at", Int), ("outcome", Text), ("last_error", Text)]),
        ("runs", &[("id", Int), ("user_id", Int), ("plan_id", Int), ("week", Int), ("run", Int), ("ran_on", Int), ("distance_m", Int), ("duration_s", Int), ("felt", Text), ("note", Text), ("client_id", Text), ("created_at", Int), ("updated_at", Int)]),
        ("pain_entries", &[("id", Int), ("run_id", Int), ("user_id", Int), ("area", Text), ("level", Int)]),
        ("import_map", &[("source", Text), ("kind", Text), ("source_id", Text), ("local_id", Int)]),
        ("email_tokens", &[("token_hash", Text), ("user_id", Int), ("purpose", Text), ("email", Text), ("created_at", Int), ("expires_at", Int), ("used_at", Int)]),
    ]
};

pub type Rows = Vec<Vec<Value>>;

/// Rows per INSERT when loading: one statement per fifty rows, not per row,
/// well within SQLite's limit on parameters (32766) for the widest table.
const ROWS_PER_INSERT: usize = 50;

fn columns_of(table: &str) -> Result<&'static [(&'static str, Kind)]> {
    TABLES.iter().find(|(t, _)| *t == table).map(|(_, c)| *c).ok_or_else(|| StoreError::message(format!("no table {table:?} is copied")))
}

fn column_names(table: &str) -> Result<String> {
    Ok(columns_of(table)?.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", "))
}

/// The first column, or the whole key for tables keyed by two columns.
fn key_of(table: &str) -> Result<String> {
    let columns = columns_of(table)?;
    let key_width = match table {
        "post_mentions" | "thanks" | "member_threads" | "member_categories" | "member_mutes" => 2,
        "import_map" => 3,
        _ => 1,
    };
    Ok(columns.iter().take(key_width).map(|(c, _)| *c).collect::<Vec<_>>().join(", "))
}

/// Every row of one of [`TABLES`], in key order.
pub async fn export_table(c: &Conn<'_>, table: &str) -> Result<Rows> {
    let width = columns_of(table)?.len();
    let sql = format!("SELECT {} FROM {table} ORDER BY {}", column_names(table)?, key_of(table)?);
    c.all(&sql, &[], |r| (0..width).map(|i| r.value(i)).collect()).await
}

/// Writes rows into one of [`TABLES`], then lets the backend catch up with
/// them. Rows may give only the first columns (all of the same length); the
/// rest take their defaults, so a bulk loader need not spell out every column.
pub async fn import_rows(tx: &Tx<'_>, table: &str, rows: &[Vec<Value>]) -> Result<()> {
    let columns = columns_of(table)?;
    let width = rows.first().map_or(0, Vec::len);
    if width > columns.len() || rows.iter().any(|r| r.len() != width) {
        return Err(StoreError::message(format!("rows for {table} must all have at most {} values, the same number each", columns.len())));
    }
    let names = columns[..width].iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", (1..=width).map(|c| format!("?{}", r * width + c)).collect::<Vec<_>>().join(", ")))
            .collect();
        let values: Vec<Arg> = chunk.iter().flat_map(|row| row.iter().map(Arg::from)).collect();
        tx.exec(&format!("INSERT INTO {table} ({names}) VALUES {}", marks.join(", ")), &values).await?;
    }
    match &**tx {
        Conn::Sqlite(_) => Ok(()),
        Conn::Postgres(pg) => super::postgres::data::after_import(pg, table, columns[0] == ("id", Kind::Int)).await,
    }
}

pub async fn count_rows(c: &Conn<'_>, table: &str) -> Result<i64> {
    columns_of(table)?;
    Ok(c.one(&format!("SELECT COUNT(*) FROM {table}"), &[], |r| r.int(0)).await?.unwrap_or(0))
}

/// Sets members' post and thanks counts (by id, from 1) and categories'
/// thread and post counts, after a bulk load wrote rows without them.
pub async fn set_counters(tx: &Tx<'_>, member_posts: &Vec<i64>, member_thanks: &Vec<i64>, category_threads: &Vec<i64>, category_posts: &Vec<i64>) -> Result<()> {
    let sql = match &**tx {
        Conn::Sqlite(_) => super::sqlite::data::SET_COUNTERS,
        Conn::Postgres(_) => super::postgres::data::SET_COUNTERS,
    };
    tx.exec(sql[0], args![member_posts, member_thanks]).await?;
    tx.exec(sql[1], args![category_threads, category_posts]).await?;
    Ok(())
}

impl Store {
    /// Every row of one of [`TABLES`], in key order.
    pub async fn export_table(&self, table: &'static str) -> Result<Rows> {
        self.read_primary(move |c| Box::pin(export_table(c, table))).await
    }

    /// Writes whole tables into an empty store, in one transaction.
    pub async fn import_tables(&self, tables: Vec<(&'static str, Rows)>) -> Result<()> {
        self.write(move |tx| {
            Box::pin(async move {
                for (table, rows) in &tables {
                    import_rows(tx, table, rows).await?;
                }
                Ok(())
            })
        })
        .await
    }

    pub async fn count_rows(&self, table: &'static str) -> Result<i64> {
        self.read_primary(move |c| Box::pin(count_rows(c, table))).await
    }

    pub async fn set_counters(&self, member_posts: &[i64], member_thanks: &[i64], category_threads: &[i64], category_posts: &[i64]) -> Result<()> {
        let (members, thanks, threads, posts) = (member_posts.to_vec(), member_thanks.to_vec(), category_threads.to_vec(), category_posts.to_vec());
        self.write(move |tx| Box::pin(async move { set_counters(tx, &members, &thanks, &threads, &posts).await })).await
    }
}

/// Copies every table from `from` into the empty `to`, then checks that each
/// table holds the same number of rows on both sides.
/// The file a `sqlite://` URL names, or an error saying what to use instead.
fn sqlite_file(url: &str) -> Result<String> {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).map(str::to_owned).ok_or_else(|| {
        StoreError::message("backup and restore are for SQLite databases; for PostgreSQL use pg_dump and pg_restore (see docs/OPERATIONS.md)")
    })
}

/// A consistent copy of the live SQLite database at `url`, written to `to`
/// while the server carries on.
pub async fn backup(url: &str, to: &std::path::Path) -> Result<()> {
    let (db, to) = (sqlite_file(url)?, to.to_owned());
    tokio::task::spawn_blocking(move || super::sqlite::backup::backup(&db, &to)).await.map_err(StoreError::task)?
}

/// Puts a checked backup in place of the SQLite database at `url`; returns the backup's schema version.
pub async fn restore(url: &str, from: &std::path::Path) -> Result<usize> {
    let (db, from) = (sqlite_file(url)?, from.to_owned());
    tokio::task::spawn_blocking(move || super::sqlite::backup::restore(&db, &from)).await.map_err(StoreError::task)?
}

pub async fn copy_all(from: &Store, to: &Store) -> Result<Vec<(&'static str, i64)>> {
    if !to.is_empty().await? {
        return Err(StoreError::message("the target database already has members; migrate into an empty one"));
    }
    let mut tables = Vec::with_capacity(TABLES.len());
    for (table, _) in TABLES {
        tables.push((*table, from.export_table(table).await?));
    }
    to.import_tables(tables).await?;
    let mut counts = Vec::new();
    for (table, _) in TABLES {
        let (source, target) = (from.count_rows(table).await?, to.count_rows(table).await?);
        if source != target {
            return Err(StoreError::message(format!("{table}: {source} rows in the source but {target} in the target")));
        }
        counts.push((*table, target));
    }
    Ok(counts)
}
