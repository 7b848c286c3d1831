//! The embedded SQLite store.
//!
//! One writer thread owns the only read-write connection. Writes from every
//! request queue up to it; it takes whatever is waiting, runs each job inside
//! its own savepoint of one `BEGIN IMMEDIATE` transaction, and commits them
//! together. With `synchronous=FULL` a commit is an fsync, so grouping keeps
//! durability cheap: one fsync covers many posts, and no caller hears "done"
//! before its data is on disk.
//!
//! Reads run on a small pool of read-only connections; WAL lets them proceed
//! while the writer commits.

use super::*;
use crate::domain::markdown::Rendered;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Params, Row, params};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{Semaphore, oneshot};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/sqlite/0001_forum_core.sql"),
    include_str!("migrations/sqlite/0002_notifications.sql"),
    include_str!("migrations/sqlite/0003_events.sql"),
    include_str!("migrations/sqlite/0004_session_writes.sql"),
    include_str!("migrations/sqlite/0005_search.sql"),
    include_str!("migrations/sqlite/0006_search_tiers.sql"),
    include_str!("migrations/sqlite/0007_search_by_author.sql"),
];
const READERS: usize = 4;
/// Enough to amortise the fsync under load without making one commit huge.
const MAX_GROUP: usize = 128;

pub struct SqliteStore {
    writer: mpsc::Sender<Job>,
    readers: Arc<Mutex<Vec<Connection>>>,
    reader_permits: Arc<Semaphore>,
    queries: Arc<AtomicU64>,
}

/// A queued write. It runs against the writer's connection inside a savepoint
/// and returns whether it succeeded plus a callback that delivers its result
/// once the group's commit is known.
/// It is handed `None` when the group's transaction could not begin.
type Job = Box<dyn FnOnce(Option<&Db>) -> (bool, Deliver) + Send>;
type Deliver = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// A connection that counts the statements it runs. All SQL goes through it.
///
/// Parameters are written `?N`: SQLite numbers `$N` by order of appearance,
/// not by N, so `$1` late in a statement would silently bind the wrong value.
pub struct Db<'c> {
    conn: &'c Connection,
    queries: &'c AtomicU64,
}

impl Db<'_> {
    fn all<T>(&self, sql: &str, params: impl Params, map: impl FnMut(&Row) -> rusqlite::Result<T>) -> Result<Vec<T>> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params, map)?;
        Ok(rows.collect::<rusqlite::Result<Vec<T>>>()?)
    }

    fn one<T>(&self, sql: &str, params: impl Params, map: impl FnOnce(&Row) -> rusqlite::Result<T>) -> Result<Option<T>> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        Ok(self.conn.prepare_cached(sql)?.query_row(params, map).optional()?)
    }

    fn exec(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        Ok(self.conn.prepare_cached(sql)?.execute(params)?)
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        Ok(self.conn.execute_batch(sql)?)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
            && f.code == rusqlite::ErrorCode::ConstraintViolation
            && msg.starts_with("UNIQUE")
        {
            return StoreError::Conflict(conflicting_field(msg));
        }
        StoreError::Database(e.to_string())
    }
}

/// Names the form field behind a unique index, from SQLite's message
/// ("UNIQUE constraint failed: users.username_lower").
fn conflicting_field(msg: &str) -> &'static str {
    if msg.contains("users.username") {
        "username"
    } else if msg.contains("categories.slug") {
        "slug"
    } else {
        "id"
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl SqliteStore {
    pub async fn open(path: &str) -> Result<Self> {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path))
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?
    }

    fn open_blocking(path: &str) -> Result<Self> {
        let writer = Connection::open(path)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Database(format!("could not switch {path} to WAL mode (got {mode})")));
        }
        configure(&writer)?;
        migrate(&writer)?;

        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
            )?;
            configure(&reader)?;
            readers.push(reader);
        }

        let queries = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel::<Job>();
        let writer_queries = queries.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(writer, rx, writer_queries))
            .map_err(|e| StoreError::Database(e.to_string()))?;

        Ok(SqliteStore {
            writer: tx,
            readers: Arc::new(Mutex::new(readers)),
            reader_permits: Arc::new(Semaphore::new(READERS)),
            queries,
        })
    }

    async fn read<T: Send + 'static>(&self, f: impl FnOnce(&Db) -> Result<T> + Send + 'static) -> Result<T> {
        let _permit = self.reader_permits.acquire().await.map_err(|e| StoreError::Database(e.to_string()))?;
        let readers = self.readers.clone();
        let queries = self.queries.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.lock().unwrap_or_else(|p| p.into_inner()).pop().expect("a permit guarantees a reader");
            let result = f(&Db { conn: &conn, queries: &queries });
            readers.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }

    async fn write<T: Send + 'static>(&self, f: impl FnOnce(&Db) -> Result<T> + Send + 'static) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |db| {
            let result = match db {
                Some(db) => f(db),
                None => Err(StoreError::Database("could not begin a write transaction".into())),
            };
            let ok = result.is_ok();
            let deliver: Deliver = Box::new(move |commit_error| {
                let _ = tx.send(match commit_error {
                    Some(e) => Err(StoreError::Database(e.to_string())),
                    None => result,
                });
            });
            (ok, deliver)
        });
        self.writer.send(job).map_err(|_| StoreError::Database("the writer has stopped".into()))?;
        rx.await.map_err(|_| StoreError::Database("the writer stopped before answering".into()))?
    }
}

