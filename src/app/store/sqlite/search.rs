//! Search on SQLite: FTS5 tables `thread_fts` (title, opening post, author
//! token) and `reply_fts` (body, author token), ranked by bm25.

use crate::domain::search::{Query, Term};
use crate::app::store::conn::{Conn, args};
use crate::app::store::search::{Found, RANK_WINDOW, SIMILAR_BUDGET, SearchParams, Tier, TierRow, compose_page, hits, replies_to_count, tier_slices};
use crate::app::store::Result;

/// Indexes the posts queued by the writer's group (migration 0016), in its
/// transaction, just before it commits: FTS5 writes what is pending at every
/// savepoint, so posts indexed one by one inside their writes' savepoints
/// each left a segment of their own to merge; queued, a group leaves one.
pub(super) fn index_queued(conn: &super::Conn<'_>) -> Result<()> {
    const VISIBLE: &str = "p.deleted_at IS NULL AND p.held_at IS NULL AND p.hidden_at IS NULL";
    // CROSS JOIN keeps the queue outermost: the planner has no statistics
    // for it and would otherwise scan posts.
    const FROM: &str = "FROM search_queue q CROSS JOIN posts p ON p.id = q.post_id CROSS JOIN threads t ON t.id = p.thread_id";
    static STATEMENTS: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
        [
            format!("INSERT INTO thread_fts (rowid, title, body, author) SELECT t.id, t.title, p.body, 'u' || p.user_id || ' c' || t.category_id {FROM} WHERE p.number = 1 AND {VISIBLE}"),
            format!("INSERT INTO reply_fts (rowid, body, author) SELECT p.id, p.body, 'u' || p.user_id || ' c' || t.category_id {FROM} WHERE p.number > 1 AND {VISIBLE}"),
        ]
    });
    // Most groups (read marks, sessions, thanks) queue no post: one look, not three statements.
    if conn.all("SELECT 1 FROM search_queue LIMIT 1", &[], |_| Ok(()))?.is_empty() {
        return Ok(());
    }
    for statement in STATEMENTS.iter() {
        conn.exec(statement, &[])?;
    }
    conn.exec("DELETE FROM search_queue", &[])?;
    Ok(())
}

/// One term in FTS5 syntax. Words are letters and digits only (see
/// `domain::search`), so quoting them is enough to keep them plain text.
fn fts5_term(term: &Term) -> String {
    match term {
        Term::AnyOf(words) => format!("({})", words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR ")),
        Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
    }
}

fn fts5_query<'a>(terms: impl IntoIterator<Item = &'a Term>, all: bool) -> String {
    terms.into_iter().map(fts5_term).collect::<Vec<_>>().join(if all { " AND " } else { " OR " })
}

/// A query over some columns only: the indexes' `author` column holds a token
/// per post ("u42") that a typed word must never match.
fn in_columns(columns: &str, query: &str) -> String {
    format!("{{{columns}}} : ({query})")
}

/// A search's MATCH for one tier: its words in `columns`; when narrowed to
/// a member, their token; and without the categories the searcher may not
/// read (each row's `author` column holds "u42 c5"), so that FTS5 intersects
/// and subtracts the postings itself.
fn tier_match(columns: &str, words: &str, author_id: Option<i64>, hidden_categories: &[i64]) -> String {
    let mut matching = match author_id {
        Some(id) => format!("{} AND author : \"u{id}\"", in_columns(columns, words)),
        None => in_columns(columns, words),
    };
    if !hidden_categories.is_empty() {
        let tokens: Vec<String> = hidden_categories.iter().map(|c| format!("\"c{c}\"")).collect();
        matching = format!("({matching}) NOT author : ({})", tokens.join(" OR "));
    }
    matching
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
    let filters = params.narrowing_sql(["t.category_id", author, created], |i| format!("?{i} IS NULL"));
    let score = match (scored, tier) {
        (false, _) => "0.0",
        (true, Tier::Threads) => THREAD_BM25,
        (true, Tier::Replies) => "bm25(reply_fts, 1.0, 0.0)",
    };
    format!("SELECT f.rowid AS id, {score} AS s FROM {from} WHERE {fts} MATCH ?1 AND {filters} ORDER BY f.rowid DESC LIMIT {RANK_WINDOW}")
}

