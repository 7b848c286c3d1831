//! The forum's pages: thread lists, a thread, and composing, editing,
//! deleting and thanking posts.

use super::compose::{Carried, ComposePage, Composing};
use super::safety::SafetyCard;
use super::{Layout, Notice, PageQuery, Pager, answer, for_every_guest, html, html_in, login_redirect, see_other};
use crate::app::forum::{Draft, Found, Opened};
use crate::app::{self, Category, Post, Thread, ThreadSummary, Viewer, access};
use crate::domain::FieldError;
use crate::domain::moderation::FlagReason;
use crate::domain::dates;
use crate::domain::notify as rules;
use crate::domain::links::{self, post_url, thread_url};
use crate::domain::permission::{Action, Subject};
use crate::web::{AppState, ClientAddr};
use crate::web::auth::{CsrfForm, Visitor};
use crate::web::error::Error;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
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
        .route("/t/{id}/watch", post(watch_thread))
        .route("/c/{slug}/watch", post(watch_category))
        .route("/new-thread", get(new_thread_form).post(new_thread_submit))
        .route("/share/reply", get(share_reply))
        .route("/p/{id}", get(post_permalink))
        .route("/p/{id}/edit", get(edit_form).post(edit_submit))
        .route("/p/{id}/revisions", get(revisions))
        .route("/p/{id}/delete", post(delete_submit))
        .route("/p/{id}/thanks", post(thanks_submit))
        .route("/p/{id}/flag", get(flag_form).post(flag_submit))
        .route("/p/{id}/flag/thanks", get(flag_thanks))
}

pub struct ThreadRow {
    pub url: String,
    /// Posts the member hasn't read in a thread they track, and where the first one is.
    pub new_posts: i64,
    pub first_unread_url: String,
    /// Started since the member's last visit (or lately), and never opened.
    pub is_new: bool,
    pub title: String,
    pub category_slug: String,
    pub category_name: String,
    pub replies: i64,
    pub last_poster: String,
    pub last_iso: String,
    pub last_human: String,
    pub members_only: bool,
    pub locked: bool,
}

pub fn thread_rows(threads: Vec<ThreadSummary>, viewer: &Viewer) -> Vec<ThreadRow> {
    let new_since = viewer.user.as_ref().map(|u| rules::new_since(u.previous_visit_at, app::now_millis()));
    threads
        .into_iter()
        .map(|t| ThreadRow {
            new_posts: rules::new_posts(t.last_number, t.reading.last_read, t.reading.level()),
            first_unread_url: post_url(t.id, &t.slug, t.reading.last_read.unwrap_or(0) + 1),
            is_new: new_since.is_some_and(|since| t.created_at > since && t.reading.last_read.is_none() && t.reading.level() != rules::Level::Muted),
            url: thread_url(t.id, &t.slug),
            title: t.title,
            category_slug: t.category_slug,
            category_name: t.category_name,
            replies: t.replies,
            last_poster: t.last_poster,
            last_iso: dates::rfc3339(t.last_post_at),
            last_human: dates::human(t.last_post_at),
            members_only: t.members_only,
            locked: t.locked,
        })
        .collect()
}

/// A top-level category and everything under it (subcategories of
/// subcategories are listed with their parent's), for the category list.
pub struct CategoryBranch {
    pub category: Category,
    pub children: Vec<Category>,
}

/// Categories as a tree of two levels, in their order; one whose parent the
/// viewer can't see stands at the top.
fn branches(categories: Vec<Category>) -> Vec<CategoryBranch> {
    let ids: std::collections::HashMap<i64, Option<i64>> = categories.iter().map(|c| (c.id, c.parent_id)).collect();
    let root = |mut id: i64| {
        while let Some(Some(parent)) = ids.get(&id) {
            if !ids.contains_key(parent) {
                break;
            }
            id = *parent;
        }
        id
    };
    let mut tree: Vec<CategoryBranch> = Vec::new();
    let mut under: Vec<(i64, Category)> = Vec::new();
    for c in categories {
        let top = root(c.id);
        if top == c.id {
            tree.push(CategoryBranch { category: c, children: Vec::new() });
        } else {
            under.push((top, c));
        }
    }
    for (top, c) in under {
        if let Some(branch) = tree.iter_mut().find(|b| b.category.id == top) {
            branch.children.push(c);
        }
    }
    tree
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    categories: Vec<CategoryBranch>,
    pinned: Vec<ThreadRow>,
    threads: Vec<ThreadRow>,
    show_category: bool,
    pager: Pager,
    /// The community's welcome: for guests on the first page, and for a
    /// member who has just joined.
    welcome: Option<String>,
    joined: bool,
}

