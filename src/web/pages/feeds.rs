//! Atom feeds, with `ETag` and `If-None-Match` so readers that poll often
//! cost a hash, not a download.

use crate::domain::feeds::Feed;
use crate::web::{AppState, cache};
use crate::web::error::Error;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feed.atom", get(latest))
        .route("/c/{slug}/feed.atom", get(category))
        .route("/t/{id}/feed.atom", get(thread))
        .route("/u/{username}/feed.atom", get(member))
}

/// The feed, or 304 when the reader already has this version. Everyone sees
/// the same feed, so the guests' page cache keeps it too.
fn atom(feed: Feed, request: &HeaderMap) -> Response {
    let xml = feed.to_xml();
    let etag = HeaderValue::from_str(&cache::etag_of(xml.as_bytes())).expect("hex in quotes is a valid header");
    // Caches may share it, briefly.
    let policy = HeaderValue::from_static("public, max-age=60");
    if request.get(header::IF_NONE_MATCH).is_some_and(|asked| cache::matches(asked, &etag)) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, policy)]).into_response();
    }
    let content_type = HeaderValue::from_static("application/atom+xml; charset=utf-8");
    let mut response = ([(header::CONTENT_TYPE, content_type), (header::ETAG, etag), (header::CACHE_CONTROL, policy)], xml).into_response();
    response.extensions_mut().insert(cache::SameForEveryGuest);
    response
}

async fn latest(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Error> {
    Ok(atom(state.app.threads_feed(None).await?, &headers))
}

async fn category(State(state): State<AppState>, headers: HeaderMap, Path(slug): Path<String>) -> Result<Response, Error> {
    Ok(atom(state.app.threads_feed(Some(&slug)).await?, &headers))
}

async fn thread(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Result<Response, Error> {
    Ok(atom(state.app.thread_feed(id).await?, &headers))
}

async fn member(State(state): State<AppState>, headers: HeaderMap, Path(username): Path<String>) -> Result<Response, Error> {
    Ok(atom(state.app.member_feed(&username).await?, &headers))
}
