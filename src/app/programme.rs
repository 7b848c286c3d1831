//! The running programme's use cases: plans (the shipped ones, and those an
//! admin adds), a member's run log and pain log, their badge and progress,
//! and the pain summary they may attach to a post.
//!
//! A member's badge and graduation are worked out from their run log and
//! written in the same transaction as the run that changes them, onto their
//! own row, so a page of posts shows badges without a statement of its own.

use super::access::{self, Viewer};
use super::store::moderation::{self as log, AuditEntry};
use super::store::programme::{self as store, PlanRow, Runner};
pub use super::store::programme::Run;
use super::store::{Listing, StoreError, Tx};
use super::{App, Error, Result};
use crate::domain::links::pages;
use crate::domain::permission::{Action, Subject};
use crate::domain::programme::{
    self as rules, DEFAULT_PLAN, PainArea, PainPoint, PainSummary, Plan, Progress, RunCode, RunInput,
};
use crate::domain::{FieldError, dates};

/// Runs on one page of a run log.
pub const RUNS_PER_PAGE: i64 = 20;
/// How far back the pain log is read for summaries and the chart.
const PAIN_DAYS: i64 = 56;
/// Weeks in the runs-a-week chart.
pub const CHART_WEEKS: i64 = 12;

/// A plan, parsed, with its stored id.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub id: i64,
    pub builtin: bool,
    pub plan: Plan,
}

/// What logging a run led to, for the page that follows.
#[derive(Debug, Clone)]
pub struct Logged {
    pub run: Run,
    /// False when this phone had logged it already (an offline retry).
    pub created: bool,
    /// A kind word: repeating is normal, hard is fine.
    pub encouragement: String,
    /// This run made them a Graduate.
    pub graduated_now: bool,
    pub badge: Option<String>,
}

/// A member's progress as the viewer may see it.
#[derive(Debug, Clone)]
pub struct ProgressView {
    pub username: String,
    pub plan_slug: String,
    pub plan_name: String,
    pub badge: Option<String>,
    pub progress: Progress,
    pub runs_logged: i64,
    /// Runs in each of the last weeks, each named by its Monday.
    pub runs_per_week: Vec<(i64, u32)>,
    /// Only for the member themselves: their pain log, area by area.
    pub pain: Option<Vec<(PainArea, Vec<PainPoint>)>>,
}

fn today() -> i64 {
    dates::day_of(super::now_millis())
}

fn parsed(row: PlanRow) -> Result<StoredPlan> {
    // Plans are checked when saved, so a stored plan that no longer parses is
    // a bug or a hand-edited database: say so in the log, not to the member.
    let plan = rules::parse(&row.source).map_err(|e| Error::internal(StoreError::message(format!("stored plan {:?}: {e}", row.slug))))?;
    Ok(StoredPlan { id: row.id, builtin: row.builtin, plan })
}

fn graduating(plans: &[StoredPlan]) -> Vec<(i64, RunCode)> {
    plans.iter().filter(|p| p.plan.graduates).map(|p| (p.id, p.plan.last())).collect()
}

fn runner_subject(user_id: i64, shown: bool) -> Subject {
    Subject::Runner { user_id, shown }
}

/// The member's plan runs, their badge and whether they graduated, worked out
/// and written inside the transaction of the run that changed them.
async fn restand(tx: &Tx<'_>, user_id: i64, plan: &StoredPlan, graduating: &[(i64, RunCode)]) -> Result<(Progress, Option<String>), StoreError> {
    let logged = store::plan_runs_logged(tx, user_id, plan.id).await?;
    let progress = rules::progress(&plan.plan, &logged);
    let graduated = store::finished_any(tx, user_id, graduating).await?;
    let badge = rules::badge(&plan.plan, &progress, graduated);
    store::set_standing(tx, user_id, badge.as_deref(), graduated).await?;
    Ok((progress, badge))
}

