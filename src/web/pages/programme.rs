//! The running programme's pages: the guided run (`/run`), the run log
//! (`/runs`: log, edit, delete, share), the plans (`/plans`), the member's
//! programme settings, and adding plans on the admin page. The guided run
//! works offline once loaded: `/sw.js` and `/manifest.webmanifest` are here.

use super::{Layout, Pager, answer, field_error, html, login_redirect, see_other, urlencode};
use crate::app::programme::{Logged, ProgressView, StoredPlan};
use crate::app::{App, Viewer};
use crate::domain::programme::{self as rules, Felt, PainArea, Plan, RunCode, RunInput};
use crate::domain::{FieldError, dates};
use crate::web::AppState;
use crate::web::assets::ASSET_VERSION;
use crate::web::auth::{CsrfForm, CsrfMultipart, Visitor};
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
        .route("/run", get(guided_run))
        .route("/runs", get(run_log).post(log_run))
        .route("/runs/plan", post(choose_plan))
        .route("/runs/{id}/edit", get(edit_run_form).post(edit_run))
        .route("/runs/{id}/delete", post(delete_run))
        .route("/runs/{id}/share", get(share_run))
        .route("/plans", get(plans))
        .route("/plans/{slug}", get(plan_page))
        .route("/settings/programme", post(programme_settings))
        .route("/admin/plans", get(admin_plans).post(add_plan))
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
}

/// Pain rows the log form offers (the API takes any number).
const PAIN_ROWS: usize = 3;

// ---- The log form, shared by the guided run, the run log and editing.

#[derive(Deserialize, Default, Clone)]
struct RunForm {
    #[serde(default)]
    plan_run: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    distance_km: String,
    #[serde(default)]
    duration_min: String,
    #[serde(default)]
    felt: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    pain_area_1: String,
    #[serde(default)]
    pain_level_1: String,
    #[serde(default)]
    pain_area_2: String,
    #[serde(default)]
    pain_level_2: String,
    #[serde(default)]
    pain_area_3: String,
    #[serde(default)]
    pain_level_3: String,
    /// Made when the form is shown, so sending it twice logs one run.
    #[serde(default)]
    client_id: String,
}

/// Kilometres as typed ("3.2", "3,2") to metres.
fn metres(text: &str) -> Result<Option<i64>, FieldError> {
    let text = text.trim().replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(km) if km.is_finite() && km > 0.0 && km <= 200.0 => Ok(Some((km * 1000.0).round() as i64)),
        _ => Err(FieldError::new("distance_m", "Enter the distance in kilometres, such as 3.2.")),
    }
}

/// Minutes as typed ("31", "31.5", "31:20") to seconds.
fn seconds(text: &str) -> Result<Option<i64>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let parsed = match text.split_once(':') {
        Some((m, s)) => m.trim().parse::<i64>().ok().zip(s.trim().parse::<i64>().ok().filter(|s| (0..60).contains(s))).map(|(m, s)| m * 60 + s),
        None => text.replace(',', ".").parse::<f64>().ok().filter(|m| m.is_finite()).map(|m| (m * 60.0).round() as i64),
    };
    match parsed {
        Some(s) if (1..=86_400).contains(&s) => Ok(Some(s)),
        _ => Err(FieldError::new("duration_s", "Enter the time in minutes, such as 31 or 31:20.")),
    }
}

impl RunForm {
    /// The form as the use case takes it, or the fields it couldn't read.
    fn input(&self) -> Result<RunInput, Vec<FieldError>> {
        let (distance, duration) = (metres(&self.distance_km), seconds(&self.duration_min));
        let level = |l: &str| -> Option<i64> { l.trim().parse().ok() };
        let pain = [(&self.pain_area_1, &self.pain_level_1), (&self.pain_area_2, &self.pain_level_2), (&self.pain_area_3, &self.pain_level_3)]
            .into_iter()
            .map(|(a, l)| (a.clone(), level(l)))
            .collect();
        match (distance, duration) {
            (Ok(distance_m), Ok(duration_s)) => Ok(RunInput {
                plan_run: self.plan_run.clone(),
                date: self.date.clone(),
                distance_m,
                duration_s,
                felt: self.felt.clone(),
                note: self.note.clone(),
                pain,
            }),
            (a, b) => Err([a.err(), b.err()].into_iter().flatten().collect()),
        }
    }

