//! Persistence: one [`Store`] over embedded SQLite or PostgreSQL.
//!
//! Each area (accounts, admin, forum, feeds, moderation, notify, mail, programme, events, search, data) has one file
//! here holding its statements, written once for both backends, and the
//! functions that run them over a [`Conn`] (reads) or a [`Tx`] (writes).
//! Callers group those functions into one read or one transaction with
//! [`Store::read`] and [`Store::write`]; what commits together is therefore
//! written where the use case is.
//!
//! A write's side records (event rows, audit entries, notifications, outbox
//! mail) are rows written through the same
//! [`Tx`] as the change, so they commit or roll back with it. After the commit
//! [`Store::write`] wakes whoever acts on them ([`Wake`]): the live hub reads
//! new events from the table, so nothing is announced that did not commit.
//!
//! The backends ([`sqlite`], [`postgres`]) own connections and transactions
//! and hold only what really differs by dialect; each lists it in its `mod.rs`.

pub mod accounts;
pub mod admin;
pub mod conn;
pub mod data;
pub mod deletion;
pub mod events;
pub mod export;
pub mod feeds;
pub mod forum;
pub mod import;
pub mod mail;
pub mod moderation;
pub mod notify;
pub mod programme;
pub mod search;
pub mod uploads;

mod postgres;
mod sqlite;

pub use accounts::{SessionKind, User};
pub use conn::{Conn, Tx, Wake};
pub use data::{Rows, Value, copy_all};
pub use events::{Event, NewEvent};
pub use forum::{Category, CategoryInput, Listing, NewPost, NewThread, Post, PostSummary, ReplyContext, Revision, Thread, ThreadSummary};
pub use notify::Notification;
pub use search::{Found, RANK_WINDOW, SearchHit, SearchParams, SimilarThread};

use futures_util::future::BoxFuture;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; names the field the user should change.
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// The database failed while doing what the message says. The cause is
    /// kept for the logs and never shown to members.
    #[error("database error: {0}")]
    Database(Cow<'static, str>, #[source] Option<Box<dyn std::error::Error + Send + Sync>>),
}

impl StoreError {
    /// A failure while `doing` something, with its cause.
    pub fn failed(doing: impl Into<Cow<'static, str>>, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Database(doing.into(), Some(Box::new(cause)))
    }

    /// A failure that has no underlying error, only a description.
    pub fn message(text: impl Into<Cow<'static, str>>) -> Self {
        StoreError::Database(text.into(), None)
    }

