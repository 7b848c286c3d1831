//! The PostgreSQL backend, for communities that outgrow one machine.
//!
//! Several stateless app nodes can share one database: everything that must be
//! shared (sessions, posts, notifications) lives here, and migrations take an
//! advisory lock so nodes starting together don't race. Each write is one
//! transaction, except replies, which [`group`] commits together;
//! PostgreSQL's own commit (with `synchronous_commit` on, the default) makes
//! an acknowledged write durable, and its WAL groups commits.
//! Each pooled connection keeps its statements prepared, so a statement costs
//! one round trip after its first use.
//!
//! Dialect, against the shared statements (`store::conn`):
//! - `?N` parameters become `$N` when a statement is first prepared;
//! - lists bind as arrays (`= ANY($N)` is PostgreSQL's own);
//! - tables are locked where numbering must be serialised (`lock_table`);
//! - a write that left events sends `NOTIFY` before it commits, so every node
//!   hears of it at the commit ([`events`]);
//! - full-text search is `tsvector` with GIN indexes ([`search`]).

pub(super) mod data;
pub(super) mod events;
mod group;
pub(super) mod search;

use super::conn::{Arg, Row, Tx};
use super::{Result, StoreError, Wake, now_millis, reads_from_primary};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, NoTls, Statement};

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/0001_forum_core.sql"),
    include_str!("../migrations/postgres/0002_notifications.sql"),
    include_str!("../migrations/postgres/0003_events.sql"),
    include_str!("../migrations/postgres/0004_session_writes.sql"),
    include_str!("../migrations/postgres/0005_search.sql"),
    include_str!("../migrations/postgres/0006_search_tiers.sql"),
    include_str!("../migrations/postgres/0007_moderation.sql"),
    include_str!("../migrations/postgres/0008_notify.sql"),
    include_str!("../migrations/postgres/0009_programme.sql"),
    include_str!("../migrations/postgres/0010_lookalikes.sql"),
    include_str!("../migrations/postgres/0011_uploads.sql"),
    include_str!("../migrations/postgres/0012_deletion.sql"),
    include_str!("../migrations/postgres/0013_exports.sql"),
    include_str!("../migrations/postgres/0014_imports.sql"),
];

const POOL_SIZE: usize = 8;
/// Prepared statements kept per connection; search builds a bounded family of
/// statements, so this holds them all without growing forever.
const PREPARED: usize = 512;
/// Any fixed number: it names the lock that serialises migrations across nodes.
const MIGRATION_LOCK: i64 = 0x006a_6f67_6574_7465;

pub(super) struct Postgres {
    primary: Pool,
    /// A streaming replica for read-only queries, when configured.
    replica: Option<Pool>,
    /// Write transactions, on the primary.
    pub(super) writer: Writer,
    queries: Arc<AtomicU64>,
    replica_queries: Arc<AtomicU64>,
    /// Takes the writes that may share a transaction ([`Postgres::write_grouped`]).
    grouped: tokio::sync::mpsc::UnboundedSender<group::Job>,
}

/// A client with the statements it has prepared.
pub(super) struct Session {
    client: Client,
    statements: Mutex<HashMap<String, Statement>>,
    /// Inside BEGIN…COMMIT. A connection dropped in that state (its request was
    /// cancelled mid-write) is closed rather than pooled, which rolls it back.
    in_transaction: AtomicBool,
}

/// A few connections to one server, opened on demand and kept.
#[derive(Clone)]
struct Pool {
    url: String,
    idle: Arc<Mutex<Vec<Session>>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    fn new(url: &str) -> Self {
        Pool { url: url.to_owned(), idle: Arc::default(), permits: Arc::new(Semaphore::new(POOL_SIZE)) }
    }

    async fn get(&self) -> Result<Pooled> {
        let permit = self.permits.clone().acquire_owned().await.map_err(StoreError::task)?;
        // A connection the server closed (it restarted, say) is dropped, not reused.
        let reused = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            std::iter::from_fn(|| idle.pop()).find(|s| !s.client.is_closed())
        };
        let session = match reused {
            Some(session) => session,
            None => {
                let (client, connection) = tokio_postgres::connect(&self.url, NoTls).await?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::warn!(error = %e, "postgres connection closed");
                    }
                });
                Session { client, statements: Mutex::default(), in_transaction: AtomicBool::new(false) }
            }
        };
        Ok(Pooled { session: Some(session), idle: self.idle.clone(), _permit: permit })
    }
}