    fn from_run(run: &crate::app::programme::Run) -> RunForm {
        let area = |i: usize| run.pain.get(i).map(|(a, _)| a.key().to_owned()).unwrap_or_default();
        let level = |i: usize| run.pain.get(i).map(|(_, l)| l.to_string()).unwrap_or_default();
        RunForm {
            plan_run: run.code.map(RunCode::key).unwrap_or_default(),
            date: dates::iso_day(run.day),
            distance_km: run.distance_m.map(|m| format!("{:.2}", m as f64 / 1000.0)).unwrap_or_default(),
            duration_min: run.duration_s.map(|s| format!("{}:{:02}", s / 60, s % 60)).unwrap_or_default(),
            felt: run.felt.map(|f| f.as_str().to_owned()).unwrap_or_default(),
            note: run.note.clone(),
            pain_area_1: area(0),
            pain_level_1: level(0),
            pain_area_2: area(1),
            pain_level_2: level(1),
            pain_area_3: area(2),
            pain_level_3: level(2),
            client_id: String::new(),
        }
    }
}

/// The log form as a page shows it: the values, the choices, the problems.
pub struct RunFormView {
    action: String,
    submit: &'static str,
    values: RunForm,
    /// (key, label) of each plan run, and "free".
    runs: Vec<(String, String)>,
    felts: Vec<(&'static str, &'static str)>,
    areas: Vec<(&'static str, &'static str)>,
    levels: Vec<u8>,
    errors: Vec<FieldError>,
    plan_name: String,
}

