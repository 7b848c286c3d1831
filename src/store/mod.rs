//! Persistence behind one [`Store`] trait.
//!
//! The web layer asks for forum things (a thread page, a new post) and gets
//! plain types back; it never sees SQL. The SQLite implementation lives in
//! [`sqlite`]; a PostgreSQL one will sit beside it with its own migrations,
//! sharing these types and the behaviour tests.
//!
//! Writes return what they wrote, so callers can emit events after commit.

pub mod postgres;
pub mod sqlite;

use crate::domain::{Role, markdown::Rendered};
use async_trait::async_trait;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; names the field the user should change.
    #[error("{0} is already taken")]
    Conflict(&'static str),
    #[error("database error: {0}")]
    Database(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip)]
    pub email: Option<String>,
    pub role: Role,
    pub created_at: i64,
    pub post_count: i64,
    pub thanks_received: i64,
    /// Filled in by [`Store::session_user`] (0 elsewhere), so every page can show it without another query.
    #[serde(skip)]
    pub unread_notifications: i64,
    /// When this session last wrote (from [`Store::session_user`]; 0 elsewhere).
    #[serde(skip)]
    pub session_wrote_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Cookie,
    Api,
}

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub thread_count: i64,
    pub post_count: i64,
}

#[derive(Debug, Clone)]
pub struct CategoryInput {
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// A thread as a row in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadSummary {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_slug: String,
    pub category_name: String,
    pub author: String,
    pub created_at: i64,
    pub last_post_at: i64,
    pub last_poster: String,
    pub replies: i64,
}

#[derive(Debug, Clone)]
pub struct Thread {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_id: i64,
    pub category_slug: String,
    pub category_name: String,
    pub user_id: i64,
    pub created_at: i64,
    /// Highest post number handed out; pages are ranges of numbers.
    pub post_count: i64,
    pub reply_count: i64,
}

/// The post a reply answers, enough to show "in reply to #3 by ann: …".
#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub post_id: i64,
    pub number: i64,
    pub author: String,
    pub excerpt: String,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct Post {
    pub id: i64,
    pub thread_id: i64,
    pub number: i64,
    pub user_id: i64,
    pub author: String,
    pub body: String,
    pub html: String,
    pub excerpt: String,
    pub reply_to: Option<ReplyContext>,
    pub mentions: Vec<String>,
    pub thanks: i64,
    /// Whether the member reading has thanked it (false for guests).
    pub thanked: bool,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct Revision {
    pub body: String,
    pub html: String,
    pub created_at: i64,
    pub replaced_at: i64,
}

/// A member's post as listed on their profile.
#[derive(Debug, Clone)]
pub struct PostSummary {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub thread_slug: String,
    pub number: i64,
    pub excerpt: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewPost {
    pub author_id: i64,
    /// Unix milliseconds; "now" except when importing or loading the demo.
    pub created_at: i64,
    pub reply_to: Option<i64>,
    pub body: String,
    pub rendered: Rendered,
}

#[derive(Debug, Clone)]
pub struct NewThread {
    pub category_id: i64,
    pub title: String,
    pub slug: String,
    pub first_post: NewPost,
}

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub post_id: Option<i64>,
    pub thread_id: Option<i64>,
    pub thread_title: Option<String>,
    pub thread_slug: Option<String>,
    pub number: Option<i64>,
    pub actor: Option<String>,
    pub excerpt: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

/// Something that changed, for live updates. Ids only: listeners read what they need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub thread_id: Option<i64>,
    pub post_id: Option<i64>,
    pub category_id: Option<i64>,
    #[serde(skip)]
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub thread_id: Option<i64>,
    pub post_id: Option<i64>,
    pub category_id: Option<i64>,
}

/// A column value when copying a whole store: every column Jogette stores is
/// an integer or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
}

