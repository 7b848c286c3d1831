//! The HTML pages. Every page works without JavaScript: forms post, the server
//! redirects (303) to the result, and bad input comes back in the same form with
//! the member's text kept and each problem beside its field.
//!
//! One file per area, named as in `app`; this file holds the frame every
//! page shares ([`Layout`]), the one way a form's outcome becomes a response
//! ([`answer`]), links between numbered pages, and the error page.

mod accounts;
pub(super) use accounts::{zip_download, zip_file};
mod admin;
pub(super) mod compose;
mod feeds;
mod forum;
pub use forum::render_thread;
mod mail;
mod moderation;
mod notify;
mod programme;
mod safety;
mod search;
mod uploads;

use super::assets::ASSET_VERSION;
use super::auth::{CsrfToken, Visitor};
use super::error::{self, Error};
use super::AppState;
use crate::app;
use crate::domain::{FieldError, Role};
use askama::Template;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(forum::router())
        .merge(accounts::router())
        .merge(admin::router())
        .merge(moderation::router())
        .merge(search::router())
        .merge(notify::router())
        .merge(mail::router())
        .merge(feeds::router())
        .merge(programme::router())
        .merge(uploads::router())
}

/// Who is talking: a member's own picture, or their initial on a colour
/// worked out from their name.
#[derive(Clone)]
pub struct Avatar {
    pub picture: Option<String>,
    pub initial: char,
    pub colour: u8,
    pub large: bool,
}

impl Avatar {
    pub fn of(username: &str, picture: Option<String>) -> Self {
        let (initial, colour) = crate::domain::uploads::generated_avatar(username);
        Avatar { picture, initial, colour, large: false }
    }

    /// The same, drawn large (a profile, the settings page).
    pub fn large(&self) -> Avatar {
        Avatar { large: true, ..self.clone() }
    }
}

pub struct LayoutUser {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub is_staff: bool,
    pub unread: i64,
}

/// What every page's frame needs.
pub struct Layout {
    pub title: String,
    /// The community's own words: its name, tagline and safety contact.
    pub site: std::sync::Arc<crate::domain::site::Site>,
    pub user: Option<LayoutUser>,
    pub csrf: String,
    pub asset_version: &'static str,
    /// Keep search engines out (members-only spaces).
    pub noindex: bool,
    /// Atom feeds of what the page shows, besides the latest threads'.
    pub feeds: Vec<FeedLink>,
    /// The run script: the guided run, and logging runs saved while offline.
    pub run_script: bool,
    /// The web app manifest: the guided run can be added to a home screen.
    pub manifest: bool,
}

pub struct FeedLink {
    pub title: String,
    pub href: String,
}

impl FeedLink {
    pub fn new(title: impl Into<String>, href: impl Into<String>) -> Self {
        FeedLink { title: title.into(), href: href.into() }
    }

    fn latest() -> Self {
        FeedLink::new("Latest threads", "/feed.atom")
    }
}

impl Layout {
    fn new(title: impl Into<String>, visitor: &Visitor) -> Self {
        Layout {
            title: title.into(),
            site: visitor.site.clone(),
            user: visitor.viewer.user.as_ref().map(|u| LayoutUser {
                id: u.id,
                username: u.username.clone(),
                is_admin: u.role == Role::Admin,
                is_staff: matches!(u.role, Role::Admin | Role::Moderator),
                unread: u.unread_notifications,
            }),
            csrf: visitor.csrf.clone(),
            asset_version: ASSET_VERSION,
            noindex: false,
            feeds: vec![FeedLink::latest()],
            run_script: false,
            manifest: false,
        }
    }

    /// Loads the run script (it sends runs logged offline once back online).
    fn run_script(mut self) -> Self {
        self.run_script = true;
        self
    }

    /// The guided run: the run script, and the manifest for the home screen.
    fn guided(mut self) -> Self {
        self.manifest = true;
        self.run_script()
    }

    /// Links the page's own feed too.
    fn with_feed(mut self, title: impl Into<String>, href: impl Into<String>) -> Self {
        self.feeds.push(FeedLink::new(title, href));
        self
    }
}

fn html(template: impl Template) -> Result<Response, Error> {
    html_with_status(StatusCode::OK, template)
}

/// Marks a page that any guest at its address would be shown alike, so the
/// next guest may be served it as it is (see [`crate::web::cache`]).
fn for_every_guest(page: Result<Response, Error>) -> Result<Response, Error> {
    page.map(|mut page| {
        page.extensions_mut().insert(crate::web::cache::SameForEveryGuest);
        page
    })
}

