//! The one interface every area's SQL runs through, on either backend.
//!
//! Statements are written once, in SQLite's numbered form (`?1`, `?2`…), which
//! also binds by number rather than by order of appearance. The PostgreSQL
//! backend rewrites them to `$N` when it first prepares them; the SQLite
//! backend rewrites list membership (`= ANY(?N)`) to `json_each`. Each backend
//! lists its rewrites in its own `mod.rs`, so the dialect stays visible there.
//!
//! Rows are read by position through [`Row`], whose getters return an error,
//! never a panic, when a column is not of the type a mapper expects.
//!
//! On SQLite every method completes without waiting (the connection is local
//! and synchronous), which is what lets the writer thread run a whole async
//! write job to completion with a single poll. Work handed to [`super::Store::read`]
//! or [`super::Store::write`] must therefore await only these methods.

use super::{Result, StoreError};
use std::sync::atomic::{AtomicU8, Ordering};

/// A connection, or a transaction's connection, of either backend.
pub enum Conn<'a> {
    Sqlite(super::sqlite::Conn<'a>),
    Postgres(super::postgres::Conn<'a>),
}

impl Conn<'_> {
    /// Every row `sql` returns, each read by `map`.
    pub async fn all<T>(&self, sql: &str, args: &[Arg<'_>], map: impl Fn(&Row<'_>) -> Result<T> + Send) -> Result<Vec<T>> {
        match self {
            Conn::Sqlite(c) => c.all(sql, args, map),
            Conn::Postgres(c) => c.all(sql, args, map).await,
        }
    }

    /// The first row `sql` returns, if any.
    pub async fn one<T>(&self, sql: &str, args: &[Arg<'_>], map: impl Fn(&Row<'_>) -> Result<T> + Send) -> Result<Option<T>> {
        Ok(self.all(sql, args, map).await?.into_iter().next())
    }

    /// Runs a statement and returns how many rows it changed.
    pub async fn exec(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        match self {
            Conn::Sqlite(c) => c.exec(sql, args),
            Conn::Postgres(c) => c.exec(sql, args).await,
        }
    }

    /// What ends a statement that claims rows for this transaction: on
    /// PostgreSQL rows another transaction holds are skipped, so several
    /// nodes claim different rows; SQLite's one writer needs nothing.
    pub fn skip_locked(&self) -> &'static str {
        match self {
            Conn::Sqlite(_) => "",
            Conn::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Serialises the transactions that take this lock (on PostgreSQL, an
    /// advisory lock held until commit), without locking any table: for a
    /// check-then-insert that no unique index can express. SQLite's one
    /// writer serialises every write already.
    pub async fn serialize(&self, name: &'static str) -> Result<()> {
        match self {
            Conn::Sqlite(_) => Ok(()),
            Conn::Postgres(c) => {
                let key = name.bytes().fold(0x006a_6f67_6574_7465_i64, |h, b| h.wrapping_mul(31).wrapping_add(i64::from(b)));
                c.batch(&format!("SELECT pg_advisory_xact_lock({key})")).await
            }
        }
    }

    /// Serialises the writers that number rows of `table` (category positions).
    /// SQLite's one writer serialises every write already.
    pub async fn lock_table(&self, table: &'static str) -> Result<()> {
        match self {
            Conn::Sqlite(_) => Ok(()),
            Conn::Postgres(c) => c.lock_table(table).await,
        }
    }
}

/// A connection inside a write transaction. Besides the change itself it takes
/// the change's side records (events, audit entries, notifications, outbox
/// mail), which commit or roll back with it.
/// What they need done after the commit (waking the live hub, the mailer) is
/// noted here and done by [`super::Store::write`] once the commit is known.
pub struct Tx<'a> {
    conn: Conn<'a>,
    wake: AtomicU8,
}

impl<'a> Tx<'a> {
    pub(super) fn new(conn: Conn<'a>) -> Self {
        Tx { conn, wake: AtomicU8::new(0) }
    }

    /// Asks for `wake` to happen once this transaction has committed.
    pub fn after_commit(&self, wake: Wake) {
        self.wake.fetch_or(wake.0, Ordering::Relaxed);
    }

    pub(super) fn wakes(&self) -> Wake {
        Wake(self.wake.load(Ordering::Relaxed))
    }
}

impl<'a> std::ops::Deref for Tx<'a> {
    type Target = Conn<'a>;
    fn deref(&self) -> &Conn<'a> {
        &self.conn
    }
}

/// Who must hear about a committed write, as a set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wake(u8);

impl Wake {
    pub const NONE: Wake = Wake(0);
    /// New rows in `events`: live pages should catch up.
    pub const EVENTS: Wake = Wake(1);
    /// New mail in the outbox: this node's mailer should look now.
    pub const OUTBOX: Wake = Wake(2);

    pub fn contains(self, other: Wake) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
}

/// A statement parameter. Lists bind as arrays on PostgreSQL and as JSON text
/// (read with `json_each`) on SQLite.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Bytes(&'a [u8]),
    Ints(&'a [i64]),
    Texts(&'a [String]),
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(b: &'a [u8]) -> Self {
        Arg::Bytes(b)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<&i64> for Arg<'_> {
    fn from(n: &i64) -> Self {
        Arg::Int(*n)
    }
}

impl From<bool> for Arg<'_> {
    fn from(b: bool) -> Self {
        Arg::Int(i64::from(b))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Arg::Null, Arg::Int)
    }
}