#[derive(Deserialize)]
struct HomeQuery {
    page: Option<i64>,
    /// Set by the join form's redirect: say hello.
    joined: Option<String>,
}

async fn home(State(state): State<AppState>, visitor: Visitor, Query(q): Query<HomeQuery>) -> Result<Response, Error> {
    let page = q.page.unwrap_or(1);
    let list = state.app.thread_list(&visitor.viewer, None, page).await?;
    let joined = q.joined.is_some() && visitor.is_member();
    let welcome = (joined || (!visitor.is_member() && page <= 1)).then(|| app::site::welcome_html(&visitor.site));
    for_every_guest(html(HomePage {
        welcome,
        joined,
        layout: Layout::new("Latest threads", &visitor),
        categories: branches(state.app.categories(&visitor.viewer).await?),
        pager: Pager::new("/", list.page, list.pages),
        pinned: thread_rows(list.pinned, &visitor.viewer),
        threads: thread_rows(list.threads.items, &visitor.viewer),
        show_category: true,
    }))
}

#[derive(Template)]
#[template(path = "category.html")]
struct CategoryPage {
    layout: Layout,
    category: Category,
    /// The category it sits under, and those under it, that the viewer may see.
    parent: Option<Category>,
    children: Vec<Category>,
    watch: Option<WatchForm>,
    pinned: Vec<ThreadRow>,
    threads: Vec<ThreadRow>,
    show_category: bool,
    pager: Pager,
}

async fn category(State(state): State<AppState>, visitor: Visitor, Path(slug): Path<String>, Query(q): Query<PageQuery>) -> Result<Response, Error> {
    let list = state.app.thread_list(&visitor.viewer, Some(&slug), q.page.unwrap_or(1)).await?;
    let category = list.category.ok_or(Error::NotFound)?;
    let visible = state.app.categories(&visitor.viewer).await?;
    let parent = visible.iter().find(|c| Some(c.id) == category.parent_id).cloned();
    let children = visible.into_iter().filter(|c| c.parent_id == Some(category.id)).collect();
    let watch = match visitor.is_member() {
        true => Some(WatchForm::category(&category.slug, state.app.category_level(&visitor.viewer, category.id).await?)),
        false => None,
    };
    for_every_guest(html(CategoryPage {
        layout: Layout::new(category.name.clone(), &visitor).with_feed(format!("Threads in {}", category.name), format!("/c/{}/feed.atom", category.slug)),
        pager: Pager::new(format!("/c/{}", category.slug), list.page, list.pages),
        pinned: thread_rows(list.pinned, &visitor.viewer),
        threads: thread_rows(list.threads.items, &visitor.viewer),
        watch,
        show_category: false,
        category,
        parent,
        children,
    }))
}

pub struct ReplyView {
    pub url: String,
    pub author: String,
    pub number: i64,
    pub excerpt: String,
    pub deleted: bool,
    pub hidden: bool,
}

pub struct PostView {
    pub id: i64,
    pub number: i64,
    pub author: String,
    pub html: String,
    /// Its words are shown (not deleted, and readable by this viewer).
    pub words: bool,
    /// The viewer wrote it.
    pub mine: bool,
    pub reply: Option<ReplyView>,
    pub thanks: i64,
    pub thanked: bool,
    pub can_thank: bool,
    pub can_edit: bool,
    /// The viewer may see its earlier versions (its author, the moderators).
    pub can_see_revisions: bool,
    pub can_reply: bool,
    pub can_flag: bool,
    pub can_moderate: bool,
    pub deleted: bool,
    pub deleted_by_moderator: bool,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
    pub held: bool,
    pub edited: bool,
    pub created_iso: String,
    pub created_human: String,
    pub reply_url: String,
    pub quote_url: String,
    pub safety: Option<SafetyCard>,
    /// For guests on a members-only thread: the start of the opening post.
    pub teaser: String,
    /// The viewer muted its author: it folds away behind a line.
    pub author_muted: bool,
    /// Where its author is in the programme ("W5R3"), if they show it.
    pub badge: Option<String>,
    pub avatar: super::Avatar,
    /// Its author deleted their account.
    pub author_gone: bool,
    /// The summary of their pain log the author attached.
    pub pain: Option<String>,
}

