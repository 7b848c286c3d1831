//! The HTML pages. Every page works without JavaScript: forms post, the server
//! redirects (303) to the result, and bad input comes back in the same form with
//! the member's text kept and each problem beside its field.

use super::actions::{self, Registration, THREADS_PER_PAGE};
use super::auth::{self, CsrfForm, CsrfToken, Viewer};
use super::error::{self, Error};
use super::format;
use super::{AppState, ClientAddr};
use crate::domain::{FieldError, Role, quote};
use crate::store::{self, Category, SessionKind};
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/c/{slug}", get(category))
        .route("/t/{id}", get(thread_by_id))
        .route("/t/{id}/{slug}", get(thread))
        .route("/t/{id}/{slug}/reply", get(reply_form))
        .route("/t/{id}/reply", post(reply_submit))
        .route("/new", get(new_thread_form).post(new_thread_submit))
        .route("/p/{id}", get(post_permalink))
        .route("/p/{id}/edit", get(edit_form).post(edit_submit))
        .route("/p/{id}/delete", post(delete_submit))
        .route("/p/{id}/thanks", post(thanks_submit))
        .route("/u/{username}", get(profile))
        .route("/login", get(login_form).post(login_submit))
        .route("/register", get(register_form).post(register_submit))
        .route("/logout", post(logout))
        .route("/admin", get(admin))
        .route("/admin/categories", post(admin_create_category))
        .route("/admin/categories/{slug}", post(admin_update_category))
        .route("/search", get(search))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(notifications_read))
        .route("/static/{file}", get(static_file))
}

/// Changes whenever the CSS or JS does, so browsers may cache them for a year.
const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct LayoutUser {
    pub username: String,
    pub is_admin: bool,
    pub unread: i64,
}

/// What every page's frame needs.
pub struct Layout {
    pub title: String,
    pub user: Option<LayoutUser>,
    pub csrf: String,
    pub asset_version: &'static str,
}

impl Layout {
    fn new(title: impl Into<String>, viewer: &Viewer) -> Self {
        Layout {
            title: title.into(),
            user: viewer.user.as_ref().map(|u| LayoutUser {
                username: u.username.clone(),
                is_admin: u.role == Role::Admin,
                unread: u.unread_notifications,
            }),
            csrf: viewer.csrf.clone(),
            asset_version: ASSET_VERSION,
        }
    }
}

fn html(template: impl Template) -> Result<Response, Error> {
    html_with_status(StatusCode::OK, template)
}

