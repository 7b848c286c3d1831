//! The moderators' pages: the review queue, a member's record, thread tools,
//! splitting a thread, and the audit log.

use super::{Layout, answer, field_error, html, see_other};
use crate::app::moderation::{AuditQuery, PostDecision, Review, SanctionKind, ThreadTool};
use crate::app::{self, Post, Thread, access};
use crate::domain::FieldError;
use crate::domain::dates;
use crate::domain::links::{post_url, thread_url};
use crate::domain::permission::{Action, Subject};
use crate::web::AppState;
use crate::web::auth::{CsrfForm, Visitor};
use crate::web::error::Error;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mod", get(queue))
        .route("/mod/posts/{id}/{decision}", post(decide))
        .route("/mod/users/{username}", get(member))
        .route("/mod/users/{username}/notes", post(add_note))
        .route("/mod/users/{username}/trust", post(trust))
        .route("/mod/users/{username}/lift", post(lift))
        .route("/mod/users/{username}/sanction", post(sanction))
        .route("/mod/threads/{id}/split", get(split_form).post(split_submit))
        .route("/mod/threads/{id}/move", get(move_form).post(move_submit))
        .route("/mod/threads/{id}/{tool}", post(thread_tool))
        .route("/mod/log", get(log))
        .route("/mod/log.csv", get(log_csv))
}

/// One queue item, as the page shows it.
pub struct ReviewView {
    pub post_id: i64,
    pub kind: &'static str,
    pub score: String,
    pub since_iso: String,
    pub since_human: String,
    pub url: String,
    pub thread_title: String,
    pub author: String,
    pub joined: String,
    pub posts: i64,
    pub sanctions: i64,
    pub html: String,
    pub hidden: bool,
    pub held: bool,
    pub reply_author: Option<String>,
    pub reply_html: Option<String>,
    pub reasons: Vec<(&'static str, Option<String>)>,
}

fn review_view(r: Review) -> ReviewView {
    let i = r.item;
    ReviewView {
        post_id: i.post_id,
        kind: match i.kind.as_str() {
            "flagged" => "Flagged by members",
            "held" => "Waiting for approval",
            "safety" => "Describes an emergency",
            _ => "Not in the queue",
        },
        score: format!("{:.1}", i.score as f64 / 10.0),
        since_iso: dates::rfc3339(i.created_at),
        since_human: dates::human(i.created_at),
        url: format!("/p/{}", i.post_id),
        thread_title: i.thread_title,
        author: i.author,
        joined: dates::day(i.author_joined),
        posts: i.author_posts,
        sanctions: i.author_sanctions,
        html: i.html,
        hidden: i.hidden,
        held: i.held,
        reply_author: i.reply_to_author,
        reply_html: i.reply_to_html,
        reasons: r.reasons.into_iter().map(|(reason, note)| (reason.label(), note)).collect(),
    }
}

#[derive(Template)]
#[template(path = "mod_queue.html")]
struct QueuePage {
    layout: Layout,
    items: Vec<ReviewView>,
    kind: String,
    oldest: bool,
    single: bool,
    errors: Vec<FieldError>,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    kind: Option<String>,
    sort: Option<String>,
    post: Option<i64>,
}

async fn queue_page(state: &AppState, visitor: &Visitor, q: &QueueQuery, errors: Vec<FieldError>) -> Result<Response, Error> {
    let oldest = q.sort.as_deref() == Some("age");
    let items = match q.post {
        Some(id) => vec![state.app.review_of_post(&visitor.viewer, id).await?],
        None => state.app.review_queue(&visitor.viewer, q.kind.as_deref(), oldest).await?,
    };
    html(QueuePage {
        layout: Layout::new("Review queue", visitor),
        items: items.into_iter().map(review_view).collect(),
        kind: q.kind.clone().unwrap_or_default(),
        oldest,
        single: q.post.is_some(),
        errors,
    })
}

async fn queue(State(state): State<AppState>, visitor: Visitor, Query(q): Query<QueueQuery>) -> Result<Response, Error> {
    queue_page(&state, &visitor, &q, Vec::new()).await
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: Option<String>,
}

async fn decide(State(state): State<AppState>, visitor: Visitor, Path((id, decision)): Path<(i64, String)>, CsrfForm(form): CsrfForm<ReasonForm>) -> Result<Response, Error> {
    let decision = match decision.as_str() {
        "approve" => PostDecision::Approve,
        "hide" => PostDecision::Hide,
        "restore" => PostDecision::Restore,
        _ => return Err(Error::NotFound),
    };
    let result = state.app.moderate_post(&visitor.viewer, id, decision, form.reason.as_deref()).await;
    let again = QueueQuery { post: Some(id), ..QueueQuery::default() };
    answer(result, |_| see_other("/mod"), async |errors| queue_page(&state, &visitor, &again, errors).await).await
}

pub struct SanctionView {
    pub kind: String,
    pub reason: String,
    pub until: String,
    pub by: String,
    pub when: String,
    pub lifted: bool,
}

pub struct NoteView {
    pub author: String,
    pub body: String,
    pub when: String,
}

pub struct RecentView {
    pub url: String,
    pub thread_title: String,
    pub excerpt: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "mod_member.html")]
