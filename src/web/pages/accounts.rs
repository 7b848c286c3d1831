//! Joining, logging in and out, and members' profiles.

use super::compose::Carried;
use super::{Empty, Layout, answer, field_error, for_every_guest, html, see_other};
use crate::app::SessionKind;
use crate::app::accounts::Registration;
use crate::domain::notify::{Digest, EmailFrequency, Level};
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
        .route("/settings", get(settings))
        .route("/settings/email", post(change_email))
        .route("/settings/email/resend", post(resend_confirmation))
        .route("/settings/password", post(change_password))
        .route("/settings/logout-everywhere", post(log_out_everywhere))
        .route("/settings/delete", post(delete_account))
        .route("/settings/export", post(request_export))
        .route("/settings/export.zip", get(download_export))
        .route("/settings/preferences", post(set_preferences))
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
    avatar: super::Avatar,
    role: &'static str,
    joined: String,
    joined_iso: String,
    post_count: i64,
    thanks_received: i64,
    recent: Vec<RecentPost>,
    /// For another member looking: whether they muted this one (None: they can't mute them).
    muted: Option<bool>,
    /// Their running progress, when they show it (and, for themselves, their pain log).
    progress: Option<super::programme::ProgressCard>,
}

async fn profile(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<Response, Error> {
    let profile = state.app.profile(&visitor.viewer, &username, 20).await?;
    let user = profile.user;
    let muted = match visitor.viewer.user_id() {
        Some(me) if me != user.id => {
            let muted = state.app.mutes(&visitor.viewer, user.id).await?;
            (muted || user.role == crate::domain::Role::Member).then_some(muted)
        }
        _ => None,
    };
    let progress = super::programme::profile_progress(&state.app, &visitor.viewer, &user.username).await;
    for_every_guest(html(ProfilePage {
        progress,
        muted,
        layout: Layout::new(user.username.clone(), &visitor).with_feed(format!("Posts by {}", user.username), format!("/u/{}/feed.atom", user.username)),
        role: user.role.as_str(),
        avatar: super::Avatar::of(&user.username, user.avatar.clone()).large(),
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
    }))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    heading: String,
    action: &'static str,
    registering: bool,
    next: String,
    username: String,
    email: String,
    errors: Vec<FieldError>,
    /// A word about what just happened (a password was reset).
    notice: Option<&'static str>,
    /// Words a member was writing when their session ended, kept in the form.
    carried: Carried,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }

    fn login(visitor: &Visitor, next: String, username: String, errors: Vec<FieldError>) -> Self {
        AccountPage {
            layout: Layout::new("Log in", visitor),
            heading: "Log in".into(),
            action: "/login",
            registering: false,
            next,
            username,
            email: String::new(),
            errors,
            notice: None,
            carried: Carried::default(),
        }
    }

    fn register(visitor: &Visitor, username: String, email: String, errors: Vec<FieldError>) -> Self {
        AccountPage {
            layout: Layout::new("Join", visitor),
            heading: format!("Join {}", visitor.site.name),
            action: "/register",
            registering: true,
            next: String::new(),
            username,
            email,
            errors,
            notice: None,
            carried: Carried::default(),
        }
    }
}

/// Only paths on this site, so a crafted link can't bounce members elsewhere
/// after login. Printable ASCII only: browsers drop tabs and newlines from a
/// `Location`, so `/\t/evil.example` would become `//evil.example`, and a
/// newline can't be in a header at all.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2000
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
    reset: Option<String>,
    done: Option<String>,
}

async fn login_form(visitor: Visitor, Query(q): Query<NextQuery>) -> Result<Response, Error> {
    let mut page = AccountPage::login(&visitor, safe_next(q.next.as_deref()), String::new(), Vec::new());
    if q.reset.is_some() {
        page.notice = Some("Your new password is set, and you're logged out everywhere. Log in with it now.");
    } else if q.done.as_deref() == Some("everywhere") {
        page.notice = Some("You're logged out everywhere: on this device and every other.");
    }
    html(page)
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
    #[serde(flatten)]
    carried: Carried,
}

/// The login page in place of a post that couldn't be made because the
/// member's session had ended: what they wrote rides along in the form and
/// comes back in the composer once they log in.
pub(super) fn login_keeping(visitor: &Visitor, carried: Carried, next: String) -> Result<Response, Error> {
    let mut page = AccountPage::login(visitor, next, String::new(), Vec::new());
    page.notice = Some("You've been logged out, so this hasn't been posted yet. Log in and what you wrote will be waiting for you.");
    page.carried = carried;
    let mut response = html(page)?;
    *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
    Ok(response)
}