fn html_with_status(status: StatusCode, template: impl Template) -> Result<Response, Error> {
    let body = template.render().map_err(|e| Error::Internal(e.to_string()))?;
    Ok((status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// Links between numbered pages of the same list.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    base: String,
}

impl Pager {
    fn new(base: impl Into<String>, page: i64, pages: i64) -> Self {
        Pager { base: base.into(), page, pages }
    }

    pub fn href(&self, page: i64) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        if page <= 1 { self.base.clone() } else { format!("{}{sep}page={page}", self.base) }
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

pub struct ThreadRow {
    pub url: String,
    pub title: String,
    pub category_slug: String,
    pub category_name: String,
    pub replies: i64,
    pub last_poster: String,
    pub last_iso: String,
    pub last_human: String,
}

fn thread_rows(listing: &store::Listing<store::ThreadSummary>) -> Vec<ThreadRow> {
    listing
        .items
        .iter()
        .map(|t| ThreadRow {
            url: format!("/t/{}/{}", t.id, t.slug),
            title: t.title.clone(),
            category_slug: t.category_slug.clone(),
            category_name: t.category_name.clone(),
            replies: t.replies,
            last_poster: t.last_poster.clone(),
            last_iso: format::rfc3339(t.last_post_at),
            last_human: format::human(t.last_post_at),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    categories: Vec<Category>,
    threads: Vec<ThreadRow>,
    show_category: bool,
    pager: Pager,
}

async fn home(State(state): State<AppState>, viewer: Viewer, Query(q): Query<PageQuery>) -> Result<Response, Error> {
    let page = q.page.unwrap_or(1).max(1);
    let listing = state.store.threads(None, page, THREADS_PER_PAGE).await?;
    html(HomePage {
        layout: Layout::new("Latest threads", &viewer),
        categories: state.store.categories().await?,
        threads: thread_rows(&listing),
        show_category: true,
        pager: Pager::new("/", page, actions::pages(listing.total, THREADS_PER_PAGE)),
    })
}

#[derive(Template)]
#[template(path = "category.html")]
struct CategoryPage {
    layout: Layout,
    category: Category,
    threads: Vec<ThreadRow>,
    show_category: bool,
    pager: Pager,
}

async fn category(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    let category = state.store.category(&slug).await?.ok_or(Error::NotFound)?;
    let page = q.page.unwrap_or(1).max(1);
    let listing = state.store.threads(Some(category.id), page, THREADS_PER_PAGE).await?;
    html(CategoryPage {
        layout: Layout::new(category.name.clone(), &viewer),
        pager: Pager::new(format!("/c/{}", category.slug), page, actions::pages(listing.total, THREADS_PER_PAGE)),
        threads: thread_rows(&listing),
        show_category: false,
        category,
    })
}

/// A red-flag card: shown on a post (to its author, and to readers so helpers
/// know too) and in the composer.
pub struct SafetyCard {
    pub tier: &'static str,
    pub headline: String,
    pub message: String,
    pub action: String,
    /// Where the browser remembers a dismissal; empty in the composer.
    pub key: String,
    /// The writer meets the card before their words; readers after them.
    pub first: bool,
}

impl SafetyCard {
    /// The card for the writer of `text`, if it describes any warning sign.
    fn for_writer(state: &AppState, text: &str) -> Option<SafetyCard> {
        Self::build(state, text, None, String::new())
    }

    /// The card on a post: addressed to its author, or to the people who might reply.
    fn for_post(state: &AppState, post: &store::Post, viewer: &Viewer) -> Option<SafetyCard> {
        let reader = (viewer.user_id() != Some(post.user_id)).then_some(post.author.as_str());
        Self::build(state, &post.body, reader, format!("p{}", post.id))
    }

    fn build(state: &AppState, text: &str, written_by_someone_else: Option<&str>, key: String) -> Option<SafetyCard> {
        let assessment = state.assess(text);
        let advice = assessment.advice?;
        let message = match written_by_someone_else {
            None => advice.body,
            Some(author) => format!(
                "This post mentions {}. If you reply, encourage {author} to get help rather than relying on forum advice.",
                advice.reason
            ),
        };
        let first = written_by_someone_else.is_none();
        Some(SafetyCard { tier: assessment.tier.as_str(), headline: advice.headline, message, action: advice.action, key, first })
    }
}

pub struct ReplyView {
    pub url: String,
    pub author: String,
    pub number: i64,
    pub excerpt: String,
    pub deleted: bool,
}

pub struct PostView {
    pub id: i64,
    pub number: i64,
    pub author: String,
    pub html: String,
    pub reply: Option<ReplyView>,
    pub thanks: i64,
    pub thanked: bool,
    pub can_thank: bool,
    pub can_edit: bool,
    pub deleted: bool,
    pub edited: bool,
    pub created_iso: String,
    pub created_human: String,
    pub reply_url: String,
    pub quote_url: String,
    pub safety: Option<SafetyCard>,
}

fn post_view(state: &AppState, p: store::Post, thread: &store::Thread, viewer: &Viewer) -> PostView {
    use crate::domain::permission;
    let actor = viewer.actor().ok();
    let thread_path = format!("/t/{}/{}", thread.id, thread.slug);
    let safety = if p.deleted { None } else { SafetyCard::for_post(state, &p, viewer) };
    PostView {
        safety,
        id: p.id,
        number: p.number,
        reply: p.reply_to.map(|r| ReplyView {
            url: actions::post_url(thread.id, &thread.slug, r.number),
            author: r.author,
            number: r.number,
            excerpt: r.excerpt,
            deleted: r.deleted,
        }),
        thanks: p.thanks,
        thanked: p.thanked,
        can_thank: actor.is_some_and(|a| permission::can_thank(a, p.user_id, p.deleted)),
        can_edit: actor.is_some_and(|a| permission::can_edit_post(a, p.user_id, p.deleted)),
        deleted: p.deleted,
        edited: p.edited_at.is_some(),
        created_iso: format::rfc3339(p.created_at),
        created_human: format::human(p.created_at),
        reply_url: format!("{thread_path}/reply?to={}", p.id),
        quote_url: format!("{thread_path}/reply?quote={}", p.id),
        author: p.author,
        html: p.html,
    }
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage {
    layout: Layout,
    thread: store::Thread,
    thread_path: String,
    posts: Vec<PostView>,
    pager: Pager,
}

async fn thread_by_id(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Error> {
    let thread = state.store.thread(id).await?.ok_or(Error::NotFound)?;
    Ok(see_other(&format!("/t/{}/{}", thread.id, thread.slug)))
}

async fn thread(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, slug)): Path<(i64, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    let page = q.page.unwrap_or(1);
    let (thread, posts, pages) = actions::thread_page(&state, id, page, viewer.user_id()).await?;
    let path = format!("/t/{}/{}", thread.id, thread.slug);
    if slug != thread.slug {
        return Ok(see_other(&Pager::new(path, page, pages).href(page)));
    }
    let posts = posts.into_iter().map(|p| post_view(&state, p, &thread, &viewer)).collect();
    html(ThreadPage {
        layout: Layout::new(thread.title.clone(), &viewer),
        pager: Pager::new(path.clone(), page, pages),
        thread_path: path,
        posts,
        thread,
    })
}

/// The composer, for a new thread, a reply or an edit.
#[derive(Template)]
#[template(path = "compose.html")]
struct ComposePage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    submit: &'static str,
    body_label: &'static str,
    context: Option<ContextPost>,
    reply_to: Option<i64>,
    ask_title: bool,
    categories: Vec<Category>,
    category: String,
    title: String,
    body: String,
    errors: Vec<FieldError>,
    preview_html: Option<String>,
    safety: Option<SafetyCard>,
    similar: Vec<SimilarView>,
}

/// A thread like the one being written, on the composer.
pub struct SimilarView {
    pub url: String,
    pub title: String,
    pub replies: i64,
    pub snippet: String,
}

impl ComposePage {
    /// The no-JavaScript preview step: the cooked post and its safety card, text kept.
    async fn previewing(mut self, state: &AppState) -> Result<Response, Error> {
        self.preview_html = Some(actions::cook(state, &self.body).await?.html);
        self.safety = SafetyCard::for_writer(state, &self.body);
        // Before starting a thread: has this been asked before?
        if self.ask_title {
            self.similar = actions::similar(state, &self.title, &self.body)
                .await?
                .into_iter()
                .map(|t| SimilarView { url: format!("/t/{}/{}", t.id, t.slug), title: t.title, replies: t.replies, snippet: t.snippet })
                .collect();
        }
        html(self)
    }
}

pub struct ContextPost {
    pub author: String,
    pub number: i64,
    pub html: String,
}

impl ComposePage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

fn field_error<'e>(errors: &'e [FieldError], field: &str) -> Option<&'e str> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
}

#[derive(Deserialize)]
struct ReplyQuery {
    to: Option<i64>,
    quote: Option<i64>,
    selection: Option<String>,
}

fn login_redirect(next: &str) -> Response {
    see_other(&format!("/login?next={}", urlencode(next)))
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q[1..].to_owned()).unwrap_or_default()
}

async fn reply_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, _slug)): Path<(i64, String)>,
    Query(q): Query<ReplyQuery>,
) -> Result<Response, Error> {
    let thread = state.store.thread(id).await?.ok_or(Error::NotFound)?;
    let thread_path = format!("/t/{}/{}", thread.id, thread.slug);
    if viewer.user.is_none() {
        return Ok(login_redirect(&format!("{thread_path}/reply")));
    }
    let target = match q.quote.or(q.to) {
        Some(post_id) => {
            let post = state.store.post(post_id, None).await?.filter(|p| p.thread_id == thread.id && !p.deleted);
            Some(post.ok_or(Error::NotFound)?)
        }
        None => None,
    };
    let body = match (&target, q.quote) {
        (Some(post), Some(_)) => quote::compose(
            &post.author,
            &actions::post_url(thread.id, &thread.slug, post.number),
            &post.body,
            q.selection.as_deref(),
        ),
        _ => String::new(),
    };
    html(reply_page(&viewer, &thread, target.as_ref(), body, Vec::new()))
}