impl RunFormView {
    fn new(action: impl Into<String>, submit: &'static str, plan: &Plan, values: RunForm, errors: Vec<FieldError>) -> Self {
        let mut runs: Vec<(String, String)> = plan.runs().map(|r| (r.code.key(), format!("{}: {}", r.code, r.describe()))).collect();
        runs.push(("free".into(), "A free run (not part of the plan)".into()));
        RunFormView {
            action: action.into(),
            submit,
            values,
            runs,
            felts: Felt::ALL.iter().map(|f| (f.as_str(), f.label())).collect(),
            areas: PainArea::ALL.iter().map(|a| (a.key(), a.label())).collect(),
            levels: (0..=10).collect(),
            errors,
            plan_name: plan.name.clone(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }

    /// The pain rows: (row number, area chosen, level chosen).
    pub fn pain_rows(&self) -> Vec<(usize, &str, &str)> {
        let v = &self.values;
        let rows = [(&v.pain_area_1, &v.pain_level_1), (&v.pain_area_2, &v.pain_level_2), (&v.pain_area_3, &v.pain_level_3)];
        rows.iter().take(PAIN_ROWS).enumerate().map(|(i, (a, l))| (i + 1, a.as_str(), l.as_str())).collect()
    }
}

/// A new form's defaults: the run to do next, today, and a fresh client id.
fn fresh_form(next: Option<RunCode>, today: i64) -> RunForm {
    RunForm {
        plan_run: next.map(RunCode::key).unwrap_or_else(|| "free".into()),
        date: dates::iso_day(today),
        client_id: crate::app::accounts::new_token(),
        ..RunForm::default()
    }
}

fn today() -> i64 {
    dates::day_of(crate::app::now_millis())
}

// ---- The guided run.

#[derive(Deserialize)]
struct RunQuery {
    plan: Option<String>,
    run: Option<String>,
}

/// One segment of the run, placed.
pub struct SegmentRow {
    kind: &'static str,
    label: &'static str,
    start: u32,
    seconds: u32,
    starts_at: String,
    lasts: String,
}

pub struct CueRow {
    at: u32,
    clock: String,
    say: String,
    change: bool,
}

#[derive(Template)]
#[template(path = "run.html")]
struct RunPage {
    layout: Layout,
    plan: Plan,
    /// `couch-to-5k/w5r3`: where this run's progress is kept on the device.
    key: String,
    heading: String,
    describe: String,
    total: u32,
    total_clock: String,
    segments: Vec<SegmentRow>,
    cues: Vec<CueRow>,
    /// The runs to pick from instead: (key, label, chosen).
    choices: Vec<(String, String, bool)>,
    form: Option<RunFormView>,
    logging_note: Option<String>,
}

async fn guided_run(State(state): State<AppState>, visitor: Visitor, Query(q): Query<RunQuery>) -> Result<Response, Error> {
    let app = &state.app;
    let stored = match q.plan.as_deref().filter(|p| !p.is_empty()) {
        Some(slug) => app.plan(slug).await?,
        None => app.member_plan(&visitor.viewer).await?,
    };
    let plan = stored.plan;
    // Today's run: the one asked for, else the member's next, else the first.
    let next = match &visitor.viewer.user {
        Some(user) => app.progress(&visitor.viewer, &user.username).await.ok().filter(|p| p.plan_slug == plan.id).and_then(|p| p.progress.next),
        None => None,
    };
    let code = match q.run.as_deref().filter(|r| !r.is_empty()) {
        Some(text) => RunCode::parse(text).filter(|c| plan.run(*c).is_some()).ok_or(Error::NotFound)?,
        None => next.unwrap_or_else(|| plan.first()),
    };
    let run = plan.run(code).ok_or(Error::NotFound)?;
    let segments = run
        .timeline()
        .into_iter()
        .map(|t| SegmentRow { kind: t.kind.as_str(), label: t.kind.label(), start: t.start, seconds: t.seconds, starts_at: rules::clock(t.start), lasts: rules::spoken(t.seconds) })
        .collect();
    let cues = run.script(plan.graduates && plan.is_last(code)).into_iter().map(|c| CueRow { at: c.at, clock: rules::clock(c.at), say: c.say, change: c.change }).collect();
    let form = visitor.is_member().then(|| {
        let values = RunForm { plan_run: code.key(), ..fresh_form(Some(code), today()) };
        RunFormView::new("/runs", "Log this run", &plan, values, Vec::new())
    });
    let layout = Layout::new(format!("{code}: guided run"), &visitor).guided();
    let heading = format!("{code}: {}", run.describe());
    html(RunPage {
        layout,
        key: format!("{}/{}", plan.id, code.key()),
        heading,
        describe: format!("{} · {} in all, with the warm-up and cool-down", plan.name, rules::spoken(run.total_seconds())),
        total: run.total_seconds(),
        total_clock: rules::clock(run.total_seconds()),
        segments,
        cues,
        choices: plan.runs().map(|r| (r.code.key(), format!("{}: {}", r.code, r.describe()), r.code == code)).collect(),
        logging_note: (!visitor.is_member()).then(|| "Log in to keep a run log: your runs, your progress badge, and a private pain log.".to_owned()),
        form,
        plan,
    })
}

// ---- The run log.

#[derive(Deserialize)]
struct LogQuery {
    page: Option<i64>,
    /// The run just logged, and what to say about it.
    logged: Option<i64>,
    repeated: Option<String>,
    graduated: Option<String>,
    done: Option<String>,
}

pub struct RunRow {
    id: i64,
    day_iso: String,
    day: String,
    what: String,
    felt: Option<&'static str>,
    distance: Option<String>,
    duration: Option<String>,
    note: String,
    pain: Vec<String>,
}

fn run_row(run: &crate::app::programme::Run) -> RunRow {
    RunRow {
        id: run.id,
        day_iso: dates::iso_day(run.day),
        day: dates::day_label(run.day),
        what: run.code.map_or_else(|| "Free run".to_owned(), |c| c.to_string()),
        felt: run.felt.map(Felt::label),
        distance: run.distance_m.map(|m| format!("{:.2} km", m as f64 / 1000.0)),
        duration: run.duration_s.map(|s| format!("{}:{:02}", s / 60, s % 60)),
        note: run.note.clone(),
        pain: run.pain.iter().map(|(a, l)| format!("{} {l}/10", a.label())).collect(),
    }
}

/// A member's progress, ready for a page: the badge, the weeks, the charts.
pub struct ProgressCard {
    pub badge: Option<String>,
    pub plan_name: String,
    pub plan_slug: String,
    pub weeks_done: u32,
    pub weeks: u32,
    pub next: Option<String>,
    pub next_key: Option<String>,
    pub runs_logged: i64,
    /// The card is the viewer's own: offer the next run.
    pub own: bool,
    pub runs_chart: String,
    /// (week beginning, runs) for the chart's table.
    pub runs_table: Vec<(String, u32)>,
    /// Only for the member themselves.
    pub pain_chart: Option<String>,
    pub pain_table: Vec<(String, String)>,
}

impl ProgressCard {
    pub fn new(p: ProgressView, viewer: &Viewer) -> Self {
        let own = viewer.user.as_ref().is_some_and(|u| u.username == p.username);
        let pain_chart = p.pain.as_ref().filter(|s| !s.is_empty()).map(|series| charts::pain(series, today()));
        let pain_table = p
            .pain
            .iter()
            .flatten()
            .map(|(area, points)| (area.label().to_owned(), points.iter().map(|pt| format!("{} {}/10", dates::day_label(pt.day), pt.level)).collect::<Vec<_>>().join(", ")))
            .collect();
        ProgressCard {
            badge: p.badge,
            plan_name: p.plan_name,
            plan_slug: p.plan_slug,
            weeks_done: p.progress.weeks_done,
            weeks: p.progress.weeks,
            next: p.progress.next.map(|c| c.to_string()),
            next_key: p.progress.next.map(RunCode::key),
            runs_logged: p.runs_logged,
            own,
            runs_chart: charts::runs_per_week(&p.runs_per_week),
            runs_table: p.runs_per_week.iter().map(|(monday, n)| (dates::day_label(*monday), *n)).collect(),
            pain_chart,
            pain_table,
        }
    }
}

#[derive(Template)]
#[template(path = "runs.html")]
struct RunsPage {
    layout: Layout,
    progress: ProgressCard,
    runs: Vec<RunRow>,
    pager: Pager,
    form: RunFormView,
    plans: Vec<(String, String, bool)>,
    pain_summaries: Vec<String>,
    /// After logging: what we say, and the run to share.
    logged: Option<(String, i64)>,
    graduated: bool,
    graduates_link: Option<String>,
    done: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)]
async fn runs_page(app: &App, visitor: &Visitor, page: i64, values: Option<RunForm>, errors: Vec<FieldError>, logged: Option<(String, i64)>, graduated: bool, done: Option<&'static str>) -> Result<Response, Error> {
    let viewer = &visitor.viewer;
    let member = viewer.member_or_login()?;
    let stored = app.member_plan(viewer).await?;
    let progress = app.progress(viewer, &member.username).await?;
    let (listed, pages) = app.runs(viewer, page).await?;
    let values = values.unwrap_or_else(|| fresh_form(progress.progress.next, today()));
    let graduates_link = if graduated { graduates_link(app, &member.username).await? } else { None };
    html(RunsPage {
        layout: Layout::new("Your run log", visitor).run_script(),
        form: RunFormView::new("/runs", "Log run", &stored.plan, values, errors),
        plans: app.plans().await?.into_iter().map(|p| (p.plan.id.clone(), p.plan.name.clone(), p.id == stored.id)).collect(),
        pain_summaries: app.pain_summaries(viewer).await?.iter().map(rules::PainSummary::text).collect(),
        progress: ProgressCard::new(progress, viewer),
        runs: listed.items.iter().map(run_row).collect(),
        pager: Pager::new("/runs", page.max(1), pages),
        logged,
        graduated,
        graduates_link,
        done,
    })
}

/// Where a new Graduate may tell the community: the composer, in the
/// graduates' category when there is one, with words to start from.
async fn graduates_link(app: &App, username: &str) -> Result<Option<String>, Error> {
    let categories = app.all_categories().await?;
    let category = categories.iter().filter(|c| !c.staff_only).find(|c| c.slug == "graduates" || c.name.to_lowercase().contains("graduat")).map(|c| c.slug.clone()).unwrap_or_default();
    let title = format!("{username} graduated!");
    let text = "I've just finished the last run of the plan. Thank you all for the encouragement along the way!";
    Ok(Some(format!("/new-thread?category={}&title={}&text={}", urlencode(&category), urlencode(&title), urlencode(text))))
}

async fn run_log(State(state): State<AppState>, visitor: Visitor, Query(q): Query<LogQuery>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect("/runs"));
    }
    let flag = |v: &Option<String>| v.as_deref().is_some_and(|v| v == "1");
    let logged = match q.logged {
        Some(id) => state.app.own_run(&visitor.viewer, id).await.ok().map(|run| (rules::encouragement(run.code, run.felt, flag(&q.repeated)), run.id)),
        None => None,
    };
    let done = match q.done.as_deref() {
        Some("deleted") => Some("The run is deleted from your log."),
        Some("edited") => Some("Your changes are saved."),
        Some("plan") => Some("You're following a new plan. Your badge follows your place in it."),
        _ => None,
    };
    let graduated = flag(&q.graduated) && logged.is_some();
    runs_page(&state.app, &visitor, q.page.unwrap_or(1), None, Vec::new(), logged, graduated, done).await
}