/// Every table, parents before children, with its columns: what
/// `migrate-store` copies. Adding a table or column to the schema means adding
/// it here, or the copy test fails.
pub const TABLES: &[(&str, &[(&str, Kind)])] = {
    use Kind::{Int, Text};
    &[
        ("users", &[("id", Int), ("username", Text), ("username_lower", Text), ("email", Text), ("password_hash", Text), ("role", Text), ("created_at", Int), ("post_count", Int), ("thanks_received", Int)]),
        ("sessions", &[("token_hash", Text), ("user_id", Int), ("kind", Text), ("created_at", Int), ("expires_at", Int)]),
        ("categories", &[("id", Int), ("slug", Text), ("name", Text), ("description", Text), ("position", Int), ("thread_count", Int), ("post_count", Int), ("created_at", Int)]),
        ("threads", &[("id", Int), ("category_id", Int), ("user_id", Int), ("title", Text), ("slug", Text), ("created_at", Int), ("last_post_at", Int), ("last_post_user_id", Int), ("post_count", Int), ("reply_count", Int)]),
        ("posts", &[("id", Int), ("thread_id", Int), ("number", Int), ("user_id", Int), ("reply_to", Int), ("body", Text), ("html", Text), ("excerpt", Text), ("mentions", Text), ("thanks_count", Int), ("created_at", Int), ("edited_at", Int), ("deleted_at", Int)]),
        ("post_revisions", &[("id", Int), ("post_id", Int), ("body", Text), ("html", Text), ("created_at", Int), ("replaced_at", Int), ("replaced_by", Int)]),
        ("post_mentions", &[("post_id", Int), ("user_id", Int)]),
        ("thanks", &[("post_id", Int), ("user_id", Int), ("created_at", Int)]),
        ("notifications", &[("id", Int), ("user_id", Int), ("kind", Text), ("post_id", Int), ("actor_id", Int), ("created_at", Int), ("read_at", Int)]),
        ("events", &[("id", Int), ("kind", Text), ("thread_id", Int), ("post_id", Int), ("category_id", Int), ("created_at", Int)]),
    ]
};

pub type Rows = Vec<Vec<Value>>;

/// What to search for and how to narrow and order it.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    pub query: crate::domain::search::Query,
    /// Every term must match; otherwise any term may (ranked by how many and how well).
    pub match_all: bool,
    pub category_id: Option<i64>,
    pub author_id: Option<i64>,
    pub title_only: bool,
    /// Unix milliseconds, inclusive.
    pub from: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub until: Option<i64>,
    pub newest_first: bool,
    pub page: i64,
    pub per_page: i64,
}

impl SearchParams {
    /// Narrowed by anything besides the words.
    pub fn filtered(&self) -> bool {
        self.category_id.is_some() || self.author_id.is_some() || self.from.is_some() || self.until.is_some()
    }

    /// SQL conditions for the narrowings, given a tier's category, author and
    /// date columns and how a store writes parameter `i` and "`i` is unused".
    /// Only the narrowings in use compare a column, since "(?3 IS NULL OR
    /// user_id = ?3)" hides the column's index from the planner; every
    /// parameter (2 to 5) is still named, so every statement takes the same ones.
    pub(crate) fn narrowing_sql(&self, [category, author, created]: [&str; 3], param: fn(usize) -> String, unused: fn(usize) -> String) -> String {
        [
            self.category_id.map(|_| format!("{category} = {}", param(2))),
            self.author_id.map(|_| format!("{author} = {}", param(3))),
            self.from.map(|_| format!("{created} >= {}", param(4))),
            self.until.map(|_| format!("{created} < {}", param(5))),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, condition)| condition.unwrap_or_else(|| unused(i + 2)))
        .collect::<Vec<_>>()
        .join(" AND ")
    }
}

/// One matching post. `snippet` is HTML: escaped text with `<mark>` around matches.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub post_id: i64,
    pub thread_id: i64,
    pub number: i64,
    pub title: String,
    pub thread_slug: String,
    pub snippet: String,
    pub score: f64,
    pub author: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct SimilarThread {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub replies: i64,
    /// HTML, as in [`SearchHit`]: from the best-matching reply, else the opening post.
    pub snippet: String,
}