/// A tier's matches, counted up to `up_to`.
async fn tier_count(c: &Conn<'_>, tier: Tier, params: &SearchParams, matching: &str, up_to: i64) -> Result<i64> {
    if up_to == 0 {
        return Ok(0);
    }
    let sql = format!("SELECT count(*) FROM (SELECT 1 FROM ({}) LIMIT ?6)", tier_window(tier, params, false));
    let count = c.one(&sql, args![matching, params.category_id, params.author_id, params.from, params.until, up_to], |r| r.int(0)).await?;
    Ok(count.unwrap_or(0))
}

/// The rows of a tier that a page needs (`slice`), given the tier's count.
async fn tier_rows(c: &Conn<'_>, tier: Tier, params: &SearchParams, matching: &str, (offset, limit): (i64, i64), count: i64) -> Result<Vec<TierRow>> {
    if limit == 0 || offset >= count {
        return Ok(Vec::new());
    }
    let post = match tier {
        Tier::Threads => "posts p ON p.thread_id = w.id AND p.number = 1",
        Tier::Replies => "posts p ON p.id = w.id",
    };
    let order = if params.newest_first { "w.id DESC" } else { "w.s, w.id DESC" };
    c.all(
        &format!(
            "SELECT p.id, -w.s, p.created_at FROM ({}) w JOIN {post} ORDER BY {order} LIMIT ?6 OFFSET ?7",
            tier_window(tier, params, !params.newest_first)
        ),
        args![matching, params.category_id, params.author_id, params.from, params.until, limit, offset],
        |r| Ok((r.int(0)?, r.real(1)?, r.int(2)?)),
    )
    .await
}

pub(in crate::app::store) async fn search(c: &Conn<'_>, params: &SearchParams) -> Result<Found> {
    let words = fts5_query(&params.query.terms, params.match_all);
    let replies_query = tier_match("body", &words, params.author_id, &params.hidden_categories);
    let threads_query = tier_match(if params.title_only { "title" } else { "title body" }, &words, params.author_id, &params.hidden_categories);
    let thread_count = tier_count(c, Tier::Threads, params, &threads_query, RANK_WINDOW).await?;
    let reply_count = tier_count(c, Tier::Replies, params, &replies_query, replies_to_count(params, thread_count)).await?;
    let [thread_slice, reply_slice] = tier_slices(params, thread_count);
    let threads = tier_rows(c, Tier::Threads, params, &threads_query, thread_slice, thread_count).await?;
    let replies = tier_rows(c, Tier::Replies, params, &replies_query, reply_slice, reply_count).await?;
    let page = compose_page(params, threads, replies);
    Ok(Found::counted(hits(c, &params.query, &page).await?, thread_count, reply_count))
}

/// The ids of the threads most like a draft, best first. Threads with the
/// draft's rarest words are considered; all its words score them.
pub(in crate::app::store) async fn similar(c: &Conn<'_>, query: &Query, limit: i64, hidden_categories: &[i64]) -> Result<Vec<i64>> {
    let mut counts = Vec::with_capacity(query.terms.len());
    for term in &query.terms {
        let sql = format!("SELECT count(*) FROM (SELECT 1 FROM thread_fts WHERE thread_fts MATCH ?1 LIMIT {})", SIMILAR_BUDGET + 1);
        counts.push(c.one(&sql, args![&in_columns("title body", &fts5_term(term))], |r| r.int(0)).await?.unwrap_or(0));
    }
    let selective = crate::domain::search::selective_terms(&counts, SIMILAR_BUDGET);
    if selective.is_empty() {
        return Ok(Vec::new());
    }
    let matching = tier_match(
        "title body",
        &format!("({}) AND ({})", fts5_query(selective.iter().map(|&i| &query.terms[i]), false), fts5_query(&query.terms, false)),
        None,
        hidden_categories,
    );
    c.all(
        &format!(
            "SELECT id FROM (SELECT rowid AS id, {THREAD_BM25} AS s FROM thread_fts \
             WHERE thread_fts MATCH ?1 ORDER BY rowid DESC LIMIT {SIMILAR_BUDGET}) ORDER BY s, id DESC LIMIT ?2"
        ),
        args![&matching, limit],
        |r| r.int(0),
    )
    .await
}
