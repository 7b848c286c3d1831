//! The community's own words (name, tagline, welcome, guidelines, safety
//! contact): defaults from Jogette or the operator's `--site` file,
//! overridden by what admins save, which every node reads from the database.
//!
//! Every page shows the name, so each node keeps the words in memory: read
//! when the app opens, again when they are at most [`FRESH_FOR`] old and a
//! page asks, and at once on the node where an admin saves them.

use super::access::{self, Viewer};
use super::store::admin;
use super::store::moderation::{self as log, AuditEntry};
use super::{App, Error, Result};
use crate::domain::permission::{Action, Subject};
use crate::domain::site::Site;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a node shows the words it read before reading them again: how
/// long other nodes take to follow an admin's change.
pub const FRESH_FOR: Duration = Duration::from_secs(30);

/// The words as read, and when.
pub(super) struct Cached {
    read_at: Instant,
    site: Arc<Site>,
}

impl Cached {
    pub(super) fn new(site: Site) -> std::sync::RwLock<Cached> {
        std::sync::RwLock::new(Cached { read_at: Instant::now(), site: Arc::new(site) })
    }
}

/// The operator's defaults: their `--site` file, else Jogette's own.
pub(super) fn defaults(config: &crate::config::Config) -> Result<Site, String> {
    match &config.site_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Site::from_file(&text).map_err(|e| format!("{}: {e}", path.display()))
        }
        None => Ok(Site::default()),
    }
}

impl App {
    /// The community's words as this node last read them (at most [`FRESH_FOR`] ago).
    pub async fn site(&self) -> Arc<Site> {
        {
            let cached = self.site.read().unwrap_or_else(|p| p.into_inner());
            if cached.read_at.elapsed() < FRESH_FOR {
                return cached.site.clone();
            }
        }
        match self.load_site().await {
            Ok(site) => site,
            Err(e) => {
                // Last known words are better than no page.
                tracing::warn!(error = %super::error_chain(&e), "could not read the community's words; showing the last known");
                self.site.read().unwrap_or_else(|p| p.into_inner()).site.clone()
            }
        }
    }

    /// Reads the words from the database into this node's memory.
    pub(super) async fn load_site(&self) -> Result<Arc<Site>> {
        let stored = self.store.read_primary(|c| Box::pin(admin::settings(c))).await?;
        let site = Arc::new(Site::from_settings(&self.site_defaults, &stored));
        *self.site.write().unwrap_or_else(|p| p.into_inner()) = Cached { read_at: Instant::now(), site: site.clone() };
        Ok(site)
    }

    /// An admin saves the community's words; audited.
    pub async fn set_site(&self, viewer: &Viewer, site: Site) -> Result<Arc<Site>> {
        access::check(viewer, Action::ManageSettings, Subject::Community)?;
        let admin_id = viewer.member_or_login()?.id;
        site.check().map_err(Error::Invalid)?;
        let before = self.site().await;
        let entry = AuditEntry {
            actor_id: Some(admin_id),
            action: "change-site",
            target_kind: "settings",
            before: Some(format!("name={:?} tagline={:?}", before.name, before.tagline)),
            after: Some(format!("name={:?} tagline={:?}", site.name.trim(), site.tagline.trim())),
            ..AuditEntry::default()
        };
        let settings = site.to_settings();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    for (key, value) in &settings {
                        admin::set_setting(tx, key, value).await?;
                    }
                    log::audit(tx, &entry).await
                })
            })
            .await?;
        self.load_site().await
    }
}

/// The welcome as a reader sees it (Markdown an admin wrote, cooked and
/// sanitised like a post; mentions stay plain text).
pub fn welcome_html(site: &Site) -> String {
    crate::domain::markdown::render(&site.welcome, &std::collections::HashMap::new()).html
}
