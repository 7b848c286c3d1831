//! Leaving: a member asks for their account to be deleted (anonymised or
//! erased), may change their mind by logging in during the grace period,
//! and the deletion is then carried out in batches.

use super::access::Viewer;
use super::store::deletion::{self as stored, Due};
use super::store::moderation::{self as log, AuditEntry};
use super::{App, Error, Result};
use crate::domain::deletion::{BATCH, GRACE_MS, Mode};

/// A deletion waiting for its grace period to end.
#[derive(Debug, Clone, Copy)]
pub struct Pending {
    pub mode: Mode,
    /// When it will be carried out, unless the member logs in before.
    pub due_at: i64,
}

/// The audit log's line for a step of leaving: who, what and how, never a
/// name or any words (the member's row is the placeholder by then).
pub(super) fn logged(actor_id: Option<i64>, action: &'static str, member: i64, mode: Option<Mode>) -> AuditEntry {
    AuditEntry {
        actor_id,
        action,
        target_kind: "member",
        target_id: Some(member),
        member_id: Some(member),
        reason: None,
        before: None,
        after: mode.map(|m| m.as_str().to_owned()),
    }
}

/// How often each node looks for deletions that have come due.
const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

impl App {
    /// Carries out due deletions (and drops expired exports) now and every
    /// hour, until the app is dropped.
    /// Several nodes may do so at once: each step only finds what is left.
    pub fn start_deletions(self: &std::sync::Arc<App>) {
        let app = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            loop {
                tick.tick().await;
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app.process_deletions(false).await {
                    tracing::warn!(error = %super::error_chain(&e), "could not carry out due deletions; trying again in an hour");
                }
                if let Err(e) = app.purge_expired_exports().await {
                    tracing::warn!(error = %super::error_chain(&e), "could not drop expired exports; trying again in an hour");
                }
            }
        });
    }

    /// Starts the grace period for deleting the viewer's account, after
    /// checking their password; every session ends. Returns when it is due.
    pub async fn request_deletion(&self, viewer: &Viewer, mode: &str, password: &str) -> Result<Pending> {
        let member = viewer.member_or_login()?.id;
        let mode = Mode::parse(mode).ok_or_else(|| Error::field("mode", "Choose whether to keep your posts as a former member's, or erase everything."))?;
        self.limit("login", self.config.rate_limits.login, &format!("delete-account:{member}"))?;
        let stored_hash = self.store.read_primary(move |c| Box::pin(super::store::accounts::password_hash(c, member))).await?.ok_or(Error::NotFound)?;
        let password = password.to_owned();
        if !super::accounts::password_work(move || crate::domain::password::verify(&password, &stored_hash)).await? {
            return Err(Error::field("password", "That isn't your password."));
        }
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    stored::request(tx, member, mode).await?;
                    log::audit(tx, &logged(Some(member), "request-deletion", member, Some(mode))).await
                })
            })
            .await?;
        Ok(Pending { mode, due_at: super::now_millis() + GRACE_MS })
    }

    /// The viewer's pending deletion, if they asked for one.
    pub async fn pending_deletion(&self, viewer: &Viewer) -> Result<Option<Pending>> {
        let Some(member) = viewer.user_id() else { return Ok(None) };
        let pending = self.store.read_primary(move |c| Box::pin(stored::pending(c, member))).await?;
        Ok(pending.map(|(at, mode)| Pending { mode, due_at: at + GRACE_MS }))
    }

    /// Carries out every deletion whose grace period is over (or every one
    /// asked for, with `ignore_grace`): posts and mentions in batches, each a
    /// short transaction of its own, then the rest of the account at once.
    /// Returns how many accounts were deleted.
    pub async fn process_deletions(&self, ignore_grace: bool) -> Result<usize> {
        let asked_before = if ignore_grace { i64::MAX } else { super::now_millis() - GRACE_MS };
        let due = self.store.read_primary(move |c| Box::pin(stored::due(c, asked_before))).await?;
        for account in &due {
            self.carry_out(account.clone()).await?;
        }
        if !due.is_empty() {
            self.store.scrub().await?;
        }
        Ok(due.len())
    }

    async fn carry_out(&self, account: Due) -> Result<()> {
        let Due { user_id, username, mode } = account;
        if mode == Mode::Erase {
            while self.store.write(move |tx| Box::pin(stored::erase_posts(tx, user_id, BATCH))).await? > 0 {}
        }
        loop {
            let name = username.clone();
            if self.store.write(move |tx| Box::pin(async move { stored::unlink_mentions_of(tx, user_id, &name, mode, BATCH).await })).await? == 0 {
                break;
            }
        }
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    stored::finish(tx, user_id, mode).await?;
                    log::audit(tx, &logged(None, "delete-account", user_id, Some(mode))).await
                })
            })
            .await?;
        tracing::info!(user_id, mode = mode.as_str(), "deleted an account");
        Ok(())
    }
}