/// `thread_path`: the thread's address ([`thread_url`]), made once for all its posts.
fn post_view(app: &app::App, p: Post, thread_path: &str, viewer: &Viewer, can_reply: bool) -> PostView {
    let subject = access::post_subject(&p);
    let words = !p.deleted && !p.html.is_empty();
    PostView {
        safety: if words { SafetyCard::for_post(app, &p, viewer) } else { None },
        id: p.id,
        number: p.number,
        words,
        mine: viewer.user_id() == Some(p.user_id),
        reply: p.reply_to.map(|r| ReplyView { url: links::with_id("/p/", "", r.post_id), author: r.author, number: r.number, excerpt: r.excerpt, deleted: r.deleted, hidden: r.hidden }),
        thanks: p.thanks,
        thanked: p.thanked,
        can_thank: access::allows(viewer, Action::Thank, subject),
        can_edit: access::allows(viewer, Action::Edit, subject),
        can_see_revisions: p.edited_at.is_some() && access::allows(viewer, Action::ReadRevisions, subject),
        can_reply: can_reply && !p.held,
        can_flag: access::allows(viewer, Action::Flag, subject) && !p.hidden,
        can_moderate: access::allows(viewer, Action::Moderate, Subject::Community),
        deleted: p.deleted,
        deleted_by_moderator: p.deleted_by_moderator,
        hidden: p.hidden,
        hidden_reason: p.hidden_reason,
        held: p.held,
        edited: p.edited_at.is_some(),
        created_iso: dates::rfc3339(p.created_at),
        created_human: dates::human(p.created_at),
        reply_url: links::with_id(thread_path, "/reply?to=", p.id),
        quote_url: links::with_id(thread_path, "/reply?quote=", p.id),
        author_muted: p.author_muted && viewer.user_id() != Some(p.user_id),
        badge: p.author_badge,
        avatar: if p.author_gone { super::Avatar::of(crate::domain::deletion::FORMER_MEMBER, None) } else { super::Avatar::of(&p.author, p.author_avatar) },
        author_gone: p.author_gone,
        pain: if words { p.pain_summary.as_ref().map(|s| s.text()) } else { None },
        author: p.author,
        html: p.html,
        teaser: p.excerpt,
    }
}

/// How closely the member follows a thread or category, as a form to change it.
pub struct WatchForm {
    pub action: String,
    pub current: &'static str,
    /// Each level's value, label and explanation.
    pub levels: Vec<(&'static str, &'static str, &'static str)>,
    pub explain: &'static str,
    pub what: &'static str,
}

impl WatchForm {
    fn new(action: String, level: rules::Level, explain: fn(rules::Level) -> &'static str, what: &'static str) -> Self {
        WatchForm { action, current: level.as_str(), levels: rules::Level::ALL.iter().map(|l| (l.as_str(), l.label(), explain(*l))).collect(), explain: explain(level), what }
    }

    fn thread(thread_id: i64, level: rules::Level) -> Self {
        Self::new(format!("/t/{thread_id}/watch"), level, rules::Level::explain_thread, "this thread")
    }

