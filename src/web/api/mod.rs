//! The JSON API under `/api/v1`, described by `/api/openapi.json`.
//!
//! Handlers are thin: they read JSON, call a use case in `app`, and shape
//! the answer; one file per area, named as in `app`. Errors become RFC 9457
//! problem bodies in [`super::error`].

mod accounts;
mod admin;
mod forum;
mod moderation;
mod notify;
mod programme;
mod safety;
mod search;

use super::AppState;
use super::error::Error;
use crate::domain::FieldError;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(accounts::create_user))
        .route("/users/{username}", get(accounts::user_profile))
        .route("/sessions", post(accounts::create_session).delete(accounts::delete_all_sessions))
        .route("/sessions/current", delete(accounts::delete_session))
        .route("/me", get(accounts::me).delete(accounts::delete_me))
        .route("/me/export", get(accounts::download_export).post(accounts::request_export))
        .route("/me/settings", get(accounts::settings).patch(accounts::update_settings))
        .route("/me/email", post(accounts::change_email))
        .route("/me/password", post(accounts::change_password))
        .route("/password-resets", post(accounts::request_reset))
        .route("/password-resets/{token}", post(accounts::reset_password))
        .route("/email-confirmations/{token}", post(accounts::confirm_email))
        .route("/categories", get(forum::list_categories).post(admin::create_category))
        .route("/categories/{slug}", patch(admin::update_category))
        .route("/threads", get(forum::list_threads).post(forum::create_thread))
        .route("/threads/similar", get(search::similar_threads))
        .route("/threads/{id}", get(forum::show_thread))
        .route("/threads/{id}/posts", post(forum::create_post))
        .route("/posts/{id}", get(forum::show_post).patch(forum::edit_post).delete(forum::delete_post))
        .route("/posts/{id}/revisions", get(forum::post_revisions))
        .route("/posts/{id}/quote", get(forum::quote_post))
        .route("/posts/{id}/thanks", put(forum::thank).delete(forum::unthank))
        .route("/search", get(search::search))
        .route("/safety/check", post(safety::check))
        .route("/notifications", get(notify::list))
        .route("/notifications/unread", get(notify::unread))
        .route("/notifications/read", post(notify::mark_read))
        .route("/threads/unread", get(notify::unread_threads))
        .route("/threads/new", get(notify::new_threads))
        .route("/threads/{id}/watch", put(notify::watch_thread))
        .route("/categories/{slug}/watch", put(notify::watch_category))
        .route("/users/{username}/mute", put(notify::mute).delete(notify::unmute))
        .route("/posts/{id}/flags", post(moderation::flag))
        .route("/mod/queue", get(moderation::queue))
        .route("/mod/posts/{id}/hide", post(moderation::hide))
        .route("/mod/posts/{id}/restore", post(moderation::restore))
        .route("/mod/posts/{id}/approve", post(moderation::approve))
        .route("/mod/users/{username}", get(moderation::member))
        .route("/mod/users/{username}/warn", post(moderation::warn))
        .route("/mod/users/{username}/silence", post(moderation::silence).delete(moderation::unsilence))
        .route("/mod/users/{username}/suspend", post(moderation::suspend).delete(moderation::unsuspend))
        .route("/mod/users/{username}/trust", post(moderation::trust))
        .route("/mod/users/{username}/notes", post(moderation::add_note))
        .route("/mod/threads/{id}/lock", post(moderation::lock))
        .route("/mod/threads/{id}/pin", post(moderation::pin))
        .route("/mod/threads/{id}/move", post(moderation::move_thread))
        .route("/mod/threads/{id}/split", post(moderation::split))
        .route("/mod/threads/{id}/merge", post(moderation::merge))
        .route("/mod/threads/{id}/slow-mode", post(moderation::slow_mode))
        .route("/mod/log", get(moderation::log))
        .route("/settings/moderation", get(admin::moderation_settings).put(admin::set_moderation_settings))
        .route("/plans", get(programme::list_plans).post(programme::add_plan))
        .route("/plans/{id}", get(programme::show_plan))
        .route("/runs", get(programme::list_runs).post(programme::log_run))
        .route("/runs/{id}", get(programme::show_run).patch(programme::update_run).delete(programme::delete_run))
        .route("/users/{username}/progress", get(programme::progress))
        .route("/me/programme", patch(programme::update_programme))
}

pub const OPENAPI: &str = include_str!("../openapi.json");

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// A JSON body whose problems are reported per field: a missing or mistyped
/// field is a 422 naming it, unparseable JSON a 400.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        // Exactly application/json (parameters such as charset aside): a
        // type a cross-site form can't send, so a cookie alone never carries
        // a write here without the browser's own cross-origin checks.
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(Error::BadRequest("Send a JSON body with Content-Type: application/json.".into()));
        }
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(Error::unreadable_body)?;
        let mut value: Value = serde_json::from_slice(&bytes).map_err(|e| Error::BadRequest(format!("The body is not valid JSON: {e}")))?;
        // Every body here is an object; serde would also read a struct from
        // an array of its fields, which no client means to send.
        if !value.is_object() {
            return Err(Error::BadRequest("Send a JSON object, such as {\"body\": \"…\"}.".into()));
        }
        whole_numbers(&mut value);
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

/// JSON has one kind of number: `6155.0` is the integer 6155 to any JSON
/// client (and to JSON Schema), so numbers without a fraction that fit an
/// i64 are read as integers wherever they are.
fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            // Beyond 2^53 a float isn't an exact integer any more.
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() <= 9_007_199_254_740_992.0
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// A JSON body that may be left out altogether (for actions whose fields are
/// all optional): no body at all is `None`, anything else must be valid JSON.
impl<T: DeserializeOwned, S: Send + Sync> axum::extract::OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Error> {
        let empty = request.headers().get(header::CONTENT_LENGTH).is_some_and(|l| l == "0")
            || (!request.headers().contains_key(header::CONTENT_TYPE) && !request.headers().contains_key(header::TRANSFER_ENCODING));
        if empty {
            return Ok(None);
        }
        <ApiJson<T> as FromRequest<S>>::from_request(request, state).await.map(Some)
    }
}

/// A page number asked for: the first when none is given; below 1 is a
/// mistake worth saying, not a page to guess at.
fn page_number(asked: Option<i64>) -> Result<i64, Error> {
    match asked {
        None => Ok(1),
        Some(n) if n >= 1 => Ok(n),
        Some(_) => Err(Error::BadRequest("Page numbers start at 1.".into())),
    }
}

#[derive(serde::Serialize)]
struct UserRef {
    username: String,
}
