//! Categories, threads and posts.

use super::{ApiJson, UserRef};
use crate::app::forum::Draft;
use crate::app::{App, Post};
use crate::domain::dates::rfc3339;
use crate::domain::links::thread_url;
use crate::domain::programme::PainSummary;
use crate::domain::safety::{Assessment, Tier};
use crate::web::{AppState, ClientAddr};
use crate::web::auth::Visitor;
use crate::web::error::Error;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    category: Option<String>,
    /// Threads per page, 1 to 50 (25 unless given).
    per_page: Option<i64>,
}

/// A post as the viewer may see it (a deleted one has no words), with its
/// red-flag signposting.
#[derive(Serialize)]
pub struct PostJson {
    id: i64,
    thread_id: i64,
    number: i64,
    author: UserRef,
    /// Where the author is in the running programme ("W5R3"), if they show it.
    author_badge: Option<String>,
    /// The author's own picture, if they uploaded one.
    author_avatar: Option<String>,
    body: String,
    html: String,
    reply_to: Option<i64>,
    mentions: Vec<String>,
    thanks: i64,
    thanked: bool,
    deleted: bool,
    created_at: String,
    edited_at: Option<String>,
    /// Red-flag signposting for what the post describes; null when there is none.
    safety: Option<Assessment>,
    /// Hidden after flags or by a moderator: only its author and the moderators read it.
    hidden: bool,
    /// Waiting for a moderator's approval.
    held: bool,
    /// Why it is hidden, for its author.
    #[serde(skip_serializing_if = "Option::is_none")]
    hidden_reason: Option<String>,
    /// The viewer muted its author: clients fold it away.
    author_muted: bool,
    /// The summary of their pain log the author attached.
    pain_summary: Option<PainSummary>,
}

impl PostJson {
    /// A post as JSON for whoever asked: a hidden one they may not read is
    /// only its place (`{id, number, hidden: true}`); a guest's view of a
    /// members-only thread's opening post is its teaser.
    pub fn value(p: Post, app: &App) -> Value {
        if p.hidden && p.html.is_empty() {
            return json!({ "id": p.id, "number": p.number, "hidden": true });
        }
        if p.members_only && p.html.is_empty() && !p.deleted {
            return json!({ "id": p.id, "number": p.number, "author": {"username": p.author}, "members_only": true, "teaser": p.excerpt });
        }
        serde_json::to_value(PostJson::new(p, app)).unwrap_or(Value::Null)
    }

    pub fn new(p: Post, app: &App) -> Self {
        let safety = (!p.deleted && !p.body.is_empty()).then(|| app.assess(&p.safety_text())).filter(|a| a.tier != Tier::None);
        let words = !p.deleted && !p.body.is_empty();
        PostJson {
            author_badge: p.author_badge,
            author_avatar: p.author_avatar,
            pain_summary: p.pain_summary.filter(|_| words),
            author_muted: p.author_muted,
            hidden: p.hidden,
            held: p.held,
            hidden_reason: p.hidden_reason,
            id: p.id,
            thread_id: p.thread_id,
            number: p.number,
            author: UserRef { username: p.author },
            body: p.body,
            html: p.html,
            reply_to: p.reply_to.map(|r| r.post_id),
            mentions: p.mentions,
            thanks: p.thanks,
            thanked: p.thanked,
            deleted: p.deleted,
            created_at: rfc3339(p.created_at),
            edited_at: p.edited_at.map(rfc3339),
            safety,
        }
    }
}

pub async fn list_categories(State(state): State<AppState>, visitor: Visitor) -> Result<Json<Value>, Error> {
    Ok(Json(json!({ "categories": state.app.categories(&visitor.viewer).await? })))
}