/// How many results a search has at most: by relevance, the best of the newest
/// `RANK_WINDOW` matching threads, then the best of the newest replies while
/// there is room; by date, the newest `RANK_WINDOW` of both. Ranking costs a few
/// microseconds a match and counting a few more, so this bounds a search on a
/// community of any size; older matches are still found by narrower words,
/// filters, or ordering by date, and `total` stops counting here.
pub const RANK_WINDOW: i64 = 1_000;

/// How many threads "has this been asked before?" ranks at most: the threads
/// with the draft's rarest words (see `domain::search::selective_terms`).
pub const SIMILAR_BUDGET: i64 = 2_000;

/// Replies read per thread when choosing the best one to quote.
pub(crate) const SIMILAR_REPLIES_READ: i64 = 100;

/// One page of search results.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub hits: Vec<SearchHit>,
    /// At most [`RANK_WINDOW`].
    pub total: i64,
    /// False when `total` stopped counting at [`RANK_WINDOW`].
    pub exact: bool,
}

impl Found {
    /// No results, exactly.
    pub fn none() -> Self {
        Found { exact: true, ..Found::default() }
    }

    /// A page, and the total from each tier's count (replies counted up to `replies_to_count`).
    pub(crate) fn counted(hits: Vec<SearchHit>, threads: i64, replies: i64) -> Self {
        Found { hits, total: (threads + replies).min(RANK_WINDOW), exact: threads + replies < RANK_WINDOW }
    }
}

/// Search results come in two kinds, each ranked on its own: threads (title and
/// opening post, so title words weigh most) first, then replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    Threads,
    Replies,
}

/// A match from one tier: the post, its score, when it was written.
pub(crate) type TierRow = (i64, f64, i64);

/// How many matching replies a search must count, once it knows how many
/// threads match: by relevance, only as many as fit after the threads, so a
/// search with common words never counts its replies at all.
pub(crate) fn replies_to_count(params: &SearchParams, thread_count: i64) -> i64 {
    if params.title_only {
        0
    } else if params.newest_first {
        RANK_WINDOW
    } else {
        (RANK_WINDOW - thread_count).max(0)
    }
}

/// How many items come before page `page` (from 1), for any page number a
/// client sends: beyond the last page is simply empty, never an overflow.
pub(crate) fn page_offset(page: i64, per_page: i64) -> i64 {
    (page.max(1) - 1).saturating_mul(per_page)
}

/// The ids of one page of threads, latest activity first, given how a store
/// writes its category, limit and offset parameters. The page is found in the
/// `threads_latest` or `threads_category_latest` index alone, so skipping to a
/// deep page reads index entries, not rows, and only the page's rows are joined.
pub(crate) fn thread_page(in_category: bool, category: &str, limit: &str, offset: &str) -> String {
    let filter = if in_category { format!("category_id = {category}") } else { format!("{category} IS NULL") };
    format!("SELECT id FROM threads WHERE {filter} ORDER BY last_post_at DESC, id DESC LIMIT {limit} OFFSET {offset}")
}

/// Which rows of each tier a page needs, given how many the threads tier has:
/// by relevance the tiers follow each other; by date both tiers' newest rows
/// up to the page's end are merged. Nothing past `RANK_WINDOW`.
pub(crate) fn tier_slices(params: &SearchParams, thread_count: i64) -> [(i64, i64); 2] {
    let offset = page_offset(params.page, params.per_page);
    let end = offset.saturating_add(params.per_page).min(RANK_WINDOW);
    if params.newest_first {
        return [(0, end), (0, if params.title_only { 0 } else { end })];
    }
    let from_threads = (thread_count.min(end) - offset).max(0);
    let replies = if params.title_only { 0 } else { (end - offset - from_threads).max(0) };
    [(offset.min(thread_count), from_threads), ((offset - thread_count).max(0), replies)]
}

