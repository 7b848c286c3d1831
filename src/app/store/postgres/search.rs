//! Search on PostgreSQL: a weighted `tsvector` on threads (title A, opening
//! post B) and on posts (replies), each with a GIN index, ranked by `ts_rank`.

use super::Conn as PgConn;
use crate::domain::search::{Query, Term};
use crate::app::store::conn::{Arg, Conn, args};
use crate::app::store::search::{Found, RANK_WINDOW, SIMILAR_BUDGET, SearchParams, Tier, TierRow, compose_page, hits, id_list, replies_to_count, tier_slices};
use crate::app::store::{Result, StoreError};

/// One term as a tsquery: words are letters and digits only (see `domain::search`).
fn tsquery_term(term: &Term) -> String {
    match term {
        Term::AnyOf(words) => format!("({})", words.join(" | ")),
        Term::Phrase(words) => format!("({})", words.join(" <-> ")),
    }
}

/// Terms as `to_tsquery` input. Words are letters and digits only, so they
/// can't be operators; `to_tsquery('english', …)` then stems them and drops stop words.
fn tsquery<'a>(terms: impl IntoIterator<Item = &'a Term>, all: bool) -> String {
    terms.into_iter().map(tsquery_term).collect::<Vec<_>>().join(if all { " & " } else { " | " })
}

/// Up to how many posts an author-narrowed search tests one by one (see `tier_window`).
const AUTHOR_SCAN_POSTS: i64 = 5_000;

/// Up to `limit` matches of a tier that pass the filters, the newest if `newest`: `id`
/// (thread or post), `created_at` and the `search` vector.
/// Parameters: ?1 tsquery, ?2 category, ?3 author, ?4 from, ?5 until.
/// With `from_author`, the rows are the author's, each tested against the
/// query: for a member's few hundred posts that is quicker than intersecting a
/// common word's index entries with theirs, which the planner doesn't foresee.
/// (`OFFSET 0` keeps the planner from folding the match back into the index.)
fn tier_window(tier: Tier, params: &SearchParams, newest: bool, from_author: bool, limit: &str) -> String {
    let (threads, posts) = if from_author {
        (
            "(SELECT t.* FROM posts a JOIN threads t ON t.id = a.thread_id WHERE a.user_id = ?3 AND a.number = 1 OFFSET 0) t",
            "(SELECT * FROM posts WHERE user_id = ?3 OFFSET 0) p",
        )
    } else {
        ("threads t", "posts p")
    };
    let (vector, author, created, mut extra) = match tier {
        Tier::Threads => ("t.search", "t.user_id", "t.created_at", String::new()),
        Tier::Replies => ("p.search", "p.user_id", "p.created_at", " AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.held_at IS NULL AND p.number > 1".to_owned()),
    };
    // Categories the searcher may not read: the threads tier has the column, replies ask their threads.
    if !params.hidden_categories.is_empty() {
        let ids = id_list(&params.hidden_categories);
        extra.push_str(&match tier {
            Tier::Threads => format!(" AND t.category_id NOT IN ({ids})"),
            Tier::Replies => format!(" AND p.thread_id NOT IN (SELECT id FROM threads WHERE category_id IN ({ids}))"),
        });
    }
    let filters = params.narrowing_sql(["t.category_id", author, created], |i| format!("?{i}::bigint IS NULL"));
    // Only a category needs the thread joined to a reply.
    let from = match tier {
        Tier::Threads => threads.to_owned(),
        Tier::Replies if params.category_id.is_some() => format!("{posts} JOIN threads t ON t.id = p.thread_id"),
        Tier::Replies => posts.to_owned(),
    };
    // Title words only: the index narrows on the whole vector, the filter keeps the titles.
    let matched = if params.title_only {
        format!("{vector} @@ to_tsquery('english', ?1) AND ts_filter({vector}, '{{a}}')")
    } else {
        vector.to_owned()
    };
    let id = if tier == Tier::Threads { "t.id" } else { "p.id" };
    let order = if newest { format!(" ORDER BY {id} DESC") } else { String::new() };
    format!(
        "SELECT {id} AS id, {created} AS created_at, {vector} AS search FROM {from} \
         WHERE {matched} @@ to_tsquery('english', ?1){extra} AND {filters}{order} LIMIT {limit}"
    )
}

