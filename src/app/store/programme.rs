//! The running programme: plans (kept as their source), members' runs and
//! pain entries, and each member's plan, badge and graduation.

use super::conn::{Conn, Row, Tx, args};
use super::{Listing, Result, StoreError, now_millis};
use crate::domain::programme::{CheckedRun, Felt, PainArea, RunCode};

/// A plan as stored: its source is parsed by the use case.
#[derive(Debug, Clone)]
pub struct PlanRow {
    pub id: i64,
    pub slug: String,
    pub source: String,
    pub builtin: bool,
}

const PLAN_COLUMNS: &str = "id, slug, source, builtin";

fn plan_row(r: &Row) -> Result<PlanRow> {
    Ok(PlanRow { id: r.int(0)?, slug: r.text(1)?, source: r.text(2)?, builtin: r.flag(3)? })
}

/// A logged run, with its pain entries.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: i64,
    pub user_id: i64,
    pub plan_id: Option<i64>,
    pub code: Option<RunCode>,
    /// Days since 1970-01-01.
    pub day: i64,
    pub distance_m: Option<i64>,
    pub duration_s: Option<i64>,
    pub felt: Option<Felt>,
    pub note: String,
    pub client_id: Option<String>,
    pub created_at: i64,
    pub pain: Vec<(PainArea, u8)>,
}

const RUN_COLUMNS: &str = "id, user_id, plan_id, week, run, ran_on, distance_m, duration_s, felt, note, client_id, created_at";

fn run(r: &Row) -> Result<Run> {
    let code = match (r.opt_int(3)?, r.opt_int(4)?) {
        (Some(week), Some(run)) => Some(RunCode { week: week as u32, run: run as u32 }),
        _ => None,
    };
    Ok(Run {
        id: r.int(0)?,
        user_id: r.int(1)?,
        plan_id: r.opt_int(2)?,
        code,
        day: r.int(5)?,
        distance_m: r.opt_int(6)?,
        duration_s: r.opt_int(7)?,
        felt: r.opt_text(8)?.as_deref().and_then(Felt::parse),
        note: r.text(9)?,
        client_id: r.opt_text(10)?,
        created_at: r.int(11)?,
        pain: Vec::new(),
    })
}

/// A member as a runner: whether they show their progress, their badge and plan.
#[derive(Debug, Clone)]
pub struct Runner {
    pub user_id: i64,
    pub username: String,
    pub plan_id: Option<i64>,
    pub badge: Option<String>,
    pub show_progress: bool,
}

pub async fn runner(c: &Conn<'_>, username: &str) -> Result<Option<Runner>> {
    c.one(
        "SELECT id, username, plan_id, badge, show_progress FROM users WHERE username_lower = ?1",
        args![&username.to_ascii_lowercase()],
        |r| {
            Ok(Runner {
                user_id: r.int(0)?,
                username: r.text(1)?,
                plan_id: r.opt_int(2)?,
                badge: r.opt_text(3)?,
                show_progress: r.flag(4)?,
            })
        },
    )
    .await
}

// ---- Plans.

/// Adds a shipped plan, or refreshes it from the binary: unless an admin
/// has since replaced it with a plan of their own under the same id.
pub async fn refresh_builtin(tx: &Tx<'_>, slug: &str, name: &str, source: &str) -> Result<()> {
    let now = now_millis();
    tx.exec(
        "INSERT INTO plans (slug, name, source, builtin, created_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?4) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, source = excluded.source, updated_at = excluded.updated_at \
         WHERE plans.builtin = 1 AND plans.source <> excluded.source",
        args![slug, name, source, now],
    )
    .await?;
    Ok(())
}

