//! The embedded SQLite backend.
//!
//! One writer thread owns the only read-write connection. Writes from every
//! request queue up to it; it takes whatever is waiting, runs each job inside
//! its own savepoint of one `BEGIN IMMEDIATE` transaction, and commits them
//! together. With `synchronous=FULL` a commit is an fsync, so grouping keeps
//! durability cheap: one fsync covers many posts, and no caller hears "done"
//! before its data is on disk. A job's side records are in its savepoint, so
//! they commit, or roll back, with its change.
//!
//! Reads run on a few reader threads, each owning a read-only connection and
//! taking reads from one queue: a read costs one hand-off there and one back,
//! and the process keeps the same few threads however busy it is. WAL lets
//! them proceed while the writer commits.
//!
//! Dialect, against the shared statements (`store::conn`):
//! - list membership `= ANY(?N)` becomes `IN (SELECT value FROM json_each(?N))`,
//!   the list bound as JSON text;
//! - there are no row or table locks to take: the one writer already
//!   serialises every write;
//! - full-text search is FTS5 ([`search`]); new posts are indexed as a
//!   group, just before the group commits ([`search::index_queued`]).

pub(super) mod backup;
pub(super) mod data;
pub(super) mod events;
pub(super) mod search;

use super::conn::{Arg, Row, Tx};
use super::{Commits, Result, StoreError, Wake};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use rusqlite::{Connection, OpenFlags};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_forum_core.sql"),
    include_str!("../migrations/sqlite/0002_notifications.sql"),
    include_str!("../migrations/sqlite/0003_events.sql"),
    include_str!("../migrations/sqlite/0004_session_writes.sql"),
    include_str!("../migrations/sqlite/0005_search.sql"),
    include_str!("../migrations/sqlite/0006_search_tiers.sql"),
    include_str!("../migrations/sqlite/0007_search_by_author.sql"),
    include_str!("../migrations/sqlite/0008_moderation.sql"),
    include_str!("../migrations/sqlite/0009_notify.sql"),
    include_str!("../migrations/sqlite/0010_programme.sql"),
    include_str!("../migrations/sqlite/0011_lookalikes.sql"),
    include_str!("../migrations/sqlite/0012_uploads.sql"),
    include_str!("../migrations/sqlite/0013_deletion.sql"),
    include_str!("../migrations/sqlite/0014_exports.sql"),
    include_str!("../migrations/sqlite/0015_imports.sql"),
    include_str!("../migrations/sqlite/0016_search_queue.sql"),
];
const READERS: usize = 4;
/// Enough to amortise the fsync under load without making one commit huge.
const MAX_GROUP: usize = 128;
/// Statements kept prepared per connection: every fixed statement, and the
/// search variants in use, without parsing any of them again.
const PREPARED: usize = 256;

pub(super) struct Sqlite {
    path: String,
    writer: mpsc::Sender<Job>,
    reads: mpsc::Sender<Read>,
    queries: Arc<AtomicU64>,
    pub(super) commits: Arc<Commits>,
    /// Read-only connections for reads run on the asking thread
    /// ([`Sqlite::read_here`]), kept for the next: one per thread running
    /// such a read at once (the async workers), at most [`READERS`].
    here: Mutex<Vec<Connection>>,
}

/// A queued read, run by the first free reader thread against its connection.
type Read = Box<dyn FnOnce(&Conn) + Send>;

/// A queued write, run by the writer thread against its connection inside a
/// savepoint. It returns whether it succeeded, and a callback that answers the
/// caller once the group's commit is known. It is handed `None` when the
/// group's transaction could not begin.
type Job = Box<dyn FnOnce(Option<&Conn>) -> (bool, Deliver) + Send>;
type Deliver = Box<dyn FnOnce(Option<&Arc<StoreError>>) + Send>;