/// A session borrowed from the pool; it goes back when dropped, unless broken
/// or left inside a transaction.
struct Pooled {
    session: Option<Session>,
    idle: Arc<Mutex<Vec<Session>>>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl std::ops::Deref for Pooled {
    type Target = Session;
    fn deref(&self) -> &Session {
        self.session.as_ref().expect("present until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let reusable = |s: &Session| !s.client.is_closed() && !s.in_transaction.load(Ordering::Relaxed);
        if let Some(session) = self.session.take().filter(reusable) {
            self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(session);
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        if let Some(db) = e.as_db_error()
            && *db.code() == SqlState::UNIQUE_VIOLATION
        {
            // The constraint's name, such as "users_username_lower_key".
            return StoreError::Conflict(super::conflicting_field(db.constraint().unwrap_or("")));
        }
        StoreError::failed("PostgreSQL", e)
    }
}

/// Whether PostgreSQL failed this transaction to break a deadlock, so that
/// running it again would likely succeed.
fn deadlocked(e: &StoreError) -> bool {
    let StoreError::Database(_, Some(cause)) = e else { return false };
    cause.downcast_ref::<tokio_postgres::Error>().and_then(tokio_postgres::Error::code).is_some_and(|code| *code == SqlState::T_R_DEADLOCK_DETECTED)
}

/// A PostgreSQL connection as the shared statements see it; counts what it runs.
pub struct Conn<'a> {
    session: &'a Session,
    queries: &'a AtomicU64,
    /// Also counted here when the statements go to the replica.
    replica: Option<&'a AtomicU64>,
}

impl Conn<'_> {
    fn count(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
        if let Some(replica) = self.replica {
            replica.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The statement prepared for `sql` on this connection, preparing it once.
    async fn statement(&self, sql: &str) -> Result<Statement> {
        let cached = self.session.statements.lock().unwrap_or_else(|p| p.into_inner()).get(sql).cloned();
        if let Some(statement) = cached {
            return Ok(statement);
        }
        let statement = self.session.client.prepare(&translate(sql)).await?;
        let mut statements = self.session.statements.lock().unwrap_or_else(|p| p.into_inner());
        if statements.len() >= PREPARED {
            statements.clear();
        }
        statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub(super) async fn all<T>(&self, sql: &str, args: &[Arg<'_>], map: impl Fn(&Row<'_>) -> Result<T>) -> Result<Vec<T>> {
        self.count();
        let statement = self.statement(sql).await?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        let rows = self.session.client.query(&statement, &params).await?;
        rows.iter().map(|r| map(&Row::Postgres(r))).collect()
    }

    pub(super) async fn exec(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        self.count();
        let statement = self.statement(sql).await?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        Ok(self.session.client.execute(&statement, &params).await?)
    }

    /// Statements with no parameters or rows (plan settings, locks, transaction control).
    pub(super) async fn batch(&self, sql: &str) -> Result<()> {
        self.count();
        Ok(self.session.client.batch_execute(sql).await?)
    }

    pub(super) async fn lock_table(&self, table: &str) -> Result<()> {
        self.batch(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")).await
    }

    /// BEGIN, with any settings for this transaction only in the same round trip.
    async fn begin(&self, begin: &str) -> Result<()> {
        self.session.in_transaction.store(true, Ordering::Relaxed);
        self.batch(begin).await
    }

    async fn end(&self, commit: bool) -> Result<()> {
        self.batch(if commit { "COMMIT" } else { "ROLLBACK" }).await?;
        self.session.in_transaction.store(false, Ordering::Relaxed);
        Ok(())
    }
}

/// `?N` to `$N`, outside quoted literals.
fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                out.push(ch);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(ch),
        }
    }
    out
}

impl ToSql for Arg<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Arg::Null => Ok(IsNull::Yes),
            // The server says what type each parameter is; integers fit the column's width.
            Arg::Int(n) => match *ty {
                Type::INT2 => i16::try_from(n)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(n)?.to_sql(ty, out),
                Type::BOOL => (n != 0).to_sql(ty, out),
                Type::FLOAT8 => (n as f64).to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
            Arg::Real(x) => x.to_sql(ty, out),
            Arg::Text(s) => s.to_sql(ty, out),
            Arg::Bytes(b) => b.to_sql(ty, out),
            Arg::Ints(ids) => ids.to_sql(ty, out),
            Arg::Texts(texts) => texts.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl Postgres {
    pub(super) async fn open(url: &str, replica: Option<&str>) -> Result<Self> {
        let (grouped, waiting) = tokio::sync::mpsc::unbounded_channel();
        let primary = Pool::new(url);
        let queries = Arc::<AtomicU64>::default();
        let node = {
            let mut id = [0u8; 8];
            getrandom::fill(&mut id).expect("the OS random source is available");
            crate::domain::hex(&id)
        };
        let writer = Writer { pool: primary.clone(), queries: queries.clone(), commits: Arc::default(), channel: String::new(), node, begin: "BEGIN" };
        let mut store = Postgres { primary, replica: replica.map(Pool::new), writer, queries, replica_queries: Arc::default(), grouped };
        let session = store.primary.get().await?;
        migrate(&session.client).await?;
        let schema: String = session.client.query_one("SELECT current_schema()", &[]).await?.try_get(0)?;
        let schema: String = schema.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect();
        drop(session);
        store.writer.channel = format!("jogette_events_{schema}");
        // A group's statements are all lookups by key, whose generic plans
        // are as good as custom ones; planning each afresh cost more than
        // running it (`docs/BENCHMARKS.md`).
        let generic = Writer { begin: "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan", pool: Pool::new(url), ..store.writer.clone() };
        group::spawn(generic, waiting)?;
        Ok(store)
    }

    pub(super) fn url(&self) -> &str {
        &self.primary.url
    }

    pub(super) fn queries_executed(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    pub(super) fn replica_queries_executed(&self) -> u64 {
        self.replica_queries.load(Ordering::Relaxed)
    }

    fn conn<'a>(&'a self, session: &'a Session, on_replica: bool) -> super::Conn<'a> {
        super::Conn::Postgres(Conn { session, queries: &self.queries, replica: on_replica.then_some(&*self.replica_queries) })
    }

    /// Reads on the replica, unless this request writes or follows its own
    /// write closely (see `store::read_from_primary`), or `primary` says so.
    pub(super) async fn read<T>(&self, primary: bool, work: impl for<'c> FnOnce(&'c super::Conn<'c>) -> BoxFuture<'c, Result<T>>) -> Result<T> {
        let (session, on_replica) = match &self.replica {
            Some(replica) if !primary && !reads_from_primary() => (replica.get().await?, true),
            _ => (self.primary.get().await?, false),
        };
        work(&self.conn(&session, on_replica)).await
    }

    pub(super) async fn write<T>(&self, work: impl for<'c> FnOnce(&'c Tx<'c>) -> BoxFuture<'c, Result<T>>) -> Result<(T, Wake)> {
        self.writer.write(work).await
    }

    /// As [`Postgres::write`], but run beside the other grouped writes
    /// waiting at the same moment, in one transaction (see [`group`]).
    pub(super) async fn write_grouped<T: Send + 'static>(&self, work: impl super::GroupedWork<T>) -> Result<(T, Wake)> {
        let (job, answer) = group::Job::new(work);
        self.grouped.send(job).map_err(|_| StoreError::message("the group writer has stopped"))?;
        group::Job::answer(answer).await
    }
}

/// Opens write transactions on the primary; cheap to clone into a task.
#[derive(Clone)]
pub(super) struct Writer {
    pool: Pool,
    queries: Arc<AtomicU64>,
    pub(super) commits: Arc<super::Commits>,
    /// NOTIFY channels are shared by the whole database; naming ours after the
    /// schema keeps communities that share a database from waking each other.
    pub(super) channel: String,
    /// This node, in its notifications' payload, so that it can tell its own
    /// from other nodes'.
    pub(super) node: String,
    /// What opens a transaction: BEGIN, and any settings for it alone.
    begin: &'static str,
}

impl Writer {
    /// Runs `work` in one transaction. A transaction that leaves events
    /// announces them before it commits: NOTIFY is delivered at the commit,
    /// to every node, and never for a transaction that rolls back.
    async fn write<T>(&self, work: impl for<'c> FnOnce(&'c Tx<'c>) -> BoxFuture<'c, Result<T>>) -> Result<(T, Wake)> {
        self.write_carrying(1, work).await
    }

    /// As [`Writer::write`], for a transaction that carries `writes` writes (a group's).
    async fn write_carrying<T>(&self, writes: usize, work: impl for<'c> FnOnce(&'c Tx<'c>) -> BoxFuture<'c, Result<T>>) -> Result<(T, Wake)> {
        let session = self.pool.get().await?;
        let tx = Tx::new(super::Conn::Postgres(Conn { session: &session, queries: &self.queries, replica: None }));
        let super::Conn::Postgres(conn) = &*tx else { unreachable!("a PostgreSQL transaction") };
        conn.begin(self.begin).await?;
        match work(&tx).await {
            Ok(value) => {
                let wake = tx.wakes();
                if wake.contains(Wake::EVENTS) {
                    events::announce(conn, &self.channel, &self.node).await?;
                }
                conn.end(true).await?;
                self.commits.committed(writes);
                Ok((value, wake))
            }
            Err(e) => {
                // Should the rollback fail, the connection is dropped, which rolls back too.
                let _ = conn.end(false).await;
                Err(e)
            }
        }
    }
}

async fn migrate(client: &Client) -> Result<()> {
    client.batch_execute("BEGIN").await?;
    let result = async {
        client.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        client
            .batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            .await?;
        let applied: i64 = client.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[]).await?.try_get(0)?;
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            let version = index as i64 + 1;
            client.batch_execute(sql).await.map_err(|e| StoreError::failed(format!("migration {version}"), e))?;
            client.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[&version, &now_millis()]).await?;
        }
        Ok::<_, StoreError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(client.batch_execute("COMMIT").await?),
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn numbered_parameters_become_dollars_outside_literals() {
        assert_eq!(translate("SELECT '?' , x FROM t WHERE a = ?1 AND b = ANY(?12)"), "SELECT '?' , x FROM t WHERE a = $1 AND b = ANY($12)");
    }
}