fn migrate(conn: &Connection) -> Result<()> {
    let applied: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let version = index + 1;
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {sql}\nPRAGMA user_version = {version}; COMMIT;"))
            .map_err(|e| {
                let _ = conn.execute_batch("ROLLBACK");
                StoreError::Database(format!("migration {version} failed: {e}"))
            })?;
    }
    Ok(())
}

fn write_loop(conn: Connection, jobs: mpsc::Receiver<Job>, queries: Arc<AtomicU64>) {
    let db = Db { conn: &conn, queries: &queries };
    // Blocks for the first job, then takes whatever else queued meanwhile.
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let mut deliveries = Vec::with_capacity(group.len());
        let begin = db.batch("BEGIN IMMEDIATE");
        for job in group {
            if begin.is_err() {
                deliveries.push(job(None).1);
                continue;
            }
            let _ = db.batch("SAVEPOINT job");
            // A panicking job loses only its own answer (the caller sees the
            // writer "stopped before answering"), not the writer thread.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(Some(&db)))) {
                Ok((ok, deliver)) => {
                    if !ok {
                        let _ = db.batch("ROLLBACK TO job");
                    }
                    deliveries.push(deliver);
                }
                Err(_) => {
                    let _ = db.batch("ROLLBACK TO job");
                }
            }
            let _ = db.batch("RELEASE job");
        }
        let outcome = match begin {
            Err(e) => Err(e),
            Ok(()) => db.batch("COMMIT").inspect_err(|_| {
                let _ = db.batch("ROLLBACK");
            }),
        };
        let error = outcome.err();
        for deliver in deliveries {
            deliver(error.as_ref());
        }
    }
}

/// One term in FTS5 syntax. Words are letters and digits only (see
/// `domain::search`), so quoting them is enough to keep them plain text.
fn fts5_term(term: &crate::domain::search::Term) -> String {
    use crate::domain::search::Term;
    match term {
        Term::AnyOf(words) => format!("({})", words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR ")),
        Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
    }
}

fn fts5_query<'a>(terms: impl IntoIterator<Item = &'a crate::domain::search::Term>, all: bool) -> String {
    terms.into_iter().map(fts5_term).collect::<Vec<_>>().join(if all { " AND " } else { " OR " })
}

/// A query over some columns only: the indexes' `author` column holds a token
/// per post ("u42") that a typed word must never match.
fn in_columns(columns: &str, query: &str) -> String {
    format!("{{{columns}}} : ({query})")
}

/// A search's MATCH for one tier: its words in `columns`, and when narrowed to
/// a member, their token, so that FTS5 intersects the postings itself.
fn tier_match(columns: &str, words: &str, author_id: Option<i64>) -> String {
    match author_id {
        Some(id) => format!("{} AND author : \"u{id}\"", in_columns(columns, words)),
        None => in_columns(columns, words),
    }
}

/// A thread's relevance (lower is better): a title word counts ten times a word
/// in the opening post; the `author` column counts for nothing.
const THREAD_BM25: &str = "bm25(thread_fts, 10.0, 1.0, 0.0)";

/// The newest `RANK_WINDOW` matches of a tier that pass the filters, as `id`
/// (thread id or post id) and `s` (bm25, lower is better; 0 unless `scored`).
/// Parameters: ?1 match, ?2 category, ?3 author, ?4 from, ?5 until.
fn tier_window(tier: Tier, params: &SearchParams, scored: bool) -> String {
    let (fts, from, author, created) = match tier {
        Tier::Threads => ("thread_fts", "thread_fts f JOIN threads t ON t.id = f.rowid", "t.user_id", "t.created_at"),
        Tier::Replies => ("reply_fts", "reply_fts f JOIN posts p ON p.id = f.rowid JOIN threads t ON t.id = p.thread_id", "p.user_id", "p.created_at"),
    };
    // Unfiltered, skip the joins.
    let from = if params.filtered() { from.to_owned() } else { format!("{fts} f") };
    let filters = params.narrowing_sql(["t.category_id", author, created], |i| format!("?{i}"), |i| format!("?{i} IS NULL"));
    let score = match (scored, tier) {
        (false, _) => "0.0",
        (true, Tier::Threads) => THREAD_BM25,
        (true, Tier::Replies) => "bm25(reply_fts, 1.0, 0.0)",
    };
    format!("SELECT f.rowid AS id, {score} AS s FROM {from} WHERE {fts} MATCH ?1 AND {filters} ORDER BY f.rowid DESC LIMIT {RANK_WINDOW}")
}