/// A SQLite connection as the shared statements see it. The mutex is never
/// contended (each connection belongs to one thread at a time); it makes the
/// connection shareable by reference, as [`super::conn::Conn`] must be.
pub struct Conn<'a> {
    db: &'a Mutex<Connection>,
    queries: &'a AtomicU64,
}

impl Conn<'_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn all<T>(&self, sql: &str, args: &[Arg<'_>], map: impl Fn(&Row<'_>) -> Result<T>) -> Result<Vec<T>> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        let db = self.lock();
        let mut statement = db.prepare_cached(&translate(sql))?;
        let mut rows = statement.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(map(&Row::Sqlite(row))?);
        }
        Ok(out)
    }

    pub(super) fn exec(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        let db = self.lock();
        let changed = db.prepare_cached(&translate(sql))?.execute(rusqlite::params_from_iter(args))?;
        Ok(changed as u64)
    }

    /// Statements with no parameters or rows: transaction control, migrations.
    fn batch(&self, sql: &str) -> Result<()> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        Ok(self.lock().execute_batch(sql)?)
    }
}

/// The shared statements in SQLite's words (see the module comment).
fn translate(sql: &str) -> Cow<'_, str> {
    const ANY: &str = "= ANY(?";
    if !sql.contains(ANY) {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 32);
    let mut rest = sql;
    while let Some(at) = rest.find(ANY) {
        out.push_str(&rest[..at]);
        let after = &rest[at + ANY.len()..];
        let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
        out.push_str("IN (SELECT value FROM json_each(?");
        out.push_str(&after[..digits]);
        out.push_str("))");
        // Past the digits and the closing parenthesis of ANY(…).
        rest = after[digits..].strip_prefix(')').unwrap_or(&after[digits..]);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        let list = |json: serde_json::Result<String>| {
            json.map(|j| ToSqlOutput::Owned(Value::Text(j))).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
        };
        match self {
            Arg::Null => Ok(ToSqlOutput::Borrowed(ValueRef::Null)),
            Arg::Int(n) => Ok(ToSqlOutput::Borrowed(ValueRef::Integer(*n))),
            Arg::Real(x) => Ok(ToSqlOutput::Borrowed(ValueRef::Real(*x))),
            Arg::Text(s) => Ok(ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))),
            Arg::Bytes(b) => Ok(ToSqlOutput::Borrowed(ValueRef::Blob(b))),
            Arg::Ints(ids) => list(serde_json::to_string(ids)),
            Arg::Texts(texts) => list(serde_json::to_string(texts)),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
            && f.code == rusqlite::ErrorCode::ConstraintViolation
            && msg.starts_with("UNIQUE")
        {
            // "UNIQUE constraint failed: users.username_lower"
            return StoreError::Conflict(super::conflicting_field(msg));
        }
        StoreError::failed("SQLite", e)
    }
}

fn open_reader(path: &str) -> Result<Connection> {
    let reader = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI)?;
    configure(&reader)?;
    Ok(reader)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // secure_delete: what a member erased is overwritten on disk, not left in free pages.
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;")?;
    conn.set_prepared_statement_cache_capacity(PREPARED);
    // Plans that don't depend on the values bound: otherwise SQLite marks a
    // kept statement stale whenever a value that might change its plan is
    // bound again, and parses it afresh on every run.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

