//! The PostgreSQL store, for communities that outgrow one machine.
//!
//! Several stateless app nodes can share one database: everything that must be
//! shared (sessions, posts, notifications) lives here, and migrations take an
//! advisory lock so nodes starting together don't race. Each write is one
//! transaction; PostgreSQL's own commit (with `synchronous_commit` on, the
//! default) makes an acknowledged write durable, and its WAL groups commits.
//!
//! The SQL mirrors `sqlite.rs`; what differs is the dialect (`$N` parameters,
//! `ON CONFLICT`, `= ANY($1)`, row locks) and the driver's row access.

use super::*;
use crate::domain::markdown::Rendered;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, GenericClient, NoTls, Row};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/postgres/0001_forum_core.sql"),
    include_str!("migrations/postgres/0002_notifications.sql"),
    include_str!("migrations/postgres/0003_events.sql"),
    include_str!("migrations/postgres/0004_session_writes.sql"),
    include_str!("migrations/postgres/0005_search.sql"),
    include_str!("migrations/postgres/0006_search_tiers.sql"),
];

const POOL_SIZE: usize = 8;
/// Any fixed number: it names the lock that serialises migrations across nodes.
const MIGRATION_LOCK: i64 = 0x006a_6f67_6574_7465;

pub struct PgStore {
    primary: Pool,
    /// A streaming replica for read-only queries, when configured.
    replica: Option<Pool>,
    /// NOTIFY channels are shared by the whole database; naming ours after the
    /// schema keeps communities that share a database from waking each other.
    channel: String,
    queries: Arc<AtomicU64>,
    replica_queries: Arc<AtomicU64>,
}

/// A few connections to one server, opened on demand and kept.
struct Pool {
    url: String,
    idle: Arc<Mutex<Vec<Client>>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    fn new(url: &str) -> Self {
        Pool { url: url.to_owned(), idle: Arc::default(), permits: Arc::new(Semaphore::new(POOL_SIZE)) }
    }

    async fn get(&self) -> Result<Pooled> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| StoreError::Database(e.to_string()))?;
        let reused = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let client = match reused {
            Some(client) => client,
            None => {
                let (client, connection) = tokio_postgres::connect(&self.url, NoTls).await?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::warn!(error = %e, "postgres connection closed");
                    }
                });
                client
            }
        };
        Ok(Pooled { client: Some(client), idle: self.idle.clone(), _permit: permit })
    }
}

/// A client borrowed from the pool; it goes back when dropped, unless broken.
struct Pooled {
    client: Option<Client>,
    idle: Arc<Mutex<Vec<Client>>>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl std::ops::Deref for Pooled {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("present until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(client) = self.client.take().filter(|c| !c.is_closed()) {
            self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(client);
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            if *db.code() == SqlState::UNIQUE_VIOLATION {
                let constraint = db.constraint().unwrap_or("");
                return StoreError::Conflict(if constraint.contains("username") {
                    "username"
                } else if constraint.contains("slug") {
                    "slug"
                } else {
                    "id"
                });
            }
            return StoreError::Database(format!("{}: {}", db.code().code(), db.message()));
        }
        StoreError::Database(e.to_string())
    }
}

/// Counts the statements it runs, like the SQLite store's `Db`.
struct Q<'a, C: GenericClient> {
    c: &'a C,
    queries: &'a AtomicU64,
    /// Also counted here when the statements go to the replica.
    replica: Option<&'a AtomicU64>,
}

impl<C: GenericClient> Q<'_, C> {
    fn count(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
        if let Some(replica) = self.replica {
            replica.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl<C: GenericClient + Sync> Q<'_, C> {
    async fn all<T>(&self, sql: &str, params: &[&(dyn ToSql + Sync)], map: impl Fn(&Row) -> T) -> Result<Vec<T>> {
        self.count();
        Ok(self.c.query(sql, params).await?.iter().map(map).collect())
    }

    async fn one<T>(&self, sql: &str, params: &[&(dyn ToSql + Sync)], map: impl Fn(&Row) -> T) -> Result<Option<T>> {
        self.count();
        Ok(self.c.query_opt(sql, params).await?.as_ref().map(map))
    }

    async fn exec(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.count();
        Ok(self.c.execute(sql, params).await?)
    }
}

impl PgStore {
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with_replica(url, None).await
    }

    pub async fn open_with_replica(url: &str, replica: Option<&str>) -> Result<Self> {
        let mut store = PgStore {
            primary: Pool::new(url),
            replica: replica.map(Pool::new),
            channel: String::new(),
            queries: Arc::default(),
            replica_queries: Arc::default(),
        };
        let mut client = store.client().await?;
        migrate(&mut client).await?;
        let schema: String = client.query_one("SELECT current_schema()", &[]).await?.get(0);
        let schema: String = schema.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect();
        drop(client);
        store.channel = format!("jogette_events_{schema}");
        Ok(store)
    }

    async fn client(&self) -> Result<Pooled> {
        self.primary.get().await
    }

    /// Where a read-only query goes: the replica, unless this request writes or
    /// follows its own write closely (see `store::read_from_primary`).
    async fn reader(&self) -> Result<(Pooled, bool)> {
        match &self.replica {
            Some(replica) if !reads_from_primary() => Ok((replica.get().await?, true)),
            _ => Ok((self.primary.get().await?, false)),
        }
    }

    fn qr<'a, C: GenericClient>(&'a self, c: &'a C, on_replica: bool) -> Q<'a, C> {
        Q { c, queries: &self.queries, replica: on_replica.then_some(&*self.replica_queries) }
    }

    fn q<'a, C: GenericClient>(&'a self, c: &'a C) -> Q<'a, C> {
        Q { c, queries: &self.queries, replica: None }
    }
}

