//! Joining, sessions and profiles.

use super::ApiJson;
use crate::app::accounts::Registration;
use crate::app::{SessionKind, User};
use crate::domain::dates::rfc3339;
use crate::domain::links::post_url;
use crate::web::auth::{Visitor, new_session_cookie, session_cookie};
use crate::web::error::Error;
use crate::web::{AppState, ClientAddr};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

fn user_json(u: &User) -> Value {
    json!({ "id": u.id, "username": u.username, "role": u.role, "created_at": rfc3339(u.created_at) })
}

#[derive(Deserialize)]
pub struct NewUser {
    username: String,
    password: String,
    email: Option<String>,
}

pub async fn create_user(State(state): State<AppState>, ClientAddr(client): ClientAddr, ApiJson(input): ApiJson<NewUser>) -> Result<Response, Error> {
    let user = state.app.register(&client, Registration { username: input.username, password: input.password, email: input.email, honeypot: None }).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": user.id, "username": user.username }))).into_response())
}

pub async fn user_profile(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<Json<Value>, Error> {
    let profile = state.app.profile(&visitor.viewer, &username, 10).await?;
    let user = &profile.user;
    Ok(Json(json!({
        "username": user.username,
        "role": user.role,
        "joined": rfc3339(user.created_at),
        "post_count": user.post_count,
        "thanks_received": user.thanks_received,
        "recent_posts": profile.recent.iter().map(|p| json!({
            "post_id": p.post_id,
            "thread_id": p.thread_id,
            "thread_title": p.thread_title,
            "url": post_url(p.thread_id, &p.thread_slug, p.number),
            "excerpt": p.excerpt,
            "created_at": rfc3339(p.created_at),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

pub async fn create_session(State(state): State<AppState>, ClientAddr(client): ClientAddr, headers: axum::http::HeaderMap, ApiJson(input): ApiJson<Credentials>) -> Result<Response, Error> {
    // A session the client had ends: each login gets a token of its own.
    let previous = crate::web::auth::session_token(&headers);
    let (user, token) = state.app.log_in_replacing(&client, &input.username, &input.password, SessionKind::Api, previous.as_deref()).await?;
    let cookie = new_session_cookie(&state, &token);
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(json!({ "token": token, "user": user_json(&user) }))).into_response())
}

/// `DELETE /api/v1/sessions`: every session of the caller's ends, this one included.
pub async fn delete_all_sessions(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    state.app.log_out_everywhere(&visitor.viewer).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie(&state, "", 0))]).into_response())
}

pub async fn delete_session(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    visitor.viewer.member_or_login()?;
    if let Some(token) = &visitor.token {
        state.app.log_out(token).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie(&state, "", 0))]).into_response())
}

pub async fn me(visitor: Visitor) -> Result<Json<Value>, Error> {
    let user = visitor.viewer.member_or_login()?;
    Ok(Json(json!({
        "id": user.id, "username": user.username, "role": user.role, "created_at": rfc3339(user.created_at),
        "post_count": user.post_count, "thanks_received": user.thanks_received,
    })))
}

fn settings_json(s: &crate::app::accounts::Settings) -> Value {
    json!({
        "email": s.email,
        "email_verified": s.email_verified,
        "email_frequency": s.preferences.frequency.as_str(),
        "digest": s.preferences.digest.as_str(),
        "default_watch": s.preferences.default_watch.as_str(),
        "muted": s.muted.iter().map(|m| json!({"username": m})).collect::<Vec<_>>(),
    })
}

pub async fn settings(State(state): State<AppState>, visitor: Visitor) -> Result<Json<Value>, Error> {
    Ok(Json(settings_json(&state.app.settings(&visitor.viewer).await?)))
}

#[derive(Deserialize)]
pub struct SettingsBody {
    email_frequency: Option<String>,
    digest: Option<String>,
    default_watch: Option<String>,
}

/// `PATCH /api/v1/me/settings`: what is given changes, the rest stays.
pub async fn update_settings(State(state): State<AppState>, visitor: Visitor, ApiJson(body): ApiJson<SettingsBody>) -> Result<Json<Value>, Error> {
    let now = state.app.settings(&visitor.viewer).await?.preferences;
    let preferences = crate::app::accounts::preferences(
        body.email_frequency.as_deref().unwrap_or(now.frequency.as_str()),
        body.digest.as_deref().unwrap_or(now.digest.as_str()),
        body.default_watch.as_deref().unwrap_or(now.default_watch.as_str()),
    )
    .map_err(Error::Invalid)?;
    state.app.set_preferences(&visitor.viewer, preferences).await?;
    Ok(Json(settings_json(&state.app.settings(&visitor.viewer).await?)))
}

#[derive(Deserialize)]
pub struct EmailBody {
    email: String,
}

/// `POST /api/v1/me/email`: a confirmation link goes to the new address.
pub async fn change_email(State(state): State<AppState>, visitor: Visitor, ApiJson(body): ApiJson<EmailBody>) -> Result<StatusCode, Error> {
    state.app.request_email_change(&visitor.viewer, &body.email).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/me/password`: every session of the caller's ends, and the
/// caller carries on with the new token in the answer.
pub async fn change_password(State(state): State<AppState>, visitor: Visitor, headers: axum::http::HeaderMap, ApiJson(body): ApiJson<PasswordBody>) -> Result<Response, Error> {
    let by_cookie = !headers.contains_key(header::AUTHORIZATION);
    let kind = if by_cookie { SessionKind::Cookie } else { SessionKind::Api };
    let token = state.app.change_password(&visitor.viewer, kind, &body.current_password, &body.new_password).await?;
    let mut response = Json(json!({ "token": token })).into_response();
    if by_cookie {
        response.headers_mut().append(header::SET_COOKIE, new_session_cookie(&state, &token));
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct ResetRequest {
    who: String,
}

/// `POST /api/v1/password-resets`: always 202, whether or not an account matches.
pub async fn request_reset(State(state): State<AppState>, ClientAddr(client): ClientAddr, ApiJson(body): ApiJson<ResetRequest>) -> Result<StatusCode, Error> {
    state.app.request_password_reset(&client, &body.who).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
pub struct ResetBody {
    password: String,
}

/// `POST /api/v1/password-resets/{token}`.
pub async fn reset_password(State(state): State<AppState>, Path(token): Path<String>, ApiJson(body): ApiJson<ResetBody>) -> Result<StatusCode, Error> {
    state.app.reset_password(&token, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/email-confirmations/{token}`.
pub async fn confirm_email(State(state): State<AppState>, Path(token): Path<String>) -> Result<Json<Value>, Error> {
    Ok(Json(json!({ "email": state.app.confirm_email(&token).await? })))
}

#[derive(Deserialize)]
pub struct DeleteMe {
    mode: String,
    password: String,
}

/// `DELETE /api/v1/me`: the grace period starts (202), every session ends.
pub async fn delete_me(State(state): State<AppState>, visitor: Visitor, ApiJson(input): ApiJson<DeleteMe>) -> Result<Response, Error> {
    let pending = state.app.request_deletion(&visitor.viewer, &input.mode, &input.password).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"mode": pending.mode.as_str(), "due_at": rfc3339(pending.due_at)}))).into_response())
}

/// `POST /api/v1/me/export`: starts building the member's export (202).
pub async fn request_export(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    let status = state.app.request_export(&visitor.viewer).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"progress": status.progress, "ready": status.ready_at.is_some()}))).into_response())
}

/// `GET /api/v1/me/export`: the ZIP once it is ready (404 before, and after its week).
pub async fn download_export(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    crate::web::pages::zip_download(state.app.export_file(&visitor.viewer).await?)
}
