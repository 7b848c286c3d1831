//! The JSON API under `/api/v1`, described by `/api/openapi.json`.
//!
//! Handlers are thin: they read JSON, call [`actions`], and shape the answer.
//! Errors become RFC 9457 problem bodies in [`super::error`].

use super::actions::{self, Registration, THREADS_PER_PAGE};
use super::auth::{self, Viewer};
use super::{AppState, ClientAddr, error::Error, format::rfc3339};
use crate::domain::FieldError;
use crate::domain::safety::{Assessment, Tier};
use crate::store::{self, SessionKind};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(create_user))
        .route("/users/{username}", get(user_profile))
        .route("/sessions", post(create_session))
        .route("/sessions/current", axum::routing::delete(delete_session))
        .route("/me", get(me))
        .route("/categories", get(list_categories).post(create_category))
        .route("/categories/{slug}", axum::routing::patch(update_category))
        .route("/threads", get(list_threads).post(create_thread))
        .route("/threads/similar", get(similar_threads))
        .route("/threads/{id}", get(show_thread))
        .route("/search", get(search))
        .route("/threads/{id}/posts", post(create_post))
        .route("/posts/{id}", get(show_post).patch(edit_post).delete(delete_post))
        .route("/posts/{id}/revisions", get(post_revisions))
        .route("/posts/{id}/quote", get(quote_post))
        .route("/posts/{id}/thanks", put(thank).delete(unthank))
        .route("/safety/check", post(safety_check))
        .route("/notifications", get(list_notifications))
        .route("/notifications/read", post(read_notifications))
}

pub const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// A JSON body whose problems are reported per field: a missing or mistyped
/// field is a 422 naming it, unparseable JSON a 400.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !is_json {
            return Err(Error::BadRequest("Send a JSON body with Content-Type: application/json.".into()));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| Error::BadRequest(e.body_text()))?;
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| Error::BadRequest(format!("The body is not valid JSON: {e}")))?;
        serde_path_to_error::deserialize(value).map(ApiJson).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            let field = match path.as_str() {
                "." => message.split('`').nth(1).unwrap_or("body").to_owned(),
                _ => path,
            };
            Error::Invalid(vec![FieldError::new(field, message)])
        })
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
    category: Option<String>,
}

#[derive(Serialize)]
struct UserRef {
    username: String,
}

#[derive(Serialize)]
pub struct PostJson {
    id: i64,
    thread_id: i64,
    number: i64,
    author: UserRef,
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
}

impl PostJson {
    fn new(p: store::Post, state: &AppState) -> Self {
        let safety = (!p.deleted).then(|| state.assess(&p.body)).filter(|a| a.tier != Tier::None);
        PostJson { safety, ..PostJson::from(p) }
    }
}

impl From<store::Post> for PostJson {
    fn from(p: store::Post) -> Self {
        // A deleted post keeps its place and author so replies still make sense, but not its words.
        let (body, html, mentions) = if p.deleted { Default::default() } else { (p.body, p.html, p.mentions) };
        PostJson {
            id: p.id,
            thread_id: p.thread_id,
            number: p.number,
            author: UserRef { username: p.author },
            body,
            html,
            reply_to: p.reply_to.map(|r| r.post_id),
            mentions,
            thanks: p.thanks,
            thanked: p.thanked,
            deleted: p.deleted,
            created_at: rfc3339(p.created_at),
            edited_at: p.edited_at.map(rfc3339),
            safety: None,
        }
    }
}

fn user_json(u: &store::User) -> Value {
    json!({ "id": u.id, "username": u.username, "role": u.role, "created_at": rfc3339(u.created_at) })
}

#[derive(Deserialize)]
struct NewUser {
    username: String,
    password: String,
    email: Option<String>,
}

async fn create_user(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(input): ApiJson<NewUser>,
) -> Result<Response, Error> {
    let user = actions::register(
        &state,
        &client,
        Registration { username: input.username, password: input.password, email: input.email },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": user.id, "username": user.username })))
        .into_response())
}