/// The page's posts in order, from the rows `tier_slices` asked for.
pub(crate) fn compose_page(params: &SearchParams, threads: Vec<TierRow>, replies: Vec<TierRow>) -> Vec<TierRow> {
    let mut all: Vec<TierRow> = threads.into_iter().chain(replies).collect();
    if !params.newest_first {
        return all;
    }
    all.sort_by(|a, b| b.2.cmp(&a.2).then(b.0.cmp(&a.0)));
    all.truncate(RANK_WINDOW as usize);
    let offset = page_offset(params.page, params.per_page).try_into().unwrap_or(usize::MAX);
    all.into_iter().skip(offset).take(params.per_page as usize).collect()
}

/// A found post as the store read it, before its snippet is made.
pub(crate) struct HitRow {
    pub post_id: i64,
    pub thread_id: i64,
    pub number: i64,
    pub title: String,
    pub thread_slug: String,
    pub author: String,
    pub created_at: i64,
    pub body: String,
}

/// Puts the read posts in page order, each with its marked-up passage.
pub(crate) fn hits_in_order(query: &crate::domain::search::Query, page: &[TierRow], rows: Vec<HitRow>) -> Vec<SearchHit> {
    let mut by_id: std::collections::HashMap<i64, HitRow> = rows.into_iter().map(|r| (r.post_id, r)).collect();
    page.iter()
        .filter_map(|&(id, score, _)| {
            let r = by_id.remove(&id)?;
            Some(SearchHit {
                snippet: crate::domain::search::passage::best(query, &r.body, 30).html,
                post_id: r.post_id,
                thread_id: r.thread_id,
                number: r.number,
                title: r.title,
                thread_slug: r.thread_slug,
                score,
                author: r.author,
                created_at: r.created_at,
            })
        })
        .collect()
}

/// Similar threads in rank order, each with a passage from its best-matching
/// reply, or from its opening post when no reply matches.
pub(crate) fn similar_in_order(
    query: &crate::domain::search::Query,
    ranked: &[i64],
    threads: Vec<(i64, String, String, i64)>,
    posts: Vec<(i64, i64, String)>,
) -> Vec<SimilarThread> {
    use crate::domain::search::passage::{Passage, best};
    let mut out = Vec::with_capacity(ranked.len());
    for &id in ranked {
        let Some((_, title, slug, replies)) = threads.iter().find(|t| t.0 == id).cloned() else { continue };
        let passage = |number: &dyn Fn(i64) -> bool| -> Option<Passage> {
            // Reversed, so that of equally good replies the earliest wins.
            posts.iter().rev().filter(|p| p.0 == id && number(p.1)).map(|p| best(query, &p.2, 24)).max_by_key(|p| (p.terms, p.hits))
        };
        let snippet = passage(&|n| n > 1)
            .filter(|p| p.terms > 0)
            .or_else(|| passage(&|n| n == 1))
            .map(|p| p.html)
            .unwrap_or_default();
        out.push(SimilarThread { id, title, slug, replies, snippet });
    }
    out
}

