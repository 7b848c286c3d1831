//! Flags, the review queue, sanctions, notes, thread tools and the audit log.

use super::ApiJson;
use crate::app::moderation::{AuditQuery, PostDecision, SanctionKind, ThreadTool};
use crate::domain::dates::rfc3339;
use crate::domain::links::thread_url;
use crate::web::auth::Visitor;
use crate::web::error::Error;
use crate::web::{AppState, ClientAddr};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct FlagBody {
    reason: String,
    note: Option<String>,
}

pub async fn flag(State(state): State<AppState>, visitor: Visitor, ClientAddr(client): ClientAddr, Path(id): Path<i64>, ApiJson(input): ApiJson<FlagBody>) -> Result<Response, Error> {
    let flagged = state.app.flag(&visitor.viewer, &client, id, &input.reason, input.note.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "post_id": id, "hidden": flagged.hidden }))).into_response())
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum QueueKind {
    Flagged,
    Held,
    Safety,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QueueSort {
    Score,
    Age,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    kind: Option<QueueKind>,
    /// Score (the default) or age.
    sort: Option<QueueSort>,
}

pub async fn queue(State(state): State<AppState>, visitor: Visitor, Query(q): Query<QueueQuery>) -> Result<Json<Value>, Error> {
    let kind = q.kind.map(|k| match k {
        QueueKind::Flagged => "flagged",
        QueueKind::Held => "held",
        QueueKind::Safety => "safety",
    });
    let items = state.app.review_queue(&visitor.viewer, kind, q.sort == Some(QueueSort::Age)).await?;
    Ok(Json(json!({
        "items": items.iter().map(|r| json!({
            "post_id": r.item.post_id,
            "thread_id": r.item.thread_id,
            "thread_title": r.item.thread_title,
            "url": format!("/p/{}", r.item.post_id),
            "kind": r.item.kind,
            "reasons": r.reasons.iter().map(|(reason, note)| json!({ "reason": reason.as_str(), "note": note })).collect::<Vec<_>>(),
            "flag_count": r.reasons.len(),
            "score": r.item.score as f64 / 10.0,
            "since": rfc3339(r.item.created_at),
            "hidden": r.item.hidden,
            "held": r.item.held,
            "author": {
                "username": r.item.author,
                "joined": rfc3339(r.item.author_joined),
                "post_count": r.item.author_posts,
                "sanctions": r.item.author_sanctions,
            },
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, Default)]
pub struct ReasonBody {
    reason: Option<String>,
}

async fn decide(state: AppState, visitor: Visitor, id: i64, decision: PostDecision, reason: Option<String>) -> Result<Json<Value>, Error> {
    let post = state.app.moderate_post(&visitor.viewer, id, decision, reason.as_deref()).await?;
    Ok(Json(json!({ "post_id": post.id, "hidden": post.hidden, "held": post.held })))
}

pub async fn hide(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, ApiJson(input): ApiJson<ReasonBody>) -> Result<Json<Value>, Error> {
    decide(state, visitor, id, PostDecision::Hide, input.reason).await
}

pub async fn restore(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, body: Option<ApiJson<ReasonBody>>) -> Result<Json<Value>, Error> {
    decide(state, visitor, id, PostDecision::Restore, body.and_then(|b| b.0.reason)).await
}

pub async fn approve(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, body: Option<ApiJson<ReasonBody>>) -> Result<Json<Value>, Error> {
    decide(state, visitor, id, PostDecision::Approve, body.and_then(|b| b.0.reason)).await
}

#[derive(Deserialize)]
pub struct SanctionBody {
    /// "1d", "3d", "1w", "30d", "forever", or a date (YYYY-MM-DD); absent: until lifted.
    until: Option<String>,
    reason: Option<String>,
    /// The queue item this settles, when it came from one.
    post_id: Option<i64>,
}

async fn sanction(state: AppState, visitor: Visitor, username: String, kind: SanctionKind, input: SanctionBody) -> Result<Response, Error> {
    let s = state.app.sanction(&visitor.viewer, &username, kind, input.until.as_deref(), input.reason.as_deref(), input.post_id).await?;
    let until = s.until.map(|u| if u == i64::MAX { Value::Null } else { Value::String(rfc3339(u)) });
    Ok((StatusCode::CREATED, Json(json!({ "kind": s.kind, "reason": s.reason, "until": until, "for_good": s.until == Some(i64::MAX) }))).into_response())
}

pub async fn silence(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, ApiJson(input): ApiJson<SanctionBody>) -> Result<Response, Error> {
    sanction(state, visitor, username, SanctionKind::Silence, input).await
}

pub async fn suspend(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, ApiJson(input): ApiJson<SanctionBody>) -> Result<Response, Error> {
    sanction(state, visitor, username, SanctionKind::Suspend, input).await
}

pub async fn warn(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, ApiJson(input): ApiJson<SanctionBody>) -> Result<Response, Error> {
    sanction(state, visitor, username, SanctionKind::Warn, input).await
}

pub async fn unsilence(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<StatusCode, Error> {
    state.app.lift(&visitor.viewer, &username, SanctionKind::Silence).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unsuspend(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<StatusCode, Error> {
    state.app.lift(&visitor.viewer, &username, SanctionKind::Suspend).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn trust(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<StatusCode, Error> {
    state.app.trust(&visitor.viewer, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct NoteBody {
    note: String,
}

pub async fn add_note(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>, ApiJson(input): ApiJson<NoteBody>) -> Result<StatusCode, Error> {
    state.app.add_member_note(&visitor.viewer, &username, &input.note).await?;
    Ok(StatusCode::CREATED)
}

pub async fn member(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<Json<Value>, Error> {
    let r = state.app.member_record(&visitor.viewer, &username).await?;
    let at = |t: Option<i64>| t.filter(|t| *t > crate::app::now_millis()).map(|t| if t == i64::MAX { "until lifted".to_owned() } else { rfc3339(t) });
    Ok(Json(json!({
        "username": r.user.username,
        "joined": rfc3339(r.user.created_at),
        "post_count": r.user.post_count,
        "trusted": r.user.trusted_at.is_some(),
        "silenced_until": at(r.user.silenced_until),
        "suspended_until": at(r.user.suspended_until),
        "flags_against": r.flags_against.0,
        "flags_agreed": r.flags_against.1,
        "sanctions": r.sanctions.iter().map(|s| json!({
            "kind": s.kind, "reason": s.reason, "by": s.by, "created_at": rfc3339(s.created_at), "lifted": s.lifted_at.is_some(),
        })).collect::<Vec<_>>(),
        "notes": r.notes.iter().map(|n| json!({ "author": n.author, "body": n.body, "created_at": rfc3339(n.created_at) })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, Default)]
pub struct ToolBody {
    locked: Option<bool>,
    scope: Option<String>,
    category: Option<String>,
    minutes: Option<i64>,
    until: Option<String>,
    post_ids: Option<Vec<i64>>,
    title: Option<String>,
    into: Option<i64>,
    reason: Option<String>,
}

/// One handler per thread tool, each reading the fields it needs.
macro_rules! thread_tools {
    ($($name:ident => $tool:literal),* $(,)?) => {$(
        pub async fn $name(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, body: Option<ApiJson<ToolBody>>) -> Result<Json<Value>, Error> {
            thread_tool(state, visitor, id, $tool, body.map(|b| b.0).unwrap_or_default()).await
        }
    )*};
}

thread_tools!(lock => "lock", pin => "pin", move_thread => "move", split => "split", merge => "merge", slow_mode => "slow-mode");

async fn thread_tool(state: AppState, visitor: Visitor, id: i64, tool: &str, b: ToolBody) -> Result<Json<Value>, Error> {
    let missing = |field: &str| Error::field(field, format!("{field} is required."));
    // Every field sent is checked, whichever tool it came with: a mistake is
    // worth saying, not keeping quiet about.
    if let Some(title) = &b.title {
        crate::domain::validate::plain_text("title", title).map_err(|e| Error::Invalid(vec![e]))?;
    }
    if b.minutes.is_some_and(|m| !(0..=1440).contains(&m)) {
        return Err(Error::field("minutes", "Slow mode is 0 (off) to 1,440 minutes between one member's posts."));
    }
    if b.scope.as_deref().is_some_and(|s| !matches!(s, "none" | "category" | "everywhere")) {
        return Err(Error::field("scope", "Pin with none, category or everywhere."));
    }
    let tool = match tool {
        "lock" => ThreadTool::Lock(b.locked.unwrap_or(true)),
        "pin" => ThreadTool::Pin(b.scope.ok_or_else(|| missing("scope"))?),
        "move" => ThreadTool::Move { category: b.category.ok_or_else(|| missing("category"))? },
        "slow-mode" => ThreadTool::SlowMode { minutes: b.minutes.ok_or_else(|| missing("minutes"))?, until: b.until },
        "split" => ThreadTool::Split { post_ids: b.post_ids.ok_or_else(|| missing("post_ids"))?, title: b.title.ok_or_else(|| missing("title"))? },
        "merge" => ThreadTool::Merge { into: b.into.ok_or_else(|| missing("into"))? },
        _ => return Err(Error::NotFound),
    };
    let thread = state.app.thread_tool(&visitor.viewer, id, tool, b.reason.as_deref()).await?;
    let pinned = ["none", "category", "everywhere"][thread.pinned.clamp(0, 2) as usize];
    Ok(Json(json!({
        "id": thread.id, "title": thread.title, "url": thread_url(thread.id, &thread.slug),
        "category": thread.category_slug, "locked": thread.locked,
        "pinned": pinned,
        "slow_mode_seconds": thread.slow_mode_seconds,
    })))
}

#[derive(Deserialize)]
pub struct LogQuery {
    action: Option<String>,
    actor: Option<String>,
    member: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
    /// CSV for the whole log as a spreadsheet (admins); JSON otherwise.
    format: Option<LogFormat>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Csv,
}

pub async fn log(State(state): State<AppState>, visitor: Visitor, Query(q): Query<LogQuery>) -> Result<Response, Error> {
    if q.before.is_some_and(|id| id < 1) {
        return Err(Error::BadRequest("before is the id of a log entry: 1 or more.".into()));
    }
    let filter = AuditQuery {
        action: q.action.as_deref(),
        actor: q.actor.as_deref(),
        member: q.member.as_deref(),
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        before_id: q.before,
    };
    if q.format == Some(LogFormat::Csv) {
        let csv = state.app.audit_log_csv(&visitor.viewer, filter).await?;
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response());
    }
    let rows = state.app.audit_log(&visitor.viewer, filter).await?;
    Ok(Json(json!({
        "entries": rows.iter().map(|r| json!({
            "id": r.id,
            "created_at": rfc3339(r.created_at),
            "actor": r.actor,
            "action": r.action,
            "target": {"kind": r.target_kind, "id": r.target_id},
            "member": r.member,
            "reason": r.reason,
            "before": r.before,
            "after": r.after,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}