/// Adds a community's plan, or replaces the plan with the same id.
pub async fn save_plan(tx: &Tx<'_>, slug: &str, name: &str, source: &str) -> Result<PlanRow> {
    let now = now_millis();
    tx.one(
        &format!(
            "INSERT INTO plans (slug, name, source, builtin, created_at, updated_at) VALUES (?1, ?2, ?3, 0, ?4, ?4) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, source = excluded.source, builtin = 0, updated_at = excluded.updated_at \
             RETURNING {PLAN_COLUMNS}"
        ),
        args![slug, name, source, now],
        plan_row,
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// Every plan: the shipped ones first, then the community's, oldest first.
pub async fn plans(c: &Conn<'_>) -> Result<Vec<PlanRow>> {
    c.all(&format!("SELECT {PLAN_COLUMNS} FROM plans ORDER BY builtin DESC, created_at, id"), &[], plan_row).await
}

pub async fn plan_by_slug(c: &Conn<'_>, slug: &str) -> Result<Option<PlanRow>> {
    c.one(&format!("SELECT {PLAN_COLUMNS} FROM plans WHERE slug = ?1"), args![slug], plan_row).await
}

pub async fn plan_by_id(c: &Conn<'_>, id: i64) -> Result<Option<PlanRow>> {
    c.one(&format!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = ?1"), args![id], plan_row).await
}

pub async fn set_member_plan(tx: &Tx<'_>, user_id: i64, plan_id: i64) -> Result<()> {
    tx.exec("UPDATE users SET plan_id = ?2 WHERE id = ?1", args![user_id, plan_id]).await?;
    Ok(())
}

pub async fn set_show_progress(tx: &Tx<'_>, user_id: i64, shown: bool) -> Result<()> {
    tx.exec("UPDATE users SET show_progress = ?2 WHERE id = ?1", args![user_id, shown]).await?;
    Ok(())
}

/// The badge and graduation worked out from the member's run log, kept on
/// their row so that a page of posts shows badges without another statement.
pub async fn set_standing(tx: &Tx<'_>, user_id: i64, badge: Option<&str>, graduated: bool) -> Result<()> {
    tx.exec(
        "UPDATE users SET badge = ?2, graduated_at = CASE WHEN ?3 = 0 THEN NULL ELSE COALESCE(graduated_at, ?4) END WHERE id = ?1",
        args![user_id, badge, graduated, now_millis()],
    )
    .await?;
    Ok(())
}

// ---- Runs.

/// The run a phone already logged under `client_id`, if any.
pub async fn run_by_client(c: &Conn<'_>, user_id: i64, client_id: &str) -> Result<Option<Run>> {
    let found = c.one(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE user_id = ?1 AND client_id = ?2"), args![user_id, client_id], run).await?;
    with_pain_one(c, found).await
}

pub async fn run_by_id(c: &Conn<'_>, id: i64) -> Result<Option<Run>> {
    let found = c.one(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"), args![id], run).await?;
    with_pain_one(c, found).await
}

async fn with_pain_one(c: &Conn<'_>, found: Option<Run>) -> Result<Option<Run>> {
    let Some(found) = found else { return Ok(None) };
    Ok(with_pain(c, vec![found]).await?.pop())
}

/// Fills in each run's pain entries, in one statement.
async fn with_pain(c: &Conn<'_>, mut runs: Vec<Run>) -> Result<Vec<Run>> {
    if runs.is_empty() {
        return Ok(runs);
    }
    let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let entries = c
        .all("SELECT run_id, area, level FROM pain_entries WHERE run_id = ANY(?1) ORDER BY id", args![&ids], |r| {
            Ok((r.int(0)?, r.text(1)?, r.int(2)?))
        })
        .await?;
    for (run_id, area, level) in entries {
        if let (Some(run), Some(area)) = (runs.iter_mut().find(|r| r.id == run_id), PainArea::parse(&area)) {
            run.pain.push((area, level.clamp(0, 10) as u8));
        }
    }
    Ok(runs)
}

/// A page of a member's runs, newest first.
pub async fn runs(c: &Conn<'_>, user_id: i64, page: i64, per_page: i64) -> Result<Listing<Run>> {
    let offset = (page.max(1) - 1).saturating_mul(per_page);
    let items = c
        .all(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE user_id = ?1 ORDER BY ran_on DESC, id DESC LIMIT ?2 OFFSET ?3"), args![user_id, per_page, offset], run)
        .await?;
    let total = c.one("SELECT COUNT(*) FROM runs WHERE user_id = ?1", args![user_id], |r| r.int(0)).await?.unwrap_or(0);
    Ok(Listing { items: with_pain(c, items).await?, total })
}

/// Logs a run; None when this member's `client_id` logged one already (on
/// PostgreSQL, possibly a moment ago on another node: the insert waits for
/// that transaction, then stands aside).
pub async fn insert_run(tx: &Tx<'_>, user_id: i64, plan_id: Option<i64>, checked: &CheckedRun, client_id: Option<&str>) -> Result<Option<Run>> {
    let now = now_millis();
    let plan_id = checked.code.and(plan_id);
    let (week, number) = (checked.code.map(|c| i64::from(c.week)), checked.code.map(|c| i64::from(c.run)));
    let inserted = tx
        .one(
            &format!(
                "INSERT INTO runs (user_id, plan_id, week, run, ran_on, distance_m, duration_s, felt, note, client_id, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) \
                 ON CONFLICT (user_id, client_id) WHERE client_id IS NOT NULL DO NOTHING RETURNING {RUN_COLUMNS}"
            ),
            args![user_id, plan_id, week, number, checked.day, checked.distance_m, checked.duration_s, checked.felt.map(Felt::as_str), &checked.note, client_id, now],
            run,
        )
        .await?;
    let Some(inserted) = inserted else { return Ok(None) };
    write_pain(tx, inserted.id, user_id, &checked.pain).await?;
    Ok(Some(Run { pain: checked.pain.clone(), ..inserted }))
}

pub async fn update_run(tx: &Tx<'_>, id: i64, plan_id: Option<i64>, checked: &CheckedRun) -> Result<Run> {
    let plan_id = checked.code.and(plan_id);
    let (week, number) = (checked.code.map(|c| i64::from(c.week)), checked.code.map(|c| i64::from(c.run)));
    let updated = tx
        .one(
            &format!(
                "UPDATE runs SET plan_id = ?2, week = ?3, run = ?4, ran_on = ?5, distance_m = ?6, duration_s = ?7, felt = ?8, note = ?9, updated_at = ?10 \
                 WHERE id = ?1 RETURNING {RUN_COLUMNS}"
            ),
            args![id, plan_id, week, number, checked.day, checked.distance_m, checked.duration_s, checked.felt.map(Felt::as_str), &checked.note, now_millis()],
            run,
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.exec("DELETE FROM pain_entries WHERE run_id = ?1", args![id]).await?;
    write_pain(tx, id, updated.user_id, &checked.pain).await?;
    Ok(Run { pain: checked.pain.clone(), ..updated })
}

async fn write_pain(tx: &Tx<'_>, run_id: i64, user_id: i64, pain: &[(PainArea, u8)]) -> Result<()> {
    for (area, level) in pain {
        tx.exec("INSERT INTO pain_entries (run_id, user_id, area, level) VALUES (?1, ?2, ?3, ?4)", args![run_id, user_id, area.key(), i64::from(*level)])
            .await?;
    }
    Ok(())
}

pub async fn delete_run(tx: &Tx<'_>, id: i64) -> Result<()> {
    tx.exec("DELETE FROM pain_entries WHERE run_id = ?1", args![id]).await?;
    tx.exec("DELETE FROM runs WHERE id = ?1", args![id]).await?;
    Ok(())
}

/// The runs of a plan a member logged, each once.
pub async fn plan_runs_logged(c: &Conn<'_>, user_id: i64, plan_id: i64) -> Result<Vec<RunCode>> {
    c.all(
        "SELECT DISTINCT week, run FROM runs WHERE user_id = ?1 AND plan_id = ?2 ORDER BY week, run",
        args![user_id, plan_id],
        |r| Ok(RunCode { week: r.int(0)? as u32, run: r.int(1)? as u32 }),
    )
    .await
}

/// Whether the member has finished the last run of any plan that graduates
/// them: `last_runs` pairs each such plan with its last run.
pub async fn finished_any(c: &Conn<'_>, user_id: i64, last_runs: &[(i64, RunCode)]) -> Result<bool> {
    for (plan_id, last) in last_runs {
        let found = c
            .one(
                "SELECT 1 FROM runs WHERE user_id = ?1 AND plan_id = ?2 AND week = ?3 AND run = ?4 LIMIT 1",
                args![user_id, *plan_id, i64::from(last.week), i64::from(last.run)],
                |_| Ok(()),
            )
            .await?;
        if found.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The days a member ran on, from `since` (days since 1970-01-01).
pub async fn run_days(c: &Conn<'_>, user_id: i64, since: i64) -> Result<Vec<i64>> {
    c.all("SELECT ran_on FROM runs WHERE user_id = ?1 AND ran_on >= ?2 ORDER BY ran_on", args![user_id, since], |r| r.int(0)).await
}

/// How many runs a member has logged.
pub async fn run_count(c: &Conn<'_>, user_id: i64) -> Result<i64> {
    Ok(c.one("SELECT COUNT(*) FROM runs WHERE user_id = ?1", args![user_id], |r| r.int(0)).await?.unwrap_or(0))
}

/// A member's pain entries from `since`: (area, day, level), oldest first.
pub async fn pain_points(c: &Conn<'_>, user_id: i64, since: i64) -> Result<Vec<(PainArea, i64, u8)>> {
    let rows = c
        .all(
            "SELECT p.area, r.ran_on, p.level FROM pain_entries p JOIN runs r ON r.id = p.run_id \
             WHERE p.user_id = ?1 AND r.ran_on >= ?2 ORDER BY r.ran_on, p.id",
            args![user_id, since],
            |r| Ok((r.text(0)?, r.int(1)?, r.int(2)?)),
        )
        .await?;
    Ok(rows.into_iter().filter_map(|(area, day, level)| Some((PainArea::parse(&area)?, day, level.clamp(0, 10) as u8))).collect())
}