async fn log_run(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<RunForm>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect("/runs"));
    }
    let result = match form.input() {
        Ok(input) => state.app.log_run(&visitor.viewer, &input, Some(&form.client_id)).await,
        Err(errors) => Err(crate::app::Error::Invalid(errors)),
    };
    let done = |logged: Logged| {
        let repeated = logged.encouragement.contains("again");
        see_other(&format!("/runs?logged={}&repeated={}&graduated={}", logged.run.id, u8::from(repeated), u8::from(logged.graduated_now)))
    };
    answer(result, done, async |errors| runs_page(&state.app, &visitor, 1, Some(form.clone()), errors, None, false, None).await).await
}

#[derive(Template)]
#[template(path = "run_edit.html")]
struct EditRunPage {
    layout: Layout,
    form: RunFormView,
    id: i64,
}

async fn edit_page(app: &App, visitor: &Visitor, id: i64, values: Option<RunForm>, errors: Vec<FieldError>) -> Result<Response, Error> {
    let run = app.own_run(&visitor.viewer, id).await?;
    let plan = app.member_plan(&visitor.viewer).await?;
    let values = values.unwrap_or_else(|| RunForm::from_run(&run));
    html(EditRunPage { layout: Layout::new("Edit a run", visitor), form: RunFormView::new(format!("/runs/{id}/edit"), "Save changes", &plan.plan, values, errors), id })
}