struct MemberPage {
    layout: Layout,
    username: String,
    role: &'static str,
    joined: String,
    posts: i64,
    trusted: bool,
    silenced_until: Option<String>,
    suspended_until: Option<String>,
    flags_against: i64,
    flags_agreed: i64,
    sanctions: Vec<SanctionView>,
    notes: Vec<NoteView>,
    recent: Vec<RecentView>,
    errors: Vec<FieldError>,
}

impl MemberPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

fn until_text(until: i64) -> String {
    if until == i64::MAX { "until lifted".into() } else { format!("until {}", dates::human(until)) }
}

async fn member_page(state: &AppState, visitor: &Visitor, username: &str, errors: Vec<FieldError>) -> Result<Response, Error> {
    let record = state.app.member_record(&visitor.viewer, username).await?;
    let now = app::now_millis();
    let u = record.user;
    html(MemberPage {
        layout: Layout::new(format!("{}: member record", u.username), visitor),
        role: u.role.as_str(),
        joined: dates::day(u.created_at),
        posts: u.post_count,
        trusted: u.trusted_at.is_some(),
        silenced_until: u.silenced_until.filter(|t| *t > now).map(until_text),
        suspended_until: u.suspended_until.filter(|t| *t > now).map(until_text),
        flags_against: record.flags_against.0,
        flags_agreed: record.flags_against.1,
        sanctions: record
            .sanctions
            .into_iter()
            .map(|s| SanctionView {
                until: s.until.map(until_text).unwrap_or_default(),
                kind: s.kind,
                reason: s.reason,
                by: s.by,
                when: dates::human(s.created_at),
                lifted: s.lifted_at.is_some(),
            })
            .collect(),
        notes: record.notes.into_iter().map(|n| NoteView { author: n.author, body: n.body, when: dates::human(n.created_at) }).collect(),
        recent: record
            .recent
            .into_iter()
            .map(|p| RecentView { url: post_url(p.thread_id, &p.thread_slug, p.number), thread_title: p.thread_title, excerpt: p.excerpt, when: dates::human(p.created_at) })
            .collect(),
        username: u.username,
        errors,
    })
}

