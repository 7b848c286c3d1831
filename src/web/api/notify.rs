//! A member's notifications, watch levels, mutes, and unread and new threads.

use super::{ApiJson, UserRef};
use crate::app::notify::{describe, notification_url};
use crate::app::{Notification, ThreadSummary};
use crate::domain::dates::rfc3339;
use crate::domain::links::{post_url, thread_url};
use crate::domain::notify::{Level, new_posts};
use crate::web::AppState;
use crate::web::auth::Visitor;
use crate::web::error::Error;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// A notice about no post (a sanction, an export) leaves `thread_id` and
/// `post_id` out rather than null: clients, and API fuzzers following ids
/// from one response into the next request, never meet an id that isn't one.
fn item(n: &Notification) -> Value {
    let (title, text) = describe(n);
    let mut item = json!({
        "id": n.id,
        "kind": n.kind,
        "actors": n.actors.iter().map(|a| UserRef { username: a.clone() }).collect::<Vec<_>>(),
        "actor_count": n.actor_count,
        "thread_id": n.thread_id,
        "post_id": n.post_id,
        "url": notification_url(n),
        "title": title,
        "text": text,
        "detail": n.detail,
        "read": n.read,
        "created_at": rfc3339(n.created_at),
    });
    if let Value::Object(fields) = &mut item {
        fields.retain(|key, value| !(matches!(key.as_str(), "thread_id" | "post_id") && value.is_null()));
    }
    item
}

/// `GET /api/v1/notifications?page=N`: newest first, with the unread count.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Result<Json<Value>, Error> {
    let page = state.app.notifications(&visitor.viewer, super::page_number(q.page)?).await?;
    Ok(Json(json!({
        "items": page.items.iter().map(item).collect::<Vec<_>>(),
        "unread": page.unread,
        "page": page.page,
        "more": page.more,
    })))
}

/// `GET /api/v1/notifications/unread`: just the count, for the header's badge.
pub async fn unread(State(state): State<AppState>, visitor: Visitor) -> Result<Json<Value>, Error> {
    Ok(Json(json!({ "unread": state.app.unread_notifications(&visitor.viewer).await? })))
}

#[derive(Deserialize)]
pub struct ReadBody {
    ids: Option<Vec<i64>>,
}

/// `POST /api/v1/notifications/read` with `{ids?}`: those, or all of them.
pub async fn mark_read(State(state): State<AppState>, visitor: Visitor, body: Option<ApiJson<ReadBody>>) -> Result<Json<Value>, Error> {
    let ids = body.and_then(|ApiJson(b)| b.ids);
    let marked = state.app.mark_notifications_read(&visitor.viewer, ids).await?;
    Ok(Json(json!({ "marked": marked, "unread": state.app.unread_notifications(&visitor.viewer).await? })))
}

#[derive(Deserialize)]
pub struct LevelBody {
    level: String,
}

fn level(body: &LevelBody) -> Result<Level, Error> {
    Level::parse(&body.level).ok_or_else(|| Error::Invalid(vec![crate::domain::FieldError::new("level", "Choose watching, tracking, normal or muted.")]))
}

/// `PUT /api/v1/threads/{id}/watch` with `{level}`.
pub async fn watch_thread(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, ApiJson(body): ApiJson<LevelBody>) -> Result<StatusCode, Error> {
    state.app.set_thread_level(&visitor.viewer, id, level(&body)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/categories/{slug}/watch` with `{level}`.
pub async fn watch_category(State(state): State<AppState>, visitor: Visitor, Path(slug): Path<String>, ApiJson(body): ApiJson<LevelBody>) -> Result<StatusCode, Error> {
    state.app.set_category_level(&visitor.viewer, &slug, level(&body)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT` or `DELETE /api/v1/users/{username}/mute`.
pub async fn mute(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<StatusCode, Error> {
    state.app.set_muted(&visitor.viewer, &username, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unmute(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<StatusCode, Error> {
    state.app.set_muted(&visitor.viewer, &username, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A thread in a list, with what the member listing it has still to read.
pub fn thread_item(t: &ThreadSummary) -> Value {
    let unread = new_posts(t.last_number, t.reading.last_read, t.reading.level());
    json!({
        "id": t.id, "title": t.title, "slug": t.slug, "url": thread_url(t.id, &t.slug),
        "category": t.category_slug, "author": {"username": t.author},
        "replies": t.replies, "last_poster": {"username": t.last_poster},
        "created_at": rfc3339(t.created_at), "last_post_at": rfc3339(t.last_post_at),
        "last_read": t.reading.last_read,
        "new_posts": unread,
        "level": t.reading.level().as_str(),
        "first_unread_url": (unread > 0).then(|| post_url(t.id, &t.slug, t.reading.last_read.unwrap_or(0) + 1)),
    })
}

/// `GET /api/v1/threads/unread` and `/threads/new`.
pub async fn unread_threads(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Result<Json<Value>, Error> {
    let list = state.app.unread_threads(&visitor.viewer, super::page_number(q.page)?).await?;
    Ok(Json(json!({ "page": list.page, "more": list.more, "threads": list.threads.iter().map(thread_item).collect::<Vec<_>>() })))
}

pub async fn new_threads(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Result<Json<Value>, Error> {
    let list = state.app.new_threads(&visitor.viewer, super::page_number(q.page)?).await?;
    Ok(Json(json!({ "page": list.page, "more": list.more, "threads": list.threads.iter().map(thread_item).collect::<Vec<_>>() })))
}
