//! Search, and similar threads while composing.

use crate::app::search::SearchInput;
use crate::domain::dates::rfc3339;
use crate::domain::links::{RESULTS_PER_PAGE, pages, post_url, thread_url};
use crate::web::AppState;
use crate::web::auth::Visitor;
use crate::web::error::Error;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn search(State(state): State<AppState>, visitor: Visitor, Query(input): Query<SearchInput>) -> Result<Json<Value>, Error> {
    let page = super::page_number(input.page)?;
    let found = state.app.search(&visitor.viewer, &input).await?;
    Ok(Json(json!({
        "total": found.total,
        "total_exact": found.exact,
        "page": page,
        "pages": pages(found.total, RESULTS_PER_PAGE),
        "results": found.hits.iter().map(|h| json!({
            "thread_id": h.thread_id,
            "post_id": h.post_id,
            "title": h.title,
            "url": post_url(h.thread_id, &h.thread_slug, h.number),
            "snippet": h.snippet,
            "score": h.score,
            "author": {"username": h.author},
            "created_at": rfc3339(h.created_at),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct SimilarQuery {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

pub async fn similar_threads(State(state): State<AppState>, visitor: Visitor, Query(q): Query<SimilarQuery>) -> Result<Json<Value>, Error> {
    let threads = state.app.similar(&visitor.viewer, &q.title, &q.body).await?;
    Ok(Json(json!({
        "threads": threads.iter().map(|t| json!({
            "id": t.id, "title": t.title, "url": thread_url(t.id, &t.slug), "replies": t.replies, "snippet": t.snippet,
        })).collect::<Vec<_>>(),
    })))
}