/// One page of a list, with what's needed to link to the others.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Succeeds when the database answers; behind `/readyz`.
    async fn ping(&self) -> Result<()>;
    /// SQL statements run so far, for `/metrics` and the query-count tests.
    fn queries_executed(&self) -> u64;
    /// Of those, the ones a read replica answered.
    fn replica_queries_executed(&self) -> u64 {
        0
    }
    async fn is_empty(&self) -> Result<bool>;

    async fn create_user(&self, username: &str, email: Option<&str>, password_hash: &str, role: Role) -> Result<User>;
    /// The member and their password hash, matched without regard to case.
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn user_by_name(&self, username: &str) -> Result<Option<User>>;
    /// Maps lower-cased names to canonical usernames, for those that exist.
    async fn resolve_usernames(&self, lowercase_names: Vec<String>) -> Result<HashMap<String, String>>;
    async fn recent_posts_by(&self, user_id: i64, limit: i64) -> Result<Vec<PostSummary>>;

    async fn create_session(&self, token_hash: &str, user_id: i64, kind: SessionKind, expires_at: i64) -> Result<()>;
    /// Always answered by the primary database: it decides where the rest of the request reads.
    async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<User>>;
    /// Notes that this session just wrote (only needed with a read replica).
    async fn touch_session(&self, token_hash: &str) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    async fn categories(&self) -> Result<Vec<Category>>;
    async fn category(&self, slug: &str) -> Result<Option<Category>>;
    async fn create_category(&self, input: CategoryInput) -> Result<Category>;
    async fn update_category(&self, slug: &str, input: CategoryInput) -> Result<Category>;

    /// Threads by last activity, newest first; all categories when `category_id` is None.
    async fn threads(&self, category_id: Option<i64>, page: i64, per_page: i64) -> Result<Listing<ThreadSummary>>;
    async fn create_thread(&self, thread: NewThread) -> Result<(Thread, Post)>;
    async fn thread(&self, id: i64) -> Result<Option<Thread>>;
    /// Posts numbered `first..=last`, in order, as `viewer` sees them.
    async fn thread_posts(&self, thread_id: i64, first: i64, last: i64, viewer: Option<i64>) -> Result<Vec<Post>>;

    async fn post(&self, id: i64, viewer: Option<i64>) -> Result<Option<Post>>;
    async fn create_post(&self, thread_id: i64, post: NewPost) -> Result<Post>;
    /// Replaces the body and keeps the previous version as a revision.
    async fn edit_post(&self, post_id: i64, editor_id: i64, body: String, rendered: Rendered) -> Result<Post>;
    async fn delete_post(&self, post_id: i64) -> Result<()>;
    async fn revisions(&self, post_id: i64) -> Result<Vec<Revision>>;
    /// Adds or removes `user_id`'s thanks (idempotent) and returns the new count.
    async fn set_thanks(&self, post_id: i64, user_id: i64, thanked: bool) -> Result<i64>;

    /// Notifies every moderator and admin; returns how many were told.
    async fn notify_staff(&self, kind: &str, post_id: i64, actor_id: i64) -> Result<usize>;
    async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>>;
    async fn mark_notifications_read(&self, user_id: i64) -> Result<()>;

    /// Records that something changed (after the change itself committed).
    async fn append_event(&self, event: NewEvent) -> Result<i64>;
    /// Events with ids above `after`, oldest first, at most `limit`.
    async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>>;
    async fn latest_event_id(&self) -> Result<i64>;
    /// A signal whenever another process may have appended events, and after
    /// any gap in listening; None when only this process writes (SQLite).
    fn event_signals(&self) -> Option<tokio::sync::mpsc::Receiver<()>>;

    /// Every row of one of [`TABLES`], in primary-key order.
    async fn export_table(&self, table: &'static str) -> Result<Rows>;
    /// Writes whole tables into an empty store, in one transaction.
    async fn import_tables(&self, tables: Vec<(&'static str, Rows)>) -> Result<()>;
    async fn count_rows(&self, table: &'static str) -> Result<i64>;
    /// Sets members' post counts (by id, from 1) and categories' thread and post
    /// counts, after a bulk load wrote rows without them.
    async fn set_counters(&self, member_posts: &[i64], category_threads: &[i64], category_posts: &[i64]) -> Result<()>;

    /// Posts matching every term, best first (or newest first), with the total.
    async fn search(&self, params: SearchParams) -> Result<Found>;
    /// Threads matching any term, best first.
    async fn similar_threads(&self, query: crate::domain::search::Query, limit: i64) -> Result<Vec<SimilarThread>>;
}

pub fn columns_of(table: &str) -> &'static [(&'static str, Kind)] {
    TABLES.iter().find(|(t, _)| *t == table).map(|(_, c)| *c).expect("a table named in TABLES")
}

/// The first column, or the whole row for tables keyed by several columns.
fn order_by(table: &str) -> String {
    columns_of(table).iter().take(if table == "post_mentions" || table == "thanks" { 2 } else { 1 }).map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
}

/// Copies every table from `from` into the empty `to`, then checks that each
/// table holds the same number of rows on both sides.
pub async fn copy_all(from: &dyn Store, to: &dyn Store) -> Result<Vec<(&'static str, i64)>> {
    if !to.is_empty().await? {
        return Err(StoreError::Database("the target database already has members; migrate into an empty one".into()));
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
            return Err(StoreError::Database(format!("{table}: {source} rows in the source but {target} in the target")));
        }
        counts.push((*table, target));
    }
    Ok(counts)
}

