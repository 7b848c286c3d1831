//! Search: what to look for, how a page of results is cut from the two tiers,
//! and the statements both stores share. Matching and ranking are each
//! backend's own full-text engine (`sqlite/search.rs`: FTS5;
//! `postgres/search.rs`: `tsvector`), behind [`search`] and [`similar_threads`].

use super::conn::{Conn, args};
use super::{Result, Store};

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
    /// Categories whose posts this searcher may not read (members-only ones, for guests).
    pub hidden_categories: Vec<i64>,
}

/// Category ids written into SQL: integers, so safe, and few.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

impl SearchParams {
    /// Narrowed by anything besides the words.
    pub fn filtered(&self) -> bool {
        self.category_id.is_some() || self.author_id.is_some() || self.from.is_some() || self.until.is_some()
    }

    /// SQL conditions for the narrowings, given a tier's category, author and
    /// date columns and how a store writes "parameter `i` is unused". Only the
    /// narrowings in use compare a column, since "(?3 IS NULL OR user_id = ?3)"
    /// hides the column's index from the planner; every parameter (2 to 5) is
    /// still named, so every statement takes the same ones.
    pub(crate) fn narrowing_sql(&self, [category, author, created]: [&str; 3], unused: fn(usize) -> String) -> String {
        [
            self.category_id.map(|_| format!("{category} = ?2")),
            self.author_id.map(|_| format!("{author} = ?3")),
            self.from.map(|_| format!("{created} >= ?4")),
            self.until.map(|_| format!("{created} < ?5")),
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
const SIMILAR_REPLIES_READ: i64 = 100;

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

/// Which rows of each tier a page needs, given how many the threads tier has:
/// by relevance the tiers follow each other; by date both tiers' newest rows
/// up to the page's end are merged. Nothing past `RANK_WINDOW`.
pub(crate) fn tier_slices(params: &SearchParams, thread_count: i64) -> [(i64, i64); 2] {
    let offset = super::forum::page_offset(params.page, params.per_page);
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
    let offset = super::forum::page_offset(params.page, params.per_page).try_into().unwrap_or(usize::MAX);
    all.into_iter().skip(offset).take(params.per_page as usize).collect()
}

/// A post's words as a reader sees them (never its Markdown, and without the
/// text it quotes), for the passages shown with results.
fn readers_text(html: &str) -> String {
    crate::domain::markdown::text_of_html(html, usize::MAX)
}

/// The page's posts, in page order, each with its marked-up passage.
pub(crate) async fn hits(c: &Conn<'_>, query: &crate::domain::search::Query, page: &[TierRow]) -> Result<Vec<SearchHit>> {
    struct HitRow {
        thread_id: i64,
        number: i64,
        title: String,
        thread_slug: String,
        author: String,
        created_at: i64,
        html: String,
    }
    let ids: Vec<i64> = page.iter().map(|r| r.0).collect();
    let rows = c
        .all(
            "SELECT p.id, p.thread_id, p.number, t.title, t.slug, u.username, p.created_at, p.html \
             FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.user_id WHERE p.id = ANY(?1)",
            args![&ids],
            |r| {
                let row = HitRow {
                    thread_id: r.int(1)?,
                    number: r.int(2)?,
                    title: r.text(3)?,
                    thread_slug: r.text(4)?,
                    author: r.text(5)?,
                    created_at: r.int(6)?,
                    html: r.text(7)?,
                };
                Ok((r.int(0)?, row))
            },
        )
        .await?;
    let mut by_id: std::collections::HashMap<i64, HitRow> = rows.into_iter().collect();
    Ok(page
        .iter()
        .filter_map(|&(id, score, _)| {
            let r = by_id.remove(&id)?;
            Some(SearchHit {
                snippet: crate::domain::search::passage::best(query, &readers_text(&r.html), 30).html,
                post_id: id,
                thread_id: r.thread_id,
                number: r.number,
                title: r.title,
                thread_slug: r.thread_slug,
                score,
                author: r.author,
                created_at: r.created_at,
            })
        })
        .collect())
}

/// Similar threads in rank order, each with a passage from its best-matching
/// reply, or from its opening post when no reply matches.
pub(crate) async fn similar_in_order(c: &Conn<'_>, query: &crate::domain::search::Query, ranked: &Vec<i64>) -> Result<Vec<SimilarThread>> {
    use crate::domain::search::passage::{Passage, best};
    let threads = c
        .all("SELECT id, title, slug, reply_count FROM threads WHERE id = ANY(?1)", args![ranked], |r| {
            Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?))
        })
        .await?;
    let posts = c
        .all(
            "SELECT thread_id, number, html FROM posts WHERE thread_id = ANY(?1) AND number <= ?2 \
             AND deleted_at IS NULL AND hidden_at IS NULL AND held_at IS NULL ORDER BY thread_id, number",
            args![ranked, SIMILAR_REPLIES_READ + 1],
            |r| Ok((r.int(0)?, r.int(1)?, readers_text(&r.text(2)?))),
        )
        .await?;
    let mut out = Vec::with_capacity(ranked.len());
    for &id in ranked {
        let Some((_, title, slug, replies)) = threads.iter().find(|t| t.0 == id).cloned() else { continue };
        let passage = |number: &dyn Fn(i64) -> bool| -> Option<Passage> {
            // Reversed, so that of equally good replies the earliest wins.
            posts.iter().rev().filter(|p| p.0 == id && number(p.1)).map(|p| best(query, &p.2, 24)).max_by_key(|p| (p.terms, p.hits))
        };
        let snippet = passage(&|n| n > 1).filter(|p| p.terms > 0).or_else(|| passage(&|n| n == 1)).map(|p| p.html).unwrap_or_default();
        out.push(SimilarThread { id, title, slug, replies, snippet });
    }
    Ok(out)
}

/// Posts matching the words, best first (or newest first), with the total.
pub async fn search(c: &Conn<'_>, params: &SearchParams) -> Result<Found> {
    if params.query.is_empty() {
        return Ok(Found::none());
    }
    match c {
        Conn::Sqlite(_) => super::sqlite::search::search(c, params).await,
        Conn::Postgres(pg) => super::postgres::search::search(pg, c, params).await,
    }
}

/// "Has this been asked before?": threads matching a draft's words, best
/// first, leaving out the categories the asker may not read.
pub async fn similar_threads(c: &Conn<'_>, query: &crate::domain::search::Query, limit: i64, hidden_categories: &[i64]) -> Result<Vec<SimilarThread>> {
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let ranked = match c {
        Conn::Sqlite(_) => super::sqlite::search::similar(c, query, limit, hidden_categories).await?,
        Conn::Postgres(pg) => super::postgres::search::similar(pg, c, query, limit, hidden_categories).await?,
    };
    similar_in_order(c, query, &ranked).await
}

impl Store {
    pub async fn search(&self, params: SearchParams) -> Result<Found> {
        self.read(move |c| Box::pin(async move { search(c, &params).await })).await
    }

    pub async fn similar_threads(&self, query: crate::domain::search::Query, limit: i64, hidden_categories: Vec<i64>) -> Result<Vec<SimilarThread>> {
        self.read(move |c| Box::pin(async move { similar_threads(c, &query, limit, &hidden_categories).await })).await
    }
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
        assert_eq!(super::super::forum::page_offset(-5, 20), 0);
        assert_eq!(super::super::forum::page_offset(i64::MAX, 20), i64::MAX);
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