async fn user_profile(State(state): State<AppState>, Path(username): Path<String>) -> Result<Json<Value>, Error> {
    let user = state.store.user_by_name(&username).await?.ok_or(Error::NotFound)?;
    let recent = state.store.recent_posts_by(user.id, 10).await?;
    Ok(Json(json!({
        "username": user.username,
        "role": user.role,
        "joined": rfc3339(user.created_at),
        "post_count": user.post_count,
        "thanks_received": user.thanks_received,
        "recent_posts": recent.iter().map(|p| json!({
            "post_id": p.post_id,
            "thread_id": p.thread_id,
            "thread_title": p.thread_title,
            "url": actions::post_url(p.thread_id, &p.thread_slug, p.number),
            "excerpt": p.excerpt,
            "created_at": rfc3339(p.created_at),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn create_session(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(input): ApiJson<Credentials>,
) -> Result<Response, Error> {
    let (user, token) = actions::log_in(&state, &client, &input.username, &input.password, SessionKind::Api).await?;
    let cookie = auth::set_cookie(auth::SESSION_COOKIE, &token, auth::SESSION_SECONDS, state.config.secure_cookies);
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(json!({ "token": token, "user": user_json(&user) })))
        .into_response())
}

async fn delete_session(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Error> {
    viewer.require()?;
    actions::log_out(&state, viewer.token.as_deref()).await?;
    let expired = auth::set_cookie(auth::SESSION_COOKIE, "", 0, state.config.secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, expired)]).into_response())
}

async fn me(viewer: Viewer) -> Result<Json<Value>, Error> {
    let user = viewer.require()?;
    Ok(Json(json!({
        "id": user.id, "username": user.username, "role": user.role, "created_at": rfc3339(user.created_at),
        "post_count": user.post_count, "thanks_received": user.thanks_received,
    })))
}

async fn list_categories(State(state): State<AppState>) -> Result<Json<Value>, Error> {
    Ok(Json(json!({ "categories": state.store.categories().await? })))
}

#[derive(Deserialize)]
struct CategoryBody {
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
}

async fn create_category(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<CategoryBody>,
) -> Result<Response, Error> {
    let actor = viewer.actor()?;
    let input = actions::category_input(&input.slug, &input.name, &input.description)?;
    let category = actions::create_category(&state, actor, input).await?;
    Ok((StatusCode::CREATED, Json(category)).into_response())
}

async fn update_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<CategoryBody>,
) -> Result<Json<store::Category>, Error> {
    let actor = viewer.actor()?;
    let input = actions::category_input(&input.slug, &input.name, &input.description)?;
    Ok(Json(actions::update_category(&state, actor, &slug, input).await?))
}

async fn list_threads(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Result<Json<Value>, Error> {
    let category = match &q.category {
        Some(slug) => Some(state.store.category(slug).await?.ok_or(Error::NotFound)?),
        None => None,
    };
    let page = q.page.unwrap_or(1).max(1);
    let listing = state.store.threads(category.map(|c| c.id), page, THREADS_PER_PAGE).await?;
    Ok(Json(json!({
        "page": page,
        "pages": actions::pages(listing.total, THREADS_PER_PAGE),
        "total": listing.total,
        "threads": listing.items.iter().map(|t| json!({
            "id": t.id, "title": t.title, "slug": t.slug, "url": format!("/t/{}/{}", t.id, t.slug),
            "category": t.category_slug, "author": {"username": t.author},
            "replies": t.replies, "last_poster": {"username": t.last_poster},
            "created_at": rfc3339(t.created_at), "last_post_at": rfc3339(t.last_post_at),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct NewThreadBody {
    category: String,
    title: String,
    body: String,
}

async fn create_thread(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(input): ApiJson<NewThreadBody>,
) -> Result<Response, Error> {
    let user = viewer.require()?;
    let (thread, post) = actions::start_thread(&state, user, &input.category, &input.title, &input.body).await?;
    let body = json!({
        "id": thread.id, "slug": thread.slug, "url": format!("/t/{}/{}", thread.id, thread.slug),
        "first_post": PostJson::new(post, &state),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn show_thread(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Value>, Error> {
    let page = q.page.unwrap_or(1);
    let (thread, posts, pages) = actions::thread_page(&state, id, page, viewer.user_id()).await?;
    Ok(Json(json!({
        "id": thread.id, "title": thread.title, "slug": thread.slug,
        "url": format!("/t/{}/{}", thread.id, thread.slug),
        "category": {"slug": thread.category_slug, "name": thread.category_name},
        "replies": thread.reply_count, "page": page, "pages": pages,
        "posts": posts.into_iter().map(|p| PostJson::new(p, &state)).collect::<Vec<_>>(),
    })))
}

async fn show_post(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Json<PostJson>, Error> {
    let post = state.store.post(id, viewer.user_id()).await?.ok_or(Error::NotFound)?;
    Ok(Json(PostJson::new(post, &state)))
}

#[derive(Deserialize)]
struct NewPostBody {
    body: String,
    reply_to: Option<i64>,
}

async fn create_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(thread_id): Path<i64>,
    ApiJson(input): ApiJson<NewPostBody>,
) -> Result<Response, Error> {
    let user = viewer.require()?;
    let post = actions::reply(&state, user, thread_id, &input.body, input.reply_to).await?;
    Ok((StatusCode::CREATED, Json(PostJson::new(post, &state))).into_response())
}

#[derive(Deserialize)]
struct EditBody {
    body: String,
}

async fn edit_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EditBody>,
) -> Result<Json<PostJson>, Error> {
    let post = actions::edit(&state, viewer.actor()?, id, &input.body).await?;
    Ok(Json(PostJson::new(post, &state)))
}

async fn delete_post(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<StatusCode, Error> {
    actions::delete(&state, viewer.actor()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn post_revisions(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, Error> {
    let post = state.store.post(id, None).await?.ok_or(Error::NotFound)?;
    if post.deleted {
        return Err(Error::NotFound);
    }
    let revisions = state.store.revisions(id).await?;
    Ok(Json(json!({
        "revisions": revisions.iter().map(|r| json!({
            "body": r.body, "html": r.html, "created_at": rfc3339(r.created_at), "replaced_at": rfc3339(r.replaced_at),
        })).collect::<Vec<_>>(),
    })))
}

async fn thank(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Json<Value>, Error> {
    let (_, count) = actions::thank(&state, viewer.actor()?, id, true).await?;
    Ok(Json(json!({ "thanks": count, "thanked": true })))
}

async fn unthank(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Json<Value>, Error> {
    let (_, count) = actions::thank(&state, viewer.actor()?, id, false).await?;
    Ok(Json(json!({ "thanks": count, "thanked": false })))
}

#[derive(Deserialize)]
struct QuoteQuery {
    selection: Option<String>,
}

/// The Markdown a composer starts with when quoting this post (or the selected part of it).
async fn quote_post(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<QuoteQuery>,
) -> Result<Json<Value>, Error> {
    let post = state.store.post(id, None).await?.filter(|p| !p.deleted).ok_or(Error::NotFound)?;
    let thread = state.store.thread(post.thread_id).await?.ok_or(Error::NotFound)?;
    let url = actions::post_url(thread.id, &thread.slug, post.number);
    let markdown = crate::domain::quote::compose(&post.author, &url, &post.body, q.selection.as_deref());
    Ok(Json(json!({ "markdown": markdown, "reply_to": post.id })))
}

#[derive(Deserialize)]
struct SafetyCheck {
    text: String,
}

/// Red-flag signposting for a draft; the composer calls it as people type.
async fn safety_check(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(input): ApiJson<SafetyCheck>,
) -> Result<Json<Assessment>, Error> {
    state.limiter.check("safety", state.config.rate_limits.safety, &client)?;
    if input.text.chars().count() > crate::domain::validate::BODY_MAX {
        return Err(Error::field("text", format!("Texts can be at most {} characters.", crate::domain::validate::BODY_MAX)));
    }
    Ok(Json(state.assess(&input.text)))
}

async fn list_notifications(State(state): State<AppState>, viewer: Viewer) -> Result<Json<Value>, Error> {
    let user = viewer.require()?;
    let notifications = state.store.notifications(user.id, 50).await?;
    Ok(Json(json!({
        "unread": notifications.iter().filter(|n| !n.read).count(),
        "notifications": notifications.iter().map(|n| json!({
            "id": n.id,
            "kind": n.kind,
            "post_id": n.post_id,
            "url": actions::notification_url(n),
            "thread_title": n.thread_title,
            "actor": n.actor.as_ref().map(|a| json!({"username": a})),
            "excerpt": n.excerpt,
            "created_at": rfc3339(n.created_at),
            "read": n.read,
        })).collect::<Vec<_>>(),
    })))
}

async fn read_notifications(State(state): State<AppState>, viewer: Viewer) -> Result<StatusCode, Error> {
    let user = viewer.require()?;
    state.store.mark_notifications_read(user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn search(State(state): State<AppState>, Query(input): Query<actions::SearchInput>) -> Result<Json<Value>, Error> {
    let page = input.page.unwrap_or(1).max(1);
    let found = actions::search(&state, &input).await?;
    Ok(Json(json!({
        "total": found.total,
        "total_exact": found.exact,
        "page": page,
        "pages": actions::pages(found.total, actions::RESULTS_PER_PAGE),
        "results": found.hits.iter().map(|h| json!({
            "thread_id": h.thread_id,
            "post_id": h.post_id,
            "title": h.title,
            "url": actions::post_url(h.thread_id, &h.thread_slug, h.number),
            "snippet": h.snippet,
            "score": h.score,
            "author": {"username": h.author},
            "created_at": rfc3339(h.created_at),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct SimilarQuery {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn similar_threads(State(state): State<AppState>, Query(q): Query<SimilarQuery>) -> Result<Json<Value>, Error> {
    let threads = actions::similar(&state, &q.title, &q.body).await?;
    Ok(Json(json!({
        "threads": threads.iter().map(|t| json!({
            "id": t.id, "title": t.title, "url": format!("/t/{}/{}", t.id, t.slug), "replies": t.replies, "snippet": t.snippet,
        })).collect::<Vec<_>>(),
    })))
}