fn reply_page(
    viewer: &Viewer,
    thread: &store::Thread,
    target: Option<&store::Post>,
    body: String,
    errors: Vec<FieldError>,
) -> ComposePage {
    let thread_path = format!("/t/{}/{}", thread.id, thread.slug);
    ComposePage {
        layout: Layout::new(format!("Reply: {}", thread.title), viewer),
        heading: format!("Reply to “{}”", thread.title),
        action: format!("/t/{}/reply", thread.id),
        cancel: thread_path,
        submit: "Post reply",
        body_label: "Your reply",
        context: target.map(|p| ContextPost { author: p.author.clone(), number: p.number, html: p.html.clone() }),
        reply_to: target.map(|p| p.id),
        ask_title: false,
        categories: Vec::new(),
        category: String::new(),
        title: String::new(),
        body,
        errors,
        preview_html: None,
        safety: None,
        similar: Vec::new(),
    }
}

#[derive(Deserialize)]
struct ReplyForm {
    body: String,
    preview: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    reply_to: Option<i64>,
}

fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(n) => n.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

async fn reply_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Result<Response, Error> {
    let user = viewer.require()?;
    if form.preview.is_some() {
        let thread = state.store.thread(id).await?.ok_or(Error::NotFound)?;
        let target = match form.reply_to {
            Some(p) => state.store.post(p, None).await?.filter(|p| p.thread_id == id),
            None => None,
        };
        return reply_page(&viewer, &thread, target.as_ref(), form.body, Vec::new()).previewing(&state).await;
    }
    match actions::reply(&state, user, id, &form.body, form.reply_to).await {
        Ok(post) => {
            let thread = state.store.thread(id).await?.ok_or(Error::NotFound)?;
            Ok(see_other(&actions::post_url(thread.id, &thread.slug, post.number)))
        }
        Err(Error::Invalid(errors)) => {
            let thread = state.store.thread(id).await?.ok_or(Error::NotFound)?;
            let target = match form.reply_to {
                Some(p) => state.store.post(p, None).await?.filter(|p| p.thread_id == id),
                None => None,
            };
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                reply_page(&viewer, &thread, target.as_ref(), form.body, errors),
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct NewThreadQuery {
    category: Option<String>,
}

fn new_thread_page(
    viewer: &Viewer,
    categories: Vec<Category>,
    category: String,
    title: String,
    body: String,
    errors: Vec<FieldError>,
) -> ComposePage {
    ComposePage {
        layout: Layout::new("New thread", viewer),
        heading: "Start a new thread".into(),
        action: "/new".into(),
        cancel: if category.is_empty() { "/".into() } else { format!("/c/{category}") },
        submit: "Start thread",
        body_label: "What would you like to say?",
        context: None,
        reply_to: None,
        ask_title: true,
        categories,
        category,
        title,
        body,
        errors,
        preview_html: None,
        safety: None,
        similar: Vec::new(),
    }
}

async fn new_thread_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NewThreadQuery>,
) -> Result<Response, Error> {
    if viewer.user.is_none() {
        return Ok(login_redirect("/new"));
    }
    let categories = state.store.categories().await?;
    html(new_thread_page(&viewer, categories, q.category.unwrap_or_default(), String::new(), String::new(), Vec::new()))
}

#[derive(Deserialize)]
struct NewThreadForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    preview: Option<String>,
}

async fn new_thread_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<NewThreadForm>,
) -> Result<Response, Error> {
    let user = viewer.require()?;
    if form.preview.is_some() {
        let categories = state.store.categories().await?;
        let page = new_thread_page(&viewer, categories, form.category, form.title, form.body, Vec::new());
        return page.previewing(&state).await;
    }
    match actions::start_thread(&state, user, &form.category, &form.title, &form.body).await {
        Ok((thread, _)) => Ok(see_other(&format!("/t/{}/{}", thread.id, thread.slug))),
        Err(Error::Invalid(errors)) => {
            let categories = state.store.categories().await?;
            let page = new_thread_page(&viewer, categories, form.category, form.title, form.body, errors);
            html_with_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(e) => Err(e),
    }
}

async fn post_permalink(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Error> {
    let post = state.store.post(id, None).await?.ok_or(Error::NotFound)?;
    back_to(&state, &post).await
}

/// Redirects to `post` in its thread, on the page it is on.
async fn back_to(state: &AppState, post: &store::Post) -> Result<Response, Error> {
    let thread = state.store.thread(post.thread_id).await?.ok_or(Error::NotFound)?;
    Ok(see_other(&actions::post_url(thread.id, &thread.slug, post.number)))
}

fn edit_page(viewer: &Viewer, post: &store::Post, thread: &store::Thread, body: String, errors: Vec<FieldError>) -> ComposePage {
    ComposePage {
        layout: Layout::new("Edit post", viewer),
        heading: format!("Edit your post in “{}”", thread.title),
        action: format!("/p/{}/edit", post.id),
        cancel: actions::post_url(thread.id, &thread.slug, post.number),
        submit: "Save changes",
        body_label: "Your post",
        context: None,
        reply_to: None,
        ask_title: false,
        categories: Vec::new(),
        category: String::new(),
        title: String::new(),
        body,
        errors,
        preview_html: None,
        safety: None,
        similar: Vec::new(),
    }
}

async fn editable(state: &AppState, viewer: &Viewer, id: i64) -> Result<(store::Post, store::Thread), Error> {
    let actor = viewer.actor()?;
    let post = state.store.post(id, None).await?.filter(|p| !p.deleted).ok_or(Error::NotFound)?;
    if !crate::domain::permission::can_edit_post(actor, post.user_id, post.deleted) {
        return Err(Error::Forbidden("Only the author can edit this post.".into()));
    }
    let thread = state.store.thread(post.thread_id).await?.ok_or(Error::NotFound)?;
    Ok((post, thread))
}

async fn edit_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, Error> {
    if viewer.user.is_none() {
        return Ok(login_redirect(&format!("/p/{id}/edit")));
    }
    let (post, thread) = editable(&state, &viewer, id).await?;
    let body = post.body.clone();
    html(edit_page(&viewer, &post, &thread, body, Vec::new()))
}

#[derive(Deserialize)]
struct EditForm {
    body: String,
    preview: Option<String>,
}

async fn edit_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response, Error> {
    let (post, thread) = editable(&state, &viewer, id).await?;
    if form.preview.is_some() {
        return edit_page(&viewer, &post, &thread, form.body, Vec::new()).previewing(&state).await;
    }
    match actions::edit(&state, viewer.actor()?, id, &form.body).await {
        Ok(post) => Ok(see_other(&actions::post_url(thread.id, &thread.slug, post.number))),
        Err(Error::Invalid(errors)) => {
            html_with_status(StatusCode::UNPROCESSABLE_ENTITY, edit_page(&viewer, &post, &thread, form.body, errors))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn delete_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, Error> {
    let post = actions::delete(&state, viewer.actor()?, id).await?;
    back_to(&state, &post).await
}

#[derive(Deserialize)]
struct ThanksForm {
    thanked: String,
}

async fn thanks_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ThanksForm>,
) -> Result<Response, Error> {
    let (post, _) = actions::thank(&state, viewer.actor()?, id, form.thanked == "1").await?;
    back_to(&state, &post).await
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

async fn profile(State(state): State<AppState>, viewer: Viewer, Path(username): Path<String>) -> Result<Response, Error> {
    let user = state.store.user_by_name(&username).await?.ok_or(Error::NotFound)?;
    let recent = state.store.recent_posts_by(user.id, 20).await?;
    html(ProfilePage {
        layout: Layout::new(user.username.clone(), &viewer),
        role: user.role.as_str(),
        joined: format::day(user.created_at),
        joined_iso: format::rfc3339(user.created_at),
        post_count: user.post_count,
        thanks_received: user.thanks_received,
        recent: recent
            .into_iter()
            .map(|p| RecentPost {
                url: actions::post_url(p.thread_id, &p.thread_slug, p.number),
                thread_title: p.thread_title,
                excerpt: p.excerpt,
                created_iso: format::rfc3339(p.created_at),
                created_human: format::human(p.created_at),
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

    fn login(viewer: &Viewer, next: String, username: String, errors: Vec<FieldError>) -> Self {
        AccountPage {
            layout: Layout::new("Log in", viewer),
            heading: "Log in",
            action: "/login",
            registering: false,
            next,
            username,
            email: String::new(),
            errors,
        }
    }

    fn register(viewer: &Viewer, username: String, email: String, errors: Vec<FieldError>) -> Self {
        AccountPage {
            layout: Layout::new("Join", viewer),
            heading: "Join Jogette",
            action: "/register",
            registering: true,
            next: String::new(),
            username,
            email,
            errors,
        }
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

async fn login_form(viewer: Viewer, Query(q): Query<NextQuery>) -> Result<Response, Error> {
    html(AccountPage::login(&viewer, safe_next(q.next.as_deref()), String::new(), Vec::new()))
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
}

fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    auth::set_cookie(auth::SESSION_COOKIE, token, auth::SESSION_SECONDS, state.config.secure_cookies)
}

async fn login_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> Result<Response, Error> {
    let next = safe_next(form.next.as_deref());
    match actions::log_in(&state, &client, &form.username, &form.password, SessionKind::Cookie).await {
        Ok((_, token)) => {
            let mut response = see_other(&next);
            response.headers_mut().append(header::SET_COOKIE, session_cookie(&state, &token));
            Ok(response)
        }
        Err(Error::Invalid(errors)) => html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            AccountPage::login(&viewer, next, form.username, errors),
        ),
        Err(e) => Err(e),
    }
}

async fn register_form(viewer: Viewer) -> Result<Response, Error> {
    html(AccountPage::register(&viewer, String::new(), String::new(), Vec::new()))
}

async fn register_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> Result<Response, Error> {
    let input = Registration {
        username: form.username.clone(),
        password: form.password.clone(),
        email: Some(form.email.clone()),
    };
    match actions::register(&state, &client, input).await {
        Ok(_) => {
            // Registration already proved the password; log straight in, past the login limit.
            let (_, token) = actions::log_in(&state, &format!("registered:{client}"), &form.username, &form.password, SessionKind::Cookie).await?;
            let mut response = see_other("/");
            response.headers_mut().append(header::SET_COOKIE, session_cookie(&state, &token));
            Ok(response)
        }
        Err(Error::Invalid(errors)) => html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            AccountPage::register(&viewer, form.username, form.email, errors),
        ),
        Err(e) => Err(e),
    }
}

async fn logout(State(state): State<AppState>, viewer: Viewer, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    actions::log_out(&state, viewer.token.as_deref()).await?;
    let mut response = see_other("/");
    response.headers_mut().append(header::SET_COOKIE, auth::set_cookie(auth::SESSION_COOKIE, "", 0, state.config.secure_cookies));
    Ok(response)
}

pub struct ResultView {
    pub url: String,
    pub title: String,
    pub snippet: String,
    pub author: String,
    pub created_iso: String,
    pub created_human: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    categories: Vec<Category>,
    category: String,
    author: String,
    title_only: bool,
    from: String,
    to: String,
    newest: bool,
    advanced: bool,
    searched: bool,
    total: i64,
    total_exact: bool,
    results: Vec<ResultView>,
    pager: Pager,
    errors: Vec<FieldError>,
}

async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(input): Query<actions::SearchInput>,
) -> Result<Response, Error> {
    let page = input.page.unwrap_or(1).max(1);
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let searched = !input.q.trim().is_empty() || input.author.as_deref().is_some_and(|a| !a.trim().is_empty());
    let (found, errors) = if searched {
        match actions::search(&state, &input).await {
            Ok(found) => (found, Vec::new()),
            Err(Error::Invalid(errors)) => (store::Found::default(), errors),
            Err(e) => return Err(e),
        }
    } else {
        (store::Found::default(), Vec::new())
    };
    // Pages link back with the same filters.
    let mut query: Vec<(&str, String)> = vec![("q", input.q.clone())];
    for (key, value) in [("category", &input.category), ("author", &input.author), ("title_only", &input.title_only), ("from", &input.from), ("to", &input.to), ("sort", &input.sort)] {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            query.push((key, v.clone()));
        }
    }
    let base = format!("/search?{}", serde_urlencoded::to_string(&query).unwrap_or_default());
    let advanced = [&input.category, &input.author, &input.title_only, &input.from, &input.to].iter().any(|v| v.as_ref().is_some_and(|v| !v.is_empty()))
        || input.sort.as_deref() == Some("date");
    let title = if searched { format!("Search: {}", input.q.trim()) } else { "Search".to_owned() };
    html(SearchPage {
        layout: Layout::new(title, &viewer),
        categories: state.store.categories().await?,
        category: text(&input.category),
        author: text(&input.author),
        title_only: input.title_only.as_deref().is_some_and(|v| !v.is_empty() && v != "0"),
        from: text(&input.from),
        to: text(&input.to),
        newest: input.sort.as_deref() == Some("date"),
        advanced,
        searched,
        total: found.total,
        total_exact: found.exact,
        pager: Pager::new(base, page, actions::pages(found.total, actions::RESULTS_PER_PAGE)),
        results: found
            .hits
            .into_iter()
            .map(|h| ResultView {
                url: actions::post_url(h.thread_id, &h.thread_slug, h.number),
                title: h.title,
                snippet: h.snippet,
                author: h.author,
                created_iso: format::rfc3339(h.created_at),
                created_human: format::human(h.created_at),
            })
            .collect(),
        errors,
        q: input.q,
    })
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

async fn notifications(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Error> {
    let Some(user) = &viewer.user else { return Ok(login_redirect("/notifications")) };
    let items: Vec<NotificationView> = state
        .store
        .notifications(user.id, 50)
        .await?
        .into_iter()
        .map(|n| {
            let actor = n.actor.clone().unwrap_or_else(|| "A member".into());
            let thread = n.thread_title.clone().unwrap_or_default();
            let (title, summary) = match n.kind.as_str() {
                "safety-emergency" => (
                    "A member may need help now".to_owned(),
                    format!("{actor}'s post in “{thread}” describes an emergency warning sign: {}", n.excerpt.clone().unwrap_or_default()),
                ),
                other => (other.to_owned(), format!("{actor} in “{thread}”")),
            };
            NotificationView {
                url: actions::notification_url(&n),
                title,
                summary,
                read: n.read,
                created_iso: format::rfc3339(n.created_at),
                created_human: format::human(n.created_at),
            }
        })
        .collect();
    let unread = items.iter().filter(|n| !n.read).count();
    html(NotificationsPage { layout: Layout::new("Notifications", &viewer), items, unread })
}

async fn notifications_read(State(state): State<AppState>, viewer: Viewer, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, Error> {
    let user = viewer.require()?;
    state.store.mark_notifications_read(user.id).await?;
    Ok(see_other("/notifications"))
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    categories: Vec<Category>,
    errors: Vec<FieldError>,
}

async fn admin_page(state: &AppState, viewer: &Viewer, status: StatusCode, errors: Vec<FieldError>) -> Result<Response, Error> {
    let actor = viewer.actor()?;
    if !crate::domain::permission::can_manage_categories(actor) {
        return Err(Error::Forbidden("Only admins can manage categories.".into()));
    }
    let categories = state.store.categories().await?;
    html_with_status(status, AdminPage { layout: Layout::new("Admin", viewer), categories, errors })
}

async fn admin(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Error> {
    admin_page(&state, &viewer, StatusCode::OK, Vec::new()).await
}

#[derive(Deserialize)]
struct CategoryForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

async fn admin_create_category(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> Result<Response, Error> {
    let result = async {
        let input = actions::category_input(&form.slug, &form.name, &form.description)?;
        actions::create_category(&state, viewer.actor()?, input).await
    }
    .await;
    category_saved(&state, &viewer, result).await
}

async fn admin_update_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> Result<Response, Error> {
    let result = async {
        let input = actions::category_input(&form.slug, &form.name, &form.description)?;
        actions::update_category(&state, viewer.actor()?, &slug, input).await
    }
    .await;
    category_saved(&state, &viewer, result).await
}

async fn category_saved(state: &AppState, viewer: &Viewer, result: Result<Category, Error>) -> Result<Response, Error> {
    match result {
        Ok(_) => Ok(see_other("/admin")),
        Err(Error::Invalid(errors)) => admin_page(state, viewer, StatusCode::UNPROCESSABLE_ENTITY, errors).await,
        Err(e) => Err(e),
    }
}

async fn static_file(Path(file): Path<String>) -> Result<Response, Error> {
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "style.css" => (include_str!("static/style.css"), "text/css; charset=utf-8"),
        "app.js" => (include_str!("static/app.js"), "text/javascript; charset=utf-8"),
        "icon.svg" => (include_str!("static/icon.svg"), "image/svg+xml"),
        _ => return Err(Error::NotFound),
    };
    Ok(([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body).into_response())
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
    let layout = Layout { title: title.to_owned(), user: None, csrf, asset_version: ASSET_VERSION };
    ErrorPage { layout, status: e.status().as_u16(), title, detail, fields }
        .render()
        .unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><h1>{title}</h1>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_only_returns_to_local_paths() {
        assert_eq!(safe_next(Some("/t/1/x")), "/t/1/x");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn pager_links_keep_page_one_canonical() {
        let p = Pager::new("/c/intro", 2, 3);
        assert_eq!(p.href(1), "/c/intro");
        assert_eq!(p.href(3), "/c/intro?page=3");
    }

    #[test]
    fn posts_per_page_matches_the_url_helper() {
        use actions::POSTS_PER_PAGE;
        assert_eq!(actions::page_of(POSTS_PER_PAGE), 1);
        assert_eq!(actions::page_of(POSTS_PER_PAGE + 1), 2);
    }
}