/// Runs `work` allowing only bitmap scans when `only`. Under a LIMIT the
/// planner bets that a sequential or index scan meets enough matches early;
/// when its estimate is high (a date range whose rows all sit at the table's
/// end, a word that fills opening posts but no replies) the bet costs a
/// whole-table scan. A bitmap scan reads only the matches, so counting, and
/// reading a tier's few matches, use nothing else.
async fn with_bitmap_scans_only<T>(pg: &PgConn<'_>, only: bool, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    if !only {
        return work.await;
    }
    let scans = |on: &str| format!("SET LOCAL enable_seqscan = {on}; SET LOCAL enable_indexscan = {on}");
    pg.batch(&scans("off")).await?;
    let out = work.await?;
    pg.batch(&scans("on")).await?;
    Ok(out)
}

/// The narrowings' parameters, ?1 to ?5.
fn filter_args<'a>(query: &'a str, params: &SearchParams) -> [Arg<'a>; 5] {
    *args![query, params.category_id, params.author_id, params.from, params.until]
}

/// A tier's matches, counted up to `up_to`.
async fn tier_count(pg: &PgConn<'_>, c: &Conn<'_>, tier: Tier, params: &SearchParams, query: &str, from_author: bool, up_to: i64) -> Result<i64> {
    if up_to == 0 {
        return Ok(0);
    }
    // Any matches will do for counting, so no newest-first scan.
    let sql = format!("SELECT count(*) FROM (SELECT 1 FROM ({}) w LIMIT ?6) c", tier_window(tier, params, false, from_author, "?6"));
    let [a, b, d, e, f] = filter_args(query, params);
    let n = with_bitmap_scans_only(pg, true, c.one(&sql, &[a, b, d, e, f, Arg::Int(up_to)], |r| r.int(0))).await?;
    Ok(n.unwrap_or(0))
}

/// The statement that reads a tier's rows for a page.
fn rows_sql(tier: Tier, params: &SearchParams, from_author: bool) -> String {
    let post = match tier {
        Tier::Threads => "JOIN posts p ON p.thread_id = w.id AND p.number = 1",
        Tier::Replies => "JOIN posts p ON p.id = w.id",
    };
    let rank = "ts_rank(r.search, to_tsquery('english', ?1))::float8";
    // Rank and cut first; only the page's rows meet the posts table. By date,
    // only the page's rows are ranked, for their scores.
    let (order, inner_score, score) = if params.newest_first { ("w.id DESC", "0", rank.replace("r.", "w.")) } else { ("w.s DESC, w.id DESC", rank, "w.s".to_owned()) };
    // By relevance the whole window is ranked; by date the page's end is enough.
    let window = if params.newest_first { "(?6::bigint + ?7::bigint)".to_owned() } else { RANK_WINDOW.to_string() };
    format!(
        "SELECT p.id, {score}, w.created_at, w.n FROM (SELECT r.id, r.created_at, r.search, {inner_score} AS s, \
         count(*) OVER () AS n FROM ({}) r ORDER BY {} LIMIT ?6 OFFSET ?7) w {post} ORDER BY {order}",
        tier_window(tier, params, true, from_author, &window),
        order.replace("w.", "")
    )
}

/// The rows of a tier that a page needs, and the tier's count when any row came back.
async fn tier_rows(c: &Conn<'_>, sql: &str, filters: [Arg<'_>; 5], (offset, limit): (i64, i64)) -> Result<(Vec<TierRow>, Option<i64>)> {
    if limit == 0 {
        return Ok((Vec::new(), None));
    }
    let [a, b, d, e, f] = filters;
    let rows = c.all(sql, &[a, b, d, e, f, Arg::Int(limit), Arg::Int(offset)], |r| Ok(((r.int(0)?, r.real(1)?, r.int(2)?), r.int(3)?))).await?;
    let count = rows.first().map(|r| r.1);
    Ok((rows.into_iter().map(|r| r.0).collect(), count))
}

/// Runs `work` in one read transaction whose statements are planned for
/// their own parameters. Prepared statements otherwise switch to a generic
/// plan after five runs, and a generic plan cannot know how many rows a
/// tsquery matches, so it picks scans that are slow for most words. The
/// transaction also lets plan settings change for single statements.
async fn planned_for_each_query<T>(pg: &PgConn<'_>, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    pg.begin("BEGIN; SET LOCAL plan_cache_mode = force_custom_plan").await?;
    match work.await {
        Ok(out) => {
            pg.end(true).await?;
            Ok(out)
        }
        Err(e) => {
            let _ = pg.end(false).await;
            Err(e)
        }
    }
}