async fn member(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<Response, Error> {
    member_page(&state, &visitor, &username, Vec::new()).await
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn add_note(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, CsrfForm(form): CsrfForm<NoteForm>) -> Result<Response, Error> {
    let result = state.app.add_member_note(&visitor.viewer, &username, &form.note).await;
    let back = format!("/mod/users/{username}");
    answer(result, |_| see_other(&back), async |errors| member_page(&state, &visitor, &username, errors).await).await
}

async fn trust(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, CsrfForm(_): CsrfForm<super::Empty>) -> Result<Response, Error> {
    state.app.trust(&visitor.viewer, &username).await?;
    Ok(see_other(&format!("/mod/users/{username}")))
}

#[derive(Deserialize)]
struct SanctionForm {
    #[serde(default)]
    kind: String,
    period: Option<String>,
    reason: Option<String>,
    /// The queue item it came from, which it settles.
    from_post: Option<String>,
    /// Where to go afterwards: the queue, or the member's record.
    next: Option<String>,
}

fn sanction_kind(kind: &str) -> Result<SanctionKind, Error> {
    match kind {
        "warn" => Ok(SanctionKind::Warn),
        "silence" => Ok(SanctionKind::Silence),
        "suspend" => Ok(SanctionKind::Suspend),
        _ => Err(Error::field("kind", "Choose a warning, a silence or a suspension.")),
    }
}

async fn sanction(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, CsrfForm(form): CsrfForm<SanctionForm>) -> Result<Response, Error> {
    let kind = sanction_kind(&form.kind)?;
    let from_post = form.from_post.as_deref().and_then(|p| p.parse().ok());
    let result = state.app.sanction(&visitor.viewer, &username, kind, form.period.as_deref(), form.reason.as_deref(), from_post).await;
    let next = if form.next.as_deref() == Some("/mod") { "/mod".to_owned() } else { format!("/mod/users/{username}") };
    answer(result, |_| see_other(&next), async |errors| match from_post {
        Some(post) => queue_page(&state, &visitor, &QueueQuery { post: Some(post), ..QueueQuery::default() }, errors).await,
        None => member_page(&state, &visitor, &username, errors).await,
    })
    .await
}

async fn lift(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, CsrfForm(form): CsrfForm<SanctionForm>) -> Result<Response, Error> {
    state.app.lift(&visitor.viewer, &username, sanction_kind(&form.kind)?).await?;
    Ok(see_other(&format!("/mod/users/{username}")))
}

#[cfg(test)]
mod tests {
    use super::describe_change;

    #[test]
    fn the_log_says_what_changed_in_words() {
        let before = r#"{"hidden":false,"held":true,"deleted":false,"excerpt":"hi"}"#;
        let after = r#"{"hidden":false,"held":false,"deleted":false,"excerpt":"hi"}"#;
        assert_eq!(describe_change(Some(before), Some(after)), "held: yes → no");
        assert_eq!(describe_change(Some(r#"{"silenced_until":null,"trusted":false}"#), Some("until 2 Dec 2026, 20:25")), "as it was → until 2 Dec 2026, 20:25");
        assert_eq!(describe_change(Some("flags_to_hide=3"), Some("flags_to_hide=2")), "flags_to_hide=3 → flags_to_hide=2");
    }
}

#[derive(Deserialize)]
struct ToolForm {
    locked: Option<String>,
    scope: Option<String>,
    category: Option<String>,
    minutes: Option<String>,
    until: Option<String>,
    into: Option<String>,
    reason: Option<String>,
}

async fn thread_tool(State(state): State<AppState>, visitor: Visitor, Path((id, tool)): Path<(i64, String)>, CsrfForm(form): CsrfForm<ToolForm>) -> Result<Response, Error> {
    apply_tool(&state, &visitor, id, &tool, form).await
}

async fn move_submit(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(form): CsrfForm<ToolForm>) -> Result<Response, Error> {
    apply_tool(&state, &visitor, id, "move", form).await
}

#[derive(Template)]
#[template(path = "mod_move.html")]
struct MovePage {
    layout: Layout,
    thread: Thread,
    categories: Vec<app::Category>,
}

async fn move_form(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Response, Error> {
    access::check(&visitor.viewer, Action::ManageThreads, Subject::Community)?;
    let thread = state.app.thread(id).await?;
    html(MovePage { layout: Layout::new("Move a thread", &visitor), categories: state.app.categories(&visitor.viewer).await?, thread })
}

async fn apply_tool(state: &AppState, visitor: &Visitor, id: i64, tool: &str, form: ToolForm) -> Result<Response, Error> {
    let number = |v: &Option<String>, field: &'static str| v.as_deref().unwrap_or("").trim().parse::<i64>().map_err(|_| Error::field(field, "Enter a number."));
    let tool = match tool {
        "lock" => ThreadTool::Lock(form.locked.as_deref() != Some("0")),
        "pin" => ThreadTool::Pin(form.scope.clone().unwrap_or_default()),
        "move" => ThreadTool::Move { category: form.category.clone().unwrap_or_default() },
        "slow-mode" => ThreadTool::SlowMode { minutes: number(&form.minutes, "minutes")?, until: form.until.clone() },
        "merge" => ThreadTool::Merge { into: number(&form.into, "into")? },
        _ => return Err(Error::NotFound),
    };
    let thread = state.app.thread_tool(&visitor.viewer, id, tool, form.reason.as_deref()).await?;
    Ok(see_other(&thread_url(thread.id, &thread.slug)))
}

pub struct SplitPost {
    pub id: i64,
    pub number: i64,
    pub author: String,
    pub excerpt: String,
}

#[derive(Template)]
#[template(path = "mod_split.html")]
struct SplitPage {
    layout: Layout,
    thread: Thread,
    posts: Vec<SplitPost>,
    title: String,
    errors: Vec<FieldError>,
    page: i64,
    pages: i64,
}

impl SplitPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

#[derive(Deserialize)]
struct SplitQuery {
    page: Option<i64>,
}

async fn split_page(state: &AppState, visitor: &Visitor, id: i64, page: i64, title: String, errors: Vec<FieldError>) -> Result<Response, Error> {
    access::check(&visitor.viewer, Action::ManageThreads, Subject::Community)?;
    let shown = state.app.thread_page(&visitor.viewer, id, page).await?;
    let posts = shown
        .posts
        .into_iter()
        .filter(|p: &Post| p.number > 1 && !p.deleted)
        .map(|p| SplitPost { id: p.id, number: p.number, author: p.author, excerpt: p.excerpt })
        .collect();
    html(SplitPage { layout: Layout::new("Split a thread", visitor), posts, title, errors, page: shown.page, pages: shown.pages, thread: shown.thread })
}

async fn split_form(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, Query(q): Query<SplitQuery>) -> Result<Response, Error> {
    split_page(&state, &visitor, id, q.page.unwrap_or(1), String::new(), Vec::new()).await
}

/// The split form sends one `post_ids` per ticked box, so it is read as pairs.
async fn split_submit(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(form): CsrfForm<Vec<(String, String)>>) -> Result<Response, Error> {
    let value = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let post_ids: Vec<i64> = form.iter().filter(|(k, _)| k == "post_ids").filter_map(|(_, v)| v.parse().ok()).collect();
    let title = value("title").unwrap_or_default();
    let page = value("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let result = state.app.thread_tool(&visitor.viewer, id, ThreadTool::Split { post_ids, title: title.clone() }, value("reason").as_deref()).await;
    answer(result, |t| see_other(&thread_url(t.id, &t.slug)), async |errors| split_page(&state, &visitor, id, page, title.clone(), errors).await).await
}

pub struct LogRow {
    pub when: String,
    pub when_iso: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub target_url: Option<String>,
    pub member: Option<String>,
    pub reason: String,
    pub change: String,
}

#[derive(Template)]
#[template(path = "mod_log.html")]
struct LogPage {
    layout: Layout,
    rows: Vec<LogRow>,
    action: String,
    actor: String,
    member: String,
    from: String,
    to: String,
    older: Option<String>,
    csv: Option<String>,
    errors: Vec<FieldError>,
}

#[derive(Deserialize, Default, Clone, serde::Serialize)]
struct LogQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<i64>,
}

impl LogQuery {
    fn filter(&self) -> AuditQuery<'_> {
        AuditQuery {
            action: self.action.as_deref(),
            actor: self.actor.as_deref(),
            member: self.member.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            before_id: self.before,
        }
    }
}

async fn log(State(state): State<AppState>, visitor: Visitor, Query(q): Query<LogQuery>) -> Result<Response, Error> {
    let (rows, errors) = match state.app.audit_log(&visitor.viewer, q.filter()).await {
        Ok(rows) => (rows, Vec::new()),
        Err(app::Error::Invalid(errors)) => (Vec::new(), errors),
        Err(e) => return Err(e.into()),
    };
    let older = (rows.len() == 100).then(|| {
        let next = LogQuery { before: rows.last().map(|r| r.id), ..q.clone() };
        format!("/mod/log?{}", serde_urlencoded::to_string(&next).unwrap_or_default())
    });
    let csv = access::allows(&visitor.viewer, Action::ExportModLog, Subject::Community)
        .then(|| format!("/mod/log.csv?{}", serde_urlencoded::to_string(LogQuery { before: None, ..q.clone() }).unwrap_or_default()));
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    html(LogPage {
        layout: Layout::new("Moderation log", &visitor),
        rows: rows
            .into_iter()
            .map(|r| LogRow {
                when: dates::human(r.created_at),
                when_iso: dates::rfc3339(r.created_at),
                actor: r.actor.unwrap_or_else(|| "the community's flags".into()),
                target_url: match (r.target_kind.as_str(), r.target_id) {
                    ("post", Some(id)) => Some(format!("/p/{id}")),
                    ("thread", Some(id)) => Some(format!("/t/{id}")),
                    _ => None,
                },
                target: match r.target_id {
                    Some(id) => format!("{} {id}", r.target_kind),
                    None => r.target_kind,
                },
                action: r.action,
                member: r.member,
                reason: r.reason.unwrap_or_default(),
                change: describe_change(r.before.as_deref(), r.after.as_deref()),
            })
            .collect(),
        action: text(&q.action),
        actor: text(&q.actor),
        member: text(&q.member),
        from: text(&q.from),
        to: text(&q.to),
        older,
        csv,
        errors,
    })
}

/// A log entry's before and after, in words: for states recorded as JSON
/// objects, just what changed ("hidden: no → yes"); otherwise as written.
fn describe_change(before: Option<&str>, after: Option<&str>) -> String {
    use serde_json::Value;
    let object = |s: Option<&str>| s.and_then(|s| serde_json::from_str::<serde_json::Map<String, Value>>(s).ok());
    let word = |v: &Value| match v {
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::Null => "none".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (object(before), object(after)) {
        (Some(b), Some(a)) => {
            let changed: Vec<String> = b.iter().filter(|(k, v)| *k != "excerpt" && a.get(*k) != Some(v)).map(|(k, v)| format!("{k}: {} → {}", word(v), a.get(k).map_or("none".into(), word))).collect();
            if changed.is_empty() { "no change".into() } else { changed.join("; ") }
        }
        (Some(b), None) => {
            let state: Vec<String> = b.iter().filter(|(k, v)| *k != "excerpt" && **v != Value::Bool(false) && !v.is_null()).map(|(k, v)| format!("{k}: {}", word(v))).collect();
            match after {
                Some(a) => format!("{} → {a}", if state.is_empty() { "as it was".to_owned() } else { state.join("; ") }),
                None if state.is_empty() => String::new(),
                None => format!("was {}", state.join("; ")),
            }
        }
        _ => match (before, after) {
            (Some(b), Some(a)) => format!("{b} → {a}"),
            (None, Some(a)) => a.to_owned(),
            (Some(b), None) => format!("was {b}"),
            (None, None) => String::new(),
        },
    }
}

async fn log_csv(State(state): State<AppState>, visitor: Visitor, Query(q): Query<LogQuery>) -> Result<Response, Error> {
    let csv = state.app.audit_log_csv(&visitor.viewer, q.filter()).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"moderation-log.csv\"")],
        csv,
    )
        .into_response())
}