async fn edit_run_form(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect(&format!("/runs/{id}/edit")));
    }
    edit_page(&state.app, &visitor, id, None, Vec::new()).await
}

async fn edit_run(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(form): CsrfForm<RunForm>) -> Result<Response, Error> {
    let result = match form.input() {
        Ok(input) => state.app.update_run(&visitor.viewer, id, &input).await,
        Err(errors) => Err(crate::app::Error::Invalid(errors)),
    };
    answer(result, |_| see_other("/runs?done=edited"), async |errors| edit_page(&state.app, &visitor, id, Some(form.clone()), errors).await).await
}

async fn delete_run(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>, CsrfForm(_): CsrfForm<super::Empty>) -> Result<Response, Error> {
    state.app.delete_run(&visitor.viewer, id).await?;
    Ok(see_other("/runs?done=deleted"))
}

#[derive(Template)]
#[template(path = "run_share.html")]
struct SharePage {
    layout: Layout,
    text: String,
    title: String,
    categories: Vec<(String, String)>,
    threads: Vec<(i64, String)>,
}

/// "Share this run": the words to start a post with, and where to post it.
async fn share_run(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect(&format!("/runs/{id}/share")));
    }
    let run = state.app.own_run(&visitor.viewer, id).await?;
    let member = visitor.viewer.member_or_login()?;
    let text = rules::share_text(run.code, run.felt, run.distance_m, run.duration_s, &run.note);
    let title = run.code.map_or_else(|| "Out for a run".to_owned(), |c| format!("{c} done"));
    let profile = state.app.profile(&visitor.viewer, &member.username, 20).await?;
    let mut threads: Vec<(i64, String)> = Vec::new();
    for p in profile.recent {
        if !threads.iter().any(|(t, _)| *t == p.thread_id) {
            threads.push((p.thread_id, p.thread_title));
        }
    }
    let categories = state.app.categories(&visitor.viewer).await?.into_iter().map(|c| (c.slug, c.name)).collect();
    html(SharePage { layout: Layout::new("Share this run", &visitor), text, title, categories, threads })
}

// ---- Plans.

pub struct PlanSummary {
    slug: String,
    name: String,
    summary: String,
    weeks: usize,
    runs: usize,
    graduates: bool,
    chosen: bool,
}