    fn category(slug: &str, level: rules::Level) -> Self {
        Self::new(format!("/c/{slug}/watch"), level, rules::Level::explain_category, "this category")
    }
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage {
    layout: Layout,
    thread: Thread,
    thread_path: String,
    posts: Vec<PostView>,
    pager: Pager,
    teaser: bool,
    /// "4 minutes": slow mode's spacing, when it is on.
    slow_mode: Option<String>,
    /// Why the viewer can't reply here, if they can't.
    cannot_reply: Option<String>,
    /// The viewer is a moderator: show the thread tools.
    tools: bool,
    watch: Option<WatchForm>,
}

impl ThreadPage {
    /// The reply box at the foot of the page never comes back with errors
    /// (a refused reply comes back in the full composer).
    fn error(&self, _field: &str) -> Option<&str> {
        None
    }
}

async fn thread_by_id(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Error> {
    let thread = match state.app.find_thread(id).await? {
        Found::Thread(thread) | Found::MovedTo(thread) => thread,
    };
    Ok(see_other(&thread_url(thread.id, &thread.slug)))
}

async fn thread(State(state): State<AppState>, visitor: Visitor, Path((id, slug)): Path<(i64, String)>, Query(q): Query<PageQuery>) -> Result<Response, Error> {
    let page = match state.app.open_thread(&visitor.viewer, id, q.page).await {
        Ok(Opened::Page(page)) => page,
        // No page asked for: where the member left off.
        Ok(Opened::ResumeAt(thread, number)) => return Ok(see_other(&post_url(thread.id, &thread.slug, number))),
        // A merged thread's address leads to where its posts went.
        Err(app::Error::NotFound) => match state.app.find_thread(id).await? {
            Found::MovedTo(thread) => return Ok(see_other(&thread_url(thread.id, &thread.slug))),
            Found::Thread(_) => return Err(Error::NotFound),
        },
        Err(e) => return Err(e.into()),
    };
    if slug != page.thread.slug {
        return Ok(see_other(&thread_pager(&page).1.href(page.page)));
    }
    // The page's own markup, then each post's words and around them.
    let room = (12 << 10) + page.posts.iter().map(|p| p.html.len() + 1200).sum::<usize>();
    for_every_guest(html_in(room, thread_page(&state.app, &visitor, page)))
}

/// A thread's page as this visitor sees it, from what was read: a view's
/// work after its reads. Public so that `benches/render.rs` can time it alone.
pub fn render_thread(app: &app::App, visitor: &Visitor, page: app::forum::ThreadPage) -> Result<String, Error> {
    thread_page(app, visitor, page).render().map_err(Error::internal)
}

/// The thread's address and the links to its pages.
fn thread_pager(page: &app::forum::ThreadPage) -> (String, Pager) {
    let path = thread_url(page.thread.id, &page.thread.slug);
    (path.clone(), Pager::new(path, page.page, page.pages).thread())
}

fn thread_page(app: &app::App, visitor: &Visitor, page: app::forum::ThreadPage) -> ThreadPage {
    let (path, pager) = thread_pager(&page);
    let viewer = &visitor.viewer;
    let cannot_reply = match access::check(viewer, Action::Reply, access::thread_subject(&page.thread, None)) {
        Ok(()) | Err(app::Error::NeedsLogin) => None,
        Err(e) => Some(e.to_string()),
    };
    let posts = page.posts.into_iter().map(|p| post_view(app, p, &path, viewer, cannot_reply.is_none())).collect();
    let tools = access::allows(viewer, Action::ManageThreads, Subject::Community);
    let mut layout = Layout::new(page.thread.title.clone(), visitor).with_feed(format!("Posts in “{}”", page.thread.title), format!("/t/{}/feed.atom", page.thread.id));
    layout.noindex = page.thread.members_only;
    let slow_mode = page.thread.slow_mode_at(app::now_millis()).map(|s| {
        let minutes = (s + 59) / 60;
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    });
    let watch = visitor.is_member().then(|| WatchForm::thread(page.thread.id, page.thread.reading.level()));
    ThreadPage { layout, pager, thread_path: path, posts, teaser: page.teaser, slow_mode, cannot_reply, tools, watch, thread: page.thread }
}

#[derive(Deserialize)]
struct WatchChoice {
    #[serde(default)]
    level: String,
}

fn level_of(choice: &WatchChoice) -> Result<rules::Level, Error> {
    rules::Level::parse(&choice.level).ok_or_else(|| Error::BadRequest("Choose watching, tracking, normal or muted.".into()))
}

async fn watch_thread(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(form): CsrfForm<WatchChoice>) -> Result<Response, Error> {
    state.app.set_thread_level(&visitor.viewer, id, level_of(&form)?).await?;
    let thread = state.app.thread(id).await?;
    Ok(see_other(&format!("{}?page=1#watch", thread_url(thread.id, &thread.slug))))
}

async fn watch_category(State(state): State<AppState>, visitor: Visitor, Path(slug): Path<String>, CsrfForm(form): CsrfForm<WatchChoice>) -> Result<Response, Error> {
    state.app.set_category_level(&visitor.viewer, &slug, level_of(&form)?).await?;
    Ok(see_other(&format!("/c/{slug}#watch")))
}

#[derive(Deserialize)]
struct ReplyQuery {
    to: Option<i64>,
    quote: Option<i64>,
    selection: Option<String>,
    /// Words to start with ("Share this run").
    text: Option<String>,
}

async fn reply_form(State(state): State<AppState>, visitor: Visitor, uri: Uri, Path((id, _slug)): Path<(i64, String)>, Query(q): Query<ReplyQuery>) -> Result<Response, Error> {
    let thread = state.app.thread(id).await?;
    if !visitor.is_member() {
        // Back to this very form, still answering (or quoting) the same post.
        return Ok(login_redirect(uri.path_and_query().map_or("/", |p| p.as_str())));
    }
    let target = match q.quote.or(q.to) {
        Some(post_id) => Some(state.app.reply_target(&visitor.viewer, thread.id, post_id).await?),
        None => None,
    };
    let body = match (&target, q.quote) {
        (Some(post), Some(_)) => state.app.quote(&visitor.viewer, post.id, q.selection.as_deref()).await?.1,
        _ => q.text.unwrap_or_default(),
    };
    let page = ComposePage::new(&visitor, Composing::Reply { thread: &thread, answering: target.as_ref() }, body, Vec::new());
    html(page.with_pain(&state.app, &visitor.viewer, None).await?)
}

#[derive(Deserialize)]
struct ReplyForm {
    body: String,
    preview: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    reply_to: Option<i64>,
    /// "Post anyway", beside the note about contact details.
    contact_details_ok: Option<String>,
    /// Attach a summary of the pain log for this area.
    pain_area: Option<String>,
}

fn draft<'a>(body: &'a str, contact_details_ok: &Option<String>, pain_area: &'a Option<String>) -> Draft<'a> {
    Draft { body, contact_details_ok: contact_details_ok.as_deref().is_some_and(|v| !v.is_empty() && v != "0"), pain_area: pain_area.as_deref() }
}

fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(n) => n.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

async fn reply_submit(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, Path(id): Path<i64>, CsrfForm(form): CsrfForm<ReplyForm>) -> Result<Response, Error> {
    if !visitor.is_member() {
        let next = state.app.thread(id).await.map(|t| thread_url(t.id, &t.slug)).unwrap_or_else(|_| "/".into());
        return super::accounts::login_keeping(&visitor, Carried::reply(id, &form.body, form.reply_to), next);
    }
    let app = &state.app;
    // The form again, answering the same post if the viewer may still read it.
    let again = async |errors| {
        let thread = app.thread(id).await?;
        let target = match form.reply_to {
            Some(post_id) => app.reply_target(&visitor.viewer, id, post_id).await.ok(),
            None => None,
        };
        ComposePage::new(&visitor, Composing::Reply { thread: &thread, answering: target.as_ref() }, form.body.clone(), errors)
            .with_pain(app, &visitor.viewer, form.pain_area.as_deref())
            .await
    };
    if form.preview.is_some() {
        return again(Vec::new()).await?.previewing(app, &visitor.viewer).await;
    }
    let result = app.reply(&visitor.viewer, &client, id, draft(&form.body, &form.contact_details_ok, &form.pain_area), form.reply_to).await;
    let thread = match &result {
        Ok(_) => Some(app.thread(id).await?),
        Err(_) => None,
    };
    let done = |post: Post| thread.map_or_else(|| see_other("/"), |t| see_other(&post_url(t.id, &t.slug, post.number)));
    answer(result, done, async |errors| html(again(errors).await?)).await
}

#[derive(Deserialize)]
struct ShareQuery {
    thread: i64,
    #[serde(default)]
    text: String,
}

/// "Share this run" in a thread chosen from a list: to that thread's composer.
async fn share_reply(State(state): State<AppState>, Query(q): Query<ShareQuery>) -> Result<Response, Error> {
    let thread = state.app.thread(q.thread).await?;
    Ok(see_other(&format!("{}/reply?text={}", thread_url(thread.id, &thread.slug), super::urlencode(&q.text))))
}

#[derive(Deserialize)]
struct NewThreadQuery {
    category: Option<String>,
    /// A title and words to start with ("Share this run", graduating).
    title: Option<String>,
    text: Option<String>,
}

async fn new_thread_form(State(state): State<AppState>, visitor: Visitor, uri: Uri, Query(q): Query<NewThreadQuery>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect(uri.path_and_query().map_or("/new-thread", |p| p.as_str())));
    }
    let composing = Composing::NewThread { categories: state.app.categories(&visitor.viewer).await?, category: q.category.unwrap_or_default(), title: q.title.unwrap_or_default() };
    let page = ComposePage::new(&visitor, composing, q.text.unwrap_or_default(), Vec::new());
    html(page.with_pain(&state.app, &visitor.viewer, None).await?)
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
    contact_details_ok: Option<String>,
    pain_area: Option<String>,
}

async fn new_thread_submit(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, CsrfForm(form): CsrfForm<NewThreadForm>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return super::accounts::login_keeping(&visitor, Carried::new_thread(&form.category, &form.title, &form.body), "/new-thread".into());
    }
    let app = &state.app;
    let again = async |errors| {
        let composing = Composing::NewThread { categories: app.categories(&visitor.viewer).await?, category: form.category.clone(), title: form.title.clone() };
        ComposePage::new(&visitor, composing, form.body.clone(), errors).with_pain(app, &visitor.viewer, form.pain_area.as_deref()).await
    };
    if form.preview.is_some() {
        return again(Vec::new()).await?.previewing(app, &visitor.viewer).await;
    }
    let result = app.start_thread(&visitor.viewer, &client, &form.category, &form.title, draft(&form.body, &form.contact_details_ok, &form.pain_area)).await;
    answer(result, |(thread, _)| see_other(&thread_url(thread.id, &thread.slug)), async |errors| html(again(errors).await?)).await
}