tokio::task_local! {
    static READ_PRIMARY: std::cell::Cell<bool>;
}

/// Runs one request's work with its own choice of where to read.
pub async fn request_scope<F: std::future::Future>(work: F) -> F::Output {
    READ_PRIMARY.scope(std::cell::Cell::new(false), work).await
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
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Opens the store a `--db` URL names, creating and migrating it as needed.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    open_with_replica(url, None).await
}

/// As [`open`], sending read-only queries to a streaming replica when given
/// (PostgreSQL only).
pub async fn open_with_replica(url: &str, replica: Option<&str>) -> Result<std::sync::Arc<dyn Store>> {
    if let Some(replica) = replica {
        if !(url.starts_with("postgres") && replica.starts_with("postgres")) {
            return Err(StoreError::Database("a read replica needs PostgreSQL for both --db and --db-replica".into()));
        }
        return Ok(std::sync::Arc::new(postgres::PgStore::open_with_replica(url, Some(replica)).await?));
    }
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        return Ok(std::sync::Arc::new(sqlite::SqliteStore::open(path).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(std::sync::Arc::new(postgres::PgStore::open(url).await?));
    }
    Err(StoreError::Database(format!(
        "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_relevance(page: i64) -> SearchParams {
        SearchParams { page, per_page: 20, ..Default::default() }
    }

    #[test]
    fn threads_come_first_then_replies_fill_the_rest_of_the_window() {
        // 30 matching threads: page 1 is all threads; page 2 ends them and starts the replies.
        assert_eq!(tier_slices(&by_relevance(1), 30), [(0, 20), (0, 0)]);
        assert_eq!(tier_slices(&by_relevance(2), 30), [(20, 10), (0, 10)]);
        assert_eq!(tier_slices(&by_relevance(3), 30), [(30, 0), (10, 20)]);
        assert_eq!(replies_to_count(&by_relevance(1), 30), RANK_WINDOW - 30);
    }

    #[test]
    fn a_window_full_of_threads_never_counts_replies() {
        let last = RANK_WINDOW / 20;
        assert_eq!(replies_to_count(&by_relevance(1), RANK_WINDOW), 0);
        assert_eq!(tier_slices(&by_relevance(last), RANK_WINDOW), [(RANK_WINDOW - 20, 20), (0, 0)]);
        assert_eq!(tier_slices(&by_relevance(last + 1), RANK_WINDOW), [(RANK_WINDOW, 0), (0, 0)]);
    }

    #[test]
    fn by_date_both_kinds_are_merged_within_the_window() {
        let params = SearchParams { newest_first: true, ..by_relevance(2) };
        assert_eq!(tier_slices(&params, 5), [(0, 40), (0, 40)]);
        let threads = vec![(1, 0.0, 100), (2, 0.0, 300)];
        let replies = vec![(3, 0.0, 200), (4, 0.0, 400)];
        let first = SearchParams { per_page: 3, ..params.clone() };
        let page: Vec<i64> = compose_page(&SearchParams { page: 1, ..first }, threads, replies).iter().map(|r| r.0).collect();
        assert_eq!(page, [4, 2, 3]);
        assert_eq!(replies_to_count(&params, RANK_WINDOW), RANK_WINDOW);
    }

    #[test]
    fn any_page_number_is_safe() {
        assert_eq!(page_offset(-5, 20), 0);
        assert_eq!(page_offset(i64::MAX, 20), i64::MAX);
        let [(_, threads), (_, replies)] = tier_slices(&by_relevance(i64::MAX), 10);
        assert_eq!((threads, replies), (0, 0), "nothing to read");
    }

    #[test]
    fn totals_stop_at_the_window() {
        assert_eq!((Found::counted(vec![], 30, 12).total, Found::counted(vec![], 30, 12).exact), (42, true));
        let full = Found::counted(vec![], RANK_WINDOW - 10, 10);
        assert_eq!((full.total, full.exact), (RANK_WINDOW, false));
    }
}