/// A redirect that also starts the member's session.
fn logged_in(state: &AppState, to: &str, token: &str) -> Response {
    let mut response = see_other(to);
    response.headers_mut().append(header::SET_COOKIE, new_session_cookie(state, token));
    response
}

async fn login_submit(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, CsrfForm(form): CsrfForm<AccountForm>) -> Result<Response, Error> {
    let next = safe_next(form.next.as_deref());
    let result = state.app.log_in_replacing(&client, &form.username, &form.password, SessionKind::Cookie, visitor.token.as_deref()).await;
    if let (Ok((user, token)), false) = (&result, form.carried.is_empty()) {
        // Straight back to the composer, with the words in it, as the member now logged in.
        let member = Visitor { viewer: crate::app::Viewer { user: Some(user.clone()) }, token: Some(token.clone()), csrf: visitor.csrf.clone(), site: visitor.site.clone() };
        let mut response = html(form.carried.resume(&state.app, &member).await?)?;
        response.headers_mut().append(header::SET_COOKIE, new_session_cookie(&state, token));
        return Ok(response);
    }
    answer(result, |(_, token)| logged_in(&state, &next, &token), async |errors| {
        let mut page = AccountPage::login(&visitor, next.clone(), form.username.clone(), errors);
        page.carried = form.carried.clone();
        html(page)
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
    answer(registered, |_| logged_in(&state, "/?joined=1", &session.unwrap_or_default()), async |errors| {
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

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    done: Option<String>,
    email: Option<String>,
    email_verified: bool,
    frequencies: Vec<(&'static str, &'static str, bool)>,
    digests: Vec<(&'static str, &'static str, bool)>,
    watch_levels: Vec<(&'static str, &'static str, &'static str, bool)>,
    muted: Vec<String>,
    /// Others see their badge and progress.
    show_progress: bool,
    avatar: super::Avatar,
    /// Their latest data export: (progress, ready to download until).
    export: Option<(i64, Option<String>)>,
    errors: Vec<FieldError>,
}

impl SettingsPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

pub(super) async fn settings_page(state: &AppState, visitor: &Visitor, done: Option<String>, errors: Vec<FieldError>) -> Result<Response, Error> {
    let s = state.app.settings(&visitor.viewer).await?;
    let p = s.preferences;
    html(SettingsPage {
        layout: Layout::new("Settings", visitor),
        done,
        email: s.email,
        email_verified: s.email_verified,
        frequencies: EmailFrequency::ALL.iter().map(|f| (f.as_str(), f.label(), *f == p.frequency)).collect(),
        digests: Digest::ALL.iter().map(|d| (d.as_str(), d.label(), *d == p.digest)).collect(),
        watch_levels: [Level::Watching, Level::Tracking, Level::Normal].iter().map(|l| (l.as_str(), l.label(), l.explain_thread(), *l == p.default_watch)).collect(),
        muted: s.muted,
        show_progress: visitor.viewer.user.as_ref().is_none_or(|u| u.show_progress),
        export: state.app.export_status(&visitor.viewer).await?.map(|e| (e.progress, e.ready_at.and(e.expires_at).map(dates::human))),
        avatar: visitor.viewer.user.as_ref().map_or_else(|| super::Avatar::of("?", None), |u| super::Avatar::of(&u.username, u.avatar.clone())),
        errors,
    })
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// What the page says after a change, by the word its redirect carries.
fn done_message(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "email" => "We've sent a link to your new address. Your address changes once you follow it (within an hour).",
            "resent" => "We've sent the link again. It works for an hour.",
            "password" => "Your password is changed. Everywhere else you were logged in, you're logged out now.",
            "saved" | "programme" => "Saved.",
            "export" => "We're putting your data together. We'll tell you when it's ready to download, below.",
            _ => return None,
        }
        .to_owned(),
    )
}

async fn settings(State(state): State<AppState>, visitor: Visitor, Query(q): Query<DoneQuery>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(super::login_redirect("/settings"));
    }
    settings_page(&state, &visitor, done_message(q.done.as_deref()), Vec::new()).await
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn change_email(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<EmailForm>) -> Result<Response, Error> {
    let result = state.app.request_email_change(&visitor.viewer, &form.email).await;
    answer(result, |_| see_other("/settings?done=email"), async |errors| settings_page(&state, &visitor, None, errors).await).await
}

async fn resend_confirmation(State(state): State<AppState>, visitor: Visitor, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    let result = state.app.resend_confirmation(&visitor.viewer).await;
    answer(result, |_| see_other("/settings?done=resent"), async |errors| settings_page(&state, &visitor, None, errors).await).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<PasswordForm>) -> Result<Response, Error> {
    let result = state.app.change_password(&visitor.viewer, SessionKind::Cookie, &form.current_password, &form.new_password).await;
    answer(result, |token| logged_in(&state, "/settings?done=password", &token), async |errors| settings_page(&state, &visitor, None, errors).await).await
}

async fn log_out_everywhere(State(state): State<AppState>, visitor: Visitor, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    state.app.log_out_everywhere(&visitor.viewer).await?;
    let mut response = see_other("/login?done=everywhere");
    response.headers_mut().append(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

async fn request_export(State(state): State<AppState>, visitor: Visitor, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    state.app.request_export(&visitor.viewer).await?;
    Ok(see_other("/settings?done=export#data"))
}

async fn download_export(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(super::login_redirect("/settings#data"));
    }
    zip_download(state.app.export_file(&visitor.viewer).await?)
}

/// A finished export as a download.
pub fn zip_download(bytes: Vec<u8>) -> Result<Response, Error> {
    zip_file(bytes, "my-data.zip")
}

/// A ZIP the browser saves as `name`, never cached.
pub fn zip_file(bytes: Vec<u8>, name: &'static str) -> Result<Response, Error> {
    let disposition = format!("attachment; filename=\"{name}\"");
    let headers = [
        (header::CONTENT_TYPE, "application/zip".to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CACHE_CONTROL, "private, no-store".to_owned()),
    ];
    Ok(axum::response::IntoResponse::into_response((headers, bytes)))
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    password: String,
}

/// Asks for the account's deletion: every session ends at once, and logging
/// in again within the grace period calls it off.
async fn delete_account(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<DeleteForm>) -> Result<Response, Error> {
    let result = state.app.request_deletion(&visitor.viewer, &form.mode, &form.password).await;
    let guest = Visitor { viewer: crate::app::Viewer { user: None }, token: None, csrf: visitor.csrf.clone(), site: visitor.site.clone() };
    answer(
        result,
        |pending| {
            let what = match pending.mode {
                crate::domain::deletion::Mode::Anonymise => "Your posts will stay, shown as by \"a former member\"; everything else about you will be erased.",
                crate::domain::deletion::Mode::Erase => "Your posts will be removed, and everything else about you erased.",
            };
            let page = super::Notice {
                layout: Layout::new("Your account will be deleted", &guest),
                heading: "Your account will be deleted".into(),
                paragraphs: vec![
                    format!("It will be deleted on {} (UTC), and you've been logged out everywhere. {what}", dates::human(pending.due_at)),
                    "Changed your mind? Log in before then and nothing will be deleted.".into(),
                    "Thank you for being part of the community. We hope your running goes well.".into(),
                ],
                link: "/".into(),
                link_text: "Back to the latest threads".into(),
            };
            let mut response = html(page).unwrap_or_else(axum::response::IntoResponse::into_response);
            response.headers_mut().append(header::SET_COOKIE, session_cookie(&state, "", 0));
            response
        },
        async |errors| settings_page(&state, &visitor, None, errors).await,
    )
    .await
}

#[derive(Deserialize)]
struct PreferencesForm {
    #[serde(default)]
    email_frequency: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    default_watch: String,
}

async fn set_preferences(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<PreferencesForm>) -> Result<Response, Error> {
    let result = match crate::app::accounts::preferences(&form.email_frequency, &form.digest, &form.default_watch) {
        Ok(p) => state.app.set_preferences(&visitor.viewer, p).await,
        Err(errors) => Err(crate::app::Error::Invalid(errors)),
    };
    answer(result, |_| see_other("/settings?done=saved"), async |errors| settings_page(&state, &visitor, None, errors).await).await
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
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(Some("/t/1/x?page=2#p30")), "/t/1/x?page=2#p30");
        assert_eq!(safe_next(None), "/");
    }
}