pub struct RevisionView {
    html: String,
    written_iso: String,
    written: String,
    replaced: String,
}

#[derive(Template)]
#[template(path = "revisions.html")]
struct RevisionsPage {
    layout: Layout,
    post_url: String,
    author: String,
    current_html: String,
    edited: String,
    revisions: Vec<RevisionView>,
    pager: Pager,
    total: i64,
}

/// A post's earlier versions, for its author and the moderators.
async fn revisions(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, Query(q): Query<super::PageQuery>) -> Result<Response, Error> {
    let page = q.page.unwrap_or(1).max(1);
    let (post, listed, pages) = state.app.revisions(&visitor.viewer, id, page).await?;
    let thread = state.app.thread(post.thread_id).await?;
    let mut layout = Layout::new(format!("Earlier versions of {}'s post", post.author), &visitor);
    layout.noindex = true;
    html(RevisionsPage {
        layout,
        post_url: post_url(thread.id, &thread.slug, post.number),
        edited: post.edited_at.map(dates::human).unwrap_or_default(),
        current_html: post.html,
        author: post.author,
        revisions: listed
            .items
            .into_iter()
            .map(|r| RevisionView { html: r.html, written_iso: dates::rfc3339(r.created_at), written: dates::human(r.created_at), replaced: dates::human(r.replaced_at) })
            .collect(),
        pager: Pager::new(format!("/p/{id}/revisions"), page, pages),
        total: listed.total,
    })
}