impl Sqlite {
    pub(super) async fn open(path: &str) -> Result<Self> {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path)).await.map_err(StoreError::task)?
    }

    fn open_blocking(path: &str) -> Result<Self> {
        // A new community's folder is made for it, as its file is.
        if let Some(folder) = std::path::Path::new(path).parent().filter(|f| !f.as_os_str().is_empty() && !path.starts_with("file:")) {
            std::fs::create_dir_all(folder).map_err(|e| StoreError::message(format!("cannot create the folder {}: {e}", folder.display())))?;
        }
        let writer = Connection::open(path)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::message(format!("could not switch {path} to WAL mode (got {mode})")));
        }
        configure(&writer)?;
        // Each job's savepoint journals the pages it changes. On disk that
        // journal spills to a temporary file past 64 KiB and is never cut
        // back within the group, so every page a job touches costs two
        // write calls; in memory it is emptied as each job is released
        // (measured in `docs/BENCHMARKS.md`, "Replies again").
        writer.execute_batch("PRAGMA temp_store = MEMORY;")?;
        migrate(&writer)?;

        let queries = Arc::new(AtomicU64::new(0));
        let (reads, waiting) = mpsc::channel::<Read>();
        let waiting = Arc::new(Mutex::new(waiting));
        for n in 0..READERS {
            let reader = open_reader(path)?;
            let (waiting, queries) = (waiting.clone(), queries.clone());
            std::thread::Builder::new()
                .name(format!("sqlite-reader-{n}"))
                .spawn(move || read_loop(reader, &waiting, &queries))
                .map_err(|e| StoreError::failed("starting a reader thread", e))?;
        }

        let (tx, rx) = mpsc::channel::<Job>();
        let (writer_queries, commits) = (queries.clone(), Arc::new(Commits::default()));
        let writer_commits = commits.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(writer, rx, writer_queries, &writer_commits))
            .map_err(|e| StoreError::failed("starting the writer thread", e))?;

        Ok(Sqlite { path: path.to_owned(), writer: tx, reads, queries, commits, here: Mutex::new(Vec::new()) })
    }

    pub(super) fn queries_executed(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    pub(super) async fn read<T: Send + 'static>(
        &self,
        work: impl for<'c> FnOnce(&'c super::Conn<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = oneshot::channel();
        let read: Read = Box::new(move |conn| {
            let _ = answer.send(run_now(work(&super::Conn::Sqlite(Conn { db: conn.db, queries: conn.queries }))));
        });
        self.reads.send(read).map_err(|_| StoreError::message("the readers have stopped"))?;
        answered.await.map_err(|_| StoreError::message("a read failed before answering"))?
    }

    /// A read short enough to run on the asking thread, with no hand-off to
    /// a reader thread and back: one indexed row or page, which costs less
    /// than the two task switches it saves. It blocks that thread meanwhile,
    /// so long reads (search, lists) stay on the readers.
    pub(super) fn read_here<T>(&self, work: impl for<'c> FnOnce(&'c super::Conn<'c>) -> BoxFuture<'c, Result<T>>) -> Result<T> {
        let kept = self.here.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let db = Mutex::new(match kept {
            Some(conn) => conn,
            None => open_reader(&self.path)?,
        });
        // As on a reader thread, a read that panics fails only itself.
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_now(work(&super::Conn::Sqlite(Conn { db: &db, queries: &self.queries })))))
            .unwrap_or_else(|_| Err(StoreError::message("a read failed before answering")));
        let conn = db.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut here = self.here.lock().unwrap_or_else(|p| p.into_inner());
        if conn.is_autocommit() && here.len() < READERS {
            here.push(conn);
        }
        answer
    }

    /// After erasing a member: rewrites the full-text indexes without the
    /// entries their posts left behind, then folds the WAL into the main file
    /// and empties it, so no copy of what was erased stays on disk
    /// (`secure_delete` has zeroed the pages it freed).
    pub(super) async fn scrub(&self) -> Result<()> {
        self.write(|tx| {
            Box::pin(async move {
                tx.exec("INSERT INTO thread_fts (thread_fts) VALUES ('optimize')", &[]).await?;
                tx.exec("INSERT INTO reply_fts (reply_fts) VALUES ('optimize')", &[]).await?;
                Ok(())
            })
        })
        .await?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open(&path)?;
            conn.busy_timeout(std::time::Duration::from_secs(30))?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
        .map_err(StoreError::task)?
    }

    pub(super) async fn write<T: Send + 'static>(
        &self,
        work: impl for<'c> FnOnce(&'c Tx<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static,
    ) -> Result<(T, Wake)> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => {
                    let tx = Tx::new(super::Conn::Sqlite(Conn { db: conn.db, queries: conn.queries }));
                    run_now(work(&tx)).map(|value| (value, tx.wakes()))
                }
                None => Err(StoreError::message("could not begin a write transaction")),
            };
            let ok = result.is_ok();
            let deliver: Deliver = Box::new(move |commit_error| {
                let _ = answer.send(match commit_error {
                    Some(e) => Err(StoreError::failed("committing a group of writes", e.clone())),
                    None => result,
                });
            });
            (ok, deliver)
        });
        self.writer.send(job).map_err(|_| StoreError::message("the writer has stopped"))?;
        answered.await.map_err(|_| StoreError::message("the writer stopped before answering"))?
    }
}