/// A tier's matches, counted up to `up_to`.
fn tier_count(db: &Db, tier: Tier, params: &SearchParams, matching: &str, up_to: i64) -> Result<i64> {
    if up_to == 0 {
        return Ok(0);
    }
    let sql = format!("SELECT count(*) FROM (SELECT 1 FROM ({}) LIMIT ?6)", tier_window(tier, params, false));
    Ok(db.one(&sql, params![matching, params.category_id, params.author_id, params.from, params.until, up_to], |r| r.get(0))?.unwrap_or(0))
}

/// The rows of a tier that a page needs (`slice`), given the tier's count.
fn tier_rows(db: &Db, tier: Tier, params: &SearchParams, matching: &str, (offset, limit): (i64, i64), count: i64) -> Result<Vec<TierRow>> {
    if limit == 0 || offset >= count {
        return Ok(Vec::new());
    }
    let post = match tier {
        Tier::Threads => "posts p ON p.thread_id = w.id AND p.number = 1",
        Tier::Replies => "posts p ON p.id = w.id",
    };
    let order = if params.newest_first { "w.id DESC" } else { "w.s, w.id DESC" };
    db.all(
        &format!(
            "SELECT p.id, -w.s, p.created_at FROM ({}) w JOIN {post} ORDER BY {order} LIMIT ?6 OFFSET ?7",
            tier_window(tier, params, !params.newest_first)
        ),
        params![matching, params.category_id, params.author_id, params.from, params.until, limit, offset],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

/// Integers written into SQL: safe, and simpler than a variable number of parameters.
fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    ids.into_iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",")
}

fn user_from_row(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        email: r.get(2)?,
        role: Role::parse(&r.get::<_, String>(3)?).unwrap_or(Role::Member),
        created_at: r.get(4)?,
        post_count: r.get(5)?,
        thanks_received: r.get(6)?,
        unread_notifications: 0,
        session_wrote_at: 0,
    })
}

const USER_COLUMNS: &str = "u.id, u.username, u.email, u.role, u.created_at, u.post_count, u.thanks_received";

fn category_from_row(r: &Row) -> rusqlite::Result<Category> {
    Ok(Category {
        id: r.get(0)?,
        slug: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        position: r.get(4)?,
        thread_count: r.get(5)?,
        post_count: r.get(6)?,
    })
}

const CATEGORY_COLUMNS: &str = "id, slug, name, description, position, thread_count, post_count";

fn thread_from_row(r: &Row) -> rusqlite::Result<Thread> {
    Ok(Thread {
        id: r.get(0)?,
        title: r.get(1)?,
        slug: r.get(2)?,
        category_slug: r.get(3)?,
        category_name: r.get(4)?,
        user_id: r.get(5)?,
        created_at: r.get(6)?,
        post_count: r.get(7)?,
        reply_count: r.get(8)?,
        category_id: r.get(9)?,
    })
}

const THREAD_SELECT: &str = "SELECT t.id, t.title, t.slug, c.slug, c.name, t.user_id, t.created_at, t.post_count, t.reply_count, c.id \
     FROM threads t JOIN categories c ON c.id = t.category_id";

/// Every post read shares this shape: the post, its author, the post it
/// answers with that post's author, and whether the viewer (?1) thanked it,
/// all in one statement so a page of posts is one query.
const POST_SELECT: &str = "SELECT p.id, p.thread_id, p.number, p.user_id, u.username, p.body, p.html, p.excerpt, \
       p.mentions, p.thanks_count, p.created_at, p.edited_at, p.deleted_at IS NOT NULL, \
       r.id, r.number, ru.username, r.excerpt, r.deleted_at IS NOT NULL, \
       EXISTS (SELECT 1 FROM thanks k WHERE k.post_id = p.id AND k.user_id = ?1) \
     FROM posts p JOIN users u ON u.id = p.user_id \
     LEFT JOIN posts r ON r.id = p.reply_to LEFT JOIN users ru ON ru.id = r.user_id";

