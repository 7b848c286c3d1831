//! Taking your data away: a member asks for an export, it is built in the
//! background with its progress kept, they are told when it's ready, and it
//! can be downloaded for a week.

use super::access::Viewer;
use super::store::export::{self as stored, ExportRow, PART_COUNT};
use super::store::mail;
use super::store::notify::{Notice, notify};
use super::{App, Error, Result};
use crate::domain::export::{KEEP_MS, file_stem, zip};
use crate::domain::links::post_url;
use std::sync::Arc;

/// An export started this long ago without finishing is taken to have died
/// with its node, and a new request starts again.
const STALE_MS: i64 = 15 * 60 * 1000;

/// Where a member's export stands.
#[derive(Debug, Clone)]
pub struct ExportStatus {
    pub progress: i64,
    pub ready_at: Option<i64>,
    pub expires_at: Option<i64>,
}

impl From<ExportRow> for ExportStatus {
    fn from(r: ExportRow) -> Self {
        ExportStatus { progress: r.progress, ready_at: r.ready_at, expires_at: r.expires_at }
    }
}

impl App {
    /// Starts building the viewer's export, unless one is being built.
    pub async fn request_export(self: &Arc<App>, viewer: &Viewer) -> Result<ExportStatus> {
        let member = viewer.member_or_login()?.id;
        self.limit("email", self.config.rate_limits.email, &format!("export:{member}"))?;
        let now = super::now_millis();
        let latest = self.store.read_primary(move |c| Box::pin(stored::latest(c, member))).await?;
        if let Some(building) = latest.filter(|e| e.ready_at.is_none() && now - e.created_at < STALE_MS) {
            return Ok(building.into());
        }
        let id = self.store.write(move |tx| Box::pin(stored::start(tx, member))).await?;
        let app = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(e) = app.build_export(id, member).await {
                tracing::warn!(error = %super::error_chain(&e), export = id, "could not build an export");
            }
        });
        Ok(ExportStatus { progress: 0, ready_at: None, expires_at: None })
    }

    /// The viewer's latest export, unless it has expired.
    pub async fn export_status(&self, viewer: &Viewer) -> Result<Option<ExportStatus>> {
        let member = viewer.member_or_login()?.id;
        let latest = self.store.read_primary(move |c| Box::pin(stored::latest(c, member))).await?;
        let now = super::now_millis();
        Ok(latest.filter(|e| e.expires_at.is_none_or(|at| at > now)).map(Into::into))
    }

    /// The viewer's finished export (a ZIP), while it is kept.
    pub async fn export_file(&self, viewer: &Viewer) -> Result<Vec<u8>> {
        let member = viewer.member_or_login()?.id;
        let latest = self.store.read_primary(move |c| Box::pin(stored::latest(c, member))).await?;
        let now = super::now_millis();
        let ready = latest.filter(|e| e.ready_at.is_some() && e.expires_at.is_some_and(|at| at > now)).ok_or(Error::NotFound)?;
        self.store.read_primary(move |c| Box::pin(stored::bytes(c, ready.id))).await?.ok_or(Error::NotFound)
    }

    /// Drops exports past their week (each node, hourly).
    pub async fn purge_expired_exports(&self) -> Result<u64> {
        let now = super::now_millis();
        Ok(self.store.write(move |tx| Box::pin(stored::purge_expired(tx, now))).await?)
    }

    async fn build_export(&self, id: i64, member: i64) -> Result<()> {
        let mut data = serde_json::Map::new();
        for index in 0..PART_COUNT {
            let (name, rows) = self.store.read_primary(move |c| Box::pin(stored::part(c, member, index))).await?;
            data.insert(name.to_owned(), serde_json::Value::Array(rows));
            let progress = ((index + 1) * 90 / PART_COUNT) as i64;
            self.store.write(move |tx| Box::pin(stored::set_progress(tx, id, progress))).await?;
        }
        let site = self.site().await;
        let base = self.config.public_url();
        let archive = tokio::task::spawn_blocking(move || {
            let mut files = vec![("README.txt".to_owned(), readme(&site.name).into_bytes())];
            let posts = data.get("posts").and_then(|p| p.as_array()).cloned().unwrap_or_default();
            for post in &posts {
                let text = |k: &str| post.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                let number = |k: &str| post.get(k).and_then(serde_json::Value::as_i64).unwrap_or_default();
                let (title, slug) = (text("thread_title"), text("thread_slug"));
                let link = format!("{}{}", base.trim_end_matches('/'), post_url(number("thread_id"), &slug, number("number")));
                let written = crate::domain::dates::rfc3339(number("created_at"));
                let body = format!("# {title}\n\nPost #{} in “{title}”, written {written}\n{link}\n\n---\n\n{}\n", number("number"), text("body"));
                files.push((format!("posts/{:06}-{}.md", number("id"), file_stem(&title)), body.into_bytes()));
            }
            let json = serde_json::to_vec_pretty(&serde_json::Value::Object(data)).unwrap_or_default();
            files.push(("data.json".to_owned(), json));
            zip(&files)
        })
        .await
        .map_err(Error::internal)?;
        let expires_at = super::now_millis() + KEEP_MS;
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    stored::finish(tx, id, &archive, expires_at).await?;
                    let detail = "Your data is ready to download from your settings page (Your data), for the next 7 days.";
                    notify(tx, member, Notice { kind: "export-ready", post_id: None, actor_id: None, detail: Some(detail) }).await?;
                    mail::queue(tx, "export-ready", member, super::now_millis(), None, Some(&format!("export:{id}"))).await.map(|_| ())
                })
            })
            .await?;
        Ok(())
    }
}

