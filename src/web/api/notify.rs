//! A member's notifications.

use crate::app::notify::notification_url;
use crate::domain::dates::rfc3339;
use crate::web::AppState;
use crate::web::auth::Visitor;
use crate::web::error::Error;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{Value, json};

pub async fn list(State(state): State<AppState>, visitor: Visitor) -> Result<Json<Value>, Error> {
    let notifications = state.app.notifications(&visitor.viewer).await?;
    Ok(Json(json!({
        "unread": notifications.iter().filter(|n| !n.read).count(),
        "notifications": notifications.iter().map(|n| json!({
            "id": n.id,
            "kind": n.kind,
            "post_id": n.post_id,
            "url": notification_url(n),
            "thread_title": n.thread_title,
            "actor": n.actor.as_ref().map(|a| json!({"username": a})),
            "excerpt": n.excerpt,
            "detail": n.detail,
            "created_at": rfc3339(n.created_at),
            "read": n.read,
        })).collect::<Vec<_>>(),
    })))
}

pub async fn mark_read(State(state): State<AppState>, visitor: Visitor) -> Result<StatusCode, Error> {
    state.app.mark_notifications_read(&visitor.viewer).await?;
    Ok(StatusCode::NO_CONTENT)
}