impl App {
    /// Adds the shipped plans, or refreshes them from this binary (unless an
    /// admin replaced one): run at start, on every node, harmlessly.
    pub async fn install_builtin_plans(&self) -> Result<()> {
        for source in rules::BUILTIN_PLANS {
            let plan = rules::parse(source).map_err(|e| Error::internal(StoreError::message(format!("a shipped plan: {e}"))))?;
            let (slug, name, source) = (plan.id, plan.name, source.to_string());
            self.store.write(move |tx| Box::pin(async move { store::refresh_builtin(tx, &slug, &name, &source).await })).await?;
        }
        Ok(())
    }

    /// Every plan, parsed.
    pub async fn plans(&self) -> Result<Vec<StoredPlan>> {
        let rows = self.store.read(|c| Box::pin(store::plans(c))).await?;
        rows.into_iter().map(parsed).collect()
    }

    pub async fn plan(&self, slug: &str) -> Result<StoredPlan> {
        let slug = slug.to_owned();
        let row = self.store.read(move |c| Box::pin(async move { store::plan_by_slug(c, &slug).await })).await?;
        parsed(row.ok_or(Error::NotFound)?)
    }

    /// The plan the viewer follows: their choice, or the community's default.
    /// A guest is shown the default.
    pub async fn member_plan(&self, viewer: &Viewer) -> Result<StoredPlan> {
        let chosen = viewer.user.as_ref().and_then(|u| u.plan_id);
        let row = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    match chosen {
                        Some(id) => store::plan_by_id(c, id).await,
                        None => store::plan_by_slug(c, DEFAULT_PLAN).await,
                    }
                })
            })
            .await?;
        match row {
            Some(row) => parsed(row),
            // The default plan is installed at start; without it, the first plan there is.
            None => self.plans().await?.into_iter().next().ok_or(Error::NotFound),
        }
    }

    /// Adds a plan from its file, or replaces the plan with the same id. A
    /// file with an error is refused with its line, column and reason.
    pub async fn add_plan(&self, viewer: &Viewer, source: &str) -> Result<StoredPlan> {
        access::check(viewer, Action::ManagePlans, Subject::Community)?;
        self.save_plan(Some(viewer.member_or_login()?.id), source).await
    }

    /// As [`App::add_plan`], for the operator at the command line.
    pub async fn add_plan_from_cli(&self, source: &str) -> Result<StoredPlan> {
        self.save_plan(None, source).await
    }

    async fn save_plan(&self, admin: Option<i64>, source: &str) -> Result<StoredPlan> {
        if source.len() > 256 * 1024 {
            return Err(Error::field("source", "A plan file is at most 256 KB."));
        }
        let plan = rules::parse(source).map_err(|e| Error::field("source", format!("The plan file has an error at {e}.")))?;
        let (slug, name, source) = (plan.id.clone(), plan.name.clone(), source.to_owned());
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = store::save_plan(tx, &slug, &name, &source).await?;
                    let entry = AuditEntry {
                        actor_id: admin,
                        action: "save-plan",
                        target_kind: "plan",
                        target_id: Some(row.id),
                        after: Some(serde_json::json!({ "id": slug, "name": name }).to_string()),
                        ..AuditEntry::default()
                    };
                    log::audit(tx, &entry).await?;
                    Ok(row)
                })
            })
            .await?;
        Ok(StoredPlan { id: row.id, builtin: false, plan })
    }

    /// Plans that make a member a Graduate, with their last runs.
    async fn graduating(&self) -> Result<Vec<(i64, RunCode)>> {
        Ok(graduating(&self.plans().await?))
    }

    /// The viewer follows another plan from now on; their badge follows it.
    pub async fn choose_plan(&self, viewer: &Viewer, slug: &str) -> Result<StoredPlan> {
        access::check(viewer, Action::LogRuns, Subject::Community)?;
        let member = viewer.member_or_login()?.id;
        let plan = self.plan(slug).await.map_err(|e| match e {
            Error::NotFound => Error::field("plan", "Choose one of the plans listed."),
            e => e,
        })?;
        let graduating = self.graduating().await?;
        let chosen = plan.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    store::set_member_plan(tx, member, chosen.id).await?;
                    restand(tx, member, &chosen, &graduating).await?;
                    Ok(())
                })
            })
            .await?;
        Ok(plan)
    }

    /// Logs a run in the viewer's run log, against their plan. A `client_id`
    /// the viewer's phone logged already returns that run instead, so an
    /// offline phone's retries land once.
    pub async fn log_run(&self, viewer: &Viewer, input: &RunInput, client_id: Option<&str>) -> Result<Logged> {
        access::check(viewer, Action::LogRuns, Subject::Community)?;
        let member = viewer.member_or_login()?.id;
        let client_id = client_id.map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
        if client_id.as_ref().is_some_and(|c| c.len() > 64 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
            return Err(Error::field("client_id", "A client id is up to 64 letters, digits, hyphens and underscores."));
        }
        if let Some(client) = client_id.clone()
            && let Some(run) = self.store.read_primary(move |c| Box::pin(async move { store::run_by_client(c, member, &client).await })).await?
        {
            return Ok(Logged { run, created: false, encouragement: "That run was logged already.".into(), graduated_now: false, badge: None });
        }
        let plan = self.member_plan(viewer).await?;
        let checked = rules::check_run(input, Some(&plan.plan), today()).map_err(Error::Invalid)?;
        let graduating = self.graduating().await?;
        let stored = plan.clone();
        let written = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let before = store::plan_runs_logged(tx, member, stored.id).await?;
                    let was_graduate = store::finished_any(tx, member, &graduating).await?;
                    let Some(run) = store::insert_run(tx, member, Some(stored.id), &checked, client_id.as_deref()).await? else {
                        // This phone's run was logged a moment ago, by another request.
                        let logged = store::run_by_client(tx, member, client_id.as_deref().unwrap_or("")).await?;
                        return Ok((logged.ok_or(StoreError::NotFound)?, before, false, None, false));
                    };
                    let (_, badge) = restand(tx, member, &stored, &graduating).await?;
                    let graduate = store::finished_any(tx, member, &graduating).await?;
                    Ok((run, before, true, badge, graduate && !was_graduate))
                })
            })
            .await?;
        let (run, before, created, badge, graduated_now) = written;
        let furthest = before.iter().max().copied();
        let repeated = run.code.is_some_and(|c| before.contains(&c) || furthest.is_some_and(|f| c < f));
        let encouragement = if created { rules::encouragement(run.code, run.felt, repeated) } else { "That run was logged already.".into() };
        Ok(Logged { run, created, encouragement, graduated_now, badge })
    }

    /// One of the viewer's own runs; anyone else's is not found.
    pub async fn own_run(&self, viewer: &Viewer, id: i64) -> Result<Run> {
        viewer.member_or_login()?;
        let run = self.store.read_primary(move |c| Box::pin(store::run_by_id(c, id))).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::ChangeRun, runner_subject(run.user_id, false))?;
        Ok(run)
    }

    pub async fn update_run(&self, viewer: &Viewer, id: i64, input: &RunInput) -> Result<Run> {
        let run = self.own_run(viewer, id).await?;
        let member = run.user_id;
        let plans = self.plans().await?;
        let current = self.member_plan(viewer).await?;
        // A run keeps the plan it was logged against.
        let run_plan = run.plan_id.and_then(|id| plans.iter().find(|p| p.id == id).cloned()).unwrap_or_else(|| current.clone());
        let checked = rules::check_run(input, Some(&run_plan.plan), today()).map_err(Error::Invalid)?;
        let plan_id = checked.code.map(|_| run_plan.id);
        let graduating = graduating(&plans);
        Ok(self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let run = store::update_run(tx, id, plan_id, &checked).await?;
                    restand(tx, member, &current, &graduating).await?;
                    Ok(run)
                })
            })
            .await?)
    }

    pub async fn delete_run(&self, viewer: &Viewer, id: i64) -> Result<()> {
        self.own_run(viewer, id).await?;
        let plan = self.member_plan(viewer).await?;
        let member = viewer.member_or_login()?.id;
        let graduating = self.graduating().await?;
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    store::delete_run(tx, id).await?;
                    restand(tx, member, &plan, &graduating).await?;
                    Ok(())
                })
            })
            .await?;
        Ok(())
    }

    /// A page of the viewer's runs, newest first, and how many pages there are.
    pub async fn runs(&self, viewer: &Viewer, page: i64) -> Result<(Listing<Run>, i64)> {
        access::check(viewer, Action::LogRuns, Subject::Community)?;
        let member = viewer.member_or_login()?.id;
        let page = page.max(1);
        let listed = self.store.read_primary(move |c| Box::pin(store::runs(c, member, page, RUNS_PER_PAGE))).await?;
        let pages = pages(listed.total, RUNS_PER_PAGE);
        Ok((listed, pages))
    }

    /// A member's progress, as far as the viewer may see it: nothing if they
    /// keep it to themselves, and their pain log only for themselves.
    pub async fn progress(&self, viewer: &Viewer, username: &str) -> Result<ProgressView> {
        let name = username.to_owned();
        let runner: Runner = self.store.read(move |c| Box::pin(async move { store::runner(c, &name).await })).await?.ok_or(Error::NotFound)?;
        let subject = runner_subject(runner.user_id, runner.show_progress);
        access::check(viewer, Action::ReadProgress, subject)?;
        let with_pain = access::allows(viewer, Action::ReadPainLog, subject);
        let plan = match runner.plan_id {
            Some(id) => self.plans().await?.into_iter().find(|p| p.id == id),
            None => None,
        };
        let plan = match plan {
            Some(plan) => plan,
            None => self.plan(DEFAULT_PLAN).await?,
        };
        let (member, plan_id, today) = (runner.user_id, plan.id, today());
        let since_chart = dates::week_start(today) - 7 * (CHART_WEEKS - 1);
        let (logged, days, runs_logged, pain) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let logged = store::plan_runs_logged(c, member, plan_id).await?;
                    let days = store::run_days(c, member, since_chart).await?;
                    let count = store::run_count(c, member).await?;
                    let pain = if with_pain { Some(store::pain_points(c, member, today - PAIN_DAYS).await?) } else { None };
                    Ok((logged, days, count, pain))
                })
            })
            .await?;
        let pain = pain.as_deref().map(rules::by_area);
        Ok(ProgressView {
            username: runner.username,
            plan_slug: plan.plan.id.clone(),
            plan_name: plan.plan.name.clone(),
            badge: runner.badge,
            progress: rules::progress(&plan.plan, &logged),
            runs_logged,
            runs_per_week: rules::runs_per_week(&days, today, CHART_WEEKS),
            pain,
        })
    }

    /// The viewer's recent pain, area by area, as they could attach it to a post.
    pub async fn pain_summaries(&self, viewer: &Viewer) -> Result<Vec<PainSummary>> {
        let Some(member) = viewer.user_id() else { return Ok(Vec::new()) };
        let today = today();
        let points = self.store.read_primary(move |c| Box::pin(store::pain_points(c, member, today - PAIN_DAYS))).await?;
        Ok(rules::by_area(&points).into_iter().filter_map(|(area, series)| rules::summarise(area, &series, today)).collect())
    }

    /// The summary of the viewer's pain log for `area`, to attach to a post.
    pub(super) async fn attached_pain(&self, viewer: &Viewer, area: Option<&str>) -> Result<Option<PainSummary>> {
        let Some(area) = area.map(str::trim).filter(|a| !a.is_empty()) else { return Ok(None) };
        let area = PainArea::parse(area).ok_or_else(|| Error::field("pain_area", "Choose one of the pain log's areas, or none."))?;
        let found = self.pain_summaries(viewer).await?.into_iter().find(|s| s.area == area);
        match found {
            Some(summary) => Ok(Some(summary)),
            None => Err(Error::Invalid(vec![FieldError::new(
                "pain_area",
                format!("Your pain log has nothing recent for {}: log it with a run first, or leave the summary off.", area.label().to_lowercase()),
            )])),
        }
    }

    /// Whether others see the viewer's badge and progress.
    pub async fn set_show_progress(&self, viewer: &Viewer, shown: bool) -> Result<()> {
        let member = viewer.member_or_login()?.id;
        Ok(self.store.write(move |tx| Box::pin(store::set_show_progress(tx, member, shown))).await?)
    }
}