async fn migrate(client: &mut Client) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .await?;
    let applied: i64 = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[]).await?.get(0);
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
        let version = index as i64 + 1;
        tx.batch_execute(sql).await.map_err(|e| StoreError::Database(format!("migration {version} failed: {e}")))?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[&version, &now_millis()]).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One term as a tsquery: words are letters and digits only (see `domain::search`).
fn tsquery_term(term: &crate::domain::search::Term) -> String {
    use crate::domain::search::Term;
    match term {
        Term::AnyOf(words) => format!("({})", words.join(" | ")),
        Term::Phrase(words) => format!("({})", words.join(" <-> ")),
    }
}

/// Terms as `to_tsquery` input. Words are letters and digits only, so they
/// can't be operators; `to_tsquery('english', …)` then stems them and drops stop words.
fn tsquery<'a>(terms: impl IntoIterator<Item = &'a crate::domain::search::Term>, all: bool) -> String {
    terms.into_iter().map(tsquery_term).collect::<Vec<_>>().join(if all { " & " } else { " | " })
}

/// Up to how many posts an author-narrowed search tests one by one (see `tier_window`).
const AUTHOR_SCAN_POSTS: i64 = 5_000;

/// Up to `limit` matches of a tier that pass the filters, the newest if `newest`: `id`
/// (thread or post), `created_at` and the `search` vector.
/// Parameters: $1 tsquery, $2 category, $3 author, $4 from, $5 until.
/// With `from_author`, the rows are the author's, each tested against the
/// query: for a member's few hundred posts that is quicker than intersecting a
/// common word's index entries with theirs, which the planner doesn't foresee.
/// (`OFFSET 0` keeps the planner from folding the match back into the index.)
fn tier_window(tier: Tier, params: &SearchParams, newest: bool, from_author: bool, limit: &str) -> String {
    let (threads, posts) = if from_author {
        (
            "(SELECT t.* FROM posts a JOIN threads t ON t.id = a.thread_id WHERE a.user_id = $3 AND a.number = 1 OFFSET 0) t",
            "(SELECT * FROM posts WHERE user_id = $3 OFFSET 0) p",
        )
    } else {
        ("threads t", "posts p")
    };
    let (vector, author, created, extra) = match tier {
        Tier::Threads => ("t.search", "t.user_id", "t.created_at", ""),
        Tier::Replies => ("p.search", "p.user_id", "p.created_at", " AND p.deleted_at IS NULL AND p.number > 1"),
    };
    let filters = params.narrowing_sql(["t.category_id", author, created], |i| format!("${i}"), |i| format!("${i}::bigint IS NULL"));
    // Only a category needs the thread joined to a reply.
    let from = match tier {
        Tier::Threads => threads.to_owned(),
        Tier::Replies if params.category_id.is_some() => format!("{posts} JOIN threads t ON t.id = p.thread_id"),
        Tier::Replies => posts.to_owned(),
    };
    // Title words only: the index narrows on the whole vector, the filter keeps the titles.
    let matched = if params.title_only {
        format!("{vector} @@ to_tsquery('english', $1) AND ts_filter({vector}, '{{a}}')")
    } else {
        vector.to_owned()
    };
    let id = if tier == Tier::Threads { "t.id" } else { "p.id" };
    let order = if newest { format!(" ORDER BY {id} DESC") } else { String::new() };
    format!(
        "SELECT {id} AS id, {created} AS created_at, {vector} AS search FROM {from} \
         WHERE {matched} @@ to_tsquery('english', $1){extra} AND {filters}{order} LIMIT {limit}"
    )
}

/// Runs `work` (statements in the transaction of `q`) allowing only bitmap
/// scans when `only`. Under a LIMIT the planner bets that a sequential or index
/// scan meets enough matches early; when its estimate is high (a date range
/// whose rows all sit at the table's end, a word that fills opening posts but
/// no replies) the bet costs a whole-table scan. A bitmap scan reads only the
/// matches, so counting, and reading a tier's few matches, use nothing else.
async fn with_bitmap_scans_only<T>(q: &Q<'_, impl GenericClient + Sync>, only: bool, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    if !only {
        return work.await;
    }
    let scans = |on: &str| format!("SET LOCAL enable_seqscan = {on}; SET LOCAL enable_indexscan = {on}");
    q.c.batch_execute(&scans("off")).await?;
    let out = work.await?;
    q.c.batch_execute(&scans("on")).await?;
    Ok(out)
}

/// The rows of a tier that a page needs, and the tier's count when any row came back.
async fn tier_rows(q: &Q<'_, impl GenericClient + Sync>, sql: &str, filters: &[&(dyn ToSql + Sync); 5], (offset, limit): (i64, i64)) -> Result<(Vec<TierRow>, Option<i64>)> {
    if limit == 0 {
        return Ok((Vec::new(), None));
    }
    let [query, category, author, from, until] = *filters;
    let rows = q.all(sql, &[query, category, author, from, until, &limit, &offset], |r| ((r.get(0), r.get(1), r.get(2)), r.get::<_, i64>(3))).await?;
    let count = rows.first().map(|r| r.1);
    Ok((rows.into_iter().map(|r| r.0).collect(), count))
}

fn user_from_row(r: &Row) -> User {
    User {
        id: r.get(0),
        username: r.get(1),
        email: r.get(2),
        role: Role::parse(r.get::<_, &str>(3)).unwrap_or(Role::Member),
        created_at: r.get(4),
        post_count: r.get(5),
        thanks_received: r.get(6),
        unread_notifications: 0,
        session_wrote_at: 0,
    }
}

const USER_COLUMNS: &str = "u.id, u.username, u.email, u.role, u.created_at, u.post_count, u.thanks_received";
const CATEGORY_COLUMNS: &str = "id, slug, name, description, position, thread_count, post_count";