fn readme(site: &str) -> String {
    format!(
        "Your data from {site}\n\n\
         posts/       each of your posts as Markdown, with its thread's title and a link to it\n\
         data.json    everything, for machines: your profile and settings, posts and their earlier versions,\n\
         \x20            thanks given and received, runs and pain log, what you watch and mute, your flags,\n\
         \x20            and any moderation of your account\n\n\
         Times in data.json are milliseconds since 1 January 1970 (UTC).\n"
    )
}

/// Posts read per statement for a community export.
const COMMUNITY_POSTS_PER_READ: i64 = 20_000;

impl App {
    /// [`App::export_community`], for an admin on the admin page.
    pub async fn export_community_for(&self, viewer: &Viewer) -> Result<Vec<u8>> {
        super::access::check(viewer, crate::domain::permission::Action::ManageCategories, crate::domain::permission::Subject::Community)?;
        self.export_community().await
    }

    /// The whole community as a ZIP (`README.txt`, `data.json`), in the
    /// shape `jogette import jogette` reads: members without passwords,
    /// categories, threads, posts and thanks; removed posts keep their place
    /// but not their words. For the operator's shell (`jogette admin
    /// export-community`), with no viewer to check.
    pub async fn export_community(&self) -> Result<Vec<u8>> {
        use super::store::export::community;
        use crate::domain::export::{COMMUNITY_FORMAT, COMMUNITY_VERSION, Community};
        let members = self.store.read_primary(|c| Box::pin(community::members(c))).await?;
        let categories = self.store.read_primary(|c| Box::pin(community::categories(c))).await?;
        let mut threads = self.store.read_primary(|c| Box::pin(community::threads(c))).await?;
        let index: std::collections::HashMap<i64, usize> = threads.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let mut after = 0;
        loop {
            let posts = self.store.read_primary(move |c| Box::pin(community::posts(c, after, COMMUNITY_POSTS_PER_READ))).await?;
            let Some(last) = posts.last().map(|(_, p)| p.id) else { break };
            let mut thanks = self.store.read_primary(move |c| Box::pin(community::thanks(c, after, last))).await?.into_iter().peekable();
            for (thread, mut post) in posts {
                while let Some((_, member, at)) = thanks.next_if(|(p, _, _)| *p <= post.id).filter(|(p, _, _)| *p == post.id) {
                    post.thanked_by.push((member, at));
                }
                if let Some(&i) = index.get(&thread) {
                    threads[i].posts.push(post);
                }
            }
            after = last;
        }
        for thread in &mut threads {
            thread.posts.sort_by_key(|p| p.number);
        }
        let site = self.site().await.name.clone();
        let data = Community { format: COMMUNITY_FORMAT.into(), version: COMMUNITY_VERSION, site: site.clone(), members, categories, threads };
        tokio::task::spawn_blocking(move || {
            let json = serde_json::to_vec(&data).map_err(Error::internal)?;
            let readme = format!(
                "The whole community of {site}, exported by an admin.\n\n\
                 data.json    members (no passwords), categories, threads, posts and thanks; times in UTC milliseconds\n\n\
                 Bring it into another Jogette with: jogette import jogette THIS-FILE --db …\n"
            );
            Ok(zip(&[("README.txt".to_owned(), readme.into_bytes()), ("data.json".to_owned(), json)]))
        })
        .await
        .map_err(Error::internal)?
    }
}
