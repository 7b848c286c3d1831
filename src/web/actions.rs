//! What members do, as one function per action, shared by the HTML pages and
//! the JSON API so both enforce the same rules in the same order: rate limit,
//! authorise, validate, cook the Markdown, store.

use super::{AppState, error::Error};
use crate::domain::markdown::{self, Rendered};
use crate::domain::{Role, permission, slugify, validate};
use crate::store::{Category, CategoryInput, NewPost, NewThread, Post, SessionKind, Thread, User, events, forum, notify};
use crate::web::auth;

pub const POSTS_PER_PAGE: i64 = 20;
pub const THREADS_PER_PAGE: i64 = 25;

pub struct Registration {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

pub async fn register(state: &AppState, client: &str, input: Registration) -> Result<User, Error> {
    state.limiter.check("register", state.config.rate_limits.register, client)?;
    let email = input.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
    validate::collect([
        validate::username(&input.username),
        validate::password(&input.password),
        email.map_or(Ok(()), validate::email),
    ])
    .map_err(Error::Invalid)?;
    if state.store.user_by_name(&input.username).await?.is_some() {
        return Err(Error::field("username", "That username is already taken."));
    }
    let hash = hash_password(input.password).await?;
    Ok(state.store.create_user(&input.username, email, &hash, Role::Member).await?)
}

pub async fn hash_password(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || crate::domain::password::hash(&password))
        .await
        .map_err(|e| Error::Internal(e.to_string()))
}

