//! A member's notifications.

use super::{Empty, Layout, html, login_redirect, see_other};
use crate::app::notify::{describe, notification_url};
use crate::domain::dates;
use crate::web::AppState;
use crate::web::auth::{CsrfForm, Visitor};
use crate::web::error::Error;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/notifications", get(notifications)).route("/notifications/read", post(mark_read))
}

pub struct NotificationView {
    pub title: String,
    pub summary: String,
    pub url: Option<String>,
    pub read: bool,
    pub created_iso: String,
    pub created_human: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    items: Vec<NotificationView>,
    unread: usize,
}

async fn notifications(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect("/notifications"));
    }
    let items: Vec<NotificationView> = state
        .app
        .notifications(&visitor.viewer)
        .await?
        .into_iter()
        .map(|n| {
            let (title, summary) = describe(&n);
            NotificationView {
                url: notification_url(&n),
                title,
                summary,
                read: n.read,
                created_iso: dates::rfc3339(n.created_at),
                created_human: dates::human(n.created_at),
            }
        })
        .collect();
    let unread = items.iter().filter(|n| !n.read).count();
    html(NotificationsPage { layout: Layout::new("Notifications", &visitor), items, unread })
}

async fn mark_read(State(state): State<AppState>, visitor: Visitor, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    state.app.mark_notifications_read(&visitor.viewer).await?;
    Ok(see_other("/notifications"))
}