pub(in crate::app::store) async fn search(pg: &PgConn<'_>, c: &Conn<'_>, params: &SearchParams) -> Result<Found> {
    planned_for_each_query(pg, search_in_transaction(pg, c, params)).await
}

async fn search_in_transaction(pg: &PgConn<'_>, c: &Conn<'_>, params: &SearchParams) -> Result<Found> {
    let query = tsquery(&params.query.terms, params.match_all);
    let from_author = match params.author_id {
        Some(id) => c.one("SELECT post_count FROM users WHERE id = ?1", args![id], |r| r.int(0)).await?.is_some_and(|n| n <= AUTHOR_SCAN_POSTS),
        None => false,
    };
    let filters = filter_args(&query, params);
    // The page's first slice assumes the tier has enough rows; by relevance the
    // count comes with them (by date the rows stop at the page's end).
    let [wanted, _] = tier_slices(params, i64::MAX);
    let (threads, counted) = tier_rows(c, &rows_sql(Tier::Threads, params, from_author), filters, wanted).await?;
    let thread_count = match counted.filter(|_| !params.newest_first) {
        Some(n) => n,
        None => tier_count(pg, c, Tier::Threads, params, &query, from_author, RANK_WINDOW).await?,
    };
    let budget = replies_to_count(params, thread_count);
    let reply_count = tier_count(pg, c, Tier::Replies, params, &query, from_author, budget).await?;
    let reply_slice = tier_slices(params, thread_count)[1];
    let replies = if reply_slice.1 > 0 && reply_slice.0 < reply_count {
        // Fewer matches than the count allowed for: read them as they were counted.
        let few = reply_count < budget;
        with_bitmap_scans_only(pg, few, tier_rows(c, &rows_sql(Tier::Replies, params, from_author), filters, reply_slice)).await?.0
    } else {
        Vec::new()
    };
    let page = compose_page(params, threads, replies);
    Ok(Found::counted(hits(c, &params.query, &page).await?, thread_count, reply_count))
}

/// The ids of the threads most like a draft, best first. Threads with the
/// draft's rarest words are considered; all its words score them.
pub(in crate::app::store) async fn similar(pg: &PgConn<'_>, c: &Conn<'_>, query: &Query, limit: i64, hidden_categories: &[i64]) -> Result<Vec<i64>> {
    planned_for_each_query(pg, similar_in_transaction(c, query, limit, hidden_categories)).await
}

async fn similar_in_transaction(c: &Conn<'_>, query: &Query, limit: i64, hidden_categories: &[i64]) -> Result<Vec<i64>> {
    let terms: Vec<String> = query.terms.iter().map(tsquery_term).collect();
    let counts_sql = (1..=terms.len())
        .map(|i| format!("(SELECT count(*) FROM (SELECT 1 FROM threads WHERE search @@ to_tsquery('english', ?{i}) LIMIT {}) x)", SIMILAR_BUDGET + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let term_args: Vec<Arg> = terms.iter().map(Arg::from).collect();
    let counts: Vec<i64> = c
        .one(&format!("SELECT {counts_sql}"), &term_args, |r| (0..terms.len()).map(|i| r.int(i)).collect())
        .await?
        .ok_or_else(|| StoreError::message("counting a draft's words returned no row"))?;
    let selective = crate::domain::search::selective_terms(&counts, SIMILAR_BUDGET);
    if selective.is_empty() {
        return Ok(Vec::new());
    }
    let admit = tsquery(selective.iter().map(|&i| &query.terms[i]), false);
    let score = tsquery(&query.terms, false);
    let readable = if hidden_categories.is_empty() { String::new() } else { format!(" AND category_id NOT IN ({})", id_list(hidden_categories)) };
    c.all(
        &format!(
            "SELECT id FROM (SELECT id, search FROM threads WHERE search @@ to_tsquery('english', ?1){readable} ORDER BY id DESC LIMIT {SIMILAR_BUDGET}) w \
             ORDER BY ts_rank(search, to_tsquery('english', ?2)) DESC, id DESC LIMIT ?3"
        ),
        args![&admit, &score, limit],
        |r| r.int(0),
    )
    .await
}