fn html_with_status(status: StatusCode, template: impl Template) -> Result<Response, Error> {
    let body = template.render().map_err(Error::internal)?;
    Ok((status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

/// As [`html`], for a page about `room` bytes long: written into that room
/// at once, rather than copied each time it outgrows the last.
fn html_in<T: Template>(room: usize, template: T) -> Result<Response, Error> {
    let mut body = String::with_capacity(room.max(T::SIZE_HINT));
    template.render_into(&mut body).map_err(Error::internal)?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// What a form post leads to: when the use case succeeds, `done` (a 303 to
/// the result); when the input needs attention, the form `again` with the
/// problems beside their fields, as a 422; anything else, an error page.
async fn answer<T>(
    result: app::Result<T>,
    done: impl FnOnce(T) -> Response,
    again: impl AsyncFnOnce(Vec<FieldError>) -> Result<Response, Error>,
) -> Result<Response, Error> {
    match result {
        Ok(value) => Ok(done(value)),
        Err(app::Error::Invalid(errors)) => {
            let mut page = again(errors).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}

fn field_error<'e>(errors: &'e [FieldError], field: &str) -> Option<&'e str> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
}

fn login_redirect(next: &str) -> Response {
    see_other(&format!("/login?next={}", urlencode(next)))
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q[1..].to_owned()).unwrap_or_default()
}

/// Links between numbered pages of the same list.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    /// The list's length isn't counted: only whether another page follows.
    pub open_ended: bool,
    /// Link the first page with `?page=1` (a thread's plain address resumes where the member left off).
    explicit_first: bool,
    base: String,
    /// What the links to the page before and the page after lead to, in the
    /// list's own order: newer and older threads, earlier and later posts.
    pub before_label: &'static str,
    pub after_label: &'static str,
}

impl Pager {
    fn new(base: impl Into<String>, page: i64, pages: i64) -> Self {
        Pager { base: base.into(), page, pages, open_ended: false, explicit_first: false, before_label: "← Newer", after_label: "Older →" }
    }

    /// For lists that know only whether `more` follow this page.
    fn open(base: impl Into<String>, page: i64, more: bool) -> Self {
        Pager { base: base.into(), page, pages: page + i64::from(more), open_ended: true, explicit_first: false, before_label: "← Newer", after_label: "Older →" }
    }

    pub fn href(&self, page: i64) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        if page <= 1 && !self.explicit_first { self.base.clone() } else { format!("{}{sep}page={}", self.base, page.max(1)) }
    }

    /// A thread's pages: oldest post first, and the first page linked as
    /// `?page=1` (a thread's plain address resumes where the member left off).
    fn thread(mut self) -> Self {
        self.explicit_first = true;
        (self.before_label, self.after_label) = ("← Earlier posts", "Later posts →");
        self
    }

    /// Pages in an order of their own (best match first).
    fn ranked(mut self) -> Self {
        (self.before_label, self.after_label) = ("← Previous", "Next →");
        self
    }
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

/// A form with nothing in it but its CSRF token.
#[derive(serde::Deserialize)]
struct Empty {}

/// A short page that says what just happened and where to go next.
#[derive(Template)]
#[template(path = "notice.html")]
struct Notice {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
    link: String,
    link_text: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    title: &'a str,
    detail: String,
    fields: Vec<FieldError>,
}

/// The HTML face of [`Error`], used by [`error::render`].
pub fn error_page(e: &Error, request: &Request<()>) -> String {
    let (title, detail, fields) = error::describe(e);
    let csrf = request.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let site = request.extensions().get::<std::sync::Arc<crate::domain::site::Site>>().cloned().unwrap_or_default();
    let layout = Layout { title: title.to_owned(), site, user: None, csrf, asset_version: ASSET_VERSION, noindex: true, feeds: Vec::new(), run_script: false, manifest: false };
    ErrorPage { layout, status: e.status().as_u16(), title, detail, fields }
        .render()
        .unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><h1>{title}</h1>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_links_keep_page_one_canonical() {
        let p = Pager::new("/c/intro", 2, 3);
        assert_eq!(p.href(1), "/c/intro");
        assert_eq!(p.href(3), "/c/intro?page=3");
    }

    #[test]
    fn pager_words_follow_each_list_s_order() {
        let list = Pager::new("/", 2, 3);
        assert_eq!((list.before_label, list.after_label), ("← Newer", "Older →"));
        let thread = Pager::new("/t/1/x", 1, 2).thread();
        assert_eq!((thread.before_label, thread.after_label), ("← Earlier posts", "Later posts →"));
        assert_eq!(thread.href(1), "/t/1/x?page=1");
    }
}