fn post_from_row(r: &Row) -> rusqlite::Result<Post> {
    let mentions: String = r.get(8)?;
    let reply_to = match r.get::<_, Option<i64>>(13)? {
        Some(post_id) => Some(ReplyContext {
            post_id,
            number: r.get(14)?,
            author: r.get(15)?,
            excerpt: r.get(16)?,
            deleted: r.get(17)?,
        }),
        None => None,
    };
    Ok(Post {
        id: r.get(0)?,
        thread_id: r.get(1)?,
        number: r.get(2)?,
        user_id: r.get(3)?,
        author: r.get(4)?,
        body: r.get(5)?,
        html: r.get(6)?,
        excerpt: r.get(7)?,
        mentions: serde_json::from_str(&mentions).unwrap_or_default(),
        thanks: r.get(9)?,
        created_at: r.get(10)?,
        edited_at: r.get(11)?,
        deleted: r.get(12)?,
        reply_to,
        thanked: r.get(18)?,
    })
}

fn post_by_id(db: &Db, id: i64, viewer: Option<i64>) -> Result<Option<Post>> {
    db.one(&format!("{POST_SELECT} WHERE p.id = ?2"), params![viewer, id], post_from_row)
}

fn thread_by_id(db: &Db, id: i64) -> Result<Option<Thread>> {
    db.one(&format!("{THREAD_SELECT} WHERE t.id = ?1"), [id], thread_from_row)
}

