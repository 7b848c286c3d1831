//! The running programme over JSON: plans, the member's run log, and a
//! member's progress (with their pain log for themselves only).

use super::ApiJson;
use crate::app::programme::{Logged, ProgressView, Run, StoredPlan};
use crate::domain::dates;
use crate::domain::programme::{Felt, PlanRun, RunCode, RunInput};
use crate::web::AppState;
use crate::web::auth::Visitor;
use crate::web::error::Error;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

fn plan_summary(p: &StoredPlan) -> Value {
    json!({
        "id": p.plan.id, "name": p.plan.name, "summary": p.plan.summary,
        "weeks": p.plan.weeks.len(), "runs": p.plan.runs().count(), "graduates": p.plan.graduates,
    })
}

fn plan_run(run: &PlanRun, finishes_plan: bool) -> Value {
    json!({
        "run": run.code.key(), "week": run.code.week, "number": run.code.run,
        "title": format!("{}: {}", run.code, run.describe()),
        "total_s": run.total_seconds(), "running_s": run.running_seconds(),
        "segments": run.timeline().iter().map(|t| json!({"kind": t.kind.as_str(), "start_s": t.start, "seconds": t.seconds})).collect::<Vec<_>>(),
        "cues": run.script(finishes_plan).iter().map(|c| json!({"at_s": c.at, "say": c.say, "change": c.change})).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/plans`
pub async fn list_plans(State(state): State<AppState>) -> Result<Json<Value>, Error> {
    Ok(Json(json!({ "plans": state.app.plans().await?.iter().map(plan_summary).collect::<Vec<_>>() })))
}

/// `GET /api/v1/plans/{id}`: weeks, runs and segments in seconds.
pub async fn show_plan(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, Error> {
    let stored = state.app.plan(&id).await?;
    let plan = &stored.plan;
    let mut value = plan_summary(&stored);
    value["badge"] = json!(plan.badge);
    value["weeks"] = plan
        .weeks
        .iter()
        .map(|w| json!({ "week": w.number, "runs": w.runs.iter().map(|r| plan_run(r, plan.graduates && plan.is_last(r.code))).collect::<Vec<_>>() }))
        .collect();
    Ok(Json(value))
}

#[derive(Deserialize)]
pub struct PlanBody {
    /// The plan file (TOML).
    source: String,
}

/// `POST /api/v1/plans` (admins): adds a plan, or replaces the one with its id.
pub async fn add_plan(State(state): State<AppState>, visitor: Visitor, ApiJson(body): ApiJson<PlanBody>) -> Result<Response, Error> {
    let stored = state.app.add_plan(&visitor.viewer, &body.source).await?;
    Ok((StatusCode::CREATED, Json(plan_summary(&stored))).into_response())
}

/// A run as JSON: the plan run it was (`w5r3`, or null for a free run).
fn run_json(run: &Run, plans: &[StoredPlan]) -> Value {
    let plan = run.plan_id.and_then(|id| plans.iter().find(|p| p.id == id)).map(|p| p.plan.id.clone());
    json!({
        "id": run.id, "plan": plan, "plan_run": run.code.map(RunCode::key),
        "date": dates::iso_day(run.day), "distance_m": run.distance_m, "duration_s": run.duration_s,
        "felt": run.felt.map(Felt::as_str), "note": run.note,
        "pain": run.pain.iter().map(|(area, level)| json!({"area": area.key(), "level": level})).collect::<Vec<_>>(),
        "created_at": dates::rfc3339(run.created_at),
    })
}

#[derive(Deserialize)]
pub struct PainBody {
    area: String,
    level: i64,
}

#[derive(Deserialize)]
pub struct RunBody {
    plan_run: Option<String>,
    date: String,
    distance_m: Option<i64>,
    duration_s: Option<i64>,
    felt: Option<String>,
    note: Option<String>,
    #[serde(default)]
    pain: Vec<PainBody>,
    /// Makes retries from a phone that was offline land once.
    client_id: Option<String>,
}

impl RunBody {
    fn input(&self) -> RunInput {
        RunInput {
            plan_run: self.plan_run.clone().unwrap_or_default(),
            date: self.date.clone(),
            distance_m: self.distance_m,
            duration_s: self.duration_s,
            felt: self.felt.clone().unwrap_or_default(),
            note: self.note.clone().unwrap_or_default(),
            pain: self.pain.iter().map(|p| (p.area.clone(), Some(p.level))).collect(),
        }
    }
}

/// `POST /api/v1/runs`: 201 with the run, or 200 with the run this
/// `client_id` logged before.
pub async fn log_run(State(state): State<AppState>, visitor: Visitor, ApiJson(body): ApiJson<RunBody>) -> Result<Response, Error> {
    let Logged { run, created, encouragement, graduated_now, badge } = state.app.log_run(&visitor.viewer, &body.input(), body.client_id.as_deref()).await?;
    let mut value = run_json(&run, &state.app.plans().await?);
    value["created"] = json!(created);
    value["encouragement"] = json!(encouragement);
    value["graduated"] = json!(graduated_now);
    value["badge"] = json!(badge);
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(value)).into_response())
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// `GET /api/v1/runs`: the viewer's runs, newest first.
pub async fn list_runs(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Result<Json<Value>, Error> {
    let page = super::page_number(q.page)?;
    let (listed, pages) = state.app.runs(&visitor.viewer, page).await?;
    let plans = state.app.plans().await?;
    Ok(Json(json!({
        "page": page, "pages": pages, "total": listed.total,
        "items": listed.items.iter().map(|r| run_json(r, &plans)).collect::<Vec<_>>(),
    })))
}

pub async fn show_run(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Json<Value>, Error> {
    let run = state.app.own_run(&visitor.viewer, id).await?;
    Ok(Json(run_json(&run, &state.app.plans().await?)))
}

/// Absent means "leave it"; null means "clear it".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
pub struct RunPatch {
    #[serde(default, deserialize_with = "present")]
    plan_run: Option<Option<String>>,
    date: Option<String>,
    #[serde(default, deserialize_with = "present")]
    distance_m: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    duration_s: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    felt: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    note: Option<Option<String>>,
    pain: Option<Vec<PainBody>>,
}

/// `PATCH /api/v1/runs/{id}`: what is given changes, the rest stays.
pub async fn update_run(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, ApiJson(patch): ApiJson<RunPatch>) -> Result<Json<Value>, Error> {
    let run = state.app.own_run(&visitor.viewer, id).await?;
    let input = RunInput {
        plan_run: match patch.plan_run {
            Some(v) => v.unwrap_or_default(),
            None => run.code.map(RunCode::key).unwrap_or_default(),
        },
        date: patch.date.unwrap_or_else(|| dates::iso_day(run.day)),
        distance_m: patch.distance_m.unwrap_or(run.distance_m),
        duration_s: patch.duration_s.unwrap_or(run.duration_s),
        felt: match patch.felt {
            Some(v) => v.unwrap_or_default(),
            None => run.felt.map(|f| f.as_str().to_owned()).unwrap_or_default(),
        },
        note: match patch.note {
            Some(v) => v.unwrap_or_default(),
            None => run.note.clone(),
        },
        pain: match patch.pain {
            Some(pain) => pain.iter().map(|p| (p.area.clone(), Some(p.level))).collect(),
            None => run.pain.iter().map(|(a, l)| (a.key().to_owned(), Some(i64::from(*l)))).collect(),
        },
    };
    let updated = state.app.update_run(&visitor.viewer, id, &input).await?;
    Ok(Json(run_json(&updated, &state.app.plans().await?)))
}

pub async fn delete_run(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<StatusCode, Error> {
    state.app.delete_run(&visitor.viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn progress_json(p: &ProgressView) -> Value {
    let mut value = json!({
        "username": p.username,
        "plan": {"id": p.plan_slug, "name": p.plan_name},
        "badge": p.badge,
        "weeks_done": p.progress.weeks_done, "weeks": p.progress.weeks,
        "furthest": p.progress.furthest.map(RunCode::key), "next": p.progress.next.map(RunCode::key),
        "finished": p.progress.finished,
        "runs_logged": p.runs_logged,
        "runs_per_week": p.runs_per_week.iter().map(|(monday, n)| json!({"week_of": dates::iso_day(*monday), "runs": n})).collect::<Vec<_>>(),
    });
    if let Some(pain) = &p.pain {
        value["pain"] = pain
            .iter()
            .map(|(area, points)| json!({"area": area.key(), "entries": points.iter().map(|pt| json!({"date": dates::iso_day(pt.day), "level": pt.level})).collect::<Vec<_>>()}))
            .collect();
    }
    value
}

/// `GET /api/v1/users/{username}/progress`: no pain data unless the viewer is that member.
pub async fn progress(State(state): State<AppState>, visitor: Visitor, Path(username): Path<String>) -> Result<Json<Value>, Error> {
    let p = state.app.progress(&visitor.viewer, &username).await?;
    let mut value = progress_json(&p);
    if p.pain.is_some() {
        value["pain_summaries"] = state.app.pain_summaries(&visitor.viewer).await?.iter().map(|s| json!({"area": s.area.key(), "text": s.text(), "level": s.level, "days": s.days, "trend": s.trend})).collect();
    }
    Ok(Json(value))
}

#[derive(Deserialize)]
pub struct ProgrammeBody {
    /// The plan to follow, by id.
    plan: Option<String>,
    /// Others see the badge and progress.
    show_progress: Option<bool>,
}

/// `PATCH /api/v1/me/programme`: the plan the viewer follows, and whether others see their progress.
pub async fn update_programme(State(state): State<AppState>, visitor: Visitor, ApiJson(body): ApiJson<ProgrammeBody>) -> Result<Json<Value>, Error> {
    let member = visitor.viewer.member_or_login()?;
    if let Some(plan) = &body.plan {
        state.app.choose_plan(&visitor.viewer, plan).await?;
    }
    if let Some(shown) = body.show_progress {
        state.app.set_show_progress(&visitor.viewer, shown).await?;
    }
    let p = state.app.progress(&visitor.viewer, &member.username).await?;
    let shown = body.show_progress.unwrap_or(member.show_progress);
    Ok(Json(json!({ "plan": p.plan_slug, "show_progress": shown, "badge": p.badge, "next": p.progress.next.map(RunCode::key) })))
}