/// Redirects to a post in its thread, on the page it is on.
async fn post_permalink(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Response, Error> {
    Ok(see_other(&state.app.post_url(&visitor.viewer, id).await?))
}

async fn edit_form(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect(&format!("/p/{id}/edit")));
    }
    let (post, thread) = state.app.editable(&visitor.viewer, id).await?;
    html(ComposePage::new(&visitor, Composing::Edit { thread: &thread, post: &post }, post.body.clone(), Vec::new()))
}

#[derive(Deserialize)]
struct EditForm {
    body: String,
    preview: Option<String>,
    contact_details_ok: Option<String>,
}

async fn edit_submit(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(form): CsrfForm<EditForm>) -> Result<Response, Error> {
    let (post, thread) = state.app.editable(&visitor.viewer, id).await?;
    let again = |errors| ComposePage::new(&visitor, Composing::Edit { thread: &thread, post: &post }, form.body.clone(), errors);
    if form.preview.is_some() {
        return again(Vec::new()).previewing(&state.app, &visitor.viewer).await;
    }
    let result = state.app.edit(&visitor.viewer, id, draft(&form.body, &form.contact_details_ok, &None)).await;
    answer(result, |edited| see_other(&post_url(thread.id, &thread.slug, edited.number)), async |errors| html(again(errors))).await
}