impl From<&Option<i64>> for Arg<'_> {
    fn from(n: &Option<i64>) -> Self {
        Arg::from(*n)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Arg::Null, Arg::Text)
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(s: &'a Option<String>) -> Self {
        Arg::from(s.as_deref())
    }
}

impl<'a> From<&'a [i64]> for Arg<'a> {
    fn from(ids: &'a [i64]) -> Self {
        Arg::Ints(ids)
    }
}

impl<'a> From<&'a Vec<i64>> for Arg<'a> {
    fn from(ids: &'a Vec<i64>) -> Self {
        Arg::Ints(ids)
    }
}

impl<'a> From<&'a Vec<String>> for Arg<'a> {
    fn from(texts: &'a Vec<String>) -> Self {
        Arg::Texts(texts)
    }
}

impl<'a> From<&'a super::Value> for Arg<'a> {
    fn from(v: &'a super::Value) -> Self {
        match v {
            super::Value::Null => Arg::Null,
            super::Value::Int(n) => Arg::Int(*n),
            super::Value::Text(t) => Arg::Text(t),
            super::Value::Bytes(b) => Arg::Bytes(b),
        }
    }
}

/// `args![a, b, c]`: statement parameters from plain values.
macro_rules! args {
    ($($arg:expr),* $(,)?) => { &[$($crate::app::store::conn::Arg::from($arg)),*] };
}
pub(crate) use args;

/// One row of a result, read by column position.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r tokio_postgres::Row),
}

fn column_error(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::failed(format!("reading column {i}"), e)
}

impl Row<'_> {
    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| column_error(i, UnexpectedNull))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(|e| column_error(i, e)),
            Row::Postgres(r) => {
                use tokio_postgres::types::Type;
                let ty = r.columns().get(i).map(|c| c.type_().clone());
                match ty {
                    Some(Type::INT4) => r.try_get::<_, Option<i32>>(i).map(|n| n.map(i64::from)),
                    Some(Type::INT2) => r.try_get::<_, Option<i16>>(i).map(|n| n.map(i64::from)),
                    _ => r.try_get::<_, Option<i64>>(i),
                }
                .map_err(|e| column_error(i, e))
            }
        }
    }

    pub fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?.ok_or_else(|| column_error(i, UnexpectedNull))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(|e| column_error(i, e)),
            Row::Postgres(r) => r.try_get(i).map_err(|e| column_error(i, e)),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(|e| column_error(i, e)),
            Row::Postgres(r) => r.try_get(i).map_err(|e| column_error(i, e)),
        }
    }

    /// A truth value: `IS NOT NULL`, `EXISTS (…)`, or a 0/1 column (both
    /// stores keep flags as integers; SQLite has no boolean type at all).
    pub fn flag(&self, i: usize) -> Result<bool> {
        match self {
            Row::Sqlite(r) => r.get::<_, i64>(i).map(|n| n != 0).map_err(|e| column_error(i, e)),
            Row::Postgres(r) if r.columns().get(i).is_some_and(|c| *c.type_() == tokio_postgres::types::Type::BOOL) => {
                r.try_get(i).map_err(|e| column_error(i, e))
            }
            Row::Postgres(_) => self.int(i).map(|n| n != 0),
        }
    }

    pub fn real(&self, i: usize) -> Result<f64> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(|e| column_error(i, e)),
            Row::Postgres(r) => {
                if r.columns().get(i).is_some_and(|c| *c.type_() == tokio_postgres::types::Type::FLOAT4) {
                    r.try_get::<_, f32>(i).map(f64::from).map_err(|e| column_error(i, e))
                } else {
                    r.try_get(i).map_err(|e| column_error(i, e))
                }
            }
        }
    }

    /// Whatever the column holds, for copying whole tables.
    pub fn value(&self, i: usize) -> Result<super::Value> {
        use super::Value;
        match self {
            Row::Sqlite(r) => {
                use rusqlite::types::ValueRef;
                Ok(match r.get_ref(i).map_err(|e| column_error(i, e))? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
                    ValueRef::Real(_) => return Err(column_error(i, UnexpectedType)),
                })
            }
            Row::Postgres(r) => {
                use tokio_postgres::types::Type;
                match r.columns().get(i).map(|c| c.type_().clone()) {
                    Some(Type::TEXT | Type::VARCHAR) => Ok(self.opt_text(i)?.map_or(Value::Null, Value::Text)),
                    Some(Type::INT2 | Type::INT4 | Type::INT8) => Ok(self.opt_int(i)?.map_or(Value::Null, Value::Int)),
                    Some(Type::BYTEA) => Ok(r.try_get::<_, Option<Vec<u8>>>(i).map_err(|e| column_error(i, e))?.map_or(Value::Null, Value::Bytes)),
                    _ => Err(column_error(i, UnexpectedType)),
                }
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the column is NULL")]
struct UnexpectedNull;

#[derive(Debug, thiserror::Error)]
#[error("the column holds neither an integer, text nor bytes")]
struct UnexpectedType;