/// Inserts a post into `thread_id` and keeps every counter in step.
fn insert_post(db: &Db, thread_id: i64, post: &NewPost) -> Result<i64> {
    let now = post.created_at;
    let (category_id, number): (i64, i64) = db
        .one("SELECT category_id, post_count + 1 FROM threads WHERE id = ?1", [thread_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .ok_or(StoreError::NotFound)?;
    if let Some(reply_to) = post.reply_to {
        // A reply may only answer a post in the same thread.
        db.one("SELECT 1 FROM posts WHERE id = ?1 AND thread_id = ?2", [reply_to, thread_id], |_| Ok(()))?
            .ok_or(StoreError::NotFound)?;
    }
    let mentions = serde_json::to_string(&post.rendered.mentions).unwrap_or_else(|_| "[]".into());
    let id: i64 = db
        .one(
            "INSERT INTO posts (thread_id, number, user_id, reply_to, body, html, excerpt, mentions, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            params![thread_id, number, post.author_id, post.reply_to, post.body, post.rendered.html, post.rendered.excerpt, mentions, now],
            |r| r.get(0),
        )?
        .ok_or(StoreError::NotFound)?;
    let is_reply = i64::from(number > 1);
    db.exec(
        "UPDATE threads SET post_count = post_count + 1, reply_count = reply_count + ?2, last_post_at = ?3, last_post_user_id = ?4 WHERE id = ?1",
        params![thread_id, is_reply, now, post.author_id],
    )?;
    db.exec("UPDATE categories SET post_count = post_count + 1 WHERE id = ?1", [category_id])?;
    db.exec("UPDATE users SET post_count = post_count + 1 WHERE id = ?1", [post.author_id])?;
    record_mentions(db, id, &post.rendered.mentions)?;
    Ok(id)
}

fn record_mentions(db: &Db, post_id: i64, usernames: &[String]) -> Result<()> {
    db.exec("DELETE FROM post_mentions WHERE post_id = ?1", [post_id])?;
    for name in usernames {
        db.exec(
            "INSERT OR IGNORE INTO post_mentions (post_id, user_id) SELECT ?1, id FROM users WHERE username_lower = ?2",
            params![post_id, name.to_ascii_lowercase()],
        )?;
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        self.read(|db| db.one("SELECT 1", [], |_| Ok(())).map(|_| ())).await
    }

    fn queries_executed(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    async fn is_empty(&self) -> Result<bool> {
        self.read(|db| Ok(db.one("SELECT 1 FROM users LIMIT 1", [], |_| Ok(()))?.is_none())).await
    }

    async fn create_user(&self, username: &str, email: Option<&str>, password_hash: &str, role: Role) -> Result<User> {
        let (username, email, hash) = (username.to_owned(), email.map(str::to_owned), password_hash.to_owned());
        self.write(move |db| {
            let now = now_millis();
            let id: i64 = db
                .one(
                    "INSERT INTO users (username, username_lower, email, password_hash, role, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                    params![username, username.to_ascii_lowercase(), email, hash, role.as_str(), now],
                    |r| r.get(0),
                )?
                .ok_or(StoreError::NotFound)?;
            Ok(User { id, username, email, role, created_at: now, post_count: 0, thanks_received: 0, unread_notifications: 0, session_wrote_at: 0 })
        })
        .await
    }

    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let lower = username.to_ascii_lowercase();
        self.read(move |db| {
            db.one(
                &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username_lower = ?1"),
                [lower],
                |r| Ok((user_from_row(r)?, r.get(7)?)),
            )
        })
        .await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let lower = username.to_ascii_lowercase();
        self.read(move |db| {
            db.one(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username_lower = ?1"), [lower], user_from_row)
        })
        .await
    }

    async fn resolve_usernames(&self, lowercase_names: Vec<String>) -> Result<HashMap<String, String>> {
        if lowercase_names.is_empty() {
            return Ok(HashMap::new());
        }
        self.read(move |db| {
            let json = serde_json::to_string(&lowercase_names).unwrap_or_else(|_| "[]".into());
            let pairs = db.all(
                "SELECT username_lower, username FROM users WHERE username_lower IN (SELECT value FROM json_each(?1))",
                [json],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(pairs.into_iter().collect())
        })
        .await
    }

    async fn recent_posts_by(&self, user_id: i64, limit: i64) -> Result<Vec<PostSummary>> {
        self.read(move |db| {
            db.all(
                "SELECT p.id, p.thread_id, t.title, t.slug, p.number, p.excerpt, p.created_at \
                 FROM posts p JOIN threads t ON t.id = p.thread_id \
                 WHERE p.user_id = ?1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT ?2",
                params![user_id, limit],
                |r| {
                    Ok(PostSummary {
                        post_id: r.get(0)?,
                        thread_id: r.get(1)?,
                        thread_title: r.get(2)?,
                        thread_slug: r.get(3)?,
                        number: r.get(4)?,
                        excerpt: r.get(5)?,
                        created_at: r.get(6)?,
                    })
                },
            )
        })
        .await
    }

    async fn create_session(&self, token_hash: &str, user_id: i64, kind: SessionKind, expires_at: i64) -> Result<()> {
        let token_hash = token_hash.to_owned();
        let kind = match kind {
            SessionKind::Cookie => "cookie",
            SessionKind::Api => "api",
        };
        self.write(move |db| {
            db.exec(
                "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, user_id, kind, now_millis(), expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<User>> {
        let token_hash = token_hash.to_owned();
        self.read(move |db| {
            db.one(
                &format!(
                    "SELECT {USER_COLUMNS}, \
                       (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL), s.last_write_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2"
                ),
                params![token_hash, now],
                |r| Ok(User { unread_notifications: r.get(7)?, session_wrote_at: r.get(8)?, ..user_from_row(r)? }),
            )
        })
        .await
    }

    async fn touch_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |db| {
            db.exec("UPDATE sessions SET last_write_at = ?2 WHERE token_hash = ?1", params![token_hash, now_millis()]).map(|_| ())
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |db| db.exec("DELETE FROM sessions WHERE token_hash = ?1", [token_hash]).map(|_| ()))
            .await
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        self.read(|db| {
            db.all(&format!("SELECT {CATEGORY_COLUMNS} FROM categories ORDER BY position, name"), [], category_from_row)
        })
        .await
    }

    async fn category(&self, slug: &str) -> Result<Option<Category>> {
        let slug = slug.to_owned();
        self.read(move |db| {
            db.one(&format!("SELECT {CATEGORY_COLUMNS} FROM categories WHERE slug = ?1"), [slug], category_from_row)
        })
        .await
    }

    async fn create_category(&self, input: CategoryInput) -> Result<Category> {
        self.write(move |db| {
            db.one(
                &format!(
                    "INSERT INTO categories (slug, name, description, position, created_at) \
                     VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories), ?4) \
                     RETURNING {CATEGORY_COLUMNS}"
                ),
                params![input.slug, input.name, input.description, now_millis()],
                category_from_row,
            )?
            .ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn update_category(&self, slug: &str, input: CategoryInput) -> Result<Category> {
        let slug = slug.to_owned();
        self.write(move |db| {
            db.one(
                &format!(
                    "UPDATE categories SET slug = ?2, name = ?3, description = ?4 WHERE slug = ?1 \
                     RETURNING {CATEGORY_COLUMNS}"
                ),
                params![slug, input.slug, input.name, input.description],
                category_from_row,
            )?
            .ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn threads(&self, category_id: Option<i64>, page: i64, per_page: i64) -> Result<Listing<ThreadSummary>> {
        self.read(move |db| {
            let offset = page_offset(page, per_page);
            let items = db.all(
                &format!(
                    "SELECT t.id, t.title, t.slug, c.slug, c.name, a.username, t.created_at, t.last_post_at, l.username, t.reply_count \
                     FROM ({}) page JOIN threads t ON t.id = page.id JOIN categories c ON c.id = t.category_id \
                     JOIN users a ON a.id = t.user_id JOIN users l ON l.id = t.last_post_user_id ORDER BY t.last_post_at DESC, t.id DESC",
                    thread_page(category_id.is_some(), "?1", "?2", "?3")
                ),
                params![category_id, per_page, offset],
                |r| {
                    Ok(ThreadSummary {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        slug: r.get(2)?,
                        category_slug: r.get(3)?,
                        category_name: r.get(4)?,
                        author: r.get(5)?,
                        created_at: r.get(6)?,
                        last_post_at: r.get(7)?,
                        last_poster: r.get(8)?,
                        replies: r.get(9)?,
                    })
                },
            )?;
            let total = db
                .one(
                    "SELECT COALESCE(SUM(thread_count), 0) FROM categories WHERE ?1 IS NULL OR id = ?1",
                    [category_id],
                    |r| r.get(0),
                )?
                .unwrap_or(0);
            Ok(Listing { items, total })
        })
        .await
    }

    async fn create_thread(&self, thread: NewThread) -> Result<(Thread, Post)> {
        self.write(move |db| {
            let now = thread.first_post.created_at;
            let author = thread.first_post.author_id;
            let id: i64 = db
                .one(
                    "INSERT INTO threads (category_id, user_id, title, slug, created_at, last_post_at, last_post_user_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?2) RETURNING id",
                    params![thread.category_id, author, thread.title, thread.slug, now],
                    |r| r.get(0),
                )?
                .ok_or(StoreError::NotFound)?;
            db.exec("UPDATE categories SET thread_count = thread_count + 1 WHERE id = ?1", [thread.category_id])?;
            let post_id = insert_post(db, id, &thread.first_post)?;
            let saved = thread_by_id(db, id)?.ok_or(StoreError::NotFound)?;
            let post = post_by_id(db, post_id, Some(author))?.ok_or(StoreError::NotFound)?;
            Ok((saved, post))
        })
        .await
    }

    async fn thread(&self, id: i64) -> Result<Option<Thread>> {
        self.read(move |db| thread_by_id(db, id)).await
    }

    async fn thread_posts(&self, thread_id: i64, first: i64, last: i64, viewer: Option<i64>) -> Result<Vec<Post>> {
        self.read(move |db| {
            db.all(
                &format!("{POST_SELECT} WHERE p.thread_id = ?2 AND p.number BETWEEN ?3 AND ?4 ORDER BY p.number"),
                params![viewer, thread_id, first, last],
                post_from_row,
            )
        })
        .await
    }

    async fn post(&self, id: i64, viewer: Option<i64>) -> Result<Option<Post>> {
        self.read(move |db| post_by_id(db, id, viewer)).await
    }

    async fn create_post(&self, thread_id: i64, post: NewPost) -> Result<Post> {
        self.write(move |db| {
            let id = insert_post(db, thread_id, &post)?;
            post_by_id(db, id, Some(post.author_id))?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn edit_post(&self, post_id: i64, editor_id: i64, body: String, rendered: Rendered) -> Result<Post> {
        self.write(move |db| {
            let now = now_millis();
            let kept = db.exec(
                "INSERT INTO post_revisions (post_id, body, html, created_at, replaced_at, replaced_by) \
                 SELECT id, body, html, COALESCE(edited_at, created_at), ?2, ?3 FROM posts WHERE id = ?1 AND deleted_at IS NULL",
                params![post_id, now, editor_id],
            )?;
            if kept == 0 {
                return Err(StoreError::NotFound);
            }
            let mentions = serde_json::to_string(&rendered.mentions).unwrap_or_else(|_| "[]".into());
            db.exec(
                "UPDATE posts SET body = ?2, html = ?3, excerpt = ?4, mentions = ?5, edited_at = ?6 WHERE id = ?1",
                params![post_id, body, rendered.html, rendered.excerpt, mentions, now],
            )?;
            record_mentions(db, post_id, &rendered.mentions)?;
            post_by_id(db, post_id, Some(editor_id))?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn delete_post(&self, post_id: i64) -> Result<()> {
        self.write(move |db| {
            let (thread_id, user_id, number): (i64, i64, i64) = db
                .one(
                    "UPDATE posts SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL RETURNING thread_id, user_id, number",
                    params![post_id, now_millis()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?
                .ok_or(StoreError::NotFound)?;
            if number > 1 {
                db.exec("UPDATE threads SET reply_count = reply_count - 1 WHERE id = ?1", [thread_id])?;
            }
            db.exec("UPDATE users SET post_count = post_count - 1 WHERE id = ?1", [user_id])?;
            Ok(())
        })
        .await
    }

    async fn revisions(&self, post_id: i64) -> Result<Vec<Revision>> {
        self.read(move |db| {
            db.all(
                "SELECT body, html, created_at, replaced_at FROM post_revisions WHERE post_id = ?1 ORDER BY id",
                [post_id],
                |r| Ok(Revision { body: r.get(0)?, html: r.get(1)?, created_at: r.get(2)?, replaced_at: r.get(3)? }),
            )
        })
        .await
    }

    async fn set_thanks(&self, post_id: i64, user_id: i64, thanked: bool) -> Result<i64> {
        self.write(move |db| {
            let author: i64 = db
                .one("SELECT user_id FROM posts WHERE id = ?1", [post_id], |r| r.get(0))?
                .ok_or(StoreError::NotFound)?;
            let changed = if thanked {
                db.exec(
                    "INSERT OR IGNORE INTO thanks (post_id, user_id, created_at) VALUES (?1, ?2, ?3)",
                    params![post_id, user_id, now_millis()],
                )?
            } else {
                db.exec("DELETE FROM thanks WHERE post_id = ?1 AND user_id = ?2", params![post_id, user_id])?
            } as i64;
            let delta = if thanked { changed } else { -changed };
            if delta != 0 {
                db.exec("UPDATE posts SET thanks_count = thanks_count + ?2 WHERE id = ?1", params![post_id, delta])?;
                db.exec("UPDATE users SET thanks_received = thanks_received + ?2 WHERE id = ?1", params![author, delta])?;
            }
            Ok(db.one("SELECT thanks_count FROM posts WHERE id = ?1", [post_id], |r| r.get(0))?.unwrap_or(0))
        })
        .await
    }

    async fn notify_staff(&self, kind: &str, post_id: i64, actor_id: i64) -> Result<usize> {
        let kind = kind.to_owned();
        self.write(move |db| {
            db.exec(
                "INSERT INTO notifications (user_id, kind, post_id, actor_id, created_at) \
                 SELECT id, ?1, ?2, ?3, ?4 FROM users WHERE role IN ('moderator', 'admin')",
                params![kind, post_id, actor_id, now_millis()],
            )
        })
        .await
    }

    async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        self.read(move |db| {
            db.all(
                "SELECT n.id, n.kind, n.post_id, t.id, t.title, t.slug, p.number, a.username, p.excerpt, n.created_at, \
                        n.read_at IS NOT NULL \
                 FROM notifications n LEFT JOIN posts p ON p.id = n.post_id LEFT JOIN threads t ON t.id = p.thread_id \
                 LEFT JOIN users a ON a.id = n.actor_id \
                 WHERE n.user_id = ?1 ORDER BY n.id DESC LIMIT ?2",
                params![user_id, limit],
                |r| {
                    Ok(Notification {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        post_id: r.get(2)?,
                        thread_id: r.get(3)?,
                        thread_title: r.get(4)?,
                        thread_slug: r.get(5)?,
                        number: r.get(6)?,
                        actor: r.get(7)?,
                        excerpt: r.get(8)?,
                        created_at: r.get(9)?,
                        read: r.get(10)?,
                    })
                },
            )
        })
        .await
    }

    async fn mark_notifications_read(&self, user_id: i64) -> Result<()> {
        self.write(move |db| {
            db.exec("UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL", params![user_id, now_millis()])
                .map(|_| ())
        })
        .await
    }

    async fn append_event(&self, event: NewEvent) -> Result<i64> {
        self.write(move |db| {
            db.one(
                "INSERT INTO events (kind, thread_id, post_id, category_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![event.kind, event.thread_id, event.post_id, event.category_id, now_millis()],
                |r| r.get(0),
            )?
            .ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
        self.read(move |db| {
            db.all(
                "SELECT id, kind, thread_id, post_id, category_id, created_at FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
                params![after, limit],
                |r| {
                    Ok(Event {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        thread_id: r.get(2)?,
                        post_id: r.get(3)?,
                        category_id: r.get(4)?,
                        created_at: r.get(5)?,
                    })
                },
            )
        })
        .await
    }

    async fn latest_event_id(&self) -> Result<i64> {
        self.read(|db| Ok(db.one("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?.unwrap_or(0))).await
    }

    fn event_signals(&self) -> Option<tokio::sync::mpsc::Receiver<()>> {
        None
    }

    async fn export_table(&self, table: &'static str) -> Result<Rows> {
        let columns = columns_of(table);
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let sql = format!("SELECT {} FROM {table} ORDER BY {}", names.join(", "), order_by(table));
        self.read(move |db| {
            db.all(&sql, [], |r| {
                (0..columns.len())
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => Value::Null,
                            rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
                            rusqlite::types::ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                            other => Value::Text(format!("{other:?}")),
                        })
                    })
                    .collect()
            })
        })
        .await
    }

    async fn import_tables(&self, tables: Vec<(&'static str, Rows)>) -> Result<()> {
        self.write(move |db| {
            for (table, rows) in &tables {
                let columns = columns_of(table);
                let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
                let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let sql = format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), marks.join(", "));
                for row in rows {
                    let values: Vec<rusqlite::types::Value> = row
                        .iter()
                        .map(|v| match v {
                            Value::Null => rusqlite::types::Value::Null,
                            Value::Int(n) => rusqlite::types::Value::Integer(*n),
                            Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
                        })
                        .collect();
                    db.exec(&sql, rusqlite::params_from_iter(values))?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn set_counters(&self, member_posts: &[i64], category_threads: &[i64], category_posts: &[i64]) -> Result<()> {
        let (members, threads, posts) = (member_posts.to_vec(), category_threads.to_vec(), category_posts.to_vec());
        self.write(move |db| {
            for (i, n) in members.iter().enumerate() {
                db.exec("UPDATE users SET post_count = ?2 WHERE id = ?1", params![i as i64 + 1, n])?;
            }
            for (i, (t, p)) in threads.iter().zip(&posts).enumerate() {
                db.exec("UPDATE categories SET thread_count = ?2, post_count = ?3 WHERE id = ?1", params![i as i64 + 1, t, p])?;
            }
            Ok(())
        })
        .await
    }

    async fn count_rows(&self, table: &'static str) -> Result<i64> {
        self.read(move |db| Ok(db.one(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?.unwrap_or(0))).await
    }

    async fn search(&self, params: SearchParams) -> Result<Found> {
        if params.query.is_empty() {
            return Ok(Found::none());
        }
        let words = fts5_query(&params.query.terms, params.match_all);
        let replies_query = tier_match("body", &words, params.author_id);
        let threads_query = tier_match(if params.title_only { "title" } else { "title body" }, &words, params.author_id);
        self.read(move |db| {
            let thread_count = tier_count(db, Tier::Threads, &params, &threads_query, RANK_WINDOW)?;
            let reply_count = tier_count(db, Tier::Replies, &params, &replies_query, replies_to_count(&params, thread_count))?;
            let [thread_slice, reply_slice] = tier_slices(&params, thread_count);
            let threads = tier_rows(db, Tier::Threads, &params, &threads_query, thread_slice, thread_count)?;
            let replies = tier_rows(db, Tier::Replies, &params, &replies_query, reply_slice, reply_count)?;
            let page = compose_page(&params, threads, replies);
            let rows = db.all(
                &format!(
                    "SELECT p.id, p.thread_id, p.number, t.title, t.slug, u.username, p.created_at, p.body \
                     FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.user_id WHERE p.id IN ({})",
                    id_list(page.iter().map(|r| r.0))
                ),
                [],
                |r| {
                    Ok(HitRow {
                        post_id: r.get(0)?,
                        thread_id: r.get(1)?,
                        number: r.get(2)?,
                        title: r.get(3)?,
                        thread_slug: r.get(4)?,
                        author: r.get(5)?,
                        created_at: r.get(6)?,
                        body: r.get(7)?,
                    })
                },
            )?;
            Ok(Found::counted(hits_in_order(&params.query, &page, rows), thread_count, reply_count))
        })
        .await
    }

    async fn similar_threads(&self, query: crate::domain::search::Query, limit: i64) -> Result<Vec<SimilarThread>> {
        if query.is_empty() {
            return Ok(Vec::new());
        }
        self.read(move |db| {
            // Threads with the draft's rarest words are considered; all its words score them.
            let mut counts = Vec::with_capacity(query.terms.len());
            for term in &query.terms {
                let sql = format!("SELECT count(*) FROM (SELECT 1 FROM thread_fts WHERE thread_fts MATCH ?1 LIMIT {})", SIMILAR_BUDGET + 1);
                counts.push(db.one(&sql, params![in_columns("title body", &fts5_term(term))], |r| r.get(0))?.unwrap_or(0));
            }
            let selective = crate::domain::search::selective_terms(&counts, SIMILAR_BUDGET);
            if selective.is_empty() {
                return Ok(Vec::new());
            }
            let matching = in_columns(
                "title body",
                &format!("({}) AND ({})", fts5_query(selective.iter().map(|&i| &query.terms[i]), false), fts5_query(&query.terms, false)),
            );
            let ranked: Vec<i64> = db.all(
                &format!(
                    "SELECT id FROM (SELECT rowid AS id, {THREAD_BM25} AS s FROM thread_fts \
                     WHERE thread_fts MATCH ?1 ORDER BY rowid DESC LIMIT {SIMILAR_BUDGET}) ORDER BY s, id DESC LIMIT ?2"
                ),
                params![matching, limit],
                |r| r.get(0),
            )?;
            let ids = id_list(ranked.iter().copied());
            let threads = db.all(&format!("SELECT id, title, slug, reply_count FROM threads WHERE id IN ({ids})"), [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            let posts = db.all(
                &format!(
                    "SELECT thread_id, number, body FROM posts WHERE thread_id IN ({ids}) AND number <= {} AND deleted_at IS NULL \
                     ORDER BY thread_id, number",
                    SIMILAR_REPLIES_READ + 1
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            Ok(similar_in_order(&query, &ranked, threads, posts))
        })
        .await
    }
}

