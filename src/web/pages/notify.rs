//! A member's notifications, their unread and new threads, and muting.

use super::forum::{ThreadRow, thread_rows};
use super::{Empty, Layout, PageQuery, Pager, html, login_redirect, see_other};
use crate::app::notify::{CatchingUp, describe, notification_url};
use crate::domain::dates;
use crate::web::AppState;
use crate::web::auth::{CsrfForm, Visitor};
use crate::web::error::Error;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_all_read))
        .route("/notifications/{id}/read", post(mark_read))
        .route("/unread", get(unread))
        .route("/new", get(new_threads))
        .route("/u/{username}/mute", post(mute))
        .route("/u/{username}/unmute", post(unmute))
}

pub struct NotificationView {
    pub id: i64,
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
    unread: i64,
    pager: Pager,
}

async fn notifications(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect("/notifications"));
    }
    let page = state.app.notifications(&visitor.viewer, q.page.unwrap_or(1)).await?;
    let items = page
        .items
        .into_iter()
        .map(|n| {
            let (title, summary) = describe(&n);
            NotificationView {
                id: n.id,
                url: notification_url(&n),
                title,
                summary,
                read: n.read,
                created_iso: dates::rfc3339(n.created_at),
                created_human: dates::human(n.created_at),
            }
        })
        .collect();
    let mut layout = Layout::new("Notifications", &visitor);
    // The page's own count is the freshest: the header shows it too.
    if let Some(user) = &mut layout.user {
        user.unread = page.unread;
    }
    html(NotificationsPage { layout, items, unread: page.unread, pager: Pager::open("/notifications", page.page, page.more) })
}

async fn mark_all_read(State(state): State<AppState>, visitor: Visitor, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    state.app.mark_notifications_read(&visitor.viewer, None).await?;
    Ok(see_other("/notifications"))
}

async fn mark_read(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    state.app.mark_notifications_read(&visitor.viewer, Some(vec![id])).await?;
    Ok(see_other(&format!("/notifications#n{id}")))
}

#[derive(Template)]
#[template(path = "catching_up.html")]
struct CatchingUpPage {
    layout: Layout,
    heading: &'static str,
    lede: &'static str,
    empty: &'static str,
    threads: Vec<ThreadRow>,
    show_category: bool,
    pager: Pager,
}

fn catching_up(visitor: &Visitor, path: &str, list: CatchingUp, heading: &'static str, lede: &'static str, empty: &'static str) -> Result<Response, Error> {
    html(CatchingUpPage {
        layout: Layout::new(heading, visitor),
        heading,
        lede,
        empty,
        pager: Pager::open(path, list.page, list.more),
        threads: thread_rows(list.threads, &visitor.viewer),
        show_category: true,
    })
}

async fn unread(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect("/unread"));
    }
    let list = state.app.unread_threads(&visitor.viewer, q.page.unwrap_or(1)).await?;
    catching_up(
        &visitor,
        "/unread",
        list,
        "Unread",
        "Threads you follow with replies you haven't read yet.",
        "You're all caught up: nothing unread in the threads you follow.",
    )
}

#[derive(serde::Deserialize)]
struct NewQuery {
    page: Option<i64>,
    /// `/new?category=…` was once the composer's address; it still leads there.
    category: Option<String>,
}

async fn new_threads(State(state): State<AppState>, visitor: Visitor, Query(q): Query<NewQuery>) -> Result<Response, Error> {
    if let Some(category) = q.category {
        return Ok(see_other(&format!("/new-thread?category={}", super::urlencode(&category))));
    }
    if !visitor.is_member() {
        return Ok(login_redirect("/new"));
    }
    let list = state.app.new_threads(&visitor.viewer, q.page.unwrap_or(1)).await?;
    catching_up(
        &visitor,
        "/new",
        list,
        "New threads",
        "Threads started since your last visit, or in the last two days, that you haven't opened.",
        "No new threads since your last visit.",
    )
}

async fn mute(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    state.app.set_muted(&visitor.viewer, &username, true).await?;
    Ok(see_other(&format!("/u/{username}")))
}

async fn unmute(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    state.app.set_muted(&visitor.viewer, &username, false).await?;
    Ok(see_other(&format!("/u/{username}")))
}
