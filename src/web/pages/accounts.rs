//! Joining, logging in and out, and members' profiles.

use super::{Empty, Layout, answer, field_error, html, see_other};
use crate::app::SessionKind;
use crate::app::accounts::Registration;
use crate::domain::FieldError;
use crate::domain::dates;
use crate::domain::links::post_url;
use crate::web::auth::{CsrfForm, Visitor, new_session_cookie, session_cookie};
use crate::web::error::Error;
use crate::web::{AppState, ClientAddr};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/u/{username}", get(profile))
        .route("/login", get(login_form).post(login_submit))
        .route("/register", get(register_form).post(register_submit))
        .route("/logout", post(logout))
}

pub struct RecentPost {
    pub url: String,
    pub thread_title: String,
    pub excerpt: String,
    pub created_iso: String,
    pub created_human: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    username: String,
    role: &'static str,
    joined: String,
    joined_iso: String,
    post_count: i64,
    thanks_received: i64,
    recent: Vec<RecentPost>,
}

async fn profile(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<Response, Error> {
    let profile = state.app.profile(&visitor.viewer, &username, 20).await?;
    let user = profile.user;
    html(ProfilePage {
        layout: Layout::new(user.username.clone(), &visitor),
        role: user.role.as_str(),
        joined: dates::day(user.created_at),
        joined_iso: dates::rfc3339(user.created_at),
        post_count: user.post_count,
        thanks_received: user.thanks_received,
        recent: profile
            .recent
            .into_iter()
            .map(|p| RecentPost {
                url: post_url(p.thread_id, &p.thread_slug, p.number),
                thread_title: p.thread_title,
                excerpt: p.excerpt,
                created_iso: dates::rfc3339(p.created_at),
                created_human: dates::human(p.created_at),
            })
            .collect(),
        username: user.username,
    })
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    heading: &'static str,
    action: &'static str,
    registering: bool,
    next: String,
    username: String,
    email: String,
    errors: Vec<FieldError>,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }

    fn login(visitor: &Visitor, next: String, username: String, errors: Vec<FieldError>) -> Self {
        AccountPage { layout: Layout::new("Log in", visitor), heading: "Log in", action: "/login", registering: false, next, username, email: String::new(), errors }
    }

    fn register(visitor: &Visitor, username: String, email: String, errors: Vec<FieldError>) -> Self {
        AccountPage { layout: Layout::new("Join", visitor), heading: "Join Jogette", action: "/register", registering: true, next: String::new(), username, email, errors }
    }
}

/// Only paths on this site, so a crafted link can't bounce members elsewhere after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(visitor: Visitor, Query(q): Query<NextQuery>) -> Result<Response, Error> {
    html(AccountPage::login(&visitor, safe_next(q.next.as_deref()), String::new(), Vec::new()))
}

#[derive(Deserialize)]
struct AccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    next: Option<String>,
    /// The join form's box marked "leave this empty", which only programs fill in.
    website: Option<String>,
}

/// A redirect that also starts the member's session.
fn logged_in(state: &AppState, to: &str, token: &str) -> Response {
    let mut response = see_other(to);
    response.headers_mut().append(header::SET_COOKIE, new_session_cookie(state, token));
    response
}

async fn login_submit(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, CsrfForm(form): CsrfForm<AccountForm>) -> Result<Response, Error> {
    let next = safe_next(form.next.as_deref());
    let result = state.app.log_in(&client, &form.username, &form.password, SessionKind::Cookie).await;
    answer(result, |(_, token)| logged_in(&state, &next, &token), async |errors| {
        html(AccountPage::login(&visitor, next.clone(), form.username.clone(), errors))
    })
    .await
}

async fn register_form(visitor: Visitor) -> Result<Response, Error> {
    html(AccountPage::register(&visitor, String::new(), String::new(), Vec::new()))
}

async fn register_submit(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, CsrfForm(form): CsrfForm<AccountForm>) -> Result<Response, Error> {
    let input = Registration { username: form.username.clone(), password: form.password.clone(), email: Some(form.email.clone()), honeypot: form.website.clone() };
    let registered = state.app.register(&client, input).await;
    // Registration already proved the password; log straight in, past the login limit.
    let session = match &registered {
        Ok(_) => Some(state.app.log_in(&format!("registered:{client}"), &form.username, &form.password, SessionKind::Cookie).await?.1),
        Err(_) => None,
    };
    answer(registered, |_| logged_in(&state, "/", &session.unwrap_or_default()), async |errors| {
        html(AccountPage::register(&visitor, form.username.clone(), form.email.clone(), errors))
    })
    .await
}

async fn logout(State(state): State<AppState>, visitor: Visitor, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    if let Some(token) = &visitor.token {
        state.app.log_out(token).await?;
    }
    let mut response = see_other("/");
    response.headers_mut().append(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn login_only_returns_to_local_paths() {
        assert_eq!(safe_next(Some("/t/1/x")), "/t/1/x");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
