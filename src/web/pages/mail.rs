//! The pages email links lead to: confirming an address, resetting a
//! password, and unsubscribing. Each works without logging in: the link's
//! token is the authority, and a GET never changes anything (mail scanners
//! open links), except that an unsubscribe POST needs no CSRF token, as
//! RFC 8058's one-click POST comes from the mail provider, not a page of ours.

use super::{Layout, Notice, answer, field_error, html, see_other};
use crate::domain::FieldError;
use crate::domain::mail::Scope;
use crate::web::auth::{CsrfForm, Visitor};
use crate::web::error::Error;
use crate::web::{AppState, ClientAddr};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/unsubscribe/{token}", get(unsubscribe_form).post(unsubscribe))
        .route("/email/confirm/{token}", get(confirm_form).post(confirm))
        .route("/password/forgot", get(forgot_form).post(forgot))
        .route("/password/reset/{token}", get(reset_form).post(reset))
}

/// A one-button page: what following the link will do, and the button.
#[derive(Template)]
#[template(path = "mail_action.html")]
struct ActionPage {
    layout: Layout,
    heading: String,
    explain: String,
    action: String,
    button: &'static str,
    /// Posted without a CSRF token (unsubscribing).
    tokenless: bool,
}

fn scope_words(scope: Scope, thread: Option<&str>) -> String {
    match scope {
        Scope::All => "every email about replies, mentions and digests".into(),
        Scope::Digest => "the digest emails".into(),
        Scope::Thread(_) => format!("email and notifications about “{}”", thread.unwrap_or("this thread")),
    }
}

async fn unsubscribe_form(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>) -> Result<Response, Error> {
    let (username, scope, thread) = state.app.unsubscribe_scope(&token).await?;
    html(ActionPage {
        layout: Layout::new("Unsubscribe", &visitor),
        heading: "Unsubscribe?".into(),
        explain: format!("This stops {} for {username}. You can change your mind on your settings page.", scope_words(scope, thread.as_deref())),
        action: format!("/unsubscribe/{token}"),
        button: "Unsubscribe",
        tokenless: true,
    })
}

/// The confirmation page's button, or a mail client's one-click POST
/// (`List-Unsubscribe=One-Click`).
async fn unsubscribe(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>) -> Result<Response, Error> {
    let scope = state.app.unsubscribe(&token).await?;
    html(Notice {
        layout: Layout::new("Unsubscribed", &visitor),
        heading: "You're unsubscribed".into(),
        paragraphs: vec![format!("We've stopped {}.", scope_words(scope, None)), "Changed your mind? Choose again in your settings.".into()],
        link: "/settings".into(),
        link_text: "Email settings".into(),
    })
}

async fn confirm_form(visitor: Visitor, Path(token): Path<String>) -> Result<Response, Error> {
    html(ActionPage {
        layout: Layout::new("Confirm your address", &visitor),
        heading: "Confirm your email address".into(),
        explain: "Press the button to confirm that this address is yours.".into(),
        action: format!("/email/confirm/{token}"),
        button: "Confirm my address",
        tokenless: false,
    })
}

#[derive(Deserialize)]
struct Empty {}

async fn confirm(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    let email = state.app.confirm_email(&token).await?;
    html(Notice {
        layout: Layout::new("Address confirmed", &visitor),
        heading: "Thank you: your address is confirmed".into(),
        paragraphs: vec![format!("We'll use {email} for the emails you choose in your settings.")],
        link: "/settings".into(),
        link_text: "Your settings".into(),
    })
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    layout: Layout,
    who: String,
    errors: Vec<FieldError>,
}

impl ForgotPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

async fn forgot_form(visitor: Visitor) -> Result<Response, Error> {
    html(ForgotPage { layout: Layout::new("Forgotten password", &visitor), who: String::new(), errors: Vec::new() })
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    who: String,
}

async fn forgot(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, CsrfForm(form): CsrfForm<ForgotForm>) -> Result<Response, Error> {
    let result = state.app.request_password_reset(&client, &form.who).await;
    let sent = |_| {
        html(Notice {
            layout: Layout::new("Check your email", &visitor),
            heading: "Check your email".into(),
            paragraphs: vec![
                "If an account has that address or username and an email address, we've sent it a link to choose a new password. It works once, for an hour.".into(),
                "Nothing arrived? Check your spam folder, or try the address you joined with.".into(),
            ],
            link: "/login".into(),
            link_text: "Back to logging in".into(),
        })
        .unwrap_or_else(axum::response::IntoResponse::into_response)
    };
    answer(result, sent, async |errors| html(ForgotPage { layout: Layout::new("Forgotten password", &visitor), who: form.who.clone(), errors })).await
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    layout: Layout,
    action: String,
    works: bool,
    errors: Vec<FieldError>,
}

impl ResetPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

async fn reset_form(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>) -> Result<Response, Error> {
    let works = state.app.reset_link_works(&token).await?;
    html(ResetPage { layout: Layout::new("Choose a new password", &visitor), action: format!("/password/reset/{token}"), works, errors: Vec::new() })
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>, CsrfForm(form): CsrfForm<ResetForm>) -> Result<Response, Error> {
    let result = state.app.reset_password(&token, &form.password).await;
    answer(result, |_| see_other("/login?reset=1"), async |errors| {
        html(ResetPage { layout: Layout::new("Choose a new password", &visitor), action: format!("/password/reset/{token}"), works: true, errors })
    })
    .await
}