fn category_from_row(r: &Row) -> Category {
    Category {
        id: r.get(0),
        slug: r.get(1),
        name: r.get(2),
        description: r.get(3),
        position: r.get(4),
        thread_count: r.get(5),
        post_count: r.get(6),
    }
}

const THREAD_SELECT: &str = "SELECT t.id, t.title, t.slug, c.slug, c.name, t.user_id, t.created_at, t.post_count, t.reply_count, c.id \
     FROM threads t JOIN categories c ON c.id = t.category_id";

fn thread_from_row(r: &Row) -> Thread {
    Thread {
        id: r.get(0),
        title: r.get(1),
        slug: r.get(2),
        category_slug: r.get(3),
        category_name: r.get(4),
        user_id: r.get(5),
        created_at: r.get(6),
        post_count: r.get(7),
        reply_count: r.get(8),
        category_id: r.get(9),
    }
}

/// As in SQLite: the post, its author, the post it answers and that post's
/// author, and whether the viewer ($1) thanked it, in one statement.
const POST_SELECT: &str = "SELECT p.id, p.thread_id, p.number, p.user_id, u.username, p.body, p.html, p.excerpt, \
       p.mentions, p.thanks_count, p.created_at, p.edited_at, p.deleted_at IS NOT NULL, \
       r.id, r.number, ru.username, r.excerpt, r.deleted_at IS NOT NULL, \
       EXISTS (SELECT 1 FROM thanks k WHERE k.post_id = p.id AND k.user_id = $1::bigint) \
     FROM posts p JOIN users u ON u.id = p.user_id \
     LEFT JOIN posts r ON r.id = p.reply_to LEFT JOIN users ru ON ru.id = r.user_id";

fn post_from_row(r: &Row) -> Post {
    let mentions: &str = r.get(8);
    Post {
        id: r.get(0),
        thread_id: r.get(1),
        number: r.get(2),
        user_id: r.get(3),
        author: r.get(4),
        body: r.get(5),
        html: r.get(6),
        excerpt: r.get(7),
        mentions: serde_json::from_str(mentions).unwrap_or_default(),
        thanks: r.get(9),
        created_at: r.get(10),
        edited_at: r.get(11),
        deleted: r.get(12),
        reply_to: r.get::<_, Option<i64>>(13).map(|post_id| ReplyContext {
            post_id,
            number: r.get(14),
            author: r.get(15),
            excerpt: r.get(16),
            deleted: r.get(17),
        }),
        thanked: r.get(18),
    }
}

async fn post_by_id<C: GenericClient + Sync>(q: &Q<'_, C>, id: i64, viewer: Option<i64>) -> Result<Option<Post>> {
    q.one(&format!("{POST_SELECT} WHERE p.id = $2"), &[&viewer, &id], post_from_row).await
}

async fn thread_by_id<C: GenericClient + Sync>(q: &Q<'_, C>, id: i64) -> Result<Option<Thread>> {
    q.one(&format!("{THREAD_SELECT} WHERE t.id = $1"), &[&id], thread_from_row).await
}