fn plan_summary(p: &StoredPlan, chosen: Option<i64>) -> PlanSummary {
    PlanSummary {
        slug: p.plan.id.clone(),
        name: p.plan.name.clone(),
        summary: p.plan.summary.clone(),
        weeks: p.plan.weeks.len(),
        runs: p.plan.runs().count(),
        graduates: p.plan.graduates,
        chosen: chosen == Some(p.id),
    }
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    layout: Layout,
    plans: Vec<PlanSummary>,
    member: bool,
}

async fn plans(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    let chosen = match visitor.is_member() {
        true => Some(state.app.member_plan(&visitor.viewer).await?.id),
        false => None,
    };
    let plans = state.app.plans().await?.iter().map(|p| plan_summary(p, chosen)).collect();
    html(PlansPage { layout: Layout::new("Plans", &visitor), plans, member: visitor.is_member() })
}

pub struct PlanWeek {
    number: u32,
    runs: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    layout: Layout,
    summary: PlanSummary,
    weeks: Vec<PlanWeek>,
    member: bool,
}

async fn plan_page(State(state): State<AppState>, visitor: Visitor, Path(slug): Path<String>) -> Result<Response, Error> {
    let stored = state.app.plan(&slug).await?;
    let chosen = match visitor.is_member() {
        true => Some(state.app.member_plan(&visitor.viewer).await?.id),
        false => None,
    };
    let weeks = stored
        .plan
        .weeks
        .iter()
        .map(|w| PlanWeek {
            number: w.number,
            runs: w
                .runs
                .iter()
                .map(|r| (r.code.to_string(), format!("/run?plan={}&run={}", stored.plan.id, r.code.key()), segments_in_words(r), rules::spoken(r.running_seconds())))
                .collect(),
        })
        .collect();
    html(PlanPage { layout: Layout::new(stored.plan.name.clone(), &visitor), summary: plan_summary(&stored, chosen), weeks, member: visitor.is_member() })
}

/// "Run 1:00, walk 1:30, run 1:00…" after the warm-up, for the plan's table.
fn segments_in_words(run: &rules::PlanRun) -> String {
    run.segments
        .iter()
        .filter(|s| matches!(s.kind, rules::SegmentKind::Run | rules::SegmentKind::Walk))
        .map(|s| format!("{} {}", s.kind.as_str(), rules::clock(s.seconds)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Deserialize)]
struct ChooseForm {
    #[serde(default)]
    plan: String,
}

async fn choose_plan(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<ChooseForm>) -> Result<Response, Error> {
    let result = state.app.choose_plan(&visitor.viewer, &form.plan).await;
    answer(result, |_| see_other("/runs?done=plan"), async |errors| runs_page(&state.app, &visitor, 1, None, errors, None, false, None).await).await
}

#[derive(Deserialize)]
struct ProgrammeSettingsForm {
    show_progress: Option<String>,
}

async fn programme_settings(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<ProgrammeSettingsForm>) -> Result<Response, Error> {
    let shown = form.show_progress.as_deref().is_some_and(|v| !v.is_empty() && v != "0");
    state.app.set_show_progress(&visitor.viewer, shown).await?;
    Ok(see_other("/settings?done=programme"))
}

// ---- Adding plans (admins).

#[derive(Template)]
#[template(path = "admin_plans.html")]
struct AdminPlansPage {
    layout: Layout,
    plans: Vec<(PlanSummary, bool)>,
    source: String,
    errors: Vec<FieldError>,
    added: Option<String>,
}

impl AdminPlansPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

async fn admin_plans_page(app: &App, visitor: &Visitor, source: String, errors: Vec<FieldError>, added: Option<String>) -> Result<Response, Error> {
    // Asked of the gate through the use case that needs it: only admins add plans.
    crate::app::access::check(&visitor.viewer, crate::domain::permission::Action::ManagePlans, crate::domain::permission::Subject::Community)?;
    let plans = app.plans().await?.iter().map(|p| (plan_summary(p, None), p.builtin)).collect();
    html(AdminPlansPage { layout: Layout::new("Plans", visitor), plans, source, errors, added })
}

#[derive(Deserialize)]
struct AddedQuery {
    added: Option<String>,
}

async fn admin_plans(State(state): State<AppState>, visitor: Visitor, Query(q): Query<AddedQuery>) -> Result<Response, Error> {
    if !visitor.is_member() {
        return Ok(login_redirect("/admin/plans"));
    }
    admin_plans_page(&state.app, &visitor, String::new(), Vec::new(), q.added).await
}

/// A plan file, uploaded or pasted.
async fn add_plan(State(state): State<AppState>, visitor: Visitor, form: CsrfMultipart) -> Result<Response, Error> {
    let uploaded = form.0.get("file").filter(|f| !f.is_empty());
    let source = match uploaded {
        Some(bytes) => String::from_utf8(bytes.clone()).map_err(|_| Error::BadRequest("The plan file isn't UTF-8 text.".into()))?,
        None => form.text("source"),
    };
    if source.trim().is_empty() {
        let errors = vec![FieldError::new("source", "Choose a plan file, or paste one.")];
        let mut page = admin_plans_page(&state.app, &visitor, source, errors, None).await?;
        *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(page);
    }
    let result = state.app.add_plan(&visitor.viewer, &source).await;
    answer(result, |p| see_other(&format!("/admin/plans?added={}", urlencode(&p.plan.name))), async |errors| admin_plans_page(&state.app, &visitor, source.clone(), errors, None).await).await
}

// ---- Offline: the service worker and the web app manifest.

async fn service_worker() -> Response {
    static SCRIPT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| crate::web::assets::SERVICE_WORKER.replace("ASSET_VERSION", ASSET_VERSION));
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], SCRIPT.as_str()).into_response()
}