#[derive(Deserialize)]
struct DeleteForm {
    /// A moderator's reason, which the author is told.
    reason: Option<String>,
    /// Where to go next (the queue, after deleting from it).
    next: Option<String>,
}

async fn delete_submit(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(form): CsrfForm<DeleteForm>) -> Result<Response, Error> {
    let post = state.app.delete(&visitor.viewer, id, form.reason.as_deref()).await?;
    if form.next.as_deref() == Some("/mod") {
        return Ok(see_other("/mod"));
    }
    Ok(see_other(&state.app.post_url(&visitor.viewer, post.id).await?))
}

#[derive(Deserialize)]
struct ThanksForm {
    thanked: String,
}

async fn thanks_submit(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(form): CsrfForm<ThanksForm>) -> Result<Response, Error> {
    let (post, _) = state.app.thank(&visitor.viewer, id, form.thanked == "1").await?;
    Ok(see_other(&state.app.post_url(&visitor.viewer, post.id).await?))
}

#[derive(Template)]
#[template(path = "flag.html")]
struct FlagPage {
    layout: Layout,
    post: PostView,
    /// Each reason's value and label, and whether it is the one chosen.
    reasons: Vec<(&'static str, &'static str, bool)>,
    note: String,
    errors: Vec<FieldError>,
    back: String,
}

impl FlagPage {
    fn error(&self, field: &str) -> Option<&str> {
        super::field_error(&self.errors, field)
    }
}

async fn flag_page(state: &AppState, visitor: &Visitor, id: i64, chosen: String, note: String, errors: Vec<FieldError>) -> Result<Response, Error> {
    let post = state.app.post(&visitor.viewer, id).await?;
    let thread = state.app.thread(post.thread_id).await?;
    let back = post_url(thread.id, &thread.slug, post.number);
    let view = post_view(&state.app, post, &thread_url(thread.id, &thread.slug), &visitor.viewer, false);
    let reasons = FlagReason::ALL.iter().map(|r| (r.as_str(), r.label(), r.as_str() == chosen)).collect();
    html(FlagPage { layout: Layout::new("Flag a post", visitor), post: view, reasons, note, errors, back })
}

async fn flag_form(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect(&format!("/p/{id}/flag")));
    }
    flag_page(&state, &visitor, id, String::new(), String::new(), Vec::new()).await
}

#[derive(Deserialize)]
struct FlagForm {
    #[serde(default)]
    reason: String,
    note: Option<String>,
}

async fn flag_submit(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, Path(id): Path<i64>, CsrfForm(form): CsrfForm<FlagForm>) -> Result<Response, Error> {
    let result = state.app.flag(&visitor.viewer, &client, id, &form.reason, form.note.as_deref()).await;
    let done = |_| see_other(&format!("/p/{id}/flag/thanks"));
    answer(result, done, async |errors| flag_page(&state, &visitor, id, form.reason.clone(), form.note.clone().unwrap_or_default(), errors).await).await
}

async fn flag_thanks(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Response, Error> {
    let link = state.app.post_url(&visitor.viewer, id).await.unwrap_or_else(|_| "/".to_owned());
    html(Notice {
        layout: Layout::new("Thank you", &visitor),
        heading: "Thank you for flagging it".into(),
        paragraphs: vec![
            "A moderator will look at it soon, and you'll get a notification when they have.".into(),
            "Nobody, including the author, is told who flagged a post.".into(),
        ],
        link,
        link_text: "Back to the thread".into(),
    })
}