/// Checks the password and opens a session; returns the member and the raw token.
pub async fn log_in(
    state: &AppState,
    client: &str,
    username: &str,
    password: &str,
    kind: SessionKind,
) -> Result<(User, String), Error> {
    state.limiter.check("login", state.config.rate_limits.login, client)?;
    let found = state.store.user_credentials(username.trim()).await?;
    let password = password.to_owned();
    let (user, ok) = tokio::task::spawn_blocking(move || match found {
        Some((user, hash)) => {
            let ok = crate::domain::password::verify(&password, &hash);
            (Some(user), ok)
        }
        None => {
            crate::domain::password::verify(&password, crate::domain::password::decoy_hash());
            (None, false)
        }
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?;
    let Some(user) = user.filter(|_| ok) else {
        return Err(Error::Invalid(vec![crate::domain::FieldError::new(
            "password",
            "That username and password don't match.",
        )]));
    };
    let token = auth::new_token();
    let expires = crate::store::now_millis() + auth::SESSION_SECONDS * 1000;
    state.store.create_session(&auth::token_hash(&token), user.id, kind, expires).await?;
    Ok((user, token))
}

pub async fn log_out(state: &AppState, token: Option<&str>) -> Result<(), Error> {
    if let Some(token) = token {
        state.store.delete_session(&auth::token_hash(token)).await?;
    }
    Ok(())
}

pub fn category_input(slug: &str, name: &str, description: &str) -> Result<CategoryInput, Error> {
    validate::collect([validate::category_slug(slug.trim()), validate::category_name(name)]).map_err(Error::Invalid)?;
    Ok(CategoryInput { slug: slug.trim().into(), name: name.trim().into(), description: description.trim().into() })
}

pub async fn create_category(state: &AppState, actor: permission::Actor, input: CategoryInput) -> Result<Category, Error> {
    if !permission::can_manage_categories(actor) {
        return Err(Error::Forbidden("Only admins can manage categories.".into()));
    }
    Ok(state.store.create_category(input).await?)
}

pub async fn update_category(
    state: &AppState,
    actor: permission::Actor,
    slug: &str,
    input: CategoryInput,
) -> Result<Category, Error> {
    if !permission::can_manage_categories(actor) {
        return Err(Error::Forbidden("Only admins can manage categories.".into()));
    }
    Ok(state.store.update_category(slug, input).await?)
}

/// Markdown to safe HTML, with mentions resolved against the member list.
pub async fn cook(state: &AppState, body: &str) -> Result<Rendered, Error> {
    let members = state.store.resolve_usernames(markdown::mention_candidates(body)).await?;
    Ok(markdown::render(body, &members))
}

pub async fn start_thread(
    state: &AppState,
    author: &User,
    category_slug: &str,
    title: &str,
    body: &str,
) -> Result<(Thread, Post), Error> {
    state.limiter.check("post", state.config.rate_limits.post, &author.id.to_string())?;
    let category = state.store.category(category_slug).await?;
    let category_error = category.is_none().then(|| Err(crate::domain::FieldError::new("category", "Choose a category.")));
    validate::collect([validate::title(title), validate::body(body), category_error.unwrap_or(Ok(()))])
        .map_err(Error::Invalid)?;
    let category = category.expect("checked above");
    let title = title.trim();
    let new = NewThread {
        category_id: category.id,
        title: title.to_owned(),
        slug: slugify(title),
        first_post: NewPost { author_id: author.id, created_at: crate::store::now_millis(), reply_to: None, body: body.to_owned(), rendered: cook(state, body).await? },
    };
    let emergency = describes_emergency(state, body);
    let (thread, post) = state
        .store
        .write(move |tx| {
            Box::pin(async move {
                let (thread, post) = forum::create_thread(tx, &new).await?;
                events::record(tx, &event("thread-created", thread.id, post.id)).await?;
                if emergency {
                    alert_staff(tx, &post).await?;
                }
                Ok((thread, post))
            })
        })
        .await?;
    Ok((thread, post))
}

fn describes_emergency(state: &AppState, body: &str) -> bool {
    state.assess(body).tier == crate::domain::safety::Tier::Emergency
}

/// Staff hear at once about a post that describes an emergency: the member may
/// need help now. The alert commits with the post.
async fn alert_staff(tx: &crate::store::Tx<'_>, post: &Post) -> crate::store::Result<()> {
    let told = notify::notify_staff(tx, "safety-emergency", post.id, post.user_id).await?;
    tracing::warn!(post = post.id, staff = told, "a post describes an emergency; staff notified");
    Ok(())
}

pub async fn reply(
    state: &AppState,
    author: &User,
    thread_id: i64,
    body: &str,
    reply_to: Option<i64>,
) -> Result<Post, Error> {
    state.limiter.check("post", state.config.rate_limits.post, &author.id.to_string())?;
    validate::body(body).map_err(|e| Error::Invalid(vec![e]))?;
    state.store.thread(thread_id).await?.ok_or(Error::NotFound)?;
    if let Some(id) = reply_to {
        let parent = state.store.post(id, None).await?;
        if parent.is_none_or(|p| p.thread_id != thread_id) {
            return Err(Error::field("reply_to", "That post is not in this thread."));
        }
    }
    let new = NewPost { author_id: author.id, created_at: crate::store::now_millis(), reply_to, body: body.to_owned(), rendered: cook(state, body).await? };
    let emergency = describes_emergency(state, body);
    let post = state
        .store
        .write(move |tx| {
            Box::pin(async move {
                let post = forum::create_post(tx, thread_id, &new).await?;
                events::record(tx, &event("post-created", thread_id, post.id)).await?;
                if emergency {
                    alert_staff(tx, &post).await?;
                }
                Ok(post)
            })
        })
        .await?;
    Ok(post)
}

/// The post, if `actor` may change it.
async fn post_for_change(state: &AppState, actor: permission::Actor, post_id: i64) -> Result<Post, Error> {
    let post = state.store.post(post_id, Some(actor.user_id)).await?.ok_or(Error::NotFound)?;
    if post.deleted {
        return Err(Error::NotFound);
    }
    if !permission::can_edit_post(actor, post.user_id, post.deleted) {
        return Err(Error::Forbidden("Only the author can change this post.".into()));
    }
    Ok(post)
}

pub async fn edit(state: &AppState, actor: permission::Actor, post_id: i64, body: &str) -> Result<Post, Error> {
    validate::body(body).map_err(|e| Error::Invalid(vec![e]))?;
    let post = post_for_change(state, actor, post_id).await?;
    if post.body == body {
        return Ok(post);
    }
    let rendered = cook(state, body).await?;
    // An edit only alerts staff when it newly describes an emergency.
    let newly_emergency = describes_emergency(state, body) && !describes_emergency(state, &post.body);
    let body = body.to_owned();
    let thread_id = post.thread_id;
    let edited = state
        .store
        .write(move |tx| {
            Box::pin(async move {
                let edited = forum::edit_post(tx, post_id, actor.user_id, &body, &rendered).await?;
                events::record(tx, &event("post-edited", thread_id, post_id)).await?;
                if newly_emergency {
                    alert_staff(tx, &edited).await?;
                }
                Ok(edited)
            })
        })
        .await?;
    Ok(edited)
}

pub async fn delete(state: &AppState, actor: permission::Actor, post_id: i64) -> Result<Post, Error> {
    let post = post_for_change(state, actor, post_id).await?;
    let thread_id = post.thread_id;
    state
        .store
        .write(move |tx| {
            Box::pin(async move {
                forum::delete_post(tx, post_id).await?;
                events::record(tx, &event("post-deleted", thread_id, post_id)).await?;
                Ok(())
            })
        })
        .await?;
    Ok(post)
}

pub async fn thank(state: &AppState, actor: permission::Actor, post_id: i64, thanked: bool) -> Result<(Post, i64), Error> {
    let post = state.store.post(post_id, Some(actor.user_id)).await?.ok_or(Error::NotFound)?;
    if post.deleted {
        return Err(Error::NotFound);
    }
    if !permission::can_thank(actor, post.user_id, post.deleted) {
        return Err(Error::Forbidden("You can't thank your own post.".into()));
    }
    let thread_id = post.thread_id;
    let count = state
        .store
        .write(move |tx| {
            Box::pin(async move {
                let count = forum::set_thanks(tx, post_id, actor.user_id, thanked).await?;
                events::record(tx, &event("thanks", thread_id, post_id)).await?;
                Ok(count)
            })
        })
        .await?;
    Ok((post, count))
}

fn event(kind: &'static str, thread_id: i64, post_id: i64) -> crate::store::NewEvent {
    crate::store::NewEvent { kind, thread_id: Some(thread_id), post_id: Some(post_id) }
}

/// One page of a thread: the thread, its posts numbered into that page, and the page count.
pub async fn thread_page(
    state: &AppState,
    thread_id: i64,
    page: i64,
    viewer: Option<i64>,
) -> Result<(Thread, Vec<Post>, i64), Error> {
    let thread = state.store.thread(thread_id).await?.ok_or(Error::NotFound)?;
    let pages = pages(thread.post_count, POSTS_PER_PAGE);
    if page < 1 || page > pages {
        return Err(Error::NotFound);
    }
    let first = (page - 1) * POSTS_PER_PAGE + 1;
    let posts = state.store.thread_posts(thread_id, first, first + POSTS_PER_PAGE - 1, viewer).await?;
    Ok((thread, posts, pages))
}

pub fn pages(items: i64, per_page: i64) -> i64 {
    ((items + per_page - 1) / per_page).max(1)
}

/// The page of its thread a post numbered `number` is on.
pub fn page_of(number: i64) -> i64 {
    (number - 1) / POSTS_PER_PAGE + 1
}

/// Where a notification points: the post it is about, when it still has one.
pub fn notification_url(n: &crate::store::Notification) -> Option<String> {
    match (n.thread_id, &n.thread_slug, n.number) {
        (Some(thread), Some(slug), Some(number)) => Some(post_url(thread, slug, number)),
        _ => None,
    }
}

/// The HTML address of a post: its thread page and anchor.
pub fn post_url(thread_id: i64, thread_slug: &str, number: i64) -> String {
    let page = page_of(number);
    if page == 1 {
        format!("/t/{thread_id}/{thread_slug}#p{number}")
    } else {
        format!("/t/{thread_id}/{thread_slug}?page={page}#p{number}")
    }
}

/// What the search page and `GET /api/v1/search` accept.
#[derive(serde::Deserialize, Default, Clone)]
pub struct SearchInput {
    #[serde(default)]
    pub q: String,
    pub category: Option<String>,
    pub author: Option<String>,
    pub title_only: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    pub page: Option<i64>,
}

pub const RESULTS_PER_PAGE: i64 = 20;

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Runs a search; `@name` in the words filters by author, as does `author`.
pub async fn search(state: &AppState, input: &SearchInput) -> Result<crate::store::Found, Error> {
    use crate::domain::search;
    use crate::web::format::parse_date;
    let (words, typed_author) = search::split_author(&input.q);
    let date = |field: &'static str, value: &Option<String>| match nonempty(value) {
        None => Ok(None),
        Some(text) => parse_date(text).map(Some).ok_or_else(|| crate::domain::FieldError::new(field, "Use a date like 2026-11-28.")),
    };
    let (from, to) = (date("from", &input.from), date("to", &input.to));
    validate::collect([from.clone().map(|_| ()), to.clone().map(|_| ())]).map_err(Error::Invalid)?;
    let category_id = match nonempty(&input.category) {
        Some(slug) => Some(state.store.category(slug).await?.ok_or_else(|| Error::field("category", "There is no such category."))?.id),
        None => None,
    };
    let author = nonempty(&input.author).map(|a| a.trim_start_matches('@').to_owned()).or(typed_author);
    let author_id = match author {
        Some(name) => match state.store.user_by_name(&name).await? {
            Some(user) => Some(user.id),
            None => return Ok(crate::store::Found::none()),
        },
        None => None,
    };
    let mut params = crate::store::SearchParams {
        query: search::parse(&words, true),
        match_all: true,
        category_id,
        author_id,
        title_only: nonempty(&input.title_only).is_some_and(|v| v != "0" && v != "false"),
        from: from.unwrap_or(None),
        // The "to" day is included in full.
        until: to.unwrap_or(None).map(|t| t + 86_400_000),
        newest_first: nonempty(&input.sort) == Some("date"),
        page: input.page.unwrap_or(1).max(1),
        per_page: RESULTS_PER_PAGE,
    };
    let found = state.store.search(params.clone()).await?;
    // Nothing has every word: show what has some of them, best first.
    if found.total == 0 && params.query.terms.len() > 1 {
        params.match_all = false;
        return Ok(state.store.search(params).await?);
    }
    Ok(found)
}

/// "Has this been asked before?": up to five threads like a draft's title and body.
pub async fn similar(state: &AppState, title: &str, body: &str) -> Result<Vec<crate::store::SimilarThread>, Error> {
    let body: String = body.chars().take(600).collect();
    let query = crate::domain::search::parse(&format!("{title} {body}"), true);
    Ok(state.store.similar_threads(query, 5).await?)
}