async fn manifest() -> Response {
    let body = serde_json::json!({
        "name": "Jogette guided run",
        "short_name": "Guided run",
        "start_url": "/run",
        "scope": "/",
        "display": "standalone",
        "background_color": "#fbfaf7",
        "theme_color": "#0b6e4f",
        "icons": [{ "src": format!("/static/icon.svg?v={ASSET_VERSION}"), "sizes": "any", "type": "image/svg+xml" }],
    });
    ([(header::CONTENT_TYPE, "application/manifest+json"), (header::CACHE_CONTROL, "public, max-age=3600")], body.to_string()).into_response()
}

/// Progress for the profile page, when the viewer may see it.
pub async fn profile_progress(app: &App, viewer: &Viewer, username: &str) -> Option<ProgressCard> {
    let own = |p: &ProgressView| viewer.user.as_ref().is_some_and(|u| u.username == p.username);
    app.progress(viewer, username).await.ok().filter(|p| p.runs_logged > 0 || own(p)).map(|p| ProgressCard::new(p, viewer))
}

/// The programme's two charts, drawn on the server as SVG: numbers only go
/// in, so nothing a member typed reaches the markup.
mod charts {
    use crate::domain::dates;
    use crate::domain::programme::{PainArea, PainPoint};

    const W: f64 = 360.0;
    const H: f64 = 140.0;
    const LEFT: f64 = 28.0;
    const BOTTOM: f64 = 22.0;