/// Runs work that never waits: every SQLite statement completes in place.
fn run_now<T>(work: BoxFuture<'_, Result<T>>) -> Result<T> {
    work.now_or_never().unwrap_or_else(|| Err(StoreError::message("SQLite work waited on something other than its connection")))
}

fn migrate(conn: &Connection) -> Result<()> {
    let applied: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let version = index + 1;
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {sql}\nPRAGMA user_version = {version}; COMMIT;")).map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            StoreError::failed(format!("migration {version}"), e)
        })?;
    }
    Ok(())
}

/// A reader thread: takes reads from the shared queue until the store closes.
fn read_loop(conn: Connection, waiting: &Mutex<mpsc::Receiver<Read>>, queries: &AtomicU64) {
    let db = Mutex::new(conn);
    let conn = Conn { db: &db, queries };
    loop {
        // One free reader waits on the queue; the others wait for their turn
        // to (the lock is let go before the read runs).
        let next = waiting.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(read) = next else { return };
        // A read that panics loses only its own answer (its caller hears it
        // failed), and the connection comes out of any transaction it was in.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&conn)));
        let connection = conn.lock();
        if !connection.is_autocommit() {
            let _ = connection.execute_batch("ROLLBACK");
        }
    }
}

fn write_loop(conn: Connection, jobs: mpsc::Receiver<Job>, queries: Arc<AtomicU64>, commits: &Commits) {
    let db = Mutex::new(conn);
    let conn = Conn { db: &db, queries: &queries };
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
        let begin = conn.batch("BEGIN IMMEDIATE");
        for job in group {
            if begin.is_err() {
                deliveries.push(job(None).1);
                continue;
            }
            let _ = conn.batch("SAVEPOINT job");
            // A panicking job loses only its own answer (the caller sees the
            // writer "stopped before answering"), not the writer thread.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(Some(&conn)))) {
                Ok((ok, deliver)) => {
                    if !ok {
                        let _ = conn.batch("ROLLBACK TO job");
                    }
                    deliveries.push(deliver);
                }
                Err(_) => {
                    let _ = conn.batch("ROLLBACK TO job");
                }
            }
            let _ = conn.batch("RELEASE job");
        }
        let outcome = match begin {
            Err(e) => Err(e),
            Ok(()) => search::index_queued(&conn).and_then(|()| conn.batch("COMMIT")).inspect_err(|_| {
                let _ = conn.batch("ROLLBACK");
            }),
        };
        if outcome.is_ok() {
            commits.committed(deliveries.len());
        }
        let error = outcome.err().map(Arc::new);
        for deliver in deliveries {
            deliver(error.as_ref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_that_panics_gives_its_connection_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::Sqlite::open(dir.path().join("t.db").to_str().unwrap()).await.unwrap();
        for _ in 0..super::READERS * 2 {
            let failed: super::Result<()> = store.read(|_| Box::pin(async { panic!("a bug in one read") })).await;
            assert!(failed.is_err());
        }
        let answer = store.read(|c| Box::pin(async move { c.one("SELECT 41 + 1", &[], |r| r.int(0)).await })).await.unwrap();
        assert_eq!(answer, Some(42), "every reader is still there");
    }

    #[tokio::test]
    async fn a_read_on_the_asking_thread_that_panics_fails_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::Sqlite::open(dir.path().join("t.db").to_str().unwrap()).await.unwrap();
        let failed: super::Result<()> = store.read_here(|_| Box::pin(async { panic!("a bug in one read") }));
        assert!(failed.is_err());
        let answer = store.read_here(|c| Box::pin(async move { c.one("SELECT 41 + 1", &[], |r| r.int(0)).await })).unwrap();
        assert_eq!(answer, Some(42), "the next read on the asking thread still answers");
        assert!(store.here.lock().unwrap().len() <= super::READERS);
    }

    /// New posts wait in a queue for the full-text indexes until their
    /// group commits; one changed before then is indexed as it ends up, once.
    #[tokio::test]
    async fn posts_are_searchable_as_they_were_committed_even_when_changed_in_the_same_group() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::Sqlite::open(dir.path().join("t.db").to_str().unwrap()).await.unwrap();
        store
            .write(|tx| {
                Box::pin(async move {
                    tx.exec("INSERT INTO users (id, username, username_lower, password_hash, created_at) VALUES (1, 'a', 'a', 'x', 0)", &[]).await?;
                    tx.exec("INSERT INTO categories (id, slug, name, created_at) VALUES (1, 'c', 'C', 0)", &[]).await?;
                    tx.exec("INSERT INTO threads (id, category_id, user_id, title, slug, created_at, last_post_at, last_post_user_id) VALUES (1, 1, 1, 'Shin splints', 's', 0, 0, 1)", &[]).await?;
                    for (id, number, body) in [(1, 1, "zebrafluorescent vest"), (2, 2, "wombatglow armband"), (3, 3, "quokkareflective cap")] {
                        let sql = format!("INSERT INTO posts (id, thread_id, number, user_id, body, html, excerpt, created_at) VALUES ({id}, 1, {number}, 1, '{body}', '', '', 0)");
                        tx.exec(&sql, &[]).await?;
                    }
                    tx.exec("UPDATE posts SET body = 'wombatdim armband' WHERE id = 2", &[]).await?;
                    tx.exec("UPDATE posts SET deleted_at = 1 WHERE id = 3", &[]).await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        let found = |words: &'static str| {
            store.read(move |c| {
                Box::pin(async move {
                    let threads = c.one("SELECT count(*) FROM thread_fts WHERE thread_fts MATCH ?1", &[super::Arg::Text(words)], |r| r.int(0)).await?;
                    let replies = c.one("SELECT count(*) FROM reply_fts WHERE reply_fts MATCH ?1", &[super::Arg::Text(words)], |r| r.int(0)).await?;
                    Ok(threads.unwrap_or(0) + replies.unwrap_or(0))
                })
            })
        };
        assert_eq!(found("zebrafluorescent").await.unwrap(), 1, "an opening post is found");
        assert_eq!(found("splints").await.unwrap(), 1, "by its thread's title too");
        assert_eq!(found("wombatdim").await.unwrap(), 1, "a reply is found as edited");
        assert_eq!(found("wombatglow").await.unwrap(), 0, "and not as first written");
        assert_eq!(found("quokkareflective").await.unwrap(), 0, "a deleted post is not found");
        let queued = store.read(|c| Box::pin(async move { c.one("SELECT count(*) FROM search_queue", &[], |r| r.int(0)).await })).await.unwrap();
        assert_eq!(queued, Some(0), "the queue is empty once the group committed");
    }

    #[test]
    fn list_membership_reads_a_json_array() {
        assert_eq!(
            translate("SELECT a FROM t WHERE id = ANY(?1) AND b = ANY(?12) LIMIT 3"),
            "SELECT a FROM t WHERE id IN (SELECT value FROM json_each(?1)) AND b IN (SELECT value FROM json_each(?12)) LIMIT 3"
        );
        assert!(matches!(translate("SELECT 1 WHERE x = ?1"), std::borrow::Cow::Borrowed(_)));
    }
}