async fn insert_post<C: GenericClient + Sync>(q: &Q<'_, C>, thread_id: i64, post: &NewPost) -> Result<i64> {
    // The row lock hands out post numbers one at a time per thread.
    let (category_id, number): (i64, i64) = q
        .one("SELECT category_id, post_count + 1 FROM threads WHERE id = $1 FOR UPDATE", &[&thread_id], |r| (r.get(0), r.get(1)))
        .await?
        .ok_or(StoreError::NotFound)?;
    if let Some(reply_to) = post.reply_to {
        q.one("SELECT 1 FROM posts WHERE id = $1 AND thread_id = $2", &[&reply_to, &thread_id], |_| ()).await?.ok_or(StoreError::NotFound)?;
    }
    let mentions = serde_json::to_string(&post.rendered.mentions).unwrap_or_else(|_| "[]".into());
    let id: i64 = q
        .one(
            "INSERT INTO posts (thread_id, number, user_id, reply_to, body, html, excerpt, mentions, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[&thread_id, &number, &post.author_id, &post.reply_to, &post.body, &post.rendered.html, &post.rendered.excerpt, &mentions, &post.created_at],
            |r| r.get(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let is_reply = i64::from(number > 1);
    q.exec(
        "UPDATE threads SET post_count = post_count + 1, reply_count = reply_count + $2, last_post_at = $3, last_post_user_id = $4 WHERE id = $1",
        &[&thread_id, &is_reply, &post.created_at, &post.author_id],
    )
    .await?;
    q.exec("UPDATE categories SET post_count = post_count + 1 WHERE id = $1", &[&category_id]).await?;
    q.exec("UPDATE users SET post_count = post_count + 1 WHERE id = $1", &[&post.author_id]).await?;
    record_mentions(q, id, &post.rendered.mentions).await?;
    Ok(id)
}

async fn record_mentions<C: GenericClient + Sync>(q: &Q<'_, C>, post_id: i64, usernames: &[String]) -> Result<()> {
    q.exec("DELETE FROM post_mentions WHERE post_id = $1", &[&post_id]).await?;
    if !usernames.is_empty() {
        let lower: Vec<String> = usernames.iter().map(|n| n.to_ascii_lowercase()).collect();
        q.exec(
            "INSERT INTO post_mentions (post_id, user_id) SELECT $1, id FROM users WHERE username_lower = ANY($2) ON CONFLICT DO NOTHING",
            &[&post_id, &lower],
        )
        .await?;
    }
    Ok(())
}

/// Runs `body` in one transaction, committed before returning.
macro_rules! transaction {
    ($store:expr, |$q:ident| $body:block) => {{
        let mut client = $store.client().await?;
        let tx = client.transaction().await?;
        let result = {
            let $q = $store.q(&tx);
            async { $body }.await
        };
        match result {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }};
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> Result<()> {
        let client = self.client().await?;
        self.q(&*client).one("SELECT 1", &[], |_| ()).await.map(|_| ())
    }

    fn queries_executed(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    fn replica_queries_executed(&self) -> u64 {
        self.replica_queries.load(Ordering::Relaxed)
    }

    async fn is_empty(&self) -> Result<bool> {
        let client = self.client().await?;
        Ok(self.q(&*client).one("SELECT 1 FROM users LIMIT 1", &[], |_| ()).await?.is_none())
    }

    async fn create_user(&self, username: &str, email: Option<&str>, password_hash: &str, role: Role) -> Result<User> {
        let client = self.client().await?;
        let now = now_millis();
        let id: i64 = self
            .q(&*client)
            .one(
                "INSERT INTO users (username, username_lower, email, password_hash, role, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&username, &username.to_ascii_lowercase(), &email, &password_hash, &role.as_str(), &now],
                |r| r.get(0),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(User {
            id,
            username: username.to_owned(),
            email: email.map(str::to_owned),
            role,
            created_at: now,
            post_count: 0,
            thanks_received: 0,
            unread_notifications: 0,
            session_wrote_at: 0,
        })
    }

    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let client = self.client().await?;
        self.q(&*client)
            .one(
                &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username_lower = $1"),
                &[&username.to_ascii_lowercase()],
                |r| (user_from_row(r), r.get(7)),
            )
            .await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let (client, on_replica) = self.reader().await?;
        self.qr(&*client, on_replica)
            .one(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username_lower = $1"), &[&username.to_ascii_lowercase()], user_from_row)
            .await
    }

    async fn resolve_usernames(&self, lowercase_names: Vec<String>) -> Result<HashMap<String, String>> {
        if lowercase_names.is_empty() {
            return Ok(HashMap::new());
        }
        let client = self.client().await?;
        let pairs = self
            .q(&*client)
            .all("SELECT username_lower, username FROM users WHERE username_lower = ANY($1)", &[&lowercase_names], |r| {
                (r.get::<_, String>(0), r.get::<_, String>(1))
            })
            .await?;
        Ok(pairs.into_iter().collect())
    }

    async fn recent_posts_by(&self, user_id: i64, limit: i64) -> Result<Vec<PostSummary>> {
        let (client, on_replica) = self.reader().await?;
        self.qr(&*client, on_replica)
            .all(
                "SELECT p.id, p.thread_id, t.title, t.slug, p.number, p.excerpt, p.created_at \
                 FROM posts p JOIN threads t ON t.id = p.thread_id \
                 WHERE p.user_id = $1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT $2",
                &[&user_id, &limit],
                |r| PostSummary {
                    post_id: r.get(0),
                    thread_id: r.get(1),
                    thread_title: r.get(2),
                    thread_slug: r.get(3),
                    number: r.get(4),
                    excerpt: r.get(5),
                    created_at: r.get(6),
                },
            )
            .await
    }

    async fn create_session(&self, token_hash: &str, user_id: i64, kind: SessionKind, expires_at: i64) -> Result<()> {
        let kind = match kind {
            SessionKind::Cookie => "cookie",
            SessionKind::Api => "api",
        };
        let client = self.client().await?;
        self.q(&*client)
            .exec(
                "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[&token_hash, &user_id, &kind, &now_millis(), &expires_at],
            )
            .await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<User>> {
        let client = self.client().await?;
        self.q(&*client)
            .one(
                &format!(
                    "SELECT {USER_COLUMNS}, \
                       (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL), s.last_write_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2"
                ),
                &[&token_hash, &now],
                |r| User { unread_notifications: r.get(7), session_wrote_at: r.get(8), ..user_from_row(r) },
            )
            .await
    }

    async fn touch_session(&self, token_hash: &str) -> Result<()> {
        let client = self.client().await?;
        self.q(&*client).exec("UPDATE sessions SET last_write_at = $2 WHERE token_hash = $1", &[&token_hash, &now_millis()]).await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let client = self.client().await?;
        self.q(&*client).exec("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash]).await?;
        Ok(())
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        let (client, on_replica) = self.reader().await?;
        self.qr(&*client, on_replica).all(&format!("SELECT {CATEGORY_COLUMNS} FROM categories ORDER BY position, name"), &[], category_from_row).await
    }

    async fn category(&self, slug: &str) -> Result<Option<Category>> {
        let (client, on_replica) = self.reader().await?;
        self.qr(&*client, on_replica).one(&format!("SELECT {CATEGORY_COLUMNS} FROM categories WHERE slug = $1"), &[&slug], category_from_row).await
    }

    async fn create_category(&self, input: CategoryInput) -> Result<Category> {
        transaction!(self, |q| {
            // Serialise position numbering between concurrent admins.
            q.exec("LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE", &[]).await?;
            q.one(
                &format!(
                    "INSERT INTO categories (slug, name, description, position, created_at) \
                     VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories), $4) \
                     RETURNING {CATEGORY_COLUMNS}"
                ),
                &[&input.slug, &input.name, &input.description, &now_millis()],
                category_from_row,
            )
            .await?
            .ok_or(StoreError::NotFound)
        })
    }

    async fn update_category(&self, slug: &str, input: CategoryInput) -> Result<Category> {
        let client = self.client().await?;
        self.q(&*client)
            .one(
                &format!("UPDATE categories SET slug = $2, name = $3, description = $4 WHERE slug = $1 RETURNING {CATEGORY_COLUMNS}"),
                &[&slug, &input.slug, &input.name, &input.description],
                category_from_row,
            )
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn threads(&self, category_id: Option<i64>, page: i64, per_page: i64) -> Result<Listing<ThreadSummary>> {
        let (client, on_replica) = self.reader().await?;
        let q = self.qr(&*client, on_replica);
        let offset = page_offset(page, per_page);
        let items = q
            .all(
                &format!(
                    "SELECT t.id, t.title, t.slug, c.slug, c.name, a.username, t.created_at, t.last_post_at, l.username, t.reply_count \
                     FROM ({THREAD_PAGE}) page JOIN threads t ON t.id = page.id JOIN categories c ON c.id = t.category_id \
                     JOIN users a ON a.id = t.user_id JOIN users l ON l.id = t.last_post_user_id ORDER BY t.last_post_at DESC, t.id DESC",
                    THREAD_PAGE = thread_page(category_id.is_some(), "$1::bigint", "$2", "$3")
                ),
                &[&category_id, &per_page, &offset],
                |r| ThreadSummary {
                    id: r.get(0),
                    title: r.get(1),
                    slug: r.get(2),
                    category_slug: r.get(3),
                    category_name: r.get(4),
                    author: r.get(5),
                    created_at: r.get(6),
                    last_post_at: r.get(7),
                    last_poster: r.get(8),
                    replies: r.get(9),
                },
            )
            .await?;
        let total = q
            .one(
                "SELECT COALESCE(SUM(thread_count), 0)::bigint FROM categories WHERE $1::bigint IS NULL OR id = $1",
                &[&category_id],
                |r| r.get(0),
            )
            .await?
            .unwrap_or(0);
        Ok(Listing { items, total })
    }

    async fn create_thread(&self, thread: NewThread) -> Result<(Thread, Post)> {
        transaction!(self, |q| {
            let now = thread.first_post.created_at;
            let author = thread.first_post.author_id;
            let id: i64 = q
                .one(
                    "INSERT INTO threads (category_id, user_id, title, slug, created_at, last_post_at, last_post_user_id) \
                     VALUES ($1, $2, $3, $4, $5, $5, $2) RETURNING id",
                    &[&thread.category_id, &author, &thread.title, &thread.slug, &now],
                    |r| r.get(0),
                )
                .await?
                .ok_or(StoreError::NotFound)?;
            q.exec("UPDATE categories SET thread_count = thread_count + 1 WHERE id = $1", &[&thread.category_id]).await?;
            let post_id = insert_post(&q, id, &thread.first_post).await?;
            let saved = thread_by_id(&q, id).await?.ok_or(StoreError::NotFound)?;
            let post = post_by_id(&q, post_id, Some(author)).await?.ok_or(StoreError::NotFound)?;
            Ok((saved, post))
        })
    }

    async fn thread(&self, id: i64) -> Result<Option<Thread>> {
        let (client, on_replica) = self.reader().await?;
        thread_by_id(&self.qr(&*client, on_replica), id).await
    }

    async fn thread_posts(&self, thread_id: i64, first: i64, last: i64, viewer: Option<i64>) -> Result<Vec<Post>> {
        let (client, on_replica) = self.reader().await?;
        self.qr(&*client, on_replica)
            .all(
                &format!("{POST_SELECT} WHERE p.thread_id = $2 AND p.number BETWEEN $3 AND $4 ORDER BY p.number"),
                &[&viewer, &thread_id, &first, &last],
                post_from_row,
            )
            .await
    }

    async fn post(&self, id: i64, viewer: Option<i64>) -> Result<Option<Post>> {
        let (client, on_replica) = self.reader().await?;
        post_by_id(&self.qr(&*client, on_replica), id, viewer).await
    }

    async fn create_post(&self, thread_id: i64, post: NewPost) -> Result<Post> {
        transaction!(self, |q| {
            let id = insert_post(&q, thread_id, &post).await?;
            post_by_id(&q, id, Some(post.author_id)).await?.ok_or(StoreError::NotFound)
        })
    }

    async fn edit_post(&self, post_id: i64, editor_id: i64, body: String, rendered: Rendered) -> Result<Post> {
        transaction!(self, |q| {
            let now = now_millis();
            let kept = q
                .exec(
                    "INSERT INTO post_revisions (post_id, body, html, created_at, replaced_at, replaced_by) \
                     SELECT id, body, html, COALESCE(edited_at, created_at), $2, $3 FROM posts WHERE id = $1 AND deleted_at IS NULL",
                    &[&post_id, &now, &editor_id],
                )
                .await?;
            if kept == 0 {
                return Err(StoreError::NotFound);
            }
            let mentions = serde_json::to_string(&rendered.mentions).unwrap_or_else(|_| "[]".into());
            q.exec(
                "UPDATE posts SET body = $2, html = $3, excerpt = $4, mentions = $5, edited_at = $6 WHERE id = $1",
                &[&post_id, &body, &rendered.html, &rendered.excerpt, &mentions, &now],
            )
            .await?;
            record_mentions(&q, post_id, &rendered.mentions).await?;
            post_by_id(&q, post_id, Some(editor_id)).await?.ok_or(StoreError::NotFound)
        })
    }

    async fn delete_post(&self, post_id: i64) -> Result<()> {
        transaction!(self, |q| {
            let (thread_id, user_id, number): (i64, i64, i64) = q
                .one(
                    "UPDATE posts SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING thread_id, user_id, number",
                    &[&post_id, &now_millis()],
                    |r| (r.get(0), r.get(1), r.get(2)),
                )
                .await?
                .ok_or(StoreError::NotFound)?;
            if number > 1 {
                q.exec("UPDATE threads SET reply_count = reply_count - 1 WHERE id = $1", &[&thread_id]).await?;
            }
            q.exec("UPDATE users SET post_count = post_count - 1 WHERE id = $1", &[&user_id]).await?;
            Ok(())
        })
    }

    async fn revisions(&self, post_id: i64) -> Result<Vec<Revision>> {
        let (client, on_replica) = self.reader().await?;
        self.qr(&*client, on_replica)
            .all(
                "SELECT body, html, created_at, replaced_at FROM post_revisions WHERE post_id = $1 ORDER BY id",
                &[&post_id],
                |r| Revision { body: r.get(0), html: r.get(1), created_at: r.get(2), replaced_at: r.get(3) },
            )
            .await
    }

    async fn set_thanks(&self, post_id: i64, user_id: i64, thanked: bool) -> Result<i64> {
        transaction!(self, |q| {
            let author: i64 = q
                .one("SELECT user_id FROM posts WHERE id = $1 FOR UPDATE", &[&post_id], |r| r.get(0))
                .await?
                .ok_or(StoreError::NotFound)?;
            let changed = if thanked {
                q.exec(
                    "INSERT INTO thanks (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    &[&post_id, &user_id, &now_millis()],
                )
                .await?
            } else {
                q.exec("DELETE FROM thanks WHERE post_id = $1 AND user_id = $2", &[&post_id, &user_id]).await?
            } as i64;
            let delta = if thanked { changed } else { -changed };
            if delta != 0 {
                q.exec("UPDATE posts SET thanks_count = thanks_count + $2 WHERE id = $1", &[&post_id, &delta]).await?;
                q.exec("UPDATE users SET thanks_received = thanks_received + $2 WHERE id = $1", &[&author, &delta]).await?;
            }
            Ok(q.one("SELECT thanks_count FROM posts WHERE id = $1", &[&post_id], |r| r.get(0)).await?.unwrap_or(0))
        })
    }

    async fn notify_staff(&self, kind: &str, post_id: i64, actor_id: i64) -> Result<usize> {
        let client = self.client().await?;
        let told = self
            .q(&*client)
            .exec(
                "INSERT INTO notifications (user_id, kind, post_id, actor_id, created_at) \
                 SELECT id, $1, $2, $3, $4 FROM users WHERE role IN ('moderator', 'admin')",
                &[&kind, &post_id, &actor_id, &now_millis()],
            )
            .await?;
        Ok(told as usize)
    }

    async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        let (client, on_replica) = self.reader().await?;
        self.qr(&*client, on_replica)
            .all(
                "SELECT n.id, n.kind, n.post_id, t.id, t.title, t.slug, p.number, a.username, p.excerpt, n.created_at, \
                        n.read_at IS NOT NULL \
                 FROM notifications n LEFT JOIN posts p ON p.id = n.post_id LEFT JOIN threads t ON t.id = p.thread_id \
                 LEFT JOIN users a ON a.id = n.actor_id \
                 WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
                &[&user_id, &limit],
                |r| Notification {
                    id: r.get(0),
                    kind: r.get(1),
                    post_id: r.get(2),
                    thread_id: r.get(3),
                    thread_title: r.get(4),
                    thread_slug: r.get(5),
                    number: r.get(6),
                    actor: r.get(7),
                    excerpt: r.get(8),
                    created_at: r.get(9),
                    read: r.get(10),
                },
            )
            .await
    }

    async fn mark_notifications_read(&self, user_id: i64) -> Result<()> {
        let client = self.client().await?;
        self.q(&*client)
            .exec("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL", &[&user_id, &now_millis()])
            .await?;
        Ok(())
    }

    async fn append_event(&self, event: NewEvent) -> Result<i64> {
        transaction!(self, |q| {
            let id: i64 = q
                .one(
                    "INSERT INTO events (kind, thread_id, post_id, category_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &[&event.kind, &event.thread_id, &event.post_id, &event.category_id, &now_millis()],
                    |r| r.get(0),
                )
                .await?
                .ok_or(StoreError::NotFound)?;
            // Delivered at commit, to every node listening.
            q.exec("SELECT pg_notify($1, $2)", &[&self.channel, &id.to_string()]).await?;
            Ok(id)
        })
    }

    async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
        let client = self.client().await?;
        self.q(&*client)
            .all(
                "SELECT id, kind, thread_id, post_id, category_id, created_at FROM events WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &limit],
                |r| Event {
                    id: r.get(0),
                    kind: r.get(1),
                    thread_id: r.get(2),
                    post_id: r.get(3),
                    category_id: r.get(4),
                    created_at: r.get(5),
                },
            )
            .await
    }

    async fn latest_event_id(&self) -> Result<i64> {
        let client = self.client().await?;
        Ok(self.q(&*client).one("SELECT COALESCE(MAX(id), 0)::bigint FROM events", &[], |r| r.get(0)).await?.unwrap_or(0))
    }

    fn event_signals(&self) -> Option<tokio::sync::mpsc::Receiver<()>> {
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(listen_for_events(self.primary.url.clone(), self.channel.clone(), tx));
        Some(rx)
    }

    async fn export_table(&self, table: &'static str) -> Result<Rows> {
        let columns = columns_of(table);
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let client = self.client().await?;
        self.q(&*client)
            .all(&format!("SELECT {} FROM {table} ORDER BY {}", names.join(", "), order_by(table)), &[], |r| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, kind))| match kind {
                        Kind::Int => r.get::<_, Option<i64>>(i).map_or(Value::Null, Value::Int),
                        Kind::Text => r.get::<_, Option<String>>(i).map_or(Value::Null, Value::Text),
                    })
                    .collect()
            })
            .await
    }

    async fn import_tables(&self, tables: Vec<(&'static str, Rows)>) -> Result<()> {
        transaction!(self, |q| {
            for (table, rows) in &tables {
                let columns = columns_of(table);
                let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
                // Several rows per statement: one round trip per hundred rows, not per row.
                for chunk in rows.chunks(100) {
                    let mut marks = Vec::with_capacity(chunk.len());
                    let mut ints: Vec<Option<i64>> = Vec::new();
                    let mut texts: Vec<Option<String>> = Vec::new();
                    let mut order: Vec<(Kind, usize)> = Vec::new();
                    for (r, row) in chunk.iter().enumerate() {
                        let slots: Vec<String> = (0..columns.len()).map(|c| format!("${}", r * columns.len() + c + 1)).collect();
                        marks.push(format!("({})", slots.join(", ")));
                        for ((_, kind), value) in columns.iter().zip(row) {
                            match kind {
                                Kind::Int => {
                                    ints.push(if let Value::Int(n) = value { Some(*n) } else { None });
                                    order.push((Kind::Int, ints.len() - 1));
                                }
                                Kind::Text => {
                                    texts.push(if let Value::Text(t) = value { Some(t.clone()) } else { None });
                                    order.push((Kind::Text, texts.len() - 1));
                                }
                            }
                        }
                    }
                    let params: Vec<&(dyn ToSql + Sync)> = order
                        .iter()
                        .map(|(kind, i)| match kind {
                            Kind::Int => &ints[*i] as &(dyn ToSql + Sync),
                            Kind::Text => &texts[*i] as &(dyn ToSql + Sync),
                        })
                        .collect();
                    let sql = format!("INSERT INTO {table} ({}) VALUES {}", names.join(", "), marks.join(", "));
                    q.exec(&sql, &params).await?;
                }
                // Plans cached while the table was small (foreign-key checks, trigger
                // statements) would otherwise keep scanning it whole as it grows.
                q.exec(&format!("ANALYZE {table}"), &[]).await?;
                // Identity columns must carry on after the copied ids.
                if columns[0] == ("id", Kind::Int) {
                    q.exec(
                        &format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"),
                        &[],
                    )
                    .await?;
                }
            }
            Ok(())
        })
    }

    async fn set_counters(&self, member_posts: &[i64], category_threads: &[i64], category_posts: &[i64]) -> Result<()> {
        let ids: Vec<i64> = (1..=member_posts.len() as i64).collect();
        let category_ids: Vec<i64> = (1..=category_threads.len() as i64).collect();
        let (members, threads, posts) = (member_posts.to_vec(), category_threads.to_vec(), category_posts.to_vec());
        transaction!(self, |q| {
            q.exec("UPDATE users u SET post_count = c.n FROM unnest($1::bigint[], $2::bigint[]) AS c(id, n) WHERE u.id = c.id", &[&ids, &members]).await?;
            q.exec(
                "UPDATE categories k SET thread_count = c.t, post_count = c.p FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS c(id, t, p) WHERE k.id = c.id",
                &[&category_ids, &threads, &posts],
            )
            .await?;
            Ok(())
        })
    }

    async fn count_rows(&self, table: &'static str) -> Result<i64> {
        let client = self.client().await?;
        Ok(self.q(&*client).one(&format!("SELECT COUNT(*) FROM {table}"), &[], |r| r.get(0)).await?.unwrap_or(0))
    }

    async fn search(&self, params: SearchParams) -> Result<Found> {
        if params.query.is_empty() {
            return Ok(Found::none());
        }
        let query = tsquery(&params.query.terms, params.match_all);
        let (mut client, on_replica) = self.reader().await?;
        // One transaction, so that plan settings can change for single statements.
        let tx = client.transaction().await?;
        let q = self.qr(&tx, on_replica);
        let filters: [&(dyn ToSql + Sync); 5] = [&query, &params.category_id, &params.author_id, &params.from, &params.until];
        let from_author = match params.author_id {
            Some(id) => q.one("SELECT post_count FROM users WHERE id = $1", &[&id], |r| r.get::<_, i64>(0)).await?.is_some_and(|n| n <= AUTHOR_SCAN_POSTS),
            None => false,
        };
        let count = |tier, up_to: i64| {
            let q = &q;
            // Any matches will do for counting, so no newest-first scan.
            let sql = format!("SELECT count(*) FROM (SELECT 1 FROM ({}) w LIMIT $6) c", tier_window(tier, &params, false, from_author, "$6"));
            async move {
                if up_to == 0 {
                    return Ok(0);
                }
                let [query, category, author, from, until] = filters;
                let n = with_bitmap_scans_only(q, true, q.one(&sql, &[query, category, author, from, until, &up_to], |r| r.get::<_, i64>(0))).await?;
                Ok::<_, StoreError>(n.unwrap_or(0))
            }
        };
        let rows_sql = |tier| {
            let post = match tier {
                Tier::Threads => "JOIN posts p ON p.thread_id = w.id AND p.number = 1",
                Tier::Replies => "JOIN posts p ON p.id = w.id",
            };
            let rank = "ts_rank(r.search, to_tsquery('english', $1))::float8";
            // Rank and cut first; only the page's rows meet the posts table. By date,
            // only the page's rows are ranked, for their scores.
            let (order, inner_score, score) = if params.newest_first {
                ("w.id DESC", "0", rank.replace("r.", "w."))
            } else {
                ("w.s DESC, w.id DESC", rank, "w.s".to_owned())
            };
            // By relevance the whole window is ranked; by date the page's end is enough.
            let window = if params.newest_first { "($6::bigint + $7::bigint)".to_owned() } else { RANK_WINDOW.to_string() };
            format!(
                "SELECT p.id, {score}, w.created_at, w.n FROM (SELECT r.id, r.created_at, r.search, {inner_score} AS s, \
                 count(*) OVER () AS n FROM ({}) r ORDER BY {} LIMIT $6 OFFSET $7) w {post} ORDER BY {order}",
                tier_window(tier, &params, true, from_author, &window),
                order.replace("w.", "")
            )
        };
        // The page's first slice assumes the tier has enough rows; by relevance the
        // count comes with them (by date the rows stop at the page's end).
        let [wanted, _] = tier_slices(&params, i64::MAX);
        let (threads, counted) = tier_rows(&q, &rows_sql(Tier::Threads), &filters, wanted).await?;
        let thread_count = match counted.filter(|_| !params.newest_first) {
            Some(n) => n,
            None => count(Tier::Threads, RANK_WINDOW).await?,
        };
        let budget = replies_to_count(&params, thread_count);
        let reply_count = count(Tier::Replies, budget).await?;
        let reply_slice = tier_slices(&params, thread_count)[1];
        let replies = if reply_slice.1 > 0 && reply_slice.0 < reply_count {
            // Fewer matches than the count allowed for: read them as they were counted.
            let few = reply_count < budget;
            with_bitmap_scans_only(&q, few, tier_rows(&q, &rows_sql(Tier::Replies), &filters, reply_slice)).await?.0
        } else {
            Vec::new()
        };
        let page = compose_page(&params, threads, replies);
        let ids: Vec<i64> = page.iter().map(|r| r.0).collect();
        let found = q
            .all(
                "SELECT p.id, p.thread_id, p.number, t.title, t.slug, u.username, p.created_at, p.body \
                 FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.user_id WHERE p.id = ANY($1)",
                &[&ids],
                |r| HitRow {
                    post_id: r.get(0),
                    thread_id: r.get(1),
                    number: r.get(2),
                    title: r.get(3),
                    thread_slug: r.get(4),
                    author: r.get(5),
                    created_at: r.get(6),
                    body: r.get(7),
                },
            )
            .await?;
        tx.commit().await?;
        Ok(Found::counted(hits_in_order(&params.query, &page, found), thread_count, reply_count))
    }

    async fn similar_threads(&self, query: crate::domain::search::Query, limit: i64) -> Result<Vec<SimilarThread>> {
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let (client, on_replica) = self.reader().await?;
        let q = self.qr(&*client, on_replica);
        // Threads with the draft's rarest words are considered; all its words score them.
        let terms: Vec<String> = query.terms.iter().map(tsquery_term).collect();
        let counts_sql = (1..=terms.len())
            .map(|i| format!("(SELECT count(*) FROM (SELECT 1 FROM threads WHERE search @@ to_tsquery('english', ${i}) LIMIT {}) x)", SIMILAR_BUDGET + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let params: Vec<&(dyn ToSql + Sync)> = terms.iter().map(|t| t as &(dyn ToSql + Sync)).collect();
        let counts: Vec<i64> = q
            .one(&format!("SELECT {counts_sql}"), &params, |r| (0..terms.len()).map(|i| r.get(i)).collect())
            .await?
            .unwrap_or_default();
        let selective = crate::domain::search::selective_terms(&counts, SIMILAR_BUDGET);
        if selective.is_empty() {
            return Ok(Vec::new());
        }
        let admit = tsquery(selective.iter().map(|&i| &query.terms[i]), false);
        let score = tsquery(&query.terms, false);
        let ranked: Vec<i64> = q
            .all(
                &format!(
                    "SELECT id FROM (SELECT id, search FROM threads WHERE search @@ to_tsquery('english', $1) ORDER BY id DESC LIMIT {SIMILAR_BUDGET}) w \
                     ORDER BY ts_rank(search, to_tsquery('english', $2)) DESC, id DESC LIMIT $3"
                ),
                &[&admit, &score, &limit],
                |r| r.get(0),
            )
            .await?;
        let threads = q
            .all("SELECT id, title, slug, reply_count FROM threads WHERE id = ANY($1)", &[&ranked], |r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .await?;
        let posts = q
            .all(
                "SELECT thread_id, number, body FROM posts WHERE thread_id = ANY($1) AND number <= $2 AND deleted_at IS NULL ORDER BY thread_id, number",
                &[&ranked, &(SIMILAR_REPLIES_READ + 1)],
                |r| (r.get(0), r.get(1), r.get(2)),
            )
            .await?;
        Ok(similar_in_order(&query, &ranked, threads, posts))
    }
}

/// Holds a connection that LISTENs for new events and signals each one. When
/// the connection drops it reconnects, and signals once more on reconnecting:
/// notifications sent while it was away are lost, so the hub resyncs from the table.
async fn listen_for_events(url: String, channel: String, signals: tokio::sync::mpsc::Sender<()>) {
    use futures_util::StreamExt;
    let mut backoff = std::time::Duration::from_millis(100);
    loop {
        match tokio_postgres::connect(&url, NoTls).await {
            Ok((client, mut connection)) => {
                let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                let statement = format!("LISTEN {channel}");
                let listen = client.batch_execute(&statement);
                // The connection must be polled for LISTEN to complete.
                let listened = tokio::select! {
                    r = listen => r.is_ok(),
                    _ = messages.next() => false,
                };
                if listened {
                    backoff = std::time::Duration::from_millis(100);
                    if signals.send(()).await.is_err() {
                        return;
                    }
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(tokio_postgres::AsyncMessage::Notification(_)) => {
                                if signals.send(()).await.is_err() {
                                    return;
                                }
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "event listener connection lost; reconnecting");
                                break;
                            }
                        }
                    }
                }
                drop(client);
            }
            Err(e) => tracing::warn!(error = %e, "event listener cannot connect; retrying"),
        }
        if signals.is_closed() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(std::time::Duration::from_secs(5));
    }
}
