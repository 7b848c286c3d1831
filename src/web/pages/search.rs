//! The search page.

use super::{Layout, Pager, for_every_guest, html};
use crate::app::search::SearchInput;
use crate::app::{Category, Found};
use crate::domain::FieldError;
use crate::domain::dates;
use crate::domain::links::{RESULTS_PER_PAGE, pages, post_url};
use crate::web::AppState;
use crate::web::auth::Visitor;
use crate::web::error::Error;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

pub struct ResultView {
    pub url: String,
    pub title: String,
    pub snippet: String,
    pub author: String,
    pub created_iso: String,
    pub created_human: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    categories: Vec<Category>,
    category: String,
    author: String,
    title_only: bool,
    from: String,
    to: String,
    newest: bool,
    advanced: bool,
    searched: bool,
    total: i64,
    total_exact: bool,
    results: Vec<ResultView>,
    pager: Pager,
    errors: Vec<FieldError>,
}

async fn search(State(state): State<AppState>, visitor: Visitor, Query(input): Query<SearchInput>) -> Result<Response, Error> {
    let page = input.page.unwrap_or(1).max(1);
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let searched = !input.q.trim().is_empty() || input.author.as_deref().is_some_and(|a| !a.trim().is_empty());
    let (found, errors) = if searched {
        match state.app.search(&visitor.viewer, &input).await {
            Ok(found) => (found, Vec::new()),
            Err(crate::app::Error::Invalid(errors)) => (Found::default(), errors),
            Err(e) => return Err(e.into()),
        }
    } else {
        (Found::default(), Vec::new())
    };
    // Pages link back with the same filters.
    let mut query: Vec<(&str, String)> = vec![("q", input.q.clone())];
    for (key, value) in [("category", &input.category), ("author", &input.author), ("title_only", &input.title_only), ("from", &input.from), ("to", &input.to), ("sort", &input.sort)] {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            query.push((key, v.clone()));
        }
    }
    let base = format!("/search?{}", serde_urlencoded::to_string(&query).unwrap_or_default());
    let advanced = [&input.category, &input.author, &input.title_only, &input.from, &input.to].iter().any(|v| v.as_ref().is_some_and(|v| !v.is_empty()))
        || input.sort.as_deref() == Some("date");
    let title = if searched { format!("Search: {}", input.q.trim()) } else { "Search".to_owned() };
    for_every_guest(html(SearchPage {
        layout: Layout::new(title, &visitor),
        categories: state.app.categories(&visitor.viewer).await?,
        category: text(&input.category),
        author: text(&input.author),
        title_only: input.title_only.as_deref().is_some_and(|v| !v.is_empty() && v != "0"),
        from: text(&input.from),
        to: text(&input.to),
        newest: input.sort.as_deref() == Some("date"),
        advanced,
        searched,
        total: found.total,
        total_exact: found.exact,
        pager: {
            let pager = Pager::new(base, page, pages(found.total, RESULTS_PER_PAGE));
            if input.sort.as_deref() == Some("date") { pager } else { pager.ranked() }
        },
        results: found
            .hits
            .into_iter()
            .map(|h| ResultView {
                url: post_url(h.thread_id, &h.thread_slug, h.number),
                title: h.title,
                snippet: h.snippet,
                author: h.author,
                created_iso: dates::rfc3339(h.created_at),
                created_human: dates::human(h.created_at),
            })
            .collect(),
        errors,
        q: input.q,
    }))
}