    /// Runs in each week as bars, with the plan's three a week marked.
    pub fn runs_per_week(weeks: &[(i64, u32)]) -> String {
        let most = weeks.iter().map(|(_, n)| *n).max().unwrap_or(0).max(3) as f64;
        let plot_h = H - BOTTOM - 8.0;
        let slot = (W - LEFT) / weeks.len().max(1) as f64;
        let y = |n: f64| 8.0 + plot_h * (1.0 - n / most);
        let mut svg = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"runs-chart-title\" focusable=\"false\">\
             <title id=\"runs-chart-title\">Runs each week, the last {} weeks: {}</title>",
            weeks.len(),
            weeks.iter().map(|(_, n)| n.to_string()).collect::<Vec<_>>().join(", ")
        );
        svg.push_str(&format!("<line class=\"axis\" x1=\"{LEFT}\" y1=\"{0}\" x2=\"{W}\" y2=\"{0}\"/>", y(0.0)));
        svg.push_str(&format!("<line class=\"goal\" x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{W}\" y2=\"{0:.1}\"/>", y(3.0)));
        svg.push_str(&format!("<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">3</text>", LEFT - 4.0, y(3.0) + 4.0));
        for (i, (monday, n)) in weeks.iter().enumerate() {
            let x = LEFT + slot * i as f64 + slot * 0.15;
            let top = y(f64::from(*n));
            svg.push_str(&format!("<rect class=\"bar\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>", slot * 0.7, y(0.0) - top));
            // Every third week is named, counting back from this one, whose
            // name ends at the edge rather than running off it.
            let from_end = weeks.len() - 1 - i;
            if from_end.is_multiple_of(3) {
                let label = dates::day_label(*monday);
                let short: Vec<&str> = label.split(' ').skip(1).take(2).collect();
                let (at, anchor) = if from_end == 0 { (W, "end") } else { (x + slot * 0.35, "middle") };
                svg.push_str(&format!("<text class=\"label\" x=\"{at:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>", H - 6.0, short.join(" ")));
            }
        }
        svg.push_str("</svg>");
        svg
    }

    /// Pain in each area over the last weeks, 0 to 10, a line per area.
    pub fn pain(series: &[(PainArea, Vec<PainPoint>)], today: i64) -> String {
        const DAYS: i64 = 56;
        let start = today - DAYS;
        let plot_h = H - BOTTOM - 8.0;
        let x = |day: i64| LEFT + (W - LEFT - 6.0) * ((day - start) as f64 / DAYS as f64);
        let y = |level: u8| 18.0 + (plot_h - 10.0) * (1.0 - f64::from(level) / 10.0);
        let names: Vec<&str> = series.iter().map(|(a, _)| a.label()).collect();
        let mut svg = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"pain-chart-title\" focusable=\"false\">\
             <title id=\"pain-chart-title\">Your pain, 0 to 10, over the last 8 weeks: {}</title>",
            names.join(", ")
        );
        svg.push_str(&format!("<line class=\"axis\" x1=\"{LEFT}\" y1=\"{0}\" x2=\"{W}\" y2=\"{0}\"/>", y(0)));
        for level in [0u8, 5, 10] {
            svg.push_str(&format!("<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{level}</text>", LEFT - 4.0, y(level) + 4.0));
        }
        // A key along the top: a stroke of each line's colour, and its area.
        let mut key_x = LEFT + 4.0;
        for (i, (area, _)) in series.iter().enumerate() {
            svg.push_str(&format!(
                "<line class=\"pain pain-{0}\" x1=\"{key_x:.1}\" y1=\"6\" x2=\"{1:.1}\" y2=\"6\"/><text class=\"label\" x=\"{2:.1}\" y=\"9\">{3}</text>",
                i % 6,
                key_x + 12.0,
                key_x + 15.0,
                area.label()
            ));
            key_x += 22.0 + 5.5 * area.label().len() as f64;
        }
        for (i, (area, points)) in series.iter().enumerate() {
            let class = format!("pain pain-{}", i % 6);
            let path: Vec<String> = points.iter().map(|p| format!("{:.1},{:.1}", x(p.day), y(p.level))).collect();
            if path.len() > 1 {
                svg.push_str(&format!("<polyline class=\"{class}\" points=\"{}\"><title>{}</title></polyline>", path.join(" "), area.label()));
            }
            for p in points {
                svg.push_str(&format!("<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"/>", x(p.day), y(p.level)));
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_times_read_as_people_type_them() {
        assert_eq!(metres("3.2"), Ok(Some(3200)));
        assert_eq!(metres("3,25"), Ok(Some(3250)));
        assert_eq!(metres(""), Ok(None));
        assert!(metres("far").is_err() && metres("-1").is_err() && metres("500").is_err());
        assert_eq!(seconds("31"), Ok(Some(1860)));
        assert_eq!(seconds("31:20"), Ok(Some(1880)));
        assert_eq!(seconds("31.5"), Ok(Some(1890)));
        assert!(seconds("31:75").is_err() && seconds("0").is_err() && seconds("soon").is_err());
    }

    #[test]
    fn charts_hold_only_numbers_and_fixed_words() {
        let svg = charts::runs_per_week(&[(20_000, 3), (20_007, 1)]);
        assert!(svg.starts_with("<svg") && svg.contains("role=\"img\"") && svg.contains("<title"), "{svg}");
        let pain = charts::pain(&[(PainArea::UpperBack, vec![rules::PainPoint { day: 100, level: 4 }, rules::PainPoint { day: 105, level: 5 }])], 110);
        assert!(pain.contains("polyline") && pain.contains("Upper back"), "{pain}");
    }
}