    fn task(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::failed("waiting for a database worker", e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Names the form field behind a unique index, from SQLite's message
/// ("UNIQUE constraint failed: users.username_lower") or PostgreSQL's
/// constraint name ("users_username_lower_key").
fn conflicting_field(text: &str) -> &'static str {
    if text.contains("username") {
        "username"
    } else if text.contains("slug") {
        "slug"
    } else {
        "id"
    }
}

/// The database of one community.
pub struct Store {
    backend: Backend,
    /// Bumped after every commit that left events; the live hub watches it.
    events_committed: tokio::sync::watch::Sender<u64>,
    /// Signalled after every commit that queued mail; this node's mailer waits on it.
    outbox_committed: tokio::sync::Notify,
    /// Bumped after every commit here that anyone else might see (not
    /// [`Store::write_private`]), and for every signal from another node:
    /// what was read before it may be out of date.
    changes: Arc<AtomicU64>,
    /// Set once [`Store::follow_other_nodes`] has started its listener.
    following: AtomicBool,
}

enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

/// Work for [`Store::read`]: statements over one connection.
pub trait ReadWork<T>: for<'c> FnOnce(&'c Conn<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static {}
impl<T, F: for<'c> FnOnce(&'c Conn<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static> ReadWork<T> for F {}

/// Work for [`Store::write`]: a change and its side records, in one transaction.
pub trait WriteWork<T>: for<'c> FnOnce(&'c Tx<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static {}
impl<T, F: for<'c> FnOnce(&'c Tx<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static> WriteWork<T> for F {}

/// Work for [`Store::write_grouped`]: as [`WriteWork`], but it may run more
/// than once, so its future owns copies of what it writes.
pub trait GroupedWork<T>: for<'c> Fn(&'c Tx<'c>) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static {}
impl<T, F: for<'c> Fn(&'c Tx<'c>) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static> GroupedWork<T> for F {}

impl Store {
    /// Opens the store a `--db` URL names, creating and migrating it as needed.
    pub async fn open(url: &str) -> Result<Store> {
        Self::open_with_replica(url, None).await
    }

    /// As [`Store::open`], sending read-only queries to a streaming replica
    /// when given (PostgreSQL only).
    pub async fn open_with_replica(url: &str, replica: Option<&str>) -> Result<Store> {
        let backend = if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if replica.is_some() {
                return Err(StoreError::message("a read replica needs PostgreSQL for both --db and --db-replica"));
            }
            Backend::Sqlite(sqlite::Sqlite::open(path).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if replica.is_some_and(|r| !r.starts_with("postgres")) {
                return Err(StoreError::message("a read replica needs PostgreSQL for both --db and --db-replica"));
            }
            Backend::Postgres(postgres::Postgres::open(url, replica).await?)
        } else {
            return Err(StoreError::message(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE"
            )));
        };
        Ok(Store {
            backend,
            events_committed: tokio::sync::watch::Sender::new(0),
            outbox_committed: tokio::sync::Notify::new(),
            changes: Arc::new(AtomicU64::new(0)),
            following: AtomicBool::new(false),
        })
    }

    /// Statements run on one connection. On PostgreSQL with a replica they
    /// run there, unless this request reads its own writes (see [`read_from_primary`]).
    pub async fn read<T: Send + 'static>(&self, work: impl ReadWork<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(s) => s.read(work).await,
            Backend::Postgres(p) => p.read(false, work).await,
        }
    }

    /// As [`Store::read`], for a read of a row or a page by its index that
    /// every page view makes (a session, a thread's page): SQLite runs it on
    /// the asking thread rather than handing it to a reader thread and back.
    pub async fn read_here<T: Send + 'static>(&self, work: impl ReadWork<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(s) => s.read_here(work),
            Backend::Postgres(p) => p.read(false, work).await,
        }
    }

    /// As [`Store::read_here`], always on the primary (see [`Store::read_primary`]).
    pub async fn read_primary_here<T: Send + 'static>(&self, work: impl ReadWork<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(s) => s.read_here(work),
            Backend::Postgres(p) => p.read(true, work).await,
        }
    }

    /// As [`Store::read`], always on the primary: for reads that decide what
    /// the rest of a request does (sessions) or follow other nodes' writes (events).
    pub async fn read_primary<T: Send + 'static>(&self, work: impl ReadWork<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(s) => s.read(work).await,
            Backend::Postgres(p) => p.read(true, work).await,
        }
    }

    /// Leaves no copy of erased data on disk: on SQLite, full-text indexes
    /// rewritten and the WAL folded in and emptied. (PostgreSQL's erased rows
    /// are unreachable at once; autovacuum reclaims their space.)
    pub async fn scrub(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(s) => s.scrub().await,
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// A change and its side records, committed together; answered once the
    /// commit is durable. Those who act on the side records are woken after it.
    pub async fn write<T: Send + 'static>(&self, work: impl WriteWork<T>) -> Result<T> {
        let value = self.write_private(work).await?;
        self.changes.fetch_add(1, Ordering::Release);
        Ok(value)
    }

    /// As [`Store::write`], for a frequent write whose transactions would
    /// otherwise queue on one row: replies to a busy thread wait on its row
    /// (which numbers them) until each commit is on disk. On PostgreSQL the
    /// grouped writes waiting at one moment share one transaction and one
    /// commit; should one of them fail, each runs again alone, so `work` may
    /// run twice. SQLite's writer groups every write already.
    pub async fn write_grouped<T: Send + 'static>(&self, work: impl GroupedWork<T>) -> Result<T> {
        read_from_primary();
        let (value, wake) = match &self.backend {
            Backend::Sqlite(s) => s.write(move |tx| work(tx)).await?,
            Backend::Postgres(p) => p.write_grouped(work).await?,
        };
        self.wake(wake);
        self.changes.fetch_add(1, Ordering::Release);
        Ok(value)
    }

    /// Wakes those who act on a commit's side records.
    fn wake(&self, wake: Wake) {
        if wake.contains(Wake::EVENTS) {
            self.events_committed.send_modify(|n| *n += 1);
        }
        if wake.contains(Wake::OUTBOX) {
            self.outbox_committed.notify_one();
        }
    }

    /// As [`Store::write`], for a change only its own member sees (where
    /// they have read to, their sessions, their watch levels): pages kept
    /// for guests stay good.
    pub async fn write_private<T: Send + 'static>(&self, work: impl WriteWork<T>) -> Result<T> {
        read_from_primary();
        let (value, wake) = match &self.backend {
            Backend::Sqlite(s) => s.write(work).await?,
            Backend::Postgres(p) => p.write(work).await?,
        };
        self.wake(wake);
        Ok(value)
    }

    /// Counts the commits that may have changed what guests see, on this
    /// node and (once [`Store::follow_other_nodes`] runs) on others: a page
    /// read while it held one value is current until it moves.
    pub fn changes(&self) -> u64 {
        self.changes.load(Ordering::Acquire)
    }

    /// Changes whenever new events may be in the table: after this process's
    /// commits, and (once [`Store::follow_other_nodes`] runs) other nodes'.
    pub fn events_committed(&self) -> tokio::sync::watch::Receiver<u64> {
        self.events_committed.subscribe()
    }

    /// Resolves after a commit here queued mail (or at once, if one did since the last wait).
    pub async fn outbox_committed(&self) {
        self.outbox_committed.notified().await
    }

    /// On PostgreSQL, listens for other nodes' events (and signals once after
    /// any gap in listening). With SQLite only this process writes. Calling
    /// it again changes nothing.
    pub fn follow_other_nodes(&self) {
        if let Backend::Postgres(p) = &self.backend
            && !self.following.swap(true, Ordering::AcqRel)
        {
            tokio::spawn(postgres::events::listen(p.url().to_owned(), p.writer.channel.clone(), p.writer.node.clone(), self.events_committed.clone(), self.changes.clone()));
        }
    }

    /// SQL statements run so far, for `/metrics` and the query-count tests.
    pub fn queries_executed(&self) -> u64 {
        match &self.backend {
            Backend::Sqlite(s) => s.queries_executed(),
            Backend::Postgres(p) => p.queries_executed(),
        }
    }

    /// Write transactions committed so far, and the writes they carried.
    pub fn commits(&self) -> (u64, u64) {
        match &self.backend {
            Backend::Sqlite(s) => s.commits.counts(),
            Backend::Postgres(p) => p.writer.commits.counts(),
        }
    }

    /// Of those, the ones a read replica answered.
    pub fn replica_queries_executed(&self) -> u64 {
        match &self.backend {
            Backend::Sqlite(_) => 0,
            Backend::Postgres(p) => p.replica_queries_executed(),
        }
    }

    /// Succeeds when the database answers; behind `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        self.read_primary(|c| Box::pin(async move { c.one("SELECT 1", &[], |_| Ok(())).await.map(|_| ()) })).await
    }

    pub async fn is_empty(&self) -> Result<bool> {
        self.read_primary(|c| Box::pin(async move { Ok(c.one("SELECT 1 FROM users LIMIT 1", &[], |_| Ok(())).await?.is_none()) }))
            .await
    }
}

tokio::task_local! {
    static READ_PRIMARY: std::cell::Cell<bool>;
}

/// Runs one request's work with its own choice of where to read.
pub async fn request_scope<F: std::future::Future>(work: F) -> F::Output {
    READ_PRIMARY.scope(std::cell::Cell::new(false), work).await
}

/// Write transactions committed, and the writes they carried: writes per
/// commit says how far grouping shares each flush to disk.
#[derive(Debug, Default)]
pub(super) struct Commits {
    commits: AtomicU64,
    writes: AtomicU64,
}

impl Commits {
    fn committed(&self, writes: usize) {
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.writes.fetch_add(writes as u64, Ordering::Relaxed);
    }

    fn counts(&self) -> (u64, u64) {
        (self.commits.load(Ordering::Relaxed), self.writes.load(Ordering::Relaxed))
    }
}

/// From now until the request ends, read from the primary, not a replica:
/// the request writes, or follows a write closely enough that a replica may lag.
pub fn read_from_primary() {
    let _ = READ_PRIMARY.try_with(|p| p.set(true));
}

/// Outside a request (start-up, background work) reads go to the primary.
pub fn reads_from_primary() -> bool {
    READ_PRIMARY.try_with(|p| p.get()).unwrap_or(true)
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