pub async fn list_threads(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Result<Json<Value>, Error> {
    let per_page = match q.per_page {
        None => crate::domain::links::THREADS_PER_PAGE,
        Some(n) if (1..=crate::domain::links::MAX_THREADS_PER_PAGE).contains(&n) => n,
        Some(_) => return Err(Error::BadRequest(format!("per_page is 1 to {}.", crate::domain::links::MAX_THREADS_PER_PAGE))),
    };
    let list = state.app.thread_list_of(&visitor.viewer, q.category.as_deref(), super::page_number(q.page)?, per_page).await?;
    Ok(Json(json!({
        "page": list.page,
        "pages": list.pages,
        "total": list.threads.total,
        "threads": list.threads.items.iter().map(super::notify::thread_item).collect::<Vec<_>>(),
        "pinned": list.pinned.iter().map(super::notify::thread_item).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct NewThreadBody {
    category: String,
    title: String,
    body: String,
    /// "Post anyway": the author saw that the post holds contact details.
    #[serde(default)]
    contact_details_ok: bool,
    /// Attach a summary of the author's recent pain log for this area.
    pain_area: Option<String>,
}

pub async fn create_thread(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, ApiJson(input): ApiJson<NewThreadBody>) -> Result<Response, Error> {
    visitor.viewer.member_or_login()?;
    let draft = Draft { body: &input.body, contact_details_ok: input.contact_details_ok, pain_area: input.pain_area.as_deref() };
    let (thread, post) = state.app.start_thread(&visitor.viewer, &client, &input.category, &input.title, draft).await?;
    let body = json!({
        "id": thread.id, "slug": thread.slug, "url": thread_url(thread.id, &thread.slug),
        "first_post": PostJson::new(post, &state.app),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn show_thread(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, Query(q): Query<PageQuery>) -> Result<Json<Value>, Error> {
    let page = state.app.thread_page(&visitor.viewer, id, super::page_number(q.page)?).await?;
    let thread = &page.thread;
    Ok(Json(json!({
        "id": thread.id, "title": thread.title, "slug": thread.slug,
        "url": thread_url(thread.id, &thread.slug),
        "category": {"slug": thread.category_slug, "name": thread.category_name},
        "replies": thread.reply_count, "page": page.page, "pages": page.pages,
        "members_only": thread.members_only, "locked": thread.locked,
        "last_number": thread.last_number,
        // Where the viewer had read to before this page, and how they follow the thread.
        "last_read": thread.reading.last_read, "level": thread.reading.level().as_str(),
        "posts": page.posts.into_iter().map(|p| PostJson::value(p, &state.app)).collect::<Vec<_>>(),
    })))
}

pub async fn show_post(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Json<Value>, Error> {
    Ok(Json(PostJson::value(state.app.post(&visitor.viewer, id).await?, &state.app)))
}

#[derive(Deserialize)]
pub struct NewPostBody {
    body: String,
    reply_to: Option<i64>,
    #[serde(default)]
    contact_details_ok: bool,
    pain_area: Option<String>,
}

pub async fn create_post(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientAddr(client): ClientAddr,
    Path(thread_id): Path<i64>,
    ApiJson(input): ApiJson<NewPostBody>,
) -> Result<Response, Error> {
    visitor.viewer.member_or_login()?;
    let draft = Draft { body: &input.body, contact_details_ok: input.contact_details_ok, pain_area: input.pain_area.as_deref() };
    let post = state.app.reply(&visitor.viewer, &client, thread_id, draft, input.reply_to).await?;
    Ok((StatusCode::CREATED, Json(PostJson::new(post, &state.app))).into_response())
}

#[derive(Deserialize)]
pub struct EditBody {
    body: String,
    #[serde(default)]
    contact_details_ok: bool,
}

pub async fn edit_post(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, ApiJson(input): ApiJson<EditBody>) -> Result<Json<PostJson>, Error> {
    let post = state.app.edit(&visitor.viewer, id, Draft { body: &input.body, contact_details_ok: input.contact_details_ok, pain_area: None }).await?;
    Ok(Json(PostJson::new(post, &state.app)))
}

#[derive(Deserialize, Default)]
pub struct DeleteQuery {
    /// A moderator's reason, which the author is told.
    reason: Option<String>,
}

pub async fn delete_post(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, Query(q): Query<DeleteQuery>) -> Result<StatusCode, Error> {
    state.app.delete(&visitor.viewer, id, q.reason.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/posts/{id}/revisions?page=N`: earlier versions, oldest first, a page at a time.
pub async fn post_revisions(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, Query(q): Query<PageQuery>) -> Result<Json<Value>, Error> {
    let page = super::page_number(q.page)?;
    let (_, listed, pages) = state.app.revisions(&visitor.viewer, id, page).await?;
    Ok(Json(json!({
        "page": page, "pages": pages, "total": listed.total,
        "revisions": listed.items.iter().map(|r| json!({
            "body": r.body, "html": r.html, "created_at": rfc3339(r.created_at), "replaced_at": rfc3339(r.replaced_at),
        })).collect::<Vec<_>>(),
    })))
}

pub async fn thank(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Json<Value>, Error> {
    let (_, count) = state.app.thank(&visitor.viewer, id, true).await?;
    Ok(Json(json!({ "thanks": count, "thanked": true })))
}

pub async fn unthank(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Json<Value>, Error> {
    let (_, count) = state.app.thank(&visitor.viewer, id, false).await?;
    Ok(Json(json!({ "thanks": count, "thanked": false })))
}

#[derive(Deserialize)]
pub struct QuoteQuery {
    selection: Option<String>,
}

/// The Markdown a composer starts with when quoting this post (or the selected part of it).
pub async fn quote_post(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, Query(q): Query<QuoteQuery>) -> Result<Json<Value>, Error> {
    let (post, markdown) = state.app.quote(&visitor.viewer, id, q.selection.as_deref()).await?;
    Ok(Json(json!({ "markdown": markdown, "reply_to": post.id })))
}
